// SPDX-License-Identifier: MIT
/* hutch import: a root filesystem tarball (plain or compressed) as a one-layer image. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_cmd.h"
#include "verb.h"

/* A config for a layer made here: no defaults but what docker import gives. */
char *image_make_config(const char *const *diff_ids, size_t n, const char *comment)
{
	char when[64];
	format_time(hutch_wall_ns(), when, sizeof(when));
	struct json_object *doc = json_object_new_object(), *rootfs = json_object_new_object(),
			   *ids = json_object_new_array(), *hist = json_object_new_array(),
			   *h = json_object_new_object(), *cfg = json_object_new_object(),
			   *env = json_object_new_array();
	json_object_object_add(doc, "architecture", json_object_new_string("amd64"));
	json_object_object_add(doc, "os", json_object_new_string("linux"));
	json_object_object_add(doc, "created", json_object_new_string(when));
	json_object_array_add(env, json_object_new_string("PATH=" HUTCH_DEFAULT_PATH));
	json_object_object_add(cfg, "Env", env);
	json_object_object_add(doc, "config", cfg);
	for (size_t i = 0; i < n; i++) {
		char d[80];
		snprintf(d, sizeof(d), "sha256:%s", diff_ids[i]);
		json_object_array_add(ids, json_object_new_string(d));
	}
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(doc, "rootfs", rootfs);
	json_object_object_add(h, "created", json_object_new_string(when));
	json_object_object_add(h, "comment", json_object_new_string(comment));
	json_object_array_add(hist, h);
	json_object_object_add(doc, "history", hist);
	char *s = strdup(json_object_to_json_string_ext(
		doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return s;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool quiet = false;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch import [-q] TARBALL|- [NAME[:TAG]]\n\n"
			       "Make a one-layer image of a root filesystem tarball (plain, gzip, "
			       "zstd, xz).\n");
			return 0;
		default:
			return VERB_BAD_FLAG("import", argv);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return hutch_fail("import", "usage: hutch import TARBALL|- [NAME[:TAG]]");
	const char *input = argv[optind], *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	char norm[300];
	if (name && image_ref_normalize(name, norm, sizeof(norm)) < 0)
		return hutch_fail("import", "'%s' is not an image name", name);
	_cleanup_close_ int fd =
		strcmp(input, "-") == 0 ? dup(STDIN_FILENO) : open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hutch_fail("import", "open %s: %s", input, strerror(errno));
	struct hutch_error err = {0};
	char tmp[4096], blob[4200], layer[4200], fs[4300];
	int r = store_tmpdir("import", tmp, sizeof(tmp), &err);
	if (r < 0)
		return hutch_fail("import", "%s", err.msg);
	struct progress prog;
	progress_init(&prog, quiet);
	struct land_layer ll = {.path = blob, .unpacked = layer};
	snprintf(blob, sizeof(blob), "%s/blob", tmp);
	snprintf(layer, sizeof(layer), "%s/L0", tmp);
	snprintf(fs, sizeof(fs), "%s/fs", layer);
	_cleanup_free_ char *config = NULL;
	/*
	 * One pass over the tarball: it is unpacked, hashed and kept as the
	 * blob (what save gives back) as it is read, not copied first and read
	 * again (for a plain tar that was a second 100 MB written and read).
	 */
	struct unpack_result res = {0};
	_cleanup_close_ int bfd = open(blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (bfd < 0)
		r = hutch_error_setsys(&err, errno, "create %s", blob);
	if (r == 0 && (mkdir(layer, 0700) < 0 || mkdir(fs, 0755) < 0))
		r = hutch_error_setsys(&err, errno, "mkdir %s", fs);
	if (r == 0) {
		struct stat sb;
		progress_begin(&prog, "layer 1/1",
			       fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size
									  : 0);
		r = layer_unpack_keep(fd, bfd, fs, &prog, &res, &err);
		if (r == 0) {
			progress_end(&prog, "unpacked");
			memcpy(ll.hex, res.blob_hex, sizeof(ll.hex));
			ll.size = res.blob_bytes;
		}
	}
	if (r == 0) {
		snprintf(ll.media_type, sizeof(ll.media_type),
			 "application/vnd.oci.image.layer.v1.tar%s%s",
			 res.compression[0] ? "+" : "", res.compression);
		const char *ids[] = {res.diff_id};
		char comment[600];
		snprintf(comment, sizeof(comment), "imported from %.500s", input);
		config = image_make_config(ids, 1, comment);
		if (!config)
			r = hutch_error_set(&err, ENOMEM, "out of memory");
	}
	char id[IMAGE_ID_HEX + 1];
	if (r == 0) {
		const char *tags[] = {name};
		struct image_land in = {.tmp = tmp,
					.config = config,
					.config_len = strlen(config),
					.layers = &ll,
					.n_layers = 1,
					.tags = tags,
					.n_tags = name ? 1 : 0};
		r = image_land(&in, &prog, id, &err);
	}
	store_rm_rf(tmp);
	if (r < 0)
		return hutch_fail("import", "%s: %s", input, err.msg);
	printf("sha256:%s\n", id);
	return 0;
}
