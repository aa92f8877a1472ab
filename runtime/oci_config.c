// SPDX-License-Identifier: MIT
/*
 * config.json (OCI runtime spec 1.0-1.2) into struct oci_config. Pure: json-c
 * over a buffer, no I/O. Each reader takes the JSON path of what it reads, so
 * an error names the field ("linux.resources.memory.limit: not an integer").
 */
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "hutch.h"
#include "oci_config.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

typedef struct json_object json;

static const char *const ns_names[OCI_NS_COUNT] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};
static const int ns_flags[OCI_NS_COUNT] = {
	CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,     CLONE_NEWIPC,
	CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

const char *oci_ns_type_name(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? ns_names[t] : "?";
}

int oci_ns_clone_flag(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? ns_flags[t] : 0;
}

static const char *const hook_names[OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

const char *oci_hook_kind_name(enum oci_hook_kind k)
{
	return (unsigned)k < OCI_HOOK_KINDS ? hook_names[k] : "?";
}

/* Indexed by capability number, as in <linux/capability.h>. */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name)
{
	return strv_index(cap_names, ARRAY_SIZE(cap_names), name);
}

const char *oci_cap_name(int cap)
{
	return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int oci_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

/* ---- readers: each takes the path of the object it reads in ---- */

#define BAD(...) hutch_error_set(err, EINVAL, __VA_ARGS__)
#define NOMEM()	 hutch_error_set(err, ENOMEM, "out of memory")

/* "where.key", or "key" at the top. */
static void join(char *buf, size_t size, const char *where, const char *key)
{
	/* A path that does not fit is cut: it only names the field in a message. */
	if (snprintf(buf, size, "%s%s%s", where, where[0] ? "." : "", key) >= (int)size)
		buf[size - 1] = '\0';
}

static const char *type_word(json_type t)
{
	switch (t) {
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_boolean:
		return "true or false";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	default:
		return "a value";
	}
}

/* The member key of obj if it is there and not null; an error if it is not of type t. */
static int member(json *obj, const char *where, const char *key, json_type t, json **ret,
		  struct hutch_error *err)
{
	json *v = NULL;
	*ret = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, t)) {
		char f[512];
		join(f, sizeof(f), where, key);
		return BAD("%s: not %s", f, type_word(t));
	}
	*ret = v;
	return 1;
}

static int opt_str(json *obj, const char *where, const char *key, char **ret,
		   struct hutch_error *err)
{
	json *v;
	int r = member(obj, where, key, json_type_string, &v, err);
	if (r <= 0)
		return r;
	free(*ret);
	*ret = strdup(json_object_get_string(v));
	return *ret ? 1 : NOMEM();
}

static int opt_bool(json *obj, const char *where, const char *key, bool *ret,
		    struct hutch_error *err)
{
	json *v;
	int r = member(obj, where, key, json_type_boolean, &v, err);
	if (r > 0)
		*ret = json_object_get_boolean(v);
	return r;
}

/* An integer in [min, max]. */
static int opt_int(json *obj, const char *where, const char *key, int64_t min, int64_t max,
		   int64_t *ret, struct hutch_error *err)
{
	json *v;
	int r = member(obj, where, key, json_type_int, &v, err);
	if (r <= 0)
		return r;
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (x < min || x > max || (x == INT64_MAX && errno)) {
		char f[512];
		join(f, sizeof(f), where, key);
		return BAD("%s: %lld is out of range", f, (long long)x);
	}
	*ret = x;
	return 1;
}

/* A non-negative integer, up to 2^64-1. */
static int opt_u64(json *obj, const char *where, const char *key, uint64_t *ret,
		   struct hutch_error *err)
{
	json *v;
	int r = member(obj, where, key, json_type_int, &v, err);
	if (r <= 0)
		return r;
	if (json_object_get_int64(v) < 0) {
		char f[512];
		join(f, sizeof(f), where, key);
		return BAD("%s: negative", f);
	}
	*ret = json_object_get_uint64(v);
	return 1;
}

static int req(int r, const char *where, const char *key, struct hutch_error *err)
{
	if (r != 0)
		return r;
	char f[512];
	join(f, sizeof(f), where, key);
	return BAD("%s: required", f);
}

static int opt_strv(json *obj, const char *where, const char *key, char ***ret,
		    struct hutch_error *err)
{
	json *a;
	int r = member(obj, where, key, json_type_array, &a, err);
	if (r <= 0)
		return r;
	char f[512];
	join(f, sizeof(f), where, key);
	_cleanup_strv_free_ char **v = calloc(1, sizeof(*v));
	if (!v)
		return NOMEM();
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string))
			return BAD("%s[%zu]: not a string", f, i);
		if (strv_push(&v, json_object_get_string(e)) < 0)
			return NOMEM();
	}
	strv_free(*ret);
	*ret = TAKE_PTR(v);
	return 1;
}

/* A string -> string object (annotations, sysctl, unified). */
static int opt_map(json *obj, const char *where, const char *key, struct oci_kv **ret,
		   size_t *ret_n, struct hutch_error *err)
{
	json *o;
	int r = member(obj, where, key, json_type_object, &o, err);
	if (r <= 0)
		return r;
	char f[512];
	join(f, sizeof(f), where, key);
	size_t n = (size_t)json_object_object_length(o), i = 0;
	struct oci_kv *kv = calloc(n ? n : 1, sizeof(*kv));
	if (!kv)
		return NOMEM();
	*ret = kv;
	json_object_object_foreach (o, k, v) {
		if (!json_object_is_type(v, json_type_string))
			return BAD("%s.%s: not a string", f, k);
		kv[i].key = strdup(k);
		kv[i].value = strdup(json_object_get_string(v));
		*ret_n = ++i;
		if (!kv[i - 1].key || !kv[i - 1].value)
			return NOMEM();
	}
	return 1;
}

