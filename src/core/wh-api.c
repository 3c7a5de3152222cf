/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-api"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-api-private.h"
#include "wh-idempotency.h"

/* What libsoup 3.2 does not limit by itself (HACKING.md, measured facts):
 * response size, total time of a request, downgrades. */
#define ERROR_BODY_CAP      (64 * 1024)
#define READ_CHUNK          (64 * 1024)
#define MAX_TOKEN_LENGTH    512
#define MAX_ETAG_LENGTH     256

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

typedef struct
{
  char   *server_code;
  guint   status;
  gint64  retry_after;
} WhApiErrorPrivate;

static void
wh_api_error_private_init (WhApiErrorPrivate *priv)
{
  /* The macro's lookup can return NULL (on a critical); the compiler sees it. */
  if (priv == NULL)
    return;
  priv->server_code = NULL;
  priv->status = 0;
  priv->retry_after = -1;
}

static void
wh_api_error_private_copy (const WhApiErrorPrivate *src,
                           WhApiErrorPrivate       *dest)
{
  if (src == NULL || dest == NULL)
    return;
  dest->server_code = g_strdup (src->server_code);
  dest->status = src->status;
  dest->retry_after = src->retry_after;
}

static void
wh_api_error_private_clear (WhApiErrorPrivate *priv)
{
  if (priv == NULL)
    return;
  g_clear_pointer (&priv->server_code, g_free);
}

G_DEFINE_EXTENDED_ERROR (WhApiError, wh_api_error)

const char *
wh_api_error_get_server_code (const GError *error)
{
  WhApiErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);
  if (error->domain != WH_API_ERROR)
    return NULL;
  priv = wh_api_error_get_private (error);
  return priv ? priv->server_code : NULL;
}

guint
wh_api_error_get_status (const GError *error)
{
  WhApiErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);
  if (error->domain != WH_API_ERROR)
    return 0;
  priv = wh_api_error_get_private (error);
  return priv ? priv->status : 0;
}

gint64
wh_api_error_get_retry_after (const GError *error)
{
  WhApiErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, -1);
  if (error->domain != WH_API_ERROR)
    return -1;
  priv = wh_api_error_get_private (error);
  return priv ? priv->retry_after : -1;
}

static gboolean
code_is_transient (WhApiError code)
{
  switch (code)
    {
    case WH_API_ERROR_NETWORK:
    case WH_API_ERROR_TIMEOUT:
    case WH_API_ERROR_RATE_LIMITED:
    case WH_API_ERROR_UNAVAILABLE:
    case WH_API_ERROR_SERVER:
      return TRUE;
    case WH_API_ERROR_INSECURE:
    case WH_API_ERROR_TLS:
    case WH_API_ERROR_REDIRECT:
    case WH_API_ERROR_TOO_LARGE:
    case WH_API_ERROR_MALFORMED:
    case WH_API_ERROR_BAD_REQUEST:
    case WH_API_ERROR_UNAUTHORIZED:
    case WH_API_ERROR_INVALID_CODE:
    case WH_API_ERROR_DAILY_LIMIT:
    case WH_API_ERROR_NOT_ELIGIBLE:
    case WH_API_ERROR_FORBIDDEN:
    case WH_API_ERROR_NOT_FOUND:
    case WH_API_ERROR_CONFLICT:
    case WH_API_ERROR_ALREADY_CLAIMED_TODAY:
    case WH_API_ERROR_OUTSIDE_SERVING_WINDOW:
    case WH_API_ERROR_QUOTA_EXHAUSTED:
    case WH_API_ERROR_ALREADY_REDEEMED:
    case WH_API_ERROR_VOUCHER_EXPIRED:
    case WH_API_ERROR_WRONG_MERCHANT:
    case WH_API_ERROR_INVALID_VOUCHER:
    case WH_API_ERROR_HTTP:
    default:
      return FALSE;
    }
}

gboolean
wh_api_error_is_transient (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);
  return error->domain == WH_API_ERROR && code_is_transient ((WhApiError) error->code);
}

/* The words people see. The server's English message goes to the debug log
 * only: the client shows its own translated text for each code. */
