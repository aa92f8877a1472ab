/* SPDX-License-Identifier: MIT */
/*
 * hutch top's screen (ncurses): the table, the sort chooser, the filter
 * prompt, the detail view and help. Samples come every delay; keys are
 * handled in between (getch with a timeout up to the next refresh).
 */
#include <curses.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hutch/procfs.h"
#include "table.h"
#include "top.h"

#define MIN_COLS  50
#define MIN_LINES 10

enum mode { MODE_TABLE, MODE_DETAIL, MODE_HELP, MODE_SORT, MODE_FILTER };

enum {
	PAIR_HEADER = 1,
	PAIR_WARN,
	PAIR_CRIT,
	PAIR_OK,
	PAIR_TITLE,
};

struct ui {
	const struct viewer_options *o;
	struct viewer_source *src;
	struct viewer_view *view;
	struct viewer_snapshot prev, cur;
	struct viewer_rows rows;
	struct viewer_history history;
	enum mode mode;
	bool color;
	size_t selected, top;	 /* selected row, first row shown */
	char selected_id[4096];	 /* the selection follows its cgroup across sorts */
	char detail_id[4096];	 /* the cgroup the detail view shows */
	int sort_cursor;	 /* in the sort chooser */
	char filter_text[256];	 /* being typed */
	char filter_active[256]; /* applied */
	char message[512];	 /* one line at the bottom, cleared on the next key */
	bool source_failed;
};

static void set_message(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(struct ui *u, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->message, sizeof(u->message), fmt, ap);
	va_end(ap);
}

static void attr_pair(struct ui *u, int pair, bool on)
{
	if (!u->color)
		return;
	if (on)
		attron(COLOR_PAIR(pair));
	else
		attroff(COLOR_PAIR(pair));
}

static void recompute(struct ui *u)
{
	if (viewer_model_rows(u->prev.n ? &u->prev : NULL, &u->cur, u->view, &u->rows) < 0)
		set_message(u, "out of memory");
	/* Keep the selection on the same cgroup when it is still shown. */
	size_t sel = 0;
	for (size_t i = 0; i < u->rows.n; i++)
		if (strcmp(u->rows.rows[i].s->id, u->selected_id) == 0) {
			sel = i;
			break;
		}
	if (u->rows.n == 0)
		sel = 0;
	else if (sel >= u->rows.n)
		sel = u->rows.n - 1;
	u->selected = sel;
	if (u->rows.n)
		snprintf(u->selected_id, sizeof(u->selected_id), "%s", u->rows.rows[sel].s->id);
}

static void sample(struct ui *u)
{
	struct viewer_snapshot next;
	struct hutch_error err = {0};
	viewer_snapshot_init(&next);
	if (u->src->ops->sample(u->src, u->view->all, &next, &err) < 0) {
		/* Keep the last table; say why it is stale, and try again next time. */
		set_message(u, "%s", err.msg);
		u->source_failed = true;
		viewer_snapshot_clear(&next);
		free(next.samples);
		return;
	}
	if (u->source_failed) {
		u->source_failed = false;
		u->message[0] = '\0';
	}
	viewer_snapshot_move(&u->prev, &u->cur);
	viewer_snapshot_move(&u->cur, &next);
	free(next.samples);
	recompute(u);
	/* History covers every cgroup sampled, not only the filtered rows. */
	struct viewer_view all = {.sort = VIEWER_COL_NAME, .all = true};
	struct viewer_rows every = {0};
	if (viewer_model_rows(u->prev.n ? &u->prev : NULL, &u->cur, &all, &every) == 0)
		viewer_history_update(&u->history, &every);
	viewer_rows_free(&every);
}

static void draw_too_small(void)
{
	erase();
	char msg[128];
	snprintf(msg, sizeof(msg), "terminal too small (%dx%d): hutch top needs %dx%d", COLS, LINES,
		 MIN_COLS, MIN_LINES);
	int y = LINES / 2, x = COLS > (int)strlen(msg) ? (COLS - (int)strlen(msg)) / 2 : 0;
	mvaddnstr(y < 0 ? 0 : y, x, msg, COLS > 0 ? COLS : 1);
}

