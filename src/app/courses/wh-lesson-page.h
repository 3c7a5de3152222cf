/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-lesson-page.h: one lesson, read in a column, with previous and next.
 *
 * Renders the blocks of wh_markdown_parse as labels and pictures (from the
 * offline cache), resumes at the place the worker left, and saves the place
 * (and "completed") through wh-course-writer. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_LESSON_PAGE (wh_lesson_page_get_type ())
G_DECLARE_FINAL_TYPE (WhLessonPage, wh_lesson_page, WH, LESSON_PAGE, GtkWidget)

void            wh_lesson_page_set_context (WhLessonPage *self,
                                            WhContext    *context);
/* lessons: the course's lessons (WhRecord*) in order; shows lessons[index]. */
void            wh_lesson_page_show        (WhLessonPage *self,
                                            GPtrArray    *lessons,
                                            guint         index);
/* Saves the reading place and empties the page. */
void            wh_lesson_page_leave       (WhLessonPage *self);
const WhRecord *wh_lesson_page_get_lesson  (WhLessonPage *self);

G_END_DECLS
