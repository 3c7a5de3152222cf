/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"
#include "wh-test-store.h"
#include "wh-test.h"

/* ---- helpers ------------------------------------------------------------ */

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static char *
tmp_cache_path (void)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  return g_build_filename (dir, "sub", "cache.db", NULL);
}

/* For tests that write the file before the store creates its directory. */
static void
make_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
}

static gint64
count_fts (WhStore *store, const char *query)
{
  g_autoptr(GError) error = NULL;
  gint64 n = wh_store_search_count (store, &wh_collection_jobs, query, &error);

  g_assert_no_error (error);
  return n;
}

/* ---- open, privacy, versions -------------------------------------------- */

static void
test_open_private (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  GStatBuf st;

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_store_get_path (store), ==, path);
  /* Write something so the WAL exists. */
  g_assert_cmpint (wh_store_outbox_add (store, "bookmark", "1", "{}", &error), >, 0);
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_tightens_existing (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  GStatBuf st;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* A cache put straight into a shared folder (`--cache /tmp/cache.db`)
 * leaves the folder as it was: making /tmp private broke the machine's
 * printing (CUPS's filters, user lp, could no longer reach it). */
static void
test_open_leaves_shared_folder (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  GStatBuf st;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (dir, 01777), ==, 0);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 01777);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_wal_and_version (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  sqlite3 *db;

  g_assert_no_error (error);
  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "PRAGMA user_version"), ==, WH_STORE_SCHEMA_VERSION);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
                   ==, 1);
  /* Every synced collection has its table; searchable ones their FTS, located their R*Tree. */
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                                " ('jobs', 'jobs_fts', 'jobs_geo', 'stations_geo', 'merchants_geo',"
                                "  'lessons', 'questions', 'courses_fts', 'employers_by_city_adcode')"),
                   ==, 9);
  sqlite3_close (db);
}

static void
test_reopen_idempotent (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) back = NULL;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(WhStore) store = wh_store_open (path, &error);

      g_assert_no_error (error);
      if (i == 0)
        {
          wh_test_apply (store, &wh_collection_jobs, "110000", 5,
                         wh_test_make_job (1, 5, "高级电工技师", NULL), NULL);
          g_assert_cmpint (wh_store_outbox_add (store, "progress", "9", "{\"a\":1}", &error), >, 0);
        }
      g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, "110000", &error), ==, 5);
      g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 1);
      g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 1);
      g_assert_cmpint (count_fts (store, "电工"), ==, 1);
      g_assert_no_error (error);
    }
}

static void
test_newer_version_refused (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  sqlite3 *db;

  make_parent_dir (path);
  db = raw_open (path);
  raw_exec (db, "PRAGMA user_version = 99; CREATE TABLE future (x);");
  sqlite3_close (db);

  store = wh_store_open (path, &error);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NEWER_VERSION);
  g_assert_null (store);

  /* Untouched: same version, still in rollback-journal mode, no tables added. */
  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "PRAGMA user_version"), ==, 99);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'"),
                   ==, 1);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM sqlite_schema"), ==, 1);
  sqlite3_close (db);
}

static void
test_corrupt_refused (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  char junk[4096];

  memset (junk, 'x', sizeof junk);
  make_parent_dir (path);
  g_assert_true (g_file_set_contents (path, junk, sizeof junk, NULL));
  store = wh_store_open (path, &error);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_CORRUPT);
  g_assert_null (store);
}

/* The fixed tables exactly as release 1 created them. */
static const char v1_sql[] =
  "CREATE TABLE sync_state ("
  "  collection TEXT NOT NULL,"
  "  region TEXT NOT NULL DEFAULT '',"
  "  next_since INTEGER NOT NULL DEFAULT 0,"
  "  synced_at INTEGER NOT NULL DEFAULT 0,"
  "  etag TEXT,"
  "  PRIMARY KEY (collection, region)) WITHOUT ROWID;"
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  kind TEXT NOT NULL,"
  "  key TEXT,"
  "  body TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT);"
  "CREATE UNIQUE INDEX outbox_by_key ON outbox (kind, key) WHERE key IS NOT NULL;"
  "CREATE TABLE cache_layout ("
  "  collection TEXT PRIMARY KEY,"
  "  layout TEXT NOT NULL) WITHOUT ROWID;"
  /* A jobs table of an older layout, with a cursor that must be reset. */
  "CREATE TABLE jobs (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, title TEXT);"
  "INSERT INTO jobs VALUES (1, 10, 'old');"
  "INSERT INTO cache_layout VALUES ('jobs', '0|title TEXT');"
  "INSERT INTO sync_state (collection, region, next_since) VALUES ('jobs', '', 10);"
  "INSERT INTO sync_state (collection, region, next_since) VALUES ('stations', '', 77);"
  "INSERT INTO outbox (kind, key, body, created_at) VALUES ('progress', '3', '{}', 1);"
  "PRAGMA user_version = 1;";

static void
test_migrate_from_v1 (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  sqlite3 *db;

  make_parent_dir (path);
  db = raw_open (path);
  raw_exec (db, v1_sql);
  sqlite3_close (db);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);

  /* Personal data survives; the old jobs table was rebuilt and its cursor
   * reset, and so was the cursor of stations, whose table was missing. */
  outbox = wh_store_outbox_peek (store, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (((WhOutboxEntry *) outbox->pdata[0])->kind, ==, "progress");
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_stations, NULL, &error), ==, 0);
  g_assert_no_error (error);
  wh_test_apply (store, &wh_collection_jobs, NULL, 11, wh_test_make_job (1, 11, "焊工", NULL),
                 NULL);
  g_assert_cmpint (count_fts (store, "焊工"), ==, 1);

  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "PRAGMA user_version"), ==, WH_STORE_SCHEMA_VERSION);
  raw_exec (db, "INSERT INTO progress (lesson_id, course_id, updated_at) VALUES (1, 2, 'x');"
                "INSERT INTO bookmarks (job_id, updated_at) VALUES (1, 'x');");
  sqlite3_close (db);
}

static void
test_migrate_from_v0 (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  sqlite3 *db;

  /* An empty file (as after a crash right after creating it) is version 0. */
  make_parent_dir (path);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "PRAGMA user_version"), ==, WH_STORE_SCHEMA_VERSION);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM sqlite_schema WHERE name = 'vouchers'"), ==, 1);
  sqlite3_close (db);
}

/* ---- apply_page ---------------------------------------------------------- */

