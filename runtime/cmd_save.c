// SPDX-License-Identifier: MIT
/*
 * hutch save: images as one tarball that `docker load` reads (manifest.json
 * naming config and layers) and that is an OCI image layout as well
 * (oci-layout, index.json, blobs/sha256/), as docker 25 writes them.
 * Layer blobs go out as they came in. A directory image is packed as one
 * layer on the way.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_cmd.h"
#include "verb.h"

struct save_ctx {
	struct archive *a;
	struct json_object *written; /* blob hexes already in the tarball */
	struct json_object *manifest, *index_manifests;
	char tmp[4096];
};

static int add_bytes(struct save_ctx *c, const char *name, const void *data, size_t len,
		     struct hutch_error *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	int r = 0;
	if (archive_write_header(c->a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(c->a, data, len) != (la_ssize_t)len))
		r = hutch_error_set(err, EIO, "write %s: %s", name, archive_error_string(c->a));
	archive_entry_free(e);
	return r;
}

static int add_file(struct save_ctx *c, const char *name, const char *path, struct hutch_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return hutch_error_setsys(err, errno, "open %s", path);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, sb.st_size);
	archive_entry_set_mtime(e, 0, 0);
	int r = 0;
	if (archive_write_header(c->a, e) != ARCHIVE_OK)
		r = hutch_error_set(err, EIO, "write %s: %s", name, archive_error_string(c->a));
	archive_entry_free(e);
	char buf[1 << 16];
	ssize_t n;
	while (r == 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(c->a, buf, (size_t)n) != n)
			r = hutch_error_set(err, EIO, "write %s: %s", name,
					    archive_error_string(c->a));
	return r;
}

static int add_blob_file(struct save_ctx *c, const char *hex, const char *path,
			 struct hutch_error *err)
{
	if (json_object_object_get_ex(c->written, hex, NULL))
		return 0;
	char name[100];
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	json_object_object_add(c->written, hex, NULL);
	return add_file(c, name, path, err);
}

static struct json_object *descriptor(const char *mt, const char *hex, uint64_t size)
{
	struct json_object *d = json_object_new_object();
	char dig[80];
	snprintf(dig, sizeof(dig), "sha256:%s", hex);
	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(dig));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)size));
	return d;
}

