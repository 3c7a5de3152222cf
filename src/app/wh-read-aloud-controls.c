/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-read-aloud"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-read-aloud-controls.h"

struct _WhReadAloudControls
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget        *play_button;
  AdwButtonContent *play_content;
  GtkWidget        *speed_button;
  GtkWidget        *stop_button;

  /* Owned references */
  WhReadAloud      *controller;

  /* State */
  int               speed;  /* an index of rates[] */
  gboolean          care_bar;
  GtkRoot          *root;   /* watched for care mode; not a reference */
};

G_DEFINE_FINAL_TYPE (WhReadAloudControls, wh_read_aloud_controls, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_SPEED,
  PROP_CARE_BAR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The speed menu's items, in order (the menu in the template says them
 * too). A menu, not a drop-down: GtkDropDown keeps a search entry of its
 * own, which a page's tests would find before the page's. */
static const int rates[] = { WH_READ_ALOUD_RATE_SLOW, WH_READ_ALOUD_RATE_NORMAL, 25, 50 };
static const char *const speeds[] = { N_("0.75×"), N_("1×"), N_("1.25×"), N_("1.5×") };

static void
update (WhReadAloudControls *self)
{
  WhSpeech *speech = wh_read_aloud_get_speech (self->controller);
  WhReadAloudState state = wh_read_aloud_get_state (self->controller);
  const char *why = NULL, *icon, *label;

  switch (wh_speech_get_state (speech))
    {
    case WH_SPEECH_STATE_READY:
      break;
    case WH_SPEECH_STATE_UNAVAILABLE:
      why = wh_speech_get_error (speech);
      break;
    case WH_SPEECH_STATE_CLOSED:
    case WH_SPEECH_STATE_OPENING:
    default:
      why = _("Connecting to speech-dispatcher…");
      break;
    }
  gtk_widget_set_sensitive (self->play_button, why == NULL);
  gtk_widget_set_tooltip_text (self->play_button, why);
  if (why)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, why, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->play_button),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  switch (state)
    {
    case WH_READ_ALOUD_PLAYING:
      icon = "media-playback-pause-symbolic";
      label = _("Pause");
      break;
    case WH_READ_ALOUD_PAUSED:
      icon = "media-playback-start-symbolic";
      label = _("Resume");
      break;
    case WH_READ_ALOUD_STOPPED:
    default:
      icon = "audio-speakers-symbolic";
      label = _("Read Aloud");
      break;
    }
  adw_button_content_set_icon_name (self->play_content, icon);
  /* Also the button's accessible name (GTK 4.8 names it by its content). */
  adw_button_content_set_label (self->play_content, label);
  gtk_widget_set_visible (self->stop_button, state != WH_READ_ALOUD_STOPPED);
}

static void
speech_state_cb (WhReadAloudControls *self)
{
  WhSpeech *speech = wh_read_aloud_get_speech (self->controller);

  /* A connection that broke is opened again while the controls show. */
  if (wh_speech_get_state (speech) == WH_SPEECH_STATE_CLOSED &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    wh_speech_open (speech);
  update (self);
}

static void
play_clicked_cb (WhReadAloudControls *self)
{
  if (wh_read_aloud_get_state (self->controller) == WH_READ_ALOUD_PLAYING)
    wh_read_aloud_pause (self->controller);
  else
    wh_read_aloud_play (self->controller);
}

static void
stop_clicked_cb (WhReadAloudControls *self)
{
  wh_read_aloud_stop (self->controller);
  gtk_widget_grab_focus (self->play_button);
}

static void
set_speed (WhReadAloudControls *self,
           int                  speed)
{
  speed = CLAMP (speed, 0, (int) G_N_ELEMENTS (rates) - 1);
  wh_read_aloud_set_rate (self->controller, rates[speed]);
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->speed_button), _(speeds[speed]));
  if (self->speed == speed)
    return;
  self->speed = speed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

static void
set_controller (WhReadAloudControls *self,
                WhSpeech            *speech)
{
  GtkWidget *source = NULL;

  if (self->controller)
    {
      source = wh_read_aloud_get_source (self->controller);
      wh_read_aloud_stop (self->controller);
      g_signal_handlers_disconnect_by_data (wh_read_aloud_get_speech (self->controller), self);
      g_clear_object (&self->controller);
    }
  self->controller = wh_read_aloud_new (speech);
  wh_read_aloud_set_source (self->controller, source);
  set_speed (self, self->speed);
  g_signal_connect_object (self->controller, "notify::state", G_CALLBACK (update), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (speech, "notify::state", G_CALLBACK (speech_state_cb), self,
                           G_CONNECT_SWAPPED);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    wh_speech_open (speech);
  update (self);
}

static void
wh_read_aloud_controls_map (GtkWidget *widget)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (widget);

  GTK_WIDGET_CLASS (wh_read_aloud_controls_parent_class)->map (widget);
  /* Only now: an app nobody asks to read aloud never starts
   * speech-dispatcher. */
  wh_speech_open (wh_read_aloud_get_speech (self->controller));
}

