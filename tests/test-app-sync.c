/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app's sync as the window shows it, and getting back, on the real
 * widgets under Xvfb (suite "ui"): no backend set, a backend set in
 * Preferences, the saved data cleared, the status in a header with little
 * room, the start of the app, and Back from anywhere (keys sent through the
 * X server with XTest, as a keyboard would). */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <sqlite3.h>
#include <X11/extensions/XTest.h>

#include "jobs/wh-jobs-view.h"
#include "wh-app-sync.h"
#include "wh-context.h"
#include "wh-preferences-window.h"
#include "wh-sync-status.h"
#include "wh-test-cache.h"
#include "wh-test.h"
#include "wh-test-server.h"
#include "wh-test-store.h"
#include "wh-test-ui.h"
#include "wh-window.h"

static WhWindow *
new_window (int width)
{
  WhWindow *window = wh_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), width, 700);
  gtk_window_present (GTK_WINDOW (window));
  wh_test_spin (100);
  return window;
}

static gboolean
is_first_run_stack (GtkWidget *widget,
                    gpointer   data)
{
  return GTK_IS_STACK (widget) &&
         gtk_stack_get_child_by_name (GTK_STACK (widget), "first-run") != NULL;
}

static GtkStack *
main_stack (WhWindow *window)
{
  return GTK_STACK (wh_test_find_widget (GTK_WIDGET (window), is_first_run_stack, NULL));
}

static AdwStatusPage *
first_run_page (WhWindow *window)
{
  GtkWidget *page = gtk_stack_get_child_by_name (main_stack (window), "first-run");

  return ADW_STATUS_PAGE (wh_test_find_descendant (page, ADW_TYPE_STATUS_PAGE));
}

static const char *
status_text (WhWindow *window)
{
  return wh_sync_status_get_text (wh_window_get_sync_status (window));
}

typedef struct
{
  WhWindow   *window;
  const char *prefix;
} StatusWait;

static gboolean
status_has_prefix (gpointer data)
{
  StatusWait *w = data;

  return g_str_has_prefix (status_text (w->window), w->prefix);
}

static void
await_status (WhWindow   *window,
              const char *prefix)
{
  StatusWait w = { window, prefix };

  if (!wh_test_spin_until (status_has_prefix, &w, 30000))
    g_error ("the status says “%s”, not “%s…”", status_text (window), prefix);
}

static gboolean
is_button_with_action (GtkWidget *widget,
                       gpointer   action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

/* ---- No backend, then one set in Preferences ---------------------------- */

static gboolean
sync_has_api (gpointer data)
{
  return wh_app_sync_get_api (data) != NULL;
}

/* Nothing cached, no server set: a page that says so with a way to set one
 * up, never "offline". A server set in Preferences is used at once: the
 * first sync runs without a restart and Sync Now works. */
static void
test_no_backend (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  WhWindow *window = new_window (1000);
  g_autoptr(WhAppSync) app_sync = NULL;
  GtkWidget *setup;

  g_assert_no_error (error);
  g_settings_set_string (settings, "backend-url", "");
  wh_window_show_loading (window);
  app_sync = wh_app_sync_new (store, NULL, FALSE, &error);
  g_assert_no_error (error);
  wh_app_sync_attach (app_sync, window, settings);
  await_status (window, "No union server set");
  wh_test_spin (50);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "first-run");
  g_assert_cmpstr (adw_status_page_get_title (first_run_page (window)), ==,
                   "No Union Server Set");
  setup = wh_test_find_widget (GTK_WIDGET (first_run_page (window)), is_button_with_action,
                               (gpointer) "app.preferences");
  g_assert_nonnull (setup);
  g_assert_true (gtk_widget_get_visible (setup));
  g_assert_null (wh_app_sync_get_api (app_sync));
  /* Sync Now says why nothing happens, and the status stays */
  wh_app_sync_run (app_sync);
  g_assert_cmpstr (status_text (window), ==, "No union server set");

  /* set in Preferences: applied at once, the first sync runs */
  g_settings_set_string (settings, "backend-url", wh_test_server_get_url (server));
  g_assert_true (wh_test_spin_until (sync_has_api, app_sync, 3000));
  await_status (window, "Updated");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "main");
  g_assert_cmpint (wh_store_count (store, &wh_collection_courses, NULL), >, 0);

  /* Sync Now (Ctrl+R) syncs with it */
  wh_app_sync_run (app_sync);
  await_status (window, "Syncing");
  await_status (window, "Updated");

  /* unset again: the saved data stays, the status says why it ages */
  g_settings_set_string (settings, "backend-url", "");
  await_status (window, "No union server set");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "main");

  g_settings_reset (settings, "backend-url");
  g_clear_object (&app_sync);
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_remove_tmpdir (dir);
}

