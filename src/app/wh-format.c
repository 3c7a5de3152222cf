/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include <string.h>

#include "wh-format.h"
#include "wh-job-filters.h"

char *
wh_format_salary (gint64      min,
                  gint64      max,
                  const char *period)
{
  if (g_strcmp0 (period, "hour") == 0)
    /* Translators: a pay range, in yuan (CNY); e.g. 25–35 CNY an hour */
    return g_strdup_printf (_("%d–%d CNY an hour"), (int) min, (int) max);
  if (g_strcmp0 (period, "day") == 0)
    return g_strdup_printf (_("%d–%d CNY a day"), (int) min, (int) max);
  return g_strdup_printf (_("%d–%d CNY a month"), (int) min, (int) max);
}

const char *
wh_format_settlement (const char *settlement)
{
  if (g_strcmp0 (settlement, "daily") == 0)
    return _("Paid daily");
  if (g_strcmp0 (settlement, "weekly") == 0)
    return _("Paid weekly");
  if (g_strcmp0 (settlement, "monthly") == 0)
    return _("Paid monthly");
  return "";
}

/* The welfare tags of the union's job data (the benefits a posting lists),
 * in the data's own words. Context "benefit": a tag, not a sentence. */
static const struct
{
  const char *tag;
  const char *label;
} benefits[] = {
  { "五险一金", NC_("benefit", "Full social insurance") },
  { "五险", NC_("benefit", "Social insurance") },
  { "包吃", NC_("benefit", "Meals provided") },
  { "包住", NC_("benefit", "Housing provided") },
  { "包吃住", NC_("benefit", "Room and board") },
  { "日结", NC_("benefit", "Paid daily") },
  { "周结", NC_("benefit", "Paid weekly") },
  { "月结", NC_("benefit", "Paid monthly") },
  { "周末双休", NC_("benefit", "Weekends off") },
  { "单休", NC_("benefit", "One day off a week") },
  { "带薪年假", NC_("benefit", "Paid annual leave") },
  { "交通补贴", NC_("benefit", "Travel allowance") },
  { "餐补", NC_("benefit", "Meal allowance") },
  { "节日福利", NC_("benefit", "Holiday gifts") },
  { "技能培训", NC_("benefit", "Skills training") },
  { "全勤奖", NC_("benefit", "Full attendance bonus") },
  { "高温补贴", NC_("benefit", "Heat allowance") },
  { "年底双薪", NC_("benefit", "Double pay at year end") },
  { "绩效奖金", NC_("benefit", "Performance bonus") },
  { "工龄奖", NC_("benefit", "Long service bonus") },
  { "提供工服", NC_("benefit", "Work clothes provided") },
  { "免费体检", NC_("benefit", "Free health check") },
  { "住房补贴", NC_("benefit", "Housing allowance") },
  { "话费补贴", NC_("benefit", "Phone allowance") },
  { "加班补助", NC_("benefit", "Overtime pay") },
  { "夜班补贴", NC_("benefit", "Night shift allowance") },
  { "员工宿舍", NC_("benefit", "Staff dormitory") },
  { "班车接送", NC_("benefit", "Shuttle bus") },
  { "生日福利", NC_("benefit", "Birthday gifts") },
  { "有晋升空间", NC_("benefit", "Room for promotion") },
  { "意外险", NC_("benefit", "Accident insurance") },
};

const char *
wh_format_benefit (const char *tag)
{
  for (guint i = 0; tag && i < G_N_ELEMENTS (benefits); i++)
    if (strcmp (benefits[i].tag, tag) == 0)
      return g_dpgettext2 (NULL, "benefit", benefits[i].label);
  return tag ? tag : "";
}

char *
wh_format_benefits (const WhRecord *job,
                    const char     *sep)
{
  g_auto(GStrv) welfare = wh_record_dup_strv (job, "welfare");
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; welfare && welfare[i]; i++)
    if (wh_job_settlement_tag (welfare[i]) == NULL)
      g_string_append_printf (line, "%s%s", line->len ? sep : "", wh_format_benefit (welfare[i]));
  return line->len ? g_string_free (g_steal_pointer (&line), FALSE) : NULL;
}

const char *
wh_format_amenity (const char *amenity)
{
  static const struct { const char *id; const char *label; } names[] = {
    { "hot_water", N_("Hot water") },
    { "charging", N_("Charging") },
    { "microwave", N_("Microwave") },
    { "toilet", N_("Toilet") },
    { "rest_area", N_("Rest area") },
    { "air_conditioning", N_("Air conditioning") },
    { "first_aid", N_("First aid") },
    { "wifi", N_("Wi-Fi") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i].id, amenity) == 0)
      return _(names[i].label);
  return amenity;
}

