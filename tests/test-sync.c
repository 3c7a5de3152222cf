/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhSync against the reference server over loopback: full and incremental
 * syncs end with a cache equal to the server's data; 304s; faults; a server
 * that dies mid-sync; a client killed mid-transaction; the outbox. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-outbox.h"
#include "wh-store-private.h"
#include "wh-sync.h"
#include "wh-test-cache.h"
#include "wh-test-server.h"
#include "wh-test.h"

typedef struct
{
  WhTestClient  c; /* first: g_test_add passes this fixture to its setup */
  guint         n_progress;
} Fixture;

static void
progress_cb (WhSync     *sync,
             const char *collection,
             gint64      done,
             gint64      total,
             Fixture    *f)
{
  g_assert_nonnull (wh_schema_lookup (collection));
  g_assert_cmpint (done, >=, 0);
  g_assert_true (total == -1 || total >= done);
  f->n_progress++;
}

/* Patient enough for fault rates of 0.2, quick enough for a test. */
#define SYNC_RETRY_POLICY 8, 20, 200, 1100

static WhApi *
make_api (const char *url)
{
  g_autoptr(GError) error = NULL;
  WhApi *api = wh_api_new (url, &error);

  g_assert_no_error (error);
  wh_api_set_retry_policy (api, SYNC_RETRY_POLICY);
  wh_api_set_timeouts (api, 5, 5, 20);
  return api;
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  wh_test_client_setup (&f->c);
  wh_api_set_retry_policy (f->c.api, SYNC_RETRY_POLICY);
  if (data != NULL) /* ADD_FEED */
    wh_sync_set_use_snapshots (f->c.sync, FALSE);
  g_signal_connect (f->c.sync, "progress", G_CALLBACK (progress_cb), f);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  wh_test_client_teardown (&f->c);
}

static gboolean
run_sync (WhSync        *sync,
          GCancellable  *cancellable,
          WhSyncReport **report,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_sync_run_async (sync, NULL, 0, cancellable, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_sync_run_finish (sync, result, report, error);
}

static void
assert_sync_ok (Fixture       *f,
                WhSyncReport **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  g_assert_true (run_sync (f->c.sync, NULL, &report, &error));
  g_assert_no_error (error);
  g_assert_nonnull (report);
  for (guint i = 0; i < report->collections->len; i++)
    g_assert_no_error (g_array_index (report->collections, WhSyncCollectionReport, i).error);
  if (out)
    *out = g_steal_pointer (&report);
}

static sqlite3 *
open_readonly (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* tests/wh-test-cache.c does the comparing, for the crash and fault tests too. */
static guint
assert_collection_equal (Fixture            *f,
                         const WhCollection *collection,
                         gint                region)
{
  return wh_test_assert_collection_equal (wh_test_server_get_db_path (f->c.server), f->c.store,
                                          collection, region);
}

static guint
assert_cache_equal (Fixture *f)
{
  return wh_test_assert_cache_equal (wh_test_server_get_db_path (f->c.server), f->c.store,
                                     wh_sync_get_region (f->c.sync));
}

static void
assert_cache_consistent (const char *path,
                         gint        region)
{
  /* FTS5's own integrity-check reads the whole index: test-crash runs it */
  wh_test_assert_cache_consistent (path, region, FALSE);
}

/* ------------------------------------------------------------------------ */

static void
test_full (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  guint64 records = 0;
  guint pages = 0, total;
  double seconds;

  wh_sync_set_page_limit (f->c.sync, 500);
  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);

      records += cr->records;
      pages += cr->pages;
      g_assert_cmpuint (cr->rejected, ==, 0);
      g_assert_false (cr->not_modified);
    }
  total = assert_cache_equal (f);
  g_assert_cmpuint (total, >, 1000);
  g_assert_cmpuint (records, ==, total);
  g_assert_cmpuint (f->n_progress, >=, pages);
  seconds = (report->finished_us - report->started_us) / (double) G_USEC_PER_SEC;
  g_test_message ("full sync of tiny: %u pages, %" G_GUINT64_FORMAT " records in %.3f s "
                  "(%.0f pages/s, %.0f records/s)", pages, records, seconds, pages / seconds,
                  records / seconds);
  assert_cache_consistent (f->c.cache_path, 0);
}

static WhRecord *
server_record (Fixture            *f,
               const WhCollection *collection,
               const char         *where)
{
  sqlite3 *db = open_readonly (wh_test_server_get_db_path (f->c.server));
  g_autofree char *sql = g_strdup_printf ("SELECT body FROM %s WHERE deleted = 0 AND %s"
                                          " ORDER BY id LIMIT 1", collection->name, where);
  sqlite3_stmt *stmt = NULL;
  WhRecord *record;
  const char *body;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  body = (const char *) sqlite3_column_text (stmt, 0);
  record = wh_record_parse (collection, body, strlen (body), NULL);
  g_assert_nonnull (record);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return record;
}

static void
test_incremental (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(WhRecord) station = NULL;
  g_autoptr(WhRecord) cached = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deleted_course;

  assert_sync_ok (f, NULL);

  /* a changed job, a new station, a deleted course */
  job = server_record (f, &wh_collection_jobs, "1");
  wh_record_set_text (job, "title", "高级电工（夜班）");
  wh_test_server_put_record (f->c.server, job);
  station = server_record (f, &wh_collection_stations, "1");
  station->id = 9000001;
  wh_record_set_text (station, "name", "测试新建驿站");
  wh_test_server_put_record (f->c.server, station);
  {
    g_autoptr(WhRecord) course = server_record (f, &wh_collection_courses, "1");
    deleted_course = course->id;
  }
  wh_test_server_delete_record (f->c.server, &wh_collection_courses, deleted_course);

  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);

      if (cr->collection == &wh_collection_jobs || cr->collection == &wh_collection_stations)
        {
          g_assert_cmpuint (cr->pages, ==, 1);
          g_assert_cmpuint (cr->records, ==, 1);
        }
      else if (cr->collection == &wh_collection_courses)
        {
          g_assert_cmpuint (cr->deleted, ==, 1);
          g_assert_cmpuint (cr->records, ==, 0);
        }
      else
        g_assert_cmpuint (cr->pages, ==, 0);
    }
  cached = wh_store_get_record (f->c.store, &wh_collection_jobs, job->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (cached, "title"), ==, "高级电工（夜班）");
  g_assert_null (wh_store_get_record (f->c.store, &wh_collection_courses, deleted_course, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
  assert_cache_equal (f);
}

static void
test_not_modified (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  guint n_collections;
  gint64 best = G_MAXINT64;

  wh_schema_synced_collections (&n_collections);
  assert_sync_ok (f, NULL);
  /* the first check after a full sync learns each feed's ETag */
  assert_sync_ok (f, NULL);
  for (guint round = 0; round < 3; round++)
    {
      g_clear_pointer (&report, wh_sync_report_free);
      assert_sync_ok (f, &report);
      g_assert_cmpuint (report->collections->len, ==, n_collections);
      for (guint i = 0; i < report->collections->len; i++)
        {
          WhSyncCollectionReport *cr = &g_array_index (report->collections,
                                                       WhSyncCollectionReport, i);
          g_assert_true (cr->not_modified);
          g_assert_cmpuint (cr->pages, ==, 0);
        }
      best = MIN (best, report->finished_us - report->started_us);
    }
  g_test_message ("no-change sync of %u collections: %.1f ms", n_collections, best / 1000.0);
  g_assert_cmpint (best, <, G_USEC_PER_SEC);

  /* a change breaks the 304 for its collection only */
  {
    g_autoptr(WhRecord) station = server_record (f, &wh_collection_stations, "1");

    wh_record_set_text (station, "name", "改名的驿站");
    wh_test_server_put_record (f->c.server, station);
  }
  g_clear_pointer (&report, wh_sync_report_free);
  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);
      g_assert_cmpint (cr->not_modified, ==, cr->collection != &wh_collection_stations);
    }
}

