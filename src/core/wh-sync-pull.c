/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhSync's pull: the worker's own records, then each changes feed (wh-sync-private.h). */
#define G_LOG_DOMAIN "wh-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "wh-courses.h"
#include "wh-practice.h"
#include "wh-store-private.h"
#include "wh-sync-private.h"

/* A page that breaks the contract is asked for this many times in all:
 * a middlebox that cut one response short rarely cuts the next. */
#define MALFORMED_TRIES      3

/* Decoded pages waiting for the writer while it runs a build step (one
 * otherwise). A step of BUILD_STEP_ROWS (5,000) jobs takes the writer about
 * 0.35 s of CPU, decoding a page of 1,000 about 0.04 s, so the decoding
 * core would wait for most of a step. Each page waiting costs about 3 MB:
 * eight took the CLI's peak from 117 to 141 MB over a province, too near
 * the 150 MB a sync may take; four keep it at about 129. Smaller steps
 * instead cost more: indexing in steps of 1,000 took 20 % more CPU than in
 * steps of 5,000 (50,000 jobs of the province data, bench-core replay). */
#define PAGES_AHEAD          4

/* ------------------------------------------------------------------------ */
/* Writes, in a worker thread                                                */

typedef enum
{
  WRITE_PAGE,    /* records and cursor */
  WRITE_CHECKED, /* nothing new: remember the ETag and the time */
  WRITE_BUILD,   /* the pull ended: index the rows written without indexes */
  WRITE_STEP,    /* during the pull: index some of them */
  WRITE_LISTS,   /* near the pull's end: the secondary indexes */
  WRITE_FORGET,  /* the pull whole: other regions' rows go */
} WriteKind;

struct _WriteOp
{
  WriteKind           kind;
  WhStore            *store;
  const WhCollection *collection;
  char               *region;
  WhPage             *page;
  char               *etag;
  GCancellable       *cancellable; /* WRITE_BUILD and WRITE_FORGET */
  guint64             forgotten;    /* WRITE_FORGET: rows deleted */
};

