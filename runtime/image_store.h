/* SPDX-License-Identifier: MIT */
/*
 * The content-addressed image store, under the images directory
 * (HUTCH_IMAGES_DIR, default /var/lib/hutch/images):
 *
 *   blobs/sha256/<hex>       configs and layer blobs, as they came (kept for save)
 *   layers/<diffid-hex>/fs   a layer unpacked once, an overlay lower directory
 *   layers/<diffid-hex>/layer.json   {"digest": blob, "mediaType": ..., "size": ...}
 *   images/<id-hex>.json     an image: its config's digest and its layers, base first
 *   repositories.json        {"refs": {"name:tag": "sha256:<id>"}}
 *   tmp/                     work in progress, renamed into place when whole
 *   tmp/<work>/lease-<hex>   a blob or layer work in progress uses: kept by gc
 *   lock                     flock()ed while refs change or garbage is collected
 *   locks/<hex>, locks/layer-<diff-id>   flock()ed while a pull fetches that blob,
 *                            a load unpacks that layer (the latter removed after)
 *
 * Beside them, directories named as images (busybox, ones made by hand) are
 * single-layer images as before. Reading the store needs json-c only, so the
 * statically linked hutch resolves images; writing it is hutch-image's.
 */
#ifndef HUTCH_IMAGE_STORE_H
#define HUTCH_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hutch/util.h"

#define IMAGE_ID_HEX	 64
#define IMAGE_MAX_LAYERS 128

struct json_object;

/* What `hutch run` takes from an image's config ("config" of the OCI image config). */
struct image_config {
	char **entrypoint, **cmd, **env; /* NULL-terminated, owned; NULL when unset */
	char workdir[1024];
	char user[64];
	char stop_signal[32];
	struct json_object *labels; /* owned reference, or NULL */
	bool from_store;	    /* an image of the store (a directory image has no config) */
};
void image_config_free(struct image_config *c);
/* Pure: the fields of an image config JSON document. */
int image_config_parse(const char *json, struct image_config *ret, struct hutch_error *err);

/* One layer of an image, as its record lists it. */
struct image_layer {
	char diff_id[IMAGE_ID_HEX + 1]; /* hex of the uncompressed tar's sha256 */
	char digest[IMAGE_ID_HEX + 1];	/* hex of the blob's sha256 as stored */
	char media_type[128];
	uint64_t size; /* the blob's bytes */
};

struct image_record {
	char id[IMAGE_ID_HEX + 1];  /* hex of the config blob's sha256 */
	struct image_layer *layers; /* base first */
	size_t n_layers;
	uint64_t created_ns; /* when it came into this store */
};
void image_record_free(struct image_record *r);
/* Pure: an images/<id>.json document and back. */
int image_record_parse(const char *json, struct image_record *ret);
int image_record_format(const struct image_record *r, char **ret_json);

/* Paths in the store: <store>/<fmt...>. */
int store_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A reference as docker spells it, completed: "busybox" -> "busybox:latest";
 * "reg:5000/a/b" -> "reg:5000/a/b:latest"; "name@sha256:..." as it is.
 * -EINVAL for what is not a reference.
 */
int image_ref_normalize(const char *in, char *buf, size_t size);
/* Whether s is a 64-hex digit id, with or without "sha256:". */
bool image_is_id(const char *s);
/* The hex of a "sha256:<hex>" digest (a pointer into d), or NULL. */
const char *digest_hex(const char *d);
/* o's string member key, or NULL when it is missing or not a string. */
const char *json_str(struct json_object *o, const char *key);

/* repositories.json: the refs object (owned), an empty one when there is none. */
int store_refs_load(struct json_object **ret);
/* Writes it atomically; the caller holds store_lock(). */
int store_refs_save(struct json_object *refs);
/* flock()s <store>/lock exclusively; returns the fd to close. */
int store_lock(void);

/*
 * Finds an image by reference, by id ("sha256:" optional) or by a unique id
 * prefix of at least 4 hex digits: its id into ret_id. -ENOENT if none,
 * -ENOTUNIQ when a prefix matches several.
 */
int store_image_find(const char *name, char ret_id[IMAGE_ID_HEX + 1]);
int store_image_read(const char *id, struct image_record *ret);
/* The overlay lowerdir of an image: its layers' fs directories, top first, ':'-joined. */
int store_image_lowerdirs(const struct image_record *r, char *buf, size_t size);
/* Its config blob, parsed. */
int store_image_config(const char *id, struct image_config *ret, struct hutch_error *err);
/* Every image id in the store (malloc'd array of hex strings). */
int store_image_list(char (**ret_ids)[IMAGE_ID_HEX + 1], size_t *ret_n);

/*
 * The host path of rel (e.g. "etc/passwd") as a container over rootfs sees it:
 * rootfs is one directory or a ':'-joined lowerdir, top first; the topmost
 * layer that has rel wins, an overlay whiteout hides it. -ENOENT if none.
 */
int layers_find(const char *rootfs, const char *rel, char *buf, size_t size);

/* ---- image.c: what `hutch run` asks of the images directory ---- */
/* Whether name can be a directory image (<store>/<name>): no ':', '/' or '@', not the store's own. */
bool image_is_dir_image(const char *name);
/* An image's config; an empty one for a directory image. */
int image_resolve_config(const char *name, struct image_config *ret, struct hutch_error *err);
struct hutch_state;
/*
 * Fills what `hutch run` was not told from the image's config, as docker
 * does: the command is Entrypoint + (the given CMD or the image's Cmd),
 * "sh" for a directory image; -w and -u win over WorkingDir and User.
 */
int image_config_apply(const struct image_config *c, struct hutch_state *st,
		       struct hutch_error *err);

#endif
