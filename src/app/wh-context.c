/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-context"

#include "config.h"

#include "wh-context.h"

struct _WhContext
{
  GObject parent_instance;

  GSettings  *settings;
  WhStore    *store;
  WhApi      *api;
  WhLocation *location_service;
  gboolean   kiosk;
  gboolean   care_mode;
  gboolean   has_location;
  double     lat;
  double     lon;
  guint      location_idle; /* the settings' place, read once both keys are */
};

G_DEFINE_FINAL_TYPE (WhContext, wh_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_API,
  PROP_KIOSK,
  PROP_LOCATION,
  PROP_CARE_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* 0,0 is the schema's "not set"; it is in the sea off Africa, never a
 * place a worker sets on purpose. */
static void
read_location_settings (WhContext *self)
{
  double lat = g_settings_get_double (self->settings, "location-latitude");
  double lon = g_settings_get_double (self->settings, "location-longitude");

  wh_context_set_location (self, lat, lon, lat != 0 || lon != 0);
}

static gboolean
location_settings_idle_cb (gpointer user_data)
{
  WhContext *self = user_data;

  self->location_idle = 0;
  read_location_settings (self);
  return G_SOURCE_REMOVE;
}

/* A place is two keys, written one after the other: read them once both
 * are, or the first change would be a place with the old longitude (the
 * map once went to the sea off Africa when a city was chosen). */
static void
location_settings_changed_cb (WhContext *self)
{
  if (self->location_idle == 0)
    self->location_idle = g_idle_add (location_settings_idle_cb, self);
}

/* The newest of the two wins: a fix, or a place set in preferences after. */
static void
location_service_fix_cb (WhContext *self)
{
  double lat, lon;

  if (wh_location_get_fix (self->location_service, &lat, &lon))
    wh_context_set_location (self, lat, lon, TRUE);
}

WhContext *
wh_context_new (GSettings *settings,
                gboolean   kiosk)
{
  WhContext *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (WH_TYPE_CONTEXT, NULL);
  self->settings = g_object_ref (settings);
  self->kiosk = kiosk;
  g_signal_connect_object (settings, "changed::location-latitude",
                           G_CALLBACK (location_settings_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::location-longitude",
                           G_CALLBACK (location_settings_changed_cb), self, G_CONNECT_SWAPPED);
  read_location_settings (self);
  /* Care mode is a desktop's setting; a kiosk's lasts for one person's
   * session, in memory (the kiosk's wipe turns it off). */
  if (!kiosk)
    g_settings_bind (settings, "care-mode", self, "care-mode", G_SETTINGS_BIND_DEFAULT);
  self->location_service = wh_location_new ();
  g_signal_connect_object (self->location_service, "notify::fix",
                           G_CALLBACK (location_service_fix_cb), self, G_CONNECT_SWAPPED);
  return self;
}

WhLocation *
wh_context_get_location_service (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), NULL);

  return self->location_service;
}

void
wh_context_start_location (WhContext *self)
{
  g_return_if_fail (WH_IS_CONTEXT (self));

  /* A kiosk's place is its own station (src/app/kiosk/wh-kiosk.c), and
   * nobody there answers a permission prompt. */
  if (!self->kiosk)
    wh_location_start (self->location_service);
}

GSettings *
wh_context_get_settings (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), NULL);

  return self->settings;
}

gboolean
wh_context_get_kiosk (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), FALSE);

  return self->kiosk;
}

WhStore *
wh_context_get_store (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), NULL);

  return self->store;
}

void
wh_context_set_store (WhContext *self,
                      WhStore   *store)
{
  g_return_if_fail (WH_IS_CONTEXT (self));
  g_return_if_fail (store == NULL || WH_IS_STORE (store));

  if (g_set_object (&self->store, store))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

WhApi *
wh_context_get_api (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), NULL);

  return self->api;
}

void
wh_context_set_api (WhContext *self,
                    WhApi     *api)
{
  g_return_if_fail (WH_IS_CONTEXT (self));
  g_return_if_fail (api == NULL || WH_IS_API (api));

  if (g_set_object (&self->api, api))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API]);
}

gboolean
wh_context_get_location (WhContext *self,
                         double    *lat,
                         double    *lon)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), FALSE);

  if (!self->has_location)
    return FALSE;
  if (lat)
    *lat = self->lat;
  if (lon)
    *lon = self->lon;
  return TRUE;
}

void
wh_context_set_location (WhContext *self,
                         double     lat,
                         double     lon,
                         gboolean   valid)
{
  g_return_if_fail (WH_IS_CONTEXT (self));

  valid = valid && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
  if (valid == self->has_location && (!valid || (lat == self->lat && lon == self->lon)))
    return;
  self->has_location = valid;
  self->lat = valid ? lat : 0;
  self->lon = valid ? lon : 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCATION]);
}

gboolean
wh_context_get_care_mode (WhContext *self)
{
  g_return_val_if_fail (WH_IS_CONTEXT (self), FALSE);

  return self->care_mode;
}

void
wh_context_set_care_mode (WhContext *self,
                          gboolean   care_mode)
{
  g_return_if_fail (WH_IS_CONTEXT (self));

  care_mode = !!care_mode;
  if (self->care_mode == care_mode)
    return;
  self->care_mode = care_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CARE_MODE]);
}

static void
wh_context_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CARE_MODE:
      wh_context_set_care_mode (WH_CONTEXT (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_context_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WhContext *self = WH_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_API:
      g_value_set_object (value, self->api);
      break;
    case PROP_KIOSK:
      g_value_set_boolean (value, self->kiosk);
      break;
    case PROP_LOCATION:
      g_value_set_boolean (value, self->has_location);
      break;
    case PROP_CARE_MODE:
      g_value_set_boolean (value, self->care_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_context_dispose (GObject *object)
{
  WhContext *self = WH_CONTEXT (object);

  g_clear_handle_id (&self->location_idle, g_source_remove);
  g_clear_object (&self->location_service);
  g_clear_object (&self->api);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (wh_context_parent_class)->dispose (object);
}

static void
wh_context_class_init (WhContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wh_context_dispose;
  object_class->get_property = wh_context_get_property;
  object_class->set_property = wh_context_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, WH_TYPE_STORE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API] =
    g_param_spec_object ("api", NULL, NULL, WH_TYPE_API,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIOSK] =
    g_param_spec_boolean ("kiosk", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Whether a location is known; read it with wh_context_get_location (). */
  properties[PROP_LOCATION] =
    g_param_spec_boolean ("location", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Larger text, higher contrast, a simpler Home, Read Aloud on every page. */
  properties[PROP_CARE_MODE] =
    g_param_spec_boolean ("care-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_context_init (WhContext *self)
{
}
