/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend over loopback: every rule of data/api/CONTRACT.md
 * that the server enforces, asked of it with real HTTP requests. */
#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator.h"
#include "wh-server-db.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* HTTP helpers */

typedef struct
{
  guint               status;
  char               *body;   /* NUL-terminated copy */
  gsize               length;
  SoupMessageHeaders *headers;
  GError             *error;  /* transport error, status 0 */
} Response;

static void
response_free (Response *r)
{
  if (r == NULL)
    return;
  g_free (r->body);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_error (&r->error);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", 30, "max-conns", 64, "max-conns-per-host", 64,
                                        NULL);
}

/* headers: name, value, ..., NULL. body NULL sends none. */
static Response *
request_full (SoupSession  *session,
              const char   *method,
              const char   *url,
              const char   *body,
              gsize         body_len,
              va_list       headers)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  Response *r = g_new0 (Response, 1);
  const char *name;

  g_assert_nonnull (msg);
  while ((name = va_arg (headers, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                  va_arg (headers, const char *));
  if (body != NULL)
    {
      g_autoptr(GBytes) request_body = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &r->error);
  r->status = soup_message_get_status (msg);
  if (bytes != NULL)
    {
      r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      r->length = g_bytes_get_size (bytes);
    }
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return r;
}

static Response *
request (SoupSession *session,
         const char  *method,
         const char  *url,
         const char  *body,
         ...)
{
  va_list ap;
  Response *r;

  va_start (ap, body);
  r = request_full (session, method, url, body, body ? strlen (body) : 0, ap);
  va_end (ap);
  return r;
}

static char *
api_url (WhTestServer *ts,
         const char   *path)
{
  return g_strconcat (wh_test_server_get_url (ts), "/api/v1/", path, NULL);
}

/* Every non-2xx response (but 304) carries {"error": {"code", "message"}}. */
static void
assert_error (Response   *r,
              guint       status,
              const char *code)
{
  g_autofree char *got_code = NULL;
  g_autofree char *message = NULL;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                   "application/json");
  g_assert_true (wh_error_body_parse (r->body, r->length, &got_code, &message));
  g_assert_cmpstr (got_code, ==, code);
  g_assert_cmpuint (strlen (message), >, 0);
}

static JsonNode *
parse_json (Response *r)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = wh_json_parse_bounded (r->body, r->length, 8 * 1024 * 1024, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return root;
}

/* ------------------------------------------------------------------------ */
/* Records */

static WhRecord *
make_job (gint64  id,
          gint64  adcode,
          const char *title)
{
  WhRecord *r = wh_record_new (&wh_collection_jobs);

  r->id = id;
  wh_record_set_text (r, "title", title);
  wh_record_set_int (r, "employer_id", 1);
  wh_record_set_text (r, "employer_name", "北京城建集团");
  wh_record_set_text (r, "category", "电工");
  wh_record_set_int (r, "province_adcode", adcode / 10000 * 10000);
  wh_record_set_int (r, "city_adcode", adcode / 100 * 100);
  wh_record_set_int (r, "adcode", adcode);
  wh_record_set_int (r, "salary_min", 6000);
  wh_record_set_int (r, "salary_max", 9000);
  wh_record_set_text (r, "salary_period", "month");
  wh_record_set_text (r, "settlement", "monthly");
  wh_record_set_text (r, "posted_at", "2026-11-01");
  return r;
}

static void
put_job (WhTestServer *ts,
         gint64        id,
         gint64        adcode,
         const char   *title)
{
  g_autoptr(WhRecord) r = make_job (id, adcode, title);

  wh_test_server_put_record (ts, r);
}

static WhPage *
get_page (SoupSession  *session,
          WhTestServer *ts,
          const char   *collection,
          const char   *query)
{
  g_autofree char *path = g_strdup_printf ("%s/changes?%s", collection, query);
  g_autofree char *url = api_url (ts, path);
  g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
  g_autoptr(GError) error = NULL;
  WhPage *page;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "ETag"));
  page = wh_page_from_json (wh_schema_lookup (collection), r->body, r->length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->n_rejected, ==, 0);
  return page;
}

static WhTestServer *
start_empty (void)
{
  g_autoptr(GError) error = NULL;
  WhTestServer *ts = wh_test_server_start (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ts);
  return ts;
}

/* ------------------------------------------------------------------------ */
/* Changes feeds */

static void
test_changes_empty (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  guint n;
  const WhCollection * const *all = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WhPage) page = get_page (session, ts, all[i]->name, "since=0");

      g_assert_cmpuint (page->records->len, ==, 0);
      g_assert_false (page->has_more);
      g_assert_cmpint (page->next_since, ==, page->server_rev);
    }
}

static void
test_changes_paging (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  gint64 since = 0, previous_rev = 0;
  guint pages = 0, total = 0;
  gboolean more = TRUE;

  for (gint64 id = 1; id <= 25; id++)
    {
      g_autofree char *title = g_strdup_printf ("电工 %" G_GINT64_FORMAT, id);
      put_job (ts, id, 110105, title);
    }

  while (more)
    {
      g_autofree char *query = g_strdup_printf ("since=%" G_GINT64_FORMAT "&limit=10%s", since,
                                                pages == 0 ? "&count=1" : "");
      g_autoptr(WhPage) page = get_page (session, ts, "jobs", query);

      if (pages == 0)
        g_assert_cmpint (page->remaining, ==, 15);
      else
        g_assert_cmpint (page->remaining, ==, -1);
      for (guint i = 0; i < page->records->len; i++)
        {
          WhRecord *r = g_ptr_array_index (page->records, i);
          g_assert_cmpint (r->rev, >, previous_rev);
          previous_rev = r->rev;
        }
      total += page->records->len;
      g_assert_cmpuint (page->records->len, ==, pages < 2 ? 10 : 5);
      g_assert_cmpint (page->server_rev, ==, 25);
      since = page->next_since;
      more = page->has_more;
      pages++;
    }
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (total, ==, 25);
  g_assert_cmpint (since, ==, 25);

  /* Past the end: an empty page whose cursor is server_rev. */
  {
    g_autoptr(WhPage) page = get_page (session, ts, "jobs", "since=25&count=1");
    g_assert_cmpuint (page->records->len, ==, 0);
    g_assert_cmpint (page->next_since, ==, 25);
    g_assert_cmpint (page->remaining, ==, 0);
    g_assert_false (page->has_more);
  }
  /* A page exactly as long as what is left says there is no more. */
  {
    g_autoptr(WhPage) page = get_page (session, ts, "jobs", "since=15&limit=10");
    g_assert_cmpuint (page->records->len, ==, 10);
    g_assert_false (page->has_more);
  }
}

