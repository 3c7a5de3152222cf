/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-idempotency.c: the Idempotency-Key rule, shared by WhApi and the
 * reference server (wh-idempotency.h). */
#define G_LOG_DOMAIN "wh-idempotency"

#include "config.h"

#include <string.h>

#include "wh-idempotency.h"

char *
wh_idempotency_key_new (void)
{
  return g_uuid_string_random ();
}

gboolean
wh_idempotency_key_is_valid (const char *key)
{
  gsize len;

  if (key == NULL)
    return FALSE;
  len = strlen (key);
  if (len < 1 || len > WH_IDEMPOTENCY_KEY_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (key[i]) && key[i] != '-' && key[i] != '_')
      return FALSE;
  return TRUE;
}
