/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-kiosk"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-kiosk-home.h"
#include "wh-kiosk-touch.h"
#include "wh-kiosk.h"
#include "wh-token.h"

/* The last seconds of the idle timeout show a countdown. */
#define WARNING_MS 10000

struct _WhKiosk
{
  GObject parent_instance;

  /* Not owned: the window owns the kiosk, and Home is in its tree. */
  GtkWindow    *window;
  WhKioskHome  *home;

  /* Built here, owned by the window's widget tree */
  GtkWidget    *countdown;
  AdwStatusPage *countdown_page;
  GtkWidget    *continue_button;
  WhKeypad     *keypad;
  WhKeypad     *letter_keypad;
  GtkStack     *keypad_stack;
  GtkRevealer  *keypad_revealer;

  /* Owned references */
  WhContext    *context;
  WhKioskIdle  *idle;
  WhKioskTouch *touch;
  GCancellable *cancellable;

  guint         pending;     /* wipes still running */
  gboolean      resetting;
  gboolean      have_station;
  gulong        store_changed_id;
  WhStore      *watched_store;
};

G_DEFINE_FINAL_TYPE (WhKiosk, wh_kiosk, G_TYPE_OBJECT)

enum {
  SIGNAL_RESET_PAGES,
  SIGNAL_OPEN_SERVICE,
  SIGNAL_RESET_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The window has gone (and its widgets with it) while a wipe or a keyring
 * call was still out: their answers have nothing left to update. */
static gboolean
gone (WhKiosk *self)
{
  return self->window == NULL || self->cancellable == NULL ||
         g_cancellable_is_cancelled (self->cancellable);
}

static void
window_destroy_cb (WhKiosk *self)
{
  g_cancellable_cancel (self->cancellable);
  self->window = NULL;
  self->home = NULL;
}

/* ---- The kiosk's station: the origin of distances ---------------------- */

static void
set_station (WhKiosk        *self,
             gint64          station_id,
             const WhRecord *station)
{
  self->have_station = station != NULL;
  if (station)
    wh_context_set_location (self->context, wh_record_get_real (station, "lat"),
                             wh_record_get_real (station, "lon"), TRUE);
  if (self->home)
    wh_kiosk_home_set_station (self->home, station_id, station);
}

typedef struct
{
  WhKiosk *self;
  gint64   station_id;
} StationRead;

static void
station_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  StationRead *read = user_data;
  g_autoptr(WhKiosk) self = read->self;
  gint64 station_id = read->station_id;
  g_autoptr(WhRecord) station = NULL;
  g_autoptr(GError) error = NULL;

  g_free (read);
  station = wh_store_get_record_finish (WH_STORE (source), result, &error);
  if (gone (self))
    return;
  /* No such station (yet: it may arrive with the next sync) is no error. */
  if (error && !g_error_matches (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND))
    g_debug ("Kiosk station %" G_GINT64_FORMAT ": %s", station_id, error->message);
  /* The store's queue is ordered: the answer to the latest read comes last. */
  set_station (self, station_id, station);
}

static void
update_station (WhKiosk *self)
{
  GSettings *settings = wh_context_get_settings (self->context);
  gint64 station_id = g_settings_get_int64 (settings, "kiosk-station-id");
  WhStore *store = wh_context_get_store (self->context);
  StationRead *read;

  if (store == NULL || station_id <= 0)
    {
      set_station (self, station_id, NULL);
      return;
    }
  read = g_new0 (StationRead, 1);
  read->self = g_object_ref (self);
  read->station_id = station_id;
  wh_store_get_record_async (store, &wh_collection_stations, station_id, self->cancellable,
                             station_read_cb, read);
}

/* On the main context (the store's contract): only until the station has
 * arrived. */
static void
store_changed_cb (WhStore    *store,
                  const char *what,
                  WhKiosk    *self)
{
  if (!gone (self) && !self->have_station && g_strcmp0 (what, "stations") == 0)
    update_station (self);
}

/* ---- Reset -------------------------------------------------------------- */

