/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "wh-sync-private.h"

#define DEFAULT_PAGE_LIMIT   1000
#define DEFAULT_INTERVAL     (15 * 60)
/* While the server is out of reach: a retry after 30 s, then 1, 2, 4 …
 * minutes, never more than 10 apart, so a server back after a short outage
 * is found within a minute or so without a click, and a long one costs a
 * request every 10 minutes. */
#define DEFAULT_RETRY_BASE_MS (30 * 1000)
#define DEFAULT_RETRY_MAX_MS  (10 * 60 * 1000)
#define MAX_MESSAGES         200
/* What one run takes from the changes feeds before it stops: a hostile
 * server can answer has_more for ever (one filled 575 MB in 30 s). Above
 * the national scale (README.md): 2.7 M jobs of about 940 bytes of JSON,
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

void
wh_sync_report_message (WhSyncReport *report,
                char         *message)
{
  if (report->messages->len < MAX_MESSAGES)
    g_ptr_array_add (report->messages, message);
  else
    g_free (message);
}

G_DEFINE_FINAL_TYPE (WhSync, wh_sync, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (WhSyncPhase, wh_sync_phase,
                    G_DEFINE_ENUM_VALUE (WH_SYNC_PHASE_RECORDS, "records"),
                    G_DEFINE_ENUM_VALUE (WH_SYNC_PHASE_DOWNLOADING, "downloading"),
                    G_DEFINE_ENUM_VALUE (WH_SYNC_PHASE_CHECKING, "checking"),
                    G_DEFINE_ENUM_VALUE (WH_SYNC_PHASE_COPYING, "copying"),
                    G_DEFINE_ENUM_VALUE (WH_SYNC_PHASE_INDEXING, "indexing"))

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
  PROP_RETRY_BASE_MS,
  PROP_RETRY_MAX_MS,
  PROP_OFFLINE,
  N_PROPS
};

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_PHASE_PROGRESS,
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
    case PROP_RETRY_BASE_MS:
      g_value_set_uint (value, self->retry_base_ms);
      break;
    case PROP_RETRY_MAX_MS:
      g_value_set_uint (value, self->retry_max_ms);
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->retry_ms > 0);
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
    case PROP_RETRY_BASE_MS:
      self->retry_base_ms = g_value_get_uint (value);
      break;
    case PROP_RETRY_MAX_MS:
      self->retry_max_ms = g_value_get_uint (value);
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
  /* The first wait before a background run is tried again after the server
   * could not be reached, doubled after each such run up to the most
   * (milliseconds; tests shorten them). */
  properties[PROP_RETRY_BASE_MS] =
    g_param_spec_uint ("retry-base-ms", NULL, NULL, 1, G_MAXUINT, DEFAULT_RETRY_BASE_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_MAX_MS] =
    g_param_spec_uint ("retry-max-ms", NULL, NULL, 1, G_MAXUINT, DEFAULT_RETRY_MAX_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* The last background run could not reach the server: retrying. */
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (collection name, records done, estimated total or -1) after each page. */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64);
  /* (collection name, WhSyncPhase, done, total or -1): ::progress's records
   * and what comes before them (wh-sync.h). A signal of its own, so that
   * ::progress keeps meaning records for its listeners. */
  signals[SIGNAL_PHASE_PROGRESS] =
    g_signal_new ("phase-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, WH_TYPE_SYNC_PHASE, G_TYPE_INT64,
                  G_TYPE_INT64);
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
  self->use_snapshots = TRUE;
  self->interval = DEFAULT_INTERVAL;
  self->max_records = DEFAULT_MAX_RECORDS;
  self->max_total_records = DEFAULT_MAX_TOTAL_RECORDS;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->retry_base_ms = DEFAULT_RETRY_BASE_MS;
  self->retry_max_ms = DEFAULT_RETRY_MAX_MS;
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

void
wh_sync_set_use_snapshots (WhSync  *self,
                           gboolean use)
{
  g_return_if_fail (WH_IS_SYNC (self));
  self->use_snapshots = use;
}

