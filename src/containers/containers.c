/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/containers.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/util.h"
#include "containers/cgroup.h"
#include "containers/cgroup_ids.h"

/* A record is handed out as its container (the first member). The id and mntns indexes are
 * chained hashes: mntns is the tracker's key for every connection, so it must not cost a scan. */
struct record {
	struct container c;
	struct record *next_by_id;
	struct record *next_by_mntns;
	uint64_t seq; /* insertion order: the tie-break between equal candidates */
};

struct containers {
	struct record **v;
	size_t n, cap;
	struct record **by_id;
	struct record **by_mntns;
	size_t n_buckets; /* a power of two */
	uint64_t retention_ns;
	uint64_t next_seq;
	struct cgroup_ids *cgroups; /* learnt at cgroup_mkdir */
};

#define INITIAL_BUCKETS 64

static bool is_valid_id(const char *id)
{
	size_t len = id ? strnlen(id, CONTAINER_ID_MAX + 1) : 0;

	if (len == 0 || len > CONTAINER_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_+.-", id[i]))
			return false;
	return true;
}

static size_t hash_id(const char *id, size_t n_buckets)
{
	return hash_string(hash_seed(), id) & (n_buckets - 1);
}

static size_t hash_u64(uint64_t v, size_t n_buckets)
{
	return hash_bytes(hash_seed(), &v, sizeof(v)) & (n_buckets - 1);
}

const char *container_state_to_string(enum container_state s)
{
	switch (s) {
	case CONTAINER_CREATED:
		return "created";
	case CONTAINER_RUNNING:
		return "running";
	case CONTAINER_PAUSED:
		return "paused";
	case CONTAINER_STOPPED:
		return "stopped";
	}
	return "?";
}

const char *container_source_to_string(enum container_source s)
{
	return s == CONTAINER_SOURCE_OCI_HOOK ? "oci-hook" : "docker";
}

const char *container_label(const struct container *c, const char *key)
{
	for (size_t i = 0; i < c->n_labels; i++)
		if (!strcmp(c->labels[i].key, key))
			return c->labels[i].value;
	return NULL;
}

static void free_labels(struct container_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

void container_done(struct container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->image);
	free(c->hostname);
	free_labels(c->labels, c->n_labels);
	free(c->cgroup_path);
	free(c->network_mode);
	free(c->addresses);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

int containers_new(uint64_t retention_ns, struct containers **ret)
{
	struct containers *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return -ENOMEM;
	reg->n_buckets = INITIAL_BUCKETS;
	reg->by_id = calloc(reg->n_buckets, sizeof(*reg->by_id));
	reg->by_mntns = calloc(reg->n_buckets, sizeof(*reg->by_mntns));
	if (!reg->by_id || !reg->by_mntns || cgroup_ids_new(&reg->cgroups) < 0) {
		containers_free(reg);
		return -ENOMEM;
	}
	reg->retention_ns = retention_ns;
	*ret = reg;
	return 0;
}

void containers_free(struct containers *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		container_done(&reg->v[i]->c);
		free(reg->v[i]);
	}
	free(reg->v);
	free(reg->by_id);
	free(reg->by_mntns);
	cgroup_ids_free(reg->cgroups);
	free(reg);
}

size_t containers_count(const struct containers *reg)
{
	return reg->n;
}

const struct container *containers_get(const struct containers *reg, size_t index)
{
	return index < reg->n ? &reg->v[index]->c : NULL;
}

static void link_id(struct containers *reg, struct record *r)
{
	size_t b = hash_id(r->c.id, reg->n_buckets);

	r->next_by_id = reg->by_id[b];
	reg->by_id[b] = r;
}

static void link_mntns(struct containers *reg, struct record *r)
{
	size_t b;

	if (!r->c.mntns)
		return;
	b = hash_u64(r->c.mntns, reg->n_buckets);
	r->next_by_mntns = reg->by_mntns[b];
	reg->by_mntns[b] = r;
}

static void unlink_id(struct containers *reg, struct record *r)
{
	for (struct record **pp = &reg->by_id[hash_id(r->c.id, reg->n_buckets)]; *pp; pp = &(*pp)->next_by_id)
		if (*pp == r) {
			*pp = r->next_by_id;
			return;
		}
}

static void unlink_mntns(struct containers *reg, struct record *r)
{
	if (!r->c.mntns)
		return;
	for (struct record **pp = &reg->by_mntns[hash_u64(r->c.mntns, reg->n_buckets)]; *pp; pp = &(*pp)->next_by_mntns)
		if (*pp == r) {
			*pp = r->next_by_mntns;
			return;
		}
}

/* Keep chains short: double the buckets when there are twice as many records. */
static int maybe_grow(struct containers *reg)
{
	struct record **by_id, **by_mntns;
	size_t n_buckets = reg->n_buckets * 2;

	if (reg->n < reg->n_buckets * 2)
		return 0;
	by_id = calloc(n_buckets, sizeof(*by_id));
	by_mntns = calloc(n_buckets, sizeof(*by_mntns));
	if (!by_id || !by_mntns) {
		free(by_id);
		free(by_mntns);
		return 0; /* longer chains, still correct */
	}
	free(reg->by_id);
	free(reg->by_mntns);
	reg->by_id = by_id;
	reg->by_mntns = by_mntns;
	reg->n_buckets = n_buckets;
	for (size_t i = 0; i < reg->n; i++) {
		link_id(reg, reg->v[i]);
		link_mntns(reg, reg->v[i]);
	}
	return 0;
}

static struct record *find_record(const struct containers *reg, const char *id)
{
	if (!is_valid_id(id))
		return NULL;
	for (struct record *r = reg->by_id[hash_id(id, reg->n_buckets)]; r; r = r->next_by_id)
		if (!strcmp(r->c.id, id))
			return r;
	return NULL;
}

static bool is_live(const struct container *c)
{
	return c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
}

/* Which of two records sharing a key (a reused namespace inode, a reused IP) is meant: the live
 * one, else the one that stopped last, else the newer record. */
static bool better_candidate(const struct record *a, const struct record *b)
{
	if (!b)
		return true;
	if (is_live(&a->c) != is_live(&b->c))
		return is_live(&a->c);
	if (a->c.stopped_ns != b->c.stopped_ns)
		return a->c.stopped_ns > b->c.stopped_ns;
	return a->seq > b->seq;
}

static int replace_string(char **dst, const char *src)
{
	char *copy;

	if (!src)
		return 0;
	copy = strdup(src);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int replace_labels(struct container *dst, const struct container *src)
{
	struct container_label *labels;

	if (src->n_labels == 0)
		return 0;
	labels = calloc(src->n_labels, sizeof(*labels));
	if (!labels)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_labels; i++) {
		labels[i].key = strdup(src->labels[i].key);
		labels[i].value = strdup(src->labels[i].value ? src->labels[i].value : "");
		if (!labels[i].key || !labels[i].value) {
			free_labels(labels, i + 1);
			return -ENOMEM;
		}
	}
	free_labels(dst->labels, dst->n_labels);
	dst->labels = labels;
	dst->n_labels = src->n_labels;
	return 0;
}

/* An array of plain values (addresses, ports): a copy of src replaces *dst, unless src is empty. */
static int replace_array(void **dst, size_t *dst_n, const void *src, size_t n, size_t size)
{
	void *copy;

	if (n == 0)
		return 0;
	copy = malloc(n * size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, src, n * size);
	free(*dst);
	*dst = copy;
	*dst_n = n;
	return 0;
}

static int replace_addresses(struct container *dst, const struct container *src)
{
	return replace_array((void **)&dst->addresses, &dst->n_addresses, src->addresses, src->n_addresses,
			     sizeof(*src->addresses));
}

static int replace_ports(struct container *dst, const struct container *src)
{
	return replace_array((void **)&dst->ports, &dst->n_ports, src->ports, src->n_ports, sizeof(*src->ports));
}

/* Merge info into the record: what info has replaces, what it leaves empty stays. */
static int merge_into(struct containers *reg, struct record *r, const struct container *info, bool is_new)
{
	struct container *c = &r->c;
	int ret;

	if ((ret = replace_string(&c->name, info->name)) < 0 || (ret = replace_string(&c->image, info->image)) < 0 ||
	    (ret = replace_string(&c->hostname, info->hostname)) < 0 ||
	    (ret = replace_string(&c->cgroup_path, info->cgroup_path)) < 0 || (ret = replace_labels(c, info)) < 0 ||
	    (ret = replace_addresses(c, info)) < 0 || (ret = replace_ports(c, info)) < 0)
		return ret;
	if (info->network_mode) {
		if ((ret = replace_string(&c->network_mode, info->network_mode)) < 0)
			return ret;
		memcpy(c->shares_netns_with, info->shares_netns_with, sizeof(c->shares_netns_with));
		c->shares_netns_with[CONTAINER_ID_MAX] = 0;
	}
	if (is_new || c->source != CONTAINER_SOURCE_DOCKER)
		c->source = info->source;
	if (info->engine[0])
		snprintf(c->engine, sizeof(c->engine), "%.*s", (int)sizeof(c->engine) - 1, info->engine);
	c->state = info->state;
	if (info->pid > 0)
		c->pid = info->pid;
	if (info->mntns && info->mntns != c->mntns) {
		if (!is_new)
			unlink_mntns(reg, r);
		c->mntns = info->mntns;
		link_mntns(reg, r);
	}
	if (info->netns)
		c->netns = info->netns;
	if (info->cgroup_id)
		c->cgroup_id = info->cgroup_id;
	if (info->started_ns)
		c->started_ns = info->started_ns;
	/* A stop time means something only while stopped: a restarted container is running again. */
	if (c->state != CONTAINER_STOPPED)
		c->stopped_ns = 0;
	else if (info->stopped_ns)
		c->stopped_ns = info->stopped_ns;
	return 0;
}

int containers_upsert(struct containers *reg, const struct container *info)
{
	struct record *r;
	int ret;

	if (!is_valid_id(info->id))
		return -EINVAL;
	r = find_record(reg, info->id);
	if (r)
		return merge_into(reg, r, info, false);

	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 16;
		struct record **v = reallocarray(reg->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		reg->v = v;
		reg->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memcpy(r->c.id, info->id, sizeof(r->c.id));
	ret = merge_into(reg, r, info, true);
	if (ret < 0) {
		unlink_mntns(reg, r);
		container_done(&r->c);
		free(r);
		return ret;
	}
	r->seq = reg->next_seq++;
	link_id(reg, r);
	reg->v[reg->n++] = r;
	return maybe_grow(reg);
}

int containers_mark_stopped(struct containers *reg, const char *id, uint64_t stopped_ns)
{
	struct record *r = find_record(reg, id);

	if (!r)
		return -ENOENT;
	r->c.state = CONTAINER_STOPPED;
	r->c.stopped_ns = stopped_ns ? stopped_ns : clock_real_ns();
	return 0;
}

int containers_set_paused(struct containers *reg, const char *id, bool paused)
{
	struct record *r = find_record(reg, id);

	if (!r)
		return -ENOENT;
	if (r->c.state == CONTAINER_STOPPED)
		return 0; /* a late unpause of a dead container changes nothing */
	r->c.state = paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
	return 0;
}

int containers_rename(struct containers *reg, const char *id, const char *name)
{
	struct record *r = find_record(reg, id);

	if (!r)
		return -ENOENT;
	return replace_string(&r->c.name, name);
}

static bool has_record(const char *container_id, void *userdata)
{
	return find_record(userdata, container_id) != NULL;
}

size_t containers_expire(struct containers *reg, uint64_t now_ns)
{
	size_t kept = 0, removed = 0;

	for (size_t i = 0; i < reg->n; i++) {
		struct record *r = reg->v[i];

		if (r->c.state == CONTAINER_STOPPED && r->c.stopped_ns + reg->retention_ns < now_ns) {
			unlink_id(reg, r);
			unlink_mntns(reg, r);
			container_done(&r->c);
			free(r);
			removed++;
			continue;
		}
		reg->v[kept++] = r;
	}
	reg->n = kept;
	/* a learnt cgroup lives as long as its container's record, or the retention without one */
	if (now_ns > reg->retention_ns)
		cgroup_ids_expire(reg->cgroups, now_ns - reg->retention_ns, has_record, reg);
	return removed;
}

int containers_learn_cgroup(struct containers *reg, uint64_t cgroup_id, const char *path, bool truncated,
			    uint64_t now_ns)
{
	return cgroup_ids_learn(reg->cgroups, cgroup_id, path, truncated, now_ns);
}

size_t containers_cgroups_learnt(const struct containers *reg)
{
	return cgroup_ids_count(reg->cgroups);
}

size_t containers_unnamed_cgroups(const struct containers *reg, uint64_t since_ns)
{
	/* has_record takes the registry as its userdata; it only reads it */
	return cgroup_ids_count_unknown(reg->cgroups, since_ns, has_record, (void *)reg);
}

const struct container *containers_find_by_id(const struct containers *reg, const char *id)
{
	struct record *r = find_record(reg, id);

	return r ? &r->c : NULL;
}

const struct container *containers_find_by_mntns(const struct containers *reg, uint64_t mntns)
{
	struct record *best = NULL;

	if (!mntns)
		return NULL;
	for (struct record *r = reg->by_mntns[hash_u64(mntns, reg->n_buckets)]; r; r = r->next_by_mntns)
		if (r->c.mntns == mntns && better_candidate(r, best))
			best = r;
	return best ? &best->c : NULL;
}

const struct container *containers_find_by_cgroup_id(const struct containers *reg, uint64_t cgroup_id)
{
	const char *learnt = cgroup_ids_lookup(reg->cgroups, cgroup_id);
	struct record *best = learnt ? find_record(reg, learnt) : NULL;

	if (best || !cgroup_id)
		return best ? &best->c : NULL;
	for (size_t i = 0; i < reg->n; i++)
		if (reg->v[i]->c.cgroup_id == cgroup_id && better_candidate(reg->v[i], best))
			best = reg->v[i];
	return best ? &best->c : NULL;
}

static uint64_t ns_inode(pid_t pid, const char *kind)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

const struct container *containers_find_by_pid(const struct containers *reg, pid_t pid)
{
	struct cgroup_info cg = { 0 };
	const struct container *c = NULL;
	uint64_t mntns;

	if (pid <= 0)
		return NULL;
	if (cgroup_read_pid(pid, &cg) == 0 && cg.container_id[0]) {
		c = containers_find_by_id(reg, cg.container_id);
		if (!c)
			c = containers_find_by_id(reg, cg.outer_container_id);
	}
	cgroup_info_done(&cg);
	if (c)
		return c;
	/* A live process's mount namespace is alive too, so a stopped record with that inode
	 * would be a reused number: only live containers count here. */
	mntns = ns_inode(pid, "mnt");
	c = containers_find_by_mntns(reg, mntns);
	return c && is_live(c) ? c : NULL;
}

static int compare_candidates(const void *a, const void *b)
{
	const struct record *ra = *(const struct record *const *)a, *rb = *(const struct record *const *)b;

	if (ra == rb)
		return 0;
	return better_candidate(ra, rb) ? -1 : 1;
}

size_t containers_find_by_netns(const struct containers *reg, uint64_t netns, const struct container **ret, size_t max)
{
	_cleanup_free_ struct record **found = NULL;
	size_t n = 0;

	if (!netns)
		return 0;
	for (size_t i = 0; i < reg->n; i++)
		if (reg->v[i]->c.netns == netns)
			n++;
	if (n == 0 || max == 0)
		return n;
	found = malloc(n * sizeof(*found));
	if (!found)
		return 0;
	n = 0;
	for (size_t i = 0; i < reg->n; i++)
		if (reg->v[i]->c.netns == netns)
			found[n++] = reg->v[i];
	qsort(found, n, sizeof(*found), compare_candidates);
	for (size_t i = 0; i < n && i < max; i++)
		ret[i] = &found[i]->c;
	return n;
}

const struct container *containers_find_by_ip(const struct containers *reg, uint16_t family, const uint8_t bytes[16])
{
	size_t len = family == AF_INET ? 4 : 16;
	struct record *best = NULL;

	for (size_t i = 0; i < reg->n; i++) {
		const struct container *c = &reg->v[i]->c;

		for (size_t j = 0; j < c->n_addresses; j++)
			if (c->addresses[j].family == family && !memcmp(c->addresses[j].bytes, bytes, len) &&
			    better_candidate(reg->v[i], best)) {
				best = reg->v[i];
				break;
			}
	}
	return best ? &best->c : NULL;
}

/* When process pid started, as UNIX ns (from its start time in clock ticks after boot); 0 when
 * unreadable. */
static uint64_t process_start_ns(pid_t pid)
{
	static uint64_t boot_ns;
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	FILE *f;
	size_t n;

	if (!boot_ns) {
		char line[256];
		unsigned long long btime;

		f = fopen("/proc/stat", "re");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "btime %llu", &btime) == 1)
				boot_ns = btime * 1000000000ull;
		if (f)
			fclose(f);
		if (!boot_ns)
			return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the fields that follow start after the last ')' */
	p = strrchr(buf, ')');
	/* field 22 (starttime) is the 20th after ") " */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &ticks) != 1)
		return 0;
	return boot_ns + ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* A container's init starts just before the runtime reports it started; a process that started
 * later has taken over a dead container's pid. */
