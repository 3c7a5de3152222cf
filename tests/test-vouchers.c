/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The client's love-meal vouchers (src/core/wh-vouchers.c): the
 * Idempotency-Key rule both sides share, and the claim protocol against the
 * reference server: the key kept across a lost answer, dropped on a
 * definite no, one voucher however often the worker taps. */
#define _GNU_SOURCE /* memmem */
#include "config.h"

#include <string.h>

#include "wh-api.h"
#include "wh-idempotency.h"
#include "wh-store.h"
#include "wh-test-http.h"
#include "wh-test-store.h"
#include "wh-test.h"
#include "wh-vouchers.h"

#define MERCHANT_ONE_LEFT 1
#define MERCHANT_PLENTY   2

static void
put_merchant (WhTestServer *ts,
              gint64        id,
              gint64        quota)
{
  /* Serving the whole day, so the test passes at any hour. */
  static const char * const windows[] = { "00:00-12:00", "12:00-24:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", id == MERCHANT_ONE_LEFT ? "黄焖鸡米饭" : "兰州拉面");
  wh_record_set_text (m, "address", "北京市大兴区黄村镇兴华大街 1 号");
  wh_record_set_real (m, "lat", 39.73);
  wh_record_set_real (m, "lon", 116.33);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
  wh_test_server_put_record (ts, m);
}

/* ---- The Idempotency-Key rule -------------------------------------------- */

typedef struct
{
  const char *key;
  gboolean    valid;
} KeyCase;

/* The keys the contract allows and refuses ("1 to 64 characters of A-Z,
 * a-z, 0-9, - and _"); NULL key: 64 and 65 characters, made below. */
static const KeyCase key_cases[] = {
  { "k", TRUE },
  { "claim-1", TRUE },
  { "A_z-09", TRUE },
  { "", FALSE },
  { "key with spaces", FALSE },
  { "key.dot", FALSE },
  { "key/slash", FALSE },
  { "ключ", FALSE },
  { "钥匙", FALSE },
  { "tab\tkey", FALSE },
};

static void
test_key_rule (void)
{
  g_autofree char *longest = g_strnfill (WH_IDEMPOTENCY_KEY_MAX, 'k');
  g_autofree char *too_long = g_strnfill (WH_IDEMPOTENCY_KEY_MAX + 1, 'k');

  g_assert_cmpint (WH_IDEMPOTENCY_KEY_MAX, ==, 64);
  for (guint i = 0; i < G_N_ELEMENTS (key_cases); i++)
    {
      g_test_message ("key \"%s\"", key_cases[i].key);
      g_assert_cmpint (wh_idempotency_key_is_valid (key_cases[i].key), ==, key_cases[i].valid);
    }
  g_assert_true (wh_idempotency_key_is_valid (longest));
  g_assert_false (wh_idempotency_key_is_valid (too_long));
  g_assert_false (wh_idempotency_key_is_valid (NULL));

  /* New keys follow the rule, and two are never the same. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *a = wh_idempotency_key_new ();
      g_autofree char *b = wh_api_new_idempotency_key ();

      g_assert_true (wh_idempotency_key_is_valid (a));
      g_assert_true (wh_idempotency_key_is_valid (b));
      g_assert_cmpstr (a, !=, b);
    }
}

/* The server refuses exactly what the rule refuses: one table for both. */
static void
test_key_rule_server (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *longest = g_strnfill (WH_IDEMPOTENCY_KEY_MAX, 'k');
  g_autofree char *too_long = g_strnfill (WH_IDEMPOTENCY_KEY_MAX + 1, 'k');
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  const char *body = "{\"merchant_id\": 2}";

  put_merchant (ts, MERCHANT_PLENTY, 100);
  token = sign_in (session, ts, "13800138000");
  url = api_url (ts, "vouchers");
  bearer = g_strdup_printf ("Bearer %s", token);
  for (guint i = 0; i < G_N_ELEMENTS (key_cases); i++)
    g_ptr_array_add (keys, (gpointer) key_cases[i].key);
  g_ptr_array_add (keys, longest);
  g_ptr_array_add (keys, too_long);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      g_autoptr(Response) r = request (session, "POST", url, body, "Authorization", bearer,
                                       "Idempotency-Key", key, NULL);

      g_test_message ("key \"%s\": %u %s", key, r->status, r->body ? r->body : "");
      if (wh_idempotency_key_is_valid (key))
        /* The first valid key claims; the others meet the one-a-day rule. */
        g_assert_true (r->status == 201 || r->status == 409);
      else
        assert_error (r, 400, "bad_request");
    }
}

