//! Willems' real-world multi-echelon supply chains as chains of the registry (issue 6, part 4).
//!
//! S. P. Willems, "Real-world multiechelon supply chains used for inventory optimization", *Manufacturing &
//! Service Operations Management* 10(1):19–23, 2008, published 38 supply chains of real companies (plus an
//! example chain, 00) as two tables: stages (`stages.csv`) and arcs (`arcs.csv`). A copy is in
//! `data/willems/`. [`read`] checks both files row by row and [`WillemsChain::dataset`] turns a chain into
//! a [`Dataset`] that [`Store::import`] writes in one transaction:
//!
//! | Willems | chaindock |
//! | --- | --- |
//! | chain `NN` | chain `willems-NN`, named `Willems 供应链 NN` |
//! | stage | a link (id = the stage name in lower case, name = the stage name, unit 件) and a node |
//! | `stageClassification` | segment: Part (also written Parts) upstream; Manuf and Trans midstream; Dist and Retail downstream |
//! | arc source → destination | BOM edge with quantity 1: the destination needs one unit of the source per unit, each arc a separate input with one supplier |
//! | the company | one illustrative enterprise per chain, `Willems供应链NN示意企业`, in 廊坊市 (131000), credit code `91131000WLM` + the chain number in six digits + check character; it makes every stage, so every input is supplied by the enterprise's own stage (vertical integration) |
//! | `avgDemand` given (a number, 0 included) | a finished product, d = avgDemand per day |
//! | throughput | the stage's own avgDemand plus the throughput of every stage it feeds (r = 1): the demand it serves, summed down the arcs |
//! | capacity c | 1.25 × throughput, per day (the producer's capacity) |
//! | inventory s | 2 × throughput (two days of stock) |
//! | TTR | `stageTime` in days, at least 1 |
//! | f | 1 (lost units are counted) |
//!
//! Parameters are stored as the producers' [`RiskParameters`], so `chaindock risk` rebuilds the network from
//! the store like any other chain's. The region is a placeholder: the companies are not in the region, and
//! region-based analyses of these chains mean nothing.
//!
//! Cost: O(S + A) for S stages and A arcs (throughput in reverse topological order, Kahn's algorithm).

use std::collections::{BTreeMap, HashMap};

use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, CreditCode, Dataset, Enterprise, LinkId, Producer, Quantity, RegionCode,
    RiskParameters, Segment, Unit,
};
use chaindock_store::{ImportCounts, Store};

use crate::EngineError;
use crate::import::{RowError, SourceFile, decode_text};

/// Capacity as a multiple of throughput.
pub const CAPACITY_FACTOR: f64 = 1.25;
/// Days of throughput held in stock.
pub const STOCK_DAYS: f64 = 2.0;
/// The division the illustrative enterprises are placed in (廊坊市).
pub const REGION: u32 = 131_000;

/// A stage's classification in Willems' table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageClass {
    Part,
    Manuf,
    Trans,
    Dist,
    Retail,
}

impl StageClass {
    /// Read a classification, forgiving case, spaces and a plural `s` ("Parts").
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_suffix('s').unwrap_or(&t);
        Some(match t {
            "part" => Self::Part,
            "manuf" => Self::Manuf,
            "tran" | "trans" => Self::Trans,
            "dist" => Self::Dist,
            "retail" => Self::Retail,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Part => "Part",
            Self::Manuf => "Manuf",
            Self::Trans => "Trans",
            Self::Dist => "Dist",
            Self::Retail => "Retail",
        }
    }

    pub fn segment(self) -> Segment {
        match self {
            Self::Part => Segment::Upstream,
            Self::Manuf | Self::Trans => Segment::Midstream,
            Self::Dist | Self::Retail => Segment::Downstream,
        }
    }
}

/// A stage as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    pub link: LinkId,
    pub class: StageClass,
    /// Average demand per day, for stages that face customers.
    pub avg_demand: Option<f64>,
    /// Stage time, days.
    pub stage_time: f64,
    /// The stage's row in the stage file (header = 1).
    pub row: usize,
}

