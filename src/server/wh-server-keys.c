/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-keys.c: the Ed25519 key that signs vouchers, and the public
 * keys the backend publishes so a counter checks vouchers offline.
 *
 * The secret is a 32-byte seed in its own file beside the database
 * (<database>.signing-key, hex), created 0600 and never served; a copy of
 * the database does not sign vouchers. Each key's public half is kept in
 * the signing_keys table with the voucher days it signs: the first key
 * signs from ever, a rotated-in key from the day of the rotation, and the
 * key it replaces stays published until the end of that day, when the
 * last vouchers it signed expire (GET /voucher-keys, CONTRACT.md).
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wh-codec.h"
#include "wh-server-private.h"

#define KEYS_SCHEMA \
  "CREATE TABLE IF NOT EXISTS signing_keys (" \
  " key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL," \
  " valid_from TEXT, valid_until TEXT, created_at INTEGER NOT NULL);"

static gboolean
set_io_error (GError    **error,
              const char *what,
              const char *path,
              int         saved)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s “%s”: %s", what, path,
               g_strerror (saved));
  return FALSE;
}

/* The seed to path, atomically, private from its creation. */
static gboolean
write_seed (const char   *path,
            const guint8  seed[WH_VOUCHER_SEED_LEN],
            GError      **error)
{
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  char hex[2 * WH_VOUCHER_SEED_LEN + 2];
  gsize done = 0;
  int fd;

  sodium_bin2hex (hex, sizeof hex, seed, WH_VOUCHER_SEED_LEN);
  hex[2 * WH_VOUCHER_SEED_LEN] = '\n';
  hex[2 * WH_VOUCHER_SEED_LEN + 1] = '\0';
  g_unlink (tmp);
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_io_error (error, "Cannot create the signing key", tmp, errno);
  /* The umask may only narrow 0600; make it exactly that. */
  if (fchmod (fd, 0600) != 0)
    goto failed;
  while (done < strlen (hex))
    {
      ssize_t n = write (fd, hex + done, strlen (hex) - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto failed;
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    goto failed;
  sodium_memzero (hex, sizeof hex);
  close (fd);
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      return set_io_error (error, "Cannot write the signing key", path, saved);
    }
  return TRUE;

failed:
  {
    int saved = errno;

    sodium_memzero (hex, sizeof hex);
    close (fd);
    g_unlink (tmp);
    return set_io_error (error, "Cannot write the signing key", tmp, saved);
  }
}

/* The seed from path: FALSE with G_IO_ERROR_NOT_FOUND when there is none. */
static gboolean
read_seed (const char *path,
           guint8      seed[WH_VOUCHER_SEED_LEN],
           GError    **error)
{
  char text[2 * WH_VOUCHER_SEED_LEN + 2] = { 0 };
  gsize len = 0, got = 0;
  ssize_t n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return set_io_error (error, "Cannot read the signing key", path, errno);
  /* A key readable by others (an older copy, a restore) is narrowed. */
  if (fchmod (fd, 0600) != 0)
    {
      int saved = errno;

      close (fd);
      return set_io_error (error, "Cannot restrict the signing key", path, saved);
    }
  while (len < sizeof text && (n = read (fd, text + len, sizeof text - len)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      len += (gsize) n;
    }
  close (fd);
  if (len < 2 * WH_VOUCHER_SEED_LEN ||
      (len > 2 * WH_VOUCHER_SEED_LEN && text[2 * WH_VOUCHER_SEED_LEN] != '\n') ||
      len > 2 * WH_VOUCHER_SEED_LEN + 1 ||
      sodium_hex2bin (seed, WH_VOUCHER_SEED_LEN, text, 2 * WH_VOUCHER_SEED_LEN, NULL, &got,
                      NULL) != 0 || got != WH_VOUCHER_SEED_LEN)
    {
      sodium_memzero (text, sizeof text);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The signing key “%s” is damaged", path);
      return FALSE;
    }
  sodium_memzero (text, sizeof text);
  return TRUE;
}

/* The key of seed becomes the one that signs; the key it replaces signs
 * no voucher after today but stays published until today is over. */
static gboolean
adopt_seed (WhServer     *self,
            const guint8  seed[WH_VOUCHER_SEED_LEN],
            GError      **error)
{
  guint8 pk[WH_VOUCHER_PUBLIC_KEY_LEN];
  g_autofree char *key_id = NULL;
  g_autofree char *pk_text = NULL;
  g_autofree char *today = wh_server_today (self);
  sqlite3_stmt *stmt = NULL;
  gint64 others;
  gboolean ok;

  wh_voucher_keypair_from_seed (seed, pk, self->signing_key);
  key_id = wh_voucher_key_id (pk);
  pk_text = wh_voucher_key_to_text (pk);
  if (!wh_server_db_exec (self->db, KEYS_SCHEMA, error) || !wh_server_begin (self, TRUE, error))
    return FALSE;
  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM signing_keys WHERE key_id != ?", -1,
                          &stmt, NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, key_id, -1, SQLITE_STATIC);
  others = sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : -1;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (others < 0)
    goto db_error;
  if (sqlite3_prepare_v2 (self->db,
                          "UPDATE signing_keys SET valid_until = ?"
                          " WHERE valid_until IS NULL AND key_id != ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, today, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, key_id, -1, SQLITE_STATIC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!ok)
    goto db_error;
  /* The first key signs from ever: a clock set back (tests, a restore)
   * must not leave vouchers signed by no published key. */
  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR IGNORE INTO signing_keys"
                          " (key_id, public_key, valid_from, valid_until, created_at)"
                          " VALUES (?, ?, ?, NULL, ?)", -1, &stmt, NULL) != SQLITE_OK)
    goto db_error;
  sqlite3_bind_text (stmt, 1, key_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, pk_text, -1, SQLITE_STATIC);
  if (others > 0)
    sqlite3_bind_text (stmt, 3, today, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int64 (stmt, 4, wh_server_now_us (self) / G_USEC_PER_SEC);
  ok = sqlite3_step (stmt) == SQLITE_DONE;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!ok || !wh_server_commit (self, error))
    goto db_error;
  g_debug ("Vouchers are signed with key %s", key_id);
  return TRUE;

db_error:
  g_clear_pointer (&stmt, sqlite3_finalize);
  wh_server_rollback (self);
  if (error != NULL && *error == NULL)
    g_set_error (error, WH_SERVER_DB_ERROR, WH_SERVER_DB_ERROR_FAILED,
                 "Cannot record the signing key: %s", sqlite3_errmsg (self->db));
  return FALSE;
}

static char *
key_path (WhServer *self)
{
  /* An in-memory database has no file beside it: the key lives as long. */
  if (self->db_path == NULL || *self->db_path == '\0' || g_str_equal (self->db_path, ":memory:"))
    return NULL;
  return g_strconcat (self->db_path, ".signing-key", NULL);
}

gboolean
wh_server_keys_load (WhServer *self,
                     GError  **error)
{
  g_autofree char *path = key_path (self);
  g_autoptr(GError) local = NULL;
  guint8 seed[WH_VOUCHER_SEED_LEN];
  gboolean ok;

  if (!wh_voucher_crypto_init ())
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium cannot start");
      return FALSE;
    }
  if (path == NULL || !read_seed (path, seed, &local))
    {
      if (path != NULL && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      randombytes_buf (seed, sizeof seed);
      if (path != NULL && !write_seed (path, seed, error))
        {
          sodium_memzero (seed, sizeof seed);
          return FALSE;
        }
    }
  ok = adopt_seed (self, seed, error);
  sodium_memzero (seed, sizeof seed);
  return ok;
}

gboolean
wh_server_rotate_signing_key (WhServer *self,
                              GError  **error)
{
  g_autofree char *path = NULL;
  guint8 seed[WH_VOUCHER_SEED_LEN];
  gboolean ok;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);

  path = key_path (self);
  randombytes_buf (seed, sizeof seed);
  ok = (path == NULL || write_seed (path, seed, error)) && adopt_seed (self, seed, error);
  sodium_memzero (seed, sizeof seed);
  return ok;
}

