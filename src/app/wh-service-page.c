/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-service-page"

#include "config.h"

#include "wh-service-page.h"

G_DEFINE_INTERFACE (WhServicePage, wh_service_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_TOAST,
  SIGNAL_ADD_TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
wh_service_page_default_init (WhServicePageInterface *iface)
{
  signals[SIGNAL_TOAST] = g_signal_new ("toast", G_TYPE_FROM_INTERFACE (iface),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_ADD_TOAST] = g_signal_new ("add-toast", G_TYPE_FROM_INTERFACE (iface),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, ADW_TYPE_TOAST);
}

void
wh_service_page_set_context (WhServicePage *self,
                             WhContext     *context)
{
  g_return_if_fail (WH_IS_SERVICE_PAGE (self));
  g_return_if_fail (WH_IS_CONTEXT (context));

  WH_SERVICE_PAGE_GET_IFACE (self)->set_context (self, context);
}

void
wh_service_page_focus_search (WhServicePage *self)
{
  WhServicePageInterface *iface;

  g_return_if_fail (WH_IS_SERVICE_PAGE (self));

  iface = WH_SERVICE_PAGE_GET_IFACE (self);
  if (iface->focus_search)
    iface->focus_search (self);
}

gboolean
wh_service_page_navigate_back (WhServicePage *self)
{
  WhServicePageInterface *iface;

  g_return_val_if_fail (WH_IS_SERVICE_PAGE (self), FALSE);

  iface = WH_SERVICE_PAGE_GET_IFACE (self);
  return iface->navigate_back ? iface->navigate_back (self) : FALSE;
}

void
wh_service_page_reset (WhServicePage *self)
{
  WhServicePageInterface *iface;

  g_return_if_fail (WH_IS_SERVICE_PAGE (self));

  iface = WH_SERVICE_PAGE_GET_IFACE (self);
  if (iface->reset)
    iface->reset (self);
}

void
wh_service_page_show_topic (WhServicePage *self,
                            const char    *topic)
{
  WhServicePageInterface *iface;

  g_return_if_fail (WH_IS_SERVICE_PAGE (self));

  iface = WH_SERVICE_PAGE_GET_IFACE (self);
  if (iface->show_topic)
    iface->show_topic (self, topic);
  else if (iface->reset)
    iface->reset (self);
}

void
wh_service_page_toast (WhServicePage *self,
                       const char    *text)
{
  g_return_if_fail (WH_IS_SERVICE_PAGE (self));
  g_return_if_fail (text != NULL);

  g_signal_emit (self, signals[SIGNAL_TOAST], 0, text);
}

void
wh_service_page_add_toast (WhServicePage *self,
                           AdwToast      *toast)
{
  g_return_if_fail (WH_IS_SERVICE_PAGE (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  g_signal_emit (self, signals[SIGNAL_ADD_TOAST], 0, toast);
}

WhServicePage *
wh_service_page_get_for_widget (GtkWidget *widget)
{
  GtkWidget *page;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  page = gtk_widget_get_ancestor (widget, WH_TYPE_SERVICE_PAGE);
  return page ? WH_SERVICE_PAGE (page) : NULL;
}
