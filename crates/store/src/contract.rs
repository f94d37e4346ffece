//! The stories every backend must pass. A backend's tests call [`contract_tests!`](crate::contract_tests)
//! with an async function returning a fresh, migrated store and a guard that keeps it alive.

use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, CreditCode, Dataset, Enterprise, IndustryCode, LinkId, Producer, Quantity,
    RegionCode, Role, Segment, SupplyRelation, Unit,
};

use crate::{EnterpriseQuery, NewAudit, NewUser, Session, Store, StoreError};

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
