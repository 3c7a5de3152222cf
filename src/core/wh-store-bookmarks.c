/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-bookmarks.c: bookmarked jobs (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "wh-store-private.h"

/* ---- Bookmarks ---------------------------------------------------------- */

gboolean
wh_store_write_bookmark (WhStore        *self,
                         gint64          job_id,
                         const WhRecord *bookmark,
                         const char     *outbox_kind,
                         const char     *outbox_key,
                         const char     *outbox_body,
                         GError        **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  gint64 id = 0;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);
  g_return_val_if_fail (bookmark == NULL || bookmark->collection == &wh_collection_bookmarks,
                        FALSE);
  g_return_val_if_fail (bookmark == NULL || wh_record_get_int (bookmark, "job_id") == job_id,
                        FALSE);
  g_return_val_if_fail (outbox_kind != NULL && outbox_body != NULL, FALSE);

  if (!wh_store_writer_begin (self, error))
    return FALSE;
  if (bookmark != NULL)
    {
      ok = (stmt = wh_conn_prepare (self->writer,
                                    "INSERT OR REPLACE INTO bookmarks (job_id, applied, updated_at)"
                                    " VALUES (?1, ?2, ?3)", error)) != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, job_id);
          sqlite3_bind_int (stmt, 2, wh_record_get_bool (bookmark, "applied"));
          sqlite3_bind_text (stmt, 3, wh_record_get_text (bookmark, "updated_at"), -1,
                             SQLITE_STATIC);
        }
    }
  else
    {
      ok = (stmt = wh_conn_prepare (self->writer, "DELETE FROM bookmarks WHERE job_id = ?1",
                                    error)) != NULL;
      if (ok)
        sqlite3_bind_int64 (stmt, 1, job_id);
    }
  ok = ok && wh_conn_step_done (self->writer, stmt, "save bookmark", error);
  g_clear_pointer (&stmt, wh_stmt_done);
  if (ok)
    ok = (id = wh_store_outbox_insert (self, outbox_kind, outbox_key, outbox_body, error)) > 0;
  if (!wh_store_writer_end (self, ok, error))
    return FALSE;
  wh_store_emit_changed (self, "bookmarks");
  wh_store_emit_changed (self, "outbox");
  return TRUE;
}

static GPtrArray *
read_bookmarks (WhStore    *self,
                const char *sql,
                gint64      job_id,
                GError    **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(GPtrArray) records = wh_store_record_array_new ();
  int rc;

  if (!wh_reader_borrow (self, &reader, error) ||
      (stmt = wh_conn_prepare (reader.conn, sql, error)) == NULL)
    return NULL;
  if (job_id > 0)
    sqlite3_bind_int64 (stmt, 1, job_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhRecord *record = wh_record_new (&wh_collection_bookmarks);

      /* The columns are the schema's fields, in its order. */
      wh_record_read_values (record, stmt, 0);
      record->id = wh_record_get_int (record, "job_id");
      g_ptr_array_add (records, record);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read bookmarks");
      return NULL;
    }
  return g_steal_pointer (&records);
}

WhRecord *
wh_store_get_bookmark (WhStore *self,
                       gint64   job_id,
                       GError **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (job_id > 0, NULL);

  records = read_bookmarks (self, "SELECT job_id, applied, updated_at FROM bookmarks"
                                  " WHERE job_id = ?1", job_id, error);
  if (records == NULL)
    return NULL;
  if (records->len == 0)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND,
                   _("The job is not bookmarked."));
      return NULL;
    }
  return g_ptr_array_steal_index (records, 0);
}

GPtrArray *
wh_store_list_bookmarks (WhStore *self,
                         GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  return read_bookmarks (self, "SELECT job_id, applied, updated_at FROM bookmarks"
                               " ORDER BY updated_at DESC, job_id DESC", 0, error);
}
