/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-job-filter-popover"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-format.h"
#include "wh-job-filter-popover.h"

/* Pay as a worker thinks of it: a range in one period. Ranges meet, so a
 * job of 4,500–6,000 a month is in "5,000–8,000 a month". */
static const struct
{
  const char *label;
  const char *period;
  gint64      min;
  gint64      max;
} pay_presets[] = {
  { N_("Any pay"), NULL, 0, 0 },
  { N_("Up to 5,000 a month"), "month", 0, 5000 },
  { N_("5,000–8,000 a month"), "month", 5000, 8000 },
  { N_("8,000–12,000 a month"), "month", 8000, 12000 },
  { N_("12,000 or more a month"), "month", 12000, 0 },
  { N_("Up to 200 a day"), "day", 0, 200 },
  { N_("200–300 a day"), "day", 200, 300 },
  { N_("300 or more a day"), "day", 300, 0 },
  { N_("Up to 25 an hour"), "hour", 0, 25 },
  { N_("25 or more an hour"), "hour", 25, 0 },
};

static const struct
{
  const char *label;
  const char *settlement;
} settlement_choices[] = {
  { N_("Paid any way"), NULL },
  { N_("Paid daily"), "daily" },
  { N_("Paid weekly"), "weekly" },
  { N_("Paid monthly"), "monthly" },
};

static const struct
{
  const char *label;
  guint       days;
} posted_choices[] = {
  { N_("Any time"), 0 },
  { N_("Today"), 1 },
  { N_("In the last 3 days"), 3 },
  { N_("In the last 7 days"), 7 },
  { N_("In the last 30 days"), 30 },
};

static const struct
{
  const char *label;
  WhJobSort   sort;
} sort_choices[] = {
  { N_("Newest first"), WH_JOB_SORT_NEWEST },
  { N_("Highest pay first"), WH_JOB_SORT_SALARY },
  { N_("Nearest first"), WH_JOB_SORT_DISTANCE },
};

/* The benefits workers ask for most. They are tags of the data, in the
 * data's language (shown in the person's, wh_format_benefit), and not
 * full-text searchable: only these buttons find them. Not 日结 or 周结:
 * the settlement drop-down says how often a job pays. */
static const char * const welfare_tags[] = {
  "五险一金", "包吃住", "包吃", "包住", "周末双休", "带薪年假",
};

struct _WhJobFilterPopover
{
  GtkPopover parent_instance;

  /* Template widgets */
  GtkDropDown *category_dropdown;
  GtkDropDown *city_dropdown;
  GtkButton   *clear_button;
  GtkCheckButton *closed_check;
  GtkDropDown *district_dropdown;
  GtkDropDown *pay_dropdown;
  GtkDropDown *posted_dropdown;
  GtkDropDown *settlement_dropdown;
  GtkDropDown *sort_dropdown;
  GtkLabel    *sort_hint;
  GtkFlowBox  *welfare_box;

  /* Owned references */
  WhStore      *store;
  GCancellable *districts_cancellable; /* the districts being read */
  WhJobFilters *shown;           /* the filters last shown or read */
  GArray       *cities;          /* gint64 city adcode per city_dropdown item (0: any) */
  GArray       *districts;       /* gint64 adcode per district_dropdown item (0: whole city) */
  GPtrArray    *categories;      /* char* per category_dropdown item (NULL: any) */
  GPtrArray    *welfare_buttons; /* GtkToggleButton* in welfare_tags order */

  /* State */
  guint         syncing_controls; /* > 0 while controls are set from the filters */
  gint64        districts_city;   /* the city whose districts are read or shown */
  gint64        pending_district; /* the district to select once they are in */
  gboolean      has_origin;
  gboolean      kiosk;
};

G_DEFINE_FINAL_TYPE (WhJobFilterPopover, wh_job_filter_popover, GTK_TYPE_POPOVER)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_CLEAR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Dropdowns ------------------------------------------------------------------ */

static GtkStringList *
string_list_new (void)
{
  return gtk_string_list_new (NULL);
}

static void
set_dropdown_strings (GtkDropDown   *dropdown,
                      GtkStringList *list)
{
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (list));
  g_object_unref (list);
}

