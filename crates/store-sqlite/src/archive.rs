//! Whole-database archives on SQLite (see `chaindock_store::archive`): an export reads every table in one
//! read transaction (one WAL snapshot) on a blocking thread and hands rows in batches over a channel to the
//! async side, which writes them; a restore is the reverse, the async side reading and checking the file and
//! the blocking side inserting each row with its id in one `BEGIN IMMEDIATE` transaction, committed only
//! when the whole file was read and checked.

use chaindock_store::StoreError;
use chaindock_store::archive::{
    AllocationRequestRow, AppUserRow, AuditLogRow, BomEdgeRow, ChainLinkRow, ChainRow, DeliveryRow, DemandRow,
    EnterpriseMergeRow, EnterpriseRow, Header, OfferRow, ProducerRow, Record, RiskParamRow, SupplyRow, Table,
};
use rusqlite::{Connection, Row, TransactionBehavior, params};
use tokio::sync::mpsc::{Receiver, Sender};

use crate::sql_err;

/// Rows per message between the threads.
pub(crate) const BATCH: usize = 2048;

/// What the reading thread of an export sends.
pub(crate) enum Out {
    Header(Header),
    Rows(Vec<Record>),
}

/// What the async side of a restore sends.
pub(crate) enum In {
    Rows(Vec<Record>),
    /// The whole file was read and checked.
    Commit,
}

fn json_err(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Invalid(format!("stored {what} is not valid JSON: {e}"))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &'static str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(json_err(what))
}

fn to_json<T: serde::Serialize>(what: &'static str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(json_err(what))
}

/// The SELECT of each table, in key order; `bom_edge` in each chain's order (its rowid), positions counted
/// by [`export`].
fn select(table: Table) -> &'static str {
    match table {
        Table::Enterprise => {
            "SELECT id, credit_code, name, aliases, region, lng, lat, industry, above_scale, leading, specialised,
               illustrative, description, contact_person, contact_phone, version FROM enterprise ORDER BY id"
        }
        Table::Chain => "SELECT id, name, description FROM chain ORDER BY id",
        Table::ChainLink => {
            "SELECT id, chain_id, link_id, position, name, segment, unit, import_dependent, industry, note
             FROM chain_link ORDER BY id"
        }
        Table::BomEdge => "SELECT chain_id, input, output, quantity FROM bom_edge ORDER BY chain_id, rowid",
        Table::Producer => {
            "SELECT link, enterprise_id, capacity, illustrative FROM producer ORDER BY link, enterprise_id"
        }
        Table::Supply => {
            "SELECT link, supplier_id, buyer_id, share, illustrative FROM supply ORDER BY link, supplier_id, buyer_id"
        }
        Table::RiskParam => {
            "SELECT link, enterprise_id, f, d, s, ttr, product FROM risk_param ORDER BY link, enterprise_id"
        }
        Table::EnterpriseMerge => {
            "SELECT id, kept_id, removed_code, removed_name, removed_aliases, reason, merged_at
             FROM enterprise_merge ORDER BY id"
        }
        Table::AppUser => {
            "SELECT id, username, role, enterprise_id, password_hash, created_at FROM app_user ORDER BY id"
        }
        Table::AuditLog => "SELECT id, at, username, action, target, detail FROM audit_log ORDER BY id",
        Table::Demand => {
            "SELECT id, buyer_id, link, product, quantity, due, created, delivery_region, certifications,
               excluded_suppliers, excluded_regions, priority, status, note FROM demand ORDER BY id"
        }
        Table::Offer => {
            "SELECT id, supplier_id, link, quantity, available_from, available_until, unit_price, lead_time_days
             FROM offer ORDER BY id"
        }
        Table::AllocationRequest => {
            "SELECT id, demand_id, supplier_id, quantity, unit_cost, status, reason, created_at, responded_at
             FROM allocation_request ORDER BY id"
        }
        Table::Delivery => "SELECT id, request_id, quantity, delivered_on FROM delivery ORDER BY id",
    }
}

