/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-user.c: what a worker writes: progress, quiz attempts,
 * question review states, bookmarks and station reports.
 *
 * Clients replay these from an outbox, maybe more than once and out of
 * order, so every write is a merge that gives the same result however often
 * it arrives: the first write of an attempt or a report is kept; for
 * progress and bookmarks the newer updated_at wins, and a lesson once
 * completed stays completed; of two review states the one the client's own
 * rule picks (wh_practice_review_wins: the later reviewed_at, then the greater
 * document), so server and devices converge. An updated_at later than the server's clock
 * is taken as now: a client whose clock runs ahead would otherwise freeze
 * the document against every later write. Each table's columns are the document's fields
 * in schema order, so the shared codec binds and reads them.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-practice.h"
#include "wh-server-private.h"

typedef enum
{
  MERGE_KEEP_FIRST,
  MERGE_NEWER_WINS,
  MERGE_REVIEW,     /* wh_practice_review_wins */
} Merge;

typedef struct
{
  const WhCollection *collection;
  const char         *key_field;   /* the path's last segment */
  const char         *list_member;
  const char         *order_by;
  Merge               merge;
  const char         *time_field;  /* MERGE_NEWER_WINS, MERGE_REVIEW */
  const char         *sticky_flag; /* a boolean that never goes back to false */
  gboolean            anonymous;   /* may be written with no token, as user 0 */
} UserDoc;

static const UserDoc progress_doc = {
  &wh_collection_progress, "lesson_id", "progress", "lesson_id", MERGE_NEWER_WINS, "updated_at",
  "completed",
};
static const UserDoc quiz_doc = {
  &wh_collection_quiz_attempts, "attempt_id", "quiz_attempts", "finished_at, attempt_id",
  MERGE_KEEP_FIRST, NULL, NULL,
};
static const UserDoc review_doc = {
  &wh_collection_question_reviews, "question_id", "question_reviews", "question_id",
  MERGE_REVIEW, "reviewed_at", NULL,
};
static const UserDoc bookmark_doc = {
  &wh_collection_bookmarks, "job_id", "bookmarks", "updated_at DESC, job_id", MERGE_NEWER_WINS,
  "updated_at", NULL,
};
/* A report is about a station, not a person: anyone may send one, with no
 * token (stored as user 0 and rate-limited per client address), so a report
 * made signed out is never held until, and sent as, whoever signs in next. */
static const UserDoc report_doc = {
  &wh_collection_station_reports, "report_id", "station_reports", "reported_at, report_id",
  MERGE_KEEP_FIRST, NULL, NULL, TRUE,
};

static gboolean
key_is_int (const UserDoc *doc)
{
  return wh_collection_find_field (doc->collection, doc->key_field, NULL)->type == WH_TYPE_INT;
}

static void
bind_key (const UserDoc *doc,
          sqlite3_stmt  *stmt,
          int            param,
          const char    *key)
{
  if (key_is_int (doc))
    sqlite3_bind_int64 (stmt, param, g_ascii_strtoll (key, NULL, 10));
  else
    sqlite3_bind_text (stmt, param, key, -1, SQLITE_TRANSIENT);
}

/* The stored document, NULL if none; *ok is FALSE on a database failure. */
static WhRecord *
read_doc (WhServer      *self,
          const UserDoc *doc,
          gint64         user_id,
          const char    *key,
          gboolean      *ok)
{
  g_autofree char *columns = wh_collection_sql_column_names (doc->collection, NULL);
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE user_id = ? AND %s = ?",
                                          columns, doc->collection->name, doc->key_field);
  sqlite3_stmt *stmt = NULL;
  WhRecord *record = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      *ok = FALSE;
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, user_id);
  bind_key (doc, stmt, 2, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record = wh_record_new (doc->collection);
      wh_record_read_values (record, stmt, 0);
    }
  else if (rc != SQLITE_DONE)
    *ok = FALSE;
  sqlite3_finalize (stmt);
  return record;
}

