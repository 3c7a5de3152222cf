/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend's defences (issue #15): sign-in limits across codes,
 * codes kept only as a hash, a database only its owner reads, expired rows
 * pruned on a timer instead of inside claims, Idempotency-Key bodies
 * compared as parsed JSON, and client times from the future clamped. */
#include "config.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "wh-api.h"
#include "wh-codec.h"
#include "wh-server-db.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* HTTP helpers */

typedef struct
{
  guint               status;
  char               *body;
  gsize               length;
  SoupMessageHeaders *headers;
} Response;

static void
response_free (Response *r)
{
  g_free (r->body);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

/* headers: name, value, ..., NULL. */
static Response *
request (SoupSession  *session,
         WhTestServer *ts,
         const char   *method,
         const char   *path,
         const char   *body,
         ...)
{
  g_autofree char *url = g_strconcat (wh_test_server_get_url (ts), "/api/v1/", path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Response *r = g_new0 (Response, 1);
  const char *name;
  va_list ap;

  va_start (ap, body);
  while ((name = va_arg (ap, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                  va_arg (ap, const char *));
  va_end (ap);
  if (body != NULL)
    {
      g_autoptr(GBytes) request_body = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  r->length = g_bytes_get_size (bytes);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return r;
}

static void
assert_error (Response   *r,
              guint       status,
              const char *code)
{
  g_autofree char *got_code = NULL;
  g_autofree char *message = NULL;

  g_assert_cmpuint (r->status, ==, status);
  g_assert_true (wh_error_body_parse (r->body, r->length, &got_code, &message));
  g_assert_cmpstr (got_code, ==, code);
}

/* A refusal that says when to come back, in whole seconds. */
static gint64
assert_refused (Response   *r,
                guint       status,
                const char *code)
{
  const char *retry_after = soup_message_headers_get_one (r->headers, "Retry-After");
  guint64 seconds = 0;

  assert_error (r, status, code);
  g_assert_nonnull (retry_after);
  g_assert_true (g_ascii_string_to_unsigned (retry_after, 10, 1, 86400, &seconds, NULL));
  return (gint64) seconds;
}

static Response *
ask_code (SoupSession  *session,
          WhTestServer *ts,
          const char   *phone)
{
  g_autofree char *body = g_strdup_printf ("{\"phone\": \"%s\"}", phone);

  return request (session, ts, "POST", "auth/code", body, NULL);
}

static Response *
login (SoupSession  *session,
       WhTestServer *ts,
       const char   *phone,
       const char   *code)
{
  g_autofree char *body = g_strdup_printf ("{\"phone\": \"%s\", \"code\": \"%s\"}", phone, code);

  return request (session, ts, "POST", "auth/login", body, NULL);
}

/* A code that is not the one sent. */
static char *
wrong_code (WhTestServer *ts,
            const char   *phone)
{
  g_autofree char *code = wh_test_server_get_last_code (ts, phone);

  g_assert_nonnull (code);
  return g_strdup_printf ("%06d", (atoi (code) + 1) % 1000000);
}

static char *
sign_in (SoupSession  *session,
         WhTestServer *ts,
         const char   *phone)
{
  g_autoptr(Response) r = login (session, ts, phone, WH_TEST_SERVER_DEMO_CODE);
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  root = wh_json_parse_bounded (r->body, r->length, 1 << 20, NULL);
  return g_strdup (json_object_get_string_member (json_node_get_object (root), "token"));
}

static Response *
authed (SoupSession  *session,
        WhTestServer *ts,
        const char   *method,
        const char   *path,
        const char   *token,
        const char   *body)
{
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

  return request (session, ts, method, path, body, "Authorization", bearer, NULL);
}

static WhTestServer *
start_empty (void)
{
  g_autoptr(GError) error = NULL;
  WhTestServer *ts = wh_test_server_start (NULL, &error);

  g_assert_no_error (error);
  return ts;
}

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", 30, NULL);
}

static gint64
cst_time_us (int day,
             int hour,
             int minute)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) dt = g_date_time_new (cst, 2026, 11, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/* ------------------------------------------------------------------------ */
/* Running SQL on the server's connection, on its thread */

typedef struct
{
  const char *sql;
  GPtrArray  *rows;  /* of GStrv, one string per column (NULL as "") */
} Query;

static void
query_cb (WhServer *server,
          gpointer  user_data)
{
  Query *q = user_data;
  sqlite3 *db = wh_server_get_db (server);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, q->sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int n = sqlite3_column_count (stmt);
      GStrv row = g_new0 (char *, n + 1);

      for (int i = 0; i < n; i++)
        row[i] = g_strdup (sqlite3_column_text (stmt, i) ?
                           (const char *) sqlite3_column_text (stmt, i) : "");
      g_ptr_array_add (q->rows, row);
    }
  g_assert_cmpint (sqlite3_finalize (stmt), ==, SQLITE_OK);
}

static GPtrArray *
query (WhTestServer *ts,
       const char   *sql)
{
  Query q = { sql, g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev) };

  wh_test_server_run (ts, query_cb, &q);
  return q.rows;
}

/* ------------------------------------------------------------------------ */
/* Sign-in limits */

/* Wrong tries count per phone across codes: a new code buys no new guesses.
 * After 10 wrong tries in a day the phone gets neither codes nor logins,
 * not even with the right code, until midnight (CST). */
static void
test_failures_per_phone (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  const char *phone = "13912345670";
  gint64 now = cst_time_us (20, 9, 0) / G_USEC_PER_SEC;
  gint64 midnight = cst_time_us (21, 0, 0) / G_USEC_PER_SEC;

  wh_test_server_set_time (ts, now * G_USEC_PER_SEC);
  /* Guesses with no live code could not have worked: they do not use up
   * the phone's day (or anyone could lock a phone out without a code). */
  for (guint i = 0; i < 12; i++)
    {
      g_autoptr(Response) r = login (session, ts, phone, "123456");
      assert_error (r, 401, "invalid_code");
    }
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(Response) sent = ask_code (session, ts, phone);
      g_autofree char *wrong = wrong_code (ts, phone);

      g_assert_cmpuint (sent->status, ==, 200);
      for (guint i = 0; i < 5; i++)
        {
          g_autoptr(Response) r = login (session, ts, phone, wrong);
          assert_error (r, 401, "invalid_code");
        }
      wh_test_server_advance (ts, 61);
      now += 61;
    }

  /* Ten wrong tries: no third code, and no login with any code. */
  {
    g_autoptr(Response) r = ask_code (session, ts, phone);
    g_assert_cmpint (assert_refused (r, 429, "daily_limit"), ==, midnight - now);
  }
  {
    g_autoptr(Response) r = login (session, ts, phone, WH_TEST_SERVER_DEMO_CODE);
    g_assert_cmpint (assert_refused (r, 429, "daily_limit"), ==, midnight - now);
  }
  /* Another phone is not affected. */
  {
    g_autoptr(Response) r = ask_code (session, ts, "13912345671");
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Tomorrow (CST) the phone starts again. */
  wh_test_server_set_time (ts, midnight * G_USEC_PER_SEC);
  {
    g_autoptr(Response) r = ask_code (session, ts, phone);
    g_autofree char *code = wh_test_server_get_last_code (ts, phone);
    g_autoptr(Response) ok = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    ok = login (session, ts, phone, code);
    g_assert_cmpuint (ok->status, ==, 200);
  }
}

static void
test_codes_per_phone (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();

  wh_test_server_set_time (ts, cst_time_us (20, 23, 0));
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Response) r = ask_code (session, ts, "13800138000");
      g_assert_cmpuint (r->status, ==, 200);
      wh_test_server_advance (ts, 61);
    }
  {
    g_autoptr(Response) r = ask_code (session, ts, "13800138000");
    g_assert_cmpint (assert_refused (r, 429, "daily_limit"), ==, 3600 - 5 * 61);
  }
  /* The codes already sent still work. */
  {
    g_autofree char *code = wh_test_server_get_last_code (ts, "13800138000");
    g_autoptr(Response) r = login (session, ts, "13800138000", code);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* One address asking codes for many phones: 20 an hour. */
static void
test_codes_per_client (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  gint64 start = cst_time_us (20, 9, 0);

  wh_test_server_set_time (ts, start + (gint64) 10 * 60 * G_USEC_PER_SEC);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *phone = g_strdup_printf ("138%08u", i);
      g_autoptr(Response) r = ask_code (session, ts, phone);
      g_assert_cmpuint (r->status, ==, 200);
    }
  {
    g_autoptr(Response) r = ask_code (session, ts, "13899999999");
    /* Until the hour (UTC, so also CST) is over: 50 minutes. */
    g_assert_cmpint (assert_refused (r, 429, "too_many_requests"), ==, 50 * 60);
  }
  wh_test_server_set_time (ts, start + (gint64) 60 * 60 * G_USEC_PER_SEC);
  {
    g_autoptr(Response) r = ask_code (session, ts, "13899999999");
    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* One address guessing across many phones: 30 failed logins an hour, then
 * not even the right code is looked at. */
static void
test_failures_per_client (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();

  wh_test_server_set_time (ts, cst_time_us (20, 9, 0));
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *phone = g_strdup_printf ("137%08u", i);
      g_autoptr(Response) r = login (session, ts, phone, "000001");
      assert_error (r, 401, "invalid_code");
    }
  {
    g_autoptr(Response) r = login (session, ts, "13700000099", WH_TEST_SERVER_DEMO_CODE);
    g_assert_cmpint (assert_refused (r, 429, "too_many_requests"), ==, 3600);
  }
}

/* All phones together: a ceiling of codes an hour (each may be a paid SMS). */
static void
test_global_ceiling (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();

  wh_test_server_set_time (ts, cst_time_us (20, 9, 30));
  wh_test_server_set_auth_limits (ts, "codes=3,client-codes=0");
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *phone = g_strdup_printf ("136%08u", i);
      g_autoptr(Response) r = ask_code (session, ts, phone);
      g_assert_cmpuint (r->status, ==, 200);
    }
  {
    g_autoptr(Response) r = ask_code (session, ts, "13699999999");
    g_assert_cmpint (assert_refused (r, 503, "unavailable"), ==, 30 * 60);
  }
  /* 0 lifts a limit, and the setting survives a restart. */
  wh_test_server_set_auth_limits (ts, "codes=0");
  wh_test_server_stop (ts);
  g_assert_true (wh_test_server_restart (ts, NULL));
  {
    g_autoptr(Response) r = ask_code (session, ts, "13699999999");
    g_assert_cmpuint (r->status, ==, 200);
  }
}

static void
test_limits_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autoptr(WhServer) server = wh_server_new (path, &error);

  g_assert_no_error (error);
  g_assert_false (wh_server_set_auth_limits (server, "phone-codes=1, codes=7", &error));
  g_clear_error (&error);
  g_assert_false (wh_server_set_auth_limits (server, "phone-codes", &error));
  g_clear_error (&error);
  g_assert_false (wh_server_set_auth_limits (server, "phone=3", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (wh_server_set_auth_limits (server, "phone-codes=1,codes=7", &error));
  g_assert_true (wh_server_set_auth_limits (server, "", &error));
  g_assert_no_error (error);
  g_clear_object (&server);
  wh_test_remove_tmpdir (dir);
}

/* The database keeps a keyed hash of a code, never the code. */
static void
test_code_hashed (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) r = ask_code (session, ts, "13800138000");
  g_autofree char *code = wh_test_server_get_last_code (ts, "13800138000");
  g_autoptr(GPtrArray) rows = query (ts, "SELECT * FROM login_codes");
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, code, -1);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (code);
  g_assert_cmpuint (rows->len, ==, 1);
  for (char **column = g_ptr_array_index (rows, 0); *column; column++)
    {
      g_assert_cmpstr (*column, !=, code);
      /* Keyed: not a plain digest either, which 10^6 tries would undo. */
      g_assert_cmpstr (*column, !=, sha);
    }
  {
    g_autoptr(GPtrArray) hashes = query (ts, "SELECT code_hash FROM login_codes");
    char **row = g_ptr_array_index (hashes, 0);

    g_assert_cmpuint (strlen (row[0]), ==, 64);
    g_assert_null (strstr (row[0], code));
  }
  {
    g_autoptr(Response) ok = login (session, ts, "13800138000", code);
    g_assert_cmpuint (ok->status, ==, 200);
  }
}

