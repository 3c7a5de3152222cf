/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-qr-code"

#include "config.h"

#include <math.h>
#include <qrencode.h>

#include "wh-qr-code.h"

struct _WhQrCode
{
  GtkWidget parent_instance;

  char   *text;
  guint8 *modules; /* width * width, 1 = dark, row by row */
  guint   width;
};

enum
{
  PROP_0,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (WhQrCode, wh_qr_code, GTK_TYPE_WIDGET)

/* Smallest side a counter scanner reads reliably from a phone-sized screen
 * held at arm's length: about 2 px per module for a version-4 code. */
#define MIN_MODULE_PX 2

/* The modules of text, width × width, 1 = dark, row by row; NULL when it
 * cannot be encoded. */
static guint8 *
encode_text (const char *text,
             guint      *width)
{
  QRcode *code;
  guint8 *modules;

  *width = 0;
  if (text == NULL || *text == '\0')
    return NULL;
  /* Level M: a screen is clean but may be scratched or reflect light. */
  code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  if (code == NULL)
    {
      g_warning ("Could not encode a QR code of %zu bytes", strlen (text));
      return NULL;
    }
  *width = (guint) code->width;
  modules = g_malloc ((gsize) *width * *width);
  for (gsize i = 0; i < (gsize) *width * *width; i++)
    modules[i] = code->data[i] & 1;
  QRcode_free (code);
  return modules;
}

static void
encode (WhQrCode *self)
{
  g_clear_pointer (&self->modules, g_free);
  self->modules = encode_text (self->text, &self->width);
}

gboolean
wh_qr_code_draw (cairo_t    *cr,
                 const char *text,
                 double      x,
                 double      y,
                 double      side)
{
  guint width;
  g_autofree guint8 *modules = encode_text (text, &width);
  double module;

  if (modules == NULL)
    return FALSE;
  module = side / (width + 2 * WH_QR_CODE_QUIET_ZONE);
  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x, y, side, side);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint row = 0; row < width; row++)
    for (guint col = 0; col < width; col++)
      if (modules[(gsize) row * width + col])
        cairo_rectangle (cr, x + (col + WH_QR_CODE_QUIET_ZONE) * module,
                         y + (row + WH_QR_CODE_QUIET_ZONE) * module, module, module);
  cairo_fill (cr);
  cairo_restore (cr);
  return TRUE;
}

void
wh_qr_code_set_text (WhQrCode   *self,
                     const char *text)
{
  g_return_if_fail (WH_IS_QR_CODE (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  encode (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

const char *
wh_qr_code_get_text (WhQrCode *self)
{
  g_return_val_if_fail (WH_IS_QR_CODE (self), NULL);
  return self->text;
}

guint
wh_qr_code_get_modules (WhQrCode *self)
{
  g_return_val_if_fail (WH_IS_QR_CODE (self), 0);
  return self->width;
}

static void
wh_qr_code_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  WhQrCode *self = WH_QR_CODE (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  double scale = native ? gdk_surface_get_scale_factor (gtk_native_get_surface (native)) : 1;
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  guint side = self->width + 2 * WH_QR_CODE_QUIET_ZONE;
  int side_px, module_px;
  double ox, oy;
  GdkRGBA white = { 1, 1, 1, 1 };
  GdkRGBA black = { 0, 0, 0, 1 };

  if (self->width == 0)
    return;
  /* Whole device pixels per module, the code centred on a device pixel:
   * every edge falls on a pixel boundary, so no module is smeared. */
  module_px = (int) floor (MIN (w, h) * scale / side);
  if (module_px < 1)
    module_px = 1;
  side_px = module_px * (int) side;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_scale (snapshot, 1 / scale, 1 / scale);
  ox = floor ((w * scale - side_px) / 2);
  oy = floor ((h * scale - side_px) / 2);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (ox, oy));
  gtk_snapshot_append_color (snapshot, &white, &GRAPHENE_RECT_INIT (0, 0, side_px, side_px));
  /* One rectangle per horizontal run of dark modules keeps the render
   * nodes few (a version-10 code has about 1,800 dark modules). */
  for (guint y = 0; y < self->width; y++)
    {
      const guint8 *row = self->modules + (gsize) y * self->width;

      for (guint x = 0; x < self->width;)
        {
          guint run = 0;

          while (x + run < self->width && row[x + run])
            run++;
          if (run == 0)
            {
              x++;
              continue;
            }
          gtk_snapshot_append_color (snapshot, &black,
                                     &GRAPHENE_RECT_INIT ((x + WH_QR_CODE_QUIET_ZONE) * module_px,
                                                          (y + WH_QR_CODE_QUIET_ZONE) * module_px,
                                                          run * module_px, module_px));
          x += run;
        }
    }
  gtk_snapshot_restore (snapshot);
}

static void
wh_qr_code_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  WhQrCode *self = WH_QR_CODE (widget);
  int side = (int) (self->width + 2 * WH_QR_CODE_QUIET_ZONE);

  if (self->width == 0)
    {
      *minimum = *natural = 0;
      return;
    }
  /* Small enough for a narrow window, big enough for a counter's scanner;
   * the natural size gives a phone camera an easy target. */
  *minimum = side * MIN_MODULE_PX;
  *natural = MAX (side * 6, 280);
}

static GtkSizeRequestMode
wh_qr_code_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
wh_qr_code_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WhQrCode *self = WH_QR_CODE (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_qr_code_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  WhQrCode *self = WH_QR_CODE (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      wh_qr_code_set_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_qr_code_finalize (GObject *object)
{
  WhQrCode *self = WH_QR_CODE (object);

  g_free (self->text);
  g_free (self->modules);
  G_OBJECT_CLASS (wh_qr_code_parent_class)->finalize (object);
}

static void
wh_qr_code_class_init (WhQrCodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = wh_qr_code_finalize;
  object_class->get_property = wh_qr_code_get_property;
  object_class->set_property = wh_qr_code_set_property;
  widget_class->snapshot = wh_qr_code_snapshot;
  widget_class->measure = wh_qr_code_measure;
  widget_class->get_request_mode = wh_qr_code_get_request_mode;

  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "qrcode");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
wh_qr_code_init (WhQrCode *self)
{
}

GtkWidget *
wh_qr_code_new (void)
{
  return g_object_new (WH_TYPE_QR_CODE, NULL);
}
