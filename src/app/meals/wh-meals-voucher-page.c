/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-voucher-page.c: one voucher at the counter (wh-meals-voucher-page.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-meals-format.h"
#include "wh-qr-code.h"
#include "wh-meals-voucher-page.h"

struct _WhMealsVoucherPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  WhQrCode *qr_code;
  GtkLabel *voucher_address_label;
  GtkLabel *voucher_code_label;
  GtkLabel *voucher_merchant_label;
  GtkLabel *voucher_status_label;
  GtkLabel *voucher_valid_label;

  /* Owned references */
  WhRecord *voucher;
};

G_DEFINE_FINAL_TYPE (WhMealsVoucherPage, wh_meals_voucher_page, GTK_TYPE_WIDGET)

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
  grouped = group_digits (wh_record_get_text (v, "code"));
  until = format_time (wh_record_get_text (v, "valid_until"));
  /* Translators: %s is a date and time */
  valid = g_strdup_printf (_("Valid until %s"), until);
  /* Translators: the accessible name of the QR code; %s is its 12-digit code */
  a11y = g_strdup_printf (_("Voucher QR code, code %s"), wh_record_get_text (v, "code"));

  gtk_label_set_text (self->voucher_merchant_label, wh_record_get_text (v, "merchant_name"));
  gtk_label_set_text (self->voucher_address_label, wh_meals_text_or_empty (v, "merchant_address"));
  gtk_label_set_text (self->voucher_code_label, grouped);
  gtk_label_set_text (self->voucher_valid_label, valid);
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
  wh_qr_code_set_text (self->qr_code, NULL);
  gtk_label_set_text (self->voucher_code_label, "");
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
  GtkWidget *child;

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
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/workershome/WorkersHome/meals/wh-meals-voucher-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, qr_code);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_address_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_code_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_merchant_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_status_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsVoucherPage, voucher_valid_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_meals_voucher_page_init (WhMealsVoucherPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
