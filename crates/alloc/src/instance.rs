//! The instance: what is asked, who can supply it at what cost, and what each supplier can carry.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::AllocError;

/// The largest quantity, bound or limit accepted: 2⁵³, the largest integer up to which every integer is an
/// `f64`, so that the solvers (which compute in `f64`) see the instance exactly.
pub const MAX_QUANTITY: u64 = 1 << 53;

/// One allocation problem, in the form `chaindock allocate --export-instance` writes so that anyone can
/// re-solve it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub demands: Vec<Demand>,
    pub arcs: Vec<Arc>,
    /// Capacity limits; absent in the JSON means none.
    #[serde(default)]
    pub limits: Vec<Limit>,
}

/// A quantity to be supplied, and what each unit left unsupplied costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    pub id: String,
    pub quantity: u64,
    pub unmet_penalty: f64,
}

/// A supplier that may supply a demand: at `unit_cost` per unit, at most `max_quantity` units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arc {
    pub demand: String,
    pub supplier: String,
    pub unit_cost: f64,
    pub max_quantity: u64,
}

/// What a supplier can deliver in all, over its arcs to the listed demands (for example its free capacity up
/// to a due date, over the demands due by then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    pub supplier: String,
    pub demands: Vec<String>,
    pub limit: u64,
}

impl Instance {
    /// Checks that the instance means something: demand ids unique and not blank; every arc and limit naming a
    /// known demand; one arc at most per (demand, supplier); costs and penalties finite and not negative; no
    /// limit listing a demand twice; quantities at most [`MAX_QUANTITY`]. The error names the first offender.
    pub fn validate(&self) -> Result<(), AllocError> {
        let mut ids: HashSet<&str> = HashSet::with_capacity(self.demands.len());
        for demand in &self.demands {
            if demand.id.trim().is_empty() {
                return Err(AllocError::BlankId { what: "a demand".into() });
            }
            if !ids.insert(&demand.id) {
                return Err(AllocError::DuplicateDemand { id: demand.id.clone() });
            }
            if !(demand.unmet_penalty.is_finite() && demand.unmet_penalty >= 0.0) {
                return Err(AllocError::BadPenalty { demand: demand.id.clone(), value: demand.unmet_penalty });
            }
            check_size(demand.quantity, || format!("the quantity of demand {:?}", demand.id))?;
        }

        let mut arcs: HashMap<(&str, &str), usize> = HashMap::with_capacity(self.arcs.len());
        for (index, arc) in self.arcs.iter().enumerate() {
            if !ids.contains(arc.demand.as_str()) {
                return Err(AllocError::UnknownDemandInArc {
                    arc: index,
                    demand: arc.demand.clone(),
                    supplier: arc.supplier.clone(),
                });
            }
            if arc.supplier.trim().is_empty() {
                return Err(AllocError::BlankId { what: format!("the supplier of arc {index}") });
            }
            if let Some(&first) = arcs.get(&(arc.demand.as_str(), arc.supplier.as_str())) {
                return Err(AllocError::DuplicateArc {
                    first,
                    second: index,
                    demand: arc.demand.clone(),
                    supplier: arc.supplier.clone(),
                });
            }
            arcs.insert((&arc.demand, &arc.supplier), index);
            if !(arc.unit_cost.is_finite() && arc.unit_cost >= 0.0) {
                return Err(AllocError::BadCost {
                    arc: index,
                    demand: arc.demand.clone(),
                    supplier: arc.supplier.clone(),
                    value: arc.unit_cost,
                });
            }
            check_size(arc.max_quantity, || {
                format!("the max_quantity of arc {index} ({} → {})", arc.supplier, arc.demand)
            })?;
        }

        for (index, limit) in self.limits.iter().enumerate() {
            if limit.supplier.trim().is_empty() {
                return Err(AllocError::BlankId { what: format!("the supplier of limit {index}") });
            }
            let mut listed: HashSet<&str> = HashSet::with_capacity(limit.demands.len());
            for demand in &limit.demands {
                if !ids.contains(demand.as_str()) {
                    return Err(AllocError::UnknownDemandInLimit {
                        limit: index,
                        supplier: limit.supplier.clone(),
                        demand: demand.clone(),
                    });
                }
                if !listed.insert(demand) {
                    return Err(AllocError::RepeatedDemandInLimit {
                        limit: index,
                        supplier: limit.supplier.clone(),
                        demand: demand.clone(),
                    });
                }
            }
            check_size(limit.limit, || format!("limit {index} of supplier {:?}", limit.supplier))?;
        }
        Ok(())
    }
}

