// SPDX-License-Identifier: MIT
/*
 * hutch rmi: untag images and delete those no name is left on; an image a
 * container stacks is refused unless forced (its layers stay as long as the
 * container does). Unreferenced layers and blobs go with it.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_cmd.h"
#include "verb.h"

/* The refs pointing at id (normalized names), up to max. */
static size_t refs_of(struct json_object *refs, const char *id, const char **ret, size_t max)
{
	char want[80];
	size_t n = 0;
	snprintf(want, sizeof(want), "sha256:%s", id);
	json_object_object_foreach (refs, key, val) {
		if (strcmp(json_object_get_string(val), want) == 0 && n < max)
			ret[n++] = key;
	}
	return n;
}

static int rmi_dir_image(const char *name, const char *dir, bool force)
{
	struct hutch_state *sts = NULL;
	size_t n = 0;
	if (hutch_state_list(hutch_globals.root, &sts, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(sts[i].rootfs, dir) == 0 && !force) {
				int rc = hutch_fail("rmi",
						    "image %s is used by container %s (hutch rm it "
						    "first, or -f)",
						    name, sts[i].name[0] ? sts[i].name : sts[i].id);
				hutch_state_list_free(sts, n);
				return rc;
			}
		}
		hutch_state_list_free(sts, n);
	}
	if (store_rm_rf(dir) < 0)
		return hutch_fail("rmi", "remove %s: %s", dir, strerror(errno));
	printf("Deleted: %s\n", name);
	return 0;
}

static int rmi_one(const char *name, bool force)
{
	char id[IMAGE_ID_HEX + 1], dir[4096];
	struct stat sb;
	if (image_is_dir_image(name) &&
	    snprintf(dir, sizeof(dir), "%s/%s", image_store_dir(), name) > 0 &&
	    stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return rmi_dir_image(name, dir, force);
	int r = store_image_find(name, id);
	if (r == -ENOTUNIQ)
		return hutch_fail("rmi", "'%s' matches more than one image id", name);
	if (r < 0)
		return hutch_fail("rmi", "no such image: %s", name);
	struct image_record rec;
	if ((r = store_image_read(id, &rec)) < 0)
		return hutch_fail("rmi", "read image %.12s: %s", id, strerror(-r));
	_cleanup_close_ int lock = store_lock();
	struct json_object *refs = NULL;
	if (lock < 0 || store_refs_load(&refs) < 0) {
		image_record_free(&rec);
		return hutch_fail("rmi", "read the image store's names");
	}
	const char *names[256];
	size_t n = refs_of(refs, id, names, ARRAY_SIZE(names));
	char norm[300];
	bool by_ref = !image_is_id(name) && image_ref_normalize(name, norm, sizeof(norm)) == 0 &&
		      json_object_object_get_ex(refs, norm, NULL);
	int code = 0;
	char user[200] = "";
	int users = store_layer_users(&rec, user, sizeof(user));
	if (by_ref && n > 1) {
		/* one name of several: only that name goes */
		json_object_object_del(refs, norm);
		if (store_refs_save(refs) < 0)
			code = hutch_fail("rmi", "write the image store's names");
		else
			printf("Untagged: %s\n", norm);
		goto out;
	}
	if (users && !force) {
		code = hutch_fail("rmi",
				  "image %s (%.12s) is used by container %s (hutch rm it first, "
				  "or -f)",
				  name, id, user);
		goto out;
	}
	if (!by_ref && n > 1 && !force) {
		code = hutch_fail("rmi", "image %.12s has %zu names (rmi each, or -f)", id, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		printf("Untagged: %s\n", names[i]);
	for (size_t i = 0; i < n; i++)
		json_object_object_del(refs, names[i]); /* names[] point into refs: last */
	char p[4096];
	if (store_refs_save(refs) < 0 || store_path(p, sizeof(p), "images/%s.json", id) < 0 ||
	    unlink(p) < 0) {
		code = hutch_fail("rmi", "remove image %.12s: %s", id, strerror(errno));
		goto out;
	}
	printf("Deleted: sha256:%s\n", id);
out:
	json_object_put(refs);
	image_record_free(&rec);
	return code;
}

int cmd_rmi(int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool force = false;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: hutch rmi [-f] IMAGE...\n\n"
			       "Remove images (a name: that name; the last name or an id: the "
			       "image).\n"
			       "  -f, --force   also an image a container uses, or one with "
			       "several names\n");
			return 0;
		default:
			return VERB_BAD_FLAG("rmi", argv);
		}
	}
	if (optind >= argc)
		return hutch_fail("rmi", "name at least one IMAGE");
	int code = 0;
	for (int i = optind; i < argc; i++)
		if (rmi_one(argv[i], force) != 0)
			code = EXIT_RUNTIME;
	size_t removed;
	uint64_t freed;
	store_gc(false, &removed, &freed);
	return code;
}

