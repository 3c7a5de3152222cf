/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-station-clusters.h: the map's projection and grid clustering.
 *
 * Plain GLib (no widgets), so tests and the benchmark check it directly.
 * Places are projected with Web Mercator, as every slippy-map tile source
 * and libshumate do, to "world" coordinates in 0..1; at zoom z the world is
 * WH_MAP_TILE_SIZE × 2^z pixels wide.
 */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_MAP_TILE_SIZE 256.0
/* Web Mercator stops here: tiles do not cover the poles. */
#define WH_MAP_MAX_LAT 85.05112878

void    wh_map_project      (double  lat,
                             double  lon,
                             double *x,
                             double *y);
void    wh_map_unproject    (double  x,
                             double  y,
                             double *lat,
                             double *lon);

/* The centre and the whole zoom level (within min_zoom..max_zoom) at which
 * a width × height pixel map shows the box south..north, west..east with a
 * quarter of it spare on each side. */
void    wh_map_fit          (double  south,
                             double  west,
                             double  north,
                             double  east,
                             double  width,
                             double  height,
                             double  min_zoom,
                             double  max_zoom,
                             double *lat,
                             double *lon,
                             double *zoom);

typedef struct
{
  double x;      /* world coordinates (0..1) of the mean of its points */
  double y;
  double lat;    /* the same place */
  double lon;
  guint  count;  /* points in it, >= 1 */
  gint64 id;     /* the point's id when count is 1, else the smallest id */
} WhStationCluster;

/* Groups points into square cells of cell_px pixels at zoom (grid
 * clustering, the same grid for a whole zoom level, so a pan never moves a
 * point into another cluster). Every point lands in exactly one cluster;
 * assignment (n_points entries, may be NULL) receives its cluster's index.
 * Clusters come in the order of their first point. */
GArray *wh_station_cluster  (const WhGeoPoint *points,
                             guint             n_points,
                             int               zoom,
                             double            cell_px,
                             guint            *assignment);

G_END_DECLS
