// SPDX-License-Identifier: MIT
/* `hutch run`'s flags into the container's state. Pure: no file is read here. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hutch.h"

int spec_env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return -EINVAL;
	size_t klen = (size_t)(eq - kv) + 1;
	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (strncmp((*env)[i], kv, klen) == 0) {
			char *dup = strdup(kv);
			if (!dup)
				return -ENOMEM;
			free((*env)[i]);
			(*env)[i] = dup;
			return 0;
		}
	}
	return strv_push(env, kv);
}

/* "K=V" as is; "K" alone takes the host's value of K (docker's habit) or is skipped. */
static int env_add(char ***env, const char *s)
{
	if (!s[0] || s[0] == '=')
		return -EINVAL;
	if (strchr(s, '='))
		return spec_env_set(env, s);
	const char *v = getenv(s);
	if (!v)
		return 0;
	size_t n = strlen(s) + strlen(v) + 2;
	_cleanup_free_ char *kv = malloc(n);
	if (!kv)
		return -ENOMEM;
	snprintf(kv, n, "%s=%s", s, v);
	return spec_env_set(env, kv);
}

int spec_env_file_parse(const char *text, char ***env, struct hutch_error *err)
{
	_cleanup_free_ char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	char *save = NULL;
	int lineno = 0;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			line[--l] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		int r = env_add(env, line);
		if (r < 0)
			return hutch_error_set(err, -r, "line %d: bad variable '%s'", lineno, line);
	}
	return 0;
}

int spec_parse_cpus(const char *s, uint64_t *ret_quota_us, uint64_t *ret_period_us)
{
	char *end;
	if (!s || !s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || v != v || v <= 0)
		return -EINVAL;
	if (v > 4096)
		return -ERANGE;
	uint64_t quota = (uint64_t)(v * 100000.0 + 0.5);
	if (quota < 1000) /* the kernel's floor is 1 ms */
		return -ERANGE;
	*ret_quota_us = quota;
	*ret_period_us = 100000;
	return 0;
}

static bool abs_path_ok(const char *p)
{
	/* overlayfs and mount option strings do not take ',' or ':' in paths. */
	return p[0] == '/' && !strchr(p, ',') && !strchr(p, ':') && !strstr(p, "/../") &&
	       strcmp(p + strlen(p) - (strlen(p) >= 3 ? 3 : 0), "/..") != 0;
}

bool spec_hostname_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (c == '.') {
			/* a label is not empty, and neither starts nor ends with '-' */
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (alnum || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return s[n - 1] != '-' && s[n - 1] != '.';
}

/*
 * Whether a container path is /proc or /sys or under them, as the kernel
 * would walk it ("//proc/", "/./sys" too): mounts there would hide or
 * replace the kernel's interfaces the masks and read-only binds protect
 * (runc refuses them as well).
 */
bool spec_kernel_fs_target(const char *p)
{
	static const char *const refused[] = {"proc", "sys"};
	while (*p == '/' || (p[0] == '.' && (p[1] == '/' || !p[1])))
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		size_t n = strlen(refused[i]);
		if (strncmp(p, refused[i], n) == 0 && (p[n] == '/' || !p[n]))
			return true;
	}
	return false;
}