static void
test_apply_page (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(WhRecord) expected = wh_test_make_job (2, 4, "叉车司机", "仓库叉车司机，月薪3000");
  WhSyncState state = { 0 };

  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, "110000", &error), ==, 0);
  wh_test_apply (store, &wh_collection_jobs, "110000", 4,
                 wh_test_make_job (1, 3, "保洁员", "商场保洁"),
                 wh_test_make_job (2, 4, "叉车司机", "仓库叉车司机，月薪3000"), NULL);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, "110000", &error), ==, 4);
  /* Cursors are per region. */
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, "440300", &error), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 0);

  job = wh_store_get_record (store, &wh_collection_jobs, 2, &error);
  g_assert_no_error (error);
  g_assert_true (wh_record_equal (job, expected));
  g_assert_cmpint (job->rev, ==, 4);

  g_assert_true (wh_store_get_sync_state (store, &wh_collection_jobs, "110000", &state, &error));
  g_assert_cmpint (state.next_since, ==, 4);
  g_assert_cmpint (state.synced_at, >, 1700000000);
  g_assert_null (state.etag);
  wh_sync_state_clear (&state);
  g_assert_true (wh_store_set_sync_checked (store, &wh_collection_jobs, "110000", "\"abc\"", &error));
  g_assert_true (wh_store_get_sync_state (store, &wh_collection_jobs, "110000", &state, &error));
  g_assert_cmpstr (state.etag, ==, "\"abc\"");
  g_assert_cmpint (state.next_since, ==, 4);
  wh_sync_state_clear (&state);
  g_assert_no_error (error);

  g_assert_null (wh_store_get_record (store, &wh_collection_jobs, 99, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
}

static void
test_apply_update_and_tombstone (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(GPtrArray) near = NULL;

  wh_test_apply (store, &wh_collection_jobs, NULL, 3,
                 wh_test_make_job (1, 1, "保洁员", NULL),
                 wh_test_make_job (2, 2, "快递员", NULL),
                 wh_test_make_job (3, 3, "焊工", NULL), NULL);
  {
    WhRecord *moved = wh_test_make_job (2, 5, "快递分拣员", NULL);
    wh_record_set_real (moved, "lat", 39.9);
    wh_record_set_real (moved, "lon", 116.4);
    /* An update, a tombstone, and a tombstone for a row never seen. */
    wh_test_apply (store, &wh_collection_jobs, NULL, 7, moved,
                   wh_test_make_tombstone (&wh_collection_jobs, 3, 6),
                   wh_test_make_tombstone (&wh_collection_jobs, 42, 7), NULL);
  }
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 2);
  g_assert_cmpint (count_fts (store, "焊工"), ==, 0);
  g_assert_cmpint (count_fts (store, "快递"), ==, 1);
  g_assert_cmpint (count_fts (store, "分拣"), ==, 1);
  job = wh_store_get_record (store, &wh_collection_jobs, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (job, "title"), ==, "快递分拣员");
  near = wh_store_query_nearest (store, &wh_collection_jobs, 39.9, 116.4, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (near->len, ==, 1);

  /* Deleting the located row clears the R*Tree too. */
  wh_test_apply (store, &wh_collection_jobs, NULL, 8,
                 wh_test_make_tombstone (&wh_collection_jobs, 2, 8), NULL);
  g_clear_pointer (&near, g_ptr_array_unref);
  near = wh_store_query_nearest (store, &wh_collection_jobs, 39.9, 116.4, 5, &error);
  g_assert_cmpuint (near->len, ==, 0);
  g_assert_cmpint (count_fts (store, "快递"), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 8);
}

static void
test_apply_twice_noop (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job = NULL;

  for (int i = 0; i < 2; i++)
    wh_test_apply (store, &wh_collection_jobs, NULL, 2,
                   wh_test_make_job (1, 1, "电工", NULL),
                   wh_test_make_job (2, 2, "高级电工技师", NULL), NULL);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 2);
  g_assert_cmpint (count_fts (store, "电工"), ==, 2);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 2);

  /* A newer page, then the old one replayed: the newer row and cursor stay. */
  wh_test_apply (store, &wh_collection_jobs, NULL, 9, wh_test_make_job (1, 9, "焊工", NULL), NULL);
  wh_test_apply (store, &wh_collection_jobs, NULL, 2,
                 wh_test_make_job (1, 1, "电工", NULL),
                 wh_test_make_job (2, 2, "高级电工技师", NULL), NULL);
  job = wh_store_get_record (store, &wh_collection_jobs, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (job, "title"), ==, "焊工");
  g_assert_cmpint (job->rev, ==, 9);
  g_assert_cmpint (count_fts (store, "电工"), ==, 1);
  g_assert_cmpint (count_fts (store, "焊工"), ==, 1);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 9);
}

/* A page is written through a stage; within it, records still take effect
 * in page order and by rev: the newest of an id given twice wins, and a
 * tombstone removes what came before it in the page but not what follows. */
static void
test_apply_order_within_page (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job1 = NULL;
  g_autoptr(WhRecord) job2 = NULL;
  g_autoptr(WhRecord) job4 = NULL;
  g_autoptr(WhRecord) job5 = NULL;

  wh_test_apply (store, &wh_collection_jobs, NULL, 2,
                 wh_test_make_job (4, 1, "厨师", NULL),
                 wh_test_make_job (5, 2, "保安", NULL), NULL);
  wh_test_apply (store, &wh_collection_jobs, NULL, 20,
                 /* twice, older first, then newer first */
                 wh_test_make_job (1, 10, "电工", NULL),
                 wh_test_make_job (1, 11, "焊工", NULL),
                 wh_test_make_job (2, 13, "月嫂", NULL),
                 wh_test_make_job (2, 12, "家政", NULL),
                 /* written, then deleted in the same page */
                 wh_test_make_job (3, 14, "叉车司机", NULL),
                 wh_test_make_tombstone (&wh_collection_jobs, 3, 15),
                 /* deleted, then written again */
                 wh_test_make_tombstone (&wh_collection_jobs, 4, 16),
                 wh_test_make_job (4, 17, "面点师", NULL),
                 /* a tombstone older than the record staged before it */
                 wh_test_make_job (5, 19, "仓库保安", NULL),
                 wh_test_make_tombstone (&wh_collection_jobs, 5, 18), NULL);

  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 4);
  job1 = wh_store_get_record (store, &wh_collection_jobs, 1, &error);
  job2 = wh_store_get_record (store, &wh_collection_jobs, 2, &error);
  job4 = wh_store_get_record (store, &wh_collection_jobs, 4, &error);
  job5 = wh_store_get_record (store, &wh_collection_jobs, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (job1, "title"), ==, "焊工");
  g_assert_cmpint (job1->rev, ==, 11);
  g_assert_cmpstr (wh_record_get_text (job2, "title"), ==, "月嫂");
  g_assert_cmpint (job2->rev, ==, 13);
  g_assert_null (wh_store_get_record (store, &wh_collection_jobs, 3, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (wh_record_get_text (job4, "title"), ==, "面点师");
  g_assert_cmpint (job4->rev, ==, 17);
  g_assert_cmpstr (wh_record_get_text (job5, "title"), ==, "仓库保安");
  g_assert_cmpint (job5->rev, ==, 19);

  /* The search index holds exactly the surviving text. */
  g_assert_cmpint (count_fts (store, "焊工"), ==, 1);
  g_assert_cmpint (count_fts (store, "电工"), ==, 0);
  g_assert_cmpint (count_fts (store, "月嫂"), ==, 1);
  g_assert_cmpint (count_fts (store, "家政"), ==, 0);
  g_assert_cmpint (count_fts (store, "叉车"), ==, 0);
  g_assert_cmpint (count_fts (store, "厨师"), ==, 0);
  g_assert_cmpint (count_fts (store, "面点"), ==, 1);
  g_assert_cmpint (count_fts (store, "保安"), ==, 1);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 20);

  /* The stage is empty again: the next page writes only its own rows. */
  wh_test_apply (store, &wh_collection_jobs, NULL, 21, wh_test_make_job (6, 21, "司机", NULL), NULL);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 5);
  g_assert_no_error (error);
}

