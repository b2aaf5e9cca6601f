//! The title engine over a workspace: the market a job scores against ([`Market`], opened
//! once from the keyword table and the listing index), and the records of `score` and
//! `rewrite`, which say which real queries a title is found for before and after.
//!
//! The edge turns its arguments into [`Settings`]; the engine never sees them.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::batch::{JobError, Reject};
use crate::input::{self, Field};
use crate::item::{Item, ItemError};
use crate::keyword::{KeywordUniverse, UniverseOptions, ValueModel};
use crate::lang::{Lang, Said};
use crate::market::index::ListingIndex;
use crate::market::table::KeywordTable;
use crate::market::workspace::Workspace;
use crate::text::Segmenter;
use crate::text::lint::Problem;
use crate::title::edit::{Change, Editor, Kept, Rewrite};
use crate::title::score::{Check, KeywordValue, LISTED, Scorer, Suggestion, round};

/// What a job needs from the command line: the dictionaries in force (as the segmenter built
/// from them, once, shared), the title budget and the language people read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The segmenter of the dictionaries in force.
    pub segmenter: Arc<Segmenter>,
    /// Title budget in GBK bytes.
    pub budget: usize,
    /// The language of reasons and problems.
    pub lang: Lang,
}

/// The market a job scores against, built once: the keyword universe and, when the workspace
/// has one, the listing index (opened once, shared by the universe, suggest and ads).
pub struct Market {
    /// The market's queries, valued.
    pub universe: KeywordUniverse,
    index: Option<Arc<ListingIndex>>,
    budget: usize,
    lang: Lang,
}

impl std::fmt::Debug for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Market")
            .field("keywords", &self.universe.len())
            .field("index", &self.index.as_ref().map(|i| i.path().to_owned()))
            .finish()
    }
}

impl Market {
    /// Opens the workspace's keyword table (and listing index, when there is one) and builds
    /// the keyword universe; an error saying what to do when there is no keyword data at all.
    pub fn open(ws: &Workspace, settings: &Settings) -> Result<Market, JobError> {
        let table_path = ws.table_path();
        let has_index = ListingIndex::exists(ws.index_dir());
        if !table_path.exists() {
            let (how_zh, how_en) = if has_index {
                (
                    "，或用 `baobei keywords derive` 从已索引的宝贝推导关键词",
                    ", or derive keywords from the indexed listings with `baobei keywords derive`",
                )
            } else {
                (
                    "，或先用 `baobei index add FILE` 索引市场宝贝，再运行 `baobei keywords derive`",
                    ", or index market listings with `baobei index add FILE` and then run \
                     `baobei keywords derive`",
                )
            };
            return Err(JobError::Missing {
                path: ws.root().to_owned(),
                what: Said::new(
                    format!(
                        "工作区还没有关键词表：请用 `baobei keywords import FILE` 导入关键词导出文件{how_zh}"
                    ),
                    format!(
                        "no keyword table in the workspace: import a keyword export with `baobei \
                         keywords import FILE`{how_en}"
                    ),
                ),
            });
        }
        let table = KeywordTable::open(&table_path)?;
        let model = ValueModel::from_settings(ws.settings()?)?;
        let options = UniverseOptions {
            budget: settings.budget,
            ..UniverseOptions::default()
        };
        let universe =
            KeywordUniverse::from_table(&table, settings.segmenter.clone(), model, options)
                .map_err(|e| JobError::Unreadable {
                    path: table_path.clone(),
                    what: Said::new("关键词表", "keyword table"),
                    source: Box::new(e.into()),
                })?;
        let index = match has_index {
            true => Some(Arc::new(ListingIndex::create_or_open(
                ws.index_dir(),
                settings.segmenter.clone(),
            )?)),
            false => None,
        };
        let universe = match &index {
            Some(index) => universe.with_index(index.clone()),
            None => universe,
        };
        Ok(Market {
            universe,
            index,
            budget: settings.budget,
            lang: settings.lang,
        })
    }

