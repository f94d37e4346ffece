//! The stories every backend must pass. A backend's tests call [`contract_tests!`](crate::contract_tests)
//! with an async function returning a fresh, migrated store and a guard that keeps it alive.

use std::collections::HashMap;

use chaindock_model::{
    AllocationRequest, BomEdge, Chain, ChainId, ChainLink, CreditCode, Dataset, Demand, DemandStatus, Enterprise,
    IndustryCode, LinkId, Offer, Producer, Quantity, RegionCode, RequestStatus, RiskParameters, Role, Segment,
    SupplyRelation, Unit, demand_status,
};
use chrono::NaiveDate;

use crate::{
    DemandQuery, EnterpriseQuery, NewAudit, NewRequest, NewUser, RequestQuery, Session, Store, StoreError,
    SupplierRecord,
};

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
            users_are_created_checked_and_listed,
            merged_enterprises_take_their_accounts,
            sessions_expire_and_end,
            audit_is_read_newest_first,
            enterprises_are_created_and_updated_with_a_version,
            a_stale_update_changes_nothing,
            versions_count_changes,
            enterprise_record_lists_links_with_capacity,
            listing_by_industry_and_alias,
            demands_are_posted_checked_and_listed,
            offers_are_stored_checked_and_listed,
            requests_follow_the_workflow,
            cancelling_a_demand_withdraws_pending_requests,
            added_requests_keep_the_pending_ones,
            excluded_regions_are_added_to_a_demand,
            supplier_records_count_answers_and_units,
            merging_moves_docking_rows,
            reimported_chains_keep_docking_rows,
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

/// The stories of a backend that keeps risk parameters (issue 6), as [`contract_tests!`] expands them.
#[macro_export]
macro_rules! risk_contract_tests {
    ($make:path) => {
        $crate::contract_tests!(@each $make; risk_parameters_are_set_checked_imported_and_merged);
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
        description: Some(format!("测试企业{i}，生产测试产品")),
        contact_person: (i == 1).then(|| "张三".to_string()),
        contact_phone: (i == 1).then(|| "0315-1234567".to_string()),
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
        risk: Vec::new(),
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

fn audit(action: &str, target: &str, n: u32) -> NewAudit {
    NewAudit {
        username: Some("zhang".into()),
        action: action.into(),
        target: target.into(),
        detail: serde_json::json!({ "n": n, "note": "测试" }),
    }
}

fn new_user(username: &str, role: Role, enterprise: Option<CreditCode>) -> NewUser {
    NewUser { username: username.into(), role, enterprise, password_hash: format!("hash of {username}") }
}

/// Whether `s` has the shape of an RFC 3339 UTC time: `YYYY-MM-DDTHH:MM:SS`, optional fraction, `Z`.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && s.ends_with('Z')
        && (b.len() == 20 || (b[19] == b'.' && digits(20..b.len() - 1)))
}

pub async fn users_are_created_checked_and_listed(store: &dyn Store) {
    store.import(&sample()).await.expect("import");
    let tangshan = code(1, 130205);
    let zhang = store.create_user(&new_user("zhang", Role::Admin, None)).await.expect("admin");
    assert_eq!((zhang.username.as_str(), zhang.role, &zhang.enterprise), ("zhang", Role::Admin, &None));
    assert_eq!(zhang.password_hash, "hash of zhang");
    assert!(is_rfc3339_utc(&zhang.created_at), "{}", zhang.created_at);
    let wang = store
        .create_user(&new_user("wang", Role::Enterprise, Some(tangshan.clone())))
        .await
        .expect("enterprise account");
    assert_eq!((wang.role, wang.enterprise.as_ref()), (Role::Enterprise, Some(&tangshan)));
    assert_ne!(wang.id, zhang.id);
    // A name of 64 characters is the longest allowed; characters, not bytes, count.
    let long = "专".repeat(64);
    store.create_user(&new_user(&long, Role::Expert, None)).await.expect("64 characters");

    let err = store.create_user(&new_user("zhang", Role::Analyst, None)).await.expect_err("taken");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("zhang"), "{err}");
    let refused = [
        new_user("li", Role::Enterprise, None),
        new_user("li", Role::Enterprise, Some(code(77, 130205))),
        new_user("li", Role::Analyst, Some(tangshan.clone())),
        new_user("", Role::Analyst, None),
        new_user("   ", Role::Analyst, None),
        new_user(" li", Role::Analyst, None),
        new_user(&"专".repeat(65), Role::Expert, None),
    ];
    for user in refused {
        let err = store.create_user(&user).await.expect_err(&user.username);
        assert!(matches!(err, StoreError::Invalid(_)), "{:?}: {err:?}", user.username);
    }

    store.create_user(&new_user("li", Role::Analyst, None)).await.expect("analyst");
    let users = store.users().await.expect("users");
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, vec!["li", "wang", "zhang", long.as_str()]);
    assert_eq!(store.user_by_name("zhang").await.expect("read"), Some(zhang.clone()));
    assert_eq!(store.user_by_name("wang").await.expect("read"), Some(wang));
    assert_eq!(store.user_by_name("Zhang").await.expect("read"), None, "names are compared exactly");
    assert_eq!(store.user_by_name("nobody").await.expect("read"), None);

    store.set_password("zhang", "new hash").await.expect("set password");
    let changed = store.user_by_name("zhang").await.expect("read").expect("exists");
    assert_eq!(changed, crate::User { password_hash: "new hash".into(), ..zhang });
    let err = store.set_password("nobody", "x").await.expect_err("no such user");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

pub async fn merged_enterprises_take_their_accounts(store: &dyn Store) {
    let mut data = sample();
    let dup = enterprise(4, 130606, "保定整車測試有限公司");
    data.enterprises.push(dup.clone());
    store.import(&data).await.expect("import");
    let keep = data.enterprises[2].credit_code.clone();
    store.create_user(&new_user("dup", Role::Enterprise, Some(dup.credit_code.clone()))).await.expect("account");
    store.create_user(&new_user("kept", Role::Enterprise, Some(keep.clone()))).await.expect("account");
    store.merge_enterprises(&keep, &dup.credit_code, "duplicate").await.expect("merge");
    for name in ["dup", "kept"] {
        let user = store.user_by_name(name).await.expect("read").expect("account stays");
        assert_eq!(user.enterprise.as_ref(), Some(&keep), "{name}");
    }
}

pub async fn sessions_expire_and_end(store: &dyn Store) {
    let user = store.create_user(&new_user("zhang", Role::Analyst, None)).await.expect("user");
    let session = |token: &str, created_at, expires_at| Session {
        token_hash: token.into(),
        user_id: user.id,
        csrf_token: format!("csrf of {token}"),
        created_at,
        expires_at,
    };
    let s1 = session("h1", 1_000, 2_000);
    store.create_session(&s1).await.expect("session");
    assert_eq!(store.session("h1", 1_500).await.expect("read"), Some((s1.clone(), user.clone())));
    assert_eq!(store.session("h1", 1_999).await.expect("read").map(|(s, _)| s), Some(s1.clone()));
    assert_eq!(store.session("nope", 1_500).await.expect("read"), None);
    // Expired at `expires_at`, and then gone for good, even when asked about an earlier time.
    assert_eq!(store.session("h1", 2_000).await.expect("read"), None);
    assert_eq!(store.session("h1", 1_500).await.expect("read"), None, "an expired session is deleted");

    store.create_session(&session("h2", 1_000, 5_000)).await.expect("second session");
    let err = store.create_session(&session("h2", 1_000, 5_000)).await.expect_err("same token");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .create_session(&Session { user_id: user.id + 1000, ..session("h3", 1_000, 5_000) })
        .await
        .expect_err("no such user");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    store.delete_session("h2").await.expect("log out");
    assert_eq!(store.session("h2", 1_500).await.expect("read"), None);
    store.delete_session("h2").await.expect("deleting twice is fine");

    // Creating a session clears those expired by its creation time.
    store.create_session(&session("h4", 1_000, 1_100)).await.expect("short session");
    store.create_session(&session("h5", 1_200, 9_000)).await.expect("later session");
    assert_eq!(store.session("h4", 1_050).await.expect("read"), None, "cleared when h5 was created");
    assert!(store.session("h5", 1_300).await.expect("read").is_some());
}