void
wh_sync_write_op_free (WriteOp *op)
{
  g_clear_object (&op->store);
  g_free (op->region);
  g_clear_pointer (&op->page, wh_page_free);
  g_free (op->etag);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteOp *op = task_data;
  GError *error = NULL;
  gboolean ok;

  /* Not cancellable on purpose: a page that started to be written is
   * written whole, so the cache and the cursor stay in step. */
  if (op->kind == WRITE_PAGE)
    ok = wh_store_apply_page (op->store, op->page, op->region, &error);
  else if (op->kind == WRITE_BUILD)
    /* This one stops between its transactions when cancelled. */
    ok = wh_store_build_indexes (op->store, op->collection, op->cancellable, &error);
  else if (op->kind == WRITE_STEP)
    ok = wh_store_build_indexes_step (op->store, op->collection, NULL, &error);
  else if (op->kind == WRITE_LISTS)
    ok = wh_store_build_list_indexes (op->store, op->collection, &error);
  else if (op->kind == WRITE_FORGET)
    /* Stops between its transactions when cancelled, too. */
    ok = wh_store_forget_other_regions (op->store, op->collection, op->region, op->cancellable,
                                        &op->forgotten, &error);
  else
    ok = wh_store_set_sync_checked (op->store, op->collection, op->region, op->etag, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

typedef struct
{
  WhStore            *store;
  const WhCollection *collection;
  char               *region;
  gint64              server_rev;   /* -1: unknown */
  WhSyncState         state;
  gboolean            reset;
} StateOp;

static void
state_op_free (StateOp *op)
{
  g_clear_object (&op->store);
  g_free (op->region);
  wh_sync_state_clear (&op->state);
  g_free (op);
}

static void
state_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  StateOp *op = task_data;
  GError *error = NULL;

  if (!wh_store_get_sync_state (op->store, op->collection, op->region, &op->state, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (op->server_rev >= 0 && op->state.next_since > op->server_rev)
    {
      /* The cache was filled from a history the server no longer has (a
       * restored or regenerated database): records it dropped would stay
       * here for ever, and new ones at revs below the cursor would never
       * come. Start the collection again from nothing. */
      g_debug ("%s: cursor %" G_GINT64_FORMAT " is past the server's rev %" G_GINT64_FORMAT
               "; resyncing it from 0", op->collection->name, op->state.next_since,
               op->server_rev);
      wh_sync_state_clear (&op->state);
      if (!wh_store_reset_collection (op->store, op->collection, &error) ||
          !wh_store_get_sync_state (op->store, op->collection, op->region, &op->state, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      op->reset = TRUE;
    }
  /* A region's first pull goes into tables of its own (docs/region-tables.md):
   * copied and indexed as fast as into an empty cache, whatever other
   * regions hold. Past the limit of them, into the collection's own. */
  if (op->state.next_since == 0 && op->region != NULL &&
      (op->collection->flags & WH_COLLECTION_REGIONAL) &&
      !wh_store_add_region_tables (op->store, op->collection, op->region, &error))
    {
      if (!g_error_matches (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID))
        {
          g_task_return_error (task, error);
          return;
        }
      g_debug ("%s: %s", op->collection->name, error->message);
      g_clear_error (&error);
    }
  g_task_return_boolean (task, TRUE);
}

static void next_collection (GTask *task);
static void pump (GTask *task);

static WhSyncCollectionReport *
current_report (Run *run)
{
  return &g_array_index (run->report->collections, WhSyncCollectionReport,
                         run->report->collections->len - 1);
}

/* Whether a collection's failure says nothing about that collection: the
 * server is out of reach, or still overloaded or broken after WhApi's
 * retries, so pulling the next collections would only wait out the same
 * retries again (nine collections against a dead server took 30-40 s) and
 * press a struggling server harder. A bad page or a store error is the
 * collection's own, and the others go on. */
static gboolean
error_stops_pull (const GError *error)
{
  return wh_sync_error_is_unreachable (error) ||
         g_error_matches (error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MUCH_DATA) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAVAILABLE) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_SERVER);
}

static void
collection_failed (Run    *run,
                   GError *error)
{
  /* The first reason is the one worth telling. */
  if (run->error == NULL)
    run->error = error;
  else
    g_error_free (error);
  run->more = FALSE;
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  WriteOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  run->writing = FALSE;
  run->stepping = FALSE;
  /* What went before a cancellation went for good. */
  current_report (run)->forgotten += op->forgotten;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Writing %s failed: %s", run->collection->name, error->message);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_error_free (error); /* the build stopped; the next run resumes it */
      else
        collection_failed (run, error);
    }
  else if (op->kind == WRITE_PAGE)
    {
      WhSyncCollectionReport *cr = current_report (run);
      WhPage *page = op->page;

      cr->pages++;
      for (guint i = 0; i < page->records->len; i++)
        {
          WhRecord *record = g_ptr_array_index (page->records, i);

          if (record->deleted)
            cr->deleted++;
          else
            {
              cr->records++;
              /* A tombstone leaves no row to index. */
              run->unstepped++;
            }
        }
      cr->rejected += page->n_rejected;
      for (guint i = 0; i < page->rejections->len; i++)
        wh_sync_report_message (run->report, g_strdup_printf ("%s: %s", run->collection->name,
                                                      (char *) g_ptr_array_index (page->rejections,
                                                                                  i)));
      run->done += page->records->len + page->n_rejected;
      if (run->total >= 0 && run->done > run->total)
        run->total = run->done;
      wh_sync_emit_progress (task);
    }
  g_object_unref (result);
  pump (task);
}

static void
start_write (GTask   *task,
             WriteOp *op)
{
  GTask *write = g_task_new (NULL, NULL, write_cb, task);
  Run *run = g_task_get_task_data (task);

  g_task_set_source_tag (write, start_write);
  g_task_set_task_data (write, op, (GDestroyNotify) wh_sync_write_op_free);
  run->writing = TRUE;
  g_task_run_in_thread (write, write_thread);
  /* write_cb drops the last reference */
}

static WriteOp *
write_op_new (Run      *run,
              WhStore  *store,
              WriteKind kind)
{
  WriteOp *op = g_new0 (WriteOp, 1);

  op->kind = kind;
  op->store = g_object_ref (store);
  op->collection = run->collection;
  op->region = g_strdup (run->region);
  return op;
}

static void start_fetch (GTask *task);

static gboolean
refetch_cb (gpointer user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  run->fetching = FALSE;
  pump (task);
  return G_SOURCE_REMOVE;
}

/* Counts page against the run's caps; the error when it goes over one. */
static GError *
check_caps (WhSync *self,
            Run    *run,
            WhPage *page)
{
  guint64 n = page->records->len + page->n_rejected;
  g_autofree char *limit = NULL;

  run->fetched += n;
  run->run_records += n;
  run->run_bytes += page->bytes;
  if (run->run_bytes > self->max_bytes)
    {
      limit = g_format_size (self->max_bytes);
      return g_error_new (WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MUCH_DATA,
                          /* Translators: %s is a size such as "8.6 GB". */
                          _("The server sent more data than one update may take (%s). The "
                            "update stopped there and kept what came before."), limit);
    }
  if (run->run_records > self->max_total_records)
    {
      limit = g_strdup_printf ("%" G_GUINT64_FORMAT, self->max_total_records);
      return g_error_new (WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MUCH_DATA,
                          /* Translators: %s is a number of records. */
                          _("The server sent more records than one update may take (%s). The "
                            "update stopped there and kept what came before."), limit);
    }
  if (run->fetched > self->max_records)
    {
      limit = g_strdup_printf ("%" G_GUINT64_FORMAT, self->max_records);
      return g_error_new (WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MANY_RECORDS,
                          /* Translators: the first %s is a collection's name ("jobs"),
                           * the second a number of records. */
                          _("The server sent more “%s” records than one update may take (%s). "
                            "Their update stopped there and kept what came before."),
                          run->collection->name, limit);
    }
  return NULL;
}

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(WhPage) page = NULL;
  g_autofree char *etag = NULL;
  gboolean not_modified = FALSE;
  GError *error = NULL;

  page = wh_api_get_changes_finish (WH_API (object), result, &etag, &not_modified, &error);

  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || wh_sync_run_cancelled (task))
        {
          run->more = FALSE;
          g_error_free (error);
        }
      else if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_MALFORMED) &&
               ++run->malformed_tries < MALFORMED_TRIES && run->error == NULL)
        {
          g_autoptr(GSource) source = g_timeout_source_new (100 * run->malformed_tries);

          g_debug ("%s since %" G_GINT64_FORMAT ": %s; asking again", run->collection->name,
                   run->since, error->message);
          g_error_free (error);
          /* still "fetching" until the timer fires */
          g_source_set_callback (source, refetch_cb, task, NULL);
          g_source_attach (source, g_task_get_context (task));
          return;
        }
      else
        {
          g_debug ("%s since %" G_GINT64_FORMAT ": %s", run->collection->name, run->since,
                   error->message);
          collection_failed (run, error);
        }
      run->fetching = FALSE;
      pump (task);
      return;
    }

  run->fetching = FALSE;
  run->malformed_tries = 0;
  if (run->error != NULL || wh_sync_run_cancelled (task))
    {
      pump (task);
      return;
    }
  if (page != NULL && (error = check_caps (self, run, page)) != NULL)
    {
      /* The page over the cap is not written: what came before stays, with
       * its cursor, and the next run goes on from there. */
      g_debug ("%s since %" G_GINT64_FORMAT ": %s", run->collection->name, run->since,
               error->message);
      collection_failed (run, error);
      pump (task);
      return;
    }

  if (not_modified)
    {
      WriteOp *op = write_op_new (run, self->store, WRITE_CHECKED);

      current_report (run)->not_modified = TRUE;
      run->more = FALSE;
      op->etag = etag ? g_steal_pointer (&etag) : g_strdup (run->etag);
      g_queue_push_tail (&run->ready, op);
    }
  else
    {
      if (run->first_fetch)
        {
          /* done: the rows of a region snapshot, if one came first */
          run->total = page->remaining >= 0
                       ? run->done + page->remaining + page->records->len + page->n_rejected : -1;
          run->first_fetch = FALSE;
          wh_sync_emit_progress (task);
        }
      run->more = page->has_more;
      run->since = page->next_since;
      if (page->records->len == 0 && page->n_rejected == 0)
        {
          /* Nothing new. Keeping the cursor where it is (rather than moving
           * it to server_rev) keeps this ETag valid, so the next check of an
           * unchanged feed is a 304 with no body and no write. */
          WriteOp *op = write_op_new (run, self->store, WRITE_CHECKED);

          op->etag = g_steal_pointer (&etag);
          g_queue_push_tail (&run->ready, op);
          run->more = FALSE;
        }
      else
        {
          WriteOp *op = write_op_new (run, self->store, WRITE_PAGE);

          op->page = g_steal_pointer (&page);
          g_queue_push_tail (&run->ready, op);
        }
    }
  pump (task);
}

