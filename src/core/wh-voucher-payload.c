/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-voucher-payload.c: signing and checking vouchers' QR payloads
 * (wh-voucher-payload.h). */
#define G_LOG_DOMAIN "wh-vouchers"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "wh-voucher-payload.h"

G_DEFINE_QUARK (wh-voucher-error-quark, wh_voucher_error)

#define N_PARTS      8
#define SIG_TEXT_LEN 86   /* 64 bytes in base64url, no padding */
#define MAX_WINDOWS  4

gboolean
wh_voucher_crypto_init (void)
{
  static gsize done;
  static gboolean ok;

  if (g_once_init_enter (&done))
    {
      ok = sodium_init () >= 0;
      g_once_init_leave (&done, 1);
    }
  return ok;
}

void
wh_voucher_payload_free (WhVoucherPayload *payload)
{
  if (payload == NULL)
    return;
  g_free (payload->key_id);
  g_free (payload->voucher_id);
  g_free (payload->day);
  g_strfreev (payload->windows);
  g_free (payload->code);
  g_free (payload);
}

/* ---- Keys ---------------------------------------------------------------- */

static gboolean
is_date (const char *s)
{
  if (s == NULL || strlen (s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (s[i]))
      return FALSE;
  return g_date_valid_dmy ((GDateDay) g_ascii_strtoull (s + 8, NULL, 10),
                           (GDateMonth) g_ascii_strtoull (s + 5, NULL, 10),
                           (GDateYear) g_ascii_strtoull (s, NULL, 10));
}

char *
wh_voucher_key_id (const guint8 public_key[WH_VOUCHER_PUBLIC_KEY_LEN])
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, public_key,
                                                      WH_VOUCHER_PUBLIC_KEY_LEN);

  return g_strndup (hex, 8);
}

