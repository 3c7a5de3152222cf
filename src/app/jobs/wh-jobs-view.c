/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-jobs-view"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "wh-fair-ics.h"
#include "wh-format.h"
#include "wh-job-page.h"
#include "wh-jobs-view.h"
#include "wh-list-model.h"
#include "wh-service-page.h"
#include "wh-sync.h"

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
 * data's language, and not full-text searchable: only these buttons find them. */
static const char * const welfare_tags[] = {
  "日结", "五险一金", "包吃住", "包住", "周结", "周末双休",
};

/* A sync writes the trades and the stations (whose cities the place filter
 * offers) page by page: their choices are read again once it pauses. */
#define CHOICES_DELAY_MS 1000

struct _WhJobsView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton         *back_button;
  GtkSpinner        *busy_spinner;
  GtkDropDown       *category_dropdown;
  GtkDropDown       *city_dropdown;
  GtkButton         *clear_button;
  GtkLabel          *detail_title;
  GtkStack          *detail_stack;
  GtkDropDown       *district_dropdown;
  GtkButton         *empty_button;
  AdwStatusPage     *empty_page;
  GtkBox            *fair_box;
  GtkDropDown       *fair_city_dropdown;
  GtkStack          *fairs_stack;
  GtkListView       *fairs_view;
  GtkMenuButton     *filter_button;
  GtkLabel          *filter_button_label;
  GtkToggleButton   *fairs_button;
  GtkToggleButton   *jobs_button;
  GtkToggleButton   *mine_button;
  GtkPopover        *filter_popover;
  WhJobPage         *job_page;
  AdwLeaflet        *leaflet;
  GtkScrolledWindow *list_scroller;
  GtkStack          *list_stack;
  GtkListView       *list_view;
  GtkListBox        *mine_list;
  GtkStack          *mine_stack;
  GtkDropDown       *pay_dropdown;
  GtkDropDown       *posted_dropdown;
  GtkSearchEntry    *search_entry;
  AdwViewStack      *sections;
  GtkDropDown       *settlement_dropdown;
  GtkDropDown       *sort_dropdown;
  GtkLabel          *sort_hint;
  GtkLabel          *summary_label;
  AdwToastOverlay   *toasts;
  GtkFlowBox        *welfare_box;

  /* Owned references */
  WhContext     *context;
  WhStore       *store;
  WhListModel   *model;
  WhListModel   *fairs_model;
  WhJobFilters  *filters;
  GCancellable  *cancellable;  /* the pending query and choice loading */
  GCancellable  *empty_cancellable; /* the count behind the empty state */
  gulong         changed_id;
  guint          refresh_source; /* a refresh of My Jobs is scheduled */
  guint          choices_source; /* a reload of the cities and trades is scheduled */
  GArray        *cities;       /* gint64 city adcode per city_dropdown item (0: any) */
  GArray        *districts;    /* gint64 adcode per district_dropdown item (0: whole city) */
  GPtrArray     *categories;   /* char* per category_dropdown item (NULL: any) */
  GPtrArray     *welfare_buttons; /* GtkToggleButton* in welfare_tags order */
  WhRecord      *fair;         /* the fair shown, for export */
  GtkFileChooserNative *chooser;
  char          *fair_ics;     /* what the chooser is saving */

  guint          syncing_controls; /* > 0 while controls are set from the filters */
  char          *applied_search; /* the text of the last query asked for */
  gboolean       busy;
  gboolean       has_origin;
  double         lat;
  double         lon;
};

static void wh_jobs_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhJobsView, wh_jobs_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_jobs_view_page_init))

enum
{
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void apply_filters (WhJobsView *self);
static void refresh_mine (WhJobsView *self);

static void
toast (WhJobsView *self,
       const char *text)
{
  wh_service_page_toast (WH_SERVICE_PAGE (self), text);
}

static void
set_busy (WhJobsView *self,
          gboolean    busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->busy_spinner), busy);
  gtk_spinner_set_spinning (self->busy_spinner, busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* ---- Dropdowns ------------------------------------------------------------------ */

/* GTK 4.8 names a button with a mnemonic after the label twice, underscore
 * and all ("_Sync Now Sync Now"): name it plainly. */
static void
set_mnemonic_label (GtkWidget  *button,
                    const char *text)
{
  g_autoptr(GString) plain = g_string_new (text);

  gtk_button_set_label (GTK_BUTTON (button), text);
  gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
  g_string_replace (plain, "_", "", 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  plain->str, -1);
}

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
fill_sort_dropdown (WhJobsView *self)
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
  if (self->context && wh_context_get_kiosk (self->context))
    gtk_label_set_text (self->sort_hint,
                        _("To sort by distance, this kiosk needs its station. Please tell the "
                          "station staff."));
}

static void
fill_static_dropdowns (WhJobsView *self)
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

