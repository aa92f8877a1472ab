// SPDX-License-Identifier: MIT
/*
 * The container's device policy, docker's default: any node may be made
 * (mknod), and only null, zero, full, random, urandom, tty, console, the
 * pty devices and those given by --device may be read or written. On a
 * cgroup v1 devices controller the rules are written to devices.deny and
 * devices.allow; without one (pure v2, or a hybrid host whose v1 hierarchies
 * lack it) a BPF_PROG_TYPE_CGROUP_DEVICE program made from the same rules is
 * attached to the container's unified cgroup, as runc and crun do. Either
 * way the rules are in place before the init joins the cgroup and runs
 * anything of the image's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "hutch/cgroup.h"
#include "hutch.h"

#define ANY (-1)

/* docker's default rules (runc's AllowedDevices without tun). */
static const struct dev_rule default_rules[] = {
	{'c', ANY, ANY, DEV_ACC_MKNOD, false}, {'b', ANY, ANY, DEV_ACC_MKNOD, false},
	{'c', 1, 3, DEV_ACC_ALL, false},     /* null */
	{'c', 1, 5, DEV_ACC_ALL, false},     /* zero */
	{'c', 1, 7, DEV_ACC_ALL, false},     /* full */
	{'c', 1, 8, DEV_ACC_ALL, false},     /* random */
	{'c', 1, 9, DEV_ACC_ALL, false},     /* urandom */
	{'c', 5, 0, DEV_ACC_ALL, false},     /* tty */
	{'c', 5, 1, DEV_ACC_ALL, false},     /* console */
	{'c', 5, 2, DEV_ACC_ALL, false},     /* ptmx */
	{'c', 136, ANY, DEV_ACC_ALL, false}, /* pts/N */
};

int devices_resolve(char *const *specs, struct hutch_device **ret, size_t *ret_n,
		    struct hutch_error *err)
{
	size_t n = strv_len(specs);
	_cleanup_free_ struct hutch_device *v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		return hutch_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (spec_parse_device(specs[i], &v[i]) < 0)
			return hutch_error_set(err, EINVAL, "--device '%s': HOST[:CONTAINER[:rwm]]",
					       specs[i]);
		struct stat sb;
		if (stat(v[i].host, &sb) < 0)
			return hutch_error_setsys(err, errno, "--device %s", v[i].host);
		if (!S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode))
			return hutch_error_set(err, EINVAL, "--device %s: not a device node",
					       v[i].host);
		v[i].type = S_ISCHR(sb.st_mode) ? 'c' : 'b';
		v[i].rdev = sb.st_rdev;
		v[i].mode = sb.st_mode;
		v[i].uid = sb.st_uid;
		v[i].gid = sb.st_gid;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static void rule_text(const struct dev_rule *r, char *buf, size_t size)
{
	char maj[16] = "*", min[16] = "*", acc[4];
	size_t k = 0;
	if (r->major != ANY)
		snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
	if (r->minor != ANY)
		snprintf(min, sizeof(min), "%lld", (long long)r->minor);
	if (r->access & DEV_ACC_READ)
		acc[k++] = 'r';
	if (r->access & DEV_ACC_WRITE)
		acc[k++] = 'w';
	if (r->access & DEV_ACC_MKNOD)
		acc[k++] = 'm';
	acc[k] = '\0';
	snprintf(buf, size, "%c %s:%s %s", r->type, maj, min, acc);
}

static void device_rule(const struct hutch_device *d, struct dev_rule *ret)
{
	ret->type = d->type;
	ret->major = major(d->rdev);
	ret->minor = minor(d->rdev);
	ret->access = d->access;
}