static void
test_faults (Fixture      *f,
             gconstpointer data)
{
  guint runs = 0;
  gboolean ok = FALSE;

  wh_sync_set_page_limit (f->c.sync, 200);
  wh_test_server_set_faults (f->c.server,
                             "error=0.2,429=0.05,503=0.05,drop=0.2,malformed=0.2,delay=0.1,"
                             "delay_ms=100,seed=3");
  /* A page may fail for good after its retries; the next run resumes. */
  while (!ok && runs++ < 6)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhSyncReport) report = NULL;

      ok = run_sync (f->c.sync, NULL, &report, &error);
      if (!ok)
        g_test_message ("run %u: %s", runs, error->message);
      assert_cache_consistent (f->c.cache_path, 0);
    }
  g_assert_true (ok);
  wh_test_server_set_faults (f->c.server, "");
  assert_cache_equal (f);
}

static void
test_malformed_pages (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  guint n_collections;
  const WhCollection * const *collections = wh_schema_synced_collections (&n_collections);

  /* every page broken: every collection fails, nothing is stored */
  wh_test_server_set_faults (f->c.server, "malformed=1,seed=5");
  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_MALFORMED);
  g_assert_nonnull (report);
  for (guint i = 0; i < n_collections; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);

      g_assert_error (cr->error, WH_API_ERROR, WH_API_ERROR_MALFORMED);
      g_assert_cmpint (wh_store_count (f->c.store, collections[i], NULL), ==, 0);
      g_assert_cmpint (wh_store_get_cursor (f->c.store, collections[i], NULL, NULL), ==, 0);
    }
  wh_test_server_set_faults (f->c.server, "");
  assert_sync_ok (f, NULL);
  assert_cache_equal (f);
}

typedef struct
{
  Fixture *f;
  guint    pages;
  gboolean stopped;
} StopData;

static void
stop_after_pages_cb (WhSync     *sync,
                     const char *collection,
                     gint64      done,
                     gint64      total,
                     StopData   *data)
{
  if (done > 0 && ++data->pages == 5 && !data->stopped)
    {
      wh_test_server_stop (data->f->c.server);
      data->stopped = TRUE;
    }
}

/* The server comes back: the next run resumes and ends equal. */
static void
restart_and_resync (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  wh_test_server_restart (f->c.server, &error);
  g_assert_no_error (error);
  wh_api_set_retry_policy (f->c.api, 4, 10, 50, 1100);
  assert_sync_ok (f, NULL);
  assert_cache_equal (f);
}

static void
test_server_dies (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  StopData stop = { f, 0, FALSE };
  gulong id;
  guint n_failed = 0;

  wh_sync_set_page_limit (f->c.sync, 50);
  wh_api_set_retry_policy (f->c.api, 2, 10, 20, 100);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (stop_after_pages_cb), &stop);
  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_true (stop.stopped);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  for (guint i = 0; i < report->collections->len; i++)
    n_failed += g_array_index (report->collections, WhSyncCollectionReport, i).error != NULL;
  g_assert_cmpuint (n_failed, >, 0);
  assert_cache_consistent (f->c.cache_path, 0);

  restart_and_resync (f);
}

static void
cancel_after_page_cb (WhSync       *sync,
                      const char   *collection,
                      gint64        done,
                      gint64        total,
                      GCancellable *cancellable)
{
  if (done > 0)
    g_cancellable_cancel (cancellable);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  guint64 count;
  gulong id;

  wh_sync_set_page_limit (f->c.sync, 100);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (cancel_after_page_cb), cancellable);
  g_assert_false (run_sync (f->c.sync, cancellable, &report, &error));
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (report);
  /* stopped after the page being written: the first collection's first page
   * and at most the one fetched alongside it */
  count = wh_store_count (f->c.store, &wh_collection_categories, NULL);
  g_assert_cmpuint (count, >, 0);
  g_assert_cmpuint (count, <=, 200);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_merchants, NULL), ==, 0);
  assert_cache_consistent (f->c.cache_path, 0);

  assert_sync_ok (f, NULL);
  assert_cache_equal (f);
}

static void
test_region (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(WhRecord) job = server_record (f, &wh_collection_jobs, "adcode IS NOT NULL");
  gint region = (gint) wh_record_get_int (job, "adcode");
  guint n;

  g_assert_cmpint (region, >, 0);
  wh_sync_set_region (f->c.sync, region);
  assert_sync_ok (f, NULL);
  n = assert_collection_equal (f, &wh_collection_jobs, region);
  g_assert_cmpuint (n, >, 0);
  /* other collections are not regional */
  assert_collection_equal (f, &wh_collection_stations, 0);
  assert_cache_consistent (f->c.cache_path, region);
}

static gint64
server_count (Fixture    *f,
              const char *sql)
{
  return wh_test_db_query_int (wh_test_server_get_db_path (f->c.server), sql);
}

static gint64
cached_cursor (Fixture *f,
               gint     region)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("%06d", region);
  gint64 cursor = wh_store_get_cursor (f->c.store, &wh_collection_jobs, text, &error);

  g_assert_no_error (error);
  return cursor;
}

/* A run that must pass; the jobs it forgot of other regions. */
static guint64
sync_forgetting (Fixture *f)
{
  g_autoptr(WhSyncReport) report = NULL;

  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections,
                                                   WhSyncCollectionReport, i);

      if (cr->collection == &wh_collection_jobs)
        return cr->forgotten;
    }
  g_assert_not_reached ();
}

/* A few rows to forget among many kept go one by one, through the
 * triggers: a job in another city, then the whole city the tiny data has. */
