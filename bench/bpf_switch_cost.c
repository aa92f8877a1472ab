/* SPDX-License-Identifier: MIT */
/*
 * The probes' cost on context switches, measured finely: two processes
 * pinned to one CPU ping-pong a byte over two pipes (as `perf bench sched
 * pipe`: every round trip is two context switches and two wakeups), in short
 * batches, with hutch-collector's probes started and stopped between
 * batches through the collector's own probe code (collector/probes.h: the
 * same open, configure, load and attach). Batches with and without alternate
 * (in turn which goes first), so that the machine's slow drifts cancel in
 * each pair; the figure is the median of the pairs' ratios of CPU time per
 * round trip, with its interquartile range.
 *
 *   bpf_switch_cost [-f] [-s] [-r PAIRS] [-l ROUND_TRIPS] [-c CPU] [-p PROBES | -o BPF_OBJECT]
 *   bpf_switch_cost -w [-p PROBES | -o BPF_OBJECT]
 *
 * -w only attaches the programs and holds them until SIGTERM or SIGINT, for
 * an end-to-end load measured from outside (bench/bpf_overhead.sh runs
 * stress-ng without programs, with the empty reference, and with the
 * collector).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector/probes.h"
#include "hutch/cgroup.h"

struct shared {
	double child_cpu_s; /* the child's CPU time at its last answer */
};

static double cpu_seconds(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "bpf_switch_cost: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
		exit(1);
	}
}

/* The child echoes each byte; on a 'T' it stores its CPU time before echoing. */
static void child_loop(int in, int out, struct shared *sh)
{
	char c;
	while (read(in, &c, 1) == 1) {
		if (c == 'T')
			sh->child_cpu_s = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
		if (write(out, &c, 1) != 1)
			break;
	}
	_exit(0);
}

struct pingpong {
	int to_child, from_child;
	struct shared *sh;
};

static void ping(struct pingpong *pp, char c)
{
	if (write(pp->to_child, &c, 1) != 1 || read(pp->from_child, &c, 1) != 1) {
		fprintf(stderr, "bpf_switch_cost: the echo process went away\n");
		exit(1);
	}
}

/* CPU time of both processes per round trip over n round trips, in ns. */
static double batch_ns(struct pingpong *pp, long n)
{
	ping(pp, 'T');
	double p0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID), c0 = pp->sh->child_cpu_s;
	for (long i = 0; i < n; i++)
		ping(pp, 'x');
	ping(pp, 'T');
	double p1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID), c1 = pp->sh->child_cpu_s;
	return ((p1 - p0) + (c1 - c0)) * 1e9 / (double)(n + 1);
}

struct running {
	void *state[PROBES_COUNT];
	struct bpf_object *obj;
	struct bpf_link *links[16];
	int n_links;
};

/* -o: another object's programs (e.g. an empty sched_switch program: the hook's own cost). */
static const char *other_object;

static void object_on(struct running *r)
{
	r->obj = bpf_object__open_file(other_object, NULL);
	if (!r->obj || bpf_object__load(r->obj) < 0) {
		fprintf(stderr, "bpf_switch_cost: cannot load %s\n", other_object);
		exit(1);
	}
	struct bpf_program *prog;
	r->n_links = 0;
	bpf_object__for_each_program(prog, r->obj)
	{
		if (r->n_links == 16 || !(r->links[r->n_links++] = bpf_program__attach(prog))) {
			fprintf(stderr, "bpf_switch_cost: cannot attach %s\n",
				bpf_program__name(prog));
			exit(1);
		}
	}
}

static void probes_on(const struct probe_env *env, unsigned mask, struct running *r)
{
	if (other_object) {
		object_on(r);
		return;
	}
	for (int i = 0; i < PROBES_COUNT; i++) {
		r->state[i] = NULL;
		if (!(mask & (1u << i)))
			continue;
		struct hutch_error err = {0};
		if (probes_all[i]->start(env, &r->state[i], &err) < 0) {
			fprintf(stderr, "bpf_switch_cost: probe %s: %s\n", probes_all[i]->name,
				err.msg);
			exit(1);
		}
	}
}

