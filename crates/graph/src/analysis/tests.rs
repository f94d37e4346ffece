use chaindock_model::{BomEdge, ChainLink, EnterpriseBrief, ProducerRow, SupplyRow};
use proptest::prelude::*;

use super::*;

fn link(id: &str, import_dependent: bool) -> ChainLink {
    ChainLink {
        id: LinkId::parse(id).unwrap(),
        name: id.to_uppercase(),
        segment: Segment::Midstream,
        unit: Unit::parse("件").unwrap(),
        import_dependent,
        industry: None,
        note: None,
    }
}

fn chain(links: &[(&str, bool)], bom: &[(&str, &str, f64)]) -> Chain {
    Chain {
        id: ChainId::parse("t").unwrap(),
        name: "测试".into(),
        description: None,
        links: links.iter().map(|(l, imp)| link(l, *imp)).collect(),
        bom: bom
            .iter()
            .map(|(i, o, q)| BomEdge {
                input: LinkId::parse(i).unwrap(),
                output: LinkId::parse(o).unwrap(),
                quantity: *q,
            })
            .collect(),
    }
}

fn ent(i: usize, region: u32, leading: bool) -> EnterpriseBrief {
    EnterpriseBrief {
        credit_code: CreditCode::from_body(&format!("91{region}{:09}", i)).unwrap(),
        name: format!("企业{i}"),
        region: RegionCode::parse(&region.to_string()).unwrap(),
        leading,
        specialised: false,
    }
}

const TANGSHAN: u32 = 130205;
const BAODING: u32 = 130606;
const BEIJING: u32 = 110108;
const TIANJIN: u32 = 120116;

/// The brief's story in miniature: steel → body (0.9 t per body), body → vehicle (1 per vehicle),
/// ECU → vehicle (2 per vehicle). Hebei assembles 100 vehicles a day, stamps 60 bodies and makes no ECU;
/// Tianjin stamps 80 bodies, Beijing makes 500 ECUs.
fn story() -> ChainSnapshot {
    ChainSnapshot {
        chain: chain(
            &[("vehicle", false), ("steel", false), ("body", false), ("ecu", true)],
            &[("steel", "body", 0.9), ("body", "vehicle", 1.0), ("ecu", "vehicle", 2.0)],
        ),
        enterprises: vec![
            ent(0, BAODING, true),
            ent(1, TANGSHAN, false),
            ent(2, TANGSHAN, false),
            ent(3, TIANJIN, false),
            ent(4, BEIJING, false),
            ent(5, TANGSHAN, true),
        ],
        producers: vec![
            ProducerRow { enterprise: 0, link: 0, capacity: 100.0 },
            ProducerRow { enterprise: 1, link: 2, capacity: 40.0 },
            ProducerRow { enterprise: 2, link: 2, capacity: 20.0 },
            ProducerRow { enterprise: 3, link: 2, capacity: 80.0 },
            ProducerRow { enterprise: 4, link: 3, capacity: 500.0 },
            ProducerRow { enterprise: 5, link: 1, capacity: 1000.0 },
        ],
        supply: vec![
            SupplyRow { supplier: 1, buyer: 0, link: 2, share: 0.4 },
            SupplyRow { supplier: 3, buyer: 0, link: 2, share: 0.6 },
            SupplyRow { supplier: 4, buyer: 0, link: 3, share: 1.0 },
        ],
    }
}

fn report<'a>(a: &'a ChainAnalysis, id: &str) -> &'a LinkReport {
    a.links.iter().find(|l| l.id.as_str() == id).unwrap()
}

#[test]
fn hand_worked_hebei() {
    let a = analyze(&story(), &Scope::hebei(), &AnalysisOptions::default()).unwrap();
    // Vehicles: finished product, one producer → single-source bottleneck.
    let v = report(&a, "vehicle");
    assert_eq!(v.status, LinkStatus::Bottleneck);
    assert_eq!(v.demand_in_scope, 0.0);
    // Bodies: need 1 × 100 = 100, Hebei makes 40 + 20 = 60 → shortfall; HHI = (2/3)² + (1/3)² = 5/9.
    let b = report(&a, "body");
    assert_eq!(b.demand_in_scope, 100.0);
    assert_eq!(b.capacity_in_scope, 60.0);
    assert!((b.hhi.unwrap() - 5.0 / 9.0).abs() < 1e-12);
    assert_eq!(b.status, LinkStatus::Bottleneck);
    assert_eq!(b.bottleneck_reasons.len(), 2);
    // Steel: need = 0.9 × max(60, 100) = 90 t ≤ 1000 t, but one producer → single source.
    let s = report(&a, "steel");
    assert!((s.demand_in_scope - 90.0).abs() < 1e-9);
    assert_eq!(s.status, LinkStatus::Bottleneck);
    // ECUs: need 200, none in Hebei → breakpoint, and a chokepoint too.
    let e = report(&a, "ecu");
    assert_eq!(e.demand_in_scope, 200.0);
    assert_eq!(e.status, LinkStatus::Breakpoint);
    assert_eq!(a.breakpoints.len(), 1);
    assert_eq!(a.chokepoints.len(), 1);
    // The ECU gap proposes the Beijing maker; the body gap the Tianjin stamper, 40 short.
    let gap = a.gaps_to_fill.iter().find(|g| g.link.as_str() == "ecu").unwrap();
    assert_eq!(gap.candidates[0].name, "企业4");
    let gap = a.gaps_to_fill.iter().find(|g| g.link.as_str() == "body").unwrap();
    assert_eq!(gap.shortfall, 40.0);
    assert_eq!(gap.candidates[0].name, "企业3");
    // Bodies reach the Hebei assembler 40% from Tangshan (in scope), 60% from Tianjin.
    assert_eq!(b.supply_in_scope_share, Some(0.4));
    // Key enterprises: the two leading ones first.
    assert!(a.key_enterprises[..2].iter().all(|k| k.leading));
}