static void
fill_districts (WhJobsView *self,
                gint64      city)
{
  g_autoptr(GPtrArray) districts = NULL;
  GtkStringList *list = string_list_new ();
  gint64 none = 0;

  g_array_set_size (self->districts, 0);
  g_array_append_val (self->districts, none);
  gtk_string_list_append (list, _("Whole city"));
  /* One city's stations, through an index: a millisecond. */
  if (city > 0 && self->store != NULL)
    districts = wh_store_list_districts (self->store, city, NULL);
  for (guint i = 0; districts && i < districts->len; i++)
    {
      const WhRegion *r = districts->pdata[i];

      g_array_append_val (self->districts, r->adcode);
      gtk_string_list_append (list, r->district);
    }
  self->syncing_controls++;
  set_dropdown_strings (self->district_dropdown, list);
  self->syncing_controls--;
  gtk_widget_set_sensitive (GTK_WIDGET (self->district_dropdown), city > 0);
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

/* Shows the filters in the controls, without reacting to the change. */
static void
sync_controls (WhJobsView *self)
{
  const WhJobFilters *f = self->filters;
  gint64 city = f->region % 100 == 0 ? f->region : f->region / 100 * 100;
  guint pay = 0, settlement = 0, posted = 0, sort = 0, category = 0;

  self->syncing_controls++;
  if (f->region % 10000 == 0)
    city = 0; /* a province: not offered here */
  gtk_drop_down_set_selected (self->city_dropdown, index_of_adcode (self->cities, city));
  fill_districts (self, city);
  gtk_drop_down_set_selected (self->district_dropdown,
                              f->region != city ? index_of_adcode (self->districts, f->region) : 0);
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
  self->syncing_controls--;
}

/* Reads the controls into the filters. */
static void
read_controls (WhJobsView *self)
{
  WhJobFilters *f = self->filters;
  guint city = gtk_drop_down_get_selected (self->city_dropdown);
  guint district = gtk_drop_down_get_selected (self->district_dropdown);
  guint category = gtk_drop_down_get_selected (self->category_dropdown);
  guint pay = gtk_drop_down_get_selected (self->pay_dropdown);
  guint settlement = gtk_drop_down_get_selected (self->settlement_dropdown);
  guint posted = gtk_drop_down_get_selected (self->posted_dropdown);
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);

  f->region = 0;
  if (city != GTK_INVALID_LIST_POSITION && city < self->cities->len)
    f->region = g_array_index (self->cities, gint64, city);
  if (f->region > 0 && district != GTK_INVALID_LIST_POSITION && district > 0 &&
      district < self->districts->len)
    f->region = g_array_index (self->districts, gint64, district);
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
}

static void
save_filters (WhJobsView *self)
{
  g_autofree char *json = wh_job_filters_to_json (self->filters);

  if (self->context)
    g_settings_set_string (wh_context_get_settings (self->context), "job-filters", json);
}

static void
load_filters (WhJobsView *self)
{
  g_autoptr(GError) error = NULL;
  GSettings *settings = wh_context_get_settings (self->context);
  g_autofree char *json = g_settings_get_string (settings, "job-filters");
  WhJobFilters *filters = NULL;

  if (*json)
    {
      filters = wh_job_filters_from_json (json, &error);
      if (filters == NULL)
        {
          /* Written by hand or by a broken release: start afresh, once. */
          g_message ("Job filters reset to the defaults: %s", error->message);
          g_settings_reset (settings, "job-filters");
        }
    }
  wh_job_filters_free (self->filters);
  self->filters = filters ? filters : wh_job_filters_new ();
}

static void
update_filter_button (WhJobsView *self)
{
  guint n = wh_job_filters_count (self->filters);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Filters"));
  else
    /* Translators: the filter button when some filters are set */
    text = g_strdup_printf (_("Filters (%u)"), n);
  gtk_label_set_text (self->filter_button_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->filter_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), n > 0);
}

static void
filter_control_changed_cb (WhJobsView *self)
{
  if (self->syncing_controls > 0 || self->filters == NULL)
    return;
  read_controls (self);
  save_filters (self);
  apply_filters (self);
}

static void
city_changed_cb (WhJobsView *self)
{
  guint city = gtk_drop_down_get_selected (self->city_dropdown);

  if (self->syncing_controls > 0)
    return;
  fill_districts (self, city < self->cities->len ? g_array_index (self->cities, gint64, city) : 0);
  filter_control_changed_cb (self);
}

static void
welfare_toggled_cb (GtkToggleButton *button,
                    WhJobsView      *self)
{
  filter_control_changed_cb (self);
}

static void
clear_filters_cb (WhJobsView *self)
{
  WhJobSort sort = self->filters->sort;

  wh_job_filters_free (self->filters);
  self->filters = wh_job_filters_new ();
  /* The order is a preference, not a filter. */
  self->filters->sort = sort;
  sync_controls (self);
  save_filters (self);
  apply_filters (self);
}

/* ---- Choices that come from the cache (in a thread) -------------------------------- */

typedef struct
{
  GPtrArray *regions;    /* WhRegion* */
  GPtrArray *categories; /* WhRecord* */
} Choices;

static void
choices_free (Choices *c)
{
  g_clear_pointer (&c->regions, g_ptr_array_unref);
  g_clear_pointer (&c->categories, g_ptr_array_unref);
  g_free (c);
}

static void
load_choices_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  WhStore *store = task_data;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_categories);
  Choices *c = g_new0 (Choices, 1);

  /* A GROUP BY over every station: too slow for the main thread. */
  c->regions = wh_store_list_regions (store, NULL);
  wh_query_set_order (query, "name", FALSE);
  c->categories = wh_store_query (store, query, 0, 200, NULL);
  g_task_return_pointer (task, c, (GDestroyNotify) choices_free);
}

static void
load_choices_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhJobsView *self = WH_JOBS_VIEW (object);
  Choices *c = g_task_propagate_pointer (G_TASK (result), NULL);
  GtkStringList *cities = string_list_new ();
  GtkStringList *fair_cities = string_list_new ();
  GtkStringList *categories = string_list_new ();
  gint64 none = 0;

  if (c == NULL)
    {
      g_object_unref (cities);
      g_object_unref (fair_cities);
      g_object_unref (categories);
      return;
    }
  g_array_set_size (self->cities, 0);
  g_array_append_val (self->cities, none);
  gtk_string_list_append (cities, _("Anywhere"));
  gtk_string_list_append (fair_cities, _("All cities"));
  for (guint i = 0; c->regions && i < c->regions->len; i++)
    {
      const WhRegion *r = c->regions->pdata[i];
      g_autofree char *label = NULL;

      /* Translators: a city and its province in the place filter, e.g. 广州市（广东省） */
      label = g_strdup_printf (_("%s (%s)"), r->city, r->province);
      g_array_append_val (self->cities, r->city_adcode);
      gtk_string_list_append (cities, label);
      gtk_string_list_append (fair_cities, label);
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
  set_dropdown_strings (self->fair_city_dropdown, fair_cities);
  set_dropdown_strings (self->category_dropdown, categories);
  self->syncing_controls--;
  sync_controls (self);
  choices_free (c);
}

