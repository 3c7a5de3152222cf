/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-keypad.h: a touch keypad for digits or letters, for a kiosk with no
 * keyboard.
 *
 * Large keys that type into a target GtkEditable without taking the focus
 * from it, so the entry keeps its cursor and a hardware keyboard still
 * works beside the keypad: twelve for digits (0-9, Delete, OK), or the
 * letters a-z with Delete, Clear and Search, for searching by pinyin and
 * its initials. Every key emits ::pressed; OK (Search) activates the
 * target (as Enter would) and emits ::done. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_KEYPAD (wh_keypad_get_type ())
G_DECLARE_FINAL_TYPE (WhKeypad, wh_keypad, WH, KEYPAD, GtkWidget)

GtkWidget   *wh_keypad_new        (void);
GtkWidget   *wh_keypad_new_letters (void);
/* The editable the keys type into (a weak reference); NULL for none. */
void         wh_keypad_set_target (WhKeypad    *self,
                                   GtkEditable *target);
GtkEditable *wh_keypad_get_target (WhKeypad    *self);
/* What a key does, as if it were pressed: "0".."9", "a".."z" (typed in
 * lower case), "delete", "clear", "ok" or "search". */
void         wh_keypad_press      (WhKeypad    *self,
                                   const char  *key);

/* Whether an editable is for digits (input-purpose PHONE, DIGITS, NUMBER
 * or PIN), so a kiosk shows the keypad for it. */
gboolean     wh_keypad_wants      (GtkWidget   *widget);
/* Whether an editable is a search entry (or its text), which a kiosk
 * serves with the letter keypad. */
gboolean     wh_keypad_wants_letters (GtkWidget *widget);

G_END_DECLS
