/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-course-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-course-certificate.h"
#include "wh-course-ids.h"
#include "wh-course-media.h"
#include "wh-course-page.h"
#include "wh-courses.h"
#include "wh-format.h"
#include "wh-quiz.h"
#include "wh-service-page.h"

struct _WhCoursePage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget           *back_button;
  GtkWidget           *certificate_group;
  AdwActionRow        *certificate_row;
  GtkBox              *chapters_box;
  GtkPicture          *course_cover;
  GtkWidget           *cover_box;
  GtkLabel            *cover_missing;
  GtkLabel            *course_header;
  GtkScrolledWindow   *course_scroller;
  GtkLabel            *course_summary;
  GtkLabel            *course_title;
  GtkWidget           *export_row;
  AdwPreferencesGroup *history_group;
  AdwActionRow        *length_row;
  AdwActionRow        *level_row;
  AdwEntryRow         *name_row;
  GtkButton           *offline_button;
  GtkProgressBar      *offline_progress;
  AdwActionRow        *offline_row;
  GtkButton           *practice_button;
  GtkButton           *start_button;
  AdwActionRow        *teacher_row;

  /* Owned references */
  WhContext           *context;
  WhRecord            *course;
  WhCourseState       *state;          /* its lessons, progress, attempts as last read */
  GPtrArray           *dynamic_rows;   /* widgets added to the page, removed on change */
  GCancellable        *page_cancellable;
  GCancellable        *download_cancellable;

  /* State */
  gint64               download_course; /* 0: none under way */
  guint                download_done;
  guint                download_total;
  guint64              download_bytes;
  char                *download_error;
};

