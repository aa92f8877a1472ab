// SPDX-License-Identifier: MIT
/*
 * A smaller program for the same seccomp filter. libseccomp compares the
 * system call number with each allowed call, one instruction per call and
 * architecture (docker's allow list: 1228 instructions on amd64), and the
 * kernel JIT-compiles every instruction when a process loads the filter:
 * 0.33 ms here, in every container's start. Most allowed calls have
 * neighbouring numbers, so the same filter as ranges (a binary search over
 * the numbers where the outcome changes) is about a quarter of the size.
 *
 * The rewrite is exact, not a heuristic: the part of the program that reads
 * only the architecture and the call number (loads of those two words,
 * comparisons with constants, jumps, returns) is evaluated at every number
 * where one of its comparisons can change its way; between two such numbers
 * every comparison, and so the outcome, is the same. An outcome is a return
 * or the instruction where the program first reads anything else (an
 * argument): the rewritten program jumps there, into a copy of every
 * instruction of the original reachable from such places, in their order.
 * A program of another shape is left as it is.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_profile.h"

#define OFF_NR	 offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)

/* What the architecture/number part of a program does for one call: return k, or go to pc. */
struct outcome {
	bool go; /* reads an argument (or anything but nr and arch) at pc */
	uint32_t v;
};

struct run {
	uint32_t start; /* the first number of a run of numbers with one outcome */
	struct outcome o;
};

struct opt {
	const struct sock_filter *in;
	size_t n;
	uint32_t *crit; /* the sorted numbers where a comparison may change its result */
	size_t n_crit;
	struct sock_filter *out;
	size_t len, cap;
	size_t *go_fix; /* out's leaf jumps into the copied part: their indices */
	size_t n_fix;
	int err;
};

static bool same(struct outcome a, struct outcome b)
{
	return a.go == b.go && a.v == b.v;
}

#define MAX_ARCH_K 64

/* k and k+1, where arch compared with k may change its way; new ones only. */
static int note_arch(uint32_t *arch_k, size_t *n, uint32_t k)
{
	uint32_t v[2] = {k, k + 1};
	for (size_t i = 0; i < 2; i++) {
		bool dup = false;
		for (size_t j = 0; j < *n && !dup; j++)
			dup = arch_k[j] == v[i];
		if (dup)
			continue;
		if (*n == MAX_ARCH_K)
			return -EOPNOTSUPP;
		arch_k[(*n)++] = v[i];
	}
	return 0;
}

/* The program with nr and arch known, up to a return or its first other load. */
static int prefix_eval(const struct sock_filter *p, size_t n, uint32_t arch, uint32_t nr,
		       struct outcome *ret, uint32_t *arch_k, size_t *n_arch_k)
{
	uint32_t a = 0;
	bool a_is_arch = false;
	size_t pc = 0;
	int r;
	while (pc < n) {
		const struct sock_filter *f = &p[pc];
		size_t next = pc + 1;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k != OFF_NR && f->k != OFF_ARCH) {
				*ret = (struct outcome){.go = true, .v = (uint32_t)pc};
				return 0;
			}
			a_is_arch = f->k == OFF_ARCH;
			a = a_is_arch ? arch : nr;
			break;
		case BPF_JMP | BPF_JA:
			next += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K: {
			bool t = BPF_OP(f->code) == BPF_JEQ   ? a == f->k
				 : BPF_OP(f->code) == BPF_JGT ? a > f->k
							      : a >= f->k;
			next += t ? f->jt : f->jf;
			if (a_is_arch && arch_k && (r = note_arch(arch_k, n_arch_k, f->k)) < 0)
				return r;
			break;
		}
		case BPF_RET | BPF_K:
			*ret = (struct outcome){.go = false, .v = f->k};
			return 0;
		default:
			return -EOPNOTSUPP; /* the ALU, X, scratch memory or JSET on nr/arch */
		}
		pc = next;
	}
	return -EINVAL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted, unique: 0 and every K and K+1 a comparison of the program uses. */
static int crit_points(struct opt *o)
{
	o->crit = malloc((2 * o->n + 1) * sizeof(uint32_t));
	if (!o->crit)
		return -ENOMEM;
	size_t m = 0;
	o->crit[m++] = 0;
	for (size_t i = 0; i < o->n; i++) {
		uint16_t c = o->in[i].code;
		if (BPF_CLASS(c) == BPF_JMP && BPF_OP(c) != BPF_JA && BPF_SRC(c) == BPF_K) {
			o->crit[m++] = o->in[i].k;
			o->crit[m++] = o->in[i].k + 1;
		}
	}
	qsort(o->crit, m, sizeof(uint32_t), cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < m; i++)
		if (u == 0 || o->crit[i] != o->crit[u - 1])
			o->crit[u++] = o->crit[i];
	o->n_crit = u;
	return 0;
}