fn check_size(value: u64, what: impl FnOnce() -> String) -> Result<(), AllocError> {
    if value > MAX_QUANTITY { Err(AllocError::TooLarge { what: what(), value }) } else { Ok(()) }
}

/// A validated instance in numbers: demands, arcs and limits by index, what every solver here starts from.
#[derive(Debug)]
pub(crate) struct Indexed {
    /// Per demand, its quantity.
    pub quantity: Vec<u64>,
    /// Per arc, its demand's index.
    pub arc_demand: Vec<usize>,
    /// Per arc, its supplier's index.
    pub arc_supplier: Vec<usize>,
    /// Per arc, the most it can carry: `min(max_quantity, quantity of its demand)`, which the demand's balance
    /// implies anyway.
    pub bound: Vec<u64>,
    /// Number of distinct suppliers (of arcs and limits).
    pub suppliers: usize,
    /// Per limit, its supplier's index.
    pub limit_supplier: Vec<usize>,
    /// Per limit, the arcs it covers (its supplier's arcs to the listed demands), ascending.
    pub limit_arcs: Vec<Vec<usize>>,
}

impl Indexed {
    /// Indexes an instance that [`Instance::validate`] accepted.
    pub fn new(instance: &Instance) -> Self {
        let demand_index: HashMap<&str, usize> =
            instance.demands.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
        let mut supplier_index: HashMap<&str, usize> = HashMap::new();
        let quantity: Vec<u64> = instance.demands.iter().map(|d| d.quantity).collect();
        let mut arc_demand = Vec::with_capacity(instance.arcs.len());
        let mut arc_supplier = Vec::with_capacity(instance.arcs.len());
        let mut bound = Vec::with_capacity(instance.arcs.len());
        for arc in &instance.arcs {
            // Validation established that every arc names a known demand.
            let d = demand_index[arc.demand.as_str()];
            arc_demand.push(d);
            arc_supplier.push(intern(&mut supplier_index, &arc.supplier));
            bound.push(arc.max_quantity.min(quantity[d]));
        }
        let limit_supplier: Vec<usize> =
            instance.limits.iter().map(|l| intern(&mut supplier_index, &l.supplier)).collect();
        let suppliers = supplier_index.len();

        let arc_by_pair: HashMap<(usize, usize), usize> =
            (0..arc_demand.len()).map(|a| ((arc_supplier[a], arc_demand[a]), a)).collect();
        let limit_arcs = instance
            .limits
            .iter()
            .zip(&limit_supplier)
            .map(|(limit, &s)| {
                let mut arcs: Vec<usize> = limit
                    .demands
                    .iter()
                    .filter_map(|d| arc_by_pair.get(&(s, demand_index[d.as_str()])).copied())
                    .collect();
                arcs.sort_unstable();
                arcs
            })
            .collect();
        Self { quantity, arc_demand, arc_supplier, bound, suppliers, limit_supplier, limit_arcs }
    }
}

/// The index of a name, numbering names in order of first appearance.
fn intern<'a>(index: &mut HashMap<&'a str, usize>, name: &'a str) -> usize {
    let next = index.len();
    *index.entry(name).or_insert(next)
}

/// The limits of an instance arranged as a forest, when they are laminar (see [`Indexed::laminar`]).
#[derive(Debug)]
pub(crate) struct Forest {
    /// Per limit, the smallest other limit containing its arcs (the latest in the processing order, when two
    /// cover the same arcs), or `None` when no other does.
    pub parent: Vec<Option<usize>>,
    /// Per arc, the smallest limit covering it, or `None` when none does.
    pub arc_owner: Vec<Option<usize>>,
}