/// One Willems chain, checked, with its stages in topological order (every arc from an earlier stage to a
/// later one) and their throughput.
#[derive(Debug, Clone, PartialEq)]
pub struct WillemsChain {
    /// The chain number as the file gives it, zero-padded to two digits (`07`).
    pub number: String,
    pub stages: Vec<Stage>,
    /// Arcs (source, destination) as positions in `stages`.
    pub arcs: Vec<(usize, usize)>,
    /// Units per day each stage passes on: its own demand plus the throughput of the stages it feeds.
    pub throughput: Vec<f64>,
}

impl WillemsChain {
    pub fn id(&self) -> ChainId {
        // "willems-" and digits: a valid id by construction (`read` accepts only digits as a number).
        ChainId::parse(&format!("willems-{}", self.number)).expect("willems-NN is a valid chain id")
    }

    /// The chain's illustrative enterprise's credit code: `91` + 廊坊市 + `WLM` + the number in six digits.
    pub fn credit_code(&self) -> CreditCode {
        // 17 characters of the code's alphabet (`read` accepts numbers of at most six digits).
        CreditCode::from_body(&format!("91{REGION}WLM{:0>6}", self.number)).expect("a body of the code's alphabet")
    }

    /// The stage named `name`, with its throughput.
    pub fn stage(&self, name: &str) -> Option<(&Stage, f64)> {
        self.stages.iter().position(|s| s.name == name).map(|i| (&self.stages[i], self.throughput[i]))
    }

    /// The chain, its enterprise, a producer per stage and the stages' risk parameters (module documentation).
    pub fn dataset(&self) -> Dataset {
        let id = self.id();
        let code = self.credit_code();
        let unit = Unit::parse("件").expect("件 is a unit");
        let region = RegionCode::parse(&REGION.to_string()).expect("廊坊市 is in the division table");
        let enterprise = Enterprise {
            credit_code: code.clone(),
            name: format!("Willems供应链{}示意企业", self.number),
            aliases: vec![format!("Willems (2008) chain {}", self.number)],
            region,
            location: None,
            industry: None,
            above_scale: false,
            leading: false,
            specialised: false,
            illustrative: true,
            description: Some(format!(
                "示意企业：持有 Willems (2008) 第 {} 号实证供应链的全部 {} 个环节（stage），仅用于风险分析；该供应链属于真实企业，所在地并非廊坊。",
                self.number,
                self.stages.len()
            )),
            contact_person: None,
            contact_phone: None,
        };
        let chain = Chain {
            id: id.clone(),
            name: format!("Willems 供应链 {}", self.number),
            description: Some(format!(
                "S. P. Willems, Real-world multiechelon supply chains used for inventory optimization, MSOM 10(1):19–23, 2008: chain {}, {} stages, {} arcs. Every arc is a BOM edge of quantity 1.",
                self.number,
                self.stages.len(),
                self.arcs.len()
            )),
            links: self
                .stages
                .iter()
                .map(|s| ChainLink {
                    id: s.link.clone(),
                    name: s.name.clone(),
                    segment: s.class.segment(),
                    unit: unit.clone(),
                    import_dependent: false,
                    industry: None,
                    note: Some(format!("Willems {} stage, stage time {} days", s.class.as_str(), s.stage_time)),
                })
                .collect(),
            bom: self
                .arcs
                .iter()
                .map(|&(a, b)| BomEdge {
                    input: self.stages[a].link.clone(),
                    output: self.stages[b].link.clone(),
                    quantity: 1.0,
                })
                .collect(),
        };
        let mut producers = Vec::with_capacity(self.stages.len());
        let mut risk = Vec::with_capacity(self.stages.len());
        for (s, &thr) in self.stages.iter().zip(&self.throughput) {
            producers.push(Producer {
                enterprise: code.clone(),
                chain: id.clone(),
                link: s.link.clone(),
                // Throughput is a sum of finite non-negative demands, so the capacity is a valid quantity.
                capacity_per_day: Quantity::new(CAPACITY_FACTOR * thr, unit.clone()).expect("a non-negative capacity"),
                illustrative: true,
            });
            risk.push(RiskParameters {
                f: Some(1.0),
                d: s.avg_demand,
                s: Some(STOCK_DAYS * thr),
                ttr: Some(s.stage_time.max(1.0)),
                product: Some(s.avg_demand.is_some()),
                ..RiskParameters::new(code.clone(), id.clone(), s.link.clone())
            });
        }
        Dataset { enterprises: vec![enterprise], chains: vec![chain], producers, supply: Vec::new(), risk }
    }
}

