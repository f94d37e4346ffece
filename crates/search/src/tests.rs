//! Hand-checked searches over a dozen enterprises.

use super::*;

fn link(chain: &str, link: &str, name: &str, chain_name: &str) -> LinkDoc {
    LinkDoc { chain: chain.into(), link: link.into(), link_name: name.into(), chain_name: Some(chain_name.into()) }
}

fn auto(l: &str, name: &str) -> LinkDoc {
    link("automotive", l, name, "汽车产业链")
}

/// (code, name, aliases, county, leading, specialised, links, description). City and province follow from
/// the county; the location is the county's seat.
#[allow(clippy::type_complexity)]
fn registry() -> Vec<EnterpriseDoc> {
    let rows: Vec<(&str, &str, Vec<&str>, u32, bool, bool, Vec<LinkDoc>, Option<&str>)> = vec![
        ("E01", "长城汽车股份有限公司", vec!["长城汽车"], 130606, true, false, vec![auto("vehicle", "整车")], None),
        (
            "E02",
            "京东方科技集团股份有限公司",
            vec!["京东方", "BOE"],
            110105,
            true,
            false,
            vec![link("display-panels", "lcd-panel", "TFT-LCD 面板（开盒）", "新型显示产业链")],
            None,
        ),
        (
            "E03",
            "河钢集团有限公司",
            vec!["河钢"],
            130102,
            true,
            false,
            vec![
                link("automotive-steel", "hot-rolled-coil", "热轧卷板", "汽车用钢产业链"),
                link("automotive-steel", "galvanized-sheet", "热镀锌汽车板", "汽车用钢产业链"),
            ],
            None,
        ),
        (
            "E04",
            "唐山丰润华冶冲压件有限公司",
            vec![],
            130208,
            false,
            false,
            vec![auto("stamping-parts", "冲压件")],
            None,
        ),
        ("E05", "天津宏达冲压件有限公司", vec![], 120116, false, true, vec![auto("stamping-parts", "冲压件")], None),
        ("E06", "廊坊盛源油封科技有限公司", vec![], 131003, false, true, vec![auto("oil-seal", "油封")], None),
        (
            "E07",
            "保定永康橡塑制品有限公司",
            vec![],
            130602,
            false,
            false,
            vec![auto("hose-assembly", "胶管总成")],
            None,
        ),
        (
            "E08",
            "北京华润包装材料有限公司",
            vec![],
            110113,
            false,
            false,
            vec![link("dairy-packaging", "aseptic-carton", "无菌纸盒包材", "乳制品与包装产业链")],
            Some("为乳制品企业提供无菌包装"),
        ),
        (
            "E09",
            "唐山鑫达汽车零部件有限公司",
            vec![],
            130203,
            true,
            false,
            vec![auto("stamping-parts", "冲压件"), auto("welded-assemblies", "冲焊总成件")],
            None,
        ),
        ("E10", "石家庄博远机械有限公司", vec![], 130104, false, false, vec![], Some("精密冲压件加工，模具设计")),
        ("E11", "沧州长城汽车配件有限公司", vec![], 130902, false, false, vec![auto("seat", "汽车座椅")], None),
        (
            "E12",
            "唐山永盛牧业有限公司",
            vec![],
            130208,
            false,
            false,
            vec![link("dairy-packaging", "raw-milk", "生鲜乳", "乳制品与包装产业链")],
            None,
        ),
    ];
    rows.into_iter()
        .map(|(code, name, aliases, county, leading, specialised, links, description)| {
            let c = chaindock_model::RegionCode::parse(&county.to_string()).unwrap();
            let loc = c.region().location;
            EnterpriseDoc {
                credit_code: code.into(),
                name: name.into(),
                aliases: aliases.into_iter().map(String::from).collect(),
                description: description.map(String::from),
                region: county,
                city: c.city().as_u32(),
                province: c.province().as_u32(),
                industry: None,
                leading,
                specialised,
                lng: Some(loc.lng),
                lat: Some(loc.lat),
                links,
            }
        })
        .collect()
}

fn index() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    assert_eq!(index.replace_all(registry()).unwrap(), 12);
    index
}

fn query(text: &str) -> SearchQuery {
    SearchQuery { text: text.into(), limit: 10, ..Default::default() }
}

fn codes(index: &SearchIndex, q: &SearchQuery) -> Vec<String> {
    index.search(q).unwrap().hits.into_iter().map(|h| h.credit_code).collect()
}

/// The hits of `text` are exactly `expected`, in that order.
fn check(index: &SearchIndex, text: &str, expected: &[&str]) {
    assert_eq!(codes(index, &query(text)), expected, "query {text:?}");
}

/// The first hit of `text` is `first`.
fn check_first(index: &SearchIndex, text: &str, first: &str) {
    let got = codes(index, &query(text));
    assert_eq!(got.first().map(String::as_str), Some(first), "query {text:?}: {got:?}");
}

#[test]
fn exact_name_comes_first() {
    let ix = index();
    check_first(&ix, "长城汽车股份有限公司", "E01");
    check_first(&ix, "沧州长城汽车配件有限公司", "E11");
    check_first(&ix, "唐山丰润华冶冲压件有限公司", "E04");
}

