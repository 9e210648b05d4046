/* sl-throttle.h: counts failures per key (account, client address) and
 * locks a key out for a while once it has too many
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SlThrottle SlThrottle;

/* After @max_failures failures within @window_seconds a key is locked for
 * @window_seconds from its latest failure. Memory is bounded: at most
 * @max_keys keys are tracked (the oldest are forgotten first). */
SlThrottle *sl_throttle_new     (guint       max_failures,
                                 gint64      window_seconds,
                                 guint       max_keys);
void        sl_throttle_free    (SlThrottle *self);

/* TRUE if @key may try now; otherwise FALSE and *retry_after (seconds, ≥ 1). */
gboolean    sl_throttle_check   (SlThrottle *self,
                                 const char *key,
                                 gint64      now,
                                 gint64     *retry_after);
void        sl_throttle_failure (SlThrottle *self,
                                 const char *key,
                                 gint64      now);
void        sl_throttle_success (SlThrottle *self,
                                 const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlThrottle, sl_throttle_free)

G_END_DECLS
