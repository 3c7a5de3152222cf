/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The courses view on real widgets (suite "ui", #17 items 7 to 13): the
 * certificate as a picture, leaving a timed quiz, what an answer shows,
 * the practice history, the next step after the last lesson, pictures
 * offline and the cover's room, Chinese text as Chinese, and My Practice
 * (#20: a wrong answer in the mistakes, reviewed there, the streak; on a
 * kiosk wiped with the session). */
#include "config.h"

#include <adwaita.h>
#include <cairo.h>
#include <glib/gstdio.h>
#include <string.h>

#include "courses/wh-course-certificate.h"
#include "courses/wh-course-page.h"
#include "courses/wh-courses-view.h"
#include "courses/wh-lesson-page.h"
#include "courses/wh-practice-hub.h"
#include "courses/wh-practice-page.h"
#include "wh-courses.h"
#include "wh-format.h"
#include "wh-list-model.h"
#include "wh-service-page.h"
#include "wh-test.h"
#include "wh-test-ui.h"
#include "wh-window.h"

#define N_LESSONS 3

typedef struct
{
  char      *dir;
  WhStore   *store;
  GSettings *settings;
  WhContext *context;
  WhWindow  *window;
  GtkWidget *page;   /* the courses view */
} Fixture;

static WhRecord *
make_record (const WhCollection *collection,
             gint64              id)
{
  WhRecord *r = wh_record_new (collection);

  r->id = r->rev = id;
  return r;
}

static void
apply (WhStore            *store,
       const WhCollection *collection,
       GPtrArray          *records)
{
  g_autoptr(WhPage) page = wh_page_new (collection);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < records->len; i++)
    {
      WhRecord *r = records->pdata[i];

      g_ptr_array_add (page->records, r);
      page->next_since = page->server_rev = MAX (page->next_since, r->rev);
    }
  g_ptr_array_set_free_func (records, NULL);
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
}

/* One course of three lessons (the last with a picture never saved) and
 * twelve questions, two of them copies of one question. */
static void
fill_store (WhStore *store)
{
  static const char * const options[] = { "正确做法", "错误做法一", "错误做法二", NULL };
  const gint64 answer[] = { 0 };
  g_autoptr(GPtrArray) categories = g_ptr_array_new ();
  g_autoptr(GPtrArray) courses = g_ptr_array_new ();
  g_autoptr(GPtrArray) lessons = g_ptr_array_new ();
  g_autoptr(GPtrArray) questions = g_ptr_array_new ();
  WhRecord *r;

  r = make_record (&wh_collection_categories, 5);
  wh_record_set_text (r, "name", "焊接");
  wh_record_set_text (r, "trade", "焊工");
  wh_record_set_int (r, "position", 1);
  g_ptr_array_add (categories, r);
  apply (store, &wh_collection_categories, categories);

  r = make_record (&wh_collection_courses, 1);
  wh_record_set_int (r, "category_id", 5);
  wh_record_set_text (r, "title", "焊工安全/入门");
  wh_record_set_text (r, "trade", "焊工");
  wh_record_set_text (r, "author", "段振宇");
  wh_record_set_text (r, "summary", "动火作业前的准备和焊接中的防护，*重点*是安全。");
  wh_record_set_int (r, "lesson_count", N_LESSONS);
  wh_record_set_text (r, "cover", "courses/1/cover.png");
  g_ptr_array_add (courses, r);
  apply (store, &wh_collection_courses, courses);

  for (guint i = 0; i < N_LESSONS; i++)
    {
      g_autofree char *title = g_strdup_printf ("第%u课 焊接安全", i + 1);
      const char *body = i + 1 < N_LESSONS
        ? "## 要点\n\n焊接时*必须*佩戴面罩。\n"
        : "## 现场\n\n![焊接现场的防护](courses/1/lesson3.png)\n\n检查现场。\n";

      r = make_record (&wh_collection_lessons, 10 + i);
      wh_record_set_int (r, "course_id", 1);
      wh_record_set_int (r, "position", i);
      wh_record_set_text (r, "chapter", "第一章");
      wh_record_set_text (r, "title", title);
      wh_record_set_int (r, "duration_min", 5);
      wh_record_set_text (r, "body_md", body);
      g_ptr_array_add (lessons, r);
    }
  apply (store, &wh_collection_lessons, lessons);

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *stem = g_strdup_printf ("焊接作业的第%u条规定是？", i < 2 ? 0 : i);

      r = make_record (&wh_collection_questions, 100 + i);
      wh_record_set_int (r, "course_id", 1);
      wh_record_set_text (r, "kind", "single");
      wh_record_set_text (r, "stem", stem);
      wh_record_set_strv (r, "options", options);
      wh_record_set_intv (r, "answer", answer, 1);
      g_ptr_array_add (questions, r);
    }
  apply (store, &wh_collection_questions, questions);
}

