/* SPDX-License-Identifier: Apache-2.0 */
#include "report/report_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yajl/yajl_tree.h>

#include "common/addr.h"
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

void report_write_json(FILE *out, const struct report *r)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_kv_u64(&w, "version", REPORT_JSON_VERSION);
	jsonw_key(&w, "generated_at");
	jsonw_double(&w, r->generated_at, 6);
	jsonw_kv_u64(&w, "host_netns", r->host_netns);
	jsonw_kv_u64(&w, "host_mntns", r->host_mntns);

	jsonw_key(&w, "conns");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < r->n_conns; i++) {
		const struct report_conn *c = &r->conns[i];

		jsonw_object_begin(&w);
		jsonw_kv_u64(&w, "netns", c->netns);
		write_endpoint(&w, "local", &c->local);
		write_endpoint(&w, "remote", &c->remote);
		if (c->nat) {
			write_endpoint(&w, "peer_local", &c->peer_local);
			write_endpoint(&w, "peer_remote", &c->peer_remote);
		}
		jsonw_kv_u64(&w, "direction", c->direction);
		jsonw_kv_u64(&w, "state", c->state);
		jsonw_kv_u64(&w, "pid", c->pid);
		jsonw_key(&w, "comm");
		jsonw_string_n(&w, c->comm, sizeof(c->comm));
		jsonw_kv_u64(&w, "mntns", c->mntns);
		jsonw_kv_u64(&w, "cgroup", c->cgroup_id);
		if (c->container_id[0])
			jsonw_kv_string(&w, "container_id", c->container_id);
		jsonw_key(&w, "first_seen");
		jsonw_double(&w, c->first_seen, 6);
		jsonw_key(&w, "last_seen");
		jsonw_double(&w, c->last_seen, 6);
		jsonw_kv_u64(&w, "bytes_sent", c->bytes_sent);
		jsonw_kv_u64(&w, "bytes_received", c->bytes_received);
		jsonw_key(&w, "duration_ms");
		jsonw_double(&w, c->duration_ms, 3);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);

	jsonw_key(&w, "containers");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = &r->containers[i];

		jsonw_object_begin(&w);
		jsonw_kv_string(&w, "id", c->id);
		jsonw_kv_string(&w, "name", c->name);
		jsonw_kv_string(&w, "image", c->image);
		jsonw_kv_u64(&w, "pid", c->pid);
		jsonw_kv_u64(&w, "mntns", c->mntns);
		jsonw_kv_u64(&w, "netns", c->netns);
		jsonw_kv_u64(&w, "cgroup", c->cgroup_id);
		jsonw_kv_bool(&w, "running", c->running);
		jsonw_key(&w, "started_at");
		jsonw_double(&w, c->started_at, 6);
		jsonw_key(&w, "stopped_at");
		jsonw_double(&w, c->stopped_at, 6);
		jsonw_kv_string(&w, "source", c->source);
		if (c->project[0] || c->service[0]) {
			jsonw_kv_string(&w, "project", c->project);
			jsonw_kv_string(&w, "service", c->service);
		}
		if (c->n_ports) {
			jsonw_key(&w, "ports");
			jsonw_array_begin(&w);
			for (size_t j = 0; j < c->n_ports; j++) {
				jsonw_object_begin(&w);
				write_endpoint(&w, "host", &c->ports[j].host);
				jsonw_kv_u64(&w, "container_port", c->ports[j].container_port);
				jsonw_object_end(&w);
			}
			jsonw_array_end(&w);
		}
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);

	jsonw_key(&w, "netns");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < r->n_netns; i++) {
		const struct report_netns *ns = &r->netns[i];

		jsonw_object_begin(&w);
		jsonw_kv_u64(&w, "inode", ns->inode);
		jsonw_kv_string(&w, "label", ns->label);
		jsonw_key(&w, "prefixes");
		jsonw_array_begin(&w);
		for (size_t j = 0; j < ns->n_prefixes; j++)
			write_prefix(&w, &ns->prefixes[j]);
		jsonw_array_end(&w);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);

	jsonw_key(&w, "extra_prefixes");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < r->n_extra_prefixes; i++)
		write_prefix(&w, &r->extra_prefixes[i]);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	fputc('\n', out);
}

/* ---- parsing ----------------------------------------------------------------------------- */

struct parse_ctx {
	char *errbuf;
	size_t errlen;
};

