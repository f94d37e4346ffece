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
