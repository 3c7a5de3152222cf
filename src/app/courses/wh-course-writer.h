/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-course-writer.h: the course pages' writes, off the main thread.
 *
 * A write waits for the store's writer, which a sync may hold for a page,
 * so it never runs on the main thread. Writes go through one worker thread
 * in the order they were made, so a later reading position is never
 * overwritten by an earlier one. A failure is shown as a toast through the
 * service page owner is in (nothing else can be done about a full disk). */
#pragma once

#include <gtk/gtk.h>

#include "wh-store.h"

G_BEGIN_DECLS

void     wh_course_writer_save_progress (WhStore        *store,
                                         gint64          lesson_id,
                                         gint64          course_id,
                                         gint64          position,
                                         gboolean        completed,
                                         GtkWidget      *owner);
void     wh_course_writer_save_attempt  (WhStore        *store,
                                         const WhRecord *attempt,
                                         GtkWidget      *owner);
/* Waits until every write made so far is done (tests, and before the app
 * quits). */
void     wh_course_writer_flush         (void);

G_END_DECLS
