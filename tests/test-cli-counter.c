/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home-cli counter …, as canteen staff or a script run it
 * (src/cli/wh-cli-counter.c over src/core/wh-counter.c): pairing, syncing,
 * redeeming with no network, the reasons for a refusal, two counters that
 * redeemed one voucher offline; and, in the reliability suite
 * (/counter/crash), redeem killed with SIGKILL at random moments: no
 * redemption reported accepted is lost, none is recorded twice. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-counter.h"
#include "wh-server-private.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"
#include "wh-token.h"

#define MERCHANT_A 42
#define MERCHANT_B 43

static char *cli_path;

typedef struct
{
  int   status;   /* exit status; -1 when killed by a signal */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run                *run,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  run_clear (run);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : -1;
  {
    g_autofree char *line = g_strjoinv (" ", (char **) args);

    g_test_message ("%s → %d\n%s%s", line, run->status, run->out, run->err);
  }
}

/* counter CMD [ARG...] on the counter database path, against server (NULL:
 * none given). */
static void
counter (Run        *run,
         const char *server,
         const char *path,
         const char *cmd,
         const char *arg1,
         const char *arg2)
{
  const char *args[] = { "--server", server ? server : "", "--cache", path, "counter", cmd, arg1,
                         arg2, NULL };

  if (server == NULL)
    {
      const char *offline[] = { "--cache", path, "counter", cmd, arg1, arg2, NULL };

      run_cli (run, offline);
      return;
    }
  run_cli (run, args);
}

/* "workers-home-cli: Already used at 12:31", one line. */
static void
assert_used_at (const char *err)
{
  g_assert_true (g_regex_match_simple ("^workers-home-cli: Already used at [0-2][0-9]:[0-5][0-9]\n$",
                                       err, 0, 0));
}

static void
put_merchant (WhTestServer *ts,
              gint64        id,
              gint64        quota)
{
  static const char * const windows[] = { "00:00-24:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", id == MERCHANT_A ? "老王家常菜\t<小馆>" : "兰州拉面");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
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

static void
no_auth_limit_cb (WhServer *server,
                  gpointer  user_data)
{
  wh_server_set_auth_rate_limit (server, 0);
}

static WhTestServer *
start_server (void)
{
  WhTestServer *ts = start_empty ();

  /* Many sign-ins for many vouchers. */
  wh_test_server_run (ts, no_auth_limit_cb, NULL);
  put_merchant (ts, MERCHANT_A, 1000);
  put_merchant (ts, MERCHANT_B, 1000);
  return ts;
}

static void
pair (Run          *run,
      WhTestServer *ts,
      const char   *path,
      gint64        merchant_id)
{
  g_autofree char *key = wh_test_server_merchant_key (ts, merchant_id);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, merchant_id);

  counter (run, wh_test_server_get_url (ts), path, "pair", id, key);
}

