use good_lp::{Expression, ProblemVariables, Solution as _, SolverModel, clarabel, variable};
use proptest::prelude::*;

use super::*;
use crate::network::{EdgeSpec, NetworkFile, NodeSpec};

fn node(id: &str, d: f64, s: f64, c: f64, ttr: f64, product: bool) -> NodeSpec {
    NodeSpec {
        id: id.to_string(),
        f: 1.0,
        d,
        s,
        c,
        ttr,
        product,
        inputs: Vec::new(),
        enterprise: None,
        link: None,
        name: None,
        region: None,
    }
}

fn edge(supplier: &str, buyer: &str, input: &str, r: f64) -> EdgeSpec {
    EdgeSpec { supplier: supplier.to_string(), buyer: buyer.to_string(), input: input.to_string(), r }
}

fn net(nodes: Vec<NodeSpec>, edges: Vec<EdgeSpec>) -> Network {
    Network::new(NetworkFile { nodes, edges }).expect("valid test network")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// raw → part → car, 10 cars a day, each stage holding 2 days of throughput (20) at 1.25 × throughput
/// (12.5 a day), all recovering in 10 days.
fn line() -> Network {
    net(
        vec![
            node("raw", 0.0, 20.0, 12.5, 10.0, false),
            node("part", 0.0, 20.0, 12.5, 10.0, false),
            node("car", 10.0, 20.0, 12.5, 10.0, true),
        ],
        vec![edge("raw", "part", "raw", 1.0), edge("part", "car", "part", 1.0)],
    )
}

fn by_id<'a>(n: &Network, e: &'a Exposure, id: &str) -> &'a NodeExposure {
    &e.nodes[n.position(id).expect("node in the network")]
}

#[test]
fn a_line_by_hand() {
    // Over 10 days the car needs 100. Without raw: raw's stock 20 → part makes 20, ships it with its own
    // 20 → the car makes 40 and adds its 20: 60, so 40 lost; the stock lasts 60 / 10 = 6 days. Without the
    // part: its 20 reach the car, 40 in all, 60 lost, 4 days. Without the car: its 20, 80 lost, 2 days.
    let n = line();
    for (threads, whole_only) in [(1, false), (2, false), (3, false), (1, true), (2, true)] {
        let e = exposure(&n, ExposureOptions { threads, whole_only }).expect("solves");
        assert_eq!(e.settled_locally, if whole_only { 0 } else { 3 });
        let raw = by_id(&n, &e, "raw");
        let part = by_id(&n, &e, "part");
        let car = by_id(&n, &e, "car");
        assert!(close(raw.pi, 40.0, 1e-9) && close(part.pi, 60.0, 1e-9) && close(car.pi, 80.0, 1e-9), "{e:?}");
        assert_eq!((raw.baseline, part.baseline, car.baseline), (0.0, 0.0, 0.0));
        assert!(close(raw.tts.expect("finite"), 6.0, 1e-9), "{:?}", raw.tts);
        assert!(close(part.tts.expect("finite"), 4.0, 1e-9), "{:?}", part.tts);
        assert!(close(car.tts.expect("finite"), 2.0, 1e-9), "{:?}", car.tts);
        assert!(close(e.max_pi, 80.0, 1e-9));
        assert!(close(raw.rei, 0.5, 1e-9) && close(part.rei, 0.75, 1e-9) && close(car.rei, 1.0, 1e-9));
        assert!(raw.flagged && part.flagged && car.flagged);
        assert_eq!(e.base_tts, None, "with nobody out the line never runs short");
    }
}

#[test]
fn a_second_supplier_with_room_covers_the_loss() {
    // Two raw suppliers each able to make the whole 10 a day: losing one costs nothing, ever.
    let n = net(
        vec![
            node("raw-a", 0.0, 0.0, 12.5, 10.0, false),
            node("raw-b", 0.0, 0.0, 12.5, 10.0, false),
            node("car", 10.0, 0.0, 12.5, 5.0, true),
        ],
        vec![edge("raw-a", "car", "raw", 1.0), edge("raw-b", "car", "raw", 1.0)],
    );
    let e = exposure(&n, ExposureOptions::default()).expect("solves");
    let a = by_id(&n, &e, "raw-a");
    assert_eq!((a.pi, a.tts, a.flagged), (0.0, None, false));
    let car = by_id(&n, &e, "car");
    assert!(close(car.pi, 50.0, 1e-9) && car.tts == Some(0.0) && car.flagged, "{car:?}");
    assert!(close(a.rei, 0.0, 1e-12));
}

