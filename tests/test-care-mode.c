/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Care mode, 关怀模式 (suite "ui", under Xvfb): the switch in Preferences
 * (a setting) and on a kiosk's Home (for the session, off again at the
 * kiosk's reset); larger text and black text on white; a Home of four big
 * buttons; Read Aloud under the header for every page. */
#include "config.h"

#include <adwaita.h>

#include "kiosk/wh-kiosk.h"
#include "wh-preferences-window.h"
#include "wh-read-aloud-controls.h"
#include "wh-test.h"
#include "wh-test-ui.h"
#include "wh-window.h"

static gboolean
is_switch (GtkWidget *widget,
           gpointer   data)
{
  return GTK_IS_SWITCH (widget) && gtk_widget_is_visible (widget);
}

static gboolean
is_big_button (GtkWidget *widget,
               gpointer   name)
{
  const char *action = GTK_IS_ACTIONABLE (widget)
                         ? gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)) : NULL;
  GVariant *target = action ? gtk_actionable_get_action_target_value (GTK_ACTIONABLE (widget))
                            : NULL;

  return g_strcmp0 (action, "kiosk-home.open-service") == 0 && target &&
         g_str_equal (g_variant_get_string (target, NULL), name) && gtk_widget_is_visible (widget);
}

static gboolean
is_label (GtkWidget *widget,
          gpointer   text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* The care bar's controls: the window's first, before any page's. */
static GtkWidget *
care_controls (WhWindow *window)
{
  return wh_test_find_descendant (GTK_WIDGET (window), WH_TYPE_READ_ALOUD_CONTROLS);
}

static const char *
home_page (WhWindow *window)
{
  GtkWidget *home = wh_window_get_page (window, "home");

  return gtk_stack_get_visible_child_name (GTK_STACK (wh_test_find_descendant (home,
                                                                               GTK_TYPE_STACK)));
}

static double
font_points (GtkWidget *widget)
{
  const PangoFontDescription *font =
    pango_context_get_font_description (gtk_widget_get_pango_context (widget));

  return pango_font_description_get_size (font) / (double) PANGO_SCALE;
}

static GdkRGBA
text_colour (GtkWidget *widget)
{
  GdkRGBA rgba;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return rgba;
}

static WhWindow *the_window;
static double     larger_than;

static gboolean
text_is_larger (gpointer widget)
{
  return font_points (widget) >= larger_than;
}

/* What the window needs across, whichever page it shows: no more than a
 * phone's 360 px, with care mode's larger text and buttons. */
static int
min_width (WhWindow *window)
{
  int min;

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL,
                      NULL);
  return min;
}

static gboolean
view_is (gpointer name)
{
  return g_strcmp0 (wh_window_get_visible_view (the_window), name) == 0;
}

