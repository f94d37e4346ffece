//! A seeded generator of registries of any size with the demo's structure, for benchmarks.
//!
//! The same chain templates; enterprises spread over the real counties with weights towards the
//! industrial cities (Tangshan, Tianjin, Shijiazhuang, …); each makes one to three links of one chain;
//! capacities log-normal (σ = 1) around a per-link mean that balances BOM demand, so that some links are
//! short somewhere and not everywhere; supply relations from each producer to suppliers of its inputs, the
//! supplier drawn with a heavy-tailed preference (index `⌊n·u³⌋` in a fixed order, so a few suppliers
//! serve very many buyers) and mostly from the buyer's own province.
//!
//! Output comes as chunks ([`Generator::chunk`]), each a self-contained [`Dataset`] that can be written in
//! its own transaction: chunk 0 the chains, then enterprises with their producers, then supply relations
//! (which only refer to enterprises of earlier chunks). Chunk k is a pure function of (seed, size, k).

use std::collections::HashMap;

use chaindock_model::{
    Chain, CreditCode, Dataset, Enterprise, Producer, Quantity, Region, RegionCode, RegionLevel, SupplyRelation,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::EngineError;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenConfig {
    pub enterprises: usize,
    /// Mean supply relations per enterprise (10 gives 10 million at a million enterprises).
    pub supply_per_enterprise: f64,
    pub seed: u64,
    /// Enterprises per chunk; supply chunks hold about ten times as many rows.
    pub chunk_size: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self { enterprises: 10_000, supply_per_enterprise: 10.0, seed: 1, chunk_size: 20_000 }
    }
}

/// Relative weight of each city-level division as a home of industry.
fn city_weight(city: u32) -> f64 {
    match city {
        130200 => 3.0,          // 唐山: steel, equipment
        120100 => 3.0,          // 天津
        110100 => 2.5,          // 北京
        130100 => 2.5,          // 石家庄
        130600 | 131000 => 2.0, // 保定, 廊坊
        130900 | 130400 => 2.0, // 沧州, 邯郸
        130500 => 1.2,          // 邢台
        131100 => 1.0,          // 衡水
        130300 => 0.8,          // 秦皇岛
        130700 => 0.6,          // 张家口
        _ => 0.5,               // 承德
    }
}

/// Characters trade names (字号) are commonly made of; a name takes two, so 56 × 55 = 3,080 trade names,
/// few enough to repeat across a city as real ones do, many enough that most names differ.
const TRADE_CHARS: &[char] = &[
    '华', '冶', '鑫', '达', '恒', '通', '宏', '远', '瑞', '丰', '金', '泰', '永', '盛', '中', '兴', '东', '方', '北',
    '辰', '新', '博', '天', '成', '利', '源', '凯', '汇', '正', '冀', '安', '京', '诚', '津', '联', '和', '长', '信',
    '福', '富', '康', '隆', '昌', '宇', '嘉', '建', '德', '润', '海', '茂', '晨', '锐', '星', '光', '明', '卓',
];
const SUFFIXES: &[&str] = &["有限公司", "股份有限公司", "有限责任公司", "科技有限公司"];

/// One producer row of the plan: enterprise, chain, link, capacity.
#[derive(Debug, Clone, Copy)]
struct Site {
    enterprise: u32,
    chain: u16,
    link: u16,
    capacity: f64,
}

pub struct Generator {
    config: GenConfig,
    chains: Vec<Chain>,
    /// Home county per enterprise.
    county: Vec<RegionCode>,
    sites: Vec<Site>,
    /// First site of each enterprise (sites are grouped by enterprise), plus one past the end.
    site_start: Vec<u32>,
    /// Per chain and link: sites by province (0 北京, 1 天津, 2 河北), in a fixed order.
    suppliers: Vec<Vec<[Vec<u32>; 3]>>,
    /// Per chain: for each link, its (input link, coefficient) pairs.
    inputs: Vec<Vec<Vec<u16>>>,
    mean_suppliers: f64,
    enterprise_chunks: usize,
    supply_ranges: Vec<(u32, u32)>,
}

fn province_slot(code: RegionCode) -> usize {
    match code.province().as_u32() {
        110000 => 0,
        120000 => 1,
        _ => 2,
    }
}

