/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a counter reads from a scanner, a camera or the keyboard, checked
 * offline (src/core/wh-voucher-payload.c).
 *
 * The first byte picks what the rest is:
 *   0: a payload as scanned, checked against one known key: accepted only if
 *      that key signed it (a fuzzer cannot), and then its parts read back;
 *   1: a payload whose form is taken, then signed with the known key: if it
 *      parses, signing its fields gives a payload that verifies and parses to
 *      the same fields, and that payload with any one byte changed (the one
 *      the second input byte picks), cut short or longer is refused.
 */
#include "config.h"

#include <string.h>

#include "wh-fuzz.h"
#include "wh-voucher-payload.h"

static guint8 secret_key[WH_VOUCHER_SECRET_KEY_LEN];
static GPtrArray *keys;

static void
setup (void)
{
  guint8 seed[WH_VOUCHER_SEED_LEN];
  guint8 public_key[WH_VOUCHER_PUBLIC_KEY_LEN];

  if (keys != NULL)
    return;
  memset (seed, 7, sizeof seed);
  wh_voucher_keypair_from_seed (seed, public_key, secret_key);
  keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  g_ptr_array_add (keys, wh_voucher_key_new (public_key, NULL, NULL));
}

static void
assert_same (const WhVoucherPayload *a,
             const WhVoucherPayload *b)
{
  g_assert_cmpstr (a->voucher_id, ==, b->voucher_id);
  g_assert_cmpint (a->merchant_id, ==, b->merchant_id);
  g_assert_cmpstr (a->day, ==, b->day);
  g_assert_cmpstr (a->code, ==, b->code);
  g_assert_true (g_strv_equal ((const char * const *) a->windows,
                               (const char * const *) b->windows));
}

static void
fuzz_scanned (const char *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhVoucherPayload) v = wh_voucher_payload_verify (payload, keys, &error);

  if (v == NULL)
    {
      g_assert_error (error, WH_VOUCHER_ERROR, error->code);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (v->voucher_id), ==, 32);
  g_assert_cmpuint (strlen (v->code), ==, 12);
  g_assert_cmpint (v->merchant_id, >, 0);
}

static void
fuzz_resigned (const char *text,
               guint8      pick)
{
  g_autoptr(WhVoucherPayload) parsed = wh_voucher_payload_parse (text, NULL);
  g_autoptr(WhVoucherPayload) again = NULL;
  g_autofree char *signed_payload = NULL;
  gsize len;

  if (parsed == NULL)
    return;
  signed_payload = wh_voucher_payload_sign (parsed, secret_key);
  g_assert_nonnull (signed_payload);
  again = wh_voucher_payload_verify (signed_payload, keys, NULL);
  g_assert_nonnull (again);
  assert_same (parsed, again);

  len = strlen (signed_payload);
  {
    g_autofree char *altered = g_strdup (signed_payload);
    g_autoptr(WhVoucherPayload) none = NULL;
    char *c = altered + pick % len;

    *c = *c == '0' ? '1' : '0';
    none = wh_voucher_payload_verify (altered, keys, NULL);
    g_assert_null (none);
  }
  {
    g_autofree char *cut = g_strndup (signed_payload, len - 1);
    g_autofree char *longer = g_strconcat (signed_payload, "0", NULL);
    g_autoptr(WhVoucherPayload) a = wh_voucher_payload_verify (cut, keys, NULL);
    g_autoptr(WhVoucherPayload) b = wh_voucher_payload_verify (longer, keys, NULL);

    g_assert_null (a);
    g_assert_null (b);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  if (size < 2)
    return 0;
  setup ();
  /* What a scanner types or a QR code holds: no NUL inside. */
  text = g_strndup ((const char *) data + 2, size - 2);
  if (data[0] % 2 == 0)
    fuzz_scanned (text);
  else
    fuzz_resigned (text, data[1]);
  return 0;
}