#[test]
fn a_node_without_a_path_to_a_product_costs_nothing() {
    let n = net(
        vec![
            node("raw", 0.0, 0.0, 12.5, 10.0, false),
            node("car", 10.0, 0.0, 12.5, 10.0, true),
            node("scrap", 0.0, 0.0, 5.0, 30.0, false),
            node("scrap-yard", 0.0, 0.0, 5.0, 30.0, false),
        ],
        vec![edge("raw", "car", "raw", 1.0), edge("scrap", "scrap-yard", "scrap", 1.0)],
    );
    let e = exposure(&n, ExposureOptions::default()).expect("solves");
    for id in ["scrap", "scrap-yard"] {
        let x = by_id(&n, &e, id);
        assert_eq!((x.pi, x.rei, x.relevant, x.tts, x.flagged), (0.0, 0.0, false, None, false), "{id}");
    }
    assert_eq!(e.relevant, 2);
    assert!(close(by_id(&n, &e, "raw").pi, 100.0, 1e-9));
}

#[test]
fn a_baseline_loss_is_counted_and_kept_apart() {
    // Capacity short of demand: 8 a day against 10, so 2 a day are lost with nobody out; losing the
    // supplier for 10 days loses the car's whole 100 (no stock anywhere).
    let n = net(
        vec![node("raw", 0.0, 0.0, 8.0, 10.0, false), node("car", 10.0, 0.0, 12.0, 10.0, true)],
        vec![edge("raw", "car", "raw", 1.0)],
    );
    let e = exposure(&n, ExposureOptions::default()).expect("solves");
    let raw = by_id(&n, &e, "raw");
    assert!(close(raw.baseline, 20.0, 1e-9) && close(raw.pi, 100.0, 1e-9), "{raw:?}");
    assert_eq!(e.base_tts, Some(0.0));
}

#[test]
fn the_bom_coefficient_scales_what_an_input_allows() {
    // 4 units of part per car; the part maker's stock of 40 parts makes 10 cars.
    let n = net(
        vec![node("part", 0.0, 40.0, 100.0, 5.0, false), node("car", 10.0, 0.0, 20.0, 5.0, true)],
        vec![edge("part", "car", "part", 4.0)],
    );
    let e = exposure(&n, ExposureOptions::default()).expect("solves");
    let part = by_id(&n, &e, "part");
    assert!(close(part.pi, 40.0, 1e-9), "{part:?}");
    assert!(close(part.tts.expect("finite"), 1.0, 1e-9));
}

#[test]
fn a_disruption_loses_what_the_programme_says() {
    let n = line();
    let raw = n.position("raw").expect("raw");
    let part = n.position("part").expect("part");
    let car = n.position("car").expect("car");
    let l = loss(&n, &[raw], 10.0).expect("solves");
    assert!(close(l.total, 40.0, 1e-9) && close(l.lost[car], 40.0, 1e-9) && l.baseline == 0.0, "{l:?}");
    assert_eq!((l.demand[car], l.demand[raw]), (100.0, 0.0));
    // Stopping raw and part together: only the part's and the car's stocks reach the market.
    let both = loss(&n, &[raw, part], 10.0).expect("solves");
    assert!(close(both.total, 60.0, 1e-9), "{both:?}");
    // A week is covered by less: 70 needed, 60 in stock.
    assert!(close(loss(&n, &[raw], 7.0).expect("solves").total, 10.0, 1e-9));
}

