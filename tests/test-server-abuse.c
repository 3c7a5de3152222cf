/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-abuse.c: the reference backend against clients that do not
 * play along: ones that send a request's headers and never its body, idle
 * connections, more connections than descriptors, floods of sign-ins, and
 * clients behind a proxy.
 *
 * Clients here are plain sockets, so a test can stall mid-request, pick its
 * source address on loopback (127.0.0.2 is another client) and send any
 * header. Waits poll with a deadline.
 */
#define G_LOG_DOMAIN "test-server-abuse"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wh-server-private.h"
#include "wh-test-server.h"
#include "wh-test.h"

#define N_STALLED 300

/* ------------------------------------------------------------------------ */
/* Plain socket clients */

/* A connected socket to 127.0.0.1:port from src (NULL: any), or -1. */
static int
tcp_connect (const char *src,
             guint       port)
{
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  if (src != NULL)
    {
      struct sockaddr_in from = { .sin_family = AF_INET };

      g_assert_cmpint (inet_pton (AF_INET, src, &from.sin_addr), ==, 1);
      g_assert_cmpint (bind (fd, (struct sockaddr *) &from, sizeof from), ==, 0);
    }
  inet_pton (AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static void
send_all (int         fd,
          const char *data)
{
  gsize len = strlen (data), done = 0;

  while (done < len)
    {
      ssize_t n = send (fd, data + done, len - done, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return; /* the server may have closed it: the reply says what happened */
      done += (gsize) n;
    }
}

/* Reads until the peer closes or deadline (monotonic µs); TRUE if it
 * closed. */
static gboolean
read_until_closed (int      fd,
                   gint64   deadline,
                   GString *out)
{
  char buf[4096];

  for (;;)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t n;

      if (left_ms <= 0)
        return FALSE;
      if (poll (&p, 1, (int) MIN (left_ms, 1000)) <= 0)
        continue;
      n = recv (fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return TRUE; /* end of stream, or reset */
      if (out)
        g_string_append_len (out, buf, n);
    }
}

/* The status line's code, 0 for none. */
static guint
reply_status (const char *reply)
{
  if (!g_str_has_prefix (reply, "HTTP/1.1 ") && !g_str_has_prefix (reply, "HTTP/1.0 "))
    return 0;
  return (guint) g_ascii_strtoull (reply + 9, NULL, 10);
}

/* One request with Connection: close; its status, 0 if none came within
 * timeout_s. */
static guint
exchange (const char *src,
          guint       port,
          const char *request,
          double      timeout_s,
          char      **reply_out)
{
  g_autoptr(GString) reply = g_string_new (NULL);
  int fd = tcp_connect (src, port);
  guint status;

  if (fd < 0)
    return 0;
  send_all (fd, request);
  read_until_closed (fd, g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC), reply);
  close (fd);
  status = reply_status (reply->str);
  if (reply_out)
    *reply_out = g_string_free (g_steal_pointer (&reply), FALSE);
  return status;
}

static char *
get_request (const char *path,
             const char *headers)
{
  return g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n",
                          path, headers ? headers : "");
}

/* A sign-in code request; the body is not valid, which the rate limit,
 * checked first, does not care about. */
static char *
auth_request (const char *headers)
{
  return g_strdup_printf ("POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
                          "Content-Type: application/json\r\nContent-Length: 2\r\n"
                          "Connection: close\r\n\r\n{}", headers ? headers : "");
}

/* ------------------------------------------------------------------------ */
/* The in-process server */

typedef struct
{
  guint header_s, body_s, idle_s;
  guint total, per_client;
  guint auth_per_minute;
  const char *proxy;
} Settings;

static void
apply_cb (WhServer *server,
          gpointer  user_data)
{
  const Settings *s = user_data;

  if (s->header_s)
    wh_server_set_timeouts (server, s->header_s, s->body_s, s->idle_s);
  if (s->per_client)
    wh_server_set_max_connections (server, s->total, s->per_client);
  if (s->auth_per_minute)
    wh_server_set_auth_rate_limit (server, s->auth_per_minute);
  if (s->proxy)
    g_assert_true (wh_server_add_trusted_proxy (server, s->proxy, NULL));
}

static void
n_connections_cb (WhServer *server,
                  gpointer  user_data)
{
  *(guint *) user_data = wh_server_get_n_connections (server);
}

static guint
n_connections (WhTestServer *ts)
{
  guint n = 0;

  wh_test_server_run (ts, n_connections_cb, &n);
  return n;
}

static void
wait_n_connections (WhTestServer *ts,
                    guint         n,
                    double        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  while (n_connections (ts) != n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

/* ------------------------------------------------------------------------ */
/* Stalled and idle clients */

static void
test_stalled_bodies (void)
{
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, NULL);
  /* A body timeout long enough that the first stalled clients are still
   * held when the server has accepted the last one (300 accepts took over
   * 2 s under ASan on a loaded machine, and the count never reached 300). */
  Settings s = { .header_s = 2, .body_s = 6, .idle_s = 60, .total = 0, .per_client = 1000 };
  int stalled[N_STALLED];
  g_autofree char *get = get_request ("/api/v1/jobs/changes?since=0", NULL);
  g_autofree char *reply = NULL;
  gint64 start, took, deadline;
  guint status, open;

  wh_test_server_run (ts, apply_cb, &s);
  /* Headers of a POST with a body that never comes, 300 times: more than
   * the 256 requests the server handles at once. */
  for (guint i = 0; i < N_STALLED; i++)
    {
      stalled[i] = tcp_connect (NULL, wh_test_server_get_port (ts));
      g_assert_cmpint (stalled[i], >=, 0);
      send_all (stalled[i], "POST /api/v1/auth/code HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    }
  wait_n_connections (ts, N_STALLED, 30);

  /* A normal client is served at once meanwhile. */
  start = g_get_monotonic_time ();
  status = exchange (NULL, wh_test_server_get_port (ts), get, 3.0, &reply);
  took = g_get_monotonic_time () - start;
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (took, <, 3 * G_USEC_PER_SEC);
  g_test_message ("%u stalled clients held; a normal client was served in %.0f ms", N_STALLED,
                  took / 1000.0);

  /* The body timeout closes every stalled one, well within a minute. */
  start = g_get_monotonic_time ();
  deadline = start + 60 * G_USEC_PER_SEC;
  open = N_STALLED;
  for (guint i = 0; i < N_STALLED; i++)
    {
      g_assert_true (read_until_closed (stalled[i], deadline, NULL));
      close (stalled[i]);
      open--;
    }
  g_assert_cmpuint (open, ==, 0);
  g_test_message ("the stalled clients were closed %.1f s after the normal request",
                  (g_get_monotonic_time () - start) / 1e6);
  wait_n_connections (ts, 0, 10);
}

/* Reads one response with a Content-Length off a keep-alive connection. */
static guint
read_response (int fd)
{
  g_autoptr(GString) got = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  char buf[4096];

  for (;;)
    {
      const char *end = strstr (got->str, "\r\n\r\n");
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t n;

      if (end != NULL)
        {
          const char *cl = g_strstr_len (got->str, end - got->str, "Content-Length: ");
          gsize length;

          g_assert_nonnull (cl);
          length = g_ascii_strtoull (cl + 16, NULL, 10);
          if (got->len >= (gsize) (end + 4 - got->str) + length)
            return reply_status (got->str);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (poll (&p, 1, 100) <= 0)
        continue;
      n = recv (fd, buf, sizeof buf, 0);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (got, buf, n);
    }
}

static void
test_timeouts (void)
{
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, NULL);
  Settings s = { .header_s = 1, .body_s = 1, .idle_s = 2, .per_client = 100 };
  guint port = wh_test_server_get_port (ts);
  int half, idle, keep;

  wh_test_server_run (ts, apply_cb, &s);
  /* Half a request's headers; a connection that sends nothing at all. */
  half = tcp_connect (NULL, port);
  send_all (half, "GET /api/v1/jobs/changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc");
  idle = tcp_connect (NULL, port);
  /* Keep-alive still works: two requests on one connection, then it idles. */
  keep = tcp_connect (NULL, port);
  send_all (keep, "GET /api/v1/jobs/changes?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  g_assert_cmpuint (read_response (keep), ==, 200);
  send_all (keep, "GET /api/v1/jobs/changes?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  g_assert_cmpuint (read_response (keep), ==, 200);

  g_assert_true (read_until_closed (half, g_get_monotonic_time () + 10 * G_USEC_PER_SEC, NULL));
  g_assert_true (read_until_closed (idle, g_get_monotonic_time () + 10 * G_USEC_PER_SEC, NULL));
  g_assert_true (read_until_closed (keep, g_get_monotonic_time () + 10 * G_USEC_PER_SEC, NULL));
  close (half);
  close (idle);
  close (keep);
  wait_n_connections (ts, 0, 10);

  /* A client that closes a keep-alive connection between two requests:
   * libsoup 3.2 alone would keep that descriptor for good. */
  keep = tcp_connect (NULL, port);
  send_all (keep, "GET /api/v1/jobs/changes?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  g_assert_cmpuint (read_response (keep), ==, 200);
  close (keep);
  wait_n_connections (ts, 0, 10);
}

/* ------------------------------------------------------------------------ */
/* Connection caps */

static void
test_connection_caps (void)
{
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, NULL);
  Settings s = { .per_client = 4 };
  guint port = wh_test_server_get_port (ts);
  g_autofree char *get = get_request ("/api/v1/jobs/changes?since=0", NULL);
  g_autofree char *reply = NULL;
  int idle[4];
  gint64 deadline;

  wh_test_server_run (ts, apply_cb, &s);
  for (guint i = 0; i < G_N_ELEMENTS (idle); i++)
    idle[i] = tcp_connect ("127.0.0.1", port);
  wait_n_connections (ts, 4, 10);

  /* A fifth from the same address is turned away with a 503... */
  g_assert_cmpuint (exchange ("127.0.0.1", port, get, 5.0, &reply), ==, 503);
  g_assert_nonnull (strstr (reply, "\"unavailable\""));
  g_assert_nonnull (strstr (reply, "Retry-After: 1"));
  /* ...another address is served... */
  g_assert_cmpuint (exchange ("127.0.0.2", port, get, 5.0, NULL), ==, 200);
  /* ...and the first is again once one of its connections closed. */
  close (idle[0]);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (exchange ("127.0.0.1", port, get, 5.0, NULL) != 200)
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);

  /* The cap in all: 3 open, at most 4. */
  s = (Settings) { .total = 4, .per_client = 100 };
  wh_test_server_run (ts, apply_cb, &s);
  wait_n_connections (ts, 3, 10);
  g_assert_cmpuint (exchange ("127.0.0.3", port, get, 5.0, NULL), ==, 200);
  idle[0] = tcp_connect ("127.0.0.3", port);
  wait_n_connections (ts, 4, 10);
  g_assert_cmpuint (exchange ("127.0.0.4", port, get, 5.0, NULL), ==, 503);

  for (guint i = 0; i < G_N_ELEMENTS (idle); i++)
    close (idle[i]);
  wait_n_connections (ts, 0, 10);
}

/* ------------------------------------------------------------------------ */
/* The server binary: descriptors and defaults */

typedef struct
{
  rlim_t soft, hard;
} Limits;

static void
set_limits (gpointer user_data)
{
  const Limits *l = user_data;
  struct rlimit rl = { l->soft, l->hard };

  setrlimit (RLIMIT_NOFILE, &rl);
}

typedef struct
{
  char        *dir;
  GSubprocess *process;
  guint        port;
  char        *log_path;
} Child;

static void
child_start (Child             *c,
             const Limits      *limits,
             const char * const *options)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *p;

  c->dir = wh_test_make_tmpdir ();
  c->log_path = g_build_filename (c->dir, "server.log", NULL);
  g_ptr_array_add (argv, g_build_filename (g_getenv ("WH_BUILD_ROOT"), "src", "server",
                                           "workers-home-server", NULL));
  g_ptr_array_add (argv, g_strdup_printf ("--db=%s/server.db", c->dir));
  g_ptr_array_add (argv, g_strdup ("--port=0"));
  for (guint i = 0; options && options[i]; i++)
    g_ptr_array_add (argv, g_strdup (options[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, c->log_path);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, set_limits, (gpointer) limits, NULL);
  c->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                             &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  p = strrchr (line, ':');
  g_assert_nonnull (p);
  c->port = (guint) atoi (p + 1);
  g_assert_cmpuint (c->port, >, 0);
}

static void
child_stop (Child *c)
{
  g_subprocess_send_signal (c->process, SIGTERM);
  g_subprocess_wait (c->process, NULL, NULL);
  g_clear_object (&c->process);
  wh_test_remove_tmpdir (c->dir);
  g_free (c->dir);
  g_free (c->log_path);
}

static gboolean
log_contains (Child      *c,
              const char *text)
{
  g_autofree char *log = NULL;

  return g_file_get_contents (c->log_path, &log, NULL, NULL) && strstr (log, text) != NULL;
}

static void
test_fd_exhaustion (void)
{
  /* 64 descriptors the server cannot raise, and a cap on connections
   * above that: accept() itself fails. */
  const Limits limits = { 64, 64 };
  const char * const options[] = { "--max-connections=1000", NULL };
  g_autofree char *get = get_request ("/api/v1/jobs/changes?since=0", NULL);
  Child c = { 0, };
  int idle[100];
  gint64 start, deadline;

  child_start (&c, &limits, options);
  g_assert_cmpuint (exchange (NULL, c.port, get, 5.0, NULL), ==, 200);
  for (guint i = 0; i < G_N_ELEMENTS (idle); i++)
    {
      idle[i] = tcp_connect (NULL, c.port);
      g_assert_cmpint (idle[i], >=, 0);
    }
  /* It says so. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!log_contains (&c, "Could not accept a connection"))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }

  /* Once the idle clients go, it serves again within seconds. */
  for (guint i = 0; i < G_N_ELEMENTS (idle); i++)
    close (idle[i]);
  start = g_get_monotonic_time ();
  deadline = start + 10 * G_USEC_PER_SEC;
  while (exchange (NULL, c.port, get, 2.0, NULL) != 200)
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  g_test_message ("served again %.0f ms after the idle clients closed",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_true (log_contains (&c, "Accepting connections again"));
  child_stop (&c);
}

static void
test_defaults (void)
{
  const Limits limits = { 256, 2048 };
  g_autofree char *get = get_request ("/api/v1/jobs/changes?since=0", NULL);
  g_autofree char *post = auth_request (NULL);
  g_autofree char *limits_path = NULL;
  g_autofree char *proc_limits = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean found = FALSE;
  guint passed = 0, limited = 0;
  Child c = { 0, };
  gint64 start;

  child_start (&c, &limits, NULL);

  /* The soft descriptor limit is raised to the hard one at start. */
  limits_path = g_strdup_printf ("/proc/%s/limits", g_subprocess_get_identifier (c.process));
  g_assert_true (g_file_get_contents (limits_path, &proc_limits, NULL, NULL));
  lines = g_strsplit (proc_limits, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "Max open files"))
      {
        unsigned long soft = 0, hard = 0;

        g_assert_cmpint (sscanf (lines[i] + strlen ("Max open files"), "%lu %lu", &soft, &hard),
                         ==, 2);
        g_assert_cmpuint (soft, ==, 2048);
        g_assert_cmpuint (hard, ==, 2048);
        found = TRUE;
      }
  g_assert_true (found);

  /* Sign-in requests are limited by default: 30 a minute, all at once... */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *reply = NULL;
      guint status = exchange (NULL, c.port, post, 5.0, &reply);

      if (status == 429)
        {
          g_assert_nonnull (strstr (reply, "too_many_requests"));
          g_assert_nonnull (strstr (reply, "Retry-After: "));
          limited++;
        }
      else
        {
          g_assert_cmpuint (status, ==, 400);
          passed++;
        }
    }
  /* (the bucket refills by one every 2 s meanwhile) */
  g_assert_cmpuint (passed, >=, 30);
  g_assert_cmpuint (passed, <=, 31 + (g_get_monotonic_time () - start) / (2 * G_USEC_PER_SEC));
  g_assert_cmpuint (limited, >=, 1);
  /* ...other requests are not. */
  for (guint i = 0; i < 40; i++)
    g_assert_cmpuint (exchange (NULL, c.port, get, 5.0, NULL), ==, 200);
  child_stop (&c);
}

/* ------------------------------------------------------------------------ */
/* Who the client is */

/* Sign-in requests from src with an X-Forwarded-For (NULL: none) until
 * one is limited; how many passed, at most 10. */
static guint
auth_until_limited (guint       port,
                    const char *src,
                    const char *forwarded)
{
  g_autofree char *header = forwarded ? g_strdup_printf ("X-Forwarded-For: %s\r\n", forwarded)
                                      : NULL;
  g_autofree char *post = auth_request (header);

  for (guint i = 0; i < 10; i++)
    {
      guint status = exchange (src, port, post, 5.0, NULL);

      if (status == 429)
        return i;
      g_assert_cmpuint (status, ==, 400);
    }
  return 10;
}

static void
test_trusted_proxy (void)
{
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, NULL);
  Settings s = { .auth_per_minute = 3, .per_client = 2, .proxy = "127.0.0.1" };
  guint port = wh_test_server_get_port (ts);
  int held[3];

  wh_test_server_run (ts, apply_cb, &s);

  /* Behind the proxy, each forwarded client has a bucket of its own... */
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "10.0.0.1"), ==, 3);
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "10.0.0.2"), ==, 3);
  /* ...keyed on the address the proxy appended, not on what the client
   * put before it. */
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "10.9.9.9, 10.0.0.1"), ==, 0);
  /* An IPv6 client by its /64. */
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "2001:db8:1:2::1"), ==, 3);
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "2001:db8:1:2:ffff::9"), ==, 0);
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", "[2001:db8:1:3::1]:4711"), ==, 3);
  /* Without the header, the proxy is the client. */
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.1", NULL), ==, 3);

  /* Anyone else's X-Forwarded-For is ignored. */
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.2", "10.0.1.1"), ==, 3);
  g_assert_cmpuint (auth_until_limited (port, "127.0.0.2", "10.0.1.2"), ==, 0);

  /* The proxy is not held to the per-client connection cap (2). */
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    held[i] = tcp_connect ("127.0.0.1", port);
  wait_n_connections (ts, 3, 10);
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    close (held[i]);
  wait_n_connections (ts, 0, 10);
}

static void
test_client_key (void)
{
  const struct
  {
    const char *address;
    const char *key;
  } cases[] = {
    { "192.0.2.7", "192.0.2.7" },
    { "::ffff:192.0.2.7", "192.0.2.7" },
    { "2001:db8:1:2::1", "2001:db8:1:2::/64" },
    { "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64" },
    { "2001:db8:0:ffff:1::", "2001:db8:0:ffff::/64" },
    { "::1", "0:0:0:0::/64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (cases[i].address);
      g_autofree char *key = wh_server_client_key (a);

      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  /* 300 clients and the server's 300 ends of them, in one process. */
  wh_server_raise_fd_limit ();

  g_test_add_func ("/server/abuse/client-key", test_client_key);
  g_test_add_func ("/server/abuse/stalled-bodies", test_stalled_bodies);
  g_test_add_func ("/server/abuse/timeouts", test_timeouts);
  g_test_add_func ("/server/abuse/connection-caps", test_connection_caps);
  g_test_add_func ("/server/abuse/fd-exhaustion", test_fd_exhaustion);
  g_test_add_func ("/server/abuse/defaults", test_defaults);
  g_test_add_func ("/server/abuse/trusted-proxy", test_trusted_proxy);
  return g_test_run ();
}