static void
start_fetch (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  const char *if_none_match = run->first_fetch ? run->etag : NULL;

  run->fetching = TRUE;
  /* count=1 on the first page only: it costs the server a scan. It is part
   * of the ETag too, so every run asks the same first question. */
  wh_api_get_changes_async (self->api, run->collection, run->since, self->page_limit,
                            run->region ? (gint) g_ascii_strtoll (run->region, NULL, 10) : 0,
                            run->first_fetch, if_none_match, g_task_get_cancellable (task),
                            fetch_cb, task);
}

/* Moves the collection on: hands a fetched page to the writer, asks for the
 * next one, or ends the collection when nothing is in flight. */
static void
pump (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  gboolean stopping = run->error != NULL || wh_sync_run_cancelled (task);
  guint step_rows = wh_store_get_build_step_rows (wh_sync_get_store (
    g_task_get_source_object (task)));

  if (stopping)
    {
      /* Stop after the page being written; a page only fetched is dropped. */
      g_queue_clear_full (&run->ready, (GDestroyNotify) wh_sync_write_op_free);
      run->more = FALSE;
    }
  if (!run->writing && !stopping && (run->more || !g_queue_is_empty (&run->ready)) &&
      !run->list_indexed && run->total > 0 && run->done * 10 >= run->total * 9)
    {
      /* Nine tenths in: a first pull that left out the secondary indexes
       * makes them now (a few seconds for a million rows), while the last
       * pages still come, rather than after the last one; the list is then
       * quick as soon as the pull ends. The rows after keep them up to date,
       * a tenth of the pull at the cost of indexes kept as rows come. */
      WhSync *self = g_task_get_source_object (task);

      run->list_indexed = TRUE;
      run->stepping = TRUE;
      start_write (task, write_op_new (run, self->store, WRITE_LISTS));
    }
  else if (!run->writing && !stopping && (run->more || !g_queue_is_empty (&run->ready)) &&
           run->unstepped >= step_rows)
    {
      /* Some of the rows a first pull wrote without their indexes are
       * indexed now (wh_store_build_indexes_step), even with a page
       * waiting, a step for each step's worth of rows written: the index
       * keeps pace with the rows, so the list and search are whole soon
       * after the last page instead of after a build of most rows. The
       * pages keep coming meanwhile (PAGES_AHEAD). */
      WhSync *self = g_task_get_source_object (task);

      run->unstepped -= step_rows;
      run->stepping = TRUE;
      start_write (task, write_op_new (run, self->store, WRITE_STEP));
    }
  else if (!run->writing && !g_queue_is_empty (&run->ready))
    start_write (task, g_queue_pop_head (&run->ready));
  /* One page ahead of the writer; more while it runs a build step, which
   * takes as long as decoding several pages: the other core decodes them
   * instead of waiting. */
  if (!run->fetching && run->more &&
      g_queue_get_length (&run->ready) < (run->stepping ? PAGES_AHEAD : 1))
    start_fetch (task);
  if (!run->fetching && !run->writing && g_queue_is_empty (&run->ready) && !run->more &&
      !stopping && !run->built)
    {
      /* The pull is complete: rows it wrote without their indexes (a first
       * pull, see wh_store_build_indexes) are indexed now, and so are those
       * of a run that was killed before it got here. */
      WriteOp *op = write_op_new (run, wh_sync_get_store (g_task_get_source_object (task)),
                                  WRITE_BUILD);

      g_set_object (&op->cancellable, g_task_get_cancellable (task));
      run->built = TRUE;
      /* A snapshot's rows all wait for their indexes: the build takes a
       * while (seconds for a province). A feed's first pull indexed its
       * rows in steps as they came, and the rest is short. */
      if (current_report (run)->snapshot > 0)
        wh_sync_emit_phase (task, WH_SYNC_PHASE_INDEXING, 0, -1);
      start_write (task, op);
      return;
    }
  if (!run->fetching && !run->writing && g_queue_is_empty (&run->ready) && !run->more &&
      !stopping && !run->forgot && run->region != NULL &&
      ((WhSync *) g_task_get_source_object (task))->forget_other_regions)
    {
      /* The region's pull is whole: the rows of the regions synced before
       * (a worker who moved) go, since no feed keeps them current now. Not
       * before: without a network the worker keeps what was cached. */
      WriteOp *op = write_op_new (run, wh_sync_get_store (g_task_get_source_object (task)),
                                  WRITE_FORGET);

      g_set_object (&op->cancellable, g_task_get_cancellable (task));
      run->forgot = TRUE;
      start_write (task, op);
      return;
    }
  if (!run->fetching && !run->writing && g_queue_is_empty (&run->ready) && !run->more)
    {
      WhSyncCollectionReport *cr = current_report (run);

      g_debug ("%s: %u pages, %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT
               " deleted, %" G_GUINT64_FORMAT " rejected, %" G_GUINT64_FORMAT
               " of other regions forgotten%s%s%s", run->collection->name, cr->pages,
               cr->records, cr->deleted, cr->rejected, cr->forgotten,
               cr->not_modified ? ", not modified" : "",
               run->error ? ": " : "", run->error ? run->error->message : "");
      if (run->error != NULL)
        {
          if (run->first_error == NULL)
            run->first_error = g_error_copy (run->error);
          if (error_stops_pull (run->error))
            run->give_up = TRUE;
          cr->error = g_steal_pointer (&run->error);
        }
      next_collection (task);
    }
}

