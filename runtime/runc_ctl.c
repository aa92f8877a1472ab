// SPDX-License-Identifier: MIT
/*
 * hutch-runc's verbs over an existing container: state, list, kill, delete,
 * ps, pause, resume, update, events. Each reads the record, asks the host
 * what is true now, and acts on the process or the cgroup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "hutch/cgroup.h"
#include "runc.h"

static bool want_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s", usage);
			return true;
		}
	return false;
}

/* The one ID a verb takes, after its flags. */
static const char *one_id(int argc, char **argv, const char *verb)
{
	if (optind != argc - 1) {
		runc_fail("%s: requires exactly 1 argument, the container id", verb);
		return NULL;
	}
	return argv[optind];
}

int runc_parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},   {"ILL", SIGILL},
		{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
		{"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
		{"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
		{"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
		{"TTOU", SIGTTOU},     {"URG", SIGURG},	  {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
		{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
		{"PWR", SIGPWR},       {"SYS", SIGSYS},
	};
	uint64_t n;
	if (hutch_parse_u64(s, &n) == 0)
		return n > 0 && n < (uint64_t)NSIG ? (int)n : -1;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}

/* ---- freezer ---- */

static int freezer_file(struct cgroup *cg, char *buf, size_t size, bool *ret_v2)
{
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return r;
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(layout, CGROUP_FREEZER);
	char dir[4096];
	if (h && !h->unified && cgroup_controller_dir(cg, CGROUP_FREEZER, dir, sizeof(dir)) == 0) {
		*ret_v2 = false;
		snprintf(buf, size, "%s/freezer.state", dir);
		return 0;
	}
	if ((r = cgroup_unified_dir(cg, dir, sizeof(dir))) < 0)
		return r;
	*ret_v2 = true;
	snprintf(buf, size, "%s/cgroup.freeze", dir);
	return 0;
}

bool runc_frozen(struct cgroup *cg)
{
	char path[4200];
	bool v2;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (freezer_file(cg, path, sizeof(path), &v2) < 0 ||
	    hutch_read_file(path, 4096, &text, &len) < 0)
		return false;
	return v2 ? text[0] == '1' : strncmp(text, "FROZEN", 6) == 0;
}

int runc_freeze(struct cgroup *cg, bool frozen, struct hutch_error *err)
{
	char path[4200];
	bool v2;
	int r = freezer_file(cg, path, sizeof(path), &v2);
	if (r < 0)
		return hutch_error_setsys(err, -r, "no freezer for %s", cgroup_path(cg));
	const char *value = v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	if ((r = hutch_write_file(path, value)) < 0)
		return hutch_error_setsys(err, -r, "write %s to %s", value, path);
	/* v1 goes through FREEZING: wait until every task is stopped (or thawed). */
	for (int i = 0; i < 1000; i++) {
		if (runc_frozen(cg) == frozen)
			return 0;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return hutch_error_set(err, ETIMEDOUT, "%s: the cgroup did not reach %s", path, value);
}

/* ---- state, list ---- */

int runc_cmd_state(int argc, char **argv)
{
	if (want_help(argc, argv,
		      "Usage: hutch-runc state ID\n\nPrints the container's state "
		      "as JSON (runc's fields).\n"))
		return 0;
	optind = 1;
	const char *id = one_id(argc, argv, "state");
	if (!id)
		return 1;
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	_cleanup_free_ char *json = NULL;
	int r = runc_state_oci_json(&st, runc_state_status(&st), true, &json);
	runc_state_free(&st);
	if (r < 0)
		return runc_fail("state: %s", strerror(-r));
	printf("%s\n", json);
	return 0;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct runc_state *)a)->id, ((const struct runc_state *)b)->id);
}

/* Every container with a readable record, sorted by id. */
static int list_states(struct runc_state **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	_cleanup_closedir_ DIR *d = opendir(runc_globals.root);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	size_t cap = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !runc_id_valid(de->d_name))
			continue;
		struct runc_state st;
		struct hutch_error err = {0};
		if (runc_state_read(de->d_name, &st, &err) < 0)
			continue;
		if (*ret_n == cap) {
			cap = cap ? cap * 2 : 16;
			struct runc_state *n = realloc(*ret, cap * sizeof(*n));
			if (!n) {
				runc_state_free(&st);
				return -ENOMEM;
			}
			*ret = n;
		}
		(*ret)[(*ret_n)++] = st;
	}
	if (*ret_n)
		qsort(*ret, *ret_n, sizeof(**ret), cmp_state);
	return 0;
}