int cmd_tag(int argc, char **argv)
{
	verb_getopt_reset();
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("Usage: hutch tag SOURCE TARGET\n\nName image SOURCE also TARGET.\n");
		return 0;
	}
	if (argc != 3)
		return hutch_fail("tag", "usage: hutch tag SOURCE TARGET");
	char id[IMAGE_ID_HEX + 1], norm[300], old[IMAGE_ID_HEX + 1];
	if (store_image_find(argv[1], id) < 0)
		return hutch_fail("tag", "no such image: %s", argv[1]);
	if (image_ref_normalize(argv[2], norm, sizeof(norm)) < 0 || strchr(norm, '@'))
		return hutch_fail("tag", "'%s' is not an image name", argv[2]);
	int r = store_tag(norm, id, old);
	if (r < 0)
		return hutch_fail("tag", "%s: %s", norm, strerror(-r));
	return 0;
}

static int inspect_one(const char *name, struct json_object *out)
{
	char id[IMAGE_ID_HEX + 1], p[4096];
	if (store_image_find(name, id) < 0)
		return -ENOENT;
	struct image_record rec;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = store_image_read(id, &rec);
	if (r < 0)
		return r;
	store_path(p, sizeof(p), "blobs/sha256/%s", id);
	if ((r = hutch_read_file(p, 16 << 20, &text, &len)) < 0) {
		image_record_free(&rec);
		return r;
	}
	struct json_object *cfg = json_tokener_parse(text), *o = json_object_new_object(), *v;
	struct json_object *refs = NULL, *tags = json_object_new_array(),
			   *layers = json_object_new_array();
	char buf[80];
	snprintf(buf, sizeof(buf), "sha256:%s", id);
	json_object_object_add(o, "Id", json_object_new_string(buf));
	if (store_refs_load(&refs) == 0) {
		const char *names[256];
		size_t n = refs_of(refs, id, names, ARRAY_SIZE(names));
		for (size_t i = 0; i < n; i++)
			json_object_array_add(tags, json_object_new_string(names[i]));
	}
	json_object_object_add(o, "RepoTags", tags);
	static const char *const copy[] = {"created", "architecture", "os", "author"};
	static const char *const as[] = {"Created", "Architecture", "Os", "Author"};
	for (size_t i = 0; i < ARRAY_SIZE(copy); i++)
		if (cfg && json_object_object_get_ex(cfg, copy[i], &v))
			json_object_object_add(o, as[i], json_object_get(v));
	if (cfg && json_object_object_get_ex(cfg, "config", &v))
		json_object_object_add(o, "Config", json_object_get(v));
	uint64_t size = 0;
	for (size_t i = 0; i < rec.n_layers; i++) {
		struct json_object *l = json_object_new_object();
		snprintf(buf, sizeof(buf), "sha256:%s", rec.layers[i].diff_id);
		json_object_object_add(l, "DiffID", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "sha256:%s", rec.layers[i].digest);
		json_object_object_add(l, "Digest", json_object_new_string(buf));
		json_object_object_add(l, "MediaType",
				       json_object_new_string(rec.layers[i].media_type));
		json_object_object_add(l, "Size",
				       json_object_new_int64((int64_t)rec.layers[i].size));
		json_object_array_add(layers, l);
		size += rec.layers[i].size;
	}
	struct json_object *rootfs = json_object_new_object();
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", layers);
	json_object_object_add(o, "RootFS", rootfs);
	json_object_object_add(o, "Size", json_object_new_int64((int64_t)size));
	json_object_array_add(out, o);
	json_object_put(refs);
	json_object_put(cfg);
	image_record_free(&rec);
	return 0;
}

int cmd_image_inspect(int argc, char **argv)
{
	verb_getopt_reset();
	if (argc < 2)
		return hutch_fail("image inspect", "name at least one IMAGE");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("Usage: hutch image inspect IMAGE...\n\nShow images as JSON.\n");
		return 0;
	}
	struct json_object *out = json_object_new_array();
	int code = 0;
	for (int i = 1; i < argc; i++)
		if (inspect_one(argv[i], out) < 0)
			code = hutch_fail("image inspect", "no such image: %s", argv[i]);
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	return code;
}

int cmd_image_prune(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("Usage: hutch image prune\n\n"
		       "Remove images without a name that no container uses, and every layer "
		       "and blob\nno image or container needs.\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-f") != 0 && strcmp(argv[1], "--force") != 0)
		return hutch_fail("image prune", "unexpected argument '%s'", argv[1]);
	size_t removed = 0;
	uint64_t freed = 0;
	int r = store_gc(true, &removed, &freed);
	if (r < 0)
		return hutch_fail("image prune", "%s", strerror(-r));
	printf("Deleted images: %zu\nTotal reclaimed space: %.1fMB\n", removed,
	       (double)freed / 1e6);
	return 0;
}

int cmd_image(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*main)(int, char **);
	} subs[] = {
		{"inspect", cmd_image_inspect},
		{"prune", cmd_image_prune},
		{"rm", cmd_rmi},
		{"load", cmd_load},
		{"save", cmd_save},
		{"import", cmd_import},
		{"tag", cmd_tag},
	};
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("Usage: hutch image COMMAND\n\nCommands: inspect, prune, rm, load, save, "
		       "import, tag (and `hutch images` lists them)\n");
		return argc < 2 ? EXIT_RUNTIME : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].main(argc - 1, argv + 1);
	return hutch_fail("image", "'%s' is not an image command (see hutch image --help)",
			  argv[1]);
}
