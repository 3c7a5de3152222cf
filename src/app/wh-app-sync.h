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

/* base_url: the backend for this run (the command line, the demo); NULL:
 * the backend-url setting, followed as it changes (none while it is
 * empty: the window says so and offers to set one up). */
WhAppSync *wh_app_sync_new    (WhStore    *store,
                               const char *base_url,
                               gboolean    allow_insecure,
                               GError    **error);
/* Shows the sync in the window and starts background syncing. */
void       wh_app_sync_attach (WhAppSync  *self,
                               WhWindow   *window,
                               GSettings  *settings);
/* The client of the backend, shared with the views (sign-in, claims), or
 * NULL without one; notify::api when it changes. */
WhApi     *wh_app_sync_get_api (WhAppSync *self);
/* Starts a sync unless one is running; without a backend, says so. */
void       wh_app_sync_run    (WhAppSync  *self);
/* The cache was emptied: reads it again (the first-run page) and syncs. */
void       wh_app_sync_reload (WhAppSync  *self);

G_END_DECLS
