/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-record-object.h: a WhRecord as a GObject, the item of list models.
 *
 * Immutable: a changed record is a new object (a list model reload makes
 * them), so a row widget may keep what it read. */
#pragma once

#include <glib-object.h>

#include "wh-record.h"

G_BEGIN_DECLS

#define WH_TYPE_RECORD_OBJECT (wh_record_object_get_type ())
G_DECLARE_FINAL_TYPE (WhRecordObject, wh_record_object, WH, RECORD_OBJECT, GObject)

/* Takes ownership of record. */
WhRecordObject *wh_record_object_new            (WhRecord       *record);
const WhRecord *wh_record_object_get_record     (WhRecordObject *self);
gint64          wh_record_object_get_id         (WhRecordObject *self);
const char     *wh_record_object_get_collection (WhRecordObject *self);
/* The collection's title field if it is text (a job's title, a station's
 * name), else NULL. */
const char     *wh_record_object_get_title      (WhRecordObject *self);

G_END_DECLS
