/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The jobs page as a worker reads it, under Xvfb (suite "ui"), issue #17:
 * closed jobs hidden unless asked for and marked when shown; the benefits
 * in the person's language and the settlement said once; the detail pane
 * never stale (a fair after Ctrl+F, a job's marks after My Jobs removed
 * it), Undo for a removal, Applied that says it keeps the job, a title not
 * all selected; the filter popover (its order at the top, a width that does
 * not change, chips that show they are on, a plain Clear button). Criticals
 * are fatal here (wh_test_init_ui): removing from My Jobs with the focus on
 * its button once logged gtk_widget_is_ancestor's. */
#include "config.h"

#include <adwaita.h>

#include "jobs/wh-job-filter-popover.h"
#include "jobs/wh-job-page.h"
#include "jobs/wh-jobs-view.h"
#include "jobs/wh-my-jobs-page.h"
#include "wh-context.h"
#include "wh-jobs.h"
#include "wh-record-object.h"
#include "wh-service-page.h"
#include "wh-test-store.h"
#include "wh-test-ui.h"
#include "wh-test.h"

typedef struct
{
  WhStore    *store;
  GSettings  *settings;
  WhContext  *context;
  WhJobsView *view;
  GtkWidget  *window;
  GtkWidget  *list;
  GPtrArray  *toasts;   /* char*: the texts of ::toast */
  AdwToast   *added;    /* the last ::add-toast */
} Page;

static void
toast_cb (WhServicePage *page,
          const char    *text,
          Page          *p)
{
  g_ptr_array_add (p->toasts, g_strdup (text));
}

static void
add_toast_cb (WhServicePage *page,
              AdwToast      *toast,
              Page          *p)
{
  g_set_object (&p->added, toast);
}

/* Jobs 1-3: 1 closed on 2020-01-01, 2 open until 2099-12-31, 3 with no
 * end; all paid daily, with the tags 日结 and 包吃. */
static void
page_show (Page *p,
           int   width)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  const char * const welfare[] = { "日结", "包吃", "自定福利", NULL };

  p->store = wh_test_store_new (NULL);
  p->settings = g_settings_new (APP_ID);
  /* Each test from the defaults: the last one's filters stay in memory. */
  g_settings_reset (p->settings, "job-filters");
  p->context = wh_context_new (p->settings, FALSE);
  p->toasts = g_ptr_array_new_with_free_func (g_free);
  for (gint64 id = 1; id <= 3; id++)
    {
      WhRecord *r = wh_test_make_job (id, id, id == 1 ? "焊工" : "保洁员", NULL);

      wh_record_set_text (r, "settlement", "daily");
      wh_record_set_strv (r, "welfare", welfare);
      if (id < 3)
        wh_record_set_text (r, "expires_at", id == 1 ? "2020-01-01" : "2099-12-31");
      g_ptr_array_add (page->records, r);
    }
  page->next_since = page->server_rev = 3;
  g_assert_true (wh_store_apply_page (p->store, page, NULL, &error));
  g_assert_no_error (error);

  p->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (p->window), width, 700);
  p->view = g_object_new (WH_TYPE_JOBS_VIEW, NULL);
  g_signal_connect (p->view, "toast", G_CALLBACK (toast_cb), p);
  g_signal_connect (p->view, "add-toast", G_CALLBACK (add_toast_cb), p);
  gtk_window_set_child (GTK_WINDOW (p->window), GTK_WIDGET (p->view));
  gtk_window_present (GTK_WINDOW (p->window));
  wh_service_page_set_context (WH_SERVICE_PAGE (p->view), p->context);
  wh_context_set_store (p->context, p->store);
  p->list = GTK_WIDGET (wh_jobs_view_get_list (p->view));
}

static void
page_clear (Page *p)
{
  gtk_window_destroy (GTK_WINDOW (p->window));
  g_clear_object (&p->added);
  g_clear_pointer (&p->toasts, g_ptr_array_unref);
  g_clear_object (&p->context);
  g_clear_object (&p->settings);
  g_clear_object (&p->store);
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

/* The row widget (a box of four labels) showing job id, or NULL. */
static gboolean
is_row_of (GtkWidget *widget,
           gpointer   data)
{
  GtkWidget *item = gtk_widget_get_parent (widget);
  const char *label;
  gint64 id = *(gint64 *) data;
  g_autofree char *prefix = NULL;

  if (!GTK_IS_BOX (widget) || item == NULL || !GTK_IS_LABEL (gtk_widget_get_first_child (widget)))
    return FALSE;
  if (gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_VIEW) == NULL)
    return FALSE;
  label = gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (widget)));
  prefix = g_strdup_printf ("%s", id == 1 ? "焊工" : "保洁员");
  return g_strcmp0 (label, prefix) == 0 && gtk_widget_get_mapped (widget);
}