impl Indexed {
    /// The limits as a forest when they are **laminar**: any two limits' arc sets are disjoint or one contains
    /// the other. Limits of different suppliers never share an arc, so this asks, supplier by supplier, whether
    /// its limits are nested or disjoint (as "capacity up to each due date" limits are: the demands due by one
    /// date contain those due by an earlier one). `None` when they are not.
    ///
    /// Limits are taken by decreasing size; each arc remembers the last limit taken that covers it (its owner
    /// so far). A new limit is laminar with those taken before it exactly when all its arcs have the same owner,
    /// which then is its parent: by induction the limits taken so far are laminar, so those covering an arc
    /// form a chain whose last member is the smallest; if two arcs of the new limit had different owners, one
    /// owner would hold one arc but not the other and so cross the new limit. O(Σ|limit| + k log k).
    pub fn laminar(&self) -> Option<Forest> {
        let mut order: Vec<usize> = (0..self.limit_arcs.len()).collect();
        order.sort_by_key(|&l| std::cmp::Reverse(self.limit_arcs[l].len()));
        let mut arc_owner: Vec<Option<usize>> = vec![None; self.arc_demand.len()];
        let mut parent = vec![None; self.limit_arcs.len()];
        for l in order {
            let arcs = &self.limit_arcs[l];
            let Some(&first) = arcs.first() else { continue };
            let owner = arc_owner[first];
            if arcs.iter().any(|&a| arc_owner[a] != owner) {
                return None;
            }
            parent[l] = owner;
            for &a in arcs {
                arc_owner[a] = Some(l);
            }
        }
        Some(Forest { parent, arc_owner })
    }
}

