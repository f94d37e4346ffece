//! The registry: imports (COPY into temporary tables, checked, upserted), chains, snapshots, listings and
//! merges.

use std::collections::{HashMap, HashSet};

use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, ChainSnapshot, CreditCode, Dataset, Enterprise, EnterpriseBrief, GeoPoint,
    IndustryCode, LinkId, ProducerRow, RegionLevel, Segment, SupplyRow, Unit,
};
use chaindock_store::{
    ChainInfo, EnterpriseQuery, ImportCounts, MergeRecord, Page, Stats, StoreError, check_risk_parameters,
};
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{AssertSqlSafe, Postgres};

use crate::copy::copy_in;
use crate::{REGISTRY_LOCK, col, db_err, invalid, parse_region, region_int, utc_seconds};

/// Above this many rows a temporary table is analysed before it is joined, so that the planner knows its
/// size (an unanalysed table is guessed from its pages, which misleads it into nested loops).
const ANALYZE_ABOVE: usize = 10_000;

/// The columns [`decode_enterprise`] reads, in its order.
pub(crate) const ENTERPRISE_COLUMNS: &str = "e.credit_code, e.name, e.aliases, e.region, e.lng, e.lat, e.industry,
    e.above_scale, e.is_leading, e.specialised, e.illustrative, e.description, e.contact_person, e.contact_phone";

pub(crate) fn decode_enterprise(r: &PgRow) -> Result<Enterprise, StoreError> {
    let code: String = col(r, 0)?;
    let (lng, lat): (Option<f64>, Option<f64>) = (col(r, 4)?, col(r, 5)?);
    let industry: Option<String> = col(r, 6)?;
    Ok(Enterprise {
        credit_code: CreditCode::parse(&code).map_err(invalid)?,
        name: col(r, 1)?,
        aliases: col(r, 2)?,
        region: parse_region(col(r, 3)?)?,
        location: lng.zip(lat).map(|(lng, lat)| GeoPoint { lng, lat }),
        industry: industry.as_deref().map(IndustryCode::parse).transpose().map_err(invalid)?,
        above_scale: col(r, 7)?,
        leading: col(r, 8)?,
        specialised: col(r, 9)?,
        illustrative: col(r, 10)?,
        description: col(r, 11)?,
        contact_person: col(r, 12)?,
        contact_phone: col(r, 13)?,
    })
}

