// SPDX-License-Identifier: MIT
/* hutch images: the store's images (by name, and those without one), and directory images. */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hutch.h"
#include "image_store.h"
#include "verb.h"

static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		tree_bytes += (uint64_t)sb->st_size;
	return 0;
}

static void print_row(bool quiet, const char *repo, const char *tag, const char *id,
		      uint64_t created_ns, uint64_t bytes)
{
	if (quiet) {
		printf("%.12s\n", id[0] ? id : repo);
		return;
	}
	char when[32];
	struct tm tm;
	time_t t = (time_t)(created_ns / 1000000000ull);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-32s  %-12s  %-12.12s  %-20s  %.1fMB\n", repo, tag, id[0] ? id : "-", when,
	       (double)bytes / 1e6);
}

/* Whether id is an intermediate image of hutch build (a step's, kept as the cache). */
static bool build_step_image(const char *id)
{
	char p[4096];
	return store_path(p, sizeof(p), "build-cache/steps/%s", id) == 0 && access(p, F_OK) == 0;
}

/*
 * Images of the content-addressed store: a row per name, one for an image
 * without (but a build's intermediate images, unless all).
 */
static void list_store(bool quiet, bool all)
{
	char(*ids)[IMAGE_ID_HEX + 1] = NULL;
	size_t n = 0;
	struct json_object *refs = NULL;
	if (store_image_list(&ids, &n) < 0 || store_refs_load(&refs) < 0) {
		free(ids);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct image_record rec;
		if (store_image_read(ids[i], &rec) < 0)
			continue;
		uint64_t bytes = 0;
		for (size_t l = 0; l < rec.n_layers; l++)
			bytes += rec.layers[l].size;
		char want[80];
		bool named = false;
		snprintf(want, sizeof(want), "sha256:%s", ids[i]);
		json_object_object_foreach (refs, key, val) {
			if (strcmp(json_object_get_string(val), want) != 0)
				continue;
			char repo[300];
			snprintf(repo, sizeof(repo), "%s", key);
			char *colon = strrchr(repo, ':');
			if (colon)
				*colon = '\0';
			named = true;
			if (quiet)
				break;
			print_row(quiet, repo, colon ? colon + 1 : "", ids[i], rec.created_ns,
				  bytes);
		}
		if ((!named && (all || !build_step_image(ids[i]))) || (named && quiet))
			print_row(quiet, "<none>", "<none>", ids[i], rec.created_ns, bytes);
		image_record_free(&rec);
	}
	json_object_put(refs);
	free(ids);
}

/* Directory images: <store>/<name>, a root filesystem each. */
static void list_dirs(bool quiet)
{
	const char *store = image_store_dir();
	_cleanup_closedir_ DIR *d = opendir(store);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!image_is_dir_image(de->d_name) || strstr(de->d_name, ".tmp."))
			continue;
		char path[4096];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", store, de->d_name);
		if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if (quiet) {
			printf("%s\n", de->d_name);
			continue;
		}
		tree_bytes = 0;
		nftw(path, add_size, 16, FTW_PHYS);
		print_row(false, de->d_name, "(dir)", "", (uint64_t)sb.st_mtime * 1000000000ull,
			  tree_bytes);
	}
}

int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool quiet = false, all = false;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+qah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch images [-a] [-q]\n\n"
			       "List images: those loaded, pulled or imported into the store in "
			       "%s\n(HUTCH_IMAGES_DIR), and directory images there (a root "
			       "filesystem "
			       "each;\n'busybox' is built on first use from the host's busybox).\n"
			       "  -q   image ids (names for directory images) only\n"
			       "  -a   also the intermediate images of hutch build (its cache)\n",
			       image_store_dir());
			return 0;
		default:
			return VERB_BAD_FLAG("images", argv);
		}
	}
	if (optind < argc)
		return hutch_fail("images", "unexpected argument '%s'", argv[optind]);
	if (!quiet)
		printf("%-32s  %-12s  %-12s  %-20s  %s\n", "REPOSITORY", "TAG", "IMAGE ID",
		       "CREATED", "SIZE");
	list_store(quiet, all);
	list_dirs(quiet);
	return 0;
}
