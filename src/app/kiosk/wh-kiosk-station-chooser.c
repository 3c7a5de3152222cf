/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-kiosk-station-chooser"

#include "config.h"

#include <adwaita.h>
#include <crypt.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wh-format.h"
#include "wh-kiosk-station-chooser.h"

/* Districts and cities are a few dozen; a district's stations a few
 * hundred at most; a search shows the best this many. */
#define MAX_ROWS 400
#define MAX_FOUND 100
/* A wrong PIN makes the next try wait, going back and coming again too:
 * by hand, 10,000 four-digit PINs take some 14 hours. */
#define WRONG_PIN_WAIT_S 5

typedef enum
{
  LEVEL_PIN,
  LEVEL_CITIES,
  LEVEL_DISTRICTS,
  LEVEL_STATIONS,
} Level;

struct _WhKioskStationChooser
{
  GtkWidget parent_instance;

  /* Template widgets */
  AdwStatusPage  *empty_page;
  GtkListBox     *list;
  GtkStack       *list_stack;
  GtkWidget      *pin_box;
  GtkEntry       *pin_entry;
  GtkLabel       *pin_message;
  AdwStatusPage  *pin_page;
  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkLabel       *title;
  GtkWidget      *unlock_button;

  /* Owned references */
  WhContext      *context;
  GCancellable   *cancellable;   /* the read (or PIN check) in flight */
  char           *city_name;
  char           *district_name;

  Level           level;
  gboolean        one_city;      /* no city level to go back to */
  gint64          city_adcode;
  gint64          district_adcode;
  guint           wait_id;
  gint64          locked_until;  /* monotonic µs: a wrong PIN's wait */
};

G_DEFINE_FINAL_TYPE (WhKioskStationChooser, wh_kiosk_station_chooser, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CHOSEN,
  SIGNAL_CANCEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void show_level (WhKioskStationChooser *self,
                        Level                  level);

/* A new read supersedes the one in flight. */
static GCancellable *
restart (WhKioskStationChooser *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static WhStore *
get_store (WhKioskStationChooser *self)
{
  return self->context ? wh_context_get_store (self->context) : NULL;
}

static char *
dup_pin_hash (WhContext *context)
{
  char *hash = g_settings_get_string (wh_context_get_settings (context), "kiosk-staff-pin");

  return g_strstrip (hash);
}

gboolean
wh_kiosk_station_chooser_has_pin (WhContext *context)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (WH_IS_CONTEXT (context), FALSE);

  hash = dup_pin_hash (context);
  return hash[0] != '\0';
}

/* ---- Rows ---------------------------------------------------------------- */

static void
clear_rows (WhKioskStationChooser *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))))
    gtk_list_box_remove (self->list, child);
}

static void
add_row (WhKioskStationChooser *self,
         const char            *title,
         const char            *subtitle,
         gint64                 id,
         const char            *name,
         gboolean               deeper)
{
  GtkWidget *row = wh_format_row_new (title, subtitle);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (deeper)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                               gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "wh-id", g_memdup2 (&id, sizeof id), g_free);
  g_object_set_data_full (G_OBJECT (row), "wh-name", g_strdup (name), g_free);
  gtk_list_box_append (self->list, row);
}

static void
show_empty (WhKioskStationChooser *self,
            const char            *title,
            const char            *description)
{
  adw_status_page_set_title (self->empty_page, title);
  wh_format_status_page_set_description (self->empty_page, description);
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
show_error (WhKioskStationChooser *self,
            const GError          *error)
{
  g_warning ("Cannot list the kiosk's stations: %s", error->message);
  show_empty (self, _("Cannot Read the Stations"), error->message);
}

static void
regions_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhKioskStationChooser *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) regions = wh_store_list_regions_finish (WH_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (regions == NULL)
    {
      show_error (self, error);
      return;
    }
  /* One city, the usual kiosk's cache: straight to its districts. */
  if (regions->len == 1)
    {
      const WhRegion *r = g_ptr_array_index (regions, 0);

      self->one_city = TRUE;
      self->city_adcode = r->city_adcode;
      g_free (self->city_name);
      self->city_name = g_strdup (r->city);
      show_level (self, LEVEL_DISTRICTS);
      return;
    }
  self->one_city = FALSE;
  clear_rows (self);
  for (guint i = 0; i < regions->len && i < MAX_ROWS; i++)
    {
      const WhRegion *r = g_ptr_array_index (regions, i);
      /* Beijing, Shanghai...: the province is the city. */
      g_autofree char *label = g_str_equal (r->province, r->city)
                               ? g_strdup (r->city)
                               : g_strdup_printf ("%s %s", r->province, r->city);

      add_row (self, label, NULL, r->city_adcode, r->city, TRUE);
    }
  if (regions->len == 0)
    show_empty (self, _("No Stations Yet"),
                _("This kiosk has not downloaded the stations yet. Try again in a few minutes."));
  else
    gtk_stack_set_visible_child_name (self->list_stack, "rows");
}

