// SPDX-License-Identifier: MIT
/*
 * Reading a Dockerfile (pure): its instructions with their line numbers, the
 * exec form's JSON arrays, and the shell-like words that ENV, LABEL, COPY and
 * the others take, with build arguments and environment variables expanded.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build.h"
#include "hutch/strv.h"

static const struct {
	const char *name;
	enum build_op op;
	bool exec_form; /* may be a JSON array */
} ops[] = {
	{"FROM", BUILD_FROM, false},
	{"RUN", BUILD_RUN, true},
	{"COPY", BUILD_COPY, true},
	{"ADD", BUILD_ADD, true},
	{"ENV", BUILD_ENV, false},
	{"WORKDIR", BUILD_WORKDIR, false},
	{"USER", BUILD_USER, false},
	{"ENTRYPOINT", BUILD_ENTRYPOINT, true},
	{"CMD", BUILD_CMD, true},
	{"LABEL", BUILD_LABEL, false},
	{"EXPOSE", BUILD_EXPOSE, false},
	{"ARG", BUILD_ARG, false},
	{"STOPSIGNAL", BUILD_STOPSIGNAL, false},
};

void build_file_free(struct build_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->steps[i].text);
		free(f->steps[i].args);
		strv_free(f->steps[i].exec);
	}
	free(f->steps);
	f->steps = NULL;
	f->n = 0;
}

/* ["a", "b"]: the strings, or NULL when s is not a JSON array of strings (the shell form). */
static char **exec_form(const char *s)
{
	if (s[0] != '[')
		return NULL;
	struct json_object *a = json_tokener_parse(s);
	char **v = NULL;
	if (!a || !json_object_is_type(a, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string) ||
		    strv_push(&v, json_object_get_string(e)) < 0) {
			strv_free(v);
			v = NULL;
			goto out;
		}
	}
	if (!v)
		v = calloc(1, sizeof(*v)); /* [] is an empty exec form */
out:
	json_object_put(a);
	return v;
}

/* Adds one joined instruction (line is where it began). */
static int add_step(struct build_file *f, char *joined, unsigned line, struct hutch_error *err)
{
	char *s = joined;
	while (isspace((unsigned char)*s))
		s++;
	size_t kw = strcspn(s, " \t");
	char *rest = s + kw;
	while (isspace((unsigned char)*rest))
		rest++;
	size_t len = strlen(rest);
	while (len && isspace((unsigned char)rest[len - 1]))
		rest[--len] = '\0';
	size_t k = 0;
	while (k < ARRAY_SIZE(ops) &&
	       (strlen(ops[k].name) != kw || strncasecmp(s, ops[k].name, kw)))
		k++;
	if (k == ARRAY_SIZE(ops))
		return hutch_error_set(err, EINVAL, "line %u: unknown instruction '%.*s'", line,
				       (int)(kw > 40 ? 40 : kw), s);
	if (!rest[0])
		return hutch_error_set(err, EINVAL, "line %u: %s needs arguments", line,
				       ops[k].name);
	if (ops[k].op != BUILD_FROM && ops[k].op != BUILD_ARG) {
		bool from = false;
		for (size_t i = 0; i < f->n; i++)
			from |= f->steps[i].op == BUILD_FROM;
		if (!from)
			return hutch_error_set(err, EINVAL,
					       "line %u: %s before any FROM (a Dockerfile starts "
					       "with FROM, after ARGs)",
					       line, ops[k].name);
	}
	struct build_step *n = realloc(f->steps, (f->n + 1) * sizeof(*n));
	if (!n)
		return hutch_error_set(err, ENOMEM, "out of memory");
	f->steps = n;
	struct build_step *st = &f->steps[f->n];
	*st = (struct build_step){.op = ops[k].op, .line = line};
	st->args = strdup(rest);
	if (st->args && (st->text = malloc(strlen(ops[k].name) + len + 2)))
		sprintf(st->text, "%s %s", ops[k].name, rest);
	if (!st->args || !st->text) {
		free(st->args);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	st->exec = ops[k].exec_form ? exec_form(rest) : NULL;
	f->n++;
	return 0;
}

/* Whether line (without its newline) ends in a continuation: its last non-blank is '\'. */
static bool continued(const char *line, size_t len, size_t *ret_cut)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	*ret_cut = len;
	return len && line[len - 1] == '\\';
}

