//! Chinese quantities as people type them: `1.1万件`, `逾万吨`, `近1.1万项`, `三千五百`, `2700套(件)`.
//!
//! [`parse_quantity`] splits such a text into a value, the unit as written and a [`Qualifier`] that says
//! whether the number is exact, a lower bound, an upper bound or an approximation. Registries and reports
//! write `4700万个` where a form wants `47000000` and `个`; this module is the bridge.
//!
//! # The grammar
//!
//! ```text
//! quantity  = prefix* ["百分之"] number [range-error] unit suffix*
//! number    = arabic | chinese | a mix, with 万/亿 (and 十/百/千) as multipliers, and 多/余/几/来 after any part
//! ```
//!
//! Whitespace may stand between any two parts (`1.1 万 件`). Full-width forms are read as their ASCII
//! twins first (`１．１万件`, `３，６００吨`, `套（件）`), so the unit is returned with half-width brackets.
//!
//! **Numbers.** Arabic numbers take a decimal point and thousands separators in groups of three
//! (`3,600`, `1,234,567.5`; `1,2` is an error). Chinese numerals follow the usual rules: `十二` = 12, `二十`
//! = 20, `一百零五` = 105, `一亿二千万` = 120 000 000, `一万亿` = 10¹², financial forms (`壹贰叁…拾佰仟`) and
//! `两` included; `一点五万` reads the decimal point `点`. Arabic and Chinese mix the way people mix them:
//! `1.1万`, `4700万`, `1亿2000万` (GB/T 15835-2011, 《出版物上数字用法》, allows 万 and 亿 after Arabic
//! digits: `34500万`, `3.45亿`). Multipliers inside a section must decrease (`三千五百`, not `五百三千`).
//! A single digit right after a multiplier is the colloquial shorthand for the next lower place:
//! `三千五` = 3500, `两万五` = 25 000, `一亿二` = 120 000 000 (`一百零五` is 105 because `零` breaks the
//! shorthand). Only `十` may open a number on its own (`十二`, `十万`); `百`, `千`, `万`, `亿` alone count as
//! one of them only after a qualifier (`逾万吨`, `上万`, `近百家`), so `万件` is an error, as it has no
//! number. `两` is a digit only where a number starts (`两万`); after a number it is the unit (`三两`, three
//! taels). Units that begin with a numeral character win over the multiplier: `500千瓦` is 500 kW, not
//! 500 000 瓦, and `100万千瓦时` is 10⁶ kWh (the list is [`NUMERAL_UNITS`]). Values are computed in exact
//! decimal arithmetic and rounded once to the nearest `f64`, so `1.1万` is exactly 11000.
//!
//! **Qualifiers.** Words before the number (longest match first), after the number and after the unit:
//!
//! | qualifier   | before                                                   | after number | after unit          |
//! |-------------|----------------------------------------------------------|--------------|---------------------|
//! | `more_than` | 逾 超 超过 超出 多于 高于 大于 不少于 不低于 不止 至少 最少 | 多 余 几     | 以上 多 余 有余 开外 出头 |
//! | `less_than` | 不足 不到 不满 未满 低于 少于 小于 不超过 不超 不多于 不高于 至多 最多 |  | 以下 以内 之内 不到 |
//! | `about`     | 约 约为 大约 大概 近 将近 接近 差不多                      | 来           | 左右 上下 前后       |
//!
//! Before a multiplier, `上`, `数` and `几` are `more_than` too (`上万`, `数十万`, `几百`).
//!
//! `more_than` and `less_than` do not tell a strict bound from an inclusive one (`至少` is ≥, `超过` is >):
//! the difference is below the precision of the numbers people write this way. Words that only frame the
//! number (共 共计 合计 总计 累计 总共 一共 达 达到) are skipped. Two qualifiers that disagree (`约100多吨`)
//! are an error rather than a guess; two that agree (`超过100吨以上`) are fine.
//!
//! Decisions where the reading is arguable:
//!
//! - `近` / `将近` / `接近` (nearly) → `about`. The true figure is a little under the number, so
//!   `less_than` is defensible, but it would put `近1.1万项` in the same class as `不足1.1万项`, which says
//!   nothing about how close the figure comes; statistical reports use `近` as "approximately". People who
//!   mean a bound write `不足` / `不到`.
//! - `上万` → 10 000 `more_than` ("reaching ten thousand or more"); likewise `上千`, `上百`, `上亿`.
//! - `数万` / `几万` (several ten-thousands) → 10 000 `more_than`: the only number the text guarantees
//!   is the lower bound. `数十万` → 100 000 `more_than`, `十几万` → 100 000 `more_than`.
//! - `百分之五十` → 50 with unit `%`, so it agrees with `50%`.
//! - Negative numbers are refused: quantities in this domain are never negative.
//! - Ranges (`3-5万吨`, `3至5万吨`) are refused with [`QuantityError::Range`] rather than reduced to one end.
//!
//! **Units** are kept as written, whatever they are (`立方米`, `套(件)`, `kW`, `metric tons`), trimmed. A
//! unit may not start with a digit, a decimal point, a separator or a numeral character (other than `零`
//! and `两`, which start real units: `零件`, `两`), and an Arabic digit inside a unit must follow a Latin
//! letter (`m3`, `CO2`); anything else means the text held more than one number, which is an error.
//!
//! [`ParsedQuantity`]'s `Display` writes the qualifier as a prefix (`超过`, `不足`, `约`), then the value in
//! plain decimal notation (never an exponent), then the unit, a form `parse_quantity` reads back to the
//! same value, unit and qualifier (a property test holds it to that).
//!
//! Parsing is one left-to-right pass: O(n) in the length of the input, with a constant factor for the
//! fixed word lists.

use std::fmt;

