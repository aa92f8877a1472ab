/* SPDX-License-Identifier: MIT */
/*
 * hutch-collector: per-container cgroup metrics for Prometheus, with
 * cAdvisor's names. Exit codes: 0 after SIGTERM/SIGINT, 1 when it cannot
 * start (cgroups, listen address), 2 for bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "collector.h"
#include "http.h"
#ifdef HUTCH_HAVE_BPF
#include "probes.h"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hutch-collector [OPTIONS]\n"
		"Serves per-container cgroup metrics (cAdvisor's names) for Prometheus.\n"
		"\n"
		"  --web.listen-address=ADDR   address to listen on (default :9655)\n"
		"  --web.telemetry-path=PATH   path of the metrics (default /metrics)\n"
		"  --web.max-connections=N     concurrent connections (default 64)\n"
		"  --web.timeout=SECONDS       idle/slow connection timeout (default 10)\n"
		"  --containers-only           only cgroups a runtime made (docker, podman,\n"
		"                              containerd, kubernetes, hutch), not every cgroup\n"
		"  --root-cgroup=PATH          watch only this subtree (default /)\n"
		"  --discovery-interval=SEC    re-walk the cgroup tree this often (default 5)\n"
		"  --spec-interval=SEC         re-read limits this often (default 60)\n"
		"  --no-network                skip per-namespace network counters\n"
		"  --store_container_labels[=BOOL]  container_label_* labels of every engine\n"
		"                              label (default true, as cAdvisor)\n"
		"  --whitelisted_container_labels=KEYS  with --store_container_labels=false,\n"
		"                              only these comma-separated label keys\n"
		"  --docker_root=DIR           docker's data root (default /var/lib/docker)\n"
		"  --podman_root=DIR           podman's storage (default "
		"/var/lib/containers/storage)\n"
		"  --crio_root=DIR             CRI-O's storage (default "
		"/var/lib/containers/storage,\n"
		"                              then /run/containers/storage)\n"
		"  --containerd_root=DIR       containerd's task bundles (default\n"
		"                              /run/containerd/io.containerd.runtime.v2.task)\n"
		"  --kubelet_logs_root=DIR     the kubelet's container log links (default\n"
		"                              /var/log/containers)\n"
		"  --hutch_root=DIR            hutch's state (default /run/hutch)\n"
		"  --no-processes              skip file descriptor counts (walks /proc)\n"
		"  --probes=LIST               eBPF probes to load: all (default), none, or a\n"
		"                              comma-separated list of runqlat, oomkill, churn,\n"
		"                              netcg (see below)\n"
		"  --no-probes                 the same as --probes=none\n"
		"  --log-level=LEVEL           error, warn, info (default) or debug\n"
		"  -h, --help                  this help\n"
		"  --version                   print the version\n"
		"\n"
		"Endpoints: PATH and /metrics/cadvisor, the kubelet's path (Prometheus text\n"
		"0.0.4, OpenMetrics 1.0 or protobuf, by the Accept header; gzip when accepted),\n"
		"/healthz, and an index page at /.\n"
		"\n"
		"eBPF probes (as root, on a kernel with BTF; one the kernel refuses is left\n"
		"off with hutch_collector_probe_up{probe=...} 0):\n"
		"  runqlat  container_cpu_runqueue_latency_seconds (histogram; native in "
		"protobuf)\n"
		"  oomkill  container_oom_kills_total, on the victim's memory cgroup\n"
		"  churn    container_process_forks_total, container_process_execs_total\n"
		"  netcg    container_network_cgroup_{receive,transmit}_{bytes,packets}_total\n"
		"Keys: on cgroup v2 the unified cgroup; on v1 and hybrid hosts the task's v1\n"
		"cgroup (cpu for runqlat and churn, memory for oomkill), so every container\n"
		"counts. netcg sees only unified-hierarchy cgroups: every container on v2;\n"
		"on hybrid hosts only containers with a cgroup of their own in the unified\n"
		"hierarchy (hutch makes one; docker's cgroupfs driver does not); none on v1.\n"
		"Exit: 0 stopped by SIGTERM/SIGINT, 1 could not start, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	enum {
		OPT_LISTEN = 256,
		OPT_PATH,
		OPT_MAXCONN,
		OPT_TIMEOUT,
		OPT_CONTAINERS_ONLY,
		OPT_ROOT,
		OPT_DISCOVERY,
		OPT_SPEC,
		OPT_NO_NETWORK,
		OPT_NO_PROCESSES,
		OPT_LOG_LEVEL,
		OPT_VERSION,
		OPT_PROBES,
		OPT_NO_PROBES,
		OPT_STORE_LABELS,
		OPT_ALLOWED_LABELS,
		OPT_DOCKER_ROOT,
		OPT_PODMAN_ROOT,
		OPT_CRIO_ROOT,
		OPT_CONTAINERD_ROOT,
		OPT_KUBE_LOGS_ROOT,
		OPT_HUTCH_ROOT,
	};
	static const struct option longopts[] = {
		{"web.listen-address", required_argument, NULL, OPT_LISTEN},
		{"web.telemetry-path", required_argument, NULL, OPT_PATH},
		{"web.max-connections", required_argument, NULL, OPT_MAXCONN},
		{"web.timeout", required_argument, NULL, OPT_TIMEOUT},
		{"containers-only", no_argument, NULL, OPT_CONTAINERS_ONLY},
		{"root-cgroup", required_argument, NULL, OPT_ROOT},
		{"discovery-interval", required_argument, NULL, OPT_DISCOVERY},
		{"spec-interval", required_argument, NULL, OPT_SPEC},
		{"no-network", no_argument, NULL, OPT_NO_NETWORK},
		{"no-processes", no_argument, NULL, OPT_NO_PROCESSES},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"probes", required_argument, NULL, OPT_PROBES},
		{"no-probes", no_argument, NULL, OPT_NO_PROBES},
		{"store_container_labels", optional_argument, NULL, OPT_STORE_LABELS},
		{"whitelisted_container_labels", required_argument, NULL, OPT_ALLOWED_LABELS},
		{"docker_root", required_argument, NULL, OPT_DOCKER_ROOT},
		{"podman_root", required_argument, NULL, OPT_PODMAN_ROOT},
		{"crio_root", required_argument, NULL, OPT_CRIO_ROOT},
		{"containerd_root", required_argument, NULL, OPT_CONTAINERD_ROOT},
		{"kubelet_logs_root", required_argument, NULL, OPT_KUBE_LOGS_ROOT},
		{"hutch_root", required_argument, NULL, OPT_HUTCH_ROOT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct http_options ho = {
		.listen_address = ":9655",
		.telemetry_path = "/metrics",
		.max_connections = 64,
		.per_ip_connections = 16,
		.timeout_s = 10,
		.threads = 2,
	};
	struct sampler_options so = {
		.network = true,
		.processes = true,
		.spec_refresh_ns = 60ull * 1000000000ull,
		.no_cpuset = true,
		.no_effective_limits = true,
		.discovery_refresh_ns = 5ull * 1000000000ull,
	};
	struct discovery_roots roots = {0};
	so.roots = &roots;
	bool store_labels = true;
	const char *allowed_labels = "";
	enum hutch_log_level level = HUTCH_LOG_INFO;
	const char *probe_list = "all";
	int opt;
	opterr = 0; /* one line of our own for a bad option, not getopt's and a usage */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		unsigned long v;
		switch (opt) {
		case OPT_LISTEN:
			ho.listen_address = optarg;
			break;
		case OPT_PATH:
			ho.telemetry_path = optarg;
			break;
		case OPT_MAXCONN:
		case OPT_TIMEOUT:
			v = strtoul(optarg, &end, 10);
			if (end == optarg || *end || v == 0 || v > 100000) {
				fprintf(stderr, "hutch-collector: bad number for --%s: %s\n",
					opt == OPT_MAXCONN ? "web.max-connections" : "web.timeout",
					optarg);
				return 2;
			}
			if (opt == OPT_MAXCONN)
				ho.max_connections = (unsigned)v;
			else
				ho.timeout_s = (unsigned)v;
			break;
		case OPT_CONTAINERS_ONLY:
			so.containers_only = true;
			break;
		case OPT_ROOT:
			so.root_cgroup = optarg;
			break;
		case OPT_DISCOVERY:
		case OPT_SPEC:
			if (hutch_parse_seconds(optarg, 0, 86400,
						opt == OPT_DISCOVERY ? &so.discovery_refresh_ns
								     : &so.spec_refresh_ns) < 0) {
				fprintf(stderr, "hutch-collector: bad interval: %s\n", optarg);
				return 2;
			}
			break;
		case OPT_NO_NETWORK:
			so.network = false;
			break;
		case OPT_NO_PROCESSES:
			so.processes = false;
			break;
		case OPT_LOG_LEVEL:
			if (strcmp(optarg, "error") == 0)
				level = HUTCH_LOG_ERROR;
			else if (strcmp(optarg, "warn") == 0)
				level = HUTCH_LOG_WARN;
			else if (strcmp(optarg, "info") == 0)
				level = HUTCH_LOG_INFO;
			else if (strcmp(optarg, "debug") == 0)
				level = HUTCH_LOG_DEBUG;
			else {
				fprintf(stderr, "hutch-collector: bad log level: %s\n", optarg);
				return 2;
			}
			break;
		case OPT_PROBES:
			probe_list = optarg;
			break;
		case OPT_NO_PROBES:
			probe_list = "none";
			break;
		case OPT_STORE_LABELS:
			if (!optarg || strcmp(optarg, "true") == 0 || strcmp(optarg, "1") == 0)
				store_labels = true;
			else if (strcmp(optarg, "false") == 0 || strcmp(optarg, "0") == 0)
				store_labels = false;
			else {
				fprintf(stderr,
					"hutch-collector: --store_container_labels takes true or "
					"false, not %s\n",
					optarg);
				return 2;
			}
			break;
		case OPT_ALLOWED_LABELS:
			allowed_labels = optarg;
			break;
		case OPT_DOCKER_ROOT:
			roots.docker = optarg;
			break;
		case OPT_PODMAN_ROOT:
			roots.podman = optarg;
			break;
		case OPT_CRIO_ROOT:
			roots.crio = optarg;
			break;
		case OPT_CONTAINERD_ROOT:
			roots.containerd = optarg;
			break;
		case OPT_KUBE_LOGS_ROOT:
			roots.kube_containers = optarg;
			break;
		case OPT_HUTCH_ROOT:
			roots.hutch = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("hutch-collector %s\n", HUTCH_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "hutch-collector: %s needs a value (see --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "hutch-collector: bad option -%c (see --help)\n",
					optopt);
			else
				fprintf(stderr, "hutch-collector: bad option %s (see --help)\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hutch-collector: unexpected argument: %s\n", argv[optind]);
		return 2;
	}
