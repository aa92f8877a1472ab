/* SPDX-License-Identifier: MIT */
/*
 * hutch top's model: CPU % from cgroup usage deltas over wall time on the
 * v2, hybrid and v1 fixture trees (through the real sampler), quota and
 * memory percentages, sorting, filtering, containers-only, counters that go
 * back, formatting, history and sparklines, batch text, and the --url
 * parsers (URL, HTTP answer, delimited protobuf metrics).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup_fixture.h"
#include "hutch/sampler.h"
#include "metrics.pb-c.h"
#include "pb_fixture.h"
#include "model.h"
#include "source.h"
#include "table.h"

#define GIB (1024ull * 1024 * 1024)
#define S   1000000000ull

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct viewer_row *row_of(const struct viewer_rows *rows, const char *id)
{
	for (size_t i = 0; i < rows->n; i++)
		if (strcmp(rows->rows[i].s->id, id) == 0)
			return &rows->rows[i];
	return NULL;
}

/* Two samples of a fixture tree one second apart (the clocks are set by hand), with
 * edit run between them; rows of every cgroup. */
static void two_samples(const char *tree, void (*edit)(const char *root), double interval_s,
			struct viewer_snapshot *a, struct viewer_snapshot *b,
			struct viewer_rows *rows)
{
	char *root;
	struct cgroup_layout *l = fixture_copy_layout(tree, &root);
	assert_non_null(l);
	struct sampler_options o = {.spec_refresh_ns = 0, .discovery_refresh_ns = 0};
	struct sampler *s;
	assert_int_equal(sampler_new(l, &o, &s), 0);
	viewer_snapshot_init(a);
	viewer_snapshot_init(b);
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(viewer_snapshot_from_sampler(s, a), 0);
	a->at_ns = 100 * S;
	a->wall_ns = 1700000000 * S;
	a->host.memory_bytes = 24 * GIB;
	edit(root);
	assert_int_equal(sampler_refresh(s), 0);
	assert_int_equal(viewer_snapshot_from_sampler(s, b), 0);
	b->at_ns = a->at_ns + (uint64_t)(interval_s * 1e9);
	b->wall_ns = a->wall_ns + (uint64_t)(interval_s * 1e9);
	b->host.memory_bytes = 24 * GIB;
	struct viewer_view all = {.sort = VIEWER_COL_CPU, .all = true};
	assert_int_equal(viewer_model_rows(a, b, &all, rows), 0);
	sampler_free(s);
	cgroup_layout_free(l);
	fixture_rmtree(root);
}

static void free_snaps(struct viewer_snapshot *a, struct viewer_snapshot *b,
		       struct viewer_rows *rows)
{
	viewer_snapshot_clear(a);
	free(a->samples);
	viewer_snapshot_clear(b);
	free(b->samples);
	viewer_rows_free(rows);
}

static void edit_v2(const char *root)
{
	/* +0.5 s of CPU, 10 more periods of which 5 throttled. */
	write_file(root, "sys/fs/cgroup/hutch/ctr/cpu.stat",
		   "usage_usec 3000000\nuser_usec 2400000\nsystem_usec 600000\n"
		   "nr_periods 50\nnr_throttled 17\nthrottled_usec 900000\n");
}

