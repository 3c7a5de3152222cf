/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store.c: the cache's engine: migrations, connections, borrowing a
 * reader, the collections' derived SQL and opening the cache. Each domain
 * keeps its tables and queries in a file of its own, sharing
 * wh-store-private.h: wh-store-write.c (applying a page, deferred indexing,
 * cursors), -outbox.c, -records.c, -bookmarks.c, -query.c, -distance.c,
 * -search.c, -places.c, -stations.c, -regions.c and -personal.c. */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

G_DEFINE_QUARK (wh-store-error-quark, wh_store_error)

/* Bump when the derived cache tables (triggers, FTS or R*Tree layout) change
 * in a way wh-schema does not show: every collection is then rebuilt. */
#define CACHE_LAYOUT_VERSION 1

/* Idle read connections kept for reuse; more may be open at once. */
#define MAX_IDLE_READERS 4

/* ---- Migrations of the fixed tables ------------------------------------- */

/* Step i takes user_version i to i + 1. Never edit a step that has shipped:
 * append a new one and raise WH_STORE_SCHEMA_VERSION. */
static const char * const migrations[] = {
  /* 1: what sync needs. */
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
  "  layout TEXT NOT NULL) WITHOUT ROWID;",

  /* 2: personal data the UI keeps offline. */
  "CREATE TABLE saved_courses ("
  "  course_id INTEGER PRIMARY KEY,"
  "  saved_at INTEGER NOT NULL);"
  "CREATE TABLE progress ("
  "  lesson_id INTEGER PRIMARY KEY,"
  "  course_id INTEGER NOT NULL,"
  "  position INTEGER NOT NULL DEFAULT 0,"
  "  completed INTEGER NOT NULL DEFAULT 0,"
  "  updated_at TEXT NOT NULL);"
  "CREATE INDEX progress_by_course ON progress (course_id);"
  "CREATE TABLE bookmarks ("
  "  job_id INTEGER PRIMARY KEY,"
  "  applied INTEGER NOT NULL DEFAULT 0,"
  "  updated_at TEXT NOT NULL);"
  "CREATE TABLE vouchers ("
  "  voucher_id TEXT PRIMARY KEY,"
  "  merchant_id INTEGER NOT NULL,"
  "  day TEXT NOT NULL,"
  "  status TEXT NOT NULL,"
  "  body TEXT NOT NULL) WITHOUT ROWID;",

  /* 3: the signed-in worker (offline eligibility) and the Idempotency-Key of
   * each claim still waiting for a definite answer. */
  "CREATE TABLE me ("
  "  slot INTEGER PRIMARY KEY CHECK (slot = 1),"
  "  body TEXT NOT NULL);"
  "CREATE TABLE pending_claims ("
  "  merchant_id INTEGER NOT NULL,"
  "  day TEXT NOT NULL,"
  "  idempotency_key TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (merchant_id, day)) WITHOUT ROWID;",

  /* 4: courses saved for offline reading, and quiz attempts. A course's
   * pictures are kept here, not in loose files, so saving, removing and
   * wiping are each one transaction. */
  "CREATE TABLE media ("
  "  path TEXT PRIMARY KEY,"
  "  course_id INTEGER NOT NULL,"
  "  content_type TEXT NOT NULL,"
  "  etag TEXT,"
  "  data BLOB NOT NULL,"
  "  fetched_at INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX media_by_course ON media (course_id);"
  "CREATE TABLE quiz_attempts ("
  "  attempt_id TEXT PRIMARY KEY,"
  "  course_id INTEGER NOT NULL,"
  "  total INTEGER NOT NULL,"
  "  correct INTEGER NOT NULL,"
  "  duration_s INTEGER NOT NULL DEFAULT 0,"
  "  timed INTEGER NOT NULL DEFAULT 0,"
  "  finished_at TEXT NOT NULL);"
  "CREATE INDEX quiz_attempts_by_course ON quiz_attempts (course_id);",

  /* 5: practice (wh-practice.c): each question's spaced-review state and
   * mistakes-notebook entry (body: a question_reviews document; the columns
   * beside it are what the lists filter and sort by), and the days the
   * worker practised, for the streak. */
  "CREATE TABLE question_reviews ("
  "  question_id INTEGER PRIMARY KEY,"
  "  course_id INTEGER NOT NULL,"
  "  due TEXT NOT NULL,"
  "  mistake INTEGER NOT NULL DEFAULT 0,"
  "  wrong_at TEXT,"
  "  reviewed_at TEXT NOT NULL,"
  "  body TEXT NOT NULL);"
  "CREATE INDEX question_reviews_by_due ON question_reviews (due);"
  "CREATE TABLE practice_days ("
  "  day TEXT PRIMARY KEY,"
  "  answered INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;",

  /* 6: the region tables of a regional collection (docs/region-tables.md):
   * each one's tables are named name, name_fts, and so on. */
  "CREATE TABLE region_tables ("
  "  collection TEXT NOT NULL,"
  "  region TEXT NOT NULL,"
  "  name TEXT NOT NULL UNIQUE,"
  "  PRIMARY KEY (collection, region));",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == WH_STORE_SCHEMA_VERSION);

/* ---- Connections -------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (WhStore, wh_store, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
store_error_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return WH_STORE_ERROR_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return WH_STORE_ERROR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return WH_STORE_ERROR_CORRUPT;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return WH_STORE_ERROR_PERMISSION;
    default:
      return WH_STORE_ERROR_FAILED;
    }
}

gboolean
wh_store_set_db_error (GError    **error,
                       sqlite3    *db,
                       int         rc,
                       const char *what)
{
  const char *detail = db ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  g_debug ("%s failed: %s (%d)", what, detail, rc);
  g_set_error (error, WH_STORE_ERROR, store_error_code (rc),
               /* Translators: the first %s names an operation, the second is SQLite's message */
               _("The offline cache failed (%s): %s"), what, detail);
  return FALSE;
}

static void
conn_close (WhConn *conn)
{
  if (conn == NULL)
    return;
  /* Finalize every statement first, or sqlite3_close refuses. */
  g_hash_table_unref (conn->stmts);
  sqlite3_close (conn->db);
  g_free (conn);
}

sqlite3_stmt *
wh_conn_prepare (WhConn     *conn,
                 const char *sql,
                 GError    **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (conn->stmts, sql);
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      wh_store_set_db_error (error, conn->db, rc, "prepare");
      return NULL;
    }
  g_hash_table_insert (conn->stmts, g_strdup (sql), stmt);
  return stmt;
}