static void
test_changes_tombstones (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(WhPage) first = NULL;
  g_autoptr(WhPage) after = NULL;
  g_autoptr(WhPage) regional = NULL;
  WhRecord *tomb;

  put_job (ts, 1, 110105, "电工");
  put_job (ts, 2, 310115, "焊工");
  put_job (ts, 3, 110105, "保洁");
  first = get_page (session, ts, "jobs", "since=0");
  g_assert_cmpuint (first->records->len, ==, 3);

  wh_test_server_delete_record (ts, &wh_collection_jobs, 1);
  after = get_page (session, ts, "jobs", "since=3");
  g_assert_cmpuint (after->records->len, ==, 1);
  tomb = g_ptr_array_index (after->records, 0);
  g_assert_true (tomb->deleted);
  g_assert_cmpint (tomb->id, ==, 1);
  g_assert_cmpint (tomb->rev, ==, 4);

  /* A region-filtered feed still delivers the deletion, and only once. */
  regional = get_page (session, ts, "jobs", "since=0&region=110000");
  g_assert_cmpuint (regional->records->len, ==, 2);
  tomb = g_ptr_array_index (regional->records, 1);
  g_assert_cmpint (tomb->id, ==, 1);
  g_assert_true (tomb->deleted);
  g_assert_cmpint (((WhRecord *) g_ptr_array_index (regional->records, 0))->id, ==, 3);
}

static void
test_changes_etag (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *url = api_url (ts, "jobs/changes?since=0&limit=100");
  g_autofree char *other_url = api_url (ts, "jobs/changes?since=0&limit=99");
  g_autoptr(Response) r1 = NULL;
  g_autoptr(Response) r2 = NULL;
  g_autoptr(Response) r3 = NULL;
  g_autoptr(Response) r4 = NULL;
  g_autoptr(Response) r5 = NULL;
  g_autoptr(Response) r6 = NULL;
  g_autoptr(WhRecord) station = wh_record_new (&wh_collection_stations);
  g_autofree char *etag = NULL;

  put_job (ts, 1, 110105, "电工");
  r1 = request (session, "GET", url, NULL, NULL);
  g_assert_cmpuint (r1->status, ==, 200);
  etag = g_strdup (soup_message_headers_get_one (r1->headers, "ETag"));
  g_assert_nonnull (etag);
  g_assert_true (etag[0] == '"');

  r2 = request (session, "GET", url, NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (r2->status, ==, 304);
  g_assert_cmpuint (r2->length, ==, 0);
  g_assert_cmpstr (soup_message_headers_get_one (r2->headers, "ETag"), ==, etag);

  /* Another query is another representation. */
  r3 = request (session, "GET", other_url, NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (r3->status, ==, 200);

  /* A write to another collection leaves this one's tag alone... */
  station->id = 1;
  wh_record_set_text (station, "name", "望京驿站");
  wh_record_set_text (station, "address", "望京街 8 号");
  wh_record_set_real (station, "lat", 39.99);
  wh_record_set_real (station, "lon", 116.47);
  wh_record_set_text (station, "status", "open");
  wh_test_server_put_record (ts, station);
  r4 = request (session, "GET", url, NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (r4->status, ==, 304);

  /* ...and a write to this one changes it. */
  put_job (ts, 2, 110105, "焊工");
  r5 = request (session, "GET", url, NULL, "If-None-Match", etag, NULL);
  g_assert_cmpuint (r5->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (r5->headers, "ETag"), !=, etag);
  /* A list of tags matches when one does. */
  {
    g_autofree char *list = g_strdup_printf ("\"nope\", %s",
                                             soup_message_headers_get_one (r5->headers, "ETag"));
    r6 = request (session, "GET", url, NULL, "If-None-Match", list, NULL);
    g_assert_cmpuint (r6->status, ==, 304);
  }
}

static void
test_changes_region (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  struct { const char *region; guint expected; } cases[] = {
    { "110000", 3 }, /* Beijing */
    { "110100", 3 }, /* its city */
    { "110105", 2 }, /* Chaoyang */
    { "110108", 1 }, /* Haidian */
    { "310000", 1 }, /* Shanghai */
    { "440300", 0 }, /* Shenzhen */
  };

  put_job (ts, 1, 110105, "电工");
  put_job (ts, 2, 110108, "焊工");
  put_job (ts, 3, 310115, "保洁");
  put_job (ts, 4, 110105, "快递");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *query = g_strdup_printf ("region=%s&count=1&limit=1", cases[i].region);
      g_autoptr(WhPage) page = get_page (session, ts, "jobs", query);

      g_assert_cmpuint (page->records->len, ==, MIN (cases[i].expected, 1));
      g_assert_cmpint (page->remaining, ==, cases[i].expected ? cases[i].expected - 1 : 0);
      g_assert_true (page->has_more == (cases[i].expected > 1));
    }

  /* Not a region code, or a collection without a region filter. */
  {
    const char *bad[] = { "jobs/changes?region=11010", "jobs/changes?region=abcdef",
                          "jobs/changes?region=011000", "jobs/changes?region=1101050",
                          "courses/changes?region=110000" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *url = api_url (ts, bad[i]);
        g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
        assert_error (r, 400, "bad_request");
      }
  }
}

static void
test_changes_params (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  const char *bad[] = { "limit=0", "limit=2001", "limit=abc", "limit=-5", "limit=",
                        "since=-1", "since=x", "since=1e3", "count=2",
                        "limit=99999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("jobs/changes?%s", bad[i]);
      g_autofree char *url = api_url (ts, path);
      g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
      assert_error (r, 400, "bad_request");
    }
  /* The bounds themselves are fine. */
  {
    g_autoptr(WhPage) a = get_page (session, ts, "jobs", "limit=1");
    g_autoptr(WhPage) b = get_page (session, ts, "jobs", "limit=2000");
    g_autoptr(WhPage) c = get_page (session, ts, "jobs", "");
    g_assert_nonnull (a);
    g_assert_nonnull (b);
    g_assert_nonnull (c);
  }
  /* No such collection, a document that has no feed, no such route. */
  {
    const char *missing[] = { "nothing/changes", "vouchers/changes", "me/changes",
                              "jobs", "jobs/changes/extra", "", "jobs//changes" };
    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autofree char *url = api_url (ts, missing[i]);
        g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
        assert_error (r, 404, "not_found");
      }
  }
  {
    g_autofree char *url = g_strconcat (wh_test_server_get_url (ts), "/index.html", NULL);
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    assert_error (r, 404, "not_found");
  }
  /* A wrong method on a known route. */
  {
    g_autofree char *url = api_url (ts, "jobs/changes");
    g_autoptr(Response) r = request (session, "DELETE", url, NULL, NULL);
    assert_error (r, 405, "method_not_allowed");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Allow"), ==, "GET");
  }
}

/* A writer on its own connection, as another server process would be,
 * inserts, updates and deletes while the test pages through the feed. */
typedef struct
{
  const char *db_path;
  guint       n_writes;
  gint        done;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = wh_server_db_open (w->db_path, &error);
  GRand *rand = g_rand_new_with_seed (42);

  g_assert_no_error (error);
  for (guint i = 0; i < w->n_writes; i++)
    {
      gint64 id = g_rand_int_range (rand, 1, 400);
      g_autofree char *title = g_strdup_printf ("岗位 %u", i);
      g_autoptr(WhRecord) r = make_job (id, 110105, title);
      gint64 rev;

      g_assert_true (wh_server_db_exec (db, "BEGIN IMMEDIATE;", &error));
      rev = wh_server_db_next_rev (db, &error);
      g_assert_cmpint (rev, >, 0);
      if (g_rand_int_range (rand, 0, 10) == 0)
        r->deleted = TRUE;
      g_assert_true (wh_server_db_write_record (db, r, rev, &error));
      g_assert_true (wh_server_db_exec (db, "COMMIT;", &error));
      if (i % 16 == 0)
        g_usleep (500);
    }
  g_rand_free (rand);
  sqlite3_close (db);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

static void
test_changes_concurrent (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                      (GDestroyNotify) wh_record_free);
  g_autoptr(GHashTable) pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Writer w = { wh_test_server_get_db_path (ts), 3000, 0 };
  GThread *thread;
  gint64 since = 0, previous_rev = 0;
  guint pages = 0;
  gboolean more = TRUE, writer_done = FALSE;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  guint n_rows = 0;

  for (gint64 id = 1; id <= 200; id++)
    put_job (ts, id, 110105, "初始");

  thread = g_thread_new ("writer", writer_thread, &w);
  /* Page until the writer has finished and a pass reaches the end. */
  while (more || !writer_done)
    {
      g_autofree char *query = NULL;
      g_autoptr(WhPage) page = NULL;

      writer_done = g_atomic_int_get (&w.done);
      query = g_strdup_printf ("since=%" G_GINT64_FORMAT "&limit=7", since);
      page = get_page (session, ts, "jobs", query);
      for (guint i = 0; i < page->records->len; i++)
        {
          WhRecord *r = g_ptr_array_index (page->records, i);
          g_autofree char *pair = g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                                                   r->id, r->rev);
          gint64 *key = g_new (gint64, 1);

          /* Never the same change twice, always in rev order. */
          g_assert_true (g_hash_table_add (pairs, g_steal_pointer (&pair)));
          g_assert_cmpint (r->rev, >, previous_rev);
          previous_rev = r->rev;
          *key = r->id;
          g_hash_table_replace (seen, key, wh_record_copy (r));
        }
      since = page->next_since;
      more = page->has_more;
      pages++;
    }
  g_thread_join (thread);
  g_assert_cmpuint (pages, >, 30);

  /* The final state of every record arrived: the union equals the table. */
  db = wh_server_db_open (wh_test_server_get_db_path (ts), NULL);
  g_assert_nonnull (db);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id, rev, deleted FROM jobs", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      WhRecord *r = g_hash_table_lookup (seen, &id);

      g_assert_nonnull (r);
      g_assert_cmpint (r->rev, ==, sqlite3_column_int64 (stmt, 1));
      g_assert_cmpint (r->deleted, ==, sqlite3_column_int (stmt, 2));
      n_rows++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (n_rows, ==, g_hash_table_size (seen));
}

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
/* Sign-in */

