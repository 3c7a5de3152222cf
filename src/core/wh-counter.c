/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter.c: a merchant's counter (wh-counter.h). */
#define G_LOG_DOMAIN "wh-counter"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wh-codec.h"
#include "wh-counter.h"
#include "wh-idempotency.h"
#include "wh-store.h"
#include "wh-token.h"
#include "wh-voucher-payload.h"

G_DEFINE_QUARK (wh-counter-error-quark, wh_counter_error)

#define MAX_UPLOAD       500
#define MAX_DAY_VOUCHERS 100000
#define MAX_CONFLICTS    1000
#define MAX_KEYS         16

struct _WhCounter
{
  GMutex   lock;      /* the database; held through a commit's fsync */
  sqlite3 *db;

  /* What the getters give, kept in memory so a window reads it on its main
   * thread without waiting for a commit: under info_lock, reloaded after
   * each write of the config table. */
  GMutex   info_lock;
  GHashTable *info;   /* config key -> value */
  gboolean paired;
  /* The pairing's token, once stored in or looked up from the keyring
   * (wh-token.h); never in the database. */
  char    *token;
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS keys (public_key TEXT NOT NULL, valid_from TEXT,"
  " valid_until TEXT);"
  "CREATE TABLE IF NOT EXISTS vouchers (voucher_id TEXT PRIMARY KEY, day TEXT NOT NULL,"
  " code TEXT NOT NULL, payload TEXT NOT NULL, redeemed_at TEXT);"
  "CREATE INDEX IF NOT EXISTS vouchers_code ON vouchers (code, day);"
  "CREATE TABLE IF NOT EXISTS redemptions (redemption_id TEXT PRIMARY KEY,"
  " voucher_id TEXT NOT NULL UNIQUE, code TEXT NOT NULL, day TEXT NOT NULL,"
  " payload TEXT NOT NULL, redeemed_at TEXT NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0,"
  " result TEXT, result_at TEXT);"
  "CREATE INDEX IF NOT EXISTS redemptions_day ON redemptions (day, redeemed_at);"
  "CREATE INDEX IF NOT EXISTS redemptions_pending ON redemptions (uploaded);"
  "CREATE TABLE IF NOT EXISTS conflicts (voucher_id TEXT, code TEXT, refused_counter_id TEXT,"
  " refused_at TEXT, kept_counter_id TEXT, kept_at TEXT);";

void
wh_counter_redemption_free (WhCounterRedemption *r)
{
  if (r == NULL)
    return;
  g_free (r->code);
  g_free (r->voucher_id);
  g_free (r->redeemed_at);
  g_free (r->result);
  g_free (r->result_at);
  g_free (r);
}

void
wh_counter_conflict_free (WhCounterConflict *c)
{
  if (c == NULL)
    return;
  g_free (c->voucher_id);
  g_free (c->code);
  g_free (c->refused_counter_id);
  g_free (c->refused_at);
  g_free (c->kept_counter_id);
  g_free (c->kept_at);
  g_free (c);
}

/* ---- The database -------------------------------------------------------- */

static void load_info (WhCounter *self);

static gboolean
db_error (WhCounter *self,
          GError   **error)
{
  g_set_error (error, WH_COUNTER_ERROR, WH_COUNTER_ERROR_FAILED,
               _("The counter’s database failed: %s"), sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (WhCounter  *self,
      const char *sql,
      GError    **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error);
  return TRUE;
}

static void
rollback (WhCounter *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

WhCounter *
wh_counter_open (const char *path,
                 GError    **error)
{
  g_autoptr(WhCounter) self = g_new0 (WhCounter, 1);
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  g_mutex_init (&self->lock);
  g_mutex_init (&self->info_lock);
  /* The day's vouchers are in it: the owner's alone, from its creation
   * (SQLite gives the -wal and -shm files the database's mode). The
   * counter's token is in the keyring (wh-token.h), never here. */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, WH_COUNTER_ERROR, WH_COUNTER_ERROR_FAILED,
                   _("Cannot open the counter’s database “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  close (fd);
  wh_store_configure_sqlite ();
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
      SQLITE_OK)
    {
      db_error (self, error);
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 10000);
  /* WAL and synchronous=FULL: a commit is on disk when it returns, so an
   * "accepted" survives a crash or a power cut that follows it. */
  if (!exec (self, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", error) ||
      !exec (self, schema, error) ||
      /* A token kept here by the first builds: such a counter pairs again
       * (its sync says so). */
      !exec (self, "DELETE FROM config WHERE key = 'token'", error))
    return NULL;
  load_info (self);
  return g_steal_pointer (&self);
}

void
wh_counter_free (WhCounter *self)
{
  if (self == NULL)
    return;
  if (self->db)
    sqlite3_close (self->db);
  g_clear_pointer (&self->info, g_hash_table_unref);
  g_free (self->token);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->info_lock);
  g_free (self);
}

/* Under the lock. */
static char *
get_config (WhCounter  *self,
            const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM config WHERE key = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
set_config (WhCounter  *self,
            const char *key,
            const char *value,
            GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return db_error (self, error);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  return ok || db_error (self, error);
}

/* Under self->lock: the config table into the getters' copy. */
static void
load_info (WhCounter *self)
{
  static const char * const keys[] = { "merchant_id", "merchant_name", "server", "counter_id",
                                       "synced_at" };
  GHashTable *info = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      char *value = get_config (self, keys[i]);

      if (value != NULL)
        g_hash_table_insert (info, (gpointer) keys[i], value);
    }
  g_mutex_lock (&self->info_lock);
  g_clear_pointer (&self->info, g_hash_table_unref);
  self->info = info;
  self->paired = g_hash_table_contains (info, "counter_id");
  g_mutex_unlock (&self->info_lock);
}

static char *
dup_config (WhCounter  *self,
            const char *key)
{
  char *value;

  g_return_val_if_fail (self != NULL, NULL);
  g_mutex_lock (&self->info_lock);
  value = g_strdup (self->info ? g_hash_table_lookup (self->info, key) : NULL);
  g_mutex_unlock (&self->info_lock);
  return value;
}

gboolean
wh_counter_is_paired (WhCounter *self)
{
  gboolean paired;

  g_return_val_if_fail (self != NULL, FALSE);
  g_mutex_lock (&self->info_lock);
  paired = self->paired;
  g_mutex_unlock (&self->info_lock);
  return paired;
}

gint64
wh_counter_get_merchant_id (WhCounter *self)
{
  g_autofree char *id = dup_config (self, "merchant_id");

  return id ? g_ascii_strtoll (id, NULL, 10) : 0;
}

char *
wh_counter_dup_merchant_name (WhCounter *self)
{
  return dup_config (self, "merchant_name");
}

char *
wh_counter_dup_server (WhCounter *self)
{
  return dup_config (self, "server");
}

char *
wh_counter_dup_counter_id (WhCounter *self)
{
  return dup_config (self, "counter_id");
}

char *
wh_counter_dup_synced_at (WhCounter *self)
{
  return dup_config (self, "synced_at");
}

/* ---- Redeeming ----------------------------------------------------------- */

static GPtrArray *
load_keys (WhCounter *self)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT public_key, valid_from, valid_until FROM keys",
                          -1, &stmt, NULL) != SQLITE_OK)
    return keys;
  while (sqlite3_step (stmt) == SQLITE_ROW && keys->len < MAX_KEYS)
    {
      WhVoucherKey *key = wh_voucher_key_new_from_text (
        (const char *) sqlite3_column_text (stmt, 0), (const char *) sqlite3_column_text (stmt, 1),
        (const char *) sqlite3_column_text (stmt, 2));

      if (key)
        g_ptr_array_add (keys, key);
    }
  sqlite3_finalize (stmt);
  return keys;
}

/* One text column of the first row of sql with one text parameter (and a
 * second, if any); *found says whether there was a row. */
static char *
query_text (WhCounter  *self,
            const char *sql,
            const char *a,
            const char *b,
            gboolean   *found)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  *found = FALSE;
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_STATIC);
  if (b)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *found = TRUE;
      value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_finalize (stmt);
  return value;
}