gboolean
wh_conn_exec (WhConn     *conn,
              const char *sql,
              GError    **error)
{
  int rc = sqlite3_exec (conn->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return wh_store_set_db_error (error, conn->db, rc, sql);
  return TRUE;
}

gint64
wh_conn_query_int (WhConn     *conn,
                   const char *sql,
                   GError    **error)
{
  g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return 0;
  wh_store_set_db_error (error, conn->db, rc, "read");
  return -1;
}

/* wh_distance (lat1, lon1, lat2, lon2): metres, NULL when a coordinate is.
 * The same C function computes a key row's distance for paging, so the
 * value compared in SQL is bit for bit the one bound as the key. */
static void
distance_fn (sqlite3_context *ctx,
             int              argc,
             sqlite3_value  **argv)
{
  for (int i = 0; i < 4; i++)
    if (sqlite3_value_type (argv[i]) == SQLITE_NULL)
      {
        sqlite3_result_null (ctx);
        return;
      }
  sqlite3_result_double (ctx, wh_geo_distance_m (sqlite3_value_double (argv[0]),
                                                 sqlite3_value_double (argv[1]),
                                                 sqlite3_value_double (argv[2]),
                                                 sqlite3_value_double (argv[3])));
}

/* WH_STORE_SLOW_MS=N (for benchmarks and bug reports): each statement that
 * runs N ms or more is logged to stderr with its values and query plan, so
 * that a slow filter can be told from a slow paint. Unset: no tracing. */
static gint64
slow_statement_ns (void)
{
  static gsize ns = 0;

  if (g_once_init_enter (&ns))
    {
      const char *env = g_getenv ("WH_STORE_SLOW_MS");
      gint64 ms = env ? g_ascii_strtoll (env, NULL, 10) : 0;

      /* one more than the threshold, as 0 means "not read yet" */
      g_once_init_leave (&ns, ms > 0 ? (gsize) ms * 1000000 + 1 : G_MAXSIZE);
    }
  return ns == G_MAXSIZE ? -1 : (gint64) ns - 1;
}

static int
trace_slow_cb (unsigned int  type,
               void         *data,
               void         *p,
               void         *x)
{
  sqlite3_stmt *stmt = p;
  gint64 ns = *(sqlite3_int64 *) x;
  sqlite3 *db = sqlite3_db_handle (stmt);
  char *sql;
  g_autofree char *explain = NULL;
  sqlite3_stmt *plan = NULL;

  if (ns < slow_statement_ns () || (sql = sqlite3_expanded_sql (stmt)) == NULL)
    return 0;
  g_printerr ("wh-store: %.1f ms: %s\n", ns / 1e6, sql);
  explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  sqlite3_free (sql);
  if (sqlite3_prepare_v2 (db, explain, -1, &plan, NULL) == SQLITE_OK)
    while (sqlite3_step (plan) == SQLITE_ROW)
      g_printerr ("  [%d<%d] %s\n", sqlite3_column_int (plan, 0), sqlite3_column_int (plan, 1),
                  (const char *) sqlite3_column_text (plan, 3));
  sqlite3_finalize (plan);
  return 0;
}

/* wh_has (list, item, sep): 1 when item is one of the items of list (a
 * STRV or INTV in storage form, items between sep characters), else 0. What
 * instr (sep || list || sep, sep || item || sep) said, without building two
 * strings for every row: a fifth of the time over a million rows. */
static void
has_item_fn (sqlite3_context *ctx,
             int              argc,
             sqlite3_value  **argv)
{
  const char *list = (const char *) sqlite3_value_text (argv[0]);
  const char *item = (const char *) sqlite3_value_text (argv[1]);
  int sep = sqlite3_value_int (argv[2]);
  size_t m;

  if (list == NULL || item == NULL)
    {
      sqlite3_result_int (ctx, 0);
      return;
    }
  m = strlen (item);
  for (const char *p = list, *hit; (hit = strstr (p, item)) != NULL; p = hit + 1)
    if ((hit == list || hit[-1] == sep) && (hit[m] == '\0' || hit[m] == sep))
      {
        sqlite3_result_int (ctx, 1);
        return;
      }
  sqlite3_result_int (ctx, 0);
}

/* wh_in_window (list, minute, sep): 1 when one of the windows of list (a
 * STRV of WH_FORMAT_WINDOW values in storage form) holds minute, else 0.
 * The same rule as wh_windows_contain, which the views use on a record. */
static void
in_window_fn (sqlite3_context *ctx,
              int              argc,
              sqlite3_value  **argv)
{
  const char *list = (const char *) sqlite3_value_text (argv[0]);
  int minute = sqlite3_value_int (argv[1]);
  int sep = sqlite3_value_int (argv[2]);

  /* A window is 11 bytes; the schema allows four. */
  for (const char *p = list; p != NULL && *p != '\0';)
    {
      const char *next = strchr (p, sep);
      gsize len = next ? (gsize) (next - p) : strlen (p);
      char window[12];
      int start, end;

      if (len == 11)
        {
          memcpy (window, p, 11);
          window[11] = '\0';
          if (wh_window_parse (window, &start, &end) && start <= minute && minute < end)
            {
              sqlite3_result_int (ctx, 1);
              return;
            }
        }
      p = next ? next + 1 : NULL;
    }
  sqlite3_result_int (ctx, 0);
}

static WhConn *
conn_open (const char *path,
           gboolean    writer,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  WhConn *conn = g_new0 (WhConn, 1);
  int flags = SQLITE_OPEN_NOMUTEX |
              (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  int rc;

  conn->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) sqlite3_finalize);
  /* Each connection is used by one thread at a time (the store's locks see
   * to that), so SQLite's own per-connection mutex is not needed. */
  rc = sqlite3_open_v2 (path, &conn->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      wh_store_set_db_error (error, conn->db, rc, "open");
      conn_close (conn);
      return NULL;
    }
  sqlite3_extended_result_codes (conn->db, 1);
  if (slow_statement_ns () >= 0)
    sqlite3_trace_v2 (conn->db, SQLITE_TRACE_PROFILE, trace_slow_cb, NULL);
  /* Another process (the CLI) may hold the write lock for one page. */
  sqlite3_busy_timeout (conn->db, 5000);

  rc = wh_search_tokenizer_register (conn->db);
  if (rc != SQLITE_OK)
    {
      wh_store_set_db_error (error, conn->db, rc, "register tokenizer");
      conn_close (conn);
      return NULL;
    }
  rc = sqlite3_create_function_v2 (conn->db, "wh_distance", 4,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   distance_fn, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2 (conn->db, "wh_has", 3,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     has_item_fn, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function_v2 (conn->db, "wh_in_window", 3,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     in_window_fn, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      wh_store_set_db_error (error, conn->db, rc, "register functions");
      conn_close (conn);
      return NULL;
    }
  /* Readers map the file, which spares copying pages for searches and map
   * views. The writer does not: sync touches every page of a growing file,
   * and mapped pages it touched would count in its resident memory (up to
   * the whole map) while saving little, as it copies what it writes anyway.
   * Nor does it keep temporary data in memory: the CREATE INDEX at the end
   * of a first pull sorts a whole province's rows, and an in-memory sort of
   * 448,670 jobs peaks 55 MB higher (143 MB against 87 MB for the build
   * alone) and is slower (5.1 s against 3.4 s) than one spilled to a file. */
  if (!wh_conn_exec (conn,
                     writer ? "PRAGMA temp_store = FILE; PRAGMA mmap_size = 0;" :
                              "PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;",
                     &local_error) ||
      /* A big FTS merge can swell the WAL to tens of MB; let it shrink. */
      !wh_conn_exec (conn,
                     writer ? "PRAGMA cache_size = -" G_STRINGIFY (WRITER_CACHE_KIB) ";"
                              " PRAGMA journal_size_limit = 16777216;" :
                              "PRAGMA cache_size = -16384; PRAGMA query_only = 1;",
                     &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      conn_close (conn);
      return NULL;
    }
  return conn;
}

/* ---- Borrowing a reader ------------------------------------------------- */

gboolean
wh_reader_borrow (WhStore *self,
                  Reader  *reader,
                  GError **error)
{
  reader->store = self;
  g_mutex_lock (&self->read_lock);
  if (self->idle_readers->len > 0)
    reader->conn = g_ptr_array_steal_index_fast (self->idle_readers,
                                                 self->idle_readers->len - 1);
  g_mutex_unlock (&self->read_lock);

  if (reader->conn == NULL)
    reader->conn = conn_open (self->path, FALSE, error);
  if (reader->conn != NULL)
    reader->conn->budgets = &self->budgets;
  return reader->conn != NULL;
}

void
wh_reader_return (Reader *reader)
{
  WhStore *self = reader->store;

  if (reader->conn == NULL)
    return;
  g_mutex_lock (&self->read_lock);
  if (self->idle_readers->len < MAX_IDLE_READERS)
    {
      g_ptr_array_add (self->idle_readers, reader->conn);
      reader->conn = NULL;
    }
  g_mutex_unlock (&self->read_lock);
  g_clear_pointer (&reader->conn, conn_close);
}

/* ---- Collections -------------------------------------------------------- */

void
wh_store_info_parts (const CollInfo *info,
                     Parts          *parts)
{
  parts->n = 0;
  parts->info[parts->n++] = info;
  if (info->regions_lock == NULL)
    return;
  g_mutex_lock (info->regions_lock);
  for (guint i = 0; i < info->n_regions; i++)
    parts->info[parts->n++] = info->regions[i];
  g_mutex_unlock (info->regions_lock);
}

const CollInfo *
wh_store_lookup_region_info (WhStore            *self,
                             const WhCollection *collection,
                             const char         *region)
{
  CollInfo *info = wh_store_lookup_info (self, collection, NULL);
  const CollInfo *found = NULL;

  if (info == NULL || region == NULL)
    return NULL;
  g_mutex_lock (&self->regions_lock);
  for (guint i = 0; i < info->n_regions && found == NULL; i++)
    if (strcmp (info->regions[i]->region, region) == 0)
      found = info->regions[i];
  g_mutex_unlock (&self->regions_lock);
  return found;
}

const CollInfo *
wh_store_write_info (WhStore        *self,
                     const CollInfo *own,
                     const char     *region)
{
  const CollInfo *info = wh_store_lookup_region_info (self, own->collection, region);

  return info != NULL ? info : own;
}

CollInfo *
wh_store_lookup_info (WhStore            *self,
                      const WhCollection *collection,
                      GError            **error)
{
  for (guint i = 0; i < self->n_infos; i++)
    if (self->infos[i].collection == collection)
      return &self->infos[i];
  g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
               _("The collection “%s” is not kept in the offline cache."),
               collection ? collection->name : "(null)");
  return NULL;
}

static void derived_sql_init (CollInfo *info,
                              GString  *indexed);

/* The columns of a field's index (or a scaled order's, flags
 * WH_FIELD_SORTED): the sort value first; a sorted one's then the id and the
 * collection's WH_FIELD_LISTED fields, when it has any. The id keeps the
 * index in the list's order (value, id); the listed fields let the filter
 * every list has be checked in the index. */
static char *
index_columns (const WhCollection *c,
               const char         *first,
               WhFieldFlags        flags)
{
  g_autoptr(GString) listed = g_string_new (NULL);

  if (flags & WH_FIELD_SORTED)
    for (guint i = 0; i < c->n_fields; i++)
      if (c->fields[i].flags & WH_FIELD_LISTED)
        g_string_append_printf (listed, ", %s", c->fields[i].name);
  if (listed->len == 0)
    return g_strdup (first);
  return g_strdup_printf ("%s, id%s", first, listed->str);
}

/* "(CASE unit WHEN 'hour' THEN amount * 174.0 ... ELSE amount * 1.0 END)".
 * Always REAL, and computed as wh_scaled_order_key () computes it in C (the
 * amount made a double, times the factor; with a then_field, plus the same
 * of it divided by WH_SCALED_ORDER_THEN_DIVISOR), so a key row's value bound
 * for paging is bit for bit the one SQL compares with. */
static void
append_scaled (GString             *sql,
               const WhScaledOrder *order,
               const char          *field)
{
  g_string_append (sql, "(CASE ");
  g_string_append (sql, order->unit_field);
  for (guint i = 0; order->units[i]; i++)
    {
      char factor[G_ASCII_DTOSTR_BUF_SIZE + 2];
      char *unit = sqlite3_mprintf ("%Q", order->units[i]);

      g_ascii_formatd (factor, G_ASCII_DTOSTR_BUF_SIZE, "%.17g", order->factors[i]);
      if (strpbrk (factor, ".eEn") == NULL)
        strcat (factor, ".0");
      g_string_append_printf (sql, " WHEN %s THEN %s * %s", unit, field, factor);
      sqlite3_free (unit);
    }
  g_string_append_printf (sql, " ELSE %s * 1.0 END)", field);
}

static char *
scaled_order_sql (const WhScaledOrder *order)
{
  g_autoptr(GString) sql = g_string_new (NULL);

  if (order->then_field == NULL)
    {
      append_scaled (sql, order, order->field);
      return g_string_free (g_steal_pointer (&sql), FALSE);
    }
  g_string_append_c (sql, '(');
  append_scaled (sql, order, order->field);
  g_string_append (sql, " + ");
  append_scaled (sql, order, order->then_field);
  {
    char divisor[G_ASCII_DTOSTR_BUF_SIZE];

    /* Not printf's %f: the locale's decimal comma would end up in SQL. */
    g_ascii_formatd (divisor, sizeof divisor, "%.1f", WH_SCALED_ORDER_THEN_DIVISOR);
    g_string_append_printf (sql, " / %s)", divisor);
  }
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static void
coll_info_init (CollInfo           *info,
                const WhCollection *c,
                const char         *region)
{
  g_autoptr(GString) upsert = g_string_new (NULL);
  g_autoptr(GString) weights = g_string_new (NULL);
  g_autoptr(GString) search = g_string_new (NULL);
  g_autoptr(GString) t_search = g_string_new (NULL);
  g_autoptr(GString) indexed = g_string_new (NULL);
  g_autofree char *names = wh_collection_sql_column_names (c, NULL);
  g_autofree char *t_names = wh_collection_sql_column_names (c, "t.");
  g_autofree char *defs = wh_collection_sql_column_defs (c);

  info->collection = c;
  info->region = g_strdup (region);
  info->table = region ? g_strdup_printf ("%s_r%s", c->name, region) : g_strdup (c->name);
  info->located = (c->flags & WH_COLLECTION_LOCATED) != 0;
  info->columns = g_strdup_printf ("id, rev, %s", names);
  info->t_columns = g_strdup_printf ("t.id, t.rev, %s", t_names);

  g_string_append_printf (upsert, "(id, rev, %s) VALUES (?1, ?2", names);
  for (guint i = 0; i < c->n_fields; i++)
    g_string_append_printf (upsert, ", ?%u", i + 3);
  g_string_append (upsert, ") ON CONFLICT (id) DO UPDATE SET rev = excluded.rev");
  for (guint i = 0; i < c->n_fields; i++)
    g_string_append_printf (upsert, ", %s = excluded.%s", c->fields[i].name, c->fields[i].name);
  /* A page goes through a temporary stage and then into the table in one
   * statement. FTS5 (SQLite 3.40) flushes its pending terms into a new
   * segment at every statement savepoint, and an upsert firing the FTS
   * triggers opens one per row: row by row, each page made a thousand tiny
   * segments to merge, four to five times the work of one per page. */
  info->stage_create_sql = g_strdup_printf ("CREATE TEMP TABLE IF NOT EXISTS wh_stage_%s"
                                            " (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, %s)",
                                            info->table, defs);
  info->stage_upsert_sql = g_strdup_printf ("INSERT INTO temp.wh_stage_%s %s"
                                            " WHERE excluded.rev > wh_stage_%s.rev",
                                            info->table, upsert->str, info->table);
  info->stage_delete_sql = g_strdup_printf ("DELETE FROM temp.wh_stage_%s WHERE id = ?1 AND rev < ?2",
                                            info->table);
  /* An older or equal rev changes nothing: replays are no-ops. "WHERE
   * true" tells the parser that the ON CONFLICT is the upsert's. */
  info->stage_flush_sql = g_strdup_printf ("INSERT INTO %s (id, rev, %s) SELECT id, rev, %s"
                                           " FROM temp.wh_stage_%s WHERE true%s"
                                           " WHERE excluded.rev > %s.rev",
                                           info->table, names, names, info->table,
                                           strstr (upsert->str, " ON CONFLICT"), info->table);
  info->stage_clear_sql = g_strdup_printf ("DELETE FROM temp.wh_stage_%s", info->table);
  info->delete_sql = g_strdup_printf ("DELETE FROM %s WHERE id = ?1 AND rev < ?2", info->table);

  for (guint i = 0; i < c->n_fields; i++)
    {
      const WhField *f = &c->fields[i];

      if (f->flags & WH_FIELD_SEARCH)
        {
          /* The title counts most, long texts least. */
          double w = g_strcmp0 (f->name, c->title_field) == 0 ? 5.0 : f->max > 1000 ? 1.0 : 2.0;
          g_string_append_printf (search, "%s%s", search->len ? ", " : "", f->name);
          g_string_append_printf (t_search, "%st.%s", t_search->len ? ", " : "", f->name);
          g_string_append_printf (weights, ", %.1f", w);
        }
      if (f->flags & WH_FIELD_INDEXED)
        {
          g_autofree char *columns = index_columns (c, f->name, f->flags);

          g_string_append_printf (indexed, "%s%s", indexed->len ? ", " : "", f->name);
          if (strcmp (columns, f->name) != 0)
            g_string_append_printf (indexed, "(%s)", columns);
        }
    }
  info->order_sql = g_new0 (char *, c->n_scaled_orders + 1);
  for (guint i = 0; i < c->n_scaled_orders; i++)
    info->order_sql[i] = scaled_order_sql (&c->scaled_orders[i]);
  if (search->len > 0)
    {
      info->rank = g_strdup_printf ("%s(%s_fts%s)", WH_SEARCH_RANK_NAME, info->table, weights->str);
      info->search = g_strdup (search->str);
      info->t_search = g_strdup (t_search->str);
    }
  wh_store_names_info_init (info, indexed);
  info->unindexed = g_strdup_printf ("%s_unindexed", info->table);
  info->upsert_sql = g_strdup_printf ("INSERT INTO %s %s WHERE excluded.rev > %s.rev", info->table,
                                      upsert->str, info->table);
  derived_sql_init (info, indexed);
  info->layout = g_strdup_printf ("%d|%s|search:%s|indexed:%s|located:%d", CACHE_LAYOUT_VERSION,
                                  defs, search->str, indexed->str, info->located);
}

static void
coll_info_clear (CollInfo *info)
{
  g_free (info->table);
  g_free (info->region);
  g_free (info->columns);
  g_free (info->t_columns);
  g_free (info->delete_sql);
  g_free (info->stage_create_sql);
  g_free (info->stage_upsert_sql);
  g_free (info->stage_delete_sql);
  g_free (info->stage_flush_sql);
  g_free (info->stage_clear_sql);
  g_free (info->rank);
  g_free (info->search);
  g_free (info->t_search);
  g_free (info->search_values);
  g_free (info->fts_key);
  g_free (info->names);
  g_free (info->t_names);
  g_free (info->names_values);
  g_free (info->names_key);
  g_free (info->names_rank);
  g_free (info->names_create_sql);
  g_free (info->layout);
  g_free (info->unindexed);
  g_free (info->index_sql);
  g_free (info->drop_index_sql);
  g_free (info->trigger_sql);
  g_free (info->drop_trigger_sql);
  g_free (info->upsert_sql);
  g_strfreev (info->index_names);
  g_strfreev (info->index_defs);
  g_free (info->filter_index);
  g_strfreev (info->order_sql);
}

/* A collection's secondary indexes, as derived_sql_init gathers them. */
typedef struct
{
  const char *table;
  GString    *create; /* each CREATE INDEX IF NOT EXISTS */
  GString    *drop;   /* each DROP INDEX IF EXISTS */
  GPtrArray  *names;
  GPtrArray  *defs;   /* each CREATE INDEX as sqlite_master keeps it */
} Indexes;

static void
add_index (Indexes    *indexes,
           char       *name,
           const char *columns,
           const char *where)
{
  char *def = g_strdup_printf ("CREATE INDEX %s ON %s (%s)%s%s", name, indexes->table, columns,
                               where ? " WHERE " : "", where ? where : "");

  g_string_append_printf (indexes->create, "CREATE INDEX IF NOT EXISTS %s;",
                          def + strlen ("CREATE INDEX "));
  g_string_append_printf (indexes->drop, "DROP INDEX IF EXISTS %s;", name);
  g_ptr_array_add (indexes->names, name);
  g_ptr_array_add (indexes->defs, def);
}

/* The SQL of a collection's derived structures: its secondary indexes and
 * the triggers that keep its FTS and R*Tree up to date, with their DROPs.
 * Written with IF (NOT) EXISTS, so that building them again after a crash in
 * the middle is harmless. */
static void
derived_sql_init (CollInfo *info,
                  GString  *indexed)
{
  const WhCollection *c = info->collection;
  Indexes indexes = { info->table, g_string_new (NULL), g_string_new (NULL),
                      g_ptr_array_new (), g_ptr_array_new () };
  g_autoptr(GString) filter = g_string_new (NULL);
  g_autoptr(GString) trigger = g_string_new (NULL);
  g_autoptr(GString) drop_trigger = g_string_new (NULL);
  g_autoptr(GString) new_vals = g_string_new (NULL);
  g_autoptr(GString) old_vals = g_string_new (NULL);
  g_autoptr(GString) changed = g_string_new (NULL);
  const char *n = info->table;

  for (guint i = 0; i < c->n_fields; i++)
    {
      const WhField *f = &c->fields[i];

      if (f->flags & WH_FIELD_INDEXED)
        {
          g_autofree char *columns = index_columns (c, f->name, f->flags);

          add_index (&indexes, g_strdup_printf ("%s_by_%s", n, f->name), columns, NULL);
        }
      if (f->flags & WH_FIELD_FILTER)
        {
          if (filter->len == 0)
            info->filter_first = f->name;
          g_string_append_printf (filter, "%s%s", filter->len ? ", " : "", f->name);
        }
      if (f->flags & WH_FIELD_SEARCH)
        {
          g_string_append_printf (new_vals, ", new.%s", f->name);
          g_string_append_printf (old_vals, ", old.%s", f->name);
          g_string_append_printf (changed, "%sold.%s IS NOT new.%s", changed->len ? " OR " : "",
                                  f->name, f->name);
        }
    }

  for (guint i = 0; i < c->n_scaled_orders; i++)
    {
      const char *name = c->scaled_orders[i].name;
      g_autofree char *columns = index_columns (c, info->order_sql[i], WH_FIELD_SORTED);

      add_index (&indexes, g_strdup_printf ("%s_by_%s", n, name), columns, NULL);
      g_string_append_printf (indexed, "%s%s=%s", indexed->len ? ", " : "", name, columns);
    }
  /* The filters' own columns, then the place: counting any combination of
   * filters, or finding its nearest rows, then reads this index alone (a
   * tenth of the table's pages), never a whole row. */
  if (filter->len > 0)
    {
      if (info->located)
        g_string_append (filter, ", lat, lon");
      info->filter_index = g_strdup_printf ("%s_filter", n);
      add_index (&indexes, g_strdup (info->filter_index), filter->str, NULL);
      g_string_append_printf (indexed, "%sfilter(%s)", indexed->len ? ", " : "", filter->str);
    }
  /* The rows without a place, which the distance order puts last: usually
   * none, and then finding them costs nothing instead of a scan. */
  if (info->located)
    {
      add_index (&indexes, g_strdup_printf ("%s_unlocated", n), "id",
                 "lat IS NULL OR lon IS NULL");
      g_string_append_printf (indexed, "%sunlocated", indexed->len ? ", " : "");
    }
  g_ptr_array_add (indexes.names, NULL);
  info->index_names = (GStrv) g_ptr_array_free (indexes.names, FALSE);
  g_ptr_array_add (indexes.defs, NULL);
  info->index_defs = (GStrv) g_ptr_array_free (indexes.defs, FALSE);

  if (info->search != NULL && c->names_join != NULL)
    {
      g_autofree char *new_joined = wh_store_join_values (c, WH_FIELD_SEARCH, "new.");
      g_autofree char *old_joined = wh_store_join_values (c, WH_FIELD_SEARCH, "old.");

      g_string_printf (new_vals, ", %s", new_joined);
      g_string_printf (old_vals, ", %s", old_joined);
      g_string_append_printf (changed, " OR old.%s IS NOT new.%s", c->names_join->id_field,
                              c->names_join->id_field);
    }
  if (info->search != NULL)
    {
      /* External content: the text lives once, in the table; triggers feed
       * the index, and give it the old text on delete as FTS5 requires. */
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_fts_insert AFTER INSERT ON %s BEGIN"
                              " INSERT INTO %s_fts (rowid, %s) VALUES (new.id%s); END;",
                              n, n, n, info->search, new_vals->str);
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_fts_delete AFTER DELETE ON %s BEGIN"
                              " INSERT INTO %s_fts (%s_fts, rowid, %s) VALUES ('delete', old.id%s);"
                              " END;",
                              n, n, n, n, info->search, old_vals->str);
      /* Most updates (a merchant's quota) leave the text alone. */
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_fts_update AFTER UPDATE ON %s WHEN %s"
                              " BEGIN"
                              " INSERT INTO %s_fts (%s_fts, rowid, %s) VALUES ('delete', old.id%s);"
                              " INSERT INTO %s_fts (rowid, %s) VALUES (new.id%s); END;",
                              n, n, changed->str, n, n, info->search, old_vals->str, n,
                              info->search, new_vals->str);
      g_string_append_printf (drop_trigger, "DROP TRIGGER IF EXISTS %s_fts_insert;"
                              " DROP TRIGGER IF EXISTS %s_fts_delete;"
                              " DROP TRIGGER IF EXISTS %s_fts_update;", n, n, n);
    }

  if (info->search != NULL)
    wh_store_join_trigger_sql (info, "fts", WH_FIELD_SEARCH, info->search, info->search_values,
                               trigger, drop_trigger);
  wh_store_names_trigger_sql (info, trigger, drop_trigger);

  if (info->located)
    {
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_geo_insert AFTER INSERT ON %s"
                              " WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL BEGIN"
                              " INSERT INTO %s_geo VALUES (new.id, new.lat, new.lat, new.lon,"
                              " new.lon, new.lat, new.lon); END;",
                              n, n, n);
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_geo_update AFTER UPDATE ON %s"
                              " WHEN old.lat IS NOT new.lat OR old.lon IS NOT new.lon BEGIN"
                              " DELETE FROM %s_geo WHERE id = old.id;"
                              " INSERT INTO %s_geo SELECT new.id, new.lat, new.lat, new.lon,"
                              " new.lon, new.lat, new.lon"
                              " WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL; END;",
                              n, n, n, n);
      g_string_append_printf (trigger,
                              "CREATE TRIGGER IF NOT EXISTS %s_geo_delete AFTER DELETE ON %s BEGIN"
                              " DELETE FROM %s_geo WHERE id = old.id; END;",
                              n, n, n);
      g_string_append_printf (drop_trigger, "DROP TRIGGER IF EXISTS %s_geo_insert;"
                              " DROP TRIGGER IF EXISTS %s_geo_update;"
                              " DROP TRIGGER IF EXISTS %s_geo_delete;", n, n, n);
    }
  info->index_sql = g_string_free (indexes.create, FALSE);
  info->drop_index_sql = g_string_free (indexes.drop, FALSE);
  info->trigger_sql = g_string_free (g_steal_pointer (&trigger), FALSE);
  info->drop_trigger_sql = g_string_free (g_steal_pointer (&drop_trigger), FALSE);
}

