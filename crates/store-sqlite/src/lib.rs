//! The embedded SQLite backend of [`Store`]: one file, WAL journal, foreign keys on.
//!
//! Imports run in one `BEGIN IMMEDIATE` transaction and write in multi-row statements (thousands of rows
//! per statement, prepared once and cached), which is what makes a million-enterprise load take seconds
//! rather than hours. References (a producer's enterprise and link) are resolved inside the transaction,
//! so a dataset may refer to rows it brings itself or to rows already stored.
//!
//! Architecture Invariant: all SQL of this backend is in this crate; nothing here knows HTTP or the CLI.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, ChainSnapshot, CreditCode, Dataset, Enterprise, EnterpriseBrief, GeoPoint,
    IndustryCode, LinkId, ProducerRow, RegionCode, RegionLevel, Segment, SupplyRow, Unit,
};
use chaindock_store::{ChainInfo, EnterpriseQuery, ImportCounts, Page, Stats, Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Executor, QueryBuilder, Row, Sqlite, SqlitePool, Transaction};

/// Rows per multi-row statement, kept under SQLite's 32,766 bound variables.
const ENTERPRISE_BATCH: usize = 2_500;
const ROW_BATCH: usize = 5_000;
const LOOKUP_BATCH: usize = 5_000;

pub struct SqliteStore {
    pool: SqlitePool,
}