static void kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* An array of objects: its elements one by one, each with its path "where.key[i]". */
static int opt_array(json *obj, const char *where, const char *key, size_t elem_size, void **ret,
		     size_t *ret_n,
		     int (*one)(json *e, const char *path, void *out, void *ctx,
				struct hutch_error *err),
		     void *ctx, struct hutch_error *err)
{
	json *a;
	int r = member(obj, where, key, json_type_array, &a, err);
	if (r <= 0)
		return r;
	char f[512], p[600];
	join(f, sizeof(f), where, key);
	size_t n = json_object_array_length(a);
	char *v = calloc(n ? n : 1, elem_size);
	if (!v)
		return NOMEM();
	*ret = v;
	for (size_t i = 0; i < n; i++) {
		json *e = json_object_array_get_idx(a, i);
		snprintf(p, sizeof(p), "%s[%zu]", f, i);
		if (!json_object_is_type(e, json_type_object))
			return BAD("%s: not an object", p);
		/* Counted before it is filled, so a half-read element is freed too. */
		*ret_n = i + 1;
		if ((r = one(e, p, v + i * elem_size, ctx, err)) < 0)
			return r;
	}
	return 1;
}

static int warn(struct oci_config *c, const char *what, struct hutch_error *err)
{
	return c && strv_push(&c->warnings, what) < 0 ? NOMEM() : 0;
}

/* ---- process ---- */

static int read_rlimit(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_rlimit *rl = out;
	_cleanup_free_ char *type = NULL;
	int r;
	if ((r = req(opt_str(e, p, "type", &type, err), p, "type", err)) < 0 ||
	    (r = req(opt_u64(e, p, "soft", &rl->soft, err), p, "soft", err)) < 0 ||
	    (r = req(opt_u64(e, p, "hard", &rl->hard, err), p, "hard", err)) < 0)
		return r;
	if ((rl->resource = oci_rlimit_from_name(type)) < 0)
		return BAD("%s.type: unknown rlimit %s", p, type);
	if (rl->soft > rl->hard)
		return BAD("%s: soft %llu is above hard %llu", p, (unsigned long long)rl->soft,
			   (unsigned long long)rl->hard);
	return 0;
}

static const char *const cap_set_names[OCI_CAP_SETS] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

static int read_caps(json *obj, const char *where, struct oci_process *pr, struct oci_config *c,
		     struct hutch_error *err)
{
	json *caps;
	int r = member(obj, where, "capabilities", json_type_object, &caps, err);
	if (r <= 0)
		return r;
	pr->caps_given = true;
	char f[512];
	join(f, sizeof(f), where, "capabilities");
	for (int s = 0; s < OCI_CAP_SETS; s++) {
		_cleanup_strv_free_ char **names = NULL;
		if ((r = opt_strv(caps, f, cap_set_names[s], &names, err)) < 0)
			return r;
		for (size_t i = 0; names && names[i]; i++) {
			int cap = oci_cap_from_name(names[i]);
			if (cap < 0) {
				/* runc too goes on without a capability it does not know */
				char w[600];
				snprintf(w, sizeof(w), "%s.%s: unknown capability %s ignored", f,
					 cap_set_names[s], names[i]);
				if ((r = warn(c, w, err)) < 0)
					return r;
				continue;
			}
			pr->caps[s] |= 1ull << cap;
		}
	}
	return 0;
}

