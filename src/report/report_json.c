/* SPDX-License-Identifier: Apache-2.0 */
#include "report/report_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yajl/yajl_tree.h>

#include "common/addr.h"
#include "common/json_read.h"
#include "common/jsonw.h"
#include "common/util.h"

static void write_endpoint(struct jsonw *w, const char *key, const struct report_endpoint *e)
{
	char s[ENDPOINT_STRLEN];

	endpoint_format(e->family, e->addr, e->port, s, sizeof(s));
	jsonw_kv_string(w, key, s);
}

static void write_prefix(struct jsonw *w, const struct report_prefix *p)
{
	char a[ADDR_STRLEN], s[ADDR_STRLEN + 8];

	addr_format(p->family, p->addr, a, sizeof(a));
	snprintf(s, sizeof(s), "%s/%u", a, p->len);
	jsonw_string(w, s);
}

static void write_ns_as_s(struct jsonw *w, const char *key, uint64_t ns)
{
	jsonw_key(w, key);
	jsonw_ns_as_s(w, ns, 6);
}

/* An edge: its key, and its buckets as arrays in the order of EDGE_BUCKET_FIELDS. */
static const char *const edge_bucket_fields[] = {
	"start",      "width_s",        "opened",          "closed",          "refused",      "timed_out", "failed",
	"bytes_sent", "bytes_received", "duration_sum_ns", "duration_max_ns", "not_itemised", "first",     "last"
};
#define EDGE_BUCKET_FIELDS (sizeof(edge_bucket_fields) / sizeof(edge_bucket_fields[0]))

