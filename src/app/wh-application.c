/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-app"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-application.h"
#include "counter/wh-counter-window.h"
#include "wh-demo.h"
#include "wh-preferences-window.h"
#include "wh-window.h"
#include "wh-app-sync.h"

struct _WhApplication
{
  AdwApplication parent_instance;

  /* Options */
  gboolean      demo;
  gboolean      kiosk;
  gboolean      counter;
  char         *server_url;
  char         *cache_path;

  /* Owned references */
  GSettings    *settings;
  WhStore      *store;
  WhDemoServer *demo_server;
  WhAppSync    *sync;
  WhContext    *context;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (WhApplication, wh_application, ADW_TYPE_APPLICATION)

static WhWindow *
get_window (WhApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  return WH_IS_WINDOW (window) ? WH_WINDOW (window) : NULL;
}

WhStore *
wh_application_get_store (WhApplication *self)
{
  g_return_val_if_fail (WH_IS_APPLICATION (self), NULL);

  return self->store;
}

void
wh_application_sync_now (WhApplication *self)
{
  g_return_if_fail (WH_IS_APPLICATION (self));

  if (self->sync)
    wh_app_sync_run (self->sync);
}

/* ---- Start-up: open the cache off the main thread, then the backend ----- */

static void
api_changed_cb (WhAppSync     *sync,
                GParamSpec    *pspec,
                WhApplication *self)
{
  wh_context_set_api (self->context, wh_app_sync_get_api (sync));
}

/* url: the backend for this run (--server, the demo), or NULL for the
 * backend-url setting, which WhAppSync follows as it changes. */
static void
backend_ready (WhApplication *self,
               const char    *url)
{
  g_autoptr(GError) error = NULL;
  WhWindow *window = get_window (self);

  if (self->store == NULL || window == NULL)
    return;
  g_clear_object (&self->sync);
  self->sync = wh_app_sync_new (self->store, url,
                                g_settings_get_boolean (self->settings, "allow-insecure"),
                                &error);
  if (self->sync == NULL)
    {
      wh_window_show_first_run (window, FALSE, 1, NULL);
      wh_window_toast (window, error->message, FALSE);
      return;
    }
  g_signal_connect_object (self->sync, "notify::api", G_CALLBACK (api_changed_cb), self, 0);
  wh_app_sync_attach (self->sync, window, self->settings);
  wh_context_set_api (self->context, wh_app_sync_get_api (self->sync));
}

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WhApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = wh_demo_server_start_finish (WH_DEMO_SERVER (source), result, &error);
  WhWindow *window = get_window (self);

  if (url == NULL)
    {
      if (window && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wh_window_first_run_failed (window, error->message);
      return;
    }
  g_debug ("Demo backend at %s", url);
  backend_ready (self, url);
}

/* The first-run page is shown (on an empty cache) before the demo backend
 * starts, so its own progress comes after it. */
static void
demo_courses_counted_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(WhApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 n = wh_store_count_finish (WH_STORE (source), result, &error);
  g_autofree char *dir = NULL;
  WhWindow *window = get_window (self);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (window)
    wh_window_show_first_run (window, n <= 0, -1, _("Starting the demo backend…"));
  dir = g_build_filename (g_get_user_data_dir (), "workers-home", "demo", NULL);
  self->demo_server = wh_demo_server_new (dir);
  wh_demo_server_start_async (self->demo_server, self->cancellable, demo_started_cb,
                              g_object_ref (self));
}

static void
start_backend (WhApplication *self)
{
  if (self->demo)
    {
      wh_store_count_async (self->store, &wh_collection_courses, self->cancellable,
                            demo_courses_counted_cb, g_object_ref (self));
      return;
    }
  backend_ready (self, self->server_url);
}

static void
open_store_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  WhStore *store = wh_store_open (task_data, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

static void
store_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhApplication *self = WH_APPLICATION (source);
  g_autoptr(GError) error = NULL;
  WhStore *store = g_task_propagate_pointer (G_TASK (result), &error);
  WhWindow *window = get_window (self);

  if (store == NULL)
    {
      g_warning ("Cannot open the cache: %s", error->message);
      if (window)
        wh_window_first_run_failed (window, error->message);
      return;
    }
  self->store = store;
  wh_context_set_store (self->context, store);
  start_backend (self);
}

/* ---- Actions ------------------------------------------------------------- */

static void
sync_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  wh_application_sync_now (WH_APPLICATION (user_data));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  WhApplication *self = WH_APPLICATION (user_data);
  WhPreferencesWindow *preferences = wh_preferences_window_new (self->settings, self->store);

