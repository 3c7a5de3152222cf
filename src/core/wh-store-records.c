/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-records.c: reading records by id (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "wh-store-private.h"

/* ---- Reading records ---------------------------------------------------- */

char *
wh_store_parts_sql (const CollInfo *info,
                    const char     *prefix,
                    const char     *arm,
                    const char     *separator,
                    const char     *suffix)
{
  g_autoptr(GString) sql = g_string_new (prefix);
  Parts parts;

  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    {
      g_autoptr(GString) one = g_string_new (arm);

      g_string_replace (one, "@T", parts.info[k]->table, 0);
      g_string_append_printf (sql, "%s%s", k > 0 ? separator : "", one->str);
    }
  g_string_append (sql, suffix);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static WhRecord *
read_record (const WhCollection *collection,
             sqlite3_stmt       *stmt)
{
  WhRecord *record = wh_record_new (collection);

  record->id = sqlite3_column_int64 (stmt, 0);
  record->rev = sqlite3_column_int64 (stmt, 1);
  wh_record_read_values (record, stmt, 2);
  return record;
}

GPtrArray *
wh_store_record_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
}

/* Steps a statement whose columns are info->columns, collecting records. */
gboolean
wh_conn_collect_records (WhConn             *conn,
                         sqlite3_stmt       *stmt,
                         const WhCollection *collection,
                         GPtrArray          *out,
                         GError            **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, read_record (collection, stmt));
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read");
  return TRUE;
}

/* Records by id, in the order of ids; those not cached are skipped. Over
 * the collection's region tables too: an id is looked up in each table
 * until one has it (a row lives in one, wh-store-write.c's claim_rows). */
GPtrArray *
wh_conn_get_records (WhConn         *conn,
                     const CollInfo *info,
                     const gint64   *ids,
                     guint           n_ids,
                     GError        **error)
{
  g_autoptr(GPtrArray) records = wh_store_record_array_new ();
  sqlite3_stmt *stmts[1 + MAX_REGION_TABLES] = { NULL };
  gboolean ok = TRUE;
  Parts parts;

  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n && ok; k++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE id = ?1",
                                              parts.info[k]->columns, parts.info[k]->table);

      ok = (stmts[k] = wh_conn_prepare (conn, sql, error)) != NULL;
    }
  for (guint i = 0; i < n_ids && ok; i++)
    for (guint k = 0; k < parts.n && ok; k++)
      {
        guint had = records->len;

        sqlite3_bind_int64 (stmts[k], 1, ids[i]);
        ok = wh_conn_collect_records (conn, stmts[k], info->collection, records, error);
        sqlite3_reset (stmts[k]);
        if (records->len > had)
          break;
      }
  for (guint k = 0; k < parts.n; k++)
    if (stmts[k] != NULL)
      wh_stmt_done (stmts[k]);
  return ok ? g_steal_pointer (&records) : NULL;
}

WhRecord *
wh_store_get_record (WhStore            *self,
                     const WhCollection *collection,
                     gint64              id,
                     GError            **error)
{
  g_autoptr(GPtrArray) records = wh_store_get_records (self, collection, &id, 1, error);

  if (records == NULL)
    return NULL;
  if (records->len == 0)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND,
                   _("This item is not in the offline cache."));
      return NULL;
    }
  return g_ptr_array_steal_index (records, 0);
}

GPtrArray *
wh_store_get_records (WhStore            *self,
                      const WhCollection *collection,
                      const gint64       *ids,
                      guint               n_ids,
                      GError            **error)
{
  g_auto(Reader) reader = { 0 };
  const CollInfo *info;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL ||
      !wh_reader_borrow (self, &reader, error))
    return NULL;
  return wh_conn_get_records (reader.conn, info, ids, n_ids, error);
}

gint64
wh_store_count (WhStore            *self,
                const WhCollection *collection,
                GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autofree char *sql = NULL;
  const CollInfo *info;

  g_return_val_if_fail (WH_IS_STORE (self), -1);

  if ((info = wh_store_lookup_info (self, collection, error)) == NULL ||
      !wh_reader_borrow (self, &reader, error))
    return -1;
  sql = wh_store_parts_sql (info, "SELECT ", "(SELECT count(*) FROM @T)", " + ", "");
  return wh_conn_query_int (reader.conn, sql, error);
}
