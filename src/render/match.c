/* SPDX-License-Identifier: Apache-2.0 */
/* Which container a process belongs to, and what each connection of a report is linked to: the
 * peer's socket, a listener that owns the address it dialled (after NAT, or a published port), or
 * "The Internet" / an unknown local host. */
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/hash.h"
#include "common/util.h"
#include "render/render.h"
#include "render/render_internal.h"

/* ---- endpoints ----------------------------------------------------------------------------- */

static uint64_t hash_endpoint(uint64_t h, const struct report_endpoint *e)
{
	struct {
		uint16_t family, port;
		uint8_t addr[16];
	} k = { .family = e->family, .port = e->port };

	memcpy(k.addr, e->addr, e->family == AF_INET ? 4 : 16);
	return hash_bytes(h, &k, sizeof(k));
}

static uint64_t hash_tuple(const struct report_endpoint *local, const struct report_endpoint *remote)
{
	return hash_endpoint(hash_endpoint(hash_seed(), local), remote);
}

static bool endpoint_equal(const struct report_endpoint *a, const struct report_endpoint *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static bool addr_unspecified(const struct report_endpoint *e)
{
	static const uint8_t zero[16];

	return !memcmp(e->addr, zero, 16);
}

/* ---- container mapping ------------------------------------------------------------------ */

/* Containers start within this of the moment the tracker first sees their first connection. */
#define START_SLACK_S 0.2
/* A runtime records a stop a little after the last process died. */
#define STOP_SLACK_S 0.5

/* Of the containers that had mount namespace mntns, the one a process seen at `when` was in. */
static const struct report_container *container_by_mntns(const struct report *r, uint32_t mntns, double when)
{
	const struct report_container *started = NULL, *fallback = NULL;

	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = &r->containers[i];

		if (c->mntns != mntns)
			continue;
		/* stopped before the connection was first seen: its inode names a newer namespace, of a
		 * container the registry may not know yet */
		if (when > 0 && !c->running && c->stopped_at > 0 && c->stopped_at + STOP_SLACK_S < when)
			continue;
		/* started after it: the inode was reused by a newer namespace than the connection's */
		if (when > 0 && c->started_at > 0 && c->started_at > when + START_SLACK_S)
			continue;
		if (when > 0 && c->started_at > 0 && c->started_at <= when + START_SLACK_S &&
		    (!started || c->started_at > started->started_at))
			started = c;
		if (!fallback || (c->running && !fallback->running) ||
		    (c->running == fallback->running && c->stopped_at > fallback->stopped_at))
			fallback = c;
	}
	return started ? started : fallback;
}

const struct report_container *render_map_container(const struct report *r, uint32_t mntns, uint64_t cgroup_id,
						    const char *container_id, uint32_t netns, double when)
{
	const struct report_container *only = NULL;
	size_t matches = 0;

	/* found at build time from the cgroup: exact, where a mount namespace inode may have been
	 * reused by a container the registry never knew */
	if (container_id && container_id[0]) {
		const struct report_container *c = report_container_by_id(r, container_id);

		if (c)
			return c;
	}
	if (mntns) {
		const struct report_container *c = container_by_mntns(r, mntns, when);

		if (c)
			return c;
	}
	/* on hybrid cgroup hosts every process shares the root cgroup id: only a unique one names */
	if (cgroup_id) {
		for (size_t i = 0; i < r->n_containers; i++)
			if (r->containers[i].cgroup_id == cgroup_id) {
				only = &r->containers[i];
				matches++;
			}
		if (matches == 1)
			return only;
	}
	/* dockerd's resolver listens inside a container's netns, yet is a host process; and a
	 * container that started after the process was first seen got the inode of a dead namespace
	 * (an edge of the store outlives its namespace) */
	if (netns && netns != r->host_netns && (!mntns || mntns != r->host_mntns)) {
		matches = 0;
		for (size_t i = 0; i < r->n_containers; i++)
			if (r->containers[i].netns == netns && r->containers[i].running &&
			    !(when > 0 && r->containers[i].started_at > when + START_SLACK_S)) {
				only = &r->containers[i];
				matches++;
			}
		if (matches == 1)
			return only;
	}
	return NULL;
}

/* ---- connections ------------------------------------------------------------------------- */

const struct report_conn *render_find_listener(const struct report *r, const struct index *listeners,
					       const struct report_endpoint *want, uint32_t from_netns)
{
	bool loopback = addr_is_loopback(want->family, want->addr);
	const struct report_conn *wildcard = NULL;
	size_t pos;

	INDEX_FOREACH (listeners, want->port, pos) {
		const struct report_conn *l = &r->conns[pos];
		const struct report_netns *ns;

		if (l->local.port != want->port)
			continue;
		if (loopback && l->netns != from_netns)
			continue; /* loopback never leaves its namespace */
		if (l->local.family == want->family && !memcmp(l->local.addr, want->addr, 16))
			return l;
		if (!addr_unspecified(&l->local) || wildcard)
			continue;
		if (loopback) {
			wildcard = l;
			continue;
		}
		ns = report_netns_find(r, l->netns);
		for (size_t i = 0; ns && i < ns->n_prefixes; i++)
			if (ns->prefixes[i].family == want->family && !memcmp(ns->prefixes[i].addr, want->addr, 16)) {
				wildcard = l;
				break;
			}
	}
	return wildcard;
}

