/* test-throttle.c: failures per key lock the key out for a window, and memory stays bounded
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-throttle"

#include "config.h"

#include "sl-throttle.h"

#define T0 G_GINT64_CONSTANT (1700000000)

static gboolean
allowed (SlThrottle *throttle,
         const char *key,
         gint64      now)
{
  return sl_throttle_check (throttle, key, now, NULL);
}

static void
test_locks_after_max_failures (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (3, 60, 100);
  gint64 retry_after = -1;

  g_assert_true (sl_throttle_check (throttle, "alice", T0, &retry_after));
  g_assert_cmpint (retry_after, ==, -1);   /* untouched when allowed */

  sl_throttle_failure (throttle, "alice", T0);
  sl_throttle_failure (throttle, "alice", T0 + 1);
  g_assert_true (allowed (throttle, "alice", T0 + 1));

  sl_throttle_failure (throttle, "alice", T0 + 2);
  g_assert_false (sl_throttle_check (throttle, "alice", T0 + 2, &retry_after));
  /* Locked for a full window from the latest failure. */
  g_assert_cmpint (retry_after, ==, 60);

  /* Other keys are not affected. */
  g_assert_true (allowed (throttle, "bob", T0 + 2));
}

static void
test_retry_after_values (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (2, 60, 100);
  gint64 retry_after = 0;

  sl_throttle_failure (throttle, "k", T0);
  sl_throttle_failure (throttle, "k", T0 + 10);

  g_assert_false (sl_throttle_check (throttle, "k", T0 + 10, &retry_after));
  g_assert_cmpint (retry_after, ==, 60);
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 40, &retry_after));
  g_assert_cmpint (retry_after, ==, 30);
  /* Never 0 while locked: the last locked second still says 1. */
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 69, &retry_after));
  g_assert_cmpint (retry_after, ==, 1);
  /* NULL retry_after is fine. */
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 69, NULL));
  g_assert_true (allowed (throttle, "k", T0 + 70));
}

static void
test_window_expiry (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (3, 60, 100);

  for (int i = 0; i < 3; i++)
    sl_throttle_failure (throttle, "k", T0 + i);
  g_assert_false (allowed (throttle, "k", T0 + 61));
  g_assert_true (allowed (throttle, "k", T0 + 62));

  /* After the window the old failures no longer count: two more fail
   * attempts do not lock again, a third does. */
  sl_throttle_failure (throttle, "k", T0 + 100);
  sl_throttle_failure (throttle, "k", T0 + 101);
  g_assert_true (allowed (throttle, "k", T0 + 101));
  sl_throttle_failure (throttle, "k", T0 + 102);
  g_assert_false (allowed (throttle, "k", T0 + 102));
}

static void
test_sliding_window (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (3, 60, 100);
  gint64 retry_after = 0;

  /* Spread out: never three within 60 s. */
  sl_throttle_failure (throttle, "k", T0);
  sl_throttle_failure (throttle, "k", T0 + 50);
  sl_throttle_failure (throttle, "k", T0 + 100);
  g_assert_true (allowed (throttle, "k", T0 + 100));

  /* 50, 100, 105: three within 60 s. */
  sl_throttle_failure (throttle, "k", T0 + 105);
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 105, &retry_after));
  g_assert_cmpint (retry_after, ==, 60);
}

static void
test_failures_while_locked_extend (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (2, 60, 100);
  gint64 retry_after = 0;

  sl_throttle_failure (throttle, "k", T0);
  sl_throttle_failure (throttle, "k", T0 + 1);
  g_assert_false (allowed (throttle, "k", T0 + 30));
  /* A caller that tries anyway and fails again is locked for longer. */
  sl_throttle_failure (throttle, "k", T0 + 30);
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 30, &retry_after));
  g_assert_cmpint (retry_after, ==, 60);
}

static void
test_success_clears (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (3, 60, 100);

  sl_throttle_failure (throttle, "k", T0);
  sl_throttle_failure (throttle, "k", T0 + 1);
  sl_throttle_success (throttle, "k");
  /* The count starts again from zero. */
  sl_throttle_failure (throttle, "k", T0 + 2);
  sl_throttle_failure (throttle, "k", T0 + 3);
  g_assert_true (allowed (throttle, "k", T0 + 3));

  sl_throttle_failure (throttle, "k", T0 + 4);
  g_assert_false (allowed (throttle, "k", T0 + 4));
  sl_throttle_success (throttle, "k");
  g_assert_true (allowed (throttle, "k", T0 + 4));

  /* Unknown keys are fine. */
  sl_throttle_success (throttle, "never seen");
}

