/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-preferences"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "wh-api.h"
#include "wh-format.h"
#include "wh-preferences-window.h"

struct _WhPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Template widgets */
  AdwEntryRow   *backend_row;
  AdwActionRow  *backend_status_row;
  GtkImage      *backend_status_icon;
  GtkWidget     *care_switch;
  GtkButton     *clear_button;
  GtkSpinButton *interval_spin;
  AdwComboRow   *location_row;
  AdwComboRow   *region_row;
  AdwActionRow  *storage_row;

  /* Owned references */
  GSettings     *settings;
  WhStore       *store;
  GArray        *region_codes; /* gint64, parallel to the combo's items */
  gboolean       region_codes_loading;
  GPtrArray     *cities;       /* WhCityCentre*, items 1.. of location_row */
  gboolean       keeps_place;  /* one more item, after them: a place set otherwise */
  gboolean       loading_cities;
  GCancellable  *cancellable;
  GCancellable  *check;        /* the address being checked */
};

G_DEFINE_FINAL_TYPE (WhPreferencesWindow, wh_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum
{
  SIGNAL_CLEARED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
wh_preferences_check_backend_url (const char *url,
                                  gboolean    allow_insecure,
                                  GError    **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme, *host;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("This is not a web address. It starts with https://"));
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if (allow_insecure || g_ascii_strcasecmp (host, "localhost") == 0 ||
          (address && g_inet_address_get_is_loopback (address)))
        return TRUE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("This address is not secure. Use one that starts with https://"));
      return FALSE;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("This is not a web address. It starts with https://"));
  return FALSE;
}

/* ---- Backend ------------------------------------------------------------ */

static void
show_backend_status (WhPreferencesWindow *self,
                     const char          *icon,
                     const char          *text)
{
  gtk_image_set_from_icon_name (self->backend_status_icon, icon);
  adw_action_row_set_subtitle (self->backend_status_row, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->backend_status_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
backend_checked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WhPreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_api_get_changes_finish (WH_API (source), result, NULL, NULL,
                                                      &error);

  /* Cancelled: another address, or the window is gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not connected: %s"), error->message);

      show_backend_status (self, "dialog-warning-symbolic", text);
    }
  else
    show_backend_status (self, "emblem-ok-symbolic", _("Connected"));
}

/* One small request to the address: whether it answers as a union server
 * does (a page of course categories), and if not, why. */
static void
check_backend (WhPreferencesWindow *self,
               const char          *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) api = NULL;

  if (self->check != NULL)
    g_cancellable_cancel (self->check);
  g_clear_object (&self->check);
  if (url == NULL || *url == '\0')
    {
      show_backend_status (self, "network-server-symbolic", _("No union server set"));
      return;
    }
  api = wh_api_new (url, &error);
  if (api == NULL)
    {
      show_backend_status (self, "dialog-warning-symbolic", error->message);
      return;
    }
  wh_api_set_allow_insecure (api, g_settings_get_boolean (self->settings, "allow-insecure"));
  /* An answer now, not after a round of retries. */
  wh_api_set_retry_policy (api, 1, 100, 100, 1000);
  self->check = g_cancellable_new ();
  show_backend_status (self, "network-server-symbolic", _("Checking the address…"));
  wh_api_get_changes_async (api, &wh_collection_categories, 0, 1, 0, FALSE, NULL, self->check,
                            backend_checked_cb, self);
}

static void
backend_apply_cb (WhPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->backend_row))));

  if (*url != '\0' &&
      !wh_preferences_check_backend_url (url, g_settings_get_boolean (self->settings,
                                                                      "allow-insecure"),
                                         &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->backend_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        wh_format_toast_new (error->message));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->backend_row), "error");
  /* The app follows the setting: a new backend syncs at once. */
  g_settings_set_string (self->settings, "backend-url", url);
  check_backend (self, url);
}

static void
region_selected_cb (WhPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->region_row);

  if (self->region_codes_loading || self->region_codes == NULL ||
      selected >= self->region_codes->len)
    return;
  g_settings_set_int (self->settings, "region-city",
                      (int) g_array_index (self->region_codes, gint64, selected));
}