static void draw_header(struct ui *u)
{
	char host[160], line[512];
	viewer_host_summary(&u->cur.host, host, sizeof(host));
	size_t containers = 0;
	for (size_t i = 0; i < u->cur.n; i++)
		containers += u->cur.samples[i].is_container;
	snprintf(line, sizeof(line), "hutch top - %s - %s", u->src->describe, host);
	attr_pair(u, PAIR_TITLE, true);
	attron(A_BOLD);
	mvaddnstr(0, 0, line, COLS);
	attroff(A_BOLD);
	attr_pair(u, PAIR_TITLE, false);
	char sortdesc[512];
	/* Counts first: the line is cut at the screen's width. */
	snprintf(sortdesc, sizeof(sortdesc),
		 "%zu containers, %zu shown  sort: %s%s  %s  filter: %s", containers, u->rows.n,
		 viewer_column_name(u->view->sort), u->view->reverse ? " (reversed)" : "",
		 u->view->all ? "all cgroups" : "containers only",
		 u->filter_active[0] ? u->filter_active : "-");
	mvaddnstr(1, 0, sortdesc, COLS);
}

static int pct_pair(double pct, double warn, double crit)
{
	if (isnan(pct))
		return 0;
	if (pct >= crit)
		return PAIR_CRIT;
	if (pct >= warn)
		return PAIR_WARN;
	return 0;
}

static void draw_table(struct ui *u)
{
	struct viewer_table t;
	viewer_table_fit(COLS, 60, &t);
	char line[1024];
	draw_header(u);
	viewer_table_header(&t, line, sizeof(line));
	attr_pair(u, PAIR_HEADER, true);
	attron(A_BOLD);
	mvhline(3, 0, ' ', COLS);
	mvaddnstr(3, 0, line, COLS);
	/* Mark the sort column. */
	if (t.shown[u->view->sort]) {
		attron(A_UNDERLINE);
		int off = t.offset[u->view->sort];
		if (off < (int)strlen(line))
			mvaddnstr(3, off, line + off, t.width[u->view->sort]);
		attroff(A_UNDERLINE);
	}
	attroff(A_BOLD);
	attr_pair(u, PAIR_HEADER, false);

	int first_y = 4, avail = LINES - first_y - 1;
	if (avail < 1)
		avail = 1;
	if (u->selected < u->top)
		u->top = u->selected;
	if (u->selected >= u->top + (size_t)avail)
		u->top = u->selected - (size_t)avail + 1;
	if (u->top > u->rows.n)
		u->top = 0;
	for (int k = 0; k < avail && u->top + (size_t)k < u->rows.n; k++) {
		size_t i = u->top + (size_t)k;
		const struct viewer_row *r = &u->rows.rows[i];
		viewer_table_row(&t, r, line, sizeof(line));
		int y = first_y + k;
		bool sel = i == u->selected;
		if (sel)
			attron(A_REVERSE);
		mvhline(y, 0, ' ', COLS);
		mvaddnstr(y, 0, line, COLS);
		/* Colours for what is near a limit: CPU against its quota, memory against its limit. */
		struct {
			enum viewer_column col;
			int pair;
		} cells[] = {
			{VIEWER_COL_CPU, pct_pair(r->cpu_quota_pct, 70, 90)},
			{VIEWER_COL_QUOTA, pct_pair(r->cpu_quota_pct, 70, 90)},
			{VIEWER_COL_MEM, r->mem_limited ? pct_pair(r->mem_pct, 75, 90) : 0},
			{VIEWER_COL_MEMPCT, r->mem_limited ? pct_pair(r->mem_pct, 75, 90) : 0},
		};
		for (size_t c = 0; c < ARRAY_SIZE(cells); c++) {
			if (!cells[c].pair || !t.shown[cells[c].col] || !u->color)
				continue;
			int x = t.offset[cells[c].col];
			if (x >= COLS || x >= (int)strlen(line))
				continue;
			attron(COLOR_PAIR(cells[c].pair) | A_BOLD);
			mvaddnstr(y, x, line + x, t.width[cells[c].col]);
			attroff(COLOR_PAIR(cells[c].pair) | A_BOLD);
		}
		if (sel)
			attroff(A_REVERSE);
	}
	if (u->rows.n == 0) {
		const char *why = u->cur.n == 0
					  ? (u->view->all ? "no cgroups"
							  : "no containers (a: show all cgroups)")
					  : "no rows match the filter";
		mvaddnstr(first_y + 1, 2, why, COLS - 2);
	}
}

