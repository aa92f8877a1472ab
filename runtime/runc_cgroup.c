// SPDX-License-Identifier: MIT
/*
 * linux.resources into the container's cgroup: the limits libhutch knows
 * (memory, cpu, cpuset, pids) through cgroup_set_limits, the rest written to
 * the controller's own files (v1's or v2's names, by where the controller
 * is mounted), and the device policy: linux.resources.devices in order, then
 * the devices every container has and linux.devices' nodes, as runc lists
 * them, on v1's devices controller or as a BPF program on the unified cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hutch/cgroup.h"
#include "runc.h"

static int write_ctl(struct cgroup *cg, enum cgroup_controller c, const char *file,
		     const char *value, struct hutch_error *err)
{
	char dir[4096], path[4400];
	const struct cgroup_layout *layout;
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return hutch_error_setsys(err, -r, "cgroup layout");
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(layout, c);
	if (!h)
		return hutch_error_set(err, ENOTSUP, "%s: the %s controller is not mounted", file,
				       cgroup_controller_name(c, false));
	if ((r = cgroup_controller_dir(cg, c, dir, sizeof(dir))) < 0)
		return hutch_error_setsys(err, -r, "%s", file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((r = hutch_write_file(path, value)) < 0)
		return hutch_error_setsys(err, -r, "write '%s' to %s", value, path);
	return 0;
}

/* write_ctl of a number. */
static int write_ctl_num(struct cgroup *cg, enum cgroup_controller c, const char *file,
			 int64_t value, struct hutch_error *err)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)value);
	return write_ctl(cg, c, file, v, err);
}

static bool on_v2(enum cgroup_controller c)
{
	const struct cgroup_layout *layout;
	if (cgroup_layout_detect(&layout) < 0)
		return false;
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(layout, c);
	return h && h->unified;
}

static uint64_t limit_of(int64_t v)
{
	return v == OCI_UNSET ? HUTCH_UNKNOWN : v < 0 ? HUTCH_UNLIMITED : (uint64_t)v;
}

/* What libhutch's cgroup_limits holds: memory, cpu shares and quota, cpuset, pids. */
static int set_common_limits(struct cgroup *cg, const struct oci_resources *rs,
			     struct hutch_error *err)
{
	struct cgroup_limits lim;
	cgroup_limits_init(&lim);
	lim.memory_bytes = limit_of(rs->memory_limit);
	lim.memory_swap_bytes = limit_of(rs->memory_swap);
	lim.memory_reservation_bytes = limit_of(rs->memory_reservation);
	if (rs->cpu_shares > 0)
		lim.cpu_shares = (uint64_t)rs->cpu_shares;
	if (rs->cpu_quota != OCI_UNSET && rs->cpu_quota != 0)
		lim.cpu_quota_us = limit_of(rs->cpu_quota);
	if (rs->cpu_period > 0)
		lim.cpu_period_us = (uint64_t)rs->cpu_period;
	lim.cpuset_cpus = rs->cpus && rs->cpus[0] ? rs->cpus : NULL;
	lim.cpuset_mems = rs->mems && rs->mems[0] ? rs->mems : NULL;
	if (rs->pids_limit != OCI_UNSET && rs->pids_limit != 0)
		lim.pids_max = limit_of(rs->pids_limit);
	return cgroup_set_limits(cg, &lim, err);
}

