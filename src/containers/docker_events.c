/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/docker_events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "common/util.h"

#define EVENT_DEPTH_MAX 32
#define EVENT_KEY_MAX 24      /* longer keys are none of ours */
#define EVENT_FEED_SLICE 4096 /* granularity of the per-object size check */

struct event_frame {
	bool is_array;
	char key[EVENT_KEY_MAX + 1];
};

enum event_field {
	FIELD_NONE,
	FIELD_TYPE,
	FIELD_ACTION,
	FIELD_ID,
	FIELD_TIME,
	FIELD_TIME_NANO,
	FIELD_ACTOR,
	FIELD_ACTOR_ID,
	FIELD_ATTRIBUTES,
	FIELD_NAME,
	FIELD_IMAGE,
	FIELD_EXIT_CODE,
	FIELD_ATTRIBUTE, /* any other Actor.Attributes member: a label */
};

struct docker_event_parser {
	yajl_handle yajl;
	docker_event_fn on_event;
	docker_event_skip_fn on_skip;
	void *userdata;

	unsigned depth; /* open objects and arrays; 0 between events */
	struct event_frame frames[EVENT_DEPTH_MAX];
	struct docker_event ev;
	char top_id[DOCKER_ID_LEN + 1];
	char bad_id[96]; /* an id that is no container id, quoted: fatal only for container events */
	bool has_time_nano;
	uint64_t time_s;
	char *attribute_key; /* the whole key of the Actor.Attributes member being read */
	bool invalid;        /* the current object is skipped; message says why */
	char message[200];

	bool completed_in_slice;
	size_t bytes_in_object;
	uint64_t objects;
	int failed; /* sticky error of the stream */
	char failed_message[sizeof(((struct json_error *)0)->message)];
};

static const char *field_name(enum event_field f)
{
	static const char *const names[] = {
		[FIELD_TYPE] = "Type",
		[FIELD_ACTION] = "Action",
		[FIELD_ID] = "id",
		[FIELD_TIME] = "time",
		[FIELD_TIME_NANO] = "timeNano",
		[FIELD_ACTOR] = "Actor",
		[FIELD_ACTOR_ID] = "Actor.ID",
		[FIELD_ATTRIBUTES] = "Actor.Attributes",
		[FIELD_NAME] = "Actor.Attributes.name",
		[FIELD_IMAGE] = "Actor.Attributes.image",
		[FIELD_EXIT_CODE] = "Actor.Attributes.exitCode",
		[FIELD_ATTRIBUTE] = "Actor.Attributes",
	};

	return f < ARRAY_SIZE(names) && names[f] ? names[f] : "?";
}

/* Which of our fields the value now arriving is; values inside arrays are none of ours. */
static enum event_field current_field(const struct docker_event_parser *p)
{
	const struct event_frame *f = p->frames;

	for (unsigned i = 0; i < p->depth && i < EVENT_DEPTH_MAX; i++)
		if (f[i].is_array)
			return FIELD_NONE;
	switch (p->depth) {
	case 1:
		if (!strcmp(f[0].key, "Type"))
			return FIELD_TYPE;
		if (!strcmp(f[0].key, "Action"))
			return FIELD_ACTION;
		if (!strcmp(f[0].key, "id"))
			return FIELD_ID;
		if (!strcmp(f[0].key, "time"))
			return FIELD_TIME;
		if (!strcmp(f[0].key, "timeNano"))
			return FIELD_TIME_NANO;
		if (!strcmp(f[0].key, "Actor"))
			return FIELD_ACTOR;
		return FIELD_NONE;
	case 2:
		if (strcmp(f[0].key, "Actor"))
			return FIELD_NONE;
		if (!strcmp(f[1].key, "ID"))
			return FIELD_ACTOR_ID;
		if (!strcmp(f[1].key, "Attributes"))
			return FIELD_ATTRIBUTES;
		return FIELD_NONE;
	case 3:
		if (strcmp(f[0].key, "Actor") || strcmp(f[1].key, "Attributes"))
			return FIELD_NONE;
		if (!strcmp(f[2].key, "name"))
			return FIELD_NAME;
		if (!strcmp(f[2].key, "image"))
			return FIELD_IMAGE;
		if (!strcmp(f[2].key, "exitCode"))
			return FIELD_EXIT_CODE;
		/* podman's own, on every event: no label of the container's */
		if (!strcmp(f[2].key, "containerExitCode") || !strcmp(f[2].key, "podId"))
			return FIELD_NONE;
		return FIELD_ATTRIBUTE;
	default:
		return FIELD_NONE;
	}
}