const char *
wh_format_station_status (const char *status)
{
  if (g_strcmp0 (status, "open") == 0)
    return _("Open");
  if (g_strcmp0 (status, "closed") == 0)
    return _("Closed");
  if (g_strcmp0 (status, "maintenance") == 0)
    return _("Under maintenance");
  return "";
}

char *
wh_format_distance (double metres)
{
  double rounded;

  /* No more digits than a place (a GPS fix, a city's centre) is worth:
   * 850 m, 3.2 km, 48 km, 1,147 km. */
  metres = MAX (metres, 0);
  rounded = metres < 100 ? round (metres) : round (metres / 10) * 10;
  if (rounded < 1000)
    /* Translators: a distance in metres */
    return g_strdup_printf (_("%.0f m"), rounded);
  if (metres < 9950)
    /* Translators: a distance in kilometres */
    return g_strdup_printf (_("%.1f km"), metres / 1000);
  /* Translators: a distance in whole kilometres; the ' flag groups the
   * thousands as the locale does (1,147 km). Keep it. */
  return g_strdup_printf (_("%'.0f km"), round (metres / 1000));
}

char *
wh_format_minutes (gint64 minutes)
{
  if (minutes < 60)
    return g_strdup_printf (ngettext ("%d min", "%d min", (gulong) minutes), (int) minutes);
  if (minutes % 60 == 0)
    return g_strdup_printf (ngettext ("%d h", "%d h", (gulong) (minutes / 60)),
                            (int) (minutes / 60));
  /* Translators: hours and minutes, e.g. "3 h 20 min" */
  return g_strdup_printf (_("%d h %d min"), (int) (minutes / 60), (int) (minutes % 60));
}

static const char *
text_or_null (const WhRecord *record,
              const char     *field)
{
  if (!wh_collection_has_field (record->collection, field) || !wh_record_is_set (record, field))
    return NULL;
  return wh_record_get_text (record, field);
}