static int bad(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->errbuf && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->errbuf, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static yajl_val field(yajl_val obj, const char *name)
{
	const char *path[] = { name, NULL };

	return yajl_tree_get(obj, path, yajl_t_any);
}

/* A number field; absent is 0, a wrong type or out of range is an error. */
static int get_u64(struct parse_ctx *p, yajl_val obj, const char *name, uint64_t max, uint64_t *ret)
{
	yajl_val v = field(obj, name);

	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 || (uint64_t)YAJL_GET_INTEGER(v) > max)
		return bad(p, "field '%s' is not a number in 0..%llu", name, (unsigned long long)max);
	*ret = (uint64_t)YAJL_GET_INTEGER(v);
	return 0;
}

static int get_u32(struct parse_ctx *p, yajl_val obj, const char *name, uint32_t *ret)
{
	uint64_t v = 0;
	int r = get_u64(p, obj, name, UINT32_MAX, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

static int get_double(struct parse_ctx *p, yajl_val obj, const char *name, double *ret)
{
	yajl_val v = field(obj, name);

	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!YAJL_IS_NUMBER(v))
		return bad(p, "field '%s' is not a number", name);
	*ret = YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v) : (double)YAJL_GET_INTEGER(v);
	return 0;
}

static int get_bool(struct parse_ctx *p, yajl_val obj, const char *name, bool *ret)
{
	yajl_val v = field(obj, name);

	if (!v) {
		*ret = false;
		return 0;
	}
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return bad(p, "field '%s' is not a boolean", name);
	*ret = YAJL_IS_TRUE(v);
	return 0;
}

/* A string field copied into buf (truncated to fit); absent is "". */
static int get_string(struct parse_ctx *p, yajl_val obj, const char *name, char *buf, size_t len)
{
	yajl_val v = field(obj, name);

	buf[0] = '\0';
	if (!v)
		return 0;
	if (!YAJL_IS_STRING(v))
		return bad(p, "field '%s' is not a string", name);
	snprintf(buf, len, "%s", YAJL_GET_STRING(v));
	return 0;
}

/* "1.2.3.4:80" or "[::1]:80" */
static int parse_endpoint(struct parse_ctx *p, yajl_val obj, const char *name, struct report_endpoint *e)
{
	char s[ENDPOINT_STRLEN + 8], *colon, *addr = s;
	unsigned long long port;
	int r = get_string(p, obj, name, s, sizeof(s));

	if (r < 0)
		return r;
	colon = strrchr(s, ':');
	if (!colon)
		return bad(p, "endpoint '%s' has no port: '%s'", name, s);
	*colon = '\0';
	if (addr[0] == '[') {
		size_t n = strlen(addr);

		if (n < 2 || addr[n - 1] != ']')
			return bad(p, "endpoint '%s' is malformed", name);
		addr[n - 1] = '\0';
		addr++;
	}
	if (parse_u64(colon + 1, UINT16_MAX, &port) < 0 || addr_parse(addr, &e->family, e->addr) < 0)
		return bad(p, "endpoint '%s' is malformed", name);
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
	yajl_val v = field(obj, name);

	*err = 0;
	if (v && !YAJL_IS_ARRAY(v))
		*err = bad(p, "field '%s' is not an array", name);
	return v && YAJL_IS_ARRAY(v) ? v : NULL;
}

static int parse_conn(struct parse_ctx *p, yajl_val o, struct report_conn *c)
{
	uint32_t direction, state;
	int r = 0;

	if (!YAJL_IS_OBJECT(o))
		return bad(p, "a connection is not an object");
	r = r ?: get_u32(p, o, "netns", &c->netns);
	r = r ?: parse_endpoint(p, o, "local", &c->local);
	r = r ?: parse_endpoint(p, o, "remote", &c->remote);
	if (!r && field(o, "peer_local")) {
		c->nat = true;
		r = r ?: parse_endpoint(p, o, "peer_local", &c->peer_local);
		r = r ?: parse_endpoint(p, o, "peer_remote", &c->peer_remote);
	} else {
		c->peer_local = c->remote;
		c->peer_remote = c->local;
	}
	r = r ?: get_u32(p, o, "direction", &direction);
	r = r ?: get_u32(p, o, "state", &state);
	r = r ?: get_u32(p, o, "pid", &c->pid);
	r = r ?: get_string(p, o, "comm", c->comm, sizeof(c->comm));
	r = r ?: get_u32(p, o, "mntns", &c->mntns);
	r = r ?: get_u64(p, o, "cgroup", UINT64_MAX, &c->cgroup_id);
	r = r ?: get_string(p, o, "container_id", c->container_id, sizeof(c->container_id));
	r = r ?: get_double(p, o, "first_seen", &c->first_seen);
	r = r ?: get_double(p, o, "last_seen", &c->last_seen);
	r = r ?: get_u64(p, o, "bytes_sent", UINT64_MAX, &c->bytes_sent);
	r = r ?: get_u64(p, o, "bytes_received", UINT64_MAX, &c->bytes_received);
	r = r ?: get_double(p, o, "duration_ms", &c->duration_ms);
	if (r)
		return r;
	if (direction > REPORT_DIR_LISTEN || state > REPORT_STATE_LISTEN)
		return bad(p, "a connection has an unknown direction or state");
	c->direction = direction;
	c->state = state;
	return 0;
}

