-- The relay's index of the patient registry's log, followed a window of blocks at a time from
-- the deployment block: who holds each H now (after key rotations), and how she registered.
-- Login's H → patient look-up reads it instead of scanning the chain.

CREATE TABLE patient_index (
    record TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    registered_tx TEXT NOT NULL,
    card_hash TEXT NOT NULL
);

-- How far each followed log has been read: the next block to read.
CREATE TABLE chain_cursors (
    log TEXT PRIMARY KEY,
    next_block INTEGER NOT NULL
);
