/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-kiosk-home"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-kiosk-home.h"
#include "wh-kiosk-station-chooser.h"

/* What the choices page lists. */
typedef enum
{
  CHOICES_NONE,
  CHOICES_COURSES,   /* course categories */
  CHOICES_JOBS,      /* job categories */
} Choices;

/* Categories are at most a few hundred. */
#define MAX_CHOICES 400

typedef struct
{
  char   *label;
  char   *topic;  /* for a service, or NULL */
  gint64  id;     /* a course category's id */
} Choice;

static void
choice_free (Choice *choice)
{
  g_free (choice->label);
  g_free (choice->topic);
  g_free (choice);
}

static Choice *
choice_new (const char *label,
            char       *topic,
            gint64      id)
{
  Choice *choice = g_new0 (Choice, 1);

  choice->label = g_strdup (label);
  choice->topic = topic;
  choice->id = id;
  return choice;
}

struct _WhKioskHome
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget    *care_switch;
  GtkWidget    *choices;
  GtkStack     *choices_stack;
  GtkLabel     *choices_title;
  GtkWidget    *choose_station_button;
  GtkLabel     *here_address;
  GtkLabel     *here_name;
  GtkStack     *stack;
  WhKioskStationChooser *station_chooser;
  GtkWidget    *tiles_care_switch;

  /* Owned references */
  WhContext    *context;
  GCancellable *cancellable;

  Choices       mode;
};

G_DEFINE_FINAL_TYPE (WhKioskHome, wh_kiosk_home, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_SERVICE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Loading the choices on the store's queue --------------------------- */

static int
compare_categories (gconstpointer a,
                    gconstpointer b)
{
  const WhRecord *x = *(WhRecord **) a, *y = *(WhRecord **) b;
  gint64 px = wh_record_get_int (x, "position"), py = wh_record_get_int (y, "position");

  if (px != py)
    return px < py ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
choice_clicked_cb (GtkButton   *button,
                   WhKioskHome *self);

static void
clear_choices (WhKioskHome *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->choices)))
    gtk_flow_box_remove (GTK_FLOW_BOX (self->choices), child);
}

static void
add_choice (WhKioskHome *self,
            Choice      *choice)
{
  GtkWidget *label = gtk_label_new (choice->label);
  GtkWidget *button = gtk_button_new ();

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_button_set_child (GTK_BUTTON (button), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  choice->label, -1);
  gtk_widget_add_css_class (button, "wh-kiosk-choice");
  g_object_set_data_full (G_OBJECT (button), "wh-choice", choice, (GDestroyNotify) choice_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (choice_clicked_cb), self, 0);
  gtk_flow_box_append (GTK_FLOW_BOX (self->choices), button);
}

/* The choices read (at most MAX_CHOICES, so built on the main thread), or
 * the error that stopped the read. */
static void
show_loaded (WhKioskHome  *self,
             GPtrArray    *choices,
             const GError *error)
{
  clear_choices (self);
  if (choices == NULL)
    g_warning ("Cannot list the kiosk's choices: %s", error->message);
  if (choices == NULL || choices->len == 0)
    {
      gtk_stack_set_visible_child_name (self->choices_stack, "empty");
      return;
    }
  /* "All" first: a person who wants no topic need not scan for it. */
  if (self->mode == CHOICES_COURSES)
    add_choice (self, choice_new (_("All Courses"), NULL, 0));
  else if (self->mode == CHOICES_JOBS)
    add_choice (self, choice_new (_("All Jobs"), NULL, 0));
  for (guint i = 0; i < choices->len; i++)
    add_choice (self, g_steal_pointer (&g_ptr_array_index (choices, i)));
  g_ptr_array_set_free_func (choices, NULL);
  gtk_stack_set_visible_child_name (self->choices_stack, "list");
}

static GPtrArray *
choices_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
}

/* Course categories. Each callback returns
 * untouched when cancelled: show_choices and dispose cancel, so a read
 * that is not cancelled finds its page alive and in its mode. */
static void
records_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhKioskHome *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = wh_store_query_finish (WH_STORE (source), result, &error);
  g_autoptr(GPtrArray) choices = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (records == NULL)
    {
      show_loaded (self, NULL, error);
      return;
    }
  choices = choices_new ();
  g_ptr_array_sort (records, compare_categories);
  for (guint i = 0; i < records->len; i++)
    {
      const WhRecord *r = g_ptr_array_index (records, i);

      g_ptr_array_add (choices, choice_new (wh_record_get_text (r, "name"),
                                            g_strdup_printf ("category:%" G_GINT64_FORMAT, r->id),
                                            r->id));
    }
  show_loaded (self, choices, NULL);
}

