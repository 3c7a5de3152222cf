/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-kiosk.h: what turns the main window into a union station's kiosk.
 *
 * Fullscreen; close requests refused and quit, preferences, inspector and
 * menu keys swallowed; a touch keypad under any entry for digits and a letter
 * keypad under a search entry (wh-kiosk-touch.h: no desktop menus, emoji or
 * mnemonics); the kiosk's
 * station as the origin of distances; and an idle timeout that counts down,
 * then resets: every page back to its start, other windows closed, signed
 * out, and the personal tables wiped from the cache (and from the keyring,
 * where a kiosk never puts a token in the first place). The window owns it. */
#pragma once

#include <adwaita.h>

#include "wh-context.h"
#include "wh-keypad.h"
#include "wh-kiosk-home.h"
#include "wh-kiosk-idle.h"

G_BEGIN_DECLS

#define WH_TYPE_KIOSK (wh_kiosk_get_type ())
G_DECLARE_FINAL_TYPE (WhKiosk, wh_kiosk, WH, KIOSK, GObject)

/* window: the main window, whose content gains the keypad and countdown;
 * home: the Home page in it. The kiosk never drives the window's pages: it
 * emits ::open-service (a Home tile) and ::reset-pages (the session ends),
 * and the window shows and resets its pages. */
WhKiosk     *wh_kiosk_new        (AdwApplicationWindow *window,
                                  WhKioskHome          *home,
                                  WhContext            *context);
/* Ends the session now, as the idle timeout does (and the Home button):
 * emits ::reset-done once the cache and the keyring are wiped. */
void         wh_kiosk_reset      (WhKiosk   *self);
gboolean     wh_kiosk_is_resetting (WhKiosk *self);
WhKioskIdle *wh_kiosk_get_idle   (WhKiosk   *self);
WhKeypad    *wh_kiosk_get_keypad (WhKiosk   *self);
WhKeypad    *wh_kiosk_get_letter_keypad (WhKiosk *self);
/* Whether the digit keypad is shown (for the focused entry). */
gboolean     wh_kiosk_get_keypad_visible (WhKiosk *self);
/* Whether the letter keypad is shown (for the focused search entry). */
gboolean     wh_kiosk_get_letter_keypad_visible (WhKiosk *self);
/* Whether the idle countdown covers the window. */
gboolean     wh_kiosk_get_countdown_visible (WhKiosk *self);

G_END_DECLS
