/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-jobs-view"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "wh-format.h"
#include "wh-keynav.h"
#include "wh-job-fair-page.h"
#include "wh-job-fairs-page.h"
#include "wh-job-filter-popover.h"
#include "wh-job-page.h"
#include "wh-jobs-view.h"
#include "wh-jobs.h"
#include "wh-list-model.h"
#include "wh-my-jobs-page.h"
#include "wh-service-page.h"

/* A sync writes the trades and the stations (whose cities the place filter
 * offers) page by page: their choices are read again once it pauses. */
#define CHOICES_DELAY_MS 1000

struct _WhJobsView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton          *back_button;
  GtkSpinner         *busy_spinner;
  GtkLabel           *detail_title;
  GtkStack           *detail_stack;
  GtkButton          *empty_button;
  AdwStatusPage      *empty_page;
  WhJobFairPage      *fair_page;
  WhJobFairsPage     *fairs_page;
  GtkMenuButton      *filter_button;
  GtkLabel           *filter_button_label;
  GtkToggleButton    *fairs_button;
  GtkToggleButton    *jobs_button;
  GtkToggleButton    *mine_button;
  WhJobFilterPopover *filter_popover;
  WhJobPage          *job_page;
  AdwLeaflet         *leaflet;
  GtkScrolledWindow  *list_scroller;
  GtkStack           *list_stack;
  GtkListView        *list_view;
  WhMyJobsPage       *mine_page;
  GtkSearchEntry     *search_entry;
  AdwViewStack       *sections;
  GtkLabel           *summary_label;

  /* Owned references */
  WhContext     *context;
  WhStore       *store;
  WhListModel   *model;       /* the jobs; with a search, those whose title matches */
  WhListModel   *others;      /* with a search, the rest of its hits (the employer's name, the text) */
  GListModel    *rows;        /* model, then others: what the list shows */
  WhJobFilters  *filters;
  GCancellable  *cancellable;  /* the pending query and choice loading */
  GCancellable  *empty_cancellable; /* the count behind the empty state */
  GCancellable  *open_cancellable;  /* the job being read to be opened */
  gulong         changed_id;
  guint          choices_source; /* a reload of the cities and trades is scheduled */

  char          *applied_search; /* the text of the last query asked for */
  char          *section;        /* the section shown: "jobs", "mine", "fairs" */
  guint          pending;        /* queries asked for and not in yet */
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

/* ---- Filters -------------------------------------------------------------------- */

static void
sync_controls (WhJobsView *self)
{
  wh_job_filter_popover_show (self->filter_popover, self->filters);
}

static void
set_origin (WhJobsView *self)
{
  wh_job_filter_popover_set_origin (self->filter_popover, self->has_origin,
                                    self->context && wh_context_get_kiosk (self->context));
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
}

static void
filter_changed_cb (WhJobsView *self)
{
  if (self->filters == NULL)
    return;
  wh_job_filter_popover_read (self->filter_popover, self->filters);
  save_filters (self);
  apply_filters (self);
}

/* The popover hangs centred under the Filters button, at the window's right
 * edge: in a narrow window half of it would be past that edge (GTK lets a
 * popover leave its window, onto the screen). Slid left to end inside it. */
static void
popover_map_cb (WhJobsView *self)
{
  GtkWidget *popover = GTK_WIDGET (self->filter_popover);
  GtkWidget *button = GTK_WIDGET (self->filter_button);
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (button));
  graphene_point_t centre;
  int width = 0, margin = 6;

  gtk_popover_set_offset (GTK_POPOVER (self->filter_popover), 0, 0);
  if (root == NULL ||
      !gtk_widget_compute_point (button, root,
                                 &GRAPHENE_POINT_INIT (gtk_widget_get_width (button) / 2.f, 0),
                                 &centre))
    return;
  gtk_widget_measure (popover, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  if (centre.x + width / 2.f > gtk_widget_get_width (root) - margin)
    gtk_popover_set_offset (GTK_POPOVER (self->filter_popover),
                            (int) (gtk_widget_get_width (root) - margin - width / 2.f - centre.x),
                            0);
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

/* ---- Choices that come from the cache (on the store's queue) ------------------------ */

static void
load_choices_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WhJobsView) self = user_data;
  g_autoptr(WhJobChoices) c = wh_jobs_load_choices_finish (WH_STORE (source), result, NULL);

  /* Cancelled: the view went away. */
  if (c == NULL)
    return;
  wh_job_filter_popover_set_choices (self->filter_popover, c);
  wh_job_fairs_page_set_regions (self->fairs_page, c->regions);
}

