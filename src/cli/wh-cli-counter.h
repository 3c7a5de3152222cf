/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-cli-counter.h: workers-home-cli's counter commands (wh-cli-counter.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  const char   *server;        /* --server, or the default */
  gboolean      server_given;  /* whether --server was on the command line */
  const char   *cache;         /* --cache, or NULL for the counter's default */
  gboolean      allow_insecure;
  GCancellable *cancellable;
} WhCliCounter;

/* args: what follows "counter". The process's exit status. */
int wh_cli_counter (const WhCliCounter *opts,
                    char              **args);

G_END_DECLS