int spec_parse_device(const char *s, struct hutch_device *ret)
{
	char buf[2100];
	if (!s || snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	char *host = buf, *ctr = strchr(buf, ':'), *acc = NULL;
	if (ctr) {
		*ctr++ = '\0';
		if ((acc = strchr(ctr, ':')))
			*acc++ = '\0';
	}
	if (!ctr || !ctr[0])
		ctr = host;
	struct hutch_device d = {.access = DEV_ACC_ALL};
	if (!abs_path_ok(host) || !abs_path_ok(ctr) || strcmp(ctr, "/") == 0 ||
	    spec_kernel_fs_target(ctr) || strlen(host) >= sizeof(d.host) ||
	    strlen(ctr) >= sizeof(d.path))
		return -EINVAL;
	if (acc) {
		d.access = 0;
		for (const char *c = acc; *c; c++) {
			unsigned bit = *c == 'r'   ? DEV_ACC_READ
				       : *c == 'w' ? DEV_ACC_WRITE
				       : *c == 'm' ? DEV_ACC_MKNOD
						   : 0;
			if (!bit || (d.access & bit))
				return -EINVAL;
			d.access |= bit;
		}
		if (!d.access)
			return -EINVAL;
	}
	strcpy(d.host, host);
	strcpy(d.path, ctr);
	*ret = d;
	return 0;
}

int spec_parse_volume(const char *s, struct hutch_mount_spec *ret)
{
	_cleanup_free_ char *copy = strdup(s ? s : "");
	if (!copy)
		return -ENOMEM;
	char *host = copy, *ctr = strchr(copy, ':');
	if (!ctr)
		return -EINVAL;
	*ctr++ = '\0';
	char *mode = strchr(ctr, ':');
	bool ro = false;
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") == 0)
			ro = true;
		else if (strcmp(mode, "rw") != 0)
			return -EINVAL;
	}
	if (!abs_path_ok(host) || !abs_path_ok(ctr) || strcmp(ctr, "/") == 0)
		return -EINVAL;
	if (spec_kernel_fs_target(ctr))
		return -EPERM;
	char *h = strdup(host), *c = strdup(ctr);
	if (!h || !c) {
		free(h);
		free(c);
		return -ENOMEM;
	}
	ret->source = h;
	ret->destination = c;
	ret->readonly = ro;
	return 0;
}

int spec_parse_ns(const char *s, bool allow_none, struct hutch_ns_spec *ret)
{
	struct hutch_ns_spec ns = {0};
	if (!s)
		return -EINVAL;
	if (strcmp(s, "host") == 0) {
		ns.mode = HUTCH_NS_HOST;
	} else if (allow_none && strcmp(s, "none") == 0) {
		ns.mode = HUTCH_NS_NONE;
	} else if (allow_none && strcmp(s, "bridge") == 0) {
		ns.mode = HUTCH_NS_PRIVATE; /* docker's default name; we give loopback only */
	} else if (strncmp(s, "container:", 10) == 0 && s[10] && strlen(s + 10) <= HUTCH_ID_LEN &&
		   !strchr(s + 10, '/')) {
		ns.mode = HUTCH_NS_CONTAINER;
		strcpy(ns.container, s + 10);
	} else {
		return -EINVAL;
	}
	*ret = ns;
	return 0;
}

