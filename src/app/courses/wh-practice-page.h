/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-practice-page.h: a course's practice questions and its timed quiz.
 *
 * The rules are wh-quiz.h's; each finished set is saved as an attempt
 * (offline first, through the outbox). */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_PRACTICE_PAGE (wh_practice_page_get_type ())
G_DECLARE_FINAL_TYPE (WhPracticePage, wh_practice_page, WH, PRACTICE_PAGE, GtkWidget)

void     wh_practice_page_set_context (WhPracticePage *self,
                                       WhContext      *context);
/* Shows the choice between practice and the timed quiz for course. */
void     wh_practice_page_show        (WhPracticePage *self,
                                       const WhRecord *course);
/* Whether a timed quiz is under way (leaving drops it: ask first). */
gboolean wh_practice_page_get_quiz_running (WhPracticePage *self);
/* Stops the clock; an unfinished set is dropped, not scored. */
void     wh_practice_page_leave       (WhPracticePage *self);

G_END_DECLS
