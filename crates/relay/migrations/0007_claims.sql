-- Claims hospitals filed for their insurers (step 15): each a `Claim` record the hospital
-- anchored with `anchorClaim`; `answered_at` is set when the insurer uploads its last answer, so
-- an insurer's queue holds what it has not answered, across its restarts.

CREATE TABLE claims (
    claim_id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    insurer TEXT NOT NULL,
    patient TEXT NOT NULL,
    filed_at INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX claims_open_by_insurer ON claims (insurer, filed_at) WHERE answered_at IS NULL;