/* The address typed in Preferences is checked: "Connected", or why not. */
static gboolean
row_subtitle_has_prefix (gpointer data)
{
  gpointer *args = data;
  const char *subtitle = adw_action_row_get_subtitle (args[0]);

  return subtitle && g_str_has_prefix (subtitle, args[1]);
}

static gboolean
is_row_titled (GtkWidget *widget,
               gpointer   title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static void
test_backend_check (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start (NULL, &error);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  WhPreferencesWindow *prefs;
  GtkWidget *entry, *row;
  gpointer args[2];

  g_assert_no_error (error);
  g_settings_set_string (settings, "backend-url", "");
  prefs = wh_preferences_window_new (settings, NULL);
  gtk_window_present (GTK_WINDOW (prefs));
  entry = wh_test_find_descendant (GTK_WIDGET (prefs), ADW_TYPE_ENTRY_ROW);
  row = wh_test_find_widget (GTK_WIDGET (prefs), is_row_titled, (gpointer) "Connection");
  g_assert_nonnull (row);
  args[0] = row;
  args[1] = (gpointer) "No union server set";
  g_assert_true (wh_test_spin_until (row_subtitle_has_prefix, args, 3000));

  gtk_editable_set_text (GTK_EDITABLE (entry), wh_test_server_get_url (server));
  g_signal_emit_by_name (entry, "apply");
  g_assert_cmpstr (g_settings_get_string (settings, "backend-url"), ==,
                   wh_test_server_get_url (server));
  args[1] = (gpointer) "Connected";
  g_assert_true (wh_test_spin_until (row_subtitle_has_prefix, args, 5000));

  wh_test_server_stop (server);
  g_signal_emit_by_name (entry, "apply");
  args[1] = (gpointer) "Not connected: ";
  g_assert_true (wh_test_spin_until (row_subtitle_has_prefix, args, 10000));

  gtk_window_destroy (GTK_WINDOW (prefs));
  g_settings_reset (settings, "backend-url");
  wh_test_spin (50);
}

/* ---- Clearing the saved data -------------------------------------------- */

static gboolean
is_clear_button (GtkWidget *widget,
                 gpointer   data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_has_css_class (widget, "destructive-action");
}

/* Presses Clear… and answers the dialog. */
static void
press_clear (WhPreferencesWindow *prefs)
{
  GtkWidget *button = wh_test_find_widget (GTK_WIDGET (prefs), is_clear_button, NULL);
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwMessageDialog *dialog = NULL;

  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  wh_test_spin (50);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && dialog == NULL; i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w))
        dialog = ADW_MESSAGE_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "clear");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
clear_button_sensitive (gpointer data)
{
  return gtk_widget_get_sensitive (wh_test_find_widget (data, is_clear_button, NULL));
}

static void
stack_child_cb (GtkStack   *stack,
                GParamSpec *pspec,
                GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup (gtk_stack_get_visible_child_name (stack)));
}

/* What the first-run page's bar said, each time it changed. */
typedef struct
{
  char   *text;
  double  fraction;
} BarState;

static void
bar_state_free (BarState *state)
{
  g_free (state->text);
  g_free (state);
}

