/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's vouchers: claiming one, listing the worker's, having one's code
 * sent by SMS (wh-api-private.h). */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include <string.h>

#include "wh-api-private.h"
#include "wh-idempotency.h"

/* ------------------------------------------------------------------------ */
/* Vouchers                                                                  */

static GError *
decode_voucher (GTask          *task,
                gpointer        data,
                gpointer       *result,
                GDestroyNotify *result_free)
{
  Request *req = data;
  GError *error = NULL;
  gsize length;
  const char *body = wh_api_response_data (req, &length);
  WhRecord *voucher = wh_record_parse (&wh_collection_vouchers, body, length, &error);

  if (voucher == NULL)
    return wh_api_from_codec_error (error);
  *result = voucher;
  *result_free = (GDestroyNotify) wh_record_free;
  return NULL;
}

void
wh_api_claim_voucher_async (WhApi              *self,
                            gint64              merchant_id,
                            const char         *idempotency_key,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (merchant_id > 0);
  g_return_if_fail (wh_idempotency_key_is_valid (idempotency_key));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_claim_voucher_async);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "merchant_id");
  json_builder_add_int_value (builder, merchant_id);
  json_builder_end_object (builder);
  req = wh_api_request_new (self, "POST", "vouchers", decode_voucher);
  req->body = wh_api_json_body (builder);
  req->token = g_strdup (self->token);
  req->idempotency_key = g_strdup (idempotency_key);
  /* The key makes a repeat return the first answer, so retrying is safe. */
  req->max_attempts = self->max_attempts;
  wh_api_request_run (task, req);
}

WhRecord *
wh_api_claim_voucher_finish (WhApi        *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wh_api_list_vouchers_async (WhApi              *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  wh_api_list_documents_async (self, &wh_collection_vouchers, cancellable, callback, user_data);
}

GPtrArray *
wh_api_list_vouchers_finish (WhApi        *self,
                             GAsyncResult *result,
                             GError      **error)
{
  return wh_api_list_documents_finish (self, result, error);
}

/* {"sent_to": "138****8000"}: a masked number, shown as plain text. */
static GError *
decode_sent_to (GTask          *task,
                gpointer        data,
                gpointer       *result,
                GDestroyNotify *result_free)
{
  Request *req = data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonObject *object = wh_api_parse_object (req, &root, &error);
  JsonNode *member;
  const char *sent_to;

  if (object == NULL)
    return wh_api_from_codec_error (error);
  member = json_object_get_member (object, "sent_to");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    return wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);
  sent_to = json_node_get_string (member);
  /* A phone number, masked: digits and asterisks, nothing to render. */
  if (strlen (sent_to) == 0 || strlen (sent_to) > 20 ||
      strspn (sent_to, "0123456789*") != strlen (sent_to))
    return wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);
  *result = g_strdup (sent_to);
  *result_free = g_free;
  return NULL;
}

/* A voucher id goes into the path: the server makes them hex. */
static gboolean
voucher_id_is_valid (const char *id)
{
  gsize len = id ? strlen (id) : 0;

  return len > 0 && len <= 64 && strspn (id, "0123456789abcdefABCDEF") == len;
}

void
wh_api_send_voucher_code_async (WhApi              *self,
                                const char         *voucher_id,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_send_voucher_code_async);
  if (!voucher_id_is_valid (voucher_id))
    {
      g_task_return_new_error (task, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST, "%s",
                               wh_api_error_message (WH_API_ERROR_BAD_REQUEST));
      return;
    }
  path = g_strdup_printf ("vouchers/%s/sms", voucher_id);
  req = wh_api_request_new (self, "POST", path, decode_sent_to);
  req->token = g_strdup (self->token);
  /* Not repeated: a lost answer must not become a second text message. */
  req->max_attempts = 1;
  wh_api_request_run (task, req);
}

char *
wh_api_send_voucher_code_finish (WhApi        *self,
                                 GAsyncResult *result,
                                 GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