static void event_invalid(struct docker_event_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void event_invalid(struct docker_event_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->invalid) /* the first problem is the one to tell */
		return;
	p->invalid = true;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
}

static void event_reset(struct docker_event_parser *p)
{
	docker_event_done(&p->ev);
	free(p->attribute_key);
	p->attribute_key = NULL;
	p->ev.exit_code = -1;
	p->top_id[0] = 0;
	p->bad_id[0] = 0;
	p->has_time_nano = false;
	p->time_s = 0;
	p->invalid = false;
	p->message[0] = 0;
}

static enum docker_event_action action_from_string(const char *s)
{
	static const struct {
		const char *name;
		enum docker_event_action action;
	} actions[] = {
		{ "create", DOCKER_EVENT_CREATE },   { "start", DOCKER_EVENT_START },
		{ "die", DOCKER_EVENT_DIE },         { "destroy", DOCKER_EVENT_DESTROY },
		{ "rename", DOCKER_EVENT_RENAME },   { "pause", DOCKER_EVENT_PAUSE },
		{ "unpause", DOCKER_EVENT_UNPAUSE }, { "remove", DOCKER_EVENT_DESTROY }, /* podman's name for destroy */
	};

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(s, actions[i].name))
			return actions[i].action;
	return DOCKER_EVENT_OTHER;
}

const char *docker_event_action_to_string(enum docker_event_action a)
{
	switch (a) {
	case DOCKER_EVENT_CREATE:
		return "create";
	case DOCKER_EVENT_START:
		return "start";
	case DOCKER_EVENT_DIE:
		return "die";
	case DOCKER_EVENT_DESTROY:
		return "destroy";
	case DOCKER_EVENT_RENAME:
		return "rename";
	case DOCKER_EVENT_PAUSE:
		return "pause";
	case DOCKER_EVENT_UNPAUSE:
		return "unpause";
	default:
		return "other";
	}
}

/* A whole object has been read: hand it out or say why not. */
static void event_complete(struct docker_event_parser *p)
{
	p->objects++;
	p->completed_in_slice = true;
	if (!p->invalid) {
		if (!p->ev.id[0] && p->top_id[0])
			memcpy(p->ev.id, p->top_id, sizeof(p->ev.id));
		if (!strcmp(p->ev.type, "container") && !p->ev.id[0]) {
			if (p->bad_id[0])
				event_invalid(p, "event %" PRIu64 ": not a container id: \"%s\"", p->objects,
					      p->bad_id);
			else
				event_invalid(p, "event %" PRIu64 ": container event without an id", p->objects);
		}
		p->ev.time_ns = p->has_time_nano ? p->ev.time_ns : p->time_s * 1000000000ull;
	}
	if (p->invalid) {
		if (p->on_skip)
			p->on_skip(p->message, p->userdata);
	} else if (p->on_event) {
		p->on_event(&p->ev, p->userdata);
	}
	event_reset(p);
}

