/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-test-cache"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-search-tokenizer.h"
#include "wh-test-cache.h"
#include "wh-test.h"

static sqlite3 *
open_db (const char *path,
         int         flags)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      /* Say what the folder held and why the system refused (an empty
       * folder: test-sync's child killed before it made the cache, which
       * the test now skips). */
      int saved = sqlite3_system_errno (db);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr(GString) listing = g_string_new (NULL);
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        g_string_append_printf (listing, " %s", name);
      g_error ("Cannot open %s: %s (%s); %s holds:%s", path, sqlite3_errmsg (db),
               g_strerror (saved), dir, d != NULL ? listing->str : " (cannot be read)");
    }
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* The condition that leaves out the jobs the server's feed sends as
 * tombstones today (their expires_at before the day in China time; the
 * test server's clock is the real one unless a test sets it). */
static char *
open_condition (const WhCollection *collection)
{
  g_autoptr(GDateTime) utc = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) cst = g_date_time_add_hours (utc, 8);
  g_autofree char *today = g_date_time_format (cst, "%Y-%m-%d");

  if (!wh_collection_has_field (collection, "expires_at"))
    return g_strdup ("");
  return g_strdup_printf (" AND coalesce (json_extract (body, '$.expires_at') >= '%s', 1)", today);
}

guint
wh_test_count_closed_jobs (const char *server_db)
{
  sqlite3 *db = open_db (server_db, SQLITE_OPEN_READONLY);
  g_autofree char *open = open_condition (&wh_collection_jobs);
  g_autofree char *sql = g_strdup_printf ("SELECT (SELECT count(*) FROM jobs WHERE deleted = 0) -"
                                          " (SELECT count(*) FROM jobs WHERE deleted = 0%s)", open);
  g_autofree char *n = wh_test_sql_text (db, sql);

  sqlite3_close (db);
  return (guint) g_ascii_strtoull (n, NULL, 10);
}

guint
wh_test_assert_collection_equal (const char         *server_db,
                                 WhStore            *store,
                                 const WhCollection *collection,
                                 gint                region)
{
  sqlite3 *db = open_db (server_db, SQLITE_OPEN_READONLY);
  g_autofree char *sql = NULL;
  g_autofree char *open = open_condition (collection);
  sqlite3_stmt *stmt = NULL;
  guint n = 0;
  g_autoptr(GError) error = NULL;

  if (region > 0 && (collection->flags & WH_COLLECTION_REGIONAL))
    sql = g_strdup_printf ("SELECT id, rev, body FROM %s WHERE deleted = 0 AND"
                           " (province_adcode = %d OR city_adcode = %d OR adcode = %d)%s",
                           collection->name, region, region, region, open);
  else
    sql = g_strdup_printf ("SELECT id, rev, body FROM %s WHERE deleted = 0%s", collection->name,
                           open);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 2);
      g_autoptr(WhRecord) expected = wh_record_parse (collection, body, strlen (body), &error);
      g_autoptr(WhRecord) cached = NULL;

      g_assert_no_error (error);
      cached = wh_store_get_record (store, collection, sqlite3_column_int64 (stmt, 0), &error);
      g_assert_no_error (error);
      if (cached == NULL)
        g_error ("%s %" G_GINT64_FORMAT " is missing from the cache", collection->name,
                 expected->id);
      g_assert_cmpint (cached->rev, ==, sqlite3_column_int64 (stmt, 1));
      if (!wh_record_equal (expected, cached))
        {
          g_autofree char *a = wh_record_to_string (expected);
          g_autofree char *b = wh_record_to_string (cached);
          g_error ("%s %" G_GINT64_FORMAT " differs:\n%s\n%s", collection->name, expected->id,
                   a, b);
        }
      n++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  /* and nothing more: every deletion reached the cache */
  g_assert_cmpint (wh_store_count (store, collection, &error), ==, n);
  g_assert_no_error (error);
  return n;
}

guint
wh_test_assert_cache_equal (const char *server_db,
                            WhStore    *store,
                            gint        region)
{
  guint n_collections, total = 0;
  const WhCollection * const *collections = wh_schema_synced_collections (&n_collections);

  for (guint i = 0; i < n_collections; i++)
    total += wh_test_assert_collection_equal (server_db, store, collections[i], region);
  return total;
}

/* Rows of table a whose id is not in table b, both as SQL expressions
 * giving ids; must be none either way. */
