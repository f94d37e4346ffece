//! Whole-database archives: every table but sessions, row by row, as JSON Lines, so that a database moves
//! between backends (SQLite ⇄ PostgreSQL) or into a backup with nothing lost: ids, versions, password
//! hashes and audit times are kept.
//!
//! Line 1 is a [`Header`]: the format's name and version and, per table, the number of rows that follow.
//! Every other line is one [`Record`], `{"table":"supply","row":{…}}`. Tables come in [`Table::ALL`]'s order
//! (each after the tables it refers to) and a table's rows in its key's order, so that a backend can write
//! them one by one with every reference already in place, and so that two stores holding the same rows
//! write byte-identical archives whatever their backend.
//!
//! [`ArchiveReader`] is the one reader both backends restore through: it refuses, naming the line and its
//! table, a line that does not parse, a row out of key order (which is also how a duplicate key shows), a
//! reference to a row the archive does not hold, and a value the schema's CHECKs would refuse; and, at the
//! end, a file whose counts are not the header's (a truncated copy). Backends write what it hands them in
//! one transaction and roll back on its first error, so a refused archive writes nothing.
//!
//! Rows keep the stored forms that both backends share: times as RFC 3339 text in UTC (seconds, and
//! milliseconds for the audit log), dates as `YYYY-MM-DD`, rows referring to others by integer id.
//! Architecture Invariant: no SQL here; backends map their columns to these rows.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use chaindock_model::{
    ChainId, CreditCode, DemandStatus, IndustryCode, LinkId, RegionCode, RequestStatus, Role, Segment, Unit,
};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::{StoreError, check_username};

/// The `format` of a header line.
pub const FORMAT: &str = "chaindock-archive";
/// The version this build writes and reads. A reader refuses any other.
pub const VERSION: u32 = 1;

/// The tables an archive holds, in the order they are written and restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Enterprise,
    Chain,
    ChainLink,
    BomEdge,
    Producer,
    Supply,
    RiskParam,
    EnterpriseMerge,
    AppUser,
    AuditLog,
    Demand,
    Offer,
    AllocationRequest,
    Delivery,
}

impl Table {
    pub const ALL: [Table; 14] = [
        Table::Enterprise,
        Table::Chain,
        Table::ChainLink,
        Table::BomEdge,
        Table::Producer,
        Table::Supply,
        Table::RiskParam,
        Table::EnterpriseMerge,
        Table::AppUser,
        Table::AuditLog,
        Table::Demand,
        Table::Offer,
        Table::AllocationRequest,
        Table::Delivery,
    ];

    /// The table's name, as in both backends' schemas and in the archive.
    pub fn name(self) -> &'static str {
        match self {
            Table::Enterprise => "enterprise",
            Table::Chain => "chain",
            Table::ChainLink => "chain_link",
            Table::BomEdge => "bom_edge",
            Table::Producer => "producer",
            Table::Supply => "supply",
            Table::RiskParam => "risk_param",
            Table::EnterpriseMerge => "enterprise_merge",
            Table::AppUser => "app_user",
            Table::AuditLog => "audit_log",
            Table::Demand => "demand",
            Table::Offer => "offer",
            Table::AllocationRequest => "allocation_request",
            Table::Delivery => "delivery",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The rows of one table an archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: Table,
    pub rows: u64,
}

/// Line 1 of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// One entry per table of [`Table::ALL`], in that order.
    pub tables: Vec<TableCount>,
}