static void
test_region_change_few (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(WhRecord) job = server_record (f, &wh_collection_jobs, "adcode IS NOT NULL");
  gint city = (gint) wh_record_get_int (job, "city_adcode");
  g_autoptr(GError) error = NULL;
  guint n_city;

  /* 天津 和平区, where the tiny data has no job. */
  job->id = 9000002;
  wh_record_set_int (job, "province_adcode", 120000);
  wh_record_set_int (job, "city_adcode", 120100);
  wh_record_set_int (job, "adcode", 120101);
  wh_test_server_put_record (f->c.server, job);
  wh_sync_set_forget_other_regions (f->c.sync, TRUE);
  wh_sync_set_region (f->c.sync, 120101);
  assert_sync_ok (f, NULL);
  g_assert_cmpuint (assert_collection_equal (f, &wh_collection_jobs, 120101), ==, 1);

  wh_sync_set_region (f->c.sync, city);
  g_assert_cmpuint (sync_forgetting (f), ==, 1);
  n_city = assert_collection_equal (f, &wh_collection_jobs, city);
  g_assert_cmpuint (n_city, >=, 20);
  g_assert_cmpint (cached_cursor (f, 120101), ==, 0);
  g_assert_cmpint (cached_cursor (f, city), >, 0);
  /* One by one: no tables made again, nothing to give back. */
  g_assert_cmpuint (wh_store_get_compactions (f->c.store), ==, 0);
  wh_test_assert_cache_consistent (f->c.cache_path, city, TRUE);
}

/* A worker who moves: with forget-other-regions (the app's), once the new
 * city's pull is whole the old city's jobs go, but for a bookmarked one,
 * with the old cursor; the indexes lose them too. Without (the CLI's),
 * both stay. A pull that fails forgets nothing. */
static void
test_region_change (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(WhRecord) job_a = server_record (f, &wh_collection_jobs, "adcode IS NOT NULL");
  gint a = (gint) wh_record_get_int (job_a, "adcode");
  g_autofree char *where_b = g_strdup_printf ("adcode IS NOT NULL AND adcode != %d"
                                              " AND city_adcode != %d AND province_adcode != %d",
                                              a, a, a);
  g_autoptr(WhRecord) job_b = server_record (f, &wh_collection_jobs, where_b);
  gint b = (gint) wh_record_get_int (job_b, "adcode");
  g_autoptr(WhRecord) mark = wh_record_new (&wh_collection_bookmarks);
  g_autoptr(WhRecord) kept = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint n_a, n_b;

  g_assert_false (wh_sync_get_forget_other_regions (f->c.sync));
  wh_sync_set_region (f->c.sync, a);
  assert_sync_ok (f, NULL);
  n_a = assert_collection_equal (f, &wh_collection_jobs, a);
  g_assert_cmpuint (n_a, >, 1);

  /* The CLI's way: a second region beside the first. */
  wh_sync_set_region (f->c.sync, b);
  g_assert_cmpuint (sync_forgetting (f), ==, 0);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_jobs, &error), >, n_a);
  g_assert_cmpint (cached_cursor (f, a), >, 0);

  /* The app's way, from an empty cache. The tiny data's jobs are a small
   * part of the file: it gives back any free page. */
  g_assert_true (wh_store_reset_collection (f->c.store, &wh_collection_jobs, &error));
  g_assert_no_error (error);
  wh_store_set_compact_free (f->c.store, 1);
  wh_sync_set_forget_other_regions (f->c.sync, TRUE);
  assert_sync_ok (f, NULL);
  n_b = assert_collection_equal (f, &wh_collection_jobs, b);
  g_assert_cmpuint (n_b, >, 0);
  wh_sync_set_region (f->c.sync, a);
  g_assert_cmpuint (sync_forgetting (f), ==, n_b);
  /* Made again, then compacted: the file has no free page left. */
  g_assert_cmpuint (wh_store_get_compactions (f->c.store), ==, 1);
  g_assert_cmpint (wh_test_db_query_int (f->c.cache_path, "PRAGMA freelist_count"), ==, 0);
  g_assert_cmpuint (assert_collection_equal (f, &wh_collection_jobs, a), ==, n_a);
  g_assert_cmpint (cached_cursor (f, b), ==, 0);
  /* The region's own cursor outlives its tables made again. */
  g_assert_cmpint (cached_cursor (f, a), >, 0);
  wh_record_set_int (mark, "job_id", job_a->id);
  wh_record_set_bool (mark, "applied", TRUE);
  wh_record_set_text (mark, "updated_at", "2026-12-07T10:00:00+08:00");
  g_assert_true (wh_sync_save_bookmark (f->c.store, mark, &error));
  g_assert_no_error (error);

  /* Moved, with the server out of reach: the old city's jobs stay. */
  wh_api_set_retry_policy (f->c.api, 1, 10, 20, 100);
  wh_test_server_stop (f->c.server);
  wh_sync_set_region (f->c.sync, b);
  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_clear_error (&error);
  g_clear_pointer (&report, wh_sync_report_free);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_jobs, &error), ==, n_a);
  g_assert_true (wh_test_server_restart (f->c.server, &error));
  g_assert_no_error (error);

  /* Reached: the new city's jobs, the bookmarked one, nothing else. */
  g_assert_cmpuint (sync_forgetting (f), ==, n_a - 1);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_jobs, &error), ==, n_b + 1);
  kept = wh_store_get_record (f->c.store, &wh_collection_jobs, job_a->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (kept);
  g_assert_cmpint (cached_cursor (f, a), ==, 0);
  g_assert_cmpint (cached_cursor (f, b), >, 0);
  g_assert_cmpuint (wh_store_get_compactions (f->c.store), ==, 2);
  /* The full-text, names and R*Tree indexes hold the table's rows alone. */
  wh_test_assert_cache_consistent (f->c.cache_path, b, TRUE);
}

