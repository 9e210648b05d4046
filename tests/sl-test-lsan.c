/* sl-test-lsan.c: what LeakSanitizer should not count, linked into every test
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared libraries' constructors run before main() and allocate for the life
 * of the process. One of them is GLib's first quark block, which GLib leaves
 * behind on purpose when the quark table grows (GStreamer registers thousands
 * of quarks, so every test that starts a server grows it). None of that is
 * ours to free, and the default (fast) stack unwinder cannot see past GLib's
 * frames to name it in a suppression; a full unwind makes every allocation
 * ten times slower. So in sanitizer builds LeakSanitizer ignores what is
 * allocated from the first pre-initialiser until the executable's own
 * constructors run, which is after every library's. Everything allocated
 * from then on is checked as before.
 *
 * (test-peer grows the table again, after main(); it names those blocks in
 * its own suppressions and pays for the full unwind.)
 */

#if defined(__SANITIZE_ADDRESS__)

#include <sanitizer/lsan_interface.h>

static void
sl_test_lsan_before_libraries (void)
{
  __lsan_disable ();
}

static void
sl_test_lsan_after_libraries (void) __attribute__ ((constructor));

static void
sl_test_lsan_after_libraries (void)
{
  __lsan_enable ();
}

__attribute__ ((section (".preinit_array"), used))
static void (*const sl_test_lsan_preinit) (void) = sl_test_lsan_before_libraries;

#endif
