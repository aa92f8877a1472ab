/* SPDX-License-Identifier: MIT */
/* Helpers the small verbs share: flag loops with --help. */
#ifndef HUTCH_VERB_H
#define HUTCH_VERB_H

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Starts a verb's getopt loop over argv (argv[0] = the verb). */
static inline void verb_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

/* Reports an unknown flag or a missing value the one way every verb does. */
#define VERB_BAD_FLAG(verb, argv)                                                         \
	hutch_fail(verb, "unknown flag or missing value: %s (see hutch " verb " --help)", \
		   argv[optind - 1])

#endif