static void write_edge(struct jsonw *w, const struct report_edge *re)
{
	const struct edge_record *e = &re->rec;
	const struct ctopo_edge_key *k = &e->key;

	jsonw_object_begin(w);
	jsonw_kv_string(w, "role", k->role == CTOPO_EDGE_CLIENT ? "client" : "server");
	jsonw_kv_u64(w, "netns", k->netns);
	jsonw_kv_u64(w, "mntns", k->mntns);
	jsonw_kv_u64(w, "cgroup", k->cgroup_id);
	if (re->container_id[0])
		jsonw_kv_string(w, "container_id", re->container_id);
	jsonw_key(w, "comm");
	jsonw_string_n(w, k->comm, sizeof(k->comm));
	jsonw_kv_u64(w, "pid", e->last_pid);
	if (k->role == CTOPO_EDGE_CLIENT) {
		struct report_endpoint server = { .family = k->family, .port = k->port };

		memcpy(server.addr, k->addr, 16);
		write_endpoint(w, "server", &server);
		if (e->nat.nat) {
			struct report_endpoint real = { .family = e->nat.family, .port = e->nat.port };

			memcpy(real.addr, e->nat.addr, 16);
			write_endpoint(w, "nat_server", &real);
		}
	} else {
		jsonw_kv_u64(w, "port", k->port);
	}
	write_ns_as_s(w, "first_seen", e->first_ns);
	write_ns_as_s(w, "last_seen", e->last_ns);
	jsonw_key(w, "buckets");
	jsonw_array_begin(w);
	for (size_t i = 0; i < e->n_buckets; i++) {
		const struct edge_bucket *b = &e->buckets[i];
		const uint64_t counts[] = { b->c.opened,         b->c.closed,          b->c.refused,
					    b->c.timed_out,      b->c.failed,          b->c.bytes_sent,
					    b->c.bytes_received, b->c.duration_sum_ns, b->c.duration_max_ns,
					    b->c.not_itemised };

		jsonw_array_begin(w);
		jsonw_ns_as_s(w, b->start_ns, 3);
		jsonw_u64(w, b->width_ns / 1000000000ull);
		for (size_t j = 0; j < sizeof(counts) / sizeof(counts[0]); j++)
			jsonw_u64(w, counts[j]);
		jsonw_ns_as_s(w, b->first_ns, 6);
		jsonw_ns_as_s(w, b->last_ns, 6);
		jsonw_array_end(w);
	}
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static void write_conn(struct jsonw *w, const struct report_conn *c)
{
	jsonw_object_begin(w);
	jsonw_kv_u64(w, "netns", c->netns);
	write_endpoint(w, "local", &c->local);
	write_endpoint(w, "remote", &c->remote);
	if (c->nat) {
		write_endpoint(w, "peer_local", &c->peer_local);
		write_endpoint(w, "peer_remote", &c->peer_remote);
	}
	jsonw_kv_u64(w, "direction", c->direction);
	jsonw_kv_u64(w, "state", c->state);
	jsonw_kv_u64(w, "pid", c->pid);
	jsonw_key(w, "comm");
	jsonw_string_n(w, c->comm, sizeof(c->comm));
	jsonw_kv_u64(w, "mntns", c->mntns);
	jsonw_kv_u64(w, "cgroup", c->cgroup_id);
	if (c->container_id[0])
		jsonw_kv_string(w, "container_id", c->container_id);
	jsonw_key(w, "first_seen");
	jsonw_double(w, c->first_seen, 6);
	jsonw_key(w, "last_seen");
	jsonw_double(w, c->last_seen, 6);
	jsonw_kv_u64(w, "bytes_sent", c->bytes_sent);
	jsonw_kv_u64(w, "bytes_received", c->bytes_received);
	jsonw_key(w, "duration_ms");
	jsonw_double(w, c->duration_ms, 3);
	jsonw_object_end(w);
}

static void write_container(struct jsonw *w, const struct report_container *c)
{
	jsonw_object_begin(w);
	jsonw_kv_string(w, "id", c->id);
	jsonw_kv_string(w, "name", c->name);
	jsonw_kv_string(w, "image", c->image);
	jsonw_kv_u64(w, "pid", c->pid);
	jsonw_kv_u64(w, "mntns", c->mntns);
	jsonw_kv_u64(w, "netns", c->netns);
	jsonw_kv_u64(w, "cgroup", c->cgroup_id);
	jsonw_kv_bool(w, "running", c->running);
	jsonw_key(w, "started_at");
	jsonw_double(w, c->started_at, 6);
	jsonw_key(w, "stopped_at");
	jsonw_double(w, c->stopped_at, 6);
	jsonw_kv_string(w, "source", c->source);
	if (c->engine[0])
		jsonw_kv_string(w, "engine", c->engine);
	if (c->project[0] || c->service[0]) {
		jsonw_kv_string(w, "project", c->project);
		jsonw_kv_string(w, "service", c->service);
	}
	if (c->n_ports) {
		jsonw_key(w, "ports");
		jsonw_array_begin(w);
		for (size_t j = 0; j < c->n_ports; j++) {
			jsonw_object_begin(w);
			write_endpoint(w, "host", &c->ports[j].host);
			jsonw_kv_u64(w, "container_port", c->ports[j].container_port);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
	}
	jsonw_object_end(w);
}

/* What lies between the containers and the edges: namespaces, extra prefixes, the window. */
static void write_middle(struct jsonw *w, const struct report *r)
{
	jsonw_key(w, "netns");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_netns; i++) {
		const struct report_netns *ns = &r->netns[i];

		jsonw_object_begin(w);
		jsonw_kv_u64(w, "inode", ns->inode);
		jsonw_kv_string(w, "label", ns->label);
		jsonw_key(w, "prefixes");
		jsonw_array_begin(w);
		for (size_t j = 0; j < ns->n_prefixes; j++)
			write_prefix(w, &ns->prefixes[j]);
		jsonw_array_end(w);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);

	jsonw_key(w, "extra_prefixes");
	jsonw_array_begin(w);
	for (size_t i = 0; i < r->n_extra_prefixes; i++)
		write_prefix(w, &r->extra_prefixes[i]);
	jsonw_array_end(w);

	jsonw_key(w, "window");
	jsonw_object_begin(w);
	jsonw_key(w, "history_s");
	jsonw_double(w, r->history_s, 0);
	jsonw_kv_u64(w, "fine_bucket_s", EDGES_FINE_NS / 1000000000ull);
	jsonw_kv_u64(w, "fine_span_s", EDGES_FINE_SPAN_NS / 1000000000ull);
	jsonw_kv_u64(w, "coarse_bucket_s", EDGES_COARSE_NS / 1000000000ull);
	jsonw_object_end(w);
}

/* The report's parts in the order written; the lists are written an item at a time. */
enum {
	PART_HEAD,
	PART_CONNS,
	PART_CONTAINERS,
	PART_EDGES,
	PART_DONE,
};

void report_json_start(struct report_json_cursor *c, FILE *out, const struct report *r)
{
	*c = (struct report_json_cursor){ .r = r, .part = PART_HEAD };
	jsonw_init(&c->w, out);
}

int report_json_slice(struct report_json_cursor *c, size_t max_items)
{
	const struct report *r = c->r;
	struct jsonw *w = &c->w;
	size_t budget = max_items ? max_items : 1;

	while (c->part != PART_DONE) {
		switch (c->part) {
		case PART_HEAD:
			jsonw_object_begin(w);
			jsonw_kv_u64(w, "version", REPORT_JSON_VERSION);
			jsonw_key(w, "generated_at");
			jsonw_double(w, r->generated_at, 6);
			jsonw_kv_u64(w, "host_netns", r->host_netns);
			jsonw_kv_u64(w, "host_mntns", r->host_mntns);
			jsonw_key(w, "conns");
			jsonw_array_begin(w);
			c->part = PART_CONNS;
			break;
		case PART_CONNS:
			for (; c->next < r->n_conns && budget; c->next++, budget--)
				write_conn(w, &r->conns[c->next]);
			if (c->next < r->n_conns)
				return 1;
			jsonw_array_end(w);
			jsonw_key(w, "containers");
			jsonw_array_begin(w);
			c->next = 0;
			c->part = PART_CONTAINERS;
			break;
		case PART_CONTAINERS:
			for (; c->next < r->n_containers && budget; c->next++, budget--)
				write_container(w, &r->containers[c->next]);
			if (c->next < r->n_containers)
				return 1;
			jsonw_array_end(w);
			write_middle(w, r);
			jsonw_key(w, "edges");
			jsonw_array_begin(w);
			c->next = 0;
			c->part = PART_EDGES;
			break;
		case PART_EDGES:
			for (; c->next < r->n_edges && budget; c->next++, budget--)
				write_edge(w, &r->edges[c->next]);
			if (c->next < r->n_edges)
				return 1;
			jsonw_array_end(w);
			jsonw_object_end(w);
			fputc('\n', w->out);
			c->part = PART_DONE;
			break;
		default:
			c->part = PART_DONE;
			break;
		}
	}
	return 0;
}

void report_write_json(FILE *out, const struct report *r)
{
	struct report_json_cursor c;

	report_json_start(&c, out, r);
	while (report_json_slice(&c, SIZE_MAX) > 0)
		;
}

/* ---- parsing ----------------------------------------------------------------------------- */

struct parse_ctx {
	struct json_error *err;
};

static int bad(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* A time in the report: seconds since the epoch. What a daemon writes is well inside [0, 1e10)
 * (up to the year 2286); anything else (negative, NaN, infinite, huge) is not a time, and would not
 * even convert to nanoseconds (undefined behaviour past 2^64). */
#define REPORT_MAX_SECONDS 1e10

static int seconds_to_ns(struct parse_ctx *p, const char *what, double s, uint64_t *ret)
{
	if (!(s >= 0 && s < REPORT_MAX_SECONDS))
		return bad(p, "%s is not a time in seconds since the epoch: %g", what, s);
	*ret = (uint64_t)(s * 1e9);
	return 0;
}

#define FIELD(name, reader, type, member)                                                   \
	{                                                                                   \
		.path = JSON_PATH(name), .read = (reader), .offset = offsetof(type, member) \
	}
#define TEXT(name, type, member)                                                                         \
	{                                                                                                \
		.path = JSON_PATH(name), .read = json_read_string_buf, .offset = offsetof(type, member), \
		.max = sizeof(((type *)0)->member)                                                       \
	}

/* struct report_endpoint, from "1.2.3.4:80" or "[::1]:80" */
static int read_endpoint(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	const struct json_field as_text = { .path = f->path, .max = ENDPOINT_STRLEN + 8 };
	char s[ENDPOINT_STRLEN + 8], *colon, *addr = s, name[64];
	struct report_endpoint *e = ret;
	unsigned long long port;
	int r = json_read_string_buf(v, &as_text, s, err);

	if (r < 0)
		return r;
	json_path_name(f->path, name, sizeof(name));
	colon = strrchr(s, ':');
	if (!colon)
		return json_fail(err, -EBADMSG, "%s: endpoint has no port: '%s'", name, s);
	*colon = '\0';
	if (addr[0] == '[') {
		size_t n = strlen(addr);

		if (n < 2 || addr[n - 1] != ']')
			return json_fail(err, -EBADMSG, "%s: endpoint is malformed", name);
		addr[n - 1] = '\0';
		addr++;
	}
	if (parse_u64(colon + 1, UINT16_MAX, &port) < 0 || addr_parse(addr, &e->family, e->addr) < 0)
		return json_fail(err, -EBADMSG, "%s: endpoint is malformed", name);
	e->port = (uint16_t)port;
	return 0;
}

static int parse_prefix(struct parse_ctx *p, yajl_val v, struct report_prefix *ret)
{
	char s[ADDR_STRLEN + 8], *slash;
	unsigned long long len;

	if (!YAJL_IS_STRING(v))
		return bad(p, "a prefix is not a string");
	snprintf(s, sizeof(s), "%s", YAJL_GET_STRING(v));
	slash = strchr(s, '/');
	if (!slash)
		return bad(p, "prefix '%s' has no length", s);
	*slash = '\0';
	if (addr_parse(s, &ret->family, ret->addr) < 0 ||
	    parse_u64(slash + 1, ret->family == AF_INET ? 32 : 128, &len) < 0)
		return bad(p, "prefix '%s' is malformed", YAJL_GET_STRING(v));
	ret->len = (uint8_t)len;
	return 0;
}

static yajl_val get_array(struct parse_ctx *p, yajl_val obj, const char *name, int *err)
{
	const struct json_field f = { .path = JSON_PATH(name) };
	yajl_val v = json_get(obj, f.path);

	*err = 0;
	if (v && !YAJL_IS_ARRAY(v))
		*err = json_wrong_type(&f, "an array", v, p->err);
	return v && YAJL_IS_ARRAY(v) ? v : NULL;
}

/* a connection as it is read, before its direction and state are checked */
struct conn_fields {
	struct report_conn c;
	uint32_t direction, state;
};

static const struct json_field conn_fields[] = {
	FIELD("netns", json_read_u32, struct conn_fields, c.netns),
	FIELD("local", read_endpoint, struct conn_fields, c.local),
	FIELD("remote", read_endpoint, struct conn_fields, c.remote),
	FIELD("direction", json_read_u32, struct conn_fields, direction),
	FIELD("state", json_read_u32, struct conn_fields, state),
	FIELD("pid", json_read_u32, struct conn_fields, c.pid),
	TEXT("comm", struct conn_fields, c.comm),
	FIELD("mntns", json_read_u32, struct conn_fields, c.mntns),
	FIELD("cgroup", json_read_u64, struct conn_fields, c.cgroup_id),
	TEXT("container_id", struct conn_fields, c.container_id),
	FIELD("first_seen", json_read_double, struct conn_fields, c.first_seen),
	FIELD("last_seen", json_read_double, struct conn_fields, c.last_seen),
	FIELD("bytes_sent", json_read_u64, struct conn_fields, c.bytes_sent),
	FIELD("bytes_received", json_read_u64, struct conn_fields, c.bytes_received),
	FIELD("duration_ms", json_read_double, struct conn_fields, c.duration_ms),
	{},
};

/* the peer's view, present only when NAT translated the flow */
static const struct json_field nat_fields[] = {
	FIELD("peer_local", read_endpoint, struct report_conn, peer_local),
	FIELD("peer_remote", read_endpoint, struct report_conn, peer_remote),
	{},
};

static int parse_conn(struct parse_ctx *p, yajl_val o, struct report_conn *c)
{
	struct conn_fields cf = { .c = *c };
	int r;

	if (!YAJL_IS_OBJECT(o))
		return bad(p, "a connection is not an object");
	r = json_dispatch(o, conn_fields, &cf, p->err);
	if (r < 0)
		return r;
	*c = cf.c;
	if (json_get(o, JSON_PATH("peer_local"))) {
		c->nat = true;
		r = json_dispatch(o, nat_fields, c, p->err);
		if (r < 0)
			return r;
	} else {
		c->peer_local = c->remote;
		c->peer_remote = c->local;
	}
	if (cf.direction > REPORT_DIR_LISTEN || cf.state > REPORT_STATE_LISTEN)
		return bad(p, "a connection has an unknown direction or state");
	c->direction = cf.direction;
	c->state = cf.state;
	return 0;
}

static const struct json_field container_fields[] = {
	TEXT("id", struct report_container, id),
	TEXT("name", struct report_container, name),
	TEXT("image", struct report_container, image),
	FIELD("pid", json_read_u32, struct report_container, pid),
	FIELD("mntns", json_read_u32, struct report_container, mntns),
	FIELD("netns", json_read_u32, struct report_container, netns),
	FIELD("cgroup", json_read_u64, struct report_container, cgroup_id),
	FIELD("running", json_read_bool, struct report_container, running),
	FIELD("started_at", json_read_double, struct report_container, started_at),
	FIELD("stopped_at", json_read_double, struct report_container, stopped_at),
	TEXT("source", struct report_container, source),
	TEXT("engine", struct report_container, engine),
	TEXT("project", struct report_container, project),
	TEXT("service", struct report_container, service),
	{},
};

static int parse_container(struct parse_ctx *p, yajl_val o, struct report_container *c)
{
	const struct json_field host = FIELD("host", read_endpoint, struct report_port, host);
	const struct json_field container_port = { .path = JSON_PATH("container_port"), .read = json_read_u32 };
	yajl_val ports;
	int r;

	if (!YAJL_IS_OBJECT(o))
		return bad(p, "a container is not an object");
	r = json_dispatch(o, container_fields, c, p->err);
	ports = r ? NULL : get_array(p, o, "ports", &r);
	for (size_t i = 0; !r && ports && i < YAJL_GET_ARRAY(ports)->len; i++) {
		yajl_val po = YAJL_GET_ARRAY(ports)->values[i];
		uint32_t port = 0;

		if (c->n_ports >= REPORT_PORTS_MAX)
			return bad(p, "a container has more than %d ports", REPORT_PORTS_MAX);
		if (!YAJL_IS_OBJECT(po))
			return bad(p, "a port is not an object");
		r = read_endpoint(json_get(po, host.path), &host, &c->ports[c->n_ports].host, p->err);
		r = r ?: json_read_u32(json_get(po, container_port.path), &container_port, &port, p->err);
		if (!r && port > UINT16_MAX)
			return bad(p, "a container port is out of range");
		c->ports[c->n_ports++].container_port = port;
	}
	if (!r && !c->id[0])
		return bad(p, "a container has no id");
	return r;
}

static int number_at(struct parse_ctx *p, yajl_val a, size_t i, double *ret)
{
	yajl_val v = YAJL_GET_ARRAY(a)->values[i];

	if (!YAJL_IS_NUMBER(v))
		return bad(p, "bucket field '%s' is not a number", edge_bucket_fields[i]);
	*ret = YAJL_IS_INTEGER(v) ? (double)YAJL_GET_INTEGER(v) : YAJL_GET_DOUBLE(v);
	if (*ret < 0 || (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) < 0))
		return bad(p, "bucket field '%s' is negative", edge_bucket_fields[i]);
	return 0;
}

static int parse_bucket(struct parse_ctx *p, yajl_val a, struct edge_bucket *b)
{
	uint64_t *counts[] = { &b->c.opened,          &b->c.closed,      &b->c.refused,        &b->c.timed_out,
			       &b->c.failed,          &b->c.bytes_sent,  &b->c.bytes_received, &b->c.duration_sum_ns,
			       &b->c.duration_max_ns, &b->c.not_itemised };
	double v[EDGE_BUCKET_FIELDS];
	int r = 0;

	if (!YAJL_IS_ARRAY(a) || YAJL_GET_ARRAY(a)->len < EDGE_BUCKET_FIELDS)
		return bad(p, "a bucket is not an array of %zu numbers", EDGE_BUCKET_FIELDS);
	for (size_t i = 0; !r && i < EDGE_BUCKET_FIELDS; i++)
		r = number_at(p, a, i, &v[i]);
	if (r)
		return r;
	for (size_t i = 2; i < 12; i++) /* the counts */
		if (!YAJL_IS_INTEGER(YAJL_GET_ARRAY(a)->values[i]))
			return bad(p, "bucket field '%s' is not an integer", edge_bucket_fields[i]);
	if (v[1] != EDGES_FINE_NS / 1e9 && v[1] != EDGES_COARSE_NS / 1e9)
		return bad(p, "a bucket is %g s wide, not %llu or %llu", v[1], EDGES_FINE_NS / 1000000000ull,
			   EDGES_COARSE_NS / 1000000000ull);
	b->width_ns = (uint64_t)v[1] * 1000000000ull;
	for (size_t i = 0; i < 10; i++)
		*counts[i] = (uint64_t)YAJL_GET_INTEGER(YAJL_GET_ARRAY(a)->values[i + 2]);
	r = seconds_to_ns(p, "a bucket's start", v[0], &b->start_ns);
	if (!r)
		r = seconds_to_ns(p, "a bucket's first_seen", v[12], &b->first_ns);
	if (!r)
		r = seconds_to_ns(p, "a bucket's last_seen", v[13], &b->last_ns);
	return r;
}

/* an edge as it is read, before its role decides the rest */
struct edge_fields {
	struct report_edge re;
	char role[16];
	uint64_t cgroup;
	double first, last;
};

static const struct json_field edge_fields[] = {
	TEXT("role", struct edge_fields, role),
	FIELD("netns", json_read_u32, struct edge_fields, re.rec.key.netns),
	FIELD("mntns", json_read_u32, struct edge_fields, re.rec.key.mntns),
	FIELD("cgroup", json_read_u64, struct edge_fields, cgroup),
	TEXT("container_id", struct edge_fields, re.container_id),
	TEXT("comm", struct edge_fields, re.rec.key.comm),
	FIELD("pid", json_read_u32, struct edge_fields, re.rec.last_pid),
	FIELD("first_seen", json_read_double, struct edge_fields, first),
	FIELD("last_seen", json_read_double, struct edge_fields, last),
	{},
};

static int parse_edge(struct parse_ctx *p, yajl_val o, struct report_edge *ret)
{
	struct edge_fields ef = { 0 };
	struct edge_record *e = &ef.re.rec;
	yajl_val buckets;
	int r;

	if (!YAJL_IS_OBJECT(o))
		return bad(p, "an edge is not an object");
	r = json_dispatch(o, edge_fields, &ef, p->err);
	if (r)
		return r;
	if (!strcmp(ef.role, "client")) {
		const struct json_field server = { .path = JSON_PATH("server") },
					nat = { .path = JSON_PATH("nat_server") };
		struct report_endpoint ep = { 0 };

		e->key.role = CTOPO_EDGE_CLIENT;
		r = read_endpoint(json_get(o, server.path), &server, &ep, p->err);
		if (r)
			return r;
		e->key.family = ep.family;
		e->key.port = ep.port;
		memcpy(e->key.addr, ep.addr, 16);
		if (json_get(o, nat.path)) {
			r = read_endpoint(json_get(o, nat.path), &nat, &ep, p->err);
			if (r)
				return r;
			e->nat = (struct edge_nat){ .nat = true, .family = ep.family, .port = ep.port };
			memcpy(e->nat.addr, ep.addr, 16);
		}
	} else if (!strcmp(ef.role, "server")) {
		const struct json_field port = { .path = JSON_PATH("port"), .min = 0, .max = UINT16_MAX };
		int v = 0;

		e->key.role = CTOPO_EDGE_SERVER;
		r = json_read_int(json_get(o, port.path), &port, &v, p->err);
		if (r)
			return r;
		e->key.port = (uint16_t)v;
	} else {
		return bad(p, "an edge's role is neither client nor server");
	}
	e->key.cgroup_id = ef.cgroup;
	edge_key_normalize(&e->key);
	r = seconds_to_ns(p, "an edge's first_seen", ef.first, &e->first_ns);
	if (!r)
		r = seconds_to_ns(p, "an edge's last_seen", ef.last, &e->last_ns);
	buckets = r ? NULL : get_array(p, o, "buckets", &r);
	if (!r && buckets) {
		e->buckets = calloc(YAJL_GET_ARRAY(buckets)->len + 1, sizeof(*e->buckets));
		if (!e->buckets)
			return -ENOMEM;
		for (size_t i = 0; !r && i < YAJL_GET_ARRAY(buckets)->len; i++) {
			r = parse_bucket(p, YAJL_GET_ARRAY(buckets)->values[i], &e->buckets[i]);
			e->n_buckets = i + 1;
		}
	}
	*ret = ef.re; /* the buckets are the caller's, also on failure */
	return r;
}

static const struct json_field header_fields[] = {
	FIELD("generated_at", json_read_double, struct report, generated_at),
	FIELD("host_netns", json_read_u32, struct report, host_netns),
	FIELD("host_mntns", json_read_u32, struct report, host_mntns),
	{},
};

static int parse_all(struct parse_ctx *p, yajl_val root, struct report *rep)
{
	yajl_val conns, containers, namespaces, extra, window, edges;
	uint32_t version = 0;
	int r;

	if (!YAJL_IS_OBJECT(root))
		return bad(p, "the report is not a JSON object");
	r = json_read_u32(json_get(root, JSON_PATH("version")), &(struct json_field){ .path = JSON_PATH("version") },
			  &version, p->err);
	if (r)
		return r;
	if (version != REPORT_JSON_VERSION)
		return bad(p,
			   "the daemon speaks report version %u and this ctopo version %d: run the daemon "
			   "and the client of the same ctopo (restart `ctopo daemon` after an upgrade)",
			   version, REPORT_JSON_VERSION);
	r = json_dispatch(root, header_fields, rep, p->err);
	if (r)
		return r;
	r = seconds_to_ns(p, "generated_at", rep->generated_at, &(uint64_t){ 0 });
	if (r)
		return r;

	conns = get_array(p, root, "conns", &r);
	for (size_t i = 0; !r && conns && i < YAJL_GET_ARRAY(conns)->len; i++) {
		struct report_conn c = { 0 };

		r = parse_conn(p, YAJL_GET_ARRAY(conns)->values[i], &c);
		if (!r)
			r = report_add_conn(rep, &c);
	}
	if (r)
		return r;
	containers = get_array(p, root, "containers", &r);
	for (size_t i = 0; !r && containers && i < YAJL_GET_ARRAY(containers)->len; i++) {
		struct report_container c = { 0 };

		r = parse_container(p, YAJL_GET_ARRAY(containers)->values[i], &c);
		if (!r)
			r = report_add_container(rep, &c);
	}
	if (r)
		return r;
	namespaces = get_array(p, root, "netns", &r);
	for (size_t i = 0; !r && namespaces && i < YAJL_GET_ARRAY(namespaces)->len; i++) {
		yajl_val o = YAJL_GET_ARRAY(namespaces)->values[i], prefixes;
		struct report_netns *ns;
		uint32_t inode;

		if (!YAJL_IS_OBJECT(o))
			return bad(p, "a namespace is not an object");
		r = json_read_u32(json_get(o, JSON_PATH("inode")), &(struct json_field){ .path = JSON_PATH("inode") },
				  &inode, p->err);
		if (r)
			return r;
		ns = report_netns_get(rep, inode);
		if (!ns)
			return -ENOMEM;
		r = json_read_string_buf(json_get(o, JSON_PATH("label")),
					 &(struct json_field){ .path = JSON_PATH("label"), .max = sizeof(ns->label) },
					 ns->label, p->err);
		prefixes = r ? NULL : get_array(p, o, "prefixes", &r);
		for (size_t j = 0; !r && prefixes && j < YAJL_GET_ARRAY(prefixes)->len; j++) {
			struct report_prefix pf;

			r = parse_prefix(p, YAJL_GET_ARRAY(prefixes)->values[j], &pf);
			if (!r)
				r = report_netns_add_prefix(ns, &pf);
		}
	}
	if (r)
		return r;
	extra = get_array(p, root, "extra_prefixes", &r);
	for (size_t i = 0; !r && extra && i < YAJL_GET_ARRAY(extra)->len; i++) {
		struct report_prefix pf;

		r = parse_prefix(p, YAJL_GET_ARRAY(extra)->values[i], &pf);
		if (!r)
			r = report_add_extra_prefix(rep, &pf);
	}
	if (r)
		return r;
	window = json_get(root, JSON_PATH("window"));
	if (window && !YAJL_IS_OBJECT(window))
		return json_wrong_type(&(struct json_field){ .path = JSON_PATH("window") }, "an object", window,
				       p->err);
	if (window)
		r = json_read_double(json_get(window, JSON_PATH("history_s")),
				     &(struct json_field){ .path = JSON_PATH("window", "history_s") }, &rep->history_s,
				     p->err);
	edges = r ? NULL : get_array(p, root, "edges", &r);
	for (size_t i = 0; !r && edges && i < YAJL_GET_ARRAY(edges)->len; i++) {
		struct report_edge e = { 0 };

		r = parse_edge(p, YAJL_GET_ARRAY(edges)->values[i], &e);
		if (r)
			free(e.rec.buckets);
		else
			r = report_add_edge(rep, &e);
	}
	return r;
}

static int parse_report(struct parse_ctx *p, const char *buf, size_t len, struct report **ret)
{
	struct report *rep;
	char *text, yerr[256] = "";
	yajl_val root;
	int r;

	/* yajl_tree wants a NUL-terminated string; the buffer may not be one */
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(text);
		return bad(p, "the report contains a NUL byte");
	}
	root = yajl_tree_parse(text, yerr, sizeof(yerr));
	free(text);
	if (!root)
		return bad(p, "the report is not valid JSON: %s", yerr[0] ? yerr : "parse error");
	rep = report_new();
	if (!rep) {
		yajl_tree_free(root);
		return -ENOMEM;
	}
	r = parse_all(p, root, rep);
	yajl_tree_free(root);
	if (r < 0) {
		report_free(rep);
		return r;
	}
	/* host flags follow from host_netns, whatever order the fields came in */
	for (size_t i = 0; i < rep->n_netns; i++)
		rep->netns[i].is_host = rep->netns[i].inode == rep->host_netns;
	*ret = rep;
	return 0;
}

int report_parse_json(const char *buf, size_t len, struct report **ret, char *errbuf, size_t errlen)
{
	struct json_error err = { "" };
	struct parse_ctx p = { &err };
	int r = parse_report(&p, buf, len, ret);

	if (r < 0 && errbuf && errlen)
		snprintf(errbuf, errlen, "%s", err.message);
	return r;
}