const char *
wh_api_error_message (WhApiError code)
{
  switch (code)
    {
    case WH_API_ERROR_NETWORK:
      return _("Could not reach the server. Check the network connection.");
    case WH_API_ERROR_TIMEOUT:
      return _("The server took too long to answer.");
    case WH_API_ERROR_INSECURE:
      return _("The server address must use a secure (https) connection.");
    case WH_API_ERROR_TLS:
      return _("The server’s identity could not be verified.");
    case WH_API_ERROR_REDIRECT:
      return _("The server tried to send the app to another address, which is not allowed.");
    case WH_API_ERROR_TOO_LARGE:
      return _("The server sent a response that is too large.");
    case WH_API_ERROR_MALFORMED:
      return _("The server sent a response the app does not understand.");
    case WH_API_ERROR_RATE_LIMITED:
      return _("Too many requests. Please try again in a moment.");
    case WH_API_ERROR_UNAVAILABLE:
      return _("The service is busy or under maintenance. Please try again later.");
    case WH_API_ERROR_SERVER:
      return _("The server had a problem. Please try again later.");
    case WH_API_ERROR_BAD_REQUEST:
      return _("The server refused the request.");
    case WH_API_ERROR_UNAUTHORIZED:
      return _("Please sign in again.");
    case WH_API_ERROR_INVALID_CODE:
      return _("The code is wrong or has expired.");
    case WH_API_ERROR_DAILY_LIMIT:
      return _("This phone number has had as many sign-in codes and tries as allowed today. "
               "Please try again tomorrow.");
    case WH_API_ERROR_NOT_ELIGIBLE:
      return _("Love meals are for union members who are verified new-form workers.");
    case WH_API_ERROR_FORBIDDEN:
      return _("This is not allowed.");
    case WH_API_ERROR_NOT_FOUND:
      return _("The server does not know this item.");
    case WH_API_ERROR_CONFLICT:
      return _("The request conflicts with an earlier one.");
    case WH_API_ERROR_ALREADY_CLAIMED_TODAY:
      return _("You have already claimed a love meal today.");
    case WH_API_ERROR_OUTSIDE_SERVING_WINDOW:
      return _("This merchant is not serving love meals right now.");
    case WH_API_ERROR_QUOTA_EXHAUSTED:
      return _("Today’s love meals at this merchant are all claimed.");
    case WH_API_ERROR_ALREADY_REDEEMED:
      return _("This voucher has already been used.");
    case WH_API_ERROR_VOUCHER_EXPIRED:
      return _("This voucher has expired.");
    case WH_API_ERROR_WRONG_MERCHANT:
      return _("This voucher belongs to another merchant.");
    case WH_API_ERROR_INVALID_VOUCHER:
      return _("This voucher is not valid.");
    case WH_API_ERROR_HTTP:
    default:
      return _("The server answered in an unexpected way.");
    }
}

GError *
wh_api_error_new (WhApiError  code,
               guint       status,
               const char *server_code,
               gint64      retry_after)
{
  GError *error;
  WhApiErrorPrivate *priv;

  if (code == WH_API_ERROR_HTTP && status != 0)
    /* Translators: %u is an HTTP status number such as 418. */
    error = g_error_new (WH_API_ERROR, code, _("The server answered in an unexpected way (%u)."),
                         status);
  else
    error = g_error_new_literal (WH_API_ERROR, code, wh_api_error_message (code));
  priv = wh_api_error_get_private (error);
  g_assert (priv != NULL);
  priv->server_code = g_strdup (server_code);
  priv->status = status;
  priv->retry_after = retry_after;
  return error;
}

GError *
wh_api_error_literal (WhApiError  code,
                   const char *message)
{
  return g_error_new_literal (WH_API_ERROR, code, message);
}

static const struct
{
  const char *code;
  WhApiError  error;
} server_codes[] = {
  { "unauthorized", WH_API_ERROR_UNAUTHORIZED },
  { "invalid_code", WH_API_ERROR_INVALID_CODE },
  { "daily_limit", WH_API_ERROR_DAILY_LIMIT },
  { "not_eligible", WH_API_ERROR_NOT_ELIGIBLE },
  { "forbidden", WH_API_ERROR_FORBIDDEN },
  { "not_found", WH_API_ERROR_NOT_FOUND },
  { "already_claimed_today", WH_API_ERROR_ALREADY_CLAIMED_TODAY },
  { "outside_serving_window", WH_API_ERROR_OUTSIDE_SERVING_WINDOW },
  { "quota_exhausted", WH_API_ERROR_QUOTA_EXHAUSTED },
  { "already_redeemed", WH_API_ERROR_ALREADY_REDEEMED },
  { "voucher_expired", WH_API_ERROR_VOUCHER_EXPIRED },
  { "wrong_merchant", WH_API_ERROR_WRONG_MERCHANT },
  { "invalid_voucher", WH_API_ERROR_INVALID_VOUCHER },
  { "idempotency_key_reused", WH_API_ERROR_CONFLICT },
  { "too_many_requests", WH_API_ERROR_RATE_LIMITED },
  { "unavailable", WH_API_ERROR_UNAVAILABLE },
  { "internal", WH_API_ERROR_SERVER },
};