static void
bar_text_cb (GtkProgressBar *bar,
             GParamSpec     *pspec,
             GPtrArray      *states)
{
  BarState *state = g_new0 (BarState, 1);

  state->text = g_strdup (gtk_progress_bar_get_text (bar));
  state->fraction = gtk_progress_bar_get_fraction (bar);
  g_ptr_array_add (states, state);
}

/* The first run's bar through a region snapshot (#22): the jobs' share of
 * it filled by the download's bytes, MB of MB, then the check and the copy,
 * then the jobs' records and the build of their indexes; never back. */
static void
assert_snapshot_shown (GPtrArray *states)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);
  double share_from = -1, last = 0;
  guint downloads = 0, checking = 0, saving = 0, jobs_after = 0, indexing = 0;

  for (guint i = 0; i < n; i++)
    if (collections[i] == &wh_collection_jobs)
      share_from = (double) i / n;
  g_assert_cmpfloat (share_from, >, 0);
  for (guint i = 0; i < states->len; i++)
    {
      BarState *state = states->pdata[i];

      if (state->text == NULL)
        continue;
      g_test_message ("%.3f %s", state->fraction, state->text);
      if (g_str_has_prefix (state->text, "Downloading the region’s data: "))
        {
          g_assert_cmpuint (checking, ==, 0);
          g_assert_true (g_regex_match_simple ("^Downloading the region’s data: [0-9]+\\.[0-9] of "
                                               "[0-9]+\\.[0-9] MB$", state->text, 0, 0));
          g_assert_cmpfloat (state->fraction, >=, share_from - 1e-9);
          g_assert_cmpfloat (state->fraction, <=, share_from + 1.0 / n + 1e-9);
          downloads++;
        }
      else if (g_str_equal (state->text, "Checking the downloaded data…"))
        checking++;
      else if (g_str_equal (state->text, "Saving the downloaded data…"))
        {
          g_assert_cmpuint (checking, ==, 1);
          saving++;
        }
      else if (g_str_equal (state->text, "Downloading jobs…"))
        {
          g_assert_cmpuint (saving, ==, 1);
          g_assert_cmpuint (indexing, ==, 0);
          jobs_after++;
        }
      else if (g_str_equal (state->text, "Getting search ready…"))
        {
          g_assert_cmpuint (jobs_after, >=, 1);
          indexing++;
        }
      g_assert_cmpfloat (state->fraction, >=, last - 1e-9);
      last = state->fraction;
    }
  g_assert_cmpuint (downloads, >=, 1);
  g_assert_cmpuint (checking, ==, 1);
  g_assert_cmpuint (saving, ==, 1);
  g_assert_cmpuint (jobs_after, >=, 1);
  g_assert_cmpuint (indexing, ==, 1);
}

/* Cleared, the data is downloaded again at once, with the first-run page;
 * the empty cache never says it was just updated. A clear that fails can
 * be tried again. */
static void
test_clear (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  WhWindow *window = new_window (1000);
  g_autoptr(WhAppSync) app_sync = wh_app_sync_new (store, wh_test_server_get_url (server), FALSE,
                                                   &error);
  WhPreferencesWindow *prefs;
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  wh_app_sync_attach (app_sync, window, settings);
  await_status (window, "Updated just now");

  prefs = wh_preferences_window_new (settings, store);
  /* as the application connects it */
  g_signal_connect_object (prefs, "cleared", G_CALLBACK (wh_app_sync_reload), app_sync,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (prefs));
  g_signal_connect (main_stack (window), "notify::visible-child-name",
                    G_CALLBACK (stack_child_cb), seen);
  press_clear (prefs);
  await_status (window, "Syncing");
  g_assert_cmpuint (seen->len, >=, 1);
  g_assert_cmpstr (seen->pdata[0], ==, "first-run");
  await_status (window, "Updated just now");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "main");
  g_assert_cmpint (wh_store_count (store, &wh_collection_courses, NULL), >, 0);
  g_signal_handlers_disconnect_by_data (main_stack (window), seen);

  /* Cleared while the server is away: nothing saved, nothing "updated" */
  wh_test_server_stop (server);
  press_clear (prefs);
  await_status (window, "Offline");
  g_assert_cmpstr (status_text (window), ==, "Offline — nothing saved yet");
  g_assert_cmpstr (adw_status_page_get_title (first_run_page (window)), ==,
                   "Could Not Download");

  /* A clear that fails (the cache locked by another writer) can be tried
   * again. */
  g_assert_true (clear_button_sensitive (prefs));
  g_assert_cmpint (sqlite3_open (wh_store_get_path (store), &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  press_clear (prefs);
  g_assert_false (clear_button_sensitive (prefs));
  g_assert_true (wh_test_spin_until (clear_button_sensitive, prefs, 15000));
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);

  gtk_window_destroy (GTK_WINDOW (prefs));
  g_clear_object (&app_sync);
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_remove_tmpdir (dir);
}

