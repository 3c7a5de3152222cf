/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-courses-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-course-ids.h"
#include "wh-course-page.h"
#include "wh-courses-view.h"
#include "wh-courses.h"
#include "wh-format.h"
#include "wh-keynav.h"
#include "wh-lesson-page.h"
#include "wh-list-model.h"
#include "wh-practice-hub.h"
#include "wh-practice-page.h"
#include "wh-service-page.h"

/* The "Show" filter, in the order of its list in the .ui file. */
enum
{
  SHOW_ALL,
  SHOW_SAVED,
  SHOW_STARTED,
};

struct _WhCoursesView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkDropDown       *category_dropdown;
  WhCoursePage      *course_page;
  AdwStatusPage     *empty_page;
  GtkDropDown       *filter_dropdown;
  GtkStack          *detail_stack;
  AdwLeaflet        *leaflet;
  WhLessonPage      *lesson_page;
  GtkStack          *list_stack;
  GtkListView       *list_view;
  GtkButton         *practice_button;
  AdwButtonContent  *practice_content;
  WhPracticeHub     *practice_hub;
  WhPracticePage    *practice_page;
  GtkSearchEntry    *search_entry;

  /* Owned references */
  WhContext         *context;
  WhStore           *store;
  WhListModel       *model;
  WhPractice        *practice;       /* in memory on a kiosk */
  GArray            *category_ids;   /* gint64, in the order of the dropdown after "All" */
  GHashTable        *lessons_done;   /* gint64* course id -> completed lessons (GINT_TO_POINTER) */
  GHashTable        *saved;          /* gint64* course ids saved for offline */
  GArray            *saved_ids;      /* gint64, as last read, for the "Show" filter */
  GArray            *started_ids;    /* gint64, as last read, for the "Show" filter */
  GCancellable      *cancellable;    /* the reads of the current store */
  GtkWidget         *leave_dialog;   /* asking whether to leave a timed quiz, or NULL */
  gint64             pending_category; /* a topic's trade, chosen when the trades arrive */
  guint              refresh_source;
  gboolean           personal_dirty; /* the store wrote personal tables */
  gboolean           categories_dirty; /* a sync wrote the trades */
  gboolean           practice_from_hub; /* the practice page shows a set of Practice */
};

static void wh_courses_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhCoursesView, wh_courses_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_courses_view_page_init))

/* ---- Pages --------------------------------------------------------------- */

/* The catalogue, or what was opened from it: a course, a lesson, the
 * practice hub, a practice set. Narrow, the leaflet shows one of the two
 * sides; wide, the catalogue stays beside the detail, which shows "none"
 * (choose a course) when nothing is open. */
static const char *
current_page (WhCoursesView *self)
{
  const char *detail = gtk_stack_get_visible_child_name (self->detail_stack);

  if (g_strcmp0 (detail, "none") == 0 ||
      (adw_leaflet_get_folded (self->leaflet) &&
       g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "catalogue") == 0))
    return "catalogue";
  return detail;
}

static void
show_page (WhCoursesView *self,
           const char    *name)
{
  gboolean catalogue = g_strcmp0 (name, "catalogue") == 0;

  gtk_stack_set_visible_child_name (self->detail_stack, catalogue ? "none" : name);
  adw_leaflet_set_visible_child_name (self->leaflet, catalogue ? "catalogue" : "detail");
}

/* ---- Formatting ---------------------------------------------------------- */

static const char *
text_or_empty (const WhRecord *record,
               const char     *field)
{
  const char *text = wh_record_is_set (record, field) ? wh_record_get_text (record, field) : NULL;

  return text ? text : "";
}

/* ---- Personal data (progress, saved courses) ----------------------------- */

static void filters_changed_cb (WhCoursesView *self);

