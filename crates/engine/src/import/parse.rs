//! Tables to records: which kind of table it is, and each row to a record or to errors naming the cell.

use std::collections::BTreeMap;

use chaindock_model::{
    BomEdge, ChainId, ChainLink, CreditCode, Enterprise, GeoPoint, IndustryCode, LinkId, ModelError, RegionCode,
    Segment, Unit,
};

use chaindock_text::mojibake;
use chaindock_text::quantity::{Qualifier, parse_quantity};
use chaindock_text::{normalize, resolve_place, to_simplified};

use super::table::Table;
use super::{Origin, Parsed, PendingChain, PendingProducer, PendingSupply, RowError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Enterprises,
    Producers,
    Supply,
    Links,
    Bom,
}

impl Kind {
    const ALL: [Kind; 5] = [Kind::Enterprises, Kind::Producers, Kind::Supply, Kind::Links, Kind::Bom];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Enterprises => "enterprises",
            Kind::Producers => "producers",
            Kind::Supply => "supply",
            Kind::Links => "links",
            Kind::Bom => "bom",
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::Enterprises => &["credit_code", "name", "region"],
            Kind::Producers => &["credit_code", "chain", "link", "capacity_per_day"],
            Kind::Supply => &["supplier", "buyer", "chain", "link", "share"],
            Kind::Links => &["chain", "chain_name", "link", "link_name", "segment", "unit"],
            Kind::Bom => &["chain", "input", "output", "quantity"],
        }
    }

    fn optional(self) -> &'static [&'static str] {
        match self {
            Kind::Enterprises => &[
                "aliases",
                "lng",
                "lat",
                "industry",
                "above_scale",
                "leading",
                "specialised",
                "illustrative",
                "description",
                "contact_person",
                "contact_phone",
            ],
            Kind::Producers => &["unit", "illustrative"],
            Kind::Supply => &["illustrative"],
            Kind::Links => &["import_dependent", "industry", "note", "description"],
            Kind::Bom => &[],
        }
    }

    /// The kind a table holds: by its file or sheet name when that names a kind, otherwise by which kind's
    /// columns it has most of. A table matching none is an error listing the expected columns.
    pub fn detect(t: &Table) -> Result<Kind, String> {
        let label = t.sheet.clone().unwrap_or_else(|| t.file.rsplit('/').next().unwrap_or(&t.file).to_string());
        let label = label.to_lowercase();
        for k in Self::ALL {
            let stem = k.name().trim_end_matches('s');
            if label.starts_with(stem) || (k == Kind::Links && label.starts_with("chain")) {
                return Ok(k);
            }
        }
        let score = |k: Kind| k.required().iter().filter(|c| t.headers.iter().any(|h| h == *c)).count();
        let best = Self::ALL.iter().copied().max_by_key(|k| (score(*k), std::cmp::Reverse(k.required().len())));
        match best {
            Some(k) if score(k) >= 2 => Ok(k),
            _ => Err(format!(
                "cannot tell what this table holds; its header must be that of one of: {}",
                Self::ALL
                    .iter()
                    .map(|k| format!("{} ({})", k.name(), k.required().join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
}

/// Access to one row's cells by column name, collecting errors that name the cell.
struct RowReader<'a> {
    table: &'a Table,
    row: usize,
    cells: &'a [String],
    errors: Vec<RowError>,
    warnings: Vec<RowError>,
}

impl<'a> RowReader<'a> {
    fn get(&self, col: &str) -> &'a str {
        self.table.headers.iter().position(|h| h == col).and_then(|i| self.cells.get(i)).map_or("", |s| s.as_str())
    }

    fn fail(&mut self, col: &str, reason: impl Into<String>) {
        self.errors.push(RowError {
            file: self.table.origin(),
            row: Some(self.row),
            column: Some(col.to_string()),
            value: Some(self.get(col).to_string()),
            reason: reason.into(),
        });
    }

    fn required(&mut self, col: &str) -> Option<&'a str> {
        let v = self.get(col);
        if v.is_empty() {
            self.fail(col, "this column must have a value");
            None
        } else {
            Some(v)
        }
    }

    fn parse<T>(&mut self, col: &str, f: impl FnOnce(&str) -> Result<T, ModelError>) -> Option<T> {
        let v = self.required(col)?;
        f(v).map_err(|e| self.fail(col, e.to_string())).ok()
    }

    fn number(&mut self, col: &str) -> Option<f64> {
        let v = self.required(col)?;
        match v.replace([',', '，'], "").parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.fail(col, "not a number");
                None
            }
        }
    }

    fn warn(&mut self, col: &str, value: &str, reason: impl Into<String>) {
        self.warnings.push(RowError {
            file: self.table.origin(),
            row: Some(self.row),
            column: Some(col.to_string()),
            value: Some(value.to_string()),
            reason: reason.into(),
        });
    }

    /// A text cell checked for codepage garbling: repaired (with a warning) when the repair is certain,
    /// kept with a warning when it is not.
    fn text(&mut self, col: &str) -> Option<String> {
        let v = self.required(col)?;
        let report = mojibake::detect(v);
        if !report.garbled {
            return Some(v.to_string());
        }
        match report.repaired {
            Some(fixed) => {
                self.warn(col, v, format!("text garbled by a wrong codepage; repaired to {fixed:?}"));
                Some(fixed)
            }
            None => {
                let spans: Vec<&str> = report.spans.iter().map(|s| s.text.as_str()).collect();
                self.warn(col, v, format!("text looks garbled by a wrong codepage at {spans:?}; check the source"));
                Some(v.to_string())
            }
        }
    }

    /// An optional text cell, checked like [`RowReader::text`] and normalised like a name (Simplified
    /// characters, half-width digits and letters, one space between words); `None` when empty.
    fn optional_text(&mut self, col: &str) -> Option<String> {
        if self.get(col).is_empty() {
            return None;
        }
        self.text(col).map(|t| normalize(&t)).filter(|t| !t.is_empty())
    }

    /// A capacity as a number or as people write it (`1.1万`, `3,600`, `1.1万件`); the unit, when given
    /// with the number, is returned too.
    fn quantity(&mut self, col: &str) -> Option<(f64, Option<String>)> {
        let v = self.required(col)?;
        if let Ok(x) = v.replace([',', '，'], "").parse::<f64>() {
            return x.is_finite().then_some((x, None)).or_else(|| {
                self.fail(col, "not a number");
                None
            });
        }
        match parse_quantity(v) {
            Ok(q) if q.qualifier == Qualifier::Exact => Some((q.value, Some(q.unit).filter(|u| !u.is_empty()))),
            Ok(q) => {
                self.fail(col, format!("{v:?} is not an exact figure ({:?}); give the capacity itself", q.qualifier));
                None
            }
            Err(e) => {
                self.fail(col, format!("not a quantity: {e}"));
                None
            }
        }
    }

    fn optional_number(&mut self, col: &str) -> Option<Option<f64>> {
        if self.get(col).is_empty() { Some(None) } else { self.number(col).map(Some) }
    }

    fn flag(&mut self, col: &str) -> bool {
        match self.get(col).to_lowercase().as_str() {
            "" | "0" | "false" | "no" | "n" | "否" | "×" => false,
            "1" | "true" | "yes" | "y" | "是" | "√" | "✓" => true,
            _ => {
                self.fail(col, "expected 1 or 0 (是/否, true/false)");
                false
            }
        }
    }

    fn origin(&self) -> Origin {
        Origin { file: self.table.origin(), row: Some(self.row) }
    }
}