pub async fn audit_is_read_newest_first(store: &dyn Store) {
    assert!(store.audit(10).await.expect("empty log").is_empty());
    for n in 0..5 {
        store.append_audit(&audit("enterprise.update", &format!("target {n}"), n)).await.expect("append");
    }
    store
        .append_audit(&NewAudit {
            username: None,
            action: "import".into(),
            target: "files".into(),
            detail: serde_json::Value::Null,
        })
        .await
        .expect("append");
    let last3 = store.audit(3).await.expect("audit");
    assert_eq!(last3.len(), 3);
    assert_eq!((last3[0].username.as_deref(), last3[0].action.as_str()), (None, "import"));
    assert_eq!(last3[0].detail, serde_json::Value::Null);
    assert_eq!(last3[1].detail, serde_json::json!({ "n": 4, "note": "测试" }));
    assert_eq!((last3[1].username.as_deref(), last3[1].target.as_str()), (Some("zhang"), "target 4"));
    assert_eq!(last3[2].target, "target 3");
    assert!(last3.windows(2).all(|w| w[0].id > w[1].id && w[0].at >= w[1].at));
    assert!(last3.iter().all(|e| is_rfc3339_utc(&e.at)), "{:?}", last3[0].at);
    assert_eq!(store.audit(100).await.expect("audit").len(), 6);
}

pub async fn enterprises_are_created_and_updated_with_a_version(store: &dyn Store) {
    store.import(&sample()).await.expect("import");
    let mut e = enterprise(5, 130203, "唐山新建测试有限公司");
    e.contact_person = Some("李四".into());
    e.contact_phone = Some("13800000000".into());
    e.industry = Some(IndustryCode::parse("3670").expect("industry"));
    let created = store.create_enterprise(&e, &audit("enterprise.create", e.credit_code.as_str(), 1)).await;
    let created = created.expect("create");
    assert_eq!((&created.enterprise, created.version, created.links.len()), (&e, 1, 0));
    assert_eq!(store.enterprise(&e.credit_code).await.expect("read"), e);
    assert_eq!(store.enterprise_record(&e.credit_code).await.expect("record"), created);

    let err = store.create_enterprise(&e, &audit("enterprise.create", "again", 2)).await.expect_err("exists");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let imported = &sample().enterprises[0];
    let err = store.create_enterprise(imported, &audit("enterprise.create", "imported", 3)).await.expect_err("exists");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let mut nameless = enterprise(6, 130203, "");
    nameless.name = " ".into();
    let err = store.create_enterprise(&nameless, &audit("enterprise.create", "nameless", 4)).await;
    assert!(matches!(err, Err(StoreError::Invalid(_))), "{err:?}");
    let log = store.audit(10).await.expect("audit");
    assert_eq!(log.len(), 1, "only the write that succeeded is in the log: {log:?}");
    assert_eq!(log[0].detail["n"], 1);

    let mut changed = e.clone();
    changed.name = "唐山新建改名测试有限公司".into();
    changed.aliases = vec!["新建".into()];
    changed.description = Some("改过的简介".into());
    changed.contact_phone = None;
    changed.leading = true;
    let updated = store
        .update_enterprise(&changed, 1, &audit("enterprise.update", e.credit_code.as_str(), 5))
        .await
        .expect("update");
    assert_eq!((&updated.enterprise, updated.version), (&changed, 2));
    assert_eq!(store.enterprise(&e.credit_code).await.expect("read"), changed);
    let updated = store
        .update_enterprise(&e, 2, &audit("enterprise.update", e.credit_code.as_str(), 6))
        .await
        .expect("update back");
    assert_eq!((&updated.enterprise, updated.version), (&e, 3));
    let log = store.audit(10).await.expect("audit");
    assert_eq!(log.iter().map(|a| a.detail["n"].as_u64().unwrap_or(0)).collect::<Vec<_>>(), vec![6, 5, 1]);

    let err = store.update_enterprise(&enterprise(8, 130203, "不存在"), 1, &audit("enterprise.update", "x", 7)).await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    let err = store.update_enterprise(&nameless, 1, &audit("enterprise.update", "x", 8)).await;
    assert!(matches!(err, Err(StoreError::Invalid(_) | StoreError::NotFound { .. })), "{err:?}");
    assert_eq!(store.audit(10).await.expect("audit").len(), 3);
}

pub async fn a_stale_update_changes_nothing(store: &dyn Store) {
    let data = sample();
    store.import(&data).await.expect("import");
    let code = data.enterprises[0].credit_code.clone();
    let mut mine = data.enterprises[0].clone();
    mine.name = "唐山钢铁甲改有限公司".into();
    store.update_enterprise(&mine, 1, &audit("enterprise.update", code.as_str(), 1)).await.expect("first edit");
    let mut theirs = data.enterprises[0].clone();
    theirs.contact_person = Some("王五".into());
    let err = store
        .update_enterprise(&theirs, 1, &audit("enterprise.update", code.as_str(), 2))
        .await
        .expect_err("stale version");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains(&format!("enterprise {code} was changed by someone else")), "{err}");
    assert!(err.to_string().contains("(version 2, you had 1)"), "{err}");
    let record = store.enterprise_record(&code).await.expect("record");
    assert_eq!((&record.enterprise, record.version), (&mine, 2));
    let log = store.audit(10).await.expect("audit");
    assert_eq!(log.len(), 1, "the refused write left no audit entry");
    assert_eq!(log[0].detail["n"], 1);
}

pub async fn versions_count_changes(store: &dyn Store) {
    let mut data = sample();
    let dup = enterprise(4, 130606, "保定整车测试二有限公司");
    data.enterprises.push(dup.clone());
    store.import(&data).await.expect("import");
    let code = data.enterprises[2].credit_code.clone();
    let version = || async { store.enterprise_record(&code).await.expect("record").version };
    assert_eq!(version().await, 1);
    store.import(&data).await.expect("same import");
    assert_eq!(version().await, 1, "writing the same row again changes nothing");
    data.enterprises[2].name = "保定整车新名有限公司".into();
    store.import(&data).await.expect("changed import");
    assert_eq!(version().await, 2);
    data.enterprises[2].illustrative = false;
    store
        .import(&Dataset { enterprises: vec![data.enterprises[2].clone()], ..Default::default() })
        .await
        .expect("flag");
    assert_eq!(version().await, 3);
    store.merge_enterprises(&code, &dup.credit_code, "duplicate").await.expect("merge");
    assert_eq!(version().await, 4, "a merge changes the kept enterprise");

    // An import says what the record is: fields it leaves empty are emptied, contacts included.
    let mut edited = store.enterprise(&code).await.expect("read");
    edited.contact_person = Some("赵六".into());
    store.update_enterprise(&edited, 4, &audit("enterprise.update", code.as_str(), 1)).await.expect("edit");
    let mut plain = data.enterprises[2].clone();
    plain.aliases = edited.aliases.clone();
    plain.description = None;
    plain.contact_person = None;
    plain.contact_phone = None;
    store.import(&Dataset { enterprises: vec![plain.clone()], ..Default::default() }).await.expect("import");
    let record = store.enterprise_record(&code).await.expect("record");
    assert_eq!((&record.enterprise, record.version), (&plain, 6));
}