impl Generator {
    pub fn new(chains: Vec<Chain>, config: GenConfig) -> Result<Self, EngineError> {
        if chains.is_empty() {
            return Err(EngineError::Embedded("no chain templates to generate from".into()));
        }
        if config.enterprises == 0 || config.enterprises > u32::MAX as usize / 4 || config.chunk_size == 0 {
            return Err(EngineError::Embedded(format!("cannot generate {} enterprises", config.enterprises)));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let counties: Vec<(RegionCode, f64)> = Region::all()
            .iter()
            .filter(|r| r.level == RegionLevel::County)
            .map(|r| (r.code, city_weight(r.code.city().as_u32())))
            .collect();
        let county_total: f64 = counties.iter().map(|c| c.1).sum();

        // Per chain and link: how often it is chosen (assembly less often than parts), and its mean
        // capacity, set from the most downstream link up so that capacity roughly meets BOM demand.
        let mut link_weight: Vec<Vec<f64>> = Vec::new();
        let mut link_mean: Vec<Vec<f64>> = Vec::new();
        let mut inputs: Vec<Vec<Vec<u16>>> = Vec::new();
        for c in &chains {
            let idx: HashMap<&str, usize> = c.links.iter().enumerate().map(|(i, l)| (l.id.as_str(), i)).collect();
            let n = c.links.len();
            let mut ins = vec![Vec::new(); n];
            let mut outs: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
            for e in &c.bom {
                let (i, o) = (idx[e.input.as_str()], idx[e.output.as_str()]);
                ins[o].push(i as u16);
                outs[i].push((o, e.quantity));
            }
            let w: Vec<f64> = (0..n).map(|i| if outs[i].is_empty() { 0.4 } else { 1.0 }).collect();
            let wsum: f64 = w.iter().sum();
            // Longest distance to a finished product decides the order of evaluation.
            let mut depth = vec![0usize; n];
            for _ in 0..n {
                for i in 0..n {
                    depth[i] = outs[i].iter().map(|(o, _)| depth[*o] + 1).max().unwrap_or(0);
                }
            }
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| depth[i]);
            let mut mean = vec![0.0; n];
            for i in order {
                mean[i] = if outs[i].is_empty() {
                    50.0
                } else {
                    // Total demand over total producers, times a ratio around 1 so some links run short.
                    let demand: f64 = outs[i].iter().map(|(o, q)| q * mean[*o] * w[*o]).sum();
                    demand / w[i] * rng.random_range(0.7..1.4)
                };
            }
            link_weight.push(w.iter().map(|x| x / wsum).collect());
            link_mean.push(mean);
            inputs.push(ins);
        }
        let chain_count = chains.len();

        let mut county = Vec::with_capacity(config.enterprises);
        let mut sites = Vec::with_capacity(config.enterprises * 3 / 2);
        let mut site_start = Vec::with_capacity(config.enterprises + 1);
        for e in 0..config.enterprises as u32 {
            let mut x = rng.random_range(0.0..county_total);
            let mut home = counties[0].0;
            for (c, w) in &counties {
                if x < *w {
                    home = *c;
                    break;
                }
                x -= w;
            }
            county.push(home);
            site_start.push(sites.len() as u32);
            let chain = rng.random_range(0..chain_count);
            let k = match rng.random_range(0.0..1.0) {
                p if p < 0.70 => 1,
                p if p < 0.95 => 2,
                _ => 3,
            };
            let mut chosen: Vec<usize> = Vec::with_capacity(k);
            for _ in 0..k {
                let mut x = rng.random_range(0.0..1.0);
                let mut link = 0;
                for (l, w) in link_weight[chain].iter().enumerate() {
                    if x < *w {
                        link = l;
                        break;
                    }
                    x -= w;
                }
                if !chosen.contains(&link) {
                    chosen.push(link);
                }
            }
            for link in chosen {
                let mean = link_mean[chain][link];
                // A log-normal with σ = 1 has mean exp(μ + ½).
                let dist = LogNormal::new(mean.ln() - 0.5, 1.0).expect("σ = 1 is valid");
                // Rounded to hundredths, and at least 0.01: a producer makes something.
                let capacity = ((dist.sample(&mut rng) * 100.0).round() / 100.0).max(0.01);
                sites.push(Site { enterprise: e, chain: chain as u16, link: link as u16, capacity });
            }
        }
        site_start.push(sites.len() as u32);

        let mut suppliers: Vec<Vec<[Vec<u32>; 3]>> =
            chains.iter().map(|c| vec![Default::default(); c.links.len()]).collect();
        for (s, site) in sites.iter().enumerate() {
            let slot = province_slot(county[site.enterprise as usize]);
            suppliers[site.chain as usize][site.link as usize][slot].push(s as u32);
        }
        let slots: usize = sites.iter().map(|s| inputs[s.chain as usize][s.link as usize].len()).sum();
        let target = config.enterprises as f64 * config.supply_per_enterprise;
        let mean_suppliers = if slots == 0 { 0.0 } else { (target / slots as f64).max(1.0) };

        // Supply chunks: ranges of buyer sites with about ten enterprise chunks' worth of relations each.
        let per_chunk = (config.chunk_size as f64 * 10.0 / mean_suppliers.max(1.0)).max(1.0) as usize;
        let mut supply_ranges = Vec::new();
        let (mut start, mut acc) = (0usize, 0usize);
        for (s, site) in sites.iter().enumerate() {
            acc += inputs[site.chain as usize][site.link as usize].len();
            // Cut only between enterprises, so that one buyer's inputs are drawn in one chunk.
            let last_of_enterprise = sites.get(s + 1).is_none_or(|n| n.enterprise != site.enterprise);
            if acc >= per_chunk && last_of_enterprise {
                supply_ranges.push((start as u32, s as u32 + 1));
                start = s + 1;
                acc = 0;
            }
        }
        if start < sites.len() {
            supply_ranges.push((start as u32, sites.len() as u32));
        }
        let enterprise_chunks = config.enterprises.div_ceil(config.chunk_size);
        Ok(Self {
            config,
            chains,
            county,
            sites,
            site_start,
            suppliers,
            inputs,
            mean_suppliers,
            enterprise_chunks,
            supply_ranges,
        })
    }

