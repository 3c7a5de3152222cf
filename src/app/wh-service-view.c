/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-service-view"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-format.h"
#include "wh-list-model.h"
#include "wh-service-view.h"

struct _WhServiceView
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkButton      *back_button;
  GtkBox         *detail_box;
  GtkLabel       *detail_title;
  GtkStack       *detail_stack;
  AdwStatusPage  *empty_page;
  AdwLeaflet     *leaflet;
  GtkStack       *list_stack;
  GtkListView    *list_view;
  GtkSearchEntry *search_entry;

  /* Owned references */
  char               *collection_name;
  char               *list_label;
  WhStore            *store;
  WhListModel        *model;
  GtkSingleSelection *selection;
  WhQuery            *base_query;
  GtkWidget          *detail_content;
};

G_DEFINE_FINAL_TYPE (WhServiceView, wh_service_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_COLLECTION_NAME,
  PROP_SEARCH_PLACEHOLDER,
  PROP_LIST_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const WhCollection *
get_collection (WhServiceView *self)
{
  return self->collection_name ? wh_schema_lookup (self->collection_name) : NULL;
}

static void
update_empty_state (WhServiceView *self)
{
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->list_stack, "list");
      return;
    }
  if (text && *text)
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try a shorter word, such as 电工 or 快递."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "folder-download-symbolic");
      adw_status_page_set_title (self->empty_page, _("Nothing Here Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("Sync when you have a network to download the latest "
                                         "information."));
    }
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
items_changed_cb (WhServiceView *self)
{
  update_empty_state (self);
}

/* ---- Rows --------------------------------------------------------------- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  WhRecordObject *object = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const WhRecord *record = wh_record_object_get_record (object);
  g_autofree char *sub = wh_format_record_subtitle (record);
  const char *text = wh_record_object_get_title (object);

  gtk_label_set_text (GTK_LABEL (title), text ? text : "");
  gtk_label_set_text (GTK_LABEL (subtitle), sub ? sub : "");
  gtk_widget_set_visible (subtitle, sub != NULL && *sub);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text ? text : "", -1);
}

/* ---- Detail ------------------------------------------------------------- */

static void
show_detail (WhServiceView  *self,
             const WhRecord *record)
{
  const char *title_field = record->collection->title_field;
  const char *title = wh_record_get_text (record, title_field);

  if (self->detail_content)
    gtk_box_remove (self->detail_box, self->detail_content);
  self->detail_content = wh_format_record_detail (record);
  gtk_box_append (self->detail_box, self->detail_content);
  gtk_label_set_text (self->detail_title, title ? title : "");
  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
  gtk_widget_grab_focus (GTK_WIDGET (self->back_button));
}

static void
row_activated_cb (WhServiceView *self,
                  guint          position)
{
  g_autoptr(WhRecordObject) object = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (object)
    show_detail (self, wh_record_object_get_record (object));
}

gboolean
wh_service_view_show_record (WhServiceView *self,
                             gint64         id)
{
  g_autoptr(WhRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (WH_IS_SERVICE_VIEW (self), FALSE);

  if (self->store == NULL)
    return FALSE;
  record = wh_store_get_record (self->store, get_collection (self), id, &error);
  if (record == NULL)
    return FALSE;
  show_detail (self, record);
  return TRUE;
}

gboolean
wh_service_view_navigate_back (WhServiceView *self)
{
  g_return_val_if_fail (WH_IS_SERVICE_VIEW (self), FALSE);

  if (!adw_leaflet_get_folded (self->leaflet) ||
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "list") == 0)
    return FALSE;
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
  return TRUE;
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  wh_service_view_navigate_back (WH_SERVICE_VIEW (widget));
}

/* ---- Search ------------------------------------------------------------- */

static void
search_changed_cb (WhServiceView *self)
{
  g_autoptr(WhQuery) query = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->model == NULL)
    return;
  query = wh_query_copy (self->base_query);
  wh_query_set_match (query, text && *text ? text : NULL);
  wh_list_model_set_query (self->model, query);
}