static void
test_max_keys_evicts_stalest (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (1, 600, 3);

  /* One failure locks a key here. */
  sl_throttle_failure (throttle, "a", T0 + 1);
  sl_throttle_failure (throttle, "b", T0 + 2);
  sl_throttle_failure (throttle, "c", T0 + 3);
  g_assert_false (allowed (throttle, "a", T0 + 3));

  /* A fourth key pushes out the stalest: a. */
  sl_throttle_failure (throttle, "d", T0 + 4);
  g_assert_true (allowed (throttle, "a", T0 + 4));
  g_assert_false (allowed (throttle, "b", T0 + 4));
  g_assert_false (allowed (throttle, "c", T0 + 4));
  g_assert_false (allowed (throttle, "d", T0 + 4));

  /* A fresh failure makes b the newest, so e pushes out c instead. */
  sl_throttle_failure (throttle, "b", T0 + 5);
  sl_throttle_failure (throttle, "e", T0 + 6);
  g_assert_true (allowed (throttle, "c", T0 + 6));
  g_assert_false (allowed (throttle, "b", T0 + 6));
  g_assert_false (allowed (throttle, "d", T0 + 6));
  g_assert_false (allowed (throttle, "e", T0 + 6));
}

static void
test_max_keys_under_flood (void)
{
  const guint max_keys = 100;
  g_autoptr(SlThrottle) throttle = sl_throttle_new (1, 600, max_keys);
  guint locked = 0;

  /* Many addresses, one failure each: only the latest max_keys remain. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *key = g_strdup_printf ("10.0.%u.%u", i / 256, i % 256);

      sl_throttle_failure (throttle, key, T0 + i / 100);
    }
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *key = g_strdup_printf ("10.0.%u.%u", i / 256, i % 256);

      if (!allowed (throttle, key, T0 + 100))
        {
          locked++;
          g_assert_cmpuint (i, >=, 10000 - max_keys);
        }
    }
  g_assert_cmpuint (locked, ==, max_keys);
}

static void
test_stale_keys_pruned (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (1, 60, 2);

  /* a and b go stale; then c and d must not evict each other. */
  sl_throttle_failure (throttle, "a", T0);
  sl_throttle_failure (throttle, "b", T0);
  sl_throttle_failure (throttle, "c", T0 + 100);
  sl_throttle_failure (throttle, "d", T0 + 100);
  g_assert_false (allowed (throttle, "c", T0 + 100));
  g_assert_false (allowed (throttle, "d", T0 + 100));
  g_assert_true (allowed (throttle, "a", T0 + 100));
  g_assert_true (allowed (throttle, "b", T0 + 100));
}

static void
test_clock_going_back (void)
{
  g_autoptr(SlThrottle) throttle = sl_throttle_new (2, 60, 10);
  gint64 retry_after = 0;

  sl_throttle_failure (throttle, "k", T0 + 100);
  sl_throttle_failure (throttle, "k", T0 + 50);
  /* Still locked, and retry_after stays positive. */
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 100, &retry_after));
  g_assert_cmpint (retry_after, ==, 60);
  g_assert_false (sl_throttle_check (throttle, "k", T0 + 90, &retry_after));
  g_assert_cmpint (retry_after, >=, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/throttle/locks-after-max-failures", test_locks_after_max_failures);
  g_test_add_func ("/throttle/retry-after", test_retry_after_values);
  g_test_add_func ("/throttle/window-expiry", test_window_expiry);
  g_test_add_func ("/throttle/sliding-window", test_sliding_window);
  g_test_add_func ("/throttle/failures-while-locked", test_failures_while_locked_extend);
  g_test_add_func ("/throttle/success-clears", test_success_clears);
  g_test_add_func ("/throttle/max-keys/evicts-stalest", test_max_keys_evicts_stalest);
  g_test_add_func ("/throttle/max-keys/flood", test_max_keys_under_flood);
  g_test_add_func ("/throttle/stale-keys-pruned", test_stale_keys_pruned);
  g_test_add_func ("/throttle/clock-going-back", test_clock_going_back);

  return g_test_run ();
}