static void
save_attempt (WhStore    *store,
              const char *id,
              gboolean    timed,
              gint64      correct)
{
  g_autoptr(WhRecord) a = wh_record_new (&wh_collection_quiz_attempts);
  g_autoptr(GError) error = NULL;

  wh_record_set_text (a, "attempt_id", id);
  wh_record_set_int (a, "course_id", 1);
  wh_record_set_int (a, "total", 10);
  wh_record_set_int (a, "correct", correct);
  wh_record_set_int (a, "duration_s", 125);
  wh_record_set_bool (a, "timed", timed);
  wh_record_set_text (a, "finished_at", "2026-12-01T08:00:00Z");
  g_assert_true (wh_courses_save_attempt (store, a, &error));
  g_assert_no_error (error);
}

static void
complete_course (WhStore *store)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < N_LESSONS; i++)
    g_assert_true (wh_courses_save_progress (store, 10 + i, 1, WH_COURSES_POSITION_END, TRUE,
                                             &error));
  save_attempt (store, "timed-1", TRUE, 8);
  save_attempt (store, "practice-1", FALSE, 2);
}

static gboolean
is_records_list (GtkWidget *widget,
                 gpointer   data)
{
  GtkSelectionModel *model;

  if (!GTK_IS_LIST_VIEW (widget))
    return FALSE;
  model = gtk_list_view_get_model (GTK_LIST_VIEW (widget));
  return GTK_IS_NO_SELECTION (model) &&
         WH_IS_LIST_MODEL (gtk_no_selection_get_model (GTK_NO_SELECTION (model)));
}

static gboolean
list_has_items (gpointer data)
{
  GtkWidget *list = wh_test_find_widget (data, is_records_list, NULL);
  GtkSelectionModel *model = list ? gtk_list_view_get_model (GTK_LIST_VIEW (list)) : NULL;

  return model && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = wh_test_make_tmpdir ();
  path = g_build_filename (f->dir, "cache.db", NULL);
  f->store = wh_store_open (path, &error);
  g_assert_no_error (error);
  fill_store (f->store);
  if (g_strcmp0 (data, "complete") == 0)
    complete_course (f->store);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "certificate-name", "");
  f->context = wh_context_new (f->settings, g_strcmp0 (data, "kiosk") == 0);
  f->window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 800);
  gtk_window_present (GTK_WINDOW (f->window));
  wh_window_set_context (f->window, f->context);
  wh_context_set_store (f->context, f->store);
  wh_window_show_view (f->window, "courses");
  f->page = wh_window_get_page (f->window, "courses");
  g_assert_true (wh_test_spin_until (list_has_items, f->page, 3000));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  wh_test_spin (50);
  g_clear_object (&f->context);
  g_clear_object (&f->settings);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* ---- Finding things -------------------------------------------------------- */

static const char *
leaflet_page (Fixture *f)
{
  return wh_courses_view_get_page (WH_COURSES_VIEW (f->page));
}

typedef struct
{
  Fixture    *f;
  const char *name;
} PageWait;

static gboolean
leaflet_shows (gpointer data)
{
  PageWait *w = data;

  return g_strcmp0 (leaflet_page (w->f), w->name) == 0;
}

static void
wait_page (Fixture    *f,
           const char *name)
{
  PageWait w = { f, name };
  AdwLeaflet *leaflet;
  GtkWidget *list;
  GListModel *model;

  if (wh_test_spin_until (leaflet_shows, &w, 3000))
    return;
  /* What CI keeps of a failure is its output: say what did show. */
  leaflet = ADW_LEAFLET (wh_test_find_descendant (f->page, ADW_TYPE_LEAFLET));
  list = wh_test_find_widget (f->page, is_records_list, NULL);
  model = list ? G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))) : NULL;
  g_error ("%s: waited for page “%s”: the view shows “%s”, the leaflet %s on “%s”, "
           "the catalogue has %u rows",
           g_test_get_path (), name, leaflet_page (f),
           adw_leaflet_get_folded (leaflet) ? "folded" : "unfolded",
           adw_leaflet_get_visible_child_name (leaflet),
           model ? g_list_model_get_n_items (model) : 0);
}

