/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wh-format.h"
#include "wh-meals-format.h"
#include "wh-meals-merchant-list.h"
#include "wh-meals-sign-in-page.h"
#include "wh-meals-voucher-page.h"
#include "wh-service-page.h"
#include "wh-token.h"
#include "wh-vouchers.h"
#include "wh-meals-view.h"

/* While a voucher is on screen and the network is there, its status
 * (redeemed, expired) is asked for this often. */
#define STATUS_REFRESH_S 30

struct _WhMealsView
{
  GtkWidget parent_instance;

  /* Template widgets */
  AdwActionRow        *account_row;
  AdwActionRow        *eligibility_row;
  GtkImage            *eligibility_icon;
  GtkButton           *history_button;
  GtkLabel            *history_empty_label;
  GtkListBox          *history_list;
  GtkScrolledWindow   *home_scroll;
  GtkBox              *map_pane;
  WhMealsMerchantList *merchant_list;
  AdwActionRow        *pending_row;
  WhMealsSignInPage   *sign_in_page;
  GtkButton           *sign_in_button;
  GtkButton           *sign_out_button;
  GtkStack            *stack;
  GtkListBox          *today_list;
  AdwActionRow        *today_row;
  AdwToastOverlay     *toast_overlay;
  WhMealsVoucherPage  *voucher_page;

  /* Owned references */
  WhContext       *context;
  WhStore         *store;
  WhApi           *api;
  GCancellable    *session_cancellable; /* one sign-in; cancelled by sign-out and dispose */
  WhRecord        *me;                  /* the signed-in worker, or NULL */
  GPtrArray       *vouchers;            /* WhRecord*, newest first */
  GPtrArray       *history;             /* Visit*, the pages to go back to */
  GWeakRef         last_focus;          /* the last widget of the pages focused */
  GtkRoot         *focus_root;          /* watched for it (not a reference) */

  /* State */
  gboolean         signed_in;           /* a token is set on api */
  gboolean         expired;             /* the server said the token is void */
  gboolean         refreshed_merchants; /* once per view, then on demand */
  gint64           claiming;            /* merchant id of the claim in flight */
  gint64           claim_after_sign_in; /* merchant to offer once signed in */
  guint            status_source;
  gboolean         wide;                /* the map beside the page */
  guint            layout_source;       /* the map to move, after this allocation */
};

static void wh_meals_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhMealsView, wh_meals_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_meals_view_page_init))

static void update_account (WhMealsView *self);
static void update_vouchers (WhMealsView *self);
static void refresh_vouchers (WhMealsView *self);
static void show_voucher (WhMealsView *self, const WhRecord *voucher);
static void offer_claim (WhMealsView *self, const WhRecord *merchant);

/* ---- Small helpers ------------------------------------------------------ */

static void
toast (WhMealsView *self,
       const char  *text)
{
  wh_service_page_toast (WH_SERVICE_PAGE (self), text);
}

static const WhRecord *
today_voucher (WhMealsView *self)
{
  g_autofree char *today = wh_api_service_day ();

  return wh_vouchers_find_day (self->vouchers, today);
}

/* ---- Pages -------------------------------------------------------------- */

/* A page left, and what had the focus on it: Back returns there (the row
 * a worker opened, not the top of the page). */
typedef struct
{
  char     *page;
  GWeakRef  focus;
  gint64    merchant_id; /* of the row it was in: the rows are made again */
} Visit;

static void
visit_free (gpointer data)
{
  Visit *visit = data;

  g_free (visit->page);
  g_weak_ref_clear (&visit->focus);
  g_free (visit);
}

/* The focus moved in the window: remember it when it is on a page (a
 * dialog asked for first leaves the window with none when the page
 * changes). */
static void
focus_changed_cb (WhMealsView *self)
{
  GtkWidget *focus = self->focus_root ? gtk_root_get_focus (self->focus_root) : NULL;

  if (focus && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->stack)))
    g_weak_ref_set (&self->last_focus, focus);
}

static void
go_to (WhMealsView *self,
       const char  *page)
{
  const char *current = gtk_stack_get_visible_child_name (self->stack);
  g_autoptr(GtkWidget) focus = g_weak_ref_get (&self->last_focus);
  GtkWidget *current_page = gtk_stack_get_visible_child (self->stack);
  Visit *visit;

  if (g_strcmp0 (current, page) == 0)
    return;
  if (strcmp (page, "home") == 0)
    {
      g_ptr_array_set_size (self->history, 0);
      gtk_stack_set_visible_child_name (self->stack, page);
      return;
    }
  visit = g_new0 (Visit, 1);
  visit->page = g_strdup (current);
  g_weak_ref_init (&visit->focus, focus && current_page && gtk_widget_is_ancestor (focus, current_page)
                                    ? focus : NULL);
  visit->merchant_id = focus ? wh_meals_merchant_list_merchant_at (self->merchant_list, focus) : 0;
  g_ptr_array_add (self->history, visit);
  gtk_stack_set_visible_child_name (self->stack, page);
}

