/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The jobs page while a sync writes, under Xvfb (suite "ui"): the list a
 * worker is reading keeps its place and its rows (no new query with its
 * busy spinner, no empty page in between, no jump to the top), and the
 * trades and cities the filters offer arrive with the sync instead of at
 * the next start. And a worker's own round: search, open a fair, add it to
 * the calendar twice, search again (run under AddressSanitizer by
 * tools/run-sanitizers, which catches any memory error on the way). */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "jobs/wh-jobs-view.h"
#include "wh-context.h"
#include "wh-record-object.h"
#include "wh-service-page.h"
#include "wh-test-store.h"
#include "wh-test-ui.h"
#include "wh-test.h"

/* Jobs first .. last as one page, as a sync writes them; posted over a
 * month, so that a later page sorts among the rows already shown. */
static void
apply_jobs (WhStore *store,
            gint64   first,
            gint64   last)
{
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;

  for (gint64 id = first; id <= last; id++)
    {
      WhRecord *r = wh_test_make_job (id, id, id % 2 ? "保洁员" : "快递员", NULL);
      char date[16];

      g_snprintf (date, sizeof date, "2026-10-%02d", (int) (1 + id * 7 % 30));
      wh_record_set_text (r, "posted_at", date);
      g_ptr_array_add (page->records, r);
    }
  page->next_since = page->server_rev = last;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  WhStore    *store;
  GSettings  *settings;
  WhContext  *context;
  WhJobsView *view;
  GtkWidget  *window;
  GtkWidget  *list;
  guint       busy_starts; /* a new query: the spinner, the list replaced */
  gboolean    shown_empty; /* the empty page was shown after the rows */
} Page;

/* An empty cache, and the settings and context the page gets. */
static void
page_init (Page *p)
{
  p->store = wh_test_store_new (NULL);
  p->settings = g_settings_new (APP_ID);
  p->context = wh_context_new (p->settings, FALSE);
}

static void
page_clear (Page *p)
{
  gtk_window_destroy (GTK_WINDOW (p->window));
  g_clear_object (&p->context);
  g_clear_object (&p->settings);
  g_clear_object (&p->store);
}

static void
busy_cb (WhJobsView *view,
         GParamSpec *pspec,
         Page       *p)
{
  if (wh_jobs_view_get_busy (view))
    p->busy_starts++;
}

static void
stack_child_cb (GtkStack   *stack,
                GParamSpec *pspec,
                Page       *p)
{
  if (gtk_stack_get_visible_child (stack) != NULL &&
      gtk_widget_get_ancestor (p->list, GTK_TYPE_STACK) == GTK_WIDGET (stack) &&
      !gtk_widget_is_ancestor (p->list, gtk_stack_get_visible_child (stack)))
    p->shown_empty = TRUE;
}

static guint
n_rows (Page *p)
{
  GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (p->list));

  return model ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
}

static guint want_rows;

static gboolean
has_rows (gpointer data)
{
  Page *p = data;

  return n_rows (p) == want_rows && !wh_jobs_view_get_busy (p->view);
}

/* Scrolls to a third of the list; true once the list stays there, more
 * than a screen down. */
static gboolean
scrolled_down (gpointer data)
{
  GtkAdjustment *adjustment = data;
  double page_size = gtk_adjustment_get_page_size (adjustment);

  if (page_size <= 0 || gtk_adjustment_get_upper (adjustment) < 3 * page_size)
    return FALSE;
  if (gtk_adjustment_get_value (adjustment) <= page_size)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) / 3);
  return gtk_adjustment_get_value (adjustment) > page_size;
}

static void
page_show (Page *p)
{
  p->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (p->window), 800, 600);
  p->view = g_object_new (WH_TYPE_JOBS_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (p->window), GTK_WIDGET (p->view));
  gtk_window_present (GTK_WINDOW (p->window));
  wh_service_page_set_context (WH_SERVICE_PAGE (p->view), p->context);
  wh_context_set_store (p->context, p->store);
  p->list = GTK_WIDGET (wh_jobs_view_get_list (p->view));
}

