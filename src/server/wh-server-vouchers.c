/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-vouchers.c: love-meal vouchers: claim, list, redeem.
 *
 * A claim checks every rule and writes the voucher, the merchant's new
 * remaining_today (with a new rev, so the merchants feed carries it) and the
 * idempotency record in one BEGIN IMMEDIATE transaction: two claims never
 * see the same count, whichever connection or thread they come from, and
 * UNIQUE (user_id, day) backs the one-a-day rule in the schema itself.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-idempotency.h"
#include "wh-server-private.h"

/* Vouchers claimed before the Ed25519 payloads (WH2, wh-voucher-payload.h)
 * carry an HMAC only the server can check; they are redeemed online until
 * their day is over. */
#define PAYLOAD_PREFIX    "WH1"

/* Minutes since midnight for "HH:MM", -1 if malformed. */
static int
parse_hhmm (const char *s)
{
  if (strlen (s) < 5 || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) || s[2] != ':' ||
      !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return -1;
  return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

static gboolean
inside_windows (const WhRecord *merchant,
                GDateTime      *now)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  int minute = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);

  for (guint i = 0; windows && windows[i]; i++)
    {
      /* "HH:MM-HH:MM", start included, end excluded */
      int start = parse_hhmm (windows[i]);
      int end = strlen (windows[i]) == 11 ? parse_hhmm (windows[i] + 6) : -1;

      if (start >= 0 && end >= 0 && minute >= start && minute < end)
        return TRUE;
    }
  return FALSE;
}

static const char *
voucher_status (WhServer   *self,
                const char *stored_status,
                const char *day)
{
  g_autofree char *today = wh_server_today (self);

  if (g_strcmp0 (stored_status, "redeemed") == 0)
    return "redeemed";
  /* Dates in YYYY-MM-DD compare as strings. */
  return strcmp (today, day) > 0 ? "expired" : "unused";
}

/* The voucher document (wh_collection_vouchers) of a vouchers row selected
 * with VOUCHER_COLUMNS, its status computed now. */
#define VOUCHER_COLUMNS \
  "voucher_id, merchant_id, day, code, payload, status, claimed_at, redeemed_at"

static WhRecord *
voucher_from_row (WhServer     *self,
                  sqlite3_stmt *stmt)
{
  WhRecord *v = wh_record_new (&wh_collection_vouchers);
  gint64 merchant_id = sqlite3_column_int64 (stmt, 1);
  const char *day = (const char *) sqlite3_column_text (stmt, 2);
  g_autoptr(WhRecord) merchant = wh_server_db_read_record (self->db, &wh_collection_merchants,
                                                           merchant_id);

  wh_record_set_text (v, "voucher_id", (const char *) sqlite3_column_text (stmt, 0));
  wh_record_set_int (v, "merchant_id", merchant_id);
  if (merchant != NULL)
    {
      wh_record_set_text (v, "merchant_name", wh_record_get_text (merchant, "name"));
      if (wh_record_is_set (merchant, "address"))
        wh_record_set_text (v, "merchant_address", wh_record_get_text (merchant, "address"));
    }
  else
    {
      /* The merchant was removed since; the voucher still has to show. */
      g_autofree char *name = g_strdup_printf ("#%" G_GINT64_FORMAT, merchant_id);
      wh_record_set_text (v, "merchant_name", name);
    }
  wh_record_set_text (v, "code", (const char *) sqlite3_column_text (stmt, 3));
  wh_record_set_text (v, "payload", (const char *) sqlite3_column_text (stmt, 4));
  wh_record_set_text (v, "day", day);
  wh_record_take_text (v, "valid_until", g_strdup_printf ("%sT23:59:59+08:00", day));
  wh_record_set_text (v, "status",
                      voucher_status (self, (const char *) sqlite3_column_text (stmt, 5), day));
  wh_record_set_text (v, "claimed_at", (const char *) sqlite3_column_text (stmt, 6));
  if (sqlite3_column_type (stmt, 7) != SQLITE_NULL)
    wh_record_set_text (v, "redeemed_at", (const char *) sqlite3_column_text (stmt, 7));
  return v;
}

