/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-write.c: writing pages of a feed into the cache, deferred indexing
 * and the sync cursors (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-store-private.h"

/* ---- Writing ------------------------------------------------------------ */

gboolean
wh_store_writer_begin (WhStore *self,
                       GError **error)
{
  g_mutex_lock (&self->write_lock);
  if (!wh_conn_exec (self->writer, "BEGIN IMMEDIATE", error))
    {
      g_mutex_unlock (&self->write_lock);
      return FALSE;
    }
  return TRUE;
}

/* Commits when ok, else rolls back; always releases the writer. */
gboolean
wh_store_writer_end (WhStore  *self,
                     gboolean  ok,
                     GError  **error)
{
  if (ok)
    ok = wh_conn_exec (self->writer, "COMMIT", error);
  if (!ok)
    sqlite3_exec (self->writer->db, "ROLLBACK", NULL, NULL, NULL);
  g_mutex_unlock (&self->write_lock);
  return ok;
}

gboolean
wh_conn_step_done (WhConn       *conn,
                   sqlite3_stmt *stmt,
                   const char   *what,
                   GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return wh_store_set_db_error (error, conn->db, rc, what);
  return TRUE;
}

/* A collection's cursor, in the caller's transaction. It never moves back:
 * an old page replayed is harmless. */
gboolean
wh_conn_set_cursor (WhConn     *conn,
                    const char *collection,
                    const char *region,
                    gint64      next_since,
                    GError    **error)
{
  g_autoptr(WhStmt) cursor =
    wh_conn_prepare (conn,
                     "INSERT INTO sync_state (collection, region, next_since, synced_at)"
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (collection, region) DO UPDATE"
                     " SET next_since = max(next_since, excluded.next_since),"
                     " synced_at = excluded.synced_at",
                     error);

  if (cursor == NULL)
    return FALSE;
  sqlite3_bind_text (cursor, 1, collection, -1, SQLITE_STATIC);
  sqlite3_bind_text (cursor, 2, region ? region : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (cursor, 3, next_since);
  sqlite3_bind_int64 (cursor, 4, g_get_real_time () / G_USEC_PER_SEC);
  return wh_conn_step_done (conn, cursor, "write cursor", error);
}

static gboolean
check_region (const char *region,
              GError    **error)
{
  if (region != NULL && (strlen (region) > 16 || !g_utf8_validate (region, -1, NULL)))
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID, _("The region is not valid."));
      return FALSE;
    }
  return TRUE;
}

const FtsBulk wh_fts_bulk_chunk = { 4 * 1024 * 1024, 16 };
const FtsBulk wh_fts_bulk_all = { 16 * 1024 * 1024, 64 };

/* insert_sql, a bulk insert into the FTS5 table schema.fts, with bulk's
 * settings for its length. FTS5 keeps them in its config table: its own are
 * put back after it, in the same transaction. */
char *
wh_fts_bulk_insert_sql (const char    *schema,
                        const char    *fts,
                        const char    *insert_sql,
                        const FtsBulk *bulk)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  const struct { const char *key; int value, restored; } settings[] = {
    { "hashsize", bulk->hashsize, FTS_DEFAULT_HASHSIZE },
    { "automerge", bulk->automerge, FTS_DEFAULT_AUTOMERGE },
    { "crisismerge", MAX (bulk->automerge, FTS_DEFAULT_CRISISMERGE), FTS_DEFAULT_CRISISMERGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_string_append_printf (sql, "INSERT INTO %s.%s (%s, rank) VALUES ('%s', %d); ",
                            schema, fts, fts, settings[i].key, settings[i].value);
  g_string_append_printf (sql, "%s; ", insert_sql);
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_string_append_printf (sql, "INSERT INTO %s.%s (%s, rank) VALUES ('%s', %d); ",
                            schema, fts, fts, settings[i].key, settings[i].restored);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* Whether a collection has rows written without their index entries: they
 * are listed in its "_unindexed" table, created in the transaction of the
 * first such page and dropped in the one that indexes the last of them, so
 * the state survives any crash. 1, 0, or -1 on error. */
int
wh_conn_pending (WhConn         *conn,
                 const CollInfo *info,
                 GError        **error)
{
  g_autoptr(WhStmt) stmt = wh_conn_prepare (conn,
                                            "SELECT 1 FROM sqlite_master"
                                            " WHERE type = 'table' AND name = ?1",
                                            error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, info->unindexed, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return 1;
  if (rc == SQLITE_DONE)
    return 0;
  wh_store_set_db_error (error, conn->db, rc, "read index state");
  return -1;
}

/* Inside the page's transaction: from now on rows go in bare, listed in
 * the _unindexed table. The triggers go; so do the secondary indexes when
 * the table is empty (CREATE INDEX later sorts once instead of inserting
 * row by row); over rows already there they stay, kept up to date as usual. */
gboolean
wh_conn_defer_indexes (WhConn         *conn,
                       const CollInfo *info,
                       GError        **error)
{
  g_autofree char *create = g_strdup_printf ("CREATE TABLE %s (id INTEGER PRIMARY KEY)",
                                             info->unindexed);
  g_autofree char *any = g_strdup_printf ("SELECT EXISTS (SELECT 1 FROM %s)",
                                          info->table);
  gint64 not_empty = wh_conn_query_int (conn, any, error);

  if (not_empty < 0)
    return FALSE;
  g_debug ("%s: deferring its indexes to the end of the pull", info->collection->name);
  return wh_conn_exec (conn, create, error) && wh_conn_exec (conn, info->drop_trigger_sql, error) &&
         (not_empty || wh_conn_exec (conn, info->drop_index_sql, error));
}

/* Takes an indexed row out of the FTS and R*Tree (their triggers are gone),
 * before it changes or goes; a row changed later is indexed at the build. */
static gboolean
unindex_row (WhConn         *conn,
             const CollInfo *info,
             gint64          id,
             GError        **error)
{
  const char *n = info->table;

  if (info->search != NULL)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO %s_fts (%s_fts, rowid, %s)"
                                              " SELECT 'delete', id, %s FROM %s WHERE id = ?1",
                                              n, n, info->search, info->search_values, n);
      g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!wh_conn_step_done (conn, stmt, "write", error))
        return FALSE;
    }
  if (info->names != NULL)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO %s_names (%s_names, rowid, %s)"
                                              " SELECT 'delete', id, %s FROM %s WHERE id = ?1",
                                              n, n, info->names, info->names_values, n);
      g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!wh_conn_step_done (conn, stmt, "write", error))
        return FALSE;
    }
  if (info->located)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s_geo WHERE id = ?1", n);
      g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!wh_conn_step_done (conn, stmt, "write", error))
        return FALSE;
    }
  return TRUE;
}

