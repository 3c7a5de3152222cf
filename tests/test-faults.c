/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every fault of the reference server at once, on every route (scope=all):
 * 500s, 429s with Retry-After, 503s, dropped connections (before the
 * response and half-way through it), malformed bodies and slow responses.
 *
 * Reads: syncs until one completes, with the server's data changing between
 * runs; each completed sync must leave the cache equal to the server's data,
 * with nothing lost and nothing twice, while the faults are still on.
 *
 * Writes: the outbox (bookmarks, lesson progress, station reports) replayed
 * through the same faults, where a dropped connection loses the answer of a
 * write the server has made; and a voucher claim retried with its
 * Idempotency-Key until it has an answer. The server must end with each
 * write exactly once and one voucher.
 *
 * The fault seed comes from the test's random seed (printed at the start;
 * `--seed` replays a run).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-outbox.h"
#include "wh-server.h"
#include "wh-sync.h"
#include "wh-test-cache.h"
#include "wh-test-server.h"
#include "wh-test.h"

#define ALL_FAULTS "error=0.1,429=0.08,503=0.08,drop=0.12,malformed=0.1,delay=0.15," \
                   "delay_ms=150,scope=all"

typedef struct
{
  WhTestClient  c; /* first: g_test_add passes this fixture to its setup */
  char         *faults;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  wh_test_client_setup (&f->c);
  /* Patient enough for these rates, quick enough for a test; Retry-After
   * of a 429 or 503 still decides the wait it names. */
  wh_api_set_retry_policy (f->c.api, 6, 20, 200, 1100);
  f->faults = g_strdup_printf ("%s,seed=%u", ALL_FAULTS, g_test_rand_int_range (1, 1 << 30));
  g_test_message ("faults: %s", f->faults);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  wh_test_client_teardown (&f->c);
  g_free (f->faults);
}

static gboolean
run_sync (Fixture       *f,
          WhSyncReport **report,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_sync_run_async (f->c.sync, NULL, 0, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_sync_run_finish (f->c.sync, result, report, error);
}

static gint64
server_count (Fixture    *f,
              const char *sql)
{
  return wh_test_db_query_int (wh_test_server_get_db_path (f->c.server), sql);
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  guint round;
} Churn;

/* New titles for some jobs, some courses gone, a new station: the pages
 * of the next run are not those of the last. */
static void
churn_cb (WhServer *server,
          gpointer  user_data)
{
  Churn *churn = user_data;
  sqlite3 *db = wh_server_get_db (server);
  g_autofree char *where = g_strdup_printf ("id %% 7 = %u", churn->round % 7);
  g_autoptr(GPtrArray) jobs = wh_test_server_db_records (db, &wh_collection_jobs, where, 60);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) station = NULL;
  gint64 course = 0;

  for (guint i = 0; i < jobs->len; i++)
    {
      WhRecord *job = g_ptr_array_index (jobs, i);
      g_autofree char *title = g_strdup_printf ("保洁员（第%u批）", churn->round);

      wh_record_set_text (job, "title", title);
      g_assert_true (wh_server_put_record (server, job, &error));
    }

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT min(id) FROM courses WHERE deleted = 0", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    course = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (course > 0)
    g_assert_true (wh_server_delete_record (server, &wh_collection_courses, course, &error));

  station = wh_record_new (&wh_collection_stations);
  station->id = 7000000 + churn->round;
  wh_record_set_text (station, "name", "故障测试驿站");
  wh_record_set_text (station, "address", "北京市东城区测试路 1 号");
  wh_record_set_real (station, "lat", 39.9 + churn->round * 0.001);
  wh_record_set_real (station, "lon", 116.4);
  wh_record_set_text (station, "status", "open");
  g_assert_true (wh_server_put_record (server, station, &error));
  g_assert_no_error (error);
}

static void
test_sync_all_faults (Fixture      *f,
                      gconstpointer data)
{
  guint runs = 0, failed = 0, completed = 0, pages = 0;
  Churn churn = { 0 };

  /* small pages: many requests, each one a chance for a fault */
  wh_sync_set_page_limit (f->c.sync, 40);
  wh_test_server_set_faults (f->c.server, f->faults);
  while (completed < 3)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhSyncReport) report = NULL;

      g_assert_cmpuint (runs++, <, 40);
      if (!run_sync (f, &report, &error))
        {
          /* a page can fail for good after its retries; the next run resumes */
          failed++;
          wh_test_assert_cache_consistent (f->c.cache_path, 0, FALSE);
          continue;
        }
      for (guint i = 0; i < report->collections->len; i++)
        pages += g_array_index (report->collections, WhSyncCollectionReport, i).pages;
      /* complete under the faults: equal to the server, nothing lost or twice */
      wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);
      wh_test_assert_cache_equal (wh_test_server_get_db_path (f->c.server), f->c.store, 0);
      completed++;
      churn.round++;
      wh_test_server_run (f->c.server, churn_cb, &churn);
    }
  g_test_message ("%u runs: %u completed (each equal to the server's data), %u stopped by a"
                  " fault and resumed; %u pages", runs, completed, failed, pages);
  /* faults that never fire would prove nothing */
  g_assert_cmpuint (failed + pages, >, 0);
}

