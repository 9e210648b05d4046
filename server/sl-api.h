/* sl-api.h: the REST handlers, one per route (see sl-server.c's table)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-http.h"

G_BEGIN_DECLS

/* sl-api-auth.c */
void sl_api_healthz        (SlRequest *req);
void sl_api_register       (SlRequest *req);
void sl_api_login          (SlRequest *req);
void sl_api_token_refresh  (SlRequest *req);
void sl_api_logout         (SlRequest *req);
void sl_api_profile_get    (SlRequest *req);
void sl_api_profile_patch  (SlRequest *req);

/* sl-api-admin.c */
void sl_api_admin_users_list   (SlRequest *req);
void sl_api_admin_users_create (SlRequest *req);
void sl_api_admin_user_get     (SlRequest *req);
void sl_api_admin_user_patch   (SlRequest *req);

/* sl-api-classes.c */
void sl_api_classes_create       (SlRequest *req);
void sl_api_classes_live         (SlRequest *req);
void sl_api_classes_upcoming     (SlRequest *req);
void sl_api_classes_past         (SlRequest *req);
void sl_api_class_get            (SlRequest *req);
void sl_api_class_patch          (SlRequest *req);
void sl_api_class_cancel         (SlRequest *req);
void sl_api_class_start          (SlRequest *req);
void sl_api_class_end            (SlRequest *req);
void sl_api_class_stream_key     (SlRequest *req);
void sl_api_class_rotate_key     (SlRequest *req);
void sl_api_class_chat           (SlRequest *req);

/* sl-api-media.c: WHIP, WHEP, HLS, recordings and the web viewer */
void sl_api_class_recordings     (SlRequest *req);
void sl_api_watch_state          (SlRequest *req);
void sl_api_whip_post            (SlRequest *req);
void sl_api_whip_patch           (SlRequest *req);
void sl_api_whip_delete          (SlRequest *req);
void sl_api_whep_post            (SlRequest *req);
void sl_api_whep_patch           (SlRequest *req);
void sl_api_whep_delete          (SlRequest *req);
void sl_api_hls_get              (SlRequest *req);
void sl_api_recording_get        (SlRequest *req);
void sl_api_watch_page           (SlRequest *req);
void sl_api_web_asset            (SlRequest *req);

/* Called with the stored user once an account is created. */
typedef void (*SlApiUserFunc) (SlRequest *req,
                               SlUser    *user);

/* Hashes @password off the main loop, stores @user (taken), answers 409
 * username_taken or another error, or hands the stored user to @then. */
void sl_api_create_account (SlRequest     *req,
                            SlUser        *user,
                            const char    *password,
                            SlApiUserFunc  then);

/* Shared by both: reads username/password/display_name the same way. */
gboolean sl_api_read_new_account (JsonObject  *body,
                                  char       **username,
                                  const char **password,
                                  const char **display_name,
                                  GError     **error);

G_END_DECLS