static void
load_choices (WhJobsView *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, load_choices_cb, NULL);

  g_task_set_source_tag (task, load_choices);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, load_choices_thread);
}

/* ---- The list ------------------------------------------------------------------------ */

static char *
distance_text (WhJobsView     *self,
               const WhRecord *record)
{
  if (!self->has_origin || !wh_record_is_set (record, "lat") || !wh_record_is_set (record, "lon"))
    return NULL;
  return wh_format_distance (wh_geo_distance_m (self->lat, self->lon,
                                                wh_record_get_real (record, "lat"),
                                                wh_record_get_real (record, "lon")));
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
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
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             WhJobsView               *self)
{
  WhRecordObject *object = gtk_list_item_get_item (item);
  const WhRecord *r = wh_record_object_get_record (object);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *pay = gtk_widget_get_next_sibling (title);
  GtkWidget *where = gtk_widget_get_next_sibling (pay);
  GtkWidget *tags = gtk_widget_get_next_sibling (where);
  g_autofree char *salary = wh_format_salary (wh_record_get_int (r, "salary_min"),
                                              wh_record_get_int (r, "salary_max"),
                                              wh_record_get_text (r, "salary_period"));
  g_autofree char *distance = distance_text (self, r);
  g_autofree char *where_text = NULL;
  g_autofree char *tags_text = NULL;
  g_autofree char *a11y = NULL;
  g_auto(GStrv) tag_list = wh_record_dup_strv (r, "welfare");
  const char *district = wh_record_is_set (r, "district") ? wh_record_get_text (r, "district") : NULL;

  where_text = g_strjoin (" · ", wh_record_get_text (r, "employer_name"),
                          district ? district : distance, district ? distance : NULL, NULL);
  if (self->filters->sort == WH_JOB_SORT_SALARY &&
      g_strcmp0 (wh_record_get_text (r, "salary_period"), "month") != 0)
    {
      /* Sorted by pay, a day's or an hour's pay shows what it comes to in a
       * month: the value the order compares, so the order makes sense. */
      const WhScaledOrder *order = wh_collection_find_scaled_order (&wh_collection_jobs,
                                                                    "monthly_pay");
      double monthly = wh_scaled_order_value (order, wh_record_get_int (r, "salary_min"),
                                              wh_record_get_text (r, "salary_period"));
      g_autofree char *plain = g_steal_pointer (&salary);

      /* Translators: a pay range by the day or hour, then what its lower end
       * comes to in a month (21.75 working days of 8 hours) */
      salary = g_strdup_printf (_("%s · about %'d CNY a month"), plain, (int) round (monthly));
    }
  {
    const char *settlement = wh_format_settlement (wh_record_get_text (r, "settlement"));
    g_autoptr(GString) line = g_string_new (settlement);

    /* In Chinese "paid daily" is the tag 日结 itself: say it once. */
    for (guint i = 0; tag_list && tag_list[i]; i++)
      if (g_strcmp0 (tag_list[i], settlement) != 0)
        g_string_append_printf (line, "%s%s", line->len ? " · " : "", tag_list[i]);
    tags_text = g_string_free (g_steal_pointer (&line), FALSE);
  }
  gtk_label_set_text (GTK_LABEL (title), wh_record_get_text (r, "title"));
  gtk_label_set_text (GTK_LABEL (pay), salary);
  gtk_label_set_text (GTK_LABEL (where), where_text);
  gtk_label_set_text (GTK_LABEL (tags), tags_text);
  a11y = g_strdup_printf ("%s, %s, %s", wh_record_get_text (r, "title"), salary, where_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static gboolean
has_search (WhJobsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return text != NULL && *text != '\0';
}

typedef enum
{
  EMPTY_NONE,
  EMPTY_NO_MATCH,
  EMPTY_NOT_SYNCED,
  EMPTY_NO_BACKEND,
  EMPTY_ERROR,
} EmptyKind;

static void
show_empty (WhJobsView *self,
            EmptyKind   kind,
            const char *detail)
{
  const char *icon = "edit-find-symbolic", *title = NULL, *button = NULL;
  g_autofree char *description = NULL;

  switch (kind)
    {
    case EMPTY_NONE:
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    case EMPTY_NO_MATCH:
      title = _("No Matching Jobs");
      description = g_strdup (_("Try fewer filters or another word, such as 电工 or 保洁."));
      button = _("_Clear Filters and Search");
      break;
    case EMPTY_NOT_SYNCED:
      icon = "folder-download-symbolic";
      title = _("No Jobs Downloaded Yet");
      description = g_strdup (_("Connect to the internet and sync to download the jobs of your "
                                "region. They stay readable offline."));
      button = _("_Sync Now");
      break;
    case EMPTY_NO_BACKEND:
      icon = "network-offline-symbolic";
      title = _("No Job Service Set Up");
      if (self->context && wh_context_get_kiosk (self->context))
        /* No preferences on a kiosk, and nothing a passer-by can do. */
        description = g_strdup (_("This kiosk is not connected to the union’s job service. "
                                  "Please tell the station staff."));
      else
        {
          description = g_strdup (_("Enter your union’s server address in Preferences, then "
                                    "sync."));
          button = _("Open _Preferences");
        }
      break;
    case EMPTY_ERROR:
      icon = "dialog-error-symbolic";
      title = _("Could Not Read the Saved Jobs");
      description = g_strdup_printf (_("%s Try again; if it keeps failing, sync to download the "
                                       "jobs again."), detail ? detail : "");
      button = _("_Try Again");
      break;
    }
  adw_status_page_set_icon_name (self->empty_page, icon);
  adw_status_page_set_title (self->empty_page, title);
  /* The error's own message is part of it. */
  wh_format_status_page_set_description (self->empty_page, description);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_button), button != NULL);
  if (button)
    set_mnemonic_label (GTK_WIDGET (self->empty_button), button);
  g_object_set_data (G_OBJECT (self->empty_button), "kind", GINT_TO_POINTER (kind));
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
empty_button_clicked_cb (WhJobsView *self)
{
  EmptyKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self->empty_button), "kind"));

  switch (kind)
    {
    case EMPTY_NO_MATCH:
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      clear_filters_cb (self);
      break;
    case EMPTY_NOT_SYNCED:
      gtk_widget_activate_action (GTK_WIDGET (self), "app.sync", NULL);
      break;
    case EMPTY_NO_BACKEND:
      gtk_widget_activate_action (GTK_WIDGET (self), "app.preferences", NULL);
      break;
    case EMPTY_ERROR:
      apply_filters (self);
      break;
    case EMPTY_NONE:
    default:
      break;
    }
}

