/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhApi against a SoupServer in this process that sends what a hostile or
 * broken backend could: wrong types, missing members, huge and deep bodies,
 * invalid UTF-8, HTML, slow drips, drops, redirects. Every case must end in a
 * specific WH_API_ERROR code, never a crash or a hang. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "wh-api.h"
#include "wh-test.h"

/* What the server does with the next request. */
typedef enum
{
  MODE_STATIC,       /* status + body (+ content type, extra headers) */
  MODE_CHUNKED,      /* body sent chunked, no Content-Length */
  MODE_DRIP,         /* 200, one byte every 200 ms, forever */
  MODE_HANG,         /* never answers */
  MODE_DROP,         /* closes the connection without a response */
  MODE_SEQUENCE,     /* statuses[i] for the i-th request, then body */
} Mode;

typedef struct
{
  SoupServer *server;
  char       *base_url;
  WhApi      *api;

  Mode        mode;
  guint       status;
  char       *body;
  gsize       body_length;
  const char *content_type;
  char       *header_name;
  char       *header_value;
  guint       statuses[8];
  guint       n_requests;
  char       *last_path;
  char       *last_query;
  char       *last_authorization;
  char       *last_if_none_match;
  GPtrArray  *idempotency_keys;
} Fixture;

static void
set_body (Fixture    *f,
          guint       status,
          const char *body)
{
  g_free (f->body);
  f->mode = MODE_STATIC;
  f->status = status;
  f->body = g_strdup (body);
  f->body_length = strlen (body);
}

static void
set_body_take (Fixture *f,
               guint    status,
               char    *body,
               gsize    length)
{
  g_free (f->body);
  f->mode = MODE_STATIC;
  f->status = status;
  f->body = body;
  f->body_length = length;
}

static void
set_header (Fixture    *f,
            const char *name,
            const char *value)
{
  g_free (f->header_name);
  g_free (f->header_value);
  f->header_name = g_strdup (name);
  f->header_value = g_strdup (value);
}

typedef struct
{
  SoupServerMessage *msg;
  guint              source;
  gulong             finished_id;
  gulong             disconnected_id;
} Drip;

static void
drip_free (Drip *drip)
{
  if (drip->source != 0)
    g_source_remove (drip->source);
  g_signal_handler_disconnect (drip->msg, drip->finished_id);
  g_signal_handler_disconnect (drip->msg, drip->disconnected_id);
  g_object_unref (drip->msg);
  g_free (drip);
}

