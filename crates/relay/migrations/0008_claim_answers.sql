-- A claim's last answer is known to the relay when the insurer uploads it, but the claim is
-- answered only once that answer is anchored on chain (the insurer anchors it after the upload,
-- and may fail to): `answer_id` is the last answer uploaded, `answered_at` is set when the relay
-- has seen it anchored. Until then the claim stays on the insurer's queue.

ALTER TABLE claims ADD COLUMN answer_id TEXT;
