/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-net.c: the reference backend's listener and its connections.
 *
 * SoupServer 3.2 accepts on its own listener, which gives up for good on
 * the first failed accept() (EMFILE), and it has no timeouts: a client
 * that sends half a request holds its connection forever. So the server
 * accepts connections itself and hands each one to
 * soup_server_accept_iostream(). That lets it
 *  - back off and retry when accept() fails, logging it, instead of
 *    going deaf;
 *  - refuse a connection past the cap in all or per client address, with
 *    a 503 written straight to the socket;
 *  - close a connection whose request headers, body or next request (on
 *    an idle keep-alive connection) do not arrive in time, and one whose
 *    client stops reading a response. One sweep over the connections
 *    does it, not a timer per connection.
 *
 * It also says who the client is: its address, or behind a trusted proxy
 * the address the proxy forwarded; IPv6 clients by their /64, which is
 * what one host or home usually gets.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gnetworking.h>
#include <glib/gstdio.h>

#include "wh-codec.h"
#include "wh-server-private.h"

/* Descriptors kept free for the database, media files and logs when the
 * connection cap is derived from RLIMIT_NOFILE. */
#define FD_RESERVE            64
#define DEFAULT_MAX_CONNECTIONS 4096
#define ACCEPT_BURST          64
#define ACCEPT_RETRY_MS       250
#define FORWARDED_MAX_HOPS    16

typedef enum
{
  CONN_HEADERS, /* waiting for (the rest of) a request's headers */
  CONN_IDLE,    /* keep-alive: answered, waiting for the next request */
  CONN_BODY,    /* headers read, waiting for the body */
  CONN_BUSY,    /* being handled (or paused by a fault): no deadline */
  CONN_WRITING, /* the response is being written */
} ConnState;

struct _WhConn
{
  WhServer          *server;
  GSocketConnection *stream;
  GSocketAddress    *remote;
  char              *key;      /* per-address cap; NULL for a trusted proxy */
  ConnState          state;
  gint64             deadline; /* monotonic µs; 0 = none */
  guint              n_requests;
  gboolean           closing;
  gint64             closing_since;
  /* The request being read or answered; not a reference, only compared:
   * libsoup starts the next request before the last signals of the one
   * before. */
  SoupServerMessage *current;
};

static const char conn_quark_name[] = "wh-server-conn";

/* ------------------------------------------------------------------------ */
/* Who the client is */

/* An IPv4 client that reached a dual-stack socket looks like ::ffff:a.b.c.d;
 * it is the same client as a.b.c.d. */
static GInetAddress *
unmap_address (GInetAddress *address)
{
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (address);
      static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, prefix, sizeof prefix) == 0)
        return g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
    }
  return g_object_ref (address);
}

char *
wh_server_client_key (GInetAddress *address)
{
  g_autoptr(GInetAddress) plain = NULL;
  const guint8 *b;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  plain = unmap_address (address);
  if (g_inet_address_get_family (plain) == G_SOCKET_FAMILY_IPV4)
    return g_inet_address_to_string (plain);
  /* One host gets a /64 (SLAAC and privacy addresses change the rest at
   * will): keying on the whole address would give it endless buckets. */
  b = g_inet_address_to_bytes (plain);
  return g_strdup_printf ("%x:%x:%x:%x::/64", b[0] << 8 | b[1], b[2] << 8 | b[3],
                          b[4] << 8 | b[5], b[6] << 8 | b[7]);
}

static gboolean
is_trusted_proxy (WhServer     *self,
                  GInetAddress *address)
{
  g_autoptr(GInetAddress) plain = NULL;

  if (self->trusted_proxies->len == 0)
    return FALSE;
  plain = unmap_address (address);
  for (guint i = 0; i < self->trusted_proxies->len; i++)
    if (g_inet_address_equal (plain, g_ptr_array_index (self->trusted_proxies, i)))
      return TRUE;
  return FALSE;
}

