/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Practice in core (src/core/wh-practice.c): the SM-2 schedule, the mistakes
 * notebook's leave rule, the merge rule, the streak, the sets read from the
 * cache, the kiosk's in-memory practice, and two devices converging through
 * the reference backend (suite "server"). */
#include "config.h"

#include <string.h>

#include "wh-courses.h"
#include "wh-practice.h"
#include "wh-query.h"
#include "wh-sync.h"
#include "wh-test-server.h"
#include "wh-test-store.h"
#include "wh-test.h"

static GDateTime *
at (const char *iso)
{
  GDateTime *t = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (t);
  return t;
}

/* The state after one answer at iso (UTC, so the day is its date). */
static WhRecord *
answer (const WhRecord *state,
        gboolean        correct,
        const char     *iso)
{
  g_autoptr(GDateTime) now = at (iso);

  return wh_practice_review (state, 7, 3, correct ? 1 : 2, correct, now);
}

/* ---- The rules ----------------------------------------------------------- */

/* SM-2: intervals 1, 6, then the last times the E-Factor; a lapse starts
 * over at 1 and lowers the E-Factor by 0.54 (grade 1). */
static void
test_sm2_schedule (void)
{
  g_autoptr(WhRecord) r1 = answer (NULL, TRUE, "2026-11-01T08:00:00Z");
  g_autoptr(WhRecord) r2 = answer (r1, TRUE, "2026-11-02T08:00:00Z");
  g_autoptr(WhRecord) r3 = answer (r2, TRUE, "2026-11-08T08:00:00Z");
  g_autoptr(WhRecord) r4 = answer (r3, FALSE, "2026-11-25T08:00:00Z");
  g_autoptr(WhRecord) r5 = answer (r4, TRUE, "2026-11-26T08:00:00Z");

  g_assert_cmpint (wh_record_get_int (r1, "ease"), ==, 2600);
  g_assert_cmpint (wh_record_get_int (r1, "interval_days"), ==, 1);
  g_assert_cmpstr (wh_record_get_text (r1, "due"), ==, "2026-11-02");
  g_assert_cmpint (wh_record_get_int (r2, "interval_days"), ==, 6);
  g_assert_cmpstr (wh_record_get_text (r2, "due"), ==, "2026-11-08");
  /* 6 x 2.8 = 16.8, rounded */
  g_assert_cmpint (wh_record_get_int (r3, "ease"), ==, 2800);
  g_assert_cmpint (wh_record_get_int (r3, "interval_days"), ==, 17);
  g_assert_cmpstr (wh_record_get_text (r3, "due"), ==, "2026-11-25");
  g_assert_cmpint (wh_record_get_int (r3, "repetitions"), ==, 3);
  g_assert_cmpint (wh_record_get_int (r4, "ease"), ==, 2260);
  g_assert_cmpint (wh_record_get_int (r4, "interval_days"), ==, 1);
  g_assert_cmpint (wh_record_get_int (r4, "repetitions"), ==, 0);
  g_assert_cmpint (wh_record_get_int (r4, "lapses"), ==, 1);
  g_assert_cmpstr (wh_record_get_text (r4, "due"), ==, "2026-11-26");
  /* In the notebook: a right answer is grade 4, the E-Factor stays. */
  g_assert_cmpint (wh_record_get_int (r5, "ease"), ==, 2260);
  g_assert_cmpint (wh_record_get_int (r5, "interval_days"), ==, 1);

  /* Never below 1.3, whatever the lapses. */
  {
    g_autoptr(WhRecord) r = NULL;

    for (guint i = 0; i < 10; i++)
      {
        WhRecord *next = answer (r, FALSE, "2026-11-01T08:00:00Z");

        g_clear_pointer (&r, wh_record_free);
        r = next;
      }
    g_assert_cmpint (wh_record_get_int (r, "ease"), ==, 1300);
  }
}

/* Out of the notebook after right answers on two separate days; a wrong
 * one in between starts over, and it keeps the answer given. */