/* ---- A first pull from a region snapshot ---------------------------------
 *
 * A regional collection's first pull of a region (into an empty cache, or
 * one holding other regions' rows: a worker who moved) asks for the
 * server's region snapshot (wh_api_get_snapshot_async), streamed to a
 * private file next to the cache, which the writer checks and copies with
 * the cursor at its rev (wh_store_import_snapshot, in a thread); the feed
 * then goes on from that rev as usual, and the build after the pull indexes
 * the rows. Anything wrong (no such endpoint on an old server, a refused or
 * cut file) is logged and the feed starts from 0 instead: nothing was
 * written.
 *
 * Resuming. A download cut off (a dropped connection, a cancelled sync, a
 * killed app) keeps its bytes, tagged with the answer's ETag as soon as the
 * answer starts (wh_store_snapshot_keep, in a thread); the region's next
 * first pull asks for the rest with If-Range (wh_api_get_snapshot_async),
 * and the import checks the whole file's SHA-256 against the ETag before
 * it reads a byte. An answer that says the kept bytes are of no use (a
 * 416, a Content-Range that does not fit, a file too large) discards them.
 *
 * Progress. A snapshot is tens to hundreds of MB: ::phase-progress says
 * WH_SYNC_PHASE_DOWNLOADING as its bytes come (WhApi calls back on the
 * run's context; at most one emission per SNAPSHOT_PROGRESS_US, with the
 * first at 0 and the last at the whole size), then CHECKING when the import
 * starts and COPYING once the checks passed (from the import's thread,
 * brought back to the run's context), then the records as ::progress. */

#define SNAPSHOT_PROGRESS_US (G_USEC_PER_SEC / 10)

