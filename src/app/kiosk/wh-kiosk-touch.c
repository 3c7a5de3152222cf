/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-kiosk-touch"

#include "config.h"

#include <string.h>

#include "wh-kiosk-touch.h"

struct _WhKioskTouch
{
  GObject parent_instance;

  gulong  map_hook;
};

G_DEFINE_FINAL_TYPE (WhKioskTouch, wh_kiosk_touch, G_TYPE_OBJECT)

/* ---- Mnemonics ---------------------------------------------------------- */

/* Whether p starts a translation's "(_P)" (or full-width "（_P）"); sets
 * *end past it. */
static gboolean
is_mnemonic_suffix (const char  *p,
                    const char **end)
{
  const char *q;

  if (g_str_has_prefix (p, "("))
    q = p + 1;
  else if (g_str_has_prefix (p, "（"))
    q = p + strlen ("（");
  else
    return FALSE;
  if (q[0] != '_' || !g_ascii_isalnum (q[1]))
    return FALSE;
  q += 2;
  if (g_str_has_prefix (q, ")"))
    *end = q + 1;
  else if (g_str_has_prefix (q, "）"))
    *end = q + strlen ("）");
  else
    return FALSE;
  return TRUE;
}

char *
wh_kiosk_touch_strip_mnemonic (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p;)
    {
      const char *end;

      if (is_mnemonic_suffix (p, &end))
        {
          /* "Save (_S)": the space went with it. */
          if (out->len > 0 && out->str[out->len - 1] == ' ')
            g_string_truncate (out, out->len - 1);
          p = end;
        }
      else if (p[0] == '_' && p[1] == '_')
        {
          g_string_append_c (out, '_');
          p += 2;
        }
      else if (p[0] == '_' && p[1] != '\0')
        p++;
      else
        {
          const char *next = g_utf8_next_char (p);

          g_string_append_len (out, p, next - p);
          p = next;
        }
    }
  return g_string_free (out, FALSE);
}

static void label_changed_cb (GtkLabel *label);

/* Plain text, no underline: and again each time its owner (a button, a
 * row's binding) sets a mnemonic text on it later. */
static void
fit_label (GtkLabel *label)
{
  const char *text = gtk_label_get_label (label);
  g_autofree char *plain = NULL;
  gboolean marked = g_object_get_data (G_OBJECT (label), "wh-kiosk-touch") != NULL;

  if (!gtk_label_get_use_underline (label) && !marked)
    return;
  if (!marked)
    {
      g_object_set_data (G_OBJECT (label), "wh-kiosk-touch", GINT_TO_POINTER (TRUE));
      g_signal_connect (label, "notify::label", G_CALLBACK (label_changed_cb), NULL);
      g_signal_connect (label, "notify::use-underline", G_CALLBACK (label_changed_cb), NULL);
    }
  plain = wh_kiosk_touch_strip_mnemonic (text);
  g_signal_handlers_block_by_func (label, label_changed_cb, NULL);
  gtk_label_set_use_underline (label, FALSE);
  if (!g_str_equal (plain, text))
    gtk_label_set_label (label, plain);
  g_signal_handlers_unblock_by_func (label, label_changed_cb, NULL);
}

static void
label_changed_cb (GtkLabel *label)
{
  fit_label (label);
}

/* ---- Entries ------------------------------------------------------------ */

/* The emoji chooser (Ctrl+., the menu's Insert Emoji) and the ":" completion
 * are a desktop's: GtkText disables its insert-emoji action for this hint. */
static void
fit_text (GtkText *text)
{
  gtk_text_set_enable_emoji_completion (text, FALSE);
  gtk_text_set_input_hints (text, gtk_text_get_input_hints (text) | GTK_INPUT_HINT_NO_EMOJI);
}

static void fit_tree (GtkWidget *widget);