/* Job categories. */
static void
values_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WhKioskHome *self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) values = wh_store_list_values_finish (WH_STORE (source), result, &error);
  g_autoptr(GPtrArray) choices = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (values != NULL)
    {
      choices = choices_new ();
      for (guint i = 0; values[i]; i++)
        g_ptr_array_add (choices, choice_new (values[i], g_strconcat ("category:", values[i], NULL),
                                              0));
    }
  show_loaded (self, choices, error);
}

static void
show_choices (WhKioskHome *self,
              Choices      mode,
              const char  *title)
{
  WhStore *store = self->context ? wh_context_get_store (self->context) : NULL;
  g_autoptr(WhQuery) query = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->mode = mode;
  gtk_label_set_text (self->choices_title, title);
  gtk_stack_set_visible_child_name (self->stack, "choices");
  clear_choices (self);
  if (store == NULL)
    {
      gtk_stack_set_visible_child_name (self->choices_stack, "empty");
      return;
    }
  gtk_stack_set_visible_child_name (self->choices_stack, "loading");
  switch (mode)
    {
    case CHOICES_COURSES:
      query = wh_query_new (&wh_collection_categories);
      wh_store_query_async (store, query, 0, MAX_CHOICES, self->cancellable, records_read_cb,
                            self);
      break;
    case CHOICES_JOBS:
      wh_store_list_values_async (store, &wh_collection_jobs, "category", MAX_CHOICES,
                                  self->cancellable, values_read_cb, self);
      break;
    case CHOICES_NONE:
    default:
      g_assert_not_reached ();
    }
}

