/* SPDX-License-Identifier: Apache-2.0 */
/* The graph's three faces: an indented text tree, versioned JSON (docs/report-schema.md) and
 * Graphviz DOT. All deterministic for one graph, so they can be diffed and golden-tested. */
#ifndef CTOPO_OUTPUT_H
#define CTOPO_OUTPUT_H

#include <stdio.h>

#include "render/render.h"
#include "report/report.h"

#define GRAPH_JSON_VERSION 2

enum output_format { OUTPUT_TEXT, OUTPUT_JSON, OUTPUT_DOT };

/* "text", "json", "dot" -> 0 and *ret; -EINVAL otherwise */
int output_format_parse(const char *s, enum output_format *ret);

void output_graph_text(FILE *out, const struct report *r, const struct graph *g);
void output_graph_json(FILE *out, const struct report *r, const struct graph *g);
void output_graph_dot(FILE *out, const struct report *r, const struct graph *g);
void output_graph(FILE *out, enum output_format f, const struct report *r, const struct graph *g);

#endif