int build_parse(const char *text, struct build_file *ret, struct hutch_error *err)
{
	struct build_file f = {0};
	char *joined = NULL;
	size_t jlen = 0;
	unsigned line = 0, start = 0;
	int r = 0;
	for (const char *p = text; *p && r == 0;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		const char *s = p;
		p += len + (nl ? 1 : 0);
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		if (len == 0 && !joined)
			continue;
		if (len && *s == '#')
			continue; /* a comment, also between continued lines */
		size_t cut;
		bool more = continued(s, len, &cut);
		if (more)
			cut--;
		char *n = realloc(joined, jlen + cut + 2);
		if (!n) {
			r = hutch_error_set(err, ENOMEM, "out of memory");
			break;
		}
		if (!joined)
			start = line;
		joined = n;
		memcpy(joined + jlen, s, cut);
		jlen += cut;
		joined[jlen] = '\0';
		if (more && *p)
			continue;
		if (jlen)
			r = add_step(&f, joined, start, err);
		free(joined);
		joined = NULL;
		jlen = 0;
	}
	free(joined);
	bool from = false;
	for (size_t i = 0; i < f.n; i++)
		from |= f.steps[i].op == BUILD_FROM;
	if (r == 0 && !from)
		r = hutch_error_set(err, EINVAL, "no FROM instruction");
	if (r < 0) {
		build_file_free(&f);
		return r;
	}
	*ret = f;
	return 0;
}

const char *build_var(char *const *vars, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; vars && vars[i]; i++)
		if (strncmp(vars[i], name, n) == 0 && vars[i][n] == '=')
			found = vars[i] + n + 1;
	return found;
}

int build_var_set(char ***vars, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *kv = malloc(n + strlen(value) + 2);
	if (!kv)
		return -ENOMEM;
	sprintf(kv, "%s=%s", name, value);
	for (size_t i = 0; *vars && (*vars)[i]; i++) {
		if (strncmp((*vars)[i], name, n) == 0 && (*vars)[i][n] == '=') {
			free((*vars)[i]);
			(*vars)[i] = kv;
			return 0;
		}
	}
	int r = strv_push(vars, kv);
	free(kv);
	return r;
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool used; /* a word was started (even an empty "" one) */
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	b->used = true;
	return 0;
}

/* $NAME or ${NAME...} at *pp (just past the '$'): its value into b; advances *pp. */
static int expand_var(const char **pp, char *const *vars, struct sbuf *b)
{
	const char *p = *pp;
	bool braced = *p == '{';
	if (braced)
		p++;
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	if (n == 0 && !braced) {
		*pp = p;
		return sb_add(b, "$", 1);
	}
	char name[256];
	if (n >= sizeof(name))
		return -EINVAL;
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	const char *v = build_var(vars, name);
	if (!braced) {
		*pp = p;
		return v ? sb_add(b, v, strlen(v)) : 0;
	}
	const char *word = NULL;
	size_t wlen = 0;
	char mod = 0;
	if (p[0] == ':' && (p[1] == '-' || p[1] == '+')) {
		mod = p[1];
		word = p + 2;
		wlen = strcspn(word, "}");
		p = word + wlen;
	}
	if (*p != '}')
		return -EINVAL;
	*pp = p + 1;
	bool set = v && v[0];
	if (mod == '-' && !set)
		return sb_add(b, word, wlen);
	if (mod == '+')
		return set ? sb_add(b, word, wlen) : 0;
	return v ? sb_add(b, v, strlen(v)) : 0;
}

