/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The jobs service's core (src/core/wh-jobs.c), without a display: the
 * Bookmark and Applied marks, My Jobs, what a job's page reads, a fair's
 * employers and the filters' choices, each read on the store's queue. */
#include "config.h"

#include <gio/gio.h>

#include "wh-jobs.h"
#include "wh-test-store.h"
#include "wh-test.h"

static WhRecord *
make_employer (gint64      id,
               const char *name)
{
  WhRecord *r = wh_record_new (&wh_collection_employers);

  r->id = id;
  r->rev = id;
  wh_record_set_text (r, "name", name);
  return r;
}

/* Jobs 1..6: employer 2 posts the odd ones, employer 4 (not cached) the
 * even ones; employers 2 and 3 are cached. */
static WhStore *
make_store (void)
{
  WhStore *store = wh_test_store_new (NULL);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;

  for (gint64 id = 1; id <= 6; id++)
    {
      WhRecord *job = wh_test_make_job (id, id, id % 2 ? "保洁员" : "快递员", NULL);

      wh_record_set_int (job, "employer_id", id % 2 ? 2 : 4);
      g_ptr_array_add (page->records, job);
    }
  page->next_since = page->server_rev = 6;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  {
    WhRecord *employer = make_employer (2, "城建集团");

    wh_record_set_text (employer, "industry", "建筑");
    wh_test_apply (store, &wh_collection_employers, NULL, 7, employer, make_employer (3, "顺达物流"),
                   NULL);
  }
  return store;
}

static void
get_marks_async (WhStore  *store,
                 gint64    job_id,
                 gboolean *bookmarked,
                 gboolean *applied)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  wh_jobs_get_marks_async (store, job_id, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_jobs_get_marks_finish (store, result, bookmarked, applied, &error));
  g_assert_no_error (error);
}

/* Saved, read, changed and removed, each with its outbox entry. */
static void
test_marks (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) mark = NULL;
  gboolean bookmarked = TRUE, applied = TRUE;

  get_marks_async (store, 3, &bookmarked, &applied);
  g_assert_false (bookmarked);
  g_assert_false (applied);

  g_assert_true (wh_jobs_save_marks (store, 3, TRUE, FALSE, &error));
  g_assert_no_error (error);
  get_marks_async (store, 3, &bookmarked, &applied);
  g_assert_true (bookmarked);
  g_assert_false (applied);
  mark = wh_store_get_bookmark (store, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wh_record_get_int (mark, "job_id"), ==, 3);
  g_assert_true (wh_record_is_set (mark, "updated_at"));
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 1);

  g_assert_true (wh_jobs_save_marks (store, 3, TRUE, TRUE, &error));
  get_marks_async (store, 3, &bookmarked, &applied);
  g_assert_true (bookmarked);
  g_assert_true (applied);

  /* Taking the bookmark away takes the Applied mark with it. */
  g_assert_true (wh_jobs_save_marks (store, 3, FALSE, TRUE, &error));
  g_assert_no_error (error);
  get_marks_async (store, 3, &bookmarked, &applied);
  g_assert_false (bookmarked);
  g_assert_false (applied);
  /* The PUT replaced by the DELETE. */
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 1);
}

/* Every bookmark with its job, latest change first; a job no longer
 * cached keeps its row, without a job. */
static void
test_mine (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  const WhMyJob *m;

  g_assert_true (wh_jobs_save_marks (store, 2, TRUE, FALSE, &error));
  g_assert_true (wh_jobs_save_marks (store, 5, TRUE, TRUE, &error));
  g_assert_true (wh_jobs_save_marks (store, 99, TRUE, FALSE, &error));
  g_assert_no_error (error);

  wh_jobs_list_mine_async (store, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  mine = wh_jobs_list_mine_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mine);
  g_assert_cmpuint (mine->len, ==, 3);
  for (guint i = 0; i < mine->len; i++)
    {
      m = mine->pdata[i];
      g_assert_nonnull (m->mark);
      if (m->mark->id == 99)
        g_assert_null (m->job);
      else
        {
          g_assert_nonnull (m->job);
          g_assert_cmpint (m->job->id, ==, m->mark->id);
          g_assert_cmpstr (wh_record_get_text (m->job, "title"), ==,
                           m->job->id % 2 ? "保洁员" : "快递员");
          g_assert_true (wh_record_get_bool (m->mark, "applied") == (m->mark->id == 5));
        }
    }

  /* Nothing bookmarked: an empty list, not an error. */
  g_assert_true (wh_jobs_save_marks (store, 2, FALSE, FALSE, &error));
  g_assert_true (wh_jobs_save_marks (store, 5, FALSE, FALSE, &error));
  g_assert_true (wh_jobs_save_marks (store, 99, FALSE, FALSE, &error));
  g_clear_pointer (&mine, g_ptr_array_unref);
  mine = wh_jobs_list_mine (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 0);
}

