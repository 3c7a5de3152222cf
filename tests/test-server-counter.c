/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The voucher signing key and its publication (src/server/wh-server-keys.c)
 * and the counters' endpoints (src/server/wh-server-counter.c): pairing,
 * the day's vouchers, uploads and the reconciling of two counters that
 * redeemed one voucher offline. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>

#include "wh-codec.h"
#include "wh-server-private.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"
#include "wh-voucher-payload.h"

#define MERCHANT_A 42
#define MERCHANT_B 43

static void
put_merchant (WhTestServer *ts,
              gint64        id)
{
  static const char * const windows[] = { "11:00-13:30", "17:00-19:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", id == MERCHANT_A ? "老王家常菜" : "兰州拉面");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", 100);
  wh_record_set_int (m, "remaining_today", 100);
  wh_test_server_put_record (ts, m);
}

static WhRecord *
claim (SoupSession  *session,
       WhTestServer *ts,
       const char   *phone,
       gint64        merchant_id)
{
  g_autofree char *token = sign_in (session, ts, phone);
  g_autofree char *url = api_url (ts, "vouchers");
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
  g_autofree char *body = g_strdup_printf ("{\"merchant_id\": %" G_GINT64_FORMAT "}", merchant_id);
  g_autoptr(Response) r = request (session, "POST", url, body, "Authorization", bearer,
                                   "Idempotency-Key", phone, NULL);
  g_autoptr(GError) error = NULL;
  WhRecord *v;

  g_assert_cmpuint (r->status, ==, 201);
  v = wh_record_parse (&wh_collection_vouchers, r->body, r->length, &error);
  g_assert_no_error (error);
  return v;
}

/* The published keys, as a counter reads them. */
static GPtrArray *
fetch_keys (SoupSession  *session,
            WhTestServer *ts,
            JsonArray   **raw)
{
  g_autofree char *url = api_url (ts, "voucher-keys");
  g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
  g_autoptr(JsonNode) root = NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  JsonArray *array;

  g_assert_cmpuint (r->status, ==, 200);
  root = parse_json (r);
  array = json_object_get_array_member (json_node_get_object (root), "keys");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      WhVoucherKey *key;

      g_assert_cmpstr (json_object_get_string_member (o, "algorithm"), ==, "ed25519");
      key = wh_voucher_key_new_from_text (
        json_object_get_string_member (o, "public_key"),
        json_object_get_string_member_with_default (o, "valid_from", NULL),
        json_object_get_string_member_with_default (o, "valid_until", NULL));
      g_assert_nonnull (key);
      g_assert_cmpstr (key->key_id, ==, json_object_get_string_member (o, "key_id"));
      g_ptr_array_add (keys, key);
    }
  if (raw)
    *raw = json_array_ref (array);
  return keys;
}

static GDateTime *
noon (int day)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);

  return g_date_time_new (tz, 2026, 11, day, 12, 0, 0);
}

static void
rotate_cb (WhServer *server,
           gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_server_rotate_signing_key (server, &error));
  g_assert_no_error (error);
}

/* The secret stays in a private file and is never served; the public key is,
 * and it alone checks a voucher. */