/// How the written number relates to the true figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// The number as written (`1.1万件`).
    Exact,
    /// The figure is above, or at least, the number (`逾万吨`, `700余家`, `100吨以上`).
    MoreThan,
    /// The figure is below, or at most, the number (`不足100吨`, `100吨以下`).
    LessThan,
    /// The figure is near the number (`约600人`, `近1.1万项`, `100吨左右`).
    About,
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Qualifier::Exact => "exact",
            Qualifier::MoreThan => "more_than",
            Qualifier::LessThan => "less_than",
            Qualifier::About => "about",
        })
    }
}

/// A quantity split into its parts: `近1.1万项` → 11000, `项`, [`Qualifier::About`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedQuantity {
    /// The number with its multipliers applied: finite and never negative.
    pub value: f64,
    /// The unit as written, trimmed; empty when the text has none (`三千五百`).
    pub unit: String,
    pub qualifier: Qualifier,
}

impl fmt::Display for ParsedQuantity {
    /// `超过20000项`, `不足100吨`, `约600人`, `11000件`: read back by [`parse_quantity`] to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.qualifier {
            Qualifier::Exact => "",
            Qualifier::MoreThan => "超过",
            Qualifier::LessThan => "不足",
            Qualifier::About => "约",
        };
        // `{}` on an f64 prints the shortest decimal that reads back to the same number, without an
        // exponent, which is exactly what the parser takes.
        write!(f, "{prefix}{}{}", self.value, self.unit)
    }
}

/// What is wrong with a quantity, and where: `at` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    #[error("the quantity is empty")]
    Empty,
    #[error("expected a number at byte {at}")]
    NoNumber { at: usize },
    #[error("malformed number at byte {at}: {reason}")]
    MalformedNumber { at: usize, reason: &'static str },
    #[error("the number before byte {at} has too many digits or is too large")]
    OutOfRange { at: usize },
    #[error("the qualifier at byte {at} says {second} but an earlier one says {first}")]
    ConflictingQualifiers { at: usize, first: Qualifier, second: Qualifier },
    #[error("a range at byte {at}: give one number (ranges such as 3-5万吨 are not supported)")]
    Range { at: usize },
    #[error("unexpected {found:?} at byte {at}: a unit cannot start with it or hold a second number")]
    UnexpectedInUnit { at: usize, found: char },
}

/// Units that begin with a numeral character; the parser stops the number before them.
pub const NUMERAL_UNITS: &[&str] =
    &["千瓦时", "千瓦", "千伏安", "千伏", "千克", "千米", "千帕", "千焦", "千卡", "千兆", "千字", "百分点"];

/// Qualifier words before the number; `None` marks words that only frame it.
const PREFIXES: &[(&str, Option<Qualifier>)] = &[
    ("约", Some(Qualifier::About)),
    ("约为", Some(Qualifier::About)),
    ("大约", Some(Qualifier::About)),
    ("大概", Some(Qualifier::About)),
    ("近", Some(Qualifier::About)),
    ("将近", Some(Qualifier::About)),
    ("接近", Some(Qualifier::About)),
    ("差不多", Some(Qualifier::About)),
    ("逾", Some(Qualifier::MoreThan)),
    ("超", Some(Qualifier::MoreThan)),
    ("超过", Some(Qualifier::MoreThan)),
    ("超出", Some(Qualifier::MoreThan)),
    ("多于", Some(Qualifier::MoreThan)),
    ("高于", Some(Qualifier::MoreThan)),
    ("大于", Some(Qualifier::MoreThan)),
    ("不少于", Some(Qualifier::MoreThan)),
    ("不低于", Some(Qualifier::MoreThan)),
    ("不止", Some(Qualifier::MoreThan)),
    ("至少", Some(Qualifier::MoreThan)),
    ("最少", Some(Qualifier::MoreThan)),
    ("不足", Some(Qualifier::LessThan)),
    ("不到", Some(Qualifier::LessThan)),
    ("不满", Some(Qualifier::LessThan)),
    ("未满", Some(Qualifier::LessThan)),
    ("低于", Some(Qualifier::LessThan)),
    ("少于", Some(Qualifier::LessThan)),
    ("小于", Some(Qualifier::LessThan)),
    ("不超过", Some(Qualifier::LessThan)),
    ("不超", Some(Qualifier::LessThan)),
    ("不多于", Some(Qualifier::LessThan)),
    ("不高于", Some(Qualifier::LessThan)),
    ("至多", Some(Qualifier::LessThan)),
    ("最多", Some(Qualifier::LessThan)),
    ("共", None),
    ("共计", None),
    ("合计", None),
    ("总计", None),
    ("累计", None),
    ("总共", None),
    ("一共", None),
    ("达", None),
    ("达到", None),
];

/// Qualifier words after the unit (or after the number when there is no unit).
const SUFFIXES: &[(&str, Qualifier)] = &[
    ("以上", Qualifier::MoreThan),
    ("多", Qualifier::MoreThan),
    ("余", Qualifier::MoreThan),
    ("有余", Qualifier::MoreThan),
    ("开外", Qualifier::MoreThan),
    ("出头", Qualifier::MoreThan),
    ("以下", Qualifier::LessThan),
    ("以内", Qualifier::LessThan),
    ("之内", Qualifier::LessThan),
    ("不到", Qualifier::LessThan),
    ("左右", Qualifier::About),
    ("上下", Qualifier::About),
    ("前后", Qualifier::About),
];

/// Characters that join two numbers into a range (`3-5`, `3至5`).
const RANGE_MARKS: &[char] = &['-', '~', '～', '—', '–', '至', '到'];

