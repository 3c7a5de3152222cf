/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-window"

#include "config.h"

#include <glib/gi18n.h>

#include "courses/wh-courses-view.h"
#include "jobs/wh-jobs-view.h"
#include "kiosk/wh-kiosk-home.h"
#include "kiosk/wh-kiosk.h"
#include "meals/wh-meals-view.h"
#include "stations/wh-stations-view.h"
#include "wh-format.h"
#include "wh-keynav.h"
#include "wh-read-aloud-controls.h"
#include "wh-service-page.h"
#include "wh-window.h"

struct _WhWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkWidget     *care_bar;
  GtkWidget     *courses_view;
  GtkProgressBar *first_run_progress;
  AdwStatusPage *first_run_page;
  GtkButton     *first_run_retry;
  GtkButton     *first_run_setup;
  AdwHeaderBar  *header_bar;
  GtkWidget     *home_button;
  GtkWidget     *jobs_view;
  GtkWidget     *kiosk_home;
  GtkStack      *main_stack;
  GtkWidget     *meals_view;
  GtkWidget     *menu_button;
  GtkWidget     *stations_view;
  WhSyncStatus  *sync_status;
  AdwToastOverlay *toast_overlay;
  guint            toast_timeout;
  AdwViewStack  *view_stack;
  AdwViewSwitcherTitle *switcher_title;

  /* Owned references */
  GSettings     *settings;
  WhContext     *context;

  guint          compact_idle;
  WhKiosk       *kiosk;
};

G_DEFINE_FINAL_TYPE (WhWindow, wh_window, ADW_TYPE_APPLICATION_WINDOW)

static WhServicePage *
visible_service_page (WhWindow *self)
{
  GtkWidget *child = adw_view_stack_get_visible_child (self->view_stack);

  return WH_IS_SERVICE_PAGE (child) ? WH_SERVICE_PAGE (child) : NULL;
}

/* On a narrow window the switcher title shows the app's name and the sync
 * indicator shrinks to its icon, so the name is not cut off. The change
 * waits for an idle: title-visible flips while the header is being
 * allocated, and resizing a sibling then leaves parts unallocated. */
static gboolean
update_compact_idle (gpointer data)
{
  WhWindow *self = data;

  self->compact_idle = 0;
  wh_sync_status_set_compact (self->sync_status,
                              adw_view_switcher_title_get_title_visible (self->switcher_title));
  return G_SOURCE_REMOVE;
}

static void
title_visible_cb (WhWindow *self)
{
  if (self->compact_idle == 0)
    self->compact_idle = g_idle_add (update_compact_idle, self);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WhWindow *self = WH_WINDOW (widget);
  WhServicePage *page = visible_service_page (self);

  if (page && g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") == 0)
    wh_service_page_focus_search (page);
}

/* Escape and Alt+Left from anywhere in the window, as the shortcuts window
 * says: a page binds them itself, but only while the focus is inside it,
 * not in the header or when the focus was lost (on a button that went
 * insensitive). */
static gboolean
back_shortcut_cb (GtkWidget *widget,
                  GVariant  *args,
                  gpointer   user_data)
{
  WhWindow *self = WH_WINDOW (widget);
  WhServicePage *page = visible_service_page (self);

  if (page == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") != 0)
    return FALSE;
  return wh_service_page_navigate_back (page);
}

static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  wh_window_show_view (WH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

void
wh_window_show_view (WhWindow   *self,
                     const char *name)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  if (adw_view_stack_get_child_by_name (self->view_stack, name))
    adw_view_stack_set_visible_child_name (self->view_stack, name);
}

const char *
wh_window_get_visible_view (WhWindow *self)
{
  g_return_val_if_fail (WH_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->view_stack);
}

static void
home_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WhWindow *self = WH_WINDOW (widget);

  /* Home ends the person's session: the next one finds nothing of theirs. */
  if (self->kiosk)
    wh_kiosk_reset (self->kiosk);
  else
    wh_window_show_view (self, "home");
}

/* A service page's message (wh_service_page_toast). */
static void
page_toast_cb (WhWindow   *self,
               const char *text)
{
  wh_window_toast (self, text, FALSE);
}

/* A service page's own toast (wh_service_page_add_toast). */
static void
page_add_toast_cb (WhWindow *self,
                   AdwToast *toast)
{
  if (self->toast_timeout == G_MAXUINT)
    adw_toast_set_timeout (toast, 0);
  else if (self->toast_timeout > 0)
    adw_toast_set_timeout (toast, self->toast_timeout);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (toast));
}