#[test]
fn a_plan_split_by_headroom_lets_the_local_bounds_apply() {
    // The assembler x needs 50 a day from a (capacity 100) or b (capacity 10); y needs 8 a day from b
    // alone. Split by capacity, b is asked 50·10/110 + 8 = 12.5 > 10; by headroom x takes all it needs
    // from a and the plan is steady, so the nodes settle locally (and agree with the whole programme).
    let n = net(
        vec![
            node("a", 0.0, 0.0, 100.0, 10.0, false),
            node("b", 0.0, 5.0, 10.0, 10.0, false),
            node("x", 50.0, 0.0, 60.0, 10.0, true),
            node("y", 8.0, 0.0, 10.0, 10.0, true),
        ],
        vec![edge("a", "x", "m", 1.0), edge("b", "x", "m", 1.0), edge("b", "y", "m", 1.0)],
    );
    let keep = relevant(&n);
    let plan = local::NormalPlan::new(&n, &keep).expect("a steady plan exists");
    assert_ne!(plan.how, "split by capacity");
    let local = exposure(&n, ExposureOptions { threads: 1, whole_only: false }).expect("solves");
    let whole = exposure(&n, ExposureOptions { threads: 1, whole_only: true }).expect("solves");
    assert!(local.settled_locally > 0 && local.plan.is_some(), "{local:?}");
    for (a, b) in local.nodes.iter().zip(&whole.nodes) {
        assert!(close(a.pi, b.pi, 1e-9), "{a:?} vs {b:?}");
        let same = match (a.tts, b.tts) {
            (Some(x), Some(y)) => close(x, y, 1e-9),
            (x, y) => x == y,
        };
        assert!(same, "{a:?} vs {b:?}");
    }
    // Losing b for 10 days: y gets b's 5 in stock and nothing else, 75 of its 80 lost; x has a. Losing a:
    // b makes 100 and holds 5, y takes its 80, x gets the other 25 of its 500: 475 lost.
    assert!(close(by_id(&n, &local, "b").pi, 75.0, 1e-9), "{:?}", by_id(&n, &local, "b"));
    assert!(close(by_id(&n, &local, "a").pi, 475.0, 1e-9), "{:?}", by_id(&n, &local, "a"));
}

/// The programme of the module documentation built afresh from the file with good_lp and solved by
/// Clarabel (interior point): the independent check. `disrupted` makes nothing; `t = None` maximises T.
fn clarabel_programme(file: &NetworkFile, disrupted: Option<&str>, t: Option<f64>) -> f64 {
    let mut vars = ProblemVariables::new();
    let tv = match t {
        Some(t) => vars.add(variable().min(t).max(t)),
        None => vars.add(variable().min(0.0).max(HORIZON_DAYS)),
    };
    let mut objective = Expression::from(0.0);
    let mut constraints = Vec::new();
    let mut u = std::collections::HashMap::new();
    for n in &file.nodes {
        let v = if disrupted == Some(n.id.as_str()) {
            vars.add(variable().min(0.0).max(0.0))
        } else {
            vars.add(variable().min(0.0))
        };
        u.insert(n.id.clone(), v);
        constraints.push((Expression::from(v) - n.c * tv).leq(0.0));
        if n.product && n.d > 0.0 && n.f > 0.0 {
            match t {
                Some(_) => {
                    let l = vars.add(variable().min(0.0));
                    objective += n.f * l;
                    constraints.push((l + v + n.s - n.d * tv).geq(0.0));
                }
                None => constraints.push((v + n.s - n.d * tv).geq(0.0)),
            }
        }
    }
    let mut inputs: std::collections::BTreeMap<(String, String), Expression> = Default::default();
    let mut out: std::collections::BTreeMap<String, Expression> = Default::default();
    for e in &file.edges {
        let y = vars.add(variable().min(0.0));
        *inputs.entry((e.buyer.clone(), e.input.clone())).or_default() += y / e.r;
        *out.entry(e.supplier.clone()).or_default() += y;
    }
    for ((buyer, _), supplied) in inputs {
        constraints.push((Expression::from(u[&buyer]) - supplied).leq(0.0));
    }
    for (supplier, shipped) in out {
        let s = file.nodes.iter().find(|n| n.id == supplier).expect("known").s;
        constraints.push((shipped - u[&supplier]).leq(s));
    }
    let problem = match t {
        Some(_) => vars.minimise(objective.clone()),
        None => vars.maximise(Expression::from(tv)),
    };
    let mut model = problem.using(clarabel);
    model.settings().tol_gap_abs(1e-10).tol_gap_rel(1e-10).tol_feas(1e-10).max_iter(500);
    for c in constraints {
        model = model.with(c);
    }
    let sol = model.solve().expect("clarabel solves the programme");
    match t {
        Some(_) => sol.eval(&objective),
        None => sol.value(tv),
    }
}

