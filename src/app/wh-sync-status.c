/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wh-sync-status.h"

struct _WhSyncStatus
{
  GtkWidget parent_instance;

  GtkWidget *button;
  /* [FULL]: the whole text; [MEDIUM]: the state and the time ("Offline ·
   * 10:32"); [WORD]: the state in a word ("Offline", or the time beside the
   * check mark); [SHORT]: the icon, or a sync's percentage. The
   * squeezer shows the longest that fits, so a header with little room
   * left still says the state in words and never cuts them to "O…". */
  GtkWidget *squeezer;
  AdwSqueezerPage *page[4];
  GtkWidget *icon[4];
  GtkWidget *spinner[4];
  GtkWidget *label[4];
  char      *text;
  char      *medium_text;
  char      *word_text;
  char      *short_text; /* what a compact indicator still says, or NULL */
  gboolean   compact;
};

G_DEFINE_FINAL_TYPE (WhSyncStatus, wh_sync_status, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_COMPACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { FULL, MEDIUM, WORD, SHORT };

/* Compact, on a narrow window, the icon alone says the state (the full
 * text stays in the tooltip and the accessible label), so the window's
 * title keeps its room; only a running sync's percentage is still shown.
 * The same happens whenever the header has no room for the whole text. */
static void
update_label (WhSyncStatus *self)
{
  gtk_label_set_text (GTK_LABEL (self->label[FULL]), self->text ? self->text : "");
  gtk_label_set_text (GTK_LABEL (self->label[MEDIUM]),
                      self->medium_text ? self->medium_text : self->text ? self->text : "");
  gtk_label_set_text (GTK_LABEL (self->label[WORD]),
                      self->word_text ? self->word_text
                                      : gtk_label_get_text (GTK_LABEL (self->label[MEDIUM])));
  gtk_label_set_text (GTK_LABEL (self->label[SHORT]), self->short_text ? self->short_text : "");
  gtk_widget_set_visible (self->label[SHORT], self->short_text != NULL);
  adw_squeezer_page_set_enabled (self->page[FULL], !self->compact);
  adw_squeezer_page_set_enabled (self->page[MEDIUM], !self->compact);
  adw_squeezer_page_set_enabled (self->page[WORD], !self->compact);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
wh_sync_status_set_compact (WhSyncStatus *self,
                            gboolean      compact)
{
  g_return_if_fail (WH_IS_SYNC_STATUS (self));

  compact = !!compact;
  if (self->compact == compact)
    return;
  self->compact = compact;
  update_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPACT]);
}

gboolean
wh_sync_status_get_compact (WhSyncStatus *self)
{
  g_return_val_if_fail (WH_IS_SYNC_STATUS (self), FALSE);

  return self->compact;
}

char *
wh_sync_status_format_time (gint64 unix_time,
                            gint64 now_unix)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (unix_time);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_unix);

  if (then == NULL || now == NULL)
    return g_strdup ("");
  if (now_unix - unix_time < 60)
    return g_strdup (_("just now"));
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    /* Translators: a time today, see the GDateTime format docs */
    return g_date_time_format (then, _("%H:%M"));
  if (now_unix - unix_time < 2 * 24 * 3600 &&
      g_date_time_get_day_of_year (now) - g_date_time_get_day_of_year (then) == 1)
    /* Translators: a time yesterday */
    return g_date_time_format (then, _("yesterday %H:%M"));
  /* Translators: a date, e.g. "20 Nov"; zh_CN: "%-m月%-d日" */
  return g_date_time_format (then, _("%-d %b"));
}