#[test]
fn short_name_finds_the_full_name() {
    let ix = index();
    // 长城汽车 is also inside 沧州长城汽车配件, which must come second.
    check(&ix, "长城汽车", &["E01", "E11"]);
    check(&ix, "京东方", &["E02"]);
    check(&ix, "BOE", &["E02"]);
    check(&ix, "河钢", &["E03"]);
    check(&ix, "河钢集团", &["E03"]);
}

#[test]
fn partial_names_that_jieba_does_not_split() {
    let ix = index();
    check(&ix, "华冶冲压", &["E04"]);
    check(&ix, "鑫达汽车", &["E09"]);
}

#[test]
fn products_find_their_producers() {
    let ix = index();
    // Producers whose name says 冲压件 first (the 专精特新 one ahead), then the leading producer whose name
    // does not, last the company that only mentions it in its description.
    check(&ix, "冲压件", &["E05", "E04", "E09", "E10"]);
    check(&ix, "油封", &["E06"]);
    check(&ix, "胶管总成", &["E07"]);
    check(&ix, "冲焊总成", &["E09"]);
    // Dairy packaging: the packaging maker, not the dairy farm of the same chain.
    check_first(&ix, "乳制品包装", "E08");
}

#[test]
fn places_mixed_in() {
    let ix = index();
    check(&ix, "唐山 冲压件", &["E04", "E09"]);
    check(&ix, "唐山冲压件", &["E04", "E09"]);
    check(&ix, "天津冲压件", &["E05"]);
    check(&ix, "廊坊 油封", &["E06"]);
    check(&ix, "廊坊油封", &["E06"]);
    check(&ix, "唐山华冶", &["E04"]);
    // A named place must hold: Shijiazhuang's only stamping is E10's description.
    check(&ix, "石家庄冲压件", &["E10"]);
    check(&ix, "衡水 冲压件", &[]);
}

#[test]
fn traditional_query_finds_simplified_name() {
    let ix = index();
    check(&ix, "長城汽車", &["E01", "E11"]);
    check(&ix, "衝壓件", &codes(&ix, &query("冲压件")).iter().map(String::as_str).collect::<Vec<_>>());
    check(&ix, "京東方", &["E02"]);
}

#[test]
fn credit_code_finds_its_enterprise() {
    let ix = SearchIndex::in_memory().unwrap();
    let mut d = registry().remove(0);
    d.credit_code = "91130600105941834G".into();
    ix.upsert(&d).unwrap();
    check(&ix, "91130600105941834g", &["91130600105941834G"]);
}

#[test]
fn region_filters_are_exact() {
    let ix = index();
    let in_region = |code: u32| {
        let mut got = codes(&ix, &SearchQuery { region: Some(code), limit: 100, ..Default::default() });
        got.sort();
        got
    };
    // A city includes its counties; a province its cities; Beijing's districts are in Beijing.
    assert_eq!(in_region(130200), ["E04", "E09", "E12"]);
    assert_eq!(in_region(130208), ["E04", "E12"]);
    assert_eq!(in_region(110000), ["E02", "E08"]);
    assert_eq!(in_region(120116), ["E05"]);
    assert_eq!(in_region(130000).len(), 9);
    assert!(in_region(130500).is_empty());
    let q = SearchQuery { text: "冲压件".into(), region: Some(130200), limit: 10, ..Default::default() };
    assert_eq!(codes(&ix, &q), ["E04", "E09"]);
}

#[test]
fn flag_and_chain_filters_are_exact() {
    let ix = index();
    let q = |leading, specialised, chain: Option<&str>, link: Option<&str>| {
        let mut got = codes(
            &ix,
            &SearchQuery {
                leading,
                specialised,
                chain: chain.map(String::from),
                link: link.map(String::from),
                limit: 100,
                ..Default::default()
            },
        );
        got.sort();
        got
    };
    assert_eq!(q(Some(true), None, None, None), ["E01", "E02", "E03", "E09"]);
    assert_eq!(q(None, Some(true), None, None), ["E05", "E06"]);
    assert_eq!(q(Some(false), Some(false), None, None).len(), 6);
    assert_eq!(q(None, None, Some("automotive"), Some("stamping-parts")), ["E04", "E05", "E09"]);
    assert_eq!(q(None, None, None, Some("stamping-parts")), ["E04", "E05", "E09"]);
    assert_eq!(q(None, None, Some("dairy-packaging"), None), ["E08", "E12"]);
    assert!(q(None, None, Some("automotive-steel"), Some("stamping-parts")).is_empty());
    assert_eq!(q(Some(true), None, Some("automotive"), None), ["E01", "E09"]);
}

