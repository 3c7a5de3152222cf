/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ed25519 voucher payloads checked offline with only the public key
 * (src/core/wh-voucher-payload.c): what a counter with no network accepts. */
#include "config.h"

#include <string.h>

#include "wh-test.h"
#include "wh-voucher-payload.h"

#define MERCHANT 42

static const char * const lunch_windows[] = { "11:00-13:30", "17:00-19:00", NULL };

typedef struct
{
  guint8     pk[WH_VOUCHER_PUBLIC_KEY_LEN];
  guint8     sk[WH_VOUCHER_SECRET_KEY_LEN];
  GPtrArray *keys;
} Keys;

static void
keys_init (Keys  *k,
           guint8 fill)
{
  guint8 seed[WH_VOUCHER_SEED_LEN];

  memset (seed, fill, sizeof seed);
  wh_voucher_keypair_from_seed (seed, k->pk, k->sk);
  k->keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  g_ptr_array_add (k->keys, wh_voucher_key_new (k->pk, NULL, NULL));
}

static void
keys_clear (Keys *k)
{
  g_ptr_array_unref (k->keys);
}

static char *
sign (const Keys *k,
      gint64      merchant_id,
      const char *day)
{
  WhVoucherPayload f = { NULL, (char *) "0123456789abcdef0123456789abcdef", merchant_id,
                         (char *) day, (GStrv) lunch_windows, (char *) "253587322047" };

  return wh_voucher_payload_sign (&f, k->sk);
}

static GDateTime *
cst (int day,
     int hour,
     int minute)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);

  return g_date_time_new (tz, 2026, 11, day, hour, minute, 0);
}

static void
assert_refused (const char *payload,
                GPtrArray  *keys,
                GDateTime  *now,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhVoucherPayload) v = wh_voucher_payload_check (payload, keys, MERCHANT, now, &error);

  g_assert_null (v);
  g_assert_error (error, WH_VOUCHER_ERROR, code);
}

static char *
altered (const char *payload,
         guint       part,
         const char *replacement)
{
  g_auto(GStrv) parts = g_strsplit (payload, ".", -1);

  g_free (parts[part]);
  parts[part] = g_strdup (replacement);
  return g_strjoinv (".", parts);
}