/* 2026-11-20 12:00:00 in China Standard Time: inside a lunch window. */
static gint64
cst_time_us (int day,
             int hour,
             int minute)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) dt = g_date_time_new (cst, 2026, 11, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static char *
json_string_member (Response   *r,
                    const char *name)
{
  g_autoptr(JsonNode) root = parse_json (r);
  const char *value = json_object_get_string_member_with_default (json_node_get_object (root),
                                                                  name, NULL);
  g_assert_nonnull (value);
  return g_strdup (value);
}

static Response *
post_json (SoupSession  *session,
           WhTestServer *ts,
           const char   *path,
           const char   *body)
{
  g_autofree char *url = api_url (ts, path);
  return request (session, "POST", url, body, NULL);
}

/* Signs in with the demo code and returns the bearer token. */
static char *
sign_in (SoupSession  *session,
         WhTestServer *ts,
         const char   *phone)
{
  g_autofree char *body = g_strdup_printf ("{\"phone\":\"%s\",\"code\":\"%s\"}", phone,
                                           WH_TEST_SERVER_DEMO_CODE);
  g_autoptr(Response) r = post_json (session, ts, "auth/login", body);

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  return json_string_member (r, "token");
}

static Response *
authed (SoupSession  *session,
        WhTestServer *ts,
        const char   *method,
        const char   *path,
        const char   *token,
        const char   *body)
{
  g_autofree char *url = api_url (ts, path);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

  return request (session, method, url, body, "Authorization", bearer, NULL);
}

static void
test_auth_code_login (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) sent = NULL;
  g_autoptr(Response) again = NULL;
  g_autoptr(Response) login = NULL;
  g_autoptr(Response) reuse = NULL;
  g_autoptr(Response) me = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WhRecord) me_record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  g_autofree char *token = NULL;
  JsonObject *object;

  wh_test_server_set_time (ts, cst_time_us (20, 9, 0));
  sent = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
  g_assert_cmpuint (sent->status, ==, 200);
  root = parse_json (sent);
  object = json_node_get_object (root);
  g_assert_true (json_object_get_boolean_member (object, "sent"));
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (object, "resend_after"), ==, 60);

  /* Another code within a minute is refused, with when to ask again. */
  wh_test_server_advance (ts, 20);
  again = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
  assert_error (again, 429, "too_many_requests");
  g_assert_cmpstr (soup_message_headers_get_one (again->headers, "Retry-After"), ==, "40");

  code = wh_test_server_get_last_code (ts, "13800138000");
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  body = g_strdup_printf ("{\"phone\": \"13800138000\", \"code\": \"%s\"}", code);
  login = post_json (session, ts, "auth/login", body);
  g_assert_cmpuint (login->status, ==, 200);
  token = json_string_member (login, "token");
  g_assert_cmpuint (strlen (token), ==, 43); /* 32 bytes, base64url without padding */
  {
    g_autofree char *expires = json_string_member (login, "expires_at");
    g_assert_cmpstr (expires, ==, "2026-12-20T09:00:20+08:00");
  }

  /* One time only. */
  reuse = post_json (session, ts, "auth/login", body);
  assert_error (reuse, 401, "invalid_code");

  me = authed (session, ts, "GET", "me", token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  me_record = wh_record_parse (&wh_collection_me, me->body, me->length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (me_record, "phone"), ==, "13800138000");
  g_assert_true (wh_record_get_bool (me_record, "eligible"));
  g_assert_cmpstr (wh_record_get_text (me_record, "token_expires_at"), ==,
                   "2026-12-20T09:00:20+08:00");

  /* A resend is fine after the minute. */
  wh_test_server_advance (ts, 41);
  {
    g_autoptr(Response) later = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
    g_assert_cmpuint (later->status, ==, 200);
  }

  /* Malformed requests. */
  {
    const char *bad_code[] = { "{\"phone\": \"23800138000\"}", "{\"phone\": \"1380013800\"}",
                               "{\"phone\": 13800138000}", "{\"phone\": \"1380013800a\"}",
                               "{}", "[]", "not json", "{\"phone\": \"138001380001\"}" };
    for (guint i = 0; i < G_N_ELEMENTS (bad_code); i++)
      {
        g_autoptr(Response) r = post_json (session, ts, "auth/code", bad_code[i]);
        assert_error (r, 400, "bad_request");
      }
  }
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login", "{\"phone\": \"13800138000\"}");
    assert_error (r, 400, "bad_request");
  }
}