static gboolean
go_back (WhMealsView *self)
{
  Visit *visit;
  g_autoptr(GtkWidget) focus = NULL;
  GtkWidget *page;

  if (self->history->len == 0)
    return FALSE;
  visit = g_ptr_array_steal_index (self->history, self->history->len - 1);
  gtk_stack_set_visible_child_name (self->stack, visit->page);
  page = gtk_stack_get_child_by_name (self->stack, visit->page);
  focus = g_weak_ref_get (&visit->focus);
  /* A merchant's row (made again since, its button perhaps asleep), else
   * the widget or the nearest of its parents that takes the focus. */
  if (visit->merchant_id == 0 ||
      !wh_meals_merchant_list_focus_merchant (self->merchant_list, visit->merchant_id))
    for (GtkWidget *w = focus; w && page && gtk_widget_is_ancestor (w, page);
         w = gtk_widget_get_parent (w))
      if (gtk_widget_is_sensitive (w) && gtk_widget_get_focusable (w) && gtk_widget_grab_focus (w))
        break;
  visit_free (visit);
  return TRUE;
}

static void
back_clicked_cb (WhMealsView *self)
{
  if (!go_back (self))
    gtk_stack_set_visible_child_name (self->stack, "home");
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  back_clicked_cb (WH_MEALS_VIEW (widget));
}

const char *
wh_meals_view_get_page (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

GtkEntry *
wh_meals_view_get_phone_entry (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);
  return wh_meals_sign_in_page_get_phone_entry (self->sign_in_page);
}

GtkEntry *
wh_meals_view_get_code_entry (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);
  return wh_meals_sign_in_page_get_code_entry (self->sign_in_page);
}

GtkEntry *
wh_meals_view_get_keypad_entry (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);
  return wh_meals_sign_in_page_get_keypad_entry (self->sign_in_page);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Saving or forgetting the worker (wh_vouchers_save_me_async,
   * wh_vouchers_forget_async): both return a boolean GTask. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not save love-meal data: %s", error->message);
}

/* ---- Account ------------------------------------------------------------ */

static void
update_account (WhMealsView *self)
{
  g_autofree char *masked = NULL;
  gboolean known = self->me != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_button), !self->signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_out_button), self->signed_in);
  gtk_widget_set_visible (GTK_WIDGET (self->history_button), known || self->signed_in);
  /* A worker who may not claim sees why on every Claim button, before a
   * press rather than after a dialog. */
  wh_meals_merchant_list_set_eligible (self->merchant_list,
                                       !known || wh_record_get_bool (self->me, "eligible"));

  if (!known || (!self->signed_in && !self->expired))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row),
                                     _("Sign in to claim a love meal"));
      adw_action_row_set_subtitle (self->account_row,
                                   _("Delivery riders, couriers and drivers who are union members "
                                     "get a free meal a day at a participating merchant."));
      gtk_widget_set_visible (GTK_WIDGET (self->eligibility_row), FALSE);
      return;
    }

  masked = wh_meals_mask_phone (wh_record_get_text (self->me, "phone"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row), masked);
  if (self->expired || !self->signed_in)
    adw_action_row_set_subtitle (self->account_row,
                                 _("Your sign-in has expired. Sign in again to claim a meal; "
                                   "vouchers you have are still shown."));
  else
    adw_action_row_set_subtitle (self->account_row, _("Signed in"));

  gtk_widget_set_visible (GTK_WIDGET (self->eligibility_row), TRUE);
  if (wh_record_get_bool (self->me, "eligible"))
    {
      gtk_image_set_from_icon_name (self->eligibility_icon, "emblem-ok-symbolic");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->eligibility_row),
                                     _("You can claim one free meal a day"));
      adw_action_row_set_subtitle (self->eligibility_row,
                                   _("Union member and verified new-form worker."));
    }
  else if (wh_record_get_bool (self->me, "union_member"))
    {
      gtk_image_set_from_icon_name (self->eligibility_icon, "dialog-information-symbolic");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->eligibility_row),
                                     _("Not verified as a new-form worker yet"));
      adw_action_row_set_subtitle (self->eligibility_row,
                                   _("Ask your platform or union station to verify that you "
                                     "deliver, courier or drive for work; then sign in again."));
    }
  else
    {
      gtk_image_set_from_icon_name (self->eligibility_icon, "dialog-information-symbolic");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->eligibility_row),
                                     _("Not a union member yet"));
      adw_action_row_set_subtitle (self->eligibility_row,
                                   _("Join the union at a union station or in the union’s app; "
                                     "love meals are for members who are verified new-form "
                                     "workers."));
    }
}

