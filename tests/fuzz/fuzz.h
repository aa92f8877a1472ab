/* SPDX-License-Identifier: MIT */
/*
 * The libFuzzer entry point every target shares: the input copied to the heap,
 * exact-size (no NUL after it, so ASan sees any read past the end), or with
 * FUZZ_TEXT defined before this include a NUL-terminated string; then the
 * target's fuzz_one, which aborts on anything the parser must never do.
 */
#ifndef HUTCH_FUZZ_H
#define HUTCH_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_one(const char *buf, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_TEXT
	char *buf = malloc(size + 1);
#else
	char *buf = malloc(size ? size : 1);
#endif
	if (!buf)
		return 0;
	memcpy(buf, data, size);
#ifdef FUZZ_TEXT
	buf[size] = '\0';
#endif
	fuzz_one(buf, size);
	free(buf);
	return 0;
}

#endif