    /// The workspace's listing index, when it has one.
    pub fn index(&self) -> Option<&ListingIndex> {
        self.index.as_deref()
    }

    /// The title editor (and scorer) over this market.
    pub fn editor(&self) -> Editor<'_> {
        Editor {
            scorer: Scorer {
                universe: &self.universe,
                budget: self.budget,
            },
        }
    }

    /// `score` of one item: which real queries its title is found for.
    pub fn score(&self, item: &Item) -> ScoreRecord {
        ScoreRecord::new(&self.editor(), item, self.lang)
    }

    /// `rewrite` of one item: the edited title and the queries it gains and loses.
    pub fn rewrite(&self, item: &Item) -> RewriteRecord {
        let editor = self.editor();
        RewriteRecord::new(&editor.scorer, item, editor.rewrite(item), self.lang)
    }
}

/// The items of an input file; rows without a title, or with a bad value, are rejected.
pub fn items(path: &Path) -> Result<impl Iterator<Item = Result<Item, Reject>> + use<>, JobError> {
    let options = input::Options {
        required: vec![Field::Title],
        ..Default::default()
    };
    let reader = input::open(path, &options)?;
    Ok(reader.map(|row| {
        let record = row.map_err(Reject::from)?;
        Item::from_record(&record).map_err(|e| match e {
            ItemError::Input(e) => Reject::from(e),
            e @ (ItemError::NoTitle { .. } | ItemError::Negative { .. }) => {
                Reject::new(record.location().to_string(), &e, record.raw().into_owned())
            }
        })
    }))
}

/// How many queries, of how much value.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recall {
    /// Queries.
    pub queries: usize,
    /// Their value, summed.
    pub value: f64,
}

impl Recall {
    /// The count and value of `found` (query id, value) pairs.
    fn of(found: &[(u32, f64)]) -> Recall {
        Recall {
            queries: found.len(),
            value: round(found.iter().map(|x| x.1).sum()),
        }
    }
}

/// Queries by value, most valuable first, at most `LISTED`.
fn top(scorer: &Scorer<'_>, list: &[(u32, f64)]) -> Vec<KeywordValue> {
    let mut sorted = list.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    sorted.truncate(LISTED);
    scorer.values(sorted)
}

/// `score` output for one title: which real queries it is found for.
#[derive(Debug, Serialize)]
pub struct ScoreRecord {
    /// The item's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The title's GBK bytes.
    pub bytes: usize,
    /// The share of the reachable value found, 0-100.
    pub score: f64,
    /// The queries the title is found for.
    pub found: Recall,
    /// The queries the item could be found for (every word true of it).
    pub reachable: Recall,
    /// The most valuable queries found.
    pub queries: Vec<KeywordValue>,
    /// The most valuable reachable queries not found.
    pub missing: Vec<KeywordValue>,
    /// Valuable relevant queries needing words the item does not state.
    pub suggestions: Vec<Suggestion>,
    /// Hard constraints broken (budget, prohibited words, ...).
    pub checks: Vec<Check>,
    /// Lint problems of the title.
    pub problems: Vec<Problem>,
    /// The language the table and CSV columns are written in.
    #[serde(skip)]
    pub lang: Lang,
}

impl ScoreRecord {
    /// Scores `item` with `editor`, reasons in `lang`.
    pub fn new(editor: &Editor<'_>, item: &Item, lang: Lang) -> Self {
        let scorer = &editor.scorer;
        let u = scorer.universe;
        let s = editor.score_item(item);
        let missing: Vec<(u32, f64)> = s
            .score
            .missing
            .iter()
            .map(|&k| (k, u.keyword(k).value.value))
            .collect();
        ScoreRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            bytes: s.bytes,
            score: s.score.score,
            found: Recall::of(&s.score.found),
            reachable: Recall {
                queries: s.score.reachable,
                value: round(s.score.reachable_value),
            },
            queries: top(scorer, &s.score.found),
            missing: scorer.values(missing),
            suggestions: scorer.suggestions(&s.candidates, &s.true_words, &s.subject, 5),
            checks: s.score.checks,
            problems: s.problems,
            lang,
        }
    }
}

