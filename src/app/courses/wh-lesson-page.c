/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-lesson-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-course-ids.h"
#include "wh-course-media.h"
#include "wh-course-writer.h"
#include "wh-courses.h"
#include "wh-format.h"
#include "wh-lesson-page.h"
#include "wh-markdown.h"
#include "wh-read-aloud-controls.h"

/* Save the reading place this long after the last scroll. */
#define SAVE_DELAY_MS 2000
/* Keep putting the place back while the labels settle their heights. */
#define RESTORE_WINDOW_US (1500 * G_TIME_SPAN_MILLISECOND)

struct _WhLessonPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkBox           *blocks_box;
  GtkButton        *complete_button;
  GtkLabel         *count_label;
  GtkLabel         *header_label;
  GtkButton        *next_button;
  GtkButton        *previous_button;
  GtkScrolledWindow *scroller;

  /* Owned references */
  WhContext        *context;
  GPtrArray        *lessons;
  GCancellable     *cancellable;

  GtkWidget        *next_group;  /* after the last lesson: what is left, or NULL */
  GHashTable       *done;        /* lesson ids completed, as last read (gint64*) */

  /* State */
  guint             index;
  gboolean          completed;
  gint64            restore_position; /* -1: none */
  gboolean          progress_known;   /* the shown lesson's progress was read */
  gint64            restore_until_us;
  guint             save_source;
};

G_DEFINE_FINAL_TYPE (WhLessonPage, wh_lesson_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_PRACTICE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const WhRecord *
current (WhLessonPage *self)
{
  if (self->lessons == NULL || self->index >= self->lessons->len)
    return NULL;
  return self->lessons->pdata[self->index];
}

const WhRecord *
wh_lesson_page_get_lesson (WhLessonPage *self)
{
  g_return_val_if_fail (WH_IS_LESSON_PAGE (self), NULL);
  return current (self);
}

void
wh_lesson_page_set_context (WhLessonPage *self,
                            WhContext    *context)
{
  g_return_if_fail (WH_IS_LESSON_PAGE (self));
  g_set_object (&self->context, context);
}

/* ---- Reading place ------------------------------------------------------- */

static gint64
reading_position (WhLessonPage *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double range = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  /* Still going back to where the worker was (the page is not laid out
   * yet): that place, not the top. */
  if (self->restore_position >= 0 && g_get_monotonic_time () <= self->restore_until_us)
    return self->restore_position;
  if (range <= 0)
    return 0;
  return (gint64) (gtk_adjustment_get_value (adj) / range * WH_COURSES_POSITION_END);
}

static void
save_place (WhLessonPage *self)
{
  const WhRecord *lesson = current (self);
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;

  g_clear_handle_id (&self->save_source, g_source_remove);
  /* Not before the lesson's progress is read: a position of 0 and "not
   * completed" would overwrite what the worker had. */
  if (lesson == NULL || store == NULL || !self->progress_known)
    return;
  wh_course_writer_save_progress (store, lesson->id, wh_record_get_int (lesson, "course_id"),
                                  reading_position (self), self->completed, GTK_WIDGET (self));
}

static gboolean
save_timeout_cb (gpointer data)
{
  WhLessonPage *self = data;

  self->save_source = 0;
  save_place (self);
  return G_SOURCE_REMOVE;
}

static void
restore_place (WhLessonPage *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double range = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  if (self->restore_position < 0 || g_get_monotonic_time () > self->restore_until_us)
    {
      self->restore_position = -1;
      return;
    }
  if (range > 0)
    gtk_adjustment_set_value (adj, range * self->restore_position / WH_COURSES_POSITION_END);
}

static void
adjustment_changed_cb (WhLessonPage *self)
{
  restore_place (self);
}

static void
value_changed_cb (WhLessonPage *self)
{
  if (current (self) == NULL)
    return;
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

/* ---- Blocks -------------------------------------------------------------- */

static GtkWidget *
text_label (const char *markup)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  /* A selectable label takes focus and selects itself on the way; reading
   * goes by scrolling, so keep Tab for the buttons. */
  gtk_widget_set_focusable (label, FALSE);
  return label;
}

static GtkWidget *
block_widget (WhLessonPage    *self,
              const WhMdBlock *block)
{
  static const char * const heading_classes[] = { "title-1", "title-2", "title-3", "title-4" };
  WhStore *store = wh_context_get_store (self->context);
  WhApi *api = wh_context_get_api (self->context);
  GtkWidget *widget, *label;

  switch (block->kind)
    {
    case WH_MD_HEADING:
      widget = text_label (block->markup);
      gtk_widget_add_css_class (widget, heading_classes[MIN (block->level, 4) - 1]);
      gtk_widget_set_margin_top (widget, 6);
      return widget;
    case WH_MD_LIST_ITEM:
      widget = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_widget_set_margin_start (widget, (int) (block->level - 1) * 24 + 6);
      label = gtk_label_new (block->marker);
      gtk_widget_set_size_request (label, 24, -1);
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_set_valign (label, GTK_ALIGN_START);
      gtk_box_append (GTK_BOX (widget), label);
      label = text_label (block->markup);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (widget), label);
      return widget;
    case WH_MD_CODE:
      label = text_label (block->markup);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
      gtk_widget_add_css_class (label, "monospace");
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      widget = gtk_frame_new (NULL);
      gtk_frame_set_child (GTK_FRAME (widget), label);
      gtk_widget_add_css_class (widget, "view");
      return widget;
    case WH_MD_QUOTE:
      widget = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      gtk_widget_set_margin_start (widget, (int) (block->level - 1) * 18);
      gtk_box_append (GTK_BOX (widget), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
      label = text_label (block->markup);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (widget), label);
      return widget;
    case WH_MD_IMAGE:
      {
        GtkWidget *picture = gtk_picture_new ();
        GtkWidget *placeholder;
        g_autofree char *alt = wh_markdown_markup_to_text (block->markup);

        widget = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
        gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
        gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
        gtk_picture_set_alternative_text (GTK_PICTURE (picture), alt);
        gtk_widget_set_size_request (picture, -1, 200);
        gtk_box_append (GTK_BOX (widget), picture);
        /* Offline, a picture never saved says so, in its place. */
        placeholder = gtk_label_new (NULL);
        gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
        gtk_label_set_wrap_mode (GTK_LABEL (placeholder), PANGO_WRAP_WORD_CHAR);
        gtk_widget_add_css_class (placeholder, "card");
        gtk_widget_add_css_class (placeholder, "dim-label");
        gtk_widget_add_css_class (placeholder, "wh-picture-missing");
        gtk_box_append (GTK_BOX (widget), placeholder);
        wh_course_media_set_picture_full (GTK_PICTURE (picture), GTK_LABEL (placeholder), store,
                                          api, block->path, self->cancellable);
        /* The description stays: it is all there is when the picture was
         * never saved and there is no network. */
        label = gtk_label_new (NULL);
        gtk_label_set_markup (GTK_LABEL (label), block->markup);
        gtk_label_set_wrap (GTK_LABEL (label), TRUE);
        gtk_widget_add_css_class (label, "caption");
        gtk_widget_add_css_class (label, "dim-label");
        gtk_box_append (GTK_BOX (widget), label);
        return widget;
      }
    case WH_MD_RULE:
      return gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
    case WH_MD_PARAGRAPH:
    default:
      return text_label (block->markup);
    }
}

