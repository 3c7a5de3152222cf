/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-keynav"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-keynav.h"

#define TAB_LEAVES_KEY "wh-keynav-tab-leaves"
#define RETURN_FOCUS_KEY "wh-keynav-return-focus-"

void
wh_keynav_set_tab_leaves (GtkWidget *list_box)
{
  g_return_if_fail (GTK_IS_LIST_BOX (list_box));

  g_object_set_data (G_OBJECT (list_box), TAB_LEAVES_KEY, GINT_TO_POINTER (TRUE));
}

/* The list (or its scrolled window) that Tab should leave, or NULL. */
static GtkWidget *
list_to_leave (GtkWidget *focus)
{
  GtkWidget *list = NULL;

  for (GtkWidget *w = focus; w != NULL && list == NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_LIST_VIEW (w) || GTK_IS_GRID_VIEW (w) ||
        (GTK_IS_LIST_BOX (w) && g_object_get_data (G_OBJECT (w), TAB_LEAVES_KEY)))
      list = w;
  /* Its scrolled window would otherwise take the focus itself. */
  if (list && GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (list)))
    list = gtk_widget_get_parent (list);
  else if (list && GTK_IS_VIEWPORT (gtk_widget_get_parent (list)) &&
           GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (gtk_widget_get_parent (list))))
    list = gtk_widget_get_parent (gtk_widget_get_parent (list));
  return list;
}

/* GtkListView:tab-behavior arrived in GTK 4.12; until then, a container
 * skips a child that cannot take focus, so with the list shut for a moment
 * the window's own Tab handling moves past it. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkWindow             *window)
{
  GtkWidget *focus;
  GtkWidget *list;
  gboolean backward;
  gboolean moved;

  if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_KP_Tab && keyval != GDK_KEY_ISO_Left_Tab)
    return FALSE;
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  focus = gtk_root_get_focus (GTK_ROOT (window));
  list = focus ? list_to_leave (focus) : NULL;
  if (list == NULL)
    return FALSE;
  backward = (state & GDK_SHIFT_MASK) || keyval == GDK_KEY_ISO_Left_Tab;
  gtk_widget_set_can_focus (list, FALSE);
  moved = gtk_widget_child_focus (GTK_WIDGET (window),
                                  backward ? GTK_DIR_TAB_BACKWARD : GTK_DIR_TAB_FORWARD);
  gtk_widget_set_can_focus (list, TRUE);
  return moved;
}

static void
focus_widget_cb (GtkWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *parent = focus ? gtk_widget_get_parent (focus) : NULL;
  const char *label = NULL;

  if (GTK_IS_SCROLLED_WINDOW (focus) && ADW_IS_STATUS_PAGE (parent))
    {
      label = adw_status_page_get_title (ADW_STATUS_PAGE (parent));
      if (label == NULL || *label == '\0')
        label = _("Details");
    }
  else if (GTK_IS_TOGGLE_BUTTON (focus) && GTK_IS_DROP_DOWN (parent))
    label = gtk_widget_get_tooltip_text (parent);
  if (label)
    gtk_accessible_update_property (GTK_ACCESSIBLE (focus), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
}

void
wh_keynav_install (GtkWindow *window)
{
  GtkEventController *keys;

  g_return_if_fail (GTK_IS_WINDOW (window));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (key_pressed_cb), window, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), keys);
  g_signal_connect (window, "notify::focus-widget", G_CALLBACK (focus_widget_cb), NULL);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

void
wh_keynav_remember_focus (GtkWidget  *owner,
                          const char *level)
{
  GtkRoot *root = gtk_widget_get_root (owner);
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;
  g_autofree char *key = g_strconcat (RETURN_FOCUS_KEY, level, NULL);
  GWeakRef *ref = NULL;

  g_return_if_fail (GTK_IS_WIDGET (owner));

  if (focus != NULL && gtk_widget_is_ancestor (focus, owner))
    {
      GtkWidget *list = gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BASE);

      /* A list view's row widgets are recycled, and rebuilt when its model
       * is refreshed; the list itself keeps the position that had the
       * focus, and focuses that row again when it takes the focus. */
      ref = g_new0 (GWeakRef, 1);
      g_weak_ref_init (ref, list ? list : focus);
    }
  g_object_set_data_full (G_OBJECT (owner), key, ref, ref ? weak_ref_free : NULL);
}

void
wh_keynav_restore_focus (GtkWidget  *owner,
                         const char *level,
                         GtkWidget  *fallback)
{
  g_autofree char *key = g_strconcat (RETURN_FOCUS_KEY, level, NULL);
  GWeakRef *ref = g_object_get_data (G_OBJECT (owner), key);
  g_autoptr(GtkWidget) focus = ref ? g_weak_ref_get (ref) : NULL;

  g_return_if_fail (GTK_IS_WIDGET (owner));

  /* A row recycled or dropped since is not where the person was. */
  if (focus == NULL || !gtk_widget_is_ancestor (focus, owner) ||
      !gtk_widget_get_child_visible (focus) || !gtk_widget_grab_focus (focus))
    {
      if (fallback != NULL)
        gtk_widget_grab_focus (fallback);
    }
  g_object_set_data (G_OBJECT (owner), key, NULL);
}
