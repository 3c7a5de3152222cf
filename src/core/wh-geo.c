/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-geo"

#include "config.h"

#include <math.h>

#include "wh-geo.h"

double
wh_geo_distance_m (double lat1,
                   double lon1,
                   double lat2,
                   double lon2)
{
  double p1 = lat1 * G_PI / 180, p2 = lat2 * G_PI / 180;
  double dp = p2 - p1, dl = (lon2 - lon1) * G_PI / 180;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * WH_GEO_EARTH_RADIUS_M * asin (MIN (1.0, sqrt (a)));
}

void
wh_map_project (double  lat,
                double  lon,
                double *x,
                double *y)
{
  double phi = CLAMP (lat, -WH_MAP_MAX_LAT, WH_MAP_MAX_LAT) * G_PI / 180;

  *x = (lon + 180) / 360;
  *y = (1 - log (tan (phi) + 1 / cos (phi)) / G_PI) / 2;
}

void
wh_map_unproject (double  x,
                  double  y,
                  double *lat,
                  double *lon)
{
  *lon = x * 360 - 180;
  *lat = atan (sinh (G_PI * (1 - 2 * y))) * 180 / G_PI;
}

void
wh_map_fit (double  south,
            double  west,
            double  north,
            double  east,
            double  width,
            double  height,
            double  min_zoom,
            double  max_zoom,
            double *lat,
            double *lon,
            double *zoom)
{
  double x0, y0, x1, y1, fit;

  wh_map_project (north, west, &x0, &y0);
  wh_map_project (south, east, &x1, &y1);
  wh_map_unproject ((x0 + x1) / 2, (y0 + y1) / 2, lat, lon);
  /* The tighter of the two, in tile sizes at zoom 0, with the margin. */
  fit = MIN (width / (MAX (x1 - x0, 1e-9) * WH_MAP_TILE_SIZE * 1.5),
             height / (MAX (y1 - y0, 1e-9) * WH_MAP_TILE_SIZE * 1.5));
  *zoom = CLAMP (floor (log2 (fit)), min_zoom, max_zoom);
}

void
wh_map_frame_set (WhMapFrame *frame,
                  double      lat,
                  double      lon,
                  double      zoom,
                  double      tile_size,
                  double      rotation,
                  double      width,
                  double      height)
{
  double x, y;

  frame->world_px = tile_size * exp2 (zoom);
  wh_map_project (lat, lon, &x, &y);
  frame->cx = x * frame->world_px;
  frame->cy = y * frame->world_px;
  frame->cos_r = cos (rotation);
  frame->sin_r = sin (rotation);
  frame->half_w = width / 2.0;
  frame->half_h = height / 2.0;
}

void
wh_map_frame_apply (const WhMapFrame *frame,
                    double            wx,
                    double            wy,
                    double           *x,
                    double           *y)
{
  double dx = wx * frame->world_px - frame->cx;
  double dy = wy * frame->world_px - frame->cy;

  *x = frame->half_w + dx * frame->cos_r - dy * frame->sin_r;
  *y = frame->half_h + dx * frame->sin_r + dy * frame->cos_r;
}

void
wh_map_frame_box (const WhMapFrame *frame,
                  double            margin,
                  double           *min_lat,
                  double           *min_lon,
                  double           *max_lat,
                  double           *max_lon)
{
  double r, x0, y0, x1, y1;

  r = hypot (frame->half_w, frame->half_h) * (1 + 2 * margin);
  x0 = CLAMP ((frame->cx - r) / frame->world_px, 0, 1);
  x1 = CLAMP ((frame->cx + r) / frame->world_px, 0, 1);
  y0 = CLAMP ((frame->cy - r) / frame->world_px, 0, 1);
  y1 = CLAMP ((frame->cy + r) / frame->world_px, 0, 1);
  wh_map_unproject (x0, y1, min_lat, min_lon);
  wh_map_unproject (x1, y0, max_lat, max_lon);
}