static void
load_choices (WhJobsView *self)
{
  /* A GROUP BY over every station: on the store's queue. */
  wh_jobs_load_choices_async (self->store, self->cancellable, load_choices_cb,
                              g_object_ref (self));
}

/* ---- The list ------------------------------------------------------------------------ */

/* The day jobs are open on: this desktop's, offline too. */
static GDate *
today_date (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_new_dmy (g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                         g_date_time_get_year (now));
}

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
  gtk_list_item_set_child (item, wh_format_four_line_row_new ());
}

/* Whether the row at position is a search's hit whose title does not
 * have the words but its employer's name does: the row says so, or a 瓦工
 * would seem listed for 保洁 by mistake. */
static gboolean
employer_matches (WhJobsView     *self,
                  guint           position,
                  const WhRecord *job)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *words = NULL;
  g_autofree char *employer = NULL;

  if (text == NULL || *text == '\0' || self->model == NULL ||
      position < g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    return FALSE;
  words = g_utf8_casefold (g_strstrip (g_strdup (text)), -1);
  employer = g_utf8_casefold (wh_record_get_text (job, "employer_name"), -1);
  return *words != '\0' && strstr (employer, words) != NULL;
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
  gboolean closed;
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
    g_autofree char *benefits = wh_format_benefits (r, " · ");
    g_autoptr(GDate) today = today_date ();

    /* The settlement once, in the person's language: the tags that say it
     * too (日结) are left out of the benefits. A closed job says so first. */
    closed = wh_job_is_closed (r, today);
    tags_text = g_strjoin (" · ", wh_format_settlement (wh_record_get_text (r, "settlement")),
                           benefits, NULL);
    if (employer_matches (self, gtk_list_item_get_position (item), r))
      {
        g_autofree char *rest = g_steal_pointer (&tags_text);

        /* Translators: a job found by a search because its employer's
         * name has the words, not its title */
        tags_text = g_strjoin (" · ", _("Employer matches"), rest, NULL);
      }
    if (closed)
      {
        g_autofree char *open = g_steal_pointer (&tags_text);

        /* Translators: a job past its last day to apply (已截止) */
        tags_text = g_strjoin (" · ", C_("job", "Closed"), open, NULL);
      }
  }
  gtk_label_set_text (GTK_LABEL (title), wh_record_get_text (r, "title"));
  gtk_label_set_text (GTK_LABEL (pay), salary);
  gtk_label_set_text (GTK_LABEL (where), where_text);
  gtk_label_set_text (GTK_LABEL (tags), tags_text);
  if (closed)
    gtk_widget_add_css_class (tags, "error");
  else
    gtk_widget_remove_css_class (tags, "error");
  if (closed)
    /* Translators: a job in the list read out: its title, pay and place,
     * then that it is closed */
    a11y = g_strdup_printf (_("%s, %s, %s, closed"), wh_record_get_text (r, "title"), salary,
                            where_text);
  else
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
    wh_format_button_set_mnemonic_label (GTK_WIDGET (self->empty_button), button);
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
  guint n = self->rows ? g_list_model_get_n_items (self->rows) : 0;
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  const char *order = wh_job_filter_popover_get_sort_label (self->filter_popover);

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
  guint n = self->rows ? g_list_model_get_n_items (self->rows) : 0;

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

/* The list is two queries: with a search, the jobs whose title has the
 * words first (a 保洁 company's 瓦工 is not what someone who typed 保洁
 * looks for first), then the rest of its hits, each in the order chosen;
 * without, every job, then nothing. */
static WhQuery *
build_query (WhJobsView *self,
             gboolean    others)
{
  g_autoptr(GDate) today = today_date ();
  WhQuery *query = wh_job_filters_to_query (self->filters,
                                            gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                                            today, self->has_origin, self->lat, self->lon);

  if (has_search (self))
    wh_query_set_match_field (query, "title", others);
  else if (others)
    wh_query_where_id_in (query, NULL, 0);
  return query;
}

/* What the list view shows: both parts with a search, else the jobs alone
 * (the other part is empty then; the list keeps the plain model). */
