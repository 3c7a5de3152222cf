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

  /* Settings */
  WhStore      *store;
  gboolean      follows_setting; /* the backend is the backend-url setting */
  gboolean      allow_insecure;

  /* State */
  gboolean      attached;    /* the cache was read and the sync started */
  gboolean      first_run;   /* nothing cached: show the progress page */
  gboolean      offline;     /* the last run found the server out of reach */
  guint         backend;     /* counts the backends set: a read for an
                              * earlier one is dropped */
  gint64        last_synced; /* the newest check of any feed, as last read */
};

G_DEFINE_FINAL_TYPE (WhAppSync, wh_app_sync, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_API,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
  guint      backend;
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
  read->backend = self->backend;
  wh_store_get_sync_summary_async (self->store, self->cancellable, summary_read_cb, read);
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

/* A collection's records, or first the region snapshot it starts from (a
 * download of minutes on a slow network: its bytes fill the collection's
 * share of the bar, then the check and the copy keep it full). */
static void
progress_cb (WhSync      *sync,
             const char  *collection,
             WhSyncPhase  phase,
             gint64       done,
             gint64       total,
             WhAppSync   *self)
{
  g_autofree char *detail = NULL;
  double fraction;

  if (self->window == NULL)
    return;
  switch (phase)
    {
    case WH_SYNC_PHASE_DOWNLOADING:
      fraction = total > 0 ? run_fraction (collection, done, total) : -1;
      detail = total > 0
        ? g_strdup_printf (_("Downloading the region’s data: %.1f of %.1f MB"),
                           (double) done / 1e6, (double) total / 1e6)
        : g_strdup_printf (_("Downloading the region’s data: %.1f MB"), (double) done / 1e6);
      break;
    case WH_SYNC_PHASE_CHECKING:
      fraction = run_fraction (collection, 1, 1);
      detail = g_strdup (_("Checking the downloaded data…"));
      break;
    case WH_SYNC_PHASE_COPYING:
      fraction = run_fraction (collection, 1, 1);
      detail = g_strdup (_("Saving the downloaded data…"));
      break;
    case WH_SYNC_PHASE_INDEXING:
      fraction = run_fraction (collection, 1, 1);
      detail = g_strdup (_("Getting search ready…"));
      break;
    case WH_SYNC_PHASE_RECORDS:
    default:
      fraction = run_fraction (collection, done, total);
      detail = g_strdup (collection_label (collection));
      break;
    }
  wh_sync_status_update (wh_window_get_sync_status (self->window), WH_SYNC_STATUS_SYNCING,
                         fraction, self->last_synced);
  if (self->first_run)
    wh_window_show_first_run (self->window, TRUE, fraction, detail);
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
  gboolean was_offline = self->offline;

  self->offline = error != NULL && is_offline_error (error);
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
      /* The engine retries by itself while out of reach: the status says
       * so, a toast only the first time. */
      if (!(was_offline && is_offline_error (error)))
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
  if (read->backend != self->backend)
    return;
  /* An empty cache has nothing fresh to show, whenever it was checked. */
  self->last_synced = empty ? 0 : last;
  if (read->what == SUMMARY_FINISHED)
    {
      if (self->window != NULL)
        show_finished (self, read->error, read->report, empty);
      return;
    }

  /* Attached: known before the first run starts, so that run shows the
   * first-run page from its start if nothing is cached. */
  self->first_run = empty;
  if (self->sync == NULL)
    {
      /* No backend: what is saved stays, and the way to set one up. */
      if (self->window != NULL)
        {
          wh_sync_status_update (wh_window_get_sync_status (self->window),
                                 WH_SYNC_STATUS_NO_BACKEND, 0, self->last_synced);
          wh_window_show_no_backend (self->window, empty);
        }
      return;
    }
  if (self->window != NULL)
    {
      wh_sync_status_update (wh_window_get_sync_status (self->window), WH_SYNC_STATUS_IDLE, 0,
                             self->last_synced);
      /* What is saved shows at once; an empty cache waits for the run's
       * progress page, which follows before the next frame. */
      if (!empty)
        wh_window_show_first_run (self->window, FALSE, 1, NULL);
    }
  /* A run now, then on the interval and when the network comes back. */
  if (self->attached)
    wh_sync_request_run (self->sync);
  else
    wh_sync_start (self->sync);
  self->attached = TRUE;
}

void
wh_app_sync_run (WhAppSync *self)
{
  g_return_if_fail (WH_IS_APP_SYNC (self));

  if (self->sync == NULL)
    {
      if (self->window != NULL)
        wh_window_toast (self->window, wh_window_get_kiosk (self->window)
                                         ? _("This kiosk is not connected to the union’s server. "
                                             "Please tell the station staff.")
                                         : _("No union server is set. Set one up in Preferences."),
                         FALSE);
      return;
    }
  /* Before attaching has read the cache, the run it starts is soon. */
  if (self->attached)
    wh_sync_request_run (self->sync);
}

void
wh_app_sync_reload (WhAppSync *self)
{
  g_return_if_fail (WH_IS_APP_SYNC (self));

  /* Read the cache again (cleared, it shows the first-run page), then a
   * run at once. */
  if (self->window != NULL && (self->attached || self->sync == NULL))
    read_summary (self, SUMMARY_ATTACH, NULL, FALSE);
}

/* Drops the engine of the last backend, if any, and makes one for url
 * (NULL or empty: none). */
static gboolean
set_backend (WhAppSync  *self,
             const char *url,
             GError    **error)
{
  g_autoptr(WhApi) api = NULL;

  if (self->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      wh_sync_stop (self->sync);
      g_clear_object (&self->sync);
    }
  self->attached = FALSE;
  self->offline = FALSE;
  self->backend++;
  if (url != NULL && *url != '\0')
    {
      api = wh_api_new (url, error);
      if (api == NULL)
        {
          g_clear_object (&self->api);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API]);
          return FALSE;
        }
      wh_api_set_allow_insecure (api, self->allow_insecure);
      self->sync = wh_sync_new (api, self->store);
      /* A worker's jobs are their city's: a move leaves none behind that no
       * feed keeps current (bookmarked ones stay). */
      wh_sync_set_forget_other_regions (self->sync, TRUE);
      g_signal_connect (self->sync, "notify::running", G_CALLBACK (running_cb), self);
      g_signal_connect (self->sync, "phase-progress", G_CALLBACK (progress_cb), self);
      g_signal_connect (self->sync, "finished", G_CALLBACK (finished_cb), self);
      if (self->settings != NULL)
        {
          wh_sync_set_region (self->sync, g_settings_get_int (self->settings, "region-city"));
          wh_sync_set_interval (self->sync,
                                g_settings_get_uint (self->settings, "sync-interval") * 60);
        }
    }
  if (g_set_object (&self->api, api))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API]);
  return TRUE;
}