static void
personal_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhCoursesPersonal) personal =
    wh_courses_read_personal_finish (WH_STORE (source), result, &error);
  WhCoursesView *self = user_data;

  /* Cancelled: the view is gone or has another store. */
  if (personal == NULL)
    return;
  g_hash_table_remove_all (self->lessons_done);
  g_hash_table_remove_all (self->saved);
  for (guint i = 0; i < personal->progress->len; i++)
    {
      const WhRecord *p = personal->progress->pdata[i];
      gint64 course = wh_record_get_int (p, "course_id");
      gint n = GPOINTER_TO_INT (g_hash_table_lookup (self->lessons_done, &course));

      g_hash_table_insert (self->lessons_done, wh_course_id_key (course),
                           GINT_TO_POINTER (n + (wh_record_get_bool (p, "completed") ? 1 : 0)));
    }
  for (guint i = 0; i < personal->saved->len; i++)
    g_hash_table_add (self->saved, wh_course_id_key (g_array_index (personal->saved, gint64, i)));
  g_clear_pointer (&self->saved_ids, g_array_unref);
  g_clear_pointer (&self->started_ids, g_array_unref);
  self->saved_ids = g_steal_pointer (&personal->saved);
  self->started_ids = g_steal_pointer (&personal->started);
  /* The rows show progress and "Available offline": redraw them. The
   * "Show" filters depend on the same tables. */
  if (gtk_drop_down_get_selected (self->filter_dropdown) != SHOW_ALL)
    filters_changed_cb (self);
  else if (self->model)
    wh_list_model_reload (self->model);
}

/* On the store's ordered queue: a read started after a write sees it. */
static void
load_personal (WhCoursesView *self)
{
  if (self->store == NULL)
    return;
  /* A person's own rows: a few hundred at most. */
  wh_courses_read_personal_async (self->store, self->cancellable, personal_read_cb, self);
}

/* ---- Catalogue ----------------------------------------------------------- */

static void
update_empty_state (WhCoursesView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint show = gtk_drop_down_get_selected (self->filter_dropdown);

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    }
  if (text && *text)
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try a shorter word, such as 电工 or 安全."));
    }
  else if (show == SHOW_SAVED)
    {
      adw_status_page_set_icon_name (self->empty_page, "folder-download-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Saved Courses"));
      adw_status_page_set_description (self->empty_page,
                                       _("Open a course and choose Save for Offline to read it "
                                         "without a network."));
    }
  else if (show == SHOW_STARTED)
    {
      adw_status_page_set_icon_name (self->empty_page, "media-playback-start-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Courses Started"));
      adw_status_page_set_description (self->empty_page,
                                       _("Open a course and start its first lesson."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "folder-download-symbolic");
      adw_status_page_set_title (self->empty_page, _("Nothing Here Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Sync when you have a network to download the courses."));
    }
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static WhQuery *
build_query (WhCoursesView *self)
{
  WhQuery *query = wh_query_new (&wh_collection_courses);
  guint category = gtk_drop_down_get_selected (self->category_dropdown);
  guint show = gtk_drop_down_get_selected (self->filter_dropdown);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (category != GTK_INVALID_LIST_POSITION && category > 0 && self->category_ids &&
      category - 1 < self->category_ids->len)
    wh_query_where_int (query, "category_id", WH_QUERY_EQ,
                        g_array_index (self->category_ids, gint64, category - 1));
  if (show == SHOW_SAVED || show == SHOW_STARTED)
    {
      /* As last read: a write to them reads them again and filters anew. */
      GArray *ids = show == SHOW_SAVED ? self->saved_ids : self->started_ids;

      wh_query_where_id_in (query, ids ? (const gint64 *) (gpointer) ids->data : NULL,
                            ids ? ids->len : 0);
    }
  if (text && *text)
    wh_query_set_match (query, text);
  return query;
}

static void
filters_changed_cb (WhCoursesView *self)
{
  g_autoptr(WhQuery) query = NULL;

  if (self->model == NULL)
    return;
  query = build_query (self);
  wh_list_model_set_query (self->model, query);
  update_empty_state (self);
}

