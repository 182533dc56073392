/* SPDX-License-Identifier: Apache-2.0 */
#include "tracker/event.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/jsonw.h"

int event_decode(const void *data, size_t size, struct ctopo_event *ret)
{
	struct ctopo_event ev;

	if (!data || size < sizeof(ev))
		return -EBADMSG;
	memcpy(&ev, data, sizeof(ev));
	if (ev.type < CTOPO_EV_CONNECT || ev.type > CTOPO_EV_CLOSE)
		return -EBADMSG;
	if (ev.family != AF_INET && ev.family != AF_INET6)
		return -EBADMSG;
	ev.comm[sizeof(ev.comm) - 1] = '\0';
	/* both ends of one socket share a family: normalise only when both are IPv4 underneath,
	 * treating an unset (all-zero) end as matching */
	if (ev.family == AF_INET6) {
		uint16_t sfamily = AF_INET6, dfamily = AF_INET6;
		uint8_t s[16], d[16];
		static const uint8_t zero[16];

		memcpy(s, ev.saddr, 16);
		memcpy(d, ev.daddr, 16);
		addr_normalize(&sfamily, s);
		addr_normalize(&dfamily, d);
		if ((sfamily == AF_INET || memcmp(ev.saddr, zero, 16) == 0) &&
		    (dfamily == AF_INET || memcmp(ev.daddr, zero, 16) == 0) &&
		    (sfamily == AF_INET || dfamily == AF_INET)) {
			memcpy(ev.saddr, s, 16);
			memcpy(ev.daddr, d, 16);
			ev.family = AF_INET;
		}
	} else {
		memset(ev.saddr + 4, 0, 12);
		memset(ev.daddr + 4, 0, 12);
	}
	*ret = ev;
	return 0;
}

const char *event_type_name(unsigned type)
{
	switch (type) {
	case CTOPO_EV_CONNECT:
		return "connect";
	case CTOPO_EV_CONNECT_FAILED:
		return "connect_failed";
	case CTOPO_EV_ACCEPT:
		return "accept";
	case CTOPO_EV_CLOSE:
		return "close";
	default:
		return "?";
	}
}

const char *direction_name(unsigned direction)
{
	switch (direction) {
	case CTOPO_DIR_OUTBOUND:
		return "outbound";
	case CTOPO_DIR_INBOUND:
		return "inbound";
	default:
		return "unknown";
	}
}

double event_wall_time(unsigned long long mono_ns)
{
	static double offset;
	static int known;

	if (!known) {
		uint64_t mono = clock_mono_ns(), wall = clock_real_ns();

		offset = (double)(int64_t)(wall - mono) / 1e9;
		known = 1;
	}
	return offset + mono_ns / 1e9;
}

static const char *error_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	return name ? name : "";
}

void event_print_table_header(FILE *out)
{
	fprintf(out, "%-12s %-14s %7s %-16s %10s %10s %-24s %-24s %s\n", "TIME", "EVENT", "PID", "COMM", "NETNS",
		"MNTNS", "LOCAL", "REMOTE", "DETAIL");
}

void event_print_table_row(FILE *out, const struct ctopo_event *ev, double wall_ts)
{
	char local[ENDPOINT_STRLEN], remote[ENDPOINT_STRLEN], clock[16], detail[96] = "";
	time_t secs = (time_t)wall_ts;
	struct tm tm;

	localtime_r(&secs, &tm);
	snprintf(clock, sizeof(clock), "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((wall_ts - (double)secs) * 1000) % 1000);
	endpoint_format(ev->family, ev->saddr, ev->sport, local, sizeof(local));
	endpoint_format(ev->family, ev->daddr, ev->dport, remote, sizeof(remote));
	if (ev->type == CTOPO_EV_CLOSE)
		snprintf(detail, sizeof(detail), "%s sent=%llu recv=%llu %.3fms", direction_name(ev->direction),
			 (unsigned long long)ev->bytes_sent, (unsigned long long)ev->bytes_received,
			 ev->duration_ns / 1e6);
	else if (ev->type == CTOPO_EV_CONNECT_FAILED)
		snprintf(detail, sizeof(detail), "%s after %.3fms", ev->error ? error_name(ev->error) : "failed",
			 ev->duration_ns / 1e6);
	fprintf(out, "%-12s %-14s %7u ", clock, event_type_name(ev->type), ev->pid);
	text_print_padded(out, ev->pid ? ESCAPED_ARRAY(ev->comm) : "?", 16);
	fprintf(out, " %10u %10u %-24s %-24s %s\n", ev->netns, ev->mntns, local, remote, detail);
}

void event_print_json(FILE *out, const struct ctopo_event *ev, double wall_ts)
{
	char saddr[ADDR_STRLEN], daddr[ADDR_STRLEN];
	struct jsonw w;

	addr_format(ev->family, ev->saddr, saddr, sizeof(saddr));
	addr_format(ev->family, ev->daddr, daddr, sizeof(daddr));
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_kv_string(&w, "type", event_type_name(ev->type));
	jsonw_key(&w, "ts");
	jsonw_double(&w, wall_ts, 6);
	jsonw_kv_u64(&w, "pid", ev->pid);
	jsonw_kv_u64(&w, "tid", ev->tid);
	jsonw_key(&w, "comm");
	jsonw_string_n(&w, ev->comm, sizeof(ev->comm));
	jsonw_kv_u64(&w, "netns", ev->netns);
	jsonw_kv_u64(&w, "mntns", ev->mntns);
	jsonw_kv_u64(&w, "cgroup", ev->cgroup_id);
	jsonw_kv_string(&w, "family", ev->family == AF_INET6 ? "ipv6" : "ipv4");
	jsonw_kv_string(&w, "saddr", saddr);
	jsonw_kv_u64(&w, "sport", ev->sport);
	jsonw_kv_string(&w, "daddr", daddr);
	jsonw_kv_u64(&w, "dport", ev->dport);
	jsonw_kv_string(&w, "direction", direction_name(ev->direction));
	if (ev->type == CTOPO_EV_CONNECT_FAILED) {
		jsonw_kv_i64(&w, "errno", ev->error);
		jsonw_kv_string(&w, "error", error_name(ev->error));
	}
	if (ev->type == CTOPO_EV_CLOSE || ev->type == CTOPO_EV_CONNECT_FAILED) {
		jsonw_key(&w, "duration_ms");
		jsonw_double(&w, ev->duration_ns / 1e6, 3);
	}
	if (ev->type == CTOPO_EV_CLOSE) {
		jsonw_kv_u64(&w, "bytes_sent", ev->bytes_sent);
		jsonw_kv_u64(&w, "bytes_received", ev->bytes_received);
	}
	jsonw_object_end(&w);
	fputc('\n', out);
}
