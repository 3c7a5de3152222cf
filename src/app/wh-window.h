/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wh-context.h"
#include "wh-sync-status.h"

G_BEGIN_DECLS

#define WH_TYPE_WINDOW (wh_window_get_type ())
G_DECLARE_FINAL_TYPE (WhWindow, wh_window, WH, WINDOW, AdwApplicationWindow)

typedef struct _WhKiosk WhKiosk;

WhWindow     *wh_window_new              (AdwApplication *application);
/* Hands the shared context to the four service pages; with the context's
 * kiosk flag, makes this window a kiosk (see kiosk/wh-kiosk.h). */
void          wh_window_set_context      (WhWindow       *self,
                                          WhContext      *context);
/* The page of "courses", "jobs", "stations" or "meals" (a WhServicePage),
 * or "home" (the kiosk's WhKioskHome). */
GtkWidget    *wh_window_get_page         (WhWindow       *self,
                                          const char     *name);
/* The first sync of an empty cache shows a progress page instead of empty
 * lists; fraction < 0 pulses. */
void          wh_window_show_first_run   (WhWindow       *self,
                                          gboolean        show,
                                          double          fraction,
                                          const char     *detail);
void          wh_window_first_run_failed (WhWindow       *self,
                                          const char     *message);
/* No union server is set: with nothing cached (empty), a page that says so
 * with a button to set one up (on a kiosk: to tell the staff); otherwise
 * the services with what is saved. */
void          wh_window_show_no_backend  (WhWindow       *self,
                                          gboolean        empty);
/* While the cache is read at start: a blank page, until the first-run page
 * or the services are shown. */
void          wh_window_show_loading     (WhWindow       *self);
/* A toast; with retry, a "Retry" button that syncs again. */
void          wh_window_toast            (WhWindow       *self,
                                          const char     *message,
                                          gboolean        retry);
/* How long toasts stay, in seconds (default 0: 5 s, 10 s with Retry);
 * G_MAXUINT keeps each until it is dismissed. For a person who reads slowly,
 * and for tests that read toasts through AT-SPI on a loaded machine. */
void          wh_window_set_toast_timeout (WhWindow      *self,
                                           guint          seconds);
WhSyncStatus *wh_window_get_sync_status  (WhWindow       *self);
/* "courses", "jobs", "stations" or "meals". */
void          wh_window_show_view        (WhWindow       *self,
                                          const char     *name);
const char   *wh_window_get_visible_view (WhWindow       *self);
/* The kiosk behaviour, or NULL on a desktop. */
WhKiosk      *wh_window_get_kiosk        (WhWindow       *self);

G_END_DECLS