typedef struct
{
  GTask              *task;       /* the run's; it outlives the op */
  WhStore            *store;
  const WhCollection *collection;
  char               *region;
  guint64             max_bytes;
  gint64              max_rows;
  gboolean            downloaded; /* else: only keep or discard the file */
  gboolean            discard;    /* a failed download not worth resuming */
  GOutputStream      *sink;       /* begin's result */
  guint64             held;       /* what a cut-off download kept of it */
  char               *held_etag;
  char               *etag;       /* the answer's, once it started */
  char               *tag_rev;    /* its X-Snapshot-Rev */
  guint               keeping;    /* tags being written (keep_thread) */
  gboolean            fetched;    /* the import waits for them */
  gboolean            restart;    /* a resume refused: once more from 0 */
  gboolean            restarted;
  gint64              rows;
  gint64              rev;
  /* The download's progress, on the run's context */
  guint64             received;
  gint64              length;     /* the Content-Length; -1: none */
  gint64              emitted_us; /* the last emission (monotonic); 0: none */
  guint64             emitted;    /* the bytes it said */
  GMainContext       *context;    /* the run's, for the import's thread */
} SnapshotOp;

static void
snapshot_op_free (SnapshotOp *op)
{
  g_clear_object (&op->store);
  g_free (op->region);
  g_free (op->held_etag);
  g_free (op->etag);
  g_free (op->tag_rev);
  g_clear_object (&op->sink);
  g_clear_pointer (&op->context, g_main_context_unref);
  g_free (op);
}

static void
snapshot_emit_download (SnapshotOp *op)
{
  op->emitted_us = g_get_monotonic_time ();
  op->emitted = op->received;
  wh_sync_emit_phase (op->task, WH_SYNC_PHASE_DOWNLOADING,
                      (gint64) MIN (op->received, (guint64) G_MAXINT64), op->length);
}

/* WhApi's progress, at the network's pace (a piece of up to 64 KiB at a
 * time, thousands a second on a fast network): at most one emission a tenth
 * of a second, the first at once. */
static void
snapshot_progress_cb (guint64  received,
                      gint64   total,
                      gpointer user_data)
{
  SnapshotOp *op = user_data;

  op->received = received;
  op->length = total;
  if (op->emitted_us == 0 || g_get_monotonic_time () - op->emitted_us >= SNAPSHOT_PROGRESS_US)
    snapshot_emit_download (op);
}

/* The tag of the file being written, in a thread as soon as the answer
 * starts: a kill now leaves a file the next pull can go on with. */
typedef struct
{
  WhStore            *store;
  const WhCollection *collection;
  char               *region;
  char               *etag;
  char               *rev;
} KeepNote;

static void
keep_note_free (gpointer data)
{
  KeepNote *note = data;

  g_object_unref (note->store);
  g_free (note->region);
  g_free (note->etag);
  g_free (note->rev);
  g_free (note);
}

static void
keep_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KeepNote *note = task_data;
  g_autoptr(GError) error = NULL;

  if (!wh_store_snapshot_keep (note->store, note->collection, note->region, note->etag,
                               note->rev, &error))
    g_debug ("%s: cannot keep the snapshot's tag: %s", note->collection->name, error->message);
  g_task_return_boolean (task, TRUE);
}

static void snapshot_fetch_done (SnapshotOp *op);

/* The import (or the failed download's end) removes the file and its tag:
 * not before a tag being written lands, or it would stay behind. */
static void
keep_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SnapshotOp *op = user_data;

  g_assert (op->keeping > 0);
  if (--op->keeping == 0 && op->fetched)
    snapshot_fetch_done (op);
}

static void
snapshot_started_cb (const char *etag,
                     const char *rev,
                     guint64     offset,
                     gpointer    user_data)
{
  SnapshotOp *op = user_data;
  g_autoptr(GTask) keep = NULL;
  KeepNote *note;

  g_free (op->etag);
  op->etag = g_strdup (etag);
  g_free (op->tag_rev);
  op->tag_rev = g_strdup (rev);
  op->received = offset;
  if (offset > 0 && g_strcmp0 (etag, op->held_etag) == 0)
    return;
  note = g_new0 (KeepNote, 1);
  note->store = g_object_ref (op->store);
  note->collection = op->collection;
  note->region = g_strdup (op->region);
  note->etag = g_strdup (etag);
  note->rev = g_strdup (rev);
  keep = g_task_new (NULL, NULL, keep_done_cb, op);
  g_task_set_source_tag (keep, snapshot_started_cb);
  op->keeping++;
  g_task_set_task_data (keep, note, keep_note_free);
  g_task_run_in_thread (keep, keep_thread);
}

typedef struct
{
  GTask  *task;  /* the run's, owned */
  gint64  rows;
} CopyingNote;

static void
copying_note_free (gpointer data)
{
  CopyingNote *note = data;

  g_object_unref (note->task);
  g_free (note);
}

static gboolean
copying_idle (gpointer data)
{
  CopyingNote *note = data;
  Run *run = g_task_get_task_data (note->task);

  /* Not after the import's end (snapshot_imported_cb). */
  if (run->snapshot_importing)
    wh_sync_emit_phase (note->task, WH_SYNC_PHASE_COPYING, 0, note->rows);
  return G_SOURCE_REMOVE;
}

