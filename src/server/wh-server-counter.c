/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-counter.c: a merchant's counters, which check vouchers offline
 * (src/core/wh-counter.h) and reconcile here when online.
 *
 * A counter pairs once with the merchant's id and key (POST /auth/counter,
 * under the sign-in rate limit) and gets a token of its own, kept as its
 * SHA-256. With it, it fetches the day's vouchers issued for its merchant
 * and the published keys (GET /counter/day), and uploads the redemptions it
 * recorded offline (POST /counter/redemptions). The first redemption of a
 * voucher to arrive is taken: the voucher is redeemed, the worker's app sees
 * it on its next refresh; a later one, from any counter, is refused, and the
 * pair is a conflict both counters are told on their next fetch. Every
 * upload is stored under (counter, redemption id) with its result, so a
 * repeat (a lost answer, a counter killed after sending) gets the same
 * result and changes nothing.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-idempotency.h"
#include "wh-server-private.h"

#define MAX_UPLOAD          500
#define MAX_DAY_VOUCHERS    100000
#define MAX_CONFLICTS       1000
#define CONFLICT_DAYS       2

#define COUNTER_SCHEMA \
  "CREATE TABLE IF NOT EXISTS counters (" \
  " counter_id TEXT PRIMARY KEY, merchant_id INTEGER NOT NULL," \
  " token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);" \
  "CREATE TABLE IF NOT EXISTS redemptions (" \
  " counter_id TEXT NOT NULL, redemption_id TEXT NOT NULL, voucher_id TEXT," \
  " merchant_id INTEGER NOT NULL, redeemed_at TEXT NOT NULL, uploaded_at INTEGER NOT NULL," \
  " result TEXT NOT NULL, PRIMARY KEY (counter_id, redemption_id));" \
  "CREATE INDEX IF NOT EXISTS redemptions_voucher ON redemptions (voucher_id, result);" \
  "CREATE INDEX IF NOT EXISTS redemptions_merchant ON redemptions (merchant_id, uploaded_at);"

gboolean
wh_server_counter_init (WhServer *self,
                        GError  **error)
{
  return wh_server_db_exec (self->db, COUNTER_SCHEMA, error);
}

static char *
random_hex (gsize bytes)
{
  g_autofree guint8 *raw = g_malloc (bytes);
  GString *s = g_string_sized_new (2 * bytes);

  wh_server_random_bytes (raw, bytes);
  for (gsize i = 0; i < bytes; i++)
    g_string_append_printf (s, "%02x", raw[i]);
  return g_string_free (s, FALSE);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *member = json_object_get_member (object, name);

  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

/* ---- Pairing ------------------------------------------------------------- */

/* POST /auth/counter {"merchant_id": 42, "merchant_key": "..."} */
void
wh_server_handle_counter_pair (WhServer  *self,
                               WhRequest *req)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WhRecord) merchant = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *expected_hash = NULL;
  g_autofree char *given_hash = NULL;
  g_autofree char *counter_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  JsonObject *object;
  JsonNode *member;
  const char *key;
  sqlite3_stmt *stmt = NULL;
  gint64 merchant_id;
  gboolean ok;

  root = wh_request_parse_body (req);
  if (root == NULL)
    return;
  object = json_node_get_object (root);
  member = json_object_get_member (object, "merchant_id");
  key = string_member (object, "merchant_key");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) < 1 ||
      key == NULL || strlen (key) > 128)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“merchant_id” and “merchant_key” are required.");
      return;
    }
  merchant_id = json_node_get_int (member);
  /* Compared as hashes: the time taken says nothing of the key's bytes. */
  expected = wh_server_merchant_key (self, merchant_id);
  expected_hash = wh_server_sha256_hex (expected, strlen (expected));
  given_hash = wh_server_sha256_hex (key, strlen (key));
  if (!wh_server_equal_constant_time (given_hash, expected_hash))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                               "This is not the key of this merchant.");
      return;
    }
  merchant = wh_server_db_read_record (self->db, &wh_collection_merchants, merchant_id);
  if (merchant == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such merchant.");
      return;
    }

  counter_id = random_hex (8);
  token = random_hex (32);
  token_hash = wh_server_sha256_hex (token, strlen (token));
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO counters (counter_id, merchant_id, token_hash, created_at)"
                          " VALUES (?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_text (stmt, 1, counter_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, merchant_id);
  sqlite3_bind_text (stmt, 3, token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, wh_server_now_us (self) / G_USEC_PER_SEC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (!ok)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "counter_id");
  json_builder_add_string_value (builder, counter_id);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "merchant_id");
  json_builder_add_int_value (builder, merchant_id);
  json_builder_set_member_name (builder, "merchant_name");
  json_builder_add_string_value (builder, wh_record_get_text (merchant, "name"));
  json_builder_end_object (builder);
  answer = json_builder_get_root (builder);
  g_debug ("Counter %s paired with merchant %" G_GINT64_FORMAT, counter_id, merchant_id);
  wh_server_respond_json (req->msg, SOUP_STATUS_CREATED, json_to_string (answer, FALSE));
}

