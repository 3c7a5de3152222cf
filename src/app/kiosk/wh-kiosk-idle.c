/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-kiosk-idle"

#include "config.h"

#include "wh-kiosk-idle.h"

struct _WhKioskIdle
{
  GObject parent_instance;

  gint64   timeout_us;
  gint64   warning_us;
  gint64   last_activity;  /* monotonic µs */
  double   last_x;         /* of the last pointer move */
  double   last_y;
  guint    timer_id;
  gboolean armed;          /* someone used the kiosk since the last timeout */
  gboolean warning;        /* the countdown is on */
};

G_DEFINE_FINAL_TYPE (WhKioskIdle, wh_kiosk_idle, G_TYPE_OBJECT)

enum {
  SIGNAL_WARNING,
  SIGNAL_ACTIVITY,
  SIGNAL_TIMEOUT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule (WhKioskIdle *self);

static gboolean
timer_cb (gpointer user_data)
{
  WhKioskIdle *self = user_data;

  self->timer_id = 0;
  schedule (self);
  return G_SOURCE_REMOVE;
}

/* One timer at the next moment something can happen; activity only moves
 * last_activity, so a stream of pointer moves costs no timer churn. */
static void
schedule (WhKioskIdle *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 left = self->last_activity + self->timeout_us - now;
  gint64 wait_us;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (!self->armed)
    return;
  if (left <= 0)
    {
      self->armed = FALSE;
      self->warning = FALSE;
      g_debug ("Idle timeout");
      g_signal_emit (self, signals[SIGNAL_TIMEOUT], 0);
      return;
    }
  if (left > self->warning_us)
    wait_us = left - self->warning_us;
  else
    {
      guint seconds = (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

      self->warning = TRUE;
      g_signal_emit (self, signals[SIGNAL_WARNING], 0, seconds);
      /* Wake when the shown number of seconds changes. */
      wait_us = left - (gint64) (seconds - 1) * G_USEC_PER_SEC;
    }
  self->timer_id = g_timeout_add ((guint) MAX (1, (wait_us + 999) / 1000), timer_cb, self);
}

void
wh_kiosk_idle_poke (WhKioskIdle *self)
{
  g_return_if_fail (WH_IS_KIOSK_IDLE (self));

  self->last_activity = g_get_monotonic_time ();
  if (self->warning)
    {
      self->warning = FALSE;
      g_signal_emit (self, signals[SIGNAL_ACTIVITY], 0);
    }
  if (!self->armed)
    {
      self->armed = TRUE;
      schedule (self);
    }
}

gboolean
wh_kiosk_idle_get_warning (WhKioskIdle *self)
{
  g_return_val_if_fail (WH_IS_KIOSK_IDLE (self), FALSE);

  return self->warning;
}

static gboolean
event_cb (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          WhKioskIdle              *self)
{
  double x, y;

  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_MOTION_NOTIFY:
      /* GTK repeats a motion when widgets move under a still pointer. */
      if (!gdk_event_get_position (event, &x, &y) || (x == self->last_x && y == self->last_y))
        break;
      self->last_x = x;
      self->last_y = y;
      G_GNUC_FALLTHROUGH;
    case GDK_BUTTON_PRESS:
    case GDK_KEY_PRESS:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCH_UPDATE:
    case GDK_SCROLL:
    case GDK_TOUCHPAD_SWIPE:
    case GDK_TOUCHPAD_PINCH:
      wh_kiosk_idle_poke (self);
      break;
    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

void
wh_kiosk_idle_watch (WhKioskIdle *self,
                     GtkWindow   *window)
{
  GtkEventController *controller;

  g_return_if_fail (WH_IS_KIOSK_IDLE (self));
  g_return_if_fail (GTK_IS_WINDOW (window));

  if (g_object_get_data (G_OBJECT (window), "wh-kiosk-idle"))
    return;
  g_object_set_data (G_OBJECT (window), "wh-kiosk-idle", self);
  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "event", G_CALLBACK (event_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), controller);
}

void
wh_kiosk_idle_set_timeout (WhKioskIdle *self,
                           guint        timeout_ms,
                           guint        warning_ms)
{
  g_return_if_fail (WH_IS_KIOSK_IDLE (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_us = (gint64) timeout_ms * 1000;
  self->warning_us = (gint64) MIN (warning_ms, timeout_ms / 2) * 1000;
  if (self->armed)
    schedule (self);
}

static void
wh_kiosk_idle_finalize (GObject *object)
{
  WhKioskIdle *self = WH_KIOSK_IDLE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  G_OBJECT_CLASS (wh_kiosk_idle_parent_class)->finalize (object);
}

static void
wh_kiosk_idle_class_init (WhKioskIdleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wh_kiosk_idle_finalize;

  /**
   * WhKioskIdle::warning:
   * @seconds: seconds left before ::timeout
   */
  signals[SIGNAL_WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* Someone touched the screen during the warning: it is over. */
  signals[SIGNAL_ACTIVITY] = g_signal_new ("activity", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           0);
  signals[SIGNAL_TIMEOUT] = g_signal_new ("timeout", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wh_kiosk_idle_init (WhKioskIdle *self)
{
  self->last_x = self->last_y = -1;
}

WhKioskIdle *
wh_kiosk_idle_new (guint timeout_ms,
                   guint warning_ms)
{
  WhKioskIdle *self = g_object_new (WH_TYPE_KIOSK_IDLE, NULL);

  wh_kiosk_idle_set_timeout (self, timeout_ms, warning_ms);
  return self;
}