static void
set_me (WhMealsView    *self,
        const WhRecord *me,
        gboolean        save)
{
  g_clear_pointer (&self->me, wh_record_free);
  if (me)
    self->me = wh_record_copy (me);
  if (save && self->store)
    wh_vouchers_save_me_async (self->store, me, NULL, saved_cb, NULL);
  update_account (self);
}

/* The token is void (401): ask again; what is stored stays on screen, as a
 * voucher in hand needs no token at the counter. */
static void
token_expired (WhMealsView *self)
{
  if (self->api)
    wh_api_set_token (self->api, NULL);
  if (self->signed_in && !wh_context_get_kiosk (self->context) && self->api)
    wh_token_clear_async (wh_api_get_base_url (self->api), NULL, NULL, NULL);
  self->signed_in = FALSE;
  self->expired = TRUE;
  update_account (self);
}

static void
vouchers_refreshed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_vouchers_refresh_finish (result, &error))
    {
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
        token_expired (self);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Vouchers not refreshed: %s", error->message);
      return;
    }
  update_vouchers (self);
}

static void
refresh_vouchers (WhMealsView *self)
{
  if (!self->signed_in || self->api == NULL || self->store == NULL)
    return;
  wh_vouchers_refresh_async (self->store, self->api, self->session_cancellable,
                             vouchers_refreshed_cb, g_object_ref (self));
}

static void
get_me_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = wh_api_get_me_finish (WH_API (source), result, &error);

  if (me == NULL)
    {
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
        token_expired (self);
      /* Offline: the stored worker stands. */
      return;
    }
  set_me (self, me, TRUE);
  refresh_vouchers (self);
}

static void
token_lookup_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = wh_token_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->api == NULL)
    return;
  if (token == NULL || !wh_api_set_token (self->api, token))
    {
      if (error)
        g_debug ("%s", error->message);
      /* No saved sign-in: a worker seen before is asked to sign in again. */
      self->expired = self->me != NULL;
      update_account (self);
      return;
    }
  memset (token, 0, strlen (token));
  self->signed_in = TRUE;
  self->expired = FALSE;
  update_account (self);
  wh_api_get_me_async (self->api, self->session_cancellable, get_me_cb, g_object_ref (self));
}

static void
restore_token (WhMealsView *self)
{
  update_vouchers (self);
  if (self->api == NULL)
    return;
  if (wh_api_get_token (self->api) != NULL)
    {
      self->signed_in = TRUE;
      update_account (self);
      wh_api_get_me_async (self->api, self->session_cancellable, get_me_cb, g_object_ref (self));
      return;
    }
  if (wh_context_get_kiosk (self->context))
    {
      update_account (self);
      return;
    }
  wh_token_lookup_async (wh_api_get_base_url (self->api), self->session_cancellable,
                         token_lookup_cb, g_object_ref (self));
}

static void
me_read_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) me = wh_store_get_me_finish (WH_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error)
    g_warning ("Could not read the signed-in worker: %s", error->message);
  /* A sign-in meanwhile knows better than the store. */
  if (self->me == NULL)
    set_me (self, me, FALSE);
  restore_token (self);
}

/* Who is signed in: the stored worker first (offline), then the keyring
 * and the server. A kiosk keeps no token beyond memory. */
static void
restore_session (WhMealsView *self)
{
  if (self->store && self->me == NULL)
    {
      wh_store_get_me_async (self->store, self->session_cancellable, me_read_cb,
                             g_object_ref (self));
      return;
    }
  restore_token (self);
}

/* ---- Sign-in ------------------------------------------------------------ */

/* The last worker's data is gone: what the store holds now is this one's. */
static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_vouchers_forget_finish (result, &error))
    g_warning ("Could not forget the last worker: %s", error->message);
  else if (self->store != NULL)
    update_vouchers (self);
}

static void
sign_in_page_signed_in_cb (WhMealsView    *self,
                           const WhRecord *me,
                           const char     *token)
{
  const WhRecord *merchant;

  /* Another worker than the one stored: nothing of the last one stays. */
  if (self->me && wh_record_get_int (self->me, "user_id") != wh_record_get_int (me, "user_id"))
    {
      if (self->store)
        wh_vouchers_forget_async (self->store, NULL, forgotten_cb, g_object_ref (self));
      g_clear_pointer (&self->vouchers, g_ptr_array_unref);
    }
  self->signed_in = TRUE;
  self->expired = FALSE;
  set_me (self, me, TRUE);
  if (token && !wh_context_get_kiosk (self->context))
    wh_token_store_async (wh_api_get_base_url (self->api), token, NULL, NULL, NULL);

  update_vouchers (self);
  refresh_vouchers (self);
  go_to (self, "home");
  toast (self, _("Signed in"));

  merchant = wh_meals_merchant_list_find (self->merchant_list, self->claim_after_sign_in);
  self->claim_after_sign_in = 0;
  if (merchant)
    offer_claim (self, merchant);
}

