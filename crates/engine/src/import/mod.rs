//! Import: files in, a validated [`Dataset`] out, written whole or not at all.
//!
//! A file is CSV (UTF-8 or GBK), XLSX (one table per sheet) or JSON (a dataset object, a chain object or
//! a list of chains); the formats are documented in `data/README.md`. Reading goes in three steps:
//! files → [`Table`]s → records with their [`Origin`] → cross-record validation against the import itself
//! and the store. Every problem becomes a [`RowError`] naming file, row, column, value and reason; if there
//! is any, nothing is written.

mod parse;
mod table;

use std::collections::{HashMap, HashSet};

use chaindock_model::RegionCode;
use chaindock_model::{
    BomEdge, Chain, ChainId, CreditCode, Dataset, Enterprise, LinkId, Producer, Quantity, RiskParameters,
    SupplyRelation, Unit,
};
use chaindock_store::{EnterpriseQuery, ImportCounts, Store, StoreError};
use chaindock_text::resolve::{Decision, Record, Thresholds, find_duplicates};
use serde::Serialize;

pub use parse::{Kind, region as parse_region};
pub use table::{Table, decode_text};

use crate::EngineError;

/// A file handed to the importer: its name (for the report and to tell its format) and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One problem in the input. `row` is the spreadsheet row (header = 1) or the JSON element number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub file: String,
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

impl RowError {
    pub fn file(file: &str, reason: impl Into<String>) -> Self {
        Self { file: file.to_string(), row: None, column: None, value: None, reason: reason.into() }
    }

