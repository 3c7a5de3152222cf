/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter-window.h: workers-home --counter, a merchant's counter on a
 * small screen or a tablet. A USB scanner types a voucher's payload and
 * Enter into its entry (or staff type the 12 digits); the window says
 * "accepted" or why not in big plain text, lists today's redemptions and
 * whether each is uploaded, pairs the counter, and syncs on a button, at
 * start and every minute. Everything it does is src/core/wh-counter.h, off
 * the main thread. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WH_TYPE_COUNTER_WINDOW (wh_counter_window_get_type ())
G_DECLARE_FINAL_TYPE (WhCounterWindow, wh_counter_window, WH, COUNTER_WINDOW, AdwApplicationWindow)

/* path: the counter's database; server: the backend to pair with and sync
 * against (NULL: the one it was paired with). */
WhCounterWindow *wh_counter_window_new          (GtkApplication  *app,
                                                 const char      *path,
                                                 const char      *server);
/* The last verdict shown ("" before any) and whether it accepted: for tests. */
const char      *wh_counter_window_get_result   (WhCounterWindow *self,
                                                 gboolean        *accepted);
/* Number of redemptions listed, and of them uploaded: for tests. */
guint            wh_counter_window_count_listed (WhCounterWindow *self,
                                                 guint           *uploaded);
/* The camera's video source as a gst-launch description ("filesrc
 * location=v.png ! pngdec ! imagefreeze"), before the camera is first
 * turned on: for tests. NULL: the system's first camera. */
void             wh_counter_window_set_camera_source (WhCounterWindow *self,
                                                      const char      *description);
/* The page shown: "loading", "pair" or "counter". */
const char      *wh_counter_window_get_page     (WhCounterWindow *self);

G_END_DECLS
