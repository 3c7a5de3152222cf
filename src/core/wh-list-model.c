/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-list-model"

#include "config.h"

#include "wh-list-model.h"
#include "wh-query-private.h"
#include "wh-store-private.h"

#define PAGE_SIZE WH_LIST_MODEL_PAGE_SIZE
/* Pages kept: a screenful or two around where the person is, plus room for
 * a list view that asks for items at both ends. */
#define MAX_PAGES 8
/* How long to let sync writes pile up before reloading. */
#define RELOAD_DELAY_MS 250

typedef struct
{
  guint      index;
  GPtrArray *items; /* WhRecordObject*; shorter than PAGE_SIZE at the end */
} Page;

struct _WhListModel
{
  GObject   parent_instance;

  WhStore  *store;
  WhQuery  *query;
  gulong    changed_id;
  guint     reload_source; /* a reload is scheduled */

  guint     n_items;
  GQueue    pages; /* Page*, most recently used first */
  guint     generation; /* bumped by every change of query */
  guint     installed;  /* the generation of query: less while set_query_async reads */
  gboolean  reloading;    /* a reload reads in a worker thread */
  gboolean  reload_again; /* and the store changed meanwhile */
  gboolean  reload_after_query; /* the store changed while set_query_async read */
};

static void reload_async (WhListModel *self);

static void wh_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhListModel, wh_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, wh_list_model_iface_init))

enum
{
  PROP_0,
  PROP_STORE,
  PROP_QUERY,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
page_free (Page *page)
{
  g_ptr_array_unref (page->items);
  g_free (page);
}

static gboolean
reload_timeout_cb (gpointer data)
{
  WhListModel *self = data;

  self->reload_source = 0;
  reload_async (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (WhStore     *store,
                  const char  *collection,
                  WhListModel *self)
{
  if (g_strcmp0 (collection, self->query->collection->name) != 0 || self->reload_source != 0)
    return;
  self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->reload_source),
                            "[wh] list model reload");
}

static void
forget_pages (WhListModel *self)
{
  Page *page;

  while ((page = g_queue_pop_head (&self->pages)) != NULL)
    page_free (page);
}

static gint
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

static guint
count_items (WhListModel *self)
{
  g_autoptr(GError) error = NULL;
  gint64 n = wh_store_query_count (self->store, self->query, &error);

  if (n < 0)
    {
      /* The cache is unreadable: an empty list, and the reason in the log. */
      g_debug ("Counting %s failed: %s", self->query->collection->name, error->message);
      return 0;
    }
  return (guint) MIN (n, (gint64) G_MAXUINT);
}

static Page *
lookup_page (WhListModel *self,
             guint        index,
             gboolean     touch)
{
  for (GList *l = self->pages.head; l; l = l->next)
    {
      Page *page = l->data;

      if (page->index == index)
        {
          if (touch && l != self->pages.head)
            {
              g_queue_unlink (&self->pages, l);
              g_queue_push_head_link (&self->pages, l);
            }
          return page;
        }
    }
  return NULL;
}

static Page *
fetch_page (WhListModel *self,
            guint        index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  Page *prev = index > 0 ? lookup_page (self, index - 1, FALSE) : NULL;
  Page *next = lookup_page (self, index + 1, FALSE);
  Page *page;

  if (prev != NULL && prev->items->len == PAGE_SIZE)
    {
      WhRecordObject *last = prev->items->pdata[PAGE_SIZE - 1];
      records = wh_store_query_page (self->store, self->query, wh_record_object_get_record (last),
                                     FALSE, 0, PAGE_SIZE, &error);
    }
  else if (next != NULL && next->items->len > 0)
    {
      WhRecordObject *first = next->items->pdata[0];
      records = wh_store_query_page (self->store, self->query, wh_record_object_get_record (first),
                                     TRUE, 0, PAGE_SIZE, &error);
    }
  else
    records = wh_store_query_page (self->store, self->query, NULL, FALSE, index * PAGE_SIZE,
                                   PAGE_SIZE, &error);
  if (records == NULL)
    {
      g_debug ("Reading %s failed: %s", self->query->collection->name, error->message);
      return NULL;
    }

  page = g_new0 (Page, 1);
  page->index = index;
  page->items = g_ptr_array_new_full (records->len, g_object_unref);
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (page->items, wh_record_object_new (g_steal_pointer (&records->pdata[i])));

  g_queue_push_head (&self->pages, page);
  while (self->pages.length > MAX_PAGES)
    page_free (g_queue_pop_tail (&self->pages));
  return page;
}

static GType
wh_list_model_get_item_type (GListModel *model)
{
  return WH_TYPE_RECORD_OBJECT;
}

static guint
wh_list_model_get_n_items (GListModel *model)
{
  return WH_LIST_MODEL (model)->n_items;
}

static gpointer
wh_list_model_get_item (GListModel *model,
                        guint       position)
{
  WhListModel *self = WH_LIST_MODEL (model);
  guint index = position / PAGE_SIZE;
  Page *page;

  if (position >= self->n_items)
    return NULL;
  page = lookup_page (self, index, TRUE);
  if (page == NULL)
    page = fetch_page (self, index);
  if (page == NULL || position % PAGE_SIZE >= page->items->len)
    {
      /* Rows went away since the count: the coming reload fixes the length. */
      if (self->changed_id != 0)
        store_changed_cb (self->store, self->query->collection->name, self);
      return NULL;
    }
  return g_object_ref (page->items->pdata[position % PAGE_SIZE]);
}

static void
wh_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = wh_list_model_get_item_type;
  iface->get_n_items = wh_list_model_get_n_items;
  iface->get_item = wh_list_model_get_item;
}

