/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server's check of a voucher's QR payload, which is whatever a
 * merchant's scanner sends to POST /merchants/ID/redeem, and of the
 * merchant's key in its Authorization header.
 *
 * The first byte picks what the rest is:
 *   0: a payload as scanned; accepted only with a valid signature, and then
 *      its parts must be what the check returned;
 *   1: the part a payload signs; the target signs it with the server's key,
 *      so well-formed ones pass, then checks that the same payload with one
 *      byte of its signature changed (the byte the second input byte picks),
 *      cut short, or longer, is refused;
 *   2: a merchant key as sent: accepted exactly when it equals the key.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "wh-fuzz.h"
#include "wh-server-private.h"

static WhServer *server;  /* one for the whole run: its database holds the key */

static WhServer *
get_server (void)
{
  if (server == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("wh-fuzz-voucher-XXXXXX", &error);
      g_autofree char *path = NULL;

      g_assert_no_error (error);
      path = g_build_filename (dir, "server.db", NULL);
      server = wh_server_new (path, &error);
      g_assert_no_error (error);
      /* The keys are in memory now; the files need not outlive the run. */
      {
        g_autofree char *signing_key = g_strconcat (path, ".signing-key", NULL);

        g_unlink (signing_key);
      }
      g_unlink (path);
      g_rmdir (dir);
    }
  return server;
}

/* Accepted: the parts are those of the payload, and its signature is the
 * server's own over everything before the last dot. */
static void
check_accepted (const char *payload,
                const char *voucher_id,
                gint64      merchant_id)
{
  g_auto(GStrv) parts = g_strsplit (payload, ".", -1);
  const char *last_dot = strrchr (payload, '.');
  g_autofree char *signed_part = g_strndup (payload, (gsize) (last_dot - payload));
  g_autofree char *expected = wh_server_sign (get_server (), signed_part);

  g_assert_cmpuint (g_strv_length (parts), ==, 6);
  g_assert_cmpstr (parts[1], ==, voucher_id);
  g_assert_cmpint (g_ascii_strtoll (parts[2], NULL, 10), ==, merchant_id);
  g_assert_cmpint (merchant_id, >, 0);
  g_assert_cmpstr (last_dot + 1, ==, expected);
}

static gboolean
verify (const char  *payload,
        char       **voucher_id,
        gint64      *merchant_id)
{
  gboolean ok = wh_server_verify_voucher_payload (get_server (), payload, voucher_id,
                                                  merchant_id);

  if (ok)
    check_accepted (payload, *voucher_id, *merchant_id);
  return ok;
}

static void
fuzz_scanned (const char *payload)
{
  g_autofree char *voucher_id = NULL;
  gint64 merchant_id = 0;

  verify (payload, &voucher_id, &merchant_id);
}

static void
fuzz_signed (const char *unsigned_part,
             guint8      pick)
{
  g_autofree char *signature = wh_server_sign (get_server (), unsigned_part);
  g_autofree char *payload = g_strdup_printf ("%s.%s", unsigned_part, signature);
  g_autofree char *voucher_id = NULL;
  gint64 merchant_id = 0;
  gsize sig_len = strlen (signature), len = strlen (payload);

  if (!verify (payload, &voucher_id, &merchant_id))
    return;

  /* one byte of the signature changed */
  {
    g_autofree char *forged = g_strdup (payload);
    g_autofree char *id = NULL;
    char *c = forged + len - sig_len + pick % sig_len;

    *c = *c == '0' ? '1' : '0';
    g_assert_false (verify (forged, &id, &merchant_id));
  }
  /* cut short, or with more after it */
  {
    g_autofree char *cut = g_strndup (payload, len - 1);
    g_autofree char *longer = g_strconcat (payload, "0", NULL);
    g_autofree char *id = NULL;

    g_assert_false (verify (cut, &id, &merchant_id));
    g_assert_false (verify (longer, &id, &merchant_id));
  }
}

static void
fuzz_key (const char *sent)
{
  g_autofree char *key = wh_server_merchant_key (get_server (), 1);

  g_assert_true (wh_server_equal_constant_time (sent, key) == g_str_equal (sent, key));
  g_assert_true (wh_server_equal_constant_time (key, key));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;

  if (size < 2)
    return 0;
  /* A payload arrives as a JSON string: no NUL inside once decoded. */
  text = g_strndup ((const char *) data + 2, size - 2);
  switch (data[0] % 3)
    {
    case 0:
      fuzz_scanned (text);
      break;
    case 1:
      fuzz_signed (text, data[1]);
      break;
    default:
      fuzz_key (text);
      break;
    }
  return 0;
}