static void
open_sign_in (WhMealsView *self)
{
  GtkEntry *phone_entry = wh_meals_sign_in_page_get_phone_entry (self->sign_in_page);

  if (self->me && gtk_editable_get_text (GTK_EDITABLE (phone_entry))[0] == '\0' &&
      !wh_context_get_kiosk (self->context))
    gtk_editable_set_text (GTK_EDITABLE (phone_entry), wh_record_get_text (self->me, "phone"));
  go_to (self, "sign-in");
  gtk_widget_grab_focus (GTK_WIDGET (phone_entry));
}

static void
sign_in_clicked_cb (WhMealsView *self)
{
  self->claim_after_sign_in = 0;
  open_sign_in (self);
}

/* Forgets everything of the worker, here and on screen. */
static void
sign_out (WhMealsView *self)
{
  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  self->session_cancellable = g_cancellable_new ();

  if (self->api && wh_api_get_token (self->api))
    /* Best effort: the token is dropped from api whatever the server says. */
    wh_api_logout_async (self->api, NULL, NULL, NULL);
  if (self->api && !wh_context_get_kiosk (self->context))
    wh_token_clear_async (wh_api_get_base_url (self->api), NULL, NULL, NULL);
  if (self->store)
    wh_vouchers_forget_async (self->store, NULL, saved_cb, NULL);
  self->signed_in = FALSE;
  self->expired = FALSE;
  self->claiming = 0;
  self->claim_after_sign_in = 0;
  g_clear_pointer (&self->me, wh_record_free);
  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  wh_meals_merchant_list_set_claiming (self->merchant_list, 0);
  wh_meals_voucher_page_set_voucher (self->voucher_page, NULL);
  wh_meals_sign_in_page_cancel (self->sign_in_page);
  wh_meals_sign_in_page_reset (self->sign_in_page);
  update_account (self);
  update_vouchers (self);
  wh_meals_merchant_list_reload (self->merchant_list);
}

static void
sign_out_clicked_cb (WhMealsView *self)
{
  sign_out (self);
  go_to (self, "home");
  toast (self, _("Signed out"));
}

/* ---- Vouchers ----------------------------------------------------------- */

static GtkWidget *
voucher_row_new (const WhRecord *voucher)
{
  GtkWidget *row;
  const char *status = wh_meals_voucher_status (voucher);
  GtkWidget *label = gtk_label_new (wh_meals_voucher_status_label (status));
  /* Translators: a voucher's day and its code, "2026-11-20 · code 253587322047" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · code %s"),
                                               wh_record_get_text (voucher, "day"),
                                               wh_record_get_text (voucher, "code"));

  /* Plain text from the start: a title set while the row still read markup
   * was parsed once (and GTK warned about a stray "&"). */
  row = wh_format_row_new (wh_record_get_text (voucher, "merchant_name"), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (strcmp (status, "unused") == 0)
    gtk_widget_add_css_class (label, "success");
  else
    gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  g_object_set_data_full (G_OBJECT (row), "voucher", wh_record_copy (voucher),
                          (GDestroyNotify) wh_record_free);
  return row;
}

/* Shows vouchers (newest first) and the merchant of today's claim waiting
 * for an answer (0: none). */
static void
show_vouchers (WhMealsView *self,
               GPtrArray   *vouchers,
               gint64       pending)
{
  const WhRecord *today;
  const WhRecord *shown;
  GtkWidget *child;

  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  self->vouchers = vouchers ? g_ptr_array_ref (vouchers) : NULL;

  today = today_voucher (self);
  gtk_widget_set_visible (GTK_WIDGET (self->today_row), today != NULL);
  if (today)
    {
      /* Translators: the merchant's name, then the voucher's state */
      g_autofree char *subtitle = g_strdup_printf (_("%s · %s"),
                                                   wh_record_get_text (today, "merchant_name"),
                                                   wh_meals_voucher_status_label (
                                                     wh_meals_voucher_status (today)));
      adw_action_row_set_subtitle (self->today_row, subtitle);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pending_row), pending > 0 && today == NULL);
  if (pending > 0)
    adw_action_row_set_subtitle (self->pending_row,
                                 _("The server did not answer your last claim. Tap Claim at the "
                                   "same merchant again: you get the same voucher, never two."));
  gtk_widget_set_visible (GTK_WIDGET (self->today_list),
                          today != NULL || (pending > 0 && today == NULL));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))))
    gtk_list_box_remove (self->history_list, child);
  for (guint i = 0; self->vouchers && i < self->vouchers->len; i++)
    gtk_list_box_append (self->history_list,
                         voucher_row_new (g_ptr_array_index (self->vouchers, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->history_empty_label),
                          self->vouchers == NULL || self->vouchers->len == 0);

  /* The voucher on screen follows its stored state (redeemed, expired). */
  shown = wh_meals_voucher_page_get_voucher (self->voucher_page);
  if (shown)
    for (guint i = 0; self->vouchers && i < self->vouchers->len; i++)
      {
        WhRecord *v = g_ptr_array_index (self->vouchers, i);

        if (g_strcmp0 (wh_record_get_text (v, "voucher_id"),
                       wh_record_get_text (shown, "voucher_id")) == 0)
          wh_meals_voucher_page_set_voucher (self->voucher_page, v);
      }
}

