//! chaindock's entity-resolution scores for the labelled pairs of `er_pairs.csv`.
//!
//! Usage: `er-score PAIRS.csv > scores.json` (or `--bench`, `--registry`: see [`bench`], [`registry`]).
//! Prints the default thresholds of the measured commit and, for each pair in file order:
//!
//! - `score`: `resolve::score(&parse_company(a), &parse_company(b))`, or 0 when the two records lie in different
//!   cities (find_duplicates never compares them);
//! - `pipeline`: the score `resolve::find_duplicates` gives the pair when all names of the file form one
//!   registry (so with its city and bigram blocking, on buckets of realistic sizes), 0 when it does not pair
//!   them;
//! - the reason, and both parsed cores (for reading the errors).

use chaindock_model::RegionCode;
use chaindock_text::parse_company;
use chaindock_text::resolve::{Record, Thresholds, find_duplicates, score};
use std::collections::HashMap;
use std::time::Instant;

use serde_json::json;

/// `--bench`: the median cost of `parse_company` per name and of `score` per pair over the file's names.
fn bench(path: &str) {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let pairs: Vec<(String, String)> =
        rdr.records().map(|r| r.expect("csv row")).map(|r| (r[0].to_string(), r[1].to_string())).collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let reps = 20;
    let mut parse = Vec::new();
    let mut parsed = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..reps {
            parsed = pairs.iter().map(|(a, b)| (parse_company(a), parse_company(b))).collect();
        }
        parse.push(t.elapsed().as_secs_f64() / (reps * 2 * pairs.len()) as f64);
    }
    let mut scoring = Vec::new();
    let mut sink = 0.0;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..reps {
            for (a, b) in &parsed {
                sink += score(a, b).0;
            }
        }
        scoring.push(t.elapsed().as_secs_f64() / (reps * pairs.len()) as f64);
    }
    std::hint::black_box(sink);
    println!("{}", json!({"parse_us": median(parse) * 1e6, "score_us": median(scoring) * 1e6}));
}

/// `--registry`: where `find_duplicates` spends its time on a registry given as CSV (`name,region`): parsing
/// every name, and the whole call at the default thresholds (parsing, blocking, scoring, sorting); with
/// `--count`, also the number of pairs its blocking forms.
fn registry(path: &str) {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let records: Vec<Record> = rdr
        .records()
        .map(|r| r.expect("csv row"))
        .map(|r| Record { name: r[0].to_string(), region: RegionCode::parse(&r[1]).ok(), credit_code: None })
        .collect();
    let t = Instant::now();
    let parsed: Vec<_> = records.iter().map(|r| parse_company(&r.name)).collect();
    let parse_s = t.elapsed().as_secs_f64();
    std::hint::black_box(parsed);
    let t = Instant::now();
    let found = find_duplicates(&records, Thresholds::default());
    let total_s = t.elapsed().as_secs_f64();
    // `--count`: how many pairs blocking forms (every scored pair is kept at review 0; memory-hungry).
    let formed = std::env::args()
        .any(|a| a == "--count")
        .then(|| find_duplicates(&records, Thresholds { merge: 1.1, review: 0.0 }).len());
    println!(
        "{}",
        json!({"records": records.len(), "parse_seconds": parse_s, "find_duplicates_seconds": total_s,
            "found": found.len(), "pairs_formed": formed})
    );
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "er_pairs.csv".into());
    if std::env::args().any(|a| a == "--bench") {
        return bench(&path);
    }
    if std::env::args().any(|a| a == "--registry") {
        return registry(&path);
    }
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let h = rdr.headers().expect("header").clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("{path}: no column {n}"));
    let (ia, ib, ica, icb) = (col("a"), col("b"), col("city_a"), col("city_b"));
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.expect("csv row");
        let region = |i: usize| RegionCode::parse(&rec[i]).unwrap_or_else(|e| panic!("{}: {e:?}", &rec[i]));
        rows.push((rec[ia].to_string(), rec[ib].to_string(), region(ica), region(icb)));
    }
    // The pipeline: every name of the file in one registry (a of row k at 2k, b at 2k + 1), so that
    // blocking sees buckets of realistic sizes; all pairs it forms and scores are kept (review 0).
    let records: Vec<Record> = rows
        .iter()
        .flat_map(|(a, b, ra, rb)| {
            [
                Record { name: a.clone(), region: Some(*ra), credit_code: None },
                Record { name: b.clone(), region: Some(*rb), credit_code: None },
            ]
        })
        .collect();
    let formed: HashMap<(usize, usize), f64> = find_duplicates(&records, Thresholds { merge: 1.1, review: 0.0 })
        .into_iter()
        .map(|c| ((c.a, c.b), c.score))
        .collect();
    let mut out = Vec::new();
    for (k, (a, b, ra, rb)) in rows.iter().enumerate() {
        let (pa, pb) = (parse_company(a), parse_company(b));
        let (s, reason) =
            if ra.city() != rb.city() { (0.0, "different cities: not compared".to_string()) } else { score(&pa, &pb) };
        let pipeline = formed.get(&(2 * k, 2 * k + 1)).copied().unwrap_or(0.0);
        out.push(json!({"score": s, "pipeline": pipeline, "reason": reason, "core_a": pa.core, "core_b": pb.core,
            "branch_a": pa.branch, "branch_b": pb.branch}));
    }
    let t = Thresholds::default();
    let out = json!({"thresholds": {"merge": t.merge, "review": t.review}, "pairs": out});
    println!("{}", serde_json::to_string(&out).expect("json"));
}
