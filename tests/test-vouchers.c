/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The client's love-meal vouchers (src/core/wh-vouchers.c): the
 * Idempotency-Key rule both sides share, and the claim protocol against the
 * reference server: the key kept across a lost answer, dropped on a
 * definite no, one voucher however often the worker taps. */
#include "config.h"

#include <string.h>

#include "wh-api.h"
#include "wh-idempotency.h"
#include "wh-store.h"
#include "wh-test-http.h"
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
  g_test_add ("/vouchers/store/pending-async", Claimer, NULL, claimer_setup, test_pending_async,
              claimer_teardown);
  return g_test_run ();
}