static void
test_desktop (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  WhWindow *window;
  GtkWidget *prefs, *care_switch, *label, *jobs;
  double normal_size;
  GdkRGBA colour;

  g_settings_set_boolean (settings, "care-mode", FALSE);
  context = wh_context_new (settings, FALSE);
  window = the_window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  wh_window_set_context (window, context);
  gtk_window_present (GTK_WINDOW (window));
  wh_test_spin (100);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window), "wh-care"));
  g_assert_false (gtk_widget_get_mapped (care_controls (window)));
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "courses");
  normal_size = font_points (GTK_WIDGET (window));
  colour = text_colour (GTK_WIDGET (window));
  /* libadwaita's text is black at 80 %. */
  g_assert_cmpfloat (colour.alpha, <, 0.9);

  /* On in Preferences: the setting, and the window at once. */
  prefs = GTK_WIDGET (wh_preferences_window_new (settings, NULL));
  gtk_window_present (GTK_WINDOW (prefs));
  care_switch = wh_test_find_widget (prefs, is_switch, NULL);
  g_assert_nonnull (care_switch);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (care_switch)));
  gtk_switch_set_active (GTK_SWITCH (care_switch), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "care-mode"));
  g_assert_true (wh_context_get_care_mode (context));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "wh-care"));
  /* Preferences itself in care mode's sizes at once. */
  g_assert_true (gtk_widget_has_css_class (prefs, "wh-care"));
  gtk_window_destroy (GTK_WINDOW (prefs));
  wh_test_spin (100);

  /* Larger, black text; Read Aloud for the page; Home with four big
   * buttons, one per service. */
  larger_than = normal_size * 1.2;
  g_assert_true (wh_test_spin_until (text_is_larger, window, 2000));
  g_assert_cmpint (min_width (window), <=, 360);
  label = wh_test_find_widget (GTK_WIDGET (window), is_label,
                               (gpointer) "Larger text, and every page read aloud");
  g_assert_nonnull (label);
  g_assert_cmpfloat (font_points (label), ==, font_points (GTK_WIDGET (window)));
  colour = text_colour (GTK_WIDGET (window));
  g_assert_cmpfloat (colour.alpha, ==, 1);
  g_assert_cmpfloat (colour.red + colour.green + colour.blue, ==, 0);
  g_assert_true (gtk_widget_get_mapped (care_controls (window)));
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "home");
  g_assert_cmpstr (home_page (window), ==, "care");
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (window), is_big_button, (gpointer) "courses"));
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (window), is_big_button, (gpointer) "stations"));
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (window), is_big_button, (gpointer) "meals"));
  jobs = wh_test_find_widget (GTK_WIDGET (window), is_big_button, (gpointer) "jobs");
  g_assert_nonnull (jobs);
  g_signal_emit_by_name (jobs, "clicked");
  g_assert_true (wh_test_spin_until (view_is, (gpointer) "jobs", 2000));
  g_assert_true (gtk_widget_get_mapped (care_controls (window)));
  g_assert_cmpint (min_width (window), <=, 360);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.home", NULL);
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "home");

  /* Off on Home's own switch: the services' switcher again, as before. */
  care_switch = wh_test_find_widget (wh_window_get_page (window, "home"), is_switch, NULL);
  gtk_switch_set_active (GTK_SWITCH (care_switch), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "care-mode"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window), "wh-care"));
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "courses");
  wh_test_spin (100);
  g_assert_false (gtk_widget_get_mapped (care_controls (window)));
  g_assert_cmpfloat (text_colour (GTK_WIDGET (window)).alpha, <, 0.9);
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (50);
}

static void
test_kiosk (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  WhWindow *window;
  GtkWidget *care_switch;

  g_settings_set_boolean (settings, "care-mode", FALSE);
  context = wh_context_new (settings, TRUE);
  window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1080, 1920);
  wh_window_set_context (window, context);
  gtk_window_present (GTK_WINDOW (window));
  wh_test_spin (100);
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "home");
  g_assert_cmpstr (home_page (window), ==, "tiles");

  /* On from the kiosk's Home, for this person only: no setting written. */
  care_switch = wh_test_find_widget (wh_window_get_page (window, "home"), is_switch, NULL);
  g_assert_nonnull (care_switch);
  gtk_switch_set_active (GTK_SWITCH (care_switch), TRUE);
  g_assert_true (wh_context_get_care_mode (context));
  g_assert_false (g_settings_get_boolean (settings, "care-mode"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "wh-care"));
  g_assert_cmpstr (home_page (window), ==, "care");
  wh_test_spin (100);
  g_assert_true (gtk_widget_get_mapped (care_controls (window)));
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (window), is_big_button, (gpointer) "meals"));

  /* The session ends (the idle timeout, Home): care mode with it. */
  wh_kiosk_reset (wh_window_get_kiosk (window));
  g_assert_false (wh_context_get_care_mode (context));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window), "wh-care"));
  g_assert_cmpstr (home_page (window), ==, "tiles");
  g_assert_cmpstr (wh_window_get_visible_view (window), ==, "home");
  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (200);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  /* The care bar opens the speech connection: never a real
   * speech-dispatcher here (libspeechd would start one). */
  g_setenv ("SPEECHD_CMD", "/nonexistent/speech-dispatcher", TRUE);
  g_setenv ("SPEECHD_ADDRESS", "unix_socket:/nonexistent/speechd.sock", TRUE);
  gtk_init ();
  adw_init ();
  /* What AdwApplication loads for the app: care mode's sizes are in it. */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/org/workershome/WorkersHome/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  g_test_add_func ("/care-mode/desktop", test_desktop);
  g_test_add_func ("/care-mode/kiosk", test_kiosk);
  return g_test_run ();
}
