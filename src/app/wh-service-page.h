/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-service-page.h: what the window asks of each service's view.
 *
 * Each service (courses, jobs, stations, meals) lives in its own folder
 * and implements this; the window knows nothing else about them, and they
 * know nothing of the window.
 *
 * Signals:
 *  ::toast (const char *text): a short message for the person (plain text,
 *  never markup), emitted by wh_service_page_toast; the window shows it.
 *  A page's own parts (a lesson, a practice) reach it through the page:
 *  wh_service_page_toast (wh_service_page_get_for_widget (part), text).
 *  ::add-toast (AdwToast *toast): a toast the page made itself, with a
 *  button it handles (AdwToast::button-clicked, e.g. Undo); the window
 *  shows it. Emitted by wh_service_page_add_toast. */
#pragma once

#include <adwaita.h>

#include "wh-context.h"

G_BEGIN_DECLS

#define WH_TYPE_SERVICE_PAGE (wh_service_page_get_type ())
G_DECLARE_INTERFACE (WhServicePage, wh_service_page, WH, SERVICE_PAGE, GtkWidget)

struct _WhServicePageInterface
{
  GTypeInterface parent_iface;

  /* Called once, before the page is shown. */
  void     (*set_context)   (WhServicePage *self,
                             WhContext     *context);
  /* Ctrl+F: show the page's search and focus it. */
  void     (*focus_search)  (WhServicePage *self);
  /* Alt+Left / Escape / Back: one step back; FALSE when at the start. */
  gboolean (*navigate_back) (WhServicePage *self);
  /* Back to the start with nothing typed or chosen (the kiosk's Home and
   * idle reset): nothing of the last person may stay on screen. */
  void     (*reset)         (WhServicePage *self);
  /* Optional. Open the page on a topic a person chose by touch, with no
   * typing (the kiosk's Home tiles), starting afresh as reset does.
   * Topics: "category:<id>" (courses: a category record's id),
   * "category:<name>" (jobs: a value of the category field), "nearest"
   * (stations, meals: nearest the context's location first); NULL shows
   * the page's start. Unknown topics show the start. Without it, the
   * page is reset. */
  void     (*show_topic)    (WhServicePage *self,
                             const char    *topic);
};

void     wh_service_page_set_context   (WhServicePage *self,
                                        WhContext     *context);
void     wh_service_page_focus_search  (WhServicePage *self);
gboolean wh_service_page_navigate_back (WhServicePage *self);
void     wh_service_page_reset         (WhServicePage *self);
void     wh_service_page_show_topic    (WhServicePage *self,
                                        const char    *topic);
void     wh_service_page_toast         (WhServicePage *self,
                                        const char    *text);
/* Its text plain text (wh_format_toast_new makes one). */
void     wh_service_page_add_toast     (WhServicePage *self,
                                        AdwToast      *toast);
/* The service page widget is in, or NULL. */
WhServicePage *wh_service_page_get_for_widget (GtkWidget *widget);

G_END_DECLS
