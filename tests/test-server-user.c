/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend's per-worker documents (src/server/wh-server-user.c):
 * progress, quiz attempts, question review states, bookmarks and station
 * reports, with real HTTP requests. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-server-db.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* What the worker writes */

static WhRecord *
parse_doc (const WhCollection *collection,
           Response           *r)
{
  g_autoptr(GError) error = NULL;
  WhRecord *record;

  g_assert_cmpuint (r->status, ==, 200);
  record = wh_record_parse (collection, r->body, r->length, &error);
  g_assert_no_error (error);
  return record;
}

static void
test_user_progress (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = sign_in (session, ts, "13800138000");
  g_autofree char *other = sign_in (session, ts, "13800138001");
  const char *v1 = "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 100, \"completed\": false,"
                   " \"updated_at\": \"2026-11-20T08:00:00+08:00\"}";
  const char *v2 = "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 900, \"completed\": true,"
                   " \"updated_at\": \"2026-11-20T09:00:00+08:00\"}";
  const char *v3 = "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 50, \"completed\": false,"
                   " \"updated_at\": \"2026-11-20T10:00:00+08:00\"}";

  {
    g_autoptr(Response) r = authed (session, ts, "PUT", "progress/7", token, v1);
    g_autoptr(WhRecord) p = parse_doc (&wh_collection_progress, r);
    g_assert_cmpint (wh_record_get_int (p, "position"), ==, 100);
  }
  /* Newer wins; replays and older writes change nothing. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(Response) r = authed (session, ts, "PUT", "progress/7", token, v2);
      g_autoptr(WhRecord) p = parse_doc (&wh_collection_progress, r);
      g_assert_cmpint (wh_record_get_int (p, "position"), ==, 900);
      g_assert_true (wh_record_get_bool (p, "completed"));
    }
  {
    g_autoptr(Response) r = authed (session, ts, "PUT", "progress/7", token, v1);
    g_autoptr(WhRecord) p = parse_doc (&wh_collection_progress, r);
    g_assert_cmpint (wh_record_get_int (p, "position"), ==, 900);
  }
  /* A newer write moves the position, but completed never goes back. */
  {
    g_autoptr(Response) r = authed (session, ts, "PUT", "progress/7", token, v3);
    g_autoptr(WhRecord) p = parse_doc (&wh_collection_progress, r);
    g_assert_cmpint (wh_record_get_int (p, "position"), ==, 50);
    g_assert_true (wh_record_get_bool (p, "completed"));
    g_assert_cmpstr (wh_record_get_text (p, "updated_at"), ==, "2026-11-20T10:00:00+08:00");
  }
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "progress", token, NULL);
    g_autoptr(GPtrArray) list = wh_record_list_parse (&wh_collection_progress, "progress",
                                                      r->body, r->length, NULL);
    g_autoptr(Response) r2 = authed (session, ts, "GET", "progress", other, NULL);
    g_autoptr(GPtrArray) list2 = wh_record_list_parse (&wh_collection_progress, "progress",
                                                       r2->body, r2->length, NULL);
    g_assert_cmpuint (list->len, ==, 1);
    g_assert_true (wh_record_get_bool (g_ptr_array_index (list, 0), "completed"));
    g_assert_cmpuint (list2->len, ==, 0);
  }
  /* Wrong path, wrong body, no token. */
  {
    g_autoptr(Response) a = authed (session, ts, "PUT", "progress/8", token, v1);
    g_autoptr(Response) b = authed (session, ts, "PUT", "progress/7", token,
                                    "{\"lesson_id\": 7, \"course_id\": 3, \"completed\": 1,"
                                    " \"updated_at\": \"2026-11-20T08:00:00+08:00\"}");
    g_autoptr(Response) c = authed (session, ts, "PUT", "progress/7", token,
                                    "{\"lesson_id\": 7, \"course_id\": 3, \"completed\": true,"
                                    " \"updated_at\": \"yesterday\"}");
    g_autoptr(Response) d = authed (session, ts, "PUT", "progress/abc", token, v1);
    g_autofree char *url = api_url (ts, "progress/7");
    g_autoptr(Response) e = request (session, "PUT", url, v1, NULL);
    g_autoptr(Response) f = authed (session, ts, "POST", "progress/7", token, v1);
    assert_error (a, 400, "bad_request");
    assert_error (b, 400, "bad_request");
    assert_error (c, 400, "bad_request");
    assert_error (d, 400, "bad_request");
    assert_error (e, 401, "unauthorized");
    assert_error (f, 405, "method_not_allowed");
  }
}