static void
test_apply_rejects_mixed_page (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(WhPage) vouchers = wh_page_new (&wh_collection_vouchers);

  g_ptr_array_add (page->records, wh_test_make_job (1, 1, "电工", NULL));
  g_ptr_array_add (page->records, wh_test_make_station (2, 2, "驿站", 39, 116));
  page->next_since = 2;
  g_assert_false (wh_store_apply_page (store, page, NULL, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_clear_error (&error);
  /* Nothing of it was written. */
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 0);

  g_assert_false (wh_store_apply_page (store, vouchers, NULL, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
}

/* A transaction that fails half way leaves neither rows nor cursor. */
static void
test_apply_atomic (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  sqlite3 *db;

  /* Another process makes the third row's write fail. */
  db = raw_open (path);
  raw_exec (db, "CREATE TRIGGER boom BEFORE INSERT ON jobs WHEN new.id = 3 BEGIN"
                " SELECT RAISE (ABORT, 'disk trouble'); END;");
  sqlite3_close (db);

  for (int i = 1; i <= 4; i++)
    g_ptr_array_add (page->records, wh_test_make_job (i, i, "电工", NULL));
  page->next_since = 4;
  g_assert_false (wh_store_apply_page (store, page, NULL, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 0);
  g_assert_cmpint (count_fts (store, "电工"), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_reset_collection (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;

  wh_test_apply (store, &wh_collection_jobs, "110000", 5, wh_test_make_job (1, 5, "电工", NULL), NULL);
  wh_test_apply (store, &wh_collection_stations, NULL, 6,
                 wh_test_make_station (1, 6, "望京驿站", 39.99, 116.47), NULL);
  g_assert_true (wh_store_reset_collection (store, &wh_collection_jobs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 0);
  g_assert_cmpint (count_fts (store, "电工"), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, "110000", &error), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_stations, NULL, &error), ==, 6);
  wh_test_apply (store, &wh_collection_jobs, "110000", 7, wh_test_make_job (1, 7, "电工", NULL), NULL);
  g_assert_cmpint (count_fts (store, "电工"), ==, 1);
}

static void
changed_cb (WhStore    *store,
            const char *what,
            GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup (what));
}

static void
test_changed_signal (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), seen);
  wh_test_apply (store, &wh_collection_jobs, NULL, 1, wh_test_make_job (1, 1, "电工", NULL), NULL);
  wh_store_outbox_add (store, "bookmark", "1", "{}", &error);
  g_assert_no_error (error);
  /* Emitted later, from the store's context, never inside the write. */
  g_assert_cmpuint (seen->len, ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (seen->pdata[0], ==, "jobs");
  g_assert_cmpstr (seen->pdata[1], ==, "outbox");
}

/* ---- deferred indexing --------------------------------------------------- */

static const char * const deferred_words[] = {
  "高级电工", "保洁员", "快递分拣", "叉车司机", "焊工", "C1驾照", "CNC操作", "月薪4500",
  "ＣＮＣ学徒", "Café barista", "日结", "包吃住",
};

/* A job whose texts, place and fields vary with id and rev. */
static WhRecord *
deferred_job (gint64 id,
              gint64 rev)
{
  guint n = G_N_ELEMENTS (deferred_words);
  g_autofree char *title = g_strdup_printf ("%s%s", deferred_words[id % n],
                                            deferred_words[(id / n + rev) % n]);
  g_autofree char *description = g_strdup_printf ("招%s，%s。编号%" G_GINT64_FORMAT,
                                                  deferred_words[(id * 7 + rev) % n],
                                                  deferred_words[(id * 3) % n], id);
  WhRecord *job = wh_test_make_job (id, rev, title, (id % 5) ? description : NULL);

  if (id % 7)
    {
      wh_record_set_real (job, "lat", 39.8 + (id % 40) * 0.01 + rev * 1e-5);
      wh_record_set_real (job, "lon", 116.2 + (id % 37) * 0.01);
    }
  return job;
}

static WhPage *
deferred_page (gint64 since,
               gint64 first_id,
               guint  n,
               gint64 rev,
               gint64 remaining)
{
  WhPage *page = wh_page_new (&wh_collection_jobs);

  page->since = since;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (page->records, deferred_job (first_id + i, rev + i));
  page->next_since = rev + n;
  page->server_rev = page->next_since + 1000;
  page->has_more = TRUE;
  page->remaining = remaining;
  return page;
}

static const char * const deferred_queries[] = {
  "电工", "电", "保洁", "快递 分拣", "c1", "CNC", "cn", "4500", "café", "bar", "编号1",
  "司机焊", "日结包", "nothing",
  /* Pinyin, initials and traditional characters (#19): the names index. */
  "diangong", "dian gong", "dg", "kuaidi fenjian", "kdfj", "baojie", "bj", "電工", "快遞",
};

static GHashTable *
id_set (GPtrArray *records)
{
  GHashTable *set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < records->len; i++)
    g_hash_table_add (set, g_memdup2 (&((WhRecord *) records->pdata[i])->id, sizeof (gint64)));
  return set;
}

static void
assert_same_ids (GPtrArray  *a,
                 GPtrArray  *b,
                 const char *what)
{
  g_autoptr(GHashTable) sa = id_set (a);
  g_autoptr(GHashTable) sb = id_set (b);
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (sa) != g_hash_table_size (sb))
    g_error ("%s: %u rows against %u", what, g_hash_table_size (sa), g_hash_table_size (sb));
  g_hash_table_iter_init (&iter, sa);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (sb, key))
      g_error ("%s: row %" G_GINT64_FORMAT " only on one side", what, *(gint64 *) key);
}

/* A search, its count, and a list with its match and a filter give the
 * same rows from store as from reference. */
static void
assert_search_reads_equal (WhStore    *store,
                           WhStore    *reference,
                           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) got = wh_store_search (store, &wh_collection_jobs, text, 100000, &error);
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
  g_autoptr(GPtrArray) got_query = NULL;
  g_autoptr(GPtrArray) want_query = NULL;

  g_assert_no_error (error);
  want = wh_store_search (reference, &wh_collection_jobs, text, 100000, &error);
  g_assert_no_error (error);
  assert_same_ids (got, want, text);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, text, NULL), ==,
                   (gint64) want->len);

  /* A list with a match and a filter, as the jobs view asks. */
  wh_query_set_match (query, text);
  wh_query_where_int (query, "salary_min", WH_QUERY_GE, 4000);
  got_query = wh_store_query (store, query, 0, 100000, &error);
  g_assert_no_error (error);
  want_query = wh_store_query (reference, query, 0, 100000, &error);
  g_assert_no_error (error);
  assert_same_ids (got_query, want_query, text);
  g_assert_cmpint (wh_store_query_count (store, query, NULL), ==, (gint64) want_query->len);
}

/* Every read that an index serves gives the same rows from a store whose
 * indexes are pending (or were built late) as from one kept by triggers. */
static void
assert_reads_equal (WhStore *store,
                    WhStore *reference)
{
  g_autoptr(GError) error = NULL;
  const double boxes[][4] = {
    { 39.8, 116.2, 40.3, 116.6 }, { 39.85, 116.25, 39.95, 116.3 }, { -90, -180, 90, 180 },
    { 39.9, 116.4, 39.9, 116.4 },
  };
  /* Under the sanitizers each call takes every Nth query, a different
   * share each time, so every query still meets several states of the
   * build (the normal pass takes them all every time). */
  static guint round;

  round++;
  for (guint q = 0; q < G_N_ELEMENTS (deferred_queries); q++)
    if (wh_test_sampled (q + round))
      assert_search_reads_equal (store, reference, deferred_queries[q]);

  for (guint b = 0; b < G_N_ELEMENTS (boxes); b++)
    {
      g_autoptr(GPtrArray) got = wh_store_query_viewport (store, &wh_collection_jobs, boxes[b][0],
                                                          boxes[b][1], boxes[b][2], boxes[b][3],
                                                          100000, &error);
      g_autoptr(GPtrArray) want = wh_store_query_viewport (reference, &wh_collection_jobs,
                                                           boxes[b][0], boxes[b][1], boxes[b][2],
                                                           boxes[b][3], 100000, &error);
      g_autoptr(GArray) got_points = wh_store_query_viewport_points (store, &wh_collection_jobs,
                                                                     boxes[b][0], boxes[b][1],
                                                                     boxes[b][2], boxes[b][3],
                                                                     100000, &error);
      g_autoptr(GPtrArray) got_near = wh_store_query_nearest (store, &wh_collection_jobs, 39.9,
                                                              116.4, 25, &error);
      g_autoptr(GPtrArray) want_near = wh_store_query_nearest (reference, &wh_collection_jobs,
                                                               39.9, 116.4, 25, &error);

      g_assert_no_error (error);
      assert_same_ids (got, want, "viewport");
      g_assert_cmpuint (got_points->len, ==, want->len);
      g_assert_cmpuint (got_near->len, ==, want_near->len);
      for (guint i = 0; i < got_near->len; i++)
        g_assert_cmpfloat_with_epsilon (((WhNearby *) got_near->pdata[i])->distance_m,
                                        ((WhNearby *) want_near->pdata[i])->distance_m, 0.5);
    }
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==,
                   wh_store_count (reference, &wh_collection_jobs, NULL));
}

