/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend's vouchers (src/server/wh-server-vouchers.c):
 * claims, their rules and quota, redemption and expiry, with real HTTP
 * requests. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-server-db.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* Vouchers */

#define MERCHANT_A 42
#define MERCHANT_B 43

static void
put_merchant (WhTestServer *ts,
              gint64        id,
              gint64        quota)
{
  static const char * const windows[] = { "11:00-13:30", "17:00-19:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", id == MERCHANT_A ? "老王家常菜 & <小馆>" : "兰州拉面");
  wh_record_set_text (m, "address", "北京市朝阳区望京街 8 号");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
  wh_test_server_put_record (ts, m);
}

static Response *
claim (SoupSession  *session,
       WhTestServer *ts,
       const char   *token,
       const char   *key,
       gint64        merchant_id)
{
  g_autofree char *url = api_url (ts, "vouchers");
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autofree char *body = g_strdup_printf ("{\"merchant_id\": %" G_GINT64_FORMAT "}", merchant_id);

  if (key == NULL)
    return request (session, "POST", url, body, "Authorization", bearer, NULL);
  return request (session, "POST", url, body, "Authorization", bearer, "Idempotency-Key", key,
                  NULL);
}

static WhRecord *
parse_voucher (Response *r)
{
  g_autoptr(GError) error = NULL;
  WhRecord *v = wh_record_parse (&wh_collection_vouchers, r->body, r->length, &error);

  g_assert_no_error (error);
  return v;
}

static Response *
redeem (SoupSession  *session,
        WhTestServer *ts,
        gint64        merchant_id,
        const char   *key,
        const char   *payload)
{
  g_autofree char *path = g_strdup_printf ("merchants/%" G_GINT64_FORMAT "/redeem", merchant_id);
  g_autofree char *url = api_url (ts, path);
  g_autofree char *auth = key ? g_strdup_printf ("Merchant %s", key) : NULL;
  g_autofree char *body = g_strdup_printf ("{\"payload\": \"%s\"}", payload);

  if (auth == NULL)
    return request (session, "POST", url, body, NULL);
  return request (session, "POST", url, body, "Authorization", auth, NULL);
}

static gint64
merchant_remaining (SoupSession  *session,
                    WhTestServer *ts,
                    gint64        id)
{
  g_autoptr(WhPage) page = get_page (session, ts, "merchants", "since=0");

  for (guint i = 0; i < page->records->len; i++)
    {
      WhRecord *m = g_ptr_array_index (page->records, i);
      if (m->id == id)
        return wh_record_get_int (m, "remaining_today");
    }
  g_assert_not_reached ();
}

