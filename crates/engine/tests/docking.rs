//! Sending a plan, declining a request and re-planning its shortfall, on a store small enough for the
//! allocation's brute force to check every re-plan.

use chaindock_alloc::{Instance, solve_brute_force, solve_min_cost_flow};
use chaindock_engine::docking::{self, DockingOptions};
use chaindock_model::{
    BomEdge, Chain, ChainId, ChainLink, CreditCode, Dataset, Demand, DemandStatus, Enterprise, LinkId, Offer, Producer,
    Quantity, RegionCode, RequestStatus, Segment, Unit,
};
use chaindock_store::{NewAudit, RequestQuery, Store};
use chaindock_store_sqlite::SqliteStore;
use chrono::NaiveDate;

const TODAY: &str = "2026-12-01";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn code(i: u32, region: u32) -> CreditCode {
    CreditCode::from_body(&format!("91{region}{i:09}")).unwrap()
}

/// The suppliers: (number, region, unit price). Tianjin's (3) is the cheapest.
const SUPPLIERS: [(u32, u32, f64); 8] = [
    (1, 130606, 10.0), // Baoding
    (2, 131002, 11.0), // Langfang
    (3, 120101, 9.0),  // Tianjin
    (4, 130102, 12.0), // Shijiazhuang
    (5, 130404, 13.0), // Handan
    (6, 130902, 14.0), // Cangzhou
    (7, 130502, 15.0), // Xingtai
    (8, 130702, 16.0), // Zhangjiakou
];
const BUYER: (u32, u32) = (9, 110105);

fn unit() -> Unit {
    Unit::parse("件").unwrap()
}

fn auto() -> ChainId {
    ChainId::parse("auto").unwrap()
}

fn welded() -> LinkId {
    LinkId::parse("welded").unwrap()
}

fn enterprise(i: u32, region: u32) -> Enterprise {
    Enterprise {
        credit_code: code(i, region),
        name: format!("测试企业{i}"),
        aliases: vec![],
        region: RegionCode::parse(&region.to_string()).unwrap(),
        location: None,
        industry: None,
        above_scale: true,
        leading: false,
        specialised: false,
        illustrative: true,
        description: None,
        contact_person: None,
        contact_phone: None,
    }
}

fn dataset() -> Dataset {
    let link = |id: &str, seg| ChainLink {
        id: LinkId::parse(id).unwrap(),
        name: format!("环节{id}"),
        segment: seg,
        unit: unit(),
        import_dependent: false,
        industry: None,
        note: None,
    };
    let chain = Chain {
        id: auto(),
        name: "汽车".into(),
        description: None,
        links: vec![link("welded", Segment::Midstream), link("vehicle", Segment::Downstream)],
        bom: vec![BomEdge { input: welded(), output: LinkId::parse("vehicle").unwrap(), quantity: 4.0 }],
    };
    let producer = |e: &Enterprise, l: &str| Producer {
        enterprise: e.credit_code.clone(),
        chain: auto(),
        link: LinkId::parse(l).unwrap(),
        capacity_per_day: Quantity::new(10.0, unit()).unwrap(),
        illustrative: true,
    };
    let mut enterprises: Vec<Enterprise> = SUPPLIERS.iter().map(|&(i, r, _)| enterprise(i, r)).collect();
    let mut producers: Vec<Producer> = enterprises.iter().map(|e| producer(e, "welded")).collect();
    let buyer = enterprise(BUYER.0, BUYER.1);
    producers.push(producer(&buyer, "vehicle"));
    enterprises.push(buyer);
    Dataset { enterprises, chains: vec![chain], producers, supply: vec![], risk: vec![] }
}

fn audit(action: &str) -> NewAudit {
    NewAudit { username: Some("test".into()), action: action.into(), target: "t".into(), detail: serde_json::json!({}) }
}

