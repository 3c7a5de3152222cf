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

gboolean
wh_meals_serves_all_day (const WhRecord *merchant)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  int covered = 0;
  gboolean grew = TRUE;

  /* Windows may touch ("00:00-12:00", "12:00-24:00"): extend the covered
   * start of the day while one begins inside it. Four windows at most. */
  while (grew && covered < 24 * 60)
    {
      grew = FALSE;
      for (guint i = 0; windows && windows[i]; i++)
        {
          int start, end;

          if (wh_window_parse (windows[i], &start, &end) && start <= covered && end > covered)
            {
              covered = end;
              grew = TRUE;
            }
        }
    }
  return covered >= 24 * 60;
}

int
wh_meals_next_window (const WhRecord *merchant,
                      int             minute)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  int next = -1;

  for (guint i = 0; windows && windows[i]; i++)
    {
      int start, end;

      if (wh_window_parse (windows[i], &start, &end) && start > minute &&
          (next < 0 || start < next))
        next = start;
    }
  return next;
}

/* "11:00–13:30, 17:00–19:30", or "All day" */
char *
wh_meals_format_windows (const WhRecord *merchant)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");
  GString *text = g_string_new (NULL);

  if (wh_meals_serves_all_day (merchant))
    {
      g_string_append (text, _("All day"));
      return g_string_free (text, FALSE);
    }
  for (guint i = 0; windows && windows[i]; i++)
    {
      g_autofree char *pretty = g_strdelimit (g_strdup (windows[i]), "-", ' ');
      char *space = strchr (pretty, ' ');

      if (text->len > 0)
        /* Translators: the separator between serving windows */
        g_string_append (text, _(", "));
      if (space)
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

/* The 12 digits in groups of four, easier to read out at a counter. */
char *
wh_meals_group_digits (const char *code)
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

/* "2026-11-20T23:59:59+08:00" → "2026-11-20 23:59", in China Standard
 * Time: the server's day, whatever zone this machine is set to or the time
 * was written in (a redemption may come in UTC). */
char *
wh_meals_format_time (const char *iso)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) dt = iso ? g_date_time_new_from_iso8601 (iso, cst) : NULL;
  g_autoptr(GDateTime) local = dt ? g_date_time_to_timezone (dt, cst) : NULL;

  if (local == NULL)
    return g_strdup (iso ? iso : "");
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}
