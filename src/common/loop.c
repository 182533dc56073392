/* SPDX-License-Identifier: Apache-2.0 */
#include "common/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/log.h"

struct watch {
	int fd;
	loop_fd_fn fn;
	void *userdata;
	bool owned; /* timer and signal fds: the loop closes them */
	struct watch *next;
};

struct loop {
	int epfd;
	bool quit;
	struct watch *watches;
};

int loop_new(struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct watch *w = l->watches;

		l->watches = w->next;
		if (w->owned)
			close(w->fd);
		free(w);
	}
	close(l->epfd);
	free(l);
}

static struct watch *find(struct loop *l, int fd)
{
	for (struct watch *w = l->watches; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

static int add_watch(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *userdata, bool owned)
{
	struct epoll_event ev = { .events = events };
	struct watch *w;

	if (find(l, fd))
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){ .fd = fd, .fn = fn, .userdata = userdata, .owned = owned, .next = l->watches };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(w);
		return r;
	}
	l->watches = w;
	return 0;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *userdata)
{
	return add_watch(l, fd, events, fn, userdata, false);
}

int loop_modify(struct loop *l, int fd, uint32_t events)
{
	struct watch *w = find(l, fd);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	ev.data.ptr = w;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_remove(struct loop *l, int fd)
{
	for (struct watch **p = &l->watches; *p; p = &(*p)->next) {
		struct watch *w = *p;

		if (w->fd != fd)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		*p = w->next;
		if (w->owned)
			close(w->fd);
		free(w);
		return 0;
	}
	return -ENOENT;
}

int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_fd_fn fn, void *userdata)
{
	struct itimerspec its = { 0 };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	its.it_interval.tv_sec = interval_ms / 1000;
	its.it_interval.tv_nsec = (interval_ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = add_watch(l, fd, EPOLLIN, fn, userdata, true);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int on_stop_signal(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)userdata;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		log_info("received %s, shutting down", strsignal(si.ssi_signo));
	loop_quit(l);
	return 0;
}

int loop_handle_stop_signals(struct loop *l)
{
	sigset_t mask;
	int fd, r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = add_watch(l, fd, EPOLLIN, on_stop_signal, NULL, true);
	if (r < 0)
		close(fd);
	return r;
}

int loop_run(struct loop *l)
{
	struct epoll_event events[32];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, events, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = events[i].data.ptr;
			int r;

			/* a callback may have removed a later watch in this batch: check it is still ours */
			bool alive = false;

			for (struct watch *x = l->watches; x; x = x->next)
				if (x == w) {
					alive = true;
					break;
				}
			if (!alive)
				continue;
			r = w->fn(l, w->fd, events[i].events, w->userdata);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

bool loop_quitting(const struct loop *l)
{
	return l->quit;
}