static gboolean
is_row_titled (GtkWidget *widget,
               gpointer   title)
{
  return ADW_IS_PREFERENCES_ROW (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
row_shown (gpointer data)
{
  gpointer *args = data;

  return wh_test_find_widget (args[0], is_row_titled, args[1]) != NULL;
}

static GtkWidget *
wait_row (GtkWidget  *root,
          const char *title)
{
  gpointer args[2] = { root, (gpointer) title };

  g_assert_true (wh_test_spin_until (row_shown, args, 3000));
  return wh_test_find_widget (root, is_row_titled, (gpointer) title);
}

static gboolean
is_label_with (GtkWidget *widget,
               gpointer   text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
label_shown (gpointer data)
{
  gpointer *args = data;

  return wh_test_find_widget (args[0], is_label_with, args[1]) != NULL;
}

static GtkWidget *
wait_label (GtkWidget  *root,
            const char *text)
{
  gpointer args[2] = { root, (gpointer) text };

  if (!wh_test_spin_until (label_shown, args, 3000))
    g_error ("No label shows “%s”", text);
  return wh_test_find_widget (root, is_label_with, (gpointer) text);
}

static WhCoursePage *
open_course (Fixture *f)
{
  GtkWidget *list = wh_test_find_widget (f->page, is_records_list, NULL);

  g_signal_emit_by_name (list, "activate", 0);
  wait_page (f, "course");
  return WH_COURSE_PAGE (wh_test_find_descendant (f->page, WH_TYPE_COURSE_PAGE));
}

static AdwMessageDialog *
find_message_dialog (void)
{
  return (AdwMessageDialog *) wh_test_find_message_dialog ();
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog () != NULL;
}

static gboolean
no_message_dialog (gpointer data)
{
  return find_message_dialog () == NULL;
}

static gboolean
is_button_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

/* As a person answers: the dialog's button, which also closes it. */
static void
click_response (AdwMessageDialog *dialog,
                const char       *label)
{
  GtkWidget *button = wh_test_find_widget (GTK_WIDGET (dialog), is_button_labelled,
                                           (gpointer) label);

  g_assert_nonnull (button);
  gtk_widget_activate (button);
}

/* ---- 7: the certificate ---------------------------------------------------- */

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static gboolean
editable_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (gtk_editable_get_text (args[0]), args[1]) == 0;
}

static void
test_certificate (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WhCertificate) c = g_new0 (WhCertificate, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = g_build_filename (f->dir, "a.png", NULL);
  g_autofree char *nowhere = g_build_filename (f->dir, "no-such-folder", "a.png", NULL);
  g_autofree char *name = NULL;
  g_autofree char *exported = g_build_filename (f->dir, "exported.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (exported);
  g_autoptr(GdkTexture) texture = NULL;
  WhCoursePage *course;
  GtkWidget *name_row;

  /* The file is named by the course. */
  name = wh_certificate_file_name ("焊工安全/入门: 第1期", WH_CERTIFICATE_PNG);
  g_assert_cmpstr (name, ==, "焊工安全 入门  第1期.png");
  g_clear_pointer (&name, g_free);
  name = wh_certificate_file_name ("../..", WH_CERTIFICATE_PDF);
  g_assert_cmpstr (name, ==, "certificate.pdf");
  g_clear_pointer (&name, g_free);

  /* A PNG is written (it was refused: "the target surface has been
   * finished") and reads back as a picture of the page at 150 dpi. */
  c->name = g_strdup ("王师傅");
  c->course = g_strdup ("焊工安全入门");
  c->date = g_strdup ("2026-12-06");
  c->lessons = 3;
  c->score = 80;
  g_assert_true (wh_certificate_write (c, WH_CERTIFICATE_PNG, png, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 1754);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 1239);

  /* An error says why in the person's words, not cairo's. */
  g_assert_false (wh_certificate_write (c, WH_CERTIFICATE_PNG, nowhere, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, cairo_status_to_string (CAIRO_STATUS_WRITE_ERROR)));
  g_assert_null (strstr (error->message, cairo_status_to_string (CAIRO_STATUS_SURFACE_FINISHED)));
  g_assert_nonnull (strstr (error->message, "a.png"));
  g_clear_error (&error);

  /* The name typed is remembered for the next certificate. */
  course = open_course (f);
  name_row = wait_row (GTK_WIDGET (course), "Name on the certificate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name_row)), ==, "");
  gtk_editable_set_text (GTK_EDITABLE (name_row), "王师傅");
  wh_course_page_export_to (course, WH_CERTIFICATE_PNG, file);
  g_assert_true (wh_test_spin_until (file_exists, exported, 5000));
  g_assert_cmpstr (g_settings_get_string (f->settings, "certificate-name"), ==, "王师傅");
  wh_service_page_reset (WH_SERVICE_PAGE (f->page));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name_row)), ==, "");
  course = open_course (f);
  name_row = wait_row (GTK_WIDGET (course), "Name on the certificate");
  g_assert_true (wh_test_spin_until (editable_is, (gpointer[]) { name_row, (gpointer) "王师傅" },
                                     3000));
}

/* ---- 8: leaving a timed quiz ----------------------------------------------- */

static WhPracticePage *
open_practice (Fixture    *f,
               const char *row_title)
{
  WhCoursePage *course = open_course (f);
  WhPracticePage *practice;

  g_signal_emit_by_name (course, "open-practice");
  wait_page (f, "practice");
  practice = WH_PRACTICE_PAGE (wh_test_find_descendant (f->page, WH_TYPE_PRACTICE_PAGE));
  g_signal_emit_by_name (wait_row (GTK_WIDGET (practice), row_title), "activated");
  wait_label (GTK_WIDGET (practice), "Question 1 of");
  return practice;
}

static void
test_leave_quiz (Fixture       *f,
                 gconstpointer  data)
{
  WhPracticePage *practice = open_practice (f, "Timed Quiz");
  AdwMessageDialog *dialog;

  g_assert_true (wh_practice_page_get_quiz_running (practice));
  /* Back asks; keeping on leaves the quiz running. */
  g_assert_true (gtk_widget_activate_action (f->page, "courses.back", NULL));
  g_assert_true (wh_test_spin_until (message_dialog_shown, NULL, 3000));
  dialog = find_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "keep");
  click_response (dialog, "_Keep Going");
  g_assert_true (wh_test_spin_until (no_message_dialog, NULL, 3000));
  g_assert_cmpstr (leaflet_page (f), ==, "practice");
  g_assert_true (wh_practice_page_get_quiz_running (practice));

  /* Back as the window binds it (Escape, Alt+Left), then leave. */
  g_assert_true (wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page)));
  g_assert_true (wh_test_spin_until (message_dialog_shown, NULL, 3000));
  click_response (find_message_dialog (), "_Leave");
  wait_page (f, "course");
  g_assert_true (wh_test_spin_until (no_message_dialog, NULL, 3000));
  g_assert_false (wh_practice_page_get_quiz_running (practice));

  /* Practice is left at once; the kiosk's reset never asks. */
  practice = WH_PRACTICE_PAGE (wh_test_find_descendant (f->page, WH_TYPE_PRACTICE_PAGE));
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");
  practice = open_practice (f, "Practice");
  g_assert_false (wh_practice_page_get_quiz_running (practice));
  g_assert_true (wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page)));
  wait_page (f, "course");
  g_assert_null (find_message_dialog ());
  practice = open_practice (f, "Timed Quiz");
  wh_service_page_reset (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");
  g_assert_null (find_message_dialog ());
}