G_DEFINE_FINAL_TYPE (WhCoursePage, wh_course_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_LESSON,
  SIGNAL_OPEN_PRACTICE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Formatting -------------------------------------------------------------- */

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
toast (WhCoursePage *self,
       const char   *message)
{
  WhServicePage *page = wh_service_page_get_for_widget (GTK_WIDGET (self));

  if (page)
    wh_service_page_toast (page, message);
}

/* ---- Rows that change with the course ---------------------------------------- */

static void
clear_dynamic_rows (WhCoursePage *self)
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
add_group_row (WhCoursePage        *self,
               AdwPreferencesGroup *group,
               GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_object_set_data (G_OBJECT (row), "wh-group", group);
  g_ptr_array_add (self->dynamic_rows, g_object_ref (row));
}

static void
update_offline_row (WhCoursePage *self)
{
  gboolean downloading = self->course && self->download_course == self->course->id;
  gboolean saved = self->state && self->state->saved;
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
      g_autofree char *size = g_format_size (MAX (self->state->saved_size, 0));

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
  WhCoursePage  *self = user_data;

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
  g_autoptr(WhCoursePage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->download_course = 0;
  g_clear_object (&self->download_cancellable);
  if (!wh_courses_download_finish (WH_STORE (source), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (self->download_error);
      self->download_error = g_strdup_printf (_("Could not save the course: %s"), error->message);
    }
  update_offline_row (self);
  wh_course_page_refresh (self);
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
  g_autoptr(WhCoursePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    toast (self, error->message);
  wh_course_page_refresh (self);
}

static void
offline_clicked_cb (WhCoursePage *self)
{
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;
  WhApi *api = self->context ? wh_context_get_api (self->context) : NULL;

  if (self->course == NULL || store == NULL)
    return;
  if (self->download_course == self->course->id)
    {
      g_cancellable_cancel (self->download_cancellable);
      return;
    }
  if (self->state && self->state->saved)
    {
      g_autoptr(GTask) task = g_task_new (store, NULL, removed_cb, g_object_ref (self));
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
  wh_courses_download_async (store, api, self->course->id, download_progress_cb, self,
                             self->download_cancellable, download_done_cb, g_object_ref (self));
  update_offline_row (self);
}

static void
lesson_activated_cb (AdwActionRow  *row,
                     WhCoursePage  *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "wh-index"));

  if (self->state == NULL || index >= self->state->lessons->len)
    return;
  g_signal_emit (self, signals[SIGNAL_OPEN_LESSON], 0, index);
}

/* The lesson to continue with: the last one read if unfinished, else the
 * first unfinished one, else the first. */
static guint
resume_index (WhCoursePage  *self,
              GHashTable    *progress)
{
  const WhRecord *latest = NULL;
  guint latest_index = 0;

  for (guint i = 0; i < self->state->lessons->len; i++)
    {
      const WhRecord *p = g_hash_table_lookup (progress, self->state->lessons->pdata[i]);

      if (p && (latest == NULL || g_strcmp0 (wh_record_get_text (p, "updated_at"),
                                             wh_record_get_text (latest, "updated_at")) > 0))
        latest = p, latest_index = i;
    }
  if (latest && !wh_record_get_bool (latest, "completed"))
    return latest_index;
  for (guint i = 0; i < self->state->lessons->len; i++)
    {
      const WhRecord *p = g_hash_table_lookup (progress, self->state->lessons->pdata[i]);

      if (p == NULL || !wh_record_get_bool (p, "completed"))
        return i;
    }
  return 0;
}

static void
fill_lessons (WhCoursePage  *self,
              guint         *done_out,
              guint         *resume_out)
{
  GPtrArray *progress = self->state->progress;
  /* lesson record -> its progress */
  g_autoptr(GHashTable) by_lesson = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) by_id = wh_course_id_table_new ();
  AdwPreferencesGroup *group = NULL;
  const char *chapter = NULL;
  guint done = 0;

  for (guint i = 0; progress && i < progress->len; i++)
    {
      WhRecord *p = progress->pdata[i];
      g_hash_table_insert (by_id, wh_course_id_key (wh_record_get_int (p, "lesson_id")), p);
    }
  for (guint i = 0; i < self->state->lessons->len; i++)
    {
      const WhRecord *lesson = self->state->lessons->pdata[i];
      const WhRecord *p = g_hash_table_lookup (by_id, &lesson->id);
      const char *this_chapter = text_or_empty (lesson, "chapter");
      gboolean completed = p && wh_record_get_bool (p, "completed");
      g_autofree char *minutes =
        wh_format_minutes (wh_record_is_set (lesson, "duration_min")
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
fill_history (WhCoursePage  *self,
              guint         *best_timed_percent)
{
  GPtrArray *attempts = self->state->attempts;
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
      g_autofree char *taken = NULL;
      GtkWidget *row, *badge;

      if (timed && total > 0)
        best = MAX (best, (guint) (correct * 100 / total));
      if (i >= 10)
        continue;
      /* Translators: a quiz's time taken, minutes:seconds */
      taken = g_strdup_printf (_("time taken %d:%02d"), (int) (seconds / 60), (int) (seconds % 60));
      subtitle = g_strdup_printf ("%s · %s · %s", timed ? _("Timed quiz") : _("Practice"), taken,
                                  date);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      /* Only a timed quiz is passed or not: practice is practice. */
      if (timed)
        {
          badge = gtk_label_new (wh_quiz_passed ((guint) correct, (guint) total) ? _("Passed")
                                                                                  : _("Not passed"));
          gtk_widget_add_css_class (badge, wh_quiz_passed ((guint) correct, (guint) total)
                                             ? "success" : "dim-label");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
        }
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
fill_course (WhCoursePage *self)
{
  guint done = 0, resume = 0, best = 0;
  gboolean complete;
  gboolean kiosk = self->context && wh_context_get_kiosk (self->context);
  g_autofree char *certificate = NULL;

  clear_dynamic_rows (self);
  fill_lessons (self, &done, &resume);
  fill_history (self, &best);

  gtk_widget_set_sensitive (GTK_WIDGET (self->start_button), self->state->lessons->len > 0);
  g_object_set_data (G_OBJECT (self->start_button), "wh-index", GUINT_TO_POINTER (resume));
  if (done == self->state->lessons->len && done > 0)
    gtk_button_set_label (self->start_button, _("Read Again"));
  else if (self->state->progress->len > 0)
    gtk_button_set_label (self->start_button, _("Continue Learning"));
  else
    gtk_button_set_label (self->start_button, _("Start Learning"));

  complete = self->state->complete;
  if (complete)
    certificate = g_strdup (_("You finished every lesson and passed the timed quiz."));
  else
    certificate = g_strdup_printf (_("Finish all %u lessons (%u done) and pass a timed quiz to "
                                     "earn it."),
                                   self->state->lessons->len, done);
  adw_action_row_set_subtitle (self->certificate_row, certificate);
  /* A kiosk has no file dialogs and no place to keep a file. */
  gtk_widget_set_visible (self->export_row, complete && !kiosk);
  gtk_widget_set_visible (GTK_WIDGET (self->name_row), complete && !kiosk);
  /* The name typed on the last certificate, unless one is typed already. */
  if (complete && !kiosk && *gtk_editable_get_text (GTK_EDITABLE (self->name_row)) == '\0')
    {
      g_autofree char *name = g_settings_get_string (wh_context_get_settings (self->context),
                                                     "certificate-name");

      gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
    }
  g_object_set_data (G_OBJECT (self->export_row), "wh-best", GUINT_TO_POINTER (best));
  update_offline_row (self);
}

void
wh_course_page_show (WhCoursePage   *self,
                     const WhRecord *course)
{
  g_autofree char *length = NULL;
  g_autofree char *lessons = NULL;
  g_autofree char *minutes = NULL;
  g_autoptr(GString) teacher = g_string_new (text_or_empty (course, "author"));
  gint64 n = wh_record_is_set (course, "lesson_count") ? wh_record_get_int (course, "lesson_count")
                                                       : 0;

  g_return_if_fail (WH_IS_COURSE_PAGE (self));
  g_return_if_fail (course != NULL);

  g_cancellable_cancel (self->page_cancellable);
  g_clear_object (&self->page_cancellable);
  self->page_cancellable = g_cancellable_new ();
  if (self->course == NULL || self->course->id != course->id)
    g_clear_pointer (&self->download_error, g_free);
  g_clear_pointer (&self->course, wh_record_free);
  self->course = wh_record_copy (course);
  /* Nothing of the last course shows while this one is read. */
  clear_dynamic_rows (self);
  g_clear_pointer (&self->state, wh_course_state_free);

  gtk_label_set_text (self->course_header, text_or_empty (course, "title"));
  gtk_label_set_text (self->course_title, text_or_empty (course, "title"));
  gtk_label_set_text (self->course_summary, text_or_empty (course, "summary"));
  gtk_widget_set_visible (GTK_WIDGET (self->course_summary), *text_or_empty (course, "summary"));
  if (*text_or_empty (course, "author_honor"))
    g_string_append_printf (teacher, " · %s", text_or_empty (course, "author_honor"));
  adw_action_row_set_subtitle (self->teacher_row, teacher->str);
  lessons = g_strdup_printf (ngettext ("%d lesson", "%d lessons", (gulong) n), (int) n);
  minutes = wh_format_minutes (wh_record_is_set (course, "duration_min")
                                 ? wh_record_get_int (course, "duration_min") : 0);
  length = g_strdup_printf ("%s · %s", lessons, minutes);
  adw_action_row_set_subtitle (self->length_row, length);
  adw_action_row_set_subtitle (self->level_row, format_level (text_or_empty (course, "level")));
  gtk_widget_set_visible (GTK_WIDGET (self->level_row), *text_or_empty (course, "level"));
  /* Its room is there before the picture: the page does not move under
   * the pointer when it arrives. */
  gtk_widget_set_visible (self->cover_box, *text_or_empty (course, "cover") != '\0');
  wh_course_media_set_picture_full (self->course_cover, self->cover_missing,
                                    wh_context_get_store (self->context),
                                    wh_context_get_api (self->context),
                                    text_or_empty (course, "cover"), self->page_cancellable);
  wh_course_page_refresh (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->course_scroller), 0);
}

static void
start_clicked_cb (WhCoursePage *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->start_button), "wh-index"));

  if (self->state == NULL || self->state->lessons->len == 0)
    return;
  g_signal_emit (self, signals[SIGNAL_OPEN_LESSON], 0, MIN (index, self->state->lessons->len - 1));
}

static void
practice_clicked_cb (WhCoursePage *self)
{
  if (self->course == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_OPEN_PRACTICE], 0);
}

/* ---- Reading the course ------------------------------------------------------ */

static void
state_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WhCoursePage) self = user_data;
  g_autoptr(WhCourseState) state = NULL;
  g_autoptr(GError) error = NULL;

  state = wh_courses_read_state_finish (WH_STORE (source), result, &error);
  /* Cancelled: another course, or back to the catalogue. */
  if (state == NULL || self->course == NULL)
    return;
  g_clear_pointer (&self->state, wh_course_state_free);
  self->state = g_steal_pointer (&state);
  fill_course (self);
}