static int end_word(struct sbuf *b, char ***ret)
{
	if (!b->used)
		return 0;
	int r = strv_push(ret, b->s ? b->s : "");
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
	b->used = false;
	return r;
}

int build_words(const char *in, char *const *vars, bool split, char ***ret)
{
	struct sbuf b = {0};
	char **words = NULL;
	char quote = 0;
	int r = 0;
	for (const char *p = in; *p && r == 0;) {
		char c = *p++;
		if (quote == '\'' && c != '\'') {
			r = sb_add(&b, &c, 1);
		} else if (c == '\\' && *p && quote != '\'') {
			r = sb_add(&b, p++, 1);
		} else if (c == '$') {
			r = expand_var(&p, vars, &b);
		} else if ((c == '"' || c == '\'') && (!quote || quote == c)) {
			quote = quote ? 0 : c;
			b.used = true;
		} else if (split && !quote && (c == ' ' || c == '\t')) {
			r = end_word(&b, &words);
		} else {
			r = sb_add(&b, &c, 1);
		}
	}
	if (r == 0 && quote)
		r = -EINVAL;
	if (r == 0)
		r = end_word(&b, &words);
	free(b.s);
	if (r < 0) {
		strv_free(words);
		return r;
	}
	if (!words)
		words = calloc(1, sizeof(*words));
	*ret = words;
	return words ? 0 : -ENOMEM;
}

int build_ignore_parse(const char *text, char ***ret)
{
	char **v = NULL;
	int r = 0;
	for (const char *p = text; *p && r == 0;) {
		size_t len = strcspn(p, "\n");
		char line[4096], clean[4096];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (p[len] ? 1 : 0);
		char *s = line, *e = line + strlen(line);
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		bool neg = *s == '!';
		s += neg;
		/* as a context path: no leading "/" or "./", no "//", no trailing "/" */
		size_t o = 0;
		if (neg)
			clean[o++] = '!';
		while (*s) {
			while (*s == '/')
				s++;
			if (s[0] == '.' && (s[1] == '/' || !s[1])) {
				s++;
				continue;
			}
			size_t k = strcspn(s, "/");
			if (k && o + k + 2 < sizeof(clean)) {
				if (o > (size_t)neg)
					clean[o++] = '/';
				memcpy(clean + o, s, k);
				o += k;
			}
			s += k;
		}
		clean[o] = '\0';
		if (o > (size_t)neg)
			r = strv_push(&v, clean);
	}
	if (r < 0) {
		strv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

/* One pattern against one path (no parent directories). */
static bool ignore_match(const char *pat, const char *path)
{
	if (strcmp(pat, "**") == 0)
		return true;
	if (strncmp(pat, "**/", 3) == 0) {
		for (const char *s = path; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
			if (ignore_match(pat + 3, s))
				return true;
		return false;
	}
	size_t n = strlen(pat);
	if (n > 3 && strcmp(pat + n - 3, "/**") == 0) {
		char head[4096], prefix[4096];
		snprintf(head, sizeof(head), "%.*s", (int)(n - 3), pat);
		for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(s - path), path);
			if (ignore_match(head, prefix))
				return true;
		}
		return false;
	}
	return fnmatch(pat, path, FNM_PATHNAME) == 0;
}

bool build_ignored(char *const *patterns, const char *rel)
{
	bool out = false;
	char prefix[4096];
	for (size_t i = 0; patterns && patterns[i]; i++) {
		bool neg = patterns[i][0] == '!', m = false;
		const char *pat = patterns[i] + neg;
		/* rel itself or a directory it is in */
		for (const char *s = rel; !m;) {
			s = strchr(s, '/');
			snprintf(prefix, sizeof(prefix), "%.*s",
				 s ? (int)(s - rel) : (int)strlen(rel), rel);
			m = ignore_match(pat, prefix);
			if (!s)
				break;
			s++;
		}
		if (m)
			out = !neg;
	}
	return out;
}
