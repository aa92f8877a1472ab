/* SPDX-License-Identifier: MIT */
/*
 * hutch build: the Dockerfile's reading (build_parse.c, pure, unit-tested)
 * and its steps' running (cmd_build.c, build_copy.c).
 */
#ifndef HUTCH_BUILD_H
#define HUTCH_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "hutch/util.h"

enum build_op {
	BUILD_FROM,
	BUILD_RUN,
	BUILD_COPY,
	BUILD_ADD,
	BUILD_ENV,
	BUILD_WORKDIR,
	BUILD_USER,
	BUILD_ENTRYPOINT,
	BUILD_CMD,
	BUILD_LABEL,
	BUILD_EXPOSE,
	BUILD_ARG,
	BUILD_STOPSIGNAL,
};

/* One instruction, its continuation lines joined. */
struct build_step {
	enum build_op op;
	unsigned line; /* where it starts in the Dockerfile */
	char *text;    /* "RUN echo hi", as written but joined: shown and part of the cache key */
	char *args;    /* what follows the keyword, trimmed */
	char **exec; /* the JSON exec form (["a", "b"]), NULL-terminated; NULL for the shell form */
};

struct build_file {
	struct build_step *steps;
	size_t n;
};
void build_file_free(struct build_file *f);
/*
 * Pure: a Dockerfile's text into its steps. Comments (# at a line's start),
 * blank lines and line continuations (\ at a line's end) as docker reads
 * them. An unknown instruction, one without arguments or a file with no FROM
 * before its first build step: -EINVAL, err naming the line.
 */
int build_parse(const char *text, struct build_file *ret, struct hutch_error *err);

/*
 * Pure: in as the words a shell would make of it, with $NAME, ${NAME},
 * ${NAME:-word} and ${NAME:+word} replaced from vars (K=V strings) outside
 * single quotes, quotes removed and \ escaping the next character. split:
 * blanks separate words; else the whole of in is one word. -EINVAL for an
 * unterminated quote or ${.
 */
int build_words(const char *in, char *const *vars, bool split, char ***ret);

/*
 * Pure: a .dockerignore's patterns (comments and blank lines dropped, each
 * cleaned as a context path, "!" kept in front of exceptions).
 */
int build_ignore_parse(const char *text, char ***ret);
/*
 * Pure: whether rel (a cleaned path in the context) is left out: the last
 * pattern matching it or one of its parent directories decides ("!" keeps).
 * Patterns are fnmatch()'s with FNM_PATHNAME, and "**" stands for any
 * number of directories at a pattern's start ("**" + "/x") or end ("x/" + "**").
 */
bool build_ignored(char *const *patterns, const char *rel);

/* The value of name in vars (K=V strings), NULL if unset. */
const char *build_var(char *const *vars, const char *name);
/* Sets name=value in *vars (replacing); -ENOMEM. */
int build_var_set(char ***vars, const char *name, const char *value);

/* ---- build_copy.c: COPY and ADD (hutch-image) ---- */
struct sha256;
struct build_copy {
	int ctx_fd;	       /* the build context, opened O_PATH */
	const char *lower;     /* the image's layers, ':'-joined top first; "" for none */
	const char *stage;     /* the new layer's root directory */
	const char *workdir;   /* the image's WorkingDir ("" for /) */
	bool add;	       /* ADD: local tar archives are unpacked */
	struct sha256 *inputs; /* every source's path, mode and bytes go in */
	char *const *ignore;   /* .dockerignore's patterns (build_ignore_parse) */
};
/*
 * COPY or ADD's words (flags, sources, destination) into the stage: each
 * source opened beneath the context (".." refused, a symlink leading out of
 * it refused), directories copied whole without following links in them,
 * the destination's missing directories made as the image has them.
 */
int build_copy(const struct build_copy *c, char **words, struct hutch_error *err);
/* Makes rel's directories in stage, with the modes and owners the image (lower) gives them. */
int build_stage_mkdirs(const char *stage, const char *lower, const char *rel,
		       struct hutch_error *err);

#endif