/* One X-Forwarded-For entry: an address, maybe "[v6]:port" or "v4:port". */
static GInetAddress *
parse_forwarded (const char *entry)
{
  g_autofree char *s = g_strstrip (g_strdup (entry));
  GInetAddress *address = g_inet_address_new_from_string (s);
  char *end;

  if (address != NULL)
    return address;
  if (s[0] == '[' && (end = strchr (s, ']')) != NULL)
    {
      *end = '\0';
      return g_inet_address_new_from_string (s + 1);
    }
  if ((end = strchr (s, ':')) != NULL && strchr (end + 1, ':') == NULL)
    {
      *end = '\0';
      return g_inet_address_new_from_string (s);
    }
  return NULL;
}

char *
wh_server_client_for_message (WhServer          *self,
                              SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *peer;
  const char *forwarded;
  g_auto(GStrv) hops = NULL;
  guint n, stop;

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;
  peer = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (!is_trusted_proxy (self, peer))
    return wh_server_client_key (peer);

  /* Behind a trusted proxy the client is the last address it appended;
   * earlier ones are the client's own say and count only when a trusted
   * proxy put them there too (chained proxies). */
  forwarded = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                             "X-Forwarded-For");
  if (forwarded == NULL)
    return wh_server_client_key (peer);
  hops = g_strsplit (forwarded, ",", -1);
  n = g_strv_length (hops);
  stop = n > FORWARDED_MAX_HOPS ? n - FORWARDED_MAX_HOPS : 0;
  for (guint i = n; i > stop; i--)
    {
      g_autoptr(GInetAddress) hop = parse_forwarded (hops[i - 1]);

      if (hop == NULL)
        break;
      if (!is_trusted_proxy (self, hop))
        return wh_server_client_key (hop);
    }
  /* Only proxies, or garbage: the proxy itself is the client. */
  return wh_server_client_key (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

/* ------------------------------------------------------------------------ */
/* Connections */

static void
conn_free (WhConn *conn)
{
  WhServer *self = conn->server;

  if (conn->key != NULL)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->conns_per_key, conn->key));

      if (n <= 1)
        g_hash_table_remove (self->conns_per_key, conn->key);
      else
        g_hash_table_insert (self->conns_per_key, g_strdup (conn->key), GUINT_TO_POINTER (n - 1));
    }
  g_object_set_data (G_OBJECT (conn->remote), conn_quark_name, NULL);
  g_object_unref (conn->remote);
  g_object_unref (conn->stream);
  g_free (conn->key);
  g_free (conn);
}

/* Messages can outlive their connection (a paused one), so they find it
 * through the remote address libsoup keeps, never hold it. */
static WhConn *
conn_for_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote ? g_object_get_data (G_OBJECT (remote), conn_quark_name) : NULL;
}

/* The connection, if msg is its current request and it is not closing. */
static WhConn *
conn_for_current (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_message (msg);

  return conn && conn->current == msg && !conn->closing ? conn : NULL;
}

static void
conn_set_state (WhConn    *conn,
                ConnState  state)
{
  WhServer *self = conn->server;
  guint timeout_s = 0;

  conn->state = state;
  switch (state)
    {
    case CONN_HEADERS:
      timeout_s = self->header_timeout_s;
      break;
    case CONN_IDLE:
      timeout_s = self->idle_timeout_s;
      break;
    case CONN_BODY:
    case CONN_WRITING:
      timeout_s = self->body_timeout_s;
      break;
    case CONN_BUSY:
      break;
    default:
      g_assert_not_reached ();
    }
  conn->deadline = timeout_s ? g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC : 0;
}

