-- Records the relay holds (their envelopes are in the object store; these are what is public
-- about them), the nonces of signed requests, and the read log with its anchored roots.

CREATE TABLE records (
    id TEXT PRIMARY KEY,
    patient TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
);
CREATE INDEX records_by_patient ON records (patient, stored_at);

-- Each signed request's nonce, kept until its deadline (then pruned): a second use is a replay.
CREATE TABLE request_nonces (
    nonce TEXT PRIMARY KEY,
    keep_until INTEGER NOT NULL
);
CREATE INDEX request_nonces_by_expiry ON request_nonces (keep_until);

-- Every read the relay served, numbered from 0; `root` is set when the entry's run is anchored.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    reader TEXT NOT NULL,
    patient TEXT NOT NULL,
    record TEXT NOT NULL,
    ground TEXT NOT NULL,
    at INTEGER NOT NULL,
    root TEXT
);
CREATE INDEX audit_log_by_patient ON audit_log (patient, seq);
CREATE INDEX audit_log_by_reader ON audit_log (reader, seq);
CREATE INDEX audit_log_by_root ON audit_log (root, seq);

-- The roots the relay anchored: entries first .. first + count - 1.
CREATE TABLE audit_roots (
    root TEXT PRIMARY KEY,
    first INTEGER NOT NULL,
    count INTEGER NOT NULL,
    tx_id TEXT NOT NULL,
    at INTEGER NOT NULL
);