#[test]
fn hand_worked_bth_closes_the_gaps() {
    let a = analyze(&story(), &Scope::bth(), &AnalysisOptions::default()).unwrap();
    assert!(a.breakpoints.is_empty());
    let b = report(&a, "body");
    assert_eq!(b.capacity_in_scope, 140.0);
    // HHI = (4/14)² + (2/14)² + (8/14)² = 84/196 < 0.5, capacity 140 ≥ 100: healthy.
    assert_eq!(b.status, LinkStatus::Healthy);
    assert_eq!(report(&a, "ecu").status, LinkStatus::Bottleneck); // one producer in BTH
    assert_eq!(b.supply_in_scope_share, Some(1.0));
}

#[test]
fn a_city_scope_sees_only_its_own() {
    let a = analyze(&story(), &Scope::parse("唐山").unwrap(), &AnalysisOptions::default()).unwrap();
    // Tangshan assembles no vehicles: its body makers' output is not consumed in scope.
    assert_eq!(report(&a, "vehicle").status, LinkStatus::Breakpoint);
    assert_eq!(report(&a, "body").demand_in_scope, 0.0);
    assert_eq!(report(&a, "body").status, LinkStatus::NotNeeded);
    // Its steel is needed for the bodies it does make: 0.9 × 60.
    assert!((report(&a, "steel").demand_in_scope - 54.0).abs() < 1e-9);
}

#[test]
fn bad_snapshots_and_options_are_refused() {
    let mut s = story();
    s.producers.push(ProducerRow { enterprise: 99, link: 0, capacity: 1.0 });
    assert!(analyze(&s, &Scope::hebei(), &AnalysisOptions::default()).unwrap_err().to_string().contains("99"));
    let opts = AnalysisOptions { hhi_threshold: 1.5, ..Default::default() };
    assert!(analyze(&story(), &Scope::hebei(), &opts).is_err());
    let mut s = story();
    s.chain.bom.push(BomEdge {
        input: LinkId::parse("vehicle").unwrap(),
        output: LinkId::parse("steel").unwrap(),
        quantity: 1.0,
    });
    assert!(analyze(&s, &Scope::hebei(), &AnalysisOptions::default()).unwrap_err().to_string().contains("cycle"));
}

/// The rules of the module docs, computed the slow and obvious way.
fn brute_force(snap: &ChainSnapshot, scope: &Scope, theta: f64) -> Vec<(f64, f64, Option<f64>, LinkStatus)> {
    let c = &snap.chain;
    let n = c.links.len();
    let pos = |id: &LinkId| c.links.iter().position(|l| &l.id == id).unwrap();
    let cap: Vec<f64> = (0..n)
        .map(|l| {
            snap.producers
                .iter()
                .filter(|p| p.link as usize == l && scope.contains(snap.enterprises[p.enterprise as usize].region))
                .map(|p| p.capacity)
                .sum()
        })
        .collect();
    // Fixed point: n rounds of the recurrence reach every path of the DAG.
    let mut need = cap.clone();
    let mut d = vec![0.0; n];
    for _ in 0..=n {
        for (i, di) in d.iter_mut().enumerate() {
            *di = c.bom.iter().filter(|e| pos(&e.input) == i).map(|e| e.quantity * need[pos(&e.output)]).sum();
        }
        need = cap.iter().zip(&d).map(|(c, d)| c.max(*d)).collect();
    }
    (0..n)
        .map(|l| {
            let mut ents: Vec<(u32, f64)> = Vec::new();
            for p in snap.producers.iter().filter(|p| p.link as usize == l) {
                if scope.contains(snap.enterprises[p.enterprise as usize].region) {
                    match ents.iter_mut().find(|(e, _)| *e == p.enterprise) {
                        Some(x) => x.1 += p.capacity,
                        None => ents.push((p.enterprise, p.capacity)),
                    }
                }
            }
            let hhi = (cap[l] > 0.0).then(|| ents.iter().map(|(_, x)| (x / cap[l]) * (x / cap[l])).sum::<f64>());
            let terminal = !c.bom.iter().any(|e| pos(&e.input) == l);
            let needed = d[l] > 0.0 || terminal;
            let status = if needed && ents.is_empty() {
                LinkStatus::Breakpoint
            } else if needed && (cap[l] < d[l] * (1.0 - 1e-9) || ents.len() == 1 || hhi.unwrap_or(0.0) >= theta) {
                LinkStatus::Bottleneck
            } else if c.links[l].import_dependent {
                LinkStatus::Chokepoint
            } else if needed {
                LinkStatus::Healthy
            } else {
                LinkStatus::NotNeeded
            };
            (cap[l], d[l], hhi, status)
        })
        .collect()
}

