//! Import stories: good files in every format, and every kind of bad input with its message and the proof
//! that the database did not change.

use chaindock_engine::import::{ImportReport, SourceFile, import_files};
use chaindock_model::{ChainId, CreditCode};
use chaindock_store::{Stats, Store};
use chaindock_store_sqlite::SqliteStore;

const CHAIN_JSON: &str = r#"{
  "id": "mini", "name": "迷你汽车链",
  "links": [
    {"id": "steel", "name": "钢板", "segment": "upstream", "unit": "吨"},
    {"id": "body", "name": "白车身", "segment": "midstream", "unit": "件"},
    {"id": "vehicle", "name": "整车", "segment": "downstream", "unit": "辆"}
  ],
  "bom": [
    {"input": "steel", "output": "body", "quantity": 0.9},
    {"input": "body", "output": "vehicle", "quantity": 1}
  ]
}"#;

fn code(i: u32, region: u32) -> String {
    CreditCode::from_body(&format!("91{region}{i:09}")).unwrap().to_string()
}

fn enterprises_csv() -> String {
    format!(
        "credit_code,name,aliases,region,lng,lat,industry,above_scale,leading,specialised,illustrative\n\
         {},唐山钢铁测试有限公司,TS Steel;唐钢测试,130205,,,3130,1,1,0,1\n\
         {},天津冲压测试有限公司,,天津市,,,3670,1,0,1,1\n\
         {},保定整车测试有限公司,,保定,115.46,38.87,3611,1,1,0,1\n",
        code(1, 130205),
        code(2, 120116),
        code(3, 130606)
    )
}

fn producers_csv() -> String {
    format!(
        "credit_code,chain,link,capacity_per_day,unit,illustrative\n\
         {},mini,steel,500,吨,1\n{},mini,body,300,件,1\n{},mini,vehicle,250,辆,1\n",
        code(1, 130205),
        code(2, 120116),
        code(3, 130606)
    )
}

fn supply_csv() -> String {
    format!("supplier,buyer,chain,link,share,illustrative\n{},{},mini,body,0.6,1\n", code(2, 120116), code(3, 130606))
}

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile { name: name.into(), bytes: text.as_bytes().to_vec() }
}

fn good_files() -> Vec<SourceFile> {
    vec![
        file("mini.json", CHAIN_JSON),
        file("enterprises.csv", &enterprises_csv()),
        file("producers.csv", &producers_csv()),
        file("supply.csv", &supply_csv()),
    ]
}

async fn fresh() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (store, dir)
}

/// Everything a test can see of the database, to show that a failed import changed nothing.
async fn state(store: &SqliteStore) -> (Stats, Vec<String>) {
    let stats = store.stats().await.unwrap();
    let mut rows = Vec::new();
    for c in store.chains().await.unwrap() {
        let s = store.chain_snapshot(&c.id).await.unwrap();
        rows.push(format!("{:?}", s));
    }
    (stats, rows)
}

async fn expect_rejected(files: Vec<SourceFile>, column: Option<&str>, reason: &str) -> ImportReport {
    let (store, _d) = fresh().await;
    import_files(&store, &good_files(), false).await.unwrap();
    let before = state(&store).await;
    let report = import_files(&store, &files, false).await.unwrap();
    assert!(!report.ok(), "expected an error containing {reason:?}");
    assert!(
        report.errors.iter().any(|e| e.reason.contains(reason) && (column.is_none() || e.column.as_deref() == column)),
        "no error with column {column:?} and reason {reason:?} in {:#?}",
        report.errors
    );
    assert!(report.written.is_none());
    assert_eq!(state(&store).await, before, "a failed import changed the database");
    report
}

