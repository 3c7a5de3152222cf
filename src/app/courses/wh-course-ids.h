/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-course-ids.h: hash tables keyed by record ids (lessons done, courses
 * saved, questions answered wrong), shared by the courses pages. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Keys are gint64 ids each table owns (made by wh_course_id_key); values
 * are not freed. */
static inline GHashTable *
wh_course_id_table_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static inline gpointer
wh_course_id_key (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

G_END_DECLS
