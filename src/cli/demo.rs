//! `baobei demo`: the product at work on the built-in sample market, no files needed.
//! Every capability baobei gains adds its part here.

use crate::lang::Lang;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::keywords::{StatsRecord, TopRecord};
use super::output::{Format, Record, Sink};
use super::titles::{self, TitleItem};
use crate::ads::{self, ReviewConfig};
use crate::batch::Rejects;
use crate::dictionary::Brand;
use crate::engine::{Market, Settings};
use crate::input::{self, Field, Format as InputFormat, Options};
use crate::item::Item;
use crate::market::derive::{self, DeriveOptions, DerivedKeyword};
use crate::market::index::jobs;
use crate::market::index::{Filter, ListingIndex};
use crate::market::keywords;
use crate::market::table::{KeywordTable, Period, RankBy};
use crate::market::workspace::Workspace;
use crate::sample::{self, SampleFile};
use crate::suggest::{self, Group, KeywordSuggestion, Purpose, Suggester};
use crate::text::Segmenter;
use crate::title::edit::{Editor, Rewrite};

/// Titles shown segmented, token by token, before the lint of all own items.
const SEGMENTED_SHOWN: usize = 4;

/// Brands named in the sample's brand columns (own items and market listings): what a shop's
/// own data declares is known to the segmenter even when no dictionary has it.
pub fn sample_brands() -> anyhow::Result<Vec<Brand>> {
    let mut names = BTreeSet::new();
    for file in [sample::OWN_ITEMS, sample::LISTINGS] {
        let reader = input::from_reader(
            file.bytes,
            Path::new(file.name),
            InputFormat::Csv,
            &Options::default(),
        )?;
        for row in reader {
            if let Some(brand) = row?.text(Field::Brand) {
                names.insert(brand.to_owned());
            }
        }
    }
    Ok(names
        .into_iter()
        .map(|name| Brand {
            name,
            aliases: Vec::new(),
            freq: None,
        })
        .collect())
}