static const char *
row_line (GtkWidget *row,
          guint      n)
{
  GtkWidget *label = gtk_widget_get_first_child (row);

  while (n-- > 0)
    label = gtk_widget_get_next_sibling (label);
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
is_row_titled (GtkWidget *widget,
               gpointer   title)
{
  return GTK_IS_BOX (widget) && gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_VIEW) != NULL &&
         GTK_IS_LABEL (gtk_widget_get_first_child (widget)) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (widget))),
                    title) == 0;
}

static const char *
title_at (Page *p,
          guint position)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (p->list)));
  g_autoptr(WhRecordObject) item = g_list_model_get_item (model, position);

  return wh_record_get_text (wh_record_object_get_record (item), "title");
}

static WhJobFilters *
filters_with_closed (Page    *p,
                     gboolean show)
{
  WhJobFilters *f = wh_job_filters_copy (wh_jobs_view_get_filters (p->view));

  f->show_closed = show;
  return f;
}

/* ---- Closed jobs and benefits (items 14, 15) ------------------------------------ */

static void
test_closed_and_benefits (void)
{
  g_autoptr(WhJobFilters) shown = NULL;
  g_autoptr(WhJobFilters) hidden = NULL;
  gint64 closed_id = 1;
  GtkWidget *row;
  Page p = { 0 };

  page_show (&p, 1000);
  /* The closed job is hidden by default. */
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  g_assert_null (wh_test_find_widget (p.list, is_row_of, &closed_id));

  /* Asked for, it is listed, and says it is closed. */
  shown = filters_with_closed (&p, TRUE);
  wh_jobs_view_set_filters (p.view, shown);
  want_rows = 3;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  wh_test_spin (100);
  row = wh_test_find_widget (p.list, is_row_of, &closed_id);
  g_assert_nonnull (row);
  /* Closed first; the settlement once, in the person's language (C:
   * English), then the benefits translated, an unknown one as it is. */
  g_assert_cmpstr (row_line (row, 3), ==, "Closed · Paid daily · Meals provided · 自定福利");
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_last_child (row), "error"));

  /* The job page says so too, and shows the benefits translated. */
  g_signal_emit_by_name (p.list, "activate", 2u);
  {
    GtkWidget *job_page = wh_test_find_descendant (GTK_WIDGET (p.view), WH_TYPE_JOB_PAGE);
    GtkWidget *child;
    g_autoptr(GString) tags = g_string_new (NULL);
    GtkWidget *tags_box = wh_test_find_descendant (job_page, GTK_TYPE_FLOW_BOX);

    g_assert_cmpint (wh_job_page_get_job_id (WH_JOB_PAGE (job_page)), ==, 1);
    for (child = gtk_widget_get_first_child (tags_box); child;
         child = gtk_widget_get_next_sibling (child))
      g_string_append_printf (tags, "%s|",
                              gtk_label_get_text (GTK_LABEL (gtk_flow_box_child_get_child (
                                GTK_FLOW_BOX_CHILD (child)))));
    g_assert_cmpstr (tags->str, ==, "Meals provided|自定福利|");
  }

  hidden = filters_with_closed (&p, FALSE);
  wh_jobs_view_set_filters (p.view, hidden);
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  page_clear (&p);
}

/* ---- A search: title matches first (item 16) ------------------------------------ */

/* The search's delayed signal came and its rows are in: no longer the
 * newest job first (on the old code, never). */
static gboolean
searched (gpointer data)
{
  Page *p = data;

  return has_rows (p) && n_rows (p) > 0 && g_strcmp0 (title_at (p, 0), "瓦工") != 0;
}

