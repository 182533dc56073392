/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/http_multi.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"

#define WATCHED_MAX 4

struct http_multi {
	CURLM *multi;
	int epoll_fd;
	int timer_fd; /* curl's timeout */
	int watched[WATCHED_MAX];
	unsigned n_watched;
	bool curl_acquired;
	http_multi_done_fn on_done;
	http_multi_fd_fn on_fd;
	void *userdata;
};

static unsigned curl_users;

static int curl_acquire(void)
{
	if (curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	curl_users++;
	return 0;
}

static void curl_release(void)
{
	if (--curl_users == 0)
		curl_global_cleanup();
}

/* CURLMOPT_TIMERFUNCTION: curl wants socket_action(CURL_SOCKET_TIMEOUT) after timeout_ms. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_multi *m = userp;

	(void)multi;
	if (timeout_ms < 0)
		timerfd_arm(m->timer_fd, 0);
	else
		timerfd_arm(m->timer_fd, timeout_ms ? (uint64_t)timeout_ms * NSEC_PER_MSEC : 1);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: mirror curl's interest in a socket into our epoll set. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_multi *m = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, s, NULL); /* may already be closed: fine */
		curl_multi_assign(m->multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(m->epoll_fd, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) < 0 &&
	    epoll_ctl(m->epoll_fd, socketp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev) < 0) {
		log_debug("http: cannot watch socket %d: %m", (int)s);
		return -1;
	}
	curl_multi_assign(m->multi, s, m); /* any non-NULL marks "registered" */
	return 0;
}

int http_multi_new(http_multi_done_fn on_done, http_multi_fd_fn on_fd, void *userdata, struct http_multi **ret)
{
	struct http_multi *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->epoll_fd = m->timer_fd = -1;
	m->on_done = on_done;
	m->on_fd = on_fd;
	m->userdata = userdata;
	r = curl_acquire();
	if (r < 0) {
		free(m);
		return r;
	}
	m->curl_acquired = true;
	m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	m->multi = curl_multi_init();
	if (m->epoll_fd < 0 || m->timer_fd < 0 || !m->multi) {
		r = m->multi ? -errno : -ENOMEM;
		http_multi_free(m);
		return r;
	}
	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, m->timer_fd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = m->timer_fd }) < 0) {
		r = -errno;
		http_multi_free(m);
		return r;
	}
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
	*ret = m;
	return 0;
}

void http_multi_free(struct http_multi *m)
{
	if (!m)
		return;
	if (m->multi)
		curl_multi_cleanup(m->multi); /* may still call on_curl_socket: the epoll fd must live */
	if (m->curl_acquired)
		curl_release();
	closep(&m->epoll_fd);
	closep(&m->timer_fd);
	free(m);
}

int http_multi_fd(const struct http_multi *m)
{
	return m->epoll_fd;
}

int http_multi_watch(struct http_multi *m, int fd)
{
	if (m->n_watched == WATCHED_MAX)
		return -ENOSPC;
	if (epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = fd }) < 0)
		return -errno;
	m->watched[m->n_watched++] = fd;
	return 0;
}

int http_multi_add(struct http_multi *m, CURL *easy)
{
	CURLMcode mc = curl_multi_add_handle(m->multi, easy);

	if (mc != CURLM_OK) {
		log_debug("http: curl_multi_add_handle: %s", curl_multi_strerror(mc));
		return -ENOMEM;
	}
	return 0;
}

void http_multi_remove(struct http_multi *m, CURL *easy)
{
	curl_multi_remove_handle(m->multi, easy);
}

static int check_finished(struct http_multi *m)
{
	CURLMsg *msg;
	int left, r = 0;

	while ((msg = curl_multi_info_read(m->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = m->on_done(msg->easy_handle, msg->data.result, m->userdata);
		if (r != 0)
			break;
	}
	return r < 0 ? r : 0;
}

static int socket_action(struct http_multi *m, curl_socket_t s, int flags)
{
	int running;
	CURLMcode mc = curl_multi_socket_action(m->multi, s, flags, &running);

	if (mc != CURLM_OK) {
		log_debug("http: curl_multi_socket_action: %s", curl_multi_strerror(mc));
		return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : 0;
	}
	return check_finished(m);
}

static bool is_watched(const struct http_multi *m, int fd)
{
	for (unsigned i = 0; i < m->n_watched; i++)
		if (m->watched[i] == fd)
			return true;
	return false;
}

int http_multi_process(struct http_multi *m)
{
	struct epoll_event events[16];
	int n, r = 0;

	n = epoll_wait(m->epoll_fd, events, ARRAY_SIZE(events), 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && r >= 0; i++) {
		int fd = events[i].data.fd;

		if (fd == m->timer_fd) {
			timerfd_drain(fd);
			r = socket_action(m, CURL_SOCKET_TIMEOUT, 0);
		} else if (is_watched(m, fd)) {
			r = m->on_fd(fd, m->userdata);
		} else {
			int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
				    (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				    (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

			r = socket_action(m, fd, flags);
		}
	}
	return r;
}