static void
test_notebook_leave_rule (void)
{
  g_autoptr(WhRecord) wrong = answer (NULL, FALSE, "2026-11-01T08:00:00Z");
  g_autoptr(WhRecord) right1 = answer (wrong, TRUE, "2026-11-01T09:00:00Z");
  g_autoptr(WhRecord) right1b = answer (right1, TRUE, "2026-11-01T20:00:00Z");
  g_autoptr(WhRecord) wrong2 = answer (right1b, FALSE, "2026-11-02T08:00:00Z");
  g_autoptr(WhRecord) right2 = answer (wrong2, TRUE, "2026-11-02T09:00:00Z");
  g_autoptr(WhRecord) right3 = answer (right2, TRUE, "2026-11-03T09:00:00Z");
  g_autoptr(WhRecord) fresh = answer (NULL, TRUE, "2026-11-01T08:00:00Z");

  g_assert_true (wh_record_get_bool (wrong, "mistake"));
  g_assert_cmpint (wh_record_get_int (wrong, "wrong_choice"), ==, 2);
  g_assert_cmpstr (wh_record_get_text (wrong, "wrong_at"), ==, "2026-11-01T08:00:00+00:00");
  g_assert_false (wh_record_is_set (wrong, "right_day"));
  /* Right the same day, twice: still in. */
  g_assert_true (wh_record_get_bool (right1, "mistake"));
  g_assert_cmpstr (wh_record_get_text (right1, "right_day"), ==, "2026-11-01");
  g_assert_true (wh_record_get_bool (right1b, "mistake"));
  /* Wrong again: the count starts over. */
  g_assert_true (wh_record_get_bool (wrong2, "mistake"));
  g_assert_false (wh_record_is_set (wrong2, "right_day"));
  g_assert_true (wh_record_get_bool (right2, "mistake"));
  /* Right on a second day: out, the answer given still kept. */
  g_assert_false (wh_record_get_bool (right3, "mistake"));
  g_assert_false (wh_record_is_set (right3, "right_day"));
  g_assert_cmpint (wh_record_get_int (right3, "wrong_choice"), ==, 2);
  /* Right the first time: never in it. */
  g_assert_false (wh_record_get_bool (fresh, "mistake"));
}

/* The later reviewed_at wins; at the same instant one side, always the
 * same, whichever is asked. */
static void
test_merge_rule (void)
{
  g_autoptr(WhRecord) early = answer (NULL, FALSE, "2026-11-01T08:00:00Z");
  g_autoptr(WhRecord) late = answer (NULL, TRUE, "2026-11-01T08:00:01Z");
  g_autoptr(WhRecord) same = answer (NULL, TRUE, "2026-11-01T08:00:00Z");
  g_autoptr(WhRecord) offset = wh_record_copy (early);

  g_assert_true (wh_practice_review_wins (late, early));
  g_assert_false (wh_practice_review_wins (early, late));
  g_assert_true (wh_practice_review_wins (early, NULL));
  /* A tie: exactly one of the two wins. */
  g_assert_true (wh_practice_review_wins (early, same) != wh_practice_review_wins (same, early));
  /* An equal copy never replaces. */
  g_assert_false (wh_practice_review_wins (early, early));
  /* Instants, not text: 16:00+08:00 is 08:00Z, earlier than late. */
  wh_record_set_text (offset, "reviewed_at", "2026-11-01T16:00:00+08:00");
  g_assert_true (wh_practice_review_wins (late, offset));
}

static void
test_streak (void)
{
  const char *days[] = { "2026-11-03", "2026-11-01", "2026-11-04", "2026-11-05", "2026-11-05" };

  g_assert_cmpuint (wh_practice_streak (days, G_N_ELEMENTS (days), "2026-11-05"), ==, 3);
  /* Not practised yet today: yesterday's streak stands. */
  g_assert_cmpuint (wh_practice_streak (days, G_N_ELEMENTS (days), "2026-11-06"), ==, 3);
  /* A day missed: over. */
  g_assert_cmpuint (wh_practice_streak (days, G_N_ELEMENTS (days), "2026-11-07"), ==, 0);
  g_assert_cmpuint (wh_practice_streak (days, 2, "2026-11-03"), ==, 1);
  g_assert_cmpuint (wh_practice_streak (NULL, 0, "2026-11-03"), ==, 0);
  /* Across a month's end. */
  {
    const char *edge[] = { "2026-10-31", "2026-11-01" };

    g_assert_cmpuint (wh_practice_streak (edge, 2, "2026-11-01"), ==, 2);
  }
}

