/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <shumate/shumate.h>
#include <string.h>

#include "wh-format.h"
#include "wh-qr-code.h"
#include "wh-service-page.h"
#include "stations/wh-station-clusters.h"
#include "wh-sync.h"
#include "wh-token.h"
#include "wh-meals-view.h"

/* Enough merchants to choose from without scrolling through a city. */
#define MAX_MERCHANTS 30
/* Markers are whole widgets: a handful only (see HACKING.md). */
#define MAX_MARKERS 12
/* The small map: its size before it is first drawn, and how far it may
 * zoom to show every marker (a street at most, a province at least). */
#define MAP_MIN_WIDTH  360
#define MAP_MIN_HEIGHT 220
#define MAP_MIN_ZOOM   6
#define MAP_MAX_ZOOM   15
/* While a voucher is on screen and the network is there, its status
 * (redeemed, expired) is asked for this often. */
#define STATUS_REFRESH_S 30

typedef struct
{
  WhRecord *record;
  double    distance_m; /* < 0: no location known */
} Merchant;

static void
merchant_free (Merchant *m)
{
  wh_record_free (m->record);
  g_free (m);
}

struct _WhMealsView
{
  GtkWidget parent_instance;

  /* Template widgets */
  AdwActionRow    *account_row;
  GtkEntry        *code_entry;
  AdwActionRow    *eligibility_row;
  GtkImage        *eligibility_icon;
  GtkButton       *history_button;
  GtkLabel        *history_empty_label;
  GtkListBox      *history_list;
  GtkLabel        *location_label;
  GtkFrame        *map_frame;
  GtkLabel        *merchants_empty_label;
  GtkListBox      *merchants_list;
  AdwActionRow    *pending_row;
  GtkEntry        *phone_entry;
  WhQrCode        *qr_code;
  GtkSearchEntry  *search_entry;
  GtkButton       *send_code_button;
  GtkButton       *sign_in_button;
  GtkSpinner      *sign_in_spinner;
  GtkLabel        *sign_in_status;
  GtkButton       *sign_in_submit;
  GtkButton       *sign_out_button;
  GtkStack        *stack;
  GtkListBox      *today_list;
  AdwActionRow    *today_row;
  AdwToastOverlay *toast_overlay;
  GtkLabel        *voucher_address_label;
  GtkLabel        *voucher_code_label;
  GtkLabel        *voucher_merchant_label;
  GtkLabel        *voucher_status_label;
  GtkLabel        *voucher_valid_label;

  /* Owned references */
  WhContext       *context;
  WhStore         *store;
  WhApi           *api;
  GCancellable    *cancellable;         /* the view's life */
  GCancellable    *session_cancellable; /* one sign-in; cancelled by sign-out */
  GCancellable    *load_cancellable;    /* the latest merchant load */
  WhSync          *merchant_sync;
  WhRecord        *me;                  /* the signed-in worker, or NULL */
  GPtrArray       *vouchers;            /* WhRecord*, newest first */
  GPtrArray       *merchants;           /* Merchant* shown */
  WhRecord        *shown_voucher;
  GPtrArray       *history;             /* page names to go back to */
  ShumateSimpleMap *map;
  ShumateMarkerLayer *marker_layer;

  /* State */
  gboolean         signed_in;           /* a token is set on api */
  gboolean         expired;             /* the server said the token is void */
  gboolean         refreshed_merchants; /* once per view, then on demand */
  gint64           claiming;            /* merchant id of the claim in flight */
  gint64           claim_after_sign_in; /* merchant to offer once signed in */
  gint64           resend_at_us;        /* monotonic: another code may be asked */
  guint            resend_source;
  guint            status_source;
};

static void wh_meals_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhMealsView, wh_meals_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_meals_view_page_init))

static void update_account (WhMealsView *self);
static void update_vouchers (WhMealsView *self);
static void load_merchants (WhMealsView *self);
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

/* "138****8000": enough for a worker to recognise their number, not enough
 * for a passer-by to note it down. */
static char *
mask_phone (const char *phone)
{
  gsize len = phone ? strlen (phone) : 0;

  if (len < 7)
    return g_strdup (phone ? phone : "");
  return g_strdup_printf ("%.3s****%s", phone, phone + len - 4);
}

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

/* Minutes since midnight in the server's day (China Standard Time). */
static int
now_minutes_cst (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (cst);

  return g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);
}

static gboolean
parse_window (const char *window,
              int        *start,
              int        *end)
{
  int h1, m1, h2, m2;

  if (window == NULL || sscanf (window, "%d:%d-%d:%d", &h1, &m1, &h2, &m2) != 4)
    return FALSE;
  *start = h1 * 60 + m1;
  *end = h2 * 60 + m2;
  return TRUE;
}

static gboolean
merchant_serving_now (const WhRecord *merchant)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  int now = now_minutes_cst ();

  for (guint i = 0; windows && windows[i]; i++)
    {
      int start, end;

      /* The contract: start included, end excluded. */
      if (parse_window (windows[i], &start, &end) && now >= start && now < end)
        return TRUE;
    }
  return FALSE;
}

