/* SPDX-License-Identifier: Apache-2.0 */
/* A report built by hand for the renderer and ps tests: containers frontend, api + sidecar
 * (sharing one netns), db, and job (exited); a published port through DNAT, loopback, the
 * Internet both ways, an unknown local address and short-lived closed connections. */
#ifndef CTOPO_REPORT_FIXTURE_H
#define CTOPO_REPORT_FIXTURE_H

#include <stdbool.h>

#include "report/report.h"

#define HOST_NS 4026531840u
#define HOST_MNT 4026531841u
#define NS_FRONT 4026532001u
#define NS_API 4026532002u /* api and sidecar share it */
#define NS_DB 4026532003u
#define NS_JOB 4026532004u
#define MNT_FRONT 4026532101u
#define MNT_API 4026532102u
#define MNT_SIDECAR 4026532103u
#define MNT_DB 4026532104u
#define MNT_JOB 4026532105u

struct report *sample_report(void);

/* sample_report plus the edge store's memory (times relative to its generated_at, 1795000002.5):
 *  - job's wget made 50 connections to api's httpd :8080 in the last minute (pids 3001..3050),
 *    and httpd accepted 55 on :8080: 5 came from clients not on this host;
 *  - host psql was refused 3 times on 127.0.0.1:5433 five seconds ago (no listener there);
 *  - host cron fetched 93.184.216.34:443 ten minutes ago: outside a 15 s window. */
struct report *sample_report_with_edges(void);

/* Two containers that lived 50 ms and are gone, known only by id and name (the registry never had
 * their pid, mount namespace or netns), and an edge of each from 20 s before the report: rm-client's
 * wget connected once to api's httpd :8080, rm-server's nc accepted two on :9090. Their mount
 * namespaces and netns name no container; named: each edge carries its container_id, as the
 * daemon finds it from the edge's cgroup id. */
#define RM_CLIENT_ID "ffff000000000000000000000000000000000000000000000000000000000006"
#define RM_SERVER_ID "fffe000000000000000000000000000000000000000000000000000000000007"
#define NS_RM_CLIENT 4026532006u
#define NS_RM_SERVER 4026532007u
#define MNT_RM_CLIENT 4026532106u
#define MNT_RM_SERVER 4026532107u
#define CGROUP_RM_CLIENT 50006u
#define CGROUP_RM_SERVER 50007u
void add_short_lived_containers(struct report *r, bool named);

#endif
