/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home-server: the reference backend and its demo data generator. */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>

#include "wh-generator.h"
#include "wh-server-db.h"
#include "wh-server.h"
#include "wh-store.h"

static void
progress_cb (const char *collection,
             guint64     done,
             guint64     total,
             gpointer    user_data)
{
  gboolean tty = GPOINTER_TO_INT (user_data);

  if (tty)
    fprintf (stderr, "\r%-10s %10" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT "   ", collection, done,
             total);
  else if (done == total)
    fprintf (stderr, "%-10s %10" G_GUINT64_FORMAT "\n", collection, done);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* The field tables of data/api/CONTRACT.md, generated from the schema. */
static void
print_fields (void)
{
  static const char * const type_names[] = { "integer", "number", "boolean", "string",
                                             "array of string", "array of integer" };
  static const char * const format_names[] = { "", "enum", "date", "time", "window",
                                                "date-time", "media path", "phone" };
  guint n;
  const WhCollection * const *synced = wh_schema_synced_collections (&n);
  const WhCollection * const others[] = { &wh_collection_vouchers, &wh_collection_me,
                                          &wh_collection_progress,
                                          &wh_collection_quiz_attempts,
                                          &wh_collection_question_reviews,
                                          &wh_collection_bookmarks,
                                          &wh_collection_station_reports };

  for (guint k = 0; k < n + G_N_ELEMENTS (others); k++)
    {
      const WhCollection *c = k < n ? synced[k] : others[k - n];

      printf ("\n### %s%s\n\n", c->name, k < n ? "" : " (document)");
      printf ("| field | type | flags | limits |\n|---|---|---|---|\n");
      for (guint i = 0; i < c->n_fields; i++)
        {
          const WhField *f = &c->fields[i];
          g_autoptr(GString) limits = g_string_new (NULL);

          switch (f->type)
            {
            case WH_TYPE_INT:
            case WH_TYPE_REAL:
              g_string_append_printf (limits, "%.17g to %.17g", f->min, f->max);
              break;
            case WH_TYPE_TEXT:
              g_string_append_printf (limits, "≤ %.0f bytes", f->max);
              break;
            case WH_TYPE_STRV:
              g_string_append_printf (limits, "%.0f to %.0f items of ≤ %" G_GINT64_FORMAT " bytes",
                                      f->min, f->max, f->max_item);
              break;
            case WH_TYPE_INTV:
              g_string_append_printf (limits, "%.0f to %.0f items, each 0 to %" G_GINT64_FORMAT,
                                      f->min, f->max, f->max_item);
              break;
            default:
              break;
            }
          if (f->format != WH_FORMAT_NONE)
            g_string_append_printf (limits, "%s%s", limits->len ? "; " : "",
                                    format_names[f->format]);
          if (f->values)
            {
              g_autofree char *joined = g_strjoinv (", ", (char **) f->values);
              g_string_append_printf (limits, ": %s", joined);
            }
          printf ("| `%s` | %s | %s%s | %s |\n", f->name, type_names[f->type],
                  (f->flags & WH_FIELD_REQUIRED) ? "R" : "",
                  (f->flags & WH_FIELD_SEARCH) ? "S" : "", limits->str);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *scale_name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *demo_code = NULL;
  g_autofree char *faults = NULL;
  g_autofree char *auth_limits = NULL;
  gint64 seed = 1;
  gint64 token_ttl = 30 * 24 * 3600;
  gint64 merchant_key = 0;
  int port = 8080;
  int rate_limit = 0;
  int auth_rate_limit = WH_SERVER_DEFAULT_AUTH_RATE_LIMIT;
  int header_timeout = WH_SERVER_DEFAULT_HEADER_TIMEOUT;
  int body_timeout = WH_SERVER_DEFAULT_BODY_TIMEOUT;
  int idle_timeout = WH_SERVER_DEFAULT_IDLE_TIMEOUT;
  int max_connections = 0;
  int max_client_connections = WH_SERVER_DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
  g_auto(GStrv) trusted_proxies = NULL;
  gboolean serve = FALSE;
  gboolean fields = FALSE;
  gboolean rotate_key = FALSE;
  const GOptionEntry entries[] = {
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, &db_path, "Database file (created if missing)", "PATH" },
    { "generate", 'g', 0, G_OPTION_ARG_STRING, &scale_name,
      "Fill an empty database with demo data: tiny, city, province or national", "SCALE" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the demo data (default 1)", "N" },
    { "serve", 0, 0, G_OPTION_ARG_NONE, &serve, "Serve after --generate", NULL },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address,
      "Address to listen on (default 127.0.0.1)", "ADDRESS" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port, 0 for any free one (default 8080)", "PORT" },
    { "demo-code", 0, 0, G_OPTION_ARG_STRING, &demo_code,
      "A one-time code every phone may use (demo only)", "CODE" },
    { "token-ttl", 0, 0, G_OPTION_ARG_INT64, &token_ttl, "Token lifetime in seconds", "SECONDS" },
    { "rate-limit", 0, 0, G_OPTION_ARG_INT, &rate_limit,
      "Requests per second per client before 429 (0: none)", "N" },
    { "auth-limits", 0, 0, G_OPTION_ARG_STRING, &auth_limits,
      "Sign-in limits (0: none), default phone-codes=5,phone-failures=10 (a day),"
      "client-codes=20,client-failures=30 (an hour, per address),codes=2000 (an hour, all),"
      "client-reports=30 (anonymous station reports, an hour, per address),"
      "voucher-sms=3 (a voucher's code by SMS, a day, per voucher)",
      "SPEC" },
    { "auth-rate-limit", 0, 0, G_OPTION_ARG_INT, &auth_rate_limit,
      "Sign-in requests per minute per client before 429 (default 30, 0: none)", "N" },
    { "trusted-proxy", 0, 0, G_OPTION_ARG_STRING_ARRAY, &trusted_proxies,
      "A proxy whose X-Forwarded-For names the client (repeatable)", "ADDRESS" },
    { "header-timeout", 0, 0, G_OPTION_ARG_INT, &header_timeout,
      "Seconds for a new connection's request headers (default 10)", "SECONDS" },
    { "body-timeout", 0, 0, G_OPTION_ARG_INT, &body_timeout,
      "Seconds for a request body, or for reading a piece of a response (default 30)",
      "SECONDS" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "Seconds a keep-alive connection may wait for its next request (default 60)", "SECONDS" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
      "Connections at once in all (default: below the file limit, at most 4096)", "N" },
    { "max-connections-per-client", 0, 0, G_OPTION_ARG_INT, &max_client_connections,
      "Connections at once per client address, IPv6 per /64 (default 128)", "N" },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &faults,
      "Fault injection for tests, e.g. error=0.1,429=0.05,503=0.05,delay=0.1,delay_ms=1500,"
      "drop=0.05,malformed=0.05,seed=7 (feeds only; scope=all for every route)", "SPEC" },
    { "merchant-key", 0, 0, G_OPTION_ARG_INT64, &merchant_key,
      "Print the redemption key of a merchant and exit", "ID" },
    { "rotate-signing-key", 0, 0, G_OPTION_ARG_NONE, &rotate_key,
      "Sign vouchers with a new key from now (the old one stays published until today ends) "
      "and exit", NULL },
    { "print-fields", 0, 0, G_OPTION_ARG_NONE, &fields,
      "Print the record field tables of the contract and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* Before anything (libshumate's tile cache too) starts SQLite. */
  wh_store_configure_sqlite ();
  /* Whatever this process writes (the database holds the server's secret)
   * is for its owner alone; wh_server_db_open also sees to it. */
  umask (077);
  /* Every connection is a descriptor; 1024 is too few for a server. */
  if (!wh_server_raise_fd_limit ())
    g_message ("Could not raise the open file limit: %s", g_strerror (errno));
  context = g_option_context_new ("— Workers' Home reference backend");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("workers-home-server: %s\n", error->message);
      return 2;
    }

  if (fields)
    {
      print_fields ();
      return 0;
    }
  if (db_path == NULL)
    db_path = g_strdup ("workers-home-server.db");

  if (scale_name != NULL)
    {
      const WhScale *scale = wh_scale_lookup (scale_name);
      sqlite3 *db;
      gint64 start = g_get_monotonic_time ();
      GStatBuf st;

      if (scale == NULL)
        {
          g_printerr ("workers-home-server: unknown scale “%s” (tiny, city, province, national)\n",
                      scale_name);
          return 2;
        }
      db = wh_server_db_open (db_path, &error);
      if (db == NULL)
        {
          g_printerr ("workers-home-server: %s\n", error->message);
          return 1;
        }
      if (wh_server_db_get_rev (db) != 0)
        {
          g_printerr ("workers-home-server: “%s” already holds data; --generate needs a new file\n",
                      db_path);
          sqlite3_close (db);
          return 1;
        }
      if (!wh_generate (db, scale, (guint64) seed, progress_cb,
                        GINT_TO_POINTER (isatty (fileno (stderr))), &error))
        {
          g_printerr ("\nworkers-home-server: %s\n", error->message);
          sqlite3_close (db);
          return 1;
        }
      sqlite3_close (db);
      if (g_stat (db_path, &st) == 0)
        fprintf (stderr, "\nGenerated %s (seed %" G_GINT64_FORMAT ") in %.1f s: %.1f MB\n",
                 scale->name, seed, (g_get_monotonic_time () - start) / 1e6,
                 st.st_size / 1048576.0);
      if (!serve)
        return 0;
    }

  {
    g_autoptr(WhServer) server = wh_server_new (db_path, &error);
    g_autoptr(GMainLoop) loop = NULL;
    g_autofree char *url = NULL;

    if (server == NULL)
      {
        g_printerr ("workers-home-server: %s\n", error->message);
        return 1;
      }
    if (rotate_key)
      {
        if (!wh_server_rotate_signing_key (server, &error))
          {
            g_printerr ("workers-home-server: %s\n", error->message);
            return 1;
          }
        return 0;
      }
    if (merchant_key > 0)
      {
        g_autofree char *key = wh_server_merchant_key (server, merchant_key);
        printf ("%s\n", key);
        return 0;
      }
    wh_server_set_demo_code (server, demo_code);
    wh_server_set_token_ttl (server, token_ttl);
    wh_server_set_rate_limit (server, (guint) MAX (rate_limit, 0));
    if (!wh_server_set_auth_limits (server, auth_limits, &error))
      {
        g_printerr ("workers-home-server: %s\n", error->message);
        return 2;
      }
    wh_server_set_auth_rate_limit (server, (guint) MAX (auth_rate_limit, 0));
    if (header_timeout <= 0 || body_timeout <= 0 || idle_timeout <= 0 ||
        max_client_connections <= 0 || max_connections < 0)
      {
        g_printerr ("workers-home-server: timeouts and connection caps must be positive\n");
        return 2;
      }
    wh_server_set_timeouts (server, (guint) header_timeout, (guint) body_timeout,
                            (guint) idle_timeout);
    wh_server_set_max_connections (server, (guint) max_connections,
                                   (guint) max_client_connections);
    for (guint i = 0; trusted_proxies && trusted_proxies[i]; i++)
      {
        if (!wh_server_add_trusted_proxy (server, trusted_proxies[i], &error))
          {
            g_printerr ("workers-home-server: --trusted-proxy: %s\n", error->message);
            return 2;
          }
      }
    if (faults && !wh_server_set_faults (server, faults, &error))
      {
        g_printerr ("workers-home-server: %s\n", error->message);
        return 2;
      }
    if (port < 0 || port > 65535 ||
        !wh_server_listen (server, address ? address : "127.0.0.1", (guint) port, &error))
      {
        g_printerr ("workers-home-server: %s\n", error ? error->message : "invalid port");
        return 1;
      }
    url = wh_server_get_base_url (server);
    /* The app's --demo reads this line to learn the port. */
    printf ("Listening on %s\n", url);
    fflush (stdout);

    loop = g_main_loop_new (NULL, FALSE);
    g_unix_signal_add (SIGINT, quit_cb, loop);
    g_unix_signal_add (SIGTERM, quit_cb, loop);
    g_main_loop_run (loop);
  }
  return 0;
}
