/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-station-report"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-station-report-dialog.h"
#include "wh-sync.h"

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
};

G_DEFINE_FINAL_TYPE (WhStationReportDialog, wh_station_report_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  SIGNAL_QUEUED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

WhRecord *
wh_station_report_new (gint64      station_id,
                       const char *problem,
                       const char *comment)
{
  g_autoptr(WhRecord) record = wh_record_new (&wh_collection_station_reports);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");

  g_return_val_if_fail (station_id > 0, NULL);
  g_return_val_if_fail (problem != NULL, NULL);

  wh_record_set_text (record, "report_id", id);
  wh_record_set_int (record, "station_id", station_id);
  wh_record_set_text (record, "problem", problem);
  if (comment && *comment)
    wh_record_set_text (record, "comment", comment);
  wh_record_set_text (record, "reported_at", stamp);
  return g_steal_pointer (&record);
}

gboolean
wh_station_report_queue (WhStore    *store,
                         gint64      station_id,
                         const char *problem,
                         const char *comment,
                         GError    **error)
{
  g_autoptr(WhRecord) record = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);

  record = wh_station_report_new (station_id, problem, comment);
  return wh_sync_queue_record (store, record, error);
}

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
wh_station_report_dialog_response (AdwMessageDialog *dialog,
                                   const char       *response)
{
  WhStationReportDialog *self = WH_STATION_REPORT_DIALOG (dialog);
  g_autoptr(GError) error = NULL;
  g_autofree char *comment = NULL;

  if (g_strcmp0 (response, "send") == 0)
    {
      comment = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->comment_entry))));
      if (!wh_station_report_queue (self->store, self->station_id, chosen_problem (self), comment,
                                    &error))
        {
          /* Keep the dialog and what was typed; say why. */
          adw_message_dialog_set_body (dialog, error->message);
          return;
        }
      g_signal_emit (self, signals[SIGNAL_QUEUED], 0);
    }
  ADW_MESSAGE_DIALOG_CLASS (wh_station_report_dialog_parent_class)->response (dialog, response);
}

static void
wh_station_report_dialog_dispose (GObject *object)
{
  WhStationReportDialog *self = WH_STATION_REPORT_DIALOG (object);

  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_STATION_REPORT_DIALOG);
  G_OBJECT_CLASS (wh_station_report_dialog_parent_class)->dispose (object);
}

static void
wh_station_report_dialog_class_init (WhStationReportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_station_report_dialog_dispose;
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
  return self;
}
