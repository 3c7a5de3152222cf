/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi's sign-in: a code, the login, the logout (wh-api-private.h). */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "wh-api-private.h"

/* ------------------------------------------------------------------------ */
/* Sign-in                                                                   */

static GError *
decode_code (GTask          *task,
             gpointer        data,
             gpointer       *result,
             GDestroyNotify *result_free)
{
  Request *req = data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonObject *object = wh_api_parse_object (req, &root, &error);
  JsonNode *member;
  gint64 *resend_after;

  if (object == NULL)
    return wh_api_from_codec_error (error);
  member = json_object_get_member (object, "sent");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_BOOLEAN || !json_node_get_boolean (member))
    return wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);
  resend_after = g_new (gint64, 1);
  *resend_after = 60;
  member = json_object_get_member (object, "resend_after");
  if (member != NULL && JSON_NODE_TYPE (member) == JSON_NODE_VALUE &&
      json_node_get_value_type (member) == G_TYPE_INT64)
    *resend_after = CLAMP (json_node_get_int (member), 0, 3600);
  *result = resend_after;
  *result_free = g_free;
  return NULL;
}

void
wh_api_request_code_async (WhApi              *self,
                           const char         *phone,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (phone != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_request_code_async);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "phone");
  json_builder_add_string_value (builder, phone);
  json_builder_end_object (builder);
  /* Not retried: a second code within a minute is refused anyway. */
  req = wh_api_request_new (self, "POST", "auth/code", decode_code);
  req->body = wh_api_json_body (builder);
  wh_api_request_run (task, req);
}

/* A 429 on asking for a code is either the one-minute wait between two
 * codes for a phone or the hourly limit of the place asking (CONTRACT.md):
 * the wait tells them apart, and each gets words that say what to do. */
static void
describe_code_refusal (GError *error)
{
  gint64 wait;

  if (!g_error_matches (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED))
    return;
  wait = wh_api_error_get_retry_after (error);
  if (wait <= 0)
    return;
  g_free (error->message);
  if (wait <= 60)
    /* Translators: %d is a number of seconds */
    error->message = g_strdup_printf (_("A code was sent a moment ago. Ask again in %d s."),
                                      (int) wait);
  else
    {
      int minutes = (int) MIN ((wait + 59) / 60, 24 * 60);

      error->message =
        g_strdup_printf (ngettext ("Too many codes were asked for from this place. "
                                   "Try again in %d minute.",
                                   "Too many codes were asked for from this place. "
                                   "Try again in %d minutes.", minutes),
                         minutes);
    }
}

gboolean
wh_api_request_code_finish (WhApi        *self,
                            GAsyncResult *result,
                            gint64       *resend_after,
                            GError      **error)
{
  g_autofree gint64 *value = NULL;

  g_return_val_if_fail (WH_IS_API (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    {
      if (error != NULL)
        describe_code_refusal (*error);
      return FALSE;
    }
  if (resend_after)
    *resend_after = *value;
  return TRUE;
}

typedef struct
{
  WhRecord *me;
  char     *token;
  char     *expires_at;
} LoginResult;

static void
login_result_free (gpointer data)
{
  LoginResult *r = data;

  g_clear_pointer (&r->me, wh_record_free);
  if (r->token)
    memset (r->token, 0, strlen (r->token));
  g_free (r->token);
  g_free (r->expires_at);
  g_free (r);
}

static GError *
decode_login (GTask          *task,
              gpointer        data,
              gpointer       *result,
              GDestroyNotify *result_free)
{
  Request *req = data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonObject *object = wh_api_parse_object (req, &root, &error);
  JsonNode *member;
  LoginResult *r;
  const WhField *expires_field;

  if (object == NULL)
    return wh_api_from_codec_error (error);
  member = json_object_get_member (object, "token");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_STRING ||
      !wh_api_token_is_valid (json_node_get_string (member)))
    return wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);

  r = g_new0 (LoginResult, 1);
  r->token = g_strdup (json_node_get_string (member));
  member = json_object_get_member (object, "expires_at");
  expires_field = wh_collection_find_field (&wh_collection_me, "token_expires_at", NULL);
  if (member != NULL && JSON_NODE_TYPE (member) == JSON_NODE_VALUE &&
      json_node_get_value_type (member) == G_TYPE_STRING &&
      wh_field_check_text (expires_field, json_node_get_string (member), NULL))
    r->expires_at = g_strdup (json_node_get_string (member));
  member = json_object_get_member (object, "me");
  if (member == NULL || (r->me = wh_record_from_json (&wh_collection_me, member, &error)) == NULL)
    {
      login_result_free (r);
      return error ? wh_api_from_codec_error (error)
                   : wh_api_error_new (WH_API_ERROR_MALFORMED, req->status, NULL, -1);
    }
  *result = r;
  *result_free = login_result_free;
  return NULL;
}

void
wh_api_login_async (WhApi              *self,
                    const char         *phone,
                    const char         *code,
                    GCancellable       *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  Request *req;

  g_return_if_fail (WH_IS_API (self));
  g_return_if_fail (phone != NULL && code != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_login_async);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "phone");
  json_builder_add_string_value (builder, phone);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);
  /* Not retried: a retry could spend one of the five tries of the code. */
  req = wh_api_request_new (self, "POST", "auth/login", decode_login);
  req->body = wh_api_json_body (builder);
  wh_api_request_run (task, req);
}

WhRecord *
wh_api_login_finish (WhApi        *self,
                     GAsyncResult *result,
                     char        **token,
                     char        **expires_at,
                     GError      **error)
{
  LoginResult *r;
  WhRecord *me;

  g_return_val_if_fail (WH_IS_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  wh_api_set_token (self, r->token);
  if (token)
    *token = g_strdup (r->token);
  if (expires_at)
    *expires_at = g_steal_pointer (&r->expires_at);
  me = g_steal_pointer (&r->me);
  login_result_free (r);
  return me;
}

void
wh_api_logout_async (WhApi              *self,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *req;

  g_return_if_fail (WH_IS_API (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_api_logout_async);
  req = wh_api_request_new (self, "POST", "auth/logout", wh_api_decode_nothing);
  req->token = g_strdup (self->token);
  req->body = g_bytes_new_static ("{}", 2);
  wh_api_request_run (task, req);
  /* The request holds its own copy; whatever the answer, this machine
   * forgets the token now (a lost response must not leave it usable). */
  wh_api_set_token (self, NULL);
}

gboolean
wh_api_logout_finish (WhApi        *self,
                      GAsyncResult *result,
                      GError      **error)
{
  g_return_val_if_fail (WH_IS_API (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}
