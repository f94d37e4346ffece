//! Whole-database archives on PostgreSQL (see `chaindock_store::archive`). An export reads every table in
//! one `REPEATABLE READ READ ONLY` transaction, streaming each table's rows in key order; a restore takes the
//! registry lock, checks that the schema is empty and `COPY`s each table's rows as the checked reader hands
//! them over (COPY keeps the ids it is given, identity columns included), then moves every identity sequence
//! above the largest id restored, all in one transaction.
//!
//! Times are written as the SQLite backend stores them (RFC 3339 in UTC, to the second; the audit log to the
//! millisecond), dates as `YYYY-MM-DD`, so that both backends write the same archive of the same rows.

use chaindock_store::StoreError;
use chaindock_store::archive::{
    AllocationRequestRow, AppUserRow, ArchiveReader, ArchiveWriter, AuditLogRow, BomEdgeRow, ChainLinkRow, ChainRow,
    DeliveryRow, DemandRow, EnterpriseMergeRow, EnterpriseRow, Header, OfferRow, ProducerRow, Record, RiskParamRow,
    SupplyRow, Table,
};
use futures_util::TryStreamExt;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgPool, PgRow};

use crate::copy::{CopyStream, Row};
use crate::{REGISTRY_LOCK, col, db_err, utc_seconds};

fn date(column: &str) -> String {
    format!("to_char({column}, 'YYYY-MM-DD')")
}

/// The SELECT of each table, in key order, its columns in the order [`decode`] reads them.
fn select(table: Table) -> String {
    match table {
        Table::Enterprise => {
            "SELECT id, credit_code, name, aliases, region, lng, lat, industry, above_scale, is_leading,
               specialised, illustrative, description, contact_person, contact_phone, version
             FROM enterprise ORDER BY id"
                .into()
        }
        Table::Chain => "SELECT id, name, description FROM chain ORDER BY id".into(),
        Table::ChainLink => "SELECT id, chain_id, link_id, position, name, segment, unit, import_dependent, industry,
               note FROM chain_link ORDER BY id"
            .into(),
        Table::BomEdge => {
            "SELECT chain_id, position, input, output, quantity FROM bom_edge ORDER BY chain_id, position".into()
        }
        Table::Producer => {
            "SELECT link, enterprise_id, capacity, illustrative FROM producer ORDER BY link, enterprise_id".into()
        }
        Table::Supply => "SELECT link, supplier_id, buyer_id, share, illustrative FROM supply
             ORDER BY link, supplier_id, buyer_id"
            .into(),
        Table::RiskParam => {
            "SELECT link, enterprise_id, f, d, s, ttr, product FROM risk_param ORDER BY link, enterprise_id".into()
        }
        Table::EnterpriseMerge => format!(
            "SELECT id, kept_id, removed_code, removed_name, removed_aliases, reason, {}
             FROM enterprise_merge ORDER BY id",
            utc_seconds("merged_at")
        ),
        Table::AppUser => format!(
            "SELECT id, username, role, enterprise_id, password_hash, {} FROM app_user ORDER BY id",
            utc_seconds("created_at")
        ),
        Table::AuditLog => "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), username,
               action, target, detail::text FROM audit_log ORDER BY id"
            .into(),
        Table::Demand => format!(
            "SELECT id, buyer_id, link, product, quantity, {}, {}, delivery_region, certifications, excluded_suppliers,
               excluded_regions, priority, status, note FROM demand ORDER BY id",
            date("due"),
            date("created")
        ),
        Table::Offer => format!(
            "SELECT id, supplier_id, link, quantity, {}, {}, unit_price, lead_time_days FROM offer ORDER BY id",
            date("available_from"),
            date("available_until")
        ),
        Table::AllocationRequest => format!(
            "SELECT id, demand_id, supplier_id, quantity, unit_cost, status, reason, {}, {}
             FROM allocation_request ORDER BY id",
            utc_seconds("created_at"),
            utc_seconds("responded_at")
        ),
        Table::Delivery => {
            format!("SELECT id, request_id, quantity, {} FROM delivery ORDER BY id", date("delivered_on"))
        }
    }
}

fn unsigned(what: &str, n: i32) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Invalid(format!("stored {what} {n} is negative")))
}

