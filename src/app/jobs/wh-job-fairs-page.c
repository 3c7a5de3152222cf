/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-job-fairs-page"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-job-fairs-page.h"
#include "wh-format.h"
#include "wh-jobs.h"
#include "wh-list-model.h"

struct _WhJobFairsPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkDropDown *fair_city_dropdown;
  GtkBox      *fairs_box;
  GtkStack    *fairs_stack;
  GtkListView *fairs_view;

  /* Owned references */
  WhStore      *store;
  WhListModel  *fairs_model;
  GCancellable *cancellable; /* the query being applied */
  GArray       *cities;      /* gint64 city adcode per fair_city_dropdown item (0: any) */

  /* State */
  guint         syncing_controls; /* > 0 while the dropdown is refilled */
};

G_DEFINE_FINAL_TYPE (WhJobFairsPage, wh_job_fairs_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_FAIR_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static WhQuery *
build_query (WhJobFairsPage *self)
{
  WhQuery *query = wh_query_new (&wh_collection_fairs);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  guint city = gtk_drop_down_get_selected (self->fair_city_dropdown);

  wh_query_where_text (query, "date", WH_QUERY_GE, today);
  if (city != GTK_INVALID_LIST_POSITION && city > 0 && city < self->cities->len)
    wh_query_where_int (query, "city_adcode", WH_QUERY_EQ, g_array_index (self->cities, gint64, city));
  /* Soonest first: the ones a worker can still go to. */
  wh_query_set_order (query, "date", FALSE);
  return query;
}

static void
set_query_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The list's items-changed says what changed; only an error is left. */
  if (!wh_list_model_set_query_finish (WH_LIST_MODEL (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Job fairs: %s", error->message);
}

static void
apply_fair_filter (WhJobFairsPage *self)
{
  g_autoptr(WhQuery) query = NULL;

  if (self->fairs_model == NULL)
    return;
  query = build_query (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  wh_list_model_set_query_async (self->fairs_model, query, self->cancellable, set_query_cb, NULL);
}

static void
fair_city_changed_cb (WhJobFairsPage *self)
{
  if (self->syncing_controls == 0)
    apply_fair_filter (self);
}

static void
fairs_changed_cb (WhJobFairsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->fairs_model));

  gtk_stack_set_visible_child_name (self->fairs_stack, n > 0 ? "list" : "empty");
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, wh_format_four_line_row_new ());
}

static void
bind_fair_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  const WhRecord *r = wh_record_object_get_record (gtk_list_item_get_item (item));
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *when = gtk_widget_get_next_sibling (title);
  GtkWidget *venue = gtk_widget_get_next_sibling (when);
  GtkWidget *city = gtk_widget_get_next_sibling (venue);
  g_autofree char *when_text = wh_jobs_fair_when (r);

  gtk_label_set_text (GTK_LABEL (title), wh_record_get_text (r, "title"));
  gtk_label_set_text (GTK_LABEL (when), when_text);
  gtk_label_set_text (GTK_LABEL (venue), wh_record_get_text (r, "venue"));
  gtk_label_set_text (GTK_LABEL (city), wh_record_is_set (r, "city") ? wh_record_get_text (r, "city") : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wh_record_get_text (r, "title"), -1);
}

static void
fair_activated_cb (WhJobFairsPage *self,
                   guint           position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->fairs_model), position);

  if (object)
    g_signal_emit (self, signals[SIGNAL_FAIR_ACTIVATED], 0, object);
}

/* ---- Public ------------------------------------------------------------------------- */

void
wh_job_fairs_page_set_store (WhJobFairsPage *self,
                             WhStore        *store)
{
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autoptr(WhQuery) fairs = NULL;

  g_return_if_fail (WH_IS_JOB_FAIRS_PAGE (self));
  g_return_if_fail (store == NULL || WH_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->fairs_model);
  gtk_list_view_set_model (self->fairs_view, NULL);
  if (store == NULL)
    return;
  /* Its first page reads at once, as the jobs list's does; a change of
   * city reads off the main thread. */
  fairs = build_query (self);
  self->fairs_model = wh_list_model_new (store, fairs);
  g_signal_connect_object (self->fairs_model, "items-changed", G_CALLBACK (fairs_changed_cb), self,
                           G_CONNECT_SWAPPED);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->fairs_model)));
  gtk_list_view_set_model (self->fairs_view, GTK_SELECTION_MODEL (selection));
  fairs_changed_cb (self);
}

void
wh_job_fairs_page_set_regions (WhJobFairsPage *self,
                               GPtrArray      *regions)
{
  GtkStringList *fair_cities = gtk_string_list_new (NULL);
  gint64 none = 0;

  g_return_if_fail (WH_IS_JOB_FAIRS_PAGE (self));

  g_array_set_size (self->cities, 0);
  g_array_append_val (self->cities, none);
  gtk_string_list_append (fair_cities, _("All cities"));
  for (guint i = 0; regions && i < regions->len; i++)
    {
      const WhRegion *r = regions->pdata[i];
      g_autofree char *label = NULL;

      /* Translators: a city and its province in the place filter, e.g. 广州市（广东省） */
      label = g_strdup_printf (_("%s (%s)"), r->city, r->province);
      g_array_append_val (self->cities, r->city_adcode);
      gtk_string_list_append (fair_cities, label);
    }
  self->syncing_controls++;
  gtk_drop_down_set_model (self->fair_city_dropdown, G_LIST_MODEL (fair_cities));
  g_object_unref (fair_cities);
  self->syncing_controls--;
}

/* ---- Class --------------------------------------------------------------------------- */

static void
wh_job_fairs_page_dispose (GObject *object)
{
  WhJobFairsPage *self = WH_JOB_FAIRS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOB_FAIRS_PAGE);
  g_clear_object (&self->fairs_model);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (wh_job_fairs_page_parent_class)->dispose (object);
}

static void
wh_job_fairs_page_finalize (GObject *object)
{
  WhJobFairsPage *self = WH_JOB_FAIRS_PAGE (object);

  g_array_unref (self->cities);
  G_OBJECT_CLASS (wh_job_fairs_page_parent_class)->finalize (object);
}

static void
wh_job_fairs_page_class_init (WhJobFairsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_job_fairs_page_dispose;
  object_class->finalize = wh_job_fairs_page_finalize;

  signals[SIGNAL_FAIR_ACTIVATED] = g_signal_new ("fair-activated", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, WH_TYPE_RECORD_OBJECT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-job-fairs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobFairsPage, fair_city_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WhJobFairsPage, fairs_box);
  gtk_widget_class_bind_template_child (widget_class, WhJobFairsPage, fairs_stack);
  gtk_widget_class_bind_template_child (widget_class, WhJobFairsPage, fairs_view);
  gtk_widget_class_bind_template_callback (widget_class, fair_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, fair_city_changed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_job_fairs_page_init (WhJobFairsPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cities = g_array_new (FALSE, FALSE, sizeof (gint64));
  wh_job_fairs_page_set_regions (self, NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_fair_cb), NULL);
  gtk_list_view_set_factory (self->fairs_view, factory);
  gtk_drop_down_set_expression (self->fair_city_dropdown,
                                gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
}
