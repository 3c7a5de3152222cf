/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-sync.h"
#include "wh-courses.h"

#define DEFAULT_PAGE_LIMIT   1000
#define DEFAULT_INTERVAL     (15 * 60)
/* A page that breaks the contract is asked for this many times in all:
 * a middlebox that cut one response short rarely cuts the next. */
#define MALFORMED_TRIES      3
#define OUTBOX_BATCH         50
#define OUTBOX_MAX_PER_RUN   2000
#define MAX_MESSAGES         200
/* What one run takes from the changes feeds before it stops: a hostile
 * server can answer has_more for ever (one filled 575 MB in 30 s). Above
 * the national scale (DESIGN.md): 2.7 M jobs of about 940 bytes of JSON,
 * 3.4 M records and some 3 GB in all. */
#define DEFAULT_MAX_RECORDS        G_GUINT64_CONSTANT (5000000)
#define DEFAULT_MAX_TOTAL_RECORDS  G_GUINT64_CONSTANT (10000000)
#define DEFAULT_MAX_BYTES          (G_GUINT64_CONSTANT (8) << 30)

G_DEFINE_QUARK (wh-sync-error-quark, wh_sync_error)

void
wh_sync_report_free (WhSyncReport *report)
{
  if (report == NULL)
    return;
  for (guint i = 0; i < report->collections->len; i++)
    g_clear_error (&g_array_index (report->collections, WhSyncCollectionReport, i).error);
  g_array_unref (report->collections);
  g_ptr_array_unref (report->messages);
  g_free (report);
}

static WhSyncReport *
report_new (void)
{
  WhSyncReport *report = g_new0 (WhSyncReport, 1);

  report->collections = g_array_new (FALSE, TRUE, sizeof (WhSyncCollectionReport));
  report->messages = g_ptr_array_new_with_free_func (g_free);
  report->started_us = g_get_monotonic_time ();
  return report;
}

static void
report_message (WhSyncReport *report,
                char         *message)
{
  if (report->messages->len < MAX_MESSAGES)
    g_ptr_array_add (report->messages, message);
  else
    g_free (message);
}

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
};

G_DEFINE_FINAL_TYPE (WhSync, wh_sync, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_REGION,
  PROP_PAGE_LIMIT,
  PROP_INTERVAL,
  PROP_RUNNING,
  PROP_MAX_RECORDS,
  PROP_MAX_TOTAL_RECORDS,
  PROP_MAX_BYTES,
  N_PROPS
};

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
wh_sync_dispose (GObject *object)
{
  WhSync *self = WH_SYNC (object);

  wh_sync_stop (self);
  g_clear_object (&self->api);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wh_sync_parent_class)->dispose (object);
}

