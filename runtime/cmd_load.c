// SPDX-License-Identifier: MIT
/*
 * hutch load: images from a `docker save` tarball or an OCI image layout
 * archive (`skopeo copy ... oci-archive:`), on a file or stdin. The archive
 * is read once, its files staged in a work directory of the store, every
 * digest checked and every layer unpacked there; only then does the image
 * land (layers, blobs, record, tags, under the store's lock).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "hutch.h"
#include "image_write.h"
#include "image_cmd.h"
#include "verb.h"

#define SMALL_FILE_BYTES (4u << 20) /* manifests and configs are kept in memory */

/* A file of the archive, staged as tmp/f<N>. */
struct staged {
	char *name;  /* as in the archive, cleaned */
	char *alias; /* a symlink or hard link: the name it stands for */
	char path[4200];
	char hex[IMAGE_ID_HEX + 1];
	uint64_t size;
	char *data; /* the bytes, for small files */
};

struct load_ctx {
	char tmp[4096];
	struct staged *files;
	size_t n;
	struct progress prog;
	bool quiet;
	int n_loaded;
};

static void load_ctx_free(struct load_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->files[i].name);
		free(c->files[i].alias);
		free(c->files[i].data);
	}
	free(c->files);
	if (c->tmp[0])
		store_rm_rf(c->tmp);
}

static const struct staged *find_file(const struct load_ctx *c, const char *name)
{
	char clean[4096];
	if (image_clean_path(name, clean, sizeof(clean)) < 0)
		return NULL;
	for (int hops = 0; hops < 8; hops++) {
		const struct staged *f = NULL;
		for (size_t i = 0; i < c->n && !f; i++)
			if (strcmp(c->files[i].name, clean) == 0)
				f = &c->files[i];
		if (!f || !f->alias)
			return f;
		snprintf(clean, sizeof(clean), "%s", f->alias);
	}
	return NULL;
}

/* Copies the entry's data into path, hashing it; keeps small ones in memory. */
static int stage_data(struct archive *a, struct staged *f, struct hutch_error *err)
{
	_cleanup_close_ int fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "stage %s", f->name);
	struct sha256 h;
	if (sha256_init(&h) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	size_t cap = 0;
	char buf[1 << 16];
	la_ssize_t n;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		sha256_update(&h, buf, (size_t)n);
		if (f->size + (uint64_t)n <= SMALL_FILE_BYTES) {
			if (f->size + (size_t)n + 1 > cap) {
				cap = (f->size + (size_t)n + 1) * 2;
				char *d = realloc(f->data, cap);
				if (!d) {
					sha256_free(&h);
					return hutch_error_set(err, ENOMEM, "out of memory");
				}
				f->data = d;
			}
			memcpy(f->data + f->size, buf, (size_t)n);
			f->data[f->size + (size_t)n] = '\0';
		} else {
			free(f->data);
			f->data = NULL;
		}
		if (write(fd, buf, (size_t)n) != n) {
			sha256_free(&h);
			return hutch_error_setsys(err, errno ? errno : EIO, "stage %s", f->name);
		}
		f->size += (uint64_t)n;
	}
	if (n < 0) {
		sha256_free(&h);
		return hutch_error_set(err, EBADMSG, "read %s from the archive: %s", f->name,
				       archive_error_string(a));
	}
	if (f->size > SMALL_FILE_BYTES) {
		free(f->data);
		f->data = NULL;
	}
	sha256_final(&h, f->hex);
	return 0;
}

