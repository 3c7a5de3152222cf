/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-course-certificate.h: the completion certificate, drawn with cairo and
 * Pango (Chinese through fontconfig, e.g. Noto CJK) as a PDF page or a PNG
 * picture. Written in a worker thread: Pango's cairo font map is per
 * thread, and the file is written there too. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  WH_CERTIFICATE_PDF,
  WH_CERTIFICATE_PNG,
} WhCertificateFormat;

typedef struct
{
  char *name;       /* the worker's name, may be empty */
  char *course;
  char *teacher;    /* may be NULL */
  char *date;       /* as the worker reads dates */
  guint lessons;
  guint score;      /* best timed quiz, percent */
} WhCertificate;

void      wh_certificate_free          (WhCertificate       *certificate);

void      wh_certificate_write_async   (const WhCertificate *certificate,
                                        WhCertificateFormat  format,
                                        GFile               *file,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean  wh_certificate_write_finish  (GAsyncResult        *result,
                                        GError             **error);
/* A file name for the course's certificate: its title, made safe, with
 * the format's extension. */
char     *wh_certificate_file_name     (const char          *course_title,
                                        WhCertificateFormat  format);
/* The same, synchronously (tests). */
gboolean  wh_certificate_write         (const WhCertificate *certificate,
                                        WhCertificateFormat  format,
                                        const char          *path,
                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhCertificate, wh_certificate_free)

G_END_DECLS