/* "11:00–13:30, 17:00–19:30" */
static char *
format_windows (const WhRecord *merchant)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  GString *text = g_string_new (NULL);

  for (guint i = 0; windows && windows[i]; i++)
    {
      g_autofree char *pretty = g_strdelimit (g_strdup (windows[i]), "-", ' ');
      char *space = strchr (pretty, ' ');

      if (text->len > 0)
        /* Translators: the separator between serving windows */
        g_string_append (text, _(", "));
      if (g_strcmp0 (windows[i], "00:00-24:00") == 0)
        g_string_append (text, _("All day"));
      else if (space)
        {
          *space = '\0';
          g_string_append_printf (text, "%s–%s", pretty, space + 1);
        }
      else
        g_string_append (text, windows[i]);
    }
  return g_string_free (text, FALSE);
}

/* Today's remaining meals: remaining_today counts for quota_day only; on
 * any other day nothing was claimed yet and the whole daily quota is left. */
static gint64
merchant_remaining (const WhRecord *merchant)
{
  g_autofree char *today = wh_api_service_day ();
  const char *quota_day = wh_record_is_set (merchant, "quota_day") ?
                          wh_record_get_text (merchant, "quota_day") : NULL;

  if (g_strcmp0 (quota_day, today) != 0)
    return wh_record_get_int (merchant, "daily_quota");
  return wh_record_get_int (merchant, "remaining_today");
}

static const char *
text_or_empty (const WhRecord *record,
               const char     *field)
{
  return wh_record_is_set (record, field) ? wh_record_get_text (record, field) : "";
}

/* The 12 digits in groups of four, easier to read out at a counter. */
static char *
group_digits (const char *code)
{
  GString *text = g_string_new (NULL);

  for (gsize i = 0; code[i]; i++)
    {
      if (i > 0 && i % 4 == 0)
        g_string_append_c (text, ' ');
      g_string_append_c (text, code[i]);
    }
  return g_string_free (text, FALSE);
}

/* "2026-11-20T23:59:59+08:00" → "2026-11-20 23:59", in the offset it was
 * written in: the server's day, whatever zone this machine is set to. */
static char *
format_time (const char *iso)
{
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

  if (dt == NULL)
    return g_strdup (iso ? iso : "");
  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

/* unused, redeemed or expired, as the worker should see it now: an unused
 * voucher of a day that is over is expired even before the server says so. */
static const char *
voucher_status (const WhRecord *voucher)
{
  g_autofree char *today = wh_api_service_day ();
  const char *status = wh_record_get_text (voucher, "status");

  if (g_strcmp0 (status, "unused") == 0 &&
      g_strcmp0 (wh_record_get_text (voucher, "day"), today) < 0)
    return "expired";
  return status;
}

static const char *
voucher_status_label (const char *status)
{
  if (g_strcmp0 (status, "redeemed") == 0)
    return _("Used");
  if (g_strcmp0 (status, "expired") == 0)
    return _("Expired");
  return _("Ready to use");
}

static const WhRecord *
today_voucher (WhMealsView *self)
{
  g_autofree char *today = wh_api_service_day ();

  for (guint i = 0; self->vouchers && i < self->vouchers->len; i++)
    {
      const WhRecord *v = g_ptr_array_index (self->vouchers, i);

      if (g_strcmp0 (wh_record_get_text (v, "day"), today) == 0)
        return v;
    }
  return NULL;
}

/* ---- Pages -------------------------------------------------------------- */

static void
go_to (WhMealsView *self,
       const char  *page)
{
  const char *current = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (current, page) == 0)
    return;
  if (strcmp (page, "home") == 0)
    g_ptr_array_set_size (self->history, 0);
  else
    g_ptr_array_add (self->history, g_strdup (current));
  gtk_stack_set_visible_child_name (self->stack, page);
}

static gboolean
go_back (WhMealsView *self)
{
  g_autofree char *previous = NULL;

  if (self->history->len == 0)
    return FALSE;
  previous = g_ptr_array_steal_index (self->history, self->history->len - 1);
  gtk_stack_set_visible_child_name (self->stack, previous);
  return TRUE;
}

static void
back_clicked_cb (WhMealsView *self)
{
  if (!go_back (self))
    gtk_stack_set_visible_child_name (self->stack, "home");
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
  return self->phone_entry;
}

GtkEntry *
wh_meals_view_get_code_entry (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);
  return self->code_entry;
}

GtkEntry *
wh_meals_view_get_keypad_entry (WhMealsView *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VIEW (self), NULL);

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

/* ---- Store work off the main thread ------------------------------------- */

/* Writes wait for the store's single writer, which a sync may hold for a
 * page: never on the main thread. */
typedef struct
{
  gint64    merchant_id;
  char     *day;
  char     *new_key;
  WhRecord *record;     /* voucher or me */
  GPtrArray *records;   /* vouchers from the server */
  int       op;
} StoreOp;

enum
{
  OP_BEGIN_CLAIM,
  OP_FINISH_CLAIM,
  OP_REPLACE_VOUCHERS,
  OP_SET_ME,
  OP_FORGET_SIGNED_IN,
};

static void
store_op_free (StoreOp *op)
{
  g_free (op->day);
  g_free (op->new_key);
  g_clear_pointer (&op->record, wh_record_free);
  g_clear_pointer (&op->records, g_ptr_array_unref);
  g_free (op);
}