static void
set_countdown (WhKiosk    *self,
               gboolean    visible,
               guint       seconds)
{
  g_autofree char *text = NULL;
  gboolean was_visible = gtk_widget_get_visible (self->countdown);

  gtk_widget_set_visible (self->countdown, visible);
  if (!visible)
    return;
  if (self->resetting)
    {
      adw_status_page_set_title (self->countdown_page, _("Starting Over…"));
      adw_status_page_set_description (self->countdown_page,
                                       _("Clearing what the last person entered."));
      gtk_widget_set_visible (self->continue_button, FALSE);
      return;
    }
  adw_status_page_set_title (self->countdown_page, _("Still There?"));
  text = g_strdup_printf (ngettext ("Starting over in %u second. Everything entered here "
                                    "will be cleared.",
                                    "Starting over in %u seconds. Everything entered here "
                                    "will be cleared.", seconds),
                          seconds);
  adw_status_page_set_description (self->countdown_page, text);
  gtk_widget_set_visible (self->continue_button, TRUE);
  if (!was_visible)
    gtk_widget_grab_focus (self->continue_button);
}

static void
reset_step_done (WhKiosk *self)
{
  g_assert (self->pending > 0);
  if (--self->pending > 0)
    return;
  self->resetting = FALSE;
  set_countdown (self, FALSE, 0);
  g_signal_emit (self, signals[SIGNAL_RESET_DONE], 0);
}

static void
wipe_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (wh_store_wipe_personal (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
wipe_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WhKiosk) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Nothing to show the next person; the administrator reads the journal. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_critical ("Kiosk reset: cannot wipe personal data from the cache: %s", error->message);
  if (!gone (self))
    reset_step_done (self);
}

static void
wipe_store (WhKiosk *self)
{
  WhStore *store = wh_context_get_store (self->context);
  g_autoptr(GTask) task = NULL;

  if (store == NULL)
    return;
  self->pending++;
  task = g_task_new (NULL, self->cancellable, wipe_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, wipe_store);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_task_run_in_thread (task, wipe_thread);
}

static void
keyring_cleared_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WhKiosk) self = user_data;
  g_autoptr(GError) error = NULL;

  /* No Secret Service (the usual kiosk) means nothing was stored. */
  if (!wh_token_clear_finish (result, &error))
    g_debug ("Keyring not cleared: %s", error->message);
  if (!gone (self))
    reset_step_done (self);
}

static void
keyring_owner_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhKiosk) self = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             NULL);
  gboolean owned = FALSE;

  if (gone (self))
    return;
  if (reply)
    g_variant_get (reply, "(b)", &owned);
  if (!owned)
    {
      reset_step_done (self);
      return;
    }
  wh_token_clear_async (NULL, self->cancellable, keyring_cleared_cb, g_object_ref (self));
}

/* Only a Secret Service that is running: asking the bus to start one would
 * put gnome-keyring's "new keyring password" prompt on the kiosk's screen,
 * for a token a kiosk never stored anyway. */
static void
clear_keyring (WhKiosk *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (self->window));
  g_autoptr(GDBusConnection) bus = NULL;

  if (app && g_application_get_dbus_connection (app))
    bus = g_object_ref (g_application_get_dbus_connection (app));
  else if (g_getenv ("DBUS_SESSION_BUS_ADDRESS"))
    bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    return;
  self->pending++;
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", "org.freedesktop.secrets"), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable,
                          keyring_owner_cb, g_object_ref (self));
}

static void
logout_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The token is gone from memory either way; the server forgets it when
   * it expires if this did not reach it. */
  if (!wh_api_logout_finish (WH_API (source), result, &error))
    g_debug ("Kiosk sign-out: %s", error->message);
}

/* Dialogs of the last person (a voucher, a message) go too, whether or
 * not they were registered with the application. */
static void
close_other_windows (WhKiosk *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      GtkWindow *window = g_list_model_get_item (toplevels, i);

      if (window != self->window)
        g_ptr_array_add (others, window);
      else
        g_object_unref (window);
    }
  for (guint i = 0; i < others->len; i++)
    gtk_window_destroy (g_ptr_array_index (others, i));
}