static void
wh_sync_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  WhSync *self = WH_SYNC (object);

  switch (prop_id)
    {
    case PROP_REGION:
      g_value_set_int (value, self->region);
      break;
    case PROP_PAGE_LIMIT:
      g_value_set_uint (value, self->page_limit);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_MAX_RECORDS:
      g_value_set_uint64 (value, self->max_records);
      break;
    case PROP_MAX_TOTAL_RECORDS:
      g_value_set_uint64 (value, self->max_total_records);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_sync_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  WhSync *self = WH_SYNC (object);

  switch (prop_id)
    {
    case PROP_REGION:
      wh_sync_set_region (self, g_value_get_int (value));
      break;
    case PROP_PAGE_LIMIT:
      wh_sync_set_page_limit (self, g_value_get_uint (value));
      break;
    case PROP_INTERVAL:
      wh_sync_set_interval (self, g_value_get_uint (value));
      break;
    case PROP_MAX_RECORDS:
      self->max_records = g_value_get_uint64 (value);
      break;
    case PROP_MAX_TOTAL_RECORDS:
      self->max_total_records = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_sync_class_init (WhSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wh_sync_dispose;
  object_class->get_property = wh_sync_get_property;
  object_class->set_property = wh_sync_set_property;

  properties[PROP_REGION] =
    g_param_spec_int ("region", NULL, NULL, 0, 999999, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_LIMIT] =
    g_param_spec_uint ("page-limit", NULL, NULL, 1, WH_MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, DEFAULT_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The caps of one run (see DEFAULT_MAX_RECORDS): records (tombstones and
   * rejected ones included) of one collection, records in all, bytes of
   * JSON in all. */
  properties[PROP_MAX_RECORDS] =
    g_param_spec_uint64 ("max-records", NULL, NULL, 1, G_MAXUINT64, DEFAULT_MAX_RECORDS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_TOTAL_RECORDS] =
    g_param_spec_uint64 ("max-total-records", NULL, NULL, 1, G_MAXUINT64,
                         DEFAULT_MAX_TOTAL_RECORDS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_BYTES] =
    g_param_spec_uint64 ("max-bytes", NULL, NULL, 1, G_MAXUINT64, DEFAULT_MAX_BYTES,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (collection name, records done, estimated total or -1) after each page. */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);
  /* (WhSyncReport* or NULL when cancelled, GError* or NULL): a background
   * run ended. Both are owned by the emitter. */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
}

static void
wh_sync_init (WhSync *self)
{
  self->page_limit = DEFAULT_PAGE_LIMIT;
  self->interval = DEFAULT_INTERVAL;
  self->max_records = DEFAULT_MAX_RECORDS;
  self->max_total_records = DEFAULT_MAX_TOTAL_RECORDS;
  self->max_bytes = DEFAULT_MAX_BYTES;
}

WhSync *
wh_sync_new (WhApi   *api,
             WhStore *store)
{
  WhSync *self;

  g_return_val_if_fail (WH_IS_API (api), NULL);
  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  self = g_object_new (WH_TYPE_SYNC, NULL);
  self->api = g_object_ref (api);
  self->store = g_object_ref (store);
  return self;
}

WhApi *
wh_sync_get_api (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), NULL);
  return self->api;
}

WhStore *
wh_sync_get_store (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), NULL);
  return self->store;
}

void
wh_sync_set_region (WhSync *self,
                    gint    region)
{
  g_return_if_fail (WH_IS_SYNC (self));
  g_return_if_fail (region >= 0 && region <= 999999);

  if (self->region == region)
    return;
  self->region = region;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGION]);
}

gint
wh_sync_get_region (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), 0);
  return self->region;
}

void
wh_sync_set_page_limit (WhSync *self,
                        guint   limit)
{
  g_return_if_fail (WH_IS_SYNC (self));

  limit = CLAMP (limit, 1, WH_MAX_PAGE_LIMIT);
  if (self->page_limit == limit)
    return;
  self->page_limit = limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_LIMIT]);
}

static void schedule_timer (WhSync *self);
static void clear_timer (WhSync *self);

void
wh_sync_set_interval (WhSync *self,
                      guint   seconds)
{
  g_return_if_fail (WH_IS_SYNC (self));

  if (self->interval == seconds)
    return;
  self->interval = seconds;
  if (self->started)
    schedule_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

void
wh_sync_set_limits (WhSync  *self,
                    guint64  max_records,
                    guint64  max_total_records,
                    guint64  max_bytes)
{
  g_return_if_fail (WH_IS_SYNC (self));
  g_return_if_fail (max_records > 0 && max_total_records > 0 && max_bytes > 0);

  g_object_set (self, "max-records", max_records, "max-total-records", max_total_records,
                "max-bytes", max_bytes, NULL);
}

gboolean
wh_sync_get_running (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), FALSE);
  return self->running;
}

/* ------------------------------------------------------------------------ */
/* Writes, in a worker thread                                                */

typedef enum
{
  WRITE_PAGE,    /* records and cursor */
  WRITE_CHECKED, /* nothing new: remember the ETag and the time */
  WRITE_BUILD,   /* the pull ended: index the rows written without indexes */
  WRITE_STEP,    /* the writer is idle during the pull: index some of them */
} WriteKind;

typedef struct
{
  WriteKind           kind;
  WhStore            *store;
  const WhCollection *collection;
  char               *region;
  WhPage             *page;
  char               *etag;
  GCancellable       *cancellable; /* WRITE_BUILD only */
} WriteOp;

static void
write_op_free (WriteOp *op)
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
  g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------------ */