/* The client shows the refusal as its own translated text, and does not
 * take it for a moment's rate limit. */
static void
test_client_daily_limit (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) api = wh_api_new (wh_test_server_get_url (ts), &error);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  wh_test_server_set_auth_limits (ts, "phone-codes=1");
  wh_test_server_set_time (ts, cst_time_us (20, 23, 0));
  wh_api_request_code_async (api, "13800138000", NULL, wh_test_result_cb, &result);
  g_assert_true (wh_api_request_code_finish (api, wh_test_await (&result), NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  wh_test_server_advance (ts, 61);
  wh_api_request_code_async (api, "13800138000", NULL, wh_test_result_cb, &result);
  g_assert_false (wh_api_request_code_finish (api, wh_test_await (&result), NULL, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_DAILY_LIMIT);
  g_assert_false (wh_api_error_is_transient (error));
  g_assert_cmpstr (wh_api_error_get_server_code (error), ==, "daily_limit");
  g_assert_cmpint (wh_api_error_get_retry_after (error), ==, 3600 - 61);
  g_assert_nonnull (strstr (error->message, "try again tomorrow"));
}

/* ------------------------------------------------------------------------ */
/* File modes */

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
write_one_record (WhServer *server,
                  gpointer  user_data)
{
  g_autoptr(WhRecord) c = wh_record_new (&wh_collection_categories);
  g_autoptr(GError) error = NULL;

  c->id = 1;
  wh_record_set_text (c, "name", "电工");
  wh_server_put_record (server, c, &error);
  g_assert_no_error (error);
}

/* A new database, and its -wal and -shm, are for their owner only. */
static void
test_file_modes_new (void)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhServer) server = NULL;
  mode_t old = umask (022);

  server = wh_server_new (path, &error);
  g_assert_no_error (error);
  write_one_record (server, NULL);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (wal), ==, 0600);
  g_assert_cmpuint (file_mode (shm), ==, 0600);
  g_clear_object (&server);
  umask (old);
  wh_test_remove_tmpdir (dir);
}

