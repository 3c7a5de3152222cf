/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-practice-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-course-ids.h"
#include "wh-course-writer.h"
#include "wh-practice-hub.h"
#include "wh-practice-page.h"
#include "wh-quiz.h"
#include "wh-read-aloud-controls.h"

/* A practice set: this many questions, no clock. */
#define PRACTICE_QUESTIONS 10

struct _WhPracticePage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton     *action_button;
  GtkButton     *back_button;
  GtkLabel      *explanation_label;
  GtkRevealer   *feedback_revealer;
  GtkLabel      *header_label;
  AdwStatusPage *none_page;
  GtkLabel      *number_label;
  GtkBox        *options_box;
  AdwActionRow  *practice_row;
  AdwActionRow  *quiz_row;
  GtkScrolledWindow *question_scroller;
  AdwStatusPage *result_page;
  GtkStack      *stack;
  GtkLabel      *stem_label;
  GtkLabel      *timer_label;
  GtkLabel      *verdict_label;

  /* Owned references */
  WhContext     *context;
  WhPractice    *practice;
  WhRecord      *course;     /* NULL for a set of Practice */
  GPtrArray     *questions;  /* WhRecord*: the course's or the set's, from the cache */
  GCancellable  *cancellable; /* the read of the shown course's questions */
  WhQuiz        *quiz;
  GPtrArray     *option_buttons; /* GtkCheckButton*, borrowed from options_box */
  GHashTable    *wrong_choices;  /* Review Mistakes: gint64* question id -> the choice
                                  * last given wrong (GUINT_TO_POINTER) */

  /* State */
  guint          index;
  gint           set;        /* the WhPracticeSet shown, or -1: a course */
  gboolean       timed;
  guint          tick_source;
};

G_DEFINE_FINAL_TYPE (WhPracticePage, wh_practice_page, GTK_TYPE_WIDGET)

void
wh_practice_page_set_context (WhPracticePage *self,
                              WhContext      *context)
{
  g_return_if_fail (WH_IS_PRACTICE_PAGE (self));
  g_set_object (&self->context, context);
}

static void
stop_clock (WhPracticePage *self)
{
  g_clear_handle_id (&self->tick_source, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->timer_label), FALSE);
}

void
wh_practice_page_set_practice (WhPracticePage *self,
                               WhPractice     *practice)
{
  g_return_if_fail (WH_IS_PRACTICE_PAGE (self));
  g_set_object (&self->practice, practice);
}

gboolean
wh_practice_page_get_quiz_running (WhPracticePage *self)
{
  g_return_val_if_fail (WH_IS_PRACTICE_PAGE (self), FALSE);

  return self->quiz != NULL && self->timed &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "question") == 0;
}

void
wh_practice_page_leave (WhPracticePage *self)
{
  g_return_if_fail (WH_IS_PRACTICE_PAGE (self));

  stop_clock (self);
  /* A read still on its way would show the start over the course page. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->quiz, wh_quiz_free);
  g_ptr_array_set_size (self->option_buttons, 0);
  gtk_stack_set_visible_child_name (self->stack, "start");
}

static void
questions_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *questions = wh_store_list_questions_finish (WH_STORE (source), result, &error);
  WhPracticePage *self = user_data;
  g_autofree char *practice = NULL;
  g_autofree char *quiz = NULL;

  /* Cancelled: the page is gone or shows another course. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->questions = questions;
  if (self->questions == NULL || self->questions->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  practice = g_strdup_printf (ngettext ("%u question, each checked at once",
                                        "%u questions, each checked at once",
                                        MIN (PRACTICE_QUESTIONS, self->questions->len)),
                              MIN (PRACTICE_QUESTIONS, self->questions->len));
  adw_action_row_set_subtitle (self->practice_row, practice);
  quiz = g_strdup_printf (_("%u questions in %u minutes; %u%% to pass"),
                          MIN (WH_QUIZ_TIMED_QUESTIONS, self->questions->len),
                          WH_QUIZ_TIMED_SECONDS / 60, WH_QUIZ_PASS_PERCENT);
  adw_action_row_set_subtitle (self->quiz_row, quiz);
  gtk_stack_set_visible_child_name (self->stack, "start");
  /* Enter starts practising at once. */
  gtk_widget_grab_focus (GTK_WIDGET (self->practice_row));
}

