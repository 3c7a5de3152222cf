/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter.h: a merchant's counter, which checks love-meal vouchers with
 * no network and uploads what it redeemed when it is online.
 *
 * Its state is its own SQLite database (not the worker's cache): the
 * pairing (server, counter id, merchant; its token is in the keyring,
 * wh-token.h), the published public keys,
 * the day's vouchers of its merchant (for the 12-digit codes), the
 * redemptions it recorded and the conflicts the server reported. The
 * database is in WAL mode with synchronous=FULL and a redemption is
 * committed before wh_counter_redeem says "accepted": a crash or a power
 * cut at any moment loses no accepted redemption, and none is recorded
 * twice (UNIQUE voucher_id). Every call is safe from any thread; the
 * database calls block, so the app makes them in a worker thread (the
 * _async forms, or its own GTask).
 *
 * Uploads are an outbox: each redemption has its own id, sent until the
 * server gives a result for it, and the server's answer to a repeat is the
 * first one (data/api/CONTRACT.md, "Counters"). */
#pragma once

#include <gio/gio.h>

#include "wh-api.h"

G_BEGIN_DECLS

#define WH_COUNTER_ERROR (wh_counter_error_quark ())
GQuark wh_counter_error_quark (void);

typedef enum
{
  WH_COUNTER_ERROR_FAILED,      /* the database */
  WH_COUNTER_ERROR_NOT_PAIRED,
  WH_COUNTER_ERROR_MALFORMED,   /* what the server sent breaks the contract */
} WhCounterError;

typedef enum
{
  WH_COUNTER_ACCEPTED,
  WH_COUNTER_REFUSED,
  WH_COUNTER_FAILED,            /* nothing recorded; the GError says why */
} WhCounterVerdict;

typedef struct _WhCounter WhCounter;

typedef struct
{
  char     *code;
  char     *voucher_id;
  char     *redeemed_at;   /* ISO 8601, China Standard Time */
  gboolean  uploaded;
  char     *result;        /* the server's: accepted, already_redeemed, ... or NULL */
  char     *result_at;     /* when it was redeemed first, for already_redeemed */
} WhCounterRedemption;

typedef struct
{
  char     *voucher_id;
  char     *code;
  char     *refused_counter_id;
  char     *refused_at;
  char     *kept_counter_id;  /* NULL: redeemed online */
  char     *kept_at;
} WhCounterConflict;

void       wh_counter_redemption_free (WhCounterRedemption *r);
void       wh_counter_conflict_free   (WhCounterConflict   *c);

/* Opens (creating, 0600: it holds the day's vouchers) the database. A
 * token older builds kept in it is deleted: such a counter pairs again. */
WhCounter *wh_counter_open            (const char   *path,
                                       GError      **error);
void       wh_counter_free            (WhCounter    *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhCounter, wh_counter_free)

/* The getters below read a copy in memory: they never wait for the
 * database, so a window calls them on its main thread. */
gboolean   wh_counter_is_paired       (WhCounter    *self);
gint64     wh_counter_get_merchant_id (WhCounter    *self);
/* Copies: plain text from the server. NULL when not paired. */
char      *wh_counter_dup_merchant_name (WhCounter  *self);
char      *wh_counter_dup_server      (WhCounter    *self);
char      *wh_counter_dup_counter_id  (WhCounter    *self);
/* When the day's vouchers were fetched last (ISO 8601), or NULL. */
char      *wh_counter_dup_synced_at   (WhCounter    *self);

/* Checks input (a scanned payload, or the 12 digits typed) at now, offline,
 * and records the redemption before it returns WH_COUNTER_ACCEPTED.
 * message: what to show, translated ("Accepted", "Already used at 12:31",
 * "Another merchant's voucher", "Expired", ...). */
WhCounterVerdict wh_counter_redeem    (WhCounter    *self,
                                       const char   *input,
                                       GDateTime    *now,
                                       char        **message,
                                       GError      **error);
/* The redemptions recorded on day (YYYY-MM-DD, CST), newest first. */
GPtrArray *wh_counter_list_day        (WhCounter    *self,
                                       const char   *day,
                                       GError      **error);
/* The conflicts the server reported at the last sync. */
GPtrArray *wh_counter_list_conflicts  (WhCounter    *self,
                                       GError      **error);
/* Redemptions not uploaded yet (reads the database). */
guint      wh_counter_count_pending   (WhCounter    *self);

/* Pairing and syncing call the keyring (libsecret's async API) on the
 * caller's thread-default main context, which must run until they finish;
 * redeeming never waits for the keyring.
 *
 * Pairs with the server of api (online): the token goes into the keyring
 * first (with no keyring the counter does not pair, and the error says
 * why), and the pairing it replaces leaves it. An earlier pairing's
 * vouchers, keys and conflicts are forgotten, its redemptions are kept
 * (those not yet uploaded go with the next sync). Then a sync. */
void       wh_counter_pair_async      (WhCounter          *self,
                                       WhApi              *api,
                                       gint64              merchant_id,
                                       const char         *merchant_key,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean   wh_counter_pair_finish     (GAsyncResult       *result,
                                       GError            **error);
/* Uploads pending redemptions (500 a request), then fetches the day's
 * vouchers, keys and conflicts. api must be for the paired server. */
void       wh_counter_sync_async      (WhCounter          *self,
                                       WhApi              *api,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean   wh_counter_sync_finish     (GAsyncResult       *result,
                                       GError            **error);

G_END_DECLS
