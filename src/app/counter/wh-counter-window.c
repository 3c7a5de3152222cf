/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-counter-window.c: a merchant's counter (wh-counter-window.h). */
#define G_LOG_DOMAIN "wh-counter"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wh-counter-camera.h"
#include "wh-counter-window.h"
#include "wh-counter.h"

#define SYNC_INTERVAL_S 60

struct _WhCounterWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  GtkToggleButton *camera_button;
  AdwEntryRow    *key_row;
  AdwEntryRow    *merchant_row;
  GtkButton      *pair_again_button;
  GtkButton      *pair_button;
  GtkLabel       *pair_status;
  GtkListBox     *redemptions_list;
  GtkLabel       *result_label;
  GtkEntry       *scan_entry;
  AdwEntryRow    *server_row;
  GtkStack       *stack;
  GtkButton      *sync_button;
  GtkLabel       *sync_label;
  AdwWindowTitle *title;

  /* Owned references */
  WhCounter      *counter;
  WhCounterCamera *camera;
  GCancellable   *cancellable;

  /* State */
  char           *camera_source;
  char           *path;
  char           *server;
  char           *result;
  gboolean        accepted;
  gboolean        redeeming;
  gboolean        syncing;
  guint           listed;
  guint           uploaded;
  guint           pending;
  GError         *sync_error;   /* the last sync's, or NULL */
  guint           sync_timer;
};

G_DEFINE_FINAL_TYPE (WhCounterWindow, wh_counter_window, ADW_TYPE_APPLICATION_WINDOW)

static void refresh (WhCounterWindow *self);
static void start_sync (WhCounterWindow *self);
static void update_sync_label (WhCounterWindow *self);

static char *
today_cst (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (cst);

  return g_date_time_format (now, "%Y-%m-%d");
}

static void
set_result (WhCounterWindow *self,
            const char      *text,
            gboolean         accepted,
            gboolean         refused)
{
  GtkWidget *label = GTK_WIDGET (self->result_label);

  g_free (self->result);
  self->result = g_strdup (text);
  self->accepted = accepted;
  gtk_label_set_text (self->result_label, text);
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  if (accepted)
    gtk_widget_add_css_class (label, "success");
  else if (refused)
    gtk_widget_add_css_class (label, "error");
  /* Said aloud by a screen reader as it changes. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* ---- The list of today's redemptions ------------------------------------- */

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  WhCounter *counter = task_data;
  g_autofree char *today = today_cst ();
  GError *error = NULL;
  GPtrArray *list = wh_counter_list_day (counter, today, &error);

  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Read here, off the main thread, with the list: older days' too. */
  g_object_set_data (G_OBJECT (task), "pending",
                     GUINT_TO_POINTER (wh_counter_count_pending (counter)));
  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

static void
list_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WhCounterWindow *self = WH_COUNTER_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = g_task_propagate_pointer (G_TASK (result), &error);
  GtkWidget *child;

  if (list == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot list the redemptions: %s", error->message);
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->redemptions_list))) != NULL)
    gtk_list_box_remove (self->redemptions_list, child);
  self->listed = list->len;
  self->uploaded = 0;
  self->pending = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (result), "pending"));
  update_sync_label (self);
  /* Today's, a day of one merchant: bounded by its quota. */
  for (guint i = 0; i < list->len; i++)
    {
      WhCounterRedemption *r = g_ptr_array_index (list, i);
      const char *at = r->redeemed_at && strlen (r->redeemed_at) >= 16 ? r->redeemed_at + 11 : "";
      const char *state;
      g_autofree char *text = NULL;
      GtkWidget *label;

      if (!r->uploaded)
        state = _("not uploaded yet");
      else if (g_strcmp0 (r->result, "accepted") == 0)
        state = _("uploaded");
      else if (g_strcmp0 (r->result, "already_redeemed") == 0)
        state = _("used at another counter first");
      else
        state = _("refused by the server");
      self->uploaded += r->uploaded;
      /* Translators: time, voucher code, and whether it is uploaded */
      text = g_strdup_printf (_("%.5s  %s  · %s"), at, r->code, state);
      label = gtk_label_new (text);
      gtk_label_set_use_markup (GTK_LABEL (label), FALSE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      gtk_list_box_append (self->redemptions_list, label);
    }
}