/* Memory's and cpu's files that cgroup_limits does not have (some only on v1, some only on v2). */
static int set_memory_cpu_extras(struct cgroup *cg, const struct oci_resources *rs,
				 struct hutch_error *err)
{
	bool mem2 = on_v2(CGROUP_MEMORY), cpu2 = on_v2(CGROUP_CPU);
	int r;
	if (rs->memory_swappiness != OCI_UNSET && !mem2 &&
	    (r = write_ctl_num(cg, CGROUP_MEMORY, "memory.swappiness", rs->memory_swappiness,
			       err)) < 0)
		return r;
	if (rs->disable_oom_killer && !mem2 &&
	    (r = write_ctl(cg, CGROUP_MEMORY, "memory.oom_control", "1", err)) < 0)
		return r;
	if (rs->cpu_burst != OCI_UNSET &&
	    (r = write_ctl_num(cg, CGROUP_CPU, cpu2 ? "cpu.max.burst" : "cpu.cfs_burst_us",
			       rs->cpu_burst, err)) < 0)
		return r;
	if (rs->cpu_rt_period > 0 && !cpu2 &&
	    (r = write_ctl_num(cg, CGROUP_CPU, "cpu.rt_period_us", rs->cpu_rt_period, err)) < 0)
		return r;
	if (rs->cpu_rt_runtime != OCI_UNSET && rs->cpu_rt_runtime != 0 && !cpu2 &&
	    (r = write_ctl_num(cg, CGROUP_CPU, "cpu.rt_runtime_us", rs->cpu_rt_runtime, err)) < 0)
		return r;
	if (rs->cpu_idle == 1 && cpu2 && (r = write_ctl(cg, CGROUP_CPU, "cpu.idle", "1", err)) < 0)
		return r;
	return 0;
}

/* blockIO: weights and throttles, v1's blkio files or v2's io.weight and io.max. */
static int set_blkio(struct cgroup *cg, const struct oci_resources *rs, struct hutch_error *err)
{
	static const char *const v1_throttle[OCI_THROTTLES] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	static const char *const v2_key[OCI_THROTTLES] = {"rbps", "wbps", "riops", "wiops"};
	bool io2 = on_v2(CGROUP_BLKIO);
	char v[256];
	int r;
	if (rs->blkio_weight > 0) {
		snprintf(v, sizeof(v), "%s%lld", io2 ? "default " : "",
			 (long long)rs->blkio_weight);
		/* bfq's weight file is the one kernels with it have; cfq's is gone since 5.0 */
		if ((r = write_ctl(cg, CGROUP_BLKIO, io2 ? "io.weight" : "blkio.bfq.weight", v,
				   err)) < 0)
			return r;
	}
	for (size_t i = 0; i < rs->n_weight_devices; i++) {
		const struct oci_weight_device *d = &rs->weight_devices[i];
		if (d->weight == OCI_UNSET)
			continue;
		snprintf(v, sizeof(v), "%lld:%lld %lld", (long long)d->major, (long long)d->minor,
			 (long long)d->weight);
		if ((r = write_ctl(cg, CGROUP_BLKIO, io2 ? "io.weight" : "blkio.bfq.weight_device",
				   v, err)) < 0)
			return r;
	}
	for (int t = 0; t < OCI_THROTTLES; t++)
		for (size_t i = 0; i < rs->n_throttle[t]; i++) {
			const struct oci_throttle_device *d = &rs->throttle[t][i];
			snprintf(v, sizeof(v), "%lld:%lld %s%s%llu", (long long)d->major,
				 (long long)d->minor, io2 ? v2_key[t] : "", io2 ? "=" : "",
				 (unsigned long long)d->rate);
			if ((r = write_ctl(cg, CGROUP_BLKIO, io2 ? "io.max" : v1_throttle[t], v,
					   err)) < 0)
				return r;
		}
	return 0;
}

/*
 * v2's hugetlb is not one of the controllers libhutch enables (hutch limits
 * nothing with it): for a bundle with hugepageLimits it is enabled in each
 * cgroup.subtree_control from the hierarchy's top down to the container's
 * parent, as runc enables the controllers a container's path needs.
 */
static int enable_v2_hugetlb(struct cgroup *cg, struct hutch_error *err)
{
	const struct cgroup_layout *layout;
	char dir[4096], path[4200];
	int r = cgroup_layout_detect(&layout);
	if (r < 0)
		return hutch_error_setsys(err, -r, "cgroup layout");
	const struct cgroup_hierarchy *h = cgroup_layout_hierarchy(layout, CGROUP_HUGETLB);
	if ((r = cgroup_unified_dir(cg, dir, sizeof(dir))) < 0)
		return hutch_error_setsys(err, -r, "the unified cgroup");
	for (size_t i = strlen(h->mount_point); dir[i]; i++) {
		if (dir[i] != '/')
			continue;
		snprintf(path, sizeof(path), "%.*s/cgroup.subtree_control", (int)i, dir);
		if ((r = hutch_write_file(path, "+hugetlb")) < 0)
			return hutch_error_setsys(err, -r, "hugepageLimits: enable hugetlb in %s",
						  path);
	}
	return 0;
}

