/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-outbox.h: queueing the worker's writes for the server.
 *
 * A write the worker makes (a lesson's progress, a quiz attempt, a bookmark,
 * a station report) is saved in the store's outbox table (wh-store-outbox.c)
 * as one entry: a kind that picks the endpoint, a key and a JSON body. The
 * sync engine replays the entries oldest first at its next run
 * (wh-sync-outbox.c, see wh-sync.h). This module only turns a record into
 * its entry and queues it, so writers need neither the sync engine nor
 * the network. Any thread; no GTK.
 */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* The record's collection picks the endpoint: progress (PUT
 * progress/{lesson_id}; a newer one replaces a queued one), quiz_attempts,
 * bookmarks, station_reports. */
gboolean    wh_outbox_queue_record           (WhStore            *store,
                                              const WhRecord     *record,
                                              GError            **error);
/* The entry queue_record would make of record (kind, key, JSON body), for
 * writers that queue it in a transaction of their own
 * (wh_courses_save_progress, wh_sync_save_bookmark). */
gboolean    wh_outbox_describe_record        (const WhRecord     *record,
                                              const char        **kind,
                                              char              **key,
                                              char              **body,
                                              GError            **error);
/* DELETE bookmarks/{job_id}; replaces a queued PUT of the same job. */
gboolean    wh_outbox_queue_bookmark_removal (WhStore            *store,
                                              gint64              job_id,
                                              GError            **error);

G_END_DECLS