    fn at(origin: &Origin, column: &str, value: impl ToString, reason: impl Into<String>) -> Self {
        Self {
            file: origin.file.clone(),
            row: origin.row,
            column: Some(column.to_string()),
            value: Some(value.to_string()),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ", value {v:?}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub file: String,
    pub row: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingChain {
    chain: Chain,
    origin: Origin,
}

impl PendingChain {
    fn new(id: ChainId, name: String, origin: Origin) -> Self {
        Self { chain: Chain { id, name, description: None, links: Vec::new(), bom: Vec::new() }, origin }
    }
}

/// A producer before its unit is checked against its link.
#[derive(Debug, Clone)]
pub(crate) struct PendingProducer {
    enterprise: CreditCode,
    chain: ChainId,
    link: LinkId,
    capacity: f64,
    unit: Option<Unit>,
    illustrative: bool,
    origin: Origin,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingSupply {
    supplier: CreditCode,
    buyer: CreditCode,
    chain: ChainId,
    link: LinkId,
    share: f64,
    illustrative: bool,
    origin: Origin,
}

/// Records read from files, not yet checked against each other or the store.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    enterprises: Vec<(Enterprise, Origin)>,
    chains: Vec<PendingChain>,
    bom_rows: Vec<(ChainId, BomEdge, Origin)>,
    producers: Vec<PendingProducer>,
    supply: Vec<PendingSupply>,
    risk: Vec<(RiskParameters, Origin)>,
    warnings: Vec<RowError>,
}

/// What was in one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: String,
    /// (table kind, data rows) per table read.
    pub tables: Vec<(String, usize)>,
}

/// The outcome of an import: what was read, every error and warning, and what was written (`None` when
/// nothing was: errors, or a dry run).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileSummary>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowError>,
    pub written: Option<ImportCounts>,
    pub dry_run: bool,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn json_origin(file: &str, section: &str, i: usize) -> Origin {
    Origin { file: format!("{file} {section}[{i}]"), row: Some(i + 1) }
}

fn read_json(file: &str, text: &str, out: &mut Parsed, errors: &mut Vec<RowError>, tables: &mut Vec<(String, usize)>) {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(RowError {
                file: file.to_string(),
                row: Some(e.line()),
                column: Some(format!("character {}", e.column())),
                value: None,
                reason: format!("not valid JSON: {e}"),
            });
            return;
        }
    };
    fn each<T: serde::de::DeserializeOwned>(
        file: &str,
        section: &str,
        v: Option<&serde_json::Value>,
        errors: &mut Vec<RowError>,
        tables: &mut Vec<(String, usize)>,
        mut f: impl FnMut(T, Origin),
    ) {
        let Some(v) = v else { return };
        let Some(items) = v.as_array() else {
            errors.push(RowError::file(file, format!("{section} must be a list")));
            return;
        };
        tables.push((section.to_string(), items.len()));
        for (i, item) in items.iter().enumerate() {
            let origin = json_origin(file, section, i);
            match T::deserialize(item) {
                Ok(x) => f(x, origin),
                Err(e) => errors.push(RowError {
                    file: origin.file,
                    row: origin.row,
                    column: None,
                    value: None,
                    reason: e.to_string(),
                }),
            }
        }
    }
    match &value {
        serde_json::Value::Object(m) if m.contains_key("links") => {
            each(
                file,
                "chain",
                Some(&serde_json::Value::Array(vec![value.clone()])),
                errors,
                tables,
                |c: Chain, origin| out.chains.push(PendingChain { chain: c, origin }),
            );
        }
        serde_json::Value::Object(m) => {
            let known = ["enterprises", "chains", "producers", "supply", "risk"];
            if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
                errors.push(RowError::file(file, format!("unknown key {k:?}; a dataset has {}", known.join(", "))));
                return;
            }
            each(file, "enterprises", m.get("enterprises"), errors, tables, |e: Enterprise, o| {
                out.enterprises.push((e, o))
            });
            each(file, "chains", m.get("chains"), errors, tables, |c: Chain, origin| {
                out.chains.push(PendingChain { chain: c, origin })
            });
            each(file, "producers", m.get("producers"), errors, tables, |p: Producer, origin| {
                out.producers.push(PendingProducer {
                    enterprise: p.enterprise,
                    chain: p.chain,
                    link: p.link,
                    capacity: p.capacity_per_day.value,
                    unit: Some(p.capacity_per_day.unit),
                    illustrative: p.illustrative,
                    origin,
                })
            });
            each(file, "supply", m.get("supply"), errors, tables, |s: SupplyRelation, origin| {
                out.supply.push(PendingSupply {
                    supplier: s.supplier,
                    buyer: s.buyer,
                    chain: s.chain,
                    link: s.link,
                    share: s.share,
                    illustrative: s.illustrative,
                    origin,
                })
            });
            each(file, "risk", m.get("risk"), errors, tables, |r: RiskParameters, origin| out.risk.push((r, origin)));
        }
        serde_json::Value::Array(_) => each(file, "chains", Some(&value), errors, tables, |c: Chain, origin| {
            out.chains.push(PendingChain { chain: c, origin })
        }),
        _ => errors.push(RowError::file(file, "expected a dataset object, a chain object or a list of chains")),
    }
}

/// Read every file into records; problems go to `errors`.
fn read_files(files: &[SourceFile], errors: &mut Vec<RowError>) -> (Parsed, Vec<FileSummary>) {
    let mut out = Parsed::default();
    let mut summaries = Vec::new();
    for f in files {
        let ext = f.name.rsplit('.').next().unwrap_or("").to_lowercase();
        let mut tables_read = Vec::new();
        let mut format = ext.to_uppercase();
        let tables: Vec<Table> = match ext.as_str() {
            "xlsx" | "xlsm" | "xls" => table::xlsx_tables(&f.name, &f.bytes, errors),
            "csv" | "txt" | "json" => match decode_text(&f.name, &f.bytes) {
                Ok((text, enc)) => {
                    format = format!("{format} ({enc})");
                    if ext == "json" {
                        read_json(&f.name, &text, &mut out, errors, &mut tables_read);
                        Vec::new()
                    } else {
                        table::csv_table(&f.name, &text, errors).into_iter().collect()
                    }
                }
                Err(e) => {
                    errors.push(e);
                    Vec::new()
                }
            },
            _ => {
                errors.push(RowError::file(&f.name, "unknown file type; give a .csv, .xlsx or .json file"));
                Vec::new()
            }
        };
        for t in &tables {
            match Kind::detect(t) {
                Ok(kind) => {
                    parse::read_table(t, kind, &mut out, errors);
                    tables_read.push((kind.name().to_string(), t.rows.len()));
                }
                Err(reason) => errors.push(RowError { row: Some(1), ..RowError::file(&t.origin(), reason) }),
            }
        }
        summaries.push(FileSummary { file: f.name.clone(), format, tables: tables_read });
    }
    (out, summaries)
}