/// One row of `table` as the archive's record. (`bom_edge` positions are filled in by the caller.)
fn decode(table: Table, r: &Row<'_>) -> Result<Record, StoreError> {
    let e = sql_err("cannot read a row for the archive");
    Ok(match table {
        Table::Enterprise => {
            let aliases: String = r.get(3).map_err(&e)?;
            Record::Enterprise(EnterpriseRow {
                id: r.get(0).map_err(&e)?,
                credit_code: r.get(1).map_err(&e)?,
                name: r.get(2).map_err(&e)?,
                aliases: from_json("aliases", &aliases)?,
                region: r.get(4).map_err(&e)?,
                lng: r.get(5).map_err(&e)?,
                lat: r.get(6).map_err(&e)?,
                industry: r.get(7).map_err(&e)?,
                above_scale: r.get(8).map_err(&e)?,
                leading: r.get(9).map_err(&e)?,
                specialised: r.get(10).map_err(&e)?,
                illustrative: r.get(11).map_err(&e)?,
                description: r.get(12).map_err(&e)?,
                contact_person: r.get(13).map_err(&e)?,
                contact_phone: r.get(14).map_err(&e)?,
                version: r.get(15).map_err(&e)?,
            })
        }
        Table::Chain => Record::Chain(ChainRow {
            id: r.get(0).map_err(&e)?,
            name: r.get(1).map_err(&e)?,
            description: r.get(2).map_err(&e)?,
        }),
        Table::ChainLink => Record::ChainLink(ChainLinkRow {
            id: r.get(0).map_err(&e)?,
            chain_id: r.get(1).map_err(&e)?,
            link_id: r.get(2).map_err(&e)?,
            position: r.get(3).map_err(&e)?,
            name: r.get(4).map_err(&e)?,
            segment: r.get(5).map_err(&e)?,
            unit: r.get(6).map_err(&e)?,
            import_dependent: r.get(7).map_err(&e)?,
            industry: r.get(8).map_err(&e)?,
            note: r.get(9).map_err(&e)?,
        }),
        Table::BomEdge => Record::BomEdge(BomEdgeRow {
            chain_id: r.get(0).map_err(&e)?,
            position: 0,
            input: r.get(1).map_err(&e)?,
            output: r.get(2).map_err(&e)?,
            quantity: r.get(3).map_err(&e)?,
        }),
        Table::Producer => Record::Producer(ProducerRow {
            link: r.get(0).map_err(&e)?,
            enterprise_id: r.get(1).map_err(&e)?,
            capacity: r.get(2).map_err(&e)?,
            illustrative: r.get(3).map_err(&e)?,
        }),
        Table::Supply => Record::Supply(SupplyRow {
            link: r.get(0).map_err(&e)?,
            supplier_id: r.get(1).map_err(&e)?,
            buyer_id: r.get(2).map_err(&e)?,
            share: r.get(3).map_err(&e)?,
            illustrative: r.get(4).map_err(&e)?,
        }),
        Table::RiskParam => Record::RiskParam(RiskParamRow {
            link: r.get(0).map_err(&e)?,
            enterprise_id: r.get(1).map_err(&e)?,
            f: r.get(2).map_err(&e)?,
            d: r.get(3).map_err(&e)?,
            s: r.get(4).map_err(&e)?,
            ttr: r.get(5).map_err(&e)?,
            product: r.get(6).map_err(&e)?,
        }),
        Table::EnterpriseMerge => {
            let aliases: String = r.get(4).map_err(&e)?;
            Record::EnterpriseMerge(EnterpriseMergeRow {
                id: r.get(0).map_err(&e)?,
                kept_id: r.get(1).map_err(&e)?,
                removed_code: r.get(2).map_err(&e)?,
                removed_name: r.get(3).map_err(&e)?,
                removed_aliases: from_json("aliases", &aliases)?,
                reason: r.get(5).map_err(&e)?,
                merged_at: r.get(6).map_err(&e)?,
            })
        }
        Table::AppUser => Record::AppUser(AppUserRow {
            id: r.get(0).map_err(&e)?,
            username: r.get(1).map_err(&e)?,
            role: r.get(2).map_err(&e)?,
            enterprise_id: r.get(3).map_err(&e)?,
            password_hash: r.get(4).map_err(&e)?,
            created_at: r.get(5).map_err(&e)?,
        }),
        Table::AuditLog => {
            let detail: String = r.get(5).map_err(&e)?;
            Record::AuditLog(AuditLogRow {
                id: r.get(0).map_err(&e)?,
                at: r.get(1).map_err(&e)?,
                username: r.get(2).map_err(&e)?,
                action: r.get(3).map_err(&e)?,
                target: r.get(4).map_err(&e)?,
                detail: from_json("audit detail", &detail)?,
            })
        }
        Table::Demand => {
            let (certifications, excluded_suppliers, excluded_regions): (String, String, String) =
                (r.get(8).map_err(&e)?, r.get(9).map_err(&e)?, r.get(10).map_err(&e)?);
            Record::Demand(DemandRow {
                id: r.get(0).map_err(&e)?,
                buyer_id: r.get(1).map_err(&e)?,
                link: r.get(2).map_err(&e)?,
                product: r.get(3).map_err(&e)?,
                quantity: r.get(4).map_err(&e)?,
                due: r.get(5).map_err(&e)?,
                created: r.get(6).map_err(&e)?,
                delivery_region: r.get(7).map_err(&e)?,
                certifications: from_json("certifications", &certifications)?,
                excluded_suppliers: from_json("excluded suppliers", &excluded_suppliers)?,
                excluded_regions: from_json("excluded regions", &excluded_regions)?,
                priority: r.get(11).map_err(&e)?,
                status: r.get(12).map_err(&e)?,
                note: r.get(13).map_err(&e)?,
            })
        }
        Table::Offer => Record::Offer(OfferRow {
            id: r.get(0).map_err(&e)?,
            supplier_id: r.get(1).map_err(&e)?,
            link: r.get(2).map_err(&e)?,
            quantity: r.get(3).map_err(&e)?,
            available_from: r.get(4).map_err(&e)?,
            available_until: r.get(5).map_err(&e)?,
            unit_price: r.get(6).map_err(&e)?,
            lead_time_days: r.get(7).map_err(&e)?,
        }),
        Table::AllocationRequest => Record::AllocationRequest(AllocationRequestRow {
            id: r.get(0).map_err(&e)?,
            demand_id: r.get(1).map_err(&e)?,
            supplier_id: r.get(2).map_err(&e)?,
            quantity: r.get(3).map_err(&e)?,
            unit_cost: r.get(4).map_err(&e)?,
            status: r.get(5).map_err(&e)?,
            reason: r.get(6).map_err(&e)?,
            created_at: r.get(7).map_err(&e)?,
            responded_at: r.get(8).map_err(&e)?,
        }),
        Table::Delivery => Record::Delivery(DeliveryRow {
            id: r.get(0).map_err(&e)?,
            request_id: r.get(1).map_err(&e)?,
            quantity: r.get(2).map_err(&e)?,
            delivered_on: r.get(3).map_err(&e)?,
        }),
    })
}