/* The outcome for every number, as runs, with arch set; the arch constants it compared. */
static int runs_for(struct opt *o, uint32_t arch, struct run **ret, size_t *ret_n, uint32_t *arch_k,
		    size_t *n_arch_k)
{
	struct run *r = malloc(o->n_crit * sizeof(*r));
	if (!r)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < o->n_crit; i++) {
		struct outcome out;
		int e = prefix_eval(o->in, o->n, arch, o->crit[i], &out, arch_k, n_arch_k);
		if (e < 0) {
			free(r);
			return e;
		}
		if (n == 0 || !same(r[n - 1].o, out))
			r[n++] = (struct run){.start = o->crit[i], .o = out};
	}
	*ret = r;
	*ret_n = n;
	return 0;
}

static bool runs_equal(const struct run *a, size_t na, const struct run *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].start != b[i].start || !same(a[i].o, b[i].o))
			return false;
	return true;
}

static size_t emit(struct opt *o, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (o->len == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 256;
		struct sock_filter *p = realloc(o->out, cap * sizeof(*p));
		if (!p) {
			o->err = -ENOMEM;
			return o->len;
		}
		o->out = p;
		o->cap = cap;
	}
	o->out[o->len] = (struct sock_filter){.code = code, .jt = jt, .jf = jf, .k = k};
	return o->len++;
}

/*
 * The search over runs is cut into blocks of at most BLOCK_RUNS runs: a
 * block is its comparisons, in preorder, then one instruction per outcome
 * its runs have (a return, or a jump into the copied rest), which every
 * comparison whose side is a single run jumps to: a leaf costs no
 * instruction of its own. Every jump stays in its block, under 255.
 */
#define BLOCK_RUNS 100

static void leaf(struct opt *o, struct outcome out)
{
	if (!out.go) {
		emit(o, BPF_RET | BPF_K, 0, 0, out.v);
		return;
	}
	/* The original's pc for now; copy_rest makes it the copy's offset. */
	size_t at = emit(o, BPF_JMP | BPF_JA, 0, 0, out.v);
	size_t *f = realloc(o->go_fix, (o->n_fix + 1) * sizeof(*f));
	if (!f) {
		o->err = -ENOMEM;
		return;
	}
	o->go_fix = f;
	o->go_fix[o->n_fix++] = at;
}

/* The outcomes of runs [lo, hi) once each, in order of first use; their count. */
static size_t block_outcomes(const struct run *r, size_t lo, size_t hi, struct outcome *ret)
{
	size_t n = 0;
	for (size_t i = lo; i < hi; i++) {
		size_t k = 0;
		while (k < n && !same(ret[k], r[i].o))
			k++;
		if (k == n)
			ret[n++] = r[i].o;
	}
	return n;
}

/* Where a side [lo, hi) of a comparison goes: its own comparison, or its run's outcome. */
static size_t side_target(const struct run *r, size_t lo, size_t hi, size_t at, size_t pool,
			  const struct outcome *outs)
{
	if (hi - lo > 1)
		return at;
	size_t k = 0;
	while (!same(outs[k], r[lo].o))
		k++;
	return pool + k;
}

/* The comparisons of [lo, hi), the first at o->len (preorder: left, then right). */
static void block_nodes(struct opt *o, const struct run *r, size_t lo, size_t hi, size_t pool,
			const struct outcome *outs)
{
	size_t at = o->len, mid = lo + (hi - lo) / 2;
	size_t left = side_target(r, lo, mid, at + 1, pool, outs);
	size_t right = side_target(r, mid, hi, at + (mid - lo), pool, outs);
	emit(o, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)(right - at - 1), (uint8_t)(left - at - 1),
	     r[mid].start);
	if (mid - lo > 1)
		block_nodes(o, r, lo, mid, pool, outs);
	if (hi - mid > 1)
		block_nodes(o, r, mid, hi, pool, outs);
}

static size_t tree_size(const struct run *r, size_t lo, size_t hi)
{
	struct outcome outs[BLOCK_RUNS];
	if (hi - lo <= BLOCK_RUNS)
		return hi - lo - 1 + block_outcomes(r, lo, hi, outs);
	size_t mid = lo + (hi - lo) / 2, left = tree_size(r, lo, mid);
	return (left > 255 ? 2 : 1) + left + tree_size(r, mid, hi);
}

