/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store's threading contract (wh-store.h): ::changed arrives on the
 * context the store was created in, coalesced per collection, and the
 * _async reads run on one ordered queue. */
#define G_LOG_DOMAIN "test-store-threads"

#include "config.h"

#include "wh-store.h"
#include "wh-test-store.h"
#include "wh-test.h"

#define DEADLINE_US (10 * G_USEC_PER_SEC)

typedef struct
{
  GThread *main_thread;
  guint    jobs;       /* "jobs" emissions */
  guint    wrong;      /* emissions off the main thread or its context */
} Seen;

static void
seen_changed_cb (WhStore    *store,
                 const char *what,
                 Seen       *seen)
{
  if (g_thread_self () != seen->main_thread ||
      !g_main_context_is_owner (g_main_context_default ()))
    g_atomic_int_inc (&seen->wrong);
  if (g_strcmp0 (what, "jobs") == 0)
    g_atomic_int_inc (&seen->jobs);
}

typedef struct
{
  WhStore *store;
  guint    pages;
  gint     done;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;

  for (guint i = 1; i <= w->pages; i++)
    wh_test_apply (w->store, &wh_collection_jobs, NULL, i,
                   wh_test_make_job (i, i, "电工", NULL), NULL);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

/* Iterates the default context until *flag is set or the deadline passes;
 * returns the number of main-loop turns taken. */
static guint
spin_until_set (gint *flag)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint turns = 0;

  while (!g_atomic_int_get (flag) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      turns++;
      g_usleep (1000);
    }
  g_assert_true (g_atomic_int_get (flag));
  return turns;
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A write in a worker thread: ::changed runs in the thread that created the
 * store, inside its context, never in the writer. */
static void
test_changed_on_context (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  Seen seen = { g_thread_self (), 0, 0 };
  Writer w = { store, 1, 0 };
  g_autoptr(GThread) thread = NULL;

  g_signal_connect (store, "changed", G_CALLBACK (seen_changed_cb), &seen);
  thread = g_thread_new ("writer", writer_thread, &w);
  spin_until_set (&w.done);
  g_thread_join (g_steal_pointer (&thread));
  drain ();
  g_assert_cmpuint (seen.jobs, ==, 1);
  g_assert_cmpuint (seen.wrong, ==, 0);
  g_signal_handlers_disconnect_by_func (store, seen_changed_cb, &seen);
  wh_test_remove_tmpdir (dir);
}

/* A burst of pages from a sync thread: at most one "jobs" emission per
 * main-loop turn. (How many turns a burst spans depends on how fast the
 * machine writes: under ASan a page can take longer than a turn, so "fewer
 * emissions than pages" is checked below with the context held still.) */
static void
test_changed_coalesced (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  Seen seen = { g_thread_self (), 0, 0 };
  Writer w = { store, 60, 0 };
  g_autoptr(GThread) thread = NULL;
  guint turns;

  g_signal_connect (store, "changed", G_CALLBACK (seen_changed_cb), &seen);
  thread = g_thread_new ("writer", writer_thread, &w);
  turns = spin_until_set (&w.done);
  g_thread_join (g_steal_pointer (&thread));
  drain ();
  turns++;
  g_test_message ("%u pages, %u main-loop turns, %u emissions", w.pages, turns, seen.jobs);
  g_assert_cmpuint (seen.jobs, >=, 1);
  g_assert_cmpuint (seen.jobs, <=, turns);
  g_assert_cmpuint (seen.jobs, <=, w.pages);
  g_assert_cmpuint (seen.wrong, ==, 0);

  /* A burst written while the context is not iterated is one emission. */
  seen.jobs = 0;
  for (guint i = 1; i <= 20; i++)
    wh_test_apply (store, &wh_collection_jobs, NULL, 100 + i,
                   wh_test_make_job (100 + i, 100 + i, "焊工", NULL), NULL);
  g_assert_cmpuint (seen.jobs, ==, 0);
  drain ();
  g_assert_cmpuint (seen.jobs, ==, 1);
  g_signal_handlers_disconnect_by_func (store, seen_changed_cb, &seen);
  wh_test_remove_tmpdir (dir);
}

/* ---- The ordered queue --------------------------------------------------- */

typedef struct
{
  WhStore *store;
  GArray  *order;   /* guint: the index of each read, as it completed */
  guint    n;
  gint     done;
  guint    cancelled;
} Reads;

typedef struct
{
  Reads *reads;
  guint  index;
} Read;

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autofree Read *read = data;
  Reads *reads = read->reads;
  g_autoptr(GError) error = NULL;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == wh_store_count_async)
    {
      gint64 n = wh_store_count_finish (reads->store, result, &error);

      if (error == NULL)
        g_assert_cmpint (n, ==, 3);
    }
  else if (tag == wh_store_get_record_async)
    {
      g_autoptr(WhRecord) job = wh_store_get_record_finish (reads->store, result, &error);

      if (error == NULL)
        g_assert_cmpint (job->id, ==, 2);
    }
  else if (tag == wh_store_search_async)
    {
      g_autoptr(GPtrArray) hits = wh_store_search_finish (reads->store, result, &error);

      if (error == NULL)
        g_assert_cmpuint (hits->len, ==, 3);
    }
  else
    {
      g_auto(GStrv) values = wh_store_list_values_finish (reads->store, result, &error);

      if (error == NULL)
        g_assert_nonnull (values);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    reads->cancelled++;
  else
    g_assert_no_error (error);
  g_array_append_val (reads->order, read->index);
  if (reads->order->len == reads->n)
    g_atomic_int_set (&reads->done, 1);
}

