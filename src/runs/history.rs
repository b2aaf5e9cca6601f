//! What a run learns from the one before: whose score fell and why, which proposals stand
//! from earlier runs, and which items are held back so that titles are not churned.
//!
//! The previous run is read once into a compact map (keywords interned, scores as `f32`), so
//! comparing a million items costs a few hundred megabytes, not the size of the JSON.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use super::{
    ItemScore, KeywordValue, Proposal, ProposalMark, ProposalStatus, Run, RunError, files,
};
use crate::input::{Date, parse_date};
use crate::lang::Lang;

/// How proposals are rationed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoldPolicy {
    /// Days after a title change, or after a different proposal, before a new title is
    /// proposed for the item: search needs time to re-rank a retitled item, and an operator
    /// who is sent a new title every night stops reading them.
    pub hold_days: i64,
    /// Score points a new title must gain to be proposed at all.
    pub min_gain: f64,
    /// Score points an item must lose to be reported as fallen.
    pub min_drop: f64,
}

impl Default for HoldPolicy {
    fn default() -> Self {
        HoldPolicy {
            hold_days: 14,
            min_gain: 5.0,
            min_drop: 1.0,
        }
    }
}

/// What to do with a better title found for an item.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Propose it (new, or standing from an earlier run).
    Propose(Proposal),
    /// Do not propose it now, for the reason given.
    Hold(HoldReason),
}

/// Why a better title is held back: a structured value, worded by [`HoldReason::describe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldReason {
    /// The title itself changed within the hold period.
    TitleChanged {
        /// The day the change was first seen, `YYYY-MM-DD`.
        on: String,
        /// The hold period, in days.
        hold_days: i64,
    },
    /// A different title was proposed within the hold period and stands.
    OtherProposal {
        /// The day it was first proposed, `YYYY-MM-DD`.
        on: String,
        /// The title standing.
        title: String,
        /// The hold period, in days.
        hold_days: i64,
    },
}

impl HoldReason {
    /// The reason for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Zh, HoldReason::TitleChanged { on, hold_days }) => {
                format!("标题已于 {on} 修改，{hold_days} 天内不再建议新标题")
            }
            (Lang::En, HoldReason::TitleChanged { on, hold_days }) => {
                format!("title changed on {on}; waiting {hold_days} days before proposing another")
            }
            (
                Lang::Zh,
                HoldReason::OtherProposal {
                    on,
                    title,
                    hold_days,
                },
            ) => format!("{on} 已建议另一个标题「{title}」，保留 {hold_days} 天"),
            (
                Lang::En,
                HoldReason::OtherProposal {
                    on,
                    title,
                    hold_days,
                },
            ) => format!(
                "a different title was proposed on {on} (\"{title}\"); it stands for {hold_days} days"
            ),
        }
    }
}

/// Why an item's score fell between two runs: a structured value (a kind plus the keyword
/// concerned), worded by [`FallReason::describe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FallReason {
    /// The title changed and no longer covers a keyword it covered.
    NoLongerCovers {
        /// The keyword.
        keyword: String,
    },
    /// A rising keyword the title misses (new since the previous run).
    MissesRising {
        /// The keyword.
        keyword: String,
    },
    /// A keyword newly relevant (competitors now cover it) that the title misses.
    NewlyRelevant {
        /// The keyword.
        keyword: String,
    },
    /// The value of a keyword the title covers fell.
    ValueFell {
        /// The keyword.
        keyword: String,
    },
    /// None of the above: the market's keyword values moved.
    MarketMoved,
}

