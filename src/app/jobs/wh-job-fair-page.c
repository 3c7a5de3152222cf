/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-job-fair-page"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-fair-ics.h"
#include "wh-format.h"
#include "wh-job-fair-page.h"
#include "wh-job-page.h"
#include "wh-jobs.h"

struct _WhJobFairPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkBox            *fair_box;
  GtkScrolledWindow *fair_scroller;

  /* Owned references */
  WhStore              *store;
  GCancellable         *cancellable;    /* the employers being read */
  WhRecord             *fair;           /* the fair shown, for export */
  GStrv                 employer_names; /* NULL until read */
  GtkWidget            *employers;      /* the group listing them */
  GtkFileChooserNative *chooser;
  char                 *fair_ics;       /* what the chooser is saving */

  /* State */
  gboolean              export_pending; /* Add to Calendar pressed before the names were in */
};

G_DEFINE_FINAL_TYPE (WhJobFairPage, wh_job_fair_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
toast (WhJobFairPage *self,
       const char    *text)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

/* ---- Add to Calendar ------------------------------------------------------------- */

static void
save_ics_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WhJobFairPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the calendar file: %s"),
                                               error->message);
      toast (self, text);
      return;
    }
  toast (self, _("Saved. Open the file to add the fair to your calendar."));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     WhJobFairPage   *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL && self->fair_ics)
    {
      char *text = g_steal_pointer (&self->fair_ics);
      GBytes *bytes = g_bytes_new_take (text, strlen (text));

      g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                           save_ics_cb, g_object_ref (self));
      g_bytes_unref (bytes);
    }
  g_clear_pointer (&self->fair_ics, g_free);
  g_clear_object (&self->chooser);
}

static void
export_fair_cb (WhJobFairPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *suggested = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->fair == NULL || self->chooser != NULL)
    return;
  /* The employers are listed in the file: wait for them (a few ms). */
  if (self->employer_names == NULL)
    {
      self->export_pending = TRUE;
      return;
    }
  g_free (self->fair_ics);
  self->fair_ics = wh_fair_to_ics (self->fair, (const char * const *) self->employer_names, &error);
  if (self->fair_ics == NULL)
    {
      toast (self, error->message);
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_("Save to Calendar File"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);
  /* Translators: the suggested file name of an exported fair; %s is its date */
  suggested = g_strdup_printf (_("job-fair-%s.ics"), wh_record_get_text (self->fair, "date"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- The fair ---------------------------------------------------------------------- */

static void
show_employers (WhJobFairPage *self)
{
  GStrv names = self->employer_names;

  if (names == NULL || names[0] == NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->employers),
                                           _("The list of employers is not out yet."));
  for (guint i = 0; names && names[i]; i++)
    {
      /* Plain text from the start, not parsed once before. */
      GtkWidget *row = wh_format_row_new (names[i], NULL);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->employers), row);
    }
}

static void
employers_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(WhJobFairPage) self = data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = wh_jobs_get_fair_employers_finish (WH_STORE (source), result, &error);

  /* Another fair since, or the page went away. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (names == NULL)
    {
      g_debug ("Employers of the fair: %s", error->message);
      names = g_new0 (char *, 1);
    }
  self->employer_names = g_steal_pointer (&names);
  show_employers (self);
  if (self->export_pending)
    {
      self->export_pending = FALSE;
      export_fair_cb (self);
    }
}

static void
clear_box (WhJobFairPage *self)
{
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->employer_names, g_strfreev);
  self->employers = NULL;
  self->export_pending = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fair_box))) != NULL)
    gtk_box_remove (self->fair_box, child);
}

void
wh_job_fair_page_show (WhJobFairPage  *self,
                       WhStore        *store,
                       const WhRecord *fair,
                       gboolean        kiosk)
{
  g_autofree char *when = NULL;
  GtkWidget *title, *group, *export;

  g_return_if_fail (WH_IS_JOB_FAIR_PAGE (self));
  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (fair != NULL && fair->collection == &wh_collection_fairs);

  g_set_object (&self->store, store);
  g_clear_pointer (&self->fair, wh_record_free);
  self->fair = wh_record_copy (fair);
  clear_box (self);
  when = wh_jobs_fair_when (fair);

  title = gtk_label_new (wh_record_get_text (fair, "title"));
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "title-2");
  gtk_box_append (self->fair_box, title);

  group = adw_preferences_group_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), wh_job_page_new_fact_row (_("When"), when));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("Venue"), wh_record_get_text (fair, "venue")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("Address"), wh_record_is_set (fair, "address") ?
                                                     wh_record_get_text (fair, "address") : NULL));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("City"), wh_record_is_set (fair, "city") ?
                                                  wh_record_get_text (fair, "city") : NULL));
  gtk_box_append (self->fair_box, group);

  if (wh_record_is_set (fair, "description"))
    {
      GtkWidget *label = gtk_label_new (wh_record_get_text (fair, "description"));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_box_append (self->fair_box, label);
    }

  /* Kiosks keep no files: no export there. */
  if (!kiosk)
    {
      export = gtk_button_new ();
      wh_format_button_set_mnemonic_label (export, _("_Add to Calendar…"));
      gtk_widget_set_halign (export, GTK_ALIGN_START);
      gtk_widget_add_css_class (export, "pill");
      gtk_widget_add_css_class (export, "suggested-action");
      gtk_widget_set_tooltip_text (export, _("Save the fair as a calendar file (.ics)"));
      g_signal_connect_object (export, "clicked", G_CALLBACK (export_fair_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->fair_box, export);
    }

  self->employers = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->employers), _("Employers Attending"));
  gtk_box_append (self->fair_box, self->employers);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->fair_scroller), 0);

  self->cancellable = g_cancellable_new ();
  wh_jobs_get_fair_employers_async (store, fair, self->cancellable, employers_cb,
                                    g_object_ref (self));
}

void
wh_job_fair_page_clear (WhJobFairPage *self)
{
  g_return_if_fail (WH_IS_JOB_FAIR_PAGE (self));

  clear_box (self);
  g_clear_pointer (&self->fair, wh_record_free);
}

/* ---- Class ------------------------------------------------------------------------ */

static void
wh_job_fair_page_dispose (GObject *object)
{
  WhJobFairPage *self = WH_JOB_FAIR_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->employers = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOB_FAIR_PAGE);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (wh_job_fair_page_parent_class)->dispose (object);
}

static void
wh_job_fair_page_finalize (GObject *object)
{
  WhJobFairPage *self = WH_JOB_FAIR_PAGE (object);

  g_clear_pointer (&self->fair, wh_record_free);
  g_clear_pointer (&self->employer_names, g_strfreev);
  g_free (self->fair_ics);
  G_OBJECT_CLASS (wh_job_fair_page_parent_class)->finalize (object);
}

static void
wh_job_fair_page_class_init (WhJobFairPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_job_fair_page_dispose;
  object_class->finalize = wh_job_fair_page_finalize;

  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-job-fair-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobFairPage, fair_box);
  gtk_widget_class_bind_template_child (widget_class, WhJobFairPage, fair_scroller);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_job_fair_page_init (WhJobFairPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