/// A store with the dataset, an offer of 50 by each supplier and a demand for 20 due in 10 days.
async fn store() -> (tempfile::TempDir, SqliteStore, Demand) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("d.db")).await.unwrap();
    store.import(&dataset()).await.unwrap();
    for &(i, r, price) in &SUPPLIERS {
        let o = Offer {
            id: 0,
            supplier: code(i, r),
            chain: auto(),
            link: welded(),
            quantity: 50,
            unit: unit(),
            available_from: day(TODAY),
            available_until: day("2026-12-05"),
            unit_price: price,
            lead_time_days: 1,
        };
        store.create_offer(&o, &audit("offer.create")).await.unwrap();
    }
    let d = Demand {
        id: 0,
        buyer: code(BUYER.0, BUYER.1),
        chain: auto(),
        link: welded(),
        product: String::new(),
        quantity: 20,
        unit: unit(),
        due: day("2026-12-11"),
        created: day(TODAY),
        delivery_region: RegionCode::parse("110105").unwrap(),
        certifications: vec![],
        excluded_suppliers: vec![],
        excluded_regions: vec![],
        priority: 1,
        status: DemandStatus::Open,
        note: None,
    };
    let d = store.create_demand(&d, &audit("demand.create")).await.unwrap();
    (dir, store, d)
}

/// The plan's objective equals the brute force's and the min-cost flow's on its instance.
fn assert_optimal(instance: &Instance, objective: f64) {
    let brute = solve_brute_force(instance).unwrap();
    let flow = solve_min_cost_flow(instance).unwrap();
    assert!(
        (brute.objective - objective).abs() <= 1e-9 * objective.max(1.0),
        "brute {} vs {objective}",
        brute.objective
    );
    assert!((flow.objective - objective).abs() <= 1e-9 * objective.max(1.0), "flow {} vs {objective}", flow.objective);
}

fn sorted(mut v: Vec<(CreditCode, u64)>) -> Vec<(CreditCode, u64)> {
    v.sort();
    v
}

/// Requests as (supplier, quantity), by supplier.
fn parts(requests: &[chaindock_model::AllocationRequest]) -> Vec<(CreditCode, u64)> {
    sorted(requests.iter().map(|r| (r.supplier.clone(), r.quantity)).collect())
}

/// (supplier number, region, quantity) as (supplier, quantity), by supplier.
fn parts_of(list: &[(u32, u32, u64)]) -> Vec<(CreditCode, u64)> {
    sorted(list.iter().map(|&(i, r, q)| (code(i, r), q)).collect())
}

