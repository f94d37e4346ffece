//! Supply–demand docking: demands, offers, allocation requests and deliveries (migration 0003).
//!
//! Every write is one transaction that checks first and writes after, so that a refused write leaves
//! nothing behind, its audit entry neither. Writes that touch a demand's requests lock the demand's row
//! first (`FOR UPDATE`), so that two servers answering, re-planning or delivering against one demand take
//! turns, and the demand's status is recomputed with [`chaindock_model::demand_status`] from what the
//! transaction sees.

use std::collections::HashMap;

use chaindock_model::{
    AllocationRequest, ChainId, CreditCode, Delivery, Demand, DemandStatus, LinkId, Offer, RegionCode, RequestStatus,
    Unit, demand_status,
};
use chaindock_store::{
    DemandQuery, NewAudit, NewRequest, RequestQuery, StoreError, SupplierRecord, add_excluded_regions, check_date,
    check_demand, check_new_requests, check_offer,
};
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgPool, PgRow};

use crate::accounts::append_audit;
use crate::{col, count, db_err, invalid, parse_region, region_int, utc_seconds};

/// The enterprise's row id and region, if it is stored.
async fn enterprise_key(conn: &mut PgConnection, code: &CreditCode) -> Result<Option<(i64, RegionCode)>, StoreError> {
    let row = sqlx::query("SELECT id, region FROM enterprise WHERE credit_code = $1")
        .bind(code.as_str())
        .fetch_optional(conn)
        .await
        .map_err(db_err("cannot look an enterprise up"))?;
    row.map(|r| Ok((col(&r, 0)?, parse_region(col(&r, 1)?)?))).transpose()
}

async fn stored_enterprise(
    conn: &mut PgConnection,
    field: &str,
    code: &CreditCode,
) -> Result<(i64, RegionCode), StoreError> {
    enterprise_key(conn, code)
        .await?
        .ok_or_else(|| StoreError::invalid_field(field, format!("enterprise {code} is not in the registry")))
}

/// The row id and name of `chain`'s link `link`, checked against `unit`; `Invalid` naming `chain`, `link`
/// or `unit` otherwise.
async fn stored_link(
    conn: &mut PgConnection,
    chain: &ChainId,
    link: &LinkId,
    unit: &Unit,
) -> Result<(i64, String), StoreError> {
    let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM chain WHERE id = $1")
        .bind(chain.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("cannot look a chain up"))?;
    if known.is_none() {
        return Err(StoreError::invalid_field("chain", format!("there is no chain {chain}")));
    }
    let row = sqlx::query("SELECT id, name, unit FROM chain_link WHERE chain_id = $1 AND link_id = $2")
        .bind(chain.as_str())
        .bind(link.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("cannot look a link up"))?
        .ok_or_else(|| StoreError::invalid_field("link", format!("chain {chain} has no link {link}")))?;
    let (id, name, link_unit): (i64, String, String) = (col(&row, 0)?, col(&row, 1)?, col(&row, 2)?);
    if link_unit != unit.as_str() {
        return Err(StoreError::invalid_field(
            "unit",
            format!("the link {link} is measured in {link_unit}, not {unit}"),
        ));
    }
    Ok((id, name))
}

const DEMAND_SELECT: &str = "SELECT d.id, e.credit_code, l.chain_id, l.link_id, d.product, d.quantity, l.unit,
       d.due, d.created, d.delivery_region, d.certifications, d.excluded_suppliers, d.excluded_regions,
       d.priority, d.status, d.note
     FROM demand d JOIN enterprise e ON e.id = d.buyer_id JOIN chain_link l ON l.id = d.link";

fn decode_demand(r: &PgRow) -> Result<Demand, StoreError> {
    let (buyer, chain, link, unit, status): (String, String, String, String, String) =
        (col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 6)?, col(r, 14)?);
    let excluded_suppliers: Vec<String> = col(r, 11)?;
    let excluded_regions: Vec<i32> = col(r, 12)?;
    let priority: i32 = col(r, 13)?;
    Ok(Demand {
        id: col(r, 0)?,
        buyer: CreditCode::parse(&buyer).map_err(invalid)?,
        chain: ChainId::parse(&chain).map_err(invalid)?,
        link: LinkId::parse(&link).map_err(invalid)?,
        product: col(r, 4)?,
        quantity: count(col(r, 5)?),
        unit: Unit::parse(&unit).map_err(invalid)?,
        due: col(r, 7)?,
        created: col(r, 8)?,
        delivery_region: parse_region(col(r, 9)?)?,
        certifications: col(r, 10)?,
        excluded_suppliers: excluded_suppliers
            .iter()
            .map(|c| CreditCode::parse(c).map_err(invalid))
            .collect::<Result<_, _>>()?,
        excluded_regions: excluded_regions.into_iter().map(parse_region).collect::<Result<_, _>>()?,
        priority: u8::try_from(priority).map_err(|_| StoreError::Invalid(format!("stored priority {priority}")))?,
        status: DemandStatus::parse(&status).map_err(invalid)?,
        note: col(r, 15)?,
    })
}