static gboolean
map_hook (GSignalInvocationHint *hint,
          guint                  n_params,
          const GValue          *params,
          gpointer               data)
{
  GtkWidget *widget = g_value_get_object (&params[0]);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root == NULL || g_object_get_data (G_OBJECT (root), "wh-kiosk-touch") != data)
    return TRUE;
  /* A window shown: all of it, the parts it maps later too (a dialog's
   * responses laid out the other way). */
  if (widget == GTK_WIDGET (root))
    fit_tree (widget);
  else if (GTK_IS_LABEL (widget))
    fit_label (GTK_LABEL (widget));
  else if (GTK_IS_TEXT (widget))
    fit_text (GTK_TEXT (widget));
  return TRUE;
}

static void
fit_tree (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    fit_label (GTK_LABEL (widget));
  else if (GTK_IS_TEXT (widget))
    fit_text (GTK_TEXT (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    fit_tree (child);
}

/* ---- Presses ------------------------------------------------------------ */

static GtkWidget *
text_at (GtkWidget *window,
         double     x,
         double     y)
{
  GtkWidget *picked = gtk_widget_pick (window, x, y, GTK_PICK_DEFAULT);

  for (GtkWidget *w = picked; w; w = gtk_widget_get_parent (w))
    {
      GtkEditable *delegate;

      if (GTK_IS_TEXT (w))
        return w;
      /* The frame of an entry around its text, but not what the entry
       * holds beside it (a search entry's clear icon keeps working). */
      delegate = GTK_IS_EDITABLE (w) ? gtk_editable_get_delegate (GTK_EDITABLE (w)) : NULL;
      if (GTK_IS_TEXT (delegate))
        return w == picked ? GTK_WIDGET (delegate) : NULL;
    }
  return NULL;
}

/* Before any widget sees it (capture phase): a right-click (the context
 * menus of entries and selectable labels) is taken and dropped; a touch on
 * an entry focuses it, for the keypad, and goes no further: GtkText would
 * show its touch bubble (Paste, Insert Emoji) and selection handles. */
static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            gpointer         user_data)
{
  GtkEventController *controller = GTK_EVENT_CONTROLLER (gesture);
  GdkEvent *event = gtk_event_controller_get_current_event (controller);
  GdkDevice *device = event ? gdk_event_get_device (event) : NULL;
  GtkWidget *text;

  if (event && gdk_event_triggers_context_menu (event))
    {
      g_debug ("A right-click taken: no menus on a kiosk");
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      return;
    }
  if (device && gdk_device_get_source (device) == GDK_SOURCE_TOUCHSCREEN &&
      (text = text_at (gtk_event_controller_get_widget (controller), x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      gtk_widget_grab_focus (text);
      gtk_editable_set_position (GTK_EDITABLE (text), -1);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
}

void
wh_kiosk_touch_watch (WhKioskTouch *self,
                      GtkWindow    *window)
{
  GtkGesture *click;

  g_return_if_fail (WH_IS_KIOSK_TOUCH (self));
  g_return_if_fail (GTK_IS_WINDOW (window));

  if (g_object_get_data (G_OBJECT (window), "wh-kiosk-touch"))
    return;
  g_object_set_data (G_OBJECT (window), "wh-kiosk-touch", self);
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), NULL);
  gtk_widget_add_controller (GTK_WIDGET (window), GTK_EVENT_CONTROLLER (click));
  /* What is mapped already; the rest as it maps. */
  fit_tree (GTK_WIDGET (window));
}

static void
wh_kiosk_touch_dispose (GObject *object)
{
  WhKioskTouch *self = WH_KIOSK_TOUCH (object);

  if (self->map_hook)
    g_signal_remove_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), self->map_hook);
  self->map_hook = 0;
  G_OBJECT_CLASS (wh_kiosk_touch_parent_class)->dispose (object);
}

static void
wh_kiosk_touch_class_init (WhKioskTouchClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wh_kiosk_touch_dispose;
}

static void
wh_kiosk_touch_init (WhKioskTouch *self)
{
  g_type_ensure (GTK_TYPE_WIDGET);
  self->map_hook = g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0,
                                               map_hook, self, NULL);
}

WhKioskTouch *
wh_kiosk_touch_new (void)
{
  return g_object_new (WH_TYPE_KIOSK_TOUCH, NULL);
}