impl Header {
    /// The header of an archive holding `rows[i]` rows of `Table::ALL[i]`.
    pub fn new(rows: [u64; 14]) -> Self {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            tables: Table::ALL.iter().zip(rows).map(|(&table, rows)| TableCount { table, rows }).collect(),
        }
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Whether `first_line` is an archive's header (a cheap test for commands given the wrong kind of file).
pub fn is_archive(first_line: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&first_line[..first_line.len().min(200)]).replace(' ', "");
    head.starts_with(&format!("{{\"format\":\"{FORMAT}\""))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub region: u32,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub industry: Option<String>,
    pub above_scale: bool,
    pub leading: bool,
    pub specialised: bool,
    pub illustrative: bool,
    pub description: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainLinkRow {
    pub id: i64,
    pub chain_id: String,
    pub link_id: String,
    pub position: i64,
    pub name: String,
    pub segment: String,
    pub unit: String,
    pub import_dependent: bool,
    pub industry: Option<String>,
    pub note: Option<String>,
}

/// `position` counts a chain's edges from 0 in the order the chain lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BomEdgeRow {
    pub chain_id: String,
    pub position: i64,
    pub input: String,
    pub output: String,
    pub quantity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerRow {
    pub link: i64,
    pub enterprise_id: i64,
    pub capacity: f64,
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyRow {
    pub link: i64,
    pub supplier_id: i64,
    pub buyer_id: i64,
    pub share: f64,
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskParamRow {
    pub link: i64,
    pub enterprise_id: i64,
    pub f: Option<f64>,
    pub d: Option<f64>,
    pub s: Option<f64>,
    pub ttr: Option<f64>,
    pub product: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseMergeRow {
    pub id: i64,
    pub kept_id: i64,
    pub removed_code: String,
    pub removed_name: String,
    pub removed_aliases: Vec<String>,
    pub reason: String,
    /// RFC 3339 in UTC to the second.
    pub merged_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppUserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub enterprise_id: Option<i64>,
    pub password_hash: String,
    /// RFC 3339 in UTC to the second.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditLogRow {
    pub id: i64,
    /// RFC 3339 in UTC with milliseconds.
    pub at: String,
    pub username: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandRow {
    pub id: i64,
    pub buyer_id: i64,
    pub link: i64,
    pub product: String,
    pub quantity: i64,
    pub due: String,
    pub created: String,
    pub delivery_region: u32,
    pub certifications: Vec<String>,
    pub excluded_suppliers: Vec<String>,
    pub excluded_regions: Vec<u32>,
    pub priority: i64,
    pub status: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferRow {
    pub id: i64,
    pub supplier_id: i64,
    pub link: i64,
    pub quantity: i64,
    pub available_from: String,
    pub available_until: String,
    pub unit_price: f64,
    pub lead_time_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationRequestRow {
    pub id: i64,
    pub demand_id: i64,
    pub supplier_id: i64,
    pub quantity: i64,
    pub unit_cost: f64,
    pub status: String,
    pub reason: Option<String>,
    /// RFC 3339 in UTC to the second.
    pub created_at: String,
    pub responded_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRow {
    pub id: i64,
    pub request_id: i64,
    pub quantity: i64,
    pub delivered_on: String,
}

/// One row of one table: a line of an archive after the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", content = "row", rename_all = "snake_case")]
pub enum Record {
    Enterprise(EnterpriseRow),
    Chain(ChainRow),
    ChainLink(ChainLinkRow),
    BomEdge(BomEdgeRow),
    Producer(ProducerRow),
    Supply(SupplyRow),
    RiskParam(RiskParamRow),
    EnterpriseMerge(EnterpriseMergeRow),
    AppUser(AppUserRow),
    AuditLog(AuditLogRow),
    Demand(DemandRow),
    Offer(OfferRow),
    AllocationRequest(AllocationRequestRow),
    Delivery(DeliveryRow),
}

impl Record {
    pub fn table(&self) -> Table {
        match self {
            Record::Enterprise(_) => Table::Enterprise,
            Record::Chain(_) => Table::Chain,
            Record::ChainLink(_) => Table::ChainLink,
            Record::BomEdge(_) => Table::BomEdge,
            Record::Producer(_) => Table::Producer,
            Record::Supply(_) => Table::Supply,
            Record::RiskParam(_) => Table::RiskParam,
            Record::EnterpriseMerge(_) => Table::EnterpriseMerge,
            Record::AppUser(_) => Table::AppUser,
            Record::AuditLog(_) => Table::AuditLog,
            Record::Demand(_) => Table::Demand,
            Record::Offer(_) => Table::Offer,
            Record::AllocationRequest(_) => Table::AllocationRequest,
            Record::Delivery(_) => Table::Delivery,
        }
    }
}

/// `v` with every object's keys in byte order, so that an audit detail reads the same whatever order its
/// backend kept (PostgreSQL's `jsonb` orders keys by length first).
fn canonical(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn write_err(e: std::io::Error) -> StoreError {
    StoreError::other("cannot write the archive", e)
}

/// Writes an archive: the header, then rows as a backend reads them (in [`Table::ALL`]'s order, each
/// table in key order). [`ArchiveWriter::finish`] checks that the rows written are the header's counts,
/// so a backend whose read and count disagree fails rather than writing a file its own restore refuses.
pub struct ArchiveWriter<'w> {
    out: &'w mut (dyn Write + Send),
    header: Header,
    written: [u64; 14],
    line: Vec<u8>,
}

impl<'w> ArchiveWriter<'w> {
    pub fn new(out: &'w mut (dyn Write + Send), header: Header) -> Result<Self, StoreError> {
        let mut w = ArchiveWriter { out, header, written: [0; 14], line: Vec::with_capacity(512) };
        serde_json::to_writer(&mut w.line, &w.header).map_err(|e| StoreError::other("cannot write the header", e))?;
        w.line.push(b'\n');
        w.out.write_all(&w.line).map_err(write_err)?;
        Ok(w)
    }

    pub fn write(&mut self, record: Record) -> Result<(), StoreError> {
        let record = match record {
            Record::AuditLog(a) => Record::AuditLog(AuditLogRow { detail: canonical(a.detail), ..a }),
            other => other,
        };
        self.written[record.table().index()] += 1;
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record).map_err(|e| StoreError::other("cannot write a row", e))?;
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(write_err)
    }

    /// Flush, and check every table's rows against the header's count.
    pub fn finish(self) -> Result<Header, StoreError> {
        self.out.flush().map_err(write_err)?;
        for (t, &n) in self.header.tables.iter().zip(&self.written) {
            if t.rows != n {
                return Err(StoreError::other(
                    format!("the archive counted {} rows of {} but read {n}", t.rows, t.table),
                    std::io::Error::other("a read changed under the export"),
                ));
            }
        }
        Ok(self.header)
    }
}

/// Reads and checks an archive for a restore; see the module's documentation for what it refuses.
pub struct ArchiveReader<'r> {
    input: &'r mut (dyn BufRead + Send),
    header: Header,
    line_no: u64,
    buf: String,
    /// Rows read per table.
    read: [u64; 14],
    /// The table of the last row (rows come in [`Table::ALL`]'s order).
    current: usize,
    check: Checker,
}

/// What the rows read so far hold, for checking references, unique keys and key order.
#[derive(Default)]
struct Checker {
    enterprises: HashSet<i64>,
    codes: HashSet<String>,
    chains: HashSet<String>,
    /// Link id → its chain; and the (chain, link) pairs.
    links: HashMap<i64, String>,
    link_keys: HashSet<(String, String)>,
    bom: HashSet<(String, String, String)>,
    producers: HashSet<(i64, i64)>,
    users: HashSet<String>,
    demands: HashSet<i64>,
    requests: HashSet<i64>,
    /// The key of the last row of the current table, as comparable parts.
    last_key: Option<Key>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Id(i64),
    Text(String),
    TextInt(String, i64),
    Pair(i64, i64),
    Triple(i64, i64, i64),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Id(a) => write!(f, "{a}"),
            Key::Text(a) => write!(f, "{a}"),
            Key::TextInt(a, b) => write!(f, "({a}, {b})"),
            Key::Pair(a, b) => write!(f, "({a}, {b})"),
            Key::Triple(a, b, c) => write!(f, "({a}, {b}, {c})"),
        }
    }
}

impl<'r> ArchiveReader<'r> {
    /// Read and check the header; `Invalid` when line 1 is not a header of this format and version.
    pub fn new(input: &'r mut (dyn BufRead + Send)) -> Result<Self, StoreError> {
        let mut buf = String::new();
        input.read_line(&mut buf).map_err(|e| StoreError::other("cannot read the archive", e))?;
        let header: Header = serde_json::from_str(buf.trim_end())
            .map_err(|e| StoreError::Invalid(format!("line 1: not the header of a chaindock archive ({e})")))?;
        if header.format != FORMAT {
            return Err(StoreError::Invalid(format!("line 1: the format is {:?}, not {FORMAT:?}", header.format)));
        }
        if header.version != VERSION {
            return Err(StoreError::Invalid(format!(
                "line 1: archive version {} is not the version this chaindock reads ({VERSION}); use the chaindock \
                 that wrote it, or a newer one",
                header.version
            )));
        }
        let tables: Vec<Table> = header.tables.iter().map(|t| t.table).collect();
        if tables != Table::ALL {
            return Err(StoreError::Invalid(
                "line 1: the header must count every table once, in the archive's order".into(),
            ));
        }
        Ok(ArchiveReader { input, header, line_no: 1, buf, read: [0; 14], current: 0, check: Checker::default() })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next row, checked; `None` at the end, after checking the counts.
    pub fn next_record(&mut self) -> Result<Option<Record>, StoreError> {
        loop {
            self.buf.clear();
            let n = self
                .input
                .read_line(&mut self.buf)
                .map_err(|e| StoreError::other(format!("cannot read line {} of the archive", self.line_no + 1), e))?;
            if n == 0 {
                return self.at_end().map(|()| None);
            }
            self.line_no += 1;
            let text = self.buf.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                continue;
            }
            let record: Record = match serde_json::from_str(text) {
                Ok(r) => r,
                Err(e) => {
                    // Name the table when the line says it, even if its row is bad.
                    let table = serde_json::from_str::<serde_json::Value>(text)
                        .ok()
                        .and_then(|v| v.get("table").and_then(|t| t.as_str()).map(str::to_string));
                    return Err(match table {
                        Some(t) => self.bad_in(&t, e),
                        None => StoreError::Invalid(format!("line {}: not a row of an archive ({e})", self.line_no)),
                    });
                }
            };
            let table = record.table();
            if table.index() < self.current {
                return Err(self.bad(
                    table,
                    format!(
                        "comes after rows of {}; tables must come in the archive's order",
                        Table::ALL[self.current]
                    ),
                ));
            }
            if table.index() > self.current {
                self.current = table.index();
                self.check.last_key = None;
            }
            let promised = self.header.tables[table.index()].rows;
            if self.read[table.index()] >= promised {
                return Err(self.bad(table, format!("is one row more than the header's {promised}")));
            }
            if let Err(why) = self.check.record(&record) {
                return Err(self.bad(table, why));
            }
            self.read[table.index()] += 1;
            return Ok(Some(record));
        }
    }

    fn bad(&self, table: Table, why: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid(format!("line {} ({table}): {why}", self.line_no))
    }

    fn bad_in(&self, table: &str, why: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid(format!("line {} ({table}): {why}", self.line_no))
    }

    fn at_end(&self) -> Result<(), StoreError> {
        for t in &self.header.tables {
            let n = self.read[t.table.index()];
            if n != t.rows {
                return Err(StoreError::Invalid(format!(
                    "the archive ends after line {} with {n} rows of {} where its header promises {}: the file is \
                     truncated or was cut",
                    self.line_no, t.table, t.rows
                )));
            }
        }
        Ok(())
    }
}

fn finite_at_least(name: &str, x: f64, min: f64) -> Result<(), String> {
    if x.is_finite() && x >= min { Ok(()) } else { Err(format!("{name} {x} is not a finite number ≥ {min}")) }
}

fn positive(name: &str, n: i64) -> Result<(), String> {
    if n > 0 { Ok(()) } else { Err(format!("{name} {n} is not positive")) }
}

fn date(name: &str, s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == s)
        .ok_or_else(|| format!("{name} {s:?} is not a date YYYY-MM-DD"))
}

fn time(name: &str, s: &str, millis: bool) -> Result<(), String> {
    let fmt = if millis { "%Y-%m-%dT%H:%M:%S%.3fZ" } else { "%Y-%m-%dT%H:%M:%SZ" };
    NaiveDateTime::parse_from_str(s, fmt).ok().filter(|t| t.format(fmt).to_string() == s).map(|_| ()).ok_or_else(|| {
        format!("{name} {s:?} is not a time in UTC as 2025-03-01T08:00:00{}Z", if millis { ".000" } else { "" })
    })
}

/// `s` when `parse` reads it back unchanged (the stored form), else why not.
fn exact<T>(name: &str, s: &str, parse: impl Fn(&str) -> Result<T, chaindock_model::ModelError>) -> Result<T, String>
where
    T: std::fmt::Display,
{
    match parse(s) {
        Ok(v) if v.to_string() == s => Ok(v),
        Ok(v) => Err(format!("{name} {s:?} is not in its stored form ({v})")),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn region(name: &str, code: u32) -> Result<RegionCode, String> {
    RegionCode::parse(&code.to_string()).map_err(|e| format!("{name}: {e}"))
}

impl Checker {
    /// Key order within the table (strictly increasing, so a repeated key is refused too).
    fn key(&mut self, key: Key) -> Result<(), String> {
        if let Some(last) = &self.last_key
            && key <= *last
        {
            return Err(format!(
                "key {key} is not after the previous row's {last} (rows come in key order, once each)"
            ));
        }
        self.last_key = Some(key);
        Ok(())
    }

    fn enterprise(&self, what: &str, id: i64) -> Result<(), String> {
        if self.enterprises.contains(&id) {
            Ok(())
        } else {
            Err(format!("{what} {id} is no enterprise of the archive"))
        }
    }

    fn link(&self, what: &str, id: i64) -> Result<(), String> {
        if self.links.contains_key(&id) { Ok(()) } else { Err(format!("{what} {id} is no chain link of the archive")) }
    }

    fn record(&mut self, record: &Record) -> Result<(), String> {
        match record {
            Record::Enterprise(e) => {
                self.key(Key::Id(e.id))?;
                positive("id", e.id)?;
                exact("credit_code", &e.credit_code, CreditCode::parse)?;
                if !self.codes.insert(e.credit_code.clone()) {
                    return Err(format!("credit_code {} is held by an earlier row", e.credit_code));
                }
                if e.name.trim().is_empty() {
                    return Err("name is empty".into());
                }
                region("region", e.region)?;
                if let Some(i) = &e.industry {
                    exact("industry", i, IndustryCode::parse)?;
                }
                for (n, x) in [("lng", e.lng), ("lat", e.lat)] {
                    if let Some(x) = x
                        && !x.is_finite()
                    {
                        return Err(format!("{n} {x} is not a finite number"));
                    }
                }
                positive("version", e.version)?;
                self.enterprises.insert(e.id);
            }
            Record::Chain(c) => {
                self.key(Key::Text(c.id.clone()))?;
                exact("id", &c.id, ChainId::parse)?;
                self.chains.insert(c.id.clone());
            }
            Record::ChainLink(l) => {
                self.key(Key::Id(l.id))?;
                positive("id", l.id)?;
                if !self.chains.contains(&l.chain_id) {
                    return Err(format!("chain_id {} is no chain of the archive", l.chain_id));
                }
                exact("link_id", &l.link_id, LinkId::parse)?;
                Segment::parse(&l.segment).map_err(|e| format!("segment: {e}"))?;
                Unit::parse(&l.unit).map_err(|e| format!("unit: {e}"))?;
                if let Some(i) = &l.industry {
                    exact("industry", i, IndustryCode::parse)?;
                }
                if !self.link_keys.insert((l.chain_id.clone(), l.link_id.clone())) {
                    return Err(format!("chain {} has link {} twice", l.chain_id, l.link_id));
                }
                self.links.insert(l.id, l.chain_id.clone());
            }
            Record::BomEdge(b) => {
                self.key(Key::TextInt(b.chain_id.clone(), b.position))?;
                for (n, l) in [("input", &b.input), ("output", &b.output)] {
                    if !self.link_keys.contains(&(b.chain_id.clone(), l.clone())) {
                        return Err(format!("{n} {l} is no link of chain {}", b.chain_id));
                    }
                }
                if !(b.quantity.is_finite() && b.quantity > 0.0) {
                    return Err(format!("quantity {} is not a positive number", b.quantity));
                }
                if !self.bom.insert((b.chain_id.clone(), b.input.clone(), b.output.clone())) {
                    return Err(format!("chain {} has the edge {} → {} twice", b.chain_id, b.input, b.output));
                }
            }
            Record::Producer(p) => {
                self.key(Key::Pair(p.link, p.enterprise_id))?;
                self.link("link", p.link)?;
                self.enterprise("enterprise_id", p.enterprise_id)?;
                finite_at_least("capacity", p.capacity, 0.0)?;
                self.producers.insert((p.link, p.enterprise_id));
            }
            Record::Supply(s) => {
                self.key(Key::Triple(s.link, s.supplier_id, s.buyer_id))?;
                self.link("link", s.link)?;
                self.enterprise("supplier_id", s.supplier_id)?;
                self.enterprise("buyer_id", s.buyer_id)?;
                if !(s.share > 0.0 && s.share <= 1.0) {
                    return Err(format!("share {} is outside (0, 1]", s.share));
                }
            }
            Record::RiskParam(r) => {
                self.key(Key::Pair(r.link, r.enterprise_id))?;
                if !self.producers.contains(&(r.link, r.enterprise_id)) {
                    return Err(format!(
                        "link {} and enterprise_id {} name no producer of the archive",
                        r.link, r.enterprise_id
                    ));
                }
                for (n, x) in [("f", r.f), ("d", r.d), ("s", r.s), ("ttr", r.ttr)] {
                    if let Some(x) = x {
                        finite_at_least(n, x, 0.0)?;
                    }
                }
            }
            Record::EnterpriseMerge(m) => {
                self.key(Key::Id(m.id))?;
                positive("id", m.id)?;
                self.enterprise("kept_id", m.kept_id)?;
                exact("removed_code", &m.removed_code, CreditCode::parse)?;
                time("merged_at", &m.merged_at, false)?;
            }
            Record::AppUser(u) => {
                self.key(Key::Id(u.id))?;
                positive("id", u.id)?;
                check_username(&u.username).map_err(|e| e.to_string())?;
                if !self.users.insert(u.username.clone()) {
                    return Err(format!("username {} is held by an earlier row", u.username));
                }
                let role = Role::parse(&u.role).map_err(|e| format!("role: {e}"))?;
                if role.as_str() != u.role {
                    return Err(format!("role {:?} is not in its stored form ({})", u.role, role.as_str()));
                }
                match (role, u.enterprise_id) {
                    (Role::Enterprise, Some(id)) => self.enterprise("enterprise_id", id)?,
                    (Role::Enterprise, None) => return Err("an account of role enterprise names no enterprise".into()),
                    (_, Some(_)) => return Err(format!("an account of role {role} names an enterprise")),
                    _ => {}
                }
                time("created_at", &u.created_at, false)?;
            }
            Record::AuditLog(a) => {
                self.key(Key::Id(a.id))?;
                positive("id", a.id)?;
                time("at", &a.at, true)?;
            }
            Record::Demand(d) => {
                self.key(Key::Id(d.id))?;
                positive("id", d.id)?;
                self.enterprise("buyer_id", d.buyer_id)?;
                self.link("link", d.link)?;
                positive("quantity", d.quantity)?;
                let (due, created) = (date("due", &d.due)?, date("created", &d.created)?);
                if due < created {
                    return Err(format!("due {due} is before created {created}"));
                }
                region("delivery_region", d.delivery_region)?;
                for c in &d.excluded_suppliers {
                    exact("excluded_suppliers", c, CreditCode::parse)?;
                }
                for &r in &d.excluded_regions {
                    region("excluded_regions", r)?;
                }
                if !(1..=5).contains(&d.priority) {
                    return Err(format!("priority {} is outside 1–5", d.priority));
                }
                let status = DemandStatus::parse(&d.status).map_err(|e| format!("status: {e}"))?;
                if status.as_str() != d.status {
                    return Err(format!("status {:?} is not in its stored form", d.status));
                }
                self.demands.insert(d.id);
            }
            Record::Offer(o) => {
                self.key(Key::Id(o.id))?;
                positive("id", o.id)?;
                self.enterprise("supplier_id", o.supplier_id)?;
                self.link("link", o.link)?;
                positive("quantity", o.quantity)?;
                let (from, until) =
                    (date("available_from", &o.available_from)?, date("available_until", &o.available_until)?);
                if until < from {
                    return Err(format!("available_until {until} is before available_from {from}"));
                }
                finite_at_least("unit_price", o.unit_price, 0.0)?;
                if !(0..=365).contains(&o.lead_time_days) {
                    return Err(format!("lead_time_days {} is outside 0–365", o.lead_time_days));
                }
            }
            Record::AllocationRequest(r) => {
                self.key(Key::Id(r.id))?;
                positive("id", r.id)?;
                if !self.demands.contains(&r.demand_id) {
                    return Err(format!("demand_id {} is no demand of the archive", r.demand_id));
                }
                self.enterprise("supplier_id", r.supplier_id)?;
                positive("quantity", r.quantity)?;
                finite_at_least("unit_cost", r.unit_cost, 0.0)?;
                let status = RequestStatus::parse(&r.status).map_err(|e| format!("status: {e}"))?;
                if status.as_str() != r.status {
                    return Err(format!("status {:?} is not in its stored form", r.status));
                }
                if status == RequestStatus::Declined && r.reason.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    return Err("a declined request has no reason".into());
                }
                time("created_at", &r.created_at, false)?;
                if let Some(t) = &r.responded_at {
                    time("responded_at", t, false)?;
                }
                self.requests.insert(r.id);
            }
            Record::Delivery(d) => {
                self.key(Key::Id(d.id))?;
                positive("id", d.id)?;
                if !self.requests.contains(&d.request_id) {
                    return Err(format!("request_id {} is no allocation request of the archive", d.request_id));
                }
                positive("quantity", d.quantity)?;
                date("delivered_on", &d.delivered_on)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(lines: &[&str]) -> Vec<u8> {
        lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
    }

    fn header(enterprises: u64, chains: u64) -> String {
        let mut rows = [0; 14];
        rows[0] = enterprises;
        rows[1] = chains;
        serde_json::to_string(&Header::new(rows)).unwrap()
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<Record>, StoreError> {
        let mut input: &[u8] = bytes;
        let mut r = ArchiveReader::new(&mut input)?;
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }

    const E1: &str = r#"{"table":"enterprise","row":{"id":1,"credit_code":"91130200000000001X","name":"甲","aliases":[],"region":130200,"lng":null,"lat":null,"industry":null,"above_scale":false,"leading":false,"specialised":false,"illustrative":false,"description":null,"contact_person":null,"contact_phone":null,"version":1}}"#;

    fn e1() -> String {
        // A valid credit code for the body, so that the line is good.
        let code = CreditCode::from_body("91130200000000001").unwrap();
        E1.replace("91130200000000001X", code.as_str())
    }

    #[test]
    fn a_good_archive_reads_back_and_writes_the_same_bytes() {
        let text = archive(&[
            &header(1, 1),
            &e1(),
            r#"{"table":"chain","row":{"id":"auto","name":"汽车","description":null}}"#,
        ]);
        let records = read_all(&text).expect("good");
        assert_eq!(records.len(), 2);
        let mut out = Vec::new();
        let mut w = ArchiveWriter::new(&mut out, Header::new([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).unwrap();
        for r in records {
            w.write(r).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(out, text);
        assert!(is_archive(&text));
        assert!(!is_archive(b"credit_code,name\n"));
    }

    #[test]
    fn bad_lines_are_named_by_number_and_table() {
        let e = e1();
        let cases: Vec<(Vec<String>, &str)> = vec![
            (vec![header(1, 0), e.replace("\"name\":\"甲\"", "\"name\":\"\"")], "line 2 (enterprise): name is empty"),
            (vec![header(1, 0), e.replace("\"region\":130200", "\"region\":\"x\"")], "line 2 (enterprise)"),
            (vec![header(2, 0), e.clone(), e.clone()], "line 3 (enterprise): key"),
            (
                vec![
                    header(1, 1),
                    r#"{"table":"chain","row":{"id":"auto","name":"a","description":null}}"#.into(),
                    e.clone(),
                ],
                "line 3 (enterprise): comes after rows of chain",
            ),
            (
                vec![
                    header(1, 0),
                    e.clone(),
                    r#"{"table":"producer","row":{"link":1,"enterprise_id":1,"capacity":1.0,"illustrative":false}}"#
                        .into(),
                ],
                "line 3 (producer): is one row more",
            ),
            (vec![header(1, 0), "{not json".into()], "line 2: not a row"),
            (vec![header(2, 0), e.clone()], "truncated"),
            (vec![r#"{"format":"chaindock-archive","version":9,"tables":[]}"#.into()], "version 9"),
        ];
        for (lines, expected) in cases {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let err = read_all(&archive(&refs)).expect_err(expected);
            assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
            assert!(err.to_string().contains(expected), "{err} does not say {expected}");
        }
    }

    #[test]
    fn audit_details_are_written_with_sorted_keys() {
        let v: serde_json::Value = serde_json::from_str(r#"{"zz":1,"a":{"y":2,"b":[{"d":1,"c":2}]}}"#).unwrap();
        assert_eq!(canonical(v).to_string(), r#"{"a":{"b":[{"c":2,"d":1}],"y":2},"zz":1}"#);
    }
}
