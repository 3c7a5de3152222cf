/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-auth.c: sign-in with a phone number and a one-time code.
 *
 * Neither codes nor tokens are stored as such: a code is kept as its
 * HMAC-SHA256 under the server's secret, a token as its SHA-256, so a copy
 * of the login tables signs nobody in.
 *
 * Guessing is bounded across codes, not per code only: a phone gets at most
 * a few codes and a few wrong tries a day, a client address a few codes and
 * wrong tries an hour, and all phones together a ceiling of codes an hour
 * (each code may be an SMS someone pays for). Every refusal says when to
 * come back (Retry-After). The counters live in auth_counters, one row per
 * subject and window, pruned on a timer (wh-server-prune.c).
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

/* wh_server_set_auth_limits: the defaults, and the names of a spec. */
static const struct
{
  const char *name;
  gsize       offset;
  guint       value;
} limit_specs[] = {
  { "phone-codes", G_STRUCT_OFFSET (WhAuthLimits, phone_codes), 5 },
  { "phone-failures", G_STRUCT_OFFSET (WhAuthLimits, phone_failures), 10 },
  { "client-codes", G_STRUCT_OFFSET (WhAuthLimits, client_codes), 20 },
  { "client-failures", G_STRUCT_OFFSET (WhAuthLimits, client_failures), 30 },
  { "codes", G_STRUCT_OFFSET (WhAuthLimits, codes), 2000 },
  { "client-reports", G_STRUCT_OFFSET (WhAuthLimits, client_reports), 30 },
  { "voucher-sms", G_STRUCT_OFFSET (WhAuthLimits, voucher_sms), 3 },
};

/* Rows of auth_counters */
#define COUNT_PHONE_CODES     "phone_codes"
#define COUNT_PHONE_FAILURES  "phone_failures"
#define COUNT_CLIENT_CODES    "client_codes"
#define COUNT_CLIENT_FAILURES "client_failures"
#define COUNT_CODES           "codes"
#define COUNT_CLIENT_REPORTS  "client_reports"
#define COUNT_VOUCHER_SMS     "voucher_sms"

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
char *
wh_server_mask_phone (const char *phone)
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

/* The end of the server's day (midnight China Standard Time) after now. */
static gint64
day_end (gint64 now)
{
  return ((now + WH_CST_OFFSET_S) / 86400 + 1) * 86400 - WH_CST_OFFSET_S;
}

static gint64
hour_end (gint64 now)
{
  return (now / 3600 + 1) * 3600;
}

/* Who asks, keyed as the rate limiter keys it: behind a trusted proxy the
 * forwarded address, an IPv6 client by its /64. */
static char *
client_address (WhServer  *self,
                WhRequest *req)
{
  char *key = wh_server_client_for_message (self, req->msg);

  return key != NULL ? key : g_strdup ("unknown");
}

/* The keyed hash a code is stored as: bound to the phone, so one code's
 * hash says nothing about another phone's. */
static char *
code_hash (WhServer   *self,
           const char *phone,
           const char *code)
{
  g_autofree char *data = g_strdup_printf ("login-code/%s/%s", phone, code);

  return wh_server_hmac_hex (self, data);
}

/* Whether subject's count in the window ending at window_end is below
 * limit (0: no limit). On a database failure *ok is FALSE and the answer
 * TRUE: callers check *ok before acting on it. */
static gboolean
under_limit (WhServer   *self,
             const char *kind,
             const char *subject,
             gint64      window_end,
             guint       limit,
             gboolean   *ok)
{
  sqlite3_stmt *stmt = NULL;
  gint64 count = 0;
  int rc;

  if (limit == 0 || subject == NULL)
    return TRUE;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT count FROM auth_counters WHERE kind = ? AND subject = ?"
                          " AND window_end = ?", -1, &stmt, NULL) != SQLITE_OK)
    {
      *ok = FALSE;
      return TRUE;
    }
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, window_end);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    *ok = FALSE;
  sqlite3_finalize (stmt);
  return count < limit;
}

static gboolean
count_one (WhServer   *self,
           const char *kind,
           const char *subject,
           gint64      window_end)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (subject == NULL)
    return TRUE;
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO auth_counters (kind, subject, window_end, count)"
                          " VALUES (?, ?, ?, 1) ON CONFLICT (kind, subject, window_end)"
                          " DO UPDATE SET count = count + 1", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, subject, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, window_end);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

static void
respond_daily_limit (WhRequest *req,
                     gint64     now)
{
  wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "daily_limit",
                           "This phone number had all the codes and wrong tries allowed today;"
                           " try again tomorrow.", (guint) (day_end (now) - now));
}