/* In the import's thread: the checks passed, the copy starts. */
static void
snapshot_copying (gint64   rows,
                  gpointer user_data)
{
  SnapshotOp *op = user_data;
  CopyingNote *note = g_new0 (CopyingNote, 1);
  GSource *source = g_idle_source_new ();

  note->task = g_object_ref (op->task);
  note->rows = rows;
  /* A source, not g_main_context_invoke, which would run it in this thread
   * whenever the run's thread is not iterating its context just then. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, copying_idle, note, copying_note_free);
  g_source_set_static_name (source, "[wh] snapshot copying");
  g_source_attach (source, op->context);
  g_source_unref (source);
}

static void
snapshot_begin_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  SnapshotOp *op = task_data;
  GError *error = NULL;

  /* A resume the server refused: not that file again. */
  if (op->restarted)
    wh_store_snapshot_discard (op->store, op->collection, op->region);
  op->sink = wh_store_snapshot_begin (op->store, op->collection, op->region, op->max_bytes,
                                      &op->held, &op->held_etag, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
snapshot_import_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  SnapshotOp *op = task_data;
  GError *error = NULL;

  if (!op->downloaded)
    {
      /* Kept for the next pull unless of no use; the tag again, in case
       * its own thread has not written it yet. */
      if (op->discard)
        wh_store_snapshot_discard (op->store, op->collection, op->region);
      else if (op->etag != NULL &&
               !wh_store_snapshot_keep (op->store, op->collection, op->region, op->etag,
                                        op->tag_rev, &error))
        {
          g_debug ("%s: cannot keep the snapshot's tag: %s", op->collection->name,
                   error->message);
          g_clear_error (&error);
          wh_store_snapshot_discard (op->store, op->collection, op->region);
        }
      /* An untagged one too. */
      wh_store_snapshot_cleanup (op->store);
      g_task_return_boolean (task, FALSE);
    }
  else if (wh_store_import_snapshot (op->store, op->collection, op->region, op->etag,
                                     op->max_bytes,
                                     op->max_rows, &op->rows, &op->rev, snapshot_copying, op,
                                     cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
snapshot_imported_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  SnapshotOp *op = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  run->writing = FALSE;
  run->snapshot_importing = FALSE;
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      WhSyncCollectionReport *cr = current_report (run);

      cr->records += (guint64) op->rows;
      cr->snapshot = (guint64) op->rows;
      run->fetched += (guint64) op->rows;
      run->run_records += (guint64) op->rows;
      run->done = op->rows;
      run->total = op->rows;
      run->since = op->rev;
      /* Not the nine tenths' rule: the pages after a snapshot are few, and
       * the build right after them makes the list's indexes while its
       * second thread builds the names (wh-store-build.c). */
      run->list_indexed = TRUE;
      g_clear_pointer (&run->etag, g_free);
      wh_sync_emit_progress (task);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("%s: the region snapshot was not used (%s); the changes feed brings the records",
               run->collection->name, error->message);
  g_object_unref (result);
  pump (task);
}

static void
snapshot_import (GTask      *task,
                 SnapshotOp *op)
{
  Run *run = g_task_get_task_data (task);
  GTask *import = g_task_new (NULL, g_task_get_cancellable (task), snapshot_imported_cb, task);

  g_task_set_source_tag (import, snapshot_import);
  g_task_set_task_data (import, op, (GDestroyNotify) snapshot_op_free);
  /* Not check-cancellable: the callback always runs, and pumps. */
  g_task_set_check_cancellable (import, FALSE);
  run->writing = TRUE;
  run->snapshot_importing = op->downloaded;
  if (op->downloaded)
    wh_sync_emit_phase (task, WH_SYNC_PHASE_CHECKING, 0, -1);
  g_task_run_in_thread (import, snapshot_import_thread);
}

static void
snapshot_fetched_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SnapshotOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = wh_api_get_snapshot_finish (WH_API (object), result, &error);

  op->downloaded = etag != NULL;
  if (etag != NULL)
    {
      g_free (op->etag);
      op->etag = g_steal_pointer (&etag);
    }
  /* Worth going on with after a cut: the bytes were right, the way was
   * not. A 416, a range that does not fit, a file too large are not. */
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           !wh_api_error_is_transient (error))
    {
      op->discard = TRUE;
      /* The rest refused (416, a range that does not fit): the whole file
       * now, once. A file too large would be as large whole. */
      op->restart = op->held > 0 && !op->restarted &&
                    !g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TOO_LARGE);
    }
  if (op->restart)
    g_debug ("%s: the rest of the region snapshot was refused (%s); asking for all of it",
             op->collection->name, error->message);
  if (!op->downloaded && !op->restart &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("%s: no region snapshot (%s); the changes feed brings the records",
               op->collection->name, error->message);
  /* The whole of it, whatever the throttle held back. */
  if (op->downloaded && (op->emitted_us == 0 || op->emitted != op->received))
    snapshot_emit_download (op);
  g_clear_object (&op->sink);
  op->fetched = TRUE;
  if (op->keeping == 0)
    snapshot_fetch_done (op);
}

static void
snapshot_begun_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SnapshotOp *op = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  g_object_unref (result);
  run->writing = FALSE;
  if (!ok || op->sink == NULL || wh_sync_run_cancelled (task))
    {
      if (error != NULL)
        g_debug ("%s: no region snapshot: %s", run->collection->name, error->message);
      /* begin removed what a killed run left; it made nothing else. */
      snapshot_op_free (op);
      pump (task);
      return;
    }
  run->writing = TRUE;
  wh_api_get_snapshot_async (self->api, run->collection,
                             run->region ? (gint) g_ascii_strtoll (run->region, NULL, 10) : 0,
                             op->sink, op->max_bytes, op->held, op->held_etag,
                             snapshot_progress_cb, snapshot_started_cb, op,
                             g_task_get_cancellable (task), snapshot_fetched_cb, op);
}

