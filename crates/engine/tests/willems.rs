//! Willems' chains: all of them import in one transaction and give valid risk networks; throughput checked
//! by hand and by counting paths; bad rows named; a failed import changes nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use chaindock_engine::import::SourceFile;
use chaindock_engine::risk::{chain_network, node_id};
use chaindock_engine::willems::{self, WillemsChain};
use chaindock_model::ChainId;
use chaindock_risk::Network;
use chaindock_store::Store;
use chaindock_store_sqlite::SqliteStore;

fn data_file(name: &str) -> SourceFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/willems").join(name);
    SourceFile { name: name.into(), bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) }
}

fn text(name: &str, s: &str) -> SourceFile {
    SourceFile { name: name.into(), bytes: s.as_bytes().to_vec() }
}

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("w.db")).await.unwrap();
    (store, dir)
}

fn read_all() -> Vec<WillemsChain> {
    willems::read(&data_file("stages.csv"), &data_file("arcs.csv"), None).unwrap_or_else(|e| panic!("{e:?}"))
}

#[tokio::test]
async fn every_chain_imports_and_gives_a_valid_network() {
    let chains = read_all();
    let numbers: Vec<&str> = chains.iter().map(|c| c.number.as_str()).collect();
    let expected: Vec<String> = (0..=38).map(|n| format!("{n:02}")).collect();
    assert_eq!(numbers, expected);
    let (store, _dir) = fresh().await;
    willems::import(&store, &chains).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.chains, stats.enterprises), (39, 39));
    assert_eq!(stats.producers, 15_877);
    let mut largest = 0;
    for c in &chains {
        let built = chain_network(&store, &c.id()).await.unwrap();
        assert!(built.outside.is_empty() && built.warnings().is_empty(), "{}: {:?}", c.id(), built.warnings());
        let net = Network::new(built.network.clone()).unwrap_or_else(|e| panic!("{}: {e}", c.id()));
        assert_eq!(net.len(), c.stages.len());
        assert_eq!(built.network.edges.len(), c.arcs.len(), "{}: one edge per arc", c.id());
        largest = largest.max(net.len());
        // Every node carries the mapping's parameters.
        let code = c.credit_code();
        for (s, &thr) in c.stages.iter().zip(&c.throughput) {
            let n = &net.nodes[net.position(&node_id(code.as_str(), s.link.as_str())).unwrap()].spec;
            assert_eq!(n.product, s.avg_demand.is_some(), "{}", n.id);
            assert_eq!(n.d, s.avg_demand.unwrap_or(0.0), "{}", n.id);
            assert!((n.c - 1.25 * thr).abs() <= 1e-9 * thr.max(1.0), "{}", n.id);
            assert!((n.s - 2.0 * thr).abs() <= 1e-9 * thr.max(1.0), "{}", n.id);
            assert_eq!(n.ttr, s.stage_time.max(1.0), "{}", n.id);
            assert_eq!(n.f, 1.0);
        }
    }
    assert_eq!(largest, 2025);
    assert_eq!(chain_network(&store, &ChainId::parse("willems-38").unwrap()).await.unwrap().network.nodes.len(), 2025);
    // Importing again changes nothing.
    willems::import(&store, &chains).await.unwrap();
    assert_eq!(store.stats().await.unwrap(), stats);
}