/* An open-addressing table from a cell to its cluster's index: a GHashTable
 * of boxed 64-bit keys costs an allocation per cell, and the national view
 * clusters 186,000 points whenever the zoom level changes. */
typedef struct
{
  guint64 *keys;
  guint   *values;
  guint    mask;
  guint    used;
} CellTable;

static void
cell_table_init (CellTable *table,
                 guint      size)
{
  table->keys = g_new (guint64, size);
  table->values = g_new (guint, size);
  table->mask = size - 1;
  table->used = 0;
  for (guint i = 0; i < size; i++)
    table->values[i] = G_MAXUINT;
}

static void
cell_table_clear (CellTable *table)
{
  g_free (table->keys);
  g_free (table->values);
}

static guint
cell_hash (guint64 key)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (guint) key;
}

static guint *
cell_table_slot (CellTable *table,
                 guint64    key)
{
  for (guint i = cell_hash (key) & table->mask;; i = (i + 1) & table->mask)
    if (table->values[i] == G_MAXUINT || table->keys[i] == key)
      {
        table->keys[i] = key;
        return &table->values[i];
      }
}

static void
cell_table_grow (CellTable *table)
{
  CellTable bigger;

  cell_table_init (&bigger, (table->mask + 1) * 2);
  for (guint i = 0; i <= table->mask; i++)
    if (table->values[i] != G_MAXUINT)
      *cell_table_slot (&bigger, table->keys[i]) = table->values[i];
  bigger.used = table->used;
  cell_table_clear (table);
  *table = bigger;
}

GArray *
wh_station_cluster (const WhGeoPoint *points,
                    guint             n_points,
                    int               zoom,
                    double            cell_px,
                    guint            *assignment)
{
  g_autoptr(GArray) clusters = g_array_new (FALSE, FALSE, sizeof (WhStationCluster));
  double cells_per_world;
  CellTable table;

  g_return_val_if_fail (points != NULL || n_points == 0, NULL);
  g_return_val_if_fail (zoom >= 0 && zoom <= 24, NULL);
  g_return_val_if_fail (cell_px >= 1, NULL);

  cells_per_world = WH_MAP_TILE_SIZE * ldexp (1, zoom) / cell_px;
  cell_table_init (&table, 1024);
  for (guint i = 0; i < n_points; i++)
    {
      const WhGeoPoint *p = &points[i];
      double x, y;
      guint64 cx, cy;
      guint *slot, index;
      WhStationCluster *cluster;

      wh_map_project (p->lat, p->lon, &x, &y);
      cx = (guint64) CLAMP (floor (x * cells_per_world), 0, cells_per_world - 1);
      cy = (guint64) CLAMP (floor (y * cells_per_world), 0, cells_per_world - 1);
      slot = cell_table_slot (&table, cx << 32 | cy);
      if (*slot == G_MAXUINT)
        {
          WhStationCluster fresh = { 0, 0, 0, 0, 0, p->id };

          *slot = index = clusters->len;
          g_array_append_val (clusters, fresh);
          if (++table.used * 2 > table.mask + 1)
            cell_table_grow (&table);
        }
      else
        index = *slot;
      cluster = &g_array_index (clusters, WhStationCluster, index);
      if (assignment)
        assignment[i] = index;
      /* Sums for now; divided into means below. */
      cluster->x += x;
      cluster->y += y;
      cluster->count++;
      cluster->id = MIN (cluster->id, p->id);
    }
  cell_table_clear (&table);

  for (guint i = 0; i < clusters->len; i++)
    {
      WhStationCluster *cluster = &g_array_index (clusters, WhStationCluster, i);

      cluster->x /= cluster->count;
      cluster->y /= cluster->count;
      wh_map_unproject (cluster->x, cluster->y, &cluster->lat, &cluster->lon);
    }
  return g_steal_pointer (&clusters);
}