/* ---- The next step, after the last lesson ---------------------------------- */

static void go_to (WhLessonPage *self,
                   guint         index);

static void
next_lesson_activated_cb (AdwActionRow *row,
                          WhLessonPage *self)
{
  go_to (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "wh-index")));
}

static void
take_quiz_activated_cb (WhLessonPage *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_PRACTICE], 0);
}

/* The lessons still unread (each a link to it) and the quiz: where a
 * worker goes from the end of the course. */
static void
fill_next_step (WhLessonPage *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (self->next_group);
  GtkWidget *row;
  guint unread = 0;

  if (group == NULL || self->done == NULL)
    return;
  /* Made again: a row added to a group cannot be taken out one by one
   * without knowing it, and these are a few. */
  while ((row = g_object_get_data (G_OBJECT (group), "wh-first-row")))
    {
      g_object_set_data (G_OBJECT (group), "wh-first-row", g_object_get_data (G_OBJECT (row),
                                                                              "wh-next-row"));
      adw_preferences_group_remove (group, row);
    }
  for (guint i = 0; i < self->lessons->len; i++)
    {
      const WhRecord *lesson = self->lessons->pdata[i];
      const char *title = wh_record_get_text (lesson, "title");
      g_autofree char *number = g_strdup_printf ("%u", i + 1);
      GtkWidget *prefix;

      if (g_hash_table_contains (self->done, &lesson->id) || (i == self->index && self->completed))
        continue;
      unread++;
      row = wh_format_row_new (title ? title : "", _("Not read yet"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      prefix = gtk_label_new (number);
      gtk_widget_add_css_class (prefix, "dim-label");
      gtk_widget_add_css_class (prefix, "numeric");
      gtk_widget_set_size_request (prefix, 24, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), prefix);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      g_object_set_data (G_OBJECT (row), "wh-index", GUINT_TO_POINTER (i));
      g_signal_connect_object (row, "activated", G_CALLBACK (next_lesson_activated_cb), self, 0);
      g_object_set_data (G_OBJECT (row), "wh-next-row",
                         g_object_get_data (G_OBJECT (group), "wh-first-row"));
      g_object_set_data (G_OBJECT (group), "wh-first-row", row);
      adw_preferences_group_add (group, row);
    }
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Take the Quiz"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("Practice questions, and the timed quiz for the certificate."));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_signal_connect_object (row, "activated", G_CALLBACK (take_quiz_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (row), "wh-next-row",
                     g_object_get_data (G_OBJECT (group), "wh-first-row"));
  g_object_set_data (G_OBJECT (group), "wh-first-row", row);
  adw_preferences_group_add (group, row);
  if (unread > 0)
    {
      g_autofree char *description =
        g_strdup_printf (ngettext ("This was the last lesson. %u lesson is not read yet.",
                                   "This was the last lesson. %u lessons are not read yet.",
                                   unread), unread);

      wh_format_group_set_description (group, description);
    }
  else
    wh_format_group_set_description (group, _("You have read every lesson of this course."));
}

