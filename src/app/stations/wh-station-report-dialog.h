/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-station-report-dialog.h: "Report a problem" with a station.
 *
 * What was chosen and typed, queued by wh_station_report_queue_async
 * (wh-stations.h).
 */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_STATION_REPORT_DIALOG (wh_station_report_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WhStationReportDialog, wh_station_report_dialog, WH,
                      STATION_REPORT_DIALOG, AdwMessageDialog)

/* Emits ::queued (no arguments) when the report is in the outbox, then
 * closes. When it cannot be saved the dialog stays open with the reason and
 * what was chosen and typed. */
WhStationReportDialog *wh_station_report_dialog_new (GtkWindow      *parent,
                                                     WhStore        *store,
                                                     const WhRecord *station);

G_END_DECLS
