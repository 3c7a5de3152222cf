/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-practice-page.h: a course's practice questions and its timed quiz, and
 * the sets of Practice (Today's Practice, Review Mistakes, Due Reviews).
 *
 * The rules are wh-quiz.h's; each finished course set is saved as an attempt
 * (offline first, through the outbox). Every answer checked also goes to the
 * worker's practice (wh-practice.h: the review state, the mistakes notebook). */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"
#include "wh-practice.h"

G_BEGIN_DECLS

#define WH_TYPE_PRACTICE_PAGE (wh_practice_page_get_type ())
G_DECLARE_FINAL_TYPE (WhPracticePage, wh_practice_page, WH, PRACTICE_PAGE, GtkWidget)

void     wh_practice_page_set_context (WhPracticePage *self,
                                       WhContext      *context);
/* Shows the choice between practice and the timed quiz for course. */
void     wh_practice_page_show        (WhPracticePage *self,
                                       const WhRecord *course);
/* Where answers are recorded (NULL: nowhere). */
void     wh_practice_page_set_practice (WhPracticePage *self,
                                        WhPractice     *practice);
/* Reads the set and practises it at once, untimed; no attempt is saved. */
void     wh_practice_page_show_set    (WhPracticePage *self,
                                       WhPracticeSet   set);
/* Whether a timed quiz is under way (leaving drops it: ask first). */
gboolean wh_practice_page_get_quiz_running (WhPracticePage *self);
/* Stops the clock; an unfinished set is dropped, not scored. */
void     wh_practice_page_leave       (WhPracticePage *self);

G_END_DECLS