/// The columns read, found by name in the header (case and surrounding spaces ignored).
struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index.get(&name.to_ascii_lowercase()).and_then(|&i| record.get(i)).unwrap_or("").trim()
    }
}

fn columns(file: &str, header: &csv::StringRecord, required: &[&str]) -> Result<Columns, RowError> {
    let index: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<&str> =
        required.iter().copied().filter(|c| !index.contains_key(&c.to_ascii_lowercase())).collect();
    if !missing.is_empty() {
        return Err(RowError {
            row: Some(1),
            ..RowError::file(
                file,
                format!("the header lacks column{} {}", if missing.len() == 1 { "" } else { "s" }, missing.join(", ")),
            )
        });
    }
    Ok(Columns { index })
}

fn error(file: &str, row: usize, column: &str, value: &str, reason: impl Into<String>) -> RowError {
    RowError {
        file: file.to_string(),
        row: Some(row),
        column: Some(column.to_string()),
        value: Some(value.to_string()),
        reason: reason.into(),
    }
}

/// A chain number: 1–6 digits, zero-padded to two (`7` → `07`).
fn chain_number(s: &str) -> Option<String> {
    (!s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{s:0>2}"))
}

/// A number cell: `None` when empty, else a finite number ≥ 0.
fn parse_number(cell: &str) -> Result<Option<f64>, &'static str> {
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Ok(_) => Err("must be a finite number ≥ 0"),
        Err(_) => Err("is not a number"),
    }
}

fn parse_csv(file: &SourceFile) -> Result<(csv::StringRecord, Vec<csv::StringRecord>), RowError> {
    let (text, _) = decode_text(&file.name, &file.bytes)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header =
        reader.headers().map_err(|e| RowError::file(&file.name, format!("cannot read the header: {e}")))?.clone();
    let mut rows = Vec::new();
    for (i, r) in reader.records().enumerate() {
        rows.push(
            r.map_err(|e| RowError { row: Some(i + 2), ..RowError::file(&file.name, format!("not valid CSV: {e}")) })?,
        );
    }
    Ok((header, rows))
}