static gboolean
drip_cb (gpointer user_data)
{
  Drip *drip = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  soup_message_body_append (body, SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (drip->msg);
  return G_SOURCE_CONTINUE;
}

static void
drip_finished_cb (SoupServerMessage *msg,
                  Drip              *drip)
{
  drip_free (drip);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *key = soup_message_headers_get_one (request_headers, "Idempotency-Key");
  guint status = f->status;

  g_free (f->last_path);
  f->last_path = g_strdup (path);
  g_free (f->last_query);
  f->last_query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_free (f->last_authorization);
  f->last_authorization = g_strdup (soup_message_headers_get_one (request_headers,
                                                                  "Authorization"));
  g_free (f->last_if_none_match);
  f->last_if_none_match = g_strdup (soup_message_headers_get_one (request_headers,
                                                                  "If-None-Match"));
  if (key != NULL)
    g_ptr_array_add (f->idempotency_keys, g_strdup (key));
  f->n_requests++;

  switch (f->mode)
    {
    case MODE_HANG:
      soup_server_message_pause (msg);
      return;
    case MODE_DROP:
      {
        g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
        g_io_stream_close (stream, NULL, NULL);
      }
      return;
    case MODE_DRIP:
      {
        Drip *drip = g_new0 (Drip, 1);

        soup_server_message_set_status (msg, 200, NULL);
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
        drip->msg = g_object_ref (msg);
        drip->source = g_timeout_add (200, drip_cb, drip);
        drip->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (drip_finished_cb), drip);
        drip->disconnected_id = g_signal_connect (msg, "disconnected",
                                                  G_CALLBACK (drip_finished_cb), drip);
        soup_server_message_pause (msg);
      }
      return;
    case MODE_SEQUENCE:
      if (f->n_requests <= G_N_ELEMENTS (f->statuses) && f->statuses[f->n_requests - 1] != 0)
        status = f->statuses[f->n_requests - 1];
      break;
    case MODE_STATIC:
    case MODE_CHUNKED:
    default:
      break;
    }

  if (f->header_name != NULL)
    soup_message_headers_append (headers, f->header_name, f->header_value);
  if (status == 304)
    {
      soup_server_message_set_status (msg, 304, NULL);
      return;
    }
  if (status == 429 || status == 503)
    {
      g_autofree char *error = wh_error_body_new (status == 429 ? "too_many_requests"
                                                                : "unavailable", "later");
      soup_server_message_set_status (msg, status, NULL);
      if (soup_message_headers_get_one (headers, "Retry-After") == NULL)
        soup_message_headers_replace (headers, "Retry-After", "1");
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, error,
                                        strlen (error));
      return;
    }
  soup_server_message_set_status (msg, status, NULL);
  if (f->mode == MODE_CHUNKED)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_server_message_set_response (msg, f->content_type ? f->content_type : "application/json",
                                    SOUP_MEMORY_COPY, f->body, f->body_length);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, server_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  f->api = wh_api_new (f->base_url, &error);
  g_assert_no_error (error);
  /* Fast retries: the tests check that they happen, not how long they take. */
  wh_api_set_retry_policy (f->api, 3, 5, 20, 5000);
  wh_api_set_timeouts (f->api, 5, 5, 10);
  f->idempotency_keys = g_ptr_array_new_with_free_func (g_free);
  set_body (f, 200, "{}");
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->api);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  /* Let the sockets and paused messages go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (f->base_url);
  g_free (f->body);
  g_free (f->header_name);
  g_free (f->header_value);
  g_free (f->last_path);
  g_free (f->last_query);
  g_free (f->last_authorization);
  g_free (f->last_if_none_match);
  g_ptr_array_unref (f->idempotency_keys);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static WhPage *
get_jobs (Fixture    *f,
          const char *if_none_match,
          char      **etag,
          gboolean   *not_modified,
          GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_api_get_changes_async (f->api, &wh_collection_jobs, 0, 500, 0, FALSE, if_none_match, NULL,
                            wh_test_result_cb, &result);
  wait_for (&result);
  return wh_api_get_changes_finish (f->api, result, etag, not_modified, error);
}

static void
assert_jobs_error (Fixture   *f,
                   WhApiError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = get_jobs (f, NULL, NULL, NULL, &error);

  g_assert_null (page);
  g_assert_error (error, WH_API_ERROR, (gint) code);
  g_assert_nonnull (error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static char *
job_json (gint64      id,
          gint64      rev,
          const char *title)
{
  return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"rev\":%" G_GINT64_FORMAT ","
                          "\"title\":\"%s\",\"employer_id\":3,\"employer_name\":\"顺丰速运\","
                          "\"category\":\"物流\",\"salary_min\":5000,\"salary_max\":8000,"
                          "\"salary_period\":\"month\",\"settlement\":\"monthly\","
                          "\"posted_at\":\"2026-11-01\",\"adcode\":110105}",
                          id, rev, title);
}

static char *
page_json (const char *records,
           gint64      next_since)
{
  return g_strdup_printf ("{\"collection\":\"jobs\",\"since\":0,\"next_since\":%" G_GINT64_FORMAT
                          ",\"server_rev\":100,\"has_more\":false,\"records\":[%s]}",
                          next_since, records);
}

static void
test_page_ok (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *a = job_json (1, 5, "快递员");
  g_autofree char *b = job_json (2, 7, "保洁");
  g_autofree char *records = g_strdup_printf ("%s,{\"id\":9,\"rev\":6,\"deleted\":true},%s,"
                                              "{\"id\":4,\"rev\":8,\"title\":42}", a, b);
  g_autofree char *body = page_json (records, 8);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  g_autofree char *etag = NULL;
  gboolean not_modified = TRUE;

  set_body (f, 200, body);
  set_header (f, "ETag", "\"v1\"");
  page = get_jobs (f, NULL, &etag, &not_modified, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_false (not_modified);
  g_assert_cmpstr (etag, ==, "\"v1\"");
  g_assert_cmpstr (f->last_path, ==, "/api/v1/jobs/changes");
  g_assert_cmpstr (f->last_query, ==, "since=0&limit=500");
  /* one bad record is reported and skipped; the rest is kept */
  g_assert_cmpuint (page->records->len, ==, 3);
  g_assert_cmpuint (page->n_rejected, ==, 1);
  g_assert_cmpint (page->next_since, ==, 8);
  g_assert_null (f->last_authorization);
}

