// SPDX-License-Identifier: MIT
/*
 * hutch commit: a container's read-write layer (its overlay upper directory)
 * becomes a new layer on top of its image's. The upper directory's overlay
 * whiteouts and opaque directories are written as .wh. entries, so the layer
 * means the same in any store. A directory image underneath is packed as a
 * base layer first. The running container is not paused: commit a stopped
 * one for a consistent layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_cmd.h"
#include "verb.h"

int layer_from_dir(const char *dir, const char *tmp, const char *name, struct land_layer *ret,
		   char *blob, size_t blob_size, char *unpacked, size_t unpacked_size,
		   struct progress *prog, const char *what, struct hutch_error *err)
{
	snprintf(blob, blob_size, "%s/%s.tar", tmp, name);
	snprintf(unpacked, unpacked_size, "%s/%s", tmp, name);
	_cleanup_close_ int fd = open(blob, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "create %s", blob);
	int r = layer_pack(dir, fd, ret->hex, &ret->size, err);
	if (r < 0)
		return hutch_error_wrap(err, "pack %s", dir);
	char fs[4300];
	snprintf(fs, sizeof(fs), "%s/fs", unpacked);
	if (mkdir(unpacked, 0700) < 0 || mkdir(fs, 0755) < 0)
		return hutch_error_setsys(err, errno, "mkdir %s", fs);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return hutch_error_setsys(err, errno, "seek %s", blob);
	struct unpack_result res = {0};
	if (prog)
		progress_begin(prog, what, ret->size);
	if ((r = layer_unpack(fd, fs, prog, &res, err)) < 0)
		return hutch_error_wrap(err, "unpack the new layer");
	if (prog)
		progress_end(prog, "committed");
	ret->path = blob;
	ret->unpacked = unpacked;
	snprintf(ret->media_type, sizeof(ret->media_type),
		 "application/vnd.oci.image.layer.v1.tar");
	return 0;
}

size_t land_layers_of(const struct image_record *rec, struct land_layer *ll)
{
	static char paths[IMAGE_MAX_LAYERS][4096];
	for (size_t i = 0; i < rec->n_layers && i < IMAGE_MAX_LAYERS; i++) {
		store_path(paths[i], sizeof(paths[i]), "blobs/sha256/%s", rec->layers[i].digest);
		ll[i].path = paths[i];
		memcpy(ll[i].hex, rec->layers[i].digest, IMAGE_ID_HEX + 1);
		memcpy(ll[i].expected_hex, rec->layers[i].digest, IMAGE_ID_HEX + 1);
		snprintf(ll[i].media_type, sizeof(ll[i].media_type), "%s",
			 rec->layers[i].media_type);
		ll[i].size = rec->layers[i].size;
	}
	return rec->n_layers;
}

/*
 * The new image's config: the parent's (pconfig, or a minimal one with a
 * directory image's command when NULL) with the layers from..n added to its
 * diff_ids and a history entry. malloc'd; NULL with err set.
 */