static void
store_op_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WhStore *store = g_object_get_data (G_OBJECT (task), "store");
  StoreOp *op = task_data;
  GError *error = NULL;
  char *key;

  switch (op->op)
    {
    case OP_BEGIN_CLAIM:
      key = wh_store_begin_claim (store, op->merchant_id, op->day, op->new_key, &error);
      if (key == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, key, g_free);
      return;
    case OP_FINISH_CLAIM:
      if (!wh_store_finish_claim (store, op->merchant_id, op->day, op->record, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_REPLACE_VOUCHERS:
      if (!wh_store_replace_vouchers (store, op->records, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_SET_ME:
      if (!wh_store_set_me (store, op->record, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_FORGET_SIGNED_IN:
      if (!wh_store_forget_signed_in (store, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    default:
      g_assert_not_reached ();
    }
}

static void
store_op_run (WhMealsView         *self,
              StoreOp             *op,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, store_op_run);
  g_object_set_data_full (G_OBJECT (task), "store", g_object_ref (self->store), g_object_unref);
  g_task_set_task_data (task, op, (GDestroyNotify) store_op_free);
  /* Writes run one after another, in the order they were asked for. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, store_op_thread);
}

static void
store_op_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

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

  masked = mask_phone (wh_record_get_text (self->me, "phone"));
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
    {
      StoreOp *op = g_new0 (StoreOp, 1);

      op->op = OP_SET_ME;
      op->record = me ? wh_record_copy (me) : NULL;
      store_op_run (self, op, NULL, store_op_done_cb, NULL);
    }
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
vouchers_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WhMealsView *self = WH_MEALS_VIEW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not save vouchers: %s", error->message);
      return;
    }
  update_vouchers (self);
}

static void
list_vouchers_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vouchers = wh_api_list_vouchers_finish (WH_API (source), result, &error);
  StoreOp *op;

  if (vouchers == NULL)
    {
      if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED))
        token_expired (self);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Vouchers not refreshed: %s", error->message);
      return;
    }
  op = g_new0 (StoreOp, 1);
  op->op = OP_REPLACE_VOUCHERS;
  op->records = g_steal_pointer (&vouchers);
  store_op_run (self, op, self->session_cancellable, vouchers_saved_cb, NULL);
}

static void
refresh_vouchers (WhMealsView *self)
{
  if (!self->signed_in || self->api == NULL || self->store == NULL)
    return;
  wh_api_list_vouchers_async (self->api, self->session_cancellable, list_vouchers_cb,
                              g_object_ref (self));
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

/* Who is signed in: the stored worker at once (offline), then the keyring
 * and the server. A kiosk keeps no token beyond memory. */
static void
restore_session (WhMealsView *self)
{
  if (self->store && self->me == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhRecord) me = wh_store_get_me (self->store, &error);

      if (error)
        g_warning ("Could not read the signed-in worker: %s", error->message);
      set_me (self, me, FALSE);
    }
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

/* ---- Sign-in ------------------------------------------------------------ */

static void
set_sign_in_status (WhMealsView *self,
                    const char  *text,
                    gboolean     is_error)
{
  gtk_label_set_text (self->sign_in_status, text ? text : "");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->sign_in_status), "error");
}

static void
set_sign_in_busy (WhMealsView *self,
                  gboolean     busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_spinner), busy);
  gtk_spinner_set_spinning (self->sign_in_spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_submit), !busy);
}

static gboolean
resend_tick_cb (gpointer user_data)
{
  WhMealsView *self = user_data;
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
hold_resend (WhMealsView *self,
             gint64       seconds)
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
  g_autoptr(WhMealsView) self = user_data;
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
    g_autofree char *masked = mask_phone (gtk_editable_get_text (GTK_EDITABLE (self->phone_entry)));
    /* Translators: %s is a phone number with digits hidden, 138****8000 */
    g_autofree char *text = g_strdup_printf (_("Code sent to %s. It is valid for 5 minutes."),
                                             masked);
    set_sign_in_status (self, text, FALSE);
  }
  hold_resend (self, resend_after > 0 ? MIN (resend_after, 3600) : 60);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_entry));
}

static void
send_code_clicked_cb (WhMealsView *self)
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
entry_changed_cb (WhMealsView *self)
{
  if (gtk_widget_has_css_class (GTK_WIDGET (self->sign_in_status), "error"))
    set_sign_in_status (self, NULL, FALSE);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires_at = NULL;
  g_autoptr(WhRecord) me = wh_api_login_finish (WH_API (source), result, &token, &expires_at,
                                                &error);
  gint64 merchant;

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

  /* Another worker than the one stored: nothing of the last one stays. */
  if (self->me && wh_record_get_int (self->me, "user_id") != wh_record_get_int (me, "user_id"))
    {
      StoreOp *op = g_new0 (StoreOp, 1);

      op->op = OP_FORGET_SIGNED_IN;
      store_op_run (self, op, NULL, store_op_done_cb, NULL);
      g_clear_pointer (&self->vouchers, g_ptr_array_unref);
    }
  self->signed_in = TRUE;
  self->expired = FALSE;
  set_me (self, me, TRUE);
  if (token && !wh_context_get_kiosk (self->context))
    wh_token_store_async (wh_api_get_base_url (self->api), token, NULL, NULL, NULL);
  if (token)
    memset (token, 0, strlen (token));

  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  set_sign_in_status (self, NULL, FALSE);
  update_vouchers (self);
  refresh_vouchers (self);
  go_to (self, "home");
  toast (self, _("Signed in"));

  merchant = self->claim_after_sign_in;
  self->claim_after_sign_in = 0;
  for (guint i = 0; merchant && self->merchants && i < self->merchants->len; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);

      if (m->record->id == merchant)
        offer_claim (self, m->record);
    }
}