static GListModel *
shown_rows (WhJobsView *self)
{
  if (self->applied_search != NULL && *self->applied_search != '\0')
    return self->rows;
  return G_LIST_MODEL (self->model);
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
  set_list_model (self->list_view, shown_rows (self));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->list_scroller), 0);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->pending = 0;
      set_busy (self, FALSE);
      show_empty (self, EMPTY_ERROR, error->message);
      return;
    }
  /* Superseded queries end cancelled above: this one is of the last pair. */
  if (self->pending > 0 && --self->pending > 0)
    return;
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
  query = build_query (self, FALSE);
  g_free (self->applied_search);
  self->applied_search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  set_busy (self, TRUE);
  /* Counting a million rows takes longer than a frame: off the main thread,
   * and the rows shown stay until the new ones are ready. */
  self->pending = 2;
  wh_list_model_set_query_async (self->model, query, NULL, set_query_cb, g_object_ref (self));
  g_clear_pointer (&query, wh_query_free);
  query = build_query (self, TRUE);
  wh_list_model_set_query_async (self->others, query, NULL, set_query_cb, g_object_ref (self));
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
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkWidget) focus = NULL;

  if (root != NULL && gtk_root_get_focus (root) != NULL)
    focus = g_object_ref (gtk_root_get_focus (root));
  gtk_label_set_text (self->detail_title, title ? title : "");
  gtk_stack_set_visible_child_name (self->detail_stack, page);
  if (g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "list") == 0)
    wh_keynav_remember_focus (GTK_WIDGET (self), "detail");
  /* The leaflet gives the focus to the first thing on the detail page it
   * shows: the job's title, a selectable label, which then selects all
   * of itself. Folded, the focus goes to Back; side by side, it stays on
   * the row opened; and nothing of the title is selected. */
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  if (adw_leaflet_get_folded (self->leaflet))
    gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
  else if (focus != NULL && gtk_widget_get_root (focus) == root)
    gtk_widget_grab_focus (focus);
  wh_job_page_unselect (self->job_page);
}

static void
show_job (WhJobsView     *self,
          const WhRecord *job)
{
  wh_job_page_show (self->job_page, self->store, job, self->has_origin, self->lat, self->lon);
  show_detail (self, "job", wh_record_get_text (job, "title"));
}

typedef struct
{
  WhJobsView *self;
  gboolean    tell_gone; /* a toast when the job is no longer cached */
} OpenJob;

static void
open_job_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  OpenJob *open = data;
  g_autoptr(WhJobsView) self = open->self;
  gboolean tell_gone = open->tell_gone;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) job = wh_store_get_record_finish (WH_STORE (source), result, &error);

  g_free (open);
  /* Another job asked for since, or the view went away. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (job != NULL)
    show_job (self, job);
  else if (tell_gone)
    toast (self, _("That job is no longer listed."));
}

/* Reads the job on the store's queue, then opens it. */
static gboolean
open_job (WhJobsView *self,
          gint64      id,
          gboolean    tell_gone)
{
  OpenJob *open;

  if (self->store == NULL)
    return FALSE;
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  self->open_cancellable = g_cancellable_new ();
  open = g_new0 (OpenJob, 1);
  open->self = g_object_ref (self);
  open->tell_gone = tell_gone;
  wh_store_get_record_async (self->store, &wh_collection_jobs, id, self->open_cancellable,
                             open_job_cb, open);
  return TRUE;
}

gboolean
wh_jobs_view_show_job (WhJobsView *self,
                       gint64      id)
{
  g_return_val_if_fail (WH_IS_JOBS_VIEW (self), FALSE);

  return open_job (self, id, FALSE);
}

static void
job_activated_cb (WhJobsView *self,
                  guint       position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (self->rows, position);

  if (object)
    show_job (self, wh_record_object_get_record (object));
}

static void
other_job_cb (WhJobsView *self,
              gint64      id)
{
  if (!open_job (self, id, TRUE))
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
  GtkWidget *fallback = GTK_WIDGET (self->sections);

  if (!adw_leaflet_get_folded (self->leaflet) ||
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "list") == 0)
    return FALSE;

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  /* My Jobs makes its rows anew when a mark or a sync changes them: the
   * row opened is then found again by its job. */
  if (g_strcmp0 (self->section, "mine") == 0 && wh_job_page_get_job_id (self->job_page) > 0)
    {
      GtkWidget *row = wh_my_jobs_page_get_row (self->mine_page,
                                                wh_job_page_get_job_id (self->job_page));

      if (row != NULL)
        fallback = row;
    }
  wh_keynav_restore_focus (GTK_WIDGET (self), "detail", fallback);
  return TRUE;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  navigate_back (WH_JOBS_VIEW (widget));
}

/* ---- My jobs and job fairs ----------------------------------------------------------- */

