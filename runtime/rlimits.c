// SPDX-License-Identifier: MIT
/*
 * Resource limits: docker's --ulimit names and syntax (pure), and the
 * limits every container starts with, set by its init whatever the shell
 * that ran hutch had (a `ulimit -n 1048576` or `ulimit -c unlimited` there
 * does not leak into containers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "hutch.h"

static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {
	{"core", RLIMIT_CORE},	       {"cpu", RLIMIT_CPU},
	{"data", RLIMIT_DATA},	       {"fsize", RLIMIT_FSIZE},
	{"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
	{"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
	{"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
	{"rss", RLIMIT_RSS},	       {"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
	{"stack", RLIMIT_STACK},
};

#define INF HUTCH_RLIM_INF
/*
 * The defaults (README: "Resource limits"). nofile 1024:524288 is what
 * docker 25+ and containerd 2 give (their systemd units no longer raise it:
 * moby#45534, containerd#8924) and systemd's own default; the soft 1024 is
 * runc spec's too. core 0 soft: a crash's core goes to the host's
 * core_pattern, often a host helper; a program can raise it up to the hard
 * unlimited. memlock 8 MiB: the kernel's default since 5.16. nproc: pids
 * are limited by the cgroup (--pids-limit), as docker does.
 */
static const struct hutch_ulimit defaults[] = {
	{"nofile", 1024, 524288},
	{"nproc", INF, INF},
	{"core", 0, INF},
	{"stack", 8 << 20, INF},
	{"memlock", 8 << 20, 8 << 20},
	{"cpu", INF, INF},
	{"data", INF, INF},
	{"fsize", INF, INF},
	{"rss", INF, INF},
	{"locks", INF, INF},
	{"rttime", INF, INF},
	{"msgqueue", 819200, 819200},
	{"nice", 0, 0},
	{"rtprio", 0, 0},
};

int rlimit_resource(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
		if (strcmp(name, ulimit_names[i].name) == 0)
			return ulimit_names[i].resource;
	return -EINVAL;
}

static int parse_limit(const char *s, uint64_t *ret)
{
	if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0) {
		*ret = INF;
		return 0;
	}
	if (hutch_parse_u64(s, ret) < 0 || *ret >= INT64_MAX)
		return -EINVAL;
	return 0;
}

int rlimit_parse(const char *s, struct hutch_ulimit *ret, struct hutch_error *err)
{
	char buf[128];
	if (!s || strlen(s) >= sizeof(buf))
		return hutch_error_set(err, EINVAL, "--ulimit: NAME=SOFT[:HARD] is needed");
	strcpy(buf, s);
	char *eq = strchr(buf, '=');
	if (!eq)
		return hutch_error_set(err, EINVAL, "--ulimit '%s': NAME=SOFT[:HARD]", s);
	*eq = '\0';
	if (rlimit_resource(buf) < 0)
		return hutch_error_set(
			err, EINVAL,
			"--ulimit '%s': unknown limit '%s' (core, cpu, data, fsize, "
			"locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, "
			"rttime, sigpending, stack)",
			s, buf);
	char *soft = eq + 1, *hard = strchr(soft, ':');
	if (hard)
		*hard++ = '\0';
	struct hutch_ulimit u = {0};
	/* rlimit_resource knows the name: it fits */
	if (snprintf(u.name, sizeof(u.name), "%s", buf) >= (int)sizeof(u.name))
		return hutch_error_set(err, EINVAL, "--ulimit '%s': unknown limit", s);
	if (parse_limit(soft, &u.soft) < 0 || (hard && parse_limit(hard, &u.hard) < 0))
		return hutch_error_set(err, EINVAL,
				       "--ulimit '%s': limits are numbers, or -1 for unlimited", s);
	if (!hard)
		u.hard = u.soft;
	if (u.soft > u.hard)
		return hutch_error_set(err, EINVAL,
				       "--ulimit '%s': the soft limit is above the hard one", s);
	*ret = u;
	return 0;
}

int rlimit_add(struct hutch_state *st, const struct hutch_ulimit *u)
{
	for (size_t i = 0; i < st->n_ulimits; i++) {
		if (strcmp(st->ulimits[i].name, u->name) == 0) {
			st->ulimits[i] = *u; /* the last one given wins */
			return 0;
		}
	}
	if (st->n_ulimits >= HUTCH_MAX_ULIMITS)
		return -E2BIG;
	st->ulimits[st->n_ulimits++] = *u;
	return 0;
}

static int apply_one(const struct hutch_ulimit *u, bool is_default, struct hutch_error *err)
{
	int res = rlimit_resource(u->name);
	if (res < 0)
		return hutch_error_set(err, EINVAL, "unknown limit '%s'", u->name);
	struct rlimit rl = {.rlim_cur = u->soft == INF ? RLIM_INFINITY : (rlim_t)u->soft,
			    .rlim_max = u->hard == INF ? RLIM_INFINITY : (rlim_t)u->hard},
		      cur;
	/*
	 * Without CAP_SYS_RESOURCE (a hutch run in a restricted environment) a
	 * hard limit cannot be raised: a default is then cut to the hard limit
	 * hutch has; a --ulimit asked for is an error, as with docker.
	 */
	int ok = setrlimit(res, &rl);
	if (ok < 0 && errno == EPERM && is_default && getrlimit(res, &cur) == 0) {
		rl.rlim_max = rl.rlim_max > cur.rlim_max ? cur.rlim_max : rl.rlim_max;
		rl.rlim_cur = rl.rlim_cur > rl.rlim_max ? rl.rlim_max : rl.rlim_cur;
		ok = setrlimit(res, &rl);
	}
	if (ok < 0)
		return hutch_error_setsys(
			err, errno, "--ulimit %s: set %s%s", u->name, u->name,
			res == RLIMIT_NOFILE && errno == EPERM ? " (above fs.nr_open?)" : "");
	return 0;
}

int rlimits_apply(const struct hutch_state *st, struct hutch_error *err)
{
	int r;
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		bool given = false;
		for (size_t j = 0; j < st->n_ulimits; j++)
			given |= strcmp(st->ulimits[j].name, defaults[i].name) == 0;
		if (!given && (r = apply_one(&defaults[i], true, err)) < 0)
			return r;
	}
	for (size_t j = 0; j < st->n_ulimits; j++)
		if ((r = apply_one(&st->ulimits[j], false, err)) < 0)
			return r;
	return 0;
}
