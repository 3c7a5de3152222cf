/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_PREFERENCES_WINDOW (wh_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (WhPreferencesWindow, wh_preferences_window, WH, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* store may be NULL while the cache is still opening. */
WhPreferencesWindow *wh_preferences_window_new (GSettings *settings,
                                                WhStore   *store);
/* http(s) URL checks shared with the command line: https anywhere, plain
 * http only to loopback unless allow_insecure. */
gboolean             wh_preferences_check_backend_url (const char *url,
                                                       gboolean    allow_insecure,
                                                       GError    **error);

G_END_DECLS
