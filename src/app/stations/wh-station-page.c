/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-station-page"

#include "config.h"

#include <glib/gi18n.h>

#include "courses/wh-course-media.h"
#include "wh-format.h"
#include "wh-station-page.h"
#include "wh-station-report-dialog.h"
#include "wh-read-aloud-controls.h"

struct _WhStationPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton    *back_button;
  GtkBox       *station_box;
  GtkLabel     *station_title;

  /* Owned references */
  WhContext    *context;
  WhRecord     *station;     /* shown, or NULL */
  GCancellable *cancellable; /* for the page's lifetime */
  GCancellable *photos_cancellable; /* the shown station's photos */
};

/* At most this many photos a station, each at most this tall. */
#define MAX_PHOTOS 3
#define PHOTO_HEIGHT 160

G_DEFINE_FINAL_TYPE (WhStationPage, wh_station_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_BACK,
  SIGNAL_SHOW_ON_MAP,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Formatting ---------------------------------------------------------- */

char *
wh_station_format_hours (const WhRecord *station)
{
  const char *opens = wh_record_get_text (station, "opens");
  const char *closes = wh_record_get_text (station, "closes");

  if (wh_record_get_bool (station, "open_24h"))
    return g_strdup (_("Open 24 hours"));
  if (opens && closes)
    /* Translators: opening hours, e.g. 08:00–20:00 */
    return g_strdup_printf (_("%s–%s"), opens, closes);
  return NULL;
}

const char *
wh_station_format_open_now (const WhRecord *station)
{
  const char *status = wh_record_get_text (station, "status");

  if (g_strcmp0 (status, "open") != 0)
    return wh_format_station_status (status);
  return wh_station_is_open_at (station, wh_station_minute_now ()) ? _("Open now")
                                                                   : _("Closed now");
}

/* ---- The page ------------------------------------------------------------ */

static GtkWidget *
add_fact (WhStationPage *self,
          const char    *heading,
          const char    *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (heading);
  GtkWidget *value = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "caption-heading");
  gtk_widget_add_css_class (title, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (self->station_box, box);
  return value;
}

static void
show_uri_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhStationPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) && self->station)
    {
      /* No app for geo: here; a web map opens in any browser. */
      double lat = wh_record_get_real (self->station, "lat");
      double lon = wh_record_get_real (self->station, "lon");
      g_autofree char *url = g_strdup_printf ("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f"
                                              "#map=17/%.6f/%.6f", lat, lon, lat, lon);
      g_autoptr(GAppLaunchContext) launch = NULL;
      g_autoptr(GError) web_error = NULL;

      launch = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (
                 gtk_widget_get_display (GTK_WIDGET (self))));
      if (!g_app_info_launch_default_for_uri (url, launch, &web_error))
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0,
                       _("No map app or browser could be opened. The address is on this page."));
    }
}

static void
navigate_clicked_cb (WhStationPage *self)
{
  g_autofree char *uri = NULL;
  char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->station == NULL)
    return;
  g_ascii_formatd (lat, sizeof lat, "%.6f", wh_record_get_real (self->station, "lat"));
  g_ascii_formatd (lon, sizeof lon, "%.6f", wh_record_get_real (self->station, "lon"));
  uri = g_strdup_printf ("geo:%s,%s", lat, lon);
  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME,
                     self->cancellable, show_uri_done_cb, g_object_ref (self));
}

static void
report_queued_cb (WhStationPage *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0,
                 _("Thank you. Your report is saved and will be sent when you are online."));
  /* Sent now when online: it needs no sign-in (the outbox sends reports
   * without a token). */
  gtk_widget_activate_action (GTK_WIDGET (self), "app.sync", NULL);
}