pub async fn enterprise_record_lists_links_with_capacity(store: &dyn Store) {
    let mut data = sample();
    // The Tangshan steelmaker also makes ECUs: its links come in chain order, steel before ecu.
    data.producers.push(producer(&data.enterprises[0].clone(), "ecu", 20.5, "件"));
    store.import(&data).await.expect("import");
    let record = store.enterprise_record(&data.enterprises[0].credit_code).await.expect("record");
    assert_eq!(record.enterprise, data.enterprises[0]);
    assert_eq!(record.version, 1);
    let links: Vec<(&str, &str, &str, &str, f64, &str)> = record
        .links
        .iter()
        .map(|l| {
            (
                l.chain.as_str(),
                l.chain_name.as_str(),
                l.link.as_str(),
                l.link_name.as_str(),
                l.capacity,
                l.unit.as_str(),
            )
        })
        .collect();
    assert_eq!(
        links,
        vec![("auto", "汽车", "steel", "环节steel", 500.0, "吨"), ("auto", "汽车", "ecu", "环节ecu", 20.5, "件")]
    );
    let err = store.enterprise_record(&code(9, 130205)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

pub async fn listing_by_industry_and_alias(store: &dyn Store) {
    let mut data = sample();
    let industry = |s: &str| Some(IndustryCode::parse(s).expect("industry"));
    data.enterprises[0].industry = industry("3120");
    data.enterprises[0].aliases = vec!["唐钢测试".into(), "Tangsteel \"T\"".into()];
    data.enterprises[1].industry = industry("3670");
    data.enterprises[2].industry = industry("36");
    store.import(&data).await.expect("import");
    let names = |q: EnterpriseQuery| async move {
        let page = store.enterprises(&EnterpriseQuery { limit: 100, ..q }).await.expect("list");
        assert_eq!(page.total as usize, page.items.len());
        let mut names: Vec<String> = page.items.into_iter().map(|e| e.name).collect();
        names.sort();
        names
    };
    let by_industry = |s: &str| EnterpriseQuery { industry: industry(s), ..Default::default() };
    assert_eq!(names(by_industry("36")).await, vec!["保定整车测试有限公司", "北京电控测试有限公司"]);
    assert_eq!(names(by_industry("367")).await, vec!["北京电控测试有限公司"]);
    assert_eq!(names(by_industry("3670")).await, vec!["北京电控测试有限公司"]);
    assert_eq!(names(by_industry("31")).await, vec!["唐山钢铁测试有限公司"]);
    assert_eq!(names(by_industry("C")).await.len(), 3);
    assert!(names(by_industry("A")).await.is_empty());
    assert!(names(by_industry("3611")).await.is_empty(), "a class does not match its division");
    let in_hebei = EnterpriseQuery { region: Some(RegionCode::HEBEI), ..by_industry("36") };
    assert_eq!(names(in_hebei).await, vec!["保定整车测试有限公司"]);

    let by_name = |s: &str| EnterpriseQuery { name_contains: Some(s.into()), ..Default::default() };
    assert_eq!(names(by_name("唐钢")).await, vec!["唐山钢铁测试有限公司"]);
    assert_eq!(names(by_name("\"T\"")).await, vec!["唐山钢铁测试有限公司"]);
    assert_eq!(names(by_name("alias 2")).await, vec!["北京电控测试有限公司"]);
    assert_eq!(names(by_name("测试有限")).await.len(), 3);
    // The aliases' storage syntax is not searched.
    assert!(names(by_name("\",\"")).await.is_empty());
    assert!(names(by_name("[")).await.is_empty());
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The Baoding assembler needs 100 ECUs by 10 December, delivered to Baoding.
fn demand() -> Demand {
    Demand {
        id: 0,
        buyer: code(3, 130606),
        chain: ChainId::parse("auto").expect("id"),
        link: id("ecu"),
        product: "发动机控制单元".into(),
        quantity: 100,
        unit: Unit::parse("件").expect("unit"),
        due: day("2026-12-10"),
        created: day("2026-12-01"),
        delivery_region: RegionCode::parse("130606").expect("region"),
        certifications: vec!["IATF 16949".into()],
        excluded_suppliers: vec![],
        excluded_regions: vec![],
        priority: 2,
        status: DemandStatus::Open,
        note: Some("常用供应商停产".into()),
    }
}

fn offer() -> Offer {
    Offer {
        id: 0,
        supplier: code(2, 110108),
        chain: ChainId::parse("auto").expect("id"),
        link: id("ecu"),
        quantity: 500,
        unit: Unit::parse("件").expect("unit"),
        available_from: day("2026-12-01"),
        available_until: day("2026-12-20"),
        unit_price: 320.5,
        lead_time_days: 3,
    }
}

/// The sample with five more ECU makers: in Shijiazhuang (10), Langfang (11), Tianjin (12), Beijing (13)
/// and Tangshan (14).
fn docking_sample() -> Dataset {
    let mut data = sample();
    for (i, region) in [(10, 130102), (11, 131002), (12, 120101), (13, 110105), (14, 130203)] {
        let e = enterprise(i, region, &format!("电控供应商{i}测试有限公司"));
        data.producers.push(producer(&e, "ecu", 50.0, "件"));
        data.enterprises.push(e);
    }
    data
}

/// `err` is `Invalid` and names `field` (and says `says`).
fn assert_invalid(err: &StoreError, field: &str, says: &str) {
    assert!(matches!(err, StoreError::Invalid(_)), "{field}: {err:?}");
    assert_eq!(err.field(), Some(field), "{err}");
    assert!(err.to_string().contains(says), "{err} should say {says:?}");
}

/// The demand's stored status is `expected` and is what `demand_status` makes of its requests.
async fn assert_status(store: &dyn Store, id: i64, expected: DemandStatus) -> (Demand, Vec<AllocationRequest>) {
    let d = store.demand(id).await.expect("demand");
    let requests = store.requests(&RequestQuery { demand: Some(id), ..Default::default() }).await.expect("requests");
    assert_eq!(d.status, expected, "{requests:?}");
    assert_eq!(demand_status(&d, &requests), expected, "the stored status is the model's");
    (d, requests)
}

fn request(supplier: CreditCode, quantity: u64) -> NewRequest {
    NewRequest { supplier, quantity, unit_cost: 300.0 + quantity as f64 / 10.0 }
}

pub async fn demands_are_posted_checked_and_listed(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    let d = demand();
    let numbered = Demand { id: 77, status: DemandStatus::Covered, ..d.clone() };
    let posted = store.create_demand(&numbered, &audit("demand.create", "1", 1)).await.expect("post");
    assert!(posted.id > 0);
    assert_eq!(posted, Demand { id: posted.id, ..d.clone() }, "the id is the store's, the status open");
    assert_eq!(store.demand(posted.id).await.expect("read"), posted);

    // Exclusions and an empty product, which becomes the link's name.
    let excluding = Demand {
        product: " ".into(),
        excluded_suppliers: vec![code(10, 130102), code(14, 130203)],
        excluded_regions: vec![RegionCode::parse("130200").expect("region"), RegionCode::TIANJIN],
        certifications: vec![],
        note: None,
        priority: 1,
        due: day("2026-12-20"),
        ..d.clone()
    };
    let second = store.create_demand(&excluding, &audit("demand.create", "2", 2)).await.expect("post");
    assert_eq!(second, Demand { id: second.id, product: "环节ecu".into(), ..excluding });

    let unknown = code(8, 130205);
    let refused: Vec<(Demand, &str, &str)> = vec![
        (Demand { buyer: code(9, 130606), ..d.clone() }, "buyer", "not in the registry"),
        (Demand { chain: ChainId::parse("nope").expect("id"), ..d.clone() }, "chain", "nope"),
        (Demand { link: id("wheel"), ..d.clone() }, "link", "wheel"),
        (
            Demand { unit: Unit::parse("吨").expect("unit"), ..d.clone() },
            "unit",
            "the link ecu is measured in 件, not 吨",
        ),
        (Demand { quantity: 0, ..d.clone() }, "quantity", "at least 1"),
        (Demand { priority: 0, ..d.clone() }, "priority", "priority 0"),
        (Demand { priority: 6, ..d.clone() }, "priority", "priority 6"),
        (Demand { due: day("2026-11-30"), ..d.clone() }, "due", "2026-11-30"),
        (
            Demand { excluded_suppliers: vec![code(1, 130205), unknown.clone()], ..d.clone() },
            "excluded_suppliers",
            unknown.as_str(),
        ),
    ];
    for (n, (bad, field, says)) in refused.iter().enumerate() {
        let err = store.create_demand(bad, &audit("demand.create", "bad", 100 + n as u32)).await.expect_err(field);
        assert_invalid(&err, field, says);
    }
    let all = store.demands(&DemandQuery::default()).await.expect("list");
    assert_eq!(all.len(), 2, "nothing written by a refused demand");
    let log = store.audit(100).await.expect("audit");
    assert_eq!(log.iter().map(|a| a.detail["n"].as_u64().unwrap_or(0)).collect::<Vec<_>>(), vec![2, 1]);

    // Most urgent first: priority, then due date, then id.
    let later = store
        .create_demand(&Demand { due: day("2026-12-31"), ..d.clone() }, &audit("demand.create", "3", 3))
        .await
        .expect("post");
    let same = store.create_demand(&d, &audit("demand.create", "4", 4)).await.expect("post");
    let other_buyer = store
        .create_demand(&Demand { buyer: code(1, 130205), priority: 5, ..d.clone() }, &audit("demand.create", "5", 5))
        .await
        .expect("post");
    let ids = |ds: Vec<Demand>| ds.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.demands(&DemandQuery::default()).await.expect("list")),
        vec![second.id, posted.id, same.id, later.id, other_buyer.id]
    );
    let by_buyer = DemandQuery { buyer: Some(code(1, 130205)), ..Default::default() };
    assert_eq!(ids(store.demands(&by_buyer).await.expect("list")), vec![other_buyer.id]);
    let by_ids = DemandQuery { ids: Some(vec![later.id, posted.id, 999_999]), ..Default::default() };
    assert_eq!(ids(store.demands(&by_ids).await.expect("list")), vec![posted.id, later.id]);
    let none = DemandQuery { ids: Some(vec![]), ..Default::default() };
    assert!(store.demands(&none).await.expect("list").is_empty());
    let open = DemandQuery { status: Some(DemandStatus::Open), buyer: Some(code(3, 130606)), ids: None };
    assert_eq!(store.demands(&open).await.expect("list").len(), 4);
    let planned = DemandQuery { status: Some(DemandStatus::Planned), ..Default::default() };
    assert!(store.demands(&planned).await.expect("list").is_empty());

    let err = store.demand(999_999).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

pub async fn offers_are_stored_checked_and_listed(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    let o = offer();
    let stored = store.create_offer(&Offer { id: 42, ..o.clone() }, &audit("offer.create", "1", 1)).await;
    let stored = stored.expect("offer");
    assert!(stored.id > 0);
    assert_eq!(stored, Offer { id: stored.id, ..o.clone() });
    let steel = Offer {
        supplier: code(1, 130205),
        link: id("steel"),
        unit: Unit::parse("吨").expect("unit"),
        unit_price: 0.0,
        lead_time_days: 0,
        available_until: day("2026-12-01"),
        ..o.clone()
    };
    let steel = store.create_offer(&steel, &audit("offer.create", "2", 2)).await.expect("offer");

    let refused: Vec<(Offer, &str, &str)> = vec![
        (Offer { supplier: code(9, 110108), ..o.clone() }, "supplier", "not in the registry"),
        (Offer { chain: ChainId::parse("nope").expect("id"), ..o.clone() }, "chain", "nope"),
        (Offer { link: id("wheel"), ..o.clone() }, "link", "wheel"),
        (
            Offer { unit: Unit::parse("吨").expect("unit"), ..o.clone() },
            "unit",
            "the link ecu is measured in 件, not 吨",
        ),
        (Offer { quantity: 0, ..o.clone() }, "quantity", "at least 1"),
        (Offer { available_until: day("2026-11-30"), ..o.clone() }, "available_until", "2026-11-30"),
        (Offer { unit_price: -1.0, ..o.clone() }, "unit_price", "-1"),
        (Offer { unit_price: f64::NAN, ..o.clone() }, "unit_price", "NaN"),
        (Offer { lead_time_days: 400, ..o.clone() }, "lead_time_days", "400"),
    ];
    for (n, (bad, field, says)) in refused.iter().enumerate() {
        let err = store.create_offer(bad, &audit("offer.create", "bad", 100 + n as u32)).await.expect_err(field);
        assert_invalid(&err, field, says);
    }
    assert_eq!(store.offers(None, None).await.expect("offers"), vec![stored.clone(), steel.clone()]);
    assert_eq!(store.audit(100).await.expect("audit").len(), 2, "nothing written by a refused offer");
    let auto = ChainId::parse("auto").expect("id");
    assert_eq!(store.offers(Some(&auto), None).await.expect("offers").len(), 2);
    assert_eq!(store.offers(Some(&auto), Some(&id("ecu"))).await.expect("offers"), vec![stored]);
    assert_eq!(store.offers(Some(&auto), Some(&id("steel"))).await.expect("offers"), vec![steel]);
    assert!(store.offers(Some(&auto), Some(&id("vehicle"))).await.expect("offers").is_empty());
    assert!(store.offers(Some(&ChainId::parse("nope").expect("id")), None).await.expect("offers").is_empty());
}

pub async fn requests_follow_the_workflow(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    // Tianjin is locked down and supplier 10 is ruled out by name.
    let d =
        Demand { excluded_suppliers: vec![code(10, 130102)], excluded_regions: vec![RegionCode::TIANJIN], ..demand() };
    let d = store.create_demand(&d, &audit("demand.create", "d", 1)).await.expect("post");
    let (_, none) = assert_status(store, d.id, DemandStatus::Open).await;
    assert!(none.is_empty());
    let (beijing, langfang, beijing2, tangshan) =
        (code(2, 110108), code(11, 131002), code(13, 110105), code(14, 130203));

    let sent = store
        .send_requests(
            d.id,
            &[request(beijing.clone(), 40), request(langfang.clone(), 30), request(tangshan.clone(), 30)],
            &audit("requests.send", "d", 2),
        )
        .await
        .expect("send");
    assert_eq!(sent.len(), 3);
    assert!(sent.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        sent.iter().map(|r| (r.demand, &r.supplier, r.quantity, r.status, r.delivered)).collect::<Vec<_>>(),
        vec![
            (d.id, &beijing, 40, RequestStatus::Pending, 0),
            (d.id, &langfang, 30, RequestStatus::Pending, 0),
            (d.id, &tangshan, 30, RequestStatus::Pending, 0),
        ]
    );
    assert_eq!(sent[0].unit_cost, 304.0);
    assert!(sent.iter().all(|r| is_rfc3339_utc(&r.created_at) && r.responded_at.is_none() && r.reason.is_none()));
    let (_, listed) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(listed, sent);

    // Refused plans change nothing.
    let refused: Vec<(Vec<NewRequest>, &str, String)> = vec![
        (vec![request(code(9, 130102), 10)], "supplier", "not in the registry".into()),
        (vec![request(code(10, 130102), 10)], "supplier", format!("excludes enterprise {}", code(10, 130102))),
        (vec![request(code(12, 120101), 10)], "supplier", "region 120101".into()),
        (vec![request(code(3, 130606), 10)], "supplier", "is the buyer".into()),
        (vec![request(beijing.clone(), 10), request(langfang.clone(), 0)], "quantity", "0 units".into()),
        (vec![NewRequest { unit_cost: -5.0, ..request(beijing.clone(), 10) }], "unit_cost", "-5".into()),
        (vec![request(beijing.clone(), 60), request(langfang.clone(), 41)], "quantity", "101".into()),
    ];
    for (n, (plan, field, says)) in refused.iter().enumerate() {
        let err = store.send_requests(d.id, plan, &audit("requests.send", "bad", 100 + n as u32)).await;
        assert_invalid(&err.expect_err(field), field, says);
    }
    let err = store.send_requests(999_999, &[], &audit("requests.send", "bad", 200)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let (_, listed) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(listed, sent, "refused plans leave the requests as they were");
    assert_eq!(store.audit(100).await.expect("audit").len(), 2);

    // Beijing accepts; answering twice is a conflict.
    let accepted = store.respond_request(sent[0].id, true, None, &audit("request.accept", "r", 3)).await;
    let accepted = accepted.expect("accept");
    assert_eq!((accepted.status, accepted.reason.as_deref()), (RequestStatus::Accepted, None));
    assert!(accepted.responded_at.as_deref().is_some_and(is_rfc3339_utc), "{accepted:?}");
    assert_eq!(
        accepted,
        AllocationRequest {
            status: RequestStatus::Accepted,
            responded_at: accepted.responded_at.clone(),
            ..sent[0].clone()
        }
    );
    assert_status(store, d.id, DemandStatus::Planned).await;
    for accept in [true, false] {
        let err = store.respond_request(sent[0].id, accept, Some("改主意"), &audit("request.answer", "r", 300)).await;
        let err = err.expect_err("answered already");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert!(err.to_string().contains(&format!("request {} was already accepted", sent[0].id)), "{err}");
    }
    let err =
        store.respond_request(999_999, true, None, &audit("request.accept", "r", 301)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");

    // Langfang declines, with a reason only.
    for reason in [None, Some(""), Some("  ")] {
        let err = store.respond_request(sent[1].id, false, reason, &audit("request.decline", "r", 302)).await;
        assert_invalid(&err.expect_err("no reason"), "reason", "reason");
    }
    let declined = store.respond_request(sent[1].id, false, Some("停产检修"), &audit("request.decline", "r", 4)).await;
    let declined = declined.expect("decline");
    assert_eq!((declined.status, declined.reason.as_deref()), (RequestStatus::Declined, Some("停产检修")));
    assert!(declined.responded_at.is_some());
    assert_status(store, d.id, DemandStatus::Planned).await;

    // The re-plan of the shortfall: 40 accepted leave room for 60; Tangshan's pending request is withdrawn.
    let err = store
        .send_requests(d.id, &[request(beijing2.clone(), 61)], &audit("requests.send", "bad", 303))
        .await
        .expect_err("61 + 40 > 100");
    assert_invalid(&err, "quantity", "40 are accepted");
    let resent = store
        .send_requests(
            d.id,
            &[request(beijing2.clone(), 30), request(langfang.clone(), 30)],
            &audit("requests.send", "d", 5),
        )
        .await
        .expect("re-send");
    let (_, all) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(
        all.iter().map(|r| (r.id, r.status)).collect::<Vec<_>>(),
        vec![
            (sent[0].id, RequestStatus::Accepted),
            (sent[1].id, RequestStatus::Declined),
            (sent[2].id, RequestStatus::Cancelled),
            (resent[0].id, RequestStatus::Pending),
            (resent[1].id, RequestStatus::Pending),
        ],
        "a re-send replaces pending requests only"
    );
    let err = store.respond_request(sent[2].id, true, None, &audit("request.accept", "r", 304)).await;
    let err = err.expect_err("withdrawn");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("already cancelled"), "{err}");

    // Both accept (one with a note): the demand is covered.
    store.respond_request(resent[0].id, true, None, &audit("request.accept", "r", 6)).await.expect("accept");
    assert_status(store, d.id, DemandStatus::Planned).await;
    let noted = store.respond_request(resent[1].id, true, Some("分两批"), &audit("request.accept", "r", 7)).await;
    assert_eq!(noted.expect("accept").reason.as_deref(), Some("分两批"));
    assert_status(store, d.id, DemandStatus::Covered).await;
    let err = store
        .send_requests(d.id, &[request(beijing.clone(), 1)], &audit("requests.send", "bad", 305))
        .await
        .expect_err("covered already");
    assert_invalid(&err, "quantity", "100 are accepted");

    // Deliveries: against accepted requests only, never past the quantity.
    let deliver = |r: i64, q: u64, on: &'static str, n: u32| async move {
        store.record_delivery(r, q, day(on), &audit("delivery.record", "r", n)).await
    };
    assert_invalid(&deliver(sent[1].id, 5, "2026-12-05", 306).await.expect_err("declined"), "request", "declined");
    assert_invalid(&deliver(sent[2].id, 5, "2026-12-05", 307).await.expect_err("cancelled"), "request", "cancelled");
    assert_invalid(&deliver(sent[0].id, 0, "2026-12-05", 308).await.expect_err("nothing"), "quantity", "1");
    let err = deliver(999_999, 1, "2026-12-05", 309).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let first = deliver(sent[0].id, 25, "2026-12-05", 8).await.expect("deliver");
    assert!(first.id > 0);
    assert_eq!((first.request, first.quantity, first.delivered_on), (sent[0].id, 25, day("2026-12-05")));
    deliver(sent[0].id, 15, "2026-12-06", 9).await.expect("deliver");
    let err = deliver(sent[0].id, 1, "2026-12-07", 310).await.expect_err("over-delivery");
    assert_invalid(&err, "quantity", "40 are delivered already");
    deliver(resent[0].id, 30, "2026-12-08", 10).await.expect("deliver");
    deliver(resent[1].id, 29, "2026-12-08", 11).await.expect("deliver");
    let (_, all) = assert_status(store, d.id, DemandStatus::Covered).await;
    assert_eq!(all.iter().map(|r| r.delivered).collect::<Vec<_>>(), vec![40, 0, 0, 30, 29]);
    assert_invalid(&deliver(resent[1].id, 2, "2026-12-09", 311).await.expect_err("30 at most"), "quantity", "29");
    deliver(resent[1].id, 1, "2026-12-09", 12).await.expect("deliver");
    assert_status(store, d.id, DemandStatus::Delivered).await;

    let err = store.send_requests(d.id, &[], &audit("requests.send", "bad", 312)).await.expect_err("delivered");
    assert_invalid(&err, "demand", "delivered");
    let err = store.cancel_demand(d.id, &audit("demand.cancel", "bad", 313)).await.expect_err("delivered");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Filters, and only the writes that succeeded are in the log.
    let by = |q: RequestQuery| async move {
        store.requests(&q).await.expect("requests").into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(
        by(RequestQuery { supplier: Some(langfang.clone()), ..Default::default() }).await,
        vec![sent[1].id, resent[1].id]
    );
    let accepted_q = RequestQuery { demand: Some(d.id), status: Some(RequestStatus::Accepted), supplier: None };
    assert_eq!(by(accepted_q).await, vec![sent[0].id, resent[0].id, resent[1].id]);
    assert_eq!(by(RequestQuery { demand: Some(999_999), ..Default::default() }).await, Vec::<i64>::new());
    let log: Vec<u64> =
        store.audit(100).await.expect("audit").iter().map(|a| a.detail["n"].as_u64().unwrap_or(0)).collect();
    assert_eq!(log, (1..=12).rev().collect::<Vec<u64>>());
}

/// The re-plan of a shortfall: `add_requests` keeps the pending requests and counts them.
pub async fn added_requests_keep_the_pending_ones(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    let d = Demand { excluded_regions: vec![RegionCode::TIANJIN], ..demand() };
    let d = store.create_demand(&d, &audit("demand.create", "d", 1)).await.expect("post");
    let (beijing, langfang, beijing2, tangshan, shijiazhuang) =
        (code(2, 110108), code(11, 131002), code(13, 110105), code(14, 130203), code(10, 130102));
    let sent = store
        .send_requests(
            d.id,
            &[request(beijing.clone(), 40), request(langfang.clone(), 30), request(tangshan.clone(), 30)],
            &audit("requests.send", "d", 2),
        )
        .await
        .expect("send");
    store.respond_request(sent[0].id, true, None, &audit("request.accept", "r", 3)).await.expect("accept");
    store.respond_request(sent[1].id, false, Some("停产"), &audit("request.decline", "r", 4)).await.expect("decline");
    let (_, before) = assert_status(store, d.id, DemandStatus::Planned).await;

    // 40 accepted and 30 pending leave room for 30, not 31; the other refusals are send_requests'.
    let refused: Vec<(Vec<NewRequest>, &str, String)> = vec![
        (vec![request(beijing2.clone(), 31)], "quantity", "30 are pending and 40 are accepted".into()),
        (vec![request(beijing2.clone(), 20), request(shijiazhuang.clone(), 11)], "quantity", "31".into()),
        (vec![request(code(9, 130102), 10)], "supplier", "not in the registry".into()),
        (vec![request(code(12, 120101), 10)], "supplier", "region 120101".into()),
        (vec![request(code(3, 130606), 10)], "supplier", "is the buyer".into()),
        (vec![request(beijing2.clone(), 0)], "quantity", "0 units".into()),
        (vec![NewRequest { unit_cost: f64::INFINITY, ..request(beijing2.clone(), 10) }], "unit_cost", "inf".into()),
    ];
    for (n, (plan, field, says)) in refused.iter().enumerate() {
        let err = store.add_requests(d.id, plan, &audit("requests.add", "bad", 100 + n as u32)).await;
        assert_invalid(&err.expect_err(field), field, says);
    }
    let err = store.add_requests(999_999, &[], &audit("requests.add", "bad", 200)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let (_, listed) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(listed, before, "refused additions change nothing");
    assert_eq!(store.audit(100).await.expect("audit").len(), 4, "nor write their audit entries");

    let added = store
        .add_requests(
            d.id,
            &[request(beijing2.clone(), 20), request(shijiazhuang.clone(), 10)],
            &audit("requests.add", "d", 5),
        )
        .await
        .expect("add");
    assert_eq!(
        added.iter().map(|r| (r.demand, &r.supplier, r.quantity, r.status)).collect::<Vec<_>>(),
        vec![(d.id, &beijing2, 20, RequestStatus::Pending), (d.id, &shijiazhuang, 10, RequestStatus::Pending)]
    );
    assert!(added[0].id > sent[2].id && added[0].id < added[1].id);
    let (_, all) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(all[..3], before[..], "the pending request keeps its id and stays pending");
    assert_eq!(all[3..], added[..]);
    assert_eq!(all[2].status, RequestStatus::Pending);

    // Nothing to add writes the audit entry only; a full demand takes no more.
    assert!(store.add_requests(d.id, &[], &audit("requests.add", "d", 6)).await.expect("nothing").is_empty());
    let err = store.add_requests(d.id, &[request(beijing2.clone(), 1)], &audit("requests.add", "bad", 300)).await;
    assert_invalid(&err.expect_err("full"), "quantity", "60 are pending");
    for (n, r) in [&all[2], &all[3], &all[4]].into_iter().enumerate() {
        store.respond_request(r.id, true, None, &audit("request.accept", "r", 7 + n as u32)).await.expect("accept");
    }
    assert_status(store, d.id, DemandStatus::Covered).await;
    let err = store.add_requests(d.id, &[request(beijing2.clone(), 1)], &audit("requests.add", "bad", 301)).await;
    assert_invalid(&err.expect_err("covered"), "quantity", "100 are accepted");
    store.cancel_demand(d.id, &audit("demand.cancel", "d", 10)).await.expect("cancel");
    let err = store.add_requests(d.id, &[], &audit("requests.add", "bad", 302)).await.expect_err("cancelled");
    assert_invalid(&err, "demand", "cancelled");
    let log: Vec<u64> =
        store.audit(100).await.expect("audit").iter().map(|a| a.detail["n"].as_u64().unwrap_or(0)).collect();
    assert_eq!(log, (1..=10).rev().collect::<Vec<u64>>());
}

/// A plan's lockdown kept with its demand: later requests to the locked-down regions are refused.
pub async fn excluded_regions_are_added_to_a_demand(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    let tangshan = RegionCode::parse("130200").expect("region");
    let d = Demand { excluded_regions: vec![tangshan], ..demand() };
    let d = store.create_demand(&d, &audit("demand.create", "d", 1)).await.expect("post");
    let beijing = code(2, 110108);
    let sent = store
        .send_requests(d.id, &[request(beijing.clone(), 40)], &audit("requests.send", "d", 2))
        .await
        .expect("send");

    // Beijing and Tianjin locked down; Kaiping (130205) lies in Tangshan, excluded already.
    let kaiping = RegionCode::parse("130205").expect("region");
    let locked = store
        .exclude_regions(d.id, &[RegionCode::BEIJING, kaiping, RegionCode::TIANJIN], &audit("demand.lockdown", "d", 3))
        .await
        .expect("exclude");
    assert_eq!(locked.excluded_regions, vec![tangshan, RegionCode::BEIJING, RegionCode::TIANJIN]);
    assert_eq!(
        locked,
        Demand { excluded_regions: locked.excluded_regions.clone(), status: DemandStatus::Planned, ..d }
    );
    assert_eq!(store.demand(d.id).await.expect("read"), locked);
    // Again: nothing new, the audit entry is written.
    let again = store.exclude_regions(d.id, &[RegionCode::BEIJING], &audit("demand.lockdown", "d", 4)).await;
    assert_eq!(again.expect("exclude").excluded_regions, locked.excluded_regions);

    // The request sent before the lockdown stays; new ones into Beijing are refused, elsewhere taken.
    let (_, requests) = assert_status(store, d.id, DemandStatus::Planned).await;
    assert_eq!(requests, sent);
    let err = store.add_requests(d.id, &[request(code(13, 110105), 10)], &audit("requests.add", "bad", 100)).await;
    assert_invalid(&err.expect_err("Beijing"), "supplier", "region 110105");
    store.add_requests(d.id, &[request(code(11, 131002), 10)], &audit("requests.add", "d", 5)).await.expect("Langfang");

    let err = store.exclude_regions(999_999, &[RegionCode::HEBEI], &audit("demand.lockdown", "bad", 101)).await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    store.cancel_demand(d.id, &audit("demand.cancel", "d", 6)).await.expect("cancel");
    let err = store.exclude_regions(d.id, &[RegionCode::HEBEI], &audit("demand.lockdown", "bad", 102)).await;
    assert_invalid(&err.expect_err("cancelled"), "demand", "cancelled");
    assert_eq!(store.demand(d.id).await.expect("read").excluded_regions, locked.excluded_regions);
    let log: Vec<u64> =
        store.audit(100).await.expect("audit").iter().map(|a| a.detail["n"].as_u64().unwrap_or(0)).collect();
    assert_eq!(log, (1..=6).rev().collect::<Vec<u64>>());
}

pub async fn cancelling_a_demand_withdraws_pending_requests(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    let d = store.create_demand(&demand(), &audit("demand.create", "d", 1)).await.expect("post");
    let sent = store
        .send_requests(
            d.id,
            &[request(code(2, 110108), 50), request(code(11, 131002), 50)],
            &audit("requests.send", "d", 2),
        )
        .await
        .expect("send");
    store.respond_request(sent[0].id, true, None, &audit("request.accept", "r", 3)).await.expect("accept");
    store.record_delivery(sent[0].id, 10, day("2026-12-03"), &audit("delivery.record", "r", 4)).await.expect("deliver");
    let cancelled = store.cancel_demand(d.id, &audit("demand.cancel", "d", 5)).await.expect("cancel");
    assert_eq!(cancelled, Demand { status: DemandStatus::Cancelled, ..d.clone() });
    let (_, requests) = assert_status(store, d.id, DemandStatus::Cancelled).await;
    assert_eq!(
        requests.iter().map(|r| (r.status, r.delivered)).collect::<Vec<_>>(),
        vec![(RequestStatus::Accepted, 10), (RequestStatus::Cancelled, 0)],
        "the pending request is withdrawn, the accepted one and its delivery stay"
    );
    let err = store.cancel_demand(d.id, &audit("demand.cancel", "d", 100)).await.expect_err("twice");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("already cancelled"), "{err}");
    let plan = [request(code(13, 110105), 10)];
    let err = store.send_requests(d.id, &plan, &audit("requests.send", "d", 101)).await.expect_err("cancelled");
    assert_invalid(&err, "demand", "cancelled");
    let err = store.respond_request(sent[1].id, true, None, &audit("request.accept", "r", 102)).await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    let err = store.cancel_demand(999_999, &audit("demand.cancel", "x", 103)).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let q = DemandQuery { status: Some(DemandStatus::Cancelled), ..Default::default() };
    assert_eq!(store.demands(&q).await.expect("list"), vec![cancelled]);
    assert_eq!(store.audit(100).await.expect("audit").len(), 5);
}

pub async fn supplier_records_count_answers_and_units(store: &dyn Store) {
    store.import(&docking_sample()).await.expect("import");
    assert!(store.supplier_records().await.expect("records").is_empty());
    let (beijing, langfang, tangshan) = (code(2, 110108), code(11, 131002), code(14, 130203));
    let a = store.create_demand(&demand(), &audit("demand.create", "a", 1)).await.expect("post");
    let b =
        store.create_demand(&Demand { quantity: 20, ..demand() }, &audit("demand.create", "b", 2)).await.expect("post");
    let on_a = store
        .send_requests(a.id, &[request(beijing.clone(), 60), request(langfang.clone(), 40)], &audit("send", "a", 3))
        .await
        .expect("send");
    store.respond_request(on_a[0].id, true, None, &audit("accept", "r", 4)).await.expect("accept");
    store.respond_request(on_a[1].id, false, Some("无产能"), &audit("decline", "r", 5)).await.expect("decline");
    store.record_delivery(on_a[0].id, 45, day("2026-12-04"), &audit("deliver", "r", 6)).await.expect("deliver");
    // Tangshan's first request is withdrawn by a re-plan before it answers: it counts for nothing.
    store.send_requests(b.id, &[request(tangshan.clone(), 20)], &audit("send", "b", 7)).await.expect("send");
    let on_b = store
        .send_requests(b.id, &[request(beijing.clone(), 12), request(tangshan.clone(), 8)], &audit("send", "b", 8))
        .await
        .expect("send");
    store.respond_request(on_b[0].id, true, None, &audit("accept", "r", 9)).await.expect("accept");
    store.record_delivery(on_b[0].id, 12, day("2026-12-05"), &audit("deliver", "r", 10)).await.expect("deliver");

    let records = store.supplier_records().await.expect("records");
    let expected: HashMap<CreditCode, SupplierRecord> = [
        (beijing, SupplierRecord { accepted: 2, declined: 0, requested_units: 72, delivered_units: 57 }),
        (langfang, SupplierRecord { accepted: 0, declined: 1, requested_units: 40, delivered_units: 0 }),
        (tangshan, SupplierRecord { accepted: 0, declined: 0, requested_units: 8, delivered_units: 0 }),
    ]
    .into_iter()
    .collect();
    assert_eq!(records, expected);
}

pub async fn merging_moves_docking_rows(store: &dyn Store) {
    let mut data = docking_sample();
    // A duplicate of the Beijing ECU maker, which posted a demand, made an offer and got a request.
    let dup = enterprise(20, 110108, "北京電控測試有限公司");
    data.enterprises.push(dup.clone());
    store.import(&data).await.expect("import");
    let keep = code(2, 110108);
    let own = store
        .create_demand(&Demand { buyer: dup.credit_code.clone(), ..demand() }, &audit("demand.create", "own", 1))
        .await
        .expect("post");
    let excluding =
        Demand { excluded_suppliers: vec![dup.credit_code.clone(), keep.clone(), code(10, 130102)], ..demand() };
    let excluding = store.create_demand(&excluding, &audit("demand.create", "excl", 2)).await.expect("post");
    let other = store.create_demand(&demand(), &audit("demand.create", "other", 3)).await.expect("post");
    let dup_offer = Offer { supplier: dup.credit_code.clone(), ..offer() };
    let offered = store.create_offer(&dup_offer, &audit("offer", "o", 4)).await.expect("offer");
    let sent = store
        .send_requests(
            other.id,
            &[request(dup.credit_code.clone(), 30), request(keep.clone(), 20)],
            &audit("send", "r", 5),
        )
        .await
        .expect("send");
    store.respond_request(sent[0].id, true, None, &audit("accept", "r", 6)).await.expect("accept");
    store.record_delivery(sent[0].id, 30, day("2026-12-02"), &audit("deliver", "r", 7)).await.expect("deliver");

    store.merge_enterprises(&keep, &dup.credit_code, "繁体重复").await.expect("merge");
    assert_eq!(store.demand(own.id).await.expect("demand"), Demand { buyer: keep.clone(), ..own });
    let moved = store.demand(excluding.id).await.expect("demand");
    assert_eq!(
        moved.excluded_suppliers,
        vec![keep.clone(), code(10, 130102)],
        "the removed code becomes the kept one, once"
    );
    assert_eq!(store.offers(None, None).await.expect("offers"), vec![Offer { supplier: keep.clone(), ..offered }]);
    let requests =
        store.requests(&RequestQuery { demand: Some(other.id), ..Default::default() }).await.expect("requests");
    assert!(requests.iter().all(|r| r.supplier == keep), "{requests:?}");
    assert_eq!(requests.iter().map(|r| r.delivered).collect::<Vec<_>>(), vec![30, 0]);
    let dup_requests = RequestQuery { supplier: Some(dup.credit_code.clone()), ..Default::default() };
    assert!(store.requests(&dup_requests).await.expect("requests").is_empty());
    let records = store.supplier_records().await.expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(records[&keep], SupplierRecord { accepted: 1, declined: 0, requested_units: 50, delivered_units: 30 });
    let by_keep = DemandQuery { buyer: Some(keep.clone()), ..Default::default() };
    assert_eq!(store.demands(&by_keep).await.expect("demands").len(), 1);
}

pub async fn reimported_chains_keep_docking_rows(store: &dyn Store) {
    // No producer or supply row uses the ECU link: only the demand and the offer do.
    let mut data = sample();
    data.producers.retain(|p| p.link.as_str() != "ecu");
    data.supply.retain(|s| s.link.as_str() != "ecu");
    store.import(&data).await.expect("import");
    let d = store.create_demand(&demand(), &audit("demand.create", "d", 1)).await.expect("post");
    let o = store.create_offer(&offer(), &audit("offer.create", "o", 2)).await.expect("offer");

    // The chain comes again with its links in another order and a new name for the ECU link.
    let mut c = chain();
    c.links.reverse();
    c.links.iter_mut().filter(|l| l.id.as_str() == "ecu").for_each(|l| l.name = "电控单元".into());
    store.import(&Dataset { chains: vec![c.clone()], ..Default::default() }).await.expect("re-import");
    assert_eq!(store.demand(d.id).await.expect("demand"), d);
    assert_eq!(store.offers(None, None).await.expect("offers"), vec![o.clone()]);

    let mut without = c.clone();
    without.links.retain(|l| l.id.as_str() != "ecu");
    without.bom.retain(|e| e.input.as_str() != "ecu");
    let err = store.import(&Dataset { chains: vec![without], ..Default::default() }).await.expect_err("in use");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("ecu"), "{err}");
    assert_eq!(store.chain(&c.id).await.expect("chain"), c);
    assert_eq!(store.demand(d.id).await.expect("demand"), d);
}

/// Risk parameters of `e` making `link` of the sample chain, nothing set.
fn risk(e: &Enterprise, link: &str) -> RiskParameters {
    RiskParameters::new(e.credit_code.clone(), ChainId::parse("auto").expect("id"), id(link))
}

pub async fn risk_parameters_are_set_checked_imported_and_merged(store: &dyn Store) {
    let data = sample();
    let (a, b, c) = (&data.enterprises[0], &data.enterprises[1], &data.enterprises[2]);
    let auto = ChainId::parse("auto").expect("id");
    assert!(matches!(
        store.risk_parameters(&ChainId::parse("nope").expect("id")).await,
        Err(StoreError::NotFound { .. })
    ));
    store.import(&data).await.expect("import");
    assert_eq!(store.risk_parameters(&auto).await.expect("none yet"), vec![]);

    // A batch, read back by link position (steel, ecu, vehicle), with its audit entry.
    let steel = RiskParameters { ttr: Some(10.0), s: Some(50.0), ..risk(a, "steel") };
    let vehicle = RiskParameters { product: Some(true), d: Some(120.0), f: Some(0.0), ..risk(c, "vehicle") };
    store.set_risk_parameters(&[vehicle.clone(), steel.clone()], &audit("risk.set", "auto", 1)).await.expect("set");
    assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel.clone(), vehicle.clone()]);
    assert_eq!(store.audit(1).await.expect("audit")[0].action, "risk.set");

    // Refused batches name the field and write nothing, the audit entry neither; a good row before a bad one
    // is not written either.
    let refused = [
        (vec![RiskParameters { ttr: Some(-1.0), ..risk(b, "ecu") }], "ttr"),
        (vec![risk(b, "ecu"), RiskParameters { d: Some(f64::NAN), ..risk(c, "vehicle") }], "d"),
        (vec![RiskParameters { s: Some(f64::INFINITY), ..risk(b, "ecu") }], "s"),
        (vec![RiskParameters { f: Some(-0.5), ..risk(b, "ecu") }], "f"),
        // b does not make vehicles; nobody stored makes the chain's link "paint"; a chain that is not stored.
        (
            vec![
                RiskParameters { ttr: Some(3.0), ..risk(b, "ecu") },
                RiskParameters { ttr: Some(3.0), ..risk(b, "vehicle") },
            ],
            "producer",
        ),
        (vec![RiskParameters { ttr: Some(3.0), ..risk(a, "paint") }], "producer"),
        (vec![RiskParameters { chain: ChainId::parse("nope").expect("id"), ..steel.clone() }], "producer"),
        (vec![steel.clone(), RiskParameters { ttr: Some(1.0), ..steel.clone() }], "producer"),
    ];
    for (batch, field) in refused {
        let err = store.set_risk_parameters(&batch, &audit("risk.set", "bad", 2)).await.expect_err(field);
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert_eq!(err.field(), Some(field), "{err}");
        assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel.clone(), vehicle.clone()]);
        assert_eq!(store.audit(10).await.expect("audit").len(), 1, "{err}");
    }
    let err = store
        .set_risk_parameters(&[RiskParameters { ttr: Some(3.0), ..risk(b, "vehicle") }], &audit("risk.set", "bad", 2))
        .await
        .expect_err("no producer");
    assert!(err.to_string().contains(b.credit_code.as_str()) && err.to_string().contains("vehicle"), "{err}");

    // A row replaces what was stored for its producer; an empty row removes it.
    let steel = RiskParameters { f: Some(2.0), ..risk(a, "steel") };
    store.set_risk_parameters(&[steel.clone(), risk(c, "vehicle")], &audit("risk.set", "auto", 3)).await.expect("set");
    assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel.clone()]);

    // An import carries them in its transaction; a bad row fails the whole import.
    let ecu = RiskParameters { ttr: Some(5.0), product: Some(false), ..risk(b, "ecu") };
    let mut with_risk = sample();
    with_risk.risk = vec![ecu.clone()];
    store.import(&with_risk).await.expect("import with risk");
    assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel.clone(), ecu.clone()]);
    let mut bad = sample();
    bad.enterprises[0].name = "改了名的唐山钢铁".into();
    bad.risk = vec![
        RiskParameters { s: Some(1.0), ..risk(a, "steel") },
        RiskParameters { ttr: Some(-2.0), ..risk(c, "vehicle") },
    ];
    let err = store.import(&bad).await.expect_err("bad risk row");
    assert_eq!(err.field(), Some("ttr"), "{err}");
    bad.risk = vec![RiskParameters { ttr: Some(2.0), ..risk(a, "vehicle") }];
    let err = store.import(&bad).await.expect_err("no such producer");
    assert_eq!(err.field(), Some("producer"), "{err}");
    assert_eq!(store.enterprise(&a.credit_code).await.expect("a").name, a.name);
    assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel.clone(), ecu.clone()]);

    // A merge moves them with the producers: b's ECU line becomes c's.
    store.merge_enterprises(&c.credit_code, &b.credit_code, "test").await.expect("merge");
    let moved = RiskParameters { enterprise: c.credit_code.clone(), ..ecu };
    assert_eq!(store.risk_parameters(&auto).await.expect("read"), vec![steel, moved]);
}

