//! Administrative divisions (GB/T 2260) of Beijing, Tianjin and Hebei, and scopes made of them.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::{GeoPoint, ModelError};

static DIVISIONS_CSV: &str = include_str!("../data/bth_divisions.csv");

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionLevel {
    Province,
    City,
    County,
}

/// A six-digit division code known to the embedded table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(u32);

/// One division: code, official name, short name (唐山 for 唐山市), level, parent and coordinates.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Region {
    pub code: RegionCode,
    /// The official name; the municipal "市辖区" placeholders carry their municipality's name in front.
    pub name: String,
    pub short_name: String,
    pub level: RegionLevel,
    pub parent: Option<RegionCode>,
    /// Own point, or the nearest ancestor's for development zones that have none.
    pub location: GeoPoint,
}

struct Table {
    regions: Vec<Region>,
    by_code: HashMap<u32, usize>,
    by_name: HashMap<String, Vec<usize>>,
}

/// Suffixes dropped to form a short name, longest first.
const SUFFIXES: &[&str] = &["新区", "管理区", "矿区", "市", "区", "县", "省"];

fn short_name(name: &str) -> String {
    for s in SUFFIXES {
        if let Some(stem) = name.strip_suffix(s) {
            // Keep two-character names such as 赵县 and 雄县 whole: their stem alone is no name.
            if stem.chars().count() >= 2 {
                return stem.to_string();
            }
        }
    }
    name.to_string()
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut raw = Vec::new();
        for line in DIVISIONS_CSV.lines().skip(1).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.splitn(7, ',').collect();
            // The embedded file is fixed at build time and checked by the tests below.
            let code: u32 = f[0].parse().expect("embedded division code");
            let parent = f[3].parse::<u32>().ok();
            let point = match (f[4].parse::<f64>(), f[5].parse::<f64>()) {
                (Ok(lng), Ok(lat)) => Some(GeoPoint { lng, lat }),
                _ => None,
            };
            let level = match f[2] {
                "province" => RegionLevel::Province,
                "city" => RegionLevel::City,
                _ => RegionLevel::County,
            };
            raw.push((code, f[1].to_string(), level, parent, point));
        }
        let names: HashMap<u32, String> = raw.iter().map(|r| (r.0, r.1.clone())).collect();
        let points: HashMap<u32, Option<GeoPoint>> = raw.iter().map(|r| (r.0, r.4)).collect();
        let parents: HashMap<u32, Option<u32>> = raw.iter().map(|r| (r.0, r.3)).collect();
        let mut regions = Vec::with_capacity(raw.len());
        for (code, name, level, parent, point) in raw {
            let name = match (name.as_str(), parent) {
                ("市辖区", Some(p)) => format!("{}市辖区", names[&p]),
                _ => name,
            };
            let short = match name.strip_suffix("市辖区") {
                Some(m) => short_name(m),
                None => short_name(&name),
            };
            let mut location = point;
            let mut up = parent;
            while location.is_none() {
                let Some(p) = up else { break };
                location = points[&p];
                up = parents[&p];
            }
            regions.push(Region {
                code: RegionCode(code),
                name,
                short_name: short,
                level,
                parent: parent.map(RegionCode),
                location: location.unwrap_or(GeoPoint { lng: 0.0, lat: 0.0 }),
            });
        }
        let by_code = regions.iter().enumerate().map(|(i, r)| (r.code.0, i)).collect();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in regions.iter().enumerate() {
            by_name.entry(r.name.clone()).or_default().push(i);
            if r.short_name != r.name {
                by_name.entry(r.short_name.clone()).or_default().push(i);
            }
        }
        Table { regions, by_code, by_name }
    })
}

impl RegionCode {
    pub const BEIJING: RegionCode = RegionCode(110000);
    pub const TIANJIN: RegionCode = RegionCode(120000);
    pub const HEBEI: RegionCode = RegionCode(130000);