static void
test_voucher_claim (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) retry = NULL;
  g_autoptr(WhRecord) v = NULL;
  g_autoptr(WhRecord) v2 = NULL;
  g_auto(GStrv) parts = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  put_merchant (ts, MERCHANT_B, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");

  first = claim (session, ts, token, "claim-1", MERCHANT_A);
  g_assert_cmpuint (first->status, ==, 201);
  v = parse_voucher (first);
  g_assert_cmpstr (wh_record_get_text (v, "status"), ==, "unused");
  g_assert_cmpstr (wh_record_get_text (v, "day"), ==, "2026-11-20");
  g_assert_cmpstr (wh_record_get_text (v, "valid_until"), ==, "2026-11-20T23:59:59+08:00");
  g_assert_cmpstr (wh_record_get_text (v, "claimed_at"), ==, "2026-11-20T12:00:00+08:00");
  g_assert_cmpstr (wh_record_get_text (v, "merchant_name"), ==, "老王家常菜 & <小馆>");
  g_assert_cmpint (wh_record_get_int (v, "merchant_id"), ==, MERCHANT_A);
  g_assert_cmpuint (strlen (wh_record_get_text (v, "voucher_id")), ==, 32);
  g_assert_cmpuint (strlen (wh_record_get_text (v, "code")), ==, 12);
  parts = g_strsplit (wh_record_get_text (v, "payload"), ".", -1);
  /* Signed with Ed25519 (wh-voucher-payload.h), checkable offline. */
  g_assert_cmpuint (g_strv_length (parts), ==, 8);
  g_assert_cmpstr (parts[0], ==, "WH2");
  g_assert_cmpuint (strlen (parts[1]), ==, 8);
  g_assert_cmpstr (parts[2], ==, wh_record_get_text (v, "voucher_id"));
  g_assert_cmpstr (parts[3], ==, "42");
  g_assert_cmpstr (parts[4], ==, "20261120");
  g_assert_cmpstr (parts[6], ==, wh_record_get_text (v, "code"));
  g_assert_cmpuint (strlen (parts[7]), ==, 86);
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);

  /* A retry with the same key is the same voucher, not a second one. */
  retry = claim (session, ts, token, "claim-1", MERCHANT_A);
  g_assert_cmpuint (retry->status, ==, 201);
  v2 = parse_voucher (retry);
  g_assert_true (wh_record_equal (v, v2));
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);
  /* The same request with other spacing is still the same request. */
  {
    g_autofree char *url = api_url (ts, "vouchers");
    g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
    g_autoptr(Response) r = request (session, "POST", url, "{ \"merchant_id\" :42 }",
                                     "Authorization", bearer, "Idempotency-Key", "claim-1", NULL);
    g_assert_cmpuint (r->status, ==, 201);
  }

  /* The same key with another body is refused. */
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-1", MERCHANT_B);
    assert_error (r, 422, "idempotency_key_reused");
  }
  /* A new key the same day: one voucher a day. */
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-2", MERCHANT_B);
    assert_error (r, 409, "already_claimed_today");
    g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_B), ==, 10);
  }
  /* Keys: required, and of the allowed form. */
  {
    g_autoptr(Response) none = claim (session, ts, token, NULL, MERCHANT_A);
    g_autofree char *long_key = g_strnfill (65, 'k');
    g_autoptr(Response) too_long = claim (session, ts, token, long_key, MERCHANT_A);
    g_autoptr(Response) bad_chars = claim (session, ts, token, "key with spaces", MERCHANT_A);
    g_autofree char *max_key = g_strnfill (64, 'k');
    g_autoptr(Response) longest = claim (session, ts, token, max_key, MERCHANT_A);
    assert_error (none, 400, "idempotency_key_required");
    assert_error (too_long, 400, "bad_request");
    assert_error (bad_chars, 400, "bad_request");
    assert_error (longest, 409, "already_claimed_today");
  }
  /* Not signed in; a bad body. */
  {
    g_autofree char *url = api_url (ts, "vouchers");
    g_autoptr(Response) anon = request (session, "POST", url, "{\"merchant_id\": 42}",
                                        "Idempotency-Key", "k", NULL);
    g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
    g_autoptr(Response) bad = request (session, "POST", url, "{\"merchant_id\": \"42\"}",
                                       "Authorization", bearer, "Idempotency-Key", "k2", NULL);
    assert_error (anon, 401, "unauthorized");
    assert_error (bad, 400, "bad_request");
  }

  /* GET /vouchers lists it. */
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vouchers = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                          list->body, list->length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vouchers->len, ==, 1);
    g_assert_true (wh_record_equal (g_ptr_array_index (vouchers, 0), v));
  }

  /* Tomorrow is another day. */
  wh_test_server_set_time (ts, cst_time_us (21, 11, 30));
  {
    g_autoptr(Response) r = claim (session, ts, token, "claim-3", MERCHANT_B);
    g_assert_cmpuint (r->status, ==, 201);
  }
}

static void
test_voucher_rules (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *not_verified = NULL;
  g_autofree char *neither = NULL;
  g_autofree char *worker = NULL;
  g_autofree char *worker2 = NULL;
  struct { int hour, minute; gboolean open; } times[] = {
    { 10, 59, FALSE }, { 11, 0, TRUE }, { 13, 29, TRUE }, { 13, 30, FALSE },
    { 15, 0, FALSE }, { 17, 30, TRUE }, { 19, 0, FALSE }, { 2, 0, FALSE },
  };

  put_merchant (ts, MERCHANT_A, 1);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  not_verified = sign_in (session, ts, "13800138008");
  neither = sign_in (session, ts, "13800138009");
  worker = sign_in (session, ts, "13800138001");
  worker2 = sign_in (session, ts, "13800138002");

  {
    g_autoptr(Response) a = claim (session, ts, not_verified, "k", MERCHANT_A);
    g_autoptr(Response) b = claim (session, ts, neither, "k", MERCHANT_A);
    g_autoptr(Response) c = claim (session, ts, worker, "k", 999);
    assert_error (a, 403, "not_eligible");
    assert_error (b, 403, "not_eligible");
    assert_error (c, 404, "not_found");
  }

  /* Serving windows: start included, end excluded, in China Standard Time. */
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *key = g_strdup_printf ("window-%u", i);
      g_autoptr(Response) r = NULL;

      wh_test_server_set_time (ts, cst_time_us (20 + (int) i, times[i].hour, times[i].minute));
      r = claim (session, ts, worker, key, MERCHANT_A);
      if (times[i].open)
        g_assert_cmpuint (r->status, ==, 201);
      else
        assert_error (r, 409, "outside_serving_window");
    }

  /* A refusal is the first answer to its key too, and is replayed. */
  wh_test_server_set_time (ts, cst_time_us (29, 12, 0));
  {
    g_autoptr(Response) ok = claim (session, ts, worker, "day29", MERCHANT_A);
    g_autoptr(Response) exhausted = claim (session, ts, worker2, "day29", MERCHANT_A);
    g_assert_cmpuint (ok->status, ==, 201);
    assert_error (exhausted, 409, "quota_exhausted");
    g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 0);
  }
}

