/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend at the HTTP level, with raw bytes on a socket:
 * requests libsoup cannot read, and bodies whose length is ambiguous, get
 * the contract's JSON error (data/api/CONTRACT.md, "Errors") and never a
 * hang; the routes match only what data/api/openapi.yaml lists. */
#include "config.h"

#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* A refusal comes at once; this only bounds a server that hangs. */
#define REPLY_TIMEOUT_S 10

typedef struct
{
  guint    status;
  char    *head;    /* status line and headers */
  char    *body;
  gboolean closed;  /* the server closed the connection after it */
} Reply;

static void
reply_free (Reply *r)
{
  g_free (r->head);
  g_free (r->body);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

/* Sends text as it is and reads until the server closes the connection or
 * REPLY_TIMEOUT_S passes: a request without "Connection: close" must be
 * closed by the server itself. */
static Reply *
raw_request (WhTestServer *ts,
             const char   *text,
             gsize         len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  Reply *r = g_new0 (Reply, 1);
  GInputStream *in;
  const char *end;
  char buf[4096];

  conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                          (guint16) wh_test_server_get_port (ts), NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), REPLY_TIMEOUT_S);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                            text, len, NULL, NULL, &error));
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      if (n > 0)
        {
          g_string_append_len (reply, buf, n);
          continue;
        }
      /* A timeout leaves closed FALSE; a reset after the answer is a close. */
      r->closed = n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      break;
    }
  if (sscanf (reply->str, "HTTP/1.%*d %u", &r->status) != 1)
    r->status = 0;
  end = strstr (reply->str, "\r\n\r\n");
  r->head = g_strndup (reply->str, end ? (gsize) (end - reply->str) : reply->len);
  r->body = g_strdup (end ? end + 4 : "");
  return r;
}

static Reply *
raw_request_str (WhTestServer *ts,
                 const char   *text)
{
  return raw_request (ts, text, strlen (text));
}

/* The answer is status with the JSON error body of code, the connection
 * closed by the server. */
static void
assert_refused (Reply      *r,
                guint       status,
                const char *code)
{
  g_autofree char *got = NULL;

  g_assert_true (r->closed);
  g_assert_cmpuint (r->status, ==, status);
  g_assert_nonnull (strstr (r->head, "\r\nContent-Type: application/json"));
  g_assert_true (wh_error_body_parse (r->body, strlen (r->body), &got, NULL));
  g_assert_cmpstr (got, ==, code);
}

static WhTestServer *
start_server (void)
{
  g_autoptr(GError) error = NULL;
  WhTestServer *ts = wh_test_server_start ("tiny", &error);

  g_assert_no_error (error);
  return ts;
}