static void
test_payload_accepted (void)
{
  Keys k;
  g_autofree char *payload = NULL;
  g_autoptr(GDateTime) noon = cst (20, 12, 0);
  g_autoptr(GDateTime) utc_noon = g_date_time_to_utc (noon);
  g_autoptr(WhVoucherPayload) v = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;

  keys_init (&k, 1);
  payload = sign (&k, MERCHANT, "2026-11-20");
  g_assert_nonnull (payload);
  parts = g_strsplit (payload, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 8);
  g_assert_cmpstr (parts[0], ==, "WH2");
  g_assert_cmpstr (parts[1], ==, ((WhVoucherKey *) k.keys->pdata[0])->key_id);
  g_assert_cmpstr (parts[3], ==, "42");
  g_assert_cmpstr (parts[4], ==, "20261120");
  g_assert_cmpstr (parts[5], ==, "1100-1330,1700-1900");
  g_assert_cmpstr (parts[6], ==, "253587322047");
  g_assert_cmpuint (strlen (parts[7]), ==, 86);

  /* The time zone of now does not matter: the day is China's. */
  v = wh_voucher_payload_check (payload, k.keys, MERCHANT, utc_noon, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_assert_cmpstr (v->voucher_id, ==, "0123456789abcdef0123456789abcdef");
  g_assert_cmpstr (v->day, ==, "2026-11-20");
  g_assert_cmpstr (v->code, ==, "253587322047");
  g_assert_cmpstr (v->windows[1], ==, "17:00-19:00");
  g_assert_cmpint (v->merchant_id, ==, MERCHANT);
  keys_clear (&k);
}

static void
test_payload_forged (void)
{
  Keys k, other;
  g_autofree char *payload = NULL;
  g_autofree char *forged = NULL;
  g_autoptr(GDateTime) noon = cst (20, 12, 0);
  /* Each field altered, and the signature and form. */
  struct { guint part; const char *value; int code; } alterations[] = {
    { 0, "WH1", WH_VOUCHER_ERROR_INVALID },
    { 0, "WH3", WH_VOUCHER_ERROR_INVALID },
    { 1, "00000000", WH_VOUCHER_ERROR_UNKNOWN_KEY },
    { 2, "fedcba9876543210fedcba9876543210", WH_VOUCHER_ERROR_INVALID },
    { 3, "43", WH_VOUCHER_ERROR_INVALID },
    { 3, "042", WH_VOUCHER_ERROR_INVALID },
    { 4, "20261121", WH_VOUCHER_ERROR_INVALID },
    { 4, "20261131", WH_VOUCHER_ERROR_INVALID },
    { 5, "0000-2400", WH_VOUCHER_ERROR_INVALID },
    { 5, "1100-1330", WH_VOUCHER_ERROR_INVALID },
    { 5, "1100-1330,1700-1900,", WH_VOUCHER_ERROR_INVALID },
    { 6, "000000000000", WH_VOUCHER_ERROR_INVALID },
    { 6, "25358732204", WH_VOUCHER_ERROR_INVALID },
    { 7, "", WH_VOUCHER_ERROR_INVALID },
    { 7, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      WH_VOUCHER_ERROR_INVALID },
  };

  keys_init (&k, 1);
  keys_init (&other, 2);
  payload = sign (&k, MERCHANT, "2026-11-20");

  for (guint i = 0; i < G_N_ELEMENTS (alterations); i++)
    {
      g_autofree char *bad = altered (payload, alterations[i].part, alterations[i].value);

      g_test_message ("part %u = %s", alterations[i].part, alterations[i].value);
      assert_refused (bad, k.keys, noon, alterations[i].code);
    }
  /* One bit of the signature. */
  {
    g_autofree char *bad = g_strdup (payload);
    char *last = bad + strlen (bad) - 2;

    *last = *last == 'A' ? 'B' : 'A';
    assert_refused (bad, k.keys, noon, WH_VOUCHER_ERROR_INVALID);
  }
  /* Form: cut short, longer, empty, noise. */
  {
    g_autofree char *truncated = g_strndup (payload, strlen (payload) - 1);
    g_autofree char *extra = g_strconcat (payload, ".x", NULL);
    g_autofree char *upper = g_ascii_strup (payload, -1);
    const char *bad[] = { truncated, extra, upper, "", "WH2", "WH2.", "hello world" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      assert_refused (bad[i], k.keys, noon, WH_VOUCHER_ERROR_INVALID);
  }

  /* Signed with another key: under the known key's id, refused as forged;
   * under its own id, unknown here. */
  forged = sign (&other, MERCHANT, "2026-11-20");
  assert_refused (forged, k.keys, noon, WH_VOUCHER_ERROR_UNKNOWN_KEY);
  {
    g_autofree char *as_ours = altered (forged, 1, ((WhVoucherKey *) k.keys->pdata[0])->key_id);

    assert_refused (as_ours, k.keys, noon, WH_VOUCHER_ERROR_INVALID);
  }
  /* With no key at all, nothing passes. */
  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();

    assert_refused (payload, none, noon, WH_VOUCHER_ERROR_UNKNOWN_KEY);
  }
  keys_clear (&k);
  keys_clear (&other);
}

static void
test_payload_merchant_day_window (void)
{
  Keys k;
  g_autofree char *payload = NULL;
  g_autofree char *other_merchant = NULL;
  g_autoptr(GDateTime) noon = cst (20, 12, 0);
  g_autoptr(GDateTime) yesterday = cst (19, 12, 0);
  g_autoptr(GDateTime) tomorrow = cst (21, 12, 0);
  g_autoptr(GDateTime) morning = cst (20, 10, 59);
  g_autoptr(GDateTime) end = cst (20, 13, 30);
  g_autoptr(GDateTime) afternoon = cst (20, 15, 0);
  g_autoptr(GDateTime) evening = cst (20, 18, 59);

  keys_init (&k, 1);
  payload = sign (&k, MERCHANT, "2026-11-20");
  other_merchant = sign (&k, MERCHANT + 1, "2026-11-20");

  assert_refused (other_merchant, k.keys, noon, WH_VOUCHER_ERROR_WRONG_MERCHANT);
  assert_refused (payload, k.keys, tomorrow, WH_VOUCHER_ERROR_EXPIRED);
  assert_refused (payload, k.keys, yesterday, WH_VOUCHER_ERROR_NOT_YET);
  assert_refused (payload, k.keys, morning, WH_VOUCHER_ERROR_OUTSIDE_WINDOW);
  assert_refused (payload, k.keys, end, WH_VOUCHER_ERROR_OUTSIDE_WINDOW);
  assert_refused (payload, k.keys, afternoon, WH_VOUCHER_ERROR_OUTSIDE_WINDOW);
  {
    g_autoptr(WhVoucherPayload) v = wh_voucher_payload_check (payload, k.keys, MERCHANT, evening,
                                                              NULL);
    g_assert_nonnull (v);
  }
  keys_clear (&k);
}

/* A rotated-out key signs only the days it was valid for. */
static void
test_payload_key_validity (void)
{
  Keys k;
  g_autofree char *payload = NULL;
  g_autoptr(GDateTime) noon = cst (20, 12, 0);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  g_autoptr(WhVoucherKey) from_text = NULL;
  g_autofree char *text = NULL;

  keys_init (&k, 1);
  payload = sign (&k, MERCHANT, "2026-11-20");
  g_ptr_array_add (keys, wh_voucher_key_new (k.pk, NULL, "2026-11-19"));
  assert_refused (payload, keys, noon, WH_VOUCHER_ERROR_UNKNOWN_KEY);
  g_ptr_array_set_size (keys, 0);
  g_ptr_array_add (keys, wh_voucher_key_new (k.pk, "2026-11-21", NULL));
  assert_refused (payload, keys, noon, WH_VOUCHER_ERROR_UNKNOWN_KEY);
  g_ptr_array_set_size (keys, 0);
  g_ptr_array_add (keys, wh_voucher_key_new (k.pk, "2026-11-20", "2026-11-20"));
  {
    g_autoptr(WhVoucherPayload) v = wh_voucher_payload_check (payload, keys, MERCHANT, noon, NULL);

    g_assert_nonnull (v);
  }

  /* The published text form reads back as the same key, and nothing else. */
  text = wh_voucher_key_to_text (k.pk);
  g_assert_cmpuint (strlen (text), ==, 43);
  from_text = wh_voucher_key_new_from_text (text, NULL, NULL);
  g_assert_nonnull (from_text);
  g_assert_cmpmem (from_text->public_key, 32, k.pk, 32);
  g_assert_null (wh_voucher_key_new_from_text ("AAAA", NULL, NULL));
  g_assert_null (wh_voucher_key_new_from_text (text, "2026-13-01", NULL));
  {
    g_autofree char *padded = g_strconcat (text, "=", NULL);

    g_assert_null (wh_voucher_key_new_from_text (padded, NULL, NULL));
  }
  keys_clear (&k);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  g_assert_true (wh_voucher_crypto_init ());

  g_test_add_func ("/voucher-payload/accepted", test_payload_accepted);
  g_test_add_func ("/voucher-payload/forged", test_payload_forged);
  g_test_add_func ("/voucher-payload/merchant-day-window", test_payload_merchant_day_window);
  g_test_add_func ("/voucher-payload/key-validity", test_payload_key_validity);
  return g_test_run ();
}
