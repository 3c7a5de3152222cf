/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Queueing the worker's writes for the server (wh-outbox.h). */
#define G_LOG_DOMAIN "wh-outbox"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-outbox.h"

static gboolean
key_is_path_safe (const char *key)
{
  if (key == NULL || *key == '\0' || strlen (key) > 64)
    return FALSE;
  for (const char *p = key; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
wh_outbox_describe_record (const WhRecord  *record,
                           const char     **kind_out,
                           char           **key_out,
                           char           **body_out,
                           GError         **error)
{
  const WhCollection *c;
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (record != NULL, FALSE);

  c = record->collection;
  if (c == &wh_collection_progress)
    {
      kind = "progress";
      key = g_strdup_printf ("%" G_GINT64_FORMAT, wh_record_get_int (record, "lesson_id"));
    }
  else if (c == &wh_collection_quiz_attempts)
    {
      kind = "quiz-attempts";
      key = g_strdup (wh_record_get_text (record, "attempt_id"));
    }
  else if (c == &wh_collection_question_reviews)
    {
      kind = "question-reviews";
      key = g_strdup_printf ("%" G_GINT64_FORMAT, wh_record_get_int (record, "question_id"));
    }
  else if (c == &wh_collection_bookmarks)
    {
      kind = "bookmarks";
      key = g_strdup_printf ("%" G_GINT64_FORMAT, wh_record_get_int (record, "job_id"));
    }
  else if (c == &wh_collection_station_reports)
    {
      kind = "station-reports";
      key = g_strdup (wh_record_get_text (record, "report_id"));
    }
  else
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("A %s record cannot be sent to the server."), c->name);
      return FALSE;
    }
  if (!key_is_path_safe (key))
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The identifier “%s” cannot be sent to the server."), key ? key : "");
      return FALSE;
    }
  body = wh_record_to_string (record);
  if (strlen (body) > WH_MAX_REQUEST_BODY)
    {
      g_set_error_literal (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                           _("The change is too large to send."));
      return FALSE;
    }
  *kind_out = kind;
  *key_out = g_steal_pointer (&key);
  *body_out = g_steal_pointer (&body);
  return TRUE;
}

gboolean
wh_outbox_queue_record (WhStore        *store,
                        const WhRecord *record,
                        GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (!wh_outbox_describe_record (record, &kind, &key, &body, error))
    return FALSE;
  return wh_store_outbox_add (store, kind, key, body, error) > 0;
}

gboolean
wh_outbox_queue_bookmark_removal (WhStore *store,
                                  gint64   job_id,
                                  GError **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);

  key = g_strdup_printf ("%" G_GINT64_FORMAT, job_id);
  return wh_store_outbox_add (store, "bookmarks", key, "null", error) > 0;
}
