/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/ipc.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "common/clock.h"
#include "common/errmsg.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_ANSWER (512u << 20) /* a client refuses answers larger than this */

int ipc_parse_request(const char *buf, size_t len, enum ipc_request_kind *ret)
{
	const char *path[] = { "request", NULL };
	char text[IPC_MAX_REQUEST + 1];
	yajl_val root, v;
	const char *name;
	int r = -EBADMSG;

	if (len > IPC_MAX_REQUEST || memchr(buf, '\0', len))
		return -EBADMSG;
	memcpy(text, buf, len);
	text[len] = '\0';
	root = yajl_tree_parse(text, NULL, 0);
	v = root ? yajl_tree_get(root, path, yajl_t_string) : NULL;
	name = v ? YAJL_GET_STRING(v) : NULL;
	if (name && !strcmp(name, "report")) {
		*ret = IPC_REQ_REPORT;
		r = 0;
	} else if (name && !strcmp(name, "stats")) {
		*ret = IPC_REQ_STATS;
		r = 0;
	}
	yajl_tree_free(root);
	return r;
}

/* ---- server ------------------------------------------------------------------------------ */

struct ipc_client {
	int fd;
	char in[IPC_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	uint64_t deadline_ms;
	struct ipc_server *server;
	struct ipc_client *next;
};

struct ipc_server {
	struct loop *loop;
	int fd;
	char *path;
	ipc_answer_fn answer;
	void *userdata;
	struct ipc_client *clients;
	bool have_group;
	gid_t group;
	struct ipc_server_stats stats;
};

static void client_close(struct ipc_client *c)
{
	struct ipc_server *s = c->server;

	for (struct ipc_client **p = &s->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	loop_remove(s->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	s->stats.clients--;
}

/* Root, or the group "ctopo" as the primary or a supplementary group of the peer. */
static bool peer_allowed(const struct ipc_server *s, const struct ucred *cred)
{
	char path[64], line[4096];
	FILE *f;
	bool ok = false;

	if (cred->uid == 0)
		return true;
	if (!s->have_group)
		return false;
	if (cred->gid == s->group)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cred->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (tok = strtok_r(line + 7, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			if ((gid_t)strtoul(tok, NULL, 10) == s->group)
				ok = true;
	}
	fclose(f);
	return ok;
}

static int set_answer(struct ipc_client *c, char *buf, size_t len)
{
	free(c->out);
	c->out = buf;
	c->out_len = len;
	c->out_off = 0;
	return loop_modify(c->server->loop, c->fd, EPOLLOUT);
}

static int answer_error(struct ipc_client *c, const char *message)
{
	char *buf;
	int len = asprintf(&buf, "{\"error\":\"%s\"}\n", message);

	if (len < 0)
		return -ENOMEM;
	return set_answer(c, buf, len);
}

static void client_read(struct ipc_client *c)
{
	struct ipc_server *s = c->server;
	enum ipc_request_kind kind;
	char *newline, *buf = NULL;
	size_t len = 0;
	ssize_t n;

	n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		s->stats.dropped++;
		client_close(c);
		return;
	}
	c->in_len += n;
	newline = memchr(c->in, '\n', c->in_len);
	if (!newline && n > 0 && c->in_len < sizeof(c->in))
		return;                   /* more to come */
	if (!newline && c->in_len == 0) { /* closed without asking */
		client_close(c);
		return;
	}
	if (ipc_parse_request(c->in, newline ? (size_t)(newline - c->in) : c->in_len, &kind) < 0) {
		s->stats.bad++;
		log_debug("ipc: a malformed request (%zu bytes)", c->in_len);
		if (answer_error(
			    c,
			    "malformed request: send {\\\"request\\\":\\\"report\\\"} or {\\\"request\\\":\\\"stats\\\"}") <
		    0)
			client_close(c);
		return;
	}
	if (s->answer(kind, &buf, &len, s->userdata) < 0) {
		if (answer_error(c, "the daemon has no report yet") < 0)
			client_close(c);
		return;
	}
	if (set_answer(c, buf, len) < 0)
		client_close(c);
}

static void client_write(struct ipc_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			c->server->stats.dropped++;
			client_close(c);
			return;
		}
		c->out_off += n;
	}
	c->server->stats.served++;
	client_close(c);
}

static int on_client(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct ipc_client *c = userdata;

	(void)l;
	(void)fd;
	if (c->out)
		client_write(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	return 0;
}

static int on_listen(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct ipc_server *s = userdata;

	(void)events;
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct ipc_client *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warning("ipc: accept failed: %m");
			return 0;
		}
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || !peer_allowed(s, &cred)) {
			static const char refusal[] =
				"{\"error\":\"permission denied: ctopo's socket serves root and the group ctopo\"}\n";

			s->stats.refused++;
			log_debug("ipc: refused uid %u", (unsigned)cred.uid);
			if (send(cfd, refusal, sizeof(refusal) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("ipc: could not tell the refused peer: %m");
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		*c = (struct ipc_client){ .fd = cfd,
					  .server = s,
					  .next = s->clients,
					  .deadline_ms = clock_mono_ms() + IPC_CLIENT_TIMEOUT_MS };
		if (loop_add(l, cfd, EPOLLIN, on_client, c) < 0) {
			close(cfd);
			free(c);
			continue;
		}
		s->clients = c;
		s->stats.clients++;
	}
}

/* Is a daemon answering at path? */
static bool someone_listens(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return live;
}

int ipc_server_new(struct loop *l, const char *path, ipc_answer_fn answer, void *userdata, struct ipc_server **ret,
		   struct errmsg *why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ipc_server *s;
	struct group *gr;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return errmsg_set(why, -ENAMETOOLONG, "socket path %s is too long", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (someone_listens(&sa))
		return errmsg_set(
			why, -EADDRINUSE,
			"another ctopo daemon already serves %s: stop it first, or give this one --socket PATH", path);
	unlink(path); /* a stale file from a daemon that died */

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct ipc_server){ .loop = l, .fd = -1, .answer = answer, .userdata = userdata, .path = strdup(path) };
	gr = getgrnam(IPC_GROUP);
	if (gr) {
		s->have_group = true;
		s->group = gr->gr_gid;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!s->path || s->fd < 0) {
		r = errmsg_set(why, s->path ? -errno : -ENOMEM, "cannot create the daemon socket: %m");
		goto fail;
	}
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errmsg_set(why, -errno, "cannot bind %s: %m", path);
		goto fail;
	}
	/* 0660: root and the group ctopo; chown after bind, before anyone can connect */
	if (chmod(path, 0660) < 0 || (s->have_group && chown(path, 0, s->group) < 0)) {
		r = errmsg_set(why, -errno, "cannot set the mode of %s: %m", path);
		goto fail;
	}
	if (listen(s->fd, 128) < 0) {
		r = errmsg_set(why, -errno, "cannot listen on %s: %m", path);
		goto fail;
	}
	r = loop_add(l, s->fd, EPOLLIN, on_listen, s);
	if (r < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	ipc_server_free(s);
	return r;
}

void ipc_server_reap(struct ipc_server *s)
{
	uint64_t now = clock_mono_ms();
	struct ipc_client *c = s->clients;

	while (c) {
		struct ipc_client *next = c->next;

		if (now > c->deadline_ms) {
			s->stats.dropped++;
			client_close(c);
		}
		c = next;
	}
}

void ipc_server_free(struct ipc_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_close(s->clients);
	if (s->fd >= 0) {
		loop_remove(s->loop, s->fd);
		close(s->fd);
		if (s->path)
			unlink(s->path);
	}
	free(s->path);
	free(s);
}

void ipc_server_get_stats(const struct ipc_server *s, struct ipc_server_stats *ret)
{
	*ret = s->stats;
}

/* ---- client ------------------------------------------------------------------------------ */

int ipc_request(const char *path, enum ipc_request_kind kind, int timeout_ms, char **ret_buf, size_t *ret_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	const char *request = kind == IPC_REQ_STATS ? "{\"request\":\"stats\"}\n" : "{\"request\":\"report\"}\n";
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	for (;;) {
		ssize_t n;

		if (len + 65536 > cap) {
			char *grown;

			if (cap >= MAX_ANSWER)
				return -EMSGSIZE;
			cap = cap ? cap * 2 : 1 << 20;
			grown = realloc(buf, cap + 1);
			if (!grown)
				return -ENOMEM;
			buf = grown;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (!strncmp(buf, "{\"error\":", 9)) {
		log_debug("ipc: the daemon answered %s", buf);
		return strstr(buf, "permission denied") ? -EACCES : -EBADMSG;
	}
	*ret_len = len;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}
