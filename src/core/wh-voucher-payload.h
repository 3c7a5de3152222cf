/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-voucher-payload.h: a love-meal voucher's QR payload, signed with
 * Ed25519 (libsodium) by the backend and checked anywhere with only the
 * union's public key: a counter with no network checks one offline.
 *
 *   WH2.<key_id>.<voucher_id>.<merchant_id>.<day YYYYMMDD>.<windows>.<code>.<signature>
 *
 * key_id names the public key (wh_voucher_key_id: 8 hex digits of the
 * SHA-256 of the key), windows are the merchant's serving windows of that
 * day as HHMM-HHMM joined by commas, code the 12 digits printed under the
 * QR code, and the signature the detached Ed25519 signature of every byte
 * before the last dot, base64url without padding. No GTK, no I/O: the
 * server signs with it, the counter checks with it (data/api/CONTRACT.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WH_VOUCHER_PAYLOAD_PREFIX   "WH2"
#define WH_VOUCHER_PAYLOAD_MAX      512
#define WH_VOUCHER_PUBLIC_KEY_LEN   32
#define WH_VOUCHER_SECRET_KEY_LEN   64
#define WH_VOUCHER_SEED_LEN         32

#define WH_VOUCHER_ERROR (wh_voucher_error_quark ())
GQuark wh_voucher_error_quark (void);

/* Why a voucher is refused offline, most basic first. */
typedef enum
{
  WH_VOUCHER_ERROR_INVALID,          /* malformed, forged or altered */
  WH_VOUCHER_ERROR_UNKNOWN_KEY,      /* signed by no key this check knows for its day */
  WH_VOUCHER_ERROR_WRONG_MERCHANT,
  WH_VOUCHER_ERROR_EXPIRED,          /* its day is over */
  WH_VOUCHER_ERROR_NOT_YET,          /* its day has not come */
  WH_VOUCHER_ERROR_OUTSIDE_WINDOW,   /* its day, but outside the serving windows */
} WhVoucherError;

typedef struct
{
  char    *key_id;
  char    *voucher_id;   /* 32 hex digits */
  gint64   merchant_id;
  char    *day;          /* YYYY-MM-DD */
  GStrv    windows;      /* "HH:MM-HH:MM", 1 to 4 */
  char    *code;         /* 12 digits */
} WhVoucherPayload;

void              wh_voucher_payload_free   (WhVoucherPayload *payload);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhVoucherPayload, wh_voucher_payload_free)

/* A published public key and the voucher days it signs: valid_from and
 * valid_until are YYYY-MM-DD or NULL (no bound). */
typedef struct
{
  char   *key_id;
  guint8  public_key[WH_VOUCHER_PUBLIC_KEY_LEN];
  char   *valid_from;
  char   *valid_until;
} WhVoucherKey;

WhVoucherKey     *wh_voucher_key_new        (const guint8      public_key[WH_VOUCHER_PUBLIC_KEY_LEN],
                                             const char       *valid_from,
                                             const char       *valid_until);
/* From the base64url text of the contract; NULL if it is not 32 bytes or a
 * date is malformed. */
WhVoucherKey     *wh_voucher_key_new_from_text (const char     *public_key,
                                                const char     *valid_from,
                                                const char     *valid_until);
void              wh_voucher_key_free       (WhVoucherKey     *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhVoucherKey, wh_voucher_key_free)
/* 8 lowercase hex digits: the start of the SHA-256 of the public key. */
char             *wh_voucher_key_id         (const guint8      public_key[WH_VOUCHER_PUBLIC_KEY_LEN]);
char             *wh_voucher_key_to_text    (const guint8      public_key[WH_VOUCHER_PUBLIC_KEY_LEN]);

/* libsodium's init, once per process; FALSE if it cannot start. */
gboolean          wh_voucher_crypto_init    (void);
/* A key pair from a seed (the secret key file holds the seed). */
void              wh_voucher_keypair_from_seed (const guint8   seed[WH_VOUCHER_SEED_LEN],
                                                guint8         public_key[WH_VOUCHER_PUBLIC_KEY_LEN],
                                                guint8         secret_key[WH_VOUCHER_SECRET_KEY_LEN]);

/* The signed payload of fields (key_id is the secret key's public key's),
 * or NULL when they are out of form or no window fits the payload. */
char             *wh_voucher_payload_sign   (const WhVoucherPayload *fields,
                                             const guint8      secret_key[WH_VOUCHER_SECRET_KEY_LEN]);
/* The form alone, no signature checked: NULL and WH_VOUCHER_ERROR_INVALID
 * for anything malformed. */
WhVoucherPayload *wh_voucher_payload_parse  (const char       *payload,
                                             GError          **error);
/* Form and signature under one of keys (WhVoucherKey*) whose id is the
 * payload's and whose validity covers its day. */
WhVoucherPayload *wh_voucher_payload_verify (const char       *payload,
                                             GPtrArray        *keys,
                                             GError          **error);
/* Everything a counter checks offline: form, signature, merchant, day and
 * serving window at now (any time zone: it is taken in China Standard
 * Time, the server's day). */
WhVoucherPayload *wh_voucher_payload_check  (const char       *payload,
                                             GPtrArray        *keys,
                                             gint64            merchant_id,
                                             GDateTime        *now,
                                             GError          **error);
/* TRUE if minute (since midnight) is inside one of windows ("HH:MM-HH:MM",
 * start included, end excluded). */
gboolean          wh_voucher_windows_contain (const char * const *windows,
                                              int                minute);

G_END_DECLS