static Read *
read_new (Reads *reads,
          guint  index)
{
  Read *read = g_new (Read, 1);

  read->reads = reads;
  read->index = index;
  return read;
}

/* Reads of different kinds, started in one burst, complete in the order
 * they were started; one cancelled before its turn reports the
 * cancellation. */
static void
test_async_order (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Reads reads = { store, g_array_new (FALSE, FALSE, sizeof (guint)), 40, 0, 0 };

  wh_test_apply (store, &wh_collection_jobs, NULL, 3,
                 wh_test_make_job (1, 1, "电工", NULL), wh_test_make_job (2, 1, "电工", NULL),
                 wh_test_make_job (3, 1, "电工", NULL), NULL);
  for (guint i = 0; i < reads.n; i++)
    switch (i % 4)
      {
      case 0:
        wh_store_count_async (store, &wh_collection_jobs, NULL, read_done_cb, read_new (&reads, i));
        break;
      case 1:
        wh_store_get_record_async (store, &wh_collection_jobs, 2, NULL, read_done_cb,
                                   read_new (&reads, i));
        break;
      case 2:
        wh_store_search_async (store, &wh_collection_jobs, "电工", 10,
                               i == reads.n - 2 ? cancellable : NULL, read_done_cb,
                               read_new (&reads, i));
        break;
      default:
        wh_store_list_values_async (store, &wh_collection_jobs, "category", 10, NULL, read_done_cb,
                                    read_new (&reads, i));
        break;
      }
  g_cancellable_cancel (cancellable);
  spin_until_set (&reads.done);
  g_assert_cmpuint (reads.order->len, ==, reads.n);
  for (guint i = 0; i < reads.n; i++)
    g_assert_cmpuint (g_array_index (reads.order, guint, i), ==, i);
  g_assert_cmpuint (reads.cancelled, ==, 1);
  g_array_unref (reads.order);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/store/threads/changed-on-context", test_changed_on_context);
  g_test_add_func ("/store/threads/changed-coalesced", test_changed_coalesced);
  g_test_add_func ("/store/threads/async-order", test_async_order);
  return g_test_run ();
}