char *
wh_server_sign_voucher (WhServer               *self,
                        const WhVoucherPayload *fields)
{
  return wh_voucher_payload_sign (fields, self->signing_key);
}

/* The keys published today, oldest first; with all, every key ever. */
GPtrArray *
wh_server_signing_keys (WhServer *self,
                        gboolean  all)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_voucher_key_free);
  g_autofree char *today = wh_server_today (self);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT public_key, valid_from, valid_until FROM signing_keys"
                          " WHERE ? OR valid_until IS NULL OR valid_until >= ?"
                          " ORDER BY rowid LIMIT 1000", -1, &stmt, NULL) != SQLITE_OK)
    return keys;
  sqlite3_bind_int (stmt, 1, all);
  sqlite3_bind_text (stmt, 2, today, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      WhVoucherKey *key = wh_voucher_key_new_from_text (
        (const char *) sqlite3_column_text (stmt, 0),
        (const char *) sqlite3_column_text (stmt, 1),
        (const char *) sqlite3_column_text (stmt, 2));

      if (key != NULL)
        g_ptr_array_add (keys, key);
    }
  sqlite3_finalize (stmt);
  return keys;
}

void
wh_server_add_keys_json (WhServer    *self,
                         JsonBuilder *builder)
{
  g_autoptr(GPtrArray) keys = wh_server_signing_keys (self, FALSE);

  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  for (guint i = 0; i < keys->len; i++)
    {
      const WhVoucherKey *key = g_ptr_array_index (keys, i);
      g_autofree char *text = wh_voucher_key_to_text (key->public_key);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "key_id");
      json_builder_add_string_value (builder, key->key_id);
      json_builder_set_member_name (builder, "algorithm");
      json_builder_add_string_value (builder, "ed25519");
      json_builder_set_member_name (builder, "public_key");
      json_builder_add_string_value (builder, text);
      json_builder_set_member_name (builder, "valid_from");
      if (key->valid_from)
        json_builder_add_string_value (builder, key->valid_from);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "valid_until");
      if (key->valid_until)
        json_builder_add_string_value (builder, key->valid_until);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* GET /voucher-keys: no sign-in; public keys only. */
void
wh_server_handle_voucher_keys (WhServer  *self,
                               WhRequest *req)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  wh_server_add_keys_json (self, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK, json_to_string (root, FALSE));
}