static void probes_off(unsigned mask, struct running *r)
{
	if (other_object) {
		for (int i = 0; i < r->n_links; i++)
			bpf_link__destroy(r->links[i]);
		bpf_object__close(r->obj);
		return;
	}
	for (int i = 0; i < PROBES_COUNT; i++)
		if (mask & (1u << i))
			probes_all[i]->stop(r->state[i]);
}

/*
 * -s: the programs' own cost per run as the kernel counts it (BPF_ENABLE_STATS,
 * which adds a clock read per run to every figure: the floor program shows
 * how much). Prints each attached program whose name has one of the probes'
 * prefixes (or the -o object's) with its runs and ns per run.
 */
static void print_prog_stats(void)
{
	static const char *const prefixes[] = {"runqlat_", "churn_", "oomkill_",
					       "netcg_",   "floor_", "control_"};
	__u32 id = 0;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.run_cnt) {
			for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
				if (strncmp(info.name, prefixes[i], strlen(prefixes[i])) == 0)
					printf("  %-16s %10llu runs %7.1f ns/run\n", info.name,
					       (unsigned long long)info.run_cnt,
					       (double)info.run_time_ns / (double)info.run_cnt);
		}
		close(fd);
	}
}

static void on_stop(int sig)
{
	(void)sig;
}

/* -w: the programs attached until SIGTERM or SIGINT, then detached. */
static int hold_attached(const struct probe_env *env, unsigned mask)
{
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, &old);
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct running run;
	probes_on(env, mask, &run);
	printf("attached\n");
	fflush(stdout);
	sigsuspend(&old);
	probes_off(mask, &run);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), sorted in place. */
static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	double pos = q * (n - 1);
	int lo = (int)pos;
	return lo + 1 < n ? v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bpf_switch_cost [-f] [-s] [-r PAIRS] [-l ROUND_TRIPS] [-c CPU] [-p "
		"PROBES | -o OBJECT]\n"
		"  -r  batch pairs (with and without probes), default 201\n"
		"  -l  round trips per batch, default 5000\n"
		"  -c  the CPU both processes are pinned to, default 0; -1: not pinned\n"
		"  -p  probes, as hutch-collector's --probes, default all\n"
		"  -o  instead of the probes, the programs of this BPF object file\n"
		"  -f  run as SCHED_FIFO: other tasks cannot run on the CPU during a batch\n"
		"  -s  instead, PAIRS x ROUND_TRIPS round trips with the programs attached\n"
		"      and the kernel's run-time statistics on: each program's ns per run\n"
		"  -w  only attach the programs, say \"attached\" and hold them until SIGTERM\n");
}