/* Requests libsoup refuses itself while parsing, before any handler. */
static void
test_unreadable (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  static const struct
  {
    const char *text;
    guint       status;
  } cases[] = {
    /* a bad percent-escape in the path, and in the query */
    { "GET /api/v1/courses/changes%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "GET /api/v1/media/courses/5.svg%2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "GET /api/v1/courses/changes?since=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    /* a header line without a colon (here the Host, which is required) */
    { "GET /api/v1/courses/changes HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 400 },
    /* a request line that is not one */
    { "GARBAGE\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "GET /api/v1/me and more HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    { "GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1/x\r\n\r\n", 400 },
    /* RFC 9112 6.1 and RFC 9110 15.6.6, 15.5.18: what the server does not
     * implement */
    { "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      501 },
    { "GET /api/v1/me HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505 },
    { "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: something\r\n"
      "Content-Length: 2\r\n\r\n{}", 417 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) r = raw_request_str (ts, cases[i].text);

      g_test_message ("%s", cases[i].text);
      assert_refused (r, cases[i].status, "bad_request");
    }
  /* A NUL itself, which a C string above cannot carry. */
  {
    static const char text[] = "GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\0c\r\n\r\n";
    g_autoptr(Reply) r = raw_request (ts, text, sizeof text - 1);

    assert_refused (r, 400, "bad_request");
  }
}

/* Every answer a handler gives without a body keeps having none: the body
 * an unreadable request would get is taken away once the request parsed. */
static void
test_parsed_has_own_body (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  g_autoptr(Reply) first = raw_request_str (ts, "GET /api/v1/courses/changes HTTP/1.1\r\n"
                                                "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
  g_autoptr(Reply) again = NULL;
  g_autofree char *text = NULL;
  const char *etag;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpuint (first->status, ==, 200);
  g_assert_true (g_str_has_prefix (first->body, "{\"collection\":\"courses\""));
  lines = g_strsplit (first->head, "\r\n", -1);
  etag = NULL;
  for (guint i = 0; lines[i]; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "ETag: ", 6) == 0)
        etag = lines[i] + 6;
    }
  g_assert_nonnull (etag);
  text = g_strdup_printf ("GET /api/v1/courses/changes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "If-None-Match: %s\r\nConnection: close\r\n\r\n", etag);
  again = raw_request_str (ts, text);
  g_assert_cmpuint (again->status, ==, 304);
  g_assert_cmpstr (again->body, ==, "");
  g_assert_null (strstr (again->head, "Content-Type"));
}

/* RFC 9112 6.3: a body whose length is not one Content-Length of digits is
 * refused at once, unread, and the connection closed. */
static void
test_content_length (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  static const char *cases[] = {
    /* two that differ, the body as long as the first (libsoup waited for
     * the second) */
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Content-Length: 5\r\nContent-Length: 7\r\n\r\n{\"a\":",
    /* the same twice (RFC 9110 8.6 lets a server refuse it) */
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
    "Content-Length: 2\r\n\r\n{}",
    /* -1, which libsoup read as 2^64 - 1 (413, then waited for the body) */
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n{}",
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +2\r\n\r\n{}",
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Length: 99999999999999999999999\r\n\r\n{}",
    /* not a number, and a list in one field (libsoup's own 400) */
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2x\r\n\r\n{}",
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2, 3\r\n\r\n{}",
    /* with a Transfer-Encoding, which would override it */
    "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    /* on a GET too */
    "GET /api/v1/courses/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n"
    "Content-Length: 3\r\n\r\nx",
    /* on a request libsoup refuses itself once its headers are read */
    "GET https://127.0.0.1/api/v1/courses/changes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Length: 1\r\nContent-Length: 3\r\n\r\nx",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Reply) r = raw_request_str (ts, cases[i]);

      g_test_message ("%s", cases[i]);
      assert_refused (r, 400, "bad_request");
    }
  /* The server goes on serving. */
  {
    g_autoptr(Reply) r = raw_request_str (ts, "GET /api/v1/courses/changes HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* The changes feeds are /{collection}/changes for a synced collection
 * only; other paths ending in /changes belong to the routes that own them. */
static void
test_changes_routes (void)
{
  g_autoptr(WhTestServer) ts = start_server ();
  static const struct
  {
    const char *path;
    guint       status;
    const char *code;
  } cases[] = {
    { "courses/changes", 200, NULL },
    { "merchants/changes", 200, NULL },
    /* the image route's: no such image */
    { "media/changes", 404, "not_found" },
    /* routes of another method */
    { "progress/changes", 405, "method_not_allowed" },
    { "bookmarks/changes", 405, "method_not_allowed" },
    { "quiz-attempts/changes", 405, "method_not_allowed" },
    { "station-reports/changes", 405, "method_not_allowed" },
    /* documents have no feed */
    { "vouchers/changes", 404, "not_found" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("GET /api/v1/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Connection: close\r\n\r\n", cases[i].path);
      g_autoptr(Reply) r = raw_request_str (ts, text);

      g_test_message ("%s", cases[i].path);
      if (cases[i].code)
        assert_refused (r, cases[i].status, cases[i].code);
      else
        g_assert_cmpuint (r->status, ==, cases[i].status);
    }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server-http/unreadable", test_unreadable);
  g_test_add_func ("/server-http/parsed-has-own-body", test_parsed_has_own_body);
  g_test_add_func ("/server-http/content-length", test_content_length);
  g_test_add_func ("/server-http/changes-routes", test_changes_routes);
  return g_test_run ();
}
