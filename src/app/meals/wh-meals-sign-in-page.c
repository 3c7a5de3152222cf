/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-sign-in-page.c: phone number and one-time code
 * (wh-meals-sign-in-page.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-meals-format.h"
#include "wh-meals-sign-in-page.h"

struct _WhMealsSignInPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkEntry   *code_entry;
  GtkEntry   *phone_entry;
  GtkButton  *send_code_button;
  GtkSpinner *sign_in_spinner;
  GtkLabel   *sign_in_status;
  GtkButton  *sign_in_submit;

  /* Owned references */
  WhApi        *api;
  GCancellable *cancellable;         /* the page's life */
  GCancellable *session_cancellable; /* one sign-in; cancelled by sign-out */

  /* State */
  gint64        resend_at_us;        /* monotonic: another code may be asked */
  guint         resend_source;
};

G_DEFINE_FINAL_TYPE (WhMealsSignInPage, wh_meals_sign_in_page, GTK_TYPE_WIDGET)

enum
{
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
all_digits (const char *text,
            gsize       length)
{
  if (strlen (text) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
phone_is_valid (const char *phone)
{
  return all_digits (phone, 11) && phone[0] == '1';
}

GtkEntry *
wh_meals_sign_in_page_get_phone_entry (WhMealsSignInPage *self)
{
  g_return_val_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self), NULL);
  return self->phone_entry;
}

GtkEntry *
wh_meals_sign_in_page_get_code_entry (WhMealsSignInPage *self)
{
  g_return_val_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self), NULL);
  return self->code_entry;
}

GtkEntry *
wh_meals_sign_in_page_get_keypad_entry (WhMealsSignInPage *self)
{
  g_return_val_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self), NULL);

  if (gtk_widget_has_focus (GTK_WIDGET (self->phone_entry)) ||
      gtk_widget_is_focus (GTK_WIDGET (self->phone_entry)) ||
      gtk_widget_has_focus (gtk_widget_get_first_child (GTK_WIDGET (self->phone_entry))))
    return self->phone_entry;
  if (gtk_widget_has_focus (GTK_WIDGET (self->code_entry)) ||
      gtk_widget_is_focus (GTK_WIDGET (self->code_entry)) ||
      gtk_widget_has_focus (gtk_widget_get_first_child (GTK_WIDGET (self->code_entry))))
    return self->code_entry;
  return NULL;
}

void
wh_meals_sign_in_page_set_api (WhMealsSignInPage *self,
                               WhApi             *api)
{
  g_return_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self));
  g_set_object (&self->api, api);
}

void
wh_meals_sign_in_page_set_status (WhMealsSignInPage *self,
                                  const char        *text,
                                  gboolean           is_error)
{
  g_return_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self));

  gtk_label_set_text (self->sign_in_status, text ? text : "");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->sign_in_status), "error");
}

static void
set_sign_in_status (WhMealsSignInPage *self,
                    const char        *text,
                    gboolean           is_error)
{
  wh_meals_sign_in_page_set_status (self, text, is_error);
}

static void
set_sign_in_busy (WhMealsSignInPage *self,
                  gboolean           busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_spinner), busy);
  gtk_spinner_set_spinning (self->sign_in_spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_submit), !busy);
}

void
wh_meals_sign_in_page_reset (WhMealsSignInPage *self)
{
  g_return_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->phone_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  set_sign_in_status (self, NULL, FALSE);
}

void
wh_meals_sign_in_page_cancel (WhMealsSignInPage *self)
{
  g_return_if_fail (WH_IS_MEALS_SIGN_IN_PAGE (self));

  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  self->session_cancellable = g_cancellable_new ();
}

static gboolean
resend_tick_cb (gpointer user_data)
{
  WhMealsSignInPage *self = user_data;
  gint64 left = (self->resend_at_us - g_get_monotonic_time ()) / G_USEC_PER_SEC;

  if (left <= 0)
    {
      gtk_button_set_label (self->send_code_button, _("Send _Code"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_code_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Send Code"), -1);
      gtk_widget_set_sensitive (GTK_WIDGET (self->send_code_button), TRUE);
      self->resend_source = 0;
      return G_SOURCE_REMOVE;
    }
  {
    /* Translators: %d is a number of seconds */
    g_autofree char *label = g_strdup_printf (_("Send again in %d s"), (int) left);
    gtk_button_set_label (self->send_code_button, label);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_code_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_code_button), FALSE);
  return G_SOURCE_CONTINUE;
}

static void
hold_resend (WhMealsSignInPage *self,
             gint64             seconds)
{
  g_clear_handle_id (&self->resend_source, g_source_remove);
  self->resend_at_us = g_get_monotonic_time () + (seconds + 1) * G_USEC_PER_SEC;
  if (resend_tick_cb (self))
    self->resend_source = g_timeout_add_seconds (1, resend_tick_cb, self);
}

static void
request_code_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WhMealsSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 resend_after = 60;

  if (!wh_api_request_code_finish (WH_API (source), result, &resend_after, &error))
    {
      gint64 wait = wh_api_error_get_retry_after (error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_widget_set_sensitive (GTK_WIDGET (self->send_code_button), TRUE);
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED) && wait > 0)
        {
          /* The message says how long, in words that fit the wait. */
          set_sign_in_status (self, error->message, TRUE);
          hold_resend (self, MIN (wait, 3600));
          return;
        }
      if (wh_api_error_is_transient (error))
        set_sign_in_status (self, _("No connection to the server. Check the network and try "
                                    "again."), TRUE);
      else
        set_sign_in_status (self, error->message, TRUE);
      return;
    }
  {
    const char *phone = gtk_editable_get_text (GTK_EDITABLE (self->phone_entry));
    g_autofree char *masked = wh_meals_mask_phone (phone);
    /* Translators: %s is a phone number with digits hidden, 138****8000 */
    g_autofree char *text = g_strdup_printf (_("Code sent to %s. It is valid for 5 minutes."),
                                             masked);
    set_sign_in_status (self, text, FALSE);
  }
  hold_resend (self, resend_after > 0 ? MIN (resend_after, 3600) : 60);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_entry));
}

