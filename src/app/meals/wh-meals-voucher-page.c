/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-voucher-page.c: one voucher at the counter (wh-meals-voucher-page.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-api.h"
#include "wh-meals-format.h"
#include "wh-qr-code.h"
#include "wh-read-aloud-controls.h"
#include "wh-voucher-slip.h"
#include "wh-meals-voucher-page.h"

struct _WhMealsVoucherPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton *print_button;
  GtkButton *sms_button;
  GtkBox   *take_box;
  WhQrCode *qr_code;
  GtkLabel *voucher_address_label;
  GtkLabel *voucher_code_label;
  GtkLabel *voucher_hint_label;
  GtkLabel *voucher_merchant_label;
  GtkLabel *voucher_status_label;
  GtkLabel *voucher_valid_label;

  /* Owned references */
  WhRecord     *voucher;
  WhContext    *context;
  GCancellable *cancellable; /* a text message or a slip under way */
  GtkPrintOperation *printing; /* a slip under way, held until "done" */
};

G_DEFINE_FINAL_TYPE (WhMealsVoucherPage, wh_meals_voucher_page, GTK_TYPE_WIDGET)

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_kiosk (WhMealsVoucherPage *self)
{
  return self->context && wh_context_get_kiosk (self->context);
}

static void
message (WhMealsVoucherPage *self,
         const char         *text)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

/* ---- Taking the voucher away from a kiosk -------------------------------- */

/* A kiosk's slip, sent to the station's printer. */
static void
slip_printed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WhMealsVoucherPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!wh_voucher_slip_print_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("Printing a voucher slip failed: %s", error->message);
      {
        /* Translators: %s says why, already translated */
        g_autofree char *text = g_strdup_printf (_("%s Have the code texted to your phone "
                                                   "instead, or show this screen at the counter."),
                                                 error->message);

        message (self, text);
      }
    }
  else
    message (self, _("The slip is printing. Take it to the counter."));
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), TRUE);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               WhMealsVoucherPage      *self)
{
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      g_message ("Printing a voucher slip failed: %s", error ? error->message : "?");
      message (self, _("The slip could not be printed."));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), TRUE);
  g_clear_object (&self->printing);
}

static void
print_clicked_cb (WhMealsVoucherPage *self)
{
  GtkPrintOperation *operation;
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkPrintOperationResult result;

  if (self->voucher == NULL || self->printing != NULL ||
      !gtk_widget_get_sensitive (GTK_WIDGET (self->print_button)))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), FALSE);
  /* A kiosk prints on the station's printer with no dialog: a passer-by
   * must not reach printer settings or files. */
  if (is_kiosk (self))
    {
      wh_voucher_slip_print_async (self->voucher, self->cancellable, slip_printed_cb,
                                   g_object_ref (self));
      return;
    }
  /* Held until "done": an asynchronous run outlives this call. */
  operation = self->printing = wh_voucher_slip_new (self->voucher);
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (print_done_cb), self, 0);
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, &error);
  /* Finished at once (an error, or a synchronous backend): "done" has run. */
  if (result != GTK_PRINT_OPERATION_RESULT_IN_PROGRESS)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), TRUE);
      g_clear_object (&self->printing);
    }
}

static void
sms_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WhMealsVoucherPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sent_to = wh_api_send_voucher_code_finish (WH_API (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sms_button), TRUE);
  if (sent_to != NULL)
    {
      /* Translators: %s is a masked phone number, 138****8000 */
      g_autofree char *text = g_strdup_printf (_("The code was texted to %s."), sent_to);

      message (self, text);
      return;
    }
  if (wh_api_error_get_status (error) == 429)
    message (self, _("The code was texted to your phone enough times today."));
  else
    {
      /* Translators: %s says why, already translated */
      g_autofree char *text = g_strdup_printf (_("The code could not be texted: %s"),
                                               error->message);

      message (self, text);
    }
}

static void
sms_clicked_cb (WhMealsVoucherPage *self)
{
  WhApi *api = self->context ? wh_context_get_api (self->context) : NULL;

  if (self->voucher == NULL)
    return;
  if (api == NULL)
    {
      message (self, _("Texting the code needs the union server."));
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->sms_button), FALSE);
  wh_api_send_voucher_code_async (api, wh_record_get_text (self->voucher, "voucher_id"),
                                  self->cancellable, sms_done_cb, g_object_ref (self));
}

/* ---- The voucher --------------------------------------------------------- */