void
wh_sync_status_update (WhSyncStatus      *self,
                       WhSyncStatusState  state,
                       double             fraction,
                       gint64             last_synced_unix)
{
  g_autofree char *when = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *icon = NULL;

  g_return_if_fail (WH_IS_SYNC_STATUS (self));

  if (last_synced_unix > 0)
    when = wh_sync_status_format_time (last_synced_unix, now);
  g_free (self->text);
  g_clear_pointer (&self->medium_text, g_free);
  g_clear_pointer (&self->word_text, g_free);
  g_clear_pointer (&self->short_text, g_free);
  switch (state)
    {
    case WH_SYNC_STATUS_SYNCING:
      if (fraction >= 0)
        {
          int percent = (int) (CLAMP (fraction, 0, 1) * 100);

          /* Translators: %d is a percentage */
          self->text = g_strdup_printf (_("Syncing… %d%%"), percent);
          /* Translators: %d is a percentage, shown beside a spinner */
          self->short_text = g_strdup_printf (_("%d%%"), percent);
        }
      else
        self->text = g_strdup (_("Syncing…"));
      break;
    case WH_SYNC_STATUS_OFFLINE:
      icon = "wh-sync-offline-symbolic";
      self->text = when ? g_strdup_printf (_("Offline — showing saved data from %s"), when)
                        : g_strdup (_("Offline — nothing saved yet"));
      /* Translators: %s is a time, as in "Offline — showing saved data
       * from %s", when the header has less room */
      self->medium_text = when ? g_strdup_printf (_("Offline · %s"), when) : NULL;
      self->word_text = g_strdup (_("Offline"));
      break;
    case WH_SYNC_STATUS_ERROR:
      icon = "dialog-warning-symbolic";
      self->text = when ? g_strdup_printf (_("Sync failed — showing saved data from %s"), when)
                        : g_strdup (_("Sync failed"));
      /* Translators: %s is a time, as in "Sync failed — showing saved
       * data from %s", when the header has less room */
      self->medium_text = when ? g_strdup_printf (_("Sync failed · %s"), when) : NULL;
      self->word_text = g_strdup (_("Sync failed"));
      break;
    case WH_SYNC_STATUS_NO_BACKEND:
      /* Not "offline": there is nothing to reach until a server is set. */
      icon = "network-server-symbolic";
      self->text = g_strdup (_("No union server set"));
      break;
    case WH_SYNC_STATUS_IDLE:
    default:
      icon = "emblem-ok-symbolic";
      self->text = when ? g_strdup_printf (_("Updated %s"), when) : g_strdup (_("Not synced yet"));
      /* Beside the check mark, the time says it. */
      self->word_text = g_strdup (when);
      break;
    }

  for (guint i = FULL; i <= SHORT; i++)
    {
      gtk_widget_set_visible (self->spinner[i], state == WH_SYNC_STATUS_SYNCING);
      gtk_spinner_set_spinning (GTK_SPINNER (self->spinner[i]), state == WH_SYNC_STATUS_SYNCING);
      gtk_widget_set_visible (self->icon[i], icon != NULL);
      if (icon)
        gtk_image_set_from_icon_name (GTK_IMAGE (self->icon[i]), icon);
    }
  update_label (self);
  gtk_widget_set_tooltip_text (self->button, self->text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->text, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  state == WH_SYNC_STATUS_NO_BACKEND
                                    ? _("Press to set up a union server")
                                    : _("Press to sync now"), -1);
  /* Preferences are missing on a kiosk: the button is then insensitive. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button),
                                  state == WH_SYNC_STATUS_NO_BACKEND ? "app.preferences"
                                                                     : "app.sync");
}

const char *
wh_sync_status_get_text (WhSyncStatus *self)
{
  g_return_val_if_fail (WH_IS_SYNC_STATUS (self), NULL);

  return self->text;
}

static void
wh_sync_status_dispose (GObject *object)
{
  WhSyncStatus *self = WH_SYNC_STATUS (object);

  g_clear_pointer (&self->button, gtk_widget_unparent);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->medium_text, g_free);
  g_clear_pointer (&self->word_text, g_free);
  g_clear_pointer (&self->short_text, g_free);
  G_OBJECT_CLASS (wh_sync_status_parent_class)->dispose (object);
}

static void
wh_sync_status_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_COMPACT:
      g_value_set_boolean (value, WH_SYNC_STATUS (object)->compact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_sync_status_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_COMPACT:
      wh_sync_status_set_compact (WH_SYNC_STATUS (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_sync_status_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  gtk_widget_measure (WH_SYNC_STATUS (widget)->button, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

/* The squeezer asks for its longest page's width, and the header gives it
 * what it can: the button would be that wide whatever it shows (an icon in
 * a wide grey box when hovered). It gets the width of the longest page
 * that fits instead, which the squeezer then shows. */
static void
wh_sync_status_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  WhSyncStatus *self = WH_SYNC_STATUS (widget);
  int button_nat, squeezer_nat, padding, page_width = 0;
  GtkAllocation allocation = { 0, 0, width, height };

  gtk_widget_measure (self->button, GTK_ORIENTATION_HORIZONTAL, height, NULL, &button_nat,
                      NULL, NULL);
  gtk_widget_measure (self->squeezer, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &squeezer_nat,
                      NULL, NULL);
  padding = MAX (button_nat - squeezer_nat, 0);
  for (guint i = FULL; i <= SHORT; i++)
    {
      GtkWidget *child = adw_squeezer_page_get_child (self->page[i]);

      if (!adw_squeezer_page_get_enabled (self->page[i]))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &page_width, NULL, NULL);
      if (page_width + padding <= width)
        break;
    }
  allocation.width = CLAMP (page_width + padding, 0, width);
  gtk_widget_measure (self->button, GTK_ORIENTATION_HORIZONTAL, height, &button_nat, NULL,
                      NULL, NULL);
  allocation.width = MAX (allocation.width, MIN (button_nat, width));
  if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
    allocation.x = width - allocation.width;
  gtk_widget_size_allocate (self->button, &allocation, baseline);
}

