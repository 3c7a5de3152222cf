/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-location.h: where the worker is, from the system's location service.
 *
 * One per app, owned by WhContext and started with the app (never on a
 * kiosk: its place is its own station), so every service knows the place
 * from the start, not only once the stations page was opened. GeoClue asks
 * the worker's permission through the desktop's agent; a refusal, or no
 * location service at all (a container, Xvfb), leaves it without a fix and
 * the place set in preferences stays the origin of distances. Without
 * libgeoclue at build time it never has a fix.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WH_TYPE_LOCATION (wh_location_get_type ())
G_DECLARE_FINAL_TYPE (WhLocation, wh_location, WH, LOCATION, GObject)

WhLocation *wh_location_new         (void);
/* Asks the location service once, city accuracy; later calls do nothing. */
void        wh_location_start       (WhLocation *self);
gboolean    wh_location_get_started (WhLocation *self);
/* The last fix; FALSE (lat, lon untouched) before the first. */
gboolean    wh_location_get_fix     (WhLocation *self,
                                     double     *lat,
                                     double     *lon);
/* A new fix, as the location service gives one (and tests): emits
 * notify::fix. Out of range: ignored. */
void        wh_location_set_fix     (WhLocation *self,
                                     double      lat,
                                     double      lon);

G_END_DECLS