int runc_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool json = false, quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return runc_fail("list: --format '%s': table or json", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch-runc list [--format table|json] [--quiet]\n");
			return 0;
		default:
			return runc_bad_flag("list", argv);
		}
	}
	struct runc_state *v;
	size_t n;
	int r = list_states(&v, &n);
	if (r < 0)
		return runc_fail("list: %s: %s", runc_globals.root, strerror(-r));
	if (json)
		printf("[");
	else if (!quiet)
		printf("%-12s%-12s%-12s%-12s%-31s%s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
	for (size_t i = 0; i < n; i++) {
		enum runc_status s = runc_state_status(&v[i]);
		if (json) {
			_cleanup_free_ char *one = NULL;
			if (runc_state_oci_json(&v[i], s, false, &one) == 0)
				printf("%s%s", i ? "," : "", one);
		} else if (quiet) {
			printf("%s\n", v[i].id);
		} else {
			char created[64];
			runc_format_time(v[i].created_ns, created, sizeof(created));
			printf("%-11s %-11d %-11s %-11s %-30s %s\n", v[i].id,
			       s == RUNC_STOPPED ? 0 : (int)v[i].pid, runc_status_name(s),
			       v[i].bundle, created, "root");
		}
		runc_state_free(&v[i]);
	}
	if (json)
		printf("]\n");
	free(v);
	return 0;
}

/* ---- kill, delete ---- */

int runc_cmd_kill(int argc, char **argv)
{
	static const struct verb_switch sw = {
		.name = "all",
		.letter = 'a',
		.permute = true,
		.usage = "Usage: hutch-runc kill [--all] ID [SIGNAL]\n\nSends SIGNAL (default "
			 "SIGTERM) to the container's process, or with --all to every process "
			 "in it.\n",
	};
	bool all = false;
	int pr = verb_parse_switch(argc, argv, &sw, &all);
	if (pr)
		return pr > 0 ? 0 : runc_bad_flag("kill", argv);
	if (optind >= argc || argc - optind > 2)
		return runc_fail("kill: requires the container id and an optional signal");
	const char *id = argv[optind];
	int sig = SIGTERM;
	if (argc - optind == 2 && (sig = runc_parse_signal(argv[optind + 1])) < 0)
		return runc_fail("kill: unknown signal '%s'", argv[optind + 1]);
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	enum runc_status s = runc_state_status(&st);
	int r = 0;
	if (all) {
		/* Frozen processes take the signal when thawed; SIGKILL takes them frozen too. */
		struct cgroup *cg;
		if (runc_cgroup_open(&st, &cg) == 0) {
			cgroup_kill_all(cg, sig);
			cgroup_close(cg);
		} else if (s == RUNC_STOPPED) {
			r = runc_fail("container not running");
		}
	} else if (s == RUNC_STOPPED) {
		r = runc_fail("container not running");
	} else if (kill(st.pid, sig) < 0) {
		r = runc_fail("kill %d: %s", (int)st.pid, strerror(errno));
	}
	runc_state_free(&st);
	return r;
}

