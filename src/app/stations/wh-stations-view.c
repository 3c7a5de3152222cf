/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-stations-view"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-service-page.h"
#include "wh-service-view.h"
#include "wh-stations-view.h"

/* For now the generic list → detail view over stations; this service's
 * own pages replace it. */
struct _WhStationsView
{
  GtkWidget parent_instance;

  WhServiceView *view;
  WhContext     *context;
};

static void wh_stations_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhStationsView, wh_stations_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_stations_view_page_init))

static void
store_changed_cb (WhStationsView *self)
{
  WhStore *store = wh_context_get_store (self->context);

  if (store)
    wh_service_view_set_store (self->view, store);
}

static void
wh_stations_view_set_context (WhServicePage *page,
                          WhContext     *context)
{
  WhStationsView *self = WH_STATIONS_VIEW (page);

  g_set_object (&self->context, context);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  store_changed_cb (self);
}

static void
wh_stations_view_focus_search (WhServicePage *page)
{
  wh_service_view_focus_search (WH_STATIONS_VIEW (page)->view);
}

static gboolean
wh_stations_view_navigate_back (WhServicePage *page)
{
  return wh_service_view_navigate_back (WH_STATIONS_VIEW (page)->view);
}

static void
wh_stations_view_reset (WhServicePage *page)
{
  wh_service_view_reset (WH_STATIONS_VIEW (page)->view);
}

static void
wh_stations_view_page_init (WhServicePageInterface *iface)
{
  iface->set_context = wh_stations_view_set_context;
  iface->focus_search = wh_stations_view_focus_search;
  iface->navigate_back = wh_stations_view_navigate_back;
  iface->reset = wh_stations_view_reset;
}

static void
wh_stations_view_dispose (GObject *object)
{
  WhStationsView *self = WH_STATIONS_VIEW (object);

  g_clear_pointer ((GtkWidget **) &self->view, gtk_widget_unparent);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wh_stations_view_parent_class)->dispose (object);
}

static void
wh_stations_view_class_init (WhStationsViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_stations_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_stations_view_init (WhStationsView *self)
{
  self->view = g_object_new (WH_TYPE_SERVICE_VIEW,
                             "collection-name", "stations",
                             "list-label", _("Stations list"),
                             "search-placeholder", _("Search stations and addresses"),
                             NULL);
  gtk_widget_set_parent (GTK_WIDGET (self->view), GTK_WIDGET (self));
}
