/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-practice-hub"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-practice-hub.h"

struct _WhPracticeHub
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget    *back_button;
  AdwActionRow *due_row;
  GtkLabel     *kiosk_label;
  AdwActionRow *mistakes_row;
  GtkLabel     *streak_label;
  GtkLabel     *today_label;
  AdwActionRow *today_row;

  /* Owned references */
  WhPractice   *practice;
  GCancellable *cancellable; /* the counts' read */
};

G_DEFINE_FINAL_TYPE (WhPracticeHub, wh_practice_hub, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_OPEN_SET,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
wh_practice_hub_set_title (WhPracticeSet set)
{
  switch (set)
    {
    case WH_PRACTICE_MISTAKES:
      return _("Review Mistakes");
    case WH_PRACTICE_DUE:
      return _("Due Reviews");
    case WH_PRACTICE_TODAY:
    default:
      return _("Today’s Practice");
    }
}

static void
summary_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPracticeSummary) s = wh_practice_read_summary_finish (WH_PRACTICE (source), result,
                                                                     &error);
  WhPracticeHub *self = user_data;
  g_autofree char *streak = NULL;
  g_autofree char *today = NULL;
  g_autofree char *mistakes = NULL;
  g_autofree char *due = NULL;

  /* Cancelled: the hub is gone or has another practice. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (s == NULL)
    {
      g_warning ("Cannot read the practice counts: %s", error->message);
      s = g_new0 (WhPracticeSummary, 1);
    }
  streak = s->streak == 0
    ? g_strdup (_("Start a Streak Today"))
    : g_strdup_printf (ngettext ("%u Day in a Row", "%u Days in a Row", s->streak), s->streak);
  gtk_label_set_text (self->streak_label, streak);
  today = s->answered_today == 0
    ? g_strdup (_("Answer a question a day to keep it going. Only you see it."))
    : g_strdup_printf (ngettext ("%u question answered today.", "%u questions answered today.",
                                 s->answered_today), s->answered_today);
  gtk_label_set_text (self->today_label, today);
  adw_action_row_set_subtitle (self->today_row,
                               s->due > 0
                                 ? _("Due reviews first, then new questions from your courses")
                                 : _("New questions from your courses"));
  mistakes = s->mistakes == 0
    ? g_strdup (_("No mistakes to review"))
    : g_strdup_printf (ngettext ("%u question to go over", "%u questions to go over", s->mistakes),
                       s->mistakes);
  adw_action_row_set_subtitle (self->mistakes_row, mistakes);
  due = s->due == 0
    ? g_strdup (_("Nothing due today"))
    : g_strdup_printf (ngettext ("%u question due today", "%u questions due today", s->due), s->due);
  adw_action_row_set_subtitle (self->due_row, due);
}

void
wh_practice_hub_refresh (WhPracticeHub *self)
{
  g_return_if_fail (WH_IS_PRACTICE_HUB (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->practice == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  wh_practice_read_summary_async (self->practice, self->cancellable, summary_read_cb, self);
}

void
wh_practice_hub_set_practice (WhPracticeHub *self,
                              WhPractice    *practice)
{
  g_return_if_fail (WH_IS_PRACTICE_HUB (self));

  if (self->practice == practice)
    return;
  if (self->practice)
    g_signal_handlers_disconnect_by_func (self->practice, wh_practice_hub_refresh, self);
  g_set_object (&self->practice, practice);
  if (practice)
    g_signal_connect_object (practice, "changed", G_CALLBACK (wh_practice_hub_refresh), self,
                             G_CONNECT_SWAPPED);
  gtk_widget_set_visible (GTK_WIDGET (self->kiosk_label),
                          practice && wh_practice_get_in_memory (practice));
  wh_practice_hub_refresh (self);
}

static void
today_activated_cb (WhPracticeHub *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_SET], 0, (guint) WH_PRACTICE_TODAY);
}

static void
mistakes_activated_cb (WhPracticeHub *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_SET], 0, (guint) WH_PRACTICE_MISTAKES);
}

static void
due_activated_cb (WhPracticeHub *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_SET], 0, (guint) WH_PRACTICE_DUE);
}

static gboolean
wh_practice_hub_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (WH_PRACTICE_HUB (widget)->today_row));
}

static void
wh_practice_hub_dispose (GObject *object)
{
  WhPracticeHub *self = WH_PRACTICE_HUB (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->practice);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_PRACTICE_HUB);
  /* The template's top box has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (wh_practice_hub_parent_class)->dispose (object);
}

static void
wh_practice_hub_class_init (WhPracticeHubClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_practice_hub_dispose;
  widget_class->grab_focus = wh_practice_hub_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* ::open-set (guint set): a WhPracticeSet to practise. */
  signals[SIGNAL_OPEN_SET] =
    g_signal_new ("open-set", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/courses/wh-practice-hub.ui");
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, due_row);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, kiosk_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, mistakes_row);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, streak_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, today_label);
  gtk_widget_class_bind_template_child (widget_class, WhPracticeHub, today_row);
  gtk_widget_class_bind_template_callback (widget_class, due_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, mistakes_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, today_activated_cb);
}

static void
wh_practice_hub_init (WhPracticeHub *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wh_practice_hub_get_back_button (WhPracticeHub *self)
{
  g_return_val_if_fail (WH_IS_PRACTICE_HUB (self), NULL);

  return self->back_button;
}
