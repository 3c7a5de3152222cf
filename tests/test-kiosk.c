/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kiosk (suite "ui", under Xvfb and a session bus): the window cannot be
 * closed or quit by any key, the keypad types into a phone entry, and an idle
 * reset leaves nothing personal in the cache file or the keyring. Keys are
 * sent through the X server (XTest), as a keyboard would. */
#define _GNU_SOURCE /* memmem */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include "jobs/wh-jobs-view.h"
#include "kiosk/wh-keypad.h"
#include "kiosk/wh-kiosk.h"
#include "meals/wh-meals-view.h"
#include "wh-application.h"
#include "wh-format.h"
#include "wh-list-model.h"
#include "wh-record-object.h"
#include "wh-service-page.h"
#include "wh-test.h"
#include "wh-test-ui.h"
#include "wh-token.h"
#include "wh-window.h"

/* Something only one person would type, to look for in the file's bytes. */
#define MARKER "13912345678-kiosk-marker"

static gboolean have_keyring;

/* ---- A cache with one person's data in every personal table ------------ */

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
exec_raw (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static WhStore *
make_store (char **path_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);
  g_autoptr(WhPage) stations = wh_page_new (&wh_collection_stations);
  WhRecord *r = wh_record_new (&wh_collection_stations);

  g_assert_no_error (error);
  r->id = 7;
  r->rev = 1;
  wh_record_set_text (r, "name", "望京街道户外劳动者服务站");
  wh_record_set_text (r, "address", "北京市朝阳区望京街8号");
  wh_record_set_real (r, "lat", 39.99);
  wh_record_set_real (r, "lon", 116.47);
  wh_record_set_text (r, "status", "open");
  g_ptr_array_add (stations->records, r);
  stations->next_since = stations->server_rev = 1;
  g_assert_true (wh_store_apply_page (store, stations, NULL, &error));
  g_assert_no_error (error);
  *path_out = g_steal_pointer (&path);
  return store;
}

static void
fill_personal (WhStore    *store,
               const char *path)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  g_assert_cmpint (wh_store_outbox_add (store, "bookmark", "job:1",
                                        "{\"phone\":\"" MARKER "\"}", &error), >, 0);
  g_assert_no_error (error);
  db = open_raw (path);
  exec_raw (db, "INSERT INTO progress (lesson_id, course_id, position, completed, updated_at)"
                " VALUES (1, 1, 30, 0, '" MARKER "');"
                "INSERT INTO bookmarks (job_id, applied, updated_at) VALUES (2, 1, '" MARKER "');"
                "INSERT INTO vouchers (voucher_id, merchant_id, day, status, body)"
                " VALUES ('v1', 1, '2026-11-01', 'unused', '" MARKER "');"
                "INSERT INTO saved_courses (course_id, saved_at) VALUES (3, 1);");
  sqlite3_close (db);
}

/* Every table that is not the synced cache or its bookkeeping is personal:
 * a table someone adds later is checked too, and must be wiped. */
static gboolean
is_cache_table (const char *name)
{
  guint n;
  const WhCollection * const *synced = wh_schema_synced_collections (&n);

  if (g_str_has_prefix (name, "sqlite_") || g_str_equal (name, "sync_state") ||
      g_str_equal (name, "cache_layout"))
    return TRUE;
  for (guint i = 0; i < n; i++)
    {
      const char *c = synced[i]->name;
      gsize len = strlen (c);

      if (strncmp (name, c, len) == 0 &&
          (name[len] == '\0' || g_str_has_prefix (name + len, "_fts") ||
           g_str_has_prefix (name + len, "_names") || g_str_has_prefix (name + len, "_geo")))
        return TRUE;
    }
  return FALSE;
}

static guint
count_personal_rows (const char *path,
                     guint      *n_tables)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *stmt;
  guint rows = 0;

  *n_tables = 0;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      g_autofree char *sql = NULL;
      sqlite3_stmt *count;

      if (is_cache_table (name))
        continue;
      (*n_tables)++;
      sql = g_strdup_printf ("SELECT count(*) FROM \"%s\"", name);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &count, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (count), ==, SQLITE_ROW);
      if (sqlite3_column_int (count, 0) > 0)
        g_test_message ("Personal table %s has %d rows", name, sqlite3_column_int (count, 0));
      rows += (guint) sqlite3_column_int (count, 0);
      sqlite3_finalize (count);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows;
}

static gboolean
file_has_marker (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, MARKER, strlen (MARKER)) != NULL;
}

static gboolean
store_files_have_marker (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  return file_has_marker (path) || file_has_marker (wal);
}

/* ---- Keys through the X server ----------------------------------------- */

static void
send_keys (GtkWindow  *window,
           const guint *keysyms,
           guint        n)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (window)));

  XSetInputFocus (dpy, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  for (guint i = 0; i < n; i++)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keysyms[i]), True, 0);
  for (guint i = n; i > 0; i--)
    XTestFakeKeyEvent (dpy, XKeysymToKeycode (dpy, keysyms[i - 1]), False, 0);
  XFlush (dpy);
  wh_test_spin (300);
}

static guint
n_toplevels (void)
{
  return g_list_model_get_n_items (gtk_window_get_toplevels ());
}