static void
send_code_clicked_cb (WhMealsSignInPage *self)
{
  const char *phone = gtk_editable_get_text (GTK_EDITABLE (self->phone_entry));

  if (!phone_is_valid (phone))
    {
      set_sign_in_status (self, _("A phone number has 11 digits and starts with 1."), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->phone_entry));
      return;
    }
  if (self->api == NULL)
    {
      set_sign_in_status (self, _("No server is set up. Sign-in needs a connection to the "
                                  "union’s service."), TRUE);
      return;
    }
  if (self->resend_source != 0)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_code_button), FALSE);
  set_sign_in_status (self, _("Sending the code…"), FALSE);
  wh_api_request_code_async (self->api, phone, self->cancellable, request_code_cb,
                             g_object_ref (self));
}

static void
entry_changed_cb (WhMealsSignInPage *self)
{
  if (gtk_widget_has_css_class (GTK_WIDGET (self->sign_in_status), "error"))
    set_sign_in_status (self, NULL, FALSE);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WhMealsSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires_at = NULL;
  g_autoptr(WhRecord) me = wh_api_login_finish (WH_API (source), result, &token, &expires_at,
                                                &error);

  set_sign_in_busy (self, FALSE);
  if (me == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_INVALID_CODE))
        set_sign_in_status (self, _("The code is wrong or has expired. Check the text message, "
                                    "or ask for a new code."), TRUE);
      else if (wh_api_error_is_transient (error))
        set_sign_in_status (self, _("No connection to the server. Check the network and try "
                                    "again."), TRUE);
      else
        set_sign_in_status (self, error->message, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_entry));
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  set_sign_in_status (self, NULL, FALSE);
  g_signal_emit (self, signals[SIGNED_IN], 0, me, token);
  if (token)
    memset (token, 0, strlen (token));
}

static void
sign_in_submit_cb (WhMealsSignInPage *self)
{
  const char *phone = gtk_editable_get_text (GTK_EDITABLE (self->phone_entry));
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_entry));

  if (!phone_is_valid (phone))
    {
      set_sign_in_status (self, _("A phone number has 11 digits and starts with 1."), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->phone_entry));
      return;
    }
  if (!all_digits (code, 6))
    {
      set_sign_in_status (self, _("The code has 6 digits."), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_entry));
      return;
    }
  if (self->api == NULL)
    {
      set_sign_in_status (self, _("No server is set up. Sign-in needs a connection to the "
                                  "union’s service."), TRUE);
      return;
    }
  set_sign_in_busy (self, TRUE);
  set_sign_in_status (self, _("Signing in…"), FALSE);
  wh_api_login_async (self->api, phone, code, self->session_cancellable, login_cb,
                      g_object_ref (self));
}

static void
wh_meals_sign_in_page_dispose (GObject *object)
{
  WhMealsSignInPage *self = WH_MEALS_SIGN_IN_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->session_cancellable);
  g_clear_handle_id (&self->resend_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_MEALS_SIGN_IN_PAGE);
  /* The template's top widget has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (wh_meals_sign_in_page_parent_class)->dispose (object);
}

static void
wh_meals_sign_in_page_finalize (GObject *object)
{
  WhMealsSignInPage *self = WH_MEALS_SIGN_IN_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->session_cancellable);
  G_OBJECT_CLASS (wh_meals_sign_in_page_parent_class)->finalize (object);
}

static void
wh_meals_sign_in_page_class_init (WhMealsSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_meals_sign_in_page_dispose;
  object_class->finalize = wh_meals_sign_in_page_finalize;

  /* The token travels as a plain pointer, not a GValue string: no copy of
   * it is left behind in memory once the page wipes it. */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                     G_TYPE_POINTER, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/workershome/WorkersHome/meals/wh-meals-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, code_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, phone_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, send_code_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, sign_in_status);
  gtk_widget_class_bind_template_child (widget_class, WhMealsSignInPage, sign_in_submit);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, send_code_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_submit_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_meals_sign_in_page_init (WhMealsSignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->session_cancellable = g_cancellable_new ();
}