/* Care mode puts a bar with Read Aloud over every page (wh-window.ui);
 * it reads what the page shows, so a page's own controls would be a second
 * Read Aloud for the same words: they step aside while the window is in
 * care mode (its "wh-care" class, which is also what restyles it). */
static void
update_care (WhReadAloudControls *self)
{
  gboolean care = self->root != NULL &&
                  gtk_widget_has_css_class (GTK_WIDGET (self->root), "wh-care");

  gtk_widget_set_visible (GTK_WIDGET (self), self->care_bar || !care);
}

static void
wh_read_aloud_controls_root (GtkWidget *widget)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (widget);

  GTK_WIDGET_CLASS (wh_read_aloud_controls_parent_class)->root (widget);
  self->root = gtk_widget_get_root (widget);
  g_signal_connect_object (self->root, "notify::css-classes", G_CALLBACK (update_care), self,
                           G_CONNECT_SWAPPED);
  update_care (self);
}

static void
wh_read_aloud_controls_unroot (GtkWidget *widget)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (widget);

  g_signal_handlers_disconnect_by_func (self->root, update_care, self);
  self->root = NULL;
  GTK_WIDGET_CLASS (wh_read_aloud_controls_parent_class)->unroot (widget);
}

static void
wh_read_aloud_controls_dispose (GObject *object)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (object);
  GtkWidget *child;

  /* The page is closing: what it was reading stops with it. */
  if (self->controller)
    {
      wh_read_aloud_stop (self->controller);
      wh_read_aloud_set_source (self->controller, NULL);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_READ_ALOUD_CONTROLS);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->controller);
  G_OBJECT_CLASS (wh_read_aloud_controls_parent_class)->dispose (object);
}

static void
wh_read_aloud_controls_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, wh_read_aloud_get_source (self->controller));
      break;
    case PROP_SPEED:
      g_value_set_int (value, self->speed);
      break;
    case PROP_CARE_BAR:
      g_value_set_boolean (value, self->care_bar);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_read_aloud_controls_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  WhReadAloudControls *self = WH_READ_ALOUD_CONTROLS (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      wh_read_aloud_controls_set_source (self, g_value_get_object (value));
      break;
    case PROP_SPEED:
      set_speed (self, g_value_get_int (value));
      break;
    case PROP_CARE_BAR:
      self->care_bar = g_value_get_boolean (value);
      update_care (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_read_aloud_controls_class_init (WhReadAloudControlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_read_aloud_controls_dispose;
  object_class->get_property = wh_read_aloud_controls_get_property;
  object_class->set_property = wh_read_aloud_controls_set_property;
  widget_class->map = wh_read_aloud_controls_map;
  widget_class->root = wh_read_aloud_controls_root;
  widget_class->unroot = wh_read_aloud_controls_unroot;

  properties[PROP_SOURCE] = g_param_spec_object ("source", NULL, NULL, GTK_TYPE_WIDGET,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  /* The speed menu's choice, an index of its items (read-aloud.speed). */
  properties[PROP_SPEED] = g_param_spec_int ("speed", NULL, NULL, 0, G_N_ELEMENTS (rates) - 1, 1,
                                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  /* The care bar's own, which stays in care mode; the others step aside
   * then (update_care). */
  properties[PROP_CARE_BAR] = g_param_spec_boolean ("care-bar", NULL, NULL, FALSE,
                                                    G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                      G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/"
                                               "wh-read-aloud-controls.ui");
  gtk_widget_class_bind_template_child (widget_class, WhReadAloudControls, play_button);
  gtk_widget_class_bind_template_child (widget_class, WhReadAloudControls, play_content);
  gtk_widget_class_bind_template_child (widget_class, WhReadAloudControls, speed_button);
  gtk_widget_class_bind_template_child (widget_class, WhReadAloudControls, stop_button);
  gtk_widget_class_bind_template_callback (widget_class, play_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_clicked_cb);
  gtk_widget_class_install_property_action (widget_class, "read-aloud.speed", "speed");
}

static void
wh_read_aloud_controls_init (WhReadAloudControls *self)
{
  self->speed = 1;
  gtk_widget_init_template (GTK_WIDGET (self));
  set_controller (self, wh_speech_get_default ());
}

GtkWidget *
wh_read_aloud_controls_new (void)
{
  return g_object_new (WH_TYPE_READ_ALOUD_CONTROLS, NULL);
}

void
wh_read_aloud_controls_set_source (WhReadAloudControls *self,
                                   GtkWidget           *source)
{
  g_return_if_fail (WH_IS_READ_ALOUD_CONTROLS (self));

  if (wh_read_aloud_get_source (self->controller) == source)
    return;
  wh_read_aloud_set_source (self->controller, source);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
}

WhReadAloud *
wh_read_aloud_controls_get_controller (WhReadAloudControls *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD_CONTROLS (self), NULL);

  return self->controller;
}

void
wh_read_aloud_controls_set_speech (WhReadAloudControls *self,
                                   WhSpeech            *speech)
{
  g_return_if_fail (WH_IS_READ_ALOUD_CONTROLS (self));
  g_return_if_fail (WH_IS_SPEECH (speech));

  set_controller (self, speech);
}