/* ---- The start ----------------------------------------------------------- */

/* While the cache is read, neither the (empty) services nor the first-run
 * page: then straight to the one that fits. */
static void
test_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);

  g_assert_no_error (error);
  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                    bar_state_free);
      WhWindow *window = new_window (1000);
      g_autoptr(WhAppSync) app_sync = NULL;
      GtkWidget *bar = wh_test_find_descendant (gtk_stack_get_child_by_name (main_stack (window),
                                                                             "first-run"),
                                                GTK_TYPE_PROGRESS_BAR);

      /* as the application does before the cache is open */
      wh_window_show_loading (window);
      g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "loading");
      g_signal_connect (main_stack (window), "notify::visible-child-name",
                        G_CALLBACK (stack_child_cb), seen);
      g_signal_connect (bar, "notify::text", G_CALLBACK (bar_text_cb), states);
      app_sync = wh_app_sync_new (store, wh_test_server_get_url (server), FALSE, &error);
      g_assert_no_error (error);
      wh_app_sync_attach (app_sync, window, settings);
      await_status (window, "Updated");
      wh_test_spin (50);
      g_assert_cmpuint (seen->len, >=, 1);
      /* empty: the progress page first; then (full) the services at once */
      g_assert_cmpstr (seen->pdata[0], ==, pass == 0 ? "first-run" : "main");
      for (guint i = 0; pass == 1 && i < seen->len; i++)
        g_assert_cmpstr (seen->pdata[i], ==, "main");
      if (pass == 0)
        assert_snapshot_shown (states);
      g_signal_handlers_disconnect_by_data (bar, states);
      g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "main");
      g_signal_handlers_disconnect_by_data (main_stack (window), seen);
      g_clear_object (&app_sync);
      gtk_window_destroy (GTK_WINDOW (window));
    }
  wh_test_remove_tmpdir (dir);
}

/* ---- A worker who moves --------------------------------------------------- */

typedef struct
{
  const char *cache;
  gint        city;
} CityWait;

/* The cache holds jobs of the place (a district: the tiny data has one
 * city), and no others. */
static gboolean
cache_holds_city (gpointer data)
{
  CityWait *w = data;
  g_autofree char *inside = g_strdup_printf ("adcode = %d", w->city);
  g_autofree char *outside = g_strdup_printf ("adcode IS NOT %d", w->city);

  return wh_test_cache_count (w->cache, "jobs", inside) > 0 &&
         wh_test_cache_count (w->cache, "jobs", outside) == 0;
}

/* A new place in Preferences: its jobs come, and the old place's go (no
 * feed keeps them current any more). */
