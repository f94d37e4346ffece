//! Traditional → Simplified converters on the labelled lines of `t2s_cases.tsv`.
//!
//! Usage: `convert-compare CASES.tsv [--repeat N]`. Prints one JSON object: per converter, the lines right,
//! the total, the accuracy, every line it gets wrong (with what it produced), and the time to convert all
//! lines once (median of N repetitions, default 200) — the peers' speed on short text, for information.

use std::time::Instant;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use serde_json::{Value, json};

struct Case {
    line: usize,
    traditional: String,
    expected: String,
}

fn read_cases(path: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (t, s) = l.split_once('\t').unwrap_or_else(|| panic!("{path}:{}: no tab", i + 1));
            Case { line: i + 1, traditional: t.to_string(), expected: s.to_string() }
        })
        .collect()
}

fn evaluate(name: &str, what: &str, cases: &[Case], repeat: usize, convert: &dyn Fn(&str) -> String) -> Value {
    let mut wrong = Vec::new();
    for c in cases {
        let got = convert(&c.traditional);
        if got != c.expected {
            wrong.push(json!({"line": c.line, "input": c.traditional, "expected": c.expected, "got": got}));
        }
    }
    let mut times = Vec::with_capacity(repeat);
    let mut sink = 0usize;
    for _ in 0..repeat {
        let t = Instant::now();
        for c in cases {
            sink += convert(&c.traditional).len();
        }
        times.push(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    times.sort_by(f64::total_cmp);
    let chars: usize = cases.iter().map(|c| c.traditional.chars().count()).sum();
    let median = times[times.len() / 2];
    let right = cases.len() - wrong.len();
    json!({
        "converter": name,
        "what": what,
        "right": right,
        "total": cases.len(),
        "accuracy": right as f64 / cases.len() as f64,
        "seconds_all_lines": median,
        "chars_per_second": chars as f64 / median,
        "wrong": wrong,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map(String::as_str).unwrap_or("t2s_cases.tsv");
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse().expect("--repeat N"))
        .unwrap_or(200usize)
        .max(1);
    let cases = read_cases(path);
    let plain = OpenCC::from_config(BuiltinConfig::T2s).expect("ferrous-opencc t2s");
    // Build each converter's tables before timing.
    let _ = chaindock_text::to_simplified("乾燥");
    let _ = fast2s::convert("乾燥");
    let _ = character_converter::traditional_to_simplified("乾燥");

    let results = vec![
        evaluate(
            "chaindock",
            "chaindock_text::to_simplified: ferrous-opencc t2s + the 著→着 phrase table",
            &cases,
            repeat,
            &chaindock_text::to_simplified,
        ),
        evaluate("ferrous-opencc", "ferrous-opencc 0.4 t2s alone", &cases, repeat, &|s: &str| plain.convert(s)),
        evaluate("fast2s", "fast2s 0.3 convert", &cases, repeat, &fast2s::convert),
        evaluate(
            "character_converter",
            "character_converter 2 traditional_to_simplified",
            &cases,
            repeat,
            &|s: &str| character_converter::traditional_to_simplified(s).into_owned(),
        ),
    ];
    println!("{}", serde_json::to_string_pretty(&json!({"cases": path, "results": results})).unwrap());
}
