//! The stories every backend must pass. A backend's tests call [`contract_tests!`](crate::contract_tests)
//! with an async function returning a fresh, migrated store and a guard that keeps it alive.

use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, CreditCode, Dataset, Enterprise, LinkId, Producer, Quantity, RegionCode,
    Segment, SupplyRelation, Unit,
};

use crate::{EnterpriseQuery, Store, StoreError};

/// Expands to one `#[tokio::test]` per story, each on a fresh store from `$make`.
#[macro_export]
macro_rules! contract_tests {
    ($make:path) => {
        $crate::contract_tests!(@each $make;
            import_round_trips,
            reimport_changes_nothing,
            failed_import_writes_nothing,
            snapshot_indexes_rows,
            listing_filters_and_pages,
            missing_rows_are_not_found,
            removing_a_used_link_is_a_conflict,
            updates_replace_values,
            merging_moves_everything_and_keeps_names,
        );
    };
    (@each $make:path; $($story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let (store, _guard) = $make().await;
                $crate::contract::$story(&store).await;
            }
        )*
    };
}

fn code(i: u32, region: u32) -> CreditCode {
    CreditCode::from_body(&format!("91{region}{i:09}")).expect("valid body")
}

fn enterprise(i: u32, region: u32, name: &str) -> Enterprise {
    Enterprise {
        credit_code: code(i, region),
        name: name.into(),
        aliases: vec![format!("alias {i}")],
        region: RegionCode::parse(&region.to_string()).expect("known region"),
        location: None,
        industry: None,
        above_scale: true,
        leading: i == 1,
        specialised: i == 2,
        illustrative: true,
        description: None,
        contact_person: None,
        contact_phone: None,
    }
}

fn id(s: &str) -> LinkId {
    LinkId::parse(s).expect("valid id")
}

fn chain() -> Chain {
    let link = |l: &str, seg: Segment, unit: &str| ChainLink {
        id: id(l),
        name: format!("环节{l}"),
        segment: seg,
        unit: Unit::parse(unit).expect("unit"),
        import_dependent: l == "ecu",
        industry: None,
        note: None,
    };
    Chain {
        id: ChainId::parse("auto").expect("id"),
        name: "汽车".into(),
        description: Some("测试链".into()),
        links: vec![
            link("steel", Segment::Upstream, "吨"),
            link("ecu", Segment::Midstream, "件"),
            link("vehicle", Segment::Downstream, "辆"),
        ],
        bom: vec![
            BomEdge { input: id("steel"), output: id("vehicle"), quantity: 1.2 },
            BomEdge { input: id("ecu"), output: id("vehicle"), quantity: 3.0 },
        ],
    }
}

fn producer(e: &Enterprise, link: &str, cap: f64, unit: &str) -> Producer {
    Producer {
        enterprise: e.credit_code.clone(),
        chain: ChainId::parse("auto").expect("id"),
        link: id(link),
        capacity_per_day: Quantity::new(cap, Unit::parse(unit).expect("unit")).expect("quantity"),
        illustrative: true,
    }
}

/// Three enterprises in Tangshan, Beijing and Baoding, one chain, three producers, two relations.
pub fn sample() -> Dataset {
    let a = enterprise(1, 130205, "唐山钢铁测试有限公司");
    let b = enterprise(2, 110108, "北京电控测试有限公司");
    let c = enterprise(3, 130606, "保定整车测试有限公司");
    let supply = vec![
        SupplyRelation {
            supplier: a.credit_code.clone(),
            buyer: c.credit_code.clone(),
            chain: ChainId::parse("auto").expect("id"),
            link: id("steel"),
            share: 0.7,
            illustrative: true,
        },
        SupplyRelation {
            supplier: b.credit_code.clone(),
            buyer: c.credit_code.clone(),
            chain: ChainId::parse("auto").expect("id"),
            link: id("ecu"),
            share: 1.0,
            illustrative: true,
        },
    ];
    Dataset {
        producers: vec![
            producer(&a, "steel", 500.0, "吨"),
            producer(&b, "ecu", 900.0, "件"),
            producer(&c, "vehicle", 300.0, "辆"),
        ],
        enterprises: vec![a, b, c],
        chains: vec![chain()],
        supply,
    }
}

pub async fn import_round_trips(store: &dyn Store) {
    let data = sample();
    let counts = store.import(&data).await.expect("import");
    assert_eq!((counts.enterprises, counts.chains, counts.producers, counts.supply), (3, 1, 3, 2));
    for e in &data.enterprises {
        assert_eq!(&store.enterprise(&e.credit_code).await.expect("read back"), e);
    }
    assert_eq!(store.chain(&data.chains[0].id).await.expect("chain"), data.chains[0]);
    let chains = store.chains().await.expect("chains");
    assert_eq!(chains.len(), 1);
    assert_eq!((chains[0].links, chains[0].producers, chains[0].enterprises), (3, 3, 3));
    let stats = store.stats().await.expect("stats");
    assert_eq!((stats.enterprises, stats.chains, stats.producers, stats.supply), (3, 1, 3, 2));
    assert_eq!(stats.enterprises_by_province, vec![(RegionCode::BEIJING, 1), (RegionCode::HEBEI, 2)]);
}