/// `rewrite` output for one item: the edited title, what changed and the queries it gains
/// and loses.
#[derive(Debug, Serialize)]
pub struct RewriteRecord {
    /// The item's id.
    pub id: String,
    /// The title as it was.
    pub title: String,
    /// The edited title (the same when kept).
    pub new_title: String,
    /// GBK bytes before.
    pub bytes: usize,
    /// GBK bytes after.
    pub new_bytes: usize,
    /// Score before.
    pub score: f64,
    /// Score after.
    pub new_score: f64,
    /// Queries found before and after.
    pub recall: Recall,
    /// See `recall`.
    pub new_recall: Recall,
    /// The most valuable queries gained and lost, by name.
    pub gained: Vec<KeywordValue>,
    /// See `gained`.
    pub lost: Vec<KeywordValue>,
    /// Words added and removed.
    pub added: Vec<String>,
    /// See `added`.
    pub removed: Vec<String>,
    /// Each change, structured.
    pub changes: Vec<Change>,
    /// Valuable queries needing a word to confirm first.
    pub suggestions: Vec<Suggestion>,
    /// The most value a title within the budget could be found for.
    pub upper_bound: f64,
    /// Why the original title was kept, when it was.
    pub kept: Option<Kept>,
    /// Why, for a person, in the run's language (the structured form is `changes` and
    /// `kept`).
    pub reason: String,
}

impl RewriteRecord {
    /// The record of rewrite `r` of `item`, reasons in `lang`.
    pub fn new(scorer: &Scorer<'_>, item: &Item, r: Rewrite, lang: Lang) -> Self {
        let reason = r.reason(lang);
        let (added, removed) = r.words();
        RewriteRecord {
            id: item.id.clone(),
            title: item.title.clone(),
            new_title: r.title,
            bytes: r.old.bytes,
            new_bytes: r.new_bytes,
            score: r.old.score.score,
            new_score: r.new_score.score,
            recall: Recall::of(&r.old.score.found),
            new_recall: Recall::of(&r.new_score.found),
            gained: top(scorer, &r.gained),
            lost: top(scorer, &r.lost),
            added,
            removed,
            changes: r.changes,
            suggestions: r.suggestions,
            upper_bound: round(r.upper_bound),
            kept: r.kept,
            reason,
        }
    }
}

/// What a rewrite job did, for its summary: items, how many changed, queries and value
/// found before and after, items losing value, and the scores for their medians.
#[derive(Debug, Default)]
pub struct RewriteStats {
    /// Items rewritten.
    pub items: usize,
    /// Items whose title changed.
    pub changed: usize,
    /// Queries found before and after, summed over the items.
    pub found: usize,
    /// See `found`.
    pub new_found: usize,
    /// Query value found before and after, summed over the items.
    pub value: f64,
    /// See `value`.
    pub new_value: f64,
    /// Items found for less value after.
    pub losing: usize,
    old: Vec<f64>,
    new: Vec<f64>,
}

impl RewriteStats {
    /// Counts one rewrite in.
    pub fn add(&mut self, r: &RewriteRecord) {
        self.items += 1;
        self.changed += usize::from(r.new_title != r.title);
        self.found += r.recall.queries;
        self.new_found += r.new_recall.queries;
        self.value += r.recall.value;
        self.new_value += r.new_recall.value;
        self.losing += usize::from(r.new_recall.value < r.recall.value);
        self.old.push(r.score);
        self.new.push(r.new_score);
    }

    /// The median score before and after (0 for no items).
    pub fn medians(&mut self) -> (f64, f64) {
        (median(&mut self.old), median(&mut self.new))
    }
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_market_without_keyword_data_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let settings = Settings {
            segmenter: Arc::new(Segmenter::builtin()),
            budget: 60,
            lang: Lang::Zh,
        };
        let err = Market::open(&ws, &settings).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: no keyword table", dir.path().display())));
        assert!(err.contains("`baobei index add FILE`"), "{err}");
    }
}
