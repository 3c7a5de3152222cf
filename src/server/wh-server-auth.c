/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-auth.c: sign-in with a phone number and a one-time code.
 *
 * Codes are kept in plain text (this is a demo server that logs them
 * anyway); tokens are not: only their SHA-256 is stored, so a copy of the
 * database signs nobody in.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-server-private.h"

#define CODE_TTL_S       300
#define CODE_RESEND_S    60
#define CODE_MAX_ATTEMPTS 5
#define TOKEN_BYTES      32

static gboolean
phone_is_valid (const char *phone)
{
  if (phone == NULL || strlen (phone) != 11 || phone[0] != '1')
    return FALSE;
  for (guint i = 0; i < 11; i++)
    if (!g_ascii_isdigit (phone[i]))
      return FALSE;
  return TRUE;
}

/* 138****8000: enough to find the line in a log, not a phone number. */
static char *
mask_phone (const char *phone)
{
  return g_strdup_printf ("%.3s****%s", phone, phone + 7);
}

static char *
random_digits (guint n)
{
  GString *s = g_string_sized_new (n);

  while (s->len < n)
    {
      guint8 byte;

      wh_server_random_bytes (&byte, 1);
      /* 250 = 25 * 10: drop the rest so every digit is equally likely. */
      if (byte < 250)
        g_string_append_c (s, (char) ('0' + byte % 10));
    }
  return g_string_free (s, FALSE);
}

static char *
base64url (const guint8 *data,
           gsize         len)
{
  char *s = g_base64_encode (data, len);
  gsize n;

  for (char *p = s; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  n = strlen (s);
  while (n > 0 && s[n - 1] == '=')
    s[--n] = '\0';
  return s;
}

static const char *
get_string_member (JsonNode   *root,
                   const char *name)
{
  JsonNode *member = json_object_get_member (json_node_get_object (root), name);

  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

static gint64
now_s (WhServer *self)
{
  return wh_server_now_us (self) / G_USEC_PER_SEC;
}

void
wh_server_handle_auth_code (WhServer  *self,
                            WhRequest *req)
{
  g_autoptr(JsonNode) root = wh_request_parse_body (req);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *masked = NULL;
  const char *phone;
  sqlite3_stmt *stmt = NULL;
  gint64 now = now_s (self), sent_at = G_MININT64;

  if (root == NULL)
    return;
  phone = get_string_member (root, "phone");
  if (!phone_is_valid (phone))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“phone” must be 11 digits starting with 1.");
      return;
    }

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  if (sqlite3_prepare_v2 (self->db, "SELECT sent_at FROM login_codes WHERE phone = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    sent_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (sent_at != G_MININT64 && now < sent_at + CODE_RESEND_S && now >= sent_at)
    {
      wh_server_rollback (self);
      wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "A code was sent to this phone a moment ago.",
                               (guint) (sent_at + CODE_RESEND_S - now));
      return;
    }

  code = random_digits (6);
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO login_codes (phone, code, expires_at, attempts,"
                          " sent_at) VALUES (?, ?, ?, 0, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, code, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now + CODE_TTL_S);
  sqlite3_bind_int64 (stmt, 4, now);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto db_error;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!wh_server_commit (self, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }

  /* The demo has no SMS gateway: the log is how the code reaches a person. */
  masked = mask_phone (phone);
  g_message ("Login code for %s: %s", masked, code);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK,
                          g_strdup_printf ("{\"sent\":true,\"expires_in\":%d,\"resend_after\":%d}",
                                           CODE_TTL_S, CODE_RESEND_S));
  return;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  wh_server_respond_db_error (self, req->msg, NULL);
  wh_server_rollback (self);
}

/* Checks a code inside the caller's write transaction. A wrong guess counts
 * against the code, and the fifth voids it. */
static gboolean
check_code (WhServer   *self,
            const char *phone,
            const char *code,
            gboolean   *db_ok)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *stored = NULL;
  gint64 expires_at = 0, attempts = 0;
  gboolean match;
  const char *sql;

  *db_ok = TRUE;
  if (self->demo_code && wh_server_equal_constant_time (code, self->demo_code))
    return TRUE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT code, expires_at, attempts FROM login_codes WHERE phone = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return *db_ok = FALSE;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      stored = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      expires_at = sqlite3_column_int64 (stmt, 1);
      attempts = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_finalize (stmt);
  if (stored == NULL || now_s (self) >= expires_at)
    return FALSE;

  match = wh_server_equal_constant_time (code, stored);
  /* A used code is gone; so is one guessed at too often. */
  if (match || attempts + 1 >= CODE_MAX_ATTEMPTS)
    sql = "DELETE FROM login_codes WHERE phone = ?";
  else
    sql = "UPDATE login_codes SET attempts = attempts + 1 WHERE phone = ?";
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return *db_ok = FALSE;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    *db_ok = FALSE;
  sqlite3_finalize (stmt);
  return match;
}

/* Creates the user on a first sign-in. The reference server makes up the
 * union's records from the phone's last digit (CONTRACT.md). */
static gint64
ensure_user (WhServer   *self,
             const char *phone)
{
  sqlite3_stmt *stmt = NULL;
  int last = phone[10] - '0';
  g_autofree char *created = wh_server_format_time (now_s (self));
  gint64 id = 0;

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR IGNORE INTO users (phone, name, union_member, new_form_worker,"
                          " created_at) VALUES (?, NULL, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    return 0;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, last <= 8);
  sqlite3_bind_int (stmt, 3, last <= 7);
  sqlite3_bind_text (stmt, 4, created, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_finalize (stmt);
      return 0;
    }
  sqlite3_finalize (stmt);

  if (sqlite3_prepare_v2 (self->db, "SELECT id FROM users WHERE phone = ?", -1, &stmt, NULL) !=
      SQLITE_OK)
    return 0;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return id;
}

/* The Me document (wh_collection_me) of a user, NULL if there is none. */
static WhRecord *
read_me (WhServer *self,
         gint64    user_id,
         gint64    token_expires_s)
{
  sqlite3_stmt *stmt = NULL;
  WhRecord *me = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT phone, name, union_member, new_form_worker FROM users WHERE id = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gboolean member = sqlite3_column_int (stmt, 2) != 0;
      gboolean verified = sqlite3_column_int (stmt, 3) != 0;

      me = wh_record_new (&wh_collection_me);
      wh_record_set_int (me, "user_id", user_id);
      wh_record_set_text (me, "phone", (const char *) sqlite3_column_text (stmt, 0));
      if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
        wh_record_set_text (me, "name", (const char *) sqlite3_column_text (stmt, 1));
      wh_record_set_bool (me, "union_member", member);
      wh_record_set_bool (me, "new_form_worker", verified);
      wh_record_set_bool (me, "eligible", member && verified);
      wh_record_take_text (me, "token_expires_at", wh_server_format_time (token_expires_s));
    }
  sqlite3_finalize (stmt);
  return me;
}

void
wh_server_handle_auth_login (WhServer  *self,
                             WhRequest *req)
{
  g_autoptr(JsonNode) root = wh_request_parse_body (req);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) response = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *expires_text = NULL;
  guint8 raw[TOKEN_BYTES];
  const char *phone, *code;
  sqlite3_stmt *stmt = NULL;
  gboolean db_ok;
  gint64 user_id, now = now_s (self), expires = now + self->token_ttl_s;

  if (root == NULL)
    return;
  phone = get_string_member (root, "phone");
  code = get_string_member (root, "code");
  if (!phone_is_valid (phone) || code == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“phone” and “code” are required.");
      return;
    }

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  if (!check_code (self, phone, code, &db_ok))
    {
      /* The attempt is counted even though the login fails. */
      if (!db_ok || !wh_server_commit (self, &error))
        {
          wh_server_rollback (self);
          wh_server_respond_db_error (self, req->msg, error);
          return;
        }
      wh_server_respond_error (req->msg, SOUP_STATUS_UNAUTHORIZED, "invalid_code",
                               "The code is wrong or has expired.");
      return;
    }
  if (!db_ok || (user_id = ensure_user (self, phone)) == 0)
    goto db_error;

  wh_server_random_bytes (raw, sizeof raw);
  token = base64url (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  token_hash = wh_server_sha256_hex (token, strlen (token));
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM tokens WHERE expires_at <= ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_step (stmt);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, expires);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto db_error;
  g_clear_pointer (&stmt, sqlite3_finalize);
  me = read_me (self, user_id, expires);
  if (me == NULL || !wh_server_commit (self, &error))
    goto db_error;

  expires_text = wh_server_format_time (expires);
  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_string_value (builder, expires_text);
  json_builder_set_member_name (builder, "me");
  wh_record_to_builder (me, builder);
  json_builder_end_object (builder);
  response = json_builder_get_root (builder);
  g_debug ("User %" G_GINT64_FORMAT " signed in", user_id);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, wh_json_to_data (response, NULL));
  return;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  wh_server_rollback (self);
  wh_server_respond_db_error (self, req->msg, error);
}

