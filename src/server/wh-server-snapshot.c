/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-snapshot.c: GET /{collection}/snapshot, a region's open records
 * as a compressed SQLite file (data/api/CONTRACT.md, wh-snapshot.h): zstd
 * for a client that asks for it, gzip for one from before.
 *
 * A first sync through the changes feed decodes every record from JSON (a
 * third of its CPU); a snapshot comes in the SQL form the cache stores, so
 * the client copies it with one INSERT ... SELECT and follows the feed from
 * the snapshot's rev.
 *
 * Snapshots are built on demand, one at a time, in a thread with a
 * connection of its own (the database is in WAL mode: the server's
 * connection goes on reading and writing), into a private folder next to
 * the database ("<db>.snapshots", 0700, files 0600), and kept there while
 * fresh: made the same server day (expired jobs are left out by the day)
 * and with at most max_lag records of the collection changed since its rev
 * (a client catches up on those through the feed). The index of what is
 * built lives in memory: a restarted server builds again, and clears the
 * folder first.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "wh-record.h"
#include "wh-server-private.h"
#include "wh-snapshot.h"

/* One packing of a snapshot: each is a representation of its own, with
 * its own tag (RFC 9110 8.8.3: a strong tag differs between them). */
typedef enum
{
  PACK_ZSTD,
  PACK_GZIP,
  N_PACKS
} Pack;

static const struct
{
  const char *content_type;
  const char *suffix;
} packs[N_PACKS] = {
  [PACK_ZSTD] = { WH_SNAPSHOT_CONTENT_TYPE_ZSTD, "zst" },
  [PACK_GZIP] = { WH_SNAPSHOT_CONTENT_TYPE, "gz" },
};

typedef struct
{
  char   *path;
  char   *etag;    /* "\"<sha-256 of the file, 32 hex digits>\"" */
  GBytes *bytes;   /* the file, mapped */
} Packed;

typedef struct
{
  char   *key;     /* "jobs-440000" */
  char   *day;     /* the server day it was built for */
  gint64  rev;     /* complete up to */
  Packed  packed[N_PACKS];
} Entry;

typedef struct
{
  /* In: copied, the thread touches nothing else */
  char               *db_path;
  char               *dir;
  const WhCollection *collection;
  const char         *region_col; /* static, or NULL */
  gint64              region;
  char               *day;        /* NULL: the collection has no expiry */
  guint64             max_bytes;
  char               *key;
  /* Out */
  Entry              *entry;
} Build;

struct _WhSnapshots
{
  char       *dir;       /* NULL until first used */
  GHashTable *entries;   /* key -> Entry* */
  char       *building;  /* the key being built, or NULL */
  GPtrArray  *waiters;   /* SoupServerMessage*, paused for the build */
  guint64     max_bytes;
  guint       max_lag;
};

static void
entry_free (Entry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->key);
  g_free (entry->day);
  for (guint i = 0; i < N_PACKS; i++)
    {
      Packed *p = &entry->packed[i];

      g_clear_pointer (&p->bytes, g_bytes_unref);
      if (p->path != NULL)
        g_unlink (p->path);
      g_free (p->path);
      g_free (p->etag);
    }
  g_free (entry);
}

static void
build_free (Build *build)
{
  g_free (build->db_path);
  g_free (build->dir);
  g_free (build->day);
  g_free (build->key);
  entry_free (build->entry);
  g_free (build);
}

static WhSnapshots *
get_snapshots (WhServer *self)
{
  if (self->snapshots == NULL)
    {
      self->snapshots = g_new0 (WhSnapshots, 1);
      self->snapshots->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) entry_free);
      self->snapshots->waiters = g_ptr_array_new_with_free_func (g_object_unref);
      self->snapshots->max_bytes = WH_SERVER_SNAPSHOT_MAX_BYTES;
      self->snapshots->max_lag = WH_SERVER_SNAPSHOT_MAX_LAG;
    }
  return self->snapshots;
}

