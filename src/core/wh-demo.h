/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-demo.h: runs the reference backend as a child process for --demo.
 *
 * The first start generates the `city` demo data into the user's data
 * directory (a few seconds); later starts reuse it. The child is killed when
 * the WhDemoServer is finalized and, through PR_SET_PDEATHSIG, when the app
 * dies, so no orphan server is left listening.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WH_TYPE_DEMO_SERVER (wh_demo_server_get_type ())
G_DECLARE_FINAL_TYPE (WhDemoServer, wh_demo_server, WH, DEMO_SERVER, GObject)

WhDemoServer *wh_demo_server_new          (const char          *data_dir);
/* Finds workers-home-server: $WH_SERVER_BINARY, next to this program (installed),
 * ../server/ from it (build tree), then $PATH. */
char         *wh_demo_server_find_binary  (void);
void          wh_demo_server_start_async  (WhDemoServer        *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Returns the base URL, "http://127.0.0.1:PORT". */
char         *wh_demo_server_start_finish (WhDemoServer        *self,
                                           GAsyncResult        *result,
                                           GError             **error);
void          wh_demo_server_stop         (WhDemoServer        *self);

G_END_DECLS
