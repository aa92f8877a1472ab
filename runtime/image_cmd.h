/* SPDX-License-Identifier: MIT */
/* hutch-image's verbs (one file each) and what they share. */
#ifndef HUTCH_IMAGE_CMD_H
#define HUTCH_IMAGE_CMD_H

#include "image_write.h"

int cmd_load(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_image_inspect(int argc, char **argv);
int cmd_image_prune(int argc, char **argv);
int cmd_build(int argc, char **argv);

/* A layer to land: its blob staged at path. */
struct land_layer {
	const char *path;
	const char *unpacked; /* a directory with fs/ already unpacked (import, commit), or NULL */
	char hex[IMAGE_ID_HEX + 1]; /* the blob's sha256 */
	char expected_hex[IMAGE_ID_HEX +
			  1]; /* what the manifest says it is, "" if it says nothing */
	char media_type[128]; /* "" when the archive does not say */
	uint64_t size;
};

/* An image to land: its config, its layers (base first), its names. */
struct image_land {
	const char *tmp; /* the work directory layers are unpacked in */
	const char *config;
	size_t config_len;
	char config_digest[IMAGE_ID_HEX + 1]; /* as named, "" if not */
	struct land_layer *layers;
	size_t n_layers;
	const char **tags;
	size_t n_tags;
};
/*
 * Checks every digest and media type, unpacks the layers the store lacks in
 * in->tmp, then lands layers, blobs, the image record and its tags under the
 * store's lock. Nothing lands unless all is well.
 */
int image_land(const struct image_land *in, struct progress *prog, char ret_id[IMAGE_ID_HEX + 1],
	       struct hutch_error *err);
/* An image to land: config over layers, tagged *name when name and *name are not NULL
 * (the tag points at the caller's *name). */
struct image_land image_land_init(const char *tmp, const char *config, struct land_layer *layers,
				  size_t n_layers, const char **name);
bool image_layer_media_type_known(const char *mt);
/*
 * The layers of an image in the store, to land again under a new config
 * (their blobs' paths point into the store; static storage, valid until the
 * next call): how many.
 */
size_t land_layers_of(const struct image_record *rec, struct land_layer *ll);
/*
 * Packs dir as a layer blob tmp/<name>.tar and unpacks it again as
 * tmp/<name>/fs, ready to land: a container's upper directory for commit,
 * a staged COPY for build. prog (or NULL) reports the unpacking as what.
 */
int layer_from_dir(const char *dir, const char *tmp, const char *name, struct land_layer *ret,
		   char *blob, size_t blob_size, char *unpacked, size_t unpacked_size,
		   struct progress *prog, const char *what, struct hutch_error *err);
/* A minimal image config (amd64, linux, PATH) over these layers: malloc'd JSON. */
char *image_make_config(const char *const *diff_ids, size_t n, const char *comment);

#endif
