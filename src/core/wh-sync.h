/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-sync.h: brings the cache up to date with the server's changes feeds,
 * and sends the user's queued writes (the outbox).
 *
 * Threads. A run is driven from the thread-default main context of whoever
 * starts it (the app's main context, the CLI's): HTTP goes out there through
 * WhApi, each page is decoded in a worker thread by WhApi, and written by
 * a GTask worker thread through the store's writer connection. While page N
 * is being written, page N+1 is already being fetched and decoded, so the
 * network and the disk work at the same time; never more than one write and
 * one fetch are in flight, so at most three pages are in memory. Signals
 * are emitted on the run's context.
 *
 * Safety. A page and its cursor commit in one transaction
 * (wh_store_apply_page), so a run killed at any instant resumes from the
 * last committed page. A page that breaks the contract is fetched again a
 * few times (a proxy may have cut it short) and then fails its collection
 * with nothing of it stored; a single bad record in a page is skipped and
 * counted. Cancelling stops after the page being written.
 *
 * The outbox. Entries are queued by wh_outbox_* (wh-outbox.h, any thread) and
 * replayed oldest first, before pulling, when there is a token. A transient
 * failure (network, 5xx, 401, 408, 429) stops the replay and keeps the entry
 * for the next run; an entry the server refuses for good (another 4xx) is
 * dropped and reported, since sending it again would only fail again.
 */
#pragma once

#include "wh-api.h"
#include "wh-store.h"

G_BEGIN_DECLS

#define WH_SYNC_ERROR (wh_sync_error_quark ())

typedef enum
{
  WH_SYNC_ERROR_TOO_MANY_RECORDS, /* one collection went over max-records */
  WH_SYNC_ERROR_TOO_MUCH_DATA,    /* the run went over max-total-records or max-bytes */
} WhSyncError;

GQuark      wh_sync_error_quark          (void);

/* What one run did, collection by collection. */
typedef struct
{
  const WhCollection *collection;
  guint               pages;       /* pages committed */
  guint64             records;     /* live records written */
  guint64             deleted;     /* tombstones applied */
  guint64             rejected;    /* bad records skipped */
  gboolean            not_modified; /* the feed answered 304 */
  GError             *error;       /* why it stopped, or NULL */
  gboolean            reset;       /* emptied and pulled from 0: the cursor
                                    * was past the server's rev */
  guint64             snapshot;    /* records of a region snapshot (in records) */
  guint64             forgotten;   /* rows of other regions forgotten
                                    * (wh_sync_set_forget_other_regions) */
} WhSyncCollectionReport;

typedef struct
{
  GArray     *collections;      /* WhSyncCollectionReport */
  guint       outbox_sent;
  guint       outbox_dropped;   /* refused for good by the server */
  guint       outbox_left;      /* still queued after the run */
  GPtrArray  *messages;         /* char*: rejected records, dropped entries */
  gint64      started_us;       /* monotonic */
  gint64      finished_us;
} WhSyncReport;

void        wh_sync_report_free          (WhSyncReport       *report);

/* What a run is doing with the collection under way, for ::phase-progress.
 * ::progress (collection, done, total) counts records only, after each page
 * and after a snapshot's rows are copied: ::phase-progress says the same as
 * WH_SYNC_PHASE_RECORDS, and also what comes before the records of a first
 * pull from a region snapshot, which can take minutes on a slow network. */
typedef enum
{
  WH_SYNC_PHASE_RECORDS,     /* records written of total (-1: unknown) */
  WH_SYNC_PHASE_DOWNLOADING, /* a region snapshot: bytes received of total
                              * (the Content-Length, -1 when none) */
  WH_SYNC_PHASE_CHECKING,    /* the downloaded snapshot checked: 0 of -1 */
  WH_SYNC_PHASE_COPYING,     /* its rows copied into the cache: 0 of total */
  WH_SYNC_PHASE_INDEXING,    /* after a snapshot's records: its rows get
                              * their indexes (seconds for a province): 0 of
                              * -1 */
} WhSyncPhase;

GType       wh_sync_phase_get_type       (void) G_GNUC_CONST;
#define WH_TYPE_SYNC_PHASE (wh_sync_phase_get_type ())

#define WH_TYPE_SYNC (wh_sync_get_type ())
G_DECLARE_FINAL_TYPE (WhSync, wh_sync, WH, SYNC, GObject)

WhSync     *wh_sync_new                  (WhApi              *api,
                                          WhStore            *store);
WhApi      *wh_sync_get_api              (WhSync             *self);
WhStore    *wh_sync_get_store            (WhSync             *self);

/* The adcode jobs are fetched for (0: every region). */
void        wh_sync_set_region           (WhSync             *self,
                                          gint                region);
gint        wh_sync_get_region           (WhSync             *self);
/* Records asked for per page, 1 to WH_MAX_PAGE_LIMIT (default 1000). */
void        wh_sync_set_page_limit       (WhSync             *self,
                                          guint               limit);