static int set_hugepages(struct cgroup *cg, const struct oci_resources *rs, struct hutch_error *err)
{
	bool h2 = on_v2(CGROUP_HUGETLB);
	int r;
	if (rs->n_hugepages && h2 && (r = enable_v2_hugetlb(cg, err)) < 0)
		return r;
	for (size_t i = 0; i < rs->n_hugepages; i++) {
		char file[128];
		snprintf(file, sizeof(file), h2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
			 rs->hugepages[i].key);
		if ((r = write_ctl(cg, CGROUP_HUGETLB, file, rs->hugepages[i].value, err)) < 0)
			return r;
	}
	return 0;
}

/* linux.resources.unified: file -> value in the unified cgroup, as given. */
static int set_unified(struct cgroup *cg, const struct oci_resources *rs, struct hutch_error *err)
{
	char dir[4096], path[4400];
	if (!rs->n_unified)
		return 0;
	if (cgroup_unified_dir(cg, dir, sizeof(dir)) < 0)
		return hutch_error_set(err, ENOTSUP,
				       "linux.resources.unified: no cgroup v2 hierarchy");
	for (size_t i = 0; i < rs->n_unified; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rs->unified[i].key);
		int r = hutch_write_file(path, rs->unified[i].value);
		if (r < 0)
			return hutch_error_setsys(err, -r, "unified: write '%s' to %s",
						  rs->unified[i].value, path);
	}
	return 0;
}

int runc_apply_resources(struct cgroup *cg, const struct oci_resources *rs, struct hutch_error *err)
{
	int r;
	if ((r = set_common_limits(cg, rs, err)) < 0 ||
	    (r = set_memory_cpu_extras(cg, rs, err)) < 0 || (r = set_blkio(cg, rs, err)) < 0 ||
	    (r = set_hugepages(cg, rs, err)) < 0 || (r = set_unified(cg, rs, err)) < 0)
		return r;
	return 0;
}

static unsigned access_bits(const char *access)
{
	unsigned a = 0;
	for (const char *c = access; *c; c++)
		a |= *c == 'r' ? DEV_ACC_READ : *c == 'w' ? DEV_ACC_WRITE : DEV_ACC_MKNOD;
	return a;
}

int runc_device_policy(struct cgroup *cg, const struct oci_config *cfg, struct hutch_error *err)
{
	const struct oci_resources *rs = &cfg->resources;
	size_t n_defaults, n = 0;
	const struct dev_rule *defaults = devices_default_rules(&n_defaults);
	_cleanup_free_ struct dev_rule *rules =
		calloc(rs->n_devices + n_defaults + cfg->n_devices, sizeof(*rules));
	if (!rules)
		return hutch_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < rs->n_devices; i++) {
		const struct oci_device_rule *d = &rs->devices[i];
		rules[n++] = (struct dev_rule){.type = d->type,
					       .major = d->major < 0 ? -1 : d->major,
					       .minor = d->minor < 0 ? -1 : d->minor,
					       .access = access_bits(d->access),
					       .deny = !d->allow};
	}
	/* After the bundle's rules, so none of them takes these away (runc's order). */
	memcpy(rules + n, defaults, n_defaults * sizeof(*rules));
	n += n_defaults;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct oci_device *d = &cfg->devices[i];
		if (d->type == 'p')
			continue;
		rules[n++] = (struct dev_rule){.type = d->type == 'u' ? 'c' : d->type,
					       .major = d->major,
					       .minor = d->minor,
					       .access = DEV_ACC_ALL};
	}
	return devices_apply_rules(cg, rules, n, err);
}