#[tokio::test]
async fn good_files_import_and_reimport_changes_nothing() {
    let (store, _d) = fresh().await;
    let report = import_files(&store, &good_files(), false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    let written = report.written.unwrap();
    assert_eq!((written.enterprises, written.chains, written.producers, written.supply), (3, 1, 3, 1));
    let e = store.enterprise(&CreditCode::parse(&code(1, 130205)).unwrap()).await.unwrap();
    assert_eq!(e.aliases, vec!["TS Steel", "唐钢测试"]);
    assert!(e.leading && e.illustrative);
    let tianjin = store.enterprise(&CreditCode::parse(&code(2, 120116)).unwrap()).await.unwrap();
    assert_eq!(tianjin.region.as_u32(), 120000, "a name resolves to its division");
    let before = state(&store).await;
    let again = import_files(&store, &good_files(), false).await.unwrap();
    assert!(again.ok());
    assert_eq!(state(&store).await, before);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let (store, _d) = fresh().await;
    let report = import_files(&store, &good_files(), true).await.unwrap();
    assert!(report.ok() && report.written.is_none());
    assert_eq!(store.stats().await.unwrap().enterprises, 0);
}

#[tokio::test]
async fn producers_may_refer_to_stored_rows() {
    let (store, _d) = fresh().await;
    import_files(&store, &good_files()[..2], false).await.unwrap();
    let report = import_files(&store, &good_files()[2..], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    assert_eq!(store.stats().await.unwrap().producers, 3);
}

#[tokio::test]
async fn missing_column() {
    let text = enterprises_csv().replace(",region,", ",place,");
    let mut files = good_files();
    files[1] = file("enterprises.csv", &text);
    expect_rejected(files, Some("region"), "needs the column(s) region").await;
}

#[tokio::test]
async fn bad_credit_code() {
    let good = code(2, 120116);
    let mut bad = good.clone();
    bad.replace_range(17..18, if good.ends_with('0') { "1" } else { "0" });
    let mut files = good_files();
    files[1] = file("enterprises.csv", &enterprises_csv().replace(&good, &bad));
    let r = expect_rejected(files, Some("credit_code"), "check character").await;
    assert!(r.errors.iter().any(|e| e.row == Some(3) && e.value.as_deref() == Some(bad.as_str())));
}

#[tokio::test]
async fn unknown_region() {
    let mut files = good_files();
    files[1] = file("enterprises.csv", &enterprises_csv().replace(",天津市,", ",上海市,"));
    expect_rejected(files, Some("region"), "unknown region").await;
}

#[tokio::test]
async fn negative_capacity() {
    let mut files = good_files();
    files[2] = file("producers.csv", &producers_csv().replace(",300,", ",-300,"));
    expect_rejected(files, Some("capacity_per_day"), "negative").await;
}

#[tokio::test]
async fn a_cycle_in_the_bom() {
    let cyclic = CHAIN_JSON.replace(
        r#"{"input": "body", "output": "vehicle", "quantity": 1}"#,
        r#"{"input": "body", "output": "vehicle", "quantity": 1}, {"input": "vehicle", "output": "steel", "quantity": 1}"#,
    );
    let mut files = good_files();
    files[0] = file("mini.json", &cyclic);
    expect_rejected(files, Some("chain"), "cycle").await;
}

#[tokio::test]
async fn duplicate_key() {
    let text = enterprises_csv();
    let dup = text.lines().nth(1).unwrap().to_string();
    let mut files = good_files();
    files[1] = file("enterprises.csv", &format!("{text}{dup}\n"));
    let r = expect_rejected(files, Some("credit_code"), "duplicate credit code").await;
    assert!(r.errors.iter().any(|e| e.row == Some(5) && e.reason.contains("row 2")));
}

#[tokio::test]
async fn a_file_neither_utf8_nor_gbk() {
    // UTF-16 with a byte-order mark: 0xFF is no GBK lead byte.
    let mut bytes = vec![0xFF, 0xFE];
    for u in enterprises_csv().encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let mut files = good_files();
    files[1] = SourceFile { name: "enterprises.csv".into(), bytes };
    expect_rejected(files, None, "neither UTF-8 nor GBK").await;
}

#[tokio::test]
async fn gbk_files_are_decoded() {
    let (store, _d) = fresh().await;
    let text = enterprises_csv();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let mut files = good_files();
    files[1] = SourceFile { name: "enterprises.csv".into(), bytes: gbk.into_owned() };
    let report = import_files(&store, &files, false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    assert!(report.files[1].format.contains("GBK"));
    let e = store.enterprise(&CreditCode::parse(&code(1, 130205)).unwrap()).await.unwrap();
    assert_eq!(e.name, "唐山钢铁测试有限公司");
}

#[tokio::test]
async fn unknown_references_and_units() {
    let mut files = good_files();
    files[2] = file("producers.csv", &producers_csv().replace("mini,body,300,件", "mini,body,300,吨"));
    expect_rejected(files, Some("unit"), "counted in 件").await;
    let mut files = good_files();
    files[2] = file("producers.csv", &producers_csv().replace("mini,body", "mini,wheel"));
    expect_rejected(files, Some("link"), "has no link wheel").await;
    let mut files = good_files();
    files[3] = file("supply.csv", &supply_csv().replace(&code(2, 120116), &code(9, 120116)));
    expect_rejected(files, Some("supplier"), "no such enterprise").await;
}

#[tokio::test]
async fn xlsx_workbooks_import_sheet_by_sheet() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (sheet, text) in [("企业 enterprises", enterprises_csv()), ("producers", producers_csv())] {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (r, line) in text.lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                ws.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let (store, _d) = fresh().await;
    let files = vec![file("mini.json", CHAIN_JSON), SourceFile { name: "registry.xlsx".into(), bytes }];
    let report = import_files(&store, &files, false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    assert_eq!(report.written.unwrap().producers, 3);
    let snap = store.chain_snapshot(&ChainId::parse("mini").unwrap()).await.unwrap();
    assert_eq!(snap.producers.len(), 3);
}

#[tokio::test]
async fn json_datasets_report_the_element() {
    let json = format!(
        r#"{{"enterprises": [
            {{"credit_code": "{}", "name": "甲", "region": "130205"}},
            {{"credit_code": "91130205000000000X", "name": "乙", "region": "130205"}}
        ]}}"#,
        code(1, 130205)
    );
    let r = expect_rejected(vec![file("data.json", &json)], None, "credit code").await;
    assert!(r.errors[0].file.contains("enterprises[1]"), "{:?}", r.errors);
}

#[tokio::test]
async fn every_bad_row_is_reported_at_once() {
    let text = enterprises_csv().replace(",天津市,", ",火星,").replace(",3611,", ",9999,");
    let mut files = good_files();
    files[1] = file("enterprises.csv", &text);
    let r = expect_rejected(files, Some("region"), "unknown region").await;
    assert!(r.errors.iter().any(|e| e.column.as_deref() == Some("industry") && e.row == Some(4)));
}

#[tokio::test]
async fn names_are_normalised_and_places_resolved() {
    let (store, _d) = fresh().await;
    let csv = format!(
        "credit_code,name,region\n{},唐山華冶衝壓件有限責任公司,河北省唐山市開平區新苑路8號\n{},ＢＯＥ（北京）显示 科技有限公司,永年县\n",
        code(1, 130205),
        code(2, 130408)
    );
    let report = import_files(&store, &[file("enterprises.csv", &csv)], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    let a = store.enterprise(&CreditCode::parse(&code(1, 130205)).unwrap()).await.unwrap();
    assert_eq!(a.name, "唐山华冶冲压件有限责任公司");
    assert_eq!(a.aliases, vec!["唐山華冶衝壓件有限責任公司"], "the Traditional original stays findable");
    assert_eq!(a.region.as_u32(), 130205);
    let b = store.enterprise(&CreditCode::parse(&code(2, 130408)).unwrap()).await.unwrap();
    assert_eq!(b.name, "BOE(北京)显示科技有限公司");
    assert!(b.aliases.is_empty());
    assert_eq!(b.region.as_u32(), 130408, "a renamed county resolves to its new code");
}

#[tokio::test]
async fn an_ambiguous_place_lists_the_candidates() {
    let csv = enterprises_csv().replace(",天津市,", ",桥西区,");
    let mut files = good_files();
    files[1] = file("enterprises.csv", &csv);
    let r = expect_rejected(files, Some("region"), "ambiguous").await;
    let e = r.errors.iter().find(|e| e.column.as_deref() == Some("region")).unwrap();
    assert!(e.reason.contains("130104") && e.reason.contains("130703"), "{}", e.reason);
}

#[tokio::test]
async fn capacities_as_people_write_them() {
    let (store, _d) = fresh().await;
    let producers = format!(
        "credit_code,chain,link,capacity_per_day,unit\n{},mini,steel,\"3,600\",吨\n{},mini,body,1.1万件,\n{},mini,vehicle,二百五十,辆\n",
        code(1, 130205),
        code(2, 120116),
        code(3, 130606)
    );
    let files = vec![
        file("mini.json", CHAIN_JSON),
        file("enterprises.csv", &enterprises_csv()),
        file("producers.csv", &producers),
    ];
    let report = import_files(&store, &files, false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    let snap = store.chain_snapshot(&ChainId::parse("mini").unwrap()).await.unwrap();
    let mut caps: Vec<f64> = snap.producers.iter().map(|p| p.capacity).collect();
    caps.sort_by(f64::total_cmp);
    assert_eq!(caps, vec![250.0, 3600.0, 11000.0]);

    let vague = producers.replace("1.1万件", "约1.1万件");
    let mut files = good_files();
    files[2] = file("producers.csv", &vague);
    expect_rejected(files, Some("capacity_per_day"), "not an exact figure").await;
    let clash = producers.replace("1.1万件,", "1.1万件,套");
    let mut files = good_files();
    files[2] = file("producers.csv", &clash);
    expect_rejected(files, Some("capacity_per_day"), "unit column says 套").await;
}

#[tokio::test]
async fn garbled_names_are_repaired_or_flagged() {
    let (store, _d) = fresh().await;
    // UTF-8 bytes of a name read as Windows-1252, as a wrong "save as" makes them.
    let (latin, _, _) = encoding_rs::WINDOWS_1252.decode("唐山华冶冲压件有限公司".as_bytes());
    let csv = format!("credit_code,name,region\n{},{latin},130205\n", code(1, 130205));
    let report = import_files(&store, &[file("enterprises.csv", &csv)], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    assert!(
        report.warnings.iter().any(|w| w.row == Some(2) && w.reason.contains("repaired")),
        "{:#?}",
        report.warnings
    );
    let e = store.enterprise(&CreditCode::parse(&code(1, 130205)).unwrap()).await.unwrap();
    assert_eq!(e.name, "唐山华冶冲压件有限公司");
}

#[tokio::test]
async fn likely_duplicates_are_reported_not_merged() {
    let (store, _d) = fresh().await;
    import_files(&store, &good_files(), false).await.unwrap();
    let csv = format!(
        "credit_code,name,region\n{},唐山鋼鐵測試有限責任公司,130205\n{},唐山钢铁测试有限公司唐山分公司,130205\n",
        code(7, 130205),
        code(8, 130205)
    );
    let report = import_files(&store, &[file("more.csv", &csv)], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    let dup: Vec<_> = report.warnings.iter().filter(|w| w.reason.contains("same enterprise")).collect();
    assert_eq!(dup.len(), 1, "{:#?}", report.warnings);
    assert_eq!(dup[0].row, Some(2));
    assert!(dup[0].reason.contains("likely") && dup[0].reason.contains(&code(1, 130205)), "{}", dup[0].reason);
    assert_eq!(store.stats().await.unwrap().enterprises, 5, "nothing was merged");
}

#[tokio::test]
async fn descriptions_and_contacts_are_read_and_normalised() {
    let (store, _d) = fresh().await;
    // Chinese headers, Traditional characters, full-width digits and punctuation, spaces between Han characters.
    let csv = format!(
        "统一社会信用代码,企业名称,地区,企业简介,联系人,联系电话\n\
         {},唐山钢铁测试有限公司,130205,生產汽車鋼板　和　型鋼,張三,０３１５－１２３４５６７\n\
         {},天津冲压测试有限公司,天津市,,,\n",
        code(1, 130205),
        code(2, 120116)
    );
    let report = import_files(&store, &[file("enterprises.csv", &csv)], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    assert!(report.warnings.is_empty(), "every column is known: {:#?}", report.warnings);
    let a = store.enterprise(&CreditCode::parse(&code(1, 130205)).unwrap()).await.unwrap();
    assert_eq!(a.description.as_deref(), Some("生产汽车钢板和型钢"));
    assert_eq!(a.contact_person.as_deref(), Some("张三"));
    assert_eq!(a.contact_phone.as_deref(), Some("0315-1234567"));
    let b = store.enterprise(&CreditCode::parse(&code(2, 120116)).unwrap()).await.unwrap();
    assert_eq!((b.description, b.contact_person, b.contact_phone), (None, None, None));

    // The other header names, and JSON, which takes the fields as they are.
    for header in ["主营产品", "简介", "description"] {
        let csv = format!(
            "credit_code,name,region,{header},contact_person,电话\n{},甲,130205,钢板,李四,123\n",
            code(3, 130205)
        );
        let report = import_files(&store, &[file("enterprises.csv", &csv)], false).await.unwrap();
        assert!(report.ok() && report.warnings.is_empty(), "{header}: {:#?}", report);
        let c = store.enterprise(&CreditCode::parse(&code(3, 130205)).unwrap()).await.unwrap();
        assert_eq!((c.description.as_deref(), c.contact_phone.as_deref()), (Some("钢板"), Some("123")), "{header}");
    }
    let json = format!(
        r#"{{"enterprises": [{{"credit_code": "{}", "name": "乙", "region": "130205", "description": "冲压件",
            "contact_person": "王五", "contact_phone": "13800000000"}}]}}"#,
        code(4, 130205)
    );
    let report = import_files(&store, &[file("data.json", &json)], false).await.unwrap();
    assert!(report.ok(), "{:#?}", report.errors);
    let d = store.enterprise(&CreditCode::parse(&code(4, 130205)).unwrap()).await.unwrap();
    assert_eq!(
        (d.description.as_deref(), d.contact_person.as_deref(), d.contact_phone.as_deref()),
        (Some("冲压件"), Some("王五"), Some("13800000000"))
    );
}
