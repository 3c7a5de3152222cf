/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UI tests on the real widgets, under Xvfb (suite "ui"). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "jobs/wh-jobs-view.h"
#include "wh-app-sync.h"
#include "wh-application.h"
#include "wh-preferences-window.h"
#include "wh-list-model.h"
#include "wh-service-page.h"
#include "wh-sync-status.h"
#include "wh-test.h"
#include "wh-test-server.h"
#include "wh-test-ui.h"
#include "wh-window.h"

/* A store holding a few jobs and stations written through the same path a
 * sync uses. */
static WhStore *
make_store (char **path_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);
  g_autoptr(WhPage) jobs = wh_page_new (&wh_collection_jobs);
  g_autoptr(WhPage) stations = wh_page_new (&wh_collection_stations);
  const char *titles[] = { "高级电工技师", "保洁员", "快递员", "叉车司机", "维修电工" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      WhRecord *r = wh_record_new (&wh_collection_jobs);

      r->id = i + 1;
      r->rev = i + 1;
      wh_record_set_text (r, "title", titles[i]);
      wh_record_set_int (r, "employer_id", 1);
      wh_record_set_text (r, "employer_name", "北京顺达物流有限公司");
      wh_record_set_text (r, "category", "快递物流");
      wh_record_set_int (r, "salary_min", 6000 + i * 500);
      wh_record_set_int (r, "salary_max", 9000 + i * 500);
      wh_record_set_text (r, "salary_period", "month");
      wh_record_set_text (r, "settlement", "monthly");
      wh_record_set_text (r, "posted_at", "2026-11-01");
      g_ptr_array_add (jobs->records, r);
    }
  jobs->next_since = jobs->server_rev = G_N_ELEMENTS (titles);
  g_assert_true (wh_store_apply_page (store, jobs, NULL, &error));
  g_assert_no_error (error);

  {
    static const char * const amenities[] = { "hot_water", "charging", NULL };
    WhRecord *r = wh_record_new (&wh_collection_stations);

    r->id = 1;
    r->rev = 10;
    wh_record_set_text (r, "name", "望京街道户外劳动者服务站");
    wh_record_set_text (r, "address", "北京市朝阳区望京街8号");
    wh_record_set_real (r, "lat", 39.99);
    wh_record_set_real (r, "lon", 116.47);
    wh_record_set_strv (r, "amenities", amenities);
    wh_record_set_text (r, "status", "open");
    wh_record_set_text (r, "province", "北京市");
    wh_record_set_text (r, "city", "北京市");
    wh_record_set_int (r, "province_adcode", 110000);
    wh_record_set_int (r, "city_adcode", 110100);
    g_ptr_array_add (stations->records, r);
    stations->next_since = stations->server_rev = 10;
    g_assert_true (wh_store_apply_page (store, stations, NULL, &error));
  }
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return store;
}

static WhWindow *
new_window (void)
{
  WhWindow *window = wh_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  wh_test_spin (100);
  return window;
}

static void
test_window_views (void)
{
  WhWindow *window = new_window ();
  const char *views[] = { "courses", "jobs", "stations", "meals" };

  g_assert_nonnull (wh_window_get_sync_status (window));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *accel = g_strdup_printf ("'%s'", views[i]);

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-view", "s",
                                                 views[i]));
      wh_test_spin (20);
      g_assert_cmpstr (wh_window_get_visible_view (window), ==, views[i]);
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
is_label_with (GtkWidget *widget,
               gpointer   text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
label_shown (gpointer data)
{
  LabelWait *w = data;

  return wh_test_find_widget (w->root, is_label_with, (gpointer) w->text) != NULL;
}

/* A page's message goes through WhServicePage::toast to the window, which
 * shows it as plain text: no page reaches for the window, and none keeps a
 * toast of its own. */
static void
test_page_toast (void)
{
  const char *views[] = { "courses", "jobs", "stations", "meals" };

  /* A window each: the window shows one toast at a time. */
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      WhWindow *window = new_window ();
      GtkWidget *page = wh_window_get_page (window, views[i]);
      g_autofree char *text = g_strdup_printf ("<b>%s</b> & done", views[i]);
      LabelWait wait = { GTK_WIDGET (window), text };
      GtkWidget *label;

      wh_window_show_view (window, views[i]);
      wh_service_page_toast (WH_SERVICE_PAGE (page), text);
      g_assert_true (wh_test_spin_until (label_shown, &wait, 3000));
      label = wh_test_find_widget (GTK_WIDGET (window), is_label_with, text);
      g_assert_false (gtk_widget_is_ancestor (label, page));
      gtk_window_destroy (GTK_WINDOW (window));
    }
}