#[tokio::test]
async fn chain_01_by_hand() {
    // Chain 01: Retail_0001, _0002, _0003 face demands of 253, 45 and 75 a day; Manuf_0001 feeds Retail_0001
    // and _0002, Manuf_0002 feeds _0002 and _0003; each Part feeds both Manufs. Throughput: Manuf_0001 =
    // 253 + 45 = 298, Manuf_0002 = 45 + 75 = 120, every Part = 298 + 120 = 418.
    let chains = willems::read(&data_file("stages.csv"), &data_file("arcs.csv"), Some("1")).unwrap();
    assert_eq!(chains.len(), 1);
    let c = &chains[0];
    assert_eq!(c.id().as_str(), "willems-01");
    let thr = |s: &str| c.stage(s).unwrap().1;
    for (stage, want) in [
        ("Retail_0001", 253.0),
        ("Retail_0002", 45.0),
        ("Retail_0003", 75.0),
        ("Manuf_0001", 298.0),
        ("Manuf_0002", 120.0),
        ("Part_0001", 418.0),
        ("Part_0003", 418.0),
    ] {
        assert_eq!(thr(stage), want, "{stage}");
    }
    let (store, _dir) = fresh().await;
    willems::import(&store, &chains).await.unwrap();
    let net = chain_network(&store, &c.id()).await.unwrap().network;
    let node = |stage: &str| {
        let id = node_id(c.credit_code().as_str(), &stage.to_ascii_lowercase());
        net.nodes.iter().find(|n| n.id == id).unwrap().clone()
    };
    let part = node("Part_0001");
    // Part_0001: stage time 28 days; Retail_0001: stage time 0, so TTR 1.
    assert_eq!((part.c, part.s, part.ttr, part.d, part.product), (522.5, 836.0, 28.0, 0.0, false));
    let retail = node("Retail_0001");
    assert_eq!((retail.c, retail.s, retail.ttr, retail.d, retail.product), (316.25, 506.0, 1.0, 253.0, true));
    // Retail_0002 has two inputs, one per Manuf, each with one supplier.
    let r2 = &node("Retail_0002").id;
    let mut inputs: Vec<(&str, &str)> =
        net.edges.iter().filter(|e| &e.buyer == r2).map(|e| (e.input.as_str(), e.supplier.as_str())).collect();
    inputs.sort();
    let m = |s: &str| node_id(c.credit_code().as_str(), s);
    assert_eq!(inputs, vec![("manuf_0001", m("manuf_0001").as_str()), ("manuf_0002", m("manuf_0002").as_str())]);
}

/// Throughput counted independently: the sum over demand stages t of avgDemand(t) times the number of
/// paths from the stage to t, by plain depth-first enumeration over a second, naive reading of the files.
#[test]
fn throughput_equals_demand_times_paths() {
    let stages = String::from_utf8(data_file("stages.csv").bytes).unwrap();
    let arcs = String::from_utf8(data_file("arcs.csv").bytes).unwrap();
    let chains = read_all();
    for c in chains.iter().filter(|c| c.stages.len() <= 60) {
        let mut demand: HashMap<&str, f64> = HashMap::new();
        for line in stages.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[0] == c.number && !cells[5].is_empty() {
                demand.insert(cells[1], cells[5].parse().unwrap());
            }
        }
        let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
        for line in arcs.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells[0] == c.number {
                out.entry(cells[1]).or_default().push(cells[2]);
            }
        }
        fn walk(v: &str, out: &HashMap<&str, Vec<&str>>, demand: &HashMap<&str, f64>) -> f64 {
            demand.get(v).copied().unwrap_or(0.0)
                + out.get(v).map_or(0.0, |w| w.iter().map(|w| walk(w, out, demand)).sum())
        }
        for s in &c.stages {
            let want = walk(&s.name, &out, &demand);
            let got = c.stage(&s.name).unwrap().1;
            assert!((got - want).abs() <= 1e-9 * want.max(1.0), "chain {} stage {}: {got} vs {want}", c.number, s.name);
        }
    }
}

const STAGES: &str = "chain,Stage Name,stageCost,relDepth,stageClassification,avgDemand,stdDevDemand,maxServiceTime,serviceLevel,stageTime\n\
    90,Part_0001,1,2,Parts,,,,,5\n\
    90,Manuf_0001,1,1,Manuf,,,,,3\n\
    90,Retail_0001,0,0,Retail,10,,,,0\n";
const ARCS: &str = "chain,sourceStage,destinationStage\n90,Part_0001,Manuf_0001\n90,Manuf_0001,Retail_0001\n";

#[test]
fn labels_vary_and_empty_demand_cells_are_not_products() {
    let chains = willems::read(&text("stages.csv", STAGES), &text("arcs.csv", ARCS), None).unwrap();
    let c = &chains[0];
    assert_eq!(
        c.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Part_0001", "Manuf_0001", "Retail_0001"]
    );
    assert_eq!(c.stage("Part_0001").unwrap().0.class, willems::StageClass::Part);
    assert_eq!(c.stage("Part_0001").unwrap().1, 10.0);
    assert_eq!(c.stage("Manuf_0001").unwrap().0.avg_demand, None);
}