static void
test_keys_published (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *key_path = g_strconcat (wh_test_server_get_db_path (ts), ".signing-key", NULL);
  g_autofree char *seed = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(JsonArray) raw = NULL;
  g_autoptr(WhRecord) v = NULL;
  g_autoptr(WhVoucherPayload) checked = NULL;
  g_autoptr(GDateTime) at = noon (20);
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  put_merchant (ts, MERCHANT_A);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (key_path, &seed, NULL, NULL));
  g_strchomp (seed);
  g_assert_cmpuint (strlen (seed), ==, 64);

  keys = fetch_keys (session, ts, &raw);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_null (((WhVoucherKey *) keys->pdata[0])->valid_from);
  g_assert_null (((WhVoucherKey *) keys->pdata[0])->valid_until);
  /* Nothing of the secret in what is served. */
  {
    g_autofree char *url = api_url (ts, "voucher-keys");
    g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);

    g_assert_null (strstr (r->body, seed));
    g_assert_null (strstr (r->body, "secret"));
  }

  v = claim (session, ts, "13800138000", MERCHANT_A);
  checked = wh_voucher_payload_check (wh_record_get_text (v, "payload"), keys, MERCHANT_A, at,
                                      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (checked->voucher_id, ==, wh_record_get_text (v, "voucher_id"));
  g_assert_cmpstr (checked->code, ==, wh_record_get_text (v, "code"));

  /* A restart keeps the key: its vouchers still check. */
  wh_test_server_stop (ts);
  g_assert_true (wh_test_server_restart (ts, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) again = fetch_keys (session, ts, NULL);

    g_assert_cmpuint (again->len, ==, 1);
    g_assert_cmpstr (((WhVoucherKey *) again->pdata[0])->key_id, ==,
                     ((WhVoucherKey *) keys->pdata[0])->key_id);
  }

  /* A key file others could read is narrowed when the server starts. */
  wh_test_server_stop (ts);
  g_assert_cmpint (g_chmod (key_path, 0644), ==, 0);
  g_assert_true (wh_test_server_restart (ts, &error));
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* Rotation: the old key stays published until its vouchers expire. */
static void
test_keys_rotation (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) next_day = NULL;
  g_autoptr(WhRecord) old_voucher = NULL;
  g_autoptr(WhRecord) new_voucher = NULL;
  g_autoptr(GDateTime) at = noon (20);
  g_auto(GStrv) old_parts = NULL;
  g_auto(GStrv) new_parts = NULL;

  put_merchant (ts, MERCHANT_A);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  before = fetch_keys (session, ts, NULL);
  old_voucher = claim (session, ts, "13800138000", MERCHANT_A);
  wh_test_server_run (ts, rotate_cb, NULL);

  after = fetch_keys (session, ts, NULL);
  g_assert_cmpuint (after->len, ==, 2);
  g_assert_cmpstr (((WhVoucherKey *) after->pdata[0])->key_id, ==,
                   ((WhVoucherKey *) before->pdata[0])->key_id);
  g_assert_cmpstr (((WhVoucherKey *) after->pdata[0])->valid_until, ==, "2026-11-20");
  g_assert_cmpstr (((WhVoucherKey *) after->pdata[1])->valid_from, ==, "2026-11-20");
  g_assert_null (((WhVoucherKey *) after->pdata[1])->valid_until);

  new_voucher = claim (session, ts, "13800138001", MERCHANT_A);
  old_parts = g_strsplit (wh_record_get_text (old_voucher, "payload"), ".", -1);
  new_parts = g_strsplit (wh_record_get_text (new_voucher, "payload"), ".", -1);
  g_assert_cmpstr (old_parts[1], ==, ((WhVoucherKey *) after->pdata[0])->key_id);
  g_assert_cmpstr (new_parts[1], ==, ((WhVoucherKey *) after->pdata[1])->key_id);
  /* Both check with what is published today. */
  {
    g_autoptr(WhVoucherPayload) a = wh_voucher_payload_check (
      wh_record_get_text (old_voucher, "payload"), after, MERCHANT_A, at, NULL);
    g_autoptr(WhVoucherPayload) b = wh_voucher_payload_check (
      wh_record_get_text (new_voucher, "payload"), after, MERCHANT_A, at, NULL);

    g_assert_nonnull (a);
    g_assert_nonnull (b);
  }
  /* The old key alone does not check the new vouchers. */
  g_assert_null (wh_voucher_payload_check (wh_record_get_text (new_voucher, "payload"), before,
                                           MERCHANT_A, at, NULL));

  /* The next day the old key's vouchers have expired: it is no longer
   * published. */
  wh_test_server_set_time (ts, cst_time_us (21, 12, 0));
  next_day = fetch_keys (session, ts, NULL);
  g_assert_cmpuint (next_day->len, ==, 1);
  g_assert_cmpstr (((WhVoucherKey *) next_day->pdata[0])->key_id, ==,
                   ((WhVoucherKey *) after->pdata[1])->key_id);
}

