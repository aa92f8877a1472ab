// SPDX-License-Identifier: MIT
/*
 * hutch build: a Dockerfile's steps, each an image of the store. A RUN is a
 * real container (`hutch run` over the previous step's image, its command
 * without the image's Entrypoint) whose read-write layer becomes the step's
 * layer, as `hutch commit` makes it; COPY and ADD stage their files as a
 * layer; the other instructions change the config only. Each step's image is
 * remembered in <store>/build-cache/<key>, the key being the sha256 of the
 * parent image, the step's text, the build arguments in scope and the digest
 * of what COPY or ADD read: a second build with the same inputs reuses them
 * ("---> Using cache"). A failed step leaves its container removed, its
 * work directory gone and no tag; the steps before it stay, as docker's do,
 * as the cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "hutch.h"
#include "hutch/strv.h"
#include "image_cmd.h"
#include "verb.h"

#define BUILD_EXIT_FAILED 1 /* docker build's status for a failed build */

struct build {
	const char *dockerfile, *cgroup_parent;
	int ctx_fd;
	bool no_cache, quiet;
	char **build_args; /* --build-arg K=V */
	char tmp[4096];
	char hutch[PATH_MAX];	      /* the hutch program RUN starts containers with */
	char image[IMAGE_ID_HEX + 1]; /* the image so far; "" for scratch */
	struct json_object *cfg;      /* its config document */
	char **meta;		      /* ARGs before the first FROM, with values */
	char **args;		      /* the stage's ARGs, with values */
	char **ignore;		      /* .dockerignore's patterns */
	bool cmd_set;		      /* CMD given in this stage (ENTRYPOINT keeps it) */
	size_t step, n_steps;	      /* the step being built (from 1), of how many */
};

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
	interrupted = sig;
}

/* A config document of no layers (FROM scratch). */
static struct json_object *scratch_config(void)
{
	struct json_object *doc = json_object_new_object(), *c = json_object_new_object(),
			   *env = json_object_new_array(), *rootfs = json_object_new_object();
	json_object_object_add(doc, "architecture", json_object_new_string("amd64"));
	json_object_object_add(doc, "os", json_object_new_string("linux"));
	json_object_array_add(env, json_object_new_string("PATH=" HUTCH_DEFAULT_PATH));
	json_object_object_add(c, "Env", env);
	json_object_object_add(doc, "config", c);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", json_object_new_array());
	json_object_object_add(doc, "rootfs", rootfs);
	json_object_object_add(doc, "history", json_object_new_array());
	return doc;
}

/* The "config" object of the document, made when missing. */
static struct json_object *cfg_section(struct build *b)
{
	struct json_object *c;
	if (!json_object_object_get_ex(b->cfg, "config", &c) ||
	    !json_object_is_type(c, json_type_object)) {
		c = json_object_new_object();
		json_object_object_add(b->cfg, "config", c);
	}
	return c;
}

static int use_image(struct build *b, const char *id, struct hutch_error *err)
{
	char p[4096];
	_cleanup_free_ char *text = NULL;
	size_t len;
	store_path(p, sizeof(p), "blobs/sha256/%s", id);
	int r = hutch_read_file(p, 16 << 20, &text, &len);
	if (r < 0)
		return hutch_error_setsys(err, -r, "read the config of sha256:%s", id);
	struct json_object *cfg = json_tokener_parse(text);
	if (!cfg)
		return hutch_error_set(err, EBADMSG, "the config of sha256:%s is not JSON", id);
	json_object_put(b->cfg);
	b->cfg = cfg;
	memcpy(b->image, id, IMAGE_ID_HEX + 1);
	/* until the build ends, an image prune keeps it (untagged as it is) */
	if ((r = store_lease(b->tmp, id)) < 0)
		return hutch_error_setsys(err, -r, "lease sha256:%s", id);
	return 0;
}

/* The image's layers as a lowerdir ("" for none). */
static void lowerdirs(const struct build *b, char *buf, size_t size)
{
	struct image_record rec;
	buf[0] = '\0';
	if (b->image[0] && store_image_read(b->image, &rec) == 0) {
		if (store_image_lowerdirs(&rec, buf, size) < 0)
			buf[0] = '\0';
		image_record_free(&rec);
	}
}