static void
test_not_modified (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  gboolean not_modified = FALSE;

  f->status = 304;
  page = get_jobs (f, "\"v1\"", NULL, &not_modified, &error);
  g_assert_no_error (error);
  g_assert_null (page);
  g_assert_true (not_modified);
  g_assert_cmpstr (f->last_if_none_match, ==, "\"v1\"");

  /* a 304 nobody asked for is not a page */
  assert_jobs_error (f, WH_API_ERROR_HTTP);
}

static void
test_query (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhPage) page = NULL;

  wh_api_get_changes_async (f->api, &wh_collection_jobs, 77, 99999, 110100, TRUE, NULL, NULL,
                            wh_test_result_cb, &result);
  wait_for (&result);
  page = wh_api_get_changes_finish (f->api, result, NULL, NULL, NULL);
  g_assert_null (page);
  g_assert_cmpstr (f->last_query, ==, "since=77&limit=2000&region=110100&count=1");

  /* region is for jobs only */
  g_clear_object (&result);
  wh_api_get_changes_async (f->api, &wh_collection_stations, 0, 10, 110100, FALSE, NULL, NULL,
                            wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_cmpstr (f->last_path, ==, "/api/v1/stations/changes");
  g_assert_cmpstr (f->last_query, ==, "since=0&limit=10");
}

static void
test_wrong_types (Fixture      *f,
                  gconstpointer data)
{
  static const char * const bodies[] = {
    "{\"collection\":\"jobs\",\"since\":\"0\",\"next_since\":1,\"server_rev\":1,"
    "\"has_more\":false,\"records\":[]}",
    "{\"collection\":\"jobs\",\"since\":0,\"next_since\":1,\"server_rev\":1,"
    "\"has_more\":\"no\",\"records\":[]}",
    "{\"collection\":\"jobs\",\"since\":0,\"next_since\":1,\"server_rev\":1,"
    "\"has_more\":false,\"records\":{}}",
    "{\"collection\":\"stations\",\"since\":0,\"next_since\":1,\"server_rev\":1,"
    "\"has_more\":false,\"records\":[]}",
    "{\"collection\":\"jobs\",\"since\":0,\"next_since\":1.5,\"server_rev\":1,"
    "\"has_more\":false,\"records\":[]}",
    "[1,2,3]",
    "\"jobs\"",
    "null",
    "{\"collection\":\"jobs\",\"since\":0,\"next_since\":99999999999999999999999,"
    "\"server_rev\":1,\"has_more\":false,\"records\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      set_body (f, 200, bodies[i]);
      assert_jobs_error (f, WH_API_ERROR_MALFORMED);
    }
}

static void
test_missing_members (Fixture      *f,
                      gconstpointer data)
{
  static const char * const bodies[] = {
    "{}",
    "{\"collection\":\"jobs\"}",
    "{\"collection\":\"jobs\",\"since\":0,\"next_since\":1,\"server_rev\":1,\"has_more\":false}",
    "{\"since\":0,\"next_since\":1,\"server_rev\":1,\"has_more\":false,\"records\":[]}",
    "{\"collection\":\"jobs\",\"since\":0,\"server_rev\":1,\"has_more\":false,\"records\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      set_body (f, 200, bodies[i]);
      assert_jobs_error (f, WH_API_ERROR_MALFORMED);
    }
}