static void wrong_event_type(struct docker_event_parser *p, enum event_field f, const char *got)
{
	static const char *const expected[] = {
		[FIELD_TYPE] = "a string",     [FIELD_ACTION] = "a string",      [FIELD_ID] = "a string",
		[FIELD_TIME] = "a number",     [FIELD_TIME_NANO] = "a number",   [FIELD_ACTOR] = "an object",
		[FIELD_ACTOR_ID] = "a string", [FIELD_ATTRIBUTES] = "an object", [FIELD_NAME] = "a string",
		[FIELD_IMAGE] = "a string",    [FIELD_EXIT_CODE] = "a string",   [FIELD_ATTRIBUTE] = "a string",
	};

	event_invalid(p, "event %" PRIu64 ": %s: expected %s, got %s", p->objects + 1, field_name(f), expected[f], got);
}

/* A scalar at depth 0 is an object of its own that is not an event. */
static bool top_level_scalar(struct docker_event_parser *p, const char *kind)
{
	if (p->depth > 0)
		return false;
	event_invalid(p, "event %" PRIu64 ": expected an object, got %s", p->objects + 1, kind);
	event_complete(p);
	return true;
}

static int on_null(void *ctx)
{
	struct docker_event_parser *p = ctx;

	top_level_scalar(p, "null");
	return 1; /* null is "absent" for every field of ours */
}

static int on_boolean(void *ctx, int value)
{
	struct docker_event_parser *p = ctx;
	enum event_field f;

	(void)value;
	if (top_level_scalar(p, "a boolean"))
		return 1;
	f = current_field(p);
	if (f != FIELD_NONE)
		wrong_event_type(p, f, "a boolean");
	return 1;
}

static int on_number(void *ctx, const char *s, size_t len)
{
	struct docker_event_parser *p = ctx;
	unsigned long long v;
	enum event_field f;
	char num[24];

	if (top_level_scalar(p, "a number"))
		return 1;
	f = current_field(p);
	if (f == FIELD_NONE)
		return 1;
	if (f != FIELD_TIME && f != FIELD_TIME_NANO) {
		wrong_event_type(p, f, "a number");
		return 1;
	}
	if (len >= sizeof(num)) {
		event_invalid(p, "event %" PRIu64 ": %s: number out of range", p->objects + 1, field_name(f));
		return 1;
	}
	memcpy(num, s, len);
	num[len] = 0;
	if (parse_u64(num, f == FIELD_TIME ? UINT64_MAX / 1000000000ull : UINT64_MAX, &v) < 0) {
		event_invalid(p, "event %" PRIu64 ": %s: not a time: %s", p->objects + 1, field_name(f), num);
		return 1;
	}
	if (f == FIELD_TIME) {
		p->time_s = v;
	} else {
		p->ev.time_ns = v;
		p->has_time_nano = true;
	}
	return 1;
}

static int copy_event_string(struct docker_event_parser *p, enum event_field f, const char *s, size_t len, char **ret)
{
	if (len > DOCKER_STRING_MAX) {
		event_invalid(p, "event %" PRIu64 ": %s: string of %zu bytes exceeds the limit of %d", p->objects + 1,
			      field_name(f), len, DOCKER_STRING_MAX);
		return 1;
	}
	free(*ret);
	*ret = strndup(s, len);
	return *ret ? 1 : 0; /* out of memory stops the stream */
}

static void copy_event_id(struct docker_event_parser *p, const char *s, size_t len, char ret[DOCKER_ID_LEN + 1])
{
	if (!docker_is_container_id(s, len)) {
		/* Images and others have other ids; whether this matters is known once Type is read. */
		docker_quote_for_message(s, len, p->bad_id, sizeof(p->bad_id));
		return;
	}
	memcpy(ret, s, DOCKER_ID_LEN);
	ret[DOCKER_ID_LEN] = 0;
}

