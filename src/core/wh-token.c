/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-token"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "wh-token.h"

G_DEFINE_QUARK (wh-token-error-quark, wh_token_error)

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "org.workershome.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* Any failure to reach the Secret Service reads the same to a person. */
static void
no_keyring (GError **error,
            GError  *cause)
{
  g_debug ("Keyring: %s", cause->message);
  g_set_error_literal (error, WH_TOKEN_ERROR, WH_TOKEN_ERROR_NO_KEYRING,
                       _("No keyring is available; sign in again each time."));
  g_error_free (cause);
}

static char *
token_label (const char *server)
{
  /* Translators: the label of the sign-in token in a keyring manager (Seahorse). */
  return g_strdup_printf (_("Workers’ Home sign-in for %s"), server);
}

/* libsecret hands out non-pageable memory; the caller gets a plain copy it
 * frees with g_free. */
static char *
take_secret (char *secret)
{
  char *token = g_strdup (secret);

  secret_password_free (secret);
  return token;
}

char *
wh_token_lookup_sync (const char *server,
                      GError    **error)
{
  GError *local_error = NULL;
  char *secret;

  g_return_val_if_fail (server != NULL, NULL);

  secret = secret_password_lookup_sync (token_schema (), NULL, &local_error,
                                        "server", server, NULL);
  if (local_error != NULL)
    {
      no_keyring (error, local_error);
      return NULL;
    }
  return take_secret (secret);
}

