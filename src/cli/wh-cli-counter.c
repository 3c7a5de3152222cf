/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home-cli counter …: a merchant's counter from a shell, on the
 * same core as workers-home --counter (src/core/wh-counter.h).
 *
 *   counter pair MERCHANT_ID MERCHANT_KEY   (online)
 *   counter sync                            (upload, fetch the day; prints conflicts)
 *   counter redeem PAYLOAD_OR_CODE          (offline: no --server needed)
 *   counter list                            (today's redemptions)
 *
 * redeem exits 0 when accepted and 3 when refused, the reason on stderr.
 * --cache is the counter's own database (default counter.db in the user
 * data directory), never a worker's cache. */
#define G_LOG_DOMAIN "wh-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wh-cli-counter.h"
#include "wh-counter.h"

#define EXIT_USAGE   2
#define EXIT_REFUSED 3

static int
say_failure (const char *message)
{
  g_autofree char *line = g_strdup (message);

  g_strdelimit (line, "\r\n", ' ');
  fprintf (stderr, "workers-home-cli: %s\n", line);
  return EXIT_FAILURE;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
await (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* Tabs and line breaks from the server would break the format. */
static char *
field (const char *value)
{
  char *copy = g_strdup (value ? value : "");

  for (char *p = copy; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return copy;
}

static char *
today_cst (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (cst);

  return g_date_time_format (now, "%Y-%m-%d");
}

static WhApi *
make_api (const char *server,
          gboolean    allow_insecure,
          GError    **error)
{
  WhApi *api = wh_api_new (server, error);

  if (api != NULL)
    wh_api_set_allow_insecure (api, allow_insecure);
  return api;
}

static int
cmd_pair (WhCounter          *counter,
          const WhCliCounter *opts,
          char              **args)
{
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *counter_id = NULL;
  guint64 merchant_id;

  if (g_strv_length (args) != 2 ||
      !g_ascii_string_to_unsigned (args[0], 10, 1, G_MAXINT64, &merchant_id, NULL))
    {
      fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter pair MERCHANT_ID MERCHANT_KEY"));
      return EXIT_USAGE;
    }
  api = make_api (opts->server, opts->allow_insecure, &error);
  if (api == NULL)
    return say_failure (error->message);
  wh_counter_pair_async (counter, api, (gint64) merchant_id, args[1], opts->cancellable,
                         result_cb, &result);
  if (!wh_counter_pair_finish (await (&result), &error))
    return say_failure (error->message);
  {
    g_autofree char *raw = wh_counter_dup_merchant_name (counter);

    name = field (raw);
  }
  counter_id = wh_counter_dup_counter_id (counter);
  /* Translators: the merchant's name, its id and the counter's id */
  printf (_("Paired with %s (merchant %s), counter %s"), name, args[0], counter_id);
  printf ("\n");
  return EXIT_SUCCESS;
}

static int
cmd_sync (WhCounter          *counter,
          const WhCliCounter *opts,
          char              **args)
{
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autofree char *saved = NULL;
  const char *server;

  if (args[0] != NULL)
    {
      fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter sync"));
      return EXIT_USAGE;
    }
  if (!wh_counter_is_paired (counter))
    return say_failure (_("This counter is not paired with a merchant yet."));
  /* The server it was paired with, unless told otherwise. */
  saved = wh_counter_dup_server (counter);
  server = opts->server_given ? opts->server : saved;
  api = make_api (server, opts->allow_insecure, &error);
  if (api == NULL)
    return say_failure (error->message);
  wh_counter_sync_async (counter, api, opts->cancellable, result_cb, &result);
  if (!wh_counter_sync_finish (await (&result), &error))
    return say_failure (error->message);
  conflicts = wh_counter_list_conflicts (counter, &error);
  if (conflicts == NULL)
    return say_failure (error->message);
  /* One line a conflict: voucher code, kept by, at, refused at counter, at. */
  for (guint i = 0; i < conflicts->len; i++)
    {
      WhCounterConflict *c = g_ptr_array_index (conflicts, i);
      g_autofree char *code = field (c->code);
      g_autofree char *kept_by = field (c->kept_counter_id ? c->kept_counter_id : "online");
      g_autofree char *kept_at = field (c->kept_at);
      g_autofree char *refused_by = field (c->refused_counter_id);
      g_autofree char *refused_at = field (c->refused_at);

      printf ("conflict\t%s\t%s\t%s\t%s\t%s\n", code, kept_by, kept_at, refused_by, refused_at);
    }
  /* Translators: %u is a number of conflicts */
  fprintf (stderr, ngettext ("Synced; %u conflict", "Synced; %u conflicts",
                                conflicts->len), conflicts->len);
  fprintf (stderr, "\n");
  return EXIT_SUCCESS;
}

static int
cmd_redeem (WhCounter          *counter,
            const WhCliCounter *opts,
            char              **args)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  WhCounterVerdict verdict;

  if (g_strv_length (args) != 1)
    {
      fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter redeem PAYLOAD_OR_CODE"));
      return EXIT_USAGE;
    }
  verdict = wh_counter_redeem (counter, args[0], now, &message, &error);
  switch (verdict)
    {
    case WH_COUNTER_ACCEPTED:
      /* Printed only once the redemption is on disk. */
      printf ("%s\n", message);
      return EXIT_SUCCESS;
    case WH_COUNTER_REFUSED:
      fprintf (stderr, "workers-home-cli: %s\n", message);
      return EXIT_REFUSED;
    case WH_COUNTER_FAILED:
    default:
      return say_failure (error->message);
    }
}

static int
cmd_list (WhCounter          *counter,
          const WhCliCounter *opts,
          char              **args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *today = today_cst ();
  g_autoptr(GPtrArray) list = NULL;

  if (args[0] != NULL)
    {
      fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter list"));
      return EXIT_USAGE;
    }
  list = wh_counter_list_day (counter, today, &error);
  if (list == NULL)
    return say_failure (error->message);
  /* time, code, uploaded or pending, the server's result */
  for (guint i = 0; i < list->len; i++)
    {
      WhCounterRedemption *r = g_ptr_array_index (list, i);
      g_autofree char *at = field (r->redeemed_at);
      g_autofree char *result = field (r->result);

      printf ("%s\t%s\t%s\t%s\n", at, r->code, r->uploaded ? "uploaded" : "pending", result);
    }
  return EXIT_SUCCESS;
}

int
wh_cli_counter (const WhCliCounter *opts,
                char              **args)
{
  static const struct
  {
    const char *name;
    int (*run) (WhCounter *counter, const WhCliCounter *opts, char **args);
  } commands[] = {
    { "pair", cmd_pair },
    { "sync", cmd_sync },
    { "redeem", cmd_redeem },
    { "list", cmd_list },
  };
  g_autoptr(WhCounter) counter = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (args[0] == NULL)
    {
      fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter pair|sync|redeem|list …"));
      return EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (args[0], commands[i].name) != 0)
        continue;
      if (opts->cache != NULL)
        path = g_strdup (opts->cache);
      else
        {
          g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "workers-home", NULL);

          g_mkdir_with_parents (dir, 0700);
          path = g_build_filename (dir, "counter.db", NULL);
        }
      counter = wh_counter_open (path, &error);
      if (counter == NULL)
        return say_failure (error->message);
      return commands[i].run (counter, opts, args + 1);
    }
  fprintf (stderr, "workers-home-cli: %s\n", _("Usage: counter pair|sync|redeem|list …"));
  return EXIT_USAGE;
}