/* The employer, its other postings and the marks, in one read. */
static void
test_details (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(WhRecord) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhJobDetails) details = NULL;
  g_autoptr(WhJobDetails) unknown = NULL;

  job = wh_store_get_record (store, &wh_collection_jobs, 3, &error);
  g_assert_no_error (error);
  g_assert_true (wh_jobs_save_marks (store, 3, TRUE, TRUE, &error));

  wh_jobs_get_details_async (store, job, 10, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  details = wh_jobs_get_details_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (details->employer);
  g_assert_cmpstr (wh_record_get_text (details->employer, "name"), ==, "城建集团");
  g_assert_cmpstr (wh_record_get_text (details->employer, "industry"), ==, "建筑");
  /* Jobs 1 and 5: the employer's others, not job 3 itself. */
  g_assert_nonnull (details->others);
  g_assert_cmpuint (details->others->len, ==, 2);
  for (guint i = 0; i < details->others->len; i++)
    {
      const WhRecord *other = details->others->pdata[i];

      g_assert_true (other->id == 1 || other->id == 5);
    }
  g_assert_true (details->bookmarked);
  g_assert_true (details->applied);

  /* An employer the cache lacks: the job alone, no error. */
  wh_record_set_int (job, "employer_id", 40);
  unknown = wh_jobs_get_details (store, job, 10);
  g_assert_null (unknown->employer);
  g_assert_nonnull (unknown->others);
  g_assert_cmpuint (unknown->others->len, ==, 0);
}

/* The names of the employers the cache holds, in the fair's order. */
static void
test_fair_employers (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(WhRecord) fair = wh_record_new (&wh_collection_fairs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) none = NULL;
  g_autofree char *when = NULL;

  fair->id = 7;
  wh_record_set_text (fair, "title", "春风行动招聘会");
  wh_record_set_text (fair, "date", "2026-12-20");
  wh_record_set_intv (fair, "employer_ids", (const gint64[]) { 3, 50, 2 }, 3);

  wh_jobs_get_fair_employers_async (store, fair, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  names = wh_jobs_get_fair_employers_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[0], ==, "顺达物流");
  g_assert_cmpstr (names[1], ==, "城建集团");

  wh_record_unset (fair, "employer_ids");
  none = wh_jobs_get_fair_employers (store, fair, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_null (none[0]);

  when = wh_jobs_fair_when (fair);
  g_assert_cmpstr (when, ==, "2026-12-20");
  g_clear_pointer (&when, g_free);
  wh_record_set_text (fair, "start_time", "09:00");
  when = wh_jobs_fair_when (fair);
  g_assert_cmpstr (when, ==, "2026-12-20 09:00");
  g_clear_pointer (&when, g_free);
  wh_record_set_text (fair, "end_time", "16:00");
  when = wh_jobs_fair_when (fair);
  g_assert_cmpstr (when, ==, "2026-12-20 09:00–16:00");
}

/* The cities of the stations and the trades by name. */
static void
test_choices (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhJobChoices) choices = NULL;
  WhRecord *station = wh_test_make_station (1, 8, "户外劳动者服务站", 39.9, 116.4);
  WhRecord *trades[2];

  wh_record_set_text (station, "province", "北京市");
  wh_record_set_text (station, "city", "北京市");
  wh_record_set_int (station, "province_adcode", 110000);
  wh_record_set_int (station, "city_adcode", 110100);
  wh_test_apply (store, &wh_collection_stations, NULL, 8, station, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (trades); i++)
    {
      trades[i] = wh_record_new (&wh_collection_categories);
      trades[i]->id = i + 1;
      trades[i]->rev = 9 + i;
      wh_record_set_text (trades[i], "name", i ? "保洁" : "电工");
    }
  wh_test_apply (store, &wh_collection_categories, NULL, 10, trades[0], trades[1], NULL);

  wh_jobs_load_choices_async (store, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  choices = wh_jobs_load_choices_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (choices->regions);
  g_assert_cmpuint (choices->regions->len, ==, 1);
  g_assert_cmpint (((WhRegion *) choices->regions->pdata[0])->city_adcode, ==, 110100);
  g_assert_nonnull (choices->categories);
  g_assert_cmpuint (choices->categories->len, ==, 2);
}

/* A read cancelled before its turn on the queue reports the cancellation. */
static void
test_cancelled (void)
{
  g_autoptr(WhStore) store = make_store ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) mine = NULL;

  g_cancellable_cancel (cancellable);
  wh_jobs_list_mine_async (store, cancellable, wh_test_result_cb, &result);
  wh_test_await (&result);
  mine = wh_jobs_list_mine_finish (store, result, &error);
  g_assert_null (mine);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/jobs/core/marks", test_marks);
  g_test_add_func ("/jobs/core/mine", test_mine);
  g_test_add_func ("/jobs/core/details", test_details);
  g_test_add_func ("/jobs/core/fair-employers", test_fair_employers);
  g_test_add_func ("/jobs/core/choices", test_choices);
  g_test_add_func ("/jobs/core/cancelled", test_cancelled);
  return g_test_run ();
}