#[test]
fn bad_rows_are_named() {
    let check = |stages: &str, arcs: &str, want: &[(&str, usize, &str, &str)]| {
        let errors = willems::read(&text("stages.csv", stages), &text("arcs.csv", arcs), None).unwrap_err();
        let got: Vec<(&str, usize, &str)> =
            errors.iter().map(|e| (e.file.as_str(), e.row.unwrap(), e.column.as_deref().unwrap_or(""))).collect();
        let want_keys: Vec<(&str, usize, &str)> = want.iter().map(|w| (w.0, w.1, w.2)).collect();
        assert_eq!(got, want_keys, "{errors:#?}");
        for (e, w) in errors.iter().zip(want) {
            assert!(e.reason.contains(w.3), "{e}");
        }
    };
    let header = "chain,Stage Name,stageClassification,avgDemand,stageTime\n";
    check(
        &format!(
            "{header}90,Part_0001,Part,,\n90,Manuf_0001,Widget,,3\n90,Retail_0001,Retail,lots,0\n90,,Retail,1,0\n\
             90,Retail_0002,Retail,-4,0\n90,Part_0001,Part,,2\nx1,Part_0009,Part,,1\n90,Bad Name,Part,,1\n"
        ),
        "chain,sourceStage,destinationStage\n90,Part_0001,Manuf_0001\n90,Part_0404,Retail_0001\n",
        &[
            ("stages.csv", 2, "stageTime", "empty"),
            ("stages.csv", 3, "stageClassification", "unknown classification"),
            ("stages.csv", 4, "avgDemand", "not a number"),
            ("stages.csv", 5, "Stage Name", "no name"),
            ("stages.csv", 6, "avgDemand", "≥ 0"),
            ("stages.csv", 7, "Stage Name", "first at row 2"),
            ("stages.csv", 8, "chain", "number"),
            ("stages.csv", 9, "Stage Name", "link id"),
            ("arcs.csv", 3, "sourceStage", "no stage Part_0404"),
        ],
    );
    // A repeated arc, an arc to itself, and a cycle (named at a stage's row).
    check(
        STAGES,
        "chain,sourceStage,destinationStage\n90,Part_0001,Manuf_0001\n90,Manuf_0001,Retail_0001\n\
         90,Part_0001,Manuf_0001\n90,Manuf_0001,Manuf_0001\n90,Retail_0001,Part_0001\n",
        &[
            ("arcs.csv", 5, "destinationStage", "itself"),
            ("arcs.csv", 4, "destinationStage", "appears twice (first at row 2)"),
            ("stages.csv", 2, "Stage Name", "cycle"),
        ],
    );
    // A missing column, and a chain asked for that the file lacks.
    let errors = willems::read(&text("s.csv", "chain,Stage Name\n90,A\n"), &text("a.csv", ARCS), None).unwrap_err();
    assert!(errors[0].reason.contains("stageClassification, avgDemand, stageTime"), "{errors:?}");
    let errors = willems::read(&text("s.csv", STAGES), &text("a.csv", ARCS), Some("12")).unwrap_err();
    assert!(errors[0].reason.contains("chain 12 is not in the file"), "{errors:?}");
}

#[tokio::test]
async fn a_failed_import_changes_nothing() {
    let (store, _dir) = fresh().await;
    let one = willems::read(&data_file("stages.csv"), &data_file("arcs.csv"), Some("01")).unwrap();
    willems::import(&store, &one).await.unwrap();
    let stats = store.stats().await.unwrap();
    let id = one[0].id();
    let network = chain_network(&store, &id).await.unwrap();

    // Bad rows: nothing reaches the store.
    let bad = String::from_utf8(data_file("stages.csv").bytes).unwrap().replacen(
        "01,Part_0003,9,2,Part,,,,,10,",
        "01,Part_0003,9,2,Part,,,,,ten,",
        1,
    );
    let errors = willems::read(&text("stages.csv", &bad), &data_file("arcs.csv"), None).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].row, errors[0].column.as_deref(), errors[0].value.as_deref()),
        (Some(11), Some("stageTime"), Some("ten"))
    );

    // The store refuses the write (chain 01 would lose a stage its producer still makes): chain 02, written
    // earlier in the same transaction, is not there either.
    let mut changed = willems::read(&data_file("stages.csv"), &data_file("arcs.csv"), Some("02")).unwrap();
    let mut shrunk = one[0].clone();
    let gone = shrunk.stages.iter().position(|s| s.name == "Part_0003").unwrap();
    shrunk.stages.remove(gone);
    shrunk.throughput.remove(gone);
    shrunk.arcs = shrunk
        .arcs
        .iter()
        .filter(|&&(a, b)| a != gone && b != gone)
        .map(|&(a, b)| (a - usize::from(a > gone), b - usize::from(b > gone)))
        .collect();
    changed.push(shrunk);
    willems::import(&store, &changed).await.expect_err("a stage in use");
    assert_eq!(store.stats().await.unwrap(), stats);
    assert!(store.chain(&changed[0].id()).await.is_err());
    assert_eq!(chain_network(&store, &id).await.unwrap(), network);
}
