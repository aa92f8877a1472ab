/* SPDX-License-Identifier: MIT */
/*
 * sys/devices/system/cpu as lxcfs serves it (fsd/sys_cpu_dir.c): the host's
 * directory, walked once when a worker starts, with the reader's view laid
 * over it. A container reader sees cpuN directories only for its visible
 * CPUs (numbered from 0, as cpuinfo, stat and online number them: cpuK holds
 * the host's cpuK files), and possible, present and enabled equal to its
 * online, offline and isolated empty; every other file is the host's, read
 * at each read. `online` itself is the static file of the session's tree
 * (FSD_CPU_ONLINE). The session calls these from its operations: each
 * returns false when the node id (or the parent's) is not one of ours.
 */
#ifndef HUTCH_FSD_SYS_CPU_DIR_H
#define HUTCH_FSD_SYS_CPU_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fuse_req;
struct fuse_file_info;
struct fsd_state;
struct fsd_buf;

/* Walks host_dir (NULL: /sys/devices/system/cpu). 0 or a negative errno. */
int fsd_cpu_dir_init(const char *host_dir);
void fsd_cpu_dir_free(void);

bool fsd_cpu_dir_lookup(struct fuse_req *req, struct fsd_state *s, uint64_t parent,
			const char *name);
bool fsd_cpu_dir_getattr(struct fuse_req *req, uint64_t ino);
/* Appends parent's children the reader may see (the session adds "." and ".."). */
bool fsd_cpu_dir_list(struct fuse_req *req, struct fsd_state *s, uint64_t parent,
		      struct fsd_buf *b);
bool fsd_cpu_dir_is_dir(uint64_t ino, bool *ret_dir);
bool fsd_cpu_dir_open(struct fuse_req *req, uint64_t ino, struct fuse_file_info *fi);
bool fsd_cpu_dir_read(struct fuse_req *req, struct fsd_state *s, uint64_t ino, size_t size,
		      off_t off);
bool fsd_cpu_dir_readlink(struct fuse_req *req, uint64_t ino);

#endif
