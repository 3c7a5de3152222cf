/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-places.c: places on the map: viewports and the nearest records
 * (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "wh-store-private.h"

/* ---- Places ------------------------------------------------------------- */

void
wh_nearby_free (WhNearby *nearby)
{
  if (nearby == NULL)
    return;
  wh_record_free (nearby->record);
  g_free (nearby);
}

const CollInfo *
wh_store_geo_info (WhStore            *self,
                   const WhCollection *collection,
                   GError            **error)
{
  const CollInfo *info = wh_store_lookup_info (self, collection, error);

  if (info != NULL && !info->located)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The collection “%s” has no places."), collection->name);
      return NULL;
    }
  return info;
}

/* While a collection's indexes are pending, its unindexed rows in the box
 * (exact coordinates), appended up to limit. */
static gboolean
unindexed_points (WhConn         *conn,
                  const CollInfo *info,
                  double          min_lat,
                  double          min_lon,
                  double          max_lat,
                  double          max_lon,
                  guint           limit,
                  GArray         *out,
                  GError        **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  int pending, rc = SQLITE_DONE;

  if (out->len >= limit || (pending = wh_conn_pending (conn, info, error)) == 0)
    return TRUE;
  if (pending < 0)
    return FALSE;
  sql = g_strdup_printf ("SELECT t.id, t.lat, t.lon FROM %s u JOIN %s t ON t.id = u.id"
                         " WHERE t.lat BETWEEN ?1 AND ?3 AND t.lon BETWEEN ?2 AND ?4",
                         info->unindexed, info->table);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_double (stmt, 1, min_lat);
  sqlite3_bind_double (stmt, 2, min_lon);
  sqlite3_bind_double (stmt, 3, max_lat);
  sqlite3_bind_double (stmt, 4, max_lon);
  while (out->len < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhGeoPoint p = { sqlite3_column_int64 (stmt, 0), sqlite3_column_double (stmt, 1),
                       sqlite3_column_double (stmt, 2) };
      g_array_append_val (out, p);
    }
  if (out->len < limit && rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read places");
  return TRUE;
}

/* Points in one box that does not cross the antimeridian, appended. */
static gboolean
box_points (WhConn         *conn,
            const CollInfo *info,
            double          min_lat,
            double          min_lon,
            double          max_lat,
            double          max_lon,
            guint           limit,
            gboolean        exact_points,
            GArray         *out,
            GError        **error)
{
  g_autofree char *sql = NULL;
  g_autofree char *exact_sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(WhStmt) exact = NULL;
  int rc = SQLITE_DONE;

  if (out->len >= limit)
    return TRUE;
  /* The R*Tree box (float32, rounded outwards, so it always holds the exact
   * point) finds candidates. Reading the exact auxiliary coordinates costs a
   * lookup per row, five times the walk itself, so it is done only for the
   * few boxes that cross an edge of the view; a box wholly inside holds a
   * point inside, drawn at its centre: a box is at most a few float32 steps
   * wide, so that is within 3 m of the truth (1.5 m at most in China).
   * exact_points looks every point up, for distances. */
  sql = g_strdup_printf ("SELECT id, min_lat, max_lat, min_lon, max_lon FROM %s_geo"
                         " WHERE max_lat >= ?1 AND min_lat <= ?3 AND max_lon >= ?2"
                         " AND min_lon <= ?4",
                         info->table);
  exact_sql = g_strdup_printf ("SELECT lat, lon FROM %s_geo WHERE id = ?1",
                               info->table);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL ||
      (exact = wh_conn_prepare (conn, exact_sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_double (stmt, 1, min_lat);
  sqlite3_bind_double (stmt, 2, min_lon);
  sqlite3_bind_double (stmt, 3, max_lat);
  sqlite3_bind_double (stmt, 4, max_lon);
  while (out->len < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhGeoPoint p = { sqlite3_column_int64 (stmt, 0), 0, 0 };
      double lat0 = sqlite3_column_double (stmt, 1), lat1 = sqlite3_column_double (stmt, 2);
      double lon0 = sqlite3_column_double (stmt, 3), lon1 = sqlite3_column_double (stmt, 4);

      if (!exact_points && lat0 >= min_lat && lat1 <= max_lat && lon0 >= min_lon &&
          lon1 <= max_lon)
        {
          p.lat = lat0 + (lat1 - lat0) / 2;
          p.lon = lon0 + (lon1 - lon0) / 2;
        }
      else
        {
          sqlite3_bind_int64 (exact, 1, p.id);
          rc = sqlite3_step (exact);
          if (rc == SQLITE_ROW)
            {
              p.lat = sqlite3_column_double (exact, 0);
              p.lon = sqlite3_column_double (exact, 1);
            }
          sqlite3_reset (exact);
          if (rc != SQLITE_ROW)
            {
              if (rc == SQLITE_DONE)
                continue;
              return wh_store_set_db_error (error, conn->db, rc, "read places");
            }
          if (!(p.lat >= min_lat && p.lat <= max_lat && p.lon >= min_lon && p.lon <= max_lon))
            continue;
        }
      g_array_append_val (out, p);
    }
  if (out->len < limit && rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read places");
  g_clear_pointer (&stmt, wh_stmt_done);
  return unindexed_points (conn, info, min_lat, min_lon, max_lat, max_lon, limit, out, error);
}

gboolean
wh_store_viewport_points (WhConn         *conn,
                          const CollInfo *info,
                          double          min_lat,
                          double          min_lon,
                          double          max_lat,
                          double          max_lon,
                          guint           limit,
                          gboolean        exact_points,
                          GArray         *out,
                          GError        **error)
{
  if (min_lon <= max_lon)
    return box_points (conn, info, min_lat, min_lon, max_lat, max_lon, limit, exact_points, out,
                       error);
  /* Across the antimeridian: two boxes. */
  return box_points (conn, info, min_lat, min_lon, max_lat, 180, limit, exact_points, out,
                     error) &&
         box_points (conn, info, min_lat, -180, max_lat, max_lon, limit, exact_points, out,
                     error);
}

gboolean
wh_store_check_box (double   min_lat,
                    double   min_lon,
                    double   max_lat,
                    double   max_lon,
                    GError **error)
{
  if (!(min_lat >= -90 && max_lat <= 90 && min_lat <= max_lat && min_lon >= -180 &&
        min_lon <= 180 && max_lon >= -180 && max_lon <= 180))
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID, _("The map area is not valid."));
      return FALSE;
    }
  return TRUE;
}

GArray *
wh_store_query_viewport_points (WhStore            *self,
                                const WhCollection *collection,
                                double              min_lat,
                                double              min_lon,
                                double              max_lat,
                                double              max_lon,
                                guint               limit,
                                GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GArray) points = NULL;
  const CollInfo *info;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if ((info = wh_store_geo_info (self, collection, error)) == NULL ||
      !wh_store_check_box (min_lat, min_lon, max_lat, max_lon, error) ||
      !wh_reader_borrow (self, &reader, error))
    return NULL;
  points = g_array_new (FALSE, FALSE, sizeof (WhGeoPoint));
  if (!wh_store_viewport_points (reader.conn, info, min_lat, min_lon, max_lat, max_lon, limit,
                                 FALSE, points, error))
    return NULL;
  return g_steal_pointer (&points);
}

/* Records in one box that does not cross the antimeridian, appended. */
static gboolean
box_records (WhConn         *conn,
             const CollInfo *info,
             double          min_lat,
             double          min_lon,
             double          max_lat,
             double          max_lon,
             guint           limit,
             GPtrArray      *out,
             GError        **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  int pending;

  if (out->len >= limit)
    return TRUE;
  /* One join rather than a lookup per point: a city viewport holds hundreds. */
  sql = g_strdup_printf ("SELECT %s FROM %s_geo g JOIN %s t ON t.id = g.id"
                         " WHERE g.max_lat >= ?1 AND g.min_lat <= ?3 AND g.max_lon >= ?2"
                         " AND g.min_lon <= ?4 AND g.lat BETWEEN ?1 AND ?3"
                         " AND g.lon BETWEEN ?2 AND ?4 LIMIT ?5",
                         info->t_columns, info->table, info->table);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_double (stmt, 1, min_lat);
  sqlite3_bind_double (stmt, 2, min_lon);
  sqlite3_bind_double (stmt, 3, max_lat);
  sqlite3_bind_double (stmt, 4, max_lon);
  sqlite3_bind_int64 (stmt, 5, limit - out->len);
  if (!wh_conn_collect_records (conn, stmt, info->collection, out, error))
    return FALSE;
  g_clear_pointer (&stmt, wh_stmt_done);

  if (out->len >= limit || (pending = wh_conn_pending (conn, info, error)) == 0)
    return TRUE;
  if (pending < 0)
    return FALSE;
  g_free (sql);
  sql = g_strdup_printf ("SELECT %s FROM %s u JOIN %s t ON t.id = u.id"
                         " WHERE t.lat BETWEEN ?1 AND ?3 AND t.lon BETWEEN ?2 AND ?4 LIMIT ?5",
                         info->t_columns, info->unindexed, info->table);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_double (stmt, 1, min_lat);
  sqlite3_bind_double (stmt, 2, min_lon);
  sqlite3_bind_double (stmt, 3, max_lat);
  sqlite3_bind_double (stmt, 4, max_lon);
  sqlite3_bind_int64 (stmt, 5, limit - out->len);
  return wh_conn_collect_records (conn, stmt, info->collection, out, error);
}

GPtrArray *
wh_store_query_viewport (WhStore            *self,
                         const WhCollection *collection,
                         double              min_lat,
                         double              min_lon,
                         double              max_lat,
                         double              max_lon,
                         guint               limit,
                         GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GPtrArray) records = NULL;
  const CollInfo *info;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if ((info = wh_store_geo_info (self, collection, error)) == NULL ||
      !wh_store_check_box (min_lat, min_lon, max_lat, max_lon, error) ||
      !wh_reader_borrow (self, &reader, error))
    return NULL;
  records = wh_store_record_array_new ();
  if (min_lon <= max_lon)
    ok = box_records (reader.conn, info, min_lat, min_lon, max_lat, max_lon, limit, records, error);
  else
    ok = box_records (reader.conn, info, min_lat, min_lon, max_lat, 180, limit, records, error) &&
         box_records (reader.conn, info, min_lat, -180, max_lat, max_lon, limit, records, error);
  if (!ok)
    return NULL;
  return g_steal_pointer (&records);
}

