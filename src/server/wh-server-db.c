/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-server-db"

#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wh-codec.h"
#include "wh-server-db.h"
#include "wh-store.h"

G_DEFINE_QUARK (wh-server-db-error-quark, wh_server_db_error)

/* Tables that are not synced collections: users, sessions and what users
 * write. Everything personal is keyed by user_id. */
static const char *user_tables_sql =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "INSERT OR IGNORE INTO meta (key, value) VALUES ('rev', '0');"
  "CREATE TABLE IF NOT EXISTS users ("
  "  id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT,"
  "  union_member INTEGER NOT NULL, new_form_worker INTEGER NOT NULL, created_at TEXT NOT NULL);"
  /* A code is kept only as a keyed hash (wh-server-auth.c). */
  "CREATE TABLE IF NOT EXISTS login_codes ("
  "  phone TEXT PRIMARY KEY, code_hash TEXT NOT NULL, expires_at INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0, sent_at INTEGER NOT NULL);"
  "CREATE INDEX IF NOT EXISTS login_codes_expires_at ON login_codes (expires_at);"
  /* Sign-in limits: how many codes or failed tries a phone, a client
   * address or everyone (subject '') had in the window that ends at
   * window_end. */
  "CREATE TABLE IF NOT EXISTS auth_counters ("
  "  kind TEXT NOT NULL, subject TEXT NOT NULL, window_end INTEGER NOT NULL,"
  "  count INTEGER NOT NULL, PRIMARY KEY (kind, subject, window_end));"
  "CREATE INDEX IF NOT EXISTS auth_counters_window_end ON auth_counters (window_end);"
  "CREATE TABLE IF NOT EXISTS tokens ("
  "  token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
  /* Expired rows are pruned on a timer (wh-server-prune.c), through these. */
  "CREATE INDEX IF NOT EXISTS tokens_expires_at ON tokens (expires_at);"
  "CREATE TABLE IF NOT EXISTS vouchers ("
  "  voucher_id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, merchant_id INTEGER NOT NULL,"
  "  day TEXT NOT NULL, code TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,"
  "  status TEXT NOT NULL, claimed_at TEXT NOT NULL, redeemed_at TEXT,"
  "  UNIQUE (user_id, day));"
  "CREATE INDEX IF NOT EXISTS vouchers_merchant_day ON vouchers (merchant_id, day);"
  "CREATE TABLE IF NOT EXISTS idempotency ("
  "  user_id INTEGER NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,"
  "  status INTEGER NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, key));"
  "CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at);"
  "CREATE TABLE IF NOT EXISTS progress ("
  "  user_id INTEGER NOT NULL, lesson_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"
  "  position INTEGER, completed INTEGER NOT NULL, updated_at TEXT NOT NULL,"
  "  PRIMARY KEY (user_id, lesson_id));"
  "CREATE TABLE IF NOT EXISTS quiz_attempts ("
  "  user_id INTEGER NOT NULL, attempt_id TEXT NOT NULL, course_id INTEGER NOT NULL,"
  "  total INTEGER NOT NULL, correct INTEGER NOT NULL, duration_s INTEGER, timed INTEGER,"
  "  finished_at TEXT NOT NULL, PRIMARY KEY (user_id, attempt_id));"
  "CREATE TABLE IF NOT EXISTS question_reviews ("
  "  user_id INTEGER NOT NULL, question_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"
  "  ease INTEGER NOT NULL, interval_days INTEGER NOT NULL, repetitions INTEGER NOT NULL,"
  "  lapses INTEGER, due TEXT NOT NULL, reviewed_at TEXT NOT NULL, mistake INTEGER NOT NULL,"
  "  wrong_choice INTEGER, wrong_at TEXT, right_day TEXT,"
  "  PRIMARY KEY (user_id, question_id));"
  "CREATE TABLE IF NOT EXISTS bookmarks ("
  "  user_id INTEGER NOT NULL, job_id INTEGER NOT NULL, applied INTEGER,"
  "  updated_at TEXT NOT NULL, PRIMARY KEY (user_id, job_id));"
  "CREATE TABLE IF NOT EXISTS station_reports ("
  "  user_id INTEGER NOT NULL, report_id TEXT NOT NULL, station_id INTEGER NOT NULL,"
  "  problem TEXT NOT NULL, comment TEXT, reported_at TEXT NOT NULL,"
  "  PRIMARY KEY (user_id, report_id));";

gboolean
wh_server_db_set_error (sqlite3 *db,
                        GError **error)
{
  g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED, "SQLite: %s",
               sqlite3_errmsg (db));
  return FALSE;
}