/* The backend-url setting, as it is now: a new engine, the cache read
 * again, and a run at once. */
static void
follow_setting (WhAppSync *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strstrip (g_settings_get_string (self->settings, "backend-url"));

  if (!set_backend (self, url, &error) && self->window != NULL)
    wh_window_toast (self->window, error->message, FALSE);
  if (self->window != NULL)
    read_summary (self, SUMMARY_ATTACH, NULL, FALSE);
}

static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     WhAppSync  *self)
{
  if (g_strcmp0 (key, "backend-url") == 0)
    {
      if (self->follows_setting)
        follow_setting (self);
    }
  else if (self->sync == NULL)
    return;
  else if (g_strcmp0 (key, "sync-interval") == 0)
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
  if (self->follows_setting)
    {
      follow_setting (self);
      return;
    }
  if (self->sync != NULL)
    {
      wh_sync_set_region (self->sync, g_settings_get_int (settings, "region-city"));
      wh_sync_set_interval (self->sync, g_settings_get_uint (settings, "sync-interval") * 60);
    }
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
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wh_app_sync_parent_class)->finalize (object);
}

static void
wh_app_sync_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_API:
      g_value_set_object (value, WH_APP_SYNC (object)->api);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_app_sync_class_init (WhAppSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wh_app_sync_dispose;
  G_OBJECT_CLASS (klass)->finalize = wh_app_sync_finalize;
  G_OBJECT_CLASS (klass)->get_property = wh_app_sync_get_property;
  /* The client of the backend; NULL when none is set. Changes when the
   * backend-url setting it follows does. */
  properties[PROP_API] =
    g_param_spec_object ("api", NULL, NULL, WH_TYPE_API,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), N_PROPS, properties);
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

  self = g_object_new (WH_TYPE_APP_SYNC, NULL);
  self->store = g_object_ref (store);
  self->allow_insecure = allow_insecure;
  self->follows_setting = base_url == NULL;
  if (base_url != NULL && (*base_url == '\0' || !set_backend (self, base_url, error)))
    {
      if (*base_url == '\0')
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("No union server is set."));
      return NULL;
    }
  return g_steal_pointer (&self);
}