void
wh_practice_page_show (WhPracticePage *self,
                       const WhRecord *course)
{
  WhStore *store;
  const char *title;

  g_return_if_fail (WH_IS_PRACTICE_PAGE (self));
  g_return_if_fail (course != NULL);

  wh_practice_page_leave (self);
  g_clear_pointer (&self->course, wh_record_free);
  g_clear_pointer (&self->questions, g_ptr_array_unref);
  self->course = wh_record_copy (course);
  self->set = -1;
  g_hash_table_remove_all (self->wrong_choices);
  adw_status_page_set_title (self->none_page, _("No Questions Yet"));
  adw_status_page_set_description (self->none_page,
                                   _("This course has no practice questions in the offline "
                                     "cache. Sync when you have a network."));
  gtk_button_set_label (self->back_button, _("Back to Course"));
  title = wh_record_get_text (course, "title");
  gtk_label_set_text (self->header_label, title ? title : "");

  store = self->context ? wh_context_get_store (self->context) : NULL;
  if (store == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "loading");
  self->cancellable = g_cancellable_new ();
  wh_store_list_questions_async (store, course->id, self->cancellable, questions_read_cb, self);
}

static void start (WhPracticePage *self,
                   gboolean        timed);

static void
set_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) wrong = NULL;
  GPtrArray *questions = wh_practice_read_set_finish (WH_PRACTICE (source), result, &wrong,
                                                      &error);
  WhPracticePage *self = user_data;

  /* Cancelled: the page is gone or shows something else. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error)
    g_warning ("Cannot read the practice set: %s", error->message);
  self->questions = questions;
  g_hash_table_remove_all (self->wrong_choices);
  for (guint i = 0; questions && wrong && i < questions->len && i < wrong->len; i++)
    if (g_array_index (wrong, guint8, i) != 0)
      g_hash_table_insert (self->wrong_choices,
                           wh_course_id_key (((WhRecord *) questions->pdata[i])->id),
                           GUINT_TO_POINTER (g_array_index (wrong, guint8, i)));
  if (self->questions == NULL || self->questions->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  start (self, FALSE);
}

void
wh_practice_page_show_set (WhPracticePage *self,
                           WhPracticeSet   set)
{
  g_return_if_fail (WH_IS_PRACTICE_PAGE (self));

  wh_practice_page_leave (self);
  g_clear_pointer (&self->course, wh_record_free);
  g_clear_pointer (&self->questions, g_ptr_array_unref);
  self->set = set;
  g_hash_table_remove_all (self->wrong_choices);
  gtk_label_set_text (self->header_label, wh_practice_hub_set_title (set));
  gtk_button_set_label (self->back_button, _("Back to Practice"));
  switch (set)
    {
    case WH_PRACTICE_MISTAKES:
      adw_status_page_set_title (self->none_page, _("No Mistakes to Review"));
      adw_status_page_set_description (self->none_page,
                                       _("A question you answer wrong comes here, with the "
                                         "answer you gave."));
      break;
    case WH_PRACTICE_DUE:
      adw_status_page_set_title (self->none_page, _("Nothing Due Today"));
      adw_status_page_set_description (self->none_page,
                                       _("Questions you have answered come back here when it is "
                                         "time to go over them."));
      break;
    case WH_PRACTICE_TODAY:
    default:
      adw_status_page_set_title (self->none_page, _("No Questions Yet"));
      adw_status_page_set_description (self->none_page,
                                       _("There are no practice questions in the offline cache. "
                                         "Sync when you have a network."));
      break;
    }
  if (self->practice == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "loading");
  self->cancellable = g_cancellable_new ();
  wh_practice_read_set_async (self->practice, set, self->cancellable, set_read_cb, self);
}

/* ---- Questions ----------------------------------------------------------- */

static void show_result (WhPracticePage *self);

static void
update_clock (WhPracticePage *self)
{
  gint64 left = wh_quiz_get_remaining_s (self->quiz, g_get_monotonic_time ());
  g_autofree char *text = g_strdup_printf ("%d:%02d", (int) (left / 60), (int) (left % 60));
  g_autofree char *spoken = g_strdup_printf (_("%d min %d s left"), (int) (left / 60),
                                             (int) (left % 60));

  gtk_label_set_text (self->timer_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->timer_label), spoken);
  if (left < 60)
    gtk_widget_add_css_class (GTK_WIDGET (self->timer_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->timer_label), "error");
}