static void
enable_dropdown_search (GtkDropDown *dropdown)
{
  gtk_drop_down_set_expression (dropdown,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
}

static void
fill_sort_dropdown (WhJobFilterPopover *self)
{
  GtkStringList *list = string_list_new ();

  /* Without a location there is no distance: the choice is not offered. */
  for (guint i = 0; i < G_N_ELEMENTS (sort_choices); i++)
    if (sort_choices[i].sort != WH_JOB_SORT_DISTANCE || self->has_origin)
      gtk_string_list_append (list, _(sort_choices[i].label));
  self->syncing_controls++;
  set_dropdown_strings (self->sort_dropdown, list);
  self->syncing_controls--;
  gtk_widget_set_visible (GTK_WIDGET (self->sort_hint), !self->has_origin);
  /* A kiosk has no preferences: its place comes with its station. */
  if (self->kiosk)
    gtk_label_set_text (self->sort_hint,
                        _("To sort by distance, this kiosk needs its station. Please tell the "
                          "station staff."));
}

static void
fill_static_dropdowns (WhJobFilterPopover *self)
{
  GtkStringList *pay = string_list_new ();
  GtkStringList *settlement = string_list_new ();
  GtkStringList *posted = string_list_new ();

  for (guint i = 0; i < G_N_ELEMENTS (pay_presets); i++)
    gtk_string_list_append (pay, _(pay_presets[i].label));
  for (guint i = 0; i < G_N_ELEMENTS (settlement_choices); i++)
    gtk_string_list_append (settlement, _(settlement_choices[i].label));
  for (guint i = 0; i < G_N_ELEMENTS (posted_choices); i++)
    gtk_string_list_append (posted, _(posted_choices[i].label));
  set_dropdown_strings (self->pay_dropdown, pay);
  set_dropdown_strings (self->settlement_dropdown, settlement);
  set_dropdown_strings (self->posted_dropdown, posted);
  fill_sort_dropdown (self);
}

static guint
index_of_adcode (GArray *codes,
                 gint64  adcode)
{
  for (guint i = 0; i < codes->len; i++)
    if (g_array_index (codes, gint64, i) == adcode)
      return i;
  return 0;
}

static void
districts_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(WhJobFilterPopover) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) districts = wh_store_list_districts_finish (WH_STORE (source), result,
                                                                   &error);
  GtkStringList *list;
  gint64 none = 0;

  /* Another city since, or the popover went away. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (districts == NULL)
    g_debug ("Districts of %" G_GINT64_FORMAT ": %s", self->districts_city, error->message);
  list = string_list_new ();
  g_array_set_size (self->districts, 0);
  g_array_append_val (self->districts, none);
  gtk_string_list_append (list, _("Whole city"));
  for (guint i = 0; districts && i < districts->len; i++)
    {
      const WhRegion *r = districts->pdata[i];

      g_array_append_val (self->districts, r->adcode);
      gtk_string_list_append (list, r->district);
    }
  self->syncing_controls++;
  set_dropdown_strings (self->district_dropdown, list);
  gtk_drop_down_set_selected (self->district_dropdown,
                              index_of_adcode (self->districts, self->pending_district));
  self->syncing_controls--;
  self->pending_district = 0;
  g_clear_object (&self->districts_cancellable);
}

/* Offers the districts of city (0: none) and, once they are read on the
 * store's queue, selects district (0: the whole city). */
static void
fill_districts (WhJobFilterPopover *self,
                gint64              city,
                gint64              district)
{
  GtkStringList *list = string_list_new ();
  gint64 none = 0;

  g_cancellable_cancel (self->districts_cancellable);
  g_clear_object (&self->districts_cancellable);
  g_array_set_size (self->districts, 0);
  g_array_append_val (self->districts, none);
  gtk_string_list_append (list, _("Whole city"));
  self->syncing_controls++;
  set_dropdown_strings (self->district_dropdown, list);
  self->syncing_controls--;
  gtk_widget_set_sensitive (GTK_WIDGET (self->district_dropdown), city > 0);
  self->districts_city = city;
  self->pending_district = 0;
  if (city <= 0 || self->store == NULL)
    return;
  self->pending_district = district;
  self->districts_cancellable = g_cancellable_new ();
  /* One city's stations, through an index: a millisecond, on the queue. */
  wh_store_list_districts_async (self->store, city, self->districts_cancellable, districts_cb,
                                 g_object_ref (self));
}

static void
update_clear_button (WhJobFilterPopover *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), wh_job_filters_count (self->shown) > 0);
}

/* ---- Public ---------------------------------------------------------------------- */

