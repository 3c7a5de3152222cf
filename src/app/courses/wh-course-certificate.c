/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-course-certificate"

#include "config.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "wh-course-certificate.h"

/* A4 landscape in points; the PNG is the same page at 150 dpi. */
#define PAGE_W 842.0
#define PAGE_H 595.0
#define PNG_SCALE (150.0 / 72.0)

void
wh_certificate_free (WhCertificate *c)
{
  if (c == NULL)
    return;
  g_free (c->name);
  g_free (c->course);
  g_free (c->teacher);
  g_free (c->date);
  g_free (c);
}

static WhCertificate *
certificate_copy (const WhCertificate *c)
{
  WhCertificate *copy = g_new0 (WhCertificate, 1);

  copy->name = g_strdup (c->name);
  copy->course = g_strdup (c->course);
  copy->teacher = g_strdup (c->teacher);
  copy->date = g_strdup (c->date);
  copy->lessons = c->lessons;
  copy->score = c->score;
  return copy;
}

/* Centred text whose top is at y; returns the y under it. */
static double
centred (cairo_t    *cr,
         const char *text,
         const char *font,
         double      y,
         double      r,
         double      g,
         double      b)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (font);
  int w, h;

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_width (layout, (int) ((PAGE_W - 160) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_text (layout, text ? text : "", -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_set_source_rgb (cr, r, g, b);
  cairo_move_to (cr, 80, y);
  pango_cairo_show_layout (cr, layout);
  return y + h;
}

static void
draw (cairo_t             *cr,
      const WhCertificate *c)
{
  g_autofree char *lessons = NULL;
  g_autofree char *teacher = NULL;
  double y;

  cairo_set_source_rgb (cr, 1, 0.99, 0.96);
  cairo_paint (cr);
  /* A double border in the union's red. */
  cairo_set_source_rgb (cr, 0.75, 0.1, 0.1);
  cairo_set_line_width (cr, 6);
  cairo_rectangle (cr, 24, 24, PAGE_W - 48, PAGE_H - 48);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.5);
  cairo_rectangle (cr, 36, 36, PAGE_W - 72, PAGE_H - 72);
  cairo_stroke (cr);

  y = centred (cr, _("Workers’ Home · Skills Cloud"), "Sans 14", 70, 0.45, 0.45, 0.45);
  y = centred (cr, _("Certificate of Completion"), "Sans Bold 34", y + 18, 0.75, 0.1, 0.1);
  y = centred (cr, _("This certifies that"), "Sans 14", y + 30, 0.3, 0.3, 0.3);
  y = centred (cr, c->name && *c->name ? c->name : "＿＿＿＿＿＿", "Sans Bold 26", y + 10,
               0.1, 0.1, 0.1);
  y = centred (cr, _("has completed the course"), "Sans 14", y + 14, 0.3, 0.3, 0.3);
  y = centred (cr, c->course, "Sans Bold 22", y + 10, 0.1, 0.1, 0.1);
  lessons = g_strdup_printf (ngettext ("all %u lesson and a timed quiz, best score %u%%",
                                       "all %u lessons and a timed quiz, best score %u%%",
                                       c->lessons),
                             c->lessons, c->score);
  y = centred (cr, lessons, "Sans 13", y + 16, 0.3, 0.3, 0.3);
  if (c->teacher && *c->teacher)
    {
      teacher = g_strdup_printf (_("Teacher: %s"), c->teacher);
      y = centred (cr, teacher, "Sans 13", y + 6, 0.3, 0.3, 0.3);
    }
  centred (cr, c->date, "Sans 13", MAX (y + 24, PAGE_H - 100), 0.3, 0.3, 0.3);
}

/* The reason in the person's language: cairo's own strings are English. */
static const char *
status_reason (cairo_status_t status)
{
  switch (status)
    {
    case CAIRO_STATUS_NO_MEMORY:
      return _("Not enough memory.");
    case CAIRO_STATUS_WRITE_ERROR:
      return _("The file could not be written: the disk may be full or the folder read-only.");
    case CAIRO_STATUS_FILE_NOT_FOUND:
      return _("The folder does not exist.");
    default:
      return _("The picture could not be drawn.");
    }
}

static gboolean
write_status (cairo_status_t status,
              const char    *path,
              GError       **error)
{
  g_autofree char *name = NULL;

  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_debug ("Certificate %s: %s", path, cairo_status_to_string (status));
  name = g_filename_display_basename (path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               /* Translators: %s is a file name, then the reason */
               _("Could not write “%s”: %s"), name, status_reason (status));
  return FALSE;
}

gboolean
wh_certificate_write (const WhCertificate *c,
                      WhCertificateFormat  format,
                      const char          *path,
                      GError             **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  g_return_val_if_fail (c != NULL && path != NULL, FALSE);

  if (format == WH_CERTIFICATE_PDF)
    surface = cairo_pdf_surface_create (path, PAGE_W, PAGE_H);
  else
    surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) (PAGE_W * PNG_SCALE),
                                          (int) (PAGE_H * PNG_SCALE));
  cr = cairo_create (surface);
  if (format == WH_CERTIFICATE_PNG)
    cairo_scale (cr, PNG_SCALE, PNG_SCALE);
  draw (cr, c);
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  /* An image surface is written before it is finished: a finished surface
   * refuses cairo_surface_write_to_png ("the target surface has been
   * finished"). A PDF is written by finishing it. */
  if (status == CAIRO_STATUS_SUCCESS && format == WH_CERTIFICATE_PNG)
    {
      cairo_surface_flush (surface);
      status = cairo_surface_write_to_png (surface, path);
    }
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  return write_status (status, path, error);
}