pub async fn reimport_changes_nothing(store: &dyn Store) {
    let data = sample();
    store.import(&data).await.expect("first import");
    let before = store.chain_snapshot(&data.chains[0].id).await.expect("snapshot");
    let stats = store.stats().await.expect("stats");
    store.import(&data).await.expect("second import");
    assert_eq!(store.stats().await.expect("stats"), stats);
    assert_eq!(store.chain_snapshot(&data.chains[0].id).await.expect("snapshot"), before);
}

pub async fn failed_import_writes_nothing(store: &dyn Store) {
    let mut data = sample();
    // The last producer names a link the chain does not have: the whole import must fail.
    let mut bad = data.producers[0].clone();
    bad.link = id("no-such-link");
    data.producers.push(bad);
    let err = store.import(&data).await.expect_err("bad link");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("no-such-link"), "{err}");
    let stats = store.stats().await.expect("stats");
    assert_eq!((stats.enterprises, stats.chains, stats.producers), (0, 0, 0));

    // A producer of an enterprise that exists nowhere fails the same way.
    let mut data = sample();
    data.producers.push(producer(&enterprise(9, 130205, "不存在"), "steel", 1.0, "吨"));
    let err = store.import(&data).await.expect_err("unknown enterprise");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.stats().await.expect("stats").enterprises, 0);
}

pub async fn snapshot_indexes_rows(store: &dyn Store) {
    let data = sample();
    store.import(&data).await.expect("import");
    let snap = store.chain_snapshot(&data.chains[0].id).await.expect("snapshot");
    assert_eq!(snap.chain, data.chains[0]);
    assert_eq!(snap.producers.len(), 3);
    for p in &data.producers {
        let link = snap.chain.links.iter().position(|l| l.id == p.link).expect("link") as u32;
        let row = snap.producers.iter().find(|r| r.link == link).expect("producer row");
        assert_eq!(snap.enterprises[row.enterprise as usize].credit_code, p.enterprise);
        assert_eq!(row.capacity, p.capacity_per_day.value);
    }
    assert_eq!(snap.supply.len(), 2);
    for s in &data.supply {
        let link = snap.chain.links.iter().position(|l| l.id == s.link).expect("link") as u32;
        let row = snap.supply.iter().find(|r| r.link == link).expect("supply row");
        assert_eq!(snap.enterprises[row.supplier as usize].credit_code, s.supplier);
        assert_eq!(snap.enterprises[row.buyer as usize].credit_code, s.buyer);
        assert_eq!(row.share, s.share);
    }
}

pub async fn listing_filters_and_pages(store: &dyn Store) {
    let mut data = sample();
    for i in 10..35 {
        data.enterprises.push(enterprise(i, 130203, &format!("唐山第{i}机械有限公司")));
    }
    store.import(&data).await.expect("import");
    let q = |region: Option<&str>, offset, limit| EnterpriseQuery {
        region: region.map(|r| RegionCode::parse(r).expect("region")),
        offset,
        limit,
        ..Default::default()
    };
    let all = store.enterprises(&q(None, 0, 100)).await.expect("list");
    assert_eq!((all.total, all.items.len()), (28, 28));
    let tangshan = store.enterprises(&q(Some("130200"), 0, 10)).await.expect("list");
    assert_eq!((tangshan.total, tangshan.items.len()), (26, 10));
    let page3 = store.enterprises(&q(Some("130200"), 20, 10)).await.expect("list");
    assert_eq!(page3.items.len(), 6);
    assert!(page3.items.iter().all(|e| !tangshan.items.contains(e)));
    let hebei = store.enterprises(&q(Some("130000"), 0, 100)).await.expect("list");
    assert_eq!(hebei.total, 27);
    let by_chain =
        EnterpriseQuery { chain: Some(ChainId::parse("auto").expect("id")), limit: 100, ..Default::default() };
    assert_eq!(store.enterprises(&by_chain).await.expect("list").total, 3);
    let named = EnterpriseQuery { name_contains: Some("电控".into()), limit: 100, ..Default::default() };
    let found = store.enterprises(&named).await.expect("list");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].name, "北京电控测试有限公司");
    let leading = EnterpriseQuery { leading: Some(true), limit: 100, ..Default::default() };
    assert_eq!(store.enterprises(&leading).await.expect("list").total, 1);
    let codes: Vec<CreditCode> = vec![code(1, 130205), code(77, 130205)];
    let existing = store.existing_enterprises(&codes).await.expect("existing");
    assert!(existing.contains(&codes[0]) && !existing.contains(&codes[1]));
}

