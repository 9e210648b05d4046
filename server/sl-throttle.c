/* sl-throttle.c: counts failures per key (account, client address) and
 * locks a key out for a while once it has too many
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-throttle"

#include "config.h"

#include "sl-throttle.h"

/* Not thread-safe: one SlThrottle belongs to the main loop that serves the
 * requests it judges. Nothing here blocks or allocates without bound.
 *
 * Each key keeps the times of its latest @max_failures failures (a ring).
 * The key is locked while the ring is full, all of it lies within one
 * window, and the latest failure is less than a window old.
 *
 * Keys sit in a queue ordered by their latest failure (oldest first), so
 * stale keys are pruned from the head as time passes and, when the table
 * is full, the stalest key is the one forgotten. */

typedef struct {
  char   *key;
  GList   link;       /* in SlThrottle.order; data points back here */
  guint   count;      /* failures held in @times, ≤ max_failures */
  guint   next;       /* ring position of the next failure */
  gint64  latest;
  gint64  times[];    /* max_failures entries */
} Entry;

struct _SlThrottle
{
  guint       max_failures;
  gint64      window;
  guint       max_keys;
  GHashTable *entries;  /* key (owned by the Entry) → Entry */
  GQueue      order;    /* of Entry, by latest failure, oldest at the head */
};

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_free (entry);
}

SlThrottle *
sl_throttle_new (guint  max_failures,
                 gint64 window_seconds,
                 guint  max_keys)
{
  SlThrottle *self;

  g_return_val_if_fail (max_failures > 0, NULL);
  g_return_val_if_fail (max_failures <= 1000, NULL);
  g_return_val_if_fail (window_seconds > 0, NULL);
  g_return_val_if_fail (max_keys > 0, NULL);

  self = g_new0 (SlThrottle, 1);
  self->max_failures = max_failures;
  self->window = window_seconds;
  self->max_keys = max_keys;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) entry_free);
  g_queue_init (&self->order);
  return self;
}

void
sl_throttle_free (SlThrottle *self)
{
  if (self == NULL)
    return;
  /* The links live inside the entries: empty the queue before freeing them. */
  g_queue_init (&self->order);
  g_hash_table_destroy (self->entries);
  g_free (self);
}

static void
remove_entry (SlThrottle *self,
              Entry      *entry)
{
  g_queue_unlink (&self->order, &entry->link);
  g_hash_table_remove (self->entries, entry->key);
}

/* Forget keys whose latest failure is a window old or more: they are
 * neither locked nor holding a failure that still counts. */
static void
prune (SlThrottle *self,
       gint64      now)
{
  GList *head;

  while ((head = g_queue_peek_head_link (&self->order)) != NULL)
    {
      Entry *entry = head->data;

      if (now - entry->latest < self->window)
        break;
      remove_entry (self, entry);
    }
}

/* The oldest failure still in the ring. */
static gint64
oldest_failure (SlThrottle  *self,
                const Entry *entry)
{
  guint first = entry->count < self->max_failures ? 0 : entry->next;

  return entry->times[first];
}

gboolean
sl_throttle_check (SlThrottle *self,
                   const char *key,
                   gint64      now,
                   gint64     *retry_after)
{
  Entry *entry;
  gint64 until;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  prune (self, now);

  entry = g_hash_table_lookup (self->entries, key);
  if (entry == NULL || entry->count < self->max_failures)
    return TRUE;
  if (entry->latest - oldest_failure (self, entry) >= self->window)
    return TRUE;

  until = entry->latest + self->window;
  if (now >= until)
    return TRUE;

  if (retry_after != NULL)
    *retry_after = MAX (until - now, 1);
  return FALSE;
}

void
sl_throttle_failure (SlThrottle *self,
                     const char *key,
                     gint64      now)
{
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  prune (self, now);

  entry = g_hash_table_lookup (self->entries, key);
  if (entry == NULL)
    {
      if (g_hash_table_size (self->entries) >= self->max_keys)
        remove_entry (self, g_queue_peek_head (&self->order));

      entry = g_malloc0 (sizeof (Entry) + self->max_failures * sizeof (gint64));
      entry->key = g_strdup (key);
      entry->link.data = entry;
      g_hash_table_insert (self->entries, entry->key, entry);
    }
  else
    {
      g_queue_unlink (&self->order, &entry->link);
    }

  /* A clock that steps back must not make a failure look older. */
  if (entry->count > 0)
    now = MAX (now, entry->latest);

  entry->times[entry->next] = now;
  entry->next = (entry->next + 1) % self->max_failures;
  entry->count = MIN (entry->count + 1, self->max_failures);
  entry->latest = now;

  /* Appending keeps the queue ordered as long as time does not go back;
   * if it does, the order is only approximate, which pruning tolerates. */
  g_queue_push_tail_link (&self->order, &entry->link);
}

void
sl_throttle_success (SlThrottle *self,
                     const char *key)
{
  Entry *entry;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  entry = g_hash_table_lookup (self->entries, key);
  if (entry != NULL)
    remove_entry (self, entry);
}
