/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-station-page.h: one station: where it is and how far, whether it is
 * open now, its hours, amenities, phone and operator; Navigate (not on a
 * kiosk), Show on Map and Report a Problem.
 *
 * Signals: ::back when the worker leaves the page; ::show-on-map (double
 * lat, double lon) for the view to move its map; ::message (const char
 * *text) for a toast (a report queued, no map app). */
#pragma once

#include <adwaita.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_STATION_PAGE (wh_station_page_get_type ())
G_DECLARE_FINAL_TYPE (WhStationPage, wh_station_page, WH, STATION_PAGE, GtkWidget)

/* Shows station (copied). Its distance is from (lat, lon): the worker's
 * place when known, else the map's centre. context: the kiosk flag and the
 * store reports are queued in. */
void            wh_station_page_show        (WhStationPage  *self,
                                             WhContext      *context,
                                             const WhRecord *station,
                                             gboolean        known,
                                             double          lat,
                                             double          lon);
/* Forgets the station shown. */
void            wh_station_page_clear       (WhStationPage  *self);
/* NULL when none. */
const WhRecord *wh_station_page_get_station (WhStationPage  *self);
/* Focus on the way back, where a page just opened starts. */
void            wh_station_page_focus_back  (WhStationPage  *self);

/* "08:00–20:00", "Open 24 hours", or NULL; for the list's rows too. */
char           *wh_station_format_hours     (const WhRecord *station);
/* "Open now", "Closed now", or the status when not open. */
const char     *wh_station_format_open_now  (const WhRecord *station);

G_END_DECLS