static gboolean
any_popover_visible (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    if ((GTK_IS_POPOVER (child) && gtk_widget_get_visible (child)) ||
        any_popover_visible (child))
      return TRUE;
  return FALSE;
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_keypad (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *entry = gtk_entry_new ();
  WhKeypad *keypad = WH_KEYPAD (wh_keypad_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkEditable *text;
  guint activated = 0, done = 0, pressed = 0;

  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (keypad));
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  text = gtk_editable_get_delegate (GTK_EDITABLE (entry));

  /* Only entries for digits get the keypad. */
  g_assert_false (wh_keypad_wants (GTK_WIDGET (text)));
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PHONE);
  g_assert_true (wh_keypad_wants (GTK_WIDGET (text)));
  g_assert_true (wh_keypad_wants (entry));

  g_signal_connect_swapped (entry, "activate", G_CALLBACK (g_atomic_int_inc), &activated);
  g_signal_connect_swapped (keypad, "done", G_CALLBACK (g_atomic_int_inc), &done);
  g_signal_connect_swapped (keypad, "pressed", G_CALLBACK (g_atomic_int_inc), &pressed);
  wh_keypad_set_target (keypad, text);
  for (const char *k = "13800"; *k; k++)
    {
      char key[2] = { *k, 0 };

      wh_keypad_press (keypad, key);
    }
  wh_keypad_press (keypad, "delete");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "1380");
  /* Typing goes in at the cursor, as on a keyboard. */
  gtk_editable_set_position (GTK_EDITABLE (entry), 0);
  wh_keypad_press (keypad, "9");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "91380");
  wh_keypad_press (keypad, "ok");
  g_assert_cmpuint (activated, ==, 1);
  g_assert_cmpuint (done, ==, 1);
  g_assert_cmpuint (pressed, ==, 8);

  /* Every key has a name a screen reader can say; there are twelve. */
  {
    guint n = 0;

    for (GtkWidget *b = wh_test_find_descendant (GTK_WIDGET (keypad), GTK_TYPE_BUTTON); b;
         b = gtk_widget_get_next_sibling (b))
      {
        g_assert_true (gtk_widget_get_focus_on_click (b) == FALSE);
        n++;
      }
    g_assert_cmpuint (n, ==, 12);
  }

  /* The entry gone, the keys do nothing. */
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (50);
}

typedef struct
{
  WhWindow  *window;
  WhContext *context;
  WhStore   *store;
  WhApi     *api;
  char      *path;
  guint      resets;
} Kiosk;

static void
kiosk_setup (Kiosk *k)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;

  g_settings_set_int64 (settings, "kiosk-station-id", 7);
  k->store = make_store (&k->path);
  k->context = wh_context_new (settings, TRUE);
  k->api = wh_api_new ("http://127.0.0.1:9", &error);
  g_assert_no_error (error);
  wh_context_set_api (k->context, k->api);
  k->window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (k->window), 1000, 700);
  wh_window_set_context (k->window, k->context);
  gtk_window_present (GTK_WINDOW (k->window));
  wh_context_set_store (k->context, k->store);
  g_signal_connect_swapped (wh_window_get_kiosk (k->window), "reset-done",
                            G_CALLBACK (g_atomic_int_inc), &k->resets);
  wh_test_spin (200);
}

static void
kiosk_teardown (Kiosk *k)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  gtk_window_destroy (GTK_WINDOW (k->window));
  wh_test_spin (50);
  g_clear_object (&k->context);
  g_clear_object (&k->api);
  g_clear_object (&k->store);
  g_free (k->path);
  g_settings_reset (settings, "kiosk-station-id");
}

static gboolean
resets_at_least_one (gpointer data)
{
  return ((Kiosk *) data)->resets > 0;
}

static gboolean
location_known (gpointer context)
{
  double lat, lon;

  return wh_context_get_location (context, &lat, &lon);
}

static void
test_kiosk_station (void)
{
  Kiosk k = { 0 };
  double lat = 0, lon = 0;

  kiosk_setup (&k);
  /* The kiosk's own station is the origin of distances and its Home,
   * once read from the store. */
  g_assert_true (wh_test_spin_until (location_known, k.context, 3000));
  g_assert_true (wh_context_get_location (k.context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 39.99, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 116.47, 1e-9);
  g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "home");
  g_assert_false (gtk_window_get_deletable (GTK_WINDOW (k.window)));
  kiosk_teardown (&k);
}

static WhWindow *keys_window;

static gboolean
view_is (gpointer name)
{
  return g_strcmp0 (wh_window_get_visible_view (keys_window), name) == 0;
}

