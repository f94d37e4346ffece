//! The index's fields and how an [`EnterpriseDoc`] becomes a tantivy document.

use chaindock_model::RegionCode;
use chaindock_text::{normalize, parse_company};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::EnterpriseDoc;
use crate::tokenize::{BIGRAM, JIEBA};

/// Raised whenever the fields or their analysis change; an index directory written under another version is
/// rebuilt rather than read.
pub(crate) const SCHEMA_VERSION: &str = "chaindock-search 1";

/// The four kinds of text an enterprise is found by, best evidence first, and the weight of a match in each.
/// `context` holds the names of its divisions and of its chains: weak evidence, but it lets `唐山 冲压件` find
/// a Tangshan producer whose name does not say 唐山.
pub(crate) const TEXT_KINDS: [(&str, f32); 5] =
    [("name", 4.0), ("alias", 3.0), ("link", 2.0), ("desc", 1.0), ("context", 0.5)];

#[derive(Clone, Copy, Debug)]
pub(crate) struct TextFields {
    pub jieba: Field,
    pub bigram: Field,
    pub weight: f32,
}

#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub code: Field,
    /// The normalised, lowercased full name, its core (`长城汽车`) and region prefix + core, as single terms.
    pub name_exact: Field,
    /// Each normalised, lowercased alias as a single term.
    pub alias_exact: Field,
    /// Per text kind of [`TEXT_KINDS`], in that order.
    pub text: Vec<TextFields>,
    /// County, city and province code: a filter on any level is one term.
    pub regions: Field,
    pub chain: Field,
    pub link: Field,
    /// `chain/link`, for a filter on both that must hold for the same link.
    pub chain_link: Field,
    pub leading: Field,
    pub specialised: Field,
    pub lng: Field,
    pub lat: Field,
    /// The normalised name as one fast string, for ordering the results of a filter-only search.
    pub name_sort: Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let code = b.add_text_field("code", STRING | STORED);
    let name_exact = b.add_text_field("name_exact", STRING);
    let alias_exact = b.add_text_field("alias_exact", STRING);
    let text = TEXT_KINDS
        .iter()
        .map(|(kind, weight)| TextFields {
            jieba: b.add_text_field(&format!("{kind}_j"), text_opts(JIEBA)),
            bigram: b.add_text_field(&format!("{kind}_b"), text_opts(BIGRAM)),
            weight: *weight,
        })
        .collect();
    let regions = b.add_u64_field("regions", INDEXED);
    let chain = b.add_text_field("chain", STRING);
    let link = b.add_text_field("link", STRING);
    let chain_link = b.add_text_field("chain_link", STRING);
    let leading = b.add_u64_field("leading", INDEXED | FAST);
    let specialised = b.add_u64_field("specialised", INDEXED | FAST);
    let lng = b.add_f64_field("lng", INDEXED | FAST);
    let lat = b.add_f64_field("lat", INDEXED | FAST);
    let name_sort = b.add_text_field("name_sort", STRING | FAST);
    let fields = Fields {
        code,
        name_exact,
        alias_exact,
        text,
        regions,
        chain,
        link,
        chain_link,
        leading,
        specialised,
        lng,
        lat,
        name_sort,
    };
    (b.build(), fields)
}

/// Normalised and lowercased: the form both documents and queries are compared in.
pub fn canonical(s: &str) -> String {
    normalize(s).to_lowercase()
}

/// Names of a division for the `context` text: official and short name (`唐山市`, `唐山`). The municipal
/// placeholders (`北京市市辖区`) say nothing their municipality does not.
fn place_names(code: u32, out: &mut Vec<String>) {
    let Ok(code) = RegionCode::parse(&code.to_string()) else { return };
    let r = code.region();
    if r.name.ends_with("市辖区") {
        return;
    }
    for n in [&r.name, &r.short_name] {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
}

/// The texts of an enterprise as the index sees them: normalised and lowercased, by kind (see
/// [`TEXT_KINDS`]). Public so that benchmarks can give peers exactly the same text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexedTexts {
    pub name: String,
    pub aliases: Vec<String>,
    /// Names of the chain links it makes.
    pub links: Vec<String>,
    pub description: Option<String>,
    /// Names of its divisions (province, city, county; official and short) and of its chains.
    pub context: Vec<String>,
}

impl EnterpriseDoc {
    pub fn indexed_texts(&self) -> IndexedTexts {
        let mut links: Vec<String> = Vec::new();
        let mut context: Vec<String> = Vec::new();
        for l in &self.links {
            let n = canonical(&l.link_name);
            if !links.contains(&n) {
                links.push(n);
            }
            if let Some(c) = &l.chain_name {
                let c = canonical(c);
                if !context.contains(&c) {
                    context.push(c);
                }
            }
        }
        for code in [self.province, self.city, self.region] {
            place_names(code, &mut context);
        }
        IndexedTexts {
            name: canonical(&self.name),
            aliases: self.aliases.iter().map(|a| canonical(a)).filter(|a| !a.is_empty()).collect(),
            links,
            description: self.description.as_deref().map(canonical).filter(|d| !d.is_empty()),
            context,
        }
    }
}

impl Fields {
    pub(crate) fn document(&self, d: &EnterpriseDoc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.code, d.credit_code.trim());
        let t = d.indexed_texts();

        let parsed = parse_company(&t.name);
        doc.add_text(self.name_exact, &t.name);
        if !parsed.core.is_empty() {
            doc.add_text(self.name_exact, &parsed.core);
            if let Some(p) = &parsed.region_prefix {
                doc.add_text(self.name_exact, format!("{p}{}", parsed.core));
            }
        }
        doc.add_text(self.name_sort, &t.name);
        for a in &t.aliases {
            doc.add_text(self.alias_exact, a);
        }
        for l in &d.links {
            doc.add_text(self.chain, &l.chain);
            doc.add_text(self.link, &l.link);
            doc.add_text(self.chain_link, format!("{}/{}", l.chain, l.link));
        }
        let texts: [Vec<String>; 5] =
            [vec![t.name], t.aliases, t.links, t.description.into_iter().collect(), t.context];
        for (f, values) in self.text.iter().zip(texts) {
            for v in values {
                doc.add_text(f.jieba, &v);
                doc.add_text(f.bigram, &v);
            }
        }

        let mut codes = vec![d.region as u64, d.city as u64, d.province as u64];
        codes.dedup();
        for c in codes {
            doc.add_u64(self.regions, c);
        }
        doc.add_u64(self.leading, d.leading as u64);
        doc.add_u64(self.specialised, d.specialised as u64);
        if let (Some(lng), Some(lat)) = (d.lng, d.lat)
            && lng.is_finite()
            && lat.is_finite()
        {
            doc.add_f64(self.lng, lng);
            doc.add_f64(self.lat, lat);
        }
        doc
    }
}