#ifdef HUTCH_HAVE_BPF
	unsigned probe_mask = 0;
	if (probes_parse_list(probe_list, &probe_mask) < 0) {
		fprintf(stderr, "hutch-collector: bad --probes list: %s (see --help)\n",
			probe_list);
		return 2;
	}
#else
	if (strcmp(probe_list, "all") != 0 && strcmp(probe_list, "none") != 0) {
		fprintf(stderr, "hutch-collector: built without eBPF probes: --probes=%s\n",
			probe_list);
		return 2;
	}
#endif
	hutch_log_init("hutch-collector", level);

	/* SIGTERM and SIGINT are taken synchronously by sigwait below; the server's threads
	 * inherit the mask. SIGPIPE from a client that hung up must not kill us. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The sampler keeps up to 18 files open per cgroup (FDS_PER_HANDLE in lib/sampler.c) and opens
	 * the rest per scrape when the limit is short: lift the soft limit, and as root the hard one. */
	hutch_raise_nofile(1 << 20);

	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0 || layout->kind == CGROUP_LAYOUT_NONE) {
		log_error("no cgroup filesystem found: %s", r < 0 ? strerror(-r) : "none mounted");
		return 1;
	}
	struct collector *col;
	r = collector_new(layout, &so, &col);
	if (r == 0)
		r = collector_set_container_labels(col, store_labels, allowed_labels);
	if (r < 0) {
		log_error("start: %s", strerror(-r));
		return 1;
	}
	/* The eBPF probes register their families (collector/probes.h) before the first scrape. */
#ifdef HUTCH_HAVE_BPF
	struct probes *probes = NULL;
	r = probes_start(col, layout, probe_mask, &probes);
	if (r < 0) {
		log_error("probes: %s", strerror(-r));
		collector_free(col);
		return 1;
	}
#endif

	/* A first sampling opens every handle, so the first scrape costs what later ones do. */
	const char *d;
	size_t l;
	collector_scrape(col, EXPO_TEXT, false, &d, &l);

	struct http_server *srv;
	struct hutch_error err = {0};
	if (http_start(col, &ho, &srv, &err) < 0) {
		log_error("%s", err.msg);
		collector_free(col);
#ifdef HUTCH_HAVE_BPF
		probes_free(probes);
#endif
		return 1;
	}
	log_info("listening on %s, metrics at %s (%s cgroups)", ho.listen_address,
		 ho.telemetry_path, cgroup_layout_kind_name(layout->kind));
	int sig = 0;
	sigwait(&set, &sig);
	log_info("stopping on signal %d", sig);
	http_stop(srv);
	collector_free(col);
#ifdef HUTCH_HAVE_BPF
	probes_free(probes);
#endif
	return 0;
}
