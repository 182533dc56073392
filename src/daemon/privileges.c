/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/privileges.h"

#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capabilities(7), in number order; a newer kernel's extra ones print as numbers */
static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};

static int caps_get(struct __user_cap_header_struct *h, struct __user_cap_data_struct d[2])
{
	*h = (struct __user_cap_header_struct){ .version = _LINUX_CAPABILITY_VERSION_3 };
	return syscall(SYS_capget, h, d) < 0 ? -errno : 0;
}

static uint64_t mask_of(uint32_t lo, uint32_t hi)
{
	return (uint64_t)hi << 32 | lo;
}

int privileges_get(struct privileges *ret)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	struct privileges p = { 0 };
	int r = caps_get(&h, d);

	if (r < 0)
		return r;
	p.permitted = mask_of(d[0].permitted, d[1].permitted);
	p.effective = mask_of(d[0].effective, d[1].effective);
	/* PR_CAPBSET_READ says EINVAL past the kernel's last capability */
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0)
			break;
		if (in)
			p.bounding |= CAP_BIT(cap);
	}
	*ret = p;
	return 0;
}

int privileges_drop(uint64_t keep, struct privileges *ret)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	struct privileges now;
	uint64_t permitted;
	bool bounding_dropped = true;
	int r = privileges_get(&now);

	if (r < 0)
		return r;
	r = caps_get(&h, d);
	if (r < 0)
		return r;
	/* the bounding set first: dropping from it takes CAP_SETPCAP, which goes next */
	for (int cap = 0; cap < 64; cap++)
		if ((now.bounding & CAP_BIT(cap)) && !(keep & CAP_BIT(cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			bounding_dropped = false; /* no CAP_SETPCAP (a container, a unit that did it) */
			break;
		}
	/* no execve() may give anything back, whatever the files it runs say */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	permitted = now.permitted & keep;
	for (int i = 0; i < 2; i++) {
		d[i].permitted = d[i].effective = (uint32_t)(permitted >> (32 * i));
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (ret) {
		r = privileges_get(ret);
		if (r < 0)
			return r;
		ret->bounding_dropped = bounding_dropped;
	}
	return 0;
}

void privileges_format(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (int cap = 0; cap < 64 && used < size; cap++) {
		if (!(mask & CAP_BIT(cap)))
			continue;
		if ((size_t)cap < sizeof(cap_names) / sizeof(cap_names[0]))
			used += snprintf(buf + used, size - used, "%s%s", used ? "," : "", cap_names[cap]);
		else
			used += snprintf(buf + used, size - used, "%s%d", used ? "," : "", cap);
	}
	if (!mask)
		snprintf(buf, size, "none");
}
