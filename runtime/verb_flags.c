// SPDX-License-Identifier: MIT
/* The flags of a verb that has one switch besides --help (hutch rm -f, hutch-runc kill --all, ...). */
#include <getopt.h>
#include <stdio.h>

#include "hutch.h"

int verb_parse_switch(int argc, char **argv, const struct verb_switch *sw, bool *ret_set)
{
	const struct option opts[] = {
		{sw->name, no_argument, NULL, sw->letter},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char optstring[] = {'+', sw->letter, 'h', '\0'};
	int c;
	optind = 0; /* getopt starts over: each verb parses from its argv[1] */
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstring + sw->permute, opts, NULL)) != -1) {
		if (c == sw->letter) {
			*ret_set = true;
		} else if (c == 'h') {
			fputs(sw->usage, stdout);
			return 1;
		} else {
			return -1;
		}
	}
	return 0;
}