static char *
join_amenities (const WhRecord *record)
{
  g_auto(GStrv) amenities = wh_record_dup_strv (record, "amenities");
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; amenities[i]; i++)
    {
      if (i > 0)
        /* Translators: separator between items of a list */
        g_string_append (s, _(", "));
      g_string_append (s, wh_format_amenity (amenities[i]));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
format_hours (const WhRecord *record)
{
  if (wh_record_get_bool (record, "open_24h"))
    return g_strdup (_("Open 24 hours"));
  if (text_or_null (record, "opens") && text_or_null (record, "closes"))
    return g_strdup_printf ("%s–%s", wh_record_get_text (record, "opens"),
                            wh_record_get_text (record, "closes"));
  return NULL;
}

char *
wh_format_record_subtitle (const WhRecord *record)
{
  const WhCollection *c = record->collection;

  if (c == &wh_collection_jobs)
    {
      g_autofree char *salary = wh_format_salary (wh_record_get_int (record, "salary_min"),
                                                  wh_record_get_int (record, "salary_max"),
                                                  wh_record_get_text (record, "salary_period"));
      const char *district = text_or_null (record, "district");

      return g_strdup_printf ("%s · %s%s%s", salary, wh_record_get_text (record, "employer_name"),
                              district ? " · " : "", district ? district : "");
    }
  if (c == &wh_collection_courses)
    return g_strdup_printf (ngettext ("%s · %d lesson", "%s · %d lessons",
                                         (gulong) wh_record_get_int (record, "lesson_count")),
                            wh_record_get_text (record, "author"),
                            (int) wh_record_get_int (record, "lesson_count"));
  if (c == &wh_collection_stations)
    {
      g_autofree char *hours = format_hours (record);
      return g_strdup_printf ("%s%s%s", hours ? hours : "", hours ? " · " : "",
                              wh_record_get_text (record, "address"));
    }
  if (c == &wh_collection_merchants)
    return g_strdup_printf (_("%d of %d meals left today · %s"),
                            (int) wh_record_get_int (record, "remaining_today"),
                            (int) wh_record_get_int (record, "daily_quota"),
                            text_or_null (record, "address") ? wh_record_get_text (record, "address")
                                                              : "");
  return NULL;
}

static void
add_row (AdwPreferencesGroup *group,
         const char          *title,
         const char          *value)
{
  GtkWidget *row;

  if (value == NULL || *value == '\0')
    return;
  row = wh_format_row_new (title, value);
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (group, row);
}

static GtkWidget *
add_paragraph (GtkBox     *box,
               const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_box_append (box, label);
  return label;
}

GtkWidget *
wh_format_record_detail (const WhRecord *record)
{
  const WhCollection *c = record->collection;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *title = gtk_label_new (wh_record_get_text (record, c->title_field));

  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "title-2");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (group));

  if (c == &wh_collection_jobs)
    {
      g_autofree char *salary = wh_format_salary (wh_record_get_int (record, "salary_min"),
                                                  wh_record_get_int (record, "salary_max"),
                                                  wh_record_get_text (record, "salary_period"));
      g_autofree char *welfare_text = wh_format_benefits (record, _(", "));

      add_row (group, _("Pay"), salary);
      add_row (group, _("Settlement"),
               wh_format_settlement (wh_record_get_text (record, "settlement")));
      add_row (group, _("Employer"), wh_record_get_text (record, "employer_name"));
      add_row (group, _("Address"), text_or_null (record, "address"));
      add_row (group, _("Benefits"), welfare_text);
      add_row (group, _("Contact"), text_or_null (record, "contact_name"));
      add_row (group, _("Phone"), text_or_null (record, "contact_phone"));
      add_row (group, _("Posted"), text_or_null (record, "posted_at"));
      add_paragraph (GTK_BOX (box), text_or_null (record, "description"));
    }
  else if (c == &wh_collection_courses)
    {
      g_autofree char *lessons = g_strdup_printf ("%d", (int) wh_record_get_int (record, "lesson_count"));

      add_row (group, _("Teacher"), wh_record_get_text (record, "author"));
      add_row (group, _("Honour"), text_or_null (record, "author_honor"));
      add_row (group, _("Trade"), wh_record_get_text (record, "trade"));
      add_row (group, _("Lessons"), lessons);
      add_paragraph (GTK_BOX (box), text_or_null (record, "summary"));
    }
  else if (c == &wh_collection_stations)
    {
      g_autofree char *hours = format_hours (record);
      g_autofree char *amenities = join_amenities (record);

      add_row (group, _("Address"), wh_record_get_text (record, "address"));
      add_row (group, _("Status"), wh_format_station_status (wh_record_get_text (record, "status")));
      add_row (group, _("Opening hours"), hours);
      add_row (group, _("Amenities"), amenities);
      add_row (group, _("Phone"), text_or_null (record, "phone"));
      add_row (group, _("Run by"), text_or_null (record, "operator"));
    }
  else if (c == &wh_collection_merchants)
    {
      g_auto(GStrv) windows = wh_record_dup_strv (record, "windows");
      g_autofree char *windows_text = g_strjoinv (_(", "), windows);
      g_autofree char *quota = g_strdup_printf (_("%d of %d left"),
                                                (int) wh_record_get_int (record, "remaining_today"),
                                                (int) wh_record_get_int (record, "daily_quota"));

      add_row (group, _("Address"), text_or_null (record, "address"));
      add_row (group, _("Serving"), windows_text);
      add_row (group, _("Today's meals"), quota);
      add_row (group, _("Phone"), text_or_null (record, "phone"));
    }
  return box;
}

/* ---- Plain text on widgets that read markup ---------------------------------- */

GtkWidget *
wh_format_row_new (const char *title,
                   const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  /* AdwPreferencesRow:use-markup is TRUE by default in libadwaita 1.2, and
   * covers the subtitle too. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle ? subtitle : "");
  return row;
}

/* The group's title and description, the status page's description and
 * the toast's title are labels with use-markup TRUE that libadwaita 1.2
 * gives no way to turn off: the text goes in escaped. */

void
wh_format_group_set_title (AdwPreferencesGroup *group,
                           const char          *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));
  adw_preferences_group_set_title (group, escaped);
}

void
wh_format_group_set_description (AdwPreferencesGroup *group,
                                 const char          *text)
{
  g_autofree char *escaped = text ? g_markup_escape_text (text, -1) : NULL;

  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));
  adw_preferences_group_set_description (group, escaped);
}

void
wh_format_status_page_set_description (AdwStatusPage *page,
                                       const char    *text)
{
  g_autofree char *escaped = text ? g_markup_escape_text (text, -1) : NULL;

  g_return_if_fail (ADW_IS_STATUS_PAGE (page));
  adw_status_page_set_description (page, escaped);
}