/* Writes a record while the collection's indexes are pending. */
static gboolean
apply_record_unindexed (WhConn         *conn,
                        const CollInfo *info,
                        const WhRecord *record,
                        GError        **error)
{
  const char *n = info->table;
  g_autofree char *look_sql = g_strdup_printf ("SELECT t.rev, u.id IS NOT NULL FROM %s t"
                                               " LEFT JOIN %s u ON u.id = t.id WHERE t.id = ?1",
                                               n, info->unindexed);
  g_autofree char *list_sql = g_strdup_printf ("INSERT OR IGNORE INTO %s VALUES (?1)",
                                               info->unindexed);
  g_autofree char *unlist_sql = g_strdup_printf ("DELETE FROM %s WHERE id = ?1", info->unindexed);
  g_autoptr(WhStmt) look = wh_conn_prepare (conn, look_sql, error);
  gboolean found = FALSE, listed = FALSE;
  gint64 rev = 0;
  int rc;

  if (look == NULL)
    return FALSE;
  sqlite3_bind_int64 (look, 1, record->id);
  rc = sqlite3_step (look);
  if (rc == SQLITE_ROW)
    {
      found = TRUE;
      rev = sqlite3_column_int64 (look, 0);
      listed = sqlite3_column_int (look, 1) != 0;
    }
  else if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read");
  g_clear_pointer (&look, wh_stmt_done);

  /* An older or equal rev changes nothing: replays are no-ops. */
  if (found && rev >= record->rev)
    return TRUE;
  if (record->deleted && !found)
    return TRUE;
  if (found && !listed && !unindex_row (conn, info, record->id, error))
    return FALSE;

  if (record->deleted)
    {
      g_autoptr(WhStmt) delete = wh_conn_prepare (conn, info->delete_sql, error);
      g_autoptr(WhStmt) unlist = wh_conn_prepare (conn, unlist_sql, error);

      if (delete == NULL || unlist == NULL)
        return FALSE;
      sqlite3_bind_int64 (delete, 1, record->id);
      sqlite3_bind_int64 (delete, 2, record->rev);
      sqlite3_bind_int64 (unlist, 1, record->id);
      return wh_conn_step_done (conn, delete, "delete", error) &&
             wh_conn_step_done (conn, unlist, "delete", error);
    }
  else
    {
      g_autoptr(WhStmt) upsert = wh_conn_prepare (conn, info->upsert_sql, error);
      g_autoptr(WhStmt) list = wh_conn_prepare (conn, list_sql, error);

      if (upsert == NULL || list == NULL)
        return FALSE;
      sqlite3_bind_int64 (upsert, 1, record->id);
      sqlite3_bind_int64 (upsert, 2, record->rev);
      wh_record_bind_values (record, upsert, 3);
      sqlite3_bind_int64 (list, 1, record->id);
      return wh_conn_step_done (conn, upsert, "write", error) &&
             wh_conn_step_done (conn, list, "write", error);
    }
}

static gboolean
apply_records_staged (WhConn         *conn,
                      const CollInfo *info,
                      const WhPage   *page,
                      GError        **error)
{
  g_autoptr(WhStmt) stage = NULL;
  g_autoptr(WhStmt) unstage = NULL;
  g_autoptr(WhStmt) delete = NULL;
  g_autoptr(WhStmt) flush = NULL;
  g_autoptr(WhStmt) clear = NULL;

  /* Created here rather than at open: a rollback takes it away again. */
  if (!wh_conn_exec (conn, info->stage_create_sql, error) ||
      (stage = wh_conn_prepare (conn, info->stage_upsert_sql, error)) == NULL ||
      (unstage = wh_conn_prepare (conn, info->stage_delete_sql, error)) == NULL ||
      (delete = wh_conn_prepare (conn, info->delete_sql, error)) == NULL ||
      (flush = wh_conn_prepare (conn, info->stage_flush_sql, error)) == NULL ||
      (clear = wh_conn_prepare (conn, info->stage_clear_sql, error)) == NULL ||
      !wh_conn_step_done (conn, clear, "write", error))
    return FALSE;

  for (guint i = 0; i < page->records->len; i++)
    {
      const WhRecord *record = page->records->pdata[i];

      if (record->deleted)
        {
          /* Both the cached row and an older one staged from this page. */
          sqlite3_bind_int64 (delete, 1, record->id);
          sqlite3_bind_int64 (delete, 2, record->rev);
          sqlite3_bind_int64 (unstage, 1, record->id);
          sqlite3_bind_int64 (unstage, 2, record->rev);
          if (!wh_conn_step_done (conn, delete, "delete", error) ||
              !wh_conn_step_done (conn, unstage, "delete", error))
            return FALSE;
        }
      else
        {
          /* The newest of a record given twice is staged. */
          sqlite3_bind_int64 (stage, 1, record->id);
          sqlite3_bind_int64 (stage, 2, record->rev);
          wh_record_bind_values (record, stage, 3);
          if (!wh_conn_step_done (conn, stage, "write", error))
            return FALSE;
        }
    }
  return wh_conn_step_done (conn, flush, "write", error) &&
         wh_conn_step_done (conn, clear, "write", error);
}