static void
assert_same_ids (sqlite3    *db,
                 const char *what,
                 const char *ids_a,
                 const char *ids_b)
{
  g_autofree char *only_a = g_strdup_printf ("SELECT count(*) FROM (%s EXCEPT %s)", ids_a, ids_b);
  g_autofree char *only_b = g_strdup_printf ("SELECT count(*) FROM (%s EXCEPT %s)", ids_b, ids_a);
  gint64 a = wh_test_sql_int (db, only_a), b = wh_test_sql_int (db, only_b);

  if (a != 0 || b != 0)
    g_error ("%s: %" G_GINT64_FORMAT " rows missing from the index, %" G_GINT64_FORMAT
             " indexed rows that are not in the table", what, a, b);
}

/* While a first pull defers a collection's indexes (wh_store_build_indexes),
 * the rows it has not indexed yet are listed in <base>_unindexed, each a row
 * of the table: an SQL expression giving their ids, or NULL when none. */
static char *
unindexed_ids (sqlite3    *db,
               const char *base)
{
  g_autofree char *exists = g_strdup_printf ("SELECT count(*) FROM sqlite_master"
                                             " WHERE type = 'table' AND name = '%s_unindexed'",
                                             base);
  g_autofree char *strays = NULL;

  if (wh_test_sql_int (db, exists) == 0)
    return NULL;
  strays = g_strdup_printf ("SELECT count(*) FROM %s_unindexed WHERE id NOT IN"
                            " (SELECT id FROM %s)", base, base);
  g_assert_cmpint (wh_test_sql_int (db, strays), ==, 0);
  return g_strdup_printf ("SELECT id FROM %s_unindexed", base);
}

/* A build gives FTS5 a bigger term buffer and fewer merges for its bulk
 * inserts (wh_fts_bulk_insert_sql); FTS5 keeps both in its config table,
 * and whatever happened to the build, FTS5's own are back after it. */
static void
assert_fts_settings_restored (sqlite3    *db,
                              const char *fts)
{
  g_autofree char *automerge = g_strdup_printf ("SELECT coalesce ((SELECT v FROM %s_config"
                                                " WHERE k = 'automerge'), 4)", fts);
  g_autofree char *hashsize = g_strdup_printf ("SELECT coalesce ((SELECT v FROM %s_config"
                                               " WHERE k = 'hashsize'), 1048576)", fts);
  g_autofree char *crisismerge = g_strdup_printf ("SELECT coalesce ((SELECT v FROM %s_config"
                                                  " WHERE k = 'crisismerge'), 16)", fts);

  g_assert_cmpint (wh_test_sql_int (db, automerge), ==, 4);
  g_assert_cmpint (wh_test_sql_int (db, crisismerge), ==, 16);
  g_assert_cmpint (wh_test_sql_int (db, hashsize), ==, 1048576);
}