impl FallReason {
    /// The reason for a person, in `lang`: the one place each kind is worded.
    pub fn describe(&self, lang: Lang) -> String {
        use FallReason as F;
        match (lang, self) {
            (Lang::Zh, F::NoLongerCovers { keyword }) => format!("新标题不再覆盖「{keyword}」"),
            (Lang::En, F::NoLongerCovers { keyword }) => {
                format!("the new title no longer covers \"{keyword}\"")
            }
            (Lang::Zh, F::MissesRising { keyword }) => format!("缺少飙升词「{keyword}」"),
            (Lang::En, F::MissesRising { keyword }) => {
                format!("misses the rising word \"{keyword}\"")
            }
            (Lang::Zh, F::NewlyRelevant { keyword }) => {
                format!("「{keyword}」新近相关（竞品已覆盖），标题缺少")
            }
            (Lang::En, F::NewlyRelevant { keyword }) => format!(
                "\"{keyword}\" is newly relevant (competitors now cover it) and the title misses it"
            ),
            (Lang::Zh, F::ValueFell { keyword }) => format!("已覆盖的「{keyword}」价值下降"),
            (Lang::En, F::ValueFell { keyword }) => {
                format!("the value of covered \"{keyword}\" fell")
            }
            (Lang::Zh, F::MarketMoved) => "市场关键词价值变化".to_owned(),
            (Lang::En, F::MarketMoved) => "the market's keyword values moved".to_owned(),
        }
    }
}

/// An item whose score moved between two runs, with the reasons found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreChange {
    /// Item id.
    pub id: String,
    /// The title now.
    pub title: String,
    /// Score in the earlier run.
    pub old_score: f64,
    /// Score now.
    pub new_score: f64,
    /// `new_score - old_score`.
    pub delta: f64,
    /// Why, most telling first.
    pub reasons: Vec<FallReason>,
}

impl ScoreChange {
    /// The reasons joined for a person, in `lang`.
    pub fn reason(&self, lang: Lang) -> String {
        self.reasons
            .iter()
            .map(|r| r.describe(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("；", "; "))
    }
}

/// A keyword that many items miss: where the next titles should look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// The keyword.
    pub keyword: String,
    /// Its value now.
    pub value: f64,
    /// Whether it is rising.
    pub rising: bool,
    /// Own items that miss it.
    pub items: u64,
    /// Whether it was relevant to none of them in the previous run.
    pub new: bool,
}

#[derive(Debug)]
struct PreviousItem {
    score: f32,
    title_hash: u64,
    title_changed: Option<Date>,
    proposed: Option<(Box<str>, Date)>,
    covered: Box<[(u32, f32)]>,
    missing: Box<[(u32, f32)]>,
}

/// The previous run, as much of it as comparing needs.
#[derive(Debug, Default)]
pub struct Previous {
    run: Option<String>,
    items: HashMap<Box<str>, PreviousItem>,
    keywords: HashMap<Box<str>, u32>,
}

fn title_hash(title: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(title.as_bytes())
}

fn day(text: &str) -> Option<Date> {
    parse_date(text).ok().flatten()
}

impl Previous {
    /// No previous run: every item is new, nothing is held back.
    pub fn none() -> Previous {
        Previous::default()
    }

    /// Reads `run`'s scores (streaming).
    pub fn load(run: &Run) -> Result<Previous, RunError> {
        let mut previous = Previous {
            run: Some(run.manifest().id.clone()),
            ..Previous::default()
        };
        run.for_each_line(files::SCORES, |item: ItemScore| {
            let covered = previous.intern_all(&item.covered);
            let missing = previous.intern_all(&item.missing);
            previous.items.insert(
                item.id.into_boxed_str(),
                PreviousItem {
                    score: item.score as f32,
                    title_hash: title_hash(&item.title),
                    title_changed: item.title_changed.as_deref().and_then(day),
                    proposed: item
                        .proposed
                        .and_then(|p| Some((p.new_title.into_boxed_str(), day(&p.since)?))),
                    covered,
                    missing,
                },
            );
            Ok(())
        })?;
        Ok(previous)
    }

    fn intern_all(&mut self, list: &[KeywordValue]) -> Box<[(u32, f32)]> {
        list.iter()
            .map(|k| {
                let next = self.keywords.len() as u32;
                let id = *self
                    .keywords
                    .entry(k.keyword.as_str().into())
                    .or_insert(next);
                (id, k.value as f32)
            })
            .collect()
    }

    /// The run compared against, if any.
    pub fn run(&self) -> Option<&str> {
        self.run.as_deref()
    }