/* The names of a collection's indexes and triggers. */
static char *
derived_names (const char *path)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  GString *names = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT type, name FROM sqlite_master"
                                           " WHERE tbl_name = 'jobs' AND type != 'table'"
                                           " ORDER BY name", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (names, "%s %s;", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (names, FALSE);
}

static void
test_deferred (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ref_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhStore) reference = wh_test_store_new (&ref_dir);
  g_autofree char *ref_names = NULL;
  g_autofree char *names = NULL;
  gboolean did_work = TRUE;

  path = g_strdup (wh_store_get_path (store));
  ref_names = derived_names (wh_store_get_path (reference));
  wh_store_set_deferral (store, 300, 70, 90);
  wh_store_set_deferral (reference, G_MAXUINT, 70, 90);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);

  /* A first pull of 400: the first page defers, and says so durably. */
  for (guint p = 0; p < 3; p++)
    {
      g_autoptr(WhPage) page = deferred_page (p * 100, 1 + p * 100, 100, 1 + p * 100,
                                              p == 0 ? 300 : -1);
      g_assert_true (wh_store_apply_page (store, page, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (wh_store_apply_page (reference, page, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 1);
      g_assert_cmpint (wh_store_get_indexes_pending (reference, &wh_collection_jobs, NULL), ==, 0);
      assert_reads_equal (store, reference);
    }
  /* A step indexes part of them (90 of 300 listed); reads stay the same. */
  g_assert_true (wh_store_build_indexes_step (store, &wh_collection_jobs, &did_work, &error));
  g_assert_no_error (error);
  g_assert_true (did_work);
  assert_reads_equal (store, reference);

  /* Updates (rows indexed by the step and rows not) and tombstones. */
  {
    g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);

    page->since = 300;
    for (gint64 id = 1; id <= 300; id += 13)
      g_ptr_array_add (page->records, deferred_job (id, 301 + id));
    for (gint64 id = 5; id <= 300; id += 29)
      g_ptr_array_add (page->records, wh_test_make_tombstone (&wh_collection_jobs, id, 700 + id));
    /* an update older than the cached row changes nothing */
    g_ptr_array_add (page->records, deferred_job (2, 1));
    page->next_since = 1100;
    page->server_rev = 1100;
    page->has_more = TRUE;
    g_assert_true (wh_store_apply_page (store, page, NULL, &error));
    g_assert_true (wh_store_apply_page (reference, page, NULL, &error));
    g_assert_no_error (error);
    assert_reads_equal (store, reference);
  }

  /* A crash after the last page, before the build: reopened, still exact. */
  g_clear_object (&store);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  wh_store_set_deferral (store, 300, 70, 90);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 1);
  assert_reads_equal (store, reference);

  /* The build: nothing pending, the same indexes and triggers, same reads. */
  g_assert_true (wh_store_build_indexes (store, &wh_collection_jobs, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);
  names = derived_names (path);
  g_assert_cmpstr (names, ==, ref_names);
  assert_reads_equal (store, reference);
  /* and later writes go through the triggers again */
  {
    g_autoptr(WhPage) page = deferred_page (1100, 5000, 50, 1101, 20000);
    g_assert_true (wh_store_apply_page (store, page, NULL, &error));
    g_assert_true (wh_store_apply_page (reference, page, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);
    assert_reads_equal (store, reference);
  }
  {
    sqlite3 *db = raw_open (path);
    g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
    g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs_geo"), ==,
                     wh_test_sql_int (db, "SELECT count(*) FROM jobs WHERE lat IS NOT NULL"));
    raw_exec (db, "INSERT INTO jobs_fts (jobs_fts, rank) VALUES ('integrity-check', 1)");
    sqlite3_close (db);
  }
}

/* Deferring over rows already cached (another region's first pull) keeps
 * their index entries and the secondary indexes. */
static void
test_deferred_not_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ref_dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(WhStore) reference = wh_test_store_new (&ref_dir);
  g_autoptr(WhPage) first = deferred_page (0, 1, 150, 1, -1);
  g_autoptr(WhPage) second = deferred_page (0, 100, 150, 200, 400);
  g_autofree char *names = NULL;

  wh_store_set_deferral (store, 300, 64, 64);
  g_assert_true (wh_store_apply_page (store, first, "110000", &error));
  g_assert_true (wh_store_apply_page (reference, first, "110000", &error));
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);
  /* overlaps ids 100..150, which are indexed already */
  g_assert_true (wh_store_apply_page (store, second, "120000", &error));
  g_assert_true (wh_store_apply_page (reference, second, "120000", &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 1);
  names = derived_names (wh_store_get_path (store));
  g_assert_nonnull (strstr (names, "index jobs_by_adcode;"));
  g_assert_null (strstr (names, "trigger"));
  assert_reads_equal (store, reference);
  g_assert_true (wh_store_build_indexes (store, &wh_collection_jobs, NULL, &error));
  g_assert_no_error (error);
  assert_reads_equal (store, reference);
}

/* The function searches use on rows not indexed yet agrees with FTS5 and
 * the wh tokenizer, row by row, on text that tests their edges. */
static void
test_match_texts (void)
{
  static const char * const rows[][2] = {
    { "高级电工技师 C1驾照", "Acme CNC1 ｃｎｃ" }, { "电 工", "cnc-1 c 1" }, { "驾照电工", NULL },
    { "Café barista", "保洁员，日结包吃住" }, { "4500元", "月薪14500" }, { NULL, "电工电工" },
  };
  static const char * const queries[] = {
    "电工", "电工技", "工技师", "技师c1", "师 C1", "c1", "C1驾", "cnc", "cnc1", "cn", "c", "nc",
    "acme cnc", "电 cnc1", "电工 保洁", "驾照电", "café", "CAFÉ", "caf", "barista café", "4500",
    "450", "日结包", "1", "工电",
  };
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
  raw_exec (db, "CREATE VIRTUAL TABLE t USING fts5 (a, b, tokenize = 'wh')");
  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t (rowid, a, b) VALUES (?, ?, ?)", -1,
                                           &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_int (stmt, 1, (int) r);
      sqlite3_bind_text (stmt, 2, rows[r][0], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, rows[r][1], -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_finalize (stmt);
    }

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autofree char *match = wh_search_build_match (queries[q]);
      sqlite3_stmt *stmt = NULL;
      guint fts = 0, ours = 0;

      g_assert_nonnull (match);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rowid FROM t WHERE t MATCH ?", -1, &stmt,
                                           NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        fts |= 1u << sqlite3_column_int (stmt, 0);
      sqlite3_finalize (stmt);
      for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
        if (wh_search_match_texts (match, rows[r], 2))
          ours |= 1u << r;
      if (fts != ours)
        g_error ("%s (%s): FTS5 finds rows %x, wh_search_match_texts %x", queries[q], match, fts,
                 ours);
    }
  sqlite3_close (db);
}

/* ---- outbox and personal data -------------------------------------------- */

static void
test_outbox (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 a, b, c, d;
  WhOutboxEntry *e;

  a = wh_store_outbox_add (store, "progress", "lesson-1", "{\"position\":1}", &error);
  b = wh_store_outbox_add (store, "bookmark", "job-5", "{\"on\":true}", &error);
  c = wh_store_outbox_add (store, "report", NULL, "{\"r\":1}", &error);
  d = wh_store_outbox_add (store, "report", NULL, "{\"r\":2}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (a, <, b);
  g_assert_cmpint (c, <, d);
  g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 4);

  /* The same lesson's progress again replaces the pending entry, with a new id. */
  {
    gint64 a2 = wh_store_outbox_add (store, "progress", "lesson-1", "{\"position\":9}", &error);
    g_assert_cmpint (a2, >, d);
    g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 4);
    /* Removing the replayed old id leaves the new one queued. */
    g_assert_true (wh_store_outbox_remove (store, a, &error));
    g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 4);
    a = a2;
  }

  entries = wh_store_outbox_peek (store, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  e = entries->pdata[0];
  g_assert_cmpint (e->id, ==, b);
  g_assert_cmpstr (e->kind, ==, "bookmark");
  g_assert_cmpstr (e->key, ==, "job-5");
  g_assert_cmpstr (e->body, ==, "{\"on\":true}");
  g_assert_cmpuint (e->attempts, ==, 0);
  g_assert_null (((WhOutboxEntry *) entries->pdata[1])->key);

  g_assert_true (wh_store_outbox_mark_failed (store, b, "503 unavailable", &error));
  g_assert_true (wh_store_outbox_mark_failed (store, b, "timeout", &error));
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = wh_store_outbox_peek (store, 10, &error);
  g_assert_cmpuint (entries->len, ==, 4);
  e = entries->pdata[0];
  g_assert_cmpuint (e->attempts, ==, 2);
  g_assert_cmpstr (e->last_error, ==, "timeout");
  g_assert_cmpint (((WhOutboxEntry *) entries->pdata[3])->id, ==, a);
  g_assert_cmpstr (((WhOutboxEntry *) entries->pdata[3])->body, ==, "{\"position\":9}");

  g_assert_true (wh_store_outbox_remove (store, b, &error));
  g_assert_true (wh_store_outbox_remove (store, b, &error)); /* gone already: fine */
  g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 3);
  g_assert_no_error (error);
}