static gboolean
write_doc (WhServer       *self,
           const UserDoc  *doc,
           gint64          user_id,
           const WhRecord *record)
{
  g_autofree char *columns = wh_collection_sql_column_names (doc->collection, NULL);
  g_autofree char *placeholders = wh_collection_sql_placeholders (doc->collection);
  g_autofree char *sql = g_strdup_printf ("INSERT OR REPLACE INTO %s (user_id, %s) VALUES (?, %s)",
                                          doc->collection->name, columns, placeholders);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  wh_record_bind_values (record, stmt, 2);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

static gboolean
check_document (const UserDoc  *doc,
                const WhRecord *record,
                const char     *key,
                const char    **message)
{
  if (key_is_int (doc))
    {
      guint64 id;

      if (!g_ascii_string_to_unsigned (key, 10, 1, G_MAXINT64, &id, NULL) ||
          wh_record_get_int (record, doc->key_field) != (gint64) id)
        {
          *message = "The id in the path and in the body differ.";
          return FALSE;
        }
    }
  else if (g_strcmp0 (wh_record_get_text (record, doc->key_field), key) != 0)
    {
      *message = "The id in the path and in the body differ.";
      return FALSE;
    }
  if (doc->time_field &&
      wh_server_parse_time (wh_record_get_text (record, doc->time_field)) == G_MININT64)
    {
      *message = "The time is not a valid ISO 8601 date-time.";
      return FALSE;
    }
  if (doc == &quiz_doc && wh_record_get_int (record, "correct") > wh_record_get_int (record, "total"))
    {
      *message = "“correct” is more than “total”.";
      return FALSE;
    }
  return TRUE;
}

static void
put_doc (WhServer      *self,
         WhRequest     *req,
         const UserDoc *doc)
{
  const char *key = req->segments[1];
  g_autoptr(WhRecord) record = NULL;
  g_autoptr(WhRecord) stored = NULL;
  g_autoptr(GError) error = NULL;
  const char *message = NULL;
  gboolean ok = TRUE, write = FALSE, anonymous;

  anonymous = doc->anonymous &&
              soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg),
                                            "Authorization") == NULL;
  if (anonymous)
    req->user_id = 0;
  else if (wh_request_authenticate (req) == 0)
    return;
  record = wh_request_parse_record (req, doc->collection);
  if (record == NULL)
    return;
  if (!check_document (doc, record, key, &message))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request", message);
      return;
    }
  if (doc->merge == MERGE_NEWER_WINS || doc->merge == MERGE_REVIEW)
    {
      gint64 now = wh_server_now_us (self) / G_USEC_PER_SEC;

      if (wh_server_parse_time (wh_record_get_text (record, doc->time_field)) > now)
        wh_record_take_text (record, doc->time_field, wh_server_format_time (now));
    }

  if (!wh_server_begin (self, TRUE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }
  stored = read_doc (self, doc, req->user_id, key, &ok);
  if (!ok)
    goto db_error;
  /* Only a new anonymous document counts: a replay of one sent already
   * (the answer was lost) is free. */
  if (anonymous && stored == NULL && !wh_server_count_anonymous (self, req))
    {
      wh_server_rollback (self);
      return;
    }
  if (stored == NULL)
    write = TRUE;
  else if (doc->merge == MERGE_REVIEW)
    {
      if (wh_practice_review_wins (record, stored))
        {
          g_clear_pointer (&stored, wh_record_free);
          stored = wh_record_copy (record);
          write = TRUE;
        }
    }
  else if (doc->merge == MERGE_NEWER_WINS)
    {
      gint64 t_new = wh_server_parse_time (wh_record_get_text (record, doc->time_field));
      gint64 t_old = wh_server_parse_time (wh_record_get_text (stored, doc->time_field));
      gboolean sticky = doc->sticky_flag &&
                        (wh_record_get_bool (stored, doc->sticky_flag) ||
                         wh_record_get_bool (record, doc->sticky_flag));

      /* Only a document stored before times were clamped can be in the
       * future: it loses to any write. */
      if (t_old > wh_server_now_us (self) / G_USEC_PER_SEC)
        t_old = G_MININT64;

      if (t_new > t_old)
        {
          g_clear_pointer (&stored, wh_record_free);
          stored = wh_record_copy (record);
          write = TRUE;
        }
      if (sticky && !wh_record_get_bool (stored, doc->sticky_flag))
        {
          wh_record_set_bool (stored, doc->sticky_flag, TRUE);
          write = TRUE;
        }
    }
  if (write && !write_doc (self, doc, req->user_id, stored ? stored : record))
    goto db_error;
  if (!wh_server_commit (self, &error))
    goto db_error;
  wh_server_respond_json (req->msg, SOUP_STATUS_OK,
                          wh_record_to_string (stored ? stored : record));
  return;

db_error:
  wh_server_rollback (self);
  wh_server_respond_db_error (self, req->msg, error);
}

