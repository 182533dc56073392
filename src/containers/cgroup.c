/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "common/util.h"

void cgroup_info_done(struct cgroup_info *info)
{
	if (!info)
		return;
	free(info->v2_path);
	free(info->container_path);
	memset(info, 0, sizeof(*info));
}

static bool is_hex_id(const char *s, size_t len)
{
	if (len != CGROUP_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* One path component, e.g. "docker-<id>.scope"; parent is the component before it. */
static bool component_id(const char *c, size_t len, const char *parent, size_t parent_len,
			 char ret_id[CGROUP_ID_LEN + 1], const char **ret_runtime)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} prefixes[] = {
		{ "docker-", "docker" },
		{ "libpod-", "podman" },
		{ "crio-", "cri-o" },
		{ "cri-containerd-", "containerd" },
	};
	const char *runtime = NULL;

	if (len > 6 && !memcmp(c + len - 6, ".scope", 6))
		len -= 6;
	/* conmon, the podman/CRI-O monitor, has a cgroup of its own named after the container:
	 * a process there is not in the container. */
	if (has_prefix(c, len, "libpod-conmon-") || has_prefix(c, len, "crio-conmon-"))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (has_prefix(c, len, prefixes[i].prefix)) {
			c += n;
			len -= n;
			runtime = prefixes[i].runtime;
			break;
		}
	}
	if (!is_hex_id(c, len))
		return false;
	if (!runtime && parent_len == 6 && !memcmp(parent, "docker", 6))
		runtime = "docker";
	memcpy(ret_id, c, CGROUP_ID_LEN);
	ret_id[CGROUP_ID_LEN] = 0;
	*ret_runtime = runtime;
	return true;
}

/* Scan a path's components; the innermost and the outermost id, 0 or -ENOENT. */
static int path_ids(const char *path, size_t path_len, char inner[CGROUP_ID_LEN + 1], char outer[CGROUP_ID_LEN + 1],
		    const char **ret_runtime)
{
	const char *p = path, *end = path + path_len, *parent = "", *runtime = NULL;
	size_t parent_len = 0;
	bool found = false;

	while (p < end) {
		const char *slash = memchr(p, '/', end - p);
		size_t len = (slash ? slash : end) - p;
		char id[CGROUP_ID_LEN + 1];
		const char *rt;

		if (len > 0 && component_id(p, len, parent, parent_len, id, &rt)) {
			if (!found)
				memcpy(outer, id, sizeof(id));
			memcpy(inner, id, sizeof(id));
			runtime = rt;
			found = true;
		}
		if (len > 0) {
			parent = p;
			parent_len = len;
		}
		p += len + 1;
	}
	if (!found)
		return -ENOENT;
	if (ret_runtime)
		*ret_runtime = runtime;
	return 0;
}

int cgroup_container_id_from_path(const char *path, char ret_id[CGROUP_ID_LEN + 1], const char **ret_runtime)
{
	char outer[CGROUP_ID_LEN + 1];

	return path_ids(path, strlen(path), ret_id, outer, ret_runtime);
}

int cgroup_parse(const char *buf, size_t len, struct cgroup_info *ret)
{
	const char *p = buf, *end = buf + len;
	struct cgroup_info info = { 0 };
	/* v1 line that names a container, used when the v2 line does not */
	const char *v1_path = NULL;
	size_t v1_len = 0;
	bool v2_names_container = false;

	if (len > CGROUP_FILE_MAX)
		return -E2BIG;
	if (memchr(buf, 0, len))
		return -EBADMSG;
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *line_end = eol ? eol : end;
		const char *c1, *c2, *path;
		size_t path_len;
		char inner[CGROUP_ID_LEN + 1], outer[CGROUP_ID_LEN + 1];
		const char *runtime;
		bool is_v2;

		if (line_end == p) { /* empty line, e.g. the final newline */
			p = line_end + 1;
			continue;
		}
		/* "hierarchy-ID:controller-list:cgroup-path"; the path may itself contain ':' */
		c1 = memchr(p, ':', line_end - p);
		c2 = c1 ? memchr(c1 + 1, ':', line_end - c1 - 1) : NULL;
		if (!c1 || !c2 || c1 == p || c2 + 1 == line_end || c2[1] != '/') {
			cgroup_info_done(&info);
			return -EBADMSG;
		}
		path = c2 + 1;
		path_len = line_end - path;
		is_v2 = c1 - p == 1 && p[0] == '0' && c2 == c1 + 1;
		if (is_v2) {
			free(info.v2_path);
			info.v2_path = strndup(path, path_len);
			if (!info.v2_path)
				return -ENOMEM;
		}
		if (path_ids(path, path_len, inner, outer, &runtime) == 0 && !v2_names_container &&
		    (is_v2 || !v1_path)) {
			memcpy(info.container_id, inner, sizeof(inner));
			memcpy(info.outer_container_id, outer, sizeof(outer));
			info.runtime = runtime;
			if (is_v2) {
				v2_names_container = true;
			} else {
				v1_path = path;
				v1_len = path_len;
			}
		}
		p = line_end + 1;
	}
	if (v2_names_container || v1_path) {
		info.container_path = v2_names_container ? strdup(info.v2_path) : strndup(v1_path, v1_len);
		if (!info.container_path) {
			cgroup_info_done(&info);
			return -ENOMEM;
		}
	}
	*ret = info;
	return 0;
}

int cgroup_read_pid(pid_t pid, struct cgroup_info *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	char path[64];
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	buf = malloc(CGROUP_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, CGROUP_FILE_MAX + 1, f);
	if (ferror(f))
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -EIO; /* the process exited while we read */
	if (n == 0)
		return -ESRCH; /* a zombie's cgroup file is empty */
	return cgroup_parse(buf, n, ret);
}

static bool is_cgroup2(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup_v2_mount(const char **ret)
{
	static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (is_cgroup2(candidates[i])) {
			*ret = candidates[i];
			return 0;
		}
	return -ENOENT;
}

int cgroup_v2_id(const char *v2_path, uint64_t *ret)
{
	const char *mount;
	char path[PATH_MAX];
	struct stat st;

	*ret = 0;
	if (!v2_path || !strcmp(v2_path, "/") || cgroup_v2_mount(&mount) < 0)
		return 0;
	if (v2_path[0] != '/' || strstr(v2_path, "/../") || strstr(v2_path, " (deleted)"))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", mount, v2_path) >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	*ret = st.st_ino;
	return 0;
}
