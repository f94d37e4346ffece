//! Company names taken apart: region prefix, core name, legal form, branch.
//!
//! A registered Chinese company name reads *region + trade name + industry + legal form*
//! (企业名称登记管理规定): `唐山市` `华冶` `冲压件` `有限公司`. Names arrive with the region left out or
//! abbreviated, the legal form varied (`有限公司` / `有限责任公司` / `股份有限公司`, `(集团)`), or a branch
//! appended (`…有限公司唐山分公司`). [`parse_company`] normalises the name and splits it so that names can be
//! compared on what identifies the company (the core), while a branch stays distinguishable from its
//! parent.
//!
//! Rules, in order: normalise; split a branch suffix (`…分公司`, `…分厂`, `…办事处`) after the last legal
//! form; strip legal forms from the end, longest first, repeatedly (`集团股份有限公司` → `集团` +
//! `股份有限公司`); remove `(集团)` and `(有限合伙)` markers; take division names (full or short, as
//! [`crate::place`] knows them) from the front while they nest (`河北省唐山市`). What remains is the core.

use chaindock_model::RegionCode;

use crate::normalize::normalize;
use crate::place::{longest_name_at, resolve_normalized, within};

/// Legal forms and organisation words, longest first so that the longest matching suffix wins.
const LEGAL_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "公司",
    "集团",
    "(有限合伙)",
    "合伙企业",
    "个人独资企业",
    "厂",
];

const BRANCH_SUFFIXES: &[&str] = &["分公司", "分厂", "办事处", "分店", "营业部", "分部"];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompanyName {
    /// The whole name, normalised.
    pub canonical: String,
    /// Division names at the front, as written (`河北省唐山市`, `北京`).
    pub region_prefix: Option<String>,
    /// The division the prefix names, when it names exactly one.
    pub region: Option<RegionCode>,
    /// Trade name and industry: what identifies the company.
    pub core: String,
    /// Legal forms found at the end, outermost last (`集团`, `有限公司`).
    pub legal_forms: Vec<String>,
    /// A branch designation (`唐山分公司`); a branch is a separate registration, never its parent.
    pub branch: Option<String>,
}

/// The longest prefix of `s` made of nested division names (`河北省唐山市开平区`, `北京`), and the division it
/// ends in when that is unambiguous. Greedy: at each step the longest name that starts there and lies
/// inside (or around) the previous one.
fn region_prefix(s: &str) -> (Option<String>, Option<RegionCode>) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut last: Vec<RegionCode> = Vec::new();
    while let Some((len, codes)) = longest_name_at(&chars, i) {
        let nested: Vec<RegionCode> = if last.is_empty() {
            codes.to_vec()
        } else {
            codes.iter().copied().filter(|c| last.iter().any(|p| within(*p, *c) || within(*c, *p))).collect()
        };
        if nested.is_empty() {
            break;
        }
        last = nested;
        i += len;
    }
    if i == 0 {
        return (None, None);
    }
    let prefix: String = chars[..i].iter().collect();
    let region = match resolve_normalized(&prefix).as_slice() {
        [one] => Some(one.code),
        _ => None,
    };
    (Some(prefix), region)
}

/// Split a company name into its parts (see the module docs).
pub fn parse_company(name: &str) -> CompanyName {
    let canonical = normalize(name);
    let mut rest = canonical.clone();

    // A branch follows the parent's full name: `X有限公司唐山分公司`.
    let mut branch = None;
    for b in BRANCH_SUFFIXES {
        if rest.ends_with(b) {
            let cut = LEGAL_FORMS
                .iter()
                .filter_map(|f| rest[..rest.len() - b.len()].rfind(f).map(|i| i + f.len()))
                .max()
                .unwrap_or(0);
            if cut > 0 && cut < rest.len() {
                branch = Some(rest[cut..].to_string());
                rest.truncate(cut);
            } else {
                branch = Some(b.to_string());
                rest.truncate(rest.len() - b.len());
            }
            break;
        }
    }

    let mut legal_forms = Vec::new();
    loop {
        let trimmed = rest.trim_end();
        match LEGAL_FORMS.iter().find(|f| trimmed.ends_with(*f) && trimmed.len() > f.len()) {
            Some(f) => {
                legal_forms.insert(0, f.to_string());
                rest = trimmed[..trimmed.len() - f.len()].to_string();
            }
            None => break,
        }
    }
    for marker in ["(集团)", "(有限合伙)", "(中国)"] {
        if rest.contains(marker) {
            rest = rest.replace(marker, "");
            legal_forms.insert(0, marker.to_string());
        }
    }

    let (region_prefix, region) = region_prefix(&rest);
    let core = match &region_prefix {
        // A name that is nothing but a place keeps it as its core.
        Some(p) if rest.len() > p.len() => rest[p.len()..].trim().to_string(),
        _ => rest.trim().to_string(),
    };
    CompanyName { canonical, region_prefix, region, core, legal_forms, branch }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, prefix: Option<&str>, core: &str, forms: &[&str], branch: Option<&str>) {
        let c = parse_company(name);
        assert_eq!(
            (c.region_prefix.as_deref(), c.core.as_str(), c.legal_forms.clone(), c.branch.as_deref()),
            (prefix, core, forms.iter().map(|s| s.to_string()).collect::<Vec<_>>(), branch),
            "parse_company({name:?}) = {c:?}"
        );
    }

    #[test]
    fn parts() {
        check("唐山市丰润区华冶冲压件有限公司", Some("唐山市丰润区"), "华冶冲压件", &["有限公司"], None);
        check("北京汽车集团有限公司", Some("北京"), "汽车", &["集团", "有限公司"], None);
        check("北汽福田汽车股份有限公司", None, "北汽福田汽车", &["股份有限公司"], None);
        check("天津一汽丰田汽车有限公司", Some("天津"), "一汽丰田汽车", &["有限公司"], None);
        check("京东方科技集团股份有限公司", None, "京东方科技", &["集团", "股份有限公司"], None);
        check(
            "河北省唐山市开平区华信线束制造有限责任公司",
            Some("河北省唐山市开平区"),
            "华信线束制造",
            &["有限责任公司"],
            None,
        );
        check("北京汽车(集团)有限公司", Some("北京"), "汽车", &["(集团)", "有限公司"], None);
        check("长城汽车股份有限公司保定分公司", None, "长城汽车", &["股份有限公司"], Some("保定分公司"));
        check("首鋼京唐鋼鐵聯合有限責任公司", None, "首钢京唐钢铁联合", &["有限责任公司"], None);
        check("廊坊市华信线束厂", Some("廊坊市"), "华信线束", &["厂"], None);
        check("ＢＯＥ（京东方）", None, "BOE(京东方)", &[], None);
    }

    #[test]
    fn region_of_the_prefix() {
        assert_eq!(parse_company("唐山市丰润区华冶冲压件有限公司").region.map(|r| r.as_u32()), Some(130208));
        assert_eq!(parse_company("北京汽车集团有限公司").region.map(|r| r.as_u32()), Some(110000));
        assert_eq!(parse_company("京东方科技集团股份有限公司").region, None);
    }

    #[test]
    fn idempotent_on_its_canonical_form() {
        for n in ["唐山市丰润区华冶冲压件有限公司", "長城汽車股份有限公司保定分公司", "北京汽车（集团）有限公司"]
        {
            let once = parse_company(n);
            assert_eq!(parse_company(&once.canonical), once);
        }
    }
}