static void
choice_clicked_cb (GtkButton   *button,
                   WhKioskHome *self)
{
  Choice *choice = g_object_get_data (G_OBJECT (button), "wh-choice");

  switch (self->mode)
    {
    case CHOICES_COURSES:
      g_signal_emit (self, signals[SIGNAL_OPEN_SERVICE], 0, "courses", choice->topic);
      break;
    case CHOICES_JOBS:
      g_signal_emit (self, signals[SIGNAL_OPEN_SERVICE], 0, "jobs", choice->topic);
      break;
    case CHOICES_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* ---- Actions ------------------------------------------------------------ */

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WhKioskHome *self = WH_KIOSK_HOME (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (g_str_equal (name, "courses"))
    show_choices (self, CHOICES_COURSES, _("Courses by Trade"));
  else if (g_str_equal (name, "jobs"))
    show_choices (self, CHOICES_JOBS, _("Jobs by Category"));
  else
    g_signal_emit (self, signals[SIGNAL_OPEN_SERVICE], 0, name, "nearest");
}

/* Care mode's big buttons: the service itself, no topic to choose. */
static void
open_service_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  const char *name = g_variant_get_string (parameter, NULL);
  gboolean near = g_str_equal (name, "stations") || g_str_equal (name, "meals");

  g_signal_emit (widget, signals[SIGNAL_OPEN_SERVICE], 0, name, near ? "nearest" : NULL);
}

static const char *
home_page (WhKioskHome *self)
{
  return self->context && wh_context_get_care_mode (self->context) ? "care" : "tiles";
}

/* Care mode switched (here, in Preferences, or by the kiosk's reset): Home
 * as it says, unless a choice is being made. */
static void
care_mode_cb (WhKioskHome *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  /* At once: the pictures on a kiosk caught the slide between the two
   * Homes stopped half way, the new one never shown. */
  if (g_strcmp0 (page, "tiles") == 0 || g_strcmp0 (page, "care") == 0)
    gtk_stack_set_visible_child_full (self->stack, home_page (self),
                                      GTK_STACK_TRANSITION_TYPE_NONE);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  wh_kiosk_home_reset (WH_KIOSK_HOME (widget));
}

/* Staff only: the chooser asks for the PIN first. */
static void
choose_station_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  WhKioskHome *self = WH_KIOSK_HOME (widget);

  if (self->context == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  self->mode = CHOICES_NONE;
  gtk_stack_set_visible_child_name (self->stack, "station");
  wh_kiosk_station_chooser_start (self->station_chooser, self->context);
}

static void
station_chosen_cb (WhKioskHome *self,
                   gint64       station_id)
{
  g_settings_set_int64 (wh_context_get_settings (self->context), "kiosk-station-id", station_id);
  wh_kiosk_home_reset (self);
}

/* ---- Public ------------------------------------------------------------- */

void
wh_kiosk_home_set_context (WhKioskHome *self,
                           WhContext   *context)
{
  g_return_if_fail (WH_IS_KIOSK_HOME (self));
  g_return_if_fail (WH_IS_CONTEXT (context));

  if (!g_set_object (&self->context, context))
    return;
  g_object_bind_property (context, "care-mode", self->care_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (context, "care-mode", self->tiles_care_switch, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (context, "notify::care-mode", G_CALLBACK (care_mode_cb), self,
                           G_CONNECT_SWAPPED);
  care_mode_cb (self);
}

void
wh_kiosk_home_set_station (WhKioskHome    *self,
                           gint64          station_id,
                           const WhRecord *station)
{
  gboolean writable;

  g_return_if_fail (WH_IS_KIOSK_HOME (self));

  if (station)
    {
      gtk_label_set_text (self->here_name, wh_record_get_text (station, "name"));
      gtk_label_set_text (self->here_address, wh_record_get_text (station, "address"));
    }
  else if (station_id > 0)
    {
      gtk_label_set_text (self->here_name, _("This Station"));
      gtk_label_set_text (self->here_address,
                          _("The details of this station arrive with the next download."));
    }
  else
    {
      gtk_label_set_text (self->here_name, _("No Station Chosen"));
      gtk_label_set_text (self->here_address,
                          _("Distances are shown once the kiosk knows its station."));
    }
  /* Staff choose it with the PIN, the first time or after a move; a locked
   * setting (see data/kiosk) leaves it to the administrator. */
  writable = self->context &&
             g_settings_is_writable (wh_context_get_settings (self->context), "kiosk-station-id");
  gtk_widget_set_visible (self->choose_station_button, writable);
  gtk_button_set_label (GTK_BUTTON (self->choose_station_button),
                        station_id <= 0 ? _("Choose This Kiosk’s Station")
                                        : _("Change Station (Staff)"));
  if (station_id <= 0)
    {
      gtk_widget_add_css_class (self->choose_station_button, "suggested-action");
      gtk_widget_remove_css_class (self->choose_station_button, "flat");
    }
  else
    {
      gtk_widget_remove_css_class (self->choose_station_button, "suggested-action");
      gtk_widget_add_css_class (self->choose_station_button, "flat");
    }
}

void
wh_kiosk_home_reset (WhKioskHome *self)
{
  g_return_if_fail (WH_IS_KIOSK_HOME (self));

  g_cancellable_cancel (self->cancellable);
  self->mode = CHOICES_NONE;
  clear_choices (self);
  wh_kiosk_station_chooser_reset (self->station_chooser);
  gtk_stack_set_visible_child_name (self->stack, home_page (self));
}

static void
wh_kiosk_home_dispose (GObject *object)
{
  WhKioskHome *self = WH_KIOSK_HOME (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_KIOSK_HOME);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wh_kiosk_home_parent_class)->dispose (object);
}

static void
wh_kiosk_home_class_init (WhKioskHomeClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_kiosk_home_dispose;

  /**
   * WhKioskHome::open-service:
   * @name: "courses", "jobs", "stations" or "meals"
   * @topic: (nullable): for wh_service_page_show_topic ()
   */
  signals[SIGNAL_OPEN_SERVICE] = g_signal_new ("open-service", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/kiosk/"
                                               "wh-kiosk-home.ui");
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, care_switch);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, choices);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, choices_stack);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, choices_title);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, choose_station_button);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, here_address);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, here_name);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, stack);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, station_chooser);
  gtk_widget_class_bind_template_child (widget_class, WhKioskHome, tiles_care_switch);
  gtk_widget_class_bind_template_callback (widget_class, station_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, wh_kiosk_home_reset);
  gtk_widget_class_install_action (widget_class, "kiosk-home.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "kiosk-home.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "kiosk-home.open-service", "s",
                                   open_service_action);
  gtk_widget_class_install_action (widget_class, "kiosk-home.choose-station", NULL,
                                   choose_station_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "kiosk-home.back", NULL);
}

static void
wh_kiosk_home_init (WhKioskHome *self)
{
  g_type_ensure (WH_TYPE_KIOSK_STATION_CHOOSER);
  gtk_widget_init_template (GTK_WIDGET (self));
  wh_kiosk_home_set_station (self, 0, NULL);
}
