/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-app-sync.h: the sync engine as the window shows it.
 *
 * Owns the WhApi and WhSync of the app, runs them on the main context,
 * feeds the sync status indicator and the first-run page, turns errors
 * into toasts with a Retry button, and re-syncs on the interval from
 * GSettings and when the network comes back. */
#pragma once

#include <gio/gio.h>

#include "wh-store.h"
#include "wh-window.h"

G_BEGIN_DECLS

#define WH_TYPE_APP_SYNC (wh_app_sync_get_type ())
G_DECLARE_FINAL_TYPE (WhAppSync, wh_app_sync, WH, APP_SYNC, GObject)

WhAppSync *wh_app_sync_new    (WhStore    *store,
                               const char *base_url,
                               gboolean    allow_insecure,
                               GError    **error);
/* Shows the sync in the window and starts background syncing. */
void       wh_app_sync_attach (WhAppSync  *self,
                               WhWindow   *window,
                               GSettings  *settings);
/* The client of the backend, shared with the views (sign-in, claims). */
WhApi     *wh_app_sync_get_api (WhAppSync *self);
/* Starts a sync unless one is running. */
void       wh_app_sync_run    (WhAppSync  *self);

G_END_DECLS