/* One read of the stored vouchers, then of today's pending claim. */
typedef struct
{
  WhMealsView *self;
  GPtrArray   *vouchers;
} VoucherRead;

static void
voucher_read_free (VoucherRead *read)
{
  g_object_unref (read->self);
  g_clear_pointer (&read->vouchers, g_ptr_array_unref);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VoucherRead, voucher_read_free)

static void
pending_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VoucherRead) read = user_data;
  g_autoptr(GError) error = NULL;
  gint64 pending = wh_store_get_pending_claim_finish (WH_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_vouchers (read->self, read->vouchers, MAX (pending, 0));
}

static void
vouchers_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(VoucherRead) read = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *day = NULL;
  WhMealsView *self = read->self;

  read->vouchers = wh_store_list_vouchers_finish (WH_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error)
    g_warning ("Could not read vouchers: %s", error->message);
  day = wh_api_service_day ();
  /* The same queue: the pending claim as of the same moment, or later. */
  wh_store_get_pending_claim_async (WH_STORE (source), day, self->session_cancellable,
                                    pending_read_cb, g_steal_pointer (&read));
}

/* Reads the stored vouchers on the store's queue, then shows them. Sign-out
 * cancels a read in flight: what it brings back is the last worker's. */
static void
update_vouchers (WhMealsView *self)
{
  VoucherRead *read;

  if (self->store == NULL || (self->me == NULL && !self->signed_in))
    {
      show_vouchers (self, NULL, 0);
      return;
    }
  read = g_new0 (VoucherRead, 1);
  read->self = g_object_ref (self);
  wh_store_list_vouchers_async (self->store, self->session_cancellable, vouchers_read_cb, read);
}

static gboolean
status_refresh_cb (gpointer user_data)
{
  WhMealsView *self = user_data;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "voucher") != 0)
    {
      self->status_source = 0;
      return G_SOURCE_REMOVE;
    }
  refresh_vouchers (self);
  return G_SOURCE_CONTINUE;
}

static void
show_voucher (WhMealsView    *self,
              const WhRecord *voucher)
{
  wh_meals_voucher_page_set_voucher (self->voucher_page, voucher);
  go_to (self, "voucher");
  if (self->status_source == 0)
    self->status_source = g_timeout_add_seconds (STATUS_REFRESH_S, status_refresh_cb, self);
}

static void
today_row_activated_cb (WhMealsView   *self,
                        GtkListBoxRow *row)
{
  const WhRecord *today = today_voucher (self);

  if (GTK_WIDGET (row) == GTK_WIDGET (self->today_row) && today)
    {
      show_voucher (self, today);
      refresh_vouchers (self);
    }
}

static void
history_row_activated_cb (WhMealsView   *self,
                          GtkListBoxRow *row)
{
  const WhRecord *voucher = g_object_get_data (G_OBJECT (row), "voucher");

  if (voucher)
    show_voucher (self, voucher);
}

static void
history_clicked_cb (WhMealsView *self)
{
  update_vouchers (self);
  refresh_vouchers (self);
  go_to (self, "history");
}

/* ---- Claiming ----------------------------------------------------------- */

typedef struct
{
  WhMealsView *self;
  gint64       merchant_id;
  char        *windows;
} Claim;

static void
claim_free (Claim *claim)
{
  g_object_unref (claim->self);
  g_free (claim->windows);
  g_free (claim);
}

static void
set_claiming (WhMealsView *self,
              gint64       merchant_id)
{
  self->claiming = merchant_id;
  /* NULL once the template is disposed (a claim cancelled with the view). */
  if (self->merchant_list)
    wh_meals_merchant_list_set_claiming (self->merchant_list, merchant_id);
}

