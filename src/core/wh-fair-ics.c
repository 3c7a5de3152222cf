/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-fair-ics"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <libical/ical.h>

#include "wh-fair-ics.h"

/* Fairs are in China: their times are Beijing time whatever the desktop's zone. */
#define FAIR_TZID "Asia/Shanghai"

static gboolean
parse_date (const char *text,
            int        *y,
            int        *m,
            int        *d)
{
  char tail;

  return text != NULL && sscanf (text, "%4d-%2d-%2d%c", y, m, d, &tail) == 3 &&
         g_date_valid_dmy (*d, *m, *y);
}

static gboolean
parse_time (const char *text,
            int        *h,
            int        *min)
{
  char tail;

  return text != NULL && sscanf (text, "%2d:%2d%c", h, min, &tail) == 2 && *h >= 0 && *h < 24 &&
         *min >= 0 && *min < 60;
}

static const char *
text_of (const WhRecord *fair,
         const char     *field)
{
  return wh_record_is_set (fair, field) ? wh_record_get_text (fair, field) : NULL;
}

/* Adds DTSTART or DTEND at a local time in the fair's zone. */
static void
add_local_time (icalcomponent *event,
                icalproperty  *(*new_prop) (struct icaltimetype),
                struct icaltimetype t,
                icaltimezone  *zone)
{
  icalproperty *prop;

  if (zone)
    t = icaltime_set_timezone (&t, zone);
  prop = new_prop (t);
  if (zone && icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER) == NULL)
    icalproperty_add_parameter (prop, icalparameter_new_tzid (FAIR_TZID));
  icalcomponent_add_property (event, prop);
}

char *
wh_fair_to_ics (const WhRecord     *fair,
                const char * const *employer_names,
                GError            **error)
{
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *uid = NULL;
  g_autofree char *location = NULL;
  icalcomponent *calendar, *event;
  icaltimezone *zone;
  struct icaltimetype start = icaltime_null_time ();
  int y, m, d, h1, m1, h2, m2;
  gboolean timed;
  char *text;
  char *result;

  g_return_val_if_fail (fair != NULL, NULL);
  g_return_val_if_fail (fair->collection == &wh_collection_fairs, NULL);

  if (!parse_date (text_of (fair, "date"), &y, &m, &d))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The fair’s date cannot be read."));
      return NULL;
    }
  timed = parse_time (text_of (fair, "start_time"), &h1, &m1);
  if (timed && !parse_time (text_of (fair, "end_time"), &h2, &m2))
    {
      /* No end given: a fair takes the morning at least. */
      h2 = MIN (h1 + 3, 23);
      m2 = m1;
    }

  calendar = icalcomponent_vanew (ICAL_VCALENDAR_COMPONENT,
                                  icalproperty_new_version ("2.0"),
                                  icalproperty_new_prodid ("-//Workers' Home//Job fairs//ZH"),
                                  (void *) 0);
  zone = timed ? icaltimezone_get_builtin_timezone (FAIR_TZID) : NULL;
  if (zone)
    {
      icalcomponent *vtimezone = icalcomponent_new_clone (icaltimezone_get_component (zone));
      icalproperty *tzid = icalcomponent_get_first_property (vtimezone, ICAL_TZID_PROPERTY);

      /* libical names its built-in zones "/freeassociation.sourceforge.net/
       * Asia/Shanghai": the VTIMEZONE must carry the TZID the times name,
       * or strict clients read them as floating time. */
      if (tzid)
        icalproperty_set_tzid (tzid, FAIR_TZID);
      else
        icalcomponent_add_property (vtimezone, icalproperty_new_tzid (FAIR_TZID));
      icalcomponent_add_component (calendar, vtimezone);
    }

  event = icalcomponent_new_vevent ();
  uid = g_strdup_printf ("fair-%" G_GINT64_FORMAT "@workershome.org", fair->id);
  icalcomponent_add_property (event, icalproperty_new_uid (uid));
  icalcomponent_add_property (event,
                              icalproperty_new_dtstamp (icaltime_current_time_with_zone (
                                icaltimezone_get_utc_timezone ())));
  icalcomponent_add_property (event, icalproperty_new_summary (wh_record_get_text (fair, "title")));

  start.year = y;
  start.month = m;
  start.day = d;
  if (timed)
    {
      struct icaltimetype end = start;

      start.hour = h1;
      start.minute = m1;
      end.hour = h2;
      end.minute = m2;
      add_local_time (event, icalproperty_new_dtstart, start, zone);
      add_local_time (event, icalproperty_new_dtend, end, zone);
    }
  else
    {
      struct icaltimetype end;

      start.is_date = 1;
      end = start;
      icaltime_adjust (&end, 1, 0, 0, 0);
      icalcomponent_add_property (event, icalproperty_new_dtstart (start));
      icalcomponent_add_property (event, icalproperty_new_dtend (end));
    }

  location = g_strjoin (" ", text_of (fair, "venue") ? text_of (fair, "venue") : "",
                        text_of (fair, "address") ? text_of (fair, "address") : "", NULL);
  g_strstrip (location);
  if (*location)
    icalcomponent_add_property (event, icalproperty_new_location (location));

  if (text_of (fair, "description"))
    g_string_append (description, text_of (fair, "description"));
  if (employer_names && employer_names[0])
    {
      g_autofree char *names = g_strjoinv (_(", "), (char **) employer_names);

      if (description->len)
        g_string_append (description, "\n\n");
      /* Translators: in a calendar event of a job fair; %s lists employers */
      g_string_append_printf (description, _("Employers: %s"), names);
    }
  if (description->len)
    icalcomponent_add_property (event, icalproperty_new_description (description->str));
  icalcomponent_add_component (calendar, event);

  text = icalcomponent_as_ical_string_r (calendar);
  result = g_strdup (text);
  icalmemory_free_buffer (text);
  icalcomponent_free (calendar);
  return result;
}
