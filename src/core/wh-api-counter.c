/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's counter calls: pairing, the day's vouchers, uploading
 * redemptions (wh-api-private.h). The answers come back as parsed JSON
 * objects under the strict gate; wh-counter.c checks every field of them. */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include "wh-api-private.h"
#include "wh-codec.h"

static GError *
decode_object (GTask          *task,
               gpointer        data,
               gpointer       *result,
               GDestroyNotify *result_free)
{
  Request *req = data;
  GError *error = NULL;
  gsize length;
  const char *body = wh_api_response_data (req, &length);
  /* A day of a busy merchant is large; the response cap already bounds it. */
  JsonNode *root = wh_json_parse_bounded (body, length, WH_MAX_RESPONSE_BODY, &error);

  if (root == NULL)
    return wh_api_from_codec_error (error);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      return wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);
    }
  *result = root;
  *result_free = (GDestroyNotify) json_node_unref;
  return NULL;
}

static void
run (WhApi              *self,
     const char         *method,
     const char         *path,
     const char         *token,
     GBytes             *body,
     guint               max_attempts,
     gpointer            source_tag,
     GCancellable       *cancellable,
     GAsyncReadyCallback callback,
     gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Request *req;

  g_task_set_source_tag (task, source_tag);
  req = wh_api_request_new (self, method, path, decode_object);
  req->token = g_strdup (token);
  req->body = body;
  req->max_attempts = max_attempts;
  wh_api_request_run (task, req);
}

void
wh_api_counter_pair_async (WhApi              *self,
                           gint64              merchant_id,
                           const char         *merchant_key,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (merchant_id > 0 && merchant_key != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "merchant_id");
  json_builder_add_int_value (builder, merchant_id);
  json_builder_set_member_name (builder, "merchant_key");
  json_builder_add_string_value (builder, merchant_key);
  json_builder_end_object (builder);
  /* Once: a repeat would pair a second counter. */
  run (self, "POST", "auth/counter", NULL, wh_api_json_body (builder), 1,
       wh_api_counter_pair_async, cancellable, callback, user_data);
}

void
wh_api_counter_day_async (WhApi              *self,
                          const char         *token,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (token != NULL);

  run (self, "GET", "counter/day", token, NULL, self->max_attempts, wh_api_counter_day_async,
       cancellable, callback, user_data);
}

void
wh_api_counter_upload_async (WhApi              *self,
                             const char         *token,
                             JsonNode           *body,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *text;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (JSON_NODE_HOLDS_OBJECT (body));

  json_generator_set_root (generator, body);
  text = json_generator_to_data (generator, &length);
  /* Every redemption has its id: repeating the upload is safe. */
  run (self, "POST", "counter/redemptions", token, g_bytes_new_take (text, length),
       self->max_attempts, wh_api_counter_upload_async, cancellable, callback, user_data);
}

JsonNode *
wh_api_counter_finish (WhApi        *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
