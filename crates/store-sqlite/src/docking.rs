//! Supply–demand docking: demands, offers, allocation requests and deliveries (migration 0004).
//!
//! Every write is one `BEGIN IMMEDIATE` transaction that checks first and writes after, so that a refused
//! write leaves nothing behind, its audit entry neither. A demand's status is recomputed with
//! [`chaindock_model::demand_status`] from its requests inside the transaction that changed them.

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
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::{append_audit, invalid, sql_err};

fn write_tx<'c>(conn: &'c mut Connection, what: &'static str) -> Result<Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err(what))
}

fn date_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| StoreError::Invalid(format!("stored date {s:?}: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::other("cannot encode a list", e))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Invalid(format!("stored {what}: {e}")))
}

/// A stored count as the model's unsigned one (the columns are CHECKed positive).
fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// The enterprise's row id and region, if it is stored.
fn enterprise_key(conn: &Connection, code: &CreditCode) -> Result<Option<(i64, RegionCode)>, StoreError> {
    let row: Option<(i64, u32)> = conn
        .prepare_cached("SELECT id, region FROM enterprise WHERE credit_code = ?1")
        .and_then(|mut st| st.query_row([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(sql_err("cannot look an enterprise up"))?;
    row.map(|(id, region)| Ok((id, RegionCode::parse(&region.to_string()).map_err(invalid)?))).transpose()
}

fn stored_enterprise(conn: &Connection, field: &str, code: &CreditCode) -> Result<(i64, RegionCode), StoreError> {
    enterprise_key(conn, code)?
        .ok_or_else(|| StoreError::invalid_field(field, format!("enterprise {code} is not in the registry")))
}

/// The row id and name of `chain`'s link `link`, checked against `unit`; `Invalid` naming `chain`, `link`
/// or `unit` otherwise.
fn stored_link(conn: &Connection, chain: &ChainId, link: &LinkId, unit: &Unit) -> Result<(i64, String), StoreError> {
    let known = conn
        .prepare_cached("SELECT 1 FROM chain WHERE id = ?1")
        .and_then(|mut st| st.exists([chain.as_str()]))
        .map_err(sql_err("cannot look a chain up"))?;
    if !known {
        return Err(StoreError::invalid_field("chain", format!("there is no chain {chain}")));
    }
    let row: Option<(i64, String, String)> = conn
        .prepare_cached("SELECT id, name, unit FROM chain_link WHERE chain_id = ?1 AND link_id = ?2")
        .and_then(|mut st| {
            st.query_row([chain.as_str(), link.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
        })
        .map_err(sql_err("cannot look a link up"))?;
    let (id, name, link_unit) =
        row.ok_or_else(|| StoreError::invalid_field("link", format!("chain {chain} has no link {link}")))?;
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

fn decode_demand(r: &Row<'_>) -> rusqlite::Result<Result<Demand, StoreError>> {
    let (id, buyer, chain, link, product, quantity): (i64, String, String, String, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    let (unit, due, created, region): (String, String, String, u32) = (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
    let (certifications, excluded_suppliers, excluded_regions): (String, String, String) =
        (r.get(10)?, r.get(11)?, r.get(12)?);
    let (priority, status, note): (u8, String, Option<String>) = (r.get(13)?, r.get(14)?, r.get(15)?);
    Ok((|| {
        let excluded_suppliers: Vec<String> = from_json("excluded suppliers", &excluded_suppliers)?;
        let excluded_regions: Vec<u32> = from_json("excluded regions", &excluded_regions)?;
        Ok(Demand {
            id,
            buyer: CreditCode::parse(&buyer).map_err(invalid)?,
            chain: ChainId::parse(&chain).map_err(invalid)?,
            link: LinkId::parse(&link).map_err(invalid)?,
            product,
            quantity: count(quantity),
            unit: Unit::parse(&unit).map_err(invalid)?,
            due: parse_date(&due)?,
            created: parse_date(&created)?,
            delivery_region: RegionCode::parse(&region.to_string()).map_err(invalid)?,
            certifications: from_json("certifications", &certifications)?,
            excluded_suppliers: excluded_suppliers
                .iter()
                .map(|c| CreditCode::parse(c).map_err(invalid))
                .collect::<Result<_, _>>()?,
            excluded_regions: excluded_regions
                .iter()
                .map(|c| RegionCode::parse(&c.to_string()).map_err(invalid))
                .collect::<Result<_, _>>()?,
            priority,
            status: DemandStatus::parse(&status).map_err(invalid)?,
            note,
        })
    })())
}

fn read_demand(conn: &Connection, id: i64) -> Result<Demand, StoreError> {
    conn.prepare_cached(&format!("{DEMAND_SELECT} WHERE d.id = ?1"))
        .and_then(|mut st| st.query_row([id], decode_demand).optional())
        .map_err(sql_err("cannot read a demand"))?
        .ok_or_else(|| StoreError::NotFound { what: "demand", key: id.to_string() })?
}

const REQUEST_SELECT: &str = "SELECT r.id, r.demand_id, e.credit_code, r.quantity, r.unit_cost, r.status,
       r.reason, r.created_at, r.responded_at,
       (SELECT coalesce(sum(v.quantity), 0) FROM delivery v WHERE v.request_id = r.id)
     FROM allocation_request r JOIN enterprise e ON e.id = r.supplier_id";

fn decode_request(r: &Row<'_>) -> rusqlite::Result<Result<AllocationRequest, StoreError>> {
    let (id, demand, supplier, quantity, unit_cost): (i64, i64, String, i64, f64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (status, reason, created_at, responded_at, delivered): (String, _, _, _, i64) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
    Ok((|| {
        Ok(AllocationRequest {
            id,
            demand,
            supplier: CreditCode::parse(&supplier).map_err(invalid)?,
            quantity: count(quantity),
            unit_cost,
            status: RequestStatus::parse(&status).map_err(invalid)?,
            reason,
            created_at,
            responded_at,
            delivered: count(delivered),
        })
    })())
}

fn query_requests(conn: &Connection, filter: &str, args: &[Value]) -> Result<Vec<AllocationRequest>, StoreError> {
    let mut st = conn
        .prepare_cached(&format!("{REQUEST_SELECT} WHERE {filter} ORDER BY r.id"))
        .map_err(sql_err("cannot read requests"))?;
    let rows: Vec<Result<AllocationRequest, StoreError>> = st
        .query_map(rusqlite::params_from_iter(args), decode_request)
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read requests"))?;
    rows.into_iter().collect()
}

fn read_request(conn: &Connection, id: i64) -> Result<AllocationRequest, StoreError> {
    query_requests(conn, "r.id = ?", &[Value::Integer(id)])?
        .pop()
        .ok_or_else(|| StoreError::NotFound { what: "request", key: id.to_string() })
}

/// Recompute the status of demand `id` from its requests and store it; the demand as it now is.
fn recompute_status(tx: &Transaction<'_>, id: i64) -> Result<Demand, StoreError> {
    let mut d = read_demand(tx, id)?;
    let requests = query_requests(tx, "r.demand_id = ?", &[Value::Integer(id)])?;
    let status = demand_status(&d, &requests);
    if status != d.status {
        tx.execute("UPDATE demand SET status = ?1 WHERE id = ?2", params![status.as_str(), id])
            .map_err(sql_err("cannot update a demand's status"))?;
        d.status = status;
    }
    Ok(d)
}

pub(crate) fn create_demand(conn: &mut Connection, d: &Demand, audit: &NewAudit) -> Result<Demand, StoreError> {
    check_demand(d)?;
    let tx = write_tx(conn, "cannot post a demand")?;
    let (buyer_id, _) = stored_enterprise(&tx, "buyer", &d.buyer)?;
    let (link_id, link_name) = stored_link(&tx, &d.chain, &d.link, &d.unit)?;
    for code in &d.excluded_suppliers {
        stored_enterprise(&tx, "excluded_suppliers", code)?;
    }
    let product = if d.product.trim().is_empty() { link_name } else { d.product.clone() };
    let excluded_suppliers: Vec<&str> = d.excluded_suppliers.iter().map(CreditCode::as_str).collect();
    let excluded_regions: Vec<u32> = d.excluded_regions.iter().map(|r| r.as_u32()).collect();
    tx.execute(
        "INSERT INTO demand (buyer_id, link, product, quantity, due, created, delivery_region, certifications,
           excluded_suppliers, excluded_regions, priority, status, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12)",
        params![
            buyer_id,
            link_id,
            product,
            d.quantity as i64,
            date_text(d.due),
            date_text(d.created),
            d.delivery_region.as_u32(),
            to_json(&d.certifications)?,
            to_json(&excluded_suppliers)?,
            to_json(&excluded_regions)?,
            d.priority,
            d.note
        ],
    )
    .map_err(sql_err("cannot write a demand"))?;
    let id = tx.last_insert_rowid();
    append_audit(&tx, audit)?;
    let created = read_demand(&tx, id)?;
    tx.commit().map_err(sql_err("cannot commit a demand"))?;
    Ok(created)
}

pub(crate) fn demand(conn: &Connection, id: i64) -> Result<Demand, StoreError> {
    read_demand(conn, id)
}

pub(crate) fn demands(conn: &Connection, q: &DemandQuery) -> Result<Vec<Demand>, StoreError> {
    let mut filter = String::from(" WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(s) = q.status {
        filter.push_str(" AND d.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(b) = &q.buyer {
        filter.push_str(" AND e.credit_code = ?");
        args.push(Value::Text(b.to_string()));
    }
    if let Some(ids) = &q.ids {
        filter.push_str(" AND d.id IN (SELECT value FROM json_each(?))");
        args.push(Value::Text(to_json(ids)?));
    }
    let mut st = conn
        .prepare(&format!("{DEMAND_SELECT}{filter} ORDER BY d.priority, d.due, d.id"))
        .map_err(sql_err("cannot list demands"))?;
    let rows: Vec<Result<Demand, StoreError>> = st
        .query_map(rusqlite::params_from_iter(&args), decode_demand)
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot list demands"))?;
    rows.into_iter().collect()
}

pub(crate) fn cancel_demand(conn: &mut Connection, id: i64, audit: &NewAudit) -> Result<Demand, StoreError> {
    let tx = write_tx(conn, "cannot cancel a demand")?;
    let d = read_demand(&tx, id)?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::Conflict(format!("demand {id} was already {}", d.status.as_str())));
    }
    tx.execute("UPDATE allocation_request SET status = 'cancelled' WHERE demand_id = ?1 AND status = 'pending'", [id])
        .map_err(sql_err("cannot withdraw requests"))?;
    tx.execute("UPDATE demand SET status = 'cancelled' WHERE id = ?1", [id])
        .map_err(sql_err("cannot cancel a demand"))?;
    append_audit(&tx, audit)?;
    let d = read_demand(&tx, id)?;
    tx.commit().map_err(sql_err("cannot commit a cancellation"))?;
    Ok(d)
}

const OFFER_SELECT: &str = "SELECT o.id, e.credit_code, l.chain_id, l.link_id, o.quantity, l.unit,
       o.available_from, o.available_until, o.unit_price, o.lead_time_days
     FROM offer o JOIN enterprise e ON e.id = o.supplier_id JOIN chain_link l ON l.id = o.link";

fn decode_offer(r: &Row<'_>) -> rusqlite::Result<Result<Offer, StoreError>> {
    let (id, supplier, chain, link, quantity, unit): (i64, String, String, String, i64, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    let (from, until, unit_price, lead_time_days): (String, String, f64, u32) =
        (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
    Ok((|| {
        Ok(Offer {
            id,
            supplier: CreditCode::parse(&supplier).map_err(invalid)?,
            chain: ChainId::parse(&chain).map_err(invalid)?,
            link: LinkId::parse(&link).map_err(invalid)?,
            quantity: count(quantity),
            unit: Unit::parse(&unit).map_err(invalid)?,
            available_from: parse_date(&from)?,
            available_until: parse_date(&until)?,
            unit_price,
            lead_time_days,
        })
    })())
}

fn query_offers(conn: &Connection, filter: &str, args: &[Value]) -> Result<Vec<Offer>, StoreError> {
    let mut st =
        conn.prepare_cached(&format!("{OFFER_SELECT} WHERE {filter} ORDER BY o.id")).map_err(sql_err("offers"))?;
    let rows: Vec<Result<Offer, StoreError>> = st
        .query_map(rusqlite::params_from_iter(args), decode_offer)
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read offers"))?;
    rows.into_iter().collect()
}

pub(crate) fn create_offer(conn: &mut Connection, o: &Offer, audit: &NewAudit) -> Result<Offer, StoreError> {
    check_offer(o)?;
    let tx = write_tx(conn, "cannot store an offer")?;
    let (supplier_id, _) = stored_enterprise(&tx, "supplier", &o.supplier)?;
    let (link_id, _) = stored_link(&tx, &o.chain, &o.link, &o.unit)?;
    tx.execute(
        "INSERT INTO offer (supplier_id, link, quantity, available_from, available_until, unit_price, lead_time_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            supplier_id,
            link_id,
            o.quantity as i64,
            date_text(o.available_from),
            date_text(o.available_until),
            o.unit_price,
            o.lead_time_days
        ],
    )
    .map_err(sql_err("cannot write an offer"))?;
    let id = tx.last_insert_rowid();
    append_audit(&tx, audit)?;
    let created = query_offers(&tx, "o.id = ?", &[Value::Integer(id)])?
        .pop()
        .ok_or_else(|| StoreError::Invalid(format!("offer {id} vanished while it was stored")))?;
    tx.commit().map_err(sql_err("cannot commit an offer"))?;
    Ok(created)
}

pub(crate) fn offers(
    conn: &Connection,
    chain: Option<&ChainId>,
    link: Option<&LinkId>,
) -> Result<Vec<Offer>, StoreError> {
    let mut filter = String::from("1 = 1");
    let mut args = Vec::new();
    if let Some(c) = chain {
        filter.push_str(" AND l.chain_id = ?");
        args.push(Value::Text(c.to_string()));
    }
    if let Some(l) = link {
        filter.push_str(" AND l.link_id = ?");
        args.push(Value::Text(l.to_string()));
    }
    query_offers(conn, &filter, &args)
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

pub(crate) fn send_requests(
    conn: &mut Connection,
    demand: i64,
    requests: &[NewRequest],
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    write_requests(conn, demand, requests, false, audit)
}

pub(crate) fn add_requests(
    conn: &mut Connection,
    demand: i64,
    requests: &[NewRequest],
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    write_requests(conn, demand, requests, true, audit)
}

/// [`send_requests`] (`keep_pending` false: the pending requests are withdrawn and the new ones replace
/// them) and [`add_requests`] (true: the new ones join the pending ones, which count against the quantity).
fn write_requests(
    conn: &mut Connection,
    demand: i64,
    requests: &[NewRequest],
    keep_pending: bool,
    audit: &NewAudit,
) -> Result<Vec<AllocationRequest>, StoreError> {
    check_new_requests(requests)?;
    let tx = write_tx(conn, "cannot send requests")?;
    let d = read_demand(&tx, demand)?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::invalid_field(
            "demand",
            format!("demand {demand} is {}: no more requests can be sent for it", d.status.as_str()),
        ));
    }
    let mut suppliers = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let (id, region) = enterprise_key(&tx, &r.supplier)?.ok_or_else(|| {
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
    let (accepted, pending): (i64, i64) = tx
        .query_row(
            "SELECT coalesce(sum(CASE WHEN status = 'accepted' THEN quantity END), 0),
                    coalesce(sum(CASE WHEN status = 'pending' THEN quantity END), 0)
             FROM allocation_request WHERE demand_id = ?1",
            [demand],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql_err("cannot sum accepted requests"))?;
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
        tx.execute(
            "UPDATE allocation_request SET status = 'cancelled' WHERE demand_id = ?1 AND status = 'pending'",
            [demand],
        )
        .map_err(sql_err("cannot withdraw pending requests"))?;
    }
    let mut ids = Vec::with_capacity(requests.len());
    {
        let mut st = tx
            .prepare_cached(
                "INSERT INTO allocation_request (demand_id, supplier_id, quantity, unit_cost) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(sql_err("cannot prepare a request write"))?;
        for (r, supplier_id) in requests.iter().zip(suppliers) {
            st.execute(params![demand, supplier_id, r.quantity as i64, r.unit_cost])
                .map_err(sql_err("cannot write a request"))?;
            ids.push(tx.last_insert_rowid());
        }
    }
    recompute_status(&tx, demand)?;
    append_audit(&tx, audit)?;
    let sent = ids.into_iter().map(|id| read_request(&tx, id)).collect::<Result<Vec<_>, _>>()?;
    tx.commit().map_err(sql_err("cannot commit requests"))?;
    Ok(sent)
}

pub(crate) fn exclude_regions(
    conn: &mut Connection,
    demand: i64,
    regions: &[RegionCode],
    audit: &NewAudit,
) -> Result<Demand, StoreError> {
    let tx = write_tx(conn, "cannot exclude regions")?;
    let d = read_demand(&tx, demand)?;
    if matches!(d.status, DemandStatus::Cancelled | DemandStatus::Delivered) {
        return Err(StoreError::invalid_field(
            "demand",
            format!("demand {demand} is {}: its exclusions no longer matter", d.status.as_str()),
        ));
    }
    let list = add_excluded_regions(&d.excluded_regions, regions);
    if list != d.excluded_regions {
        let codes: Vec<u32> = list.iter().map(|r| r.as_u32()).collect();
        tx.execute("UPDATE demand SET excluded_regions = ?1 WHERE id = ?2", params![to_json(&codes)?, demand])
            .map_err(sql_err("cannot store excluded regions"))?;
    }
    append_audit(&tx, audit)?;
    let d = read_demand(&tx, demand)?;
    tx.commit().map_err(sql_err("cannot commit excluded regions"))?;
    Ok(d)
}

pub(crate) fn requests(conn: &Connection, q: &RequestQuery) -> Result<Vec<AllocationRequest>, StoreError> {
    let mut filter = String::from("1 = 1");
    let mut args = Vec::new();
    if let Some(d) = q.demand {
        filter.push_str(" AND r.demand_id = ?");
        args.push(Value::Integer(d));
    }
    if let Some(s) = &q.supplier {
        filter.push_str(" AND e.credit_code = ?");
        args.push(Value::Text(s.to_string()));
    }
    if let Some(s) = q.status {
        filter.push_str(" AND r.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    query_requests(conn, &filter, &args)
}

pub(crate) fn respond_request(
    conn: &mut Connection,
    id: i64,
    accept: bool,
    reason: Option<&str>,
    audit: &NewAudit,
) -> Result<AllocationRequest, StoreError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let tx = write_tx(conn, "cannot answer a request")?;
    let r = read_request(&tx, id)?;
    if r.status != RequestStatus::Pending {
        return Err(StoreError::Conflict(format!("request {id} was already {}", r.status.as_str())));
    }
    if !accept && reason.is_none() {
        return Err(StoreError::invalid_field("reason", format!("declining request {id} needs a reason")));
    }
    let status = if accept { RequestStatus::Accepted } else { RequestStatus::Declined };
    tx.execute(
        "UPDATE allocation_request SET status = ?1, reason = ?2, responded_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         WHERE id = ?3",
        params![status.as_str(), reason, id],
    )
    .map_err(sql_err("cannot answer a request"))?;
    recompute_status(&tx, r.demand)?;
    append_audit(&tx, audit)?;
    let answered = read_request(&tx, id)?;
    tx.commit().map_err(sql_err("cannot commit an answer"))?;
    Ok(answered)
}

pub(crate) fn record_delivery(
    conn: &mut Connection,
    request: i64,
    quantity: u64,
    on: NaiveDate,
    audit: &NewAudit,
) -> Result<Delivery, StoreError> {
    if quantity == 0 {
        return Err(StoreError::invalid_field("quantity", "a delivery is of at least 1 unit"));
    }
    check_date("delivered_on", on)?;
    let tx = write_tx(conn, "cannot record a delivery")?;
    let r = read_request(&tx, request)?;
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
    tx.execute(
        "INSERT INTO delivery (request_id, quantity, delivered_on) VALUES (?1, ?2, ?3)",
        params![request, quantity as i64, date_text(on)],
    )
    .map_err(sql_err("cannot write a delivery"))?;
    let id = tx.last_insert_rowid();
    recompute_status(&tx, r.demand)?;
    append_audit(&tx, audit)?;
    tx.commit().map_err(sql_err("cannot commit a delivery"))?;
    Ok(Delivery { id, request, quantity, delivered_on: on })
}

pub(crate) fn supplier_records(conn: &Connection) -> Result<HashMap<CreditCode, SupplierRecord>, StoreError> {
    let mut st = conn
        .prepare(
            "SELECT e.credit_code, a.accepted, a.declined, a.requested,
               (SELECT coalesce(sum(v.quantity), 0) FROM allocation_request r
                  JOIN delivery v ON v.request_id = r.id WHERE r.supplier_id = a.supplier_id)
             FROM (SELECT supplier_id, sum(status = 'accepted') AS accepted, sum(status = 'declined') AS declined,
                     sum(CASE WHEN status <> 'cancelled' THEN quantity ELSE 0 END) AS requested
                   FROM allocation_request GROUP BY supplier_id) a
             JOIN enterprise e ON e.id = a.supplier_id",
        )
        .map_err(sql_err("cannot read supplier records"))?;
    let rows: Vec<(String, i64, i64, i64, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read supplier records"))?;
    rows.into_iter()
        .map(|(code, accepted, declined, requested, delivered)| {
            Ok((
                CreditCode::parse(&code).map_err(invalid)?,
                SupplierRecord {
                    accepted: count(accepted),
                    declined: count(declined),
                    requested_units: count(requested),
                    delivered_units: count(delivered),
                },
            ))
        })
        .collect()
}

/// The docking part of a merge: `remove`'s demands, offers and requests become `keep`'s, and demands that
/// excluded `remove` exclude `keep` instead.
pub(crate) fn merge_docking(
    tx: &Transaction<'_>,
    keep_id: i64,
    remove_id: i64,
    keep: &CreditCode,
    remove: &CreditCode,
) -> Result<(), StoreError> {
    let e = sql_err("cannot move docking rows");
    tx.execute("UPDATE demand SET buyer_id = ?1 WHERE buyer_id = ?2", params![keep_id, remove_id]).map_err(&e)?;
    tx.execute("UPDATE offer SET supplier_id = ?1 WHERE supplier_id = ?2", params![keep_id, remove_id]).map_err(&e)?;
    tx.execute("UPDATE allocation_request SET supplier_id = ?1 WHERE supplier_id = ?2", params![keep_id, remove_id])
        .map_err(&e)?;
    let excluding: Vec<(i64, String)> = {
        let mut st = tx
            .prepare(
                "SELECT d.id, d.excluded_suppliers FROM demand d
                 WHERE d.excluded_suppliers <> '[]'
                   AND EXISTS (SELECT 1 FROM json_each(d.excluded_suppliers) x WHERE x.value = ?1)",
            )
            .map_err(&e)?;
        st.query_map([remove.as_str()], |r| Ok((r.get(0)?, r.get(1)?))).and_then(Iterator::collect).map_err(&e)?
    };
    for (id, json) in excluding {
        let mut codes: Vec<String> = Vec::new();
        for c in from_json::<Vec<String>>("excluded suppliers", &json)? {
            let c = if c == remove.as_str() { keep.to_string() } else { c };
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        tx.execute("UPDATE demand SET excluded_suppliers = ?1 WHERE id = ?2", params![to_json(&codes)?, id])
            .map_err(&e)?;
    }
    Ok(())
}