/* "12:31" of an ISO time in CST ("2026-11-20T12:31:05+08:00"). */
static char *
clock_of (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) local = dt ? g_date_time_to_timezone (dt, cst) : NULL;

  return local ? g_date_time_format (local, "%H:%M") : g_strdup ("?");
}

static char *
refusal_message (const GError *error,
                 const char   *day)
{
  switch (error->code)
    {
    case WH_VOUCHER_ERROR_UNKNOWN_KEY:
      return g_strdup (_("Not a valid voucher (unknown key: sync this counter)"));
    case WH_VOUCHER_ERROR_WRONG_MERCHANT:
      return g_strdup (_("Another merchant’s voucher"));
    case WH_VOUCHER_ERROR_EXPIRED:
      return g_strdup (_("Expired"));
    case WH_VOUCHER_ERROR_NOT_YET:
      /* Translators: %s is a date, 2026-11-21 */
      return g_strdup_printf (_("Not valid until %s"), day ? day : "?");
    case WH_VOUCHER_ERROR_OUTSIDE_WINDOW:
      return g_strdup (_("Outside the serving hours"));
    case WH_VOUCHER_ERROR_INVALID:
    default:
      return g_strdup (_("Not a valid voucher"));
    }
}

static gboolean
is_code (const char *s)
{
  return strlen (s) == 12 && strspn (s, "0123456789") == 12;
}

