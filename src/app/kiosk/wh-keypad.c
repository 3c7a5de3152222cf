/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-keypad"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-keypad.h"

struct _WhKeypad
{
  GtkWidget parent_instance;

  /* Built in constructed */
  GtkWidget *grid;

  /* Weak reference: the entry may go away while the keypad stays. */
  GWeakRef   target;

  gboolean   letters;
};

G_DEFINE_FINAL_TYPE (WhKeypad, wh_keypad, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LETTERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PRESSED,
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
wh_keypad_wants (GtkWidget *widget)
{
  GtkInputPurpose purpose;

  if (GTK_IS_TEXT (widget))
    purpose = gtk_text_get_input_purpose (GTK_TEXT (widget));
  else if (GTK_IS_ENTRY (widget))
    purpose = gtk_entry_get_input_purpose (GTK_ENTRY (widget));
  else
    return FALSE;
  return purpose == GTK_INPUT_PURPOSE_PHONE || purpose == GTK_INPUT_PURPOSE_DIGITS ||
         purpose == GTK_INPUT_PURPOSE_NUMBER || purpose == GTK_INPUT_PURPOSE_PIN;
}

gboolean
wh_keypad_wants_letters (GtkWidget *widget)
{
  if (GTK_IS_TEXT (widget))
    widget = gtk_widget_get_parent (widget);
  return GTK_IS_SEARCH_ENTRY (widget);
}

void
wh_keypad_set_target (WhKeypad    *self,
                      GtkEditable *target)
{
  g_return_if_fail (WH_IS_KEYPAD (self));
  g_return_if_fail (target == NULL || GTK_IS_EDITABLE (target));

  g_weak_ref_set (&self->target, target);
}

GtkEditable *
wh_keypad_get_target (WhKeypad *self)
{
  g_autoptr(GtkEditable) target = NULL;

  g_return_val_if_fail (WH_IS_KEYPAD (self), NULL);

  /* Borrowed: the target lives in the widget tree, which holds it. */
  target = g_weak_ref_get (&self->target);
  return target;
}

static void
type_digit (GtkEditable *target,
            const char  *digit)
{
  int position;

  gtk_editable_delete_selection (target);
  position = gtk_editable_get_position (target);
  gtk_editable_insert_text (target, digit, -1, &position);
  gtk_editable_set_position (target, position);
}

static void
activate_target (GtkEditable *target)
{
  /* As Enter would: the form's own activate handler submits it. An
   * entry's text has no class activate signal; the entry (and
   * AdwEntryRow) relay the text's ::activate. */
  if (GTK_IS_TEXT (target))
    g_signal_emit_by_name (target, "activate");
  else
    gtk_widget_activate (GTK_WIDGET (target));
}

static void
delete_back (GtkEditable *target)
{
  int start, end;

  if (gtk_editable_get_selection_bounds (target, &start, &end))
    {
      gtk_editable_delete_selection (target);
      return;
    }
  end = gtk_editable_get_position (target);
  if (end > 0)
    gtk_editable_delete_text (target, end - 1, end);
}

void
wh_keypad_press (WhKeypad   *self,
                 const char *key)
{
  g_autoptr(GtkEditable) target = NULL;

  g_return_if_fail (WH_IS_KEYPAD (self));
  g_return_if_fail (key != NULL);

  g_signal_emit (self, signals[SIGNAL_PRESSED], 0, key);
  target = g_weak_ref_get (&self->target);
  if (target == NULL || !gtk_editable_get_editable (target))
    return;
  /* Letters in lower case: pinyin and its initials are typed so. */
  if ((g_ascii_isdigit (key[0]) || g_ascii_islower (key[0])) && key[1] == '\0')
    type_digit (target, key);
  else if (g_str_equal (key, "delete"))
    delete_back (target);
  else if (g_str_equal (key, "clear"))
    gtk_editable_delete_text (target, 0, -1);
  else if (g_str_equal (key, "ok") || g_str_equal (key, "search"))
    {
      activate_target (target);
      g_signal_emit (self, signals[SIGNAL_DONE], 0);
    }
  else
    g_critical ("Unknown keypad key “%s”", key);
}

static void
key_clicked_cb (GtkButton *button,
                WhKeypad  *self)
{
  wh_keypad_press (self, g_object_get_data (G_OBJECT (button), "wh-key"));
}

static void
wh_keypad_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  WhKeypad *self = WH_KEYPAD (object);

  switch (prop_id)
    {
    case PROP_LETTERS:
      g_value_set_boolean (value, self->letters);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_keypad_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  WhKeypad *self = WH_KEYPAD (object);

  switch (prop_id)
    {
    case PROP_LETTERS:
      self->letters = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GtkWidget *
make_key (WhKeypad   *self,
          const char *key)
{
  GtkWidget *button;

  if (g_str_equal (key, "delete"))
    {
      button = gtk_button_new_from_icon_name ("edit-clear-symbolic");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Delete"), -1);
      gtk_widget_set_tooltip_text (button, _("Delete"));
    }
  else if (g_str_equal (key, "clear"))
    button = gtk_button_new_with_label (_("Clear"));
  else if (g_str_equal (key, "ok") || g_str_equal (key, "search"))
    {
      button = gtk_button_new_with_label (g_str_equal (key, "ok") ? _("OK") : _("Search"));
      gtk_widget_add_css_class (button, "suggested-action");
    }
  else
    {
      /* Upper case on the key, as on a phone's keyboard. */
      g_autofree char *label = g_ascii_strup (key, -1);

      button = gtk_button_new_with_label (label);
    }
  g_object_set_data (G_OBJECT (button), "wh-key", (gpointer) key);
  /* The entry keeps the focus and its cursor while keys are tapped. */
  gtk_widget_set_focus_on_click (button, FALSE);
  gtk_widget_add_css_class (button, "wh-keypad-key");
  g_signal_connect_object (button, "clicked", G_CALLBACK (key_clicked_cb), self, 0);
  return button;
}

/* Keys alike but for their label: a loop says it more plainly than a copy
 * of each in a .ui file. */
static void
wh_keypad_constructed (GObject *object)
{
  WhKeypad *self = WH_KEYPAD (object);
  static const char * const digits[] = {
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0", "ok",
  };
  /* The rows of a phone's pinyin keyboard, which is how people here type
   * letters; Search spans the last two columns. */
  static const char * const letters[] = {
    "q", "w", "e", "r", "t", "y", "u", "i", "o", "p",
    "a", "s", "d", "f", "g", "h", "j", "k", "l", "delete",
    "z", "x", "c", "v", "b", "n", "m", "clear", "search",
  };

  G_OBJECT_CLASS (wh_keypad_parent_class)->constructed (object);

  if (!self->letters)
    {
      for (guint i = 0; i < G_N_ELEMENTS (digits); i++)
        gtk_grid_attach (GTK_GRID (self->grid), make_key (self, digits[i]), i % 3, i / 3, 1, 1);
      return;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Letter Keypad"), -1);
  gtk_widget_add_css_class (GTK_WIDGET (self), "letters");
  for (guint i = 0; i < G_N_ELEMENTS (letters); i++)
    gtk_grid_attach (GTK_GRID (self->grid), make_key (self, letters[i]), i % 10, i / 10,
                     g_str_equal (letters[i], "search") ? 2 : 1, 1);
}

static void
wh_keypad_dispose (GObject *object)
{
  WhKeypad *self = WH_KEYPAD (object);

  g_clear_pointer (&self->grid, gtk_widget_unparent);
  G_OBJECT_CLASS (wh_keypad_parent_class)->dispose (object);
}

static void
wh_keypad_finalize (GObject *object)
{
  WhKeypad *self = WH_KEYPAD (object);

  g_weak_ref_clear (&self->target);
  G_OBJECT_CLASS (wh_keypad_parent_class)->finalize (object);
}

static void
wh_keypad_class_init (WhKeypadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wh_keypad_constructed;
  object_class->dispose = wh_keypad_dispose;
  object_class->finalize = wh_keypad_finalize;
  object_class->get_property = wh_keypad_get_property;
  object_class->set_property = wh_keypad_set_property;

  /**
   * WhKeypad:letters:
   *
   * Letters (a-z, Delete, Clear, Search) for a search by pinyin and its
   * initials, instead of digits.
   */
  properties[PROP_LETTERS] = g_param_spec_boolean ("letters", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                   G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WhKeypad::pressed:
   * @key: "0".."9", "a".."z", "delete", "clear", "ok" or "search"
   *
   * A key was pressed, by touch, pointer or an assistive technology's
   * action alike: someone is there.
   */
  signals[SIGNAL_PRESSED] = g_signal_new ("pressed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_STRING);

  /**
   * WhKeypad::done:
   *
   * OK (Search) was pressed, after the target was activated.
   */
  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "keypad");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
wh_keypad_init (WhKeypad *self)
{
  g_weak_ref_init (&self->target, NULL);
  self->grid = gtk_grid_new ();
  gtk_grid_set_row_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 8);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Keypad"), -1);
}

GtkWidget *
wh_keypad_new (void)
{
  return g_object_new (WH_TYPE_KEYPAD, NULL);
}

GtkWidget *
wh_keypad_new_letters (void)
{
  return g_object_new (WH_TYPE_KEYPAD, "letters", TRUE, NULL);
}
