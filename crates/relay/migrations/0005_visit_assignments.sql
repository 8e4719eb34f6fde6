-- Visits assigned to staff (TKN_D), as the organization signed them: a staff member's queue
-- starts with those still open, then follows new ones live.

CREATE TABLE visit_assignments (
    organization TEXT NOT NULL,
    visit_id TEXT NOT NULL,
    staff TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    assigned_at INTEGER NOT NULL,
    signed TEXT NOT NULL,
    PRIMARY KEY (organization, visit_id, staff)
);
CREATE INDEX visit_assignments_by_staff ON visit_assignments (staff, expires_at);
