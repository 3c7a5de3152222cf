/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's media: course pictures (wh-api-private.h). */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-api-private.h"

/* ------------------------------------------------------------------------ */
/* Media                                                                     */

typedef struct
{
  GBytes *data;
  char   *content_type;
  char   *etag;
} MediaResult;

static void
media_result_free (gpointer data)
{
  MediaResult *r = data;

  g_clear_pointer (&r->data, g_bytes_unref);
  g_free (r->content_type);
  g_free (r->etag);
  g_free (r);
}

/* What the header says must be what the bytes are: a PNG starts with its
 * signature, an SVG is UTF-8 text with an <svg element. */
static gboolean
media_looks_right (const char *content_type,
                   GBytes     *data)
{
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize length;
  const char *bytes = g_bytes_get_data (data, &length);

  if (length == 0 || content_type == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (content_type, "image/png") == 0)
    return length > sizeof png_magic && memcmp (bytes, png_magic, sizeof png_magic) == 0;
  if (g_ascii_strcasecmp (content_type, "image/svg+xml") == 0)
    return g_utf8_validate_len (bytes, length, NULL) &&
           g_strstr_len (bytes, (gssize) length, "<svg") != NULL;
  return FALSE;
}

static GError *
decode_media (GTask          *task,
              gpointer        data,
              gpointer       *result,
              GDestroyNotify *result_free)
{
  Request *req = data;
  MediaResult *r;

  if (!media_looks_right (req->content_type, req->response))
    return wh_api_error_literal (WH_API_ERROR_MALFORMED, _("The server sent a picture that is "
                                                        "not a PNG or SVG image."));
  r = g_new0 (MediaResult, 1);
  r->data = g_bytes_ref (req->response);
  r->content_type = g_ascii_strdown (req->content_type, -1);
  r->etag = g_steal_pointer (&req->etag);
  *result = r;
  *result_free = media_result_free;
  return NULL;
}

gboolean
wh_api_media_path_is_valid (const char *path)
{
  const WhField *field = wh_collection_find_field (&wh_collection_courses, "cover", NULL);

  return path != NULL && wh_field_check_text (field, path, NULL);
}

void
wh_api_get_media_async (WhApi              *self,
                        const char         *path,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url_path = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_get_media_async);
  /* The path goes into the URL as it is: only a checked one may. */
  if (!wh_api_media_path_is_valid (path))
    {
      g_task_return_error (task, wh_api_error_new (WH_API_ERROR_BAD_REQUEST, 0, NULL, -1));
      return;
    }
  url_path = g_strconcat ("media/", path, NULL);
  req = wh_api_request_new (self, "GET", url_path, decode_media);
  req->accept = "image/svg+xml, image/png";
  req->max_body = MIN (self->max_body, WH_MAX_MEDIA_BODY);
  req->max_attempts = self->max_attempts;
  wh_api_request_run (task, req);
}

GBytes *
wh_api_get_media_finish (WhApi        *self,
                         GAsyncResult *result,
                         char        **content_type,
                         char        **etag,
                         GError      **error)
{
  MediaResult *r;
  GBytes *data;

  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_api_get_media_async, NULL);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  if (content_type)
    *content_type = g_steal_pointer (&r->content_type);
  if (etag)
    *etag = g_steal_pointer (&r->etag);
  data = g_steal_pointer (&r->data);
  media_result_free (r);
  return data;
}
