//! The risk network of every demo chain, checked against a brute force over pairs of producers.

use std::collections::{HashMap, HashSet};

use chaindock_engine::embedded;
use chaindock_engine::risk::{chain_network, network_from_store, node_id};
use chaindock_risk::Network;
use chaindock_store::Store;
use chaindock_store_sqlite::SqliteStore;

#[tokio::test]
async fn every_demo_chain_gives_a_valid_network() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("demo.db")).await.unwrap();
    let report = embedded::load_demo(&store).await.unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let chains = store.chains().await.unwrap();
    assert_eq!(chains.len(), 9);
    for info in chains {
        let built = chain_network(&store, &info.id).await.unwrap();
        assert_eq!(network_from_store(&store, &info.id).await.unwrap(), built.network);
        let net = Network::new(built.network.clone()).unwrap_or_else(|e| panic!("{}: {e}", info.id));
        assert_eq!(net.len() as u64, info.producers, "{}", info.id);
        assert!(net.nodes.iter().any(|n| n.spec.product), "{}: no finished product", info.id);
        // The demo's supply relations all join a producer of the input to a producer of an output.
        assert_eq!((built.skipped_supply, built.skipped_parameters), (0, 0), "{}", info.id);

        // Brute force: for every ordered pair of producers (S, L) and (E, O), an edge exists exactly when
        // L → O is a BOM edge and S is E or supplies L to E; an input with no such S is supplied from outside.
        let snap = store.chain_snapshot(&info.id).await.unwrap();
        let code = |e: u32| snap.enterprises[e as usize].credit_code.to_string();
        let link = |l: u32| snap.chain.links[l as usize].id.to_string();
        let supplies: HashSet<(u32, u32, u32)> = snap.supply.iter().map(|s| (s.supplier, s.buyer, s.link)).collect();
        let bom: HashMap<(String, String), f64> =
            snap.chain.bom.iter().map(|e| ((e.input.to_string(), e.output.to_string()), e.quantity)).collect();
        let mut expected = HashSet::new();
        let mut outside = HashSet::new();
        for b in &snap.producers {
            for e in snap.chain.bom.iter().filter(|e| e.output.as_str() == link(b.link)) {
                let mut any = false;
                for s in &snap.producers {
                    if link(s.link) == e.input.as_str()
                        && (s.enterprise == b.enterprise || supplies.contains(&(s.enterprise, b.enterprise, s.link)))
                    {
                        any = true;
                        let r = bom[&(link(s.link), link(b.link))];
                        expected.insert((
                            node_id(&code(s.enterprise), &link(s.link)),
                            node_id(&code(b.enterprise), &link(b.link)),
                            e.input.to_string(),
                            r.to_bits(),
                        ));
                    }
                }
                if !any {
                    outside.insert((node_id(&code(b.enterprise), &link(b.link)), e.input.to_string()));
                }
            }
        }
        let got: HashSet<_> = built
            .network
            .edges
            .iter()
            .map(|e| (e.supplier.clone(), e.buyer.clone(), e.input.clone(), e.r.to_bits()))
            .collect();
        assert_eq!(got.len(), built.network.edges.len(), "{}: an edge twice", info.id);
        assert_eq!(got, expected, "{}", info.id);
        let got_outside: HashSet<_> = built.outside.iter().map(|o| (o.node.clone(), o.input.to_string())).collect();
        assert_eq!(got_outside, outside, "{}", info.id);
        // Products are exactly the nodes of links that are no other link's input.
        for n in &built.network.nodes {
            let l = n.link.as_deref().unwrap();
            assert_eq!(n.product, !snap.chain.bom.iter().any(|e| e.input.as_str() == l), "{}", n.id);
        }
    }
}

/// A lockdown of Tangshan over every demo chain, with and without the loss programme: the same sites,
/// tiers, days and short inputs; the loss only when asked for. The tiers are checked against a
/// breadth-first search over the exported edges, written here from the file alone.
#[tokio::test]
async fn a_scenario_without_the_loss_programme_keeps_its_tiers() {
    use chaindock_engine::exposure::{scenario_networks, simulate_store};
    use chaindock_risk::{Disruption, LossProgramme, Window};

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("demo.db")).await.unwrap();
    assert!(embedded::load_demo(&store).await.unwrap().ok());
    let d = Disruption { regions: vec![130200], ..Disruption::default() };
    let w = Window::new(0.0, 14.0).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let with = simulate_store(&store, None, &d, w, LossProgramme::Solve, today).await.unwrap();
    let without = simulate_store(&store, None, &d, w, LossProgramme::Skip, today).await.unwrap();
    assert!(without.lost.is_none());
    let lost = with.lost.as_ref().expect("asked for");
    assert!(lost.total > 0.0 && !lost.by_product.is_empty(), "{lost:?}");
    assert!(!with.disrupted.is_empty() && !with.tiers.is_empty());
    assert_eq!(with.disrupted, without.disrupted);
    assert_eq!(with.tiers, without.tiers);
    assert_eq!(with.alternatives, without.alternatives);

    // Breadth-first from the nodes in Tangshan (1302xx), chain by chain, along supplier → buyer edges.
    let mut expected: HashSet<(String, String, u32)> = HashSet::new();
    for sn in scenario_networks(&store, None).await.unwrap() {
        let chain = sn.chain.clone().unwrap();
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &sn.file.edges {
            children.entry(e.supplier.as_str()).or_default().push(e.buyer.as_str());
        }
        let mut tier: HashMap<&str, u32> = HashMap::new();
        let mut frontier: Vec<&str> =
            sn.file.nodes.iter().filter(|n| n.region.is_some_and(|r| r / 100 == 1302)).map(|n| n.id.as_str()).collect();
        let mut t = 0;
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for id in frontier {
                if tier.contains_key(id) {
                    continue;
                }
                tier.insert(id, t);
                next.extend(children.get(id).into_iter().flatten().copied());
            }
            frontier = next;
            t += 1;
        }
        expected.extend(tier.into_iter().map(|(id, t)| (chain.clone(), id.to_string(), t)));
    }
    let mut got: HashSet<(String, String, u32)> = HashSet::new();
    for n in &without.disrupted {
        got.insert((n.chain.clone().unwrap(), n.node.clone(), 0));
    }
    for t in &without.tiers {
        for n in &t.nodes {
            got.insert((n.chain.clone().unwrap(), n.node.clone(), t.tier));
        }
    }
    assert_eq!(got, expected);
}