/* ---- In the cache -------------------------------------------------------- */

static WhRecord *
make_question (gint64 id,
               gint64 course_id)
{
  WhRecord *q = wh_record_new (&wh_collection_questions);
  const char *options[] = { "对", "错", NULL };
  gint64 answer_index = 0;
  g_autofree char *stem = g_strdup_printf ("问题 %" G_GINT64_FORMAT, id);

  q->id = id;
  q->rev = id;
  wh_record_set_int (q, "course_id", course_id);
  wh_record_set_text (q, "kind", "single");
  wh_record_set_text (q, "stem", stem);
  wh_record_set_strv (q, "options", options);
  wh_record_set_intv (q, "answer", &answer_index, 1);
  return q;
}

/* Course 1 has questions 101-115, course 2 201-203. */
static void
add_questions (WhStore *store)
{
  for (gint64 i = 0; i < 15; i++)
    wh_test_apply (store, &wh_collection_questions, NULL, 101 + i, make_question (101 + i, 1),
                   NULL);
  for (gint64 i = 0; i < 3; i++)
    wh_test_apply (store, &wh_collection_questions, NULL, 300 + i, make_question (201 + i, 2),
                   NULL);
}

static void
practice_answer (WhPractice *practice,
                 gint64      question_id,
                 gboolean    correct)
{
  g_autoptr(WhRecord) q = wh_store_get_record (wh_practice_get_store (practice),
                                               &wh_collection_questions, question_id, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (q);
  wh_practice_answer_async (practice, q, correct ? 1 : 2, correct, NULL, wh_test_result_cb,
                            &result);
  g_assert_true (wh_practice_answer_finish (practice, wh_test_await (&result), &error));
  g_assert_no_error (error);
}

static WhPracticeSummary *
summary (WhPractice *practice)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WhPracticeSummary *s;

  wh_practice_read_summary_async (practice, NULL, wh_test_result_cb, &result);
  s = wh_practice_read_summary_finish (practice, wh_test_await (&result), &error);
  g_assert_no_error (error);
  return s;
}

static GPtrArray *
read_set (WhPractice   *practice,
          WhPracticeSet set)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *questions;

  wh_practice_read_set_async (practice, set, NULL, wh_test_result_cb, &result);
  questions = wh_practice_read_set_finish (practice, wh_test_await (&result), NULL, &error);
  g_assert_no_error (error);
  return questions;
}

static void
set_day (WhPractice *practice,
         const char *iso)
{
  g_autoptr(GDateTime) now = at (iso);

  wh_practice_set_now (practice, now);
}

static void
changed_cb (WhPractice *practice,
            guint      *count)
{
  (*count)++;
}

/* One scenario over both keepers: the sets, the counts, the streak and the
 * leave rule, days apart. */
