//! `segment` and `lint`: one record per title, in input order.

use serde::Serialize;

use super::output::Record;
use crate::batch::Reject;
use crate::input::{Field, Reader};
use crate::lang::Lang;
use crate::text::chars::gbk_len;
use crate::text::lint::{Problem, lint};
use crate::text::{Segmenter, TokenKind};

/// A title to work on, with the id it is reported under.
#[derive(Debug, Clone)]
pub struct TitleItem {
    pub id: String,
    pub title: String,
}

/// One token in `segment` output.
#[derive(Debug, Serialize)]
pub struct TokenRecord {
    pub text: String,
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

/// `segment` output for one title.
#[derive(Debug, Serialize)]
pub struct SegmentRecord {
    pub id: String,
    pub title: String,
    pub bytes: usize,
    pub tokens: Vec<TokenRecord>,
}

/// `lint` output for one title.
#[derive(Debug, Serialize)]
pub struct LintRecord {
    pub id: String,
    pub title: String,
    pub bytes: usize,
    pub problems: Vec<Problem>,
    /// The language the table and CSV columns are written in.
    #[serde(skip)]
    pub lang: Lang,
}

pub fn segment(segmenter: &Segmenter, item: &TitleItem) -> SegmentRecord {
    let seg = segmenter.segment(&item.title);
    let tokens = seg
        .tokens
        .iter()
        .map(|t| TokenRecord {
            text: seg.text(t).to_owned(),
            kind: t.kind,
            start: t.start,
            end: t.end,
        })
        .collect();
    SegmentRecord {
        id: item.id.clone(),
        title: item.title.clone(),
        bytes: gbk_len(&item.title),
        tokens,
    }
}

pub fn lint_title(
    segmenter: &Segmenter,
    budget: usize,
    lang: Lang,
    item: &TitleItem,
) -> LintRecord {
    let seg = segmenter.segment(&item.title);
    LintRecord {
        id: item.id.clone(),
        title: item.title.clone(),
        bytes: gbk_len(&item.title),
        problems: lint(&seg, segmenter, budget),
        lang,
    }
}

impl Record for SegmentRecord {
    const HEADERS: &'static [&'static str] = &["ID", "标题", "字节数", "分词"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let tokens: Vec<String> = self
            .tokens
            .iter()
            .map(|t| format!("{}/{}", t.text, t.kind.as_str()))
            .collect();
        out.push(vec![
            self.id.clone(),
            self.title.clone(),
            self.bytes.to_string(),
            tokens.join(" "),
        ]);
    }
}

impl Record for LintRecord {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "标题",
        "字节数",
        "问题",
        "文字",
        "位置",
        "说明",
        "建议",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let head = [self.id.clone(), self.title.clone(), self.bytes.to_string()];
        if self.problems.is_empty() {
            out.push(
                head.iter()
                    .cloned()
                    .chain([self.lang.pick("无问题", "ok").to_owned()])
                    .chain(std::iter::repeat_n(String::new(), 4))
                    .collect(),
            );
        }
        for p in &self.problems {
            let suggestion = match p.suggestion.as_deref() {
                Some("") => self.lang.pick("（删除）", "(delete)").to_owned(),
                Some(s) => s.to_owned(),
                None => String::new(),
            };
            let cells = [
                p.kind.name(self.lang).to_owned(),
                p.text.clone(),
                format!("{}-{}", p.start, p.end),
                p.describe(self.lang),
                suggestion,
            ];
            out.push(head.iter().cloned().chain(cells).collect());
        }
    }
}

/// Titles from the command line, numbered from 1; one longer than the input rule allows
/// ([`input::check_title`]) is a reject located as `argument N`.
pub fn from_args(titles: &[String]) -> impl Iterator<Item = Result<TitleItem, Reject>> + '_ {
    titles.iter().enumerate().map(|(i, t)| {
        checked_arg(i, t)?;
        Ok(TitleItem {
            id: (i + 1).to_string(),
            title: t.clone(),
        })
    })
}

/// The title-length rule for the `i`-th (0-based) command-line title.
pub fn checked_arg(i: usize, title: &str) -> Result<(), Reject> {
    crate::input::check_title(title.trim()).map_err(|e| {
        let start: String = title.chars().take(100).collect();
        Reject::new(format!("argument {}", i + 1), &e, start)
    })
}

/// Titles from a file or standard input; a bad row becomes a reject and the rest go on.
/// Ids come from the id column, else the line number. The title is kept as written, spaces
/// and all, since lint reports them.
pub fn from_reader(reader: Reader) -> impl Iterator<Item = Result<TitleItem, Reject>> {
    reader.map(|row| {
        let record = row.map_err(Reject::from)?;
        Ok(TitleItem {
            id: record
                .text(Field::Id)
                .map_or_else(|| record.line().to_string(), str::to_owned),
            title: record.get(Field::Title).unwrap_or_default().to_owned(),
        })
    })
}