typedef struct
{
  WhTestServer *ts;
  char         *token;
  guint         status;
  char         *code;
  GMutex       *lock;
  GCond        *cond;
  gboolean     *go;
} Claimer;

static gpointer
claimer_thread (gpointer user_data)
{
  Claimer *c = user_data;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) r = NULL;

  /* Everyone starts at once. */
  g_mutex_lock (c->lock);
  while (!*c->go)
    g_cond_wait (c->cond, c->lock);
  g_mutex_unlock (c->lock);

  r = claim (session, c->ts, c->token, "same-key-everywhere", MERCHANT_A);
  g_assert_no_error (r->error);
  c->status = r->status;
  if (r->status >= 400)
    g_assert_true (wh_error_body_parse (r->body, r->length, &c->code, NULL));
  return NULL;
}

static void
test_voucher_concurrent_quota (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  Claimer claimers[50];
  GThread *threads[50];
  GMutex lock;
  GCond cond;
  gboolean go = FALSE;
  guint created = 0, exhausted = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  g_mutex_init (&lock);
  g_cond_init (&cond);
  put_merchant (ts, MERCHANT_A, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  for (guint i = 0; i < G_N_ELEMENTS (claimers); i++)
    {
      /* Last digit 0-7: every one of them is eligible. */
      g_autofree char *phone = g_strdup_printf ("1390000%03u%u", i, i % 8);
      claimers[i] = (Claimer) { ts, sign_in (session, ts, phone), 0, NULL, &lock, &cond, &go };
      threads[i] = g_thread_new ("claimer", claimer_thread, &claimers[i]);
    }
  g_mutex_lock (&lock);
  go = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);

  for (guint i = 0; i < G_N_ELEMENTS (claimers); i++)
    {
      g_thread_join (threads[i]);
      if (claimers[i].status == 201)
        created++;
      else
        {
          g_assert_cmpuint (claimers[i].status, ==, 409);
          g_assert_cmpstr (claimers[i].code, ==, "quota_exhausted");
          exhausted++;
        }
      g_free (claimers[i].token);
      g_free (claimers[i].code);
    }
  g_assert_cmpuint (created, ==, 10);
  g_assert_cmpuint (exhausted, ==, 40);
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 0);

  db = wh_server_db_open (wh_test_server_get_db_path (ts), NULL);
  g_assert_nonnull (db);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM vouchers WHERE merchant_id = 42",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 10);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_mutex_clear (&lock);
  g_cond_clear (&cond);
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
test_voucher_redeem (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;
  g_autoptr(Response) claimed = NULL;
  g_autoptr(WhRecord) v = NULL;
  const char *payload;

  put_merchant (ts, MERCHANT_A, 10);
  put_merchant (ts, MERCHANT_B, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");
  key_a = wh_test_server_merchant_key (ts, MERCHANT_A);
  key_b = wh_test_server_merchant_key (ts, MERCHANT_B);
  g_assert_cmpuint (strlen (key_a), ==, 64);
  g_assert_cmpstr (key_a, !=, key_b);
  claimed = claim (session, ts, token, "k", MERCHANT_A);
  g_assert_cmpuint (claimed->status, ==, 201);
  v = parse_voucher (claimed);
  payload = wh_record_get_text (v, "payload");

  /* Keys. */
  {
    g_autoptr(Response) none = redeem (session, ts, MERCHANT_A, NULL, payload);
    g_autoptr(Response) other = redeem (session, ts, MERCHANT_A, key_b, payload);
    g_autoptr(Response) garbage = redeem (session, ts, MERCHANT_A, "00", payload);
    assert_error (none, 403, "forbidden");
    assert_error (other, 403, "forbidden");
    assert_error (garbage, 403, "forbidden");
  }
  /* Forged and altered payloads. */
  {
    g_autofree char *code = altered (payload, 6, "000000000000");
    g_autofree char *merchant = altered (payload, 3, "43");
    g_autofree char *day = altered (payload, 4, "20261121");
    g_autofree char *vid = altered (payload, 2, "0123456789abcdef0123456789abcdef");
    g_autofree char *windows = altered (payload, 5, "0000-2400");
    g_autofree char *key = altered (payload, 1, "00000000");
    g_autofree char *sig = altered (payload, 7, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_autofree char *no_sig = altered (payload, 7, "");
    g_autofree char *version = altered (payload, 0, "WH1");
    g_autofree char *truncated = g_strndup (payload, strlen (payload) - 1);
    g_autofree char *extra = g_strconcat (payload, ".x", NULL);
    const char *forged[] = { code, merchant, day, vid, windows, key, sig, no_sig, version,
                             truncated, extra, "", "WH1", "WH2", "hello world" };

    for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
      {
        g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, forged[i]);
        assert_error (r, 400, "invalid_voucher");
      }
  }
  /* At another merchant, with that merchant's key. */
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_B, key_b, payload);
    assert_error (r, 409, "wrong_merchant");
  }
  /* Once. */
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, payload);
    g_autoptr(WhRecord) done = NULL;
    g_assert_cmpuint (r->status, ==, 200);
    done = parse_voucher (r);
    g_assert_cmpstr (wh_record_get_text (done, "status"), ==, "redeemed");
    g_assert_cmpstr (wh_record_get_text (done, "redeemed_at"), ==, "2026-11-20T12:00:00+08:00");
    g_assert_cmpstr (wh_record_get_text (done, "voucher_id"), ==,
                     wh_record_get_text (v, "voucher_id"));
  }
  {
    g_autoptr(Response) r = redeem (session, ts, MERCHANT_A, key_a, payload);
    assert_error (r, 409, "already_redeemed");
  }
  /* Malformed bodies. */
  {
    g_autofree char *url = api_url (ts, "merchants/42/redeem");
    g_autofree char *auth = g_strdup_printf ("Merchant %s", key_a);
    g_autoptr(Response) r = request (session, "POST", url, "{\"payload\": 5}", "Authorization",
                                     auth, NULL);
    g_autofree char *url2 = api_url (ts, "merchants/abc/redeem");
    g_autoptr(Response) r2 = request (session, "POST", url2, "{}", NULL);
    assert_error (r, 400, "bad_request");
    assert_error (r2, 404, "not_found");
  }
}