static void draw_sort(struct ui *u)
{
	draw_table(u);
	int h = VIEWER_COL_COUNT + 2, w = 24;
	int y0 = 2, x0 = COLS > w + 4 ? 4 : 0;
	for (int y = 0; y < h && y0 + y < LINES; y++)
		mvhline(y0 + y, x0, ' ', w);
	attron(A_BOLD);
	mvaddnstr(y0, x0 + 1, "sort by (Enter, Esc):", w - 2);
	attroff(A_BOLD);
	for (int c = 0; c < VIEWER_COL_COUNT && y0 + 1 + c < LINES; c++) {
		if (c == u->sort_cursor)
			attron(A_REVERSE);
		char item[32];
		snprintf(item, sizeof(item), "%c %-10s", c == (int)u->view->sort ? '*' : ' ',
			 viewer_column_name(c));
		mvaddnstr(y0 + 1 + c, x0 + 2, item, w - 3);
		if (c == u->sort_cursor)
			attroff(A_REVERSE);
	}
}

static void draw_help(struct ui *u)
{
	static const char *const lines[] = {
		"hutch top - keys",
		"",
		"  Up/Down, PgUp/PgDn, Home/End   select a row",
		"  Enter, o                       details of the selected row",
		"  s                              choose the sort column",
		"  r                              reverse the sort",
		"  f, /                           filter by regular expression (empty: none)",
		"  a                              all cgroups / containers only",
		"  h, ?                           this help",
		"  q                              quit (Esc leaves a view)",
		"",
		"CPU% is of one CPU; QUOTA% against the cgroup's CPU limit. MEM% is against",
		"the memory limit, or the host's memory where there is none. Colours: yellow",
		"from 70% of the CPU limit / 75% of the memory limit, red from 90%.",
		"",
		"Press any key to go back.",
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines) && (int)i + 1 < LINES; i++)
		mvaddnstr((int)i + 1, 2, lines[i], COLS - 2);
}

/* A count as text, "-" when unknown; returns buf. */
static const char *fmt_count(uint64_t v, char *buf, size_t size)
{
	if (!hutch_known(v))
		snprintf(buf, size, "-");
	else if (v == HUTCH_UNLIMITED)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

static void fmt_limit_cpu(const struct viewer_sample *s, char *buf, size_t size)
{
	if (hutch_limited(s->cpu_limit_millicpus))
		snprintf(buf, size, "%.2f CPUs", (double)s->cpu_limit_millicpus / 1000.0);
	else
		snprintf(buf, size, "none");
}

static int draw_processes(struct ui *u, int y, const struct viewer_sample *s)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = u->src->ops->processes(u->src, s->id, &pids, &n);
	if (r == -EOPNOTSUPP) {
		mvaddnstr(y++, 2, "processes: not available from a collector", COLS - 2);
		return y;
	}
	if (r < 0) {
		mvaddnstr(y++, 2, "processes: the cgroup is gone", COLS - 2);
		return y;
	}
	char line[512];
	snprintf(line, sizeof(line), "processes (%zu):", n);
	attron(A_BOLD);
	mvaddnstr(y++, 0, line, COLS);
	snprintf(line, sizeof(line), "  %8s %1s %10s %8s  %s", "PID", "S", "CPU-TIME", "RSS",
		 "COMMAND");
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_BOLD);
	long ticks = sysconf(_SC_CLK_TCK);
	long page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n && y < LINES - 1; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct procfs_pid_stat ps;
		/* A process that exited since the list was read is skipped. */
		if (hutch_read_file(path, 0, &buf, &len) < 0 ||
		    procfs_parse_pid_stat(buf, len, &ps) < 0)
			continue;
		char rss[16], cpu[24];
		viewer_fmt_bytes(ps.rss_pages * (uint64_t)(page > 0 ? page : 4096), rss,
				 sizeof(rss));
		viewer_fmt_duration(
			ticks > 0 ? (double)(ps.utime_ticks + ps.stime_ticks) / (double)ticks : NAN,
			cpu, sizeof(cpu));
		snprintf(line, sizeof(line), "  %8d %c %10s %8s  %s", ps.pid, ps.state, cpu, rss,
			 ps.comm);
		mvaddnstr(y++, 0, line, COLS);
	}
	free(pids);
	return y;
}

