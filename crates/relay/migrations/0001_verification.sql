-- The relay's own records. No photo, no face template and no national ID is ever stored here.

-- Evidence of an insurer whose copy of a policy differed from the patient's or the chain's.
CREATE TABLE policy_mismatches (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    insurer TEXT NOT NULL,
    insurer_name TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    chain_version INTEGER NOT NULL,
    patient_hash TEXT NOT NULL,
    insurer_hash TEXT NOT NULL,
    chain_hash TEXT NOT NULL,
    -- the document the insurer served (a policy is public; this is the insurer's, not the patient's)
    insurer_document BLOB NOT NULL,
    media_type TEXT NOT NULL
);

-- Finished registrations and the VU's signed ticket (its face attestation: score, threshold,
-- model, time) that admitted each.
CREATE TABLE registrations (
    patient TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    tx_id TEXT NOT NULL,
    ticket TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE login_challenges (
    challenge TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

-- Failed logins by subject (an H or an address), for the lockout.
CREATE TABLE login_failures (
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);

-- Sessions by the SHA-256 of their bearer token (the token itself is not kept).
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    patient TEXT NOT NULL,
    record TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