static WhRecord *
read_voucher (WhServer   *self,
              const char *voucher_id)
{
  sqlite3_stmt *stmt = NULL;
  WhRecord *v = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT " VOUCHER_COLUMNS " FROM vouchers WHERE voucher_id = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = voucher_from_row (self, stmt);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
query_count (sqlite3    *db,
             const char *sql,
             gint64      a,
             const char *b,
             gboolean   *ok)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = 0;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      *ok = FALSE;
      return 0;
    }
  sqlite3_bind_int64 (stmt, 1, a);
  if (b)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    *ok = FALSE;
  sqlite3_finalize (stmt);
  return n;
}

/* A copy of node with every object's members in byte order of their names,
 * at every depth: two bodies that differ only in member order are the same
 * request (the contract compares parsed JSON). */
static JsonNode *
sorted_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(JsonObject) sorted = json_object_new ();
      g_autoptr(GList) names = g_list_sort (json_object_get_members (object),
                                            (GCompareFunc) strcmp);
      JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

      for (GList *l = names; l; l = l->next)
        json_object_set_member (sorted, l->data,
                                sorted_copy (json_object_get_member (object, l->data)));
      json_node_set_object (copy, sorted);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copied = json_array_sized_new (json_array_get_length (array));
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copied, sorted_copy (json_array_get_element (array, i)));
      json_node_set_array (copy, copied);
      return copy;
    }
  return json_node_copy (node);
}

typedef struct
{
  guint  status;
  char  *body;
} Outcome;

static void
outcome_error (Outcome    *out,
               guint       status,
               const char *code,
               const char *message)
{
  out->status = status;
  out->body = wh_error_body_new (code, message);
}

/* The rules of CONTRACT.md, in its order, inside the caller's transaction.
 * FALSE on a database failure; otherwise out holds the answer. */
