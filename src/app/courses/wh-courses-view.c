/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-courses-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-course-certificate.h"
#include "wh-course-media.h"
#include "wh-courses-view.h"
#include "wh-courses.h"
#include "wh-format.h"
#include "wh-lesson-page.h"
#include "wh-list-model.h"
#include "wh-practice-page.h"
#include "wh-quiz.h"
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
  GtkWidget         *certificate_group;
  AdwActionRow      *certificate_row;
  GtkBox            *chapters_box;
  GtkPicture        *course_cover;
  GtkLabel          *course_header;
  GtkScrolledWindow *course_scroller;
  GtkLabel          *course_summary;
  GtkLabel          *course_title;
  AdwStatusPage     *empty_page;
  GtkWidget         *export_row;
  GtkDropDown       *filter_dropdown;
  AdwPreferencesGroup *history_group;
  AdwLeaflet        *leaflet;
  WhLessonPage      *lesson_page;
  AdwActionRow      *length_row;
  AdwActionRow      *level_row;
  GtkStack          *list_stack;
  GtkListView       *list_view;
  AdwEntryRow       *name_row;
  GtkButton         *offline_button;
  GtkProgressBar    *offline_progress;
  AdwActionRow      *offline_row;
  WhPracticePage    *practice_page;
  GtkButton         *practice_button;
  GtkSearchEntry    *search_entry;
  GtkButton         *start_button;
  AdwActionRow      *teacher_row;

  /* Owned references */
  WhContext         *context;
  WhStore           *store;
  WhListModel       *model;
  GArray            *category_ids;   /* gint64, in the order of the dropdown after "All" */
  GHashTable        *lessons_done;   /* gint64* course id -> completed lessons (GINT_TO_POINTER) */
  GHashTable        *saved;          /* gint64* course ids saved for offline */
  WhRecord          *course;         /* the course page's */
  GPtrArray         *lessons;        /* its lessons */
  GPtrArray         *dynamic_rows;   /* widgets added to the course page, removed on change */
  GCancellable      *page_cancellable;
  GCancellable      *download_cancellable;
  gint64             download_course; /* 0: none under way */
  guint              download_done;
  guint              download_total;
  guint64            download_bytes;
  char              *download_error;
  guint              refresh_source;
  gboolean           personal_dirty; /* the store wrote personal tables */
  gboolean           categories_dirty; /* a sync wrote the trades */
};

static void wh_courses_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhCoursesView, wh_courses_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_courses_view_page_init))

/* ---- Formatting ---------------------------------------------------------- */

static char *
format_minutes (gint64 minutes)
{
  if (minutes < 60)
    return g_strdup_printf (ngettext ("%d min", "%d min", (gulong) minutes), (int) minutes);
  if (minutes % 60 == 0)
    return g_strdup_printf (ngettext ("%d h", "%d h", (gulong) (minutes / 60)),
                            (int) (minutes / 60));
  /* Translators: hours and minutes, e.g. "3 h 20 min" */
  return g_strdup_printf (_("%d h %d min"), (int) (minutes / 60), (int) (minutes % 60));
}

static const char *
format_level (const char *level)
{
  if (g_strcmp0 (level, "beginner") == 0)
    return _("Beginner");
  if (g_strcmp0 (level, "intermediate") == 0)
    return _("Intermediate");
  if (g_strcmp0 (level, "advanced") == 0)
    return _("Advanced");
  return level;
}

static const char *
text_or_empty (const WhRecord *record,
               const char     *field)
{
  const char *text = wh_record_is_set (record, field) ? wh_record_get_text (record, field) : NULL;

  return text ? text : "";
}

static void
toast (WhCoursesView *self,
       const char    *message)
{
  wh_service_page_toast (WH_SERVICE_PAGE (self), message);
}

/* ---- Personal data (progress, saved courses) ----------------------------- */