static void
test_sync_status (void)
{
  WhWindow *window = new_window ();
  WhSyncStatus *status = wh_window_get_sync_status (window);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  wh_sync_status_update (status, WH_SYNC_STATUS_IDLE, 0, 0);
  g_assert_cmpstr (wh_sync_status_get_text (status), ==, "Not synced yet");
  wh_sync_status_update (status, WH_SYNC_STATUS_SYNCING, 0.45, 0);
  g_assert_cmpstr (wh_sync_status_get_text (status), ==, "Syncing… 45%");
  wh_sync_status_update (status, WH_SYNC_STATUS_IDLE, 0, now);
  g_assert_cmpstr (wh_sync_status_get_text (status), ==, "Updated just now");
  wh_sync_status_update (status, WH_SYNC_STATUS_OFFLINE, 0, now - 3600 * 30);
  g_assert_true (g_str_has_prefix (wh_sync_status_get_text (status),
                                   "Offline — showing saved data from "));

  /* The first run shows progress, never an empty list. */
  wh_window_show_first_run (window, TRUE, 0.3, "Courses");
  wh_test_spin (20);
  wh_window_show_first_run (window, FALSE, 1, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The first-run page, as WhAppSync drives it ------------------------ */

static gboolean
is_first_run_stack (GtkWidget *widget,
                    gpointer   data)
{
  return GTK_IS_STACK (widget) &&
         gtk_stack_get_child_by_name (GTK_STACK (widget), "first-run") != NULL;
}

static void
stack_child_cb (GtkStack   *stack,
                GParamSpec *pspec,
                gboolean   *seen)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "first-run") == 0)
    *seen = TRUE;
}

static gboolean
status_has_prefix (gpointer data)
{
  gpointer *args = data;

  return g_str_has_prefix (wh_sync_status_get_text (args[0]), args[1]);
}

/* Attaches a WhAppSync for url to a new window on store and runs the main
 * loop until the sync status starts with until; returns the window, and in
 * seen whether the first-run page was on screen at any moment. */
static WhWindow *
attach_sync (WhStore    *store,
             const char *url,
             const char *until,
             gboolean   *seen,
             WhAppSync **app_sync_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  WhWindow *window = new_window ();
  GtkWidget *stack = wh_test_find_widget (GTK_WIDGET (window), is_first_run_stack, NULL);
  WhAppSync *app_sync = wh_app_sync_new (store, url, FALSE, &error);
  gpointer args[2] = { wh_window_get_sync_status (window), (gpointer) until };

  g_assert_no_error (error);
  g_assert_nonnull (stack);
  *seen = FALSE;
  g_signal_connect (stack, "notify::visible-child-name", G_CALLBACK (stack_child_cb), seen);
  wh_app_sync_attach (app_sync, window, settings);
  g_assert_true (wh_test_spin_until (status_has_prefix, args, 30000));
  /* what the end of the run shows comes with the status */
  wh_test_spin (50);
  g_signal_handlers_disconnect_by_data (stack, seen);
  *app_sync_out = app_sync;
  return window;
}

static const char *
first_run_title (WhWindow *window)
{
  GtkWidget *stack = wh_test_find_widget (GTK_WIDGET (window), is_first_run_stack, NULL);
  GtkWidget *page = gtk_stack_get_child_by_name (GTK_STACK (stack), "first-run");
  GtkWidget *status_page = ADW_IS_STATUS_PAGE (page)
                             ? page : wh_test_find_descendant (page, ADW_TYPE_STATUS_PAGE);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (stack)), "first-run") != 0)
    return NULL;
  return adw_status_page_get_title (ADW_STATUS_PAGE (status_page));
}

/* Nothing cached: the first run shows its progress page from the start and
 * the main window once done. A later run that fails keeps what is cached
 * on screen; a first run that fails says why, with a way to try again.
 * The cache is read on the store's queue, never on the main thread. */
static void
test_first_run_page (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *empty_path = g_build_filename (dir, "empty.db", NULL);
  g_autoptr(WhStore) store = NULL;
  g_autoptr(WhStore) empty = NULL;
  WhAppSync *app_sync = NULL;
  WhWindow *window;
  gboolean seen;

  g_assert_no_error (error);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);

  /* an empty cache, a server: the progress page, then the services */
  window = attach_sync (store, wh_test_server_get_url (server), "Updated", &seen, &app_sync);
  g_assert_true (seen);
  g_assert_null (first_run_title (window));
  g_assert_cmpint (wh_store_count (store, &wh_collection_courses, NULL), >, 0);
  g_object_unref (app_sync);
  gtk_window_destroy (GTK_WINDOW (window));

  /* the server gone, the cache full: offline, what was saved stays */
  wh_test_server_stop (server);
  window = attach_sync (store, wh_test_server_get_url (server), "Offline", &seen, &app_sync);
  g_assert_false (seen);
  g_assert_null (first_run_title (window));
  g_object_unref (app_sync);
  gtk_window_destroy (GTK_WINDOW (window));

  /* the server gone, nothing cached: the reason and Try Again */
  empty = wh_store_open (empty_path, &error);
  g_assert_no_error (error);
  window = attach_sync (empty, wh_test_server_get_url (server), "Offline", &seen, &app_sync);
  g_assert_true (seen);
  g_assert_cmpstr (first_run_title (window), ==, "Could Not Download");
  g_object_unref (app_sync);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
