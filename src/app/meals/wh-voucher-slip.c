/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-voucher-slip.c: a love-meal voucher on paper (wh-voucher-slip.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <cairo-pdf.h>
#include <gtk/gtkunixprint.h>
#include <pango/pangocairo.h>
#include <unistd.h>

#include "wh-meals-format.h"
#include "wh-qr-code.h"
#include "wh-voucher-slip.h"

/* In points (1/72 inch): a receipt printer's 80 mm roll prints 72 mm. */
#define SLIP_WIDTH_PT  (72.0 / 25.4 * 72.0)
/* A counter's scanner reads a 45 mm code from a crumpled slip. */
#define QR_SIDE_PT     (45.0 / 25.4 * 72.0)
#define GAP_PT         6.0

/* One paragraph of plain text, wrapped to width, at y; returns its height. */
static double
draw_text (PangoContext *context,
           cairo_t      *cr,
           const char   *text,
           const char   *font,
           double        x,
           double        y,
           double        width)
{
  g_autoptr(PangoLayout) layout = pango_layout_new (context);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (font);
  int w, h;

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  /* Set as text, never markup: the names come from the server. */
  pango_layout_set_text (layout, text ? text : "", -1);
  pango_layout_get_size (layout, &w, &h);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  return (double) h / PANGO_SCALE;
}

/* The slip on cr, in points, at most width wide from (0, 0); context lays
 * its text out for cr. */
static void
draw_slip (const WhRecord *v,
           cairo_t        *cr,
           PangoContext   *context,
           double          width)
{
  double side;
  double y = 0;
  g_autofree char *grouped = wh_meals_group_digits (wh_record_get_text (v, "code"));
  g_autofree char *until = wh_meals_format_time (wh_record_get_text (v, "valid_until"));
  /* Translators: on a printed voucher; %s is a date and time */
  g_autofree char *valid = g_strdup_printf (_("Valid until %s"), until);

  width = MIN (width, SLIP_WIDTH_PT);
  side = MIN (width, QR_SIDE_PT);
  cairo_set_source_rgb (cr, 0, 0, 0);
  y += draw_text (context, cr, _("Workers’ Home · Love Meal Voucher"), "Sans Bold 11", 0, y,
                  width) + GAP_PT;
  y += draw_text (context, cr, wh_record_get_text (v, "merchant_name"), "Sans Bold 16", 0, y,
                  width);
  if (wh_record_is_set (v, "merchant_address"))
    y += draw_text (context, cr, wh_record_get_text (v, "merchant_address"), "Sans 10", 0, y,
                    width);
  y += GAP_PT;
  if (wh_qr_code_draw (cr, wh_record_get_text (v, "payload"), (width - side) / 2, y, side))
    y += side + GAP_PT;
  cairo_set_source_rgb (cr, 0, 0, 0);
  y += draw_text (context, cr, grouped, "Monospace Bold 18", 0, y, width) + GAP_PT / 2;
  y += draw_text (context, cr, valid, "Sans Bold 11", 0, y, width) + GAP_PT;
  draw_text (context, cr,
             _("Show this slip at the counter: one free meal, on this day only. Do not give "
               "it away; it works once."),
             "Sans 9", 0, y, width);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              gpointer           user_data)
{
  PangoContext *pango = gtk_print_context_create_pango_context (context);

  draw_slip (user_data, gtk_print_context_get_cairo_context (context), pango,
             gtk_print_context_get_width (context));
  g_object_unref (pango);
}

static void
record_free_notify (gpointer  data,
                    GClosure *closure)
{
  wh_record_free (data);
}

GtkPrintOperation *
wh_voucher_slip_new (const WhRecord *voucher)
{
  GtkPrintOperation *operation;
  g_autofree char *name = NULL;

  g_return_val_if_fail (voucher != NULL, NULL);

  operation = gtk_print_operation_new ();
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (operation, FALSE);
  /* Translators: the name of a print job; %s is a merchant's name */
  name = g_strdup_printf (_("Love meal voucher, %s"), wh_record_get_text (voucher, "merchant_name"));
  gtk_print_operation_set_job_name (operation, name);
  g_signal_connect_data (operation, "draw-page", G_CALLBACK (draw_page_cb),
                         wh_record_copy (voucher), record_free_notify, 0);
  return operation;
}

gboolean
wh_voucher_slip_export (const WhRecord *voucher,
                        const char     *path,
                        GError        **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (voucher != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  operation = wh_voucher_slip_new (voucher);
  gtk_print_operation_set_export_filename (operation, path);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, error) !=
         GTK_PRINT_OPERATION_RESULT_ERROR;
}

/* ---- Printing with no dialog --------------------------------------------- */

typedef struct
{
  WhRecord   *voucher;
  GtkPrinter *printer;  /* the default, else the first taking PDF */
  char       *pdf;      /* the slip, exported, until the job is sent */
  GtkPrintJob *job;     /* held until sent */
} Print;

static void
print_free (gpointer data)
{
  Print *p = data;

  if (p->pdf)
    g_unlink (p->pdf);
  g_free (p->pdf);
  g_clear_object (&p->job);
  g_clear_object (&p->printer);
  wh_record_free (p->voucher);
  g_free (p);
}

static void
job_sent_cb (GtkPrintJob  *job,
             gpointer      user_data,
             const GError *error)
{
  GTask *task = user_data;

  if (error != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             /* Translators: %s says why, from the printing system */
                             _("The printer did not take the slip: %s"), error->message);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
printer_found_cb (GtkPrinter *printer,
                  gpointer    user_data)
{
  Print *p = g_task_get_task_data (G_TASK (user_data));

  if (gtk_printer_is_virtual (printer) || !gtk_printer_accepts_pdf (printer))
    return FALSE;
  if (gtk_printer_is_default (printer))
    {
      g_set_object (&p->printer, printer);
      return TRUE;
    }
  if (p->printer == NULL)
    p->printer = g_object_ref (printer);
  return FALSE;
}

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The slip as a PDF of one page of setup's paper, in memory: drawing is the
 * main thread's (Pango, fontconfig), and the file is written on a worker's.
 * Text is laid out at 72 dpi, the points cairo's PDF surface counts in, as
 * GTK's print context does. */
static GBytes *
render_pdf (const WhRecord *voucher,
            GtkPageSetup   *setup,
            GError        **error)
{
  GByteArray *pdf = g_byte_array_new ();
  double width = gtk_page_setup_get_paper_width (setup, GTK_UNIT_POINTS);
  double height = gtk_page_setup_get_paper_height (setup, GTK_UNIT_POINTS);
  double left = gtk_page_setup_get_left_margin (setup, GTK_UNIT_POINTS);
  double right = gtk_page_setup_get_right_margin (setup, GTK_UNIT_POINTS);
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (append_cb, pdf, width, height);
  cairo_t *cr = cairo_create (surface);
  PangoContext *pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  cairo_status_t status;

  pango_cairo_context_set_resolution (pango, 72);
  pango_cairo_update_context (cr, pango);
  cairo_translate (cr, left, gtk_page_setup_get_top_margin (setup, GTK_UNIT_POINTS));
  draw_slip (voucher, cr, pango, width - left - right);
  cairo_show_page (cr);
  g_object_unref (pango);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_byte_array_unref (pdf);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (pdf);
}

/* Writes the PDF (task data) into a new file in the temporary directory. */
static void
write_pdf_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GBytes *pdf = task_data;
  g_autofree char *path = NULL;
  GError *error = NULL;
  int fd = g_file_open_tmp ("wh-slip-XXXXXX.pdf", &path, &error);

  if (fd >= 0)
    {
      close (fd);
      /* Private, as g_file_open_tmp made it: the payload is the voucher. */
      if (!g_file_set_contents_full (path, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf),
                                     G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
        g_unlink (path);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&path), g_free);
}

static void
pdf_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Print *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  p->pdf = g_task_propagate_pointer (G_TASK (result), &error);
  if (p->pdf == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The slip could not be made: %s"), error->message);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!gtk_print_job_set_source_file (p->job, p->pdf, &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The printer did not take the slip: %s"), error->message);
      return;
    }
  /* The job holds the task until it is sent, then lets both go. */
  gtk_print_job_send (p->job, job_sent_cb, g_steal_pointer (&task), g_object_unref);
}