static void
test_auth_attempts (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) sent = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
  g_autofree char *code = wh_test_server_get_last_code (ts, "13912345670");
  g_autofree char *right = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}", code);
  g_autofree char *wrong_code = g_strdup_printf ("%06d", (atoi (code) + 1) % 1000000);
  g_autofree char *wrong = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                            wrong_code);

  g_assert_cmpuint (sent->status, ==, 200);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Response) r = post_json (session, ts, "auth/login", wrong);
      assert_error (r, 401, "invalid_code");
    }
  /* The fifth wrong try voided the code: the right one fails now too. */
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login", right);
    assert_error (r, 401, "invalid_code");
  }

  /* Four wrong tries leave the code usable. */
  wh_test_server_advance (ts, 61);
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
    g_autofree char *code2 = wh_test_server_get_last_code (ts, "13912345670");
    g_autofree char *right2 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                               code2);
    g_autofree char *wrong2 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%06d\"}",
                                               (atoi (code2) + 1) % 1000000);
    g_assert_cmpuint (r->status, ==, 200);
    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(Response) w = post_json (session, ts, "auth/login", wrong2);
        assert_error (w, 401, "invalid_code");
      }
    {
      g_autoptr(Response) ok = post_json (session, ts, "auth/login", right2);
      g_assert_cmpuint (ok->status, ==, 200);
    }
  }

  /* A code expires after 300 s. */
  wh_test_server_advance (ts, 61);
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
    g_autofree char *code3 = wh_test_server_get_last_code (ts, "13912345670");
    g_autofree char *right3 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                               code3);
    g_assert_cmpuint (r->status, ==, 200);
    wh_test_server_advance (ts, 301);
    {
      g_autoptr(Response) late = post_json (session, ts, "auth/login", right3);
      assert_error (late, 401, "invalid_code");
    }
  }
  /* No code asked for at all. */
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login",
                                       "{\"phone\": \"13700000000\", \"code\": \"123456\"}");
    assert_error (r, 401, "invalid_code");
  }
}

static void
test_auth_tokens (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;

  wh_test_server_set_time (ts, cst_time_us (20, 9, 0));
  wh_test_server_set_token_ttl (ts, 100);
  token = sign_in (session, ts, "13800000001");
  other = sign_in (session, ts, "13800000001");
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", token, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Missing, malformed and unknown tokens. */
  {
    g_autofree char *url = api_url (ts, "me");
    g_autoptr(Response) none = request (session, "GET", url, NULL, NULL);
    g_autoptr(Response) basic = request (session, "GET", url, NULL, "Authorization",
                                         "Basic dXNlcjpwYXNz", NULL);
    g_autoptr(Response) unknown = authed (session, ts, "GET", "me", "bm90LWEtdG9rZW4", NULL);
    assert_error (none, 401, "unauthorized");
    assert_error (basic, 401, "unauthorized");
    assert_error (unknown, 401, "unauthorized");
  }

  /* Logout voids that token at once, and only that one. */
  {
    g_autoptr(Response) out = authed (session, ts, "POST", "auth/logout", token, NULL);
    g_autoptr(Response) after = authed (session, ts, "GET", "me", token, NULL);
    g_autoptr(Response) still = authed (session, ts, "GET", "me", other, NULL);
    g_autoptr(Response) twice = authed (session, ts, "POST", "auth/logout", token, NULL);
    g_assert_cmpuint (out->status, ==, 204);
    assert_error (after, 401, "unauthorized");
    g_assert_cmpuint (still->status, ==, 200);
    assert_error (twice, 401, "unauthorized");
  }

  /* Expiry. */
  wh_test_server_advance (ts, 99);
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", other, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  wh_test_server_advance (ts, 1);
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", other, NULL);
    assert_error (r, 401, "unauthorized");
  }
}