/* Another member of Actor.Attributes: kept as a label of the container. */
static int add_attribute(struct docker_event_parser *p, const char *s, size_t len)
{
	struct docker_label *attrs, *a;

	if (p->invalid || !p->attribute_key)
		return 1;
	if (p->ev.n_attributes >= DOCKER_LABELS_MAX) {
		event_invalid(p, "event %" PRIu64 ": more than %d attributes", p->objects + 1, DOCKER_LABELS_MAX);
		return 1;
	}
	if (len > DOCKER_STRING_MAX) {
		event_invalid(p,
			      "event %" PRIu64 ": Actor.Attributes.%.64s: string of %zu bytes exceeds the limit of %d",
			      p->objects + 1, p->attribute_key, len, DOCKER_STRING_MAX);
		return 1;
	}
	attrs = reallocarray(p->ev.attributes, p->ev.n_attributes + 1, sizeof(*attrs));
	if (!attrs)
		return 0; /* out of memory stops the stream */
	p->ev.attributes = attrs;
	a = &attrs[p->ev.n_attributes];
	a->value = strndup(s, len);
	if (!a->value)
		return 0;
	a->key = TAKE_PTR(p->attribute_key);
	p->ev.n_attributes++;
	return 1;
}

static int on_string(void *ctx, const unsigned char *us, size_t len)
{
	struct docker_event_parser *p = ctx;
	const char *s = (const char *)us;
	enum event_field f;
	unsigned long long code;
	char num[16];

	if (top_level_scalar(p, "a string"))
		return 1;
	f = current_field(p);
	switch (f) {
	case FIELD_NONE:
		return 1;
	case FIELD_TYPE:
		snprintf(p->ev.type, sizeof(p->ev.type), "%.*s", (int)len, s);
		return 1;
	case FIELD_ACTION:
		snprintf(p->ev.action_name, sizeof(p->ev.action_name), "%.*s", (int)len, s);
		p->ev.action =
			len < sizeof(p->ev.action_name) ? action_from_string(p->ev.action_name) : DOCKER_EVENT_OTHER;
		return 1;
	case FIELD_ID:
		copy_event_id(p, s, len, p->top_id);
		return 1;
	case FIELD_ACTOR_ID:
		copy_event_id(p, s, len, p->ev.id);
		return 1;
	case FIELD_NAME:
		return copy_event_string(p, f, s, len, &p->ev.name);
	case FIELD_IMAGE:
		return copy_event_string(p, f, s, len, &p->ev.image);
	case FIELD_ATTRIBUTE:
		return add_attribute(p, s, len);
	case FIELD_EXIT_CODE:
		/* Docker sends the exit code as a string attribute */
		if (len == 0 || len >= sizeof(num)) {
			event_invalid(p, "event %" PRIu64 ": %s: not an exit code", p->objects + 1, field_name(f));
			return 1;
		}
		memcpy(num, s, len);
		num[len] = 0;
		if (parse_u64(num, 255, &code) < 0)
			event_invalid(p, "event %" PRIu64 ": %s: not an exit code: %s", p->objects + 1, field_name(f),
				      num);
		else
			p->ev.exit_code = code;
		return 1;
	default:
		wrong_event_type(p, f, "a string");
		return 1;
	}
}

static int open_container(struct docker_event_parser *p, bool is_array)
{
	enum event_field f = p->depth > 0 ? current_field(p) : FIELD_NONE;

	if (p->depth == 0 && is_array)
		event_invalid(p, "event %" PRIu64 ": expected an object, got an array", p->objects + 1);
	if (f != FIELD_NONE && (is_array || (f != FIELD_ACTOR && f != FIELD_ATTRIBUTES)))
		wrong_event_type(p, f, is_array ? "an array" : "an object");
	if (p->depth < EVENT_DEPTH_MAX) {
		p->frames[p->depth].is_array = is_array;
		p->frames[p->depth].key[0] = 0;
	}
	p->depth++;
	return 1;
}

static int close_container(struct docker_event_parser *p)
{
	p->depth--;
	if (p->depth == 0)
		event_complete(p);
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, false);
}

static int on_end_map(void *ctx)
{
	return close_container(ctx);
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, true);
}