/* Review states: the later reviewed_at wins, a tie goes to the greater
 * document, whatever order they arrive in (the client's rule). */
static void
test_user_question_reviews (void)
{
  const char *older = "{\"question_id\": 5, \"course_id\": 2, \"ease\": 2500,"
                      " \"interval_days\": 1, \"repetitions\": 0, \"due\": \"2026-11-21\","
                      " \"reviewed_at\": \"2026-11-20T08:00:00+00:00\", \"mistake\": true,"
                      " \"wrong_choice\": 2}";
  const char *newer = "{\"question_id\": 5, \"course_id\": 2, \"ease\": 2600,"
                      " \"interval_days\": 1, \"repetitions\": 1, \"due\": \"2026-11-22\","
                      " \"reviewed_at\": \"2026-11-21T08:00:00+00:00\", \"mistake\": true,"
                      " \"right_day\": \"2026-11-21\"}";
  /* The same instant as newer, another state: the greater text wins. */
  const char *tie = "{\"question_id\": 5, \"course_id\": 2, \"ease\": 2700,"
                    " \"interval_days\": 1, \"repetitions\": 1, \"due\": \"2026-11-22\","
                    " \"reviewed_at\": \"2026-11-21T08:00:00+00:00\", \"mistake\": false}";
  const char * const orders[2][3] = { { older, newer, tie }, { tie, older, newer } };

  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autoptr(WhTestServer) ts = start_empty ();
      g_autoptr(SoupSession) session = new_session ();
      g_autofree char *token = sign_in (session, ts, "13800138000");
      g_autofree char *other = sign_in (session, ts, "13800138001");

      for (guint i = 0; i < 3; i++)
        {
          g_autoptr(Response) r = authed (session, ts, "PUT", "question-reviews/5", token,
                                          orders[o][i]);
          g_autoptr(WhRecord) stored = parse_doc (&wh_collection_question_reviews, r);
        }
      {
        g_autoptr(Response) r = authed (session, ts, "GET", "question-reviews", token, NULL);
        g_autoptr(GPtrArray) list = wh_record_list_parse (&wh_collection_question_reviews,
                                                          "question_reviews", r->body, r->length,
                                                          NULL);
        g_autoptr(Response) r2 = authed (session, ts, "GET", "question-reviews", other, NULL);
        g_autoptr(GPtrArray) list2 = wh_record_list_parse (&wh_collection_question_reviews,
                                                           "question_reviews", r2->body,
                                                           r2->length, NULL);

        g_assert_nonnull (list);
        g_assert_cmpuint (list->len, ==, 1);
        g_assert_cmpint (wh_record_get_int (list->pdata[0], "ease"), ==, 2700);
        g_assert_false (wh_record_get_bool (list->pdata[0], "mistake"));
        g_assert_cmpuint (list2->len, ==, 0);
      }
      {
        g_autoptr(Response) a = authed (session, ts, "PUT", "question-reviews/6", token, older);
        g_autoptr(Response) b = authed (session, ts, "PUT", "question-reviews/5", token,
                                        "{\"question_id\": 5, \"course_id\": 2, \"ease\": 900,"
                                        " \"interval_days\": 1, \"repetitions\": 0,"
                                        " \"due\": \"2026-11-21\", \"mistake\": true,"
                                        " \"reviewed_at\": \"2026-11-20T08:00:00+00:00\"}");
        g_autofree char *url = api_url (ts, "question-reviews/5");
        g_autoptr(Response) c = request (session, "PUT", url, older, NULL);

        assert_error (a, 400, "bad_request");
        assert_error (b, 400, "bad_request");
        assert_error (c, 401, "unauthorized");
      }
    }
}

