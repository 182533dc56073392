/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/docker_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "common/json_read.h"
#include "common/util.h"

bool docker_is_container_id(const char *s, size_t len)
{
	if (len != DOCKER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

const char *docker_quote_for_message(const char *s, size_t len, char *buf, size_t size)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = c;
		else
			o += snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (i < len)
		o += snprintf(buf + o, size - o, "...");
	buf[o] = 0;
	return buf;
}

void docker_container_done(struct docker_container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->image);
	free(c->hostname);
	free(c->status);
	free(c->network_mode);
	free(c->sandbox_key);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	for (size_t i = 0; i < c->n_addresses; i++)
		free(c->addresses[i].network);
	free(c->addresses);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

const char *docker_container_label(const struct docker_container *c, const char *key)
{
	for (size_t i = 0; i < c->n_labels; i++)
		if (!strcmp(c->labels[i].key, key))
			return c->labels[i].value;
	return NULL;
}

const char *docker_network_mode_container(const char *network_mode)
{
	if (!network_mode || strncmp(network_mode, "container:", 10) != 0 || !network_mode[10])
		return NULL;
	return network_mode + 10;
}

/* ---- the tree parsers (inspect, list) ---- */

static int wrong_type(struct json_error *err, const char *const *path, const char *expected, yajl_val v)
{
	char name[128];

	return json_fail(err, -EBADMSG, "%s: expected %s, got %s", json_path_name(path, name, sizeof(name)), expected,
			 json_kind(v));
}

static int copy_bounded(const char *s, const char *what, char **ret, struct json_error *err)
{
	size_t len = strlen(s);

	if (len > DOCKER_STRING_MAX)
		return json_fail(err, -E2BIG, "%s: string of %zu bytes exceeds the limit of %d", what, len,
				 DOCKER_STRING_MAX);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* a string field of Docker's: at most DOCKER_STRING_MAX bytes */
#define DOCKER_STRING(p, type, member)                                                                            \
	{                                                                                                         \
		.path = (p), .read = json_read_string, .offset = offsetof(type, member), .max = DOCKER_STRING_MAX \
	}

/* uint64_t: RFC 3339 to ns since the epoch */
static int read_time(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	const struct json_field as_string = { .path = f->path, .max = DOCKER_STRING_MAX };
	_cleanup_free_ char *s = NULL;
	uint64_t *ns = ret;
	char name[128], q[64];
	int r;

	*ns = 0;
	r = json_read_string(v, &as_string, &s, err);
	if (r < 0 || !s)
		return r;
	if (docker_parse_time(s, ns) < 0)
		return json_fail(err, -EBADMSG, "%s: not a time: \"%s\"", json_path_name(f->path, name, sizeof(name)),
				 docker_quote_for_message(s, strlen(s), q, sizeof(q)));
	return 0;
}

/* char[DOCKER_ID_LEN + 1], required */
static int read_id(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	char q[96];

	if (!v)
		return json_fail(err, -EBADMSG, "Id: missing");
	if (!YAJL_IS_STRING(v))
		return wrong_type(err, f->path, "a string", v);
	if (!docker_is_container_id(v->u.string, strlen(v->u.string)))
		return json_fail(err, -EBADMSG, "Id: not a container id: \"%s\"",
				 docker_quote_for_message(v->u.string, strlen(v->u.string), q, sizeof(q)));
	memcpy(ret, v->u.string, DOCKER_ID_LEN + 1);
	return 0;
}

/* the container's labels */
static int read_labels(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	const char *const *path = f->path;
	struct docker_container *c = ret;
	char name[128];
	size_t n;
	int r;

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return wrong_type(err, path, "an object", v);
	n = v->u.object.len;
	if (n > DOCKER_LABELS_MAX)
		return json_fail(err, -E2BIG, "%s: %zu labels exceed the limit of %d",
				 json_path_name(path, name, sizeof(name)), n, DOCKER_LABELS_MAX);
	c->labels = calloc(n ? n : 1, sizeof(*c->labels));
	if (!c->labels)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		yajl_val value = v->u.object.values[i];
		struct docker_label *l = &c->labels[c->n_labels];

		json_path_name(path, name, sizeof(name));
		if (!YAJL_IS_STRING(value))
			return json_fail(err, -EBADMSG, "%s[\"%.40s\"]: expected a string, got %s", name,
					 v->u.object.keys[i], json_kind(value));
		r = copy_bounded(v->u.object.keys[i], name, &l->key, err);
		if (r < 0)
			return r;
		r = copy_bounded(value->u.string, name, &l->value, err);
		c->n_labels++; /* owned from here on, even half-filled */
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_address(struct docker_container *c, const char *network, const char *text, const char *what,
		       struct json_error *err)
{
	struct docker_address *a;
	char q[64];

	if (!text || !*text)
		return 0;
	if (c->n_addresses >= DOCKER_ADDRESSES_MAX)
		return json_fail(err, -E2BIG, "%s: more than %d addresses", what, DOCKER_ADDRESSES_MAX);
	a = &c->addresses[c->n_addresses];
	memset(a, 0, sizeof(*a));
	if (addr_parse(text, &a->family, a->bytes) < 0)
		return json_fail(err, -EBADMSG, "%s: not an IP address: \"%s\"", what,
				 docker_quote_for_message(text, strlen(text), q, sizeof(q)));
	a->network = strdup(network);
	if (!a->network)
		return -ENOMEM;
	c->n_addresses++;
	return 0;
}

/* the container's addresses, from NetworkSettings.Networks:
 * { "bridge": { "IPAddress": "172.17.0.2", "GlobalIPv6Address": "" } } */
static int read_addresses(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	const struct json_field ipv4 = DOCKER_STRING(JSON_PATH("IPAddress"), struct docker_address, network);
	const struct json_field ipv6 = DOCKER_STRING(JSON_PATH("GlobalIPv6Address"), struct docker_address, network);
	struct docker_container *c = ret;
	char what[192];
	size_t n;
	int r;

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return wrong_type(err, f->path, "an object", v);
	n = v->u.object.len;
	if (n > DOCKER_ADDRESSES_MAX / 2)
		return json_fail(err, -E2BIG, "NetworkSettings.Networks: %zu networks exceed the limit of %d", n,
				 DOCKER_ADDRESSES_MAX / 2);
	c->addresses = calloc(n ? 2 * n : 1, sizeof(*c->addresses));
	if (!c->addresses)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *network = v->u.object.keys[i];
		yajl_val endpoint = v->u.object.values[i];
		_cleanup_free_ char *v4 = NULL, *v6 = NULL;

		snprintf(what, sizeof(what), "NetworkSettings.Networks[\"%.64s\"]", network);
		if (YAJL_IS_NULL(endpoint))
			continue;
		if (!YAJL_IS_OBJECT(endpoint))
			return json_fail(err, -EBADMSG, "%s: expected an object, got %s", what, json_kind(endpoint));
		if (strlen(network) > DOCKER_STRING_MAX)
			return json_fail(err, -E2BIG, "%s: network name too long", what);
		r = json_read_string(json_get(endpoint, ipv4.path), &ipv4, &v4, err);
		if (r < 0)
			return r;
		r = json_read_string(json_get(endpoint, ipv6.path), &ipv6, &v6, err);
		if (r < 0)
			return r;
		r = add_address(c, network, v4, what, err);
		if (r < 0)
			return r;
		r = add_address(c, network, v6, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "8080/tcp" -> 8080, "tcp" */
static int parse_port_key(const char *key, struct docker_port *p)
{
	unsigned long long port;
	const char *slash = strchr(key, '/');
	char num[8];

	if (!slash || slash == key || (size_t)(slash - key) >= sizeof(num) || strlen(slash + 1) >= sizeof(p->proto) ||
	    !slash[1])
		return -EINVAL;
	memcpy(num, key, slash - key);
	num[slash - key] = 0;
	if (parse_u64(num, 65535, &port) < 0)
		return -EINVAL;
	p->container_port = port;
	snprintf(p->proto, sizeof(p->proto), "%s", slash + 1);
	return 0;
}

static int set_host_binding(struct docker_port *p, const char *host_ip, const char *host_port)
{
	unsigned long long port = p->host_port;
	uint8_t bytes[16];
	uint16_t family;

	if (host_ip && *host_ip) {
		if (addr_parse(host_ip, &family, bytes) < 0)
			return -EINVAL;
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", host_ip);
	}
	if (host_port && *host_port && parse_u64(host_port, 65535, &port) < 0)
		return -EINVAL;
	p->host_port = port;
	return 0;
}

static int push_port(struct docker_container *c, size_t *cap, const struct docker_port *p, struct json_error *err)
{
	if (c->n_ports >= DOCKER_PORTS_MAX)
		return json_fail(err, -E2BIG, "Ports: more than %d entries", DOCKER_PORTS_MAX);
	if (c->n_ports == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct docker_port *v = reallocarray(c->ports, ncap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->ports = v;
		*cap = ncap;
	}
	c->ports[c->n_ports++] = *p;
	return 0;
}

/* the container's ports, from inspect's NetworkSettings.Ports:
 * { "8080/tcp": [ { "HostIp": "127.0.0.1", "HostPort": "18401" } ] | null } */
static int read_inspect_ports(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	struct docker_container *c = ret;
	size_t cap = 0;
	int r;

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return wrong_type(err, f->path, "an object", v);
	for (size_t i = 0; i < v->u.object.len; i++) {
		yajl_val bindings = v->u.object.values[i];
		struct docker_port port = { 0 };
		char q[48];

		if (parse_port_key(v->u.object.keys[i], &port) < 0)
			return json_fail(err, -EBADMSG, "NetworkSettings.Ports: not a port: \"%s\"",
					 docker_quote_for_message(v->u.object.keys[i], strlen(v->u.object.keys[i]), q,
								  sizeof(q)));
		if (!bindings || YAJL_IS_NULL(bindings)) { /* exposed, not published */
			r = push_port(c, &cap, &port, err);
			if (r < 0)
				return r;
			continue;
		}
		if (!YAJL_IS_ARRAY(bindings))
			return json_fail(err, -EBADMSG, "NetworkSettings.Ports[\"%s\"]: expected an array, got %s",
					 v->u.object.keys[i], json_kind(bindings));
		for (size_t j = 0; j < bindings->u.array.len; j++) {
			yajl_val b = bindings->u.array.values[j];
			yajl_val ip = yajl_tree_get(b, (const char *[]){ "HostIp", NULL }, yajl_t_any);
			yajl_val hp = yajl_tree_get(b, (const char *[]){ "HostPort", NULL }, yajl_t_any);
			struct docker_port bound = port;

			if (!YAJL_IS_OBJECT(b) || (ip && !YAJL_IS_STRING(ip)) || (hp && !YAJL_IS_STRING(hp)) ||
			    set_host_binding(&bound, YAJL_GET_STRING(ip), YAJL_GET_STRING(hp)) < 0)
				return json_fail(err, -EBADMSG, "NetworkSettings.Ports[\"%s\"]: not a host binding",
						 v->u.object.keys[i]);
			r = push_port(c, &cap, &bound, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

struct list_port {
	char *ip, *type;
	int private_port, public_port;
};

/* the container's ports, from the list's Ports:
 * [ { "IP": "127.0.0.1", "PrivatePort": 8080, "PublicPort": 18401, "Type": "tcp" } ] */
static int read_list_ports(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	const struct json_field fields[] = {
		DOCKER_STRING(JSON_PATH("IP"), struct list_port, ip),
		DOCKER_STRING(JSON_PATH("Type"), struct list_port, type),
		{ .path = JSON_PATH("PrivatePort"),
		  .read = json_read_int,
		  .offset = offsetof(struct list_port, private_port),
		  .min = 0,
		  .max = 65535 },
		{ .path = JSON_PATH("PublicPort"),
		  .read = json_read_int,
		  .offset = offsetof(struct list_port, public_port),
		  .min = 0,
		  .max = 65535 },
		{},
	};
	struct docker_container *c = ret;
	size_t cap = 0;
	int r;

	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return wrong_type(err, f->path, "an array", v);
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val e = v->u.array.values[i];
		struct list_port lp = { 0 };
		struct docker_port port = { 0 };

		if (!YAJL_IS_OBJECT(e))
			return json_fail(err, -EBADMSG, "Ports[%zu]: expected an object, got %s", i, json_kind(e));
		r = json_dispatch(e, fields, &lp, err);
		if (r >= 0) {
			port.container_port = lp.private_port;
			port.host_port = lp.public_port;
			snprintf(port.proto, sizeof(port.proto), "%s", lp.type ? lp.type : "tcp");
			if (set_host_binding(&port, lp.ip, NULL) < 0)
				r = json_fail(err, -EBADMSG, "Ports[%zu].IP: not an IP address", i);
		}
		free(lp.ip);
		free(lp.type);
		if (r >= 0)
			r = push_port(c, &cap, &port, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_tree(const char *buf, size_t len, const char *what, yajl_val *ret, struct json_error *err)
{
	_cleanup_free_ char *text = NULL;
	char yerr[192];
	yajl_val tree;

	if (len > DOCKER_RESPONSE_MAX)
		return json_fail(err, -E2BIG, "%s: response of %zu bytes exceeds the limit of %u MiB", what, len,
				 DOCKER_RESPONSE_MAX >> 20);
	if (memchr(buf, 0, len))
		return json_fail(err, -EBADMSG, "%s: NUL byte in the response", what);
	text = strndup(buf, len); /* yajl_tree wants a C string */
	if (!text)
		return -ENOMEM;
	yerr[0] = 0;
	tree = yajl_tree_parse(text, yerr, sizeof(yerr));
	if (!tree) {
		/* yajl's message spans lines (it shows the spot); keep the first */
		yerr[strcspn(yerr, "\n")] = 0;
		return json_fail(err, -EBADMSG, "%s: malformed or truncated JSON (%zu bytes): %s", what, len,
				 yerr[0] ? yerr : "unknown error");
	}
	*ret = tree;
	return 0;
}

static void yajl_tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}

/* What inspect says, read into the container in this order (the first problem stops it). */
static const struct json_field inspect_fields[] = {
	{ .path = JSON_PATH("Id"), .read = read_id, .offset = offsetof(struct docker_container, id) },
	DOCKER_STRING(JSON_PATH("Name"), struct docker_container, name),
	DOCKER_STRING(JSON_PATH("Config", "Image"), struct docker_container, image),
	DOCKER_STRING(JSON_PATH("Config", "Hostname"), struct docker_container, hostname),
	DOCKER_STRING(JSON_PATH("State", "Status"), struct docker_container, status),
	{ .path = JSON_PATH("State", "Running"),
	  .read = json_read_bool,
	  .offset = offsetof(struct docker_container, running) },
	{ .path = JSON_PATH("State", "Paused"),
	  .read = json_read_bool,
	  .offset = offsetof(struct docker_container, paused) },
	{ .path = JSON_PATH("State", "Pid"),
	  .read = json_read_int,
	  .offset = offsetof(struct docker_container, pid),
	  .min = 0,
	  .max = INT32_MAX },
	{ .path = JSON_PATH("State", "StartedAt"),
	  .read = read_time,
	  .offset = offsetof(struct docker_container, started_ns) },
	{ .path = JSON_PATH("State", "FinishedAt"),
	  .read = read_time,
	  .offset = offsetof(struct docker_container, finished_ns) },
	DOCKER_STRING(JSON_PATH("HostConfig", "NetworkMode"), struct docker_container, network_mode),
	DOCKER_STRING(JSON_PATH("NetworkSettings", "SandboxKey"), struct docker_container, sandbox_key),
	{ .path = JSON_PATH("Config", "Labels"), .read = read_labels, .offset = 0 },
	{ .path = JSON_PATH("NetworkSettings", "Networks"), .read = read_addresses, .offset = 0 },
	{ .path = JSON_PATH("NetworkSettings", "Ports"), .read = read_inspect_ports, .offset = 0 },
	{},
};

static int fill_from_inspect(yajl_val root, struct docker_container *c, struct json_error *err)
{
	const struct json_field image_id = DOCKER_STRING(JSON_PATH("Image"), struct docker_container, image);
	int r;

	if (!YAJL_IS_OBJECT(root))
		return json_fail(err, -EBADMSG, "expected an object, got %s", json_kind(root));
	r = json_dispatch(root, inspect_fields, c, err);
	if (r < 0)
		return r;
	if (!c->running)
		c->pid = 0;
	if (c->name && c->name[0] == '/') /* Docker's leading slash */
		memmove(c->name, c->name + 1, strlen(c->name));
	/* as the user named it, else the image id */
	if (!c->image || !*c->image) {
		free(c->image);
		r = json_read_string(json_get(root, image_id.path), &image_id, &c->image, err);
	}
	return r;
}

int docker_parse_inspect(const char *buf, size_t len, struct docker_container *ret, struct json_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	struct docker_container c = { 0 };
	struct json_error field_err = { { 0 } };
	int r;

	r = parse_tree(buf, len, "container inspect", &root, err);
	if (r < 0)
		return r;
	r = fill_from_inspect(root, &c, &field_err);
	if (r < 0) {
		docker_container_done(&c);
		return r == -ENOMEM ? r : json_fail(err, r, "container inspect: %.200s", field_err.message);
	}
	*ret = c;
	return 0;
}

/* Names: ["/web"] and, with legacy links, also "/other/alias": the container's own name is the one
 * without a second slash. */
static int read_list_name(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	struct docker_container *c = ret;

	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return wrong_type(err, f->path, "an array", v);
	for (size_t i = 0; i < v->u.array.len; i++) {
		const char *s = YAJL_GET_STRING(v->u.array.values[i]);

		if (!s)
			return json_fail(err, -EBADMSG, "Names[%zu]: expected a string, got %s", i,
					 json_kind(v->u.array.values[i]));
		if (*s == '/')
			s++;
		if (!strchr(s, '/'))
			return copy_bounded(s, "Names", &c->name, err);
	}
	return 0;
}

/* What one entry of the list says, in this order (a problem costs that entry). */
static const struct json_field list_fields[] = {
	{ .path = JSON_PATH("Id"), .read = read_id, .offset = offsetof(struct docker_container, id) },
	{ .path = JSON_PATH("Names"), .read = read_list_name, .offset = 0 },
	DOCKER_STRING(JSON_PATH("Image"), struct docker_container, image),
	DOCKER_STRING(JSON_PATH("State"), struct docker_container, status),
	DOCKER_STRING(JSON_PATH("HostConfig", "NetworkMode"), struct docker_container, network_mode),
	{ .path = JSON_PATH("Labels"), .read = read_labels, .offset = 0 },
	{ .path = JSON_PATH("NetworkSettings", "Networks"), .read = read_addresses, .offset = 0 },
	{ .path = JSON_PATH("Ports"), .read = read_list_ports, .offset = 0 },
	{},
};

static int fill_from_list_entry(yajl_val e, struct docker_container *c, struct json_error *err)
{
	int r;

	if (!YAJL_IS_OBJECT(e))
		return json_fail(err, -EBADMSG, "expected an object, got %s", json_kind(e));
	r = json_dispatch(e, list_fields, c, err);
	if (r < 0)
		return r;
	c->paused = c->status && !strcmp(c->status, "paused");
	c->running = c->status && (!strcmp(c->status, "running") || c->paused || !strcmp(c->status, "restarting"));
	return 0;
}

void docker_container_list_done(struct docker_container_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		docker_container_done(&list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

int docker_parse_list(const char *buf, size_t len, struct docker_container_list *ret, struct json_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	struct docker_container_list list = { 0 };
	size_t n;
	int r;

	r = parse_tree(buf, len, "container list", &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_ARRAY(root))
		return json_fail(err, -EBADMSG, "container list: expected an array, got %s", json_kind(root));
	n = root->u.array.len;
	list.v = calloc(n ? n : 1, sizeof(*list.v));
	if (!list.v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_error entry_err = { { 0 } };
		struct docker_container *c = &list.v[list.n];

		r = fill_from_list_entry(root->u.array.values[i], c, &entry_err);
		if (r == -ENOMEM) {
			docker_container_done(c);
			docker_container_list_done(&list);
			return r;
		}
		if (r < 0) {
			/* One bad entry costs that entry only. */
			docker_container_done(c);
			if (list.n_skipped++ == 0)
				snprintf(list.skipped_message, sizeof(list.skipped_message), "entry %zu: %s", i,
					 entry_err.message);
			continue;
		}
		list.n++;
	}
	*ret = list;
	return 0;
}

char *docker_parse_error_message(const char *buf, size_t len)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	const char *s;

	if (parse_tree(buf, len, "error", &root, NULL) < 0)
		return NULL;
	s = YAJL_GET_STRING(yajl_tree_get(root, (const char *[]){ "message", NULL }, yajl_t_string));
	return s ? strndup(s, DOCKER_STRING_MAX) : NULL;
}

int docker_parse_api_version(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	unsigned long long major, minor;
	const char *dot = s ? strchr(s, '.') : NULL;
	char buf[16];

	if (!dot || (size_t)(dot - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, dot - s);
	buf[dot - s] = 0;
	if (parse_u64(buf, 999, &major) < 0 || parse_u64(dot + 1, 999, &minor) < 0)
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	return 0;
}

/* The value of header name (lowercase, with its ':') in a raw header block, trimmed; NULL when
 * absent. */
static const char *find_header(const char *headers, size_t len, const char *name, size_t *ret_len)
{
	const char *p = headers, *end = headers + len;
	size_t name_len = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		size_t line_len = (eol ? eol : end) - p;

		if (line_len > name_len && !strncasecmp(p, name, name_len)) {
			const char *v = p + name_len;
			size_t n;

			while (v < p + line_len && (*v == ' ' || *v == '\t'))
				v++;
			n = p + line_len - v;
			while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			*ret_len = n;
			return v;
		}
		p += line_len + 1;
	}
	return NULL;
}

int docker_parse_ping_api_version(const char *headers, size_t len, unsigned *ret_major, unsigned *ret_minor)
{
	char value[16];
	size_t n;
	const char *v = find_header(headers, len, "api-version:", &n);

	if (!v)
		return -ENOENT;
	if (n == 0 || n >= sizeof(value))
		return -EINVAL;
	memcpy(value, v, n);
	value[n] = 0;
	return docker_parse_api_version(value, ret_major, ret_minor);
}

const char *docker_parse_ping_engine(const char *headers, size_t len)
{
	size_t n;

	return find_header(headers, len, "libpod-api-version:", &n) ? "podman" : "docker";
}

int docker_parse_time(const char *s, uint64_t *ret_ns)
{
	struct tm tm = { 0 };
	uint64_t frac_ns = 0;
	int consumed = 0, digits = 0;
	long offset_s = 0;
	time_t t;

	if (!s ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &consumed) != 6 ||
	    consumed != 19)
		return -EINVAL;
	s += consumed;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, digits++)
			if (digits < 9)
				frac_ns = frac_ns * 10 + (*s - '0');
		if (digits == 0)
			return -EINVAL;
		for (int i = digits; i < 9; i++)
			frac_ns *= 10;
	}
	if (*s == 'Z' && s[1] == 0) {
		/* UTC */
	} else if ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
		   s[3] == ':' && isdigit((unsigned char)s[4]) && isdigit((unsigned char)s[5]) && s[6] == 0) {
		offset_s = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600 + ((s[4] - '0') * 10 + (s[5] - '0')) * 60;
		if (*s == '-')
			offset_s = -offset_s;
	} else {
		return -EINVAL;
	}
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -EINVAL;
	if (tm.tm_year < 1970) { /* Go's zero time: "never" */
		*ret_ns = 0;
		return 0;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1 || t - offset_s < 0)
		return -EINVAL;
	*ret_ns = (uint64_t)(t - offset_s) * 1000000000ull + frac_ns;
	return 0;
}