/* Deletes a row from info's table (pending: its triggers are gone) unless
 * it is at rev or newer. */
static gboolean
delete_row (WhConn         *conn,
            const CollInfo *info,
            gboolean        pending,
            gint64          id,
            gint64          rev,
            GError        **error)
{
  g_autoptr(WhStmt) delete = NULL;

  if (pending)
    {
      g_autoptr(WhRecord) gone = wh_record_new (info->collection);

      gone->id = id;
      gone->rev = rev;
      gone->deleted = TRUE;
      return apply_record_unindexed (conn, info, gone, error);
    }
  if ((delete = wh_conn_prepare (conn, info->delete_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_int64 (delete, 1, id);
  sqlite3_bind_int64 (delete, 2, rev);
  return wh_conn_step_done (conn, delete, "delete", error);
}

/* The newest live record of id in a page, or NULL. */
static const WhRecord *
newest_record (const WhPage *page,
               gint64        id)
{
  const WhRecord *newest = NULL;

  for (guint r = 0; r < page->records->len; r++)
    {
      const WhRecord *record = page->records->pdata[r];

      if (record->id == id && !record->deleted && (newest == NULL || record->rev > newest->rev))
        newest = record;
    }
  return newest;
}

/* A row lives in one of a collection's tables. Before a page's rows go
 * into one, the same jobs' older rows in the others go (a job that moved
 * region, a bookmarked one kept from a region left); a row that another
 * table holds at the same rev or newer is not written (an older feed that
 * has not caught up with the move). Into *kept, the page's records to
 * write: all of them when the collection has one table. */
static gboolean
claim_rows (WhStore        *self,
            const CollInfo *target,
            const WhPage   *page,
            GPtrArray     **kept,
            GError        **error)
{
  WhConn *conn = self->writer;
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GString) ids = g_string_new ("[");
  Parts parts;

  *kept = g_ptr_array_new ();
  wh_store_info_parts (wh_store_lookup_info (self, target->collection, NULL), &parts);
  for (guint r = 0; r < page->records->len && parts.n > 1; r++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, r > 0 ? "," : "",
                            ((WhRecord *) page->records->pdata[r])->id);
  g_string_append_c (ids, ']');
  for (guint k = 0; k < parts.n && parts.n > 1; k++)
    {
      const CollInfo *other = parts.info[k];
      g_autofree char *sql = NULL;
      g_autoptr(WhStmt) look = NULL;
      g_autoptr(GArray) older = NULL;
      int pending, rc;

      if (other == target)
        continue;
      sql = g_strdup_printf ("SELECT id, rev FROM %s WHERE id IN (SELECT value FROM"
                             " json_each (?1))", other->table);
      if ((look = wh_conn_prepare (conn, sql, error)) == NULL)
        return FALSE;
      sqlite3_bind_text (look, 1, ids->str, -1, SQLITE_STATIC);
      older = g_array_new (FALSE, FALSE, sizeof (gint64));
      while ((rc = sqlite3_step (look)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (look, 0), rev = sqlite3_column_int64 (look, 1);

          g_array_append_val (older, id);
          g_array_append_val (older, rev);
        }
      if (rc != SQLITE_DONE)
        return wh_store_set_db_error (error, conn->db, rc, "read");
      g_clear_pointer (&look, wh_stmt_done);
      if (older->len == 0)
        continue;
      if ((pending = wh_conn_pending (conn, other, error)) < 0)
        return FALSE;
      for (guint i = 0; i < older->len; i += 2)
        {
          gint64 id = g_array_index (older, gint64, i), rev = g_array_index (older, gint64, i + 1);
          const WhRecord *newest = newest_record (page, id);

          /* A tombstone is for the page's own table's row alone. */
          if (newest == NULL)
            continue;
          if (newest->rev <= rev)
            g_hash_table_add (skip, g_memdup2 (&id, sizeof id));
          else if (!delete_row (conn, other, pending, id, newest->rev, error))
            return FALSE;
        }
    }
  for (guint r = 0; r < page->records->len; r++)
    if (!g_hash_table_contains (skip, &((WhRecord *) page->records->pdata[r])->id))
      g_ptr_array_add (*kept, page->records->pdata[r]);
  return TRUE;
}

static gboolean
apply_records (WhStore        *self,
               const CollInfo *info,
               const WhPage   *whole,
               const char     *region,
               GError        **error)
{
  WhConn *conn = self->writer;
  int pending = wh_conn_pending (conn, info, error);
  g_autoptr(GPtrArray) kept = NULL;
  WhPage view = *whole;
  const WhPage *page = &view;

  if (pending < 0 || !claim_rows (self, info, whole, &kept, error))
    return FALSE;
  view.records = kept;
  /* A first pull of many records: indexes at the end, in one pass. */
  if (!pending && page->since == 0 && page->remaining >= 0 &&
      page->remaining + page->records->len >= self->defer_min_rows)
    {
      if (!wh_conn_defer_indexes (conn, info, error))
        return FALSE;
      pending = 1;
    }

  if (pending)
    {
      for (guint i = 0; i < page->records->len; i++)
        if (!apply_record_unindexed (conn, info, page->records->pdata[i], error))
          return FALSE;
    }
  else if (!apply_records_staged (conn, info, page, error))
    return FALSE;

  return wh_conn_set_cursor (conn, info->collection->name, region, page->next_since, error);
}

gboolean
wh_store_apply_page (WhStore      *self,
                     const WhPage *page,
                     const char   *region,
                     GError      **error)
{
  const CollInfo *info;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (page != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((info = wh_store_lookup_info (self, page->collection, error)) == NULL ||
      !check_region (region, error))
    return FALSE;
  for (guint i = 0; i < page->records->len; i++)
    if (((WhRecord *) page->records->pdata[i])->collection != page->collection)
      {
        g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                     _("A page of %s holds a record of another collection."),
                     page->collection->name);
        return FALSE;
      }

  if (!wh_store_writer_begin (self, error) ||
      !wh_store_writer_end (self, apply_records (self, wh_store_write_info (self, info, region),
                                                 page, region, error),
                            error))
    return FALSE;
  wh_store_emit_changed (self, page->collection->name);
  return TRUE;
}

/* One transaction of the build: indexes up to BUILD_CHUNK_ROWS listed rows
 * and, once none is left, makes the secondary indexes and triggers and
 * drops the list. *done is TRUE when nothing is pending any more. */
static gboolean
build_chunk (WhConn         *conn,
             const CollInfo *info,
             guint           chunk_rows,
             const FtsBulk  *bulk,
             gboolean        finish,
             gboolean       *done,
             gint64         *indexed,
             GError        **error)
{
  const char *n = info->table;
  g_autofree char *take = NULL;
  g_autofree char *drop = NULL;
  gint64 taken, started, full_text, names;
  int pending = wh_conn_pending (conn, info, error);

  *done = pending == 0;
  if (pending <= 0)
    return pending == 0;

  take = g_strdup_printf ("DELETE FROM temp.wh_build_ids;"
                          " INSERT INTO temp.wh_build_ids SELECT id FROM %s ORDER BY id LIMIT %u;",
                          info->unindexed, chunk_rows);
  if (!wh_conn_exec (conn, "CREATE TEMP TABLE IF NOT EXISTS wh_build_ids (id INTEGER PRIMARY KEY)",
                     error) ||
      !wh_conn_exec (conn, take, error))
    return FALSE;
  taken = sqlite3_changes64 (conn->db);
  started = g_get_monotonic_time ();
  /* A step during the pull does a whole chunk or nothing. */
  if (!finish && taken < chunk_rows)
    return wh_conn_exec (conn, "DELETE FROM temp.wh_build_ids", error);
  *indexed = taken;

  if (taken > 0 && info->search != NULL)
    {
      g_autofree char *fts = g_strdup_printf ("%s_fts", n);
      g_autofree char *insert = g_strdup_printf ("INSERT INTO %s (rowid, %s) SELECT t.id, %s"
                                                 " FROM temp.wh_build_ids b JOIN %s t ON t.id = b.id",
                                                 fts, info->search, info->t_search, n);
      g_autofree char *sql = wh_fts_bulk_insert_sql ("main", fts, insert, bulk);

      if (!wh_conn_exec (conn, sql, error))
        return FALSE;
    }
  full_text = g_get_monotonic_time ();
  if (taken > 0 && info->names != NULL)
    {
      g_autofree char *fts = g_strdup_printf ("%s_names", n);
      g_autofree char *insert = g_strdup_printf ("INSERT INTO %s (rowid, %s) SELECT t.id, %s"
                                                 " FROM temp.wh_build_ids b JOIN %s t ON t.id = b.id",
                                                 fts, info->names, info->t_names, n);
      g_autofree char *sql = wh_fts_bulk_insert_sql ("main", fts, insert, bulk);

      if (!wh_conn_exec (conn, sql, error))
        return FALSE;
    }
  names = g_get_monotonic_time ();
  if (taken > 0 && info->located)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO %s_geo SELECT t.id, t.lat, t.lat, t.lon,"
                                              " t.lon, t.lat, t.lon"
                                              " FROM temp.wh_build_ids b JOIN %s t ON t.id = b.id"
                                              " WHERE t.lat IS NOT NULL AND t.lon IS NOT NULL",
                                              n, n);
      if (!wh_conn_exec (conn, sql, error))
        return FALSE;
    }
  if (taken > 0)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE id IN"
                                              " (SELECT id FROM temp.wh_build_ids)",
                                              info->unindexed);
      if (!wh_conn_exec (conn, sql, error) ||
          !wh_conn_exec (conn, "DELETE FROM temp.wh_build_ids", error))
        return FALSE;
    }
  /* Where a second region's build goes (bench/NOTES.md, session 15). */
  g_debug ("%s: %" G_GINT64_FORMAT " rows indexed: full text %.2f s, names %.2f s, places %.2f s",
           n, taken, (full_text - started) / 1e6, (names - full_text) / 1e6,
           (g_get_monotonic_time () - names) / 1e6);
  if (taken == chunk_rows || !finish)
    return TRUE;

  /* The last rows are in: the rest in the same transaction. */
  drop = g_strdup_printf ("DROP TABLE %s", info->unindexed);
  if (!wh_conn_exec (conn, info->index_sql, error) ||
      !wh_conn_exec (conn, info->trigger_sql, error) ||
      !wh_conn_exec (conn, drop, error))
    return FALSE;
  g_debug ("%s: indexes built", n);
  *done = TRUE;
  return TRUE;
}