/* The kiosk's session ends: every page back to its start, then Home. */
static void
kiosk_reset_pages_cb (WhWindow *self)
{
  GtkWidget *pages[] = { self->courses_view, self->jobs_view, self->stations_view,
                         self->meals_view };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    wh_service_page_reset (WH_SERVICE_PAGE (pages[i]));
  wh_window_show_view (self, "home");
}

/* A tile of the kiosk's Home. */
static void
kiosk_open_service_cb (WhWindow   *self,
                       const char *name,
                       const char *topic)
{
  GtkWidget *page = wh_window_get_page (self, name);

  g_return_if_fail (WH_IS_SERVICE_PAGE (page));

  /* show_topic starts from a reset page: resetting first as well would
   * query the jobs twice. */
  wh_window_show_view (self, name);
  wh_service_page_show_topic (WH_SERVICE_PAGE (page), topic);
}

static void
hide_title_buttons (GtkWidget *widget)
{
  if (ADW_IS_HEADER_BAR (widget))
    {
      adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (widget), FALSE);
      adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (widget), FALSE);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    hide_title_buttons (child);
}

/* A kiosk's window: no menu (preferences, about, shortcuts), no size kept
 * across runs (it is fullscreen), a Home button; the rest is WhKiosk. */
static void
become_kiosk (WhWindow  *self,
              WhContext *context)
{
  /* No minimize, maximize or close button at any moment (a minimized kiosk
   * is a black screen): not on the main header, nor on the loading,
   * first-run and no-server pages' own, nor on a bar a page adds later
   * (the layout is the whole process's, and the process is the kiosk). */
  hide_title_buttons (GTK_WIDGET (self));
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-decoration-layout", "", NULL);

  g_settings_unbind (self, "default-width");
  g_settings_unbind (self, "default-height");
  g_settings_unbind (self, "maximized");
  gtk_menu_button_set_primary (GTK_MENU_BUTTON (self->menu_button), FALSE);
  gtk_widget_set_visible (self->menu_button, FALSE);
  gtk_widget_set_visible (self->home_button, TRUE);
  gtk_widget_set_visible (self->kiosk_home, TRUE);
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self), NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.home", TRUE);
  self->kiosk = wh_kiosk_new (ADW_APPLICATION_WINDOW (self), WH_KIOSK_HOME (self->kiosk_home),
                              context);
  g_signal_connect_object (self->kiosk, "reset-pages", G_CALLBACK (kiosk_reset_pages_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->kiosk, "open-service", G_CALLBACK (kiosk_open_service_cb), self,
                           G_CONNECT_SWAPPED);
  adw_view_stack_set_visible_child_name (self->view_stack, "home");
}

/* Care mode's colours: libadwaita's named colours defined again, black on
 * white with darker accents, by a provider above the app's own style. Named
 * colours are the display's, so one provider while any window is in care
 * mode. */
static void
set_care_colours (GdkDisplay *display,
                  gboolean    on)
{
  static GtkCssProvider *provider;
  static guint users;

  if (on && users++ == 0)
    {
      provider = gtk_css_provider_new ();
      gtk_css_provider_load_from_resource (provider, "/org/workershome/WorkersHome/care.css");
      gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
    }
  else if (!on && users > 0 && --users == 0)
    {
      gtk_style_context_remove_provider_for_display (display, GTK_STYLE_PROVIDER (provider));
      g_clear_object (&provider);
    }
}

/* Care mode: larger text (style.css, window.wh-care), higher contrast,
 * Read Aloud under the header for every page, and on a desktop a Home tab
 * of four big buttons, shown at once (a kiosk has its Home already). */