static void
sign_in_submit_cb (WhMealsView *self)
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
open_sign_in (WhMealsView *self)
{
  if (self->me && gtk_editable_get_text (GTK_EDITABLE (self->phone_entry))[0] == '\0' &&
      !wh_context_get_kiosk (self->context))
    gtk_editable_set_text (GTK_EDITABLE (self->phone_entry),
                           wh_record_get_text (self->me, "phone"));
  go_to (self, "sign-in");
  gtk_widget_grab_focus (GTK_WIDGET (self->phone_entry));
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
  StoreOp *op;

  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  self->session_cancellable = g_cancellable_new ();

  if (self->api && wh_api_get_token (self->api))
    /* Best effort: the token is dropped from api whatever the server says. */
    wh_api_logout_async (self->api, NULL, NULL, NULL);
  if (self->api && !wh_context_get_kiosk (self->context))
    wh_token_clear_async (wh_api_get_base_url (self->api), NULL, NULL, NULL);
  if (self->store)
    {
      op = g_new0 (StoreOp, 1);
      op->op = OP_FORGET_SIGNED_IN;
      store_op_run (self, op, NULL, store_op_done_cb, NULL);
    }
  self->signed_in = FALSE;
  self->expired = FALSE;
  self->claiming = 0;
  self->claim_after_sign_in = 0;
  g_clear_pointer (&self->me, wh_record_free);
  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  g_clear_pointer (&self->shown_voucher, wh_record_free);
  wh_qr_code_set_text (self->qr_code, NULL);
  gtk_label_set_text (self->voucher_code_label, "");
  gtk_editable_set_text (GTK_EDITABLE (self->phone_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  set_sign_in_status (self, NULL, FALSE);
  update_account (self);
  update_vouchers (self);
  load_merchants (self);
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
  const char *status = voucher_status (voucher);
  GtkWidget *label = gtk_label_new (voucher_status_label (status));
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

static void
fill_voucher_page (WhMealsView *self)
{
  const WhRecord *v = self->shown_voucher;
  const char *status;
  g_autofree char *grouped = NULL;
  g_autofree char *until = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *a11y = NULL;

  if (v == NULL)
    return;
  status = voucher_status (v);
  grouped = group_digits (wh_record_get_text (v, "code"));
  until = format_time (wh_record_get_text (v, "valid_until"));
  /* Translators: %s is a date and time */
  valid = g_strdup_printf (_("Valid until %s"), until);
  /* Translators: the accessible name of the QR code; %s is its 12-digit code */
  a11y = g_strdup_printf (_("Voucher QR code, code %s"), wh_record_get_text (v, "code"));

  gtk_label_set_text (self->voucher_merchant_label, wh_record_get_text (v, "merchant_name"));
  gtk_label_set_text (self->voucher_address_label, text_or_empty (v, "merchant_address"));
  gtk_label_set_text (self->voucher_code_label, grouped);
  gtk_label_set_text (self->voucher_valid_label, valid);
  gtk_label_set_text (self->voucher_status_label, voucher_status_label (status));
  gtk_widget_remove_css_class (GTK_WIDGET (self->voucher_status_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->voucher_status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->voucher_status_label),
                            strcmp (status, "unused") == 0 ? "success" : "dim-label");
  /* A used or expired code is not shown to be scanned again. */
  wh_qr_code_set_text (self->qr_code, strcmp (status, "unused") == 0 ?
                                      wh_record_get_text (v, "payload") : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->qr_code), strcmp (status, "unused") == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->qr_code),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->voucher_code_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wh_record_get_text (v, "code"), -1);
}

static void
update_vouchers (WhMealsView *self)
{
  const WhRecord *today;
  GtkWidget *child;
  g_autofree char *day = wh_api_service_day ();
  gint64 pending = 0;

  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  if (self->store && (self->me || self->signed_in))
    {
      g_autoptr(GError) error = NULL;

      self->vouchers = wh_store_list_vouchers (self->store, &error);
      if (error)
        g_warning ("Could not read vouchers: %s", error->message);
      pending = wh_store_get_pending_claim (self->store, day, NULL);
    }

  today = today_voucher (self);
  gtk_widget_set_visible (GTK_WIDGET (self->today_row), today != NULL);
  if (today)
    {
      /* Translators: the merchant's name, then the voucher's state */
      g_autofree char *subtitle = g_strdup_printf (_("%s · %s"),
                                                   wh_record_get_text (today, "merchant_name"),
                                                   voucher_status_label (voucher_status (today)));
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
  if (self->shown_voucher)
    for (guint i = 0; self->vouchers && i < self->vouchers->len; i++)
      {
        WhRecord *v = g_ptr_array_index (self->vouchers, i);

        if (g_strcmp0 (wh_record_get_text (v, "voucher_id"),
                       wh_record_get_text (self->shown_voucher, "voucher_id")) == 0)
          {
            wh_record_free (self->shown_voucher);
            self->shown_voucher = wh_record_copy (v);
            fill_voucher_page (self);
          }
      }
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
  g_clear_pointer (&self->shown_voucher, wh_record_free);
  self->shown_voucher = wh_record_copy (voucher);
  fill_voucher_page (self);
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
  char        *merchant_name;
  char        *day;
  char        *windows;
} Claim;

static void
claim_free (Claim *claim)
{
  g_object_unref (claim->self);
  g_free (claim->merchant_name);
  g_free (claim->day);
  g_free (claim->windows);
  g_free (claim);
}

static void
set_claiming (WhMealsView *self,
              gint64       merchant_id)
{
  self->claiming = merchant_id;
  /* Every Claim button waits: one claim at a time. */
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "claim-button");
      gboolean available = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "available"));

      if (button)
        gtk_widget_set_sensitive (button, merchant_id == 0 && available);
    }
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

