/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-record"

#include "config.h"

#include "wh-record-object.h"

struct _WhRecordObject
{
  GObject   parent_instance;

  WhRecord *record;
};

G_DEFINE_FINAL_TYPE (WhRecordObject, wh_record_object, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_COLLECTION,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wh_record_object_finalize (GObject *object)
{
  WhRecordObject *self = WH_RECORD_OBJECT (object);

  g_clear_pointer (&self->record, wh_record_free);

  G_OBJECT_CLASS (wh_record_object_parent_class)->finalize (object);
}

static void
wh_record_object_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WhRecordObject *self = WH_RECORD_OBJECT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, wh_record_object_get_id (self));
      break;
    case PROP_COLLECTION:
      g_value_set_string (value, wh_record_object_get_collection (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, wh_record_object_get_title (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_record_object_class_init (WhRecordObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wh_record_object_finalize;
  object_class->get_property = wh_record_object_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLLECTION] = g_param_spec_string ("collection", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_record_object_init (WhRecordObject *self)
{
}

WhRecordObject *
wh_record_object_new (WhRecord *record)
{
  WhRecordObject *self;

  g_return_val_if_fail (record != NULL, NULL);

  self = g_object_new (WH_TYPE_RECORD_OBJECT, NULL);
  self->record = record;
  return self;
}

const WhRecord *
wh_record_object_get_record (WhRecordObject *self)
{
  g_return_val_if_fail (WH_IS_RECORD_OBJECT (self), NULL);
  return self->record;
}

gint64
wh_record_object_get_id (WhRecordObject *self)
{
  g_return_val_if_fail (WH_IS_RECORD_OBJECT (self), 0);
  return self->record->id;
}

const char *
wh_record_object_get_collection (WhRecordObject *self)
{
  g_return_val_if_fail (WH_IS_RECORD_OBJECT (self), NULL);
  return self->record->collection->name;
}

const char *
wh_record_object_get_title (WhRecordObject *self)
{
  const WhCollection *c;
  guint index;
  const WhField *field;

  g_return_val_if_fail (WH_IS_RECORD_OBJECT (self), NULL);

  c = self->record->collection;
  field = wh_collection_find_field (c, c->title_field, &index);
  if (field == NULL || field->type != WH_TYPE_TEXT || !self->record->values[index].is_set)
    return NULL;
  return self->record->values[index].s;
}