fn decode(table: Table, r: &PgRow) -> Result<Record, StoreError> {
    Ok(match table {
        Table::Enterprise => Record::Enterprise(EnterpriseRow {
            id: col(r, 0)?,
            credit_code: col(r, 1)?,
            name: col(r, 2)?,
            aliases: col(r, 3)?,
            region: unsigned("region", col(r, 4)?)?,
            lng: col(r, 5)?,
            lat: col(r, 6)?,
            industry: col(r, 7)?,
            above_scale: col(r, 8)?,
            leading: col(r, 9)?,
            specialised: col(r, 10)?,
            illustrative: col(r, 11)?,
            description: col(r, 12)?,
            contact_person: col(r, 13)?,
            contact_phone: col(r, 14)?,
            version: col(r, 15)?,
        }),
        Table::Chain => Record::Chain(ChainRow { id: col(r, 0)?, name: col(r, 1)?, description: col(r, 2)? }),
        Table::ChainLink => Record::ChainLink(ChainLinkRow {
            id: col(r, 0)?,
            chain_id: col(r, 1)?,
            link_id: col(r, 2)?,
            position: i64::from(col::<i32>(r, 3)?),
            name: col(r, 4)?,
            segment: col(r, 5)?,
            unit: col(r, 6)?,
            import_dependent: col(r, 7)?,
            industry: col(r, 8)?,
            note: col(r, 9)?,
        }),
        Table::BomEdge => Record::BomEdge(BomEdgeRow {
            chain_id: col(r, 0)?,
            position: i64::from(col::<i32>(r, 1)?),
            input: col(r, 2)?,
            output: col(r, 3)?,
            quantity: col(r, 4)?,
        }),
        Table::Producer => Record::Producer(ProducerRow {
            link: col(r, 0)?,
            enterprise_id: col(r, 1)?,
            capacity: col(r, 2)?,
            illustrative: col(r, 3)?,
        }),
        Table::Supply => Record::Supply(SupplyRow {
            link: col(r, 0)?,
            supplier_id: col(r, 1)?,
            buyer_id: col(r, 2)?,
            share: col(r, 3)?,
            illustrative: col(r, 4)?,
        }),
        Table::RiskParam => Record::RiskParam(RiskParamRow {
            link: col(r, 0)?,
            enterprise_id: col(r, 1)?,
            f: col(r, 2)?,
            d: col(r, 3)?,
            s: col(r, 4)?,
            ttr: col(r, 5)?,
            product: col(r, 6)?,
        }),
        Table::EnterpriseMerge => Record::EnterpriseMerge(EnterpriseMergeRow {
            id: col(r, 0)?,
            kept_id: col(r, 1)?,
            removed_code: col(r, 2)?,
            removed_name: col(r, 3)?,
            removed_aliases: col(r, 4)?,
            reason: col(r, 5)?,
            merged_at: col(r, 6)?,
        }),
        Table::AppUser => Record::AppUser(AppUserRow {
            id: col(r, 0)?,
            username: col(r, 1)?,
            role: col(r, 2)?,
            enterprise_id: col(r, 3)?,
            password_hash: col(r, 4)?,
            created_at: col(r, 5)?,
        }),
        Table::AuditLog => {
            let detail: String = col(r, 5)?;
            Record::AuditLog(AuditLogRow {
                id: col(r, 0)?,
                at: col(r, 1)?,
                username: col(r, 2)?,
                action: col(r, 3)?,
                target: col(r, 4)?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Invalid(format!("stored audit detail is not JSON: {e}")))?,
            })
        }
        Table::Demand => {
            let regions: Vec<i32> = col(r, 10)?;
            Record::Demand(DemandRow {
                id: col(r, 0)?,
                buyer_id: col(r, 1)?,
                link: col(r, 2)?,
                product: col(r, 3)?,
                quantity: col(r, 4)?,
                due: col(r, 5)?,
                created: col(r, 6)?,
                delivery_region: unsigned("delivery region", col(r, 7)?)?,
                certifications: col(r, 8)?,
                excluded_suppliers: col(r, 9)?,
                excluded_regions: regions
                    .into_iter()
                    .map(|n| unsigned("excluded region", n))
                    .collect::<Result<_, _>>()?,
                priority: i64::from(col::<i32>(r, 11)?),
                status: col(r, 12)?,
                note: col(r, 13)?,
            })
        }
        Table::Offer => Record::Offer(OfferRow {
            id: col(r, 0)?,
            supplier_id: col(r, 1)?,
            link: col(r, 2)?,
            quantity: col(r, 3)?,
            available_from: col(r, 4)?,
            available_until: col(r, 5)?,
            unit_price: col(r, 6)?,
            lead_time_days: i64::from(col::<i32>(r, 7)?),
        }),
        Table::AllocationRequest => Record::AllocationRequest(AllocationRequestRow {
            id: col(r, 0)?,
            demand_id: col(r, 1)?,
            supplier_id: col(r, 2)?,
            quantity: col(r, 3)?,
            unit_cost: col(r, 4)?,
            status: col(r, 5)?,
            reason: col(r, 6)?,
            created_at: col(r, 7)?,
            responded_at: col(r, 8)?,
        }),
        Table::Delivery => Record::Delivery(DeliveryRow {
            id: col(r, 0)?,
            request_id: col(r, 1)?,
            quantity: col(r, 2)?,
            delivered_on: col(r, 3)?,
        }),
    })
}