static void
claim_finished_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WhMealsView *self = WH_MEALS_VIEW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* The voucher is on screen even so; the server has it too. */
    g_warning ("Could not save the voucher: %s", error->message);
  update_vouchers (self);
}

static void
refresh_merchants (WhMealsView *self);

static void
claim_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Claim *claim = user_data;
  WhMealsView *self = claim->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = wh_api_claim_voucher_finish (WH_API (source), result, &error);
  StoreOp *op;

  set_claiming (self, 0);
  if (voucher != NULL)
    {
      op = g_new0 (StoreOp, 1);
      op->op = OP_FINISH_CLAIM;
      op->merchant_id = claim->merchant_id;
      op->day = g_strdup (claim->day);
      op->record = wh_record_copy (voucher);
      /* Not cancellable: a voucher the server gave is always kept. */
      store_op_run (self, op, NULL, claim_finished_cb, NULL);
      if (self->vouchers == NULL)
        self->vouchers = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
      g_ptr_array_insert (self->vouchers, 0, wh_record_copy (voucher));
      show_voucher (self, voucher);
      refresh_merchants (self);
      claim_free (claim);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      claim_free (claim);
      return;
    }
  if (wh_api_error_is_transient (error))
    {
      /* The key stays: the next tap asks for the same voucher. */
      update_vouchers (self);
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
  op = g_new0 (StoreOp, 1);
  op->op = OP_FINISH_CLAIM;
  op->merchant_id = claim->merchant_id;
  op->day = g_strdup (claim->day);
  store_op_run (self, op, NULL, claim_finished_cb, NULL);

  if (g_error_matches (error, WH_API_ERROR, WH_API_ERROR_QUOTA_EXHAUSTED))
    {
      message (self, _("All Meals Claimed Here Today"),
               _("Today’s love meals at this merchant are all claimed. Try another merchant "
                 "nearby."));
      refresh_merchants (self);
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
claim_key_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Claim *claim = user_data;
  WhMealsView *self = claim->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_task_propagate_pointer (G_TASK (result), &error);

  if (key == NULL)
    {
      set_claiming (self, 0);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message (self, _("Could Not Claim"), error->message);
      claim_free (claim);
      return;
    }
  if (self->api == NULL || !self->signed_in)
    {
      set_claiming (self, 0);
      claim_free (claim);
      return;
    }
  wh_api_claim_voucher_async (self->api, claim->merchant_id, key, self->session_cancellable,
                              claim_cb, claim);
}

static void
start_claim (WhMealsView    *self,
             const WhRecord *merchant)
{
  Claim *claim;
  StoreOp *op;

  if (self->claiming != 0 || self->store == NULL)
    return;
  claim = g_new0 (Claim, 1);
  claim->self = g_object_ref (self);
  claim->merchant_id = merchant->id;
  claim->merchant_name = g_strdup (wh_record_get_text (merchant, "name"));
  claim->day = wh_api_service_day ();
  claim->windows = format_windows (merchant);
  set_claiming (self, merchant->id);

  /* The key is on disk before the request leaves: a crash or a lost answer
   * and the next tap sends the same key. */
  op = g_new0 (StoreOp, 1);
  op->op = OP_BEGIN_CLAIM;
  op->merchant_id = merchant->id;
  op->day = g_strdup (claim->day);
  op->new_key = wh_api_new_idempotency_key ();
  store_op_run (self, op, self->session_cancellable, claim_key_cb, claim);
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
      set_sign_in_status (self, _("Sign in first; then the claim continues."), FALSE);
      return;
    }
  if (self->me && !wh_record_get_bool (self->me, "eligible"))
    {
      message (self, _("Not Eligible Yet"),
               _("Love meals are for union members who are verified new-form workers. Join the "
                 "union or ask for verification at a union station, then sign in again."));
      return;
    }
  if (today && strcmp (voucher_status (today), "unused") == 0)
    {
      show_voucher (self, today);
      toast (self, _("You have already claimed today’s love meal."));
      return;
    }

  windows = format_windows (merchant);
  /* Translators: %s lists serving times, "11:00–13:30, 17:00–19:30" */
  body = g_strdup_printf (_("One free meal a day. Show the code at the counter; it is served "
                            "at %s today."), windows);
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
claim_clicked_cb (GtkButton   *button,
                  WhMealsView *self)
{
  const WhRecord *merchant = g_object_get_data (G_OBJECT (button), "merchant");

  if (merchant)
    offer_claim (self, merchant);
}

/* ---- Merchants ---------------------------------------------------------- */

static GtkWidget *
merchant_row_new (WhMealsView    *self,
                  const Merchant *m)
{
  const WhRecord *r = m->record;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *name = gtk_label_new (wh_record_get_text (r, "name"));
  GtkWidget *where;
  GtkWidget *when;
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *left;
  /* No mnemonic: one per row would repeat; the accessible name says which. */
  GtkWidget *button = gtk_button_new_with_label (_("Claim"));
  gint64 remaining = merchant_remaining (r);
  gint64 quota = wh_record_get_int (r, "daily_quota");
  gboolean serving = merchant_serving_now (r);
  g_autofree char *windows = format_windows (r);
  g_autofree char *distance = m->distance_m >= 0 ? wh_format_distance (m->distance_m) : NULL;
  g_autofree char *where_text = NULL;
  g_autofree char *when_text = NULL;
  g_autofree char *left_text = NULL;
  g_autofree char *a11y = NULL;

  if (distance)
    /* Translators: a distance, then an address: "350 m · 大兴区黄村镇..." */
    where_text = g_strdup_printf (_("%s · %s"), distance, text_or_empty (r, "address"));
  else
    where_text = g_strdup (text_or_empty (r, "address"));
  when_text = serving ?
    /* Translators: %s lists serving times */
    g_strdup_printf (_("Serving now · %s"), windows) :
    /* Translators: %s lists serving times */
    g_strdup_printf (_("Not serving now · serves %s"), windows);
  if (remaining > 0)
    /* Translators: meals left today of the daily quota */
    left_text = g_strdup_printf (ngettext ("%d of %d meal left today",
                                           "%d of %d meals left today",
                                           (unsigned long) MIN (remaining, 100000)),
                                 (int) MIN (remaining, 100000), (int) MIN (quota, 100000));
  else
    left_text = g_strdup (_("All claimed today"));

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_widget_add_css_class (name, "heading");
  where = gtk_label_new (where_text);
  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_label_set_wrap (GTK_LABEL (where), TRUE);
  gtk_widget_add_css_class (where, "dim-label");
  when = gtk_label_new (when_text);
  gtk_label_set_xalign (GTK_LABEL (when), 0);
  gtk_label_set_wrap (GTK_LABEL (when), TRUE);
  gtk_widget_add_css_class (when, serving ? "success" : "dim-label");
  left = gtk_label_new (left_text);
  gtk_label_set_xalign (GTK_LABEL (left), 0);
  gtk_label_set_wrap (GTK_LABEL (left), TRUE);
  gtk_widget_set_hexpand (left, TRUE);
  if (remaining <= 0)
    gtk_widget_add_css_class (left, "warning");

  /* Touch-sized: the kiosk's finger needs 48 px. */
  gtk_widget_set_size_request (button, 96, 44);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  /* Translators: accessible name of a Claim button; %s is a merchant */
  a11y = g_strdup_printf (_("Claim a meal at %s"), wh_record_get_text (r, "name"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  g_object_set_data_full (G_OBJECT (button), "merchant", wh_record_copy (r),
                          (GDestroyNotify) wh_record_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (claim_clicked_cb), self, 0);
  gtk_widget_set_sensitive (button, remaining > 0 && self->claiming == 0);

  gtk_box_append (GTK_BOX (bottom), left);
  gtk_box_append (GTK_BOX (bottom), button);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), where);
  gtk_box_append (GTK_BOX (box), when);
  gtk_box_append (GTK_BOX (box), bottom);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (row), "claim-button", button);
  g_object_set_data (G_OBJECT (row), "available", GINT_TO_POINTER (remaining > 0));
  return row;
}