static gboolean
tick_cb (gpointer data)
{
  WhPracticePage *self = data;

  update_clock (self);
  if (wh_quiz_get_remaining_s (self->quiz, g_get_monotonic_time ()) == 0)
    {
      /* Time is up: what was not answered counts as wrong. */
      self->tick_source = 0;
      show_result (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static guint8
chosen_mask (WhPracticePage *self)
{
  guint8 mask = 0;

  for (guint i = 0; i < self->option_buttons->len; i++)
    if (gtk_check_button_get_active (self->option_buttons->pdata[i]))
      mask |= (guint8) (1u << i);
  return mask;
}

static void
option_toggled_cb (WhPracticePage *self)
{
  if (!wh_quiz_is_answered (self->quiz, self->index))
    gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), chosen_mask (self) != 0);
}

static void
show_question (WhPracticePage *self,
               guint           index)
{
  const WhRecord *q = wh_quiz_get_question (self->quiz, index);
  g_auto(GStrv) options = wh_record_dup_strv (q, "options");
  gboolean multiple = g_strcmp0 (wh_record_get_text (q, "kind"), "multiple") == 0;
  g_autofree char *number = NULL;
  GtkCheckButton *group = NULL;
  GtkWidget *child;

  self->index = index;
  number = multiple
    ? g_strdup_printf (_("Question %u of %u · choose all that apply"), index + 1,
                       wh_quiz_get_n_questions (self->quiz))
    : g_strdup_printf (_("Question %u of %u · choose one"), index + 1,
                       wh_quiz_get_n_questions (self->quiz));
  if (g_hash_table_contains (self->wrong_choices, &q->id))
    {
      guint wrong = GPOINTER_TO_UINT (g_hash_table_lookup (self->wrong_choices, &q->id));
      g_autoptr(GString) letters = g_string_new (NULL);
      g_autofree char *with = NULL;

      for (guint i = 0; i < 8; i++)
        if (wrong & (1u << i))
          g_string_append_printf (letters, "%s%c", letters->len ? ", " : "", 'A' + i);
      /* Translators: the first %s is "Question 1 of 10 · choose one", the
       * second the letters of the options chosen when it was answered wrong */
      with = g_strdup_printf (_("%s · last time you chose %s"), number, letters->str);
      g_free (number);
      number = g_steal_pointer (&with);
    }
  gtk_label_set_text (self->number_label, number);
  gtk_label_set_text (self->stem_label, wh_record_get_text (q, "stem"));

  g_ptr_array_set_size (self->option_buttons, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->options_box))))
    gtk_box_remove (self->options_box, child);
  for (guint i = 0; options && options[i] && i < 8; i++)
    {
      GtkWidget *button = gtk_check_button_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label = gtk_label_new (NULL);
      GtkWidget *mark = gtk_image_new ();
      GtkWidget *note = gtk_label_new (NULL);
      g_autofree char *text = g_strdup_printf ("%c. %s", 'A' + i, options[i]);

      gtk_label_set_text (GTK_LABEL (label), text);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (box), label);
      /* After the answer: a mark and a word, so colour is not the only cue. */
      gtk_widget_set_visible (mark, FALSE);
      gtk_widget_set_valign (mark, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (box), mark);
      gtk_widget_set_visible (note, FALSE);
      gtk_widget_add_css_class (note, "caption-heading");
      gtk_box_append (GTK_BOX (box), note);
      gtk_check_button_set_child (GTK_CHECK_BUTTON (button), box);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
      /* A finger-sized target on the kiosk. */
      gtk_widget_set_size_request (button, -1, 44);
      gtk_widget_add_css_class (button, "card");
      if (!multiple)
        {
          if (group)
            gtk_check_button_set_group (GTK_CHECK_BUTTON (button), group);
          else
            group = GTK_CHECK_BUTTON (button);
        }
      g_signal_connect_object (button, "toggled", G_CALLBACK (option_toggled_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->options_box, button);
      g_ptr_array_add (self->option_buttons, button);
    }
  gtk_revealer_set_reveal_child (self->feedback_revealer, FALSE);
  gtk_button_set_label (self->action_button, _("Check Answer"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), FALSE);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->question_scroller), 0);
  gtk_stack_set_visible_child_name (self->stack, "question");
  if (self->option_buttons->len > 0)
    gtk_widget_grab_focus (self->option_buttons->pdata[0]);
}