/* Usually nothing is pending: a read says so without the write lock. */
static gboolean
check_pending (WhStore        *self,
               const CollInfo *info,
               gboolean       *pending,
               GError        **error)
{
  g_auto(Reader) reader = { 0 };
  int state;

  if (!wh_reader_borrow (self, &reader, error) ||
      (state = wh_conn_pending (reader.conn, info, error)) < 0)
    return FALSE;
  *pending = state == 1;
  return TRUE;
}

/* How many rows wait for their indexes, or -1. On the writer, which reads
 * through its page cache (a reader would map what it counts). */
static gint64
count_listed (WhStore        *self,
              const CollInfo *info,
              GError        **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s", info->unindexed);
  gint64 n;

  g_mutex_lock (&self->write_lock);
  n = wh_conn_query_int (self->writer, sql, error);
  g_mutex_unlock (&self->write_lock);
  return n;
}

static int
cancelled_cb (void *cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

void
wh_conn_watch_cancel (WhConn       *conn,
                      GCancellable *cancellable,
                      gboolean      watch)
{
  if (cancellable == NULL)
    return;
  if (watch)
    sqlite3_progress_handler (conn->db, 10000, cancelled_cb, cancellable);
  else
    sqlite3_progress_handler (conn->db, 0, NULL, NULL);
}

/* The build of one table (the collection's own or a region's). */
static gboolean
build_indexes_of (WhStore        *self,
                  const CollInfo *info,
                  GCancellable   *cancellable,
                  GError        **error)
{
  const WhCollection *collection = info->collection;
  gboolean done = FALSE, pending;
  gint64 indexed = 0, listed;
  guint chunk_rows = self->build_chunk_rows;
  const FtsBulk *bulk = &wh_fts_bulk_chunk;

  if (!check_pending (self, info, &pending, error))
    return FALSE;
  if (!pending)
    return TRUE;
  if ((listed = count_listed (self, info, error)) < 0)
    return FALSE;
  switch (wh_store_build_all (self, info, listed, cancellable, error))
    {
    case 1:
      wh_store_emit_changed (self, collection->name);
      return TRUE;
    case -1:
      return FALSE;
    default:
      break;
    }
  if (self->build_all_min_rows > 0 && listed >= (gint64) self->build_all_min_rows)
    {
      /* Many rows among others already indexed (a second region's first
       * pull): not at once on two cores (an index over rows cannot take
       * another built apart), but in one transaction, each index filled by
       * one statement with the bigger term buffer: fewer, larger segments
       * to merge. The writer is held as long as the build at once holds it. */
      chunk_rows = G_MAXINT;
      bulk = &wh_fts_bulk_all;
      g_atomic_int_inc (&self->builds_in_one);
    }
  for (guint chunks = 0; !done; chunks++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean ok;

      /* Between transactions: what is built stays built. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !wh_store_writer_begin (self, error))
        return FALSE;
      wh_conn_watch_cancel (self->writer, cancellable, TRUE);
      ok = build_chunk (self->writer, info, chunk_rows, bulk, TRUE, &done, &indexed,
                        &local_error);
      wh_conn_watch_cancel (self->writer, cancellable, FALSE);
      if (!wh_store_writer_end (self, ok, ok ? &local_error : NULL))
        {
          /* Interrupted: rolled back, and said as a cancellation. */
          if (!g_cancellable_set_error_if_cancelled (cancellable, error))
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* The first check may find nothing to do; later ones always wrote. */
      if (chunks > 0 || !done)
        wh_store_emit_changed (self, collection->name);
    }
  return TRUE;
}

gboolean
wh_store_build_indexes (WhStore            *self,
                        const WhCollection *collection,
                        GCancellable       *cancellable,
                        GError            **error)
{
  const CollInfo *info;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  /* Each table's own: a region's first pull leaves the others built. */
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    if (!build_indexes_of (self, parts.info[k], cancellable, error))
      return FALSE;
  return TRUE;
}

static gboolean
build_list_indexes_of (WhStore        *self,
                       const CollInfo *info,
                       GError        **error)
{
  gboolean pending;
  int state;

  if (!check_pending (self, info, &pending, error))
    return FALSE;
  if (!pending || !wh_store_writer_begin (self, error))
    return !pending;
  /* IF NOT EXISTS: over rows already there (another region's) they are. */
  state = wh_conn_pending (self->writer, info, error);
  if (!wh_store_writer_end (self, state >= 0 && (state == 0 ||
                                                 wh_conn_exec (self->writer, info->index_sql,
                                                               error)),
                            error))
    return FALSE;
  return TRUE;
}

gboolean
wh_store_build_list_indexes (WhStore            *self,
                             const WhCollection *collection,
                             GError            **error)
{
  const CollInfo *info;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    if (!build_list_indexes_of (self, parts.info[k], error))
      return FALSE;
  return TRUE;
}

guint
wh_store_get_build_step_rows (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), 0);
  return self->build_step_rows;
}

