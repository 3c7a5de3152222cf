/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The maths of places (src/core/wh-geo.c): distances, the projection, a box
 * fitted in a view, a view's frame and box, grid clustering. No store, no
 * display (suite unit). */
#include "config.h"

#include <math.h>

#include "wh-geo.h"
#include "wh-test.h"

/* ---- Clustering --------------------------------------------------------- */

static void
test_clusters (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (WhGeoPoint));
  const guint n = 20000;

  for (guint i = 0; i < n; i++)
    {
      /* China-wide, with a dense city and a few exact duplicates. */
      WhGeoPoint p = { i + 1, g_rand_double_range (rand, 18, 53), g_rand_double_range (rand, 73, 135) };

      if (i % 3 == 0)
        {
          p.lat = 39.9 + g_rand_double_range (rand, -0.05, 0.05);
          p.lon = 116.4 + g_rand_double_range (rand, -0.05, 0.05);
        }
      if (i % 1000 == 1)
        p.lat = 30, p.lon = 120;
      g_array_append_val (points, p);
    }
  for (int zoom = 0; zoom <= 20; zoom++)
    {
      g_autofree guint *assignment = g_new (guint, n);
      g_autoptr(GArray) clusters = wh_station_cluster ((WhGeoPoint *) (gpointer) points->data, n,
                                                       zoom, 56, assignment);
      g_autofree guint *seen = g_new0 (guint, clusters->len);
      g_autoptr(GHashTable) cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      double world = 256 * exp2 (zoom) / 56;
      guint total = 0;

      /* Every point is counted exactly once... */
      for (guint i = 0; i < clusters->len; i++)
        total += g_array_index (clusters, WhStationCluster, i).count;
      g_assert_cmpuint (total, ==, n);
      for (guint i = 0; i < n; i++)
        {
          const WhGeoPoint *p = &g_array_index (points, WhGeoPoint, i);
          const WhStationCluster *cluster;
          g_autofree char *cell = NULL;
          double x, y;
          gpointer owner;

          g_assert_cmpuint (assignment[i], <, clusters->len);
          cluster = &g_array_index (clusters, WhStationCluster, assignment[i]);
          seen[assignment[i]]++;
          g_assert_cmpint (cluster->id, <=, p->id);
          /* ...in the cluster of its grid cell, and a cell has one cluster. */
          wh_map_project (p->lat, p->lon, &x, &y);
          cell = g_strdup_printf ("%.0f/%.0f", floor (x * world), floor (y * world));
          if (g_hash_table_lookup_extended (cells, cell, NULL, &owner))
            g_assert_cmpuint (GPOINTER_TO_UINT (owner), ==, assignment[i]);
          else
            g_hash_table_insert (cells, g_steal_pointer (&cell), GUINT_TO_POINTER (assignment[i]));
        }
      g_assert_cmpuint (g_hash_table_size (cells), ==, clusters->len);
      for (guint i = 0; i < clusters->len; i++)
        {
          const WhStationCluster *cluster = &g_array_index (clusters, WhStationCluster, i);

          g_assert_cmpuint (seen[i], ==, cluster->count);
          g_assert_true (cluster->lat >= 18 && cluster->lat <= 53);
          g_assert_true (cluster->lon >= 73 && cluster->lon <= 135);
        }
      if (zoom == 0)
        g_assert_cmpuint (clusters->len, <, 10);
      if (zoom == 20)
        g_assert_cmpuint (clusters->len, >, n / 2);
    }
}

