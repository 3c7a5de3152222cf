/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-test-server"

#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "wh-generator.h"
#include "wh-server-db.h"
#include "wh-test-server.h"
#include "wh-test.h"

struct _WhTestServer
{
  char         *dir;
  char         *db_path;
  char         *url;
  guint         port;

  /* The running server; only its thread touches server. */
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  WhServer     *server;

  /* Start-up handshake and the settings every restart gets again. */
  GMutex        lock;
  GCond         cond;
  gboolean      started;
  GError       *start_error;
  gint64        time_us;  /* 0: the real clock */
  char         *faults;
  char         *auth_limits;
  guint         rate_limit;
  gint64        token_ttl;

  /* The codes the server sent (its SMS gateway): phone -> code, under lock. */
  GHashTable   *codes;
};

static void
code_sender (const char *phone,
             const char *code,
             gpointer    user_data)
{
  WhTestServer *self = user_data;

  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->codes, g_strdup (phone), g_strdup (code));
  g_mutex_unlock (&self->lock);
}

static gint64
test_clock (gpointer user_data)
{
  WhTestServer *self = user_data;
  gint64 t;

  g_mutex_lock (&self->lock);
  t = self->time_us;
  g_mutex_unlock (&self->lock);
  return t != 0 ? t : g_get_real_time ();
}

static gpointer
server_thread (gpointer user_data)
{
  WhTestServer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhServer) server = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);

  g_main_context_push_thread_default (context);
  server = wh_server_new (self->db_path, &error);
  if (server != NULL)
    {
      wh_server_set_clock (server, test_clock, self);
      wh_server_set_demo_code (server, WH_TEST_SERVER_DEMO_CODE);
      wh_server_set_code_sender (server, code_sender, self);
      if (self->token_ttl > 0)
        wh_server_set_token_ttl (server, self->token_ttl);
      wh_server_set_rate_limit (server, self->rate_limit);
      /* Tests sign in dozens of users from loopback in a second; those that
       * test the sign-in limit set it again. */
      wh_server_set_auth_rate_limit (server, 0);
      if (self->faults && !wh_server_set_faults (server, self->faults, &error))
        g_clear_object (&server);
      else if (!wh_server_set_auth_limits (server, self->auth_limits, &error))
        g_clear_object (&server);
      else if (!wh_server_listen (server, "127.0.0.1", self->port, &error))
        g_clear_object (&server);
    }

  g_mutex_lock (&self->lock);
  if (server != NULL)
    {
      self->port = wh_server_get_port (server);
      self->server = server;
      self->context = context;
      self->loop = loop;
    }
  else
    self->start_error = g_steal_pointer (&error);
  self->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (server != NULL)
    g_main_loop_run (loop);

  g_mutex_lock (&self->lock);
  self->server = NULL;
  self->context = NULL;
  self->loop = NULL;
  g_mutex_unlock (&self->lock);

  /* Closes the listener and every connection. */
  g_clear_object (&server);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  return NULL;
}

static gboolean
launch (WhTestServer *self,
        GError      **error)
{
  g_mutex_lock (&self->lock);
  self->started = FALSE;
  g_clear_error (&self->start_error);
  g_mutex_unlock (&self->lock);

  self->thread = g_thread_new ("wh-test-server", server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }
  if (self->url == NULL)
    self->url = g_strdup_printf ("http://127.0.0.1:%u", self->port);
  return TRUE;
}

/* ---- Generated data, once per process and scale ------------------------- */

/* Generating "tiny" takes 2 s of CPU under AddressSanitizer (30 ms without),
 * and a test program starts a server per test: each scale is generated once
 * into a template that every start copies. */
static GMutex templates_lock;
static GHashTable *templates; /* scale name -> template path */
static char *templates_dir;

static void
remove_templates (void)
{
  if (templates_dir != NULL)
    wh_test_remove_tmpdir (templates_dir);
}

