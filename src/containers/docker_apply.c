/* SPDX-License-Identifier: Apache-2.0 */
/* What Docker says (inspect answers, the list, events), applied to the container registry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "containers/containers.h"
#include "containers/docker_client.h"

static enum container_state state_of(const struct docker_container *d)
{
	if (d->running && d->pid > 0)
		return d->paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
	if (d->status && !strcmp(d->status, "created"))
		return CONTAINER_CREATED;
	return CONTAINER_STOPPED;
}

/* Docker's labels as the registry's, pointing at Docker's strings (upsert copies them); NULL when
 * there are none. 0 or -ENOMEM. */
static int borrow_labels(const struct docker_label *from, size_t n, struct container_label **ret)
{
	struct container_label *labels;

	*ret = NULL;
	if (n == 0)
		return 0;
	labels = calloc(n, sizeof(*labels));
	if (!labels)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		labels[i] = (struct container_label){ from[i].key, from[i].value };
	*ret = labels;
	return 0;
}

int docker_apply_inspect(struct docker_client *c, const struct docker_container *d, uint64_t died_ns)
{
	_cleanup_free_ struct container_label *labels = NULL;
	_cleanup_free_ struct container_address *addresses = NULL;
	_cleanup_free_ struct container_port *ports = NULL;
	struct container info = {
		.name = d->name,
		.image = d->image,
		.hostname = d->hostname,
		.source = CONTAINER_SOURCE_DOCKER,
		.state = state_of(d),
		.started_ns = d->started_ns,
		.stopped_ns = d->finished_ns,
		.network_mode = d->network_mode,
	};
	const char *shared = docker_network_mode_container(d->network_mode);
	int r;

	snprintf(info.id, sizeof(info.id), "%s", d->id);
	snprintf(info.engine, sizeof(info.engine), "%s", c->engine);
	if (shared)
		snprintf(info.shares_netns_with, sizeof(info.shares_netns_with), "%s", shared);
	r = borrow_labels(d->labels, d->n_labels, &labels);
	if (r < 0)
		return r;
	info.labels = labels;
	info.n_labels = labels ? d->n_labels : 0;
	if (d->n_addresses) {
		addresses = calloc(d->n_addresses, sizeof(*addresses));
		if (!addresses)
			return -ENOMEM;
		for (size_t i = 0; i < d->n_addresses; i++) {
			addresses[i].family = d->addresses[i].family;
			memcpy(addresses[i].bytes, d->addresses[i].bytes, 16);
		}
		info.addresses = addresses;
		info.n_addresses = d->n_addresses;
	}
	if (d->n_ports) {
		ports = calloc(d->n_ports, sizeof(*ports));
		if (!ports)
			return -ENOMEM;
		for (size_t i = 0; i < d->n_ports; i++) {
			const struct docker_port *p = &d->ports[i];
			struct container_port *cp = &ports[info.n_ports];

			/* published TCP ports: what a host client may dial */
			if (!p->host_port || strcmp(p->proto, "tcp"))
				continue;
			if (addr_parse(p->host_ip[0] ? p->host_ip : "0.0.0.0", &cp->family, cp->host_addr) < 0)
				continue;
			cp->host_port = p->host_port;
			cp->container_port = p->container_port;
			info.n_ports++;
		}
		info.ports = ports;
	}
	if (info.state == CONTAINER_RUNNING || info.state == CONTAINER_PAUSED) {
		r = container_probe_pid(&info, d->pid);
		if (r < 0)
			/* It exited between Docker's answer and now; its die event follows. */
			log_debug("docker: container %.12s (%s): cannot read /proc/%d: %s", d->id,
				  d->name ? d->name : "?", d->pid, strerror(-r));
	}
	if (died_ns) {
		info.state = CONTAINER_STOPPED;
		info.stopped_ns = died_ns;
	}
	r = containers_upsert(c->registry, &info);
	free(info.cgroup_path); /* the only member container_probe_pid allocates */
	return r;
}

/* A container's create and start events carry its name, image and labels: enough to name a
 * container that is gone before an inspect could answer (`docker run --rm` of 50 ms). Its
 * processes are found by the cgroup made for it (containers_learn_cgroup). */