void
wh_service_view_focus_search (WhServiceView *self)
{
  g_return_if_fail (WH_IS_SERVICE_VIEW (self));

  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
wh_service_view_reset (WhServiceView *self)
{
  g_return_if_fail (WH_IS_SERVICE_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
  gtk_stack_set_visible_child_name (self->detail_stack, "none");
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

/* ---- Setup -------------------------------------------------------------- */

void
wh_service_view_set_store (WhServiceView *self,
                           WhStore       *store)
{
  const WhCollection *collection;

  g_return_if_fail (WH_IS_SERVICE_VIEW (self));
  g_return_if_fail (WH_IS_STORE (store));

  collection = get_collection (self);
  g_return_if_fail (collection != NULL);

  g_set_object (&self->store, store);
  g_clear_pointer (&self->base_query, wh_query_free);
  self->base_query = wh_query_new (collection);
  /* Newest postings first: what a job seeker expects. */
  if (collection == &wh_collection_jobs)
    wh_query_set_order (self->base_query, "posted_at", TRUE);

  if (self->model)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  self->model = wh_list_model_new (store, self->base_query);
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_object_unref (self->selection);
  search_changed_cb (self);
  update_empty_state (self);
}

const char *
wh_service_view_get_collection_name (WhServiceView *self)
{
  g_return_val_if_fail (WH_IS_SERVICE_VIEW (self), NULL);

  return self->collection_name;
}

static void
wh_service_view_dispose (GObject *object)
{
  WhServiceView *self = WH_SERVICE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_SERVICE_VIEW);
  g_clear_object (&self->model);
  g_clear_object (&self->store);
  g_clear_pointer (&self->base_query, wh_query_free);
  G_OBJECT_CLASS (wh_service_view_parent_class)->dispose (object);
}

static void
wh_service_view_finalize (GObject *object)
{
  WhServiceView *self = WH_SERVICE_VIEW (object);

  g_free (self->collection_name);
  g_free (self->list_label);
  G_OBJECT_CLASS (wh_service_view_parent_class)->finalize (object);
}

static void
wh_service_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WhServiceView *self = WH_SERVICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_COLLECTION_NAME:
      g_value_set_string (value, self->collection_name);
      break;
    case PROP_SEARCH_PLACEHOLDER:
      g_object_get_property (G_OBJECT (self->search_entry), "placeholder-text", value);
      break;
    case PROP_LIST_LABEL:
      g_value_set_string (value, self->list_label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_service_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  WhServiceView *self = WH_SERVICE_VIEW (object);

  switch (prop_id)
    {
    case PROP_COLLECTION_NAME:
      g_free (self->collection_name);
      self->collection_name = g_value_dup_string (value);
      break;
    case PROP_SEARCH_PLACEHOLDER:
      /* gtk_search_entry_set_placeholder_text () is GTK 4.10. */
      g_object_set_property (G_OBJECT (self->search_entry), "placeholder-text", value);
      break;
    case PROP_LIST_LABEL:
      g_free (self->list_label);
      self->list_label = g_value_dup_string (value);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_view),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, self->list_label, -1);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_service_view_class_init (WhServiceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_service_view_dispose;
  object_class->finalize = wh_service_view_finalize;
  object_class->get_property = wh_service_view_get_property;
  object_class->set_property = wh_service_view_set_property;

  properties[PROP_COLLECTION_NAME] =
    g_param_spec_string ("collection-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_PLACEHOLDER] =
    g_param_spec_string ("search-placeholder", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* What a screen reader calls the list. */
  properties[PROP_LIST_LABEL] =
    g_param_spec_string ("list-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/wh-service-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, back_button);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, detail_box);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, list_view);
  gtk_widget_class_bind_template_child (widget_class, WhServiceView, search_entry);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "view.back", NULL, back_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "view.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "view.back", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_service_view_init (WhServiceView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
}