static int
compare_position (gconstpointer a,
                  gconstpointer b)
{
  const WhRecord *ra = *(const WhRecord * const *) a;
  const WhRecord *rb = *(const WhRecord * const *) b;
  gint64 pa = wh_record_is_set (ra, "position") ? wh_record_get_int (ra, "position") : 0;
  gint64 pb = wh_record_is_set (rb, "position") ? wh_record_get_int (rb, "position") : 0;

  if (pa != pb)
    return pa < pb ? -1 : 1;
  return ra->id < rb->id ? -1 : ra->id > rb->id;
}

static void
categories_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = wh_store_query_finish (WH_STORE (source), result, &error);
  WhCoursesView *self = user_data;
  g_autoptr(GtkStringList) names = NULL;
  guint position;
  gint64 selected = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  names = gtk_string_list_new (NULL);
  position = gtk_drop_down_get_selected (self->category_dropdown);
  /* Kept across a reload after a sync, by id. */
  if (self->category_ids && position != GTK_INVALID_LIST_POSITION && position > 0 &&
      position - 1 < self->category_ids->len)
    selected = g_array_index (self->category_ids, gint64, position - 1);
  /* A topic asked for before its trade was read. */
  if (self->pending_category > 0)
    selected = self->pending_category;
  self->pending_category = 0;
  g_clear_pointer (&self->category_ids, g_array_unref);
  self->category_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gtk_string_list_append (names, _("All trades"));
  /* Tens of categories: sorted here by their position. */
  if (rows)
    g_ptr_array_sort (rows, compare_position);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      const WhRecord *c = rows->pdata[i];

      g_array_append_val (self->category_ids, c->id);
      gtk_string_list_append (names, text_or_empty (c, "name"));
    }
  g_signal_handlers_block_by_func (self->category_dropdown, filters_changed_cb, self);
  gtk_drop_down_set_model (self->category_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->category_dropdown, 0);
  for (guint i = 0; selected > 0 && i < self->category_ids->len; i++)
    if (g_array_index (self->category_ids, gint64, i) == selected)
      gtk_drop_down_set_selected (self->category_dropdown, i + 1);
  g_signal_handlers_unblock_by_func (self->category_dropdown, filters_changed_cb, self);
  /* The trade chosen is gone: show every course rather than a stale filter;
   * or a topic's trade has arrived: show its courses. */
  if (selected > 0 && self->model)
    filters_changed_cb (self);
}