static int stage_archive(struct load_ctx *c, int fd, struct hutch_error *err)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	int r = 0;
	if (archive_read_open_fd(a, fd, 1 << 17) != ARCHIVE_OK) {
		r = hutch_error_set(err, EBADMSG, "not an image archive: %s",
				    archive_error_string(a));
		goto out;
	}
	struct archive_entry *e;
	int k;
	while ((k = archive_read_next_header(a, &e)) == ARCHIVE_OK || k == ARCHIVE_WARN) {
		char clean[4096];
		const char *name = archive_entry_pathname(e);
		if (!name || image_clean_path(name, clean, sizeof(clean)) < 0 || !clean[0])
			continue; /* nothing an image needs is named with ".." */
		mode_t type = archive_entry_filetype(e);
		const char *target = archive_entry_hardlink(e);
		char alias[4096] = "";
		if (!target && type == AE_IFLNK) {
			/* docker save links a repeated layer to its first copy, relatively */
			const char *slash = strrchr(clean, '/');
			char joined[8300];
			snprintf(joined, sizeof(joined), "%.*s%s",
				 slash ? (int)(slash - clean + 1) : 0, clean,
				 archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
			/* resolve ".." textually: only within the archive */
			char out[4096] = "";
			size_t o = 0;
			for (char *save, *t = strtok_r(joined, "/", &save); t;
			     t = strtok_r(NULL, "/", &save)) {
				if (strcmp(t, ".") == 0)
					continue;
				if (strcmp(t, "..") == 0) {
					char *p = strrchr(out, '/');
					o = p ? (size_t)(p - out) : 0;
					out[o] = '\0';
					continue;
				}
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
						      o ? "/" : "", t);
				if (o >= sizeof(out))
					break;
			}
			snprintf(alias, sizeof(alias), "%s", out);
		} else if (target && image_clean_path(target, alias, sizeof(alias)) < 0) {
			continue;
		} else if (!target && type != AE_IFREG) {
			continue;
		}
		void *nf = realloc(c->files, (c->n + 1) * sizeof(*c->files));
		if (!nf) {
			r = hutch_error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		c->files = nf;
		struct staged *f = &c->files[c->n++];
		memset(f, 0, sizeof(*f));
		f->name = strdup(clean);
		if (alias[0]) {
			f->alias = strdup(alias);
			continue;
		}
		snprintf(f->path, sizeof(f->path), "%s/f%zu", c->tmp, c->n);
		if ((r = stage_data(a, f, err)) < 0)
			goto out;
	}
	if (k != ARCHIVE_EOF)
		r = hutch_error_set(err, EBADMSG, "not a valid image archive: %s",
				    archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}

static const char *const layer_media_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

bool image_layer_media_type_known(const char *mt)
{
	return strv_index(layer_media_types, ARRAY_SIZE(layer_media_types), mt) >= 0;
}

/* The hex of a "sha256:<hex>" digest into hex; false when it is none. */
static bool digest_hex_copy(const char *digest, char hex[IMAGE_ID_HEX + 1])
{
	const char *h = digest_hex(digest);
	if (h)
		memcpy(hex, h, IMAGE_ID_HEX + 1);
	return h != NULL;
}

/* The config's rootfs.diff_ids, as many as the layers; its digest (as named, if named) into id. */
static int land_check_config(const struct image_land *in, struct json_object *cfg,
			     struct json_object **ret_ids, char id[IMAGE_ID_HEX + 1],
			     struct hutch_error *err)
{
	struct json_object *rootfs, *diff_ids;
	int r;
	if (!cfg || !json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &diff_ids) ||
	    !json_object_is_type(diff_ids, json_type_array))
		return hutch_error_set(err, EBADMSG, "image config: no rootfs.diff_ids");
	if (json_object_array_length(diff_ids) != in->n_layers)
		return hutch_error_set(err, EBADMSG,
				       "image config lists %zu layers, the manifest %zu",
				       json_object_array_length(diff_ids), in->n_layers);
	if (in->n_layers > IMAGE_MAX_LAYERS)
		return hutch_error_set(err, E2BIG, "more than %d layers", IMAGE_MAX_LAYERS);
	if ((r = sha256_buf(in->config, in->config_len, id)) < 0)
		return hutch_error_setsys(err, -r, "hash the config");
	if (in->config_digest[0] && strcmp(in->config_digest, id) != 0)
		return hutch_error_set(
			err, EBADMSG,
			"image config: digest mismatch (expected sha256:%s, got sha256:%s)",
			in->config_digest, id);
	*ret_ids = diff_ids;
	return 0;
}