static void
update_map (WhMealsView *self,
            gboolean     has_location,
            double       lat,
            double       lon)
{
  ShumateViewport *viewport;
  double box[4] = { lat, lon, lat, lon }; /* south, west, north, east */
  double zoom;
  guint n = 0;

  if (self->merchants == NULL || self->merchants->len == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->map_frame), FALSE);
      return;
    }
  if (self->map == NULL)
    {
      g_autoptr(ShumateMapSourceRegistry) registry =
        shumate_map_source_registry_new_with_defaults ();
      ShumateMapSource *source =
        shumate_map_source_registry_get_by_id (registry, SHUMATE_MAP_SOURCE_OSM_MAPNIK);

      self->map = shumate_simple_map_new ();
      if (source)
        shumate_simple_map_set_map_source (self->map, source);
      /* Unnamed buttons to a screen reader; scrolling and pinching zoom. */
      shumate_simple_map_set_show_zoom_buttons (self->map, FALSE);
      /* A map this small has no room for the scale beside the licence. */
      gtk_widget_set_visible (GTK_WIDGET (shumate_simple_map_get_scale (self->map)), FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->map), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Map of love-meal merchants"), -1);
      viewport = shumate_simple_map_get_viewport (self->map);
      self->marker_layer = shumate_marker_layer_new (viewport);
      shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->marker_layer));
      gtk_frame_set_child (self->map_frame, GTK_WIDGET (self->map));
    }
  viewport = shumate_simple_map_get_viewport (self->map);
  shumate_marker_layer_remove_all (self->marker_layer);
  for (guint i = 0; i < self->merchants->len && n < MAX_MARKERS; i++, n++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);
      ShumateMarker *marker = shumate_marker_new ();
      GtkWidget *image = gtk_image_new_from_icon_name ("mark-location-symbolic");
      /* Translators: a map marker's number and merchant, "3. 黄焖鸡米饭" */
      g_autofree char *tip = g_strdup_printf (_("%u. %s"), i + 1,
                                              wh_record_get_text (m->record, "name"));

      gtk_image_set_pixel_size (GTK_IMAGE (image), 24);
      gtk_widget_add_css_class (image, "accent");
      gtk_widget_set_tooltip_text (image, tip);
      shumate_marker_set_child (marker, image);
      shumate_location_set_location (SHUMATE_LOCATION (marker),
                                     wh_record_get_real (m->record, "lat"),
                                     wh_record_get_real (m->record, "lon"));
      shumate_marker_layer_add_marker (self->marker_layer, marker);
    }
  if (has_location)
    {
      ShumateMarker *here = shumate_marker_new ();
      GtkWidget *image = gtk_image_new_from_icon_name ("find-location-symbolic");

      gtk_image_set_pixel_size (GTK_IMAGE (image), 24);
      gtk_widget_set_tooltip_text (image, _("You are here"));
      shumate_marker_set_child (here, image);
      shumate_location_set_location (SHUMATE_LOCATION (here), lat, lon);
      shumate_marker_layer_add_marker (self->marker_layer, here);
    }
  /* Every marker in view: the worker and the merchants shown, not a street
   * around the first one with the rest off the edge. */
  for (guint i = 0; i < n; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);
      double mlat = wh_record_get_real (m->record, "lat");
      double mlon = wh_record_get_real (m->record, "lon");
      gboolean first = i == 0 && !has_location;

      box[0] = first ? mlat : MIN (box[0], mlat);
      box[1] = first ? mlon : MIN (box[1], mlon);
      box[2] = first ? mlat : MAX (box[2], mlat);
      box[3] = first ? mlon : MAX (box[3], mlon);
    }
  wh_map_fit (box[0], box[1], box[2], box[3],
              MAX (gtk_widget_get_width (GTK_WIDGET (self->map_frame)), MAP_MIN_WIDTH),
              MAX (gtk_widget_get_height (GTK_WIDGET (self->map_frame)), MAP_MIN_HEIGHT),
              MAP_MIN_ZOOM, MAP_MAX_ZOOM, &lat, &lon, &zoom);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), lat, lon);
  shumate_viewport_set_zoom_level (viewport, zoom);
  gtk_widget_set_visible (GTK_WIDGET (self->map_frame), TRUE);
}

