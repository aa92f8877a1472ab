// SPDX-License-Identifier: MIT
/*
 * Capabilities: docker's names and its --cap-add/--cap-drop arithmetic
 * (pure), and their application to the calling process: the bounding set
 * first (before the user changes), then the effective and permitted sets,
 * an empty inheritable set (CVE-2022-24769: docker and runc stopped giving
 * one) and no ambient capabilities.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hutch.h"

static const char *const cap_names[] = {
	[CAP_CHOWN] = "CHOWN",
	[CAP_DAC_OVERRIDE] = "DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "DAC_READ_SEARCH",
	[CAP_FOWNER] = "FOWNER",
	[CAP_FSETID] = "FSETID",
	[CAP_KILL] = "KILL",
	[CAP_SETGID] = "SETGID",
	[CAP_SETUID] = "SETUID",
	[CAP_SETPCAP] = "SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "NET_BROADCAST",
	[CAP_NET_ADMIN] = "NET_ADMIN",
	[CAP_NET_RAW] = "NET_RAW",
	[CAP_IPC_LOCK] = "IPC_LOCK",
	[CAP_IPC_OWNER] = "IPC_OWNER",
	[CAP_SYS_MODULE] = "SYS_MODULE",
	[CAP_SYS_RAWIO] = "SYS_RAWIO",
	[CAP_SYS_CHROOT] = "SYS_CHROOT",
	[CAP_SYS_PTRACE] = "SYS_PTRACE",
	[CAP_SYS_PACCT] = "SYS_PACCT",
	[CAP_SYS_ADMIN] = "SYS_ADMIN",
	[CAP_SYS_BOOT] = "SYS_BOOT",
	[CAP_SYS_NICE] = "SYS_NICE",
	[CAP_SYS_RESOURCE] = "SYS_RESOURCE",
	[CAP_SYS_TIME] = "SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "SYS_TTY_CONFIG",
	[CAP_MKNOD] = "MKNOD",
	[CAP_LEASE] = "LEASE",
	[CAP_AUDIT_WRITE] = "AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "AUDIT_CONTROL",
	[CAP_SETFCAP] = "SETFCAP",
	[CAP_MAC_OVERRIDE] = "MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "MAC_ADMIN",
	[CAP_SYSLOG] = "SYSLOG",
	[CAP_WAKE_ALARM] = "WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "AUDIT_READ",
	[38] = "PERFMON",
	[39] = "BPF",
	[40] = "CHECKPOINT_RESTORE",
};
_Static_assert(ARRAY_SIZE(cap_names) == CAPS_KNOWN, "every capability hutch knows has a name");

const char *caps_name(int cap)
{
	return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

int caps_from_name(const char *s)
{
	if (!s)
		return -EINVAL;
	if (strncasecmp(s, "CAP_", 4) == 0)
		s += 4;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(s, cap_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static bool is_all(const char *s)
{
	return strcasecmp(s, "ALL") == 0 || strcasecmp(s, "CAP_ALL") == 0;
}

static bool any_all(char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		if (is_all(v[i]))
			return true;
	return false;
}

/* The mask of the names in v (ALL skipped); -EINVAL with err naming a bad one. */
static int names_mask(char *const *v, const char *flag, uint64_t *ret, struct hutch_error *err)
{
	uint64_t m = 0;
	for (size_t i = 0; v && v[i]; i++) {
		if (is_all(v[i]))
			continue;
		int c = caps_from_name(v[i]);
		if (c < 0)
			return hutch_error_set(err, EINVAL,
					       "%s '%s': not a capability (CHOWN, NET_ADMIN, "
					       "SYS_ADMIN, ... or ALL; CAP_ may come before)",
					       flag, v[i]);
		m |= 1ULL << c;
	}
	*ret = m;
	return 0;
}

int caps_compute(char *const *add, char *const *drop, uint64_t *ret, struct hutch_error *err)
{
	uint64_t a, d;
	int r;
	if ((r = names_mask(add, "--cap-add", &a, err)) < 0 ||
	    (r = names_mask(drop, "--cap-drop", &d, err)) < 0)
		return r;
	/* docker's rules: ALL added is all but the dropped; ALL dropped is only the added. */
	if (any_all(add))
		*ret = CAPS_ALL & ~d;
	else if (any_all(drop))
		*ret = a;
	else
		*ret = (HUTCH_CAPS_DEFAULT & ~d) | a;
	return 0;
}

void caps_format(uint64_t mask, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int c = 0; c < CAPS_KNOWN && n < size; c++)
		if (mask & (1ULL << c))
			n += (size_t)snprintf(buf + n, size - n, "%sCAP_%s", n ? "," : "",
					      cap_names[c]);
}
