/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-token.h: where a sign-in is kept between runs, for the app and the CLI.
 *
 * Only in the user's keyring through libsecret (schema
 * "org.workershome.Token", attribute "server" = the server's base URL), never
 * in a plain file. When no keyring answers (no D-Bus session, no Secret
 * Service) the token lives only as long as the process, and the caller says
 * so: "No keyring is available; sign in again each time."
 *
 * The _sync calls block on D-Bus and are for the CLI; the app uses the
 * _async ones, which libsecret runs without blocking the main context.
 * A kiosk keeps its token in memory only and never calls these. A voucher
 * counter's pairing is kept here too, under a schema of its own (below).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WH_TOKEN_ERROR (wh_token_error_quark ())

typedef enum
{
  WH_TOKEN_ERROR_NO_KEYRING,
} WhTokenError;

GQuark    wh_token_error_quark  (void);

/* NULL with no error when there is no token for server. */
char     *wh_token_lookup_sync  (const char           *server,
                                 GError              **error);
gboolean  wh_token_store_sync   (const char           *server,
                                 const char           *token,
                                 GError              **error);
gboolean  wh_token_clear_sync   (const char           *server,
                                 GError              **error);

void      wh_token_lookup_async (const char           *server,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
/* NULL with no error when there is no token. */
char     *wh_token_lookup_finish (GAsyncResult        *result,
                                 GError              **error);
void      wh_token_store_async  (const char           *server,
                                 const char           *token,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean  wh_token_store_finish (GAsyncResult         *result,
                                 GError              **error);
/* server NULL: every server's token (a kiosk's reset). */
void      wh_token_clear_async  (const char           *server,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean  wh_token_clear_finish (GAsyncResult         *result,
                                 GError              **error);

/* A voucher counter's pairing (wh-counter.c), by server and counter id: a
 * schema of its own ("org.workershome.CounterToken"), so a counter and a
 * worker signed in on the same machine never meet. Async only: started on
 * and completing on the caller's thread-default main context, which the
 * caller runs until they complete (never _sync from a worker thread: GDBus
 * would queue the bus's messages for a context nobody runs again). With no
 * keyring the error says the counter cannot keep its pairing. */
void      wh_token_counter_lookup_async  (const char          *server,
                                          const char          *counter_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/* NULL with no error when there is no token. */
char     *wh_token_counter_lookup_finish (GAsyncResult        *result,
                                          GError             **error);
void      wh_token_counter_store_async   (const char          *server,
                                          const char          *counter_id,
                                          const char          *token,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean  wh_token_counter_store_finish  (GAsyncResult        *result,
                                          GError             **error);
void      wh_token_counter_clear_async   (const char          *server,
                                          const char          *counter_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean  wh_token_counter_clear_finish  (GAsyncResult        *result,
                                          GError             **error);

/* Lets go of the keyring connection (before exit, so nothing is left open). */
void      wh_token_shutdown     (void);

G_END_DECLS