void
wh_job_filter_popover_show (WhJobFilterPopover *self,
                            const WhJobFilters *f)
{
  gint64 city;
  guint pay = 0, settlement = 0, posted = 0, sort = 0, category = 0;

  g_return_if_fail (WH_IS_JOB_FILTER_POPOVER (self));
  g_return_if_fail (f != NULL);

  if (f != self->shown)
    {
      wh_job_filters_free (self->shown);
      self->shown = wh_job_filters_copy (f);
    }
  city = f->region % 100 == 0 ? f->region : f->region / 100 * 100;
  self->syncing_controls++;
  if (f->region % 10000 == 0)
    city = 0; /* a province: not offered here */
  gtk_drop_down_set_selected (self->city_dropdown, index_of_adcode (self->cities, city));
  /* The city's districts already offered: chosen at once, not read again. */
  if (city > 0 && city == self->districts_city && self->districts_cancellable == NULL)
    gtk_drop_down_set_selected (self->district_dropdown,
                                f->region != city ? index_of_adcode (self->districts, f->region) : 0);
  else
    fill_districts (self, city, f->region != city ? f->region : 0);
  for (guint i = 0; i < self->categories->len; i++)
    if (g_strcmp0 (self->categories->pdata[i], f->category) == 0)
      category = i;
  /* A trade chosen elsewhere (the kiosk's Home lists the jobs' own
   * categories) that the category records lack: offered too, so the
   * control shows the filter in force and reading it back keeps it. */
  if (f->category && category == 0)
    {
      GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (self->category_dropdown));

      category = self->categories->len;
      g_ptr_array_add (self->categories, g_strdup (f->category));
      gtk_string_list_append (list, f->category);
    }
  gtk_drop_down_set_selected (self->category_dropdown, category);
  for (guint i = 0; i < G_N_ELEMENTS (pay_presets); i++)
    if (g_strcmp0 (pay_presets[i].period, f->pay_period) == 0 && pay_presets[i].min == f->pay_min &&
        pay_presets[i].max == f->pay_max)
      pay = i;
  gtk_drop_down_set_selected (self->pay_dropdown, pay);
  for (guint i = 0; i < G_N_ELEMENTS (settlement_choices); i++)
    if (g_strcmp0 (settlement_choices[i].settlement, f->settlement) == 0)
      settlement = i;
  gtk_drop_down_set_selected (self->settlement_dropdown, settlement);
  for (guint i = 0; i < G_N_ELEMENTS (posted_choices); i++)
    if (posted_choices[i].days == f->posted_within)
      posted = i;
  gtk_drop_down_set_selected (self->posted_dropdown, posted);
  for (guint i = 0; i < G_N_ELEMENTS (sort_choices); i++)
    if (sort_choices[i].sort == f->sort && (f->sort != WH_JOB_SORT_DISTANCE || self->has_origin))
      sort = i;
  gtk_drop_down_set_selected (self->sort_dropdown, sort);
  for (guint i = 0; i < self->welfare_buttons->len; i++)
    gtk_toggle_button_set_active (self->welfare_buttons->pdata[i],
                                  wh_job_filters_has_welfare (f, welfare_tags[i]));
  gtk_check_button_set_active (self->closed_check, f->show_closed);
  self->syncing_controls--;
  update_clear_button (self);
}

