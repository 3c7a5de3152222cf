/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-courses.h: a worker's own course data, kept in the cache file.
 *
 * Progress and quiz attempts are written locally and queued for the server
 * in ONE transaction (the outbox entry is what wh_outbox_queue_record would
 * queue), so what a worker did offline survives a restart and reaches the
 * server on a later sync. Local progress follows the server's rules: the
 * newer updated_at wins and completed never goes back to false.
 *
 * Saving a course for offline reading downloads its pictures (the cover and
 * every lesson's images; the lessons' text is synced for every course) into
 * the cache, and marks it saved once all are there. Removing the download
 * deletes them. Everything here is synchronous and small, except
 * wh_courses_download_async, which runs its writes in worker threads, and
 * wh_courses_read_state_async and wh_courses_read_personal_async, a view's
 * reads on the store's ordered queue.
 */
#pragma once

#include "wh-api.h"
#include "wh-store.h"

G_BEGIN_DECLS

/* ---- Progress and attempts ---------------------------------------------- */

/* position: how far the worker read, in ten-thousandths of the lesson. */
#define WH_COURSES_POSITION_END 10000

gboolean    wh_courses_save_progress     (WhStore       *store,
                                          gint64         lesson_id,
                                          gint64         course_id,
                                          gint64         position,
                                          gboolean       completed,
                                          GError       **error);
/* NULL with WH_STORE_ERROR_NOT_FOUND when the lesson was never opened. */
WhRecord   *wh_courses_get_progress      (WhStore       *store,
                                          gint64         lesson_id,
                                          GError       **error);
/* Progress records (wh_collection_progress) of a course, or of every
 * course with course_id 0. */
GPtrArray  *wh_courses_list_progress     (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);
/* Courses with any progress, most recently studied first (gint64). */
GArray     *wh_courses_list_started      (WhStore       *store,
                                          GError       **error);

/* attempt: a wh_collection_quiz_attempts record. The first write of an
 * attempt_id is kept, as on the server. */
gboolean    wh_courses_save_attempt      (WhStore       *store,
                                          const WhRecord *attempt,
                                          GError       **error);
/* What the server keeps of the worker's progress and attempts (from every
 * device: wh_api_list_documents), merged by the same rules and queued
 * nowhere. Either array may be NULL. */
gboolean    wh_courses_merge_from_server (WhStore       *store,
                                          GPtrArray     *progress,
                                          GPtrArray     *attempts,
                                          GError       **error);
/* Newest first. */
GPtrArray  *wh_courses_list_attempts     (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);

/* All lessons completed and a timed quiz passed (wh_quiz_passed). */
gboolean    wh_courses_is_complete       (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);

/* ---- Saved courses and their pictures ----------------------------------- */

/* Saved course ids, most recently saved first (gint64). */
GArray     *wh_courses_list_saved        (WhStore       *store,
                                          GError       **error);
gboolean    wh_courses_is_saved          (WhStore       *store,
                                          gint64         course_id);
/* Bytes of the course's pictures in the cache; -1 on error. */
gint64      wh_courses_get_saved_size    (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);
/* The pictures a course needs offline: its cover, then each lesson's
 * images in lesson order, each once (char*). */
GPtrArray  *wh_courses_list_media        (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);
gboolean    wh_courses_put_media         (WhStore       *store,
                                          gint64         course_id,
                                          const char    *path,
                                          const char    *content_type,
                                          const char    *etag,
                                          GBytes        *data,
                                          GError       **error);
/* NULL with WH_STORE_ERROR_NOT_FOUND when the picture is not cached. */
GBytes     *wh_courses_get_media         (WhStore       *store,
                                          const char    *path,
                                          char         **content_type,
                                          GError       **error);
gboolean    wh_courses_has_media         (WhStore       *store,
                                          const char    *path);
gboolean    wh_courses_mark_saved        (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);
/* Forgets the course's saved mark and deletes its pictures. */
gboolean    wh_courses_remove_download   (WhStore       *store,
                                          gint64         course_id,
                                          GError       **error);

/* Called on the caller's context after each picture: done of total
 * pictures, bytes so far. */
typedef void (*WhCoursesDownloadFunc) (guint    done,
                                       guint    total,
                                       guint64  bytes,
                                       gpointer user_data);

/* Downloads the pictures of a course not cached yet, one at a time, and
 * marks the course saved when all are there. Pictures already fetched
 * stay after a failure or a cancellation, so a retry goes on from there.
 * A picture the server no longer has (404) is skipped: the lesson shows its
 * description instead. */
void        wh_courses_download_async    (WhStore              *store,
                                          WhApi                *api,
                                          gint64                course_id,
                                          WhCoursesDownloadFunc progress,
                                          gpointer              progress_data,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
/* bytes: the course's pictures in the cache when done. */
gboolean    wh_courses_download_finish   (WhStore              *store,
                                          GAsyncResult         *result,
                                          gint64               *bytes,
                                          GError              **error);

/* ---- A course's page ----------------------------------------------------- */

/* What a course's page shows, read in one go. */
typedef struct
{
  GPtrArray *lessons;    /* WhRecord*, in order (wh_store_list_lessons) */
  GPtrArray *progress;   /* the course's progress records */
  GPtrArray *attempts;   /* its quiz attempts, newest first */
  gboolean   complete;   /* wh_courses_is_complete */
  gboolean   saved;      /* saved for offline */
  gint64     saved_size; /* bytes of its pictures when saved; -1 if unknown */
} WhCourseState;

void           wh_course_state_free          (WhCourseState      *state);
/* On the store's ordered queue (see wh-store.h): a view's read. What cannot
 * be read comes back empty; only a cancellation is an error. */
void           wh_courses_read_state_async   (WhStore            *store,
                                              gint64              course_id,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
WhCourseState *wh_courses_read_state_finish  (WhStore            *store,
                                              GAsyncResult       *result,
                                              GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhCourseState, wh_course_state_free)

/* ---- The catalogue ------------------------------------------------------- */

/* The worker's own rows the catalogue shows and filters by, read in one go. */
typedef struct
{
  GPtrArray *progress; /* every course's progress records */
  GArray    *saved;    /* wh_courses_list_saved */
  GArray    *started;  /* wh_courses_list_started */
} WhCoursesPersonal;

void               wh_courses_personal_free        (WhCoursesPersonal  *personal);
/* On the store's ordered queue: a view's read. What cannot be read comes
 * back empty; only a cancellation is an error. */
void               wh_courses_read_personal_async  (WhStore            *store,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
WhCoursesPersonal *wh_courses_read_personal_finish (WhStore            *store,
                                                    GAsyncResult       *result,
                                                    GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhCoursesPersonal, wh_courses_personal_free)

G_END_DECLS