static void
run_days (WhPractice *practice)
{
  guint changes = 0;

  g_signal_connect (practice, "changed", G_CALLBACK (changed_cb), &changes);
  set_day (practice, "2026-11-10T08:00:00Z");
  {
    g_autoptr(GPtrArray) today = read_set (practice, WH_PRACTICE_TODAY);
    g_autoptr(GPtrArray) again = read_set (practice, WH_PRACTICE_TODAY);
    g_autoptr(WhPracticeSummary) s = summary (practice);

    /* Only the course followed (course 1 has progress), in one order all day. */
    g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
    for (guint i = 0; i < today->len; i++)
      {
        g_assert_cmpint (wh_record_get_int (today->pdata[i], "course_id"), ==, 1);
        g_assert_cmpint (((WhRecord *) today->pdata[i])->id, ==,
                         ((WhRecord *) again->pdata[i])->id);
      }
    g_assert_cmpuint (s->due + s->mistakes + s->streak + s->answered_today, ==, 0);
  }
  practice_answer (practice, 101, FALSE);
  practice_answer (practice, 102, FALSE);
  practice_answer (practice, 103, FALSE);
  practice_answer (practice, 104, TRUE);
  practice_answer (practice, 105, TRUE);
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);
    g_autoptr(GPtrArray) mistakes = read_set (practice, WH_PRACTICE_MISTAKES);
    g_autoptr(GPtrArray) due = read_set (practice, WH_PRACTICE_DUE);
    g_autoptr(GPtrArray) today = read_set (practice, WH_PRACTICE_TODAY);

    g_assert_cmpuint (s->mistakes, ==, 3);
    g_assert_cmpuint (s->due, ==, 0);
    g_assert_cmpuint (s->streak, ==, 1);
    g_assert_cmpuint (s->answered_today, ==, 5);
    g_assert_cmpuint (mistakes->len, ==, 3);
    g_assert_cmpuint (due->len, ==, 0);
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GArray) wrong = NULL;
      g_autoptr(GPtrArray) again = NULL;

      /* Kept with the answer given (option B, mask 2, see practice_answer). */
      wh_practice_read_set_async (practice, WH_PRACTICE_MISTAKES, NULL, wh_test_result_cb,
                                  &result);
      again = wh_practice_read_set_finish (practice, wh_test_await (&result), &wrong, NULL);
      g_assert_cmpuint (wrong->len, ==, again->len);
      for (guint i = 0; i < wrong->len; i++)
        g_assert_cmpuint (g_array_index (wrong, guint8, i), ==, 2);
    }
    /* What was answered is no longer new: ten others. */
    g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
    for (guint i = 0; i < today->len; i++)
      g_assert_cmpint (((WhRecord *) today->pdata[i])->id, >, 105);
  }

  /* The next day: five due first, then new ones. */
  set_day (practice, "2026-11-11T08:00:00Z");
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);
    g_autoptr(GPtrArray) today = read_set (practice, WH_PRACTICE_TODAY);

    g_assert_cmpuint (s->due, ==, 5);
    g_assert_cmpuint (s->streak, ==, 1);
    g_assert_cmpuint (s->answered_today, ==, 0);
    g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
    for (guint i = 0; i < 5; i++)
      g_assert_cmpint (((WhRecord *) today->pdata[i])->id, ==, 101 + i);
    for (guint i = 5; i < today->len; i++)
      g_assert_cmpint (((WhRecord *) today->pdata[i])->id, >, 105);
  }
  practice_answer (practice, 101, TRUE);
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);

    g_assert_cmpuint (s->mistakes, ==, 3);
    g_assert_cmpuint (s->streak, ==, 2);
  }
  /* A second, separate day right: out of the notebook. */
  set_day (practice, "2026-11-12T08:00:00Z");
  practice_answer (practice, 101, TRUE);
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);
    g_autoptr(GPtrArray) mistakes = read_set (practice, WH_PRACTICE_MISTAKES);

    g_assert_cmpuint (s->mistakes, ==, 2);
    g_assert_cmpuint (s->streak, ==, 3);
    g_assert_cmpuint (mistakes->len, ==, 2);
    for (guint i = 0; i < mistakes->len; i++)
      g_assert_cmpint (((WhRecord *) mistakes->pdata[i])->id, !=, 101);
  }
  /* ::changed arrives on this context: polled, with a deadline. */
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (changes == 0 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpuint (changes, >, 0);
  }
  g_signal_handlers_disconnect_by_func (practice, changed_cb, &changes);
}

static void
test_store_days (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhPractice) practice = wh_practice_new (store, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  add_questions (store);
  g_assert_true (wh_courses_save_progress (store, 11, 1, 100, FALSE, &error));
  run_days (practice);

  /* Each answer queued for the server, the latest of a question only. */
  entries = wh_store_outbox_peek (store, 100, &error);
  g_assert_no_error (error);
  {
    guint reviews = 0;

    for (guint i = 0; i < entries->len; i++)
      {
        WhOutboxEntry *e = entries->pdata[i];

        if (g_strcmp0 (e->kind, "question-reviews") == 0)
          reviews++;
      }
    g_assert_cmpuint (reviews, ==, 5);
  }
  /* Kept across a restart, then the kiosk's wipe leaves nothing of it. */
  g_clear_object (&practice);
  practice = wh_practice_new (store, FALSE);
  {
    g_autoptr(WhRecord) r = wh_practice_get_review (practice, 102, &error);

    g_assert_no_error (error);
    g_assert_nonnull (r);
    g_assert_true (wh_record_get_bool (r, "mistake"));
  }
  g_assert_true (wh_store_wipe_personal (store, &error));
  set_day (practice, "2026-11-12T08:00:00Z");
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);

    g_assert_cmpuint (s->due + s->mistakes + s->streak + s->answered_today, ==, 0);
  }
  g_clear_object (&practice);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* The kiosk: the same rules, nothing written to the cache or queued, and
 * forgotten by the session's wipe. */