/* Whether a first pull of a regional collection (jobs) into an empty cache
 * starts from the server's region snapshot (GET /{collection}/snapshot),
 * then follows the feed from its rev; any failure falls back to the feed.
 * Default TRUE. */
void        wh_sync_set_use_snapshots    (WhSync             *self,
                                          gboolean            use);
/* Whether a regional collection's pull, once whole, forgets the rows of
 * the regions synced before and their cursors, bookmarked jobs kept
 * (wh_store_forget_other_regions): the app's, whose worker has one city,
 * so that a move leaves no jobs that no feed keeps current. Default FALSE:
 * the CLI keeps every region it was asked for (a kiosk's administrator may
 * seed several). Forgotten rows are counted in the report. */
void        wh_sync_set_forget_other_regions (WhSync         *self,
                                          gboolean            forget);
gboolean    wh_sync_get_forget_other_regions (WhSync         *self);
/* Seconds between automatic runs once started; 0 = none (default 900). */
void        wh_sync_set_interval         (WhSync             *self,
                                          guint               seconds);
/* The most one run takes from the changes feeds, so that a server that
 * answers has_more for ever cannot fill the disk: records of one collection
 * (tombstones and rejected ones counted; default 5 M), records in all
 * (default 10 M), bytes of JSON in all (default 8 GiB), the defaults being
 * above the national scale. Also the properties max-records,
 * max-total-records and max-bytes. A page that would go over a cap is not
 * written: the collection fails with WH_SYNC_ERROR_TOO_MANY_RECORDS, or the
 * run stops with WH_SYNC_ERROR_TOO_MUCH_DATA, keeping what came before. */
void        wh_sync_set_limits           (WhSync             *self,
                                          guint64             max_records,
                                          guint64             max_total_records,
                                          guint64             max_bytes);
gboolean    wh_sync_get_running          (WhSync             *self);
/* The last background run could not reach the server (property
 * "offline"); the next is tried after get_retry_delay milliseconds: 30 s,
 * then twice the last wait up to 10 min (properties retry-base-ms and
 * retry-max-ms), or sooner when the interval or a network change comes
 * first. 0 once a run reaches the server. */
gboolean    wh_sync_get_offline          (WhSync             *self);
guint       wh_sync_get_retry_delay      (WhSync             *self);

/* One run: the outbox, then each collection in order (NULL: every synced
 * collection, wh_schema_synced_collections). A collection that fails for a
 * reason of its own (a bad page, a store error) does not stop the others;
 * a server out of reach, or still answering 429/5xx after WhApi's retries,
 * ends the run there (the report lists the collections tried, none when a
 * first small request to learn the server's rev could not get through).
 * A collection whose stored cursor is past that rev (the server's database
 * was restored or regenerated) is emptied and pulled again from 0. The
 * report is given whenever the run was not cancelled; FALSE and error (the
 * first failure) when any part failed. */
void        wh_sync_run_async            (WhSync              *self,
                                          const WhCollection * const *collections,
                                          guint                n_collections,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    wh_sync_run_finish           (WhSync              *self,
                                          GAsyncResult        *result,
                                          WhSyncReport       **report,
                                          GError             **error);

/* Signals, on the run's context (where wh_sync_run_async was called, or
 * wh_sync_start):
 * ::progress (const char *collection, gint64 done, gint64 total): records of
 *   a collection written, of an estimated total or -1, after each page.
 * ::phase-progress (const char *collection, WhSyncPhase phase, gint64 done,
 *   gint64 total): every ::progress as WH_SYNC_PHASE_RECORDS, and before it
 *   a snapshot's download (at most ten a second, the first at 0 and the
 *   last at the whole size), its check and its copy; after the records,
 *   WH_SYNC_PHASE_INDEXING while a snapshot's rows get their indexes.
 * ::finished (WhSyncReport *, const GError *): a background run ended. */

/* Background mode for the app: a run now, then one an interval after each
 * run ends (sooner while the server is out of reach: see get_offline), and
 * one when the network monitor says the network came back or, while out of
 * reach, changed at all (a hint only: the run itself finds out).
 * request_run starts one now, or right after the current one.
 * Results are announced by ::finished. stop cancels the current run. */
void        wh_sync_start                (WhSync             *self);
void        wh_sync_request_run          (WhSync             *self);
void        wh_sync_stop                 (WhSync             *self);

/* A job's bookmark (a wh_collection_bookmarks record: job_id, applied,
 * updated_at) saved in the cache and queued for the server in one
 * transaction (wh_store_write_bookmark); remove deletes it and queues the
 * DELETE. */
gboolean    wh_sync_save_bookmark        (WhStore            *store,
                                          const WhRecord     *bookmark,
                                          GError            **error);
gboolean    wh_sync_remove_bookmark      (WhStore            *store,
                                          gint64              job_id,
                                          GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhSyncReport, wh_sync_report_free)

G_END_DECLS