fn db_err(context: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| StoreError::other(context.to_string(), e)
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path` and bring its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 64 MiB of page cache per connection instead of 2 MiB: bulk loads touch index pages at random.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        Self::connect(opts).await
    }

    /// Open a database from an `sqlite:` URL.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("bad SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 64 MiB of page cache per connection instead of 2 MiB: bulk loads touch index pages at random.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        Self::connect(opts).await
    }

    async fn connect(opts: SqliteConnectOptions) -> Result<Self, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(db_err("cannot open the SQLite database"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::other("cannot migrate the SQLite database", e))?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn write_chain(tx: &mut Transaction<'_, Sqlite>, chain: &Chain) -> Result<(), StoreError> {
        let cid = chain.id.as_str();
        sqlx::query(
            "INSERT INTO chain (id, name, description) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description",
        )
        .bind(cid)
        .bind(&chain.name)
        .bind(&chain.description)
        .execute(&mut **tx)
        .await
        .map_err(db_err("cannot write a chain"))?;

        // Links that disappear from the template must not be in use.
        let existing: Vec<String> = sqlx::query_scalar("SELECT link_id FROM chain_link WHERE chain_id = ?")
            .bind(cid)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_err("cannot read chain links"))?;
        let keep: HashSet<&str> = chain.links.iter().map(|l| l.id.as_str()).collect();
        let removed: Vec<&String> = existing.iter().filter(|l| !keep.contains(l.as_str())).collect();
        for link in &removed {
            let used: i64 = sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM producer WHERE chain_id = ?1 AND link_id = ?2)
                      + (SELECT count(*) FROM supply WHERE chain_id = ?1 AND link_id = ?2)",
            )
            .bind(cid)
            .bind(link.as_str())
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err("cannot check link use"))?;
            if used > 0 {
                return Err(StoreError::Conflict(format!(
                    "chain {cid} would lose link {link}, which {used} producer or supply rows still use"
                )));
            }
        }
        sqlx::query("DELETE FROM bom_edge WHERE chain_id = ?")
            .bind(cid)
            .execute(&mut **tx)
            .await
            .map_err(db_err("cannot replace BOM edges"))?;
        for link in removed {
            sqlx::query("DELETE FROM chain_link WHERE chain_id = ? AND link_id = ?")
                .bind(cid)
                .bind(link.as_str())
                .execute(&mut **tx)
                .await
                .map_err(db_err("cannot remove a link"))?;
        }
        for (pos, l) in chain.links.iter().enumerate() {
            sqlx::query(
                "INSERT INTO chain_link (chain_id, link_id, position, name, segment, unit, import_dependent, industry, note)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (chain_id, link_id) DO UPDATE SET position = excluded.position, name = excluded.name,
                   segment = excluded.segment, unit = excluded.unit, import_dependent = excluded.import_dependent,
                   industry = excluded.industry, note = excluded.note",
            )
            .bind(cid)
            .bind(l.id.as_str())
            .bind(pos as i64)
            .bind(&l.name)
            .bind(l.segment.as_str())
            .bind(l.unit.as_str())
            .bind(l.import_dependent)
            .bind(l.industry.as_ref().map(|i| i.as_str()))
            .bind(&l.note)
            .execute(&mut **tx)
            .await
            .map_err(db_err("cannot write a link"))?;
        }
        for e in &chain.bom {
            sqlx::query("INSERT INTO bom_edge (chain_id, input, output, quantity) VALUES (?, ?, ?, ?)")
                .bind(cid)
                .bind(e.input.as_str())
                .bind(e.output.as_str())
                .bind(e.quantity)
                .execute(&mut **tx)
                .await
                .map_err(db_err("cannot write a BOM edge"))?;
        }
        Ok(())
    }

    /// Ids of the enterprises with these codes; an unknown code is an `Invalid` error naming `what`.
    async fn enterprise_ids(
        tx: &mut Transaction<'_, Sqlite>,
        codes: &HashSet<&str>,
    ) -> Result<HashMap<String, i64>, StoreError> {
        let codes: Vec<&str> = codes.iter().copied().collect();
        let mut ids = HashMap::with_capacity(codes.len());
        for chunk in codes.chunks(LOOKUP_BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new("SELECT credit_code, id FROM enterprise WHERE credit_code IN (");
            let mut sep = qb.separated(", ");
            for c in chunk {
                sep.push_bind(*c);
            }
            qb.push(")");
            let rows = qb.build().fetch_all(&mut **tx).await.map_err(db_err("cannot look enterprises up"))?;
            for r in rows {
                ids.insert(r.get::<String, _>(0), r.get::<i64, _>(1));
            }
        }
        Ok(ids)
    }

    /// The unit of every link of the named chains, as stored (inside the transaction).
    async fn link_units(
        tx: &mut Transaction<'_, Sqlite>,
        chains: &HashSet<&str>,
    ) -> Result<HashMap<(String, String), String>, StoreError> {
        let mut units = HashMap::new();
        for c in chains {
            let rows = sqlx::query("SELECT link_id, unit FROM chain_link WHERE chain_id = ?")
                .bind(*c)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err("cannot read links"))?;
            for r in rows {
                units.insert((c.to_string(), r.get::<String, _>(0)), r.get::<String, _>(1));
            }
        }
        Ok(units)
    }
}

fn segment(s: &str) -> Result<Segment, StoreError> {
    Segment::parse(s).map_err(|e| StoreError::Invalid(format!("stored segment: {e}")))
}

fn decode_enterprise(r: &SqliteRow) -> Result<Enterprise, StoreError> {
    let bad = |what: &str, e: String| StoreError::Invalid(format!("stored enterprise has a bad {what}: {e}"));
    let aliases: String = r.get("aliases");
    let lng: Option<f64> = r.get("lng");
    let lat: Option<f64> = r.get("lat");
    let industry: Option<String> = r.get("industry");
    Ok(Enterprise {
        credit_code: CreditCode::parse(r.get::<&str, _>("credit_code"))
            .map_err(|e| bad("credit code", e.to_string()))?,
        name: r.get("name"),
        aliases: serde_json::from_str(&aliases).map_err(|e| bad("alias list", e.to_string()))?,
        region: RegionCode::parse(&r.get::<i64, _>("region").to_string()).map_err(|e| bad("region", e.to_string()))?,
        location: lng.zip(lat).map(|(lng, lat)| GeoPoint { lng, lat }),
        industry: industry.map(|i| IndustryCode::parse(&i)).transpose().map_err(|e| bad("industry", e.to_string()))?,
        above_scale: r.get("above_scale"),
        leading: r.get("leading"),
        specialised: r.get("specialised"),
        illustrative: r.get("illustrative"),
    })
}

/// The inclusive range of codes a division covers.
fn region_range(code: RegionCode) -> (i64, i64) {
    let c = code.as_u32() as i64;
    match code.level() {
        RegionLevel::Province => (c, c + 9_999),
        RegionLevel::City => (c, c + 99),
        RegionLevel::County => (c, c),
    }
}

const ENTERPRISE_COLUMNS: &str =
    "credit_code, name, aliases, region, lng, lat, industry, above_scale, leading, specialised, illustrative";

#[async_trait]
impl Store for SqliteStore {
    async fn import(&self, data: &Dataset) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err("cannot start the import"))?;

        for chunk in data.enterprises.chunks(ENTERPRISE_BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new(format!("INSERT INTO enterprise ({ENTERPRISE_COLUMNS}) "));
            qb.push_values(chunk, |mut b, e| {
                b.push_bind(e.credit_code.as_str())
                    .push_bind(e.name.as_str())
                    .push_bind(serde_json::to_string(&e.aliases).unwrap_or_else(|_| "[]".into()))
                    .push_bind(e.region.as_u32() as i64)
                    .push_bind(e.location.map(|p| p.lng))
                    .push_bind(e.location.map(|p| p.lat))
                    .push_bind(e.industry.as_ref().map(|i| i.as_str()))
                    .push_bind(e.above_scale)
                    .push_bind(e.leading)
                    .push_bind(e.specialised)
                    .push_bind(e.illustrative);
            });
            qb.push(
                " ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
                  region = excluded.region, lng = excluded.lng, lat = excluded.lat, industry = excluded.industry,
                  above_scale = excluded.above_scale, leading = excluded.leading,
                  specialised = excluded.specialised, illustrative = excluded.illustrative",
            );
            qb.build().execute(&mut *tx).await.map_err(db_err("cannot write enterprises"))?;
        }

        for chain in &data.chains {
            chain.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
            Self::write_chain(&mut tx, chain).await?;
        }

        if !data.producers.is_empty() || !data.supply.is_empty() {
            let mut codes: HashSet<&str> = HashSet::new();
            let mut chains: HashSet<&str> = HashSet::new();
            for p in &data.producers {
                codes.insert(p.enterprise.as_str());
                chains.insert(p.chain.as_str());
            }
            for s in &data.supply {
                codes.insert(s.supplier.as_str());
                codes.insert(s.buyer.as_str());
                chains.insert(s.chain.as_str());
            }
            let ids = Self::enterprise_ids(&mut tx, &codes).await?;
            let units = Self::link_units(&mut tx, &chains).await?;
            let id_of = |what: &str, row: usize, code: &CreditCode| {
                ids.get(code.as_str()).copied().ok_or_else(|| {
                    StoreError::Invalid(format!("{what} {}: enterprise {code} is not in the registry", row + 1))
                })
            };
            let unit_of = |what: &str, row: usize, chain: &ChainId, link: &LinkId| {
                units
                    .get(&(chain.to_string(), link.to_string()))
                    .ok_or_else(|| StoreError::Invalid(format!("{what} {}: chain {chain} has no link {link}", row + 1)))
            };
            let mut producer_rows = Vec::with_capacity(data.producers.len());
            for (row, p) in data.producers.iter().enumerate() {
                let unit = unit_of("producer", row, &p.chain, &p.link)?;
                if unit != p.capacity_per_day.unit.as_str() {
                    return Err(StoreError::Invalid(format!(
                        "producer {}: capacity is in {} but link {} of chain {} is counted in {unit}",
                        row + 1,
                        p.capacity_per_day.unit,
                        p.link,
                        p.chain
                    )));
                }
                producer_rows.push((id_of("producer", row, &p.enterprise)?, p));
            }
            for chunk in producer_rows.chunks(ROW_BATCH) {
                let mut qb = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO producer (chain_id, link_id, enterprise_id, capacity, unit, illustrative) ",
                );
                qb.push_values(chunk, |mut b, (id, p)| {
                    b.push_bind(p.chain.as_str())
                        .push_bind(p.link.as_str())
                        .push_bind(*id)
                        .push_bind(p.capacity_per_day.value)
                        .push_bind(p.capacity_per_day.unit.as_str())
                        .push_bind(p.illustrative);
                });
                qb.push(
                    " ON CONFLICT (chain_id, link_id, enterprise_id) DO UPDATE SET capacity = excluded.capacity,
                      unit = excluded.unit, illustrative = excluded.illustrative",
                );
                qb.build().execute(&mut *tx).await.map_err(db_err("cannot write producers"))?;
            }
            let mut supply_rows = Vec::with_capacity(data.supply.len());
            for (row, s) in data.supply.iter().enumerate() {
                unit_of("supply relation", row, &s.chain, &s.link)?;
                if !(s.share > 0.0 && s.share <= 1.0) {
                    return Err(StoreError::Invalid(format!(
                        "supply relation {}: share {} is outside (0, 1]",
                        row + 1,
                        s.share
                    )));
                }
                supply_rows.push((
                    id_of("supply relation", row, &s.supplier)?,
                    id_of("supply relation", row, &s.buyer)?,
                    s,
                ));
            }
            for chunk in supply_rows.chunks(ROW_BATCH) {
                let mut qb = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO supply (chain_id, link_id, supplier_id, buyer_id, share, illustrative) ",
                );
                qb.push_values(chunk, |mut b, (sup, buy, s)| {
                    b.push_bind(s.chain.as_str())
                        .push_bind(s.link.as_str())
                        .push_bind(*sup)
                        .push_bind(*buy)
                        .push_bind(s.share)
                        .push_bind(s.illustrative);
                });
                qb.push(
                    " ON CONFLICT (chain_id, link_id, supplier_id, buyer_id) DO UPDATE SET share = excluded.share,
                      illustrative = excluded.illustrative",
                );
                qb.build().execute(&mut *tx).await.map_err(db_err("cannot write supply relations"))?;
            }
        }
        tx.commit().await.map_err(db_err("cannot commit the import"))?;
        Ok(ImportCounts {
            enterprises: data.enterprises.len() as u64,
            chains: data.chains.len() as u64,
            producers: data.producers.len() as u64,
            supply: data.supply.len() as u64,
        })
    }

    async fn chains(&self) -> Result<Vec<ChainInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.name,
               (SELECT count(*) FROM chain_link l WHERE l.chain_id = c.id),
               (SELECT count(*) FROM producer p WHERE p.chain_id = c.id),
               (SELECT count(DISTINCT p.enterprise_id) FROM producer p WHERE p.chain_id = c.id)
             FROM chain c ORDER BY c.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("cannot list chains"))?;
        rows.iter()
            .map(|r| {
                Ok(ChainInfo {
                    id: ChainId::parse(r.get::<&str, _>(0)).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    name: r.get(1),
                    links: r.get::<i64, _>(2) as u64,
                    producers: r.get::<i64, _>(3) as u64,
                    enterprises: r.get::<i64, _>(4) as u64,
                })
            })
            .collect()
    }

    async fn chain(&self, id: &ChainId) -> Result<Chain, StoreError> {
        let head = sqlx::query("SELECT name, description FROM chain WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("cannot read a chain"))?
            .ok_or_else(|| StoreError::NotFound { what: "chain", key: id.to_string() })?;
        let links = sqlx::query(
            "SELECT link_id, name, segment, unit, import_dependent, industry, note
             FROM chain_link WHERE chain_id = ? ORDER BY position",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("cannot read links"))?;
        let bom = sqlx::query("SELECT input, output, quantity FROM bom_edge WHERE chain_id = ? ORDER BY rowid")
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("cannot read BOM edges"))?;
        let inv = |e: chaindock_model::ModelError| StoreError::Invalid(format!("stored chain {id}: {e}"));
        Ok(Chain {
            id: id.clone(),
            name: head.get(0),
            description: head.get(1),
            links: links
                .iter()
                .map(|r| {
                    Ok(ChainLink {
                        id: LinkId::parse(r.get::<&str, _>(0)).map_err(inv)?,
                        name: r.get(1),
                        segment: segment(r.get::<&str, _>(2))?,
                        unit: Unit::parse(r.get::<&str, _>(3)).map_err(inv)?,
                        import_dependent: r.get(4),
                        industry: r.get::<Option<&str>, _>(5).map(IndustryCode::parse).transpose().map_err(inv)?,
                        note: r.get(6),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            bom: bom
                .iter()
                .map(|r| {
                    Ok(BomEdge {
                        input: LinkId::parse(r.get::<&str, _>(0)).map_err(inv)?,
                        output: LinkId::parse(r.get::<&str, _>(1)).map_err(inv)?,
                        quantity: r.get(2),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }

    async fn chain_snapshot(&self, id: &ChainId) -> Result<ChainSnapshot, StoreError> {
        use futures_util::TryStreamExt;
        let chain = self.chain(id).await?;
        let link_index: HashMap<&str, u32> =
            chain.links.iter().enumerate().map(|(i, l)| (l.id.as_str(), i as u32)).collect();
        let mut conn = self.pool.acquire().await.map_err(db_err("cannot get a connection"))?;
        // One read transaction, so the three reads see the same state.
        conn.execute("BEGIN").await.map_err(db_err("cannot begin a read"))?;
        let mut enterprises = Vec::new();
        let mut index: HashMap<i64, u32> = HashMap::new();
        {
            let mut rows = sqlx::query(
                "SELECT id, credit_code, name, region, leading, specialised FROM enterprise WHERE id IN (
                   SELECT enterprise_id FROM producer WHERE chain_id = ?1
                   UNION SELECT supplier_id FROM supply WHERE chain_id = ?1
                   UNION SELECT buyer_id FROM supply WHERE chain_id = ?1)",
            )
            .bind(id.as_str())
            .fetch(&mut *conn);
            while let Some(r) = rows.try_next().await.map_err(db_err("cannot read enterprises"))? {
                index.insert(r.get(0), enterprises.len() as u32);
                enterprises.push(EnterpriseBrief {
                    credit_code: CreditCode::parse(r.get::<&str, _>(1))
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    name: r.get(2),
                    region: RegionCode::parse(&r.get::<i64, _>(3).to_string())
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    leading: r.get(4),
                    specialised: r.get(5),
                });
            }
        }
        let missing = |what: &str| StoreError::Invalid(format!("chain {id}: a {what} row refers to a missing row"));
        let mut producers = Vec::new();
        {
            let mut rows = sqlx::query("SELECT enterprise_id, link_id, capacity FROM producer WHERE chain_id = ?")
                .bind(id.as_str())
                .fetch(&mut *conn);
            while let Some(r) = rows.try_next().await.map_err(db_err("cannot read producers"))? {
                producers.push(ProducerRow {
                    enterprise: *index.get(&r.get::<i64, _>(0)).ok_or_else(|| missing("producer"))?,
                    link: *link_index.get(r.get::<&str, _>(1)).ok_or_else(|| missing("producer"))?,
                    capacity: r.get(2),
                });
            }
        }
        let mut supply = Vec::new();
        {
            let mut rows = sqlx::query("SELECT supplier_id, buyer_id, link_id, share FROM supply WHERE chain_id = ?")
                .bind(id.as_str())
                .fetch(&mut *conn);
            while let Some(r) = rows.try_next().await.map_err(db_err("cannot read supply"))? {
                supply.push(SupplyRow {
                    supplier: *index.get(&r.get::<i64, _>(0)).ok_or_else(|| missing("supply"))?,
                    buyer: *index.get(&r.get::<i64, _>(1)).ok_or_else(|| missing("supply"))?,
                    link: *link_index.get(r.get::<&str, _>(2)).ok_or_else(|| missing("supply"))?,
                    share: r.get(3),
                });
            }
        }
        conn.execute("COMMIT").await.map_err(db_err("cannot end a read"))?;
        Ok(ChainSnapshot { chain, enterprises, producers, supply })
    }

    async fn enterprise(&self, code: &CreditCode) -> Result<Enterprise, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTERPRISE_COLUMNS} FROM enterprise WHERE credit_code = ?"
        )))
        .bind(code.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("cannot read an enterprise"))?
        .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
        decode_enterprise(&row)
    }

    async fn enterprises(&self, q: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError> {
        fn filters(qb: &mut QueryBuilder<Sqlite>, q: &EnterpriseQuery) {
            qb.push(" WHERE 1 = 1");
            if let Some(r) = q.region {
                let (lo, hi) = region_range(r);
                qb.push(" AND e.region BETWEEN ").push_bind(lo).push(" AND ").push_bind(hi);
            }
            if let Some(c) = &q.chain {
                qb.push(" AND EXISTS (SELECT 1 FROM producer p WHERE p.enterprise_id = e.id AND p.chain_id = ")
                    .push_bind(c.as_str())
                    .push(")");
            }
            if let Some(n) = &q.name_contains {
                qb.push(" AND instr(e.name, ").push_bind(n.as_str()).push(") > 0");
            }
            if let Some(l) = q.leading {
                qb.push(" AND e.leading = ").push_bind(l);
            }
            if let Some(s) = q.specialised {
                qb.push(" AND e.specialised = ").push_bind(s);
            }
        }
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM enterprise e");
        filters(&mut count, q);
        let total: i64 =
            count.build_query_scalar().fetch_one(&self.pool).await.map_err(db_err("cannot count enterprises"))?;
        let mut list = QueryBuilder::<Sqlite>::new(format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprise e"));
        filters(&mut list, q);
        list.push(" ORDER BY e.id LIMIT ").push_bind(q.limit as i64).push(" OFFSET ").push_bind(q.offset as i64);
        let rows = list.build().fetch_all(&self.pool).await.map_err(db_err("cannot list enterprises"))?;
        Ok(Page { items: rows.iter().map(decode_enterprise).collect::<Result<_, _>>()?, total: total as u64 })
    }

    async fn existing_enterprises(&self, codes: &[CreditCode]) -> Result<HashSet<CreditCode>, StoreError> {
        let mut found = HashSet::new();
        for chunk in codes.chunks(LOOKUP_BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new("SELECT credit_code FROM enterprise WHERE credit_code IN (");
            let mut sep = qb.separated(", ");
            for c in chunk {
                sep.push_bind(c.as_str());
            }
            qb.push(")");
            let rows: Vec<String> =
                qb.build_query_scalar().fetch_all(&self.pool).await.map_err(db_err("cannot look enterprises up"))?;
            for r in rows {
                found.insert(CreditCode::parse(&r).map_err(|e| StoreError::Invalid(e.to_string()))?);
            }
        }
        Ok(found)
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        let counts = sqlx::query(
            "SELECT (SELECT count(*) FROM enterprise), (SELECT count(*) FROM chain),
                    (SELECT count(*) FROM producer), (SELECT count(*) FROM supply)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_err("cannot count rows"))?;
        let by_province =
            sqlx::query("SELECT region / 10000 * 10000 AS p, count(*) FROM enterprise GROUP BY p ORDER BY p")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err("cannot count enterprises by province"))?;
        Ok(Stats {
            enterprises: counts.get::<i64, _>(0) as u64,
            chains: counts.get::<i64, _>(1) as u64,
            producers: counts.get::<i64, _>(2) as u64,
            supply: counts.get::<i64, _>(3) as u64,
            enterprises_by_province: by_province
                .iter()
                .map(|r| {
                    let code = RegionCode::parse(&r.get::<i64, _>(0).to_string())
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                    Ok((code, r.get::<i64, _>(1) as u64))
                })
                .collect::<Result<_, StoreError>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fresh() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("test.db")).await.expect("open");
        (store, dir)
    }

    chaindock_store::contract_tests!(fresh);
}