/// A random acyclic network: node j's inputs come from nodes before it, 1–3 alternative suppliers each,
/// products the nodes nobody buys from (and now and then another).
fn arb_network() -> impl Strategy<Value = NetworkFile> {
    (3usize..9).prop_flat_map(|n| {
        let nodes = proptest::collection::vec((0.0f64..20.0, 0.0f64..30.0, 0.0f64..25.0, 1u8..12, 0u8..10), n);
        let inputs = proptest::collection::vec(
            proptest::collection::vec((proptest::collection::vec(0usize..1000, 1..4), 0u8..3), 0..3),
            n,
        );
        (nodes, inputs).prop_map(move |(nodes, inputs)| {
            let mut edges = Vec::new();
            for (j, list) in inputs.iter().enumerate().skip(1) {
                for (k, (suppliers, r)) in list.iter().enumerate() {
                    let mut seen = Vec::new();
                    for s in suppliers {
                        let i = s % j;
                        if !seen.contains(&i) {
                            seen.push(i);
                            let r = [1.0, 0.5, 2.0][*r as usize];
                            edges.push(edge(&format!("n{i}"), &format!("n{j}"), &format!("k{k}"), r));
                        }
                    }
                }
            }
            let supplies: Vec<bool> = (0..n).map(|i| edges.iter().any(|e| e.supplier == format!("n{i}"))).collect();
            let nodes = nodes
                .iter()
                .enumerate()
                .map(|(i, &(d, s, c, ttr, p))| {
                    let product = !supplies[i] || p == 0;
                    node(&format!("n{i}"), if product { d } else { 0.0 }, s, c, f64::from(ttr), product)
                })
                .collect();
            NetworkFile { nodes, edges }
        })
    })
}

/// A random network whose capacities cover what the normal plan asks of them, 0–60% more (so that the
/// local bounds apply), found by raising capacities until the plan is feasible.
fn arb_roomy_network() -> impl Strategy<Value = NetworkFile> {
    (arb_network(), proptest::collection::vec(0.0f64..0.6, 9)).prop_map(|(mut file, extra)| {
        for _ in 0..50 {
            let n = Network::new(file.clone()).expect("valid");
            let keep = relevant(&n);
            if local::NormalPlan::new(&n, &keep).is_some() {
                break;
            }
            let theta = crate::scenario::throughputs(
                &Network::new(NetworkFile {
                    nodes: file.nodes.iter().map(|x| NodeSpec { c: 1e12, ..x.clone() }).collect(),
                    edges: file.edges.clone(),
                })
                .expect("valid"),
            );
            for (i, node) in file.nodes.iter_mut().enumerate() {
                node.c = node.c.max(theta[i] * (1.0 + extra[i % extra.len()]) * 1.05);
            }
        }
        file
    })
}

/// An input of a generated node: its suppliers, r, and the shares of its need they normally cover.
type GenInput = (Vec<usize>, f64, Vec<f64>);