static void
assert_no_title_buttons (GtkWidget *widget,
                         guint     *n_bars)
{
  if (ADW_IS_HEADER_BAR (widget))
    {
      g_assert_false (adw_header_bar_get_show_start_title_buttons (ADW_HEADER_BAR (widget)));
      g_assert_false (adw_header_bar_get_show_end_title_buttons (ADW_HEADER_BAR (widget)));
      (*n_bars)++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    assert_no_title_buttons (child, n_bars);
}

static void
test_kiosk_close_and_keys (void)
{
  g_autoptr(WhApplication) app = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  static const struct {
    const char *name;
    guint       keys[3];
    guint       n;
  } shortcuts[] = {
    { "Ctrl+Q", { XK_Control_L, XK_q }, 2 },
    { "Ctrl+W", { XK_Control_L, XK_w }, 2 },
    { "Alt+F4", { XK_Alt_L, XK_F4 }, 2 },
    { "F10", { XK_F10 }, 1 },
    { "Menu", { XK_Menu }, 1 },
    { "Ctrl+comma", { XK_Control_L, XK_comma }, 2 },
    { "Ctrl+question", { XK_Control_L, XK_Shift_L, XK_question }, 3 },
    { "Ctrl+Shift+I", { XK_Control_L, XK_Shift_L, XK_I }, 3 },
    { "Ctrl+Shift+D", { XK_Control_L, XK_Shift_L, XK_D }, 3 },
  };
  static const guint alt_2[] = { XK_Alt_L, XK_2 };
  static const guint alt_1[] = { XK_Alt_L, XK_1 };

  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    {
      g_test_skip ("Needs an X server (Xvfb) to send keys through");
      return;
    }
  /* The application as a station would run it: the kiosk setting on (the
   * test framework gives each test its own XDG_CACHE_HOME for the cache). */
  g_settings_set_boolean (settings, "kiosk", TRUE);
  app = wh_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  wh_test_spin (500);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (WH_IS_WINDOW (window));
  g_assert_nonnull (wh_window_get_kiosk (WH_WINDOW (window)));
  keys_window = WH_WINDOW (window);

  /* No quit, preferences or about to reach by any means. */
  g_assert_null (g_action_map_lookup_action (G_ACTION_MAP (app), "quit"));
  g_assert_null (g_action_map_lookup_action (G_ACTION_MAP (app), "preferences"));
  g_assert_null (g_action_map_lookup_action (G_ACTION_MAP (app), "about"));
  g_assert_null (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  /* No minimize or maximize (#18: shown during the first sync): no header
   * bar of the window, the first-run page's included, shows title buttons,
   * and the layout a later one would follow has none. */
  {
    g_autofree char *layout = NULL;
    guint n_bars = 0;

    assert_no_title_buttons (GTK_WIDGET (window), &n_bars);
    g_assert_cmpuint (n_bars, >=, 3);
    g_object_get (gtk_widget_get_settings (GTK_WIDGET (window)), "gtk-decoration-layout", &layout,
                  NULL);
    g_assert_cmpstr (layout, ==, "");
  }

  /* A close request (the compositor's close button, Alt+F4 in a window
   * manager) is refused. */
  gtk_window_close (window);
  wh_test_spin (100);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);

  /* The keys reach the window: Alt+2 shows the jobs. */
  send_keys (window, alt_2, G_N_ELEMENTS (alt_2));
  g_assert_true (wh_test_spin_until (view_is, (gpointer) "jobs", 3000));
  send_keys (window, alt_1, G_N_ELEMENTS (alt_1));
  g_assert_true (wh_test_spin_until (view_is, (gpointer) "courses", 3000));

  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      g_test_message ("Pressing %s", shortcuts[i].name);
      send_keys (window, shortcuts[i].keys, shortcuts[i].n);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
      g_assert_true (gtk_application_get_active_window (GTK_APPLICATION (app)) == window);
      /* No preferences, shortcuts, inspector or its warning. */
      g_assert_cmpuint (n_toplevels (), ==, 1);
      g_assert_false (any_popover_visible (GTK_WIDGET (window)));
    }

  g_settings_reset (settings, "kiosk");
  gtk_window_destroy (window);
  wh_test_spin (100);
  g_application_quit (G_APPLICATION (app));
}

static gboolean
countdown_visible (gpointer data)
{
  return wh_kiosk_get_countdown_visible (data);
}

static void
test_kiosk_idle_reset (void)
{
  Kiosk k = { 0 };
  WhKiosk *kiosk;
  WhKioskIdle *idle;
  g_autoptr(GError) error = NULL;
  guint n_tables = 0;
  GtkWidget *entry;

  kiosk_setup (&k);
  kiosk = wh_window_get_kiosk (k.window);
  idle = wh_kiosk_get_idle (kiosk);
  /* The reset on opening (a crash may have left a session) is over. */
  g_assert_true (wh_test_spin_until (resets_at_least_one, &k, 5000));
  k.resets = 0;

  /* One person: signed in, data in every personal table, a token that a
   * desktop session once left in the keyring, a search typed. */
  fill_personal (k.store, k.path);
  g_assert_cmpuint (count_personal_rows (k.path, &n_tables), >=, 5);
  g_assert_cmpuint (n_tables, >=, 5);
  g_assert_true (wh_api_set_token (k.api, "secret-session-token"));
  if (have_keyring)
    {
      g_assert_true (wh_token_store_sync ("http://127.0.0.1:9", "secret-session-token", &error));
      g_assert_no_error (error);
    }
  wh_window_show_view (k.window, "jobs");
  entry = wh_test_find_descendant (wh_window_get_page (k.window, "jobs"), GTK_TYPE_SEARCH_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "电工");
  {
    GtkWidget *dialog = gtk_window_new ();

    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (k.window));
    gtk_window_present (GTK_WINDOW (dialog));
  }
  g_assert_cmpuint (n_toplevels (), ==, 2);

  /* A touch, then nothing: the countdown shows; a touch on it cancels. */
  wh_kiosk_idle_set_timeout (idle, 1500, 1000);
  wh_kiosk_idle_poke (idle);
  g_assert_false (wh_kiosk_get_countdown_visible (kiosk));
  g_assert_true (wh_test_spin_until (countdown_visible, kiosk, 1500));
  /* A keypad key counts, however it was pressed (an AT-SPI action reaches
   * no event controller). */
  wh_keypad_press (wh_kiosk_get_keypad (kiosk), "1");
  g_assert_false (wh_kiosk_get_countdown_visible (kiosk));
  wh_test_spin (300);
  g_assert_false (wh_kiosk_get_countdown_visible (kiosk));
  g_assert_cmpuint (k.resets, ==, 0);

  /* Then nothing again: countdown, then the reset. */
  g_assert_true (wh_test_spin_until (countdown_visible, kiosk, 1500));
  g_assert_true (wh_test_spin_until (resets_at_least_one, &k, 10000));
  g_assert_false (wh_kiosk_get_countdown_visible (kiosk));
  g_assert_false (wh_kiosk_is_resetting (kiosk));

  /* Home, nothing typed, dialogs gone, signed out. */
  g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "home");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_cmpuint (n_toplevels (), ==, 1);
  g_assert_null (wh_api_get_token (k.api));

  /* Nothing personal in any table, nor in the file's free pages or WAL. */
  g_assert_cmpuint (count_personal_rows (k.path, &n_tables), ==, 0);
  g_assert_false (store_files_have_marker (k.path));
  /* The cache itself stays. */
  g_assert_cmpint (wh_store_count (k.store, &wh_collection_stations, NULL), ==, 1);

  if (have_keyring)
    {
      g_autofree char *token = wh_token_lookup_sync ("http://127.0.0.1:9", &error);

      g_assert_no_error (error);
      g_assert_null (token);
    }
  else
    g_test_message ("No keyring in this session: its check was left out");

  /* Nobody touched it since: no second reset. */
  wh_test_spin (2000);
  g_assert_cmpuint (k.resets, ==, 1);
  kiosk_teardown (&k);
}