WhCounterVerdict
wh_counter_redeem (WhCounter  *self,
                   const char *input,
                   GDateTime  *now,
                   char      **message,
                   GError    **error)
{
  g_autofree char *text = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *merchant = NULL;
  g_autofree char *used_at = NULL;
  g_autofree char *redemption_id = NULL;
  g_autofree char *redeemed_at = NULL;
  g_autofree char *today = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(WhVoucherPayload) v = NULL;
  g_autoptr(GError) refusal = NULL;
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) local = NULL;
  sqlite3_stmt *stmt = NULL;
  WhCounterVerdict verdict = WH_COUNTER_REFUSED;
  gboolean found = FALSE, ok;

  g_return_val_if_fail (self != NULL, WH_COUNTER_FAILED);
  g_return_val_if_fail (input != NULL, WH_COUNTER_FAILED);
  g_return_val_if_fail (now != NULL, WH_COUNTER_FAILED);
  g_return_val_if_fail (message != NULL && *message == NULL, WH_COUNTER_FAILED);

  local = g_date_time_to_timezone (now, cst);
  today = g_date_time_format (local, "%Y-%m-%d");
  /* A scanner ends its line with Enter; people type spaces in codes. */
  text = g_strstrip (g_strdup (input));
  if (strlen (text) <= 20)
    {
      char *w = text;

      for (const char *r = text; *r; r++)
        if (*r != ' ' && *r != '-')
          *w++ = *r;
      *w = '\0';
    }

  g_mutex_lock (&self->lock);
  merchant = get_config (self, "merchant_id");
  if (merchant == NULL)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, WH_COUNTER_ERROR, WH_COUNTER_ERROR_NOT_PAIRED,
                           _("This counter is not paired with a merchant yet."));
      return WH_COUNTER_FAILED;
    }

  if (is_code (text))
    {
      payload = query_text (self, "SELECT payload FROM vouchers WHERE code = ? AND day = ?", text,
                            today, &found);
      if (!found)
        {
          /* Redeemed here from its QR code, or unknown until the next sync. */
          used_at = query_text (self, "SELECT redeemed_at FROM redemptions"
                                      " WHERE code = ? AND day = ?", text, today, &found);
          g_mutex_unlock (&self->lock);
          if (found)
            {
              g_autofree char *at = clock_of (used_at);

              /* Translators: %s is a time of day, 12:31 */
              *message = g_strdup_printf (_("Already used at %s"), at);
            }
          else
            *message = g_strdup (_("Unknown code: sync this counter or scan the QR code"));
          return WH_COUNTER_REFUSED;
        }
    }
  else
    payload = g_strdup (text);

  keys = load_keys (self);
  v = wh_voucher_payload_check (payload, keys, g_ascii_strtoll (merchant, NULL, 10), now,
                                &refusal);
  if (v == NULL)
    {
      g_autoptr(WhVoucherPayload) form = wh_voucher_payload_parse (payload, NULL);

      g_mutex_unlock (&self->lock);
      *message = refusal_message (refusal, form ? form->day : NULL);
      return WH_COUNTER_REFUSED;
    }

  /* Checked and recorded in one write transaction: two scans at once, even
   * from two processes, record one redemption. */
  if (!exec (self, "BEGIN IMMEDIATE", error))
    goto failed;
  used_at = query_text (self, "SELECT redeemed_at FROM redemptions WHERE voucher_id = ?",
                        v->voucher_id, NULL, &found);
  if (!found)
    used_at = query_text (self, "SELECT redeemed_at FROM vouchers WHERE voucher_id = ?"
                                " AND redeemed_at IS NOT NULL", v->voucher_id, NULL, &found);
  if (found)
    {
      g_autofree char *at = clock_of (used_at);

      rollback (self);
      g_mutex_unlock (&self->lock);
      *message = g_strdup_printf (_("Already used at %s"), at);
      return WH_COUNTER_REFUSED;
    }
  redemption_id = wh_idempotency_key_new ();
  redeemed_at = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO redemptions (redemption_id, voucher_id, code, day, payload,"
                          " redeemed_at) VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      db_error (self, error);
      goto failed;
    }
  sqlite3_bind_text (stmt, 1, redemption_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, v->voucher_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, v->code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, v->day, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, redeemed_at, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  sqlite3_finalize (stmt);
  if (!ok)
    {
      db_error (self, error);
      goto failed;
    }
  /* Accepted only once this is on disk. */
  if (!exec (self, "COMMIT", error))
    goto failed;
  g_mutex_unlock (&self->lock);
  verdict = WH_COUNTER_ACCEPTED;
  *message = g_strdup (_("Accepted"));
  return verdict;

failed:
  rollback (self);
  g_mutex_unlock (&self->lock);
  return WH_COUNTER_FAILED;
}