static void
test_memory (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhPractice) practice = wh_practice_new (store, TRUE);
  g_autoptr(GError) error = NULL;
  guint changes = 0;

  add_questions (store);
  g_assert_true (wh_courses_save_progress (store, 11, 1, 100, FALSE, &error));
  g_assert_true (wh_practice_get_in_memory (practice));
  run_days (practice);
  {
    g_autoptr(WhPractice) on_disk = wh_practice_new (store, FALSE);
    g_autoptr(WhPracticeSummary) s = summary (on_disk);

    g_assert_cmpuint (s->due + s->mistakes + s->streak + s->answered_today, ==, 0);
  }
  /* Only the progress saved above is queued. */
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 1);

  g_signal_connect (practice, "changed", G_CALLBACK (changed_cb), &changes);
  wh_practice_wipe (practice);
  g_assert_cmpuint (changes, ==, 1);
  {
    g_autoptr(WhPracticeSummary) s = summary (practice);

    g_assert_cmpuint (s->due + s->mistakes + s->streak + s->answered_today, ==, 0);
    g_assert_null (wh_practice_get_review (practice, 102, NULL));
  }
  g_clear_object (&practice);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* No course followed: new questions still come, from the first courses. */
static void
test_no_course_followed (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhPractice) practice = wh_practice_new (store, TRUE);
  g_autoptr(GPtrArray) today = NULL;

  add_questions (store);
  set_day (practice, "2026-11-10T08:00:00Z");
  today = read_set (practice, WH_PRACTICE_TODAY);
  g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
  g_clear_object (&practice);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* Twenty questions, two of each stem: a set has ten, no stem twice. */
static void
test_distinct_stems (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhPractice) practice = wh_practice_new (store, TRUE);
  g_autoptr(GPtrArray) today = NULL;
  g_autoptr(GHashTable) stems = g_hash_table_new (g_str_hash, g_str_equal);

  for (gint64 i = 0; i < 20; i++)
    {
      g_autofree char *stem = g_strdup_printf ("问题 %" G_GINT64_FORMAT, i / 2);
      WhRecord *q = make_question (501 + i, 1);

      wh_record_set_text (q, "stem", stem);
      wh_test_apply (store, &wh_collection_questions, NULL, 501 + i, q, NULL);
    }
  set_day (practice, "2026-11-10T08:00:00Z");
  today = read_set (practice, WH_PRACTICE_TODAY);
  g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
  for (guint i = 0; i < today->len; i++)
    g_assert_true (g_hash_table_add (stems,
                                     (gpointer) wh_record_get_text (today->pdata[i], "stem")));
  g_clear_object (&practice);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* The course followed has three questions: they come first, then others. */
static void
test_followed_run_short (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhPractice) practice = wh_practice_new (store, TRUE);
  g_autoptr(GPtrArray) today = NULL;
  g_autoptr(GError) error = NULL;

  add_questions (store);
  g_assert_true (wh_courses_save_progress (store, 21, 2, 100, FALSE, &error));
  set_day (practice, "2026-11-10T08:00:00Z");
  today = read_set (practice, WH_PRACTICE_TODAY);
  g_assert_cmpuint (today->len, ==, WH_PRACTICE_SET_SIZE);
  for (guint i = 0; i < today->len; i++)
    g_assert_cmpint (wh_record_get_int (today->pdata[i], "course_id"), ==, i < 3 ? 2 : 1);
  g_clear_object (&practice);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* ---- Two devices through the server -------------------------------------- */

WH_TEST_CLIENT_FIXTURE