/// Read every table in one snapshot and send the header, then the rows in batches. Stops quietly when the
/// receiver is gone (the writing side failed and reports its own error).
pub(crate) fn export(conn: &mut Connection, out: Sender<Out>) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(sql_err("cannot begin a read"))?;
    let mut rows = [0u64; 14];
    for (i, t) in Table::ALL.iter().enumerate() {
        // Table names come from the fixed list above, never from input.
        let n: i64 = tx
            .query_row(&format!("SELECT count(*) FROM {}", t.name()), [], |r| r.get(0))
            .map_err(sql_err("cannot count rows"))?;
        rows[i] = n.max(0) as u64;
    }
    if out.blocking_send(Out::Header(Header::new(rows))).is_err() {
        return Ok(());
    }
    for t in Table::ALL {
        let mut st = tx.prepare(select(t)).map_err(sql_err("cannot read a table"))?;
        let mut q = st.query([]).map_err(sql_err("cannot read a table"))?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut bom_chain = String::new();
        let mut bom_position = 0i64;
        while let Some(r) = q.next().map_err(sql_err("cannot read a table"))? {
            let mut record = decode(t, r)?;
            if let Record::BomEdge(b) = &mut record {
                if b.chain_id != bom_chain {
                    bom_chain.clone_from(&b.chain_id);
                    bom_position = 0;
                }
                b.position = bom_position;
                bom_position += 1;
            }
            batch.push(record);
            if batch.len() == BATCH && out.blocking_send(Out::Rows(std::mem::take(&mut batch))).is_err() {
                return Ok(());
            }
        }
        if !batch.is_empty() && out.blocking_send(Out::Rows(batch)).is_err() {
            return Ok(());
        }
    }
    tx.commit().map_err(sql_err("cannot end a read"))
}

