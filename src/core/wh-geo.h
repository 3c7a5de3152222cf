/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-geo.h: the maths of places: distances, the map's projection, fitting
 * a box in a view, grid clustering.
 *
 * Plain GLib (no widgets, no store), so tests and the benchmark check it
 * directly, and the store and the app both use it. Places are projected
 * with Web Mercator, as every slippy-map tile source and libshumate do, to
 * "world" coordinates in 0..1; at zoom z the world is WH_MAP_TILE_SIZE × 2^z
 * pixels wide.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  double lat;
  double lon;
} WhGeoPoint;

/* The mean Earth radius, in metres. */
#define WH_GEO_EARTH_RADIUS_M 6371008.8

/* Metres along the Earth's surface (haversine, mean Earth radius). */
double  wh_geo_distance_m   (double  lat1,
                             double  lon1,
                             double  lat2,
                             double  lon2);

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

/* World coordinates (0..1, wh_map_project) to widget coordinates, for one
 * state of a map view: made once per frame, applied to every point. */
typedef struct
{
  double world_px; /* the world's width in pixels at this zoom */
  double cx, cy;   /* the centre, in world pixels */
  double cos_r, sin_r;
  double half_w, half_h;
} WhMapFrame;

/* A view of width × height pixels centred on lat, lon at zoom (fractional),
 * tiles of tile_size pixels, turned by rotation radians. */
void    wh_map_frame_set    (WhMapFrame       *frame,
                             double            lat,
                             double            lon,
                             double            zoom,
                             double            tile_size,
                             double            rotation,
                             double            width,
                             double            height);
void    wh_map_frame_apply  (const WhMapFrame *frame,
                             double            wx,
                             double            wy,
                             double           *x,
                             double           *y);
/* The area in view, as a lat/lon box around the view's circumcircle (so a
 * rotated view is covered too), grown by margin view sizes on each side. */
void    wh_map_frame_box    (const WhMapFrame *frame,
                             double            margin,
                             double           *min_lat,
                             double           *min_lon,
                             double           *max_lat,
                             double           *max_lon);

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