#define INIT_START_SLACK_NS (1000000000ull)

int container_probe_pid(struct container *c, pid_t pid)
{
	struct cgroup_info cg = { 0 };
	uint64_t mntns, netns, cgroup_id = 0;
	int r;

	if (pid <= 0)
		return -EINVAL;
	mntns = ns_inode(pid, "mnt");
	netns = ns_inode(pid, "net");
	if (!mntns || !netns)
		return errno == ENOENT ? -ESRCH : errno ? -errno : -EIO;
	r = cgroup_read_pid(pid, &cg);
	if (r < 0)
		return r;
	/* Docker answers with the pid of a container that may have exited since: that pid may belong
	 * to anyone by now, and its namespaces would name the wrong process */
	if (cg.container_id[0] && strncmp(cg.container_id, c->id, strlen(cg.container_id)) &&
	    strncmp(cg.outer_container_id, c->id, strlen(cg.outer_container_id))) {
		cgroup_info_done(&cg);
		return -ESRCH;
	}
	if (c->started_ns) {
		uint64_t started = process_start_ns(pid);

		if (started > c->started_ns + INIT_START_SLACK_NS) {
			cgroup_info_done(&cg);
			return -ESRCH;
		}
	}
	/* The container's own cgroup: the v2 one when it names the container, else the v1 one. */
	if (cg.v2_path && cg.container_path && !strcmp(cg.container_path, cg.v2_path))
		(void)cgroup_v2_id(cg.v2_path, &cgroup_id);
	if (cg.container_path) {
		free(c->cgroup_path);
		c->cgroup_path = TAKE_PTR(cg.container_path);
	}
	cgroup_info_done(&cg);
	c->pid = pid;
	c->mntns = mntns;
	c->netns = netns;
	c->cgroup_id = cgroup_id;
	return 0;
}