void
wh_course_page_refresh (WhCoursePage *self)
{
  WhStore *store;

  g_return_if_fail (WH_IS_COURSE_PAGE (self));

  store = self->context ? wh_context_get_store (self->context) : NULL;
  if (self->course == NULL || store == NULL)
    return;
  /* The store's queue is ordered: the answer to the latest read comes last. */
  wh_courses_read_state_async (store, self->course->id, self->page_cancellable, state_read_cb,
                               g_object_ref (self));
}

/* ---- Certificate ------------------------------------------------------------- */

static void
open_certificate_cb (AdwToast *toast,
                     GFile    *file)
{
  g_autoptr(GAppLaunchContext) launch =
    G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gdk_display_get_default ()));
  g_autofree char *uri = g_file_get_uri (file);

  g_app_info_launch_default_for_uri_async (uri, launch, NULL, NULL, NULL);
}

static void
certificate_written_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(WhCoursePage) self = user_data;
  g_autoptr(GError) error = NULL;
  GFile *file = g_object_get_data (G_OBJECT (result), "wh-file");
  GtkWidget *overlay;
  AdwToast *message;

  if (!wh_certificate_write_finish (result, &error))
    {
      toast (self, error->message);
      return;
    }
  /* The file just made is one click away; the window's toasts are plain
   * text only, so this one goes to the overlay the page sits in. */
  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL || file == NULL)
    {
      toast (self, _("Certificate saved"));
      return;
    }
  message = wh_format_toast_new (_("Certificate saved"));
  adw_toast_set_button_label (message, _("_Open"));
  adw_toast_set_timeout (message, 10);
  g_signal_connect_data (message, "button-clicked", G_CALLBACK (open_certificate_cb),
                         g_object_ref (file), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), message);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    WhCoursePage    *self)
{
  WhCertificateFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "wh-format"));
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    wh_course_page_export_to (self, format, file);
  g_object_unref (dialog);
}

