-- Enterprises merged into another (entity resolution): who was merged into whom, under which name and
-- aliases, and why. The kept enterprise carries those names as aliases; this table says where each came from.
CREATE TABLE enterprise_merge (
    id              INTEGER PRIMARY KEY,
    kept_id         INTEGER NOT NULL REFERENCES enterprise (id),
    removed_code    TEXT    NOT NULL,
    removed_name    TEXT    NOT NULL,
    removed_aliases TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings
    reason          TEXT    NOT NULL,
    merged_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX enterprise_merge_kept ON enterprise_merge (kept_id);
