/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-format.c: the love-meal pages' wording (wh-meals-format.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-api.h"
#include "wh-vouchers.h"
#include "wh-meals-format.h"

/* "138****8000": enough for a worker to recognise their number, not enough
 * for a passer-by to note it down. */
char *
wh_meals_mask_phone (const char *phone)
{
  gsize len = phone ? strlen (phone) : 0;

  if (len < 7)
    return g_strdup (phone ? phone : "");
  return g_strdup_printf ("%.3s****%s", phone, phone + len - 4);
}

/* "11:00–13:30, 17:00–19:30" */
char *
wh_meals_format_windows (const WhRecord *merchant)
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

const char *
wh_meals_text_or_empty (const WhRecord *record,
                        const char     *field)
{
  return wh_record_is_set (record, field) ? wh_record_get_text (record, field) : "";
}

/* unused, redeemed or expired, as the worker should see it now: an unused
 * voucher of a day that is over is expired even before the server says so. */
const char *
wh_meals_voucher_status (const WhRecord *voucher)
{
  g_autofree char *today = wh_api_service_day ();

  return wh_voucher_get_status (voucher, today);
}

const char *
wh_meals_voucher_status_label (const char *status)
{
  if (g_strcmp0 (status, "redeemed") == 0)
    return _("Used");
  if (g_strcmp0 (status, "expired") == 0)
    return _("Expired");
  return _("Ready to use");
}