static void
update_summary (WhJobsView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  guint sort = gtk_drop_down_get_selected (self->sort_dropdown);
  const char *order = sort < G_N_ELEMENTS (sort_choices) ? _(sort_choices[sort].label) : "";

  /* Translators: how many jobs the list holds; %'u groups the digits */
  count = g_strdup_printf (ngettext ("%'u job", "%'u jobs", n), n);
  text = g_strdup_printf ("%s · %s", count, order);
  gtk_label_set_text (self->summary_label, text);
  update_filter_button (self);
}

static void
show_empty_for_total (WhJobsView *self,
                      gint64      total)
{
  if (total > 0)
    show_empty (self, EMPTY_NO_MATCH, NULL);
  else if (self->context && wh_context_get_api (self->context) == NULL)
    show_empty (self, EMPTY_NO_BACKEND, NULL);
  else
    show_empty (self, EMPTY_NOT_SYNCED, NULL);
}

static void
empty_count_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(WhJobsView) self = data;
  g_autoptr(GError) error = NULL;
  gint64 total = wh_store_count_finish (WH_STORE (source), result, &error);

  /* A newer update, or the view went away. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_empty_for_total (self, MAX (total, 0));
}

static void
update_empty_state (WhJobsView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  update_summary (self);
  /* Any count still on its way is out of date. */
  g_cancellable_cancel (self->empty_cancellable);
  if (n > 0)
    {
      show_empty (self, EMPTY_NONE, NULL);
      return;
    }
  if (has_search (self) || !wh_job_filters_is_default (self->filters))
    {
      show_empty (self, EMPTY_NO_MATCH, NULL);
      return;
    }
  /* Nothing at all: is anything cached? Asked on the store's queue. */
  if (self->store == NULL)
    {
      show_empty_for_total (self, 0);
      return;
    }
  g_cancellable_cancel (self->empty_cancellable);
  g_clear_object (&self->empty_cancellable);
  self->empty_cancellable = g_cancellable_new ();
  wh_store_count_async (self->store, &wh_collection_jobs, self->empty_cancellable,
                        empty_count_cb, g_object_ref (self));
}

static void
items_changed_cb (WhJobsView *self)
{
  update_empty_state (self);
}

static WhQuery *
build_query (WhJobsView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDate) today = g_date_new_dmy (g_date_time_get_day_of_month (now),
                                           g_date_time_get_month (now),
                                           g_date_time_get_year (now));

  return wh_job_filters_to_query (self->filters,
                                  gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), today,
                                  self->has_origin, self->lat, self->lon);
}

static void
set_list_model (GtkListView *view,
                GListModel  *model)
{
  g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (model));

  gtk_list_view_set_model (view, GTK_SELECTION_MODEL (selection));
}

static void
set_query_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WhJobsView) self = user_data;
  g_autoptr(GError) error = NULL;

  gboolean ok;

  /* The new list starts at its top. Unplugged while it changes, the list
   * view forgets the position, focus and rows it tracked in the old list,
   * which it would otherwise look up again in the new one: pages read deep
   * in a million rows, seconds. Plugged back, it reads the first page,
   * which is already in. */
  gtk_list_view_set_model (self->list_view, NULL);
  ok = wh_list_model_set_query_finish (WH_LIST_MODEL (object), result, &error);
  set_list_model (self->list_view, G_LIST_MODEL (self->model));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->list_scroller), 0);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      show_empty (self, EMPTY_ERROR, error->message);
      return;
    }
  set_busy (self, FALSE);
  update_empty_state (self);
}

static void
apply_filters (WhJobsView *self)
{
  g_autoptr(WhQuery) query = NULL;

  update_filter_button (self);
  if (self->model == NULL)
    return;
  query = build_query (self);
  g_free (self->applied_search);
  self->applied_search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  set_busy (self, TRUE);
  /* Counting a million rows takes longer than a frame: off the main thread,
   * and the rows shown stay until the new ones are ready. */
  wh_list_model_set_query_async (self->model, query, NULL, set_query_cb, g_object_ref (self));
}

static void
search_changed_cb (WhJobsView *self)
{
  /* The same text again (the entry's delayed signal after the text was
   * already applied, a reset of an empty entry) would count and read the
   * same rows again, and keep the list busy meanwhile. */
  if (g_strcmp0 (self->applied_search,
                 gtk_editable_get_text (GTK_EDITABLE (self->search_entry))) == 0)
    return;
  apply_filters (self);
}

/* ---- Detail -------------------------------------------------------------------------- */

static void
show_detail (WhJobsView *self,
             const char *page,
             const char *title)
{
  gtk_label_set_text (self->detail_title, title ? title : "");
  gtk_stack_set_visible_child_name (self->detail_stack, page);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  if (adw_leaflet_get_folded (self->leaflet))
    gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
}