typedef struct
{
  gint64 id;
  double distance;
} Near;

static int
near_compare (gconstpointer a,
              gconstpointer b)
{
  const Near *x = a, *y = b;

  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

GPtrArray *
wh_store_query_nearest_filtered (WhStore               *self,
                                 const WhCollection    *collection,
                                 const WhStationFilter *filter,
                                 double                 lat,
                                 double                 lon,
                                 guint                  n,
                                 GError               **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GArray) points = NULL;
  g_autoptr(GArray) near = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GArray) ids = NULL;
  const CollInfo *info;
  double radius = 2000; /* metres; a few stations in a city */

  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  if ((info = wh_store_geo_info (self, collection, error)) == NULL ||
      !wh_store_check_box (lat, lon, lat, lon, error) || !wh_reader_borrow (self, &reader, error))
    return NULL;

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_nearby_free);
  if (n == 0)
    return g_steal_pointer (&result);
  points = g_array_new (FALSE, FALSE, sizeof (WhGeoPoint));
  near = g_array_new (FALSE, FALSE, sizeof (Near));

  for (;;)
    {
      double min_lat, min_lon, max_lat, max_lon;
      gboolean everything = wh_store_circle_box (lat, lon, radius, &min_lat, &min_lon,
                                                 &max_lat, &max_lon);

      g_array_set_size (points, 0);
      g_array_set_size (near, 0);
      if (!wh_store_points_in_box (reader.conn, info, filter, min_lat, min_lon, max_lat, max_lon,
                                   G_MAXUINT, TRUE, points, error))
        return NULL;
      for (guint i = 0; i < points->len; i++)
        {
          const WhGeoPoint *p = &g_array_index (points, WhGeoPoint, i);
          Near item = { p->id, wh_geo_distance_m (lat, lon, p->lat, p->lon) };

          /* Only points inside the circle are sure to beat all outside the box. */
          if (item.distance <= radius || everything)
            g_array_append_val (near, item);
        }
      if (near->len >= n || everything)
        break;
      /* Grow by the density seen so far, at least fourfold in area. */
      if (near->len > 0)
        radius *= MAX (2.0, sqrt ((double) n / near->len) * 1.2);
      else
        radius *= 4;
      radius = MIN (radius, HALF_WORLD_M);
    }

  g_array_sort (near, near_compare);
  if (near->len > n)
    g_array_set_size (near, n);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), near->len);
  for (guint i = 0; i < near->len; i++)
    g_array_append_val (ids, g_array_index (near, Near, i).id);
  records = wh_conn_get_records (reader.conn, info, (gint64 *) (gpointer) ids->data, ids->len,
                                 error);
  if (records == NULL)
    return NULL;
  /* wh_conn_get_records keeps the order of ids, and a reader sees one snapshot per
   * statement; a row deleted in between is simply skipped. */
  for (guint i = 0, j = 0; i < records->len; i++)
    {
      WhRecord *record = records->pdata[i];
      WhNearby *item = g_new0 (WhNearby, 1);

      while (j < near->len && g_array_index (near, Near, j).id != record->id)
        j++;
      item->distance_m = j < near->len ? g_array_index (near, Near, j).distance : 0;
      item->record = wh_record_copy (record);
      g_ptr_array_add (result, item);
    }
  return g_steal_pointer (&result);
}

GPtrArray *
wh_store_query_nearest (WhStore            *self,
                        const WhCollection *collection,
                        double              lat,
                        double              lon,
                        guint               n,
                        GError            **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);

  return wh_store_query_nearest_filtered (self, collection, NULL, lat, lon, n, error);
}