static void
districts_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WhKioskStationChooser *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) districts = wh_store_list_districts_finish (WH_STORE (source), result,
                                                                  &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (districts == NULL)
    {
      show_error (self, error);
      return;
    }
  clear_rows (self);
  for (guint i = 0; i < districts->len && i < MAX_ROWS; i++)
    {
      const WhRegion *r = g_ptr_array_index (districts, i);

      add_row (self, r->district, NULL, r->adcode, r->district, TRUE);
    }
  if (districts->len == 0)
    show_empty (self, _("No Stations Yet"),
                _("This kiosk has not downloaded the stations yet. Try again in a few minutes."));
  else
    gtk_stack_set_visible_child_name (self->list_stack, "rows");
}

static void
stations_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  WhKioskStationChooser *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stations = wh_store_query_finish (WH_STORE (source), result, &error);
  gboolean searching = gtk_editable_get_text (GTK_EDITABLE (self->search_entry))[0] != '\0';

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stations == NULL)
    {
      show_error (self, error);
      return;
    }
  clear_rows (self);
  for (guint i = 0; i < stations->len; i++)
    {
      const WhRecord *r = g_ptr_array_index (stations, i);
      const char *address = wh_record_get_text (r, "address");
      const char *district = wh_record_get_text (r, "district");
      /* Across a city, the district says which of two alike it is. */
      g_autofree char *subtitle = searching && district && *district
                                  ? g_strdup_printf ("%s · %s", district, address ? address : "")
                                  : g_strdup (address);

      add_row (self, wh_record_get_text (r, "name"), subtitle, r->id,
               wh_record_get_text (r, "name"), FALSE);
    }
  if (stations->len == 0)
    show_empty (self, _("No Station Found"),
                searching ? _("Try the station’s name, its street, or their pinyin.")
                          : _("No stations of this district are in the cache."));
  else
    gtk_stack_set_visible_child_name (self->list_stack, "rows");
}

/* The stations of the district, or those the search finds in the city (or
 * the district, once one is chosen). */
static void
read_stations (WhKioskStationChooser *self)
{
  WhStore *store = get_store (self);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GCancellable *cancellable = restart (self);
  g_autoptr(WhQuery) query = NULL;

  if (store == NULL)
    return;
  gtk_stack_set_visible_child_name (self->list_stack, "loading");
  query = wh_query_new (&wh_collection_stations);
  if (self->level == LEVEL_STATIONS)
    wh_query_where_int (query, "adcode", WH_QUERY_EQ, self->district_adcode);
  else
    wh_query_where_int (query, "city_adcode", WH_QUERY_EQ, self->city_adcode);
  if (*text)
    wh_query_set_match (query, text);
  else
    wh_query_set_order (query, "name", FALSE);
  wh_store_query_async (store, query, 0, *text ? MAX_FOUND : MAX_ROWS, cancellable,
                        stations_read_cb, self);
}

