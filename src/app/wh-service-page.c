/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-service-page"

#include "config.h"

#include "wh-service-page.h"

G_DEFINE_INTERFACE (WhServicePage, wh_service_page, GTK_TYPE_WIDGET)

static void
wh_service_page_default_init (WhServicePageInterface *iface)
{
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