/* Opens the download's file (and finds what a cut-off one kept) in a
 * thread; snapshot_begun_cb then asks the server. */
static void
snapshot_begin (SnapshotOp *op)
{
  Run *run = g_task_get_task_data (op->task);
  GTask *begin = g_task_new (NULL, NULL, snapshot_begun_cb, op->task);

  g_task_set_source_tag (begin, snapshot_begin);
  g_task_set_task_data (begin, op, NULL);
  run->writing = TRUE;
  /* snapshot_begun_cb drops it. */
  g_task_run_in_thread (begin, snapshot_begin_thread);
}

/* After the download, once the tags being written landed: a resume the
 * server refused starts once more from byte 0; else the import (or the
 * failed download's end). */
static void
snapshot_fetch_done (SnapshotOp *op)
{
  if (!op->restart || wh_sync_run_cancelled (op->task))
    {
      snapshot_import (op->task, op);
      return;
    }
  op->restart = FALSE;
  op->restarted = TRUE;
  op->discard = FALSE;
  op->fetched = FALSE;
  op->held = 0;
  g_clear_pointer (&op->held_etag, g_free);
  g_clear_pointer (&op->etag, g_free);
  g_clear_pointer (&op->tag_rev, g_free);
  op->received = 0;
  op->length = -1;
  op->emitted_us = 0;
  op->emitted = 0;
  snapshot_begin (op);
}

/* Whether this collection's pull starts with a snapshot; then starts it. */
static gboolean
snapshot_start (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SnapshotOp *op;

  if (!self->use_snapshots || run->since != 0 || run->error != NULL ||
      !(run->collection->flags & WH_COLLECTION_REGIONAL) || wh_sync_run_cancelled (task) ||
      run->run_bytes >= self->max_bytes || run->run_records >= self->max_total_records)
    return FALSE;
  op = g_new0 (SnapshotOp, 1);
  op->task = task;
  op->store = g_object_ref (self->store);
  op->collection = run->collection;
  op->region = g_strdup (run->region);
  op->length = -1;
  op->context = g_main_context_ref (g_task_get_context (task));
  op->max_bytes = self->max_bytes - run->run_bytes;
  op->max_rows = (gint64) MIN (MIN (self->max_records, self->max_total_records - run->run_records),
                               (guint64) G_MAXINT64);
  snapshot_begin (op);
  return TRUE;
}

static void
state_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  StateOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    collection_failed (run, error);
  else
    {
      if (op->reset)
        {
          current_report (run)->reset = TRUE;
          wh_sync_report_message (run->report,
                          g_strdup_printf (_("The server’s data was reset: “%s” is downloaded "
                                             "again."), run->collection->name));
        }
      run->since = op->state.next_since;
      run->etag = g_steal_pointer (&op->state.etag);
      run->more = TRUE;
    }
  g_object_unref (result);
  if (!snapshot_start (task))
    pump (task);
}

/* A pull frees what its threads decoded and built (tens of megabytes for a
 * region's jobs), and glibc keeps it in those threads' arenas for them:
 * the national bench's sync peaked at 143-161 MB of RSS, 111-122 MB with
 * it given back after each collection. A few milliseconds. */
static void
give_back_memory (void)
{
#ifdef __GLIBC__
  gint64 started = g_get_monotonic_time ();

  malloc_trim (0);
  g_debug ("Memory given back in %.1f ms", (g_get_monotonic_time () - started) / 1e3);
#endif
}

static void
next_collection (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  WhSyncCollectionReport cr = { 0, };
  GTask *state;
  StateOp *op;

  give_back_memory ();
  if (run->index >= run->collections->len || run->give_up || wh_sync_run_cancelled (task))
    {
      wh_sync_run_end (task);
      return;
    }

  run->collection = g_ptr_array_index (run->collections, run->index++);
  g_clear_pointer (&run->region, g_free);
  if (self->region > 0 && (run->collection->flags & WH_COLLECTION_REGIONAL))
    run->region = g_strdup_printf ("%06d", self->region);
  g_clear_pointer (&run->etag, g_free);
  run->first_fetch = TRUE;
  run->more = FALSE;
  run->built = FALSE;
  run->forgot = FALSE;
  run->unstepped = 0;
  run->list_indexed = FALSE;
  run->malformed_tries = 0;
  run->fetched = 0;
  run->done = 0;
  run->total = -1;
  cr.collection = run->collection;
  g_array_append_val (run->report->collections, cr);

  op = g_new0 (StateOp, 1);
  op->store = g_object_ref (self->store);
  op->collection = run->collection;
  op->region = g_strdup (run->region);
  op->server_rev = run->server_rev;
  state = g_task_new (NULL, NULL, state_cb, task);
  g_task_set_source_tag (state, next_collection);
  g_task_set_task_data (state, op, (GDestroyNotify) state_op_free);
  /* state_cb calls pump, which takes the collection from there */
  g_task_run_in_thread (state, state_thread);
}