static void
refresh (WhCounterWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->counter == NULL)
    return;
  task = g_task_new (self, self->cancellable, list_done_cb, NULL);
  g_task_set_source_tag (task, refresh);
  g_task_set_task_data (task, self->counter, NULL);
  g_task_run_in_thread (task, list_thread);
}

/* ---- Pages --------------------------------------------------------------- */

static void
show_counter (WhCounterWindow *self)
{
  g_autofree char *name = wh_counter_dup_merchant_name (self->counter);

  adw_window_title_set_subtitle (self->title, name ? name : "");
  gtk_stack_set_visible_child_name (self->stack, "counter");
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->scan_entry));
  refresh (self);
}

static void
show_pair (WhCounterWindow *self)
{
  g_autofree char *saved = self->counter ? wh_counter_dup_server (self->counter) : NULL;
  const char *server = self->server ? self->server : saved;

  if (server && *gtk_editable_get_text (GTK_EDITABLE (self->server_row)) == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  gtk_stack_set_visible_child_name (self->stack, "pair");
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button),
                            self->counter && wh_counter_is_paired (self->counter));
  gtk_widget_grab_focus (GTK_WIDGET (self->merchant_row));
}

static void
pair_again_clicked_cb (WhCounterWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "pair") == 0 &&
      self->counter && wh_counter_is_paired (self->counter))
    show_counter (self);
  else if (self->counter)
    show_pair (self);
}

/* ---- Syncing ------------------------------------------------------------- */

static WhApi *
make_api (WhCounterWindow *self,
          const char      *url,
          GError         **error)
{
  return url ? wh_api_new (url, error) : NULL;
}

/* From what the last list read and the last sync's outcome: no database
 * read on the main thread. */
static void
update_sync_label (WhCounterWindow *self)
{
  g_autofree char *text = NULL;
  guint pending = self->pending;
  const GError *error = self->sync_error;

  if (self->syncing)
    text = g_strdup (_("Syncing…"));
  else if (error != NULL)
    /* Translators: %u redemptions wait; %s is why the sync failed */
    text = g_strdup_printf (ngettext ("Offline: %u redemption to upload (%s)",
                                      "Offline: %u redemptions to upload (%s)", pending),
                            pending, error->message);
  else if (pending > 0)
    text = g_strdup_printf (ngettext ("%u redemption to upload", "%u redemptions to upload",
                                      pending), pending);
  else
    text = g_strdup (_("Everything is uploaded"));
  gtk_label_set_text (self->sync_label, text);
}

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WhCounterWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_counter_sync_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->syncing = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), TRUE);
  g_clear_error (&self->sync_error);
  self->sync_error = g_steal_pointer (&error);
  update_sync_label (self);
  refresh (self);
}

static void
start_sync (WhCounterWindow *self)
{
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;

  if (self->syncing || self->counter == NULL || !wh_counter_is_paired (self->counter))
    return;
  saved = wh_counter_dup_server (self->counter);
  api = make_api (self, self->server ? self->server : saved, &error);
  if (api == NULL)
    {
      g_clear_error (&self->sync_error);
      self->sync_error = g_steal_pointer (&error);
      update_sync_label (self);
      return;
    }
  self->syncing = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), FALSE);
  update_sync_label (self);
  wh_counter_sync_async (self->counter, api, self->cancellable, sync_done_cb,
                         g_object_ref (self));
}

static void
sync_clicked_cb (WhCounterWindow *self)
{
  start_sync (self);
}

static gboolean
sync_timer_cb (gpointer user_data)
{
  start_sync (WH_COUNTER_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

/* ---- Pairing ------------------------------------------------------------- */

static void
pair_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WhCounterWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_counter_pair_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_widget_set_sensitive (GTK_WIDGET (self->pair_button), TRUE);
      /* Paired but the first sync failed: the counter works; it says so. */
      if (wh_counter_is_paired (self->counter) &&
          !g_error_matches (error, WH_API_ERROR, WH_API_ERROR_FORBIDDEN))
        {
          g_clear_error (&self->sync_error);
          self->sync_error = g_steal_pointer (&error);
          show_counter (self);
          update_sync_label (self);
          return;
        }
      gtk_label_set_text (self->pair_status, error->message);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->pair_button), TRUE);
  gtk_label_set_text (self->pair_status, "");
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  g_clear_error (&self->sync_error);
  show_counter (self);
}