gboolean
wh_server_db_exec (sqlite3    *db,
                   const char *sql,
                   GError    **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED, "SQLite: %s",
                   message ? message : "unknown error");
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_collection_table (sqlite3            *db,
                         const WhCollection *collection,
                         GError            **error)
{
  g_autofree char *sql = g_strdup_printf (
    "CREATE TABLE IF NOT EXISTS %s (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL DEFAULT 0, province_adcode INTEGER, city_adcode INTEGER,"
    " adcode INTEGER, body TEXT NOT NULL);",
    collection->name);

  return wh_server_db_exec (db, sql, error);
}

gboolean
wh_server_db_create_indexes (sqlite3 *db,
                             GError **error)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      const WhCollection *c = collections[i];
      g_autofree char *sql = g_strdup_printf (
        "CREATE INDEX IF NOT EXISTS %s_rev ON %s (rev);", c->name, c->name);

      if (!wh_server_db_exec (db, sql, error))
        return FALSE;
      if (c->flags & WH_COLLECTION_REGIONAL)
        {
          g_autofree char *regional = g_strdup_printf (
            "CREATE INDEX IF NOT EXISTS %s_province_rev ON %s (province_adcode, rev);"
            "CREATE INDEX IF NOT EXISTS %s_city_rev ON %s (city_adcode, rev);"
            "CREATE INDEX IF NOT EXISTS %s_adcode_rev ON %s (adcode, rev);",
            c->name, c->name, c->name, c->name, c->name, c->name);
          if (!wh_server_db_exec (db, regional, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
wh_server_db_drop_indexes (sqlite3 *db,
                           GError **error)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      const char *name = collections[i]->name;
      g_autofree char *sql = g_strdup_printf (
        "DROP INDEX IF EXISTS %s_rev; DROP INDEX IF EXISTS %s_province_rev;"
        "DROP INDEX IF EXISTS %s_city_rev; DROP INDEX IF EXISTS %s_adcode_rev;",
        name, name, name, name);

      if (!wh_server_db_exec (db, sql, error))
        return FALSE;
    }
  return TRUE;
}

/* The database holds the secret that signs vouchers and derives merchant
 * keys, and everyone's phone number: only its owner may read it. SQLite
 * creates the -wal, -shm and -journal files with the database's own mode, so
 * the database is made 0600 before SQLite opens it; files left by an older
 * version (0644) are narrowed too. */
static gboolean
restrict_file_modes (const char *path,
                     GError    **error)
{
  static const char * const suffixes[] = { "-wal", "-shm", "-journal" };
  int fd;

  /* In-memory and temporary databases have no file. */
  if (*path == '\0' || g_str_equal (path, ":memory:"))
    return TRUE;
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED,
                   "Cannot open database “%s”: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *side = g_strconcat (path, suffixes[i], NULL);

      if (g_chmod (side, 0600) != 0 && errno != ENOENT)
        {
          g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED,
                       "Cannot restrict “%s” to its owner: %s", side, g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

/* The first versions kept sign-in codes in plain text; such a table is
 * dropped (a code lives 5 minutes: at worst a worker asks for a new one). */
static gboolean
migrate_login_codes (sqlite3 *db,
                     GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean plain;

  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM pragma_table_info('login_codes') WHERE name = 'code'",
                          -1, &stmt, NULL) != SQLITE_OK)
    return wh_server_db_set_error (db, error);
  plain = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return !plain || wh_server_db_exec (db, "DROP TABLE login_codes;", error);
}

sqlite3 *
wh_server_db_open (const char *path,
                   GError    **error)
{
  sqlite3 *db = NULL;
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  g_return_val_if_fail (path != NULL, NULL);

  if (!restrict_file_modes (path, error))
    return NULL;
  wh_store_configure_sqlite ();
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED,
                   "Cannot open database “%s”: %s", path, db ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);

  if (!wh_server_db_exec (db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;",
                          error) ||
      !wh_server_db_exec (db, "BEGIN IMMEDIATE;", error))
    goto fail;
  for (guint i = 0; i < n; i++)
    if (!create_collection_table (db, collections[i], error))
      goto fail_rollback;
  if (!migrate_login_codes (db, error) ||
      !wh_server_db_exec (db, user_tables_sql, error) ||
      !wh_server_db_create_indexes (db, error) ||
      !wh_server_db_exec (db, "COMMIT;", error))
    goto fail_rollback;
  return db;

fail_rollback:
  sqlite3_exec (db, "ROLLBACK;", NULL, NULL, NULL);
fail:
  sqlite3_close (db);
  return NULL;
}