fn random_snapshot() -> impl Strategy<Value = (ChainSnapshot, usize)> {
    let regions = [TANGSHAN, BAODING, BEIJING, TIANJIN, 130102];
    (2usize..8, 1usize..9)
        .prop_flat_map(move |(n, m)| {
            (
                Just(n),
                proptest::collection::vec((0..n, 0..n, 1u32..4), 0..n * 2),
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec((0..regions.len(), any::<bool>()), m),
                proptest::collection::vec((0..m as u32, 0..n as u32, 1u32..60), 0..14),
                Just(()).prop_perturb(|_, mut rng| {
                    let mut p: Vec<usize> = (0..8).collect();
                    for i in (1..8).rev() {
                        p.swap(i, rng.random_range(0..=i));
                    }
                    p
                }),
                0usize..4,
            )
        })
        .prop_map(move |(n, edges, imp, ents, prods, perm, scope)| {
            // Edges go from a higher rank to a lower one, so the BOM is acyclic; the link order in the
            // chain is shuffled so that it says nothing about the topology.
            let names: Vec<String> =
                (0..n).map(|i| format!("l{}", perm.iter().position(|&p| p == i).unwrap())).collect();
            let mut seen = std::collections::HashSet::new();
            let bom: Vec<(String, String, f64)> = edges
                .into_iter()
                .filter(|(a, b, _)| a > b && seen.insert((*a, *b)))
                .map(|(a, b, q)| (names[a].clone(), names[b].clone(), q as f64 * 0.5))
                .collect();
            let links: Vec<(&str, bool)> = names.iter().zip(&imp).map(|(s, i)| (s.as_str(), *i)).collect();
            let bom_ref: Vec<(&str, &str, f64)> = bom.iter().map(|(a, b, q)| (a.as_str(), b.as_str(), *q)).collect();
            let snap = ChainSnapshot {
                chain: chain(&links, &bom_ref),
                enterprises: ents.iter().enumerate().map(|(i, (r, lead))| ent(i, regions[*r], *lead)).collect(),
                producers: prods
                    .into_iter()
                    .map(|(e, l, c)| ProducerRow { enterprise: e, link: l, capacity: c as f64 })
                    .collect(),
                supply: vec![],
            };
            (snap, scope)
        })
}

proptest! {
    #[test]
    fn analysis_equals_brute_force((snap, s) in random_snapshot()) {
        let scope = [Scope::hebei(), Scope::bth(), Scope::parse("130200").unwrap(), Scope::parse("北京").unwrap()][s].clone();
        let a = analyze(&snap, &scope, &AnalysisOptions::default()).unwrap();
        let expected = brute_force(&snap, &scope, 0.5);
        for (r, (cap, d, hhi, status)) in a.links.iter().zip(expected) {
            prop_assert!((r.capacity_in_scope - cap).abs() < 1e-9);
            prop_assert!((r.demand_in_scope - d).abs() <= 1e-9 * d.max(1.0), "{}: {} vs {}", r.id, r.demand_in_scope, d);
            prop_assert_eq!(r.hhi.is_some(), hhi.is_some());
            if let (Some(x), Some(y)) = (r.hhi, hhi) { prop_assert!((x - y).abs() < 1e-12); }
            prop_assert_eq!(r.status, status, "link {}", r.id);
        }
        let bps: Vec<&str> = a.links.iter().filter(|l| l.status == LinkStatus::Breakpoint).map(|l| l.id.as_str()).collect();
        prop_assert_eq!(bps, a.breakpoints.iter().map(|f| f.link.as_str()).collect::<Vec<_>>());
        prop_assert_eq!(a.chokepoints.len(), snap.chain.links.iter().filter(|l| l.import_dependent).count());
    }
}