#[tokio::test]
async fn a_decline_replans_its_shortfall_among_new_suppliers_within_the_kept_lockdown_and_the_whole_cap() {
    let (_dir, store, d) = store().await;
    let mut opts = DockingOptions::new(day(TODAY));
    opts.excluded_regions = vec![RegionCode::TIANJIN];
    let (_, instance, plan) = docking::plan_demands(&store, &[d.id], &opts).await.unwrap();
    assert_optimal(&instance, plan.objective);
    let sent = docking::send_plan(&store, &plan, Some("test")).await.unwrap();
    // Cheapest first within 6 = ⌊0.3 × 20⌋ each, Tianjin locked down: Baoding, Langfang, Shijiazhuang 6 each, Handan 2.
    assert_eq!(parts(&sent), parts_of(&[(1, 130606, 6), (2, 131002, 6), (4, 130102, 6), (5, 130404, 2)]), "{plan:?}");
    // The lockdown is kept with the demand.
    assert_eq!(store.demand(d.id).await.unwrap().excluded_regions, vec![RegionCode::TIANJIN]);

    // Baoding declines: a shortfall of 6, which one new supplier may take whole (6 ≤ ⌊0.3 × 20⌋, whereas
    // 30% of the shortfall would be 1 each). Tianjin, the cheapest, stays locked down; the suppliers asked
    // already are left out.
    let to = |i: u32, r: u32| sent.iter().find(|x| x.supplier == code(i, r)).unwrap().id;
    store.respond_request(to(1, 130606), false, Some("检修"), &audit("request.decline")).await.unwrap();
    let replan =
        docking::replan_after_decline(&store, d.id, &DockingOptions::new(day(TODAY)), Some("test")).await.unwrap();
    assert_eq!(replan.shortfall, 6);
    let mut asked = replan.asked.clone();
    asked.sort();
    let mut expected: Vec<CreditCode> = sent.iter().map(|r| r.supplier.clone()).collect();
    expected.sort();
    assert_eq!(asked, expected);
    assert_optimal(&replan.instance, replan.plan.objective);
    assert_eq!(replan.instance.demands[0].quantity, 6);
    for a in &replan.instance.arcs {
        assert!(!asked.iter().any(|c| c.as_str() == a.supplier), "an asked supplier is an arc: {a:?}");
        assert_ne!(a.supplier, code(3, 120101).as_str(), "Tianjin is locked down");
        assert_eq!(a.max_quantity, 6, "⌊0.3 × 20⌋, not ⌊0.3 × 6⌋");
    }
    let new: Vec<(CreditCode, u64, RequestStatus)> =
        replan.sent.iter().map(|r| (r.supplier.clone(), r.quantity, r.status)).collect();
    assert_eq!(new, vec![(code(6, 130902), 6, RequestStatus::Pending)]);
    assert_eq!(replan.plan.demands[0].unmet, 0);

    // The other requests are untouched.
    let all = store.requests(&RequestQuery { demand: Some(d.id), ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 5);
    for (before, now) in sent.iter().zip(&all) {
        if before.id == to(1, 130606) {
            assert_eq!(now.status, RequestStatus::Declined);
        } else {
            assert_eq!(before, now);
        }
    }
    assert_eq!(all[4], replan.sent[0]);

    // Two accept: `allocate`'s re-plan of the remaining 8 caps each supplier at 6 too, not ⌊0.3 × 8⌋ = 2.
    store.respond_request(to(2, 131002), true, None, &audit("request.accept")).await.unwrap();
    store.respond_request(to(4, 130102), true, None, &audit("request.accept")).await.unwrap();
    let (demands, instance, plan) =
        docking::plan_demands(&store, &[d.id], &DockingOptions::new(day(TODAY))).await.unwrap();
    assert_eq!(demands[0].quantity, 8);
    assert!(instance.arcs.iter().all(|a| a.max_quantity == 6), "{instance:?}");
    assert_optimal(&instance, plan.objective);
    // Not Tianjin, the cheapest (its lockdown is kept with the demand): Handan and Cangzhou, whose pending
    // requests `allocate --send` would replace.
    let lines: Vec<(CreditCode, u64)> = plan.lines.iter().map(|l| (l.supplier.clone(), l.quantity)).collect();
    assert_eq!(sorted(lines), parts_of(&[(5, 130404, 6), (6, 130902, 2)]), "{plan:?}");
}

#[tokio::test]
async fn what_no_new_supplier_can_take_stays_unmet_with_the_reason() {
    let (_dir, store, d) = store().await;
    // A share cap of 100%: Tianjin, the cheapest, takes everything; then it declines.
    let mut opts = DockingOptions::new(day(TODAY));
    opts.share_cap = 1.0;
    let (_, _, plan) = docking::plan_demands(&store, &[d.id], &opts).await.unwrap();
    let sent = docking::send_plan(&store, &plan, None).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].supplier.clone(), sent[0].quantity), (code(3, 120101), 20));
    store.respond_request(sent[0].id, false, Some("停产"), &audit("request.decline")).await.unwrap();
    // The re-plan leaves out the whole of Hebei: nobody is left.
    let mut locked = DockingOptions::new(day(TODAY));
    locked.excluded_regions = vec![RegionCode::HEBEI];
    let replan = docking::replan_after_decline(&store, d.id, &locked, None).await.unwrap();
    assert_eq!(replan.shortfall, 20);
    assert!(replan.sent.is_empty());
    assert_eq!(replan.plan.demands[0].unmet, 20);
    let why = replan.plan.demands[0].unmet_reason.as_deref().unwrap();
    assert!(why.contains("no capable supplier"), "{why}");
    assert_optimal(&replan.instance, replan.plan.objective);
    // The status is what the requests make it: nothing pending or accepted, open again.
    assert_eq!(store.demand(d.id).await.unwrap().status, DemandStatus::Open);
    // Without the lockdown: four new suppliers, 6 + 6 + 6 + 2.
    let replan = docking::replan_after_decline(&store, d.id, &DockingOptions::new(day(TODAY)), None).await.unwrap();
    assert_eq!(replan.shortfall, 20);
    assert_eq!(parts(&replan.sent), parts_of(&[(1, 130606, 6), (2, 131002, 6), (4, 130102, 6), (5, 130404, 2)]));
    assert_optimal(&replan.instance, replan.plan.objective);
    // Nothing is short any more: a second re-plan sends nothing and solves a demand of 0.
    let again = docking::replan_after_decline(&store, d.id, &DockingOptions::new(day(TODAY)), None).await.unwrap();
    assert_eq!((again.shortfall, again.sent.len(), again.plan.demands[0].unmet), (0, 0, 0));
    // A cancelled demand is not re-planned.
    store.cancel_demand(d.id, &audit("demand.cancel")).await.unwrap();
    let err = docking::replan_after_decline(&store, d.id, &DockingOptions::new(day(TODAY)), None).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
}