void
wh_server_set_snapshot_limits (WhServer *self,
                               guint64   max_bytes,
                               guint     max_lag)
{
  WhSnapshots *snapshots;

  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (max_bytes > 0);

  snapshots = get_snapshots (self);
  snapshots->max_bytes = max_bytes;
  snapshots->max_lag = max_lag;
}

/* Removes the folder's files (a killed server's, or ours at the end). */
static void
clear_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_unlink (path) != 0)
        g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
    }
}

void
wh_server_snapshots_free (WhServer *self)
{
  WhSnapshots *snapshots = self->snapshots;

  if (snapshots == NULL)
    return;
  /* A build still running owns its Build and ends on its own. */
  g_hash_table_unref (snapshots->entries);
  g_ptr_array_unref (snapshots->waiters);
  if (snapshots->dir != NULL)
    {
      clear_dir (snapshots->dir);
      g_rmdir (snapshots->dir);
    }
  g_free (snapshots->dir);
  g_free (snapshots->building);
  g_free (snapshots);
  self->snapshots = NULL;
}

/* "<db>.snapshots", private, emptied once per server. */
static const char *
snapshot_dir (WhServer *self)
{
  WhSnapshots *snapshots = get_snapshots (self);
  g_autofree char *dir = NULL;

  if (snapshots->dir != NULL)
    return snapshots->dir;
  if (self->db_path == NULL || *self->db_path == '\0' || g_str_equal (self->db_path, ":memory:"))
    return NULL;
  dir = g_strconcat (self->db_path, ".snapshots", NULL);
  if (g_mkdir (dir, 0700) != 0 && errno != EEXIST)
    {
      g_warning ("Cannot make %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  if (g_chmod (dir, 0700) != 0)
    {
      g_warning ("Cannot restrict %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  clear_dir (dir);
  snapshots->dir = g_steal_pointer (&dir);
  return snapshots->dir;
}

/* ---- Building, in a thread ---------------------------------------------- */

static gboolean
db_exec (sqlite3    *db,
         const char *sql,
         GError    **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, sqlite3_errcode (db) == SQLITE_FULL
                   ? G_IO_ERROR_NO_SPACE : G_IO_ERROR_FAILED,
                   "Snapshot: %s", message ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

/* What the cache stores of a field, from the record's JSON body: the same
 * values wh_record_from_json makes (lists joined as wh-record.h says). */
static void
append_field_expr (GString       *sql,
                   const WhField *field)
{
  switch (field->type)
    {
    case WH_TYPE_STRV:
    case WH_TYPE_INTV:
      g_string_append_printf (sql,
                              "CASE json_type (body, '$.%s') WHEN 'array' THEN coalesce ("
                              "(SELECT group_concat (value, %s) FROM json_each (body, '$.%s')),"
                              " '') END",
                              field->name, field->type == WH_TYPE_STRV ? "char (31)" : "','",
                              field->name);
      break;
    default:
      g_string_append_printf (sql, "json_extract (body, '$.%s')", field->name);
      break;
    }
}

static gboolean
create_private_file (const char *path,
                     GError    **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "Cannot create %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* The SQLite file: the open records and the meta row, read in one read
 * transaction so the rev describes exactly the rows. */
static gboolean
build_database (Build      *build,
                const char *db_file,
                gint64     *rev,
                GError    **error)
{
  const WhCollection *c = build->collection;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *table_sql = wh_snapshot_table_sql (c);
  g_autofree char *pragmas = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 rows = 0;
  gboolean ok = FALSE;

  if (!create_private_file (db_file, error))
    return FALSE;
  if (sqlite3_open_v2 (build->db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: cannot open the database");
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 5000);
  /* The bound on the file: SQLITE_FULL past it. */
  pragmas = g_strdup_printf ("PRAGMA snap.journal_mode=OFF; PRAGMA snap.synchronous=OFF;"
                             " PRAGMA snap.page_size=4096; PRAGMA snap.max_page_count=%"
                             G_GUINT64_FORMAT ";", MAX (build->max_bytes / 4096, 8));
  if (sqlite3_prepare_v2 (db, "ATTACH DATABASE ?1 AS snap", -1, &stmt, NULL) != SQLITE_OK)
    goto out;
  sqlite3_bind_text (stmt, 1, db_file, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: %s", sqlite3_errmsg (db));
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* The CREATE statements must read exactly as wh-snapshot.h says: the
   * client compares sqlite_schema with them. */
  if (!db_exec (db, pragmas, error) || !db_exec (db, "BEGIN", error))
    goto out;
  g_string_assign (sql, wh_snapshot_meta_sql ());
  g_string_insert (sql, strlen ("CREATE TABLE "), "snap.");
  if (!db_exec (db, sql->str, error))
    goto out;
  g_string_assign (sql, table_sql);
  g_string_insert (sql, strlen ("CREATE TABLE "), "snap.");
  if (!db_exec (db, sql->str, error))
    goto out;

  *rev = wh_server_db_get_rev (db);
  g_string_printf (sql, "INSERT INTO snap.%s SELECT id, rev", c->name);
  for (guint i = 0; i < c->n_fields; i++)
    {
      g_string_append (sql, ", ");
      append_field_expr (sql, &c->fields[i]);
    }
  g_string_append_printf (sql, " FROM main.%s WHERE deleted = 0", c->name);
  if (build->region_col != NULL)
    g_string_append_printf (sql, " AND %s = ?1", build->region_col);
  if (build->day != NULL)
    g_string_append (sql, " AND coalesce (json_extract (body, '$.expires_at') >= ?2, 1)");
  g_string_append (sql, " ORDER BY id");
  if (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: %s", sqlite3_errmsg (db));
      goto out;
    }
  if (build->region_col != NULL)
    sqlite3_bind_int64 (stmt, 1, build->region);
  if (build->day != NULL)
    sqlite3_bind_text (stmt, 2, build->day, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, sqlite3_errcode (db) == SQLITE_FULL
                   ? G_IO_ERROR_NO_SPACE : G_IO_ERROR_FAILED, "Snapshot: %s", sqlite3_errmsg (db));
      goto out;
    }
  rows = sqlite3_changes64 (db);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (sqlite3_prepare_v2 (db, "INSERT INTO snap." WH_SNAPSHOT_META_TABLE
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &stmt, NULL) != SQLITE_OK)
    goto out;
  sqlite3_bind_int (stmt, 1, WH_SNAPSHOT_FORMAT);
  sqlite3_bind_text (stmt, 2, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, build->region);
  sqlite3_bind_int64 (stmt, 4, *rev);
  sqlite3_bind_int64 (stmt, 5, rows);
  sqlite3_bind_text (stmt, 6, build->day ? build->day : "", -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, sqlite3_errcode (db) == SQLITE_FULL
                   ? G_IO_ERROR_NO_SPACE : G_IO_ERROR_FAILED, "Snapshot: %s", sqlite3_errmsg (db));
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  ok = db_exec (db, "COMMIT; DETACH DATABASE snap;", error);
  g_debug ("Snapshot %s: %" G_GINT64_FORMAT " rows up to rev %" G_GINT64_FORMAT, build->key,
           rows, *rev);

out:
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return ok;
}

/* gzip through GIO's zlib converter. */
static gboolean
gzip_file (const char *from,
           const char *to,
           GError    **error)
{
  g_autoptr(GFile) in_file = g_file_new_for_path (from);
  g_autoptr(GFile) out_file = g_file_new_for_path (to);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) zout = NULL;

  /* Level 3: most of level 6's ratio over these rows at twice its speed. */
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 3);
  if ((in = g_file_read (in_file, NULL, error)) == NULL ||
      (out = g_file_replace (out_file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error)) == NULL)
    return FALSE;
  zout = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (compressor));
  return g_output_stream_splice (zout, G_INPUT_STREAM (in),
                                 G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                 G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) >= 0;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZSTD_CCtx, ZSTD_freeCCtx)

/* zstd, level 9, within the window a client takes. The national data's
 * largest region: 38.5 MB in 3.8 s, against gzip's 65.1 MB in about 2 s;
 * 0.2 s to inflate against 1.15 s. */
static gboolean
zstd_file (const char *from,
           const char *to,
           GError    **error)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (from, FALSE, error);
  g_autoptr(GFile) out_file = g_file_new_for_path (to);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(ZSTD_CCtx) ctx = ZSTD_createCCtx ();
  gsize out_size = ZSTD_CStreamOutSize ();
  g_autofree char *buffer = g_malloc (out_size);
  ZSTD_inBuffer input = { NULL, 0, 0 };
  gsize left;

  if (mapped == NULL)
    return FALSE;
  if (ctx == NULL ||
      ZSTD_isError (ZSTD_CCtx_setParameter (ctx, ZSTD_c_compressionLevel, 9)) ||
      ZSTD_isError (ZSTD_CCtx_setParameter (ctx, ZSTD_c_windowLog, WH_SNAPSHOT_ZSTD_WINDOW_LOG)) ||
      ZSTD_isError (ZSTD_CCtx_setParameter (ctx, ZSTD_c_checksumFlag, 1)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: no zstd context");
      return FALSE;
    }
  if ((out = g_file_replace (out_file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error)) == NULL)
    return FALSE;
  input.src = g_mapped_file_get_contents (mapped);
  input.size = g_mapped_file_get_length (mapped);
  do
    {
      ZSTD_outBuffer output = { buffer, out_size, 0 };

      left = ZSTD_compressStream2 (ctx, &output, &input, ZSTD_e_end);
      if (ZSTD_isError (left))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Snapshot: %s",
                       ZSTD_getErrorName (left));
          return FALSE;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, output.pos, NULL, NULL,
                                      error))
        return FALSE;
    }
  while (left > 0);
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

/* The packed file mapped, and its SHA-256 for the tag. */
static gboolean
map_packed (Packed  *packed,
            GError **error)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (packed->path, FALSE, error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  if (mapped == NULL)
    return FALSE;
  g_checksum_update (checksum, (const guchar *) g_mapped_file_get_contents (mapped),
                     (gssize) g_mapped_file_get_length (mapped));
  packed->etag = g_strdup_printf ("\"%.32s\"", g_checksum_get_string (checksum));
  packed->bytes = g_mapped_file_get_bytes (mapped);
  return TRUE;
}

typedef struct
{
  const char *from;
  const char *to;
  GError     *error;
} Gzip;

static gpointer
gzip_thread (gpointer data)
{
  Gzip *gzip = data;

  return GINT_TO_POINTER (gzip_file (gzip->from, gzip->to, &gzip->error));
}

static void
build_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Build *build = task_data;
  g_autofree char *db_file = g_strdup_printf ("%s/%s.db", build->dir, build->key);
  Entry *entry = g_new0 (Entry, 1);
  gint64 now = g_get_real_time ();
  GError *error = NULL;
  gboolean ok;

  entry->key = g_strdup (build->key);
  entry->day = g_strdup (build->day ? build->day : "");
  for (guint i = 0; i < N_PACKS; i++)
    entry->packed[i].path = g_strdup_printf ("%s/%s-%" G_GINT64_FORMAT ".%s", build->dir,
                                             build->key, now, packs[i].suffix);
  ok = build_database (build, db_file, &entry->rev, &error);
  if (ok)
    {
      /* Both at once, one on each core: gzip for the clients from before. */
      Gzip gzip = { db_file, entry->packed[PACK_GZIP].path, NULL };
      GThread *thread = g_thread_new ("wh-snapshot-gzip", gzip_thread, &gzip);

      ok = zstd_file (db_file, entry->packed[PACK_ZSTD].path, &error);
      if (!GPOINTER_TO_INT (g_thread_join (thread)))
        {
          if (ok)
            g_propagate_error (&error, g_steal_pointer (&gzip.error));
          ok = FALSE;
        }
      g_clear_error (&gzip.error);
    }
  for (guint i = 0; ok && i < N_PACKS; i++)
    ok = map_packed (&entry->packed[i], &error);
  g_unlink (db_file);
  if (!ok)
    {
      entry_free (entry);
      g_task_return_error (task, error);
      return;
    }
  build->entry = entry;
  g_task_return_boolean (task, TRUE);
}

/* ---- Serving ------------------------------------------------------------ */

/* The packing the request's Accept ranks first: zstd only when asked for
 * by name; gzip otherwise, what clients from before zstd expect. */
static Pack
choose_pack (SoupServerMessage *msg)
{
  const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Accept");
  GSList *acceptable;
  Pack pack = PACK_GZIP;

  if (accept == NULL)
    return PACK_GZIP;
  acceptable = soup_header_parse_quality_list (accept, NULL);
  for (GSList *l = acceptable; l != NULL; l = l->next)
    {
      if (g_ascii_strcasecmp (l->data, packs[PACK_ZSTD].content_type) == 0)
        {
          pack = PACK_ZSTD;
          break;
        }
      if (g_ascii_strcasecmp (l->data, packs[PACK_GZIP].content_type) == 0)
        break;
    }
  soup_header_free_list (acceptable);
  return pack;
}

static void
respond_entry (SoupServerMessage *msg,
               const Entry       *entry)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  g_autofree char *rev = g_strdup_printf ("%" G_GINT64_FORMAT, entry->rev);
  Pack pack = choose_pack (msg);
  const Packed *packed = &entry->packed[pack];
  const char *if_range;

  soup_message_headers_replace (headers, "ETag", packed->etag);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "Vary", "Accept");
  soup_message_headers_replace (headers, "X-Snapshot-Rev", rev);
  if (wh_server_etag_matches (msg, packed->etag))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }
  /* A client that lost its connection asks for the rest ("Range:
   * bytes=N-"): SoupServer answers a 200 with a complete body as a 206 for
   * a Range by itself, but knows nothing of If-Range: a tail of another
   * file (or of the other packing) would corrupt the client's, so a Range
   * with any other tag gets the whole file. */
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if_range = soup_message_headers_get_one (request_headers, "If-Range");
  if (if_range != NULL && !g_str_equal (if_range, packed->etag))
    soup_message_headers_remove (request_headers, "Range");
  soup_message_headers_set_content_type (headers, packs[pack].content_type, NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), packed->bytes);
}