static void
conn_close (WhConn *conn)
{
  GSocket *socket = g_socket_connection_get_socket (conn->stream);

  /* libsoup polls the socket: after a shutdown it reads the end of the
   * stream (or fails to write), disconnects, and the message's
   * "disconnected" releases the connection. Closing the descriptor under
   * its feet instead would leave it polling a dead one. */
  conn->closing = TRUE;
  conn->closing_since = g_get_monotonic_time ();
  conn->deadline = 0;
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static void
msg_got_headers_cb (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_current (msg);

  if (conn)
    conn_set_state (conn, CONN_BODY);
}

static void
msg_got_body_cb (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_current (msg);

  if (conn)
    conn_set_state (conn, CONN_BUSY);
}

/* Each piece written restarts the clock: a client reading a large media
 * file slowly is fine, one that stopped reading is not. */
static void
msg_wrote_cb (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_current (msg);

  if (conn)
    conn_set_state (conn, CONN_WRITING);
}

/* Answered: a keep-alive connection now idles until the first byte of its
 * next request, when libsoup starts that request. */
static void
msg_wrote_body_cb (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_current (msg);

  if (conn)
    conn_set_state (conn, CONN_IDLE);
}

static void
msg_disconnected_cb (SoupServerMessage *msg)
{
  WhConn *conn = conn_for_message (msg);

  if (conn)
    g_hash_table_remove (conn->server->conns, conn);
}

void
wh_server_net_request_started (WhServer          *self,
                               SoupServerMessage *msg)
{
  WhConn *conn = conn_for_message (msg);

  if (conn == NULL)
    return;
  conn->n_requests++;
  conn->current = msg;
  /* libsoup starts a connection's first request when it accepts it, the
   * next ones when their first byte arrives: either way the headers are
   * due now. */
  conn_set_state (conn, CONN_HEADERS);
  g_signal_connect (msg, "got-headers", G_CALLBACK (msg_got_headers_cb), NULL);
  g_signal_connect (msg, "got-body", G_CALLBACK (msg_got_body_cb), NULL);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (msg_wrote_cb), NULL);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (msg_wrote_cb), NULL);
  g_signal_connect (msg, "wrote-body", G_CALLBACK (msg_wrote_body_cb), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (msg_disconnected_cb), NULL);
}

static gboolean
sweep_cb (gpointer user_data)
{
  WhServer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  WhConn *conn;
  guint closed = 0;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    {
      /* However libsoup let go of it, a closed stream is a gone client. */
      if (g_io_stream_is_closed (G_IO_STREAM (conn->stream)))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      /* libsoup 3.2 never disconnects a keep-alive connection that ends
       * between two requests (the next request has no completion callback
       * before its first byte): it keeps the descriptor for good. By now
       * it has read the end of the stream and stopped polling, so close
       * it here. */
      if (conn->closing && now - conn->closing_since > 500 * 1000)
        {
          g_io_stream_close (G_IO_STREAM (conn->stream), NULL, NULL);
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (conn->deadline != 0 && now >= conn->deadline)
        {
          conn_close (conn);
          closed++;
        }
    }
  if (closed > 0)
    g_debug ("Closed %u connections that timed out", closed);
  return G_SOURCE_CONTINUE;
}

void
wh_server_net_reschedule (WhServer *self)
{
  guint shortest = MIN (self->header_timeout_s, MIN (self->body_timeout_s, self->idle_timeout_s));

  if (self->sweep != NULL)
    {
      g_source_destroy (self->sweep);
      g_clear_pointer (&self->sweep, g_source_unref);
    }
  if (self->listen_socket == NULL)
    return;
  /* A quarter of the shortest timeout, so a connection is closed at most
   * that late. */
  self->sweep = g_timeout_source_new (CLAMP (shortest * 250, 100, 1000));
  g_source_set_callback (self->sweep, sweep_cb, self, NULL);
  g_source_attach (self->sweep, g_main_context_get_thread_default ());
}

/* ------------------------------------------------------------------------ */
/* Accepting */

static void add_accept_source (WhServer *self);

/* Written straight to a socket the server will not serve; small enough to
 * fit any socket buffer, so a non-blocking send does it. */
static void
refuse (GSocket *socket)
{
  g_autofree char *body = wh_error_body_new ("unavailable",
                                             "Too many connections; try again later.");
  g_autofree char *reply = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                            "Content-Type: application/json\r\n"
                                            "Retry-After: 1\r\nConnection: close\r\n"
                                            "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                            strlen (body), body);

  g_socket_send_with_blocking (socket, reply, strlen (reply), FALSE, NULL, NULL);
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  g_socket_close (socket, NULL);
}

static void
admit (WhServer *self,
       GSocket  *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  WhConn *conn;
  guint n_key = 0;

  if (remote == NULL || local == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_socket_close (socket, NULL);
      return;
    }
  /* A proxy carries many clients: only the cap in all applies to it. */
  if (!is_trusted_proxy (self, g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))))
    {
      key = wh_server_client_key (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      n_key = GPOINTER_TO_UINT (g_hash_table_lookup (self->conns_per_key, key));
    }
  if (g_hash_table_size (self->conns) >= wh_server_net_max_connections (self) ||
      (key != NULL && n_key >= self->max_connections_per_client))
    {
      self->refused++;
      /* One line per burst of refusals, not one per connection. */
      if (g_get_monotonic_time () - self->refused_logged_us > 10 * G_USEC_PER_SEC)
        {
          g_message ("Refusing connections (%u so far): %u open, %u from %s (caps %u, %u per "
                     "client)", self->refused, g_hash_table_size (self->conns), n_key,
                     key ? key : "a proxy", wh_server_net_max_connections (self),
                     self->max_connections_per_client);
          self->refused_logged_us = g_get_monotonic_time ();
        }
      refuse (socket);
      return;
    }

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  conn = g_new0 (WhConn, 1);
  conn->server = self;
  conn->stream = g_socket_connection_factory_create_connection (socket);
  conn->remote = g_object_ref (remote);
  conn->key = g_steal_pointer (&key);
  if (conn->key != NULL)
    g_hash_table_insert (self->conns_per_key, g_strdup (conn->key), GUINT_TO_POINTER (n_key + 1));
  g_hash_table_add (self->conns, conn);
  g_object_set_data (G_OBJECT (remote), conn_quark_name, conn);
  /* Emits request-started for the first request before it returns. */
  if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (conn->stream), local, remote,
                                    &error))
    {
      g_message ("Could not serve a connection: %s", error->message);
      g_io_stream_close (G_IO_STREAM (conn->stream), NULL, NULL);
      g_hash_table_remove (self->conns, conn);
    }
}