static void
test_wipe_personal (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  sqlite3 *db;

  wh_test_apply (store, &wh_collection_jobs, NULL, 1, wh_test_make_job (1, 1, "电工", NULL), NULL);
  wh_store_outbox_add (store, "progress", "1", "{\"secret\":\"PERSONAL-MARKER-1\"}", &error);
  /* A station report is anonymous: it stays to be sent. */
  wh_store_outbox_add (store, "station-reports", "r1", "{\"comment\":\"kettle broken\"}", &error);
  db = raw_open (path);
  raw_exec (db, "INSERT INTO progress (lesson_id, course_id, updated_at) VALUES (1, 2, 'x');"
                "INSERT INTO bookmarks (job_id, updated_at) VALUES (1, 'x');"
                "INSERT INTO vouchers VALUES ('v1', 3, '2026-11-21', 'unused', 'PERSONAL-MARKER-2');"
                "INSERT INTO saved_courses VALUES (5, 1);");
  sqlite3_close (db);

  g_assert_true (wh_store_wipe_personal (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_outbox_count (store, &error), ==, 1);
  /* Synced data stays. */
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 1);

  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT (SELECT count(*) FROM progress) + (SELECT count(*) FROM"
                                " bookmarks) + (SELECT count(*) FROM vouchers) + (SELECT count(*)"
                                " FROM saved_courses)"),
                   ==, 0);
  sqlite3_close (db);

  /* Nothing of the person remains readable in the file or its WAL. */
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *file = i ? g_strconcat (path, "-wal", NULL) : g_strdup (path);

      g_clear_pointer (&contents, g_free);
      if (!g_file_get_contents (file, &contents, &length, NULL))
        continue;
      g_assert_null (g_strstr_len (contents, (gssize) length, "PERSONAL-MARKER"));
    }
}

/* ---- SQLite's set-up ------------------------------------------------------ */

/* Run first: SQLite has not started in this process yet. Without its
 * memory statistics (wh_store_configure_sqlite) it counts nothing. */
static void
test_sqlite_set_up (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;

  wh_test_apply (store, &wh_collection_jobs, NULL, 1, wh_test_make_job (1, 1, "电工", NULL), NULL);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_memory_used (), ==, 0);
}

/* ---- checkpoints ---------------------------------------------------------- */

static goffset
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* A commit past the WAL's limit leaves the copy into the database to the
 * store's checkpoint thread: the writer returns at once. Holding the
 * checkpoints shows the writer did not do it itself; released, the pages
 * reach the file with nothing else asking. */
static void
test_checkpoint_off_the_writer (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  guint before = wh_store_get_checkpoints (store);
  goffset size = file_size (path);
  gint64 deadline;
  sqlite3 *db;

  wh_store_checkpoints_hold (store);
  db = wh_store_write_begin (store, &error);
  g_assert_no_error (error);
  /* 2,000 pages of 4,000 random bytes: twice SQLite's limit of 1,000. */
  raw_exec (db, "CREATE TABLE filler (b BLOB);"
                " WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                " INSERT INTO filler SELECT randomblob (4000) FROM n");
  g_assert_true (wh_store_write_end (store, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_size (path), <, size + 4 * 1024 * 1024);
  g_assert_cmpuint (wh_store_get_checkpoints (store), ==, before);
  wh_store_checkpoints_release (store);

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (wh_store_get_checkpoints (store) == before && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpuint (wh_store_get_checkpoints (store), >, before);
  g_assert_cmpint (file_size (path), >=, size + 8 * 1024 * 1024);

  /* Its data reads the same through the store's readers. */
  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count (*) FROM filler WHERE length (b) = 4000"), ==, 2000);
  sqlite3_close (db);
}

/* ---- typed queries -------------------------------------------------------- */

static WhRecord *
make_lesson (gint64 id, gint64 course, gint64 position)
{
  WhRecord *r = wh_record_new (&wh_collection_lessons);
  g_autofree char *title = g_strdup_printf ("第%" G_GINT64_FORMAT "课", position);

  r->id = id;
  r->rev = id;
  wh_record_set_int (r, "course_id", course);
  wh_record_set_int (r, "position", position);
  wh_record_set_text (r, "title", title);
  return r;
}

static void
test_typed_queries (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) some = NULL;
  const gint64 ids[] = { 9, 1, 77, 3 };

  wh_test_apply (store, &wh_collection_lessons, NULL, 10,
                 make_lesson (1, 5, 3), make_lesson (2, 5, 1), make_lesson (3, 6, 1),
                 make_lesson (4, 5, 2), NULL);
  lessons = wh_store_list_lessons (store, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lessons->len, ==, 3);
  g_assert_cmpint (((WhRecord *) lessons->pdata[0])->id, ==, 2);
  g_assert_cmpint (((WhRecord *) lessons->pdata[1])->id, ==, 4);
  g_assert_cmpint (((WhRecord *) lessons->pdata[2])->id, ==, 1);

  for (int i = 1; i <= 10; i++)
    {
      WhRecord *job = wh_test_make_job (i, i, "电工", NULL);
      wh_record_set_int (job, "employer_id", i <= 6 ? 7 : 8);
      wh_test_apply (store, &wh_collection_jobs, NULL, i, job, NULL);
    }
  jobs = wh_store_list_employer_jobs (store, 7, 4, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 5);
  /* Newest first: ids 1..6 have posted_at 2026-11-01 except 4 (excluded). */
  for (guint i = 0; i < jobs->len; i++)
    {
      const WhRecord *r = jobs->pdata[i];
      g_assert_cmpint (wh_record_get_int (r, "employer_id"), ==, 7);
      g_assert_cmpint (r->id, !=, 4);
      if (i > 0)
        g_assert_cmpstr (wh_record_get_text (r, "posted_at"), <=,
                         wh_record_get_text (jobs->pdata[i - 1], "posted_at"));
    }

  some = wh_store_get_records (store, &wh_collection_jobs, ids, G_N_ELEMENTS (ids), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (some->len, ==, 3);
  g_assert_cmpint (((WhRecord *) some->pdata[0])->id, ==, 9);
  g_assert_cmpint (((WhRecord *) some->pdata[1])->id, ==, 1);
  g_assert_cmpint (((WhRecord *) some->pdata[2])->id, ==, 3);
}

typedef struct
{
  WhStore *store;
  int      base;
} WriterData;

static gpointer
writer_thread (gpointer data)
{
  WriterData *w = data;

  for (int i = 0; i < 20; i++)
    {
      g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
      g_autoptr(GError) error = NULL;

      for (int j = 0; j < 50; j++)
        {
          gint64 id = w->base + i * 50 + j + 1;
          g_ptr_array_add (page->records, wh_test_make_job (id, id, "电工", NULL));
        }
      page->next_since = w->base + (i + 1) * 50;
      if (!wh_store_apply_page (w->store, page, NULL, &error))
        g_error ("%s", error->message);
    }
  return NULL;
}

/* A sync thread writes while this thread reads: reads never fail or see
 * half a page. */
static void
test_threads (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  WriterData data = { store, 0 };
  GThread *thread = g_thread_new ("writer", writer_thread, &data);
  gint64 last = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gint64 n = wh_store_count (store, &wh_collection_jobs, &error);
      g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_jobs, "电工", 5, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n % 50, ==, 0);
      g_assert_cmpint (n, >=, last);
      last = n;
      if (n == 1000)
        break;
      g_usleep (1000);
    }
  g_thread_join (thread);
}

/* ---- places --------------------------------------------------------------- */

typedef struct
{
  gint64 id;
  double lat, lon;
} Point;

static GArray *
make_places (WhStore *store,
             guint    n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (186100);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_stations);
  g_autoptr(GError) error = NULL;
  GArray *points = g_array_new (FALSE, FALSE, sizeof (Point));

  for (guint i = 1; i <= n; i++)
    {
      Point p = { i, 0, 0 };

      switch (i % 10)
        {
        case 0: /* near the antimeridian and the poles */
          p.lat = g_rand_double_range (rand, -89.99, 89.99);
          p.lon = g_rand_boolean (rand) ? g_rand_double_range (rand, 179, 180)
                                        : g_rand_double_range (rand, -180, -179);
          if (i % 30 == 0)
            p.lat = g_rand_double_range (rand, 89, 90);
          break;
        case 1:
        case 2:
        case 3:
        case 4: /* a dense city */
          p.lat = g_rand_double_range (rand, 39.8, 40.1);
          p.lon = g_rand_double_range (rand, 116.2, 116.6);
          break;
        default: /* the country */
          p.lat = g_rand_double_range (rand, 18, 53);
          p.lon = g_rand_double_range (rand, 73, 135);
        }
      g_array_append_val (points, p);
      g_ptr_array_add (page->records, wh_test_make_station (i, i, "工会驿站", p.lat, p.lon));
    }
  page->next_since = n;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  return points;
}

