/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/report_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "net/netinfo.h"

uint32_t host_netns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static uint32_t host_mntns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/mnt", &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* Monotonic ns (the tracker's clock) to UNIX seconds. */
static double to_wall(uint64_t mono_ns, uint64_t mono_now_ns, double wall_now)
{
	if (!mono_ns)
		return wall_now;
	return wall_now - ((double)mono_now_ns - (double)mono_ns) / 1e9;
}

static void endpoint_from_key(struct report_endpoint *e, uint16_t family, const uint8_t addr[16], uint16_t port)
{
	e->family = family;
	memcpy(e->addr, addr, 16);
	e->port = port;
}

static void endpoint_from_nat(struct report_endpoint *e, const struct nat_endpoint *n)
{
	e->family = n->family;
	memcpy(e->addr, n->addr, 16);
	e->port = n->port;
}

static void fill_conn(struct report_conn *rc, const struct conn *c, const struct nat *nat, uint64_t mono_now,
		      double wall_now)
{
	struct nat_translation t;

	*rc = (struct report_conn){ .netns = c->key.netns,
				    .pid = c->pid,
				    .mntns = c->mntns,
				    .cgroup_id = c->cgroup_id,
				    .bytes_sent = c->bytes_sent,
				    .bytes_received = c->bytes_received,
				    .duration_ms = c->duration_ns / 1e6 };
	endpoint_from_key(&rc->local, c->key.family, c->key.local_addr, c->key.local_port);
	endpoint_from_key(&rc->remote, c->key.family, c->key.remote_addr, c->key.remote_port);
	rc->peer_local = rc->remote;
	rc->peer_remote = rc->local;
	memcpy(rc->comm, c->comm, sizeof(rc->comm));
	rc->comm[sizeof(rc->comm) - 1] = '\0';
	switch (c->direction) {
	case CONN_DIR_OUTBOUND:
		rc->direction = REPORT_DIR_OUTBOUND;
		break;
	case CONN_DIR_INBOUND:
		rc->direction = REPORT_DIR_INBOUND;
		break;
	case CONN_DIR_LISTENING:
		rc->direction = REPORT_DIR_LISTEN;
		break;
	default:
		rc->direction = REPORT_DIR_UNKNOWN;
	}
	if (c->direction == CONN_DIR_LISTENING)
		rc->state = REPORT_STATE_LISTEN;
	else if (c->state == CONN_CLOSED)
		rc->state = REPORT_STATE_CLOSED;
	else if (c->state == CONN_FAILED)
		rc->state = REPORT_STATE_FAILED;
	else
		rc->state = REPORT_STATE_ESTABLISHED;
	rc->first_seen = to_wall(c->first_seen_ns, mono_now, wall_now);
	rc->last_seen = to_wall(c->last_seen_ns, mono_now, wall_now);
	if (nat && c->direction != CONN_DIR_LISTENING && nat_lookup(nat, &c->key, &t) == 0) {
		rc->nat = true;
		endpoint_from_nat(&rc->peer_local, &t.peer);
		endpoint_from_nat(&rc->peer_remote, &t.local);
	}
}