/* v1: deny everything, then each rule in order, to devices.allow or devices.deny. */
static int apply_v1(const char *dir, const struct dev_rule *rules, size_t n,
		    struct hutch_error *err)
{
	char deny[4200], allow[4200], line[64];
	snprintf(deny, sizeof(deny), "%s/devices.deny", dir);
	snprintf(allow, sizeof(allow), "%s/devices.allow", dir);
	int r = hutch_write_file(deny, "a");
	if (r < 0)
		return hutch_error_setsys(err, -r, "write a to %s", deny);
	for (size_t i = 0; i < n; i++) {
		const char *path = rules[i].deny ? deny : allow;
		rule_text(&rules[i], line, sizeof(line));
		if ((r = hutch_write_file(path, line)) < 0)
			return hutch_error_setsys(err, -r, "write '%s' to %s", line, path);
	}
	return 0;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/*
 * One rule's test: each condition that does not hold jumps past the
 * block (to the next rule); a block that falls through returns its
 * verdict: 1 (allow) when the rule allows every access asked for, 0
 * (deny) when it denies any of them, as v1's exceptions match.
 * r2 access, r3 type, r4 major, r5 minor (the program's prologue).
 */
static size_t emit_rule(const struct dev_rule *rule, struct bpf_insn *out)
{
	size_t n = 0, jumps[4], n_jumps = 0;
	if (rule->type != 'a') {
		jumps[n_jumps++] = n;
		out[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0,
				rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if ((rule->access & DEV_ACC_ALL) != DEV_ACC_ALL) {
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 0, 0);
		if (rule->deny) {
			/* some access asked for is one the rule denies */
			out[n++] =
				INSN(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, (int32_t)rule->access);
			jumps[n_jumps++] = n;
			out[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0);
		} else {
			/* every access asked for is one the rule allows */
			out[n++] =
				INSN(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, (int32_t)~rule->access);
			jumps[n_jumps++] = n;
			out[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0);
		}
	}
	if (rule->major != ANY) {
		jumps[n_jumps++] = n;
		out[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)rule->major);
	}
	if (rule->minor != ANY) {
		jumps[n_jumps++] = n;
		out[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)rule->minor);
	}
	out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, rule->deny ? 0 : 1);
	out[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < n_jumps; i++)
		out[jumps[i]].off = (int16_t)(n - jumps[i] - 1);
	return n;
}

#define MAX_RULE_INSNS 9

/* The default rules, then extra: one list in the order v1 is written. */
static struct dev_rule *with_defaults(const struct dev_rule *extra, size_t n_extra, size_t *ret_n)
{
	size_t n = ARRAY_SIZE(default_rules) + n_extra;
	struct dev_rule *v = calloc(n, sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v, default_rules, sizeof(default_rules));
	if (n_extra)
		memcpy(v + ARRAY_SIZE(default_rules), extra, n_extra * sizeof(*extra));
	*ret_n = n;
	return v;
}

int devices_bpf_rules(const struct dev_rule *rules, size_t n_rules, struct bpf_insn **ret,
		      size_t *ret_n)
{
	struct bpf_insn *p = calloc(8 + n_rules * MAX_RULE_INSNS, sizeof(*p));
	if (!p)
		return -ENOMEM;
	size_t n = 0;
	/* struct bpf_cgroup_dev_ctx: access_type (access << 16 | type), major, minor */
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff);
	p[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 2, 0, 0, 16);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
	/* The last rule that matches decides, as the last write does on v1: tested first. */
	bool all = false;
	for (size_t i = n_rules; i-- > 0 && !all;) {
		n += emit_rule(&rules[i], p + n);
		/* one that matches every access ends it: the verifier refuses code never reached */
		all = rules[i].type == 'a' && rules[i].major == ANY && rules[i].minor == ANY &&
		      (rules[i].access & DEV_ACC_ALL) == DEV_ACC_ALL;
	}
	if (!all) {
		p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0); /* no rule allowed it */
		p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	*ret = p;
	*ret_n = n;
	return 0;
}

int devices_bpf_program(const struct dev_rule *extra, size_t n_extra, struct bpf_insn **ret,
			size_t *ret_n)
{
	size_t n;
	_cleanup_free_ struct dev_rule *rules = with_defaults(extra, n_extra, &n);
	if (!rules)
		return -ENOMEM;
	return devices_bpf_rules(rules, n, ret, ret_n);
}

