//! One pass over the matching documents: the distance filter, the count, and the top hits in either order.
//!
//! tantivy's own top-k collectors cannot drop a document on a computed condition (the haversine distance
//! needs two fast fields), and the count must agree with that condition, so both live here. The top hits
//! are kept in a bounded heap per segment (O(n log k) for n matches) and merged at the end.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::geo::haversine_km;

/// How the hits are ordered.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Order {
    /// Relevance: the BM25 score times `1 + LEADING_BOOST·leading + SPECIALISED_BOOST·specialised`.
    Score,
    /// Filter only: leading enterprises first, then by name.
    LeadingThenName,
}

/// A leading enterprise (龙头企业) outranks an otherwise equal match: the department looks for them first.
pub(crate) const LEADING_BOOST: f32 = 0.25;
/// A 专精特新 enterprise a little less so.
pub(crate) const SPECIALISED_BOOST: f32 = 0.1;

pub(crate) struct HitCollector {
    pub order: Order,
    /// Offset + limit: how many hits to keep.
    pub keep: usize,
    /// (lng, lat, radius in km).
    pub near: Option<(f64, f64, f64)>,
}

/// The key a segment ranks by; greater is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SegmentKey {
    Score(TotalF32, Reverse<DocId>),
    /// Leading flag, then the name's term ordinal ascending (ordinals sort like the strings within a segment).
    Ordered(u64, Reverse<u64>, Reverse<DocId>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct TotalF32(f32);
impl Eq for TotalF32 {}
impl PartialOrd for TotalF32 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TotalF32 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Clone, Copy, Debug)]
struct Kept {
    key: SegmentKey,
    distance: Option<f64>,
}
impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// A hit before its credit code is read: where it is, how it ranks, how far it is.
#[derive(Clone, Debug)]
pub(crate) struct RawHit {
    pub address: DocAddress,
    pub score: f32,
    pub leading: bool,
    pub name: String,
    pub distance: Option<f64>,
}

impl RawHit {
    /// Better first: by score, or by leading then name; the document address breaks ties so that results
    /// are the same on every run.
    fn rank(&self, other: &Self, order: Order) -> Ordering {
        let by_key = match order {
            Order::Score => other.score.total_cmp(&self.score),
            Order::LeadingThenName => other.leading.cmp(&self.leading).then_with(|| self.name.cmp(&other.name)),
        };
        by_key.then_with(|| self.address.cmp(&other.address))
    }
}

pub(crate) struct HitSegmentCollector {
    order: Order,
    keep: usize,
    near: Option<(f64, f64, f64)>,
    segment: SegmentOrdinal,
    leading: Column<u64>,
    specialised: Column<u64>,
    lng: Column<f64>,
    lat: Column<f64>,
    names: Option<StrColumn>,
    count: usize,
    /// The worst kept hit on top.
    heap: BinaryHeap<Reverse<Kept>>,
}

impl Collector for HitCollector {
    type Fruit = (usize, Vec<RawHit>);
    type Child = HitSegmentCollector;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<Self::Child> {
        let ff = reader.fast_fields();
        Ok(HitSegmentCollector {
            order: self.order,
            keep: self.keep,
            near: self.near,
            segment,
            leading: ff.u64("leading")?,
            specialised: ff.u64("specialised")?,
            lng: ff.f64("lng")?,
            lat: ff.f64("lat")?,
            names: match self.order {
                Order::LeadingThenName => ff.str("name_sort")?,
                Order::Score => None,
            },
            count: 0,
            heap: BinaryHeap::with_capacity(self.keep + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        matches!(self.order, Order::Score)
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<RawHit>)>) -> tantivy::Result<Self::Fruit> {
        let count = fruits.iter().map(|f| f.0).sum();
        let mut hits: Vec<RawHit> = fruits.into_iter().flat_map(|f| f.1).collect();
        hits.sort_by(|a, b| a.rank(b, self.order));
        hits.truncate(self.keep);
        Ok((count, hits))
    }
}

impl SegmentCollector for HitSegmentCollector {
    type Fruit = (usize, Vec<RawHit>);

    fn collect(&mut self, doc: DocId, score: Score) {
        let distance = match self.near {
            None => None,
            Some((lng0, lat0, radius)) => match (self.lng.first(doc), self.lat.first(doc)) {
                (Some(lng), Some(lat)) => {
                    let d = haversine_km(lng0, lat0, lng, lat);
                    if d > radius {
                        return;
                    }
                    Some(d)
                }
                // No location: cannot be shown to lie within the radius.
                _ => return,
            },
        };
        self.count += 1;
        if self.keep == 0 {
            return;
        }
        let leading = self.leading.first(doc).unwrap_or(0);
        let key = match self.order {
            Order::Score => {
                let specialised = self.specialised.first(doc).unwrap_or(0);
                let factor = 1.0 + LEADING_BOOST * leading as f32 + SPECIALISED_BOOST * specialised as f32;
                SegmentKey::Score(TotalF32(score * factor), Reverse(doc))
            }
            Order::LeadingThenName => {
                let ord = self.names.as_ref().and_then(|n| n.term_ords(doc).next()).unwrap_or(u64::MAX);
                SegmentKey::Ordered(leading, Reverse(ord), Reverse(doc))
            }
        };
        let kept = Kept { key, distance };
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(kept));
        } else if let Some(worst) = self.heap.peek()
            && kept > worst.0
        {
            self.heap.pop();
            self.heap.push(Reverse(kept));
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut name = String::new();
        let hits = self
            .heap
            .into_iter()
            .map(|Reverse(k)| {
                let (doc, score, leading, name) = match k.key {
                    SegmentKey::Score(s, Reverse(doc)) => (doc, s.0, false, String::new()),
                    SegmentKey::Ordered(leading, Reverse(ord), Reverse(doc)) => {
                        name.clear();
                        if let Some(names) = &self.names {
                            // A failed read leaves the name empty: the order suffers, the hit is still right.
                            let _ = names.ord_to_str(ord, &mut name);
                        }
                        (doc, 0.0, leading == 1, name.clone())
                    }
                };
                RawHit { address: DocAddress::new(self.segment, doc), score, leading, name, distance: k.distance }
            })
            .collect();
        (self.count, hits)
    }
}