static void
test_auth_eligibility (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();

  for (int digit = 0; digit <= 9; digit++)
    {
      g_autofree char *phone = g_strdup_printf ("1380000000%d", digit);
      g_autofree char *token = sign_in (session, ts, phone);
      g_autoptr(Response) r = authed (session, ts, "GET", "me", token, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(WhRecord) me = wh_record_parse (&wh_collection_me, r->body, r->length, &error);

      g_assert_no_error (error);
      g_assert_cmpint (wh_record_get_bool (me, "union_member"), ==, digit <= 8);
      g_assert_cmpint (wh_record_get_bool (me, "new_form_worker"), ==, digit <= 7);
      g_assert_cmpint (wh_record_get_bool (me, "eligible"), ==, digit <= 7);
    }
}

/* ------------------------------------------------------------------------ */
/* Vouchers */

#define MERCHANT_A 42
#define MERCHANT_B 43

static void
put_merchant (WhTestServer *ts,
              gint64        id,
              gint64        quota)
{
  static const char * const windows[] = { "11:00-13:30", "17:00-19:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", id == MERCHANT_A ? "老王家常菜 & <小馆>" : "兰州拉面");
  wh_record_set_text (m, "address", "北京市朝阳区望京街 8 号");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
  wh_test_server_put_record (ts, m);
}

static Response *
claim (SoupSession  *session,
       WhTestServer *ts,
       const char   *token,
       const char   *key,
       gint64        merchant_id)
{
  g_autofree char *url = api_url (ts, "vouchers");
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autofree char *body = g_strdup_printf ("{\"merchant_id\": %" G_GINT64_FORMAT "}", merchant_id);

  if (key == NULL)
    return request (session, "POST", url, body, "Authorization", bearer, NULL);
  return request (session, "POST", url, body, "Authorization", bearer, "Idempotency-Key", key,
                  NULL);
}

static WhRecord *
parse_voucher (Response *r)
{
  g_autoptr(GError) error = NULL;
  WhRecord *v = wh_record_parse (&wh_collection_vouchers, r->body, r->length, &error);

  g_assert_no_error (error);
  return v;
}

static Response *
redeem (SoupSession  *session,
        WhTestServer *ts,
        gint64        merchant_id,
        const char   *key,
        const char   *payload)
{
  g_autofree char *path = g_strdup_printf ("merchants/%" G_GINT64_FORMAT "/redeem", merchant_id);
  g_autofree char *url = api_url (ts, path);
  g_autofree char *auth = key ? g_strdup_printf ("Merchant %s", key) : NULL;
  g_autofree char *body = g_strdup_printf ("{\"payload\": \"%s\"}", payload);

  if (auth == NULL)
    return request (session, "POST", url, body, NULL);
  return request (session, "POST", url, body, "Authorization", auth, NULL);
}

static gint64
merchant_remaining (SoupSession  *session,
                    WhTestServer *ts,
                    gint64        id)
{
  g_autoptr(WhPage) page = get_page (session, ts, "merchants", "since=0");

  for (guint i = 0; i < page->records->len; i++)
    {
      WhRecord *m = g_ptr_array_index (page->records, i);
      if (m->id == id)
        return wh_record_get_int (m, "remaining_today");
    }
  g_assert_not_reached ();
}

static void
test_voucher_claim (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) retry = NULL;
  g_autoptr(WhRecord) v = NULL;
  g_autoptr(WhRecord) v2 = NULL;
  g_auto(GStrv) parts = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  put_merchant (ts, MERCHANT_B, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");

  first = claim (session, ts, token, "claim-1", MERCHANT_A);
  g_assert_cmpuint (first->status, ==, 201);
  v = parse_voucher (first);
  g_assert_cmpstr (wh_record_get_text (v, "status"), ==, "unused");
  g_assert_cmpstr (wh_record_get_text (v, "day"), ==, "2026-11-20");
  g_assert_cmpstr (wh_record_get_text (v, "valid_until"), ==, "2026-11-20T23:59:59+08:00");
  g_assert_cmpstr (wh_record_get_text (v, "claimed_at"), ==, "2026-11-20T12:00:00+08:00");
  g_assert_cmpstr (wh_record_get_text (v, "merchant_name"), ==, "老王家常菜 & <小馆>");
  g_assert_cmpint (wh_record_get_int (v, "merchant_id"), ==, MERCHANT_A);
  g_assert_cmpuint (strlen (wh_record_get_text (v, "voucher_id")), ==, 32);
  g_assert_cmpuint (strlen (wh_record_get_text (v, "code")), ==, 12);
  parts = g_strsplit (wh_record_get_text (v, "payload"), ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 6);
  g_assert_cmpstr (parts[0], ==, "WH1");
  g_assert_cmpstr (parts[1], ==, wh_record_get_text (v, "voucher_id"));
  g_assert_cmpstr (parts[2], ==, "42");
  g_assert_cmpstr (parts[3], ==, "20261120");
  g_assert_cmpstr (parts[4], ==, wh_record_get_text (v, "code"));
  g_assert_cmpuint (strlen (parts[5]), ==, 43);
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);

  /* A retry with the same key is the same voucher, not a second one. */
  retry = claim (session, ts, token, "claim-1", MERCHANT_A);
  g_assert_cmpuint (retry->status, ==, 201);
  v2 = parse_voucher (retry);
  g_assert_true (wh_record_equal (v, v2));
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);
  /* The same request with other spacing is still the same request. */
  {
    g_autofree char *url = api_url (ts, "vouchers");
    g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
    g_autoptr(Response) r = request (session, "POST", url, "{ \"merchant_id\" :42 }",
                                     "Authorization", bearer, "Idempotency-Key", "claim-1", NULL);
    g_assert_cmpuint (r->status, ==, 201);
  }

  /* The same key with another body is refused. */
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-1", MERCHANT_B);
    assert_error (r, 422, "idempotency_key_reused");
  }
  /* A new key the same day: one voucher a day. */
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-2", MERCHANT_B);
    assert_error (r, 409, "already_claimed_today");
    g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_B), ==, 10);
  }
  /* Keys: required, and of the allowed form. */
  {
    g_autoptr(Response) none = claim (session, ts, token, NULL, MERCHANT_A);
    g_autofree char *long_key = g_strnfill (65, 'k');
    g_autoptr(Response) too_long = claim (session, ts, token, long_key, MERCHANT_A);
    g_autoptr(Response) bad_chars = claim (session, ts, token, "key with spaces", MERCHANT_A);
    g_autofree char *max_key = g_strnfill (64, 'k');
    g_autoptr(Response) longest = claim (session, ts, token, max_key, MERCHANT_A);
    assert_error (none, 400, "idempotency_key_required");
    assert_error (too_long, 400, "bad_request");
    assert_error (bad_chars, 400, "bad_request");
    assert_error (longest, 409, "already_claimed_today");
  }
  /* Not signed in; a bad body. */
  {
    g_autofree char *url = api_url (ts, "vouchers");
    g_autoptr(Response) anon = request (session, "POST", url, "{\"merchant_id\": 42}",
                                        "Idempotency-Key", "k", NULL);
    g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
    g_autoptr(Response) bad = request (session, "POST", url, "{\"merchant_id\": \"42\"}",
                                       "Authorization", bearer, "Idempotency-Key", "k2", NULL);
    assert_error (anon, 401, "unauthorized");
    assert_error (bad, 400, "bad_request");
  }

  /* GET /vouchers lists it. */
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vouchers = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                          list->body, list->length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vouchers->len, ==, 1);
    g_assert_true (wh_record_equal (g_ptr_array_index (vouchers, 0), v));
  }

  /* Tomorrow is another day. */
  wh_test_server_set_time (ts, cst_time_us (21, 11, 30));
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-3", MERCHANT_B);
    g_assert_cmpuint (r->status, ==, 201);
  }
}