/* One run                                                                   */

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
  guint               entry_index;
  guint               entries_seen;

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
  guint64             unstepped;    /* rows written since the last build step */
  WriteOp            *ready;        /* fetched, waiting for the writer */
  guint               malformed_tries;
  guint64             fetched;      /* records fetched, against max_records */
  gint64              done;
  gint64              total;
  GError             *error;        /* of this collection */
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  g_ptr_array_unref (run->collections);
  g_clear_pointer (&run->report, wh_sync_report_free);
  g_clear_error (&run->first_error);
  g_clear_pointer (&run->entries, g_ptr_array_unref);
  g_clear_pointer (&run->progress, g_ptr_array_unref);
  g_free (run->region);
  g_free (run->etag);
  g_clear_pointer (&run->ready, write_op_free);
  g_clear_error (&run->error);
  g_free (run);
}

static void next_collection (GTask *task);
static void pump (GTask *task);

static gboolean
run_cancelled (GTask *task)
{
  return g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

static void
run_finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->report->finished_us = g_get_monotonic_time ();
  if (run_cancelled (task))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("The update was cancelled."));
  else if (run->first_error != NULL)
    g_task_return_error (task, g_error_copy (run->first_error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static WhSyncCollectionReport *
current_report (Run *run)
{
  return &g_array_index (run->report->collections, WhSyncCollectionReport,
                         run->report->collections->len - 1);
}

static void
emit_progress (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, run->collection->name, run->done,
                 run->total);
}

/* The server cannot be reached at all (or not safely): every request after
 * this one would fail the same way, each after its own round of retries. */
static gboolean
error_is_unreachable (const GError *error)
{
  return g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NETWORK) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TLS) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_INSECURE) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_REDIRECT);
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
  return error_is_unreachable (error) ||
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
            cr->records++;
        }
      cr->rejected += page->n_rejected;
      for (guint i = 0; i < page->rejections->len; i++)
        report_message (run->report, g_strdup_printf ("%s: %s", run->collection->name,
                                                      (char *) g_ptr_array_index (page->rejections,
                                                                                  i)));
      run->done += page->records->len + page->n_rejected;
      run->unstepped += page->records->len;
      if (run->total >= 0 && run->done > run->total)
        run->total = run->done;
      emit_progress (task);
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
  g_task_set_task_data (write, op, (GDestroyNotify) write_op_free);
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
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || run_cancelled (task))
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
  if (run->error != NULL || run_cancelled (task))
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

  g_assert (run->ready == NULL);
  if (not_modified)
    {
      current_report (run)->not_modified = TRUE;
      run->more = FALSE;
      run->ready = write_op_new (run, self->store, WRITE_CHECKED);
      run->ready->etag = etag ? g_steal_pointer (&etag) : g_strdup (run->etag);
    }
  else
    {
      if (run->first_fetch)
        {
          run->total = page->remaining >= 0
                       ? page->remaining + page->records->len + page->n_rejected : -1;
          run->first_fetch = FALSE;
          emit_progress (task);
        }
      run->more = page->has_more;
      run->since = page->next_since;
      if (page->records->len == 0 && page->n_rejected == 0)
        {
          /* Nothing new. Keeping the cursor where it is (rather than moving
           * it to server_rev) keeps this ETag valid, so the next check of an
           * unchanged feed is a 304 with no body and no write. */
          run->ready = write_op_new (run, self->store, WRITE_CHECKED);
          run->ready->etag = g_steal_pointer (&etag);
          run->more = FALSE;
        }
      else
        {
          run->ready = write_op_new (run, self->store, WRITE_PAGE);
          run->ready->page = g_steal_pointer (&page);
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
  gboolean stopping = run->error != NULL || run_cancelled (task);

  if (stopping)
    {
      /* Stop after the page being written; a page only fetched is dropped. */
      g_clear_pointer (&run->ready, write_op_free);
      run->more = FALSE;
    }
  if (!run->writing && run->ready != NULL)
    start_write (task, g_steal_pointer (&run->ready));
  else if (!run->writing && run->more && !stopping &&
           run->unstepped >= wh_store_get_build_step_rows (wh_sync_get_store (
             g_task_get_source_object (task))))
    {
      /* The writer would wait for the next page: it indexes some of the
       * rows a first pull wrote without (wh_store_build_indexes_step). */
      WhSync *self = g_task_get_source_object (task);

      run->unstepped = 0;
      start_write (task, write_op_new (run, self->store, WRITE_STEP));
    }
  if (!run->fetching && run->ready == NULL && run->more)
    start_fetch (task);
  if (!run->fetching && !run->writing && run->ready == NULL && !run->more && !stopping &&
      !run->built)
    {
      /* The pull is complete: rows it wrote without their indexes (a first
       * pull, see wh_store_build_indexes) are indexed now, and so are those
       * of a run that was killed before it got here. */
      WriteOp *op = write_op_new (run, wh_sync_get_store (g_task_get_source_object (task)),
                                  WRITE_BUILD);

      g_set_object (&op->cancellable, g_task_get_cancellable (task));
      run->built = TRUE;
      start_write (task, op);
      return;
    }
  if (!run->fetching && !run->writing && run->ready == NULL && !run->more)
    {
      WhSyncCollectionReport *cr = current_report (run);

      g_debug ("%s: %u pages, %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT
               " deleted, %" G_GUINT64_FORMAT " rejected%s%s%s", run->collection->name, cr->pages,
               cr->records, cr->deleted, cr->rejected, cr->not_modified ? ", not modified" : "",
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
          report_message (run->report,
                          g_strdup_printf (_("The server’s data was reset: “%s” is downloaded "
                                             "again."), run->collection->name));
        }
      run->since = op->state.next_since;
      run->etag = g_steal_pointer (&op->state.etag);
      run->more = TRUE;
    }
  g_object_unref (result);
  pump (task);
}

static void
next_collection (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  WhSyncCollectionReport cr = { 0, };
  GTask *state;
  StateOp *op;

  if (run->index >= run->collections->len || run->give_up || run_cancelled (task))
    {
      run_finish (task);
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
  run->unstepped = 0;
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

/* ---- Outbox -------------------------------------------------------------- */

static void replay_next (GTask *task);

typedef enum
{
  OUTBOX_PEEK,
  OUTBOX_REMOVE,
  OUTBOX_MARK_FAILED,
  OUTBOX_COUNT,
} OutboxOpKind;

typedef struct
{
  OutboxOpKind  kind;
  WhStore      *store;
  gint64        id;
  char         *message;
  GPtrArray    *entries;
  gint64        count;
} OutboxOp;

static void
outbox_op_free (OutboxOp *op)
{
  g_clear_object (&op->store);
  g_free (op->message);
  g_clear_pointer (&op->entries, g_ptr_array_unref);
  g_free (op);
}

static void
outbox_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  OutboxOp *op = task_data;
  GError *error = NULL;
  gboolean ok = TRUE;

  switch (op->kind)
    {
    case OUTBOX_PEEK:
      ok = (op->entries = wh_store_outbox_peek (op->store, OUTBOX_BATCH, &error)) != NULL;
      break;
    case OUTBOX_REMOVE:
      ok = wh_store_outbox_remove (op->store, op->id, &error);
      break;
    case OUTBOX_MARK_FAILED:
      ok = wh_store_outbox_mark_failed (op->store, op->id, op->message, &error);
      break;
    case OUTBOX_COUNT:
    default:
      ok = (op->count = wh_store_outbox_count (op->store, &error)) >= 0;
      break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
outbox_run (GTask              *task,
            OutboxOpKind        kind,
            gint64              id,
            const char         *message,
            GAsyncReadyCallback callback)
{
  WhSync *self = g_task_get_source_object (task);
  OutboxOp *op = g_new0 (OutboxOp, 1);
  GTask *sub = g_task_new (NULL, NULL, callback, task);

  op->kind = kind;
  op->store = g_object_ref (self->store);
  op->id = id;
  op->message = g_strdup (message);
  g_task_set_source_tag (sub, outbox_run);
  g_task_set_task_data (sub, op, (GDestroyNotify) outbox_op_free);
  g_task_run_in_thread (sub, outbox_thread);
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

  if (run->give_up || run->collections->len == 0 || run_cancelled (task))
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
 * GET /progress and /quiz-attempts, merged into the cache by the server's
 * own rules (wh_courses_merge_from_server) in a worker thread. Only with a
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

  if (wh_courses_merge_from_server (self->store, lists[0], lists[1], &error))
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
    report_message (run->report,
                    g_strdup_printf (_("Course progress from your other devices: %s"),
                                     error->message));
  g_clear_pointer (&run->progress, g_ptr_array_unref);
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
  g_free (lists);
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
  GPtrArray *attempts = wh_api_list_documents_finish (self->api, result, &error);
  g_autoptr(GTask) merge = NULL;
  GPtrArray **lists;

  if (attempts == NULL)
    {
      personal_failed (task, error);
      return;
    }
  lists = g_new0 (GPtrArray *, 2);
  lists[0] = g_steal_pointer (&run->progress);
  lists[1] = attempts;
  merge = g_task_new (self, NULL, personal_merged_cb, task);
  g_task_set_source_tag (merge, personal_attempts_cb);
  g_task_set_task_data (merge, lists, (GDestroyNotify) personal_lists_free);
  g_task_run_in_thread (merge, personal_merge_thread);
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

static void
pull_personal (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  gboolean courses = FALSE;

  for (guint i = 0; i < run->collections->len; i++)
    courses |= g_ptr_array_index (run->collections, i) == &wh_collection_courses;
  if (!courses || wh_api_get_token (self->api) == NULL || run_cancelled (task))
    {
      probe_server_rev (task);
      return;
    }
  wh_api_list_documents_async (self->api, &wh_collection_progress, g_task_get_cancellable (task),
                               personal_progress_cb, task);
}

static void
outbox_count_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    run->report->outbox_left = (guint) MIN (op->count, G_MAXUINT);
  g_object_unref (result);
  pull_personal (task);
}

static void
outbox_done (GTask *task)
{
  g_clear_pointer (&((Run *) g_task_get_task_data (task))->entries, g_ptr_array_unref);
  outbox_run (task, OUTBOX_COUNT, 0, NULL, outbox_count_cb);
}

static void
outbox_step_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Outbox: %s", error->message);
      if (run->first_error == NULL)
        run->first_error = error;
      else
        g_error_free (error);
      g_object_unref (result);
      outbox_done (task);
      return;
    }
  if (op->kind == OUTBOX_MARK_FAILED)
    {
      /* A transient failure: the rest waits for the next run, in order. */
      g_object_unref (result);
      outbox_done (task);
      return;
    }
  g_object_unref (result);
  run->entry_index++;
  replay_next (task);
}

/* Method and path of an entry, or FALSE for a kind this release cannot send. */
static gboolean
entry_request (const WhOutboxEntry *entry,
               const char         **method,
               char               **path)
{
  static const char * const kinds[] = { "progress", "quiz-attempts", "bookmarks",
                                        "station-reports" };
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    known |= g_strcmp0 (entry->kind, kinds[i]) == 0;
  if (!known || entry->key == NULL || entry->body == NULL)
    return FALSE;
  *method = strcmp (entry->body, "null") == 0 ? "DELETE" : "PUT";
  if (strcmp (*method, "DELETE") == 0 && strcmp (entry->kind, "bookmarks") != 0)
    return FALSE;
  *path = g_strconcat (entry->kind, "/", entry->key, NULL);
  return TRUE;
}

static void
replay_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  WhOutboxEntry *entry = g_ptr_array_index (run->entries, run->entry_index);
  g_autoptr(GError) error = NULL;
  guint status;

  if (wh_api_replay_finish (WH_API (object), result, &error))
    {
      run->report->outbox_sent++;
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      outbox_done (task);
      return;
    }
  status = wh_api_error_get_status (error);
  if (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429)
    {
      /* Refused for good: sending it again would fail again, and keeping it
       * would hold back every write queued after it. */
      run->report->outbox_dropped++;
      report_message (run->report, g_strdup_printf (_("A saved change (%s %s) was refused: %s"),
                                                    entry->kind, entry->key, error->message));
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (run->first_error == NULL)
    run->first_error = g_error_copy (error);
  /* Feeds need no token, so a 401 or a busy endpoint still lets the pull
   * go on; a server out of reach does not. */
  if (error_is_unreachable (error))
    run->give_up = TRUE;
  outbox_run (task, OUTBOX_MARK_FAILED, entry->id, error->message, outbox_step_cb);
}

static void outbox_peek (GTask *task);

static void
replay_next (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  WhOutboxEntry *entry;
  const char *method = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) body = NULL;

  if (run_cancelled (task))
    {
      outbox_done (task);
      return;
    }
  if (run->entry_index >= run->entries->len)
    {
      /* A full batch may have more behind it. */
      if (run->entries->len == OUTBOX_BATCH && run->entries_seen < OUTBOX_MAX_PER_RUN)
        outbox_peek (task);
      else
        outbox_done (task);
      return;
    }

  entry = g_ptr_array_index (run->entries, run->entry_index);
  run->entries_seen++;
  if (!entry_request (entry, &method, &path))
    {
      run->report->outbox_dropped++;
      report_message (run->report, g_strdup_printf (_("A saved change of an unknown kind (%s) "
                                                      "was dropped."), entry->kind));
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (strcmp (method, "PUT") == 0)
    body = g_bytes_new (entry->body, strlen (entry->body));
  wh_api_replay_async (self->api, method, path, body, g_task_get_cancellable (task), replay_cb,
                       task);
}

static void
outbox_peek_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (run->first_error == NULL)
        run->first_error = error;
      else
        g_error_free (error);
      g_object_unref (result);
      outbox_done (task);
      return;
    }
  g_clear_pointer (&run->entries, g_ptr_array_unref);
  run->entries = g_steal_pointer (&op->entries);
  run->entry_index = 0;
  g_object_unref (result);
  replay_next (task);
}