/* ---- Reading vouchers ---------------------------------------------------- */

static WhRecord *
make_voucher (const char *id,
              const char *day,
              const char *status)
{
  WhRecord *v = wh_record_new (&wh_collection_vouchers);

  wh_record_set_text (v, "voucher_id", id);
  wh_record_set_int (v, "merchant_id", 7);
  wh_record_set_text (v, "merchant_name", "黄焖鸡米饭");
  wh_record_set_text (v, "code", "253587322047");
  wh_record_set_text (v, "payload", "WH1.1.1.20261120.253587322047.sig");
  wh_record_set_text (v, "day", day);
  wh_record_set_text (v, "status", status);
  return v;
}

static void
test_status (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);

  g_ptr_array_add (list, make_voucher ("v3", "2026-11-21", "unused"));
  g_ptr_array_add (list, make_voucher ("v2", "2026-11-20", "unused"));
  g_ptr_array_add (list, make_voucher ("v1", "2026-11-19", "redeemed"));

  /* an unused voucher of a day that is over is expired, whatever the server last said */
  g_assert_cmpstr (wh_voucher_get_status (list->pdata[0], "2026-11-21"), ==, "unused");
  g_assert_cmpstr (wh_voucher_get_status (list->pdata[1], "2026-11-21"), ==, "expired");
  g_assert_cmpstr (wh_voucher_get_status (list->pdata[1], "2026-11-20"), ==, "unused");
  g_assert_cmpstr (wh_voucher_get_status (list->pdata[2], "2026-11-21"), ==, "redeemed");

  g_assert_true (wh_vouchers_find_day (list, "2026-11-20") == list->pdata[1]);
  g_assert_null (wh_vouchers_find_day (list, "2026-11-22"));
  g_assert_null (wh_vouchers_find_day (NULL, "2026-11-22"));
}

/* ---- The claim protocol against the reference server --------------------- */

typedef struct
{
  WhTestServer *server;
  char         *dir;
  WhStore      *store;
  WhApi        *api;
} Claimer;

