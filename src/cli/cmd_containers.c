/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo containers: the container registry as Docker fills it, once, as a table or JSON. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/addr.h"
#include "common/escape.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/util.h"
#include "containers/containers.h"
#include "containers/docker.h"

#define CONTAINERS_DEFAULT_TIMEOUT_MS 10000

static void containers_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo containers [--json] [--docker-host URL] [-v]\n"
		"\n"
		"List the containers ctopo knows, with what it matches connections by: the init\n"
		"process, its network and mount namespace inodes, the network mode (and which\n"
		"container a `--network container:X` one shares its namespace with) and the state.\n"
		"Stopped containers are listed too. Without a Docker Engine the list is empty and\n"
		"ctopo says so on one line; the exit status is still 0.\n"
		"\n"
		"Options:\n"
		"  -j, --json              one JSON object: {\"docker\": {...}, \"containers\": [...]}\n"
		"  -H, --docker-host URL   the Docker Engine's socket, unix:///PATH (default: $DOCKER_HOST,\n"
		"                          else " DOCKER_DEFAULT_HOST
		")\n"
		"  -v, --verbose           debug messages (every API request's outcome)\n"
		"  -h, --help              this text\n"
		"\n"
		"Examples:\n"
		"  ctopo containers\n"
		"  ctopo containers --json | jq '.containers[] | select(.netns == 4026531840)'\n"
		"  DOCKER_HOST=unix:///run/user/1000/docker.sock ctopo containers\n");
}

static void format_time(uint64_t ns, char *buf, size_t size)
{
	time_t s = ns / 1000000000ull;
	struct tm tm;
	char base[32];

	if (!ns || !gmtime_r(&s, &tm)) {
		snprintf(buf, size, "-");
		return;
	}
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lluZ", base, (unsigned long long)(ns % 1000000000ull));
}

/* "container:srv" rather than a 64-digit id when the registry knows the name. */
static void format_network(const struct containers *reg, const struct container *c, char *buf, size_t size)
{
	const struct container *peer;

	if (c->shares_netns_with[0]) {
		peer = containers_find_by_id(reg, c->shares_netns_with);
		if (peer && peer->name)
			snprintf(buf, size, "container:%s", ESCAPED(peer->name));
		else
			snprintf(buf, size, "container:%.12s", ESCAPED(c->shares_netns_with));
		return;
	}
	snprintf(buf, size, "%s", c->network_mode ? ESCAPED(c->network_mode) : "-");
}

static int compare_by_name(const void *a, const void *b)
{
	const struct container *ca = *(const struct container *const *)a, *cb = *(const struct container *const *)b;
	int r = strcmp(ca->name ? ca->name : "", cb->name ? cb->name : "");

	return r ? r : strcmp(ca->id, cb->id);
}

/* A table cell: the escaped text, at most 40 columns of it. */
static const char *cell(const char *s, char *buf, size_t size)
{
	escape_strn(buf, size, s ? s : "-", SIZE_MAX);
	text_truncate_columns(buf, 40);
	return buf;
}

static void print_table(const struct containers *reg, const struct container **v, size_t n)
{
	size_t wname = 4, wimage = 5, wnet = 7;
	char net[ESCAPE_MAX], name[ESCAPE_MAX], image[ESCAPE_MAX];

	for (size_t i = 0; i < n; i++) {
		format_network(reg, v[i], net, sizeof(net));
		if (text_columns(cell(v[i]->name, name, sizeof(name))) > wname)
			wname = text_columns(name);
		if (text_columns(cell(v[i]->image, image, sizeof(image))) > wimage)
			wimage = text_columns(image);
		if (text_columns(net) > wnet)
			wnet = text_columns(net);
	}
	text_print_padded(stdout, "NAME", wname);
	printf("  %-12s  ", "ID");
	text_print_padded(stdout, "IMAGE", wimage);
	printf("  %7s  %10s  %10s  ", "PID", "NETNS", "MNTNS");
	text_print_padded(stdout, "NETWORK", wnet);
	printf("  STATE\n");
	for (size_t i = 0; i < n; i++) {
		const struct container *c = v[i];
		char pid[16] = "-", netns[24] = "-", mntns[24] = "-", id[16];

		if (c->pid > 0 && c->state != CONTAINER_STOPPED)
			snprintf(pid, sizeof(pid), "%d", (int)c->pid);
		if (c->netns)
			snprintf(netns, sizeof(netns), "%llu", (unsigned long long)c->netns);
		if (c->mntns)
			snprintf(mntns, sizeof(mntns), "%llu", (unsigned long long)c->mntns);
		format_network(reg, c, net, sizeof(net));
		text_print_padded(stdout, cell(c->name, name, sizeof(name)), wname);
		escape_strn(id, sizeof(id), c->id, 12);
		printf("  %-12s  ", id);
		text_print_padded(stdout, cell(c->image, image, sizeof(image)), wimage);
		printf("  %7s  %10s  %10s  ", pid, netns, mntns);
		text_print_padded(stdout, net, wnet);
		printf("  %s\n", container_state_to_string(c->state));
	}
}