static void
login (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = NULL;

  wh_api_login_async (f->c.api, "13800138001", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  me = wh_api_login_finish (f->c.api, result, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (wh_api_get_token (f->c.api));
}

static void
test_outbox (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) progress = wh_record_new (&wh_collection_progress);
  g_autoptr(WhRecord) bookmark = wh_record_new (&wh_collection_bookmarks);
  g_autoptr(WhRecord) bookmark2 = wh_record_new (&wh_collection_bookmarks);
  g_autoptr(WhRecord) report_record = wh_record_new (&wh_collection_station_reports);
  g_autoptr(WhRecord) attempt = wh_record_new (&wh_collection_quiz_attempts);

  wh_record_set_int (progress, "lesson_id", 11);
  wh_record_set_int (progress, "course_id", 2);
  wh_record_set_bool (progress, "completed", FALSE);
  wh_record_set_text (progress, "updated_at", "2026-11-20T08:00:00+08:00");
  wh_record_set_int (bookmark, "job_id", 5);
  wh_record_set_text (bookmark, "updated_at", "2026-11-20T08:00:00+08:00");
  wh_record_set_int (bookmark2, "job_id", 6);
  wh_record_set_text (bookmark2, "updated_at", "2026-11-20T08:00:00+08:00");
  wh_record_set_text (report_record, "report_id", "r-1");
  wh_record_set_int (report_record, "station_id", 3);
  wh_record_set_text (report_record, "problem", "no_hot_water");
  wh_record_set_text (report_record, "reported_at", "2026-11-20T08:00:00+08:00");
  wh_record_set_text (attempt, "attempt_id", "a-1");
  wh_record_set_int (attempt, "course_id", 2);
  wh_record_set_int (attempt, "total", 10);
  wh_record_set_int (attempt, "correct", 7);
  wh_record_set_text (attempt, "finished_at", "2026-11-20T08:00:00+08:00");

  g_assert_true (wh_outbox_queue_record (f->c.store, progress, &error));
  g_assert_true (wh_outbox_queue_record (f->c.store, bookmark, &error));
  g_assert_true (wh_outbox_queue_record (f->c.store, bookmark2, &error));
  g_assert_true (wh_outbox_queue_bookmark_removal (f->c.store, 6, &error));
  g_assert_true (wh_outbox_queue_record (f->c.store, report_record, &error));
  g_assert_true (wh_outbox_queue_record (f->c.store, attempt, &error));
  /* the newest progress of a lesson replaces the queued one */
  wh_record_set_bool (progress, "completed", TRUE);
  wh_record_set_text (progress, "updated_at", "2026-11-20T09:00:00+08:00");
  g_assert_true (wh_outbox_queue_record (f->c.store, progress, &error));
  /* one the server refuses for good: the key does not match the body */
  g_assert_cmpint (wh_store_outbox_add (f->c.store, "progress", "99",
                                        "{\"lesson_id\":98,\"course_id\":2,\"completed\":true,"
                                        "\"updated_at\":\"2026-11-20T08:00:00+08:00\"}",
                                        &error), >, 0);
  g_assert_no_error (error);
  {
    g_autoptr(WhRecord) me = wh_record_new (&wh_collection_me);

    g_assert_false (wh_outbox_queue_record (f->c.store, me, &error));
    g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_cmpint (wh_store_outbox_count (f->c.store, NULL), ==, 6);

  /* without a token only the station report goes, as nobody's: the rest
   * waits, in order, for a sign-in */
  assert_sync_ok (f, &report);
  g_assert_cmpuint (report->outbox_sent, ==, 1);
  g_assert_cmpuint (report->outbox_left, ==, 5);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM station_reports WHERE user_id = 0"), ==, 1);

  /* the server unreachable: the entries stay, in order */
  login (f);
  wh_test_server_stop (f->c.server);
  wh_api_set_retry_policy (f->c.api, 1, 5, 5, 5);
  g_clear_pointer (&report, wh_sync_report_free);
  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_clear_error (&error);
  g_assert_cmpuint (report->outbox_sent, ==, 0);
  g_assert_cmpuint (report->outbox_left, ==, 5);
  wh_test_server_restart (f->c.server, &error);
  g_assert_no_error (error);

  g_clear_pointer (&report, wh_sync_report_free);
  wh_api_set_retry_policy (f->c.api, 4, 10, 50, 1100);
  assert_sync_ok (f, &report);
  g_assert_cmpuint (report->outbox_sent, ==, 4);
  g_assert_cmpuint (report->outbox_dropped, ==, 1);
  g_assert_cmpuint (report->outbox_left, ==, 0);
  g_assert_cmpuint (report->messages->len, ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM progress WHERE lesson_id = 11"
                                    " AND completed = 1"), ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM bookmarks"), ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM station_reports"), ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM quiz_attempts"), ==, 1);

  /* replaying the same writes again changes nothing on the server */
  g_assert_true (wh_outbox_queue_record (f->c.store, report_record, &error));
  g_assert_true (wh_outbox_queue_record (f->c.store, bookmark, &error));
  g_clear_pointer (&report, wh_sync_report_free);
  assert_sync_ok (f, &report);
  g_assert_cmpuint (report->outbox_sent, ==, 2);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM bookmarks"), ==, 1);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM station_reports"), ==, 1);
  /* signed in or not, a report is never sent as the worker signed in */
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM station_reports WHERE user_id = 0"), ==, 1);
}

static void
finished_cb (WhSync       *sync,
             WhSyncReport *report,
             GError       *error,
             guint        *n_finished)
{
  g_assert_no_error (error);
  g_assert_nonnull (report);
  (*n_finished)++;
}