/// The demo over the sample, with the dictionaries, budget and language of `settings`.
pub fn run(settings: &Settings, format: Format) -> anyhow::Result<()> {
    let (segmenter, budget, lang) = (&settings.segmenter, settings.budget, settings.lang);
    let table = format == Format::Table;
    let heading = |text: String| -> anyhow::Result<()> {
        if table {
            let mut out = std::io::stdout().lock();
            writeln!(out, "\n{text}")?;
            writeln!(out, "{}", "─".repeat(72))?;
        }
        Ok(())
    };

    let own = own_items()?;
    let items: Vec<&TitleItem> = own.iter().map(|o| &o.item).collect();
    if table {
        println!(
            "{}",
            lang.pick(
                "baobei 演示：内置的示例市场（为 baobei 编写的合成数据）",
                "baobei demo: the built-in sample market (synthetic, written for baobei)"
            )
        );
        for file in sample::FILES {
            let rows = rows(file)?;
            match lang {
                Lang::Zh => println!("  {:<16} {rows:>6} 行", file.name),
                Lang::En => println!("  {:<16} {rows:>6} rows", file.name),
            }
        }
    }

    heading(match lang {
        Lang::Zh => format!(
            "本店标题分词（共 {} 个，显示前 {SEGMENTED_SHOWN} 个）",
            items.len()
        ),
        Lang::En => format!(
            "Segmentation of the shop's titles (first {SEGMENTED_SHOWN} of {})",
            items.len()
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for item in items.iter().copied().take(SEGMENTED_SHOWN) {
        sink.write(&titles::segment(segmenter, item))?;
    }
    sink.finish()?;

    let linted: Vec<_> = items
        .iter()
        .map(|&item| titles::lint_title(segmenter, budget, lang, item))
        .collect();
    let with_problems: Vec<_> = linted.iter().filter(|r| !r.problems.is_empty()).collect();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for problem in with_problems.iter().flat_map(|r| &r.problems) {
        *by_kind.entry(problem.kind.name(lang)).or_default() += 1;
    }
    let summary: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let (problems, titles, all) = (
        by_kind.values().sum::<usize>(),
        with_problems.len(),
        linted.len(),
    );
    heading(match lang {
        Lang::Zh => format!(
            "标题检查：{all} 个标题中 {titles} 个有问题，共 {problems} 处（{}）",
            summary.join("，")
        ),
        Lang::En => format!(
            "Lint: {problems} problems in {titles} of {all} titles ({})",
            summary.join(", ")
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for record in with_problems {
        sink.write(record)?;
    }
    sink.finish()?;

    // A clean own title, so the neighbours show what the market writes for the same item.
    let showcase = own
        .iter()
        .find(|o| o.item.id == sample::planted::CLEAN_TITLES[2])
        .context("the built-in sample lacks its showcase item")?;
    let dir = tempfile::tempdir()
        .context(lang.pick("无法创建临时工作区", "cannot create a temporary workspace"))?;
    let (market, table) = sample_market(settings, dir.path())?;
    let index = market
        .index()
        .context("the sample market lacks its listing index")?;
    similar_listings(index, showcase, format, lang, &heading)?;
    rising_keywords(index, dir.path(), showcase, format, lang, &heading)?;
    let mut categories: Vec<&str> = Vec::new();
    for category in own.iter().filter_map(|o| o.category.as_deref()) {
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    keyword_market(&table, &categories, format, lang, &heading)?;

    // The title engine over the sample market: the keyword table plus the listing index.
    let editor = market.editor();
    rewrites(&editor, &own, format, lang, &heading)?;
    let suggester = Suggester::new(&market, Purpose::Ads);
    suggestions(&suggester, showcase, format, lang, &heading)?;
    ads_review(
        &suggester,
        segmenter,
        &own,
        dir.path(),
        format,
        lang,
        &heading,
    )
}

/// The sample market in a workspace in `dir`, built by the jobs a user runs: its market
/// listings (three daily snapshots) added as `index add` does, its Business Advisor export
/// (GBK) imported as `keywords import` does, and the market opened over both.
fn sample_market(settings: &Settings, dir: &Path) -> anyhow::Result<(Market, KeywordTable)> {
    sample::write_all(dir)?;
    let ws = Workspace::open(dir.join("workspace"))?;
    let mut rejects = Rejects::new();
    let holder = "baobei demo";
    let listings = [dir.join(sample::LISTINGS.name)];
    jobs::add(
        &ws,
        settings.segmenter.clone(),
        &listings,
        None,
        None,
        &mut rejects,
        holder,
    )?;
    let exports = [dir.join(sample::KEYWORDS.name)];
    let period = Some(Period::day(20261111));
    let dicts = settings.segmenter.dictionaries();
    keywords::import(&ws, &exports, period, dicts, &mut rejects, holder)?;
    anyhow::ensure!(rejects.is_empty(), "the built-in sample is broken");
    let table = KeywordTable::open(ws.table_path())?;
    Ok((Market::open(&ws, settings)?, table))
}

/// `rewrite` over the shop's own items: the edited titles before and after, the real queries
/// each is found for before and after (recall prediction), and why.
fn rewrites(
    editor: &Editor<'_>,
    own: &[OwnItem],
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let done: Vec<(&OwnItem, Rewrite)> = own.iter().map(|o| (o, editor.rewrite(&o.full))).collect();
    let changed: Vec<&(&OwnItem, Rewrite)> = done.iter().filter(|(_, r)| r.changed).collect();
    let before: usize = done.iter().map(|(_, r)| r.old.score.found.len()).sum();
    let after: usize = done.iter().map(|(_, r)| r.new_score.found.len()).sum();
    let losing = done
        .iter()
        .filter(|(_, r)| r.new_score.found_value < r.old.score.found_value)
        .count();
    let (edited, all) = (changed.len(), done.len());
    heading(match lang {
        Lang::Zh => format!(
            "改写：{all} 个标题中改了 {edited} 个；本店命中的真实搜索词 {before} → {after} 个{}；\
             其余保持原样：用宝贝自己的词改不出收益",
            match losing {
                0 => "，没有标题失去搜索词价值".to_owned(),
                n => format!("（{n} 个标题失去搜索词价值，都只因规则必须做的修正）"),
            }
        ),
        Lang::En => format!(
            "Rewrites: {edited} of {all} titles edited; the shop is found for {before} -> {after} \
             real queries{}; the rest are kept: no edit from the item's own words gains",
            match losing {
                0 => ", no title loses query value".to_owned(),
                n => format!(" ({n} titles lose query value, each only for a fix the rules force)"),
            }
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for (o, r) in changed {
        sink.write(&RewriteRow {
            id: o.item.id.clone(),
            found: r.old.score.found.len(),
            new_found: r.new_score.found.len(),
            title: o.item.title.clone(),
            new_title: r.title.clone(),
            gained: crate::title::edit::names(editor.scorer.universe, &r.gained),
            reason: r.reason(lang),
        })?;
    }
    sink.finish()
}

/// A rewrite as the demo shows it: before and after on two lines.
#[derive(Debug, Serialize)]
struct RewriteRow {
    id: String,
    found: usize,
    new_found: usize,
    title: String,
    new_title: String,
    gained: Vec<String>,
    reason: String,
}

impl Record for RewriteRow {
    const HEADERS: &'static [&'static str] =
        &["宝贝ID", "搜索词数", "标题 (原 → 新)", "新增搜索词", "说明"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.found.to_string(),
            self.title.clone(),
            String::new(),
            String::new(),
        ]);
        out.push(vec![
            "  →".to_owned(),
            self.new_found.to_string(),
            self.new_title.clone(),
            self.gained.join(" "),
            self.reason.clone(),
        ]);
    }
}

/// Head keywords and long-tail keywords shown for the showcase item.
const SUGGESTED: usize = 4;

/// `suggest --for ads` for the showcase item.
fn suggestions(
    suggester: &Suggester<'_>,
    showcase: &OwnItem,
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let item = &showcase.full;
    let (id, title, price) = (&item.id, &item.title, item.price.unwrap_or_default());
    heading(match lang {
        Lang::Zh => {
            format!("{id} {title} 的推荐关键词（售价 ¥{price}；ROI = 转化率 × 售价 / 参考出价）")
        }
        Lang::En => format!(
            "Keyword suggestions for {id} {title} (price ¥{price}; ROI = CVR x price / reference CPC)"
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for (rank, s) in suggest::top_per_group(suggester.suggest(item), SUGGESTED) {
        let reason = crate::reason::describe_all(lang, &s.reasons, &s.unconfirmed);
        sink.write(&SuggestionRow {
            rank,
            s,
            reason,
            lang,
        })?;
    }
    sink.finish()
}

/// A suggestion as the demo shows it: fewer columns than `suggest`.
#[derive(Debug, Serialize)]
struct SuggestionRow {
    rank: usize,
    #[serde(flatten)]
    s: KeywordSuggestion,
    reason: String,
    #[serde(skip)]
    lang: Lang,
}

impl Record for SuggestionRow {
    const HEADERS: &'static [&'static str] = &[
        "分组",
        "排名",
        "关键词",
        "价值",
        "参考价",
        "ROI",
        "已覆盖",
        "竞品缺口",
        "理由",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let s = &self.s;
        let opt = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_default();
        let yes = |b: bool| if b { "是" } else { "" }.to_owned();
        out.push(vec![
            match s.group {
                Group::Head => self.lang.pick("核心", "head").to_owned(),
                Group::LongTail => self.lang.pick("长尾", "long tail").to_owned(),
            },
            self.rank.to_string(),
            s.keyword.clone(),
            format!("{:.1}", s.value),
            opt(s.cpc),
            opt(s.roi),
            yes(s.covered),
            yes(s.gap),
            self.reason.clone(),
        ]);
    }
}

/// Decisions shown from the through-train review, the most spend at stake first.
const DECISIONS_SHOWN: usize = 6;
/// Keywords to add shown.
const ADDITIONS_SHOWN: usize = 3;

/// `ads review` of the sample through-train report, with keywords to add from `suggest`: the
/// summary and the decisions that move the most money.
fn ads_review(
    suggester: &Suggester<'_>,
    segmenter: &Segmenter,
    own: &[OwnItem],
    dir: &Path,
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let path = dir.join(sample::ZTC_REPORT.name);
    std::fs::write(&path, sample::ZTC_REPORT.bytes).with_context(|| {
        let path = path.display();
        lang.pick(
            format!("{path}: 无法写入示例报表"),
            format!("{path}: cannot write the sample report"),
        )
    })?;
    let mut rejects = Rejects::new();
    let rows = ads::read_reports(&[path], None, &mut rejects)?.rows;
    let config = ReviewConfig::default();
    let totals = ads::aggregate(&rows, config.window);
    let items: HashMap<String, Item> = own
        .iter()
        .map(|o| (o.full.id.clone(), o.full.clone()))
        .collect();
    let proposals = suggest::ad_suggestions(
        suggester,
        &totals,
        &items,
        ADDITIONS_SHOWN,
        config.break_even_roi,
    );
    let review = ads::review(&totals, &config, segmenter, &proposals);
    let [first, second] = super::ads::summary(&review, config.rules, lang);
    let (name, n) = (sample::ZTC_REPORT.name, rows.len());
    heading(match lang {
        Lang::Zh => format!("直通车复查 {name}（{n} 行）：{first}\n{second}"),
        Lang::En => format!("Through-train review of {name} ({n} rows): {first}\n{second}"),
    })?;
    let mut moves: Vec<&ads::Decision> = review
        .decisions
        .iter()
        .filter(|d| d.action != ads::Action::Keep)
        .collect();
    moves.sort_by(|a, b| {
        b.totals
            .cost
            .total_cmp(&a.totals.cost)
            .then_with(|| a.totals.keyword.cmp(&b.totals.keyword))
    });
    let mut sink = Sink::open(None, format)?;
    for d in moves.into_iter().take(DECISIONS_SHOWN) {
        let t = &d.totals;
        sink.write(&DecisionRow {
            item: t.item.clone(),
            keyword: t.keyword.clone(),
            action: d.action.name(lang),
            bid: Some(t.bid),
            new_bid: d.new_bid,
            cost: Some(t.cost),
            roi: (t.cost > 0.0).then(|| t.roi()),
            confidence: d.confidence,
            reason: d.reason(lang),
        })?;
    }
    for a in review.additions.iter().take(ADDITIONS_SHOWN) {
        sink.write(&DecisionRow {
            item: a.suggestion.item.clone(),
            keyword: a.suggestion.keyword.clone(),
            action: lang.pick("添加", "add"),
            bid: None,
            new_bid: Some(a.bid),
            cost: None,
            roi: None,
            confidence: a.suggestion.confidence,
            reason: a.suggestion.reason(lang),
        })?;
    }
    sink.finish()
}

/// A review decision as the demo shows it.
#[derive(Debug, Serialize)]
struct DecisionRow {
    item: String,
    keyword: String,
    action: &'static str,
    bid: Option<f64>,
    new_bid: Option<f64>,
    cost: Option<f64>,
    roi: Option<f64>,
    confidence: f64,
    reason: String,
}

impl Record for DecisionRow {
    const HEADERS: &'static [&'static str] = &[
        "宝贝ID",
        "关键词",
        "操作",
        "出价",
        "新出价",
        "花费",
        "ROI",
        "置信度",
        "原因",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let opt = |x: Option<f64>| x.map(|v| format!("{v:.2}")).unwrap_or_default();
        out.push(vec![
            self.item.clone(),
            self.keyword.clone(),
            self.action.to_owned(),
            opt(self.bid),
            opt(self.new_bid),
            opt(self.cost),
            opt(self.roi),
            format!("{:.2}", self.confidence),
            self.reason.clone(),
        ]);
    }
}

/// Market listings shown for the showcase item.
const SIMILAR_SHOWN: usize = 5;

/// The demo's last step: one night of `rescore` over the sample, in a workspace kept in the
/// temporary directory (replaced by the next demo) so that its `report.html` can be opened.
pub fn nightly(
    settings: &super::Settings,
    dicts: crate::dictionary::Dictionaries,
    format: Format,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join("baobei-demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| {
            let dir = dir.display();
            settings.lang.pick(
                format!("{dir}: 无法清空演示目录"),
                format!("{dir}: cannot clear the demo directory"),
            )
        })?;
    }
    std::fs::create_dir_all(&dir)?;
    sample::write_all(&dir)?;
    let file = |f: sample::SampleFile| vec![dir.join(f.name)];
    let options = crate::runs::night::NightOptions {
        listings: file(sample::OWN_ITEMS),
        competitors: file(sample::LISTINGS),
        keywords: file(sample::KEYWORDS),
        ads: file(sample::ZTC_REPORT),
        queries: Some(dir.join(sample::QUERIES.name)),
        budget: settings.budget,
        lang: settings.lang,
        ..crate::runs::night::NightOptions::new(dir.join("workspace"))
    };
    let lang = settings.lang;
    if format == Format::Table {
        println!(
            "\n{}",
            lang.pick(
                "示例上的夜间任务（`baobei rescore`）",
                "The nightly job (`baobei rescore`) on the sample"
            )
        );
        println!("{}", "─".repeat(72));
    }
    let mut rejects = Rejects::new();
    let night = crate::runs::night::run(&options, dicts, &mut rejects, &|_, _| {})?;
    println!("{}", night.run.file(crate::runs::files::REPORT).display());
    if format == Format::Table {
        let run = &night.run;
        let c = &run.manifest().counts;
        let (id, items, mean) = (&run.manifest().id, c.items, c.mean_score);
        let (proposals, keywords) = (c.proposals, c.ads_keywords);
        match lang {
            Lang::Zh => println!(
                "运行 {id}：评分 {items} 个宝贝（平均 {mean:.1}），建议新标题 {proposals} 个，\
                 复查直通车关键词 {keywords} 个；用浏览器打开上面的报告"
            ),
            Lang::En => println!(
                "run {id}: {items} items scored (mean {mean:.1}), {proposals} new titles \
                 proposed, {keywords} through-train keywords reviewed; open the report above \
                 in a browser"
            ),
        }
    }
    Ok(())
}

/// The market listings most similar to one own item.
fn similar_listings(
    index: &ListingIndex,
    showcase: &OwnItem,
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (id, title) = (&showcase.item.id, &showcase.item.title);
    let stats = index.stats()?;
    let (listings, snapshots) = (stats.listings, stats.snapshots.len());
    heading(match lang {
        Lang::Zh => format!(
            "市场：与 {id} {title} 最相似的 {SIMILAR_SHOWN} 个宝贝（索引中 {listings} 个宝贝，{snapshots} 个快照日）"
        ),
        Lang::En => format!(
            "Market: the {SIMILAR_SHOWN} listings most like {id} {title} ({listings} listings \
             indexed, {snapshots} snapshots)"
        ),
    })?;
    let filter = Filter {
        role: None,
        category: showcase.category.clone(),
    };
    let mut sink = Sink::open(None, format)?;
    for (rank, hit) in index
        .similar(title, SIMILAR_SHOWN, &filter)?
        .into_iter()
        .enumerate()
    {
        sink.write(&SimilarRecord {
            rank: rank + 1,
            score: hit.score,
            id: hit.listing.id,
            title: hit.listing.title,
            shop: hit.listing.shop.unwrap_or_default(),
            role: hit.listing.role.as_str(),
            sales: hit.listing.sales,
        })?;
    }
    sink.finish()
}

/// Rising words shown for the showcase item's category.
const RISING_SHOWN: usize = 5;
/// Covering listings a rising word needs: a growth rate over two listings is noise.
const RISING_SUPPORT: u64 = 5;

/// `keywords derive` over the market listings, and the words of the showcase item's category
/// whose covered sales grew fastest between the first and the last snapshot (飙升词).
fn rising_keywords(
    index: &ListingIndex,
    dir: &Path,
    showcase: &OwnItem,
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let queries = keywords::read_queries(&dir.join(sample::QUERIES.name), &mut Rejects::new())?;
    let derived = derive::derive(index, &queries, &DeriveOptions::default(), &|_| {})?;
    let Some(period) = derived.period else {
        return Ok(());
    };
    let category = showcase.category.as_deref().unwrap_or_default();
    let mut words: Vec<(f64, &DerivedKeyword)> = derived
        .keywords
        .iter()
        .filter(|k| k.category == category)
        .filter(|k| k.listings >= RISING_SUPPORT)
        .filter_map(|k| Some((k.growth_rate()?, k)))
        .collect();
    words.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.keyword.cmp(&b.1.keyword))
    });
    let (span, found) = (super::keywords::period_text(period), derived.keywords.len());
    heading(match lang {
        Lang::Zh => format!(
            "{category} 的飙升搜索词：搜到的宝贝在 {span} 的销量增长，由宝贝和示例搜索词日志推算\
             （有宝贝能搜到的搜索词 {found} 个；只列至少 {RISING_SUPPORT} 个宝贝能搜到的）"
        ),
        Lang::En => format!(
            "Rising queries of {category}: sales growth of the listings found for them {span}, \
             derived from the listings and the sample's query log ({found} queries found by some \
             listing; queries found for at least {RISING_SUPPORT} listings)"
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for (rank, (score, k)) in words.iter().take(RISING_SHOWN).enumerate() {
        sink.write(&TopRecord {
            rank: rank + 1,
            score: *score,
            row: StatsRecord::new(&k.keyword, &k.category, &k.stats(period)),
        })?;
    }
    sink.finish()
}

/// A similar listing, as the demo shows it.
#[derive(Debug, Serialize)]
struct SimilarRecord {
    rank: usize,
    score: f32,
    id: String,
    title: String,
    shop: String,
    role: &'static str,
    sales: Option<u64>,
}

impl Record for SimilarRecord {
    const HEADERS: &'static [&'static str] =
        &["排名", "相似度", "宝贝ID", "标题", "店名", "角色", "销量"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.rank.to_string(),
            format!("{:.2}", self.score),
            self.id.clone(),
            self.title.clone(),
            self.shop.clone(),
            self.role.to_owned(),
            self.sales.map(|s| s.to_string()).unwrap_or_default(),
        ]);
    }
}

/// Keywords shown per category of the shop.
const TOP_KEYWORDS: usize = 5;

/// The most valuable keywords of each category the shop sells in.
fn keyword_market(
    table: &KeywordTable,
    categories: &[&str],
    format: Format,
    lang: Lang,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let imported = table.len();
    heading(match lang {
        Lang::Zh => format!(
            "关键词市场：每个类目价值最高的 {TOP_KEYWORDS} 个关键词（预估买家 = 需求 × 点击率 × 转化率；\
             已导入 {imported} 个关键词）"
        ),
        Lang::En => format!(
            "Keyword market: the {TOP_KEYWORDS} most valuable keywords per category (expected \
             buyers = demand x CTR x CVR; {imported} keywords imported)"
        ),
    })?;
    let mut sink = Sink::open(None, format)?;
    for category in categories {
        let top = table.top_by(TOP_KEYWORDS, Some(category), |s| RankBy::Value.score(s))?;
        for (rank, (score, row)) in top.iter().enumerate() {
            let row = StatsRecord::new(row.keyword, row.category, &row.stats);
            sink.write(&TopRecord {
                rank: rank + 1,
                score: *score,
                row,
            })?;
        }
    }
    sink.finish()
}

/// One of the sample shop's own items.
struct OwnItem {
    item: TitleItem,
    category: Option<String>,
    /// Everything the row says (brand, product word, attributes, price), for the title engine.
    full: Item,
}

/// The sample shop's own items, read once, by the same readers as a user's file.
fn own_items() -> anyhow::Result<Vec<OwnItem>> {
    let options = Options {
        required: vec![Field::Id, Field::Title],
        ..Default::default()
    };
    let path = Path::new("sample").join(sample::OWN_ITEMS.name);
    let reader = input::from_reader(sample::OWN_ITEMS.bytes, &path, InputFormat::Csv, &options)?;
    reader
        .map(|row| {
            let row = row.context("the built-in sample is broken")?;
            Ok(OwnItem {
                item: TitleItem {
                    id: row.text(Field::Id).unwrap_or_default().to_owned(),
                    title: row.get(Field::Title).unwrap_or_default().to_owned(),
                },
                category: row.text(Field::Category).map(str::to_owned),
                full: Item::from_record(&row).context("the built-in sample is broken")?,
            })
        })
        .collect()
}

/// Rows in a sample file, counted by reading it as a user's file would be read (the keyword
/// export is GBK, the report has a BOM, the queries have no header).
fn rows(file: &SampleFile) -> anyhow::Result<usize> {
    let path = Path::new("sample").join(file.name);
    let options = Options {
        columns: file
            .name
            .ends_with(".tsv")
            .then(|| vec!["id".into(), "query".into()]),
        ..Default::default()
    };
    let format = InputFormat::from_path(&path);
    let reader = input::from_reader(file.bytes, &path, format, &options)?;
    let mut n = 0;
    for row in reader {
        row.with_context(|| format!("the built-in sample {} is broken", file.name))?;
        n += 1;
    }
    Ok(n)
}
