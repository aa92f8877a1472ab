// SPDX-License-Identifier: MIT
/*
 * The image store: one directory per image under /var/lib/hutch/images
 * (env HUTCH_IMAGES_DIR overrides it). Importing images comes later; the
 * "busybox" image is built on first use from the host's busybox.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hutch.h"
#include "image_store.h"

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	return n < 0 ? -errno : 0;
}

/* Every applet as a link to /bin/busybox, from `busybox --list-full`. */
static int link_applets(const char *busybox, const char *dir)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(busybox, "busybox", "--list-full", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[512], path[5300];
	int r = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strstr(line, "..") || strcmp(line, "bin/busybox") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		char parent[5300];
		snprintf(parent, sizeof(parent), "%s", path);
		hutch_mkdir_p(dirname(parent), 0755);
		if (symlink("/bin/busybox", path) < 0 && errno != EEXIST && r == 0)
			r = -errno;
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = -ENOEXEC;
	return r;
}

static int build_busybox(const char *final, struct hutch_error *err)
{
	static const char *const candidates[] = {"/bin/busybox", "/usr/bin/busybox"};
	const char *bb = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(candidates) && !bb; i++)
		if (access(candidates[i], X_OK) == 0)
			bb = candidates[i];
	if (!bb)
		return hutch_error_set(err, ENOENT,
				       "image 'busybox' not found, and no host busybox to build it "
				       "from (apt-get install busybox-static)");
	char tmp[4200], p[4300];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", final, (int)getpid());
	static const char *const dirs[] = {"bin", "etc",  "proc", "sys",
					   "dev", "root", "tmp",  "var"};
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && r == 0; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmp, dirs[i]);
		r = hutch_mkdir_p(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/tmp", tmp);
	chmod(p, 01777);
	snprintf(p, sizeof(p), "%s/bin/busybox", tmp);
	if (r == 0)
		r = copy_file(bb, p, 0755);
	if (r == 0)
		r = link_applets(bb, tmp);
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
	static const char group[] = "root:x:0:\nnogroup:x:65534:\n";
	snprintf(p, sizeof(p), "%s/etc/passwd", tmp);
	if (r == 0)
		r = hutch_write_new_file(p, passwd);
	snprintf(p, sizeof(p), "%s/etc/group", tmp);
	if (r == 0)
		r = hutch_write_new_file(p, group);
	if (r == 0 && rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = -errno;
	hutch_rm_rf(tmp); /* a concurrent build won the rename, or ours failed */
	if (r < 0)
		return hutch_error_setsys(err, -r, "build image 'busybox' in %s from %s", final,
					  bb);
	return 0;
}

int image_resolve(const char *name, char *buf, size_t size, struct hutch_error *err)
{
	const char *store = image_store_dir();
	struct stat sb;
	if (image_is_dir_image(name)) {
		int n = snprintf(buf, size, "%s/%s", store, name);
		if (n < 0 || (size_t)n >= size)
			return hutch_error_set(err, ENAMETOOLONG, "image '%s': name too long",
					       name);
		if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode))
			return 0;
	}
	char id[IMAGE_ID_HEX + 1];
	int r = store_image_find(name, id);
	if (r == -ENOTUNIQ)
		return hutch_error_set(err, ENOTUNIQ,
				       "image '%s': more than one image has that id prefix", name);
	if (r == 0) {
		struct image_record rec;
		if ((r = store_image_read(id, &rec)) < 0)
			return hutch_error_setsys(err, -r, "image '%s': read its record", name);
		r = store_image_lowerdirs(&rec, buf, size);
		image_record_free(&rec);
		if (r == -E2BIG)
			return hutch_error_set(err, E2BIG, "image '%s': too many layers to stack",
					       name);
		if (r < 0)
			return hutch_error_setsys(err, -r, "image '%s'", name);
		return 0;
	}
	if (strcmp(name, "busybox") != 0)
		return hutch_error_set(err, ENOENT, "image '%s' not found in %s", name, store);
	int n = snprintf(buf, size, "%s/%s", store, name);
	if (n < 0 || (size_t)n >= size)
		return hutch_error_set(err, ENAMETOOLONG, "image '%s': name too long", name);
	r = hutch_mkdir_p(store, 0755);
	if (r < 0)
		return hutch_error_setsys(err, -r, "create the image store %s", store);
	return build_busybox(buf, err);
}

int image_resolve_config(const char *name, struct image_config *ret, struct hutch_error *err)
{
	char id[IMAGE_ID_HEX + 1], p[4096];
	struct stat sb;
	memset(ret, 0, sizeof(*ret));
	if (image_is_dir_image(name) &&
	    snprintf(p, sizeof(p), "%s/%s", image_store_dir(), name) > 0 && stat(p, &sb) == 0 &&
	    S_ISDIR(sb.st_mode))
		return 0; /* a directory image has no config */
	if (store_image_find(name, id) < 0)
		return 0;
	int r = store_image_config(id, ret, err);
	ret->from_store = r == 0;
	return r;
}