/* One small request before the pull learns the server's rev, which a cursor
 * can never be past unless the server's history went back. since=0 so that
 * the answer cannot be clamped to our own cursor, and no If-None-Match, so
 * that it is a page and not a 304. */
static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(WhPage) page = NULL;
  GError *error = NULL;

  page = wh_api_get_changes_finish (WH_API (object), result, NULL, NULL, &error);
  if (page != NULL)
    run->server_rev = page->server_rev;
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           error_stops_pull (error))
    {
      /* Every collection would fail the same way. */
      if (run->first_error == NULL)
        run->first_error = g_steal_pointer (&error);
      run->give_up = TRUE;
    }
  else if (error != NULL)
    /* A bad answer only costs the check; each feed is judged on its own. */
    g_debug ("Server rev probe: %s", error->message);
  g_clear_error (&error);
  next_collection (task);
}

static void
probe_server_rev (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  if (run->give_up || run->collections->len == 0 || wh_sync_run_cancelled (task))
    {
      next_collection (task);
      return;
    }
  wh_api_get_changes_async (self->api, g_ptr_array_index (run->collections, 0), 0, 1, 0, FALSE,
                            NULL, g_task_get_cancellable (task), probe_cb, task);
}

/* ---- The worker's course progress from other devices --------------------
 *
 * After the outbox, so what this device did is on the server first: then
 * GET /progress, /quiz-attempts and /question-reviews, merged into the cache
 * by the server's own rules (wh_courses_merge_from_server,
 * wh_practice_merge_from_server) in a worker thread. Only with a
 * sign-in, and only in a run that syncs the courses. A failure is reported
 * and the pull goes on: the worker's own copy stays as it was. */

static void
personal_merge_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  WhSync *self = source_object;
  GPtrArray **lists = task_data;
  GError *error = NULL;

  if (wh_courses_merge_from_server (self->store, lists[0], lists[1], &error) &&
      wh_practice_merge_from_server (self->store, lists[2], &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
personal_failed (GTask  *task,
                 GError *error)
{
  Run *run = g_task_get_task_data (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    wh_sync_report_message (run->report,
                    g_strdup_printf (_("Course progress from your other devices: %s"),
                                     error->message));
  g_clear_pointer (&run->progress, g_ptr_array_unref);
  g_clear_pointer (&run->attempts, g_ptr_array_unref);
  probe_server_rev (task);
}

static void
personal_merged_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      personal_failed (task, error);
      return;
    }
  g_clear_pointer (&((Run *) g_task_get_task_data (task))->progress, g_ptr_array_unref);
  probe_server_rev (task);
}

static void
personal_lists_free (GPtrArray **lists)
{
  g_clear_pointer (&lists[0], g_ptr_array_unref);
  g_clear_pointer (&lists[1], g_ptr_array_unref);
  g_clear_pointer (&lists[2], g_ptr_array_unref);
  g_free (lists);
}

static void
personal_reviews_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GPtrArray *reviews = wh_api_list_documents_finish (self->api, result, &error);
  g_autoptr(GTask) merge = NULL;
  GPtrArray **lists;

  if (reviews == NULL)
    {
      personal_failed (task, error);
      return;
    }
  lists = g_new0 (GPtrArray *, 3);
  lists[0] = g_steal_pointer (&run->progress);
  lists[1] = g_steal_pointer (&run->attempts);
  lists[2] = reviews;
  merge = g_task_new (self, NULL, personal_merged_cb, task);
  g_task_set_source_tag (merge, personal_reviews_cb);
  g_task_set_task_data (merge, lists, (GDestroyNotify) personal_lists_free);
  g_task_run_in_thread (merge, personal_merge_thread);
}

static void
personal_attempts_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->attempts = wh_api_list_documents_finish (self->api, result, &error);
  if (run->attempts == NULL)
    {
      personal_failed (task, error);
      return;
    }
  wh_api_list_documents_async (self->api, &wh_collection_question_reviews,
                               g_task_get_cancellable (task), personal_reviews_cb, task);
}

static void
personal_progress_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->progress = wh_api_list_documents_finish (self->api, result, &error);
  if (run->progress == NULL)
    {
      personal_failed (task, error);
      return;
    }
  wh_api_list_documents_async (self->api, &wh_collection_quiz_attempts,
                               g_task_get_cancellable (task), personal_attempts_cb, task);
}

void
wh_sync_pull_personal (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  gboolean courses = FALSE;

  for (guint i = 0; i < run->collections->len; i++)
    courses |= g_ptr_array_index (run->collections, i) == &wh_collection_courses;
  if (!courses || wh_api_get_token (self->api) == NULL || wh_sync_run_cancelled (task))
    {
      probe_server_rev (task);
      return;
    }
  wh_api_list_documents_async (self->api, &wh_collection_progress, g_task_get_cancellable (task),
                               personal_progress_cb, task);
}