/* A sync brings five more pages while the worker reads down the list. */
static void
test_sync_keeps_place (void)
{
  GtkAdjustment *adjustment;
  GtkWidget *stack;
  Page p = { 0 };
  double before, page_size;

  page_init (&p);
  apply_jobs (p.store, 1, 400);
  page_show (&p);
  want_rows = 400;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  wh_test_spin (200);

  /* Read down a third of the list, once the list has laid out enough of
   * its rows to scroll that far (on a loaded machine that takes a while). */
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (p.list));
  g_assert_true (wh_test_spin_until (scrolled_down, adjustment, 10000));
  wh_test_spin (300);
  before = gtk_adjustment_get_value (adjustment);
  page_size = gtk_adjustment_get_page_size (adjustment);
  g_assert_cmpfloat (before, >, page_size);

  g_signal_connect (p.view, "notify::busy", G_CALLBACK (busy_cb), &p);
  stack = gtk_widget_get_ancestor (p.list, GTK_TYPE_STACK);
  g_assert_nonnull (stack);
  g_signal_connect (stack, "notify::visible-child", G_CALLBACK (stack_child_cb), &p);
  for (guint i = 0; i < 5; i++)
    {
      apply_jobs (p.store, 401 + i * 200, 600 + i * 200);
      wh_test_spin (120); /* pages come faster than the list reloads */
    }
  want_rows = 1400;
  g_assert_true (wh_test_spin_until (has_rows, &p, 10000));
  wh_test_spin (300);

  /* The same query all along, the rows never gone, the place kept: the
   * list grew below and around what the worker reads. */
  g_assert_cmpuint (p.busy_starts, ==, 0);
  g_assert_false (p.shown_empty);
  g_assert_cmpfloat (fabs (gtk_adjustment_get_value (adjustment) - before), <, page_size);
  page_clear (&p);
}

static GtkDropDown *
find_dropdown (GtkWidget  *root,
               const char *first)
{
  GtkWidget *found = wh_test_find_widget (root, wh_test_is_dropdown_from, (gpointer) first);

  return found ? GTK_DROP_DOWN (found) : NULL;
}

static guint
n_choices (GtkWidget  *root,
           const char *first)
{
  GtkDropDown *dropdown = find_dropdown (root, first);

  return dropdown ? g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)) : 0;
}

typedef struct
{
  GtkWidget *root;
  guint      trades;
  guint      cities;
} Choices;

static gboolean
choices_arrived (gpointer data)
{
  Choices *c = data;

  return n_choices (c->root, "Every trade") == c->trades &&
         n_choices (c->root, "Anywhere") == c->cities;
}

/* The first sync of a fresh cache: the trades and cities come in after the
 * page is up, and the filters offer them without a restart. */
