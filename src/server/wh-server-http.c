/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-http.c: what the reference backend adds to libsoup at the HTTP
 * level, so that every refusal is the contract's JSON error.
 *
 * Requests libsoup cannot read. libsoup 3.2 answers a request whose request
 * line or headers it cannot parse (a bad percent-escape in the path or
 * query, no Host, garbage for a request line) with 400, an unknown
 * Transfer-Encoding with 501, an unknown Expect with 417 and an HTTP version
 * other than 1.x with 505, and it writes that answer right after parsing
 * with no signal in between (soup-server-message-io-http1.c, io_read →
 * io_write). The one hook before it is SoupServer::request-started, which
 * comes before the request is parsed. So every message starts out carrying
 * the JSON error body of an unreadable request, and got-headers, which
 * comes only for a request that parsed, takes it away again. That body has
 * to fit each of those statuses: its code is bad_request.
 *
 * Body framing. RFC 9112 6.3: a request with several Content-Length values
 * that differ, or one that is not a decimal number, or a Content-Length
 * together with a Transfer-Encoding, has no reliable length; libsoup 3.2
 * would take the last value and wait for that many bytes (a hang when the
 * client sent fewer). Such a request is answered with 400 at once, without
 * reading its body, and its connection closed, since whatever follows on it
 * cannot be told apart from the body. That answer is written here: libsoup
 * only writes a response after it has read the whole body.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-server-private.h"

/* How long a refused connection is read for the rest of its body after the
 * answer, so that unread bytes do not make the kernel reset the connection
 * (and the client lose the answer) when it closes. */
#define LINGER_US         (2 * G_USEC_PER_SEC)
#define LINGER_MAX_BYTES  (1024 * 1024)

/* ------------------------------------------------------------------------ */
/* Body framing */

/* At most one Content-Length, of decimal digits only (libsoup also takes
 * "+5" and "-1", the latter as 2^64 - 1), and never with Transfer-Encoding. */
static gboolean
framing_is_valid (SoupMessageHeaders *headers)
{
  /* Several Content-Length fields come back joined by ", ". */
  const char *length = soup_message_headers_get_list (headers, "Content-Length");
  gsize n;

  if (length == NULL)
    return TRUE;
  if (soup_message_headers_get_one (headers, "Transfer-Encoding") != NULL)
    return FALSE;
  n = strlen (length);
  /* 18 digits cannot overflow 64 bits; the body limit is far below. */
  if (n == 0 || n > 18)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (length[i]))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GIOStream *stream;
  GSocket   *socket;
  gint64     deadline_us; /* monotonic */
  gsize      drained;
} Linger;

static void
linger_free (Linger *linger)
{
  g_io_stream_close (linger->stream, NULL, NULL);
  g_object_unref (linger->stream);
  g_object_unref (linger->socket);
  g_free (linger);
}

/* Reads and drops what the client still sends until it closes, the deadline
 * passes or enough came: RFC 9112 9.6's lingering close. */
static gboolean
linger_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  Linger *linger = user_data;
  char buf[4096];

  if (g_get_monotonic_time () >= linger->deadline_us)
    return G_SOURCE_REMOVE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, buf, sizeof buf, FALSE, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        return G_SOURCE_REMOVE;
      linger->drained += (gsize) n;
      if (linger->drained > LINGER_MAX_BYTES)
        return G_SOURCE_REMOVE;
    }
}

/* Writes the response msg carries on stream, then closes the connection. */
static void
answer_and_close (SoupServerMessage *msg,
                  GIOStream         *stream)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  g_autoptr(GString) head = g_string_new (NULL);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  GSocket *socket;
  Linger *linger;
  GSource *source;

  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", soup_server_message_get_status (msg),
                          soup_server_message_get_reason_phrase (msg));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (head, "%s: %s\r\n", name, value);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                          g_bytes_get_size (body));
  /* A few hundred bytes into an idle connection's send buffer. */
  if (!g_output_stream_write_all (out, head->str, head->len, NULL, NULL, NULL) ||
      !g_output_stream_write_all (out, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  NULL, NULL, NULL) ||
      !G_IS_SOCKET_CONNECTION (stream))
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  linger = g_new0 (Linger, 1);
  linger->stream = g_object_ref (stream);
  linger->socket = g_object_ref (socket);
  linger->deadline_us = g_get_monotonic_time () + LINGER_US;
  /* A source, not an async call: one still pending when the server's
   * context goes away is destroyed with it and frees the connection. */
  source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_ready_time (source, linger->deadline_us);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) linger_cb, linger,
                         (GDestroyNotify) linger_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

typedef struct
{
  GWeakRef           server;
  SoupServerMessage *msg;
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_weak_ref_clear (&refusal->server);
  g_object_unref (refusal->msg);
  g_free (refusal);
}

static gboolean
refusal_cb (gpointer user_data)
{
  Refusal *refusal = user_data;
  g_autoptr(WhServer) self = g_weak_ref_get (&refusal->server);
  g_autoptr(GIOStream) stream = NULL;

  /* The server or the client may have gone away meanwhile. */
  if (self == NULL || !g_hash_table_remove (self->active, refusal->msg))
    return G_SOURCE_REMOVE;
  stream = soup_server_message_steal_connection (refusal->msg);
  if (stream != NULL)
    answer_and_close (refusal->msg, stream);
  return G_SOURCE_REMOVE;
}

/* Answers 400 and closes the connection, without reading the body. */
static void
refuse_framing (WhServer          *self,
                SoupServerMessage *msg)
{
  Refusal *refusal;
  GSource *source;

  wh_server_respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                           "The body's length is not one Content-Length of decimal digits.");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  /* libsoup is inside its read loop here; the connection is taken from it
   * from the main loop, once it has stopped on the pause. */
  soup_server_message_pause (msg);
  refusal = g_new0 (Refusal, 1);
  g_weak_ref_init (&refusal->server, self);
  refusal->msg = g_object_ref (msg);
  source = g_idle_source_new ();
  g_source_set_callback (source, refusal_cb, refusal, (GDestroyNotify) refusal_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  /* Also when libsoup's own checks refused it before the early handler. */
  g_hash_table_add (self->active, msg);
}

/* ------------------------------------------------------------------------ */
/* Requests libsoup cannot read */

/* Runs after libsoup's own got-headers handler and so after the early
 * handler, whatever they decided. */
static void
got_headers_cb (SoupServerMessage *msg,
                WhServer          *self)
{
  if (!framing_is_valid (soup_server_message_get_request_headers (msg)))
    {
      refuse_framing (self, msg);
      return;
    }
  /* Parsed: the handlers give the answer and its body from here on. A
   * status set already (libsoup's own checks, the early handler) keeps the
   * body it has. */
  if (soup_server_message_get_status (msg) == 0)
    soup_server_message_set_response (msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
}

void
wh_server_http_request_started (WhServer          *self,
                                SoupServerMessage *msg)
{
  char *body = wh_error_body_new ("bad_request", "The server cannot read this request.");

  /* No status yet: libsoup's own got-headers handler skips a message that
   * has one. */
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body,
                                    strlen (body));
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
}
