//! Industrial chains (产业链): links from upstream to downstream joined by bill-of-material edges.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::{IndustryCode, ModelError, Unit};

macro_rules! slug_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The identifier of a ", $what, ": 1–64 characters of a–z, 0–9, `-` and `_`.")]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, ModelError> {
                let t = s.trim();
                let ok = !t.is_empty()
                    && t.len() <= 64
                    && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
                if ok {
                    Ok(Self(t.to_string()))
                } else {
                    Err(ModelError::Identifier {
                        value: s.to_string(),
                        reason: concat!("a ", $what, " id is 1–64 characters of a–z, 0–9, '-' and '_'").into(),
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, ModelError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }
    };
}

slug_id!(ChainId, "chain");
slug_id!(LinkId, "link");

/// Where a link sits in its chain (上游 / 中游 / 下游).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Segment {
    Upstream,
    Midstream,
    Downstream,
}

impl Segment {
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "upstream" | "上游" => Ok(Self::Upstream),
            "midstream" | "中游" => Ok(Self::Midstream),
            "downstream" | "下游" => Ok(Self::Downstream),
            _ => Err(ModelError::Segment(s.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upstream => "upstream",
            Self::Midstream => "midstream",
            Self::Downstream => "downstream",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Upstream => "上游",
            Self::Midstream => "中游",
            Self::Downstream => "下游",
        }
    }
}

/// A link (环节) of a chain: a product or a process, measured in one unit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChainLink {
    pub id: LinkId,
    pub name: String,
    pub segment: Segment,
    /// The unit its capacity and BOM coefficients are counted in.
    pub unit: Unit,
    /// An import-dependent key technology (卡脖子): such a link is a chokepoint of the chain.
    #[serde(default)]
    pub import_dependent: bool,
    #[serde(default)]
    pub industry: Option<IndustryCode>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A bill-of-material edge: `quantity` units of `input` go into one unit of `output`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BomEdge {
    pub input: LinkId,
    pub output: LinkId,
    pub quantity: f64,
}

/// An industrial chain: its links and the BOM edges between them, which form a directed acyclic graph
/// from raw materials to finished products.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chain {
    pub id: ChainId,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub links: Vec<ChainLink>,
    #[serde(default)]
    pub bom: Vec<BomEdge>,
}

impl Chain {
    pub fn link(&self, id: &LinkId) -> Option<&ChainLink> {
        self.links.iter().find(|l| &l.id == id)
    }

    /// Check what types alone cannot: link ids unique, BOM edges between known links with a positive
    /// finite coefficient, at most one edge per pair, and no cycle (the message names one).
    pub fn validate(&self) -> Result<(), ModelError> {
        let err = |reason: String| ModelError::Chain { chain: self.id.to_string(), reason };
        if self.name.trim().is_empty() {
            return Err(err("the chain has no name".into()));
        }
        if self.links.is_empty() {
            return Err(err("the chain has no links".into()));
        }
        let mut ids = HashSet::new();
        for l in &self.links {
            if !ids.insert(&l.id) {
                return Err(err(format!("link {} appears twice", l.id)));
            }
            if l.name.trim().is_empty() {
                return Err(err(format!("link {} has no name", l.id)));
            }
        }
        let mut pairs = HashSet::new();
        for e in &self.bom {
            for end in [&e.input, &e.output] {
                if !ids.contains(end) {
                    return Err(err(format!("BOM edge {} → {} names unknown link {}", e.input, e.output, end)));
                }
            }
            if !(e.quantity.is_finite() && e.quantity > 0.0) {
                return Err(err(format!(
                    "BOM edge {} → {} has quantity {}, it must be a positive number",
                    e.input, e.output, e.quantity
                )));
            }
            if !pairs.insert((&e.input, &e.output)) {
                return Err(err(format!("BOM edge {} → {} appears twice", e.input, e.output)));
            }
        }
        if let Some(cycle) = self.find_cycle() {
            let path: Vec<&str> = cycle.iter().map(|l| l.as_str()).collect();
            return Err(err(format!("the BOM has a cycle: {}", path.join(" → "))));
        }
        Ok(())
    }

    /// One cycle of the BOM graph as a closed path, if there is one (iterative depth-first search, O(V+E)).
    fn find_cycle(&self) -> Option<Vec<LinkId>> {
        let mut out: HashMap<&LinkId, Vec<&LinkId>> = HashMap::new();
        for e in &self.bom {
            out.entry(&e.input).or_default().push(&e.output);
        }
        // 0 unvisited, 1 on the stack, 2 done.
        let mut state: HashMap<&LinkId, u8> = HashMap::new();
        for start in self.links.iter().map(|l| &l.id) {
            if state.get(start).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut stack: Vec<(&LinkId, usize)> = vec![(start, 0)];
            state.insert(start, 1);
            while let Some((node, next)) = stack.pop() {
                let succ = out.get(node).map(|v| v.as_slice()).unwrap_or(&[]);
                if next < succ.len() {
                    stack.push((node, next + 1));
                    let s = succ[next];
                    match state.get(s).copied().unwrap_or(0) {
                        0 => {
                            state.insert(s, 1);
                            stack.push((s, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| *n == s).unwrap_or(0);
                            let mut cycle: Vec<LinkId> = stack[from..].iter().map(|(n, _)| (*n).clone()).collect();
                            cycle.push(s.clone());
                            return Some(cycle);
                        }
                        _ => {}
                    }
                } else {
                    state.insert(node, 2);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(links: &[&str], bom: &[(&str, &str, f64)]) -> Chain {
        Chain {
            id: ChainId::parse("t").unwrap(),
            name: "测试链".into(),
            description: None,
            links: links
                .iter()
                .map(|l| ChainLink {
                    id: LinkId::parse(l).unwrap(),
                    name: l.to_string(),
                    segment: Segment::Midstream,
                    unit: Unit::parse("件").unwrap(),
                    import_dependent: false,
                    industry: None,
                    note: None,
                })
                .collect(),
            bom: bom
                .iter()
                .map(|(i, o, q)| BomEdge {
                    input: LinkId::parse(i).unwrap(),
                    output: LinkId::parse(o).unwrap(),
                    quantity: *q,
                })
                .collect(),
        }
    }

    fn check(c: Chain, expected: Result<(), &str>) {
        match (c.validate(), expected) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e} lacks {msg}"),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn validation() {
        check(chain(&["a", "b", "c"], &[("a", "b", 1.0), ("b", "c", 2.0), ("a", "c", 0.5)]), Ok(()));
        check(chain(&["a", "b", "c"], &[("a", "b", 1.0), ("b", "c", 1.0), ("c", "a", 1.0)]), Err("cycle: "));
        check(chain(&["a", "b"], &[("a", "a", 1.0)]), Err("cycle: a → a"));
        check(chain(&["a", "b"], &[("a", "x", 1.0)]), Err("unknown link x"));
        check(chain(&["a", "b"], &[("a", "b", 0.0)]), Err("positive"));
        check(chain(&["a", "a"], &[]), Err("appears twice"));
        check(chain(&[], &[]), Err("no links"));
    }

    #[test]
    fn ids_and_segments() {
        assert!(ChainId::parse("auto-body").is_ok());
        assert!(ChainId::parse("Auto Body").is_err());
        assert_eq!(Segment::parse("上游").unwrap(), Segment::Upstream);
        assert!(Segment::parse("sideways").is_err());
    }
}
