/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-context.h: what every service view shares, handed down by the window.
 *
 * The store arrives once the cache is open (off the main thread), the API
 * client once a backend is known; both may be NULL for a while, and views
 * follow notify::store and notify::api. The location is the origin of
 * distances: a place set in preferences, the location service (the newer
 * of the two), or in kiosk mode the kiosk's own station. */
#pragma once

#include <gio/gio.h>

#include "wh-api.h"
#include "wh-location.h"
#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_CONTEXT (wh_context_get_type ())
G_DECLARE_FINAL_TYPE (WhContext, wh_context, WH, CONTEXT, GObject)

WhContext *wh_context_new          (GSettings  *settings,
                                    gboolean    kiosk);
GSettings *wh_context_get_settings (WhContext  *self);
gboolean   wh_context_get_kiosk    (WhContext  *self);
/* Care mode (关怀模式): the care-mode setting on a desktop; on a kiosk, for
 * the session only. notify::care-mode follows. */
gboolean   wh_context_get_care_mode (WhContext *self);
void       wh_context_set_care_mode (WhContext *self,
                                     gboolean   care_mode);

WhStore   *wh_context_get_store    (WhContext  *self);
void       wh_context_set_store    (WhContext  *self,
                                    WhStore    *store);
WhApi     *wh_context_get_api      (WhContext  *self);
void       wh_context_set_api      (WhContext  *self,
                                    WhApi      *api);

/* The location service, made with the context; its fixes become the
 * context's location. */
WhLocation *wh_context_get_location_service (WhContext *self);
/* Starts the location service, once the app starts; nothing on a kiosk. */
void       wh_context_start_location (WhContext  *self);

/* FALSE when no origin is known; then lat/lon are left alone. */
gboolean   wh_context_get_location (WhContext  *self,
                                    double     *lat,
                                    double     *lon);
/* Emits notify::location. valid = FALSE forgets the location. */
void       wh_context_set_location (WhContext  *self,
                                    double      lat,
                                    double      lon,
                                    gboolean    valid);

G_END_DECLS