static void
pair_clicked_cb (WhCounterWindow *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *id_text = gtk_editable_get_text (GTK_EDITABLE (self->merchant_row));
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));
  g_autoptr(WhApi) api = NULL;
  g_autoptr(GError) error = NULL;
  guint64 merchant_id;

  if (self->counter == NULL)
    return;
  if (!g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXINT64, &merchant_id, NULL) || !*key)
    {
      gtk_label_set_text (self->pair_status,
                          _("Type the merchant’s number and key as the union gave them."));
      return;
    }
  api = wh_api_new (url, &error);
  if (api == NULL)
    {
      gtk_label_set_text (self->pair_status, error->message);
      return;
    }
  g_free (self->server);
  self->server = NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self->pair_button), FALSE);
  gtk_label_set_text (self->pair_status, _("Pairing…"));
  wh_counter_pair_async (self->counter, api, (gint64) merchant_id, key, self->cancellable,
                         pair_done_cb, g_object_ref (self));
}

/* ---- Redeeming ----------------------------------------------------------- */

typedef struct
{
  char            *input;
  char            *message;
  WhCounterVerdict verdict;
} Redeem;

static void
redeem_free (Redeem *r)
{
  g_free (r->input);
  g_free (r->message);
  g_free (r);
}

static void
redeem_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  WhCounterWindow *self = source;
  Redeem *r = task_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GError *error = NULL;

  r->verdict = wh_counter_redeem (self->counter, r->input, now, &r->message, &error);
  if (r->verdict == WH_COUNTER_FAILED)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
redeem_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WhCounterWindow *self = WH_COUNTER_WINDOW (source);
  Redeem *r = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->redeeming = FALSE;
      set_result (self, error->message, FALSE, TRUE);
      return;
    }
  self->redeeming = FALSE;
  set_result (self, r->message, r->verdict == WH_COUNTER_ACCEPTED,
              r->verdict == WH_COUNTER_REFUSED);
  gtk_editable_set_text (GTK_EDITABLE (self->scan_entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->scan_entry));
  if (r->verdict == WH_COUNTER_ACCEPTED)
    refresh (self);
}

static void
redeem_input (WhCounterWindow *self,
              const char      *text)
{
  g_autoptr(GTask) task = NULL;
  Redeem *r;

  if (self->counter == NULL || self->redeeming || *text == '\0')
    return;
  self->redeeming = TRUE;
  r = g_new0 (Redeem, 1);
  r->input = g_strdup (text);
  set_result (self, _("Checking…"), FALSE, FALSE);
  task = g_task_new (self, self->cancellable, redeem_done_cb, NULL);
  g_task_set_source_tag (task, redeem_input);
  g_task_set_task_data (task, r, (GDestroyNotify) redeem_free);
  /* Recorded even if the window closes meanwhile. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, redeem_thread);
}

static void
scan_activate_cb (WhCounterWindow *self)
{
  redeem_input (self, gtk_editable_get_text (GTK_EDITABLE (self->scan_entry)));
}

/* ---- The camera ---------------------------------------------------------- */

static void
camera_code_cb (WhCounterWindow *self,
                const char      *text)
{
  redeem_input (self, text);
}

static void
camera_toggled_cb (WhCounterWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!gtk_toggle_button_get_active (self->camera_button))
    {
      if (self->camera)
        wh_counter_camera_stop (self->camera);
      return;
    }
  if (self->camera == NULL)
    {
      self->camera = wh_counter_camera_new (self->camera_source);
      g_signal_connect_object (self->camera, "code", G_CALLBACK (camera_code_cb), self,
                               G_CONNECT_SWAPPED);
    }
  if (!wh_counter_camera_start (self->camera, &error))
    {
      /* Said where the verdicts are: plain, big, unmissable. */
      set_result (self, error->message, FALSE, TRUE);
      gtk_toggle_button_set_active (self->camera_button, FALSE);
      return;
    }
  set_result (self, _("Hold the voucher’s QR code in front of the camera"), FALSE, FALSE);
}