/* A file's bytes, and its -wal's, hold needle. */
static gboolean
file_holds (const char *path,
            const char *needle)
{
  const char *suffixes[] = { "", "-wal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *bytes = NULL;
      gsize len = 0;

      if (g_file_get_contents (name, &bytes, &len, NULL) &&
          g_strstr_len (bytes, len, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs this thread's main context until *slot is set (30 s at most). */
static GAsyncResult *
await_result (GAsyncResult **slot)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (30, timed_out_cb, &timed_out);

  while (*slot == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  return *slot;
}

/* The keyring's token for a counter (or NULL), looked up as the counter
 * does: async, on this thread's main context. */
static char *
keyring_token (WhTestServer *ts,
               const char   *counter_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  wh_token_counter_lookup_async (wh_test_server_get_url (ts), counter_id, NULL, result_cb,
                                 &result);
  token = wh_token_counter_lookup_finish (await_result (&result), &error);
  g_assert_no_error (error);
  /* Nothing of the bus is left for LeakSanitizer. */
  wh_token_shutdown ();
  return token;
}

static char *
counter_id_of (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhCounter) c = wh_counter_open (path, &error);

  g_assert_no_error (error);
  return wh_counter_dup_counter_id (c);
}

/* The counter's token is in the keyring, under its server and counter id,
 * and nowhere in its database. */
static void
assert_token_in_keyring (WhTestServer *ts,
                         const char   *path)
{
  g_autofree char *counter_id = counter_id_of (path);
  g_autofree char *token = NULL;

  g_assert_nonnull (counter_id);
  token = keyring_token (ts, counter_id);
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), ==, 64);
  g_assert_false (file_holds (path, token));
}

/* A counter of the first builds: its token in its database, none in the
 * keyring. */
static void
make_old_build (WhTestServer *ts,
                const char   *path)
{
  g_autofree char *counter_id = counter_id_of (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  wh_token_counter_clear_async (wh_test_server_get_url (ts), counter_id, NULL, result_cb,
                                &result);
  g_assert_true (wh_token_counter_clear_finish (await_result (&result), &error));
  g_assert_no_error (error);
  wh_token_shutdown ();
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO config (key, value) VALUES ('token',"
                                     " 'old-builds-token')", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static int
config_rows (const char *path,
             const char *key)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM config WHERE key = ?", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_counter_cli (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *one = g_build_filename (dir, "one.db", NULL);
  g_autofree char *two = g_build_filename (dir, "two.db", NULL);
  g_autoptr(WhRecord) v = NULL;
  g_autoptr(WhRecord) late = NULL;
  g_autoptr(WhRecord) other = NULL;
  g_autoptr(WhRecord) old = NULL;
  g_autofree char *forged = NULL;
  g_auto(Run) run = { 0, };
  const char *payload;

  /* Yesterday's voucher: expired today. */
  wh_test_server_set_time (ts, g_get_real_time () - (gint64) 24 * 3600 * G_USEC_PER_SEC);
  old = claim (session, ts, "13800138007", MERCHANT_A);
  wh_test_server_set_time (ts, 0);
  v = claim (session, ts, "13800138000", MERCHANT_A);
  other = claim (session, ts, "13800138001", MERCHANT_B);
  payload = wh_record_get_text (v, "payload");

  /* Usage, and a counter that was never paired. */
  counter (&run, NULL, one, "redeem", NULL, NULL);
  g_assert_cmpint (run.status, ==, 2);
  counter (&run, NULL, one, "redeem", payload, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not paired"));
  {
    g_autofree char *key_b = wh_test_server_merchant_key (ts, MERCHANT_B);

    counter (&run, wh_test_server_get_url (ts), one, "pair", "42", key_b);
    g_assert_cmpint (run.status, ==, 1);
  }

  /* No keyring to keep the pairing in: it fails and says why (never a
   * plain file instead), and the counter stays unpaired. */
  {
    g_autofree char *bus = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

    g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
    pair (&run, ts, one, MERCHANT_A);
    if (bus != NULL)
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus, TRUE);
    else
      g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "No keyring is available to keep this counter’s pairing"));
    counter (&run, NULL, one, "redeem", payload, NULL);
    g_assert_nonnull (strstr (run.err, "not paired"));
  }
  pair (&run, ts, one, MERCHANT_A);
  g_assert_cmpint (run.status, ==, 0);
  /* The merchant's name is plain text on one line. */
  g_assert_nonnull (strstr (run.out, "老王家常菜 <小馆>"));
  pair (&run, ts, two, MERCHANT_A);
  g_assert_cmpint (run.status, ==, 0);
  {
    GStatBuf st;

    g_assert_cmpint (g_stat (one, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  assert_token_in_keyring (ts, one);
  /* Claimed after the counters last synced: the QR code still checks. */
  late = claim (session, ts, "13800138002", MERCHANT_A);

  /* Offline from here on: no --server, or one that does not answer. */
  wh_test_server_stop (ts);
  counter (&run, NULL, one, "redeem", payload, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Accepted\n");
  counter (&run, NULL, one, "redeem", payload, NULL);
  g_assert_cmpint (run.status, ==, 3);
  assert_used_at (run.err);
  /* The same voucher by its code typed in, with spaces. */
  {
    g_autofree char *spaced = g_strdup_printf ("%.4s %.4s %.4s", wh_record_get_text (v, "code"),
                                               wh_record_get_text (v, "code") + 4,
                                               wh_record_get_text (v, "code") + 8);

    counter (&run, NULL, one, "redeem", spaced, NULL);
    g_assert_cmpint (run.status, ==, 3);
    assert_used_at (run.err);
  }
  /* Counter two redeems it too, by its code, with a dead server given. */
  counter (&run, "http://127.0.0.1:9", two, "redeem", wh_record_get_text (v, "code"), NULL);
  g_assert_cmpint (run.status, ==, 0);
  counter (&run, NULL, two, "redeem", wh_record_get_text (late, "payload"), NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* Its code was not in the day's list yet. */
  counter (&run, NULL, one, "redeem", wh_record_get_text (late, "code"), NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "Unknown code"));

  /* Refusals and their reasons. */
  forged = g_strdup (payload);
  forged[strlen (forged) - 3] = forged[strlen (forged) - 3] == 'A' ? 'B' : 'A';
  counter (&run, NULL, one, "redeem", forged, NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "Not a valid voucher"));
  counter (&run, NULL, one, "redeem", wh_record_get_text (other, "payload"), NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "Another merchant’s voucher"));
  counter (&run, NULL, one, "redeem", wh_record_get_text (old, "payload"), NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_nonnull (strstr (run.err, "Expired"));
  counter (&run, NULL, one, "redeem", "hello", NULL);
  g_assert_cmpint (run.status, ==, 3);

  /* Today's redemptions, not uploaded yet. */
  counter (&run, NULL, one, "list", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, wh_record_get_text (v, "code")));
  g_assert_nonnull (strstr (run.out, "\tpending\t"));
  g_assert_null (strchr (strchr (run.out, '\n') + 1, '\n'));

  /* Online again: one then two upload; the voucher is one's, two hears of
   * the conflict at once, one at its next sync. */
  g_assert_true (wh_test_server_restart (ts, NULL));
  counter (&run, wh_test_server_get_url (ts), one, "sync", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  counter (&run, NULL, one, "list", NULL, NULL);
  g_assert_nonnull (strstr (run.out, "\tuploaded\taccepted\n"));
  /* The paired server is used without --server. */
  {
    const char *args[] = { "--cache", two, "counter", "sync", NULL };

    run_cli (&run, args);
  }
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "conflict\t"));
  g_assert_nonnull (strstr (run.out, wh_record_get_text (v, "code")));
  g_assert_cmpuint (strlen (run.out) - strlen (strchr (run.out, '\n')), >, 0);
  counter (&run, NULL, two, "list", NULL, NULL);
  g_assert_nonnull (strstr (run.out, "\tuploaded\talready_redeemed\n"));
  g_assert_nonnull (strstr (run.out, "\tuploaded\taccepted\n"));
  counter (&run, wh_test_server_get_url (ts), one, "sync", NULL, NULL);
  g_assert_true (g_str_has_prefix (run.out, "conflict\t"));
  /* Now the code typed at one, from the day's list, says when it was used. */
  counter (&run, NULL, one, "redeem", wh_record_get_text (late, "code"), NULL);
  g_assert_cmpint (run.status, ==, 3);
  assert_used_at (run.err);

  /* Paired anew: the replaced pairing's token leaves the keyring. */
  {
    g_autofree char *old_id = counter_id_of (one);
    g_autofree char *new_id = NULL;
    g_autofree char *old_token = NULL;

    pair (&run, ts, one, MERCHANT_A);
    g_assert_cmpint (run.status, ==, 0);
    new_id = counter_id_of (one);
    g_assert_cmpstr (new_id, !=, old_id);
    assert_token_in_keyring (ts, one);
    old_token = keyring_token (ts, old_id);
    g_assert_null (old_token);
  }

  /* A counter of the first builds: the token in its database is deleted
   * when it opens, and its sync says to pair again; pairing again works. */
  make_old_build (ts, two);
  g_assert_cmpint (config_rows (two, "token"), ==, 1);
  counter (&run, NULL, two, "list", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (config_rows (two, "token"), ==, 0);
  counter (&run, wh_test_server_get_url (ts), two, "sync", NULL, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not in the keyring any more"));
  pair (&run, ts, two, MERCHANT_A);
  g_assert_cmpint (run.status, ==, 0);
  assert_token_in_keyring (ts, two);
  counter (&run, wh_test_server_get_url (ts), two, "sync", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* The worker's app sees it used. */
  {
    g_autofree char *token = sign_in (session, ts, "13800138000");
    g_autoptr(Response) r = authed (session, ts, "GET", "vouchers", token, NULL);

    g_assert_nonnull (strstr (r->body, "\"status\":\"redeemed\""));
  }
  g_unlink (one);
  g_unlink (two);
  wh_test_remove_tmpdir (dir);
}

/* ---- Reliability --------------------------------------------------------- */

/* How many redemptions of voucher_id the counter recorded, with the
 * database's integrity checked. */
static int
recorded (sqlite3    *db,
          const char *voucher_id)
{
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM redemptions WHERE voucher_id = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, voucher_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
test_counter_crash (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "counter.db", NULL);
  g_autoptr(GPtrArray) vouchers = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_autoptr(GHashTable) accepted = g_hash_table_new (g_str_hash, g_str_equal);
  const char *env = g_getenv ("WH_COUNTER_KILLS");
  guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 40;
  guint killed = 0, max_delay_us;
  g_auto(Run) run = { 0, };
  sqlite3 *db = NULL;

  pair (&run, ts, path, MERCHANT_A);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *phone = g_strdup_printf ("139%08u", i * 10);

      g_ptr_array_add (vouchers, claim (session, ts, phone, MERCHANT_A));
    }
  counter (&run, wh_test_server_get_url (ts), path, "sync", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Kills land within one and a half times what a redeem takes here (a
   * refused one: the same start, checks and database): some finish, most
   * die on the way, in the transaction or around it. */
  {
    gint64 t0 = g_get_monotonic_time ();

    counter (&run, NULL, path, "redeem", "000000000000", NULL);
    g_assert_cmpint (run.status, ==, 3);
    max_delay_us = (guint) CLAMP ((g_get_monotonic_time () - t0) * 3 / 2, 5000, 1000000);
    g_test_message ("kills within %u µs", max_delay_us);
  }

  for (guint i = 0; i < n; i++)
    {
      WhRecord *v = g_ptr_array_index (vouchers, i);
      /* Half by QR code, half by the 12 digits. */
      const char *input = i % 2 ? wh_record_get_text (v, "payload") : wh_record_get_text (v, "code");
      const char *argv[] = { cli_path, "--cache", path, "counter", "redeem", input, NULL };
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) out = NULL;

      child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
      g_assert_no_error (error);
      /* A random moment, not a wait for a condition: the point is a kill
       * anywhere in the run. */
      g_usleep (g_test_rand_int_range (0, (gint32) max_delay_us));
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_communicate (child, NULL, NULL, &out, NULL, &error);
      g_assert_no_error (error);
      if (g_subprocess_get_if_signaled (child))
        killed++;
      /* What it said before it died, if anything. */
      if (out != NULL && g_bytes_get_size (out) > 0 &&
          g_str_has_prefix (g_bytes_get_data (out, NULL), "Accepted"))
        g_hash_table_add (accepted, (gpointer) wh_record_get_text (v, "voucher_id"));
    }
  g_test_message ("%u of %u killed, %u said accepted", killed, n, g_hash_table_size (accepted));

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_finalize (stmt);
  }
  /* Every accepted one is there, none twice; redeeming again agrees with
   * the database. */
  for (guint i = 0; i < n; i++)
    {
      WhRecord *v = g_ptr_array_index (vouchers, i);
      const char *id = wh_record_get_text (v, "voucher_id");
      int count = recorded (db, id);

      g_assert_cmpint (count, <=, 1);
      if (g_hash_table_contains (accepted, id))
        g_assert_cmpint (count, ==, 1);
      counter (&run, NULL, path, "redeem", wh_record_get_text (v, "payload"), NULL);
      g_assert_cmpint (run.status, ==, count ? 3 : 0);
      g_assert_cmpint (recorded (db, id), ==, 1);
    }
  sqlite3_close (db);

  /* All of them reach the server, once. */
  counter (&run, wh_test_server_get_url (ts), path, "sync", NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  counter (&run, NULL, path, "list", NULL, NULL);
  g_assert_null (strstr (run.out, "pending"));
  g_assert_null (strstr (run.out, "already_redeemed"));
  {
    sqlite3 *server_db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (ts), &server_db,
                                      SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (server_db,
                                         "SELECT count(*) FROM vouchers WHERE status = 'redeemed'",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, (int) n);
    sqlite3_finalize (stmt);
    sqlite3_close (server_db);
  }
  g_unlink (path);
  wh_test_remove_tmpdir (dir);
}

/* A worker's sign-in goes through the same keyring search as a counter's
 * pairing (wh-token.c), each under its own schema: found by its server,
 * nothing for another server, and never the other schema's. */
static void
test_sign_in_lookup (void)
{
  static const char *server = "https://union.example";
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;
  g_autofree char *counter = NULL;

  g_assert_true (wh_token_store_sync (server, "sign-in-token", &error));
  g_assert_no_error (error);

  wh_token_lookup_async (server, NULL, result_cb, &result);
  token = wh_token_lookup_finish (await_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "sign-in-token");

  g_clear_object (&result);
  wh_token_lookup_async ("https://other.example", NULL, result_cb, &result);
  other = wh_token_lookup_finish (await_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (other);

  g_clear_object (&result);
  wh_token_counter_lookup_async (server, "1", NULL, result_cb, &result);
  counter = wh_token_counter_lookup_finish (await_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (counter);

  g_assert_true (wh_token_clear_sync (server, &error));
  g_assert_no_error (error);
  wh_token_shutdown ();
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  cli_path = g_build_filename (g_getenv ("WH_BUILD_ROOT"), "src", "cli", "workers-home-cli",
                               NULL);

  g_test_add_func ("/cli/counter/offline", test_counter_cli);
  g_test_add_func ("/counter/crash/redeem-killed", test_counter_crash);
  g_test_add_func ("/token/sign-in-lookup", test_sign_in_lookup);
  return g_test_run ();
}