static void
show_level (WhKioskStationChooser *self,
            Level                  level)
{
  WhStore *store = get_store (self);
  GCancellable *cancellable;

  self->level = level;
  if (level == LEVEL_PIN)
    {
      restart (self);
      gtk_label_set_text (self->title, _("Choose This Kiosk’s Station"));
      gtk_stack_set_visible_child_name (self->stack, "pin");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
  clear_rows (self);
  /* The search applies where it was typed; a level chosen starts afresh. */
  g_signal_handlers_block_matched (self->search_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                   self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_signal_handlers_unblock_matched (self->search_entry, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                     self);
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry), level != LEVEL_CITIES);
  switch (level)
    {
    case LEVEL_CITIES:
      gtk_label_set_text (self->title, _("Where Is This Kiosk?"));
      break;
    case LEVEL_DISTRICTS:
      gtk_label_set_text (self->title, self->city_name ? self->city_name : "");
      break;
    case LEVEL_STATIONS:
      gtk_label_set_text (self->title, self->district_name ? self->district_name : "");
      break;
    case LEVEL_PIN:
    default:
      g_assert_not_reached ();
    }
  if (store == NULL)
    {
      show_empty (self, _("No Stations Yet"),
                  _("This kiosk has not downloaded the stations yet. Try again in a few minutes."));
      return;
    }
  if (level == LEVEL_STATIONS)
    {
      read_stations (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->list_stack, "loading");
  cancellable = restart (self);
  if (level == LEVEL_CITIES)
    wh_store_list_regions_async (store, cancellable, regions_read_cb, self);
  else
    wh_store_list_districts_async (store, self->city_adcode, cancellable, districts_read_cb,
                                   self);
}

/* ---- The PIN -------------------------------------------------------------- */

typedef struct
{
  char *pin;
  char *hash;
} PinCheck;

static void
pin_check_free (PinCheck *check)
{
  if (check->pin)
    memset (check->pin, 0, strlen (check->pin));
  g_free (check->pin);
  g_free (check->hash);
  g_free (check);
}

/* crypt(3) (libxcrypt) is deliberately slow for yescrypt and SHA-512:
 * off the main thread. The comparison takes as long wherever it differs. */
static void
pin_check_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  PinCheck *check = task_data;
  g_autofree struct crypt_data *data = g_new0 (struct crypt_data, 1);
  const char *result = crypt_rn (check->pin, check->hash, data, sizeof *data);
  gsize len = strlen (check->hash);
  guint8 differ = 0;

  if (result == NULL || result[0] == '*' || strlen (result) != len)
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  for (gsize i = 0; i < len; i++)
    differ |= (guint8) result[i] ^ (guint8) check->hash[i];
  g_task_return_boolean (task, differ == 0);
}

static gboolean wait_over_cb (gpointer data);

/* The PIN can be tried now, or after the wait a wrong one started. */
static void
update_lock (WhKioskStationChooser *self)
{
  gint64 left = self->locked_until - g_get_monotonic_time ();
  gboolean locked = left > 0;

  g_clear_handle_id (&self->wait_id, g_source_remove);
  /* Not insensitive: the entry keeps the focus (and the keypad its
   * target), and GtkText 4.8 warns when it loses it that way. */
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_entry), !locked);
  gtk_widget_set_sensitive (self->unlock_button, !locked);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_message), locked);
  if (locked)
    {
      gtk_label_set_text (self->pin_message, _("Wrong PIN. Try again in a few seconds."));
      self->wait_id = g_timeout_add ((guint) (left / 1000) + 1, wait_over_cb, self);
    }
}

static gboolean
wait_over_cb (gpointer data)
{
  WhKioskStationChooser *self = data;

  self->wait_id = 0;
  update_lock (self);
  if (gtk_editable_get_editable (GTK_EDITABLE (self->pin_entry)))
    gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
  return G_SOURCE_REMOVE;
}

static void
pin_checked_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WhKioskStationChooser *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean right = g_task_propagate_boolean (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  if (!right)
    self->locked_until = g_get_monotonic_time () + WRONG_PIN_WAIT_S * G_USEC_PER_SEC;
  update_lock (self);
  if (right)
    show_level (self, LEVEL_CITIES);
}

static void
unlock_cb (WhKioskStationChooser *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));
  g_autoptr(GTask) task = NULL;
  PinCheck *check;

  if (self->level != LEVEL_PIN || !gtk_widget_get_sensitive (self->unlock_button) ||
      self->context == NULL || *pin == '\0')
    return;
  check = g_new0 (PinCheck, 1);
  check->pin = g_strdup (pin);
  check->hash = dup_pin_hash (self->context);
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_entry), FALSE);
  gtk_widget_set_sensitive (self->unlock_button, FALSE);
  task = g_task_new (NULL, restart (self), pin_checked_cb, self);
  g_task_set_source_tag (task, unlock_cb);
  g_task_set_task_data (task, check, (GDestroyNotify) pin_check_free);
  g_task_run_in_thread (task, pin_check_thread);
}

/* ---- Navigation ----------------------------------------------------------- */