void
wh_store_set_query_plan (WhStore *self,
                         int      walk_ms,
                         int      ring_ms,
                         gint64   selective_rows)
{
  g_return_if_fail (WH_IS_STORE (self));

  if (walk_ms < 0 && ring_ms < 0 && selective_rows < 0)
    {
      self->budgets = default_budgets;
      return;
    }
  self->budgets.walk_ms = self->budgets.match_walk_ms = walk_ms;
  self->budgets.ring_ms = ring_ms;
  self->budgets.selective_rows = selective_rows;
}

void
wh_store_set_deferral (WhStore *self,
                       guint    min_rows,
                       guint    chunk_rows,
                       guint    step_rows)
{
  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (chunk_rows > 0 && step_rows > 0);

  self->defer_min_rows = min_rows;
  self->build_chunk_rows = chunk_rows;
  self->build_step_rows = step_rows;
}

void
wh_store_set_build_all (WhStore *self,
                        guint    min_rows)
{
  g_return_if_fail (WH_IS_STORE (self));
  self->build_all_min_rows = min_rows;
}

guint
wh_store_get_builds_at_once (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), 0);
  return g_atomic_int_get (&self->builds_at_once);
}

guint
wh_store_get_builds_in_one (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), 0);
  return g_atomic_int_get (&self->builds_in_one);
}