char *
wh_certificate_file_name (const char          *course_title,
                          WhCertificateFormat  format)
{
  g_autoptr(GString) name = g_string_new (NULL);
  const char *ext = format == WH_CERTIFICATE_PDF ? ".pdf" : ".png";
  char *start;

  /* The course's title as a file name on any file system and chat app:
   * no separators, no characters Windows refuses, no control characters,
   * at most 80 characters. */
  for (const char *p = course_title; p && *p && g_utf8_strlen (name->str, -1) < 80;
       p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char_validated (p, -1);

      if (ch == (gunichar) -1 || ch == (gunichar) -2)
        break;
      if (g_unichar_iscntrl (ch) || strchr ("/\\:*?\"<>|", (int) (ch < 128 ? ch : 'a')) != NULL)
        g_string_append_c (name, ' ');
      else
        g_string_append_unichar (name, ch);
    }
  /* No leading dots (a hidden file) or spaces, no trailing spaces. */
  start = name->str;
  while (*start == '.' || *start == ' ')
    start++;
  g_strchomp (start);
  if (*start == '\0')
    return g_strconcat (
      /* Translators: a file name, no slashes */
      _("certificate"), ext, NULL);
  return g_strconcat (start, ext, NULL);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WhCertificate *c = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "wh-file");
  WhCertificateFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "wh-format"));
  g_autofree char *path = g_file_get_path (file);
  GError *error = NULL;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Choose a folder on this computer."));
      return;
    }
  if (wh_certificate_write (c, format, path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
wh_certificate_write_async (const WhCertificate *certificate,
                            WhCertificateFormat  format,
                            GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, wh_certificate_write_async);
  g_task_set_task_data (task, certificate_copy (certificate), (GDestroyNotify) wh_certificate_free);
  g_object_set_data_full (G_OBJECT (task), "wh-file", g_object_ref (file), g_object_unref);
  g_object_set_data (G_OBJECT (task), "wh-format", GINT_TO_POINTER (format));
  g_task_run_in_thread (task, write_thread);
}

gboolean
wh_certificate_write_finish (GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