static int on_end_array(void *ctx)
{
	return close_container(ctx);
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct docker_event_parser *p = ctx;
	struct event_frame *f;

	if (p->depth == 0 || p->depth > EVENT_DEPTH_MAX)
		return 1;
	f = &p->frames[p->depth - 1];
	if (p->depth == 3 && !strcmp(p->frames[0].key, "Actor") && !strcmp(p->frames[1].key, "Attributes")) {
		/* label keys are long ("com.docker.compose.project"): keep this one whole */
		free(p->attribute_key);
		p->attribute_key = NULL;
		if (len > DOCKER_STRING_MAX || memchr(key, 0, len)) {
			event_invalid(p, "event %" PRIu64 ": an Actor.Attributes key of %zu bytes", p->objects + 1,
				      len);
		} else {
			p->attribute_key = strndup((const char *)key, len);
			if (!p->attribute_key)
				return 0;
		}
	}
	if (len > EVENT_KEY_MAX || memchr(key, 0, len))
		len = 0; /* a key of no interest; "" matches no field */
	memcpy(f->key, key, len);
	f->key[len] = 0;
	return 1;
}

static const yajl_callbacks event_callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

void docker_event_done(struct docker_event *ev)
{
	if (!ev)
		return;
	free(ev->name);
	free(ev->image);
	for (size_t i = 0; i < ev->n_attributes; i++) {
		free(ev->attributes[i].key);
		free(ev->attributes[i].value);
	}
	free(ev->attributes);
	memset(ev, 0, sizeof(*ev));
}

int docker_event_parser_new(docker_event_fn on_event, docker_event_skip_fn on_skip, void *userdata,
			    struct docker_event_parser **ret)
{
	struct docker_event_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->yajl = yajl_alloc(&event_callbacks, NULL, p);
	if (!p->yajl) {
		free(p);
		return -ENOMEM;
	}
	yajl_config(p->yajl, yajl_allow_multiple_values, 1);
	p->on_event = on_event;
	p->on_skip = on_skip;
	p->userdata = userdata;
	p->ev.exit_code = -1;
	*ret = p;
	return 0;
}

void docker_event_parser_free(struct docker_event_parser *p)
{
	if (!p)
		return;
	yajl_free(p->yajl);
	docker_event_done(&p->ev);
	free(p->attribute_key);
	free(p);
}

uint64_t docker_event_parser_objects(const struct docker_event_parser *p)
{
	return p->objects;
}

static int stream_failed(struct docker_event_parser *p, int r, struct json_error *err)
{
	p->failed = r;
	return json_fail(err, r, "%s", p->failed_message);
}

static int yajl_failure(struct docker_event_parser *p, const char *buf, size_t len, struct json_error *err)
{
	unsigned char *m = yajl_get_error(p->yajl, 0, (const unsigned char *)buf, len);

	snprintf(p->failed_message, sizeof(p->failed_message),
		 "events stream: malformed JSON after %" PRIu64 " events: %s", p->objects,
		 m ? (char *)m : "unknown error");
	p->failed_message[strcspn(p->failed_message, "\n")] = 0;
	if (m)
		yajl_free_error(p->yajl, m);
	return stream_failed(p, -EBADMSG, err);
}