static int read_process(json *obj, const char *where, struct oci_process *pr, struct oci_config *c,
			struct hutch_error *err)
{
	int r;
	int64_t x;
	char f[512];
	if ((r = opt_bool(obj, where, "terminal", &pr->terminal, err)) < 0)
		return r;
	json *cs;
	if ((r = member(obj, where, "consoleSize", json_type_object, &cs, err)) < 0)
		return r;
	if (cs) {
		join(f, sizeof(f), where, "consoleSize");
		if ((r = req(opt_int(cs, f, "height", 0, UINT16_MAX, &x, err), f, "height", err)) <
		    0)
			return r;
		pr->console_height = (unsigned)x;
		if ((r = req(opt_int(cs, f, "width", 0, UINT16_MAX, &x, err), f, "width", err)) < 0)
			return r;
		pr->console_width = (unsigned)x;
	}
	json *user;
	if ((r = req(member(obj, where, "user", json_type_object, &user, err), where, "user",
		     err)) < 0)
		return r;
	join(f, sizeof(f), where, "user");
	if ((r = req(opt_int(user, f, "uid", 0, UINT32_MAX - 1, &x, err), f, "uid", err)) < 0)
		return r;
	pr->uid = (uid_t)x;
	if ((r = req(opt_int(user, f, "gid", 0, UINT32_MAX - 1, &x, err), f, "gid", err)) < 0)
		return r;
	pr->gid = (gid_t)x;
	if ((r = opt_int(user, f, "umask", 0, 0777, &pr->umask, err)) < 0)
		return r;
	json *ag;
	if ((r = member(user, f, "additionalGids", json_type_array, &ag, err)) < 0)
		return r;
	if (ag) {
		size_t n = json_object_array_length(ag);
		pr->additional_gids = calloc(n ? n : 1, sizeof(gid_t));
		if (!pr->additional_gids)
			return NOMEM();
		for (size_t i = 0; i < n; i++) {
			json *e = json_object_array_get_idx(ag, i);
			int64_t g = json_object_is_type(e, json_type_int) ? json_object_get_int64(e)
									  : -1;
			if (g < 0 || g >= UINT32_MAX)
				return BAD("%s.additionalGids[%zu]: not a group id", f, i);
			pr->additional_gids[pr->n_additional_gids++] = (gid_t)g;
		}
	}
	json *uname;
	if ((r = member(user, f, "username", json_type_string, &uname, err)) < 0)
		return r;
	if ((r = opt_strv(obj, where, "args", &pr->args, err)) < 0)
		return r;
	if (r == 0 || !pr->args[0]) {
		/* commandLine is Windows-only: a Linux process needs args */
		join(f, sizeof(f), where, "args");
		return BAD("%s: required, with the command to run", f);
	}
	if ((r = opt_strv(obj, where, "env", &pr->env, err)) < 0)
		return r;
	for (size_t i = 0; pr->env && pr->env[i]; i++)
		if (!strchr(pr->env[i], '=') || pr->env[i][0] == '=') {
			join(f, sizeof(f), where, "env");
			return BAD("%s[%zu]: '%s' is not KEY=VALUE", f, i, pr->env[i]);
		}
	if ((r = req(opt_str(obj, where, "cwd", &pr->cwd, err), where, "cwd", err)) < 0)
		return r;
	if (pr->cwd[0] != '/') {
		join(f, sizeof(f), where, "cwd");
		return BAD("%s: '%s' is not an absolute path", f, pr->cwd);
	}
	if ((r = read_caps(obj, where, pr, c, err)) < 0)
		return r;
	if ((r = opt_array(obj, where, "rlimits", sizeof(*pr->rlimits), (void **)&pr->rlimits,
			   &pr->n_rlimits, read_rlimit, NULL, err)) < 0)
		return r;
	for (size_t i = 0; i < pr->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (pr->rlimits[i].resource == pr->rlimits[j].resource) {
				join(f, sizeof(f), where, "rlimits");
				return BAD("%s[%zu]: the same type as %s[%zu]", f, i, f, j);
			}
	if ((r = opt_bool(obj, where, "noNewPrivileges", &pr->no_new_privileges, err)) < 0)
		return r;
	if ((r = opt_int(obj, where, "oomScoreAdj", -1000, 1000, &pr->oom_score_adj, err)) < 0)
		return r;
	static const char *const unapplied[] = {"apparmorProfile", "selinuxLabel", "ioPriority",
						"scheduler", "execCPUAffinity"};
	for (size_t i = 0; i < ARRAY_SIZE(unapplied); i++) {
		json *v;
		if (json_object_object_get_ex(obj, unapplied[i], &v) && v &&
		    !(json_object_is_type(v, json_type_string) && !json_object_get_string_len(v))) {
			char w[600];
			join(f, sizeof(f), where, unapplied[i]);
			snprintf(w, sizeof(w), "%s is not supported and is ignored", f);
			if ((r = warn(c, w, err)) < 0)
				return r;
		}
	}
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	free(p->additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
	p->umask = p->oom_score_adj = OCI_UNSET;
}

/* ---- mounts ---- */

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_opts[] = {
	{"defaults", 0, 0},
	{"ro", MS_RDONLY, 0},
	{"rw", 0, MS_RDONLY},
	{"nosuid", MS_NOSUID, 0},
	{"suid", 0, MS_NOSUID},
	{"nodev", MS_NODEV, 0},
	{"dev", 0, MS_NODEV},
	{"noexec", MS_NOEXEC, 0},
	{"exec", 0, MS_NOEXEC},
	{"sync", MS_SYNCHRONOUS, 0},
	{"async", 0, MS_SYNCHRONOUS},
	{"dirsync", MS_DIRSYNC, 0},
	{"remount", MS_REMOUNT, 0},
	{"mand", MS_MANDLOCK, 0},
	{"nomand", 0, MS_MANDLOCK},
	{"atime", 0, MS_NOATIME},
	{"noatime", MS_NOATIME, 0},
	{"diratime", 0, MS_NODIRATIME},
	{"nodiratime", MS_NODIRATIME, 0},
	{"relatime", MS_RELATIME, 0},
	{"norelatime", 0, MS_RELATIME},
	{"strictatime", MS_STRICTATIME, 0},
	{"nostrictatime", 0, MS_STRICTATIME},
	{"nosymfollow", MS_NOSYMFOLLOW, 0},
	{"symfollow", 0, MS_NOSYMFOLLOW},
};

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int propagation_from_name(const char *s, unsigned long *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
		if (strcmp(s, propagations[i].name) == 0) {
			*ret = propagations[i].flags;
			return 0;
		}
	return -EINVAL;
}

static int append_data(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0;
	char *n = realloc(*data, old + strlen(opt) + 2);
	if (!n)
		return -ENOMEM;
	if (old)
		n[old++] = ',';
	strcpy(n + old, opt);
	*data = n;
	return 0;
}

static int read_mount(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_mount *m = out;
	_cleanup_strv_free_ char **opts = NULL;
	int r;
	if ((r = req(opt_str(e, p, "destination", &m->destination, err), p, "destination", err)) <
		    0 ||
	    (r = opt_str(e, p, "type", &m->type, err)) < 0 ||
	    (r = opt_str(e, p, "source", &m->source, err)) < 0 ||
	    (r = opt_strv(e, p, "options", &opts, err)) < 0)
		return r;
	if (m->destination[0] != '/')
		return BAD("%s.destination: '%s' is not an absolute path", p, m->destination);
	for (const char *s = m->destination; (s = strstr(s, "..")); s += 2)
		if ((s[-1] == '/') && (s[2] == '/' || !s[2]))
			return BAD("%s.destination: '%s' has '..' in it", p, m->destination);
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		bool known = false;
		if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
			m->bind = true;
			m->recursive = o[0] == 'r';
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(mount_opts) && !known; k++)
			if (strcmp(o, mount_opts[k].name) == 0) {
				known = true;
				m->flags = (m->flags & ~mount_opts[k].clear) | mount_opts[k].set;
				m->clear_flags =
					(m->clear_flags & ~mount_opts[k].set) | mount_opts[k].clear;
			}
		if (!known && propagation_from_name(o, &m->propagation) == 0)
			known = true;
		if (!known && append_data(&m->data, o) < 0)
			return NOMEM();
	}
	if (m->bind && !m->source)
		return BAD("%s.source: required for a bind mount", p);
	if (!m->bind && !m->type)
		return BAD("%s.type: required (not a bind mount)", p);
	return 0;
}

/* ---- hooks ---- */

static int read_hook(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_hook *h = out;
	int64_t t = 0;
	int r;
	if ((r = req(opt_str(e, p, "path", &h->path, err), p, "path", err)) < 0 ||
	    (r = opt_strv(e, p, "args", &h->args, err)) < 0 ||
	    (r = opt_strv(e, p, "env", &h->env, err)) < 0 ||
	    (r = opt_int(e, p, "timeout", 1, INT32_MAX, &t, err)) < 0)
		return r;
	if (h->path[0] != '/')
		return BAD("%s.path: '%s' is not an absolute path", p, h->path);
	h->timeout_s = (unsigned)t;
	return 0;
}

static void hooks_free(struct oci_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].path);
		strv_free(h[i].args);
		strv_free(h[i].env);
	}
	free(h);
}

/* ---- linux ---- */