static void
test_region_change (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhAppSync) app_sync = NULL;
  const char *server_db = wh_test_server_get_db_path (server);
  CityWait wait = { wh_store_get_path (store), 0 };
  gint first, second;
  WhWindow *window;

  g_assert_no_error (error);
  /* The two places with the most jobs. */
  first = (gint) wh_test_db_query_int (server_db, "SELECT adcode FROM jobs WHERE deleted = 0"
                                                  " GROUP BY adcode ORDER BY count(*) DESC,"
                                                  " adcode LIMIT 1");
  second = (gint) wh_test_db_query_int (server_db, "SELECT adcode FROM jobs WHERE deleted = 0"
                                                   " GROUP BY adcode ORDER BY count(*) DESC,"
                                                   " adcode LIMIT 1 OFFSET 1");
  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, 0);
  g_assert_cmpint (first, !=, second);

  g_settings_set_int (settings, "region-city", first);
  window = new_window (1000);
  app_sync = wh_app_sync_new (store, wh_test_server_get_url (server), FALSE, &error);
  g_assert_no_error (error);
  wh_app_sync_attach (app_sync, window, settings);
  wait.city = first;
  g_assert_true (wh_test_spin_until (cache_holds_city, &wait, 30000));

  g_settings_set_int (settings, "region-city", second);
  wait.city = second;
  g_assert_true (wh_test_spin_until (cache_holds_city, &wait, 30000));

  g_settings_reset (settings, "region-city");
  g_clear_object (&app_sync);
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (50);
  wh_test_remove_tmpdir (dir);
}

/* ---- The status in a header with little room ----------------------------- */

static gboolean
is_shown_label (GtkWidget *widget,
                gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         *gtk_label_get_text (GTK_LABEL (widget)) != '\0';
}

static gboolean
status_laid_out (gpointer data)
{
  return wh_test_find_widget (data, is_shown_label, NULL) != NULL;
}

/* English at 1000 px, offline with data from yesterday: the whole sentence
 * does not fit beside the switcher, but the state still does in a word,
 * and the button is as wide as what it shows, not a wide empty box. */
static void
test_status_room (void)
{
  WhWindow *window = new_window (1000);
  GtkWidget *status = GTK_WIDGET (wh_window_get_sync_status (window));
  GtkWidget *button = wh_test_find_descendant (status, GTK_TYPE_BUTTON);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GtkWidget *label;
  graphene_rect_t bounds;

  for (guint i = 0; i < 3; i++)
    {
      static const WhSyncStatusState states[] = {
        WH_SYNC_STATUS_OFFLINE, WH_SYNC_STATUS_ERROR, WH_SYNC_STATUS_IDLE
      };

      wh_sync_status_update (WH_SYNC_STATUS (status), states[i], 0, now - 26 * 3600);
      wh_test_spin (100);
      g_assert_true (wh_test_spin_until (status_laid_out, status, 3000));
      label = wh_test_find_widget (status, is_shown_label, NULL);
      g_assert_true (gtk_widget_compute_bounds (label, button, &bounds));
      /* the label, the icon before it and the button's padding: no more */
      g_assert_cmpint (gtk_widget_get_width (button), <=,
                       (int) (bounds.origin.x + bounds.size.width) + 24);
      g_assert_cmpint (gtk_widget_get_width (button), <=, gtk_widget_get_width (status));
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- Back from anywhere --------------------------------------------------- */

static void
send_key (GtkWindow *window,
          guint      modifier,
          guint      keysym)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (window)));

  XSetInputFocus (dpy, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  if (modifier)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, modifier), True, 0);
  XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keysym), True, 0);
  XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keysym), False, 0);
  if (modifier)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, modifier), False, 0);
  XFlush (dpy);
}

static gboolean
is_focusable_row (GtkWidget *widget,
                  gpointer   list)
{
  return gtk_widget_get_parent (widget) == list && gtk_widget_get_focusable (widget) &&
         gtk_widget_get_mapped (widget);
}

static gboolean
is_shown_menu_button (GtkWidget *widget,
                      gpointer   data)
{
  return GTK_IS_MENU_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         gtk_widget_get_ancestor (widget, ADW_TYPE_HEADER_BAR) != NULL;
}

static gboolean
is_leaflet (GtkWidget *widget,
            gpointer   data)
{
  return ADW_IS_LEAFLET (widget);
}

typedef struct
{
  AdwLeaflet *leaflet;
  const char *name;
} LeafletWait;

static gboolean
leaflet_shows (gpointer data)
{
  LeafletWait *w = data;

  return g_strcmp0 (adw_leaflet_get_visible_child_name (w->leaflet), w->name) == 0 &&
         !adw_leaflet_get_child_transition_running (w->leaflet);
}