static void
test_background (Fixture      *f,
                 gconstpointer data)
{
  guint n_finished = 0;

  g_signal_connect (f->c.sync, "finished", G_CALLBACK (finished_cb), &n_finished);
  wh_sync_set_interval (f->c.sync, 1);
  wh_sync_start (f->c.sync);
  g_assert_true (wh_sync_get_running (f->c.sync));
  /* asked while running: one more run right after, not two at once */
  wh_sync_request_run (f->c.sync);
  wh_sync_request_run (f->c.sync);
  while (n_finished < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (wh_sync_get_running (f->c.sync));
  /* then the timer */
  while (n_finished < 3)
    g_main_context_iteration (NULL, TRUE);
  wh_sync_stop (f->c.sync);
  assert_cache_equal (f);
}

/* Background runs while the server is out of reach: retried with a
 * doubling wait up to a cap, and on any network change, back in sync by
 * themselves once the server returns. */
typedef struct
{
  guint   n_finished;
  GError *last_error;
  GArray *delays; /* guint: the retry wait after each run */
} RetryLog;

static void
retry_finished_cb (WhSync       *sync,
                   WhSyncReport *report,
                   GError       *error,
                   RetryLog     *log)
{
  guint delay = wh_sync_get_retry_delay (sync);

  log->n_finished++;
  g_clear_error (&log->last_error);
  log->last_error = error ? g_error_copy (error) : NULL;
  g_array_append_val (log->delays, delay);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until n runs have finished, or fails after a
 * deadline far above what the test needs. */
static void
await_runs (RetryLog *log,
            guint     n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint wake = g_timeout_add (20, wake_cb, NULL);

  while (log->n_finished < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  g_assert_cmpuint (log->n_finished, >=, n);
}

static void
test_offline_retry (Fixture      *f,
                    gconstpointer data)
{
  RetryLog log = { 0, NULL, g_array_new (FALSE, FALSE, sizeof (guint)) };
  static const guint expected[] = { 50, 100, 200, 200 };

  /* one attempt per request: the backoff is the engine's, not WhApi's */
  wh_api_set_retry_policy (f->c.api, 1, 10, 10, 100);
  g_object_set (f->c.sync, "retry-base-ms", 50, "retry-max-ms", 200, NULL);
  wh_sync_set_interval (f->c.sync, 0);
  g_signal_connect (f->c.sync, "finished", G_CALLBACK (retry_finished_cb), &log);
  wh_test_server_stop (f->c.server);
  wh_sync_start (f->c.sync);

  /* no interval set, yet tried again and again, each wait twice the last */
  await_runs (&log, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (g_array_index (log.delays, guint, i), ==, expected[i]);
  g_assert_error (log.last_error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_assert_true (wh_sync_get_offline (f->c.sync));

  /* the server back: in sync without a request, the backoff over */
  g_assert_true (wh_test_server_restart (f->c.server, NULL));
  while (log.last_error != NULL)
    await_runs (&log, log.n_finished + 1);
  g_assert_false (wh_sync_get_offline (f->c.sync));
  g_assert_cmpuint (wh_sync_get_retry_delay (f->c.sync), ==, 0);
  wh_sync_stop (f->c.sync);
  assert_cache_equal (f);
  g_clear_error (&log.last_error);
  g_array_unref (log.delays);
}

/* Out of reach with the next retry far off: any network change tries at
 * once. */
static void
test_offline_network_change (Fixture      *f,
                             gconstpointer data)
{
  RetryLog log = { 0, NULL, g_array_new (FALSE, FALSE, sizeof (guint)) };
  GNetworkMonitor *monitor = g_network_monitor_get_default ();

  wh_api_set_retry_policy (f->c.api, 1, 10, 10, 100);
  g_object_set (f->c.sync, "retry-base-ms", 3600 * 1000, NULL);
  wh_sync_set_interval (f->c.sync, 0);
  g_signal_connect (f->c.sync, "finished", G_CALLBACK (retry_finished_cb), &log);
  wh_test_server_stop (f->c.server);
  wh_sync_start (f->c.sync);
  await_runs (&log, 1);
  g_assert_true (wh_sync_get_offline (f->c.sync));

  g_assert_true (wh_test_server_restart (f->c.server, NULL));
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  await_runs (&log, 2);
  g_assert_no_error (log.last_error);
  g_assert_false (wh_sync_get_offline (f->c.sync));
  wh_sync_stop (f->c.sync);
  g_array_unref (log.delays);
}

/* ------------------------------------------------------------------------ */
/* Killed mid-transaction                                                    */

/* Small enough for tiny's collections (jobs, stations, questions...). */
static void
set_small_deferral (WhStore *store)
{
  wh_store_set_deferral (store, 100, 64, 50);
}

static int
child_sync (const char *url,
            const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) api = make_api (url);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhSync) sync = NULL;

  if (store == NULL)
    return 2;
  if (g_getenv ("WH_TEST_CHILD_DEFERRAL") != NULL)
    set_small_deferral (store);
  sync = wh_sync_new (api, store);
  wh_sync_set_page_limit (sync, 40);
  return run_sync (sync, NULL, NULL, &error) ? 0 : 1;
}

static WhStore *reference_store (Fixture *f);
static void assert_reads_match (WhStore *store, WhStore *reference);
static void assert_nothing_pending (WhStore *store);

/* Children killed at random instants of a sync; deferred: with deferred
 * indexing, each killed cache also answers searches and map queries as the
 * reference does for the rows it holds. */
static void
killed_common (Fixture *f,
               gboolean deferred)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(WhStore) reference = deferred ? reference_store (f) : NULL;
  guint killed = 0, finished = 0, pending = 0, early = 0;

  /* the child must not hold the fixture's store open */
  g_clear_object (&f->c.sync);
  g_clear_object (&f->c.store);
  g_assert_nonnull (self_exe);

  /* Slow pages, so that a kill lands inside a sync more often than not. */
  wh_test_server_set_faults (f->c.server, "delay=0.5,delay_ms=30,seed=9");
  for (guint i = 0; i < 14 && killed < 8; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) child = NULL;
      guint delay_ms = (guint) g_test_rand_int_range (5, 500);

      if (deferred)
        g_subprocess_launcher_setenv (launcher, "WH_TEST_CHILD_DEFERRAL", "1", TRUE);
      child = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child-sync",
                                           wh_test_server_get_url (f->c.server), f->c.cache_path,
                                           NULL);
      g_assert_no_error (error);
      g_usleep (delay_ms * 1000);
      /* does nothing when it has exited already */
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, &error);
      g_assert_no_error (error);
      if (g_subprocess_get_if_signaled (child))
        {
          killed++;
          /* Killed before it made the cache (a loaded machine starts it
           * slowly): nothing to check, the next child starts afresh. */
          if (!g_file_test (f->c.cache_path, G_FILE_TEST_EXISTS))
            {
              early++;
              continue;
            }
        }
      else
        {
          g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
          finished++;
        }
      assert_cache_consistent (f->c.cache_path, 0);
      if (deferred && g_subprocess_get_if_signaled (child))
        {
          g_autoptr(WhStore) store = wh_store_open (f->c.cache_path, &error);

          g_assert_no_error (error);
          pending += wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL) == 1;
          assert_reads_match (store, reference);
        }
      if (!g_subprocess_get_if_signaled (child))
        {
          /* a finished cache has nothing left to interrupt: start afresh */
          static const char * const suffixes[] = { "", "-wal", "-shm" };

          for (guint k = 0; k < G_N_ELEMENTS (suffixes); k++)
            {
              g_autofree char *file = g_strconcat (f->c.cache_path, suffixes[k], NULL);
              g_unlink (file);
            }
        }
    }
  wh_test_server_set_faults (f->c.server, "");
  g_test_message ("%u children killed mid-sync (%u before the cache existed, %u with indexes"
                  " pending), %u finished first", killed, early, pending, finished);
  g_assert_cmpuint (killed, >, early);

  {
    g_autoptr(GError) error = NULL;

    f->c.store = wh_store_open (f->c.cache_path, &error);
    g_assert_no_error (error);
    f->c.sync = wh_sync_new (f->c.api, f->c.store);
    assert_sync_ok (f, NULL);
    assert_cache_equal (f);
    if (deferred)
      {
        assert_nothing_pending (f->c.store);
        assert_reads_match (f->c.store, reference);
      }
  }
}

static void
test_killed (Fixture      *f,
             gconstpointer data)
{
  killed_common (f, FALSE);
}

static void
test_killed_deferred (Fixture      *f,
                      gconstpointer data)
{
  killed_common (f, TRUE);
}

/* A server out of reach ends the run at once (the outbox, or the small
 * request for the server's rev) instead of waiting out the retries of every
 * collection in turn. */