static void
list_docs (WhServer      *self,
           WhRequest     *req,
           const UserDoc *doc)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_autofree char *columns = wh_collection_sql_column_names (doc->collection, NULL);
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE user_id = ? ORDER BY %s"
                                          " LIMIT 10000", columns, doc->collection->name,
                                          doc->order_by);
  sqlite3_stmt *stmt = NULL;

  if (wh_request_authenticate (req) == 0)
    return;
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      WhRecord *record = wh_record_new (doc->collection);
      wh_record_read_values (record, stmt, 0);
      g_ptr_array_add (records, record);
    }
  sqlite3_finalize (stmt);
  wh_server_respond_json (req->msg, SOUP_STATUS_OK,
                          wh_record_list_to_json (doc->list_member, records));
}

void
wh_server_handle_progress_put (WhServer  *self,
                               WhRequest *req)
{
  put_doc (self, req, &progress_doc);
}

void
wh_server_handle_progress_list (WhServer  *self,
                                WhRequest *req)
{
  list_docs (self, req, &progress_doc);
}

void
wh_server_handle_quiz_put (WhServer  *self,
                           WhRequest *req)
{
  put_doc (self, req, &quiz_doc);
}

void
wh_server_handle_quiz_list (WhServer  *self,
                            WhRequest *req)
{
  list_docs (self, req, &quiz_doc);
}

void
wh_server_handle_review_put (WhServer  *self,
                             WhRequest *req)
{
  put_doc (self, req, &review_doc);
}

void
wh_server_handle_review_list (WhServer  *self,
                              WhRequest *req)
{
  list_docs (self, req, &review_doc);
}

void
wh_server_handle_bookmark_put (WhServer  *self,
                               WhRequest *req)
{
  put_doc (self, req, &bookmark_doc);
}

void
wh_server_handle_bookmark_list (WhServer  *self,
                                WhRequest *req)
{
  list_docs (self, req, &bookmark_doc);
}

void
wh_server_handle_report_put (WhServer  *self,
                             WhRequest *req)
{
  put_doc (self, req, &report_doc);
}

void
wh_server_handle_bookmark_delete (WhServer  *self,
                                  WhRequest *req)
{
  sqlite3_stmt *stmt = NULL;
  guint64 job_id;
  int rc;

  if (wh_request_authenticate (req) == 0)
    return;
  if (!g_ascii_string_to_unsigned (req->segments[1], 10, 1, G_MAXINT64, &job_id, NULL))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "The job id must be a positive integer.");
      return;
    }
  if (sqlite3_prepare_v2 (self->db, "DELETE FROM bookmarks WHERE user_id = ? AND job_id = ?", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) job_id);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  /* Deleting what is not there is fine: the outbox may replay a delete. */
  soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}
