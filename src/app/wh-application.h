/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_APPLICATION (wh_application_get_type ())
G_DECLARE_FINAL_TYPE (WhApplication, wh_application, WH, APPLICATION, AdwApplication)

WhApplication *wh_application_new       (void);
/* NULL until the cache is open. */
WhStore       *wh_application_get_store (WhApplication *self);
/* Syncs now, unless a sync is running already. */
void           wh_application_sync_now  (WhApplication *self);

G_END_DECLS
