/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's personal data: the worker (me), their own records, the outbox's replays
 * (wh-api-private.h). */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include <string.h>

#include "wh-api-private.h"

/* ------------------------------------------------------------------------ */
/* The worker and their own records                                          */

static GError *
decode_me (GTask          *task,
           gpointer        data,
           gpointer       *result,
           GDestroyNotify *result_free)
{
  Request *req = data;
  GError *error = NULL;
  gsize length;
  const char *body = wh_api_response_data (req, &length);
  WhRecord *me = wh_record_parse (&wh_collection_me, body, length, &error);

  if (me == NULL)
    return wh_api_from_codec_error (error);
  *result = me;
  *result_free = (GDestroyNotify) wh_record_free;
  return NULL;
}

void
wh_api_get_me_async (WhApi              *self,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_get_me_async);
  req = wh_api_request_new (self, "GET", "me", decode_me);
  req->token = g_strdup (self->token);
  req->max_attempts = self->max_attempts;
  wh_api_request_run (task, req);
}

WhRecord *
wh_api_get_me_finish (WhApi        *self,
                      GAsyncResult *result,
                      GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A list of the worker's own records: {"<collection>": [...]}. */
static GError *
decode_record_list (GTask          *task,
                    gpointer        data,
                    gpointer       *result,
                    GDestroyNotify *result_free)
{
  Request *req = data;
  GError *error = NULL;
  gsize length;
  const char *body = wh_api_response_data (req, &length);
  GPtrArray *records = wh_record_list_parse (req->collection, req->collection->name, body, length,
                                             &error);

  if (records == NULL)
    return wh_api_from_codec_error (error);
  *result = records;
  *result_free = (GDestroyNotify) g_ptr_array_unref;
  return NULL;
}

void
wh_api_list_documents_async (WhApi              *self,
                             const WhCollection *collection,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (collection == &wh_collection_vouchers ||
                    collection == &wh_collection_progress ||
                    collection == &wh_collection_quiz_attempts ||
                    collection == &wh_collection_question_reviews ||
                    collection == &wh_collection_bookmarks);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_list_documents_async);
  /* the table's name in the URL's spelling: quiz_attempts, quiz-attempts */
  path = g_strdelimit (g_strdup (collection->name), "_", '-');
  req = wh_api_request_new (self, "GET", path, decode_record_list);
  req->collection = collection;
  req->token = g_strdup (self->token);
  req->max_attempts = self->max_attempts;
  wh_api_request_run (task, req);
}

GPtrArray *
wh_api_list_documents_finish (WhApi        *self,
                              GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Outbox replays                                                            */

static gboolean
replay_path_is_valid (const char *path)
{
  if (*path == '\0' || *path == '/' || strstr (path, "..") != NULL)
    return FALSE;
  for (const char *p = path; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '/' && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

void
wh_api_replay_async (WhApi              *self,
                     const char         *method,
                     const char         *path,
                     GBytes             *body,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_replay_async);
  if ((strcmp (method, "PUT") != 0 && strcmp (method, "DELETE") != 0) ||
      !replay_path_is_valid (path) ||
      (body != NULL && g_bytes_get_size (body) > WH_MAX_REQUEST_BODY))
    {
      g_task_return_new_error (task, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST, "%s",
                               wh_api_error_message (WH_API_ERROR_BAD_REQUEST));
      return;
    }
  req = wh_api_request_new (self, method, path, wh_api_decode_nothing);
  /* A station report is anonymous (contract): never sent under whoever is
   * signed in when it leaves the outbox. */
  if (!g_str_has_prefix (path, "station-reports/"))
    req->token = g_strdup (self->token);
  req->max_attempts = self->max_attempts;
  if (body != NULL)
    req->body = g_bytes_ref (body);
  wh_api_request_run (task, req);
}

gboolean
wh_api_replay_finish (WhApi        *self,
                      GAsyncResult *result,
                      GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}