void
wh_job_filter_popover_read (WhJobFilterPopover *self,
                            WhJobFilters       *f)
{
  guint city, district, category, pay, settlement, posted, sort;

  g_return_if_fail (WH_IS_JOB_FILTER_POPOVER (self));
  g_return_if_fail (f != NULL);

  city = gtk_drop_down_get_selected (self->city_dropdown);
  district = gtk_drop_down_get_selected (self->district_dropdown);
  category = gtk_drop_down_get_selected (self->category_dropdown);
  pay = gtk_drop_down_get_selected (self->pay_dropdown);
  settlement = gtk_drop_down_get_selected (self->settlement_dropdown);
  posted = gtk_drop_down_get_selected (self->posted_dropdown);
  sort = gtk_drop_down_get_selected (self->sort_dropdown);

  f->region = 0;
  if (city != GTK_INVALID_LIST_POSITION && city < self->cities->len)
    f->region = g_array_index (self->cities, gint64, city);
  if (f->region > 0 && district != GTK_INVALID_LIST_POSITION && district > 0 &&
      district < self->districts->len)
    f->region = g_array_index (self->districts, gint64, district);
  /* The city's districts are still being read: the district shown last
   * stays chosen. */
  else if (f->region > 0 && f->region == self->districts_city && self->pending_district > 0)
    f->region = self->pending_district;
  g_clear_pointer (&f->category, g_free);
  if (category != GTK_INVALID_LIST_POSITION && category < self->categories->len)
    f->category = g_strdup (self->categories->pdata[category]);
  g_clear_pointer (&f->pay_period, g_free);
  f->pay_min = f->pay_max = 0;
  if (pay < G_N_ELEMENTS (pay_presets) && pay_presets[pay].period)
    {
      f->pay_period = g_strdup (pay_presets[pay].period);
      f->pay_min = pay_presets[pay].min;
      f->pay_max = pay_presets[pay].max;
    }
  g_clear_pointer (&f->settlement, g_free);
  if (settlement < G_N_ELEMENTS (settlement_choices))
    f->settlement = g_strdup (settlement_choices[settlement].settlement);
  f->posted_within = posted < G_N_ELEMENTS (posted_choices) ? posted_choices[posted].days : 0;
  f->sort = sort < G_N_ELEMENTS (sort_choices) ? sort_choices[sort].sort : WH_JOB_SORT_NEWEST;
  for (guint i = 0; i < self->welfare_buttons->len; i++)
    wh_job_filters_set_welfare (f, welfare_tags[i],
                                gtk_toggle_button_get_active (self->welfare_buttons->pdata[i]));
  f->show_closed = gtk_check_button_get_active (self->closed_check);
  if (f != self->shown)
    {
      wh_job_filters_free (self->shown);
      self->shown = wh_job_filters_copy (f);
    }
  update_clear_button (self);
}

