//! Full-text search over the registry: find an enterprise the way people type it.
//!
//! People search by a company's short name (`长城汽车`, `京东方`, `河钢`), by what it makes (`冲压件`,
//! `胶管总成`), with a place mixed in (`唐山 冲压件`), in Traditional characters (`長城汽車`), or by a
//! fragment of a name that no word segmenter would cut out (`华冶冲压`). A [`SearchIndex`] is a tantivy
//! index of [`EnterpriseDoc`]s that answers all of these, with exact filters (division at any level, chain,
//! link, flags, distance) besides.
//!
//! The one idea: **every text is indexed twice** — as jieba words, which score whole words well, and as
//! character bigrams, which find any fragment. A query matches a document when most of its bigrams occur in
//! the document's texts (70 %, all of them for one or two bigrams); its score sums BM25 over both analyses
//! with the name weighing most, then aliases, the names of the chain links it makes, its description, and
//! last its places and chains. A division named at the front of a term (`唐山冲压件`, `唐山华冶`) must hold:
//! the enterprise lies there or its name says so. An exact name or alias outranks everything, and a leading
//! (龙头) or 专精特新 enterprise is lifted a little (×1.25, ×1.1). Documents and queries pass through [`chaindock_text::normalize`] first,
//! so Traditional and full-width forms meet their Simplified ones.
//!
//! The index knows no database: the caller feeds it documents ([`SearchIndex::replace_all`] to rebuild,
//! [`SearchIndex::upsert`] and [`SearchIndex::delete`] to follow writes, each visible to the next search).
//! It does no I/O beyond the directory it is given. User text never reaches a query parser, so `"`, `:`,
//! `(` or `AND` are just characters.

mod collect;
pub mod geo;
mod schema;
mod tokenize;

use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

use chaindock_text::parse_company;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::collect::{HitCollector, Order};
use crate::schema::{Fields, SCHEMA_VERSION, build_schema};
use crate::tokenize::{BIGRAM, JIEBA, bigram_analyzer, bigrams, jieba_analyzer, jieba_words};

pub use crate::geo::haversine_km;
pub use crate::schema::{IndexedTexts, canonical};

/// What the index knows of an enterprise. Codes are GB/T 2260 division codes; `links` are what it makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnterpriseDoc {
    pub credit_code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub description: Option<String>,
    /// County-level division.
    pub region: u32,
    pub city: u32,
    pub province: u32,
    /// GB/T 4754-2017 code; carried for callers, not searched.
    pub industry: Option<String>,
    pub leading: bool,
    pub specialised: bool,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub links: Vec<LinkDoc>,
}

/// A chain link an enterprise makes: the link's name is one of its products.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkDoc {
    pub chain: String,
    pub link: String,
    pub link_name: String,
    /// The chain's name (`乳制品与包装产业链`), searched as weak context.
    pub chain_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    /// What the user typed; empty for a filter-only search.
    pub text: String,
    /// A division at any level: a province, city or county code (a city includes its counties).
    pub region: Option<u32>,
    pub chain: Option<String>,
    /// A link id; with `chain`, the link of that chain.
    pub link: Option<String>,
    pub leading: Option<bool>,
    pub specialised: Option<bool>,
    /// (lng, lat, radius in km): only enterprises with a location within the radius.
    pub near: Option<(f64, f64, f64)>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchResult {
    /// How many enterprises match (all pages).
    pub total: usize,
    pub hits: Vec<Hit>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub credit_code: String,
    /// Relevance (0 for a filter-only search); comparable within one result only.
    pub score: f32,
    /// Distance from the `near` point, when one was given.
    pub distance_km: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be run as given (a negative radius, a page beyond reach).
    #[error("invalid search: {0}")]
    Invalid(String),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// Pages end here: deep paging through a relevance ranking helps nobody and costs memory.
pub const MAX_WINDOW: usize = 10_000;

/// Share of a query's bigrams a document must contain (rounded up; all of them when there are two or fewer).
const MIN_MATCH: f64 = 0.7;
/// Extra weight of the jieba analysis of a text kind relative to its bigram analysis.
const JIEBA_WEIGHT: f32 = 0.75;
/// An exact full name, core name or alias.
const EXACT_NAME_BOOST: f32 = 20.0;
const EXACT_ALIAS_BOOST: f32 = 15.0;
const CODE_BOOST: f32 = 50.0;
/// Score of lying in a place the query names (a constant: being in 唐山 is not a matter of degree).
const PLACE_SCORE: f32 = 2.0;
/// Writer memory: enough for bulk rebuilds to make few segments, small enough for a server.
const WRITER_BUDGET: usize = 128 << 20;
const VERSION_FILE: &str = "chaindock-search.version";

/// A full-text index of enterprises; see the crate documentation.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("docs", &self.doc_count()).finish()
    }
}

