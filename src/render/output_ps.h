/* SPDX-License-Identifier: Apache-2.0 */
/* `ctopo ps`: each container (and "host") with its connections, their peers and NAT. */
#ifndef CTOPO_OUTPUT_PS_H
#define CTOPO_OUTPUT_PS_H

#include <stdbool.h>
#include <stdio.h>

#include "report/report.h"

#define PS_JSON_VERSION 2

struct ps_options {
	bool all;              /* containers without connections, and stopped ones, too */
	bool no_trunc;         /* full container ids */
	const char *container; /* only this container (name or id prefix) */
	uint64_t since_ns;     /* closed connections of this window, aggregated; 0: the default 15 s */
};

/* output_ps_table: the number of groups (containers, host) printed, -ENOENT when
 * options->container names nothing, or -ENOMEM. output_ps_json: 0 or the same errors. */
int output_ps_table(FILE *out, const struct report *r, const struct ps_options *o);
int output_ps_json(FILE *out, const struct report *r, const struct ps_options *o);

#endif