static void
load_categories (WhCoursesView *self)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_categories);

  wh_store_query_async (self->store, query, 0, 1000, self->cancellable, categories_read_cb, self);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *status = gtk_label_new (NULL);
  GtkWidget *bar = gtk_progress_bar_new ();

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (title), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (title), 2);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "caption");
  gtk_widget_add_css_class (status, "accent");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), status);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             WhCoursesView            *self)
{
  WhRecordObject *object = gtk_list_item_get_item (item);
  const WhRecord *course = wh_record_object_get_record (object);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  GtkWidget *bar = gtk_widget_get_next_sibling (subtitle);
  GtkWidget *status = gtk_widget_get_next_sibling (bar);
  gint64 n_lessons = wh_record_is_set (course, "lesson_count")
                       ? wh_record_get_int (course, "lesson_count") : 0;
  gint done = GPOINTER_TO_INT (g_hash_table_lookup (self->lessons_done,
                                                    &course->id));
  gboolean started = g_hash_table_contains (self->lessons_done,
                                            &course->id);
  gboolean saved = g_hash_table_contains (self->saved, &course->id);
  g_autofree char *lessons = g_strdup_printf (ngettext ("%d lesson", "%d lessons",
                                                        (gulong) n_lessons), (int) n_lessons);
  g_autofree char *duration =
    wh_format_minutes (wh_record_is_set (course, "duration_min")
                         ? wh_record_get_int (course, "duration_min") : 0);
  g_autofree char *sub = g_strdup_printf ("%s · %s · %s", text_or_empty (course, "author"),
                                          lessons, duration);
  g_autoptr(GString) state = g_string_new (NULL);
  g_autofree char *accessible = NULL;

  gtk_label_set_text (GTK_LABEL (title), text_or_empty (course, "title"));
  gtk_label_set_text (GTK_LABEL (subtitle), sub);
  if (started)
    g_string_append_printf (state, _("%d of %d lessons done"), done, (int) n_lessons);
  if (saved)
    g_string_append_printf (state, "%s%s", state->len ? " · " : "", _("Available offline"));
  gtk_label_set_text (GTK_LABEL (status), state->str);
  gtk_widget_set_visible (status, state->len > 0);
  gtk_widget_set_visible (bar, started && n_lessons > 0);
  if (n_lessons > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), CLAMP ((double) done / n_lessons, 0, 1));
  accessible = g_strdup_printf ("%s, %s%s%s", text_or_empty (course, "title"), sub,
                                state->len ? ", " : "", state->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

/* ---- Course page --------------------------------------------------------- */

static void
course_activated_cb (WhCoursesView *self,
                     guint          position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (object == NULL)
    return;
  wh_keynav_remember_focus (GTK_WIDGET (self), "course");
  wh_course_page_show (self->course_page, wh_record_object_get_record (object));
  show_page (self, "course");
  gtk_widget_grab_focus (GTK_WIDGET (self->course_page));
}

static void
open_lesson_cb (WhCoursesView *self,
                guint          index)
{
  GPtrArray *lessons = wh_course_page_get_lessons (self->course_page);

  if (lessons == NULL || index >= lessons->len)
    return;
  wh_keynav_remember_focus (GTK_WIDGET (self), "lesson");
  wh_lesson_page_show (self->lesson_page, lessons, index);
  show_page (self, "lesson");
}

static void
open_practice_cb (WhCoursesView *self)
{
  const WhRecord *course = wh_course_page_get_course (self->course_page);

  if (course == NULL)
    return;
  wh_keynav_remember_focus (GTK_WIDGET (self), "lesson");
  self->practice_from_hub = FALSE;
  wh_practice_page_show (self->practice_page, course);
  show_page (self, "practice");
}

/* "Take the Quiz" at the end of the last lesson: the practice page, and
 * Back from it to the course. */
static void
lesson_practice_cb (WhCoursesView *self)
{
  wh_lesson_page_leave (self->lesson_page);
  open_practice_cb (self);
}

/* ---- Practice ------------------------------------------------------------ */

static void
practice_summary_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPracticeSummary) s = wh_practice_read_summary_finish (WH_PRACTICE (source), result,
                                                                     &error);
  WhCoursesView *self = user_data;
  g_autofree char *label = NULL;

  if (s == NULL)
    return;
  /* The entry says what waits there; the hub has the rest. */
  if (s->due > 0)
    label = g_strdup_printf (ngettext ("My Practice · %u due", "My Practice · %u due", s->due),
                             s->due);
  else if (s->mistakes > 0)
    label = g_strdup_printf (ngettext ("My Practice · %u mistake", "My Practice · %u mistakes",
                                       s->mistakes), s->mistakes);
  else
    label = g_strdup (_("My Practice"));
  adw_button_content_set_label (self->practice_content, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->practice_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
load_practice_summary (WhCoursesView *self)
{
  if (self->practice)
    wh_practice_read_summary_async (self->practice, self->cancellable, practice_summary_cb, self);
}

static void
practice_clicked_cb (WhCoursesView *self)
{
  wh_keynav_remember_focus (GTK_WIDGET (self), "practice-hub");
  wh_practice_hub_refresh (self->practice_hub);
  show_page (self, "practice-hub");
  gtk_widget_grab_focus (GTK_WIDGET (self->practice_hub));
}

static void
open_set_cb (WhCoursesView *self,
             guint          set)
{
  wh_keynav_remember_focus (GTK_WIDGET (self), "practice-set");
  self->practice_from_hub = TRUE;
  wh_practice_page_show_set (self->practice_page, (WhPracticeSet) set);
  show_page (self, "practice");
}

static void
set_practice (WhCoursesView *self,
              WhStore       *store)
{
  if (self->practice)
    g_signal_handlers_disconnect_by_func (self->practice, load_practice_summary, self);
  g_clear_object (&self->practice);
  /* A kiosk keeps a passer-by's practice in memory only, forgotten when
   * the session ends (reset). */
  if (store)
    self->practice = wh_practice_new (store, self->context && wh_context_get_kiosk (self->context));
  if (self->practice)
    g_signal_connect_object (self->practice, "changed", G_CALLBACK (load_practice_summary), self,
                             G_CONNECT_SWAPPED);
  wh_practice_hub_set_practice (self->practice_hub, self->practice);
  wh_practice_page_set_practice (self->practice_page, self->practice);
  load_practice_summary (self);
}

/* ---- Store --------------------------------------------------------------- */

static gboolean
refresh_personal_cb (gpointer data)
{
  WhCoursesView *self = data;
  const char *page = current_page (self);

  self->refresh_source = 0;
  /* A first sync brings the trades after the cache opened empty. */
  if (self->categories_dirty && self->store)
    load_categories (self);
  self->categories_dirty = FALSE;
  if (!self->personal_dirty)
    return G_SOURCE_REMOVE;
  self->personal_dirty = FALSE;
  load_personal (self);
  /* A lesson or quiz saved by the writer thread after the page was drawn. */
  if (g_strcmp0 (page, "course") == 0)
    wh_course_page_refresh (self->course_page);
  /* New progress may bring new courses to practise from. */
  load_practice_summary (self);
  return G_SOURCE_REMOVE;
}

/* On the main context (the store's contract): once per burst of writes. */
static void
store_changed_cb (WhStore       *store,
                  const char    *what,
                  WhCoursesView *self)
{
  if (g_strcmp0 (what, "categories") == 0)
    self->categories_dirty = TRUE;
  else if (g_strcmp0 (what, "progress") == 0 || g_strcmp0 (what, "saved_courses") == 0 ||
           g_strcmp0 (what, "quiz_attempts") == 0)
    self->personal_dirty = TRUE;
  else
    return;
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (300, refresh_personal_cb, self);
}

static void
set_store (WhCoursesView *self,
           WhStore       *store)
{
  g_autoptr(WhQuery) query = NULL;

  if (self->store == store)
    return;
  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
  /* What the old store's reads bring is not this store's. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->pending_category = 0;
  g_set_object (&self->store, store);
  g_clear_object (&self->model);
  set_practice (self, store);
  if (store == NULL)
    return;
  g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, 0);
  load_personal (self);
  load_categories (self);
  query = build_query (self);
  self->model = wh_list_model_new (store, query);
  gtk_list_view_set_model (self->list_view,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->model)))));
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (update_empty_state), self,
                           G_CONNECT_SWAPPED);
  update_empty_state (self);
}

static void
context_store_cb (WhCoursesView *self)
{
  set_store (self, wh_context_get_store (self->context));
}

/* ---- WhServicePage ------------------------------------------------------- */

static gboolean go_back        (WhCoursesView *self,
                                gboolean       ask);
static void     ask_leave_quiz (WhCoursesView *self);

static void
wh_courses_view_set_context (WhServicePage *page,
                             WhContext     *context)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);

  g_set_object (&self->context, context);
  wh_course_page_set_context (self->course_page, context);
  wh_lesson_page_set_context (self->lesson_page, context);
  wh_practice_page_set_context (self->practice_page, context);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (context_store_cb), self,
                           G_CONNECT_SWAPPED);
  context_store_cb (self);
}