model_has_items (gpointer data)
{
  GtkListView *list = data;
  GtkSelectionModel *model = gtk_list_view_get_model (list);

  return model && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0;
}

static gboolean
jobs_idle (gpointer data)
{
  return !wh_jobs_view_get_busy (data);
}

typedef struct
{
  WhJobsView *jobs;
  const char *title;
} JobShown;

static gboolean
is_shown_label_with (GtkWidget *widget,
                     gpointer   data)
{
  return is_label_with (widget, data) && gtk_widget_get_mapped (widget) &&
         gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_VIEW) == NULL;
}

/* The job's page is open, with its title outside the list. */
static gboolean
job_shown (gpointer data)
{
  JobShown *s = data;
  AdwLeaflet *leaflet = ADW_LEAFLET (wh_test_find_descendant (GTK_WIDGET (s->jobs),
                                                              ADW_TYPE_LEAFLET));

  return g_strcmp0 (adw_leaflet_get_visible_child_name (leaflet), "list") != 0 &&
         wh_test_find_widget (GTK_WIDGET (s->jobs), is_shown_label_with, (gpointer) s->title) != NULL;
}

/* The list of results, not one inside a dropdown's popover. */
static gboolean
is_result_list (GtkWidget *widget,
                gpointer   data)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_has_css_class (widget, "wh-list") &&
         gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) == NULL;
}

static void
search_jobs (WhJobsView *jobs,
             GtkWidget  *entry,
             const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "search-changed");
  g_assert_true (wh_test_spin_until (jobs_idle, jobs, 5000));
  wh_test_spin (20);
}

static void
test_list_search_detail (void)
{
  g_autoptr(WhStore) store = make_store (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  WhWindow *window = new_window ();
  WhJobsView *jobs;
  GtkListView *list;
  GtkWidget *entry;

  /* The list view's model is replaced with each change of filters, so it
   * is looked up again each time. A malformed saved filter is dropped, not half applied. */
  g_settings_set_string (settings, "job-filters", "{\"settlement\": 7}");
  context = wh_context_new (settings, FALSE);
  wh_window_set_context (window, context);
  wh_context_set_store (context, store);
  wh_window_show_view (window, "jobs");
  jobs = WH_JOBS_VIEW (wh_window_get_page (window, "jobs"));
  g_assert_nonnull (jobs);
  g_assert_true (wh_job_filters_is_default (wh_jobs_view_get_filters (jobs)));
  {
    g_autofree char *json = g_settings_get_string (settings, "job-filters");
    g_assert_cmpstr (json, ==, "");
  }
  list = GTK_LIST_VIEW (wh_test_find_widget (GTK_WIDGET (jobs), is_result_list, NULL));
  g_assert_true (wh_test_spin_until (model_has_items, list, 2000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 5);

  /* Ctrl+F's action focuses the search entry; a two-character word
   * inside a longer title is found (电工 in 高级电工技师 and 维修电工). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL));
  entry = wh_test_find_descendant (GTK_WIDGET (jobs), GTK_TYPE_SEARCH_ENTRY);
  search_jobs (jobs, entry, "电工");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 2);
  search_jobs (jobs, entry, "没有这个词");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 0);
  search_jobs (jobs, entry, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 5);

  /* A filter is kept in the settings and narrows the list. */
  {
    g_autoptr(WhJobFilters) f = wh_job_filters_new ();
    g_autofree char *json = NULL;

    f->pay_period = g_strdup ("month");
    f->pay_min = 10500;
    wh_jobs_view_set_filters (jobs, f);
    g_assert_true (wh_test_spin_until (jobs_idle, jobs, 5000));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 2);
    json = g_settings_get_string (settings, "job-filters");
    g_assert_nonnull (strstr (json, "\"min\":10500"));
  }

  /* Activating a row shows its detail; on a narrow window, back returns.
   * Opening a job by id reads it on the store's queue first: back to the
   * list before, so the page seen after is the one that read opened. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 700);
  gtk_widget_set_size_request (GTK_WIDGET (window), 360, 700);
  wh_test_spin (300);
  g_signal_emit_by_name (list, "activate", 0);
  wh_test_spin (50);
  if (adw_leaflet_get_folded (ADW_LEAFLET (wh_test_find_descendant (GTK_WIDGET (jobs), ADW_TYPE_LEAFLET))))
    {
      g_assert_true (wh_service_page_navigate_back (WH_SERVICE_PAGE (jobs)));
      wh_test_spin (50);
    }
  g_assert_true (wh_jobs_view_show_job (jobs, 3));
  {
    g_autoptr(WhRecord) job = wh_store_get_record (store, &wh_collection_jobs, 3, NULL);
    JobShown shown = { jobs, wh_record_get_text (job, "title") };

    g_assert_true (wh_test_spin_until (job_shown, &shown, 5000));
  }
  if (adw_leaflet_get_folded (ADW_LEAFLET (wh_test_find_descendant (GTK_WIDGET (jobs), ADW_TYPE_LEAFLET))))
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (jobs), "jobs.back", NULL));
      wh_test_spin (50);
      g_assert_false (wh_service_page_navigate_back (WH_SERVICE_PAGE (jobs)));
    }

  /* The kiosk's Home: the search and filters of the last person are gone. */
  search_jobs (jobs, entry, "电工");
  wh_service_page_reset (WH_SERVICE_PAGE (wh_window_get_page (window, "jobs")));
  g_assert_true (wh_test_spin_until (jobs_idle, jobs, 5000));
  wh_test_spin (50);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_true (wh_job_filters_is_default (wh_jobs_view_get_filters (jobs)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list))), ==, 5);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
