/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-course-writer"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-course-writer.h"
#include "wh-courses.h"
#include "wh-service-page.h"

typedef struct
{
  WhStore   *store;
  WhRecord  *attempt;   /* or NULL: progress */
  gint64     lesson_id;
  gint64     course_id;
  gint64     position;
  gboolean   completed;
  GWeakRef   owner;
  GError    *error;
} Write;

static GMutex lock;
static GCond  idle_cond;
static guint  pending;

static void
write_free (Write *w)
{
  g_clear_object (&w->store);
  g_clear_pointer (&w->attempt, wh_record_free);
  g_weak_ref_clear (&w->owner);
  g_clear_error (&w->error);
  g_free (w);
}

static gboolean
report_cb (gpointer data)
{
  Write *w = data;
  g_autoptr(GtkWidget) owner = g_weak_ref_get (&w->owner);
  WhServicePage *page = owner ? wh_service_page_get_for_widget (owner) : NULL;

  g_warning ("Could not save course progress: %s", w->error->message);
  if (page)
    wh_service_page_toast (page, _("Could not save your progress on this computer."));
  write_free (w);
  return G_SOURCE_REMOVE;
}

static void
write_func (gpointer data,
            gpointer user_data)
{
  Write *w = data;
  gboolean ok;

  if (w->attempt)
    ok = wh_courses_save_attempt (w->store, w->attempt, &w->error);
  else
    ok = wh_courses_save_progress (w->store, w->lesson_id, w->course_id, w->position,
                                   w->completed, &w->error);
  if (ok)
    write_free (w);
  else
    g_idle_add (report_cb, w);

  g_mutex_lock (&lock);
  if (--pending == 0)
    g_cond_broadcast (&idle_cond);
  g_mutex_unlock (&lock);
}

static void
push (Write     *w,
      GtkWidget *owner)
{
  static GThreadPool *pool;

  g_weak_ref_init (&w->owner, owner);
  g_mutex_lock (&lock);
  /* One thread: the writes keep their order. */
  if (pool == NULL)
    pool = g_thread_pool_new (write_func, NULL, 1, FALSE, NULL);
  pending++;
  g_mutex_unlock (&lock);
  g_thread_pool_push (pool, w, NULL);
}

void
wh_course_writer_save_progress (WhStore   *store,
                                gint64     lesson_id,
                                gint64     course_id,
                                gint64     position,
                                gboolean   completed,
                                GtkWidget *owner)
{
  Write *w;

  g_return_if_fail (WH_IS_STORE (store));

  w = g_new0 (Write, 1);
  w->store = g_object_ref (store);
  w->lesson_id = lesson_id;
  w->course_id = course_id;
  w->position = position;
  w->completed = completed;
  push (w, owner);
}

void
wh_course_writer_save_attempt (WhStore        *store,
                               const WhRecord *attempt,
                               GtkWidget      *owner)
{
  Write *w;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (attempt != NULL);

  w = g_new0 (Write, 1);
  w->store = g_object_ref (store);
  w->attempt = wh_record_copy (attempt);
  push (w, owner);
}

void
wh_course_writer_flush (void)
{
  g_mutex_lock (&lock);
  while (pending > 0)
    g_cond_wait (&idle_cond, &lock);
  g_mutex_unlock (&lock);
}