gboolean
wh_store_build_indexes_step (WhStore            *self,
                             const WhCollection *collection,
                             gboolean           *did_work,
                             GError            **error)
{
  const CollInfo *info;
  gboolean done = FALSE, pending;
  gint64 indexed = 0;
  guint rows;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  rows = self->build_step_rows;

  if (did_work)
    *did_work = FALSE;
  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  /* The first table whose build is pending. */
  wh_store_info_parts (info, &parts);
  pending = FALSE;
  for (guint k = 0; k < parts.n && !pending; k++)
    {
      if (!check_pending (self, parts.info[k], &pending, error))
        return FALSE;
      info = parts.info[k];
    }
  if (!pending)
    return TRUE;
  if (!wh_store_writer_begin (self, error))
    return FALSE;
  if (!wh_store_writer_end (self,
                            build_chunk (self->writer, info, rows, &wh_fts_bulk_chunk, FALSE, &done,
                                         &indexed, error),
                            error))
    return FALSE;
  if (indexed > 0)
    {
      if (did_work)
        *did_work = TRUE;
      wh_store_emit_changed (self, collection->name);
    }
  return TRUE;
}

int
wh_store_get_indexes_pending (WhStore            *self,
                              const WhCollection *collection,
                              GError            **error)
{
  g_auto(Reader) reader = { 0 };
  const CollInfo *info;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), -1);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL ||
      !wh_reader_borrow (self, &reader, error))
    return -1;
  /* Any of its tables. */
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    {
      int state = wh_conn_pending (reader.conn, parts.info[k], error);

      if (state != 0)
        return state;
    }
  return 0;
}

void
wh_sync_state_clear (WhSyncState *state)
{
  g_clear_pointer (&state->etag, g_free);
  state->next_since = 0;
  state->synced_at = 0;
}

gboolean
wh_store_get_sync_state (WhStore            *self,
                         const WhCollection *collection,
                         const char         *region,
                         WhSyncState        *out,
                         GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  if (!wh_store_lookup_info (self, collection, error) || !check_region (region, error) ||
      !wh_reader_borrow (self, &reader, error))
    return FALSE;
  stmt = wh_conn_prepare (reader.conn,
                          "SELECT next_since, synced_at, etag FROM sync_state"
                          " WHERE collection = ?1 AND region = ?2",
                          error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, region ? region : "", -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      out->next_since = sqlite3_column_int64 (stmt, 0);
      out->synced_at = sqlite3_column_int64 (stmt, 1);
      out->etag = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  else if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, reader.conn->db, rc, "read cursor");
  return TRUE;
}

gint64
wh_store_get_cursor (WhStore            *self,
                     const WhCollection *collection,
                     const char         *region,
                     GError            **error)
{
  WhSyncState state;

  if (!wh_store_get_sync_state (self, collection, region, &state, error))
    return -1;
  g_free (state.etag);
  return state.next_since;
}

gboolean
wh_store_set_sync_checked (WhStore            *self,
                           const WhCollection *collection,
                           const char         *region,
                           const char         *etag,
                           GError            **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  if (!wh_store_lookup_info (self, collection, error) || !check_region (region, error) ||
      !wh_store_writer_begin (self, error))
    return FALSE;
  stmt = wh_conn_prepare (self->writer,
                          "INSERT INTO sync_state (collection, region, synced_at, etag)"
                          " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (collection, region) DO UPDATE"
                          " SET synced_at = excluded.synced_at, etag = excluded.etag",
                          error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, region ? region : "", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
      if (etag)
        sqlite3_bind_text (stmt, 4, etag, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, stmt, "write sync state", error);
    }
  g_clear_pointer (&stmt, wh_stmt_done);
  return wh_store_writer_end (self, ok, error);
}

/* The SQL that drops a collection's tables and its layout row, for
 * wh_store_reconcile_cache_tables to make them again, empty. Dropping is
 * much faster than deleting row by row with the FTS and R*Tree triggers
 * firing for each. */
char *
wh_store_drop_tables_sql (const CollInfo *info)
{
  const char *n = info->table;

  return g_strdup_printf ("DROP TABLE %s; DROP TABLE IF EXISTS %s_fts;"
                          " DROP TABLE IF EXISTS %s_geo; DROP TABLE IF EXISTS %s_names;"
                          " DROP TABLE IF EXISTS %s;"
                          " DELETE FROM cache_layout WHERE collection = '%s';",
                          n, n, n, n, info->unindexed, n);
}

gboolean
wh_store_reset_collection (WhStore            *self,
                           const WhCollection *collection,
                           GError            **error)
{
  const CollInfo *info;
  g_autofree char *sql = NULL;
  Parts before;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  sql = wh_store_drop_tables_sql (info);
  /* Its region tables too: their rows come again with their regions. */
  wh_store_info_parts (info, &before);
  wh_store_unpublish_regions (self, info, NULL);
  if (!wh_store_writer_begin (self, error) ||
      !wh_store_writer_end (self, wh_store_drop_region_tables (self, info, &before, NULL, error) &&
                                  wh_conn_exec (self->writer, sql, error) &&
                                  wh_store_reconcile_cache_tables (self, error), error))
    {
      wh_store_restore_regions (self, info, &before);
      return FALSE;
    }
  wh_store_emit_changed (self, collection->name);
  return TRUE;
}

/* ---- A region left behind ------------------------------------------------ */

