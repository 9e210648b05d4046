/* sl-test-db.h: fresh, empty databases for the test suites, per dialect
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The dialects to run database tests against: {"sqlite", "postgresql", NULL}
 * when STREAMLET_TEST_POSTGRES_URL (an admin URL, e.g. from scripts/pg-temp)
 * is set, else {"sqlite", NULL}.  With STREAMLET_TEST_REQUIRE_POSTGRES=1 a
 * missing URL is fatal, so CI never skips PostgreSQL silently. */
const char * const *sl_test_db_dialects (void);

/* The URL of a new, empty database of @dialect: a file in a new temporary
 * folder, or a database created through the admin URL.  Fails the test
 * when it cannot. */
char               *sl_test_db_new_url  (const char *dialect);

/* Removes what sl_test_db_new_url() made. */
void                sl_test_db_drop     (const char *url);

G_END_DECLS
