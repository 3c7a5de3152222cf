/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home-cli: the client core from a shell, for scripts and for kiosk
 * administrators who pre-seed a cache.
 *
 *   workers-home-cli [--server URL] [--cache PATH] COMMAND [ARGS...]
 *
 * Results go to stdout, one per line, fields separated by tabs; progress and
 * errors to stderr. Exit status 0 on success; 1 with a one-line error when
 * the command failed; 2 for a usage error. Everything the server sends is
 * decoded by the core's codecs, so a hostile server gets an error message,
 * never a crash.
 */
#define G_LOG_DOMAIN "wh-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wh-api.h"
#include "wh-cli-counter.h"
#include "wh-token.h"
#include "wh-store.h"
#include "wh-sync.h"

#define EXIT_USAGE 2

typedef struct
{
  /* Options */
  char         *server;
  gboolean      server_given;
  gboolean      cache_given;
  char         *cache;
  gint          limit;
  gboolean      count;
  gint          region;
  gboolean      allow_insecure;
  gboolean      verbose;
  gboolean      no_snapshot;

  /* Owned references */
  WhApi        *api;
  WhStore      *store;
  GCancellable *cancellable;

  /* Progress line */
  gboolean      tty;
  char         *progress_collection;
  gint          progress_phase; /* WhSyncPhase of the last line; -1: none */
} Cli;

static Cli cli;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* One line, whatever the message holds. */
  g_strdelimit (message, "\r\n", ' ');
  if (cli.tty && cli.progress_collection != NULL)
    fputc ('\n', stderr);
  fprintf (stderr, "workers-home-cli: %s\n", message);
  return EXIT_FAILURE;
}

static int
fail_error (const GError *error)
{
  return fail ("%s", error->message);
}

