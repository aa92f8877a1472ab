// SPDX-License-Identifier: MIT
/*
 * The device policy's program (devices_bpf_program: rules into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program), run here by a small interpreter of
 * the instructions it may use, over the kernel's context (struct
 * bpf_cgroup_dev_ctx), for docker's default rules and --device ones, and
 * ordered lists with denials (devices_bpf_rules, hutch-runc's):
 * allowed and refused accesses, and the program's shape (forward jumps in
 * bounds, an exit at the end). Then the kernel's verifier loads it (root
 * only; skipped otherwise). test_devices attaches it to containers' cgroups
 * and performs the accesses for real.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>

#include "hutch.h"

#define ANY (-1)

/* The kernel's call: r1 points at {access << 16 | type, major, minor}. */
static int run(const struct bpf_insn *p, size_t n, int type, uint32_t major, uint32_t minor,
	       unsigned access)
{
	uint32_t ctx[3] = {(uint32_t)access << 16 | (uint32_t)type, major, minor};
	uint64_t r[11] = {0};
	size_t pc = 0;
	for (size_t steps = 0; steps < 10000; steps++) {
		assert_true(pc < n);
		const struct bpf_insn *i = &p[pc++];
		uint64_t *dst = &r[i->dst_reg];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			/* only the context, word by word */
			assert_int_equal(i->src_reg, 1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			*dst = ctx[i->off / 4];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			*dst = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			*dst = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_AND | BPF_K:
			*dst &= (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_RSH | BPF_K:
			*dst >>= i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			assert_true(i->off >= 0); /* forward only: no loop */
			if (*dst != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			assert_true(i->off >= 0);
			if (*dst == (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("instruction %zu: opcode %#x the generator should not emit",
				 pc - 1, i->code);
		}
	}
	fail_msg("the program did not end");
	return -1;
}

struct program {
	struct bpf_insn *insns;
	size_t n;
};

static struct program build(const struct dev_rule *extra, size_t n_extra)
{
	struct program p = {0};
	assert_int_equal(devices_bpf_program(extra, n_extra, &p.insns, &p.n), 0);
	assert_true(p.n > 0 && p.n <= 4096);
	return p;
}

static const int C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
static const unsigned R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;

static void test_default_rules(void **state)
{
	struct program p = build(NULL, 0);
	static const struct {
		int type;
		uint32_t major, minor;
		unsigned access;
		int allowed;
	} cases[] = {
		{C, 1, 3, R | W, 1},			    /* null */
		{C, 1, 5, R, 1},			    /* zero */
		{C, 1, 7, W, 1},			    /* full */
		{C, 1, 8, R, 1},			    /* random */
		{C, 1, 9, R | W, 1},			    /* urandom */
		{C, 5, 0, R | W, 1},			    /* tty */
		{C, 5, 1, R | W, 1},			    /* console */
		{C, 5, 2, R | W, 1},			    /* ptmx */
		{C, 136, 0, R | W, 1},			    /* pts/0 */
		{C, 136, 77, R, 1},			    /* pts/77 */
		{C, 1, 1, R, 0},			    /* /dev/mem */
		{C, 10, 229, R | W, 0},			    /* fuse */
		{C, 10, 232, R, 0},			    /* kvm */
		{C, 4, 1, W, 0},			    /* a host tty */
		{C, 10, 200, R | W, 0},			    /* tun: not among docker's defaults */
		{B, 7, 0, R, 0},			    /* loop0 */
		{B, 7, 0, W, 0},	   {B, 1, 3, R, 0}, /* null's numbers, as a block device */
		{B, 7, 0, M, 1},			    /* mknod of anything */
		{C, 10, 229, M, 1},	   {B, 8, 0, M, 1},
		{B, 8, 0, M | R, 0}, /* every access asked must be allowed */
		{C, 136, 3, R | W | M, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = run(p.insns, p.n, cases[i].type, cases[i].major, cases[i].minor,
			      cases[i].access);
		if (got != cases[i].allowed)
			fail_msg("%c %u:%u access %#x: %s, expected %s",
				 cases[i].type == C ? 'c' : 'b', cases[i].major, cases[i].minor,
				 cases[i].access, got ? "allowed" : "refused",
				 cases[i].allowed ? "allowed" : "refused");
	}
	free(p.insns);
}

static void test_device_rules(void **state)
{
	/* --device /dev/loop0:/dev/xl:r, --device /dev/fuse (rwm), a whole major (c 180:* rw) */
	const struct dev_rule extra[] = {
		{'b', 7, 0, DEV_ACC_READ, false},
		{'c', 10, 229, DEV_ACC_ALL, false},
		{'c', 180, ANY, DEV_ACC_READ | DEV_ACC_WRITE, false},
	};
	struct program p = build(extra, 3);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, R), 1);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, W), 0);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, R | W), 0);
	assert_int_equal(run(p.insns, p.n, B, 7, 1, R), 0); /* another loop device */
	assert_int_equal(run(p.insns, p.n, C, 7, 0, R), 0); /* the same numbers, char */
	assert_int_equal(run(p.insns, p.n, C, 10, 229, R | W), 1);
	assert_int_equal(run(p.insns, p.n, C, 10, 232, R), 0); /* kvm still not */
	assert_int_equal(run(p.insns, p.n, C, 180, 0, R | W), 1);
	assert_int_equal(run(p.insns, p.n, C, 180, 99, W), 1);
	assert_int_equal(run(p.insns, p.n, C, 181, 0, R), 0);
	assert_int_equal(run(p.insns, p.n, C, 1, 3, R | W), 1); /* the defaults stay */
	free(p.insns);
}