static void
claimer_setup (Claimer      *c,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GAsyncResult) login = NULL;
  g_autoptr(WhRecord) me = NULL;

  c->server = start_empty ();
  put_merchant (c->server, MERCHANT_ONE_LEFT, 1);
  put_merchant (c->server, MERCHANT_PLENTY, 5);
  c->dir = wh_test_make_tmpdir ();
  path = g_build_filename (c->dir, "cache.db", NULL);
  c->store = wh_store_open (path, &error);
  g_assert_no_error (error);
  c->api = wh_api_new (wh_test_server_get_url (c->server), &error);
  g_assert_no_error (error);
  /* No retries: a dropped response is a lost response, at once. */
  wh_api_set_retry_policy (c->api, 1, 10, 10, 10);
  wh_api_login_async (c->api, "13800138000", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb,
                      &login);
  me = wh_api_login_finish (c->api, wh_test_await (&login), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
claimer_teardown (Claimer      *c,
                  gconstpointer data)
{
  g_clear_object (&c->api);
  g_clear_object (&c->store);
  g_clear_pointer (&c->server, wh_test_server_free);
  wh_test_remove_tmpdir (c->dir);
  g_free (c->dir);
}

static WhRecord *
claim (Claimer *c,
       gint64   merchant_id,
       GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_vouchers_claim_async (c->store, c->api, merchant_id, NULL, wh_test_result_cb, &result);
  return wh_vouchers_claim_finish (wh_test_await (&result), error);
}

static char *
pending_key (Claimer *c,
             gint64   merchant_id)
{
  g_autofree char *day = wh_api_service_day ();
  g_autoptr(GError) error = NULL;
  /* begin_claim hands back the kept key, if there is one, and keeps ours
   * otherwise: a fresh key back means none was kept. */
  char *key = wh_store_begin_claim (c->store, merchant_id, day, "probe", &error);

  g_assert_no_error (error);
  if (g_strcmp0 (key, "probe") == 0)
    {
      g_assert_true (wh_store_finish_claim (c->store, merchant_id, day, NULL, &error));
      g_clear_pointer (&key, g_free);
    }
  return key;
}

static void
test_claim_lost_answer (Claimer      *c,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) lost = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autoptr(WhRecord) again = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *day = wh_api_service_day ();
  g_autofree char *kept = NULL;
  g_autofree char *kept_again = NULL;

  /* the answer is lost on the way: a transient error, the key stays */
  wh_test_server_set_faults (c->server, "drop=1,scope=all,seed=3");
  lost = claim (c, MERCHANT_PLENTY, &error);
  g_assert_null (lost);
  g_assert_true (wh_api_error_is_transient (error));
  g_clear_error (&error);
  g_assert_cmpint (wh_store_get_pending_claim (c->store, day, NULL), ==, MERCHANT_PLENTY);
  stored = wh_store_list_vouchers (c->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 0);
  g_clear_pointer (&stored, g_ptr_array_unref);

  /* a second lost answer: still the same key */
  kept = pending_key (c, MERCHANT_PLENTY);
  g_assert_nonnull (kept);
  g_clear_pointer (&lost, wh_record_free);
  lost = claim (c, MERCHANT_PLENTY, &error);
  g_assert_null (lost);
  g_clear_error (&error);
  kept_again = pending_key (c, MERCHANT_PLENTY);
  g_assert_cmpstr (kept_again, ==, kept);

  /* the retry gets the voucher the server made the first time: stored,
   * the claim over */
  wh_test_server_set_faults (c->server, "");
  voucher = claim (c, MERCHANT_PLENTY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (voucher);
  g_assert_cmpint (wh_store_get_pending_claim (c->store, day, NULL), ==, 0);
  stored = wh_store_list_vouchers (c->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 1);
  g_assert_true (wh_record_equal (g_ptr_array_index (stored, 0), voucher));

  /* the server made one: the quota went down by one, and a new claim is
   * refused as the second of the day, with nothing left pending */
  again = claim (c, MERCHANT_PLENTY, &error);
  g_assert_null (again);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_ALREADY_CLAIMED_TODAY);
  g_assert_cmpint (wh_store_get_pending_claim (c->store, day, NULL), ==, 0);
  g_assert_null (pending_key (c, MERCHANT_PLENTY));
}

static void
test_claim_refused (Claimer      *c,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autoptr(WhApi) other = NULL;
  g_autoptr(GAsyncResult) login = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autoptr(WhRecord) theirs = NULL;
  g_autofree char *key = wh_idempotency_key_new ();
  g_autofree char *day = wh_api_service_day ();

  /* another worker takes the last meal */
  other = wh_api_new (wh_test_server_get_url (c->server), &error);
  g_assert_no_error (error);
  wh_api_login_async (other, "13800138002", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb,
                      &login);
  me = wh_api_login_finish (other, wh_test_await (&login), NULL, NULL, &error);
  g_assert_no_error (error);
  wh_api_claim_voucher_async (other, MERCHANT_ONE_LEFT, key, NULL, wh_test_result_cb, &result);
  theirs = wh_api_claim_voucher_finish (other, wh_test_await (&result), &error);
  g_assert_no_error (error);

  /* a definite no ends the claim: no key is kept */
  voucher = claim (c, MERCHANT_ONE_LEFT, &error);
  g_assert_null (voucher);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_QUOTA_EXHAUSTED);
  g_clear_error (&error);
  g_assert_cmpint (wh_store_get_pending_claim (c->store, day, NULL), ==, 0);

  /* signed out: the key may be written, the request never leaves */
  wh_api_set_token (c->api, NULL);
  voucher = claim (c, MERCHANT_PLENTY, &error);
  g_assert_null (voucher);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a cancelled claim sends nothing and leaves nothing stored */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GPtrArray) stored = NULL;

    g_cancellable_cancel (cancellable);
    wh_vouchers_claim_async (c->store, c->api, MERCHANT_PLENTY, cancellable, wh_test_result_cb,
                             &r);
    voucher = wh_vouchers_claim_finish (wh_test_await (&r), &error);
    g_assert_null (voucher);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    stored = wh_store_list_vouchers (c->store, NULL);
    g_assert_cmpuint (stored->len, ==, 0);
  }
}

