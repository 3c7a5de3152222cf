/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Skills courses in core: lesson Markdown to safe blocks, the quiz rules,
 * the personal tables' migration, progress and attempts kept offline and
 * sent later, and a course saved for offline reading with the server
 * stopped (suite "server": the reference backend over loopback). */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-courses.h"
#include "wh-markdown.h"
#include "wh-quiz.h"
#include "wh-sync.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ---- Markdown ------------------------------------------------------------ */

static const WhMdBlock *
block (GPtrArray *blocks,
       guint      i)
{
  g_assert_cmpuint (i, <, blocks->len);
  return blocks->pdata[i];
}

static void
assert_all_markup_valid (GPtrArray *blocks)
{
  for (guint i = 0; i < blocks->len; i++)
    {
      g_autofree char *text = wh_markdown_markup_to_text (block (blocks, i)->markup);

      g_assert_nonnull (text);
    }
}

/* Emphasis in Chinese is bold, in other scripts italic. */
static void
test_markdown_emphasis (void)
{
  g_autoptr(GPtrArray) zh = wh_markdown_parse ("注意*安全*。", -1);
  g_autoptr(GPtrArray) en = wh_markdown_parse ("Mind *safety* and _安全_.", -1);

  g_assert_cmpstr (block (zh, 0)->markup, ==, "注意<b>安全</b>。");
  g_assert_cmpstr (block (en, 0)->markup, ==, "Mind <i>safety</i> and <b>安全</b>.");
}

static void
test_markdown_blocks (void)
{
  const char *md =
    "# 安全用电\n\n"
    "电工作业前必须\n断电验电，*戴好* **绝缘手套**和 `万用表`。\n\n"
    "## 要点\n\n"
    "- **第一条**\n"
    "- 第二条\n"
    "  1. 子项\n"
    "  2. 子项二\n\n"
    "3. 三\n4. 四\n\n"
    "> 注意安全\n\n"
    "![示意图1](lessons/12-1.svg)\n\n"
    "```\n[ ] 检查 <工具> & 材料\n```\n\n"
    "---\n\n"
    "<script>alert(1)</script>\n\n"
    "见 [说明](http://example.com) 和 <b>粗体</b>。\n\n"
    "![坏路径](../etc/passwd) ![](http://evil/x.png)\n";
  g_autoptr(GPtrArray) b = wh_markdown_parse (md, -1);
  g_autofree char *text = NULL;
  guint i = 0;

  assert_all_markup_valid (b);
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_HEADING);
  g_assert_cmpuint (block (b, i)->level, ==, 1);
  g_assert_cmpstr (block (b, i)->markup, ==, "安全用电");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_PARAGRAPH);
  /* a soft break between Chinese characters is no space; Chinese
   * emphasis is bold, never a slanted CJK font (#17 item 13) */
  g_assert_cmpstr (block (b, i)->markup, ==,
                   "电工作业前必须断电验电，<b>戴好</b> <b>绝缘手套</b>和 <tt>万用表</tt>。");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_HEADING);
  g_assert_cmpuint (block (b, i)->level, ==, 2);
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_LIST_ITEM);
  g_assert_cmpstr (block (b, i)->marker, ==, "•");
  g_assert_cmpuint (block (b, i)->level, ==, 1);
  g_assert_cmpstr (block (b, i)->markup, ==, "<b>第一条</b>");
  i += 2;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_LIST_ITEM);
  g_assert_cmpstr (block (b, i)->marker, ==, "1.");
  g_assert_cmpuint (block (b, i)->level, ==, 2);
  i++;
  g_assert_cmpstr (block (b, i)->marker, ==, "2.");
  i++;
  /* an ordered list keeps its start */
  g_assert_cmpstr (block (b, i)->marker, ==, "3.");
  i++;
  g_assert_cmpstr (block (b, i)->marker, ==, "4.");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_QUOTE);
  g_assert_cmpstr (block (b, i)->markup, ==, "注意安全");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_IMAGE);
  g_assert_cmpstr (block (b, i)->path, ==, "lessons/12-1.svg");
  g_assert_cmpstr (block (b, i)->markup, ==, "示意图1");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_CODE);
  g_assert_cmpstr (block (b, i)->markup, ==, "[ ] 检查 &lt;工具&gt; &amp; 材料");
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_RULE);
  i++;
  /* raw HTML is shown as text, never passed on */
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_CODE);
  g_assert_null (strstr (block (b, i)->markup, "<script>"));
  g_assert_nonnull (strstr (block (b, i)->markup, "&lt;script&gt;"));
  i++;
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_PARAGRAPH);
  text = wh_markdown_markup_to_text (block (b, i)->markup);
  g_assert_cmpstr (text, ==, "见 说明 和 <b>粗体</b>。");
  g_assert_null (strstr (block (b, i)->markup, "<b>"));
  i++;
  /* a picture whose path the cache cannot hold shows its words */
  g_assert_cmpint (block (b, i)->kind, ==, WH_MD_PARAGRAPH);
  g_assert_cmpstr (block (b, i)->markup, ==, "坏路径");
  g_assert_cmpuint (b->len, ==, i + 1);
}

