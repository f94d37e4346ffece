//! Quantities always carry their unit.

use std::fmt;

use crate::ModelError;

/// A unit of measure as people write it: 件, 套, 吨, 台, 辆, m², kWh. Never empty.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Unit(String);

impl Unit {
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ModelError::Quantity("the unit is empty".into()));
        }
        if t.chars().count() > 16 || t.chars().any(|c| c.is_control()) {
            return Err(ModelError::Quantity(format!("{t:?} is not a unit")));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unit({})", self.0)
    }
}

impl TryFrom<String> for Unit {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, ModelError> {
        Self::parse(&s)
    }
}

impl From<Unit> for String {
    fn from(u: Unit) -> String {
        u.0
    }
}

/// A non-negative, finite amount in a unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    pub fn new(value: f64, unit: Unit) -> Result<Self, ModelError> {
        if !value.is_finite() {
            return Err(ModelError::Quantity(format!("{value} is not a finite number")));
        }
        if value < 0.0 {
            return Err(ModelError::Quantity(format!("{value} is negative")));
        }
        Ok(Self { value, unit })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_checked() {
        let u = Unit::parse("件").unwrap();
        assert!(Quantity::new(11000.0, u.clone()).is_ok());
        assert!(Quantity::new(-1.0, u.clone()).unwrap_err().to_string().contains("negative"));
        assert!(Quantity::new(f64::NAN, u).is_err());
        assert!(Unit::parse("  ").is_err());
    }
}