/* ---- 9: what an answer shows, the history ---------------------------------- */

static gboolean
is_option (GtkWidget *widget,
           gpointer   prefix)
{
  return GTK_IS_CHECK_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         wh_test_find_widget (widget, is_label_with, prefix) != NULL;
}


static void
test_answer_feedback (Fixture       *f,
                      gconstpointer  data)
{
  WhPracticePage *practice = open_practice (f, "Practice");
  GtkWidget *right = wh_test_find_widget (GTK_WIDGET (practice), is_option, (gpointer) "A. ");
  GtkWidget *wrong = wh_test_find_widget (GTK_WIDGET (practice), is_option, (gpointer) "B. ");
  GtkWidget *other = wh_test_find_widget (GTK_WIDGET (practice), is_option, (gpointer) "C. ");

  g_assert_nonnull (right);
  g_assert_nonnull (wrong);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wrong), TRUE);
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (practice), is_button_labelled,
                                            (gpointer) "Check Answer"));
  wait_label (GTK_WIDGET (practice), "Not quite");
  /* Coloured, not greyed out, and said in words beside the colour. */
  g_assert_true (gtk_widget_has_css_class (right, "success"));
  g_assert_true (gtk_widget_has_css_class (wrong, "error"));
  g_assert_false (gtk_widget_has_css_class (other, "success") ||
                  gtk_widget_has_css_class (other, "error"));
  g_assert_true (gtk_widget_get_sensitive (right) && gtk_widget_get_sensitive (wrong));
  g_assert_nonnull (wh_test_find_widget (right, is_label_with, (gpointer) "Right answer"));
  g_assert_nonnull (wh_test_find_widget (wrong, is_label_with, (gpointer) "Your choice, wrong"));
}

static gboolean
is_badge (GtkWidget *widget,
          gpointer   text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  WhCoursePage *course = open_course (f);
  GtkWidget *practice_row = wait_row (GTK_WIDGET (course), "2 of 10 correct");
  GtkWidget *timed_row = wait_row (GTK_WIDGET (course), "8 of 10 correct");
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (timed_row));

  /* Practice is not a failed quiz; a quiz says it passed. */
  g_assert_null (wh_test_find_widget (practice_row, is_badge, (gpointer) "Not passed"));
  g_assert_nonnull (wh_test_find_widget (timed_row, is_badge, (gpointer) "Passed"));
  /* The time is labelled as the time taken. */
  g_assert_nonnull (strstr (subtitle, "time taken 2:05"));
}

/* ---- 11: after the last lesson ---------------------------------------------- */

static gboolean
row_gone (gpointer data)
{
  return !row_shown (data);
}

