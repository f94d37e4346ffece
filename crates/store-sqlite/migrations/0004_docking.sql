-- Supply–demand docking: what buyers need (demand), what suppliers can spare (offer), the parts of a plan
-- sent to suppliers (allocation_request) and what arrived (delivery). Rows refer to enterprises and links by
-- their integer ids: a merge moves them by id, and a re-imported chain keeps its chain_link ids (the import
-- upserts links by (chain_id, link_id)). Quantities are whole units of the link's unit; dates are
-- YYYY-MM-DD, times RFC 3339 in UTC.

CREATE TABLE demand (
    id                 INTEGER PRIMARY KEY,
    buyer_id           INTEGER NOT NULL REFERENCES enterprise (id),
    link               INTEGER NOT NULL REFERENCES chain_link (id),
    product            TEXT    NOT NULL,
    quantity           INTEGER NOT NULL CHECK (quantity > 0),
    due                TEXT    NOT NULL,
    created            TEXT    NOT NULL,
    delivery_region    INTEGER NOT NULL,                 -- GB/T 2260 code
    certifications     TEXT    NOT NULL DEFAULT '[]',    -- JSON array of strings
    excluded_suppliers TEXT    NOT NULL DEFAULT '[]',    -- JSON array of credit codes
    excluded_regions   TEXT    NOT NULL DEFAULT '[]',    -- JSON array of GB/T 2260 codes
    priority           INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 5),
    status             TEXT    NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'planned', 'covered', 'delivered', 'cancelled')),
    note               TEXT,
    CHECK (due >= created)
);
-- Listings filter by status and order by priority, then due date.
CREATE INDEX demand_status ON demand (status, priority, due);
CREATE INDEX demand_buyer ON demand (buyer_id);
CREATE INDEX demand_link ON demand (link);

CREATE TABLE offer (
    id              INTEGER PRIMARY KEY,
    supplier_id     INTEGER NOT NULL REFERENCES enterprise (id),
    link            INTEGER NOT NULL REFERENCES chain_link (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    available_from  TEXT    NOT NULL,
    available_until TEXT    NOT NULL,
    unit_price      REAL    NOT NULL CHECK (unit_price >= 0),
    lead_time_days  INTEGER NOT NULL CHECK (lead_time_days BETWEEN 0 AND 365),
    CHECK (available_until >= available_from)
);
CREATE INDEX offer_link ON offer (link);
CREATE INDEX offer_supplier ON offer (supplier_id);

CREATE TABLE allocation_request (
    id           INTEGER PRIMARY KEY,
    demand_id    INTEGER NOT NULL REFERENCES demand (id),
    supplier_id  INTEGER NOT NULL REFERENCES enterprise (id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    unit_cost    REAL    NOT NULL CHECK (unit_cost >= 0),
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    reason       TEXT,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    responded_at TEXT,
    CHECK (status <> 'declined' OR length(trim(reason)) > 0)
);
CREATE INDEX allocation_request_demand ON allocation_request (demand_id, status);
CREATE INDEX allocation_request_supplier ON allocation_request (supplier_id, status);

CREATE TABLE delivery (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES allocation_request (id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    delivered_on TEXT    NOT NULL
);
CREATE INDEX delivery_request ON delivery (request_id);