static gboolean
claim (WhServer *self,
       gint64    user_id,
       gint64    merchant_id,
       Outcome  *out)
{
  g_autoptr(WhRecord) merchant = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autoptr(GDateTime) now = wh_server_now_cst (self);
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *claimed_at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *voucher_id = NULL;
  g_autofree char *code = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;
  guint8 raw[16];
  gboolean ok = TRUE;
  gint64 claimed, quota, rev;

  if (query_count (self->db,
                   "SELECT count(*) FROM users WHERE id = ? AND union_member AND new_form_worker",
                   user_id, NULL, &ok) == 0)
    {
      if (ok)
        outcome_error (out, SOUP_STATUS_FORBIDDEN, "not_eligible",
                       "Love meals are for union members who are verified new-form workers.");
      return ok;
    }
  merchant = wh_server_db_read_record (self->db, &wh_collection_merchants, merchant_id);
  if (merchant == NULL)
    {
      outcome_error (out, SOUP_STATUS_NOT_FOUND, "not_found", "No such merchant.");
      return TRUE;
    }
  if (!inside_windows (merchant, now))
    {
      outcome_error (out, 409, "outside_serving_window", "The merchant is not serving now.");
      return TRUE;
    }
  if (query_count (self->db, "SELECT count(*) FROM vouchers WHERE user_id = ? AND day = ?",
                   user_id, today, &ok) > 0)
    {
      if (ok)
        outcome_error (out, 409, "already_claimed_today", "You have a voucher for today already.");
      return ok;
    }
  claimed = query_count (self->db,
                         "SELECT count(*) FROM vouchers WHERE merchant_id = ? AND day = ?",
                         merchant_id, today, &ok);
  quota = wh_record_get_int (merchant, "daily_quota");
  if (!ok)
    return FALSE;
  if (claimed >= quota)
    {
      outcome_error (out, 409, "quota_exhausted",
                     "Today's meals at this merchant are all claimed.");
      return TRUE;
    }

  wh_server_random_bytes (raw, sizeof raw);
  voucher_id = g_malloc (2 * sizeof raw + 1);
  for (guint i = 0; i < sizeof raw; i++)
    g_snprintf (voucher_id + 2 * i, 3, "%02x", raw[i]);
  /* Codes are printed for people to read out: unique, and never guessable. */
  for (guint attempt = 0; code == NULL; attempt++)
    {
      guint64 n;

      if (attempt == 10)
        return FALSE;
      wh_server_random_bytes ((guint8 *) &n, sizeof n);
      code = g_strdup_printf ("%012" G_GUINT64_FORMAT, n % G_GUINT64_CONSTANT (1000000000000));
      {
        sqlite3_stmt *check = NULL;
        gboolean taken = FALSE;

        if (sqlite3_prepare_v2 (self->db, "SELECT 1 FROM vouchers WHERE code = ?", -1, &check,
                                NULL) != SQLITE_OK)
          return FALSE;
        sqlite3_bind_text (check, 1, code, -1, SQLITE_STATIC);
        taken = sqlite3_step (check) == SQLITE_ROW;
        sqlite3_finalize (check);
        if (taken)
          g_clear_pointer (&code, g_free);
      }
    }
  {
    /* Ed25519: a counter checks it offline with the published key. */
    g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
    WhVoucherPayload fields = { NULL, voucher_id, merchant_id, today, windows, code };

    payload = wh_server_sign_voucher (self, &fields);
    if (payload == NULL)
      {
        outcome_error (out, 409, "outside_serving_window", "The merchant is not serving now.");
        return TRUE;
      }
  }

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO vouchers (voucher_id, user_id, merchant_id, day, code,"
                          " payload, status, claimed_at) VALUES (?, ?, ?, ?, ?, ?, 'unused', ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, merchant_id);
  sqlite3_bind_text (stmt, 4, today, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, claimed_at, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (!ok)
    return FALSE;

  /* The merchants feed carries the new count to every client. */
  wh_record_set_int (merchant, "remaining_today", MAX (quota - claimed - 1, 0));
  wh_record_set_text (merchant, "quota_day", today);
  rev = wh_server_db_next_rev (self->db, &error);
  if (rev == 0 || !wh_server_db_write_record (self->db, merchant, rev, &error))
    return FALSE;

  voucher = read_voucher (self, voucher_id);
  if (voucher == NULL)
    return FALSE;
  out->status = SOUP_STATUS_CREATED;
  out->body = wh_record_to_string (voucher);
  g_debug ("User %" G_GINT64_FORMAT " claimed a voucher at merchant %" G_GINT64_FORMAT
           " (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ")", user_id, merchant_id, claimed + 1,
           quota);
  return TRUE;
}

void
wh_server_handle_voucher_claim (WhServer  *self,
                                WhRequest *req)
{
  const char *key = soup_message_headers_get_one (
    soup_server_message_get_request_headers (req->msg), "Idempotency-Key");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) sorted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *body_hash = NULL;
  Outcome out = { 0, NULL };
  JsonNode *member;
  sqlite3_stmt *stmt = NULL;
  gint64 merchant_id, now_s = wh_server_now_us (self) / G_USEC_PER_SEC;

  if (wh_request_authenticate (req) == 0)
    return;
  if (key == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "idempotency_key_required",
                               "A claim needs an Idempotency-Key header.");
      return;
    }
  if (!wh_idempotency_key_is_valid (key))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "An Idempotency-Key is 1 to 64 characters of A-Z, a-z, 0-9, - and _.");
      return;
    }
  root = wh_request_parse_body (req);
  if (root == NULL)
    return;
  member = json_object_get_member (json_node_get_object (root), "merchant_id");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) < 1)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“merchant_id” must be a positive integer.");
      return;
    }
  merchant_id = json_node_get_int (member);
  /* The request as parsed, so the same request sent with other spacing or
   * its members in another order is still the same request. */
  sorted = sorted_copy (root);
  canonical = json_to_string (sorted, FALSE);
  body_hash = wh_server_sha256_hex (canonical, strlen (canonical));

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  /* Expired keys are pruned on a timer (wh-server-prune.c), not in this
   * transaction; until then one is ignored here and replaced below. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT body_hash, status, response FROM idempotency"
                          " WHERE user_id = ? AND key = ? AND created_at >= ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now_s - WH_IDEMPOTENCY_TTL_S);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gboolean same = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), body_hash) == 0;
      guint status = (guint) sqlite3_column_int (stmt, 1);
      char *response = g_strdup ((const char *) sqlite3_column_text (stmt, 2));

      g_clear_pointer (&stmt, sqlite3_finalize);
      wh_server_rollback (self);
      if (same)
        {
          g_debug ("Replayed claim %s of user %" G_GINT64_FORMAT, key, req->user_id);
          wh_server_respond_json (req->msg, status, response);
        }
      else
        {
          g_free (response);
          wh_server_respond_error (req->msg, 422, "idempotency_key_reused",
                                   "This Idempotency-Key was used for another request.");
        }
      return;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!claim (self, req->user_id, merchant_id, &out))
    goto db_error;

  /* The first answer is kept, a refusal as well as a voucher, so a retry
   * gets exactly what a lost response said. */
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO idempotency (user_id, key, body_hash, status,"
                          " response, created_at) VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, body_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, (int) out.status);
  sqlite3_bind_text (stmt, 5, out.body, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, now_s);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto db_error;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!wh_server_commit (self, &error))
    goto db_error;
  wh_server_respond_json (req->msg, out.status, g_steal_pointer (&out.body));
  return;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_free (out.body);
  wh_server_respond_db_error (self, req->msg, error);
  wh_server_rollback (self);
}