is_title_label (GtkWidget *widget,
                gpointer   text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_compact (gpointer window)
{
  return wh_sync_status_get_compact (wh_window_get_sync_status (window));
}

static gboolean
is_wide (gpointer window)
{
  return !is_compact (window);
}

/* A shown label of the sync indicator whose text is cut short. */
static gboolean
is_cut_label (GtkWidget *widget,
              gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (widget)));
}

static gboolean
is_shown_label (GtkWidget *widget,
                gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         *gtk_label_get_text (GTK_LABEL (widget)) != '\0';
}

static void
check_narrow_layout (WhWindow *window)
{
  GtkWidget *title;
  int min = 0;

  /* The header keeps the whole title: the sync indicator gives way. */
  g_assert_true (wh_test_spin_until (is_compact, window, 3000));
  wh_test_spin (100);
  title = wh_test_find_widget (GTK_WIDGET (window), is_title_label, (gpointer) "Workers' Home");
  g_assert_nonnull (title);
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (title))));
  /* Nothing asks for more than the 360 px the app promises (metainfo's
   * display_length), so no view is cut off on the right. */
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  g_assert_cmpint (min, <=, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
}

static void
test_narrow_and_large_text (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  int dpi = 0;
  g_autofree char *layout = NULL;
  WhWindow *window = new_window ();

  g_object_get (settings, "gtk-xft-dpi", &dpi, "gtk-decoration-layout", &layout, NULL);
  /* GNOME's title bar: a close button only (Xvfb's default adds two more). */
  g_object_set (settings, "gtk-decoration-layout", "appmenu:close", NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 700);
  gtk_widget_set_size_request (GTK_WIDGET (window), 360, 700);
  wh_test_spin (300);
  check_narrow_layout (window);

  /* Large text (GNOME's text scaling 1.5) on the same narrow window. */
  g_object_set (settings, "gtk-xft-dpi", 96 * 1024 * 3 / 2, NULL);
  wh_test_spin (300);
  for (guint i = 0; i < 4; i++)
    {
      static const char * const views[] = { "courses", "jobs", "stations", "meals" };

      wh_window_show_view (window, views[i]);
      wh_test_spin (50);
      check_narrow_layout (window);
    }
  g_object_set (settings, "gtk-xft-dpi", dpi > 0 ? dpi : 96 * 1024, NULL);

  /* 720 px: the switcher stays in the header and leaves the indicator
   * too little room for its words. It shows its icon alone rather than
   * a word cut to "U…" (the words stay in its tooltip and name). */
  wh_sync_status_update (wh_window_get_sync_status (window), WH_SYNC_STATUS_IDLE, 0,
                         g_get_real_time () / G_USEC_PER_SEC);
  gtk_widget_set_size_request (GTK_WIDGET (window), 720, 700);
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 700);
  g_assert_true (wh_test_spin_until (is_wide, window, 3000));
  wh_test_spin (200);
  g_assert_null (wh_test_find_widget (GTK_WIDGET (wh_window_get_sync_status (window)),
                                      is_cut_label, NULL));

  /* Wide again: the indicator says in words how fresh the data is. */
  gtk_widget_set_size_request (GTK_WIDGET (window), 1000, 700);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  g_assert_true (wh_test_spin_until (is_wide, window, 3000));
  wh_test_spin (200);
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (wh_window_get_sync_status (window)),
                                         is_shown_label, NULL));
  g_assert_null (wh_test_find_widget (GTK_WIDGET (wh_window_get_sync_status (window)),
                                      is_cut_label, NULL));
  g_object_set (settings, "gtk-decoration-layout", layout, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

static WhRecord *
make_course (gint64      id,
             gint64      category_id,
             const char *title)
{
  WhRecord *r = wh_record_new (&wh_collection_courses);

  r->id = r->rev = id;
  wh_record_set_int (r, "category_id", category_id);
  wh_record_set_text (r, "title", title);
  wh_record_set_text (r, "trade", category_id == 7 ? "电工" : "快递");
  wh_record_set_text (r, "author", "段振宇");
  return r;
}

static gboolean
list_has_n (gpointer data)
{
  GtkListView *list = ((gpointer *) data)[0];
  GtkSelectionModel *model = gtk_list_view_get_model (list);

  return model && g_list_model_get_n_items (G_LIST_MODEL (model)) ==
                  GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

/* The catalogue's list, not a drop-down's popover list. */
static gboolean
is_records_list (GtkWidget *widget,
                 gpointer   data)
{
  GtkSelectionModel *model;

  if (!GTK_IS_LIST_VIEW (widget))
    return FALSE;
  model = gtk_list_view_get_model (GTK_LIST_VIEW (widget));
  if (GTK_IS_NO_SELECTION (model))
    return WH_IS_LIST_MODEL (gtk_no_selection_get_model (GTK_NO_SELECTION (model)));
  if (GTK_IS_SINGLE_SELECTION (model))
    return WH_IS_LIST_MODEL (gtk_single_selection_get_model (GTK_SINGLE_SELECTION (model)));
  return FALSE;
}

static gboolean
find_records_list (GtkWidget *page)
{
  return wh_test_find_widget (page, is_records_list, NULL) != NULL;
}

static WhPage *
categories_page (const gint64 *ids,
                 const char  **names,
                 guint         n)
{
  WhPage *page = wh_page_new (&wh_collection_categories);

  for (guint i = 0; i < n; i++)
    {
      WhRecord *c = wh_record_new (&wh_collection_categories);

      c->id = c->rev = ids[i];
      wh_record_set_text (c, "name", names[i]);
      wh_record_set_int (c, "position", ids[i]);
      g_ptr_array_add (page->records, c);
      page->next_since = page->server_rev = ids[i];
    }
  return page;
}

/* Shows the courses page of a new window over store; returns the page and
 * its list once the list holds n courses. */
static GtkWidget *
open_courses (WhWindow    *window,
              WhContext   *context,
              WhStore     *store,
              guint        n,
              GtkListView **list)
{
  GtkWidget *page;
  gpointer want[2];

  wh_window_set_context (window, context);
  wh_context_set_store (context, store);
  wh_window_show_view (window, "courses");
  page = wh_window_get_page (window, "courses");
  g_assert_true (wh_test_spin_until ((gboolean (*) (gpointer)) find_records_list, page, 3000));
  *list = GTK_LIST_VIEW (wh_test_find_widget (page, is_records_list, NULL));
  want[0] = *list;
  want[1] = GUINT_TO_POINTER (n);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  return page;
}

/* The kiosk's "Courses by trade" tile: a trade's courses, no typing. */
static void
test_courses_topic (void)
{
  g_autoptr(WhStore) store = make_store (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = wh_context_new (settings, FALSE);
  static const gint64 ids[] = { 7, 9 };
  static const char *names[] = { "电工", "快递" };
  g_autoptr(WhPage) categories = categories_page (ids, names, 2);
  g_autoptr(WhPage) courses = wh_page_new (&wh_collection_courses);
  g_autoptr(GError) error = NULL;
  WhWindow *window = new_window ();
  GtkWidget *page;
  GtkListView *list;
  gpointer want[2];

  g_ptr_array_add (courses->records, make_course (1, 7, "低压电工上岗培训"));
  g_ptr_array_add (courses->records, make_course (2, 9, "快递员安全驾驶"));
  g_ptr_array_add (courses->records, make_course (3, 9, "快递分拣技巧"));
  courses->next_since = courses->server_rev = 3;
  g_assert_true (wh_store_apply_page (store, categories, NULL, &error));
  g_assert_true (wh_store_apply_page (store, courses, NULL, &error));
  g_assert_no_error (error);
  page = open_courses (window, context, store, 3, &list);
  want[0] = list;

  wh_service_page_show_topic (WH_SERVICE_PAGE (page), "category:9");
  want[1] = GUINT_TO_POINTER (2);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  wh_service_page_show_topic (WH_SERVICE_PAGE (page), "category:7");
  want[1] = GUINT_TO_POINTER (1);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  /* An unknown or malformed topic shows the whole catalogue. */
  wh_service_page_show_topic (WH_SERVICE_PAGE (page), "category:x");
  want[1] = GUINT_TO_POINTER (3);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Types text into page's search entry, as a person does (the entry's
 * own ::search-changed, not a call into the view). */
static void
type_search (GtkWidget  *page,
             const char *text)
{
  GtkWidget *entry = wh_test_find_descendant (page, GTK_TYPE_SEARCH_ENTRY);

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "search-changed");
}

static gboolean
label_gone (gpointer data)
{
  return !label_shown (data);
}

/* Pinyin, initials and traditional characters typed into the search of
 * each view that searches by name find the Chinese rows (#19): courses and
 * jobs (a WhQuery's match), stations (wh_store_search). */
static void
test_search_pinyin (void)
{
  g_autoptr(WhStore) store = make_store (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = wh_context_new (settings, FALSE);
  static const gint64 ids[] = { 7, 9 };
  static const char *names[] = { "电工", "快递" };
  g_autoptr(WhPage) categories = categories_page (ids, names, 2);
  g_autoptr(WhPage) courses = wh_page_new (&wh_collection_courses);
  g_autoptr(GError) error = NULL;
  WhWindow *window = new_window ();
  static const struct
  {
    const char *typed;
    guint       courses; /* of 低压电工上岗培训 (trade 电工), 快递员安全驾驶, 快递分拣技巧 */
    guint       jobs;    /* of 高级电工技师, 保洁员, 快递员, 叉车司机, 维修电工 */
  } cases[] = {
    { "diangong", 1, 2 },
    { "dian gong", 1, 2 },
    { "DianGong", 1, 2 },
    { "dg", 1, 2 },
    { "kuaidi", 2, 1 },
    { "kd", 2, 1 },
    { "電工", 1, 2 },
    { "快遞", 2, 1 },
    { "xyz", 0, 0 },
  };
  GtkWidget *page;
  GtkListView *list;
  gpointer want[2];
  LabelWait station;

  g_ptr_array_add (courses->records, make_course (1, 7, "低压电工上岗培训"));
  g_ptr_array_add (courses->records, make_course (2, 9, "快递员安全驾驶"));
  g_ptr_array_add (courses->records, make_course (3, 9, "快递分拣技巧"));
  courses->next_since = courses->server_rev = 3;
  g_assert_true (wh_store_apply_page (store, categories, NULL, &error));
  g_assert_true (wh_store_apply_page (store, courses, NULL, &error));
  g_assert_no_error (error);

  page = open_courses (window, context, store, 3, &list);
  want[0] = list;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("courses: %s", cases[i].typed);
      type_search (page, cases[i].typed);
      want[1] = GUINT_TO_POINTER (cases[i].courses);
      g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
    }
  type_search (page, "kuaidi");
  want[1] = GUINT_TO_POINTER (2);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  station = (LabelWait) { page, "快递分拣技巧" };
  g_assert_true (wh_test_spin_until (label_shown, &station, 3000));

  wh_window_show_view (window, "jobs");
  page = wh_window_get_page (window, "jobs");
  list = GTK_LIST_VIEW (wh_test_find_widget (page, is_result_list, NULL));
  g_assert_true (wh_test_spin_until (model_has_items, list, 3000));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("jobs: %s", cases[i].typed);
      type_search (page, cases[i].typed);
      g_assert_true (wh_test_spin_until (jobs_idle, page, 5000));
      list = GTK_LIST_VIEW (wh_test_find_widget (page, is_result_list, NULL));
      want[0] = list;
      want[1] = GUINT_TO_POINTER (cases[i].jobs);
      g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
    }

  /* The station's name is in the list only when the search finds it. */
  wh_window_show_view (window, "stations");
  page = wh_window_get_page (window, "stations");
  station = (LabelWait) { page, "望京街道户外劳动者服务站" };
  g_assert_true (wh_test_spin_until (label_shown, &station, 3000));
  type_search (page, "没有这个词");
  g_assert_true (wh_test_spin_until (label_gone, &station, 3000));
  type_search (page, "wangjing");
  g_assert_true (wh_test_spin_until (label_shown, &station, 3000));
  type_search (page, "xyz");
  g_assert_true (wh_test_spin_until (label_gone, &station, 3000));
  type_search (page, "wjjd");
  g_assert_true (wh_test_spin_until (label_shown, &station, 3000));
  type_search (page, "xyz");
  g_assert_true (wh_test_spin_until (label_gone, &station, 3000));
  type_search (page, "服務站");
  g_assert_true (wh_test_spin_until (label_shown, &station, 3000));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The trades are read on the store's queue: the choice comes when they do. */
static gboolean
find_trades (gpointer page)
{
  return wh_test_find_widget (page, wh_test_is_dropdown_from, (gpointer) "All trades") != NULL;
}

static gboolean
dropdown_has_n (gpointer data)
{
  GtkDropDown *dropdown = ((gpointer *) data)[0];

  return g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)) ==
         GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

/* The trades a sync brings reach the choice without a restart, and the
 * trade chosen stays chosen. */
static void
test_courses_categories_after_sync (void)
{
  g_autoptr(WhStore) store = make_store (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = wh_context_new (settings, FALSE);
  static const gint64 first_ids[] = { 9 };
  static const char *first_names[] = { "快递" };
  static const gint64 later_ids[] = { 3, 10 };
  static const char *later_names[] = { "焊工", "保洁" };
  g_autoptr(WhPage) first = categories_page (first_ids, first_names, 1);
  g_autoptr(WhPage) later = categories_page (later_ids, later_names, 2);
  g_autoptr(WhPage) courses = wh_page_new (&wh_collection_courses);
  g_autoptr(GError) error = NULL;
  WhWindow *window = new_window ();
  GtkWidget *page;
  GtkDropDown *trades;
  GtkListView *list;
  gpointer want[2];

  g_ptr_array_add (courses->records, make_course (1, 7, "低压电工上岗培训"));
  g_ptr_array_add (courses->records, make_course (2, 9, "快递员安全驾驶"));
  courses->next_since = courses->server_rev = 2;
  g_assert_true (wh_store_apply_page (store, first, NULL, &error));
  g_assert_true (wh_store_apply_page (store, courses, NULL, &error));
  g_assert_no_error (error);

  page = open_courses (window, context, store, 2, &list);
  g_assert_true (wh_test_spin_until (find_trades, page, 3000));
  trades = GTK_DROP_DOWN (wh_test_find_widget (page, wh_test_is_dropdown_from, (gpointer) "All trades"));
  g_assert_nonnull (trades);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (trades)), ==, 2);
  gtk_drop_down_set_selected (trades, 1);
  want[0] = list;
  want[1] = GUINT_TO_POINTER (1);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));

  /* A later sync page brings two more trades, one sorted before 快递. */
  g_assert_true (wh_store_apply_page (store, later, NULL, &error));
  g_assert_no_error (error);
  want[0] = trades;
  want[1] = GUINT_TO_POINTER (4);
  g_assert_true (wh_test_spin_until (dropdown_has_n, want, 3000));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (trades)), 1),
                   ==, "焊工");
  g_assert_cmpuint (gtk_drop_down_get_selected (trades), ==, 2);
  want[0] = list;
  want[1] = GUINT_TO_POINTER (1);
  g_assert_true (wh_test_spin_until (list_has_n, want, 3000));
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
context_has_location (gpointer context)
{
  return wh_context_get_location (context, NULL, NULL);
}

