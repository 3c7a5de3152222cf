/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-voucher-slip.h: a love-meal voucher on paper. A kiosk is bolted to the
 * wall and forgets the worker when they walk away, so the voucher leaves as
 * a slip printed through GTK's print support (CUPS): the merchant, the QR
 * code, the 12 digits to read out and until when it is valid, at receipt
 * width (at most 72 mm) at the top of whatever paper the printer has.
 * All text is drawn as plain text. */
#pragma once

#include <gtk/gtk.h>

#include "wh-record.h"

G_BEGIN_DECLS

/* A print operation of one page, the slip of voucher (a copy is kept). */
GtkPrintOperation *wh_voucher_slip_new    (const WhRecord *voucher);

/* Prints the slip of voucher on the default printer (else the first that
 * takes PDF) with no dialog, as a kiosk does: the slip is drawn as a PDF in
 * memory, written to a temporary file off the main thread and sent as a
 * GtkPrintJob. Fails with a translated message when the
 * station has no printer. */
void               wh_voucher_slip_print_async  (const WhRecord      *voucher,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean           wh_voucher_slip_print_finish (GAsyncResult        *result,
                                                 GError             **error);

/* Writes the slip of voucher as a PDF file at path (GTK's export), for
 * tests and for a station without a printer's driver. */
gboolean           wh_voucher_slip_export (const WhRecord *voucher,
                                           const char     *path,
                                           GError        **error);

G_END_DECLS