static void
test_markdown_hostile (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  const char bad[] = "**a\xff\xfe** \0 <i>x</i> &amp; &#1; *_`";
  g_autoptr(GPtrArray) b1 = NULL;
  g_autoptr(GPtrArray) b2 = NULL;
  g_autoptr(GPtrArray) b3 = wh_markdown_parse (NULL, 0);

  /* nesting that a recursive walk would not survive */
  for (guint i = 0; i < 50000; i++)
    g_string_append (deep, "> ");
  g_string_append (deep, "- *deep*\n");
  b1 = wh_markdown_parse (deep->str, (gssize) deep->len);
  assert_all_markup_valid (b1);
  g_assert_cmpuint (b1->len, >, 0);
  g_assert_cmpuint (block (b1, b1->len - 1)->level, <=, WH_MD_MAX_DEPTH);

  b2 = wh_markdown_parse (bad, sizeof bad - 1);
  assert_all_markup_valid (b2);
  for (guint i = 0; i < b2->len; i++)
    g_assert_true (g_utf8_validate (block (b2, i)->markup, -1, NULL));
  g_assert_cmpuint (b3->len, ==, 0);
}

/* ---- Quiz rules ---------------------------------------------------------- */

static WhRecord *
make_question (gint64        id,
               const char   *kind,
               const gint64 *answer,
               guint         n_answer)
{
  static const char * const options[] = { "甲", "乙", "丙", "丁", NULL };
  WhRecord *q = wh_record_new (&wh_collection_questions);
  g_autofree char *stem = g_strdup_printf ("题干 %" G_GINT64_FORMAT, id);

  q->id = id;
  q->rev = id;
  wh_record_set_int (q, "course_id", 1);
  wh_record_set_text (q, "kind", kind);
  /* Each its own question: a set never asks one stem twice. */
  wh_record_set_text (q, "stem", stem);
  wh_record_set_strv (q, "options", options);
  wh_record_set_intv (q, "answer", answer, n_answer);
  wh_record_set_text (q, "explanation", "解析");
  return q;
}

static void
test_quiz_scoring (void)
{
  const gint64 one[] = { 2 };
  const gint64 two[] = { 0, 3 };
  const gint64 past_end[] = { 4 };
  g_autoptr(WhRecord) single = make_question (1, "single", one, 1);
  g_autoptr(WhRecord) multiple = make_question (2, "multiple", two, 2);
  g_autoptr(WhRecord) broken = make_question (3, "single", past_end, 1);
  g_autoptr(WhRecord) single_two = make_question (4, "single", two, 2);

  /* answers are 0-based option indexes */
  g_assert_cmpuint (wh_quiz_answer_mask (single), ==, 1u << 2);
  g_assert_true (wh_quiz_is_correct (single, 1u << 2));
  g_assert_false (wh_quiz_is_correct (single, 1u << 1));
  g_assert_false (wh_quiz_is_correct (single, (1u << 2) | (1u << 1)));
  g_assert_false (wh_quiz_is_correct (single, 0));

  /* multiple choice: exactly the right set */
  g_assert_true (wh_quiz_is_correct (multiple, (1u << 0) | (1u << 3)));
  g_assert_false (wh_quiz_is_correct (multiple, 1u << 0));
  g_assert_false (wh_quiz_is_correct (multiple, (1u << 0) | (1u << 3) | (1u << 1)));

  /* an answer the options cannot hold makes the question unusable */
  g_assert_cmpuint (wh_quiz_answer_mask (broken), ==, 0);
  g_assert_false (wh_quiz_is_correct (broken, 1u << 4));
  g_assert_cmpuint (wh_quiz_answer_mask (single_two), ==, 0);

  /* the pass mark */
  g_assert_true (wh_quiz_passed (6, 10));
  g_assert_false (wh_quiz_passed (5, 10));
  g_assert_true (wh_quiz_passed (3, 5));
  g_assert_false (wh_quiz_passed (0, 0));
  g_assert_false (wh_quiz_passed (11, 10));
}

/* A bank with copies of a question (other ids, the same stem) never asks
 * one twice in a set, and a set is short rather than repeating. */
