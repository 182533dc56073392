/* SPDX-License-Identifier: Apache-2.0 */
/* A whole report as JSON and back: what the daemon sends to `ctopo ps` and `ctopo graph`, which
 * then render it exactly as they render a snapshot of their own. Schema: docs/daemon-protocol.md. */
#ifndef CTOPO_REPORT_JSON_H
#define CTOPO_REPORT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "common/jsonw.h"
#include "report/report.h"

#define REPORT_JSON_VERSION 2

void report_write_json(FILE *out, const struct report *r);

/* The same JSON written in slices, so that the caller can do other work between them (the daemon
 * empties the ring buffer): start, then report_json_slice() until it returns 0. Each slice writes
 * at most max_items connections, containers or edges (at least one); it returns 1 while some
 * remain and 0 once the report is complete. The slices together are byte for byte
 * report_write_json()'s output. The report must stay unchanged until the last slice. */
struct report_json_cursor {
	const struct report *r;
	struct jsonw w;
	int part;
	size_t next;
};

void report_json_start(struct report_json_cursor *c, FILE *out, const struct report *r);
int report_json_slice(struct report_json_cursor *c, size_t max_items);

/* Parse a report; 0, -EBADMSG (malformed, wrong types, wrong version: errbuf says what),
 * or -ENOMEM. Unknown fields are ignored, so newer daemons can add some. */
int report_parse_json(const char *buf, size_t len, struct report **ret, char *errbuf, size_t errlen);

#endif
