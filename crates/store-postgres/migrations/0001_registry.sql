-- The registry and its chains, as in the SQLite backend: natural keys are UNIQUE so that imports upsert,
-- and the large tables (producer, supply) refer to enterprises and links by integer ids. Keys compared or
-- ordered as text use the "C" collation, so that order and prefix ranges are byte order whatever the
-- database's locale (as in SQLite).

CREATE TABLE enterprise (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    credit_code    TEXT COLLATE "C" NOT NULL UNIQUE,
    name           TEXT             NOT NULL CHECK (length(name) > 0),
    aliases        TEXT[]           NOT NULL DEFAULT '{}',
    region         INTEGER          NOT NULL,                -- GB/T 2260 code
    lng            DOUBLE PRECISION,
    lat            DOUBLE PRECISION,
    industry       TEXT COLLATE "C",                         -- GB/T 4754-2017 code
    above_scale    BOOLEAN          NOT NULL DEFAULT false,
    is_leading     BOOLEAN          NOT NULL DEFAULT false,  -- "leading" is a reserved word
    specialised    BOOLEAN          NOT NULL DEFAULT false,
    illustrative   BOOLEAN          NOT NULL DEFAULT false,
    -- What an enterprise says of itself and whom to call (the contacts are private).
    description    TEXT,
    contact_person TEXT,
    contact_phone  TEXT,
    -- The optimistic lock of hand edits: every write that changes the row adds one.
    version        BIGINT           NOT NULL DEFAULT 1
);
CREATE INDEX enterprise_region ON enterprise (region);
-- Industry filters match codes by prefix (LIKE '36%'), which a "C"-collated index serves.
CREATE INDEX enterprise_industry ON enterprise (industry);

CREATE TABLE chain (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT
);

CREATE TABLE chain_link (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the key producers and supply rows use
    chain_id         TEXT COLLATE "C" NOT NULL REFERENCES chain (id),
    link_id          TEXT COLLATE "C" NOT NULL,
    position         INTEGER          NOT NULL,
    name             TEXT             NOT NULL,
    segment          TEXT             NOT NULL CHECK (segment IN ('upstream', 'midstream', 'downstream')),
    unit             TEXT             NOT NULL,
    import_dependent BOOLEAN          NOT NULL DEFAULT false,
    industry         TEXT,
    note             TEXT,
    UNIQUE (chain_id, link_id)
);

-- `position` keeps the order the chain lists its edges in (SQLite keeps it by rowid).
CREATE TABLE bom_edge (
    chain_id TEXT COLLATE "C" NOT NULL,
    position INTEGER          NOT NULL,
    input    TEXT COLLATE "C" NOT NULL,
    output   TEXT COLLATE "C" NOT NULL,
    quantity DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (chain_id, input, output),
    FOREIGN KEY (chain_id, input) REFERENCES chain_link (chain_id, link_id),
    FOREIGN KEY (chain_id, output) REFERENCES chain_link (chain_id, link_id)
);

CREATE TABLE producer (
    link          BIGINT           NOT NULL REFERENCES chain_link (id),
    enterprise_id BIGINT           NOT NULL REFERENCES enterprise (id),
    capacity      DOUBLE PRECISION NOT NULL CHECK (capacity >= 0),  -- per day, in the link's unit
    illustrative  BOOLEAN          NOT NULL DEFAULT false,
    PRIMARY KEY (link, enterprise_id)
);
CREATE INDEX producer_enterprise ON producer (enterprise_id);

CREATE TABLE supply (
    link         BIGINT           NOT NULL REFERENCES chain_link (id),
    supplier_id  BIGINT           NOT NULL REFERENCES enterprise (id),
    buyer_id     BIGINT           NOT NULL REFERENCES enterprise (id),
    share        DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
    illustrative BOOLEAN          NOT NULL DEFAULT false,
    PRIMARY KEY (link, supplier_id, buyer_id)
);
-- A merge moves an enterprise's relations, and deleting an enterprise checks that none refers to it:
-- without these each would read the whole table.
CREATE INDEX supply_supplier ON supply (supplier_id);
CREATE INDEX supply_buyer ON supply (buyer_id);

-- Enterprises merged into another (entity resolution): who was merged into whom, under which name and
-- aliases, and why.
CREATE TABLE enterprise_merge (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kept_id         BIGINT      NOT NULL REFERENCES enterprise (id),
    removed_code    TEXT        NOT NULL,
    removed_name    TEXT        NOT NULL,
    removed_aliases TEXT[]      NOT NULL DEFAULT '{}',
    reason          TEXT        NOT NULL,
    merged_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX enterprise_merge_kept ON enterprise_merge (kept_id);