static void
report_clicked_cb (WhStationPage *self)
{
  WhStationReportDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;

  if (self->station == NULL || store == NULL)
    return;
  dialog = wh_station_report_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         store, self->station);
  g_signal_connect_object (dialog, "queued", G_CALLBACK (report_queued_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_on_map_clicked_cb (WhStationPage *self)
{
  if (self->station == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_SHOW_ON_MAP], 0, wh_record_get_real (self->station, "lat"),
                 wh_record_get_real (self->station, "lon"));
}

static GtkWidget *
make_button (const char *icon,
             const char *label)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *content = adw_button_content_new ();

  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), icon);
  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
  adw_button_content_set_use_underline (ADW_BUTTON_CONTENT (content), TRUE);
  gtk_button_set_child (GTK_BUTTON (button), content);
  gtk_widget_set_size_request (button, -1, 44);
  return button;
}

static void
build_station_page (WhStationPage *self,
                    gboolean       known,
                    double         lat,
                    double         lon)
{
  const WhRecord *station = self->station;
  GtkWidget *child, *buttons, *button, *amenities, *value;
  g_autofree char *hours = wh_station_format_hours (station);
  g_auto(GStrv) have = wh_record_dup_strv (station, "amenities");
  g_auto(GStrv) photos = wh_record_dup_strv (station, "photos");

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->station_box))))
    gtk_box_remove (self->station_box, child);
  gtk_label_set_text (self->station_title, wh_record_get_text (station, "name"));

  {
    g_autofree char *distance =
      wh_format_distance (wh_geo_distance_m (lat, lon, wh_record_get_real (station, "lat"),
                                             wh_record_get_real (station, "lon")));
    gboolean kiosk = self->context && wh_context_get_kiosk (self->context);
    g_autofree char *where = NULL;

    /* From the worker or the kiosk only: the map's centre is wherever the
     * map was last moved to (often the station itself: "0 m"). */
    if (known)
      where = g_strdup_printf (kiosk ? _("%s from here") : _("%s from you"), distance);
    else
      where = g_strdup (kiosk ? _("Not known")
                              : _("Not known: set your city in Preferences to see how far"));
    add_fact (self, _("Address"), wh_record_get_text (station, "address"));
    add_fact (self, _("Distance"), where);
  }

  value = add_fact (self, _("Now"), wh_station_format_open_now (station));
  gtk_widget_add_css_class (value, wh_station_is_open_at (station, wh_station_minute_now ())
                                     ? "wh-open-now" : "wh-closed-now");
  add_fact (self, _("Hours"), hours ? hours : _("Not known"));

  amenities = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (amenities), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (amenities), 8);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (amenities), 6);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (amenities), 6);
  for (guint i = 0; have && have[i]; i++)
    {
      GtkWidget *tag = gtk_label_new (wh_format_amenity (have[i]));

      gtk_widget_add_css_class (tag, "card");
      gtk_widget_set_margin_start (tag, 0);
      g_object_set (tag, "margin-top", 0, NULL);
      gtk_label_set_xalign (GTK_LABEL (tag), 0.5);
      gtk_widget_set_size_request (tag, -1, 32);
      gtk_flow_box_append (GTK_FLOW_BOX (amenities), tag);
      gtk_widget_set_focusable (gtk_widget_get_parent (tag), FALSE);
    }
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *title = gtk_label_new (_("Amenities"));

    gtk_label_set_xalign (GTK_LABEL (title), 0);
    gtk_widget_add_css_class (title, "caption-heading");
    gtk_widget_add_css_class (title, "dim-label");
    gtk_box_append (GTK_BOX (box), title);
    if (have && have[0])
      gtk_box_append (GTK_BOX (box), amenities);
    else
      {
        g_object_ref_sink (amenities);
        g_object_unref (amenities);
        gtk_box_append (GTK_BOX (box), gtk_label_new (_("None listed")));
        gtk_widget_set_halign (gtk_widget_get_last_child (box), GTK_ALIGN_START);
      }
    gtk_box_append (self->station_box, box);
  }
  if (wh_record_get_text (station, "phone"))
    add_fact (self, _("Phone"), wh_record_get_text (station, "phone"));
  if (wh_record_get_text (station, "operator"))
    add_fact (self, _("Run by"), wh_record_get_text (station, "operator"));
  g_cancellable_cancel (self->photos_cancellable);
  g_clear_object (&self->photos_cancellable);
  if (photos && photos[0] && self->context && wh_context_get_store (self->context))
    {
      /* Fetched and size-checked as course pictures are (cached, capped,
       * decoded off the main thread); each shows once it is here. */
      GtkWidget *strip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      self->photos_cancellable = g_cancellable_new ();
      for (guint i = 0; photos[i] && i < MAX_PHOTOS; i++)
        {
          GtkWidget *picture = gtk_picture_new ();

          gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
          gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
          gtk_widget_set_size_request (picture, -1, PHOTO_HEIGHT);
          gtk_widget_set_hexpand (picture, TRUE);
          gtk_widget_add_css_class (picture, "wh-station-photo");
          /* Translators: the accessible name of a station's photo */
          gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Station photo"), -1);
          gtk_box_append (GTK_BOX (strip), picture);
          wh_course_media_set_picture (GTK_PICTURE (picture),
                                       wh_context_get_store (self->context),
                                       wh_context_get_api (self->context), photos[i],
                                       self->photos_cancellable);
        }
      gtk_box_append (self->station_box, strip);
    }
  if (photos && photos[0])
    {
      g_autofree char *text =
        g_strdup_printf (ngettext ("%u photo, shown when the app can fetch it.",
                                      "%u photos, shown when the app can fetch them.",
                                      g_strv_length (photos)),
                         g_strv_length (photos));
      add_fact (self, _("Photos"), text);
    }

  buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (buttons, 6);
  if (!self->context || !wh_context_get_kiosk (self->context))
    {
      button = make_button ("mark-location-symbolic", _("_Navigate"));
      gtk_widget_set_name (button, "navigate");
      gtk_widget_add_css_class (button, "suggested-action");
      gtk_widget_set_tooltip_text (button, _("Open the way there in a map app"));
      g_signal_connect_object (button, "clicked", G_CALLBACK (navigate_clicked_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (buttons), button);
    }
  button = make_button ("find-location-symbolic", _("Show on _Map"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (show_on_map_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (buttons), button);
  button = make_button ("dialog-warning-symbolic", _("_Report a Problem…"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (report_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (buttons), button);
  gtk_box_append (self->station_box, buttons);
}

void
wh_station_page_show (WhStationPage *self,
                      WhContext      *context,
                      const WhRecord *station,
                      gboolean        known,
                      double          lat,
                      double          lon)
{
  g_return_if_fail (WH_IS_STATION_PAGE (self));
  g_return_if_fail (context == NULL || WH_IS_CONTEXT (context));
  g_return_if_fail (station != NULL);

  g_set_object (&self->context, context);
  g_clear_pointer (&self->station, wh_record_free);
  self->station = wh_record_copy (station);
  build_station_page (self, known, lat, lon);
}

void
wh_station_page_clear (WhStationPage *self)
{
  g_return_if_fail (WH_IS_STATION_PAGE (self));

  g_cancellable_cancel (self->photos_cancellable);
  g_clear_object (&self->photos_cancellable);
  g_clear_pointer (&self->station, wh_record_free);
}

const WhRecord *
wh_station_page_get_station (WhStationPage *self)
{
  g_return_val_if_fail (WH_IS_STATION_PAGE (self), NULL);

  return self->station;
}

void
wh_station_page_focus_back (WhStationPage *self)
{
  g_return_if_fail (WH_IS_STATION_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
}

static void
back_clicked_cb (WhStationPage *self)
{
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

static void
wh_station_page_dispose (GObject *object)
{
  WhStationPage *self = WH_STATION_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->photos_cancellable);
  g_clear_object (&self->photos_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_STATION_PAGE);
  /* The template's outer box is bound to no field. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->station, wh_record_free);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wh_station_page_parent_class)->dispose (object);
}

static void
wh_station_page_class_init (WhStationPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_station_page_dispose;

  signals[SIGNAL_BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SHOW_ON_MAP] = g_signal_new ("show-on-map", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/stations/"
                                               "wh-station-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhStationPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhStationPage, station_box);
  gtk_widget_class_bind_template_child (widget_class, WhStationPage, station_title);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_station_page_init (WhStationPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