static gboolean
context_at_31 (gpointer context)
{
  double lat = 0, lon = 0;

  return wh_context_get_location (context, &lat, &lon) && fabs (lat - 31.23) < 1e-9;
}

static void
test_context_location (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  double lat = 0, lon = 0;

  g_settings_set_double (settings, "location-latitude", 0);
  g_settings_set_double (settings, "location-longitude", 0);
  context = wh_context_new (settings, FALSE);
  /* 0,0 is "not set". */
  g_assert_false (wh_context_get_location (context, &lat, &lon));
  g_settings_set_double (settings, "location-latitude", 31.23);
  g_settings_set_double (settings, "location-longitude", 121.47);
  /* Read once both keys are written: never a place with one of them old. */
  g_assert_false (wh_context_get_location (context, &lat, &lon));
  g_assert_true (wh_test_spin_until (context_has_location, context, 1000));
  g_assert_true (wh_context_get_location (context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 31.23, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 121.47, 1e-9);
  wh_context_set_location (context, 95, 0, TRUE);
  g_assert_false (wh_context_get_location (context, NULL, NULL));
  g_settings_reset (settings, "location-latitude");
  g_settings_reset (settings, "location-longitude");
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* The location service belongs to the context, not to the stations view:
 * a fix reaches the context (so jobs and meals measure from it) with no
 * view made at all; a place set in preferences afterwards wins, as the
 * newer; a kiosk never starts it. */
static void
test_context_location_service (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  g_autoptr(WhContext) kiosk = NULL;
  WhLocation *service;
  double lat = 0, lon = 0;
  guint notified = 0;

  context = wh_context_new (settings, FALSE);
  service = wh_context_get_location_service (context);
  g_assert_true (WH_IS_LOCATION (service));
  g_assert_false (wh_location_get_fix (service, &lat, &lon));
  g_assert_false (wh_context_get_location (context, NULL, NULL));
  g_signal_connect_swapped (context, "notify::location", G_CALLBACK (count_cb), &notified);

  wh_location_set_fix (service, 30.66, 104.07);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (wh_context_get_location (context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 30.66, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 104.07, 1e-9);
  /* Nonsense from the service changes nothing. */
  wh_location_set_fix (service, 120, 0);
  g_assert_true (wh_context_get_location (context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 30.66, 1e-9);

  g_settings_set_double (settings, "location-latitude", 31.23);
  g_settings_set_double (settings, "location-longitude", 121.47);
  g_assert_true (wh_test_spin_until (context_at_31, context, 1000));
  g_assert_true (wh_context_get_location (context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 31.23, 1e-9);
  wh_location_set_fix (service, 30.67, 104.06);
  g_assert_true (wh_context_get_location (context, &lat, &lon));
  g_assert_cmpfloat_with_epsilon (lat, 30.67, 1e-9);
  g_settings_reset (settings, "location-latitude");
  g_settings_reset (settings, "location-longitude");

  kiosk = wh_context_new (settings, TRUE);
  wh_context_start_location (kiosk);
  g_assert_false (wh_location_get_started (wh_context_get_location_service (kiosk)));
}

/* A combo row's model is replaced when its data arrives from a thread. */
static void
wait_for_items (AdwComboRow *row,
                guint        n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_list_model_get_n_items (adw_combo_row_get_model (row)) < n &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, n);
}

static gboolean
is_storage_row (GtkWidget *widget,
                gpointer   data)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), "Saved data") == 0;
}

/* The Saved data row says a size in bytes ("12.3 kB", never empty). */
static gboolean
storage_size_shown (gpointer prefs)
{
  GtkWidget *row = wh_test_find_widget (GTK_WIDGET (prefs), is_storage_row, NULL);
  const char *size = row ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;

  return size != NULL && g_ascii_isdigit (size[0]) && strchr (size, 'B') != NULL;
}

static void
test_preferences_persist (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhStore) store = make_store (NULL);
  WhPreferencesWindow *prefs = wh_preferences_window_new (settings, store);
  GtkSpinButton *spin_button;
  AdwComboRow *region;

  gtk_window_present (GTK_WINDOW (prefs));
  wh_test_spin (100);
  /* The cache's size, read off the main thread, fills its row. */
  g_assert_true (wh_test_spin_until (storage_size_shown, prefs, 5000));
  spin_button = GTK_SPIN_BUTTON (wh_test_find_descendant (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON));
  g_assert_nonnull (spin_button);
  gtk_spin_button_set_value (spin_button, 45);
  g_assert_cmpuint (g_settings_get_uint (settings, "sync-interval"), ==, 45);

  /* The cities come from the cache, read off the main thread; choosing one
   * is kept. */
  region = ADW_COMBO_ROW (wh_test_find_descendant (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW));
  wait_for_items (region, 2);
  adw_combo_row_set_selected (region, 1);
  g_assert_cmpint (g_settings_get_int (settings, "region-city"), ==, 110100);
  gtk_window_destroy (GTK_WINDOW (prefs));
  wh_test_spin (50);

  /* A new window shows what was saved, and filling its list stores nothing. */
  prefs = wh_preferences_window_new (settings, store);
  spin_button = GTK_SPIN_BUTTON (wh_test_find_descendant (GTK_WIDGET (prefs), GTK_TYPE_SPIN_BUTTON));
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_button), ==, 45);
  region = ADW_COMBO_ROW (wh_test_find_descendant (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW));
  wait_for_items (region, 2);
  g_assert_cmpuint (adw_combo_row_get_selected (region), ==, 1);
  g_assert_cmpint (g_settings_get_int (settings, "region-city"), ==, 110100);
  gtk_window_destroy (GTK_WINDOW (prefs));
  g_settings_reset (settings, "region-city");
}