static void
test_kiosk_keypad_follows_focus (void)
{
  Kiosk k = { 0 };
  WhKiosk *kiosk;
  GtkWidget *entry;
  GtkWidget *text;
  GtkWidget *key;

  kiosk_setup (&k);
  kiosk = wh_window_get_kiosk (k.window);
  wh_window_show_view (k.window, "jobs");
  entry = wh_test_find_descendant (wh_window_get_page (k.window, "jobs"), GTK_TYPE_SEARCH_ENTRY);
  text = wh_test_find_descendant (entry, GTK_TYPE_TEXT);
  wh_test_spin (100);

  /* A text search: no keypad. */
  gtk_widget_grab_focus (text);
  wh_test_spin (50);
  g_assert_false (wh_kiosk_get_keypad_visible (kiosk));

  /* An entry for a phone number: the keypad, typing into it. */
  gtk_text_set_input_purpose (GTK_TEXT (text), GTK_INPUT_PURPOSE_PHONE);
  gtk_window_set_focus (GTK_WINDOW (k.window), NULL);
  gtk_widget_grab_focus (text);
  wh_test_spin (50);
  g_assert_true (wh_kiosk_get_keypad_visible (kiosk));
  key = wh_test_find_descendant (GTK_WIDGET (wh_kiosk_get_keypad (kiosk)), GTK_TYPE_BUTTON);
  g_assert_nonnull (key);
  g_signal_emit_by_name (key, "clicked");
  g_signal_emit_by_name (key, "clicked");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "11");
  /* Tapping a key leaves the focus in the entry. */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (k.window)) == text);

  /* OK: done, keypad away. */
  wh_keypad_press (wh_kiosk_get_keypad (kiosk), "ok");
  wh_test_spin (50);
  g_assert_false (wh_kiosk_get_keypad_visible (kiosk));
  /* And the focus with it: a touch on the entry (after a wrong PIN, say)
   * brings the keypad back. */
  g_assert_false (gtk_widget_has_focus (text));
  gtk_widget_grab_focus (text);
  wh_test_spin (50);
  g_assert_true (wh_kiosk_get_keypad_visible (kiosk));
  kiosk_teardown (&k);
}

static gboolean
has_choices (gpointer home)
{
  GtkWidget *flow = wh_test_find_descendant (home, GTK_TYPE_FLOW_BOX);
  GtkWidget *child = flow ? gtk_widget_get_first_child (flow) : NULL;
  guint n = 0;

  for (; child; child = gtk_widget_get_next_sibling (child))
    n++;
  return n >= 4;
}

/* A job of category, at lat, lon when lat is not 0. */
static WhRecord *
new_job (gint64      id,
         const char *category,
         double      lat,
         double      lon)
{
  WhRecord *r = wh_record_new (&wh_collection_jobs);

  r->id = r->rev = id;
  wh_record_set_text (r, "title", "岗位");
  wh_record_set_int (r, "employer_id", 1);
  wh_record_set_text (r, "employer_name", "公司");
  wh_record_set_text (r, "category", category);
  if (lat != 0)
    {
      wh_record_set_real (r, "lat", lat);
      wh_record_set_real (r, "lon", lon);
    }
  wh_record_set_int (r, "salary_min", 5000);
  wh_record_set_int (r, "salary_max", 8000);
  wh_record_set_text (r, "salary_period", "month");
  wh_record_set_text (r, "settlement", "monthly");
  wh_record_set_text (r, "posted_at", "2026-11-01");
  return r;
}

/* Home's category buttons come from the cache: the distinct job categories
 * (a loose index scan), in order, with "All Jobs" first; a choice opens the
 * jobs on that topic. */
static void
test_kiosk_job_categories (void)
{
  Kiosk k = { 0 };
  g_autoptr(WhPage) jobs = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) values = NULL;
  const char *categories[] = { "快递物流", "保洁", "快递物流", "建筑", "保洁", "餐饮" };
  GtkWidget *home;
  GtkWidget *first;

  kiosk_setup (&k);
  for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
    g_ptr_array_add (jobs->records, new_job (i + 1, categories[i], 0, 0));
  jobs->next_since = jobs->server_rev = G_N_ELEMENTS (categories);
  g_assert_true (wh_store_apply_page (k.store, jobs, NULL, &error));
  g_assert_no_error (error);

  values = wh_store_list_values (k.store, &wh_collection_jobs, "category", 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (values), ==, 4);
  for (guint i = 1; values[i]; i++)
    g_assert_cmpint (strcmp (values[i - 1], values[i]), <, 0);
  g_clear_pointer (&values, g_strfreev);
  values = wh_store_list_values (k.store, &wh_collection_jobs, "category", 2, &error);
  g_assert_cmpuint (g_strv_length (values), ==, 2);

  home = wh_window_get_page (k.window, "home");
  g_assert_true (gtk_widget_activate_action (home, "kiosk-home.open", "s", "jobs"));
  g_assert_true (wh_test_spin_until (has_choices, home, 3000));
  /* "All Jobs" and the four categories; a category opens the jobs. */
  first = gtk_widget_get_first_child (wh_test_find_descendant (home, GTK_TYPE_FLOW_BOX));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (wh_test_find_descendant (first,
                                                                          GTK_TYPE_LABEL))),
                   ==, "All Jobs");
  g_signal_emit_by_name (wh_test_find_descendant (gtk_widget_get_next_sibling (first),
                                                  GTK_TYPE_BUTTON), "clicked");
  wh_test_spin (50);
  g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "jobs");

  /* Home again: the choices are gone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (k.window), "win.home", NULL));
  wh_test_spin (50);
  g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "home");
  g_assert_false (has_choices (home));
  kiosk_teardown (&k);
}

/* ---- Home's topics: each tile and choice lands on a filtered page ------- */