static int read_namespace(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_config *c = ctx;
	_cleanup_free_ char *type = NULL, *path = NULL;
	int r;
	if ((r = req(opt_str(e, p, "type", &type, err), p, "type", err)) < 0 ||
	    (r = opt_str(e, p, "path", &path, err)) < 0)
		return r;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		if (strcmp(type, ns_names[t]) != 0)
			continue;
		if (c->ns[t].present)
			return BAD("%s: namespace %s listed twice", p, type);
		if (path && path[0] != '/')
			return BAD("%s.path: '%s' is not an absolute path", p, path);
		c->ns[t].present = true;
		c->ns[t].path = path && path[0] ? TAKE_PTR(path) : NULL;
		return 0;
	}
	return BAD("%s.type: unknown namespace type '%s'", p, type);
}

static int read_mapping(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_id_mapping *m = out;
	int64_t a, b, s;
	int r;
	if ((r = req(opt_int(e, p, "containerID", 0, UINT32_MAX, &a, err), p, "containerID", err)) <
		    0 ||
	    (r = req(opt_int(e, p, "hostID", 0, UINT32_MAX, &b, err), p, "hostID", err)) < 0 ||
	    (r = req(opt_int(e, p, "size", 1, UINT32_MAX, &s, err), p, "size", err)) < 0)
		return r;
	m->container_id = (uint32_t)a;
	m->host_id = (uint32_t)b;
	m->size = (uint32_t)s;
	return 0;
}

static int read_device(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_device *d = out;
	_cleanup_free_ char *type = NULL;
	int r;
	d->major = d->minor = 0;
	d->file_mode = d->uid = d->gid = OCI_UNSET;
	if ((r = req(opt_str(e, p, "path", &d->path, err), p, "path", err)) < 0 ||
	    (r = req(opt_str(e, p, "type", &type, err), p, "type", err)) < 0 ||
	    (r = opt_int(e, p, "major", 0, UINT32_MAX, &d->major, err)) < 0 ||
	    (r = opt_int(e, p, "minor", 0, UINT32_MAX, &d->minor, err)) < 0 ||
	    (r = opt_int(e, p, "fileMode", 0, 07777, &d->file_mode, err)) < 0 ||
	    (r = opt_int(e, p, "uid", 0, UINT32_MAX - 1, &d->uid, err)) < 0 ||
	    (r = opt_int(e, p, "gid", 0, UINT32_MAX - 1, &d->gid, err)) < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return BAD("%s.type: '%s' is not one of c, b, u, p", p, type);
	d->type = type[0];
	if (d->path[0] != '/')
		return BAD("%s.path: '%s' is not an absolute path", p, d->path);
	return 0;
}

static int read_device_rule(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_device_rule *d = out;
	_cleanup_free_ char *type = NULL, *access = NULL;
	int r;
	d->major = d->minor = -1;
	d->type = 'a';
	if ((r = req(opt_bool(e, p, "allow", &d->allow, err), p, "allow", err)) < 0 ||
	    (r = opt_str(e, p, "type", &type, err)) < 0 ||
	    (r = opt_int(e, p, "major", -1, UINT32_MAX, &d->major, err)) < 0 ||
	    (r = opt_int(e, p, "minor", -1, UINT32_MAX, &d->minor, err)) < 0 ||
	    (r = opt_str(e, p, "access", &access, err)) < 0)
		return r;
	if (type) {
		if (strlen(type) != 1 || !strchr("abc", type[0]))
			return BAD("%s.type: '%s' is not one of a, b, c", p, type);
		d->type = type[0];
	}
	const char *acc = access ? access : "rwm";
	if (strlen(acc) > 3 || strspn(acc, "rwm") != strlen(acc))
		return BAD("%s.access: '%s' is not made of r, w, m", p, acc);
	snprintf(d->access, sizeof(d->access), "%s", acc);
	return 0;
}

static int read_weight_device(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_weight_device *d = out;
	int r;
	d->weight = d->leaf_weight = OCI_UNSET;
	if ((r = req(opt_int(e, p, "major", 0, UINT32_MAX, &d->major, err), p, "major", err)) < 0 ||
	    (r = req(opt_int(e, p, "minor", 0, UINT32_MAX, &d->minor, err), p, "minor", err)) < 0 ||
	    (r = opt_int(e, p, "weight", 0, 1000, &d->weight, err)) < 0 ||
	    (r = opt_int(e, p, "leafWeight", 0, 1000, &d->leaf_weight, err)) < 0)
		return r;
	return 0;
}

static int read_throttle_device(json *e, const char *p, void *out, void *ctx,
				struct hutch_error *err)
{
	struct oci_throttle_device *d = out;
	int r;
	if ((r = req(opt_int(e, p, "major", 0, UINT32_MAX, &d->major, err), p, "major", err)) < 0 ||
	    (r = req(opt_int(e, p, "minor", 0, UINT32_MAX, &d->minor, err), p, "minor", err)) < 0 ||
	    (r = req(opt_u64(e, p, "rate", &d->rate, err), p, "rate", err)) < 0)
		return r;
	return 0;
}

static int read_hugepage(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_kv *kv = out;
	uint64_t limit = 0; /* req() fails when it is absent; gcc -O3 cannot see that */
	int r;
	if ((r = req(opt_str(e, p, "pageSize", &kv->key, err), p, "pageSize", err)) < 0 ||
	    (r = req(opt_u64(e, p, "limit", &limit, err), p, "limit", err)) < 0)
		return r;
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)limit);
	kv->value = strdup(buf);
	return kv->value ? 0 : NOMEM();
}

void oci_resources_init(struct oci_resources *r)
{
	memset(r, 0, sizeof(*r));
	r->memory_limit = r->memory_reservation = r->memory_swap = r->memory_kernel =
		r->memory_kernel_tcp = r->memory_swappiness = OCI_UNSET;
	r->cpu_shares = r->cpu_quota = r->cpu_burst = r->cpu_period = r->cpu_rt_runtime =
		r->cpu_rt_period = r->cpu_idle = OCI_UNSET;
	r->pids_limit = r->blkio_weight = r->blkio_leaf_weight = OCI_UNSET;
}

void oci_resources_free(struct oci_resources *r)
{
	free(r->cpus);
	free(r->mems);
	free(r->weight_devices);
	for (int i = 0; i < OCI_THROTTLES; i++)
		free(r->throttle[i]);
	free(r->devices);
	kv_free(r->hugepages, r->n_hugepages);
	kv_free(r->unified, r->n_unified);
	oci_resources_init(r);
}

