/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-jobs-ui: the job list as a worker uses it, on a million-job cache.
 *
 *   bench-jobs-ui CACHE
 *
 * CACHE is a cache filled with the national demo data's jobs of five
 * provinces (bench-core load; see bench/run-core-bench and the README). Run
 * it under Xvfb (xvfb-run -a -s "-screen 0 1280x800x24"). It shows the real
 * WhJobsView in a 1000×720 window and measures, with the frame clock:
 *
 *  - scrolling the real GtkListView from the first job to the last, a
 *    screenful a frame (the whole list in screenful steps would take an
 *    hour of frames, so "fling" covers the first FLING_FRAMES screenfuls and
 *    "drag" crosses the whole list in DRAG_STEPS jumps, as dragging the
 *    scrollbar does): the time between painted frames;
 *  - changing filters (place, trade, pay, 日结, posted within, order,
 *    search, a rare trade nearest first): the time from the change to the
 *    first frame painted with the new rows.
 *
 * Prints "key: value" lines (milliseconds); nothing is written anywhere. */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "wh-job-filters.h"
#include "jobs/wh-jobs-view.h"
#include "wh-list-model.h"
#include "wh-context.h"
#include "wh-service-page.h"

#define FLING_FRAMES 600
#define DRAG_STEPS   400
#define REPEATS      3

typedef struct
{
  GtkWidget     *window;
  WhJobsView    *view;
  GtkWidget     *list;
  GtkAdjustment *adjustment;
  GArray        *frame_us;   /* monotonic time of each paint */
  gint64         last_paint;
  guint          paints;
} Bench;

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *b)
{
  gint64 now = g_get_monotonic_time ();

  b->last_paint = now;
  b->paints++;
  if (b->frame_us)
    g_array_append_val (b->frame_us, now);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
iterate_until (gboolean (*done) (Bench *),
               Bench     *b,
               guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  /* A blocking iteration with nothing to do would never come back. */
  guint wake = g_timeout_add (5, wake_cb, NULL);

  while (!done (b) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

static gboolean
has_rows (Bench *b)
{
  GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (b->list));

  return model && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0 &&
         !wh_jobs_view_get_busy (b->view);
}

static guint wait_paints;

static gboolean
painted_again (Bench *b)
{
  return b->paints >= wait_paints;
}

static void
wait_frames (Bench *b,
             guint  n)
{
  wait_paints = b->paints + n;
  gtk_widget_queue_draw (b->window);
  iterate_until (painted_again, b, 5000);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
put_stats (const char *name,
           GArray     *ms)
{
  double sum = 0;

  g_array_sort (ms, compare_double);
  for (guint i = 0; i < ms->len; i++)
    sum += g_array_index (ms, double, i);
  if (ms->len == 0)
    return;
  printf ("%s_count: %u\n", name, ms->len);
  printf ("%s_p50_ms: %.1f\n", name, g_array_index (ms, double, ms->len / 2));
  printf ("%s_p95_ms: %.1f\n", name, g_array_index (ms, double, MIN (ms->len - 1, ms->len * 95 / 100)));
  printf ("%s_max_ms: %.1f\n", name, g_array_index (ms, double, ms->len - 1));
  printf ("%s_mean_ms: %.1f\n", name, sum / ms->len);
}

/* Intervals between paints, in ms. */
static GArray *
intervals (GArray *frame_us)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 1; i < frame_us->len; i++)
    {
      double d = (g_array_index (frame_us, gint64, i) - g_array_index (frame_us, gint64, i - 1)) / 1000.0;
      g_array_append_val (ms, d);
    }
  return ms;
}

/* Scrolls by step pixels a frame until the end (or max_frames). */
static void
scroll (Bench      *b,
        const char *name,
        double      step,
        guint       max_frames)
{
  g_autoptr(GArray) ms = NULL;
  guint frames = 0;
  gint64 t0;

  gtk_adjustment_set_value (b->adjustment, 0);
  wait_frames (b, 3);
  b->frame_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  t0 = g_get_monotonic_time ();
  while (frames < max_frames)
    {
      double upper = gtk_adjustment_get_upper (b->adjustment);
      double page = gtk_adjustment_get_page_size (b->adjustment);
      double value = gtk_adjustment_get_value (b->adjustment);

      if (value + page >= upper - 1)
        break;
      gtk_adjustment_set_value (b->adjustment, MIN (value + step, upper - page));
      wait_frames (b, 1);
      frames++;
    }
  ms = intervals (b->frame_us);
  g_clear_pointer (&b->frame_us, g_array_unref);
  printf ("%s_frames: %u\n", name, frames);
  printf ("%s_seconds: %.2f\n", name, (g_get_monotonic_time () - t0) / 1e6);
  printf ("%s_reached_end: %s\n", name,
          gtk_adjustment_get_value (b->adjustment) + gtk_adjustment_get_page_size (b->adjustment) >=
            gtk_adjustment_get_upper (b->adjustment) - 1 ? "yes" : "no");
  {
    char key[64];

    g_snprintf (key, sizeof key, "%s_frame", name);
    put_stats (key, ms);
  }
}

static gboolean
not_busy (Bench *b)
{
  return !wh_jobs_view_get_busy (b->view);
}

/* From a change to the first paint with the new rows. */
static double
measure_change (Bench              *b,
                const WhJobFilters *filters,
                const char         *search)
{
  GtkWidget *entry = NULL;
  gint64 t0;

  for (GtkWidget *w = GTK_WIDGET (b->view); w; )
    {
      /* the search entry: the first GtkSearchEntry outside a popover */
      GtkWidget *next = gtk_widget_get_first_child (w);
      if (GTK_IS_SEARCH_ENTRY (w) && gtk_widget_get_ancestor (w, GTK_TYPE_POPOVER) == NULL)
        {
          entry = w;
          break;
        }
      while (next == NULL && w != NULL && w != GTK_WIDGET (b->view))
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      if (next == NULL)
        break;
      w = next;
    }
  t0 = g_get_monotonic_time ();
  if (search != NULL && entry != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (entry), search);
      /* what the entry does after its short typing delay */
      g_signal_emit_by_name (entry, "search-changed");
    }
  else
    wh_jobs_view_set_filters (b->view, filters);
  iterate_until (not_busy, b, 60000);
  wait_frames (b, 1);
  return (b->last_paint - t0) / 1000.0;
}

