//! Place names and addresses to division codes (GB/T 2260) of Beijing, Tianjin and Hebei.
//!
//! A place comes as a code (`130205`), a full name (`唐山市`), a short name (`唐山`), with or without its
//! 县/市/区 suffix, in Traditional characters (`開平區`), inside an address (`河北省唐山市开平区新苑路8号`), or
//! under a name that no longer exists (`永年县`, since 2016 `永年区`). [`resolve_place`] normalises the
//! text, then:
//!
//! 1. a six-digit code of the table resolves to itself;
//! 2. otherwise every division name found in the text — full names, short names of two or more
//!    characters, former names — is a mention; a mention whose division lies inside another mentioned
//!    division supports it (`唐山市开平区`: 开平区 lies in 唐山市);
//! 3. the answer is the deepest mentioned division, chosen among those consistent with the others; when
//!    several remain (`桥西区` is in both 石家庄 and 张家口) all of them are returned, never a guess.
//!
//! Cost: O(|text| · k) for k names of up to eight characters, over a table of about 500 names.

use std::collections::HashMap;
use std::sync::OnceLock;

use chaindock_model::{Region, RegionCode, RegionLevel};

use crate::normalize::normalize;

/// Former names of renamed or merged divisions, with the code that replaced them (the State Council's
/// approvals of 2001–2020, as recorded in the national division code tables).
const FORMER_NAMES: &[(&str, u32)] = &[
    ("永年县", 130408),
    ("肥乡县", 130407),
    ("满城县", 130607),
    ("清苑县", 130608),
    ("徐水县", 130609),
    ("藁城市", 130109),
    ("鹿泉市", 130110),
    ("栾城县", 130111),
    ("抚宁县", 130306),
    ("冀州市", 131103),
    ("崇礼县", 130709),
    ("万全县", 130708),
    ("宣化县", 130705),
    ("滦县", 130284),
    ("平泉县", 130881),
    ("蓟县", 120119),
    ("宁河县", 120117),
    ("静海县", 120118),
    ("邢台县", 130503),
    ("任县", 130505),
    ("南和县", 130506),
    ("密云县", 110118),
    ("延庆县", 110119),
    ("平谷县", 110117),
    ("怀柔县", 110116),
    ("顺义县", 110113),
    ("昌平县", 110114),
    ("大兴县", 110115),
    ("房山县", 110111),
    ("通县", 110112),
    ("丰润县", 130208),
    ("唐海县", 130209),
    ("丰南市", 130207),
];

/// A division a place may be, and how it was recognised.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaceCandidate {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    /// The text that named it (a former name when the division was renamed).
    pub matched: String,
}

struct Names {
    /// Name → divisions it may denote.
    by_name: HashMap<String, Vec<RegionCode>>,
    longest: usize,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut by_name: HashMap<String, Vec<RegionCode>> = HashMap::new();
        for r in Region::all() {
            // The municipal "市辖区" placeholders are reached through their municipality.
            if r.name.ends_with("市辖区") {
                continue;
            }
            let mut add = |n: &str| {
                let v = by_name.entry(n.to_string()).or_default();
                if !v.contains(&r.code) {
                    v.push(r.code);
                }
            };
            add(&r.name);
            if r.short_name.chars().count() >= 2 {
                add(&r.short_name);
            }
        }
        for (name, code) in FORMER_NAMES {
            if let Ok(c) = RegionCode::parse(&code.to_string()) {
                by_name.entry(name.to_string()).or_default().push(c);
            }
        }
        let longest = by_name.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        Names { by_name, longest }
    })
}

/// The longest division name (full, short or former) starting at `chars[i]`: its length in characters
/// and the divisions it may denote.
pub(crate) fn longest_name_at(chars: &[char], i: usize) -> Option<(usize, &'static [RegionCode])> {
    let table = names();
    let max = table.longest.min(chars.len().saturating_sub(i));
    (2..=max).rev().find_map(|len| {
        let s: String = chars[i..i + len].iter().collect();
        table.by_name.get(&s).map(|codes| (len, codes.as_slice()))
    })
}

/// Depth of a division: province 0, city 1, county 2.
fn depth(c: RegionCode) -> u8 {
    match c.level() {
        RegionLevel::Province => 0,
        RegionLevel::City => 1,
        RegionLevel::County => 2,
    }
}

/// Whether `outer` contains `inner`, counting a municipality's districts as inside the municipality.
pub(crate) fn within(outer: RegionCode, inner: RegionCode) -> bool {
    outer.contains(inner) || (outer.level() == RegionLevel::Province && outer.province() == inner.province())
}

/// The divisions `text` may denote, best first; empty when it names none.
pub fn resolve_place(text: &str) -> Vec<PlaceCandidate> {
    resolve_normalized(&normalize(text))
}