static bool is_user_name(const char *s)
{
	if (!s[0] || strlen(s) > 32 || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_-.", *p)))
			return false;
	return true;
}

/*
 * The next line of passwd/group text, copied into buf and split at ':' into
 * f[0..n) (fields the line lacks are NULL); *text moves past it. Lines too
 * long for buf are skipped. False at the end of the text.
 */
static bool db_next(const char **text, char *buf, size_t size, char **f, int n)
{
	while (*text && **text) {
		const char *line = *text, *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		*text = end ? end + 1 : NULL;
		if (len >= size)
			continue;
		memcpy(buf, line, len);
		buf[len] = '\0';
		char *cur = buf;
		/* strsep keeps empty fields ("name::0:") that strtok would fold */
		for (int i = 0; i < n; i++)
			f[i] = cur ? strsep(&cur, ":") : NULL;
		return true;
	}
	return false;
}

/* Finds name (or, with name NULL, the number id) in passwd/group text; returns field 2 (uid/gid) and 3. */
static int db_lookup(const char *text, const char *name, uint64_t id, uint64_t *ret_id,
		     uint64_t *ret_gid)
{
	char buf[512], *f[4];
	while (db_next(&text, buf, sizeof(buf), f, 4)) {
		uint64_t fid, fgid = UINT64_MAX;
		if (f[0] && f[2] && hutch_parse_u64(f[2], &fid) == 0 && fid < UINT32_MAX &&
		    (name ? strcmp(f[0], name) == 0 : fid == id)) {
			if (f[3])
				hutch_parse_u64(f[3], &fgid);
			*ret_id = fid;
			if (ret_gid)
				*ret_gid = fgid;
			return 0;
		}
	}
	return -ENOENT;
}

int spec_resolve_user(const char *s, const char *passwd, const char *group, uid_t *ret_uid,
		      gid_t *ret_gid)
{
	char buf[72];
	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	char *g = strchr(buf, ':');
	if (g)
		*g++ = '\0';
	uint64_t u, gg = UINT64_MAX;
	if (hutch_parse_u64(buf, &u) == 0) {
		if (u >= UINT32_MAX)
			return -EINVAL;
		/* A number: its passwd entry's group if there is one, else the same number. */
		if (!passwd || db_lookup(passwd, NULL, u, &u, &gg) < 0 || gg >= UINT32_MAX)
			gg = u;
	} else if (is_user_name(buf)) {
		if (!passwd || db_lookup(passwd, buf, 0, &u, &gg) < 0)
			return -ENOENT;
		if (gg >= UINT32_MAX)
			gg = u;
	} else {
		return -EINVAL;
	}
	if (g) {
		if (hutch_parse_u64(g, &gg) == 0) {
			if (gg >= UINT32_MAX)
				return -EINVAL;
		} else if (is_user_name(g)) {
			if (!group || db_lookup(group, g, 0, &gg, NULL) < 0)
				return -ENOENT;
		} else {
			return -EINVAL;
		}
	}
	*ret_uid = (uid_t)u;
	*ret_gid = (gid_t)gg;
	return 0;
}

/* Whether a group line's member list (comma-separated) names the user. */
static bool member_of(const char *members, const char *name)
{
	size_t n = strlen(name);
	for (const char *m = members; m && *m;) {
		const char *comma = strchr(m, ',');
		size_t len = comma ? (size_t)(comma - m) : strlen(m);
		if (len == n && strncmp(m, name, n) == 0)
			return true;
		m = comma ? comma + 1 : NULL;
	}
	return false;
}

int spec_user_groups(const char *passwd, const char *group, uid_t uid, gid_t *ret, size_t max)
{
	char name[72] = "";
	/* The user's name: the first passwd entry with its uid. */
	char pbuf[512], *pf[3];
	while (!name[0] && db_next(&passwd, pbuf, sizeof(pbuf), pf, 3)) {
		uint64_t id;
		if (pf[0] && pf[2] && strlen(pf[0]) < sizeof(name) &&
		    hutch_parse_u64(pf[2], &id) == 0 && id == uid)
			strcpy(name, pf[0]);
	}
	size_t n = 0;
	if (!name[0])
		return 0;
	char gbuf[4096], *gf[4];
	while (db_next(&group, gbuf, sizeof(gbuf), gf, 4)) {
		uint64_t gid;
		bool dup = false;
		if (gf[2] && gf[3] && hutch_parse_u64(gf[2], &gid) == 0 && gid < UINT32_MAX &&
		    member_of(gf[3], name)) {
			for (size_t i = 0; i < n; i++)
				dup |= ret[i] == (gid_t)gid;
			if (!dup && n < max)
				ret[n++] = (gid_t)gid;
		}
	}
	return (int)n;
}

bool spec_user_valid(const char *s)
{
	char buf[72];
	if (!s || !s[0] || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	char *g = strchr(buf, ':');
	if (g)
		*g++ = '\0';
	uint64_t x;
	bool ok = (hutch_parse_u64(buf, &x) == 0 && x < UINT32_MAX) || is_user_name(buf);
	if (g)
		ok = ok && ((hutch_parse_u64(g, &x) == 0 && x < UINT32_MAX) || is_user_name(g));
	return ok;
}

int spec_parse_user(const char *s, uid_t *ret_uid, gid_t *ret_gid)
{
	return spec_resolve_user(s, NULL, NULL, ret_uid, ret_gid);
}

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	hutch_state_init(&o->st);
	cpu_set_t set;
	o->ncpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
}

void run_opts_free(struct run_opts *o)
{
	hutch_state_free(&o->st);
	strv_free(o->env_files);
	strv_free(o->cap_add);
	strv_free(o->cap_drop);
	o->env_files = o->cap_add = o->cap_drop = NULL;
}

/* Shorter than max, a letter or digit first, then letters, digits or the characters of extra. */
static bool valid_word(const char *s, size_t max, const char *extra)
{
	if (!s[0] || strlen(s) >= max)
		return false;
	for (const char *p = s; *p; p++) {
		bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9');
		if (!alnum && (p == s || !strchr(extra, *p)))
			return false;
	}
	return true;
}

/* An image reference as docker spells it: [registry[:port]/]path[:tag][@sha256:hex]. */
static bool valid_image_ref(const char *s)
{
	return valid_word(s, 256, "_.-/:@") && !strstr(s, "..") && !strstr(s, "//");
}

/* Names: docker's [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool valid_name(const char *s)
{
	return valid_word(s, 64, "_.-");
}

/* "KILL", "SIGKILL", "9" -> 9; -1 if unknown. */
int spec_parse_signal(const char *s)
{
	uint64_t n;
	if (hutch_parse_u64(s, &n) == 0)
		return n > 0 && n < (uint64_t)NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && strcasecmp(abbrev, s) == 0)
			return i;
	}
	return -1;
}