pub async fn missing_rows_are_not_found(store: &dyn Store) {
    let err = store.enterprise(&code(5, 130205)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let missing = ChainId::parse("nope").expect("id");
    assert!(matches!(store.chain(&missing).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(store.chain_snapshot(&missing).await, Err(StoreError::NotFound { .. })));
}

pub async fn removing_a_used_link_is_a_conflict(store: &dyn Store) {
    let data = sample();
    store.import(&data).await.expect("import");
    let mut c = chain();
    c.links.retain(|l| l.id.as_str() != "ecu");
    c.bom.retain(|e| e.input.as_str() != "ecu");
    let err = store.import(&Dataset { chains: vec![c], ..Default::default() }).await.expect_err("in use");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("ecu"), "{err}");
    assert_eq!(store.chain(&data.chains[0].id).await.expect("chain"), data.chains[0]);
}

pub async fn updates_replace_values(store: &dyn Store) {
    let mut data = sample();
    store.import(&data).await.expect("import");
    data.enterprises[0].name = "唐山钢铁新名有限公司".into();
    data.enterprises[0].aliases = vec![];
    data.producers[0].capacity_per_day.value = 650.0;
    let mut c = chain();
    c.bom[0].quantity = 1.1;
    c.links[2].name = "整车".into();
    data.chains = vec![c.clone()];
    store.import(&data).await.expect("update");
    let e = store.enterprise(&data.enterprises[0].credit_code).await.expect("read");
    assert_eq!(e, data.enterprises[0]);
    assert_eq!(store.chain(&c.id).await.expect("chain"), c);
    let snap = store.chain_snapshot(&c.id).await.expect("snapshot");
    assert!(snap.producers.iter().any(|p| p.capacity == 650.0));
    assert_eq!(store.stats().await.expect("stats").producers, 3);
}

pub async fn merging_moves_everything_and_keeps_names(store: &dyn Store) {
    let mut data = sample();
    // A duplicate of the Baoding assembler that also makes vehicles and buys steel from Tangshan.
    let mut dup = enterprise(4, 130606, "保定整車測試有限公司");
    dup.aliases = vec!["保定整车".into()];
    data.producers.push(producer(&dup, "vehicle", 50.0, "辆"));
    data.producers.push(producer(&dup, "ecu", 10.0, "件"));
    data.supply.push(SupplyRelation {
        supplier: data.enterprises[0].credit_code.clone(),
        buyer: dup.credit_code.clone(),
        chain: ChainId::parse("auto").expect("id"),
        link: id("steel"),
        share: 0.5,
        illustrative: true,
    });
    // The duplicate also supplies ECUs to the assembler: after the merge that is a relation with itself.
    data.supply.push(SupplyRelation {
        supplier: dup.credit_code.clone(),
        buyer: data.enterprises[2].credit_code.clone(),
        chain: ChainId::parse("auto").expect("id"),
        link: id("ecu"),
        share: 0.2,
        illustrative: true,
    });
    data.enterprises.push(dup.clone());
    store.import(&data).await.expect("import");
    let keep = data.enterprises[2].credit_code.clone();
    store.merge_enterprises(&keep, &dup.credit_code, "same name in Traditional characters").await.expect("merge");

    assert!(matches!(store.enterprise(&dup.credit_code).await, Err(StoreError::NotFound { .. })));
    let kept = store.enterprise(&keep).await.expect("kept");
    assert!(
        kept.aliases.contains(&"保定整車測試有限公司".to_string()) && kept.aliases.contains(&"保定整车".to_string())
    );
    let merges = store.merges(&keep).await.expect("merges");
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].removed_code, dup.credit_code);
    assert_eq!(merges[0].removed_aliases, vec!["保定整车".to_string()]);

    let snap = store.chain_snapshot(&ChainId::parse("auto").expect("id")).await.expect("snapshot");
    let pos = |l: &str| snap.chain.links.iter().position(|x| x.id.as_str() == l).expect("link") as u32;
    let keep_idx = snap.enterprises.iter().position(|e| e.credit_code == keep).expect("kept in snapshot") as u32;
    let vehicle: Vec<_> = snap.producers.iter().filter(|p| p.link == pos("vehicle")).collect();
    assert_eq!(vehicle.len(), 1, "capacities of one link add up");
    assert_eq!((vehicle[0].enterprise, vehicle[0].capacity), (keep_idx, 350.0));
    assert!(snap.producers.iter().any(|p| p.enterprise == keep_idx && p.link == pos("ecu") && p.capacity == 10.0));
    let steel: Vec<_> = snap.supply.iter().filter(|s| s.link == pos("steel")).collect();
    assert_eq!(steel.len(), 1, "two steel relations to one buyer become one");
    assert!((steel[0].share - 1.0).abs() < 1e-12, "0.7 + 0.5 is capped at 1");
    assert!(snap.supply.iter().all(|s| s.supplier != s.buyer), "no relation with itself");
    assert_eq!(store.stats().await.expect("stats").enterprises, 3);

    let err = store.merge_enterprises(&keep, &keep, "x").await.expect_err("self");
    assert!(matches!(err, StoreError::Invalid(_)));
    let err = store.merge_enterprises(&keep, &dup.credit_code, "again").await.expect_err("gone");
    assert!(matches!(err, StoreError::NotFound { .. }));
}