static void test_cpu_v2(void **state)
{
	struct viewer_snapshot a, b;
	struct viewer_rows rows = {0};
	two_samples("v2", edit_v2, 1.0, &a, &b, &rows);
	const struct viewer_row *r = row_of(&rows, "/hutch/ctr");
	assert_non_null(r);
	assert_true(r->s->is_container);
	assert_int_equal(r->s->runtime, SAMPLER_RUNTIME_HUTCH);
	assert_string_equal(r->label, "ctr");
	/* 0.5 s of CPU in 1 s: 50% of one CPU, all of its 0.5-CPU quota. */
	assert_float_equal(r->cpu_pct, 50.0, 1e-9);
	assert_float_equal(r->cpu_quota_pct, 100.0, 1e-9);
	assert_float_equal(r->throttled_pct, 50.0, 1e-9);
	/* Its own limit is 1 GiB, the parent's 512 MiB: the effective one counts. */
	assert_true(r->mem_limited);
	assert_int_equal(r->mem_limit_bytes, 512ull * 1024 * 1024);
	assert_int_equal(r->mem_usage_bytes, 52428800);
	assert_float_equal(r->mem_pct, 9.765625, 1e-9);
	/* Rows are sorted by CPU, busiest first; an idle cgroup shows 0, not unknown. */
	assert_string_equal(rows.rows[0].s->id, "/hutch/ctr");
	const struct viewer_row *idle = row_of(&rows, "/hutch/idle");
	assert_non_null(idle);
	assert_float_equal(idle->cpu_pct, 0.0, 1e-9);
	/* No limit of its own: the parent's 512 MiB is what binds it. */
	assert_true(idle->mem_limited);
	assert_int_equal(idle->mem_limit_bytes, 512ull * 1024 * 1024);
	free_snaps(&a, &b, &rows);
}

static void edit_hybrid(const char *root)
{
	/* +2 s of CPU (cpuacct.usage is in nanoseconds). */
	write_file(root, "sys/fs/cgroup/cpuacct/hutch-test-fixture/ctr/cpuacct.usage",
		   "3211033688\n");
}

static void edit_v1(const char *root)
{
	write_file(root, "sys/fs/cgroup/cpu,cpuacct/hutch-test-fixture/ctr/cpuacct.usage",
		   "3211033688\n");
}

static void test_cpu_hybrid_v1(void **state)
{
	struct {
		const char *tree;
		void (*edit)(const char *);
	} cases[] = {
		{"hybrid", edit_hybrid},
		{"v1", edit_v1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct viewer_snapshot a, b;
		struct viewer_rows rows = {0};
		two_samples(cases[i].tree, cases[i].edit, 2.0, &a, &b, &rows);
		const struct viewer_row *r = row_of(&rows, "/hutch-test-fixture/ctr");
		assert_non_null(r);
		/* 2 s of CPU over 2 s: one whole CPU, twice the 0.5 CPU it may use. */
		assert_float_equal(r->cpu_pct, 100.0, 1e-6);
		assert_float_equal(r->cpu_quota_pct, 200.0, 1e-6);
		assert_int_equal(r->mem_limit_bytes, 512ull * 1024 * 1024);
		assert_false(r->s->is_container); /* a plain cgroup */
		assert_string_equal(r->label, "/hutch-test-fixture/ctr");
		assert_int_equal(r->pids, 2);
		free_snaps(&a, &b, &rows);
	}
}

/* A synthetic snapshot: three containers and a plain cgroup. */
static void make_snap(struct viewer_snapshot *s, uint64_t at, uint64_t cpu_scale)
{
	viewer_snapshot_init(s);
	s->at_ns = at;
	s->wall_ns = 1700000000 * S + at;
	s->host.memory_bytes = 8 * GIB;
	struct {
		const char *id, *name, *rid;
		enum sampler_runtime rt;
		uint64_t cpu, mem, limit, rx;
	} defs[] = {
		{"/docker/aaaaaaaaaaaaaaaaaaaa", "", "aaaaaaaaaaaaaaaaaaaa", SAMPLER_RUNTIME_DOCKER,
		 1 * S, 100 << 20, HUTCH_UNLIMITED, 1000},
		{"/hutch/web", "web", "web", SAMPLER_RUNTIME_HUTCH, 3 * S, 300 << 20, 1 * GIB,
		 5000},
		{"/hutch/db", "db", "db", SAMPLER_RUNTIME_HUTCH, 2 * S, 900 << 20, 1 * GIB,
		 HUTCH_UNKNOWN},
		{"/system.slice", "", "", SAMPLER_RUNTIME_CGROUP, 10 * S, 50 << 20, HUTCH_UNLIMITED,
		 HUTCH_UNKNOWN},
	};
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
		struct viewer_sample *v =
			viewer_snapshot_add(s, defs[i].id, defs[i].name, defs[i].rid);
		assert_non_null(v);
		v->runtime = defs[i].rt;
		v->is_container = defs[i].rt != SAMPLER_RUNTIME_CGROUP;
		v->cpu_usage_ns = defs[i].cpu * cpu_scale;
		v->memory_usage_bytes = defs[i].mem;
		v->memory_limit_bytes = defs[i].limit;
		v->net_rx_bytes =
			defs[i].rx == HUTCH_UNKNOWN ? HUTCH_UNKNOWN : defs[i].rx * cpu_scale;
		v->processes = i == 2 ? 0 : 3;
		v->start_wall_ns = 1700000000 * S - 3600 * S;
	}
	viewer_snapshot_sort(s);
}