static GHashTable *
id_table_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static gpointer
id_key (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

static void
load_personal (WhCoursesView *self)
{
  g_autoptr(GPtrArray) progress = NULL;
  g_autoptr(GArray) saved = NULL;

  g_hash_table_remove_all (self->lessons_done);
  g_hash_table_remove_all (self->saved);
  if (self->store == NULL)
    return;
  /* A person's own rows: a few hundred at most. */
  progress = wh_courses_list_progress (self->store, 0, NULL);
  for (guint i = 0; progress && i < progress->len; i++)
    {
      const WhRecord *p = progress->pdata[i];
      gint64 course = wh_record_get_int (p, "course_id");
      gint n = GPOINTER_TO_INT (g_hash_table_lookup (self->lessons_done, &course));

      g_hash_table_insert (self->lessons_done, id_key (course),
                           GINT_TO_POINTER (n + (wh_record_get_bool (p, "completed") ? 1 : 0)));
    }
  saved = wh_courses_list_saved (self->store, NULL);
  for (guint i = 0; saved && i < saved->len; i++)
    g_hash_table_add (self->saved, id_key (g_array_index (saved, gint64, i)));
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
      g_autoptr(GArray) ids = show == SHOW_SAVED ? wh_courses_list_saved (self->store, NULL)
                                                 : wh_courses_list_started (self->store, NULL);

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
load_categories (WhCoursesView *self)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_categories);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint position = gtk_drop_down_get_selected (self->category_dropdown);
  gint64 selected = 0;

  /* Kept across a reload after a sync, by id. */
  if (self->category_ids && position != GTK_INVALID_LIST_POSITION && position > 0 &&
      position - 1 < self->category_ids->len)
    selected = g_array_index (self->category_ids, gint64, position - 1);
  g_clear_pointer (&self->category_ids, g_array_unref);
  self->category_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gtk_string_list_append (names, _("All trades"));
  /* Tens of categories: sorted here by their position. */
  rows = wh_store_query (self->store, query, 0, 1000, NULL);
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
  /* The trade chosen is gone: show every course rather than a stale filter. */
  if (selected > 0 && gtk_drop_down_get_selected (self->category_dropdown) == 0 && self->model)
    filters_changed_cb (self);
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
  g_autofree char *duration = format_minutes (wh_record_is_set (course, "duration_min")
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

static void show_course (WhCoursesView *self, const WhRecord *course);

static void
clear_dynamic_rows (WhCoursesView *self)
{
  for (guint i = 0; i < self->dynamic_rows->len; i++)
    {
      GtkWidget *w = self->dynamic_rows->pdata[i];
      GtkWidget *parent = gtk_widget_get_parent (w);

      if (ADW_IS_PREFERENCES_GROUP (g_object_get_data (G_OBJECT (w), "wh-group")))
        adw_preferences_group_remove (g_object_get_data (G_OBJECT (w), "wh-group"), w);
      else if (parent)
        gtk_box_remove (GTK_BOX (parent), w);
    }
  g_ptr_array_set_size (self->dynamic_rows, 0);
}

static void
add_group_row (WhCoursesView       *self,
               AdwPreferencesGroup *group,
               GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_object_set_data (G_OBJECT (row), "wh-group", group);
  g_ptr_array_add (self->dynamic_rows, g_object_ref (row));
}

static void
update_offline_row (WhCoursesView *self)
{
  gboolean downloading = self->course && self->download_course == self->course->id;
  gboolean saved = self->course && g_hash_table_contains (self->saved,
                                                          &self->course->id);
  WhApi *api = self->context ? wh_context_get_api (self->context) : NULL;
  g_autofree char *subtitle = NULL;

  if (self->course == NULL)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->offline_progress), downloading);
  gtk_widget_remove_css_class (GTK_WIDGET (self->offline_button), "destructive-action");
  if (downloading)
    {
      g_autofree char *size = g_format_size (self->download_bytes);

      subtitle = g_strdup_printf (_("Downloading: %u of %u pictures, %s"), self->download_done,
                                  self->download_total, size);
      gtk_progress_bar_set_fraction (self->offline_progress,
                                     self->download_total
                                       ? (double) self->download_done / self->download_total : 0);
      gtk_button_set_label (self->offline_button, _("Cancel"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->offline_button), TRUE);
    }
  else if (saved)
    {
      gint64 bytes = wh_courses_get_saved_size (self->store, self->course->id, NULL);
      g_autofree char *size = g_format_size (MAX (bytes, 0));

      subtitle = g_strdup_printf (_("Saved on this computer (%s). Readable with no network."),
                                  size);
      gtk_button_set_label (self->offline_button, _("Remove Download"));
      gtk_widget_add_css_class (GTK_WIDGET (self->offline_button), "destructive-action");
      gtk_widget_set_sensitive (GTK_WIDGET (self->offline_button), TRUE);
    }
  else
    {
      if (self->download_error)
        subtitle = g_strdup (self->download_error);
      else if (api == NULL)
        subtitle = g_strdup (_("Connect to a server to save the pictures of this course. "
                               "Its text is already here."));
      else
        subtitle = g_strdup (_("Keeps every lesson and its pictures on this computer."));
      gtk_button_set_label (self->offline_button, self->download_error ? _("Try Again")
                                                                       : _("Save"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->offline_button),
                                api != NULL && self->download_course == 0);
    }
  adw_action_row_set_subtitle (self->offline_row, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->offline_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
}

static void
download_progress_cb (guint    done,
                      guint    total,
                      guint64  bytes,
                      gpointer user_data)
{
  WhCoursesView *self = user_data;

  self->download_done = done;
  self->download_total = total;
  self->download_bytes = bytes;
  update_offline_row (self);
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhCoursesView) self = user_data;
  g_autoptr(GError) error = NULL;

  self->download_course = 0;
  g_clear_object (&self->download_cancellable);
  if (!wh_courses_download_finish (WH_STORE (source), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (self->download_error);
      self->download_error = g_strdup_printf (_("Could not save the course: %s"), error->message);
    }
  load_personal (self);
  update_offline_row (self);
}

static void
remove_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (wh_courses_remove_download (source_object, *(gint64 *) task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WhCoursesView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    toast (self, error->message);
  load_personal (self);
  update_offline_row (self);
}

static void
offline_clicked_cb (WhCoursesView *self)
{
  WhApi *api = wh_context_get_api (self->context);

  if (self->course == NULL || self->store == NULL)
    return;
  if (self->download_course == self->course->id)
    {
      g_cancellable_cancel (self->download_cancellable);
      return;
    }
  if (g_hash_table_contains (self->saved, &self->course->id))
    {
      g_autoptr(GTask) task = g_task_new (self->store, NULL, removed_cb, g_object_ref (self));
      gint64 *id = g_new (gint64, 1);

      *id = self->course->id;
      g_task_set_task_data (task, id, g_free);
      g_task_run_in_thread (task, remove_thread);
      return;
    }
  if (api == NULL || self->download_course != 0)
    return;
  g_clear_pointer (&self->download_error, g_free);
  self->download_course = self->course->id;
  self->download_done = self->download_total = 0;
  self->download_bytes = 0;
  self->download_cancellable = g_cancellable_new ();
  wh_courses_download_async (self->store, api, self->course->id, download_progress_cb, self,
                             self->download_cancellable, download_done_cb, g_object_ref (self));
  update_offline_row (self);
}

static void
lesson_activated_cb (AdwActionRow  *row,
                     WhCoursesView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "wh-index"));

  if (self->lessons == NULL || index >= self->lessons->len)
    return;
  wh_lesson_page_show (self->lesson_page, self->lessons, index);
  adw_leaflet_set_visible_child_name (self->leaflet, "lesson");
}