/// The INSERT of each table, its parameters in the order [`insert`] binds them.
fn insert_sql(table: Table) -> &'static str {
    match table {
        Table::Enterprise => {
            "INSERT INTO enterprise (id, credit_code, name, aliases, region, lng, lat, industry, above_scale, leading,
               specialised, illustrative, description, contact_person, contact_phone, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        }
        Table::Chain => "INSERT INTO chain (id, name, description) VALUES (?1, ?2, ?3)",
        Table::ChainLink => {
            "INSERT INTO chain_link (id, chain_id, link_id, position, name, segment, unit, import_dependent, industry,
               note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        }
        // The rowid keeps the chain's order of edges; rows arrive in it.
        Table::BomEdge => "INSERT INTO bom_edge (chain_id, input, output, quantity) VALUES (?1, ?2, ?3, ?4)",
        Table::Producer => "INSERT INTO producer (link, enterprise_id, capacity, illustrative) VALUES (?1, ?2, ?3, ?4)",
        Table::Supply => {
            "INSERT INTO supply (link, supplier_id, buyer_id, share, illustrative) VALUES (?1, ?2, ?3, ?4, ?5)"
        }
        Table::RiskParam => {
            "INSERT INTO risk_param (link, enterprise_id, f, d, s, ttr, product) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        }
        Table::EnterpriseMerge => {
            "INSERT INTO enterprise_merge (id, kept_id, removed_code, removed_name, removed_aliases, reason, merged_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        }
        Table::AppUser => {
            "INSERT INTO app_user (id, username, role, enterprise_id, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        }
        Table::AuditLog => {
            "INSERT INTO audit_log (id, at, username, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        }
        Table::Demand => {
            "INSERT INTO demand (id, buyer_id, link, product, quantity, due, created, delivery_region, certifications,
               excluded_suppliers, excluded_regions, priority, status, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        }
        Table::Offer => {
            "INSERT INTO offer (id, supplier_id, link, quantity, available_from, available_until, unit_price,
               lead_time_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        }
        Table::AllocationRequest => {
            "INSERT INTO allocation_request (id, demand_id, supplier_id, quantity, unit_cost, status, reason,
               created_at, responded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        }
        Table::Delivery => "INSERT INTO delivery (id, request_id, quantity, delivered_on) VALUES (?1, ?2, ?3, ?4)",
    }
}

fn insert(tx: &rusqlite::Transaction<'_>, record: &Record) -> Result<(), StoreError> {
    let table = record.table();
    let mut st = tx.prepare_cached(insert_sql(table)).map_err(sql_err("cannot prepare a restore"))?;
    let done = match record {
        Record::Enterprise(e) => st.execute(params![
            e.id,
            e.credit_code,
            e.name,
            to_json("aliases", &e.aliases)?,
            e.region,
            e.lng,
            e.lat,
            e.industry,
            e.above_scale,
            e.leading,
            e.specialised,
            e.illustrative,
            e.description,
            e.contact_person,
            e.contact_phone,
            e.version
        ]),
        Record::Chain(c) => st.execute(params![c.id, c.name, c.description]),
        Record::ChainLink(l) => st.execute(params![
            l.id,
            l.chain_id,
            l.link_id,
            l.position,
            l.name,
            l.segment,
            l.unit,
            l.import_dependent,
            l.industry,
            l.note
        ]),
        Record::BomEdge(b) => st.execute(params![b.chain_id, b.input, b.output, b.quantity]),
        Record::Producer(p) => st.execute(params![p.link, p.enterprise_id, p.capacity, p.illustrative]),
        Record::Supply(s) => st.execute(params![s.link, s.supplier_id, s.buyer_id, s.share, s.illustrative]),
        Record::RiskParam(r) => st.execute(params![r.link, r.enterprise_id, r.f, r.d, r.s, r.ttr, r.product]),
        Record::EnterpriseMerge(m) => st.execute(params![
            m.id,
            m.kept_id,
            m.removed_code,
            m.removed_name,
            to_json("aliases", &m.removed_aliases)?,
            m.reason,
            m.merged_at
        ]),
        Record::AppUser(u) => {
            st.execute(params![u.id, u.username, u.role, u.enterprise_id, u.password_hash, u.created_at])
        }
        Record::AuditLog(a) => {
            st.execute(params![a.id, a.at, a.username, a.action, a.target, to_json("audit detail", &a.detail)?])
        }
        Record::Demand(d) => st.execute(params![
            d.id,
            d.buyer_id,
            d.link,
            d.product,
            d.quantity,
            d.due,
            d.created,
            d.delivery_region,
            to_json("certifications", &d.certifications)?,
            to_json("excluded suppliers", &d.excluded_suppliers)?,
            to_json("excluded regions", &d.excluded_regions)?,
            d.priority,
            d.status,
            d.note
        ]),
        Record::Offer(o) => st.execute(params![
            o.id,
            o.supplier_id,
            o.link,
            o.quantity,
            o.available_from,
            o.available_until,
            o.unit_price,
            o.lead_time_days
        ]),
        Record::AllocationRequest(r) => st.execute(params![
            r.id,
            r.demand_id,
            r.supplier_id,
            r.quantity,
            r.unit_cost,
            r.status,
            r.reason,
            r.created_at,
            r.responded_at
        ]),
        Record::Delivery(d) => st.execute(params![d.id, d.request_id, d.quantity, d.delivered_on]),
    };
    // The reader checked keys, references and values; what the schema still refuses is reported by table.
    done.map_err(|e| StoreError::Invalid(format!("a row of {table} is refused by the database: {e}")))?;
    Ok(())
}

/// Whether any table (sessions included) holds a row.
fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    let any =
        Table::ALL.iter().map(|t| format!("EXISTS (SELECT 1 FROM {})", t.name())).collect::<Vec<_>>().join(" OR ");
    let found: bool = conn
        .query_row(&format!("SELECT {any} OR EXISTS (SELECT 1 FROM session)"), [], |r| r.get(0))
        .map_err(sql_err("cannot check that the database is empty"))?;
    Ok(!found)
}

/// Insert the rows the async side sends, in one transaction committed on [`In::Commit`]; a closed channel
/// without it (the file was refused) rolls everything back.
pub(crate) fn restore(conn: &mut Connection, mut input: Receiver<In>) -> Result<(), StoreError> {
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot start a restore"))?;
    if !is_empty(&tx)? {
        return Err(StoreError::Conflict(
            "the database is not empty; restore an archive only into a new database (an existing one would mix two \
             databases' ids)"
                .into(),
        ));
    }
    loop {
        match input.blocking_recv() {
            Some(In::Rows(rows)) => {
                for r in &rows {
                    insert(&tx, r)?;
                }
            }
            Some(In::Commit) => return tx.commit().map_err(sql_err("cannot commit the restore")),
            None => return Err(StoreError::Invalid("the restore was abandoned; nothing was written".into())),
        }
    }
}