static void
test_title_matches_first (void)
{
  WhRecord *tiler = wh_test_make_job (4, 4, "瓦工", NULL);
  GtkWidget *search, *row;
  Page p = { 0 };

  page_show (&p, 1000);
  /* The newest job, at a 保洁 company. */
  wh_record_set_text (tiler, "employer_name", "洁净保洁服务公司");
  wh_record_set_text (tiler, "posted_at", "2026-12-01");
  wh_test_apply (p.store, &wh_collection_jobs, NULL, 4, tiler, NULL);
  want_rows = 3;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  g_assert_cmpstr (title_at (&p, 0), ==, "瓦工");

  search = wh_test_find_descendant (GTK_WIDGET (p.view), GTK_TYPE_SEARCH_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (search), "保洁");
  want_rows = 3;
  g_assert_true (wh_test_spin_until (searched, &p, 5000));
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  wh_test_spin (100);
  g_assert_cmpstr (title_at (&p, 0), ==, "保洁员");
  g_assert_cmpstr (title_at (&p, 1), ==, "保洁员");
  g_assert_cmpstr (title_at (&p, 2), ==, "瓦工");
  row = wh_test_find_widget (p.list, is_row_titled, (gpointer) "瓦工");
  g_assert_nonnull (row);
  g_assert_true (g_str_has_prefix (row_line (row, 3), "Employer matches · "));
  row = wh_test_find_widget (p.list, is_row_titled, (gpointer) "保洁员");
  g_assert_false (g_str_has_prefix (row_line (row, 3), "Employer matches"));
  page_clear (&p);
}

/* ---- The filter popover (items 15, 18) ------------------------------------------ */

static gboolean
is_dropdown (GtkWidget *widget,
             gpointer   data)
{
  return GTK_IS_DROP_DOWN (widget);
}

static gboolean
is_toggle_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_button_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_BUTTON (widget) && !GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static int
popover_width (GtkWidget *popover)
{
  int min = 0, nat = 0;

  gtk_widget_measure (gtk_popover_get_child (GTK_POPOVER (popover)), GTK_ORIENTATION_HORIZONTAL,
                      -1, &min, &nat, NULL, NULL);
  return nat;
}

/* The Filters button: the jobs view's menu button whose popover is the
 * filters' (a job's page has a menu button of its own, Read Aloud's speed). */
static gboolean
is_filter_button (GtkWidget *widget,
                  gpointer   data)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         WH_IS_JOB_FILTER_POPOVER (gtk_menu_button_get_popover (GTK_MENU_BUTTON (widget)));
}

