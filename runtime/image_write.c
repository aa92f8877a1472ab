// SPDX-License-Identifier: MIT
/*
 * Writing the image store. Work is staged in tmp/ and renamed into place
 * whole: a layer directory, a blob, an image record, the refs file each
 * appear at once or not at all. A crash leaves only tmp/ entries, which the
 * next writer removes (their pid is in their name).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hutch.h"
#include "image_write.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int store_rm_rf(const char *path)
{
	if (nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int store_init(struct hutch_error *err)
{
	static const char *const dirs[] = {"blobs/sha256", "layers", "images", "tmp", "locks"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char p[4096];
		int r = store_path(p, sizeof(p), "%s", dirs[i]);
		if (r == 0)
			r = hutch_mkdir_p(p, 0700);
		if (r < 0)
			return hutch_error_setsys(err, -r, "create the image store in %s",
						  image_store_dir());
	}
	return 0;
}

/* Whether the maker of tmp/ entry name ("<kind>-<pid>-XXXXXX") is alive. */
static bool tmp_live(const char *name)
{
	const char *dash = strchr(name, '-');
	if (name[0] == '.' || !dash)
		return true; /* not ours: left alone */
	long pid = strtol(dash + 1, NULL, 10);
	return pid <= 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Removes tmp/ entries whose maker (the pid in "<kind>-<pid>-XXXXXX") has gone. */
static void tmp_sweep(void)
{
	char p[4096], e[4400];
	if (store_path(p, sizeof(p), "tmp") < 0)
		return;
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (tmp_live(de->d_name))
			continue;
		snprintf(e, sizeof(e), "%s/%s", p, de->d_name);
		store_rm_rf(e);
	}
}

int store_tmpdir(const char *kind, char *buf, size_t size, struct hutch_error *err)
{
	int r = store_init(err);
	if (r < 0)
		return r;
	tmp_sweep();
	r = store_path(buf, size, "tmp/%s-%d-XXXXXX", kind, (int)getpid());
	if (r < 0 || !mkdtemp(buf))
		return hutch_error_setsys(err, r < 0 ? -r : errno,
					  "make a work directory in %s/tmp", image_store_dir());
	return 0;
}

int store_lease(const char *tmp, const char *hex)
{
	/* under the store's lock: a collection either sees the lease or is over */
	_cleanup_close_ int lock = store_lock();
	char p[4200];
	if (lock < 0)
		return lock;
	snprintf(p, sizeof(p), "%s/lease-%s", tmp, hex);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The leases of live work directories (tmp/<kind>-<pid>-X/lease-<hex>) into keep. */
static void keep_leases(struct json_object *keep)
{
	char p[4096], w[4400];
	if (store_path(p, sizeof(p), "tmp") < 0)
		return;
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *de, *le;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !tmp_live(de->d_name))
			continue;
		snprintf(w, sizeof(w), "%s/%s", p, de->d_name);
		_cleanup_closedir_ DIR *wd = opendir(w);
		while (wd && (le = readdir(wd)))
			if (strncmp(le->d_name, "lease-", 6) == 0)
				json_object_object_add(keep, le->d_name + 6,
						       json_object_new_boolean(1));
	}
}

/* build-cache/<key> entries and steps/<id> marks whose image is gone (not in keep). */
static void sweep_build_cache(struct json_object *keep)
{
	static const char *const dirs[] = {"build-cache", "build-cache/steps"};
	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++) {
		char dir[4096], p[4400], id[IMAGE_ID_HEX + 1];
		store_path(dir, sizeof(dir), "%s", dirs[k]);
		_cleanup_closedir_ DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type == DT_DIR)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			_cleanup_free_ char *text = NULL;
			size_t len;
			if (k == 1)
				snprintf(id, sizeof(id), "%.64s", de->d_name);
			else if (hutch_read_file(p, 256, &text, &len) == 0)
				snprintf(id, sizeof(id), "%.*s", IMAGE_ID_HEX, text);
			else
				continue;
			if (!json_object_object_get_ex(keep, id, NULL))
				unlink(p);
		}
	}
}

