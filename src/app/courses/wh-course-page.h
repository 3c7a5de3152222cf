/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-course-page.h: one course: its teacher and length, its lessons by
 * chapter with the worker's progress, Save for Offline, the certificate and
 * the practice history.
 *
 * What it shows of the cache is read in one go on the store's ordered queue
 * (wh_courses_read_state_async). It opens nothing itself: ::open-lesson
 * (guint index into wh_course_page_get_lessons) and ::open-practice ask the
 * courses view to show the lesson or the practice page; its Back button
 * activates courses.back. */
#pragma once

#include <gtk/gtk.h>

#include "wh-context.h"
#include "wh-course-certificate.h"

G_BEGIN_DECLS

#define WH_TYPE_COURSE_PAGE (wh_course_page_get_type ())
G_DECLARE_FINAL_TYPE (WhCoursePage, wh_course_page, WH, COURSE_PAGE, GtkWidget)

void            wh_course_page_set_context (WhCoursePage   *self,
                                            WhContext      *context);
/* Shows course (copied) and reads the rest. */
void            wh_course_page_show        (WhCoursePage   *self,
                                            const WhRecord *course);
/* Reads the course's lessons, progress and attempts again (after a write). */
void            wh_course_page_refresh     (WhCoursePage   *self);
/* Empties the page (back to the catalogue). */
void            wh_course_page_leave       (WhCoursePage   *self);
/* As leave, and stops a download and forgets what was typed (the kiosk). */
void            wh_course_page_reset       (WhCoursePage   *self);
const WhRecord *wh_course_page_get_course  (WhCoursePage   *self);
/* Its header's Back (to the catalogue), for the view to show when the
 * catalogue is not beside it. */
GtkWidget      *wh_course_page_get_back_button (WhCoursePage *self);
/* The course's lessons (WhRecord*) in order, or NULL until read. */
GPtrArray      *wh_course_page_get_lessons (WhCoursePage   *self);
/* Writes the course's certificate to file, as the export buttons do after
 * their file dialog; says so in a toast with Open. */
void            wh_course_page_export_to   (WhCoursePage   *self,
                                            WhCertificateFormat format,
                                            GFile          *file);

G_END_DECLS