int main(int argc, char **argv)
{
	int pairs = 201, cpu = 0, opt;
	bool fifo = false, stats = false, hold = false;
	long loops = 5000;
	const char *list = "all";
	while ((opt = getopt(argc, argv, "r:l:c:p:o:fswh")) != -1) {
		switch (opt) {
		case 'r':
			pairs = atoi(optarg);
			break;
		case 'l':
			loops = atol(optarg);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'p':
			list = optarg;
			break;
		case 'o':
			other_object = optarg;
			list = optarg;
			break;
		case 'f':
			fifo = true;
			break;
		case 's':
			stats = true;
			break;
		case 'w':
			hold = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	unsigned mask = 0;
	if (pairs < 1 || loops < 1 || (!other_object && probes_parse_list(list, &mask) < 0)) {
		usage(stderr);
		return 2;
	}
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0) {
		fprintf(stderr, "bpf_switch_cost: cgroup layout: %s\n", strerror(-r));
		return 1;
	}
	struct probe_env env = {.layout = layout};
	if (hold)
		return hold_attached(&env, mask);

	struct shared *sh =
		mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int down[2], up[2];
	if (sh == MAP_FAILED || pipe(down) || pipe(up)) {
		perror("bpf_switch_cost");
		return 1;
	}
	if (cpu >= 0)
		pin(cpu);
	if (fifo) {
		struct sched_param sp = {.sched_priority = 1};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
			perror("bpf_switch_cost: SCHED_FIFO");
			return 1;
		}
	}
	pid_t child = fork();
	if (child < 0) {
		perror("bpf_switch_cost: fork");
		return 1;
	}
	if (child == 0) {
		close(down[1]);
		close(up[0]);
		child_loop(down[0], up[1], sh);
	}
	close(down[0]);
	close(up[1]);
	struct pingpong pp = {.to_child = down[1], .from_child = up[0], .sh = sh};

	if (stats) {
		struct running run;
		probes_on(&env, mask, &run);
		int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "bpf_switch_cost: BPF_ENABLE_STATS: %s\n",
				strerror(-stats_fd));
			return 1;
		}
		batch_ns(&pp, (long)pairs * loops);
		printf("per-event cost, %ld round trips (BPF_ENABLE_STATS):\n",
		       (long)pairs * loops);
		print_prog_stats();
		close(stats_fd);
		probes_off(mask, &run);
		close(pp.to_child);
		waitpid(child, NULL, 0);
		return 0;
	}
	double *without = calloc((size_t)pairs, sizeof(double));
	double *with = calloc((size_t)pairs, sizeof(double));
	double *ratio = calloc((size_t)pairs, sizeof(double));
	if (!without || !with || !ratio) {
		fprintf(stderr, "bpf_switch_cost: out of memory\n");
		return 1;
	}
	/*
	 * Each measured batch follows a warm-up batch under the same conditions:
	 * loading the programs (the verifier's work) leaves the CPU's caches
	 * cold, which would count against the batch right after it.
	 */
	long warm = loops / 4 + 1;
	struct running run;
	for (int i = 0; i < pairs; i++) {
		if (i % 2 == 0) {
			batch_ns(&pp, warm);
			without[i] = batch_ns(&pp, loops);
			probes_on(&env, mask, &run);
			batch_ns(&pp, warm);
			with[i] = batch_ns(&pp, loops);
			probes_off(mask, &run);
		} else {
			probes_on(&env, mask, &run);
			batch_ns(&pp, warm);
			with[i] = batch_ns(&pp, loops);
			probes_off(mask, &run);
			batch_ns(&pp, warm);
			without[i] = batch_ns(&pp, loops);
		}
		ratio[i] = with[i] / without[i];
	}
	close(pp.to_child);
	waitpid(child, NULL, 0);

	double r25 = quantile(ratio, pairs, 0.25), r50 = quantile(ratio, pairs, 0.5),
	       r75 = quantile(ratio, pairs, 0.75);
	double w0 = quantile(without, pairs, 0.5), w1 = quantile(with, pairs, 0.5);
	double m0 = quantile(without, pairs, 0.0), m1 = quantile(with, pairs, 0.0);
	if (cpu >= 0)
		printf("pinned to CPU %d, ", cpu);
	else
		printf("not pinned, ");
	printf("%s%d pairs of %ld round trips, probes: %s\n", fifo ? "SCHED_FIFO, " : "", pairs,
	       loops, list);
	printf("  CPU time per round trip: median without %.0f ns, with %.0f ns (%+.0f ns); "
	       "fastest batch without %.0f ns, with %.0f ns (%+.0f ns)\n",
	       w0, w1, w1 - w0, m0, m1, m1 - m0);
	printf("  slowdown, median of the pairs: %+.2f%% (interquartile %+.2f%% .. %+.2f%%)\n",
	       (r50 - 1) * 100, (r25 - 1) * 100, (r75 - 1) * 100);
	free(without);
	free(with);
	free(ratio);
	return 0;
}