static void
wh_sync_status_class_init (WhSyncStatusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wh_sync_status_dispose;
  G_OBJECT_CLASS (klass)->get_property = wh_sync_status_get_property;
  G_OBJECT_CLASS (klass)->set_property = wh_sync_status_set_property;
  /* Icon only (and a sync's percentage): for a narrow window. */
  properties[PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), N_PROPS, properties);
  GTK_WIDGET_CLASS (klass)->measure = wh_sync_status_measure;
  GTK_WIDGET_CLASS (klass)->size_allocate = wh_sync_status_size_allocate;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "wh-sync-status");
}

static void
wh_sync_status_init (WhSyncStatus *self)
{
  self->button = gtk_button_new ();
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), "app.sync");
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_add_css_class (self->button, "wh-sync-status");
  self->squeezer = adw_squeezer_new ();
  /* A page fits only at its natural width: the full text, or nothing. */
  adw_squeezer_set_switch_threshold_policy (ADW_SQUEEZER (self->squeezer),
                                            ADW_FOLD_THRESHOLD_POLICY_NATURAL);
  adw_squeezer_set_homogeneous (ADW_SQUEEZER (self->squeezer), FALSE);
  adw_squeezer_set_xalign (ADW_SQUEEZER (self->squeezer), 0);
  for (guint i = FULL; i <= SHORT; i++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      self->icon[i] = gtk_image_new ();
      self->spinner[i] = gtk_spinner_new ();
      self->label[i] = gtk_label_new (NULL);
      /* Longer texts (offline, with a date) still end in an ellipsis. */
      gtk_label_set_ellipsize (GTK_LABEL (self->label[i]), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (self->label[i]), 28);
      gtk_box_append (GTK_BOX (box), self->icon[i]);
      gtk_box_append (GTK_BOX (box), self->spinner[i]);
      gtk_box_append (GTK_BOX (box), self->label[i]);
      self->page[i] = adw_squeezer_add (ADW_SQUEEZER (self->squeezer), box);
    }
  gtk_button_set_child (GTK_BUTTON (self->button), self->squeezer);
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
  wh_sync_status_update (self, WH_SYNC_STATUS_IDLE, 0, 0);
}
