-- Supply–demand docking: what buyers need (demand), what suppliers can spare (offer), the parts of a plan
-- sent to suppliers (allocation_request) and what arrived (delivery). Rows refer to enterprises and links by
-- their integer ids, so that a merge moves them by id and a re-imported chain keeps them. Quantities are
-- whole units of the link's unit.

CREATE TABLE demand (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    buyer_id           BIGINT    NOT NULL REFERENCES enterprise (id),
    link               BIGINT    NOT NULL REFERENCES chain_link (id),
    product            TEXT      NOT NULL,
    quantity           BIGINT    NOT NULL CHECK (quantity > 0),
    due                DATE      NOT NULL,
    created            DATE      NOT NULL,
    delivery_region    INTEGER   NOT NULL,                 -- GB/T 2260 code
    certifications     TEXT[]    NOT NULL DEFAULT '{}',
    excluded_suppliers TEXT[]    NOT NULL DEFAULT '{}',    -- credit codes
    excluded_regions   INTEGER[] NOT NULL DEFAULT '{}',    -- GB/T 2260 codes
    priority           INTEGER   NOT NULL CHECK (priority BETWEEN 1 AND 5),
    status             TEXT      NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'planned', 'covered', 'delivered', 'cancelled')),
    note               TEXT,
    CHECK (due >= created)
);
-- Listings filter by status and order by priority, then due date.
CREATE INDEX demand_status ON demand (status, priority, due);
CREATE INDEX demand_buyer ON demand (buyer_id);
CREATE INDEX demand_link ON demand (link);

CREATE TABLE offer (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id     BIGINT           NOT NULL REFERENCES enterprise (id),
    link            BIGINT           NOT NULL REFERENCES chain_link (id),
    quantity        BIGINT           NOT NULL CHECK (quantity > 0),
    available_from  DATE             NOT NULL,
    available_until DATE             NOT NULL,
    unit_price      DOUBLE PRECISION NOT NULL CHECK (unit_price >= 0),
    lead_time_days  INTEGER          NOT NULL CHECK (lead_time_days BETWEEN 0 AND 365),
    CHECK (available_until >= available_from)
);
CREATE INDEX offer_link ON offer (link);
CREATE INDEX offer_supplier ON offer (supplier_id);

CREATE TABLE allocation_request (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    demand_id    BIGINT           NOT NULL REFERENCES demand (id),
    supplier_id  BIGINT           NOT NULL REFERENCES enterprise (id),
    quantity     BIGINT           NOT NULL CHECK (quantity > 0),
    unit_cost    DOUBLE PRECISION NOT NULL CHECK (unit_cost >= 0),
    status       TEXT             NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
    reason       TEXT,
    created_at   TIMESTAMPTZ      NOT NULL DEFAULT now(),
    responded_at TIMESTAMPTZ,
    CHECK (status <> 'declined' OR length(trim(reason)) > 0)
);
CREATE INDEX allocation_request_demand ON allocation_request (demand_id, status);
CREATE INDEX allocation_request_supplier ON allocation_request (supplier_id, status);

CREATE TABLE delivery (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   BIGINT NOT NULL REFERENCES allocation_request (id),
    quantity     BIGINT NOT NULL CHECK (quantity > 0),
    delivered_on DATE   NOT NULL
);
CREATE INDEX delivery_request ON delivery (request_id);
