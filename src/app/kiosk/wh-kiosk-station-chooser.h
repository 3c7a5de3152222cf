/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-kiosk-station-chooser.h: how staff set the kiosk's own station.
 *
 * The staff PIN first (its crypt(3) hash is the kiosk-staff-pin setting,
 * locked by the administrator; with none set the choice is refused, saying
 * how to set one), then the district (the city first where the cache holds
 * several), then the station, each with its address; a search (name,
 * address, pinyin or initials) finds a station across the city. Emits
 * ::chosen with the station's id, or ::cancel. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_KIOSK_STATION_CHOOSER (wh_kiosk_station_chooser_get_type ())
G_DECLARE_FINAL_TYPE (WhKioskStationChooser, wh_kiosk_station_chooser, WH, KIOSK_STATION_CHOOSER,
                      GtkWidget)

/* Starts over at the PIN, reading the store and settings of context. */
void     wh_kiosk_station_chooser_start (WhKioskStationChooser *self,
                                         WhContext             *context);
/* Forgets the PIN and what was shown (the kiosk's reset). */
void     wh_kiosk_station_chooser_reset (WhKioskStationChooser *self);
/* Whether a PIN is set that a choice can be unlocked with. */
gboolean wh_kiosk_station_chooser_has_pin (WhContext           *context);

G_END_DECLS