static WhApiError
error_for_status (guint status)
{
  switch (status)
    {
    case 401:
      return WH_API_ERROR_UNAUTHORIZED;
    case 403:
      return WH_API_ERROR_FORBIDDEN;
    case 404:
      return WH_API_ERROR_NOT_FOUND;
    case 408:
      return WH_API_ERROR_TIMEOUT;
    case 409:
    case 422:
      return WH_API_ERROR_CONFLICT;
    case 429:
      return WH_API_ERROR_RATE_LIMITED;
    case 503:
      return WH_API_ERROR_UNAVAILABLE;
    default:
      if (status >= 500 && status < 600)
        return WH_API_ERROR_SERVER;
      if (status >= 400 && status < 500)
        return WH_API_ERROR_BAD_REQUEST;
      return WH_API_ERROR_HTTP;
    }
}

/* The code in the body refines the status, but only where the two agree
 * on the kind of failure: a hostile 500 claiming "quota_exhausted" stays a
 * server error, and is retried as one. */
static WhApiError
error_for_response (guint       status,
                    const char *code)
{
  WhApiError by_status = error_for_status (status);

  if (code == NULL)
    return by_status;
  for (guint i = 0; i < G_N_ELEMENTS (server_codes); i++)
    if (strcmp (server_codes[i].code, code) == 0)
      {
        WhApiError by_code = server_codes[i].error;

        /* The one 429 that waiting a moment does not cure: tell the
         * worker to come back tomorrow rather than retry. */
        if (by_code == WH_API_ERROR_DAILY_LIMIT && status == 429)
          return by_code;
        if (code_is_transient (by_code) != code_is_transient (by_status))
          return by_status;
        if (status < 400 || status >= 500)
          return by_status;
        return by_code;
      }
  return by_status;
}

/* Retry-After: whole seconds per the contract; an HTTP date is accepted too. */
static gint64
parse_retry_after (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  guint64 seconds;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64) seconds;
  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;
  now = g_date_time_new_now_utc ();
  return MAX (0, g_date_time_difference (date, now) / G_TIME_SPAN_SECOND);
}

/* ------------------------------------------------------------------------ */
/* The object                                                                */

G_DEFINE_FINAL_TYPE (WhApi, wh_api, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_URL,
  PROP_ALLOW_INSECURE,
  PROP_TOKEN,
  PROP_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_REQUEST_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wh_api_finalize (GObject *object)
{
  WhApi *self = WH_API (object);

  soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->base_url, g_free);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_clear_pointer (&self->token, g_free);

  G_OBJECT_CLASS (wh_api_parent_class)->finalize (object);
}

static void
wh_api_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  WhApi *self = WH_API (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_ALLOW_INSECURE:
      g_value_set_boolean (value, self->allow_insecure);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, soup_session_get_timeout (self->session));
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, soup_session_get_idle_timeout (self->session));
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_api_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  WhApi *self = WH_API (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      {
        const char *url = g_value_get_string (value);
        gsize len = url ? strlen (url) : 0;

        while (len > 0 && url[len - 1] == '/')
          len--;
        self->base_url = g_strndup (url ? url : "", len);
      }
      break;
    case PROP_ALLOW_INSECURE:
      wh_api_set_allow_insecure (self, g_value_get_boolean (value));
      break;
    case PROP_TOKEN:
      wh_api_set_token (self, g_value_get_string (value));
      break;
    case PROP_TIMEOUT:
      soup_session_set_timeout (self->session, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT:
      soup_session_set_idle_timeout (self->session, g_value_get_uint (value));
      break;
    case PROP_REQUEST_TIMEOUT:
      self->request_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_api_class_init (WhApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wh_api_finalize;
  object_class->get_property = wh_api_get_property;
  object_class->set_property = wh_api_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_INSECURE] =
    g_param_spec_boolean ("allow-insecure", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, 30,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 60,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, G_MAXUINT, 120,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_api_init (WhApi *self)
{
  /* "timeout" covers connecting as well as each read and write in libsoup
   * 3.2; the whole-request deadline (request_timeout) catches a body that
   * drips in just fast enough to dodge it. */
  self->session = soup_session_new_with_options ("user-agent", "WorkersHome/" PACKAGE_VERSION,
                                                 "timeout", 30,
                                                 "idle-timeout", 60,
                                                 "max-conns-per-host", 4,
                                                 NULL);
  self->request_timeout = 120;
  self->max_attempts = 5;
  self->base_ms = 500;
  self->cap_ms = 30 * 1000;
  self->max_retry_after_ms = 5 * 60 * 1000;
  self->max_body = WH_MAX_RESPONSE_BODY;
}

WhApi *
wh_api_new (const char *base_url,
            GError    **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST,
                   _("“%s” is not a server address (expected https://host[:port])."), base_url);
      return NULL;
    }
  return g_object_new (WH_TYPE_API, "base-url", base_url, NULL);
}

const char *
wh_api_get_base_url (WhApi *self)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  return self->base_url;
}

