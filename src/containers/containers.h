/* SPDX-License-Identifier: Apache-2.0 */
/* The container registry: every container ctopo knows, fed by the Docker client (docker.c) and
 * the OCI hook's records, looked up by what the tracker and the snapshot see: a mount namespace
 * inode (exact, even for a process that has exited), a cgroup id, a pid, a netns inode (several
 * containers may share one) or an IP address.
 *
 * Records of stopped containers stay for a retention time, so a short-lived container still has a
 * name in reports. Namespace inodes are reused by the kernel once a namespace dies: a lookup
 * prefers a running container, then the one that stopped last. */
#ifndef CTOPO_CONTAINERS_H
#define CTOPO_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Docker ids are 64 hex digits; OCI runtimes accept any name of [A-Za-z0-9_+.-] (runc). */
#define CONTAINER_ID_MAX 128

enum container_source {
	CONTAINER_SOURCE_DOCKER,
	CONTAINER_SOURCE_OCI_HOOK,
};

enum container_state {
	CONTAINER_CREATED, /* known, never started */
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_STOPPED,
};

struct container_label {
	char *key;
	char *value;
};

struct container_address {
	uint16_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/* A TCP port published on the host (`-p [IP:]HOST_PORT:PORT`). */
struct container_port {
	uint16_t family; /* of host_addr: AF_INET or AF_INET6; the unspecified address: every one */
	uint8_t host_addr[16];
	uint16_t host_port;
	uint16_t container_port;
};

struct container {
	char id[CONTAINER_ID_MAX + 1];
	char *name;
	char *image;
	char *hostname;
	struct container_label *labels;
	size_t n_labels;
	enum container_source source;
	/* the engine that runs it: "docker", "podman" (its Docker-compatible API, or a hook record
	 * podman annotated), "" when unknown (a plain runc/crun bundle) */
	char engine[16];
	enum container_state state;
	pid_t pid;      /* the container's init process; the last one it had once stopped */
	uint64_t mntns; /* inodes of /proc/PID/ns/mnt and /proc/PID/ns/net of that process */
	uint64_t netns;
	char *cgroup_path;   /* the cgroup that names the container (see cgroup.h) */
	uint64_t cgroup_id;  /* inode of its cgroup v2 directory; 0 when there is none */
	uint64_t started_ns; /* wall clock, ns since the epoch; 0 when unknown */
	uint64_t stopped_ns;
	char *network_mode; /* Docker's: "default" "host" "none" "container:<id>" a network name */
	char shares_netns_with[CONTAINER_ID_MAX + 1]; /* the id of a "container:<id>" mode; "" otherwise */
	struct container_address *addresses;
	size_t n_addresses;
	struct container_port *ports;
	size_t n_ports;
};

struct containers;

/* retention_ns: how long a stopped container's record stays (containers_expire). */
int containers_new(uint64_t retention_ns, struct containers **ret);
void containers_free(struct containers *reg);

/* Insert or update the record with info->id (1..128 of [A-Za-z0-9_+.-], else -EINVAL: an id
 * with '/' or control bytes is refused). What info leaves
 * empty (NULL string, "" engine, 0 inode, no labels) keeps the value known before, so the hook and Docker
 * complete each other; a Docker record stays a Docker record. Everything is copied. */
int containers_upsert(struct containers *reg, const struct container *info);

/* The container stopped at stopped_ns (0: now); its namespaces and names are kept. -ENOENT when
 * the id is unknown. */
int containers_mark_stopped(struct containers *reg, const char *id, uint64_t stopped_ns);
int containers_set_paused(struct containers *reg, const char *id, bool paused);
int containers_rename(struct containers *reg, const char *id, const char *name);

/* Remove records of containers stopped before now_ns - retention; returns how many went. */
size_t containers_expire(struct containers *reg, uint64_t now_ns);

size_t containers_count(const struct containers *reg);
/* The records in insertion order, for listing; valid until the next change to the registry. */
const struct container *containers_get(const struct containers *reg, size_t index);

const struct container *containers_find_by_id(const struct containers *reg, const char *id);
const struct container *containers_find_by_mntns(const struct containers *reg, uint64_t mntns);
/* The container a cgroup v2 id belongs to: learnt when the cgroup was made (containers_learn_cgroup),
 * else the record that has it. Exact: cgroup ids are never reused. */
const struct container *containers_find_by_cgroup_id(const struct containers *reg, uint64_t cgroup_id);

/* Remember the container id the path of cgroup cgroup_id names (tracker/cgroup_watch.h): a
 * container that lived 100 ms is then found by its cgroup id once its runtime has named it
 * (Docker's events, a hook record), and after it is gone. Kept as long as the container's record,
 * or the retention when no record comes. 1 when the path names a container, 0 when not, -ENOSPC,
 * -ENOMEM. */
int containers_learn_cgroup(struct containers *reg, uint64_t cgroup_id, const char *path, bool truncated,
			    uint64_t now_ns);
size_t containers_cgroups_learnt(const struct containers *reg);
/* The cgroups learnt at or after since_ns that name a container no record has yet: containers
 * made just now whose runtime has not told their name yet (podman's events come a few hundred ms
 * after the container was made). */
size_t containers_unnamed_cgroups(const struct containers *reg, uint64_t since_ns);
/* The container a live process runs in: its cgroup names the container (see cgroup.h), else its
 * mount namespace is one a container has (`docker exec`, a process that changed cgroup). */
const struct container *containers_find_by_pid(const struct containers *reg, pid_t pid);
/* Every container in that netns (`--network container:X` and pods share one), running ones
 * first; returns how many there are, fills up to max. */
size_t containers_find_by_netns(const struct containers *reg, uint64_t netns, const struct container **ret, size_t max);
/* The container that has this address on one of its networks (running preferred). Containers
 * that share its netns have no address of their own: containers_find_by_netns of its netns. */
const struct container *containers_find_by_ip(const struct containers *reg, uint16_t family, const uint8_t bytes[16]);

/* Fill pid-derived fields from /proc/PID: mntns, netns, cgroup path and id. 0, or -ESRCH when the
 * process is gone, -errno when /proc cannot be read. */
int container_probe_pid(struct container *c, pid_t pid);

/* Frees the members of a container filled by hand (not a registry record). */
void container_done(struct container *c);

const char *container_state_to_string(enum container_state s);
const char *container_source_to_string(enum container_source s);
/* "com.docker.compose.service" etc.; NULL when absent. */
const char *container_label(const struct container *c, const char *key);

#endif