pub(crate) async fn export(pool: &PgPool, out: &mut (dyn std::io::Write + Send)) -> Result<Header, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err("cannot begin a read"))?;
    let counts = Table::ALL.iter().map(|t| format!("(SELECT count(*) FROM {})", t.name())).collect::<Vec<_>>();
    let r = sqlx::query(AssertSqlSafe(format!("SELECT {}", counts.join(", "))))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("cannot count rows"))?;
    let mut rows = [0u64; 14];
    for (i, n) in rows.iter_mut().enumerate() {
        *n = crate::count(col(&r, i)?);
    }
    let mut writer = ArchiveWriter::new(out, Header::new(rows))?;
    for t in Table::ALL {
        let mut stream = sqlx::query(AssertSqlSafe(select(t))).fetch(&mut *tx);
        while let Some(r) = stream.try_next().await.map_err(db_err("cannot read a table"))? {
            writer.write(decode(t, &r)?)?;
        }
    }
    tx.commit().await.map_err(db_err("cannot end a read"))?;
    writer.finish()
}

/// The COPY of each table, its columns in the order [`write`] writes them.
fn copy_sql(table: Table) -> &'static str {
    match table {
        Table::Enterprise => {
            "COPY enterprise (id, credit_code, name, aliases, region, lng, lat, industry, above_scale, is_leading,
               specialised, illustrative, description, contact_person, contact_phone, version) FROM STDIN"
        }
        Table::Chain => "COPY chain (id, name, description) FROM STDIN",
        Table::ChainLink => {
            "COPY chain_link (id, chain_id, link_id, position, name, segment, unit, import_dependent, industry, note)
             FROM STDIN"
        }
        Table::BomEdge => "COPY bom_edge (chain_id, position, input, output, quantity) FROM STDIN",
        Table::Producer => "COPY producer (link, enterprise_id, capacity, illustrative) FROM STDIN",
        Table::Supply => "COPY supply (link, supplier_id, buyer_id, share, illustrative) FROM STDIN",
        Table::RiskParam => "COPY risk_param (link, enterprise_id, f, d, s, ttr, product) FROM STDIN",
        Table::EnterpriseMerge => {
            "COPY enterprise_merge (id, kept_id, removed_code, removed_name, removed_aliases, reason, merged_at)
             FROM STDIN"
        }
        Table::AppUser => "COPY app_user (id, username, role, enterprise_id, password_hash, created_at) FROM STDIN",
        Table::AuditLog => "COPY audit_log (id, at, username, action, target, detail) FROM STDIN",
        Table::Demand => {
            "COPY demand (id, buyer_id, link, product, quantity, due, created, delivery_region, certifications,
               excluded_suppliers, excluded_regions, priority, status, note) FROM STDIN"
        }
        Table::Offer => {
            "COPY offer (id, supplier_id, link, quantity, available_from, available_until, unit_price, lead_time_days)
             FROM STDIN"
        }
        Table::AllocationRequest => {
            "COPY allocation_request (id, demand_id, supplier_id, quantity, unit_cost, status, reason, created_at,
               responded_at) FROM STDIN"
        }
        Table::Delivery => "COPY delivery (id, request_id, quantity, delivered_on) FROM STDIN",
    }
}

/// The tables whose `id` is an identity column, whose sequence a restore moves past the ids it wrote.
const IDENTITY_TABLES: [Table; 9] = [
    Table::Enterprise,
    Table::ChainLink,
    Table::EnterpriseMerge,
    Table::AppUser,
    Table::AuditLog,
    Table::Demand,
    Table::Offer,
    Table::AllocationRequest,
    Table::Delivery,
];