static gboolean
accept_retry_cb (gpointer user_data)
{
  WhServer *self = user_data;

  g_clear_pointer (&self->accept_retry, g_source_unref);
  add_accept_source (self);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  WhServer *self = user_data;

  /* A bounded burst, so a flood of connections cannot starve requests
   * already in progress. */
  for (guint i = 0; i < ACCEPT_BURST; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (socket, NULL, &error);

      if (client != NULL)
        {
          if (self->accept_failures > 0)
            {
              g_message ("Accepting connections again after %u failures", self->accept_failures);
              self->accept_failures = 0;
            }
          admit (self, client);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      /* Out of descriptors or memory (or a client that went away before
       * being accepted): stop polling a socket that stays readable, wait
       * for connections to close, and try again. Never give up listening. */
      if (self->accept_failures++ == 0)
        g_message ("Could not accept a connection: %s; retrying every %u ms", error->message,
                   ACCEPT_RETRY_MS);
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
      self->accept_retry = g_timeout_source_new (ACCEPT_RETRY_MS);
      g_source_set_callback (self->accept_retry, accept_retry_cb, self, NULL);
      g_source_attach (self->accept_retry, g_main_context_get_thread_default ());
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
add_accept_source (WhServer *self)
{
  self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (self->accept_source, g_main_context_get_thread_default ());
}

/* SoupServer keeps a connection alive after a response only while it has
 * a listener of its own. It gets one nobody can reach: a Unix socket whose
 * name is removed at once. */
static gboolean
add_keepalive_listener (WhServer *self,
                        GError  **error)
{
  g_autofree char *dir = g_dir_make_tmp ("wh-server-XXXXXX", error);
  g_autofree char *path = NULL;
  g_autoptr(GSocket) listener = NULL;
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  gboolean ok = FALSE;
  int fd;

  if (dir == NULL)
    return FALSE;
  path = g_build_filename (dir, "s", NULL);
  if (strlen (path) >= sizeof sun.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s is too long", path);
      g_rmdir (dir);
      return FALSE;
    }
  strcpy (sun.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sun, sizeof sun) != 0 || listen (fd, 1) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not make a private socket: %s", g_strerror (saved));
      if (fd >= 0)
        close (fd);
    }
  else
    {
      listener = g_socket_new_from_fd (fd, error);
      if (listener == NULL)
        close (fd);
      else
        ok = soup_server_listen_socket (self->soup, listener, 0, error);
    }
  g_unlink (path);
  g_rmdir (dir);
  return ok;
}

gboolean
wh_server_net_listen (WhServer *self,
                      GSocket  *socket,
                      GError  **error)
{
  if (self->listen_socket != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "The server is listening already");
      return FALSE;
    }
  if (self->soup_listening == FALSE)
    {
      if (!add_keepalive_listener (self, error))
        return FALSE;
      self->soup_listening = TRUE;
    }
  g_socket_set_blocking (socket, FALSE);
  g_set_object (&self->listen_socket, socket);
  add_accept_source (self);
  wh_server_net_reschedule (self);
  return TRUE;
}

guint
wh_server_net_max_connections (WhServer *self)
{
  struct rlimit rl;

  if (self->max_connections > 0)
    return self->max_connections;
  /* Below the descriptor limit, so the server refuses with a 503 before
   * accept() fails. */
  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return DEFAULT_MAX_CONNECTIONS;
  return (guint) CLAMP ((gint64) rl.rlim_cur - FD_RESERVE, 16, DEFAULT_MAX_CONNECTIONS);
}

void
wh_server_net_init (WhServer *self)
{
  self->header_timeout_s = WH_SERVER_DEFAULT_HEADER_TIMEOUT;
  self->body_timeout_s = WH_SERVER_DEFAULT_BODY_TIMEOUT;
  self->idle_timeout_s = WH_SERVER_DEFAULT_IDLE_TIMEOUT;
  self->max_connections_per_client = WH_SERVER_DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
  self->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) conn_free, NULL);
  self->conns_per_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->trusted_proxies = g_ptr_array_new_with_free_func (g_object_unref);
}