/* Pure v2, or a hybrid host without a v1 devices controller: a program on the unified cgroup. */
static int apply_bpf(const char *unified_dir, const struct dev_rule *rules, size_t n,
		     struct hutch_error *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n_insns;
	if (devices_bpf_rules(rules, n, &insns, &n_insns) < 0)
		return hutch_error_set(err, ENOMEM, "out of memory");
	union bpf_attr load = {0};
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)insns;
	load.insn_cnt = (uint32_t)n_insns;
	load.license = (uint64_t)(uintptr_t) "MIT";
	_cleanup_close_ int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	if (prog < 0) {
		/* Again with the verifier's log, for the message (its end says why). */
		int e = errno;
		static char log[1 << 16];
		log[0] = '\0';
		load.log_buf = (uint64_t)(uintptr_t)log;
		load.log_size = sizeof(log);
		load.log_level = 1;
		(void)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
		size_t len = strlen(log);
		const char *tail = len > 200 ? log + len - 200 : log;
		return hutch_error_set(err, e, "load the device policy's BPF program: %s%s%s",
				       strerror(e), tail[0] ? ": " : "", tail);
	}
	_cleanup_close_ int cg = open(unified_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return hutch_error_setsys(err, errno, "open %s", unified_dir);
	union bpf_attr attach = {0};
	attach.target_fd = (uint32_t)cg;
	attach.attach_bpf_fd = (uint32_t)prog;
	attach.attach_type = BPF_CGROUP_DEVICE;
	attach.attach_flags = BPF_F_ALLOW_MULTI;
	/* The cgroup holds the program from here; it goes when the cgroup is removed. */
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
		return hutch_error_setsys(err, errno, "attach the device policy to %s",
					  unified_dir);
	return 0;
}

int devices_apply_rules(struct cgroup *cg, const struct dev_rule *rules, size_t n,
			struct hutch_error *err)
{
	char dir[4096];
	/* HUTCH_DEVICE_POLICY=bpf: the v2 program even where v1's controller is (tests it on hybrid hosts). */
	const char *force = getenv("HUTCH_DEVICE_POLICY");
	bool bpf = force && strcmp(force, "bpf") == 0;
	if (!bpf && cgroup_controller_dir(cg, CGROUP_DEVICES, dir, sizeof(dir)) == 0 &&
	    access(dir, F_OK) == 0)
		return apply_v1(dir, rules, n, err);
	if (cgroup_unified_dir(cg, dir, sizeof(dir)) < 0)
		return hutch_error_set(err, ENODEV,
				       "no devices controller and no unified cgroup: the device "
				       "policy cannot be applied");
	return apply_bpf(dir, rules, n, err);
}

const struct dev_rule *devices_default_rules(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(default_rules);
	return default_rules;
}

int devices_apply(struct cgroup *cg, const struct hutch_device *devs, size_t n,
		  struct hutch_error *err)
{
	_cleanup_free_ struct dev_rule *extra = n ? calloc(n, sizeof(*extra)) : NULL;
	if (n && !extra)
		return hutch_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		device_rule(&devs[i], &extra[i]);
	size_t n_rules;
	_cleanup_free_ struct dev_rule *rules = with_defaults(extra, n, &n_rules);
	if (!rules)
		return hutch_error_set(err, ENOMEM, "out of memory");
	return devices_apply_rules(cg, rules, n_rules, err);
}

int devices_create(const char *rootfs, const struct hutch_device *devs, size_t n,
		   struct hutch_error *err)
{
	char p[4200];
	for (size_t i = 0; i < n; i++) {
		int r = root_join(rootfs, devs[i].path, p, sizeof(p), err);
		if (r < 0)
			return r;
		if ((r = make_target(p, false, err)) < 0)
			return r;
		unlink(p);
		if (mknod(p, devs[i].mode & (S_IFMT | 07777), devs[i].rdev) < 0)
			return hutch_error_setsys(err, errno, "mknod %s", devs[i].path);
		if (chown(p, devs[i].uid, devs[i].gid) < 0 || chmod(p, devs[i].mode & 07777) < 0)
			return hutch_error_setsys(err, errno, "set the owner of %s", devs[i].path);
	}
	return 0;
}