/* The variables $NAME expands from: the stage's ARGs, then the image's Env (which wins). */
static char **expansion_vars(struct build *b)
{
	char **v = NULL;
	struct json_object *env;
	for (size_t i = 0; b->args && b->args[i]; i++)
		strv_push(&v, b->args[i]);
	if (json_object_object_get_ex(cfg_section(b), "Env", &env) &&
	    json_object_is_type(env, json_type_array))
		for (size_t i = 0; i < json_object_array_length(env); i++)
			strv_push(&v, json_object_get_string(json_object_array_get_idx(env, i)));
	return v;
}

/* ---- the cache ---- */

static void cache_key(const struct build *b, const struct build_step *st, const char *inputs,
		      char key[IMAGE_ID_HEX + 1])
{
	struct sha256 h;
	if (sha256_init(&h) < 0) {
		key[0] = '\0';
		return;
	}
	sha256_update(&h, b->image[0] ? b->image : "scratch", strlen(b->image) + 8);
	sha256_update(&h, st->text, strlen(st->text) + 1);
	for (size_t i = 0; b->args && b->args[i]; i++)
		sha256_update(&h, b->args[i], strlen(b->args[i]) + 1);
	sha256_update(&h, inputs, strlen(inputs) + 1);
	sha256_final(&h, key);
}

/* The image a step with this key made before, if it is still whole in the store. */
static bool cache_lookup(const struct build *b, const char *key, char id[IMAGE_ID_HEX + 1])
{
	char p[4096];
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct image_record rec;
	if (b->no_cache || !key[0])
		return false;
	store_path(p, sizeof(p), "build-cache/%s", key);
	if (hutch_read_file(p, 256, &text, &len) < 0 || len < IMAGE_ID_HEX)
		return false;
	snprintf(id, IMAGE_ID_HEX + 1, "%.*s", IMAGE_ID_HEX, text);
	if (!image_is_id(id) || store_image_read(id, &rec) < 0)
		return false;
	bool whole = true;
	for (size_t i = 0; i < rec.n_layers; i++)
		whole &= store_has_layer(rec.layers[i].diff_id);
	image_record_free(&rec);
	return whole;
}

static void cache_store(const char *key, const char *id)
{
	char p[4096], line[IMAGE_ID_HEX + 2];
	if (!key[0] || store_path(p, sizeof(p), "build-cache") < 0)
		return;
	mkdir(p, 0700);
	store_path(p, sizeof(p), "build-cache/%s", key);
	snprintf(line, sizeof(line), "%s\n", id);
	hutch_write_file_atomic(p, line, strlen(line), 0600);
}