/* The counter of the request's bearer token; FALSE after a 401 was sent. */
static gboolean
counter_authenticate (WhRequest *req,
                      char     **counter_id,
                      gint64    *merchant_id)
{
  WhServer *self = req->server;
  const char *header = soup_message_headers_get_one (
    soup_server_message_get_request_headers (req->msg), "Authorization");
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt = NULL;

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0 && header[7] != '\0' &&
      strlen (header) <= 200)
    {
      hash = wh_server_sha256_hex (header + 7, strlen (header + 7));
      if (sqlite3_prepare_v2 (self->db,
                              "SELECT counter_id, merchant_id FROM counters WHERE token_hash = ?",
                              -1, &stmt, NULL) != SQLITE_OK)
        {
          wh_server_respond_db_error (self, req->msg, NULL);
          return FALSE;
        }
      sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          *counter_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          *merchant_id = sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_finalize (stmt);
      if (*counter_id != NULL)
        return TRUE;
    }
  wh_server_respond_error (req->msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                           "This counter is not paired; pair it again.");
  return FALSE;
}

/* ---- The day's vouchers -------------------------------------------------- */

static void
add_text_or_null (JsonBuilder *builder,
                  const char  *name,
                  const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static gboolean
add_vouchers (WhServer    *self,
              JsonBuilder *builder,
              gint64       merchant_id,
              const char  *today)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT voucher_id, code, payload, status, redeemed_at FROM vouchers"
                          " WHERE merchant_id = ? AND day = ? ORDER BY claimed_at, voucher_id"
                          " LIMIT ?", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, merchant_id);
  sqlite3_bind_text (stmt, 2, today, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, MAX_DAY_VOUCHERS);
  json_builder_set_member_name (builder, "vouchers");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_text_or_null (builder, "voucher_id", (const char *) sqlite3_column_text (stmt, 0));
      add_text_or_null (builder, "code", (const char *) sqlite3_column_text (stmt, 1));
      add_text_or_null (builder, "payload", (const char *) sqlite3_column_text (stmt, 2));
      add_text_or_null (builder, "status",
                        g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "redeemed") == 0
                        ? "redeemed" : "unused");
      add_text_or_null (builder, "redeemed_at", (const char *) sqlite3_column_text (stmt, 4));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

/* Refused redemptions of the last days where this counter is either side. */
static gboolean
add_conflicts (WhServer    *self,
               JsonBuilder *builder,
               const char  *counter_id,
               gint64       merchant_id)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT r.voucher_id, v.code, r.counter_id, r.redeemed_at,"
                          "  a.counter_id, v.redeemed_at"
                          " FROM redemptions r JOIN vouchers v ON v.voucher_id = r.voucher_id"
                          " LEFT JOIN redemptions a ON a.voucher_id = r.voucher_id"
                          "  AND a.result = 'accepted'"
                          " WHERE r.merchant_id = ? AND r.result = 'already_redeemed'"
                          "  AND r.uploaded_at >= ? AND (r.counter_id = ? OR a.counter_id = ?)"
                          " ORDER BY r.uploaded_at, r.redemption_id LIMIT ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, merchant_id);
  sqlite3_bind_int64 (stmt, 2, wh_server_now_us (self) / G_USEC_PER_SEC -
                               CONFLICT_DAYS * 24 * 3600);
  sqlite3_bind_text (stmt, 3, counter_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, counter_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, MAX_CONFLICTS);
  json_builder_set_member_name (builder, "conflicts");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_text_or_null (builder, "voucher_id", (const char *) sqlite3_column_text (stmt, 0));
      add_text_or_null (builder, "code", (const char *) sqlite3_column_text (stmt, 1));
      add_text_or_null (builder, "refused_counter_id", (const char *) sqlite3_column_text (stmt, 2));
      add_text_or_null (builder, "refused_at", (const char *) sqlite3_column_text (stmt, 3));
      add_text_or_null (builder, "kept_counter_id", (const char *) sqlite3_column_text (stmt, 4));
      add_text_or_null (builder, "kept_at", (const char *) sqlite3_column_text (stmt, 5));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