/* ---- Counters ------------------------------------------------------------ */

static Response *
pair (SoupSession  *session,
      WhTestServer *ts,
      gint64        merchant_id,
      const char   *key)
{
  g_autofree char *body = g_strdup_printf ("{\"merchant_id\": %" G_GINT64_FORMAT
                                           ", \"merchant_key\": \"%s\"}", merchant_id, key);

  return post_json (session, ts, "auth/counter", body);
}

static char *
pair_ok (SoupSession  *session,
         WhTestServer *ts,
         gint64        merchant_id,
         char        **counter_id)
{
  g_autofree char *key = wh_test_server_merchant_key (ts, merchant_id);
  g_autoptr(Response) r = pair (session, ts, merchant_id, key);

  g_assert_cmpuint (r->status, ==, 201);
  *counter_id = json_string_member (r, "counter_id");
  return json_string_member (r, "token");
}

static JsonNode *
upload (SoupSession  *session,
        WhTestServer *ts,
        const char   *token,
        const char   *redemption_id,
        const char   *payload,
        const char   *redeemed_at)
{
  g_autofree char *body = g_strdup_printf ("{\"redemptions\": [{\"redemption_id\": \"%s\","
                                           " \"payload\": \"%s\", \"redeemed_at\": \"%s\"}]}",
                                           redemption_id, payload, redeemed_at);
  g_autoptr(Response) r = authed (session, ts, "POST", "counter/redemptions", token, body);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *results;

  g_assert_cmpuint (r->status, ==, 200);
  root = parse_json (r);
  results = json_object_get_array_member (json_node_get_object (root), "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  return json_node_copy (json_array_get_element (results, 0));
}

static const char *
member (JsonNode   *node,
        const char *name)
{
  return json_object_get_string_member_with_default (json_node_get_object (node), name, NULL);
}

static void
test_counter_pair (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *key_a = NULL;
  g_autofree char *key_b = NULL;
  g_autofree char *key_99 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *counter_id = NULL;

  put_merchant (ts, MERCHANT_A);
  put_merchant (ts, MERCHANT_B);
  key_a = wh_test_server_merchant_key (ts, MERCHANT_A);
  key_b = wh_test_server_merchant_key (ts, MERCHANT_B);
  key_99 = wh_test_server_merchant_key (ts, 99);
  {
    g_autoptr(Response) wrong = pair (session, ts, MERCHANT_A, key_b);
    g_autoptr(Response) garbage = pair (session, ts, MERCHANT_A, "00");
    g_autoptr(Response) gone = pair (session, ts, 99, key_99);
    g_autoptr(Response) malformed = post_json (session, ts, "auth/counter", "{\"merchant_id\": 42}");

    assert_error (wrong, 403, "forbidden");
    assert_error (garbage, 403, "forbidden");
    assert_error (gone, 404, "not_found");
    assert_error (malformed, 400, "bad_request");
  }
  token = pair_ok (session, ts, MERCHANT_A, &counter_id);
  g_assert_cmpuint (strlen (token), ==, 64);
  g_assert_cmpuint (strlen (counter_id), ==, 16);
  /* The token is kept as its hash only. */
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);

    g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (ts), &db, SQLITE_OPEN_READONLY,
                                      NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT token_hash FROM counters", -1, &stmt, NULL),
                     ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, hash);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  /* Without a token, or with a worker's, nothing. */
  {
    g_autofree char *worker = sign_in (session, ts, "13800138000");
    g_autoptr(Response) none = authed (session, ts, "GET", "counter/day", "nope", NULL);
    g_autoptr(Response) other = authed (session, ts, "GET", "counter/day", worker, NULL);

    assert_error (none, 401, "unauthorized");
    assert_error (other, 401, "unauthorized");
  }
}

static void
auth_limit_cb (WhServer *server,
               gpointer  user_data)
{
  wh_server_set_auth_rate_limit (server, 3);
}

