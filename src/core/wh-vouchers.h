/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-vouchers.h: love-meal vouchers on the client: the claim protocol and
 * the worker's personal love-meal data in the store. No GTK: the app's meals
 * view and the tests drive it.
 *
 * A claim, as the contract wants it (data/api/CONTRACT.md):
 *  1. its Idempotency-Key (wh-idempotency.h) is written to the store before
 *     the request leaves, one per merchant and service day: a lost answer, a
 *     crash or a second tap and the next try sends the same key, so the
 *     server returns the first voucher, never a second one;
 *  2. POST /vouchers with that key;
 *  3. the answer decides what happens to the key:
 *     - a voucher: it is stored and the claim ended in one transaction;
 *     - no answer, or a transient refusal (wh_api_error_is_transient), or
 *       401, or a cancellation: the key stays for the next try;
 *     - any other refusal (quota, serving hours, one a day, eligibility...)
 *       is definite: the claim ends and the key is forgotten.
 * Store writes wait for the store's single writer (a sync may hold it for
 * a page), so every write here runs in a worker thread. */
#pragma once

#include <gio/gio.h>

#include "wh-api.h"
#include "wh-store.h"

G_BEGIN_DECLS

/* Claims a meal at merchant_id for today (wh_api_service_day) through api,
 * keeping its Idempotency-Key in store as above. The callback runs on the
 * caller's thread-default context once the outcome is on disk. */
void      wh_vouchers_claim_async          (WhStore            *store,
                                            WhApi              *api,
                                            gint64              merchant_id,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
/* The voucher (even if storing it failed: the server has it too, and the
 * failure is logged), or NULL and the WhApiError of the refusal;
 * G_IO_ERROR_CANCELLED also when api lost its token before the request left. */
WhRecord *wh_vouchers_claim_finish         (GAsyncResult       *result,
                                            GError            **error);

/* GET /vouchers, then the server's list replaces the stored one. */
void      wh_vouchers_refresh_async        (WhStore            *store,
                                            WhApi              *api,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean  wh_vouchers_refresh_finish       (GAsyncResult       *result,
                                            GError            **error);

/* Stores the signed-in worker (NULL forgets it), in a worker thread. */
void      wh_vouchers_save_me_async        (WhStore            *store,
                                            const WhRecord     *me,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean  wh_vouchers_save_me_finish       (GAsyncResult       *result,
                                            GError            **error);

/* wh_store_forget_signed_in in a worker thread: the worker, the vouchers
 * and pending claims go. */
void      wh_vouchers_forget_async         (WhStore            *store,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean  wh_vouchers_forget_finish        (GAsyncResult       *result,
                                            GError            **error);

/* "unused", "redeemed" or "expired", as the worker should see it on
 * today (YYYY-MM-DD, the service day): an unused voucher of a day that is
 * over is expired even before the server says so. */
const char     *wh_voucher_get_status      (const WhRecord     *voucher,
                                            const char         *today);
/* The voucher of day in vouchers (WhRecord*), or NULL. */
const WhRecord *wh_vouchers_find_day       (GPtrArray          *vouchers,
                                            const char         *day);

G_END_DECLS