static void
start (WhPracticePage *self,
       gboolean        timed)
{
  gint64 now = g_get_monotonic_time ();

  wh_practice_page_leave (self);
  self->timed = timed;
  self->quiz = wh_quiz_new (self->questions, timed ? WH_QUIZ_TIMED_QUESTIONS : PRACTICE_QUESTIONS,
                            timed ? WH_QUIZ_TIMED_SECONDS : 0, g_random_int (), now);
  if (wh_quiz_get_n_questions (self->quiz) == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  if (timed)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->timer_label), TRUE);
      update_clock (self);
      self->tick_source = g_timeout_add_seconds (1, tick_cb, self);
    }
  show_question (self, 0);
}

static void
practice_activated_cb (WhPracticePage *self)
{
  start (self, FALSE);
}

static void
quiz_activated_cb (WhPracticePage *self)
{
  start (self, TRUE);
}

static void
again_clicked_cb (WhPracticePage *self)
{
  /* A set is read again: what was answered may have left it. */
  if (self->set >= 0)
    wh_practice_page_show_set (self, (WhPracticeSet) self->set);
  else
    start (self, self->timed);
}

/* An answered option: coloured, with a mark and a word for what it is. */
static void
mark_option (GtkWidget  *button,
             const char *css_class,
             const char *icon,
             const char *text)
{
  GtkWidget *box = gtk_check_button_get_child (GTK_CHECK_BUTTON (button));
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *mark = gtk_widget_get_next_sibling (label);
  GtkWidget *note = gtk_widget_get_next_sibling (mark);
  g_autofree char *spoken = g_strdup_printf ("%s: %s", gtk_label_get_text (GTK_LABEL (label)), text);

  gtk_widget_add_css_class (button, css_class);
  gtk_image_set_from_icon_name (GTK_IMAGE (mark), icon);
  gtk_widget_set_visible (mark, TRUE);
  gtk_label_set_text (GTK_LABEL (note), text);
  gtk_widget_set_visible (note, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken,
                                  -1);
}

static void
answer_saved_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The answer was shown; only the review is lost, nothing to tell. */
  if (!wh_practice_answer_finish (WH_PRACTICE (source), result, &error))
    g_warning ("Could not save the answer for review: %s", error->message);
}

static void
check_answer (WhPracticePage *self)
{
  const WhRecord *q = wh_quiz_get_question (self->quiz, self->index);
  guint8 right = wh_quiz_answer_mask (q);
  gboolean correct = FALSE;
  const char *explanation = wh_record_is_set (q, "explanation")
                              ? wh_record_get_text (q, "explanation") : NULL;
  g_autoptr(GString) answer = g_string_new (NULL);

  if (!wh_quiz_answer (self->quiz, self->index, chosen_mask (self), g_get_monotonic_time (),
                       &correct))
    {
      /* The clock ran out between the tick and the click. */
      show_result (self);
      return;
    }
  /* Into the review state and, when wrong, the mistakes notebook; queued
   * behind the page's reads, never cancelled with the page. */
  if (self->practice)
    wh_practice_answer_async (self->practice, q, chosen_mask (self), correct, NULL,
                              answer_saved_cb, NULL);
  for (guint i = 0; i < self->option_buttons->len; i++)
    {
      GtkWidget *button = self->option_buttons->pdata[i];
      gboolean chosen = gtk_check_button_get_active (GTK_CHECK_BUTTON (button));

      /* Answered: no longer changed, but not greyed out either, so the
       * colours read (an insensitive button is drawn dim). */
      gtk_widget_set_can_target (button, FALSE);
      gtk_widget_set_focusable (button, FALSE);
      gtk_widget_add_css_class (button, "wh-answered");
      if (right & (1u << i))
        {
          mark_option (button, "success", "emblem-ok-symbolic",
                       chosen ? _("Right answer, your choice") : _("Right answer"));
          g_string_append_printf (answer, "%s%c", answer->len ? ", " : "", 'A' + i);
        }
      else if (chosen)
        mark_option (button, "error", "window-close-symbolic", _("Your choice, wrong"));
    }
  if (correct)
    gtk_label_set_text (self->verdict_label, _("Correct"));
  else
    {
      g_autofree char *text = g_strdup_printf (_("Not quite. The answer is %s."), answer->str);
      gtk_label_set_text (self->verdict_label, text);
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), correct ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), correct ? "success" : "error");
  gtk_label_set_text (self->explanation_label, explanation ? explanation : "");
  gtk_widget_set_visible (GTK_WIDGET (self->explanation_label), explanation && *explanation);
  gtk_revealer_set_reveal_child (self->feedback_revealer, TRUE);
  gtk_button_set_label (self->action_button,
                        self->index + 1 < wh_quiz_get_n_questions (self->quiz)
                          ? _("Next Question") : _("See Score"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->action_button), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->action_button));
}