/// A network like `benchmarks/risk/gen_network.py`'s, small: tiers of sites (tier 0 the products), each
/// site's 1–3 inputs each with 1–3 alternative suppliers in the next tier (now and then the one after),
/// r in {0.5, 1, 2}; a steady plan by random shares, capacity 1.1–1.6 × its throughput, stock 0–10 days
/// of it, TTR 1–60 days.
fn arb_generated_network() -> impl Strategy<Value = NetworkFile> {
    let tiers = proptest::collection::vec(2usize..5, 3..5);
    (tiers, proptest::collection::vec(0u32..1_000_000, 400)).prop_map(|(sizes, rnd)| {
        let mut next = rnd.into_iter().cycle();
        let mut pick = move |n: u32| next.next().map_or(0, |x| x % n.max(1));
        let mut tier_of = Vec::new();
        for (t, &k) in sizes.iter().enumerate() {
            tier_of.extend(std::iter::repeat_n(t, k));
        }
        let count = tier_of.len();
        let first: Vec<usize> = (0..sizes.len()).map(|t| tier_of.iter().position(|&x| x == t).unwrap_or(0)).collect();
        let mut inputs: Vec<Vec<GenInput>> = vec![Vec::new(); count];
        for j in 0..count {
            let t = tier_of[j];
            if t + 1 >= sizes.len() {
                continue;
            }
            for _ in 0..1 + pick(3) {
                let src = if t + 2 < sizes.len() && pick(5) == 0 { t + 2 } else { t + 1 };
                let mut sup = Vec::new();
                for _ in 0..1 + pick(3) {
                    let s = first[src] + pick(sizes[src] as u32) as usize;
                    if !sup.contains(&s) {
                        sup.push(s);
                    }
                }
                let r = [0.5, 1.0, 1.0, 2.0][pick(4) as usize];
                let w: Vec<f64> = sup.iter().map(|_| 1.0 + f64::from(pick(9))).collect();
                let total: f64 = w.iter().sum();
                inputs[j].push((sup, r, w.iter().map(|x| x / total).collect()));
            }
        }
        let mut theta: Vec<f64> =
            (0..count).map(|j| if tier_of[j] == 0 { f64::from(5 + pick(46)) } else { 0.0 }).collect();
        for j in 0..count {
            for (sup, r, shares) in &inputs[j] {
                for (s, share) in sup.iter().zip(shares) {
                    theta[*s] += theta[j] * share * r;
                }
            }
        }
        let nodes = (0..count)
            .map(|j| {
                let product = tier_of[j] == 0;
                let c = (theta[j] * (1.1 + f64::from(pick(51)) / 100.0)).max(1.0);
                let s = theta[j] * f64::from(pick(11));
                let mut x = node(
                    &format!("n{j}"),
                    if product { theta[j] } else { 0.0 },
                    s,
                    c,
                    f64::from(1 + pick(60)),
                    product,
                );
                x.f = f64::from(1 + pick(10));
                x
            })
            .collect();
        let mut edges = Vec::new();
        for (j, list) in inputs.iter().enumerate() {
            for (k, (sup, r, _)) in list.iter().enumerate() {
                for s in sup {
                    edges.push(edge(&format!("n{s}"), &format!("n{j}"), &format!("k{k}"), *r));
                }
            }
        }
        NetworkFile { nodes, edges }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// On generator-like networks (a steady plan exists by construction, usually not the split by
    /// capacity): every node's PI and TTS from the local bounds (extensions, middle programmes,
    /// restrictions) equal the whole programme's and, for PI and TTS, the interior-point solver's.
    #[test]
    fn generated_networks_agree_local_whole_and_clarabel(file in arb_generated_network()) {
        let n = Network::new(file.clone()).expect("valid");
        let keep = relevant(&n);
        prop_assert!(local::NormalPlan::new(&n, &keep).is_some(), "a steady plan exists by construction");
        let local = exposure(&n, ExposureOptions { threads: 2, whole_only: false }).expect("solves");
        let whole = exposure(&n, ExposureOptions { threads: 1, whole_only: true }).expect("solves");
        prop_assert!(local.relevant == 0 || local.settled_locally > 0);
        for (a, b) in local.nodes.iter().zip(&whole.nodes) {
            let spec = &file.nodes[a.node];
            prop_assert!(close(a.pi, b.pi, 1e-7), "{}: local {} vs whole {}", spec.id, a.pi, b.pi);
            prop_assert!(match (a.tts, b.tts) { (Some(x), Some(y)) => close(x, y, 1e-7), (x, y) => x == y }, "{}: {a:?} vs {b:?}", spec.id);
            let pi = clarabel_programme(&file, Some(&spec.id), Some(spec.ttr));
            prop_assert!(close(a.pi, pi, 1e-6), "{}: PI {} vs clarabel {}", spec.id, a.pi, pi);
            let tts = clarabel_programme(&file, Some(&spec.id), None);
            match a.tts {
                Some(t) => prop_assert!(close(t, tts, 1e-6), "{}: TTS {} vs clarabel {}", spec.id, t, tts),
                None => prop_assert!(tts > HORIZON_DAYS * (1.0 - 1e-6), "{}: TTS never vs clarabel {}", spec.id, tts),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Where the normal plan is feasible, the local bounds settle nodes, and what they settle equals the
    /// whole programme's answer and the interior-point solver's.
    #[test]
    fn local_bounds_agree_with_the_whole_programme(file in arb_roomy_network()) {
        let n = Network::new(file.clone()).expect("valid");
        let keep = relevant(&n);
        prop_assume!(local::NormalPlan::new(&n, &keep).is_some());
        let local = exposure(&n, ExposureOptions { threads: 2, whole_only: false }).expect("solves");
        let whole = exposure(&n, ExposureOptions { threads: 2, whole_only: true }).expect("solves");
        prop_assert!(local.relevant == 0 || local.settled_locally > 0);
        for (a, b) in local.nodes.iter().zip(&whole.nodes) {
            let spec = &file.nodes[a.node];
            prop_assert!(close(a.pi, b.pi, 1e-7), "{}: local {} vs whole {}", spec.id, a.pi, b.pi);
            prop_assert!(match (a.tts, b.tts) { (Some(x), Some(y)) => close(x, y, 1e-7), (x, y) => x == y }, "{}: {a:?} vs {b:?}", spec.id);
            let pi = clarabel_programme(&file, Some(&spec.id), Some(spec.ttr));
            prop_assert!(close(a.pi, pi, 1e-6), "{}: PI {} vs clarabel {}", spec.id, a.pi, pi);
            prop_assert_eq!(a.baseline, 0.0);
        }
    }

    /// PI, baseline and TTS of every node equal a second solver's on the programme built afresh.
    #[test]
    fn every_node_agrees_with_an_interior_point_solver(file in arb_network()) {
        let n = Network::new(file.clone()).expect("valid");
        let e = exposure(&n, ExposureOptions { threads: 2, whole_only: false }).expect("solves");
        for x in &e.nodes {
            let spec = &file.nodes[x.node];
            let pi = clarabel_programme(&file, Some(&spec.id), Some(spec.ttr));
            prop_assert!(close(x.pi, pi, 1e-6), "{}: PI {} vs clarabel {}", spec.id, x.pi, pi);
            let baseline = clarabel_programme(&file, None, Some(spec.ttr));
            prop_assert!(close(x.baseline, baseline, 1e-6), "{}: baseline {} vs {}", spec.id, x.baseline, baseline);
            let tts = clarabel_programme(&file, Some(&spec.id), None);
            match x.tts {
                Some(t) => prop_assert!(close(t, tts, 1e-6), "{}: TTS {} vs clarabel {}", spec.id, t, tts),
                None => prop_assert!(tts > HORIZON_DAYS * (1.0 - 1e-6), "{}: TTS never vs clarabel {}", spec.id, tts),
            }
            prop_assert!(x.rei >= 0.0 && x.rei <= 1.0 + 1e-12);
            prop_assert!(x.pi >= x.baseline);
        }
    }

    /// One thread or several: the same answers.
    #[test]
    fn threads_do_not_change_the_answer(file in arb_network()) {
        let n = Network::new(file).expect("valid");
        let one = exposure(&n, ExposureOptions { threads: 1, whole_only: false }).expect("solves");
        let three = exposure(&n, ExposureOptions { threads: 3, whole_only: true }).expect("solves");
        for (a, b) in one.nodes.iter().zip(&three.nodes) {
            prop_assert!(close(a.pi, b.pi, 1e-9) && close(a.baseline, b.baseline, 1e-9), "{a:?} vs {b:?}");
            prop_assert!(match (a.tts, b.tts) { (Some(x), Some(y)) => close(x, y, 1e-9), (x, y) => x == y }, "{a:?} vs {b:?}");
        }
    }

    /// An alternative supplier added to some input never raises any node's PI, and a node's PI is the
    /// disruption programme's loss for that node alone.
    #[test]
    fn an_alternative_supplier_never_raises_pi(file in arb_network(), pick in 0usize..1000, c in 0.0f64..30.0) {
        let n = Network::new(file.clone()).expect("valid");
        let before = exposure(&n, ExposureOptions::default()).expect("solves");
        for x in before.nodes.iter().step_by(3) {
            let l = loss(&n, &[x.node], x.ttr).expect("solves");
            prop_assert!(close(l.total, x.pi, 1e-7), "{}: loss {} vs PI {}", x.node, l.total, x.pi);
        }
        let Some(target) = file.edges.get(pick % file.edges.len().max(1)).cloned() else { return Ok(()) };
        let mut more = file.clone();
        let mut extra = node("extra", 0.0, 5.0, c, 1.0, false);
        extra.product = false;
        more.nodes.push(extra);
        more.edges.push(EdgeSpec { supplier: "extra".to_string(), ..target });
        let m = Network::new(more).expect("still valid");
        let after = exposure(&m, ExposureOptions::default()).expect("solves");
        for (a, b) in before.nodes.iter().zip(&after.nodes) {
            prop_assert!(b.pi <= a.pi + 1e-7 * a.pi.max(1.0), "node {}: {} → {}", a.node, a.pi, b.pi);
        }
    }
}