static void
hide_keypad (WhKiosk *self)
{
  wh_keypad_set_target (self->keypad, NULL);
  wh_keypad_set_target (self->letter_keypad, NULL);
  gtk_revealer_set_reveal_child (self->keypad_revealer, FALSE);
}

void
wh_kiosk_reset (WhKiosk *self)
{
  WhApi *api;

  g_return_if_fail (WH_IS_KIOSK (self));

  if (self->resetting)
    return;
  g_debug ("Kiosk reset");
  self->resetting = TRUE;
  /* The reset counts as one step until the synchronous part is done, so a
   * wipe that finishes at once cannot end it early. Added to the count: the
   * wipe of a store just opened may still be out, and its end is counted. */
  self->pending++;
  set_countdown (self, TRUE, 0);

  close_other_windows (self);
  /* The window resets its service pages and shows Home. */
  g_signal_emit (self, signals[SIGNAL_RESET_PAGES], 0);
  /* Care mode was the last person's choice. */
  wh_context_set_care_mode (self->context, FALSE);
  wh_kiosk_home_reset (self->home);
  hide_keypad (self);

  api = wh_context_get_api (self->context);
  if (api && wh_api_get_token (api))
    wh_api_logout_async (api, NULL, logout_done_cb, NULL);
  if (api)
    wh_api_set_token (api, NULL);

  wipe_store (self);
  clear_keyring (self);
  reset_step_done (self);
}

gboolean
wh_kiosk_is_resetting (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), FALSE);

  return self->resetting;
}

/* ---- Idle --------------------------------------------------------------- */

static void
idle_warning_cb (WhKiosk *self,
                 guint    seconds)
{
  set_countdown (self, TRUE, seconds);
}

static void
idle_activity_cb (WhKiosk *self)
{
  if (!self->resetting)
    set_countdown (self, FALSE, 0);
}

static void
timeout_setting_changed_cb (WhKiosk *self)
{
  guint seconds = g_settings_get_uint (wh_context_get_settings (self->context),
                                       "kiosk-idle-timeout");

  wh_kiosk_idle_set_timeout (self->idle, seconds * 1000, WARNING_MS);
}

/* Every window the app opens (a dialog too) keeps the kiosk awake. */
static void
toplevels_changed_cb (GListModel *toplevels,
                      guint       position,
                      guint       removed,
                      guint       added,
                      WhKiosk    *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      wh_kiosk_idle_watch (self->idle, window);
      wh_kiosk_touch_watch (self->touch, window);
    }
}

/* ---- Window behaviour --------------------------------------------------- */

/* In the journal (and read by tests/e2e/test-cage.py): a kiosk whose
 * compositor does not keep it fullscreen shows the desktop around it. */
static void
fullscreened_cb (WhKiosk *self)
{
  if (gtk_window_is_fullscreen (self->window))
    g_debug ("The kiosk window is fullscreen");
  else
    g_message ("The kiosk window is not fullscreen: the compositor did not keep it so");
}

static gboolean
close_request_cb (GtkWindow *window,
                  WhKiosk   *self)
{
  g_debug ("Refusing to close the kiosk window");
  return TRUE;
}