/* The R*Tree of a located collection's places. The exact coordinates ride
 * along as auxiliary columns: the box of an R*Tree is float32, rounded
 * outwards, so they decide the last metre. */
char *
wh_store_geo_create_sql (const char *name)
{
  return g_strdup_printf ("CREATE VIRTUAL TABLE %s_geo USING rtree (id, min_lat, max_lat,"
                          " min_lon, max_lon, +lat, +lon)", name);
}

char *
wh_store_fts_create_sql (const CollInfo *info)
{
  return g_strdup_printf ("CREATE VIRTUAL TABLE %s_fts USING fts5 (%s, content='%s',"
                          " content_rowid='id', tokenize='%s')",
                          info->table, info->search, info->table, WH_SEARCH_TOKENIZER_NAME);
}

/* The SQL that creates a collection's table, indexes, FTS and R*Tree. */
static char *
create_cache_sql (const CollInfo *info)
{
  const WhCollection *c = info->collection;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *defs = wh_collection_sql_column_defs (c);
  const char *n = info->table;

  g_string_append_printf (sql, "CREATE TABLE %s (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, %s);",
                          n, defs);
  g_string_append (sql, info->index_sql);
  if (info->search != NULL)
    {
      g_autofree char *fts = wh_store_fts_create_sql (info);

      g_string_append_printf (sql, "%s;", fts);
    }
  if (info->names != NULL)
    g_string_append (sql, info->names_create_sql);
  if (info->located)
    {
      g_autofree char *geo = wh_store_geo_create_sql (n);

      g_string_append_printf (sql, "%s;", geo);
    }
  g_string_append (sql, info->trigger_sql);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* A layout without its "indexed:" part: what the rows themselves depend on.
 * NULL for NULL or a layout without one. */
static char *
layout_without_indexes (const char *layout)
{
  const char *start = layout ? strstr (layout, "|indexed:") : NULL;
  const char *end = start ? strstr (start, "|located:") : NULL;

  if (end == NULL)
    return NULL;
  return g_strdup_printf ("%.*s%s", (int) (start - layout), layout, end);
}

/* Inside the open transaction: drops the collection's secondary indexes
 * that the schema no longer asks for, or asks for made another way (other
 * columns), and makes the new ones over the rows already there (seconds
 * for a million, once). While a first pull's build is pending the indexes
 * may be absent on purpose; the build's end makes them all (index_sql)
 * anyway, and one made now is kept up to date as rows come. */
static gboolean
change_indexes (WhConn         *conn,
                const CollInfo *info,
                const char     *stored,
                GError        **error)
{
  g_autoptr(WhStmt) list = wh_conn_prepare (conn,
                                            "SELECT name, sql FROM sqlite_master"
                                            " WHERE type = 'index' AND tbl_name = ?1"
                                            " AND sql IS NOT NULL",
                                            error);
  g_autoptr(GPtrArray) drops = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (list == NULL)
    return FALSE;
  sqlite3_bind_text (list, 1, info->table, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (list)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (list, 0);
      const char *sql = (const char *) sqlite3_column_text (list, 1);
      gboolean wanted = FALSE;

      /* Kept when this release makes it the same way; else made again. */
      for (guint i = 0; info->index_names[i] != NULL && !wanted; i++)
        wanted = strcmp (info->index_names[i], name) == 0 &&
                 g_strcmp0 (info->index_defs[i], sql) == 0;
      if (!wanted)
        {
          char *drop = sqlite3_mprintf ("DROP INDEX \"%w\"", name);

          g_ptr_array_add (drops, g_strdup (drop));
          sqlite3_free (drop);
        }
    }
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read indexes");
  g_clear_pointer (&list, wh_stmt_done);
  for (guint i = 0; i < drops->len; i++)
    if (!wh_conn_exec (conn, drops->pdata[i], error))
      return FALSE;
  if (!wh_conn_exec (conn, info->index_sql, error))
    return FALSE;
  return wh_store_change_fts_join (conn, info, stored, error) &&
         wh_store_change_names (conn, info, stored, error);
}

/* Inside the open transaction: brings each collection's tables in line with
 * wh-schema, rebuilding (empty) those whose layout changed, or only their
 * indexes when nothing else did. */
/* Inside the open transaction: table's layout, as the cache keeps it. */
static gboolean
write_layout (WhConn     *conn,
              const char *table,
              const char *layout,
              GError    **error)
{
  g_autoptr(WhStmt) put = wh_conn_prepare (conn, "INSERT OR REPLACE INTO cache_layout"
                                           " VALUES (?1, ?2)", error);
  int rc;

  if (put == NULL)
    return FALSE;
  sqlite3_bind_text (put, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text (put, 2, layout, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (put)) != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "write layout");
  return TRUE;
}

gboolean
wh_store_reconcile_cache_tables (WhStore *self,
                                 GError **error)
{
  WhConn *conn = self->writer;

  for (guint i = 0; i < self->n_infos; i++)
    {
      const CollInfo *info = &self->infos[i];
      const char *n = info->table;
      g_autoptr(WhStmt) get = NULL;
      g_autofree char *drop = NULL;
      g_autofree char *create = NULL;
      gboolean same;
      int rc;

      g_autofree char *stored = NULL;
      g_autofree char *stored_rows = NULL;
      g_autofree char *rows = NULL;

      get = wh_conn_prepare (conn, "SELECT layout FROM cache_layout WHERE collection = ?1", error);
      if (get == NULL)
        return FALSE;
      sqlite3_bind_text (get, 1, n, -1, SQLITE_STATIC);
      rc = sqlite3_step (get);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return wh_store_set_db_error (error, conn->db, rc, "read layout");
      if (rc == SQLITE_ROW)
        stored = g_strdup ((const char *) sqlite3_column_text (get, 0));
      g_clear_pointer (&get, wh_stmt_done);
      same = g_strcmp0 (stored, info->layout) == 0;
      if (same)
        continue;

      stored_rows = layout_without_indexes (stored);
      rows = layout_without_indexes (info->layout);
      if (stored_rows != NULL && g_strcmp0 (stored_rows, rows) == 0)
        {
          /* Only the secondary indexes changed: the rows stay, and so does
           * the cursor (a million jobs are not fetched again for an index). */
          g_debug ("Changing the indexes of %s", n);
          if (!change_indexes (conn, info, stored, error))
            return FALSE;
        }
      else
        {
          g_debug ("Building cache tables of %s", n);
          drop = g_strdup_printf ("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s_fts;"
                                  " DROP TABLE IF EXISTS %s_names;"
                                  " DROP TABLE IF EXISTS %s_geo; DROP TABLE IF EXISTS %s_unindexed;",
                                  n, n, n, n, n);
          create = create_cache_sql (info);
          if (!wh_conn_exec (conn, drop, error) || !wh_conn_exec (conn, create, error))
            return FALSE;
        }

      {
        g_autoptr(WhStmt) forget = NULL;

        if (!write_layout (conn, n, info->layout, error))
          return FALSE;
        if (stored_rows != NULL && g_strcmp0 (stored_rows, rows) == 0)
          continue;
        forget = wh_conn_prepare (conn, "DELETE FROM sync_state WHERE collection = ?1", error);
        if (forget == NULL)
          return FALSE;
        sqlite3_bind_text (forget, 1, n, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step (forget)) != SQLITE_DONE)
          return wh_store_set_db_error (error, conn->db, rc, "reset cursor");
      }
    }
  return TRUE;
}