static void
show_job (WhJobsView     *self,
          const WhRecord *job)
{
  wh_job_page_show (self->job_page, self->store, job, self->has_origin, self->lat, self->lon);
  show_detail (self, "job", wh_record_get_text (job, "title"));
}

gboolean
wh_jobs_view_show_job (WhJobsView *self,
                       gint64      id)
{
  g_autoptr(WhRecord) job = NULL;

  g_return_val_if_fail (WH_IS_JOBS_VIEW (self), FALSE);

  if (self->store == NULL)
    return FALSE;
  job = wh_store_get_record (self->store, &wh_collection_jobs, id, NULL);
  if (job == NULL)
    return FALSE;
  show_job (self, job);
  return TRUE;
}

static void
job_activated_cb (WhJobsView *self,
                  guint       position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (object)
    show_job (self, wh_record_object_get_record (object));
}

static void
other_job_cb (WhJobsView *self,
              gint64      id)
{
  if (!wh_jobs_view_show_job (self, id))
    toast (self, _("That job is no longer listed."));
}

static void
message_cb (WhJobsView *self,
            const char *text)
{
  toast (self, text);
}

static gboolean
navigate_back (WhJobsView *self)
{
  if (!adw_leaflet_get_folded (self->leaflet) ||
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "list") == 0)
    return FALSE;
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->sections));
  return TRUE;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  navigate_back (WH_JOBS_VIEW (widget));
}

/* ---- My jobs -------------------------------------------------------------------------- */

static void
remove_mark_clicked_cb (GtkButton  *button,
                        WhJobsView *self)
{
  gint64 *id = g_object_get_data (G_OBJECT (button), "job-id");
  g_autoptr(GError) error = NULL;

  if (!wh_sync_remove_bookmark (self->store, *id, &error))
    toast (self, error->message);
}

static void
refresh_mine (WhJobsView *self)
{
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) jobs = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->mine_list))) != NULL)
    gtk_list_box_remove (self->mine_list, child);
  if (self->store == NULL)
    return;
  marks = wh_store_list_bookmarks (self->store, NULL);
  for (guint i = 0; marks && i < marks->len; i++)
    g_array_append_val (ids, ((WhRecord *) marks->pdata[i])->id);
  jobs = wh_store_get_records (self->store, &wh_collection_jobs, (gint64 *) (gpointer) ids->data,
                               ids->len, NULL);
  for (guint i = 0; marks && i < marks->len; i++)
    {
      const WhRecord *mark = marks->pdata[i];
      const WhRecord *job = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove;

      for (guint j = 0; jobs && j < jobs->len && job == NULL; j++)
        if (((WhRecord *) jobs->pdata[j])->id == mark->id)
          job = jobs->pdata[j];
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (job)
        {
          g_autofree char *pay = wh_format_salary (wh_record_get_int (job, "salary_min"),
                                                   wh_record_get_int (job, "salary_max"),
                                                   wh_record_get_text (job, "salary_period"));
          g_autofree char *sub = g_strdup_printf ("%s · %s", pay,
                                                  wh_record_get_text (job, "employer_name"));

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), wh_record_get_text (job, "title"));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
        }
      else
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Job no longer listed"));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                       _("The employer took it down, or it is outside the region "
                                         "you sync."));
        }
      if (wh_record_get_bool (mark, "applied"))
        {
          GtkWidget *badge = gtk_label_new (_("Applied"));

          gtk_widget_add_css_class (badge, "wh-tag");
          gtk_widget_add_css_class (badge, "success");
          gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
        }
      remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove from My Jobs"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Remove from My Jobs"), -1);
      g_object_set_data_full (G_OBJECT (remove), "job-id", g_memdup2 (&mark->id, sizeof mark->id),
                              g_free);
      g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_mark_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      g_object_set_data_full (G_OBJECT (row), "job-id", g_memdup2 (&mark->id, sizeof mark->id),
                              g_free);
      gtk_list_box_append (self->mine_list, row);
    }
  gtk_stack_set_visible_child_name (self->mine_stack, marks && marks->len ? "list" : "empty");
}

static void
mine_activated_cb (WhJobsView    *self,
                   GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "job-id");

  if (id != NULL)
    wh_jobs_view_show_job (self, *id);
}

/* ---- Job fairs ------------------------------------------------------------------------ */

static void
apply_fair_filter (WhJobsView *self)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_fairs);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  guint city = gtk_drop_down_get_selected (self->fair_city_dropdown);

  if (self->fairs_model == NULL)
    return;
  wh_query_where_text (query, "date", WH_QUERY_GE, today);
  if (city != GTK_INVALID_LIST_POSITION && city > 0 && city < self->cities->len)
    wh_query_where_int (query, "city_adcode", WH_QUERY_EQ, g_array_index (self->cities, gint64, city));
  /* Soonest first: the ones a worker can still go to. */
  wh_query_set_order (query, "date", FALSE);
  wh_list_model_set_query (self->fairs_model, query);
}

static void
fair_city_changed_cb (WhJobsView *self)
{
  if (self->syncing_controls == 0)
    apply_fair_filter (self);
}

static void
fairs_changed_cb (WhJobsView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->fairs_model));

  gtk_stack_set_visible_child_name (self->fairs_stack, n > 0 ? "list" : "empty");
}

static char *
fair_when (const WhRecord *fair)
{
  const char *start = wh_record_is_set (fair, "start_time") ? wh_record_get_text (fair, "start_time") : NULL;
  const char *end = wh_record_is_set (fair, "end_time") ? wh_record_get_text (fair, "end_time") : NULL;

  if (start && end)
    return g_strdup_printf ("%s %s–%s", wh_record_get_text (fair, "date"), start, end);
  if (start)
    return g_strdup_printf ("%s %s", wh_record_get_text (fair, "date"), start);
  return g_strdup (wh_record_get_text (fair, "date"));
}

