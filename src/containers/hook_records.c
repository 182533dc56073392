/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/hook_records.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

/* A cgroup names a container only when it is the container's own: runtimes name it after the
 * id (/docker/<id>, libpod-<id>.scope, runc's and crun's /<id>). A container started inside its
 * caller's cgroup shares it with host processes (a test harness, a systemd user session), and
 * its id would then claim their connections too. */
static bool cgroup_is_containers_own(const char *cgroup_path, const char *id)
{
	const char *last;

	if (!cgroup_path || !id || !id[0])
		return false;
	last = strrchr(cgroup_path, '/');
	return strstr(last ? last + 1 : cgroup_path, id) != NULL;
}

int hook_record_apply(struct containers *reg, const struct oci_record *rec)
{
	struct container c = { .source = CONTAINER_SOURCE_OCI_HOOK,
			       .state = rec->stopped ? CONTAINER_STOPPED : CONTAINER_RUNNING,
			       .pid = rec->pid > 0 ? (pid_t)rec->pid : 0,
			       .mntns = rec->mntns,
			       .netns = rec->netns,
			       .cgroup_path = rec->cgroup,
			       .cgroup_id = cgroup_is_containers_own(rec->cgroup, rec->id) ? rec->cgroup_id : 0,
			       .name = rec->name,
			       .started_ns = (uint64_t)(rec->started_at * 1e9) };
	_cleanup_free_ struct container_label *labels = NULL;
	const struct container *known;
	int r;

	if (!rec->id || strlen(rec->id) >= sizeof(c.id))
		return -EINVAL;
	snprintf(c.id, sizeof(c.id), "%s", rec->id);
	for (size_t i = 0; i < rec->n_annotations; i++)
		if (!strcmp(rec->annotations[i].key, "io.container.manager") &&
		    !strcmp(rec->annotations[i].value, "libpod"))
			snprintf(c.engine, sizeof(c.engine), "podman");
	/* the annotations the hook kept (io.kubernetes.*, nerdctl/name, ...) are the container's labels,
	 * unless Docker gave it labels already (a hook run by a wrapper runtime under Docker): those
	 * are the container's own, Compose's among them */
	known = containers_find_by_id(reg, rec->id);
	if (rec->n_annotations && !(known && known->source == CONTAINER_SOURCE_DOCKER && known->n_labels)) {
		labels = calloc(rec->n_annotations, sizeof(*labels));
		if (!labels)
			return -ENOMEM;
		for (size_t i = 0; i < rec->n_annotations; i++)
			labels[i] = (struct container_label){ rec->annotations[i].key, rec->annotations[i].value };
		c.labels = labels;
		c.n_labels = rec->n_annotations;
	}
	r = containers_upsert(reg, &c);
	if (r < 0)
		return r;
	if (rec->stopped)
		r = containers_mark_stopped(reg, rec->id, (uint64_t)(rec->stopped_at * 1e9));
	return r;
}

static int apply_cb(const struct oci_record *rec, void *userdata)
{
	int r = hook_record_apply(userdata, rec);

	if (r < 0)
		log_debug("hook record %s skipped: %s", rec->id ? rec->id : "?", strerror(-r));
	return 0;
}

int hook_records_load(struct containers *reg, const char *dir)
{
	int r = oci_state_read_dir(dir, apply_cb, reg);

	return r == -ENOENT ? 0 : r;
}

struct sweep {
	const char *dir;
	double cutoff;
	int removed;
};

static int sweep_cb(const struct oci_record *rec, void *userdata)
{
	struct sweep *s = userdata;
	char path[4096];

	if (!rec->stopped || rec->stopped_at <= 0 || rec->stopped_at >= s->cutoff)
		return 0;
	/* the id was validated when the record was read, and matches its file name */
	snprintf(path, sizeof(path), "%s/%s.json", s->dir, rec->id);
	if (unlink(path) == 0)
		s->removed++;
	else if (errno != ENOENT)
		log_debug("cannot remove the expired hook record %s: %m", path);
	return 0;
}

int hook_records_sweep(const char *dir, double cutoff)
{
	struct sweep s = { dir, cutoff, 0 };
	int r = oci_state_read_dir(dir, sweep_cb, &s);

	if (r < 0 && r != -ENOENT)
		return r;
	return s.removed;
}

int hook_records_watch(const char *dir)
{
	int fd, r;

	/* the hook creates it too; making it here lets us watch before the first container */
	r = oci_state_make_dir(dir);
	if (r < 0)
		return log_debug_errno(r, "cannot create the hook state directory %s: %m", dir);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the hook writes a temp file and renames it over the record: IN_MOVED_TO is the signal */
	if (inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		r = -errno;
		close(fd);
		return log_debug_errno(r, "cannot watch %s: %m", dir);
	}
	return fd;
}

int hook_records_process(struct containers *reg, const char *dir, int inotify_fd)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(inotify_fd, buf, sizeof(buf));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			size_t len;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_debug("hook records: inotify overflowed, reloading the directory");
				hook_records_load(reg, dir);
				continue;
			}
			len = ev->len ? strlen(ev->name) : 0;
			if (len > 5 && !strcmp(ev->name + len - 5, ".json")) {
				struct oci_record rec = { 0 };
				char id[OCI_ID_MAX_LEN + 1];

				if (len - 5 > OCI_ID_MAX_LEN)
					continue;
				snprintf(id, sizeof(id), "%.*s", (int)(len - 5), ev->name);
				if (oci_state_load_record(dir, id, &rec) == 0) {
					int r = hook_record_apply(reg, &rec);

					if (r < 0)
						log_debug("hook record %s skipped: %s", id, strerror(-r));
				}
				oci_record_done(&rec);
			}
		}
	}
}