/* ------------------------------------------------------------------------ */

#define PHONE "13800138001"
#define MERCHANT 4242
#define N_BOOKMARKS 12
#define N_PROGRESS 8
#define N_REPORTS 5

static void
login (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = NULL;

  wh_api_login_async (f->c.api, PHONE, WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  me = wh_api_login_finish (f->c.api, result, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
queue_writes (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < N_BOOKMARKS; i++)
    {
      g_autoptr(WhRecord) r = wh_record_new (&wh_collection_bookmarks);

      wh_record_set_int (r, "job_id", i + 1);
      wh_record_set_text (r, "updated_at", "2026-11-20T08:00:00+08:00");
      g_assert_true (wh_outbox_queue_record (f->c.store, r, &error));
    }
  for (guint i = 0; i < N_PROGRESS; i++)
    {
      g_autoptr(WhRecord) r = wh_record_new (&wh_collection_progress);

      wh_record_set_int (r, "lesson_id", i + 1);
      wh_record_set_int (r, "course_id", 1);
      wh_record_set_bool (r, "completed", TRUE);
      wh_record_set_text (r, "updated_at", "2026-11-20T09:00:00+08:00");
      g_assert_true (wh_outbox_queue_record (f->c.store, r, &error));
    }
  for (guint i = 0; i < N_REPORTS; i++)
    {
      g_autoptr(WhRecord) r = wh_record_new (&wh_collection_station_reports);
      g_autofree char *id = g_strdup_printf ("fault-report-%u", i);

      wh_record_set_text (r, "report_id", id);
      wh_record_set_int (r, "station_id", i + 1);
      wh_record_set_text (r, "problem", "no_hot_water");
      wh_record_set_text (r, "reported_at", "2026-11-20T08:00:00+08:00");
      g_assert_true (wh_outbox_queue_record (f->c.store, r, &error));
    }
  g_assert_no_error (error);
}

static void
put_merchant (Fixture *f)
{
  static const char * const windows[] = { "00:00-24:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = MERCHANT;
  wh_record_set_text (m, "name", "故障测试小馆");
  wh_record_set_text (m, "address", "北京市朝阳区望京街 8 号");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", 50);
  wh_record_set_int (m, "remaining_today", 50);
  wh_test_server_put_record (f->c.server, m);
}

static void
test_writes_once (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *key = wh_api_new_idempotency_key ();
  guint runs = 0, attempts = 0, sent = 0;
  g_autoptr(WhRecord) voucher = NULL;

  put_merchant (f);
  login (f);
  queue_writes (f);
  wh_test_server_set_faults (f->c.server, f->faults);

  while (wh_store_outbox_count (f->c.store, NULL) > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhSyncReport) report = NULL;

      g_assert_cmpuint (runs++, <, 40);
      run_sync (f, &report, &error);
      for (guint i = 0; i < report->messages->len; i++)
        g_test_message ("run %u: %s", runs, (const char *) report->messages->pdata[i]);
      g_assert_cmpuint (report->outbox_dropped, ==, 0);
      sent += report->outbox_sent;
    }

  /* one claim, asked again with the same key until it has an answer */
  while (voucher == NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (attempts++, <, 30);
      wh_api_claim_voucher_async (f->c.api, MERCHANT, key, NULL, wh_test_result_cb, &result);
      wh_test_await (&result);
      voucher = wh_api_claim_voucher_finish (f->c.api, result, &error);
      if (voucher == NULL)
        g_assert_true (wh_api_error_is_transient (error) ||
                       g_error_matches (error, WH_API_ERROR, WH_API_ERROR_MALFORMED));
    }
  g_test_message ("outbox replayed in %u runs (%u writes sent), voucher claimed in %u attempts",
                  runs, sent, attempts);

  wh_test_server_set_faults (f->c.server, "");
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM bookmarks"), ==, N_BOOKMARKS);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM progress WHERE completed = 1"), ==,
                   N_PROGRESS);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM station_reports"), ==, N_REPORTS);
  g_assert_cmpint (server_count (f, "SELECT count(*) FROM vouchers"), ==, 1);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM vouchers WHERE voucher_id = '%s'",
                                            wh_record_get_text (voucher, "voucher_id"));

    g_assert_cmpint (server_count (f, sql), ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  g_test_add ("/faults/sync-all-at-once", Fixture, NULL, fixture_setup, test_sync_all_faults,
              fixture_teardown);
  g_test_add ("/faults/writes-once", Fixture, NULL, fixture_setup, test_writes_once,
              fixture_teardown);
  return g_test_run ();
}