static int apply_event(struct docker_client *c, const struct docker_event *ev)
{
	_cleanup_free_ struct container_label *labels = NULL;
	const struct container *known = containers_find_by_id(c->registry, ev->id);
	struct container info = {
		.name = ev->name,
		.image = ev->image,
		.source = CONTAINER_SOURCE_DOCKER,
		.state = ev->action == DOCKER_EVENT_START ? CONTAINER_RUNNING : CONTAINER_CREATED,
		.started_ns = ev->action == DOCKER_EVENT_START ? ev->time_ns : 0,
	};

	/* a create replayed after the inspect (the subscription starts a second back) changes no state */
	if (known && ev->action == DOCKER_EVENT_CREATE)
		info.state = known->state;
	snprintf(info.id, sizeof(info.id), "%s", ev->id);
	snprintf(info.engine, sizeof(info.engine), "%s", c->engine);
	if (borrow_labels(ev->attributes, ev->n_attributes, &labels) < 0)
		return -ENOMEM;
	info.labels = labels;
	info.n_labels = labels ? ev->n_attributes : 0;
	return containers_upsert(c->registry, &info);
}

void docker_handle_event(const struct docker_event *ev, void *userdata)
{
	struct docker_client *c = userdata;
	struct request *inflight;
	int r = 0;

	c->stats.events++;
	if (strcmp(ev->type, "container") || !ev->id[0])
		return;
	log_debug("docker: event %s %.12s %s", ev->action_name, ev->id, ev->name ? ev->name : "");
	switch (ev->action) {
	case DOCKER_EVENT_CREATE:
		r = apply_event(c, ev);
		break;
	case DOCKER_EVENT_START:
		r = apply_event(c, ev);
		if (r == 0)
			r = docker_queue_inspect(c, ev->id);
		break;
	case DOCKER_EVENT_DIE:
	case DOCKER_EVENT_DESTROY:
		/* The registry learns it at once; an inspect under way would say "running". */
		inflight = docker_inspect_in_flight(c, ev->id);
		if (inflight && !inflight->died_ns)
			inflight->died_ns = ev->time_ns ? ev->time_ns : clock_real_ns();
		if (containers_find_by_id(c->registry, ev->id) &&
		    containers_find_by_id(c->registry, ev->id)->state != CONTAINER_STOPPED)
			(void)containers_mark_stopped(c->registry, ev->id, ev->time_ns);
		break;
	case DOCKER_EVENT_RENAME:
		if (ev->name && containers_rename(c->registry, ev->id, ev->name) == -ENOENT)
			r = docker_queue_inspect(c, ev->id);
		break;
	case DOCKER_EVENT_PAUSE:
	case DOCKER_EVENT_UNPAUSE:
		if (containers_set_paused(c->registry, ev->id, ev->action == DOCKER_EVENT_PAUSE) == -ENOENT)
			r = docker_queue_inspect(c, ev->id);
		break;
	default:
		break;
	}
	if (r < 0) {
		c->stats.events_skipped++;
		log_debug("docker: cannot follow event %s of %.12s: %s", ev->action_name, ev->id, strerror(-r));
	}
}

void docker_skip_event(const char *message, void *userdata)
{
	struct docker_client *c = userdata;

	c->stats.events_skipped++;
	log_debug("docker: skipped an event: %s", message);
}

/* A relisted registry: containers of this engine that vanished while we were away are stopped now
 * (another engine's are not in this list). */
void docker_stop_unlisted(struct docker_client *c, const struct docker_container_list *list)
{
	uint64_t now = clock_real_ns();

	for (size_t i = 0; i < containers_count(c->registry); i++) {
		const struct container *rec = containers_get(c->registry, i);
		bool listed = false;

		if (rec->source != CONTAINER_SOURCE_DOCKER || rec->state == CONTAINER_STOPPED ||
		    strcmp(rec->engine, c->engine))
			continue;
		for (size_t j = 0; j < list->n && !listed; j++)
			listed = !strcmp(list->v[j].id, rec->id);
		if (!listed)
			(void)containers_mark_stopped(c->registry, rec->id, now);
	}
}