static void draw_detail(struct ui *u)
{
	const struct viewer_row *r = NULL;
	struct viewer_row tmp;
	const struct viewer_sample *s = viewer_snapshot_find(&u->cur, u->detail_id);
	if (!s) {
		u->mode = MODE_TABLE;
		set_message(u, "%s is gone", u->detail_id);
		draw_table(u);
		return;
	}
	viewer_row_compute(&u->prev, viewer_snapshot_find(&u->prev, s->id), &u->cur, s, &tmp);
	r = &tmp;
	draw_header(u);
	char line[1024], a[32], b[32], c[32], d[32];
	int y = 3;
	attron(A_BOLD);
	snprintf(line, sizeof(line), "%s  (%s, %s)  Esc: back", r->label,
		 sampler_runtime_name(s->runtime), viewer_state_name(r->state));
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_BOLD);
	snprintf(line, sizeof(line), "cgroup: %s", s->id);
	mvaddnstr(y++, 0, line, COLS);

	viewer_fmt_pct(r->cpu_pct, a, sizeof(a));
	viewer_fmt_pct(r->cpu_quota_pct, b, sizeof(b));
	fmt_limit_cpu(s, c, sizeof(c));
	snprintf(line, sizeof(line),
		 "CPU: %s%% of one CPU, %s%% of its limit; cpu limit: %s; shares %s; cpus %s", a, b,
		 c, fmt_count(s->cpu_shares, d, sizeof(d)),
		 s->cpuset_cpus[0] ? s->cpuset_cpus : "-");
	mvaddnstr(y++, 0, line, COLS);
	viewer_fmt_pct(r->throttled_pct, a, sizeof(a));
	snprintf(line, sizeof(line),
		 "throttling: %s of %s periods throttled, %.3f s in all, %s%% of the last interval",
		 fmt_count(s->cpu_nr_throttled, b, sizeof(b)),
		 fmt_count(s->cpu_nr_periods, c, sizeof(c)),
		 hutch_known(s->cpu_throttled_ns) ? (double)s->cpu_throttled_ns / 1e9 : 0.0, a);
	mvaddnstr(y++, 0, line, COLS);

	viewer_fmt_bytes(s->memory_usage_bytes, a, sizeof(a));
	if (hutch_limited(s->memory_limit_bytes) && r->mem_limited) {
		viewer_fmt_bytes(s->memory_limit_bytes, b, sizeof(b));
		snprintf(line, sizeof(line), "memory: %s used, limit %s (%llu bytes), %.1f%%", a, b,
			 (unsigned long long)s->memory_limit_bytes, r->mem_pct);
	} else {
		snprintf(line, sizeof(line), "memory: %s used, limit none", a);
	}
	mvaddnstr(y++, 0, line, COLS);
	viewer_fmt_bytes(s->memory_rss_bytes, a, sizeof(a));
	viewer_fmt_bytes(s->memory_cache_bytes, b, sizeof(b));
	viewer_fmt_bytes(s->swap_usage_bytes, c, sizeof(c));
	viewer_fmt_bytes(s->swap_limit_bytes, d, sizeof(d));
	snprintf(line, sizeof(line), "        rss %s, cache %s, swap %s (limit %s)", a, b, c, d);
	mvaddnstr(y++, 0, line, COLS);
	snprintf(line, sizeof(line), "OOM events: %s, OOM kills: %s, limit hits (failcnt): %s",
		 fmt_count(s->memory_oom_events, a, sizeof(a)),
		 fmt_count(s->memory_oom_kill_events, b, sizeof(b)),
		 fmt_count(s->memory_failcnt, c, sizeof(c)));
	mvaddnstr(y++, 0, line, COLS);
	const struct viewer_sample *ps = viewer_snapshot_find(&u->prev, s->id);
	viewer_runqlat_line(&u->prev, ps, &u->cur, s, line, sizeof(line));
	mvaddnstr(y++, 0, line, COLS);
	if (hutch_known(s->process_forks) || hutch_known(s->process_execs)) {
		snprintf(line, sizeof(line), "processes forked: %s, execs: %s",
			 fmt_count(s->process_forks, a, sizeof(a)),
			 fmt_count(s->process_execs, b, sizeof(b)));
		mvaddnstr(y++, 0, line, COLS);
	}
	char rx[16], tx[16], ior[16], iow[16], up[16];
	viewer_fmt_rate(r->net_rx_bps, rx, sizeof(rx));
	viewer_fmt_rate(r->net_tx_bps, tx, sizeof(tx));
	viewer_fmt_rate(r->io_read_bps, ior, sizeof(ior));
	viewer_fmt_rate(r->io_write_bps, iow, sizeof(iow));
	viewer_fmt_duration(r->uptime_s, up, sizeof(up));
	snprintf(line, sizeof(line),
		 "net rx %s/s tx %s/s; io read %s/s write %s/s; tasks %llu (max %s); up %s", rx, tx,
		 ior, iow, (unsigned long long)(hutch_known(r->pids) ? r->pids : 0),
		 fmt_count(s->pids_max, a, sizeof(a)), up);
	mvaddnstr(y++, 0, line, COLS);

	/* Sparklines: CPU on a scale of the limit (or one CPU), memory of the limit. */
	const struct viewer_history_entry *e = viewer_history_find(&u->history, s->id);
	int w = COLS - 16;
	if (e && w > 8) {
		double vals[VIEWER_HISTORY];
		char spark[VIEWER_HISTORY + 1];
		size_t width = (size_t)w < VIEWER_HISTORY ? (size_t)w : VIEWER_HISTORY;
		for (size_t i = 0; i < e->n; i++)
			vals[i] = viewer_history_cpu(e, i);
		double cpu_max = hutch_limited(s->cpu_limit_millicpus)
					 ? (double)s->cpu_limit_millicpus / 10.0
					 : 100.0;
		viewer_sparkline(vals, e->n, cpu_max, spark, width);
		snprintf(line, sizeof(line), "CPU  %5.0f%% |%s|", cpu_max, spark);
		y++;
		mvaddnstr(y++, 0, line, COLS);
		for (size_t i = 0; i < e->n; i++)
			vals[i] = viewer_history_mem(e, i);
		double mem_max = r->mem_limited ? (double)s->memory_limit_bytes : 0;
		viewer_sparkline(vals, e->n, mem_max, spark, width);
		char mx[16] = "auto";
		if (mem_max > 0)
			viewer_fmt_bytes((uint64_t)mem_max, mx, sizeof(mx));
		snprintf(line, sizeof(line), "MEM %6s |%s|", mx, spark);
		mvaddnstr(y++, 0, line, COLS);
	}
	y++;
	if (y < LINES - 2)
		draw_processes(u, y, s);
}

