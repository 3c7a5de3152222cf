/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-app-sync"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-app-sync.h"
#include "wh-sync.h"

struct _WhAppSync
{
  GObject parent_instance;

  /* Owned references */
  WhApi        *api;
  WhSync       *sync;
  GSettings    *settings;
  GCancellable *cancellable;

  /* Weak */
  WhWindow     *window;

  /* State */
  gboolean      attached;    /* the cache was read and the sync started */
  gboolean      first_run;   /* nothing cached: show the progress page */
  gint64        last_synced; /* the newest check of any feed, as last read */
};

G_DEFINE_FINAL_TYPE (WhAppSync, wh_app_sync, G_TYPE_OBJECT)

WhApi *
wh_app_sync_get_api (WhAppSync *self)
{
  g_return_val_if_fail (WH_IS_APP_SYNC (self), NULL);

  return self->api;
}

static const char *
collection_label (const char *name)
{
  static const struct { const char *name; const char *label; } labels[] = {
    { "categories", N_("Downloading course categories…") },
    { "courses", N_("Downloading courses…") },
    { "lessons", N_("Downloading lessons…") },
    { "questions", N_("Downloading practice questions…") },
    { "employers", N_("Downloading employers…") },
    { "jobs", N_("Downloading jobs…") },
    { "fairs", N_("Downloading job fairs…") },
    { "stations", N_("Downloading stations…") },
    { "merchants", N_("Downloading love-meal merchants…") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (labels[i].name, name) == 0)
      return _(labels[i].label);
  return _("Downloading…");
}

/* What a read of the store's sync summary was queued for. */
typedef enum
{
  SUMMARY_ATTACH,   /* before the first run: is the cache empty? */
  SUMMARY_FINISHED, /* a run ended */
} SummaryFor;

typedef struct
{
  WhAppSync *self;   /* owned */
  SummaryFor what;
  GError    *error;  /* SUMMARY_FINISHED: how the run ended, or NULL */
  gboolean   report; /* SUMMARY_FINISHED: the run reported what it did */
} SummaryRead;

static void
summary_read_free (SummaryRead *read)
{
  g_clear_object (&read->self);
  g_clear_error (&read->error);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SummaryRead, summary_read_free)

static void summary_read_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

/* Reads the store on its ordered queue, after every write so far: whether
 * anything is cached and the newest check of any feed (which survives a
 * restart). Never on the main thread. */
static void
read_summary (WhAppSync    *self,
              SummaryFor    what,
              const GError *error,
              gboolean      report)
{
  SummaryRead *read = g_new0 (SummaryRead, 1);

  read->self = g_object_ref (self);
  read->what = what;
  read->error = error ? g_error_copy (error) : NULL;
  read->report = report;
  wh_store_get_sync_summary_async (wh_sync_get_store (self->sync), self->cancellable,
                                   summary_read_cb, read);
}

static void
running_cb (WhSync     *sync,
            GParamSpec *pspec,
            WhAppSync  *self)
{
  if (self->window == NULL || !wh_sync_get_running (sync))
    return;
  wh_sync_status_update (wh_window_get_sync_status (self->window), WH_SYNC_STATUS_SYNCING, -1,
                         self->last_synced);
  if (self->first_run)
    wh_window_show_first_run (self->window, TRUE, -1, _("Connecting…"));
}

/* Progress comes per collection; the bar shows the whole run, each
 * collection an equal share of it. */
static double
run_fraction (const char *collection,
              gint64      done,
              gint64      total)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);
  double part = total > 0 ? CLAMP ((double) done / (double) total, 0, 1) : 0;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (collections[i]->name, collection) == 0)
      return (i + part) / n;
  return -1;
}

static void
progress_cb (WhSync     *sync,
             const char *collection,
             gint64      done,
             gint64      total,
             WhAppSync  *self)
{
  double fraction = run_fraction (collection, done, total);

  if (self->window == NULL)
    return;
  wh_sync_status_update (wh_window_get_sync_status (self->window), WH_SYNC_STATUS_SYNCING,
                         fraction, self->last_synced);
  if (self->first_run)
    wh_window_show_first_run (self->window, TRUE, fraction, collection_label (collection));
}

static gboolean
is_offline_error (const GError *error)
{
  return g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NETWORK) ||
         g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT);
}

static void
finished_cb (WhSync       *sync,
             WhSyncReport *report,
             const GError *error,
             WhAppSync    *self)
{
  if (self->window != NULL)
    read_summary (self, SUMMARY_FINISHED, error, report != NULL);
}

/* A run ended (finished_cb), the store read since: empty, whether nothing
 * is cached. */
