/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend's changes feeds and media (src/server/wh-server-feeds.c)
 * over loopback, with real HTTP requests. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-server-db.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"

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

/* A job past its last day to apply goes out as a tombstone, by the
 * server's clock (in China's time): a cache never gets a closed job. */
static void
test_changes_expired (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(WhRecord) closing = make_job (1, 110105, "电工");
  g_autoptr(WhRecord) open = make_job (2, 110105, "焊工");
  g_autoptr(WhPage) before = NULL;
  g_autoptr(WhPage) after = NULL;
  g_autoptr(GDateTime) day = g_date_time_new_utc (2026, 11, 20, 15, 0, 0); /* 23:00 in Beijing */

  wh_record_set_text (closing, "expires_at", "2026-11-20");
  wh_record_set_text (open, "expires_at", "2026-12-31");
  wh_test_server_put_record (ts, closing);
  wh_test_server_put_record (ts, open);
  put_job (ts, 3, 110105, "保洁"); /* no end */

  wh_test_server_set_time (ts, g_date_time_to_unix (day) * G_USEC_PER_SEC);
  before = get_page (session, ts, "jobs", "since=0");
  g_assert_cmpuint (before->records->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_false (((WhRecord *) before->records->pdata[i])->deleted);

  /* An hour later it is the 21st in Beijing: job 1 has closed. */
  wh_test_server_advance (ts, 3600);
  after = get_page (session, ts, "jobs", "since=0");
  g_assert_cmpuint (after->records->len, ==, 3);
  g_assert_cmpint (((WhRecord *) after->records->pdata[0])->id, ==, 1);
  g_assert_true (((WhRecord *) after->records->pdata[0])->deleted);
  g_assert_cmpint (((WhRecord *) after->records->pdata[0])->rev, ==, 1);
  g_assert_false (((WhRecord *) after->records->pdata[1])->deleted);
  g_assert_false (((WhRecord *) after->records->pdata[2])->deleted);
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

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/changes/empty", test_changes_empty);
  g_test_add_func ("/server/changes/paging", test_changes_paging);
  g_test_add_func ("/server/changes/tombstones", test_changes_tombstones);
  g_test_add_func ("/server/changes/expired", test_changes_expired);
  g_test_add_func ("/server/changes/etag", test_changes_etag);
  g_test_add_func ("/server/changes/region", test_changes_region);
  g_test_add_func ("/server/changes/params", test_changes_params);
  g_test_add_func ("/server/changes/concurrent-writes", test_changes_concurrent);
  g_test_add_func ("/server/media", test_media);

  return g_test_run ();
}