AdwToast *
wh_format_toast_new (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  return adw_toast_new (escaped);
}

GtkWidget *
wh_format_four_line_row_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  for (guint i = 0; i < 4; i++)
    {
      GtkWidget *label = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      if (i == 0)
        gtk_widget_add_css_class (label, "heading");
      else if (i == 1)
        gtk_widget_add_css_class (label, "accent");
      else
        {
          gtk_widget_add_css_class (label, "dim-label");
          gtk_widget_add_css_class (label, "caption");
        }
      gtk_box_append (GTK_BOX (box), label);
    }
  return box;
}

void
wh_format_button_set_mnemonic_label (GtkWidget  *button,
                                     const char *text)
{
  g_autoptr(GString) plain = g_string_new (text);

  gtk_button_set_label (GTK_BUTTON (button), text);
  gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
  g_string_replace (plain, "_", "", 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  plain->str, -1);
}

void
wh_format_prefer_simplified_chinese (void)
{
  const char *preferred = g_getenv ("PANGO_LANGUAGE");
  const char *languages = g_getenv ("LANGUAGE");
  g_autofree char *value = NULL;

  /* Pango reads PANGO_LANGUAGE, else LANGUAGE, once: what the person set
   * comes first, simplified Chinese after it. */
  if (preferred == NULL || *preferred == '\0')
    preferred = languages;
  if (preferred != NULL && strstr (preferred, "zh") != NULL)
    return;
  value = preferred && *preferred ? g_strconcat (preferred, ":zh-cn", NULL) : g_strdup ("zh-cn");
  g_setenv ("PANGO_LANGUAGE", value, TRUE);
}

/* The widest a tooltip's line grows before it wraps, in pixels. */
#define TOOLTIP_MAX_WIDTH 360

GtkWidget *
wh_format_tooltip_label_new (const char *markup)
{
  GtkWidget *label = gtk_label_new (NULL);
  g_autoptr(PangoLayout) layout = NULL;
  int width;

  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  layout = gtk_widget_create_pango_layout (label, gtk_label_get_text (GTK_LABEL (label)));
  pango_layout_get_pixel_size (layout, &width, NULL);
  /* The tooltip is as wide as this minimum: the whole text on one line
   * when it fits. */
  gtk_widget_set_size_request (label, MIN (width + 2, TOOLTIP_MAX_WIDTH), -1);
  return label;
}

static gboolean
plain_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  const char *markup = gtk_widget_get_tooltip_markup (widget);

  /* Not a plain tooltip: GTK's own handling, or the widget's. */
  if (markup == NULL || *markup == '\0')
    return FALSE;
  gtk_tooltip_set_custom (tooltip, wh_format_tooltip_label_new (markup));
  return TRUE;
}

static gboolean
realize_hook_cb (GSignalInvocationHint *hint,
                 guint                  n_values,
                 const GValue          *values,
                 gpointer               user_data)
{
  GObject *widget = g_value_get_object (&values[0]);

  /* Realized before it can be hovered; a tooltip may come later. */
  if (GTK_IS_WIDGET (widget) && !GTK_IS_NATIVE (widget) &&
      g_object_get_data (widget, "wh-plain-tooltip") == NULL)
    {
      g_object_set_data (widget, "wh-plain-tooltip", GINT_TO_POINTER (TRUE));
      g_signal_connect (widget, "query-tooltip", G_CALLBACK (plain_tooltip_cb), NULL);
    }
  return TRUE;
}

void
wh_format_install_tooltips (void)
{
  static gsize installed;

  if (g_once_init_enter (&installed))
    {
      g_type_class_unref (g_type_class_ref (GTK_TYPE_WIDGET));
      g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0, realize_hook_cb,
                                  NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

static void
setup_choice_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (ellipsize)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_choice_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkStringObject *choice = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (choice));
}

static GtkListItemFactory *
choice_factory_new (gboolean ellipsize)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_choice_cb), GINT_TO_POINTER (ellipsize));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_choice_cb), NULL);
  return factory;
}

void
wh_format_drop_down_set_string_factories (GtkDropDown *dropdown)
{
  g_autoptr(GtkListItemFactory) button = choice_factory_new (TRUE);
  g_autoptr(GtkListItemFactory) list = choice_factory_new (FALSE);

  g_return_if_fail (GTK_IS_DROP_DOWN (dropdown));

  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, list);
}