static void
test_huge_body (Fixture      *f,
                gconstpointer data)
{
  gsize length = 50 * 1024 * 1024;
  char *body = g_malloc (length);

  memset (body, ' ', length);
  body[0] = '[';
  body[length - 1] = ']';
  /* refused from its Content-Length, before reading */
  set_body_take (f, 200, body, length);
  assert_jobs_error (f, WH_API_ERROR_TOO_LARGE);
  g_assert_cmpuint (f->n_requests, ==, 1);
  /* chunked: no length to judge by, so the read loop stops at the cap */
  f->mode = MODE_CHUNKED;
  assert_jobs_error (f, WH_API_ERROR_TOO_LARGE);
  g_assert_cmpuint (f->n_requests, ==, 2);
}

static void
test_deep_nesting (Fixture      *f,
                   gconstpointer data)
{
  gsize depth = 100000;
  GString *s = g_string_sized_new (2 * depth + 64);

  g_string_append (s, "{\"collection\":\"jobs\",\"records\":");
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  set_body_take (f, 200, s->str, s->len);
  g_string_free (s, FALSE);
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);
}

static void
test_invalid_utf8 (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *record = job_json (1, 5, "\xff\xfe\xc0\xaf");
  g_autofree char *body = page_json (record, 5);

  set_body (f, 200, body);
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);
}

static void
test_truncated (Fixture      *f,
                gconstpointer data)
{
  g_autofree char *record = job_json (1, 5, "电工");
  g_autofree char *body = page_json (record, 5);

  body[strlen (body) / 2] = '\0';
  set_body (f, 200, body);
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);
  set_body (f, 200, "");
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);
}

static void
test_html (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  static const char html[] = "<html><body><h1>502 Bad Gateway</h1></body></html>";

  f->content_type = "text/html";
  set_body (f, 200, html);
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);

  set_body (f, 502, html);
  page = get_jobs (f, NULL, NULL, NULL, &error);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_SERVER);
  g_assert_cmpuint (wh_api_error_get_status (error), ==, 502);
  g_assert_null (wh_api_error_get_server_code (error));
  /* 5xx is transient: retried up to the policy's 3 attempts */
  g_assert_cmpuint (f->n_requests, ==, 4);

  set_body (f, 418, html);
  assert_jobs_error (f, WH_API_ERROR_BAD_REQUEST);
  set_body (f, 299, "{}");
  assert_jobs_error (f, WH_API_ERROR_MALFORMED);
}

static void
test_huge_header (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *value = g_strnfill (1024 * 1024, 'x');
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;

  set_body (f, 200, "{}");
  set_header (f, "X-Huge", value);
  page = get_jobs (f, NULL, NULL, NULL, &error);
  /* libsoup may take or refuse it; either way a clean error, never a crash */
  g_assert_null (page);
  g_assert_nonnull (error);
  g_assert_true (error->domain == WH_API_ERROR);
  g_test_message ("huge header: %s", error->message);
}