/* The lesson to continue with: the last one read if unfinished, else the
 * first unfinished one, else the first. */
static guint
resume_index (WhCoursesView *self,
              GHashTable    *progress)
{
  const WhRecord *latest = NULL;
  guint latest_index = 0;

  for (guint i = 0; i < self->lessons->len; i++)
    {
      const WhRecord *p = g_hash_table_lookup (progress, self->lessons->pdata[i]);

      if (p && (latest == NULL || g_strcmp0 (wh_record_get_text (p, "updated_at"),
                                             wh_record_get_text (latest, "updated_at")) > 0))
        latest = p, latest_index = i;
    }
  if (latest && !wh_record_get_bool (latest, "completed"))
    return latest_index;
  for (guint i = 0; i < self->lessons->len; i++)
    {
      const WhRecord *p = g_hash_table_lookup (progress, self->lessons->pdata[i]);

      if (p == NULL || !wh_record_get_bool (p, "completed"))
        return i;
    }
  return 0;
}

static void
fill_lessons (WhCoursesView *self,
              guint         *done_out,
              guint         *resume_out)
{
  g_autoptr(GPtrArray) progress = wh_courses_list_progress (self->store, self->course->id, NULL);
  /* lesson record -> its progress */
  g_autoptr(GHashTable) by_lesson = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) by_id = id_table_new ();
  AdwPreferencesGroup *group = NULL;
  const char *chapter = NULL;
  guint done = 0;

  for (guint i = 0; progress && i < progress->len; i++)
    {
      WhRecord *p = progress->pdata[i];
      g_hash_table_insert (by_id, id_key (wh_record_get_int (p, "lesson_id")), p);
    }
  for (guint i = 0; i < self->lessons->len; i++)
    {
      const WhRecord *lesson = self->lessons->pdata[i];
      const WhRecord *p = g_hash_table_lookup (by_id, &lesson->id);
      const char *this_chapter = text_or_empty (lesson, "chapter");
      gboolean completed = p && wh_record_get_bool (p, "completed");
      g_autofree char *minutes = format_minutes (wh_record_is_set (lesson, "duration_min")
                                                   ? wh_record_get_int (lesson, "duration_min") : 0);
      g_autofree char *subtitle = NULL;
      g_autofree char *number = g_strdup_printf ("%u", i + 1);
      GtkWidget *row, *prefix;

      if (p)
        g_hash_table_insert (by_lesson, (gpointer) lesson, (gpointer) p);
      if (group == NULL || g_strcmp0 (chapter, this_chapter) != 0)
        {
          group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
          wh_format_group_set_title (group, *this_chapter ? this_chapter : _("Lessons"));
          gtk_box_append (self->chapters_box, GTK_WIDGET (group));
          g_ptr_array_add (self->dynamic_rows, g_object_ref (group));
          chapter = this_chapter;
        }
      if (completed)
        {
          done++;
          subtitle = g_strdup_printf (_("%s · Completed"), minutes);
        }
      else if (p)
        subtitle = g_strdup_printf (_("%s · Read %d%%"), minutes,
                                    (int) (wh_record_get_int (p, "position") * 100 /
                                           WH_COURSES_POSITION_END));
      else
        subtitle = g_strdup (minutes);
      row = wh_format_row_new (text_or_empty (lesson, "title"), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      if (completed)
        {
          prefix = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
          gtk_widget_add_css_class (prefix, "success");
        }
      else
        {
          prefix = gtk_label_new (number);
          gtk_widget_add_css_class (prefix, "dim-label");
          gtk_widget_add_css_class (prefix, "numeric");
        }
      gtk_widget_set_size_request (prefix, 24, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), prefix);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data (G_OBJECT (row), "wh-index", GUINT_TO_POINTER (i));
      g_signal_connect_object (row, "activated", G_CALLBACK (lesson_activated_cb), self, 0);
      adw_preferences_group_add (group, row);
    }
  *done_out = done;
  *resume_out = resume_index (self, by_lesson);
}