pub(crate) async fn read_demand(conn: &mut PgConnection, id: i64) -> Result<Demand, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{DEMAND_SELECT} WHERE d.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err("cannot read a demand"))?
        .ok_or_else(|| StoreError::NotFound { what: "demand", key: id.to_string() })?;
    decode_demand(&row)
}

/// Lock demand `id`'s row for the rest of the transaction; `NotFound` when there is none.
async fn lock_demand(conn: &mut PgConnection, id: i64) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM demand WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err("cannot lock a demand"))?;
    found.map(|_| ()).ok_or_else(|| StoreError::NotFound { what: "demand", key: id.to_string() })
}

fn request_select() -> String {
    format!(
        "SELECT r.id, r.demand_id, e.credit_code, r.quantity, r.unit_cost, r.status, r.reason, {}, {},
           (SELECT coalesce(sum(v.quantity), 0)::bigint FROM delivery v WHERE v.request_id = r.id)
         FROM allocation_request r JOIN enterprise e ON e.id = r.supplier_id",
        utc_seconds("r.created_at"),
        utc_seconds("r.responded_at")
    )
}

fn decode_request(r: &PgRow) -> Result<AllocationRequest, StoreError> {
    let (supplier, status): (String, String) = (col(r, 2)?, col(r, 5)?);
    Ok(AllocationRequest {
        id: col(r, 0)?,
        demand: col(r, 1)?,
        supplier: CreditCode::parse(&supplier).map_err(invalid)?,
        quantity: count(col(r, 3)?),
        unit_cost: col(r, 4)?,
        status: RequestStatus::parse(&status).map_err(invalid)?,
        reason: col(r, 6)?,
        created_at: col(r, 7)?,
        responded_at: col(r, 8)?,
        delivered: count(col(r, 9)?),
    })
}

/// The requests of one demand (`demand` set) or one request (`id` set), or those `q` selects; by id.
async fn query_requests(
    conn: &mut PgConnection,
    id: Option<i64>,
    q: &RequestQuery,
) -> Result<Vec<AllocationRequest>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{} WHERE ($1::bigint IS NULL OR r.id = $1) AND ($2::bigint IS NULL OR r.demand_id = $2)
           AND ($3::text IS NULL OR e.credit_code = $3) AND ($4::text IS NULL OR r.status = $4)
         ORDER BY r.id",
        request_select()
    )))
    .bind(id)
    .bind(q.demand)
    .bind(q.supplier.as_ref().map(|c| c.as_str()))
    .bind(q.status.map(|s| s.as_str()))
    .fetch_all(conn)
    .await
    .map_err(db_err("cannot read requests"))?;
    rows.iter().map(decode_request).collect()
}

async fn read_request(conn: &mut PgConnection, id: i64) -> Result<AllocationRequest, StoreError> {
    query_requests(conn, Some(id), &RequestQuery::default())
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound { what: "request", key: id.to_string() })
}