static int
usage (const char *message)
{
  fprintf (stderr, "workers-home-cli: %s\n", message);
  fprintf (stderr, "%s\n", _("Try “workers-home-cli --help”."));
  return EXIT_USAGE;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The CLI is sequential: it runs the main context until the call is done. */
static GAsyncResult *
await (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* A field for a tab-separated line: tabs and line breaks from the server
 * would break the format. */
static char *
field (const char *value)
{
  char *copy;

  if (value == NULL)
    return g_strdup ("");
  copy = g_strdup (value);
  for (char *p = copy; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return copy;
}

static const char *
text_of (const WhRecord *record,
         const char     *name)
{
  return wh_record_is_set (record, name) ? wh_record_get_text (record, name) : NULL;
}

static gboolean
parse_int (const char *text,
           gint64      min,
           gint64      max,
           gint64     *out)
{
  return g_ascii_string_to_signed (text, 10, min, max, out, NULL);
}

static gboolean
parse_double (const char *text,
              double      min,
              double      max,
              double     *out)
{
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0')
    return FALSE;
  value = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || !(value >= min && value <= max))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
open_store (GError **error)
{
  if (cli.store == NULL)
    cli.store = wh_store_open (cli.cache, error);
  return cli.store != NULL;
}

static const char *
region_text (const WhCollection *collection,
             char                buffer[8])
{
  if (cli.region <= 0 || !(collection->flags & WH_COLLECTION_REGIONAL))
    return NULL;
  g_snprintf (buffer, 8, "%06d", cli.region);
  return buffer;
}

/* The token of this server, from the keyring; NULL after printing why. */
static gboolean
load_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = wh_token_lookup_sync (cli.server, &error);

  if (error != NULL)
    {
      fail ("%s", error->message);
      return FALSE;
    }
  if (token == NULL)
    {
      fail ("%s", _("Not signed in. Use “login PHONE CODE” first."));
      return FALSE;
    }
  if (!wh_api_set_token (cli.api, token))
    {
      fail ("%s", _("The saved sign-in is damaged. Sign in again."));
      return FALSE;
    }
  return TRUE;
}

/* A 401 means the saved token is void: forget it, so the next run asks. */
static int
fail_authenticated (const GError *error)
{
  if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
    wh_token_clear_sync (cli.server, NULL);
  return fail_error (error);
}

/* ------------------------------------------------------------------------ */
/* sync                                                                      */

#define MB(bytes) ((double) (bytes) / 1e6)

/* What a region snapshot's phase says: on a terminal, the line rewritten as
 * the bytes come; in a log (log TRUE), one line as each phase starts. */
static char *
snapshot_line (const char  *collection,
               WhSyncPhase  phase,
               gint64       done,
               gint64       total,
               gboolean     log)
{
  g_autofree char *rows = NULL;

  switch (phase)
    {
    case WH_SYNC_PHASE_DOWNLOADING:
      if (log)
        return total >= 0 ? g_strdup_printf (_("%s: downloading the region’s data, %.1f MB"),
                                             collection, MB (total))
                          : g_strdup_printf (_("%s: downloading the region’s data"), collection);
      return total >= 0 ? g_strdup_printf (_("%s: downloading the region’s data %.1f of %.1f MB"),
                                           collection, MB (done), MB (total))
                        : g_strdup_printf (_("%s: downloading the region’s data %.1f MB"),
                                           collection, MB (done));
    case WH_SYNC_PHASE_CHECKING:
      return g_strdup_printf (_("%s: checking the region’s data"), collection);
    case WH_SYNC_PHASE_COPYING:
      rows = g_strdup_printf ("%" G_GINT64_FORMAT, total);
      return g_strdup_printf (ngettext ("%s: copying %s record", "%s: copying %s records",
                                        (gulong) MAX (total, 0)), collection, rows);
    case WH_SYNC_PHASE_INDEXING:
      return g_strdup_printf (_("%s: building the search index"), collection);
    case WH_SYNC_PHASE_RECORDS:
    default:
      return NULL;
    }
}

static void
progress_cb (WhSync      *sync,
             const char  *collection,
             WhSyncPhase  phase,
             gint64       done,
             gint64       total,
             gpointer     user_data)
{
  gboolean new_phase;
  g_autofree char *line = NULL;

  if (g_strcmp0 (cli.progress_collection, collection) != 0)
    {
      if (cli.progress_collection != NULL && cli.tty)
        fputc ('\n', stderr);
      g_free (cli.progress_collection);
      cli.progress_collection = g_strdup (collection);
      cli.progress_phase = -1;
    }
  new_phase = cli.progress_phase != (gint) phase;
  cli.progress_phase = phase;
  if (!cli.tty)
    {
      /* A log gets the snapshot's phases as they start (a download of
       * minutes would otherwise leave it silent); the records' lines come
       * at the end (cmd_sync). */
      if (new_phase && (line = snapshot_line (collection, phase, done, total, TRUE)) != NULL)
        fprintf (stderr, "%s\n", line);
      return;
    }
  /* \033[K: what a longer line before left on the right is cleared. */
  if ((line = snapshot_line (collection, phase, done, total, FALSE)) != NULL)
    fprintf (stderr, "\r%s\033[K", line);
  else if (total > 0)
    fprintf (stderr, "\r%-10s %9" G_GINT64_FORMAT " / %-9" G_GINT64_FORMAT " %3d%%\033[K",
             collection, done, total, (int) (100 * done / total));
  else
    fprintf (stderr, "\r%-10s %9" G_GINT64_FORMAT "\033[K", collection, done);
  fflush (stderr);
}

static int
cmd_sync (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(GPtrArray) collections = g_ptr_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *token = NULL;
  guint64 records = 0, deleted = 0, rejected = 0;
  guint pages = 0, not_modified = 0;
  gboolean ok;

  for (guint i = 0; args[i] != NULL; i++)
    {
      const WhCollection *c = wh_schema_lookup (args[i]);

      if (c == NULL || !(c->flags & WH_COLLECTION_SYNCED))
        return usage (_("Unknown collection. Collections: categories, courses, lessons, "
                        "questions, employers, jobs, fairs, stations, merchants."));
      g_ptr_array_add (collections, (gpointer) c);
    }
  if (!open_store (&error))
    return fail_error (error);

  /* With a saved sign-in, the user's queued writes go out too. */
  token = wh_token_lookup_sync (cli.server, NULL);
  if (token != NULL)
    wh_api_set_token (cli.api, token);

  sync = wh_sync_new (cli.api, cli.store);
  wh_sync_set_region (sync, cli.region);
  wh_sync_set_use_snapshots (sync, !cli.no_snapshot);
  if (cli.limit > 0)
    wh_sync_set_page_limit (sync, (guint) cli.limit);
  /* Records, and a region snapshot's download, check and copy before them. */
  cli.progress_phase = -1;
  g_signal_connect (sync, "phase-progress", G_CALLBACK (progress_cb), NULL);
  if (collections->len > 0)
    wh_sync_run_async (sync, (const WhCollection * const *) collections->pdata, collections->len,
                       cli.cancellable, result_cb, &result);
  else
    wh_sync_run_async (sync, NULL, 0, cli.cancellable, result_cb, &result);
  ok = wh_sync_run_finish (sync, await (&result), &report, &error);
  if (cli.tty && cli.progress_collection != NULL)
    fputc ('\n', stderr);
  g_clear_pointer (&cli.progress_collection, g_free);

  if (report != NULL)
    {
      for (guint i = 0; i < report->collections->len; i++)
        {
          WhSyncCollectionReport *cr = &g_array_index (report->collections,
                                                       WhSyncCollectionReport, i);

          records += cr->records;
          deleted += cr->deleted;
          rejected += cr->rejected;
          pages += cr->pages;
          not_modified += cr->not_modified;
          /* The progress line when stderr is a log, not a terminal. The
           * error itself is the one last line. */
          if (!cli.tty || cli.verbose)
            fprintf (stderr, "%-10s %" G_GUINT64_FORMAT " records, %" G_GUINT64_FORMAT
                     " deleted, %" G_GUINT64_FORMAT " rejected%s%s\n", cr->collection->name,
                     cr->records, cr->deleted, cr->rejected,
                     cr->not_modified ? _(", unchanged") : "", cr->error ? _(", failed") : "");
        }
      if (cli.verbose)
        for (guint i = 0; i < report->messages->len; i++)
          fprintf (stderr, "%s\n", (char *) g_ptr_array_index (report->messages, i));
      printf ("synced\t%" G_GUINT64_FORMAT " records\t%" G_GUINT64_FORMAT " deleted\t%"
              G_GUINT64_FORMAT " rejected\t%u pages\t%u unchanged\t%.3f s\n",
              records, deleted, rejected, pages, not_modified,
              (report->finished_us - report->started_us) / (double) G_USEC_PER_SEC);
      if (report->outbox_sent || report->outbox_dropped || report->outbox_left)
        printf ("outbox\t%u sent\t%u refused\t%u waiting\n", report->outbox_sent,
                report->outbox_dropped, report->outbox_left);
    }
  if (!ok)
    return fail_error (error);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* search, near, merchants, stats                                            */

static void
print_record (const WhRecord *r)
{
  g_autofree char *title = field (text_of (r, r->collection->title_field));
  g_autoptr(GString) rest = g_string_new (NULL);

  if (r->collection == &wh_collection_jobs)
    {
      g_autofree char *employer = field (text_of (r, "employer_name"));
      g_autofree char *district = field (text_of (r, "district"));
      g_autofree char *period = field (text_of (r, "salary_period"));

      g_string_append_printf (rest, "\t%s\t%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%s\t%s",
                              employer, wh_record_get_int (r, "salary_min"),
                              wh_record_get_int (r, "salary_max"), period, district);
    }
  else if (r->collection == &wh_collection_courses)
    {
      g_autofree char *author = field (text_of (r, "author"));
      g_autofree char *trade = field (text_of (r, "trade"));

      g_string_append_printf (rest, "\t%s\t%s", author, trade);
    }
  else if (r->collection == &wh_collection_stations)
    {
      g_autofree char *address = field (text_of (r, "address"));
      g_autofree char *status = field (text_of (r, "status"));

      g_string_append_printf (rest, "\t%s\t%s", address, status);
    }
  else if (r->collection == &wh_collection_merchants)
    {
      g_autofree char *address = field (text_of (r, "address"));
      g_auto(GStrv) windows = wh_record_dup_strv (r, "windows");
      g_autofree char *joined = windows ? g_strjoinv (",", windows) : g_strdup ("");
      g_autofree char *windows_field = field (joined);

      g_string_append_printf (rest, "\t%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\t%s\t%s",
                              wh_record_get_int (r, "remaining_today"),
                              wh_record_get_int (r, "daily_quota"), windows_field, address);
    }
  printf ("%" G_GINT64_FORMAT "\t%s%s\n", r->id, title, rest->str);
}

static int
cmd_search (char **args)
{
  static const char * const searchable[] = { "jobs", "courses", "stations", "merchants" };
  g_autoptr(GError) error = NULL;
  const WhCollection *collection = NULL;
  g_autoptr(GPtrArray) records = NULL;

  if (args[0] == NULL || args[1] == NULL || args[2] != NULL)
    return usage (_("Usage: search jobs|courses|stations|merchants QUERY [--limit N] "
                    "[--count]"));
  for (guint i = 0; i < G_N_ELEMENTS (searchable); i++)
    if (strcmp (args[0], searchable[i]) == 0)
      collection = wh_schema_lookup (searchable[i]);
  if (collection == NULL)
    return usage (_("Search one of: jobs, courses, stations, merchants."));
  if (!g_utf8_validate (args[1], -1, NULL))
    return usage (_("The query is not valid UTF-8."));
  if (!open_store (&error))
    return fail_error (error);

  if (cli.count)
    {
      gint64 n = wh_store_search_count (cli.store, collection, args[1], &error);

      if (n < 0)
        return fail_error (error);
      printf ("%" G_GINT64_FORMAT "\n", n);
      return EXIT_SUCCESS;
    }
  records = wh_store_search (cli.store, collection, args[1], cli.limit > 0 ? cli.limit : 20,
                             &error);
  if (records == NULL)
    return fail_error (error);
  for (guint i = 0; i < records->len; i++)
    print_record (g_ptr_array_index (records, i));
  return EXIT_SUCCESS;
}

static int
cmd_near (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) nearby = NULL;
  double lat, lon;

  if (args[0] == NULL || args[1] == NULL || args[2] != NULL)
    return usage (_("Usage: near LAT LON [--limit N]"));
  if (!parse_double (args[0], -90, 90, &lat) || !parse_double (args[1], -180, 180, &lon))
    return usage (_("LAT must be a number from -90 to 90 and LON one from -180 to 180."));
  if (!open_store (&error))
    return fail_error (error);
  nearby = wh_store_query_nearest (cli.store, &wh_collection_stations, lat, lon,
                                   cli.limit > 0 ? cli.limit : 10, &error);
  if (nearby == NULL)
    return fail_error (error);
  for (guint i = 0; i < nearby->len; i++)
    {
      WhNearby *n = g_ptr_array_index (nearby, i);
      g_autofree char *name = field (text_of (n->record, "name"));
      g_autofree char *address = field (text_of (n->record, "address"));

      printf ("%" G_GINT64_FORMAT "\t%s\t%.0f m\t%s\n", n->record->id, name, n->distance_m,
              address);
    }
  return EXIT_SUCCESS;
}

static int
cmd_merchants (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_merchants);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const WhCollection *merchants[] = { &wh_collection_merchants };

  if (args[0] != NULL)
    return usage (_("Usage: merchants [--limit N] [--region ADCODE]"));
  if (!open_store (&error))
    return fail_error (error);

  /* Today's quotas move: refresh them first, and fall back to the cache. */
  sync = wh_sync_new (cli.api, cli.store);
  wh_sync_run_async (sync, merchants, 1, cli.cancellable, result_cb, &result);
  if (!wh_sync_run_finish (sync, await (&result), NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return fail_error (error);
      fprintf (stderr, "workers-home-cli: %s %s\n", error->message,
               _("Showing the saved list."));
      g_clear_error (&error);
    }

  if (cli.region > 0)
    wh_query_where_region (query, cli.region);
  wh_query_set_order (query, "name", FALSE);
  records = wh_store_query (cli.store, query, 0, cli.limit > 0 ? cli.limit : 1000, &error);
  if (records == NULL)
    return fail_error (error);
  for (guint i = 0; i < records->len; i++)
    print_record (g_ptr_array_index (records, i));
  return EXIT_SUCCESS;
}

static int
cmd_stats (char **args)
{
  g_autoptr(GError) error = NULL;
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);
  gint64 outbox;

  if (args[0] != NULL)
    return usage (_("Usage: stats"));
  if (!open_store (&error))
    return fail_error (error);
  for (guint i = 0; i < n; i++)
    {
      WhSyncState state = { 0, };
      char region[8];
      gint64 count = wh_store_count (cli.store, collections[i], &error);
      g_autofree char *when = NULL;

      if (count < 0 ||
          !wh_store_get_sync_state (cli.store, collections[i],
                                    region_text (collections[i], region), &state, &error))
        return fail_error (error);
      if (state.synced_at > 0)
        {
          g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (state.synced_at);
          when = t ? g_date_time_format_iso8601 (t) : NULL;
        }
      printf ("%s\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%s\n", collections[i]->name, count,
              state.next_since, when ? when : "never");
      wh_sync_state_clear (&state);
    }
  outbox = wh_store_outbox_count (cli.store, &error);
  if (outbox < 0)
    return fail_error (error);
  printf ("outbox\t%" G_GINT64_FORMAT "\n", outbox);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Sign-in                                                                   */

static gboolean
phone_is_valid (const char *phone)
{
  if (strlen (phone) != 11 || phone[0] != '1')
    return FALSE;
  for (const char *p = phone; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static int
cmd_request_code (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gint64 resend_after = 0;

  if (args[0] == NULL || args[1] != NULL)
    return usage (_("Usage: request-code PHONE"));
  if (!phone_is_valid (args[0]))
    return usage (_("A phone number has 11 digits and starts with 1."));
  wh_api_request_code_async (cli.api, args[0], cli.cancellable, result_cb, &result);
  if (!wh_api_request_code_finish (cli.api, await (&result), &resend_after, &error))
    {
      return fail_error (error);
    }
  printf ("%s\n", _("Code sent."));
  return EXIT_SUCCESS;
}

static int
cmd_login (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *phone = NULL;

  if (args[0] == NULL || args[1] == NULL || args[2] != NULL)
    return usage (_("Usage: login PHONE CODE"));
  if (!phone_is_valid (args[0]))
    return usage (_("A phone number has 11 digits and starts with 1."));
  wh_api_login_async (cli.api, args[0], args[1], cli.cancellable, result_cb, &result);
  me = wh_api_login_finish (cli.api, await (&result), &token, &expires_at, &error);
  if (me == NULL)
    return fail_error (error);
  if (!wh_token_store_sync (cli.server, token, &error))
    /* Signed in all the same, for this process only. */
    fprintf (stderr, "workers-home-cli: %s\n", error->message);
  if (token != NULL)
    memset (token, 0, strlen (token));
  phone = field (text_of (me, "phone"));
  printf ("signed-in\t%s\t%s\t%s\n", phone,
          wh_record_get_bool (me, "eligible") ? "eligible" : "not-eligible",
          expires_at ? expires_at : "");
  return EXIT_SUCCESS;
}

static int
cmd_logout (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) keyring_error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *token = NULL;

  if (args[0] != NULL)
    return usage (_("Usage: logout"));
  token = wh_token_lookup_sync (cli.server, &keyring_error);
  if (keyring_error != NULL)
    return fail_error (keyring_error);
  if (token == NULL)
    {
      printf ("%s\n", _("Not signed in."));
      return EXIT_SUCCESS;
    }
  /* Forget it here first: whatever the server says, this machine is done. */
  if (!wh_token_clear_sync (cli.server, &keyring_error))
    return fail_error (keyring_error);
  if (!wh_api_set_token (cli.api, token))
    {
      printf ("%s\n", _("Signed out."));
      return EXIT_SUCCESS;
    }
  wh_api_logout_async (cli.api, cli.cancellable, result_cb, &result);
  if (!wh_api_logout_finish (cli.api, await (&result), &error) &&
      !g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
    return fail (_("Signed out here, but the server could not be told: %s"), error->message);
  printf ("%s\n", _("Signed out."));
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Vouchers                                                                  */

static void
print_voucher (const WhRecord *v)
{
  g_autofree char *name = field (text_of (v, "merchant_name"));
  g_autofree char *code = field (text_of (v, "code"));
  g_autofree char *valid_until = field (text_of (v, "valid_until"));
  g_autofree char *id = field (text_of (v, "voucher_id"));

  printf ("%s\t%s\t%s\t%s\n", code, valid_until, name, id);
}

/* The Idempotency-Key of a claim is kept in the cache (a private file)
 * until the claim has a definite answer, so running "claim" again after a
 * lost response returns the same voucher instead of failing (or, worse,
 * claiming twice). Keys are per merchant and the server's day. */
static int
cmd_claim (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autofree char *day = wh_api_service_day ();
  g_autofree char *new_key = wh_api_new_idempotency_key ();
  g_autofree char *key = NULL;
  gint64 merchant_id;

  if (args[0] == NULL || args[1] != NULL)
    return usage (_("Usage: claim MERCHANT_ID"));
  if (!parse_int (args[0], 1, G_MAXINT64, &merchant_id))
    return usage (_("MERCHANT_ID must be a positive number."));
  if (!load_token ())
    return EXIT_FAILURE;
  if (!open_store (&error))
    return fail_error (error);

  key = wh_store_begin_claim (cli.store, merchant_id, day, new_key, &error);
  if (key == NULL)
    return fail_error (error);
  wh_api_claim_voucher_async (cli.api, merchant_id, key, cli.cancellable, result_cb, &result);
  voucher = wh_api_claim_voucher_finish (cli.api, await (&result), &error);
  if (voucher == NULL)
    {
      /* A definite no ends the claim; a lost answer keeps the key for next time. */
      if (!wh_api_error_is_transient (error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        wh_store_finish_claim (cli.store, merchant_id, day, NULL, NULL);
      return fail_authenticated (error);
    }
  /* The voucher is kept and the key forgotten in one transaction. */
  {
    g_autoptr(GError) store_error = NULL;

    if (!wh_store_finish_claim (cli.store, merchant_id, day, voucher, &store_error))
      g_printerr ("workers-home-cli: %s\n", store_error->message);
  }
  print_voucher (voucher);
  return EXIT_SUCCESS;
}

static int
cmd_vouchers (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) vouchers = NULL;

  if (args[0] != NULL)
    return usage (_("Usage: vouchers"));
  if (!load_token ())
    return EXIT_FAILURE;
  wh_api_list_vouchers_async (cli.api, cli.cancellable, result_cb, &result);
  vouchers = wh_api_list_vouchers_finish (cli.api, await (&result), &error);
  if (vouchers == NULL)
    return fail_authenticated (error);
  for (guint i = 0; i < vouchers->len; i++)
    {
      WhRecord *v = g_ptr_array_index (vouchers, i);
      g_autofree char *id = field (text_of (v, "voucher_id"));
      g_autofree char *name = field (text_of (v, "merchant_name"));
      g_autofree char *status = field (text_of (v, "status"));
      g_autofree char *day = field (text_of (v, "day"));

      printf ("%s\t%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", id, wh_record_get_int (v, "merchant_id"),
              name, status, day);
    }
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */

/* The counter's own database: --cache names it, not a worker's cache. */
static int
cmd_counter (char **args)
{
  WhCliCounter opts = {
    cli.server, cli.server_given, cli.cache_given ? cli.cache : NULL, cli.allow_insecure,
    cli.cancellable,
  };

  return wh_cli_counter (&opts, args);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  /* A sync stops after the page it is writing; the cache stays sound. */
  g_cancellable_cancel (cli.cancellable);
  return G_SOURCE_CONTINUE;
}

static const struct
{
  const char *name;
  int (*run) (char **args);
} commands[] = {
  { "sync", cmd_sync },
  { "search", cmd_search },
  { "near", cmd_near },
  { "stats", cmd_stats },
  { "request-code", cmd_request_code },
  { "login", cmd_login },
  { "logout", cmd_logout },
  { "merchants", cmd_merchants },
  { "claim", cmd_claim },
  { "vouchers", cmd_vouchers },
  { "counter", cmd_counter },
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;
  g_autofree char *cache = NULL;
  g_auto(GStrv) rest = NULL;
  int (*run) (char **args) = NULL;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      N_("Server address (default http://127.0.0.1:8080)"), "URL" },
    { "cache", 'c', 0, G_OPTION_ARG_FILENAME, &cache,
      N_("Cache file (default in the user cache directory)"), "PATH" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &cli.limit,
      N_("At most N results; for sync, records per page"), "N" },
    { "count", 0, 0, G_OPTION_ARG_NONE, &cli.count, N_("Print only the number of matches"),
      NULL },
    { "region", 'r', 0, G_OPTION_ARG_INT, &cli.region,
      N_("Region adcode for jobs and merchants (e.g. 110100)"), "ADCODE" },
    { "allow-insecure", 0, 0, G_OPTION_ARG_NONE, &cli.allow_insecure,
      N_("Developer option: allow plain http to hosts other than this computer"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &cli.verbose, N_("Say more on stderr"), NULL },
    { "no-snapshot", 0, 0, G_OPTION_ARG_NONE, &cli.no_snapshot,
      N_("For sync: a first pull of jobs through the changes feed only, without the region "
         "snapshot"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, N_("COMMAND [ARGS…]") },
    { NULL }
  };
  int status;

  setlocale (LC_ALL, "");
  /* Before anything (libshumate's tile cache too) starts SQLite. */
  wh_store_configure_sqlite ();
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* A server that closes the connection must not kill us with SIGPIPE. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Commands:\n"
      "  sync [COLLECTION…]        update the cache (all collections by default)\n"
      "  search jobs|courses|stations|merchants QUERY [--limit N] [--count]\n"
      "  near LAT LON [--limit N]  nearest stations with their distance\n"
      "  stats                     counts, cursors and last sync of each collection\n"
      "  request-code PHONE        have a sign-in code sent\n"
      "  login PHONE CODE          sign in (the token is kept in the keyring)\n"
      "  logout                    sign out\n"
      "  merchants                 love-meal merchants with today’s quota\n"
      "  claim MERCHANT_ID         claim today’s love-meal voucher\n"
      "  vouchers                  your vouchers\n"
      "  counter pair MERCHANT_ID MERCHANT_KEY   pair this computer as a merchant’s counter\n"
      "  counter sync              upload redemptions, fetch today’s vouchers; prints conflicts\n"
      "  counter redeem PAYLOAD_OR_CODE   check a voucher offline (exit 0 accepted, 3 refused)\n"
      "  counter list              today’s redemptions and whether each is uploaded"));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (error->message);
  if (rest == NULL || rest[0] == NULL)
    return usage (_("No command given."));
  if (cli.limit < 0 || cli.limit > 100000)
    return usage (_("--limit must be between 1 and 100000."));
  if (cli.region < 0 || cli.region > 999999)
    return usage (_("--region must be a 6-digit adcode."));
  /* Known before anything starts (the API's session, the signal
   * handlers' worker thread): a mistyped command ends here. */
  for (guint i = 0; i < G_N_ELEMENTS (commands) && run == NULL; i++)
    if (strcmp (rest[0], commands[i].name) == 0)
      run = commands[i].run;
  if (run == NULL)
    return usage (_("Unknown command."));

  cli.server_given = server != NULL;
  cli.cache_given = cache != NULL;
  cli.server = g_strdup (server ? server : "http://127.0.0.1:8080");
  cli.cache = cache ? g_steal_pointer (&cache) : wh_store_default_path ();
  cli.tty = isatty (STDERR_FILENO);
  cli.cancellable = g_cancellable_new ();
  cli.api = wh_api_new (cli.server, &error);
  if (cli.api == NULL)
    return usage (error->message);
  wh_api_set_allow_insecure (cli.api, cli.allow_insecure);
  /* Trailing slashes and the like: the keyring entry is per canonical URL. */
  g_free (cli.server);
  cli.server = g_strdup (wh_api_get_base_url (cli.api));
  g_unix_signal_add (SIGINT, interrupt_cb, NULL);
  g_unix_signal_add (SIGTERM, interrupt_cb, NULL);

  status = run (rest + 1);

  if (fflush (stdout) != 0 && status == EXIT_SUCCESS)
    status = fail ("%s", _("Could not write the output."));
  g_clear_object (&cli.store);
  g_clear_object (&cli.api);
  g_clear_object (&cli.cancellable);
  wh_token_shutdown ();
  g_free (cli.server);
  g_free (cli.cache);
  return status;
}
