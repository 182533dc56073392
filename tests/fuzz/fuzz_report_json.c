/* SPDX-License-Identifier: Apache-2.0 */
/* The report the daemon sends to `ctopo ps` and `ctopo graph` (a peer may be broken or
 * hostile). What parses is rendered like the clients render it, so the renderer and every
 * output see arbitrary reports too, and must come back the same through JSON; the text and DOT
 * outputs must hold no control byte but their line ends, whatever the names (issue 17). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "render/output.h"
#include "render/output_ps.h"
#include "render/render.h"
#include "report/report.h"
#include "report/report_json.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "we");
	return devnull ? 0 : -1;
}

/* What a terminal would get: no control byte but newlines, no DEL. Frees text. */
static void check_terminal_safe(const char *what, char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			fprintf(stderr, "%s printed control byte %#x at %zu:\n%s\n", what, c, i, text);
			abort();
		}
	}
	free(text);
}

static void render_all(const struct report *r, const struct render_filter *filter)
{
	struct graph *g;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (render_graph(r, filter, &g) < 0)
		return;
	out = open_memstream(&text, &len);
	if (out) {
		output_graph_text(out, r, g);
		output_graph_dot(out, r, g);
		if (fclose(out) == 0)
			check_terminal_safe("graph text/DOT", text, len);
		else
			free(text);
	}
	output_graph_json(devnull, r, g);
	graph_free(g);
}

static void ps_table(const struct report *r, const struct ps_options *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return;
	(void)output_ps_table(out, r, o);
	if (fclose(out) == 0)
		check_terminal_safe("ps", text, len);
	else
		free(text);
}

static void round_trip(const struct report *r)
{
	struct report *back = NULL;
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return;
	report_write_json(out, r);
	if (fclose(out) != 0) {
		free(text);
		return;
	}
	if (report_parse_json(text, len, &back, err, sizeof(err)) < 0) {
		fprintf(stderr, "a report that parsed does not parse back after writing (%s):\n%s\n", err, text);
		abort();
	}
	report_free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *r = NULL;
	struct ps_options all = { .all = true, .no_trunc = true };
	char err[256];

	if (report_parse_json((const char *)data, size, &r, err, sizeof(err)) < 0)
		return 0;
	render_all(r, NULL);
	if (r->n_netns > 0)
		render_all(r, &(struct render_filter){ .by_netns = true, .netns = r->netns[0].inode });
	if (r->n_containers > 0) {
		struct ps_options one = { .container = r->containers[0].name };

		render_all(r, &(struct render_filter){ .container = r->containers[0].name });
		ps_table(r, &one);
	}
	ps_table(r, &(struct ps_options){ 0 });
	(void)output_ps_json(devnull, r, &all);
	round_trip(r);
	report_free(r);
	return 0;
}
