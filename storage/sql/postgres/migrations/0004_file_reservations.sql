-- File reservations: an agent claims the paths it is editing in one project (a
-- repository), for a while. A pattern is a path or glob relative to the
-- project (`**` allowed; absolute paths and '..' refused, here too). Live
-- means neither released nor expired, by the database's clock. Expired and
-- released rows stay as history until `db prune` removes them; a force
-- release records who did it and why. Grants of one project are serialised by
-- a transaction-scoped advisory lock (see the `lock_project_reservations` query).

CREATE TABLE file_reservations (
    reservation_id TEXT PRIMARY KEY CHECK (length(reservation_id) = 26),
    agent_id TEXT NOT NULL REFERENCES agent_workspaces (agent_id),
    project TEXT NOT NULL CHECK (length(project) BETWEEN 1 AND 4096),
    pattern TEXT NOT NULL CHECK (
        length(pattern) BETWEEN 1 AND 512
        AND substr(pattern, 1, 1) <> '/' AND substr(pattern, 1, 1) <> '~'
        AND pattern !~ '^[A-Za-z]:'
        AND ('/' || pattern || '/') NOT LIKE '%/../%'
    ),
    exclusive BOOLEAN NOT NULL DEFAULT TRUE,
    reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ,
    released_by TEXT CHECK (released_by IS NULL OR length(released_by) BETWEEN 1 AND 64),
    release_reason TEXT CHECK (release_reason IS NULL OR length(release_reason) BETWEEN 1 AND 500),
    CHECK (expires_at > created_at),
    CHECK (released_at IS NULL OR released_at >= created_at),
    CHECK (release_reason IS NULL OR released_by IS NOT NULL)
);

-- The grant, the listing and the commit hook read one project's live reservations.
CREATE INDEX file_reservations_live ON file_reservations (project, expires_at)
    WHERE released_at IS NULL;
