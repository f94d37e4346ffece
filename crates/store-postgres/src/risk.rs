//! Risk parameters of producers (issue 6): read by chain, written in batches (each row replacing its
//! producer's, an empty row deleting them) by [`set_risk`] with its audit entry and by an import.
//!
//! A batch is resolved to producer ids with one query over the whole batch (`unnest` of its keys joined to
//! the registry), so that a row naming no producer is reported by its position, as SQLite reports it, and
//! the writes are two statements whatever the batch's size.

use chaindock_model::{ChainId, CreditCode, LinkId, RiskParameters};
use chaindock_store::{NewAudit, StoreError, check_risk_parameters};
use sqlx::postgres::{PgConnection, PgPool};

use crate::{REGISTRY_LOCK, col, db_err, invalid};

/// Write `rows` (checked by [`check_risk_parameters`]) inside the caller's transaction. `Invalid`
/// (`producer`) for the first row, in the batch's order, that names no stored producer.
pub(crate) async fn write_risk(conn: &mut PgConnection, rows: &[RiskParameters]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let chains: Vec<&str> = rows.iter().map(|p| p.chain.as_str()).collect();
    let links: Vec<&str> = rows.iter().map(|p| p.link.as_str()).collect();
    let codes: Vec<&str> = rows.iter().map(|p| p.enterprise.as_str()).collect();
    // One row per batch row (ord from 1), with the producer's key where it is stored.
    let found = sqlx::query(
        "SELECT b.ord, p.link, p.enterprise_id
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS b (chain_id, link_id, code, ord)
         LEFT JOIN chain_link l ON l.chain_id = b.chain_id AND l.link_id = b.link_id
         LEFT JOIN enterprise e ON e.credit_code = b.code
         LEFT JOIN producer p ON p.link = l.id AND p.enterprise_id = e.id
         ORDER BY b.ord",
    )
    .bind(&chains)
    .bind(&links)
    .bind(&codes)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err("cannot look producers up"))?;
    let mut keys = Vec::with_capacity(rows.len());
    for (r, p) in found.iter().zip(rows) {
        let ord: i64 = col(r, 0)?;
        let (link, enterprise): (Option<i64>, Option<i64>) = (col(r, 1)?, col(r, 2)?);
        let Some(key) = link.zip(enterprise) else {
            return Err(StoreError::invalid_field(
                "producer",
                format!(
                    "risk parameters {ord}: {} does not make {} of chain {} (no such producer is stored)",
                    p.enterprise, p.link, p.chain
                ),
            ));
        };
        keys.push(key);
    }
    // check_risk_parameters refused a producer named twice, so each key comes once: the upsert may take
    // the whole batch in one statement.
    let (mut del_link, mut del_ent) = (Vec::new(), Vec::new());
    let (mut link, mut ent) = (Vec::new(), Vec::new());
    let (mut f, mut d, mut s, mut ttr, mut product) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((l, e), p) in keys.into_iter().zip(rows) {
        if p.is_empty() {
            del_link.push(l);
            del_ent.push(e);
        } else {
            link.push(l);
            ent.push(e);
            f.push(p.f);
            d.push(p.d);
            s.push(p.s);
            ttr.push(p.ttr);
            product.push(p.product);
        }
    }
    if !del_link.is_empty() {
        sqlx::query(
            "DELETE FROM risk_param r USING unnest($1::bigint[], $2::bigint[]) AS k (link, enterprise_id)
             WHERE r.link = k.link AND r.enterprise_id = k.enterprise_id",
        )
        .bind(&del_link)
        .bind(&del_ent)
        .execute(&mut *conn)
        .await
        .map_err(db_err("cannot delete risk parameters"))?;
    }
    if !link.is_empty() {
        sqlx::query(
            "INSERT INTO risk_param (link, enterprise_id, f, d, s, ttr, product)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[],
                                  $6::float8[], $7::boolean[])
             ON CONFLICT (link, enterprise_id) DO UPDATE SET f = excluded.f, d = excluded.d, s = excluded.s,
               ttr = excluded.ttr, product = excluded.product",
        )
        .bind(&link)
        .bind(&ent)
        .bind(&f)
        .bind(&d)
        .bind(&s)
        .bind(&ttr)
        .bind(&product)
        .execute(&mut *conn)
        .await
        .map_err(db_err("cannot write risk parameters"))?;
    }
    Ok(())
}

pub(crate) async fn read_risk(pool: &PgPool, chain: &ChainId) -> Result<Vec<RiskParameters>, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err("cannot begin a read"))?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM chain WHERE id = $1)")
        .bind(chain.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("cannot read a chain"))?;
    if !exists {
        return Err(StoreError::NotFound { what: "chain", key: chain.to_string() });
    }
    let rows = sqlx::query(
        "SELECT e.credit_code, l.link_id, r.f, r.d, r.s, r.ttr, r.product
         FROM chain_link l JOIN risk_param r ON r.link = l.id JOIN enterprise e ON e.id = r.enterprise_id
         WHERE l.chain_id = $1 ORDER BY l.position, e.credit_code",
    )
    .bind(chain.as_str())
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("cannot read risk parameters"))?;
    tx.commit().await.map_err(db_err("cannot end a read"))?;
    rows.iter()
        .map(|r| {
            let (code, link): (String, String) = (col(r, 0)?, col(r, 1)?);
            Ok(RiskParameters {
                enterprise: CreditCode::parse(&code).map_err(invalid)?,
                chain: chain.clone(),
                link: LinkId::parse(&link).map_err(invalid)?,
                f: col(r, 2)?,
                d: col(r, 3)?,
                s: col(r, 4)?,
                ttr: col(r, 5)?,
                product: col(r, 6)?,
            })
        })
        .collect()
}

/// [`Store::set_risk_parameters`](chaindock_store::Store::set_risk_parameters): the batch and its audit
/// entry in one transaction, under the registry lock so that a concurrent import or merge cannot move a
/// producer between the look-up and the write.
pub(crate) async fn set_risk(pool: &PgPool, rows: &[RiskParameters], audit: &NewAudit) -> Result<(), StoreError> {
    check_risk_parameters(rows)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot start a risk parameter write"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(REGISTRY_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot lock the registry"))?;
    write_risk(&mut tx, rows).await?;
    crate::accounts::append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err("cannot commit risk parameters"))
}