static char *commit_config(const char *pconfig, const struct land_layer *ll, size_t from, size_t n,
			   const char *message, struct hutch_error *err)
{
	struct json_object *cfg = pconfig ? json_tokener_parse(pconfig) : NULL, *rootfs, *diff_ids,
			   *hist;
	if (!cfg) {
		_cleanup_free_ char *fresh =
			image_make_config(NULL, 0, "base layer from a directory image");
		cfg = json_tokener_parse(fresh ? fresh : "{}");
		struct json_object *c, *cmd = json_object_new_array();
		/* a directory image's command, as hutch run gives it */
		json_object_array_add(cmd, json_object_new_string("sh"));
		if (cfg && json_object_object_get_ex(cfg, "config", &c))
			json_object_object_add(c, "Cmd", cmd);
		else
			json_object_put(cmd);
	}
	if (!json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &diff_ids)) {
		json_object_put(cfg);
		hutch_error_set(err, EBADMSG, "image config without rootfs.diff_ids");
		return NULL;
	}
	for (size_t i = from; i < n; i++) {
		char d[80];
		/* uncompressed tars: digest == diff_id for new layers */
		snprintf(d, sizeof(d), "sha256:%s", ll[i].hex);
		json_object_array_add(diff_ids, json_object_new_string(d));
	}
	char when[64];
	format_time(hutch_wall_ns(), when, sizeof(when));
	json_object_object_add(cfg, "created", json_object_new_string(when));
	if (!json_object_object_get_ex(cfg, "history", &hist)) {
		hist = json_object_new_array();
		json_object_object_add(cfg, "history", hist);
	}
	struct json_object *h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(when));
	json_object_object_add(h, "comment",
			       json_object_new_string(message ? message : "hutch commit"));
	json_object_array_add(hist, h);
	char *config = strdup(json_object_to_json_string_ext(
		cfg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(cfg);
	if (!config)
		hutch_error_set(err, ENOMEM, "out of memory");
	return config;
}

static int commit(const struct hutch_state *st, const char *name, const char *message,
		  const char *tmp, char ret_id[IMAGE_ID_HEX + 1], struct hutch_error *err)
{
	char upper[4200], pid[IMAGE_ID_HEX + 1];
	snprintf(upper, sizeof(upper), "%s/%s/upper", hutch_globals.root, st->id);
	struct stat sb;
	if (st->auto_remove || stat(upper, &sb) < 0)
		return hutch_error_set(err, ENOENT,
				       "container %s has no read-write layer to commit (run with "
				       "--rm?)",
				       st->name[0] ? st->name : st->id);
	struct image_record parent = {0};
	_cleanup_free_ char *pconfig = NULL, *config = NULL;
	struct land_layer *ll = NULL;
	char blobs[2][4200], dirs[2][4200];
	size_t n = 0;
	int r = 0;
	bool from_store = st->image[0] && store_image_find(st->image, pid) == 0;
	if (from_store) {
		char p[4096], lower[4096];
		size_t len;
		if ((r = store_image_read(pid, &parent)) < 0)
			return hutch_error_setsys(err, -r, "image %s", st->image);
		/* the image may have moved on: the container's own stack is what we commit over */
		if (store_image_lowerdirs(&parent, lower, sizeof(lower)) < 0 ||
		    strcmp(lower, st->rootfs) != 0) {
			r = hutch_error_set(
				err, ESTALE,
				"image %s is no longer the one container %s was made from",
				st->image, st->id);
			goto out;
		}
		store_path(p, sizeof(p), "blobs/sha256/%s", pid);
		if ((r = hutch_read_file(p, 16 << 20, &pconfig, &len)) < 0) {
			r = hutch_error_setsys(err, -r, "read %s", p);
			goto out;
		}
	}
	ll = calloc(parent.n_layers + 2, sizeof(*ll));
	if (!ll) {
		r = hutch_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	n = land_layers_of(&parent, ll);
	if (!from_store) {
		/* a directory image (or --rootfs): its tree is the base layer */
		if (strchr(st->rootfs, ':')) {
			r = hutch_error_set(err, ENOENT, "the image of container %s is gone",
					    st->id);
			goto out;
		}
		if ((r = layer_from_dir(st->rootfs, tmp, "base", &ll[n], blobs[0], sizeof(blobs[0]),
					dirs[0], sizeof(dirs[0]), NULL, NULL, err)) < 0)
			goto out;
		n++;
	}
	if ((r = layer_from_dir(upper, tmp, "top", &ll[n], blobs[1], sizeof(blobs[1]), dirs[1],
				sizeof(dirs[1]), NULL, NULL, err)) < 0)
		goto out;
	n++;
	/* the config: the image's (or a minimal one), its diff_ids and history grown */
	if (!(config = commit_config(pconfig, ll, parent.n_layers, n, message, err))) {
		r = -err->err;
		goto out;
	}
	struct image_land in = image_land_init(tmp, config, ll, n, &name);
	struct progress prog;
	progress_init(&prog, true);
	r = image_land(&in, &prog, ret_id, err);
out:
	free(ll);
	image_record_free(&parent);
	return r;
}

int cmd_commit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"message", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *message = NULL;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			message = optarg;
			break;
		case 'h':
			printf("Usage: hutch commit [-m MESSAGE] CONTAINER [NAME[:TAG]]\n\n"
			       "Make an image of a container: its changes as a new layer over its "
			       "image's.\n");
			return 0;
		default:
			return VERB_BAD_FLAG("commit", argv);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return hutch_fail("commit", "usage: hutch commit CONTAINER [NAME[:TAG]]");
	const char *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	char norm[300];
	if (name && (image_ref_normalize(name, norm, sizeof(norm)) < 0 || strchr(norm, '@')))
		return hutch_fail("commit", "'%s' is not an image name", name);
	struct hutch_state st;
	hutch_state_init(&st);
	int r = hutch_state_find(hutch_globals.root, argv[optind], &st);
	if (r < 0) {
		hutch_state_free(&st);
		return hutch_fail("commit", "no such container: %s", argv[optind]);
	}
	struct hutch_error err = {0};
	char tmp[4096], id[IMAGE_ID_HEX + 1];
	r = store_tmpdir("commit", tmp, sizeof(tmp), &err);
	if (r == 0)
		r = commit(&st, name, message, tmp, id, &err);
	store_rm_rf(tmp);
	hutch_state_free(&st);
	if (r < 0)
		return hutch_fail("commit", "%s: %s", argv[optind], err.msg);
	printf("sha256:%s\n", id);
	return 0;
}