#define HERE_LAT 39.99
#define HERE_LON 116.47

static void
add_record (WhPage   *page,
            WhRecord *record,
            gint64    id)
{
  record->id = record->rev = id;
  g_ptr_array_add (page->records, record);
  page->next_since = page->server_rev = MAX (page->server_rev, id);
}

static void
apply (WhStore *store,
       WhPage  *page)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  wh_page_free (page);
}

/* Two more stations (7, the kiosk's, is made by make_store), course and job
 * categories, courses, jobs of three trades at several distances (保洁 has
 * no category record: the Home lists the jobs' own categories), and two
 * love-meal merchants. */
static void
fill_topics (WhStore *store)
{
  static const struct { const char *category; double dlat; } jobs[] = {
    { "电工", 0.30 }, { "快递", 0.02 }, { "电工", 0.01 }, { "保洁", 0.05 },
    { "电工", 0.10 }, { "快递", 0.50 },
  };
  WhPage *page = wh_page_new (&wh_collection_stations);
  WhRecord *r;

  for (guint i = 0; i < 2; i++)
    {
      r = wh_record_new (&wh_collection_stations);
      wh_record_set_text (r, "name", i == 0 ? "望京南驿站" : "顺义驿站");
      wh_record_set_text (r, "address", "北京市");
      wh_record_set_real (r, "lat", HERE_LAT + (i == 0 ? 0.01 : 0.4));
      wh_record_set_real (r, "lon", HERE_LON);
      wh_record_set_text (r, "status", "open");
      add_record (page, r, 8 + i);
    }
  apply (store, page);

  page = wh_page_new (&wh_collection_categories);
  for (guint i = 0; i < 2; i++)
    {
      r = wh_record_new (&wh_collection_categories);
      wh_record_set_text (r, "name", i == 0 ? "电工" : "快递");
      wh_record_set_int (r, "position", i);
      add_record (page, r, i + 1);
    }
  apply (store, page);

  page = wh_page_new (&wh_collection_courses);
  for (guint i = 0; i < 3; i++)
    {
      r = wh_record_new (&wh_collection_courses);
      wh_record_set_int (r, "category_id", i == 0 ? 1 : 2);
      wh_record_set_text (r, "title", i == 0 ? "低压电工上岗" : "快递员安全驾驶");
      wh_record_set_text (r, "trade", i == 0 ? "电工" : "快递");
      wh_record_set_text (r, "author", "段振宇");
      add_record (page, r, i + 1);
    }
  apply (store, page);

  page = wh_page_new (&wh_collection_jobs);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    add_record (page, new_job (0, jobs[i].category, HERE_LAT + jobs[i].dlat, HERE_LON), i + 1);
  apply (store, page);

  page = wh_page_new (&wh_collection_merchants);
  for (guint i = 0; i < 2; i++)
    {
      const char *windows[] = { "00:00-24:00", NULL };

      r = wh_record_new (&wh_collection_merchants);
      /* The far one first by name too: only distance puts the near first. */
      wh_record_set_text (r, "name", i == 0 ? "阿福面馆" : "张记饺子");
      wh_record_set_text (r, "address", "北京市");
      wh_record_set_real (r, "lat", HERE_LAT + (i == 0 ? 0.2 : 0.002));
      wh_record_set_real (r, "lon", HERE_LON);
      wh_record_set_strv (r, "windows", windows);
      wh_record_set_int (r, "daily_quota", 20);
      wh_record_set_int (r, "remaining_today", 20);
      add_record (page, r, i + 1);
    }
  apply (store, page);
}

static void
collect (GtkWidget  *root,
         GType       type,
         GPtrArray  *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        g_ptr_array_add (out, child);
      collect (child, type, out);
    }
}

/* The Home tile (a real button) that opens name. */
static GtkWidget *
find_tile (GtkWidget  *home,
           const char *name)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (home, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkActionable *button = buttons->pdata[i];
      GVariant *target = gtk_actionable_get_action_target_value (button);

      if (g_strcmp0 (gtk_actionable_get_action_name (button), "kiosk-home.open") == 0 &&
          target && g_str_equal (g_variant_get_string (target, NULL), name))
        return GTK_WIDGET (button);
    }
  return NULL;
}

static const char *
button_label (GtkWidget *button)
{
  return gtk_label_get_text (GTK_LABEL (wh_test_find_descendant (button, GTK_TYPE_LABEL)));
}

/* The choice buttons Home lists, in order. */
static GPtrArray *
choice_buttons (GtkWidget *home)
{
  GtkWidget *flow = wh_test_find_descendant (home, GTK_TYPE_FLOW_BOX);
  GPtrArray *buttons = g_ptr_array_new ();

  if (flow && gtk_widget_is_drawable (flow))
    collect (flow, GTK_TYPE_BUTTON, buttons);
  return buttons;
}

typedef struct
{
  GtkWidget *home;
  guint      n;
} ChoicesWait;

static gboolean
has_n_choices (gpointer data)
{
  ChoicesWait *wait = data;
  g_autoptr(GPtrArray) buttons = choice_buttons (wait->home);

  return buttons->len == wait->n;
}

/* The service's records list (not a drop-down's popover list). */
static GListModel *
records_of (GtkWidget *page)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();

  collect (page, GTK_TYPE_LIST_VIEW, lists);
  for (guint i = 0; i < lists->len; i++)
    {
      GtkSelectionModel *model = gtk_list_view_get_model (lists->pdata[i]);
      GListModel *inner = NULL;

      if (GTK_IS_NO_SELECTION (model))
        inner = gtk_no_selection_get_model (GTK_NO_SELECTION (model));
      else if (GTK_IS_SINGLE_SELECTION (model))
        inner = gtk_single_selection_get_model (GTK_SINGLE_SELECTION (model));
      if (WH_IS_LIST_MODEL (inner))
        return inner;
    }
  return NULL;
}

