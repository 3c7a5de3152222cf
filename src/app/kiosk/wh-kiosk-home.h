/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-kiosk-home.h: the kiosk's Home: where the kiosk is, and four big tiles
 * that open a service on a topic chosen by touch (a course category, a job
 * category, the nearest stations or merchants), so nobody has to type.
 * Staff choose the kiosk's station there with their PIN
 * (WhKioskStationChooser), which writes the kiosk-station-id setting.
 * In care mode (the context's care-mode, switched here too) Home is four
 * big buttons, one per service; a desktop shows that Home in care mode. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"
#include "wh-record.h"

G_BEGIN_DECLS

#define WH_TYPE_KIOSK_HOME (wh_kiosk_home_get_type ())
G_DECLARE_FINAL_TYPE (WhKioskHome, wh_kiosk_home, WH, KIOSK_HOME, GtkWidget)

void wh_kiosk_home_set_context (WhKioskHome    *self,
                                WhContext      *context);
/* station: the kiosk's station, or NULL when station_id is 0 (not chosen)
 * or the station is not in the cache yet. */
void wh_kiosk_home_set_station (WhKioskHome    *self,
                                gint64          station_id,
                                const WhRecord *station);
/* Back to the tiles, nothing chosen. */
void wh_kiosk_home_reset       (WhKioskHome    *self);

G_END_DECLS
