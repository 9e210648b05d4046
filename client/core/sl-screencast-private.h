/* sl-screencast-private.h: SlScreencast's knobs for the tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-screencast.h"

G_BEGIN_DECLS

/* sl_screencast_start_async() with its own limit: @timeout_ms without an
 * answer from the portal (a method reply or a Response) fails the start
 * with SL_CLIENT_ERROR_MISSING_DEVICE. Finish with
 * sl_screencast_start_finish(). */
void _sl_screencast_start_full_async (guint                 timeout_ms,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);

G_END_DECLS