/* Unpacks layer l into stage/fs and checks it is what the config says (il->diff_id). */
static int land_unpack(const struct land_layer *l, const char *stage, const char *label,
		       struct progress *prog, struct image_layer *il, struct hutch_error *err)
{
	char fs[4300];
	snprintf(fs, sizeof(fs), "%s/fs", stage);
	if (mkdir(stage, 0700) < 0 || mkdir(fs, 0755) < 0)
		return hutch_error_setsys(err, errno, "mkdir %s", fs);
	_cleanup_close_ int fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hutch_error_setsys(err, errno, "open %s", l->path);
	struct unpack_result res = {0};
	int r;
	progress_begin(prog, label, l->size);
	if ((r = layer_unpack(fd, fs, prog, &res, err)) < 0)
		return hutch_error_wrap(err, "%s", label);
	progress_end(prog, "unpacked");
	if (strcmp(res.diff_id, il->diff_id) != 0)
		return hutch_error_set(err, EBADMSG,
				       "%s: content does not match the config's diff_id "
				       "(expected sha256:%s, got sha256:%s)",
				       label, il->diff_id, res.diff_id);
	if (l->media_type[0])
		snprintf(il->media_type, sizeof(il->media_type), "%s", l->media_type);
	else
		snprintf(il->media_type, sizeof(il->media_type),
			 "application/vnd.oci.image.layer.v1.tar%s%s",
			 res.compression[0] ? "+" : "", res.compression);
	return 0;
}

/*
 * Layer i: its digest and media type checked, its record entry filled, and
 * unless the store has it, unpacked in a staging directory (stage, "" when
 * nothing is to land).
 */