void
wh_course_page_export_to (WhCoursePage        *self,
                          WhCertificateFormat  format,
                          GFile               *file)
{
  g_autoptr(WhCertificate) c = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GTask) task = NULL;
  const char *name;

  g_return_if_fail (WH_IS_COURSE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->course == NULL)
    return;
  name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  /* Offered again on the next certificate; a kiosk keeps nothing of a person. */
  if (self->context && !wh_context_get_kiosk (self->context))
    g_settings_set_string (wh_context_get_settings (self->context), "certificate-name", name);
  c = g_new0 (WhCertificate, 1);
  c->name = g_strdup (name);
  c->course = g_strdup (text_or_empty (self->course, "title"));
  c->teacher = g_strdup (text_or_empty (self->course, "author"));
  /* Translators: the date on the certificate, a strftime format */
  c->date = g_date_time_format (now, _("%Y-%m-%d"));
  c->lessons = self->state ? self->state->lessons->len : 0;
  c->score = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->export_row), "wh-best"));
  wh_certificate_write_async (c, format, file, self->page_cancellable, certificate_written_cb,
                              g_object_ref (self));
}

static void
export (WhCoursePage        *self,
        WhCertificateFormat  format)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  const char *folder;

  if (self->course == NULL || wh_context_get_kiosk (self->context))
    return;
  dialog = gtk_file_chooser_native_new (_("Save Certificate"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  name = wh_certificate_file_name (text_or_empty (self->course, "title"), format);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  /* A picture goes where pictures are (sent on from there), a PDF with
   * the documents; the home folder when neither is set up. */
  folder = g_get_user_special_dir (format == WH_CERTIFICATE_PNG ? G_USER_DIRECTORY_PICTURES
                                                                 : G_USER_DIRECTORY_DOCUMENTS);
  if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
    folder = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  if (folder != NULL && g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) dir = g_file_new_for_path (folder);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), dir, NULL);
    }
  g_object_set_data (G_OBJECT (dialog), "wh-format", GINT_TO_POINTER (format));
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
export_pdf_clicked_cb (WhCoursePage *self)
{
  export (self, WH_CERTIFICATE_PDF);
}