/* ---- Opening ------------------------------------------------------------- */

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  g_autofree char *dir = g_path_get_dirname (task_data);
  WhCounter *counter = NULL;

  g_mkdir_with_parents (dir, 0700);
  counter = wh_counter_open (task_data, &error);

  if (counter == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, counter, (GDestroyNotify) wh_counter_free);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WhCounterWindow *self = WH_COUNTER_WINDOW (source);
  g_autoptr(GError) error = NULL;
  WhCounter *counter = g_task_propagate_pointer (G_TASK (result), &error);

  if (counter == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_stack_set_visible_child_name (self->stack, "counter");
      set_result (self, error->message, FALSE, TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->scan_entry), FALSE);
      return;
    }
  self->counter = counter;
  if (wh_counter_is_paired (counter))
    {
      show_counter (self);
      start_sync (self);
    }
  else
    show_pair (self);
  self->sync_timer = g_timeout_add_seconds (SYNC_INTERVAL_S, sync_timer_cb, self);
}

/* ---- GObject ------------------------------------------------------------- */

static void
wh_counter_window_dispose (GObject *object)
{
  WhCounterWindow *self = WH_COUNTER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->sync_timer, g_source_remove);
  g_clear_object (&self->camera);
  G_OBJECT_CLASS (wh_counter_window_parent_class)->dispose (object);
}

static void
wh_counter_window_finalize (GObject *object)
{
  WhCounterWindow *self = WH_COUNTER_WINDOW (object);

  /* Tasks hold a reference to the window: none is running any more. */
  g_clear_pointer (&self->counter, wh_counter_free);
  g_clear_object (&self->cancellable);
  g_free (self->camera_source);
  g_free (self->path);
  g_free (self->server);
  g_free (self->result);
  g_clear_error (&self->sync_error);
  G_OBJECT_CLASS (wh_counter_window_parent_class)->finalize (object);
}

static void
wh_counter_window_class_init (WhCounterWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_counter_window_dispose;
  object_class->finalize = wh_counter_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
    "/org/workershome/WorkersHome/counter/wh-counter-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, camera_button);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, key_row);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, merchant_row);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, pair_again_button);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, pair_button);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, pair_status);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, redemptions_list);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, result_label);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, scan_entry);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, WhCounterWindow, title);
  gtk_widget_class_bind_template_callback (widget_class, camera_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, pair_again_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pair_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, scan_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_clicked_cb);
}

static void
wh_counter_window_init (WhCounterWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->result = g_strdup ("");
  gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), FALSE);
}

WhCounterWindow *
wh_counter_window_new (GtkApplication *app,
                       const char     *path,
                       const char     *server)
{
  WhCounterWindow *self;
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (WH_TYPE_COUNTER_WINDOW, "application", app, NULL);
  self->path = g_strdup (path);
  self->server = g_strdup (server);
  task = g_task_new (self, self->cancellable, open_done_cb, NULL);
  g_task_set_source_tag (task, wh_counter_window_new);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
  return self;
}

const char *
wh_counter_window_get_result (WhCounterWindow *self,
                              gboolean        *accepted)
{
  g_return_val_if_fail (WH_IS_COUNTER_WINDOW (self), NULL);
  if (accepted)
    *accepted = self->accepted;
  return self->result;
}

guint
wh_counter_window_count_listed (WhCounterWindow *self,
                                guint           *uploaded)
{
  g_return_val_if_fail (WH_IS_COUNTER_WINDOW (self), 0);
  if (uploaded)
    *uploaded = self->uploaded;
  return self->listed;
}

void
wh_counter_window_set_camera_source (WhCounterWindow *self,
                                     const char      *description)
{
  g_return_if_fail (WH_IS_COUNTER_WINDOW (self));
  g_return_if_fail (self->camera == NULL);

  g_free (self->camera_source);
  self->camera_source = g_strdup (description);
}

const char *
wh_counter_window_get_page (WhCounterWindow *self)
{
  g_return_val_if_fail (WH_IS_COUNTER_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}
