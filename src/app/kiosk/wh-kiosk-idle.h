/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-kiosk-idle.h: notices when nobody has touched the kiosk for a while.
 *
 * Every press, touch, key, scroll or pointer move on a watched window counts
 * as activity. Once armed by activity, warning_ms before the timeout it
 * emits ::warning each second with the seconds left, ::activity if someone
 * touches the screen during the warning, and ::timeout at the end, after
 * which it stays quiet until the next activity: a kiosk nobody used is not
 * reset again and again. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_KIOSK_IDLE (wh_kiosk_idle_get_type ())
G_DECLARE_FINAL_TYPE (WhKioskIdle, wh_kiosk_idle, WH, KIOSK_IDLE, GObject)

WhKioskIdle *wh_kiosk_idle_new         (guint        timeout_ms,
                                        guint        warning_ms);
/* warning_ms is cut to timeout_ms / 2 when longer. */
void         wh_kiosk_idle_set_timeout (WhKioskIdle *self,
                                        guint        timeout_ms,
                                        guint        warning_ms);
/* Adds a capture-phase controller to the window (once per window). */
void         wh_kiosk_idle_watch       (WhKioskIdle *self,
                                        GtkWindow   *window);
/* Counts as activity, e.g. a button the app pressed for the person. */
void         wh_kiosk_idle_poke        (WhKioskIdle *self);
gboolean     wh_kiosk_idle_get_warning (WhKioskIdle *self);

G_END_DECLS
