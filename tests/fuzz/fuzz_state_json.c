/* SPDX-License-Identifier: MIT */
/* hutch_state_from_json over arbitrary bytes: never crashes, and what it accepts writes back and reads again the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hutch/state.h"
#define FUZZ_TEXT
#include "fuzz.h"

static void fuzz_one(const char *text, size_t size)
{
	struct hutch_state st;
	if (hutch_state_from_json(text, &st) == 0) {
		char *out = NULL, *again = NULL;
		struct hutch_state back;
		if (hutch_state_to_json(&st, &out) != 0 || hutch_state_from_json(out, &back) != 0)
			abort();
		if (hutch_state_to_json(&back, &again) != 0 || strcmp(out, again) != 0)
			abort();
		free(out);
		free(again);
		hutch_state_free(&back);
		hutch_state_free(&st);
	}
}