/* Waits up to timeout_ms for the container's process to be gone (or a zombie). */
static bool wait_gone(const struct runc_state *st, int timeout_ms)
{
	for (int i = 0; i < timeout_ms; i++) {
		if (runc_state_status(st) == RUNC_STOPPED)
			return true;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Runs a config's poststop hooks (errors are warnings: the container is gone already). */
static void run_poststop(const struct runc_state *st)
{
	char path[4200];
	_cleanup_free_ char *text = NULL;
	size_t len;
	runc_path(path, sizeof(path), st->id, "config.json");
	if (!st->poststop_hooks || hutch_read_file(path, 16 << 20, &text, &len) < 0)
		return;
	struct oci_config cfg;
	struct hutch_error err = {0};
	if (oci_config_parse(text, len, &cfg, &err) < 0)
		return;
	_cleanup_free_ char *json = NULL;
	if (cfg.n_hooks[OCI_HOOK_POSTSTOP] &&
	    runc_state_oci_json(st, RUNC_STOPPED, false, &json) == 0 &&
	    runc_run_hooks(&cfg, OCI_HOOK_POSTSTOP, json, &err) < 0)
		runc_warn("%s", err.msg);
	oci_config_free(&cfg);
}

/* Everything a stopped container holds: its processes, cgroup, record. */
int runc_destroy(const struct runc_state *st, struct hutch_error *err)
{
	struct cgroup *cg;
	if (runc_cgroup_open(st, &cg) == 0) {
		/* Frozen processes die only once thawed. */
		if (runc_frozen(cg)) {
			cgroup_kill_all(cg, SIGKILL);
			struct hutch_error ferr = {0};
			runc_freeze(cg, false, &ferr);
		}
		cgroup_kill_all(cg, SIGKILL);
		int r = cgroup_destroy(cg, err);
		cgroup_close(cg);
		if (r < 0)
			return r;
	}
	run_poststop(st);
	char dir[4200];
	runc_path(dir, sizeof(dir), st->id, NULL);
	int r = hutch_rm_rf(dir);
	if (r < 0)
		return hutch_error_setsys(err, -r, "remove %s", dir);
	return 0;
}

int runc_cmd_delete(int argc, char **argv)
{
	static const struct verb_switch sw = {
		.name = "force",
		.letter = 'f',
		.permute = true,
		.usage = "Usage: hutch-runc delete [--force] ID\n\nDeletes a stopped or created "
			 "container; --force kills a running one first.\n",
	};
	bool force = false;
	int pr = verb_parse_switch(argc, argv, &sw, &force);
	if (pr)
		return pr > 0 ? 0 : runc_bad_flag("delete", argv);
	const char *id = one_id(argc, argv, "delete");
	if (!id)
		return 1;
	struct runc_state st;
	struct hutch_error err = {0};
	int r = runc_state_read(id, &st, &err);
	if (r == -ENOENT && force)
		return 0;
	if (r < 0)
		return runc_fail("%s", err.msg);
	enum runc_status s = runc_state_status(&st);
	if ((s == RUNC_RUNNING || s == RUNC_PAUSED) && !force) {
		r = runc_fail("cannot delete container %s that is not stopped: %s", id,
			      runc_status_name(s));
		runc_state_free(&st);
		return r;
	}
	if (s != RUNC_STOPPED) {
		kill(st.pid, SIGKILL);
		if (!wait_gone(&st, 5000))
			runc_warn("container %s: process %d still there after SIGKILL", id,
				  (int)st.pid);
	}
	r = runc_destroy(&st, &err) < 0 ? runc_fail("delete %s: %s", id, err.msg) : 0;
	runc_state_free(&st);
	return r;
}

/* ---- pause, resume ---- */

static int pause_resume(int argc, char **argv, bool frozen)
{
	const char *verb = frozen ? "pause" : "resume";
	char usage[128];
	snprintf(usage, sizeof(usage), "Usage: hutch-runc %s ID\n", verb);
	if (want_help(argc, argv, usage))
		return 0;
	optind = 1;
	const char *id = one_id(argc, argv, verb);
	if (!id)
		return 1;
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	enum runc_status s = runc_state_status(&st);
	int r = 0;
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	if (s != (frozen ? RUNC_RUNNING : RUNC_PAUSED))
		r = runc_fail("container not %s", frozen ? "running" : "paused");
	else if ((r = runc_cgroup_open(&st, &cg)) < 0)
		r = runc_fail("%s: the container's cgroup: %s", verb, strerror(-r));
	else if (runc_freeze(cg, frozen, &err) < 0)
		r = runc_fail("%s: %s", verb, err.msg);
	if (cg)
		cgroup_close(cg);
	runc_state_free(&st);
	return r;
}

int runc_cmd_pause(int argc, char **argv)
{
	return pause_resume(argc, argv, true);
}

int runc_cmd_resume(int argc, char **argv)
{
	return pause_resume(argc, argv, false);
}

/* ---- update ---- */

enum {
	O_MEMORY = 256,
	O_MEMSWAP,
	O_MEMRES,
	O_CPUQUOTA,
	O_CPUPERIOD,
	O_CPUSHARES,
	O_CPUSET,
	O_MEMS,
	O_PIDS,
	O_BLKIO,
};

static const struct option update_opts[] = {
	{"resources", required_argument, NULL, 'r'},
	{"memory", required_argument, NULL, O_MEMORY},
	{"memory-swap", required_argument, NULL, O_MEMSWAP},
	{"memory-reservation", required_argument, NULL, O_MEMRES},
	{"cpu-quota", required_argument, NULL, O_CPUQUOTA},
	{"cpu-period", required_argument, NULL, O_CPUPERIOD},
	{"cpu-share", required_argument, NULL, O_CPUSHARES},
	{"cpuset-cpus", required_argument, NULL, O_CPUSET},
	{"cpuset-mems", required_argument, NULL, O_MEMS},
	{"pids-limit", required_argument, NULL, O_PIDS},
	{"blkio-weight", required_argument, NULL, O_BLKIO},
	{"help", no_argument, NULL, 'h'},
	{0},
};

/* One flag's value into rs: sizes, signed and unsigned numbers, cpu lists. 1 when wrong. */
static int update_flag(int c, const char *arg, struct oci_resources *rs)
{
	uint64_t u = 0;
	int64_t i = 0;
	bool size = c == O_MEMORY || c == O_MEMSWAP || c == O_MEMRES;
	bool sgn = c == O_CPUQUOTA || c == O_PIDS;
	if (size && strcmp(arg, "-1") == 0)
		i = -1;
	else if (size && hutch_parse_size(arg, &u) < 0)
		return runc_fail("update: --%s '%s': not a size",
				 update_opts[c - O_MEMORY + 1].name, arg);
	else if (size)
		i = (int64_t)u;
	else if (sgn && hutch_parse_i64(arg, &i) < 0)
		return runc_fail("update: '%s': not a number", arg);
	else if (!sgn && c != O_CPUSET && c != O_MEMS && hutch_parse_u64(arg, &u) < 0)
		return runc_fail("update: '%s': not a number", arg);
	int64_t *num[] = {
		[O_MEMORY - O_MEMORY] = &rs->memory_limit,
		[O_MEMSWAP - O_MEMORY] = &rs->memory_swap,
		[O_MEMRES - O_MEMORY] = &rs->memory_reservation,
		[O_CPUQUOTA - O_MEMORY] = &rs->cpu_quota,
		[O_CPUPERIOD - O_MEMORY] = &rs->cpu_period,
		[O_CPUSHARES - O_MEMORY] = &rs->cpu_shares,
		[O_PIDS - O_MEMORY] = &rs->pids_limit,
		[O_BLKIO - O_MEMORY] = &rs->blkio_weight,
	};
	if (c == O_CPUSET || c == O_MEMS) {
		char **list = c == O_CPUSET ? &rs->cpus : &rs->mems;
		free(*list);
		*list = strdup(arg);
	} else {
		*num[c - O_MEMORY] = size || sgn ? i : (int64_t)u;
	}
	return 0;
}

/* update's flags into rs, -r's FILE into file. 0, 1 when reported as wrong, -1 after --help. */
static int parse_update_flags(int argc, char **argv, struct oci_resources *rs, const char **file)
{
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:h", update_opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			*file = optarg;
			break;
		case 'h':
			printf("Usage: hutch-runc update [-r FILE|-] [--memory N] [--memory-swap "
			       "N] [--memory-reservation N]\n  [--cpu-quota N] [--cpu-period N] "
			       "[--cpu-share N] [--cpuset-cpus L] [--cpuset-mems L]\n"
			       "  [--pids-limit N] [--blkio-weight N] ID\n\nChanges the "
			       "container's limits; -r reads linux.resources' JSON.\n");
			return -1;
		case '?':
			return runc_bad_flag("update", argv);
		default:
			if ((r = update_flag(c, optarg, rs)))
				return r;
		}
	}
	return 0;
}

