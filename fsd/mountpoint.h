/* SPDX-License-Identifier: MIT */
/*
 * hutch-fsd's mount point between daemons (fsd/mountpoint.c). While no
 * hutch-fsd serves it, a runtime asked to bind MOUNTPOINT/proc/meminfo (docker
 * -v) makes the missing source a directory, and the container gets a
 * directory where /proc/meminfo belongs. So a real stop leaves a read-only
 * guard there (an empty read-only tmpfs: that mkdir fails and so does the
 * container's start, loudly), and a start repairs what it finds: a dead FUSE
 * mount, a guard, empty directories a runtime made while it was bare.
 */
#ifndef HUTCH_FSD_MOUNTPOINT_H
#define HUTCH_FSD_MOUNTPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* The guard's mount source, which says whose it is in /proc/self/mountinfo. */
#define FSD_GUARD_SOURCE "hutch-fsd-stopped"

/*
 * Makes mp ready for a new mount (the default one is created when missing)
 * and writes its real path to real: 0, or a negative errno once logged.
 */
int fsd_mountpoint_prepare(const char *mp, bool is_default, char *real, size_t size);

/* After the FUSE mount at mp was unmounted by a stop: mounts the guard (logged). */
void fsd_mountpoint_guard(const char *mp);

#endif
