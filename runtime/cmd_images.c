// SPDX-License-Identifier: MIT
/* hutch images: the image store's directories. */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hutch.h"
#include "verb.h"

static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_F)
		tree_bytes += (uint64_t)sb->st_size;
	return 0;
}

int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool quiet = false;
	int c;
	verb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: hutch images [-q]\n\n"
			       "List images: directories under %s (HUTCH_IMAGES_DIR).\n"
			       "'busybox' is built there on first use from the host's busybox.\n",
			       image_store_dir());
			return 0;
		default:
			return VERB_BAD_FLAG("images", argv);
		}
	}
	if (optind < argc)
		return hutch_fail("images", "unexpected argument '%s'", argv[optind]);
	const char *store = image_store_dir();
	_cleanup_closedir_ DIR *d = opendir(store);
	if (!quiet)
		printf("%-24s  %-20s  %s\n", "REPOSITORY", "CREATED", "SIZE");
	if (!d)
		return 0; /* no store yet: no images */
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
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
		char when[32];
		struct tm tm;
		localtime_r(&sb.st_mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-24s  %-20s  %.1fMB\n", de->d_name, when, (double)tree_bytes / 1e6);
	}
	return 0;
}