SoupSession *
wh_api_get_session (WhApi *self)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  return self->session;
}

void
wh_api_set_allow_insecure (WhApi   *self,
                           gboolean allow_insecure)
{
  g_return_if_fail (WH_IS_API (self));
  allow_insecure = !!allow_insecure;
  if (self->allow_insecure == allow_insecure)
    return;
  self->allow_insecure = allow_insecure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_INSECURE]);
}

gboolean
wh_api_get_allow_insecure (WhApi *self)
{
  g_return_val_if_fail (WH_IS_API (self), FALSE);
  return self->allow_insecure;
}

/* A token goes into a header: visible ASCII only, so a hostile login
 * response cannot smuggle a CR LF into later requests. */
gboolean
wh_api_token_is_valid (const char *token)
{
  gsize len = 0;

  for (const char *p = token; *p; p++, len++)
    if (*p < 0x21 || *p > 0x7e || len >= MAX_TOKEN_LENGTH)
      return FALSE;
  return len > 0;
}

gboolean
wh_api_set_token (WhApi      *self,
                  const char *token)
{
  g_return_val_if_fail (WH_IS_API (self), FALSE);

  if (token != NULL && !wh_api_token_is_valid (token))
    return FALSE;
  if (g_strcmp0 (self->token, token) == 0)
    return TRUE;
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
  return TRUE;
}

const char *
wh_api_get_token (WhApi *self)
{
  g_return_val_if_fail (WH_IS_API (self), NULL);
  return self->token;
}

void
wh_api_set_timeouts (WhApi *self,
                     guint  io_timeout,
                     guint  idle_timeout,
                     guint  request_timeout)
{
  g_return_if_fail (WH_IS_API (self));
  g_object_set (self,
                "timeout", io_timeout,
                "idle-timeout", idle_timeout,
                "request-timeout", request_timeout,
                NULL);
}

void
wh_api_set_retry_policy (WhApi *self,
                         guint  max_attempts,
                         guint  base_ms,
                         guint  cap_ms,
                         guint  max_retry_after_ms)
{
  g_return_if_fail (WH_IS_API (self));
  self->max_attempts = MAX (max_attempts, 1);
  self->base_ms = MAX (base_ms, 1);
  self->cap_ms = MAX (cap_ms, self->base_ms);
  self->max_retry_after_ms = max_retry_after_ms;
}

void
wh_api_set_max_body (WhApi *self,
                     gsize  max_body)
{
  g_return_if_fail (WH_IS_API (self));
  self->max_body = max_body;
}

char *
wh_api_new_idempotency_key (void)
{
  return wh_idempotency_key_new ();
}

char *
wh_api_service_day (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (cst);

  return g_date_time_format (now, "%Y-%m-%d");
}

/* ------------------------------------------------------------------------ */
/* One request: send, read the body under a cap, retry, decode in a thread.  */

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* NULL when the URL may be used, else the reason. */
static GError *
check_url (WhApi      *self,
           const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  if (scheme == NULL)
    return wh_api_error_new (WH_API_ERROR_BAD_REQUEST, 0, NULL, -1);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return NULL;
  if (g_ascii_strcasecmp (scheme, "http") == 0 &&
      (self->allow_insecure || host_is_loopback (g_uri_get_host (uri))))
    return NULL;
  return wh_api_error_new (WH_API_ERROR_INSECURE, 0, NULL, -1);
}