/// Recompute the status of demand `id` from its requests and store it; the demand as it now is.
async fn recompute_status(conn: &mut PgConnection, id: i64) -> Result<Demand, StoreError> {
    let mut d = read_demand(conn, id).await?;
    let requests = query_requests(conn, None, &RequestQuery { demand: Some(id), ..Default::default() }).await?;
    let status = demand_status(&d, &requests);
    if status != d.status {
        sqlx::query("UPDATE demand SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db_err("cannot update a demand's status"))?;
        d.status = status;
    }
    Ok(d)
}

pub(crate) async fn create_demand(pool: &PgPool, d: &Demand, audit: &NewAudit) -> Result<Demand, StoreError> {
    check_demand(d)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot post a demand"))?;
    let (buyer_id, _) = stored_enterprise(&mut tx, "buyer", &d.buyer).await?;
    let (link_id, link_name) = stored_link(&mut tx, &d.chain, &d.link, &d.unit).await?;
    for code in &d.excluded_suppliers {
        stored_enterprise(&mut tx, "excluded_suppliers", code).await?;
    }
    let product = if d.product.trim().is_empty() { link_name } else { d.product.clone() };
    let excluded_suppliers: Vec<&str> = d.excluded_suppliers.iter().map(CreditCode::as_str).collect();
    let excluded_regions: Vec<i32> = d.excluded_regions.iter().map(|r| region_int(*r)).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO demand (buyer_id, link, product, quantity, due, created, delivery_region, certifications,
           excluded_suppliers, excluded_regions, priority, status, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12) RETURNING id",
    )
    .bind(buyer_id)
    .bind(link_id)
    .bind(&product)
    .bind(d.quantity as i64)
    .bind(d.due)
    .bind(d.created)
    .bind(region_int(d.delivery_region))
    .bind(&d.certifications)
    .bind(&excluded_suppliers)
    .bind(&excluded_regions)
    .bind(i32::from(d.priority))
    .bind(&d.note)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("cannot write a demand"))?;
    append_audit(&mut tx, audit).await?;
    let created = read_demand(&mut tx, id).await?;
    tx.commit().await.map_err(db_err("cannot commit a demand"))?;
    Ok(created)
}

pub(crate) async fn demands(pool: &PgPool, q: &DemandQuery) -> Result<Vec<Demand>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{DEMAND_SELECT} WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR e.credit_code = $2)
           AND ($3::bigint[] IS NULL OR d.id = ANY($3))
         ORDER BY d.priority, d.due, d.id"
    )))
    .bind(q.status.map(|s| s.as_str()))
    .bind(q.buyer.as_ref().map(|b| b.as_str()))
    .bind(q.ids.as_ref())
    .fetch_all(pool)
    .await
    .map_err(db_err("cannot list demands"))?;
    rows.iter().map(decode_demand).collect()
}

pub(crate) async fn cancel_demand(pool: &PgPool, id: i64, audit: &NewAudit) -> Result<Demand, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("cannot cancel a demand"))?;
    lock_demand(&mut tx, id).await?;
    let d = read_demand(&mut tx, id).await?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::Conflict(format!("demand {id} was already {}", d.status.as_str())));
    }
    sqlx::query("UPDATE allocation_request SET status = 'cancelled' WHERE demand_id = $1 AND status = 'pending'")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot withdraw requests"))?;
    sqlx::query("UPDATE demand SET status = 'cancelled' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot cancel a demand"))?;
    append_audit(&mut tx, audit).await?;
    let d = read_demand(&mut tx, id).await?;
    tx.commit().await.map_err(db_err("cannot commit a cancellation"))?;
    Ok(d)
}

const OFFER_SELECT: &str = "SELECT o.id, e.credit_code, l.chain_id, l.link_id, o.quantity, l.unit,
       o.available_from, o.available_until, o.unit_price, o.lead_time_days
     FROM offer o JOIN enterprise e ON e.id = o.supplier_id JOIN chain_link l ON l.id = o.link";

fn decode_offer(r: &PgRow) -> Result<Offer, StoreError> {
    let (supplier, chain, link, unit): (String, String, String, String) =
        (col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 5)?);
    let lead_time_days: i32 = col(r, 9)?;
    Ok(Offer {
        id: col(r, 0)?,
        supplier: CreditCode::parse(&supplier).map_err(invalid)?,
        chain: ChainId::parse(&chain).map_err(invalid)?,
        link: LinkId::parse(&link).map_err(invalid)?,
        quantity: count(col(r, 4)?),
        unit: Unit::parse(&unit).map_err(invalid)?,
        available_from: col(r, 6)?,
        available_until: col(r, 7)?,
        unit_price: col(r, 8)?,
        lead_time_days: u32::try_from(lead_time_days)
            .map_err(|_| StoreError::Invalid(format!("stored lead time {lead_time_days}")))?,
    })
}

async fn query_offers(
    conn: &mut PgConnection,
    id: Option<i64>,
    chain: Option<&ChainId>,
    link: Option<&LinkId>,
) -> Result<Vec<Offer>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{OFFER_SELECT} WHERE ($1::bigint IS NULL OR o.id = $1) AND ($2::text IS NULL OR l.chain_id = $2)
           AND ($3::text IS NULL OR l.link_id = $3)
         ORDER BY o.id"
    )))
    .bind(id)
    .bind(chain.map(|c| c.as_str()))
    .bind(link.map(|l| l.as_str()))
    .fetch_all(conn)
    .await
    .map_err(db_err("cannot read offers"))?;
    rows.iter().map(decode_offer).collect()
}