static void
wh_list_model_constructed (GObject *object)
{
  WhListModel *self = WH_LIST_MODEL (object);

  G_OBJECT_CLASS (wh_list_model_parent_class)->constructed (object);

  g_return_if_fail (self->store != NULL);
  g_return_if_fail (self->query != NULL);

  /* ::changed arrives on the store's context, the one the model is used in. */
  self->changed_id = g_signal_connect_object (self->store, "changed",
                                              G_CALLBACK (store_changed_cb), self, 0);
  self->n_items = count_items (self);
}

static void
wh_list_model_dispose (GObject *object)
{
  WhListModel *self = WH_LIST_MODEL (object);

  if (self->changed_id != 0)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  forget_pages (self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (wh_list_model_parent_class)->dispose (object);
}

static void
wh_list_model_finalize (GObject *object)
{
  WhListModel *self = WH_LIST_MODEL (object);

  g_clear_pointer (&self->query, wh_query_free);

  G_OBJECT_CLASS (wh_list_model_parent_class)->finalize (object);
}

static void
wh_list_model_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WhListModel *self = WH_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_QUERY:
      g_value_set_boxed (value, self->query);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_list_model_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  WhListModel *self = WH_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_QUERY:
      if (self->store == NULL || self->query == NULL)
        self->query = g_value_dup_boxed (value);
      else
        wh_list_model_set_query (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_list_model_class_init (WhListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = wh_list_model_constructed;
  object_class->dispose = wh_list_model_dispose;
  object_class->finalize = wh_list_model_finalize;
  object_class->get_property = wh_list_model_get_property;
  object_class->set_property = wh_list_model_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, WH_TYPE_STORE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS);
  properties[PROP_QUERY] = g_param_spec_boxed ("query", NULL, NULL, WH_TYPE_QUERY,
                                               G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                                               G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_list_model_init (WhListModel *self)
{
  g_queue_init (&self->pages);
}

WhListModel *
wh_list_model_new (WhStore       *store,
                   const WhQuery *query)
{
  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  return g_object_new (WH_TYPE_LIST_MODEL, "store", store, "query", query, NULL);
}

WhStore *
wh_list_model_get_store (WhListModel *self)
{
  g_return_val_if_fail (WH_IS_LIST_MODEL (self), NULL);
  return self->store;
}

const WhQuery *
wh_list_model_get_query (WhListModel *self)
{
  g_return_val_if_fail (WH_IS_LIST_MODEL (self), NULL);
  return self->query;
}

void
wh_list_model_set_query (WhListModel   *self,
                         const WhQuery *query)
{
  g_return_if_fail (WH_IS_LIST_MODEL (self));
  g_return_if_fail (query != NULL);
  g_return_if_fail (query->collection == self->query->collection);

  self->installed = ++self->generation;
  g_clear_pointer (&self->query, wh_query_free);
  self->query = wh_query_copy (query);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
  wh_list_model_reload (self);
}

/* A count and some pages read in a worker thread, which the store lends a
 * reader connection of its own; then installed at once on the main thread. */
typedef struct
{
  WhStore   *store;
  WhQuery   *query;
  guint      generation;
  gint64     count;
  GArray    *indices; /* guint: the pages to read, ascending */
  GPtrArray *pages;   /* GPtrArray of WhRecord*, one per index read */
} Load;

static void
load_free (Load *data)
{
  g_clear_object (&data->store);
  g_clear_pointer (&data->query, wh_query_free);
  g_clear_pointer (&data->indices, g_array_unref);
  g_clear_pointer (&data->pages, g_ptr_array_unref);
  g_free (data);
}

static Load *
load_new (WhListModel   *self,
          const WhQuery *query)
{
  Load *data = g_new0 (Load, 1);

  data->store = g_object_ref (self->store);
  data->query = wh_query_copy (query);
  data->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  data->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return data;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *data = task_data;
  GError *error = NULL;

  data->count = wh_store_query_count (data->store, data->query, &error);
  for (guint i = 0; data->count >= 0 && i < data->indices->len; i++)
    {
      guint index = g_array_index (data->indices, guint, i);
      GPtrArray *prev = i > 0 ? data->pages->pdata[i - 1] : NULL;
      GPtrArray *records;

      if (g_cancellable_is_cancelled (cancellable) || (gint64) index * PAGE_SIZE >= data->count)
        break;
      /* Next to the page before: by its last key, as fetch_page() does. */
      if (prev != NULL && prev->len == PAGE_SIZE &&
          g_array_index (data->indices, guint, i - 1) == index - 1)
        records = wh_store_query_page (data->store, data->query, prev->pdata[PAGE_SIZE - 1],
                                       FALSE, 0, PAGE_SIZE, &error);
      else
        records = wh_store_query_page (data->store, data->query, NULL, FALSE, index * PAGE_SIZE,
                                       PAGE_SIZE, &error);
      if (records == NULL)
        break;
      g_ptr_array_add (data->pages, records);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

static void
load_start (WhListModel         *self,
            Load                *data,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) load_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, load_thread);
}

/* Tells the views every row is new: all rows go, then the new ones come, in
 * two signals. In one, (0, old, new), GtkListItemManager would look for the
 * rows it shows among all the new items, one get_item() each: every page of
 * a million rows read in one frame. */
static void
replace_all (WhListModel *self,
             guint        old_n,
             guint        new_n)
{
  if (old_n != 0)
    {
      self->n_items = 0;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
    }
  self->n_items = new_n;
  if (new_n != 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, new_n);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Puts what a load read in place of the count and the pages. A new query
 * replaces every row (the view starts at the top). A reload after a sync
 * keeps the view where it is: the rows in the pages read again (those on
 * screen, fetched lately) are changed in place, then the end grows or
 * shrinks. Rows outside those pages are held by no view (a list view keeps
 * rows only around what it shows), so nothing stale stays on screen. */
static void
load_install (WhListModel *self,
              Load        *data,
              gboolean     replace)
{
  guint old_n = self->n_items;
  guint new_n = (guint) MIN (data->count, (gint64) G_MAXUINT);
  guint common = MIN (old_n, new_n);

  forget_pages (self);
  /* Pushed last first: the first page ends up most recently used. */
  for (guint i = data->pages->len; i-- > 0;)
    {
      GPtrArray *records = data->pages->pdata[i];
      Page *page = g_new0 (Page, 1);

      page->index = g_array_index (data->indices, guint, i);
      page->items = g_ptr_array_new_full (records->len, g_object_unref);
      for (guint j = 0; j < records->len; j++)
        g_ptr_array_add (page->items, wh_record_object_new (g_steal_pointer (&records->pdata[j])));
      g_queue_push_head (&self->pages, page);
    }
  if (replace)
    {
      replace_all (self, old_n, new_n);
      return;
    }

  self->n_items = new_n;
  if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);
  else if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
  /* Each run of consecutive pages read, in place. */
  for (guint i = 0; i < data->pages->len;)
    {
      guint first = g_array_index (data->indices, guint, i), last = first;
      guint start, end;

      while (i + 1 < data->pages->len && g_array_index (data->indices, guint, i + 1) == last + 1)
        last = g_array_index (data->indices, guint, ++i);
      i++;
      start = first * PAGE_SIZE;
      end = MIN ((last + 1) * PAGE_SIZE, common);
      if (start < end)
        g_list_model_items_changed (G_LIST_MODEL (self), start, end - start, end - start);
    }
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  WhListModel *self = WH_LIST_MODEL (object);
  g_autoptr(GError) error = NULL;
  Load *data = g_task_get_task_data (G_TASK (result));

  self->reloading = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Reloading %s failed: %s", self->query->collection->name, error->message);
  /* A newer query has been read meanwhile, or is being read. */
  else if (data->generation == self->generation && self->installed == self->generation)
    load_install (self, data, FALSE);
  if (self->reload_again && self->store != NULL)
    {
      self->reload_again = FALSE;
      reload_async (self);
    }
}

/* After a sync wrote: the count and the pages kept (those on screen) are
 * read again off the main thread, so the views rebind from memory. */
static void
reload_async (WhListModel *self)
{
  Load *data;

  /* A reload reads the query installed. While a newer one is being read it
   * would read the old rows and, tagged with the new generation, install
   * them over the new ones: it waits for the new query instead. */
  if (self->installed != self->generation)
    {
      self->reload_after_query = TRUE;
      return;
    }
  if (self->reloading)
    {
      self->reload_again = TRUE;
      return;
    }
  data = load_new (self, self->query);
  data->generation = self->generation;
  for (GList *l = self->pages.head; l; l = l->next)
    g_array_append_val (data->indices, ((Page *) l->data)->index);
  if (data->indices->len == 0)
    g_array_append_val (data->indices, (guint) { 0 });
  g_array_sort (data->indices, compare_uint);
  self->reloading = TRUE;
  load_start (self, data, reload_async, NULL, reload_cb, NULL);
}

/* No query is being read any more: a reload the store asked for meanwhile
 * reads the query now installed. */
static void
query_settled (WhListModel *self)
{
  self->installed = self->generation;
  if (self->reload_after_query && self->store != NULL)
    {
      self->reload_after_query = FALSE;
      reload_async (self);
    }
}

void
wh_list_model_set_query_async (WhListModel         *self,
                               const WhQuery       *query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Load *data;

  g_return_if_fail (WH_IS_LIST_MODEL (self));
  g_return_if_fail (query != NULL);
  g_return_if_fail (query->collection == self->query->collection);

  data = load_new (self, query);
  data->generation = ++self->generation;
  g_array_append_val (data->indices, (guint) { 0 });
  load_start (self, data, wh_list_model_set_query_async, cancellable, callback, user_data);
}

gboolean
wh_list_model_set_query_finish (WhListModel   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  Load *data;

  g_return_val_if_fail (WH_IS_LIST_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_list_model_set_query_async,
                        FALSE);

  data = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      /* The newest query failed: the installed one stays, and is current. */
      if (data->generation == self->generation)
        query_settled (self);
      return FALSE;
    }
  if (data->generation != self->generation)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "A newer query replaced this one");
      return FALSE;
    }

  g_clear_pointer (&self->query, wh_query_free);
  self->query = wh_query_copy (data->query);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
  load_install (self, data, TRUE);
  query_settled (self);
  return TRUE;
}

void
wh_list_model_reload (WhListModel *self)
{
  g_return_if_fail (WH_IS_LIST_MODEL (self));

  forget_pages (self);
  replace_all (self, self->n_items, count_items (self));
}