/* Keys that quit, close, open menus, preferences, help or the inspector.
 * Most have no action in kiosk mode anyway; the inspector and F10 are
 * GtkWindow's own bindings, and a compositor that sends Alt+F4 as a key
 * must not find anything either. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                WhKiosk               *self)
{
  GdkModifierType mods = state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK |
                                  GDK_SUPER_MASK | GDK_META_MASK);
  guint key = gdk_keyval_to_lower (keyval);

  if (key == GDK_KEY_F10 || key == GDK_KEY_Menu || key == GDK_KEY_F1 ||
      (key >= GDK_KEY_F1 && key <= GDK_KEY_F12 && (mods & GDK_ALT_MASK)))
    return GDK_EVENT_STOP;
  if (mods & (GDK_SUPER_MASK | GDK_META_MASK))
    return GDK_EVENT_STOP;
  if ((mods & GDK_ALT_MASK) && key == GDK_KEY_space)
    return GDK_EVENT_STOP;
  if (mods & GDK_CONTROL_MASK)
    switch (key)
      {
      case GDK_KEY_q: case GDK_KEY_w: case GDK_KEY_comma: case GDK_KEY_question:
      case GDK_KEY_slash: case GDK_KEY_o: case GDK_KEY_p: case GDK_KEY_s: case GDK_KEY_n:
      case GDK_KEY_i: case GDK_KEY_d:
        return GDK_EVENT_STOP;
      default:
        break;
      }
  return GDK_EVENT_PROPAGATE;
}

static void
focus_changed_cb (WhKiosk *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self->window));

  if (focus && wh_keypad_wants (focus) && GTK_IS_EDITABLE (focus))
    {
      wh_keypad_set_target (self->letter_keypad, NULL);
      wh_keypad_set_target (self->keypad, GTK_EDITABLE (focus));
      gtk_stack_set_visible_child (self->keypad_stack,
                                   gtk_widget_get_parent (GTK_WIDGET (self->keypad)));
      gtk_revealer_set_reveal_child (self->keypad_revealer, TRUE);
    }
  /* Searches go by pinyin and its initials, which letters type. */
  else if (focus && wh_keypad_wants_letters (focus) && GTK_IS_EDITABLE (focus))
    {
      wh_keypad_set_target (self->keypad, NULL);
      wh_keypad_set_target (self->letter_keypad, GTK_EDITABLE (focus));
      gtk_stack_set_visible_child (self->keypad_stack,
                                   gtk_widget_get_parent (GTK_WIDGET (self->letter_keypad)));
      gtk_revealer_set_reveal_child (self->keypad_revealer, TRUE);
    }
  else if (focus != NULL)
    hide_keypad (self);
  /* No focus at all (the window lost it) keeps the keypad as it was. */
}

/* OK or Search: the keypad goes away, and the focus with it, so that a
 * touch on an entry (the same one, after a wrong PIN) brings it back: a
 * touch on the entry that has the focus changes nothing GTK reports. */
static void
keypad_done_cb (WhKiosk *self)
{
  hide_keypad (self);
  if (self->window)
    gtk_root_set_focus (GTK_ROOT (self->window), NULL);
}

/* Home's tile: the window shows that service on the topic. */
static void
open_service_cb (WhKiosk    *self,
                 const char *name,
                 const char *topic)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_SERVICE], 0, name, topic);
}

static void
context_store_cb (WhKiosk *self)
{
  WhStore *store = wh_context_get_store (self->context);

  if (self->watched_store)
    g_clear_signal_handler (&self->store_changed_id, self->watched_store);
  g_set_object (&self->watched_store, store);
  if (store)
    {
      self->store_changed_id = g_signal_connect_object (store, "changed",
                                                        G_CALLBACK (store_changed_cb), self, 0);
      /* A kiosk that crashed or lost power mid-session still holds that
       * person's data: gone before anyone else can see it. */
      self->pending++;
      wipe_store (self);
      reset_step_done (self);
    }
  update_station (self);
}