void
wh_server_net_stop (WhServer *self)
{
  if (self->accept_source)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->accept_retry)
    {
      g_source_destroy (self->accept_retry);
      g_clear_pointer (&self->accept_retry, g_source_unref);
    }
  if (self->sweep)
    {
      g_source_destroy (self->sweep);
      g_clear_pointer (&self->sweep, g_source_unref);
    }
  if (self->listen_socket)
    {
      g_socket_close (self->listen_socket, NULL);
      g_clear_object (&self->listen_socket);
    }
}

void
wh_server_net_finalize (WhServer *self)
{
  wh_server_net_stop (self);
  /* What libsoup's disconnects did not release. */
  g_hash_table_unref (self->conns);
  g_hash_table_unref (self->conns_per_key);
  g_ptr_array_unref (self->trusted_proxies);
}

/* ------------------------------------------------------------------------ */
/* Public settings */

void
wh_server_set_timeouts (WhServer *self,
                        guint     header_s,
                        guint     body_s,
                        guint     idle_s)
{
  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (header_s > 0 && body_s > 0 && idle_s > 0);

  self->header_timeout_s = header_s;
  self->body_timeout_s = body_s;
  self->idle_timeout_s = idle_s;
  wh_server_net_reschedule (self);
}

void
wh_server_set_max_connections (WhServer *self,
                               guint     total,
                               guint     per_client)
{
  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (per_client > 0);

  self->max_connections = total;
  self->max_connections_per_client = per_client;
}

gboolean
wh_server_add_trusted_proxy (WhServer   *self,
                             const char *address,
                             GError    **error)
{
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  g_ptr_array_add (self->trusted_proxies, unmap_address (inet));
  return TRUE;
}

guint
wh_server_get_n_connections (WhServer *self)
{
  g_return_val_if_fail (WH_IS_SERVER (self), 0);

  return g_hash_table_size (self->conns);
}

gboolean
wh_server_raise_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return FALSE;
  if (rl.rlim_cur == rl.rlim_max)
    return TRUE;
  /* The soft limit is 1024 for select()'s sake; GLib polls with poll(),
   * so every descriptor the hard limit allows is usable. */
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
  return setrlimit (RLIMIT_NOFILE, &rl) == 0;
}
