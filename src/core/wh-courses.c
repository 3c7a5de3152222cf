/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-courses"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-courses.h"
#include "wh-outbox.h"
#include "wh-quiz.h"
#include "wh-store-private.h"

/* ---- Small SQL helpers --------------------------------------------------- */

/* A statement on a reader borrowed from the store (wh-store-private.h).
 * Declare the Reader before the WhStmt: the statement is then reset before
 * the connection goes back. */
static WhStmt *
read_prepare (WhStore    *store,
              Reader     *reader,
              const char *sql,
              GError    **error)
{
  if (!wh_reader_borrow (store, reader, error))
    return NULL;
  return wh_conn_prepare (reader->conn, sql, error);
}

static gint64
read_int (WhStore    *store,
          const char *sql,
          gint64      a,
          gint64      b,
          GError    **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  if ((stmt = read_prepare (store, &reader, sql, error)) == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, a);
  if (sqlite3_bind_parameter_count (stmt) > 1)
    sqlite3_bind_int64 (stmt, 2, b);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    return 0;
  wh_store_set_db_error (error, reader.conn->db, rc, "read");
  return -1;
}

static GArray *
read_ids (WhStore    *store,
          const char *sql,
          GError    **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if ((stmt = read_prepare (store, &reader, sql, error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  /* One offset for every local write, so the text order is time order. */
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S+00:00");
}

/* ---- Progress ------------------------------------------------------------ */

#define PROGRESS_COLUMNS "lesson_id, course_id, position, completed, updated_at"
/* The server's rules, so the copy here and there agree: the newer
 * updated_at wins, and completed never goes back. */
#define PROGRESS_UPSERT \
  "INSERT INTO progress (" PROGRESS_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5)" \
  " ON CONFLICT (lesson_id) DO UPDATE SET" \
  "  position = CASE WHEN excluded.updated_at >= updated_at" \
  "             THEN excluded.position ELSE position END," \
  "  completed = max (completed, excluded.completed)," \
  "  updated_at = max (updated_at, excluded.updated_at)"

static WhRecord *
progress_from_row (sqlite3_stmt *stmt)
{
  WhRecord *p = wh_record_new (&wh_collection_progress);

  wh_record_set_int (p, "lesson_id", sqlite3_column_int64 (stmt, 0));
  wh_record_set_int (p, "course_id", sqlite3_column_int64 (stmt, 1));
  wh_record_set_int (p, "position", sqlite3_column_int64 (stmt, 2));
  wh_record_set_bool (p, "completed", sqlite3_column_int64 (stmt, 3) != 0);
  wh_record_set_text (p, "updated_at", (const char *) sqlite3_column_text (stmt, 4));
  return p;
}

/* Writes the record locally and queues what is then stored, in the writer
 * transaction already begun. */
static gboolean
queue_in_transaction (WhStore        *store,
                      const WhRecord *record,
                      GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  if (!wh_outbox_describe_record (record, &kind, &key, &body, error))
    return FALSE;
  return wh_store_outbox_insert (store, kind, key, body, error) > 0;
}

gboolean
wh_courses_save_progress (WhStore  *store,
                          gint64    lesson_id,
                          gint64    course_id,
                          gint64    position,
                          gboolean  completed,
                          GError  **error)
{
  g_autofree char *now = now_iso8601 ();
  g_autoptr(WhRecord) stored = NULL;
  sqlite3_stmt *upsert = NULL, *get = NULL;
  WhConn *conn;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (lesson_id > 0 && course_id > 0, FALSE);

  position = CLAMP (position, 0, WH_COURSES_POSITION_END);
  if (!wh_store_writer_begin (store, error))
    return FALSE;
  conn = store->writer;
  ok = (upsert = wh_conn_prepare (conn, PROGRESS_UPSERT, error)) != NULL &&
       (get = wh_conn_prepare (conn,
                               "SELECT " PROGRESS_COLUMNS " FROM progress WHERE lesson_id = ?1",
                               error)) != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (upsert, 1, lesson_id);
      sqlite3_bind_int64 (upsert, 2, course_id);
      sqlite3_bind_int64 (upsert, 3, position);
      sqlite3_bind_int (upsert, 4, completed ? 1 : 0);
      sqlite3_bind_text (upsert, 5, now, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (conn, upsert, "write", error);
    }
  if (ok)
    {
      sqlite3_bind_int64 (get, 1, lesson_id);
      ok = sqlite3_step (get) == SQLITE_ROW;
      if (ok)
        stored = progress_from_row (get);
      else
        wh_store_set_db_error (error, conn->db, sqlite3_errcode (conn->db), "read progress");
    }
  if (ok)
    ok = queue_in_transaction (store, stored, error);
  g_clear_pointer (&upsert, wh_stmt_done);
  g_clear_pointer (&get, wh_stmt_done);
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  wh_store_emit_changed (store, "progress");
  wh_store_emit_changed (store, "outbox");
  return TRUE;
}

WhRecord *
wh_courses_get_progress (WhStore *store,
                         gint64   lesson_id,
                         GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  if ((stmt = read_prepare (store, &reader,
                            "SELECT " PROGRESS_COLUMNS " FROM progress WHERE lesson_id = ?1",
                            error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, lesson_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return progress_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND,
                         _("This lesson has not been opened yet."));
  else
    wh_store_set_db_error (error, reader.conn->db, rc, "read progress");
  return NULL;
}

GPtrArray *
wh_courses_list_progress (WhStore *store,
                          gint64   course_id,
                          GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  int rc;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  if ((stmt = read_prepare (store, &reader,
                            "SELECT " PROGRESS_COLUMNS " FROM progress"
                            " WHERE ?1 = 0 OR course_id = ?1 ORDER BY lesson_id",
                            error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, course_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, progress_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read progress");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GArray *
wh_courses_list_started (WhStore *store,
                         GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  return read_ids (store,
                   "SELECT course_id FROM progress GROUP BY course_id"
                   " ORDER BY max (updated_at) DESC, course_id",
                   error);
}

/* ---- Quiz attempts ------------------------------------------------------- */

#define ATTEMPT_COLUMNS "attempt_id, course_id, total, correct, duration_s, timed, finished_at"
/* The first write of an attempt_id is kept. */
#define ATTEMPT_INSERT \
  "INSERT OR IGNORE INTO quiz_attempts (" ATTEMPT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"

static void
bind_attempt (sqlite3_stmt   *stmt,
              const WhRecord *attempt)
{
  sqlite3_bind_text (stmt, 1, wh_record_get_text (attempt, "attempt_id"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, wh_record_get_int (attempt, "course_id"));
  sqlite3_bind_int64 (stmt, 3, wh_record_get_int (attempt, "total"));
  sqlite3_bind_int64 (stmt, 4, wh_record_get_int (attempt, "correct"));
  sqlite3_bind_int64 (stmt, 5, wh_record_is_set (attempt, "duration_s")
                                 ? wh_record_get_int (attempt, "duration_s") : 0);
  sqlite3_bind_int (stmt, 6, wh_record_is_set (attempt, "timed") &&
                             wh_record_get_bool (attempt, "timed"));
  sqlite3_bind_text (stmt, 7, wh_record_get_text (attempt, "finished_at"), -1, SQLITE_STATIC);
}

gboolean
wh_courses_save_attempt (WhStore        *store,
                         const WhRecord *attempt,
                         GError        **error)
{
  sqlite3_stmt *insert = NULL;
  WhConn *conn;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (attempt != NULL && attempt->collection == &wh_collection_quiz_attempts,
                        FALSE);

  if (!wh_store_writer_begin (store, error))
    return FALSE;
  conn = store->writer;
  ok = (insert = wh_conn_prepare (conn,
                                  ATTEMPT_INSERT, error)) != NULL;
  if (ok)
    {
      bind_attempt (insert, attempt);
      ok = wh_conn_step_done (conn, insert, "write", error);
    }
  /* A repeat of a kept attempt changes nothing, here as on the server. */
  if (ok && sqlite3_changes (conn->db) > 0)
    ok = queue_in_transaction (store, attempt, error);
  g_clear_pointer (&insert, wh_stmt_done);
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  wh_store_emit_changed (store, "quiz_attempts");
  wh_store_emit_changed (store, "outbox");
  return TRUE;
}

gboolean
wh_courses_merge_from_server (WhStore    *store,
                              GPtrArray  *progress,
                              GPtrArray  *attempts,
                              GError    **error)
{
  sqlite3_stmt *upsert = NULL, *insert = NULL;
  guint progress_changed = 0, attempts_changed = 0;
  WhConn *conn;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  for (guint i = 0; progress && i < progress->len; i++)
    g_return_val_if_fail (((WhRecord *) progress->pdata[i])->collection ==
                          &wh_collection_progress, FALSE);
  for (guint i = 0; attempts && i < attempts->len; i++)
    g_return_val_if_fail (((WhRecord *) attempts->pdata[i])->collection ==
                          &wh_collection_quiz_attempts, FALSE);

  if (!wh_store_writer_begin (store, error))
    return FALSE;
  conn = store->writer;
  /* Only what is new counts as a change, so a sync that brings nothing new
   * makes no view reload. */
  ok = (upsert = wh_conn_prepare (conn, PROGRESS_UPSERT
                                  " WHERE excluded.updated_at > updated_at"
                                  " OR excluded.completed > completed",
                                  error)) != NULL &&
       (insert = wh_conn_prepare (conn, ATTEMPT_INSERT, error)) != NULL;
  for (guint i = 0; ok && progress && i < progress->len; i++)
    {
      const WhRecord *p = progress->pdata[i];

      sqlite3_reset (upsert);
      sqlite3_bind_int64 (upsert, 1, wh_record_get_int (p, "lesson_id"));
      sqlite3_bind_int64 (upsert, 2, wh_record_get_int (p, "course_id"));
      sqlite3_bind_int64 (upsert, 3, wh_record_is_set (p, "position")
                                       ? CLAMP (wh_record_get_int (p, "position"), 0,
                                                WH_COURSES_POSITION_END) : 0);
      sqlite3_bind_int (upsert, 4, wh_record_get_bool (p, "completed"));
      sqlite3_bind_text (upsert, 5, wh_record_get_text (p, "updated_at"), -1, SQLITE_STATIC);
      ok = wh_conn_step_done (conn, upsert, "write", error);
      progress_changed += ok ? (guint) sqlite3_changes (conn->db) : 0;
    }
  for (guint i = 0; ok && attempts && i < attempts->len; i++)
    {
      const WhRecord *a = attempts->pdata[i];

      sqlite3_reset (insert);
      bind_attempt (insert, a);
      ok = wh_conn_step_done (conn, insert, "write", error);
      attempts_changed += ok ? (guint) sqlite3_changes (conn->db) : 0;
    }
  g_clear_pointer (&upsert, wh_stmt_done);
  g_clear_pointer (&insert, wh_stmt_done);
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  g_debug ("From the server: %u progress and %u attempts new", progress_changed,
           attempts_changed);
  if (progress_changed > 0)
    wh_store_emit_changed (store, "progress");
  if (attempts_changed > 0)
    wh_store_emit_changed (store, "quiz_attempts");
  return TRUE;
}

GPtrArray *
wh_courses_list_attempts (WhStore *store,
                          gint64   course_id,
                          GError **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  int rc;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  if ((stmt = read_prepare (store, &reader,
                            "SELECT " ATTEMPT_COLUMNS " FROM quiz_attempts WHERE course_id = ?1"
                            " ORDER BY finished_at DESC, attempt_id",
                            error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, course_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhRecord *a = wh_record_new (&wh_collection_quiz_attempts);

      wh_record_set_text (a, "attempt_id", (const char *) sqlite3_column_text (stmt, 0));
      wh_record_set_int (a, "course_id", sqlite3_column_int64 (stmt, 1));
      wh_record_set_int (a, "total", sqlite3_column_int64 (stmt, 2));
      wh_record_set_int (a, "correct", sqlite3_column_int64 (stmt, 3));
      wh_record_set_int (a, "duration_s", sqlite3_column_int64 (stmt, 4));
      wh_record_set_bool (a, "timed", sqlite3_column_int64 (stmt, 5) != 0);
      wh_record_set_text (a, "finished_at", (const char *) sqlite3_column_text (stmt, 6));
      g_ptr_array_add (out, a);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read attempts");
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
wh_courses_is_complete (WhStore *store,
                        gint64   course_id,
                        GError **error)
{
  gint64 lessons, done, passed;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);

  lessons = read_int (store, "SELECT count(*) FROM lessons WHERE course_id = ?1", course_id, 0,
                      error);
  if (lessons <= 0)
    return FALSE;
  done = read_int (store,
                   "SELECT count(*) FROM progress WHERE course_id = ?1 AND completed"
                   " AND lesson_id IN (SELECT id FROM lessons WHERE course_id = ?1)",
                   course_id, 0, error);
  if (done < lessons)
    return FALSE;
  passed = read_int (store,
                     "SELECT count(*) FROM quiz_attempts WHERE course_id = ?1 AND timed"
                     " AND correct * 100 >= total * ?2",
                     course_id, WH_QUIZ_PASS_PERCENT, error);
  return passed > 0;
}

/* ---- Saved courses and media -------------------------------------------- */

GArray *
wh_courses_list_saved (WhStore *store,
                       GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  return read_ids (store, "SELECT course_id FROM saved_courses ORDER BY saved_at DESC, course_id",
                   error);
}

gboolean
wh_courses_is_saved (WhStore *store,
                     gint64   course_id)
{
  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  return read_int (store, "SELECT count(*) FROM saved_courses WHERE course_id = ?1", course_id, 0,
                   NULL) > 0;
}

gint64
wh_courses_get_saved_size (WhStore *store,
                           gint64   course_id,
                           GError **error)
{
  g_return_val_if_fail (WH_IS_STORE (store), -1);
  return read_int (store, "SELECT coalesce (sum (length (data)), 0) FROM media WHERE course_id = ?1",
                   course_id, 0, error);
}

static void
add_unique (GPtrArray  *paths,
            GHashTable *seen,
            const char *path)
{
  if (path == NULL || !wh_api_media_path_is_valid (path) || g_hash_table_contains (seen, path))
    return;
  g_hash_table_add (seen, g_strdup (path));
  g_ptr_array_add (paths, g_strdup (path));
}

GPtrArray *
wh_courses_list_media (WhStore *store,
                       gint64   course_id,
                       GError **error)
{
  g_autoptr(WhRecord) course = NULL;
  g_autoptr(GPtrArray) lessons = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  course = wh_store_get_record (store, &wh_collection_courses, course_id, error);
  if (course == NULL)
    return NULL;
  if (wh_record_is_set (course, "cover"))
    add_unique (paths, seen, wh_record_get_text (course, "cover"));
  lessons = wh_store_list_lessons (store, course_id, error);
  if (lessons == NULL)
    return NULL;
  for (guint i = 0; i < lessons->len; i++)
    {
      g_auto(GStrv) images = NULL;

      if (!wh_record_is_set (lessons->pdata[i], "images"))
        continue;
      images = wh_record_dup_strv (lessons->pdata[i], "images");
      for (guint k = 0; images && images[k]; k++)
        add_unique (paths, seen, images[k]);
    }
  return g_steal_pointer (&paths);
}

gboolean
wh_courses_put_media (WhStore     *store,
                      gint64       course_id,
                      const char  *path,
                      const char  *content_type,
                      const char  *etag,
                      GBytes      *data,
                      GError     **error)
{
  sqlite3_stmt *put = NULL;
  WhConn *conn;
  gsize length;
  const void *bytes;
  gboolean ok;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (wh_api_media_path_is_valid (path), FALSE);
  g_return_val_if_fail (content_type != NULL && data != NULL, FALSE);

  bytes = g_bytes_get_data (data, &length);
  if (!wh_store_writer_begin (store, error))
    return FALSE;
  conn = store->writer;
  ok = (put = wh_conn_prepare (conn,
                               "INSERT OR REPLACE INTO media"
                               " (path, course_id, content_type, etag, data, fetched_at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               error)) != NULL;
  if (ok)
    {
      sqlite3_bind_text (put, 1, path, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (put, 2, course_id);
      sqlite3_bind_text (put, 3, content_type, -1, SQLITE_STATIC);
      if (etag)
        sqlite3_bind_text (put, 4, etag, -1, SQLITE_STATIC);
      sqlite3_bind_blob64 (put, 5, bytes ? bytes : "", length, SQLITE_STATIC);
      sqlite3_bind_int64 (put, 6, g_get_real_time () / G_USEC_PER_SEC);
      ok = wh_conn_step_done (conn, put, "write", error);
    }
  g_clear_pointer (&put, wh_stmt_done);
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  wh_store_emit_changed (store, "media");
  return TRUE;
}

GBytes *
wh_courses_get_media (WhStore     *store,
                      const char  *path,
                      char       **content_type,
                      GError     **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if ((stmt = read_prepare (store, &reader, "SELECT data, content_type FROM media WHERE path = ?1",
                            error)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (content_type)
        *content_type = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      return g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
    }
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND,
                         _("This picture is not in the offline cache."));
  else
    wh_store_set_db_error (error, reader.conn->db, rc, "read media");
  return NULL;
}

gboolean
wh_courses_has_media (WhStore    *store,
                      const char *path)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);

  if ((stmt = read_prepare (store, &reader, "SELECT 1 FROM media WHERE path = ?1", NULL)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

/* Each statement gets ?1 = the course and, if it has one, ?2 = now. */
static gboolean
write_course (WhStore            *store,
              const char * const *sqls,
              guint               n_sqls,
              gint64              course_id,
              GError            **error)
{
  WhConn *conn;
  gboolean ok = TRUE;

  if (!wh_store_writer_begin (store, error))
    return FALSE;
  conn = store->writer;
  for (guint i = 0; ok && i < n_sqls; i++)
    {
      sqlite3_stmt *stmt = wh_conn_prepare (conn, sqls[i], error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, course_id);
          if (sqlite3_bind_parameter_count (stmt) > 1)
            sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
          ok = wh_conn_step_done (conn, stmt, "write", error);
        }
      g_clear_pointer (&stmt, wh_stmt_done);
    }
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  wh_store_emit_changed (store, "saved_courses");
  wh_store_emit_changed (store, "media");
  return TRUE;
}

gboolean
wh_courses_mark_saved (WhStore *store,
                       gint64   course_id,
                       GError **error)
{
  static const char * const sqls[] = {
    "INSERT OR REPLACE INTO saved_courses (course_id, saved_at) VALUES (?1, ?2)",
  };

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  return write_course (store, sqls, G_N_ELEMENTS (sqls), course_id, error);
}

gboolean
wh_courses_remove_download (WhStore *store,
                            gint64   course_id,
                            GError **error)
{
  static const char * const sqls[] = {
    "DELETE FROM saved_courses WHERE course_id = ?1",
    "DELETE FROM media WHERE course_id = ?1",
  };

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  return write_course (store, sqls, G_N_ELEMENTS (sqls), course_id, error);
}

/* ---- Download ------------------------------------------------------------ */

typedef struct
{
  WhStore              *store;
  WhApi                *api;
  gint64                course_id;
  WhCoursesDownloadFunc progress;
  gpointer              progress_data;

  GPtrArray            *missing;   /* char*: paths not cached yet */
  guint                 index;     /* into missing */
  guint                 total;     /* every picture of the course */
  guint                 done;
  guint64               bytes;

  /* The picture being written */
  GBytes               *data;
  char                 *content_type;
  char                 *etag;
} Download;

static void
download_free (gpointer data)
{
  Download *d = data;

  g_clear_object (&d->store);
  g_clear_object (&d->api);
  g_clear_pointer (&d->missing, g_ptr_array_unref);
  g_clear_pointer (&d->data, g_bytes_unref);
  g_free (d->content_type);
  g_free (d->etag);
  g_free (d);
}

typedef gboolean (*StepFunc) (Download *d, GError **error);

static void
step_thread (GTask        *step,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GTask *task = task_data;
  StepFunc func = g_object_get_data (G_OBJECT (step), "wh-step");
  GError *error = NULL;

  if (func (g_task_get_task_data (task), &error))
    g_task_return_boolean (step, TRUE);
  else
    g_task_return_error (step, error);
}

/* Runs func in a worker thread (the store's writer may be busy with a sync
 * page), then then on the task's context. */
static void
run_step (GTask               *task,
          StepFunc             func,
          GAsyncReadyCallback  then)
{
  g_autoptr(GTask) step = g_task_new (g_task_get_source_object (task),
                                      g_task_get_cancellable (task), then, task);

  g_object_set_data (G_OBJECT (step), "wh-step", func);
  g_task_set_task_data (step, task, NULL);
  g_task_run_in_thread (step, step_thread);
}

static gboolean
plan_step (Download *d,
           GError  **error)
{
  g_autoptr(GPtrArray) all = wh_courses_list_media (d->store, d->course_id, error);
  gint64 size;

  if (all == NULL)
    return FALSE;
  d->total = all->len;
  d->missing = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < all->len; i++)
    if (!wh_courses_has_media (d->store, all->pdata[i]))
      g_ptr_array_add (d->missing, g_strdup (all->pdata[i]));
  d->done = d->total - d->missing->len;
  size = wh_courses_get_saved_size (d->store, d->course_id, error);
  if (size < 0)
    return FALSE;
  d->bytes = (guint64) size;
  return TRUE;
}

static gboolean
write_step (Download *d,
            GError  **error)
{
  return wh_courses_put_media (d->store, d->course_id, d->missing->pdata[d->index],
                               d->content_type, d->etag, d->data, error);
}

static gboolean
finish_step (Download *d,
             GError  **error)
{
  gint64 size;

  if (!wh_courses_mark_saved (d->store, d->course_id, error))
    return FALSE;
  size = wh_courses_get_saved_size (d->store, d->course_id, error);
  if (size < 0)
    return FALSE;
  d->bytes = (guint64) size;
  return TRUE;
}

static void fetch_next (GTask *task);

static gboolean
step_failed (GTask        *task,
             GAsyncResult *result)
{
  GError *error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return FALSE;
  g_task_return_error (task, error);
  g_object_unref (task);
  return TRUE;
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);

  if (step_failed (task, result))
    return;
  g_task_return_int (task, (gssize) MIN (d->bytes, G_MAXSSIZE));
  g_object_unref (task);
}

static void
report (Download *d)
{
  if (d->progress)
    d->progress (d->done, d->total, d->bytes, d->progress_data);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);

  if (step_failed (task, result))
    return;
  d->bytes += g_bytes_get_size (d->data);
  g_clear_pointer (&d->data, g_bytes_unref);
  g_clear_pointer (&d->content_type, g_free);
  g_clear_pointer (&d->etag, g_free);
  d->done++;
  d->index++;
  report (d);
  fetch_next (task);
}

static void
media_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Download *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->data = wh_api_get_media_finish (WH_API (source), result, &d->content_type, &d->etag, &error);
  if (d->data != NULL)
    {
      run_step (task, write_step, written_cb);
      return;
    }
  if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NOT_FOUND))
    {
      g_debug ("%s: gone from the server, skipped", (char *) d->missing->pdata[d->index]);
      g_error_free (error);
      d->done++;
      d->index++;
      report (d);
      fetch_next (task);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
fetch_next (GTask *task)
{
  Download *d = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (d->index >= d->missing->len)
    {
      run_step (task, finish_step, finished_cb);
      return;
    }
  wh_api_get_media_async (d->api, d->missing->pdata[d->index], g_task_get_cancellable (task),
                          media_cb, task);
}

static void
planned_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;

  if (step_failed (task, result))
    return;
  report (g_task_get_task_data (task));
  fetch_next (task);
}

void
wh_courses_download_async (WhStore              *store,
                           WhApi                *api,
                           gint64                course_id,
                           WhCoursesDownloadFunc progress,
                           gpointer              progress_data,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  GTask *task;
  Download *d;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (WH_IS_API (api));
  g_return_if_fail (course_id > 0);

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_courses_download_async);
  d = g_new0 (Download, 1);
  d->store = g_object_ref (store);
  d->api = g_object_ref (api);
  d->course_id = course_id;
  d->progress = progress;
  d->progress_data = progress_data;
  g_task_set_task_data (task, d, download_free);
  /* task's own reference travels along the steps until it returns. */
  run_step (task, plan_step, planned_cb);
}

gboolean
wh_courses_download_finish (WhStore      *store,
                            GAsyncResult *result,
                            gint64       *bytes,
                            GError      **error)
{
  gssize size;
  GError *local_error = NULL;

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);

  size = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (bytes)
    *bytes = size;
  return TRUE;
}

/* ---- A course's page, read on the store's ordered queue ------------------ */

void
wh_course_state_free (WhCourseState *state)
{
  if (state == NULL)
    return;
  g_clear_pointer (&state->lessons, g_ptr_array_unref);
  g_clear_pointer (&state->progress, g_ptr_array_unref);
  g_clear_pointer (&state->attempts, g_ptr_array_unref);
  g_free (state);
}

static void
read_state_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  WhStore *store = source;
  gint64 course_id = *(gint64 *) data;
  WhCourseState *state = g_new0 (WhCourseState, 1);
  g_autoptr(GError) error = NULL;

  /* What cannot be read shows as nothing yet, as a course not synced. */
  state->lessons = wh_store_list_lessons (store, course_id, &error);
  if (state->lessons == NULL)
    {
      g_debug ("Lessons of course %" G_GINT64_FORMAT ": %s", course_id,
               error ? error->message : "none");
      state->lessons = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
    }
  state->progress = wh_courses_list_progress (store, course_id, NULL);
  if (state->progress == NULL)
    state->progress = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  state->attempts = wh_courses_list_attempts (store, course_id, NULL);
  if (state->attempts == NULL)
    state->attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  state->complete = wh_courses_is_complete (store, course_id, NULL);
  state->saved = wh_courses_is_saved (store, course_id);
  state->saved_size = state->saved ? wh_courses_get_saved_size (store, course_id, NULL) : 0;
  g_task_return_pointer (task, state, (GDestroyNotify) wh_course_state_free);
}

void
wh_courses_read_state_async (WhStore            *store,
                             gint64              course_id,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_courses_read_state_async);
  g_task_set_task_data (task, g_memdup2 (&course_id, sizeof course_id), g_free);
  wh_store_queue_task (store, task, read_state_thread);
}

WhCourseState *
wh_courses_read_state_finish (WhStore      *store,
                              GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_courses_read_state_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- The catalogue's personal data, read on the store's ordered queue ---- */

void
wh_courses_personal_free (WhCoursesPersonal *personal)
{
  if (personal == NULL)
    return;
  g_clear_pointer (&personal->progress, g_ptr_array_unref);
  g_clear_pointer (&personal->saved, g_array_unref);
  g_clear_pointer (&personal->started, g_array_unref);
  g_free (personal);
}

static void
read_personal_thread (GTask        *task,
                      gpointer      source,
                      gpointer      data,
                      GCancellable *cancellable)
{
  WhStore *store = source;
  WhCoursesPersonal *personal = g_new0 (WhCoursesPersonal, 1);

  /* What cannot be read shows as nothing, as before any progress. */
  personal->progress = wh_courses_list_progress (store, 0, NULL);
  if (personal->progress == NULL)
    personal->progress = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  personal->saved = wh_courses_list_saved (store, NULL);
  if (personal->saved == NULL)
    personal->saved = g_array_new (FALSE, FALSE, sizeof (gint64));
  personal->started = wh_courses_list_started (store, NULL);
  if (personal->started == NULL)
    personal->started = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_task_return_pointer (task, personal, (GDestroyNotify) wh_courses_personal_free);
}

void
wh_courses_read_personal_async (WhStore            *store,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_courses_read_personal_async);
  wh_store_queue_task (store, task, read_personal_thread);
}

WhCoursesPersonal *
wh_courses_read_personal_finish (WhStore      *store,
                                 GAsyncResult *result,
                                 GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wh_courses_read_personal_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