static const char *
template_for (const WhScale *scale,
              GError       **error)
{
  const char *path;
  g_autofree char *new_path = NULL;
  sqlite3 *db;
  gboolean ok;

  g_mutex_lock (&templates_lock);
  if (templates == NULL)
    {
      templates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      templates_dir = g_dir_make_tmp ("wh-test-templates-XXXXXX", error);
      if (templates_dir == NULL)
        {
          g_clear_pointer (&templates, g_hash_table_unref);
          g_mutex_unlock (&templates_lock);
          return NULL;
        }
      atexit (remove_templates);
    }
  path = g_hash_table_lookup (templates, scale->name);
  if (path != NULL)
    {
      g_mutex_unlock (&templates_lock);
      return path;
    }
  new_path = g_strdup_printf ("%s/%s.db", templates_dir, scale->name);
  db = wh_server_db_open (new_path, error);
  ok = db != NULL && wh_generate (db, scale, 1, NULL, NULL, error);
  /* Closing the last connection checkpoints the WAL into the file. */
  if (db != NULL)
    sqlite3_close (db);
  if (ok)
    {
      path = new_path;
      g_hash_table_insert (templates, g_strdup (scale->name), g_steal_pointer (&new_path));
    }
  g_mutex_unlock (&templates_lock);
  return path;
}

WhTestServer *
wh_test_server_start (const char *scale,
                      GError    **error)
{
  WhTestServer *self = g_new0 (WhTestServer, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->dir = g_dir_make_tmp ("wh-test-server-XXXXXX", error);
  if (self->dir == NULL)
    goto fail;
  self->db_path = g_build_filename (self->dir, "server.db", NULL);

  if (scale != NULL)
    {
      const WhScale *s = wh_scale_lookup (scale);
      g_autoptr(GFile) from = NULL;
      g_autoptr(GFile) to = NULL;
      const char *template;

      if (s == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown scale “%s”",
                       scale);
          goto fail;
        }
      template = template_for (s, error);
      if (template == NULL)
        goto fail;
      from = g_file_new_for_path (template);
      to = g_file_new_for_path (self->db_path);
      if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, error))
        goto fail;
    }

  if (!launch (self, error))
    goto fail;
  return self;

fail:
  wh_test_server_free (self);
  return NULL;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
wh_test_server_stop (WhTestServer *self)
{
  g_return_if_fail (self != NULL);

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (self->context)
    g_main_context_invoke (self->context, quit_cb, self->loop);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}

gboolean
wh_test_server_restart (WhTestServer *self,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  return launch (self, error);
}