enum {
	OPT_RM = 1000,
	OPT_MEMORY_SWAP,
	OPT_CPUS,
	OPT_CPU_SHARES,
	OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS,
	OPT_PIDS_LIMIT,
	OPT_ENV_FILE,
	OPT_HOSTNAME,
	OPT_READ_ONLY,
	OPT_PID,
	OPT_NET,
	OPT_IPC,
	OPT_UTS,
	OPT_CGROUP_PARENT,
	OPT_NO_FSD,
	OPT_ROOTFS,
	OPT_NO_PIVOT,
	OPT_NAME,
	OPT_SECURITY_OPT,
	OPT_DEVICE,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_ULIMIT,
	OPT_ENTRYPOINT,
	OPT_STOP_SIGNAL,
};

static const struct option run_options[] = {
	{"name", required_argument, NULL, OPT_NAME},
	{"detach", no_argument, NULL, 'd'},
	{"rm", no_argument, NULL, OPT_RM},
	{"interactive", no_argument, NULL, 'i'},
	{"tty", no_argument, NULL, 't'},
	{"memory", required_argument, NULL, 'm'},
	{"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
	{"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
	{"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
	{"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
	{"volume", required_argument, NULL, 'v'},
	{"env", required_argument, NULL, 'e'},
	{"env-file", required_argument, NULL, OPT_ENV_FILE},
	{"workdir", required_argument, NULL, 'w'},
	{"user", required_argument, NULL, 'u'},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"read-only", no_argument, NULL, OPT_READ_ONLY},
	{"pid", required_argument, NULL, OPT_PID},
	{"net", required_argument, NULL, OPT_NET},
	{"network", required_argument, NULL, OPT_NET},
	{"ipc", required_argument, NULL, OPT_IPC},
	{"uts", required_argument, NULL, OPT_UTS},
	{"cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT},
	{"no-fsd", no_argument, NULL, OPT_NO_FSD},
	{"rootfs", required_argument, NULL, OPT_ROOTFS},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
	{"device", required_argument, NULL, OPT_DEVICE},
	{"cap-add", required_argument, NULL, OPT_CAP_ADD},
	{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
	{"privileged", no_argument, NULL, OPT_PRIVILEGED},
	{"ulimit", required_argument, NULL, OPT_ULIMIT},
	{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
	{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
	{"label", required_argument, NULL, 'l'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

#define BAD(...) hutch_error_set(err, EINVAL, __VA_ARGS__)

/* A boolean as docker's options take it. */
static int parse_bool(const char *s, bool *ret)
{
	if (!strcmp(s, "true") || !strcmp(s, "1")) {
		*ret = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0")) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

int spec_parse_security_opt(const char *s, struct hutch_state *st, struct hutch_error *err)
{
	/* docker takes KEY=VALUE and, from its first versions, KEY:VALUE. */
	size_t k = strcspn(s, "=:");
	const char *v = s[k] ? s + k + 1 : NULL;
	if (k == 7 && strncmp(s, "seccomp", 7) == 0) {
		if (!v || !v[0])
			return BAD("--security-opt '%s': seccomp=unconfined or seccomp=FILE", s);
		if (strcmp(v, "unconfined") == 0) {
			st->seccomp_unconfined = true;
			st->seccomp_profile[0] = '\0';
		} else if (strlen(v) >= sizeof(st->seccomp_profile)) {
			return BAD("--security-opt '%s': the path is too long", s);
		} else {
			strcpy(st->seccomp_profile, v);
			st->seccomp_unconfined = false;
		}
		return 0;
	}
	if (k == 17 && strncmp(s, "no-new-privileges", 17) == 0) {
		bool b = true;
		if (v && parse_bool(v, &b) < 0)
			return BAD("--security-opt '%s': no-new-privileges[=true|false]", s);
		st->no_new_privs = b;
		return 0;
	}
	return BAD("--security-opt '%s': seccomp=unconfined, seccomp=FILE or "
		   "no-new-privileges[=true|false] (no AppArmor, SELinux or label options here)",
		   s);
}

/* The flags over the image's config (--entrypoint, --stop-signal, --label); 1 when c is none. */
static int parse_image_flag(int c, struct run_opts *ret, struct hutch_error *err)
{
	struct hutch_state *st = &ret->st;
	switch (c) {
	case OPT_ENTRYPOINT:
		ret->entrypoint = optarg;
		return 0;
	case OPT_STOP_SIGNAL:
		if ((st->stop_signal = spec_parse_signal(optarg)) < 0)
			return BAD("--stop-signal '%s': not a signal", optarg);
		return 0;
	case 'l':
		if (optarg[0] == '=' || strv_push(&st->labels, optarg) < 0)
			return BAD("--label '%s': KEY=VALUE or KEY", optarg);
		return 0;
	default:
		return 1;
	}
}

/* The security flags (--security-opt, capabilities, --privileged, --ulimit); 1 when c is none. */
static int parse_security_flag(int c, struct run_opts *ret, struct hutch_error *err)
{
	struct hutch_state *st = &ret->st;
	struct hutch_ulimit u;
	int r;
	switch (c) {
	case OPT_SECURITY_OPT:
		return spec_parse_security_opt(optarg, st, err);
	case OPT_CAP_ADD:
	case OPT_CAP_DROP:
		if (strv_push(c == OPT_CAP_ADD ? &ret->cap_add : &ret->cap_drop, optarg) < 0)
			return hutch_error_set(err, ENOMEM, "out of memory");
		return 0;
	case OPT_PRIVILEGED:
		st->privileged = true;
		return 0;
	case OPT_ULIMIT:
		if ((r = rlimit_parse(optarg, &u, err)) < 0)
			return r;
		if (rlimit_add(st, &u) < 0)
			return BAD("--ulimit '%s': too many limits", optarg);
		return 0;
	default:
		return 1;
	}
}

static int copy_str(char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, s);
	return 0;
}

/* The resource limits' flags; 1 when c is none of them. */
static int parse_limit_opt(int c, const char *opt, struct run_opts *ret, struct hutch_error *err)
{
	struct hutch_state *st = &ret->st;
	uint64_t v;
	switch (c) {
	case 'm':
		if (hutch_parse_size(optarg, &v) < 0 || v < 6 * 1024 * 1024)
			return BAD("--memory '%s': a size of at least 6m (b, k, m, g "
				   "suffixes)",
				   optarg);
		st->limits.memory_bytes = v;
		break;
	case OPT_MEMORY_SWAP:
		if (strcmp(optarg, "-1") == 0)
			v = HUTCH_UNLIMITED;
		else if (hutch_parse_size(optarg, &v) < 0)
			return BAD("--memory-swap '%s': a size or -1", optarg);
		st->limits.memory_swap_bytes = v;
		break;
	case OPT_CPUS: {
		int r = spec_parse_cpus(optarg, &st->limits.cpu_quota_us,
					&st->limits.cpu_period_us);
		if (r == -EINVAL)
			return BAD("--cpus '%s': a number of CPUs, like 0.5", optarg);
		/* docker's words */
		if (r < 0 || st->limits.cpu_quota_us > (uint64_t)ret->ncpus * 100000)
			return BAD("--cpus '%s': Range of CPUs is from 0.01 to %u.00, as there are "
				   "only %u CPUs available",
				   optarg, ret->ncpus, ret->ncpus);
		break;
	}
	case OPT_CPU_SHARES:
		if (hutch_parse_u64(optarg, &v) < 0 || v < 2 || v > 262144)
			return BAD("--cpu-shares '%s': a number from 2 to 262144", optarg);
		st->limits.cpu_shares = v;
		break;
	case OPT_CPUSET_CPUS:
	case OPT_CPUSET_MEMS: {
		struct hutch_cpuset set;
		if (hutch_cpuset_parse(optarg, &set) < 0 || hutch_cpuset_count(&set) == 0)
			return BAD("%s '%s': a list like 0-2,4", opt, optarg);
		char *dst = c == OPT_CPUSET_CPUS ? st->limits.cpuset_cpus : st->limits.cpuset_mems;
		if (hutch_cpuset_format(&set, dst, sizeof(st->limits.cpuset_cpus)) < 0)
			return BAD("%s '%s': too long", opt, optarg);
		break;
	}
	case OPT_PIDS_LIMIT:
		if (strcmp(optarg, "-1") == 0 || strcmp(optarg, "0") == 0)
			v = HUTCH_UNLIMITED;
		else if (hutch_parse_u64(optarg, &v) < 0 || v > INT32_MAX)
			return BAD("--pids-limit '%s': a number, or -1 for no limit", optarg);
		st->limits.pids_max = v;
		break;
	default:
		return 1;
	}
	return 0;
}

/* -v HOST:CTR[:ro] into st's mounts. */
static int add_volume(struct hutch_state *st, const char *arg, struct hutch_error *err)
{
	struct hutch_mount_spec m;
	int r = spec_parse_volume(arg, &m);
	if (r == -EPERM)
		return BAD("-v '%s': a volume over /proc or /sys (or under them) is refused", arg);
	if (r < 0)
		return BAD("-v '%s': HOST:CONTAINER[:ro], both absolute paths without ',' or ':'",
			   arg);
	struct hutch_mount_spec *nm = realloc(st->mounts, (st->n_mounts + 1) * sizeof(*nm));
	if (!nm) {
		free(m.source);
		free(m.destination);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	st->mounts = nm;
	st->mounts[st->n_mounts++] = m;
	return 0;
}

static int set_hostname(struct hutch_state *st, const char *arg, struct hutch_error *err)
{
	if (spec_hostname_valid(arg) && copy_str(st->hostname, 64, arg) == 0)
		return 0;
	/* the message stays one line, whatever the value holds */
	char shown[80];
	snprintf(shown, sizeof(shown), "%s", arg);
	for (char *q = shown; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return BAD("--hostname '%s': invalid hostname format (RFC 1123: letters, digits and '-' "
		   "in labels between dots, under 64 characters)",
		   shown);
}

/* --device HOST[:CTR[:rwm]], kept normalised as HOST:CTR:ACCESS (devices_resolve reads it). */
static int add_device(struct hutch_state *st, const char *arg, struct hutch_error *err)
{
	struct hutch_device d;
	char norm[2200], acc[4] = "";
	if (spec_parse_device(arg, &d) < 0)
		return BAD("--device '%s': HOST[:CONTAINER[:rwm]], absolute paths", arg);
	snprintf(acc, sizeof(acc), "%s%s%s", d.access & DEV_ACC_READ ? "r" : "",
		 d.access & DEV_ACC_WRITE ? "w" : "", d.access & DEV_ACC_MKNOD ? "m" : "");
	snprintf(norm, sizeof(norm), "%s:%s:%s", d.host, d.path, acc);
	if (strv_push(&st->devices, norm) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* One flag of `hutch run` (c as getopt_long returns it) into ret. */
static int parse_opt(int c, const char *opt, struct run_opts *ret, struct hutch_error *err)
{
	struct hutch_state *st = &ret->st;
	int r;
	switch (c) {
	case OPT_NAME:
		if (!valid_name(optarg))
			return BAD("--name '%s': a name is [a-zA-Z0-9][a-zA-Z0-9_.-]*, "
				   "under 64 characters",
				   optarg);
		strcpy(st->name, optarg);
		break;
	case 'd':
		st->detach = true;
		break;
	case OPT_RM:
		st->auto_remove = true;
		break;
	case 'i':
		st->interactive = true;
		break;
	case 't':
		st->tty = true;
		break;
	case 'v':
		return add_volume(st, optarg, err);
	case 'e':
		if ((r = env_add(&st->env, optarg)) < 0)
			return BAD("-e '%s': KEY=VALUE or KEY", optarg);
		break;
	case OPT_ENV_FILE:
		if (strv_push(&ret->env_files, optarg) < 0)
			return hutch_error_set(err, ENOMEM, "out of memory");
		break;
	case 'w':
		if (optarg[0] != '/' || copy_str(st->workdir, sizeof(st->workdir), optarg) < 0)
			return BAD("-w '%s': an absolute path", optarg);
		break;
	case 'u':
		if (!spec_user_valid(optarg))
			return BAD("-u '%s': USER[:GROUP], names or numbers", optarg);
		strcpy(st->user, optarg);
		break;
	case OPT_HOSTNAME:
		return set_hostname(st, optarg, err);
	case OPT_READ_ONLY:
		st->read_only = true;
		break;
	case OPT_PID:
	case OPT_NET:
	case OPT_IPC: {
		enum hutch_ns_kind k = c == OPT_PID   ? HUTCH_NS_PID
				       : c == OPT_NET ? HUTCH_NS_NET
						      : HUTCH_NS_IPC;
		if (spec_parse_ns(optarg, c == OPT_NET, &st->ns[k]) < 0)
			return BAD("%s '%s': host%s or container:NAME", opt, optarg,
				   c == OPT_NET ? ", none" : "");
		break;
	}
	case OPT_UTS:
		if (strcmp(optarg, "host") != 0)
			return BAD("--uts '%s': only host", optarg);
		st->ns[HUTCH_NS_UTS].mode = HUTCH_NS_HOST;
		break;
	case OPT_CGROUP_PARENT:
		if (!optarg[0] || strstr(optarg, "..") || strlen(optarg) > 512)
			return BAD("--cgroup-parent '%s': a cgroup path", optarg);
		ret->cgroup_parent = optarg;
		break;
	case OPT_NO_FSD:
		st->fsd = false;
		break;
	case OPT_ROOTFS:
		if (optarg[0] != '/' || !abs_path_ok(optarg))
			return BAD("--rootfs '%s': an absolute path without ',' or ':'", optarg);
		ret->rootfs = optarg;
		break;
	case OPT_NO_PIVOT:
		st->no_pivot = true;
		break;
	case OPT_DEVICE:
		return add_device(st, optarg, err);
	case '?':
	default:
		r = parse_limit_opt(c, opt, ret, err);
		if (r <= 0)
			return r;
		if (optopt && optopt < 256)
			return BAD("unknown flag or missing value: -%c", optopt);
		return BAD("unknown flag or missing value: %s", opt);
	}
	return 0;
}

/* The operands (IMAGE, the command) and the checks between flags. */
static int parse_operands(int argc, char **argv, struct run_opts *ret, struct hutch_error *err)
{
	struct hutch_state *st = &ret->st;
	if (!ret->rootfs) {
		if (optind >= argc)
			return BAD("an IMAGE (or --rootfs DIR) is needed");
		ret->image = argv[optind++];
		if (!valid_image_ref(ret->image))
			return BAD("image '%s': not an image name", ret->image);
		snprintf(st->image, sizeof(st->image), "%s", ret->image);
	}
	for (int i = optind; i < argc; i++)
		if (strv_push(&st->argv, argv[i]) < 0)
			return hutch_error_set(err, ENOMEM, "out of memory");
	if (!st->argv && ret->rootfs)
		return BAD("--rootfs needs a command");
	if (st->ns[HUTCH_NS_NET].mode == HUTCH_NS_HOST && st->hostname[0])
		return BAD("--hostname cannot go with --net host");
	if (st->ns[HUTCH_NS_UTS].mode == HUTCH_NS_HOST && st->hostname[0])
		return BAD("--hostname cannot go with --uts host");
	/* docker's --privileged: every capability, whatever --cap-add/--cap-drop say. */
	int r;
	if (st->privileged)
		st->cap_mask = CAPS_ALL;
	else if ((r = caps_compute(ret->cap_add, ret->cap_drop, &st->cap_mask, err)) < 0)
		return r;
	if (st->limits.memory_swap_bytes != UINT64_MAX &&
	    st->limits.memory_swap_bytes != HUTCH_UNLIMITED) {
		if (st->limits.memory_bytes == UINT64_MAX)
			return BAD("--memory-swap needs --memory");
		if (st->limits.memory_swap_bytes < st->limits.memory_bytes)
			return BAD("--memory-swap must be at least --memory");
	}
	return 0;
}

int run_opts_parse(int argc, char **argv, struct run_opts *ret, struct hutch_error *err)
{
	int c, r;
	optind = 0; /* also resets getopt's state between calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+dithm:v:e:w:u:l:", run_options, NULL)) != -1) {
		const char *opt = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		if (c == 'h') {
			ret->help = true;
			return 0;
		}
		if ((r = parse_security_flag(c, ret, err)) <= 0 ||
		    (r = parse_image_flag(c, ret, err)) <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		if ((r = parse_opt(c, opt, ret, err)) < 0)
			return r;
	}
	return parse_operands(argc, argv, ret, err);
}