    /// A code from the table, or an error naming it.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let t = s.trim();
        t.parse::<u32>()
            .ok()
            .filter(|c| table().by_code.contains_key(c))
            .map(RegionCode)
            .ok_or_else(|| ModelError::UnknownRegion(s.to_string()))
    }

    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// The dense position of this division in [`Region::all`], for per-division arrays.
    pub fn index(self) -> usize {
        table().by_code[&self.0]
    }

    pub fn region(self) -> &'static Region {
        let t = table();
        // A RegionCode is only ever built from a code present in the table.
        &t.regions[t.by_code[&self.0]]
    }

    pub fn level(self) -> RegionLevel {
        self.region().level
    }

    /// The province-level division (北京市, 天津市, 河北省).
    pub fn province(self) -> RegionCode {
        RegionCode(self.0 / 10000 * 10000)
    }

    /// The city-level division (唐山市; 北京市市辖区 for a Beijing district). A province is its own city.
    pub fn city(self) -> RegionCode {
        match self.level() {
            RegionLevel::Province => self,
            _ => RegionCode(self.0 / 100 * 100),
        }
    }

    /// Whether `other` lies in this division (a division contains itself).
    pub fn contains(self, other: RegionCode) -> bool {
        match self.level() {
            RegionLevel::Province => self.0 / 10000 == other.0 / 10000,
            RegionLevel::City => self.0 / 100 == other.0 / 100 && other.level() != RegionLevel::Province,
            RegionLevel::County => self == other,
        }
    }
}

impl Region {
    /// Every division in the table, provinces first.
    pub fn all() -> &'static [Region] {
        &table().regions
    }

    /// Divisions whose official or short name is `name` (also accepted with 市/区/县 appended or removed).
    pub fn by_name(name: &str) -> Vec<&'static Region> {
        let t = table();
        let name = name.trim();
        let mut hits: Vec<usize> = t.by_name.get(name).cloned().unwrap_or_default();
        if hits.is_empty() {
            hits = t.by_name.get(&short_name(name)).cloned().unwrap_or_default();
        }
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter().map(|i| &t.regions[i]).collect()
    }

    /// Look a division up by code, full name or short name. A name shared by several divisions at the
    /// same highest level is an error listing them, never a guess; a province wins over its capital-less
    /// namesakes (北京 is 北京市, not 北京市市辖区).
    pub fn lookup(key: &str) -> Result<&'static Region, ModelError> {
        if let Ok(code) = RegionCode::parse(key) {
            return Ok(code.region());
        }
        let hits = Self::by_name(key);
        let Some(top) = hits.iter().map(|r| r.level).min() else {
            return Err(ModelError::UnknownRegion(key.to_string()));
        };
        let best: Vec<_> = hits.into_iter().filter(|r| r.level == top).collect();
        match best.as_slice() {
            [one] => Ok(one),
            many => Err(ModelError::AmbiguousRegion {
                name: key.to_string(),
                candidates: many.iter().map(|r| format!("{} {}", r.code, r.name)).collect(),
            }),
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, ModelError> {
        Self::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0.to_string()
    }
}

/// The part of the region an analysis looks at: one or more divisions and everything inside them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scope {
    /// What the user typed, normalised: `hebei`, `bth`, or a division code.
    pub key: String,
    /// A readable name: 河北省, 京津冀, 唐山市.
    pub name: String,
    pub divisions: Vec<RegionCode>,
}

impl Scope {
    pub fn hebei() -> Scope {
        Scope { key: "hebei".into(), name: "河北省".into(), divisions: vec![RegionCode::HEBEI] }
    }

    /// Beijing, Tianjin and Hebei together (京津冀).
    pub fn bth() -> Scope {
        Scope {
            key: "bth".into(),
            name: "京津冀".into(),
            divisions: vec![RegionCode::BEIJING, RegionCode::TIANJIN, RegionCode::HEBEI],
        }
    }

    pub fn of(code: RegionCode) -> Scope {
        Scope { key: code.to_string(), name: code.region().name.clone(), divisions: vec![code] }
    }