static void
sign_in (WhApi      *api,
         const char *phone)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = NULL;

  wh_api_login_async (api, phone, WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
  me = wh_api_login_finish (api, wh_test_await (&result), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
sync_client (WhTestClient *c)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  wh_sync_run_async (c->sync, NULL, 0, NULL, wh_test_result_cb, &result);
  g_assert_true (wh_sync_run_finish (c->sync, wh_test_await (&result), &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->messages->len, ==, 0);
}

static void
test_two_devices (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_questions);
  g_autoptr(GPtrArray) questions = NULL;
  g_autoptr(WhPractice) a = NULL;
  g_autoptr(WhPractice) b = NULL;
  WhTestClient other = { 0, };
  gint64 q1, q2;

  sync_client (&f->c);
  questions = wh_store_query (f->c.store, query, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (questions->len, ==, 2);
  q1 = ((WhRecord *) questions->pdata[0])->id;
  q2 = ((WhRecord *) questions->pdata[1])->id;
  a = wh_practice_new (f->c.store, FALSE);

  other.server = f->c.server;
  other.dir = wh_test_make_tmpdir ();
  other.cache_path = g_build_filename (other.dir, "cache.db", NULL);
  other.api = wh_api_new (wh_test_server_get_url (f->c.server), &error);
  g_assert_no_error (error);
  other.store = wh_store_open (other.cache_path, &error);
  g_assert_no_error (error);
  other.sync = wh_sync_new (other.api, other.store);
  sync_client (&other);
  b = wh_practice_new (other.store, FALSE);

  /* Offline, each on its own: A wrong on q1 first, B right on q1 a day
   * later; both answer q2 at the same second, differently. */
  set_day (a, "2026-11-20T08:00:00Z");
  practice_answer (a, q1, FALSE);
  practice_answer (a, q2, FALSE);
  set_day (b, "2026-11-21T08:00:00Z");
  practice_answer (b, q1, TRUE);
  set_day (b, "2026-11-20T08:00:00Z");
  practice_answer (b, q2, TRUE);

  sign_in (f->c.api, "13800138003");
  sign_in (other.api, "13800138003");
  sync_client (&f->c);
  sync_client (&other);
  sync_client (&f->c);
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 0);
  g_assert_cmpint (wh_store_outbox_count (other.store, NULL), ==, 0);

  for (guint i = 0; i < 2; i++)
    {
      gint64 id = i == 0 ? q1 : q2;
      g_autoptr(WhRecord) ra = wh_practice_get_review (a, id, &error);
      g_autoptr(WhRecord) rb = wh_practice_get_review (b, id, &error);

      g_assert_no_error (error);
      g_assert_nonnull (ra);
      g_assert_nonnull (rb);
      g_assert_true (wh_record_equal (ra, rb));
    }
  {
    g_autoptr(WhRecord) r1 = wh_practice_get_review (a, q1, &error);

    /* B's later review won: right, not in the notebook. */
    g_assert_false (wh_record_get_bool (r1, "mistake"));
    g_assert_cmpstr (wh_record_get_text (r1, "reviewed_at"), ==, "2026-11-21T08:00:00+00:00");
  }
  /* A day another device practised on counts for the streak here. */
  set_day (a, "2026-11-21T20:00:00Z");
  {
    g_autoptr(WhPracticeSummary) s = summary (a);

    g_assert_cmpuint (s->streak, ==, 2);
  }

  other.server = NULL; /* the fixture's */
  g_clear_object (&b);
  wh_test_client_teardown (&other);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/practice/sm2/schedule", test_sm2_schedule);
  g_test_add_func ("/practice/notebook/leave-rule", test_notebook_leave_rule);
  g_test_add_func ("/practice/merge/rule", test_merge_rule);
  g_test_add_func ("/practice/streak", test_streak);
  g_test_add_func ("/practice/store/days", test_store_days);
  g_test_add_func ("/practice/memory/kiosk", test_memory);
  g_test_add_func ("/practice/store/no-course-followed", test_no_course_followed);
  g_test_add_func ("/practice/store/followed-run-short", test_followed_run_short);
  g_test_add_func ("/practice/store/distinct-stems", test_distinct_stems);
  g_test_add ("/practice/sync/two-devices", Fixture, NULL, fixture_setup, test_two_devices,
              fixture_teardown);
  return g_test_run ();
}