static void test_sort_filter(void **state)
{
	struct viewer_snapshot a, b;
	make_snap(&a, 10 * S, 1);
	make_snap(&b, 12 * S, 2); /* every counter doubled over 2 s */
	struct viewer_view view = {.sort = VIEWER_COL_CPU};
	struct viewer_rows rows = {0};
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	/* Containers only by default: the plain cgroup is hidden. */
	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.rows[0].label, "web");
	assert_float_equal(rows.rows[0].cpu_pct, 150.0, 1e-9);
	assert_string_equal(rows.rows[1].label, "db");
	assert_string_equal(rows.rows[2].label, "aaaaaaaaaaaa"); /* a short id */
	assert_float_equal(rows.rows[0].net_rx_bps, 2500.0, 1e-9);
	assert_true(isnan(rows.rows[1].net_rx_bps));
	assert_int_equal(rows.rows[1].state, VIEWER_STATE_EMPTY);
	assert_int_equal(rows.rows[0].state, VIEWER_STATE_RUNNING);
	assert_float_equal(rows.rows[0].uptime_s, 3612.0, 1e-6);
	/* Unlimited: the host's memory is the limit shown, and it is not "limited". */
	assert_false(rows.rows[2].mem_limited);
	assert_int_equal(rows.rows[2].mem_limit_bytes, 8 * GIB);

	view.reverse = true;
	viewer_rows_sort(&rows, view.sort, view.reverse);
	assert_string_equal(rows.rows[0].label, "aaaaaaaaaaaa");
	view.reverse = false;
	view.sort = VIEWER_COL_NAME;
	viewer_rows_sort(&rows, view.sort, view.reverse);
	assert_string_equal(rows.rows[0].label, "aaaaaaaaaaaa");
	assert_string_equal(rows.rows[2].label, "web");
	view.sort = VIEWER_COL_MEMPCT;
	viewer_rows_sort(&rows, view.sort, view.reverse);
	assert_string_equal(rows.rows[0].label, "db"); /* 900M of 1G */

	view.all = true;
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	assert_int_equal(rows.n, 4);

	char err[128];
	assert_int_equal(viewer_view_set_filter(&view, "^(web|DB)$", err, sizeof(err)), 0);
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	assert_int_equal(rows.n, 2);
	/* The cgroup path matches too. */
	assert_int_equal(viewer_view_set_filter(&view, "system\\.slice", err, sizeof(err)), 0);
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_int_equal(viewer_view_set_filter(&view, "([", err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) > 0);
	assert_int_equal(rows.n, 1); /* the old filter stays */
	assert_int_equal(viewer_view_set_filter(&view, "", err, sizeof(err)), 0);
	assert_false(view.has_filter);

	/* First sight: no rates. */
	assert_int_equal(viewer_model_rows(NULL, &b, &view, &rows), 0);
	assert_int_equal(rows.n, 4);
	assert_true(isnan(rows.rows[0].cpu_pct));

	/* A counter that went back (the cgroup was made again): unknown, not huge. */
	assert_int_equal(viewer_model_rows(&b, &a, &view, &rows), 0);
	for (size_t i = 0; i < rows.n; i++)
		assert_true(isnan(rows.rows[i].cpu_pct));

	/* Vanished between samples: only what the current snapshot has. */
	viewer_snapshot_clear(&b);
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	assert_int_equal(rows.n, 0);

	viewer_view_free(&view);
	viewer_rows_free(&rows);
	viewer_snapshot_clear(&a);
	free(a.samples);
	free(b.samples);
}

