//! `suggest`: the keywords an item should have ([`crate::suggest`]), as records.

use std::io::{self, IsTerminal};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::args::{PurposeArg, SuggestArgs};
use super::batch;
use super::output::{Record, Sink};
use super::{Exit, Settings, engine};
use crate::batch::Reject;
use crate::item::Item;
use crate::lang::{Describe, Lang};
use crate::market::workspace::Workspace;
use crate::suggest::{Group, KeywordSuggestion, Purpose, Suggester, own_item, top_per_group};
use crate::text::Segmenter;

/// `suggest` output: one keyword of one item. `ADS` adds the reference CPC and ROI columns.
#[derive(Debug, Serialize)]
pub struct SuggestRecord<const ADS: bool> {
    pub id: String,
    pub title: String,
    pub rank: usize,
    #[serde(flatten)]
    pub suggestion: KeywordSuggestion,
    /// Why, for a person, in the run's language (the structured form is `reasons`).
    pub reason: String,
    #[serde(skip)]
    pub lang: Lang,
}

impl<const ADS: bool> SuggestRecord<ADS> {
    pub fn new(id: String, title: String, rank: usize, s: KeywordSuggestion, lang: Lang) -> Self {
        SuggestRecord {
            id,
            title,
            rank,
            reason: crate::reason::describe_all(lang, &s.reasons, &s.unconfirmed),
            suggestion: s,
            lang,
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn yes(b: bool) -> String {
    if b { "是".to_owned() } else { String::new() }
}

impl<const ADS: bool> Record for SuggestRecord<ADS> {
    const HEADERS: &'static [&'static str] = if ADS {
        &[
            "ID",
            "分组",
            "排名",
            "关键词",
            "排序分",
            "价值",
            "需求",
            "点击率",
            "转化率",
            "竞争度",
            "直通车参考价",
            "预计投入产出比",
            "已覆盖",
            "飙升",
            "竞品缺口",
            "理由",
        ]
    } else {
        &[
            "ID",
            "分组",
            "排名",
            "关键词",
            "排序分",
            "价值",
            "需求",
            "点击率",
            "转化率",
            "竞争度",
            "已覆盖",
            "飙升",
            "竞品缺口",
            "理由",
        ]
    };

    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let s = &self.suggestion;
        let mut row = vec![
            self.id.clone(),
            match s.group {
                Group::Head => self.lang.pick("核心", "head").to_owned(),
                Group::LongTail => self.lang.pick("长尾", "long tail").to_owned(),
            },
            self.rank.to_string(),
            s.keyword.clone(),
            s.score.to_string(),
            s.value.to_string(),
            opt(s.demand),
            opt(s.ctr),
            opt(s.cvr),
            opt(s.competition),
        ];
        if ADS {
            row.push(opt(s.cpc));
            row.push(opt(s.roi));
        }
        let reason = self.reason.clone();
        row.extend([yes(s.covered), yes(s.rising), yes(s.gap), reason]);
        out.push(row);
    }
}

/// Runs `suggest` over the `--title`, the `--item` or the `--input` items.
pub fn run(
    settings: &Settings,
    args: &SuggestArgs,
    segmenter: Arc<Segmenter>,
) -> anyhow::Result<Exit> {
    if let Some(p) = args.price
        && !(p.is_finite() && p > 0.0)
    {
        match settings.lang {
            Lang::Zh => anyhow::bail!("--price 必须是以元计的正数，而不是 {p}"),
            Lang::En => anyhow::bail!("--price must be a positive number of yuan, not {p}"),
        }
    }
    if args.title.is_none() && (args.price.is_some() || args.category.is_some()) {
        anyhow::bail!(settings.lang.pick(
            "--price 和 --category 描述的是 --title 给出的宝贝：索引或文件中的宝贝自带这些信息",
            "--price and --category describe a --title item: items from the index or a file \
             carry their own"
        ));
    }
    let market = engine::market(settings, segmenter)?;
    let purpose = match args.purpose {
        PurposeArg::Title => Purpose::Title,
        PurposeArg::Ads => Purpose::Ads,
    };
    let suggester = Suggester::new(&market, purpose);
    if let Some(title) = &args.title {
        crate::input::check_title(title.trim()).map_err(|e| match settings.lang {
            Lang::Zh => anyhow::anyhow!("--title：{}", e.describe(Lang::Zh)),
            Lang::En => anyhow::anyhow!("--title: {e}"),
        })?;
    }
    let all: Box<dyn Iterator<Item = Result<Item, Reject>>> = match (&args.title, &args.item) {
        (Some(title), _) => Box::new(std::iter::once(Ok(Item {
            price: args.price,
            category: args.category.clone(),
            ..Item::new("1", title.clone())
        }))),
        (None, Some(id)) => {
            let ws = Workspace::at(&settings.workspace);
            Box::new(std::iter::once(Ok(own_item(&ws, market.index(), id)?)))
        }
        (None, None) => {
            let path = args
                .input
                .as_deref()
                .context(settings.lang.pick("没有给出宝贝", "no items given"))?;
            if path == Path::new("-") && io::stdin().is_terminal() {
                anyhow::bail!(settings.lang.pick(
                    "标准输入上没有宝贝：请给出 --title、--item 或 --input FILE",
                    "no items on standard input: give --title, --item or --input FILE"
                ));
            }
            Box::new(crate::engine::items(path)?)
        }
    };
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let sink = Sink::open(args.output.as_deref(), format)?;
    let mut sink = match purpose {
        Purpose::Title => sink.with_headers::<SuggestRecord<false>>(),
        Purpose::Ads => sink.with_headers::<SuggestRecord<true>>(),
    };
    let mut rejects = batch::rejects(settings.quiet, settings.lang);
    let limit = args.limit as usize;
    let suggest = |item: &Item| (item.id.clone(), item.title.clone(), suggester.suggest(item));
    let (done, _) = batch::for_each_ordered(
        all,
        &mut rejects,
        batch::progress(settings.quiet, settings.lang.pick("个宝贝", "items")),
        suggest,
        |(id, title, list)| {
            for (rank, suggestion) in top_per_group(list, limit) {
                let (id, title) = (id.clone(), title.clone());
                match purpose {
                    Purpose::Title => sink.write(&SuggestRecord::<false>::new(
                        id,
                        title,
                        rank,
                        suggestion,
                        settings.lang,
                    ))?,
                    Purpose::Ads => sink.write(&SuggestRecord::<true>::new(
                        id,
                        title,
                        rank,
                        suggestion,
                        settings.lang,
                    ))?,
                }
            }
            Ok(())
        },
    )?;
    let suggested = sink.records();
    sink.finish()?;
    if suggested == 0 {
        let why = match (settings.lang, done) {
            (Lang::Zh, 0) if rejects.is_empty() => "输入为空或只有表头行".to_owned(),
            (Lang::Zh, 0) => "每个宝贝都被拒收（见上文）".to_owned(),
            (Lang::Zh, n) => format!(
                "工作区关键词表中没有与这 {n} 个宝贝相关的词（没有词含产品词或标题的词，\
                 也没有相似宝贝使用）：请导入或推导这些宝贝所在类目的关键词"
            ),
            (Lang::En, 0) if rejects.is_empty() => {
                "the input is empty or holds only a header row".to_owned()
            }
            (Lang::En, 0) => "every item was rejected (see above)".to_owned(),
            (Lang::En, n) => format!(
                "no keyword of the workspace's table is relevant to the {n} item(s) (none \
                 holds the product word or the title's words, no similar listing covers \
                 one): import or derive keywords of the items' category"
            ),
        };
        let said = settings
            .lang
            .pick("没有可建议的关键词：", "no keyword to suggest: ");
        eprintln!("baobei: {said}{why}");
    }
    batch::finish_rejects(
        &rejects,
        settings.lang,
        args.rejects.as_deref(),
        args.output.as_deref(),
        args.input.as_deref(),
    )?;
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}