/* The worker's list from the server replaces the stored one; the worker
 * is saved and forgotten off the caller's thread. */
static void
test_refresh_and_forget (Claimer      *c,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = claim (c, MERCHANT_PLENTY, &error);
  g_autoptr(WhRecord) me = wh_record_new (&wh_collection_me);
  g_autoptr(WhRecord) stored_me = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GAsyncResult) refreshed = NULL;
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(GAsyncResult) forgotten = NULL;
  g_autoptr(GAsyncResult) read = NULL;

  g_assert_no_error (error);
  /* the store loses the voucher (another device's cache, say) */
  g_assert_true (wh_store_forget_signed_in (c->store, &error));
  wh_vouchers_refresh_async (c->store, c->api, NULL, wh_test_result_cb, &refreshed);
  g_assert_true (wh_vouchers_refresh_finish (wh_test_await (&refreshed), &error));
  g_assert_no_error (error);
  wh_store_list_vouchers_async (c->store, NULL, wh_test_result_cb, &read);
  stored = wh_store_list_vouchers_finish (c->store, wh_test_await (&read), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 1);
  g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (stored, 0), "voucher_id"), ==,
                   wh_record_get_text (voucher, "voucher_id"));
  g_clear_object (&read);

  wh_record_set_int (me, "user_id", 1);
  wh_record_set_text (me, "phone", "13800138000");
  wh_record_set_bool (me, "union_member", TRUE);
  wh_record_set_bool (me, "new_form_worker", TRUE);
  wh_record_set_bool (me, "eligible", TRUE);
  wh_vouchers_save_me_async (c->store, me, NULL, wh_test_result_cb, &saved);
  g_assert_true (wh_vouchers_save_me_finish (wh_test_await (&saved), &error));
  g_assert_no_error (error);
  wh_store_get_me_async (c->store, NULL, wh_test_result_cb, &read);
  stored_me = wh_store_get_me_finish (c->store, wh_test_await (&read), &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored_me);
  g_assert_cmpstr (wh_record_get_text (stored_me, "phone"), ==, "13800138000");
  g_clear_object (&read);
  g_clear_pointer (&stored_me, wh_record_free);

  wh_vouchers_forget_async (c->store, NULL, wh_test_result_cb, &forgotten);
  g_assert_true (wh_vouchers_forget_finish (wh_test_await (&forgotten), &error));
  wh_store_get_me_async (c->store, NULL, wh_test_result_cb, &read);
  stored_me = wh_store_get_me_finish (c->store, wh_test_await (&read), &error);
  g_assert_no_error (error);
  g_assert_null (stored_me);
}

/* A pending claim read on the store's ordered queue. */
static void
test_pending_async (Claimer      *c,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) read = NULL;
  g_autofree char *key = wh_store_begin_claim (c->store, 9, "2026-11-20", "k9", &error);

  g_assert_no_error (error);
  wh_store_get_pending_claim_async (c->store, "2026-11-20", NULL, wh_test_result_cb, &read);
  g_assert_cmpint (wh_store_get_pending_claim_finish (c->store, wh_test_await (&read), &error),
                   ==, 9);
  g_assert_no_error (error);
  g_clear_object (&read);
  wh_store_get_pending_claim_async (c->store, "2026-11-21", NULL, wh_test_result_cb, &read);
  g_assert_cmpint (wh_store_get_pending_claim_finish (c->store, wh_test_await (&read), &error),
                   ==, 0);
  g_assert_no_error (error);
}

