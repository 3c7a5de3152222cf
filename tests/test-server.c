/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend over loopback: every rule of data/api/CONTRACT.md
 * that the server enforces, asked of it with real HTTP requests.
 *
 * The areas have files of their own: test-server-feeds.c, -signin.c,
 * -vouchers.c, -user.c (and -auth.c, -http.c, -abuse.c); what is here is
 * the server as a whole: restarts, limits, overload, faults, the demo data. */
#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator.h"
#include "wh-server-db.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* Restarts */

static void
test_restart (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (ts, "jobs/changes");
  g_autoptr(GError) error = NULL;
  guint port = wh_test_server_get_port (ts);

  put_job (ts, 1, 110105, "电工");
  wh_test_server_stop (ts);
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    g_assert_nonnull (r->error);
  }
  g_assert_true (wh_test_server_restart (ts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wh_test_server_get_port (ts), ==, port);
  {
    g_autoptr(WhPage) page = get_page (session, ts, "jobs", "since=0");
    g_assert_cmpuint (page->records->len, ==, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* Limits, overload and faults */

static void
test_limits_body (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (ts, "auth/code");

  /* Exactly 64 KiB is allowed; one byte more is not. */
  {
    const char *head = "{\"phone\": \"13800138000\", \"pad\": \"";
    g_autoptr(GString) body = g_string_new (head);
    g_autoptr(Response) ok = NULL;
    g_autoptr(Response) big = NULL;

    while (body->len < WH_MAX_REQUEST_BODY - 2)
      g_string_append_c (body, 'x');
    g_string_append (body, "\"}");
    g_assert_cmpuint (body->len, ==, WH_MAX_REQUEST_BODY);
    ok = request (session, "POST", url, body->str, NULL);
    g_assert_cmpuint (ok->status, ==, 200);
    g_string_insert_c (body, strlen (head), 'x');
    big = request (session, "POST", url, body->str, NULL);
    assert_error (big, 413, "payload_too_large");
  }
  /* A much larger body is refused without the server keeping it. */
  {
    g_autofree char *huge = g_strnfill (4 * 1024 * 1024, ' ');
    g_autoptr(Response) r = request (session, "POST", url, huge, NULL);
    assert_error (r, 413, "payload_too_large");
  }
  /* No Content-Length: a chunked body. */
  {
    g_autofree char *reply = NULL;
    guint status = raw_request (ts,
                                "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                "5\r\nhello\r\n0\r\n\r\n", &reply);
    g_assert_cmpuint (status, ==, 411);
    assert_error_text (reply, "length_required");
  }
  /* Bodies that are not JSON objects, or nested too deep, or not strict
   * RFC 8259 JSON, or beyond the contract's ranges (json-glib alone took
   * the last four: an octal 012, a raw tab, -123...123 as 1, "1\u0000"). */
  {
    const char *bad[] = {
      "", "{", "[1,2]", "\"phone\"", "{\"phone\": \"138\xff\"}",
      "{\"phone\": \"13800138000\", \"x\": 012}",
      "{\"phone\": \"13800138000\", \"x\": \"\t\"}",
      "{\"phone\": \"13800138000\", \"x\": -123123123123123123123123123123}",
      "{\"phone\": \"13800138000\", \"x\": \"1\\u0000\"}",
      NULL
    };

    for (guint i = 0; bad[i]; i++)
      {
        g_autoptr(Response) r = request (session, "POST", url, bad[i], NULL);
        g_autofree char *code = NULL;
        g_autofree char *message = NULL;

        assert_error (r, 400, "bad_request");
        g_assert_true (wh_error_body_parse (r->body, r->length, &code, &message));
        g_assert_nonnull (strstr (message, i < 7 ? "JSON" : "±(2^53−1)"));
      }
    {
      g_autoptr(GString) nested = g_string_new ("{\"phone\": ");
      g_autoptr(Response) r = NULL;
      for (guint i = 0; i < 20; i++)
        g_string_append_c (nested, '[');
      for (guint i = 0; i < 20; i++)
        g_string_append_c (nested, ']');
      g_string_append_c (nested, '}');
      r = request (session, "POST", url, nested->str, NULL);
      assert_error (r, 400, "bad_request");
    }
  }
  /* Requests libsoup itself refuses once their headers are read still get
   * a JSON error (one whose request line does not parse cannot). */
  {
    g_autofree char *reply = NULL;
    guint status = raw_request (ts,
                                "GET https://127.0.0.1/api/v1/jobs/changes HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\nConnection: close\r\n\r\n", &reply);
    g_assert_cmpuint (status, ==, 400);
    assert_error_text (reply, "bad_request");
  }
}

static void
test_limits_rate (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (ts, "jobs/changes");
  guint ok = 0, limited = 0;

  wh_test_server_set_rate_limit (ts, 5);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
      if (r->status == 200)
        ok++;
      else
        {
          assert_error (r, 429, "too_many_requests");
          g_assert_cmpint (atoi (soup_message_headers_get_one (r->headers, "Retry-After")), >=, 1);
          limited++;
        }
    }
  /* The bucket starts full (5) and refills at 5 a second, however slow
   * this machine runs the loop. */
  g_assert_cmpuint (ok, >=, 5);
  g_assert_cmpuint (limited, >=, 5);

  wh_test_server_set_rate_limit (ts, 0);
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

typedef struct
{
  WhTestServer *ts;
  guint         status;
  char         *retry_after;
  char         *code;
} Getter;

static gpointer
getter_thread (gpointer user_data)
{
  Getter *g = user_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (g->ts, "jobs/changes");
  g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);

  g_assert_no_error (r->error);
  g->status = r->status;
  g->retry_after = g_strdup (soup_message_headers_get_one (r->headers, "Retry-After"));
  if (r->status >= 400)
    g_assert_true (wh_error_body_parse (r->body, r->length, &g->code, NULL));
  return NULL;
}

static void
set_max_in_flight_cb (WhServer *server,
                      gpointer  user_data)
{
  wh_server_set_max_in_flight (server, GPOINTER_TO_UINT (user_data));
}

static void
test_limits_overload (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  Getter getters[6];
  GThread *threads[6];
  guint ok = 0, unavailable = 0;

  /* Slow answers pile up; past two at a time the server says 503. */
  wh_test_server_run (ts, set_max_in_flight_cb, GUINT_TO_POINTER (2));
  wh_test_server_set_faults (ts, "delay=1,delay_ms=500");
  for (guint i = 0; i < G_N_ELEMENTS (getters); i++)
    {
      getters[i] = (Getter) { ts, 0, NULL, NULL };
      threads[i] = g_thread_new ("getter", getter_thread, &getters[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (getters); i++)
    {
      g_thread_join (threads[i]);
      if (getters[i].status == 200)
        ok++;
      else
        {
          g_assert_cmpuint (getters[i].status, ==, 503);
          g_assert_cmpstr (getters[i].code, ==, "unavailable");
          g_assert_cmpstr (getters[i].retry_after, ==, "1");
          unavailable++;
        }
      g_free (getters[i].retry_after);
      g_free (getters[i].code);
    }
  g_assert_cmpuint (ok, >=, 2);
  g_assert_cmpuint (unavailable, >=, 1);
}

static void
set_faults_expect_error_cb (WhServer *server,
                            gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (wh_server_set_faults (server, user_data, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_faults (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (ts, "jobs/changes?since=0");
  g_autofree char *me_url = api_url (ts, "me");
  const char *bad_specs[] = { "error=2", "bogus=0.5", "delay_ms=x", "drop", "scope=some",
                              "429=-1" };

  put_job (ts, 1, 110105, "电工");
  put_job (ts, 2, 110105, "焊工");

  wh_test_server_set_faults (ts, "error=1");
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    g_autoptr(Response) me = request (session, "GET", me_url, NULL, NULL);
    assert_error (r, 500, "internal");
    /* Other routes are left alone unless scope=all. */
    assert_error (me, 401, "unauthorized");
  }
  wh_test_server_set_faults (ts, "429=1");
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    assert_error (r, 429, "too_many_requests");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, "1");
  }
  wh_test_server_set_faults (ts, "503=1");
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    assert_error (r, 503, "unavailable");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Retry-After"), ==, "1");
  }
  wh_test_server_set_faults (ts, "delay=1,delay_ms=300");
  {
    gint64 start = g_get_monotonic_time ();
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  }
  wh_test_server_set_faults (ts, "drop=1,seed=3");
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
      g_assert_nonnull (r->error);
    }
  wh_test_server_set_faults (ts, "malformed=1,seed=5");
  for (guint i = 0; i < 9; i++)
    {
      g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(WhPage) page = NULL;

      g_assert_cmpuint (r->status, ==, 200);
      page = wh_page_from_json (&wh_collection_jobs, r->body, r->length, &error);
      g_assert_null (page);
      g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_specs); i++)
    wh_test_server_run (ts, set_faults_expect_error_cb, (gpointer) bad_specs[i]);

  /* Faults off: the feed is whole again. */
  wh_test_server_set_faults (ts, "");
  {
    g_autoptr(WhPage) page = get_page (session, ts, "jobs", "since=0");
    g_assert_cmpuint (page->records->len, ==, 2);
  }
}

/* ------------------------------------------------------------------------ */
/* The demo data */

static void
collect_media (WhRecord  *record,
               GPtrArray *media)
{
  const char *fields[] = { "cover", "images", "photos" };

  if (record->deleted)
    return;
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      if (!wh_collection_has_field (record->collection, fields[f]) ||
          !wh_record_is_set (record, fields[f]))
        continue;
      if (g_str_equal (fields[f], "cover"))
        g_ptr_array_add (media, g_strdup (wh_record_get_text (record, fields[f])));
      else
        {
          g_auto(GStrv) paths = wh_record_dup_strv (record, fields[f]);
          for (guint k = 0; paths[k]; k++)
            g_ptr_array_add (media, g_strdup (paths[k]));
        }
    }
}

static void
test_tiny (void)
{
  g_autoptr(GPtrArray) media = NULL;
  g_autoptr(WhTestServer) ts = NULL;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GError) error = NULL;
  guint n;
  const WhCollection * const *all = wh_schema_synced_collections (&n);
  sqlite3 *db;

  if (wh_scale_lookup ("tiny") == NULL)
    {
      g_test_skip ("The demo generator is not built in yet");
      return;
    }
  ts = wh_test_server_start ("tiny", &error);
  g_assert_no_error (error);
  db = wh_server_db_open (wh_test_server_get_db_path (ts), NULL);
  media = g_ptr_array_new_with_free_func (g_free);

  /* Every generated record passes the client's own checks. */
  for (guint i = 0; i < n; i++)
    {
      gint64 since = 0;
      guint total = 0;
      gboolean more = TRUE;
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", all[i]->name);
      sqlite3_stmt *stmt;

      while (more)
        {
          g_autofree char *query = g_strdup_printf ("since=%" G_GINT64_FORMAT "&limit=2000",
                                                    since);
          g_autoptr(WhPage) page = get_page (session, ts, all[i]->name, query);
          total += page->records->len;
          for (guint k = 0; k < page->records->len; k++)
            collect_media (g_ptr_array_index (page->records, k), media);
          since = page->next_since;
          more = page->has_more;
        }
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (total, ==, sqlite3_column_int (stmt, 0));
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);

  /* Every picture a record refers to is served. */
  g_assert_cmpuint (media->len, >, 0);
  for (guint i = 0; i < media->len; i += 1 + media->len / 40)
    {
      g_autofree char *path = g_strconcat ("media/", (char *) g_ptr_array_index (media, i), NULL);
      g_autofree char *url = api_url (ts, path);
      g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                       "image/svg+xml");
    }
}

