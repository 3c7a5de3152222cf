/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the server lands: every call fails plainly. */
#include "config.h"

#include "wh-server.h"

struct _WhServer
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (WhServer, wh_server, G_TYPE_OBJECT)

static void wh_server_class_init (WhServerClass *klass) {}
static void wh_server_init (WhServer *self) {}

WhServer *
wh_server_new (const char *db_path, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not implemented yet");
  return NULL;
}
void wh_server_set_demo_code (WhServer *self, const char *code) {}
void wh_server_set_token_ttl (WhServer *self, gint64 seconds) {}
void wh_server_set_rate_limit (WhServer *self, guint per_second) {}
gboolean wh_server_set_faults (WhServer *self, const char *spec, GError **error) { return TRUE; }
gboolean wh_server_listen (WhServer *self, const char *address, guint port, GError **error) { return FALSE; }
char *wh_server_get_base_url (WhServer *self) { return NULL; }
char *wh_server_merchant_key (WhServer *self, gint64 merchant_id) { return NULL; }