/* ---- Sign-out on a desktop ----------------------------------------------- */

#define WIPE_PHONE "13912345678"
#define WIPE_MARKER "PAYLOAD-MARKER"

static gboolean
file_holds (const char *path,
            const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

static WhRecord *
wipe_voucher (guint i,
              guint round)
{
  WhRecord *v = wh_record_new (&wh_collection_vouchers);
  g_autofree char *id = g_strdup_printf ("v%u", i);
  g_autofree char *day = g_strdup_printf ("2026-11-%02u", i + 1);
  g_autofree char *valid = g_strdup_printf ("%sT23:59:59+08:00", day);
  /* Long payloads, as real ones are: the vouchers take several pages. */
  g_autofree char *payload = g_strdup_printf ("WH1." WIPE_MARKER ".%u.%u.%0300u", i, round, i);

  wh_record_set_text (v, "voucher_id", id);
  wh_record_set_int (v, "merchant_id", 1 + i);
  wh_record_set_text (v, "merchant_name", "黄焖鸡米饭");
  wh_record_set_text (v, "code", "253587322047");
  wh_record_set_text (v, "payload", payload);
  wh_record_set_text (v, "day", day);
  wh_record_set_text (v, "valid_until", valid);
  wh_record_set_text (v, "status", "unused");
  wh_record_set_text (v, "claimed_at", valid);
  return v;
}

/* Signing out on a desktop leaves the worker's phone number, vouchers and
 * claim keys readable nowhere: not in the file, its WAL or its index, even
 * as copies the session's writes left behind (a voucher list replaced,
 * the worker saved again). */
static void
test_sign_out_wipes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhRecord) me = wh_record_new (&wh_collection_me);
  const char *suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *key = NULL;

  g_assert_no_error (error);
  wh_record_set_int (me, "user_id", 1);
  wh_record_set_text (me, "phone", WIPE_PHONE);
  wh_record_set_bool (me, "union_member", TRUE);
  wh_record_set_bool (me, "new_form_worker", TRUE);
  wh_record_set_bool (me, "eligible", TRUE);
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);

      g_assert_true (wh_store_set_me (store, me, &error));
      for (guint i = 0; i < 24 - round * 8; i++)
        g_ptr_array_add (list, wipe_voucher (i, round));
      g_assert_true (wh_store_replace_vouchers (store, list, &error));
      g_assert_true (wh_store_put_voucher (store, g_ptr_array_index (list, 0), &error));
      g_assert_no_error (error);
    }
  key = wh_store_begin_claim (store, 7, "2026-11-30", "CLAIM-KEY-MARKER", &error);
  g_assert_no_error (error);
  /* Before: the data is there to be found (the test can see it). */
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);

    g_assert_true (file_holds (path, WIPE_PHONE) || file_holds (wal, WIPE_PHONE));
  }

  g_assert_true (wh_store_forget_signed_in (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_assert_false (file_holds (file, WIPE_PHONE));
      g_assert_false (file_holds (file, WIPE_MARKER));
      g_assert_false (file_holds (file, "CLAIM-KEY-MARKER"));
    }
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* ---- Merchants serving at a time ----------------------------------------- */

static WhRecord *
serving_merchant (gint64              id,
                  double              lat,
                  const char * const *windows)
{
  WhRecord *m = wh_record_new (&wh_collection_merchants);
  g_autofree char *name = g_strdup_printf ("商户%" G_GINT64_FORMAT, id);

  m->id = id;
  m->rev = id;
  wh_record_set_text (m, "name", name);
  wh_record_set_real (m, "lat", lat);
  wh_record_set_real (m, "lon", 116.33);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", 5);
  wh_record_set_int (m, "remaining_today", 5);
  return m;
}

static GPtrArray *
serving_at (WhStore *store,
            int      minute,
            gboolean nearest)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_merchants);
  GPtrArray *rows;

  wh_query_where_in_window (query, "windows", minute);
  if (nearest)
    wh_query_set_order_distance (query, 39.73, 116.33);
  rows = wh_store_query (store, query, 0, 30, &error);
  g_assert_no_error (error);
  return rows;
}