static void draw(struct ui *u)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		draw_too_small();
		refresh();
		return;
	}
	switch (u->mode) {
	case MODE_TABLE:
	case MODE_FILTER:
		draw_table(u);
		break;
	case MODE_SORT:
		draw_sort(u);
		break;
	case MODE_DETAIL:
		draw_detail(u);
		break;
	case MODE_HELP:
		draw_help(u);
		break;
	}
	int y = LINES - 1;
	mvhline(y, 0, ' ', COLS);
	if (u->mode == MODE_FILTER) {
		char line[512];
		snprintf(line, sizeof(line), "filter (regex, Enter to apply, Esc to cancel): %s",
			 u->filter_text);
		mvaddnstr(y, 0, line, COLS);
	} else if (u->message[0]) {
		attr_pair(u, PAIR_CRIT, true);
		mvaddnstr(y, 0, u->message, COLS);
		attr_pair(u, PAIR_CRIT, false);
	} else if (u->mode == MODE_TABLE) {
		mvaddnstr(y, 0, "s sort  r reverse  f filter  a all  Enter details  h help  q quit",
			  COLS);
	}
	refresh();
}

static void select_row(struct ui *u, long delta)
{
	if (u->rows.n == 0)
		return;
	long sel = (long)u->selected + delta;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)u->rows.n)
		sel = (long)u->rows.n - 1;
	u->selected = (size_t)sel;
	snprintf(u->selected_id, sizeof(u->selected_id), "%s", u->rows.rows[sel].s->id);
}

