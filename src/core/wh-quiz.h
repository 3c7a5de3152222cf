/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-quiz.h: the rules of practice questions and timed quizzes.
 *
 * A question's answer is the 0-based indexes of its right options
 * (CONTRACT: questions.answer). A choice is a bit mask over the options,
 * bit i for option i. A single-choice question is right when the one
 * option chosen is its answer; a multiple-choice one only when exactly the
 * right set is chosen (one missing or one extra is wrong). A set passes at
 * WH_QUIZ_PASS_PERCENT. A timed set ends at its deadline, and what was not
 * answered by then counts as wrong.
 */
#pragma once

#include "wh-record.h"

G_BEGIN_DECLS

#define WH_QUIZ_PASS_PERCENT 60
/* The timed quiz: this many questions in this many seconds. */
#define WH_QUIZ_TIMED_QUESTIONS 10
#define WH_QUIZ_TIMED_SECONDS   600

/* The right options as a mask; 0 when the record's answer is unusable
 * (an index past its options). */
guint8      wh_quiz_answer_mask   (const WhRecord *question);
gboolean    wh_quiz_is_correct    (const WhRecord *question,
                                   guint8          chosen);
gboolean    wh_quiz_passed        (guint           correct,
                                   guint           total);

typedef struct _WhQuiz WhQuiz;

/* At most n questions drawn from questions (WhRecord* of
 * wh_collection_questions, copied) in an order fixed by seed; those with an
 * unusable answer are left out, and so is a question whose stem one drawn
 * before has (never the same question twice in a set). time_limit_s 0: untimed. now_us: the
 * monotonic clock the caller keeps using. */
WhQuiz         *wh_quiz_new               (GPtrArray      *questions,
                                           guint           n,
                                           guint           time_limit_s,
                                           guint32         seed,
                                           gint64          now_us);
void            wh_quiz_free              (WhQuiz         *quiz);
guint           wh_quiz_get_n_questions   (WhQuiz         *quiz);
const WhRecord *wh_quiz_get_question      (WhQuiz         *quiz,
                                           guint           index);
gboolean        wh_quiz_get_timed         (WhQuiz         *quiz);
/* Seconds left, 0 at or past the deadline; G_MAXINT64 when untimed. */
gint64          wh_quiz_get_remaining_s   (WhQuiz         *quiz,
                                           gint64          now_us);
/* Records the choice for a question. FALSE (and nothing recorded) when it
 * was answered already, the choice is empty, or the quiz is over; else
 * *correct says whether it was right. */
gboolean        wh_quiz_answer            (WhQuiz         *quiz,
                                           guint           index,
                                           guint8          chosen,
                                           gint64          now_us,
                                           gboolean       *correct);
gboolean        wh_quiz_is_answered       (WhQuiz         *quiz,
                                           guint           index);
/* Every question answered, or the deadline passed. */
gboolean        wh_quiz_is_over           (WhQuiz         *quiz,
                                           gint64          now_us);
/* Ends the quiz (unanswered questions count as wrong from here). */
void            wh_quiz_finish            (WhQuiz         *quiz,
                                           gint64          now_us);
guint           wh_quiz_get_correct       (WhQuiz         *quiz);
/* Seconds from the start to the finish, at most the time limit. */
gint64          wh_quiz_get_duration_s    (WhQuiz         *quiz);
/* The finished quiz as a wh_collection_quiz_attempts record, with a new
 * attempt_id and finished_at now. */
WhRecord       *wh_quiz_to_attempt        (WhQuiz         *quiz,
                                           gint64          course_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhQuiz, wh_quiz_free)

G_END_DECLS
