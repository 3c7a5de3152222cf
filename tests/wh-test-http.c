/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP helpers of the server's tests (tests/wh-test-http.h), moved out
 * of test-server.c when it was split by the server's areas. */
#include "config.h"

#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-test-http.h"

/* ------------------------------------------------------------------------ */
/* HTTP helpers */

void
response_free (Response *r)
{
  if (r == NULL)
    return;
  g_free (r->body);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_error (&r->error);
  g_free (r);
}

SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", 30, "max-conns", 64, "max-conns-per-host", 64,
                                        NULL);
}

/* headers: name, value, ..., NULL. body NULL sends none. */
Response *
request_full (SoupSession  *session,
              const char   *method,
              const char   *url,
              const char   *body,
              gsize         body_len,
              va_list       headers)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  Response *r = g_new0 (Response, 1);
  const char *name;

  g_assert_nonnull (msg);
  while ((name = va_arg (headers, const char *)) != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                  va_arg (headers, const char *));
  if (body != NULL)
    {
      g_autoptr(GBytes) request_body = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (msg, "application/json", request_body);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &r->error);
  r->status = soup_message_get_status (msg);
  if (bytes != NULL)
    {
      r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      r->length = g_bytes_get_size (bytes);
    }
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return r;
}

Response *
request (SoupSession *session,
         const char  *method,
         const char  *url,
         const char  *body,
         ...)
{
  va_list ap;
  Response *r;

  va_start (ap, body);
  r = request_full (session, method, url, body, body ? strlen (body) : 0, ap);
  va_end (ap);
  return r;
}

char *
api_url (WhTestServer *ts,
         const char   *path)
{
  return g_strconcat (wh_test_server_get_url (ts), "/api/v1/", path, NULL);
}

/* Every non-2xx response (but 304) carries {"error": {"code", "message"}}. */
void
assert_error (Response   *r,
              guint       status,
              const char *code)
{
  g_autofree char *got_code = NULL;
  g_autofree char *message = NULL;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                   "application/json");
  g_assert_true (wh_error_body_parse (r->body, r->length, &got_code, &message));
  g_assert_cmpstr (got_code, ==, code);
  g_assert_cmpuint (strlen (message), >, 0);
}

JsonNode *
parse_json (Response *r)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = wh_json_parse_bounded (r->body, r->length, 8 * 1024 * 1024, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return root;
}

/* ------------------------------------------------------------------------ */
/* Records */

WhRecord *
make_job (gint64  id,
          gint64  adcode,
          const char *title)
{
  WhRecord *r = wh_record_new (&wh_collection_jobs);

  r->id = id;
  wh_record_set_text (r, "title", title);
  wh_record_set_int (r, "employer_id", 1);
  wh_record_set_text (r, "employer_name", "北京城建集团");
  wh_record_set_text (r, "category", "电工");
  wh_record_set_int (r, "province_adcode", adcode / 10000 * 10000);
  wh_record_set_int (r, "city_adcode", adcode / 100 * 100);
  wh_record_set_int (r, "adcode", adcode);
  wh_record_set_int (r, "salary_min", 6000);
  wh_record_set_int (r, "salary_max", 9000);
  wh_record_set_text (r, "salary_period", "month");
  wh_record_set_text (r, "settlement", "monthly");
  wh_record_set_text (r, "posted_at", "2026-11-01");
  return r;
}

void
put_job (WhTestServer *ts,
         gint64        id,
         gint64        adcode,
         const char   *title)
{
  g_autoptr(WhRecord) r = make_job (id, adcode, title);

  wh_test_server_put_record (ts, r);
}

WhPage *
get_page (SoupSession  *session,
          WhTestServer *ts,
          const char   *collection,
          const char   *query)
{
  g_autofree char *path = g_strdup_printf ("%s/changes?%s", collection, query);
  g_autofree char *url = api_url (ts, path);
  g_autoptr(Response) r = request (session, "GET", url, NULL, NULL);
  g_autoptr(GError) error = NULL;
  WhPage *page;

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "ETag"));
  page = wh_page_from_json (wh_schema_lookup (collection), r->body, r->length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->n_rejected, ==, 0);
  return page;
}

WhTestServer *
start_empty (void)
{
  g_autoptr(GError) error = NULL;
  WhTestServer *ts = wh_test_server_start (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ts);
  return ts;
}

/* ------------------------------------------------------------------------ */
/* Sign-in */

/* 2026-11-20 12:00:00 in China Standard Time: inside a lunch window. */
gint64
cst_time_us (int day,
             int hour,
             int minute)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) dt = g_date_time_new (cst, 2026, 11, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

char *
json_string_member (Response   *r,
                    const char *name)
{
  g_autoptr(JsonNode) root = parse_json (r);
  const char *value = json_object_get_string_member_with_default (json_node_get_object (root),
                                                                  name, NULL);
  g_assert_nonnull (value);
  return g_strdup (value);
}

Response *
post_json (SoupSession  *session,
           WhTestServer *ts,
           const char   *path,
           const char   *body)
{
  g_autofree char *url = api_url (ts, path);
  return request (session, "POST", url, body, NULL);
}

/* Signs in with the demo code and returns the bearer token. */
char *
sign_in (SoupSession  *session,
         WhTestServer *ts,
         const char   *phone)
{
  g_autofree char *body = g_strdup_printf ("{\"phone\":\"%s\",\"code\":\"%s\"}", phone,
                                           WH_TEST_SERVER_DEMO_CODE);
  g_autoptr(Response) r = post_json (session, ts, "auth/login", body);

  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  return json_string_member (r, "token");
}

Response *
authed (SoupSession  *session,
        WhTestServer *ts,
        const char   *method,
        const char   *path,
        const char   *token,
        const char   *body)
{
  g_autofree char *url = api_url (ts, path);
  g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);

  return request (session, method, url, body, "Authorization", bearer, NULL);
}

/* ------------------------------------------------------------------------ */
/* Raw requests */

/* Sends bytes as they are, for requests a well-behaved client never makes.
 * Returns the status and sets body to what follows the headers. */
guint
raw_request (WhTestServer *ts,
             const char   *text,
             char        **body)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  GOutputStream *out;
  GInputStream *in;
  char buf[4096];
  gssize n;
  guint status = 0;
  const char *end;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) wh_test_server_get_port (ts),
                                          NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_assert_true (g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (reply, buf, n);
  if (sscanf (reply->str, "HTTP/1.%*d %u", &status) != 1)
    status = 0;
  end = strstr (reply->str, "\r\n\r\n");
  if (body)
    *body = g_strdup (end ? end + 4 : "");
  return status;
}

void
assert_error_text (const char *body,
                   const char *code)
{
  g_autofree char *got = NULL;

  g_assert_true (wh_error_body_parse (body, strlen (body), &got, NULL));
  g_assert_cmpstr (got, ==, code);
}
