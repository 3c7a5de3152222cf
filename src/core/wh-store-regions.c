/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-regions.c: regions: the cities and districts the stations are in
 * (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

/* ---- Regions ------------------------------------------------------------ */

void
wh_region_free (WhRegion *region)
{
  if (region == NULL)
    return;
  g_free (region->province);
  g_free (region->city);
  g_free (region->district);
  g_free (region);
}

/* Rows of province, city, province_adcode, city_adcode[, district, adcode]. */
static GPtrArray *
read_regions (WhStore    *self,
              const char *sql,
              gint64      param,
              GError    **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GPtrArray) regions = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  stmt = wh_conn_prepare (reader.conn, sql, error);
  if (stmt == NULL)
    return NULL;
  if (param > 0)
    sqlite3_bind_int64 (stmt, 1, param);
  regions = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_region_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhRegion *region = g_new0 (WhRegion, 1);

      region->province = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      region->city = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      region->province_adcode = sqlite3_column_int64 (stmt, 2);
      region->city_adcode = sqlite3_column_int64 (stmt, 3);
      if (region->province == NULL)
        region->province = g_strdup ("");
      if (sqlite3_column_count (stmt) > 4)
        {
          region->district = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
          region->adcode = sqlite3_column_int64 (stmt, 5);
        }
      g_ptr_array_add (regions, region);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read");
      return NULL;
    }
  return g_steal_pointer (&regions);
}

GPtrArray *
wh_store_list_regions (WhStore *self,
                       GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  /* Stations are everywhere the union is, so their cities are the regions. */
  return read_regions (self,
                       "SELECT province, city, province_adcode, city_adcode FROM stations"
                       " WHERE city_adcode IS NOT NULL AND city IS NOT NULL"
                       " GROUP BY city_adcode ORDER BY province_adcode, city_adcode",
                       0, error);
}

GPtrArray *
wh_store_list_districts (WhStore *self,
                         gint64   city_adcode,
                         GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (city_adcode > 0, NULL);

  return read_regions (self,
                       "SELECT province, city, province_adcode, city_adcode, district, adcode"
                       " FROM stations WHERE city_adcode = ?1 AND district IS NOT NULL"
                       " AND adcode IS NOT NULL GROUP BY adcode ORDER BY adcode",
                       city_adcode, error);
}