static void
test_quiz_distinct_stems (void)
{
  const gint64 one[] = { 0 };
  g_autoptr(GPtrArray) questions = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);

  for (guint i = 0; i < 30; i++)
    {
      WhRecord *q = make_question (i + 1, "single", one, 1);
      g_autofree char *stem = g_strdup_printf ("同一道题 %u", i % 6);

      wh_record_set_text (q, "stem", stem);
      g_ptr_array_add (questions, q);
    }
  for (guint32 seed = 1; seed < 40; seed++)
    {
      g_autoptr(WhQuiz) quiz = wh_quiz_new (questions, WH_QUIZ_TIMED_QUESTIONS, 0, seed, 0);
      g_autoptr(GHashTable) stems = g_hash_table_new (g_str_hash, g_str_equal);

      g_assert_cmpuint (wh_quiz_get_n_questions (quiz), ==, 6);
      for (guint i = 0; i < wh_quiz_get_n_questions (quiz); i++)
        g_assert_true (g_hash_table_add (stems, (gpointer) wh_record_get_text (
                                           wh_quiz_get_question (quiz, i), "stem")));
    }
}

static void
test_quiz_timed (void)
{
  const gint64 one[] = { 0 };
  g_autoptr(GPtrArray) questions = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_autoptr(WhQuiz) quiz = NULL;
  g_autoptr(WhQuiz) untimed = NULL;
  g_autoptr(WhRecord) attempt = NULL;
  gint64 t0 = 1000 * G_USEC_PER_SEC;
  gboolean correct = FALSE;

  for (guint i = 0; i < 12; i++)
    g_ptr_array_add (questions, make_question (i + 1, "single", one, 1));
  {
    const gint64 bad[] = { 7 };
    g_ptr_array_add (questions, make_question (99, "single", bad, 1));
  }

  quiz = wh_quiz_new (questions, WH_QUIZ_TIMED_QUESTIONS, WH_QUIZ_TIMED_SECONDS, 7, t0);
  g_assert_cmpuint (wh_quiz_get_n_questions (quiz), ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (wh_quiz_get_question (quiz, i)->id, !=, 99);
  g_assert_cmpint (wh_quiz_get_remaining_s (quiz, t0), ==, 600);
  g_assert_cmpint (wh_quiz_get_remaining_s (quiz, t0 + G_USEC_PER_SEC / 2), ==, 600);

  /* an empty choice is no answer; an answer counts once */
  g_assert_false (wh_quiz_answer (quiz, 0, 0, t0 + 1, &correct));
  g_assert_true (wh_quiz_answer (quiz, 0, 1, t0 + 1, &correct));
  g_assert_true (correct);
  g_assert_false (wh_quiz_answer (quiz, 0, 2, t0 + 2, &correct));
  g_assert_true (wh_quiz_answer (quiz, 1, 2, t0 + 3, &correct));
  g_assert_false (correct);
  g_assert_true (wh_quiz_answer (quiz, 2, 1, t0 + 4, NULL));
  g_assert_false (wh_quiz_is_over (quiz, t0 + 5));

  /* the deadline ends it: later answers are refused, the rest are wrong */
  g_assert_true (wh_quiz_is_over (quiz, t0 + 600 * G_USEC_PER_SEC));
  g_assert_cmpint (wh_quiz_get_remaining_s (quiz, t0 + 601 * G_USEC_PER_SEC), ==, 0);
  g_assert_false (wh_quiz_answer (quiz, 3, 1, t0 + 600 * G_USEC_PER_SEC, NULL));
  wh_quiz_finish (quiz, t0 + 900 * G_USEC_PER_SEC);
  g_assert_cmpuint (wh_quiz_get_correct (quiz), ==, 2);
  g_assert_cmpint (wh_quiz_get_duration_s (quiz), ==, 600);
  attempt = wh_quiz_to_attempt (quiz, 42);
  g_assert_cmpint (wh_record_get_int (attempt, "total"), ==, 10);
  g_assert_cmpint (wh_record_get_int (attempt, "correct"), ==, 2);
  g_assert_true (wh_record_get_bool (attempt, "timed"));
  g_assert_cmpint (wh_record_get_int (attempt, "course_id"), ==, 42);
  /* what the server accepts */
  {
    g_autofree char *json = wh_record_to_string (attempt);
    g_autoptr(JsonNode) node = json_from_string (json, NULL);
    g_autoptr(WhRecord) back = wh_record_from_json (&wh_collection_quiz_attempts, node, NULL);

    g_assert_nonnull (back);
  }

  /* untimed: no deadline; all answered is over */
  untimed = wh_quiz_new (questions, 3, 0, 1, t0);
  g_assert_cmpint (wh_quiz_get_remaining_s (untimed, t0 + (gint64) 100000 * G_USEC_PER_SEC), ==, G_MAXINT64);
  for (guint i = 0; i < 3; i++)
    g_assert_true (wh_quiz_answer (untimed, i, 1, t0 + (gint64) 100000 * G_USEC_PER_SEC, NULL));
  g_assert_true (wh_quiz_is_over (untimed, t0));
}

/* ---- Store: migration, progress, attempts -------------------------------- */

static gint64
sql_int (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_store_migration (void)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  WhStore *store = wh_store_open (path, &error);
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_assert_true (wh_courses_mark_saved (store, 5, &error));
  g_object_unref (store);

  /* Make it what the release before wrote: no media, attempts, practice or region
   * tables. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE media; DROP TABLE quiz_attempts;"
                                     " DROP TABLE question_reviews; DROP TABLE practice_days;"
                                     " DROP TABLE region_tables;"
                                     " PRAGMA user_version = 3;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (sql_int (path, "PRAGMA user_version"), ==, 3);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (path, "PRAGMA user_version"), ==, 6);
  g_assert_cmpint (WH_STORE_SCHEMA_VERSION, ==, 6);
  /* what version 3 kept is still there, and the new tables work */
  g_assert_true (wh_courses_is_saved (store, 5));
  {
    g_autoptr(GBytes) data = g_bytes_new_static ("<svg/>", 6);
    g_autoptr(GBytes) back = NULL;
    g_autofree char *type = NULL;

    g_assert_true (wh_courses_put_media (store, 5, "courses/5.svg", "image/svg+xml", "\"t\"", data,
                                         &error));
    g_assert_no_error (error);
    back = wh_courses_get_media (store, "courses/5.svg", &type, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (data, back));
    g_assert_cmpstr (type, ==, "image/svg+xml");
    g_assert_cmpint (wh_courses_get_saved_size (store, 5, NULL), ==, 6);
  }
  g_assert_true (wh_courses_remove_download (store, 5, &error));
  g_assert_false (wh_courses_is_saved (store, 5));
  g_assert_false (wh_courses_has_media (store, "courses/5.svg"));
  g_assert_null (wh_courses_get_media (store, "courses/5.svg", NULL, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
  g_object_unref (store);
  wh_test_remove_tmpdir (dir);
}

static void
test_progress_rules (void)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(GError) error = NULL;
  WhStore *store = wh_store_open (path, &error);
  g_autoptr(WhRecord) p = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GArray) started = NULL;

  g_assert_no_error (error);
  g_assert_true (wh_courses_save_progress (store, 11, 2, 4000, FALSE, &error));
  g_assert_true (wh_courses_save_progress (store, 11, 2, 9000, TRUE, &error));
  /* completed never goes back; the place moves on */
  g_assert_true (wh_courses_save_progress (store, 11, 2, 2000, FALSE, &error));
  g_assert_true (wh_courses_save_progress (store, 30, 3, 99999, FALSE, &error));
  g_assert_no_error (error);
  p = wh_courses_get_progress (store, 11, &error);
  g_assert_no_error (error);
  g_assert_true (wh_record_get_bool (p, "completed"));
  g_assert_cmpint (wh_record_get_int (p, "position"), ==, 2000);
  g_clear_pointer (&p, wh_record_free);
  p = wh_courses_get_progress (store, 30, NULL);
  g_assert_cmpint (wh_record_get_int (p, "position"), ==, WH_COURSES_POSITION_END);
  g_assert_null (wh_courses_get_progress (store, 12, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* one queued entry per lesson, holding what is stored */
  outbox = wh_store_outbox_peek (store, 10, &error);
  g_assert_cmpuint (outbox->len, ==, 2);
  g_assert_cmpstr (((WhOutboxEntry *) outbox->pdata[0])->kind, ==, "progress");
  g_assert_cmpstr (((WhOutboxEntry *) outbox->pdata[0])->key, ==, "11");
  g_assert_nonnull (strstr (((WhOutboxEntry *) outbox->pdata[0])->body, "\"completed\":true"));

  started = wh_courses_list_started (store, NULL);
  g_assert_cmpuint (started->len, ==, 2);

  /* the same after a restart */
  g_object_unref (store);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_clear_pointer (&p, wh_record_free);
  p = wh_courses_get_progress (store, 11, &error);
  g_assert_nonnull (p);
  g_assert_true (wh_record_get_bool (p, "completed"));
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 2);

  /* the kiosk's sign-out leaves nothing of it */
  g_assert_true (wh_store_wipe_personal (store, &error));
  g_assert_null (wh_courses_get_progress (store, 11, NULL));
  g_object_unref (store);
  wh_test_remove_tmpdir (dir);
}

/* ---- With the server ----------------------------------------------------- */

WH_TEST_CLIENT_FIXTURE

static void
sync_ok (Fixture       *f,
         WhSyncReport **out)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  wh_sync_run_async (f->c.sync, NULL, 0, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_sync_run_finish (f->c.sync, result, &report, &error));
  g_assert_no_error (error);
  if (out)
    *out = g_steal_pointer (&report);
}

static gint64
server_count (Fixture    *f,
              const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (f->c.server), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* A course whose lessons have pictures. */
static gint64
course_with_images (WhStore *store)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_courses);
  g_autoptr(GPtrArray) courses = wh_store_query (store, query, 0, 200, NULL);

  for (guint i = 0; courses && i < courses->len; i++)
    {
      const WhRecord *c = courses->pdata[i];
      g_autoptr(GPtrArray) media = wh_courses_list_media (store, c->id, NULL);

      if (media && media->len >= 3)
        return c->id;
    }
  g_assert_not_reached ();
  return 0;
}