static void
fill_voucher_page (WhMealsVoucherPage *self)
{
  const WhRecord *v = self->voucher;
  const char *status;
  g_autofree char *grouped = NULL;
  g_autofree char *until = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *a11y = NULL;

  if (v == NULL)
    return;
  status = wh_meals_voucher_status (v);
  grouped = wh_meals_group_digits (wh_record_get_text (v, "code"));
  until = wh_meals_format_time (wh_record_get_text (v, "valid_until"));
  if (strcmp (status, "redeemed") == 0 && wh_record_is_set (v, "redeemed_at"))
    {
      g_autofree char *when = wh_meals_format_time (wh_record_get_text (v, "redeemed_at"));

      /* Translators: when and where a voucher was used: a date and time, then
       * a merchant's name, "2026-11-20 12:05 at 黄焖鸡米饭" */
      valid = g_strdup_printf (_("Used on %s at %s"), when,
                               wh_record_get_text (v, "merchant_name"));
    }
  else if (strcmp (status, "redeemed") == 0)
    /* Translators: %s is a merchant's name */
    valid = g_strdup_printf (_("Used at %s"), wh_record_get_text (v, "merchant_name"));
  else if (strcmp (status, "expired") == 0)
    /* Translators: %s is a date and time */
    valid = g_strdup_printf (_("Expired at %s"), until);
  else
    /* Translators: %s is a date and time */
    valid = g_strdup_printf (_("Valid until %s"), until);
  /* Translators: the accessible name of the QR code; %s is its 12-digit code */
  a11y = g_strdup_printf (_("Voucher QR code, code %s"), wh_record_get_text (v, "code"));

  gtk_label_set_text (self->voucher_merchant_label, wh_record_get_text (v, "merchant_name"));
  gtk_label_set_text (self->voucher_address_label, wh_meals_text_or_empty (v, "merchant_address"));
  gtk_label_set_text (self->voucher_code_label, grouped);
  gtk_label_set_text (self->voucher_valid_label, valid);
  /* Only a voucher that can still be used is shown at a counter. */
  if (strcmp (status, "redeemed") == 0)
    gtk_label_set_text (self->voucher_hint_label,
                        _("This voucher has been used: it cannot be used again. You can claim "
                          "one meal a day."));
  else if (strcmp (status, "expired") == 0)
    gtk_label_set_text (self->voucher_hint_label,
                        _("This voucher was not used on its day and can no longer be used. "
                          "Claim a new one at a merchant serving now."));
  else if (is_kiosk (self))
    gtk_label_set_text (self->voucher_hint_label,
                        _("Take the voucher with you: print a slip, or have the code texted to "
                          "your phone. Show either at the counter. This screen is cleared when "
                          "you leave."));
  else
    gtk_label_set_text (self->voucher_hint_label,
                        _("Show this screen at the counter. It works without a network."));
  /* A used or expired voucher goes nowhere. The desktop prints through
   * the print dialog; texting is for a kiosk, which forgets the worker. */
  gtk_widget_set_visible (GTK_WIDGET (self->take_box), strcmp (status, "unused") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->sms_button), is_kiosk (self));
  gtk_button_set_label (self->print_button, is_kiosk (self) ? _("Print a Slip") : _("Print…"));
  gtk_label_set_text (self->voucher_status_label, wh_meals_voucher_status_label (status));
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

void
wh_meals_voucher_page_set_voucher (WhMealsVoucherPage *self,
                                   const WhRecord     *voucher)
{
  g_return_if_fail (WH_IS_MEALS_VOUCHER_PAGE (self));

  if (voucher != NULL)
    {
      /* A copy first: voucher may be the one shown. */
      WhRecord *copy = wh_record_copy (voucher);

      g_clear_pointer (&self->voucher, wh_record_free);
      self->voucher = copy;
      fill_voucher_page (self);
      return;
    }
  g_clear_pointer (&self->voucher, wh_record_free);
  /* What was under way for the worker who left ends with them. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (GTK_WIDGET (self->sms_button), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->print_button), TRUE);
  wh_qr_code_set_text (self->qr_code, NULL);
  gtk_label_set_text (self->voucher_code_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->take_box), FALSE);
}

void
wh_meals_voucher_page_set_context (WhMealsVoucherPage *self,
                                   WhContext          *context)
{
  g_return_if_fail (WH_IS_MEALS_VOUCHER_PAGE (self));
  g_return_if_fail (context == NULL || WH_IS_CONTEXT (context));

  g_set_object (&self->context, context);
  fill_voucher_page (self);
}

const WhRecord *
wh_meals_voucher_page_get_voucher (WhMealsVoucherPage *self)
{
  g_return_val_if_fail (WH_IS_MEALS_VOUCHER_PAGE (self), NULL);
  return self->voucher;
}

static void
wh_meals_voucher_page_dispose (GObject *object)
{
  WhMealsVoucherPage *self = WH_MEALS_VOUCHER_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  if (self->printing)
    g_signal_handlers_disconnect_by_data (self->printing, self);
  g_clear_object (&self->printing);
  gtk_widget_dispose_template (GTK_WIDGET (object), WH_TYPE_MEALS_VOUCHER_PAGE);
  /* The template's top widget has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (wh_meals_voucher_page_parent_class)->dispose (object);
}

static void
wh_meals_voucher_page_finalize (GObject *object)
{
  WhMealsVoucherPage *self = WH_MEALS_VOUCHER_PAGE (object);

  g_clear_pointer (&self->voucher, wh_record_free);
  G_OBJECT_CLASS (wh_meals_voucher_page_parent_class)->finalize (object);
}

static void
wh_meals_voucher_page_class_init (WhMealsVoucherPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_meals_voucher_page_dispose;
  object_class->finalize = wh_meals_voucher_page_finalize;

  g_type_ensure (WH_TYPE_QR_CODE);
  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/workershome/WorkersHome/meals/wh-meals-voucher-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, print_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, sms_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, take_box);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, qr_code);
  gtk_widget_class_bind_template_callback (widget_class, print_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sms_clicked_cb);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_address_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_code_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_hint_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_merchant_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_status_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_valid_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_meals_voucher_page_init (WhMealsVoucherPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