static void
test_next_step (Fixture       *f,
                gconstpointer  data)
{
  WhCoursePage *course = open_course (f);
  WhLessonPage *lesson;
  GtkWidget *quiz;
  gpointer last[2];

  wait_row (GTK_WIDGET (course), "第1课 焊接安全");
  g_signal_emit_by_name (course, "open-lesson", N_LESSONS - 1);
  wait_page (f, "lesson");
  lesson = WH_LESSON_PAGE (wh_test_find_descendant (f->page, WH_TYPE_LESSON_PAGE));
  /* Nothing read yet: every lesson is listed, and the quiz. */
  quiz = wait_row (GTK_WIDGET (lesson), "Take the Quiz");
  wait_row (GTK_WIDGET (lesson), "第1课 焊接安全");
  wait_row (GTK_WIDGET (lesson), "第2课 焊接安全");
  wait_row (GTK_WIDGET (lesson), "第3课 焊接安全");
  (void) quiz;

  /* Done with the last one: it leaves the list. */
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (lesson), is_button_labelled,
                                            (gpointer) "Mark as Complete"));
  last[0] = lesson;
  last[1] = (gpointer) "第3课 焊接安全";
  g_assert_true (wh_test_spin_until (row_gone, last, 3000));
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (lesson), is_row_titled,
                                         (gpointer) "第1课 焊接安全"));

  /* A link to a lesson not read opens it. */
  g_signal_emit_by_name (wh_test_find_widget (GTK_WIDGET (lesson), is_row_titled,
                                              (gpointer) "第1课 焊接安全"), "activated");
  wait_label (GTK_WIDGET (lesson), "1 / 3");
  g_assert_null (wh_test_find_widget (GTK_WIDGET (lesson), is_row_titled,
                                      (gpointer) "Take the Quiz"));

  /* And the quiz, from the end of the last lesson. */
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (lesson), is_button_labelled,
                                            (gpointer) "Mark as Complete"));
  wait_label (GTK_WIDGET (lesson), "2 / 3");
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (lesson), is_button_labelled,
                                            (gpointer) "Mark as Complete"));
  wait_label (GTK_WIDGET (lesson), "3 / 3");
  quiz = wait_row (GTK_WIDGET (lesson), "Take the Quiz");
  wait_label (GTK_WIDGET (lesson), "every lesson");
  g_signal_emit_by_name (quiz, "activated");
  wait_page (f, "practice");
  wait_row (f->page, "Timed Quiz");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "course");
}

/* ---- 12: pictures offline, the cover's room -------------------------------- */

static gboolean
widget_allocated (gpointer widget)
{
  return gtk_widget_get_height (widget) > 0;
}

static gboolean
widget_visible (gpointer widget)
{
  return gtk_widget_get_visible (widget);
}

static gboolean
is_picture (GtkWidget *widget,
            gpointer   data)
{
  return GTK_IS_PICTURE (widget);
}

/* A 1200×300 PNG: a wide cover whose natural height at the page's width
 * is not the room kept for it. */
static GBytes *
wide_png (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1200, 300);
  g_autofree char *path = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  char *data = NULL;
  gsize len = 0;

  path = g_build_filename (dir, "cover.png", NULL);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_unlink (path);
  return g_bytes_new_take (data, len);
}

static void
test_pictures_offline (Fixture       *f,
                       gconstpointer  data)
{
  WhCoursePage *course;
  WhLessonPage *lesson;
  GtkWidget *cover, *box, *missing;
  g_autoptr(GBytes) png = wide_png ();
  g_autoptr(GError) error = NULL;
  int height;

  /* No network (the context has no backend), nothing saved: the cover's
   * room is there at once, and says why it stays empty. */
  course = open_course (f);
  cover = wh_test_find_widget (GTK_WIDGET (course), is_picture, NULL);
  box = gtk_widget_get_parent (cover);
  g_assert_true (gtk_widget_get_visible (box));
  missing = wait_label (GTK_WIDGET (course), "needs the network");
  g_assert_true (gtk_widget_is_ancestor (missing, box));
  g_assert_false (gtk_widget_get_visible (cover));

  /* A lesson's picture never saved: a placeholder in its place. The
   * lessons are read after the page shows: opened from their list. */
  wait_row (GTK_WIDGET (course), "第3课 焊接安全");
  g_signal_emit_by_name (course, "open-lesson", N_LESSONS - 1);
  wait_page (f, "lesson");
  lesson = WH_LESSON_PAGE (wh_test_find_descendant (f->page, WH_TYPE_LESSON_PAGE));
  wait_label (GTK_WIDGET (lesson), "needs the network");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "course");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");

  /* Saved: the cover arrives into the room kept for it, whole. */
  g_assert_true (wh_courses_put_media (f->store, 1, "courses/1/cover.png", "image/png", NULL, png,
                                       &error));
  g_assert_no_error (error);
  course = open_course (f);
  box = gtk_widget_get_parent (wh_test_find_widget (GTK_WIDGET (course), is_picture, NULL));
  cover = wh_test_find_widget (GTK_WIDGET (course), is_picture, NULL);
  /* Laid out: a fixed spin of 20 ms was not always enough on a loaded
   * machine (height 0). */
  g_assert_true (wh_test_spin_until (widget_allocated, box, 3000));
  height = gtk_widget_get_height (box);
  g_assert_cmpint (height, >=, 180);
  g_assert_true (wh_test_spin_until (widget_visible, cover, 3000));
  wh_test_spin (100);
  g_assert_cmpint (gtk_widget_get_height (box), ==, height);
  g_assert_cmpint (gtk_picture_get_content_fit (GTK_PICTURE (cover)), ==, GTK_CONTENT_FIT_CONTAIN);
}

