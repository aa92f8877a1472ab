/* SPDX-License-Identifier: MIT */
/*
 * Table text for batch mode and the screen.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "table.h"

static const int col_width[VIEWER_COL_COUNT] = {
	[VIEWER_COL_NAME] = 0,	 [VIEWER_COL_RUNTIME] = 10, [VIEWER_COL_STATE] = 7,
	[VIEWER_COL_CPU] = 6,	 [VIEWER_COL_QUOTA] = 6,    [VIEWER_COL_MEM] = 6,
	[VIEWER_COL_MEMLIM] = 6, [VIEWER_COL_MEMPCT] = 5,   [VIEWER_COL_NETRX] = 8,
	[VIEWER_COL_NETTX] = 8,	 [VIEWER_COL_IOR] = 7,	    [VIEWER_COL_IOW] = 7,
	[VIEWER_COL_PIDS] = 5,	 [VIEWER_COL_UPTIME] = 7,
};

static void layout(struct viewer_table *t)
{
	int x = 0;
	for (int c = 0; c < VIEWER_COL_COUNT; c++) {
		t->width[c] = c == VIEWER_COL_NAME ? t->name_width : col_width[c];
		if (c == VIEWER_COL_MEMPCT && t->mem_bar)
			t->width[c] = 12;
		t->offset[c] = x;
		if (t->shown[c])
			x += t->width[c] + 1;
	}
	t->total = x > 0 ? x - 1 : 0;
}

void viewer_table_full(int name_width, struct viewer_table *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->name_width = name_width < 4 ? 4 : name_width;
	for (int c = 0; c < VIEWER_COL_COUNT; c++)
		ret->shown[c] = true;
	layout(ret);
}

void viewer_table_fit(int cols, int max_name, struct viewer_table *ret)
{
	static const enum viewer_column drop[] = {
		VIEWER_COL_IOR,	   VIEWER_COL_IOW,     VIEWER_COL_NETTX,  VIEWER_COL_NETRX,
		VIEWER_COL_UPTIME, VIEWER_COL_RUNTIME, VIEWER_COL_MEMLIM, VIEWER_COL_QUOTA,
		VIEWER_COL_STATE,  VIEWER_COL_PIDS,
	};
	const int min_name = 16;
	viewer_table_full(min_name, ret);
	ret->mem_bar = true;
	layout(ret);
	for (size_t i = 0; i < ARRAY_SIZE(drop) && ret->total > cols; i++) {
		ret->shown[drop[i]] = false;
		/* The bar goes once the disk columns have gone and it still does not fit. */
		if (i == 1 && ret->total - 12 > cols) {
			ret->mem_bar = false;
		}
		layout(ret);
	}
	if (ret->total > cols) {
		ret->mem_bar = false;
		layout(ret);
	}
	int spare = cols - ret->total;
	if (spare > 0) {
		ret->name_width = min_name + spare;
		if (ret->name_width > max_name)
			ret->name_width = max_name > min_name ? max_name : min_name;
		layout(ret);
	}
}

static int put(char *buf, size_t size, int at, const char *text, int width, bool left)
{
	if (at < 0 || (size_t)at >= size)
		return at;
	int n = snprintf(buf + at, size - (size_t)at, left ? "%-*.*s " : "%*.*s ", width, width,
			 text);
	return n < 0 ? at : at + n;
}

int viewer_table_header(const struct viewer_table *t, char *buf, size_t size)
{
	int at = 0;
	buf[0] = '\0';
	for (int c = 0; c < VIEWER_COL_COUNT; c++)
		if (t->shown[c])
			at = put(buf, size, at, viewer_column_title(c), t->width[c],
				 c == VIEWER_COL_NAME || c == VIEWER_COL_RUNTIME ||
					 c == VIEWER_COL_STATE);
	if (at > 0 && (size_t)at <= size)
		buf[--at] = '\0';
	return at;
}