/* A binary search over the runs: A >= the middle run's start goes right. */
static void tree(struct opt *o, const struct run *r, size_t lo, size_t hi)
{
	if (hi - lo <= BLOCK_RUNS) {
		struct outcome outs[BLOCK_RUNS];
		size_t n = block_outcomes(r, lo, hi, outs);
		if (hi - lo > 1)
			block_nodes(o, r, lo, hi, o->len + (hi - lo - 1), outs);
		for (size_t k = 0; k < n && o->err == 0; k++)
			leaf(o, outs[k]);
		return;
	}
	size_t mid = lo + (hi - lo) / 2, left = tree_size(r, lo, mid);
	if (left > 255) {
		emit(o, BPF_JMP | BPF_JGE | BPF_K, 0, 1, r[mid].start);
		emit(o, BPF_JMP | BPF_JA, 0, 0, (uint32_t)left);
	} else {
		emit(o, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left, 0, r[mid].start);
	}
	tree(o, r, lo, mid);
	tree(o, r, mid, hi);
}

/* The number's search for one architecture's runs (nothing to load when there is one outcome). */
static void arch_body(struct opt *o, const struct run *r, size_t n)
{
	if (n > 1)
		emit(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_NR);
	tree(o, r, 0, n);
}

/*
 * Appends every instruction of the original reachable from the leaves'
 * targets, in order, jumps renumbered (they only get shorter), and points
 * the leaves at them.
 */
static int copy_rest(struct opt *o)
{
	/* Each instruction is visited once and pushes at most two. */
	size_t *pos = malloc(o->n * sizeof(*pos)),
	       *stack = malloc((2 * o->n + o->n_fix) * sizeof(*stack));
	bool *keep = calloc(o->n, 1);
	int r = 0;
	if (!pos || !stack || !keep) {
		r = -ENOMEM;
		goto out;
	}
	size_t sp = 0;
	for (size_t i = 0; i < o->n_fix; i++)
		stack[sp++] = o->out[o->go_fix[i]].k;
	while (sp > 0) {
		size_t pc = stack[--sp];
		if (pc >= o->n) {
			r = -EINVAL;
			goto out;
		}
		if (keep[pc])
			continue;
		keep[pc] = true;
		const struct sock_filter *f = &o->in[pc];
		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (f->code == (BPF_JMP | BPF_JA)) {
			stack[sp++] = pc + 1 + f->k;
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			stack[sp++] = pc + 1 + f->jt;
			stack[sp++] = pc + 1 + f->jf;
		} else {
			stack[sp++] = pc + 1;
		}
	}
	size_t base = o->len, k = 0;
	for (size_t pc = 0; pc < o->n; pc++)
		if (keep[pc])
			pos[pc] = base + k++;
	for (size_t pc = 0; pc < o->n; pc++) {
		if (!keep[pc])
			continue;
		struct sock_filter f = o->in[pc];
		if (f.code == (BPF_JMP | BPF_JA)) {
			f.k = (uint32_t)(pos[pc + 1 + f.k] - pos[pc] - 1);
		} else if (BPF_CLASS(f.code) == BPF_JMP) {
			f.jt = (uint8_t)(pos[pc + 1 + f.jt] - pos[pc] - 1);
			f.jf = (uint8_t)(pos[pc + 1 + f.jf] - pos[pc] - 1);
		}
		emit(o, f.code, f.jt, f.jf, f.k);
	}
	for (size_t i = 0; i < o->n_fix; i++) {
		size_t at = o->go_fix[i];
		o->out[at].k = (uint32_t)(pos[o->out[at].k] - at - 1);
	}
out:
	free(pos);
	free(stack);
	free(keep);
	return r;
}

/* The architectures the program names, each with its runs, and what any other gets. */
struct arch_runs {
	uint32_t arch;
	struct run *r;
	size_t n;
};

static void arch_runs_free(struct arch_runs *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].r);
}

