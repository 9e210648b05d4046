/* sl-store-sqlite.h: SlStore on a SQLite file
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-store.h"

G_BEGIN_DECLS

#define SL_TYPE_STORE_SQLITE (sl_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (SlStoreSqlite, sl_store_sqlite, SL, STORE_SQLITE, GObject)

/* Not opened yet: sl_store_new_for_url() opens it. */
SlStoreSqlite *sl_store_sqlite_new (const char *path);

G_END_DECLS
