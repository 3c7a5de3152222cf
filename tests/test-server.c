/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend over loopback: every rule of data/api/CONTRACT.md
 * that the server enforces, asked of it with real HTTP requests. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wh-codec.h"
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

  return g_test_run ();
}