    /// Items in the previous run.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there was no previous run (or it scored nothing).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Carries the item's history into today's record: when its title last changed, and the
    /// proposal still standing (dropped once the title changed, applied or not).
    pub fn carry(&self, item: &mut ItemScore, today: Date) {
        let Some(prev) = self.items.get(item.id.as_str()) else {
            return;
        };
        if prev.title_hash != title_hash(&item.title) {
            item.title_changed = Some(today.to_string());
            item.proposed = None;
        } else {
            item.title_changed = prev.title_changed.map(|d| d.to_string());
            item.proposed = prev.proposed.as_ref().map(|(title, since)| ProposalMark {
                new_title: title.to_string(),
                since: since.to_string(),
            });
        }
    }

    /// Decides on a better title found for `item` (whose history [`Previous::carry`] has
    /// filled in) and records the decision in it: `proposal` comes back as a new or repeated
    /// proposal, or is held back with the reason.
    pub fn decide(
        &self,
        item: &mut ItemScore,
        mut proposal: Proposal,
        today: Date,
        policy: &HoldPolicy,
    ) -> Verdict {
        let within_hold = |since: Date| since.days_until(today) < policy.hold_days;
        if let Some(changed) = item.title_changed.as_deref().and_then(day)
            && within_hold(changed)
        {
            return Verdict::Hold(HoldReason::TitleChanged {
                on: changed.to_string(),
                hold_days: policy.hold_days,
            });
        }
        if let Some(mark) = &item.proposed {
            if mark.new_title == proposal.new_title {
                proposal.status = ProposalStatus::Repeated;
                proposal.first_proposed = mark.since.clone();
                return Verdict::Propose(proposal);
            }
            if let Some(since) = day(&mark.since)
                && within_hold(since)
            {
                return Verdict::Hold(HoldReason::OtherProposal {
                    on: since.to_string(),
                    title: mark.new_title.clone(),
                    hold_days: policy.hold_days,
                });
            }
        }
        proposal.status = ProposalStatus::New;
        proposal.first_proposed = today.to_string();
        item.proposed = Some(ProposalMark {
            new_title: proposal.new_title.clone(),
            since: today.to_string(),
        });
        Verdict::Propose(proposal)
    }

    /// How `now` moved since the previous run, with reasons; `None` for an item not in it.
    pub fn compare(&self, now: &ItemScore) -> Option<ScoreChange> {
        let prev = self.items.get(now.id.as_str())?;
        let old_score = f64::from(prev.score);
        let delta = now.score - old_score;
        let mut reasons = Vec::new();
        if delta < 0.0 {
            let known = |list: &[(u32, f32)], keyword: &str| {
                let id = self.keywords.get(keyword)?;
                list.iter()
                    .find(|(k, _)| k == id)
                    .map(|&(_, v)| f64::from(v))
            };
            if prev.title_hash != title_hash(&now.title) {
                for k in &now.missing {
                    if known(&prev.covered, &k.keyword).is_some() {
                        reasons.push(FallReason::NoLongerCovers {
                            keyword: k.keyword.clone(),
                        });
                    }
                }
            }
            for k in now.missing.iter().filter(|k| k.rising) {
                if known(&prev.missing, &k.keyword).is_none() {
                    reasons.push(FallReason::MissesRising {
                        keyword: k.keyword.clone(),
                    });
                }
            }
            for k in now.missing.iter().filter(|k| !k.rising) {
                let was = known(&prev.missing, &k.keyword).or(known(&prev.covered, &k.keyword));
                if was.is_none() {
                    reasons.push(FallReason::NewlyRelevant {
                        keyword: k.keyword.clone(),
                    });
                }
            }
            let mut fell: Vec<(f64, &str)> = now
                .covered
                .iter()
                .filter_map(|k| {
                    let was = known(&prev.covered, &k.keyword)?;
                    (k.value < was * 0.9).then_some((was - k.value, k.keyword.as_str()))
                })
                .collect();
            fell.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            for (_, keyword) in fell.iter().take(3) {
                reasons.push(FallReason::ValueFell {
                    keyword: (*keyword).to_owned(),
                });
            }
            if reasons.is_empty() {
                reasons.push(FallReason::MarketMoved);
            }
        }
        Some(ScoreChange {
            id: now.id.clone(),
            title: now.title.clone(),
            old_score,
            new_score: now.score,
            delta,
            reasons,
        })
    }