GPtrArray *
wh_counter_list_day (WhCounter  *self,
                     const char *day,
                     GError    **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (
    (GDestroyNotify) wh_counter_redemption_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && day != NULL, NULL);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT code, voucher_id, redeemed_at, uploaded, result, result_at"
                          " FROM redemptions WHERE day = ? ORDER BY redeemed_at DESC, rowid DESC",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (self, error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, day, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhCounterRedemption *r = g_new0 (WhCounterRedemption, 1);

      r->code = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      r->voucher_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      r->redeemed_at = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      r->uploaded = sqlite3_column_int (stmt, 3) != 0;
      r->result = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      r->result_at = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      g_ptr_array_add (list, r);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      db_error (self, error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  g_mutex_unlock (&self->lock);
  return g_steal_pointer (&list);
}

GPtrArray *
wh_counter_list_conflicts (WhCounter *self,
                           GError   **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (
    (GDestroyNotify) wh_counter_conflict_free);
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT voucher_id, code, refused_counter_id, refused_at,"
                          " kept_counter_id, kept_at FROM conflicts ORDER BY rowid", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      db_error (self, error);
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      WhCounterConflict *c = g_new0 (WhCounterConflict, 1);

      c->voucher_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      c->code = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      c->refused_counter_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      c->refused_at = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      c->kept_counter_id = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      c->kept_at = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      g_ptr_array_add (list, c);
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);
  return g_steal_pointer (&list);
}

guint
wh_counter_count_pending (WhCounter *self)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM redemptions WHERE uploaded = 0", -1,
                          &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->lock);
  return n;
}

/* ---- What the server sends ----------------------------------------------- */

static const char *
text_member (JsonObject *o,
             const char *name,
             gsize       max,
             gboolean    nullable,
             gboolean   *ok)
{
  JsonNode *m = json_object_get_member (o, name);

  if (m != NULL && JSON_NODE_HOLDS_NULL (m) && nullable)
    return NULL;
  if (m == NULL || JSON_NODE_TYPE (m) != JSON_NODE_VALUE ||
      json_node_get_value_type (m) != G_TYPE_STRING || strlen (json_node_get_string (m)) > max)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (m);
}

static JsonArray *
array_member (JsonObject *o,
              const char *name,
              guint       max,
              gboolean   *ok)
{
  JsonNode *m = json_object_get_member (o, name);

  if (m == NULL || !JSON_NODE_HOLDS_ARRAY (m) || json_array_get_length (json_node_get_array (m)) > max)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_array (m);
}

static GError *
malformed (void)
{
  return g_error_new_literal (WH_COUNTER_ERROR, WH_COUNTER_ERROR_MALFORMED,
                              _("The server’s answer breaks the contract."));
}

/* A token goes into a header: visible ASCII only. */
static gboolean
token_is_valid (const char *token)
{
  gsize len = token ? strlen (token) : 0;

  for (gsize i = 0; i < len; i++)
    if (token[i] <= 0x20 || token[i] >= 0x7f)
      return FALSE;
  return len > 0 && len <= 200;
}

/* The pairing, in the caller's transaction. */
static gboolean
apply_pairing (WhCounter  *self,
               const char *server,
               JsonObject *o,
               GError    **error)
{
  gboolean ok = TRUE;
  const char *counter_id = text_member (o, "counter_id", 64, FALSE, &ok);
  const char *name = text_member (o, "merchant_name", 400, FALSE, &ok);
  JsonNode *id = json_object_get_member (o, "merchant_id");
  g_autofree char *id_text = NULL;

  if (!ok || id == NULL || JSON_NODE_TYPE (id) != JSON_NODE_VALUE ||
      json_node_get_value_type (id) != G_TYPE_INT64 || json_node_get_int (id) < 1)
    {
      g_propagate_error (error, malformed ());
      return FALSE;
    }
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
  return exec (self, "DELETE FROM vouchers; DELETE FROM keys; DELETE FROM conflicts;"
                     " DELETE FROM config;", error) &&
         set_config (self, "server", server, error) &&
         set_config (self, "counter_id", counter_id, error) &&
         set_config (self, "merchant_id", id_text, error) &&
         set_config (self, "merchant_name", name, error);
}