/* ---- 13: Chinese text as Chinese -------------------------------------------- */

/* The language Pango gives the first run of Han characters of label's
 * text when the UI's language is English. */
static char *
han_run_language (GtkLabel *label)
{
  g_autoptr(GObject) context = G_OBJECT (gtk_widget_create_pango_context (GTK_WIDGET (label)));
  g_autoptr(PangoLayout) layout = NULL;
  PangoLayoutIter *iter;
  const char *text = gtk_label_get_text (label);
  char *language = NULL;

  /* The tests run in C.UTF-8, whose "c" Pango lets draw any script. */
  pango_context_set_language (PANGO_CONTEXT (context), pango_language_from_string ("en-us"));
  layout = pango_layout_new (PANGO_CONTEXT (context));
  pango_layout_set_text (layout, text, -1);
  iter = pango_layout_get_iter (layout);
  do
    {
      PangoLayoutRun *run = pango_layout_iter_get_run_readonly (iter);

      if (run != NULL && g_unichar_get_script (g_utf8_get_char (text + run->item->offset)) ==
                           G_UNICODE_SCRIPT_HAN)
        {
          language = g_strdup (pango_language_to_string (run->item->analysis.language));
          break;
        }
    }
  while (pango_layout_iter_next_run (iter));
  pango_layout_iter_free (iter);
  return language;
}

static void
test_chinese_text (Fixture       *f,
                   gconstpointer  data)
{
  WhCoursePage *course = open_course (f);
  GtkWidget *title = wait_label (GTK_WIDGET (course), "焊工安全");
  g_autofree char *language = han_run_language (GTK_LABEL (title));
  GtkWidget *button = gtk_button_new_with_label ("PNG");
  GtkWidget *label;
  int min, nat, one_line;

  /* Han text in a UI of another language: simplified Chinese glyphs, not
   * the "xx" that draws them with the Japanese forms. */
  g_assert_cmpstr (language, ==, "zh-cn");

  /* A short Chinese tooltip is one line, not a column of characters; a
   * long one wraps at a reading width. */
  label = wh_format_tooltip_label_new ("导出为 PNG 图片");
  g_object_ref_sink (label);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, min, NULL, &one_line, NULL, NULL);
  g_object_unref (label);
  label = wh_format_tooltip_label_new ("导");
  g_object_ref_sink (label);
  {
    int line;

    gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, -1, &line, NULL, NULL, NULL);
    g_assert_cmpint (one_line, ==, line);
  }
  g_object_unref (label);
  label = wh_format_tooltip_label_new ("还剩 9 分 59 秒。时间到时没有答的题算答错，已答的题照常计分，"
                                       "结果计入证书。这是一段很长的说明文字，用来看换行。");
  g_object_ref_sink (label);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, <=, 360);
  g_assert_cmpint (min, >=, 200);
  g_object_unref (label);

  /* Every widget with a plain tooltip gets such a label. */
  {
    GtkWidget *window = gtk_window_new ();

    gtk_widget_set_tooltip_text (button, "导出为 PNG 图片");
    gtk_window_set_child (GTK_WINDOW (window), button);
    gtk_window_present (GTK_WINDOW (window));
    g_assert_true (wh_test_spin_until ((gboolean (*) (gpointer)) gtk_widget_get_realized, button,
                                       3000));
    g_assert_nonnull (g_object_get_data (G_OBJECT (button), "wh-plain-tooltip"));
    gtk_window_destroy (GTK_WINDOW (window));
  }
}

static gboolean
completed_shown (gpointer lesson)
{
  return wh_test_find_widget (lesson, is_button_labelled, (gpointer) "Completed") != NULL;
}

/* A lesson opened again shows it was done and keeps where the worker had
 * read to: its progress is read off the main thread, and nothing is saved
 * over it before it is read. */
