/* SPDX-License-Identifier: MIT */
/* hutch run's flags parsed as the CLI parses them, for the runtime's unit tests. */
#ifndef HUTCH_TEST_RUN_OPTS_FIXTURE_H
#define HUTCH_TEST_RUN_OPTS_FIXTURE_H

#include <stdarg.h>
#include <string.h>

#include "hutch.h"

/* run_parse(o, err, "--flag", "value", ..., NULL): `hutch run` with those words into o. */
static int run_parse(struct run_opts *o, struct hutch_error *err, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	argv[argc++] = (char *)"run";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	argv[argc] = NULL;
	va_end(ap);
	run_opts_init(o);
	memset(err, 0, sizeof(*err));
	return run_opts_parse(argc, argv, o, err);
}

#endif