/* Files an older version left world-readable are narrowed at start. */
static void
test_file_modes_existing (void)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autoptr(GError) error = NULL;
  g_autoptr(WhServer) server = NULL;

  /* An empty database file and stale sidecars, all 0644. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);

      g_assert_true (g_file_set_contents (p, "", 0, NULL));
      g_assert_cmpint (g_chmod (p, 0644), ==, 0);
    }
  server = wh_server_new (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);

      if (g_file_test (p, G_FILE_TEST_EXISTS))
        g_assert_cmpuint (file_mode (p), ==, 0600);
    }
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_clear_object (&server);
  wh_test_remove_tmpdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Pruning */

#define MERCHANT_ID 42

static void
put_merchant (WhTestServer *ts)
{
  static const char * const windows[] = { "11:00-13:30", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = MERCHANT_ID;
  wh_record_set_text (m, "name", "兰州拉面");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", 10);
  wh_record_set_int (m, "remaining_today", 10);
  wh_test_server_put_record (ts, m);
}

static Response *
claim (SoupSession  *session,
       WhTestServer *ts,
       const char   *token,
       const char   *key,
       const char   *body)
{
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

  return request (session, ts, "POST", "vouchers", body, "Authorization", bearer,
                  "Idempotency-Key", key, NULL);
}

/* Statements the server ran while a trace was on. */
typedef struct
{
  GMutex     lock;
  GPtrArray *sql;
} Trace;

static int
trace_cb (unsigned int mask,
          void        *ctx,
          void        *p,
          void        *x)
{
  Trace *trace = ctx;

  g_mutex_lock (&trace->lock);
  g_ptr_array_add (trace->sql, g_strdup (x));
  g_mutex_unlock (&trace->lock);
  return 0;
}

static void
trace_on_cb (WhServer *server,
             gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  /* Nothing the prune timer left pending runs inside the trace. */
  g_assert_true (wh_server_prune_expired (server, &error));
  g_assert_no_error (error);
  sqlite3_trace_v2 (wh_server_get_db (server), SQLITE_TRACE_STMT, trace_cb, user_data);
}

static void
trace_off_cb (WhServer *server,
              gpointer  user_data)
{
  sqlite3_trace_v2 (wh_server_get_db (server), 0, NULL, NULL);
}

/* Signing in and claiming no longer delete expired rows in their write
 * transactions (a scan of the whole table under the write lock). */
static void
test_claim_runs_no_delete (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  Trace trace = { .sql = g_ptr_array_new_with_free_func (g_free) };

  g_mutex_init (&trace.lock);
  put_merchant (ts);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  wh_test_server_run (ts, trace_on_cb, &trace);
  token = sign_in (session, ts, "13800138000");
  {
    g_autoptr(Response) r = claim (session, ts, token, "k1", "{\"merchant_id\": 42}");
    g_assert_cmpuint (r->status, ==, 201);
  }
  wh_test_server_run (ts, trace_off_cb, NULL);

  g_assert_cmpuint (trace.sql->len, >, 0);
  for (guint i = 0; i < trace.sql->len; i++)
    {
      const char *sql = g_ptr_array_index (trace.sql, i);
      g_autofree char *lower = g_ascii_strdown (sql, -1);

      if (strstr (lower, "delete from") != NULL)
        g_error ("A request ran “%s”", sql);
    }
  g_ptr_array_unref (trace.sql);
  g_mutex_clear (&trace.lock);

  /* A key older than the 7 days it is kept for, not pruned yet, is a new
   * request all the same. */
  {
    g_autofree char *stale = g_strdup_printf (
      "INSERT INTO idempotency SELECT id, 'old-key', 'x', 409, '{}', %" G_GINT64_FORMAT
      " FROM users", cst_time_us (10, 12, 0) / G_USEC_PER_SEC);
    g_autoptr(Response) r = NULL;

    wh_test_server_set_time (ts, cst_time_us (21, 12, 0));
    g_ptr_array_unref (query (ts, stale));
    r = claim (session, ts, token, "old-key", "{\"merchant_id\": 42}");
    g_assert_cmpuint (r->status, ==, 201);
  }
}

/* What the prune timer deletes by is indexed. */
static void
test_prune_uses_indexes (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  static const struct
  {
    const char *sql;
    const char *index;
  } plans[] = {
    { "EXPLAIN QUERY PLAN SELECT rowid FROM idempotency WHERE created_at < 5 LIMIT 500",
      "idempotency_created_at" },
    { "EXPLAIN QUERY PLAN SELECT rowid FROM tokens WHERE expires_at <= 5 LIMIT 500",
      "tokens_expires_at" },
    { "EXPLAIN QUERY PLAN SELECT rowid FROM login_codes WHERE expires_at <= 5 LIMIT 500",
      "login_codes_expires_at" },
    { "EXPLAIN QUERY PLAN SELECT rowid FROM auth_counters WHERE window_end <= 5 LIMIT 500",
      "auth_counters_window_end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (plans); i++)
    {
      g_autoptr(GPtrArray) rows = query (ts, plans[i].sql);
      g_autofree char *expected = g_strdup_printf ("USING COVERING INDEX %s", plans[i].index);
      gboolean found = FALSE;

      for (guint r = 0; r < rows->len; r++)
        {
          char **row = g_ptr_array_index (rows, r);

          /* id, parent, notused, detail */
          g_assert_null (strstr (row[3], "SCAN"));
          found |= strstr (row[3], expected) != NULL;
        }
      g_assert_true (found);
    }
}

static void
set_prune_interval_cb (WhServer *server,
                       gpointer  user_data)
{
  wh_server_set_prune_interval (server, GPOINTER_TO_UINT (user_data));
}

static gint64
count_rows (WhTestServer *ts,
            const char   *sql)
{
  g_autoptr(GPtrArray) rows = query (ts, sql);

  return g_ascii_strtoll (((char **) g_ptr_array_index (rows, 0))[0], NULL, 10);
}

/* The timer deletes expired rows, however many, and keeps the rest. */
static void
test_prune_timer (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  gint64 now = cst_time_us (20, 12, 0) / G_USEC_PER_SEC;
  gint64 deadline;
  g_autofree char *fill = g_strdup_printf (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)"
    " INSERT INTO idempotency (user_id, key, body_hash, status, response, created_at)"
    " SELECT 1, 'old' || i, 'h', 201, '{}', %" G_GINT64_FORMAT " FROM n;"
    "INSERT INTO idempotency VALUES (1, 'fresh', 'h', 201, '{}', %" G_GINT64_FORMAT ");"
    "INSERT INTO tokens VALUES ('expired', 1, %" G_GINT64_FORMAT ");"
    "INSERT INTO tokens VALUES ('live', 1, %" G_GINT64_FORMAT ");"
    "SELECT 1",
    now - 8 * 24 * 3600, now - 3600, now - 1, now + 3600);

  wh_test_server_set_time (ts, now * G_USEC_PER_SEC);
  {
    /* sqlite3_prepare runs one statement: run them one by one. */
    g_auto(GStrv) statements = g_strsplit (fill, ";", -1);

    for (guint i = 0; statements[i] && *statements[i]; i++)
      g_ptr_array_unref (query (ts, statements[i]));
  }
  g_assert_cmpint (count_rows (ts, "SELECT count(*) FROM idempotency"), ==, 1201);

  wh_test_server_run (ts, set_prune_interval_cb, GUINT_TO_POINTER (1));
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (count_rows (ts, "SELECT count(*) FROM idempotency") > 1 ||
         count_rows (ts, "SELECT count(*) FROM tokens") > 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  g_assert_cmpint (count_rows (ts, "SELECT count(*) FROM idempotency WHERE key = 'fresh'"), ==, 1);
  g_assert_cmpint (count_rows (ts, "SELECT count(*) FROM tokens WHERE token_hash = 'live'"), ==, 1);
}

/* ------------------------------------------------------------------------ */
/* Idempotency: parsed JSON */

static void
test_idempotency_member_order (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autoptr(Response) first = NULL;

  put_merchant (ts);
  wh_test_server_set_time (ts, cst_time_us (20, 12, 0));
  token = sign_in (session, ts, "13800138000");
  first = claim (session, ts, token, "k1",
                 "{\"merchant_id\": 42, \"note\": {\"b\": [1, {\"y\": 2, \"x\": 1}], \"a\": null}}");
  g_assert_cmpuint (first->status, ==, 201);
  {
    g_autoptr(Response) r = claim (session, ts, token, "k1",
                                   "{\"note\": {\"a\": null, \"b\": [1, {\"x\": 1, \"y\": 2}]},"
                                   " \"merchant_id\": 42}");
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (r->body, ==, first->body);
  }
  /* Order inside an array is meaning, and so are values. */
  {
    g_autoptr(Response) r = claim (session, ts, token, "k1",
                                   "{\"merchant_id\": 42, \"note\": {\"b\": [{\"y\": 2, \"x\": 1},"
                                   " 1], \"a\": null}}");
    assert_error (r, 422, "idempotency_key_reused");
  }
  {
    g_autoptr(Response) r = claim (session, ts, token, "k1", "{\"merchant_id\": 42}");
    assert_error (r, 422, "idempotency_key_reused");
  }
}

/* ------------------------------------------------------------------------ */
/* Times from the future */

static void
test_future_updated_at (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  static const struct
  {
    const char *path;
    const char *future;
    const char *later;
    const char *field;
    const char *stored;
  } docs[] = {
    { "progress/7",
      "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 100, \"completed\": false,"
      " \"updated_at\": \"2030-01-01T00:00:00+08:00\"}",
      "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 200, \"completed\": false,"
      " \"updated_at\": \"2026-11-20T10:01:00+08:00\"}",
      "position", "200" },
    { "bookmarks/12",
      "{\"job_id\": 12, \"applied\": false, \"updated_at\": \"2030-01-01T00:00:00+08:00\"}",
      "{\"job_id\": 12, \"applied\": true, \"updated_at\": \"2026-11-20T10:01:00+08:00\"}",
      "applied", "true" },
  };

  wh_test_server_set_time (ts, cst_time_us (20, 10, 0));
  token = sign_in (session, ts, "13800138000");
  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      {
        g_autoptr(Response) r = authed (session, ts, "PUT", docs[i].path, token, docs[i].future);
        g_autoptr(JsonNode) root = wh_json_parse_bounded (r->body, r->length, 1 << 20, NULL);

        g_assert_cmpuint (r->status, ==, 200);
        /* Stored as the server's time, not 2030. */
        g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "updated_at"),
                         ==, "2026-11-20T10:00:00+08:00");
      }
      /* So a write a minute later wins, as it should. */
      wh_test_server_advance (ts, 60);
      {
        g_autoptr(Response) r = authed (session, ts, "PUT", docs[i].path, token, docs[i].later);
        g_autoptr(JsonNode) root = wh_json_parse_bounded (r->body, r->length, 1 << 20, NULL);
        JsonNode *member = json_object_get_member (json_node_get_object (root), docs[i].field);
        g_autofree char *value = json_to_string (member, FALSE);

        g_assert_cmpuint (r->status, ==, 200);
        g_assert_cmpstr (value, ==, docs[i].stored);
      }
      wh_test_server_set_time (ts, cst_time_us (20, 10, 0));
    }

  /* A document stored in the future before this fix loses to any write. */
  g_ptr_array_unref (query (ts, "UPDATE progress SET updated_at = '2031-01-01T00:00:00+08:00'"));
  wh_test_server_advance (ts, 120);
  {
    g_autoptr(Response) r = authed (session, ts, "PUT", "progress/7", token,
                                    "{\"lesson_id\": 7, \"course_id\": 3, \"position\": 300,"
                                    " \"completed\": false,"
                                    " \"updated_at\": \"2026-11-20T10:02:00+08:00\"}");
    g_autoptr(JsonNode) root = wh_json_parse_bounded (r->body, r->length, 1 << 20, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "position"), ==, 300);
  }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server-auth/limits/failures-per-phone", test_failures_per_phone);
  g_test_add_func ("/server-auth/limits/codes-per-phone", test_codes_per_phone);
  g_test_add_func ("/server-auth/limits/codes-per-client", test_codes_per_client);
  g_test_add_func ("/server-auth/limits/failures-per-client", test_failures_per_client);
  g_test_add_func ("/server-auth/limits/global-ceiling", test_global_ceiling);
  g_test_add_func ("/server-auth/limits/spec", test_limits_spec);
  g_test_add_func ("/server-auth/limits/client-daily-limit", test_client_daily_limit);
  g_test_add_func ("/server-auth/code-hashed", test_code_hashed);
  g_test_add_func ("/server-auth/file-modes/new", test_file_modes_new);
  g_test_add_func ("/server-auth/file-modes/existing", test_file_modes_existing);
  g_test_add_func ("/server-auth/prune/claim-runs-no-delete", test_claim_runs_no_delete);
  g_test_add_func ("/server-auth/prune/indexes", test_prune_uses_indexes);
  g_test_add_func ("/server-auth/prune/timer", test_prune_timer);
  g_test_add_func ("/server-auth/idempotency/member-order", test_idempotency_member_order);
  g_test_add_func ("/server-auth/user/future-updated-at", test_future_updated_at);

  return g_test_run ();
}
