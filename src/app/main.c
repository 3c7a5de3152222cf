/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "wh-application.h"
#include "wh-format.h"
#include "wh-store.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WhApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* Before anything (libshumate's tile cache too) starts SQLite. */
  wh_store_configure_sqlite ();
  wh_format_prefer_simplified_chinese ();
  /* Run from the build tree (tools/run-demo, tests), the catalogues are
   * under build/po rather than the install prefix. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("WH_LOCALEDIR") ? g_getenv ("WH_LOCALEDIR")
                                                             : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  wh_format_install_tooltips ();
  app = wh_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