/* The day's answer replaces vouchers, keys and conflicts, in the caller's
 * transaction. */
static gboolean
apply_day (WhCounter  *self,
           JsonObject *o,
           GError    **error)
{
  gboolean ok = TRUE;
  const char *day = text_member (o, "day", 10, FALSE, &ok);
  const char *name = text_member (o, "merchant_name", 400, FALSE, &ok);
  JsonArray *keys = array_member (o, "keys", MAX_KEYS, &ok);
  JsonArray *vouchers = array_member (o, "vouchers", MAX_DAY_VOUCHERS, &ok);
  JsonArray *conflicts = array_member (o, "conflicts", MAX_CONFLICTS, &ok);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *synced_at = g_date_time_format_iso8601 (now);
  sqlite3_stmt *stmt = NULL;

  if (!ok || strlen (day) != 10)
    goto bad;
  if (!exec (self, "DELETE FROM keys; DELETE FROM conflicts;", error) ||
      !set_config (self, "merchant_name", name, error) ||
      !set_config (self, "day", day, error) ||
      !set_config (self, "synced_at", synced_at, error))
    return FALSE;
  /* Vouchers of earlier days go: their codes are no use any more. */
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM vouchers WHERE day != ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return db_error (self, error);
  sqlite3_bind_text (stmt, 1, day, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!ok)
    return db_error (self, error);

  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *n = json_array_get_element (keys, i);
      JsonObject *k = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *pk, *from, *until;
      g_autoptr(WhVoucherKey) key = NULL;

      if (k == NULL)
        goto bad;
      pk = text_member (k, "public_key", 64, FALSE, &ok);
      from = text_member (k, "valid_from", 10, TRUE, &ok);
      until = text_member (k, "valid_until", 10, TRUE, &ok);
      if (!ok || (key = wh_voucher_key_new_from_text (pk, from, until)) == NULL)
        goto bad;
      if (sqlite3_prepare_v2 (self->db, "INSERT INTO keys (public_key, valid_from, valid_until)"
                                        " VALUES (?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
        return db_error (self, error);
      sqlite3_bind_text (stmt, 1, pk, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, from, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, until, -1, SQLITE_STATIC);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
      g_clear_pointer (&stmt, sqlite3_finalize);
      if (!ok)
        return db_error (self, error);
    }

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO vouchers (voucher_id, day, code, payload,"
                          " redeemed_at) VALUES (?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    return db_error (self, error);
  for (guint i = 0; i < json_array_get_length (vouchers); i++)
    {
      JsonNode *n = json_array_get_element (vouchers, i);
      JsonObject *v = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *id, *code, *payload, *status, *at;

      if (v == NULL)
        goto bad_stmt;
      id = text_member (v, "voucher_id", 64, FALSE, &ok);
      code = text_member (v, "code", 12, FALSE, &ok);
      payload = text_member (v, "payload", WH_VOUCHER_PAYLOAD_MAX, FALSE, &ok);
      status = text_member (v, "status", 32, FALSE, &ok);
      at = text_member (v, "redeemed_at", 40, TRUE, &ok);
      if (!ok || !is_code (code))
        goto bad_stmt;
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, day, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, code, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, payload, -1, SQLITE_STATIC);
      if (g_str_equal (status, "redeemed") && at != NULL)
        sqlite3_bind_text (stmt, 5, at, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 5);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_finalize (stmt);
          return db_error (self, error);
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO conflicts (voucher_id, code, refused_counter_id, refused_at,"
                          " kept_counter_id, kept_at) VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt,
                          NULL) != SQLITE_OK)
    return db_error (self, error);
  for (guint i = 0; i < json_array_get_length (conflicts); i++)
    {
      JsonNode *n = json_array_get_element (conflicts, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      static const char * const names[] = { "voucher_id", "code", "refused_counter_id",
                                             "refused_at", "kept_counter_id", "kept_at" };

      if (c == NULL)
        goto bad_stmt;
      sqlite3_reset (stmt);
      for (guint j = 0; j < G_N_ELEMENTS (names); j++)
        sqlite3_bind_text (stmt, (int) j + 1, text_member (c, names[j], 64, TRUE, &ok), -1,
                           SQLITE_TRANSIENT);
      if (!ok)
        goto bad_stmt;
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_finalize (stmt);
          return db_error (self, error);
        }
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  return TRUE;

bad_stmt:
  g_clear_pointer (&stmt, sqlite3_finalize);
bad:
  g_propagate_error (error, malformed ());
  return FALSE;
}

/* Up to MAX_UPLOAD pending redemptions as an upload body, or NULL. */
static JsonNode *
build_upload (WhCounter *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT redemption_id, payload, redeemed_at FROM redemptions"
                          " WHERE uploaded = 0 ORDER BY rowid LIMIT ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int (stmt, 1, MAX_UPLOAD);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "redemptions");
  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "redemption_id");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 0));
      json_builder_set_member_name (builder, "payload");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (builder, "redeemed_at");
      json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 2));
      json_builder_end_object (builder);
      n++;
    }
  sqlite3_finalize (stmt);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return n ? json_builder_get_root (builder) : NULL;
}