/* ---- Opening ------------------------------------------------------------ */

/* The cache holds who the person is and what they did: only they may read
 * it. SQLite gives the -wal and -shm files the mode of the database file. */
static gboolean
same_folder (const char *a,
             const char *b)
{
  GStatBuf sa, sb;

  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

static gboolean
make_private (const char *path,
              GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *suffixes[] = { "-wal", "-shm" };
  GStatBuf st;
  int fd, saved;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_stat (dir, &st) != 0)
    {
      saved = errno;
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_PERMISSION,
                   _("Could not create the folder of the offline cache “%s”: %s"), dir,
                   g_strerror (saved));
      return FALSE;
    }
  /* An existing folder is tightened only where it is the cache's own: never
   * a shared one (sticky, as /tmp is: making it private breaks every other
   * user and service of the machine), another user's, or the home folder
   * (`--cache ~/cache.db`). The files themselves are private anyway. */
  if ((st.st_mode & 077) != 0 && (st.st_mode & S_ISVTX) == 0 && st.st_uid == getuid () &&
      !same_folder (dir, g_get_home_dir ()) && g_chmod (dir, st.st_mode & 0700) != 0)
    {
      saved = errno;
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_PERMISSION,
                   _("Could not make the folder of the offline cache “%s” private: %s"), dir,
                   g_strerror (saved));
      return FALSE;
    }

  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_PERMISSION,
                   _("Could not open the offline cache “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *side = g_strconcat (path, suffixes[i], NULL);
      g_chmod (side, 0600); /* absent is fine */
    }
  return TRUE;
}