static int parse_container(struct parse_ctx *p, yajl_val o, struct report_container *c)
{
	yajl_val ports;
	int r = 0;

	if (!YAJL_IS_OBJECT(o))
		return bad(p, "a container is not an object");
	r = r ?: get_string(p, o, "id", c->id, sizeof(c->id));
	r = r ?: get_string(p, o, "name", c->name, sizeof(c->name));
	r = r ?: get_string(p, o, "image", c->image, sizeof(c->image));
	r = r ?: get_u32(p, o, "pid", &c->pid);
	r = r ?: get_u32(p, o, "mntns", &c->mntns);
	r = r ?: get_u32(p, o, "netns", &c->netns);
	r = r ?: get_u64(p, o, "cgroup", UINT64_MAX, &c->cgroup_id);
	r = r ?: get_bool(p, o, "running", &c->running);
	r = r ?: get_double(p, o, "started_at", &c->started_at);
	r = r ?: get_double(p, o, "stopped_at", &c->stopped_at);
	r = r ?: get_string(p, o, "source", c->source, sizeof(c->source));
	r = r ?: get_string(p, o, "project", c->project, sizeof(c->project));
	r = r ?: get_string(p, o, "service", c->service, sizeof(c->service));
	ports = r ? NULL : get_array(p, o, "ports", &r);
	for (size_t i = 0; !r && ports && i < YAJL_GET_ARRAY(ports)->len; i++) {
		yajl_val po = YAJL_GET_ARRAY(ports)->values[i];
		uint32_t container_port = 0;

		if (c->n_ports >= REPORT_PORTS_MAX)
			return bad(p, "a container has more than %d ports", REPORT_PORTS_MAX);
		if (!YAJL_IS_OBJECT(po))
			return bad(p, "a port is not an object");
		r = parse_endpoint(p, po, "host", &c->ports[c->n_ports].host);
		r = r ?: get_u32(p, po, "container_port", &container_port);
		if (!r && container_port > UINT16_MAX)
			return bad(p, "a container port is out of range");
		c->ports[c->n_ports++].container_port = container_port;
	}
	if (!r && !c->id[0])
		return bad(p, "a container has no id");
	return r;
}

static int parse_all(struct parse_ctx *p, yajl_val root, struct report *rep)
{
	yajl_val conns, containers, namespaces, extra;
	uint64_t version = 0;
	int r;

	if (!YAJL_IS_OBJECT(root))
		return bad(p, "the report is not a JSON object");
	r = get_u64(p, root, "version", UINT32_MAX, &version);
	if (r)
		return r;
	if (version != REPORT_JSON_VERSION)
		return bad(p, "report version %llu, this ctopo reads version %d", (unsigned long long)version,
			   REPORT_JSON_VERSION);
	r = get_double(p, root, "generated_at", &rep->generated_at);
	r = r ?: get_u32(p, root, "host_netns", &rep->host_netns);
	r = r ?: get_u32(p, root, "host_mntns", &rep->host_mntns);
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
		r = get_u32(p, o, "inode", &inode);
		if (r)
			return r;
		ns = report_netns_get(rep, inode);
		if (!ns)
			return -ENOMEM;
		r = get_string(p, o, "label", ns->label, sizeof(ns->label));
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
	return r;
}

int report_parse_json(const char *buf, size_t len, struct report **ret, char *errbuf, size_t errlen)
{
	struct parse_ctx p = { errbuf, errlen };
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
		return bad(&p, "the report contains a NUL byte");
	}
	root = yajl_tree_parse(text, yerr, sizeof(yerr));
	free(text);
	if (!root)
		return bad(&p, "the report is not valid JSON: %s", yerr[0] ? yerr : "parse error");
	rep = report_new();
	if (!rep) {
		yajl_tree_free(root);
		return -ENOMEM;
	}
	r = parse_all(&p, root, rep);
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