static void test_columns_format(void **state)
{
	assert_int_equal(viewer_column_from_name("cpu"), VIEWER_COL_CPU);
	assert_int_equal(viewer_column_from_name("MEM%"), VIEWER_COL_MEMPCT);
	assert_int_equal(viewer_column_from_name("uptime"), VIEWER_COL_UPTIME);
	assert_int_equal(viewer_column_from_name("bogus"), -1);
	for (int c = 0; c < VIEWER_COL_COUNT; c++)
		assert_int_equal(viewer_column_from_name(viewer_column_name(c)), c);
	char b[32];
	viewer_fmt_bytes(512, b, sizeof(b));
	assert_string_equal(b, "512B");
	viewer_fmt_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5K");
	viewer_fmt_bytes(64ull << 20, b, sizeof(b));
	assert_string_equal(b, "64M");
	viewer_fmt_bytes(HUTCH_UNKNOWN, b, sizeof(b));
	assert_string_equal(b, "-");
	viewer_fmt_rate(NAN, b, sizeof(b));
	assert_string_equal(b, "-");
	viewer_fmt_pct(99.95, b, sizeof(b));
	assert_string_equal(b, "100.0");
	viewer_fmt_duration(90061, b, sizeof(b));
	assert_string_equal(b, "1d1h");
	viewer_fmt_duration(125, b, sizeof(b));
	assert_string_equal(b, "2m5s");
}

static void test_history_sparkline(void **state)
{
	struct viewer_history h = {0};
	struct viewer_snapshot a, b;
	make_snap(&a, 10 * S, 1);
	make_snap(&b, 12 * S, 2);
	struct viewer_view view = {.sort = VIEWER_COL_CPU, .all = true};
	struct viewer_rows rows = {0};
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	for (int i = 0; i < VIEWER_HISTORY + 5; i++)
		assert_int_equal(viewer_history_update(&h, &rows), 0);
	const struct viewer_history_entry *e = viewer_history_find(&h, "/hutch/web");
	assert_non_null(e);
	assert_int_equal(e->n, VIEWER_HISTORY);
	assert_float_equal(viewer_history_cpu(e, 0), 150.0, 1e-9);
	/* A cgroup gone from the rows leaves the history. */
	rows.n = 1;
	assert_int_equal(viewer_history_update(&h, &rows), 0);
	assert_int_equal(h.n, 1);
	viewer_history_free(&h);

	double v[] = {0, 50, 100, NAN, 25};
	char sp[16];
	viewer_sparkline(v, 5, 100, sp, 8);
	assert_string_equal(sp, "    +@ :");
	viewer_sparkline(v, 5, 100, sp, 3);
	assert_string_equal(sp, "@ :");
	viewer_rows_free(&rows);
	viewer_snapshot_clear(&a);
	viewer_snapshot_clear(&b);
	free(a.samples);
	free(b.samples);
}