// --- Whole-database archives (issue 7) ---

/// The archive stories (issue 7), each on fresh stores from `$make`: one filled, two empty.
#[macro_export]
macro_rules! archive_contract_tests {
    ($make:path) => {
        #[tokio::test]
        async fn archives_round_trip() {
            let (full, _g1) = $make().await;
            let (empty, _g2) = $make().await;
            let (refused, _g3) = $make().await;
            $crate::contract::archives_round_trip(&full, &empty, &refused).await;
        }
    };
}

/// Everything a store reads back, for comparing two stores.
async fn everything(store: &dyn Store) -> String {
    let mut out = Vec::new();
    for c in store.chains().await.expect("chains") {
        out.push(format!("{c:?}"));
        out.push(format!("{:?}", store.chain(&c.id).await.expect("chain")));
        out.push(format!("{:?}", store.chain_snapshot(&c.id).await.expect("snapshot")));
        out.push(format!("{:?}", store.risk_parameters(&c.id).await.expect("risk")));
    }
    let q = EnterpriseQuery { limit: 1000, ..Default::default() };
    for e in store.enterprises(&q).await.expect("enterprises").items {
        out.push(format!("{:?}", store.enterprise_record(&e.credit_code).await.expect("record")));
        out.push(format!("{:?}", store.merges(&e.credit_code).await.expect("merges")));
    }
    for u in store.users().await.expect("users") {
        out.push(format!("{u:?} {}", u.password_hash));
    }
    out.push(format!("{:?}", store.audit(1000).await.expect("audit")));
    out.push(format!("{:?}", store.demands(&DemandQuery::default()).await.expect("demands")));
    out.push(format!("{:?}", store.offers(None, None).await.expect("offers")));
    out.push(format!("{:?}", store.requests(&RequestQuery::default()).await.expect("requests")));
    let mut records: Vec<String> =
        store.supplier_records().await.expect("records").iter().map(|r| format!("{r:?}")).collect();
    records.sort();
    out.extend(records);
    out.join("\n")
}