static const WhRecord *
record_at (GListModel *model,
           guint       i)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (model, i);

  /* The model keeps its items; the record outlives this reference. */
  return wh_record_object_get_record (object);
}

typedef struct
{
  GtkWidget *page;
  guint      n;
} ListWait;

static gboolean
records_settled (gpointer data)
{
  ListWait *wait = data;
  GListModel *model = records_of (wait->page);

  if (WH_IS_JOBS_VIEW (wait->page) && wh_jobs_view_get_busy (WH_JOBS_VIEW (wait->page)))
    return FALSE;
  return model && g_list_model_get_n_items (model) == wait->n;
}

/* Where text first shows among root's labels (those drawn, if drawn),
 * depth first; -1: nowhere. */
static int
label_index (GtkWidget  *root,
             const char *text,
             gboolean    drawn)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if ((!drawn || gtk_widget_is_drawable (labels->pdata[i])) &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return (int) i;
  return -1;
}

static gboolean
has_label (GtkWidget  *root,
           const char *text)
{
  return label_index (root, text, TRUE) >= 0;
}

static gboolean
dropdown_shows (GtkWidget  *page,
                const char *text)
{
  g_autoptr(GPtrArray) dropdowns = g_ptr_array_new ();

  collect (page, GTK_TYPE_DROP_DOWN, dropdowns);
  for (guint i = 0; i < dropdowns->len; i++)
    {
      GObject *item = gtk_drop_down_get_selected_item (dropdowns->pdata[i]);

      if (GTK_IS_STRING_OBJECT (item) &&
          g_strcmp0 (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), text) == 0)
        return TRUE;
    }
  return FALSE;
}

static gint64
station_row_id (GtkWidget *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "station-id64");

  return id ? *id : 0;
}

typedef struct
{
  GtkWidget *page;
  guint      n;
} RowsWait;

static gboolean
has_station_rows (gpointer data)
{
  RowsWait *wait = data;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  guint n = 0;

  collect (wait->page, GTK_TYPE_LIST_BOX_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    n += station_row_id (rows->pdata[i]) > 0;
  return n == wait->n;
}

static gboolean
meals_nearest_shown (gpointer page)
{
  return has_label (page, "Merchants serving now first, then the nearest to this station.") &&
         has_label (page, "张记饺子");
}

static void
press (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
reset_over (gpointer kiosk)
{
  return !wh_kiosk_is_resetting (kiosk);
}

/* Home, as the button does: a reset, over once the cache is wiped. */
static void
go_home (Kiosk *k)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (k->window), "win.home", NULL));
  g_assert_true (wh_test_spin_until (reset_over, wh_window_get_kiosk (k->window), 5000));
  g_assert_cmpstr (wh_window_get_visible_view (k->window), ==, "home");
}

/* Opens tile's choices on Home, checks them ("All" first, then names in
 * order, each big enough for a finger) and presses the one at index. */
static void
press_choice (Kiosk       *k,
              const char  *tile,
              const char  *all,
              const char **names,
              guint        n_names,
              guint        index)
{
  GtkWidget *home = wh_window_get_page (k->window, "home");
  ChoicesWait wait = { home, n_names + 1 };
  g_autoptr(GPtrArray) buttons = NULL;

  go_home (k);
  press (find_tile (home, tile));
  g_assert_true (wh_test_spin_until (has_n_choices, &wait, 3000));
  wh_test_spin (50);
  buttons = choice_buttons (home);
  g_assert_cmpstr (button_label (buttons->pdata[0]), ==, all);
  for (guint i = 0; i < n_names; i++)
    g_assert_cmpstr (button_label (buttons->pdata[i + 1]), ==, names[i]);
  for (guint i = 0; i < buttons->len; i++)
    {
      g_assert_cmpint (gtk_widget_get_height (buttons->pdata[i]), >=, 48);
      g_assert_cmpint (gtk_widget_get_width (buttons->pdata[i]), >=, 48);
    }
  g_test_message ("Pressing %s “%s”", tile, button_label (buttons->pdata[index]));
  press (buttons->pdata[index]);
  wh_test_spin (20);
  g_assert_cmpstr (wh_window_get_visible_view (k->window), ==, tile);
}

