/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application entry point. The window is a placeholder until the
 * application issue fills it; --demo already starts the demo backend. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-demo.h"

static gboolean demo_mode;
static WhDemoServer *demo_server;

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AdwStatusPage) page = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = wh_demo_server_start_finish (WH_DEMO_SERVER (source), result, &error);

  if (url == NULL)
    {
      adw_status_page_set_icon_name (page, "dialog-error-symbolic");
      adw_status_page_set_title (page, _("The demo backend did not start"));
      adw_status_page_set_description (page, error->message);
      return;
    }
  adw_status_page_set_icon_name (page, "emblem-ok-symbolic");
  adw_status_page_set_title (page, _("Workers' Home"));
  adw_status_page_set_description (page, url);
}

static void
activate_cb (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      AdwStatusPage *page = ADW_STATUS_PAGE (adw_status_page_new ());

      window = GTK_WINDOW (adw_application_window_new (GTK_APPLICATION (app)));
      gtk_window_set_title (window, _("Workers' Home"));
      gtk_window_set_default_size (window, 960, 720);
      adw_status_page_set_title (page, _("Workers' Home"));
      adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), GTK_WIDGET (page));

      if (demo_mode)
        {
          g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "workers-home", "demo",
                                                   NULL);

          adw_status_page_set_description (page, _("Preparing the demo data…"));
          demo_server = wh_demo_server_new (dir);
          wh_demo_server_start_async (demo_server, NULL, demo_started_cb, g_object_ref (page));
        }
    }
  gtk_window_present (window);
}

static int
handle_local_options_cb (GApplication *app,
                         GVariantDict *options)
{
  demo_mode = g_variant_dict_contains (options, "demo");
  return -1;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;
  int status;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = adw_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_application_add_main_option (G_APPLICATION (app), "demo", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Start the built-in demo backend and use it"), NULL);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  status = g_application_run (G_APPLICATION (app), argc, argv);
  g_clear_object (&demo_server);
  return status;
}
