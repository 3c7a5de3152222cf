/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-stations-view.h: the outdoor-worker stations service (implements WhServicePage). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_STATIONS_VIEW (wh_stations_view_get_type ())
G_DECLARE_FINAL_TYPE (WhStationsView, wh_stations_view, WH, STATIONS_VIEW, GtkWidget)

G_END_DECLS