impl SearchIndex {
    /// Open the index in `dir`, or create an empty one there. `fresh` is true when the index is new (or was
    /// written by another schema version and has been emptied): the caller should then [`replace_all`].
    ///
    /// [`replace_all`]: SearchIndex::replace_all
    pub fn open_or_create(dir: &Path) -> Result<(SearchIndex, bool)> {
        std::fs::create_dir_all(dir)?;
        let version_path = dir.join(VERSION_FILE);
        let same_version = std::fs::read_to_string(&version_path).is_ok_and(|v| v.trim() == SCHEMA_VERSION);
        let has_index = dir.join("meta.json").exists();
        let (schema, fields) = build_schema();
        let (index, fresh) = if has_index && same_version {
            (Index::open_in_dir(dir)?, false)
        } else {
            if has_index {
                // Written by another version of this crate: its fields cannot be trusted, and the caller
                // rebuilds from the store anyway. Only the index's own files are removed.
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    if path.is_file() {
                        std::fs::remove_file(path)?;
                    }
                }
            }
            let index = Index::create_in_dir(dir, schema)?;
            std::fs::write(&version_path, SCHEMA_VERSION)?;
            (index, true)
        };
        Ok((Self::from_index(index, fields)?, fresh))
    }

    /// An index held in memory only (tests, small tools).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, fields) = build_schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<SearchIndex> {
        index.tokenizers().register(JIEBA, jieba_analyzer());
        index.tokenizers().register(BIGRAM, bigram_analyzer());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2);
        let writer = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: Mutex::new(writer), fields })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves at worst uncommitted additions, which the next commit or
        // rollback settles; the writer itself stays usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<()> {
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replace the whole index with `docs` (a rebuild from the store); returns how many were indexed.
    pub fn replace_all(&self, docs: impl IntoIterator<Item = EnterpriseDoc>) -> Result<u64> {
        let mut writer = self.writer();
        writer.delete_all_documents()?;
        let mut n = 0;
        for d in docs {
            writer.add_document(self.fields.document(&d))?;
            n += 1;
        }
        self.commit(&mut writer)?;
        Ok(n)
    }

    /// Add an enterprise or replace the one with the same credit code; the next search sees it.
    pub fn upsert(&self, doc: &EnterpriseDoc) -> Result<()> {
        self.upsert_many(std::slice::from_ref(doc))
    }

    /// [`SearchIndex::upsert`] for several enterprises in one commit.
    pub fn upsert_many(&self, docs: &[EnterpriseDoc]) -> Result<()> {
        let mut writer = self.writer();
        for d in docs {
            writer.delete_term(Term::from_field_text(self.fields.code, d.credit_code.trim()));
            writer.add_document(self.fields.document(d))?;
        }
        self.commit(&mut writer)
    }

    /// Remove the enterprise with this credit code (nothing happens when there is none).
    pub fn delete(&self, credit_code: &str) -> Result<()> {
        let mut writer = self.writer();
        writer.delete_term(Term::from_field_text(self.fields.code, credit_code.trim()));
        self.commit(&mut writer)
    }

    /// Enterprises in the index.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Run a search; see [`SearchQuery`]. Text that matches nothing gives an empty result, never an error.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult> {
        let keep = q.offset.saturating_add(q.limit);
        if keep > MAX_WINDOW {
            return Err(SearchError::Invalid(format!("offset + limit must not exceed {MAX_WINDOW}")));
        }
        if let Some((lng, lat, r)) = q.near
            && !(lng.is_finite() && lat.is_finite() && r.is_finite() && r >= 0.0 && lat.abs() <= 90.0)
        {
            return Err(SearchError::Invalid(format!("bad distance filter ({lng}, {lat}, {r} km)")));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self.filters(q);
        let text = canonical(&q.text);
        // Text that normalises to nothing (`\0`, `!!!`) is a search for nothing, not a filter-only search.
        let order = if q.text.trim().is_empty() {
            Order::LeadingThenName
        } else {
            match self.text_query(&text) {
                Some(mut text_clauses) => clauses.append(&mut text_clauses),
                None => return Ok(SearchResult { total: 0, hits: Vec::new() }),
            }
            Order::Score
        };
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let collector = HitCollector { order, keep, near: q.near };
        let (total, raw) = searcher.search(&query, &collector)?;
        let mut hits = Vec::with_capacity(q.limit);
        for h in raw.into_iter().skip(q.offset) {
            let doc: TantivyDocument = searcher.doc(h.address)?;
            let code = doc.get_first(self.fields.code).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            hits.push(Hit { credit_code: code, score: h.score, distance_km: h.distance });
        }
        Ok(SearchResult { total, hits })
    }

    /// The structured filters, as clauses that must hold and add nothing to the score.
    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let term = |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        if let Some(r) = q.region {
            out.push(term(Term::from_field_u64(f.regions, r as u64)));
        }
        match (&q.chain, &q.link) {
            (Some(c), Some(l)) => out.push(term(Term::from_field_text(f.chain_link, &format!("{c}/{l}")))),
            (Some(c), None) => out.push(term(Term::from_field_text(f.chain, c))),
            (None, Some(l)) => out.push(term(Term::from_field_text(f.link, l))),
            (None, None) => {}
        }
        if let Some(v) = q.leading {
            out.push(term(Term::from_field_u64(f.leading, v as u64)));
        }
        if let Some(v) = q.specialised {
            out.push(term(Term::from_field_u64(f.specialised, v as u64)));
        }
        if let Some((lng, lat, r)) = q.near {
            // The box only narrows the candidates; the collector applies the exact distance.
            let ((w, e), (s, n)) = geo::bounding_box(lng, lat, r);
            let range = |field, lo: f64, hi: f64| -> Box<dyn Query> {
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_f64(field, lo)),
                    Bound::Included(Term::from_field_f64(field, hi)),
                ))
            };
            out.push(range(f.lat, s, n));
            // A box across the antimeridian would need two ranges; the registry lies nowhere near it.
            if w > -180.0 && e < 180.0 {
                out.push(range(f.lng, w, e));
            }
        }
        out.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect()
    }

    /// The clauses of a text search over canonical text, or `None` when the text has nothing to search by.
    ///
    /// Recall (one clause that must hold): enough of the query's bigrams, each found in any text kind; or the
    /// exact name, alias or credit code. A place at the front of a term (`唐山冲压件`) must hold besides.
    /// Legal forms (`有限公司`) are left out of the bigrams when the query has more than them: every company
    /// has one, so they would only slow the search down. Scoring adds the jieba words of the whole query in
    /// each text kind.
    fn text_query(&self, text: &str) -> Option<Vec<(Occur, Box<dyn Query>)>> {
        let f = &self.fields;
        let compact: String = text.split_whitespace().collect();
        let mut grams: Vec<String> = Vec::new();
        let mut places: Vec<String> = Vec::new();
        for segment in text.split_whitespace() {
            let parsed = parse_company(segment);
            let prefix = parsed.region_prefix.as_deref().unwrap_or_default();
            let core = if parsed.legal_forms.is_empty() || parsed.core.is_empty() {
                // Nothing but a legal form (`有限公司`) is searched as written.
                segment.strip_prefix(prefix).unwrap_or(segment)
            } else {
                parsed.core.as_str()
            };
            // A place in front is its own word (`唐山华冶` is `唐山` and `华冶`), and one the result must
            // honour (below); the bigram across the seam (`山华`) is in no document that names the two apart.
            if !prefix.is_empty() && !places.iter().any(|p| p == prefix) {
                places.push(prefix.to_string());
            }
            if core != prefix {
                for g in bigrams(core) {
                    if !grams.contains(&g) {
                        grams.push(g);
                    }
                }
            }
        }
        let code = compact.to_uppercase();
        let is_code = code.len() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric());
        if grams.is_empty() && places.is_empty() && !is_code {
            return None;
        }

        let term_query = |field, text: &str, boost: f32| -> Box<dyn Query> {
            let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            Box::new(BoostQuery::new(Box::new(q), boost))
        };
        let all_of = |field, grams: &[String], boost: f32| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(grams.iter().map(|g| (Occur::Must, term_query(field, g, boost))).collect()))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut exact: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Should, term_query(f.name_exact, &compact, EXACT_NAME_BOOST)),
            (Occur::Should, term_query(f.alias_exact, text.trim(), EXACT_ALIAS_BOOST)),
        ];
        if is_code {
            exact.push((Occur::Should, term_query(f.code, &code, CODE_BOOST)));
        }

        // A named place must hold: the enterprise lies there (any division the name may denote), or its name
        // or an alias says it (`长安汽车` is not in 长安区).
        for place in &places {
            let mut either: Vec<(Occur, Box<dyn Query>)> = chaindock_text::resolve_place(place)
                .into_iter()
                .map(|c| {
                    let t = TermQuery::new(
                        Term::from_field_u64(f.regions, c.code.as_u32() as u64),
                        IndexRecordOption::Basic,
                    );
                    (Occur::Should, Box::new(ConstScoreQuery::new(Box::new(t), PLACE_SCORE)) as Box<dyn Query>)
                })
                .collect();
            let place_grams = bigrams(place);
            either.push((Occur::Should, all_of(f.text[0].bigram, &place_grams, f.text[0].weight)));
            either.push((Occur::Should, all_of(f.text[1].bigram, &place_grams, f.text[1].weight)));
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }

        if grams.is_empty() {
            // Only a place (`唐山`): everything there, exact names first.
            clauses.extend(exact);
        } else {
            let per_gram: Vec<(Occur, Box<dyn Query>)> = grams
                .iter()
                .map(|g| {
                    let mut alternatives: Vec<(Occur, Box<dyn Query>)> =
                        f.text.iter().map(|t| (Occur::Should, term_query(t.bigram, g, t.weight))).collect();
                    // A lone character is not a bigram: look for it as a jieba word too (`钢`).
                    if g.chars().count() == 1 {
                        alternatives.extend(
                            f.text.iter().map(|t| (Occur::Should, term_query(t.jieba, g, t.weight * JIEBA_WEIGHT))),
                        );
                    }
                    (Occur::Should, Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
                })
                .collect();
            let need = if grams.len() <= 2 { grams.len() } else { (grams.len() as f64 * MIN_MATCH).ceil() as usize };
            let mut recall = exact;
            recall.push((Occur::Should, Box::new(BooleanQuery::with_minimum_required_clauses(per_gram, need))));
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(recall))));
        }

        let mut jieba: TextAnalyzer = self.index.tokenizers().get(JIEBA).unwrap_or_else(jieba_analyzer);
        for word in jieba_words(&mut jieba, text) {
            for t in &f.text {
                clauses.push((Occur::Should, term_query(t.jieba, &word, t.weight * JIEBA_WEIGHT)));
            }
        }
        Some(clauses)
    }
}

#[cfg(test)]
mod tests;