static void
test_projection (void)
{
  double x, y, lat, lon;

  wh_map_project (0, 0, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (y, 0.5, 1e-12);
  wh_map_project (39.9, 116.4, &x, &y);
  wh_map_unproject (x, y, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (lat, 39.9, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 116.4, 1e-9);
}

/* Whether the box's corners lie inside a width × height map centred on
 * lat, lon at zoom. */
static gboolean
box_in_view (const double box[4],
             double       width,
             double       height,
             double       lat,
             double       lon,
             double       zoom)
{
  double scale = WH_MAP_TILE_SIZE * exp2 (zoom), cx, cy;

  wh_map_project (lat, lon, &cx, &cy);
  for (guint corner = 0; corner < 4; corner++)
    {
      double x, y;

      wh_map_project (box[corner & 1 ? 2 : 0], box[corner & 2 ? 3 : 1], &x, &y);
      if (fabs (x - cx) * scale > width / 2 || fabs (y - cy) * scale > height / 2)
        return FALSE;
    }
  return TRUE;
}

/* The view that shows a set of places (the meals map's merchants, the
 * saved stations' cities): all of them, as close as that allows. */
static void
test_map_fit (void)
{
  static const double boxes[][4] = {
    { 39.90, 116.30, 39.99, 116.48 },  /* a few Beijing districts */
    { 22.50, 113.90, 22.56, 114.10 },  /* along Shenzhen Bay: wide and flat */
    { 23.00, 113.20, 24.40, 113.30 },  /* Guangzhou north to south: tall and narrow */
    { 18.20, 73.50, 53.50, 135.00 },   /* the whole country */
    { 31.23, 121.47, 31.23, 121.47 },  /* one place */
  };
  static const double sizes[][2] = { { 360, 220 }, { 800, 600 }, { 300, 900 } };

  for (guint b = 0; b < G_N_ELEMENTS (boxes); b++)
    for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
      {
        double lat, lon, zoom;

        wh_map_fit (boxes[b][0], boxes[b][1], boxes[b][2], boxes[b][3], sizes[z][0], sizes[z][1],
                    2, 15, &lat, &lon, &zoom);
        g_assert_cmpfloat (zoom, ==, floor (zoom));
        g_assert_cmpfloat (zoom, >=, 2);
        g_assert_cmpfloat (zoom, <=, 15);
        /* Centred: the box's middle, in the projection's terms. */
        g_assert_cmpfloat (lat, >=, boxes[b][0] - 1e-9);
        g_assert_cmpfloat (lat, <=, boxes[b][2] + 1e-9);
        g_assert_cmpfloat_with_epsilon (lon, (boxes[b][1] + boxes[b][3]) / 2, 1e-9);
        g_assert_true (box_in_view (boxes[b], sizes[z][0], sizes[z][1], lat, lon, zoom) ||
                       zoom == 2);
        /* As close as it can be: one level closer cuts a place off (or
         * the closest level allowed is reached). */
        g_assert_true (zoom == 15 ||
                       !box_in_view (boxes[b], sizes[z][0] / 1.5, sizes[z][1] / 1.5, lat, lon,
                                     zoom + 1));
      }
}

/* ---- Distances and a view's frame ---------------------------------------- */

static void
test_distance (void)
{
  /* Tiananmen to the Bund: about 1,067 km along the surface. */
  double d = wh_geo_distance_m (39.9087, 116.3975, 31.2400, 121.4900);

  g_assert_cmpfloat (d, >, 1060e3);
  g_assert_cmpfloat (d, <, 1075e3);
  g_assert_cmpfloat (wh_geo_distance_m (31.23, 121.47, 31.23, 121.47), ==, 0);
  /* Symmetric, and a degree of latitude is about 111.2 km anywhere. */
  g_assert_cmpfloat_with_epsilon (wh_geo_distance_m (30, 120, 31, 120),
                                  wh_geo_distance_m (31, 120, 30, 120), 1e-6);
  g_assert_cmpfloat_with_epsilon (wh_geo_distance_m (30, 120, 31, 120), 111195, 5);
  /* Across the antimeridian: the short way round. */
  g_assert_cmpfloat (wh_geo_distance_m (0, 179.5, 0, -179.5), <, 112e3);
  /* Antipodes: half the circumference, no NaN from rounding past 1. */
  g_assert_cmpfloat_with_epsilon (wh_geo_distance_m (0, 0, 0, 180),
                                  G_PI * WH_GEO_EARTH_RADIUS_M, 1);
}

static void
test_frame (void)
{
  WhMapFrame frame;
  double wx, wy, x, y;

  /* The centre is drawn in the middle of the view, at any zoom and turn. */
  wh_map_frame_set (&frame, 39.9, 116.4, 12.5, 256, 0.7, 800, 600);
  wh_map_project (39.9, 116.4, &wx, &wy);
  wh_map_frame_apply (&frame, wx, wy, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 400, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, 300, 1e-6);

  /* North up: one tile east at zoom 0 is 256 pixels right; a place north
   * is higher (smaller y). */
  wh_map_frame_set (&frame, 0, 0, 0, 256, 0, 800, 600);
  wh_map_frame_apply (&frame, 0.5 + 1.0 / 4, 0.5, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 400 + 64, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 300, 1e-9);
  wh_map_project (10, 0, &wx, &wy);
  wh_map_frame_apply (&frame, wx, wy, &x, &y);
  g_assert_cmpfloat (y, <, 300);

  /* Zoom doubles the world; a quarter turn puts east below. */
  wh_map_frame_set (&frame, 0, 0, 1, 256, G_PI / 2, 800, 600);
  g_assert_cmpfloat (frame.world_px, ==, 512);
  wh_map_frame_apply (&frame, 0.5 + 1.0 / 4, 0.5, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 400, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 300 + 128, 1e-9);
}

static void
test_frame_box (void)
{
  WhMapFrame frame;
  double min_lat, min_lon, max_lat, max_lon;
  static const double corners[][2] = { { 0, 0 }, { 800, 0 }, { 0, 600 }, { 800, 600 } };

  /* Turned by any angle, every corner of the view lies in the box. */
  for (double rotation = 0; rotation < 2 * G_PI; rotation += 0.4)
    {
      wh_map_frame_set (&frame, 39.9, 116.4, 11, 256, rotation, 800, 600);
      wh_map_frame_box (&frame, 0, &min_lat, &min_lon, &max_lat, &max_lon);
      g_assert_cmpfloat (min_lat, <, 39.9);
      g_assert_cmpfloat (max_lat, >, 39.9);
      g_assert_cmpfloat (min_lon, <, 116.4);
      g_assert_cmpfloat (max_lon, >, 116.4);
      for (guint c = 0; c < G_N_ELEMENTS (corners); c++)
        {
          /* From the view back to the world: the inverse of the frame. */
          double dx = corners[c][0] - frame.half_w, dy = corners[c][1] - frame.half_h;
          double wx = (frame.cx + dx * frame.cos_r + dy * frame.sin_r) / frame.world_px;
          double wy = (frame.cy - dx * frame.sin_r + dy * frame.cos_r) / frame.world_px;
          double lat, lon;

          wh_map_unproject (wx, wy, &lat, &lon);
          g_assert_cmpfloat (lat, >=, min_lat);
          g_assert_cmpfloat (lat, <=, max_lat);
          g_assert_cmpfloat (lon, >=, min_lon);
          g_assert_cmpfloat (lon, <=, max_lon);
        }
    }
  /* A margin grows it; the world's edge bounds it. */
  {
    double a0, a1, a2, a3;

    wh_map_frame_box (&frame, 1, &a0, &a1, &a2, &a3);
    g_assert_cmpfloat (a0, <, min_lat);
    g_assert_cmpfloat (a3, >, max_lon);
  }
  wh_map_frame_set (&frame, 0, 0, 0, 256, 0, 4000, 4000);
  wh_map_frame_box (&frame, 0, &min_lat, &min_lon, &max_lat, &max_lon);
  g_assert_cmpfloat_with_epsilon (min_lon, -180, 1e-9);
  g_assert_cmpfloat_with_epsilon (max_lon, 180, 1e-9);
  g_assert_cmpfloat_with_epsilon (max_lat, WH_MAP_MAX_LAT, 1e-6);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/geo/clusters", test_clusters);
  g_test_add_func ("/geo/projection", test_projection);
  g_test_add_func ("/geo/map-fit", test_map_fit);
  g_test_add_func ("/geo/distance", test_distance);
  g_test_add_func ("/geo/frame", test_frame);
  g_test_add_func ("/geo/frame-box", test_frame_box);
  return g_test_run ();
}
