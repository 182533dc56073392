/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl's multi interface on one epoll fd, for a caller's event loop: curl's sockets and its
 * timeout (a timerfd) sit in one epoll set with any fds of the caller's own (its timers), so the
 * caller waits on http_multi_fd() and calls http_multi_process() when it is readable. No threads. */
#ifndef CTOPO_HTTP_MULTI_H
#define CTOPO_HTTP_MULTI_H

#include <curl/curl.h>

struct http_multi;

/* A transfer finished (result as curl gives it; the easy handle is still added). A negative
 * return stops processing and is returned; 1 stops reading finished transfers this round (the
 * caller removed the others); 0 goes on. */
typedef int (*http_multi_done_fn)(CURL *easy, CURLcode result, void *userdata);
/* One of the caller's own fds (http_multi_watch) is readable. 0 or -errno (stops processing). */
typedef int (*http_multi_fd_fn)(int fd, void *userdata);

int http_multi_new(http_multi_done_fn on_done, http_multi_fd_fn on_fd, void *userdata, struct http_multi **ret);
void http_multi_free(struct http_multi *m); /* removes nothing: the caller cleans up its handles first */

int http_multi_fd(const struct http_multi *m);
/* Wake the caller for fd (EPOLLIN) too; it stays the caller's to close. */
int http_multi_watch(struct http_multi *m, int fd);

int http_multi_add(struct http_multi *m, CURL *easy);
void http_multi_remove(struct http_multi *m, CURL *easy);

/* Drive curl on what is ready, without blocking: 0 or the first error of a callback. */
int http_multi_process(struct http_multi *m);

#endif