static void
download_progress_cb (guint    done,
                      guint    total,
                      guint64  bytes,
                      gpointer user_data)
{
  guint *calls = user_data;

  g_assert_cmpuint (done, <=, total);
  (*calls)++;
}

static void
test_offline_course (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) media = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  gint64 course, bytes = 0;
  guint calls = 0, images_seen = 0;

  sync_ok (f, NULL);
  course = course_with_images (f->c.store);
  media = wh_courses_list_media (f->c.store, course, &error);
  g_assert_no_error (error);
  g_assert_false (wh_courses_is_saved (f->c.store, course));

  wh_courses_download_async (f->c.store, f->c.api, course, download_progress_cb, &calls, NULL,
                             wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_courses_download_finish (f->c.store, result, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bytes, >, 0);
  g_assert_cmpint (bytes, ==, wh_courses_get_saved_size (f->c.store, course, NULL));
  g_assert_cmpuint (calls, ==, media->len + 1);
  g_assert_true (wh_courses_is_saved (f->c.store, course));
  {
    g_autoptr(GArray) saved = wh_courses_list_saved (f->c.store, NULL);
    g_assert_cmpuint (saved->len, ==, 1);
    g_assert_cmpint (g_array_index (saved, gint64, 0), ==, course);
  }

  /* No server at all: the course, its lessons and their pictures are here. */
  wh_test_server_stop (f->c.server);
  g_clear_object (&f->c.sync);
  g_clear_object (&f->c.store);
  f->c.store = wh_store_open (f->c.cache_path, &error);
  g_assert_no_error (error);
  g_assert_true (wh_courses_is_saved (f->c.store, course));
  lessons = wh_store_list_lessons (f->c.store, course, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lessons->len, >, 0);
  for (guint i = 0; i < lessons->len; i++)
    {
      const WhRecord *lesson = lessons->pdata[i];
      g_autoptr(GPtrArray) blocks = wh_markdown_parse (wh_record_get_text (lesson, "body_md"), -1);

      g_assert_cmpuint (blocks->len, >, 3);
      for (guint k = 0; k < blocks->len; k++)
        {
          const WhMdBlock *b = blocks->pdata[k];
          g_autoptr(GBytes) picture = NULL;
          g_autofree char *type = NULL;
          g_autofree char *text = wh_markdown_markup_to_text (b->markup);

          g_assert_nonnull (text);
          if (b->kind != WH_MD_IMAGE)
            continue;
          picture = wh_courses_get_media (f->c.store, b->path, &type, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (type, ==, "image/svg+xml");
          g_assert_nonnull (g_strstr_len (g_bytes_get_data (picture, NULL),
                                          (gssize) g_bytes_get_size (picture), "<svg"));
          images_seen++;
        }
    }
  g_assert_cmpuint (images_seen, >, 0);

  /* Studied offline: kept locally and queued. */
  g_assert_true (wh_courses_save_progress (f->c.store, ((WhRecord *) lessons->pdata[0])->id, course,
                                           WH_COURSES_POSITION_END, TRUE, &error));
  g_assert_no_error (error);
  {
    const gint64 right[] = { 0 };
    g_autoptr(GPtrArray) qs = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
    g_autoptr(WhQuiz) quiz = NULL;
    g_autoptr(WhRecord) attempt = NULL;

    g_ptr_array_add (qs, make_question (1, "single", right, 1));
    quiz = wh_quiz_new (qs, 1, WH_QUIZ_TIMED_SECONDS, 1, 0);
    g_assert_true (wh_quiz_answer (quiz, 0, 1, 1, NULL));
    wh_quiz_finish (quiz, 2);
    attempt = wh_quiz_to_attempt (quiz, course);
    g_assert_true (wh_courses_save_attempt (f->c.store, attempt, &error));
    /* the first write of an attempt is kept; a repeat queues nothing */
    g_assert_true (wh_courses_save_attempt (f->c.store, attempt, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 2);
  {
    g_autoptr(GPtrArray) attempts = wh_courses_list_attempts (f->c.store, course, NULL);
    g_assert_cmpuint (attempts->len, ==, 1);
  }

  /* Restarted app, server back, signed in: the outbox reaches the server. */
  g_clear_object (&f->c.store);
  f->c.store = wh_store_open (f->c.cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 2);
  g_assert_true (wh_test_server_restart (f->c.server, &error));
  g_assert_no_error (error);
  f->c.sync = wh_sync_new (f->c.api, f->c.store);
  g_clear_object (&result);
  wh_api_login_async (f->c.api, "13800138001", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  {
    g_autoptr(WhRecord) me = wh_api_login_finish (f->c.api, result, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  sync_ok (f, &report);
  g_assert_cmpuint (report->outbox_sent, ==, 2);
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 0);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM progress WHERE completed = 1"), ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM quiz_attempts"), ==, 1);

  /* Remove download: the pictures go, the lessons' text stays. */
  g_assert_true (wh_courses_remove_download (f->c.store, course, &error));
  g_assert_false (wh_courses_is_saved (f->c.store, course));
  g_assert_cmpint (wh_courses_get_saved_size (f->c.store, course, NULL), ==, 0);
  g_clear_pointer (&lessons, g_ptr_array_unref);
  lessons = wh_store_list_lessons (f->c.store, course, NULL);
  g_assert_cmpuint (lessons->len, >, 0);
}

/* Signs in on api as phone, waiting for the answer. */
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
count_changed_cb (WhStore    *store,
                  const char *what,
                  guint      *progress_changes)
{
  if (g_strcmp0 (what, "progress") == 0 || g_strcmp0 (what, "quiz_attempts") == 0)
    g_atomic_int_inc (progress_changes);
}

/* The catalogue's and the practice page's reads, and the sync status's,
 * on the store's ordered queue: what the synchronous forms return. */
static void
test_view_reads (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(GPtrArray) questions = NULL;
  g_autoptr(GPtrArray) read_questions = NULL;
  g_autoptr(WhCoursesPersonal) personal = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache", "cache.db", NULL);
  g_autoptr(WhStore) empty_store = wh_store_open (path, &error);
  gboolean empty = FALSE;
  gint64 synced_at = -1;
  gint64 course;

  /* A cache never synced: empty, no sync time. */
  g_assert_no_error (error);
  wh_store_get_sync_summary_async (empty_store, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_store_get_sync_summary_finish (empty_store, result, &empty, &synced_at,
                                                   &error));
  g_assert_no_error (error);
  g_assert_true (empty);
  g_assert_cmpint (synced_at, ==, 0);
  g_clear_object (&result);
  g_clear_object (&empty_store);
  wh_test_remove_tmpdir (dir);

  sync_ok (f, NULL);
  course = course_with_images (f->c.store);
  wh_store_get_sync_summary_async (f->c.store, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_store_get_sync_summary_finish (f->c.store, result, &empty, &synced_at,
                                                   &error));
  g_assert_no_error (error);
  g_assert_false (empty);
  g_assert_cmpint (synced_at, >, 0);
  g_clear_object (&result);

  questions = wh_store_list_questions (f->c.store, course, &error);
  g_assert_no_error (error);
  wh_store_list_questions_async (f->c.store, course, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  read_questions = wh_store_list_questions_finish (f->c.store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read_questions->len, ==, questions->len);
  for (guint i = 0; i < questions->len; i++)
    g_assert_cmpint (((WhRecord *) read_questions->pdata[i])->id, ==,
                     ((WhRecord *) questions->pdata[i])->id);
  g_clear_object (&result);

  lessons = wh_store_list_lessons (f->c.store, course, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lessons->len, >, 0);
  g_assert_true (wh_courses_save_progress (f->c.store, ((WhRecord *) lessons->pdata[0])->id,
                                           course, 5000, TRUE, &error));
  g_assert_true (wh_courses_mark_saved (f->c.store, course, &error));
  g_assert_no_error (error);
  wh_courses_read_personal_async (f->c.store, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  personal = wh_courses_read_personal_finish (f->c.store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (personal->progress->len, ==, 1);
  g_assert_cmpint (wh_record_get_int (personal->progress->pdata[0], "course_id"), ==, course);
  g_assert_true (wh_record_get_bool (personal->progress->pdata[0], "completed"));
  g_assert_cmpuint (personal->saved->len, ==, 1);
  g_assert_cmpint (g_array_index (personal->saved, gint64, 0), ==, course);
  g_assert_cmpuint (personal->started->len, ==, 1);
  g_assert_cmpint (g_array_index (personal->started, gint64, 0), ==, course);
  g_clear_object (&result);

  /* Cancelled before its turn: not read. */
  g_cancellable_cancel (cancelled);
  wh_courses_read_personal_async (f->c.store, cancelled, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_null (wh_courses_read_personal_finish (f->c.store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A worker studies on one device, then on another: the second gets the
 * first's progress and attempts on its next sync, and neither side loses
 * what is newer or goes back on a completed lesson. */
/* The course page's read (wh_courses_read_state_async): everything it shows
 * in one task on the store's ordered queue, nothing on the main thread. */
static WhCourseState *
read_state (WhStore      *store,
            gint64        course,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_courses_read_state_async (store, course, cancellable, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_courses_read_state_finish (store, result, error);
}

static void
test_read_state (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(WhCourseState) state = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  const WhRecord *first;
  gint64 course;

  sync_ok (f, NULL);
  course = course_with_images (f->c.store);
  lessons = wh_store_list_lessons (f->c.store, course, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lessons->len, >, 1);
  first = lessons->pdata[0];

  /* Nothing of the worker's yet: the lessons in order, no progress. */
  state = read_state (f->c.store, course, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (state->lessons->len, ==, lessons->len);
  for (guint i = 0; i < lessons->len; i++)
    g_assert_cmpint (((WhRecord *) state->lessons->pdata[i])->id, ==,
                     ((WhRecord *) lessons->pdata[i])->id);
  g_assert_cmpuint (state->progress->len, ==, 0);
  g_assert_cmpuint (state->attempts->len, ==, 0);
  g_assert_false (state->complete);
  g_assert_false (state->saved);
  g_clear_pointer (&state, wh_course_state_free);

  /* A lesson read, the course saved: both in the next read. */
  g_assert_true (wh_courses_save_progress (f->c.store, first->id, course, 5000, FALSE, &error));
  g_assert_true (wh_courses_mark_saved (f->c.store, course, &error));
  g_assert_no_error (error);
  state = read_state (f->c.store, course, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (state->progress->len, ==, 1);
  g_assert_cmpint (wh_record_get_int (state->progress->pdata[0], "lesson_id"), ==, first->id);
  g_assert_cmpint (wh_record_get_int (state->progress->pdata[0], "position"), ==, 5000);
  g_assert_true (state->saved);
  g_assert_cmpint (state->saved_size, ==, wh_courses_get_saved_size (f->c.store, course, NULL));
  g_assert_false (state->complete);
  g_clear_pointer (&state, wh_course_state_free);

  /* A course not in the cache is empty, not an error. */
  state = read_state (f->c.store, G_MAXINT32, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (state->lessons->len, ==, 0);
  g_clear_pointer (&state, wh_course_state_free);

  /* Cancelled before its turn: not read. */
  g_cancellable_cancel (cancelled);
  g_assert_null (read_state (f->c.store, course, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_progress_other_device (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(WhRecord) attempt = NULL;
  WhTestClient other = { 0, };
  gint64 course, first, second;
  guint changes = 0;

  sync_ok (f, NULL);
  course = course_with_images (f->c.store);
  lessons = wh_store_list_lessons (f->c.store, course, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lessons->len, >=, 2);
  first = ((WhRecord *) lessons->pdata[0])->id;
  second = ((WhRecord *) lessons->pdata[1])->id;

  /* The first device: one lesson done, one half read, one quiz. */
  sign_in (f->c.api, "13800138002");
  g_assert_true (wh_courses_save_progress (f->c.store, first, course, WH_COURSES_POSITION_END,
                                           TRUE, &error));
  g_assert_true (wh_courses_save_progress (f->c.store, second, course, 5000, FALSE, &error));
  attempt = wh_record_new (&wh_collection_quiz_attempts);
  wh_record_set_text (attempt, "attempt_id", "other-device-1");
  wh_record_set_int (attempt, "course_id", course);
  wh_record_set_int (attempt, "total", 10);
  wh_record_set_int (attempt, "correct", 7);
  wh_record_set_bool (attempt, "timed", TRUE);
  wh_record_set_text (attempt, "finished_at", "2026-11-20T08:00:00+00:00");
  g_assert_true (wh_courses_save_attempt (f->c.store, attempt, &error));
  g_assert_no_error (error);
  sync_ok (f, NULL);
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 0);

  /* The second device, same worker, its own cache; it has just finished
   * the second lesson itself, after the first device read half of it. */
  other.server = f->c.server;
  other.dir = wh_test_make_tmpdir ();
  other.cache_path = g_build_filename (other.dir, "cache.db", NULL);
  other.api = wh_api_new (wh_test_server_get_url (f->c.server), &error);
  g_assert_no_error (error);
  other.store = wh_store_open (other.cache_path, &error);
  g_assert_no_error (error);
  other.sync = wh_sync_new (other.api, other.store);
  g_usleep (1100 * 1000); /* updated_at has whole seconds */
  g_assert_true (wh_courses_save_progress (other.store, second, course, WH_COURSES_POSITION_END,
                                           TRUE, &error));
  sign_in (other.api, "13800138002");
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(WhSyncReport) report = NULL;

    wh_sync_run_async (other.sync, NULL, 0, NULL, wh_test_result_cb, &result);
    g_assert_true (wh_sync_run_finish (other.sync, wh_test_await (&result), &report, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (report->messages->len, ==, 0);
  }
  {
    g_autoptr(WhRecord) p1 = wh_courses_get_progress (other.store, first, &error);
    g_autoptr(WhRecord) p2 = wh_courses_get_progress (other.store, second, &error);
    g_autoptr(GPtrArray) attempts = wh_courses_list_attempts (other.store, course, &error);

    g_assert_no_error (error);
    g_assert_true (wh_record_get_bool (p1, "completed"));
    g_assert_cmpint (wh_record_get_int (p1, "position"), ==, WH_COURSES_POSITION_END);
    /* its own newer reading of the second lesson wins */
    g_assert_true (wh_record_get_bool (p2, "completed"));
    g_assert_cmpint (wh_record_get_int (p2, "position"), ==, WH_COURSES_POSITION_END);
    g_assert_cmpuint (attempts->len, ==, 1);
    g_assert_cmpstr (wh_record_get_text (attempts->pdata[0], "attempt_id"), ==, "other-device-1");
    g_assert_cmpint (wh_record_get_int (attempts->pdata[0], "correct"), ==, 7);
  }
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM progress WHERE completed = 1"), ==, 2);

  /* Nothing new the next time: no view is told to reload. */
  g_signal_connect (other.store, "changed", G_CALLBACK (count_changed_cb), &changes);
  {
    g_autoptr(GAsyncResult) result = NULL;

    wh_sync_run_async (other.sync, NULL, 0, NULL, wh_test_result_cb, &result);
    g_assert_true (wh_sync_run_finish (other.sync, wh_test_await (&result), NULL, &error));
    g_assert_no_error (error);
  }
  /* ::changed arrives on this context: let any pending emission run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_atomic_int_get (&changes), ==, 0);

  /* the first device learns of the second's completion in turn */
  sync_ok (f, NULL);
  {
    g_autoptr(WhRecord) p2 = wh_courses_get_progress (f->c.store, second, &error);

    g_assert_no_error (error);
    g_assert_true (wh_record_get_bool (p2, "completed"));
  }
  other.server = NULL; /* the fixture's */
  g_signal_handlers_disconnect_by_func (other.store, count_changed_cb, &changes);
  wh_test_client_teardown (&other);
}

static void
test_media_refused (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  /* a path that breaks the rules never leaves the client */
  wh_api_get_media_async (f->c.api, "../etc/passwd", NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  bytes = wh_api_get_media_finish (f->c.api, result, NULL, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_clear_object (&result);

  /* one no record refers to */
  wh_api_get_media_async (f->c.api, "lessons/999999999-1.svg", NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  bytes = wh_api_get_media_finish (f->c.api, result, NULL, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/courses/markdown/blocks", test_markdown_blocks);
  g_test_add_func ("/courses/markdown/hostile", test_markdown_hostile);
  g_test_add_func ("/courses/markdown/emphasis", test_markdown_emphasis);
  g_test_add_func ("/courses/quiz/scoring", test_quiz_scoring);
  g_test_add_func ("/courses/quiz/timed", test_quiz_timed);
  g_test_add_func ("/courses/quiz/distinct-stems", test_quiz_distinct_stems);
  g_test_add_func ("/courses/store/migration", test_store_migration);
  g_test_add_func ("/courses/store/progress", test_progress_rules);
  g_test_add ("/courses/offline/saved-course", Fixture, NULL, fixture_setup, test_offline_course,
              fixture_teardown);
  g_test_add ("/courses/offline/read-state", Fixture, NULL, fixture_setup, test_read_state,
              fixture_teardown);
  g_test_add ("/courses/offline/view-reads", Fixture, NULL, fixture_setup, test_view_reads,
              fixture_teardown);
  g_test_add ("/courses/sync/other-device", Fixture, NULL, fixture_setup,
              test_progress_other_device, fixture_teardown);
  g_test_add ("/courses/offline/media-refused", Fixture, NULL, fixture_setup, test_media_refused,
              fixture_teardown);
  return g_test_run ();
}