/// The number of rows of `table` an archive's header counts.
fn rows_of(header: &crate::archive::Header, table: crate::archive::Table) -> u64 {
    header.tables.iter().find(|t| t.table == table).map(|t| t.rows).expect("every table is counted")
}

pub async fn archives_round_trip(store: &dyn Store, empty: &dyn Store, refused: &dyn Store) {
    use crate::archive::Table;
    // A store with every kind of row: the registry with a merge, risk parameters, accounts (one speaking for
    // an enterprise), audit entries, a demand with answered requests and a delivery, an offer.
    let mut data = docking_sample();
    let dup = enterprise(4, 130606, "保定整車測試有限公司");
    data.producers.push(producer(&dup, "vehicle", 20.0, "辆"));
    data.enterprises.push(dup.clone());
    let (a, c) = (data.enterprises[0].clone(), data.enterprises[2].clone());
    store.import(&data).await.expect("import");
    store
        .set_risk_parameters(
            &[
                // 2.7438000000000002 is read back as 2.7438 by a float parser that is not exact.
                RiskParameters { ttr: Some(2.743_800_000_000_000_2), s: Some(50.0), ..risk(&a, "steel") },
                RiskParameters { product: Some(true), d: Some(0.1 + 0.2), ..risk(&c, "vehicle") },
            ],
            &audit("risk.set", "auto", 1),
        )
        .await
        .expect("risk");
    store.merge_enterprises(&c.credit_code, &dup.credit_code, "同一企业").await.expect("merge");
    store.create_user(&new_user("zhang", Role::Admin, None)).await.expect("user");
    store.create_user(&new_user("baoding", Role::Enterprise, Some(c.credit_code.clone()))).await.expect("user");
    let d = store.create_demand(&demand(), &audit("demand.create", "d", 2)).await.expect("demand");
    store.create_offer(&offer(), &audit("offer.create", "o", 3)).await.expect("offer");
    let sent = store
        .send_requests(d.id, &[request(code(2, 110108), 60), request(code(11, 131002), 40)], &audit("send", "d", 4))
        .await
        .expect("send");
    store.respond_request(sent[0].id, true, None, &audit("accept", "r", 5)).await.expect("accept");
    store.respond_request(sent[1].id, false, Some("停产检修"), &audit("decline", "r", 6)).await.expect("decline");
    store.record_delivery(sent[0].id, 25, day("2026-12-05"), &audit("deliver", "r", 7)).await.expect("deliver");
    store
        .create_session(&Session {
            token_hash: "t".into(),
            user_id: 1,
            csrf_token: "c".into(),
            created_at: 0,
            expires_at: i64::MAX,
        })
        .await
        .ok();

    let mut bytes = Vec::new();
    let header = store.export_archive(&mut bytes).await.expect("export");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, 1 + header.total_rows());
    // The counts are the store's, read independently.
    let stats = store.stats().await.expect("stats");
    assert_eq!(rows_of(&header, Table::Enterprise), stats.enterprises);
    assert_eq!(rows_of(&header, Table::Producer), stats.producers);
    assert_eq!(rows_of(&header, Table::Supply), stats.supply);
    assert_eq!(rows_of(&header, Table::RiskParam), 2);
    assert_eq!(rows_of(&header, Table::EnterpriseMerge), 1);
    assert_eq!(rows_of(&header, Table::AppUser), 2);
    assert_eq!(rows_of(&header, Table::AuditLog), store.audit(1000).await.expect("audit").len() as u64);
    assert_eq!(rows_of(&header, Table::AllocationRequest), 2);
    assert_eq!(rows_of(&header, Table::Delivery), 1);
    assert!(!text.contains("\"session\""), "sessions are not archived");
    assert!(text.contains("hash of zhang"), "password hashes are kept");

    // Refused archives write nothing: a bad value, a dangling reference, a truncated file, another format.
    let line_of =
        |table: &str| lines.iter().position(|l| l.starts_with(&format!("{{\"table\":\"{table}\""))).expect(table);
    let with = |i: usize, new: String| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        l[i] = new;
        l.join("\n") + "\n"
    };
    let s = line_of("supply");
    let p = line_of("producer");
    let bad_reference = lines[p].replacen("\"enterprise_id\":", "\"enterprise_id\":9999", 1);
    let cases = vec![
        (with(s, lines[s].replace("\"share\":0.7", "\"share\":1.5")), format!("line {} (supply): share 1.5", s + 1)),
        (with(p, bad_reference), format!("line {} (producer): enterprise_id 9999", p + 1)),
        (with(s, "{\"table\":\"supply\",\"row\":{\"link\":1}}".into()), format!("line {} (supply)", s + 1)),
        (lines[..lines.len() - 1].join("\n") + "\n", "truncated".to_string()),
        ("credit_code,name\n".to_string(), "line 1".to_string()),
    ];
    for (archive, says) in cases {
        let err = refused.restore_archive(&mut archive.as_bytes()).await.expect_err(&says);
        assert!(matches!(err, StoreError::Invalid(_)), "{says}: {err:?}");
        assert!(err.to_string().contains(&says), "{err} should say {says}");
        let mut again = Vec::new();
        let nothing = refused.export_archive(&mut again).await.expect("export of the refused store");
        assert_eq!(nothing.total_rows(), 0, "{says}: a refused restore wrote rows");
    }
    // A database that is not empty is refused, and keeps what it had.
    let err = store.restore_archive(&mut bytes.as_slice()).await.expect_err("not empty");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    // Restored, the store reads the same and writes the same archive, byte for byte.
    let restored = empty.restore_archive(&mut bytes.as_slice()).await.expect("restore");
    assert_eq!(restored, header);
    assert_eq!(everything(empty).await, everything(store).await);
    let mut again = Vec::new();
    empty.export_archive(&mut again).await.expect("export again");
    assert_eq!(String::from_utf8(again).expect("UTF-8"), text);

    // Ids continue above the archive's; the restored accounts still log in by their hashes.
    let before = store.audit(1).await.expect("audit")[0].id;
    let next = empty.create_demand(&demand(), &audit("demand.create", "d", 8)).await.expect("a new demand");
    assert!(next.id > d.id, "{} after {}", next.id, d.id);
    assert!(empty.audit(1).await.expect("audit")[0].id > before);
    let u = empty.create_user(&new_user("li", Role::Analyst, None)).await.expect("a new user");
    assert!(u.id > 2);
    let e = enterprise(20, 130205, "恢复后新增测试有限公司");
    let mut more = Dataset { enterprises: vec![e.clone()], ..Dataset::default() };
    more.producers.push(producer(&e, "steel", 1.0, "吨"));
    empty.import(&more).await.expect("an import after the restore");
    assert_eq!(empty.user_by_name("zhang").await.expect("read").expect("kept").password_hash, "hash of zhang");
}