gboolean
wh_token_store_sync (const char *server,
                     const char *token,
                     GError    **error)
{
  GError *local_error = NULL;
  g_autofree char *label = NULL;

  g_return_val_if_fail (server != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  label = token_label (server);
  if (!secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                   NULL, &local_error, "server", server, NULL))
    {
      no_keyring (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
wh_token_clear_sync (const char *server,
                     GError    **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (server != NULL, FALSE);

  secret_password_clear_sync (token_schema (), NULL, &local_error, "server", server, NULL);
  if (local_error != NULL)
    {
      no_keyring (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/* ---- A counter's pairing: schema and reason ------------------------------ */

static const SecretSchema *
counter_schema (void)
{
  static const SecretSchema schema = {
    "org.workershome.CounterToken", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "counter", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* A counter cannot sign in again by itself: without a keyring its pairing
 * cannot be kept, and a plain file is no place for it. */
static void
no_counter_keyring (GError **error,
                    GError  *cause)
{
  g_debug ("Keyring: %s", cause->message);
  g_set_error_literal (error, WH_TOKEN_ERROR, WH_TOKEN_ERROR_NO_KEYRING,
                       _("No keyring is available to keep this counter’s pairing. Start the "
                         "counter in a desktop session with a keyring."));
  g_error_free (cause);
}

/* ---- Async -------------------------------------------------------------- */

static gboolean
is_counter_task (GTask *task)
{
  gpointer tag = g_task_get_source_tag (task);

  return tag == wh_token_counter_lookup_async || tag == wh_token_counter_store_async ||
         tag == wh_token_counter_clear_async;
}

/* A counter's task says the counter's reason, and a cancelled one says it
 * was cancelled (its window went away). */
static void
return_no_keyring (GTask  *task,
                   GError *cause)
{
  GError *error = NULL;

  if (!is_counter_task (task))
    no_keyring (&error, cause);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    error = cause;
  else
    no_counter_keyring (&error, cause);
  g_task_return_error (task, error);
}

/* Looked up as a search that loads the secret, not with
 * secret_password_lookup(): libsecret 0.20.5 (Debian 12) leaks the D-Bus
 * reply that carries the secret in the path that one takes
 * (secret_service_get_secret_for_dbus_path_finish, fixed upstream by
 * 92705b58 in 0.21.2), which LeakSanitizer reports in every process that
 * finds a token. The search loads it with secret_item_load_secrets(),
 * which frees its reply. A worker's sign-in and a counter's pairing alike:
 * the task's source tag says which schema. */
static void
searched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;
  GList *items = secret_service_search_finish (SECRET_SERVICE (source), result, &local_error);
  SecretValue *value = items ? secret_item_get_secret (items->data) : NULL;
  char *token = NULL;

  if (local_error != NULL)
    {
      return_no_keyring (task, local_error);
      return;
    }
  if (value != NULL)
    {
      token = g_strdup (secret_value_get_text (value));
      secret_value_unref (value);
    }
  g_list_free_full (items, g_object_unref);
  g_task_return_pointer (task, token, g_free);
}

static void
service_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *local_error = NULL;
  g_autoptr(SecretService) service = secret_service_get_finish (result, &local_error);

  if (service == NULL)
    {
      return_no_keyring (task, local_error);
      g_object_unref (task);
      return;
    }
  secret_service_search (service, is_counter_task (task) ? counter_schema () : token_schema (),
                         g_task_get_task_data (task),
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                         g_task_get_cancellable (task), searched_cb, task);
}

/* Looks up the item with attributes (owned), then returns its secret or
 * NULL through task. */
static void
lookup_by_search (GTask      *task,
                  GHashTable *attributes)
{
  g_task_set_task_data (task, attributes, (GDestroyNotify) g_hash_table_unref);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, g_task_get_cancellable (task), service_cb,
                      task);
}

void
wh_token_lookup_async (const char         *server,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_lookup_async);
  lookup_by_search (task, secret_attributes_build (token_schema (), "server", server, NULL));
}

char *
wh_token_lookup_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;

  if (!secret_password_store_finish (result, &local_error))
    {
      return_no_keyring (task, local_error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
wh_token_store_async (const char         *server,
                      const char         *token,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autofree char *label = NULL;
  GTask *task;

  g_return_if_fail (server != NULL);
  g_return_if_fail (token != NULL);

  label = token_label (server);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_store_async);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         store_cb, task, "server", server, NULL);
}

gboolean
wh_token_store_finish (GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *local_error = NULL;

  /* FALSE without an error only means there was nothing to clear. */
  secret_password_clear_finish (result, &local_error);
  if (local_error != NULL)
    {
      return_no_keyring (task, local_error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
wh_token_clear_async (const char         *server,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GTask *task;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_clear_async);
  if (server == NULL)
    secret_password_clear (token_schema (), cancellable, clear_cb, task, NULL);
  else
    secret_password_clear (token_schema (), cancellable, clear_cb, task, "server", server, NULL);
}

gboolean
wh_token_clear_finish (GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- A counter's pairing: async ------------------------------------------ */

void
wh_token_counter_lookup_async (const char         *server,
                               const char         *counter_id,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL);
  g_return_if_fail (counter_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_counter_lookup_async);
  lookup_by_search (task, secret_attributes_build (counter_schema (), "server", server, "counter",
                                                   counter_id, NULL));
}

char *
wh_token_counter_lookup_finish (GAsyncResult *result,
                                GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wh_token_counter_store_async (const char         *server,
                              const char         *counter_id,
                              const char         *token,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autofree char *label = NULL;
  GTask *task;

  g_return_if_fail (server != NULL);
  g_return_if_fail (counter_id != NULL);
  g_return_if_fail (token != NULL);

  /* Translators: the label of a voucher counter's pairing in a keyring
   * manager (Seahorse); %s is the server's address. */
  label = g_strdup_printf (_("Workers’ Home voucher counter for %s"), server);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_counter_store_async);
  secret_password_store (counter_schema (), SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         store_cb, task, "server", server, "counter", counter_id, NULL);
}

gboolean
wh_token_counter_store_finish (GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wh_token_counter_clear_async (const char         *server,
                              const char         *counter_id,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (server != NULL);
  g_return_if_fail (counter_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_token_counter_clear_async);
  secret_password_clear (counter_schema (), cancellable, clear_cb, task, "server", server,
                         "counter", counter_id, NULL);
}

gboolean
wh_token_counter_clear_finish (GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wh_token_shutdown (void)
{
  /* The shared SecretService proxy lives until told otherwise; messages the
   * bus already delivered to it are let go of on the main context. */
  secret_service_disconnect ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