static void
test_kiosk_topics (void)
{
  Kiosk k = { 0 };
  GtkWidget *home, *page;
  const char *course_trades[] = { "电工", "快递" };
  const char *job_trades[] = { "保洁", "快递", "电工" };
  GListModel *model;

  kiosk_setup (&k);
  fill_topics (k.store);
  home = wh_window_get_page (k.window, "home");

  /* Courses by trade: a trade's courses. */
  page = wh_window_get_page (k.window, "courses");
  for (guint i = 0; i <= G_N_ELEMENTS (course_trades); i++)
    {
      ListWait list = { page, i == 0 ? 3 : i == 1 ? 1 : 2 };

      press_choice (&k, "courses", "All Courses", course_trades, G_N_ELEMENTS (course_trades), i);
      g_assert_true (wh_test_spin_until (records_settled, &list, 3000));
      model = records_of (page);
      for (guint j = 0; i > 0 && j < g_list_model_get_n_items (model); j++)
        g_assert_cmpint (wh_record_get_int (record_at (model, j), "category_id"), ==, i);
      if (i > 0)
        g_assert_true (dropdown_shows (page, course_trades[i - 1]));
    }

  /* Jobs by category: the jobs' own categories, that trade's jobs, nearest
   * the kiosk first. */
  page = wh_window_get_page (k.window, "jobs");
  for (guint i = 0; i <= G_N_ELEMENTS (job_trades); i++)
    {
      const char *trade = i == 0 ? NULL : job_trades[i - 1];
      ListWait list = { page, i == 0 ? 6 : i == 1 ? 1 : i == 2 ? 2 : 3 };
      const WhJobFilters *filters;
      double last = -1;

      press_choice (&k, "jobs", "All Jobs", job_trades, G_N_ELEMENTS (job_trades), i);
      g_assert_true (wh_test_spin_until (records_settled, &list, 5000));
      filters = wh_jobs_view_get_filters (WH_JOBS_VIEW (page));
      g_assert_cmpstr (filters->category, ==, trade);
      g_assert_cmpint (filters->sort, ==, WH_JOB_SORT_DISTANCE);
      g_assert_true (dropdown_shows (page, trade ? trade : "Every trade"));
      g_assert_true (dropdown_shows (page, "Nearest first"));
      model = records_of (page);
      for (guint j = 0; j < g_list_model_get_n_items (model); j++)
        {
          const WhRecord *r = record_at (model, j);
          double d = wh_geo_distance_m (HERE_LAT, HERE_LON, wh_record_get_real (r, "lat"),
                                        wh_record_get_real (r, "lon"));

          if (trade)
            g_assert_cmpstr (wh_record_get_text (r, "category"), ==, trade);
          g_assert_cmpfloat (d, >=, last);
          last = d;
        }
    }

  /* Nearest stations: the kiosk's own first, as "You are here", then by
   * distance; the list, not a station's page. */
  {
    RowsWait wait = { wh_window_get_page (k.window, "stations"), 3 };
    g_autoptr(GPtrArray) rows = g_ptr_array_new ();
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

    go_home (&k);
    press (find_tile (home, "stations"));
    g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "stations");
    g_assert_true (wh_test_spin_until (has_station_rows, &wait, 5000));
    collect (wait.page, GTK_TYPE_LIST_BOX_ROW, rows);
    for (guint i = 0; i < rows->len; i++)
      if (station_row_id (rows->pdata[i]) > 0)
        {
          gint64 id = station_row_id (rows->pdata[i]);

          g_array_append_val (ids, id);
        }
    g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 7);
    g_assert_cmpint (g_array_index (ids, gint64, 1), ==, 8);
    g_assert_cmpint (g_array_index (ids, gint64, 2), ==, 9);
    g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (
      gtk_widget_get_next_sibling (wh_test_find_descendant (rows->pdata[0], GTK_TYPE_LABEL)))),
      "You are here"));
    g_assert_true (has_label (wait.page, "Nearest to this station first."));
  }

  /* Love meals: the merchants nearest the kiosk first (both serve all
   * day), said so. */
  page = wh_window_get_page (k.window, "meals");
  go_home (&k);
  press (find_tile (home, "meals"));
  g_assert_cmpstr (wh_window_get_visible_view (k.window), ==, "meals");
  g_assert_cmpstr (wh_meals_view_get_page (WH_MEALS_VIEW (page)), ==, "home");
  g_assert_true (wh_test_spin_until (meals_nearest_shown, page, 5000));
  g_assert_cmpint (label_index (page, "张记饺子", FALSE), <, label_index (page, "阿福面馆", FALSE));
  g_assert_cmpint (label_index (page, "阿福面馆", FALSE), >=, 0);

  kiosk_teardown (&k);
}

typedef struct
{
  WhKiosk   *kiosk;
  GtkWidget *window;
} KeypadWait;

static gboolean
keypad_shown (gpointer data)
{
  KeypadWait *wait = data;
  GtkWidget *keypad = GTK_WIDGET (wh_kiosk_get_keypad (wait->kiosk));

  return wh_kiosk_get_keypad_visible (wait->kiosk) && gtk_widget_get_mapped (keypad) &&
         gtk_widget_get_height (gtk_widget_get_parent (gtk_widget_get_parent (keypad))) > 250;
}

/* A landscape screen (1920×1080) with the keypad up under the tallest page
 * (the stations' filters and list): the window stays within the screen and
 * every key is whole and big enough for a finger. */
static void
test_kiosk_landscape_keypad (void)
{
  Kiosk k = { 0 };
  KeypadWait wait;
  GtkWidget *page, *text;
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  int min = 0;

  kiosk_setup (&k);
  gtk_window_set_default_size (GTK_WINDOW (k.window), 1920, 1080);
  wait.kiosk = wh_window_get_kiosk (k.window);
  wait.window = GTK_WIDGET (k.window);
  wh_window_show_view (k.window, "stations");
  page = wh_window_get_page (k.window, "stations");
  text = wh_test_find_descendant (wh_test_find_descendant (page, GTK_TYPE_SEARCH_ENTRY),
                                  GTK_TYPE_TEXT);
  /* An entry for digits, as the love meals' phone entry is. */
  gtk_text_set_input_purpose (GTK_TEXT (text), GTK_INPUT_PURPOSE_PHONE);
  wh_test_spin (100);
  gtk_widget_grab_focus (text);
  g_assert_true (wh_test_spin_until (keypad_shown, &wait, 3000));
  wh_test_spin (400); /* the slide */

  gtk_widget_measure (GTK_WIDGET (k.window), GTK_ORIENTATION_VERTICAL, 1920, &min, NULL, NULL,
                      NULL);
  g_assert_cmpint (min, <=, 1080);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (k.window)), <=, 1080);
  collect (GTK_WIDGET (wh_kiosk_get_keypad (wait.kiosk)), GTK_TYPE_BUTTON, keys);
  g_assert_cmpuint (keys->len, ==, 12);
  for (guint i = 0; i < keys->len; i++)
    {
      graphene_rect_t bounds;

      g_assert_true (gtk_widget_compute_bounds (keys->pdata[i], GTK_WIDGET (k.window), &bounds));
      g_assert_cmpfloat (bounds.size.height, >=, 48);
      g_assert_cmpfloat (bounds.size.width, >=, 48);
      g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                         gtk_widget_get_height (GTK_WIDGET (k.window)));
    }
  /* The entry it types into is as big as a button. */
  g_assert_cmpint (gtk_widget_get_height (gtk_widget_get_parent (text)), >=, 48);
  kiosk_teardown (&k);
}