/// A compact way to write instances in tests: demands `(id, quantity, penalty)`, arcs `(demand, supplier, cost,
/// max)`, limits `(supplier, demands, limit)`.
#[cfg(test)]
pub(crate) fn build(
    demands: &[(&str, u64, f64)],
    arcs: &[(&str, &str, f64, u64)],
    limits: &[(&str, &[&str], u64)],
) -> Instance {
    Instance {
        demands: demands
            .iter()
            .map(|&(id, quantity, unmet_penalty)| Demand { id: id.into(), quantity, unmet_penalty })
            .collect(),
        arcs: arcs
            .iter()
            .map(|&(demand, supplier, unit_cost, max_quantity)| Arc {
                demand: demand.into(),
                supplier: supplier.into(),
                unit_cost,
                max_quantity,
            })
            .collect(),
        limits: limits
            .iter()
            .map(|&(supplier, demands, limit)| Limit {
                supplier: supplier.into(),
                demands: demands.iter().map(|&d| d.into()).collect(),
                limit,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validation of `instance` fails with a message containing `expected`, or passes when it is `None`.
    #[track_caller]
    fn check(instance: Instance, expected: Option<&str>) {
        match (instance.validate(), expected) {
            (Ok(()), None) => {}
            (Err(e), Some(expected)) => {
                assert!(e.to_string().contains(expected), "{e:?} does not say {expected:?}")
            }
            (result, expected) => panic!("validation gave {result:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn validation_names_the_offender() {
        let a = ("A", 10, 5.0);
        check(build(&[a], &[("A", "s", 1.0, 3)], &[("s", &["A"], 2)]), None);
        check(build(&[], &[], &[]), None);
        check(build(&[a, ("A", 2, 1.0)], &[], &[]), Some("demand \"A\" appears twice"));
        check(build(&[(" ", 1, 1.0)], &[], &[]), Some("a demand has a blank id"));
        check(build(&[("A", 1, -1.0)], &[], &[]), Some("demand \"A\" has unmet_penalty -1"));
        check(build(&[("A", 1, f64::NAN)], &[], &[]), Some("unmet_penalty NaN"));
        check(build(&[a], &[("B", "s", 1.0, 3)], &[]), Some("arc 0 (supplier \"s\") names demand \"B\""));
        check(build(&[a], &[("A", "", 1.0, 3)], &[]), Some("the supplier of arc 0 has a blank id"));
        check(
            build(&[a], &[("A", "s", 1.0, 3), ("A", "t", 1.0, 3), ("A", "s", 2.0, 1)], &[]),
            Some("arcs 0 and 2 both join supplier \"s\" to demand \"A\""),
        );
        check(
            build(&[a], &[("A", "s", -0.5, 3)], &[]),
            Some("arc 0 (supplier \"s\" to demand \"A\") has unit_cost -0.5"),
        );
        check(build(&[a], &[("A", "s", f64::INFINITY, 3)], &[]), Some("unit_cost inf"));
        check(build(&[a], &[], &[("s", &["A", "C"], 1)]), Some("limit 0 of supplier \"s\" names demand \"C\""));
        check(build(&[a], &[], &[("s", &["A", "A"], 1)]), Some("limit 0 of supplier \"s\" lists demand \"A\" twice"));
        check(build(&[a], &[], &[("", &["A"], 1)]), Some("the supplier of limit 0 has a blank id"));
        check(
            build(&[("A", MAX_QUANTITY + 1, 1.0)], &[], &[]),
            Some("the quantity of demand \"A\" is 9007199254740993"),
        );
        check(build(&[a], &[("A", "s", 1.0, u64::MAX)], &[]), Some("the max_quantity of arc 0 (s → A)"));
        // A limit may name a supplier without arcs, or demands its supplier has no arc to: it constrains nothing.
        check(build(&[a], &[], &[("nobody", &["A"], 0)]), None);
    }

    #[test]
    fn the_export_form_reads_and_writes() {
        let json = r#"{"demands":[{"id":"D1","quantity":11000,"unmet_penalty":1000.0}],
            "arcs":[{"demand":"D1","supplier":"911301000000000001","unit_cost":12.5,"max_quantity":3300}],
            "limits":[{"supplier":"911301000000000001","demands":["D1"],"limit":5000}]}"#;
        let instance: Instance = serde_json::from_str(json).unwrap();
        assert_eq!(instance.arcs[0].max_quantity, 3300);
        assert_eq!(instance.limits[0].demands, ["D1"]);
        let again: Instance = serde_json::from_str(&serde_json::to_string(&instance).unwrap()).unwrap();
        assert_eq!(again, instance);
        // No limits at all may be left out; a negative quantity is not a quantity.
        let bare: Instance = serde_json::from_str(r#"{"demands":[],"arcs":[]}"#).unwrap();
        assert!(bare.limits.is_empty());
        assert!(
            serde_json::from_str::<Instance>(r#"{"demands":[{"id":"A","quantity":-1,"unmet_penalty":1}],"arcs":[]}"#)
                .is_err()
        );
    }

    /// The limits of `instance` are laminar, and then each limit's parent, as given.
    #[track_caller]
    fn check_laminar(instance: &Instance, expected: Option<&[Option<usize>]>) {
        instance.validate().unwrap();
        let forest = Indexed::new(instance).laminar();
        assert_eq!(forest.as_ref().map(|f| f.parent.as_slice()), expected);
    }

    #[test]
    fn laminar_limits_form_a_forest() {
        let demands = [("A", 5, 9.0), ("B", 5, 9.0), ("C", 5, 9.0)];
        let arcs = [("A", "s", 1.0, 5), ("B", "s", 1.0, 5), ("C", "s", 1.0, 5), ("A", "t", 1.0, 5), ("B", "t", 1.0, 5)];
        // Due-date limits: nested prefixes.
        check_laminar(
            &build(&demands, &arcs, &[("s", &["A"], 1), ("s", &["A", "B", "C"], 3), ("s", &["A", "B"], 2)]),
            Some(&[Some(2), None, Some(1)]),
        );
        // Disjoint limits, and the same set twice (chained in index order).
        check_laminar(
            &build(&demands, &arcs, &[("s", &["A"], 1), ("s", &["B", "C"], 3), ("s", &["C", "B"], 2)]),
            Some(&[None, None, Some(1)]),
        );
        // Limits of different suppliers over the same demands never share an arc.
        check_laminar(&build(&demands, &arcs, &[("s", &["A", "B"], 1), ("t", &["B", "A"], 1)]), Some(&[None, None]));
        // Crossing limits.
        check_laminar(&build(&demands, &arcs, &[("s", &["A", "B"], 1), ("s", &["B", "C"], 1)]), None);
        // Crossing as written, but not on the supplier's arcs: t has no arc to C.
        check_laminar(&build(&demands, &arcs, &[("t", &["A", "B"], 1), ("t", &["B", "C"], 1)]), Some(&[None, Some(0)]));
    }
}
