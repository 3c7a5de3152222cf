/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-view.h: the love-meal service (implements WhServicePage).
 *
 * Sign-in with a phone number and a one-time code, the worker's eligibility,
 * merchants near the worker with today's quota, claiming a voucher (one tap
 * and a confirmation, an Idempotency-Key kept in the store until the answer
 * is definite), and the voucher's QR code, shown offline once claimed. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_MEALS_VIEW (wh_meals_view_get_type ())
G_DECLARE_FINAL_TYPE (WhMealsView, wh_meals_view, WH, MEALS_VIEW, GtkWidget)

/* The entries a touch keypad may type into (the kiosk has no on-screen
 * keyboard): the phone number (input-purpose PHONE) and the one-time code
 * (input-purpose DIGITS). Plain GtkEntry widgets owned by the view. */
GtkEntry   *wh_meals_view_get_phone_entry  (WhMealsView *self);
GtkEntry   *wh_meals_view_get_code_entry   (WhMealsView *self);
/* The one of those two that has the focus, or NULL. */
GtkEntry   *wh_meals_view_get_keypad_entry (WhMealsView *self);

/* The name of the page shown: "home", "sign-in", "voucher", "history". */
const char *wh_meals_view_get_page         (WhMealsView *self);

G_END_DECLS