/* Guessing merchant keys is held back like guessing sign-in codes. */
static void
test_counter_pair_limited (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  guint limited = 0;

  put_merchant (ts, MERCHANT_A);
  wh_test_server_run (ts, auth_limit_cb, NULL);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(Response) r = pair (session, ts, MERCHANT_A, "guess");

      if (r->status == 429)
        limited++;
      else
        assert_error (r, 403, "forbidden");
    }
  g_assert_cmpuint (limited, >=, 3);
}

/* Two counters redeemed one voucher offline: the first upload is taken,
 * the second refused and both hear of it; the worker sees it used. */
static void
test_counter_reconcile (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *t1 = NULL;
  g_autofree char *t2 = NULL;
  g_autofree char *t_b = NULL;
  g_autoptr(WhRecord) v = NULL;
  g_autoptr(WhRecord) other = NULL;
  const char *payload;

  put_merchant (ts, MERCHANT_A);
  put_merchant (ts, MERCHANT_B);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  t1 = pair_ok (session, ts, MERCHANT_A, &id1);
  t2 = pair_ok (session, ts, MERCHANT_A, &id2);
  t_b = pair_ok (session, ts, MERCHANT_B, &id_b);
  v = claim (session, ts, "13800138000", MERCHANT_A);
  other = claim (session, ts, "13800138001", MERCHANT_B);
  payload = wh_record_get_text (v, "payload");
  /* The counters come online again later. */
  wh_test_server_set_time (ts, cst_time_us (20, 13, 0));

  /* The day's vouchers: this merchant's only. */
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "counter/day", t1, NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o;
    JsonArray *vouchers;

    g_assert_cmpuint (r->status, ==, 200);
    root = parse_json (r);
    o = json_node_get_object (root);
    g_assert_cmpstr (json_object_get_string_member (o, "day"), ==, "2026-11-20");
    g_assert_cmpstr (json_object_get_string_member (o, "counter_id"), ==, id1);
    g_assert_cmpint (json_object_get_int_member (o, "merchant_id"), ==, MERCHANT_A);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "keys")), ==, 1);
    vouchers = json_object_get_array_member (o, "vouchers");
    g_assert_cmpuint (json_array_get_length (vouchers), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vouchers, 0),
                                                    "payload"), ==, payload);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (vouchers, 0),
                                                    "code"), ==, wh_record_get_text (v, "code"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "conflicts")), ==, 0);
  }

  /* Counter 1 uploads first, then counter 2. */
  {
    g_autoptr(JsonNode) first = upload (session, ts, t1, "r1", payload,
                                        "2026-11-20T12:31:00+08:00");
    g_autoptr(JsonNode) second = upload (session, ts, t2, "r2", payload,
                                         "2026-11-20T12:29:00+08:00");
    g_autoptr(JsonNode) again1 = upload (session, ts, t1, "r1", payload,
                                         "2026-11-20T12:31:00+08:00");
    g_autoptr(JsonNode) again2 = upload (session, ts, t2, "r2", payload,
                                         "2026-11-20T12:29:00+08:00");

    g_assert_cmpstr (member (first, "result"), ==, "accepted");
    g_assert_cmpstr (member (first, "voucher_id"), ==, wh_record_get_text (v, "voucher_id"));
    g_assert_cmpstr (member (first, "redeemed_at"), ==, "2026-11-20T12:31:00+08:00");
    g_assert_cmpstr (member (first, "redeemed_by"), ==, id1);
    g_assert_cmpstr (member (second, "result"), ==, "already_redeemed");
    g_assert_cmpstr (member (second, "redeemed_at"), ==, "2026-11-20T12:31:00+08:00");
    g_assert_cmpstr (member (second, "redeemed_by"), ==, id1);
    /* Repeats change nothing. */
    g_assert_cmpstr (member (again1, "result"), ==, "accepted");
    g_assert_cmpstr (member (again2, "result"), ==, "already_redeemed");
  }
  /* Both counters are told. */
  {
    const char *tokens[] = { t1, t2 };

    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(Response) r = authed (session, ts, "GET", "counter/day", tokens[i], NULL);
        g_autoptr(JsonNode) root = parse_json (r);
        JsonArray *conflicts = json_object_get_array_member (json_node_get_object (root),
                                                             "conflicts");
        JsonObject *c;

        g_assert_cmpuint (json_array_get_length (conflicts), ==, 1);
        c = json_array_get_object_element (conflicts, 0);
        g_assert_cmpstr (json_object_get_string_member (c, "voucher_id"), ==,
                         wh_record_get_text (v, "voucher_id"));
        g_assert_cmpstr (json_object_get_string_member (c, "kept_counter_id"), ==, id1);
        g_assert_cmpstr (json_object_get_string_member (c, "kept_at"), ==,
                         "2026-11-20T12:31:00+08:00");
        g_assert_cmpstr (json_object_get_string_member (c, "refused_counter_id"), ==, id2);
        g_assert_cmpstr (json_object_get_string_member (c, "refused_at"), ==,
                         "2026-11-20T12:29:00+08:00");
      }
  }
  /* Another merchant's counter hears nothing of it. */
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "counter/day", t_b, NULL);
    g_autoptr(JsonNode) root = parse_json (r);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_node_get_object (root), "conflicts")), ==, 0);
  }
  /* The worker's list says used. */
  {
    g_autofree char *token = sign_in (session, ts, "13800138000");
    g_autoptr(Response) r = authed (session, ts, "GET", "vouchers", token, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_nonnull (strstr (r->body, "\"status\":\"redeemed\""));
    g_assert_nonnull (strstr (r->body, "\"redeemed_at\":\"2026-11-20T12:31:00+08:00\""));
  }
  /* Another merchant's voucher, forged ones, a time ahead of the server. */
  {
    g_autofree char *forged = g_strdup (payload);
    g_autoptr(JsonNode) wrong = NULL;
    g_autoptr(JsonNode) bad = NULL;
    g_autoptr(JsonNode) ahead = NULL;

    forged[strlen (forged) - 2] = forged[strlen (forged) - 2] == 'A' ? 'B' : 'A';
    wrong = upload (session, ts, t1, "r3", wh_record_get_text (other, "payload"),
                    "2026-11-20T12:40:00+08:00");
    bad = upload (session, ts, t1, "r4", forged, "2026-11-20T12:40:00+08:00");
    ahead = upload (session, ts, t_b, "r5", wh_record_get_text (other, "payload"),
                    "2026-11-20T15:00:00+08:00");
    g_assert_cmpstr (member (wrong, "result"), ==, "wrong_merchant");
    g_assert_cmpstr (member (bad, "result"), ==, "invalid_voucher");
    g_assert_null (member (bad, "voucher_id"));
    g_assert_cmpstr (member (ahead, "result"), ==, "accepted");
    g_assert_cmpstr (member (ahead, "redeemed_at"), ==, "2026-11-20T13:00:00+08:00");
  }
  /* Malformed uploads are refused whole. */
  {
    const char *bodies[] = {
      "{}",
      "{\"redemptions\": [{\"redemption_id\": \"a b\", \"payload\": \"x\","
      " \"redeemed_at\": \"2026-11-20T12:00:00+08:00\"}]}",
      "{\"redemptions\": [{\"redemption_id\": \"ok\", \"payload\": \"x\","
      " \"redeemed_at\": \"noon\"}]}",
      "{\"redemptions\": [5]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr(Response) r = authed (session, ts, "POST", "counter/redemptions", t1,
                                        bodies[i]);

        assert_error (r, 400, "bad_request");
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/voucher-keys/published", test_keys_published);
  g_test_add_func ("/server/voucher-keys/rotation", test_keys_rotation);
  g_test_add_func ("/server/counter/pair", test_counter_pair);
  g_test_add_func ("/server/counter/pair-limited", test_counter_pair_limited);
  g_test_add_func ("/server/counter/reconcile", test_counter_reconcile);
  return g_test_run ();
}