/* ---- The filter changes ---------------------------------------------------- */

/* Each step changes the filters left by the one before, as a person
 * narrowing down; a step with search types that text instead. */
static void step_city (WhJobFilters *f) { f->region = 440100; }
static void step_district (WhJobFilters *f) { f->region = 440106; }
static void
step_welfare (WhJobFilters *f)
{
  f->region = 0;
  wh_job_filters_set_welfare (f, "日结", TRUE);
}
static void
step_pay (WhJobFilters *f)
{
  f->pay_period = g_strdup ("day");
  f->pay_min = 200;
  f->pay_max = 300;
}
static void step_posted (WhJobFilters *f) { f->posted_within = 7; }
static void step_sort_salary (WhJobFilters *f) { f->sort = WH_JOB_SORT_SALARY; }
static void step_sort_distance (WhJobFilters *f) { f->sort = WH_JOB_SORT_DISTANCE; }
static void
step_distance_all (WhJobFilters *f)
{
  g_clear_pointer (&f->pay_period, g_free);
  f->pay_min = f->pay_max = 0;
  f->posted_within = 0;
  wh_job_filters_set_welfare (f, "日结", FALSE);
}
static void
step_category (WhJobFilters *f)
{
  f->sort = WH_JOB_SORT_NEWEST;
  f->category = g_strdup ("道路运输");
}
static void step_clear (WhJobFilters *f) { g_clear_pointer (&f->category, g_free); }
/* What took seconds: nearest first, and filters that leave a few jobs of a
 * district (a rare trade with a benefit). */
static void
step_rare_distance (WhJobFilters *f)
{
  f->region = 440106;
  f->category = g_strdup ("安全生产");
  wh_job_filters_set_welfare (f, "包吃住", TRUE);
  f->sort = WH_JOB_SORT_DISTANCE;
}
static void
step_rare_clear (WhJobFilters *f)
{
  f->region = 0;
  g_clear_pointer (&f->category, g_free);
  wh_job_filters_set_welfare (f, "包吃住", FALSE);
  f->sort = WH_JOB_SORT_NEWEST;
}
static void step_none (WhJobFilters *f) { }