gint64
wh_request_authenticate (WhRequest *req)
{
  WhServer *self = req->server;
  const char *header = soup_message_headers_get_one (
    soup_server_message_get_request_headers (req->msg), "Authorization");
  sqlite3_stmt *stmt = NULL;
  g_autofree char *hash = NULL;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0 || header[7] == '\0' ||
      strlen (header) > 200)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                               "Sign in first.");
      return 0;
    }
  hash = wh_server_sha256_hex (header + 7, strlen (header + 7));
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT user_id, expires_at FROM tokens WHERE token_hash = ?"
                          " AND expires_at > ?", -1, &stmt, NULL) != SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return 0;
    }
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now_s (self));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      req->user_id = sqlite3_column_int64 (stmt, 0);
      req->token_expires_s = sqlite3_column_int64 (stmt, 1);
      req->token_hash = g_steal_pointer (&hash);
    }
  sqlite3_finalize (stmt);
  if (req->user_id == 0)
    wh_server_respond_error (req->msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                             "The sign-in has expired or ended; sign in again.");
  return req->user_id;
}

void
wh_server_handle_auth_logout (WhServer  *self,
                              WhRequest *req)
{
  sqlite3_stmt *stmt = NULL;

  if (wh_request_authenticate (req) == 0)
    return;
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM tokens WHERE token_hash = ?", -1, &stmt, NULL) !=
      SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_text (stmt, 1, req->token_hash, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_finalize (stmt);
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_finalize (stmt);
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
wh_server_handle_me (WhServer  *self,
                     WhRequest *req)
{
  g_autoptr(WhRecord) me = NULL;

  if (wh_request_authenticate (req) == 0)
    return;
  me = read_me (self, req->user_id, req->token_expires_s);
  if (me == NULL)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, wh_record_to_string (me));
}