static void
wh_courses_view_focus_search (WhServicePage *page)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);

  /* A timed quiz is not dropped for a search: asked first, as Back does. */
  if (g_strcmp0 (current_page (self), "practice") == 0 &&
      wh_practice_page_get_quiz_running (self->practice_page))
    {
      ask_leave_quiz (self);
      return;
    }
  while (wh_service_page_navigate_back (page))
    ;
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}


static void
leave_quiz_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        WhCoursesView    *self)
{
  g_clear_weak_pointer (&self->leave_dialog);
  if (g_strcmp0 (response, "leave") == 0)
    go_back (self, FALSE);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->practice_page));
}

/* Back from a timed quiz drops it: asked first, with keeping on the
 * default (Escape, Enter). */
static void
ask_leave_quiz (WhCoursesView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->leave_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->leave_dialog));
      return;
    }
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Leave the Quiz?"),
                                   _("The quiz stops and does not count. Your answers so far "
                                     "are not kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Going"),
                                    "leave", _("_Leave"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "leave",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (leave_quiz_response_cb), self, 0);
  /* Weak: the dialog closes itself, or goes with the window. */
  g_set_weak_pointer (&self->leave_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
wh_courses_view_navigate_back (WhServicePage *page)
{
  return go_back (WH_COURSES_VIEW (page), TRUE);
}

/* ask: a timed quiz under way is left only once the person says so (Back);
 * not when the kiosk resets (the person is gone). */
static gboolean
go_back (WhCoursesView *self,
         gboolean       ask)
{
  const char *name = current_page (self);

  if (ask && g_strcmp0 (name, "practice") == 0 &&
      wh_practice_page_get_quiz_running (self->practice_page))
    {
      ask_leave_quiz (self);
      return TRUE;
    }
  if (self->leave_dialog != NULL)
    {
      GtkWindow *dialog = GTK_WINDOW (self->leave_dialog);

      g_clear_weak_pointer (&self->leave_dialog);
      gtk_window_destroy (dialog);
    }
  if (g_strcmp0 (name, "practice") == 0 && self->practice_from_hub)
    {
      self->practice_from_hub = FALSE;
      wh_practice_page_leave (self->practice_page);
      wh_practice_hub_refresh (self->practice_hub);
      show_page (self, "practice-hub");
      wh_keynav_restore_focus (GTK_WIDGET (self), "practice-set", GTK_WIDGET (self->practice_hub));
      return TRUE;
    }
  if (g_strcmp0 (name, "practice-hub") == 0)
    {
      show_page (self, "catalogue");
      wh_keynav_restore_focus (GTK_WIDGET (self), "practice-hub",
                               GTK_WIDGET (self->practice_button));
      return TRUE;
    }
  if (g_strcmp0 (name, "lesson") == 0 || g_strcmp0 (name, "practice") == 0)
    {
      wh_lesson_page_leave (self->lesson_page);
      wh_practice_page_leave (self->practice_page);
      /* The lesson just read, or the quiz just taken, shows on return;
       * the writer thread may still be saving it: read after it. */
      load_personal (self);
      wh_course_page_refresh (self->course_page);
      show_page (self, "course");
      wh_keynav_restore_focus (GTK_WIDGET (self), "lesson", GTK_WIDGET (self->course_page));
      return TRUE;
    }
  if (g_strcmp0 (name, "course") == 0)
    {
      wh_course_page_leave (self->course_page);
      show_page (self, "catalogue");
      wh_keynav_restore_focus (GTK_WIDGET (self), "course", GTK_WIDGET (self->list_view));
      return TRUE;
    }
  return FALSE;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  wh_courses_view_navigate_back (WH_SERVICE_PAGE (widget));
}

static void
wh_courses_view_reset (WhServicePage *page)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);

  while (go_back (self, FALSE))
    ;
  /* The kiosk's session ends: the passer-by's practice goes with it. */
  if (self->practice)
    wh_practice_wipe (self->practice);
  wh_course_page_reset (self->course_page);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->filter_dropdown, SHOW_ALL);
  gtk_drop_down_set_selected (self->category_dropdown, 0);
  self->pending_category = 0;
}