static void
test_user_quiz_bookmarks_reports (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = sign_in (session, ts, "13800138000");
  const char *q1 = "{\"attempt_id\": \"a-1\", \"course_id\": 3, \"total\": 10, \"correct\": 7,"
                   " \"duration_s\": 300, \"timed\": true,"
                   " \"finished_at\": \"2026-11-20T08:00:00+08:00\"}";
  const char *q1b = "{\"attempt_id\": \"a-1\", \"course_id\": 3, \"total\": 10, \"correct\": 10,"
                    " \"finished_at\": \"2026-11-20T09:00:00+08:00\"}";

  /* A quiz attempt: the first write is kept. */
  {
    g_autoptr(Response) r1 = authed (session, ts, "PUT", "quiz-attempts/a-1", token, q1);
    g_autoptr(Response) r2 = authed (session, ts, "PUT", "quiz-attempts/a-1", token, q1b);
    g_autoptr(Response) r3 = authed (session, ts, "PUT", "quiz-attempts/a-1", token, q1);
    g_autoptr(WhRecord) a1 = parse_doc (&wh_collection_quiz_attempts, r1);
    g_autoptr(WhRecord) a2 = parse_doc (&wh_collection_quiz_attempts, r2);
    g_autoptr(WhRecord) a3 = parse_doc (&wh_collection_quiz_attempts, r3);
    g_autoptr(Response) list = authed (session, ts, "GET", "quiz-attempts", token, NULL);
    g_autoptr(GPtrArray) attempts = wh_record_list_parse (&wh_collection_quiz_attempts,
                                                          "quiz_attempts", list->body,
                                                          list->length, NULL);
    g_autoptr(Response) bad = authed (session, ts, "PUT", "quiz-attempts/a-2", token,
                                      "{\"attempt_id\": \"a-2\", \"course_id\": 3, \"total\": 5,"
                                      " \"correct\": 6,"
                                      " \"finished_at\": \"2026-11-20T08:00:00+08:00\"}");
    g_autoptr(Response) mismatch = authed (session, ts, "PUT", "quiz-attempts/a-9", token, q1);

    g_assert_cmpint (wh_record_get_int (a2, "correct"), ==, 7);
    g_assert_true (wh_record_equal (a1, a2));
    g_assert_true (wh_record_equal (a1, a3));
    g_assert_true (wh_record_get_bool (a1, "timed"));
    g_assert_cmpuint (attempts->len, ==, 1);
    assert_error (bad, 400, "bad_request");
    assert_error (mismatch, 400, "bad_request");
  }

  /* Bookmarks: put, replay, delete (twice is fine). */
  {
    const char *b = "{\"job_id\": 12, \"applied\": false, \"updated_at\": \"2026-11-20T08:00:00+08:00\"}";
    const char *b2 = "{\"job_id\": 12, \"applied\": true, \"updated_at\": \"2026-11-20T09:00:00+08:00\"}";
    g_autoptr(Response) r1 = authed (session, ts, "PUT", "bookmarks/12", token, b);
    g_autoptr(Response) r2 = authed (session, ts, "PUT", "bookmarks/12", token, b2);
    g_autoptr(Response) r3 = authed (session, ts, "PUT", "bookmarks/12", token, b);
    g_autoptr(WhRecord) got = parse_doc (&wh_collection_bookmarks, r3);
    g_autoptr(Response) list = authed (session, ts, "GET", "bookmarks", token, NULL);
    g_autoptr(GPtrArray) marks = wh_record_list_parse (&wh_collection_bookmarks, "bookmarks",
                                                       list->body, list->length, NULL);
    g_autoptr(Response) d1 = authed (session, ts, "DELETE", "bookmarks/12", token, NULL);
    g_autoptr(Response) d2 = authed (session, ts, "DELETE", "bookmarks/12", token, NULL);
    g_autoptr(Response) list2 = authed (session, ts, "GET", "bookmarks", token, NULL);
    g_autoptr(GPtrArray) marks2 = wh_record_list_parse (&wh_collection_bookmarks, "bookmarks",
                                                        list2->body, list2->length, NULL);

    g_assert_cmpuint (r1->status, ==, 200);
    g_assert_cmpuint (r2->status, ==, 200);
    g_assert_true (wh_record_get_bool (got, "applied"));
    g_assert_cmpuint (marks->len, ==, 1);
    g_assert_cmpuint (d1->status, ==, 204);
    g_assert_cmpuint (d2->status, ==, 204);
    g_assert_cmpuint (marks2->len, ==, 0);
  }

  /* Station reports: the first write is kept. */
  {
    const char *s1 = "{\"report_id\": \"r-1\", \"station_id\": 5, \"problem\": \"no_hot_water\","
                     " \"comment\": \"热水器坏了\", \"reported_at\": \"2026-11-20T08:00:00+08:00\"}";
    const char *s2 = "{\"report_id\": \"r-1\", \"station_id\": 5, \"problem\": \"closed\","
                     " \"reported_at\": \"2026-11-20T09:00:00+08:00\"}";
    g_autoptr(Response) r1 = authed (session, ts, "PUT", "station-reports/r-1", token, s1);
    g_autoptr(Response) r2 = authed (session, ts, "PUT", "station-reports/r-1", token, s2);
    g_autoptr(WhRecord) got = parse_doc (&wh_collection_station_reports, r2);
    g_assert_cmpuint (r1->status, ==, 200);
    g_assert_cmpstr (wh_record_get_text (got, "problem"), ==, "no_hot_water");
    g_assert_cmpstr (wh_record_get_text (got, "comment"), ==, "热水器坏了");
  }
}