pub(crate) async fn import(pool: &PgPool, data: &Dataset) -> Result<ImportCounts, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("cannot start the import"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(REGISTRY_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot lock the registry"))?;
    if !data.enterprises.is_empty() {
        upsert_enterprises(&mut tx, &data.enterprises).await?;
    }
    for chain in &data.chains {
        chain.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        write_chain(&mut tx, chain).await?;
    }
    if !data.producers.is_empty() {
        write_producers(&mut tx, data).await?;
    }
    if !data.supply.is_empty() {
        write_supply(&mut tx, data).await?;
    }
    // Last, so that they may name producers the dataset brings.
    if !data.risk.is_empty() {
        check_risk_parameters(&data.risk)?;
        crate::risk::write_risk(&mut tx, &data.risk).await?;
    }
    tx.commit().await.map_err(db_err("cannot commit the import"))?;
    Ok(ImportCounts {
        enterprises: data.enterprises.len() as u64,
        chains: data.chains.len() as u64,
        producers: data.producers.len() as u64,
        supply: data.supply.len() as u64,
    })
}

async fn exec(conn: &mut PgConnection, sql: &'static str, context: &'static str) -> Result<u64, StoreError> {
    Ok(sqlx::query(sql).execute(conn).await.map_err(db_err(context))?.rows_affected())
}

async fn analyze_if_large(conn: &mut PgConnection, table: &'static str, rows: usize) -> Result<(), StoreError> {
    if rows > ANALYZE_ABOVE {
        sqlx::raw_sql(AssertSqlSafe(format!("ANALYZE {table}")))
            .execute(conn)
            .await
            .map_err(db_err("cannot analyse an import table"))?;
    }
    Ok(())
}

/// The import's upsert: each row as the file gives it (the last of several with one credit code), the
/// version raised only where a value changed, so that importing the same file twice changes nothing.
async fn upsert_enterprises(conn: &mut PgConnection, rows: &[Enterprise]) -> Result<(), StoreError> {
    exec(
        conn,
        "CREATE TEMPORARY TABLE import_enterprise (
           ord BIGINT, credit_code TEXT COLLATE \"C\", name TEXT, aliases TEXT[], region INTEGER,
           lng DOUBLE PRECISION, lat DOUBLE PRECISION, industry TEXT, above_scale BOOLEAN, is_leading BOOLEAN,
           specialised BOOLEAN, illustrative BOOLEAN, description TEXT, contact_person TEXT, contact_phone TEXT
         ) ON COMMIT DROP",
        "cannot prepare the enterprise import",
    )
    .await?;
    copy_in(conn, "COPY import_enterprise FROM STDIN", rows, |r, i, e| {
        r.int(i as i64)
            .text(e.credit_code.as_str())
            .text(&e.name)
            .text_array(&e.aliases)
            .int(i64::from(e.region.as_u32()))
            .opt_float(e.location.map(|p| p.lng))
            .opt_float(e.location.map(|p| p.lat))
            .opt_text(e.industry.as_ref().map(|i| i.as_str()))
            .bool(e.above_scale)
            .bool(e.leading)
            .bool(e.specialised)
            .bool(e.illustrative)
            .opt_text(e.description.as_deref())
            .opt_text(e.contact_person.as_deref())
            .opt_text(e.contact_phone.as_deref());
    })
    .await?;
    analyze_if_large(conn, "import_enterprise", rows.len()).await?;
    exec(
        conn,
        "INSERT INTO enterprise AS e (credit_code, name, aliases, region, lng, lat, industry, above_scale,
           is_leading, specialised, illustrative, description, contact_person, contact_phone)
         SELECT DISTINCT ON (credit_code) credit_code, name, aliases, region, lng, lat, industry, above_scale,
           is_leading, specialised, illustrative, description, contact_person, contact_phone
         FROM import_enterprise ORDER BY credit_code, ord DESC
         ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
           region = excluded.region, lng = excluded.lng, lat = excluded.lat, industry = excluded.industry,
           above_scale = excluded.above_scale, is_leading = excluded.is_leading,
           specialised = excluded.specialised, illustrative = excluded.illustrative,
           description = excluded.description, contact_person = excluded.contact_person,
           contact_phone = excluded.contact_phone, version = e.version + 1
         WHERE (e.name, e.aliases, e.region, e.lng, e.lat, e.industry, e.above_scale, e.is_leading,
                e.specialised, e.illustrative, e.description, e.contact_person, e.contact_phone)
           IS DISTINCT FROM
               (excluded.name, excluded.aliases, excluded.region, excluded.lng, excluded.lat, excluded.industry,
                excluded.above_scale, excluded.is_leading, excluded.specialised, excluded.illustrative,
                excluded.description, excluded.contact_person, excluded.contact_phone)",
        "cannot write enterprises",
    )
    .await?;
    Ok(())
}

async fn write_chain(conn: &mut PgConnection, chain: &Chain) -> Result<(), StoreError> {
    let cid = chain.id.as_str();
    sqlx::query(
        "INSERT INTO chain (id, name, description) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description",
    )
    .bind(cid)
    .bind(&chain.name)
    .bind(&chain.description)
    .execute(&mut *conn)
    .await
    .map_err(db_err("cannot write a chain"))?;
    // Links that disappear from the template must not be in use.
    let existing: Vec<String> = sqlx::query_scalar("SELECT link_id FROM chain_link WHERE chain_id = $1")
        .bind(cid)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err("cannot read chain links"))?;
    let keep: HashSet<&str> = chain.links.iter().map(|l| l.id.as_str()).collect();
    let removed: Vec<&String> = existing.iter().filter(|l| !keep.contains(l.as_str())).collect();
    for link in &removed {
        // Lock the link so that no demand or offer takes it up between the count and the delete.
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM producer WHERE link = l.id) + (SELECT count(*) FROM supply WHERE link = l.id)
                  + (SELECT count(*) FROM demand WHERE link = l.id) + (SELECT count(*) FROM offer WHERE link = l.id)
             FROM chain_link l WHERE l.chain_id = $1 AND l.link_id = $2 FOR UPDATE",
        )
        .bind(cid)
        .bind(link.as_str())
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err("cannot check link use"))?;
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "chain {cid} would lose link {link}, which {used} producer, supply, demand or offer rows still use"
            )));
        }
    }
    sqlx::query("DELETE FROM bom_edge WHERE chain_id = $1")
        .bind(cid)
        .execute(&mut *conn)
        .await
        .map_err(db_err("cannot replace BOM edges"))?;
    for link in removed {
        sqlx::query("DELETE FROM chain_link WHERE chain_id = $1 AND link_id = $2")
            .bind(cid)
            .bind(link.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db_err("cannot remove a link"))?;
    }
    for (pos, l) in chain.links.iter().enumerate() {
        sqlx::query(
            "INSERT INTO chain_link (chain_id, link_id, position, name, segment, unit, import_dependent, industry, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (chain_id, link_id) DO UPDATE SET position = excluded.position, name = excluded.name,
               segment = excluded.segment, unit = excluded.unit, import_dependent = excluded.import_dependent,
               industry = excluded.industry, note = excluded.note",
        )
        .bind(cid)
        .bind(l.id.as_str())
        .bind(pos as i32)
        .bind(&l.name)
        .bind(l.segment.as_str())
        .bind(l.unit.as_str())
        .bind(l.import_dependent)
        .bind(l.industry.as_ref().map(|i| i.as_str()))
        .bind(&l.note)
        .execute(&mut *conn)
        .await
        .map_err(db_err("cannot write a link"))?;
    }
    for (pos, e) in chain.bom.iter().enumerate() {
        sqlx::query("INSERT INTO bom_edge (chain_id, position, input, output, quantity) VALUES ($1, $2, $3, $4, $5)")
            .bind(cid)
            .bind(pos as i32)
            .bind(e.input.as_str())
            .bind(e.output.as_str())
            .bind(e.quantity)
            .execute(&mut *conn)
            .await
            .map_err(db_err("cannot write a BOM edge"))?;
    }
    Ok(())
}

