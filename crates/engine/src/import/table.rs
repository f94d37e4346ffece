//! Files to tables: text decoding (UTF-8 or GBK), CSV and XLSX sheets to rows of strings.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::RowError;

/// One sheet of a spreadsheet or one CSV file: normalised headers and data rows of strings. `row` numbers
/// are what a spreadsheet shows: the header is row 1, the first data row is row 2.
#[derive(Debug, Clone)]
pub struct Table {
    pub file: String,
    /// The sheet's name for XLSX, `None` for CSV.
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Where this table came from, as the report names it: `file` or `file [sheet]`.
    pub fn origin(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{} [{}]", self.file, s),
            None => self.file.clone(),
        }
    }
}

/// Decode text as UTF-8 (with or without a byte-order mark), or else as GBK, which government CSV files
/// often are. Anything that is neither is an error, never a guess.
pub fn decode_text(file: &str, bytes: &[u8]) -> Result<(String, &'static str), RowError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors || text.contains('\0') {
        return Err(RowError::file(
            file,
            "the file is neither UTF-8 nor GBK text; save it as UTF-8 (or GBK) CSV, XLSX or JSON",
        ));
    }
    Ok((text.into_owned(), "GBK"))
}

/// Header names as the product knows them, with the Chinese headers department files use.
pub fn normalise_header(h: &str) -> String {
    let t = h.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '-'], "_");
    let known = match t.as_str() {
        "统一社会信用代码" | "信用代码" | "社会信用代码" | "credit code" => "credit_code",
        "企业名称" | "名称" | "单位名称" => "name",
        "别名" | "曾用名" => "aliases",
        "区划代码" | "地区" | "所在地区" | "行政区划" => "region",
        "经度" | "longitude" => "lng",
        "纬度" | "latitude" => "lat",
        "行业代码" | "国民经济行业代码" => "industry",
        "规上" | "规模以上" => "above_scale",
        "龙头" | "龙头企业" => "leading",
        "专精特新" => "specialised",
        "示意" | "示例数据" => "illustrative",
        "产业链" | "链" => "chain",
        "产业链名称" => "chain_name",
        "环节" | "环节代码" => "link",
        "环节名称" => "link_name",
        "段" | "产业链段" => "segment",
        "单位" | "计量单位" => "unit",
        "日产能" | "产能" => "capacity_per_day",
        "进口依赖" | "卡脖子" => "import_dependent",
        "供应商" | "供应方" => "supplier",
        "采购方" | "需求方" => "buyer",
        "份额" | "占比" => "share",
        "投入" | "投入环节" => "input",
        "产出" | "产出环节" => "output",
        "用量" | "单耗" => "quantity",
        "说明" | "备注" => "note",
        "描述" | "简介" | "企业简介" | "主营产品" => "description",
        "联系人" => "contact_person",
        "联系电话" | "电话" => "contact_phone",
        _ => return t,
    };
    known.to_string()
}

/// A CSV file (already decoded) as a table. A row with more or fewer fields than the header is an error.
pub fn csv_table(file: &str, text: &str, errors: &mut Vec<RowError>) -> Option<Table> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(normalise_header).collect(),
        Err(e) => {
            errors.push(RowError::file(file, format!("cannot read the CSV header: {e}")));
            return None;
        }
    };
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        match rec {
            Ok(r) if r.iter().all(|f| f.trim().is_empty()) => {}
            Ok(r) if r.len() != headers.len() => errors.push(RowError {
                file: file.to_string(),
                row: Some(row),
                column: None,
                value: None,
                reason: format!("the row has {} fields but the header has {}", r.len(), headers.len()),
            }),
            Ok(r) => rows.push((row, r.iter().map(|f| f.trim().to_string()).collect())),
            Err(e) => errors.push(RowError {
                file: file.to_string(),
                row: Some(row),
                column: None,
                value: None,
                reason: format!("cannot read the row: {e}"),
            }),
        }
    }
    Some(Table { file: file.to_string(), sheet: None, headers, rows })
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        other => other.to_string(),
    }
}

/// Every non-empty sheet of an XLSX (or XLS) workbook as a table.
pub fn xlsx_tables(file: &str, bytes: &[u8], errors: &mut Vec<RowError>) -> Vec<Table> {
    let mut wb = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())) {
        Ok(wb) => wb,
        Err(e) => {
            errors.push(RowError::file(file, format!("cannot read the workbook: {e}")));
            return Vec::new();
        }
    };
    let mut tables = Vec::new();
    for sheet in wb.sheet_names() {
        let range = match wb.worksheet_range(&sheet) {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError::file(file, format!("cannot read sheet {sheet}: {e}")));
                continue;
            }
        };
        let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        let mut it = range.rows().enumerate();
        let Some((_, header)) = it.next() else {
            continue;
        };
        let headers: Vec<String> = header.iter().map(|c| normalise_header(&cell_text(c))).collect();
        let mut rows = Vec::new();
        for (i, r) in it {
            let cells: Vec<String> = r.iter().map(cell_text).collect();
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            // Credit codes typed as numbers lose digits beyond 15: say so instead of importing a wrong code.
            for (col, c) in r.iter().enumerate() {
                if let (Data::Float(f), Some("credit_code" | "supplier" | "buyer")) =
                    (c, headers.get(col).map(String::as_str))
                    && f.abs() >= 1e15
                {
                    errors.push(RowError {
                        file: format!("{file} [{sheet}]"),
                        row: Some(start_row + i + 1),
                        column: Some(headers[col].clone()),
                        value: Some(f.to_string()),
                        reason: "a credit code stored as a number has lost digits; format the column as text".into(),
                    });
                }
            }
            rows.push((start_row + i + 1, cells));
        }
        tables.push(Table { file: file.to_string(), sheet: Some(sheet.clone()), headers, rows });
    }
    tables
}