/// Parses a Chinese quantity into value, unit and qualifier; see the module documentation for the rules.
///
/// ```
/// use chaindock_text::quantity::{parse_quantity, Qualifier};
/// let q = parse_quantity("近1.1万项").unwrap();
/// assert_eq!((q.value, q.unit.as_str(), q.qualifier), (11000.0, "项", Qualifier::About));
/// ```
pub fn parse_quantity(input: &str) -> Result<ParsedQuantity, QuantityError> {
    let chars: Vec<(usize, char)> = input.char_indices().map(|(i, c)| (i, half_width(c))).collect();
    if chars.iter().all(|&(_, c)| c.is_whitespace()) {
        return Err(QuantityError::Empty);
    }
    let mut cur = Cursor { chars: &chars, pos: 0, end: input.len() };
    let mut qualifier = Qualifier::Exact;

    // Prefixes, longest match first, as many as there are (`共约`).
    let mut bare_magnitude = false;
    loop {
        cur.skip_whitespace();
        let at = cur.at();
        let best = PREFIXES.iter().filter(|(w, _)| cur.starts_with(w)).max_by_key(|(w, _)| w.chars().count());
        if let Some((word, q)) = best {
            if let Some(q) = q {
                qualifier = merge(qualifier, q.clone(), at)?;
                bare_magnitude = true;
            }
            cur.pos += word.chars().count();
            continue;
        }
        // `上万`, `数十万`, `几百`: the word is a qualifier only in front of a multiplier.
        if matches!(cur.peek(), Some('上' | '数' | '几')) && cur.peek_at(1).is_some_and(|c| multiplier(c).is_some())
        {
            qualifier = merge(qualifier, Qualifier::MoreThan, at)?;
            bare_magnitude = true;
            cur.pos += 1;
            continue;
        }
        break;
    }

    let percent = cur.starts_with("百分之");
    if percent {
        cur.pos += 3;
        cur.skip_whitespace();
    }
    if cur.peek() == Some('-') && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
        return Err(QuantityError::MalformedNumber { at: cur.at(), reason: "quantities cannot be negative" });
    }

    let number = parse_number(&mut cur, bare_magnitude, &mut qualifier)?;
    let number_end = cur.at();

    cur.skip_whitespace();
    if cur.peek().is_some_and(|c| RANGE_MARKS.contains(&c)) {
        let mut ahead = Cursor { pos: cur.pos + 1, ..cur };
        ahead.skip_whitespace();
        if ahead.peek().is_some_and(|d| d.is_ascii_digit() || chinese_digit(d).is_some()) {
            return Err(QuantityError::Range { at: cur.at() });
        }
    }

    // The unit is the rest, less any qualifier words at its end.
    let mut rest = &chars[cur.pos..];
    loop {
        rest = trim_chars(rest);
        let best = SUFFIXES.iter().filter(|(w, _)| ends_with(rest, w)).max_by_key(|(w, _)| w.chars().count());
        let Some((word, q)) = best else { break };
        let n = word.chars().count();
        qualifier = merge(qualifier, q.clone(), rest[rest.len() - n].0)?;
        rest = &rest[..rest.len() - n];
    }
    check_unit(rest)?;
    let mut unit: String = rest.iter().map(|&(_, c)| c).collect();
    if percent {
        if let Some(&(at, found)) = rest.first() {
            return Err(QuantityError::UnexpectedInUnit { at, found });
        }
        unit.push('%');
    }

    let value = number.to_f64().ok_or(QuantityError::OutOfRange { at: number_end })?;
    Ok(ParsedQuantity { value, unit, qualifier })
}

/// Combines two qualifiers; `Exact` gives way, equal ones agree, different ones conflict.
fn merge(first: Qualifier, second: Qualifier, at: usize) -> Result<Qualifier, QuantityError> {
    match (first, second) {
        (Qualifier::Exact, q) | (q, Qualifier::Exact) => Ok(q),
        (a, b) if a == b => Ok(a),
        (first, second) => Err(QuantityError::ConflictingQualifiers { at, first, second }),
    }
}

/// Full-width ASCII forms and the ideographic space as their ASCII twins.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn trim_chars(mut s: &[(usize, char)]) -> &[(usize, char)] {
    while s.first().is_some_and(|&(_, c)| c.is_whitespace()) {
        s = &s[1..];
    }
    while s.last().is_some_and(|&(_, c)| c.is_whitespace()) {
        s = &s[..s.len() - 1];
    }
    s
}

fn ends_with(s: &[(usize, char)], word: &str) -> bool {
    let n = word.chars().count();
    n <= s.len() && s[s.len() - n..].iter().map(|&(_, c)| c).eq(word.chars())
}

/// Refuses units that are really a second number: see "Units" in the module documentation.
fn check_unit(unit: &[(usize, char)]) -> Result<(), QuantityError> {
    let Some(&(at, first)) = unit.first() else { return Ok(()) };
    let starts_with_known = {
        let cur = Cursor { chars: unit, pos: 0, end: 0 };
        NUMERAL_UNITS.iter().any(|w| cur.starts_with(w))
    };
    let numeral = matches!(first, '0'..='9' | '.' | ',')
        || (chinese_digit(first).is_some_and(|d| d != 0) && !matches!(first, '两' | '兩'))
        || multiplier(first).is_some();
    if numeral && !starts_with_known {
        return Err(QuantityError::UnexpectedInUnit { at, found: first });
    }
    // An Arabic digit may follow a Latin letter (m3, CO2) or such a digit (km25 would be odd but harmless).
    let mut digit_allowed = false;
    for &(at, c) in unit {
        if c.is_ascii_digit() && !digit_allowed {
            return Err(QuantityError::UnexpectedInUnit { at, found: c });
        }
        digit_allowed = c.is_ascii_alphabetic() || (c.is_ascii_digit() && digit_allowed);
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Cursor<'a> {
    chars: &'a [(usize, char)],
    pos: usize,
    /// The byte length of the input, reported as the position of the end.
    end: usize,
}

impl Cursor<'_> {
    fn at(&self) -> usize {
        self.chars.get(self.pos).map_or(self.end, |&(i, _)| i)
    }

    fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).map(|&(_, c)| c)
    }

    fn starts_with(&self, word: &str) -> bool {
        let mut n = 0;
        for (k, w) in word.chars().enumerate() {
            if self.peek_at(k) != Some(w) {
                return false;
            }
            n += 1;
        }
        n > 0
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }
}