    /// Whether `keyword` was relevant (covered or missed) to any item in the previous run.
    pub fn knew(&self, keyword: &str) -> bool {
        self.keywords.contains_key(keyword)
    }
}

/// A score change ordered by how far it moved, for a bounded heap of the biggest movers.
#[derive(Debug)]
struct ByMove(ScoreChange, bool);

impl ByMove {
    fn key(&self) -> f64 {
        if self.1 { -self.0.delta } else { self.0.delta }
    }
}
impl PartialEq for ByMove {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ByMove {}
impl PartialOrd for ByMove {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByMove {
    /// Bigger move first; ties by id, so the kept set does not depend on arrival order.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key()
            .total_cmp(&self.key())
            .then_with(|| self.0.id.cmp(&other.0.id))
    }
}

/// Collects, in bounded memory, the items that moved most and the keywords most missed.
#[derive(Debug)]
pub struct Movers {
    keep: usize,
    policy: HoldPolicy,
    fallers: BinaryHeap<ByMove>,
    risers: BinaryHeap<ByMove>,
    fell: u64,
    missed: HashMap<String, (f64, bool, u64)>,
}

impl Movers {
    /// Keeps the `keep` biggest fallers and risers.
    pub fn new(keep: usize, policy: HoldPolicy) -> Movers {
        Movers {
            keep,
            policy,
            fallers: BinaryHeap::new(),
            risers: BinaryHeap::new(),
            fell: 0,
            missed: HashMap::new(),
        }
    }

    /// Takes one item's change (if it was in the previous run) and its missed keywords.
    pub fn add(&mut self, now: &ItemScore, change: Option<ScoreChange>) {
        for k in &now.missing {
            let entry = self
                .missed
                .entry(k.keyword.clone())
                .or_insert((k.value, k.rising, 0));
            entry.2 += 1;
        }
        let Some(change) = change else { return };
        if change.delta <= -self.policy.min_drop {
            self.fell += 1;
            push_bounded(&mut self.fallers, ByMove(change, true), self.keep);
        } else if change.delta >= self.policy.min_drop {
            push_bounded(&mut self.risers, ByMove(change, false), self.keep);
        }
    }

    /// Items whose score fell by at least the policy's `min_drop`.
    pub fn fell(&self) -> u64 {
        self.fell
    }

    /// The biggest fallers, biggest first.
    pub fn fallers(&self) -> Vec<ScoreChange> {
        sorted(&self.fallers)
    }

    /// The biggest risers, biggest first.
    pub fn risers(&self) -> Vec<ScoreChange> {
        sorted(&self.risers)
    }