    pub fn chunk_count(&self) -> usize {
        1 + self.enterprise_chunks + self.supply_ranges.len()
    }

    pub fn producer_count(&self) -> usize {
        self.sites.len()
    }

    fn credit_code(&self, e: u32) -> CreditCode {
        // Valid by construction: 17 characters of the alphabet; the check character is computed.
        CreditCode::from_body(&format!("91{}{:09}", self.county[e as usize], e)).expect("17 valid characters")
    }

    fn enterprise(&self, e: u32, rng: &mut ChaCha8Rng) -> Enterprise {
        let region = self.county[e as usize];
        let first = &self.sites[self.site_start[e as usize] as usize];
        let chain = &self.chains[first.chain as usize];
        let link = &chain.links[first.link as usize];
        let city = region.city().region().short_name.clone();
        let county = region.region().short_name.clone();
        // Development zones (codes x71–x79) and counties named after their city add nothing to a name.
        let place = if (71..80).contains(&(region.as_u32() % 100)) || county.starts_with(&city) || city == county {
            city
        } else {
            format!("{city}{county}")
        };
        let product = link.name.split(['（', '(']).next().unwrap_or(&link.name);
        let first = TRADE_CHARS[rng.random_range(0..TRADE_CHARS.len())];
        let mut second = TRADE_CHARS[rng.random_range(0..TRADE_CHARS.len())];
        while second == first {
            second = TRADE_CHARS[rng.random_range(0..TRADE_CHARS.len())];
        }
        let word = format!("{first}{second}");
        let suffix = SUFFIXES[rng.random_range(0..SUFFIXES.len())];
        Enterprise {
            credit_code: self.credit_code(e),
            name: format!("{place}{word}{product}{suffix}"),
            aliases: Vec::new(),
            region,
            location: None,
            industry: link.industry.clone(),
            above_scale: rng.random_range(0.0..1.0) < 0.6,
            leading: rng.random_range(0.0..1.0) < 0.01,
            specialised: rng.random_range(0.0..1.0) < 0.05,
            illustrative: true,
            description: None,
            contact_person: None,
            contact_phone: None,
        }
    }

