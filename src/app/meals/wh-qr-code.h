/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-qr-code.h: a QR code drawn crisp at any size.
 *
 * libqrencode gives one byte per module, row by row, bit 0 = dark. The
 * widget draws at its final pixel size (device pixels, so a 2x screen gets
 * twice the detail): an integer number of pixels per module, a quiet zone of
 * four modules, white behind, black modules, centred. No texture is scaled,
 * so nothing blurs. The accessible label is the text a person could read
 * out instead (set with gtk_accessible_update_property). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_QR_CODE (wh_qr_code_get_type ())
G_DECLARE_FINAL_TYPE (WhQrCode, wh_qr_code, WH, QR_CODE, GtkWidget)

#define WH_QR_CODE_QUIET_ZONE 4

GtkWidget  *wh_qr_code_new          (void);
/* NULL or "" shows nothing. Text that cannot be encoded shows nothing and
 * says why in the log. */
void        wh_qr_code_set_text     (WhQrCode   *self,
                                     const char *text);
const char *wh_qr_code_get_text     (WhQrCode   *self);
/* Modules per side without the quiet zone; 0 when empty. */
guint       wh_qr_code_get_modules  (WhQrCode   *self);
/* Draws text's code with its quiet zone in the side × side square at x, y
 * of cr (a printed slip); FALSE when it cannot be encoded. */
gboolean    wh_qr_code_draw         (cairo_t    *cr,
                                     const char *text,
                                     double      x,
                                     double      y,
                                     double      side);

G_END_DECLS