static void
build_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  WhServer *self = WH_SERVER (object);
  WhSnapshots *snapshots = self->snapshots;
  Build *build = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) waiters = NULL;
  g_autoptr(GError) error = NULL;
  Entry *entry = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_message ("Snapshot %s not built: %s", build->key, error->message);
  else
    {
      entry = g_steal_pointer (&build->entry);
      g_hash_table_replace (snapshots->entries, entry->key, entry);
    }
  g_clear_pointer (&snapshots->building, g_free);
  waiters = g_steal_pointer (&snapshots->waiters);
  snapshots->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      SoupServerMessage *msg = waiters->pdata[i];

      /* The client may have gone away meanwhile. */
      if (!g_hash_table_contains (self->active, msg))
        continue;
      if (entry != NULL)
        respond_entry (msg, entry);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        wh_server_respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                                 "This snapshot would be larger than the server serves; use the"
                                 " changes feed.");
      else
        wh_server_respond_retry (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                                 "The snapshot could not be made; use the changes feed.", 60);
      soup_server_message_unpause (msg);
    }
}

/* Records of the collection changed since rev, counted up to limit + 1
 * through the rev index. */
static gint64
changed_since (WhServer           *self,
               const WhCollection *collection,
               gint64              rev,
               guint               limit)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM (SELECT 1 FROM %s WHERE rev > ?1"
                                          " LIMIT ?2)", collection->name);
  sqlite3_stmt *stmt = NULL;
  gint64 n = G_MAXINT64;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return n;
  sqlite3_bind_int64 (stmt, 1, rev);
  sqlite3_bind_int64 (stmt, 2, (gint64) limit + 1);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

