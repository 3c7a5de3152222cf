/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-map-backdrop.h: what the map shows where no tile is.
 *
 * Lies under the tile layer: a plain background with city names written at
 * their stations' centre, so with no network and no cached tiles a worker
 * still knows where the stations drawn on top are. Tiles, when they come,
 * cover it.
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define WH_TYPE_MAP_BACKDROP (wh_map_backdrop_get_type ())
G_DECLARE_FINAL_TYPE (WhMapBackdrop, wh_map_backdrop, WH, MAP_BACKDROP, ShumateLayer)

WhMapBackdrop *wh_map_backdrop_new        (ShumateViewport *viewport);
/* cities: WhCityCentre*, most important first (they win where names
 * would overlap); referenced. */
void           wh_map_backdrop_set_cities (WhMapBackdrop   *self,
                                           GPtrArray       *cities);
/* Names in the picture drawn last (the view and a margin). */
guint          wh_map_backdrop_get_n_drawn (WhMapBackdrop  *self);

G_END_DECLS