static void
next_state_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WhLessonPage) self = user_data;
  g_autoptr(WhCourseState) state = NULL;
  g_autoptr(GError) error = NULL;

  state = wh_courses_read_state_finish (WH_STORE (source), result, &error);
  /* Cancelled: another lesson shows, or the page is gone. */
  if (state == NULL || self->lessons == NULL)
    return;
  /* Added to, never emptied here: a lesson marked complete a moment ago
   * may still be on its way to the store (wh-course-writer.c's queue) when
   * this read runs, and completed never goes back. */
  for (guint i = 0; state->progress && i < state->progress->len; i++)
    {
      const WhRecord *p = state->progress->pdata[i];

      if (wh_record_get_bool (p, "completed"))
        g_hash_table_add (self->done, wh_course_id_key (wh_record_get_int (p, "lesson_id")));
    }
  fill_next_step (self);
}

static void
add_next_step (WhLessonPage *self)
{
  const WhRecord *lesson = current (self);
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;

  if (lesson == NULL || store == NULL || self->index + 1 != self->lessons->len)
    return;
  self->next_group = adw_preferences_group_new ();
  wh_format_group_set_title (ADW_PREFERENCES_GROUP (self->next_group), _("What Next"));
  gtk_widget_set_margin_top (self->next_group, 24);
  gtk_box_append (self->blocks_box, self->next_group);
  wh_courses_read_state_async (store, wh_record_get_int (lesson, "course_id"), self->cancellable,
                               next_state_cb, g_object_ref (self));
}

static void
clear_blocks (WhLessonPage *self)
{
  GtkWidget *child;

  self->next_group = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->blocks_box))))
    gtk_box_remove (self->blocks_box, child);
}

static void
update_buttons (WhLessonPage *self)
{
  guint n = self->lessons ? self->lessons->len : 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->previous_button), self->index > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), self->index + 1 < n);
  gtk_button_set_label (self->complete_button,
                        self->completed ? _("Completed") : _("Mark as Complete"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->complete_button), !self->completed);
  if (self->completed)
    gtk_widget_remove_css_class (GTK_WIDGET (self->complete_button), "suggested-action");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->complete_button), "suggested-action");
}

/* The shown lesson's progress, read: where the worker was, whether done. */
static void
progress_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhLessonPage) self = user_data;
  g_autoptr(WhCourseState) state = wh_courses_read_state_finish (WH_STORE (source), result, NULL);
  const WhRecord *lesson = current (self);
  const WhRecord *progress = NULL;

  /* Cancelled: another lesson shows, or the page is gone; or the worker
   * marked it done meanwhile. */
  if (state == NULL || lesson == NULL || self->progress_known)
    return;
  for (guint i = 0; state->progress && i < state->progress->len; i++)
    if (wh_record_get_int (state->progress->pdata[i], "lesson_id") == lesson->id)
      progress = state->progress->pdata[i];
  self->progress_known = TRUE;
  self->completed = progress && wh_record_get_bool (progress, "completed");
  self->restore_position = progress ? wh_record_get_int (progress, "position") : 0;
  self->restore_until_us = g_get_monotonic_time () + RESTORE_WINDOW_US;
  update_buttons (self);
  restore_place (self);
  /* Opening a lesson is studying it: the course counts as in progress. */
  save_place (self);
}