static int land_prepare_layer(const struct image_land *in, size_t i, struct json_object *diff_ids,
			      struct progress *prog, struct image_layer *il, char *stage,
			      size_t size, struct hutch_error *err)
{
	const struct land_layer *l = &in->layers[i];
	char label[96];
	snprintf(label, sizeof(label), "layer %zu/%zu %.12s", i + 1, in->n_layers, l->hex);
	if (!digest_hex_copy(json_object_get_string(json_object_array_get_idx(diff_ids, i)),
			     il->diff_id))
		return hutch_error_set(err, EBADMSG,
				       "image config: diff_id %zu is not a sha256 digest", i + 1);
	if (l->media_type[0] && !image_layer_media_type_known(l->media_type))
		return hutch_error_set(err, EPROTONOSUPPORT, "%s: unknown media type '%s'", label,
				       l->media_type);
	if (l->expected_hex[0] && strcmp(l->expected_hex, l->hex) != 0)
		return hutch_error_set(err, EBADMSG,
				       "%s: digest mismatch (expected sha256:%s, got sha256:%s)",
				       label, l->expected_hex, l->hex);
	memcpy(il->digest, l->hex, sizeof(il->digest));
	il->size = l->size;
	int r;
	/* what the store has stays until the image lands, whatever a prune does meanwhile */
	if ((r = store_lease(in->tmp, il->diff_id)) < 0 || (r = store_lease(in->tmp, l->hex)) < 0)
		return hutch_error_setsys(err, -r, "%s: lease it in the store", label);
	/* a layer we have is not unpacked again, when its bytes are known to be it */
	bool known = l->expected_hex[0] || strcmp(l->hex, il->diff_id) == 0;
	if (store_has_layer(il->diff_id) && known) {
		snprintf(il->media_type, sizeof(il->media_type), "%s",
			 l->media_type[0] ? l->media_type
					  : "application/vnd.oci.image.layer.v1.tar");
		if (!prog->quiet)
			fprintf(stderr, "%s: already in the store\n", label);
		return 0;
	}
	if (l->unpacked) {
		snprintf(stage, size, "%s", l->unpacked);
		snprintf(il->media_type, sizeof(il->media_type), "%s", l->media_type);
		return 0;
	}
	snprintf(stage, size, "%s/L%zu", in->tmp, i);
	return land_unpack(l, stage, label, prog, il, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A layer being unpacked: locks/layer-<diff_id>, flock()ed, removed when done. */
struct layer_lock {
	int fd;
	char path[4096];
};

/* Takes the lock at path: the file flock()ed is still the one at path (no unlinked one). */
static int take_lock(struct layer_lock *l)
{
	for (;;) {
		struct stat a, b;
		l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (l->fd < 0 || flock(l->fd, LOCK_EX) < 0 || fstat(l->fd, &a) < 0) {
			int e = errno;
			if (l->fd >= 0)
				close(l->fd);
			l->fd = -1;
			return -e;
		}
		if (stat(l->path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return 0;
		close(l->fd); /* its holder removed it meanwhile: take the new one */
	}
}

/* Removes and releases the locks of lock_new_layers (the file first, then the lock). */
static void unlock_layers(struct layer_lock *locks, size_t n)
{
	for (size_t i = 0; locks && i < n; i++) {
		if (locks[i].fd < 0)
			continue;
		unlink(locks[i].path);
		close(locks[i].fd);
	}
	free(locks);
}

/*
 * Locks locks/layer-<diff_id> for each layer the store lacks, in sorted
 * order (no two loads wait on each other): a load of the same new layer at
 * the same time waits, then finds it in the store rather than unpacking it
 * again. The locks into *ret (n of them, fd -1 where none).
 */
static int lock_new_layers(struct json_object *diff_ids, size_t n, struct layer_lock **ret,
			   struct hutch_error *err)
{
	const char **ids = calloc(n ? n : 1, sizeof(*ids));
	struct layer_lock *locks = calloc(n ? n : 1, sizeof(*locks));
	int r = 0;
	if (!ids || !locks) {
		free(ids);
		free(locks);
		return hutch_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		ids[i] = digest_hex(json_object_get_string(json_object_array_get_idx(diff_ids, i)));
		locks[i].fd = -1;
	}
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!ids[i] || (i && ids[i - 1] && strcmp(ids[i - 1], ids[i]) == 0) ||
		    store_has_layer(ids[i]))
			continue;
		store_path(locks[i].path, sizeof(locks[i].path), "locks/layer-%s", ids[i]);
		if ((r = take_lock(&locks[i])) < 0)
			r = hutch_error_setsys(err, -r, "lock %s", locks[i].path);
	}
	free(ids);
	if (r < 0) {
		unlock_layers(locks, n);
		return r;
	}
	*ret = locks;
	return 0;
}

/* Everything checked: the config, layers, record and tags land, under the store's lock. */
static int land_locked(const struct image_land *in, struct image_record *rec, char (*stage)[4200],
		       struct hutch_error *err)
{
	_cleanup_close_ int lock = store_lock();
	char hex[IMAGE_ID_HEX + 1];
	int r;
	if (lock < 0)
		return hutch_error_setsys(err, -lock, "lock the image store");
	if ((r = store_put_blob(in->config, in->config_len, hex)) < 0)
		return hutch_error_setsys(err, -r, "store the config");
	for (size_t i = 0; i < in->n_layers; i++) {
		if ((r = store_adopt_blob(in->layers[i].path, in->layers[i].hex)) < 0 &&
		    r != -ENOENT)
			return hutch_error_setsys(err, -r, "store layer blob %zu", i + 1);
		if (stage[i][0] && (r = store_adopt_layer(stage[i], &rec->layers[i])) < 0)
			return hutch_error_setsys(err, -r, "store layer %zu", i + 1);
	}
	rec->created_ns = hutch_wall_ns();
	if ((r = store_put_image(rec)) < 0)
		return hutch_error_setsys(err, -r, "store the image record");
	for (size_t i = 0; i < in->n_tags; i++) {
		char old[IMAGE_ID_HEX + 1];
		if ((r = store_tag_locked(in->tags[i], rec->id, old)) < 0)
			return hutch_error_setsys(err, -r, "tag %s", in->tags[i]);
	}
	return 0;
}

struct image_land image_land_init(const char *tmp, const char *config, struct land_layer *layers,
				  size_t n_layers, const char **name)
{
	return (struct image_land){.tmp = tmp,
				   .config = config,
				   .config_len = strlen(config),
				   .layers = layers,
				   .n_layers = n_layers,
				   .tags = name,
				   .n_tags = name && *name ? 1 : 0};
}

int image_land(const struct image_land *in, struct progress *prog, char ret_id[IMAGE_ID_HEX + 1],
	       struct hutch_error *err)
{
	struct json_object *cfg = json_tokener_parse(in->config), *diff_ids = NULL;
	struct image_record rec = {0};
	char(*stage)[4200] = NULL;
	struct layer_lock *locks = NULL;
	int r = land_check_config(in, cfg, &diff_ids, rec.id, err);
	if (r < 0 || (r = lock_new_layers(diff_ids, in->n_layers, &locks, err)) < 0)
		goto out;
	rec.layers = calloc(in->n_layers ? in->n_layers : 1, sizeof(*rec.layers));
	stage = calloc(in->n_layers ? in->n_layers : 1, sizeof(*stage));
	if (!rec.layers || !stage) {
		r = hutch_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	rec.n_layers = in->n_layers;
	for (size_t i = 0; i < in->n_layers && r == 0; i++)
		r = land_prepare_layer(in, i, diff_ids, prog, &rec.layers[i], stage[i],
				       sizeof(stage[i]), err);
	if (r == 0 && (r = land_locked(in, &rec, stage, err)) == 0)
		memcpy(ret_id, rec.id, sizeof(rec.id));
out:
	unlock_layers(locks, in->n_layers);
	free(stage);
	image_record_free(&rec);
	json_object_put(cfg);
	return r;
}

/* Lands one image of the archive and says so, as docker load does; frees in's layer list. */
static int land_loaded(struct load_ctx *c, struct image_land *in, struct hutch_error *err)
{
	char id[IMAGE_ID_HEX + 1];
	int r = image_land(in, &c->prog, id, err);
	free(in->layers);
	if (r < 0)
		return r;
	for (size_t i = 0; i < in->n_tags; i++) {
		char norm[300];
		if (image_ref_normalize(in->tags[i], norm, sizeof(norm)) == 0)
			printf("Loaded image: %s\n", norm);
	}
	if (!in->n_tags)
		printf("Loaded image ID: sha256:%s\n", id);
	c->n_loaded++;
	return 0;
}

/* docker save: manifest.json is [{"Config": F, "RepoTags": [...], "Layers": [F...]}]. */
static int load_docker(struct load_ctx *c, const struct staged *mf, struct hutch_error *err)
{
	struct json_object *doc = mf->data ? json_tokener_parse(mf->data) : NULL;
	int r = 0;
	if (!doc || !json_object_is_type(doc, json_type_array)) {
		json_object_put(doc);
		return hutch_error_set(err, EBADMSG, "manifest.json: not a JSON list");
	}
	for (size_t i = 0; i < json_object_array_length(doc) && r == 0; i++) {
		struct json_object *m = json_object_array_get_idx(doc, i), *layers, *tags;
		const char *cfg_name = json_str(m, "Config");
		const struct staged *cfg = cfg_name ? find_file(c, cfg_name) : NULL;
		if (!cfg || !cfg->data || !json_object_object_get_ex(m, "Layers", &layers) ||
		    !json_object_is_type(layers, json_type_array)) {
			r = hutch_error_set(err, EBADMSG,
					    "manifest.json: image %zu: its config or layers are "
					    "missing from the archive",
					    i + 1);
			break;
		}
		struct image_land in = {
			.tmp = c->tmp, .config = cfg->data, .config_len = cfg->size};
		/* "<hex>.json" and "blobs/sha256/<hex>" name the config by its digest */
		const char *base =
			strrchr(cfg->name, '/') ? strrchr(cfg->name, '/') + 1 : cfg->name;
		if (strlen(base) >= IMAGE_ID_HEX) {
			char h[IMAGE_ID_HEX + 1];
			snprintf(h, sizeof(h), "%.64s", base);
			if (image_is_id(h) &&
			    (!base[IMAGE_ID_HEX] || strcmp(base + IMAGE_ID_HEX, ".json") == 0))
				memcpy(in.config_digest, h, sizeof(h));
		}
		size_t n = json_object_array_length(layers);
		in.layers = calloc(n ? n : 1, sizeof(*in.layers));
		in.n_layers = n;
		for (size_t k = 0; k < n && r == 0; k++) {
			const char *ln =
				json_object_get_string(json_object_array_get_idx(layers, k));
			const struct staged *lf = ln ? find_file(c, ln) : NULL;
			if (!lf) {
				r = hutch_error_set(err, EBADMSG,
						    "manifest.json: layer '%s' is missing from the "
						    "archive",
						    ln ? ln : "?");
				break;
			}
			in.layers[k].path = lf->path;
			memcpy(in.layers[k].hex, lf->hex, sizeof(lf->hex));
			in.layers[k].size = lf->size;
		}
		const char *tagv[64];
		if (json_object_object_get_ex(m, "RepoTags", &tags) &&
		    json_object_is_type(tags, json_type_array))
			for (size_t k = 0; k < json_object_array_length(tags) && k < 64; k++)
				tagv[in.n_tags++] =
					json_object_get_string(json_object_array_get_idx(tags, k));
		in.tags = tagv;
		if (r == 0)
			r = land_loaded(c, &in, err);
		else
			free(in.layers);
	}
	json_object_put(doc);
	return r;
}

static const struct staged *oci_blob(struct load_ctx *c, const char *digest)
{
	char hex[IMAGE_ID_HEX + 1], name[100];
	if (!digest_hex_copy(digest, hex))
		return NULL;
	snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	return find_file(c, name);
}

static int load_oci_manifest(struct load_ctx *c, struct json_object *desc, int depth,
			     struct hutch_error *err);

/* An index (or docker manifest list): the linux/amd64 manifest, or every one at the top. */
static int load_oci_index(struct load_ctx *c, const char *json, int depth, const char *what,
			  struct hutch_error *err)
{
	struct json_object *doc = json_tokener_parse(json), *mans;
	if (!doc || !json_object_object_get_ex(doc, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array)) {
		json_object_put(doc);
		return hutch_error_set(err, EBADMSG, "%s: no manifests list", what);
	}
	int r = 0;
	size_t n = json_object_array_length(mans);
	bool any = false;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct json_object *d = json_object_array_get_idx(mans, i), *plat;
		if (depth > 0 && json_object_object_get_ex(d, "platform", &plat)) {
			const char *os = json_str(plat, "os"),
				   *arch = json_str(plat, "architecture");
			if (!os || !arch || strcmp(os, "linux") != 0 || strcmp(arch, "amd64") != 0)
				continue;
			any = true;
			r = load_oci_manifest(c, d, depth + 1, err);
			break;
		}
		any = true;
		r = load_oci_manifest(c, d, depth + 1, err);
	}
	if (r == 0 && !any)
		r = hutch_error_set(err, ENOENT, "%s: no manifest for linux/amd64", what);
	json_object_put(doc);
	return r;
}

static int load_oci_manifest(struct load_ctx *c, struct json_object *desc, int depth,
			     struct hutch_error *err)
{
	const char *mt = json_str(desc, "mediaType"), *digest = json_str(desc, "digest");
	const struct staged *b = oci_blob(c, digest);
	if (depth > 4)
		return hutch_error_set(err, ELOOP, "index.json: indexes nested too deep");
	if (!b || !b->data)
		return hutch_error_set(err, EBADMSG, "manifest %s is missing from the archive",
				       digest ? digest : "(no digest)");
	if (strcmp(b->hex, digest + 7) != 0)
		return hutch_error_set(err, EBADMSG,
				       "manifest: digest mismatch (expected %s, got sha256:%s)",
				       digest, b->hex);
	if (mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		   strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0))
		return load_oci_index(c, b->data, depth, digest, err);
	if (!mt || (strcmp(mt, "application/vnd.oci.image.manifest.v1+json") != 0 &&
		    strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") != 0))
		return hutch_error_set(err, EPROTONOSUPPORT, "manifest %s: unknown media type '%s'",
				       digest, mt ? mt : "(none)");
	struct json_object *m = json_tokener_parse(b->data), *cfgd, *layers, *ann;
	int r = 0;
	if (!m || !json_object_object_get_ex(m, "config", &cfgd) ||
	    !json_object_object_get_ex(m, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		json_object_put(m);
		return hutch_error_set(err, EBADMSG, "manifest %s: no config or layers", digest);
	}
	const char *cmt = json_str(cfgd, "mediaType");
	if (!cmt || (strcmp(cmt, "application/vnd.oci.image.config.v1+json") != 0 &&
		     strcmp(cmt, "application/vnd.docker.container.image.v1+json") != 0)) {
		json_object_put(m);
		return hutch_error_set(err, EPROTONOSUPPORT,
				       "manifest %s: config of unknown media type '%s'", digest,
				       cmt ? cmt : "(none)");
	}
	const struct staged *cfg = oci_blob(c, json_str(cfgd, "digest"));
	if (!cfg || !cfg->data) {
		json_object_put(m);
		return hutch_error_set(err, EBADMSG, "manifest %s: config blob missing", digest);
	}
	struct image_land in = {.tmp = c->tmp, .config = cfg->data, .config_len = cfg->size};
	digest_hex_copy(json_str(cfgd, "digest"), in.config_digest);
	size_t n = json_object_array_length(layers);
	in.layers = calloc(n ? n : 1, sizeof(*in.layers));
	in.n_layers = n;
	for (size_t k = 0; k < n && r == 0; k++) {
		struct json_object *ld = json_object_array_get_idx(layers, k);
		const char *lmt = json_str(ld, "mediaType"), *ldig = json_str(ld, "digest");
		const struct staged *lf = oci_blob(c, ldig);
		if (!lmt || !image_layer_media_type_known(lmt)) {
			r = hutch_error_set(err, EPROTONOSUPPORT,
					    "layer %zu/%zu: unknown media type '%s'", k + 1, n,
					    lmt ? lmt : "(none)");
			break;
		}
		if (!lf) {
			r = hutch_error_set(err, EBADMSG, "layer %s is missing from the archive",
					    ldig ? ldig : "(no digest)");
			break;
		}
		in.layers[k].path = lf->path;
		memcpy(in.layers[k].hex, lf->hex, sizeof(lf->hex));
		digest_hex_copy(ldig, in.layers[k].expected_hex);
		snprintf(in.layers[k].media_type, sizeof(in.layers[k].media_type), "%s", lmt);
		in.layers[k].size = lf->size;
	}
	/* the name docker gives it, else the OCI ref name when it is a whole reference */
	const char *tagv[1];
	const char *name = NULL;
	if (json_object_object_get_ex(desc, "annotations", &ann)) {
		name = json_str(ann, "io.containerd.image.name");
		const char *ref = json_str(ann, "org.opencontainers.image.ref.name");
		if (!name && ref && strpbrk(ref, ":/"))
			name = ref;
	}
	if (name)
		tagv[in.n_tags++] = name;
	in.tags = tagv;
	if (r == 0)
		r = land_loaded(c, &in, err);
	else
		free(in.layers);
	json_object_put(m);
	return r;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{"input", required_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *input = "-";
	bool quiet = false;
	int ch;
	verb_getopt_reset();
	while ((ch = getopt_long(argc, argv, "+i:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			input = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch load [-i FILE] [-q]\n\n"
			       "Load images from a `docker save` tarball or an OCI image layout "
			       "archive\n(plain, gzip, zstd or xz layers). FILE '-' or none: "
			       "standard input.\n"
			       "  -i, --input FILE   read FILE\n"
			       "  -q, --quiet        no progress\n");
			return 0;
		default:
			return VERB_BAD_FLAG("load", argv);
		}
	}
	if (optind < argc)
		return hutch_fail("load", "unexpected argument '%s'", argv[optind]);
	_cleanup_close_ int fd =
		strcmp(input, "-") == 0 ? dup(STDIN_FILENO) : open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hutch_fail("load", "open %s: %s", input, strerror(errno));
	if (strcmp(input, "-") == 0 && isatty(fd))
		return hutch_fail("load", "standard input is a terminal: give -i FILE or a pipe");
	struct load_ctx c = {0};
	struct hutch_error err = {0};
	progress_init(&c.prog, quiet);
	int r = store_tmpdir("load", c.tmp, sizeof(c.tmp), &err);
	if (r == 0)
		r = stage_archive(&c, fd, &err);
	if (r == 0) {
		const struct staged *mf = find_file(&c, "manifest.json");
		const struct staged *idx = find_file(&c, "index.json");
		if (mf)
			r = load_docker(&c, mf, &err);
		else if (idx && idx->data)
			r = load_oci_index(&c, idx->data, 0, "index.json", &err);
		else
			r = hutch_error_set(&err, EBADMSG, "%s",
					    "not a docker save or OCI archive (no manifest.json "
					    "or index.json)");
	}
	load_ctx_free(&c);
	if (r < 0)
		return hutch_fail("load", "%s: %s", input, err.msg);
	return 0;
}