static void
test_choices_follow_sync (void)
{
  g_autoptr(WhPage) trades = wh_page_new (&wh_collection_categories);
  g_autoptr(WhPage) stations = wh_page_new (&wh_collection_stations);
  g_autoptr(GError) error = NULL;
  const char *names[] = { "保洁", "快递物流", "电工" };
  const gint64 cities[] = { 110100, 310100 };
  Choices c = { NULL, G_N_ELEMENTS (names) + 1, G_N_ELEMENTS (cities) + 1 };
  Page p = { 0 };

  page_init (&p);
  page_show (&p);
  c.root = GTK_WIDGET (p.view);
  wh_test_spin (300);
  g_assert_cmpuint (n_choices (c.root, "Every trade"), ==, 1);
  g_assert_cmpuint (n_choices (c.root, "Anywhere"), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      WhRecord *r = wh_record_new (&wh_collection_categories);

      r->id = i + 1;
      r->rev = i + 1;
      wh_record_set_text (r, "name", names[i]);
      g_ptr_array_add (trades->records, r);
    }
  trades->next_since = trades->server_rev = G_N_ELEMENTS (names);
  g_assert_true (wh_store_apply_page (p.store, trades, NULL, &error));
  for (guint i = 0; i < G_N_ELEMENTS (cities); i++)
    {
      WhRecord *r = wh_test_make_station (i + 1, i + 1, "户外劳动者服务站", 39.9, 116.4);

      wh_record_set_text (r, "province", i ? "上海市" : "北京市");
      wh_record_set_text (r, "city", i ? "上海市" : "北京市");
      wh_record_set_int (r, "province_adcode", cities[i] / 10000 * 10000);
      wh_record_set_int (r, "city_adcode", cities[i]);
      g_ptr_array_add (stations->records, r);
    }
  stations->next_since = stations->server_rev = G_N_ELEMENTS (cities);
  g_assert_true (wh_store_apply_page (p.store, stations, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (wh_test_spin_until (choices_arrived, &c, 5000));
  page_clear (&p);
}

/* ---- Search, a fair to the calendar twice, search again ------------------------- */

static gboolean
is_button_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
has_file_chooser (gpointer data)
{
  GtkWidget **dialog = data;
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  *dialog = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && *dialog == NULL; i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        *dialog = GTK_WIDGET (window);
    }
  return *dialog != NULL;
}

static gboolean
no_file_chooser (gpointer data)
{
  GtkWidget *dialog = NULL;

  return !has_file_chooser (&dialog);
}

/* Presses Add to Calendar and closes the file dialog it opens, as a
 * person who changed their mind. (Saving is left to the unit test of the
 * calendar text: the fallback dialog under Xvfb does not always take a
 * pressed Save.) */
static void
add_fair_to_calendar (Page *p)
{
  GtkWidget *button = wh_test_find_widget (GTK_WIDGET (p->view), is_button_labelled,
                                           (gpointer) "_Add to Calendar…");
  GtkWidget *dialog = NULL;

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (wh_test_spin_until (has_file_chooser, &dialog, 5000));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Save to Calendar File");
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_true (wh_test_spin_until (no_file_chooser, NULL, 5000));
}

/* The flow of issue #15: Add to Calendar used to free the text of the
 * last search and keep the pointer, so a second export freed it again and
 * the next search read and freed it once more. */
static void
test_fair_to_calendar_twice (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 30);
  g_autofree char *date = g_date_time_format (later, "%Y-%m-%d");
  WhRecord *employer = wh_record_new (&wh_collection_employers);
  WhRecord *fair = wh_record_new (&wh_collection_fairs);
  GtkWidget *fairs_button, *fairs_list, *search;
  Page p = { 0 };

  page_init (&p);
  apply_jobs (p.store, 1, 40);
  employer->id = 1;
  employer->rev = 41;
  wh_record_set_text (employer, "name", "城建集团");
  wh_test_apply (p.store, &wh_collection_employers, NULL, 41, employer, NULL);
  fair->id = 7;
  fair->rev = 42;
  wh_record_set_text (fair, "title", "春风行动招聘会");
  wh_record_set_int (fair, "city_adcode", 110100);
  wh_record_set_text (fair, "venue", "劳动大厦");
  wh_record_set_text (fair, "date", date);
  wh_record_set_text (fair, "start_time", "09:00");
  wh_record_set_text (fair, "end_time", "16:00");
  wh_record_set_intv (fair, "employer_ids", (const gint64[]) { 1 }, 1);
  wh_test_apply (p.store, &wh_collection_fairs, NULL, 42, fair, NULL);
  page_show (&p);
  want_rows = 40;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));

  /* Search jobs. */
  search = wh_test_find_descendant (GTK_WIDGET (p.view), GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (search);
  gtk_editable_set_text (GTK_EDITABLE (search), "保洁");
  want_rows = 20;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));

  /* Open the fair, add it to the calendar twice. */
  fairs_button = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_section_button,
                                      (gpointer) "Job Fairs");
  g_assert_nonnull (fairs_button);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (fairs_button), TRUE);
  fairs_list = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_list_of,
                                    (gpointer) &wh_collection_fairs);
  g_assert_nonnull (fairs_list);
  g_signal_emit_by_name (fairs_list, "activate", 0u);
  wh_test_spin (100);
  add_fair_to_calendar (&p);
  add_fair_to_calendar (&p);

  /* Search again: the list follows the new text. */
  gtk_editable_set_text (GTK_EDITABLE (search), "快递");
  want_rows = 20;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  want_rows = 40;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));

  page_clear (&p);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/ui/jobs/sync-keeps-place", test_sync_keeps_place);
  g_test_add_func ("/ui/jobs/choices-follow-sync", test_choices_follow_sync);
  g_test_add_func ("/ui/jobs/fair-to-calendar-twice", test_fair_to_calendar_twice);
  return g_test_run ();
}