/* Home on a portrait screen (1080×1920) and a landscape one (1920×1080):
 * the four tiles are big enough to hit from across a counter (the style
 * sheet's size reaches them) and fill the screen below "You are here"
 * (#18: they took less than half of a portrait screen). */
static void
test_kiosk_home_tiles (void)
{
  static const char * const tiles[] = { "courses", "jobs", "stations", "meals" };
  static const int sizes[][2] = { { 1080, 1920 }, { 1920, 1080 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      Kiosk k = { 0 };
      GtkWidget *home;
      int home_width, home_height;

      kiosk_setup (&k);
      gtk_window_set_default_size (GTK_WINDOW (k.window), sizes[s][0], sizes[s][1]);
      gtk_widget_set_size_request (GTK_WIDGET (k.window), sizes[s][0], sizes[s][1]);
      go_home (&k);
      wh_test_spin (300);
      home = wh_window_get_page (k.window, "home");
      /* Whatever the screen's size (Xvfb's may be smaller than asked). */
      home_width = gtk_widget_get_width (home);
      home_height = gtk_widget_get_height (home);
      g_test_message ("Home %d×%d", home_width, home_height);
      for (guint i = 0; i < G_N_ELEMENTS (tiles); i++)
        {
          GtkWidget *tile = find_tile (home, tiles[i]);

          g_assert_nonnull (tile);
          g_assert_cmpint (gtk_widget_get_height (tile), >=, 240);
          g_assert_cmpint (gtk_widget_get_width (tile), >=, 240);
          /* Two rows and two columns of them fill it, but for margins,
           * spacing and the "You are here" card. */
          g_assert_cmpint (gtk_widget_get_width (tile), >=, home_width * 2 / 5);
          g_assert_cmpint (gtk_widget_get_height (tile), >=, (home_height - 300) * 2 / 5);
        }
      kiosk_teardown (&k);
    }
}

/* ---- A keyring of the test's own --------------------------------------- */

static GSubprocess *
start_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *home = wh_test_make_tmpdir ();
  g_autofree char *daemon = g_find_program_in_path ("gnome-keyring-daemon");
  g_autoptr(GDBusConnection) connection = NULL;
  GSubprocess *keyring;
  GOutputStream *in;

  if (daemon == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return NULL;
  /* tools/test-session started an unlocked keyring for the whole suite. */
  if (g_strcmp0 (g_getenv ("WH_TEST_KEYRING"), "unlocked") == 0)
    {
      have_keyring = TRUE;
      return NULL;
    }
  /* Its files in a directory of the test's, never the user's keyrings. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  keyring = g_subprocess_launcher_spawn (launcher, &error, daemon, "--foreground", "--unlock",
                                         "--components=secrets", NULL);
  if (keyring == NULL)
    return NULL;
  in = g_subprocess_get_stdin_pipe (keyring);
  g_output_stream_write_all (in, "test", 4, NULL, NULL, NULL);
  g_output_stream_close (in, NULL, NULL);
  /* Ready once it owns the Secret Service name; asking before would make
   * the bus start another daemon, one that prompts to unlock. */
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  for (guint i = 0; connection && i < 100 && !have_keyring; i++)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", "org.freedesktop.secrets"),
                                     G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     NULL);

      if (reply)
        g_variant_get (reply, "(b)", &have_keyring);
      if (!have_keyring)
        g_usleep (50 * 1000);
    }
  /* In a suite sharing one session bus, an earlier test may have had the
   * bus start a daemon with no unlocked keyring; ours then cannot own the
   * name, and storing the token would wait on a password prompt nobody
   * answers. Check the keyring only when the service is ours. */
  if (have_keyring)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                     g_variant_new ("(s)", "org.freedesktop.secrets"),
                                     G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     NULL);
      guint32 pid = 0;

      if (reply)
        g_variant_get (reply, "(u)", &pid);
      if (g_strcmp0 (g_subprocess_get_identifier (keyring), NULL) == 0 ||
          (gint64) pid != g_ascii_strtoll (g_subprocess_get_identifier (keyring), NULL, 10))
        {
          g_test_message ("The Secret Service is another process's (pid %u), not this "
                          "test's keyring", pid);
          have_keyring = FALSE;
        }
    }
  return keyring;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSubprocess) keyring = NULL;
  int status;

  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  /* What AdwApplication loads for the app: the touch sizes are in it. */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/org/workershome/WorkersHome/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  keyring = start_keyring ();
  if (!have_keyring)
    g_test_message ("No keyring (run under dbus-run-session): its checks are left out");

  g_test_add_func ("/kiosk/keypad", test_keypad);
  g_test_add_func ("/kiosk/station", test_kiosk_station);
  g_test_add_func ("/kiosk/keypad-follows-focus", test_kiosk_keypad_follows_focus);
  g_test_add_func ("/kiosk/idle-reset", test_kiosk_idle_reset);
  g_test_add_func ("/kiosk/job-categories", test_kiosk_job_categories);
  g_test_add_func ("/kiosk/topics", test_kiosk_topics);
  g_test_add_func ("/kiosk/landscape-keypad", test_kiosk_landscape_keypad);
  g_test_add_func ("/kiosk/home-tiles", test_kiosk_home_tiles);
  g_test_add_func ("/kiosk/close-and-keys", test_kiosk_close_and_keys);
  status = g_test_run ();
  if (keyring)
    g_subprocess_force_exit (keyring);
  return status;
}