static void
bind_fair_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              WhJobsView               *self)
{
  const WhRecord *r = wh_record_object_get_record (gtk_list_item_get_item (item));
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *when = gtk_widget_get_next_sibling (title);
  GtkWidget *venue = gtk_widget_get_next_sibling (when);
  GtkWidget *city = gtk_widget_get_next_sibling (venue);
  g_autofree char *when_text = fair_when (r);

  gtk_label_set_text (GTK_LABEL (title), wh_record_get_text (r, "title"));
  gtk_label_set_text (GTK_LABEL (when), when_text);
  gtk_label_set_text (GTK_LABEL (venue), wh_record_get_text (r, "venue"));
  gtk_label_set_text (GTK_LABEL (city), wh_record_is_set (r, "city") ? wh_record_get_text (r, "city") : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wh_record_get_text (r, "title"), -1);
}

static GPtrArray *
fair_employer_names (WhJobsView     *self,
                     const WhRecord *fair)
{
  g_autoptr(GArray) ids = wh_record_dup_intv (fair, "employer_ids");
  g_autoptr(GPtrArray) employers = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  if (ids != NULL && ids->len > 0)
    employers = wh_store_get_records (self->store, &wh_collection_employers,
                                      (gint64 *) (gpointer) ids->data, ids->len, NULL);
  for (guint i = 0; employers && i < employers->len; i++)
    g_ptr_array_add (names, g_strdup (wh_record_get_text (employers->pdata[i], "name")));
  g_ptr_array_add (names, NULL);
  return names;
}

static void
save_ics_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WhJobsView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the calendar file: %s"),
                                               error->message);
      toast (self, text);
      return;
    }
  toast (self, _("Saved. Open the file to add the fair to your calendar."));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     WhJobsView      *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL && self->fair_ics)
    {
      char *text = g_steal_pointer (&self->fair_ics);
      GBytes *bytes = g_bytes_new_take (text, strlen (text));

      g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                           save_ics_cb, g_object_ref (self));
      g_bytes_unref (bytes);
    }
  g_clear_pointer (&self->fair_ics, g_free);
  g_clear_object (&self->chooser);
}

static void
export_fair_cb (WhJobsView *self)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *suggested = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->fair == NULL || self->chooser != NULL)
    return;
  names = fair_employer_names (self, self->fair);
  g_free (self->fair_ics);
  self->fair_ics = wh_fair_to_ics (self->fair, (const char * const *) names->pdata, &error);
  if (self->fair_ics == NULL)
    {
      toast (self, error->message);
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_("Save to Calendar File"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);
  /* Translators: the suggested file name of an exported fair; %s is its date */
  suggested = g_strdup_printf (_("job-fair-%s.ics"), wh_record_get_text (self->fair, "date"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
show_fair (WhJobsView     *self,
           const WhRecord *fair)
{
  g_autoptr(GPtrArray) names = fair_employer_names (self, fair);
  g_autofree char *when = fair_when (fair);
  GtkWidget *child, *title, *group, *employers, *export;

  g_clear_pointer (&self->fair, wh_record_free);
  self->fair = wh_record_copy (fair);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fair_box))) != NULL)
    gtk_box_remove (self->fair_box, child);

  title = gtk_label_new (wh_record_get_text (fair, "title"));
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "title-2");
  gtk_box_append (self->fair_box, title);

  group = adw_preferences_group_new ();
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), wh_job_page_new_fact_row (_("When"), when));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("Venue"), wh_record_get_text (fair, "venue")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("Address"), wh_record_is_set (fair, "address") ?
                                                     wh_record_get_text (fair, "address") : NULL));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             wh_job_page_new_fact_row (_("City"), wh_record_is_set (fair, "city") ?
                                                  wh_record_get_text (fair, "city") : NULL));
  gtk_box_append (self->fair_box, group);

  if (wh_record_is_set (fair, "description"))
    {
      GtkWidget *label = gtk_label_new (wh_record_get_text (fair, "description"));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_box_append (self->fair_box, label);
    }

  /* Kiosks keep no files: no export there. */
  if (!wh_context_get_kiosk (self->context))
    {
      export = gtk_button_new ();
      set_mnemonic_label (export, _("_Add to Calendar…"));
      gtk_widget_set_halign (export, GTK_ALIGN_START);
      gtk_widget_add_css_class (export, "pill");
      gtk_widget_add_css_class (export, "suggested-action");
      gtk_widget_set_tooltip_text (export, _("Save the fair as a calendar file (.ics)"));
      g_signal_connect_object (export, "clicked", G_CALLBACK (export_fair_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->fair_box, export);
    }

  employers = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (employers), _("Employers Attending"));
  if (names->len <= 1)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (employers),
                                           _("The list of employers is not out yet."));
  for (guint i = 0; i + 1 < names->len; i++)
    {
      /* Plain text from the start, not parsed once before. */
      GtkWidget *row = wh_format_row_new (names->pdata[i], NULL);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (employers), row);
    }
  gtk_box_append (self->fair_box, employers);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
    GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (self->fair_box), GTK_TYPE_SCROLLED_WINDOW))), 0);
  show_detail (self, "fair", wh_record_get_text (fair, "title"));
}

static void
fair_activated_cb (WhJobsView *self,
                   guint       position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->fairs_model), position);

  if (object)
    show_fair (self, wh_record_object_get_record (object));
}

static void
section_changed_cb (WhJobsView *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->sections);

  gtk_toggle_button_set_active (self->jobs_button, g_strcmp0 (name, "jobs") == 0);
  gtk_toggle_button_set_active (self->mine_button, g_strcmp0 (name, "mine") == 0);
  gtk_toggle_button_set_active (self->fairs_button, g_strcmp0 (name, "fairs") == 0);
  if (g_strcmp0 (name, "mine") == 0)
    refresh_mine (self);
}