static void
export_png_clicked_cb (WhCoursePage *self)
{
  export (self, WH_CERTIFICATE_PNG);
}

/* ---- Public ------------------------------------------------------------------ */

static void
context_api_cb (WhCoursePage *self)
{
  update_offline_row (self);
}

void
wh_course_page_set_context (WhCoursePage *self,
                            WhContext    *context)
{
  g_return_if_fail (WH_IS_COURSE_PAGE (self));
  g_return_if_fail (WH_IS_CONTEXT (context));

  g_set_object (&self->context, context);
  g_signal_connect_object (context, "notify::api", G_CALLBACK (context_api_cb), self,
                           G_CONNECT_SWAPPED);
}

void
wh_course_page_leave (WhCoursePage *self)
{
  g_return_if_fail (WH_IS_COURSE_PAGE (self));

  g_cancellable_cancel (self->page_cancellable);
  clear_dynamic_rows (self);
  g_clear_pointer (&self->state, wh_course_state_free);
  g_clear_pointer (&self->course, wh_record_free);
}

void
wh_course_page_reset (WhCoursePage *self)
{
  g_return_if_fail (WH_IS_COURSE_PAGE (self));

  /* The kiosk wipes saved courses next: nothing may still be adding some. */
  g_cancellable_cancel (self->download_cancellable);
  wh_course_page_leave (self);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  g_clear_pointer (&self->download_error, g_free);
}

GtkWidget *
wh_course_page_get_back_button (WhCoursePage *self)
{
  g_return_val_if_fail (WH_IS_COURSE_PAGE (self), NULL);

  return self->back_button;
}

const WhRecord *
wh_course_page_get_course (WhCoursePage *self)
{
  g_return_val_if_fail (WH_IS_COURSE_PAGE (self), NULL);

  return self->course;
}

GPtrArray *
wh_course_page_get_lessons (WhCoursePage *self)
{
  g_return_val_if_fail (WH_IS_COURSE_PAGE (self), NULL);

  return self->state ? self->state->lessons : NULL;
}

/* ---- GObject ----------------------------------------------------------------- */

/* Focus goes to the page's main action. */
static gboolean
wh_course_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (WH_COURSE_PAGE (widget)->start_button));
}

static void
wh_course_page_dispose (GObject *object)
{
  WhCoursePage *self = WH_COURSE_PAGE (object);

  g_cancellable_cancel (self->page_cancellable);
  g_cancellable_cancel (self->download_cancellable);
  g_clear_object (&self->page_cancellable);
  g_clear_object (&self->download_cancellable);
  g_clear_pointer (&self->dynamic_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_COURSE_PAGE);
  /* The template's top box has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->context);
  g_clear_pointer (&self->course, wh_record_free);
  g_clear_pointer (&self->state, wh_course_state_free);
  g_clear_pointer (&self->download_error, g_free);
  G_OBJECT_CLASS (wh_course_page_parent_class)->dispose (object);
}

static void
wh_course_page_class_init (WhCoursePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_course_page_dispose;
  widget_class->grab_focus = wh_course_page_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* A lesson was chosen (index into wh_course_page_get_lessons). */
  signals[SIGNAL_OPEN_LESSON] = g_signal_new ("open-lesson", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_UINT);
  /* Practice was chosen, for wh_course_page_get_course. */
  signals[SIGNAL_OPEN_PRACTICE] = g_signal_new ("open-practice", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-course-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, certificate_group);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, certificate_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, chapters_box);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, course_cover);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, course_header);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, course_scroller);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, course_summary);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, course_title);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, cover_box);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, cover_missing);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, export_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, history_group);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, length_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, level_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, offline_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, offline_progress);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, offline_row);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, practice_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, WhCoursePage, teacher_row);
  gtk_widget_class_bind_template_callback (widget_class, export_pdf_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_png_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, offline_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, practice_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);
}

static void
wh_course_page_init (WhCoursePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->dynamic_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->page_cancellable = g_cancellable_new ();
}
