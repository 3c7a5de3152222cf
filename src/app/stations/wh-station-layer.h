/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-station-layer.h: every station on the map, drawn by one layer.
 *
 * A ShumateMarker is a whole widget, and 10,000 of them stall the map (see
 * HACKING.md), so this layer draws all stations itself: the points of the
 * area around the view come from the store's R*Tree in a worker thread,
 * are grid-clustered for the zoom level there, and snapshot only places
 * the clusters' sprites (wh-map-sprite.h), moved and scaled for the frame. The query runs again only when
 * the view leaves the area fetched, the zoom level changes, or the filter
 * or the data do (wh_station_layer_reload after a sync). Taps are the view's: the
 * markers above this layer would take them from it, so the view's map
 * listens and asks wh_station_layer_pick what is under the finger.
 */
#pragma once

#include <shumate/shumate.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_STATION_LAYER (wh_station_layer_get_type ())
G_DECLARE_FINAL_TYPE (WhStationLayer, wh_station_layer, WH, STATION_LAYER, ShumateLayer)

WhStationLayer *wh_station_layer_new          (ShumateViewport       *viewport);
void            wh_station_layer_set_store    (WhStationLayer        *self,
                                               WhStore               *store);
/* Reads the stations again (they changed in the store). */
void            wh_station_layer_reload       (WhStationLayer        *self);
/* Copied; filter->status too. */
void            wh_station_layer_set_filter   (WhStationLayer        *self,
                                               const WhStationFilter *filter);
/* Stations drawn in the clusters now (after the last query finished). */
guint           wh_station_layer_get_n_points (WhStationLayer        *self);
/* Clusters drawn in the last frame. */
guint           wh_station_layer_get_n_drawn  (WhStationLayer        *self);
/* TRUE while a query is under way. */
gboolean        wh_station_layer_get_busy     (WhStationLayer        *self);
/* The cluster under widget point (x, y) within a touch target, if any. */
gboolean        wh_station_layer_pick         (WhStationLayer        *self,
                                               double                 x,
                                               double                 y,
                                               double                *lat,
                                               double                *lon,
                                               guint                 *count,
                                               gint64                *id);
/* The frame (wh-geo.h) of layer's viewport now. */
void            wh_map_frame_init             (WhMapFrame            *frame,
                                               ShumateLayer          *layer);

/* Where a place is drawn in the widget, with the viewport's centre, zoom
 * and rotation. */
void            wh_station_layer_to_widget    (ShumateLayer          *layer,
                                               double                 lat,
                                               double                 lon,
                                               double                *x,
                                               double                *y);

G_END_DECLS