static void
test_lesson_progress (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) after = NULL;
  WhCoursePage *course;
  WhLessonPage *lesson;

  g_assert_true (wh_courses_save_progress (f->store, 11, 1, 6000, TRUE, &error));
  g_assert_no_error (error);
  course = open_course (f);
  wait_row (GTK_WIDGET (course), "第2课 焊接安全");
  g_signal_emit_by_name (course, "open-lesson", 1);
  wait_page (f, "lesson");
  lesson = WH_LESSON_PAGE (wh_test_find_descendant (f->page, WH_TYPE_LESSON_PAGE));
  wait_label (GTK_WIDGET (lesson), "2 / 3");
  g_assert_true (wh_test_spin_until (completed_shown, lesson, 3000));
  wh_test_spin (300);
  after = wh_courses_get_progress (f->store, 11, &error);
  g_assert_no_error (error);
  g_assert_true (wh_record_get_bool (after, "completed"));
  g_assert_cmpint (wh_record_get_int (after, "position"), ==, 6000);
}


/* ---- #20: My Practice ------------------------------------------------------ */

static gboolean
is_practice_entry (GtkWidget *widget,
                   gpointer   text)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         wh_test_find_widget (widget, is_label_with, text) != NULL;
}

/* Shown or not. */
static gboolean
is_any_label_with (GtkWidget *widget,
                   gpointer   text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
practice_entry_says (gpointer data)
{
  gpointer *args = data;

  return wh_test_find_widget (args[0], is_practice_entry, args[1]) != NULL;
}

/* A wrong answer in a course's practice goes into the mistakes; the
 * catalogue's entry and My Practice count it, Review Mistakes practises it
 * with the question view, and the streak shows the day. On a kiosk the same
 * in memory, and the session's reset forgets it. */
static void
test_my_practice (Fixture       *f,
                  gconstpointer  data)
{
  gboolean kiosk = g_strcmp0 (data, "kiosk") == 0;
  WhPracticePage *practice = open_practice (f, "Practice");
  GtkWidget *wrong = wh_test_find_widget (GTK_WIDGET (practice), is_option, (gpointer) "B. ");
  WhPracticeHub *hub;
  gpointer args[2] = { f->page, (gpointer) "My Practice · 1 mistake" };

  gtk_check_button_set_active (GTK_CHECK_BUTTON (wrong), TRUE);
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (practice), is_button_labelled,
                                            (gpointer) "Check Answer"));
  wait_label (GTK_WIDGET (practice), "Not quite");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "course");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");
  g_assert_true (wh_test_spin_until (practice_entry_says, args, 3000));

  gtk_widget_activate (wh_test_find_widget (f->page, is_practice_entry, args[1]));
  wait_page (f, "practice-hub");
  hub = WH_PRACTICE_HUB (wh_test_find_descendant (f->page, WH_TYPE_PRACTICE_HUB));
  wait_label (GTK_WIDGET (hub), "1 question to go over");
  wait_label (GTK_WIDGET (hub), "1 Day in a Row");
  wait_label (GTK_WIDGET (hub), "1 question answered today");
  g_assert_true (gtk_widget_get_visible (wh_test_find_widget (GTK_WIDGET (hub), is_any_label_with,
                                                              (gpointer) "On this kiosk")) ==
                 kiosk);

  /* Review Mistakes: the question answered wrong, in the question view. */
  g_signal_emit_by_name (wait_row (GTK_WIDGET (hub), "Review Mistakes"), "activated");
  wait_page (f, "practice");
  wait_label (GTK_WIDGET (practice), "Question 1 of 1");
  /* With the answer given last time (B). */
  wait_label (GTK_WIDGET (practice), "last time you chose B");
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (practice), is_label_with,
                                         (gpointer) "焊接作业的第"));
  wrong = wh_test_find_widget (GTK_WIDGET (practice), is_option, (gpointer) "A. ");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (wrong), TRUE);
  gtk_widget_activate (wh_test_find_widget (GTK_WIDGET (practice), is_button_labelled,
                                            (gpointer) "Check Answer"));
  wait_label (GTK_WIDGET (practice), "Correct");
  /* Right once, the same day: still in the notebook. */
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "practice-hub");
  wait_label (GTK_WIDGET (hub), "2 questions answered today");
  wait_label (GTK_WIDGET (hub), "1 question to go over");

  /* Today's Practice: new questions of the course followed. */
  g_signal_emit_by_name (wait_row (GTK_WIDGET (hub), "Today’s Practice"), "activated");
  wait_page (f, "practice");
  wait_label (GTK_WIDGET (practice), "Question 1 of");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "practice-hub");
  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");

  if (kiosk)
    {
      /* The session ends: the passer-by's practice is gone. */
      args[1] = (gpointer) "My Practice";
      wh_service_page_reset (WH_SERVICE_PAGE (f->page));
      gtk_widget_activate (wh_test_find_widget (f->page, is_practice_entry, args[1]));
      wait_page (f, "practice-hub");
      wait_label (GTK_WIDGET (hub), "No mistakes to review");
      wait_label (GTK_WIDGET (hub), "Start a Streak Today");
    }
}

