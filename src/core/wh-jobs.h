/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-jobs.h: the job-help service's core, beside WhJobFilters
 * (wh-job-filters.h) and a fair's calendar file (wh-fair-ics.h): the
 * worker's Bookmark and Applied marks, My Jobs (the marks with their jobs),
 * what a job's page shows besides the job, the employers attending a fair,
 * and the choices the place and trade filters offer.
 *
 * Writes are synchronous and small (one transaction with its outbox entry,
 * as the store's contract allows a UI write). Every read has an
 * _async/_finish form on the store's ordered queue (see wh-store.h), which
 * views use; the synchronous forms are for that queue and for tests. No GTK. */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* ---- Bookmark and Applied ------------------------------------------------- */

/* Saves a job's marks: bookmarked FALSE removes the bookmark (and with it
 * the Applied mark, whatever applied says). Queued for the server in the
 * same transaction (wh_sync_save_bookmark, wh_sync_remove_bookmark). */
gboolean      wh_jobs_save_marks         (WhStore             *store,
                                          gint64               job_id,
                                          gboolean             bookmarked,
                                          gboolean             applied,
                                          GError             **error);
/* FALSE only on a read error; a job never marked is not an error. */
gboolean      wh_jobs_get_marks          (WhStore             *store,
                                          gint64               job_id,
                                          gboolean            *bookmarked,
                                          gboolean            *applied,
                                          GError             **error);
void          wh_jobs_get_marks_async    (WhStore             *store,
                                          gint64               job_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean      wh_jobs_get_marks_finish   (WhStore             *store,
                                          GAsyncResult        *result,
                                          gboolean            *bookmarked,
                                          gboolean            *applied,
                                          GError             **error);

/* ---- My Jobs ---------------------------------------------------------------- */

typedef struct
{
  WhRecord *mark; /* a wh_collection_bookmarks record; its id is the job's */
  WhRecord *job;  /* the cached job; NULL when it is no longer listed */
} WhMyJob;

void          wh_my_job_free             (WhMyJob             *mine);

/* Every bookmark, latest change first, each with its job (WhMyJob*). */
GPtrArray    *wh_jobs_list_mine          (WhStore             *store,
                                          GError             **error);
void          wh_jobs_list_mine_async    (WhStore             *store,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GPtrArray    *wh_jobs_list_mine_finish   (WhStore             *store,
                                          GAsyncResult        *result,
                                          GError             **error);

/* ---- A job's page -------------------------------------------------------------- */

typedef struct
{
  WhRecord  *employer;   /* NULL when the cache does not hold the employer */
  GPtrArray *others;     /* the employer's other jobs (WhRecord*), newest first */
  gboolean   bookmarked;
  gboolean   applied;
} WhJobDetails;

void          wh_job_details_free        (WhJobDetails        *details);

/* What a job's page shows besides the job: its employer, at most
 * n_others of the employer's other postings, and the worker's marks. A
 * part the cache cannot give is left empty (the job itself is all there
 * is then), so this only fails when cancelled. */
WhJobDetails *wh_jobs_get_details        (WhStore             *store,
                                          const WhRecord      *job,
                                          guint                n_others);
void          wh_jobs_get_details_async  (WhStore             *store,
                                          const WhRecord      *job,
                                          guint                n_others,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
WhJobDetails *wh_jobs_get_details_finish (WhStore             *store,
                                          GAsyncResult        *result,
                                          GError             **error);

/* ---- Job fairs ------------------------------------------------------------------ */

/* When a fair is, as shown: "2026-12-20 09:00–16:00", "2026-12-20 09:00"
 * or "2026-12-20". */
char         *wh_jobs_fair_when          (const WhRecord      *fair);
/* The names of the employers attending fair that the cache holds, in the
 * fair's order; empty when none. */
GStrv         wh_jobs_get_fair_employers (WhStore             *store,
                                          const WhRecord      *fair,
                                          GError             **error);
void          wh_jobs_get_fair_employers_async  (WhStore             *store,
                                                 const WhRecord      *fair,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GStrv         wh_jobs_get_fair_employers_finish (WhStore             *store,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* ---- The filters' choices ------------------------------------------------------- */

typedef struct
{
  GPtrArray *regions;    /* WhRegion*: the cities the cache knows, by province */
  GPtrArray *categories; /* WhRecord*: the trades, by name */
} WhJobChoices;

void          wh_job_choices_free        (WhJobChoices        *choices);

/* A part the cache cannot give is left NULL. */
WhJobChoices *wh_jobs_load_choices       (WhStore             *store);
void          wh_jobs_load_choices_async (WhStore             *store,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
WhJobChoices *wh_jobs_load_choices_finish (WhStore            *store,
                                           GAsyncResult       *result,
                                           GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhMyJob, wh_my_job_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhJobDetails, wh_job_details_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhJobChoices, wh_job_choices_free)

G_END_DECLS