/* ---- Region tables ------------------------------------------------------- */

/* A region table's info, kept until the store closes (a read may hold it). */
static CollInfo *
region_info_new (WhStore            *self,
                 const WhCollection *collection,
                 const char         *region)
{
  CollInfo *info = g_new0 (CollInfo, 1);

  coll_info_init (info, collection, region);
  g_mutex_lock (&self->regions_lock);
  g_ptr_array_add (self->region_infos, info);
  g_mutex_unlock (&self->regions_lock);
  return info;
}

/* Reads go over it from now on. */
static void
publish_region (WhStore  *self,
                CollInfo *own,
                CollInfo *info)
{
  g_mutex_lock (&self->regions_lock);
  g_assert (own->n_regions < MAX_REGION_TABLES);
  own->regions[own->n_regions++] = info;
  g_mutex_unlock (&self->regions_lock);
}

static gboolean
valid_region (const char *region)
{
  gsize len = region ? strlen (region) : 0;

  if (len == 0 || len > 12)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (region[i]))
      return FALSE;
  return TRUE;
}

/* The stored layout of a table, or NULL. */
static char *
stored_layout (WhConn     *conn,
               const char *table,
               GError    **error)
{
  g_autoptr(WhStmt) get = wh_conn_prepare (conn, "SELECT layout FROM cache_layout"
                                           " WHERE collection = ?1", error);
  int rc;

  if (get == NULL)
    return NULL;
  sqlite3_bind_text (get, 1, table, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (get)) == SQLITE_ROW)
    return g_strdup ((const char *) sqlite3_column_text (get, 0));
  if (rc != SQLITE_DONE)
    wh_store_set_db_error (error, conn->db, rc, "read layout");
  return NULL;
}