static void
outbox_peek (GTask *task)
{
  outbox_run (task, OUTBOX_PEEK, 0, NULL, outbox_peek_cb);
}

void
wh_sync_run_async (WhSync                     *self,
                   const WhCollection * const *collections,
                   guint                       n_collections,
                   GCancellable               *cancellable,
                   GAsyncReadyCallback         callback,
                   gpointer                    user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (WH_IS_SYNC (self));
  g_return_if_fail (collections != NULL || n_collections == 0);

  if (collections == NULL)
    collections = wh_schema_synced_collections (&n_collections);
  for (guint i = 0; i < n_collections; i++)
    g_return_if_fail (collections[i] != NULL && (collections[i]->flags & WH_COLLECTION_SYNCED));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_sync_run_async);
  /* The report is given even when the run is cancelled after it ended. */
  g_task_set_check_cancellable (task, FALSE);
  run = g_new0 (Run, 1);
  run->collections = g_ptr_array_new ();
  for (guint i = 0; i < n_collections; i++)
    g_ptr_array_add (run->collections, (gpointer) collections[i]);
  run->report = report_new ();
  run->server_rev = -1;
  g_task_set_task_data (task, run, run_free);

  /* The user's writes go first: they are small, and a long pull should not
   * keep them waiting. Without a token they wait for the next sign-in. */
  if (wh_api_get_token (self->api) != NULL)
    outbox_peek (task);
  else
    outbox_done (task);
}