void
wh_job_filter_popover_set_store (WhJobFilterPopover *self,
                                 WhStore            *store)
{
  g_return_if_fail (WH_IS_JOB_FILTER_POPOVER (self));
  g_return_if_fail (store == NULL || WH_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  self->districts_city = -1; /* read again from this store */
  wh_job_filter_popover_show (self, self->shown);
}

void
wh_job_filter_popover_set_choices (WhJobFilterPopover *self,
                                   const WhJobChoices *c)
{
  GtkStringList *cities = string_list_new ();
  GtkStringList *categories = string_list_new ();
  gint64 none = 0;

  g_return_if_fail (WH_IS_JOB_FILTER_POPOVER (self));
  g_return_if_fail (c != NULL);

  g_array_set_size (self->cities, 0);
  g_array_append_val (self->cities, none);
  gtk_string_list_append (cities, _("Anywhere"));
  for (guint i = 0; c->regions && i < c->regions->len; i++)
    {
      const WhRegion *r = c->regions->pdata[i];
      g_autofree char *label = NULL;

      /* Translators: a city and its province in the place filter, e.g. 广州市（广东省） */
      label = g_strdup_printf (_("%s (%s)"), r->city, r->province);
      g_array_append_val (self->cities, r->city_adcode);
      gtk_string_list_append (cities, label);
    }
  g_ptr_array_set_size (self->categories, 0);
  g_ptr_array_add (self->categories, NULL);
  gtk_string_list_append (categories, _("Every trade"));
  for (guint i = 0; c->categories && i < c->categories->len; i++)
    {
      const char *name = wh_record_get_text (c->categories->pdata[i], "name");

      g_ptr_array_add (self->categories, g_strdup (name));
      gtk_string_list_append (categories, name);
    }
  self->syncing_controls++;
  set_dropdown_strings (self->city_dropdown, cities);
  set_dropdown_strings (self->category_dropdown, categories);
  self->syncing_controls--;
  /* The stations changed: their districts may have too. */
  self->districts_city = -1;
  wh_job_filter_popover_show (self, self->shown);
}

void
wh_job_filter_popover_set_origin (WhJobFilterPopover *self,
                                  gboolean            has_origin,
                                  gboolean            kiosk)
{
  g_return_if_fail (WH_IS_JOB_FILTER_POPOVER (self));

  self->has_origin = has_origin;
  self->kiosk = kiosk;
  fill_sort_dropdown (self);
}

const char *
wh_job_filter_popover_get_sort_label (WhJobFilterPopover *self)
{
  guint sort;

  g_return_val_if_fail (WH_IS_JOB_FILTER_POPOVER (self), "");

  sort = gtk_drop_down_get_selected (self->sort_dropdown);
  return sort < G_N_ELEMENTS (sort_choices) ? _(sort_choices[sort].label) : "";
}

/* ---- Callbacks ------------------------------------------------------------------- */

static void
filter_control_changed_cb (WhJobFilterPopover *self)
{
  if (self->syncing_controls > 0)
    return;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
city_changed_cb (WhJobFilterPopover *self)
{
  guint city = gtk_drop_down_get_selected (self->city_dropdown);

  if (self->syncing_controls > 0)
    return;
  fill_districts (self, city < self->cities->len ? g_array_index (self->cities, gint64, city) : 0, 0);
  filter_control_changed_cb (self);
}

static void
welfare_toggled_cb (GtkToggleButton    *button,
                    WhJobFilterPopover *self)
{
  /* A pill that is on looks pressed only faintly: on is the accent. */
  if (gtk_toggle_button_get_active (button))
    gtk_widget_add_css_class (GTK_WIDGET (button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (button), "suggested-action");
  filter_control_changed_cb (self);
}

static void
clear_clicked_cb (WhJobFilterPopover *self)
{
  g_signal_emit (self, signals[SIGNAL_CLEAR], 0);
}

/* ---- Class ----------------------------------------------------------------------- */

static void
wh_job_filter_popover_dispose (GObject *object)
{
  WhJobFilterPopover *self = WH_JOB_FILTER_POPOVER (object);

  g_cancellable_cancel (self->districts_cancellable);
  g_clear_object (&self->districts_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOB_FILTER_POPOVER);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (wh_job_filter_popover_parent_class)->dispose (object);
}

static void
wh_job_filter_popover_finalize (GObject *object)
{
  WhJobFilterPopover *self = WH_JOB_FILTER_POPOVER (object);

  wh_job_filters_free (self->shown);
  g_array_unref (self->cities);
  g_array_unref (self->districts);
  g_ptr_array_unref (self->categories);
  g_ptr_array_unref (self->welfare_buttons);
  G_OBJECT_CLASS (wh_job_filter_popover_parent_class)->finalize (object);
}

static void
wh_job_filter_popover_class_init (WhJobFilterPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_job_filter_popover_dispose;
  object_class->finalize = wh_job_filter_popover_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CLEAR] = g_signal_new ("clear", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-job-filter-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, city_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, clear_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, closed_check);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, district_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, pay_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, posted_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, settlement_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, sort_hint);
  gtk_widget_class_bind_template_child (widget_class, WhJobFilterPopover, welfare_box);
  gtk_widget_class_bind_template_callback (widget_class, city_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_control_changed_cb);
}

static void
wh_job_filter_popover_init (WhJobFilterPopover *self)
{
  gint64 none = 0;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown = wh_job_filters_new ();
  self->cities = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (self->cities, none);
  self->districts = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->categories = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->categories, NULL);
  self->welfare_buttons = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (welfare_tags); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (wh_format_benefit (welfare_tags[i]));
      GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));

      /* A long name (Insurance and housing fund) is cut rather than widen
       * the popover past a narrow window; the tooltip has it whole. */
      if (GTK_IS_LABEL (label))
        gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (button, wh_format_benefit (welfare_tags[i]));

      gtk_widget_add_css_class (button, "pill");
      g_signal_connect_object (button, "toggled", G_CALLBACK (welfare_toggled_cb), self, 0);
      gtk_flow_box_append (self->welfare_box, button);
      g_ptr_array_add (self->welfare_buttons, button);
    }
  enable_dropdown_search (self->city_dropdown);
  {
    GtkDropDown *dropdowns[] = { self->sort_dropdown, self->city_dropdown,
                                 self->district_dropdown, self->category_dropdown,
                                 self->pay_dropdown, self->settlement_dropdown,
                                 self->posted_dropdown };

    for (guint i = 0; i < G_N_ELEMENTS (dropdowns); i++)
      wh_format_drop_down_set_string_factories (dropdowns[i]);
  }
  {
    GtkStringList *cities = string_list_new ();
    GtkStringList *categories = string_list_new ();

    gtk_string_list_append (cities, _("Anywhere"));
    gtk_string_list_append (categories, _("Every trade"));
    set_dropdown_strings (self->city_dropdown, cities);
    set_dropdown_strings (self->category_dropdown, categories);
  }
  fill_static_dropdowns (self);
  fill_districts (self, 0, 0);
  update_clear_button (self);
}