/* Inside the open transaction: forgets a region's tables, its entry and
 * its cursor (its rows come again with the next sync). */
static gboolean
drop_region_tables (WhConn         *conn,
                    const CollInfo *info,
                    GError        **error)
{
  g_autofree char *drop = wh_store_drop_tables_sql (info);
  g_autoptr(WhStmt) forget = NULL;
  int rc;

  if (!wh_conn_exec (conn, drop, error))
    return FALSE;
  forget = wh_conn_prepare (conn, "DELETE FROM region_tables WHERE name = ?1;", error);
  if (forget == NULL)
    return FALSE;
  sqlite3_bind_text (forget, 1, info->table, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (forget)) != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "forget region");
  g_clear_pointer (&forget, wh_stmt_done);
  forget = wh_conn_prepare (conn, "DELETE FROM sync_state WHERE collection = ?1 AND region = ?2",
                            error);
  if (forget == NULL)
    return FALSE;
  sqlite3_bind_text (forget, 1, info->collection->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (forget, 2, info->region, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (forget)) != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "reset cursor");
  return TRUE;
}

gboolean
wh_store_drop_region_tables (WhStore        *self,
                             const CollInfo *own,
                             const Parts    *parts,
                             const char     *except,
                             GError        **error)
{
  for (guint k = 1; k < parts->n; k++)
    {
      const CollInfo *info = parts->info[k];

      if (g_strcmp0 (info->region, except) == 0)
        continue;
      if (own->collection == &wh_collection_jobs)
        {
          /* Into the own table through its triggers: a few rows. */
          g_autofree char *keep = g_strdup_printf ("INSERT OR IGNORE INTO %s (%s) SELECT %s"
                                                   " FROM %s WHERE id IN"
                                                   " (SELECT job_id FROM bookmarks)",
                                                   own->table, own->columns, own->columns,
                                                   info->table);
          int pending;

          if ((pending = wh_conn_pending (self->writer, own, error)) < 0 ||
              !wh_conn_exec (self->writer, keep, error))
            return FALSE;
          /* Without their triggers there: the build indexes them. */
          if (pending)
            {
              g_autofree char *list = g_strdup_printf ("INSERT OR IGNORE INTO %s SELECT job_id"
                                                       " FROM bookmarks WHERE job_id IN"
                                                       " (SELECT id FROM %s)", own->unindexed,
                                                       info->table);

              if (!wh_conn_exec (self->writer, list, error))
                return FALSE;
            }
        }
      if (!drop_region_tables (self->writer, info, error))
        return FALSE;
    }
  return TRUE;
}