/* Marks id as an intermediate image (hutch images lists those with -a only), or not. */
static void mark_step(const char *id, bool on)
{
	char p[4096];
	if (store_path(p, sizeof(p), "build-cache/steps") < 0)
		return;
	if (on)
		hutch_mkdir_p(p, 0700);
	store_path(p, sizeof(p), "build-cache/steps/%s", id);
	if (!on)
		unlink(p);
	else
		close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

/* A cache hit: the step's image is the one made before. */
static int cache_hit(struct build *b, const char *id, struct hutch_error *err)
{
	if (!b->quiet)
		printf(" ---> Using cache\n");
	return use_image(b, id, err);
}

/* ---- landing a step's image ---- */

/*
 * The config as it is now, over the image's layers and top (a new layer, or
 * NULL for a config-only step), lands as the step's image. timeless: no
 * dates in it, so the same inputs make the same image id.
 */
static int land_step(struct build *b, struct land_layer *top, const char *created_by, bool timeless,
		     struct hutch_error *err)
{
	struct image_record parent = {0};
	int r;
	if (b->image[0] && (r = store_image_read(b->image, &parent)) < 0)
		return hutch_error_setsys(err, -r, "read image sha256:%s", b->image);
	struct land_layer *ll = calloc(parent.n_layers + 1, sizeof(*ll));
	if (!ll) {
		image_record_free(&parent);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	size_t n = land_layers_of(&parent, ll);
	image_record_free(&parent);
	struct json_object *rootfs, *ids, *hist, *h = json_object_new_object();
	if (top) {
		char d[80];
		ll[n++] = *top;
		snprintf(d, sizeof(d), "sha256:%s", top->hex);
		if (json_object_object_get_ex(b->cfg, "rootfs", &rootfs) &&
		    json_object_object_get_ex(rootfs, "diff_ids", &ids))
			json_object_array_add(ids, json_object_new_string(d));
	}
	char when[64];
	format_time(hutch_wall_ns(), when, sizeof(when));
	if (!timeless) {
		json_object_object_add(b->cfg, "created", json_object_new_string(when));
		json_object_object_add(h, "created", json_object_new_string(when));
	}
	json_object_object_add(h, "created_by", json_object_new_string(created_by));
	if (!top)
		json_object_object_add(h, "empty_layer", json_object_new_boolean(true));
	if (!json_object_object_get_ex(b->cfg, "history", &hist)) {
		hist = json_object_new_array();
		json_object_object_add(b->cfg, "history", hist);
	}
	json_object_array_add(hist, h);
	const char *config = json_object_to_json_string_ext(
		b->cfg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct image_land in = image_land_init(b->tmp, config, ll, n, NULL);
	struct progress prog;
	progress_init(&prog, true);
	char id[IMAGE_ID_HEX + 1];
	r = image_land(&in, &prog, id, err);
	free(ll);
	if (r < 0)
		return r;
	mark_step(id, true);
	return use_image(b, id, err);
}

/* The size of a step layer's blob and unpacked-directory paths. */
#define STEP_PATH_MAX 4200

/* Packs src as the step's layer: its blob and unpacked directory in b->tmp. */
static int pack_step(struct build *b, const char *src, struct land_layer *top,
		     char blob[STEP_PATH_MAX], char dir[STEP_PATH_MAX], struct hutch_error *err)
{
	char name[32], what[64];
	struct progress prog;
	snprintf(name, sizeof(name), "s%zu", b->step);
	progress_init(&prog, b->quiet);
	snprintf(what, sizeof(what), "step %zu/%zu layer", b->step, b->n_steps);
	return layer_from_dir(src, b->tmp, name, top, blob, STEP_PATH_MAX, dir, STEP_PATH_MAX,
			      &prog, what, err);
}

/* Packs the staged directory as the step's layer and lands it. */
static int land_stage(struct build *b, const char *stage, const char *created_by, bool timeless,
		      struct hutch_error *err)
{
	char blob[STEP_PATH_MAX], dir[STEP_PATH_MAX];
	struct land_layer top = {0};
	int r = pack_step(b, stage, &top, blob, dir, err);
	if (r == 0)
		r = land_step(b, &top, created_by, timeless, err);
	unlink(blob);
	store_rm_rf(dir);
	return r;
}

/* A fresh staging directory for the step's layer. */
static int new_stage(struct build *b, char *buf, size_t size, struct hutch_error *err)
{
	snprintf(buf, size, "%s/stage%zu", b->tmp, b->step);
	if (mkdir(buf, 0755) < 0)
		return hutch_error_setsys(err, errno, "mkdir %s", buf);
	return 0;
}

/* ---- the instructions ---- */

static int step_from(struct build *b, const struct build_step *st, struct hutch_error *err)
{
	_cleanup_strv_free_ char **w = NULL;
	if (build_words(st->args, b->meta, true, &w) < 0 || !w[0] ||
	    (w[1] && (strcasecmp(w[1], "AS") != 0 || !w[2] || w[3])))
		return hutch_error_set(err, EINVAL, "FROM IMAGE [AS NAME]");
	strv_free(b->args);
	b->args = NULL;
	b->cmd_set = false;
	b->image[0] = '\0';
	json_object_put(b->cfg);
	b->cfg = scratch_config();
	if (strcmp(w[0], "scratch") == 0)
		return 0;
	char id[IMAGE_ID_HEX + 1], dir[4096];
	struct stat sb;
	if (store_image_find(w[0], id) == 0)
		return use_image(b, id, err);
	if (!image_is_dir_image(w[0]) || store_path(dir, sizeof(dir), "%s", w[0]) < 0 ||
	    stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return hutch_error_set(err, ENOENT, "image '%s' not found", w[0]);
	/* a directory image (busybox): its tree is the base layer; its command sh, as run's */
	struct json_object *cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string("sh"));
	json_object_object_add(cfg_section(b), "Cmd", cmd);
	char created[600];
	snprintf(created, sizeof(created), "hutch: the directory image %s", w[0]);
	return land_stage(b, dir, created, true, err);
}

/* ENV and LABEL: KEY=VALUE... or the old KEY VALUE; into pairs (K, V, K, V, ...). */
static int key_values(struct build *b, const struct build_step *st, char ***ret,
		      struct hutch_error *err)
{
	_cleanup_strv_free_ char **vars = expansion_vars(b), **w = NULL;
	if (build_words(st->args, vars, true, &w) < 0 || !w[0])
		return hutch_error_set(err, EINVAL, "bad quoting or ${...}");
	if (!strchr(w[0], '=')) {
		const char *rest = st->args + strcspn(st->args, " \t");
		_cleanup_strv_free_ char **v = NULL;
		rest += strspn(rest, " \t");
		if (!rest[0] || build_words(rest, vars, false, &v) < 0)
			return hutch_error_set(err, EINVAL, "KEY=VALUE or KEY VALUE");
		strv_push(ret, w[0]);
		return strv_push(ret, v[0] ? v[0] : "");
	}
	for (size_t i = 0; w[i]; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i])
			return hutch_error_set(err, EINVAL, "'%s' is not KEY=VALUE", w[i]);
		*eq = '\0';
		strv_push(ret, w[i]);
		strv_push(ret, eq + 1);
	}
	return 0;
}

static void env_set(struct json_object *c, const char *k, const char *v)
{
	struct json_object *env, *n = json_object_new_array();
	char kv[8192];
	size_t klen = strlen(k);
	if (json_object_object_get_ex(c, "Env", &env) && json_object_is_type(env, json_type_array))
		for (size_t i = 0; i < json_object_array_length(env); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(env, i));
			if (e && !(strncmp(e, k, klen) == 0 && e[klen] == '='))
				json_object_array_add(n, json_object_new_string(e));
		}
	snprintf(kv, sizeof(kv), "%s=%s", k, v);
	json_object_array_add(n, json_object_new_string(kv));
	json_object_object_add(c, "Env", n);
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* ENTRYPOINT and CMD: the exec form as it is, the shell form under /bin/sh -c. */
static struct json_object *command_json(const struct build_step *st)
{
	if (st->exec)
		return strv_json(st->exec);
	char *sh[] = {(char *)"/bin/sh", (char *)"-c", st->args, NULL};
	return strv_json(sh);
}

/* One word of the step, its variables expanded. */
static int one_word(struct build *b, const struct build_step *st, char *buf, size_t size,
		    struct hutch_error *err)
{
	_cleanup_strv_free_ char **vars = expansion_vars(b), **w = NULL;
	if (build_words(st->args, vars, false, &w) < 0 || !w[0] || !w[0][0])
		return hutch_error_set(err, EINVAL, "bad quoting or ${...}");
	snprintf(buf, size, "%s", w[0]);
	return 0;
}

/* WORKDIR: relative to the one before; made (as a layer) when the image lacks it. */
static int step_workdir(struct build *b, const struct build_step *st, struct hutch_error *err)
{
	char dir[2048], full[4200], rel[4096], lower[4096], p[4096], stage[4200];
	struct json_object *c = cfg_section(b), *old;
	int r = one_word(b, st, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	const char *base =
		json_object_object_get_ex(c, "WorkingDir", &old) ? json_object_get_string(old) : "";
	snprintf(full, sizeof(full), "%s/%s", dir[0] == '/' || !base ? "" : base, dir);
	if (image_clean_path(full, rel, sizeof(rel)) < 0)
		return hutch_error_set(err, EPERM, "'..' in %s", dir);
	snprintf(full, sizeof(full), "/%s", rel);
	json_object_object_add(c, "WorkingDir", json_object_new_string(full));
	lowerdirs(b, lower, sizeof(lower));
	if (!rel[0] || (lower[0] && layers_find(lower, rel, p, sizeof(p)) == 0))
		return land_step(b, NULL, st->text, false, err);
	if ((r = new_stage(b, stage, sizeof(stage), err)) < 0 ||
	    (r = build_stage_mkdirs(stage, lower, rel, err)) < 0)
		return r;
	return land_stage(b, stage, st->text, false, err);
}

/* EXPOSE 80 443/tcp 53/udp: ExposedPorts, "/tcp" when no protocol is given. */
static int step_expose(struct build *b, const struct build_step *st, struct json_object *c,
		       struct hutch_error *err)
{
	_cleanup_strv_free_ char **vars = expansion_vars(b), **w = NULL;
	struct json_object *ports;
	if (build_words(st->args, vars, true, &w) < 0)
		return hutch_error_set(err, EINVAL, "bad quoting or ${...}");
	if (!json_object_object_get_ex(c, "ExposedPorts", &ports) ||
	    !json_object_is_type(ports, json_type_object)) {
		ports = json_object_new_object();
		json_object_object_add(c, "ExposedPorts", ports);
	}
	for (size_t i = 0; w[i]; i++) {
		char port[64], *end;
		unsigned long n = strtoul(w[i], &end, 10);
		if (n == 0 || n > 65535 || (*end && strcmp(end, "/tcp") && strcmp(end, "/udp")))
			return hutch_error_set(err, EINVAL, "'%s' is not PORT[/tcp|/udp]", w[i]);
		snprintf(port, sizeof(port), "%lu%s", n, *end ? end : "/tcp");
		json_object_object_add(ports, port, json_object_new_object());
	}
	return 0;
}

/* The instructions that change the config only (and WORKDIR, which may add a directory). */
static int step_config(struct build *b, const struct build_step *st, struct hutch_error *err)
{
	struct json_object *c = cfg_section(b), *o;
	_cleanup_strv_free_ char **kv = NULL;
	char word[2048];
	int r = 0;
	switch (st->op) {
	case BUILD_ENV:
	case BUILD_LABEL:
		if ((r = key_values(b, st, &kv, err)) < 0)
			return r;
		if (st->op == BUILD_LABEL && (!json_object_object_get_ex(c, "Labels", &o) ||
					      !json_object_is_type(o, json_type_object))) {
			o = json_object_new_object();
			json_object_object_add(c, "Labels", o);
		}
		for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2) {
			if (st->op == BUILD_ENV)
				env_set(c, kv[i], kv[i + 1]);
			else
				json_object_object_add(o, kv[i], json_object_new_string(kv[i + 1]));
		}
		break;
	case BUILD_USER:
	case BUILD_STOPSIGNAL:
		if ((r = one_word(b, st, word, sizeof(word), err)) < 0)
			return r;
		json_object_object_add(c, st->op == BUILD_USER ? "User" : "StopSignal",
				       json_object_new_string(word));
		break;
	case BUILD_ENTRYPOINT:
		json_object_object_add(c, "Entrypoint", command_json(st));
		if (!b->cmd_set)
			json_object_object_add(c, "Cmd", NULL);
		break;
	case BUILD_CMD:
		json_object_object_add(c, "Cmd", command_json(st));
		b->cmd_set = true;
		break;
	case BUILD_EXPOSE:
		r = step_expose(b, st, c, err);
		break;
	default:
		return step_workdir(b, st, err);
	}
	return r < 0 ? r : land_step(b, NULL, st->text, false, err);
}

/* ARG NAME[=DEFAULT]...: --build-arg's value, else the default; before FROM, for FROM only. */
static int step_arg(struct build *b, const struct build_step *st, bool before_from,
		    struct hutch_error *err)
{
	char **vars = before_from ? NULL : expansion_vars(b);
	_cleanup_strv_free_ char **w = NULL;
	int r = build_words(st->args, before_from ? b->meta : vars, true, &w);
	strv_free(vars);
	if (r < 0)
		return hutch_error_set(err, EINVAL, "bad quoting or ${...}");
	for (size_t i = 0; w[i] && r == 0; i++) {
		char *eq = strchr(w[i], '=');
		if (eq)
			*eq = '\0';
		const char *given = build_var(b->build_args, w[i]);
		const char *meta = before_from ? NULL : build_var(b->meta, w[i]);
		const char *v = given ? given : eq ? eq + 1 : meta;
		if (v)
			r = build_var_set(before_from ? &b->meta : &b->args, w[i], v);
	}
	return r < 0 ? hutch_error_set(err, ENOMEM, "out of memory") : 0;
}

/* Runs hutch with argv, its output ours (or none with -q); its exit status. */
static int run_hutch(struct build *b, char **argv, bool quiet)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		if (quiet) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(b->hutch, argv);
		fprintf(stderr, "hutch build: run %s: %s\n", b->hutch, strerror(errno));
		_exit(127);
	}
	int status;
	bool told = false;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (interrupted && !told) {
			kill(pid, SIGTERM);
			told = true;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void remove_container(struct build *b, const char *name)
{
	char *argv[] = {b->hutch,     (char *)"--root", (char *)hutch_globals.root,
			(char *)"rm", (char *)"-f",	(char *)name,
			NULL};
	run_hutch(b, argv, true);
}

/* Removes the RUN containers of builds that died (SIGKILL) before they could (hutch-build-<pid>-N). */
static void sweep_dead_builds(struct build *b)
{
	struct hutch_state *sts = NULL;
	size_t n = 0;
	if (hutch_state_list(hutch_globals.root, &sts, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		long pid;
		if (sscanf(sts[i].name, "hutch-build-%ld-", &pid) == 1 && pid > 0 &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			remove_container(b, sts[i].name);
	}
	hutch_state_list_free(sts, n);
}

/* The command line of `hutch run` for a RUN step. */
static int run_argv(struct build *b, const struct build_step *st, const char *name, char ***ret)
{
	char **a = NULL;
	int r = 0;
	const char *fixed[] = {b->hutch, "--root", hutch_globals.root, "run",
			       "--name", name,	   "--entrypoint",     ""};
	for (size_t i = 0; i < ARRAY_SIZE(fixed) && r == 0; i++)
		r = strv_push(&a, fixed[i]);
	if (b->cgroup_parent && r == 0 && (r = strv_push(&a, "--cgroup-parent")) == 0)
		r = strv_push(&a, b->cgroup_parent);
	/* build arguments are the command's environment, below the image's Env */
	struct json_object *env = NULL;
	json_object_object_get_ex(cfg_section(b), "Env", &env);
	for (size_t i = 0; b->args && b->args[i] && r == 0; i++) {
		size_t k = strcspn(b->args[i], "=");
		bool in_env = false;
		for (size_t j = 0; env && j < json_object_array_length(env); j++) {
			const char *e = json_object_get_string(json_object_array_get_idx(env, j));
			in_env |= e && strncmp(e, b->args[i], k + 1) == 0;
		}
		if (!in_env && (r = strv_push(&a, "-e")) == 0)
			r = strv_push(&a, b->args[i]);
	}
	if (r == 0)
		r = strv_push(&a, b->image);
	char *sh[] = {(char *)"/bin/sh", (char *)"-c", st->args, NULL};
	char **cmd = st->exec ? st->exec : sh;
	for (size_t i = 0; cmd[i] && r == 0; i++)
		r = strv_push(&a, cmd[i]);
	if (r < 0) {
		strv_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

/* RUN: a container over the image; its read-write layer becomes the step's layer. */
static int step_run(struct build *b, const struct build_step *st, struct hutch_error *err)
{
	if (!b->image[0])
		return hutch_error_set(err, ENOENT,
				       "RUN needs an image below it (FROM scratch has "
				       "no shell)");
	char name[64], blob[STEP_PATH_MAX], dir[STEP_PATH_MAX], upper[4300];
	snprintf(name, sizeof(name), "hutch-build-%d-%zu", (int)getpid(), b->step);
	_cleanup_strv_free_ char **argv = NULL;
	if (run_argv(b, st, name, &argv) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	if (!b->quiet)
		printf(" ---> Running in %s\n", name);
	int code = run_hutch(b, argv, b->quiet);
	if (code != 0) {
		remove_container(b, name);
		if (interrupted)
			return hutch_error_set(err, EINTR, "interrupted");
		return hutch_error_set(err, ECHILD, "the command returned a non-zero code: %d",
				       code);
	}
	struct hutch_state cst;
	hutch_state_init(&cst);
	int r = hutch_state_find(hutch_globals.root, name, &cst);
	if (r < 0) {
		hutch_state_free(&cst);
		remove_container(b, name);
		return hutch_error_setsys(err, -r, "container %s", name);
	}
	snprintf(upper, sizeof(upper), "%s/%s/upper", hutch_globals.root, cst.id);
	hutch_state_free(&cst);
	struct land_layer top = {0};
	r = pack_step(b, upper, &top, blob, dir, err);
	remove_container(b, name);
	if (r == 0) {
		_cleanup_free_ char *by = NULL;
		if (asprintf(&by, "%s%s", st->exec ? "" : "/bin/sh -c ", st->args) < 0)
			by = NULL;
		r = land_step(b, &top, by ? by : st->text, false, err);
	}
	unlink(blob);
	store_rm_rf(dir);
	return r;
}

/* COPY and ADD: the sources staged as a layer; the cache keyed by what they hold. */
static int step_copy(struct build *b, const struct build_step *st, struct hutch_error *err)
{
	char stage[4200], lower[4096], inputs[IMAGE_ID_HEX + 1], key[IMAGE_ID_HEX + 1],
		id[IMAGE_ID_HEX + 1];
	_cleanup_strv_free_ char **vars = expansion_vars(b), **w = NULL;
	int r = 0;
	for (size_t i = 0; st->exec && st->exec[i] && r == 0; i++) {
		_cleanup_strv_free_ char **one = NULL;
		if ((r = build_words(st->exec[i], vars, false, &one)) == 0)
			r = strv_push(&w, one[0] ? one[0] : "");
	}
	if (r < 0 || (!st->exec && build_words(st->args, vars, true, &w) < 0))
		return hutch_error_set(err, EINVAL, "bad quoting or ${...}");
	for (size_t i = 0; w[i]; i++)
		if (strncmp(w[i], "--from=", 7) == 0)
			return hutch_error_set(err, ENOTSUP,
					       "%s: multi-stage copies are not "
					       "supported",
					       w[i]);
	struct json_object *wd;
	lowerdirs(b, lower, sizeof(lower));
	if ((r = new_stage(b, stage, sizeof(stage), err)) < 0)
		return r;
	struct sha256 h;
	if (sha256_init(&h) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	struct build_copy c = {
		.ctx_fd = b->ctx_fd,
		.lower = lower,
		.stage = stage,
		.workdir = json_object_object_get_ex(cfg_section(b), "WorkingDir", &wd) &&
					   json_object_get_string(wd)
				   ? json_object_get_string(wd)
				   : "",
		.add = st->op == BUILD_ADD,
		.inputs = &h,
		.ignore = b->ignore,
	};
	r = build_copy(&c, w, err);
	sha256_final(&h, inputs);
	if (r == 0) {
		cache_key(b, st, inputs, key);
		if (cache_lookup(b, key, id))
			r = cache_hit(b, id, err);
		else if ((r = land_stage(b, stage, st->text, false, err)) == 0)
			cache_store(key, b->image);
	}
	store_rm_rf(stage);
	return r;
}

/* One step, through the cache but for FROM, ARG and COPY/ADD (which key by their inputs). */
static int run_step(struct build *b, const struct build_step *st, bool before_from,
		    struct hutch_error *err)
{
	char key[IMAGE_ID_HEX + 1], id[IMAGE_ID_HEX + 1];
	int r;
	switch (st->op) {
	case BUILD_FROM:
		return step_from(b, st, err);
	case BUILD_ARG:
		return step_arg(b, st, before_from, err);
	case BUILD_COPY:
	case BUILD_ADD:
		return step_copy(b, st, err);
	default:
		break;
	}
	cache_key(b, st, "", key);
	if (cache_lookup(b, key, id))
		return cache_hit(b, id, err);
	r = st->op == BUILD_RUN ? step_run(b, st, err) : step_config(b, st, err);
	if (r == 0)
		cache_store(key, b->image);
	return r;
}

static int run_file(struct build *b, const struct build_file *f)
{
	bool before_from = true;
	b->n_steps = f->n;
	for (size_t i = 0; i < f->n; i++) {
		const struct build_step *st = &f->steps[i];
		struct hutch_error err = {0};
		b->step = i + 1;
		if (!b->quiet)
			printf("Step %zu/%zu : %s\n", i + 1, f->n, st->text);
		if (st->op == BUILD_FROM)
			before_from = false;
		int r = interrupted ? hutch_error_set(&err, EINTR, "interrupted")
				    : run_step(b, st, before_from, &err);
		if (r < 0) {
			fflush(stdout);
			fprintf(stderr, "hutch build: %s: line %u: %.60s%s: %s\n", b->dockerfile,
				st->line, st->text, strlen(st->text) > 60 ? "..." : "", err.msg);
			return BUILD_EXIT_FAILED;
		}
		if (!b->quiet && b->image[0])
			printf(" ---> %.12s\n", b->image);
	}
	if (!b->image[0]) {
		fprintf(stderr,
			"hutch build: %s: the build made no image (FROM scratch and "
			"nothing else)\n",
			b->dockerfile);
		return BUILD_EXIT_FAILED;
	}
	return 0;
}

static void find_hutch(struct build *b)
{
	const char *env = getenv("HUTCH_PROG");
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	snprintf(b->hutch, sizeof(b->hutch), "%s", env && env[0] ? env : "/usr/bin/hutch");
	if ((!env || !env[0]) && n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(b->hutch, sizeof(b->hutch), "%.4000s/hutch", self);
		}
	}
}

static int build_usage(void)
{
	printf("Usage: hutch build [-t NAME[:TAG]]... [-f DOCKERFILE] [--build-arg K=V]... "
	       "[--no-cache] [-q] DIR\n\n"
	       "Build an image from a Dockerfile; DIR is the build context.\n\n"
	       "  -t, --tag NAME           name the image (more than once for several)\n"
	       "  -f, --file FILE          the Dockerfile (default DIR/Dockerfile)\n"
	       "  --build-arg K=V          a value for an ARG\n"
	       "  --no-cache               run every step (the cache is not read)\n"
	       "  --cgroup-parent PATH     the RUN containers' cgroup parent\n"
	       "  -q, --quiet              print the image id only\n\n"
	       "Exit status: 0 built, 1 the build failed (the line says why), 125 bad flags.\n");
	return 0;
}

/* The image's tags and what the build prints last. */
static int finish(struct build *b, char **tags)
{
	mark_step(b->image, false); /* the result is an image of its own, named or not */
	for (size_t i = 0; tags && tags[i]; i++) {
		char old[IMAGE_ID_HEX + 1];
		int r = store_tag(tags[i], b->image, old);
		if (r < 0) {
			fprintf(stderr, "hutch build: tag %s: %s\n", tags[i], strerror(-r));
			return BUILD_EXIT_FAILED;
		}
	}
	if (b->quiet) {
		printf("sha256:%s\n", b->image);
		return 0;
	}
	printf("Successfully built %.12s\n", b->image);
	for (size_t i = 0; tags && tags[i]; i++)
		printf("Successfully tagged %s\n", tags[i]);
	return 0;
}

/* Reads and parses the Dockerfile, then runs it in a work directory of the store. */
static int build(struct build *b, const char *context, char **tags)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct hutch_error err = {0};
	struct build_file f = {0};
	int r = hutch_read_file(b->dockerfile, 1 << 20, &text, &len);
	if (r < 0)
		return hutch_fail("build", "read %s: %s", b->dockerfile, strerror(-r));
	if (build_parse(text, &f, &err) < 0) {
		fprintf(stderr, "hutch build: %s: %s\n", b->dockerfile, err.msg);
		return BUILD_EXIT_FAILED;
	}
	b->ctx_fd = open(context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->ctx_fd < 0) {
		build_file_free(&f);
		return hutch_fail("build", "the context %s: %s", context, strerror(errno));
	}
	_cleanup_free_ char *ign = NULL;
	if (hutch_read_file_at(b->ctx_fd, ".dockerignore", 1 << 20, &ign, &len) == 0 &&
	    build_ignore_parse(ign, &b->ignore) < 0) {
		build_file_free(&f);
		close(b->ctx_fd);
		return hutch_fail("build", "out of memory");
	}
	if (store_init(&err) < 0 || store_tmpdir("build", b->tmp, sizeof(b->tmp), &err) < 0) {
		build_file_free(&f);
		close(b->ctx_fd);
		return hutch_fail("build", "%s", err.msg);
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sweep_dead_builds(b);
	r = run_file(b, &f);
	if (r == 0)
		r = finish(b, tags);
	store_rm_rf(b->tmp);
	build_file_free(&f);
	close(b->ctx_fd);
	return r;
}

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tag", required_argument, NULL, 't'},
		{"file", required_argument, NULL, 'f'},
		{"build-arg", required_argument, NULL, 'a'},
		{"no-cache", no_argument, NULL, 'n'},
		{"cgroup-parent", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct build b = {.ctx_fd = -1};
	_cleanup_strv_free_ char **tags = NULL;
	char norm[300], dockerfile[4200];
	int ch, r = 0;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+t:f:qh", opts, NULL)) != -1 && r == 0) {
		switch (ch) {
		case 't':
			if (image_ref_normalize(optarg, norm, sizeof(norm)) < 0 ||
			    strchr(norm, '@'))
				return hutch_fail("build", "-t '%s': not an image name", optarg);
			r = strv_push(&tags, norm);
			break;
		case 'f':
			b.dockerfile = optarg;
			break;
		case 'a':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return hutch_fail("build", "--build-arg '%s': KEY=VALUE", optarg);
			r = strv_push(&b.build_args, optarg);
			break;
		case 'n':
			b.no_cache = true;
			break;
		case 'c':
			b.cgroup_parent = optarg;
			break;
		case 'q':
			b.quiet = true;
			break;
		case 'h':
			return build_usage();
		default:
			return VERB_BAD_FLAG("build", argv);
		}
	}
	if (r < 0)
		return hutch_fail("build", "out of memory");
	if (optind + 1 != argc)
		return hutch_fail("build", "usage: hutch build [-t NAME] [-f DOCKERFILE] DIR");
	if (!b.dockerfile) {
		snprintf(dockerfile, sizeof(dockerfile), "%s/Dockerfile", argv[optind]);
		b.dockerfile = dockerfile;
	}
	find_hutch(&b);
	r = build(&b, argv[optind], tags);
	json_object_put(b.cfg);
	strv_free(b.build_args);
	strv_free(b.meta);
	strv_free(b.args);
	strv_free(b.ignore);
	return r;
}