static void print_json_container(struct jsonw *w, const struct containers *reg, const struct container *c)
{
	const struct container *peer =
		c->shares_netns_with[0] ? containers_find_by_id(reg, c->shares_netns_with) : NULL;
	char t[48], a[ADDR_STRLEN];

	jsonw_object_begin(w);
	jsonw_kv_string(w, "id", c->id);
	jsonw_kv_string(w, "name", c->name);
	jsonw_kv_string(w, "image", c->image);
	jsonw_kv_string(w, "hostname", c->hostname);
	jsonw_kv_string(w, "state", container_state_to_string(c->state));
	jsonw_kv_string(w, "source", container_source_to_string(c->source));
	jsonw_kv_string(w, "engine", c->engine[0] ? c->engine : NULL);
	jsonw_kv_i64(w, "pid", c->pid);
	jsonw_kv_u64(w, "netns", c->netns);
	jsonw_kv_u64(w, "mntns", c->mntns);
	jsonw_kv_string(w, "cgroup_path", c->cgroup_path);
	jsonw_kv_u64(w, "cgroup_id", c->cgroup_id);
	jsonw_kv_string(w, "network_mode", c->network_mode);
	jsonw_key(w, "shares_netns_with");
	if (c->shares_netns_with[0]) {
		jsonw_object_begin(w);
		jsonw_kv_string(w, "id", c->shares_netns_with);
		jsonw_kv_string(w, "name", peer ? peer->name : NULL);
		jsonw_object_end(w);
	} else {
		jsonw_null(w);
	}
	jsonw_key(w, "addresses");
	jsonw_array_begin(w);
	for (size_t i = 0; i < c->n_addresses; i++) {
		addr_format(c->addresses[i].family, c->addresses[i].bytes, a, sizeof(a));
		jsonw_string(w, a);
	}
	jsonw_array_end(w);
	jsonw_key(w, "labels");
	jsonw_object_begin(w);
	for (size_t i = 0; i < c->n_labels; i++)
		jsonw_kv_string(w, c->labels[i].key, c->labels[i].value);
	jsonw_object_end(w);
	format_time(c->started_ns, t, sizeof(t));
	jsonw_kv_string(w, "started_at", c->started_ns ? t : NULL);
	format_time(c->stopped_ns, t, sizeof(t));
	jsonw_kv_string(w, "stopped_at", c->stopped_ns ? t : NULL);
	jsonw_object_end(w);
}

static void print_json(const struct containers *reg, const struct container **v, size_t n,
		       const struct docker_client *client, bool connected)
{
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_object_begin(&w);
	jsonw_key(&w, "docker");
	jsonw_object_begin(&w);
	jsonw_kv_string(&w, "host", client ? docker_client_host(client) : NULL);
	jsonw_kv_bool(&w, "connected", connected);
	jsonw_kv_string(&w, "api_version", connected ? docker_client_api_version(client) : NULL);
	jsonw_object_end(&w);
	jsonw_key(&w, "containers");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		print_json_container(&w, reg, v[i]);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	putchar('\n');
}

int cmd_containers(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct docker_client_options opts = { .watch_events = false };
	_cleanup_free_ const struct container **sorted = NULL;
	struct containers *reg = NULL;
	struct docker_client *client = NULL;
	bool json = false, connected = false;
	size_t n;
	int c, r;

	while ((c = getopt_long(argc, argv, "jH:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'H':
			opts.host = optarg;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			containers_usage(stdout);
			return 0;
		default:
			containers_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}

	r = containers_new(0, &reg);
	if (r < 0)
		return log_error_errno(r, "Failed to create the container registry: %m"), 1;
	r = docker_client_new(&opts, reg, &client);
	if (r < 0) {
		containers_free(reg);
		return log_error_errno(r, "Failed to set up the Docker client: %m"), 1;
	}
	r = docker_client_wait_synced(client, CONTAINERS_DEFAULT_TIMEOUT_MS);
	connected = r == 0;
	if (r == -ETIMEDOUT)
		log_warning("the Docker Engine at %s did not answer within %d s; the list may be incomplete",
			    docker_client_host(client), CONTAINERS_DEFAULT_TIMEOUT_MS / 1000);
	else if (r == -ENOMEM)
		log_error("out of memory while reading the Docker Engine's containers");
	else if (r == -EPROTONOSUPPORT)
		log_error("the Docker host %s is %s: pass --docker-host unix:///PATH", docker_client_host(client),
			  docker_client_last_error(client));
	else if (r < 0)
		log_warning(
			"no Docker Engine at %s (%s): the list holds nothing; start dockerd, or point "
			"--docker-host at its socket",
			docker_client_host(client), docker_client_last_error(client));
	if (r == -EPROTONOSUPPORT) {
		docker_client_free(client);
		containers_free(reg);
		return 2;
	}

	n = containers_count(reg);
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted) {
		docker_client_free(client);
		containers_free(reg);
		return log_error_errno(-ENOMEM, "Failed to list containers: %m"), 1;
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] = containers_get(reg, i);
	qsort(sorted, n, sizeof(*sorted), compare_by_name);
	if (json)
		print_json(reg, sorted, n, client, connected);
	else
		print_table(reg, sorted, n);
	fflush(stdout);
	docker_client_free(client);
	containers_free(reg);
	return r == -ENOMEM ? 1 : 0;
}