/* How many rows the region tables of other regions than region hold. */
static gboolean
count_other_regions (WhConn         *conn,
                     const CollInfo *own,
                     const Parts    *parts,
                     const char     *region,
                     gint64         *rows,
                     GError        **error)
{
  *rows = 0;
  for (guint k = 1; k < parts->n; k++)
    {
      /* Less the bookmarked jobs, which stay. */
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s%s", parts->info[k]->table,
                                              own->collection == &wh_collection_jobs ?
                                              " WHERE id NOT IN (SELECT job_id FROM bookmarks)"
                                              : "");
      gint64 n;

      if (g_strcmp0 (parts->info[k]->region, region) == 0)
        continue;
      if ((n = wh_conn_query_int (conn, sql, error)) < 0)
        return FALSE;
      *rows += n;
    }
  return TRUE;
}

/* The rows a forget keeps, over the table's own columns: the region's (the
 * server's own test of a region: province, city or district; a row with no
 * place is in none) and, of jobs, the bookmarked ones. (region is a number
 * the caller parsed, so it goes in the SQL as it is: CREATE TABLE … AS
 * takes no parameters.) */
static char *
kept_sql (const CollInfo *info,
          gint64          region)
{
  return g_strdup_printf ("(province_adcode IS %" G_GINT64_FORMAT " OR city_adcode IS %"
                          G_GINT64_FORMAT " OR adcode IS %" G_GINT64_FORMAT "%s)",
                          region, region, region,
                          info->collection == &wh_collection_jobs ?
                          " OR id IN (SELECT job_id FROM bookmarks)" : "");
}

/* A few rows to forget: deleted one by one in the writer's transaction,
 * the triggers taking each out of the full-text, names and R*Tree indexes. */
static gboolean
forget_rows (WhConn         *conn,
             const CollInfo *info,
             gint64          region,
             GError        **error)
{
  g_autofree char *kept = kept_sql (info, region);
  g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE NOT %s",
                                          info->table, kept);

  return wh_conn_exec (conn, sql, error);
}

/* Most rows to forget: row by row, FTS5 would write a deletion for every
 * term of each (580 µs a job and gigabytes of WAL for a province). The rows
 * kept are copied aside, the tables made again empty, and the rows put back
 * waiting for their indexes, all in the writer's transaction; the build at
 * once then indexes them as a first pull's. */
static gboolean
forget_by_rebuild (WhStore        *self,
                   const CollInfo *info,
                   gint64          region,
                   const char     *region_text,
                   GError        **error)
{
  WhConn *conn = self->writer;
  const char *n = info->table;
  g_autofree char *kept = kept_sql (info, region);
  /* Tables made again lose their cursors (wh_store_reconcile_cache_tables):
   * the region's goes aside too, and comes back with its rows. */
  char *cursor = sqlite3_mprintf ("CREATE TEMP TABLE wh_forget_cursor AS SELECT * FROM sync_state"
                                  " WHERE collection = %Q AND region = %Q",
                                  info->collection->name, region_text);
  gboolean ok;
  g_autofree char *aside = g_strdup_printf ("CREATE TEMP TABLE wh_forget_kept AS"
                                            " SELECT %s FROM %s WHERE %s",
                                            info->columns, n, kept);
  g_autofree char *drop = wh_store_drop_tables_sql (info);
  g_autofree char *back = g_strdup_printf ("INSERT INTO main.%s (%s) SELECT %s"
                                           " FROM temp.wh_forget_kept;"
                                           " INSERT INTO main.%s SELECT id FROM temp.wh_forget_kept;"
                                           " DROP TABLE temp.wh_forget_kept;"
                                           " INSERT OR REPLACE INTO sync_state"
                                           " SELECT * FROM temp.wh_forget_cursor;"
                                           " DROP TABLE temp.wh_forget_cursor;",
                                           n, info->columns, info->columns, info->unindexed);

  ok = wh_conn_exec (conn, "DROP TABLE IF EXISTS temp.wh_forget_kept;"
                           " DROP TABLE IF EXISTS temp.wh_forget_cursor", error) &&
       wh_conn_exec (conn, aside, error) && wh_conn_exec (conn, cursor, error) &&
       wh_conn_exec (conn, drop, error) && wh_store_reconcile_cache_tables (self, error) &&
       wh_conn_defer_indexes (conn, info, error) && wh_conn_exec (conn, back, error);
  sqlite3_free (cursor);
  return ok;
}

void
wh_store_set_compact_free (WhStore *self,
                           guint    percent)
{
  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (percent <= 100);
  self->compact_free = percent;
}

guint
wh_store_get_compactions (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), 0);
  return g_atomic_int_get (&self->compactions);
}

/* After a rebuild, a quarter of the file or more (compact_free) may be
 * free pages: the dropped tables'. The file gives them back (VACUUM, then
 * a checkpoint that truncates it): 2.9-3.1 s for a cache left with 157 MB
 * of 1.88 GB. Without room for VACUUM's copy it stays as it is: the pages
 * are free for the next rows either way. */
static void
give_back_space (WhStore *self)
{
  gint64 pages, free_pages, started = g_get_monotonic_time ();
  char *message = NULL;

  /* A checkpoint of the store's own would make the truncating one fail. */
  wh_store_checkpoints_hold (self);
  g_mutex_lock (&self->write_lock);
  pages = wh_conn_query_int (self->writer, "PRAGMA page_count", NULL);
  free_pages = wh_conn_query_int (self->writer, "PRAGMA freelist_count", NULL);
  if (pages > 0 && free_pages > 0 && free_pages * 100 >= pages * self->compact_free)
    {
      if (sqlite3_exec (self->writer->db, "VACUUM", NULL, NULL, &message) != SQLITE_OK)
        g_debug ("The cache keeps its free pages: %s", message);
      else
        {
          sqlite3_wal_checkpoint_v2 (self->writer->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                     NULL);
          g_atomic_int_inc (&self->compactions);
          g_debug ("The cache gave back %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " pages in %.1f s", free_pages, pages,
                   (g_get_monotonic_time () - started) / 1e6);
        }
      sqlite3_free (message);
    }
  g_mutex_unlock (&self->write_lock);
  wh_store_checkpoints_release (self);
}

