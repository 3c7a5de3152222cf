/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-kiosk-touch.h: what turns desktop widgets into touch-screen widgets
 * for a kiosk, whatever page built them and whenever.
 *
 * A kiosk has no keyboard: no mnemonics (a Chinese label's "(_P)" would
 * show as "(P)"), and no desktop menus: a right-click anywhere and a
 * touch on a text entry (GtkText's touch bubble offers Paste and Insert
 * Emoji) are taken before the widgets see them, a touch on an entry only
 * focuses it, and no entry offers emoji. It acts on every widget as it is
 * mapped (an emission hook on GtkWidget::map) in the windows given to
 * wh_kiosk_touch_watch, for as long as the object lives. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_KIOSK_TOUCH (wh_kiosk_touch_get_type ())
G_DECLARE_FINAL_TYPE (WhKioskTouch, wh_kiosk_touch, WH, KIOSK_TOUCH, GObject)

WhKioskTouch *wh_kiosk_touch_new            (void);
/* Makes window and every widget mapped in it fit for touch. */
void          wh_kiosk_touch_watch          (WhKioskTouch *self,
                                             GtkWindow    *window);
/* text without its mnemonic: "_Search" gives "Search", "搜索(_S)" gives
 * "搜索", "Save __As" gives "Save _As". */
char         *wh_kiosk_touch_strip_mnemonic (const char   *text);

G_END_DECLS