pub(crate) async fn create_offer(pool: &PgPool, o: &Offer, audit: &NewAudit) -> Result<Offer, StoreError> {
    check_offer(o)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot store an offer"))?;
    let (supplier_id, _) = stored_enterprise(&mut tx, "supplier", &o.supplier).await?;
    let (link_id, _) = stored_link(&mut tx, &o.chain, &o.link, &o.unit).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO offer (supplier_id, link, quantity, available_from, available_until, unit_price, lead_time_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(supplier_id)
    .bind(link_id)
    .bind(o.quantity as i64)
    .bind(o.available_from)
    .bind(o.available_until)
    .bind(o.unit_price)
    .bind(o.lead_time_days as i32)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("cannot write an offer"))?;
    append_audit(&mut tx, audit).await?;
    let created = query_offers(&mut tx, Some(id), None, None)
        .await?
        .pop()
        .ok_or_else(|| StoreError::Invalid(format!("offer {id} vanished while it was stored")))?;
    tx.commit().await.map_err(db_err("cannot commit an offer"))?;
    Ok(created)
}

pub(crate) async fn offers(
    pool: &PgPool,
    chain: Option<&ChainId>,
    link: Option<&LinkId>,
) -> Result<Vec<Offer>, StoreError> {
    let mut c = pool.acquire().await.map_err(db_err("cannot reach the database"))?;
    query_offers(&mut c, None, chain, link).await
}

/// Why `d` does not admit `supplier`, in words, if it does not.
fn refusal(d: &Demand, supplier: &CreditCode, region: RegionCode) -> Option<String> {
    if d.admits(supplier, region) {
        return None;
    }
    Some(if supplier == &d.buyer {
        format!("enterprise {supplier} is the buyer of demand {}", d.id)
    } else if d.excluded_suppliers.contains(supplier) {
        format!("demand {} excludes enterprise {supplier}", d.id)
    } else {
        let r = d.excluded_regions.iter().find(|r| r.contains(region)).map_or(String::new(), |r| format!(" {r}"));
        format!("enterprise {supplier} lies in region {region}, which demand {} excludes{r}", d.id)
    })
}

pub(crate) async fn send_requests(
    pool: &PgPool,
    demand: i64,
    requests: &[NewRequest],
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    write_requests(pool, demand, requests, false, audit).await
}

pub(crate) async fn add_requests(
    pool: &PgPool,
    demand: i64,
    requests: &[NewRequest],
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    write_requests(pool, demand, requests, true, audit).await
}