/// Producers: copied, checked (the first row, in the dataset's order, whose link is missing, whose unit is
/// not the link's or whose enterprise is not stored is reported as SQLite reports it), then upserted.
async fn write_producers(conn: &mut PgConnection, data: &Dataset) -> Result<(), StoreError> {
    exec(
        conn,
        "CREATE TEMPORARY TABLE import_producer (
           ord BIGINT, chain_id TEXT COLLATE \"C\", link_id TEXT COLLATE \"C\", credit_code TEXT COLLATE \"C\",
           capacity DOUBLE PRECISION, unit TEXT, illustrative BOOLEAN
         ) ON COMMIT DROP",
        "cannot prepare the producer import",
    )
    .await?;
    copy_in(conn, "COPY import_producer FROM STDIN", &data.producers, |r, i, p| {
        r.int(i as i64)
            .text(p.chain.as_str())
            .text(p.link.as_str())
            .text(p.enterprise.as_str())
            .float(p.capacity_per_day.value)
            .text(p.capacity_per_day.unit.as_str())
            .bool(p.illustrative);
    })
    .await?;
    analyze_if_large(conn, "import_producer", data.producers.len()).await?;
    let bad = sqlx::query(
        "SELECT p.ord, l.id IS NULL, l.unit, e.id IS NULL
         FROM import_producer p
         LEFT JOIN chain_link l ON l.chain_id = p.chain_id AND l.link_id = p.link_id
         LEFT JOIN enterprise e ON e.credit_code = p.credit_code
         WHERE l.id IS NULL OR l.unit <> p.unit OR e.id IS NULL
         ORDER BY p.ord LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err("cannot check producers"))?;
    if let Some(r) = bad {
        let ord: i64 = col(&r, 0)?;
        let (no_link, link_unit, no_enterprise): (bool, Option<String>, bool) = (col(&r, 1)?, col(&r, 2)?, col(&r, 3)?);
        let row = ord as usize;
        let p = data.producers.get(row).ok_or_else(|| StoreError::Invalid(format!("producer {}", row + 1)))?;
        let n = row + 1;
        return Err(StoreError::Invalid(if no_link {
            format!("producer {n}: chain {} has no link {}", p.chain, p.link)
        } else if let Some(unit) = link_unit.filter(|u| u != p.capacity_per_day.unit.as_str()) {
            format!(
                "producer {n}: capacity is in {} but link {} of chain {} is counted in {unit}",
                p.capacity_per_day.unit, p.link, p.chain
            )
        } else if no_enterprise {
            format!("producer {n}: enterprise {} is not in the registry", p.enterprise)
        } else {
            format!("producer {n} is refused")
        }));
    }
    exec(
        conn,
        "INSERT INTO producer AS x (link, enterprise_id, capacity, illustrative)
         SELECT DISTINCT ON (l.id, e.id) l.id, e.id, p.capacity, p.illustrative
         FROM import_producer p
         JOIN chain_link l ON l.chain_id = p.chain_id AND l.link_id = p.link_id
         JOIN enterprise e ON e.credit_code = p.credit_code
         ORDER BY l.id, e.id, p.ord DESC
         ON CONFLICT (link, enterprise_id) DO UPDATE SET capacity = excluded.capacity,
           illustrative = excluded.illustrative
         WHERE (x.capacity, x.illustrative) IS DISTINCT FROM (excluded.capacity, excluded.illustrative)",
        "cannot write producers",
    )
    .await?;
    Ok(())
}