/* Returns false to quit. */
/* Enter or 'o' opens a row's detail (and closes it again). */
static bool open_key(int ch)
{
	return ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 'o';
}

static bool help_key(int ch)
{
	return ch == 'h' || ch == '?';
}

static void open_detail(struct ui *u)
{
	snprintf(u->detail_id, sizeof(u->detail_id), "%s", u->rows.rows[u->selected].s->id);
	u->mode = MODE_DETAIL;
	/* Limits are re-read every 30 s; the detail view wants them now. */
	if (u->src->ops->invalidate)
		u->src->ops->invalidate(u->src);
}

static bool handle_key(struct ui *u, int ch)
{
	if (ch == KEY_RESIZE)
		return true;
	if (u->mode == MODE_FILTER) {
		size_t l = strlen(u->filter_text);
		if (ch == 27) {
			u->mode = MODE_TABLE;
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			char err[256];
			if (viewer_view_set_filter(u->view, u->filter_text, err, sizeof(err)) < 0) {
				set_message(u, "bad filter '%s': %s", u->filter_text, err);
			} else {
				snprintf(u->filter_active, sizeof(u->filter_active), "%s",
					 u->filter_text);
				recompute(u);
			}
			u->mode = MODE_TABLE;
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			if (l > 0)
				u->filter_text[l - 1] = '\0';
		} else if (ch >= 32 && ch < 127 && l + 1 < sizeof(u->filter_text)) {
			u->filter_text[l] = (char)ch;
			u->filter_text[l + 1] = '\0';
		}
		return true;
	}
	u->message[0] = '\0';
	if (ch == 'q' || ch == 'Q')
		return false;
	if (u->mode == MODE_HELP) {
		u->mode = MODE_TABLE;
		return true;
	}
	if (u->mode == MODE_SORT) {
		switch (ch) {
		case KEY_UP:
		case 'k':
			if (u->sort_cursor > 0)
				u->sort_cursor--;
			break;
		case KEY_DOWN:
		case 'j':
			if (u->sort_cursor + 1 < VIEWER_COL_COUNT)
				u->sort_cursor++;
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
		case ' ':
			u->view->sort = (enum viewer_column)u->sort_cursor;
			recompute(u);
			u->mode = MODE_TABLE;
			break;
		case 27:
		case 's':
			u->mode = MODE_TABLE;
			break;
		}
		return true;
	}
	if (u->mode == MODE_DETAIL) {
		/* The key that opened the detail closes it. */
		if (help_key(ch))
			u->mode = MODE_HELP;
		else if (ch == 27 || open_key(ch) || ch == KEY_BACKSPACE || ch == KEY_LEFT)
			u->mode = MODE_TABLE;
		return true;
	}
	if (help_key(ch)) {
		u->mode = MODE_HELP;
		return true;
	}
	if (open_key(ch)) {
		if (u->rows.n)
			open_detail(u);
		return true;
	}
	int page = LINES - 6 > 1 ? LINES - 6 : 1;
	switch (ch) {
	case KEY_UP:
	case 'k':
		select_row(u, -1);
		break;
	case KEY_DOWN:
	case 'j':
		select_row(u, 1);
		break;
	case KEY_PPAGE:
		select_row(u, -page);
		break;
	case KEY_NPAGE:
		select_row(u, page);
		break;
	case KEY_HOME:
	case 'g':
		select_row(u, -(long)u->rows.n);
		break;
	case KEY_END:
	case 'G':
		select_row(u, (long)u->rows.n);
		break;
	case 's':
		u->sort_cursor = (int)u->view->sort;
		u->mode = MODE_SORT;
		break;
	case 'r':
		u->view->reverse = !u->view->reverse;
		recompute(u);
		break;
	case 'f':
	case '/':
		snprintf(u->filter_text, sizeof(u->filter_text), "%s", u->filter_active);
		u->mode = MODE_FILTER;
		break;
	case 'a':
		u->view->all = !u->view->all;
		recompute(u);
		sample(u); /* the cgroups not sampled so far */
		break;
	}
	return true;
}

