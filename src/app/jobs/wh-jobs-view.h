/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-jobs-view.h: the job-help service (implements WhServicePage). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_JOBS_VIEW (wh_jobs_view_get_type ())
G_DECLARE_FINAL_TYPE (WhJobsView, wh_jobs_view, WH, JOBS_VIEW, GtkWidget)

G_END_DECLS
