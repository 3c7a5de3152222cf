/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-sync-private.h: what the parts of WhSync share.
 *
 * wh-sync.c owns the object, its settings, a run's start and end, its
 * report and progress, and the background schedule. A run replays the
 * outbox first (wh-sync-outbox.c, which also queues the writes into it),
 * then pulls (wh-sync-pull.c): the worker's own records from other devices,
 * the server's rev, then each collection's changes feed, and ends the run.
 */
#pragma once

#include "wh-sync.h"

G_BEGIN_DECLS

struct _WhSync
{
  GObject          parent_instance;

  /* Owned references */
  WhApi           *api;
  WhStore         *store;

  /* Settings */
  gint             region;
  guint            page_limit;
  guint            interval;
  guint64          max_records;        /* per collection per run */
  guint64          max_total_records;  /* per run */
  guint64          max_bytes;          /* per run */
  guint            retry_base_ms;      /* the first wait while out of reach */
  guint            retry_max_ms;
  gboolean         use_snapshots;
  gboolean         forget_other_regions;

  /* Background mode */
  gboolean         started;
  gboolean         running;
  gboolean         pending;
  GCancellable    *cancellable;
  GSource         *timer;
  GMainContext    *context;
  GNetworkMonitor *monitor;
  gulong           network_changed_id;
  gboolean         network_available;
  guint            retry_ms;           /* the backoff's wait; 0: the last
                                        * run reached the server */
};

/* A fetched page or a state change on its way to the writer (wh-sync-pull.c). */
typedef struct _WriteOp WriteOp;

typedef struct
{
  GPtrArray          *collections;  /* const WhCollection* */
  guint               index;
  WhSyncReport       *report;
  GError             *first_error;
  gboolean            give_up;      /* the server is out of reach: stop the run */
  gint64              server_rev;   /* from the probe; -1: unknown */
  guint64             run_records;  /* fetched from the feeds, against the caps */
  guint64             run_bytes;

  /* Outbox, then the worker's own records from other devices */
  GPtrArray          *entries;      /* WhOutboxEntry* */
  GPtrArray          *progress;     /* WhRecord* from GET /progress */
  GPtrArray          *attempts;     /* WhRecord* from GET /quiz-attempts */
  guint               entry_index;
  guint               entries_seen;
  gboolean            signed_out;   /* no token, or it was refused: anonymous writes only */

  /* The collection under way */
  const WhCollection *collection;
  char               *region;
  gint64              since;        /* for the next fetch */
  char               *etag;         /* stored, for the first fetch only */
  gboolean            first_fetch;
  gboolean            more;         /* pages left to fetch */
  gboolean            fetching;
  gboolean            writing;
  gboolean            built;        /* the build after the pull has run */
  gboolean            forgot;       /* then the other regions' rows went */
  guint64             unstepped;    /* live rows written, less a step's worth
                                     * for each build step */
  gboolean            stepping;     /* the writer runs a build step or makes
                                     * the list's indexes */
  gboolean            list_indexed; /* near the end: WRITE_LISTS is done */
  gboolean            snapshot_importing; /* a downloaded snapshot is being
                                           * checked and copied */
  GQueue              ready;        /* WriteOp*: fetched, waiting for the writer */
  guint               malformed_tries;
  guint64             fetched;      /* records fetched, against max_records */
  gint64              done;
  gint64              total;
  GError             *error;        /* of this collection */
} Run;

/* wh-sync.c */
void     wh_sync_report_message       (WhSyncReport *report,
                                       char         *message);
gboolean wh_sync_run_cancelled        (GTask        *task);
/* Returns the run's result and drops the task's last reference. */
void     wh_sync_run_end              (GTask        *task);
void     wh_sync_emit_progress        (GTask        *task);
/* ::phase-progress alone: a snapshot's phases (wh_sync_emit_progress emits
 * the records' too). */
void     wh_sync_emit_phase           (GTask        *task,
                                       WhSyncPhase   phase,
                                       gint64        done,
                                       gint64        total);
gboolean wh_sync_error_is_unreachable (const GError *error);

/* wh-sync-outbox.c: a run starts with one of these */
void     wh_sync_outbox_peek          (GTask        *task);
void     wh_sync_outbox_done          (GTask        *task);

/* wh-sync-pull.c: the outbox hands the run on with this */
void     wh_sync_pull_personal        (GTask        *task);
void     wh_sync_write_op_free        (WriteOp      *op);

G_END_DECLS
