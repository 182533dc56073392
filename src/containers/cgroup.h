/* SPDX-License-Identifier: Apache-2.0 */
/* Which container a process is in, read from its cgroup: /proc/PID/cgroup names the cgroup of
 * each hierarchy, and container runtimes name their cgroups after the container id:
 *   docker (cgroupfs driver)    /docker/<id>
 *   docker (systemd driver)     /system.slice/docker-<id>.scope
 *   podman                      /machine.slice/libpod-<id>.scope, /libpod_parent/libpod-<id>
 *   CRI-O                       /kubepods.slice/.../crio-<id>.scope, .../crio-<id>
 *   containerd (CRI)            /kubepods.slice/.../cri-containerd-<id>.scope, /kubepods/.../<id>
 * on cgroup v2 ("0::/path") and on cgroup v1 ("4:memory:/path") alike. On hybrid hosts the v2
 * line may say "/" while the v1 lines carry the id, so every line is looked at. */
#ifndef CTOPO_CGROUP_H
#define CTOPO_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_FILE_MAX (64u << 10) /* /proc/PID/cgroup is a few hundred bytes */
#define CGROUP_ID_LEN 64

struct cgroup_info {
	char *v2_path;        /* the "0::" path; NULL when the process has no v2 line (v1 only) */
	char *container_path; /* the path that names the container (the v2 one preferred), or NULL */
	/* The container the process runs in (innermost, for nested containers) and the outermost
	 * one; equal unless containers are nested; "" when no container is recognised. */
	char container_id[CGROUP_ID_LEN + 1];
	char outer_container_id[CGROUP_ID_LEN + 1];
	const char *runtime; /* "docker", "podman", "cri-o", "containerd", or NULL when unknown */
};

void cgroup_info_done(struct cgroup_info *info);

/* The content of /proc/PID/cgroup. 0, or -EBADMSG for a malformed line, -E2BIG when too large. */
int cgroup_parse(const char *buf, size_t len, struct cgroup_info *ret);

/* The innermost container id one cgroup path names; -ENOENT when none. ret_runtime may be NULL. */
int cgroup_container_id_from_path(const char *path, char ret_id[CGROUP_ID_LEN + 1], const char **ret_runtime);

/* Read and parse /proc/PID/cgroup. -ESRCH when the process is gone. */
int cgroup_read_pid(pid_t pid, struct cgroup_info *ret);

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified
 * (hybrid); -ENOENT on a v1-only host. */
int cgroup_v2_mount(const char **ret);

/* The cgroup id of a v2 path: the inode of its cgroupfs directory, which is what the kernel's
 * bpf_get_current_cgroup_id() reports. The root ("/") identifies nothing and gives 0, as does a
 * host without cgroup v2. -errno when the directory cannot be looked at. */
int cgroup_v2_id(const char *v2_path, uint64_t *ret);

#endif
