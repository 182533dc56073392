/* SPDX-License-Identifier: Apache-2.0 */
/* Tracker events: decoding what the ring buffer hands us, and printing it (table, JSON lines). */
#ifndef CTOPO_EVENT_USER_H
#define CTOPO_EVENT_USER_H

#include <stddef.h>
#include <stdio.h>

#include "ctopo_event.h"

/* Check and copy one ring buffer sample: -EBADMSG when it is short or names an unknown type
 * or family. comm is NUL-terminated and addresses normalised (v4-mapped -> IPv4). */
int event_decode(const void *data, size_t size, struct ctopo_event *ret);

const char *event_type_name(unsigned type);     /* "connect", ..., "?" */
const char *direction_name(unsigned direction); /* "outbound", "inbound", "unknown" */

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC; this gives the same instant as UNIX seconds. */
double event_wall_time(unsigned long long mono_ns);

void event_print_table_header(FILE *out);
void event_print_table_row(FILE *out, const struct ctopo_event *ev, double wall_ts);
void event_print_json(FILE *out, const struct ctopo_event *ev, double wall_ts);

#endif
