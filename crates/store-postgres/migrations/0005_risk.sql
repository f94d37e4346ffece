-- Risk parameters of producers (issue 6), as in the SQLite backend. Each is optional: NULL means the default
-- chaindock_engine::risk documents. A row belongs to its producer: it follows the producer when a merge moves
-- it to another enterprise (ON UPDATE CASCADE) and goes when the producer goes (ON DELETE CASCADE). The
-- CHECKs refuse what the store checks before writing (NaN, ±∞, negatives), so that nothing slips in by hand:
-- PostgreSQL orders NaN above every number, hence the explicit `<> 'NaN'`.
CREATE TABLE risk_param (
    link          BIGINT NOT NULL,
    enterprise_id BIGINT NOT NULL,
    f             DOUBLE PRECISION CHECK (f >= 0 AND f < 'Infinity' AND f <> 'NaN'),       -- weight per lost unit
    d             DOUBLE PRECISION CHECK (d >= 0 AND d < 'Infinity' AND d <> 'NaN'),       -- demand per day
    s             DOUBLE PRECISION CHECK (s >= 0 AND s < 'Infinity' AND s <> 'NaN'),       -- inventory
    ttr           DOUBLE PRECISION CHECK (ttr >= 0 AND ttr < 'Infinity' AND ttr <> 'NaN'), -- days to recover
    product       BOOLEAN,
    PRIMARY KEY (link, enterprise_id),
    FOREIGN KEY (link, enterprise_id) REFERENCES producer (link, enterprise_id)
        ON UPDATE CASCADE ON DELETE CASCADE
);

-- The change feed of migration 0004 for the new table: a parameter set through one server drops the cached
-- risk views of the others (the feed reports it as `Changed::Data`).
CREATE TRIGGER risk_param_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON risk_param
    FOR EACH STATEMENT EXECUTE FUNCTION chaindock_notify_change();