/// Supply relations, as producers: the first bad row (missing link, share outside (0, 1], supplier or
/// buyer not stored, checked in that order) is reported.
async fn write_supply(conn: &mut PgConnection, data: &Dataset) -> Result<(), StoreError> {
    exec(
        conn,
        "CREATE TEMPORARY TABLE import_supply (
           ord BIGINT, chain_id TEXT COLLATE \"C\", link_id TEXT COLLATE \"C\", supplier TEXT COLLATE \"C\",
           buyer TEXT COLLATE \"C\", share DOUBLE PRECISION, illustrative BOOLEAN
         ) ON COMMIT DROP",
        "cannot prepare the supply import",
    )
    .await?;
    copy_in(conn, "COPY import_supply FROM STDIN", &data.supply, |r, i, s| {
        r.int(i as i64)
            .text(s.chain.as_str())
            .text(s.link.as_str())
            .text(s.supplier.as_str())
            .text(s.buyer.as_str())
            .float(s.share)
            .bool(s.illustrative);
    })
    .await?;
    analyze_if_large(conn, "import_supply", data.supply.len()).await?;
    let bad = sqlx::query(
        "SELECT s.ord, l.id IS NULL, sup.id IS NULL, buy.id IS NULL
         FROM import_supply s
         LEFT JOIN chain_link l ON l.chain_id = s.chain_id AND l.link_id = s.link_id
         LEFT JOIN enterprise sup ON sup.credit_code = s.supplier
         LEFT JOIN enterprise buy ON buy.credit_code = s.buyer
         WHERE l.id IS NULL OR NOT (s.share > 0 AND s.share <= 1) OR sup.id IS NULL OR buy.id IS NULL
         ORDER BY s.ord LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err("cannot check supply relations"))?;
    if let Some(r) = bad {
        let ord: i64 = col(&r, 0)?;
        let (no_link, no_supplier, no_buyer): (bool, bool, bool) = (col(&r, 1)?, col(&r, 2)?, col(&r, 3)?);
        let row = ord as usize;
        let s = data.supply.get(row).ok_or_else(|| StoreError::Invalid(format!("supply relation {}", row + 1)))?;
        let n = row + 1;
        return Err(StoreError::Invalid(if no_link {
            format!("supply relation {n}: chain {} has no link {}", s.chain, s.link)
        } else if !(s.share > 0.0 && s.share <= 1.0) {
            format!("supply relation {n}: share {} is outside (0, 1]", s.share)
        } else if no_supplier {
            format!("supply relation {n}: enterprise {} is not in the registry", s.supplier)
        } else if no_buyer {
            format!("supply relation {n}: enterprise {} is not in the registry", s.buyer)
        } else {
            format!("supply relation {n} is refused")
        }));
    }
    exec(
        conn,
        "INSERT INTO supply AS x (link, supplier_id, buyer_id, share, illustrative)
         SELECT DISTINCT ON (l.id, sup.id, buy.id) l.id, sup.id, buy.id, s.share, s.illustrative
         FROM import_supply s
         JOIN chain_link l ON l.chain_id = s.chain_id AND l.link_id = s.link_id
         JOIN enterprise sup ON sup.credit_code = s.supplier
         JOIN enterprise buy ON buy.credit_code = s.buyer
         ORDER BY l.id, sup.id, buy.id, s.ord DESC
         ON CONFLICT (link, supplier_id, buyer_id) DO UPDATE SET share = excluded.share,
           illustrative = excluded.illustrative
         WHERE (x.share, x.illustrative) IS DISTINCT FROM (excluded.share, excluded.illustrative)",
        "cannot write supply relations",
    )
    .await?;
    Ok(())
}

pub(crate) async fn chains(pool: &PgPool) -> Result<Vec<ChainInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name,
           (SELECT count(*) FROM chain_link l WHERE l.chain_id = c.id),
           (SELECT count(*) FROM chain_link l JOIN producer p ON p.link = l.id WHERE l.chain_id = c.id),
           (SELECT count(DISTINCT p.enterprise_id) FROM chain_link l JOIN producer p ON p.link = l.id
            WHERE l.chain_id = c.id)
         FROM chain c ORDER BY c.id",
    )
    .fetch_all(pool)
    .await
    .map_err(db_err("cannot list chains"))?;
    rows.iter()
        .map(|r| {
            let id: String = col(r, 0)?;
            Ok(ChainInfo {
                id: ChainId::parse(&id).map_err(invalid)?,
                name: col(r, 1)?,
                links: crate::count(col(r, 2)?),
                producers: crate::count(col(r, 3)?),
                enterprises: crate::count(col(r, 4)?),
            })
        })
        .collect()
}