static void
row_activated_cb (WhKioskStationChooser *self,
                  GtkListBoxRow         *row)
{
  const gint64 *id = g_object_get_data (G_OBJECT (row), "wh-id");
  const char *name = g_object_get_data (G_OBJECT (row), "wh-name");
  gboolean searching = gtk_editable_get_text (GTK_EDITABLE (self->search_entry))[0] != '\0';

  if (id == NULL)
    return;
  if (self->level == LEVEL_CITIES)
    {
      self->city_adcode = *id;
      g_free (self->city_name);
      self->city_name = g_strdup (name);
      show_level (self, LEVEL_DISTRICTS);
    }
  else if (self->level == LEVEL_DISTRICTS && !searching)
    {
      self->district_adcode = *id;
      g_free (self->district_name);
      self->district_name = g_strdup (name);
      show_level (self, LEVEL_STATIONS);
    }
  else
    g_signal_emit (self, signals[SIGNAL_CHOSEN], 0, *id);
}

static void
back_clicked_cb (WhKioskStationChooser *self)
{
  if (self->level == LEVEL_STATIONS)
    show_level (self, LEVEL_DISTRICTS);
  else if (self->level == LEVEL_DISTRICTS && !self->one_city)
    show_level (self, LEVEL_CITIES);
  else
    g_signal_emit (self, signals[SIGNAL_CANCEL], 0);
}

static void
search_changed_cb (WhKioskStationChooser *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->level == LEVEL_STATIONS || (self->level == LEVEL_DISTRICTS && *text))
    read_stations (self);
  else if (self->level == LEVEL_DISTRICTS)
    show_level (self, LEVEL_DISTRICTS);
}

/* ---- Public --------------------------------------------------------------- */

void
wh_kiosk_station_chooser_reset (WhKioskStationChooser *self)
{
  g_return_if_fail (WH_IS_KIOSK_STATION_CHOOSER (self));

  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  update_lock (self);
  clear_rows (self);
  show_level (self, LEVEL_PIN);
}

void
wh_kiosk_station_chooser_start (WhKioskStationChooser *self,
                                WhContext             *context)
{
  gboolean has_pin;

  g_return_if_fail (WH_IS_KIOSK_STATION_CHOOSER (self));
  g_return_if_fail (WH_IS_CONTEXT (context));

  g_set_object (&self->context, context);
  wh_kiosk_station_chooser_reset (self);
  has_pin = wh_kiosk_station_chooser_has_pin (context);
  gtk_widget_set_visible (self->pin_box, has_pin);
  if (has_pin)
    {
      adw_status_page_set_title (self->pin_page, _("Staff Only"));
      wh_format_status_page_set_description (
        self->pin_page, _("Enter the staff PIN to choose the station this kiosk stands in."));
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
    }
  else
    {
      adw_status_page_set_title (self->pin_page, _("No Staff PIN Set"));
      /* Translators: the README's section is "A kiosk's staff PIN". */
      wh_format_status_page_set_description (
        self->pin_page,
        _("Only staff may choose this kiosk’s station, and no staff PIN is set. An "
          "administrator sets its hash in the kiosk-staff-pin setting (see “A kiosk’s staff "
          "PIN” in the README), or sets kiosk-station-id directly."));
    }
}

static void
wh_kiosk_station_chooser_dispose (GObject *object)
{
  WhKioskStationChooser *self = WH_KIOSK_STATION_CHOOSER (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->wait_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_KIOSK_STATION_CHOOSER);
  /* The template's box, which no field names. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  g_clear_pointer (&self->city_name, g_free);
  g_clear_pointer (&self->district_name, g_free);
  G_OBJECT_CLASS (wh_kiosk_station_chooser_parent_class)->dispose (object);
}

static void
wh_kiosk_station_chooser_class_init (WhKioskStationChooserClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_kiosk_station_chooser_dispose;

  /**
   * WhKioskStationChooser::chosen:
   * @station_id: the station chosen
   */
  signals[SIGNAL_CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* Back from the first step: nothing chosen. */
  signals[SIGNAL_CANCEL] = g_signal_new ("cancel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/kiosk/"
                                               "wh-kiosk-station-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, list);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, pin_box);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, pin_message);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, pin_page);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, stack);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, title);
  gtk_widget_class_bind_template_child (widget_class, WhKioskStationChooser, unlock_button);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, unlock_cb);
}

static void
wh_kiosk_station_chooser_init (WhKioskStationChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
