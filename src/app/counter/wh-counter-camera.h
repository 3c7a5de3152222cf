/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter-camera.h: QR codes read by a camera through GStreamer's zbar
 * element (gstreamer1.0-plugins-bad), for the counter window.
 *
 *   SOURCE ! videoconvert ! zbar ! fakesink
 *
 * SOURCE is the first camera GStreamer's device monitor finds (v4l2src or
 * whatever provides it), or a description a test gives (a PNG through
 * pngdec ! imagefreeze). The zbar element's "barcode" messages are read on
 * the bus from the main context, and each symbol becomes one ::code
 * emission (zbar's cache: a code held in front of the camera is reported
 * once, again only after it left the picture). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WH_TYPE_COUNTER_CAMERA (wh_counter_camera_get_type ())
G_DECLARE_FINAL_TYPE (WhCounterCamera, wh_counter_camera, WH, COUNTER_CAMERA, GObject)

/* source: a gst-launch description of the video source, or NULL for the
 * system's first camera. */
WhCounterCamera *wh_counter_camera_new      (const char      *source);
/* Starts reading; FALSE and a translated reason ("No camera found") when
 * it cannot. ::code (const char *text) follows for every code seen. */
gboolean         wh_counter_camera_start    (WhCounterCamera *self,
                                             GError         **error);
void             wh_counter_camera_stop     (WhCounterCamera *self);
gboolean         wh_counter_camera_is_running (WhCounterCamera *self);

G_END_DECLS