/// [`resolve_place`] for text that is already normalised (company names are, by the time their prefix is
/// looked at): normalising twice would double the cost of parsing a name.
pub(crate) fn resolve_normalized(t: &str) -> Vec<PlaceCandidate> {
    let candidate = |code: RegionCode, matched: &str| {
        let r = code.region();
        PlaceCandidate { code, name: r.name.clone(), level: r.level, matched: matched.to_string() }
    };
    if let Ok(code) = RegionCode::parse(t) {
        return vec![candidate(code, t)];
    }
    let chars: Vec<char> = t.chars().collect();
    // Longest names first at each position; a shorter name inside a longer match is not a mention.
    let mut mentions: Vec<(String, Vec<RegionCode>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match longest_name_at(&chars, i) {
            Some((len, codes)) => {
                mentions.push((chars[i..i + len].iter().collect(), codes.to_vec()));
                i += len;
            }
            None => i += 1,
        }
    }
    if mentions.is_empty() {
        return Vec::new();
    }
    // Score each possible division by how many other mentions agree with it (contain it or lie in it).
    let all: Vec<(RegionCode, &str)> =
        mentions.iter().flat_map(|(s, codes)| codes.iter().map(move |c| (*c, s.as_str()))).collect();
    let support = |c: RegionCode, from: &str| {
        mentions
            .iter()
            .filter(|(s, _)| s != from)
            .filter(|(_, codes)| codes.iter().any(|o| within(*o, c) || within(c, *o)))
            .count()
    };
    let best_support = all.iter().map(|(c, s)| support(*c, s)).max().unwrap_or(0);
    let mut out: Vec<PlaceCandidate> = Vec::new();
    let mut push = |c: RegionCode, s: &str| {
        if out.iter().all(|o| o.code != c) {
            out.push(candidate(c, s));
        }
    };
    if best_support == 0 {
        // No mention confirms another: each name means its highest division (河北 is the province, not
        // Tianjin's 河北区), as a name looked up alone would.
        for (s, codes) in &mentions {
            let top = codes.iter().map(|c| depth(*c)).min().unwrap_or(0);
            codes.iter().filter(|c| depth(**c) == top).for_each(|c| push(*c, s));
        }
    } else {
        let consistent: Vec<(RegionCode, &str)> =
            all.iter().copied().filter(|(c, s)| support(*c, s) == best_support).collect();
        let deepest = consistent.iter().map(|(c, _)| depth(*c)).max().unwrap_or(0);
        consistent.into_iter().filter(|(c, _)| depth(*c) == deepest).for_each(|(c, s)| push(c, s));
    }
    out.sort_by_key(|o| o.code);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[u32]) {
        let got: Vec<u32> = resolve_place(input).iter().map(|c| c.code.as_u32()).collect();
        assert_eq!(got, expected, "resolve_place({input:?}) = {:?}", resolve_place(input));
    }

    #[test]
    fn names_codes_and_suffixes() {
        check("130200", &[130200]);
        check("唐山", &[130200]);
        check("唐山市", &[130200]);
        check("石家庄", &[130100]);
        check("开平区", &[130205]);
        check("开平", &[130205]);
        check("迁安市", &[130283]);
        check("迁安", &[130283]);
        check("北京", &[110000]);
        check("北京市", &[110000]);
        check("天津", &[120000]);
        check("河北", &[130000]);
        check("河北省", &[130000]);
        check("滨海新区", &[120116]);
        check("曹妃甸", &[130209]);
        check("赵县", &[130133]);
        check("上海", &[]);
        check("", &[]);
    }

    #[test]
    fn traditional_forms() {
        check("開平區", &[130205]);
        check("唐山市開平區", &[130205]);
        check("張家口", &[130700]);
        check("滄州市", &[130900]);
    }

    #[test]
    fn inside_addresses() {
        check("河北省唐山市开平区新苑路8号", &[130205]);
        check("唐山市丰润区华冶冲压件厂", &[130208]);
        check("天津市滨海新区经济技术开发区第三大街", &[120116]);
        check("北京市昌平区沙河镇", &[110114]);
        check("地址：河北省廊坊市", &[131000]);
        check("位于保定的工厂", &[130600]);
    }

    #[test]
    fn renamed_counties() {
        check("永年县", &[130408]);
        check("河北省邯郸市永年县", &[130408]);
        check("蓟县", &[120119]);
        check("滦县", &[130284]);
        check("唐海县", &[130209]);
    }

    #[test]
    fn ambiguous_names_give_every_candidate() {
        check("桥西区", &[130104, 130703]);
        check("新华区", &[130105, 130902]);
        check("张家口市桥西区", &[130703]);
        check("沧州新华区", &[130902]);
        // 河北区 is Tianjin's; with 天津 it is that district, alone 河北 is the province.
        check("天津市河北区", &[120105]);
        check("河北区", &[120105]);
    }
}
