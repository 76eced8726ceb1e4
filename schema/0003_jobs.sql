-- 0003: the work queue.  Claimed with FOR UPDATE SKIP LOCKED (store/jobs.c).

CREATE TYPE job_state AS ENUM ('ready', 'running', 'done', 'failed', 'parked');

CREATE TABLE jobs (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,                 -- 'ocr', 'sign', ...
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    state        job_state NOT NULL DEFAULT 'ready',
    priority     int NOT NULL DEFAULT 100,      -- lower runs first: live 0, backfill 100
    attempts     int NOT NULL DEFAULT 0,
    next_run_at  timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz,
    worker       text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, kind)
);
CREATE INDEX jobs_ready_idx ON jobs (kind, priority, id) WHERE state = 'ready';
CREATE INDEX jobs_lease_idx ON jobs (kind, lease_until) WHERE state = 'running';