/// A Chinese digit's value: `零〇` 0 … `九` 9, with the financial forms and `两`.
fn chinese_digit(c: char) -> Option<u8> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '贰' | '貳' | '两' | '兩' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// A multiplier's power of ten: `十` 1, `百` 2, `千` 3 (within a section), `万` 4, `亿` 8 (between sections).
fn multiplier(c: char) -> Option<i32> {
    Some(match c {
        '十' | '拾' => 1,
        '百' | '佰' => 2,
        '千' | '仟' => 3,
        '万' | '萬' => 4,
        '亿' | '億' => 8,
        _ => return None,
    })
}

/// An exact decimal `mantissa × 10^exponent`, so that `1.1万` is 11000 and not 11000.000000000002.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Decimal {
    mantissa: u128,
    exponent: i32,
}

impl Decimal {
    const ZERO: Decimal = Decimal { mantissa: 0, exponent: 0 };

    fn int(n: u128) -> Self {
        Decimal { mantissa: n, exponent: 0 }
    }

    fn scale(self, power: i32) -> Option<Self> {
        if self.mantissa == 0 {
            return Some(Self::ZERO);
        }
        Some(Decimal { mantissa: self.mantissa, exponent: self.exponent.checked_add(power)? })
    }

    fn add(self, other: Self) -> Option<Self> {
        if self.mantissa == 0 {
            return Some(other);
        }
        if other.mantissa == 0 {
            return Some(self);
        }
        let (high, low) = if self.exponent >= other.exponent { (self, other) } else { (other, self) };
        let gap = u32::try_from(i64::from(high.exponent) - i64::from(low.exponent)).ok()?;
        let scaled = 10u128.checked_pow(gap)?.checked_mul(high.mantissa)?;
        Some(Decimal { mantissa: scaled.checked_add(low.mantissa)?, exponent: low.exponent })
    }

    /// The nearest `f64` (Rust's float parsing rounds correctly); `None` when it overflows to infinity.
    fn to_f64(self) -> Option<f64> {
        let v: f64 = format!("{}e{}", self.mantissa, self.exponent).parse().ok()?;
        v.is_finite().then_some(v)
    }
}

/// A number waiting for what follows: a multiplier applies to it, or it ends a section.
#[derive(Clone, Copy)]
struct Pending {
    value: Decimal,
    /// One digit without a fraction, right after a multiplier (for the `三千五` shorthand): that
    /// multiplier's power.
    shorthand_after: Option<i32>,
}

/// Reads the number, merging any `多`/`余`/`几`/`来` inside it into `qualifier`. `bare_magnitude` allows
/// `万` with no digit before it (after a qualifier: `逾万吨`).
fn parse_number(
    cur: &mut Cursor<'_>,
    bare_magnitude: bool,
    qualifier: &mut Qualifier,
) -> Result<Decimal, QuantityError> {
    let start = cur.at();
    let mut total = Decimal::ZERO;
    let mut section = Decimal::ZERO;
    let mut pending: Option<Pending> = None;
    let mut last_small: Option<i32> = None;
    let mut last_big: Option<i32> = None;
    // The power of the multiplier just read, if the previous token was one (and no `零` came since).
    let mut after_multiplier: Option<i32> = None;
    let mut seen = false;
    let too_large = |cur: &Cursor<'_>| QuantityError::OutOfRange { at: cur.at() };

    loop {
        cur.skip_whitespace();
        let at = cur.at();
        let Some(c) = cur.peek() else { break };

        if c.is_ascii_digit() {
            if pending.is_some() {
                return Err(QuantityError::MalformedNumber { at, reason: "two numbers in a row" });
            }
            let (value, single) = parse_arabic(cur)?;
            pending = Some(Pending { value, shorthand_after: after_multiplier.filter(|_| single) });
            after_multiplier = None;
            seen = true;
            continue;
        }

        if let Some(d) = chinese_digit(c) {
            if pending.is_some() {
                if matches!(c, '两' | '兩' | '零' | '〇') {
                    break; // the unit: `三两`, `5零件`
                }
                return Err(QuantityError::MalformedNumber { at, reason: "two digits in a row" });
            }
            cur.pos += 1;
            if d == 0 && seen {
                // `一百零五`: a placeholder for the empty places; it ends the shorthand.
                after_multiplier = None;
                continue;
            }
            pending = Some(Pending { value: Decimal::int(u128::from(d)), shorthand_after: after_multiplier });
            after_multiplier = None;
            seen = true;
            // `一点五万`: the Chinese decimal point joins what was read so far to the digits after it.
            if cur.peek() == Some('点') && cur.peek_at(1).and_then(chinese_digit).is_some() {
                cur.pos += 1;
                let mut fraction = Decimal::ZERO;
                let mut places = 0;
                while let Some(d) = cur.peek().filter(|&c| !matches!(c, '两' | '兩')).and_then(chinese_digit) {
                    places -= 1;
                    let digit = Decimal::int(u128::from(d)).scale(places).ok_or_else(|| too_large(cur))?;
                    fraction = fraction.add(digit).ok_or_else(|| too_large(cur))?;
                    cur.pos += 1;
                }
                let whole = section.add(Decimal::int(u128::from(d))).ok_or_else(|| too_large(cur))?;
                let value = whole.add(fraction).ok_or_else(|| too_large(cur))?;
                pending = Some(Pending { value, shorthand_after: None });
                section = Decimal::ZERO;
                last_small = None;
            }
            continue;
        }

        if let Some(power) = multiplier(c) {
            if NUMERAL_UNITS.iter().any(|w| cur.starts_with(w)) {
                break;
            }
            if !seen && pending.is_none() && power >= 2 && !bare_magnitude {
                return Err(QuantityError::NoNumber { at: start });
            }
            cur.pos += 1;
            if power < 4 {
                if last_small.is_some_and(|l| power >= l) {
                    return Err(QuantityError::MalformedNumber { at, reason: "multipliers out of order" });
                }
                let value = pending.take().map_or(Decimal::int(1), |p| p.value);
                let part = value.scale(power).ok_or_else(|| too_large(cur))?;
                section = section.add(part).ok_or_else(|| too_large(cur))?;
                last_small = Some(power);
            } else {
                let has_value = pending.is_some() || last_small.is_some();
                let mut value = pending.take().map_or(Ok(section), |p| section.add(p.value).ok_or(()));
                if !has_value {
                    if !seen {
                        value = Ok(Decimal::int(1)); // `逾万吨`; refused above without a qualifier
                    } else if last_big.is_none_or(|l| power <= l) {
                        return Err(QuantityError::MalformedNumber { at, reason: "a multiplier without a number" });
                    }
                }
                let value = value.map_err(|()| too_large(cur))?;
                total = match last_big {
                    Some(l) if power == l => {
                        return Err(QuantityError::MalformedNumber { at, reason: "the same multiplier twice" });
                    }
                    // `一亿二千万`: a lower section adds to the total.
                    Some(l) if power < l => total.add(value.scale(power).ok_or_else(|| too_large(cur))?),
                    // `一万亿`, `两万三千亿`: a higher multiplier applies to everything before it.
                    _ => total.add(value).and_then(|v| v.scale(power)),
                }
                .ok_or_else(|| too_large(cur))?;
                section = Decimal::ZERO;
                last_small = None;
                last_big = Some(power);
            }
            after_multiplier = Some(power);
            seen = true;
            continue;
        }

        if seen && matches!(c, '多' | '余' | '几' | '来') {
            let q = if c == '来' { Qualifier::About } else { Qualifier::MoreThan };
            *qualifier = merge(qualifier.clone(), q, at)?;
            cur.pos += 1;
            continue;
        }
        break;
    }

    if !seen {
        return Err(QuantityError::NoNumber { at: start });
    }
    if let Some(p) = pending {
        // `三千五` is 3500: one digit right after a multiplier stands for the next lower place.
        let value = match p.shorthand_after {
            Some(power) => p.value.scale(power - 1).ok_or_else(|| too_large(cur))?,
            None => p.value,
        };
        section = section.add(value).ok_or_else(|| too_large(cur))?;
    }
    total.add(section).ok_or_else(|| too_large(cur))
}

