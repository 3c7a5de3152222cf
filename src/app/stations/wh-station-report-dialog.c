/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-station-report"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-station-report-dialog.h"
#include "wh-stations.h"

struct _WhStationReportDialog
{
  AdwMessageDialog parent_instance;

  /* Template widgets */
  GtkCheckButton *broken_charger_check;
  GtkCheckButton *closed_check;
  GtkEntry       *comment_entry;
  GtkCheckButton *no_hot_water_check;
  GtkCheckButton *other_check;

  /* Owned references */
  WhStore        *store;
  gint64          station_id;
  char           *station_name;
  GCancellable   *cancellable;
  gboolean        sending;
};

G_DEFINE_FINAL_TYPE (WhStationReportDialog, wh_station_report_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  SIGNAL_QUEUED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
chosen_problem (WhStationReportDialog *self)
{
  if (gtk_check_button_get_active (self->closed_check))
    return "closed";
  if (gtk_check_button_get_active (self->broken_charger_check))
    return "broken_charger";
  if (gtk_check_button_get_active (self->other_check))
    return "other";
  return "no_hot_water";
}

static void
set_sending (WhStationReportDialog *self,
             gboolean               sending)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);

  self->sending = sending;
  adw_message_dialog_set_response_enabled (dialog, "send", !sending);
  gtk_widget_set_sensitive (adw_message_dialog_get_extra_child (dialog), !sending);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WhStationReportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_station_report_queue_finish (WH_STORE (object), result, &error))
    {
      g_autofree char *body = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The dialog stays, with what was chosen and typed; it says why. */
      set_sending (self, FALSE);
      body = g_strdup_printf (_("%s\n\nThe report could not be saved: %s Try again, or cancel."),
                              self->station_name, error->message);
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_QUEUED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
wh_station_report_dialog_response (AdwMessageDialog *dialog,
                                   const char       *response)
{
  WhStationReportDialog *self = WH_STATION_REPORT_DIALOG (dialog);
  g_autofree char *comment = NULL;

  if (g_strcmp0 (response, "send") != 0)
    {
      g_cancellable_cancel (self->cancellable);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (self->sending)
    return;
  comment = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->comment_entry))));
  set_sending (self, TRUE);
  wh_station_report_queue_async (self->store, self->station_id, chosen_problem (self), comment,
                                 self->cancellable, sent_cb, g_object_ref (self));
}

/* libadwaita 1.2 closes the dialog before it emits ::response, so a report
 * that could not be saved would take what was typed with it. The dialog
 * closes itself instead, once the report is saved or cancelled (Escape and
 * the close button still emit the "cancel" response). */
static gboolean
wh_station_report_dialog_close_request (GtkWindow *window)
{
  GTK_WINDOW_CLASS (wh_station_report_dialog_parent_class)->close_request (window);
  return TRUE;
}

static void
wh_station_report_dialog_dispose (GObject *object)
{
  WhStationReportDialog *self = WH_STATION_REPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_pointer (&self->station_name, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_STATION_REPORT_DIALOG);
  G_OBJECT_CLASS (wh_station_report_dialog_parent_class)->dispose (object);
}

static void
wh_station_report_dialog_class_init (WhStationReportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_station_report_dialog_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = wh_station_report_dialog_close_request;
  ADW_MESSAGE_DIALOG_CLASS (klass)->response = wh_station_report_dialog_response;

  signals[SIGNAL_QUEUED] = g_signal_new ("queued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/stations/"
                                               "wh-station-report-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WhStationReportDialog, broken_charger_check);
  gtk_widget_class_bind_template_child (widget_class, WhStationReportDialog, closed_check);
  gtk_widget_class_bind_template_child (widget_class, WhStationReportDialog, comment_entry);
  gtk_widget_class_bind_template_child (widget_class, WhStationReportDialog, no_hot_water_check);
  gtk_widget_class_bind_template_child (widget_class, WhStationReportDialog, other_check);
}

static void
wh_station_report_dialog_init (WhStationReportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

WhStationReportDialog *
wh_station_report_dialog_new (GtkWindow      *parent,
                              WhStore        *store,
                              const WhRecord *station)
{
  WhStationReportDialog *self;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (station != NULL, NULL);

  self = g_object_new (WH_TYPE_STATION_REPORT_DIALOG, "transient-for", parent, "modal", TRUE,
                       "body", wh_record_get_text (station, "name"), NULL);
  self->store = g_object_ref (store);
  self->station_id = station->id;
  self->station_name = g_strdup (wh_record_get_text (station, "name"));
  return self;
}
