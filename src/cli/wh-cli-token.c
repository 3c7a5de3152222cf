/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-cli"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "wh-cli-token.h"

G_DEFINE_QUARK (wh-cli-token-error-quark, wh_cli_token_error)

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
  g_set_error_literal (error, WH_CLI_TOKEN_ERROR, WH_CLI_TOKEN_ERROR_NO_KEYRING,
                       _("No keyring is available; sign in again each time."));
  g_error_free (cause);
}

char *
wh_cli_token_lookup (const char *server,
                     GError    **error)
{
  GError *local_error = NULL;
  char *secret;
  char *token;

  secret = secret_password_lookup_sync (token_schema (), NULL, &local_error,
                                        "server", server, NULL);
  if (local_error != NULL)
    {
      no_keyring (error, local_error);
      return NULL;
    }
  token = g_strdup (secret);
  secret_password_free (secret);
  return token;
}

gboolean
wh_cli_token_store (const char *server,
                    const char *token,
                    GError    **error)
{
  GError *local_error = NULL;
  /* Translators: the label of the sign-in token in a keyring manager (Seahorse). */
  g_autofree char *label = g_strdup_printf (_("Workers’ Home sign-in for %s"), server);

  if (!secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                                   NULL, &local_error, "server", server, NULL))
    {
      no_keyring (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
wh_cli_token_clear (const char *server,
                    GError    **error)
{
  GError *local_error = NULL;

  secret_password_clear_sync (token_schema (), NULL, &local_error, "server", server, NULL);
  if (local_error != NULL)
    {
      no_keyring (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
wh_cli_token_shutdown (void)
{
  /* The shared SecretService proxy lives until told otherwise; messages the
   * bus already delivered to it are let go of on the main context. */
  secret_service_disconnect ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
