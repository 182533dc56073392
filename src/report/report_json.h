/* SPDX-License-Identifier: Apache-2.0 */
/* A whole report as JSON and back: what the daemon sends to `ctopo ps` and `ctopo graph`, which
 * then render it exactly as they render a snapshot of their own. Schema: docs/daemon-protocol.md. */
#ifndef CTOPO_REPORT_JSON_H
#define CTOPO_REPORT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

#define REPORT_JSON_VERSION 2

void report_write_json(FILE *out, const struct report *r);

/* Parse a report; 0, -EBADMSG (malformed, wrong types, wrong version: errbuf says what),
 * or -ENOMEM. Unknown fields are ignored, so newer daemons can add some. */
int report_parse_json(const char *buf, size_t len, struct report **ret, char *errbuf, size_t errlen);

#endif