static void
message (WhMealsView *self,
         const char  *heading,
         const char  *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_OK"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The claim's outcome is on disk (wh-vouchers.h says what became of its
 * key): tell the worker. */
static void
claim_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Claim *claim = user_data;
  WhMealsView *self = claim->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = wh_vouchers_claim_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Signed out or gone: the next claim starts afresh. */
      if (self->claiming == claim->merchant_id)
        set_claiming (self, 0);
      claim_free (claim);
      return;
    }
  set_claiming (self, 0);
  if (voucher != NULL)
    {
      if (self->vouchers == NULL)
        self->vouchers = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
      g_ptr_array_insert (self->vouchers, 0, wh_record_copy (voucher));
      show_voucher (self, voucher);
      wh_meals_merchant_list_refresh (self->merchant_list);
      update_vouchers (self);
      claim_free (claim);
      return;
    }

  update_vouchers (self);
  if (wh_api_error_is_transient (error))
    {
      /* The key stays: the next tap asks for the same voucher. */
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NETWORK) ||
          g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT))
        message (self, _("No Answer From the Server"),
                 _("You may be offline, or the answer was lost on the way. Your claim is kept: "
                   "when you are online, tap Claim at the same merchant again. You get the same "
                   "voucher, never two."));
      else
        message (self, _("The Service Is Busy"),
                 _("Your claim is kept. Wait a moment, then tap Claim at the same merchant "
                   "again. You get the same voucher, never two."));
      claim_free (claim);
      return;
    }
  if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
    {
      token_expired (self);
      self->claim_after_sign_in = claim->merchant_id;
      message (self, _("Sign In Again"),
               _("Your sign-in has expired. Sign in again, then confirm the claim."));
      open_sign_in (self);
      claim_free (claim);
      return;
    }

  /* A definite no: this claim is over. */
  if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_QUOTA_EXHAUSTED))
    {
      message (self, _("All Meals Claimed Here Today"),
               _("Today’s love meals at this merchant are all claimed. Try another merchant "
                 "nearby."));
      wh_meals_merchant_list_refresh (self->merchant_list);
    }
  else if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_OUTSIDE_SERVING_WINDOW))
    {
      /* Translators: %s lists serving times, "11:00–13:30, 17:00–19:30" */
      g_autofree char *body = g_strdup_printf (_("This merchant hands out love meals at %s. "
                                                 "Come back then, or try another merchant."),
                                               claim->windows);
      message (self, _("Not Serving Now"), body);
    }
  else if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_ALREADY_CLAIMED_TODAY))
    {
      message (self, _("Already Claimed Today"),
               _("You have already claimed today’s love meal. Your voucher is under “Your "
                 "voucher for today”. You can claim again tomorrow."));
      refresh_vouchers (self);
    }
  else if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NOT_ELIGIBLE))
    {
      message (self, _("Not Eligible Yet"),
               _("Love meals are for union members who are verified new-form workers. Join the "
                 "union or ask for verification at a union station, then sign in again."));
      if (self->api)
        wh_api_get_me_async (self->api, self->session_cancellable, get_me_cb,
                             g_object_ref (self));
    }
  else
    message (self, _("Could Not Claim"), error->message);
  claim_free (claim);
}

static void
start_claim (WhMealsView    *self,
             const WhRecord *merchant)
{
  Claim *claim;

  if (self->claiming != 0 || self->store == NULL || self->api == NULL || !self->signed_in)
    return;
  claim = g_new0 (Claim, 1);
  claim->self = g_object_ref (self);
  claim->merchant_id = merchant->id;
  claim->windows = wh_meals_format_windows (merchant);
  set_claiming (self, merchant->id);
  wh_vouchers_claim_async (self->store, self->api, merchant->id, self->session_cancellable,
                           claim_cb, claim);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  WhMealsView *self = g_object_get_data (G_OBJECT (dialog), "view");
  const WhRecord *merchant = user_data;

  if (g_strcmp0 (response, "claim") == 0 && self)
    start_claim (self, merchant);
}