static void
test_unreachable (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) bookmark = wh_record_new (&wh_collection_bookmarks);
  guint n_synced = 0;

  wh_schema_synced_collections (&n_synced);
  g_assert_cmpuint (n_synced, >, 1);
  wh_api_set_retry_policy (f->c.api, 3, 10, 20, 100);
  wh_test_server_stop (f->c.server);

  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->collections->len, ==, 0);
  g_clear_pointer (&report, wh_sync_report_free);
  g_clear_error (&error);

  /* the server dying during the pull ends the run at that collection */
  g_assert_true (wh_test_server_restart (f->c.server, &error));
  g_assert_no_error (error);
  {
    StopData stop = { f, 0, FALSE };
    gulong id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (stop_after_pages_cb), &stop);
    guint n_failed = 0;

    wh_sync_set_page_limit (f->c.sync, 50);
    g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
    g_signal_handler_disconnect (f->c.sync, id);
    g_assert_true (stop.stopped);
    g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
    for (guint i = 0; i < report->collections->len; i++)
      n_failed += g_array_index (report->collections, WhSyncCollectionReport, i).error != NULL;
    g_assert_cmpuint (n_failed, ==, 1);
    /* the one that failed is the last one tried */
    g_assert_nonnull (g_array_index (report->collections, WhSyncCollectionReport,
                                     report->collections->len - 1).error);
    g_assert_cmpuint (report->collections->len, <, n_synced);
    g_clear_pointer (&report, wh_sync_report_free);
    g_clear_error (&error);
  }

  /* the outbox goes first: its failure ends the run before any pull */
  wh_record_set_int (bookmark, "job_id", 5);
  wh_record_set_text (bookmark, "updated_at", "2026-11-20T08:00:00+08:00");
  g_assert_true (wh_outbox_queue_record (f->c.store, bookmark, &error));
  g_assert_no_error (error);
  g_assert_true (wh_api_set_token (f->c.api, "some-token"));
  g_assert_false (run_sync (f->c.sync, NULL, &report, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_assert_cmpuint (report->collections->len, ==, 0);
  g_assert_cmpuint (report->outbox_sent, ==, 0);
  g_assert_cmpuint (report->outbox_left, ==, 1);
  g_clear_pointer (&report, wh_sync_report_free);
  g_clear_error (&error);

  /* back again: every collection comes (the write waits for a sign-in) */
  g_assert_true (wh_test_server_restart (f->c.server, &error));
  g_assert_no_error (error);
  wh_api_set_token (f->c.api, NULL);
  assert_sync_ok (f, NULL);
  assert_cache_equal (f);
}

/* The server's database was restored or regenerated behind the client's
 * back: its rev is below the cache's cursors. The collections past it are
 * pulled again from 0, so what the old history had and the new one has not
 * goes, and the cache equals the new server. */
static void
test_rewound (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(WhRecord) station = NULL;
  g_autoptr(WhRecord) cached = NULL;
  gboolean jobs_reset = FALSE, stations_reset = FALSE;
  gint64 job_id;

  assert_sync_ok (f, NULL);
  job = server_record (f, &wh_collection_jobs, "1");
  job_id = job->id;
  wh_record_set_text (job, "title", "旧历史里的岗位");
  wh_test_server_put_record (f->c.server, job);
  station = server_record (f, &wh_collection_stations, "1");
  station->id = 9000001;
  wh_record_set_text (station, "name", "旧历史里的驿站");
  wh_test_server_put_record (f->c.server, station);
  assert_sync_ok (f, NULL);
  cached = wh_store_get_record (f->c.store, &wh_collection_stations, 9000001, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cached);
  g_clear_pointer (&cached, wh_record_free);

  /* a fresh server with the same demo data, so a lower rev */
  wh_test_server_free (f->c.server);
  f->c.server = wh_test_server_start ("tiny", &error);
  g_assert_no_error (error);
  g_clear_object (&f->c.sync);
  g_clear_object (&f->c.api);
  f->c.api = make_api (wh_test_server_get_url (f->c.server));
  f->c.sync = wh_sync_new (f->c.api, f->c.store);

  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);

      if (cr->collection == &wh_collection_jobs)
        jobs_reset = cr->reset;
      else if (cr->collection == &wh_collection_stations)
        stations_reset = cr->reset;
      else
        /* untouched collections keep their cursors, which are still valid */
        g_assert_false (cr->reset);
    }
  g_assert_true (jobs_reset);
  g_assert_true (stations_reset);
  g_assert_cmpuint (report->messages->len, >=, 2);
  cached = wh_store_get_record (f->c.store, &wh_collection_stations, 9000001, &error);
  g_assert_null (cached);
  g_clear_error (&error);
  cached = wh_store_get_record (f->c.store, &wh_collection_jobs, job_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (cached, "title"), !=, "旧历史里的岗位");
  assert_cache_equal (f);

  /* and the next run finds nothing to do */
  g_clear_pointer (&report, wh_sync_report_free);
  assert_sync_ok (f, &report);
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections, WhSyncCollectionReport, i);

      g_assert_false (cr->reset);
      g_assert_cmpuint (cr->pages, ==, 0);
    }
}

/* ---- Deferred indexing and the pipeline ----------------------------------- */

/* A cache filled by an ordinary sync, with every index kept by triggers. */
static WhStore *
reference_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->c.dir, "reference.db", NULL);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  g_assert_no_error (error);
  wh_store_set_deferral (store, G_MAXUINT, 64, 50);
  sync = wh_sync_new (f->c.api, store);
  g_assert_true (run_sync (sync, NULL, &report, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

static const char * const sync_queries[] = { "电工", "保洁", "快递", "司机", "北京", "C1", "c", "电" };

static GHashTable *
ids_of (GPtrArray *records)
{
  GHashTable *set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < records->len; i++)
    g_hash_table_add (set, g_memdup2 (&((WhRecord *) records->pdata[i])->id, sizeof (gint64)));
  return set;
}

/* Whatever the state of its indexes, a store's searches and map queries
 * give exactly the reference's rows that it holds: the rows present before
 * the reads (*present, read first) are all found, and nothing else is. */
static void
assert_reads_match (WhStore *store,
                    WhStore *reference)
{
  g_autoptr(GError) error = NULL;
  const WhCollection *located = &wh_collection_stations;

  for (guint q = 0; q < G_N_ELEMENTS (sync_queries); q++)
    {
      g_autoptr(GPtrArray) want = wh_store_search (reference, &wh_collection_jobs,
                                                   sync_queries[q], 100000, &error);
      g_autoptr(GHashTable) present = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                            NULL);
      g_autoptr(GPtrArray) got = NULL;
      g_autoptr(GHashTable) want_ids = NULL;
      g_autoptr(GHashTable) got_ids = NULL;
      GHashTableIter iter;
      gpointer key;

      g_assert_no_error (error);
      for (guint i = 0; i < want->len; i++)
        {
          WhRecord *r = want->pdata[i];
          g_autoptr(WhRecord) cached = wh_store_get_record (store, &wh_collection_jobs, r->id, NULL);
          if (cached != NULL)
            g_hash_table_add (present, g_memdup2 (&r->id, sizeof (gint64)));
        }
      got = wh_store_search (store, &wh_collection_jobs, sync_queries[q], 100000, &error);
      g_assert_no_error (error);
      want_ids = ids_of (want);
      got_ids = ids_of (got);
      g_hash_table_iter_init (&iter, present);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (got_ids, key))
          g_error ("%s: cached job %" G_GINT64_FORMAT " not found", sync_queries[q],
                   *(gint64 *) key);
      g_hash_table_iter_init (&iter, got_ids);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (want_ids, key))
          g_error ("%s: job %" G_GINT64_FORMAT " found wrongly", sync_queries[q], *(gint64 *) key);
    }

  /* Every cached station is in the whole-world viewport, at its place. */
  {
    g_autoptr(GArray) points = NULL;
    gint64 with_place;
    g_autoptr(WhQuery) query = wh_query_new (located);

    /* Counted first: a sync under way only adds rows. */
    wh_query_where_real (query, "lat", WH_QUERY_GE, -90);
    with_place = wh_store_query_count (store, query, &error);
    g_assert_no_error (error);
    points = wh_store_query_viewport_points (store, located, -90, -180, 90, 180, G_MAXUINT,
                                             &error);
    g_assert_no_error (error);
    g_assert_cmpint (points->len, >=, with_place);
    /* and so are those a filter lets through */
    {
      WhStationFilter filter = WH_STATION_FILTER_INIT;
      g_autoptr(GArray) open = NULL;
      g_autoptr(WhQuery) open_query = wh_query_new (located);

      gint64 n_open;

      filter.status = "open";
      wh_query_where_real (open_query, "lat", WH_QUERY_GE, -90);
      wh_query_where_text (open_query, "status", WH_QUERY_EQ, "open");
      n_open = wh_store_query_count (store, open_query, NULL);
      open = wh_store_query_station_points (store, &filter, -90, -180, 90, 180, G_MAXUINT,
                                            &error);
      g_assert_no_error (error);
      g_assert_cmpint (open->len, >=, n_open);
    }
    for (guint i = 0; i < MIN (points->len, 50); i++)
      {
        const WhGeoPoint *p = &g_array_index (points, WhGeoPoint, i);
        g_autoptr(WhRecord) r = wh_store_get_record (reference, located, p->id, &error);

        g_assert_no_error (error);
        g_assert_cmpfloat_with_epsilon (wh_record_get_real (r, "lat"), p->lat, 1e-4);
        g_assert_cmpfloat_with_epsilon (wh_record_get_real (r, "lon"), p->lon, 1e-4);
      }
  }
}