/* REGIONS (WhRegion*) come from the cities' task below, which reads them
 * off the main thread: at national scale the scan takes a quarter second.
 * Until then (or with no cache) only "Everywhere" is offered. */
static void
fill_regions (WhPreferencesWindow *self,
              GPtrArray           *regions)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  int current = g_settings_get_int (self->settings, "region-city");
  guint selected = 0;
  gint64 everywhere = 0;

  g_clear_pointer (&self->region_codes, g_array_unref);
  self->region_codes = g_array_new (FALSE, FALSE, sizeof (gint64));
  gtk_string_list_append (names, _("Everywhere"));
  g_array_append_val (self->region_codes, everywhere);
  for (guint i = 0; regions && i < regions->len; i++)
    {
      WhRegion *region = g_ptr_array_index (regions, i);
      g_autofree char *label = g_strdup_printf ("%s %s", region->province, region->city);

      gtk_string_list_append (names, label);
      g_array_append_val (self->region_codes, region->city_adcode);
      if (region->city_adcode == current)
        selected = i + 1;
    }
  /* Filling the row must not store a choice nobody made. */
  self->region_codes_loading = TRUE;
  adw_combo_row_set_model (self->region_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->region_row, selected);
  self->region_codes_loading = FALSE;
}

/* ---- Location ----------------------------------------------------------- */

/* A city's centre is the mean of its stations' places (wh-store.h): the
 * same city read again lands within centimetres. */
#define SAME_PLACE_DEG 1e-6

static void
location_selected_cb (WhPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->location_row);

  if (self->loading_cities || self->cities == NULL)
    return;
  if (selected == 0)
    {
      /* Not set: 0, 0 (wh-context.c). */
      g_settings_set_double (self->settings, "location-latitude", 0);
      g_settings_set_double (self->settings, "location-longitude", 0);
    }
  else if (selected <= self->cities->len)
    {
      const WhCityCentre *city = self->cities->pdata[selected - 1];

      g_settings_set_double (self->settings, "location-latitude", city->lat);
      g_settings_set_double (self->settings, "location-longitude", city->lon);
    }
  /* The last item, a place set otherwise, is kept as it is. */
}

typedef struct
{
  GPtrArray *cities;  /* WhCityCentre* */
  GPtrArray *labels;  /* char*, parallel */
  GPtrArray *regions; /* WhRegion*: the cities of "Jobs from" */
} Cities;

static void
cities_free (Cities *cities)
{
  g_clear_pointer (&cities->cities, g_ptr_array_unref);
  g_clear_pointer (&cities->labels, g_ptr_array_unref);
  g_clear_pointer (&cities->regions, g_ptr_array_unref);
  g_free (cities);
}

static int
city_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  GHashTable *provinces = user_data;
  const WhCityCentre *x = *(WhCityCentre * const *) a, *y = *(WhCityCentre * const *) b;
  int c = g_strcmp0 (g_hash_table_lookup (provinces, &x->city_adcode),
                     g_hash_table_lookup (provinces, &y->city_adcode));

  return c != 0 ? c : (x->city_adcode > y->city_adcode) - (x->city_adcode < y->city_adcode);
}

/* Every city of the saved stations, by province as in "Jobs from": a few
 * hundred at most, so sorted and labelled on the main thread once both
 * are read (takes centres and regions). */
static Cities *
cities_new (GPtrArray *centres,
            GPtrArray *regions)
{
  g_autoptr(GHashTable) provinces = g_hash_table_new (g_int64_hash, g_int64_equal);
  Cities *cities;

  for (guint i = 0; i < regions->len; i++)
    {
      WhRegion *region = regions->pdata[i];

      g_hash_table_insert (provinces, &region->city_adcode, region->province);
    }
  g_ptr_array_sort_with_data (centres, city_compare, provinces);
  cities = g_new0 (Cities, 1);
  cities->regions = regions;
  cities->cities = centres;
  cities->labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < centres->len; i++)
    {
      const WhCityCentre *city = centres->pdata[i];
      const char *province = g_hash_table_lookup (provinces, &city->city_adcode);

      g_ptr_array_add (cities->labels, province && g_strcmp0 (province, city->city) != 0
                                         ? g_strdup_printf ("%s %s", province, city->city)
                                         : g_strdup (city->city));
    }
  return cities;
}