int viewer_table_row(const struct viewer_table *t, const struct viewer_row *r, char *buf,
		     size_t size)
{
	int at = 0;
	buf[0] = '\0';
	for (int c = 0; c < VIEWER_COL_COUNT; c++) {
		if (!t->shown[c])
			continue;
		char cell[128];
		bool left = false;
		switch ((enum viewer_column)c) {
		case VIEWER_COL_NAME:
			snprintf(cell, sizeof(cell), "%s", r->label);
			left = true;
			break;
		case VIEWER_COL_RUNTIME:
			snprintf(cell, sizeof(cell), "%s", sampler_runtime_name(r->s->runtime));
			left = true;
			break;
		case VIEWER_COL_STATE:
			snprintf(cell, sizeof(cell), "%s", viewer_state_name(r->state));
			left = true;
			break;
		case VIEWER_COL_CPU:
		case VIEWER_COL_QUOTA:
			viewer_fmt_pct(viewer_row_figure(r, c), cell, sizeof(cell));
			break;
		case VIEWER_COL_MEM:
			viewer_fmt_bytes(r->mem_usage_bytes, cell, sizeof(cell));
			break;
		case VIEWER_COL_MEMLIM:
			if (r->mem_limited)
				viewer_fmt_bytes(r->mem_limit_bytes, cell, sizeof(cell));
			else
				snprintf(cell, sizeof(cell), "-");
			break;
		case VIEWER_COL_MEMPCT:
			if (t->mem_bar && !isnan(r->mem_pct)) {
				int fill = (int)(r->mem_pct / 20.0 + 0.5);
				fill = fill < 0 ? 0 : fill > 5 ? 5 : fill;
				snprintf(cell, sizeof(cell), "[%.*s%*s] %3.0f%%", fill, "#####",
					 5 - fill, "", r->mem_pct > 999 ? 999.0 : r->mem_pct);
			} else {
				viewer_fmt_pct(r->mem_pct, cell, sizeof(cell));
			}
			break;
		case VIEWER_COL_NETRX:
		case VIEWER_COL_NETTX:
		case VIEWER_COL_IOR:
		case VIEWER_COL_IOW:
			viewer_fmt_rate(viewer_row_figure(r, c), cell, sizeof(cell));
			break;
		case VIEWER_COL_PIDS:
			if (hutch_known(r->pids))
				snprintf(cell, sizeof(cell), "%llu", (unsigned long long)r->pids);
			else
				snprintf(cell, sizeof(cell), "-");
			break;
		case VIEWER_COL_UPTIME:
			viewer_fmt_duration(r->uptime_s, cell, sizeof(cell));
			break;
		default:
			cell[0] = '\0';
			break;
		}
		at = put(buf, size, at, cell, t->width[c], left);
	}
	if (at > 0 && (size_t)at <= size)
		buf[--at] = '\0';
	return at;
}

void viewer_host_summary(const struct viewer_host *h, char *buf, size_t size)
{
	char total[16], avail[16], used[16];
	viewer_fmt_bytes(h->memory_bytes, total, sizeof(total));
	viewer_fmt_bytes(h->memory_available_bytes, avail, sizeof(avail));
	if (hutch_known(h->memory_bytes) && hutch_known(h->memory_available_bytes) &&
	    h->memory_bytes >= h->memory_available_bytes)
		viewer_fmt_bytes(h->memory_bytes - h->memory_available_bytes, used, sizeof(used));
	else
		used[0] = '\0';
	char cores[24];
	if (hutch_known(h->cpu_cores))
		snprintf(cores, sizeof(cores), "%llu", (unsigned long long)h->cpu_cores);
	else
		snprintf(cores, sizeof(cores), "-");
	/* A collector gives the host's memory but not what is in use. */
	char mem[48];
	if (used[0])
		snprintf(mem, sizeof(mem), "mem %s used of %s", used, total);
	else
		snprintf(mem, sizeof(mem), "mem %s", total);
	if (h->load1 >= 0)
		snprintf(buf, size, "%s CPUs, %s, load %.2f %.2f %.2f", cores, mem, h->load1,
			 h->load5, h->load15);
	else
		snprintf(buf, size, "%s CPUs, %s", cores, mem);
}

void viewer_print_batch(FILE *out, const struct viewer_snapshot *cur,
			const struct viewer_rows *rows, size_t total, const char *source)
{
	int name_w = 4;
	for (size_t i = 0; i < rows->n; i++) {
		int l = (int)strlen(rows->rows[i].label);
		if (l > name_w)
			name_w = l;
	}
	if (name_w > 64)
		name_w = 64;
	struct viewer_table t;
	viewer_table_full(name_w, &t);
	char when[32] = "-";
	time_t sec = (time_t)(cur->wall_ns / 1000000000ull);
	struct tm tm;
	if (gmtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char host[160];
	viewer_host_summary(&cur->host, host, sizeof(host));
	fprintf(out, "hutch top %s, %s, %s, %zu of %zu cgroups\n", when, source, host, rows->n,
		total);
	char line[1024];
	viewer_table_header(&t, line, sizeof(line));
	fprintf(out, "%s ID\n", line);
	for (size_t i = 0; i < rows->n; i++) {
		viewer_table_row(&t, &rows->rows[i], line, sizeof(line));
		fprintf(out, "%s %s\n", line, rows->rows[i].s->id);
	}
	fputc('\n', out);
	fflush(out);
}