static void
action_clicked_cb (WhPracticePage *self)
{
  if (self->quiz == NULL)
    return;
  if (!wh_quiz_is_answered (self->quiz, self->index))
    check_answer (self);
  else if (self->index + 1 < wh_quiz_get_n_questions (self->quiz))
    show_question (self, self->index + 1);
  else
    show_result (self);
}

static void
show_result (WhPracticePage *self)
{
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;
  g_autoptr(WhRecord) attempt = NULL;
  g_autofree char *title = NULL;
  guint correct, total;
  gboolean passed;

  stop_clock (self);
  wh_quiz_finish (self->quiz, g_get_monotonic_time ());
  correct = wh_quiz_get_correct (self->quiz);
  total = wh_quiz_get_n_questions (self->quiz);
  passed = wh_quiz_passed (correct, total);

  if (self->course)
    attempt = wh_quiz_to_attempt (self->quiz, self->course->id);
  if (store && attempt)
    wh_course_writer_save_attempt (store, attempt, GTK_WIDGET (self));

  title = g_strdup_printf (_("%u of %u Correct"), correct, total);
  adw_status_page_set_title (self->result_page, title);
  if (self->set >= 0)
    adw_status_page_set_description (self->result_page,
                                     _("Questions you got wrong are in your mistakes. Back in "
                                       "Practice, see your streak and what is due."));
  else if (self->timed)
    adw_status_page_set_description (self->result_page,
                                     passed ? _("You passed the quiz. It counts toward your "
                                                "certificate.")
                                            : _("Not passed this time. Review the lessons and "
                                                "try again."));
  else
    adw_status_page_set_description (self->result_page,
                                     passed ? _("Well done. Take the timed quiz when you are "
                                                "ready.")
                                            : _("Review the lessons and practice again."));
  adw_status_page_set_icon_name (self->result_page,
                                 passed ? "emblem-ok-symbolic" : "view-refresh-symbolic");
  g_clear_pointer (&self->quiz, wh_quiz_free);
  gtk_stack_set_visible_child_name (self->stack, "result");
}

static void
wh_practice_page_dispose (GObject *object)
{
  WhPracticePage *self = WH_PRACTICE_PAGE (object);

  stop_clock (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->quiz, wh_quiz_free);
  g_clear_pointer (&self->course, wh_record_free);
  g_clear_pointer (&self->questions, g_ptr_array_unref);
  g_clear_pointer (&self->option_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->wrong_choices, g_hash_table_unref);
  g_clear_object (&self->practice);
  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_PRACTICE_PAGE);
  /* The template's top box has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (wh_practice_page_parent_class)->dispose (object);
}

static void
wh_practice_page_class_init (WhPracticePageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_practice_page_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-practice-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, action_button);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, feedback_revealer);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, header_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, none_page);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, number_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, options_box);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, practice_row);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, question_scroller);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, quiz_row);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, result_page);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, stack);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, stem_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, timer_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticePage, verdict_label);
  gtk_widget_class_bind_template_callback (widget_class, action_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, again_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, practice_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, quiz_activated_cb);
}

static void
wh_practice_page_init (WhPracticePage *self)
{
  self->option_buttons = g_ptr_array_new ();
  self->wrong_choices = wh_course_id_table_new ();
  self->set = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}