static void
test_filter_popover (void)
{
  GtkWidget *popover, *first, *chip, *clear;
  g_autoptr(WhJobChoices) choices = g_new0 (WhJobChoices, 1);
  WhRecord *trade = wh_record_new (&wh_collection_categories);
  GtkDropDown *trades;
  int width;
  Page p = { 0 };

  page_show (&p, 1000);
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  popover = wh_test_find_descendant (GTK_WIDGET (p.view), WH_TYPE_JOB_FILTER_POPOVER);
  if (popover == NULL)
    {
      GtkWidget *button = wh_test_find_widget (GTK_WIDGET (p.view), is_filter_button, NULL);

      popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
    }
  g_assert_true (WH_IS_JOB_FILTER_POPOVER (popover));

  /* The order comes first. */
  first = wh_test_find_widget (popover, is_dropdown, NULL);
  g_assert_true (wh_test_is_dropdown_from (first, (gpointer) "Newest first"));

  /* The settlement is one control: no chip says it again; the chips are
   * in the person's language and show when they are on. */
  g_assert_null (wh_test_find_widget (popover, is_toggle_labelled, (gpointer) "日结"));
  g_assert_null (wh_test_find_widget (popover, is_toggle_labelled, (gpointer) "Paid daily"));
  g_assert_null (wh_test_find_widget (popover, is_toggle_labelled, (gpointer) "包吃住"));
  chip = wh_test_find_widget (popover, is_toggle_labelled, (gpointer) "Room and board");
  g_assert_nonnull (chip);
  g_assert_false (gtk_widget_has_css_class (chip, "suggested-action"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (chip), TRUE);
  g_assert_true (gtk_widget_has_css_class (chip, "suggested-action"));
  g_assert_true (wh_job_filters_has_welfare (wh_jobs_view_get_filters (p.view), "包吃住"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (chip), FALSE);
  g_assert_false (gtk_widget_has_css_class (chip, "suggested-action"));

  /* Clearing filters destroys nothing: not a red button. */
  clear = wh_test_find_widget (popover, is_button_labelled, (gpointer) "_Clear Filters");
  g_assert_nonnull (clear);
  g_assert_false (gtk_widget_has_css_class (clear, "destructive-action"));

  /* One width, whatever is chosen, within a 360 px window. */
  width = popover_width (popover);
  g_assert_cmpint (width, <=, 360 - 24);
  trade->id = 1;
  wh_record_set_text (trade, "name", "城市轨道交通车辆检修与维护保养技术服务");
  choices->categories = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_ptr_array_add (choices->categories, trade);
  wh_job_filter_popover_set_choices (WH_JOB_FILTER_POPOVER (popover), choices);
  trades = GTK_DROP_DOWN (wh_test_find_widget (popover, wh_test_is_dropdown_from,
                                               (gpointer) "Every trade"));
  g_assert_nonnull (trades);
  gtk_drop_down_set_selected (trades, 1);
  g_assert_cmpint (popover_width (popover), ==, width);
  page_clear (&p);
}

static gboolean
is_laid_out (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* In a 360 px window the popover, hung under the Filters button at the
 * window's right edge, is slid left to end inside the window. */
static void
test_filter_popover_narrow (void)
{
  GtkWidget *button, *popover;
  graphene_point_t centre;
  int x = 0, y = 0, width = 0;
  Page p = { 0 };

  page_show (&p, 360);
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));
  button = wh_test_find_widget (GTK_WIDGET (p.view), is_filter_button, NULL);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_true (wh_test_spin_until (is_laid_out, button, 5000));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (wh_test_spin_until ((gboolean (*) (gpointer)) gtk_widget_get_mapped, popover,
                                     5000));
  g_assert_cmpint (gtk_widget_get_width (p.window), <=, 360);
  g_assert_true (gtk_widget_compute_point (button, p.window,
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (button) / 2.f,
                                                                 0), &centre));
  gtk_popover_get_offset (GTK_POPOVER (popover), &x, &y);
  gtk_widget_measure (popover, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  g_assert_cmpint (width, <=, 360);
  g_assert_cmpfloat (centre.x + x + width / 2.f, <=, gtk_widget_get_width (p.window));
  g_assert_cmpfloat (centre.x + x - width / 2.f, >=, 0);
  gtk_popover_popdown (GTK_POPOVER (popover));
  page_clear (&p);
}

/* ---- The detail pane, marks and My Jobs (items 17, 20) -------------------------- */

static gboolean
is_row_with_id (GtkWidget *widget,
                gpointer   data)
{
  gint64 *id = g_object_get_data (G_OBJECT (widget), "job-id");

  return GTK_IS_LIST_BOX_ROW (widget) && id != NULL && *id == *(gint64 *) data;
}

static gboolean
is_remove_button (GtkWidget *widget,
                  gpointer   data)
{
  gint64 *id = g_object_get_data (G_OBJECT (widget), "job-id");

  return GTK_IS_BUTTON (widget) && id != NULL && *id == *(gint64 *) data;
}

typedef struct
{
  GtkToggleButton *button;
  gboolean         active;
} ToggleWait;

static gboolean
toggle_is (gpointer data)
{
  ToggleWait *w = data;

  return gtk_toggle_button_get_active (w->button) == w->active;
}

static gboolean
has_mine_row (gpointer data)
{
  Page *p = data;
  gint64 id = 2;

  return wh_test_find_widget (GTK_WIDGET (p->view), is_row_with_id, &id) != NULL;
}

static gboolean
no_mine_row (gpointer data)
{
  return !has_mine_row (data);
}

static gboolean
is_labelled_toggle_in (GtkWidget *widget,
                       gpointer   data)
{
  return GTK_IS_TOGGLE_BUTTON (widget) && gtk_widget_get_ancestor (widget, WH_TYPE_JOB_PAGE) &&
         gtk_widget_get_first_child (widget) &&
         ADW_IS_BUTTON_CONTENT (gtk_widget_get_first_child (widget)) &&
         g_str_has_prefix (adw_button_content_get_icon_name (
                             ADW_BUTTON_CONTENT (gtk_widget_get_first_child (widget))),
                           data);
}

static void
test_marks_and_my_jobs (void)
{
  GtkWidget *mine, *remove, *bookmark, *applied, *job_page, *title, *focus;
  g_autoptr(GError) error = NULL;
  gboolean bookmarked = FALSE, was_applied = FALSE;
  gint64 id = 2;
  int start, end;
  ToggleWait wait;
  Page p = { 0 };

  page_show (&p, 1000);
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));

  /* Opening a job selects nothing of its title; the focus stays out of it. */
  gtk_widget_grab_focus (p.list);
  g_signal_emit_by_name (p.list, "activate", 1u); /* newest first: 3, then 2 */
  job_page = wh_test_find_descendant (GTK_WIDGET (p.view), WH_TYPE_JOB_PAGE);
  g_assert_true (wh_test_spin_until ((gboolean (*) (gpointer)) gtk_widget_get_mapped, job_page,
                                     5000));
  wh_test_spin (200);
  title = wh_test_find_descendant (job_page, GTK_TYPE_LABEL);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (title)));
  g_assert_false (gtk_label_get_selection_bounds (GTK_LABEL (title), &start, &end));
  focus = gtk_root_get_focus (GTK_ROOT (p.window));
  g_assert_true (focus == NULL || focus != title);
  g_assert_cmpint (wh_job_page_get_job_id (WH_JOB_PAGE (job_page)), ==, id);

  /* Applied on a job not bookmarked: kept under My Jobs, and said so. */
  applied = wh_test_find_widget (job_page, is_labelled_toggle_in, (gpointer) "object-select");
  bookmark = wh_test_find_widget (job_page, is_labelled_toggle_in, (gpointer) "non-starred");
  g_assert_nonnull (applied);
  g_assert_nonnull (bookmark);
  g_ptr_array_set_size (p.toasts, 0);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (applied), TRUE);
  wait = (ToggleWait) { GTK_TOGGLE_BUTTON (bookmark), TRUE };
  g_assert_true (wh_test_spin_until (toggle_is, &wait, 5000));
  g_assert_cmpuint (p.toasts->len, ==, 1);
  g_assert_nonnull (strstr (p.toasts->pdata[0], "My Jobs"));

  /* Removed from My Jobs (from the keyboard: the focus on its button), the
   * page beside it no longer says bookmarked or applied; Undo brings it back. */
  mine = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_section_button, (gpointer) "My Jobs");
  g_assert_nonnull (mine);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (mine), TRUE);
  /* Another section: the job's page went with the list it came from. */
  g_assert_cmpint (wh_job_page_get_job_id (WH_JOB_PAGE (job_page)), ==, 0);
  g_assert_true (wh_test_spin_until (has_mine_row, &p, 5000));
  {
    GtkWidget *row = wh_test_find_widget (GTK_WIDGET (p.view), is_row_with_id, &id);

    g_signal_emit_by_name (row, "activate");
  }
  wait = (ToggleWait) { GTK_TOGGLE_BUTTON (bookmark), TRUE };
  g_assert_true (wh_test_spin_until (toggle_is, &wait, 5000));
  g_assert_cmpint (wh_job_page_get_job_id (WH_JOB_PAGE (job_page)), ==, id);
  remove = wh_test_find_widget (GTK_WIDGET (p.view), is_remove_button, &id);
  g_assert_nonnull (remove);
  g_assert_true (gtk_widget_grab_focus (remove));
  g_signal_emit_by_name (remove, "clicked");
  g_assert_true (wh_test_spin_until (no_mine_row, &p, 5000));
  wait = (ToggleWait) { GTK_TOGGLE_BUTTON (bookmark), FALSE };
  g_assert_true (wh_test_spin_until (toggle_is, &wait, 5000));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (applied)));
  wh_test_spin (200);

  g_assert_nonnull (p.added);
  g_assert_cmpstr (adw_toast_get_button_label (p.added), ==, "_Undo");
  g_signal_emit_by_name (p.added, "button-clicked");
  g_assert_true (wh_test_spin_until (has_mine_row, &p, 5000));
  g_assert_true (wh_jobs_get_marks (p.store, id, &bookmarked, &was_applied, &error));
  g_assert_no_error (error);
  g_assert_true (bookmarked);
  g_assert_true (was_applied);
  wait = (ToggleWait) { GTK_TOGGLE_BUTTON (bookmark), TRUE };
  g_assert_true (wh_test_spin_until (toggle_is, &wait, 5000));
  page_clear (&p);
}