void
wh_store_restore_regions (WhStore        *self,
                          const CollInfo *own_info,
                          const Parts    *parts)
{
  CollInfo *own = wh_store_lookup_info (self, own_info->collection, NULL);

  g_mutex_lock (&self->regions_lock);
  own->n_regions = 0;
  for (guint k = 1; k < parts->n; k++)
    own->regions[own->n_regions++] = (CollInfo *) parts->info[k];
  g_mutex_unlock (&self->regions_lock);
}

void
wh_store_unpublish_regions (WhStore        *self,
                            const CollInfo *own_info,
                            const char     *except)
{
  CollInfo *own = wh_store_lookup_info (self, own_info->collection, NULL);
  guint kept = 0;

  g_mutex_lock (&self->regions_lock);
  for (guint i = 0; i < own->n_regions; i++)
    if (g_strcmp0 (own->regions[i]->region, except) == 0)
      own->regions[kept++] = own->regions[i];
  own->n_regions = kept;
  g_mutex_unlock (&self->regions_lock);
}

/* Inside the opening transaction, after the collections' own tables are in
 * line: each region table listed is read from now on; one made another way
 * (an older layout) is dropped, and its region synced again. */
static gboolean
load_region_tables (WhStore *self,
                    GError **error)
{
  WhConn *conn = self->writer;
  g_autoptr(WhStmt) list = wh_conn_prepare (conn, "SELECT collection, region FROM region_tables"
                                            " ORDER BY rowid", error);
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  int rc;

  if (list == NULL)
    return FALSE;
  while ((rc = sqlite3_step (list)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (list, 0);
      const char *region = (const char *) sqlite3_column_text (list, 1);
      CollInfo *own = NULL;

      for (guint i = 0; i < self->n_infos && own == NULL; i++)
        if (g_strcmp0 (self->infos[i].collection->name, name) == 0)
          own = &self->infos[i];
      if (own == NULL || own->regions_lock == NULL || !valid_region (region))
        {
          g_debug ("Region table %s of %s: not a regional collection", region, name);
          /* A file this code never wrote (a bad copy, a disk error): the
           * app shows the message, which names nothing a worker knows. */
          g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_CORRUPT,
                               _("The offline cache is damaged. Remove the cache file to"
                                 " download everything again."));
          return FALSE;
        }
      g_ptr_array_add (found, region_info_new (self, own->collection, region));
    }
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read region tables");
  g_clear_pointer (&list, wh_stmt_done);

  for (guint i = 0; i < found->len; i++)
    {
      CollInfo *info = found->pdata[i];
      CollInfo *own = wh_store_lookup_info (self, info->collection, NULL);
      g_autofree char *layout = NULL;
      g_autoptr(GError) local = NULL;

      if ((layout = stored_layout (conn, info->table, &local)) == NULL && local != NULL)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      if (g_strcmp0 (layout, info->layout) != 0 || own->n_regions == MAX_REGION_TABLES)
        {
          g_debug ("Dropping the region table %s, made another way", info->table);
          if (!drop_region_tables (conn, info, error))
            return FALSE;
          continue;
        }
      publish_region (self, own, info);
    }
  return TRUE;
}