static void
assert_nothing_pending (WhStore *store)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    g_assert_cmpint (wh_store_get_indexes_pending (store, collections[i], NULL), ==, 0);
}

typedef struct
{
  Fixture *f;
  WhStore *reference;
  guint    checks;
  gboolean saw_pending;
  guint    pages;
} MidSync;

static void
check_mid_sync_cb (WhSync     *sync,
                   const char *collection,
                   gint64      done,
                   gint64      total,
                   MidSync    *mid)
{
  if ((g_strcmp0 (collection, "jobs") != 0 && g_strcmp0 (collection, "stations") != 0) ||
      done == 0)
    return;
  mid->saw_pending |= wh_store_get_indexes_pending (mid->f->c.store, wh_schema_lookup (collection),
                                                    NULL) == 1;
  if (wh_test_sampled (mid->pages++))
    {
      assert_reads_match (mid->f->c.store, mid->reference);
      mid->checks++;
    }
}

static void
test_deferred (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(WhStore) reference = reference_store (f);
  MidSync mid = { f, reference, 0, FALSE, 0 };
  gulong id;

  set_small_deferral (f->c.store);
  wh_sync_set_page_limit (f->c.sync, 40);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (check_mid_sync_cb), &mid);
  assert_sync_ok (f, NULL);
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_true (mid.saw_pending);
  g_assert_cmpuint (mid.checks, >, 3);
  assert_nothing_pending (f->c.store);
  assert_cache_equal (f);
  assert_reads_match (f->c.store, reference);
  assert_cache_consistent (f->c.cache_path, 0);
}

static void
cancel_at_end_cb (WhSync       *sync,
                  const char   *collection,
                  gint64        done,
                  gint64        total,
                  GCancellable *cancellable)
{
  /* The last page of jobs is written: the build comes next. */
  if (g_strcmp0 (collection, "jobs") == 0 && done > 0 && done == total)
    g_cancellable_cancel (cancellable);
}

static void
test_deferred_cancel (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(WhStore) reference = reference_store (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  gulong id;

  set_small_deferral (f->c.store);
  wh_sync_set_page_limit (f->c.sync, 40);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (cancel_at_end_cb), cancellable);
  g_assert_false (run_sync (f->c.sync, cancellable, &report, &error));
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Stopped before the build: still pending, every read still exact. */
  g_assert_cmpint (wh_store_get_indexes_pending (f->c.store, &wh_collection_jobs, NULL), ==, 1);
  assert_reads_match (f->c.store, reference);
  assert_cache_consistent (f->c.cache_path, 0);

  /* The next run has no page to pull for jobs, and builds. */
  assert_sync_ok (f, NULL);
  assert_nothing_pending (f->c.store);
  assert_cache_equal (f);
  assert_reads_match (f->c.store, reference);
}

/* The one number sql reads from the cache, or 0 when it cannot be read
 * (no jobs_unindexed: nothing waits for its index entries). */
static gint64
cache_int (const char *path,
           const char *sql)
{
  sqlite3 *db = open_readonly (path);
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

typedef struct
{
  Fixture *f;
  gint64   most;    /* the most rows seen unindexed after a page */
  guint    pages;
} PaceLog;

static void
log_pace_cb (WhSync     *sync,
             const char *collection,
             gint64      done,
             gint64      total,
             PaceLog    *log)
{
  /* Between two writes: the page is committed, the next step not begun. */
  if (g_strcmp0 (collection, "jobs") != 0 || done == 0)
    return;
  log->most = MAX (log->most, cache_int (log->f->c.cache_path,
                                         "SELECT count(*) FROM jobs_unindexed"));
  log->pages++;
}

/* A first pull's index build keeps pace with its pages, a step for each
 * step's worth of rows written, whether or not the next page is waiting:
 * after any page, fewer than two steps and a page of rows wait for their
 * index entries (a step finding fewer than its rows waits for more), and
 * not most of the 530 jobs. The cache then answers as one filled by an
 * ordinary sync. */
static void
test_deferred_pace (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(WhStore) reference = reference_store (f);
  PaceLog log = { f, 0, 0 };
  gulong id;

  set_small_deferral (f->c.store); /* steps of 50 rows */
  wh_sync_set_page_limit (f->c.sync, 40);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (log_pace_cb), &log);
  assert_sync_ok (f, NULL);
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_cmpuint (log.pages, >, 10);
  g_assert_cmpint (log.most, >, 0);
  g_assert_cmpint (log.most, <, 2 * 50 + 40);
  assert_nothing_pending (f->c.store);
  assert_cache_equal (f);
  assert_reads_match (f->c.store, reference);
  assert_cache_consistent (f->c.cache_path, 0);
}

#define HAS_LIST_INDEX "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_by_posted_at'"

typedef struct
{
  Fixture  *f;
  gboolean  pending;     /* at the last page */
  gboolean  list_index;  /* at the last page */
  gboolean  early_index; /* at the first page */
  gboolean  first_seen;
} ListLog;

static void
log_lists_cb (WhSync     *sync,
              const char *collection,
              gint64      done,
              gint64      total,
              ListLog    *log)
{
  if (g_strcmp0 (collection, "jobs") != 0 || done == 0)
    return;
  if (!log->first_seen)
    {
      log->first_seen = TRUE;
      log->early_index = cache_int (log->f->c.cache_path, HAS_LIST_INDEX) > 0;
    }
  if (done >= total)
    {
      log->pending = wh_store_get_indexes_pending (log->f->c.store, &wh_collection_jobs,
                                                   NULL) == 1;
      log->list_index = cache_int (log->f->c.cache_path, HAS_LIST_INDEX) > 0;
    }
}