gboolean
wh_server_set_auth_limits (WhServer   *self,
                           const char *spec,
                           GError    **error)
{
  WhAuthLimits limits;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (limit_specs); i++)
    G_STRUCT_MEMBER (guint, &limits, limit_specs[i].offset) = limit_specs[i].value;
  items = g_strsplit (spec ? spec : "", ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      const char *eq = strchr (items[i], '=');
      guint64 value;
      guint k;

      if (items[i][0] == '\0')
        continue;
      for (k = 0; k < G_N_ELEMENTS (limit_specs); k++)
        if (eq && strlen (limit_specs[k].name) == (gsize) (eq - items[i]) &&
            strncmp (items[i], limit_specs[k].name, (gsize) (eq - items[i])) == 0)
          break;
      if (k == G_N_ELEMENTS (limit_specs) ||
          !g_ascii_string_to_unsigned (eq + 1, 10, 0, G_MAXINT32, &value, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a sign-in limit (phone-codes, phone-failures, client-codes,"
                       " client-failures or codes, =N)", items[i]);
          return FALSE;
        }
      G_STRUCT_MEMBER (guint, &limits, limit_specs[k].offset) = (guint) value;
    }
  self->auth_limits = limits;
  return TRUE;
}

void
wh_server_set_code_sender (WhServer          *self,
                           WhServerCodeSender sender,
                           gpointer           user_data)
{
  g_return_if_fail (WH_IS_SERVER (self));

  self->code_sender = sender;
  self->code_sender_data = user_data;
}

/* Counts one use of subject's allowance of kind in the window ending at
 * window_end, inside the caller's transaction. FALSE, with the response set
 * (429 and Retry-After, saying message, or a database error), when it is
 * used up. */
static gboolean
take_allowance (WhServer   *self,
                WhRequest  *req,
                const char *kind,
                const char *subject,
                gint64      window_end,
                guint       limit,
                const char *message)
{
  gint64 now = now_s (self);
  gboolean ok = TRUE;

  if (!under_limit (self, kind, subject, window_end, limit, &ok) && ok)
    {
      wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               message, (guint) (window_end - now));
      return FALSE;
    }
  if (!ok || !count_one (self, kind, subject, window_end))
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return FALSE;
    }
  return TRUE;
}

gboolean
wh_server_count_anonymous (WhServer  *self,
                           WhRequest *req)
{
  g_autofree char *client = client_address (self, req);

  return take_allowance (self, req, COUNT_CLIENT_REPORTS, client, hour_end (now_s (self)),
                         self->auth_limits.client_reports, "Too many reports from this address.");
}

gboolean
wh_server_count_voucher_sms (WhServer   *self,
                             WhRequest  *req,
                             const char *voucher_id)
{
  /* Each text may cost money: a few per voucher, and the phone's daily
   * codes cap the rest (a voucher lasts one day). */
  return take_allowance (self, req, COUNT_VOUCHER_SMS, voucher_id, day_end (now_s (self)),
                         self->auth_limits.voucher_sms,
                         "This voucher's code was sent by text message enough times today.");
}

void
wh_server_handle_auth_code (WhServer  *self,
                            WhRequest *req)
{
  g_autoptr(JsonNode) root = wh_request_parse_body (req);
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *hash = NULL;
  const WhAuthLimits *limits = &self->auth_limits;
  const char *phone;
  g_autofree char *client = client_address (self, req);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
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
  /* A phone that had its codes for today, or its wrong tries, gets no
   * more: a new code must not buy new guesses. */
  if (!under_limit (self, COUNT_PHONE_CODES, phone, day_end (now), limits->phone_codes, &ok) ||
      !under_limit (self, COUNT_PHONE_FAILURES, phone, day_end (now), limits->phone_failures, &ok))
    {
      wh_server_rollback (self);
      if (!ok)
        wh_server_respond_db_error (self, req->msg, NULL);
      else
        respond_daily_limit (req, now);
      return;
    }
  if (!ok)
    goto db_error;

  if (sqlite3_prepare_v2 (self->db, "SELECT sent_at FROM login_codes WHERE phone = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    sent_at = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (sent_at != G_MININT64 && now < sent_at + CODE_RESEND_S && now >= sent_at)
    {
      wh_server_rollback (self);
      wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "A code was sent to this phone a moment ago.",
                               (guint) (sent_at + CODE_RESEND_S - now));
      return;
    }
  if (!under_limit (self, COUNT_CLIENT_CODES, client, hour_end (now), limits->client_codes, &ok))
    {
      wh_server_rollback (self);
      wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "Too many codes were asked for from this address.",
                               (guint) (hour_end (now) - now));
      return;
    }
  if (!under_limit (self, COUNT_CODES, "", hour_end (now), limits->codes, &ok))
    {
      wh_server_rollback (self);
      g_message ("The ceiling of %u sign-in codes an hour is reached", limits->codes);
      wh_server_respond_retry (req->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                               "Too many codes are being sent; try again later.",
                               (guint) (hour_end (now) - now));
      return;
    }
  if (!ok)
    goto db_error;

  code = random_digits (6);
  hash = code_hash (self, phone, code);
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO login_codes (phone, code_hash, expires_at,"
                          " attempts, sent_at) VALUES (?, ?, ?, 0, ?)", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now + CODE_TTL_S);
  sqlite3_bind_int64 (stmt, 4, now);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto db_error;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!count_one (self, COUNT_PHONE_CODES, phone, day_end (now)) ||
      !count_one (self, COUNT_CLIENT_CODES, client, hour_end (now)) ||
      !count_one (self, COUNT_CODES, "", hour_end (now)))
    goto db_error;
  if (!wh_server_commit (self, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }

  if (self->code_sender != NULL)
    self->code_sender (phone, code, self->code_sender_data);
  else
    {
      /* The demo has no SMS gateway: the log is how the code reaches a person. */
      g_autofree char *masked = wh_server_mask_phone (phone);
      g_message ("Login code for %s: %s", masked, code);
    }
  wh_server_respond_json (req->msg, SOUP_STATUS_OK,
                          g_strdup_printf ("{\"sent\":true,\"expires_in\":%d,\"resend_after\":%d}",
                                           CODE_TTL_S, CODE_RESEND_S));
  return;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  wh_server_respond_db_error (self, req->msg, NULL);
  wh_server_rollback (self);
}

