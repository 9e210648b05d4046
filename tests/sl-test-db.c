/* sl-test-db.c: fresh, empty databases for the test suites, per dialect
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-test-db"

#include "config.h"

#include "sl-test-db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define SL_TEST_DB_SQLITE_FILE "test.db"
#define SL_TEST_DB_PG_PREFIX "sl_test_"

const char * const *
sl_test_db_dialects (void)
{
  static const char * const with_postgres[] = { "sqlite", "postgresql", NULL };
  static const char * const sqlite_only[] = { "sqlite", NULL };
  const char *url = g_getenv ("STREAMLET_TEST_POSTGRES_URL");

  if (url != NULL && *url != '\0')
    return with_postgres;
  if (g_strcmp0 (g_getenv ("STREAMLET_TEST_REQUIRE_POSTGRES"), "1") == 0)
    g_error ("STREAMLET_TEST_REQUIRE_POSTGRES=1 but STREAMLET_TEST_POSTGRES_URL is not set: "
             "start a server with `scripts/pg-temp start DIR` and export its URL");
  return sqlite_only;
}

static const char *
sl_test_db_admin_url (void)
{
  const char *url = g_getenv ("STREAMLET_TEST_POSTGRES_URL");

  if (url == NULL || *url == '\0')
    g_error ("A PostgreSQL test database needs STREAMLET_TEST_POSTGRES_URL");
  return url;
}

/* Runs @sql through the admin URL; fatal on failure. */
static void
sl_test_db_admin_exec (const char *sql)
{
  PGconn *conn = PQconnectdb (sl_test_db_admin_url ());
  PGresult *res;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the PostgreSQL test server (STREAMLET_TEST_POSTGRES_URL): %s",
             PQerrorMessage (conn));
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("PostgreSQL test server: “%s” failed: %s", sql, PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
}

/* @admin_url with its database name replaced by @name. */
static char *
sl_test_db_url_with_database (const char *admin_url,
                              const char *name)
{
  const char *authority = strstr (admin_url, "://");
  const char *path, *query;

  g_assert_nonnull (authority);
  path = authority + 3 + strcspn (authority + 3, "/?");
  query = path + strcspn (path, "?");
  return g_strdup_printf ("%.*s/%s%s", (int) (path - admin_url), admin_url, name, query);
}

/* The database name of a URL made by sl_test_db_url_with_database(). */
static char *
sl_test_db_url_database (const char *url)
{
  const char *authority = strstr (url, "://");
  const char *path;

  g_assert_nonnull (authority);
  path = authority + 3 + strcspn (authority + 3, "/?");
  if (*path != '/')
    return NULL;
  return g_strndup (path + 1, strcspn (path + 1, "?"));
}

char *
sl_test_db_new_url (const char *dialect)
{
  static gint counter;

  if (g_strcmp0 (dialect, "sqlite") == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("streamlet-test-XXXXXX", &error);

      if (dir == NULL)
        g_error ("Cannot make a temporary folder for a test database: %s", error->message);
      return g_strconcat ("sqlite://", dir, G_DIR_SEPARATOR_S, SL_TEST_DB_SQLITE_FILE, NULL);
    }

  if (g_strcmp0 (dialect, "postgresql") == 0)
    {
      /* Made only of our own characters: safe to put in SQL as it is. */
      g_autofree char *name = g_strdup_printf (SL_TEST_DB_PG_PREFIX "%d_%d_%08x",
                                               (int) getpid (), g_atomic_int_add (&counter, 1),
                                               g_random_int ());
      g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s TEMPLATE template0"
                                              " ENCODING 'UTF8'", name);

      sl_test_db_admin_exec (sql);
      return sl_test_db_url_with_database (sl_test_db_admin_url (), name);
    }

  g_error ("Unknown test database dialect “%s”", dialect);
}

void
sl_test_db_drop (const char *url)
{
  if (url == NULL)
    return;

  if (g_str_has_prefix (url, "sqlite://"))
    {
      g_autofree char *dir = g_path_get_dirname (url + strlen ("sqlite://"));
      g_autofree char *base = g_path_get_basename (dir);
      g_autoptr(GDir) listing = NULL;
      const char *entry;

      /* Only ever what sl_test_db_new_url() made. */
      g_return_if_fail (g_str_has_prefix (base, "streamlet-test-"));

      listing = g_dir_open (dir, 0, NULL);
      if (listing == NULL)
        return;
      while ((entry = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, entry, NULL);

          if (g_unlink (path) != 0)
            g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
        }
      if (g_rmdir (dir) != 0)
        g_warning ("Cannot remove %s: %s", dir, g_strerror (errno));
      return;
    }

  if (g_str_has_prefix (url, "postgresql://") || g_str_has_prefix (url, "postgres://"))
    {
      g_autofree char *name = sl_test_db_url_database (url);
      g_autofree char *sql = NULL;

      g_return_if_fail (name != NULL && g_str_has_prefix (name, SL_TEST_DB_PG_PREFIX));
      for (const char *p = name; *p != '\0'; p++)
        g_return_if_fail (g_ascii_isalnum (*p) || *p == '_');

      sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
      sl_test_db_admin_exec (sql);
      return;
    }

  g_critical ("sl_test_db_drop: not a test database URL");
}