/// [`send_requests`] (`keep_pending` false: the pending requests are withdrawn and the new ones replace
/// them) and [`add_requests`] (true: the new ones join the pending ones, which count against the quantity).
async fn write_requests(
    pool: &PgPool,
    demand: i64,
    requests: &[NewRequest],
    keep_pending: bool,
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    check_new_requests(requests)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot send requests"))?;
    lock_demand(&mut tx, demand).await?;
    let d = read_demand(&mut tx, demand).await?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::invalid_field(
            "demand",
            format!("demand {demand} is {}: no more requests can be sent for it", d.status.as_str()),
        ));
    }
    let mut suppliers = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let (id, region) = enterprise_key(&mut tx, &r.supplier).await?.ok_or_else(|| {
            StoreError::invalid_field(
                "supplier",
                format!("request {}: enterprise {} is not in the registry", i + 1, r.supplier),
            )
        })?;
        if let Some(why) = refusal(&d, &r.supplier, region) {
            return Err(StoreError::invalid_field("supplier", format!("request {}: {why}", i + 1)));
        }
        suppliers.push(id);
    }
    let sums = sqlx::query(
        "SELECT coalesce(sum(quantity) FILTER (WHERE status = 'accepted'), 0)::bigint,
                coalesce(sum(quantity) FILTER (WHERE status = 'pending'), 0)::bigint
         FROM allocation_request WHERE demand_id = $1",
    )
    .bind(demand)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("cannot sum accepted requests"))?;
    let (accepted, pending): (i64, i64) = (col(&sums, 0)?, col(&sums, 1)?);
    let asked: u128 = requests.iter().map(|r| u128::from(r.quantity)).sum();
    let pending = if keep_pending { count(pending) } else { 0 };
    if asked + u128::from(count(accepted)) + u128::from(pending) > u128::from(d.quantity) {
        let and_pending = if keep_pending { format!(", {pending} are pending") } else { String::new() };
        return Err(StoreError::invalid_field(
            "quantity",
            format!(
                "the requests ask for {asked} {unit}{and_pending} and {accepted} are accepted already: more than the {} {unit} of demand {demand}",
                d.quantity,
                unit = d.unit
            ),
        ));
    }
    if !keep_pending {
        sqlx::query("UPDATE allocation_request SET status = 'cancelled' WHERE demand_id = $1 AND status = 'pending'")
            .bind(demand)
            .execute(&mut *tx)
            .await
            .map_err(db_err("cannot withdraw pending requests"))?;
    }
    let mut ids = Vec::with_capacity(requests.len());
    for (r, supplier_id) in requests.iter().zip(suppliers) {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO allocation_request (demand_id, supplier_id, quantity, unit_cost) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(demand)
        .bind(supplier_id)
        .bind(r.quantity as i64)
        .bind(r.unit_cost)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("cannot write a request"))?;
        ids.push(id);
    }
    recompute_status(&mut tx, demand).await?;
    append_audit(&mut tx, audit).await?;
    let mut sent = Vec::with_capacity(ids.len());
    for id in ids {
        sent.push(read_request(&mut tx, id).await?);
    }
    tx.commit().await.map_err(db_err("cannot commit requests"))?;
    Ok(sent)
}

pub(crate) async fn exclude_regions(
    pool: &PgPool,
    demand: i64,
    regions: &[RegionCode],
    audit: &NewAudit,
) -> Result<Demand, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("cannot exclude regions"))?;
    lock_demand(&mut tx, demand).await?;
    let d = read_demand(&mut tx, demand).await?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::invalid_field(
            "demand",
            format!("demand {demand} is {}: its exclusions no longer matter", d.status.as_str()),
        ));
    }
    let list = add_excluded_regions(&d.excluded_regions, regions);
    if list != d.excluded_regions {
        let codes: Vec<i32> = list.iter().map(|r| region_int(*r)).collect();
        sqlx::query("UPDATE demand SET excluded_regions = $1 WHERE id = $2")
            .bind(&codes)
            .bind(demand)
            .execute(&mut *tx)
            .await
            .map_err(db_err("cannot store excluded regions"))?;
    }
    append_audit(&mut tx, audit).await?;
    let d = read_demand(&mut tx, demand).await?;
    tx.commit().await.map_err(db_err("cannot commit excluded regions"))?;
    Ok(d)
}

pub(crate) async fn requests(pool: &PgPool, q: &RequestQuery) -> Result<Vec<AllocationRequest>, StoreError> {
    let mut c = pool.acquire().await.map_err(db_err("cannot reach the database"))?;
    query_requests(&mut c, None, q).await
}

/// The demand a request belongs to (a request never changes demand), then that demand locked.
async fn lock_demand_of(conn: &mut PgConnection, request: i64) -> Result<(), StoreError> {
    let demand: i64 = sqlx::query_scalar("SELECT demand_id FROM allocation_request WHERE id = $1")
        .bind(request)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("cannot read a request"))?
        .ok_or_else(|| StoreError::NotFound { what: "request", key: request.to_string() })?;
    lock_demand(conn, demand).await
}

pub(crate) async fn respond_request(
    pool: &PgPool,
    id: i64,
    accept: bool,
    reason: Option<&str>,
    audit: &NewAudit,
) -> Result<AllocationRequest, StoreError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let mut tx = pool.begin().await.map_err(db_err("cannot answer a request"))?;
    lock_demand_of(&mut tx, id).await?;
    let r = read_request(&mut tx, id).await?;
    if r.status != RequestStatus::Pending {
        return Err(StoreError::Conflict(format!("request {id} was already {}", r.status.as_str())));
    }
    if !accept && reason.is_none() {
        return Err(StoreError::invalid_field("reason", format!("declining request {id} needs a reason")));
    }
    let status = if accept { RequestStatus::Accepted } else { RequestStatus::Declined };
    sqlx::query("UPDATE allocation_request SET status = $1, reason = $2, responded_at = now() WHERE id = $3")
        .bind(status.as_str())
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot answer a request"))?;
    recompute_status(&mut tx, r.demand).await?;
    append_audit(&mut tx, audit).await?;
    let answered = read_request(&mut tx, id).await?;
    tx.commit().await.map_err(db_err("cannot commit an answer"))?;
    Ok(answered)
}