gboolean
wh_test_server_is_running (WhTestServer *self)
{
  return self->thread != NULL;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

void
wh_test_server_free (WhTestServer *self)
{
  if (self == NULL)
    return;
  wh_test_server_stop (self);
  if (self->dir)
    remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->db_path);
  g_free (self->url);
  g_free (self->faults);
  g_free (self->auth_limits);
  g_hash_table_unref (self->codes);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

const char *
wh_test_server_get_url (WhTestServer *self)
{
  return self->url;
}

guint
wh_test_server_get_port (WhTestServer *self)
{
  return self->port;
}

const char *
wh_test_server_get_db_path (WhTestServer *self)
{
  return self->db_path;
}

typedef struct
{
  WhTestServer     *self;
  WhTestServerFunc  func;
  gpointer          user_data;
  gboolean          done;
} Invocation;

static gboolean
invoke_cb (gpointer user_data)
{
  Invocation *inv = user_data;

  inv->func (inv->self->server, inv->user_data);
  g_mutex_lock (&inv->self->lock);
  inv->done = TRUE;
  g_cond_broadcast (&inv->self->cond);
  g_mutex_unlock (&inv->self->lock);
  return G_SOURCE_REMOVE;
}

void
wh_test_server_run (WhTestServer     *self,
                    WhTestServerFunc  func,
                    gpointer          user_data)
{
  Invocation inv = { self, func, user_data, FALSE };

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->thread != NULL);

  g_mutex_lock (&self->lock);
  g_main_context_invoke (self->context, invoke_cb, &inv);
  while (!inv.done)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

void
wh_test_server_set_time (WhTestServer *self,
                         gint64        unix_us)
{
  g_mutex_lock (&self->lock);
  self->time_us = unix_us;
  g_mutex_unlock (&self->lock);
}

void
wh_test_server_advance (WhTestServer *self,
                        gint64        seconds)
{
  g_mutex_lock (&self->lock);
  if (self->time_us == 0)
    self->time_us = g_get_real_time ();
  self->time_us += seconds * G_USEC_PER_SEC;
  g_mutex_unlock (&self->lock);
}

static void
put_record_cb (WhServer *server,
               gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  wh_server_put_record (server, user_data, &error);
  g_assert_no_error (error);
}

void
wh_test_server_put_record (WhTestServer *self,
                           WhRecord     *record)
{
  wh_test_server_run (self, put_record_cb, record);
}

typedef struct
{
  const WhCollection *collection;
  gint64              id;
} DeleteData;

static void
delete_record_cb (WhServer *server,
                  gpointer  user_data)
{
  DeleteData *data = user_data;
  g_autoptr(GError) error = NULL;

  wh_server_delete_record (server, data->collection, data->id, &error);
  g_assert_no_error (error);
}

void
wh_test_server_delete_record (WhTestServer       *self,
                              const WhCollection *collection,
                              gint64              id)
{
  DeleteData data = { collection, id };

  wh_test_server_run (self, delete_record_cb, &data);
}

static void
set_faults_cb (WhServer *server,
               gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  wh_server_set_faults (server, user_data, &error);
  g_assert_no_error (error);
}

void
wh_test_server_set_faults (WhTestServer *self,
                           const char   *spec)
{
  g_free (self->faults);
  self->faults = g_strdup (spec);
  wh_test_server_run (self, set_faults_cb, (gpointer) spec);
}

static void
set_rate_limit_cb (WhServer *server,
                   gpointer  user_data)
{
  wh_server_set_rate_limit (server, GPOINTER_TO_UINT (user_data));
}

void
wh_test_server_set_rate_limit (WhTestServer *self,
                               guint         per_second)
{
  self->rate_limit = per_second;
  wh_test_server_run (self, set_rate_limit_cb, GUINT_TO_POINTER (per_second));
}

static void
set_token_ttl_cb (WhServer *server,
                  gpointer  user_data)
{
  wh_server_set_token_ttl (server, *(gint64 *) user_data);
}

void
wh_test_server_set_token_ttl (WhTestServer *self,
                              gint64        seconds)
{
  self->token_ttl = seconds;
  wh_test_server_run (self, set_token_ttl_cb, &seconds);
}

typedef struct
{
  const char *phone;
  gint64      merchant_id;
  char       *result;
} StringQuery;

char *
wh_test_server_get_last_code (WhTestServer *self,
                              const char   *phone)
{
  char *code;

  g_mutex_lock (&self->lock);
  code = g_strdup (g_hash_table_lookup (self->codes, phone));
  g_mutex_unlock (&self->lock);
  return code;
}

static void
set_auth_limits_cb (WhServer *server,
                    gpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  wh_server_set_auth_limits (server, user_data, &error);
  g_assert_no_error (error);
}

void
wh_test_server_set_auth_limits (WhTestServer *self,
                                const char   *spec)
{
  g_free (self->auth_limits);
  self->auth_limits = g_strdup (spec);
  wh_test_server_run (self, set_auth_limits_cb, (gpointer) spec);
}

static void
merchant_key_cb (WhServer *server,
                 gpointer  user_data)
{
  StringQuery *q = user_data;

  q->result = wh_server_merchant_key (server, q->merchant_id);
}

char *
wh_test_server_merchant_key (WhTestServer *self,
                             gint64        merchant_id)
{
  StringQuery q = { NULL, merchant_id, NULL };

  wh_test_server_run (self, merchant_key_cb, &q);
  return q.result;
}

void
wh_test_client_setup (WhTestClient *client)
{
  g_autoptr(GError) error = NULL;

  client->server = wh_test_server_start ("tiny", &error);
  g_assert_no_error (error);
  client->dir = wh_test_make_tmpdir ();
  client->cache_path = g_build_filename (client->dir, "cache.db", NULL);
  client->api = wh_api_new (wh_test_server_get_url (client->server), &error);
  g_assert_no_error (error);
  wh_api_set_retry_policy (client->api, 2, 10, 50, 100);
  wh_api_set_timeouts (client->api, 5, 5, 20);
  client->store = wh_store_open (client->cache_path, &error);
  g_assert_no_error (error);
  client->sync = wh_sync_new (client->api, client->store);
}

void
wh_test_client_teardown (WhTestClient *client)
{
  g_clear_object (&client->sync);
  g_clear_object (&client->store);
  g_clear_object (&client->api);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&client->server, wh_test_server_free);
  wh_test_remove_tmpdir (client->dir);
  g_clear_pointer (&client->cache_path, g_free);
  g_clear_pointer (&client->dir, g_free);
}