static void
care_mode_cb (WhWindow *self)
{
  gboolean care = wh_context_get_care_mode (self->context);

  if (care == gtk_widget_has_css_class (GTK_WIDGET (self), "wh-care"))
    return;
  if (care)
    gtk_widget_add_css_class (GTK_WIDGET (self), "wh-care");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "wh-care");
  set_care_colours (gtk_widget_get_display (GTK_WIDGET (self)), care);
  gtk_widget_set_visible (self->care_bar, care);
  if (self->kiosk)
    return;
  /* A desktop's Home is a tab of its own, first: a Home button in the
   * header leaves a 360 px window no room for its title. */
  gtk_widget_set_visible (self->kiosk_home, care);
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->view_stack, self->kiosk_home),
                                   care);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.home", care);
  if (care)
    wh_window_show_view (self, "home");
  else if (g_strcmp0 (wh_window_get_visible_view (self), "home") == 0)
    wh_window_show_view (self, "courses");
}

void
wh_window_set_context (WhWindow  *self,
                       WhContext *context)
{
  GtkWidget *pages[] = { self->courses_view, self->jobs_view, self->stations_view,
                         self->meals_view };

  g_return_if_fail (WH_IS_WINDOW (self));
  g_return_if_fail (WH_IS_CONTEXT (context));

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    wh_service_page_set_context (WH_SERVICE_PAGE (pages[i]), context);
  if (wh_context_get_kiosk (context) && self->kiosk == NULL)
    become_kiosk (self, context);
  if (self->context != context)
    {
      if (self->context)
        g_signal_handlers_disconnect_by_func (self->context, care_mode_cb, self);
      g_set_object (&self->context, context);
      /* A desktop's Home is care mode's: the window opens its services. */
      if (self->kiosk == NULL)
        {
          wh_kiosk_home_set_context (WH_KIOSK_HOME (self->kiosk_home), context);
          g_signal_connect_object (self->kiosk_home, "open-service",
                                   G_CALLBACK (kiosk_open_service_cb), self, G_CONNECT_SWAPPED);
        }
      g_signal_connect_object (context, "notify::care-mode", G_CALLBACK (care_mode_cb), self,
                               G_CONNECT_SWAPPED);
      care_mode_cb (self);
    }
}

WhKiosk *
wh_window_get_kiosk (WhWindow *self)
{
  g_return_val_if_fail (WH_IS_WINDOW (self), NULL);

  return self->kiosk;
}

GtkWidget *
wh_window_get_page (WhWindow   *self,
                    const char *name)
{
  g_return_val_if_fail (WH_IS_WINDOW (self), NULL);

  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

void
wh_window_show_first_run (WhWindow   *self,
                          gboolean    show,
                          double      fraction,
                          const char *detail)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->main_stack, show ? "first-run" : "main");
  if (!show)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_retry), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_setup), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_progress), TRUE);
  adw_status_page_set_title (self->first_run_page, _("Getting Things Ready"));
  adw_status_page_set_description (self->first_run_page,
                                   _("Downloading courses, jobs and stations so they work "
                                     "without a network later."));
  if (fraction < 0)
    gtk_progress_bar_pulse (self->first_run_progress);
  else
    gtk_progress_bar_set_fraction (self->first_run_progress, CLAMP (fraction, 0, 1));
  gtk_progress_bar_set_text (self->first_run_progress, detail);
}

void
wh_window_first_run_failed (WhWindow   *self,
                            const char *message)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->main_stack, "first-run");
  adw_status_page_set_title (self->first_run_page, _("Could Not Download"));
  gtk_progress_bar_set_text (self->first_run_progress, message);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_progress), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_setup), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_retry), TRUE);
}

void
wh_window_show_no_backend (WhWindow *self,
                           gboolean  empty)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->main_stack, empty ? "first-run" : "main");
  if (!empty)
    return;
  adw_status_page_set_title (self->first_run_page, _("No Union Server Set"));
  /* A kiosk has no preferences: the staff set it up. */
  adw_status_page_set_description (self->first_run_page,
                                   self->kiosk
                                     ? _("This kiosk is not connected to the union’s server. "
                                         "Please tell the station staff.")
                                     : _("Courses, jobs, stations and love meals come from "
                                         "your union’s server. Ask your union for its address "
                                         "and set it up here."));
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_progress), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_retry), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->first_run_setup), self->kiosk == NULL);
}