static void
source_clear (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
request_clear_attempt (Request *req)
{
  g_clear_object (&req->attempt_cancellable);
  g_clear_object (&req->stream);
  g_clear_object (&req->msg);
  g_clear_pointer (&req->buffer, g_byte_array_unref);
}

static void
request_free (gpointer data)
{
  Request *req = data;

  request_clear_attempt (req);
  source_clear (&req->wait);
  source_clear (&req->deadline);
  source_clear (&req->cancel_watch);
  g_free (req->method);
  g_free (req->url);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_free (req->if_none_match);
  g_free (req->if_range);
  g_free (req->idempotency_key);
  if (req->token != NULL)
    memset (req->token, 0, strlen (req->token));
  g_free (req->token);
  g_free (req->etag);
  g_free (req->content_type);
  g_clear_pointer (&req->response, g_bytes_unref);
  g_clear_object (&req->sink);
  g_free (req);
}

static void request_start_attempt (GTask *task);

/* GLib's own error, with GLib's translated message. */
static GError *
cancelled_error (GTask *task)
{
  GError *error = NULL;

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  return error;
}

/* The one way a request ends in an error: whatever is under way stops, the
 * task returns exactly once, and the reference that the step under way held
 * (the send or read, or the wait before a retry) is dropped. Note that
 * g_task_had_error() cannot tell whether the task returned: with
 * check-cancellable it is TRUE as soon as the cancellable is cancelled. */
static void
request_return_error (GTask  *task,
                      GError *error)
{
  Request *req = g_task_get_task_data (task);

  request_clear_attempt (req);
  source_clear (&req->wait);
  source_clear (&req->deadline);
  source_clear (&req->cancel_watch);
  g_assert (!req->returned);
  req->returned = TRUE;
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
cancel_watch_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  /* Runs once: a cancelled cancellable stays ready. */
  g_clear_pointer (&req->cancel_watch, g_source_unref);
  if (req->wait != NULL)
    {
      /* Backing off before a retry: the wait held the task's reference. */
      request_return_error (task, cancelled_error (task));
      return G_SOURCE_REMOVE;
    }
  /* Sending or reading: libsoup answers the callback under way with
   * G_IO_ERROR_CANCELLED, which ends the request there. It may do so before
   * g_cancellable_cancel() returns, so req is not touched after it. */
  if (req->attempt_cancellable != NULL)
    g_cancellable_cancel (req->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  g_debug ("%s %s: request deadline hit", req->method, req->url);
  /* The source is dispatching, so the context holds it until we return;
   * what follows may end the request at once. */
  g_clear_pointer (&req->deadline, g_source_unref);
  req->deadline_hit = TRUE;
  if (req->wait != NULL)
    /* Backing off before a retry: the wait held the task's reference. */
    request_return_error (task, wh_api_error_new (WH_API_ERROR_TIMEOUT, 0, NULL, -1));
  else if (req->attempt_cancellable != NULL)
    /* The attempt ends with G_IO_ERROR_CANCELLED, which map_transport_error
     * turns into WH_API_ERROR_TIMEOUT, and it is not tried again. */
    g_cancellable_cancel (req->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  g_clear_pointer (&req->wait, g_source_unref);
  /* The reference the wait held now belongs to the new attempt. */
  request_start_attempt (task);
  return G_SOURCE_REMOVE;
}

static guint
backoff_delay_ms (WhApi  *self,
                  guint   attempt,
                  GError *error)
{
  guint64 ceiling = self->base_ms;
  guint64 delay;
  gint64 retry_after = wh_api_error_get_retry_after (error);

  for (guint i = 1; i < attempt && ceiling < self->cap_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, self->cap_ms);
  /* Full jitter: clients that failed together do not come back together. */
  delay = (guint64) g_random_double_range (0, (double) ceiling);
  if (retry_after >= 0)
    delay = MAX (delay, MIN ((guint64) retry_after * 1000, self->max_retry_after_ms));
  return (guint) MIN (delay, G_MAXUINT);
}

/* The attempt failed with error (owned): try again later or give up. */
static void
request_attempt_failed (GTask  *task,
                        GError *error)
{
  WhApi *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint delay;

  request_clear_attempt (req);

  if (g_cancellable_is_cancelled (cancellable) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = cancelled_error (task);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || req->deadline_hit ||
      req->attempt >= req->max_attempts || !wh_api_error_is_transient (error))
    {
      request_return_error (task, error);
      return;
    }

  delay = backoff_delay_ms (self, req->attempt, error);
  if (req->deadline_us > 0 &&
      g_get_monotonic_time () + (gint64) delay * 1000 >= req->deadline_us)
    {
      /* No time left for another try: the reason is this one (a 429 with a
       * long Retry-After, say), not the deadline. */
      request_return_error (task, error);
      return;
    }
  g_debug ("%s %s: %s; retry %u/%u in %u ms", req->method, req->url, error->message,
           req->attempt + 1, req->max_attempts, delay);
  g_error_free (error);

  /* The cancel watch (still attached) ends the wait early. */
  req->wait = g_timeout_source_new (delay);
  g_source_set_callback (req->wait, wait_done_cb, task, NULL);
  g_source_attach (req->wait, g_task_get_context (task));
  /* task keeps its reference until wait_done_cb or cancel_watch_cb */
}

static GError *
map_transport_error (Request *req,
                     GTask   *task,
                     GError  *error)
{
  GError *mapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (req->deadline_hit && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          g_error_free (error);
          return wh_api_error_new (WH_API_ERROR_TIMEOUT, 0, NULL, -1);
        }
      return error;
    }
  g_debug ("%s %s: %s", req->method, req->url, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    mapped = wh_api_error_new (WH_API_ERROR_TIMEOUT, 0, NULL, -1);
  else if (error->domain == G_TLS_ERROR)
    mapped = wh_api_error_new (WH_API_ERROR_TLS, 0, NULL, -1);
  else
    mapped = wh_api_error_new (WH_API_ERROR_NETWORK, 0, NULL, -1);
  g_error_free (error);
  return mapped;
}

static void
request_decode_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Request *req = task_data;
  gpointer result = NULL;
  GDestroyNotify result_free = NULL;
  GError *error;

  error = req->decode (task, req, &result, &result_free);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, result_free);
}

static void
request_response_complete (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  guint status = req->status;

  if ((status >= 200 && status < 300) || (status == 304 && req->if_none_match != NULL))
    {
      const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (req->msg),
                                                       "ETag");

      if (etag != NULL && strlen (etag) <= MAX_ETAG_LENGTH && g_str_is_ascii (etag))
        req->etag = g_strdup (etag);
      req->content_type = g_strdup (soup_message_headers_get_content_type (
        soup_message_get_response_headers (req->msg), NULL));
      if (req->buffer != NULL)
        req->response = g_byte_array_free_to_bytes (g_steal_pointer (&req->buffer));
      else
        req->response = g_bytes_new (NULL, 0);
      request_clear_attempt (req);
      source_clear (&req->deadline);
      /* From here GTask's check-cancellable answers a cancellation. */
      source_clear (&req->cancel_watch);
      req->returned = TRUE;
      /* Decoding can take tens of milliseconds for a full page: not on the
       * context that runs the UI. */
      g_task_run_in_thread (task, request_decode_thread);
      g_object_unref (task);
      return;
    }
  else
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (req->msg);
      g_autofree char *code = NULL;
      g_autofree char *message = NULL;
      gint64 retry_after = parse_retry_after (headers);
      WhApiError kind;

      if (req->buffer != NULL && req->buffer->len > 0 && req->buffer->len <= ERROR_BODY_CAP)
        wh_error_body_parse ((const char *) req->buffer->data, req->buffer->len, &code, &message);
      kind = error_for_response (status, code);
      g_debug ("%s %s: HTTP %u %s: %s", req->method, req->url, status, code ? code : "-",
               message ? message : "-");
      request_attempt_failed (task, wh_api_error_new (kind, status, code, retry_after));
    }
}

