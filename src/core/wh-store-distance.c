/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-distance.c: queries ordered by distance from a point (the engine
 * is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <math.h>

#include "wh-query-private.h"
#include "wh-store-private.h"

/* ---- Distance order ------------------------------------------------------ */

/* The smallest box around a circle (a cap of the sphere); TRUE when it is
 * the whole world (the radius reaches round, or the cap holds a pole). */
gboolean
wh_store_circle_box (double  lat,
                     double  lon,
                     double  radius,
                     double *min_lat,
                     double *min_lon,
                     double *max_lat,
                     double *max_lon)
{
  double angle = radius / EARTH_RADIUS_M;
  double dlat = angle * 180 / G_PI;
  gboolean everything = radius >= HALF_WORLD_M;
  /* A hair of margin against rounding at the edge of the box. */
  const double margin = 1e-9;

  *min_lat = lat - dlat;
  *max_lat = lat + dlat;
  *min_lon = -180;
  *max_lon = 180;
  /* Unless the cap holds a pole, its longitudes span asin (sin r / cos lat). */
  if (!everything && *min_lat > -90 && *max_lat < 90)
    {
      double s = sin (angle) / cos (lat * G_PI / 180);

      if (s < 1)
        {
          double dlon = asin (s) * 180 / G_PI;
          *min_lon = lon - dlon - margin;
          *max_lon = lon + dlon + margin;
          if (*min_lon < -180)
            *min_lon += 360;
          if (*max_lon > 180)
            *max_lon -= 360;
        }
    }
  *min_lat = MAX (-90, *min_lat - margin);
  *max_lat = MIN (90, *max_lat + margin);
  return everything;
}

/* What one statement of a distance-ordered page asks for. */
typedef struct
{
  gboolean located;  /* rows with a place (by distance) or without (by id) */
  gboolean before;   /* walking backwards from the key */
  gboolean has_key;
  double   key_d;    /* the key row's distance (located) */
  gint64   key_id;
  double   radius;   /* located: only rows within it, through the R*Tree; <= 0: no bound */
  guint    offset;
  gboolean pending;  /* the search index is not complete (wh_conn_pending) */
  Access   access;   /* located without a bound: how its rows are found */
} DistPart;

static gboolean
distance_rows (WhConn         *conn,
               const CollInfo *info,
               const WhQuery  *query,
               const DistPart *part,
               guint           limit,
               GPtrArray      *out,
               GError        **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(WhStmt) stmt = NULL;
  const char *n = info->table;
  const char *and = " WHERE ";
  const char *dir = part->before ? "DESC" : "ASC";
  const char *beyond = part->before ? "<" : ">";
  double min_lat = -90, min_lon = -180, max_lat = 90, max_lon = 180;
  gboolean boxed = FALSE;
  int p;

  if (limit == 0)
    return TRUE;
  /* The ids first, then the page's rows alone: a sort takes every column
   * of every row it sorts (the descriptions too, kilobytes each, for the
   * thousands of jobs of a ring); the ids come from an index where one
   * holds the place (the covering filter index, the small index of the
   * rows without one). */
  g_string_append_printf (sql, "SELECT id FROM %s", n);
  if (!part->located && !part->pending)
    g_string_append_printf (sql, " INDEXED BY %s_unlocated", n);
  else if (part->located && part->radius <= 0)
    wh_store_append_access (sql, info, query, &part->access);
  wh_store_append_conditions (sql, info, query, part->pending, &and);
  /* Named parameters after the positional ones, which keep their numbers. */
  if (!part->located)
    {
      g_string_append_printf (sql, "%s(lat IS NULL OR lon IS NULL)", and);
      if (part->has_key)
        g_string_append_printf (sql, " AND id %s :kid", beyond);
      g_string_append_printf (sql, " ORDER BY id %s LIMIT :lim OFFSET :off", dir);
    }
  else
    {
#define D "wh_distance (lat, lon, :olat, :olon)"
      g_string_append_printf (sql, "%slat IS NOT NULL AND lon IS NOT NULL", and);
      /* The R*Tree finds the candidates within the radius; a box across
       * the antimeridian is left to the exact test alone. */
      if (part->radius > 0 &&
          !wh_store_circle_box (query->origin_lat, query->origin_lon, part->radius,
                                &min_lat, &min_lon, &max_lat, &max_lon) &&
          min_lon <= max_lon && info->located)
        {
          boxed = TRUE;
          g_string_append_printf (sql, " AND id IN (SELECT id FROM %s_geo WHERE max_lat >= :y0"
                                  " AND min_lat <= :y1 AND max_lon >= :x0 AND min_lon <= :x1)", n);
        }
      if (part->radius > 0)
        g_string_append (sql, " AND " D " <= :r");
      if (part->has_key)
        g_string_append_printf (sql, " AND (" D " %s :kd OR (" D " = :kd AND id %s :kid))",
                                beyond, beyond);
      g_string_append_printf (sql, " ORDER BY " D " %s, id %s LIMIT :lim OFFSET :off", dir, dir);
#undef D
    }

  if ((stmt = wh_conn_prepare (conn, sql->str, error)) == NULL)
    return FALSE;
  p = wh_store_bind_conditions (stmt, query, part->pending);
  g_assert (p == 1 || sqlite3_bind_parameter_name (stmt, p - 1) == NULL);
#define BIND_D(name, v) \
  G_STMT_START { int i_ = sqlite3_bind_parameter_index (stmt, name); \
                 if (i_ > 0) sqlite3_bind_double (stmt, i_, v); } G_STMT_END
#define BIND_I(name, v) \
  G_STMT_START { int i_ = sqlite3_bind_parameter_index (stmt, name); \
                 if (i_ > 0) sqlite3_bind_int64 (stmt, i_, v); } G_STMT_END
  BIND_D (":olat", query->origin_lat);
  BIND_D (":olon", query->origin_lon);
  BIND_D (":r", part->radius);
  BIND_D (":kd", part->key_d);
  BIND_I (":kid", part->key_id);
  BIND_I (":lim", limit);
  BIND_I (":off", part->offset);
  if (boxed)
    {
      BIND_D (":y0", min_lat);
      BIND_D (":y1", max_lat);
      BIND_D (":x0", min_lon);
      BIND_D (":x1", max_lon);
    }
#undef BIND_D
#undef BIND_I
  return wh_conn_collect_by_ids (conn, info, stmt, out, error);
}

static gboolean
record_distance (const WhQuery  *query,
                 const WhRecord *record,
                 double         *d)
{
  if (!wh_record_is_set (record, "lat") || !wh_record_is_set (record, "lon"))
    return FALSE;
  *d = wh_geo_distance_m (wh_record_get_real (record, "lat"), wh_record_get_real (record, "lon"),
                          query->origin_lat, query->origin_lon);
  return TRUE;
}

/* The located rows of a page. With rings: forwards, ring by ring from the
 * key (or the origin) on, growing until the page is full; backwards, within
 * the key's own distance (part->radius). While that stays cheap; else, or
 * without rings, every matching row sorted by distance (through
 * wh_store_choose_access's index). */
static gboolean
located_rows (WhConn         *conn,
              const CollInfo *info,
              const WhQuery  *query,
              DistPart       *part,
              gboolean        rings,
              guint           limit,
              GPtrArray      *out,
              GError        **error)
{
  guint had = out->len;

  if (!part->pending &&
      !wh_store_choose_access (conn, info, query, FALSE, TRUE, &part->access, error))
    return FALSE;
  /* A filter with a few thousand rows (tens of thousands when they are a
   * range of the covering index, read without the table): sorting them all
   * costs less than the first ring. */
  if (part->access.rows >= 0 &&
      part->access.rows <= conn->budgets->selective_rows /
                           (part->access.kind == ACCESS_FILTER ? 1 : 10))
    rings = FALSE;
  if (rings && (!part->before || part->radius > 0))
    {
      g_autoptr(GError) local_error = NULL;
      /* A budget only where something better follows: filters, or an
       * index holding every place. */
      gboolean budget = !part->pending &&
                        (query->filters->len > 0 || query->match != NULL ||
                         wh_store_filter_index_covers (info, query));
      double start = part->has_key && !part->before ? part->key_d : 0;
      double step = 2000; /* metres: a neighbourhood of a city */
      gint64 deadline;
      gboolean ok = TRUE;

      if (budget && !wh_conn_budget_start (conn, conn->budgets->ring_ms, &deadline))
        goto sorted;
      for (;;)
        {
          if (!part->before)
            part->radius = start + step;
          if (part->radius >= HALF_WORLD_M)
            part->radius = 0;
          if (!(ok = distance_rows (conn, info, query, part, limit - had, out, &local_error)))
            break;
          if (out->len == limit || part->radius == 0 || part->before)
            break;
          /* Not full: read the ring again, wider (the first rows come
           * again, in the same order, so start over). */
          g_ptr_array_set_size (out, had);
          step *= 4;
        }
      if (!budget || !wh_conn_budget_end (conn, deadline, ok, &local_error))
        {
          if (!ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return ok;
        }
      g_debug ("%s: rings by distance ran out of time: the filters' rows instead",
               info->collection->name);
      g_ptr_array_set_size (out, had);
    }

sorted:
  part->radius = 0;
  return distance_rows (conn, info, query, part, limit - had, out, error);
}

/* Nearest first, then the rows without a place by id. Going forwards from
 * a located key, the rows within a radius a little beyond the key are read
 * through the R*Tree, and the radius grows until the page is full; going
 * backwards, every row before the key lies within the key's own distance.
 * Either falls back to sorting the filters' rows (located_rows). */
gboolean
wh_store_distance_page (WhConn         *conn,
                        const CollInfo *info,
                        const WhQuery  *query,
                        const WhRecord *key,
                        gboolean        before,
                        guint           offset,
                        guint           limit,
                        GPtrArray      *out,
                        GError        **error)
{
  DistPart part = { 0 };
  double key_d = 0;
  gboolean key_located = key != NULL && record_distance (query, key, &key_d);
  int pending = wh_conn_pending (conn, info, error);

  if (pending < 0)
    return FALSE;
  part.pending = pending;
  part.before = before;
  part.access.rows = -1;
  if (key == NULL && offset > 0)
    {
      /* A jump far into the list: the located rows, sorted whole, once. */
      g_autoptr(WhStmt) stmt = NULL;
      g_autofree char *sql = NULL;
      Access access = { ACCESS_PLANNER, NULL, -1 };
      gint64 located;

      if (!pending && !wh_store_choose_access (conn, info, query, TRUE, TRUE, &access, error))
        return FALSE;
      {
        g_autoptr(GString) count = g_string_new (NULL);
        const char *and = " WHERE ";

        g_string_append_printf (count, "SELECT count(*) FROM %s", info->table);
        wh_store_append_access (count, info, query, &access);
        wh_store_append_conditions (count, info, query, part.pending, &and);
        g_string_append_printf (count, "%slat IS NOT NULL AND lon IS NOT NULL", and);
        sql = g_string_free (g_steal_pointer (&count), FALSE);
      }
      if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
        return FALSE;
      wh_store_bind_conditions (stmt, query, part.pending);
      if ((located = wh_conn_step_count (conn, stmt, "count", error)) < 0)
        return FALSE;
      if ((gint64) offset < located)
        {
          part.located = TRUE;
          part.offset = offset;
          if (!located_rows (conn, info, query, &part, FALSE, limit, out, error))
            return FALSE;
          if (out->len == limit)
            return TRUE;
          part.offset = 0;
        }
      else
        part.offset = offset - located;
      part.located = FALSE;
      return distance_rows (conn, info, query, &part, limit - out->len, out, error);
    }

  if (!before)
    {
      if (key == NULL || key_located)
        {
          part.located = TRUE;
          part.has_key = key_located;
          part.key_d = key_d;
          part.key_id = key_located ? key->id : 0;
          if (!located_rows (conn, info, query, &part, TRUE, limit, out, error))
            return FALSE;
        }
      part.located = FALSE;
      part.has_key = key != NULL && !key_located;
      part.key_id = part.has_key ? key->id : 0;
      return distance_rows (conn, info, query, &part, limit - out->len, out, error);
    }

  /* Backwards: first the rows without a place before an unlocated key. */
  if (!key_located)
    {
      part.located = FALSE;
      part.has_key = TRUE;
      part.key_id = key->id;
      if (!distance_rows (conn, info, query, &part, limit, out, error))
        return FALSE;
    }
  part.located = TRUE;
  part.has_key = key_located;
  part.key_d = key_d;
  part.key_id = key->id;
  part.radius = key_located ? key_d : 0;
  return located_rows (conn, info, query, &part, key_located, limit, out, error);
}

/* ---- Over region tables --------------------------------------------------- */

/* A row's place in the distance order from the query's origin: nearest
 * first, ties by id, then the rows without a place by id (the order of
 * wh_store_distance_page; record_distance is the C function SQL's
 * wh_distance is, so the same values). */
static int
compare_by_distance (const WhRecord *x,
                     const WhRecord *y,
                     const WhQuery  *query)
{
  double u = 0, v = 0;
  gboolean xl = record_distance (query, x, &u);
  gboolean yl = record_distance (query, y, &v);

  if (xl != yl)
    return xl ? -1 : 1;
  if (u != v)
    return u < v ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

typedef struct
{
  const WhQuery *query;
  gboolean       before;
} DistanceOrder;

static int
compare_distance_cb (gconstpointer a,
                     gconstpointer b,
                     gpointer      data)
{
  const DistanceOrder *order = data;
  int c = compare_by_distance (*(WhRecord **) a, *(WhRecord **) b, order->query);

  return order->before ? -c : c;
}

/* A jump far into a list by distance over region tables (the scrollbar
 * dragged): the ids alone, every table's matching rows sorted by distance
 * in one compound, the located first, then the others by id (what one
 * table's jump does, wh_store_distance_page). */
static gboolean
distance_parts_jump (WhConn         *conn,
                     const Parts    *parts,
                     const WhQuery  *query,
                     guint           offset,
                     guint           limit,
                     GPtrArray      *out,
                     GError        **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(WhStmt) stmt = NULL;
  int pending[G_N_ELEMENTS (parts->info)];
  int p = 1;

  if (wh_conn_parts_pending (conn, parts, pending, error) < 0)
    return FALSE;
  for (guint k = 0; k < parts->n; k++)
    {
      const char *and = " WHERE ";

      g_string_append_printf (sql, "%sSELECT id, lat IS NULL OR lon IS NULL,"
                              " wh_distance (lat, lon, :olat, :olon) FROM %s",
                              k > 0 ? " UNION ALL " : "", parts->info[k]->table);
      wh_store_append_conditions (sql, parts->info[k], query, pending[k], &and);
    }
  g_string_append (sql, " ORDER BY 2, 3, 1 LIMIT :lim OFFSET :off");
  if ((stmt = wh_conn_prepare (conn, sql->str, error)) == NULL)
    return FALSE;
  /* The names of the first arm's select come first: the "?" of every
   * arm's conditions follow them, in order. */
  while (p <= sqlite3_bind_parameter_count (stmt) && sqlite3_bind_parameter_name (stmt, p) != NULL)
    p++;
  for (guint k = 0; k < parts->n; k++)
    p = wh_store_bind_conditions_from (stmt, p, query, pending[k]);
  g_assert (p > sqlite3_bind_parameter_count (stmt) || sqlite3_bind_parameter_name (stmt, p));
  sqlite3_bind_double (stmt, sqlite3_bind_parameter_index (stmt, ":olat"), query->origin_lat);
  sqlite3_bind_double (stmt, sqlite3_bind_parameter_index (stmt, ":olon"), query->origin_lon);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":lim"), limit);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":off"), offset);
  return wh_conn_collect_by_ids (conn, parts->info[0], stmt, out, error);
}