/* GET /counter/day */
void
wh_server_handle_counter_day (WhServer  *self,
                              WhRequest *req)
{
  g_autofree char *counter_id = NULL;
  g_autofree char *today = NULL;
  g_autoptr(WhRecord) merchant = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) windows = NULL;
  gint64 merchant_id = 0;
  gboolean ok;

  if (!counter_authenticate (req, &counter_id, &merchant_id))
    return;
  merchant = wh_server_db_read_record (self->db, &wh_collection_merchants, merchant_id);
  if (merchant == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such merchant.");
      return;
    }
  today = wh_server_today (self);
  windows = wh_record_dup_strv (merchant, "windows");
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_text_or_null (builder, "day", today);
  add_text_or_null (builder, "counter_id", counter_id);
  json_builder_set_member_name (builder, "merchant_id");
  json_builder_add_int_value (builder, merchant_id);
  add_text_or_null (builder, "merchant_name", wh_record_get_text (merchant, "name"));
  json_builder_set_member_name (builder, "windows");
  json_builder_begin_array (builder);
  for (guint i = 0; windows && windows[i]; i++)
    json_builder_add_string_value (builder, windows[i]);
  json_builder_end_array (builder);
  wh_server_add_keys_json (self, builder);
  /* One read transaction: the vouchers and conflicts agree. */
  ok = wh_server_begin (self, FALSE, &error) &&
       add_vouchers (self, builder, merchant_id, today) &&
       add_conflicts (self, builder, counter_id, merchant_id);
  wh_server_rollback (self);
  if (!ok)
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  json_builder_end_object (builder);
  answer = json_builder_get_root (builder);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, json_to_string (answer, FALSE));
}

/* ---- Uploads ------------------------------------------------------------- */

typedef struct
{
  char   *result;       /* accepted, already_redeemed, wrong_merchant, invalid_voucher */
  char   *voucher_id;   /* NULL when the payload named none */
  char   *redeemed_at;  /* the voucher's one redemption, if it has one */
  char   *redeemed_by;  /* the counter of it, if a counter */
} Result;

static void
result_clear (Result *r)
{
  g_free (r->result);
  g_free (r->voucher_id);
  g_free (r->redeemed_at);
  g_free (r->redeemed_by);
}

/* The voucher's redemption as it stands: when, and by which counter. */
static void
read_redemption (WhServer   *self,
                 const char *voucher_id,
                 Result     *r)
{
  sqlite3_stmt *stmt = NULL;

  if (voucher_id == NULL ||
      sqlite3_prepare_v2 (self->db,
                          "SELECT v.redeemed_at, a.counter_id FROM vouchers v"
                          " LEFT JOIN redemptions a ON a.voucher_id = v.voucher_id"
                          "  AND a.result = 'accepted'"
                          " WHERE v.voucher_id = ? AND v.status = 'redeemed'", -1, &stmt,
                          NULL) != SQLITE_OK)
    return;
  sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      r->redeemed_at = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      r->redeemed_by = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
}

/* One redemption, inside the caller's transaction; FALSE on a database
 * failure. */
