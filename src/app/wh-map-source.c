/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-map-source.c: the map tiles every map of the app draws. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-map-source.h"

#define PROJECT_URL "https://workershome.org/"

/* The tile servers' usage policies (OpenStreetMap's) ask for a User-Agent
 * naming the app and for tiles to be cached: libshumate 1.0 has one
 * process-wide User-Agent, which ShumateTileDownloader puts on its session,
 * and the downloader keeps every tile in its file cache under
 * $XDG_CACHE_HOME/shumate. */
ShumateMapSource *
wh_map_source_new (GSettings *settings)
{
  g_autofree char *url = g_settings_get_string (settings, "tile-url");
  g_autoptr(ShumateTileDownloader) downloader = shumate_tile_downloader_new (url);
  gboolean osm = strstr (url, "openstreetmap.org") != NULL;

  shumate_set_user_agent ("WorkersHome/" PACKAGE_VERSION " (+" PROJECT_URL ")");
  return SHUMATE_MAP_SOURCE (
    shumate_raster_renderer_new_full (osm ? "osm-mapnik" : "workers-home-tiles",
                                      osm ? "OpenStreetMap" : _("Map tiles"),
                                      osm ? _("© OpenStreetMap contributors") : "",
                                      osm ? "https://www.openstreetmap.org/copyright" : "",
                                      0, 19, 256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                      SHUMATE_DATA_SOURCE (downloader)));
}