/// Check records against each other and the store, and assemble the dataset.
async fn validate(store: &dyn Store, mut p: Parsed, errors: &mut Vec<RowError>) -> Result<Dataset, EngineError> {
    // BOM rows from CSV join the chains of the same import.
    for (chain, edge, origin) in std::mem::take(&mut p.bom_rows) {
        match p.chains.iter_mut().find(|c| c.chain.id == chain) {
            Some(c) => c.chain.bom.push(edge),
            None => errors.push(RowError::at(
                &origin,
                "chain",
                &chain,
                "BOM rows must come with their chain's links in the same import",
            )),
        }
    }
    let mut chain_ids: HashMap<ChainId, Origin> = HashMap::new();
    for c in &p.chains {
        if let Some(first) = chain_ids.insert(c.chain.id.clone(), c.origin.clone()) {
            errors.push(RowError::at(
                &c.origin,
                "chain",
                &c.chain.id,
                format!("chain {} is defined twice (first in {}{})", c.chain.id, first.file, row_suffix(&first)),
            ));
        }
        if let Err(e) = c.chain.validate() {
            errors.push(RowError::at(&c.origin, "chain", &c.chain.id, e.to_string()));
        }
    }

    let mut codes: HashMap<&CreditCode, &Origin> = HashMap::new();
    for (e, origin) in &p.enterprises {
        if let Some(first) = codes.insert(&e.credit_code, origin) {
            errors.push(RowError::at(
                origin,
                "credit_code",
                &e.credit_code,
                format!("duplicate credit code (first in {}{})", first.file, row_suffix(first)),
            ));
        }
    }

    // References to enterprises and chains not in this import must be in the store.
    let mut outside: Vec<CreditCode> = Vec::new();
    let mut seen = HashSet::new();
    for code in p.producers.iter().map(|x| &x.enterprise).chain(p.supply.iter().flat_map(|s| [&s.supplier, &s.buyer])) {
        if !codes.contains_key(code) && seen.insert(code) {
            outside.push(code.clone());
        }
    }
    let stored = store.existing_enterprises(&outside).await?;
    let known = |c: &CreditCode| codes.contains_key(c) || stored.contains(c);

    let mut links: HashMap<(ChainId, LinkId), Unit> = HashMap::new();
    for c in &p.chains {
        for l in &c.chain.links {
            links.insert((c.chain.id.clone(), l.id.clone()), l.unit.clone());
        }
    }
    let referenced: HashSet<ChainId> =
        p.producers.iter().map(|x| x.chain.clone()).chain(p.supply.iter().map(|s| s.chain.clone())).collect();
    let mut missing_chains = HashSet::new();
    for id in referenced.iter().filter(|id| !chain_ids.contains_key(*id)) {
        match store.chain(id).await {
            Ok(c) => {
                for l in c.links {
                    links.insert((c.id.clone(), l.id), l.unit);
                }
            }
            Err(StoreError::NotFound { .. }) => {
                missing_chains.insert(id.clone());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let link_error = |origin: &Origin, chain: &ChainId, link: &LinkId| {
        if missing_chains.contains(chain) {
            RowError::at(origin, "chain", chain, "no such chain in this import or the database")
        } else {
            RowError::at(origin, "link", link, format!("chain {chain} has no link {link}"))
        }
    };

    let mut producers = Vec::with_capacity(p.producers.len());
    let mut producer_keys: HashMap<(&ChainId, &LinkId, &CreditCode), &Origin> = HashMap::new();
    for x in &p.producers {
        if !known(&x.enterprise) {
            errors.push(RowError::at(
                &x.origin,
                "credit_code",
                &x.enterprise,
                "no such enterprise in this import or the database",
            ));
        }
        if x.capacity < 0.0 || !x.capacity.is_finite() {
            errors.push(RowError::at(
                &x.origin,
                "capacity_per_day",
                x.capacity,
                "capacity must be a non-negative number",
            ));
            continue;
        }
        let Some(unit) = links.get(&(x.chain.clone(), x.link.clone())) else {
            errors.push(link_error(&x.origin, &x.chain, &x.link));
            continue;
        };
        if let Some(u) = &x.unit
            && u != unit
        {
            errors.push(RowError::at(
                &x.origin,
                "unit",
                u,
                format!("link {} of chain {} is counted in {unit}", x.link, x.chain),
            ));
            continue;
        }
        if let Some(first) = producer_keys.insert((&x.chain, &x.link, &x.enterprise), &x.origin) {
            errors.push(RowError::at(
                &x.origin,
                "link",
                &x.link,
                format!("the same enterprise and link appear twice (first in {}{})", first.file, row_suffix(first)),
            ));
            continue;
        }
        producers.push(Producer {
            enterprise: x.enterprise.clone(),
            chain: x.chain.clone(),
            link: x.link.clone(),
            capacity_per_day: Quantity::new(x.capacity, unit.clone())?,
            illustrative: x.illustrative,
        });
    }

    let mut supply = Vec::with_capacity(p.supply.len());
    let mut supply_keys: HashMap<(&ChainId, &LinkId, &CreditCode, &CreditCode), &Origin> = HashMap::new();
    let mut share_sums: HashMap<(&ChainId, &LinkId, &CreditCode), (f64, &Origin)> = HashMap::new();
    for s in &p.supply {
        for (col, code) in [("supplier", &s.supplier), ("buyer", &s.buyer)] {
            if !known(code) {
                errors.push(RowError::at(&s.origin, col, code, "no such enterprise in this import or the database"));
            }
        }
        if !(s.share > 0.0 && s.share <= 1.0) {
            errors.push(RowError::at(&s.origin, "share", s.share, "a share lies in (0, 1]"));
            continue;
        }
        if !links.contains_key(&(s.chain.clone(), s.link.clone())) {
            errors.push(link_error(&s.origin, &s.chain, &s.link));
            continue;
        }
        if let Some(first) = supply_keys.insert((&s.chain, &s.link, &s.supplier, &s.buyer), &s.origin) {
            errors.push(RowError::at(
                &s.origin,
                "supplier",
                &s.supplier,
                format!(
                    "the same supplier, buyer and link appear twice (first in {}{})",
                    first.file,
                    row_suffix(first)
                ),
            ));
            continue;
        }
        let sum = share_sums.entry((&s.chain, &s.link, &s.buyer)).or_insert((0.0, &s.origin));
        sum.0 += s.share;
        supply.push(SupplyRelation {
            supplier: s.supplier.clone(),
            buyer: s.buyer.clone(),
            chain: s.chain.clone(),
            link: s.link.clone(),
            share: s.share,
            illustrative: s.illustrative,
        });
    }
    for ((chain, link, buyer), (sum, origin)) in share_sums {
        if sum > 1.0 + 1e-9 {
            errors.push(RowError::at(
                origin,
                "share",
                format!("{sum:.3}"),
                format!("the shares of {link} ({chain}) supplied to {buyer} add up to more than 1"),
            ));
        }
    }
    // Risk parameters: numbers checked here, producers by the store (in the import's transaction).
    let mut risk_keys: HashMap<(&ChainId, &LinkId, &CreditCode), &Origin> = HashMap::new();
    for (r, origin) in &p.risk {
        if let Some((field, value)) = r.bad_number() {
            errors.push(RowError::at(origin, field, value, "a risk parameter is a finite number ≥ 0"));
        }
        if let Some(first) = risk_keys.insert((&r.chain, &r.link, &r.enterprise), origin) {
            errors.push(RowError::at(
                origin,
                "link",
                &r.link,
                format!("the same enterprise and link appear twice (first in {}{})", first.file, row_suffix(first)),
            ));
        }
    }
    errors.sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
    Ok(Dataset {
        enterprises: p.enterprises.into_iter().map(|(e, _)| e).collect(),
        chains: p.chains.into_iter().map(|c| c.chain).collect(),
        producers,
        supply,
        risk: p.risk.into_iter().map(|(r, _)| r).collect(),
    })
}

fn row_suffix(o: &Origin) -> String {
    o.row.map(|r| format!(", row {r}")).unwrap_or_default()
}

/// Enterprises of the import that look like another one — already stored in the same city, or elsewhere in
/// the import — by the rules of [`chaindock_text::resolve`]. They are warnings, not merges: two credit codes
/// are two registrations, and only a person (or `chaindock dedupe`) decides that they are one enterprise.
async fn duplicate_warnings(
    store: &dyn Store,
    incoming: &[(Enterprise, Origin)],
) -> Result<Vec<RowError>, EngineError> {
    if incoming.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<CreditCode> = incoming.iter().map(|(e, _)| e.credit_code.clone()).collect();
    let stored = store.existing_enterprises(&codes).await?;
    let new: Vec<&(Enterprise, Origin)> = incoming.iter().filter(|(e, _)| !stored.contains(&e.credit_code)).collect();
    let importing: HashSet<&CreditCode> = incoming.iter().map(|(e, _)| &e.credit_code).collect();
    let cities: HashSet<RegionCode> = new.iter().map(|(e, _)| e.region.city()).collect();
    let mut existing: Vec<Enterprise> = Vec::new();
    for city in cities {
        let q = EnterpriseQuery { region: Some(city), limit: i64::MAX as u64, ..Default::default() };
        existing.extend(store.enterprises(&q).await?.items.into_iter().filter(|e| !importing.contains(&e.credit_code)));
    }
    let record = |e: &Enterprise| Record { name: e.name.clone(), region: Some(e.region), credit_code: None };
    let records: Vec<Record> = new.iter().map(|(e, _)| record(e)).chain(existing.iter().map(record)).collect();
    let name_of = |i: usize| {
        if i < new.len() {
            (&new[i].0.name, &new[i].0.credit_code)
        } else {
            let e = &existing[i - new.len()];
            (&e.name, &e.credit_code)
        }
    };
    let mut out = Vec::new();
    for c in find_duplicates(&records, Thresholds::default()) {
        for (me, other) in [(c.a, c.b), (c.b, c.a)] {
            if me >= new.len() || (other < new.len() && other < me) {
                continue;
            }
            let (name, code) = name_of(other);
            let class = if c.decision == Decision::Merge {
                "likely the same enterprise"
            } else {
                "possibly the same enterprise"
            };
            out.push(RowError::at(
                &new[me].1,
                "name",
                &new[me].0.name,
                format!(
                    "{class} as {name} ({code}, score {:.2}: {}); review with `chaindock dedupe`",
                    c.score, c.reason
                ),
            ));
        }
    }
    Ok(out)
}

/// Read, validate and (unless `dry_run`) write `files` as one transaction. A report with errors means
/// nothing was written; an `Err` is a failure of ours (the store), not of the input.
pub async fn import_files(store: &dyn Store, files: &[SourceFile], dry_run: bool) -> Result<ImportReport, EngineError> {
    let mut errors = Vec::new();
    let (mut parsed, summaries) = read_files(files, &mut errors);
    let mut warnings = std::mem::take(&mut parsed.warnings);
    warnings.extend(duplicate_warnings(store, &parsed.enterprises).await?);
    let data = validate(store, parsed, &mut errors).await?;
    let mut report = ImportReport { files: summaries, errors, warnings, written: None, dry_run };
    if report.ok() && !dry_run {
        match store.import(&data).await {
            Ok(counts) => report.written = Some(counts),
            // What validation could not see (a link still in use, say) is still the input's fault.
            Err(StoreError::Invalid(m) | StoreError::Conflict(m)) => report
                .errors
                .push(RowError::file(&files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "), m)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