static void read_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
sink_write_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        request_attempt_failed (task, map_transport_error (req, task, error));
      else
        request_attempt_failed (task, error);
      return;
    }
  if (req->progress != NULL)
    req->progress (req->sink_offset + req->sunk, req->sink_total, req->progress_data);
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, g_task_get_priority (task),
                                   req->attempt_cancellable, read_cb, task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      request_attempt_failed (task, map_transport_error (req, task, error));
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      request_response_complete (task);
      return;
    }
  if (req->sink != NULL && req->status >= 200 && req->status < 300)
    {
      gsize size;
      const void *data = g_bytes_get_data (bytes, &size);

      req->sunk += size;
      if (req->sunk > req->cap)
        {
          request_attempt_failed (task, wh_api_error_new (WH_API_ERROR_TOO_LARGE, req->status, NULL,
                                                       -1));
          return;
        }
      /* The bytes stay alive until the write is done: the source owns them. */
      g_object_set_data_full (G_OBJECT (task), "wh-sink-bytes", g_bytes_ref (bytes),
                              (GDestroyNotify) g_bytes_unref);
      g_output_stream_write_all_async (req->sink, data, size, g_task_get_priority (task),
                                       req->attempt_cancellable, sink_write_cb, task);
      return;
    }
  if (req->buffer->len + g_bytes_get_size (bytes) > req->cap)
    {
      if (req->status >= 200 && req->status < 300)
        {
          request_attempt_failed (task, wh_api_error_new (WH_API_ERROR_TOO_LARGE, req->status, NULL,
                                                       -1));
          return;
        }
      /* An error page that large is not the contract's: judge by its status. */
      g_byte_array_set_size (req->buffer, 0);
      request_response_complete (task);
      return;
    }
  g_byte_array_append (req->buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, g_task_get_priority (task),
                                   req->attempt_cancellable, read_cb, task);
}

/* A sink's 2xx: a 206 only for the tail asked for, whole up to its end,
 * within the cap. NULL when fine. */
static GError *
sink_check_range (Request            *req,
                  SoupMessageHeaders *headers,
                  goffset             length)
{
  goffset start = 0, end = 0, total = 0;

  req->sink_offset = 0;
  if (req->status != SOUP_STATUS_PARTIAL_CONTENT)
    return NULL;
  if (req->range_from == 0 ||
      !soup_message_headers_get_content_range (headers, &start, &end, &total) ||
      start < 0 || (guint64) start != req->range_from || total <= start || end != total - 1 ||
      (length >= 0 && length != total - start))
    return wh_api_error_literal (WH_API_ERROR_MALFORMED,
                                 wh_api_error_message (WH_API_ERROR_MALFORMED));
  if ((guint64) total > req->max_body)
    return wh_api_error_new (WH_API_ERROR_TOO_LARGE, req->status, NULL, -1);
  req->sink_offset = (guint64) start;
  req->sink_total = total;
  req->cap = req->max_body - (gsize) start;
  return NULL;
}

