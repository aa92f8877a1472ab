/* SPDX-License-Identifier: MIT */
/*
 * The I/O layer over the pure /proc parsers for one process: read a pid's
 * files and hand them to procfs_parse_*. Kept apart from procfs.h so the
 * parsers stay free of I/O. Every function returns 0 or a negative errno;
 * a process that is gone (or going) is -ESRCH.
 */
#ifndef HUTCH_PROCFS_READ_H
#define HUTCH_PROCFS_READ_H

#include <stdint.h>
#include <sys/types.h>

#include "hutch/procfs.h"

/* /proc/PID/stat and /proc/PID/status, parsed. pid 0 is the caller. */
int procfs_read_pid_stat(pid_t pid, struct procfs_pid_stat *ret);
int procfs_read_pid_status(pid_t pid, struct procfs_pid_status *ret);
/* /proc/PID/task/TID/stat, parsed (PID 0: this process). */
int procfs_read_task_stat(pid_t pid, pid_t tid, struct procfs_pid_stat *ret);
/* The thread ids of a process (/proc/PID/task), in directory order. */
int procfs_list_tasks(pid_t pid, pid_t **ret_tids, size_t *ret_n);
/* Every process of the caller's pid namespace (/proc), in directory order. */
int procfs_list_pids(pid_t **ret_pids, size_t *ret_n);
/* The inode of the pid namespace a process is in (/proc/PID/ns/pid). */
int procfs_pidns_inode(pid_t pid, uint64_t *ret_inode);
/* /proc/PID/cgroup as text (NUL-terminated, owned by the caller). */
int procfs_read_pid_cgroup_text(pid_t pid, char **ret_buf, size_t *ret_len);

#endif