static const char *const throttle_names[OCI_THROTTLES] = {
	"throttleReadBpsDevice",
	"throttleWriteBpsDevice",
	"throttleReadIOPSDevice",
	"throttleWriteIOPSDevice",
};

static int read_resources(json *res, const char *f, struct oci_resources *rs, struct oci_config *c,
			  struct hutch_error *err)
{
	char g[512];
	json *o;
	int r;
	if ((r = opt_array(res, f, "devices", sizeof(*rs->devices), (void **)&rs->devices,
			   &rs->n_devices, read_device_rule, NULL, err)) < 0)
		return r;
	if ((r = member(res, f, "memory", json_type_object, &o, err)) < 0)
		return r;
	if (o) {
		join(g, sizeof(g), f, "memory");
		if ((r = opt_int(o, g, "limit", -1, INT64_MAX, &rs->memory_limit, err)) < 0 ||
		    (r = opt_int(o, g, "reservation", -1, INT64_MAX, &rs->memory_reservation,
				 err)) < 0 ||
		    (r = opt_int(o, g, "swap", -1, INT64_MAX, &rs->memory_swap, err)) < 0 ||
		    (r = opt_int(o, g, "kernel", -1, INT64_MAX, &rs->memory_kernel, err)) < 0 ||
		    (r = opt_int(o, g, "kernelTCP", -1, INT64_MAX, &rs->memory_kernel_tcp, err)) <
			    0 ||
		    (r = opt_int(o, g, "swappiness", 0, 100, &rs->memory_swappiness, err)) < 0 ||
		    (r = opt_bool(o, g, "disableOOMKiller", &rs->disable_oom_killer, err)) < 0)
			return r;
		if (rs->memory_limit > 0 && rs->memory_swap > 0 &&
		    rs->memory_swap < rs->memory_limit)
			return BAD("%s.swap: %lld is below limit %lld (swap is memory + swap)", g,
				   (long long)rs->memory_swap, (long long)rs->memory_limit);
	}
	if ((r = member(res, f, "cpu", json_type_object, &o, err)) < 0)
		return r;
	if (o) {
		join(g, sizeof(g), f, "cpu");
		if ((r = opt_int(o, g, "shares", 0, UINT32_MAX, &rs->cpu_shares, err)) < 0 ||
		    (r = opt_int(o, g, "quota", -1, INT64_MAX, &rs->cpu_quota, err)) < 0 ||
		    (r = opt_int(o, g, "burst", 0, INT64_MAX, &rs->cpu_burst, err)) < 0 ||
		    (r = opt_int(o, g, "period", 0, INT64_MAX, &rs->cpu_period, err)) < 0 ||
		    (r = opt_int(o, g, "realtimeRuntime", -1, INT64_MAX, &rs->cpu_rt_runtime,
				 err)) < 0 ||
		    (r = opt_int(o, g, "realtimePeriod", 0, INT64_MAX, &rs->cpu_rt_period, err)) <
			    0 ||
		    (r = opt_int(o, g, "idle", 0, 1, &rs->cpu_idle, err)) < 0 ||
		    (r = opt_str(o, g, "cpus", &rs->cpus, err)) < 0 ||
		    (r = opt_str(o, g, "mems", &rs->mems, err)) < 0)
			return r;
		struct hutch_cpuset set;
		if (rs->cpus && rs->cpus[0] && hutch_cpuset_parse(rs->cpus, &set) < 0)
			return BAD("%s.cpus: '%s' is not a CPU list", g, rs->cpus);
		if (rs->mems && rs->mems[0] && hutch_cpuset_parse(rs->mems, &set) < 0)
			return BAD("%s.mems: '%s' is not a node list", g, rs->mems);
	}
	if ((r = member(res, f, "pids", json_type_object, &o, err)) < 0)
		return r;
	if (o) {
		join(g, sizeof(g), f, "pids");
		if ((r = req(opt_int(o, g, "limit", INT64_MIN + 1, INT64_MAX, &rs->pids_limit, err),
			     g, "limit", err)) < 0)
			return r;
		if (rs->pids_limit < 0)
			rs->pids_limit = -1; /* any negative is "max" */
	}
	if ((r = member(res, f, "blockIO", json_type_object, &o, err)) < 0)
		return r;
	if (o) {
		join(g, sizeof(g), f, "blockIO");
		if ((r = opt_int(o, g, "weight", 0, 1000, &rs->blkio_weight, err)) < 0 ||
		    (r = opt_int(o, g, "leafWeight", 0, 1000, &rs->blkio_leaf_weight, err)) < 0 ||
		    (r = opt_array(o, g, "weightDevice", sizeof(*rs->weight_devices),
				   (void **)&rs->weight_devices, &rs->n_weight_devices,
				   read_weight_device, NULL, err)) < 0)
			return r;
		for (int i = 0; i < OCI_THROTTLES; i++)
			if ((r = opt_array(o, g, throttle_names[i], sizeof(*rs->throttle[i]),
					   (void **)&rs->throttle[i], &rs->n_throttle[i],
					   read_throttle_device, NULL, err)) < 0)
				return r;
	}
	if ((r = opt_array(res, f, "hugepageLimits", sizeof(*rs->hugepages),
			   (void **)&rs->hugepages, &rs->n_hugepages, read_hugepage, NULL, err)) <
		    0 ||
	    (r = opt_map(res, f, "unified", &rs->unified, &rs->n_unified, err)) < 0)
		return r;
	for (size_t i = 0; i < rs->n_unified; i++) {
		const char *k = rs->unified[i].key;
		if (!k[0] || strchr(k, '/') || strcmp(k, "..") == 0 || strcmp(k, ".") == 0)
			return BAD("%s.unified: '%s' is not a cgroup file name", f, k);
	}
	static const char *const unapplied[] = {"network", "rdma"};
	for (size_t i = 0; c && i < ARRAY_SIZE(unapplied); i++) {
		json *v;
		if (json_object_object_get_ex(res, unapplied[i], &v) && v) {
			char w[600];
			join(g, sizeof(g), f, unapplied[i]);
			snprintf(w, sizeof(w), "%s is not supported and is ignored", g);
			if ((r = warn(c, w, err)) < 0)
				return r;
		}
	}
	return 0;
}