static void
build_ui (WhKiosk *self)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (
    "/org/workershome/WorkersHome/kiosk/wh-kiosk-countdown.ui");
  g_autoptr(GtkWidget) content = NULL;
  GtkWidget *overlay = gtk_overlay_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *letters_clamp = adw_clamp_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();

  content = g_object_ref (adw_application_window_get_content (ADW_APPLICATION_WINDOW (self->window)));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self->window), overlay);
  /* The pages' tallest minimum (the stations' filters and list, some 700
   * px) and the keypad (some 320) are more than a landscape screen's 1080:
   * without this the window would outgrow the screen and the keypad's
   * bottom row be cut off. Scrolled, the page yields the room instead;
   * pages that fit are as they were. */
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), content);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (box), scroller);

  self->keypad = WH_KEYPAD (wh_keypad_new ());
  self->letter_keypad = WH_KEYPAD (wh_keypad_new_letters ());
  for (guint i = 0; i < 2; i++)
    {
      WhKeypad *keypad = i == 0 ? self->keypad : self->letter_keypad;

      g_signal_connect_object (keypad, "done", G_CALLBACK (keypad_done_cb), self,
                               G_CONNECT_SWAPPED);
      /* A key pressed through AT-SPI (a switch user's, a screen reader's
       * action) reaches no event controller: count it here. */
      g_signal_connect_object (keypad, "pressed", G_CALLBACK (wh_kiosk_idle_poke), self->idle,
                               G_CONNECT_SWAPPED);
    }
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 480);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->keypad));
  /* Ten keys a row, each well over 56 px on a portrait screen's 1080. */
  adw_clamp_set_maximum_size (ADW_CLAMP (letters_clamp), 1000);
  adw_clamp_set_child (ADW_CLAMP (letters_clamp), GTK_WIDGET (self->letter_keypad));
  self->keypad_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_vhomogeneous (self->keypad_stack, FALSE);
  gtk_stack_set_hhomogeneous (self->keypad_stack, FALSE);
  gtk_stack_add_child (self->keypad_stack, clamp);
  gtk_stack_add_child (self->keypad_stack, letters_clamp);
  gtk_widget_add_css_class (GTK_WIDGET (self->keypad_stack), "wh-keypad-bar");
  self->keypad_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (self->keypad_revealer,
                                    GTK_REVEALER_TRANSITION_TYPE_SLIDE_UP);
  gtk_revealer_set_child (self->keypad_revealer, GTK_WIDGET (self->keypad_stack));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->keypad_revealer));
  gtk_overlay_set_child (GTK_OVERLAY (overlay), box);

  self->countdown = GTK_WIDGET (gtk_builder_get_object (builder, "countdown"));
  self->countdown_page = ADW_STATUS_PAGE (gtk_builder_get_object (builder, "countdown_page"));
  self->continue_button = GTK_WIDGET (gtk_builder_get_object (builder, "continue_button"));
  g_signal_connect_object (self->continue_button, "clicked", G_CALLBACK (wh_kiosk_idle_poke),
                           self->idle, G_CONNECT_SWAPPED);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->countdown);
}