static gboolean
has_fairs (gpointer data)
{
  Page *p = data;

  return wh_test_find_widget (GTK_WIDGET (p->view), wh_test_is_list_of,
                              (gpointer) &wh_collection_fairs) != NULL;
}

/* ---- Back returns to the row opened, in My Jobs too (item 6) -------------------- */

static gboolean
shows_detail (gpointer data)
{
  Page *p = data;
  AdwLeaflet *leaflet = ADW_LEAFLET (wh_test_find_descendant (GTK_WIDGET (p->view),
                                                              ADW_TYPE_LEAFLET));

  return g_strcmp0 (adw_leaflet_get_visible_child_name (leaflet), "detail") == 0;
}

static gboolean
row_gone (gpointer row)
{
  return gtk_widget_get_parent (row) == NULL;
}

/* Narrow: the second job of My Jobs opened, a sync meanwhile (which reads
 * My Jobs again, its rows made anew), then Back: the focus is on its row,
 * not on the first. */
static void
test_back_to_my_job (void)
{
  GtkWidget *mine, *row, *focus;
  gint64 id = 3;
  g_autoptr(GError) error = NULL;
  Page p = { 0 };

  page_show (&p, 360);
  g_assert_true (wh_jobs_save_marks (p.store, 3, TRUE, FALSE, &error));
  g_assert_true (wh_jobs_save_marks (p.store, 2, TRUE, FALSE, &error));
  g_assert_no_error (error);
  mine = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_section_button, (gpointer) "My Jobs");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (mine), TRUE);
  g_assert_true (wh_test_spin_until (has_mine_row, &p, 5000));
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (
    GTK_LIST_BOX (gtk_widget_get_ancestor (wh_test_find_widget (GTK_WIDGET (p.view), is_row_with_id,
                                                                &id), GTK_TYPE_LIST_BOX)), 1));
  id = *(gint64 *) g_object_get_data (G_OBJECT (row), "job-id");
  g_assert_true (gtk_widget_grab_focus (row));
  g_signal_emit_by_name (row, "activate");
  g_assert_true (wh_test_spin_until (shows_detail, &p, 5000));

  g_object_ref (row);
  wh_test_apply (p.store, &wh_collection_jobs, NULL, 9, wh_test_make_job (9, 9, "电工", NULL),
                 NULL);
  g_assert_true (wh_test_spin_until (row_gone, row, 5000)); /* made anew */
  g_object_unref (row);

  g_assert_true (wh_service_page_navigate_back (WH_SERVICE_PAGE (p.view)));
  wh_test_spin (100);
  focus = gtk_root_get_focus (GTK_ROOT (p.window));
  g_assert_nonnull (focus);
  row = GTK_IS_LIST_BOX_ROW (focus) ? focus : gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW);
  g_assert_nonnull (row);
  g_assert_true (is_row_with_id (row, &id));
  page_clear (&p);
}