/* The nth row shown (from 0). */
static GtkWidget *
nth_row (GtkWidget *list,
         guint      n)
{
  for (GtkWidget *child = gtk_widget_get_first_child (list); child;
       child = gtk_widget_get_next_sibling (child))
    if (is_focusable_row (child, list) && n-- == 0)
      return child;
  g_assert_not_reached ();
}

static const char *
row_title (GtkWidget *row)
{
  GtkWidget *label = wh_test_find_descendant (row, GTK_TYPE_LABEL);

  g_assert_nonnull (label);
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
leaflet_folded (gpointer leaflet)
{
  return adw_leaflet_get_folded (leaflet);
}

static gboolean
list_has_row (gpointer list)
{
  return wh_test_find_widget (list, is_focusable_row, list) != NULL;
}

/* A narrow window, a job opened from its row: Escape with the focus in the
 * header, and Alt+Left with the focus lost, go back, and the focus is on
 * that row again. */
static void
test_back_anywhere (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhContext) context = wh_context_new (settings, FALSE);
  WhWindow *window = new_window (360);
  GtkWidget *jobs = wh_window_get_page (window, "jobs");
  GtkWidget *list = GTK_WIDGET (wh_jobs_view_get_list (WH_JOBS_VIEW (jobs)));
  LeafletWait detail = { ADW_LEAFLET (wh_test_find_widget (jobs, is_leaflet, NULL)), "detail" };
  LeafletWait back = { detail.leaflet, "list" };
  const struct { guint modifier, key; gboolean lose_focus; } keys[] = {
    { 0, XK_Escape, FALSE },
    { XK_Alt_L, XK_Left, TRUE },
  };

  gtk_widget_set_size_request (GTK_WIDGET (window), 360, 700);
  wh_test_apply (store, &wh_collection_jobs, NULL, 3,
                 wh_test_make_job (1, 1, "电工", NULL), wh_test_make_job (2, 2, "保洁员", NULL),
                 wh_test_make_job (3, 3, "快递员", NULL), NULL);
  wh_window_set_context (window, context);
  wh_context_set_store (context, store);
  wh_window_show_view (window, "jobs");
  g_assert_true (wh_test_spin_until (list_has_row, list, 5000));
  g_assert_true (wh_test_spin_until (leaflet_folded, detail.leaflet, 5000));

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *row = nth_row (list, i + 1);
      g_autofree char *title = g_strdup (row_title (row));
      GtkWidget *focus;
      GtkWidget *header_button = wh_test_find_widget (GTK_WIDGET (window), is_shown_menu_button,
                                                      NULL);

      g_assert_true (gtk_widget_grab_focus (row));
      send_key (GTK_WINDOW (window), 0, XK_Return);
      g_assert_true (wh_test_spin_until (leaflet_shows, &detail, 5000));

      /* the focus in the header, or nowhere */
      if (keys[i].lose_focus)
        gtk_root_set_focus (GTK_ROOT (window), NULL);
      else
        g_assert_true (gtk_widget_grab_focus (header_button));
      send_key (GTK_WINDOW (window), keys[i].modifier, keys[i].key);
      g_assert_true (wh_test_spin_until (leaflet_shows, &back, 5000));
      wh_test_spin (50);
      /* the row of that job (its widget may have been rebuilt since) */
      focus = gtk_root_get_focus (GTK_ROOT (window));
      g_assert_nonnull (focus);
      g_assert_true (gtk_widget_get_parent (focus) == list);
      g_assert_cmpstr (row_title (focus), ==, title);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_remove_tmpdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/app-sync/no-backend", test_no_backend);
  g_test_add_func ("/app-sync/backend-check", test_backend_check);
  g_test_add_func ("/app-sync/clear", test_clear);
  g_test_add_func ("/app-sync/start", test_start);
  g_test_add_func ("/app-sync/status-room", test_status_room);
  g_test_add_func ("/app-sync/region-change", test_region_change);
  g_test_add_func ("/window/back-anywhere", test_back_anywhere);
  return g_test_run ();
}