/* The kiosk's "Courses by trade": "category:<id>" shows that trade's
 * courses from the start of the catalogue; NULL, the whole catalogue. */
static void
wh_courses_view_show_topic (WhServicePage *page,
                            const char    *topic)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);
  gint64 id = 0;

  wh_courses_view_reset (page);
  if (topic == NULL || !g_str_has_prefix (topic, "category:") ||
      !g_ascii_string_to_signed (topic + strlen ("category:"), 10, 1, G_MAXINT64, &id, NULL))
    return;
  for (guint i = 0; self->category_ids && i < self->category_ids->len; i++)
    if (g_array_index (self->category_ids, gint64, i) == id)
      {
        gtk_drop_down_set_selected (self->category_dropdown, i + 1);
        return;
      }
  /* The categories were read when the cache opened: a kiosk's first sync
   * may have brought the one chosen since (tens of rows, read again, and
   * the trade chosen when they arrive). */
  if (self->store)
    {
      self->pending_category = id;
      load_categories (self);
    }
}

static void
wh_courses_view_page_init (WhServicePageInterface *iface)
{
  iface->set_context = wh_courses_view_set_context;
  iface->focus_search = wh_courses_view_focus_search;
  iface->navigate_back = wh_courses_view_navigate_back;
  iface->reset = wh_courses_view_reset;
  iface->show_topic = wh_courses_view_show_topic;
}

