//! One canonical Simplified form for Chinese text.
//!
//! The steps, in order:
//!
//! 1. **Width**: full-width ASCII forms (U+FF01–U+FF5E) become their half-width letters, digits and
//!    punctuation, the ideographic space (U+3000) a space; so `（集团）` becomes `(集团)` and `ＢＯＥ` `BOE`.
//! 2. **Punctuation**: the Chinese forms that have an ASCII twin are unified: `【】〔〕` → `[]()`, `、`
//!    stays (it has no twin), curly quotes become straight ones, `—`/`－`/`‐` dashes become `-`, `·`/`•`
//!    become `·` (the middle dot of transliterated names).
//! 3. **Pinyin annotations**: a parenthesised single pinyin syllable with a tone mark right after a Han
//!    character is removed (`精準(zhǔn)` → `精準`); a real parenthetical such as `(Apollo)`, `(集团)` or
//!    `(套)` is kept, and so is toneless Latin text (`(ma)` may be an abbreviation).
//! 4. **Traditional → Simplified** at phrase level with OpenCC's `t2s` dictionaries (through the pure-Rust
//!    ferrous-opencc): phrases first, then characters, so that 乾隆 stays 乾隆 while 乾燥 becomes 干燥,
//!    and 頭髮 becomes 头发 while 發展 becomes 发展.
//! 5. **Spaces**: runs of whitespace become one space, removed between two Han characters (`北京 汽车` →
//!    `北京汽车`, as PDF extraction leaves them), trimmed at both ends.
//!
//! Normalisation is idempotent and keeps every non-Han character that is not whitespace (checked by
//! property tests). Cost: linear in the input, plus OpenCC's dictionary look-ups (a finite-state
//! transducer per dictionary).

use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

fn converter() -> Option<&'static OpenCC> {
    static T2S: OnceLock<Option<OpenCC>> = OnceLock::new();
    // The t2s configuration and its dictionaries are compiled into ferrous-opencc; loading them cannot
    // fail short of a broken build, which the tests would show. Without them the text stays unconverted.
    T2S.get_or_init(|| OpenCC::from_config(BuiltinConfig::T2s).ok()).as_ref()
}

/// Whether `c` is a CJK ideograph (the unified blocks, extension A and the compatibility block).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0xF900..=0xFAFF | 0x30000..=0x3134F)
}

/// Steps 1 and 2: width and punctuation.
fn fold_width_and_punctuation(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '【' => '[',
            '】' => ']',
            '〔' => '(',
            '〕' => ')',
            '“' | '”' | '„' | '‟' | '〝' | '〞' => '"',
            '‘' | '’' | '‚' | '‛' => '\'',
            '—' | '–' | '‐' | '‑' | '‒' | '―' => '-',
            '•' | '・' | '‧' | '∙' => '·',
            '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => ' ',
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => '\u{0}',
            _ => c,
        })
        .filter(|c| *c != '\u{0}')
        .collect()
}

const TONED: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ";
const PLAIN: &str = "abcdefghijklmnopqrstuvwxyzü";

/// Whether `s` is one pinyin syllable written with a tone mark: 1–6 lower-case pinyin letters, at least
/// one of them a toned vowel, starting with a letter a syllable can start with.
fn is_toned_syllable(s: &str) -> bool {
    let n = s.chars().count();
    (1..=6).contains(&n)
        && s.chars().all(|c| TONED.contains(c) || PLAIN.contains(c))
        && s.chars().any(|c| TONED.contains(c))
        && !s.starts_with(['i', 'u', 'v', 'ü'])
}