  /* Emptied, the cache is downloaded again at once. */
  if (self->sync != NULL)
    g_signal_connect_object (preferences, "cleared", G_CALLBACK (wh_app_sync_reload), self->sync,
                             G_CONNECT_SWAPPED);
  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  WhApplication *self = WH_APPLICATION (user_data);
  static const char *developers[] = { "Workers' Home developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", _("Workers' Home"),
                         "application-icon", APP_ID,
                         "developer-name", _("Workers' Home developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Courses, jobs, outdoor-worker stations and love meals "
                                       "from your trade union, also without a network."),
                         "developers", developers,
                         /* Translators: put your names here, one per line */
                         "translator-credits", _("translator-credits"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "sync", sync_action },
};

/* None of these on a kiosk: strangers must not quit it or change it. */
static const GActionEntry desktop_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
};

/* ---- GApplication ------------------------------------------------------- */

static void
wh_application_activate (GApplication *app)
{
  WhApplication *self = WH_APPLICATION (app);
  WhWindow *window = get_window (self);
  g_autoptr(GTask) task = NULL;

  if (self->counter)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
      g_autofree char *path = NULL;

      if (active == NULL)
        {
          /* The counter's own database, never the worker's cache. */
          if (self->cache_path)
            path = g_strdup (self->cache_path);
          else
            path = g_build_filename (g_get_user_data_dir (), "workers-home", "counter.db", NULL);
          active = GTK_WINDOW (wh_counter_window_new (GTK_APPLICATION (self), path,
                                                      self->server_url));
        }
      gtk_window_present (active);
      return;
    }
  if (window != NULL)
    {
      gtk_window_present (GTK_WINDOW (window));
      return;
    }
  window = wh_window_new (ADW_APPLICATION (self));
  wh_window_set_context (window, self->context);
  /* Until the cache is read: no empty lists flashing before the first-run
   * page. */
  wh_window_show_loading (window);
  gtk_window_present (GTK_WINDOW (window));

  task = g_task_new (self, self->cancellable, store_opened_cb, NULL);
  g_task_set_source_tag (task, wh_application_activate);
  g_task_set_task_data (task, self->cache_path ? g_strdup (self->cache_path)
                                               : wh_store_default_path (), g_free);
  g_task_run_in_thread (task, open_store_thread);
}

static void
wh_application_startup (GApplication *app)
{
  WhApplication *self = WH_APPLICATION (app);
  static const char *sync_accels[] = { "<Control>r", "F5", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  self->kiosk = self->kiosk || g_settings_get_boolean (self->settings, "kiosk");
  /* GTK reads it as it starts up, just below: no inspector opening by
   * itself on a kiosk. */
  if (self->kiosk)
    g_unsetenv ("GTK_DEBUG");
  G_APPLICATION_CLASS (wh_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.sync", sync_accels);
  if (self->kiosk)
    {
      static const char *no_accels[] = { NULL };

      /* GtkApplication adds the shortcuts window from the resources. */
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                             no_accels);
    }
  else
    {
      g_action_map_add_action_entries (G_ACTION_MAP (self), desktop_actions,
                                       G_N_ELEMENTS (desktop_actions), self);
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                             preferences_accels);
    }
  gtk_window_set_default_icon_name (APP_ID);
  self->context = wh_context_new (self->settings, self->kiosk);
  /* Where the worker is, for every service from the start; a counter
   * has no use for it. */
  if (!self->counter)
    wh_context_start_location (self->context);
}

static int
wh_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  WhApplication *self = WH_APPLICATION (app);

  self->demo = g_variant_dict_contains (options, "demo");
  self->kiosk = g_variant_dict_contains (options, "kiosk");
  self->counter = g_variant_dict_contains (options, "counter");
  g_variant_dict_lookup (options, "server", "s", &self->server_url);
  g_variant_dict_lookup (options, "cache", "^ay", &self->cache_path);
  return -1;
}

static void
wh_application_shutdown (GApplication *app)
{
  WhApplication *self = WH_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->sync);
  if (self->demo_server)
    wh_demo_server_stop (self->demo_server);
  G_APPLICATION_CLASS (wh_application_parent_class)->shutdown (app);
}

static void
wh_application_finalize (GObject *object)
{
  WhApplication *self = WH_APPLICATION (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->context);
  g_clear_object (&self->demo_server);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->server_url);
  g_free (self->cache_path);
  G_OBJECT_CLASS (wh_application_parent_class)->finalize (object);
}

static void
wh_application_class_init (WhApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = wh_application_finalize;
  app_class->activate = wh_application_activate;
  app_class->startup = wh_application_startup;
  app_class->shutdown = wh_application_shutdown;
  app_class->handle_local_options = wh_application_handle_local_options;
}

static void
wh_application_init (WhApplication *self)
{
  const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start the built-in demo backend and use it"),
      NULL },
    { "server", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Use this backend for this run"), N_("URL") },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Use this cache file"), N_("FILE") },
    { "kiosk", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run as a union station's touch-screen kiosk (also the “kiosk” setting)"), NULL },
    { "counter", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run as a merchant's love-meal counter that checks vouchers offline (--cache: its "
         "database)"), NULL },
    { NULL }
  };

  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

WhApplication *
wh_application_new (void)
{
  return g_object_new (WH_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/workershome/WorkersHome",
                       NULL);
}
