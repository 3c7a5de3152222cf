/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-map-source.h: the map tiles every map of the app draws, from the
 * "tile-url" setting (an administrator points kiosks at a tile server of
 * their own; the default is OpenStreetMap's).
 */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

/* A new raster source of tiles from the setting's URL template, downloaded
 * under the app's User-Agent and kept in libshumate's file cache. Its
 * licence names OpenStreetMap's contributors when the tiles are theirs. */
ShumateMapSource *wh_map_source_new (GSettings *settings);

G_END_DECLS
