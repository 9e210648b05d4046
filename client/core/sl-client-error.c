/* sl-client-error.c: the client's error domain and its exit codes
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-client-error"

#include "config.h"

#include "sl-client-error.h"

G_DEFINE_QUARK (sl-client-error-quark, sl_client_error)

/* streamlet-edge's exit statuses (its --help lists them): 0 success, 1 an
 * error of another domain, then one per SlClientError. Never renumber:
 * scripts rely on them. */
static const struct {
  SlClientError code;
  int           exit_code;
} exit_codes[] = {
  { SL_CLIENT_ERROR_UNREACHABLE, 2 },
  { SL_CLIENT_ERROR_BAD_CREDENTIALS, 3 },
  { SL_CLIENT_ERROR_SIGNED_OUT, 4 },
  { SL_CLIENT_ERROR_FORBIDDEN, 5 },
  { SL_CLIENT_ERROR_NOT_FOUND, 6 },
  { SL_CLIENT_ERROR_NOT_LIVE, 7 },
  { SL_CLIENT_ERROR_OFFLINE, 8 },
  { SL_CLIENT_ERROR_BUSY, 9 },
  { SL_CLIENT_ERROR_REFUSED, 10 },
  { SL_CLIENT_ERROR_SERVER, 11 },
  { SL_CLIENT_ERROR_PROTOCOL, 12 },
  { SL_CLIENT_ERROR_MISSING_DEVICE, 13 },
  { SL_CLIENT_ERROR_MISSING_PLUGIN, 14 },
  { SL_CLIENT_ERROR_MEDIA, 15 },
};

int
sl_client_error_exit_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, 1);

  if (error->domain != SL_CLIENT_ERROR)
    return 1;
  for (guint i = 0; i < G_N_ELEMENTS (exit_codes); i++)
    if ((int) exit_codes[i].code == error->code)
      return exit_codes[i].exit_code;
  return 1;
}
