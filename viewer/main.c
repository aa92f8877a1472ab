/* SPDX-License-Identifier: MIT */
/* hutch-top: `hutch top` as a program of its own. */
#include "viewer.h"

int main(int argc, char **argv)
{
	argv[0] = (char *)"top";
	return viewer_top_main(argc, argv);
}