/* The server's results: each redemption it answered is uploaded. */
static gboolean
apply_results (WhCounter  *self,
               JsonObject *o,
               GError    **error)
{
  gboolean ok = TRUE;
  JsonArray *results = array_member (o, "results", MAX_UPLOAD, &ok);
  sqlite3_stmt *stmt = NULL;

  if (!ok)
    {
      g_propagate_error (error, malformed ());
      return FALSE;
    }
  if (sqlite3_prepare_v2 (self->db,
                          "UPDATE redemptions SET uploaded = 1, result = ?, result_at = ?"
                          " WHERE redemption_id = ?", -1, &stmt, NULL) != SQLITE_OK)
    return db_error (self, error);
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonNode *n = json_array_get_element (results, i);
      JsonObject *r = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *id = r ? text_member (r, "redemption_id", 64, FALSE, &ok) : NULL;
      const char *result = r ? text_member (r, "result", 32, FALSE, &ok) : NULL;
      const char *at = r ? text_member (r, "redeemed_at", 40, TRUE, &ok) : NULL;

      if (r == NULL || !ok)
        {
          sqlite3_finalize (stmt);
          g_propagate_error (error, malformed ());
          return FALSE;
        }
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, result, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, at, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_finalize (stmt);
          return db_error (self, error);
        }
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

/* ---- Online: pairing and syncing ----------------------------------------- */

typedef enum { STEP_PAIRED, STEP_BUILD, STEP_RESULTS, STEP_DAY } Step;

typedef struct
{
  WhCounter *counter;
  WhApi     *api;
  Step       step;
  JsonNode  *answer;   /* in */
  JsonNode  *upload;   /* out of STEP_BUILD */
  char      *token;
  /* Pairing: the new pairing's counter id, and the pairing it replaces
   * (NULL when there was none), whose token leaves the keyring. */
  char      *counter_id;
  char      *old_server;
  char      *old_counter_id;
  GError    *error;      /* kept while a failed pairing cleans up */
} Sync;

static void
sync_free (Sync *s)
{
  g_clear_object (&s->api);
  g_clear_pointer (&s->answer, json_node_unref);
  g_clear_pointer (&s->upload, json_node_unref);
  g_free (s->token);
  g_free (s->counter_id);
  g_free (s->old_server);
  g_free (s->old_counter_id);
  g_clear_error (&s->error);
  g_free (s);
}

static GError *
not_paired (void)
{
  return g_error_new_literal (WH_COUNTER_ERROR, WH_COUNTER_ERROR_NOT_PAIRED,
                              _("This counter is not paired with a merchant yet."));
}

/* The token in memory, if it is the one of the pairing server and
 * counter_id name (a pairing may have replaced it meanwhile). */
static void
cache_token (WhCounter  *self,
             const char *server,
             const char *counter_id,
             const char *token)
{
  g_mutex_lock (&self->info_lock);
  if (self->info != NULL &&
      g_strcmp0 (g_hash_table_lookup (self->info, "server"), server) == 0 &&
      g_strcmp0 (g_hash_table_lookup (self->info, "counter_id"), counter_id) == 0)
    {
      g_free (self->token);
      self->token = g_strdup (token);
    }
  g_mutex_unlock (&self->info_lock);
}

