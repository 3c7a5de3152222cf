/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-courses-view.h: the skills courses service (implements WhServicePage). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_COURSES_VIEW (wh_courses_view_get_type ())
G_DECLARE_FINAL_TYPE (WhCoursesView, wh_courses_view, WH, COURSES_VIEW, GtkWidget)

/* What it shows: "catalogue", "course", "lesson", "practice-hub" or
 * "practice" (beside the catalogue when the view is wide). */
const char *wh_courses_view_get_page (WhCoursesView *self);

G_END_DECLS