static void
sink_start_reading (GTask *task)
{
  Request *req = g_task_get_task_data (task);

  if (req->sink != NULL && req->progress != NULL && req->status >= 200 && req->status < 300)
    req->progress (req->sink_offset, req->sink_total, req->progress_data);
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, g_task_get_priority (task),
                                   req->attempt_cancellable, read_cb, task);
}

static void
sink_truncate_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GError *error = NULL;

  if (!G_IS_SEEKABLE (source_object) ||
      !g_seekable_truncate (G_SEEKABLE (source_object), 0, cancellable, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     "The download's file cannot start over");
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
sink_truncated_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        request_attempt_failed (task, map_transport_error (req, task, error));
      else
        request_attempt_failed (task, error);
      return;
    }
  sink_start_reading (task);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  WhApi *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;
  SoupMessageHeaders *headers;
  goffset length = -1;

  req->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (req->stream == NULL)
    {
      request_attempt_failed (task, map_transport_error (req, task, error));
      return;
    }

  req->status = soup_message_get_status (req->msg);
  headers = soup_message_get_response_headers (req->msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = soup_message_headers_get_content_length (headers);

  if (req->status == 304 && req->if_none_match == NULL)
    {
      request_attempt_failed (task, wh_api_error_new (WH_API_ERROR_HTTP, req->status, NULL, -1));
      return;
    }
  if (req->status >= 300 && req->status < 400 && req->status != 304)
    {
      /* The contract never redirects; following one could leave https or
       * hand the token to another host. Say which when it is a downgrade. */
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autoptr(GUri) target = NULL;
      WhApiError kind = WH_API_ERROR_REDIRECT;

      if (location != NULL)
        target = g_uri_parse_relative (soup_message_get_uri (req->msg), location,
                                       SOUP_HTTP_URI_FLAGS, NULL);
      if (target != NULL)
        {
          g_autofree char *target_url = g_uri_to_string (target);
          g_autoptr(GError) insecure = check_url (self, target_url);

          if (insecure != NULL)
            kind = WH_API_ERROR_INSECURE;
        }
      request_attempt_failed (task, wh_api_error_new (kind, req->status, NULL, -1));
      return;
    }

  req->cap = (req->status >= 200 && req->status < 300) ? req->max_body : ERROR_BODY_CAP;
  req->sink_total = length;
  if (req->sink != NULL && req->status >= 200 && req->status < 300 &&
      (error = sink_check_range (req, headers, length)) != NULL)
    {
      request_attempt_failed (task, error);
      return;
    }
  if (length > (goffset) req->cap)
    {
      if (req->status >= 200 && req->status < 300)
        {
          request_attempt_failed (task, wh_api_error_new (WH_API_ERROR_TOO_LARGE, req->status, NULL,
                                                       -1));
          return;
        }
      request_response_complete (task);
      return;
    }
  /* A body going to a sink is never held here. */
  req->buffer = g_byte_array_sized_new (length > 0 && req->sink == NULL ? (guint) length : 4096);
  req->content_length = length;
  if (req->sink != NULL && req->status >= 200 && req->status < 300)
    {
      if (req->started != NULL)
        req->started (soup_message_headers_get_one (headers, "ETag"),
                      soup_message_headers_get_one (headers, "X-Snapshot-Rev"),
                      req->sink_offset, req->started_data);
      if (req->range_from > 0 && req->sink_offset == 0)
        {
          /* A whole body where a tail was asked for: it starts over. */
          GTask *truncate = g_task_new (req->sink, req->attempt_cancellable, sink_truncated_cb,
                                        task);

          g_task_set_source_tag (truncate, send_cb);
          g_task_run_in_thread (truncate, sink_truncate_thread);
          g_object_unref (truncate);
          return;
        }
    }
  sink_start_reading (task);
}

/* libsoup sends a request again by itself when a kept-alive connection
 * closes before the answer comes. The body stream was read the first time:
 * without a fresh one the server gets an empty body, answers 400, and the
 * outbox drops the write for good (tests/test-faults.c, /faults/writes-once). */
static void
restarted_cb (SoupMessage *msg,
              Request     *req)
{
  soup_message_set_request_body_from_bytes (msg, "application/json", req->body);
}