static void
test_voucher_rules (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *not_verified = NULL;
  g_autofree char *neither = NULL;
  g_autofree char *worker = NULL;
  g_autofree char *worker2 = NULL;
  struct { int hour, minute; gboolean open; } times[] = {
    { 10, 59, FALSE }, { 11, 0, TRUE }, { 13, 29, TRUE }, { 13, 30, FALSE },
    { 15, 0, FALSE }, { 17, 30, TRUE }, { 19, 0, FALSE }, { 2, 0, FALSE },
  };

  put_merchant (ts, MERCHANT_A, 1);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  not_verified = sign_in (session, ts, "13800138008");
  neither = sign_in (session, ts, "13800138009");
  worker = sign_in (session, ts, "13800138001");
  worker2 = sign_in (session, ts, "13800138002");

  {
    g_autoptr(Response) a = claim (session, ts, not_verified, "k", MERCHANT_A);
    g_autoptr(Response) b = claim (session, ts, neither, "k", MERCHANT_A);
    g_autoptr(Response) c = claim (session, ts, worker, "k", 999);
    assert_error (a, 403, "not_eligible");
    assert_error (b, 403, "not_eligible");
    assert_error (c, 404, "not_found");
  }

  /* Serving windows: start included, end excluded, in China Standard Time. */
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *key = g_strdup_printf ("window-%u", i);
      g_autoptr(Response) r = NULL;

      wh_test_server_set_time (ts, cst_time_us (20 + (int) i, times[i].hour, times[i].minute));
      r = claim (session, ts, worker, key, MERCHANT_A);
      if (times[i].open)
        g_assert_cmpuint (r->status, ==, 201);
      else
        assert_error (r, 409, "outside_serving_window");
    }

  /* A refusal is the first answer to its key too, and is replayed. */
  wh_test_server_set_time (ts, cst_time_us (29, 12, 0));
  {
    g_autoptr(Response) ok = claim (session, ts, worker, "day29", MERCHANT_A);
    g_autoptr(Response) exhausted = claim (session, ts, worker2, "day29", MERCHANT_A);
    g_assert_cmpuint (ok->status, ==, 201);
    assert_error (exhausted, 409, "quota_exhausted");
    g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 0);
  }
}

typedef struct
{
  WhTestServer *ts;
  char         *token;
  guint         status;
  char         *code;
  GMutex       *lock;
  GCond        *cond;
  gboolean     *go;
} Claimer;

static gpointer
claimer_thread (gpointer user_data)
{
  Claimer *c = user_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) r = NULL;

  /* Everyone starts at once. */
  g_mutex_lock (c->lock);
  while (!*c->go)
    g_cond_wait (c->cond, c->lock);
  g_mutex_unlock (c->lock);

  r = claim (session, c->ts, c->token, "same-key-everywhere", MERCHANT_A);
  g_assert_no_error (r->error);
  c->status = r->status;
  if (r->status >= 400)
    g_assert_true (wh_error_body_parse (r->body, r->length, &c->code, NULL));
  return NULL;
}