/* Every print backend has listed its printers. */
static void
printers_listed_cb (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Print *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkPrintSettings) settings = NULL;
  g_autoptr(GtkPageSetup) setup = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(GTask) write = NULL;
  GCancellable *cancellable;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (p->printer == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _("This station has no printer set up."));
      return;
    }
  settings = gtk_print_settings_new ();
  gtk_print_settings_set_printer (settings, gtk_printer_get_name (p->printer));
  setup = gtk_page_setup_new ();
  pdf = render_pdf (p->voucher, setup, &error);
  if (pdf == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The slip could not be made: %s"), error->message);
      return;
    }
  p->job = gtk_print_job_new (_("Love meal voucher"), p->printer, settings, setup);
  /* A page of a few kilobytes, still written off the main thread. */
  cancellable = g_task_get_cancellable (task);
  write = g_task_new (NULL, cancellable, pdf_written_cb, g_steal_pointer (&task));
  g_task_set_source_tag (write, write_pdf_thread);
  g_task_set_task_data (write, g_steal_pointer (&pdf), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (write, write_pdf_thread);
}

void
wh_voucher_slip_print_async (const WhRecord      *voucher,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  Print *p;

  g_return_if_fail (voucher != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_voucher_slip_print_async);
  p = g_new0 (Print, 1);
  p->voucher = wh_record_copy (voucher);
  g_task_set_task_data (task, p, print_free);
  gtk_enumerate_printers (printer_found_cb, task, printers_listed_cb, FALSE);
}

gboolean
wh_voucher_slip_print_finish (GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
