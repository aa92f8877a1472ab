/* SPDX-License-Identifier: MIT */
/*
 * hutch-image's side of the store: hashing, unpacking layers safely,
 * staging work under tmp/ and renaming it into place, garbage collection.
 */
#ifndef HUTCH_IMAGE_WRITE_H
#define HUTCH_IMAGE_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_store.h"

/* A running sha256 (OpenSSL's EVP). */
struct sha256 {
	void *md; /* EVP_MD_CTX */
};
int sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest as 64 hex digits; frees the context. */
void sha256_final(struct sha256 *h, char hex[IMAGE_ID_HEX + 1]);
void sha256_free(struct sha256 *h);
int sha256_buf(const void *data, size_t len, char hex[IMAGE_ID_HEX + 1]);

/* How work reports itself: bars on a terminal, lines otherwise, nothing with -q. */
struct progress {
	bool quiet, tty;
	const char *what; /* "layer 2/5 3f1c0a2b9e4d" */
	uint64_t total;	  /* bytes expected, 0 if unknown */
	uint64_t done;
	uint64_t start_ns, last_ns;
};
void progress_init(struct progress *p, bool quiet);
void progress_begin(struct progress *p, const char *what, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p, const char *verb);

/* The biggest a layer may grow to unpacked (HUTCH_MAX_LAYER_BYTES, default 64 GiB). */
uint64_t layer_max_bytes(void);

/* What unpacking a layer found. */
struct unpack_result {
	char diff_id[IMAGE_ID_HEX + 1];	 /* sha256 of the uncompressed tar */
	const char *compression;	 /* "", "gzip", "zstd", ... */
	uint64_t tar_bytes;		 /* uncompressed */
	char blob_hex[IMAGE_ID_HEX + 1]; /* sha256 of the blob as read (layer_unpack_keep) */
	uint64_t blob_bytes;
};
/*
 * Unpacks the layer blob in fd (a tar, plain, gzip, zstd or xz) into the
 * empty directory dir: no entry may leave it (".." is refused, leading "/"
 * stripped, nothing is written through a symlink, hard links point inside),
 * .wh.NAME becomes an overlay whiteout, .wh..wh..opq an opaque directory;
 * owners, modes, xattrs (but trusted.overlay.*), times and device nodes kept.
 * Stops past layer_max_bytes() of tar. Leaves dir as it is on error.
 */
int layer_unpack(int fd, const char *dir, struct progress *prog, struct unpack_result *ret,
		 struct hutch_error *err);
/*
 * layer_unpack, keeping the blob in the same pass: every byte read from fd
 * (to its end) is also written to keep_fd and hashed into ret->blob_hex. A
 * blob read once (a pipe, a file on another disk) is unpacked and stored
 * without a second copy or a second read.
 */
int layer_unpack_keep(int fd, int keep_fd, const char *dir, struct progress *prog,
		      struct unpack_result *ret, struct hutch_error *err);

/*
 * Writes dir as a layer tar to fd (uncompressed), overlay whiteouts as
 * .wh.NAME and opaque directories as .wh..wh..opq; its sha256 into ret_hex.
 */
int layer_pack(const char *dir, int fd, char ret_hex[IMAGE_ID_HEX + 1], uint64_t *ret_bytes,
	       struct hutch_error *err);

/* A work directory <store>/tmp/<kind>-<pid>-XXXXXX (made); stale ones of dead pids are removed. */
int store_tmpdir(const char *kind, char *buf, size_t size, struct hutch_error *err);
/*
 * Leases hex (a blob's digest or a layer's diff_id) to the work directory
 * tmp while its maker lives: garbage collection keeps it, though no image
 * names it yet (a pull's fetched blob, a layer a load found in the store).
 */
int store_lease(const char *tmp, const char *hex);
/* rm -rf (no mount crossing). */
int store_rm_rf(const char *path);
/* Creates the store's directories. */
int store_init(struct hutch_error *err);

/* Writes a blob from memory into blobs/sha256/<hex> (atomically, if absent). */
int store_put_blob(const char *data, size_t len, char ret_hex[IMAGE_ID_HEX + 1]);
/* Links a staged file in as blobs/sha256/<hex> (if absent). */
int store_adopt_blob(const char *src, const char *hex);
/* Moves a staged layer directory (with fs/ and layer.json) in as layers/<diff_id>. */
int store_adopt_layer(const char *src, const struct image_layer *l);
/* Whether layers/<diff_id> exists. */
bool store_has_layer(const char *diff_id);
/* Writes images/<id>.json. */
int store_put_image(const struct image_record *rec);
/* Points ref (normalized) at id; returns the id it pointed at before in ret_old ("" if none). */
int store_tag(const char *ref, const char *id, char ret_old[IMAGE_ID_HEX + 1]);
/* The same with store_lock() already held (a load lands its layers, image and tags under one). */
int store_tag_locked(const char *ref, const char *id, char ret_old[IMAGE_ID_HEX + 1]);
/* "./a//b/" -> "a/b", leading '/' dropped; -EPERM for a ".." component. */
int image_clean_path(const char *in, char *out, size_t size);
/*
 * Removes images that no ref names (keep_tagged: only those) and no container
 * uses, then layers and blobs nothing refers to. Holds the store lock.
 * ret_removed counts images removed.
 */
int store_gc(bool remove_dangling_images, size_t *ret_removed, uint64_t *ret_freed_bytes);
/* The containers (in the state root) whose root filesystem stacks layer diff_id: count. */
int store_layer_users(const struct image_record *rec, char *first_name, size_t size);

#endif
