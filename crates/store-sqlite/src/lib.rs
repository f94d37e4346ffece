//! The embedded SQLite backend of [`Store`]: one file, WAL journal, foreign keys on.
//!
//! It speaks to SQLite through rusqlite on tokio's blocking threads, with a small pool of connections.
//! rusqlite rather than sqlx because the two paths that matter at a million enterprises move millions of
//! rows: reading a chain snapshot (measured: sqlx's SQLite driver spends about 3.5 µs per fetched row,
//! rusqlite about 0.2 µs) and bulk imports (prepared statements in one transaction).
//!
//! Imports run in one `BEGIN IMMEDIATE` transaction; references (a producer's enterprise and link) are
//! resolved inside it, so a dataset may refer to rows it brings itself or to rows already stored, and any
//! error rolls everything back. Migrations are the numbered SQL files in `migrations/`, applied in order and
//! recorded in `PRAGMA user_version`. Supply–demand docking (demands, offers, requests, deliveries) lives
//! in the `docking` module.
//!
//! Architecture Invariant: all SQL of this backend is in this crate; nothing here knows HTTP or the CLI.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chaindock_model::{
    AllocationRequest, BomEdge, Chain, ChainId, ChainLink, ChainSnapshot, CreditCode, Dataset, Delivery, Demand,
    Enterprise, EnterpriseBrief, GeoPoint, IndustryCode, LinkId, ModelError, Offer, ProducerRow, RegionCode,
    RegionLevel, RiskParameters, Role, Segment, SupplyRow, Unit,
};
use chaindock_store::{
    AuditEntry, ChainInfo, DemandQuery, EnterpriseLink, EnterpriseQuery, EnterpriseRecord, ImportCounts, MergeRecord,
    NewAudit, NewRequest, NewUser, Page, RequestQuery, Session, Stats, Store, StoreError, SupplierRecord, User,
    check_enterprise, check_new_user, check_risk_parameters,
};
use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, Statement, Transaction, TransactionBehavior, params};

mod archive;
mod docking;

/// The schema, one entry per version; version N is applied when `user_version` < N.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_registry.sql"),
    include_str!("../migrations/0002_merges.sql"),
    include_str!("../migrations/0003_accounts.sql"),
    include_str!("../migrations/0004_docking.sql"),
    include_str!("../migrations/0005_risk.sql"),
];

/// Connections kept open for reuse.
const POOL_SIZE: usize = 4;

pub struct SqliteStore {
    path: PathBuf,
    pool: Arc<Mutex<Vec<Connection>>>,
}

pub(crate) fn sql_err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::other(context, e)
}

fn invalid(e: ModelError) -> StoreError {
    StoreError::Invalid(format!("stored data: {e}"))
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::other(format!("cannot open the SQLite database {}", path.display()), e))?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(sql_err("cannot set the busy timeout"))?;
    // WAL lets readers go on during a write; 64 MiB of page cache instead of 2 MiB because bulk loads
    // touch index pages at random.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )
    .map_err(sql_err("cannot configure the connection"))?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql_err("cannot read the schema version"))?;
    if current as usize > MIGRATIONS.len() {
        return Err(StoreError::Invalid(format!(
            "the database has schema version {current}, newer than this chaindock knows ({}); upgrade chaindock",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot migrate"))?;
        tx.execute_batch(sql).map_err(sql_err("cannot apply a migration"))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(sql_err("cannot record a migration"))?;
        tx.commit().map_err(sql_err("cannot commit a migration"))?;
    }
    Ok(())
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path` and bring its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let store = Self { path: path.to_path_buf(), pool: Arc::default() };
        store.run(migrate).await?;
        Ok(store)
    }

    /// Open a database from an `sqlite:` URL (`sqlite:chaindock.db`, `sqlite:///var/lib/x.db?mode=rwc`).
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::Invalid(format!("{url:?} is not an sqlite: URL")))?;
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::Invalid(format!("{url:?} names no database file")));
        }
        Self::open(Path::new(path)).await
    }

    /// Run `f` with a pooled connection on a blocking thread.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.path.clone();
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = pool.lock().map(|mut p| p.pop()).unwrap_or(None);
            let mut conn = match pooled {
                Some(c) => c,
                None => open_connection(&path)?,
            };
            let result = f(&mut conn);
            // A connection left inside a transaction by a failure is not reused.
            if conn.is_autocommit()
                && let Ok(mut p) = pool.lock()
                && p.len() < POOL_SIZE
            {
                p.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::other("a database task failed", e))?
    }
}

fn write_chain(tx: &Transaction<'_>, chain: &Chain) -> Result<(), StoreError> {
    let cid = chain.id.as_str();
    tx.execute(
        "INSERT INTO chain (id, name, description) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description",
        params![cid, chain.name, chain.description],
    )
    .map_err(sql_err("cannot write a chain"))?;
    // Links that disappear from the template must not be in use.
    let existing: Vec<String> = {
        let mut st = tx.prepare("SELECT link_id FROM chain_link WHERE chain_id = ?1").map_err(sql_err("links"))?;
        st.query_map([cid], |r| r.get(0)).and_then(Iterator::collect).map_err(sql_err("cannot read chain links"))?
    };
    let keep: HashSet<&str> = chain.links.iter().map(|l| l.id.as_str()).collect();
    let removed: Vec<&String> = existing.iter().filter(|l| !keep.contains(l.as_str())).collect();
    for link in &removed {
        let used: i64 = tx
            .query_row(
                "SELECT (SELECT count(*) FROM producer WHERE link = l.id) + (SELECT count(*) FROM supply WHERE link = l.id)
                   + (SELECT count(*) FROM demand WHERE link = l.id) + (SELECT count(*) FROM offer WHERE link = l.id)
                 FROM chain_link l WHERE l.chain_id = ?1 AND l.link_id = ?2",
                params![cid, link],
                |r| r.get(0),
            )
            .map_err(sql_err("cannot check link use"))?;
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "chain {cid} would lose link {link}, which {used} producer, supply, demand or offer rows still use"
            )));
        }
    }
    tx.execute("DELETE FROM bom_edge WHERE chain_id = ?1", [cid]).map_err(sql_err("cannot replace BOM edges"))?;
    for link in removed {
        tx.execute("DELETE FROM chain_link WHERE chain_id = ?1 AND link_id = ?2", params![cid, link])
            .map_err(sql_err("cannot remove a link"))?;
    }
    let mut st = tx
        .prepare_cached(
            "INSERT INTO chain_link (chain_id, link_id, position, name, segment, unit, import_dependent, industry, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (chain_id, link_id) DO UPDATE SET position = excluded.position, name = excluded.name,
               segment = excluded.segment, unit = excluded.unit, import_dependent = excluded.import_dependent,
               industry = excluded.industry, note = excluded.note",
        )
        .map_err(sql_err("cannot prepare a link write"))?;
    for (pos, l) in chain.links.iter().enumerate() {
        st.execute(params![
            cid,
            l.id.as_str(),
            pos as i64,
            l.name,
            l.segment.as_str(),
            l.unit.as_str(),
            l.import_dependent,
            l.industry.as_ref().map(|i| i.as_str()),
            l.note
        ])
        .map_err(sql_err("cannot write a link"))?;
    }
    let mut st = tx
        .prepare_cached("INSERT INTO bom_edge (chain_id, input, output, quantity) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql_err("cannot prepare a BOM write"))?;
    for e in &chain.bom {
        st.execute(params![cid, e.input.as_str(), e.output.as_str(), e.quantity])
            .map_err(sql_err("cannot write a BOM edge"))?;
    }
    Ok(())
}

/// Writes a new enterprise row; the parameters are those of [`execute_enterprise`].
macro_rules! insert_enterprise {
    () => {
        "INSERT INTO enterprise (credit_code, name, aliases, region, lng, lat, industry, above_scale, leading,
           specialised, illustrative, description, contact_person, contact_phone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    };
}