/* ---- GObject ------------------------------------------------------------- */

static void
wh_courses_view_dispose (GObject *object)
{
  WhCoursesView *self = WH_COURSES_VIEW (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->leave_dialog != NULL)
    {
      GtkWindow *dialog = GTK_WINDOW (self->leave_dialog);

      g_clear_weak_pointer (&self->leave_dialog);
      gtk_window_destroy (dialog);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
  /* The list view lets its model go as it is disposed, which must not
   * call back into a half-disposed view. */
  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_COURSES_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->practice);
  g_clear_object (&self->store);
  g_clear_object (&self->context);
  g_clear_pointer (&self->category_ids, g_array_unref);
  g_clear_pointer (&self->lessons_done, g_hash_table_unref);
  g_clear_pointer (&self->saved, g_hash_table_unref);
  g_clear_pointer (&self->saved_ids, g_array_unref);
  g_clear_pointer (&self->started_ids, g_array_unref);
  G_OBJECT_CLASS (wh_courses_view_parent_class)->dispose (object);
}

static void
wh_courses_view_class_init (WhCoursesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_courses_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (WH_TYPE_COURSE_PAGE);
  g_type_ensure (WH_TYPE_LESSON_PAGE);
  g_type_ensure (WH_TYPE_PRACTICE_HUB);
  g_type_ensure (WH_TYPE_PRACTICE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-courses-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, lesson_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, list_view);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_content);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_hub);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, search_entry);
  gtk_widget_class_bind_template_callback (widget_class, course_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_lesson_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_practice_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, practice_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, lesson_practice_cb);
  gtk_widget_class_install_action (widget_class, "courses.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "courses.back",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "courses.back", NULL);
}

static void
wh_courses_view_init (WhCoursesView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  wh_format_drop_down_set_string_factories (self->category_dropdown);
  wh_format_drop_down_set_string_factories (self->filter_dropdown);
  self->lessons_done = wh_course_id_table_new ();
  self->saved = wh_course_id_table_new ();
  self->cancellable = g_cancellable_new ();
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row_cb), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  /* Side by side, the catalogue is the way to another course or to My
   * Practice: their Back would only empty the detail. A lesson's and a
   * practice set's Back (to their course or to My Practice) stay. */
  g_object_bind_property (self->leaflet, "folded",
                          wh_course_page_get_back_button (self->course_page), "visible",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded",
                          wh_practice_hub_get_back_button (self->practice_hub), "visible",
                          G_BINDING_SYNC_CREATE);
}

const char *
wh_courses_view_get_page (WhCoursesView *self)
{
  g_return_val_if_fail (WH_IS_COURSES_VIEW (self), NULL);
  return current_page (self);
}
