/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-personal.c: love-meal vouchers, claims and the signed-in worker
 * (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

/* ---- Love-meal vouchers and the signed-in worker ------------------------ */

/* The worker's data is written with secure_delete on, so every copy a write
 * frees (a voucher list replaced, the worker saved again, a page split) is
 * zeroed in the page, and after sign-out's checkpoint no copy is left in
 * the file or its WAL. Elsewhere the setting stays as it was: zeroing the
 * pages a sync frees would cost writes for nothing personal. */
static gboolean
personal_begin (WhStore *self,
                int     *was,
                GError **error)
{
  if (!wh_store_writer_begin (self, error))
    return FALSE;
  if ((*was = (int) wh_conn_query_int (self->writer, "PRAGMA secure_delete", error)) < 0 ||
      !wh_conn_exec (self->writer, "PRAGMA secure_delete = ON", error))
    {
      wh_store_writer_end (self, FALSE, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
personal_end (WhStore  *self,
              int       was,
              gboolean  ok,
              GError  **error)
{
  if (was == 0)
    ok = wh_conn_exec (self->writer, "PRAGMA secure_delete = OFF", ok ? error : NULL) && ok;
  return wh_store_writer_end (self, ok, error);
}

/* Moves every page into the file and truncates the WAL that held the old
 * ones, so what was deleted with secure_delete on is gone from both. */
void
wh_store_truncate_wal (WhStore *self)
{
  /* A checkpoint of the store's own would make this one fail at once. */
  wh_store_checkpoints_hold (self);
  g_mutex_lock (&self->write_lock);
  /* A reader in the middle of a query can keep the checkpoint from
   * finishing; the data is deleted either way, so that is not an error. */
  sqlite3_wal_checkpoint_v2 (self->writer->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  g_mutex_unlock (&self->write_lock);
  wh_store_checkpoints_release (self);
}

static gboolean
put_voucher (WhStore        *self,
             const WhRecord *voucher,
             GError        **error)
{
  g_autoptr(WhStmt) insert = NULL;
  g_autoptr(WhStmt) forget = NULL;
  g_autofree char *body = wh_record_to_string (voucher);

  insert = wh_conn_prepare (self->writer,
                            "INSERT OR REPLACE INTO vouchers"
                            " (voucher_id, merchant_id, day, status, body)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
                            error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, wh_record_get_text (voucher, "voucher_id"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, wh_record_get_int (voucher, "merchant_id"));
  sqlite3_bind_text (insert, 3, wh_record_get_text (voucher, "day"), -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, wh_record_get_text (voucher, "status"), -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 5, body, -1, SQLITE_STATIC);
  if (!wh_conn_step_done (self->writer, insert, "write voucher", error))
    return FALSE;

  /* One voucher a day: once it is here, no claim of that day is pending,
   * whichever merchant it was tried at. */
  forget = wh_conn_prepare (self->writer, "DELETE FROM pending_claims WHERE day = ?1", error);
  if (forget == NULL)
    return FALSE;
  sqlite3_bind_text (forget, 1, wh_record_get_text (voucher, "day"), -1, SQLITE_STATIC);
  return wh_conn_step_done (self->writer, forget, "forget pending claim", error);
}

static gboolean
check_voucher (const WhRecord *voucher,
               GError        **error)
{
  if (voucher->collection != &wh_collection_vouchers ||
      !wh_record_is_set (voucher, "voucher_id") || !wh_record_is_set (voucher, "day") ||
      !wh_record_is_set (voucher, "status") || !wh_record_is_set (voucher, "merchant_id"))
    {
      g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                           "Not a complete voucher record");
      return FALSE;
    }
  return TRUE;
}

gboolean
wh_store_put_voucher (WhStore        *self,
                      const WhRecord *voucher,
                      GError        **error)
{
  gboolean ok;
  int was;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (voucher != NULL, FALSE);

  if (!check_voucher (voucher, error) || !personal_begin (self, &was, error))
    return FALSE;
  ok = put_voucher (self, voucher, error);
  if (!personal_end (self, was, ok, error))
    return FALSE;
  wh_store_emit_changed (self, "vouchers");
  return TRUE;
}

gboolean
wh_store_replace_vouchers (WhStore   *self,
                           GPtrArray *vouchers,
                           GError   **error)
{
  gboolean ok;
  int was;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (vouchers != NULL, FALSE);

  for (guint i = 0; i < vouchers->len; i++)
    if (!check_voucher (g_ptr_array_index (vouchers, i), error))
      return FALSE;
  if (!personal_begin (self, &was, error))
    return FALSE;
  ok = wh_conn_exec (self->writer, "DELETE FROM vouchers", error);
  for (guint i = 0; ok && i < vouchers->len; i++)
    ok = put_voucher (self, g_ptr_array_index (vouchers, i), error);
  if (!personal_end (self, was, ok, error))
    return FALSE;
  wh_store_emit_changed (self, "vouchers");
  return TRUE;
}

GPtrArray *
wh_store_list_vouchers (WhStore *self,
                        GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GPtrArray) vouchers = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  stmt = wh_conn_prepare (reader.conn,
                          "SELECT body FROM vouchers ORDER BY day DESC, voucher_id DESC", error);
  if (stmt == NULL)
    return NULL;
  vouchers = wh_store_record_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      const char *body = (const char *) sqlite3_column_text (stmt, 0);
      WhRecord *voucher = wh_record_parse (&wh_collection_vouchers, body,
                                           (gsize) sqlite3_column_bytes (stmt, 0), &local_error);

      /* Written by this code from a checked record; a row that no longer
       * reads (a newer schema's limits) is left out, not fatal. */
      if (voucher == NULL)
        g_debug ("Skipping a stored voucher: %s", local_error->message);
      else
        g_ptr_array_add (vouchers, voucher);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read vouchers");
      return NULL;
    }
  return g_steal_pointer (&vouchers);
}

char *
wh_store_begin_claim (WhStore    *self,
                      gint64      merchant_id,
                      const char *day,
                      const char *new_key,
                      GError    **error)
{
  g_autoptr(WhStmt) select = NULL;
  g_autoptr(WhStmt) prune = NULL;
  g_autoptr(WhStmt) insert = NULL;
  g_autofree char *key = NULL;
  gboolean ok;
  int was;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (merchant_id > 0, NULL);
  g_return_val_if_fail (day != NULL, NULL);
  g_return_val_if_fail (new_key != NULL, NULL);

  /* Read and create under the write lock, so two taps (or the app and the
   * CLI) never make two keys for one claim. */
  if (!personal_begin (self, &was, error))
    return NULL;
  select = wh_conn_prepare (self->writer,
                            "SELECT idempotency_key FROM pending_claims"
                            " WHERE merchant_id = ?1 AND day = ?2",
                            error);
  ok = select != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (select, 1, merchant_id);
      sqlite3_bind_text (select, 2, day, -1, SQLITE_STATIC);
      rc = sqlite3_step (select);
      if (rc == SQLITE_ROW)
        key = g_strdup ((const char *) sqlite3_column_text (select, 0));
      else if (rc != SQLITE_DONE)
        ok = wh_store_set_db_error (error, self->writer->db, rc, "read pending claim");
      g_clear_pointer (&select, wh_stmt_done);
    }
  if (ok && key == NULL)
    {
      /* A key of another day can no longer get anything but that day's answer. */
      prune = wh_conn_prepare (self->writer, "DELETE FROM pending_claims WHERE day <> ?1", error);
      insert = wh_conn_prepare (self->writer,
                                "INSERT INTO pending_claims"
                                " (merchant_id, day, idempotency_key, created_at)"
                                " VALUES (?1, ?2, ?3, ?4)",
                                error);
      ok = prune != NULL && insert != NULL;
      if (ok)
        {
          sqlite3_bind_text (prune, 1, day, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 1, merchant_id);
          sqlite3_bind_text (insert, 2, day, -1, SQLITE_STATIC);
          sqlite3_bind_text (insert, 3, new_key, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 4, g_get_real_time () / G_USEC_PER_SEC);
          ok = wh_conn_step_done (self->writer, prune, "prune pending claims", error) &&
               wh_conn_step_done (self->writer, insert, "write pending claim", error);
          key = g_strdup (new_key);
        }
    }
  if (!personal_end (self, was, ok, error))
    return NULL;
  return g_steal_pointer (&key);
}

gboolean
wh_store_finish_claim (WhStore        *self,
                       gint64          merchant_id,
                       const char     *day,
                       const WhRecord *voucher,
                       GError        **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  gboolean ok;
  int was;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (day != NULL, FALSE);

  if (voucher != NULL && !check_voucher (voucher, error))
    return FALSE;
  /* The voucher and the end of its claim commit together: a crash in
   * between can neither lose the voucher nor leave a key that was used. */
  if (!personal_begin (self, &was, error))
    return FALSE;
  ok = voucher == NULL || put_voucher (self, voucher, error);
  if (ok)
    {
      stmt = wh_conn_prepare (self->writer,
                              "DELETE FROM pending_claims WHERE merchant_id = ?1 AND day = ?2",
                              error);
      ok = stmt != NULL;
    }
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, merchant_id);
      sqlite3_bind_text (stmt, 2, day, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, stmt, "forget pending claim", error);
    }
  g_clear_pointer (&stmt, wh_stmt_done);
  if (!personal_end (self, was, ok, error))
    return FALSE;
  if (voucher != NULL)
    wh_store_emit_changed (self, "vouchers");
  return TRUE;
}

