-- Staff keys their organization revoked: every certificate the organization gave the key is
-- refused from then on.

CREATE TABLE staff_revocations (
    organization TEXT NOT NULL,
    staff TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    PRIMARY KEY (organization, staff)
);
