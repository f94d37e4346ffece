//! The unified social credit code (统一社会信用代码), GB 32100-2015.

use std::fmt;

use crate::ModelError;

/// The 31 characters a credit code may use: digits and upper-case letters without I, O, Z, S and V.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weight of position i (0-based) is 3^i mod 31 (GB 32100-2015, 5.2).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// An 18-character unified social credit code whose check character is right.
///
/// Layout: registration authority (1), organisation type (1), registering region (6), organisation code
/// (9), check character (1). The check character is `C18 = 31 − (Σ cᵢ·wᵢ mod 31)`, with 31 written as 0,
/// where `cᵢ` is the value of character i in [`ALPHABET`] and `wᵢ = 3^(i−1) mod 31`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

impl CreditCode {
    /// Parse a code, accepting lower case and surrounding spaces, and check its check character.
    pub fn parse(input: &str) -> Result<Self, ModelError> {
        let code = input.trim().to_ascii_uppercase();
        let err = |reason: String| ModelError::CreditCode { code: input.to_string(), reason };
        if code.chars().count() != 18 {
            return Err(err(format!("has {} characters, a credit code has 18", code.chars().count())));
        }
        let bytes = code.as_bytes();
        let mut values = [0u32; 18];
        for (i, &b) in bytes.iter().enumerate() {
            values[i] = value_of(b).ok_or_else(|| {
                err(format!(
                    "has {:?} at position {}, which no credit code uses (I, O, Z, S and V are excluded)",
                    b as char,
                    i + 1
                ))
            })?;
        }
        let expected = Self::check_char(&bytes[..17]).expect("17 characters were just validated");
        if bytes[17] != expected {
            return Err(err(format!(
                "has check character {:?} but its first 17 characters require {:?} (GB 32100-2015)",
                bytes[17] as char, expected as char
            )));
        }
        Ok(Self(code))
    }

    /// The check character for the first 17 characters, or `None` if one is outside the alphabet.
    pub fn check_char(first17: &[u8]) -> Option<u8> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (i, &b) in first17.iter().enumerate() {
            sum += value_of(b)? * WEIGHTS[i];
        }
        let c = (31 - sum % 31) % 31;
        Some(ALPHABET[c as usize])
    }

    /// Build a valid code from a 17-character body by appending its check character; used by the
    /// demo-data generator. `None` when the body is not 17 characters of the alphabet.
    pub fn from_body(body: &str) -> Option<Self> {
        let c = Self::check_char(body.as_bytes())?;
        let mut s = body.to_string();
        s.push(c as char);
        Some(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, ok: bool) {
        assert_eq!(CreditCode::parse(input).is_ok(), ok, "{input}: {:?}", CreditCode::parse(input));
    }

    #[test]
    fn published_codes_pass() {
        // Codes printed on public business licences (check characters computed by the issuing authority).
        check("91350100M000100Y43", true);
        check("911100001011596199", true);
        check("91110000802100433B", true);
        check(" 91350100m000100y43 ", true);
    }

    #[test]
    fn wrong_codes_say_why() {
        check("91350100M000100Y44", false);
        check("91350100M000100Y4", false);
        check("91350100M000100I43", false);
        let e = CreditCode::parse("91350100M000100Y44").unwrap_err().to_string();
        assert!(e.contains("check character '4'") && e.contains("'3'"), "{e}");
    }

    #[test]
    fn from_body_round_trips() {
        let c = CreditCode::from_body("91130200MA0000001").unwrap();
        assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
        assert!(CreditCode::from_body("9113020").is_none());
    }

    proptest::proptest! {
        #[test]
        fn any_single_character_change_is_caught(pos in 0usize..18, delta in 1u32..31) {
            let good = CreditCode::from_body("91130200MA0000001").unwrap();
            let mut bytes = good.as_str().as_bytes().to_vec();
            let v = value_of(bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[((v + delta) % 31) as usize];
            let s = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(CreditCode::parse(&s).is_err());
        }
    }
}