typedef enum
{
  CODE_RIGHT,
  CODE_WRONG,   /* a live code, and this is not it */
  CODE_NONE,    /* no live code for the phone: nothing to guess */
  CODE_DB_ERROR,
} CodeCheck;

/* Checks a code inside the caller's write transaction. A wrong guess counts
 * against the code, and the fifth voids it. */
static CodeCheck
check_code (WhServer   *self,
            const char *phone,
            const char *code)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *hash = NULL;
  gint64 expires_at = 0, attempts = 0;
  gboolean match;
  const char *sql;
  int rc;

  if (self->demo_code && wh_server_equal_constant_time (code, self->demo_code))
    return CODE_RIGHT;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT code_hash, expires_at, attempts FROM login_codes WHERE phone = ?",
                          -1, &stmt, NULL) != SQLITE_OK)
    return CODE_DB_ERROR;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      stored = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      expires_at = sqlite3_column_int64 (stmt, 1);
      attempts = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return CODE_DB_ERROR;
  if (stored == NULL || now_s (self) >= expires_at)
    return CODE_NONE;

  /* Hashes of the same length: the comparison takes the same time whatever
   * the guess. */
  hash = code_hash (self, phone, code);
  match = wh_server_equal_constant_time (hash, stored);
  /* A used code is gone; so is one guessed at too often. */
  if (match || attempts + 1 >= CODE_MAX_ATTEMPTS)
    sql = "DELETE FROM login_codes WHERE phone = ?";
  else
    sql = "UPDATE login_codes SET attempts = attempts + 1 WHERE phone = ?";
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return CODE_DB_ERROR;
  sqlite3_bind_text (stmt, 1, phone, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return CODE_DB_ERROR;
  return match ? CODE_RIGHT : CODE_WRONG;
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
  const WhAuthLimits *limits = &self->auth_limits;
  const char *phone, *code;
  g_autofree char *client = client_address (self, req);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  CodeCheck check;
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
  /* Over a limit, the code is not even looked at. */
  if (!under_limit (self, COUNT_PHONE_FAILURES, phone, day_end (now), limits->phone_failures,
                    &ok))
    {
      wh_server_rollback (self);
      if (!ok)
        wh_server_respond_db_error (self, req->msg, NULL);
      else
        respond_daily_limit (req, now);
      return;
    }
  if (!under_limit (self, COUNT_CLIENT_FAILURES, client, hour_end (now), limits->client_failures,
                    &ok))
    {
      wh_server_rollback (self);
      wh_server_respond_retry (req->msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "Too many wrong codes from this address.",
                               (guint) (hour_end (now) - now));
      return;
    }
  if (!ok)
    goto db_error;
  check = check_code (self, phone, code);
  if (check == CODE_DB_ERROR)
    goto db_error;
  if (check != CODE_RIGHT)
    {
      /* Every failure spends the client's tries; only a guess at a live
       * code spends the phone's, so nobody can use up a phone's day with
       * guesses that could not have worked. The attempt is counted even
       * though the login fails. */
      if (!count_one (self, COUNT_CLIENT_FAILURES, client, hour_end (now)) ||
          (check == CODE_WRONG &&
           !count_one (self, COUNT_PHONE_FAILURES, phone, day_end (now))) ||
          !wh_server_commit (self, &error))
        goto db_error;
      wh_server_respond_error (req->msg, SOUP_STATUS_UNAUTHORIZED, "invalid_code",
                               "The code is wrong or has expired.");
      return;
    }
  if ((user_id = ensure_user (self, phone)) == 0)
    goto db_error;

  wh_server_random_bytes (raw, sizeof raw);
  token = base64url (raw, sizeof raw);
  memset (raw, 0, sizeof raw);
  token_hash = wh_server_sha256_hex (token, strlen (token));
  /* Expired tokens are pruned on a timer, not here. */
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