static char *
report_body (guint n)
{
  return g_strdup_printf ("{\"report_id\": \"anon-%u\", \"station_id\": 5, \"problem\": \"closed\","
                          " \"reported_at\": \"2026-11-20T08:00:00+08:00\"}", n);
}

/* A station report needs no sign-in: with no token it is stored as nobody's
 * (user 0), a replay of it is free, and each client address has a few new
 * ones an hour. A report sent with a token still counts as that worker's. */
static void
test_user_anonymous_reports (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = sign_in (session, ts, "13800138000");
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  wh_test_server_set_auth_limits (ts, "client-reports=3");
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("station-reports/anon-%u", i);
      g_autofree char *url = api_url (ts, path);
      g_autofree char *body = report_body (i);
      g_autoptr(Response) r = request (session, "PUT", url, body, NULL);
      g_autoptr(WhRecord) got = parse_doc (&wh_collection_station_reports, r);

      g_assert_cmpstr (wh_record_get_text (got, "report_id"), ==, path + strlen ("station-reports/"));
    }
  /* The answer to the first was lost: sending it again costs nothing. */
  {
    g_autofree char *url = api_url (ts, "station-reports/anon-1");
    g_autofree char *body = report_body (1);
    g_autoptr(Response) r = request (session, "PUT", url, body, NULL);

    g_assert_cmpuint (r->status, ==, 200);
  }
  /* A fourth new one from this address this hour: come back later. */
  {
    g_autofree char *url = api_url (ts, "station-reports/anon-4");
    g_autofree char *body = report_body (4);
    g_autoptr(Response) r = request (session, "PUT", url, body, NULL);

    assert_error (r, 429, "too_many_requests");
    g_assert_nonnull (soup_message_headers_get_one (r->headers, "Retry-After"));
  }
  /* Signed in, still taken, as the worker's. */
  {
    g_autofree char *body = report_body (5);
    g_autoptr(Response) r = authed (session, ts, "PUT", "station-reports/anon-5", token, body);

    g_assert_cmpuint (r->status, ==, 200);
  }
  /* A bad token is refused, not taken as anonymous. */
  {
    g_autofree char *body = report_body (6);
    g_autoptr(Response) r = authed (session, ts, "PUT", "station-reports/anon-6", "bogus", body);

    assert_error (r, 401, "unauthorized");
  }

  db = wh_server_db_open (wh_test_server_get_db_path (ts), NULL);
  g_assert_nonnull (db);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FILTER (WHERE user_id = 0),"
                                           " count(*) FILTER (WHERE user_id <> 0)"
                                           " FROM station_reports", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 3);
  g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/user/progress", test_user_progress);
  g_test_add_func ("/server/user/quiz-bookmarks-reports", test_user_quiz_bookmarks_reports);
  g_test_add_func ("/server/user/question-reviews", test_user_question_reviews);
  g_test_add_func ("/server/user/anonymous-reports", test_user_anonymous_reports);

  return g_test_run ();
}