/* A page by distance over every part: with region tables, each part's page
 * from the key (or its first limit rows), merged in C (rings and budgets
 * stay each part's own; a page reads at most limit rows of each); a jump,
 * distance_parts_jump. */
gboolean
wh_store_distance_parts_page (WhConn         *conn,
                              const Parts    *parts,
                              const WhQuery  *query,
                              const WhRecord *key,
                              gboolean        before,
                              guint           offset,
                              guint           limit,
                              GPtrArray      *out,
                              GError        **error)
{
  g_autoptr(GPtrArray) all = wh_store_record_array_new ();
  DistanceOrder order = { query, before };

  if (parts->n == 1)
    return wh_store_distance_page (conn, parts->info[0], query, key, before, offset, limit, out,
                                   error);
  if (key == NULL && offset > 0)
    return distance_parts_jump (conn, parts, query, offset, limit, out, error);
  for (guint k = 0; k < parts->n; k++)
    {
      /* Each into an empty array: the page counts what it holds. */
      g_autoptr(GPtrArray) one = wh_store_record_array_new ();

      if (!wh_store_distance_page (conn, parts->info[k], query, key, before, 0, limit, one,
                                   error))
        return FALSE;
      for (guint i = 0; i < one->len; i++)
        g_ptr_array_add (all, g_steal_pointer (&one->pdata[i]));
    }
  g_ptr_array_sort_with_data (all, compare_distance_cb, &order);
  for (guint i = 0; i < all->len && i < limit; i++)
    g_ptr_array_add (out, g_steal_pointer (&all->pdata[i]));
  return TRUE;
}
