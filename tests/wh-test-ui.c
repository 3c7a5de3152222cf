/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "wh-test-ui.h"

#include "wh-record-object.h"

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* One iteration of the default context that waits for an event, but never
 * more than 10 ms: a loop of non-blocking iterations would keep a core busy
 * that the threads the test waits for need (the machine has two, and UI
 * tests run side by side). */
static void
iterate (void)
{
  guint id = g_timeout_add (10, wake_cb, NULL);

  g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

void
wh_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  /* At least one iteration: a test descheduled on a loaded machine may
   * find the time gone before its first look. */
  do
    iterate ();
  while (g_get_monotonic_time () < end);
  /* And what is due by now (an idle the last iteration queued), bounded:
   * an animation queues a frame after each. */
  for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

gboolean
wh_test_spin_until (gboolean (*check) (gpointer),
                    gpointer  data,
                    guint     timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000 * WH_TEST_WAIT_SCALE;

  while (g_get_monotonic_time () < end)
    {
      if (check (data))
        return TRUE;
      iterate ();
    }
  return check (data);
}

GtkWidget *
wh_test_find_widget (GtkWidget *root,
                     gboolean (*match) (GtkWidget *, gpointer),
                     gpointer   data)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (match (child, data))
        return child;
      if ((found = wh_test_find_widget (child, match, data)))
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget *widget,
            gpointer   type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *
wh_test_find_descendant (GtkWidget *root,
                         GType      type)
{
  return wh_test_find_widget (root, is_of_type, GSIZE_TO_POINTER (type));
}

gboolean
wh_test_is_dropdown_from (GtkWidget *widget,
                          gpointer   first)
{
  GListModel *model;

  if (!GTK_IS_DROP_DOWN (widget))
    return FALSE;
  model = gtk_drop_down_get_model (GTK_DROP_DOWN (widget));
  return GTK_IS_STRING_LIST (model) && g_list_model_get_n_items (model) > 0 &&
         g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), first) == 0;
}

gboolean
wh_test_is_section_button (GtkWidget *widget,
                           gpointer   text)
{
  GtkWidget *child;

  if (!GTK_IS_TOGGLE_BUTTON (widget))
    return FALSE;
  child = gtk_button_get_child (GTK_BUTTON (widget));
  return GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0;
}

gboolean
wh_test_is_list_of (GtkWidget *widget,
                    gpointer   collection)
{
  GListModel *model;
  g_autoptr(GObject) first = NULL;

  if (!GTK_IS_LIST_VIEW (widget))
    return FALSE;
  model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (widget)));
  first = model ? g_list_model_get_item (model, 0) : NULL;
  return WH_IS_RECORD_OBJECT (first) &&
         wh_record_object_get_record (WH_RECORD_OBJECT (first))->collection == collection;
}

GtkWindow *
wh_test_find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WINDOW (w);
    }
  return NULL;
}