/// Read and check Willems' two tables, keeping only chain `only` when given (a number, `7` or `07`).
/// Every problem is reported with file, row (the header is row 1), column and value: empty required cells,
/// numbers that are not numbers ≥ 0, unknown classifications, stage names that cannot be link ids, stages
/// named twice, arcs between unknown stages, repeated or to themselves, and cycles. O(S + A).
pub fn read(stages: &SourceFile, arcs: &SourceFile, only: Option<&str>) -> Result<Vec<WillemsChain>, Vec<RowError>> {
    let only = match only.map(|o| (o, chain_number(o.trim()))) {
        Some((o, None)) => {
            return Err(vec![RowError::file(&stages.name, format!("--chain {o:?} is not a chain number (00 to 38)"))]);
        }
        Some((_, n)) => n,
        None => None,
    };
    let mut errors = Vec::new();
    let (sf, af) = (stages.name.as_str(), arcs.name.as_str());
    let (header, rows) = parse_csv(stages).map_err(|e| vec![e])?;
    let cols = columns(sf, &header, &["chain", "Stage Name", "stageClassification", "avgDemand", "stageTime"])
        .map_err(|e| vec![e])?;
    // Per chain: its good stages, every stage name with (position among the good ones or usize::MAX, row),
    // and its arcs (source, destination, row).
    type Pending = (Vec<Stage>, HashMap<String, (usize, usize)>, Vec<(usize, usize, usize)>);
    let mut chains: BTreeMap<String, Pending> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let row = i + 2;
        let raw_chain = cols.get(r, "chain");
        let Some(number) = chain_number(raw_chain) else {
            errors.push(error(sf, row, "chain", raw_chain, "a chain is a number of 1 to 6 digits"));
            continue;
        };
        if only.as_ref().is_some_and(|o| *o != number) {
            continue;
        }
        let mut ok = true;
        let name = cols.get(r, "Stage Name");
        let link = if name.is_empty() {
            errors.push(error(sf, row, "Stage Name", name, "the stage has no name"));
            None
        } else {
            match LinkId::parse(&name.to_ascii_lowercase()) {
                Ok(l) => Some(l),
                Err(_) => {
                    errors.push(error(
                        sf,
                        row,
                        "Stage Name",
                        name,
                        "a stage name is 1–64 letters, digits, '_' or '-' (it becomes the link id)",
                    ));
                    None
                }
            }
        };
        let class_cell = cols.get(r, "stageClassification");
        let class = StageClass::parse(class_cell);
        if class.is_none() {
            let why = if class_cell.is_empty() { "the classification is empty" } else { "unknown classification" };
            errors.push(error(
                sf,
                row,
                "stageClassification",
                class_cell,
                format!("{why}; expected Part, Manuf, Trans, Dist or Retail"),
            ));
            ok = false;
        }
        let demand_cell = cols.get(r, "avgDemand");
        let avg_demand = parse_number(demand_cell).unwrap_or_else(|why| {
            errors.push(error(sf, row, "avgDemand", demand_cell, format!("the average demand {why}")));
            ok = false;
            None
        });
        let time_cell = cols.get(r, "stageTime");
        let stage_time = match parse_number(time_cell) {
            Ok(Some(t)) => Some(t),
            Ok(None) => {
                errors.push(error(
                    sf,
                    row,
                    "stageTime",
                    time_cell,
                    "the stage time is empty; it is the stage's time to recover",
                ));
                None
            }
            Err(why) => {
                errors.push(error(sf, row, "stageTime", time_cell, format!("the stage time {why}")));
                None
            }
        };
        let entry = chains.entry(number).or_default();
        if let Some(&(_, first)) = entry.1.get(name) {
            errors.push(error(
                sf,
                row,
                "Stage Name",
                name,
                format!("stage {name} appears twice in this chain (first at row {first})"),
            ));
            continue;
        }
        if let (Some(link), Some(class), Some(stage_time), true) = (link, class, stage_time, ok) {
            entry.1.insert(name.to_string(), (entry.0.len(), row));
            entry.0.push(Stage { name: name.to_string(), link, class, avg_demand, stage_time, row });
        } else if !name.is_empty() {
            // Remember the name so that arcs to it are not reported as unknown as well.
            entry.1.insert(name.to_string(), (usize::MAX, row));
        }
    }
    if let Some(o) = &only
        && !chains.contains_key(o)
    {
        errors.push(RowError::file(sf, format!("chain {o} is not in the file")));
    }

    let (header, rows) = parse_csv(arcs).map_err(|e| {
        let mut all = std::mem::take(&mut errors);
        all.push(e);
        all
    })?;
    let cols = match columns(af, &header, &["chain", "sourceStage", "destinationStage"]) {
        Ok(c) => c,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    for (i, r) in rows.iter().enumerate() {
        let row = i + 2;
        let raw_chain = cols.get(r, "chain");
        let Some(number) = chain_number(raw_chain) else {
            errors.push(error(af, row, "chain", raw_chain, "a chain is a number of 1 to 6 digits"));
            continue;
        };
        if only.as_ref().is_some_and(|o| *o != number) {
            continue;
        }
        let Some((_, names, arc_list)) = chains.get_mut(&number) else {
            errors.push(error(af, row, "chain", raw_chain, format!("chain {number} has no stages in {sf}")));
            continue;
        };
        let mut ends = [0usize; 2];
        let mut ok = true;
        for (k, column) in ["sourceStage", "destinationStage"].into_iter().enumerate() {
            let cell = cols.get(r, column);
            match names.get(cell) {
                Some(&(at, _)) if at != usize::MAX => ends[k] = at,
                Some(_) => ok = false, // the stage's own row is in error already
                None => {
                    let why = if cell.is_empty() {
                        "the stage is empty".to_string()
                    } else {
                        format!("chain {number} has no stage {cell} in {sf}")
                    };
                    errors.push(error(af, row, column, cell, why));
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        if ends[0] == ends[1] {
            errors.push(error(
                af,
                row,
                "destinationStage",
                cols.get(r, "destinationStage"),
                "an arc from a stage to itself",
            ));
            continue;
        }
        arc_list.push((ends[0], ends[1], row));
    }

    let mut out = Vec::with_capacity(chains.len());
    for (number, (stages, _, arcs)) in chains {
        let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
        for &(a, b, row) in &arcs {
            if let Some(first) = seen.insert((a, b), row) {
                errors.push(error(
                    af,
                    row,
                    "destinationStage",
                    &stages[b].name,
                    format!("the arc {} → {} appears twice (first at row {first})", stages[a].name, stages[b].name),
                ));
            }
        }
        match order(&stages, &arcs) {
            Ok(chain) => out.push(WillemsChain { number, ..chain }),
            Err(stage) => errors.push(error(
                sf,
                stages[stage].row,
                "Stage Name",
                &stages[stage].name,
                format!("chain {number}: the arcs make a cycle through this stage"),
            )),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The stages in topological order (Kahn's algorithm, ties in file order) with their throughput, computed
/// downstream first; on a cycle, a stage on it. O(S + A).
fn order(stages: &[Stage], arcs: &[(usize, usize, usize)]) -> Result<WillemsChain, usize> {
    let n = stages.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(a, b, _) in arcs {
        out[a].push(b);
        indegree[b] += 1;
    }
    let mut topo: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut head = 0;
    while head < topo.len() {
        let i = topo[head];
        head += 1;
        for &j in &out[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                topo.push(j);
            }
        }
    }
    if topo.len() < n {
        // A stage left with an unprocessed predecessor lies on a cycle or downstream of one; walk back
        // along such predecessors until one repeats, which is on a cycle.
        let mut pred = vec![usize::MAX; n];
        for &(a, b, _) in arcs {
            if indegree[a] > 0 && indegree[b] > 0 {
                pred[b] = a;
            }
        }
        let mut at = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
        let mut visited = vec![false; n];
        while !visited[at] {
            visited[at] = true;
            at = pred[at];
        }
        return Err(at);
    }
    let mut throughput = vec![0.0; n];
    for &i in topo.iter().rev() {
        throughput[i] = stages[i].avg_demand.unwrap_or(0.0) + out[i].iter().map(|&j| throughput[j]).sum::<f64>();
    }
    let mut position = vec![0usize; n];
    for (p, &i) in topo.iter().enumerate() {
        position[i] = p;
    }
    Ok(WillemsChain {
        number: String::new(),
        stages: topo.iter().map(|&i| stages[i].clone()).collect(),
        arcs: arcs.iter().map(|&(a, b, _)| (position[a], position[b])).collect(),
        throughput: topo.iter().map(|&i| throughput[i]).collect(),
    })
}

/// Write `chains` in one transaction (nothing on any error).
pub async fn import(store: &dyn Store, chains: &[WillemsChain]) -> Result<ImportCounts, EngineError> {
    let mut data = Dataset::default();
    for c in chains {
        data.extend(c.dataset());
    }
    Ok(store.import(&data).await?)
}
