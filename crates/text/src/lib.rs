//! Chinese text as real data brings it.
//!
//! Registry files, web pages and forms bring names in Traditional or Simplified characters, with
//! full-width letters, pinyin annotations after characters (`精準(zhǔn)`), text garbled by a wrong codepage,
//! and quantities written the Chinese way (`1.1万件`, `逾万吨`). This crate turns them into one canonical
//! form:
//!
//! - [`normalize`]: one canonical Simplified form (phrase-level Traditional → Simplified by OpenCC's
//!   dictionaries, full-width → half-width, unified punctuation and spaces, pinyin annotations removed);
//! - [`mojibake`]: finds text garbled by a wrong codepage, points at the span, repairs it when certain;
//! - [`quantity`]: parses `4700万个`, `近1.1万项`, `三千五百吨` into value, unit and qualifier;
//! - [`place`]: resolves a place name or an address to division codes, all candidates when ambiguous;
//! - [`company`]: splits a company name into region prefix, core name and legal form.
//!
//! The one idea to know: **normalise first, then compare.** Every other function here takes normalised
//! text, and normalisation is idempotent, so applying it twice never hurts.
//!
//! Pure: no I/O, no clock; the conversion dictionaries are compiled in.

pub mod company;
pub mod mojibake;
pub mod normalize;
pub mod place;
pub mod quantity;
pub mod resolve;

pub use company::{CompanyName, parse_company};
pub use normalize::{is_han, normalize, to_simplified};
pub use place::{PlaceCandidate, resolve_place};