static void
test_voucher_expiry (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *key = NULL;
  g_autoptr(WhRecord) first = NULL;
  g_autoptr(WhRecord) second = NULL;
  g_autoptr(WhRecord) third = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  token = sign_in (session, ts, "13800138000");
  key = wh_test_server_merchant_key (ts, MERCHANT_A);

  /* Day 20: claimed, never redeemed. Day 21: claimed and redeemed. Day 22:
   * claimed, listed the same evening. */
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d20", MERCHANT_A);
    first = parse_voucher (r);
  }
  wh_test_server_set_time (ts, cst_time_us (21, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d21", MERCHANT_A);
    g_autoptr(Response) expired = redeem (session, ts, MERCHANT_A, key,
                                          wh_record_get_text (first, "payload"));
    g_autoptr(Response) ok = NULL;
    second = parse_voucher (r);
    assert_error (expired, 409, "voucher_expired");
    ok = redeem (session, ts, MERCHANT_A, key, wh_record_get_text (second, "payload"));
    g_assert_cmpuint (ok->status, ==, 200);
  }
  wh_test_server_set_time (ts, cst_time_us (22, 12, 0));
  {
    g_autoptr(Response) r = claim (session, ts, token, "d22", MERCHANT_A);
    third = parse_voucher (r);
  }
  /* 23:59:59 is still the voucher's day; a second later it is over. */
  wh_test_server_set_time (ts, cst_time_us (22, 23, 59) + 59 * G_USEC_PER_SEC);
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) vs = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                    list->body, list->length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vs->len, ==, 3);
    /* Newest first, each status as of now. */
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "day"), ==, "2026-11-22");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "status"), ==, "unused");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 1), "status"), ==, "redeemed");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 2), "status"), ==, "expired");
  }
  wh_test_server_advance (ts, 1);
  {
    g_autoptr(Response) list = authed (session, ts, "GET", "vouchers", token, NULL);
    g_autoptr(GPtrArray) vs = wh_record_list_parse (&wh_collection_vouchers, "vouchers",
                                                    list->body, list->length, NULL);
    g_autoptr(Response) late = redeem (session, ts, MERCHANT_A, key,
                                       wh_record_get_text (third, "payload"));
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 0), "status"), ==, "expired");
    g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (vs, 1), "status"), ==, "redeemed");
    assert_error (late, 409, "voucher_expired");
  }
}