static void
show_cities (WhPreferencesWindow *self,
             Cities              *cities)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  double lat = g_settings_get_double (self->settings, "location-latitude");
  double lon = g_settings_get_double (self->settings, "location-longitude");
  guint selected = 0;

  gtk_string_list_append (names, _("Not set"));
  for (guint i = 0; i < cities->labels->len; i++)
    {
      const WhCityCentre *city = cities->cities->pdata[i];

      gtk_string_list_append (names, cities->labels->pdata[i]);
      if ((lat != 0 || lon != 0) && fabs (city->lat - lat) < SAME_PLACE_DEG &&
          fabs (city->lon - lon) < SAME_PLACE_DEG)
        selected = i + 1;
    }
  self->keeps_place = (lat != 0 || lon != 0) && selected == 0;
  if (self->keeps_place)
    {
      g_autofree char *place = g_strdup_printf (_("A place set before (%.3f, %.3f)"), lat, lon);

      gtk_string_list_append (names, place);
      selected = cities->labels->len + 1;
    }
  g_clear_pointer (&self->cities, g_ptr_array_unref);
  self->cities = g_ptr_array_ref (cities->cities);
  fill_regions (self, cities->regions);
  cities_free (cities);

  self->loading_cities = TRUE;
  adw_combo_row_set_model (self->location_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->location_row, selected);
  self->loading_cities = FALSE;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->location_row),
                               self->cities->len > 0
                                 ? _("Where you work, if the location service is off")
                                 : _("Sync the stations first: their cities are listed here"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->location_row), self->cities->len > 0 ||
                                                             self->keeps_place);
}

static void
cities_read_failed (WhPreferencesWindow *self,
                    const GError        *error)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->location_row), error->message);
}

/* Between the two reads: the centres read first. */
typedef struct
{
  WhPreferencesWindow *self;    /* unowned: its cancellable ends the reads */
  GPtrArray           *centres; /* WhCityCentre* */
} CitiesRead;

static void
cities_read_free (CitiesRead *read)
{
  g_clear_pointer (&read->centres, g_ptr_array_unref);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CitiesRead, cities_read_free)

/* The second read: the cities' provinces ("Jobs from" lists them too). */
static void
regions_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CitiesRead) read = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *regions = wh_store_list_regions_finish (WH_STORE (source), result, &error);

  /* Cancelled: the window is gone or going. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (regions == NULL)
    cities_read_failed (read->self, error);
  else
    show_cities (read->self, cities_new (g_steal_pointer (&read->centres), regions));
}

static void
centres_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhPreferencesWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *centres = wh_store_list_city_centres_finish (WH_STORE (source), result, &error);
  CitiesRead *read;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (centres == NULL)
    {
      cities_read_failed (self, error);
      return;
    }
  read = g_new0 (CitiesRead, 1);
  read->self = self;
  read->centres = centres;
  wh_store_list_regions_async (WH_STORE (source), self->cancellable, regions_read_cb, read);
}

/* Both reads run on the store's ordered queue; the window's cancellable
 * (cancelled in dispose) ends them, so a callback that is not cancelled
 * finds the window alive. */
static void
load_cities (WhPreferencesWindow *self)
{
  if (self->store == NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->location_row),
                                   _("Sync the stations first: their cities are listed here"));
      return;
    }
  wh_store_list_city_centres_async (self->store, self->cancellable, centres_read_cb, self);
}

/* ---- Storage ------------------------------------------------------------ */

/* The cache's size on disk: the database and its write-ahead log, read on
 * a worker thread (a stat() can wait on a slow or busy disk). */
static void
storage_size_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *path = task_data;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  GStatBuf st;
  guint64 total = 0;

  if (g_stat (path, &st) == 0)
    total += st.st_size;
  if (g_stat (wal, &st) == 0)
    total += st.st_size;
  g_task_return_pointer (task, g_format_size (total), g_free);
}