static void
mine_job_cb (WhJobsView *self,
             gint64      id)
{
  open_job (self, id, FALSE);
}

static void
fair_activated_cb (WhJobsView     *self,
                   WhRecordObject *object)
{
  const WhRecord *fair = wh_record_object_get_record (object);

  wh_job_fair_page_show (self->fair_page, self->store, fair, wh_context_get_kiosk (self->context));
  show_detail (self, "fair", wh_record_get_text (fair, "title"));
}

/* Nothing stays in the detail pane that the list beside it did not open. */
static void
clear_detail (WhJobsView *self)
{
  g_cancellable_cancel (self->open_cancellable);
  wh_job_page_clear (self->job_page);
  wh_job_fair_page_clear (self->fair_page);
  gtk_stack_set_visible_child_name (self->detail_stack, "none");
  gtk_label_set_text (self->detail_title, "");
}

static void
section_changed_cb (WhJobsView *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->sections);

  /* A fair shown beside the jobs after Ctrl+F, a job beside the fairs:
   * another section, another list, so the detail of the last one goes. */
  if (g_strcmp0 (name, self->section) != 0)
    {
      g_free (self->section);
      self->section = g_strdup (name);
      clear_detail (self);
      if (adw_leaflet_get_folded (self->leaflet))
        adw_leaflet_set_visible_child_name (self->leaflet, "list");
    }

  gtk_toggle_button_set_active (self->jobs_button, g_strcmp0 (name, "jobs") == 0);
  gtk_toggle_button_set_active (self->mine_button, g_strcmp0 (name, "mine") == 0);
  gtk_toggle_button_set_active (self->fairs_button, g_strcmp0 (name, "fairs") == 0);
  if (g_strcmp0 (name, "mine") == 0)
    wh_my_jobs_page_refresh (self->mine_page);
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
  query = build_query (self, FALSE);
  g_clear_object (&self->model);
  self->model = wh_list_model_new (store, query);
  g_clear_pointer (&query, wh_query_free);
  query = build_query (self, TRUE);
  g_clear_object (&self->others);
  self->others = wh_list_model_new (store, query);
  {
    GListStore *parts = g_list_store_new (G_TYPE_LIST_MODEL);

    g_list_store_append (parts, self->model);
    g_list_store_append (parts, self->others);
    g_clear_object (&self->rows);
    self->rows = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (parts)));
  }
  g_signal_connect_object (self->rows, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  set_list_model (self->list_view, shown_rows (self));

  wh_job_fairs_page_set_store (self->fairs_page, store);
  wh_job_filter_popover_set_store (self->filter_popover, store);
  load_choices (self);
  wh_my_jobs_page_set_store (self->mine_page, store);
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
  set_origin (self);
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
  set_origin (self);
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
  gtk_popover_popdown (GTK_POPOVER (self->filter_popover));
  wh_job_filters_free (self->filters);
  self->filters = filters;
  save_filters (self);
  sync_controls (self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  clear_detail (self);
  adw_view_stack_set_visible_child_name (self->sections, "jobs");
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  apply_filters (self);
  wh_my_jobs_page_refresh (self->mine_page);
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
  g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_handle_id (&self->choices_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOBS_VIEW);
  g_clear_object (&self->rows);
  g_clear_object (&self->others);
  g_clear_object (&self->model);
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
  g_free (self->applied_search);
  g_free (self->section);
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

  g_type_ensure (WH_TYPE_JOB_FAIR_PAGE);
  g_type_ensure (WH_TYPE_JOB_FAIRS_PAGE);
  g_type_ensure (WH_TYPE_JOB_FILTER_POPOVER);
  g_type_ensure (WH_TYPE_JOB_PAGE);
  g_type_ensure (WH_TYPE_MY_JOBS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-jobs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, empty_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fair_page);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, fairs_page);
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
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, mine_page);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, sections);
  gtk_widget_class_bind_template_child (widget_class, WhJobsView, summary_label);
  gtk_widget_class_bind_template_callback (widget_class, clear_filters_cb);
  gtk_widget_class_bind_template_callback (widget_class, empty_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, fair_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, job_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, message_cb);
  gtk_widget_class_bind_template_callback (widget_class, popover_map_cb);
  gtk_widget_class_bind_template_callback (widget_class, mine_job_cb);
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

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->filters = wh_job_filters_new ();

  jobs = make_factory (self, G_CALLBACK (bind_row_cb));
  gtk_list_view_set_factory (self->list_view, jobs);
  update_summary (self);
  section_changed_cb (self);
}