#[test]
fn filter_only_orders_by_leading_then_name() {
    let ix = index();
    let all = ix.search(&SearchQuery { limit: 100, ..Default::default() }).unwrap();
    assert_eq!(all.total, 12);
    let names: std::collections::HashMap<String, (bool, String)> =
        registry().into_iter().map(|d| (d.credit_code, (d.leading, d.name))).collect();
    let keys: Vec<(bool, String)> = all.hits.iter().map(|h| names[&h.credit_code].clone()).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(keys, sorted);
    // Paging: the second page continues the first.
    let page = ix.search(&SearchQuery { offset: 3, limit: 4, ..Default::default() }).unwrap();
    assert_eq!(page.total, 12);
    let expected: Vec<&str> = all.hits[3..7].iter().map(|h| h.credit_code.as_str()).collect();
    assert_eq!(page.hits.iter().map(|h| h.credit_code.as_str()).collect::<Vec<_>>(), expected);
}

#[test]
fn distance_filter_uses_haversine() {
    let ix = index();
    let tangshan = chaindock_model::RegionCode::parse("130203").unwrap().region().location;
    for radius in [1.0, 30.0, 150.0, 400.0] {
        let q = SearchQuery { near: Some((tangshan.lng, tangshan.lat, radius)), limit: 100, ..Default::default() };
        let result = ix.search(&q).unwrap();
        let mut got: Vec<String> = result.hits.iter().map(|h| h.credit_code.clone()).collect();
        got.sort();
        // Brute force over the documents.
        let mut expected: Vec<String> = registry()
            .into_iter()
            .filter(|d| haversine_km(tangshan.lng, tangshan.lat, d.lng.unwrap(), d.lat.unwrap()) <= radius)
            .map(|d| d.credit_code)
            .collect();
        expected.sort();
        assert_eq!(got, expected, "radius {radius}");
        assert_eq!(result.total, expected.len());
        for h in &result.hits {
            let d = h.distance_km.unwrap();
            assert!(d <= radius, "{h:?}");
        }
    }
    // With text: Tangshan's stamping plants within 30 km of 路北区, Tianjin's 100 km away are not.
    let q = SearchQuery {
        text: "冲压件".into(),
        near: Some((tangshan.lng, tangshan.lat, 30.0)),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(codes(&ix, &q), ["E04", "E09"]);
    assert!(ix.search(&SearchQuery { near: Some((0.0, 0.0, -1.0)), ..Default::default() }).is_err());
}

#[test]
fn upsert_and_delete_are_visible_at_once() {
    let ix = index();
    check(&ix, "油封", &["E06"]);
    let mut d = registry()[5].clone();
    d.credit_code = "E13".into();
    d.name = "衡水丰源油封有限公司".into();
    d.region = 131102;
    d.city = 131100;
    ix.upsert(&d).unwrap();
    assert_eq!(ix.doc_count(), 13);
    assert_eq!(codes(&ix, &query("油封")).len(), 2);
    check_first(&ix, "丰源油封", "E13");
    // Replacing keeps one document per credit code.
    d.name = "衡水丰源密封件有限公司".into();
    d.links.clear();
    ix.upsert(&d).unwrap();
    assert_eq!(ix.doc_count(), 13);
    check(&ix, "油封", &["E06"]);
    ix.delete("E06").unwrap();
    assert_eq!(ix.doc_count(), 12);
    check(&ix, "油封", &[]);
    ix.delete("no such code").unwrap();
    assert_eq!(ix.doc_count(), 12);
}

#[test]
fn reopening_a_directory_finds_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (ix, fresh) = SearchIndex::open_or_create(dir.path()).unwrap();
        assert!(fresh);
        ix.replace_all(registry()).unwrap();
    }
    let (ix, fresh) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert!(!fresh);
    assert_eq!(ix.doc_count(), 12);
    check(&ix, "河钢", &["E03"]);
    check(&ix, "長城汽車", &["E01", "E11"]);
    drop(ix);
    // An index written by another schema version is emptied and reported fresh.
    std::fs::write(dir.path().join(VERSION_FILE), "chaindock-search 0").unwrap();
    let (ix, fresh) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert!(fresh);
    assert_eq!(ix.doc_count(), 0);
}

#[test]
fn garbage_finds_nothing_and_syntax_is_just_text() {
    let ix = index();
    for text in ["zzqx", "㐀㐁㐂", "!!!", "\u{0}", "魑魅魍魉", "xyz 123"] {
        let r = ix.search(&query(text)).unwrap();
        assert_eq!(r.total, 0, "{text:?}");
        assert!(r.hits.is_empty(), "{text:?}");
    }
    for text in [
        "\"河钢",
        "河钢:",
        "(河钢",
        "河钢 AND 京东方",
        "河钢 OR",
        "name:河钢",
        "河钢^2",
        "*",
        "+-&|!(){}[]^\"~*?:\\/",
        "河钢)",
    ] {
        let r = ix.search(&query(text));
        assert!(r.is_ok(), "{text:?}: {r:?}");
    }
    check_first(&ix, "\"河钢\"", "E03");
}

#[test]
fn windows_beyond_reach_are_refused() {
    let ix = index();
    assert!(ix.search(&SearchQuery { offset: MAX_WINDOW, limit: 1, ..Default::default() }).is_err());
    let r = ix.search(&SearchQuery { text: "冲压件".into(), limit: 0, ..Default::default() }).unwrap();
    assert_eq!(r.total, 4);
    assert!(r.hits.is_empty());
}
