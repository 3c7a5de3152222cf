/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-cli-token.h: where the CLI keeps a sign-in between runs.
 *
 * Only in the user's keyring through libsecret (schema
 * "org.workershome.Token", attribute "server" = the server's base URL), never
 * in a plain file. When no keyring answers (no D-Bus session, no Secret
 * Service) the token lives only as long as the process, and the caller says
 * so: "No keyring is available; sign in again each time."
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WH_CLI_TOKEN_ERROR (wh_cli_token_error_quark ())

typedef enum
{
  WH_CLI_TOKEN_ERROR_NO_KEYRING,
} WhCliTokenError;

GQuark    wh_cli_token_error_quark (void);

/* NULL with no error when there is no token for server. */
char     *wh_cli_token_lookup      (const char  *server,
                                    GError     **error);
gboolean  wh_cli_token_store       (const char  *server,
                                    const char  *token,
                                    GError     **error);
gboolean  wh_cli_token_clear       (const char  *server,
                                    GError     **error);
/* Lets go of the keyring connection (before exit, so nothing is left open). */
void      wh_cli_token_shutdown    (void);

G_END_DECLS