gboolean
wh_store_forget_other_regions (WhStore            *self,
                               const WhCollection *collection,
                               const char         *region,
                               GCancellable       *cancellable,
                               guint64            *forgotten,
                               GError            **error)
{
  const CollInfo *info;
  g_autoptr(WhStmt) stmt = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *count = NULL;
  gint64 code = 0, n_forget = 0, n_kept = 0, n_dropped = 0;
  gboolean any = FALSE, rebuilt = FALSE, ok;
  Parts before;
  int pending;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  if (forgotten != NULL)
    *forgotten = 0;
  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return FALSE;
  if (!(collection->flags & WH_COLLECTION_REGIONAL) || region == NULL ||
      !g_ascii_string_to_signed (region, 10, 1, 999999, &code, NULL))
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID, _("The region is not valid."));
      return FALSE;
    }

  /* Usually no other region has a cursor or tables (made for a first pull
   * that never wrote a page): one read says so. */
  {
    g_auto(Reader) reader = { 0 };

    if (!wh_reader_borrow (self, &reader, error) ||
        (stmt = wh_conn_prepare (reader.conn,
                                 "SELECT EXISTS (SELECT 1 FROM sync_state"
                                 " WHERE collection = ?1 AND region != ?2)"
                                 " OR EXISTS (SELECT 1 FROM region_tables"
                                 " WHERE collection = ?1 AND region != ?2)", error)) == NULL)
      return FALSE;
    sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, region, -1, SQLITE_STATIC);
    if (sqlite3_step (stmt) == SQLITE_ROW)
      any = sqlite3_column_int (stmt, 0) != 0;
    else
      return wh_store_set_db_error (error, reader.conn->db, sqlite3_errcode (reader.conn->db),
                                    "read cursor");
    g_clear_pointer (&stmt, wh_stmt_done);
    if (!any)
      return TRUE;
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* On the writer, all in one transaction: the rows and the cursors go
   * together, or a kill leaves both. */
  kept = kept_sql (info, code);
  count = g_strdup_printf ("SELECT count (*), count (*) FILTER (WHERE %s) FROM %s", kept,
                           info->table);
  wh_store_info_parts (info, &before);
  wh_store_unpublish_regions (self, info, region);
  if (!wh_store_writer_begin (self, error))
    {
      wh_store_restore_regions (self, info, &before);
      return FALSE;
    }
  /* The other regions' tables go whole (a DROP TABLE each), their
   * bookmarked jobs into the collection's own table. */
  ok = count_other_regions (self->writer, info, &before, region, &n_dropped, error) &&
       wh_store_drop_region_tables (self, info, &before, region, error);
  /* Not while rows wait for their indexes (their triggers are gone): the
   * build comes first, and the next run forgets. */
  pending = ok ? wh_conn_pending (self->writer, info, error) : -1;
  ok = pending == 0 && (stmt = wh_conn_prepare (self->writer, count, error)) != NULL;
  if (ok)
    {
      ok = sqlite3_step (stmt) == SQLITE_ROW;
      if (ok)
        {
          n_kept = sqlite3_column_int64 (stmt, 1);
          n_forget = sqlite3_column_int64 (stmt, 0) - n_kept;
        }
      else
        wh_store_set_db_error (error, self->writer->db, sqlite3_errcode (self->writer->db),
                               "read");
      g_clear_pointer (&stmt, wh_stmt_done);
    }
  /* A rebuild costs about what a first pull of the rows kept does; row by
   * row, a row forgotten costs twenty of those. */
  if (ok && n_forget > 0)
    {
      rebuilt = n_forget * 20 > n_kept;
      ok = rebuilt ? forget_by_rebuild (self, info, code, region, error)
                   : forget_rows (self->writer, info, code, error);
    }
  if (ok)
    {
      ok = (stmt = wh_conn_prepare (self->writer, "DELETE FROM sync_state WHERE collection = ?1"
                                    " AND region != ?2", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_text (stmt, 1, collection->name, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, region, -1, SQLITE_STATIC);
          ok = wh_conn_step_done (self->writer, stmt, "forget cursors", error);
        }
      /* Before the writer is let go. */
      g_clear_pointer (&stmt, wh_stmt_done);
    }
  if (!wh_store_writer_end (self, ok, error))
    {
      wh_store_restore_regions (self, info, &before);
      return pending > 0; /* a build pending is no error: nothing done */
    }
  if (forgotten != NULL)
    *forgotten = n_forget + n_dropped;
  g_debug ("%s: %" G_GINT64_FORMAT " rows of other regions than %s forgotten, %" G_GINT64_FORMAT
           " of them with their tables, %" G_GINT64_FORMAT " kept", collection->name,
           n_forget + n_dropped, region, n_dropped, n_kept);
  if (n_forget + n_dropped == 0)
    return TRUE;
  wh_store_emit_changed (self, collection->name);
  /* A rebuild's rows wait for their indexes: built now, at once when they
   * are many, as a first pull's are (cancelled, the next pull's build goes
   * on). */
  if (!wh_store_build_indexes (self, collection, cancellable, error))
    return FALSE;
  if (rebuilt || n_dropped > 0)
    give_back_space (self);
  return TRUE;
}