static gpointer
slow_get_thread (gpointer user_data)
{
  Getter *g = user_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (g->ts, "jobs/changes");
  g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);

  g->status = r->error ? 0 : r->status;
  return NULL;
}

/* A server that dies while it holds a delayed answer: the client sees the
 * connection go, the port is free again at once, and the data is there. */
static void
test_restart_during_delay (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GError) error = NULL;
  Getter getter = { ts, 1, NULL, NULL };
  GThread *thread;
  gint64 start;

  put_job (ts, 1, 110105, "电工");
  wh_test_server_set_faults (ts, "delay=1,delay_ms=5000");
  thread = g_thread_new ("slow", slow_get_thread, &getter);
  g_usleep (300 * 1000);
  start = g_get_monotonic_time ();
  wh_test_server_stop (ts);
  g_thread_join (thread);
  g_assert_cmpuint (getter.status, ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  g_assert_true (wh_test_server_restart (ts, &error));
  g_assert_no_error (error);
  wh_test_server_set_faults (ts, NULL);
  {
    g_autoptr(WhPage) page = get_page (session, ts, "jobs", "since=0");
    g_assert_cmpuint (page->records->len, ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/restart", test_restart);
  g_test_add_func ("/server/restart/during-delay", test_restart_during_delay);
  g_test_add_func ("/server/limits/body", test_limits_body);
  g_test_add_func ("/server/limits/rate", test_limits_rate);
  g_test_add_func ("/server/limits/overload", test_limits_overload);
  g_test_add_func ("/server/faults/each-kind", test_faults);
  g_test_add_func ("/server/demo-data/tiny", test_tiny);

  return g_test_run ();
}
