-- Risk parameters of producers (issue 6). Each is optional: NULL means the default chaindock_engine::risk
-- documents. A row belongs to its producer: it follows the producer when a merge moves it to another
-- enterprise and goes when the producer goes.
CREATE TABLE risk_param (
    link          INTEGER NOT NULL,
    enterprise_id INTEGER NOT NULL,
    f             REAL CHECK (f >= 0),        -- weight per lost unit of a finished product
    d             REAL CHECK (d >= 0),        -- demand per day, in the link's unit
    s             REAL CHECK (s >= 0),        -- inventory, in the link's unit
    ttr           REAL CHECK (ttr >= 0),      -- days to recover
    product       INTEGER CHECK (product IN (0, 1)),
    PRIMARY KEY (link, enterprise_id),
    FOREIGN KEY (link, enterprise_id) REFERENCES producer (link, enterprise_id)
        ON UPDATE CASCADE ON DELETE CASCADE
) WITHOUT ROWID;