static void
fill_history (WhCoursesView *self,
              guint         *best_timed_percent)
{
  g_autoptr(GPtrArray) attempts = wh_courses_list_attempts (self->store, self->course->id, NULL);
  guint best = 0;

  for (guint i = 0; attempts && i < attempts->len; i++)
    {
      const WhRecord *a = attempts->pdata[i];
      gint64 total = wh_record_get_int (a, "total");
      gint64 correct = wh_record_get_int (a, "correct");
      gboolean timed = wh_record_get_bool (a, "timed");
      gint64 seconds = wh_record_get_int (a, "duration_s");
      g_autofree char *title = g_strdup_printf (_("%d of %d correct"), (int) correct, (int) total);
      g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (wh_record_get_text (a, "finished_at"),
                                                                NULL);
      g_autoptr(GDateTime) local = when ? g_date_time_to_local (when) : NULL;
      g_autofree char *date = local ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup ("");
      g_autofree char *subtitle = NULL;
      GtkWidget *row, *badge;

      if (timed && total > 0)
        best = MAX (best, (guint) (correct * 100 / total));
      if (i >= 10)
        continue;
      subtitle = g_strdup_printf ("%s · %d:%02d · %s", timed ? _("Timed quiz") : _("Practice"),
                                  (int) (seconds / 60), (int) (seconds % 60), date);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      badge = gtk_label_new (wh_quiz_passed ((guint) correct, (guint) total) ? _("Passed")
                                                                              : _("Not passed"));
      gtk_widget_add_css_class (badge, wh_quiz_passed ((guint) correct, (guint) total) ? "success"
                                                                                         : "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
      add_group_row (self, self->history_group, row);
    }
  if (attempts == NULL || attempts->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No practice yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Your scores show here, also those from offline."));
      add_group_row (self, self->history_group, row);
    }
  *best_timed_percent = best;
}

static void
refresh_course (WhCoursesView *self)
{
  const WhRecord *course = self->course;
  guint done = 0, resume = 0, best = 0;
  gboolean complete;
  gboolean kiosk = self->context && wh_context_get_kiosk (self->context);
  g_autofree char *certificate = NULL;

  if (course == NULL || self->store == NULL)
    return;
  clear_dynamic_rows (self);
  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  self->lessons = wh_store_list_lessons (self->store, course->id, NULL);
  if (self->lessons == NULL)
    self->lessons = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  fill_lessons (self, &done, &resume);
  fill_history (self, &best);

  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), self->lessons->len > 0);
  g_object_set_data (G_OBJECT (self->start_button), "wh-index", GUINT_TO_POINTER (resume));
  if (done == self->lessons->len && done > 0)
    gtk_button_set_label (self->start_button, _("Read Again"));
  else if (g_hash_table_contains (self->lessons_done, &course->id))
    gtk_button_set_label (self->start_button, _("Continue Learning"));
  else
    gtk_button_set_label (self->start_button, _("Start Learning"));

  complete = wh_courses_is_complete (self->store, course->id, NULL);
  if (complete)
    certificate = g_strdup (_("You finished every lesson and passed the timed quiz."));
  else
    certificate = g_strdup_printf (_("Finish all %u lessons (%u done) and pass a timed quiz to "
                                     "earn it."),
                                   self->lessons->len, done);
  adw_action_row_set_subtitle (self->certificate_row, certificate);
  /* A kiosk has no file dialogs and no place to keep a file. */
  gtk_widget_set_visible (self->export_row, complete && !kiosk);
  gtk_widget_set_visible (GTK_WIDGET (self->name_row), complete && !kiosk);
  g_object_set_data (G_OBJECT (self->export_row), "wh-best", GUINT_TO_POINTER (best));
  update_offline_row (self);
}

