/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI hook's records (oci_state.h) into the container registry: all of them at start, then
 * whichever file the hook writes, found with inotify on the state directory. */
#ifndef CTOPO_HOOK_RECORDS_H
#define CTOPO_HOOK_RECORDS_H

#include "containers/containers.h"
#include "hook/oci_state.h"

/* One record into the registry: upsert, and mark stopped when the hook saw it stop. */
int hook_record_apply(struct containers *reg, const struct oci_record *rec);

/* Every record under dir; a missing dir is not an error (no hook ran yet). Returns how many. */
int hook_records_load(struct containers *reg, const char *dir);

/* Remove the records of containers that stopped before cutoff (UNIX seconds): the hook only marks
 * a record stopped; the daemon removes it once its retention is over. Returns how many went. */
int hook_records_sweep(const char *dir, double cutoff);

/* An inotify fd watching dir for records written (created 0755 when missing); -errno. */
int hook_records_watch(const char *dir);
/* Read the inotify fd's events and apply the records named in them; 0 or -errno. */
int hook_records_process(struct containers *reg, const char *dir, int inotify_fd);

#endif
