/* SPDX-License-Identifier: MIT */
/*
 * The table's text, shared by batch mode and the screen: which columns fit
 * a width, their offsets, and each row formatted into a line. Pure.
 */
#ifndef HUTCH_VIEWER_TABLE_H
#define HUTCH_VIEWER_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

struct viewer_table {
	int name_width;
	bool mem_bar; /* MEM% drawn as "[###  ] 45%" (the screen, where it fits) */
	bool shown[VIEWER_COL_COUNT];
	int offset[VIEWER_COL_COUNT]; /* column where each shown column starts */
	int width[VIEWER_COL_COUNT];
	int total; /* characters of a full line */
};

/* Every column with a name column of name_width (batch mode). */
void viewer_table_full(int name_width, struct viewer_table *ret);
/* The columns that fit in cols characters: the least needed ones go first,
 * the name column takes what is left (at most max_name); a memory bar where it fits. */
void viewer_table_fit(int cols, int max_name, struct viewer_table *ret);

/* Lines without a newline; return their length. */
int viewer_table_header(const struct viewer_table *t, char *buf, size_t size);
int viewer_table_row(const struct viewer_table *t, const struct viewer_row *r, char *buf,
		     size_t size);

/* Batch mode: one table (a summary line, the header, the rows), then a blank line.
 * total is how many cgroups the source gave before filtering. */
void viewer_print_batch(FILE *out, const struct viewer_snapshot *cur,
			const struct viewer_rows *rows, size_t total, const char *source);

/* "2 CPUs, mem 1.5G/23G, load 0.50 0.40 0.30": the header's host summary. */
void viewer_host_summary(const struct viewer_host *h, char *buf, size_t size);

#endif