int store_put_blob(const char *data, size_t len, char ret_hex[IMAGE_ID_HEX + 1])
{
	char hex[IMAGE_ID_HEX + 1], p[4096];
	int r = sha256_buf(data, len, hex);
	if (r == 0)
		r = store_path(p, sizeof(p), "blobs/sha256/%s", hex);
	if (r < 0)
		return r;
	if (access(p, F_OK) != 0 && (r = hutch_write_file_atomic(p, data, len, 0644)) < 0)
		return r;
	memcpy(ret_hex, hex, sizeof(hex));
	return 0;
}

int store_adopt_blob(const char *src, const char *hex)
{
	char p[4096];
	int r = store_path(p, sizeof(p), "blobs/sha256/%s", hex);
	if (r < 0)
		return r;
	/* a link, not a rename: another image of the same archive may name the blob too */
	if (link(src, p) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

bool store_has_layer(const char *diff_id)
{
	char p[4096];
	return store_path(p, sizeof(p), "layers/%s/layer.json", diff_id) == 0 &&
	       access(p, F_OK) == 0;
}

int store_adopt_layer(const char *src, const struct image_layer *l)
{
	char p[4096], meta[4200];
	int r = store_path(p, sizeof(p), "layers/%s", l->diff_id);
	if (r < 0)
		return r;
	snprintf(meta, sizeof(meta), "%s/layer.json", src);
	char doc[512];
	snprintf(doc, sizeof(doc),
		 "{\"digest\": \"sha256:%s\", \"mediaType\": \"%s\", \"size\": %llu}\n", l->digest,
		 l->media_type, (unsigned long long)l->size);
	if ((r = hutch_write_file_atomic(meta, doc, strlen(doc), 0644)) < 0)
		return r;
	if (rename(src, p) == 0)
		return 0;
	r = -errno;
	if (r == -EEXIST || r == -ENOTEMPTY) {
		/* another load or pull put the same layer in first: keep theirs */
		store_rm_rf(src);
		return 0;
	}
	return r;
}

int store_put_image(const struct image_record *rec)
{
	_cleanup_free_ char *json = NULL;
	char p[4096];
	int r = image_record_format(rec, &json);
	if (r == 0)
		r = store_path(p, sizeof(p), "images/%s.json", rec->id);
	if (r == 0)
		r = hutch_write_file_atomic(p, json, strlen(json), 0644);
	return r;
}

int store_tag(const char *ref, const char *id, char ret_old[IMAGE_ID_HEX + 1])
{
	_cleanup_close_ int lock = store_lock();
	if (lock < 0)
		return lock;
	return store_tag_locked(ref, id, ret_old);
}

int store_tag_locked(const char *ref, const char *id, char ret_old[IMAGE_ID_HEX + 1])
{
	char norm[300], val[80];
	int r = image_ref_normalize(ref, norm, sizeof(norm));
	if (r < 0)
		return r;
	struct json_object *refs = NULL, *v;
	if ((r = store_refs_load(&refs)) < 0)
		return r;
	ret_old[0] = '\0';
	if (json_object_object_get_ex(refs, norm, &v)) {
		const char *s = json_object_get_string(v);
		if (s && strncmp(s, "sha256:", 7) == 0)
			snprintf(ret_old, IMAGE_ID_HEX + 1, "%s", s + 7);
	}
	snprintf(val, sizeof(val), "sha256:%s", id);
	json_object_object_add(refs, norm, json_object_new_string(val));
	r = store_refs_save(refs);
	json_object_put(refs);
	return r;
}

/* Whether a container's root filesystem (a lowerdir list) stacks any layer of rec. */
static bool rootfs_uses(const char *rootfs, const struct image_record *rec)
{
	for (size_t i = 0; i < rec->n_layers; i++) {
		char p[200];
		snprintf(p, sizeof(p), "/layers/%s/fs", rec->layers[i].diff_id);
		if (strstr(rootfs, p))
			return true;
	}
	return false;
}

int store_layer_users(const struct image_record *rec, char *first_name, size_t size)
{
	struct hutch_state *sts = NULL;
	size_t n = 0;
	int count = 0;
	if (hutch_state_list(hutch_globals.root, &sts, &n) < 0)
		return 0;
	char lower[4096];
	if (store_image_lowerdirs(rec, lower, sizeof(lower)) < 0)
		lower[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* the image's whole stack, not a shared base layer */
		if (lower[0] && strcmp(sts[i].rootfs, lower) == 0) {
			if (count++ == 0)
				snprintf(first_name, size, "%s",
					 sts[i].name[0] ? sts[i].name : sts[i].id);
		}
	}
	hutch_state_list_free(sts, n);
	return count;
}

static uint64_t tree_bytes;
static int add_bytes(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		tree_bytes += (uint64_t)sb->st_blocks * 512;
	return 0;
}

int store_gc(bool remove_dangling_images, size_t *ret_removed, uint64_t *ret_freed_bytes)
{
	_cleanup_close_ int lock = store_lock();
	if (lock < 0)
		return lock;
	struct json_object *refs = NULL;
	int r = store_refs_load(&refs);
	if (r < 0)
		return r;
	struct hutch_state *sts = NULL;
	size_t n_sts = 0;
	if (hutch_state_list(hutch_globals.root, &sts, &n_sts) < 0)
		n_sts = 0;
	char(*ids)[IMAGE_ID_HEX + 1] = NULL;
	size_t n = 0, removed = 0;
	uint64_t freed = 0;
	if ((r = store_image_list(&ids, &n)) < 0)
		goto out;
	/* what stays: layers and blobs of kept images, layers containers stack */
	struct json_object *keep = json_object_new_object();
	keep_leases(keep); /* what loads, pulls and builds in progress use */
	for (size_t i = 0; i < n; i++) {
		struct image_record rec;
		if (store_image_read(ids[i], &rec) < 0)
			continue;
		bool tagged = false, used = false;
		char want[80];
		snprintf(want, sizeof(want), "sha256:%s", ids[i]);
		json_object_object_foreach (refs, key, val) {
			(void)key;
			if (strcmp(json_object_get_string(val), want) == 0)
				tagged = true;
		}
		for (size_t k = 0; k < n_sts; k++)
			if (rootfs_uses(sts[k].rootfs, &rec))
				used = true;
		used |= json_object_object_get_ex(keep, ids[i], NULL); /* a build's step */
		if (!tagged && !used && remove_dangling_images) {
			char p[4096];
			if (store_path(p, sizeof(p), "images/%s.json", ids[i]) == 0 &&
			    unlink(p) == 0)
				removed++;
			image_record_free(&rec);
			continue;
		}
		json_object_object_add(keep, ids[i], json_object_new_boolean(1));
		for (size_t l = 0; l < rec.n_layers; l++) {
			json_object_object_add(keep, rec.layers[l].diff_id,
					       json_object_new_boolean(1));
			json_object_object_add(keep, rec.layers[l].digest,
					       json_object_new_boolean(1));
		}
		image_record_free(&rec);
	}
	sweep_build_cache(keep);
	static const char *const kinds[] = {"layers", "blobs/sha256"};
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		char dir[4096], p[4400];
		store_path(dir, sizeof(dir), "%s", kinds[k]);
		_cleanup_closedir_ DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    json_object_object_get_ex(keep, de->d_name, NULL))
				continue;
			bool used = false;
			char needle[320];
			snprintf(needle, sizeof(needle), "/layers/%s/fs", de->d_name);
			for (size_t c = 0; c < n_sts && k == 0; c++)
				if (strstr(sts[c].rootfs, needle))
					used = true;
			if (used)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			tree_bytes = 0;
			nftw(p, add_bytes, 32, FTW_PHYS);
			if (store_rm_rf(p) == 0)
				freed += tree_bytes;
		}
	}
	json_object_put(keep);
	*ret_removed = removed;
	*ret_freed_bytes = freed;
out:
	free(ids);
	hutch_state_list_free(sts, n_sts);
	json_object_put(refs);
	return r;
}