/* -r FILE (or - for stdin): linux.resources' JSON, in place of the flags. */
static int read_update_file(const char *file, struct oci_resources *rs)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct hutch_error err = {0};
	int e = hutch_read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, 1 << 20, &text, &len);
	oci_resources_free(rs);
	if (e < 0)
		return runc_fail("update: read %s: %s", file, strerror(-e));
	if (oci_resources_parse(text, len, rs, &err) < 0)
		return runc_fail("update: %s", err.msg);
	return 0;
}

/*
 * The limits into the running container's cgroup. Device rules are not
 * changed, as runc's update leaves them: the container keeps create's.
 */
static int update_container(const char *id, const struct oci_resources *rs)
{
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	struct cgroup *cg = NULL;
	struct hutch_error err = {0};
	int r = 0;
	if (runc_state_status(&st) == RUNC_STOPPED)
		r = runc_fail("container not running");
	else if ((r = runc_cgroup_open(&st, &cg)) < 0)
		r = runc_fail("update: the container's cgroup: %s", strerror(-r));
	else if (runc_apply_resources(cg, rs, &err) < 0)
		r = runc_fail("update: %s", err.msg);
	if (cg)
		cgroup_close(cg);
	runc_state_free(&st);
	return r;
}

int runc_cmd_update(int argc, char **argv)
{
	struct oci_resources rs;
	oci_resources_init(&rs);
	const char *file = NULL, *id = NULL;
	int r = parse_update_flags(argc, argv, &rs, &file);
	if (r == 0 && !(id = one_id(argc, argv, "update")))
		r = 1;
	if (r == 0 && file)
		r = read_update_file(file, &rs);
	if (r == 0)
		r = update_container(id, &rs);
	oci_resources_free(&rs);
	return r < 0 ? 0 : r;
}

