/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-location"

#include "config.h"

#ifdef HAVE_GEOCLUE
#include <geoclue.h>
#endif

#include "wh-location.h"

struct _WhLocation
{
  GObject parent_instance;

  /* Owned references */
  GCancellable *cancellable;
#ifdef HAVE_GEOCLUE
  GClueSimple  *geoclue;
#endif

  /* State */
  gboolean      started;
  gboolean      has_fix;
  double        lat;
  double        lon;
};

G_DEFINE_FINAL_TYPE (WhLocation, wh_location, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FIX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

WhLocation *
wh_location_new (void)
{
  return g_object_new (WH_TYPE_LOCATION, NULL);
}

gboolean
wh_location_get_fix (WhLocation *self,
                     double     *lat,
                     double     *lon)
{
  g_return_val_if_fail (WH_IS_LOCATION (self), FALSE);

  if (!self->has_fix)
    return FALSE;
  if (lat)
    *lat = self->lat;
  if (lon)
    *lon = self->lon;
  return TRUE;
}

void
wh_location_set_fix (WhLocation *self,
                     double      lat,
                     double      lon)
{
  g_return_if_fail (WH_IS_LOCATION (self));

  if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
    return;
  self->has_fix = TRUE;
  self->lat = lat;
  self->lon = lon;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIX]);
}

gboolean
wh_location_get_started (WhLocation *self)
{
  g_return_val_if_fail (WH_IS_LOCATION (self), FALSE);

  return self->started;
}

#ifdef HAVE_GEOCLUE
static void
geoclue_location_cb (WhLocation *self)
{
  GClueLocation *location = gclue_simple_get_location (self->geoclue);

  if (location)
    wh_location_set_fix (self, gclue_location_get_latitude (location),
                         gclue_location_get_longitude (location));
}

static void
geoclue_ready_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhLocation) self = user_data;
  g_autoptr(GError) error = NULL;
  GClueSimple *simple = gclue_simple_new_finish (result, &error);

  if (simple == NULL)
    {
      /* No location service (a kiosk, a container, Xvfb) or the user said
       * no: the place from preferences stays the origin. */
      g_debug ("No location service: %s", error->message);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_object_unref (simple);
      return;
    }
  self->geoclue = simple;
  g_signal_connect_object (simple, "notify::location", G_CALLBACK (geoclue_location_cb), self,
                           G_CONNECT_SWAPPED);
  geoclue_location_cb (self);
}
#endif

void
wh_location_start (WhLocation *self)
{
  g_return_if_fail (WH_IS_LOCATION (self));

  if (self->started)
    return;
  self->started = TRUE;
#ifdef HAVE_GEOCLUE
  gclue_simple_new (APP_ID, GCLUE_ACCURACY_LEVEL_CITY, self->cancellable, geoclue_ready_cb,
                    g_object_ref (self));
#endif
}

static void
wh_location_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WhLocation *self = WH_LOCATION (object);

  switch (prop_id)
    {
    case PROP_FIX:
      g_value_set_boolean (value, self->has_fix);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_location_dispose (GObject *object)
{
  WhLocation *self = WH_LOCATION (object);

  g_cancellable_cancel (self->cancellable);
#ifdef HAVE_GEOCLUE
  g_clear_object (&self->geoclue);
#endif
  G_OBJECT_CLASS (wh_location_parent_class)->dispose (object);
}

static void
wh_location_finalize (GObject *object)
{
  WhLocation *self = WH_LOCATION (object);

  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wh_location_parent_class)->finalize (object);
}

static void
wh_location_class_init (WhLocationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wh_location_dispose;
  object_class->finalize = wh_location_finalize;
  object_class->get_property = wh_location_get_property;

  /* Whether there is a fix; notified at each new one. Read it with
   * wh_location_get_fix (). */
  properties[PROP_FIX] =
    g_param_spec_boolean ("fix", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_location_init (WhLocation *self)
{
  self->cancellable = g_cancellable_new ();
}