/* Database work of a sync step, in a worker thread. */
static void
step_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Sync *s = task_data;
  WhCounter *self = s->counter;
  GError *error = NULL;
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  switch (s->step)
    {
    case STEP_PAIRED:
      ok = exec (self, "BEGIN IMMEDIATE", &error) &&
           apply_pairing (self, wh_api_get_base_url (s->api), json_node_get_object (s->answer),
                          &error) &&
           exec (self, "COMMIT", &error);
      break;
    case STEP_BUILD:
      /* The token is in s->token already: the keyring is never asked
       * under the lock, so redeeming never waits for it. */
      g_clear_pointer (&s->upload, json_node_unref);
      s->upload = build_upload (self);
      break;
    case STEP_RESULTS:
      ok = exec (self, "BEGIN IMMEDIATE", &error) &&
           apply_results (self, json_node_get_object (s->answer), &error) &&
           exec (self, "COMMIT", &error);
      break;
    case STEP_DAY:
      ok = exec (self, "BEGIN IMMEDIATE", &error) &&
           apply_day (self, json_node_get_object (s->answer), &error) &&
           exec (self, "COMMIT", &error);
      break;
    }
  if (!ok)
    rollback (self);
  if (s->step == STEP_PAIRED || s->step == STEP_DAY)
    load_info (self);
  /* The new pairing's token, once the database has the pairing. */
  if (ok && s->step == STEP_PAIRED)
    cache_token (self, wh_api_get_base_url (s->api), s->counter_id, s->token);
  g_mutex_unlock (&self->lock);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_step (GTask              *outer,
          Step                step,
          GAsyncReadyCallback callback)
{
  Sync *s = g_task_get_task_data (outer);
  g_autoptr(GTask) task = g_task_new (NULL, g_task_get_cancellable (outer), callback, outer);

  s->step = step;
  g_task_set_task_data (task, s, NULL);
  /* A write that began is seen through. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, step_thread);
}

static void sync_built_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
sync_day_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
sync_day_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *answer = wh_api_counter_finish (WH_API (source), result, &error);

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&s->answer, json_node_unref);
  s->answer = answer;
  run_step (g_steal_pointer (&task), STEP_DAY, sync_day_stored_cb);
}

static void
sync_results_stored_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* More pending? */
  run_step (g_steal_pointer (&task), STEP_BUILD, sync_built_cb);
}

static void
sync_uploaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *answer = wh_api_counter_finish (WH_API (source), result, &error);

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_pointer (&s->answer, json_node_unref);
  s->answer = answer;
  run_step (g_steal_pointer (&task), STEP_RESULTS, sync_results_stored_cb);
}

static void
sync_built_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (s->upload != NULL)
    wh_api_counter_upload_async (s->api, s->token, s->upload, cancellable, sync_uploaded_cb,
                                 g_steal_pointer (&task));
  else
    wh_api_counter_day_async (s->api, s->token, cancellable, sync_day_cb,
                              g_steal_pointer (&task));
}

static GTask *
sync_task_new (WhCounter          *self,
               WhApi              *api,
               GCancellable       *cancellable,
               GAsyncReadyCallback callback,
               gpointer            user_data,
               gpointer            source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Sync *s = g_new0 (Sync, 1);

  s->counter = self;
  s->api = g_object_ref (api);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, s, (GDestroyNotify) sync_free);
  return task;
}

static void
sync_token_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *server = wh_counter_dup_server (s->counter);
  g_autofree char *counter_id = wh_counter_dup_counter_id (s->counter);

  s->token = wh_token_counter_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Gone from the keyring (cleared by hand, or kept in the database by the
   * first builds): the counter pairs again. */
  if (s->token == NULL)
    {
      g_task_return_new_error (task, WH_COUNTER_ERROR, WH_COUNTER_ERROR_NOT_PAIRED, "%s",
                               _("This counter’s pairing is not in the keyring any more. Pair "
                                 "it again."));
      return;
    }
  if (server != NULL && counter_id != NULL)
    cache_token (s->counter, server, counter_id, s->token);
  run_step (g_steal_pointer (&task), STEP_BUILD, sync_built_cb);
}

/* The token from memory, else from the keyring, on the caller's main
 * context (libsecret's async calls: never _sync from a worker thread); then
 * the sync's first step. */