gboolean
wh_store_add_region_tables (WhStore            *self,
                            const WhCollection *collection,
                            const char         *region,
                            GError            **error)
{
  CollInfo *own;
  CollInfo *info;
  g_autofree char *create = NULL;
  g_autoptr(WhStmt) put = NULL;
  gboolean ok;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (valid_region (region), FALSE);

  if ((own = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  g_return_val_if_fail (own->regions_lock != NULL, FALSE);
  if (wh_store_lookup_region_info (self, collection, region) != NULL)
    return TRUE;
  if (own->n_regions == MAX_REGION_TABLES)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The offline cache keeps the jobs of %d regions at most."),
                   MAX_REGION_TABLES);
      return FALSE;
    }
  info = region_info_new (self, collection, region);
  create = create_cache_sql (info);
  if (wh_store_write_begin (self, error) == NULL)
    return FALSE;
  ok = wh_conn_exec (self->writer, create, error);
  if (ok)
    ok = (put = wh_conn_prepare (self->writer, "INSERT INTO region_tables VALUES (?1, ?2, ?3);",
                                 error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (put, 1, collection->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (put, 2, region, -1, SQLITE_STATIC);
      sqlite3_bind_text (put, 3, info->table, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step (put)) != SQLITE_DONE)
        ok = wh_store_set_db_error (error, self->writer->db, rc, "write region table");
      g_clear_pointer (&put, wh_stmt_done);
    }
  ok = ok && write_layout (self->writer, info->table, info->layout, error);
  if (!wh_store_write_end (self, ok, error))
    return FALSE;
  publish_region (self, own, info);
  return TRUE;
}

static gboolean
migrate (WhStore *self,
         GError **error)
{
  WhConn *conn = self->writer;
  gint64 version;

  if (!wh_conn_exec (conn, "BEGIN IMMEDIATE", error))
    return FALSE;
  /* Read again under the write lock: another process may have migrated. */
  version = wh_conn_query_int (conn, "PRAGMA user_version", error);
  if (version < 0)
    goto fail;
  if (version > WH_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NEWER_VERSION,
                   _("The offline cache was written by a newer version of Workers’ Home."));
      goto fail;
    }
  for (gint64 v = version; v < WH_STORE_SCHEMA_VERSION; v++)
    {
      g_debug ("Migrating the cache from version %" G_GINT64_FORMAT, v);
      if (!wh_conn_exec (conn, migrations[v], error))
        goto fail;
    }
  if (version != WH_STORE_SCHEMA_VERSION)
    {
      g_autofree char *set = g_strdup_printf ("PRAGMA user_version = %d", WH_STORE_SCHEMA_VERSION);
      if (!wh_conn_exec (conn, set, error))
        goto fail;
    }
  if (!wh_store_reconcile_cache_tables (self, error) || !load_region_tables (self, error) ||
      !wh_conn_exec (conn, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  sqlite3_exec (conn->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static void
wh_store_finalize (GObject *object)
{
  WhStore *self = WH_STORE (object);

  /* No queued task is left: each holds a reference. Do not wait for the
   * queue's thread, which may be the one dropping the last reference. */
  if (self->queue != NULL)
    g_thread_pool_free (self->queue, FALSE, FALSE);
  if (self->changed_source != NULL)
    {
      g_source_destroy (self->changed_source);
      g_source_unref (self->changed_source);
    }
  g_clear_pointer (&self->changed_pending, g_ptr_array_unref);
  wh_store_checkpoints_stop (self);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->changed_lock);
  g_clear_pointer (&self->idle_readers, g_ptr_array_unref);
  g_clear_pointer (&self->writer, conn_close);
  for (guint i = 0; i < self->n_infos; i++)
    coll_info_clear (&self->infos[i]);
  for (guint i = 0; i < self->region_infos->len; i++)
    {
      coll_info_clear (self->region_infos->pdata[i]);
      g_free (self->region_infos->pdata[i]);
    }
  g_ptr_array_unref (self->region_infos);
  g_mutex_clear (&self->regions_lock);
  g_free (self->infos);
  g_free (self->path);
  g_mutex_clear (&self->write_lock);
  g_mutex_clear (&self->read_lock);

  G_OBJECT_CLASS (wh_store_parent_class)->finalize (object);
}

static void
wh_store_class_init (WhStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wh_store_finalize;

  /**
   * WhStore::changed:
   * @collection: the name of the collection or personal table written
   *
   * Emitted after a write commits, on the main context that was the
   * thread-default when the store was created, once per collection for
   * all the writes since the last emission (see wh-store.h).
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
wh_store_init (WhStore *self)
{
  guint n;
  const WhCollection * const *synced = wh_schema_synced_collections (&n);

  g_mutex_init (&self->write_lock);
  g_mutex_init (&self->read_lock);
  g_mutex_init (&self->changed_lock);
  g_mutex_init (&self->regions_lock);
  self->region_infos = g_ptr_array_new ();
  self->context = g_main_context_ref_thread_default ();
  self->changed_pending = g_ptr_array_new ();
  self->queue = g_thread_pool_new (wh_store_queue_run, NULL, 1, FALSE, NULL);
  self->defer_min_rows = DEFER_MIN_ROWS;
  self->build_chunk_rows = BUILD_CHUNK_ROWS;
  self->build_all_min_rows = BUILD_ALL_MIN_ROWS;
  self->compact_free = COMPACT_FREE_PERCENT;
  self->build_step_rows = BUILD_STEP_ROWS;
  self->budgets = default_budgets;
  self->idle_readers = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_close);
  self->infos = g_new0 (CollInfo, n);
  self->n_infos = n;
  for (guint i = 0; i < n; i++)
    {
      coll_info_init (&self->infos[i], synced[i], NULL);
      if (synced[i]->flags & WH_COLLECTION_REGIONAL)
        self->infos[i].regions_lock = &self->regions_lock;
    }
}

void
wh_store_configure_sqlite (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  /* SQLite keeps its memory statistics under one global mutex, which every
   * allocation of every connection takes: the build at once's two threads
   * waited on it a fifth of their time (220,606 jobs built in 4.8 s with
   * it, 3.8 s without). Nothing here reads them (sqlite3_memory_used, a
   * soft heap limit). */
  if (sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
    g_debug ("SQLite started before its set-up: its memory statistics stay on");
  g_once_init_leave (&done, 1);
}

char *
wh_store_default_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "workers-home", "cache.db", NULL);
}

WhStore *
wh_store_open (const char *path,
               GError    **error)
{
  g_autoptr(WhStore) self = NULL;
  gint64 version;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!make_private (path, error))
    return NULL;
  wh_store_configure_sqlite ();

  self = g_object_new (WH_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->writer = conn_open (path, TRUE, error);
  if (self->writer == NULL)
    return NULL;
  self->writer->budgets = &self->budgets;

  /* Refuse a newer file before anything (even the journal mode) changes it. */
  version = wh_conn_query_int (self->writer, "PRAGMA user_version", error);
  if (version < 0)
    return NULL;
  if (version > WH_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NEWER_VERSION,
                   _("The offline cache was written by a newer version of Workers’ Home."));
      return NULL;
    }

  if (wh_conn_query_int (self->writer, "PRAGMA journal_mode = WAL", error) < 0 ||
      !wh_conn_exec (self->writer, "PRAGMA synchronous = NORMAL", error) ||
      !migrate (self, error))
    return NULL;

  /* The WAL and shared-memory files exist now; keep them private too. */
  if (!make_private (path, error))
    return NULL;
  wh_store_checkpoints_start (self);
  /* A snapshot's download, or a build's scratch, a killed run left
   * (wh-store-snapshot.c, wh-store-build.c). */
  wh_store_snapshot_cleanup (self);
  wh_store_build_cleanup (self);

  return g_steal_pointer (&self);
}

const char *
wh_store_get_path (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  return self->path;
}

/* ---- For other core modules (wh-store-private.h) ------------------------- */

sqlite3 *
wh_store_write_begin (WhStore *self,
                      GError **error)
{
  return wh_store_writer_begin (self, error) ? self->writer->db : NULL;
}

gboolean
wh_store_write_end (WhStore  *self,
                    gboolean  ok,
                    GError  **error)
{
  return wh_store_writer_end (self, ok, error);
}

gpointer
wh_store_reader_borrow (WhStore  *self,
                        sqlite3 **db,
                        GError  **error)
{
  Reader reader = { 0 };

  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  *db = reader.conn->db;
  return reader.conn;
}

void
wh_store_reader_return (WhStore  *self,
                        gpointer  token)
{
  Reader reader = { self, token };

  wh_reader_return (&reader);
}
