/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter-camera.c: QR codes from a camera (wh-counter-camera.h). */
#define G_LOG_DOMAIN "wh-counter"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <gst/gst.h>
#include <string.h>

#include "wh-counter-camera.h"

/* A payload is at most 512 bytes; anything longer is no voucher. */
#define MAX_SYMBOL 1024

struct _WhCounterCamera
{
  GObject     parent_instance;

  char       *source;
  GstElement *pipeline;
  guint       bus_watch;
};

enum
{
  SIGNAL_CODE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WhCounterCamera, wh_counter_camera, G_TYPE_OBJECT)

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  WhCounterCamera *self = user_data;
  const GstStructure *s;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      s = gst_message_get_structure (message);
      if (s != NULL && gst_structure_has_name (s, "barcode"))
        {
          const char *symbol = gst_structure_get_string (s, "symbol");
          const char *type = gst_structure_get_string (s, "type");

          /* A voucher is a QR code; a barcode on a can of drink is not. */
          if (symbol != NULL && g_strcmp0 (type, "QR-Code") == 0 &&
              strlen (symbol) <= MAX_SYMBOL && g_utf8_validate (symbol, -1, NULL))
            g_signal_emit (self, signals[SIGNAL_CODE], 0, symbol);
        }
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &error, NULL);
        g_warning ("The camera stopped: %s", error->message);
        wh_counter_camera_stop (self);
        return G_SOURCE_REMOVE;
      }
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* The first camera's source element, or NULL. */
static GstElement *
find_camera (void)
{
  g_autoptr(GstDeviceMonitor) monitor = gst_device_monitor_new ();
  GList *devices;
  GstElement *element = NULL;

  gst_device_monitor_add_filter (monitor, "Video/Source", NULL);
  if (!gst_device_monitor_start (monitor))
    return NULL;
  devices = gst_device_monitor_get_devices (monitor);
  if (devices != NULL)
    element = gst_device_create_element (devices->data, NULL);
  g_list_free_full (devices, gst_object_unref);
  gst_device_monitor_stop (monitor);
  return element;
}

gboolean
wh_counter_camera_start (WhCounterCamera *self,
                         GError         **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *source = NULL;
  GstElement *convert, *zbar, *sink;

  g_return_val_if_fail (WH_IS_COUNTER_CAMERA (self), FALSE);

  if (self->pipeline != NULL)
    return TRUE;
  if (!gst_init_check (NULL, NULL, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("No camera: %s"),
                   local->message);
      return FALSE;
    }
  zbar = gst_element_factory_make ("zbar", NULL);
  if (zbar == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("No camera reader: GStreamer’s zbar element is not installed"));
      return FALSE;
    }
  if (self->source != NULL)
    source = gst_parse_bin_from_description (self->source, TRUE, &local);
  else
    source = find_camera ();
  if (source == NULL)
    {
      gst_object_unref (gst_object_ref_sink (zbar));
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No camera found"));
      return FALSE;
    }
  convert = gst_element_factory_make ("videoconvert", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  /* Once per code in sight, not once per frame. */
  g_object_set (zbar, "cache", TRUE, NULL);
  self->pipeline = gst_pipeline_new ("counter-camera");
  gst_bin_add_many (GST_BIN (self->pipeline), source, convert, zbar, sink, NULL);
  if (!gst_element_link_many (source, convert, zbar, sink, NULL))
    {
      g_clear_pointer (&self->pipeline, gst_object_unref);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The camera cannot be read"));
      return FALSE;
    }
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  /* On the thread-default main context: ::code reaches the window there. */
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      wh_counter_camera_stop (self);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The camera cannot be read"));
      return FALSE;
    }
  return TRUE;
}

void
wh_counter_camera_stop (WhCounterCamera *self)
{
  g_return_if_fail (WH_IS_COUNTER_CAMERA (self));

  if (self->bus_watch)
    g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_clear_pointer (&self->pipeline, gst_object_unref);
    }
}

gboolean
wh_counter_camera_is_running (WhCounterCamera *self)
{
  g_return_val_if_fail (WH_IS_COUNTER_CAMERA (self), FALSE);
  return self->pipeline != NULL;
}

static void
wh_counter_camera_dispose (GObject *object)
{
  wh_counter_camera_stop (WH_COUNTER_CAMERA (object));
  G_OBJECT_CLASS (wh_counter_camera_parent_class)->dispose (object);
}

static void
wh_counter_camera_finalize (GObject *object)
{
  g_free (WH_COUNTER_CAMERA (object)->source);
  G_OBJECT_CLASS (wh_counter_camera_parent_class)->finalize (object);
}

static void
wh_counter_camera_class_init (WhCounterCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wh_counter_camera_dispose;
  object_class->finalize = wh_counter_camera_finalize;

  signals[SIGNAL_CODE] = g_signal_new ("code", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
wh_counter_camera_init (WhCounterCamera *self)
{
}

WhCounterCamera *
wh_counter_camera_new (const char *source)
{
  WhCounterCamera *self = g_object_new (WH_TYPE_COUNTER_CAMERA, NULL);

  self->source = g_strdup (source);
  return self;
}