static char *
to_base64url (const guint8 *data,
              gsize         len)
{
  gsize size = sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *text = g_malloc (size);

  sodium_bin2base64 (text, size, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

/* Exactly len bytes from base64url without padding, nothing else. */
static gboolean
from_base64url (const char *text,
                guint8     *out,
                gsize       len)
{
  gsize got = 0;
  const char *end = NULL;

  if (text == NULL ||
      strlen (text) != sodium_base64_ENCODED_LEN (len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
    return FALSE;
  if (sodium_base642bin (out, len, text, strlen (text), NULL, &got, &end,
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return FALSE;
  return got == len && end != NULL && *end == '\0';
}

char *
wh_voucher_key_to_text (const guint8 public_key[WH_VOUCHER_PUBLIC_KEY_LEN])
{
  return to_base64url (public_key, WH_VOUCHER_PUBLIC_KEY_LEN);
}

WhVoucherKey *
wh_voucher_key_new (const guint8 public_key[WH_VOUCHER_PUBLIC_KEY_LEN],
                    const char  *valid_from,
                    const char  *valid_until)
{
  WhVoucherKey *key;

  g_return_val_if_fail (valid_from == NULL || is_date (valid_from), NULL);
  g_return_val_if_fail (valid_until == NULL || is_date (valid_until), NULL);

  key = g_new0 (WhVoucherKey, 1);
  memcpy (key->public_key, public_key, WH_VOUCHER_PUBLIC_KEY_LEN);
  key->key_id = wh_voucher_key_id (public_key);
  key->valid_from = g_strdup (valid_from);
  key->valid_until = g_strdup (valid_until);
  return key;
}

WhVoucherKey *
wh_voucher_key_new_from_text (const char *public_key,
                              const char *valid_from,
                              const char *valid_until)
{
  guint8 raw[WH_VOUCHER_PUBLIC_KEY_LEN];

  if (!wh_voucher_crypto_init () || !from_base64url (public_key, raw, sizeof raw) ||
      (valid_from != NULL && !is_date (valid_from)) ||
      (valid_until != NULL && !is_date (valid_until)))
    return NULL;
  return wh_voucher_key_new (raw, valid_from, valid_until);
}

void
wh_voucher_key_free (WhVoucherKey *key)
{
  if (key == NULL)
    return;
  g_free (key->key_id);
  g_free (key->valid_from);
  g_free (key->valid_until);
  g_free (key);
}

void
wh_voucher_keypair_from_seed (const guint8 seed[WH_VOUCHER_SEED_LEN],
                              guint8       public_key[WH_VOUCHER_PUBLIC_KEY_LEN],
                              guint8       secret_key[WH_VOUCHER_SECRET_KEY_LEN])
{
  g_assert (wh_voucher_crypto_init ());
  crypto_sign_seed_keypair (public_key, secret_key, seed);
}

/* ---- Form ---------------------------------------------------------------- */

static gboolean
all_in (const char *s,
        const char *accept,
        gsize       len)
{
  return strlen (s) == len && strspn (s, accept) == len;
}

/* "HHMM-HHMM" to "HH:MM-HH:MM", NULL if malformed or empty. */
static char *
window_from_compact (const char *w)
{
  int sh, sm, eh, em;

  if (!all_in (w, "0123456789-", 9) || w[4] != '-' || strchr (w, '-') != w + 4)
    return NULL;
  sh = (w[0] - '0') * 10 + (w[1] - '0');
  sm = (w[2] - '0') * 10 + (w[3] - '0');
  eh = (w[5] - '0') * 10 + (w[6] - '0');
  em = (w[7] - '0') * 10 + (w[8] - '0');
  if (sh > 24 || eh > 24 || sm > 59 || em > 59 || sh * 60 + sm >= eh * 60 + em ||
      eh * 60 + em > 24 * 60)
    return NULL;
  return g_strdup_printf ("%.2s:%.2s-%.2s:%.2s", w, w + 2, w + 5, w + 7);
}

/* "HH:MM-HH:MM" to "HHMM-HHMM", NULL if malformed. */
static char *
window_to_compact (const char *w)
{
  g_autofree char *compact = NULL;
  g_autofree char *back = NULL;

  if (w == NULL || strlen (w) != 11 || w[2] != ':' || w[5] != '-' || w[8] != ':')
    return NULL;
  compact = g_strdup_printf ("%.2s%.2s-%.2s%.2s", w, w + 3, w + 6, w + 9);
  back = window_from_compact (compact);
  return back ? g_steal_pointer (&compact) : NULL;
}

static GError *
invalid (void)
{
  return g_error_new_literal (WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_INVALID,
                              "This is not a valid voucher.");
}

WhVoucherPayload *
wh_voucher_payload_parse (const char *payload,
                          GError    **error)
{
  g_autoptr(WhVoucherPayload) out = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) windows = NULL;
  g_autofree char *day = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  guint64 merchant_id;

  if (payload == NULL || strlen (payload) > WH_VOUCHER_PAYLOAD_MAX ||
      !g_str_has_prefix (payload, WH_VOUCHER_PAYLOAD_PREFIX "."))
    goto bad;
  parts = g_strsplit (payload, ".", N_PARTS + 1);
  if (g_strv_length (parts) != N_PARTS ||
      !all_in (parts[1], "0123456789abcdef", 8) ||
      !all_in (parts[2], "0123456789abcdef", 32) ||
      !all_in (parts[4], "0123456789", 8) ||
      !all_in (parts[6], "0123456789", 12) ||
      strlen (parts[7]) != SIG_TEXT_LEN ||
      /* One spelling of a number: no leading zero, no sign. */
      parts[3][0] == '0' || strspn (parts[3], "0123456789") != strlen (parts[3]) ||
      !g_ascii_string_to_unsigned (parts[3], 10, 1, (G_GUINT64_CONSTANT (1) << 53) - 1,
                                   &merchant_id, NULL))
    goto bad;
  day = g_strdup_printf ("%.4s-%.2s-%.2s", parts[4], parts[4] + 4, parts[4] + 6);
  if (!is_date (day))
    goto bad;
  windows = g_strsplit (parts[5], ",", MAX_WINDOWS + 1);
  if (g_strv_length (windows) < 1 || g_strv_length (windows) > MAX_WINDOWS)
    goto bad;
  builder = g_strv_builder_new ();
  for (guint i = 0; windows[i]; i++)
    {
      g_autofree char *w = window_from_compact (windows[i]);

      if (w == NULL)
        goto bad;
      g_strv_builder_add (builder, w);
    }

  out = g_new0 (WhVoucherPayload, 1);
  out->key_id = g_strdup (parts[1]);
  out->voucher_id = g_strdup (parts[2]);
  out->merchant_id = (gint64) merchant_id;
  out->day = g_steal_pointer (&day);
  out->windows = g_strv_builder_end (builder);
  out->code = g_strdup (parts[6]);
  return g_steal_pointer (&out);

bad:
  g_propagate_error (error, invalid ());
  return NULL;
}

/* ---- Signing and checking ------------------------------------------------ */

static char *
signed_part (const WhVoucherPayload *f,
             const char             *key_id)
{
  GString *s = g_string_new (WH_VOUCHER_PAYLOAD_PREFIX);

  g_string_append_printf (s, ".%s.%s.%" G_GINT64_FORMAT ".%.4s%.2s%.2s.", key_id, f->voucher_id,
                          f->merchant_id, f->day, f->day + 5, f->day + 8);
  /* A window the payload cannot carry (an overnight one) is left out: it
   * could not be checked offline anyway. */
  for (guint i = 0, n = 0; f->windows[i] && n < MAX_WINDOWS; i++)
    {
      g_autofree char *compact = window_to_compact (f->windows[i]);

      if (compact != NULL)
        g_string_append_printf (s, "%s%s", n++ ? "," : "", compact);
    }
  g_string_append_printf (s, ".%s", f->code);
  return g_string_free (s, FALSE);
}

char *
wh_voucher_payload_sign (const WhVoucherPayload *fields,
                         const guint8            secret_key[WH_VOUCHER_SECRET_KEY_LEN])
{
  guint8 public_key[WH_VOUCHER_PUBLIC_KEY_LEN];
  guint8 sig[crypto_sign_BYTES];
  g_autofree char *key_id = NULL;
  g_autofree char *part = NULL;
  g_autofree char *sig_text = NULL;
  g_autoptr(WhVoucherPayload) parsed = NULL;
  char *payload;

  g_return_val_if_fail (fields != NULL, NULL);
  g_return_val_if_fail (fields->windows != NULL && fields->windows[0] != NULL, NULL);
  g_return_val_if_fail (wh_voucher_crypto_init (), NULL);

  crypto_sign_ed25519_sk_to_pk (public_key, secret_key);
  key_id = wh_voucher_key_id (public_key);
  part = signed_part (fields, key_id);
  crypto_sign_detached (sig, NULL, (const guchar *) part, strlen (part), secret_key);
  sig_text = to_base64url (sig, sizeof sig);
  payload = g_strdup_printf ("%s.%s", part, sig_text);
  /* What is signed must read back: fields with no window the payload can
   * carry, or out of form, sign nothing. */
  parsed = wh_voucher_payload_parse (payload, NULL);
  if (parsed == NULL)
    g_clear_pointer (&payload, g_free);
  return payload;
}

static gboolean
key_covers (const WhVoucherKey *key,
            const char         *day)
{
  return (key->valid_from == NULL || strcmp (key->valid_from, day) <= 0) &&
         (key->valid_until == NULL || strcmp (day, key->valid_until) <= 0);
}

WhVoucherPayload *
wh_voucher_payload_verify (const char *payload,
                           GPtrArray  *keys,
                           GError    **error)
{
  g_autoptr(WhVoucherPayload) parsed = NULL;
  g_autofree char *canonical = NULL;
  guint8 sig[crypto_sign_BYTES];
  const char *last_dot;
  gboolean known = FALSE;

  if (!wh_voucher_crypto_init ())
    {
      g_propagate_error (error, invalid ());
      return NULL;
    }
  parsed = wh_voucher_payload_parse (payload, error);
  if (parsed == NULL)
    return NULL;
  last_dot = strrchr (payload, '.');
  /* One spelling per voucher: what is signed is what we would write. */
  canonical = signed_part (parsed, parsed->key_id);
  if (strlen (canonical) != (gsize) (last_dot - payload) ||
      memcmp (canonical, payload, strlen (canonical)) != 0 ||
      !from_base64url (last_dot + 1, sig, sizeof sig))
    {
      g_propagate_error (error, invalid ());
      return NULL;
    }
  for (guint i = 0; keys && i < keys->len; i++)
    {
      const WhVoucherKey *key = g_ptr_array_index (keys, i);

      if (!g_str_equal (key->key_id, parsed->key_id) || !key_covers (key, parsed->day))
        continue;
      known = TRUE;
      if (crypto_sign_verify_detached (sig, (const guchar *) payload,
                                       (unsigned long long) (last_dot - payload),
                                       key->public_key) == 0)
        return g_steal_pointer (&parsed);
    }
  if (known)
    g_propagate_error (error, invalid ());
  else
    g_set_error_literal (error, WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_UNKNOWN_KEY,
                         "This voucher is signed by a key this counter does not know.");
  return NULL;
}

gboolean
wh_voucher_windows_contain (const char * const *windows,
                            int                 minute)
{
  for (guint i = 0; windows && windows[i]; i++)
    {
      g_autofree char *compact = window_to_compact (windows[i]);
      int start, end;

      if (compact == NULL)
        continue;
      start = ((compact[0] - '0') * 10 + (compact[1] - '0')) * 60 +
              (compact[2] - '0') * 10 + (compact[3] - '0');
      end = ((compact[5] - '0') * 10 + (compact[6] - '0')) * 60 +
            (compact[7] - '0') * 10 + (compact[8] - '0');
      if (minute >= start && minute < end)
        return TRUE;
    }
  return FALSE;
}

WhVoucherPayload *
wh_voucher_payload_check (const char *payload,
                          GPtrArray  *keys,
                          gint64      merchant_id,
                          GDateTime  *now,
                          GError    **error)
{
  g_autoptr(WhVoucherPayload) v = NULL;
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *today = NULL;
  int cmp;

  g_return_val_if_fail (now != NULL, NULL);

  v = wh_voucher_payload_verify (payload, keys, error);
  if (v == NULL)
    return NULL;
  if (v->merchant_id != merchant_id)
    {
      g_set_error_literal (error, WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_WRONG_MERCHANT,
                           "This voucher is for another merchant.");
      return NULL;
    }
  local = g_date_time_to_timezone (now, cst);
  today = g_date_time_format (local, "%Y-%m-%d");
  cmp = strcmp (v->day, today);
  if (cmp < 0)
    {
      g_set_error_literal (error, WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_EXPIRED,
                           "This voucher's day is over.");
      return NULL;
    }
  if (cmp > 0)
    {
      g_set_error_literal (error, WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_NOT_YET,
                           "This voucher is for a later day.");
      return NULL;
    }
  if (!wh_voucher_windows_contain ((const char * const *) v->windows,
                                   g_date_time_get_hour (local) * 60 +
                                   g_date_time_get_minute (local)))
    {
      g_set_error_literal (error, WH_VOUCHER_ERROR, WH_VOUCHER_ERROR_OUTSIDE_WINDOW,
                           "The merchant is not serving now.");
      return NULL;
    }
  return g_steal_pointer (&v);
}