static int
cmp_int64 (gconstpointer a,
           gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
check_viewport (WhStore *store,
                GArray  *points,
                double   min_lat,
                double   min_lon,
                double   max_lat,
                double   max_lon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) got_points = NULL;
  g_autoptr(GPtrArray) records = NULL;

  for (guint i = 0; i < points->len; i++)
    {
      const Point *p = &g_array_index (points, Point, i);
      gboolean lon_in = min_lon <= max_lon ? (p->lon >= min_lon && p->lon <= max_lon)
                                           : (p->lon >= min_lon || p->lon <= max_lon);

      if (p->lat >= min_lat && p->lat <= max_lat && lon_in)
        g_array_append_val (expected, p->id);
    }
  records = wh_store_query_viewport (store, &wh_collection_stations, min_lat, min_lon, max_lat,
                                     max_lon, G_MAXUINT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    g_array_append_val (got, ((WhRecord *) records->pdata[i])->id);
  g_array_sort (got, cmp_int64);
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpint (g_array_index (got, gint64, i), ==, g_array_index (expected, gint64, i));

  got_points = wh_store_query_viewport_points (store, &wh_collection_stations, min_lat, min_lon,
                                               max_lat, max_lon, G_MAXUINT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got_points->len, ==, expected->len);
  /* The same places, each drawn within 3 m of where it is (a point inside
   * is placed from its float32 box, one on an edge exactly). */
  g_array_set_size (got, 0);
  for (guint i = 0; i < got_points->len; i++)
    {
      const WhGeoPoint *gp = &g_array_index (got_points, WhGeoPoint, i);
      const Point *p = &g_array_index (points, Point, gp->id - 1);

      g_assert_cmpint (p->id, ==, gp->id);
      g_assert_cmpfloat_with_epsilon (gp->lat, p->lat, 2.5e-5);
      g_assert_cmpfloat_with_epsilon (gp->lon, p->lon, 2.5e-5);
      g_array_append_val (got, gp->id);
    }
  g_array_sort (got, cmp_int64);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpint (g_array_index (got, gint64, i), ==, g_array_index (expected, gint64, i));

  /* A limit bounds the answer. */
  if (expected->len > 3)
    {
      g_autoptr(GArray) few = wh_store_query_viewport_points (store, &wh_collection_stations,
                                                               min_lat, min_lon, max_lat, max_lon,
                                                               3, &error);
      g_assert_cmpuint (few->len, ==, 3);
    }
}

static void
test_viewport (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GArray) points = make_places (store, 5000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bad = NULL;

  for (int i = 0; i < 60; i++)
    {
      double lat = g_rand_double_range (rand, -90, 90), lon = g_rand_double_range (rand, -180, 180);
      double h = g_rand_double_range (rand, 0.01, 20), w = g_rand_double_range (rand, 0.01, 40);

      if (i < 20) /* city-sized boxes where points are dense */
        {
          lat = g_rand_double_range (rand, 39.8, 40.1);
          lon = g_rand_double_range (rand, 116.2, 116.6);
          h = g_rand_double_range (rand, 0.001, 0.1);
          w = g_rand_double_range (rand, 0.001, 0.1);
        }
      check_viewport (store, points, MAX (-90, lat - h), MAX (-180, lon - w), MIN (90, lat + h),
                      MIN (180, lon + w));
    }
  /* Edges are inside, to the last bit (the R*Tree alone rounds to float32). */
  for (guint i = 0; i < 40; i++)
    {
      const Point *p = &g_array_index (points, Point, i * 97);
      check_viewport (store, points, p->lat, p->lon, p->lat, p->lon);
      check_viewport (store, points, p->lat, MAX (-180, p->lon - 0.5), MIN (90, p->lat + 1), p->lon);
    }
  /* Across the antimeridian, the whole world, a degenerate line. */
  check_viewport (store, points, -60, 179.5, 60, -179.5);
  check_viewport (store, points, -90, -180, 90, 180);
  check_viewport (store, points, 39.9, 116.2, 39.9, 116.6);

  bad = wh_store_query_viewport_points (store, &wh_collection_stations, 50, 0, 10, 1, 10, &error);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_assert_null (bad);
}

typedef struct
{
  gint64 id;
  double d;
} Dist;

static int
cmp_dist (gconstpointer a,
          gconstpointer b)
{
  const Dist *x = a, *y = b;
  if (x->d != y->d)
    return x->d < y->d ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
check_nearest (WhStore *store,
               GArray  *points,
               double   lat,
               double   lon,
               guint    n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (Dist));
  g_autoptr(GPtrArray) near = NULL;

  for (guint i = 0; i < points->len; i++)
    {
      const Point *p = &g_array_index (points, Point, i);
      Dist d = { p->id, wh_geo_distance_m (lat, lon, p->lat, p->lon) };
      g_array_append_val (all, d);
    }
  g_array_sort (all, cmp_dist);
  near = wh_store_query_nearest (store, &wh_collection_stations, lat, lon, n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (near->len, ==, MIN (n, points->len));
  for (guint i = 0; i < near->len; i++)
    {
      const WhNearby *got = near->pdata[i];
      const Dist *want = &g_array_index (all, Dist, i);

      g_assert_cmpfloat_with_epsilon (got->distance_m, want->d, 1e-6);
      g_assert_cmpint (got->record->id, ==, want->id);
      g_assert_cmpfloat_with_epsilon (wh_record_get_real (got->record, "lat"),
                                      g_array_index (points, Point, want->id - 1).lat, 1e-12);
    }
}

static void
test_nearest (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GArray) points = make_places (store, 5000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  static const guint ns[] = { 1, 5, 20, 100 };

  for (int i = 0; i < 60; i++)
    {
      double lat, lon;

      if (i % 3 == 0)
        {
          lat = g_rand_double_range (rand, 39.8, 40.1);
          lon = g_rand_double_range (rand, 116.2, 116.6);
        }
      else
        {
          lat = g_rand_double_range (rand, -90, 90);
          lon = g_rand_double_range (rand, -180, 180);
        }
      if (wh_test_sampled (i))
        check_nearest (store, points, lat, lon, ns[i % G_N_ELEMENTS (ns)]);
    }
  /* At a pole, on the antimeridian, on a point itself, and more than exist. */
  check_nearest (store, points, 90, 0, 10);
  check_nearest (store, points, -90, 0, 10);
  check_nearest (store, points, 0, 180, 10);
  check_nearest (store, points, 10, -180, 10);
  check_nearest (store, points, g_array_index (points, Point, 3).lat,
                 g_array_index (points, Point, 3).lon, 3);
  check_nearest (store, points, 30, 100, 6000);
  check_nearest (store, points, 30, 100, 0);
}

static void
test_places_not_located (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) near = wh_store_query_nearest (store, &wh_collection_courses, 30, 100, 5,
                                                      &error);

  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_assert_null (near);
}

/* Region tables (docs/region-tables.md): each region's feed writes into
 * its own; a job lives in one table, at its newest rev, whichever feed
 * brings it first; forgetting a region drops its tables but for the
 * bookmarked jobs; the tables come back when the cache opens again, and a
 * reset takes them all. */
static void
test_region_tables (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(WhRecord) mark = wh_record_new (&wh_collection_bookmarks);
  sqlite3 *db;

  g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, "110000", &error));
  g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, "310000", &error));
  /* Made once. */
  g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, "310000", &error));
  g_assert_no_error (error);
  wh_test_apply (store, &wh_collection_jobs, "110000", 5,
                 wh_test_make_job (1, 5, "电工", NULL), wh_test_make_job (2, 5, "焊工", NULL),
                 NULL);
  /* Job 1 moved: the new region's feed has it first. */
  wh_test_apply (store, &wh_collection_jobs, "310000", 10,
                 wh_test_make_job (1, 10, "高级电工", NULL), NULL);
  db = raw_open (path);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs_r110000"), ==, 1);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs_r310000"), ==, 1);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs"), ==, 0);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 2);
  /* The old region's feed, not caught up: an older rev changes nothing,
   * and its tombstone is for its own table alone. */
  wh_test_apply (store, &wh_collection_jobs, "110000", 8,
                 wh_test_make_job (1, 8, "电工", NULL), NULL);
  wh_test_apply (store, &wh_collection_jobs, "110000", 12,
                 wh_test_make_tombstone (&wh_collection_jobs, 1, 12), NULL);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs_r110000"), ==, 1);
  job = wh_store_get_record (store, &wh_collection_jobs, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job->rev, ==, 10);
  g_assert_cmpstr (wh_record_get_text (job, "title"), ==, "高级电工");
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "电工", NULL), ==, 1);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 2);

  /* Moved to 310000 for good: 110000's tables go, but for job 2, kept. */
  wh_record_set_int (mark, "job_id", 2);
  wh_record_set_bool (mark, "applied", FALSE);
  wh_record_set_text (mark, "updated_at", "2026-12-07T10:00:00+08:00");
  g_assert_true (wh_store_write_bookmark (store, 2, mark, "bookmark", "2", "{}", &error));
  g_assert_no_error (error);
  {
    guint64 forgotten = 0;

    g_assert_true (wh_store_forget_other_regions (store, &wh_collection_jobs, "310000", NULL,
                                                  &forgotten, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (forgotten, ==, 0);
  }
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM region_tables"), ==, 1);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM sqlite_master"
                               " WHERE name LIKE 'jobs_r110000%'"), ==, 0);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs"), ==, 1);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 2);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "焊工", NULL), ==, 1);

  /* Back in 110000: its feed's row of job 2 takes the kept one's place. */
  g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, "110000", &error));
  wh_test_apply (store, &wh_collection_jobs, "110000", 20,
                 wh_test_make_job (2, 20, "焊工师傅", NULL), NULL);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs"), ==, 0);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM jobs_r110000"), ==, 1);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 2);

  /* Opened again: the same tables are read. */
  g_clear_object (&store);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 2);
  g_clear_pointer (&job, wh_record_free);
  job = wh_store_get_record (store, &wh_collection_jobs, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (job, "title"), ==, "焊工师傅");
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "师傅", NULL), ==, 1);

  /* A region whose first pull never wrote a page has tables and no
   * cursor: forgotten with the others. */
  g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, "440000", &error));
  g_assert_true (wh_store_forget_other_regions (store, &wh_collection_jobs, "110000", NULL, NULL,
                                                &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT group_concat (region) FROM region_tables"), ==, 110000);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 1);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "电工", NULL), ==, 0);

  /* A reset takes every region's tables and cursors. */
  g_assert_true (wh_store_reset_collection (store, &wh_collection_jobs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 0);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM region_tables"), ==, 0);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count(*) FROM sync_state WHERE collection = 'jobs'"), ==,
                   0);
  sqlite3_close (db);
}