static void
show_course (WhCoursesView  *self,
             const WhRecord *course)
{
  g_autofree char *length = NULL;
  g_autofree char *lessons = NULL;
  g_autofree char *minutes = NULL;
  g_autoptr(GString) teacher = g_string_new (text_or_empty (course, "author"));
  gint64 n = wh_record_is_set (course, "lesson_count") ? wh_record_get_int (course, "lesson_count")
                                                       : 0;

  g_cancellable_cancel (self->page_cancellable);
  g_clear_object (&self->page_cancellable);
  self->page_cancellable = g_cancellable_new ();
  if (self->course == NULL || self->course->id != course->id)
    g_clear_pointer (&self->download_error, g_free);
  g_clear_pointer (&self->course, wh_record_free);
  self->course = wh_record_copy (course);

  gtk_label_set_text (self->course_header, text_or_empty (course, "title"));
  gtk_label_set_text (self->course_title, text_or_empty (course, "title"));
  gtk_label_set_text (self->course_summary, text_or_empty (course, "summary"));
  gtk_widget_set_visible (GTK_WIDGET (self->course_summary), *text_or_empty (course, "summary"));
  if (*text_or_empty (course, "author_honor"))
    g_string_append_printf (teacher, " · %s", text_or_empty (course, "author_honor"));
  adw_action_row_set_subtitle (self->teacher_row, teacher->str);
  lessons = g_strdup_printf (ngettext ("%d lesson", "%d lessons", (gulong) n), (int) n);
  minutes = format_minutes (wh_record_is_set (course, "duration_min")
                              ? wh_record_get_int (course, "duration_min") : 0);
  length = g_strdup_printf ("%s · %s", lessons, minutes);
  adw_action_row_set_subtitle (self->length_row, length);
  adw_action_row_set_subtitle (self->level_row, format_level (text_or_empty (course, "level")));
  gtk_widget_set_visible (GTK_WIDGET (self->level_row), *text_or_empty (course, "level"));
  wh_course_media_set_picture (self->course_cover, self->store, wh_context_get_api (self->context),
                               text_or_empty (course, "cover"), self->page_cancellable);
  refresh_course (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->course_scroller), 0);
  adw_leaflet_set_visible_child_name (self->leaflet, "course");
  gtk_widget_grab_focus (GTK_WIDGET (self->start_button));
}

static void
course_activated_cb (WhCoursesView *self,
                     guint          position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (object)
    show_course (self, wh_record_object_get_record (object));
}

static void
start_clicked_cb (WhCoursesView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->start_button), "wh-index"));

  if (self->lessons == NULL || self->lessons->len == 0)
    return;
  wh_lesson_page_show (self->lesson_page, self->lessons, MIN (index, self->lessons->len - 1));
  adw_leaflet_set_visible_child_name (self->leaflet, "lesson");
}