static void
show_finished (WhAppSync    *self,
               const GError *error,
               gboolean      report,
               gboolean      empty)
{
  WhSyncStatus *status = wh_window_get_sync_status (self->window);

  if (error == NULL)
    {
      wh_sync_status_update (status, WH_SYNC_STATUS_IDLE, 0, self->last_synced);
      wh_window_show_first_run (self->window, FALSE, 1, NULL);
      self->first_run = FALSE;
      return;
    }
  if (!report || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      wh_sync_status_update (status, WH_SYNC_STATUS_IDLE, 0, self->last_synced);
      return;
    }

  wh_sync_status_update (status, is_offline_error (error) ? WH_SYNC_STATUS_OFFLINE
                                                          : WH_SYNC_STATUS_ERROR,
                         0, self->last_synced);
  /* What was saved stays on screen; only an empty cache has nothing to
   * show but the reason and a way to try again. */
  self->first_run = empty;
  if (empty)
    wh_window_first_run_failed (self->window, error->message);
  else
    {
      wh_window_show_first_run (self->window, FALSE, 1, NULL);
      wh_window_toast (self->window, error->message, TRUE);
    }
}

static void
summary_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SummaryRead) read = user_data;
  WhAppSync *self = read->self;
  g_autoptr(GError) error = NULL;
  gboolean empty = TRUE;
  gint64 last = 0;

  /* A read that failed counts as an empty cache that never synced. */
  if (!wh_store_get_sync_summary_finish (WH_STORE (source), result, &empty, &last, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not read the cache's sync state: %s", error->message);
    }
  self->last_synced = last;
  if (read->what == SUMMARY_FINISHED)
    {
      if (self->window != NULL)
        show_finished (self, read->error, read->report, empty);
      return;
    }

  /* Attached: known before the first run starts, so that run shows the
   * first-run page from its start if nothing is cached. */
  self->first_run = empty;
  self->attached = TRUE;
  if (self->window != NULL)
    wh_sync_status_update (wh_window_get_sync_status (self->window), WH_SYNC_STATUS_IDLE, 0,
                           last);
  /* A run now, then on the interval and when the network comes back. */
  wh_sync_start (self->sync);
}

void
wh_app_sync_run (WhAppSync *self)
{
  g_return_if_fail (WH_IS_APP_SYNC (self));

  /* Before attaching has read the cache, the run it starts is soon. */
  if (self->attached)
    wh_sync_request_run (self->sync);
}

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     WhAppSync  *self)
{
  if (g_strcmp0 (key, "sync-interval") == 0)
    wh_sync_set_interval (self->sync, g_settings_get_uint (settings, "sync-interval") * 60);
  else if (g_strcmp0 (key, "region-city") == 0)
    {
      wh_sync_set_region (self->sync, g_settings_get_int (settings, "region-city"));
      wh_app_sync_run (self);
    }
}

void
wh_app_sync_attach (WhAppSync *self,
                    WhWindow  *window,
                    GSettings *settings)
{
  g_return_if_fail (WH_IS_APP_SYNC (self));
  g_return_if_fail (WH_IS_WINDOW (window));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_weak_pointer (&self->window, window);
  g_set_object (&self->settings, settings);
  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  wh_sync_set_region (self->sync, g_settings_get_int (settings, "region-city"));
  wh_sync_set_interval (self->sync, g_settings_get_uint (settings, "sync-interval") * 60);
  read_summary (self, SUMMARY_ATTACH, NULL, FALSE);
}

static void
wh_app_sync_dispose (GObject *object)
{
  WhAppSync *self = WH_APP_SYNC (object);

  g_cancellable_cancel (self->cancellable);
  if (self->sync)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      wh_sync_stop (self->sync);
    }
  g_clear_weak_pointer (&self->window);
  G_OBJECT_CLASS (wh_app_sync_parent_class)->dispose (object);
}

static void
wh_app_sync_finalize (GObject *object)
{
  WhAppSync *self = WH_APP_SYNC (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->api);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wh_app_sync_parent_class)->finalize (object);
}

static void
wh_app_sync_class_init (WhAppSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wh_app_sync_dispose;
  G_OBJECT_CLASS (klass)->finalize = wh_app_sync_finalize;
}

static void
wh_app_sync_init (WhAppSync *self)
{
  self->cancellable = g_cancellable_new ();
}

WhAppSync *
wh_app_sync_new (WhStore    *store,
                 const char *base_url,
                 gboolean    allow_insecure,
                 GError    **error)
{
  g_autoptr(WhAppSync) self = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (WH_TYPE_APP_SYNC, NULL);
  self->api = wh_api_new (base_url, error);
  if (self->api == NULL)
    return NULL;
  wh_api_set_allow_insecure (self->api, allow_insecure);
  self->sync = wh_sync_new (self->api, store);
  g_signal_connect (self->sync, "notify::running", G_CALLBACK (running_cb), self);
  g_signal_connect (self->sync, "progress", G_CALLBACK (progress_cb), self);
  g_signal_connect (self->sync, "finished", G_CALLBACK (finished_cb), self);
  return g_steal_pointer (&self);
}
