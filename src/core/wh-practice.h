/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-practice.h: practice beyond one course's set.
 *
 * Every question a worker answers (in a course's practice, a timed quiz or
 * here) gets a review state, a wh_collection_question_reviews document:
 *
 * - Spaced review: SM-2 (SuperMemo 2, P. Wozniak 1990; see HACKING.md for
 *   why not FSRS). A right answer is grade 4, a wrong one grade 1; the
 *   question is due again interval_days after the day it was answered.
 * - Mistakes notebook (错题本): a wrong answer puts the question in it with
 *   the choice given (wrong_choice, a bit mask as in wh-quiz.h); it leaves
 *   once it has been answered right on two separate days (right_day is the
 *   first; a right answer on a later day takes it out; a wrong one starts
 *   over).
 * - Today's practice (今日练习): WH_PRACTICE_SET_SIZE questions, the due
 *   reviews first (leaving room for WH_PRACTICE_NEW_MIN new ones when there
 *   are some) and new questions from the courses the worker follows (has
 *   progress in, saved, or practised), in an order fixed by the day; then,
 *   when those run short or none is followed, from the first other courses. The streak is the days in a row with at least one answer,
 *   ending today, or yesterday while today has none yet.
 *
 * Days are the worker's local days (YYYY-MM-DD); times are UTC.
 *
 * Where it is kept: on a desktop in the cache (migration 5), each answer
 * written and queued for the server in one transaction, merged with the
 * other devices' by wh_practice_review_wins (CONTRACT.md). On a kiosk
 * (in_memory) nowhere but in this object: nothing reaches the disk or the
 * server, and wh_practice_wipe forgets it when the kiosk's session ends.
 */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_PRACTICE_SET_SIZE 10
#define WH_PRACTICE_NEW_MIN  3

/* SM-2's grades (0-5) for what a quiz knows: right or wrong. */
#define WH_PRACTICE_GRADE_RIGHT 4
#define WH_PRACTICE_GRADE_WRONG 1

/* ---- The rules (pure, shared with the server) ---------------------------- */

/* The local day of now, YYYY-MM-DD. */
char       *wh_practice_day           (GDateTime      *now);
/* The state after an answer to question_id (of course_id): state is the one
 * before (NULL: never answered), chosen the options given, now the time. */
WhRecord   *wh_practice_review        (const WhRecord *state,
                                       gint64          question_id,
                                       gint64          course_id,
                                       guint8          chosen,
                                       gboolean        correct,
                                       GDateTime      *now);
/* The merge rule (CONTRACT.md): whether a replaces b. The later reviewed_at
 * wins; at the same instant, the greater of the two documents' JSON text
 * (wh_record_to_string) byte by byte, so every copy picks the same one. */
gboolean    wh_practice_review_wins   (const WhRecord *a,
                                       const WhRecord *b);
/* Days in a row ending today (or yesterday when today is not in days). days:
 * YYYY-MM-DD, any order. */
guint       wh_practice_streak        (const char * const *days,
                                       guint           n_days,
                                       const char     *today);

/* ---- A worker's practice ------------------------------------------------- */

typedef enum
{
  WH_PRACTICE_TODAY,
  WH_PRACTICE_MISTAKES,
  WH_PRACTICE_DUE,
} WhPracticeSet;

typedef struct
{
  guint    due;            /* reviews due today or before */
  guint    mistakes;       /* questions in the notebook */
  guint    streak;         /* wh_practice_streak */
  guint    answered_today;
} WhPracticeSummary;

#define WH_TYPE_PRACTICE (wh_practice_get_type ())
G_DECLARE_FINAL_TYPE (WhPractice, wh_practice, WH, PRACTICE, GObject)

/* ::changed (no arguments) on the creating context after an answer, a
 * merge from the server or a wipe. */
WhPractice *wh_practice_new            (WhStore            *store,
                                        gboolean            in_memory);
WhStore    *wh_practice_get_store      (WhPractice         *self);
gboolean    wh_practice_get_in_memory  (WhPractice         *self);
/* Tests: the clock (NULL: the real one). */
void        wh_practice_set_now        (WhPractice         *self,
                                        GDateTime          *now);

/* Records an answer (wh_quiz_is_correct says correct) on the store's
 * ordered queue, so a read started after it sees it. */
void        wh_practice_answer_async   (WhPractice         *self,
                                        const WhRecord     *question,
                                        guint8              chosen,
                                        gboolean            correct,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean    wh_practice_answer_finish  (WhPractice         *self,
                                        GAsyncResult       *result,
                                        GError            **error);

/* A view's reads, on the store's ordered queue. */
void        wh_practice_read_summary_async  (WhPractice         *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
WhPracticeSummary *wh_practice_read_summary_finish (WhPractice   *self,
                                             GAsyncResult       *result,
                                             GError            **error);
/* At most WH_PRACTICE_SET_SIZE questions (WhRecord* of
 * wh_collection_questions) of the set, in the order practised;
 * wrong_choices (may be NULL): for each, the choice last given wrong (a
 * guint8 mask, 0 when none is kept). */
void        wh_practice_read_set_async      (WhPractice         *self,
                                             WhPracticeSet       set,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray  *wh_practice_read_set_finish     (WhPractice         *self,
                                             GAsyncResult       *result,
                                             GArray            **wrong_choices,
                                             GError            **error);

/* A kiosk's session ends: forgets what is in memory (a store-backed one is
 * wiped with wh_store_wipe_personal). */
void        wh_practice_wipe           (WhPractice         *self);

/* Synchronous, in a worker thread (tests, the sync engine). */
WhRecord   *wh_practice_get_review     (WhPractice         *self,
                                        gint64              question_id,
                                        GError            **error);
/* The server's copies (GET /question-reviews) merged into the cache by
 * wh_practice_review_wins, queued nowhere; a day one of them was reviewed
 * on counts as practised. */
gboolean    wh_practice_merge_from_server (WhStore         *store,
                                        GPtrArray          *reviews,
                                        GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhPracticeSummary, g_free)

G_END_DECLS