void
wh_window_show_loading (WhWindow *self)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (self->main_stack, "loading");
}

void
wh_window_toast (WhWindow   *self,
                 const char *message,
                 gboolean    retry)
{
  AdwToast *toast;

  g_return_if_fail (WH_IS_WINDOW (self));

  /* Sync errors carry the server's own message. */
  toast = wh_format_toast_new (message);
  if (self->toast_timeout == G_MAXUINT)
    adw_toast_set_timeout (toast, 0);
  else
    adw_toast_set_timeout (toast, self->toast_timeout > 0 ? self->toast_timeout : retry ? 10 : 5);
  if (retry)
    {
      adw_toast_set_button_label (toast, _("_Retry"));
      adw_toast_set_action_name (toast, "app.sync");
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
wh_window_set_toast_timeout (WhWindow *self,
                             guint     seconds)
{
  g_return_if_fail (WH_IS_WINDOW (self));

  self->toast_timeout = seconds;
}

WhSyncStatus *
wh_window_get_sync_status (WhWindow *self)
{
  g_return_val_if_fail (WH_IS_WINDOW (self), NULL);

  return self->sync_status;
}

static void
wh_window_dispose (GObject *object)
{
  WhWindow *self = WH_WINDOW (object);

  g_clear_handle_id (&self->compact_idle, g_source_remove);
  if (gtk_widget_has_css_class (GTK_WIDGET (self), "wh-care"))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "wh-care");
      set_care_colours (gtk_widget_get_display (GTK_WIDGET (self)), FALSE);
    }
  g_clear_object (&self->context);
  g_clear_object (&self->kiosk);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (wh_window_parent_class)->dispose (object);
}

static void
wh_window_class_init (WhWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char * const views[] = { "courses", "jobs", "stations", "meals" };

  object_class->dispose = wh_window_dispose;

  g_type_ensure (WH_TYPE_COURSES_VIEW);
  g_type_ensure (WH_TYPE_JOBS_VIEW);
  g_type_ensure (WH_TYPE_KIOSK_HOME);
  g_type_ensure (WH_TYPE_MEALS_VIEW);
  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  g_type_ensure (WH_TYPE_STATIONS_VIEW);
  g_type_ensure (WH_TYPE_SYNC_STATUS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/wh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WhWindow, care_bar);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, courses_view);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, first_run_page);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, first_run_progress);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, first_run_retry);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, first_run_setup);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, home_button);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, jobs_view);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, kiosk_home);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, meals_view);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, stations_view);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, sync_status);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, WhWindow, switcher_title);
  gtk_widget_class_bind_template_callback (widget_class, title_visible_cb);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);
  gtk_widget_class_install_action (widget_class, "win.home", NULL, home_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, back_shortcut_cb, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, GDK_ALT_MASK, back_shortcut_cb, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "win.show-view", "s", views[i]);
}

static void
wh_window_init (WhWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  wh_keynav_install (GTK_WINDOW (self));
  {
    GtkWidget *pages[] = { self->courses_view, self->jobs_view, self->stations_view,
                           self->meals_view };

    /* The pages never reach for the window: their messages come here. */
    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_signal_connect_object (pages[i], "toast", G_CALLBACK (page_toast_cb), self,
                                 G_CONNECT_SWAPPED);
        g_signal_connect_object (pages[i], "add-toast", G_CALLBACK (page_add_toast_cb), self,
                                 G_CONNECT_SWAPPED);
      }
  }

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  /* The Home page comes first in the stack: hidden, so a desktop starts on
   * courses as before and its size does not count. */
  gtk_widget_set_visible (self->kiosk_home, FALSE);
  adw_view_stack_set_visible_child_name (self->view_stack, "courses");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.home", FALSE);
}

WhWindow *
wh_window_new (AdwApplication *application)
{
  return g_object_new (WH_TYPE_WINDOW, "application", application, NULL);
}