static void
test_slow_drip (Fixture      *f,
                gconstpointer data)
{
  gint64 start = g_get_monotonic_time ();

  /* A byte every 200 ms dodges a 1 s I/O timeout; the deadline stops it. */
  wh_api_set_timeouts (f->api, 1, 5, 1);
  wh_api_set_retry_policy (f->api, 1, 5, 20, 5000);
  f->mode = MODE_DRIP;
  assert_jobs_error (f, WH_API_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_io_timeout (Fixture      *f,
                 gconstpointer data)
{
  gint64 start = g_get_monotonic_time ();

  wh_api_set_timeouts (f->api, 1, 5, 0);
  wh_api_set_retry_policy (f->api, 2, 5, 20, 5000);
  f->mode = MODE_HANG;
  assert_jobs_error (f, WH_API_ERROR_TIMEOUT);
  g_assert_cmpuint (f->n_requests, ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 6 * G_USEC_PER_SEC);
}

static void
test_drop (Fixture      *f,
           gconstpointer data)
{
  f->mode = MODE_DROP;
  assert_jobs_error (f, WH_API_ERROR_NETWORK);
  g_assert_cmpuint (f->n_requests, ==, 3);
}

static void
test_refused (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *url = NULL;

  /* a port that was free a moment ago: nobody listens */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  g_socket_close (socket, NULL);

  api = wh_api_new (url, &error);
  g_assert_no_error (error);
  wh_api_set_retry_policy (api, 2, 5, 10, 100);
  wh_api_get_changes_async (api, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, NULL, wh_test_result_cb,
                            &result);
  wait_for (&result);
  page = wh_api_get_changes_finish (api, result, NULL, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_assert_true (wh_api_error_is_transient (error));
}

static void
test_redirects (Fixture      *f,
                gconstpointer data)
{
  f->status = 302;
  set_header (f, "Location", "http://example.com/api/v1/jobs/changes");
  assert_jobs_error (f, WH_API_ERROR_INSECURE);
  f->status = 301;
  set_header (f, "Location", "https://example.com/api/v1/jobs/changes");
  assert_jobs_error (f, WH_API_ERROR_REDIRECT);
  f->status = 307;
  set_header (f, "Location", "/elsewhere");
  assert_jobs_error (f, WH_API_ERROR_REDIRECT);
  /* nothing was followed */
  g_assert_cmpuint (f->n_requests, ==, 3);
}

static void
test_insecure (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhPage) page = NULL;

  g_assert_null (wh_api_new ("ftp://example.com", &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_assert_null (wh_api_new ("not a url", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  api = wh_api_new ("http://example.com/", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_api_get_base_url (api), ==, "http://example.com");
  wh_api_get_changes_async (api, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, NULL, wh_test_result_cb,
                            &result);
  wait_for (&result);
  page = wh_api_get_changes_finish (api, result, NULL, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_INSECURE);
  g_assert_false (wh_api_error_is_transient (error));
  g_clear_error (&error);

  /* loopback in its spellings is fine */
  for (guint i = 0; i < 3; i++)
    {
      static const char * const ok[] = { "http://localhost:1", "http://127.0.0.2:1",
                                         "http://[::1]:1" };
      g_autoptr(WhApi) local = wh_api_new (ok[i], &error);
      g_autoptr(GAsyncResult) local_result = NULL;
      g_autoptr(WhPage) local_page = NULL;

      g_assert_no_error (error);
      wh_api_set_retry_policy (local, 1, 5, 5, 5);
      wh_api_get_changes_async (local, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, NULL,
                                wh_test_result_cb, &local_result);
      wait_for (&local_result);
      local_page = wh_api_get_changes_finish (local, local_result, NULL, NULL, &error);
      g_assert_null (local_page);
      g_assert_nonnull (error);
      g_assert_false (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_INSECURE));
      g_clear_error (&error);
    }
}

static void
test_retry_after (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *record = job_json (1, 5, "电工");
  g_autofree char *body = page_json (record, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  gint64 start = g_get_monotonic_time ();

  set_body (f, 200, body);
  f->mode = MODE_SEQUENCE;
  f->statuses[0] = 429;
  f->statuses[1] = 503;
  page = get_jobs (f, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (f->n_requests, ==, 3);
  /* two waits of at least Retry-After: 1 s each */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);

  /* past the retry budget, the last error comes back with its details */
  f->n_requests = 0;
  f->statuses[2] = 503;
  wh_api_set_retry_policy (f->api, 2, 5, 20, 100);
  g_clear_pointer (&page, wh_page_free);
  g_clear_error (&error);
  page = get_jobs (f, NULL, NULL, NULL, &error);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_UNAVAILABLE);
  g_assert_cmpint (wh_api_error_get_retry_after (error), ==, 1);
  g_assert_cmpstr (wh_api_error_get_server_code (error), ==, "unavailable");
  g_assert_cmpuint (f->n_requests, ==, 2);
}

static void
test_error_codes (Fixture      *f,
                  gconstpointer data)
{
  static const struct
  {
    guint       status;
    const char *code;
    WhApiError  expected;
  } cases[] = {
    { 409, "quota_exhausted", WH_API_ERROR_QUOTA_EXHAUSTED },
    { 409, "outside_serving_window", WH_API_ERROR_OUTSIDE_SERVING_WINDOW },
    { 409, "already_claimed_today", WH_API_ERROR_ALREADY_CLAIMED_TODAY },
    { 403, "not_eligible", WH_API_ERROR_NOT_ELIGIBLE },
    { 401, "invalid_code", WH_API_ERROR_INVALID_CODE },
    { 401, "unauthorized", WH_API_ERROR_UNAUTHORIZED },
    { 404, "not_found", WH_API_ERROR_NOT_FOUND },
    { 409, "something_new", WH_API_ERROR_CONFLICT },
    /* a code that does not fit its status does not change the kind */
    { 500, "quota_exhausted", WH_API_ERROR_SERVER },
    { 400, "unavailable", WH_API_ERROR_BAD_REQUEST },
  };

  wh_api_set_retry_policy (f->api, 1, 5, 5, 5);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = wh_error_body_new (cases[i].code, "English for the log");
      g_autoptr(GError) error = NULL;
      g_autoptr(WhPage) page = NULL;

      set_body (f, cases[i].status, body);
      page = get_jobs (f, NULL, NULL, NULL, &error);
      g_assert_error (error, WH_API_ERROR, (gint) cases[i].expected);
      g_assert_cmpstr (wh_api_error_get_server_code (error), ==, cases[i].code);
      g_assert_cmpuint (wh_api_error_get_status (error), ==, cases[i].status);
      g_assert_null (strstr (error->message, "English for the log"));
      if (cases[i].expected == WH_API_ERROR_QUOTA_EXHAUSTED)
        g_assert_cmpstr (error->message, ==,
                         "Today’s love meals at this merchant are all claimed.");
    }
}

static void
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  gint64 start = g_get_monotonic_time ();

  /* while waiting for an answer */
  f->mode = MODE_HANG;
  wh_api_get_changes_async (f->api, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, cancellable,
                            wh_test_result_cb, &result);
  g_timeout_add_once (100, cancel_cb, cancellable);
  wait_for (&result);
  page = wh_api_get_changes_finish (f->api, result, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  /* while backing off before a retry (Retry-After: 1 s, the wait is cut short) */
  g_clear_object (&result);
  g_clear_error (&error);
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  f->mode = MODE_STATIC;
  f->status = 503;
  start = g_get_monotonic_time ();
  wh_api_get_changes_async (f->api, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, cancellable,
                            wh_test_result_cb, &result);
  /* cancel once the 503 is answered, whatever the machine's speed */
  while (f->n_requests < 2)
    g_main_context_iteration (NULL, TRUE);
  start = g_get_monotonic_time ();
  g_timeout_add_once (200, cancel_cb, cancellable);
  wait_for (&result);
  page = wh_api_get_changes_finish (f->api, result, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->n_requests, ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 900 * 1000);

  /* already cancelled: nothing is sent */
  g_clear_object (&result);
  g_clear_error (&error);
  wh_api_get_changes_async (f->api, &wh_collection_jobs, 0, 10, 0, FALSE, NULL, cancellable,
                            wh_test_result_cb, &result);
  wait_for (&result);
  page = wh_api_get_changes_finish (f->api, result, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->n_requests, ==, 2);
}

static void
test_login (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires_at = NULL;
  static const char good[] =
    "{\"token\":\"tok-123\",\"expires_at\":\"2026-12-20T08:00:00+08:00\","
    "\"me\":{\"user_id\":5,\"phone\":\"13800138000\",\"union_member\":true,"
    "\"new_form_worker\":true,\"eligible\":true}}";
  static const char * const bad[] = {
    "{\"token\":\"a\\r\\nX-Evil: 1\",\"me\":{\"user_id\":5,\"phone\":\"1\","
    "\"union_member\":true,\"new_form_worker\":true,\"eligible\":true}}",
    "{\"token\":42,\"me\":{}}",
    "{\"token\":\"ok\"}",
    "{\"token\":\"ok\",\"me\":{\"user_id\":\"5\"}}",
    "[]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      set_body (f, 200, bad[i]);
      wh_api_login_async (f->api, "13800138000", "123456", NULL, wh_test_result_cb, &result);
      wait_for (&result);
      me = wh_api_login_finish (f->api, result, NULL, NULL, &error);
      g_assert_null (me);
      g_assert_error (error, WH_API_ERROR, WH_API_ERROR_MALFORMED);
      g_assert_null (wh_api_get_token (f->api));
      g_clear_error (&error);
      g_clear_object (&result);
    }

  set_body (f, 200, good);
  wh_api_login_async (f->api, "13800138000", "123456", NULL, wh_test_result_cb, &result);
  wait_for (&result);
  me = wh_api_login_finish (f->api, result, &token, &expires_at, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-123");
  g_assert_cmpstr (expires_at, ==, "2026-12-20T08:00:00+08:00");
  g_assert_cmpint (wh_record_get_int (me, "user_id"), ==, 5);
  g_assert_cmpstr (wh_api_get_token (f->api), ==, "tok-123");
  g_assert_cmpstr (f->last_path, ==, "/api/v1/auth/login");

  /* the token goes with calls that need it */
  g_clear_object (&result);
  g_clear_pointer (&me, wh_record_free);
  set_body (f, 200, "{\"user_id\":5,\"phone\":\"13800138000\",\"union_member\":true,"
                    "\"new_form_worker\":false,\"eligible\":false}");
  wh_api_get_me_async (f->api, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  me = wh_api_get_me_finish (f->api, result, &error);
  g_assert_no_error (error);
  g_assert_false (wh_record_get_bool (me, "eligible"));
  g_assert_cmpstr (f->last_authorization, ==, "Bearer tok-123");

  /* logout forgets the token even when the answer is lost */
  g_clear_object (&result);
  f->mode = MODE_DROP;
  wh_api_logout_async (f->api, NULL, wh_test_result_cb, &result);
  g_assert_null (wh_api_get_token (f->api));
  wait_for (&result);
  g_assert_false (wh_api_logout_finish (f->api, result, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_NETWORK);
  g_assert_cmpuint (f->n_requests, ==, G_N_ELEMENTS (bad) + 3);

  g_assert_false (wh_api_set_token (f->api, "bad token"));
  g_assert_false (wh_api_set_token (f->api, ""));
}

static void
test_request_code (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 resend_after = 0;
  g_autofree char *body = wh_error_body_new ("too_many_requests", "slow down");

  set_body (f, 200, "{\"sent\":true,\"expires_in\":300,\"resend_after\":60}");
  wh_api_request_code_async (f->api, "13800138000", NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_true (wh_api_request_code_finish (f->api, result, &resend_after, &error));
  g_assert_no_error (error);
  g_assert_cmpint (resend_after, ==, 60);

  /* never retried: a 429 comes straight back with its Retry-After */
  g_clear_object (&result);
  set_body (f, 429, body);
  f->n_requests = 0;
  wh_api_request_code_async (f->api, "13800138000", NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_false (wh_api_request_code_finish (f->api, result, &resend_after, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED);
  g_assert_cmpint (wh_api_error_get_retry_after (error), ==, 1);
  g_assert_cmpuint (f->n_requests, ==, 1);
  g_assert_cmpstr (error->message, ==, "A code was sent a moment ago. Ask again in 1 s.");

  /* The hourly limit of the place asking is not "a moment ago". */
  g_clear_object (&result);
  g_clear_error (&error);
  set_header (f, "Retry-After", "1790");
  wh_api_request_code_async (f->api, "13800138000", NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_false (wh_api_request_code_finish (f->api, result, &resend_after, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED);
  g_assert_cmpint (wh_api_error_get_retry_after (error), ==, 1790);
  g_assert_cmpstr (error->message, ==,
                   "Too many codes were asked for from this place. Try again in 30 minutes.");

  g_clear_object (&result);
  g_clear_error (&error);
  set_header (f, "X-Nothing", "1");
  set_body (f, 200, "{\"sent\":\"yes\"}");
  wh_api_request_code_async (f->api, "13800138000", NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_false (wh_api_request_code_finish (f->api, result, NULL, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_MALFORMED);
}

static void
test_claim (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autofree char *key = wh_api_new_idempotency_key ();
  static const char body[] =
    "{\"voucher_id\":\"v1\",\"merchant_id\":42,\"merchant_name\":\"老王面馆\","
    "\"code\":\"123456789012\",\"payload\":\"WH1.v1.42.20261120.123456789012.sig\","
    "\"day\":\"2026-11-20\",\"valid_until\":\"2026-11-20T23:59:59+08:00\","
    "\"status\":\"unused\",\"claimed_at\":\"2026-11-20T11:30:00+08:00\"}";

  g_assert_true (wh_api_set_token (f->api, "tok"));
  set_body (f, 201, body);
  f->mode = MODE_SEQUENCE;
  f->statuses[0] = 503;
  wh_api_claim_voucher_async (f->api, 42, key, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  voucher = wh_api_claim_voucher_finish (f->api, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (voucher, "code"), ==, "123456789012");
  /* the retry after the 503 carried the same key */
  g_assert_cmpuint (f->idempotency_keys->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->idempotency_keys, 0), ==, key);
  g_assert_cmpstr (g_ptr_array_index (f->idempotency_keys, 1), ==, key);

  g_clear_object (&result);
  set_body (f, 201, "{\"voucher_id\":\"v1\",\"merchant_id\":\"42\"}");
  wh_api_claim_voucher_async (f->api, 42, key, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_null (wh_api_claim_voucher_finish (f->api, result, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_MALFORMED);

  /* a list with one bad voucher is refused whole */
  g_clear_object (&result);
  g_clear_error (&error);
  {
    g_autofree char *list = g_strdup_printf ("{\"vouchers\":[%s,{\"voucher_id\":1}]}", body);
    g_autoptr(GPtrArray) vouchers = NULL;

    set_body (f, 200, list);
    wh_api_list_vouchers_async (f->api, NULL, wh_test_result_cb, &result);
    wait_for (&result);
    vouchers = wh_api_list_vouchers_finish (f->api, result, &error);
    g_assert_null (vouchers);
    g_assert_error (error, WH_API_ERROR, WH_API_ERROR_MALFORMED);
  }
  g_clear_object (&result);
  g_clear_error (&error);
  {
    g_autofree char *list = g_strdup_printf ("{\"vouchers\":[%s]}", body);
    g_autoptr(GPtrArray) vouchers = NULL;

    set_body (f, 200, list);
    wh_api_list_vouchers_async (f->api, NULL, wh_test_result_cb, &result);
    wait_for (&result);
    vouchers = wh_api_list_vouchers_finish (f->api, result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (vouchers->len, ==, 1);
  }
}

static void
test_replay (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"job_id\":3}", 12);

  set_body (f, 200, "{}");
  wh_api_replay_async (f->api, "PUT", "bookmarks/3", body, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_true (wh_api_replay_finish (f->api, result, &error));
  g_assert_cmpstr (f->last_path, ==, "/api/v1/bookmarks/3");

  g_clear_object (&result);
  wh_api_replay_async (f->api, "PUT", "../admin", body, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_false (wh_api_replay_finish (f->api, result, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);

  g_clear_object (&result);
  set_body (f, 204, "");
  wh_api_replay_async (f->api, "DELETE", "bookmarks/3", NULL, NULL, wh_test_result_cb, &result);
  wait_for (&result);
  g_assert_true (wh_api_replay_finish (f->api, result, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/api/page/ok", test_page_ok);
  ADD ("/api/page/not-modified", test_not_modified);
  ADD ("/api/page/query", test_query);
  ADD ("/api/hostile/wrong-types", test_wrong_types);
  ADD ("/api/hostile/missing-members", test_missing_members);
  ADD ("/api/hostile/huge-body", test_huge_body);
  ADD ("/api/hostile/deep-nesting", test_deep_nesting);
  ADD ("/api/hostile/invalid-utf8", test_invalid_utf8);
  ADD ("/api/hostile/truncated", test_truncated);
  ADD ("/api/hostile/html", test_html);
  ADD ("/api/hostile/huge-header", test_huge_header);
  ADD ("/api/hostile/slow-drip", test_slow_drip);
  ADD ("/api/hostile/redirects", test_redirects);
  ADD ("/api/transport/io-timeout", test_io_timeout);
  ADD ("/api/transport/drop", test_drop);
  ADD ("/api/transport/refused", test_refused);
  ADD ("/api/transport/retry-after", test_retry_after);
  ADD ("/api/transport/cancel", test_cancel);
  ADD ("/api/errors/codes", test_error_codes);
  ADD ("/api/auth/login", test_login);
  ADD ("/api/auth/request-code", test_request_code);
  ADD ("/api/vouchers/claim", test_claim);
  ADD ("/api/outbox/replay", test_replay);
#undef ADD
  g_test_add_func ("/api/insecure", test_insecure);

  return g_test_run ();
}