void
wh_sync_set_forget_other_regions (WhSync  *self,
                                  gboolean forget)
{
  g_return_if_fail (WH_IS_SYNC (self));
  self->forget_other_regions = forget;
}

gboolean
wh_sync_get_forget_other_regions (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), FALSE);
  return self->forget_other_regions;
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

gboolean
wh_sync_get_offline (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), FALSE);
  return self->retry_ms > 0;
}

guint
wh_sync_get_retry_delay (WhSync *self)
{
  g_return_val_if_fail (WH_IS_SYNC (self), 0);
  return self->retry_ms;
}

/* ------------------------------------------------------------------------ */
/* One run                                                                   */

static void
run_free (gpointer data)
{
  Run *run = data;

  g_ptr_array_unref (run->collections);
  g_clear_pointer (&run->report, wh_sync_report_free);
  g_clear_error (&run->first_error);
  g_clear_pointer (&run->entries, g_ptr_array_unref);
  g_clear_pointer (&run->progress, g_ptr_array_unref);
  g_clear_pointer (&run->attempts, g_ptr_array_unref);
  g_free (run->region);
  g_free (run->etag);
  g_queue_clear_full (&run->ready, (GDestroyNotify) wh_sync_write_op_free);
  g_clear_error (&run->error);
  g_free (run);
}

gboolean
wh_sync_run_cancelled (GTask *task)
{
  return g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

void
wh_sync_run_end (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->report->finished_us = g_get_monotonic_time ();
  if (wh_sync_run_cancelled (task))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("The update was cancelled."));
  else if (run->first_error != NULL)
    g_task_return_error (task, g_error_copy (run->first_error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
wh_sync_emit_progress (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, run->collection->name, run->done,
                 run->total);
  wh_sync_emit_phase (task, WH_SYNC_PHASE_RECORDS, run->done, run->total);
}

void
wh_sync_emit_phase (GTask       *task,
                    WhSyncPhase  phase,
                    gint64       done,
                    gint64       total)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  g_signal_emit (self, signals[SIGNAL_PHASE_PROGRESS], 0, run->collection->name, phase, done,
                 total);
}

/* The server cannot be reached at all (or not safely): every request after
 * this one would fail the same way, each after its own round of retries. */
gboolean
wh_sync_error_is_unreachable (const GError *error)
{
  return g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NETWORK) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TLS) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_INSECURE) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_REDIRECT);
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
   * keep them waiting. Without a token, those that need one wait for the
   * next sign-in; station reports, which need none, go (wh-sync-outbox.c). */
  run->signed_out = wh_api_get_token (self->api) == NULL;
  wh_sync_outbox_peek (task);
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
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gboolean was_offline = self->retry_ms > 0;

      /* Out of reach: the next try comes sooner than the interval, each
       * wait twice the last; any answer from the server ends the backoff. */
      if (error != NULL && wh_sync_error_is_unreachable (error))
        self->retry_ms = was_offline ? MIN ((guint64) self->retry_ms * 2, self->retry_max_ms)
                                     : MIN (self->retry_base_ms, self->retry_max_ms);
      else
        self->retry_ms = 0;
      if (was_offline != (self->retry_ms > 0))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
    }
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
 * followed at once by another. While the server is out of reach, the
 * backoff's wait instead when it is shorter. */
static void
schedule_timer (WhSync *self)
{
  clear_timer (self);
  if (self->running)
    return;
  if (self->retry_ms > 0 && (self->interval == 0 || self->retry_ms / 1000 < self->interval))
    self->timer = g_timeout_source_new (self->retry_ms);
  else if (self->interval > 0)
    self->timer = g_timeout_source_new_seconds (self->interval);
  else
    return;
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    WhSync          *self)
{
  /* Only a hint: a run when the network seems to come back, or changes at
   * all while the server is out of reach (another Wi-Fi, a VPN); whether
   * it really did, the run finds out. */
  if (available && (!self->network_available || self->retry_ms > 0))
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