int docker_event_parser_feed(struct docker_event_parser *p, const char *buf, size_t len, struct json_error *err)
{
	if (p->failed)
		return json_fail(err, p->failed, "%s", p->failed_message);
	while (len > 0) {
		size_t n = len < EVENT_FEED_SLICE ? len : EVENT_FEED_SLICE;
		yajl_status st;

		p->completed_in_slice = false;
		st = yajl_parse(p->yajl, (const unsigned char *)buf, n);
		if (st == yajl_status_client_canceled) {
			snprintf(p->failed_message, sizeof(p->failed_message), "events stream: out of memory");
			return stream_failed(p, -ENOMEM, err);
		}
		if (st != yajl_status_ok)
			return yajl_failure(p, buf, n, err);
		/* Bound what one object may cost, counted in slices: a little generous, never unbounded
		 * (yajl itself buffers a token that spans chunks). */
		if (p->depth == 0)
			p->bytes_in_object = 0;
		else if (p->completed_in_slice)
			p->bytes_in_object = n;
		else
			p->bytes_in_object += n;
		if (p->bytes_in_object > DOCKER_EVENT_MAX) {
			snprintf(p->failed_message, sizeof(p->failed_message),
				 "events stream: event %" PRIu64 " exceeds the limit of %u KiB", p->objects + 1,
				 DOCKER_EVENT_MAX >> 10);
			return stream_failed(p, -E2BIG, err);
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int docker_event_parser_finish(struct docker_event_parser *p, struct json_error *err)
{
	yajl_status st;

	if (p->failed)
		return json_fail(err, p->failed, "%s", p->failed_message);
	st = yajl_complete_parse(p->yajl);
	if (st != yajl_status_ok || p->depth > 0) {
		snprintf(p->failed_message, sizeof(p->failed_message), "events stream: truncated inside event %" PRIu64,
			 p->objects + 1);
		return stream_failed(p, -EBADMSG, err);
	}
	return 0;
}

struct single_event {
	struct docker_event ev;
	unsigned events, skipped;
	bool out_of_memory;
	char message[200];
};

static void single_on_event(const struct docker_event *ev, void *userdata)
{
	struct single_event *s = userdata;

	if (s->events++ || s->skipped)
		return;
	s->ev = *ev;
	s->ev.name = ev->name ? strdup(ev->name) : NULL;
	s->ev.image = ev->image ? strdup(ev->image) : NULL;
	s->out_of_memory = (ev->name && !s->ev.name) || (ev->image && !s->ev.image);
	s->ev.attributes = ev->n_attributes ? calloc(ev->n_attributes, sizeof(*s->ev.attributes)) : NULL;
	s->ev.n_attributes = s->ev.attributes ? ev->n_attributes : 0;
	s->out_of_memory |= ev->n_attributes && !s->ev.attributes;
	for (size_t i = 0; i < s->ev.n_attributes; i++) {
		s->ev.attributes[i].key = strdup(ev->attributes[i].key);
		s->ev.attributes[i].value = strdup(ev->attributes[i].value);
		s->out_of_memory |= !s->ev.attributes[i].key || !s->ev.attributes[i].value;
	}
}

static void single_on_skip(const char *message, void *userdata)
{
	struct single_event *s = userdata;

	if (s->skipped++ == 0 && s->events == 0)
		snprintf(s->message, sizeof(s->message), "%s", message);
}

int docker_parse_event(const char *buf, size_t len, struct docker_event *ret, struct json_error *err)
{
	struct docker_event_parser *p = NULL;
	struct single_event s = { .ev.exit_code = -1 };
	int r;

	if (len > DOCKER_EVENT_MAX)
		return json_fail(err, -E2BIG, "event of %zu bytes exceeds the limit of %u KiB", len,
				 DOCKER_EVENT_MAX >> 10);
	r = docker_event_parser_new(single_on_event, single_on_skip, &s, &p);
	if (r < 0)
		return r;
	r = docker_event_parser_feed(p, buf, len, err);
	if (r == 0)
		r = docker_event_parser_finish(p, err);
	docker_event_parser_free(p);
	if (r == 0 && s.events + s.skipped != 1)
		r = json_fail(err, -EBADMSG, s.events + s.skipped ? "more than one object" : "no event object");
	else if (r == 0 && s.skipped)
		r = json_fail(err, -EBADMSG, "%s", s.message);
	else if (r == 0 && s.out_of_memory)
		r = -ENOMEM;
	if (r < 0) {
		docker_event_done(&s.ev);
		return r;
	}
	*ret = s.ev;
	return 0;
}
