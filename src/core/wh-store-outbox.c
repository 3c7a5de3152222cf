/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-outbox.c: the outbox: changes made offline, waiting to be sent
 * (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

/* ---- Outbox ------------------------------------------------------------- */

void
wh_outbox_entry_free (WhOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->kind);
  g_free (entry->key);
  g_free (entry->body);
  g_free (entry->last_error);
  g_free (entry);
}

gint64
wh_store_outbox_add (WhStore    *self,
                     const char *kind,
                     const char *key,
                     const char *json_body,
                     GError    **error)
{
  gint64 id;

  g_return_val_if_fail (WH_IS_STORE (self), 0);
  g_return_val_if_fail (kind != NULL && *kind != '\0', 0);
  g_return_val_if_fail (json_body != NULL, 0);

  if (!wh_store_writer_begin (self, error))
    return 0;
  id = wh_store_outbox_insert (self, kind, key, json_body, error);
  if (!wh_store_writer_end (self, id > 0, error))
    return 0;
  wh_store_emit_changed (self, "outbox");
  return id;
}

gint64
wh_store_outbox_insert (WhStore    *self,
                        const char *kind,
                        const char *key,
                        const char *json_body,
                        GError    **error)
{
  g_autoptr(WhStmt) drop = NULL;
  g_autoptr(WhStmt) add = NULL;
  gint64 id = 0;
  gboolean ok;

  ok = (drop = wh_conn_prepare (self->writer, "DELETE FROM outbox WHERE kind = ?1 AND key = ?2",
                                error)) != NULL &&
       (add = wh_conn_prepare (self->writer,
                               "INSERT INTO outbox (kind, key, body, created_at)"
                               " VALUES (?1, ?2, ?3, ?4)",
                               error)) != NULL;
  if (ok && key != NULL)
    {
      sqlite3_bind_text (drop, 1, kind, -1, SQLITE_STATIC);
      sqlite3_bind_text (drop, 2, key, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, drop, "replace outbox entry", error);
    }
  if (ok)
    {
      sqlite3_bind_text (add, 1, kind, -1, SQLITE_STATIC);
      if (key)
        sqlite3_bind_text (add, 2, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (add, 3, json_body, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (add, 4, g_get_real_time () / G_USEC_PER_SEC);
      ok = wh_conn_step_done (self->writer, add, "add outbox entry", error);
      id = sqlite3_last_insert_rowid (self->writer->db);
    }
  return ok ? id : 0;
}

GPtrArray *
wh_store_outbox_peek (WhStore *self,
                      guint    max_entries,
                      GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  stmt = wh_conn_prepare (reader.conn,
                          "SELECT id, kind, key, body, created_at, attempts, last_error"
                          " FROM outbox ORDER BY id LIMIT ?1",
                          error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, max_entries);
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_outbox_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhOutboxEntry *e = g_new0 (WhOutboxEntry, 1);

      e->id = sqlite3_column_int64 (stmt, 0);
      e->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      e->key = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      e->body = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      e->created_at = sqlite3_column_int64 (stmt, 4);
      e->attempts = (guint) sqlite3_column_int64 (stmt, 5);
      e->last_error = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      g_ptr_array_add (entries, e);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read outbox");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static gboolean
outbox_write (WhStore    *self,
              const char *sql,
              gint64      id,
              const char *text,
              GError    **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  gboolean ok;

  if (!wh_store_writer_begin (self, error))
    return FALSE;
  stmt = wh_conn_prepare (self->writer, sql, error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      if (text)
        sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, stmt, "write outbox", error);
    }
  g_clear_pointer (&stmt, wh_stmt_done);
  if (!wh_store_writer_end (self, ok, error))
    return FALSE;
  wh_store_emit_changed (self, "outbox");
  return TRUE;
}

gboolean
wh_store_outbox_remove (WhStore *self,
                        gint64   id,
                        GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  return outbox_write (self, "DELETE FROM outbox WHERE id = ?1", id, NULL, error);
}

gboolean
wh_store_outbox_mark_failed (WhStore    *self,
                             gint64      id,
                             const char *message,
                             GError    **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  return outbox_write (self,
                       "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                       id, message, error);
}

gint64
wh_store_outbox_count (WhStore *self,
                       GError **error)
{
  g_auto(Reader) reader = { 0 };

  g_return_val_if_fail (WH_IS_STORE (self), -1);

  if (!wh_reader_borrow (self, &reader, error))
    return -1;
  return wh_conn_query_int (reader.conn, "SELECT count(*) FROM outbox", error);
}

gboolean
wh_store_wipe_personal (WhStore *self,
                        GError **error)
{
  static const char * const personal[] = {
    "outbox", "progress", "bookmarks", "vouchers", "saved_courses", "me", "quiz_attempts",
    "media", "question_reviews",
  };
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  /* secure_delete zeroes the freed content as it goes; the checkpoint below
   * then moves it into the file and truncates the WAL that held the old
   * pages. The setting stays on: personal tables are small. */
  if (!wh_store_writer_begin (self, error))
    return FALSE;
  ok = wh_conn_exec (self->writer, "PRAGMA secure_delete = ON", error) &&
       wh_conn_exec (self->writer,
                     "DELETE FROM outbox WHERE kind <> 'station-reports';"
                     " DELETE FROM progress; DELETE FROM bookmarks;"
                     " DELETE FROM vouchers; DELETE FROM saved_courses;"
                     " DELETE FROM me; DELETE FROM pending_claims;"
                     " DELETE FROM quiz_attempts; DELETE FROM media;"
                     " DELETE FROM question_reviews; DELETE FROM practice_days;",
                     error);
  if (!wh_store_writer_end (self, ok, error))
    return FALSE;

  wh_store_truncate_wal (self);

  for (guint i = 0; i < G_N_ELEMENTS (personal); i++)
    wh_store_emit_changed (self, personal[i]);
  return TRUE;
}