char *
wh_server_db_get_meta (sqlite3    *db,
                       const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

gboolean
wh_server_db_set_meta (sqlite3    *db,
                       const char *key,
                       const char *value,
                       GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &stmt,
                          NULL) != SQLITE_OK)
    return wh_server_db_set_error (db, error);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return wh_server_db_set_error (db, error);
  return TRUE;
}

gint64
wh_server_db_get_rev (sqlite3 *db)
{
  g_autofree char *value = wh_server_db_get_meta (db, "rev");

  return value ? g_ascii_strtoll (value, NULL, 10) : 0;
}

gboolean
wh_server_db_set_rev (sqlite3 *db,
                      gint64   rev,
                      GError **error)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, rev);
  return wh_server_db_set_meta (db, "rev", buf, error);
}

gint64
wh_server_db_next_rev (sqlite3 *db,
                       GError **error)
{
  gint64 rev = wh_server_db_get_rev (db) + 1;

  if (!wh_server_db_set_rev (db, rev, error))
    return 0;
  return rev;
}

sqlite3_stmt *
wh_server_db_prepare_insert (sqlite3            *db,
                             const WhCollection *collection,
                             GError            **error)
{
  g_autofree char *sql = g_strdup_printf (
    "INSERT OR REPLACE INTO %s (id, rev, deleted, province_adcode, city_adcode, adcode, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    collection->name);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      wh_server_db_set_error (db, error);
      return NULL;
    }
  return stmt;
}

void
wh_server_db_region_columns (const WhRecord *record,
                             gint64          regions[3])
{
  static const char * const fields[] = { "province_adcode", "city_adcode", "adcode" };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    regions[i] = wh_collection_has_field (record->collection, fields[i]) &&
                     wh_record_is_set (record, fields[i])
                   ? wh_record_get_int (record, fields[i])
                   : WH_SERVER_DB_NO_REGION;
}

void
wh_server_db_bind_row (sqlite3_stmt *stmt,
                       gint64        id,
                       gint64        rev,
                       gboolean      deleted,
                       const gint64  regions[3],
                       const char   *body)
{
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, rev);
  sqlite3_bind_int (stmt, 3, deleted ? 1 : 0);
  for (int i = 0; i < 3; i++)
    {
      if (regions[i] == WH_SERVER_DB_NO_REGION)
        sqlite3_bind_null (stmt, 4 + i);
      else
        sqlite3_bind_int64 (stmt, 4 + i, regions[i]);
    }
  sqlite3_bind_text (stmt, 7, body, -1, SQLITE_STATIC);
}

char *
wh_server_db_bind_insert (sqlite3_stmt *stmt,
                          WhRecord     *record,
                          gint64        rev)
{
  gint64 regions[3];
  char *body;

  record->rev = rev;
  body = wh_record_to_string (record);
  wh_server_db_region_columns (record, regions);
  wh_server_db_bind_row (stmt, record->id, rev, record->deleted, regions, body);
  return body;
}

gboolean
wh_server_db_write_record (sqlite3  *db,
                           WhRecord *record,
                           gint64    rev,
                           GError  **error)
{
  const WhCollection *collection = record->collection;
  g_autofree char *body = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (collection->flags & WH_COLLECTION_SYNCED, FALSE);

  if (record->deleted)
    {
      /* Keep the row and its region columns as a tombstone, so a
       * region-filtered feed still delivers the deletion. */
      g_autofree char *sql = g_strdup_printf (
        "UPDATE %s SET rev = ?1, deleted = 1,"
        " body = json_object('id', id, 'rev', ?1, 'deleted', json('true')) WHERE id = ?2",
        collection->name);

      record->rev = rev;
      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return wh_server_db_set_error (db, error);
      sqlite3_bind_int64 (stmt, 1, rev);
      sqlite3_bind_int64 (stmt, 2, record->id);
    }
  else
    {
      stmt = wh_server_db_prepare_insert (db, collection, error);
      if (stmt == NULL)
        return FALSE;
      body = wh_server_db_bind_insert (stmt, record, rev);
    }
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return wh_server_db_set_error (db, error);
  return TRUE;
}

WhRecord *
wh_server_db_read_record (sqlite3            *db,
                          const WhCollection *collection,
                          gint64              id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT body FROM %s WHERE id = ? AND deleted = 0",
                                          collection->name);
  sqlite3_stmt *stmt = NULL;
  WhRecord *record = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GError) error = NULL;
      const char *body = (const char *) sqlite3_column_text (stmt, 0);

      record = wh_record_parse (collection, body, strlen (body), &error);
      if (record == NULL)
        g_warning ("Stored %s %" G_GINT64_FORMAT " does not decode: %s", collection->name, id,
                   error->message);
    }
  sqlite3_finalize (stmt);
  return record;
}