static void
offer_claim (WhMealsView    *self,
             const WhRecord *merchant)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const WhRecord *today = today_voucher (self);
  GtkWidget *dialog;
  g_autofree char *body = NULL;
  g_autofree char *windows = NULL;

  if (!self->signed_in)
    {
      self->claim_after_sign_in = merchant->id;
      open_sign_in (self);
      wh_meals_sign_in_page_set_status (self->sign_in_page,
                                        _("Sign in first; then the claim continues."), FALSE);
      return;
    }
  if (self->me && !wh_record_get_bool (self->me, "eligible"))
    {
      message (self, _("Not Eligible Yet"),
               _("Love meals are for union members who are verified new-form workers. Join the "
                 "union or ask for verification at a union station, then sign in again."));
      return;
    }
  if (today && strcmp (wh_meals_voucher_status (today), "unused") == 0)
    {
      show_voucher (self, today);
      toast (self, _("You have already claimed today’s love meal."));
      return;
    }

  windows = wh_meals_format_windows (merchant);
  /* The list was read a while ago: a window may have closed since. One
   * answer, not a question whose answer is a refusal. */
  if (!wh_meals_merchant_list_is_serving (self->merchant_list, merchant))
    {
      /* Translators: %s lists serving times, "11:00–13:30, 17:00–19:30" */
      body = g_strdup_printf (_("This merchant hands out love meals at %s. "
                                "Come back then, or try another merchant."), windows);
      message (self, _("Not Serving Now"), body);
      wh_meals_merchant_list_reload (self->merchant_list);
      return;
    }
  if (wh_meals_serves_all_day (merchant))
    body = g_strdup (_("One free meal a day. Show the code at the counter any time today: this "
                       "merchant serves all day."));
  else
    /* Translators: %s lists serving times, "11:00–13:30, 17:00–19:30" */
    body = g_strdup_printf (_("One free meal a day. Show the code at the counter during today’s "
                              "serving hours: %s."), windows);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, body);
  {
    /* Translators: %s is a merchant's name */
    g_autofree char *heading = g_strdup_printf (_("Claim a Meal at %s?"),
                                                wh_record_get_text (merchant, "name"));
    adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), heading);
  }
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "claim", _("C_laim"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "claim",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "claim");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "view", g_object_ref (self), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "merchant", wh_record_copy (merchant),
                          (GDestroyNotify) wh_record_free);
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb),
                    g_object_get_data (G_OBJECT (dialog), "merchant"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
merchant_claim_cb (WhMealsView         *self,
                   const WhRecord      *merchant,
                   WhMealsMerchantList *list)
{
  offer_claim (self, merchant);
}

static void
map_cb (WhMealsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (root != self->focus_root && GTK_IS_WINDOW (root))
    {
      /* The view lives as long as its window: the connection with it. */
      self->focus_root = root;
      g_signal_connect_object (root, "notify::focus-widget", G_CALLBACK (focus_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  if (!self->refreshed_merchants && self->api && self->store)
    {
      self->refreshed_merchants = TRUE;
      wh_meals_merchant_list_refresh (self->merchant_list);
    }
  if (self->signed_in)
    refresh_vouchers (self);
}

/* ---- Context ------------------------------------------------------------ */

static void
store_changed_cb (WhMealsView *self)
{
  WhStore *store = wh_context_get_store (self->context);

  if (store == self->store)
    return;
  g_set_object (&self->store, store);
  wh_meals_merchant_list_set_store (self->merchant_list, store);
  restore_session (self);
  wh_meals_merchant_list_reload (self->merchant_list);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    map_cb (self);
}

static void
api_changed_cb (WhMealsView *self)
{
  WhApi *api = wh_context_get_api (self->context);

  if (api == self->api)
    return;
  g_set_object (&self->api, api);
  wh_meals_merchant_list_set_api (self->merchant_list, api);
  wh_meals_sign_in_page_set_api (self->sign_in_page, api);
  self->signed_in = FALSE;
  self->refreshed_merchants = FALSE;
  restore_session (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    map_cb (self);
}

static void
location_changed_cb (WhMealsView *self)
{
  wh_meals_merchant_list_reload (self->merchant_list);
}

static void
wh_meals_view_set_context (WhServicePage *page,
                           WhContext     *context)
{
  WhMealsView *self = WH_MEALS_VIEW (page);

  g_set_object (&self->context, context);
  wh_meals_voucher_page_set_context (self->voucher_page, context);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::api", G_CALLBACK (api_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::location", G_CALLBACK (location_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->api = wh_context_get_api (context) ? g_object_ref (wh_context_get_api (context)) : NULL;
  wh_meals_merchant_list_set_context (self->merchant_list, context);
  wh_meals_merchant_list_set_api (self->merchant_list, self->api);
  wh_meals_sign_in_page_set_api (self->sign_in_page, self->api);
  store_changed_cb (self);
  if (self->store == NULL)
    restore_session (self);
}

static void
wh_meals_view_focus_search (WhServicePage *page)
{
  WhMealsView *self = WH_MEALS_VIEW (page);

  go_to (self, "home");
  gtk_widget_grab_focus (GTK_WIDGET (wh_meals_merchant_list_get_search (self->merchant_list)));
}

static gboolean
wh_meals_view_navigate_back (WhServicePage *page)
{
  return go_back (WH_MEALS_VIEW (page));
}

static void
wh_meals_view_reset (WhServicePage *page)
{
  WhMealsView *self = WH_MEALS_VIEW (page);

  /* A kiosk is shared: the next person starts signed out, with nothing of
   * the last one on screen or in the cache. */
  if (wh_context_get_kiosk (self->context))
    sign_out (self);
  wh_meals_sign_in_page_reset (self->sign_in_page);
  gtk_editable_set_text (wh_meals_merchant_list_get_search (self->merchant_list), "");
  self->claim_after_sign_in = 0;
  g_ptr_array_set_size (self->history, 0);
  gtk_stack_set_visible_child_name (self->stack, "home");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->home_scroll), 0);
}

static void
wh_meals_view_page_init (WhServicePageInterface *iface)
{
  iface->set_context = wh_meals_view_set_context;
  iface->focus_search = wh_meals_view_focus_search;
  iface->navigate_back = wh_meals_view_navigate_back;
  iface->reset = wh_meals_view_reset;
}

/* ---- GObject ------------------------------------------------------------ */

/* ---- Wide: the map beside the page ------------------------------------- */

/* From this width on (a landscape kiosk, a maximised desktop window) the
 * merchants' map stands beside the page, as tall as the window, instead of
 * a strip above the list in a centred column that leaves most of the screen
 * empty. */
#define WIDE_MIN_WIDTH 1200

static gboolean
layout_cb (gpointer user_data)
{
  WhMealsView *self = user_data;

  self->layout_source = 0;
  wh_meals_merchant_list_set_map_pane (self->merchant_list, self->wide ? self->map_pane : NULL);
  return G_SOURCE_REMOVE;
}

/* As a GtkBinLayout would, which cannot say when the width changes. */
static GtkSizeRequestMode
wh_meals_view_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (WH_MEALS_VIEW (widget)->toast_overlay));
}

static void
wh_meals_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  gtk_widget_measure (GTK_WIDGET (WH_MEALS_VIEW (widget)->toast_overlay), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
wh_meals_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  WhMealsView *self = WH_MEALS_VIEW (widget);
  gboolean wide = width >= WIDE_MIN_WIDTH;

  gtk_widget_allocate (GTK_WIDGET (self->toast_overlay), width, height, baseline, NULL);
  /* Not while allocating: moving a widget asks for a new layout. */
  if (wide != self->wide)
    {
      self->wide = wide;
      if (self->layout_source == 0)
        self->layout_source = g_idle_add (layout_cb, self);
    }
}

static void
wh_meals_view_dispose (GObject *object)
{
  WhMealsView *self = WH_MEALS_VIEW (object);

  g_cancellable_cancel (self->session_cancellable);
  g_clear_handle_id (&self->status_source, g_source_remove);
  g_clear_handle_id (&self->layout_source, g_source_remove);
  if (self->merchant_list != NULL)
    wh_meals_merchant_list_set_map_pane (self->merchant_list, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_MEALS_VIEW);
  g_clear_object (&self->context);
  g_clear_object (&self->store);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (wh_meals_view_parent_class)->dispose (object);
}

static void
wh_meals_view_finalize (GObject *object)
{
  WhMealsView *self = WH_MEALS_VIEW (object);

  g_clear_object (&self->session_cancellable);
  g_clear_pointer (&self->me, wh_record_free);
  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_weak_ref_set (&self->last_focus, NULL);
  G_OBJECT_CLASS (wh_meals_view_parent_class)->finalize (object);
}

static void
wh_meals_view_class_init (WhMealsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_meals_view_dispose;
  object_class->finalize = wh_meals_view_finalize;
  widget_class->get_request_mode = wh_meals_view_get_request_mode;
  widget_class->measure = wh_meals_view_measure;
  widget_class->size_allocate = wh_meals_view_size_allocate;

  g_type_ensure (WH_TYPE_MEALS_MERCHANT_LIST);
  g_type_ensure (WH_TYPE_MEALS_SIGN_IN_PAGE);
  g_type_ensure (WH_TYPE_MEALS_VOUCHER_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/meals/wh-meals-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, account_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, eligibility_icon);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, eligibility_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_empty_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, home_scroll);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, map_pane);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, merchant_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, pending_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, stack);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, today_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, today_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_page);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, history_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, history_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, merchant_claim_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_page_signed_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_out_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, today_row_activated_cb);
  /* The pages' Back buttons. */
  gtk_widget_class_install_action (widget_class, "meals.back", NULL, back_action);
}

static void
wh_meals_view_init (WhMealsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->voucher_page, "message", G_CALLBACK (toast), self,
                           G_CONNECT_SWAPPED);
  self->session_cancellable = g_cancellable_new ();
  self->history = g_ptr_array_new_with_free_func (visit_free);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}