    /// `hebei`, `bth` (also `京津冀`, `jjj`), `beijing`, `tianjin`, or any division code or name.
    pub fn parse(s: &str) -> Result<Scope, ModelError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hebei" => Ok(Self::hebei()),
            "bth" | "jjj" | "京津冀" => Ok(Self::bth()),
            "beijing" => Ok(Self::of(RegionCode::BEIJING)),
            "tianjin" => Ok(Self::of(RegionCode::TIANJIN)),
            _ => Region::lookup(s).map(|r| Self::of(r.code)),
        }
    }

    pub fn contains(&self, code: RegionCode) -> bool {
        self.divisions.iter().any(|d| d.contains(code))
    }

    /// For each division of [`Region::all`] (by [`RegionCode::index`]), whether the scope contains it.
    pub fn mask(&self) -> Vec<bool> {
        Region::all().iter().map(|r| self.contains(r.code)).collect()
    }

    /// The scopes a department looks at routinely: 京津冀, each province-level division, each city.
    pub fn standard() -> Vec<Scope> {
        let mut out = vec![Self::bth(), Self::of(RegionCode::BEIJING), Self::of(RegionCode::TIANJIN)];
        out.push(Self::hebei());
        out.extend(
            Region::all()
                .iter()
                .filter(|r| r.level == RegionLevel::City && r.code.province() == RegionCode::HEBEI)
                .map(|r| Self::of(r.code)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_whole() {
        assert_eq!(Region::all().len(), 238);
        let hebei_cities =
            Region::all().iter().filter(|r| r.level == RegionLevel::City && r.code.province() == RegionCode::HEBEI);
        assert_eq!(hebei_cities.count(), 11);
        for r in Region::all() {
            assert!(r.location.lng > 113.0 && r.location.lng < 120.5, "{:?}", r);
            assert!(r.location.lat > 36.0 && r.location.lat < 42.7, "{:?}", r);
            if let Some(p) = r.parent {
                assert!(p.contains(r.code), "{} not in {}", r.code, p);
            }
        }
    }

    fn check(key: &str, expected: Result<u32, &str>) {
        match (Region::lookup(key), expected) {
            (Ok(r), Ok(code)) => assert_eq!(r.code.as_u32(), code, "{key}"),
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{key}: {e}"),
            (got, want) => panic!("{key}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn lookup_by_code_full_and_short_name() {
        check("130200", Ok(130200));
        check("唐山市", Ok(130200));
        check("唐山", Ok(130200));
        check("石家庄", Ok(130100));
        check("北京", Ok(110000));
        check("天津市", Ok(120000));
        check("河北", Ok(130000));
        check("开平区", Ok(130205));
        check("开平", Ok(130205));
        check("赵县", Ok(130133));
        check("曹妃甸", Ok(130209));
        check("桥西区", Err("ambiguous"));
        check("上海", Err("unknown region"));
        check("999999", Err("unknown region"));
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        let ts = RegionCode::parse("130200").unwrap();
        let kp = RegionCode::parse("130205").unwrap();
        assert!(RegionCode::HEBEI.contains(kp));
        assert!(ts.contains(kp));
        assert!(!kp.contains(ts));
        assert!(!ts.contains(RegionCode::HEBEI));
        assert_eq!(kp.city(), ts);
        assert!(Scope::bth().contains(RegionCode::parse("110108").unwrap()));
        assert!(!Scope::hebei().contains(RegionCode::parse("110108").unwrap()));
    }

    #[test]
    fn zones_without_points_take_their_citys() {
        let zone = RegionCode::parse("130273").unwrap().region();
        let city = RegionCode::parse("130200").unwrap().region();
        assert_eq!(zone.location, city.location);
    }

    #[test]
    fn scopes_parse() {
        assert_eq!(Scope::parse("bth").unwrap().divisions.len(), 3);
        assert_eq!(Scope::parse("唐山").unwrap().divisions, vec![RegionCode::parse("130200").unwrap()]);
        assert_eq!(Scope::parse("HEBEI").unwrap().key, "hebei");
        assert!(Scope::parse("火星").is_err());
        assert_eq!(Scope::standard().len(), 15);
    }
}
