/* SPDX-License-Identifier: MIT */
/*
 * hutch top: a ctop-style terminal viewer of every container on the host.
 * `hutch top` and the standalone `hutch-top` both call this; argv[0] is "top".
 * Returns the exit status: 0, 1 when the data source cannot be read (no
 * cgroups, a collector URL that does not answer), 2 on bad usage or when the
 * screen has no terminal.
 */
#ifndef HUTCH_VIEWER_H
#define HUTCH_VIEWER_H

int viewer_top_main(int argc, char **argv);

#endif