static void
section_button_cb (WhJobsView *self)
{
  if (gtk_toggle_button_get_active (self->jobs_button))
    adw_view_stack_set_visible_child_name (self->sections, "jobs");
  else if (gtk_toggle_button_get_active (self->mine_button))
    adw_view_stack_set_visible_child_name (self->sections, "mine");
  else if (gtk_toggle_button_get_active (self->fairs_button))
    adw_view_stack_set_visible_child_name (self->sections, "fairs");
}

/* ---- Store and context ------------------------------------------------------------------ */

static gboolean
refresh_idle_cb (gpointer data)
{
  WhJobsView *self = data;

  self->refresh_source = 0;
  refresh_mine (self);
  return G_SOURCE_REMOVE;
}

static gboolean
choices_timeout_cb (gpointer data)
{
  WhJobsView *self = data;

  self->choices_source = 0;
  if (self->store != NULL)
    load_choices (self);
  return G_SOURCE_REMOVE;
}

/* On the main context (the store's contract). */
static void
store_changed_cb (WhStore    *store,
                  const char *what,
                  WhJobsView *self)
{
  /* The first sync brings the trades and cities the filters offer: without
   * this they would stay empty until the next start. */
  if ((g_strcmp0 (what, "categories") == 0 || g_strcmp0 (what, "stations") == 0) &&
      self->choices_source == 0)
    self->choices_source = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, CHOICES_DELAY_MS,
                                               choices_timeout_cb, self, NULL);
  if (g_strcmp0 (what, "bookmarks") != 0 && g_strcmp0 (what, "jobs") != 0)
    return;
  if (self->refresh_source == 0)
    self->refresh_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_idle_cb, self, NULL);
}

static GtkListItemFactory *
make_factory (WhJobsView *self,
              GCallback   bind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect_object (factory, "bind", bind, self, 0);
  return factory;
}


static void
set_store (WhJobsView *self,
           WhStore    *store)
{
  g_autoptr(WhQuery) query = NULL;
  g_autoptr(WhQuery) fairs = wh_query_new (&wh_collection_fairs);

  if (store == self->store)
    return;
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_set_object (&self->store, store);
  if (store == NULL)
    return;
  self->changed_id = g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb),
                                              self, 0);

  /* The first list reads synchronously once; every change after is async. */
  query = build_query (self);
  g_clear_object (&self->model);
  self->model = wh_list_model_new (store, query);
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  set_list_model (self->list_view, G_LIST_MODEL (self->model));

  g_clear_object (&self->fairs_model);
  self->fairs_model = wh_list_model_new (store, fairs);
  g_signal_connect_object (self->fairs_model, "items-changed", G_CALLBACK (fairs_changed_cb), self,
                           G_CONNECT_SWAPPED);
  set_list_model (self->fairs_view, G_LIST_MODEL (self->fairs_model));
  apply_fair_filter (self);
  fairs_changed_cb (self);

  load_choices (self);
  refresh_mine (self);
  update_empty_state (self);
}

static void
context_store_cb (WhJobsView *self)
{
  set_store (self, wh_context_get_store (self->context));
}

static void
context_location_cb (WhJobsView *self)
{
  gboolean had = self->has_origin;

  self->has_origin = wh_context_get_location (self->context, &self->lat, &self->lon);
  fill_sort_dropdown (self);
  sync_controls (self);
  if (had != self->has_origin || self->filters->sort == WH_JOB_SORT_DISTANCE)
    apply_filters (self);
}

/* ---- WhServicePage ------------------------------------------------------------------------ */

static void
wh_jobs_view_set_context (WhServicePage *page,
                          WhContext     *context)
{
  WhJobsView *self = WH_JOBS_VIEW (page);

  g_set_object (&self->context, context);
  load_filters (self);
  self->has_origin = wh_context_get_location (context, &self->lat, &self->lon);
  fill_sort_dropdown (self);
  sync_controls (self);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (context_store_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::api", G_CALLBACK (update_empty_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::location", G_CALLBACK (context_location_cb), self,
                           G_CONNECT_SWAPPED);
  context_store_cb (self);
}