static gboolean
take_redemption (WhServer   *self,
                 const char *counter_id,
                 gint64      merchant_id,
                 const char *redemption_id,
                 const char *payload,
                 const char *redeemed_at,
                 Result     *r)
{
  g_autofree char *voucher_id = NULL;
  g_autofree char *stored_payload = NULL;
  g_autofree char *stored_status = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 payload_merchant = 0;
  gboolean ok;

  /* A repeat: the first result, unchanged. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT result, voucher_id FROM redemptions"
                          " WHERE counter_id = ? AND redemption_id = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, counter_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, redemption_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      r->result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      r->voucher_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      sqlite3_finalize (stmt);
      read_redemption (self, r->voucher_id, r);
      return TRUE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!wh_server_verify_voucher_payload (self, payload, &voucher_id, &payload_merchant))
    r->result = g_strdup ("invalid_voucher");
  else if (payload_merchant != merchant_id)
    r->result = g_strdup ("wrong_merchant");
  else
    {
      if (sqlite3_prepare_v2 (self->db,
                              "SELECT payload, status FROM vouchers WHERE voucher_id = ?", -1,
                              &stmt, NULL) != SQLITE_OK)
        return FALSE;
      sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          stored_payload = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
          stored_status = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
      if (g_strcmp0 (stored_payload, payload) != 0)
        r->result = g_strdup ("invalid_voucher");
      else if (g_strcmp0 (stored_status, "redeemed") == 0)
        r->result = g_strdup ("already_redeemed");
      else
        {
          /* The first: the voucher is used, at the counter's time. */
          if (sqlite3_prepare_v2 (self->db,
                                  "UPDATE vouchers SET status = 'redeemed', redeemed_at = ?"
                                  " WHERE voucher_id = ? AND status != 'redeemed'", -1, &stmt,
                                  NULL) != SQLITE_OK)
            return FALSE;
          sqlite3_bind_text (stmt, 1, redeemed_at, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, voucher_id, -1, SQLITE_STATIC);
          ok = sqlite3_step (stmt) == SQLITE_DONE && sqlite3_changes (self->db) == 1;
          g_clear_pointer (&stmt, sqlite3_finalize);
          if (!ok)
            return FALSE;
          r->result = g_strdup ("accepted");
        }
    }
  /* A forged payload names no voucher worth keeping. */
  if (!g_str_equal (r->result, "invalid_voucher"))
    r->voucher_id = g_strdup (voucher_id);

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO redemptions (counter_id, redemption_id, voucher_id,"
                          " merchant_id, redeemed_at, uploaded_at, result)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, counter_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, redemption_id, -1, SQLITE_STATIC);
  if (r->voucher_id)
    sqlite3_bind_text (stmt, 3, r->voucher_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, merchant_id);
  sqlite3_bind_text (stmt, 5, redeemed_at, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, wh_server_now_us (self) / G_USEC_PER_SEC);
  sqlite3_bind_text (stmt, 7, r->result, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (ok)
    read_redemption (self, r->voucher_id, r);
  return ok;
}

/* POST /counter/redemptions {"redemptions": [{"redemption_id", "payload",
 * "redeemed_at"}, ...]} */
void
wh_server_handle_counter_redemptions (WhServer  *self,
                                      WhRequest *req)
{
  g_autofree char *counter_id = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  gint64 merchant_id = 0, now_s = wh_server_now_us (self) / G_USEC_PER_SEC;
  JsonNode *member;
  JsonArray *items;
  guint n;

  if (!counter_authenticate (req, &counter_id, &merchant_id))
    return;
  root = wh_request_parse_body (req);
  if (root == NULL)
    return;
  member = json_object_get_member (json_node_get_object (root), "redemptions");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member) ||
      (n = json_array_get_length (items = json_node_get_array (member))) > MAX_UPLOAD)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“redemptions” must be an array of at most 500.");
      return;
    }
  /* The whole request is checked before anything is taken. */
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *id = o ? string_member (o, "redemption_id") : NULL;
      const char *payload = o ? string_member (o, "payload") : NULL;
      const char *at = o ? string_member (o, "redeemed_at") : NULL;

      if (!wh_idempotency_key_is_valid (id) || payload == NULL || strlen (payload) > 512 ||
          at == NULL || strlen (at) > 40 || wh_server_parse_time (at) == G_MININT64)
        {
          wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                   "Each redemption needs a “redemption_id” (an idempotency"
                                   " key), a “payload” and a “redeemed_at” time.");
          return;
        }
    }

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      const char *id = string_member (o, "redemption_id");
      gint64 at_s = wh_server_parse_time (string_member (o, "redeemed_at"));
      /* A counter's clock ahead of ours does not redeem in the future. */
      g_autofree char *at = wh_server_format_time (MIN (at_s, now_s));
      Result r = { NULL, };

      if (!take_redemption (self, counter_id, merchant_id, id, string_member (o, "payload"), at,
                            &r))
        {
          result_clear (&r);
          wh_server_rollback (self);
          wh_server_respond_db_error (self, req->msg, NULL);
          return;
        }
      json_builder_begin_object (builder);
      add_text_or_null (builder, "redemption_id", id);
      add_text_or_null (builder, "voucher_id", r.voucher_id);
      add_text_or_null (builder, "result", r.result);
      add_text_or_null (builder, "redeemed_at", r.redeemed_at);
      add_text_or_null (builder, "redeemed_by", r.redeemed_by);
      json_builder_end_object (builder);
      result_clear (&r);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  if (!wh_server_commit (self, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  answer = json_builder_get_root (builder);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, json_to_string (answer, FALSE));
}
