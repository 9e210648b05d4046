/* sl-store-postgres.h: SlStore on a PostgreSQL database (libpq)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-store.h"

G_BEGIN_DECLS

#define SL_TYPE_STORE_POSTGRES (sl_store_postgres_get_type ())
G_DECLARE_FINAL_TYPE (SlStorePostgres, sl_store_postgres, SL, STORE_POSTGRES, GObject)

/* @url: a postgresql:// or postgres:// URL.  Not connected yet:
 * sl_store_new_for_url() opens it. */
SlStorePostgres *sl_store_postgres_new (const char *url);

G_END_DECLS