typedef struct
{
  gboolean  has_location;
  double    lat;
  double    lon;
  char     *search;
  gint64    total;     /* merchants in the cache */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->search);
  g_free (data);
}

static gboolean
merchant_claimable_now (const Merchant *m)
{
  return merchant_serving_now (m->record) && merchant_remaining (m->record) > 0;
}

static int
compare_claimable_first (gconstpointer a,
                         gconstpointer b)
{
  const Merchant *x = *(const Merchant * const *) a, *y = *(const Merchant * const *) b;

  return (int) merchant_claimable_now (y) - (int) merchant_claimable_now (x);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  WhStore *store = g_object_get_data (G_OBJECT (task), "store");
  LoadData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) merchant_free);

  data->total = wh_store_count (store, &wh_collection_merchants, &error);
  if (data->total < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (data->has_location && (data->search == NULL || *data->search == '\0'))
    {
      g_autoptr(GPtrArray) near = wh_store_query_nearest (store, &wh_collection_merchants,
                                                          data->lat, data->lon, MAX_MERCHANTS,
                                                          &error);
      if (near == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (guint i = 0; i < near->len; i++)
        {
          WhNearby *n = g_ptr_array_index (near, i);
          Merchant *m = g_new0 (Merchant, 1);

          m->record = g_steal_pointer (&n->record);
          m->distance_m = n->distance_m;
          g_ptr_array_add (out, m);
        }
    }
  else
    {
      g_autoptr(WhQuery) query = wh_query_new (&wh_collection_merchants);
      g_autoptr(GPtrArray) rows = NULL;

      if (data->search && *data->search)
        wh_query_set_match (query, data->search);
      wh_query_set_order (query, "name", FALSE);
      rows = wh_store_query (store, query, 0, MAX_MERCHANTS, &error);
      if (rows == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (guint i = 0; i < rows->len; i++)
        {
          Merchant *m = g_new0 (Merchant, 1);

          m->record = wh_record_copy (g_ptr_array_index (rows, i));
          m->distance_m = data->has_location ?
            wh_geo_distance_m (data->lat, data->lon, wh_record_get_real (m->record, "lat"),
                               wh_record_get_real (m->record, "lon")) : -1;
          g_ptr_array_add (out, m);
        }
    }
  /* A meal can be had now first: a rider at three in the afternoon wants
   * the nearest merchant still serving, not the nearest one. The sort is
   * stable, so each group keeps its order by distance or name. */
  g_ptr_array_sort (out, compare_claimable_first);
  g_task_return_pointer (task, g_steal_pointer (&out), (GDestroyNotify) g_ptr_array_unref);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WhMealsView *self = WH_MEALS_VIEW (source);
  LoadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) merchants = g_task_propagate_pointer (G_TASK (result), &error);
  GtkWidget *child;

  if (merchants == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_label_set_text (self->merchants_empty_label, error->message);
          gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), TRUE);
        }
      return;
    }
  g_clear_pointer (&self->merchants, g_ptr_array_unref);
  self->merchants = g_steal_pointer (&merchants);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list))))
    gtk_list_box_remove (self->merchants_list, child);
  for (guint i = 0; i < self->merchants->len; i++)
    gtk_list_box_append (self->merchants_list,
                         merchant_row_new (self, g_ptr_array_index (self->merchants, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->merchants_list), self->merchants->len > 0);

  if (self->merchants->len == 0)
    {
      gtk_label_set_text (self->merchants_empty_label,
                          data->total == 0 ?
                          _("No merchants downloaded yet. Connect to the network: the list "
                            "downloads by itself.") :
                          _("No merchant matches. Try another name or street."));
      gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), FALSE);

  if (wh_context_get_kiosk (self->context))
    /* A kiosk has no preferences, and its place is its station's. */
    gtk_label_set_text (self->location_label,
                        data->has_location
                        ? _("Merchants serving now first, then the nearest to this station.")
                        : _("Merchants serving now first, then by name: this kiosk does not "
                            "know its station yet. Please tell the station staff."));
  else if (data->has_location)
    gtk_label_set_text (self->location_label, _("Merchants serving now first, then the nearest, from your location."));
  else
    gtk_label_set_text (self->location_label,
                        _("Your location is not known: merchants serving now come first, then by "
                          "name. Set your place in Preferences to see the nearest first."));
  update_map (self, data->has_location, data->lat, data->lon);
}

