/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the generator lands. */
#include "config.h"

#include <gio/gio.h>

#include "wh-generator.h"

const WhScale *
wh_scale_lookup (const char *name)
{
  return NULL;
}

gboolean
wh_generate (sqlite3 *db, const WhScale *scale, guint64 seed, WhGenerateProgress progress,
             gpointer user_data, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not implemented yet");
  return FALSE;
}