static void
test_voucher_concurrent_quota (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  Claimer claimers[50];
  GThread *threads[50];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, exhausted = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  put_merchant (ts, MERCHANT_A, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  for (guint i = 0; i < G_N_ELEMENTS (claimers); i++)
    {
      /* Last digit 0-7: every one of them is eligible. */
      g_autofree char *phone = g_strdup_printf ("1390000%03u%u", i, i % 8);
      claimers[i] = (Claimer) { ts, sign_in (session, ts, phone), 0, NULL, &lock, &cond, &go };
      threads[i] = g_thread_new ("claimer", claimer_thread, &claimers[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);

  for (guint i = 0; i < G_N_ELEMENTS (claimers); i++)
    {
      g_thread_join (threads[i]);
      if (claimers[i].status == 201)
        created++;
      else
        {
          g_assert_cmpuint (claimers[i].status, ==, 409);
          g_assert_cmpstr (claimers[i].code, ==, "quota_exhausted");
          exhausted++;
        }
      g_free (claimers[i].token);
      g_free (claimers[i].code);
    }
  g_assert_cmpuint (created, ==, 10);
  g_assert_cmpuint (exhausted, ==, 40);
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 0);

  db = wh_server_db_open (wh_test_server_get_db_path (ts), NULL);
  g_assert_nonnull (db);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM vouchers WHERE merchant_id = 42",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 10);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
}

static char *
altered (const char *payload,
         guint       part,
         const char *replacement)
{
  g_auto(GStrv) parts = g_strsplit (payload, ".", -1);

  g_free (parts[part]);
  parts[part] = g_strdup (replacement);
  return g_strjoinv (".", parts);
}

static void
test_voucher_redeem (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;
  g_autoptr(Response) claimed = NULL;
  g_autoptr(WhRecord) v = NULL;
  const char *payload;

  put_merchant (ts, MERCHANT_A, 10);
  put_merchant (ts, MERCHANT_B, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");
  key_a = wh_test_server_merchant_key (ts, MERCHANT_A);
  key_b = wh_test_server_merchant_key (ts, MERCHANT_B);
  g_assert_cmpuint (strlen (key_a), ==, 64);
  g_assert_cmpstr (key_a, !=, key_b);
  claimed = claim (session, ts, token, "k", MERCHANT_A);
  g_assert_cmpuint (claimed->status, ==, 201);
  v = parse_voucher (claimed);
  payload = wh_record_get_text (v, "payload");

  /* Keys. */
  {
    g_autoptr(Response) none = redeem (session, ts, MERCHANT_A, NULL, payload);
    g_autoptr(Response) other = redeem (session, ts, MERCHANT_A, key_b, payload);
    g_autoptr(Response) garbage = redeem (session, ts, MERCHANT_A, "00", payload);
    assert_error (none, 403, "forbidden");
    assert_error (other, 403, "forbidden");
    assert_error (garbage, 403, "forbidden");
  }
  /* Forged and altered payloads. */
  {
    g_autofree char *code = altered (payload, 4, "000000000000");
    g_autofree char *merchant = altered (payload, 2, "43");
    g_autofree char *day = altered (payload, 3, "20261121");
    g_autofree char *vid = altered (payload, 1, "0123456789abcdef0123456789abcdef");
    g_autofree char *sig = altered (payload, 5, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_autofree char *no_sig = altered (payload, 5, "");
    g_autofree char *version = altered (payload, 0, "WH2");
    g_autofree char *truncated = g_strndup (payload, strlen (payload) - 1);
    g_autofree char *extra = g_strconcat (payload, ".x", NULL);
    const char *forged[] = { code, merchant, day, vid, sig, no_sig, version, truncated, extra,
                             "", "WH1", "hello world" };

    for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
      {
        g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, forged[i]);
        assert_error (r, 400, "invalid_voucher");
      }
  }
  /* At another merchant, with that merchant's key. */
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_B, key_b, payload);
    assert_error (r, 409, "wrong_merchant");
  }
  /* Once. */
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, payload);
    g_autoptr(WhRecord) done = NULL;
    g_assert_cmpuint (r->status, ==, 200);
    done = parse_voucher (r);
    g_assert_cmpstr (wh_record_get_text (done, "status"), ==, "redeemed");
    g_assert_cmpstr (wh_record_get_text (done, "redeemed_at"), ==, "2026-11-20T12:00:00+08:00");
    g_assert_cmpstr (wh_record_get_text (done, "voucher_id"), ==,
                     wh_record_get_text (v, "voucher_id"));
  }
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, payload);
    assert_error (r, 409, "already_redeemed");
  }
  /* Malformed bodies. */
  {
    g_autofree char *url = api_url (ts, "merchants/42/redeem");
    g_autofree char *auth = g_strdup_printf ("Merchant %s", key_a);
    g_autoptr(Response) r = request (session, "POST", url, "{\"payload\": 5}", "Authorization",
                                     auth, NULL);
    g_autofree char *url2 = api_url (ts, "merchants/abc/redeem");
    g_autoptr(Response) r2 = request (session, "POST", url2, "{}", NULL);
    assert_error (r, 400, "bad_request");
    assert_error (r2, 404, "not_found");
  }
}

static void
test_voucher_expiry (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *key = NULL;
  g_autoptr(WhRecord) first = NULL;
  g_autoptr(WhRecord) second = NULL;
  g_autoptr(WhRecord) third = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  token = sign_in (session, ts, "13800138000");
  key = wh_test_server_merchant_key (ts, MERCHANT_A);

  /* Day 20: claimed, never redeemed. Day 21: claimed and redeemed. Day 22:
   * claimed, listed the same evening. */
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d20", MERCHANT_A);
    first = parse_voucher (r);
  }
  wh_test_server_set_time (ts, cst_time_us (21, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d21", MERCHANT_A);
    g_autoptr(Response) expired = redeem (session, ts, MERCHANT_A, key,
                                          wh_record_get_text (first, "payload"));
    g_autoptr(Response) ok = NULL;
    second = parse_voucher (r);
    assert_error (expired, 409, "voucher_expired");
    ok = redeem (session, ts, MERCHANT_A, key, wh_record_get_text (second, "payload"));
    g_assert_cmpuint (ok->status, ==, 200);
  }
  wh_test_server_set_time (ts, cst_time_us (22, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d22", MERCHANT_A);
    third = parse_voucher (r);
  }
  /* 23:59:59 is still the voucher's day; a second later it is over. */
  wh_test_server_set_time (ts, cst_time_us (22, 23, 59) + 59 * G_USEC_PER_SEC);
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vs = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                    list->body, list->length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vs->len, ==, 3);
    /* Newest first, each status as of now. */
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "day"), ==, "2026-11-22");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "status"), ==, "unused");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 1), "status"), ==, "redeemed");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 2), "status"), ==, "expired");
  }
  wh_test_server_advance (ts, 1);
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GPtrArray) vs = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                    list->body, list->length, NULL);
    g_autoptr(Response) late = redeem (session, ts, MERCHANT_A, key,
                                       wh_record_get_text (third, "payload"));
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "status"), ==, "expired");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 1), "status"), ==, "redeemed");
    assert_error (late, 409, "voucher_expired");
  }
}

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

/* ------------------------------------------------------------------------ */
/* Limits, overload and faults */

/* Sends bytes as they are, for requests a well-behaved client never makes.
 * Returns the status and sets body to what follows the headers. */
static guint
raw_request (WhTestServer *ts,
             const char   *text,
             char        **body)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  GOutputStream *out;
  GInputStream *in;
  char buf[4096];
  gssize n;
  guint status = 0;
  const char *end;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) wh_test_server_get_port (ts),
                                          NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (reply, buf, n);
  if (sscanf (reply->str, "HTTP/1.%*d %u", &status) != 1)
    status = 0;
  end = strstr (reply->str, "\r\n\r\n");
  if (body)
    *body = g_strdup (end ? end + 4 : "");
  return status;
}

static void
assert_error_text (const char *body,
                   const char *code)
{
  g_autofree char *got = NULL;

  g_assert_true (wh_error_body_parse (body, strlen (body), &got, NULL));
  g_assert_cmpstr (got, ==, code);
}

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

/* A claim whose response is lost after it took effect: the retry with the
 * same key gets the same voucher, and the quota counted one. */
