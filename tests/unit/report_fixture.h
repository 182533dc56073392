/* SPDX-License-Identifier: Apache-2.0 */
/* A report built by hand for the renderer and ps tests: containers frontend, api + sidecar
 * (sharing one netns), db, and job (exited); a published port through DNAT, loopback, the
 * Internet both ways, an unknown local address and short-lived closed connections. */
#ifndef CTOPO_REPORT_FIXTURE_H
#define CTOPO_REPORT_FIXTURE_H

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

#endif
