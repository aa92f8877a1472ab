/* SPDX-License-Identifier: MIT */
/* Shared between the option parsing (top.c) and the screen (ui.c). */
#ifndef HUTCH_VIEWER_TOP_H
#define HUTCH_VIEWER_TOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "source.h"

#define VIEWER_EXIT_OK	   0
#define VIEWER_EXIT_SOURCE 1 /* the data source cannot be read */
#define VIEWER_EXIT_USAGE  2

struct viewer_options {
	bool batch;
	long iterations; /* 0 = until interrupted */
	uint64_t delay_ns;
	bool color;
	const char *url;
	unsigned timeout_ms;
	struct viewer_host_options host;
};

extern volatile sig_atomic_t viewer_stop;

/* The interactive screen; returns an exit status. view is the initial sort/filter. */
int viewer_ui_run(const struct viewer_options *o, struct viewer_source *src,
		  struct viewer_view *view);

#endif