static void
test_faults_lost_claim (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autoptr(Response) lost = NULL;
  g_autoptr(Response) retry = NULL;
  g_autoptr(Response) list = NULL;
  g_autoptr(GPtrArray) vouchers = NULL;
  g_autoptr(WhRecord) v = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");

  wh_test_server_set_faults (ts, "scope=all,drop=1");
  lost = claim (session, ts, token, "lost-1", MERCHANT_A);
  g_assert_nonnull (lost->error);
  wh_test_server_set_faults (ts, NULL);

  retry = claim (session, ts, token, "lost-1", MERCHANT_A);
  g_assert_cmpuint (retry->status, ==, 201);
  v = parse_voucher (retry);
  list = authed (session, ts, "GET", "vouchers", token, NULL);
  vouchers = wh_record_list_parse (&wh_collection_vouchers, "vouchers", list->body, list->length,
                                   NULL);
  g_assert_cmpuint (vouchers->len, ==, 1);
  g_assert_true (wh_record_equal (g_ptr_array_index (vouchers, 0), v));
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);
}

/* ------------------------------------------------------------------------ */
/* Media */

static void
test_media (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(WhRecord) course = wh_record_new (&wh_collection_courses);
  g_autofree char *url = api_url (ts, "media/courses/5.svg");
  g_autofree char *etag = NULL;

  course->id = 5;
  wh_record_set_int (course, "category_id", 1);
  wh_record_set_text (course, "title", "低压电工 <入门> & 安全");
  wh_record_set_text (course, "trade", "电工");
  wh_record_set_text (course, "author", "李师傅");
  wh_record_set_text (course, "cover", "courses/5.svg");
  wh_test_server_put_record (ts, course);

  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
    g_autoptr(Response) again = request (session, "GET", url, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                     "image/svg+xml");
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==,
                     "max-age=86400");
    g_assert_true (g_str_has_prefix (r->body, "<svg "));
    g_assert_nonnull (strstr (r->body, "低压电工 &lt;入门&gt; &amp; 安全"));
    g_assert_cmpuint (r->length, <, 2 * 1024 * 1024);
    /* Deterministic. */
    g_assert_cmpstr (r->body, ==, again->body);
    etag = g_strdup (soup_message_headers_get_one (r->headers, "ETag"));
    g_assert_nonnull (etag);
  }
  {
    g_autoptr(Response) r = request (session, "GET", url, NULL, "If-None-Match", etag, NULL);
    g_assert_cmpuint (r->status, ==, 304);
  }
  /* Paths no record refers to, or of no known form. */
  {
    const char *missing[] = { "media/courses/6.svg", "media/lessons/1-1.svg",
                              "media/courses/5.png", "media/other/5.svg", "media/courses/5" };
    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autofree char *u = api_url (ts, missing[i]);
        g_autoptr(Response) r = request (session, "GET", u, NULL, NULL);
        assert_error (r, 404, "not_found");
      }
  }
  /* Traversal, however it is spelt, sent as is: never an image, always a
   * JSON refusal (GUri on either side may resolve dot segments first). */
  {
    const char *bad[] = { "media/%2e%2e/%2e%2e/etc/passwd", "media/courses%2F..%2F..%2Fsecret",
                          "media/courses/5.svg%00.png", "media/.%2e/courses/5.svg",
                          "media/courses/5.svg%20", "media/../../../../etc/passwd",
                          "media/courses/..%2f5.svg", "media/%2fetc/passwd" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *text = g_strdup_printf ("GET /api/v1/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 "Connection: close\r\n\r\n", bad[i]);
        g_autofree char *reply = NULL;
        guint status = raw_request (ts, text, &reply);

        g_assert_true (status == 400 || status == 404);
        g_assert_true (wh_error_body_parse (reply, strlen (reply), NULL, NULL));
      }
  }
  /* What reaches the media handler undecoded is checked there. */
  {
    g_autofree char *reply = NULL;
    guint status = raw_request (ts,
                                "GET /api/v1/media/courses%2F5.svg HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\nConnection: close\r\n\r\n", &reply);
    g_assert_cmpuint (status, ==, 400);
    assert_error_text (reply, "bad_request");
  }
  {
    g_autofree char *u = api_url (ts, "media/courses/.hidden.svg");
    g_autofree char *u2 = api_url (ts, "media/courses/5.svg%20");
    g_autoptr(Response) r = request (session, "GET", u, NULL, NULL);
    g_autoptr(Response) r2 = request (session, "GET", u2, NULL, NULL);
    assert_error (r, 404, "not_found");
    assert_error (r2, 400, "bad_request");
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

  g_test_add_func ("/server/changes/empty", test_changes_empty);
  g_test_add_func ("/server/changes/paging", test_changes_paging);
  g_test_add_func ("/server/changes/tombstones", test_changes_tombstones);
  g_test_add_func ("/server/changes/etag", test_changes_etag);
  g_test_add_func ("/server/changes/region", test_changes_region);
  g_test_add_func ("/server/changes/params", test_changes_params);
  g_test_add_func ("/server/changes/concurrent-writes", test_changes_concurrent);
  g_test_add_func ("/server/restart", test_restart);
  g_test_add_func ("/server/restart/during-delay", test_restart_during_delay);
  g_test_add_func ("/server/auth/code-login", test_auth_code_login);
  g_test_add_func ("/server/auth/attempts-and-expiry", test_auth_attempts);
  g_test_add_func ("/server/auth/tokens", test_auth_tokens);
  g_test_add_func ("/server/auth/eligibility", test_auth_eligibility);
  g_test_add_func ("/server/vouchers/claim", test_voucher_claim);
  g_test_add_func ("/server/vouchers/rules", test_voucher_rules);
  g_test_add_func ("/server/vouchers/concurrent-quota", test_voucher_concurrent_quota);
  g_test_add_func ("/server/vouchers/redeem", test_voucher_redeem);
  g_test_add_func ("/server/vouchers/expiry", test_voucher_expiry);
  g_test_add_func ("/server/user/progress", test_user_progress);
  g_test_add_func ("/server/user/quiz-bookmarks-reports", test_user_quiz_bookmarks_reports);
  g_test_add_func ("/server/limits/body", test_limits_body);
  g_test_add_func ("/server/limits/rate", test_limits_rate);
  g_test_add_func ("/server/limits/overload", test_limits_overload);
  g_test_add_func ("/server/faults/each-kind", test_faults);
  g_test_add_func ("/server/faults/lost-claim-response", test_faults_lost_claim);
  g_test_add_func ("/server/media", test_media);
  g_test_add_func ("/server/demo-data/tiny", test_tiny);

  return g_test_run ();
}