/* ---- Wide and narrow ------------------------------------------------------ */

static gboolean
leaflet_folded_is (gpointer data)
{
  gpointer *args = data;

  return adw_leaflet_get_folded (args[0]) == GPOINTER_TO_INT (args[1]);
}

static gboolean
widget_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* Once the leaflet's slide has ended: both sides are mapped during it. */
static gboolean
widget_unmapped (gpointer widget)
{
  return !gtk_widget_get_mapped (widget);
}

/* Wide (a landscape kiosk), the catalogue stays beside the course opened
 * from it, and says what to do when none is; narrow, one or the other. */
static void
test_wide_and_narrow (Fixture       *f,
                      gconstpointer  data)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (wh_test_find_descendant (f->page, ADW_TYPE_LEAFLET));
  GtkWidget *list = wh_test_find_widget (f->page, is_records_list, NULL);
  gpointer unfolded[2] = { leaflet, GINT_TO_POINTER (FALSE) };
  gpointer folded[2] = { leaflet, GINT_TO_POINTER (TRUE) };
  WhPracticeHub *hub = WH_PRACTICE_HUB (wh_test_find_descendant (f->page, WH_TYPE_PRACTICE_HUB));
  WhCoursePage *course;

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1600, 900);
  g_assert_true (wh_test_spin_until (leaflet_folded_is, unfolded, 3000));
  wait_label (f->page, "Choose a Course");
  course = open_course (f);
  g_assert_true (wh_test_spin_until (widget_mapped, course, 3000));
  g_assert_true (gtk_widget_get_mapped (list));
  g_assert_null (wh_test_find_widget (f->page, is_label_with, (gpointer) "Choose a Course"));
  /* The catalogue beside it is the way back: no Back of its own, nor on
   * My Practice. */
  g_assert_false (gtk_widget_get_visible (wh_course_page_get_back_button (course)));
  g_assert_false (gtk_widget_get_visible (wh_practice_hub_get_back_button (hub)));

  gtk_window_set_default_size (GTK_WINDOW (f->window), 420, 800);
  g_assert_true (wh_test_spin_until (leaflet_folded_is, folded, 3000));
  g_assert_cmpstr (leaflet_page (f), ==, "course");
  g_assert_true (wh_test_spin_until (widget_mapped, course, 3000));
  g_assert_true (wh_test_spin_until (widget_unmapped, list, 3000));
  g_assert_true (gtk_widget_get_visible (wh_course_page_get_back_button (course)));
  g_assert_true (gtk_widget_get_visible (wh_practice_hub_get_back_button (hub)));

  wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page));
  wait_page (f, "catalogue");
  g_assert_true (wh_test_spin_until (widget_mapped, list, 3000));
  g_assert_true (wh_test_spin_until (widget_unmapped, course, 3000));
  g_assert_false (wh_service_page_navigate_back (WH_SERVICE_PAGE (f->page)));

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1600, 900);
  g_assert_true (wh_test_spin_until (leaflet_folded_is, unfolded, 3000));
  g_assert_cmpstr (leaflet_page (f), ==, "catalogue");
  wait_label (f->page, "Choose a Course");
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  /* As main.c does. */
  wh_format_prefer_simplified_chinese ();
  wh_format_install_tooltips ();
  gtk_init ();
  adw_init ();
  g_test_add ("/courses-ui/certificate", Fixture, "complete", fixture_setup, test_certificate,
              fixture_teardown);
  g_test_add ("/courses-ui/leave-quiz", Fixture, NULL, fixture_setup, test_leave_quiz,
              fixture_teardown);
  g_test_add ("/courses-ui/answer-feedback", Fixture, NULL, fixture_setup, test_answer_feedback,
              fixture_teardown);
  g_test_add ("/courses-ui/history", Fixture, "complete", fixture_setup, test_history,
              fixture_teardown);
  g_test_add ("/courses-ui/lesson-progress", Fixture, NULL, fixture_setup, test_lesson_progress,
              fixture_teardown);
  g_test_add ("/courses-ui/next-step", Fixture, NULL, fixture_setup, test_next_step,
              fixture_teardown);
  g_test_add ("/courses-ui/pictures-offline", Fixture, NULL, fixture_setup, test_pictures_offline,
              fixture_teardown);
  g_test_add ("/courses-ui/chinese-text", Fixture, NULL, fixture_setup, test_chinese_text,
              fixture_teardown);
  g_test_add ("/courses-ui/my-practice", Fixture, NULL, fixture_setup, test_my_practice,
              fixture_teardown);
  g_test_add ("/courses-ui/my-practice-kiosk", Fixture, "kiosk", fixture_setup, test_my_practice,
              fixture_teardown);
  g_test_add ("/courses-ui/wide-and-narrow", Fixture, NULL, fixture_setup, test_wide_and_narrow,
              fixture_teardown);
  return g_test_run ();
}