pub(crate) async fn record_delivery(
    pool: &PgPool,
    request: i64,
    quantity: u64,
    on: NaiveDate,
    audit: &NewAudit,
) -> Result<Delivery, StoreError> {
    if quantity == 0 {
        return Err(StoreError::invalid_field("quantity", "a delivery is of at least 1 unit"));
    }
    check_date("delivered_on", on)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot record a delivery"))?;
    lock_demand_of(&mut tx, request).await?;
    let r = read_request(&mut tx, request).await?;
    if r.status != RequestStatus::Accepted {
        return Err(StoreError::invalid_field(
            "request",
            format!("request {request} is {}: deliveries count against accepted requests only", r.status.as_str()),
        ));
    }
    if u128::from(r.delivered) + u128::from(quantity) > u128::from(r.quantity) {
        return Err(StoreError::invalid_field(
            "quantity",
            format!(
                "request {request} is for {} units and {} are delivered already: {quantity} more is too many",
                r.quantity, r.delivered
            ),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO delivery (request_id, quantity, delivered_on) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(request)
    .bind(quantity as i64)
    .bind(on)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("cannot write a delivery"))?;
    recompute_status(&mut tx, r.demand).await?;
    append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err("cannot commit a delivery"))?;
    Ok(Delivery { id, request, quantity, delivered_on: on })
}

pub(crate) async fn supplier_records(pool: &PgPool) -> Result<HashMap<CreditCode, SupplierRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.credit_code, a.accepted, a.declined, a.requested,
           (SELECT coalesce(sum(v.quantity), 0)::bigint FROM allocation_request r
              JOIN delivery v ON v.request_id = r.id WHERE r.supplier_id = a.supplier_id)
         FROM (SELECT supplier_id, count(*) FILTER (WHERE status = 'accepted') AS accepted,
                 count(*) FILTER (WHERE status = 'declined') AS declined,
                 coalesce(sum(quantity) FILTER (WHERE status <> 'cancelled'), 0)::bigint AS requested
               FROM allocation_request GROUP BY supplier_id) a
         JOIN enterprise e ON e.id = a.supplier_id",
    )
    .fetch_all(pool)
    .await
    .map_err(db_err("cannot read supplier records"))?;
    rows.iter()
        .map(|r| {
            let code: String = col(r, 0)?;
            Ok((
                CreditCode::parse(&code).map_err(invalid)?,
                SupplierRecord {
                    accepted: count(col(r, 1)?),
                    declined: count(col(r, 2)?),
                    requested_units: count(col(r, 3)?),
                    delivered_units: count(col(r, 4)?),
                },
            ))
        })
        .collect()
}

/// The docking part of a merge: `remove`'s demands, offers and requests become `keep`'s, and demands that
/// excluded `remove` exclude `keep` instead (once).
pub(crate) async fn merge_docking(
    conn: &mut PgConnection,
    keep_id: i64,
    remove_id: i64,
    keep: &CreditCode,
    remove: &CreditCode,
) -> Result<(), StoreError> {
    let e = db_err("cannot move docking rows");
    for sql in [
        "UPDATE demand SET buyer_id = $1 WHERE buyer_id = $2",
        "UPDATE offer SET supplier_id = $1 WHERE supplier_id = $2",
        "UPDATE allocation_request SET supplier_id = $1 WHERE supplier_id = $2",
    ] {
        sqlx::query(sql).bind(keep_id).bind(remove_id).execute(&mut *conn).await.map_err(&e)?;
    }
    let excluding = sqlx::query("SELECT id, excluded_suppliers FROM demand WHERE $1 = ANY(excluded_suppliers)")
        .bind(remove.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(&e)?;
    for r in excluding {
        let (id, stored): (i64, Vec<String>) = (col(&r, 0)?, col(&r, 1)?);
        let mut codes: Vec<String> = Vec::new();
        for c in stored {
            let c = if c == remove.as_str() { keep.to_string() } else { c };
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        sqlx::query("UPDATE demand SET excluded_suppliers = $1 WHERE id = $2")
            .bind(&codes)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(&e)?;
    }
    Ok(())
}