static void
practice_clicked_cb (WhCoursesView *self)
{
  if (self->course == NULL)
    return;
  wh_practice_page_show (self->practice_page, self->course);
  adw_leaflet_set_visible_child_name (self->leaflet, "practice");
}

/* ---- Certificate --------------------------------------------------------- */

static void
certificate_written_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(WhCoursesView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (wh_certificate_write_finish (result, &error))
    toast (self, _("Certificate saved"));
  else
    toast (self, error->message);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    WhCoursesView   *self)
{
  WhCertificateFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "wh-format"));
  g_autoptr(GFile) file = NULL;
  g_autoptr(WhCertificate) c = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (response != GTK_RESPONSE_ACCEPT || self->course == NULL)
    goto out;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file == NULL)
    goto out;
  c = g_new0 (WhCertificate, 1);
  c->name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  c->course = g_strdup (text_or_empty (self->course, "title"));
  c->teacher = g_strdup (text_or_empty (self->course, "author"));
  /* Translators: the date on the certificate, a strftime format */
  c->date = g_date_time_format (now, _("%Y-%m-%d"));
  c->lessons = self->lessons ? self->lessons->len : 0;
  c->score = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->export_row), "wh-best"));
  wh_certificate_write_async (c, format, file, NULL, certificate_written_cb, g_object_ref (self));

out:
  g_object_unref (dialog);
}

static void
export (WhCoursesView       *self,
        WhCertificateFormat  format)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  if (self->course == NULL || wh_context_get_kiosk (self->context))
    return;
  dialog = gtk_file_chooser_native_new (_("Save Certificate"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  name = g_strdup_printf ("%s-%" G_GINT64_FORMAT ".%s",
                          /* Translators: the start of a file name, no slashes */
                          _("certificate"), self->course->id,
                          format == WH_CERTIFICATE_PDF ? "pdf" : "png");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data (G_OBJECT (dialog), "wh-format", GINT_TO_POINTER (format));
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_pdf_clicked_cb (WhCoursesView *self)
{
  export (self, WH_CERTIFICATE_PDF);
}

static void
export_png_clicked_cb (WhCoursesView *self)
{
  export (self, WH_CERTIFICATE_PNG);
}

/* ---- Store --------------------------------------------------------------- */

static gboolean
refresh_personal_cb (gpointer data)
{
  WhCoursesView *self = data;
  const char *page = adw_leaflet_get_visible_child_name (self->leaflet);

  self->refresh_source = 0;
  /* A first sync brings the trades after the cache opened empty. */
  if (self->categories_dirty && self->store)
    load_categories (self);
  self->categories_dirty = FALSE;
  if (!self->personal_dirty)
    return G_SOURCE_REMOVE;
  self->personal_dirty = FALSE;
  load_personal (self);
  /* The rows show progress and "Available offline": redraw them. The
   * "Show" filters depend on the same tables. */
  if (gtk_drop_down_get_selected (self->filter_dropdown) != SHOW_ALL)
    filters_changed_cb (self);
  else if (self->model)
    wh_list_model_reload (self->model);
  /* A lesson or quiz saved by the writer thread after the page was drawn. */
  if (g_strcmp0 (page, "course") == 0)
    refresh_course (self);
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
  g_set_object (&self->store, store);
  g_clear_object (&self->model);
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

static void
context_api_cb (WhCoursesView *self)
{
  update_offline_row (self);
}

/* ---- WhServicePage ------------------------------------------------------- */

static void
wh_courses_view_set_context (WhServicePage *page,
                             WhContext     *context)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);

  g_set_object (&self->context, context);
  wh_lesson_page_set_context (self->lesson_page, context);
  wh_practice_page_set_context (self->practice_page, context);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (context_store_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::api", G_CALLBACK (context_api_cb), self,
                           G_CONNECT_SWAPPED);
  context_store_cb (self);
}

static void
wh_courses_view_focus_search (WhServicePage *page)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);

  while (wh_service_page_navigate_back (page))
    ;
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static gboolean
wh_courses_view_navigate_back (WhServicePage *page)
{
  WhCoursesView *self = WH_COURSES_VIEW (page);
  const char *name = adw_leaflet_get_visible_child_name (self->leaflet);

  if (g_strcmp0 (name, "lesson") == 0 || g_strcmp0 (name, "practice") == 0)
    {
      wh_lesson_page_leave (self->lesson_page);
      wh_practice_page_leave (self->practice_page);
      /* The lesson just read, or the quiz just taken, shows on return;
       * the writer thread may still be saving it: read after it. */
      load_personal (self);
      refresh_course (self);
      adw_leaflet_set_visible_child_name (self->leaflet, "course");
      gtk_widget_grab_focus (GTK_WIDGET (self->start_button));
      return TRUE;
    }
  if (g_strcmp0 (name, "course") == 0)
    {
      g_cancellable_cancel (self->page_cancellable);
      clear_dynamic_rows (self);
      g_clear_pointer (&self->lessons, g_ptr_array_unref);
      g_clear_pointer (&self->course, wh_record_free);
      adw_leaflet_set_visible_child_name (self->leaflet, "catalogue");
      gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
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

  /* The kiosk wipes saved courses next: nothing may still be adding some. */
  g_cancellable_cancel (self->download_cancellable);
  while (wh_courses_view_navigate_back (page))
    ;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->filter_dropdown, SHOW_ALL);
  gtk_drop_down_set_selected (self->category_dropdown, 0);
  g_clear_pointer (&self->download_error, g_free);
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
  if (topic == NULL || !g_str_has_prefix (topic, "category:") || self->category_ids == NULL ||
      !g_ascii_string_to_signed (topic + strlen ("category:"), 10, 1, G_MAXINT64, &id, NULL))
    return;
  /* The categories were read when the cache opened: a kiosk's first sync
   * may have brought the one chosen since (tens of rows, read again). */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->category_ids->len; i++)
        if (g_array_index (self->category_ids, gint64, i) == id)
          {
            gtk_drop_down_set_selected (self->category_dropdown, i + 1);
            return;
          }
      if (pass == 0 && self->store)
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

  g_cancellable_cancel (self->page_cancellable);
  g_cancellable_cancel (self->download_cancellable);
  g_clear_object (&self->page_cancellable);
  g_clear_object (&self->download_cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, store_changed_cb, self);
  g_clear_pointer (&self->dynamic_rows, g_ptr_array_unref);
  /* The list view lets its model go as it is disposed, which must not
   * call back into a half-disposed view. */
  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_COURSES_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->store);
  g_clear_object (&self->context);
  g_clear_pointer (&self->category_ids, g_array_unref);
  g_clear_pointer (&self->lessons_done, g_hash_table_unref);
  g_clear_pointer (&self->saved, g_hash_table_unref);
  g_clear_pointer (&self->course, wh_record_free);
  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  g_clear_pointer (&self->download_error, g_free);
  G_OBJECT_CLASS (wh_courses_view_parent_class)->dispose (object);
}