static const char *const scmp_actions[] = {
	[OCI_SCMP_KILL] = "SCMP_ACT_KILL",
	[OCI_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[OCI_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[OCI_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[OCI_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[OCI_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[OCI_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[OCI_SCMP_LOG] = "SCMP_ACT_LOG",
	[OCI_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};
static const char *const scmp_ops[] = {
	[OCI_SCMP_NE] = "SCMP_CMP_NE",
	[OCI_SCMP_LT] = "SCMP_CMP_LT",
	[OCI_SCMP_LE] = "SCMP_CMP_LE",
	[OCI_SCMP_EQ] = "SCMP_CMP_EQ",
	[OCI_SCMP_GE] = "SCMP_CMP_GE",
	[OCI_SCMP_GT] = "SCMP_CMP_GT",
	[OCI_SCMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int read_seccomp_arg(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_seccomp_arg *a = out;
	_cleanup_free_ char *op = NULL;
	int64_t idx;
	int r;
	if ((r = req(opt_int(e, p, "index", 0, 5, &idx, err), p, "index", err)) < 0 ||
	    (r = req(opt_u64(e, p, "value", &a->value, err), p, "value", err)) < 0 ||
	    (r = opt_u64(e, p, "valueTwo", &a->value_two, err)) < 0 ||
	    (r = req(opt_str(e, p, "op", &op, err), p, "op", err)) < 0)
		return r;
	a->index = (unsigned)idx;
	int i = name_index(scmp_ops, ARRAY_SIZE(scmp_ops), op);
	if (i < 0)
		return BAD("%s.op: unknown operator %s", p, op);
	a->op = (enum oci_seccomp_op)i;
	return 0;
}

static int read_seccomp_rule(json *e, const char *p, void *out, void *ctx, struct hutch_error *err)
{
	struct oci_seccomp_rule *s = out;
	_cleanup_free_ char *action = NULL;
	int r;
	s->errno_ret = OCI_UNSET;
	if ((r = req(opt_strv(e, p, "names", &s->names, err), p, "names", err)) < 0 ||
	    (r = req(opt_str(e, p, "action", &action, err), p, "action", err)) < 0 ||
	    (r = opt_int(e, p, "errnoRet", 0, 4095, &s->errno_ret, err)) < 0 ||
	    (r = opt_array(e, p, "args", sizeof(*s->args), (void **)&s->args, &s->n_args,
			   read_seccomp_arg, NULL, err)) < 0)
		return r;
	if (!s->names[0])
		return BAD("%s.names: empty", p);
	int i = name_index(scmp_actions, ARRAY_SIZE(scmp_actions), action);
	if (i < 0)
		return BAD("%s.action: unknown action %s", p, action);
	s->action = (enum oci_seccomp_action)i;
	return 0;
}

static void seccomp_free(struct oci_seccomp *s)
{
	if (!s)
		return;
	strv_free(s->architectures);
	strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_rules; i++) {
		strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	free(s);
}

static int read_seccomp(json *o, const char *f, struct oci_config *c, struct hutch_error *err)
{
	struct oci_seccomp *s = calloc(1, sizeof(*s));
	_cleanup_free_ char *def = NULL;
	int r;
	if (!s)
		return NOMEM();
	c->seccomp = s;
	s->default_errno_ret = OCI_UNSET;
	if ((r = req(opt_str(o, f, "defaultAction", &def, err), f, "defaultAction", err)) < 0 ||
	    (r = opt_int(o, f, "defaultErrnoRet", 0, 4095, &s->default_errno_ret, err)) < 0 ||
	    (r = opt_strv(o, f, "architectures", &s->architectures, err)) < 0 ||
	    (r = opt_strv(o, f, "flags", &s->flags, err)) < 0 ||
	    (r = opt_str(o, f, "listenerPath", &s->listener_path, err)) < 0 ||
	    (r = opt_str(o, f, "listenerMetadata", &s->listener_metadata, err)) < 0 ||
	    (r = opt_array(o, f, "syscalls", sizeof(*s->rules), (void **)&s->rules, &s->n_rules,
			   read_seccomp_rule, NULL, err)) < 0)
		return r;
	int i = name_index(scmp_actions, ARRAY_SIZE(scmp_actions), def);
	if (i < 0)
		return BAD("%s.defaultAction: unknown action %s", f, def);
	s->default_action = (enum oci_seccomp_action)i;
	bool notify = s->default_action == OCI_SCMP_NOTIFY;
	for (size_t k = 0; k < s->n_rules; k++)
		notify |= s->rules[k].action == OCI_SCMP_NOTIFY;
	if (notify && (!s->listener_path || !s->listener_path[0]))
		return BAD("%s.listenerPath: required with SCMP_ACT_NOTIFY", f);
	if (s->listener_path && s->listener_path[0] && s->listener_path[0] != '/')
		return BAD("%s.listenerPath: '%s' is not an absolute path", f, s->listener_path);
	return 0;
}

static int read_linux(json *lx, struct oci_config *c, struct hutch_error *err)
{
	const char *f = "linux";
	int r;
	json *o;
	/* Namespaces land in c->ns; opt_array's own array is only scratch. */
	void *scratch = NULL;
	size_t n_scratch = 0;
	r = opt_array(lx, f, "namespaces", 1, &scratch, &n_scratch, read_namespace, c, err);
	free(scratch);
	if (r < 0)
		return r;
	if ((r = opt_array(lx, f, "uidMappings", sizeof(*c->uid_mappings),
			   (void **)&c->uid_mappings, &c->n_uid_mappings, read_mapping, NULL,
			   err)) < 0 ||
	    (r = opt_array(lx, f, "gidMappings", sizeof(*c->gid_mappings),
			   (void **)&c->gid_mappings, &c->n_gid_mappings, read_mapping, NULL,
			   err)) < 0 ||
	    (r = opt_array(lx, f, "devices", sizeof(*c->devices), (void **)&c->devices,
			   &c->n_devices, read_device, NULL, err)) < 0 ||
	    (r = opt_str(lx, f, "cgroupsPath", &c->cgroups_path, err)) < 0 ||
	    (r = opt_map(lx, f, "sysctl", &c->sysctl, &c->n_sysctl, err)) < 0 ||
	    (r = opt_strv(lx, f, "maskedPaths", &c->masked_paths, err)) < 0 ||
	    (r = opt_strv(lx, f, "readonlyPaths", &c->readonly_paths, err)) < 0)
		return r;
	if ((c->n_uid_mappings || c->n_gid_mappings) && !c->ns[OCI_NS_USER].present)
		return BAD("linux.uidMappings: given without a user namespace");
	if ((r = member(lx, f, "resources", json_type_object, &o, err)) < 0)
		return r;
	if (o && (r = read_resources(o, "linux.resources", &c->resources, c, err)) < 0)
		return r;
	if ((r = member(lx, f, "seccomp", json_type_object, &o, err)) < 0)
		return r;
	if (o && (r = read_seccomp(o, "linux.seccomp", c, err)) < 0)
		return r;
	_cleanup_free_ char *prop = NULL;
	if ((r = opt_str(lx, f, "rootfsPropagation", &prop, err)) < 0)
		return r;
	if (prop && prop[0] && propagation_from_name(prop, &c->rootfs_propagation) < 0)
		return BAD("linux.rootfsPropagation: unknown propagation '%s'", prop);
	if ((r = member(lx, f, "personality", json_type_object, &o, err)) < 0)
		return r;
	if (o) {
		_cleanup_free_ char *domain = NULL;
		_cleanup_strv_free_ char **pflags = NULL;
		if ((r = req(opt_str(o, "linux.personality", "domain", &domain, err),
			     "linux.personality", "domain", err)) < 0 ||
		    (r = opt_strv(o, "linux.personality", "flags", &pflags, err)) < 0)
			return r;
		if (strcmp(domain, "LINUX") == 0)
			c->personality = PER_LINUX;
		else if (strcmp(domain, "LINUX32") == 0)
			c->personality = PER_LINUX32;
		else
			return BAD("linux.personality.domain: '%s' is not LINUX or LINUX32",
				   domain);
		c->has_personality = true;
		if (pflags && pflags[0] &&
		    (r = warn(c, "linux.personality.flags are not supported and are ignored",
			      err)) < 0)
			return r;
	}
	static const char *const unapplied[] = {"intelRdt", "mountLabel", "timeOffsets",
						"memoryPolicy"};
	for (size_t i = 0; i < ARRAY_SIZE(unapplied); i++) {
		json *v;
		if (json_object_object_get_ex(lx, unapplied[i], &v) && v &&
		    !(json_object_is_type(v, json_type_string) && !json_object_get_string_len(v))) {
			char w[200];
			snprintf(w, sizeof(w), "linux.%s is not supported and is ignored",
				 unapplied[i]);
			if ((r = warn(c, w, err)) < 0)
				return r;
		}
	}
	return 0;
}

void oci_config_init(struct oci_config *c)
{
	memset(c, 0, sizeof(*c));
	c->process.umask = c->process.oom_score_adj = OCI_UNSET;
	oci_resources_init(&c->resources);
}

void oci_config_free(struct oci_config *c)
{
	free(c->oci_version);
	oci_process_free(&c->process);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		hooks_free(c->hooks[k], c->n_hooks[k]);
	kv_free(c->annotations, c->n_annotations);
	for (int t = 0; t < OCI_NS_COUNT; t++)
		free(c->ns[t].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	oci_resources_free(&c->resources);
	free(c->cgroups_path);
	kv_free(c->sysctl, c->n_sysctl);
	seccomp_free(c->seccomp);
	strv_free(c->masked_paths);
	strv_free(c->readonly_paths);
	strv_free(c->warnings);
	oci_config_init(c);
}

/* "1.0.2-dev" -> 1, 0; -EINVAL when not MAJOR.MINOR.PATCH[-+...]. */
static int parse_version(const char *v, unsigned *ret_major, unsigned *ret_minor)
{
	unsigned major, minor, patch;
	int n = 0;
	if (sscanf(v, "%u.%u.%u%n", &major, &minor, &patch, &n) != 3 ||
	    !(v[0] >= '0' && v[0] <= '9') || (v[n] && v[n] != '-' && v[n] != '+'))
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	return 0;
}

static json *parse_json(const char *text, size_t len, const char *what, struct hutch_error *err)
{
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		NOMEM();
		return NULL;
	}
	json *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!root || e != json_tokener_success) {
		if (e == json_tokener_continue)
			BAD("%s: not valid JSON: the text ends early", what);
		else
			BAD("%s: not valid JSON: %s at offset %zu", what,
			    json_tokener_error_desc(e), json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end < len && text[end]) {
		BAD("%s: not valid JSON: text after the document at offset %zu", what, end);
		json_object_put(root);
		return NULL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		BAD("%s: not a JSON object", what);
		json_object_put(root);
		return NULL;
	}
	return root;
}

DEFINE_CLEANUP_FUNC(json *, json_object_put)

int oci_config_parse(const char *text, size_t len, struct oci_config *ret, struct hutch_error *err)
{
	struct oci_config *c = ret;
	oci_config_init(c);
	_cleanup_(json_object_putp) json *root = parse_json(text, len, "config.json", err);
	if (!root)
		return -EINVAL;
	int r;
	unsigned major, minor;
	json *o;
	if ((r = req(opt_str(root, "", "ociVersion", &c->oci_version, err), "", "ociVersion",
		     err)) < 0)
		goto fail;
	if (parse_version(c->oci_version, &major, &minor) < 0) {
		r = BAD("ociVersion: '%s' is not a version (MAJOR.MINOR.PATCH)", c->oci_version);
		goto fail;
	}
	if (major != 1 || minor > 2) {
		r = hutch_error_set(err, EPROTONOSUPPORT,
				    "ociVersion: %s is not supported (hutch-runc reads 1.0 to 1.2)",
				    c->oci_version);
		goto fail;
	}
	if ((r = member(root, "", "process", json_type_object, &o, err)) < 0)
		goto fail;
	if (o) {
		c->has_process = true;
		if ((r = read_process(o, "process", &c->process, c, err)) < 0)
			goto fail;
	}
	if ((r = member(root, "", "root", json_type_object, &o, err)) < 0)
		goto fail;
	if (o &&
	    ((r = req(opt_str(o, "root", "path", &c->root_path, err), "root", "path", err)) < 0 ||
	     (r = opt_bool(o, "root", "readonly", &c->root_readonly, err)) < 0))
		goto fail;
	if ((r = opt_str(root, "", "hostname", &c->hostname, err)) < 0 ||
	    (r = opt_str(root, "", "domainname", &c->domainname, err)) < 0 ||
	    (r = opt_array(root, "", "mounts", sizeof(*c->mounts), (void **)&c->mounts,
			   &c->n_mounts, read_mount, NULL, err)) < 0 ||
	    (r = opt_map(root, "", "annotations", &c->annotations, &c->n_annotations, err)) < 0)
		goto fail;
	if ((r = member(root, "", "hooks", json_type_object, &o, err)) < 0)
		goto fail;
	for (int k = 0; o && k < OCI_HOOK_KINDS; k++)
		if ((r = opt_array(o, "hooks", hook_names[k], sizeof(struct oci_hook),
				   (void **)&c->hooks[k], &c->n_hooks[k], read_hook, NULL, err)) <
		    0)
			goto fail;
	if ((r = member(root, "", "linux", json_type_object, &o, err)) < 0)
		goto fail;
	if (o && (r = read_linux(o, c, err)) < 0)
		goto fail;
	if (c->hostname && c->hostname[0] && !c->ns[OCI_NS_UTS].present) {
		r = BAD("hostname: set without a new uts namespace");
		goto fail;
	}
	return 0;
fail:
	oci_config_free(c);
	return r < 0 ? r : -EINVAL;
}

int oci_process_parse(const char *text, size_t len, struct oci_process *ret,
		      struct hutch_error *err)
{
	struct oci_process *p = ret;
	memset(p, 0, sizeof(*p));
	p->umask = p->oom_score_adj = OCI_UNSET;
	_cleanup_(json_object_putp) json *root = parse_json(text, len, "process.json", err);
	if (!root)
		return -EINVAL;
	int r = read_process(root, "", p, NULL, err);
	if (r < 0)
		oci_process_free(p);
	return r;
}

int oci_resources_parse(const char *text, size_t len, struct oci_resources *ret,
			struct hutch_error *err)
{
	oci_resources_init(ret);
	_cleanup_(json_object_putp) json *root = parse_json(text, len, "resources", err);
	if (!root)
		return -EINVAL;
	int r = read_resources(root, "", ret, NULL, err);
	if (r < 0)
		oci_resources_free(ret);
	return r;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", as systemd nests slices. */
static int expand_slice(const char *slice, char *buf, size_t size)
{
	size_t len = strlen(slice);
	if (len < 7 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
		return -EINVAL;
	size_t stem = len - 6, off = 0;
	buf[0] = '\0';
	if (strncmp(slice, "-.slice", len) == 0)
		return 0; /* the root slice */
	for (size_t i = 0; i <= stem; i++) {
		if (i < stem && slice[i] != '-')
			continue;
		if (i == 0 || slice[i - 1] == '-' || (i < stem && i + 1 == stem))
			return -EINVAL; /* "-a", "a--b", "a-" */
		int n = snprintf(buf + off, size - off, "/%.*s.slice", (int)i, slice);
		if (n < 0 || (size_t)n >= size - off)
			return -ENAMETOOLONG;
		off += (size_t)n;
	}
	return 0;
}

int oci_cgroups_path(const char *path, bool systemd, const char *id, const char *default_parent,
		     char *buf, size_t size, struct hutch_error *err)
{
	int n;
	if (systemd) {
		const char *p = path && path[0] ? path : "";
		char slice[256], prefix[256], name[256], sbuf[2048];
		const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!p[0]) {
			snprintf(slice, sizeof(slice), "system.slice");
			snprintf(prefix, sizeof(prefix), "hutch");
			snprintf(name, sizeof(name), "%s", id);
		} else {
			if (!c2 || strchr(c2 + 1, ':'))
				return BAD("cgroupsPath '%s': not slice:prefix:name, as "
					   "--systemd-cgroup needs",
					   p);
			snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - p), p);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
			snprintf(name, sizeof(name), "%s", c2 + 1);
			if (!slice[0])
				snprintf(slice, sizeof(slice), "system.slice");
		}
		if (!name[0] || strchr(name, '/') || strchr(prefix, '/') || name[0] == '.')
			return BAD("cgroupsPath '%s': the name is empty or has a '/'", p);
		if (expand_slice(slice, sbuf, sizeof(sbuf)) < 0)
			return BAD("cgroupsPath '%s': '%s' is not a slice name (a-b.slice)", p,
				   slice);
		size_t nl = strlen(name);
		/* A name ending .slice is a slice of its own, else a scope prefix-name.scope. */
		if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
			n = snprintf(buf, size, "%s/%s", sbuf, name);
		else
			n = snprintf(buf, size, "%s/%s%s%s.scope", sbuf, prefix,
				     prefix[0] ? "-" : "", name);
		if (n < 0 || (size_t)n >= size)
			return BAD("cgroupsPath '%s': too long", p);
		return 0;
	}
	if (!path || !path[0]) {
		n = snprintf(buf, size, "/%s/%s", default_parent, id);
		if (n < 0 || (size_t)n >= size)
			return BAD("cgroup path of %s: too long", id);
		return 0;
	}
	/* Cleaned: repeated slashes folded, "." dropped; ".." refused (it could leave the tree). */
	size_t off = 0;
	buf[0] = '\0';
	for (const char *s = path; *s;) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t l = (size_t)(e - s);
		if (l == 2 && s[0] == '.' && s[1] == '.')
			return BAD("cgroupsPath '%s': '..' is not allowed", path);
		if (l && !(l == 1 && s[0] == '.')) {
			if (off + l + 2 > size)
				return BAD("cgroupsPath '%s': too long", path);
			buf[off++] = '/';
			memcpy(buf + off, s, l);
			off += l;
			buf[off] = '\0';
		}
		s = e;
	}
	if (!off)
		return BAD("cgroupsPath '%s': the root cgroup cannot hold a container", path);
	return 0;
}