static void
storage_size_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autofree char *size = g_task_propagate_pointer (G_TASK (result), NULL);

  /* NULL: the window went away (its cancellable) before the size came. */
  if (size != NULL)
    adw_action_row_set_subtitle (WH_PREFERENCES_WINDOW (source)->storage_row, size);
}

static void
update_storage_size (WhPreferencesWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->store == NULL)
    return;
  task = g_task_new (self, self->cancellable, storage_size_cb, NULL);
  g_task_set_source_tag (task, update_storage_size);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, g_strdup (wh_store_get_path (self->store)), g_free);
  g_task_run_in_thread (task, storage_size_thread);
}

static void
clear_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WhStore *store = task_data;
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      GError *error = NULL;

      if (!wh_store_reset_collection (store, collections[i], &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  WhPreferencesWindow *self = WH_PREFERENCES_WINDOW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Nothing or part cleared: it can be tried again. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), TRUE);
      update_storage_size (self);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        wh_format_toast_new (error->message));
      return;
    }
  update_storage_size (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), TRUE);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Saved data cleared. Downloading it again…")));
  g_signal_emit (self, signals[SIGNAL_CLEARED], 0);
}

static void
clear_response_cb (AdwMessageDialog    *dialog,
                   const char          *response,
                   WhPreferencesWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (g_strcmp0 (response, "clear") != 0 || self->store == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), FALSE);
  task = g_task_new (self, self->cancellable, cleared_cb, NULL);
  g_task_set_source_tag (task, clear_response_cb);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, clear_thread);
}

static void
clear_clicked_cb (WhPreferencesWindow *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Clear Saved Data?"),
                                              _("Courses, jobs, stations and meals saved on this "
                                                "computer are deleted and downloaded again at "
                                                "once. Your own progress and bookmarks are "
                                                "kept."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "clear",
                                    _("_Clear"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "clear",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (clear_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Object ------------------------------------------------------------- */

static void
wh_preferences_window_dispose (GObject *object)
{
  WhPreferencesWindow *self = WH_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->check);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (wh_preferences_window_parent_class)->dispose (object);
}

static void
wh_preferences_window_finalize (GObject *object)
{
  WhPreferencesWindow *self = WH_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->check);
  g_clear_pointer (&self->region_codes, g_array_unref);
  g_clear_pointer (&self->cities, g_ptr_array_unref);
  G_OBJECT_CLASS (wh_preferences_window_parent_class)->finalize (object);
}

static void
wh_preferences_window_class_init (WhPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_preferences_window_dispose;
  object_class->finalize = wh_preferences_window_finalize;

  /* The saved data was cleared: the app downloads it again. */
  signals[SIGNAL_CLEARED] =
    g_signal_new ("cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/workershome/WorkersHome/wh-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, backend_row);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, care_switch);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, backend_status_row);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, backend_status_icon);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, clear_button);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, location_row);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, region_row);
  gtk_widget_class_bind_template_child (widget_class, WhPreferencesWindow, storage_row);
  gtk_widget_class_bind_template_callback (widget_class, backend_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, location_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, region_selected_cb);
}

static void
wh_preferences_window_init (WhPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
care_mode_changed_cb (WhPreferencesWindow *self)
{
  if (g_settings_get_boolean (self->settings, "care-mode"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "wh-care");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "wh-care");
}

WhPreferencesWindow *
wh_preferences_window_new (GSettings *settings,
                           WhStore   *store)
{
  WhPreferencesWindow *self;
  g_autofree char *url = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WH_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  self->store = store ? g_object_ref (store) : NULL;
  url = g_settings_get_string (settings, "backend-url");
  gtk_editable_set_text (GTK_EDITABLE (self->backend_row), url);
  check_backend (self, g_strstrip (url));
  g_settings_bind (settings, "sync-interval", gtk_spin_button_get_adjustment (self->interval_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "care-mode", self->care_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* Care mode's sizes are a window's (style.css): this one's too. */
  g_signal_connect_object (settings, "changed::care-mode", G_CALLBACK (care_mode_changed_cb), self,
                           G_CONNECT_SWAPPED);
  care_mode_changed_cb (self);
  fill_regions (self, NULL);
  load_cities (self);
  update_storage_size (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), store != NULL);
  return self;
}