static void test_any_type_rule(void **state)
{
	const struct dev_rule all = {'a', ANY, ANY, DEV_ACC_ALL, false};
	struct program p = build(&all, 1);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, R | W), 1);
	assert_int_equal(run(p.insns, p.n, C, 10, 232, R | W | M), 1);
	free(p.insns);
	const struct dev_rule read_only = {'a', ANY, ANY, DEV_ACC_READ, false};
	p = build(&read_only, 1);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, R), 1);
	assert_int_equal(run(p.insns, p.n, B, 7, 0, W), 0);
	free(p.insns);
}

/* Ordered rules with denials (hutch-runc's OCI lists): the last rule that matches decides. */
static void test_ordered_rules(void **state)
{
	const struct dev_rule deny_all_then_null[] = {
		{'a', ANY, ANY, DEV_ACC_ALL, true},
		{'c', 1, 3, DEV_ACC_READ | DEV_ACC_WRITE, false},
	};
	struct bpf_insn *insns;
	size_t n;
	assert_int_equal(devices_bpf_rules(deny_all_then_null, 2, &insns, &n), 0);
	assert_int_equal(run(insns, n, C, 1, 3, R | W), 1);
	assert_int_equal(run(insns, n, C, 1, 5, R), 0);
	assert_int_equal(run(insns, n, B, 7, 0, M), 0);
	free(insns);
	const struct dev_rule allow_all_then_loop[] = {
		{'a', ANY, ANY, DEV_ACC_ALL, false},
		{'b', 7, 0, DEV_ACC_READ | DEV_ACC_WRITE, true},
		{'c', 1, 3, DEV_ACC_WRITE, true},
	};
	assert_int_equal(devices_bpf_rules(allow_all_then_loop, 3, &insns, &n), 0);
	assert_int_equal(run(insns, n, B, 7, 0, R), 0);
	assert_int_equal(run(insns, n, B, 7, 0, M), 1); /* mknod was not denied */
	assert_int_equal(run(insns, n, B, 7, 1, R | W), 1);
	assert_int_equal(run(insns, n, C, 1, 3, W), 0);
	assert_int_equal(run(insns, n, C, 1, 3, R), 1); /* a denial of w alone leaves r */
	free(insns);
}

/* Jumps land inside the program, forward; the last instruction returns. */
static void test_shape(void **state)
{
	const struct dev_rule extra[] = {{'b', 7, 0, DEV_ACC_READ, false},
					 {'a', ANY, ANY, DEV_ACC_MKNOD, false}};
	struct program p = build(extra, 2);
	for (size_t i = 0; i < p.n; i++) {
		if (BPF_CLASS(p.insns[i].code) != BPF_JMP || BPF_OP(p.insns[i].code) == BPF_EXIT)
			continue;
		assert_true(p.insns[i].off >= 0);
		assert_true(i + 1 + (size_t)p.insns[i].off < p.n);
	}
	assert_int_equal(p.insns[p.n - 1].code, BPF_JMP | BPF_EXIT);
	/* nothing matched: refused */
	assert_int_equal(p.insns[p.n - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
	assert_int_equal(p.insns[p.n - 2].imm, 0);
	free(p.insns);
}

/* The kernel's verifier takes it (loading needs CAP_BPF or root: skipped without). */
static void test_kernel_load(void **state)
{
	const struct dev_rule extra[] = {{'b', 7, 0, DEV_ACC_READ, false},
					 {'c', 180, ANY, DEV_ACC_ALL, false}};
	struct program p = build(extra, 2);
	union bpf_attr load;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)p.insns;
	load.insn_cnt = (uint32_t)p.n;
	load.license = (uint64_t)(uintptr_t) "MIT";
	static char log[1 << 16];
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	int e = errno;
	free(p.insns);
	if (fd < 0 && (e == EPERM || e == ENOSYS)) {
		print_message("SKIP: BPF_PROG_LOAD: %s (needs root)\n", strerror(e));
		skip();
	}
	if (fd < 0)
		fail_msg("the verifier refused the program: %s\n%s", strerror(e), log);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules), cmocka_unit_test(test_device_rules),
		cmocka_unit_test(test_any_type_rule), cmocka_unit_test(test_ordered_rules),
		cmocka_unit_test(test_shape),	      cmocka_unit_test(test_kernel_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