/* At most MAX_REGION_TABLES regions have tables: the next is refused, and
 * its rows go into the collection's own table (the sync's way). */
/* A registry row this code never wrote (a collection with no regions):
 * refused as a damaged cache, in words the app shows, the file left alone. */
static void
test_region_tables_damaged (void)
{
  g_autofree char *path = tmp_cache_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO region_tables VALUES"
                                 " ('stations', '110000', 'stations_r110000')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = wh_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_CORRUPT);
  g_assert_cmpstr (error->message, ==,
                   "The offline cache is damaged. Remove the cache file to download everything"
                   " again.");
  g_clear_error (&error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (wh_test_sql_int (db, "SELECT count (*) FROM region_tables"), ==, 1);
  sqlite3_close (db);
}

static void
test_region_tables_limit (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint k = 0; k < MAX_REGION_TABLES; k++)
    {
      g_autofree char *region = g_strdup_printf ("%06u", 110000 + k * 10000);

      g_assert_true (wh_store_add_region_tables (store, &wh_collection_jobs, region, &error));
      g_assert_no_error (error);
    }
  g_assert_false (wh_store_add_region_tables (store, &wh_collection_jobs, "990000", &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  wh_test_apply (store, &wh_collection_jobs, "990000", 3, wh_test_make_job (7, 3, "电工", NULL),
                 NULL);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 1);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "电工", NULL), ==, 1);
}

/* ---- The R*Tree packed at once (wh-store-rtree.c) ------------------------- */

static void
rtree_assert_ok (sqlite3 *db)
{
  g_autofree char *check = wh_test_sql_text (db, "SELECT rtreecheck ('t_geo')");

  g_assert_cmpstr (check, ==, "ok");
}

/* Boxes of every size: the packed tree t_geo finds the same ids as the tree
 * s_geo that SQL filled, and (exact is TRUE) as t's own coordinates. */
static void
rtree_assert_finds (sqlite3  *db,
                    GRand    *rand,
                    gboolean  exact)
{
  for (guint q = 0; q < 300; q++)
    {
      double lat = g_rand_double_range (rand, 17.0, 54.0);
      double lon = g_rand_double_range (rand, 73.0, 135.0);
      double size = q % 3 == 0 ? 40.0 : g_rand_double_range (rand, 0.0, 3.0);
      g_autofree char *box = g_strdup_printf ("max_lat >= %.9f AND min_lat <= %.9f AND"
                                              " max_lon >= %.9f AND min_lon <= %.9f",
                                              lat, lat + size, lon, lon + size);
      g_autofree char *points = g_strdup_printf ("lat BETWEEN %.9f AND %.9f AND"
                                                 " lon BETWEEN %.9f AND %.9f",
                                                 lat, lat + size, lon, lon + size);
      g_autofree char *packed_sql = g_strconcat ("SELECT count (*) || '/' || total (id)"
                                                 " FROM t_geo WHERE ", box, NULL);
      g_autofree char *inserted_sql = g_strconcat ("SELECT count (*) || '/' || total (id)"
                                                   " FROM s_geo WHERE ", box, NULL);
      g_autofree char *table_sql = g_strconcat ("SELECT count (*) || '/' || total (id)"
                                                " FROM t WHERE ", points, NULL);
      g_autofree char *packed = wh_test_sql_text (db, packed_sql);
      g_autofree char *inserted = wh_test_sql_text (db, inserted_sql);

      g_assert_cmpstr (packed, ==, inserted);
      if (exact)
        {
          g_autofree char *table = wh_test_sql_text (db, table_sql);

          g_assert_cmpstr (packed, ==, table);
        }
    }
}