static void
wh_jobs_view_focus_search (WhServicePage *page)
{
  WhJobsView *self = WH_JOBS_VIEW (page);

  adw_view_stack_set_visible_child_name (self->sections, "jobs");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static gboolean
wh_jobs_view_navigate_back (WhServicePage *page)
{
  return navigate_back (WH_JOBS_VIEW (page));
}

/* Takes filters. */
static void
reset_to (WhJobsView   *self,
          WhJobFilters *filters)
{
  /* Nothing the last person typed, chose or opened stays. */
  gtk_popover_popdown (self->filter_popover);
  wh_job_filters_free (self->filters);
  self->filters = filters;
  save_filters (self);
  sync_controls (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  wh_job_page_clear (self->job_page);
  g_clear_pointer (&self->fair, wh_record_free);
  gtk_stack_set_visible_child_name (self->detail_stack, "none");
  gtk_label_set_text (self->detail_title, "");
  adw_view_stack_set_visible_child_name (self->sections, "jobs");
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  apply_filters (self);
  refresh_mine (self);
}

static void
wh_jobs_view_reset (WhServicePage *page)
{
  reset_to (WH_JOBS_VIEW (page), wh_job_filters_new ());
}

/* The kiosk's "Jobs by category": "category:<name>" (a value of the jobs'
 * category field) lists that trade's jobs, and NULL every job; nearest
 * the kiosk's station first when it knows it, so a passer-by sees work
 * within reach without typing or sorting. */
static void
wh_jobs_view_show_topic (WhServicePage *page,
                         const char    *topic)
{
  WhJobsView *self = WH_JOBS_VIEW (page);
  WhJobFilters *filters = wh_job_filters_new ();

  if (topic && g_str_has_prefix (topic, "category:") && topic[strlen ("category:")] != '\0')
    filters->category = g_strdup (topic + strlen ("category:"));
  if (self->has_origin)
    filters->sort = WH_JOB_SORT_DISTANCE;
  reset_to (self, filters);
}

static void
wh_jobs_view_page_init (WhServicePageInterface *iface)
{
  iface->set_context = wh_jobs_view_set_context;
  iface->focus_search = wh_jobs_view_focus_search;
  iface->navigate_back = wh_jobs_view_navigate_back;
  iface->reset = wh_jobs_view_reset;
  iface->show_topic = wh_jobs_view_show_topic;
}

/* ---- Public -------------------------------------------------------------------------------- */

const WhJobFilters *
wh_jobs_view_get_filters (WhJobsView *self)
{
  g_return_val_if_fail (WH_IS_JOBS_VIEW (self), NULL);

  return self->filters;
}

void
wh_jobs_view_set_filters (WhJobsView         *self,
                          const WhJobFilters *filters)
{
  g_return_if_fail (WH_IS_JOBS_VIEW (self));
  g_return_if_fail (filters != NULL);

  wh_job_filters_free (self->filters);
  self->filters = wh_job_filters_copy (filters);
  sync_controls (self);
  save_filters (self);
  apply_filters (self);
}

GtkListView *
wh_jobs_view_get_list (WhJobsView *self)
{
  g_return_val_if_fail (WH_IS_JOBS_VIEW (self), NULL);
  return self->list_view;
}

gboolean
wh_jobs_view_get_busy (WhJobsView *self)
{
  g_return_val_if_fail (WH_IS_JOBS_VIEW (self), FALSE);

  return self->busy;
}

/* ---- Class ----------------------------------------------------------------------------------- */

static void
wh_jobs_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WhJobsView *self = WH_JOBS_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_jobs_view_dispose (GObject *object)
{
  WhJobsView *self = WH_JOBS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->empty_cancellable);
  g_clear_object (&self->empty_cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->choices_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOBS_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->fairs_model);
  g_clear_object (&self->store);
  g_clear_object (&self->context);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wh_jobs_view_parent_class)->dispose (object);
}

static void
wh_jobs_view_finalize (GObject *object)
{
  WhJobsView *self = WH_JOBS_VIEW (object);

  wh_job_filters_free (self->filters);
  g_array_unref (self->cities);
  g_array_unref (self->districts);
  g_ptr_array_unref (self->categories);
  g_ptr_array_unref (self->welfare_buttons);
  g_clear_pointer (&self->fair, wh_record_free);
  g_free (self->fair_ics);
  g_free (self->applied_search);
  G_OBJECT_CLASS (wh_jobs_view_parent_class)->finalize (object);
}

static void
wh_jobs_view_class_init (WhJobsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_jobs_view_dispose;
  object_class->finalize = wh_jobs_view_finalize;
  object_class->get_property = wh_jobs_view_get_property;

  /* TRUE from a change of filters or search until its first rows are in. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WH_TYPE_JOB_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-jobs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, city_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, clear_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, district_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, empty_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fair_box);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fair_city_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fairs_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fairs_view);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, filter_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, filter_button_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fairs_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, jobs_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, mine_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, filter_popover);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, job_page);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, mine_list);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, mine_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, pay_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, posted_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, sections);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, settlement_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, sort_hint);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, toasts);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, welfare_box);
  gtk_widget_class_bind_template_callback (widget_class, city_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_filters_cb);
  gtk_widget_class_bind_template_callback (widget_class, empty_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, fair_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, fair_city_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_control_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, job_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, message_cb);
  gtk_widget_class_bind_template_callback (widget_class, mine_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, other_job_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_button_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_changed_cb);

  gtk_widget_class_install_action (widget_class, "jobs.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "jobs.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "jobs.back", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_jobs_view_init (WhJobsView *self)
{
  g_autoptr(GtkListItemFactory) jobs = NULL;
  g_autoptr(GtkListItemFactory) fairs = NULL;
  gint64 none = 0;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->filters = wh_job_filters_new ();
  self->cities = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (self->cities, none);
  self->districts = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->categories = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->categories, NULL);
  self->welfare_buttons = g_ptr_array_new ();

  jobs = make_factory (self, G_CALLBACK (bind_row_cb));
  gtk_list_view_set_factory (self->list_view, jobs);
  fairs = make_factory (self, G_CALLBACK (bind_fair_cb));
  gtk_list_view_set_factory (self->fairs_view, fairs);

  for (guint i = 0; i < G_N_ELEMENTS (welfare_tags); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (welfare_tags[i]);

      gtk_widget_add_css_class (button, "pill");
      g_signal_connect_object (button, "toggled", G_CALLBACK (welfare_toggled_cb), self, 0);
      gtk_flow_box_append (self->welfare_box, button);
      g_ptr_array_add (self->welfare_buttons, button);
    }
  enable_dropdown_search (self->city_dropdown);
  enable_dropdown_search (self->fair_city_dropdown);
  {
    GtkStringList *cities = string_list_new ();
    GtkStringList *fair_cities = string_list_new ();
    GtkStringList *categories = string_list_new ();

    gtk_string_list_append (cities, _("Anywhere"));
    gtk_string_list_append (fair_cities, _("All cities"));
    gtk_string_list_append (categories, _("Every trade"));
    set_dropdown_strings (self->city_dropdown, cities);
    set_dropdown_strings (self->fair_city_dropdown, fair_cities);
    set_dropdown_strings (self->category_dropdown, categories);
  }
  fill_static_dropdowns (self);
  fill_districts (self, 0);
  update_summary (self);
  section_changed_cb (self);
}