static void
sync_start (GTask *task)
{
  Sync *s = g_task_get_task_data (task);
  WhCounter *self = s->counter;
  g_autofree char *server = wh_counter_dup_server (self);
  g_autofree char *counter_id = wh_counter_dup_counter_id (self);

  if (server == NULL || counter_id == NULL)
    {
      g_task_return_error (task, not_paired ());
      g_object_unref (task);
      return;
    }
  g_mutex_lock (&self->info_lock);
  g_free (s->token);
  s->token = g_strdup (self->token);
  g_mutex_unlock (&self->info_lock);
  if (s->token != NULL)
    run_step (task, STEP_BUILD, sync_built_cb);
  else
    wh_token_counter_lookup_async (server, counter_id, g_task_get_cancellable (task),
                                   sync_token_cb, task);
}

void
wh_counter_sync_async (WhCounter          *self,
                       WhApi              *api,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (WH_IS_API (api));

  sync_start (sync_task_new (self, api, cancellable, callback, user_data,
                             wh_counter_sync_async));
}

gboolean
wh_counter_sync_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_counter_sync_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The replaced pairing's token has left the keyring (or could not: it is
 * only logged, the new pairing stands): the first sync. */
static void
pair_old_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_token_counter_clear_finish (result, &error))
    g_debug ("The replaced pairing stays in the keyring: %s", error->message);
  run_step (g_steal_pointer (&task), STEP_BUILD, sync_built_cb);
}

/* The database did not take the pairing: its token leaves the keyring
 * again, then the pairing fails. */
static void
pair_undone_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!wh_token_counter_clear_finish (result, &error))
    g_debug ("A pairing that failed stays in the keyring: %s", error->message);
  g_task_return_error (task, g_steal_pointer (&s->error));
}

static void
pair_stored_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  const char *server = wh_api_get_base_url (s->api);

  /* The keyring's clean-ups are not cancelled with the pairing: they are
   * quick, and the caller's main context sees them through. */
  if (!g_task_propagate_boolean (G_TASK (result), &s->error))
    {
      if (g_strcmp0 (server, s->old_server) == 0 &&
          g_strcmp0 (s->counter_id, s->old_counter_id) == 0)
        g_task_return_error (task, g_steal_pointer (&s->error));
      else
        wh_token_counter_clear_async (server, s->counter_id, NULL, pair_undone_cb,
                                      g_steal_pointer (&task));
      return;
    }
  /* Paired anew: the pairing it replaces goes from the keyring. */
  if (s->old_server != NULL && s->old_counter_id != NULL &&
      (g_strcmp0 (server, s->old_server) != 0 ||
       g_strcmp0 (s->counter_id, s->old_counter_id) != 0))
    wh_token_counter_clear_async (s->old_server, s->old_counter_id, NULL, pair_old_cleared_cb,
                                  g_steal_pointer (&task));
  else
    run_step (g_steal_pointer (&task), STEP_BUILD, sync_built_cb);
}

/* The token is in the keyring: now the database takes the pairing, so a
 * counter whose database says paired has its token. */
static void
pair_token_stored_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!wh_token_counter_store_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  run_step (g_steal_pointer (&task), STEP_PAIRED, pair_stored_cb);
}

static void
pair_answer_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Sync *s = g_task_get_task_data (task);
  GError *error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  JsonNode *answer = wh_api_counter_finish (WH_API (source), result, &error);
  gboolean ok = TRUE;
  const char *counter_id, *token;

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  s->answer = answer;
  counter_id = text_member (json_node_get_object (answer), "counter_id", 64, FALSE, &ok);
  token = text_member (json_node_get_object (answer), "token", 200, FALSE, &ok);
  if (!ok || !token_is_valid (token))
    {
      g_task_return_error (task, malformed ());
      return;
    }
  s->counter_id = g_strdup (counter_id);
  s->token = g_strdup (token);
  s->old_server = wh_counter_dup_server (s->counter);
  s->old_counter_id = wh_counter_dup_counter_id (s->counter);
  /* On the caller's main context, as every keyring call of the counter. */
  wh_token_counter_store_async (wh_api_get_base_url (s->api), counter_id, token, cancellable,
                                pair_token_stored_cb, g_steal_pointer (&task));
}

void
wh_counter_pair_async (WhCounter          *self,
                       WhApi              *api,
                       gint64              merchant_id,
                       const char         *merchant_key,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (self != NULL);
  g_return_if_fail (WH_IS_API (api));
  g_return_if_fail (merchant_id > 0 && merchant_key != NULL);

  task = sync_task_new (self, api, cancellable, callback, user_data, wh_counter_pair_async);
  wh_api_counter_pair_async (api, merchant_id, merchant_key, cancellable, pair_answer_cb, task);
}

gboolean
wh_counter_pair_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_counter_pair_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