fn write(row: &mut Row, record: &Record) {
    match record {
        Record::Enterprise(e) => {
            row.int(e.id)
                .text(&e.credit_code)
                .text(&e.name)
                .text_array(&e.aliases)
                .int(i64::from(e.region))
                .opt_float(e.lng)
                .opt_float(e.lat)
                .opt_text(e.industry.as_deref())
                .bool(e.above_scale)
                .bool(e.leading)
                .bool(e.specialised)
                .bool(e.illustrative)
                .opt_text(e.description.as_deref())
                .opt_text(e.contact_person.as_deref())
                .opt_text(e.contact_phone.as_deref())
                .int(e.version);
        }
        Record::Chain(c) => {
            row.text(&c.id).text(&c.name).opt_text(c.description.as_deref());
        }
        Record::ChainLink(l) => {
            row.int(l.id)
                .text(&l.chain_id)
                .text(&l.link_id)
                .int(l.position)
                .text(&l.name)
                .text(&l.segment)
                .text(&l.unit)
                .bool(l.import_dependent)
                .opt_text(l.industry.as_deref())
                .opt_text(l.note.as_deref());
        }
        Record::BomEdge(b) => {
            row.text(&b.chain_id).int(b.position).text(&b.input).text(&b.output).float(b.quantity);
        }
        Record::Producer(p) => {
            row.int(p.link).int(p.enterprise_id).float(p.capacity).bool(p.illustrative);
        }
        Record::Supply(s) => {
            row.int(s.link).int(s.supplier_id).int(s.buyer_id).float(s.share).bool(s.illustrative);
        }
        Record::RiskParam(r) => {
            row.int(r.link).int(r.enterprise_id).opt_float(r.f).opt_float(r.d).opt_float(r.s).opt_float(r.ttr);
            match r.product {
                Some(b) => row.bool(b),
                None => row.null(),
            };
        }
        Record::EnterpriseMerge(m) => {
            row.int(m.id)
                .int(m.kept_id)
                .text(&m.removed_code)
                .text(&m.removed_name)
                .text_array(&m.removed_aliases)
                .text(&m.reason)
                .text(&m.merged_at);
        }
        Record::AppUser(u) => {
            row.int(u.id).text(&u.username).text(&u.role);
            match u.enterprise_id {
                Some(id) => row.int(id),
                None => row.null(),
            };
            row.text(&u.password_hash).text(&u.created_at);
        }
        Record::AuditLog(a) => {
            row.int(a.id)
                .text(&a.at)
                .opt_text(a.username.as_deref())
                .text(&a.action)
                .text(&a.target)
                .text(&a.detail.to_string());
        }
        Record::Demand(d) => {
            let regions: Vec<String> = d.excluded_regions.iter().map(u32::to_string).collect();
            row.int(d.id)
                .int(d.buyer_id)
                .int(d.link)
                .text(&d.product)
                .int(d.quantity)
                .text(&d.due)
                .text(&d.created)
                .int(i64::from(d.delivery_region))
                .text_array(&d.certifications)
                .text_array(&d.excluded_suppliers)
                .text_array(&regions)
                .int(d.priority)
                .text(&d.status)
                .opt_text(d.note.as_deref());
        }
        Record::Offer(o) => {
            row.int(o.id)
                .int(o.supplier_id)
                .int(o.link)
                .int(o.quantity)
                .text(&o.available_from)
                .text(&o.available_until)
                .float(o.unit_price)
                .int(o.lead_time_days);
        }
        Record::AllocationRequest(r) => {
            row.int(r.id)
                .int(r.demand_id)
                .int(r.supplier_id)
                .int(r.quantity)
                .float(r.unit_cost)
                .text(&r.status)
                .opt_text(r.reason.as_deref())
                .text(&r.created_at)
                .opt_text(r.responded_at.as_deref());
        }
        Record::Delivery(d) => {
            row.int(d.id).int(d.request_id).int(d.quantity).text(&d.delivered_on);
        }
    }
}

/// What the schema refused of a table that the reader let through, named by the table.
fn refused(table: Table, e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(m) | StoreError::Invalid(m) => {
            StoreError::Invalid(format!("a row of {table} is refused by the database: {m}"))
        }
        other => other,
    }
}

pub(crate) async fn restore(pool: &PgPool, input: &mut (dyn std::io::BufRead + Send)) -> Result<Header, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("cannot start a restore"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(REGISTRY_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot lock the registry"))?;
    let any = Table::ALL.iter().map(|t| format!("EXISTS (SELECT 1 FROM {})", t.name())).collect::<Vec<_>>();
    let found: bool =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT {} OR EXISTS (SELECT 1 FROM session)", any.join(" OR "))))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err("cannot check that the database is empty"))?;
    if found {
        return Err(StoreError::Conflict(
            "the database is not empty; restore an archive only into a new database (an existing one would mix two \
             databases' ids)"
                .into(),
        ));
    }
    let mut reader = ArchiveReader::new(input)?;
    // One COPY per table: rows come table by table, so a table's copy ends where the next table's rows begin.
    let mut pending = reader.next_record()?;
    while let Some(first) = pending.take() {
        let table = first.table();
        let mut copy = CopyStream::start(&mut tx, copy_sql(table)).await?;
        write(copy.row(), &first);
        copy.end_row().await.map_err(|e| refused(table, e))?;
        loop {
            match reader.next_record()? {
                Some(r) if r.table() == table => {
                    write(copy.row(), &r);
                    copy.end_row().await.map_err(|e| refused(table, e))?;
                }
                next => {
                    pending = next;
                    break;
                }
            }
        }
        copy.finish().await.map_err(|e| refused(table, e))?;
    }
    for t in IDENTITY_TABLES {
        let name = t.name();
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name} HAVING max(id) IS NOT NULL"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot move an id sequence"))?;
    }
    tx.commit().await.map_err(db_err("cannot commit the restore"))?;
    Ok(reader.header().clone())
}
