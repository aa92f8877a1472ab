// SPDX-License-Identifier: MIT
/* hutch-runc spec (a starting config.json) and features (what hutch-runc supports). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runc.h"

/*
 * The spec's usual container: sh on a terminal in rootfs/, read-only, in
 * new pid, network, ipc, uts and mount namespaces, with the kernel's
 * filesystems, three capabilities and every device denied.
 */
static const char default_spec[] =
	"{\"ociVersion\":\"" RUNC_OCI_VERSION "\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=" HUTCH_DEFAULT_PATH "\",\"TERM=xterm\"],\"cwd\":\"/\","
	"\"capabilities\":{"
	"\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"hutch\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
	"\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	"\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
	"\"/proc/sysrq-trigger\"]}}";

static struct json_object *id_map(unsigned id)
{
	struct json_object *a = json_object_new_array(), *m = json_object_new_object();
	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(id));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

/* --rootless: a user namespace mapping the caller, no network namespace, /sys bound. */
static void make_rootless(struct json_object *spec)
{
	struct json_object *lx, *ns, *mounts;
	json_object_object_get_ex(spec, "linux", &lx);
	json_object_object_get_ex(lx, "namespaces", &ns);
	struct json_object *keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		struct json_object *e = json_object_array_get_idx(ns, i), *t;
		json_object_object_get_ex(e, "type", &t);
		if (strcmp(json_object_get_string(t), "network") != 0)
			json_object_array_add(keep, json_object_get(e));
	}
	struct json_object *user = json_object_new_object();
	json_object_object_add(user, "type", json_object_new_string("user"));
	json_object_array_add(keep, user);
	json_object_object_add(lx, "namespaces", keep);
	json_object_object_add(lx, "uidMappings", id_map(getuid()));
	json_object_object_add(lx, "gidMappings", id_map(getgid()));
	json_object_object_del(lx, "resources");
	json_object_object_get_ex(spec, "mounts", &mounts);
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i), *d;
		json_object_object_get_ex(m, "destination", &d);
		if (strcmp(json_object_get_string(d), "/sys") == 0) {
			json_object_object_add(m, "type", json_object_new_string("none"));
			json_object_object_add(m, "source", json_object_new_string("/sys"));
			struct json_object *o = json_object_new_array();
			static const char *const opts[] = {"rbind", "nosuid", "noexec", "nodev",
							   "ro"};
			for (size_t k = 0; k < ARRAY_SIZE(opts); k++)
				json_object_array_add(o, json_object_new_string(opts[k]));
			json_object_object_add(m, "options", o);
		}
	}
}

int runc_cmd_spec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"rootless", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'R':
			rootless = true;
			break;
		case 'h':
			printf("Usage: hutch-runc spec [--bundle DIR] [--rootless]\n\n"
			       "Writes a starting config.json into the bundle (default .).\n");
			return 0;
		default:
			return runc_bad_flag("spec", argv);
		}
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (access(path, F_OK) == 0)
		return runc_fail("File %s exists. Remove it first", path);
	struct json_object *spec = json_tokener_parse(default_spec);
	if (!spec)
		return runc_fail("spec: out of memory");
	if (rootless)
		make_rootless(spec);
	const char *text = json_object_to_json_string_ext(
		spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
			      JSON_C_TO_STRING_NOSLASHESCAPE | JSON_C_TO_STRING_SPACED);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	int e = errno;
	int r = 0;
	if (fd < 0)
		r = runc_fail("spec: create %s: %s", path, strerror(e));
	else if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1)
		r = runc_fail("spec: write %s: %s", path, strerror(errno));
	json_object_put(spec);
	return r;
}

static struct json_object *str_array(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (v[i])
			json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int runc_cmd_features(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: hutch-runc features\n\nPrints what hutch-runc supports, as the "
		       "OCI runtime features JSON.\n");
		return 0;
	}
	static const char *const hooks[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	static const char *const mount_opts[] = {
		"async",	 "atime",	"bind",	       "defaults", "dev",
		"diratime",	 "dirsync",	"exec",	       "mand",	   "noatime",
		"nodev",	 "nodiratime",	"noexec",      "nomand",   "norelatime",
		"nostrictatime", "nosuid",	"nosymfollow", "private",  "rbind",
		"relatime",	 "remount",	"ro",	       "rprivate", "rshared",
		"rslave",	 "runbindable", "rw",	       "shared",   "slave",
		"strictatime",	 "suid",	"symfollow",   "sync",	   "unbindable",
	};
	static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network",
						 "pid",	   "uts", "user"};
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_NOTIFY",	 "SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",
	};
	static const char *const operators[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
						"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
						"SCMP_CMP_NE"};
	static const char *const archs[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
					    "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
	struct json_object *o = json_object_new_object(), *lx = json_object_new_object();
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string("1.2.0"));
	json_object_object_add(o, "hooks", str_array(hooks, ARRAY_SIZE(hooks)));
	json_object_object_add(o, "mountOptions", str_array(mount_opts, ARRAY_SIZE(mount_opts)));
	json_object_object_add(lx, "namespaces", str_array(namespaces, ARRAY_SIZE(namespaces)));
	const char *caps[64];
	size_t n = 0;
	for (int cap = 0; oci_cap_name(cap); cap++)
		caps[n++] = oci_cap_name(cap);
	json_object_object_add(lx, "capabilities", str_array(caps, n));
	struct json_object *cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(true));
	json_object_object_add(cg, "v2", json_object_new_boolean(true));
	/* systemd's path form is understood; the cgroup is made by hutch, not by systemd */
	json_object_object_add(cg, "systemd", json_object_new_boolean(false));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
	json_object_object_add(lx, "cgroup", cg);
	struct json_object *sc = json_object_new_object();
	json_object_object_add(sc, "enabled", json_object_new_boolean(true));
	json_object_object_add(sc, "actions", str_array(actions, ARRAY_SIZE(actions)));
	json_object_object_add(sc, "operators", str_array(operators, ARRAY_SIZE(operators)));
	json_object_object_add(sc, "archs", str_array(archs, ARRAY_SIZE(archs)));
	json_object_object_add(lx, "seccomp", sc);
	struct json_object *off = json_object_new_object();
	json_object_object_add(off, "enabled", json_object_new_boolean(false));
	json_object_object_add(lx, "apparmor", off);
	json_object_object_add(lx, "selinux", json_object_get(off));
	json_object_object_add(o, "linux", lx);
	struct json_object *ann = json_object_new_object();
	const struct scmp_version *sv = seccomp_version();
	char ver[64];
	snprintf(ver, sizeof(ver), "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0,
		 sv ? sv->micro : 0);
	json_object_object_add(ann, "io.github.seccomp.libseccomp.version",
			       json_object_new_string(ver));
	json_object_object_add(ann, "org.hutch.version", json_object_new_string(HUTCH_VERSION));
	json_object_object_add(o, "annotations", ann);
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