/* The store finds the merchants serving at a minute of the day by their
 * windows, start included and end excluded, as wh_windows_contain says on a
 * record; nearest first too, so the all-day merchant beyond thirty others
 * that are closed is found. */
static void
test_serving_at (void)
{
  static const char * const meals[] = { "11:00-13:30", "17:00-19:30", NULL };
  static const char * const all_day[] = { "00:00-24:00", NULL };
  static const char * const morning[] = { "06:00-10:00", NULL };
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(WhQuery) every = wh_query_new (&wh_collection_merchants);
  g_autoptr(GError) error = NULL;

  /* 40 merchants with meal-time windows near the worker, one open all day
   * far off, one serving mornings in between. */
  for (gint64 id = 1; id <= 40; id++)
    wh_test_apply (store, &wh_collection_merchants, NULL, id,
                   serving_merchant (id, 39.73 + id * 0.0005, meals), NULL);
  wh_test_apply (store, &wh_collection_merchants, NULL, 41,
                 serving_merchant (41, 39.80, all_day), NULL);
  wh_test_apply (store, &wh_collection_merchants, NULL, 42,
                 serving_merchant (42, 39.76, morning), NULL);

  /* 14:40: only the all-day one, nearest first or not */
  rows = serving_at (store, 14 * 60 + 40, TRUE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((WhRecord *) rows->pdata[0])->id, ==, 41);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = serving_at (store, 14 * 60 + 40, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* 11:00 is in, 13:30 is out; the nearest thirty, then the rest */
  rows = serving_at (store, 11 * 60, TRUE);
  g_assert_cmpuint (rows->len, ==, 30);
  g_assert_cmpint (((WhRecord *) rows->pdata[0])->id, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = serving_at (store, 13 * 60 + 30, TRUE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = serving_at (store, 8 * 60, TRUE);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (((WhRecord *) rows->pdata[0])->id, ==, 42);
  g_assert_cmpint (((WhRecord *) rows->pdata[1])->id, ==, 41);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* The store and the rule on a record agree at every minute. */
  all = wh_store_query (store, every, 0, 100, &error);
  g_assert_no_error (error);
  for (int minute = 0; minute < 24 * 60; minute += 5)
    {
      guint expected = 0;

      if (!wh_test_sampled ((guint) minute / 5))
        continue;
      for (guint i = 0; i < all->len; i++)
        {
          g_auto(GStrv) windows = wh_record_dup_strv (all->pdata[i], "windows");

          expected += wh_windows_contain ((const char * const *) windows, minute);
        }
      rows = serving_at (store, minute, FALSE);
      g_assert_cmpuint (MIN (expected, 30), ==, rows->len);
      g_clear_pointer (&rows, g_ptr_array_unref);
    }
  g_assert_false (wh_windows_contain (NULL, 0));
  g_assert_true (wh_windows_contain (all_day, 24 * 60 - 1));
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/vouchers/idempotency-key/rule", test_key_rule);
  g_test_add_func ("/vouchers/idempotency-key/server", test_key_rule_server);
  g_test_add_func ("/vouchers/status", test_status);
  g_test_add ("/vouchers/claim/lost-answer", Claimer, NULL, claimer_setup,
              test_claim_lost_answer, claimer_teardown);
  g_test_add ("/vouchers/claim/refused", Claimer, NULL, claimer_setup, test_claim_refused,
              claimer_teardown);
  g_test_add ("/vouchers/refresh-and-forget", Claimer, NULL, claimer_setup,
              test_refresh_and_forget, claimer_teardown);
  g_test_add_func ("/vouchers/merchants/serving-at", test_serving_at);
  g_test_add_func ("/vouchers/store/sign-out-wipes", test_sign_out_wipes);
  g_test_add ("/vouchers/store/pending-async", Claimer, NULL, claimer_setup, test_pending_async,
              claimer_teardown);
  return g_test_run ();
}
