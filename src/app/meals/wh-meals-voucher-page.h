/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-voucher-page.h: one love-meal voucher as shown at the counter:
 * its QR code (only while it can be used), the 12 digits to read out, the
 * merchant and until when it is valid. Works offline: it shows what it is
 * given. Its Back button activates "meals.back".
 *
 * On a kiosk, which forgets the worker when they walk away, an unused
 * voucher can leave with them: printed as a slip (wh-voucher-slip.h) or its
 * code texted to their phone by the backend. ::message (a string) carries
 * what to tell the worker; the view shows it as a toast. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"
#include "wh-record.h"

G_BEGIN_DECLS

#define WH_TYPE_MEALS_VOUCHER_PAGE (wh_meals_voucher_page_get_type ())
G_DECLARE_FINAL_TYPE (WhMealsVoucherPage, wh_meals_voucher_page, WH, MEALS_VOUCHER_PAGE, GtkWidget)

/* Shows a copy of voucher (wh_collection_vouchers); NULL clears the code
 * and the QR code. */
void            wh_meals_voucher_page_set_voucher (WhMealsVoucherPage *self,
                                                   const WhRecord     *voucher);
/* Where the page is (a kiosk or not) and the backend to text through. */
void            wh_meals_voucher_page_set_context (WhMealsVoucherPage *self,
                                                   WhContext          *context);
/* The voucher shown, or NULL. */
const WhRecord *wh_meals_voucher_page_get_voucher (WhMealsVoucherPage *self);

G_END_DECLS
