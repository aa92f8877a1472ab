// SPDX-License-Identifier: MIT
/*
 * How hutch and hutch-image report a failure: "hutch VERB: what" on stderr,
 * EXIT_RUNTIME (125) to return. hutch-runc has its own (runc's log format).
 */
#include <stdarg.h>
#include <stdio.h>

#include "hutch.h"

int hutch_fail(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hutch%s%s: ", verb ? " " : "", verb ? verb : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_RUNTIME;
}