static void
wh_courses_view_class_init (WhCoursesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_courses_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (WH_TYPE_LESSON_PAGE);
  g_type_ensure (WH_TYPE_PRACTICE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-courses-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, certificate_group);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, certificate_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, chapters_box);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_cover);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_header);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_scroller);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_summary);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, course_title);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, export_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, history_group);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, lesson_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, length_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, level_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, list_view);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, name_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, offline_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, offline_progress);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, offline_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, practice_page);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, start_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursesView, teacher_row);
  gtk_widget_class_bind_template_callback (widget_class, course_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_pdf_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_png_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, offline_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, practice_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);
  gtk_widget_class_install_action (widget_class, "courses.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "courses.back",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "courses.back", NULL);
}

/* The dropdowns' own labels give way on a narrow screen; their lists show
 * every name whole. */
static void
setup_choice_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (ellipsize)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_choice_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (string));
}

static void
set_choice_factories (GtkDropDown *dropdown)
{
  for (guint i = 0; i < 2; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

      g_signal_connect (factory, "setup", G_CALLBACK (setup_choice_cb), GUINT_TO_POINTER (i == 0));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_choice_cb), NULL);
      if (i == 0)
        gtk_drop_down_set_factory (dropdown, factory);
      else
        gtk_drop_down_set_list_factory (dropdown, factory);
      g_object_unref (factory);
    }
}

static void
wh_courses_view_init (WhCoursesView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  set_choice_factories (self->category_dropdown);
  set_choice_factories (self->filter_dropdown);
  self->lessons_done = id_table_new ();
  self->saved = id_table_new ();
  self->dynamic_rows = g_ptr_array_new_with_free_func (g_object_unref);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row_cb), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}
