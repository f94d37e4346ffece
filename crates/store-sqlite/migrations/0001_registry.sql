-- The registry and its chains. Natural keys are UNIQUE so that imports upsert; rows refer to enterprises by
-- their integer id to keep the large tables (producer, supply) small.

CREATE TABLE enterprise (
    id           INTEGER PRIMARY KEY,
    credit_code  TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL CHECK (length(name) > 0),
    aliases      TEXT    NOT NULL DEFAULT '[]',          -- JSON array of strings
    region       INTEGER NOT NULL,                       -- GB/T 2260 code
    lng          REAL,
    lat          REAL,
    industry     TEXT,                                   -- GB/T 4754-2017 code
    above_scale  INTEGER NOT NULL DEFAULT 0,
    leading      INTEGER NOT NULL DEFAULT 0,
    specialised  INTEGER NOT NULL DEFAULT 0,
    illustrative INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX enterprise_region ON enterprise (region);

CREATE TABLE chain (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT
);

CREATE TABLE chain_link (
    id               INTEGER PRIMARY KEY,                 -- the key producers and supply rows use
    chain_id         TEXT    NOT NULL REFERENCES chain (id),
    link_id          TEXT    NOT NULL,
    position         INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    segment          TEXT    NOT NULL CHECK (segment IN ('upstream', 'midstream', 'downstream')),
    unit             TEXT    NOT NULL,
    import_dependent INTEGER NOT NULL DEFAULT 0,
    industry         TEXT,
    note             TEXT,
    UNIQUE (chain_id, link_id)
);

CREATE TABLE bom_edge (
    chain_id TEXT NOT NULL,
    input    TEXT NOT NULL,
    output   TEXT NOT NULL,
    quantity REAL NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (chain_id, input, output),
    FOREIGN KEY (chain_id, input) REFERENCES chain_link (chain_id, link_id),
    FOREIGN KEY (chain_id, output) REFERENCES chain_link (chain_id, link_id)
);

-- The two large tables key on integers only: at ten million rows, text keys cost most of the load time.
CREATE TABLE producer (
    link          INTEGER NOT NULL REFERENCES chain_link (id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprise (id),
    capacity      REAL    NOT NULL CHECK (capacity >= 0),  -- per day, in the link's unit
    illustrative  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link, enterprise_id)
) WITHOUT ROWID;
CREATE INDEX producer_enterprise ON producer (enterprise_id);

CREATE TABLE supply (
    link         INTEGER NOT NULL REFERENCES chain_link (id),
    supplier_id  INTEGER NOT NULL REFERENCES enterprise (id),
    buyer_id     INTEGER NOT NULL REFERENCES enterprise (id),
    share        REAL    NOT NULL CHECK (share > 0 AND share <= 1),
    illustrative INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link, supplier_id, buyer_id)
) WITHOUT ROWID;
