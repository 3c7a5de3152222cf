/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's changes feeds (wh-api-private.h). */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include "wh-api-private.h"
#include "wh-snapshot.h"

/* ------------------------------------------------------------------------ */
/* Changes feed                                                              */

typedef struct
{
  WhPage   *page;
  char     *etag;
  gboolean  not_modified;
} ChangesResult;

static void
changes_result_free (gpointer data)
{
  ChangesResult *r = data;

  g_clear_pointer (&r->page, wh_page_free);
  g_free (r->etag);
  g_free (r);
}

static GError *
decode_changes (GTask          *task,
                gpointer        data,
                gpointer       *result,
                GDestroyNotify *result_free)
{
  Request *req = data;
  ChangesResult *r = g_new0 (ChangesResult, 1);
  GError *error = NULL;
  gsize length;
  const char *body = wh_api_response_data (req, &length);

  r->etag = g_steal_pointer (&req->etag);
  if (req->status == 304)
    r->not_modified = TRUE;
  else if ((r->page = wh_page_from_json (req->collection, body, length, &error)) == NULL)
    {
      changes_result_free (r);
      return wh_api_from_codec_error (error);
    }
  else
    r->page->bytes = length;
  *result = r;
  *result_free = changes_result_free;
  return NULL;
}

void
wh_api_get_changes_async (WhApi              *self,
                          const WhCollection *collection,
                          gint64              since,
                          guint               limit,
                          gint                region,
                          gboolean            count,
                          const char         *if_none_match,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (collection != NULL && (collection->flags & WH_COLLECTION_SYNCED));
  g_return_if_fail (since >= 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_get_changes_async);

  g_string_append_printf (query, "%s/changes?since=%" G_GINT64_FORMAT "&limit=%u",
                          collection->name, since, CLAMP (limit, 1, WH_MAX_PAGE_LIMIT));
  if (region > 0 && (collection->flags & WH_COLLECTION_REGIONAL))
    g_string_append_printf (query, "&region=%06d", region);
  if (count)
    g_string_append (query, "&count=1");
  req = wh_api_request_new (self, "GET", query->str, decode_changes);
  req->collection = collection;
  req->max_attempts = self->max_attempts;
  req->if_none_match = g_strdup (if_none_match);
  wh_api_request_run (task, req);
}

WhPage *
wh_api_get_changes_finish (WhApi        *self,
                           GAsyncResult *result,
                           char        **etag,
                           gboolean     *not_modified,
                           GError      **error)
{
  ChangesResult *r;
  WhPage *page;

  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_api_get_changes_async, NULL);

  if (not_modified)
    *not_modified = FALSE;
  if (etag)
    *etag = NULL;
  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  if (not_modified)
    *not_modified = r->not_modified;
  if (etag)
    *etag = g_steal_pointer (&r->etag);
  page = g_steal_pointer (&r->page);
  changes_result_free (r);
  return page;
}

/* ------------------------------------------------------------------------ */
/* Region snapshot                                                           */

static GError *
decode_snapshot (GTask          *task,
                 gpointer        data,
                 gpointer       *result,
                 GDestroyNotify *result_free)
{
  Request *req = data;
  GError *error = NULL;

  /* In this thread: closing flushes the last bytes to the disk. */
  if (!g_output_stream_close (req->sink, NULL, &error))
    return error;
  /* Either packing: the import tells them apart by the file's first bytes. */
  if (req->content_type == NULL ||
      (!g_str_equal (req->content_type, WH_SNAPSHOT_CONTENT_TYPE_ZSTD) &&
       !g_str_equal (req->content_type, WH_SNAPSHOT_CONTENT_TYPE)))
    return wh_api_error_literal (WH_API_ERROR_MALFORMED,
                                 wh_api_error_message (WH_API_ERROR_MALFORMED));
  *result = g_steal_pointer (&req->etag);
  if (*result == NULL)
    *result = g_strdup ("");
  *result_free = g_free;
  return NULL;
}

void
wh_api_get_snapshot_async (WhApi              *self,
                           const WhCollection *collection,
                           gint                region,
                           GOutputStream      *sink,
                           guint64             max_bytes,
                           guint64             held,
                           const char         *if_range,
                           WhApiProgressFunc   progress,
                           WhApiSnapshotStartedFunc started,
                           gpointer            progress_data,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (collection != NULL && (collection->flags & WH_COLLECTION_SYNCED));
  g_return_if_fail (G_IS_OUTPUT_STREAM (sink));
  g_return_if_fail (max_bytes > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_get_snapshot_async);

  g_string_append_printf (query, "%s/snapshot", collection->name);
  if (region > 0 && (collection->flags & WH_COLLECTION_REGIONAL))
    g_string_append_printf (query, "?region=%06d", region);
  req = wh_api_request_new (self, "GET", query->str, decode_snapshot);
  req->collection = collection;
  req->accept = WH_SNAPSHOT_ACCEPT;
  req->sink = g_object_ref (sink);
  req->max_body = (gsize) MIN (max_bytes, G_MAXSIZE);
  req->progress = progress;
  req->progress_data = progress_data;
  req->started = started;
  req->started_data = progress_data;
  req->range_from = held < max_bytes ? held : 0;
  req->if_range = req->range_from > 0 ? g_strdup (if_range) : NULL;
  /* One attempt: what was written of a failed one cannot be taken back,
   * and the feed is there when it fails. */
  req->max_attempts = 1;
  wh_api_request_run (task, req);
}

char *
wh_api_get_snapshot_finish (WhApi        *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_api_get_snapshot_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