static void
load_merchants (WhMealsView *self)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  if (self->store == NULL)
    return;
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  data = g_new0 (LoadData, 1);
  data->has_location = wh_context_get_location (self->context, &data->lat, &data->lon);
  data->search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  task = g_task_new (self, self->load_cancellable, load_cb, NULL);
  g_task_set_source_tag (task, load_merchants);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_object_set_data_full (G_OBJECT (task), "store", g_object_ref (self->store), g_object_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_thread);
}

static void
search_changed_cb (WhMealsView *self)
{
  load_merchants (self);
}

static void
merchant_sync_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhMealsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  if (!wh_sync_run_finish (WH_SYNC (source), result, &report, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Merchants not refreshed: %s", error->message);
      return;
    }
  load_merchants (self);
}

/* Today's quotas change by the minute: the merchants are fetched again
 * when the view opens and after each claim, through the sync engine (the
 * merchants feed only), so the cache stays consistent. */
static void
refresh_merchants (WhMealsView *self)
{
  static const WhCollection *merchants[] = { &wh_collection_merchants };

  if (self->api == NULL || self->store == NULL)
    return;
  if (self->merchant_sync == NULL || wh_sync_get_api (self->merchant_sync) != self->api ||
      wh_sync_get_store (self->merchant_sync) != self->store)
    {
      g_clear_object (&self->merchant_sync);
      self->merchant_sync = wh_sync_new (self->api, self->store);
    }
  if (wh_sync_get_running (self->merchant_sync))
    return;
  wh_sync_run_async (self->merchant_sync, merchants, G_N_ELEMENTS (merchants), self->cancellable,
                     merchant_sync_cb, g_object_ref (self));
}

static void
map_cb (WhMealsView *self)
{
  if (!self->refreshed_merchants && self->api && self->store)
    {
      self->refreshed_merchants = TRUE;
      refresh_merchants (self);
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
  restore_session (self);
  load_merchants (self);
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
  self->signed_in = FALSE;
  self->refreshed_merchants = FALSE;
  restore_session (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    map_cb (self);
}

static void
wh_meals_view_set_context (WhServicePage *page,
                           WhContext     *context)
{
  WhMealsView *self = WH_MEALS_VIEW (page);

  g_set_object (&self->context, context);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::api", G_CALLBACK (api_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::location", G_CALLBACK (load_merchants), self,
                           G_CONNECT_SWAPPED);
  self->api = wh_context_get_api (context) ? g_object_ref (wh_context_get_api (context)) : NULL;
  store_changed_cb (self);
  if (self->store == NULL)
    restore_session (self);
}

static void
wh_meals_view_focus_search (WhServicePage *page)
{
  WhMealsView *self = WH_MEALS_VIEW (page);

  go_to (self, "home");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
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
  gtk_editable_set_text (GTK_EDITABLE (self->phone_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  set_sign_in_status (self, NULL, FALSE);
  self->claim_after_sign_in = 0;
  g_ptr_array_set_size (self->history, 0);
  gtk_stack_set_visible_child_name (self->stack, "home");
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_stack_get_child_by_name (self->stack, "home"))), 0);
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

static void
wh_meals_view_dispose (GObject *object)
{
  WhMealsView *self = WH_MEALS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->session_cancellable);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->resend_source, g_source_remove);
  g_clear_handle_id (&self->status_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_MEALS_VIEW);
  g_clear_object (&self->merchant_sync);
  g_clear_object (&self->context);
  g_clear_object (&self->store);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (wh_meals_view_parent_class)->dispose (object);
}

static void
wh_meals_view_finalize (GObject *object)
{
  WhMealsView *self = WH_MEALS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->session_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->me, wh_record_free);
  g_clear_pointer (&self->vouchers, g_ptr_array_unref);
  g_clear_pointer (&self->merchants, g_ptr_array_unref);
  g_clear_pointer (&self->shown_voucher, wh_record_free);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  G_OBJECT_CLASS (wh_meals_view_parent_class)->finalize (object);
}

static void
wh_meals_view_class_init (WhMealsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_meals_view_dispose;
  object_class->finalize = wh_meals_view_finalize;

  g_type_ensure (WH_TYPE_QR_CODE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/meals/wh-meals-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, account_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, code_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, eligibility_icon);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, eligibility_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_empty_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, history_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, location_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, map_frame);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, merchants_empty_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, merchants_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, pending_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, phone_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, qr_code);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, send_code_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_status);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_in_submit);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, stack);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, today_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, today_row);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_address_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_code_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_merchant_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_status_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsView, voucher_valid_label);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, history_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, history_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, send_code_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_out_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, today_row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_meals_view_init (WhMealsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->session_cancellable = g_cancellable_new ();
  self->history = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
}