/// The import's upsert: the row as the file gives it, the version bumped only when a value changed (so that
/// importing the same file twice changes nothing).
const UPSERT_ENTERPRISE: &str = concat!(
    insert_enterprise!(),
    " ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, aliases = excluded.aliases,
       region = excluded.region, lng = excluded.lng, lat = excluded.lat, industry = excluded.industry,
       above_scale = excluded.above_scale, leading = excluded.leading, specialised = excluded.specialised,
       illustrative = excluded.illustrative, description = excluded.description,
       contact_person = excluded.contact_person, contact_phone = excluded.contact_phone, version = version + 1
     WHERE name IS NOT excluded.name OR aliases IS NOT excluded.aliases OR region IS NOT excluded.region
       OR lng IS NOT excluded.lng OR lat IS NOT excluded.lat OR industry IS NOT excluded.industry
       OR above_scale IS NOT excluded.above_scale OR leading IS NOT excluded.leading
       OR specialised IS NOT excluded.specialised OR illustrative IS NOT excluded.illustrative
       OR description IS NOT excluded.description OR contact_person IS NOT excluded.contact_person
       OR contact_phone IS NOT excluded.contact_phone"
);

/// A hand edit: every field but the credit code (`?1`, which names the row), and one more version.
const UPDATE_ENTERPRISE: &str = "UPDATE enterprise SET name = ?2, aliases = ?3, region = ?4, lng = ?5, lat = ?6,
       industry = ?7, above_scale = ?8, leading = ?9, specialised = ?10, illustrative = ?11, description = ?12,
       contact_person = ?13, contact_phone = ?14, version = version + 1
     WHERE credit_code = ?1";

/// Run `st` with `e` bound to `?1`…`?14` in the column order of [`insert_enterprise`].
fn execute_enterprise(st: &mut Statement<'_>, e: &Enterprise) -> Result<usize, StoreError> {
    let aliases = serde_json::to_string(&e.aliases).map_err(|e| StoreError::other("aliases", e))?;
    st.execute(params![
        e.credit_code.as_str(),
        e.name,
        aliases,
        e.region.as_u32(),
        e.location.map(|p| p.lng),
        e.location.map(|p| p.lat),
        e.industry.as_ref().map(|i| i.as_str()),
        e.above_scale,
        e.leading,
        e.specialised,
        e.illustrative,
        e.description,
        e.contact_person,
        e.contact_phone
    ])
    .map_err(sql_err("cannot write an enterprise"))
}