/* A first pull into an empty table leaves the secondary indexes out (made
 * at once by sorting is cheaper than row by row), and makes them before its
 * last page: when that page is written, the list's orders and filters are
 * indexed although the rows' full-text entries are still being built. */
static void
test_deferred_list_indexes (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(WhStore) reference = reference_store (f);
  ListLog log = { f, FALSE, FALSE, TRUE, FALSE };
  gulong id;

  set_small_deferral (f->c.store);
  wh_sync_set_page_limit (f->c.sync, 40);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (log_lists_cb), &log);
  assert_sync_ok (f, NULL);
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_true (log.first_seen);
  g_assert_false (log.early_index);
  g_assert_true (log.pending);
  g_assert_true (log.list_index);
  assert_nothing_pending (f->c.store);
  assert_cache_equal (f);
  assert_reads_match (f->c.store, reference);
  assert_cache_consistent (f->c.cache_path, 0);
}

typedef struct
{
  Fixture  *f;
  gboolean  stopped;
} StopJobs;

static void
stop_at_second_page_cb (WhSync     *sync,
                        const char *collection,
                        gint64      done,
                        gint64      total,
                        StopJobs   *stop)
{
  /* Page 2 committed; page 3 is being fetched or waits for the writer. */
  if (g_strcmp0 (collection, "jobs") == 0 && done == 80 && !stop->stopped)
    {
      wh_test_server_stop (stop->f->c.server);
      stop->stopped = TRUE;
    }
}

/* A server error on page N+1 while page N commits: N stays whole, the
 * cursor says where to resume, nothing of N+1 is written. */
static void
test_pipeline_error (Fixture      *f,
                     gconstpointer data)
{
  static const WhCollection * const jobs[] = { &wh_collection_jobs };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  StopJobs stop = { f, FALSE };
  gint64 count, cursor;
  gulong id;

  wh_sync_set_page_limit (f->c.sync, 40);
  wh_api_set_retry_policy (f->c.api, 2, 10, 20, 100);
  id = g_signal_connect (f->c.sync, "progress", G_CALLBACK (stop_at_second_page_cb), &stop);
  wh_sync_run_async (f->c.sync, jobs, 1, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_false (wh_sync_run_finish (f->c.sync, result, &report, &error));
  g_signal_handler_disconnect (f->c.sync, id);
  g_assert_true (stop.stopped);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  /* Pages 1 and 2, and page 3 only if it was fetched before the stop (the
   * jobs closed by today among them as tombstones, not cached). */
  {
    const WhSyncCollectionReport *cr = &g_array_index (report->collections,
                                                       WhSyncCollectionReport, 0);
    guint64 received = cr->records + cr->deleted;

    count = wh_store_count (f->c.store, &wh_collection_jobs, NULL);
    g_assert_true (received == 80 || received == 120);
    g_assert_cmpint (count, ==, cr->records);
    g_assert_cmpuint (cr->pages, ==, received / 40);
  }
  cursor = wh_store_get_cursor (f->c.store, &wh_collection_jobs, NULL, NULL);
  g_assert_cmpint (cursor, >, 0);
  assert_cache_consistent (f->c.cache_path, 0);

  restart_and_resync (f);
}

typedef struct
{
  GMutex  lock;
  WhStore *store;
  GArray  *cursors; /* gint64, in the order pages committed */
} CursorLog;

static void
log_cursor_cb (WhStore    *store,
               const char *what,
               gpointer    data)
{
  CursorLog *log = data;
  gint64 cursor;

  if (g_strcmp0 (what, "jobs") != 0)
    return;
  /* In the writer's thread, right after the commit. */
  cursor = wh_store_get_cursor (store, &wh_collection_jobs, NULL, NULL);
  g_mutex_lock (&log->lock);
  g_array_append_val (log->cursors, cursor);
  g_mutex_unlock (&log->lock);
}

/* Pages are written in the order of the feed, although the next one is
 * fetched and decoded while one is written: the cursor (which never goes
 * back) rises at every commit, so no page came after a later one. */
static void
test_pipeline_order (Fixture      *f,
                     gconstpointer data)
{
  CursorLog log = { { 0 }, f->c.store, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  g_autoptr(WhSyncReport) report = NULL;
  guint pages = 0;

  g_mutex_init (&log.lock);
  wh_sync_set_page_limit (f->c.sync, 7);
  /* ::changed is coalesced on the main context: the commit hook sees each
   * commit in the writer's thread. */
  wh_store_set_commit_hook (f->c.store, log_cursor_cb, &log);
  assert_sync_ok (f, &report);
  wh_store_set_commit_hook (f->c.store, NULL, NULL);
  for (guint i = 0; i < report->collections->len; i++)
    if (g_array_index (report->collections, WhSyncCollectionReport, i).collection ==
        &wh_collection_jobs)
      pages = g_array_index (report->collections, WhSyncCollectionReport, i).pages;
  g_assert_cmpuint (pages, >, 10);
  g_assert_cmpuint (log.cursors->len, ==, pages);
  for (guint i = 1; i < log.cursors->len; i++)
    g_assert_cmpint (g_array_index (log.cursors, gint64, i), >,
                     g_array_index (log.cursors, gint64, i - 1));
  assert_cache_equal (f);
  g_array_unref (log.cursors);
  g_mutex_clear (&log.lock);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && strcmp (argv[1], "--child-sync") == 0)
    return child_sync (argv[2], argv[3]);

  wh_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_FEED(path, func) /* the feed's pages: no region snapshot */ \
  g_test_add (path, Fixture, "feed", fixture_setup, func, fixture_teardown)
  ADD ("/sync/full", test_full);
  ADD ("/sync/incremental", test_incremental);
  ADD ("/sync/not-modified", test_not_modified);
  ADD ("/sync/region", test_region);
  ADD ("/sync/region-change", test_region_change);
  ADD ("/sync/region-change/few", test_region_change_few);
  ADD ("/sync/cancel", test_cancel);
  ADD ("/sync/faults", test_faults);
  ADD ("/sync/malformed-pages", test_malformed_pages);
  ADD ("/sync/server-dies", test_server_dies);
  ADD ("/sync/unreachable", test_unreachable);
  ADD ("/sync/rewound", test_rewound);
  ADD ("/sync/killed", test_killed);
  ADD ("/sync/killed-deferred", test_killed_deferred);
  ADD_FEED ("/sync/deferred/build", test_deferred);
  ADD_FEED ("/sync/deferred/cancel", test_deferred_cancel);
  ADD_FEED ("/sync/deferred/pace", test_deferred_pace);
  ADD_FEED ("/sync/deferred/list-indexes", test_deferred_list_indexes);
  ADD_FEED ("/sync/deferred/pipeline-error", test_pipeline_error);
  ADD_FEED ("/sync/deferred/pipeline-order", test_pipeline_order);
  ADD ("/sync/outbox", test_outbox);
  ADD ("/sync/background", test_background);
  ADD ("/sync/background/offline-retry", test_offline_retry);
  ADD ("/sync/background/offline-network-change", test_offline_network_change);
#undef ADD

  return g_test_run ();
}