static void test_batch_text(void **state)
{
	struct viewer_snapshot a, b;
	make_snap(&a, 10 * S, 1);
	make_snap(&b, 12 * S, 2);
	snprintf(b.host.layout, sizeof(b.host.layout), "v2");
	b.host.cpu_cores = 4;
	b.host.memory_available_bytes = 6 * GIB;
	b.host.load1 = 1.5;
	b.host.load5 = b.host.load15 = 0.25;
	struct viewer_view view = {.sort = VIEWER_COL_CPU};
	struct viewer_rows rows = {0};
	assert_int_equal(viewer_model_rows(&a, &b, &view, &rows), 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	viewer_print_batch(f, &b, &rows, b.n, "host (v2)");
	fclose(f);
	assert_non_null(strstr(text, "host (v2), 4 CPUs, mem 2.0G used of 8.0G, load 1.50 0.25 "
				     "0.25, 3 of 4 cgroups\n"));
	assert_non_null(strstr(text,
			       "\nNAME         RUNTIME    STATE     CPU% QUOTA%    MEM  LIMIT "
			       " MEM% NET-RX/s NET-TX/s  IO-R/s  IO-W/s  PIDS  UPTIME ID\n"));
	assert_non_null(
		strstr(text, "\nweb          hutch      running  150.0      -   300M   1.0G  "
			     "29.3     2.4K        -       -       -     3    1h0m /hutch/web\n"));
	assert_non_null(strstr(text, "\ndb           hutch      empty    "));
	free(text);

	/* A narrow screen keeps the name, CPU and memory. */
	struct viewer_table t;
	viewer_table_fit(60, 40, &t);
	assert_true(t.total <= 60);
	assert_true(t.shown[VIEWER_COL_NAME] && t.shown[VIEWER_COL_CPU] && t.shown[VIEWER_COL_MEM]);
	assert_false(t.shown[VIEWER_COL_IOR]);
	viewer_table_fit(200, 40, &t);
	assert_true(t.mem_bar);
	for (int c = 0; c < VIEWER_COL_COUNT; c++)
		assert_true(t.shown[c]);
	viewer_rows_free(&rows);
	viewer_snapshot_clear(&a);
	viewer_snapshot_clear(&b);
	free(a.samples);
	free(b.samples);
}

static void test_url_http(void **state)
{
	struct viewer_url u;
	assert_int_equal(viewer_url_parse("http://127.0.0.1:9655", &u), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "9655");
	assert_string_equal(u.path, "/metrics");
	assert_int_equal(viewer_url_parse("http://[::1]:80/m", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.path, "/m");
	assert_int_equal(viewer_url_parse("http://host/", &u), 0);
	assert_string_equal(u.port, "80");
	assert_string_equal(u.path, "/metrics");
	assert_int_equal(viewer_url_parse("https://x:1", &u), -EINVAL);
	assert_int_equal(viewer_url_parse("http://:80", &u), -EINVAL);
	assert_int_equal(viewer_url_parse("http://x:99999", &u), -EINVAL);
	assert_int_equal(viewer_url_parse("http://x:12ab", &u), -EINVAL);
	assert_int_equal(viewer_url_parse("localhost:9655", &u), -EINVAL);

	const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
	int status;
	size_t off, blen;
	assert_int_equal(viewer_http_parse_response(ok, sizeof(ok) - 1, &status, &off, &blen), 0);
	assert_int_equal(status, 200);
	assert_int_equal(blen, 3);
	assert_memory_equal(ok + off, "abc", 3);
	const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nabc";
	assert_int_equal(viewer_http_parse_response(cut, sizeof(cut) - 1, &status, &off, &blen),
			 -EMSGSIZE);
	const char nf[] = "HTTP/1.1 404 Not Found\r\n\r\n";
	assert_int_equal(viewer_http_parse_response(nf, sizeof(nf) - 1, &status, &off, &blen), 0);
	assert_int_equal(status, 404);
	assert_int_equal(
		viewer_http_parse_response("SSH-2.0-OpenSSH\r\n", 17, &status, &off, &blen),
		-EINVAL);
}

/* Appends one delimited MetricFamily with one series per (id, value). */
static void add_family(unsigned char **buf, size_t *len, const char *name,
		       Io__Prometheus__Client__MetricType type, const char *const *ids,
		       const char *extra_name, const char *extra_value, const double *values,
		       size_t n)
{
	Io__Prometheus__Client__MetricFamily f = IO__PROMETHEUS__CLIENT__METRIC_FAMILY__INIT;
	f.name = (char *)name;
	f.has_type = true;
	f.type = type;
	Io__Prometheus__Client__Metric ms[8], *mp[8];
	Io__Prometheus__Client__LabelPair lp[8][3], *lpp[8][3];
	Io__Prometheus__Client__Counter cs[8];
	Io__Prometheus__Client__Gauge gs[8];
	for (size_t i = 0; i < n; i++) {
		io__prometheus__client__metric__init(&ms[i]);
		size_t nl = 0;
		const char *names[3] = {"id", "name", extra_name};
		const char *vals[3] = {ids[i], strncmp(ids[i], "/hutch/", 7) == 0 ? ids[i] + 7 : "",
				       extra_value};
		for (size_t k = 0; k < 3; k++) {
			if (!names[k])
				continue;
			io__prometheus__client__label_pair__init(&lp[i][nl]);
			lp[i][nl].name = (char *)names[k];
			lp[i][nl].value = (char *)vals[k];
			lpp[i][nl] = &lp[i][nl];
			nl++;
		}
		ms[i].n_label = nl;
		ms[i].label = lpp[i];
		if (type == IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER) {
			io__prometheus__client__counter__init(&cs[i]);
			cs[i].has_value = true;
			cs[i].value = values[i];
			ms[i].counter = &cs[i];
		} else {
			io__prometheus__client__gauge__init(&gs[i]);
			gs[i].has_value = true;
			gs[i].value = values[i];
			ms[i].gauge = &gs[i];
		}
		mp[i] = &ms[i];
	}
	f.n_metric = n;
	f.metric = mp;
	pb_put_family(buf, len, &f);
}

static void test_metrics(void **state)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	const char *ids[] = {"/hutch/web", "/user.slice"};
	const double cpu[] = {12.5, 3.0}, mem[] = {104857600, 2048},
		     lim[] = {268435456, 9.2233720368547758e18};
	const double quota[] = {50000}, period[] = {100000}, rx[] = {1000}, rxlo[] = {77};
	add_family(&buf, &len, "container_cpu_usage_seconds_total",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER, ids, "cpu", "total", cpu, 2);
	add_family(&buf, &len, "container_memory_usage_bytes",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE, ids, NULL, NULL, mem, 2);
	add_family(&buf, &len, "container_spec_memory_limit_bytes",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE, ids, NULL, NULL, lim, 2);
	add_family(&buf, &len, "container_spec_cpu_quota",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE, ids, NULL, NULL, quota, 1);
	add_family(&buf, &len, "container_spec_cpu_period",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE, ids, NULL, NULL, period, 1);
	add_family(&buf, &len, "container_network_receive_bytes_total",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER, ids, "interface", "eth0", rx, 1);
	add_family(&buf, &len, "container_network_receive_bytes_total",
		   IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER, ids, "interface", "lo", rxlo, 1);
	const double cores[] = {8};
	const char *none[] = {""};
	add_family(&buf, &len, "machine_cpu_cores", IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE,
		   none, NULL, NULL, cores, 1);

	struct viewer_snapshot s;
	viewer_snapshot_init(&s);
	assert_int_equal(viewer_snapshot_from_metrics(buf, len, true, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.host.cpu_cores, 8);
	assert_string_equal(s.host.layout, "remote");
	const struct viewer_sample *w = viewer_snapshot_find(&s, "/hutch/web");
	assert_non_null(w);
	assert_string_equal(w->name, "web");
	assert_int_equal(w->runtime, SAMPLER_RUNTIME_HUTCH);
	assert_true(w->is_container);
	assert_int_equal(w->cpu_usage_ns, 12500000000ull);
	assert_int_equal(w->memory_limit_bytes, 268435456);
	assert_int_equal(w->cpu_limit_millicpus, 500);
	assert_int_equal(w->net_rx_bytes, 1000); /* loopback not counted */
	const struct viewer_sample *u = viewer_snapshot_find(&s, "/user.slice");
	assert_int_equal(u->memory_limit_bytes, HUTCH_UNLIMITED);
	assert_false(u->is_container);
	assert_int_equal(u->net_rx_bytes, HUTCH_UNKNOWN);

	/* Containers only drops the plain cgroup. */
	assert_int_equal(viewer_snapshot_from_metrics(buf, len, false, &s), 0);
	assert_int_equal(s.n, 1);
	/* Cut short or garbage: an error, never a crash. */
	assert_int_equal(viewer_snapshot_from_metrics(buf, len - 3, true, &s), -EINVAL);
	const unsigned char text[] = "# HELP x y\nx 1\n";
	assert_int_equal(viewer_snapshot_from_metrics(text, sizeof(text) - 1, true, &s), -EINVAL);
	viewer_snapshot_clear(&s);
	free(s.samples);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_v2),
		cmocka_unit_test(test_cpu_hybrid_v1),
		cmocka_unit_test(test_sort_filter),
		cmocka_unit_test(test_columns_format),
		cmocka_unit_test(test_history_sparkline),
		cmocka_unit_test(test_batch_text),
		cmocka_unit_test(test_url_http),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
