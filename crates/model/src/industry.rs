//! GB/T 4754-2017, the national industry classification.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::ModelError;

static CODES_CSV: &str = include_str!("../data/gbt4754_2017.csv");

/// One entry of the classification: a section (letter), division (2 digits), group (3) or class (4).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndustryClass {
    pub code: String,
    pub section: char,
    pub level: u8,
    pub parent: Option<String>,
    pub name: String,
}

/// A code present in the classification, at any level.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(String);

struct Table {
    classes: Vec<IndustryClass>,
    by_code: HashMap<String, usize>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let classes: Vec<IndustryClass> = CODES_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let f: Vec<&str> = line.splitn(5, ',').collect();
                IndustryClass {
                    level: f[0].parse().unwrap_or(4),
                    section: f[1].chars().next().unwrap_or('?'),
                    code: f[2].to_string(),
                    parent: (!f[3].is_empty()).then(|| f[3].to_string()),
                    name: f[4].to_string(),
                }
            })
            .collect();
        let by_code = classes.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        Table { classes, by_code }
    })
}

impl IndustryCode {
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let t = s.trim().to_ascii_uppercase();
        let t = t.strip_prefix('C').filter(|r| r.len() == 4).map(str::to_string).unwrap_or(t);
        if table().by_code.contains_key(&t) { Ok(Self(t)) } else { Err(ModelError::UnknownIndustry(s.to_string())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn class(&self) -> &'static IndustryClass {
        let t = table();
        &t.classes[t.by_code[&self.0]]
    }

    /// The prefixes that this code and every code under it start with, for matching stored codes by
    /// prefix: the code itself for a division (2 digits), group (3) or class (4), since their children
    /// extend them (`36` → `367` → `3670`); for a section, whose letter its divisions do not carry, the
    /// letter and the code of each of its divisions (`C` → `C`, `13`, `14`, …, `43`).
    pub fn prefixes(&self) -> Vec<&str> {
        let class = self.class();
        if class.level != 1 {
            return vec![self.as_str()];
        }
        std::iter::once(self.as_str())
            .chain(
                IndustryClass::all()
                    .iter()
                    .filter(|c| c.level == 2 && c.section == class.section)
                    .map(|c| c.code.as_str()),
            )
            .collect()
    }

    /// Whether `other` is this code or lies under it.
    pub fn covers(&self, other: &IndustryCode) -> bool {
        self.prefixes().iter().any(|p| other.as_str().starts_with(p))
    }
}

impl IndustryClass {
    pub fn all() -> &'static [IndustryClass] {
        &table().classes
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndustryCode({})", self.0)
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, ModelError> {
        Self::parse(&s)
    }
}

impl From<IndustryCode> for String {
    fn from(c: IndustryCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_is_whole() {
        let classes = IndustryClass::all().iter().filter(|c| c.level == 4).count();
        // The transcription has one class more than the official 1,380 (see the shared data README).
        assert_eq!(classes, 1381);
        assert_eq!(IndustryClass::all().iter().filter(|c| c.level == 1).count(), 20);
    }

    #[test]
    fn lookup() {
        assert_eq!(IndustryCode::parse("3670").unwrap().class().name, "汽车零部件及配件制造");
        assert_eq!(IndustryCode::parse("C3670").unwrap().as_str(), "3670");
        assert_eq!(IndustryCode::parse("36").unwrap().class().level, 2);
        assert!(IndustryCode::parse("3699").is_err());
    }

    #[test]
    fn codes_cover_their_children() {
        let code = |s: &str| IndustryCode::parse(s).unwrap();
        let check = |parent: &str, child: &str, expected: bool| {
            assert_eq!(code(parent).covers(&code(child)), expected, "{parent} covers {child}");
        };
        check("36", "3670", true);
        check("36", "367", true);
        check("367", "3670", true);
        check("3670", "3670", true);
        check("3670", "36", false);
        check("36", "3512", false);
        check("C", "3670", true);
        check("C", "13", true);
        check("C", "C", true);
        check("C", "0111", false);
        check("A", "0111", true);
        // Every class lies under exactly one section.
        let sections: Vec<IndustryCode> =
            IndustryClass::all().iter().filter(|c| c.level == 1).map(|c| code(&c.code)).collect();
        for class in IndustryClass::all().iter().filter(|c| c.level == 4) {
            assert_eq!(sections.iter().filter(|s| s.covers(&code(&class.code))).count(), 1, "{}", class.code);
        }
    }
}
