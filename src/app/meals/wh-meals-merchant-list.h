/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-merchant-list.h: the love-meal merchants on the meals view's
 * home page: a search, a "Serving now" choice, a small map and up to 30
 * merchants, those serving now with meals left first, then the nearest (or
 * by name), each with today's quota and a Claim button, which sleeps with
 * its reason beside it when a claim would be refused (not serving now, all
 * claimed, the worker not eligible). It reads the store's cache and keeps
 * the merchants fresh through the sync engine; claiming is the view's.
 *
 * ::claim (const WhRecord *merchant): a Claim button was pressed. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_MEALS_MERCHANT_LIST (wh_meals_merchant_list_get_type ())
G_DECLARE_FINAL_TYPE (WhMealsMerchantList, wh_meals_merchant_list, WH, MEALS_MERCHANT_LIST,
                      GtkWidget)

/* Where the worker is and whether this is a kiosk, from context; the store
 * to read and the API to refresh from (either may be NULL). Setting them
 * reloads nothing: call reload. */
void            wh_meals_merchant_list_set_context  (WhMealsMerchantList *self,
                                                     WhContext           *context);
void            wh_meals_merchant_list_set_store    (WhMealsMerchantList *self,
                                                     WhStore             *store);
void            wh_meals_merchant_list_set_api      (WhMealsMerchantList *self,
                                                     WhApi               *api);
/* Reads the merchants again from the store (the search, the location). */
void            wh_meals_merchant_list_reload       (WhMealsMerchantList *self);
/* Today's quotas change by the minute: fetches the merchants feed (only it)
 * through the sync engine, then reloads. */
void            wh_meals_merchant_list_refresh      (WhMealsMerchantList *self);
/* The merchant of the claim in flight, 0 when none: every Claim button
 * waits while one is. */
void            wh_meals_merchant_list_set_claiming (WhMealsMerchantList *self,
                                                     gint64               merchant_id);
/* FALSE: the signed-in worker may not claim (not eligible), and every
 * Claim button says so. TRUE at first (nobody signed in yet). */
void            wh_meals_merchant_list_set_eligible (WhMealsMerchantList *self,
                                                     gboolean             eligible);
/* The moment "now" is for serving windows (a test's set clock; NULL: the
 * real time, in China Standard Time like the server's day). Reloads. */
void            wh_meals_merchant_list_set_clock    (WhMealsMerchantList *self,
                                                     GDateTime           *now);
/* Whether one of the merchant's windows holds the minute now, by that clock. */
gboolean        wh_meals_merchant_list_is_serving   (WhMealsMerchantList *self,
                                                     const WhRecord      *merchant);
/* The merchant of the row widget is in, or 0. */
gint64          wh_meals_merchant_list_merchant_at  (WhMealsMerchantList *self,
                                                     GtkWidget           *widget);
/* Focuses merchant_id's Claim button, or its row when the button cannot be
 * pressed; FALSE when it is not listed. For Back, after the rows were made
 * again. */
gboolean        wh_meals_merchant_list_focus_merchant (WhMealsMerchantList *self,
                                                       gint64               merchant_id);
/* The merchant shown with that id, or NULL. */
const WhRecord *wh_meals_merchant_list_find         (WhMealsMerchantList *self,
                                                     gint64               merchant_id);
GtkEditable    *wh_meals_merchant_list_get_search   (WhMealsMerchantList *self);
/* Where the map is: pane, a box beside the list (a wide window, the kiosk
 * on a landscape screen), where it fills the pane's height and the pane is
 * shown while the map is; NULL: in the list, above the merchants. */
void            wh_meals_merchant_list_set_map_pane (WhMealsMerchantList *self,
                                                     GtkBox              *pane);

G_END_DECLS