static void
test_backend_url_rules (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_preferences_check_backend_url ("https://union.example.org", FALSE, NULL));
  g_assert_true (wh_preferences_check_backend_url ("http://127.0.0.1:8080", FALSE, NULL));
  g_assert_true (wh_preferences_check_backend_url ("http://[::1]:8080", FALSE, NULL));
  g_assert_true (wh_preferences_check_backend_url ("http://localhost:8080", FALSE, NULL));
  g_assert_false (wh_preferences_check_backend_url ("http://union.example.org", FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_true (wh_preferences_check_backend_url ("http://union.example.org", TRUE, NULL));
  g_assert_false (wh_preferences_check_backend_url ("ftp://union.example.org", FALSE, NULL));
  g_assert_false (wh_preferences_check_backend_url ("union", FALSE, NULL));
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/ui/window/views", test_window_views);
  g_test_add_func ("/ui/window/sync-status", test_sync_status);
  g_test_add_func ("/ui/window/page-toast", test_page_toast);
  g_test_add_func ("/ui/window/first-run-page", test_first_run_page);
  g_test_add_func ("/ui/jobs/list-search-detail", test_list_search_detail);
  g_test_add_func ("/ui/window/narrow-and-large-text", test_narrow_and_large_text);
  g_test_add_func ("/ui/courses/topic", test_courses_topic);
  g_test_add_func ("/ui/search/pinyin", test_search_pinyin);
  g_test_add_func ("/ui/courses/categories-after-sync", test_courses_categories_after_sync);
  g_test_add_func ("/ui/context/location", test_context_location);
  g_test_add_func ("/ui/context/location-service", test_context_location_service);
  g_test_add_func ("/ui/preferences/persist", test_preferences_persist);
  g_test_add_func ("/ui/preferences/backend-url", test_backend_url_rules);
  return g_test_run ();
}
