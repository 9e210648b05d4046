-- 0001_accounts.sql (SQLite): user accounts and their refresh tokens
-- SPDX-License-Identifier: GPL-3.0-or-later
-- Times are unix seconds (UTC).

CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT    NOT NULL UNIQUE,
  display_name  TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

-- One row per issued refresh token; "session" groups the tokens of one login
-- (each rotation adds a row to the same session).
CREATE TABLE refresh_tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session       TEXT    NOT NULL,
  token_hash    TEXT    NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  spent_at      INTEGER,
  revoked_at    INTEGER
) STRICT;

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