/// A region given as a code or as an unambiguous name (唐山, 开平区).
/// A region given as a code, a name (唐山, 開平區, a former name such as 永年县) or an address; a name
/// that several divisions share is an error listing them.
pub fn region(s: &str) -> Result<RegionCode, ModelError> {
    if let Ok(code) = RegionCode::parse(s) {
        return Ok(code);
    }
    match resolve_place(s).as_slice() {
        [] => Err(ModelError::UnknownRegion(s.to_string())),
        [one] => Ok(one.code),
        many => Err(ModelError::AmbiguousRegion {
            name: s.to_string(),
            candidates: many.iter().map(|c| format!("{} {}", c.code, c.name)).collect(),
        }),
    }
}

/// A name in its canonical form; the name as given joins the aliases when it was written in Traditional
/// characters, so that a search for it still finds the enterprise.
fn canonical_name(raw: &str, aliases: &mut Vec<String>) -> String {
    let name = normalize(raw);
    let raw = raw.trim();
    if to_simplified(raw) != raw && !aliases.iter().any(|a| a == raw) {
        aliases.push(raw.to_string());
    }
    name
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '；', '|']).map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect()
}

/// Parse every row of `t` into `out`, or into errors.
pub fn read_table(t: &Table, kind: Kind, out: &mut Parsed, errors: &mut Vec<RowError>) {
    let missing: Vec<&str> = kind.required().iter().copied().filter(|c| !t.headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        errors.push(RowError {
            file: t.origin(),
            row: Some(1),
            column: Some(missing.join(", ")),
            value: None,
            reason: format!(
                "a {} table needs the column(s) {}; it has {}",
                kind.name(),
                missing.join(", "),
                t.headers.join(", ")
            ),
        });
        return;
    }
    let known: Vec<&str> = kind.required().iter().chain(kind.optional()).copied().collect();
    for h in &t.headers {
        if !h.is_empty() && !known.contains(&h.as_str()) {
            out.warnings.push(RowError {
                file: t.origin(),
                row: Some(1),
                column: Some(h.clone()),
                value: None,
                reason: format!("unknown column of a {} table; it is ignored", kind.name()),
            });
        }
    }
    let mut links: BTreeMap<String, PendingChain> = BTreeMap::new();
    for (row, cells) in &t.rows {
        let mut r = RowReader { table: t, row: *row, cells, errors: Vec::new(), warnings: Vec::new() };
        match kind {
            Kind::Enterprises => {
                let credit_code = r.parse("credit_code", CreditCode::parse);
                let mut aliases: Vec<String> = split_list(r.get("aliases")).iter().map(|a| normalize(a)).collect();
                let name = r.text("name").map(|raw| canonical_name(&raw, &mut aliases));
                let region = r.parse("region", region);
                let lng = r.optional_number("lng");
                let lat = r.optional_number("lat");
                let location = match (lng, lat) {
                    (Some(Some(lng)), Some(Some(lat))) => {
                        if (73.0..136.0).contains(&lng) && (3.0..54.0).contains(&lat) {
                            Some(GeoPoint { lng, lat })
                        } else {
                            r.fail("lng", "the point lies outside China (longitude 73–136, latitude 3–54)");
                            None
                        }
                    }
                    (Some(None), Some(None)) | (None, _) | (_, None) => None,
                    _ => {
                        r.fail("lat", "give both lng and lat, or neither");
                        None
                    }
                };
                let industry =
                    if r.get("industry").is_empty() { None } else { r.parse("industry", IndustryCode::parse) };
                let flags = (r.flag("above_scale"), r.flag("leading"), r.flag("specialised"), r.flag("illustrative"));
                let description = r.optional_text("description");
                let contact_person = r.optional_text("contact_person");
                let contact_phone = r.optional_text("contact_phone");
                if let (Some(credit_code), Some(name), Some(region), true) =
                    (credit_code, name, region, r.errors.is_empty())
                {
                    out.enterprises.push((
                        Enterprise {
                            credit_code,
                            name,
                            aliases,
                            region,
                            location,
                            industry,
                            above_scale: flags.0,
                            leading: flags.1,
                            specialised: flags.2,
                            illustrative: flags.3,
                            description,
                            contact_person,
                            contact_phone,
                        },
                        r.origin(),
                    ));
                }
            }
            Kind::Producers => {
                let enterprise = r.parse("credit_code", CreditCode::parse);
                let chain = r.parse("chain", ChainId::parse);
                let link = r.parse("link", LinkId::parse);
                let parsed = r.quantity("capacity_per_day");
                let capacity = parsed.as_ref().map(|(c, _)| *c);
                if capacity.is_some_and(|c| c < 0.0) {
                    r.fail("capacity_per_day", "capacity must not be negative");
                }
                let mut unit = if r.get("unit").is_empty() { None } else { r.parse("unit", Unit::parse) };
                match (parsed.and_then(|(_, u)| u), &unit) {
                    (Some(written), Some(u)) if written != u.as_str() => r.fail(
                        "capacity_per_day",
                        format!("the capacity is written in {written} but the unit column says {u}"),
                    ),
                    (Some(written), None) => unit = Unit::parse(&written).ok(),
                    _ => {}
                }
                let illustrative = r.flag("illustrative");
                if let (Some(enterprise), Some(chain), Some(link), Some(capacity), true) =
                    (enterprise, chain, link, capacity, r.errors.is_empty())
                {
                    out.producers.push(PendingProducer {
                        enterprise,
                        chain,
                        link,
                        capacity,
                        unit,
                        illustrative,
                        origin: r.origin(),
                    });
                }
            }
            Kind::Supply => {
                let supplier = r.parse("supplier", CreditCode::parse);
                let buyer = r.parse("buyer", CreditCode::parse);
                let chain = r.parse("chain", ChainId::parse);
                let link = r.parse("link", LinkId::parse);
                let share = r.number("share");
                if share.is_some_and(|s| !(s > 0.0 && s <= 1.0)) {
                    r.fail("share", "a share lies in (0, 1]");
                }
                if supplier.is_some() && supplier == buyer {
                    r.fail("buyer", "an enterprise does not supply itself");
                }
                let illustrative = r.flag("illustrative");
                if let (Some(supplier), Some(buyer), Some(chain), Some(link), Some(share), true) =
                    (supplier, buyer, chain, link, share, r.errors.is_empty())
                {
                    out.supply.push(PendingSupply {
                        supplier,
                        buyer,
                        chain,
                        link,
                        share,
                        illustrative,
                        origin: r.origin(),
                    });
                }
            }
            Kind::Links => {
                let chain = r.parse("chain", ChainId::parse);
                let chain_name = r.required("chain_name").map(str::to_string);
                let id = r.parse("link", LinkId::parse);
                let name = r.required("link_name").map(str::to_string);
                let segment = r.parse("segment", Segment::parse);
                let unit = r.parse("unit", Unit::parse);
                let import_dependent = r.flag("import_dependent");
                let industry =
                    if r.get("industry").is_empty() { None } else { r.parse("industry", IndustryCode::parse) };
                let note = Some(r.get("note").to_string()).filter(|n| !n.is_empty());
                let description = Some(r.get("description").to_string()).filter(|n| !n.is_empty());
                if let (Some(chain), Some(chain_name), Some(id), Some(name), Some(segment), Some(unit), true) =
                    (chain, chain_name, id, name, segment, unit, r.errors.is_empty())
                {
                    let origin = r.origin();
                    let pc =
                        links.entry(chain.to_string()).or_insert_with(|| PendingChain::new(chain, chain_name, origin));
                    if pc.chain.description.is_none() {
                        pc.chain.description = description;
                    }
                    pc.chain.links.push(ChainLink { id, name, segment, unit, import_dependent, industry, note });
                }
            }
            Kind::Bom => {
                let chain = r.parse("chain", ChainId::parse);
                let input = r.parse("input", LinkId::parse);
                let output = r.parse("output", LinkId::parse);
                let quantity = r.number("quantity");
                if quantity.is_some_and(|q| q <= 0.0) {
                    r.fail("quantity", "units of input per unit of output must be positive");
                }
                if let (Some(chain), Some(input), Some(output), Some(quantity), true) =
                    (chain, input, output, quantity, r.errors.is_empty())
                {
                    out.bom_rows.push((chain, BomEdge { input, output, quantity }, r.origin()));
                }
            }
        }
        errors.append(&mut r.errors);
        out.warnings.append(&mut r.warnings);
    }
    out.chains.extend(links.into_values());
}