void
wh_server_handle_voucher_list (WhServer  *self,
                               WhRequest *req)
{
  g_autoptr(GPtrArray) vouchers = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  sqlite3_stmt *stmt = NULL;

  if (wh_request_authenticate (req) == 0)
    return;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " VOUCHER_COLUMNS " FROM vouchers WHERE user_id = ?"
                          " ORDER BY claimed_at DESC, rowid DESC LIMIT 1000", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (vouchers, voucher_from_row (self, stmt));
  sqlite3_finalize (stmt);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, wh_record_list_to_json ("vouchers", vouchers));
}

/* Checks the payload's form and signature. Returns the voucher id and the
 * merchant id it names, or FALSE for anything forged, altered or malformed. */
static gboolean
verify_payload (WhServer    *self,
                const char  *payload,
                char       **voucher_id,
                gint64      *merchant_id)
{
  g_auto(GStrv) parts = NULL;
  const char *last_dot;
  g_autofree char *signed_part = NULL;
  g_autofree char *expected = NULL;
  guint64 mid;

  if (payload == NULL || strlen (payload) > 512)
    return FALSE;
  if (g_str_has_prefix (payload, WH_VOUCHER_PAYLOAD_PREFIX "."))
    {
      g_autoptr(GPtrArray) keys = wh_server_signing_keys (self, TRUE);
      g_autoptr(WhVoucherPayload) v = wh_voucher_payload_verify (payload, keys, NULL);

      if (v == NULL)
        return FALSE;
      *voucher_id = g_strdup (v->voucher_id);
      *merchant_id = v->merchant_id;
      return TRUE;
    }
  parts = g_strsplit (payload, ".", -1);
  if (g_strv_length (parts) != 6 || !g_str_equal (parts[0], PAYLOAD_PREFIX) ||
      strlen (parts[1]) != 32 || strlen (parts[3]) != 8 || strlen (parts[4]) != 12 ||
      !g_ascii_string_to_unsigned (parts[2], 10, 1, G_MAXINT64, &mid, NULL))
    return FALSE;
  for (const char *p = parts[3]; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  for (const char *p = parts[4]; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;

  last_dot = strrchr (payload, '.');
  signed_part = g_strndup (payload, (gsize) (last_dot - payload));
  expected = wh_server_sign (self, signed_part);
  if (!wh_server_equal_constant_time (last_dot + 1, expected))
    return FALSE;
  *voucher_id = g_strdup (parts[1]);
  *merchant_id = (gint64) mid;
  return TRUE;
}

void
wh_server_handle_redeem (WhServer  *self,
                         WhRequest *req)
{
  const char *auth = soup_message_headers_get_one (
    soup_server_message_get_request_headers (req->msg), "Authorization");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *voucher_id = NULL;
  g_autofree char *now_text = NULL;
  JsonNode *member;
  const char *payload;
  sqlite3_stmt *stmt = NULL;
  guint64 id;
  gint64 payload_merchant = 0;

  if (!g_ascii_string_to_unsigned (req->segments[1], 10, 1, G_MAXINT64, &id, NULL))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such merchant.");
      return;
    }
  key = wh_server_merchant_key (self, (gint64) id);
  if (auth == NULL || g_ascii_strncasecmp (auth, "Merchant ", 9) != 0 ||
      !wh_server_equal_constant_time (auth + 9, key))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                               "This is not the key of this merchant.");
      return;
    }
  root = wh_request_parse_body (req);
  if (root == NULL)
    return;
  member = json_object_get_member (json_node_get_object (root), "payload");
  payload = member && JSON_NODE_TYPE (member) == JSON_NODE_VALUE &&
            json_node_get_value_type (member) == G_TYPE_STRING ?
            json_node_get_string (member) : NULL;
  if (payload == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“payload” is required.");
      return;
    }
  if (!verify_payload (self, payload, &voucher_id, &payload_merchant))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "invalid_voucher",
                               "This is not a valid voucher.");
      return;
    }
  if (payload_merchant != (gint64) id)
    {
      wh_server_respond_error (req->msg, 409, "wrong_merchant",
                               "This voucher is for another merchant.");
      return;
    }

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  voucher = read_voucher (self, voucher_id);
  if (voucher == NULL || g_strcmp0 (wh_record_get_text (voucher, "payload"), payload) != 0)
    {
      wh_server_rollback (self);
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "invalid_voucher",
                               "This is not a valid voucher.");
      return;
    }
  if (g_str_equal (wh_record_get_text (voucher, "status"), "redeemed"))
    {
      wh_server_rollback (self);
      wh_server_respond_error (req->msg, 409, "already_redeemed",
                               "This voucher was redeemed before.");
      return;
    }
  if (g_str_equal (wh_record_get_text (voucher, "status"), "expired"))
    {
      wh_server_rollback (self);
      wh_server_respond_error (req->msg, 409, "voucher_expired", "This voucher's day is over.");
      return;
    }

  now_text = wh_server_format_time (wh_server_now_us (self) / G_USEC_PER_SEC);
  if (sqlite3_prepare_v2 (self->db,
                          "UPDATE vouchers SET status = 'redeemed', redeemed_at = ?"
                          " WHERE voucher_id = ? AND status = 'unused'", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, now_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, voucher_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE || sqlite3_changes (self->db) != 1)
    goto db_error;
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&voucher, wh_record_free);
  voucher = read_voucher (self, voucher_id);
  if (voucher == NULL || !wh_server_commit (self, &error))
    goto db_error;
  g_debug ("Voucher redeemed at merchant %" G_GUINT64_FORMAT, id);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, wh_record_to_string (voucher));
  return;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  wh_server_rollback (self);
  wh_server_respond_db_error (self, req->msg, error);
}