static int build(struct opt *o)
{
	int r = crit_points(o);
	if (r < 0)
		return r;
	/* Which architecture values it tells apart: those it compares arch with, found by running it. */
	uint32_t arch_k[MAX_ARCH_K];
	size_t n_arch_k = 0;
	struct arch_runs other = {0}, named[16];
	size_t n_named = 0;
	if ((r = runs_for(o, 0, &other.r, &other.n, arch_k, &n_arch_k)) < 0)
		return r;
	for (size_t i = 0; i < n_arch_k && r == 0; i++) {
		uint32_t a = arch_k[i];
		if (a == 0) /* "any other" itself */
			continue;
		struct run *ar;
		size_t an;
		/* Running it with a finds the constants it compares a with too. */
		if ((r = runs_for(o, a, &ar, &an, arch_k, &n_arch_k)) < 0)
			break;
		if (runs_equal(ar, an, other.r, other.n) || n_named == ARRAY_SIZE(named)) {
			r = runs_equal(ar, an, other.r, other.n) ? 0 : -EOPNOTSUPP;
			free(ar);
			continue;
		}
		named[n_named++] = (struct arch_runs){.arch = a, .r = ar, .n = an};
	}
	/* Every named value must be alone in its interval: a+1 behaves as any other. */
	for (size_t i = 0; i < n_named && r == 0; i++) {
		struct run *ar;
		size_t an;
		bool named_next = false;
		for (size_t j = 0; j < n_named; j++)
			named_next |= named[j].arch == named[i].arch + 1;
		if (named_next || named[i].arch + 1 == 0)
			continue;
		if ((r = runs_for(o, named[i].arch + 1, &ar, &an, NULL, NULL)) < 0)
			break;
		if (!runs_equal(ar, an, other.r, other.n))
			r = -EOPNOTSUPP;
		free(ar);
	}
	if (r == 0) {
		emit(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_ARCH);
		for (size_t i = 0; i < n_named; i++) {
			emit(o, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, named[i].arch);
			size_t ja = emit(o, BPF_JMP | BPF_JA, 0, 0, 0);
			arch_body(o, named[i].r, named[i].n);
			if (o->err == 0)
				o->out[ja].k = (uint32_t)(o->len - ja - 1);
		}
		arch_body(o, other.r, other.n);
		r = o->err ? o->err : copy_rest(o);
		if (r == 0 && o->err)
			r = o->err;
	}
	arch_runs_free(named, n_named);
	free(other.r);
	return r;
}

int seccomp_bpf_optimize(const struct sock_filter *in, size_t n, struct sock_filter **ret,
			 size_t *ret_len)
{
	struct opt o = {.in = in, .n = n};
	int r = n > 0 ? build(&o) : -EINVAL;
	if (r == 0 &&
	    (o.len >= n || o.len > BPF_MAXINSNS || BPF_CLASS(o.out[o.len - 1].code) != BPF_RET))
		r = -EOPNOTSUPP; /* not smaller, or not a program the kernel takes */
	free(o.crit);
	free(o.go_fix);
	if (r < 0) {
		free(o.out);
		return r;
	}
	*ret = o.out;
	*ret_len = o.len;
	return 0;
}

/* Classic BPF as the kernel runs a seccomp filter (the checks of seccomp_gen and the tests). */
uint32_t seccomp_bpf_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const unsigned char *data = (const unsigned char *)d;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS && f->k + 4 <= sizeof(*d))
				memcpy(&a, data + f->k, 4);
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
				a = mem[f->k];
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		case BPF_LDX:
			x = BPF_MODE(f->code) == BPF_IMM ? f->k
			    : f->k < BPF_MEMWORDS	 ? mem[f->k]
							 : 0;
			break;
		case BPF_ST:
		case BPF_STX:
			if (f->k < BPF_MEMWORDS)
				mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				a = src ? a / src : 0;
				break;
			case BPF_MOD:
				a = src ? a % src : 0;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			bool t = BPF_OP(f->code) == BPF_JEQ   ? a == src
				 : BPF_OP(f->code) == BPF_JGT ? a > src
				 : BPF_OP(f->code) == BPF_JGE ? a >= src
							      : (a & src) != 0;
			pc += t ? f->jt : f->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;
}

/* An argument vector of kind t: none, all bits, one bit, the constants the filter tests. */
static uint64_t arg_value(unsigned t, unsigned i, uint64_t *seed)
{
	static const uint64_t fixed[] = {0,	  ~0ULL,      0x7e020000ULL,
					 0x28ULL, 0x20008ULL, 0xffffffffULL};
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	if (t < ARRAY_SIZE(fixed))
		return fixed[t];
	return t % 2 ? 1ULL << (*seed >> 58) : *seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

long seccomp_bpf_differences(const struct sock_filter *a, size_t na, const struct sock_filter *b,
			     size_t nb)
{
	const uint32_t arches[] = {AUDIT_ARCH_X86_64,
				   AUDIT_ARCH_I386,
				   AUDIT_ARCH_AARCH64,
				   AUDIT_ARCH_ARM,
				   AUDIT_ARCH_X86_64 + 1,
				   0,
				   1,
				   0xffffffff};
	const uint32_t bases[] = {0, 0x40000000, 0x80000000, 0xfffffc00};
	uint64_t seed = 1;
	long bad = 0;
	for (size_t ai = 0; ai < ARRAY_SIZE(arches); ai++)
		for (size_t bi = 0; bi < ARRAY_SIZE(bases); bi++)
			for (uint32_t nr = 0; nr < 1024; nr++)
				for (unsigned t = 0; t < 12; t++) {
					struct seccomp_data d = {.nr = (int)(bases[bi] + nr),
								 .arch = arches[ai]};
					for (unsigned i = 0; i < 6; i++)
						d.args[i] = arg_value(t, i, &seed);
					bad += seccomp_bpf_run(a, na, &d) !=
					       seccomp_bpf_run(b, nb, &d);
				}
	return bad;
}
