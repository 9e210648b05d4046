-- 0001_accounts.sql (PostgreSQL): user accounts and their refresh tokens
-- SPDX-License-Identifier: GPL-3.0-or-later
-- Times are unix seconds (UTC).

CREATE TABLE users (
  id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      TEXT    NOT NULL UNIQUE,
  display_name  TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
  disabled      BOOLEAN NOT NULL DEFAULT FALSE,
  password_hash TEXT    NOT NULL,
  created_at    BIGINT  NOT NULL,
  updated_at    BIGINT  NOT NULL
);

-- One row per issued refresh token; "session" groups the tokens of one login
-- (each rotation adds a row to the same session).
CREATE TABLE refresh_tokens (
  id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session       TEXT    NOT NULL,
  token_hash    TEXT    NOT NULL UNIQUE,
  created_at    BIGINT  NOT NULL,
  expires_at    BIGINT  NOT NULL,
  spent_at      BIGINT,
  revoked_at    BIGINT
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