/// Reads `3600`, `3,600`, `1.1`, `1,234.5` at the cursor. Returns the number and whether it was a single
/// digit without a fraction (for the `1万5` shorthand).
fn parse_arabic(cur: &mut Cursor<'_>) -> Result<(Decimal, bool), QuantityError> {
    let mut digits: Vec<u8> = Vec::new();
    let mut fraction_len: i64 = 0;
    let mut group: Option<usize> = None; // digits since the last thousands separator
    let mut first_group = 0;

    while let Some(c) = cur.peek() {
        if let Some(d) = c.to_digit(10) {
            digits.push(d as u8);
            match group.as_mut() {
                Some(g) => *g += 1,
                None => first_group += 1,
            }
            cur.pos += 1;
        } else if c == ',' && cur.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
            let at = cur.at();
            if group.is_some_and(|g| g != 3) || group.is_none() && first_group > 3 {
                return Err(QuantityError::MalformedNumber { at, reason: "thousands separators come every 3 digits" });
            }
            group = Some(0);
            cur.pos += 1;
        } else {
            break;
        }
    }
    if group.is_some_and(|g| g != 3) {
        return Err(QuantityError::MalformedNumber {
            at: cur.at(),
            reason: "thousands separators come every 3 digits",
        });
    }
    let integer_len = digits.len();
    if cur.peek() == Some('.') && cur.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
        cur.pos += 1;
        while let Some(d) = cur.peek().and_then(|c| c.to_digit(10)) {
            digits.push(d as u8);
            fraction_len += 1;
            cur.pos += 1;
        }
        if cur.peek() == Some('.') && cur.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
            return Err(QuantityError::MalformedNumber { at: cur.at(), reason: "a second decimal point" });
        }
    }
    let single = integer_len == 1 && fraction_len == 0;

    // Leading zeros carry nothing; trailing zeros go into the exponent, so that the long plain
    // notation `Display` prints for 1e300 still fits the mantissa.
    let significant: &[u8] = {
        let start = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
        let end = digits.iter().rposition(|&d| d != 0).map_or(start, |e| e + 1);
        &digits[start..end]
    };
    let stripped = digits.iter().rev().take_while(|&&d| d == 0).count() as i64;
    if significant.len() > 38 {
        return Err(QuantityError::OutOfRange { at: cur.at() });
    }
    let mantissa = significant.iter().fold(0u128, |m, &d| m * 10 + u128::from(d));
    let exponent = i32::try_from(stripped - fraction_len).map_err(|_| QuantityError::OutOfRange { at: cur.at() })?;
    Ok((Decimal { mantissa, exponent }, single))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Qualifier::{About, Exact, LessThan, MoreThan};
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, value: f64, unit: &str, qualifier: Qualifier) {
        let got = parse_quantity(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(got, ParsedQuantity { value, unit: unit.into(), qualifier }, "{input:?}");
    }

    #[track_caller]
    fn fails(input: &str, expected: QuantityError) {
        assert_eq!(parse_quantity(input), Err(expected), "{input:?}");
    }

    #[test]
    fn arabic_numbers_with_multipliers() {
        check("1.1万件", 11000.0, "件", Exact);
        check("4700万个", 47_000_000.0, "个", Exact);
        check("360万片", 3_600_000.0, "片", Exact);
        check("1.5亿元", 150_000_000.0, "元", Exact);
        check("11000件", 11000.0, "件", Exact);
        check("5吨", 5.0, "吨", Exact);
        check("0.5吨", 0.5, "吨", Exact);
        check("4.35万吨", 43500.0, "吨", Exact);
        check("1亿2000万", 120_000_000.0, "", Exact);
        check("1万5000台", 15000.0, "台", Exact);
        check("1万5", 15000.0, "", Exact);
        check("3千", 3000.0, "", Exact);
        check("2.5千克", 2.5, "千克", Exact);
        check("1万亿元", 1e12, "元", Exact);
        check("0", 0.0, "", Exact);
        check("007吨", 7.0, "吨", Exact);
        check("12.50元", 12.5, "元", Exact);
    }

    #[test]
    fn separators_spaces_and_full_width() {
        check("3,600吨", 3600.0, "吨", Exact);
        check("1,234,567.5元", 1_234_567.5, "元", Exact);
        check("３，６００吨", 3600.0, "吨", Exact);
        check("1.1 万 件", 11000.0, "件", Exact);
        check("  5 吨  ", 5.0, "吨", Exact);
        check("１．１万件", 11000.0, "件", Exact);
        check("１１０００件", 11000.0, "件", Exact);
        check("约\u{3000}600人", 600.0, "人", About);
        check("５００ｋＷ", 500.0, "kW", Exact);
    }

    #[test]
    fn chinese_numerals() {
        check("三千五百", 3500.0, "", Exact);
        check("两万", 20000.0, "", Exact);
        check("一亿二千万", 120_000_000.0, "", Exact);
        check("十二", 12.0, "", Exact);
        check("二十", 20.0, "", Exact);
        check("一百零五", 105.0, "", Exact);
        check("十", 10.0, "", Exact);
        check("十万", 100_000.0, "", Exact);
        check("十一万", 110_000.0, "", Exact);
        check("一千零一十", 1010.0, "", Exact);
        check("一万零五百", 10500.0, "", Exact);
        check("一亿零五", 100_000_005.0, "", Exact);
        check("两千三百四十五万六千七百八十九", 23_456_789.0, "", Exact);
        check("一万亿", 1e12, "", Exact);
        check("两万三千亿", 2.3e12, "", Exact);
        check("零", 0.0, "", Exact);
        check("〇", 0.0, "", Exact);
        check("壹佰贰拾叁元", 123.0, "元", Exact);
        check("伍仟万元", 50_000_000.0, "元", Exact);
        check("三百吨", 300.0, "吨", Exact);
        check("一点五万吨", 15000.0, "吨", Exact);
        check("十一点五", 11.5, "", Exact);
        check("两个", 2.0, "个", Exact);
    }

    #[test]
    fn colloquial_shorthand() {
        check("三千五", 3500.0, "", Exact);
        check("两万五", 25000.0, "", Exact);
        check("一万二千五", 12500.0, "", Exact);
        check("一百二", 120.0, "", Exact);
        check("一亿二", 120_000_000.0, "", Exact);
        check("一百零二", 102.0, "", Exact);
    }

    #[test]
    fn qualifiers_before() {
        check("逾万吨", 10000.0, "吨", MoreThan);
        check("近1.1万项", 11000.0, "项", About);
        check("将近1.1万项", 11000.0, "项", About);
        check("接近300家", 300.0, "家", About);
        check("超13万人", 130_000.0, "人", MoreThan);
        check("超过13万人", 130_000.0, "人", MoreThan);
        check("约600人", 600.0, "人", About);
        check("大约600人", 600.0, "人", About);
        check("大概两千", 2000.0, "", About);
        check("不足100吨", 100.0, "吨", LessThan);
        check("不到100吨", 100.0, "吨", LessThan);
        check("低于100吨", 100.0, "吨", LessThan);
        check("不超过100吨", 100.0, "吨", LessThan);
        check("至少5台", 5.0, "台", MoreThan);
        check("不少于5台", 5.0, "台", MoreThan);
        check("最多5台", 5.0, "台", LessThan);
        check("逾百万吨", 1_000_000.0, "吨", MoreThan);
        check("近万人", 10000.0, "人", About);
        check("不足千元", 1000.0, "元", LessThan);
    }

    #[test]
    fn magnitude_words() {
        check("上万", 10000.0, "", MoreThan);
        check("上万人", 10000.0, "人", MoreThan);
        check("上千家", 1000.0, "家", MoreThan);
        check("上百万吨", 1_000_000.0, "吨", MoreThan);
        check("数万", 10000.0, "", MoreThan);
        check("数十万台", 100_000.0, "台", MoreThan);
        check("几百家", 100.0, "家", MoreThan);
        check("十几万", 100_000.0, "", MoreThan);
        check("十几个", 10.0, "个", MoreThan);
    }

    #[test]
    fn qualifiers_after() {
        check("2万多项", 20000.0, "项", MoreThan);
        check("700余家", 700.0, "家", MoreThan);
        check("100多万吨", 1_000_000.0, "吨", MoreThan);
        check("1万余吨", 10000.0, "吨", MoreThan);
        check("十多个", 10.0, "个", MoreThan);
        check("十来个", 10.0, "个", About);
        check("100吨以上", 100.0, "吨", MoreThan);
        check("100以上", 100.0, "", MoreThan);
        check("100吨左右", 100.0, "吨", About);
        check("100吨上下", 100.0, "吨", About);
        check("100吨以下", 100.0, "吨", LessThan);
        check("100吨以内", 100.0, "吨", LessThan);
        check("5吨多", 5.0, "吨", MoreThan);
        check("5吨有余", 5.0, "吨", MoreThan);
        check("三十出头", 30.0, "", MoreThan);
        check("100吨不到", 100.0, "吨", LessThan);
        check("超过100吨以上", 100.0, "吨", MoreThan);
        check("100 吨 左右 ", 100.0, "吨", About);
    }

    #[test]
    fn framing_words_are_skipped() {
        check("共计3,600吨", 3600.0, "吨", Exact);
        check("达1.1万件", 11000.0, "件", Exact);
        check("共约600人", 600.0, "人", About);
        check("一共5台", 5.0, "台", Exact);
    }

    #[test]
    fn units_are_kept_as_written() {
        check("2700套(件)", 2700.0, "套(件)", Exact);
        check("2700套（件）", 2700.0, "套(件)", Exact);
        check("30台(套)", 30.0, "台(套)", Exact);
        check("17万立方米", 170_000.0, "立方米", Exact);
        check("2万平方米", 20000.0, "平方米", Exact);
        check("17万平方千米", 170_000.0, "平方千米", Exact);
        check("500kW", 500.0, "kW", Exact);
        check("500千瓦", 500.0, "千瓦", Exact);
        check("100万千瓦时", 1_000_000.0, "千瓦时", Exact);
        check("3千米", 3.0, "千米", Exact);
        check("5个百分点", 5.0, "个百分点", Exact);
        check("2万m3", 20000.0, "m3", Exact);
        check("5 metric tons", 5.0, "metric tons", Exact);
        check("3两", 3.0, "两", Exact);
        check("500零件", 500.0, "零件", Exact);
        check("500万元/年", 5_000_000.0, "元/年", Exact);
        check("50%", 50.0, "%", Exact);
        check("百分之五十", 50.0, "%", Exact);
        check("约百分之三十", 30.0, "%", About);
        check("3.5万吨CO2", 35000.0, "吨CO2", Exact);
    }

    #[test]
    fn bad_input_says_what_and_where() {
        fails("", QuantityError::Empty);
        fails("   ", QuantityError::Empty);
        fails("万件", QuantityError::NoNumber { at: 0 });
        fails("百万吨", QuantityError::NoNumber { at: 0 });
        fails("abc", QuantityError::NoNumber { at: 0 });
        fails("吨", QuantityError::NoNumber { at: 0 });
        fails("约", QuantityError::NoNumber { at: 3 });
        fails("1.2.3万", QuantityError::MalformedNumber { at: 3, reason: "a second decimal point" });
        fails("1,2吨", QuantityError::MalformedNumber { at: 3, reason: "thousands separators come every 3 digits" });
        fails("1234,567", QuantityError::MalformedNumber { at: 4, reason: "thousands separators come every 3 digits" });
        fails("一二三", QuantityError::MalformedNumber { at: 3, reason: "two digits in a row" });
        fails("五百三千", QuantityError::MalformedNumber { at: 9, reason: "multipliers out of order" });
        fails("一万万", QuantityError::MalformedNumber { at: 6, reason: "a multiplier without a number" });
        fails("一万三千万", QuantityError::MalformedNumber { at: 12, reason: "the same multiplier twice" });
        fails("-5吨", QuantityError::MalformedNumber { at: 0, reason: "quantities cannot be negative" });
        fails("3-5万吨", QuantityError::Range { at: 1 });
        fails("3至5万吨", QuantityError::Range { at: 1 });
        fails("3 ~ 5吨", QuantityError::Range { at: 2 });
        fails("5吨3公斤", QuantityError::UnexpectedInUnit { at: 4, found: '3' });
        fails("5.吨", QuantityError::UnexpectedInUnit { at: 1, found: '.' });
        fails("百分之五十吨", QuantityError::UnexpectedInUnit { at: 15, found: '吨' });
        fails("约100多吨", QuantityError::ConflictingQualifiers { at: 6, first: About, second: MoreThan });
        fails("不足100吨以上", QuantityError::ConflictingQualifiers { at: 12, first: LessThan, second: MoreThan });
        let huge = format!("1{}", "0".repeat(400));
        assert!(matches!(parse_quantity(&huge), Err(QuantityError::OutOfRange { .. })));
        let long = "1".repeat(50);
        assert!(matches!(parse_quantity(&long), Err(QuantityError::OutOfRange { .. })));
    }

    #[test]
    fn errors_read_well() {
        let e = parse_quantity("1.2.3万").unwrap_err().to_string();
        assert_eq!(e, "malformed number at byte 3: a second decimal point");
        let e = parse_quantity("约100多吨").unwrap_err().to_string();
        assert_eq!(e, "the qualifier at byte 6 says more_than but an earlier one says about");
    }

    #[test]
    fn display_reads_back() {
        for input in ["逾万吨", "近1.1万项", "不足100吨", "2700套(件)", "三千五百", "50%", "500千瓦", "3两", "0.1吨"]
        {
            let q = parse_quantity(input).unwrap();
            assert_eq!(parse_quantity(&q.to_string()), Ok(q.clone()), "{input:?} → {q}");
        }
        let q = parse_quantity("逾万吨").unwrap();
        assert_eq!(q.to_string(), "超过10000吨");
    }

    /// An independent rendering of an integer in Chinese numerals, by the textbook rules (groups of four
    /// digits under 亿 and 万, `零` for every run of empty places between digits, `一十` shortened to `十`
    /// at the start), to check the parser against.
    fn chinese(n: u64, liang: bool) -> String {
        const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        if n == 0 {
            return "零".into();
        }
        let groups = [(n / 100_000_000, "亿"), (n / 10_000 % 10_000, "万"), (n % 10_000, "")];
        let mut out = String::new();
        let mut zero = false;
        for (g, name) in groups {
            if g == 0 {
                zero = !out.is_empty();
                continue;
            }
            if !out.is_empty() && g < 1000 {
                zero = true;
            }
            let places = [(g / 1000, "千"), (g / 100 % 10, "百"), (g / 10 % 10, "十"), (g % 10, "")];
            let mut started = false;
            for (d, place) in places {
                if d == 0 {
                    zero |= started;
                    continue;
                }
                if zero {
                    out.push('零');
                    zero = false;
                }
                let two = liang && d == 2 && !place.is_empty() && place != "十";
                out.push(if two { '两' } else { DIGITS[d as usize] });
                out.push_str(place);
                started = true;
            }
            zero = false;
            out.push_str(name);
        }
        if out.starts_with("一十") {
            out.remove(0);
        }
        out
    }

    #[test]
    fn the_reference_renderer_renders_textbook_numerals() {
        assert_eq!(chinese(105, false), "一百零五");
        assert_eq!(chinese(12, false), "十二");
        assert_eq!(chinese(120_000_000, false), "一亿二千万");
        assert_eq!(chinese(100_000_005, false), "一亿零五");
        assert_eq!(chinese(10_500, false), "一万零五百");
        assert_eq!(chinese(1_010, false), "一千零一十");
        assert_eq!(chinese(2_200, true), "两千两百");
    }

    fn units() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "",
            "件",
            "吨",
            "个",
            "项",
            "家",
            "人",
            "套(件)",
            "台(套)",
            "立方米",
            "平方米",
            "kW",
            "千瓦",
            "千瓦时",
            "m3",
            "%",
            "metric tons",
            "零件",
            "两",
            "元/年",
        ])
        .prop_map(String::from)
    }

    fn qualifiers() -> impl Strategy<Value = Qualifier> {
        prop::sample::select(vec![Exact, MoreThan, LessThan, About])
    }

    fn values() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite, not negative", |v| v.is_finite() && v.is_sign_positive()),
            (0u64..10_000_000).prop_map(|v| v as f64),
            (0u64..1_000_000, 1u32..6).prop_map(|(m, e)| m as f64 / 10f64.powi(e as i32)),
        ]
    }

    /// Pieces of quantities as people type them, to assemble into inputs.
    fn quantity_like() -> impl Strategy<Value = String> {
        let prefix = prop::sample::select(vec!["", "约", "近", "逾", "超过", "不足", "共计", "上", "数", " "]);
        let number = prop_oneof![
            (0u64..1_000_000_000_000).prop_map(|n| n.to_string()),
            (0u64..100_000, 0u32..4).prop_map(|(m, e)| format!("{}", m as f64 / 10f64.powi(e as i32))),
            (0u64..1_000_000_000_000, any::<bool>()).prop_map(|(n, l)| chinese(n, l)),
            Just("3,600".to_string()),
        ];
        let multiplier = prop::sample::select(vec!["", "万", "亿", "千", "十", "百万", "万亿", " 万 "]);
        let mid = prop::sample::select(vec!["", "多", "余", "来"]);
        let unit = prop::sample::select(vec!["", "件", "吨", "套(件)", "千瓦", "m3", "两", " kW "]);
        let suffix = prop::sample::select(vec!["", "以上", "左右", "以下", "多"]);
        (prefix, number, multiplier, mid, unit, suffix).prop_map(|(p, n, m, d, u, s)| format!("{p}{n}{m}{d}{u}{s}"))
    }

    proptest! {
        #[test]
        fn printed_quantities_parse_back(value in values(), unit in units(), qualifier in qualifiers()) {
            let q = ParsedQuantity { value, unit, qualifier };
            let text = q.to_string();
            prop_assert_eq!(parse_quantity(&text), Ok(q), "{}", text);
        }

        #[test]
        fn parsed_quantities_print_and_parse_to_themselves(input in quantity_like()) {
            if let Ok(q) = parse_quantity(&input) {
                prop_assert!(q.value.is_finite() && q.value >= 0.0);
                let text = q.to_string();
                prop_assert_eq!(parse_quantity(&text), Ok(q), "{} → {}", input, text);
            }
        }

        #[test]
        fn chinese_numerals_agree_with_a_reference_renderer(n in 0u64..1_000_000_000_000, liang in any::<bool>()) {
            let text = chinese(n, liang);
            let q = parse_quantity(&text);
            prop_assert_eq!(q.map(|q| q.value), Ok(n as f64), "{}", text);
        }

        #[test]
        fn arabic_with_multipliers_is_exact(m in 0u64..100_000_000, places in 0u32..5, big in prop::sample::select(vec![("万", 4i32), ("亿", 8)])) {
            let text = format!("{}{}", Decimal { mantissa: m.into(), exponent: -(places as i32) }.plain(), big.0);
            let expected: f64 = format!("{m}e{}", big.1 - places as i32).parse().unwrap();
            prop_assert_eq!(parse_quantity(&text).map(|q| q.value), Ok(expected), "{}", text);
        }

        #[test]
        fn never_panics(input in any::<String>()) {
            let _ = parse_quantity(&input);
        }

        #[test]
        fn never_panics_on_numeral_soup(input in "[0-9.,十百千万亿零一二两三五多余约近逾超不足以上左右吨件 ()-]{0,16}") {
            let _ = parse_quantity(&input);
        }
    }

    impl Decimal {
        /// Plain decimal notation, for building test inputs.
        fn plain(self) -> String {
            let digits = self.mantissa.to_string();
            if self.exponent >= 0 {
                return format!("{digits}{}", "0".repeat(self.exponent as usize));
            }
            let places = (-self.exponent) as usize;
            let padded = format!("{digits:0>width$}", width = places + 1);
            let (int, frac) = padded.split_at(padded.len() - places);
            format!("{int}.{frac}")
        }
    }
}