gint64
wh_store_get_pending_claim (WhStore    *self,
                            const char *day,
                            GError    **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), -1);
  g_return_val_if_fail (day != NULL, -1);

  if (!wh_reader_borrow (self, &reader, error))
    return -1;
  stmt = wh_conn_prepare (reader.conn,
                          "SELECT merchant_id FROM pending_claims WHERE day = ?1"
                          " ORDER BY created_at DESC LIMIT 1",
                          error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, day, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return 0;
  wh_store_set_db_error (error, reader.conn->db, rc, "read pending claim");
  return -1;
}

gboolean
wh_store_set_me (WhStore        *self,
                 const WhRecord *me,
                 GError        **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  g_autofree char *body = NULL;
  gboolean ok;
  int was;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);
  g_return_val_if_fail (me == NULL || me->collection == &wh_collection_me, FALSE);

  if (me != NULL)
    body = wh_record_to_string (me);
  if (!personal_begin (self, &was, error))
    return FALSE;
  stmt = wh_conn_prepare (self->writer,
                          me ? "INSERT OR REPLACE INTO me (slot, body) VALUES (1, ?1)"
                             : "DELETE FROM me",
                          error);
  ok = stmt != NULL;
  if (ok)
    {
      if (me != NULL)
        sqlite3_bind_text (stmt, 1, body, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, stmt, "write me", error);
    }
  g_clear_pointer (&stmt, wh_stmt_done);
  if (!personal_end (self, was, ok, error))
    return FALSE;
  wh_store_emit_changed (self, "me");
  return TRUE;
}

WhRecord *
wh_store_get_me (WhStore *self,
                 GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  stmt = wh_conn_prepare (reader.conn, "SELECT body FROM me WHERE slot = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return wh_record_parse (&wh_collection_me, (const char *) sqlite3_column_text (stmt, 0),
                            (gsize) sqlite3_column_bytes (stmt, 0), error);
  if (rc != SQLITE_DONE)
    wh_store_set_db_error (error, reader.conn->db, rc, "read me");
  return NULL;
}

gboolean
wh_store_forget_signed_in (WhStore *self,
                           GError **error)
{
  gboolean ok;
  int was;

  g_return_val_if_fail (WH_IS_STORE (self), FALSE);

  if (!personal_begin (self, &was, error))
    return FALSE;
  ok = wh_conn_exec (self->writer,
                     "DELETE FROM me; DELETE FROM vouchers; DELETE FROM pending_claims;", error);
  if (!personal_end (self, was, ok, error))
    return FALSE;
  /* As the kiosk's wipe: nothing of the worker stays readable in the WAL. */
  wh_store_truncate_wal (self);
  wh_store_emit_changed (self, "me");
  wh_store_emit_changed (self, "vouchers");
  return TRUE;
}
