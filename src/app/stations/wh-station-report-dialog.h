/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-station-report-dialog.h: "Report a problem" with a station.
 *
 * The report is a personal write: it goes to the outbox and reaches the
 * server with the next sync that has a token, so it is never lost offline.
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

/* A station_reports record: a new report_id, reported_at now (local time).
 * problem: "no_hot_water", "closed", "broken_charger" or "other". */
WhRecord *wh_station_report_new   (gint64          station_id,
                                   const char     *problem,
                                   const char     *comment);
/* Builds the report and queues it through the outbox. */
gboolean  wh_station_report_queue (WhStore        *store,
                                   gint64          station_id,
                                   const char     *problem,
                                   const char     *comment,
                                   GError        **error);

G_END_DECLS
