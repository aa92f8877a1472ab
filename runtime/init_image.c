// SPDX-License-Identifier: MIT
/*
 * hutch-init's bytes (init_main.c, built apart: runtime/CMakeLists.txt), in
 * hutch's read-only data: init.c copies them into a sealed memfd for each
 * container and each exec, so hutch and the init it runs are one file, of
 * one version, wherever hutch is installed.
 */
#ifndef HUTCH_INIT_PATH
#error "HUTCH_INIT_PATH: the built hutch-init"
#endif

__asm__(".section .rodata\n"
	".balign 64\n"
	".globl hutch_init_image\n"
	".hidden hutch_init_image\n"
	"hutch_init_image:\n"
	".incbin \"" HUTCH_INIT_PATH "\"\n"
	".globl hutch_init_image_end\n"
	".hidden hutch_init_image_end\n"
	"hutch_init_image_end:\n"
	".previous\n");
