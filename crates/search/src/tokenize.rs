//! Which words a text is made of, for the index and for queries.
//!
//! Two analyses of the same normalised text: jieba's words (search mode, so `有限公司` also yields `有限` and
//! `公司`) and character bigrams of each run of Han characters, with runs of ASCII letters and digits kept
//! whole and lowercased (`BOE`, `N95`, `tft`). Bigrams find what jieba does not split out (`华冶冲压` in
//! `唐山华冶冲压件有限公司`, where jieba sees `华冶`, `冲压件`); jieba words carry the scoring of whole words.

use tantivy::tokenizer::{LowerCaser, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::JiebaTokenizer;

/// Name under which the jieba analyser is registered in the index.
pub(crate) const JIEBA: &str = "cd_jieba";
/// Name under which the bigram analyser is registered in the index.
pub(crate) const BIGRAM: &str = "cd_bigram";

pub(crate) fn jieba_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new()).filter(LowerCaser).build()
}

pub(crate) fn bigram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(BigramTokenizer).build()
}

/// Whether a character belongs to a Han run (CJK ideographs and their extensions).
pub(crate) fn is_han(c: char) -> bool {
    chaindock_text::is_han(c)
}

/// The bigram tokens of `text`: each pair of neighbouring Han characters, a lone Han character by itself,
/// and each run of ASCII letters and digits lowercased. Anything else separates runs.
pub(crate) fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut han: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_han = |han: &mut Vec<char>, out: &mut Vec<String>| {
        match han.len() {
            0 => {}
            1 => out.push(han[0].to_string()),
            _ => out.extend(han.windows(2).map(|w| w.iter().collect::<String>())),
        }
        han.clear();
    };
    for c in text.chars() {
        if is_han(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            han.push(c);
        } else if c.is_ascii_alphanumeric() {
            flush_han(&mut han, &mut out);
            word.push(c.to_ascii_lowercase());
        } else {
            flush_han(&mut han, &mut out);
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    flush_han(&mut han, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The jieba words of `text` that contain a letter, digit or Han character (jieba also returns spaces and
/// punctuation as tokens), lowercased, in order, without repeats.
pub(crate) fn jieba_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        let t = &token.text;
        if t.chars().any(|c| is_han(c) || c.is_alphanumeric()) && !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// [`bigrams`] as a tantivy tokenizer.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BigramTokenizer;

pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = bigrams(text)
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token { offset_from: 0, offset_to: 0, position, text, position_length: 1 })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        assert_eq!(bigrams(text), expected, "{text}");
    }

    #[test]
    fn bigram_cases() {
        check("冲压件", &["冲压", "压件"]);
        check("河钢", &["河钢"]);
        check("钢", &["钢"]);
        check("唐山 冲压件", &["唐山", "冲压", "压件"]);
        check("N95口罩", &["n95", "口罩"]);
        check("TFT-LCD 玻璃基板", &["tft", "lcd", "玻璃", "璃基", "基板"]);
        check("\"(AND):", &["and"]);
        check("", &[]);
    }

    #[test]
    fn token_stream_yields_the_bigrams() {
        let mut a = bigram_analyzer();
        let mut s = a.token_stream("京东方");
        let mut seen = Vec::new();
        while let Some(t) = s.next() {
            seen.push(t.text.clone());
        }
        assert_eq!(seen, ["京东", "东方"]);
    }

    #[test]
    fn jieba_words_drop_punctuation() {
        let mut a = jieba_analyzer();
        let words = jieba_words(&mut a, "长城汽车 (股份)");
        assert!(words.iter().all(|w| !w.trim().is_empty() && w != "(" && w != ")"), "{words:?}");
        assert!(words.contains(&"长城".to_string()), "{words:?}");
    }
}