pub(crate) async fn read_chain(conn: &mut PgConnection, id: &ChainId) -> Result<Chain, StoreError> {
    let head = sqlx::query("SELECT name, description FROM chain WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("cannot read a chain"))?
        .ok_or_else(|| StoreError::NotFound { what: "chain", key: id.to_string() })?;
    let (name, description): (String, Option<String>) = (col(&head, 0)?, col(&head, 1)?);
    let rows = sqlx::query(
        "SELECT link_id, name, segment, unit, import_dependent, industry, note
         FROM chain_link WHERE chain_id = $1 ORDER BY position",
    )
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err("cannot read links"))?;
    let links = rows
        .iter()
        .map(|r| {
            let (lid, segment, unit, industry): (String, String, String, Option<String>) =
                (col(r, 0)?, col(r, 2)?, col(r, 3)?, col(r, 5)?);
            Ok(ChainLink {
                id: LinkId::parse(&lid).map_err(invalid)?,
                name: col(r, 1)?,
                segment: Segment::parse(&segment).map_err(invalid)?,
                unit: Unit::parse(&unit).map_err(invalid)?,
                import_dependent: col(r, 4)?,
                industry: industry.as_deref().map(IndustryCode::parse).transpose().map_err(invalid)?,
                note: col(r, 6)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let rows = sqlx::query("SELECT input, output, quantity FROM bom_edge WHERE chain_id = $1 ORDER BY position")
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err("cannot read BOM edges"))?;
    let bom = rows
        .iter()
        .map(|r| {
            let (i, o): (String, String) = (col(r, 0)?, col(r, 1)?);
            Ok(BomEdge {
                input: LinkId::parse(&i).map_err(invalid)?,
                output: LinkId::parse(&o).map_err(invalid)?,
                quantity: col(r, 2)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Chain { id: id.clone(), name, description, links, bom })
}

/// A chain with its producers and supply relations, read in one repeatable-read transaction. Rows come in
/// key order (link, then enterprise ids), as SQLite's primary keys hand them out; enterprises get snapshot
/// indices in the order they are first met, and their briefs are read in one query by id.
pub(crate) async fn read_snapshot(pool: &PgPool, id: &ChainId) -> Result<ChainSnapshot, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err("cannot begin a read"))?;
    let chain = read_chain(&mut tx, id).await?;
    let corrupt = |what: &str| StoreError::Invalid(format!("chain {id}: a {what} row names a link the chain lacks"));
    let position: HashMap<&str, u32> = chain.links.iter().enumerate().map(|(i, l)| (l.id.as_str(), i as u32)).collect();
    let mut link_index: HashMap<i64, u32> = HashMap::new();
    for r in sqlx::query("SELECT id, link_id FROM chain_link WHERE chain_id = $1")
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("cannot read links"))?
    {
        let lid: String = col(&r, 1)?;
        link_index.insert(col(&r, 0)?, *position.get(lid.as_str()).ok_or_else(|| corrupt("link"))?);
    }
    let mut index: HashMap<i64, u32> = HashMap::new();
    let mut order: Vec<i64> = Vec::new();
    let mut slot = |db_id: i64| -> u32 {
        *index.entry(db_id).or_insert_with(|| {
            order.push(db_id);
            (order.len() - 1) as u32
        })
    };
    let mut producers = Vec::new();
    {
        let mut rows = sqlx::query(
            "SELECT p.enterprise_id, p.link, p.capacity FROM chain_link l JOIN producer p ON p.link = l.id
             WHERE l.chain_id = $1 ORDER BY p.link, p.enterprise_id",
        )
        .bind(id.as_str())
        .fetch(&mut *tx);
        while let Some(r) = rows.try_next().await.map_err(db_err("cannot read producers"))? {
            let link: i64 = col(&r, 1)?;
            producers.push(ProducerRow {
                enterprise: slot(col(&r, 0)?),
                link: *link_index.get(&link).ok_or_else(|| corrupt("producer"))?,
                capacity: col(&r, 2)?,
            });
        }
    }
    let mut supply = Vec::new();
    {
        let mut rows = sqlx::query(
            "SELECT s.supplier_id, s.buyer_id, s.link, s.share FROM chain_link l JOIN supply s ON s.link = l.id
             WHERE l.chain_id = $1 ORDER BY s.link, s.supplier_id, s.buyer_id",
        )
        .bind(id.as_str())
        .fetch(&mut *tx);
        while let Some(r) = rows.try_next().await.map_err(db_err("cannot read supply"))? {
            let link: i64 = col(&r, 2)?;
            supply.push(SupplyRow {
                supplier: slot(col(&r, 0)?),
                buyer: slot(col(&r, 1)?),
                link: *link_index.get(&link).ok_or_else(|| corrupt("supply"))?,
                share: col(&r, 3)?,
            });
        }
    }
    let mut enterprises: Vec<Option<EnterpriseBrief>> = vec![None; order.len()];
    {
        let mut rows = sqlx::query(
            "SELECT id, credit_code, name, region, is_leading, specialised FROM enterprise WHERE id = ANY($1)",
        )
        .bind(&order)
        .fetch(&mut *tx);
        while let Some(r) = rows.try_next().await.map_err(db_err("cannot read enterprises"))? {
            let db_id: i64 = col(&r, 0)?;
            let code: String = col(&r, 1)?;
            let pos = *index.get(&db_id).ok_or_else(|| StoreError::Invalid(format!("enterprise id {db_id}")))?;
            enterprises[pos as usize] = Some(EnterpriseBrief {
                credit_code: CreditCode::parse(&code).map_err(invalid)?,
                name: col(&r, 2)?,
                region: parse_region(col(&r, 3)?)?,
                leading: col(&r, 4)?,
                specialised: col(&r, 5)?,
            });
        }
    }
    // Foreign keys keep every referenced enterprise stored, and the read is one snapshot.
    let enterprises: Vec<EnterpriseBrief> = enterprises
        .into_iter()
        .enumerate()
        .map(|(i, e)| e.ok_or_else(|| StoreError::Invalid(format!("enterprise id {} vanished", order[i]))))
        .collect::<Result<_, _>>()?;
    tx.commit().await.map_err(db_err("cannot end a read"))?;
    Ok(ChainSnapshot { chain, enterprises, producers, supply })
}

pub(crate) async fn enterprise(pool: &PgPool, code: &CreditCode) -> Result<Enterprise, StoreError> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprise e WHERE e.credit_code = $1")))
            .bind(code.as_str())
            .fetch_optional(pool)
            .await
            .map_err(db_err("cannot read an enterprise"))?
            .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    decode_enterprise(&row)
}

/// The inclusive range of codes a division covers.
fn region_range(code: chaindock_model::RegionCode) -> (i32, i32) {
    let c = region_int(code);
    match code.level() {
        RegionLevel::Province => (c, c + 9_999),
        RegionLevel::City => (c, c + 99),
        RegionLevel::County => (c, c),
    }
}

/// A value bound to a listing's `$n`.
enum Arg {
    Int(i32),
    Text(String),
    Texts(Vec<String>),
    Bool(bool),
}

/// A WHERE clause built from fixed fragments, each value bound as the next `$n`.
#[derive(Default)]
struct Filter {
    sql: String,
    args: Vec<Arg>,
}

impl Filter {
    /// Append `fragment` with each `?` replaced by the next parameter number, binding `args` in order.
    fn and(&mut self, fragment: &str, args: Vec<Arg>) {
        self.sql.push_str(" AND ");
        let mut next = self.args.len();
        for part in fragment.split_inclusive('?') {
            match part.strip_suffix('?') {
                Some(head) => {
                    next += 1;
                    self.sql.push_str(head);
                    self.sql.push_str(&format!("${next}"));
                }
                None => self.sql.push_str(part),
            }
        }
        self.args.extend(args);
    }

    fn query(&self, sql: String) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Texts(v) => q.bind(v.clone()),
                Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }
}

pub(crate) async fn enterprises(pool: &PgPool, q: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError> {
    let mut f = Filter { sql: " WHERE true".into(), args: Vec::new() };
    if let Some(r) = q.region {
        let (lo, hi) = region_range(r);
        f.and("e.region BETWEEN ? AND ?", vec![Arg::Int(lo), Arg::Int(hi)]);
    }
    if let Some(c) = &q.chain {
        f.and(
            "EXISTS (SELECT 1 FROM producer p JOIN chain_link l ON l.id = p.link
                     WHERE p.enterprise_id = e.id AND l.chain_id = ?)",
            vec![Arg::Text(c.to_string())],
        );
    }
    if let Some(n) = &q.name_contains {
        f.and(
            "(strpos(e.name, ?) > 0 OR EXISTS (SELECT 1 FROM unnest(e.aliases) a WHERE strpos(a, ?) > 0))",
            vec![Arg::Text(n.clone()), Arg::Text(n.clone())],
        );
    }
    if let Some(code) = &q.industry {
        // Codes are letters and digits: no LIKE wildcard can hide in a prefix.
        let patterns = code.prefixes().iter().map(|p| format!("{p}%")).collect();
        f.and("e.industry LIKE ANY(?)", vec![Arg::Texts(patterns)]);
    }
    if let Some(l) = q.leading {
        f.and("e.is_leading = ?", vec![Arg::Bool(l)]);
    }
    if let Some(s) = q.specialised {
        f.and("e.specialised = ?", vec![Arg::Bool(s)]);
    }
    let counted = f
        .query(format!("SELECT count(*) FROM enterprise e{}", f.sql))
        .fetch_one(pool)
        .await
        .map_err(db_err("cannot count enterprises"))?;
    let total: i64 = col(&counted, 0)?;
    let n = f.args.len();
    let mut page = f.query(format!(
        "SELECT {ENTERPRISE_COLUMNS} FROM enterprise e{} ORDER BY e.id LIMIT ${} OFFSET ${}",
        f.sql,
        n + 1,
        n + 2
    ));
    page = page.bind(q.limit.min(i64::MAX as u64) as i64).bind(q.offset.min(i64::MAX as u64) as i64);
    let rows = page.fetch_all(pool).await.map_err(db_err("cannot list enterprises"))?;
    Ok(Page { items: rows.iter().map(decode_enterprise).collect::<Result<_, _>>()?, total: crate::count(total) })
}

pub(crate) async fn existing_enterprises(
    pool: &PgPool,
    codes: &[CreditCode],
) -> Result<HashSet<CreditCode>, StoreError> {
    let wanted: Vec<&str> = codes.iter().map(CreditCode::as_str).collect();
    let found: Vec<String> = sqlx::query_scalar("SELECT credit_code FROM enterprise WHERE credit_code = ANY($1)")
        .bind(&wanted)
        .fetch_all(pool)
        .await
        .map_err(db_err("cannot look enterprises up"))?;
    let found: HashSet<String> = found.into_iter().collect();
    Ok(codes.iter().filter(|c| found.contains(c.as_str())).cloned().collect())
}

pub(crate) async fn stats(pool: &PgPool) -> Result<Stats, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err("cannot begin a read"))?;
    let r = sqlx::query(
        "SELECT (SELECT count(*) FROM enterprise), (SELECT count(*) FROM chain),
                (SELECT count(*) FROM producer), (SELECT count(*) FROM supply)",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err("cannot count rows"))?;
    let (enterprises, chains, producers, supply): (i64, i64, i64, i64) =
        (col(&r, 0)?, col(&r, 1)?, col(&r, 2)?, col(&r, 3)?);
    let rows = sqlx::query("SELECT region / 10000 * 10000 AS p, count(*) FROM enterprise GROUP BY p ORDER BY p")
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("cannot count enterprises by province"))?;
    tx.commit().await.map_err(db_err("cannot end a read"))?;
    Ok(Stats {
        enterprises: crate::count(enterprises),
        chains: crate::count(chains),
        producers: crate::count(producers),
        supply: crate::count(supply),
        enterprises_by_province: rows
            .iter()
            .map(|r| Ok((parse_region(col(r, 0)?)?, crate::count(col(r, 1)?))))
            .collect::<Result<_, StoreError>>()?,
    })
}