static void
request_start_attempt (GTask *task)
{
  WhApi *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  SoupMessageHeaders *headers;
  GError *error;

  if (g_cancellable_is_cancelled (cancellable))
    {
      request_return_error (task, cancelled_error (task));
      return;
    }
  req->attempt++;
  if ((error = check_url (self, req->url)) != NULL)
    {
      request_attempt_failed (task, error);
      return;
    }
  req->msg = soup_message_new (req->method, req->url);
  if (req->msg == NULL)
    {
      request_attempt_failed (task, wh_api_error_new (WH_API_ERROR_BAD_REQUEST, 0, NULL, -1));
      return;
    }
  soup_message_add_flags (req->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (req->msg);
  soup_message_headers_replace (headers, "Accept", req->accept ? req->accept : "application/json");
  if (req->if_none_match != NULL)
    soup_message_headers_replace (headers, "If-None-Match", req->if_none_match);
  if (req->range_from > 0)
    {
      soup_message_headers_set_range (headers, (goffset) req->range_from, -1);
      if (req->if_range != NULL)
        soup_message_headers_replace (headers, "If-Range", req->if_range);
    }
  if (req->idempotency_key != NULL)
    soup_message_headers_replace (headers, "Idempotency-Key", req->idempotency_key);
  if (req->token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", req->token, NULL);
      soup_message_headers_replace (headers, "Authorization", value);
    }
  if (req->body != NULL)
    {
      soup_message_set_request_body_from_bytes (req->msg, "application/json", req->body);
      g_signal_connect (req->msg, "restarted", G_CALLBACK (restarted_cb), req);
    }

  req->attempt_cancellable = g_cancellable_new ();
  soup_session_send_async (self->session, req->msg, g_task_get_priority (task),
                           req->attempt_cancellable, send_cb, task);
}

/* Takes a reference on the task for the whole request. */
void
wh_api_request_run (GTask   *task,
             Request *req)
{
  WhApi *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_task_set_task_data (task, req, request_free);
  g_task_set_check_cancellable (task, TRUE);
  if (self->request_timeout > 0)
    {
      /* No reference either: request_free destroys it. */
      req->deadline_us = g_get_monotonic_time () + (gint64) self->request_timeout * G_USEC_PER_SEC;
      req->deadline = g_timeout_source_new_seconds (self->request_timeout);
      g_source_set_callback (req->deadline, deadline_cb, task, NULL);
      g_source_attach (req->deadline, g_task_get_context (task));
    }
  if (cancellable != NULL)
    {
      /* No reference: the watch never outlives the request (request_free). */
      req->cancel_watch = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel_watch, G_SOURCE_FUNC (cancel_watch_cb), task, NULL);
      g_source_attach (req->cancel_watch, g_task_get_context (task));
    }
  request_start_attempt (g_object_ref (task));
}

Request *
wh_api_request_new (WhApi      *self,
             const char *method,
             const char *path,
             DecodeFunc  decode)
{
  Request *req = g_new0 (Request, 1);

  req->method = g_strdup (method);
  req->url = g_strconcat (self->base_url, "/api/v1/", path, NULL);
  req->decode = decode;
  req->max_body = self->max_body;
  req->max_attempts = 1;
  return req;
}

GBytes *
wh_api_json_body (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length = 0;
  char *data;

  data = wh_json_to_data (root, &length);
  return g_bytes_new_take (data, length);
}

/* A codec's error becomes the client's, keeping its (translated) message. */
GError *
wh_api_from_codec_error (GError *error)
{
  GError *mapped;

  if (error->domain == WH_API_ERROR)
    return error;
  mapped = wh_api_error_literal (g_error_matches (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_LARGE)
                                ? WH_API_ERROR_TOO_LARGE : WH_API_ERROR_MALFORMED,
                              error->message);
  g_error_free (error);
  return mapped;
}

const char *
wh_api_response_data (Request *req,
               gsize   *length)
{
  return g_bytes_get_data (req->response, length);
}

JsonObject *
wh_api_parse_object (Request   *req,
              JsonNode **root,
              GError   **error)
{
  gsize length;
  const char *data = wh_api_response_data (req, &length);

  *root = wh_json_parse_bounded (data, length, 1024 * 1024, error);
  if (*root == NULL)
    return NULL;
  if (JSON_NODE_TYPE (*root) != JSON_NODE_OBJECT)
    {
      g_set_error_literal (error, WH_API_ERROR, WH_API_ERROR_MALFORMED,
                           wh_api_error_message (WH_API_ERROR_MALFORMED));
      return NULL;
    }
  return json_node_get_object (*root);
}

GError *
wh_api_decode_nothing (GTask          *task,
                gpointer        data,
                gpointer       *result,
                GDestroyNotify *result_free)
{
  *result = GINT_TO_POINTER (1);
  *result_free = NULL;
  return NULL;
}