gboolean
wh_server_verify_voucher_payload (WhServer    *self,
                                  const char  *payload,
                                  char       **voucher_id,
                                  gint64      *merchant_id)
{
  return verify_payload (self, payload, voucher_id, merchant_id);
}

/* POST /vouchers/{voucher_id}/sms: the voucher's code by text message to
 * its owner's phone, for a kiosk, which keeps nothing once the worker
 * walks away. The reference server has no SMS gateway: it logs the text,
 * as it logs sign-in codes. Only an unused voucher of the signed-in worker,
 * a few times a day. */
void
wh_server_handle_voucher_sms (WhServer  *self,
                              WhRequest *req)
{
  const char *voucher_id = req->segments[1];
  g_autoptr(WhRecord) voucher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *body = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 owner = 0;

  if (wh_request_authenticate (req) == 0)
    return;
  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  if (sqlite3_prepare_v2 (self->db, "SELECT v.user_id, u.phone FROM vouchers v"
                                    " JOIN users u ON u.id = v.user_id WHERE v.voucher_id = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      owner = sqlite3_column_int64 (stmt, 0);
      phone = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
  /* Someone else's voucher is as unknown as one that does not exist. */
  if (owner != req->user_id || phone == NULL || (voucher = read_voucher (self, voucher_id)) == NULL)
    {
      wh_server_rollback (self);
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such voucher.");
      return;
    }
  if (g_strcmp0 (wh_record_get_text (voucher, "status"), "unused") != 0)
    {
      wh_server_rollback (self);
      wh_server_respond_error (req->msg, SOUP_STATUS_CONFLICT, "voucher_not_usable",
                               "This voucher has been used or has expired.");
      return;
    }
  if (!wh_server_count_voucher_sms (self, req, voucher_id))
    {
      wh_server_rollback (self);
      return;
    }
  if (!wh_server_commit (self, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  masked = wh_server_mask_phone (phone);
  g_message ("SMS to %s: love-meal voucher code %s at %s, valid on %s", masked,
             wh_record_get_text (voucher, "code"), wh_record_get_text (voucher, "merchant_name"),
             wh_record_get_text (voucher, "day"));
  body = g_strdup_printf ("{\"sent_to\": \"%s\"}", masked);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, g_steal_pointer (&body));
  return;

db_error:
  wh_server_rollback (self);
  wh_server_respond_db_error (self, req->msg, NULL);
}