/// An enterprise's row id, name and aliases, its row locked for the rest of the transaction.
async fn lock_enterprise(conn: &mut PgConnection, code: &CreditCode) -> Result<(i64, String, Vec<String>), StoreError> {
    let r = sqlx::query("SELECT id, name, aliases FROM enterprise WHERE credit_code = $1 FOR UPDATE")
        .bind(code.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("cannot read an enterprise"))?
        .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    Ok((col(&r, 0)?, col(&r, 1)?, col(&r, 2)?))
}

pub(crate) async fn merge_into(
    pool: &PgPool,
    keep: &CreditCode,
    remove: &CreditCode,
    reason: &str,
) -> Result<(), StoreError> {
    if keep == remove {
        return Err(StoreError::Invalid(format!("cannot merge {keep} into itself")));
    }
    let mut tx = pool.begin().await.map_err(db_err("cannot start a merge"))?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(REGISTRY_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot lock the registry"))?;
    let (keep_id, keep_name, mut aliases) = lock_enterprise(&mut tx, keep).await?;
    let (remove_id, remove_name, remove_aliases) = lock_enterprise(&mut tx, remove).await?;
    let e = db_err("cannot merge producers");
    // Capacities of a link both make add up; the rest of the removed enterprise's producers move over.
    sqlx::query(
        "UPDATE producer k SET capacity = k.capacity + r.capacity FROM producer r
         WHERE k.enterprise_id = $1 AND r.enterprise_id = $2 AND r.link = k.link",
    )
    .bind(keep_id)
    .bind(remove_id)
    .execute(&mut *tx)
    .await
    .map_err(&e)?;
    sqlx::query(
        "DELETE FROM producer WHERE enterprise_id = $2 AND link IN (SELECT link FROM producer WHERE enterprise_id = $1)",
    )
    .bind(keep_id)
    .bind(remove_id)
    .execute(&mut *tx)
    .await
    .map_err(&e)?;
    sqlx::query("UPDATE producer SET enterprise_id = $1 WHERE enterprise_id = $2")
        .bind(keep_id)
        .bind(remove_id)
        .execute(&mut *tx)
        .await
        .map_err(&e)?;
    // Supply relations: take them out, point them at the kept enterprise, put them back.
    let e = db_err("cannot merge supply relations");
    let moved = sqlx::query(
        "DELETE FROM supply WHERE supplier_id = $1 OR buyer_id = $1
         RETURNING link, supplier_id, buyer_id, share, illustrative",
    )
    .bind(remove_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(&e)?;
    let mut moved: Vec<(i64, i64, i64, f64, bool)> = moved
        .iter()
        .map(|r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 4)?)))
        .collect::<Result<_, StoreError>>()?;
    // In key order, so that the result does not depend on the order DELETE returned the rows in.
    moved.sort_by_key(|m| (m.0, m.1, m.2));
    for (link, sup, buy, share, illustrative) in moved {
        let (sup, buy) = (if sup == remove_id { keep_id } else { sup }, if buy == remove_id { keep_id } else { buy });
        if sup == buy {
            continue;
        }
        sqlx::query(
            "INSERT INTO supply AS s (link, supplier_id, buyer_id, share, illustrative) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (link, supplier_id, buyer_id) DO UPDATE SET share = least(1.0, s.share + excluded.share)",
        )
        .bind(link)
        .bind(sup)
        .bind(buy)
        .bind(share)
        .bind(illustrative)
        .execute(&mut *tx)
        .await
        .map_err(&e)?;
    }
    for a in std::iter::once(&remove_name).chain(&remove_aliases) {
        if *a != keep_name && !aliases.contains(a) {
            aliases.push(a.clone());
        }
    }
    sqlx::query("UPDATE enterprise SET aliases = $1, version = version + 1 WHERE id = $2")
        .bind(&aliases)
        .bind(keep_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot update aliases"))?;
    // Demands, offers and requests of the removed enterprise are the kept one's.
    crate::docking::merge_docking(&mut tx, keep_id, remove_id, keep, remove).await?;
    // Accounts that spoke for the removed enterprise now speak for the kept one.
    sqlx::query("UPDATE app_user SET enterprise_id = $1 WHERE enterprise_id = $2")
        .bind(keep_id)
        .bind(remove_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot move accounts"))?;
    sqlx::query(
        "INSERT INTO enterprise_merge (kept_id, removed_code, removed_name, removed_aliases, reason)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(keep_id)
    .bind(remove.as_str())
    .bind(&remove_name)
    .bind(&remove_aliases)
    .bind(reason)
    .execute(&mut *tx)
    .await
    .map_err(db_err("cannot record the merge"))?;
    // Merges into the removed enterprise now belong to the kept one.
    sqlx::query("UPDATE enterprise_merge SET kept_id = $1 WHERE kept_id = $2")
        .bind(keep_id)
        .bind(remove_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot move merge records"))?;
    sqlx::query("DELETE FROM enterprise WHERE id = $1")
        .bind(remove_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot delete the merged enterprise"))?;
    tx.commit().await.map_err(db_err("cannot commit the merge"))?;
    Ok(())
}

pub(crate) async fn merges(pool: &PgPool, code: &CreditCode) -> Result<Vec<MergeRecord>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT m.removed_code, m.removed_name, m.removed_aliases, m.reason, {}
         FROM enterprise_merge m JOIN enterprise e ON e.id = m.kept_id
         WHERE e.credit_code = $1 ORDER BY m.id",
        utc_seconds("m.merged_at")
    )))
    .bind(code.as_str())
    .fetch_all(pool)
    .await
    .map_err(db_err("cannot read merges"))?;
    rows.iter()
        .map(|r| {
            let rc: String = col(r, 0)?;
            Ok(MergeRecord {
                removed_code: CreditCode::parse(&rc).map_err(invalid)?,
                removed_name: col(r, 1)?,
                removed_aliases: col(r, 2)?,
                reason: col(r, 3)?,
                merged_at: col(r, 4)?,
            })
        })
        .collect()
}