void
wh_server_handle_snapshot (WhServer  *self,
                           WhRequest *req)
{
  const WhCollection *collection = wh_schema_lookup (req->segments[0]);
  const char *region_text = req->query ? g_hash_table_lookup (req->query, "region") : NULL;
  const char *region_col = NULL;
  WhSnapshots *snapshots = get_snapshots (self);
  const char *dir;
  g_autofree char *key = NULL;
  g_autofree char *day = NULL;
  g_autoptr(GTask) task = NULL;
  Entry *entry;
  Build *build;
  gint64 region = 0;

  g_assert (collection != NULL && (collection->flags & WH_COLLECTION_SYNCED));
  /* The large regional collection only: the others are a few pages. */
  if (!(collection->flags & WH_COLLECTION_REGIONAL))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found",
                               "This collection has no snapshot; use the changes feed.");
      return;
    }
  if (region_text != NULL)
    {
      region_col = wh_server_region_column (region_text, &region);
      if (region_col == NULL)
        {
          wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                   "“region” must be a 6-digit administrative code.");
          return;
        }
    }
  if ((dir = snapshot_dir (self)) == NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found",
                               "This server makes no snapshots; use the changes feed.");
      return;
    }
  if (wh_collection_has_field (collection, "expires_at"))
    day = wh_server_today (self);
  key = g_strdup_printf ("%s-%06" G_GINT64_FORMAT, collection->name, region);

  /* Fresh: the same day, and what changed since is for the feed. */
  entry = g_hash_table_lookup (snapshots->entries, key);
  if (entry != NULL && g_str_equal (entry->day, day ? day : "") &&
      changed_since (self, collection, entry->rev, snapshots->max_lag) <= snapshots->max_lag)
    {
      respond_entry (req->msg, entry);
      return;
    }

  if (req->fault != WH_FAULT_NONE)
    {
      /* An injected fault (tests) on a request that would wait for a build:
       * the fault injector's late or dropped answer cannot wait for a
       * thread, so the fault is this one. */
      wh_server_respond_retry (req->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                               "Injected fault: no snapshot now.", 1);
      return;
    }
  if (snapshots->building != NULL)
    {
      if (!g_str_equal (snapshots->building, key))
        {
          /* One build at a time: the disk and a core are the feed's too. */
          wh_server_respond_retry (req->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                                   "Another snapshot is being made; try again later or use the"
                                   " changes feed.", 30);
          return;
        }
      soup_server_message_pause (req->msg);
      g_ptr_array_add (snapshots->waiters, g_object_ref (req->msg));
      return;
    }

  build = g_new0 (Build, 1);
  build->db_path = g_strdup (self->db_path);
  build->dir = g_strdup (dir);
  build->collection = collection;
  build->region_col = region_col;
  build->region = region;
  build->day = g_steal_pointer (&day);
  build->max_bytes = snapshots->max_bytes;
  build->key = g_strdup (key);
  snapshots->building = g_steal_pointer (&key);
  soup_server_message_pause (req->msg);
  g_ptr_array_add (snapshots->waiters, g_object_ref (req->msg));
  task = g_task_new (self, NULL, build_cb, NULL);
  g_task_set_source_tag (task, wh_server_handle_snapshot);
  g_task_set_task_data (task, build, (GDestroyNotify) build_free);
  g_task_run_in_thread (task, build_thread);
}