/* The listener of the container that publishes want (a host address and port), or NULL: a client
 * of a published port reached it, even once conntrack forgot the flow's DNAT. (Docker without its
 * userland proxy holds the host port with a listener of its own that never gets a connection.) */
static const struct report_conn *find_published(const struct report *r, const struct index *listeners,
						const struct report_endpoint *want, uint32_t from_netns)
{
	if (addr_is_loopback(want->family, want->addr) ? from_netns != r->host_netns
						       : !report_address_is_local(r, want->family, want->addr))
		return NULL;
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = &r->containers[i];

		for (size_t j = 0; j < c->n_ports; j++) {
			const struct report_port *p = &c->ports[j];
			size_t pos;

			if (p->host.port != want->port ||
			    (!addr_unspecified(&p->host) && !endpoint_equal(&p->host, want)))
				continue;
			INDEX_FOREACH (listeners, p->container_port, pos) {
				const struct report_conn *l = &r->conns[pos];

				if (l->local.port == p->container_port && report_container_runs_in_netns(c, l->netns))
					return l;
			}
		}
	}
	return NULL;
}

/* The peer connection of c (the other end's socket), or NULL. */
static const struct report_conn *find_peer(const struct report *r, const struct index *tuples,
					   const struct report_conn *c, const bool *is_client)
{
	const struct report_endpoint *pl = &c->peer_local, *pr = &c->peer_remote;
	bool loopback = addr_is_loopback(pl->family, pl->addr);
	size_t pos;

	const struct report_conn *found = NULL;

	INDEX_FOREACH (tuples, hash_tuple(pl, pr), pos) {
		const struct report_conn *p = &r->conns[pos];

		if (p == c || is_client[pos] || !endpoint_equal(&p->local, pl) || !endpoint_equal(&p->remote, pr))
			continue;
		if (loopback && p->netns != c->netns)
			continue;
		/* a reused tuple can be in a report twice, closed and open: pair like with like */
		if (p->state == c->state)
			return p;
		if (!found)
			found = p;
	}
	return found;
}

int render_match_connections(const struct report *r, struct conn_match **ret)
{
	struct index tuples = { 0 }, listeners = { 0 };
	struct conn_match *m;
	bool *is_client = NULL;
	size_t n = r->n_conns;
	int err = -ENOMEM;

	m = calloc(n ? n : 1, sizeof(*m));
	is_client = calloc(n ? n : 1, sizeof(bool));
	if (!m || !is_client || index_init(&tuples, n) < 0 || index_init(&listeners, n) < 0)
		goto out;

	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (c->direction == REPORT_DIR_LISTEN)
			index_add(&listeners, c->local.port, i);
		else
			index_add(&tuples, hash_tuple(&c->local, &c->remote), i);
	}
	/* who is the client: outbound ones; unknown ones unless a listener owns their local port */
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (c->direction == REPORT_DIR_OUTBOUND)
			is_client[i] = true;
		else if (c->direction == REPORT_DIR_UNKNOWN)
			is_client[i] = !render_find_listener(r, &listeners, &c->local, c->netns);
		m[i].is_client = is_client[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i], *peer, *l;

		if (!is_client[i])
			continue;
		peer = find_peer(r, &tuples, c, is_client);
		if (peer) {
			size_t p = peer - r->conns;

			m[i] = (struct conn_match){ .is_client = true, .kind = MATCH_PEER, .peer = p };
			m[p] = (struct conn_match){ .is_client = false, .kind = MATCH_PEER, .peer = i };
			continue;
		}
		l = c->state == REPORT_STATE_FAILED || c->nat ? NULL
							      : find_published(r, &listeners, &c->peer_local, c->netns);
		if (!l && c->state != REPORT_STATE_FAILED)
			l = render_find_listener(r, &listeners, &c->peer_local, c->netns);
		if (l)
			m[i] = (struct conn_match){ .is_client = true, .kind = MATCH_LISTENER, .peer = l - r->conns };
		else
			m[i].kind = report_address_is_local(r, c->peer_local.family, c->peer_local.addr)
					    ? MATCH_UNKNOWN_LOCAL
					    : MATCH_INTERNET;
	}
	/* servers whose client we do not know */
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (is_client[i] || m[i].kind != MATCH_NONE || c->direction == REPORT_DIR_LISTEN)
			continue;
		m[i].kind = report_address_is_local(r, c->remote.family, c->remote.addr) ? MATCH_UNKNOWN_LOCAL
											 : MATCH_INTERNET;
	}
	*ret = TAKE_PTR(m);
	err = 0;
out:
	index_free(&tuples);
	index_free(&listeners);
	free(is_client);
	free(m);
	return err;
}
