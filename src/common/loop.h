/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's one event loop: epoll over file descriptors, each with a callback. No threads. */
#ifndef CTOPO_LOOP_H
#define CTOPO_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

/* Called with the epoll events that fired (EPOLLIN, ...). A negative return stops the loop
 * with that error; callbacks that can recover log and return 0. */
typedef int (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *userdata);

int loop_new(struct loop **ret);
void loop_free(struct loop *l);

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *userdata);
int loop_modify(struct loop *l, int fd, uint32_t events);
int loop_remove(struct loop *l, int fd); /* before closing fd */

/* A periodic timer (timerfd, CLOCK_MONOTONIC); returns the timer's fd or -errno. */
int loop_add_timer(struct loop *l, uint64_t interval_ms, loop_fd_fn fn, void *userdata);
/* SIGTERM and SIGINT (blocked, read through a signalfd) stop the loop cleanly. */
int loop_handle_stop_signals(struct loop *l);

/* Run until loop_quit() or a callback fails: 0 or that callback's error. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);
bool loop_quitting(const struct loop *l);

#endif