/* One image: its blobs, its manifest.json entry, its OCI manifest and index entry. */
static int save_image(struct save_ctx *c, const char *config, size_t config_len,
		      const struct image_layer *layers, const char *const *layer_paths, size_t n,
		      const char *tag, struct hutch_error *err)
{
	char cfg_hex[IMAGE_ID_HEX + 1], name[100];
	int r = sha256_buf(config, config_len, cfg_hex);
	if (r < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	snprintf(name, sizeof(name), "blobs/sha256/%s", cfg_hex);
	if (!json_object_object_get_ex(c->written, cfg_hex, NULL)) {
		json_object_object_add(c->written, cfg_hex, NULL);
		if ((r = add_bytes(c, name, config, config_len, err)) < 0)
			return r;
	}
	struct json_object *entry = json_object_new_object(), *ls = json_object_new_array(),
			   *tags = json_object_new_array(), *om = json_object_new_object(),
			   *ols = json_object_new_array();
	json_object_object_add(entry, "Config", json_object_new_string(name));
	if (tag)
		json_object_array_add(tags, json_object_new_string(tag));
	json_object_object_add(entry, "RepoTags", tags);
	json_object_object_add(om, "schemaVersion", json_object_new_int(2));
	json_object_object_add(
		om, "mediaType",
		json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
	json_object_object_add(
		om, "config",
		descriptor("application/vnd.oci.image.config.v1+json", cfg_hex, config_len));
	for (size_t i = 0; i < n && r == 0; i++) {
		snprintf(name, sizeof(name), "blobs/sha256/%s", layers[i].digest);
		json_object_array_add(ls, json_object_new_string(name));
		/* docker's own media types name the same bytes as OCI's */
		const char *mt = layers[i].media_type;
		if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip") == 0)
			mt = "application/vnd.oci.image.layer.v1.tar+gzip";
		else if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
			mt = "application/vnd.oci.image.layer.v1.tar";
		json_object_array_add(ols, descriptor(mt, layers[i].digest, layers[i].size));
		r = add_blob_file(c, layers[i].digest, layer_paths[i], err);
	}
	json_object_object_add(entry, "Layers", ls);
	json_object_object_add(om, "layers", ols);
	json_object_array_add(c->manifest, entry);
	if (r < 0) {
		json_object_put(om);
		return r;
	}
	const char *ms = json_object_to_json_string_ext(om, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char m_hex[IMAGE_ID_HEX + 1];
	sha256_buf(ms, strlen(ms), m_hex);
	snprintf(name, sizeof(name), "blobs/sha256/%s", m_hex);
	if (!json_object_object_get_ex(c->written, m_hex, NULL)) {
		json_object_object_add(c->written, m_hex, NULL);
		r = add_bytes(c, name, ms, strlen(ms), err);
	}
	struct json_object *d =
		descriptor("application/vnd.oci.image.manifest.v1+json", m_hex, strlen(ms));
	if (tag) {
		struct json_object *ann = json_object_new_object();
		const char *colon = strrchr(tag, ':');
		json_object_object_add(ann, "io.containerd.image.name",
				       json_object_new_string(tag));
		json_object_object_add(ann, "org.opencontainers.image.ref.name",
				       json_object_new_string(colon ? colon + 1 : "latest"));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(c->index_manifests, d);
	json_object_put(om);
	return r;
}

static int save_store_image(struct save_ctx *c, const char *id, const char *tag,
			    struct hutch_error *err)
{
	struct image_record rec;
	int r = store_image_read(id, &rec);
	if (r < 0)
		return hutch_error_setsys(err, -r, "read image %.12s", id);
	char p[4096];
	_cleanup_free_ char *config = NULL;
	size_t len;
	char(*paths)[4096] = calloc(rec.n_layers ? rec.n_layers : 1, sizeof(*paths));
	const char **pv = calloc(rec.n_layers ? rec.n_layers : 1, sizeof(*pv));
	if (!paths || !pv)
		r = hutch_error_set(err, ENOMEM, "out of memory");
	if (r == 0 && (r = store_path(p, sizeof(p), "blobs/sha256/%s", id)) == 0 &&
	    (r = hutch_read_file(p, 16 << 20, &config, &len)) < 0)
		r = hutch_error_setsys(err, -r, "read %s", p);
	for (size_t i = 0; r == 0 && i < rec.n_layers; i++) {
		store_path(paths[i], sizeof(paths[i]), "blobs/sha256/%s", rec.layers[i].digest);
		pv[i] = paths[i];
	}
	if (r == 0)
		r = save_image(c, config, len, rec.layers, pv, rec.n_layers, tag, err);
	free(paths);
	free(pv);
	image_record_free(&rec);
	return r;
}

/* A directory image: packed into one layer in the work directory. */
static int save_dir_image(struct save_ctx *c, const char *dir, const char *tag,
			  struct hutch_error *err)
{
	char blob[4200];
	snprintf(blob, sizeof(blob), "%s/dir-%zu.tar", c->tmp,
		 json_object_array_length(c->manifest));
	_cleanup_close_ int fd = open(blob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "create %s", blob);
	struct image_layer l = {.media_type = "application/vnd.oci.image.layer.v1.tar"};
	int r = layer_pack(dir, fd, l.diff_id, &l.size, err);
	if (r < 0)
		return r;
	memcpy(l.digest, l.diff_id, sizeof(l.digest));
	const char *ids[] = {l.diff_id};
	_cleanup_free_ char *config = image_make_config(ids, 1, "a hutch directory image");
	const char *paths[] = {blob};
	char cfg_with_cmd[8192];
	/* the directory images' default command, as `hutch run` gives them */
	snprintf(cfg_with_cmd, sizeof(cfg_with_cmd), "%s", config);
	struct json_object *doc = json_tokener_parse(config), *cfg;
	if (doc && json_object_object_get_ex(doc, "config", &cfg)) {
		struct json_object *cmd = json_object_new_array();
		json_object_array_add(cmd, json_object_new_string("sh"));
		json_object_object_add(cfg, "Cmd", cmd);
		snprintf(cfg_with_cmd, sizeof(cfg_with_cmd), "%s",
			 json_object_to_json_string_ext(
				 doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(doc);
	return save_image(c, cfg_with_cmd, strlen(cfg_with_cmd), &l, paths, 1, tag, err);
}

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *output = NULL;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			printf("Usage: hutch save [-o FILE] IMAGE...\n\n"
			       "Write images as a tarball `docker load` and OCI tools read.\n"
			       "  -o, --output FILE   write FILE (default: standard output)\n");
			return 0;
		default:
			return VERB_BAD_FLAG("save", argv);
		}
	}
	if (optind >= argc)
		return hutch_fail("save", "name at least one IMAGE");
	if (!output && isatty(STDOUT_FILENO))
		return hutch_fail("save", "standard output is a terminal: give -o FILE");
	struct save_ctx c = {.written = json_object_new_object(),
			     .manifest = json_object_new_array(),
			     .index_manifests = json_object_new_array()};
	struct hutch_error err = {0};
	char out_tmp[4200] = "";
	int fd = STDOUT_FILENO, r = store_tmpdir("save", c.tmp, sizeof(c.tmp), &err);
	if (r == 0 && output) {
		/* the file appears whole or not at all */
		snprintf(out_tmp, sizeof(out_tmp), "%s.hutch-tmp.%d", output, (int)getpid());
		fd = open(out_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			r = hutch_error_setsys(&err, errno, "create %s", output);
	}
	c.a = archive_write_new();
	archive_write_set_format_pax_restricted(c.a);
	if (r == 0 && archive_write_open_fd(c.a, fd) != ARCHIVE_OK)
		r = hutch_error_set(&err, EIO, "%s", archive_error_string(c.a));
	for (int i = optind; i < argc && r == 0; i++) {
		const char *name = argv[i];
		char id[IMAGE_ID_HEX + 1], dir[4096], norm[300];
		const char *tag =
			!image_is_id(name) && image_ref_normalize(name, norm, sizeof(norm)) == 0 &&
					!strchr(norm, '@')
				? norm
				: NULL;
		struct stat sb;
		if (image_is_dir_image(name) &&
		    snprintf(dir, sizeof(dir), "%s/%s", image_store_dir(), name) > 0 &&
		    stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
			r = save_dir_image(&c, dir, tag, &err);
		else if ((r = store_image_find(name, id)) < 0)
			r = hutch_error_set(&err, ENOENT, "no such image: %s", name);
		else
			r = save_store_image(&c, id, tag, &err);
	}
	if (r == 0) {
		const char *m = json_object_to_json_string_ext(
			c.manifest, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
		struct json_object *idx = json_object_new_object();
		json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
		json_object_object_add(
			idx, "mediaType",
			json_object_new_string("application/vnd.oci.image.index.v1+json"));
		json_object_object_add(idx, "manifests", json_object_get(c.index_manifests));
		const char *is = json_object_to_json_string_ext(
			idx, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = add_bytes(&c, "manifest.json", m, strlen(m), &err);
		if (r == 0)
			r = add_bytes(&c, "oci-layout", layout, strlen(layout), &err);
		if (r == 0)
			r = add_bytes(&c, "index.json", is, strlen(is), &err);
		json_object_put(idx);
	}
	if (archive_write_close(c.a) != ARCHIVE_OK && r == 0)
		r = hutch_error_set(&err, EIO, "%s", archive_error_string(c.a));
	archive_write_free(c.a);
	if (output && fd >= 0) {
		if (r == 0 && (fsync(fd) < 0 || rename(out_tmp, output) < 0))
			r = hutch_error_setsys(&err, errno, "write %s", output);
		close(fd);
		if (r < 0)
			unlink(out_tmp);
	}
	json_object_put(c.written);
	json_object_put(c.manifest);
	json_object_put(c.index_manifests);
	if (c.tmp[0])
		store_rm_rf(c.tmp);
	return r < 0 ? hutch_fail("save", "%s", err.msg) : 0;
}