int viewer_ui_run(const struct viewer_options *o, struct viewer_source *src,
		  struct viewer_view *view)
{
	struct ui *u = calloc(1, sizeof(*u));
	if (!u) {
		fprintf(stderr, "hutch top: out of memory\n");
		return VIEWER_EXIT_SOURCE;
	}
	u->o = o;
	u->src = src;
	u->view = view;
	viewer_snapshot_init(&u->prev);
	viewer_snapshot_init(&u->cur);
	/* The first sample before the screen: a source that cannot be read is said plainly. */
	struct hutch_error err = {0};
	int status = VIEWER_EXIT_OK;
	if (src->ops->sample(src, view->all, &u->cur, &err) < 0) {
		fprintf(stderr, "hutch top: %s\n", err.msg);
		status = VIEWER_EXIT_SOURCE;
		goto out;
	}
	recompute(u);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hutch top: the screen needs a terminal on stdin and stdout; "
				"use -b for plain text\n");
		status = VIEWER_EXIT_USAGE;
		goto out;
	}
	/* newterm, not initscr: an unknown TERM is an error we report, not an exit. */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "hutch top: cannot use the terminal (TERM=%s); try -b\n",
			getenv("TERM") ? getenv("TERM") : "");
		status = VIEWER_EXIT_USAGE;
		goto out;
	}
	set_term(scr);
	set_escdelay(25);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	u->color = o->color && has_colors();
	if (u->color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_CRIT, COLOR_RED, -1);
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	}
	/* The first rates come one short interval after start, then every delay. */
	uint64_t first = o->delay_ns < 500000000ull ? o->delay_ns : 500000000ull;
	uint64_t next = hutch_now_ns() + first;
	for (;;) {
		if (viewer_stop)
			break;
		uint64_t now = hutch_now_ns();
		if (now >= next) {
			sample(u);
			next = now + o->delay_ns;
			now = hutch_now_ns();
		}
		draw(u);
		uint64_t left_ms = next > now ? (next - now) / 1000000ull + 1 : 0;
		timeout((int)(left_ms > 60000 ? 60000 : left_ms));
		int ch = getch();
		if (ch == ERR)
			continue;
		if (!handle_key(u, ch))
			break;
	}
	endwin();
	delscreen(scr);
out:
	viewer_rows_free(&u->rows);
	viewer_history_free(&u->history);
	viewer_snapshot_clear(&u->prev);
	free(u->prev.samples);
	viewer_snapshot_clear(&u->cur);
	free(u->cur.samples);
	free(u);
	return status;
}