static void
render (WhLessonPage *self)
{
  const WhRecord *lesson = current (self);
  WhStore *store = wh_context_get_store (self->context);
  g_autoptr(GPtrArray) blocks = NULL;
  g_autofree char *count = NULL;
  const char *title = wh_record_get_text (lesson, "title");

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  clear_blocks (self);

  gtk_label_set_text (self->header_label, title ? title : "");
  count = g_strdup_printf ("%u / %u", self->index + 1, self->lessons->len);
  gtk_label_set_text (self->count_label, count);

  /* The progress comes from the store's queue (progress_read_cb). */
  self->progress_known = FALSE;
  self->completed = FALSE;
  self->restore_position = -1;
  if (store)
    wh_courses_read_state_async (store, wh_record_get_int (lesson, "course_id"), self->cancellable,
                                 progress_read_cb, g_object_ref (self));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);

  blocks = wh_markdown_parse (wh_record_get_text (lesson, "body_md"), -1);
  /* A lesson without a heading of its own starts with its title. */
  if (blocks->len == 0 || ((WhMdBlock *) blocks->pdata[0])->kind != WH_MD_HEADING)
    {
      g_autofree char *escaped = g_markup_escape_text (title ? title : "", -1);
      GtkWidget *heading = text_label (escaped);

      gtk_widget_add_css_class (heading, "title-1");
      gtk_box_append (self->blocks_box, heading);
    }
  for (guint i = 0; i < blocks->len; i++)
    gtk_box_append (self->blocks_box, block_widget (self, blocks->pdata[i]));
  if (blocks->len == 0)
    gtk_box_append (self->blocks_box, text_label (_("This lesson has no text yet.")));
  add_next_step (self);
  update_buttons (self);
  restore_place (self);
}

void
wh_lesson_page_show (WhLessonPage *self,
                     GPtrArray    *lessons,
                     guint         index)
{
  g_return_if_fail (WH_IS_LESSON_PAGE (self));
  g_return_if_fail (lessons != NULL && index < lessons->len);

  if (current (self) != NULL)
    save_place (self);
  if (self->lessons != lessons)
    {
      g_clear_pointer (&self->lessons, g_ptr_array_unref);
      self->lessons = g_ptr_array_ref (lessons);
      g_hash_table_remove_all (self->done);
    }
  self->index = index;
  render (self);
  /* Opening a lesson is studying it: the course counts as in progress. */
  save_place (self);
}

void
wh_lesson_page_leave (WhLessonPage *self)
{
  g_return_if_fail (WH_IS_LESSON_PAGE (self));

  if (current (self) != NULL)
    save_place (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  g_hash_table_remove_all (self->done);
  self->index = 0;
  self->restore_position = -1;
  clear_blocks (self);
}

static void
go_to (WhLessonPage *self,
       guint         index)
{
  if (self->lessons == NULL || index >= self->lessons->len)
    return;
  save_place (self);
  self->index = index;
  render (self);
  save_place (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->complete_button));
}

static void
previous_clicked_cb (WhLessonPage *self)
{
  if (self->index > 0)
    go_to (self, self->index - 1);
}

static void
next_clicked_cb (WhLessonPage *self)
{
  go_to (self, self->index + 1);
}

static void
complete_clicked_cb (WhLessonPage *self)
{
  const WhRecord *lesson = current (self);

  if (lesson == NULL || self->completed)
    return;
  self->completed = TRUE;
  /* Done is done, whatever the read still under way says (completed never
   * goes back). */
  self->progress_known = TRUE;
  g_hash_table_add (self->done, wh_course_id_key (lesson->id));
  save_place (self);
  update_buttons (self);
  /* Done with this one: on to the next, if there is one. */
  if (self->lessons && self->index + 1 < self->lessons->len)
    go_to (self, self->index + 1);
  else
    {
      /* The end of the course: what is left, and the quiz. */
      fill_next_step (self);
      if (self->next_group != NULL)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

          gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
          gtk_widget_child_focus (self->next_group, GTK_DIR_TAB_FORWARD);
        }
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->previous_button));
    }
}

static void
wh_lesson_page_dispose (GObject *object)
{
  WhLessonPage *self = WH_LESSON_PAGE (object);

  if (current (self) != NULL)
    save_place (self);
  g_clear_handle_id (&self->save_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  g_clear_pointer (&self->done, g_hash_table_unref);
  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_LESSON_PAGE);
  /* The template's top box has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (wh_lesson_page_parent_class)->dispose (object);
}

static void
wh_lesson_page_class_init (WhLessonPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_lesson_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* "Take the Quiz" after the last lesson: the view shows the practice. */
  signals[SIGNAL_OPEN_PRACTICE] = g_signal_new ("open-practice", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-lesson-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, blocks_box);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, complete_button);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, header_label);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, next_button);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, previous_button);
  gtk_widget_class_bind_template_child (widget_class, WhLessonPage, scroller);
  gtk_widget_class_bind_template_callback (widget_class, complete_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, previous_clicked_cb);
}

static void
wh_lesson_page_init (WhLessonPage *self)
{
  GtkAdjustment *adj;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->restore_position = -1;
  self->done = wh_course_id_table_new ();
  adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adj, "changed", G_CALLBACK (adjustment_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (value_changed_cb), self,
                           G_CONNECT_SWAPPED);
}