void
wh_test_assert_cache_consistent (const char *cache_path,
                                 gint        region,
                                 gboolean    fts_check)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autofree char *integrity = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  guint n_collections;
  const WhCollection * const *collections = wh_schema_synced_collections (&n_collections);

  /* Read-write: FTS5's integrity-check is an INSERT (it changes nothing),
   * and the first connection after a crash recovers the WAL anyway. */
  db = open_db (cache_path, SQLITE_OPEN_READWRITE);
  g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
  integrity = wh_test_sql_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");

  /* Every virtual table the store made, whatever the schema holds today. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name, sql FROM sqlite_master"
                                       " WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      const char *create = (const char *) sqlite3_column_text (stmt, 1);
      g_autofree char *base = NULL;

      if ((g_str_has_suffix (name, "_fts") || g_str_has_suffix (name, "_names")) &&
          strstr (create, "fts5") != NULL)
        {
          g_autofree char *check = NULL;
          g_autofree char *ids = NULL;
          g_autofree char *indexed = g_strdup_printf ("SELECT id FROM %s_docsize", name);
          g_autofree char *listed = NULL;
          const WhCollection *c = NULL;
          char *msg = NULL;

          base = g_strndup (name, strrchr (name, '_') - name);
          for (guint i = 0; i < n_collections; i++)
            if (g_str_equal (collections[i]->name, base) ||
                (g_str_has_prefix (base, collections[i]->name) &&
                 g_str_has_prefix (base + strlen (collections[i]->name), "_r")))
              c = collections[i];
          listed = unindexed_ids (db, base);
          /* With rank 1, SQLite 3.40's check also compares the index with
           * the text of every row of the table; not where the index holds
           * another collection's names too (a join), which the table lacks. */
          check = g_strdup_printf ("INSERT INTO %s (%s, rank) VALUES ('integrity-check', %d)",
                                   name, name, c != NULL && c->names_join == NULL);
          /* FTS5's check compares with every row of the table: only when
           * no row awaits indexing. */
          if (fts_check && listed == NULL && sqlite3_exec (db, check, NULL, NULL, &msg) != SQLITE_OK)
            g_error ("%s: %s", check, msg);
          ids = g_strdup_printf ("SELECT id FROM %s WHERE id NOT IN (%s)", base,
                                 listed ? listed : "SELECT 0 WHERE 0");
          assert_same_ids (db, name, ids, indexed);
          assert_fts_settings_restored (db, name);
        }
      else if (g_str_has_suffix (name, "_geo") && strstr (create, "rtree") != NULL)
        {
          g_autofree char *check = g_strdup_printf ("SELECT rtreecheck('%s')", name);
          g_autofree char *result = wh_test_sql_text (db, check);
          g_autofree char *ids = NULL;
          g_autofree char *indexed = g_strdup_printf ("SELECT id FROM %s", name);
          g_autofree char *listed = NULL;

          base = g_strndup (name, strlen (name) - 4);
          listed = unindexed_ids (db, base);
          g_assert_cmpstr (result, ==, "ok");
          ids = g_strdup_printf ("SELECT id FROM %s WHERE lat IS NOT NULL AND lon IS NOT NULL"
                                 " AND id NOT IN (%s)", base, listed ? listed : "SELECT 0 WHERE 0");
          assert_same_ids (db, name, ids, indexed);
        }
    }
  sqlite3_finalize (stmt);

  store = wh_store_open (cache_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_collections; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT coalesce(max(rev), 0) FROM %s",
                                              collections[i]->name);
      g_autofree char *region_text = NULL;
      gint64 cursor;

      if (region > 0 && (collections[i]->flags & WH_COLLECTION_REGIONAL))
        region_text = g_strdup_printf ("%06d", region);
      cursor = wh_store_get_cursor (store, collections[i], region_text, &error);
      g_assert_no_error (error);
      g_assert_cmpint (wh_test_sql_int (db, sql), <=, cursor);
    }
  /* Each region table's rows, with its region's cursor. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT collection, region, name FROM region_tables",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const WhCollection *c = wh_schema_lookup ((const char *) sqlite3_column_text (stmt, 0));
      g_autofree char *sql = g_strdup_printf ("SELECT coalesce(max(rev), 0) FROM %s",
                                              (const char *) sqlite3_column_text (stmt, 2));
      gint64 cursor;

      g_assert_nonnull (c);
      cursor = wh_store_get_cursor (store, c, (const char *) sqlite3_column_text (stmt, 1),
                                    &error);
      g_assert_no_error (error);
      g_assert_cmpint (wh_test_sql_int (db, sql), <=, cursor);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

gint64
wh_test_cache_count (const char *cache_path,
                     const char *collection,
                     const char *where)
{
  sqlite3 *db = open_db (cache_path, SQLITE_OPEN_READONLY);
  g_autoptr(GString) sql = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  /* One read transaction: the tables listed are those counted, whatever a
   * sync in another thread drops or makes meanwhile. */
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_string_append_printf (sql, "SELECT count(*) FROM (SELECT * FROM %s", collection);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name FROM region_tables WHERE collection = ?1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, collection, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (sql, " UNION ALL SELECT * FROM %s", sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  g_string_append_printf (sql, ") WHERE %s", where);
  count = wh_test_sql_int (db, sql->str);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return count;
}

gint64
wh_test_db_query_int (const char *path,
                      const char *sql)
{
  sqlite3 *db = open_db (path, SQLITE_OPEN_READONLY);
  gint64 n = wh_test_sql_int (db, sql);

  sqlite3_close (db);
  return n;
}

GPtrArray *
wh_test_server_db_records (gpointer            server_db,
                           const WhCollection *collection,
                           const char         *where,
                           guint               limit)
{
  sqlite3 *db = server_db;
  g_autofree char *sql = g_strdup_printf ("SELECT body FROM %s WHERE deleted = 0 AND %s"
                                          " ORDER BY id LIMIT %u", collection->name, where, limit);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 0);
      WhRecord *record = wh_record_parse (collection, body, strlen (body), NULL);

      g_assert_nonnull (record);
      g_ptr_array_add (records, record);
    }
  sqlite3_finalize (stmt);
  return records;
}