/* ---- events ---- */

static void add_u(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(hutch_known(v) ? v : 0));
}

/* runc's stats event: {"type":"stats","id":...,"data":{"cpu":...,"memory":...,"pids":...}}. */
static int print_stats(const char *id, struct cgroup *cg)
{
	struct cgroup_stats cs;
	cgroup_stats_init(&cs);
	int r = cgroup_read_stats(cg, CGROUP_STATS_ALL | CGROUP_STATS_NO_EFFECTIVE, &cs);
	if (r < 0) {
		cgroup_stats_free(&cs);
		return r;
	}
	struct json_object *ev = json_object_new_object(), *data = json_object_new_object();
	json_object_object_add(ev, "type", json_object_new_string("stats"));
	json_object_object_add(ev, "id", json_object_new_string(id));
	struct json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	add_u(usage, "total", cs.cpu_usage_ns);
	struct json_object *percpu = json_object_new_array();
	for (size_t i = 0; i < cs.n_percpu; i++)
		json_object_array_add(percpu, json_object_new_uint64(cs.percpu_usage_ns[i]));
	json_object_object_add(usage, "percpu", percpu);
	add_u(usage, "kernel", cs.cpu_system_ns);
	add_u(usage, "user", cs.cpu_user_ns);
	json_object_object_add(cpu, "usage", usage);
	struct json_object *thr = json_object_new_object();
	add_u(thr, "periods", cs.cpu_nr_periods);
	add_u(thr, "throttledPeriods", cs.cpu_nr_throttled);
	add_u(thr, "throttledTime", cs.cpu_throttled_ns);
	json_object_object_add(cpu, "throttling", thr);
	json_object_object_add(data, "cpu", cpu);
	struct json_object *mem = json_object_new_object(), *mu = json_object_new_object();
	add_u(mem, "cache", cs.memory_cache_bytes);
	add_u(mu, "limit", hutch_limited(cs.memory_limit_bytes) ? cs.memory_limit_bytes : 0);
	add_u(mu, "usage", cs.memory_usage_bytes);
	add_u(mu, "max", cs.memory_max_usage_bytes);
	add_u(mu, "failcnt", cs.memory_failcnt);
	json_object_object_add(mem, "usage", mu);
	struct json_object *swap = json_object_new_object();
	add_u(swap, "usage", cs.swap_usage_bytes);
	add_u(swap, "limit", hutch_limited(cs.swap_limit_bytes) ? cs.swap_limit_bytes : 0);
	json_object_object_add(mem, "swap", swap);
	struct json_object *raw = json_object_new_object();
	add_u(raw, "rss", cs.memory_rss_bytes);
	add_u(raw, "shmem", cs.memory_shmem_bytes);
	add_u(raw, "mapped_file", cs.memory_mapped_file_bytes);
	add_u(raw, "pgfault", cs.memory_pgfault);
	add_u(raw, "pgmajfault", cs.memory_pgmajfault);
	add_u(raw, "oom_kill", cs.memory_oom_kill_events);
	json_object_object_add(mem, "raw", raw);
	json_object_object_add(data, "memory", mem);
	struct json_object *pids = json_object_new_object();
	add_u(pids, "current", cs.pids_current);
	add_u(pids, "limit", hutch_limited(cs.pids_max) ? cs.pids_max : 0);
	json_object_object_add(data, "pids", pids);
	struct json_object *blk = json_object_new_object(), *bytes = json_object_new_array();
	for (size_t i = 0; i < cs.n_blkio; i++) {
		static const char *const ops[] = {"Read", "Write"};
		for (int k = 0; k < 2; k++) {
			struct json_object *e = json_object_new_object();
			json_object_object_add(e, "major", json_object_new_int(cs.blkio[i].major));
			json_object_object_add(e, "minor", json_object_new_int(cs.blkio[i].minor));
			json_object_object_add(e, "op", json_object_new_string(ops[k]));
			add_u(e, "value", k ? cs.blkio[i].write_bytes : cs.blkio[i].read_bytes);
			json_object_array_add(bytes, e);
		}
	}
	json_object_object_add(blk, "ioServiceBytesRecursive", bytes);
	json_object_object_add(data, "blkio", blk);
	json_object_object_add(ev, "data", data);
	printf("%s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(ev);
	cgroup_stats_free(&cs);
	return 0;
}

int runc_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{"stats", no_argument, NULL, 's'},
		{"interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool once = false;
	uint64_t interval_s = 5;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "si:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			once = true;
			break;
		case 'i': {
			size_t l = strlen(optarg);
			char num[32];
			snprintf(num, sizeof(num), "%.*s",
				 (int)(l && optarg[l - 1] == 's' ? l - 1 : l), optarg);
			if (hutch_parse_u64(num, &interval_s) < 0 || !interval_s)
				return runc_fail("events: --interval '%s': seconds, as 5s", optarg);
			break;
		}
		case 'h':
			printf("Usage: hutch-runc events [--stats] [--interval 5s] ID\n\nPrints "
			       "the container's stats as JSON: once with --stats, else every "
			       "interval and on OOM, until it stops.\n");
			return 0;
		default:
			return runc_bad_flag("events", argv);
		}
	}
	const char *id = one_id(argc, argv, "events");
	if (!id)
		return 1;
	struct runc_state st;
	if (runc_lookup(id, &st))
		return 1;
	struct cgroup *cg = NULL;
	int r = 0;
	if (runc_state_status(&st) == RUNC_STOPPED)
		r = runc_fail("container with id %s is not running", id);
	else if ((r = runc_cgroup_open(&st, &cg)) < 0)
		r = runc_fail("events: the container's cgroup: %s", strerror(-r));
	else if (once)
		r = print_stats(id, cg) < 0 ? runc_fail("events: read stats") : 0;
	else {
		uint64_t last_oom = 0;
		while (runc_state_status(&st) != RUNC_STOPPED) {
			if (print_stats(id, cg) < 0)
				break;
			struct cgroup_stats cs;
			cgroup_stats_init(&cs);
			if (cgroup_read_stats(cg, CGROUP_STATS_MEMORY, &cs) == 0 &&
			    hutch_known(cs.memory_oom_kill_events) &&
			    cs.memory_oom_kill_events > last_oom) {
				last_oom = cs.memory_oom_kill_events;
				printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
				fflush(stdout);
			}
			cgroup_stats_free(&cs);
			poll(NULL, 0, (int)(interval_s * 1000));
		}
	}
	if (cg)
		cgroup_close(cg);
	runc_state_free(&st);
	return r;
}