gboolean
wh_sync_run_finish (WhSync        *self,
                    GAsyncResult  *result,
                    WhSyncReport **report,
                    GError       **error)
{
  Run *run;
  gboolean ok;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (WH_IS_SYNC (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  run = g_task_get_task_data (G_TASK (result));
  ok = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (report)
    *report = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
              ? NULL : g_steal_pointer (&run->report);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Background mode                                                           */

static void
background_run_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WhSync *self = WH_SYNC (object);
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;

  wh_sync_run_finish (self, result, &report, &error);
  if (error != NULL)
    g_debug ("Background sync: %s", error->message);
  self->running = FALSE;
  g_clear_object (&self->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, report, error);
  if (self->pending && self->started)
    {
      self->pending = FALSE;
      wh_sync_request_run (self);
    }
  else if (self->started)
    schedule_timer (self);
}

void
wh_sync_request_run (WhSync *self)
{
  g_return_if_fail (WH_IS_SYNC (self));

  if (self->running)
    {
      self->pending = TRUE;
      return;
    }
  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  /* The interval counts from the end of this run. */
  clear_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  wh_sync_run_async (self, NULL, 0, self->cancellable, background_run_cb, NULL);
}

static gboolean
timer_cb (gpointer user_data)
{
  WhSync *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  wh_sync_request_run (self);
  return G_SOURCE_REMOVE;
}

static void
clear_timer (WhSync *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

/* The next periodic run, an interval after the last one ended (or now, if
 * none runs): a first sync that takes longer than the interval is not
 * followed at once by another. */
static void
schedule_timer (WhSync *self)
{
  clear_timer (self);
  if (self->interval == 0 || self->running)
    return;
  self->timer = g_timeout_source_new_seconds (self->interval);
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    WhSync          *self)
{
  /* Only a hint: a run when the network seems to come back; whether it
   * really did, the run finds out. */
  if (available && !self->network_available)
    wh_sync_request_run (self);
  self->network_available = available;
}

void
wh_sync_start (WhSync *self)
{
  g_return_if_fail (WH_IS_SYNC (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  self->network_changed_id = g_signal_connect (self->monitor, "network-changed",
                                               G_CALLBACK (network_changed_cb), self);
  schedule_timer (self);
  wh_sync_request_run (self);
}

void
wh_sync_stop (WhSync *self)
{
  g_return_if_fail (WH_IS_SYNC (self));

  self->started = FALSE;
  self->pending = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  clear_timer (self);
  if (self->monitor != NULL)
    {
      g_clear_signal_handler (&self->network_changed_id, self->monitor);
      g_clear_object (&self->monitor);
    }
  g_clear_pointer (&self->context, g_main_context_unref);
}

/* ------------------------------------------------------------------------ */
/* Queueing writes                                                           */

static gboolean
key_is_path_safe (const char *key)
{
  if (key == NULL || *key == '\0' || strlen (key) > 64)
    return FALSE;
  for (const char *p = key; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
wh_sync_describe_record (const WhRecord  *record,
                         const char     **kind_out,
                         char           **key_out,
                         char           **body_out,
                         GError         **error)
{
  const WhCollection *c;
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (record != NULL, FALSE);

  c = record->collection;
  if (c == &wh_collection_progress)
    {
      kind = "progress";
      key = g_strdup_printf ("%" G_GINT64_FORMAT, wh_record_get_int (record, "lesson_id"));
    }
  else if (c == &wh_collection_quiz_attempts)
    {
      kind = "quiz-attempts";
      key = g_strdup (wh_record_get_text (record, "attempt_id"));
    }
  else if (c == &wh_collection_bookmarks)
    {
      kind = "bookmarks";
      key = g_strdup_printf ("%" G_GINT64_FORMAT, wh_record_get_int (record, "job_id"));
    }
  else if (c == &wh_collection_station_reports)
    {
      kind = "station-reports";
      key = g_strdup (wh_record_get_text (record, "report_id"));
    }
  else
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("A %s record cannot be sent to the server."), c->name);
      return FALSE;
    }
  if (!key_is_path_safe (key))
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The identifier “%s” cannot be sent to the server."), key ? key : "");
      return FALSE;
    }
  body = wh_record_to_string (record);
  if (strlen (body) > WH_MAX_REQUEST_BODY)
    {
      g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                           _("The change is too large to send."));
      return FALSE;
    }
  *kind_out = kind;
  *key_out = g_steal_pointer (&key);
  *body_out = g_steal_pointer (&body);
  return TRUE;
}

gboolean
wh_sync_queue_record (WhStore        *store,
                      const WhRecord *record,
                      GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (!wh_sync_describe_record (record, &kind, &key, &body, error))
    return FALSE;
  return wh_store_outbox_add (store, kind, key, body, error) > 0;
}

gboolean
wh_sync_save_bookmark (WhStore        *store,
                       const WhRecord *bookmark,
                       GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (bookmark != NULL, FALSE);
  g_return_val_if_fail (bookmark->collection == &wh_collection_bookmarks, FALSE);

  if (!wh_sync_describe_record (bookmark, &kind, &key, &body, error))
    return FALSE;
  return wh_store_write_bookmark (store, wh_record_get_int (bookmark, "job_id"), bookmark, kind,
                                  key, body, error);
}

gboolean
wh_sync_remove_bookmark (WhStore *store,
                         gint64   job_id,
                         GError **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);

  key = g_strdup_printf ("%" G_GINT64_FORMAT, job_id);
  return wh_store_write_bookmark (store, job_id, NULL, "bookmarks", key, "null", error);
}

gboolean
wh_sync_queue_bookmark_removal (WhStore *store,
                                gint64   job_id,
                                GError **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);

  key = g_strdup_printf ("%" G_GINT64_FORMAT, job_id);
  return wh_store_outbox_add (store, "bookmarks", key, "null", error) > 0;
}