static const struct
{
  const char *label;
  void      (*apply) (WhJobFilters *f);
  const char *search;
} steps[] = {
  { "city", step_city, NULL },
  { "district", step_district, NULL },
  { "welfare", step_welfare, NULL },
  { "pay", step_pay, NULL },
  { "posted", step_posted, NULL },
  { "sort_salary", step_sort_salary, NULL },
  { "sort_distance", step_sort_distance, NULL },
  { "distance_all", step_distance_all, NULL },
  { "category", step_category, NULL },
  { "clear", step_clear, NULL },
  { "search_电工", step_none, "电工" },
  { "search_快递", step_none, "快递" },
  { "search_clear", step_none, "" },
  { "rare_distance", step_rare_distance, NULL },
  { "rare_clear", step_rare_clear, NULL },
};

/* 广州 天河: the distance order has an origin. */
#define ORIGIN_LAT 23.1291
#define ORIGIN_LON 113.2644

/* --store, then: a page deep in the list, as a drag of the scrollbar asks
 * for it (an offset, no key), at each tenth of the newest-first list, all
 * jobs and one city's. */
static int
bench_store_jumps (WhStore *store,
                   GDate   *today)
{
  g_autoptr(GArray) jumps = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint r = 0; r < REPEATS; r++)
    for (guint city = 0; city < 2; city++)
      {
        g_autoptr(WhJobFilters) f = wh_job_filters_new ();
        g_autoptr(WhQuery) query = NULL;
        g_autoptr(GError) error = NULL;
        gint64 n;

        if (city)
          step_city (f);
        query = wh_job_filters_to_query (f, NULL, today, TRUE, ORIGIN_LAT, ORIGIN_LON);
        if ((n = wh_store_query_count (store, query, &error)) < 0)
          {
            g_printerr ("bench-jobs-ui: %s\n", error->message);
            return 1;
          }
        for (guint tenth = 1; tenth <= 9; tenth++)
          {
            guint offset = (guint) (n * tenth / 10);
            g_autoptr(GPtrArray) page = NULL;
            gint64 t0 = g_get_monotonic_time ();
            double ms;

            page = wh_store_query (store, query, offset, WH_LIST_MODEL_PAGE_SIZE, &error);
            ms = (g_get_monotonic_time () - t0) / 1000.0;
            if (page == NULL || page->len == 0)
              {
                g_printerr ("bench-jobs-ui: no page at %u of %" G_GINT64_FORMAT ": %s\n", offset,
                            n, error ? error->message : "empty");
                return 1;
              }
            g_array_append_val (jumps, ms);
            printf ("store_jump_%s_%u_%u: %.1f ms (at %u of %" G_GINT64_FORMAT ")\n",
                    city ? "city" : "all", tenth, r, ms, offset, n);
          }
      }
  put_stats ("store_jump", jumps);
  return 0;
}

/* --store: what the list model does off the main thread at each change (the
 * count, then the first page), timed apart and without GTK, so a slow change
 * can be pinned on one of the two. With WH_STORE_SLOW_MS=N the store also
 * prints each statement of N ms or more, with its query plan. */