    /// Chunk `k` of [`Generator::chunk_count`]; deterministic in (seed, size, k).
    pub fn chunk(&self, k: usize) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k as u64);
        if k == 0 {
            return Dataset { chains: self.chains.clone(), ..Default::default() };
        }
        if k <= self.enterprise_chunks {
            let lo = (k - 1) * self.config.chunk_size;
            let hi = (lo + self.config.chunk_size).min(self.config.enterprises);
            let enterprises = (lo as u32..hi as u32).map(|e| self.enterprise(e, &mut rng)).collect();
            let (a, b) = (self.site_start[lo] as usize, self.site_start[hi] as usize);
            let producers = self.sites[a..b]
                .iter()
                .map(|s| {
                    let chain = &self.chains[s.chain as usize];
                    let link = &chain.links[s.link as usize];
                    Producer {
                        enterprise: self.credit_code(s.enterprise),
                        chain: chain.id.clone(),
                        link: link.id.clone(),
                        capacity_per_day: Quantity::new(s.capacity, link.unit.clone())
                            .expect("log-normal samples are positive and finite"),
                        illustrative: true,
                    }
                })
                .collect();
            return Dataset { enterprises, producers, ..Default::default() };
        }
        let Some(&(a, b)) = self.supply_ranges.get(k - 1 - self.enterprise_chunks) else {
            return Dataset::default();
        };
        let mut supply = Vec::new();
        // A buyer making two links with a common input buys it once.
        let mut bought: std::collections::HashSet<(u32, u16)> = std::collections::HashSet::new();
        for s in a..b {
            let buyer = self.sites[s as usize];
            let chain = &self.chains[buyer.chain as usize];
            for &input in &self.inputs[buyer.chain as usize][buyer.link as usize] {
                if !bought.insert((buyer.enterprise, input)) {
                    continue;
                }
                let pools = &self.suppliers[buyer.chain as usize][input as usize];
                let home = province_slot(self.county[buyer.enterprise as usize]);
                // Poisson-like count around the mean, at least one.
                let want = (self.mean_suppliers * rng.random_range(0.5..1.5)).round().max(1.0) as usize;
                let mut picked: Vec<u32> = Vec::with_capacity(want);
                for _ in 0..want * 2 {
                    if picked.len() == want {
                        break;
                    }
                    let slot = if rng.random_range(0.0..1.0) < 0.7 && !pools[home].is_empty() {
                        home
                    } else {
                        rng.random_range(0..3)
                    };
                    let pool = &pools[slot];
                    if pool.is_empty() {
                        continue;
                    }
                    let u: f64 = rng.random_range(0.0..1.0);
                    let site = self.sites[pool[((pool.len() as f64) * u * u * u) as usize] as usize];
                    if site.enterprise != buyer.enterprise && !picked.contains(&site.enterprise) {
                        picked.push(site.enterprise);
                    }
                }
                if picked.is_empty() {
                    continue;
                }
                let weights: Vec<f64> = picked.iter().map(|_| rng.random_range(0.2..1.0)).collect();
                let total: f64 = weights.iter().sum();
                let coverage = rng.random_range(0.6..1.0);
                for (sup, w) in picked.into_iter().zip(weights) {
                    let share = ((w / total * coverage) * 1e4).floor() / 1e4;
                    if share <= 0.0 {
                        continue;
                    }
                    supply.push(SupplyRelation {
                        supplier: self.credit_code(sup),
                        buyer: self.credit_code(buyer.enterprise),
                        chain: chain.id.clone(),
                        link: chain.links[input as usize].id.clone(),
                        share,
                        illustrative: true,
                    });
                }
            }
        }
        Dataset { supply, ..Default::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::chain_templates;

    fn small(seed: u64) -> Generator {
        let cfg = GenConfig { enterprises: 2_000, supply_per_enterprise: 10.0, seed, chunk_size: 500 };
        Generator::new(chain_templates().unwrap(), cfg).unwrap()
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let (a, b, c) = (small(7), small(7), small(8));
        for k in [1, 3, a.chunk_count() - 1] {
            assert_eq!(a.chunk(k), b.chunk(k));
        }
        assert_ne!(a.chunk(1), c.chunk(1));
    }

    #[test]
    fn shape_is_right() {
        let g = small(3);
        let all: Vec<Dataset> = (0..g.chunk_count()).map(|k| g.chunk(k)).collect();
        let ents: usize = all.iter().map(|d| d.enterprises.len()).sum();
        let supply: Vec<&SupplyRelation> = all.iter().flat_map(|d| &d.supply).collect();
        assert_eq!(ents, 2_000);
        // About ten relations per enterprise.
        assert!((15_000..=25_000).contains(&supply.len()), "{}", supply.len());
        // Shares of one buyer and link never exceed 1, nobody supplies itself, keys are unique.
        let mut sums: HashMap<(String, String, String), f64> = HashMap::new();
        let mut keys = std::collections::HashSet::new();
        for s in &supply {
            assert_ne!(s.supplier, s.buyer);
            *sums.entry((s.buyer.to_string(), s.chain.to_string(), s.link.to_string())).or_default() += s.share;
            assert!(keys.insert((s.supplier.clone(), s.buyer.clone(), s.chain.clone(), s.link.clone())));
        }
        assert!(sums.values().all(|x| *x <= 1.0 + 1e-9));
        // Heavy tail: the busiest supplier serves far more buyers than the median one.
        let mut degree: HashMap<&CreditCode, usize> = HashMap::new();
        for s in &supply {
            *degree.entry(&s.supplier).or_default() += 1;
        }
        let mut d: Vec<usize> = degree.into_values().collect();
        d.sort_unstable();
        assert!(d[d.len() - 1] > 10 * d[d.len() / 2], "max {} median {}", d[d.len() - 1], d[d.len() / 2]);
        // Tangshan (weight 3) holds more enterprises than Chengde (weight 0.5).
        let in_city =
            |c: u32| all.iter().flat_map(|d| &d.enterprises).filter(|e| e.region.city().as_u32() == c).count();
        assert!(in_city(130200) > 2 * in_city(130800));
    }
}
