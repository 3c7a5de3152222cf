/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-sign-in-page.h: signing in to love meals with a phone number and
 * a one-time code sent by text message. The page asks for the code (and
 * holds the button while the server says to wait), signs in, and hands the
 * worker and the token to whoever listens to ::signed-in; what it means to
 * be signed in is the meals view's business. Its Back button activates
 * "meals.back". */
#pragma once

#include <gtk/gtk.h>

#include "wh-api.h"

G_BEGIN_DECLS

#define WH_TYPE_MEALS_SIGN_IN_PAGE (wh_meals_sign_in_page_get_type ())
G_DECLARE_FINAL_TYPE (WhMealsSignInPage, wh_meals_sign_in_page, WH, MEALS_SIGN_IN_PAGE, GtkWidget)

/* The API client to sign in with; NULL: the page says no server is set up.
 *
 * ::signed-in (const WhRecord *me, char *token): the worker (wh_collection_me)
 * and the bearer token, which the page wipes from memory once the handlers
 * returned (copy it to keep it). */
void      wh_meals_sign_in_page_set_api          (WhMealsSignInPage *self,
                                                  WhApi             *api);
/* The phone number entry (input-purpose PHONE) and the one-time code entry
 * (input-purpose DIGITS): a kiosk's keypad types into them. */
GtkEntry *wh_meals_sign_in_page_get_phone_entry  (WhMealsSignInPage *self);
GtkEntry *wh_meals_sign_in_page_get_code_entry   (WhMealsSignInPage *self);
/* The one of those two that has the focus, or NULL. */
GtkEntry *wh_meals_sign_in_page_get_keypad_entry (WhMealsSignInPage *self);
/* The line under the form: NULL clears it; an error is styled as one. */
void      wh_meals_sign_in_page_set_status       (WhMealsSignInPage *self,
                                                  const char        *text,
                                                  gboolean           is_error);
/* Forgets what was typed and the status. */
void      wh_meals_sign_in_page_reset            (WhMealsSignInPage *self);
/* Drops a sign-in in flight (sign-out): ::signed-in will not follow. */
void      wh_meals_sign_in_page_cancel           (WhMealsSignInPage *self);

G_END_DECLS