    /// The `limit` keywords missed by the most value summed over items (rising first among
    /// equals), marking those the previous run did not know.
    pub fn opportunities(&self, previous: &Previous, limit: usize) -> Vec<Opportunity> {
        let mut list: Vec<Opportunity> = self
            .missed
            .iter()
            .map(|(keyword, &(value, rising, items))| Opportunity {
                keyword: keyword.clone(),
                value,
                rising,
                items,
                new: !previous.is_empty() && !previous.knew(keyword),
            })
            .collect();
        list.sort_by(|a, b| {
            (b.value * b.items as f64)
                .total_cmp(&(a.value * a.items as f64))
                .then(b.rising.cmp(&a.rising))
                .then_with(|| a.keyword.cmp(&b.keyword))
        });
        list.truncate(limit);
        list
    }
}

fn push_bounded(heap: &mut BinaryHeap<ByMove>, item: ByMove, keep: usize) {
    // The heap's top is the smallest move kept (Ord is reversed), so it is the one to drop.
    heap.push(item);
    if heap.len() > keep {
        heap.pop();
    }
}

fn sorted(heap: &BinaryHeap<ByMove>) -> Vec<ScoreChange> {
    let mut list: Vec<&ByMove> = heap.iter().collect();
    list.sort(); // Ord puts the bigger move first
    list.into_iter().map(|m| m.0.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::workspace::Workspace;
    use crate::runs::{RunStore, tests::manifest};

    fn kw(keyword: &str, value: f64, rising: bool) -> KeywordValue {
        KeywordValue {
            keyword: keyword.into(),
            value,
            rising,
        }
    }

    fn item(
        id: &str,
        title: &str,
        score: f64,
        covered: Vec<KeywordValue>,
        missing: Vec<KeywordValue>,
    ) -> ItemScore {
        ItemScore {
            id: id.into(),
            title: title.into(),
            score,
            covered,
            missing,
            title_changed: None,
            proposed: None,
            held: None,
        }
    }

    fn proposal(id: &str, new_title: &str) -> Proposal {
        Proposal {
            id: id.into(),
            title: "old".into(),
            new_title: new_title.into(),
            score: 40.0,
            new_score: 60.0,
            added: vec![],
            removed: vec![],
            reason: String::new(),
            status: ProposalStatus::New,
            first_proposed: String::new(),
        }
    }

    /// Writes `items` as a completed run and reads it back as the previous run.
    fn previous(items: &[ItemScore]) -> Previous {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let lock = ws.lock("test").unwrap();
        let store = RunStore::new(ws.root());
        let run = store.begin(&lock, "2026-11-20").unwrap();
        let mut out = run.lines(files::SCORES).unwrap();
        for i in items {
            out.write(i).unwrap();
        }
        out.close().unwrap();
        Previous::load(&run.finish(manifest()).unwrap()).unwrap()
    }

    fn date(s: &str) -> Date {
        day(s).unwrap()
    }

    #[test]
    fn a_fall_is_explained_by_rising_new_and_cheaper_keywords() {
        let prev = previous(&[item(
            "1",
            "碎花连衣裙",
            60.0,
            vec![kw("碎花连衣裙", 100.0, false)],
            vec![kw("雪纺连衣裙", 50.0, false)],
        )]);
        let now = item(
            "1",
            "碎花连衣裙",
            40.0,
            vec![kw("碎花连衣裙", 70.0, false)],
            vec![
                kw("雪纺连衣裙", 50.0, false),
                kw("新中式连衣裙", 80.0, true),
                kw("法式连衣裙", 60.0, false),
            ],
        );
        let change = prev.compare(&now).unwrap();
        assert_eq!(change.delta, -20.0);
        assert_eq!(
            change.reasons,
            [
                FallReason::MissesRising {
                    keyword: "新中式连衣裙".into()
                },
                FallReason::NewlyRelevant {
                    keyword: "法式连衣裙".into()
                },
                FallReason::ValueFell {
                    keyword: "碎花连衣裙".into()
                },
            ]
        );
        assert_eq!(
            change.reason(Lang::Zh),
            "缺少飙升词「新中式连衣裙」；「法式连衣裙」新近相关（竞品已覆盖），标题缺少；\
             已覆盖的「碎花连衣裙」价值下降"
        );
        assert_eq!(
            change.reason(Lang::En),
            "misses the rising word \"新中式连衣裙\"; \"法式连衣裙\" is newly relevant \
             (competitors now cover it) and the title misses it; the value of covered \
             \"碎花连衣裙\" fell"
        );
        // Machines read the structured form.
        assert_eq!(
            serde_json::to_value(&change.reasons[0]).unwrap(),
            serde_json::json!({"kind": "misses_rising", "keyword": "新中式连衣裙"})
        );
        assert!(prev.compare(&item("2", "x", 1.0, vec![], vec![])).is_none());
    }

    #[test]
    fn a_retitled_item_is_held_back_and_its_old_proposal_dropped() {
        let mut before = item("1", "旧标题", 50.0, vec![], vec![]);
        before.proposed = Some(ProposalMark {
            new_title: "新标题".into(),
            since: "2026-11-10".into(),
        });
        let prev = previous(&[before]);
        let policy = HoldPolicy::default();

        let mut now = item("1", "新标题", 70.0, vec![], vec![]);
        prev.carry(&mut now, date("2026-11-21"));
        assert_eq!(now.title_changed.as_deref(), Some("2026-11-21"));
        assert_eq!(now.proposed, None, "applied: the proposal no longer stands");
        let verdict = prev.decide(
            &mut now,
            proposal("1", "更新的标题"),
            date("2026-11-21"),
            &policy,
        );
        assert!(
            verdict
                == Verdict::Hold(HoldReason::TitleChanged {
                    on: "2026-11-21".into(),
                    hold_days: 14
                }),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_standing_proposal_repeats_and_a_different_one_waits() {
        let mut before = item("1", "旧标题", 50.0, vec![], vec![]);
        before.proposed = Some(ProposalMark {
            new_title: "新标题".into(),
            since: "2026-11-10".into(),
        });
        let prev = previous(&[before]);
        let policy = HoldPolicy::default();
        let today = date("2026-11-21");

        let mut now = item("1", "旧标题", 50.0, vec![], vec![]);
        prev.carry(&mut now, today);
        match prev.decide(&mut now.clone(), proposal("1", "新标题"), today, &policy) {
            Verdict::Propose(p) => {
                assert_eq!(p.status, ProposalStatus::Repeated);
                assert_eq!(p.first_proposed, "2026-11-10");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            prev.decide(
                &mut now.clone(),
                proposal("1", "另一个标题"),
                today,
                &policy
            ),
            Verdict::Hold(_)
        ));
        // After the hold period a different title may be proposed, and it is remembered.
        let later = date("2026-11-25");
        match prev.decide(&mut now, proposal("1", "另一个标题"), later, &policy) {
            Verdict::Propose(p) => assert_eq!(p.status, ProposalStatus::New),
            other => panic!("{other:?}"),
        }
        assert_eq!(now.proposed.unwrap().since, "2026-11-25");
    }

    /// Every kind of fall and hold reason reads in Chinese and in English (the keyword and
    /// title fields in ASCII, so that the English has no Chinese of its own).
    #[test]
    fn every_fall_and_hold_reason_has_chinese_and_english() {
        let k = || "dress".to_owned();
        let falls = [
            FallReason::NoLongerCovers { keyword: k() },
            FallReason::MissesRising { keyword: k() },
            FallReason::NewlyRelevant { keyword: k() },
            FallReason::ValueFell { keyword: k() },
            FallReason::MarketMoved,
        ];
        // Exhaustive: a new kind fails to compile until it is sampled above.
        let _ = |r: &FallReason| match r {
            FallReason::NoLongerCovers { .. }
            | FallReason::MissesRising { .. }
            | FallReason::NewlyRelevant { .. }
            | FallReason::ValueFell { .. }
            | FallReason::MarketMoved => (),
        };
        let holds = [
            HoldReason::TitleChanged {
                on: "2026-11-21".into(),
                hold_days: 14,
            },
            HoldReason::OtherProposal {
                on: "2026-11-21".into(),
                title: "silk dress".into(),
                hold_days: 14,
            },
        ];
        let _ = |r: &HoldReason| match r {
            HoldReason::TitleChanged { .. } | HoldReason::OtherProposal { .. } => (),
        };
        let texts = falls
            .iter()
            .map(|r| (r.describe(Lang::Zh), r.describe(Lang::En)))
            .chain(
                holds
                    .iter()
                    .map(|r| (r.describe(Lang::Zh), r.describe(Lang::En))),
            );
        for (zh, en) in texts {
            assert!(crate::lang::has_cjk(&zh), "{zh}");
            assert!(!crate::lang::has_cjk(&en), "{en}");
        }
    }

    #[test]
    fn movers_keep_the_biggest_and_count_all_fallers() {
        let mut movers = Movers::new(2, HoldPolicy::default());
        for (i, delta) in [-5.0, -30.0, -0.5, -12.0, 8.0].into_iter().enumerate() {
            let now = item(
                &i.to_string(),
                "t",
                50.0 + delta,
                vec![],
                vec![kw("碎花连衣裙", 10.0, false)],
            );
            let change = ScoreChange {
                id: now.id.clone(),
                title: now.title.clone(),
                old_score: 50.0,
                new_score: now.score,
                delta,
                reasons: vec![],
            };
            movers.add(&now, Some(change));
        }
        assert_eq!(movers.fell(), 3, "-0.5 is below min_drop");
        let fallers: Vec<f64> = movers.fallers().iter().map(|c| c.delta).collect();
        assert_eq!(fallers, [-30.0, -12.0]);
        assert_eq!(movers.risers()[0].delta, 8.0);
        let opp = movers.opportunities(&Previous::none(), 5);
        assert_eq!((opp[0].keyword.as_str(), opp[0].items), ("碎花连衣裙", 5));
    }
}