fn import_all(conn: &mut Connection, data: &Dataset) -> Result<ImportCounts, StoreError> {
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot start the import"))?;
    {
        let mut st = tx.prepare_cached(UPSERT_ENTERPRISE).map_err(sql_err("cannot prepare an enterprise write"))?;
        for e in &data.enterprises {
            execute_enterprise(&mut st, e)?;
        }
    }
    for chain in &data.chains {
        chain.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
        write_chain(&tx, chain)?;
    }

    if !data.producers.is_empty() || !data.supply.is_empty() {
        // Resolve every referenced credit code and link once.
        let mut ids: HashMap<&str, Option<i64>> = HashMap::new();
        let mut units: HashMap<(&str, &str), Option<(i64, String)>> = HashMap::new();
        {
            let mut by_code = tx
                .prepare_cached("SELECT id FROM enterprise WHERE credit_code = ?1")
                .map_err(sql_err("cannot prepare a look-up"))?;
            let mut by_link = tx
                .prepare_cached("SELECT id, unit FROM chain_link WHERE chain_id = ?1 AND link_id = ?2")
                .map_err(sql_err("cannot prepare a look-up"))?;
            let codes = data
                .producers
                .iter()
                .map(|p| &p.enterprise)
                .chain(data.supply.iter().flat_map(|s| [&s.supplier, &s.buyer]));
            for c in codes {
                if !ids.contains_key(c.as_str()) {
                    let id = by_code.query_row([c.as_str()], |r| r.get(0)).optional().map_err(sql_err("look-up"))?;
                    ids.insert(c.as_str(), id);
                }
            }
            let links = data
                .producers
                .iter()
                .map(|p| (&p.chain, &p.link))
                .chain(data.supply.iter().map(|s| (&s.chain, &s.link)));
            for (c, l) in links {
                let key = (c.as_str(), l.as_str());
                if let std::collections::hash_map::Entry::Vacant(slot) = units.entry(key) {
                    slot.insert(
                        by_link
                            .query_row(key, |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                            .map_err(sql_err("look-up"))?,
                    );
                }
            }
        }
        let id_of = |what: &str, row: usize, code: &CreditCode| {
            ids.get(code.as_str()).copied().flatten().ok_or_else(|| {
                StoreError::Invalid(format!("{what} {}: enterprise {code} is not in the registry", row + 1))
            })
        };
        fn unit_of<'u, 'k>(
            units: &'u HashMap<(&'k str, &'k str), Option<(i64, String)>>,
            what: &str,
            row: usize,
            chain: &'k ChainId,
            link: &'k LinkId,
        ) -> Result<(i64, &'u str), StoreError> {
            units
                .get(&(chain.as_str(), link.as_str()))
                .and_then(|u| u.as_ref())
                .map(|(k, u)| (*k, u.as_str()))
                .ok_or_else(|| StoreError::Invalid(format!("{what} {}: chain {chain} has no link {link}", row + 1)))
        }
        let mut st = tx
            .prepare_cached(
                "INSERT INTO producer (link, enterprise_id, capacity, illustrative) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (link, enterprise_id) DO UPDATE SET capacity = excluded.capacity,
                   illustrative = excluded.illustrative",
            )
            .map_err(sql_err("cannot prepare a producer write"))?;
        for (row, p) in data.producers.iter().enumerate() {
            let (link, unit) = unit_of(&units, "producer", row, &p.chain, &p.link)?;
            if unit != p.capacity_per_day.unit.as_str() {
                return Err(StoreError::Invalid(format!(
                    "producer {}: capacity is in {} but link {} of chain {} is counted in {unit}",
                    row + 1,
                    p.capacity_per_day.unit,
                    p.link,
                    p.chain
                )));
            }
            let id = id_of("producer", row, &p.enterprise)?;
            st.execute(params![link, id, p.capacity_per_day.value, p.illustrative])
                .map_err(sql_err("cannot write a producer"))?;
        }
        let mut st = tx
            .prepare_cached(
                "INSERT INTO supply (link, supplier_id, buyer_id, share, illustrative) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (link, supplier_id, buyer_id) DO UPDATE SET share = excluded.share,
                   illustrative = excluded.illustrative",
            )
            .map_err(sql_err("cannot prepare a supply write"))?;
        let mut rows = Vec::with_capacity(data.supply.len());
        for (row, s) in data.supply.iter().enumerate() {
            let (link, _) = unit_of(&units, "supply relation", row, &s.chain, &s.link)?;
            if !(s.share > 0.0 && s.share <= 1.0) {
                return Err(StoreError::Invalid(format!(
                    "supply relation {}: share {} is outside (0, 1]",
                    row + 1,
                    s.share
                )));
            }
            let (sup, buy) = (id_of("supply relation", row, &s.supplier)?, id_of("supply relation", row, &s.buyer)?);
            rows.push((link, sup, buy, s));
        }
        // In primary-key order, each insert lands next to the previous one in the table's B-tree.
        rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        for (link, sup, buy, s) in rows {
            st.execute(params![link, sup, buy, s.share, s.illustrative])
                .map_err(sql_err("cannot write a supply relation"))?;
        }
    }
    if !data.risk.is_empty() {
        check_risk_parameters(&data.risk)?;
        write_risk(&tx, &data.risk)?;
    }
    tx.commit().map_err(sql_err("cannot commit the import"))?;
    Ok(ImportCounts {
        enterprises: data.enterprises.len() as u64,
        chains: data.chains.len() as u64,
        producers: data.producers.len() as u64,
        supply: data.supply.len() as u64,
    })
}

/// Write risk parameters (checked by [`check_risk_parameters`]) inside `tx`: each row replaces its
/// producer's, an empty row deletes them. `Invalid` (`producer`) for a row that names no stored producer.
fn write_risk(tx: &Transaction<'_>, rows: &[RiskParameters]) -> Result<(), StoreError> {
    let mut find = tx
        .prepare_cached(
            "SELECT l.id, e.id, EXISTS (SELECT 1 FROM producer p WHERE p.link = l.id AND p.enterprise_id = e.id)
             FROM chain_link l, enterprise e WHERE l.chain_id = ?1 AND l.link_id = ?2 AND e.credit_code = ?3",
        )
        .map_err(sql_err("cannot prepare a producer look-up"))?;
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO risk_param (link, enterprise_id, f, d, s, ttr, product) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (link, enterprise_id) DO UPDATE SET f = excluded.f, d = excluded.d, s = excluded.s,
               ttr = excluded.ttr, product = excluded.product",
        )
        .map_err(sql_err("cannot prepare a risk parameter write"))?;
    let mut delete = tx
        .prepare_cached("DELETE FROM risk_param WHERE link = ?1 AND enterprise_id = ?2")
        .map_err(sql_err("cannot prepare a risk parameter write"))?;
    for (i, p) in rows.iter().enumerate() {
        let found: Option<(i64, i64, bool)> = find
            .query_row(params![p.chain.as_str(), p.link.as_str(), p.enterprise.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(sql_err("cannot look a producer up"))?;
        let Some((link, enterprise, true)) = found else {
            return Err(StoreError::invalid_field(
                "producer",
                format!(
                    "risk parameters {}: {} does not make {} of chain {} (no such producer is stored)",
                    i + 1,
                    p.enterprise,
                    p.link,
                    p.chain
                ),
            ));
        };
        if p.is_empty() {
            delete.execute(params![link, enterprise]).map_err(sql_err("cannot delete risk parameters"))?;
        } else {
            upsert
                .execute(params![link, enterprise, p.f, p.d, p.s, p.ttr, p.product])
                .map_err(sql_err("cannot write risk parameters"))?;
        }
    }
    Ok(())
}

fn read_risk(conn: &Connection, chain: &ChainId) -> Result<Vec<RiskParameters>, StoreError> {
    let exists: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM chain WHERE id = ?1)", [chain.as_str()], |r| r.get(0))
        .map_err(sql_err("cannot read a chain"))?;
    if !exists {
        return Err(StoreError::NotFound { what: "chain", key: chain.to_string() });
    }
    let mut st = conn
        .prepare_cached(
            "SELECT e.credit_code, l.link_id, r.f, r.d, r.s, r.ttr, r.product
             FROM chain_link l JOIN risk_param r ON r.link = l.id JOIN enterprise e ON e.id = r.enterprise_id
             WHERE l.chain_id = ?1 ORDER BY l.position, e.credit_code",
        )
        .map_err(sql_err("cannot read risk parameters"))?;
    type Raw = (String, String, Option<f64>, Option<f64>, Option<f64>, Option<f64>, Option<bool>);
    let raw: Vec<Raw> = st
        .query_map([chain.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read risk parameters"))?;
    raw.into_iter()
        .map(|(code, link, f, d, s, ttr, product)| {
            Ok(RiskParameters {
                enterprise: CreditCode::parse(&code).map_err(invalid)?,
                chain: chain.clone(),
                link: LinkId::parse(&link).map_err(invalid)?,
                f,
                d,
                s,
                ttr,
                product,
            })
        })
        .collect()
}

fn set_risk(conn: &mut Connection, rows: &[RiskParameters], audit: &NewAudit) -> Result<(), StoreError> {
    check_risk_parameters(rows)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err("cannot start a risk parameter write"))?;
    write_risk(&tx, rows)?;
    append_audit(&tx, audit)?;
    tx.commit().map_err(sql_err("cannot commit risk parameters"))
}

fn read_chain(conn: &Connection, id: &ChainId) -> Result<Chain, StoreError> {
    let head: Option<(String, Option<String>)> = conn
        .query_row("SELECT name, description FROM chain WHERE id = ?1", [id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(sql_err("cannot read a chain"))?;
    let (name, description) = head.ok_or_else(|| StoreError::NotFound { what: "chain", key: id.to_string() })?;
    let mut st = conn
        .prepare_cached(
            "SELECT link_id, name, segment, unit, import_dependent, industry, note
             FROM chain_link WHERE chain_id = ?1 ORDER BY position",
        )
        .map_err(sql_err("cannot read links"))?;
    let raw: Vec<Result<ChainLink, StoreError>> = st
        .query_map([id.as_str()], |r| {
            let (lid, segment, unit, industry): (String, String, String, Option<String>) =
                (r.get(0)?, r.get(2)?, r.get(3)?, r.get(5)?);
            let (name, import_dependent, note) = (r.get(1)?, r.get(4)?, r.get(6)?);
            Ok((|| {
                Ok(ChainLink {
                    id: LinkId::parse(&lid).map_err(invalid)?,
                    name,
                    segment: Segment::parse(&segment).map_err(invalid)?,
                    unit: Unit::parse(&unit).map_err(invalid)?,
                    import_dependent,
                    industry: industry.as_deref().map(IndustryCode::parse).transpose().map_err(invalid)?,
                    note,
                })
            })())
        })
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read links"))?;
    let links = raw.into_iter().collect::<Result<_, StoreError>>()?;
    let mut st = conn
        .prepare_cached("SELECT input, output, quantity FROM bom_edge WHERE chain_id = ?1 ORDER BY rowid")
        .map_err(sql_err("cannot read BOM edges"))?;
    let raw: Vec<(String, String, f64)> = st
        .query_map([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read BOM edges"))?;
    let bom = raw
        .into_iter()
        .map(|(i, o, quantity)| {
            Ok(BomEdge {
                input: LinkId::parse(&i).map_err(invalid)?,
                output: LinkId::parse(&o).map_err(invalid)?,
                quantity,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Chain { id: id.clone(), name, description, links, bom })
}

/// A chain with its producers and supply relations, read in one read transaction. Enterprises get
/// snapshot indices in the order they are first met; their briefs are then looked up by id.
fn read_snapshot(conn: &mut Connection, id: &ChainId) -> Result<ChainSnapshot, StoreError> {
    let tx = conn.transaction().map_err(sql_err("cannot begin a read"))?;
    let chain = read_chain(&tx, id)?;
    let corrupt = |what: &str| StoreError::Invalid(format!("chain {id}: a {what} row names a link the chain lacks"));
    let position: HashMap<&str, u32> = chain.links.iter().enumerate().map(|(i, l)| (l.id.as_str(), i as u32)).collect();
    let mut link_index: HashMap<i64, u32> = HashMap::new();
    {
        let mut st = tx.prepare("SELECT id, link_id FROM chain_link WHERE chain_id = ?1").map_err(sql_err("links"))?;
        let mut rows = st.query([id.as_str()]).map_err(sql_err("cannot read links"))?;
        while let Some(r) = rows.next().map_err(sql_err("cannot read links"))? {
            let lid: String = r.get(1).map_err(sql_err("link"))?;
            let pos = *position.get(lid.as_str()).ok_or_else(|| corrupt("link"))?;
            link_index.insert(r.get(0).map_err(sql_err("link"))?, pos);
        }
    }
    // Enterprise ids are rowids, dense from 1: a flat table maps them to snapshot positions faster than a
    // hash map can (a million ids take 4 MB).
    let max_id: i64 =
        tx.query_row("SELECT coalesce(max(id), 0) FROM enterprise", [], |r| r.get(0)).map_err(sql_err("max id"))?;
    let mut index: Vec<u32> = vec![u32::MAX; max_id as usize + 1];
    let mut count: u32 = 0;
    let mut slot = |db_id: i64| -> Result<u32, StoreError> {
        let cell =
            index.get_mut(db_id as usize).ok_or_else(|| StoreError::Invalid(format!("enterprise id {db_id}")))?;
        if *cell == u32::MAX {
            *cell = count;
            count += 1;
        }
        Ok(*cell)
    };
    let mut producers = Vec::new();
    {
        let mut st = tx
            .prepare(
                "SELECT p.enterprise_id, p.link, p.capacity FROM chain_link l JOIN producer p ON p.link = l.id
                 WHERE l.chain_id = ?1",
            )
            .map_err(sql_err("cannot read producers"))?;
        let mut rows = st.query([id.as_str()]).map_err(sql_err("cannot read producers"))?;
        while let Some(r) = rows.next().map_err(sql_err("cannot read producers"))? {
            let link: i64 = r.get(1).map_err(sql_err("producer"))?;
            producers.push(ProducerRow {
                enterprise: slot(r.get(0).map_err(sql_err("producer"))?)?,
                link: *link_index.get(&link).ok_or_else(|| corrupt("producer"))?,
                capacity: r.get(2).map_err(sql_err("producer"))?,
            });
        }
    }
    let mut supply = Vec::new();
    {
        let mut st = tx
            .prepare(
                "SELECT s.supplier_id, s.buyer_id, s.link, s.share FROM chain_link l JOIN supply s ON s.link = l.id
                 WHERE l.chain_id = ?1",
            )
            .map_err(sql_err("cannot read supply"))?;
        let mut rows = st.query([id.as_str()]).map_err(sql_err("cannot read supply"))?;
        while let Some(r) = rows.next().map_err(sql_err("cannot read supply"))? {
            let link: i64 = r.get(2).map_err(sql_err("supply"))?;
            supply.push(SupplyRow {
                supplier: slot(r.get(0).map_err(sql_err("supply"))?)?,
                buyer: slot(r.get(1).map_err(sql_err("supply"))?)?,
                link: *link_index.get(&link).ok_or_else(|| corrupt("supply"))?,
                share: r.get(3).map_err(sql_err("supply"))?,
            });
        }
    }
    // Look the enterprises up in id order (walking the flat table), so that consecutive look-ups touch
    // neighbouring B-tree pages; each lands at the position it was given above.
    let mut enterprises: Vec<Option<EnterpriseBrief>> = vec![None; count as usize];
    {
        let mut st = tx
            .prepare("SELECT credit_code, name, region, leading, specialised FROM enterprise WHERE id = ?1")
            .map_err(sql_err("cannot read enterprises"))?;
        for (db_id, &pos) in index.iter().enumerate().filter(|(_, p)| **p != u32::MAX) {
            let (code, name, region, leading, specialised): (String, String, u32, bool, bool) = st
                .query_row([db_id as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .map_err(sql_err("cannot read an enterprise"))?;
            enterprises[pos as usize] = Some(EnterpriseBrief {
                credit_code: CreditCode::parse(&code).map_err(invalid)?,
                name,
                region: RegionCode::parse(&region.to_string()).map_err(invalid)?,
                leading,
                specialised,
            });
        }
    }
    // Every position was filled: positions are handed out exactly for the ids walked above.
    let enterprises: Vec<EnterpriseBrief> = enterprises.into_iter().flatten().collect();
    tx.commit().map_err(sql_err("cannot end a read"))?;
    Ok(ChainSnapshot { chain, enterprises, producers, supply })
}

fn enterprise_id(tx: &Transaction<'_>, code: &CreditCode) -> Result<(i64, String, Vec<String>), StoreError> {
    let row: Option<(i64, String, String)> = tx
        .query_row("SELECT id, name, aliases FROM enterprise WHERE credit_code = ?1", [code.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(sql_err("cannot read an enterprise"))?;
    let (id, name, aliases) = row.ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    let aliases: Vec<String> =
        serde_json::from_str(&aliases).map_err(|e| StoreError::Invalid(format!("stored alias list of {code}: {e}")))?;
    Ok((id, name, aliases))
}

fn merge_into(conn: &mut Connection, keep: &CreditCode, remove: &CreditCode, reason: &str) -> Result<(), StoreError> {
    if keep == remove {
        return Err(StoreError::Invalid(format!("cannot merge {keep} into itself")));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot start a merge"))?;
    let (keep_id, keep_name, mut aliases) = enterprise_id(&tx, keep)?;
    let (remove_id, remove_name, remove_aliases) = enterprise_id(&tx, remove)?;
    let e = sql_err("cannot merge producers");
    // Capacities of a link both make add up; the rest of the removed enterprise's producers move over.
    tx.execute(
        "UPDATE producer SET capacity = capacity + (SELECT r.capacity FROM producer r
           WHERE r.link = producer.link AND r.enterprise_id = ?2)
         WHERE enterprise_id = ?1 AND link IN (SELECT link FROM producer WHERE enterprise_id = ?2)",
        params![keep_id, remove_id],
    )
    .map_err(&e)?;
    tx.execute(
        "DELETE FROM producer WHERE enterprise_id = ?2 AND link IN (SELECT link FROM producer WHERE enterprise_id = ?1)",
        params![keep_id, remove_id],
    )
    .map_err(&e)?;
    tx.execute("UPDATE producer SET enterprise_id = ?1 WHERE enterprise_id = ?2", params![keep_id, remove_id])
        .map_err(&e)?;
    // Supply relations: take them out, point them at the kept enterprise, put them back.
    let e = sql_err("cannot merge supply relations");
    let moved: Vec<(i64, i64, i64, f64, bool)> = {
        let mut st = tx
            .prepare("SELECT link, supplier_id, buyer_id, share, illustrative FROM supply WHERE supplier_id = ?1 OR buyer_id = ?1")
            .map_err(&e)?;
        st.query_map([remove_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .and_then(Iterator::collect)
            .map_err(&e)?
    };
    tx.execute("DELETE FROM supply WHERE supplier_id = ?1 OR buyer_id = ?1", [remove_id]).map_err(&e)?;
    for (link, sup, buy, share, illustrative) in moved {
        let (sup, buy) = (if sup == remove_id { keep_id } else { sup }, if buy == remove_id { keep_id } else { buy });
        if sup == buy {
            continue;
        }
        tx.execute(
            "INSERT INTO supply (link, supplier_id, buyer_id, share, illustrative) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (link, supplier_id, buyer_id) DO UPDATE SET share = min(1.0, share + excluded.share)",
            params![link, sup, buy, share, illustrative],
        )
        .map_err(&e)?;
    }
    for a in std::iter::once(&remove_name).chain(&remove_aliases) {
        if *a != keep_name && !aliases.contains(a) {
            aliases.push(a.clone());
        }
    }
    let aliases = serde_json::to_string(&aliases).map_err(|e| StoreError::other("aliases", e))?;
    tx.execute("UPDATE enterprise SET aliases = ?1, version = version + 1 WHERE id = ?2", params![aliases, keep_id])
        .map_err(sql_err("cannot update aliases"))?;
    // Demands, offers and requests of the removed enterprise are the kept one's.
    docking::merge_docking(&tx, keep_id, remove_id, keep, remove)?;
    // Accounts that spoke for the removed enterprise now speak for the kept one.
    tx.execute("UPDATE app_user SET enterprise_id = ?1 WHERE enterprise_id = ?2", params![keep_id, remove_id])
        .map_err(sql_err("cannot move accounts"))?;
    let removed_aliases = serde_json::to_string(&remove_aliases).map_err(|e| StoreError::other("aliases", e))?;
    tx.execute(
        "INSERT INTO enterprise_merge (kept_id, removed_code, removed_name, removed_aliases, reason)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![keep_id, remove.as_str(), remove_name, removed_aliases, reason],
    )
    .map_err(sql_err("cannot record the merge"))?;
    // Merges into the removed enterprise now belong to the kept one.
    tx.execute("UPDATE enterprise_merge SET kept_id = ?1 WHERE kept_id = ?2", params![keep_id, remove_id])
        .map_err(sql_err("cannot move merge records"))?;
    tx.execute("DELETE FROM enterprise WHERE id = ?1", [remove_id])
        .map_err(sql_err("cannot delete the merged enterprise"))?;
    tx.commit().map_err(sql_err("cannot commit the merge"))?;
    Ok(())
}

const ENTERPRISE_COLUMNS: &str = "credit_code, name, aliases, region, lng, lat, industry, above_scale, leading,
    specialised, illustrative, description, contact_person, contact_phone";

fn decode_enterprise(r: &Row<'_>) -> rusqlite::Result<Result<Enterprise, StoreError>> {
    let code: String = r.get(0)?;
    let aliases: String = r.get(2)?;
    let region: u32 = r.get(3)?;
    let (lng, lat): (Option<f64>, Option<f64>) = (r.get(4)?, r.get(5)?);
    let industry: Option<String> = r.get(6)?;
    let (name, above_scale, leading, specialised, illustrative) =
        (r.get(1)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?);
    let (description, contact_person, contact_phone) = (r.get(11)?, r.get(12)?, r.get(13)?);
    Ok((|| {
        Ok(Enterprise {
            credit_code: CreditCode::parse(&code).map_err(invalid)?,
            name,
            aliases: serde_json::from_str(&aliases)
                .map_err(|e| StoreError::Invalid(format!("stored alias list of {code}: {e}")))?,
            region: RegionCode::parse(&region.to_string()).map_err(invalid)?,
            location: lng.zip(lat).map(|(lng, lat)| GeoPoint { lng, lat }),
            industry: industry.as_deref().map(IndustryCode::parse).transpose().map_err(invalid)?,
            above_scale,
            leading,
            specialised,
            illustrative,
            description,
            contact_person,
            contact_phone,
        })
    })())
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

/// The first string after every string that starts with `prefix`: its last character incremented. Codes
/// are ASCII letters and digits, so the increment stays ASCII (`9` becomes `:`).
fn prefix_end(prefix: &str) -> String {
    let mut s = prefix.to_string();
    match s.pop().and_then(|c| char::from_u32(c as u32 + 1)) {
        Some(next) => s.push(next),
        None => s.push(char::MAX),
    }
    s
}

/// The WHERE clause of [`list_enterprises`] over `enterprise e`, and its arguments.
fn enterprise_filter(q: &EnterpriseQuery) -> (String, Vec<Value>) {
    let mut filter = String::from(" WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(r) = q.region {
        let (lo, hi) = region_range(r);
        filter.push_str(" AND e.region BETWEEN ? AND ?");
        args.extend([Value::Integer(lo), Value::Integer(hi)]);
    }
    if let Some(c) = &q.chain {
        // CROSS JOIN makes SQLite loop over the enterprise's own producer rows (one to three, by the
        // producer_enterprise index) and look each link up by its key. With a plain JOIN and no statistics
        // the planner chose the other order: every link of the chain (fifteen or so) probed against the
        // enterprise's producer rows, fifteen index searches per enterprise in the region, which made the
        // region + chain listing take ~100 ms at 100,000 enterprises (benchmarks/store/README.md).
        filter.push_str(
            " AND EXISTS (SELECT 1 FROM producer p CROSS JOIN chain_link l ON l.id = p.link
                          WHERE p.enterprise_id = e.id AND l.chain_id = ?)",
        );
        args.push(Value::Text(c.to_string()));
    }
    if let Some(n) = &q.name_contains {
        // Most enterprises have no aliases; the '[]' test spares them the JSON walk.
        filter.push_str(
            " AND (instr(e.name, ?) > 0 OR (e.aliases <> '[]'
                   AND EXISTS (SELECT 1 FROM json_each(e.aliases) a WHERE instr(a.value, ?) > 0)))",
        );
        args.extend([Value::Text(n.clone()), Value::Text(n.clone())]);
    }
    if let Some(code) = &q.industry {
        // Each prefix as a range, so that the industry index can serve it: `36` is ['36', '37').
        let ranges: Vec<&str> = code.prefixes().iter().map(|_| "(e.industry >= ? AND e.industry < ?)").collect();
        filter.push_str(&format!(" AND ({})", ranges.join(" OR ")));
        for p in code.prefixes() {
            args.extend([Value::Text(p.to_string()), Value::Text(prefix_end(p))]);
        }
    }
    if let Some(l) = q.leading {
        filter.push_str(" AND e.leading = ?");
        args.push(Value::Integer(l as i64));
    }
    if let Some(s) = q.specialised {
        filter.push_str(" AND e.specialised = ?");
        args.push(Value::Integer(s as i64));
    }
    (filter, args)
}

fn list_enterprises(conn: &Connection, q: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError> {
    let (filter, mut args) = enterprise_filter(q);
    let total: i64 = conn
        .query_row(&format!("SELECT count(*) FROM enterprise e{filter}"), rusqlite::params_from_iter(&args), |r| {
            r.get(0)
        })
        .map_err(sql_err("cannot count enterprises"))?;
    let sql = format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprise e{filter} ORDER BY e.id LIMIT ? OFFSET ?");
    args.extend([
        Value::Integer(q.limit.min(i64::MAX as u64) as i64),
        Value::Integer(q.offset.min(i64::MAX as u64) as i64),
    ]);
    let mut st = conn.prepare(&sql).map_err(sql_err("cannot list enterprises"))?;
    let items: Vec<Result<Enterprise, StoreError>> = st
        .query_map(rusqlite::params_from_iter(&args), decode_enterprise)
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot list enterprises"))?;
    Ok(Page { items: items.into_iter().collect::<Result<_, _>>()?, total: total as u64 })
}

/// The columns [`decode_user`] reads, from `app_user u LEFT JOIN enterprise e`.
const USER_COLUMNS: &str = "u.id, u.username, u.role, e.credit_code, u.password_hash, u.created_at";
const USER_FROM: &str = "app_user u LEFT JOIN enterprise e ON e.id = u.enterprise_id";

fn decode_user(r: &Row<'_>) -> rusqlite::Result<Result<User, StoreError>> {
    let (id, username, role, code, password_hash, created_at): (i64, String, String, Option<String>, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    Ok((|| {
        Ok(User {
            id,
            username,
            role: Role::parse(&role).map_err(invalid)?,
            enterprise: code.as_deref().map(CreditCode::parse).transpose().map_err(invalid)?,
            password_hash,
            created_at,
        })
    })())
}

fn read_user(conn: &Connection, where_clause: &str, key: impl rusqlite::ToSql) -> Result<Option<User>, StoreError> {
    conn.query_row(&format!("SELECT {USER_COLUMNS} FROM {USER_FROM} WHERE {where_clause}"), [key], decode_user)
        .optional()
        .map_err(sql_err("cannot read an account"))?
        .transpose()
}

fn create_user(conn: &mut Connection, user: &NewUser) -> Result<User, StoreError> {
    check_new_user(user)?;
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot add an account"))?;
    let enterprise_id: Option<i64> = match &user.enterprise {
        None => None,
        Some(code) => Some(
            tx.query_row("SELECT id FROM enterprise WHERE credit_code = ?1", [code.as_str()], |r| r.get(0))
                .optional()
                .map_err(sql_err("cannot look an enterprise up"))?
                .ok_or_else(|| {
                    StoreError::Invalid(format!("user {}: enterprise {code} is not in the registry", user.username))
                })?,
        ),
    };
    let taken = tx
        .prepare_cached("SELECT 1 FROM app_user WHERE username = ?1")
        .and_then(|mut st| st.exists([&user.username]))
        .map_err(sql_err("cannot look an account up"))?;
    if taken {
        return Err(StoreError::Conflict(format!("there is already an account named {}", user.username)));
    }
    tx.execute(
        "INSERT INTO app_user (username, role, enterprise_id, password_hash) VALUES (?1, ?2, ?3, ?4)",
        params![user.username, user.role.as_str(), enterprise_id, user.password_hash],
    )
    .map_err(sql_err("cannot add an account"))?;
    let id = tx.last_insert_rowid();
    // The row was inserted just above, in this transaction.
    let created = read_user(&tx, "u.id = ?1", id)?
        .ok_or_else(|| StoreError::Invalid(format!("account {} vanished while it was created", user.username)))?;
    tx.commit().map_err(sql_err("cannot commit an account"))?;
    Ok(created)
}

fn create_session(conn: &mut Connection, session: &Session) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot add a session"))?;
    tx.execute("DELETE FROM session WHERE expires_at <= ?1", [session.created_at])
        .map_err(sql_err("cannot delete expired sessions"))?;
    let user = tx
        .prepare_cached("SELECT 1 FROM app_user WHERE id = ?1")
        .and_then(|mut st| st.exists([session.user_id]))
        .map_err(sql_err("cannot look an account up"))?;
    if !user {
        return Err(StoreError::Invalid(format!("session for account id {}, which does not exist", session.user_id)));
    }
    let taken = tx
        .prepare_cached("SELECT 1 FROM session WHERE token_hash = ?1")
        .and_then(|mut st| st.exists([&session.token_hash]))
        .map_err(sql_err("cannot look a session up"))?;
    if taken {
        return Err(StoreError::Conflict("a session with this token exists already".into()));
    }
    tx.execute(
        "INSERT INTO session (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![session.token_hash, session.user_id, session.csrf_token, session.created_at, session.expires_at],
    )
    .map_err(sql_err("cannot add a session"))?;
    tx.commit().map_err(sql_err("cannot commit a session"))
}

fn read_session(conn: &mut Connection, token_hash: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
    let found: Option<Session> = conn
        .query_row(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM session WHERE token_hash = ?1",
            [token_hash],
            |r| {
                Ok(Session {
                    token_hash: r.get(0)?,
                    user_id: r.get(1)?,
                    csrf_token: r.get(2)?,
                    created_at: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(sql_err("cannot read a session"))?;
    let Some(session) = found else { return Ok(None) };
    if session.expires_at <= now {
        // Only if it is still expired: a session written anew under the same hash in between stays.
        conn.execute("DELETE FROM session WHERE token_hash = ?1 AND expires_at <= ?2", params![token_hash, now])
            .map_err(sql_err("cannot delete an expired session"))?;
        return Ok(None);
    }
    // The account cannot be missing while the session exists (ON DELETE CASCADE), short of a race with its
    // deletion, in which case the session is as good as gone.
    Ok(read_user(conn, "u.id = ?1", session.user_id)?.map(|user| (session, user)))
}

fn append_audit(conn: &Connection, entry: &NewAudit) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO audit_log (username, action, target, detail) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut st| st.execute(params![entry.username, entry.action, entry.target, entry.detail.to_string()]))
        .map_err(sql_err("cannot write the audit log"))?;
    Ok(())
}

fn read_audit(conn: &Connection, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
    let mut st = conn
        .prepare("SELECT id, at, username, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?1")
        .map_err(sql_err("cannot read the audit log"))?;
    let raw: Vec<(i64, String, Option<String>, String, String, String)> = st
        .query_map([limit.min(i64::MAX as u64) as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read the audit log"))?;
    raw.into_iter()
        .map(|(id, at, username, action, target, detail)| {
            Ok(AuditEntry {
                id,
                at,
                username,
                action,
                target,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Invalid(format!("stored audit entry {id}: {e}")))?,
            })
        })
        .collect()
}

/// The enterprise `code` with its version and the links it makes.
fn read_record(conn: &Connection, code: &CreditCode) -> Result<EnterpriseRecord, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {ENTERPRISE_COLUMNS}, id, version FROM enterprise WHERE credit_code = ?1"),
            [code.as_str()],
            |r| Ok((decode_enterprise(r)?, r.get::<_, i64>(14)?, r.get::<_, i64>(15)?)),
        )
        .optional()
        .map_err(sql_err("cannot read an enterprise"))?;
    let (enterprise, id, version) =
        row.ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    let mut st = conn
        .prepare_cached(
            "SELECT c.id, c.name, l.link_id, l.name, p.capacity, l.unit
             FROM producer p CROSS JOIN chain_link l ON l.id = p.link JOIN chain c ON c.id = l.chain_id
             WHERE p.enterprise_id = ?1 ORDER BY c.id, l.position",
        )
        .map_err(sql_err("cannot read an enterprise's links"))?;
    let raw: Vec<(String, String, String, String, f64, String)> = st
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .and_then(Iterator::collect)
        .map_err(sql_err("cannot read an enterprise's links"))?;
    let links = raw
        .into_iter()
        .map(|(chain, chain_name, link, link_name, capacity, unit)| {
            Ok(EnterpriseLink {
                chain: ChainId::parse(&chain).map_err(invalid)?,
                chain_name,
                link: LinkId::parse(&link).map_err(invalid)?,
                link_name,
                capacity,
                unit: Unit::parse(&unit).map_err(invalid)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(EnterpriseRecord { enterprise: enterprise?, version, links })
}

fn create_enterprise(conn: &mut Connection, e: &Enterprise, audit: &NewAudit) -> Result<EnterpriseRecord, StoreError> {
    check_enterprise(e)?;
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_err("cannot add an enterprise"))?;
    let exists = tx
        .prepare_cached("SELECT 1 FROM enterprise WHERE credit_code = ?1")
        .and_then(|mut st| st.exists([e.credit_code.as_str()]))
        .map_err(sql_err("cannot look an enterprise up"))?;
    if exists {
        return Err(StoreError::Conflict(format!("enterprise {} is already in the registry", e.credit_code)));
    }
    let mut st = tx.prepare_cached(insert_enterprise!()).map_err(sql_err("cannot prepare an enterprise write"))?;
    execute_enterprise(&mut st, e)?;
    drop(st);
    append_audit(&tx, audit)?;
    let record = read_record(&tx, &e.credit_code)?;
    tx.commit().map_err(sql_err("cannot commit an enterprise"))?;
    Ok(record)
}

fn update_enterprise(
    conn: &mut Connection,
    e: &Enterprise,
    expected_version: i64,
    audit: &NewAudit,
) -> Result<EnterpriseRecord, StoreError> {
    check_enterprise(e)?;
    let code = &e.credit_code;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err("cannot update an enterprise"))?;
    let stored: i64 = tx
        .query_row("SELECT version FROM enterprise WHERE credit_code = ?1", [code.as_str()], |r| r.get(0))
        .optional()
        .map_err(sql_err("cannot read an enterprise's version"))?
        .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    if stored != expected_version {
        return Err(StoreError::Conflict(format!(
            "enterprise {code} was changed by someone else (version {stored}, you had {expected_version})"
        )));
    }
    let mut st = tx.prepare_cached(UPDATE_ENTERPRISE).map_err(sql_err("cannot prepare an enterprise update"))?;
    execute_enterprise(&mut st, e)?;
    drop(st);
    append_audit(&tx, audit)?;
    let record = read_record(&tx, code)?;
    tx.commit().map_err(sql_err("cannot commit an enterprise update"))?;
    Ok(record)
}

#[async_trait]
impl Store for SqliteStore {
    async fn import(&self, data: &Dataset) -> Result<ImportCounts, StoreError> {
        let data = data.clone();
        self.run(move |c| import_all(c, &data)).await
    }

    async fn chains(&self) -> Result<Vec<ChainInfo>, StoreError> {
        self.run(|c| {
            let mut st = c
                .prepare(
                    "SELECT c.id, c.name,
                       (SELECT count(*) FROM chain_link l WHERE l.chain_id = c.id),
                       (SELECT count(*) FROM chain_link l JOIN producer p ON p.link = l.id WHERE l.chain_id = c.id),
                       (SELECT count(DISTINCT p.enterprise_id) FROM chain_link l JOIN producer p ON p.link = l.id
                        WHERE l.chain_id = c.id)
                     FROM chain c ORDER BY c.id",
                )
                .map_err(sql_err("cannot list chains"))?;
            let raw: Vec<(String, String, i64, i64, i64)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .and_then(Iterator::collect)
                .map_err(sql_err("cannot list chains"))?;
            raw.into_iter()
                .map(|(id, name, links, producers, enterprises)| {
                    Ok(ChainInfo {
                        id: ChainId::parse(&id).map_err(invalid)?,
                        name,
                        links: links as u64,
                        producers: producers as u64,
                        enterprises: enterprises as u64,
                    })
                })
                .collect()
        })
        .await
    }

    async fn chain(&self, id: &ChainId) -> Result<Chain, StoreError> {
        let id = id.clone();
        self.run(move |c| read_chain(c, &id)).await
    }

    async fn chain_snapshot(&self, id: &ChainId) -> Result<ChainSnapshot, StoreError> {
        let id = id.clone();
        self.run(move |c| read_snapshot(c, &id)).await
    }

    async fn enterprise(&self, code: &CreditCode) -> Result<Enterprise, StoreError> {
        let code = code.clone();
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprise WHERE credit_code = ?1"),
                [code.as_str()],
                decode_enterprise,
            )
            .optional()
            .map_err(sql_err("cannot read an enterprise"))?
            .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?
        })
        .await
    }

    async fn enterprises(&self, query: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError> {
        let q = query.clone();
        self.run(move |c| list_enterprises(c, &q)).await
    }

    async fn existing_enterprises(&self, codes: &[CreditCode]) -> Result<HashSet<CreditCode>, StoreError> {
        let codes = codes.to_vec();
        self.run(move |c| {
            let mut st = c
                .prepare_cached("SELECT 1 FROM enterprise WHERE credit_code = ?1")
                .map_err(sql_err("cannot look enterprises up"))?;
            let mut found = HashSet::new();
            for code in codes {
                if st.exists([code.as_str()]).map_err(sql_err("cannot look an enterprise up"))? {
                    found.insert(code);
                }
            }
            Ok(found)
        })
        .await
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        self.run(|c| {
            let (enterprises, chains, producers, supply): (i64, i64, i64, i64) = c
                .query_row(
                    "SELECT (SELECT count(*) FROM enterprise), (SELECT count(*) FROM chain),
                            (SELECT count(*) FROM producer), (SELECT count(*) FROM supply)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .map_err(sql_err("cannot count rows"))?;
            let mut st = c
                .prepare("SELECT region / 10000 * 10000 AS p, count(*) FROM enterprise GROUP BY p ORDER BY p")
                .map_err(sql_err("cannot count enterprises by province"))?;
            let raw: Vec<(u32, i64)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(Iterator::collect)
                .map_err(sql_err("cannot count enterprises by province"))?;
            Ok(Stats {
                enterprises: enterprises as u64,
                chains: chains as u64,
                producers: producers as u64,
                supply: supply as u64,
                enterprises_by_province: raw
                    .into_iter()
                    .map(|(p, n)| Ok((RegionCode::parse(&p.to_string()).map_err(invalid)?, n as u64)))
                    .collect::<Result<_, StoreError>>()?,
            })
        })
        .await
    }

    async fn merge_enterprises(&self, keep: &CreditCode, remove: &CreditCode, reason: &str) -> Result<(), StoreError> {
        let (keep, remove, reason) = (keep.clone(), remove.clone(), reason.to_string());
        self.run(move |c| merge_into(c, &keep, &remove, &reason)).await
    }

    async fn merges(&self, code: &CreditCode) -> Result<Vec<MergeRecord>, StoreError> {
        let code = code.clone();
        self.run(move |c| {
            let mut st = c
                .prepare(
                    "SELECT m.removed_code, m.removed_name, m.removed_aliases, m.reason, m.merged_at
                     FROM enterprise_merge m JOIN enterprise e ON e.id = m.kept_id
                     WHERE e.credit_code = ?1 ORDER BY m.id",
                )
                .map_err(sql_err("cannot read merges"))?;
            let raw: Vec<(String, String, String, String, String)> = st
                .query_map([code.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .and_then(Iterator::collect)
                .map_err(sql_err("cannot read merges"))?;
            raw.into_iter()
                .map(|(rc, name, aliases, reason, at)| {
                    Ok(MergeRecord {
                        removed_code: CreditCode::parse(&rc).map_err(invalid)?,
                        removed_name: name,
                        removed_aliases: serde_json::from_str(&aliases)
                            .map_err(|e| StoreError::Invalid(format!("stored merge aliases: {e}")))?,
                        reason,
                        merged_at: at,
                    })
                })
                .collect()
        })
        .await
    }

    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let user = user.clone();
        self.run(move |c| create_user(c, &user)).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let username = username.to_string();
        self.run(move |c| read_user(c, "u.username = ?1", username)).await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.run(|c| {
            let mut st = c
                .prepare(&format!("SELECT {USER_COLUMNS} FROM {USER_FROM} ORDER BY u.username"))
                .map_err(sql_err("cannot list accounts"))?;
            let users: Vec<Result<User, StoreError>> =
                st.query_map([], decode_user).and_then(Iterator::collect).map_err(sql_err("cannot list accounts"))?;
            users.into_iter().collect()
        })
        .await
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<(), StoreError> {
        let (username, hash) = (username.to_string(), password_hash.to_string());
        self.run(move |c| {
            let n = c
                .execute("UPDATE app_user SET password_hash = ?1 WHERE username = ?2", params![hash, username])
                .map_err(sql_err("cannot set a password"))?;
            if n == 0 {
                return Err(StoreError::NotFound { what: "user", key: username });
            }
            Ok(())
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let session = session.clone();
        self.run(move |c| create_session(c, &session)).await
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
        let token_hash = token_hash.to_string();
        self.run(move |c| read_session(c, &token_hash, now)).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM session WHERE token_hash = ?1", [token_hash])
                .map_err(sql_err("cannot delete a session"))?;
            Ok(())
        })
        .await
    }

    async fn append_audit(&self, entry: &NewAudit) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.run(move |c| append_audit(c, &entry)).await
    }

    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
        self.run(move |c| read_audit(c, limit)).await
    }

    async fn enterprise_record(&self, code: &CreditCode) -> Result<EnterpriseRecord, StoreError> {
        let code = code.clone();
        self.run(move |c| {
            // One read transaction, so that the record and its links are of the same moment.
            let tx = c.transaction().map_err(sql_err("cannot begin a read"))?;
            let record = read_record(&tx, &code)?;
            tx.commit().map_err(sql_err("cannot end a read"))?;
            Ok(record)
        })
        .await
    }

    async fn create_enterprise(&self, e: &Enterprise, audit: &NewAudit) -> Result<EnterpriseRecord, StoreError> {
        let (e, audit) = (e.clone(), audit.clone());
        self.run(move |c| create_enterprise(c, &e, &audit)).await
    }

    async fn update_enterprise(
        &self,
        e: &Enterprise,
        expected_version: i64,
        audit: &NewAudit,
    ) -> Result<EnterpriseRecord, StoreError> {
        let (e, audit) = (e.clone(), audit.clone());
        self.run(move |c| update_enterprise(c, &e, expected_version, &audit)).await
    }

    async fn create_demand(&self, d: &Demand, audit: &NewAudit) -> Result<Demand, StoreError> {
        let (d, audit) = (d.clone(), audit.clone());
        self.run(move |c| docking::create_demand(c, &d, &audit)).await
    }

    async fn demand(&self, id: i64) -> Result<Demand, StoreError> {
        self.run(move |c| docking::demand(c, id)).await
    }

    async fn demands(&self, q: &DemandQuery) -> Result<Vec<Demand>, StoreError> {
        let q = q.clone();
        self.run(move |c| docking::demands(c, &q)).await
    }

    async fn cancel_demand(&self, id: i64, audit: &NewAudit) -> Result<Demand, StoreError> {
        let audit = audit.clone();
        self.run(move |c| docking::cancel_demand(c, id, &audit)).await
    }

    async fn create_offer(&self, o: &Offer, audit: &NewAudit) -> Result<Offer, StoreError> {
        let (o, audit) = (o.clone(), audit.clone());
        self.run(move |c| docking::create_offer(c, &o, &audit)).await
    }

    async fn offers(&self, chain: Option<&ChainId>, link: Option<&LinkId>) -> Result<Vec<Offer>, StoreError> {
        let (chain, link) = (chain.cloned(), link.cloned());
        self.run(move |c| docking::offers(c, chain.as_ref(), link.as_ref())).await
    }

    async fn send_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError> {
        let (requests, audit) = (requests.to_vec(), audit.clone());
        self.run(move |c| docking::send_requests(c, demand, &requests, &audit)).await
    }

    async fn add_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError> {
        let (requests, audit) = (requests.to_vec(), audit.clone());
        self.run(move |c| docking::add_requests(c, demand, &requests, &audit)).await
    }

    async fn exclude_regions(
        &self,
        demand: i64,
        regions: &[RegionCode],
        audit: &NewAudit,
    ) -> Result<Demand, StoreError> {
        let (regions, audit) = (regions.to_vec(), audit.clone());
        self.run(move |c| docking::exclude_regions(c, demand, &regions, &audit)).await
    }

    async fn requests(&self, q: &RequestQuery) -> Result<Vec<AllocationRequest>, StoreError> {
        let q = q.clone();
        self.run(move |c| docking::requests(c, &q)).await
    }

    async fn respond_request(
        &self,
        id: i64,
        accept: bool,
        reason: Option<&str>,
        audit: &NewAudit,
    ) -> Result<AllocationRequest, StoreError> {
        let (reason, audit) = (reason.map(str::to_string), audit.clone());
        self.run(move |c| docking::respond_request(c, id, accept, reason.as_deref(), &audit)).await
    }

    async fn record_delivery(
        &self,
        request: i64,
        quantity: u64,
        on: NaiveDate,
        audit: &NewAudit,
    ) -> Result<Delivery, StoreError> {
        let audit = audit.clone();
        self.run(move |c| docking::record_delivery(c, request, quantity, on, &audit)).await
    }

    async fn risk_parameters(&self, chain: &ChainId) -> Result<Vec<RiskParameters>, StoreError> {
        let chain = chain.clone();
        self.run(move |c| read_risk(c, &chain)).await
    }

    async fn set_risk_parameters(&self, params: &[RiskParameters], audit: &NewAudit) -> Result<(), StoreError> {
        let (params, audit) = (params.to_vec(), audit.clone());
        self.run(move |c| set_risk(c, &params, &audit)).await
    }

    async fn supplier_records(&self) -> Result<HashMap<CreditCode, SupplierRecord>, StoreError> {
        self.run(|c| docking::supplier_records(c)).await
    }

    async fn export_archive(
        &self,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<chaindock_store::archive::Header, StoreError> {
        use chaindock_store::archive::ArchiveWriter;
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let reading = self.run(move |c| archive::export(c, tx));
        let writing = async move {
            // No header: the read failed first and reports why.
            let Some(archive::Out::Header(h)) = rx.recv().await else { return Ok(None) };
            let mut writer = ArchiveWriter::new(out, h)?;
            while let Some(msg) = rx.recv().await {
                let archive::Out::Rows(rows) = msg else {
                    return Err(StoreError::Invalid("the export sent a second header".into()));
                };
                for r in rows {
                    writer.write(r)?;
                }
            }
            Ok::<_, StoreError>(Some(writer))
        };
        let (read, written) = tokio::join!(reading, writing);
        // A failed write drops the channel and stops the read: its error is the one to report.
        let writer = written?;
        read?;
        writer.ok_or_else(|| StoreError::Invalid("the export wrote no header".into()))?.finish()
    }

    async fn restore_archive(
        &self,
        input: &mut (dyn std::io::BufRead + Send),
    ) -> Result<chaindock_store::archive::Header, StoreError> {
        use chaindock_store::archive::ArchiveReader;
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let writing = self.run(move |c| archive::restore(c, rx));
        let reading = async move {
            let mut reader = ArchiveReader::new(input)?;
            let mut batch = Vec::with_capacity(archive::BATCH);
            while let Some(r) = reader.next_record()? {
                batch.push(r);
                if batch.len() == archive::BATCH
                    && tx.send(archive::In::Rows(std::mem::take(&mut batch))).await.is_err()
                {
                    return Ok(None);
                }
            }
            if tx.send(archive::In::Rows(batch)).await.is_err() || tx.send(archive::In::Commit).await.is_err() {
                return Ok(None);
            }
            Ok::<_, StoreError>(Some(reader.header().clone()))
        };
        let (written, read) = tokio::join!(writing, reading);
        // A refused file drops the channel, which rolls the transaction back: the reader's error says why.
        let header = read?;
        written?;
        header.ok_or_else(|| StoreError::Invalid("the restore stopped early; nothing was written".into()))
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
    chaindock_store::risk_contract_tests!(fresh);
    chaindock_store::archive_contract_tests!(fresh);

    /// Three chains of four links and 240 enterprises in six divisions of two provinces, each making zero to
    /// three links drawn by a fixed linear congruential sequence: some make two links of one chain, some
    /// links of two chains, some nothing.
    fn listing_registry() -> Dataset {
        use chaindock_model::{Producer, Quantity};
        let chain = |c: &str| Chain {
            id: ChainId::parse(c).expect("id"),
            name: format!("链{c}"),
            description: None,
            links: (0..4)
                .map(|k| ChainLink {
                    id: LinkId::parse(&format!("l{k}")).expect("id"),
                    name: format!("环节{c}{k}"),
                    segment: Segment::Midstream,
                    unit: Unit::parse("件").expect("unit"),
                    import_dependent: false,
                    industry: None,
                    note: None,
                })
                .collect(),
            bom: Vec::new(),
        };
        let chains = ["ca", "cb", "cc"];
        let regions = [130203, 130205, 130102, 130606, 110108, 120101];
        let mut state = 12345u64;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let mut data = Dataset {
            enterprises: Vec::new(),
            chains: chains.iter().map(|c| chain(c)).collect(),
            producers: Vec::new(),
            supply: Vec::new(),
            risk: Vec::new(),
        };
        for i in 0..240u32 {
            let region = regions[next(regions.len() as u64) as usize];
            let e = Enterprise {
                credit_code: CreditCode::from_body(&format!("91{region}{i:09}")).expect("code"),
                name: format!("列表测试{i}有限公司"),
                aliases: Vec::new(),
                region: RegionCode::parse(&region.to_string()).expect("region"),
                location: None,
                industry: None,
                above_scale: false,
                leading: false,
                specialised: false,
                illustrative: true,
                description: None,
                contact_person: None,
                contact_phone: None,
            };
            let mut made = HashSet::new();
            for _ in 0..next(4) {
                let (c, k) = (chains[next(3) as usize], next(4));
                if made.insert((c, k)) {
                    data.producers.push(Producer {
                        enterprise: e.credit_code.clone(),
                        chain: ChainId::parse(c).expect("id"),
                        link: LinkId::parse(&format!("l{k}")).expect("id"),
                        capacity_per_day: Quantity::new(10.0, Unit::parse("件").expect("unit")).expect("quantity"),
                        illustrative: true,
                    });
                }
            }
            data.enterprises.push(e);
        }
        data
    }

    /// The region + chain listing (whose chain filter was rewritten for speed) against a filter of the
    /// unfiltered listing computed here from the imported rows: same enterprises, same order, same totals,
    /// page by page.
    #[tokio::test]
    async fn region_and_chain_listing_matches_a_filter_of_the_whole_listing() {
        let (store, _dir) = fresh().await;
        let data = listing_registry();
        store.import(&data).await.expect("import");
        let all = store.enterprises(&EnterpriseQuery { limit: 1000, ..Default::default() }).await.expect("list");
        assert_eq!(all.items.len(), 240);
        let regions = [None, Some(130000), Some(130200), Some(130203), Some(110000), Some(120101)];
        let chains = [None, Some("ca"), Some("cb"), Some("cc")];
        let mut non_empty = 0;
        for region in regions {
            for chain in chains {
                let region = region.map(|r: u32| RegionCode::parse(&r.to_string()).expect("region"));
                let chain = chain.map(|c| ChainId::parse(c).expect("id"));
                let expected: Vec<&CreditCode> = all
                    .items
                    .iter()
                    .filter(|e| region.is_none_or(|r| r.contains(e.region)))
                    .filter(|e| {
                        chain.as_ref().is_none_or(|c| {
                            data.producers.iter().any(|p| p.enterprise == e.credit_code && &p.chain == c)
                        })
                    })
                    .map(|e| &e.credit_code)
                    .collect();
                let mut got = Vec::new();
                let mut offset = 0;
                loop {
                    let q = EnterpriseQuery { region, chain: chain.clone(), offset, limit: 13, ..Default::default() };
                    let page = store.enterprises(&q).await.expect("list");
                    assert_eq!(page.total as usize, expected.len(), "total for {region:?} {chain:?}");
                    if page.items.is_empty() {
                        break;
                    }
                    offset += page.items.len() as u64;
                    got.extend(page.items.into_iter().map(|e| e.credit_code));
                }
                assert_eq!(got.iter().collect::<Vec<_>>(), expected, "listing for {region:?} {chain:?}");
                non_empty += usize::from(!expected.is_empty() && expected.len() < all.items.len());
            }
        }
        // Most combinations select a proper, non-empty part of the registry: the comparison is not vacuous.
        assert!(non_empty >= 15, "{non_empty}");
    }

    /// The chain filter's plan: each enterprise's own producer rows by `producer_enterprise`, then the link
    /// by its key; never every link of the chain probed per enterprise.
    #[tokio::test]
    async fn the_chain_filter_starts_from_the_enterprises_producer_rows() {
        let (store, _dir) = fresh().await;
        let q = EnterpriseQuery {
            region: Some(RegionCode::parse("130200").expect("region")),
            chain: Some(ChainId::parse("ca").expect("id")),
            ..Default::default()
        };
        let (filter, args) = enterprise_filter(&q);
        let plan: Vec<String> = store
            .run(move |c| {
                let mut st = c
                    .prepare(&format!("EXPLAIN QUERY PLAN SELECT count(*) FROM enterprise e{filter}"))
                    .map_err(sql_err("explain"))?;
                let rows: Vec<String> = st
                    .query_map(rusqlite::params_from_iter(&args), |r| r.get::<_, String>(3))
                    .and_then(Iterator::collect)
                    .map_err(sql_err("explain"))?;
                Ok(rows)
            })
            .await
            .expect("plan");
        let text = plan.join("\n");
        assert!(text.contains("SEARCH p USING COVERING INDEX producer_enterprise (enterprise_id=?)"), "{text}");
        assert!(text.contains("SEARCH l USING INTEGER PRIMARY KEY (rowid=?)"), "{text}");
        assert!(!text.contains("chain_id=?"), "{text}");
    }

    #[tokio::test]
    async fn urls_name_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.db");
        SqliteStore::open_url(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
        assert!(path.exists());
        assert!(SqliteStore::open_url("sqlite::memory:").await.is_err());
        assert!(SqliteStore::open_url("postgres://x").await.is_err());
    }

    #[tokio::test]
    async fn a_database_of_version_2_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let code = CreditCode::from_body("91130205000000001").unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute(
                "INSERT INTO enterprise (credit_code, name, region) VALUES (?1, '唐山旧库测试', 130205)",
                [code.as_str()],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).await.unwrap();
        let record = store.enterprise_record(&code).await.unwrap();
        assert_eq!(record.version, 1);
        assert_eq!(record.enterprise.name, "唐山旧库测试");
        assert_eq!(record.enterprise.description, None);
        let version: i64 =
            store.run(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql_err("v"))).await.unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let (store, dir) = fresh().await;
        store.run(|c| c.pragma_update(None, "user_version", 99).map_err(sql_err("set"))).await.unwrap();
        drop(store);
        let err = SqliteStore::open(&dir.path().join("test.db")).await.err().unwrap();
        assert!(err.to_string().contains("newer"), "{err}");
    }
}