/// Step 3: drop `(syllable)` after a Han character.
fn strip_pinyin(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '('
            && i > 0
            && is_han(chars[i - 1])
            && let Some(close) = chars[i + 1..].iter().take(8).position(|c| *c == ')')
            && is_toned_syllable(&chars[i + 1..i + 1 + close].iter().collect::<String>())
        {
            i += close + 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Step 5: collapse whitespace, drop it between Han characters, trim.
fn tidy_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let before = out.chars().next_back();
            let after = chars.get(i).copied();
            let between_han = before.is_some_and(is_han) && after.is_some_and(is_han);
            if start > 0 && after.is_some() && !between_han {
                out.push(' ');
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.trim().to_string()
}

/// Words where OpenCC's `t2s` keeps 著 (it is also a Simplified character, as in 著名) but mainland usage
/// writes 着: the aspect particle and the senses "to touch, to apply, to wear" (《通用规范汉字表》, 2013).
const ZHE_PHRASES: &[&str] = &[
    "意味著",
    "穿著",
    "接著",
    "随著",
    "跟著",
    "看著",
    "等著",
    "带著",
    "朝著",
    "向著",
    "沿著",
    "本著",
    "为著",
    "靠著",
    "著急",
    "著手",
    "著重",
    "著陆",
    "著力",
    "著眼",
    "著想",
    "著迷",
    "著实",
    "著凉",
    "著火",
    "著落",
    "著装",
    "著色",
    "沉著",
    "执著",
    "睡著",
    "试著",
    "忙著",
    "有著",
    "顺著",
    "冲著",
    "说著",
    "拿著",
    "想著",
    "附著",
    "站著",
    "坐著",
    "走著",
    "笑著",
    "听著",
    "写著",
    "做著",
    "过著",
    "活著",
    "盯著",
    "握著",
    "抱著",
    "躺著",
    "开著",
    "挂著",
    "戴著",
    "唱著",
    "吃著",
    "守著",
    "围著",
    "闹著",
    "记著",
    "留著",
    "藏著",
    "骑著",
    "摸著",
    "望著",
    "找著",
    "用著",
    "不著",
    "得著",
];

/// A 著 followed by one of these keeps its Simplified form: 著名, 著作, 著称, 著述, 著录, 著者 (so that
/// 有著名… and 最为著名 are not taken for 有著 and 为著).
const ZHU_FOLLOWERS: &[char] = &['名', '作', '称', '述', '录', '者'];

/// Names in which mainland usage keeps a character OpenCC's `t2s` simplifies (乾安县, Jilin: 乾 is not 干 there).
const KEPT_NAMES: &[(&str, &str)] = &[("干安县", "乾安县"), ("干县", "乾县")];

/// Variant characters OpenCC's `t2s` leaves alone although the standard Simplified form is another.
const VARIANTS: &[(char, char)] = &[('衞', '卫'), ('䍃', '摇')];

/// Traditional → Simplified only (step 4), for callers that must keep everything else as it is.
pub fn to_simplified(s: &str) -> String {
    let mut converted = match converter() {
        Some(cc) => cc.convert(s),
        None => s.to_string(),
    };
    for (wrong, right) in KEPT_NAMES {
        if converted.contains(wrong) {
            converted = converted.replace(wrong, right);
        }
    }
    let mut chars: Vec<char> =
        converted.chars().map(|c| VARIANTS.iter().find(|v| v.0 == c).map_or(c, |v| v.1)).collect();
    if !chars.contains(&'著') {
        return chars.into_iter().collect();
    }
    // Mark each 著 that one of the phrases covers, unless a 名/作/… right after it makes it 著名 and the like.
    let text: String = chars.iter().collect();
    let mut turn = vec![false; chars.len()];
    let char_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    for p in ZHE_PHRASES {
        let offset = p.chars().position(|c| c == '著').unwrap_or(0);
        for (b, _) in text.match_indices(p) {
            if let Ok(start) = char_at.binary_search(&b) {
                let at = start + offset;
                if !chars.get(at + 1).is_some_and(|n| ZHU_FOLLOWERS.contains(n)) {
                    turn[at] = true;
                }
            }
        }
    }
    for (c, t) in chars.iter_mut().zip(&turn) {
        if *t {
            *c = '着';
        }
    }
    chars.into_iter().collect()
}

/// The canonical form of `s` (all five steps).
pub fn normalize(s: &str) -> String {
    let folded = fold_width_and_punctuation(s);
    let stripped = strip_pinyin(&folded);
    // OpenCC maps a few characters in chains (A → B → C); converting to a fixed point keeps the function
    // idempotent. Two rounds are enough in practice; the third is a guard.
    let mut text = to_simplified(&stripped);
    for _ in 0..2 {
        let again = to_simplified(&text);
        if again == text {
            break;
        }
        text = again;
    }
    tidy_spaces(&text)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(normalize(input), expected, "normalize({input:?})");
    }

    #[test]
    fn traditional_to_simplified_at_phrase_level() {
        check("乾隆皇帝", "乾隆皇帝");
        check("乾燥劑", "干燥剂");
        check("頭髮", "头发");
        check("發展", "发展");
        check("著名", "著名");
        check("穿著", "穿着");
        check("後來", "后来");
        check("皇后", "皇后");
        check("北京汽車集團有限公司", "北京汽车集团有限公司");
        check("天津一汽豐田汽車有限公司", "天津一汽丰田汽车有限公司");
        check("京東方科技集團股份有限公司", "京东方科技集团股份有限公司");
        check("唐山鋼鐵", "唐山钢铁");
        check("臺灣", "台湾");
        check("華為、聯想等著名企業", "华为、联想等著名企业");
        check("其中以唐山最為著名", "其中以唐山最为著名");
        check("當地有著名的景點", "当地有著名的景点");
        check("保留所有著作權", "保留所有著作权");
        check("他說著說著就笑了", "他说着说着就笑了");
        check("統一著裝參加會議", "统一着装参加会议");
        check("晚上睡不著覺", "晚上睡不着觉");
        check("隨著市場需求的增長", "随着市场需求的增长");
        check("衞生用品", "卫生用品");
        check("乾安縣位於吉林省", "乾安县位于吉林省");
    }

    #[test]
    fn width_punctuation_and_spaces() {
        check("ＢＯＥ（京东方）", "BOE(京东方)");
        check("北京　汽车", "北京汽车");
        check("北京 汽车  集团", "北京汽车集团");
        check("  BAIC   Motor  ", "BAIC Motor");
        check("【唐山】钢铁", "[唐山]钢铁");
        check("“京津冀”协同", "\"京津冀\"协同");
        check("１．１万件", "1.1万件");
        check("Foton 北汽福田", "Foton 北汽福田");
        check("北\u{200B}京", "北京");
    }

    #[test]
    fn pinyin_annotations_go_real_parentheticals_stay() {
        check("精準(zhǔn)", "精准");
        check("產(chǎn)業(yè)", "产业");
        check("臺(tái)(套)", "台(套)");
        check("精準（zhǔn）扶貧", "精准扶贫");
        check("百度(Apollo)", "百度(Apollo)");
        check("北汽(集团)", "北汽(集团)");
        check("設備(套)", "设备(套)");
        check("型號(ma)", "型号(ma)");
        check("(zhǔn)開頭", "(zhǔn)开头");
        check("A(zhǔn)", "A(zhǔn)");
        check("女(nǚ)工", "女工");
    }

    proptest! {
        #[test]
        fn idempotent(s in "[\\PC]{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn idempotent_on_chinese(s in "[北京漢語發展頭髮乾燥臺灣鋼鐵汽車集團（）() 　ａ-ｚA-Z0-9zhǔnā]{0,30}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn keeps_non_han_text(s in "[a-zA-Z0-9.,;:!?@#%&*+=/-]{1,30}") {
            // Printable ASCII without spaces or parentheses passes through untouched.
            prop_assert_eq!(normalize(&s), s);
        }
    }
}