/* The first of these labels the container has, or NULL. */
static const char *label_of(const struct container *c, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = container_label(c, keys[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

/* Kubernetes names a container by namespace, pod and container: Docker's labels and CRI-O's
 * annotations (io.kubernetes.*), containerd's CRI annotations (io.kubernetes.cri.*). */
static bool kubernetes_name(const struct container *c, char *buf, size_t len)
{
	static const char *const ns_keys[] = { "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace" };
	static const char *const pod_keys[] = { "io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name" };
	static const char *const name_keys[] = { "io.kubernetes.container.name", "io.kubernetes.cri.container-name" };
	const char *ns = label_of(c, ns_keys, ARRAY_SIZE(ns_keys));
	const char *pod = label_of(c, pod_keys, ARRAY_SIZE(pod_keys));
	const char *name = label_of(c, name_keys, ARRAY_SIZE(name_keys));

	if (!ns || !pod || !name)
		return false;
	snprintf(buf, len, "%s/%s/%s", ns, pod, name);
	return true;
}

static void fill_container(struct report_container *rc, const struct container *c)
{
	const char *name = c->name ? c->name : "";
	const char *project = container_label(c, "com.docker.compose.project");
	const char *service = container_label(c, "com.docker.compose.service");

	*rc = (struct report_container){ .pid = c->pid > 0 ? (uint32_t)c->pid : 0,
					 .mntns = (uint32_t)c->mntns,
					 .netns = (uint32_t)c->netns,
					 .cgroup_id = c->cgroup_id,
					 .running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED,
					 .started_at = c->started_ns / 1e9,
					 .stopped_at = c->stopped_ns / 1e9 };
	snprintf(rc->id, sizeof(rc->id), "%.*s", REPORT_ID_LEN - 1, c->id);
	snprintf(rc->name, sizeof(rc->name), "%s", name[0] == '/' ? name + 1 : name);
	if (!kubernetes_name(c, rc->name, sizeof(rc->name)) && !rc->name[0])
		/* a record from a hook that found no name: the short id is one */
		snprintf(rc->name, sizeof(rc->name), "%.12s", c->id);
	snprintf(rc->project, sizeof(rc->project), "%s", project ? project : "");
	snprintf(rc->service, sizeof(rc->service), "%s", service ? service : "");
	for (size_t i = 0; i < c->n_ports && rc->n_ports < REPORT_PORTS_MAX; i++) {
		struct report_port *p = &rc->ports[rc->n_ports++];

		endpoint_from_key(&p->host, c->ports[i].family, c->ports[i].host_addr, c->ports[i].host_port);
		p->container_port = c->ports[i].container_port;
	}
	snprintf(rc->image, sizeof(rc->image), "%s", c->image ? c->image : "");
	snprintf(rc->source, sizeof(rc->source), "%s", container_source_to_string(c->source));
	snprintf(rc->engine, sizeof(rc->engine), "%s", c->engine);
}

/* The edge store's copy, its monotonic times turned into UNIX time. */
static int add_edges(struct report *r, const struct edges *store, uint64_t mono_now, uint64_t wall_now)
{
	struct edge_record *v = NULL;
	size_t n = 0;
	int err = edges_snapshot(store, &v, &n);

	if (err < 0)
		return err;
	r->history_s = edges_history_ns(store) / 1e9;
	for (size_t i = 0; i < n; i++) {
		struct edge_record *e = &v[i];

		e->first_ns = e->first_ns + wall_now - mono_now;
		e->last_ns = e->last_ns + wall_now - mono_now;
		for (size_t j = 0; j < e->n_buckets; j++) {
			struct edge_bucket *b = &e->buckets[j];

			b->start_ns = b->start_ns + wall_now - mono_now;
			b->first_ns = b->first_ns ? b->first_ns + wall_now - mono_now : 0;
			b->last_ns = b->last_ns ? b->last_ns + wall_now - mono_now : 0;
		}
		err = report_add_edge(r, &(struct report_edge){ .rec = *e });
		e->buckets = NULL; /* the report's now */
		if (err < 0)
			break;
	}
	edges_records_free(v, n);
	return err;
}

/* Many connections share a cgroup or a pid: each is looked up once per report. */
struct answer {
	uint64_t key; /* 0: empty slot */
	const struct container *container;
};

struct answers {
	struct answer *v;
	size_t cap; /* a power of two, at least twice the keys asked for */
};

static const struct container *cached(struct answers *a, uint64_t key,
				      const struct container *(*find)(const struct containers *, uint64_t),
				      const struct containers *reg)
{
	size_t slot = ((key * 0x9e3779b97f4a7c15ull) >> 32) & (a->cap - 1);

	while (a->v[slot].key && a->v[slot].key != key)
		slot = (slot + 1) & (a->cap - 1);
	if (!a->v[slot].key) {
		a->v[slot].key = key;
		a->v[slot].container = find(reg, key);
	}
	return a->v[slot].container;
}

static const struct container *find_by_cgroup(const struct containers *reg, uint64_t cgroup_id)
{
	return containers_find_by_cgroup_id(reg, cgroup_id);
}

static const struct container *find_by_pid(const struct containers *reg, uint64_t pid)
{
	return containers_find_by_pid(reg, (pid_t)pid);
}

static void set_container_id(char id[REPORT_ID_LEN], const struct container *found)
{
	if (found)
		snprintf(id, REPORT_ID_LEN, "%.*s", REPORT_ID_LEN - 1, found->id);
}

/* The container of each connection and edge by its cgroup id: exact for a container of any
 * lifetime (the cgroup watch learnt the id when the cgroup was made). Else, for live sockets whose
 * mount namespace names no container (a process that entered only some namespaces, a runtime
 * without a hook), by the process's /proc/PID/cgroup. An edge is history: its pid may be
 * someone else's by now, so only its cgroup names it. */
static void name_by_cgroup(struct report *r, const struct containers *reg)
{
	struct answers by_cgroup = { 0 }, by_pid = { 0 };
	size_t cap = 64;

	while (cap < (r->n_conns + r->n_edges) * 2)
		cap <<= 1;
	by_cgroup.v = calloc(cap, sizeof(*by_cgroup.v));
	by_pid.v = calloc(cap, sizeof(*by_pid.v));
	by_cgroup.cap = by_pid.cap = cap;
	if (!by_cgroup.v || !by_pid.v)
		goto out; /* an optional refinement: without memory, mntns alone names containers */
	for (size_t i = 0; i < r->n_conns; i++) {
		struct report_conn *c = &r->conns[i];
		const struct container *found = NULL;

		if (c->cgroup_id)
			found = cached(&by_cgroup, c->cgroup_id, find_by_cgroup, reg);
		/* only live sockets: the pid of a closed one may belong to someone else by now */
		if (!found && c->pid && (c->state == REPORT_STATE_ESTABLISHED || c->state == REPORT_STATE_LISTEN) &&
		    !(c->mntns && containers_find_by_mntns(reg, c->mntns)))
			found = cached(&by_pid, c->pid, find_by_pid, reg);
		set_container_id(c->container_id, found);
	}
	for (size_t i = 0; i < r->n_edges; i++) {
		struct report_edge *e = &r->edges[i];

		if (e->rec.key.cgroup_id)
			set_container_id(e->container_id,
					 cached(&by_cgroup, e->rec.key.cgroup_id, find_by_cgroup, reg));
	}
out:
	free(by_cgroup.v);
	free(by_pid.v);
}

int report_build(const struct report_sources *s, struct report **ret)
{
	struct netns_list discovered = { 0 };
	const struct netns_list *namespaces = s->namespaces;
	uint64_t mono_now = clock_mono_ns();
	struct report *r;
	int err = -ENOMEM;

	r = report_new();
	if (!r)
		return -ENOMEM;
	r->generated_at = clock_real_s();
	r->host_netns = host_netns_inode();
	r->host_mntns = host_mntns_inode();

	for (size_t i = 0; i < s->conns->n; i++) {
		struct report_conn rc;

		fill_conn(&rc, &s->conns->conns[i], s->nat, mono_now, r->generated_at);
		if (report_add_conn(r, &rc) < 0)
			goto fail;
	}
	if (s->edges && add_edges(r, s->edges, mono_now, (uint64_t)(r->generated_at * NSEC_PER_SEC)) < 0)
		goto fail;
	for (size_t i = 0; s->containers && i < containers_count(s->containers); i++) {
		struct report_container rc;

		fill_container(&rc, containers_get(s->containers, i));
		if (report_add_container(r, &rc) < 0)
			goto fail;
	}

	if (!namespaces) {
		if (netns_discover(&discovered) < 0)
			log_debug("report: listing network namespaces failed; addresses unknown");
		namespaces = &discovered;
	}
	for (size_t i = 0; i < namespaces->n; i++) {
		struct report_netns *ns = report_netns_get(r, namespaces->v[i].inode);
		int q;

		if (!ns)
			goto fail;
		if (ns->inode == r->host_netns)
			snprintf(ns->label, sizeof(ns->label), "host");
		q = s->addresses ? netinfo_cache_read(s->addresses, ns->inode, namespaces->v[i].fd, ns)
				 : netinfo_read_prefixes(namespaces->v[i].fd, ns);
		if (q < 0)
			log_debug("report: addresses of netns %u unreadable: %s", ns->inode, strerror(-q));
	}
	if (s->addresses)
		netinfo_cache_sweep(s->addresses);
	if (s->containers)
		name_by_cgroup(r, s->containers);
	netns_list_clear(&discovered);
	*ret = r;
	return 0;
fail:
	netns_list_clear(&discovered);
	report_free(r);
	return err;
}