static void
rtree_pack_ok (sqlite3 *db)
{
  g_autoptr(GError) error = NULL;

  raw_exec (db, "DELETE FROM t_geo; DELETE FROM s_geo; BEGIN");
  g_assert_cmpint (wh_rtree_pack (db, "main", "t", &error), ==, 1);
  g_assert_no_error (error);
  raw_exec (db, "COMMIT; INSERT INTO s_geo SELECT id, lat, lat, lon, lon, lat, lon FROM t"
                  " WHERE lat IS NOT NULL AND lon IS NOT NULL");
  rtree_assert_ok (db);
}

/* Trees of one leaf, of a full leaf, of one more point, of two and three
 * levels: every located row, the boxes and exact coordinates SQLite's own
 * INSERTs give, the same answers to box queries, and SQLite's own changes
 * going on from the packed tree. */
static void
test_rtree_pack (void)
{
  static const guint sizes[] = { 0, 1, 50, 51, 52, 2601, 2602, 20000 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (22);

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autoptr(GError) error = NULL;
      sqlite3 *db = NULL;
      sqlite3_stmt *insert = NULL;
      guint n = sizes[k];

      g_test_message ("%u rows", n);
      g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
      raw_exec (db, "CREATE TABLE t (id INTEGER PRIMARY KEY, lat REAL, lon REAL);"
                      "CREATE VIRTUAL TABLE t_geo USING rtree"
                      " (id, min_lat, max_lat, min_lon, max_lon, +lat, +lon);"
                      "CREATE VIRTUAL TABLE s_geo USING rtree"
                      " (id, min_lat, max_lat, min_lon, max_lon, +lat, +lon);");
      g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &insert,
                                           NULL), ==, SQLITE_OK);
      for (guint i = 0; i < n; i++)
        {
          /* Ids with gaps; rows with no place; points on top of each other;
           * negative coordinates, rounded the other way. */
          sqlite3_bind_int64 (insert, 1, 3 * (gint64) i + 7);
          if (i % 17 == 5)
            {
              sqlite3_bind_null (insert, 2);
              sqlite3_bind_null (insert, 3);
            }
          else if (i % 13 == 0)
            {
              sqlite3_bind_double (insert, 2, 22.543096);
              sqlite3_bind_double (insert, 3, i % 2 ? 114.057865 : -114.057865);
            }
          else
            {
              sqlite3_bind_double (insert, 2, g_rand_double_range (rand, 18.0, 53.5));
              sqlite3_bind_double (insert, 3, g_rand_double_range (rand, 74.0, 134.5));
            }
          g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
          sqlite3_reset (insert);
        }
      sqlite3_finalize (insert);

      rtree_pack_ok (db);
      g_assert_cmpint (wh_test_sql_int (db, "SELECT count (*) FROM t_geo"), ==,
                       wh_test_sql_int (db, "SELECT count (*) FROM t WHERE lat IS NOT NULL"));
      g_assert_cmpint (wh_test_sql_int (db, "SELECT count (*) FROM t_geo a JOIN s_geo b USING (id)"
                                        " WHERE a.min_lat = b.min_lat AND a.max_lat = b.max_lat"
                                        " AND a.min_lon = b.min_lon AND a.max_lon = b.max_lon"
                                        " AND a.lat = b.lat AND a.lon = b.lon"), ==,
                       wh_test_sql_int (db, "SELECT count (*) FROM s_geo"));
      rtree_assert_finds (db, rand, TRUE);

      /* Changed through SQL, both trees alike. */
      raw_exec (db, "DELETE FROM t_geo WHERE id % 4 = 0; DELETE FROM s_geo WHERE id % 4 = 0;"
                      "UPDATE t_geo SET min_lat = min_lat + 0.5, max_lat = max_lat + 0.5"
                      " WHERE id % 3 = 0;"
                      "UPDATE s_geo SET min_lat = min_lat + 0.5, max_lat = max_lat + 0.5"
                      " WHERE id % 3 = 0;"
                      "INSERT INTO t_geo SELECT id + 1000000000, lat - 1, lat - 1, lon, lon, lat, lon"
                      " FROM t WHERE id % 9 = 1 AND lat IS NOT NULL;"
                      "INSERT INTO s_geo SELECT id + 1000000000, lat - 1, lat - 1, lon, lon, lat, lon"
                      " FROM t WHERE id % 9 = 1 AND lat IS NOT NULL;");
      rtree_assert_ok (db);
      g_assert_cmpint (wh_test_sql_int (db, "SELECT count (*) FROM t_geo"), ==,
                       wh_test_sql_int (db, "SELECT count (*) FROM s_geo"));
      rtree_assert_finds (db, rand, FALSE);

      /* A tree with rows is not packed over: its rows go in through SQL. */
      g_assert_cmpint (wh_rtree_pack (db, "main", "t", &error), ==,
                       wh_test_sql_int (db, "SELECT count (*) FROM t_geo") > 0 ? 0 : 1);
      g_assert_no_error (error);
      sqlite3_close (db);
    }
}


int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/store/open/sqlite-set-up", test_sqlite_set_up);
  g_test_add_func ("/store/open/private", test_open_private);
  g_test_add_func ("/store/open/tightens-existing", test_open_tightens_existing);
  g_test_add_func ("/store/open/leaves-shared-folder", test_open_leaves_shared_folder);
  g_test_add_func ("/store/open/wal-and-version", test_open_wal_and_version);
  g_test_add_func ("/store/open/reopen-idempotent", test_reopen_idempotent);
  g_test_add_func ("/store/open/newer-version-refused", test_newer_version_refused);
  g_test_add_func ("/store/open/corrupt-refused", test_corrupt_refused);
  g_test_add_func ("/store/migrate/from-v0", test_migrate_from_v0);
  g_test_add_func ("/store/migrate/from-v1", test_migrate_from_v1);
  g_test_add_func ("/store/apply/page", test_apply_page);
  g_test_add_func ("/store/deferred", test_deferred);
  g_test_add_func ("/store/deferred/not-empty", test_deferred_not_empty);
  g_test_add_func ("/store/deferred/match", test_match_texts);
  g_test_add_func ("/store/apply/update-and-tombstone", test_apply_update_and_tombstone);
  g_test_add_func ("/store/apply/twice-noop", test_apply_twice_noop);
  g_test_add_func ("/store/apply/order-within-page", test_apply_order_within_page);
  g_test_add_func ("/store/apply/rejects-mixed-page", test_apply_rejects_mixed_page);
  g_test_add_func ("/store/apply/atomic", test_apply_atomic);
  g_test_add_func ("/store/apply/reset-collection", test_reset_collection);
  g_test_add_func ("/store/region-tables", test_region_tables);
  g_test_add_func ("/store/region-tables/limit", test_region_tables_limit);
  g_test_add_func ("/store/region-tables/damaged", test_region_tables_damaged);
  g_test_add_func ("/store/apply/changed-signal", test_changed_signal);
  g_test_add_func ("/store/outbox", test_outbox);
  g_test_add_func ("/store/wipe-personal", test_wipe_personal);
  g_test_add_func ("/store/checkpoint/off-the-writer", test_checkpoint_off_the_writer);
  g_test_add_func ("/store/typed-queries", test_typed_queries);
  g_test_add_func ("/store/threads", test_threads);
  g_test_add_func ("/store/places/viewport", test_viewport);
  g_test_add_func ("/store/places/rtree-pack", test_rtree_pack);
  g_test_add_func ("/store/places/nearest", test_nearest);
  g_test_add_func ("/store/places/not-located", test_places_not_located);

  return g_test_run ();
}