static int
bench_store (WhStore *store)
{
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) both = g_array_new (FALSE, FALSE, sizeof (double));
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_time_t (&today, time (NULL));
  for (guint r = 0; r < REPEATS; r++)
    {
      g_autoptr(WhJobFilters) f = wh_job_filters_new ();

      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          g_autoptr(WhQuery) query = NULL;
          g_autoptr(GPtrArray) page = NULL;
          g_autoptr(GError) error = NULL;
          gint64 t0, t1, t2, n;
          double ms;

          steps[i].apply (f);
          query = wh_job_filters_to_query (f, steps[i].search, &today, TRUE, ORIGIN_LAT, ORIGIN_LON);
          t0 = g_get_monotonic_time ();
          n = wh_store_query_count (store, query, &error);
          t1 = g_get_monotonic_time ();
          if (n >= 0)
            page = wh_store_query (store, query, 0, WH_LIST_MODEL_PAGE_SIZE, &error);
          t2 = g_get_monotonic_time ();
          if (page == NULL)
            {
              g_printerr ("bench-jobs-ui: %s\n", error->message);
              return 1;
            }
          ms = (t1 - t0) / 1000.0;
          g_array_append_val (counts, ms);
          ms = (t2 - t1) / 1000.0;
          g_array_append_val (pages, ms);
          ms = (t2 - t0) / 1000.0;
          g_array_append_val (both, ms);
          printf ("store_%s_%u: count %.1f ms (%" G_GINT64_FORMAT " jobs), page %.1f ms\n",
                  steps[i].label, r, (t1 - t0) / 1000.0, n, (t2 - t1) / 1000.0);
        }
    }
  put_stats ("store_count", counts);
  put_stats ("store_page", pages);
  put_stats ("store_change", both);
  return bench_store_jumps (store, &today);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(WhContext) context = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWidget *list;
  Bench b = { 0 };
  gboolean store_only = argc == 3 && strcmp (argv[1], "--store") == 0;
  gint64 t0;
  guint n;

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc != 2 && !store_only)
    {
      g_printerr ("usage: bench-jobs-ui CACHE (under Xvfb)\n"
                  "       bench-jobs-ui --store CACHE\n");
      return 2;
    }
  if (store_only)
    {
      if ((store = wh_store_open (argv[2], &error)) == NULL)
        {
          g_printerr ("bench-jobs-ui: %s\n", error->message);
          return 1;
        }
      printf ("jobs_cached: %" G_GINT64_FORMAT "\n",
              wh_store_count (store, &wh_collection_jobs, NULL));
      return bench_store (store);
    }
  /* Settings of its own, never the person's. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", WH_BUILD_ROOT "/data", TRUE);
  gtk_init ();
  adw_init ();

  t0 = g_get_monotonic_time ();
  store = wh_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("bench-jobs-ui: %s\n", error->message);
      return 1;
    }
  printf ("jobs_cached: %" G_GINT64_FORMAT "\n", wh_store_count (store, &wh_collection_jobs, NULL));
  settings = g_settings_new (APP_ID);
  context = wh_context_new (settings, FALSE);
  wh_context_set_location (context, ORIGIN_LAT, ORIGIN_LON, TRUE);

  b.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (b.window), 1000, 720);
  b.view = g_object_new (WH_TYPE_JOBS_VIEW, NULL);
  gtk_window_set_child (GTK_WINDOW (b.window), GTK_WIDGET (b.view));
  gtk_window_present (GTK_WINDOW (b.window));
  wh_service_page_set_context (WH_SERVICE_PAGE (b.view), context);
  wh_context_set_store (context, store);
  list = b.list = GTK_WIDGET (wh_jobs_view_get_list (b.view));
  b.adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));
  g_signal_connect (gtk_widget_get_frame_clock (b.window), "after-paint",
                    G_CALLBACK (after_paint_cb), &b);
  iterate_until (has_rows, &b, 60000);
  wait_frames (&b, 5);
  n = g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))));
  printf ("list_items: %u\n", n);
  printf ("first_rows_ms: %.1f\n", (b.last_paint - t0) / 1000.0);

  /* Scrolling: a screenful a frame, then the whole list in jumps. */
  scroll (&b, "fling", gtk_adjustment_get_page_size (b.adjustment), FLING_FRAMES);
  scroll (&b, "drag", gtk_adjustment_get_upper (b.adjustment) / DRAG_STEPS, DRAG_STEPS * 2);

  /* Filter changes, each from the one before, as a person narrows down. */
  for (guint r = 0; r < REPEATS; r++)
    {
      g_autoptr(WhJobFilters) f = wh_job_filters_new ();

      for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
        {
          double ms;

          steps[i].apply (f);
          ms = measure_change (&b, f, steps[i].search);
          g_array_append_val (changes, ms);
          if (r == 0)
            printf ("change_%s_ms: %.1f\n", steps[i].label, ms);
        }
    }
  put_stats ("filter_change", changes);

  gtk_window_destroy (GTK_WINDOW (b.window));
  return 0;
}