WhKiosk *
wh_kiosk_new (AdwApplicationWindow *app_window,
              WhKioskHome          *home,
              WhContext            *context)
{
  GtkWindow *window = (GtkWindow *) app_window;
  WhKiosk *self;
  GtkEventController *keys;
  GListModel *toplevels;

  g_return_val_if_fail (ADW_IS_APPLICATION_WINDOW (app_window), NULL);
  g_return_val_if_fail (WH_IS_KIOSK_HOME (home), NULL);
  g_return_val_if_fail (WH_IS_CONTEXT (context), NULL);

  self = g_object_new (WH_TYPE_KIOSK, NULL);
  self->window = window;
  self->home = home;
  self->context = g_object_ref (context);
  self->cancellable = g_cancellable_new ();
  self->idle = wh_kiosk_idle_new (90000, WARNING_MS);
  self->touch = wh_kiosk_touch_new ();
  build_ui (self);

  gtk_widget_add_css_class (GTK_WIDGET (window), "wh-kiosk");
  gtk_window_set_deletable (window, FALSE);
  gtk_window_fullscreen (window);
  /* Also the whole screen where nobody honours fullscreen (X without a
   * window manager); cage does. */
  {
    g_autoptr(GdkMonitor) monitor =
      g_list_model_get_item (gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (window))),
                             0);
    GdkRectangle area;

    if (monitor)
      {
        gdk_monitor_get_geometry (monitor, &area);
        gtk_window_set_default_size (window, area.width, area.height);
      }
  }
  gtk_window_set_interactive_debugging (FALSE);
  g_signal_connect_object (window, "close-request", G_CALLBACK (close_request_cb), self, 0);
  g_signal_connect_object (window, "notify::fullscreened", G_CALLBACK (fullscreened_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "destroy", G_CALLBACK (window_destroy_cb), self,
                           G_CONNECT_SWAPPED);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (window), keys);
  g_signal_connect_object (window, "notify::focus-widget", G_CALLBACK (focus_changed_cb), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect_object (self->idle, "warning", G_CALLBACK (idle_warning_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->idle, "activity", G_CALLBACK (idle_activity_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->idle, "timeout", G_CALLBACK (wh_kiosk_reset), self,
                           G_CONNECT_SWAPPED);
  toplevels = gtk_window_get_toplevels ();
  g_signal_connect_object (toplevels, "items-changed", G_CALLBACK (toplevels_changed_cb), self,
                           0);
  toplevels_changed_cb (toplevels, 0, 0, g_list_model_get_n_items (toplevels), self);
  g_signal_connect_object (wh_context_get_settings (context), "changed::kiosk-idle-timeout",
                           G_CALLBACK (timeout_setting_changed_cb), self, G_CONNECT_SWAPPED);
  timeout_setting_changed_cb (self);

  wh_kiosk_home_set_context (home, context);
  g_signal_connect_object (home, "open-service", G_CALLBACK (open_service_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (wh_context_get_settings (context), "changed::kiosk-station-id",
                           G_CALLBACK (update_station), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (context_store_cb), self,
                           G_CONNECT_SWAPPED);
  context_store_cb (self);
  return self;
}

WhKioskIdle *
wh_kiosk_get_idle (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), NULL);

  return self->idle;
}

WhKeypad *
wh_kiosk_get_keypad (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), NULL);

  return self->keypad;
}

WhKeypad *
wh_kiosk_get_letter_keypad (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), NULL);

  return self->letter_keypad;
}

gboolean
wh_kiosk_get_keypad_visible (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), FALSE);

  return gtk_revealer_get_reveal_child (self->keypad_revealer) &&
         gtk_stack_get_visible_child (self->keypad_stack) ==
           gtk_widget_get_parent (GTK_WIDGET (self->keypad));
}

gboolean
wh_kiosk_get_letter_keypad_visible (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), FALSE);

  return gtk_revealer_get_reveal_child (self->keypad_revealer) &&
         gtk_stack_get_visible_child (self->keypad_stack) ==
           gtk_widget_get_parent (GTK_WIDGET (self->letter_keypad));
}

gboolean
wh_kiosk_get_countdown_visible (WhKiosk *self)
{
  g_return_val_if_fail (WH_IS_KIOSK (self), FALSE);

  return gtk_widget_get_visible (self->countdown);
}

static void
wh_kiosk_dispose (GObject *object)
{
  WhKiosk *self = WH_KIOSK (object);

  g_cancellable_cancel (self->cancellable);
  self->window = NULL;
  self->home = NULL;
  if (self->watched_store)
    g_clear_signal_handler (&self->store_changed_id, self->watched_store);
  g_clear_object (&self->watched_store);
  g_clear_object (&self->idle);
  g_clear_object (&self->touch);
  g_clear_object (&self->context);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wh_kiosk_parent_class)->dispose (object);
}

static void
wh_kiosk_class_init (WhKioskClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wh_kiosk_dispose;

  /* The session ends (wh_kiosk_reset): the window puts every service page
   * back to its start (wh_service_page_reset) and shows Home. */
  signals[SIGNAL_RESET_PAGES] = g_signal_new ("reset-pages", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* A tile of Home was pressed: the window shows the service name
   * ("courses", "jobs", "stations", "meals") on topic (nullable; see
   * wh_service_page_show_topic). */
  signals[SIGNAL_OPEN_SERVICE] = g_signal_new ("open-service", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* The reset has finished: the cache and keyring hold nothing personal. */
  signals[SIGNAL_RESET_DONE] = g_signal_new ("reset-done", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
}

static void
wh_kiosk_init (WhKiosk *self)
{
}
