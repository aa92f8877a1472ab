/* SPDX-License-Identifier: MIT */
/*
 * hutch top: options, the data source, and batch mode; the screen is ui.c.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "table.h"
#include "top.h"
#include "viewer.h"

volatile sig_atomic_t viewer_stop;

static void on_signal(int sig)
{
	viewer_stop = 1;
}

static void usage(FILE *out)
{
	fputs("Usage: hutch top [OPTIONS]\n"
	      "A live view of the containers on this host (or of a hutch-collector's).\n"
	      "\n"
	      "  -b, --batch              print plain-text tables, no screen handling\n"
	      "  -n, --iterations N       with -b: stop after N tables (default: until "
	      "interrupted)\n"
	      "  -d, --delay SECONDS      refresh interval, decimals allowed (default 1)\n"
	      "  -a, --all                every cgroup, not only containers\n"
	      "  -s, --sort COLUMN        sort by name, runtime, state, cpu (default), quota,\n"
	      "                           mem, limit, mem%, netrx, nettx, ior, iow, pids, uptime\n"
	      "  -r, --reverse            reverse the sort\n"
	      "  -f, --filter REGEX       only rows whose name or cgroup path match (extended,\n"
	      "                           case-insensitive)\n"
	      "      --url http://HOST:PORT[/PATH]\n"
	      "                           read a hutch-collector's /metrics (protobuf) instead\n"
	      "      --timeout SECONDS    how long --url may take to answer (default 3)\n"
	      "      --root-cgroup PATH   only the cgroups below PATH (default /)\n"
	      "      --hutch-root DIR     hutch's state directory, for container names\n"
	      "                           (default /run/hutch; `hutch --root DIR top` sets it)\n"
	      "      --no-color           no colours on the screen\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version\n"
	      "\n"
	      "Keys: s sort column, r reverse, f filter, a all cgroups/containers, Enter or o\n"
	      "details, h help, q quit. The first -b table comes after one interval: rates\n"
	      "need two samples.\n"
	      "Exit status: 0 ok, 1 the data source cannot be read (no cgroups, --url does\n"
	      "not answer or answers with something else), 2 bad usage (also: no terminal\n"
	      "for the screen; use -b).\n",
	      out);
}

/* Sleeps until the monotonic deadline or a signal. */
static void sleep_until(uint64_t deadline_ns)
{
	while (!viewer_stop) {
		uint64_t now = hutch_now_ns();
		if (now >= deadline_ns)
			return;
		uint64_t left = deadline_ns - now;
		struct timespec ts = {(time_t)(left / 1000000000ull), (long)(left % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

static int run_batch(const struct viewer_options *o, struct viewer_source *src,
		     struct viewer_view *view)
{
	struct viewer_snapshot prev, cur;
	struct viewer_rows rows = {0};
	struct hutch_error err = {0};
	viewer_snapshot_init(&prev);
	viewer_snapshot_init(&cur);
	int status = VIEWER_EXIT_OK;
	if (src->ops->sample(src, view->all, &prev, &err) < 0) {
		fprintf(stderr, "hutch top: %s\n", err.msg);
		status = VIEWER_EXIT_SOURCE;
		goto out;
	}
	uint64_t next = prev.at_ns + o->delay_ns;
	for (long i = 0; (o->iterations == 0 || i < o->iterations) && !viewer_stop; i++) {
		sleep_until(next);
		if (viewer_stop)
			break;
		next += o->delay_ns;
		if (src->ops->sample(src, view->all, &cur, &err) < 0) {
			fprintf(stderr, "hutch top: %s\n", err.msg);
			status = VIEWER_EXIT_SOURCE;
			break;
		}
		if (viewer_model_rows(&prev, &cur, view, &rows) < 0) {
			fprintf(stderr, "hutch top: out of memory\n");
			status = VIEWER_EXIT_SOURCE;
			break;
		}
		viewer_print_batch(stdout, &cur, &rows, cur.n, src->describe);
		if (ferror(stdout))
			break; /* the reader went away: nothing more to say */
		viewer_snapshot_move(&prev, &cur);
	}
out:
	viewer_rows_free(&rows);
	viewer_snapshot_clear(&prev);
	free(prev.samples);
	viewer_snapshot_clear(&cur);
	free(cur.samples);
	return status;
}

/* An option's path must start at /; says so when it does not. */
static bool absolute_path(const char *opt, const char *arg)
{
	if (arg[0] == '/')
		return true;
	fprintf(stderr, "hutch top: %s %s: need a path from /\n", opt, arg);
	return false;
}

int viewer_top_main(int argc, char **argv)
{
	enum { OPT_URL = 256, OPT_TIMEOUT, OPT_ROOT, OPT_HUTCH_ROOT, OPT_NO_COLOR, OPT_VERSION };
	static const struct option longopts[] = {
		{"batch", no_argument, NULL, 'b'},
		{"iterations", required_argument, NULL, 'n'},
		{"delay", required_argument, NULL, 'd'},
		{"all", no_argument, NULL, 'a'},
		{"sort", required_argument, NULL, 's'},
		{"reverse", no_argument, NULL, 'r'},
		{"filter", required_argument, NULL, 'f'},
		{"url", required_argument, NULL, OPT_URL},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"root-cgroup", required_argument, NULL, OPT_ROOT},
		{"hutch-root", required_argument, NULL, OPT_HUTCH_ROOT},
		{"no-color", no_argument, NULL, OPT_NO_COLOR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct viewer_options o = {
		.delay_ns = 1000000000ull,
		.color = true,
		.timeout_ms = 3000,
	};
	struct viewer_view view = {.sort = VIEWER_COL_CPU};
	const char *filter = NULL;
	int opt;
	optind = 0; /* callable more than once in one process (hutch's dispatcher) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":bn:d:as:rf:h", longopts, NULL)) != -1) {
		uint64_t ns;
		char *end;
		switch (opt) {
		case 'b':
			o.batch = true;
			break;
		case 'n':
			errno = 0;
			o.iterations = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.iterations < 1) {
				fprintf(stderr,
					"hutch top: -n %s: need a whole number of tables, 1 or "
					"more\n",
					optarg);
				return VIEWER_EXIT_USAGE;
			}
			break;
		case 'd':
			if (hutch_parse_seconds(optarg, 0.1, 86400, &o.delay_ns) < 0) {
				fprintf(stderr,
					"hutch top: -d %s: need seconds between 0.1 and 86400\n",
					optarg);
				return VIEWER_EXIT_USAGE;
			}
			break;
		case 'a':
			view.all = true;
			break;
		case 's': {
			int c = viewer_column_from_name(optarg);
			if (c < 0) {
				fprintf(stderr,
					"hutch top: -s %s: no such column (name, runtime, state, "
					"cpu, "
					"quota, mem, limit, mem%%, netrx, nettx, ior, iow, pids, "
					"uptime)\n",
					optarg);
				return VIEWER_EXIT_USAGE;
			}
			view.sort = (enum viewer_column)c;
			break;
		}
		case 'r':
			view.reverse = true;
			break;
		case 'f':
			filter = optarg;
			break;
		case OPT_URL:
			o.url = optarg;
			break;
		case OPT_TIMEOUT:
			if (hutch_parse_seconds(optarg, 0.1, 600, &ns) < 0) {
				fprintf(stderr,
					"hutch top: --timeout %s: need seconds between 0.1 and "
					"600\n",
					optarg);
				return VIEWER_EXIT_USAGE;
			}
			o.timeout_ms = (unsigned)(ns / 1000000ull);
			break;
		case OPT_ROOT:
			if (!absolute_path("--root-cgroup", optarg))
				return VIEWER_EXIT_USAGE;
			o.host.root_cgroup = optarg;
			break;
		case OPT_HUTCH_ROOT:
			if (!absolute_path("--hutch-root", optarg))
				return VIEWER_EXIT_USAGE;
			o.host.hutch_root = optarg;
			break;
		case OPT_NO_COLOR:
			o.color = false;
			break;
		case 'h':
			usage(stdout);
			return VIEWER_EXIT_OK;
		case OPT_VERSION:
			printf("hutch top %s\n", HUTCH_VERSION);
			return VIEWER_EXIT_OK;
		case ':':
			fprintf(stderr, "hutch top: %s needs a value (see --help)\n",
				argv[optind - 1]);
			return VIEWER_EXIT_USAGE;
		default:
			fprintf(stderr, "hutch top: unknown option %s (see --help)\n",
				argv[optind - 1]);
			return VIEWER_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hutch top: unexpected argument '%s' (see --help)\n", argv[optind]);
		return VIEWER_EXIT_USAGE;
	}
	if (o.iterations && !o.batch) {
		fprintf(stderr, "hutch top: -n goes with -b (batch mode)\n");
		return VIEWER_EXIT_USAGE;
	}
	char rerr[256];
	if (filter && viewer_view_set_filter(&view, filter, rerr, sizeof(rerr)) < 0) {
		fprintf(stderr, "hutch top: -f %s: %s\n", filter, rerr);
		return VIEWER_EXIT_USAGE;
	}

	struct viewer_source *src = NULL;
	struct hutch_error err = {0};
	int r = o.url ? viewer_source_url_new(o.url, o.timeout_ms, &src, &err)
		      : viewer_source_host_new(&o.host, &src, &err);
	if (r < 0) {
		fprintf(stderr, "hutch top: %s\n", err.msg);
		viewer_view_free(&view);
		return r == -EINVAL ? VIEWER_EXIT_USAGE : VIEWER_EXIT_SOURCE;
	}

	viewer_stop = 0;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	struct sigaction old_int, old_term, old_pipe;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigaction(SIGPIPE, &ign, &old_pipe);

	int status = o.batch ? run_batch(&o, src, &view) : viewer_ui_run(&o, src, &view);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	viewer_source_free(src);
	viewer_view_free(&view);
	return status;
}