/* A fair open, then Ctrl+F: the jobs list and nothing of the fair. */
static void
test_no_stale_fair (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 30);
  g_autofree char *date = g_date_time_format (later, "%Y-%m-%d");
  WhRecord *fair = wh_record_new (&wh_collection_fairs);
  GtkWidget *fairs_button, *fairs_list, *stack;
  Page p = { 0 };

  page_show (&p, 1000);
  fair->id = 7;
  fair->rev = 4;
  wh_record_set_text (fair, "title", "春风行动招聘会");
  wh_record_set_int (fair, "city_adcode", 110100);
  wh_record_set_text (fair, "venue", "劳动大厦");
  wh_record_set_text (fair, "date", date);
  wh_record_set_text (fair, "start_time", "09:00");
  wh_record_set_text (fair, "end_time", "16:00");
  wh_test_apply (p.store, &wh_collection_fairs, NULL, 4, fair, NULL);
  want_rows = 2;
  g_assert_true (wh_test_spin_until (has_rows, &p, 5000));

  fairs_button = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_section_button,
                                      (gpointer) "Job Fairs");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (fairs_button), TRUE);
  g_assert_true (wh_test_spin_until (has_fairs, &p, 5000));
  fairs_list = wh_test_find_widget (GTK_WIDGET (p.view), wh_test_is_list_of,
                                    (gpointer) &wh_collection_fairs);
  g_signal_emit_by_name (fairs_list, "activate", 0u);
  wh_test_spin (100);
  stack = gtk_widget_get_ancestor (wh_test_find_descendant (GTK_WIDGET (p.view),
                                                            WH_TYPE_JOB_PAGE), GTK_TYPE_STACK);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "fair");

  wh_service_page_focus_search (WH_SERVICE_PAGE (p.view));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "none");
  page_clear (&p);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/ui/jobs/closed-and-benefits", test_closed_and_benefits);
  g_test_add_func ("/ui/jobs/title-matches-first", test_title_matches_first);
  g_test_add_func ("/ui/jobs/filter-popover", test_filter_popover);
  g_test_add_func ("/ui/jobs/filter-popover-narrow", test_filter_popover_narrow);
  g_test_add_func ("/ui/jobs/marks-and-my-jobs", test_marks_and_my_jobs);
  g_test_add_func ("/ui/jobs/no-stale-fair", test_no_stale_fair);
  g_test_add_func ("/ui/jobs/back-to-my-job", test_back_to_my_job);
  return g_test_run ();
}
