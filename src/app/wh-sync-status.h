/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-sync-status.h: the quiet indicator of how fresh the saved data is.
 * A button in the header bar: pressing it syncs now (app.sync). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  WH_SYNC_STATUS_IDLE,    /* synced before (or never: last_synced 0) */
  WH_SYNC_STATUS_SYNCING, /* fraction in 0..1, or < 0 when unknown */
  WH_SYNC_STATUS_OFFLINE, /* the last attempt found no network or server */
  WH_SYNC_STATUS_ERROR,   /* the last attempt failed otherwise */
  WH_SYNC_STATUS_NO_BACKEND, /* no union server is set: nothing to sync with */
} WhSyncStatusState;

#define WH_TYPE_SYNC_STATUS (wh_sync_status_get_type ())
G_DECLARE_FINAL_TYPE (WhSyncStatus, wh_sync_status, WH, SYNC_STATUS, GtkWidget)

void        wh_sync_status_update     (WhSyncStatus      *self,
                                       WhSyncStatusState  state,
                                       double             fraction,
                                       gint64             last_synced_unix);
/* What the indicator says now, for tests and the accessible label. */
const char *wh_sync_status_get_text   (WhSyncStatus      *self);
/* Icon only, for a narrow window; the text stays in the tooltip and the
 * accessible label. */
void        wh_sync_status_set_compact (WhSyncStatus     *self,
                                        gboolean          compact);
gboolean    wh_sync_status_get_compact (WhSyncStatus     *self);
/* "10:32", "yesterday 18:05", "20 Nov" */
char       *wh_sync_status_format_time (gint64            unix_time,
                                        gint64            now_unix);

G_END_DECLS
