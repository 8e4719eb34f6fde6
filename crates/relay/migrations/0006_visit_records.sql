-- Records staff write at a visit: the staff member's signed upload and the authority she wrote
-- it under (JSON, NULL for the patient's own records); and, once the organization anchored them
-- in one batch, each record's root and proof (JSON, NULL until then or when anchored alone).

ALTER TABLE records ADD COLUMN submission TEXT;
ALTER TABLE records ADD COLUMN batch TEXT;
CREATE INDEX records_by_batch ON records (batch) WHERE batch IS NOT NULL;
