/* SPDX-License-Identifier: Apache-2.0 */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"

struct report *report_new(void)
{
	return calloc(1, sizeof(struct report));
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_netns; i++)
		free(r->netns[i].prefixes);
	free(r->netns);
	free(r->conns);
	free(r->containers);
	free(r->extra_prefixes);
	for (size_t i = 0; i < r->n_edges; i++)
		free(r->edges[i].rec.buckets);
	free(r->edges);
	free(r);
}

/* Make room for one more element: capacity is 8, then doubles whenever n reaches a power of
 * two, so it never needs storing. */
static void *append(void **array, size_t *n, size_t size)
{
	if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {
		size_t new_cap = *n == 0 ? 8 : *n * 2;
		void *grown = realloc(*array, new_cap * size);

		if (!grown)
			return NULL;
		*array = grown;
	}
	return (char *)*array + (*n)++ * size;
}

int report_add_conn(struct report *r, const struct report_conn *c)
{
	struct report_conn *slot = append((void **)&r->conns, &r->n_conns, sizeof(*c));

	if (!slot)
		return -ENOMEM;
	*slot = *c;
	return 0;
}

int report_add_container(struct report *r, const struct report_container *c)
{
	struct report_container *slot = append((void **)&r->containers, &r->n_containers, sizeof(*c));

	if (!slot)
		return -ENOMEM;
	*slot = *c;
	return 0;
}

int report_add_edge(struct report *r, const struct report_edge *e)
{
	struct report_edge *slot = append((void **)&r->edges, &r->n_edges, sizeof(*e));

	if (!slot) {
		free(e->rec.buckets);
		return -ENOMEM;
	}
	*slot = *e;
	return 0;
}

struct report_netns *report_netns_get(struct report *r, uint32_t inode)
{
	struct report_netns *ns;

	for (size_t i = 0; i < r->n_netns; i++)
		if (r->netns[i].inode == inode)
			return &r->netns[i];
	ns = append((void **)&r->netns, &r->n_netns, sizeof(*ns));
	if (!ns)
		return NULL;
	*ns = (struct report_netns){ .inode = inode, .is_host = inode == r->host_netns };
	return ns;
}

int report_netns_add_prefix(struct report_netns *ns, const struct report_prefix *p)
{
	struct report_prefix *slot = append((void **)&ns->prefixes, &ns->n_prefixes, sizeof(*p));

	if (!slot)
		return -ENOMEM;
	*slot = *p;
	return 0;
}

int report_add_extra_prefix(struct report *r, const struct report_prefix *p)
{
	struct report_prefix *slot = append((void **)&r->extra_prefixes, &r->n_extra_prefixes, sizeof(*p));

	if (!slot)
		return -ENOMEM;
	*slot = *p;
	return 0;
}

const struct report_container *report_container_by_id(const struct report *r, const char *id_or_prefix)
{
	size_t len = strlen(id_or_prefix);
	const struct report_container *found = NULL;

	if (len == 0)
		return NULL;
	for (size_t i = 0; i < r->n_containers; i++) {
		if (!strcmp(r->containers[i].id, id_or_prefix))
			return &r->containers[i];
		if (!strncmp(r->containers[i].id, id_or_prefix, len)) {
			if (found)
				return NULL; /* an ambiguous prefix names nothing */
			found = &r->containers[i];
		}
	}
	return found;
}

const struct report_container *report_container_by_name(const struct report *r, const char *name)
{
	const char *bare = name[0] == '/' ? name + 1 : name; /* Docker's "/name" form */

	for (size_t i = 0; i < r->n_containers; i++)
		if (!strcmp(r->containers[i].name, bare))
			return &r->containers[i];
	return NULL;
}

const struct report_netns *report_netns_find(const struct report *r, uint32_t inode)
{
	for (size_t i = 0; i < r->n_netns; i++)
		if (r->netns[i].inode == inode)
			return &r->netns[i];
	return NULL;
}

bool report_container_runs_in_netns(const struct report_container *c, uint32_t netns)
{
	return netns && c->netns == netns && c->running;
}

bool prefix_contains(const struct report_prefix *p, uint16_t family, const uint8_t addr[16])
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->family != family || p->len > (family == AF_INET ? 32 : 128))
		return false;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (p->addr[full] & mask) == (addr[full] & mask);
	}
	return true;
}

bool report_address_is_local(const struct report *r, uint16_t family, const uint8_t addr[16])
{
	if (addr_is_loopback(family, addr))
		return true;
	for (size_t i = 0; i < r->n_netns; i++)
		for (size_t j = 0; j < r->netns[i].n_prefixes; j++)
			if (prefix_contains(&r->netns[i].prefixes[j], family, addr))
				return true;
	for (size_t i = 0; i < r->n_extra_prefixes; i++)
		if (prefix_contains(&r->extra_prefixes[i], family, addr))
			return true;
	return false;
}

const char *report_state_name(unsigned state)
{
	switch (state) {
	case REPORT_STATE_ESTABLISHED:
		return "established";
	case REPORT_STATE_CLOSED:
		return "closed";
	case REPORT_STATE_FAILED:
		return "failed";
	case REPORT_STATE_LISTEN:
		return "listen";
	default:
		return "?";
	}
}

const char *report_direction_name(unsigned direction)
{
	switch (direction) {
	case REPORT_DIR_OUTBOUND:
		return "outbound";
	case REPORT_DIR_INBOUND:
		return "inbound";
	case REPORT_DIR_LISTEN:
		return "listen";
	default:
		return "unknown";
	}
}