/* A claim whose response is lost after it took effect: the retry with the
 * same key gets the same voucher, and the quota counted one. */
static void
test_faults_lost_claim (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autoptr(Response) lost = NULL;
  g_autoptr(Response) retry = NULL;
  g_autoptr(Response) list = NULL;
  g_autoptr(GPtrArray) vouchers = NULL;
  g_autoptr(WhRecord) v = NULL;

  put_merchant (ts, MERCHANT_A, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");

  wh_test_server_set_faults (ts, "scope=all,drop=1");
  lost = claim (session, ts, token, "lost-1", MERCHANT_A);
  g_assert_nonnull (lost->error);
  wh_test_server_set_faults (ts, NULL);

  retry = claim (session, ts, token, "lost-1", MERCHANT_A);
  g_assert_cmpuint (retry->status, ==, 201);
  v = parse_voucher (retry);
  list = authed (session, ts, "GET", "vouchers", token, NULL);
  vouchers = wh_record_list_parse (&wh_collection_vouchers, "vouchers", list->body, list->length,
                                   NULL);
  g_assert_cmpuint (vouchers->len, ==, 1);
  g_assert_true (wh_record_equal (g_ptr_array_index (vouchers, 0), v));
  g_assert_cmpint (merchant_remaining (session, ts, MERCHANT_A), ==, 9);
}

static Response *
send_sms (SoupSession  *session,
          WhTestServer *ts,
          const char   *token,
          const char   *voucher_id)
{
  g_autofree char *path = g_strdup_printf ("vouchers/%s/sms", voucher_id);

  return authed (session, ts, "POST", path, token, NULL);
}

/* A kiosk's voucher leaves with the worker as a text message: to the
 * owner's phone only, for an unused voucher, a few times a day. */
static void
test_voucher_sms (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;
  g_autofree char *key_a = NULL;
  g_autoptr(Response) claimed = NULL;
  g_autoptr(WhRecord) v = NULL;
  const char *id;

  put_merchant (ts, MERCHANT_A, 10);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");
  other = sign_in (session, ts, "13900139000");
  claimed = claim (session, ts, token, "k", MERCHANT_A);
  g_assert_cmpuint (claimed->status, ==, 201);
  v = parse_voucher (claimed);
  id = wh_record_get_text (v, "voucher_id");

  {
    g_autoptr(Response) r = send_sms (session, ts, token, id);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_nonnull (g_strstr_len (r->body, r->length, "\"sent_to\": \"138****8000\""));
  }
  /* Not someone else's, not without a token, not an unknown one. */
  {
    g_autoptr(Response) a = send_sms (session, ts, other, id);
    g_autoptr(Response) b = send_sms (session, ts, "bogus", id);
    g_autoptr(Response) c = send_sms (session, ts, token, "00ff");

    assert_error (a, 404, "not_found");
    assert_error (b, 401, "unauthorized");
    assert_error (c, 404, "not_found");
  }
  /* Three a day, then come back tomorrow. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(Response) r = send_sms (session, ts, token, id);

      g_assert_cmpuint (r->status, ==, 200);
    }
  {
    g_autoptr(Response) r = send_sms (session, ts, token, id);

    assert_error (r, 429, "too_many_requests");
    g_assert_nonnull (soup_message_headers_get_one (r->headers, "Retry-After"));
  }
  /* A used voucher is not sent. */
  key_a = wh_test_server_merchant_key (ts, MERCHANT_A);
  wh_test_server_set_auth_limits (ts, "voucher-sms=0");
  {
    g_autoptr(Response) used = redeem (session, ts, MERCHANT_A, key_a, wh_record_get_text (v, "payload"));
    g_autoptr(Response) r = send_sms (session, ts, token, id);

    g_assert_cmpuint (used->status, ==, 200);
    assert_error (r, 409, "voucher_not_usable");
  }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/vouchers/claim", test_voucher_claim);
  g_test_add_func ("/server/vouchers/rules", test_voucher_rules);
  g_test_add_func ("/server/vouchers/concurrent-quota", test_voucher_concurrent_quota);
  g_test_add_func ("/server/vouchers/redeem", test_voucher_redeem);
  g_test_add_func ("/server/vouchers/sms", test_voucher_sms);
  g_test_add_func ("/server/vouchers/expiry", test_voucher_expiry);
  g_test_add_func ("/server/faults/lost-claim-response", test_faults_lost_claim);

  return g_test_run ();
}
