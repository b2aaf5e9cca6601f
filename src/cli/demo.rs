//! `baobei demo`: the product at work on the built-in sample market, no files needed.
//! Every capability baobei gains adds its part here.

use crate::lang::Lang;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;

use super::ads::read_reports;
use super::batch::Rejects;
use super::keywords::{StatsRecord, TopRecord};
use super::output::{Format, Record, Sink};
use super::suggest::{self, Group, KeywordSuggestion, Purpose, Suggester};
use super::titles::{self, TitleItem};
use crate::ads::{self, ReviewConfig};
use crate::dictionary::Brand;
use crate::input::{self, Field, Format as InputFormat, Options};
use crate::item::Item;
use crate::keyword::{KeywordUniverse, UniverseOptions, ValueModel};
use crate::market::derive::{self, DeriveOptions, DerivedKeyword};
use crate::market::import::{ImportConfig, detect_source, map_record};
use crate::market::index::{Filter, Listing, ListingIndex, WriterOptions};
use crate::market::table::{KeywordTable, Period, RankBy, Source, TableBuilder};
use crate::sample::{self, SampleFile};
use crate::title::Segmenter;
use crate::title::edit::{Editor, Rewrite};
use crate::title::score::Scorer;

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

pub fn run(
    segmenter: &Arc<Segmenter>,
    budget: usize,
    format: Format,
    lang: Lang,
) -> anyhow::Result<()> {
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
        println!("baobei demo: the built-in sample market (synthetic, written for baobei)");
        for file in sample::FILES {
            println!("  {:<16} {:>6} rows", file.name, rows(file)?);
        }
    }

    heading(format!(
        "Segmentation of the shop's titles (first {SEGMENTED_SHOWN} of {})",
        items.len()
    ))?;
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
        *by_kind.entry(problem.kind.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    heading(format!(
        "Lint: {} problems in {} of {} titles ({})",
        by_kind.values().sum::<usize>(),
        with_problems.len(),
        linted.len(),
        summary.join(", ")
    ))?;
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
    let workspace = tempfile::tempdir().context("cannot create a temporary workspace")?;
    let index = Arc::new(market_index(segmenter, workspace.path())?);
    similar_listings(&index, showcase, format, &heading)?;
    rising_keywords(&index, showcase, format, &heading)?;
    let mut categories: Vec<&str> = Vec::new();
    for category in own.iter().filter_map(|o| o.category.as_deref()) {
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    let table = keyword_table(workspace.path())?;
    keyword_market(&table, &categories, format, &heading)?;

    // The title engine over the sample market: the keyword table plus the listing index.
    let options = UniverseOptions {
        budget,
        ..UniverseOptions::default()
    };
    let universe =
        KeywordUniverse::from_table(&table, segmenter.clone(), ValueModel::default(), options)?
            .with_index(index.clone());
    let editor = Editor {
        scorer: Scorer {
            universe: &universe,
            budget,
        },
    };
    rewrites(&editor, &own, format, lang, &heading)?;
    let suggester = Suggester {
        editor,
        index: Some(&index),
        purpose: Purpose::Ads,
    };
    suggestions(&suggester, showcase, format, lang, &heading)?;
    ads_review(
        &suggester,
        segmenter,
        &own,
        workspace.path(),
        format,
        lang,
        &heading,
    )
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
    heading(format!(
        "Rewrites: {} of {} titles edited; the shop is found for {before} -> {after} real \
         queries ({losing} titles lose query value, each only for a fix the rules force); the \
         rest are kept: no edit from the item's own words gains",
        changed.len(),
        done.len(),
    ))?;
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
    heading(format!(
        "Keyword suggestions for {} {} (price ¥{}; ROI = CVR x price / reference CPC)",
        item.id,
        item.title,
        item.price.unwrap_or_default()
    ))?;
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
    std::fs::write(&path, sample::ZTC_REPORT.bytes)
        .with_context(|| format!("{}: cannot write the sample report", path.display()))?;
    let mut rejects = Rejects::new(true);
    let rows = read_reports(&[path], None, &mut rejects, true)?;
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
    let [first, second] = super::ads::summary(&review, config.rules);
    heading(format!(
        "Through-train review of {} ({} rows): {first}\n{second}",
        sample::ZTC_REPORT.name,
        rows.len()
    ))?;
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

/// The sample's market listings (three daily snapshots) in a listing index in a temporary
/// workspace, as `index add` builds it.
/// The demo's last step: one night of `rescore` over the sample, in a workspace kept in the
/// temporary directory (replaced by the next demo) so that its `report.html` can be opened.
pub fn nightly(
    settings: &super::Settings,
    dicts: crate::dictionary::Dictionaries,
    format: Format,
) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join("baobei-demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("{}: cannot clear the demo directory", dir.display()))?;
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
    if format == Format::Table {
        println!("\nThe nightly job (`baobei rescore`) on the sample");
        println!("{}", "─".repeat(72));
    }
    let mut rejects = Rejects::in_lang(true, settings.lang);
    let night = crate::runs::night::run(&options, dicts, &mut rejects, &|_, _| {})?;
    println!("{}", night.run.file(crate::runs::files::REPORT).display());
    if format == Format::Table {
        let run = &night.run;
        let c = &run.manifest().counts;
        println!(
            "run {}: {} items scored (mean {:.1}), {} new titles proposed, {} through-train \
             keywords reviewed; open the report above in a browser",
            run.manifest().id,
            c.items,
            c.mean_score,
            c.proposals,
            c.ads_keywords
        );
    }
    Ok(())
}

fn market_index(segmenter: &Arc<Segmenter>, dir: &Path) -> anyhow::Result<ListingIndex> {
    let index = ListingIndex::create_or_open(dir, segmenter.clone())?;
    let mut writer = index.writer(WriterOptions::default())?;
    let path = Path::new("sample").join(sample::LISTINGS.name);
    for row in input::from_reader(
        sample::LISTINGS.bytes,
        &path,
        InputFormat::Csv,
        &Options::default(),
    )? {
        writer.upsert(&Listing::from_record(&row?, None, None)?)?;
    }
    writer.commit()?;
    drop(writer);
    index.reload()?;
    Ok(index)
}

/// The market listings most similar to one own item.
fn similar_listings(
    index: &ListingIndex,
    showcase: &OwnItem,
    format: Format,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (id, title) = (&showcase.item.id, &showcase.item.title);
    let stats = index.stats()?;
    heading(format!(
        "Market: the {SIMILAR_SHOWN} listings most like {id} {title} ({} listings indexed, {} snapshots)",
        stats.listings,
        stats.snapshots.len()
    ))?;
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
    showcase: &OwnItem,
    format: Format,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let queries: Vec<String> = String::from_utf8_lossy(sample::QUERIES.bytes)
        .lines()
        .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
        .collect();
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
    heading(format!(
        "Rising queries of {category}: sales growth of the listings found for them {}, \
         derived from the listings and the sample's query log ({} queries found by some \
         listing; queries found for at least {RISING_SUPPORT} listings)",
        super::keywords::period_text(period),
        derived.keywords.len()
    ))?;
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

/// The sample's Business Advisor export (GBK) compiled into a keyword table in `dir`, as
/// `keywords import` does.
fn keyword_table(dir: &Path) -> anyhow::Result<KeywordTable> {
    let path = Path::new("sample").join(sample::KEYWORDS.name);
    let reader = input::from_reader(
        sample::KEYWORDS.bytes,
        &path,
        InputFormat::Csv,
        &Options::default(),
    )?;
    let source = reader.header().map_or(Source::Other, detect_source);
    let (period, config) = (Some(Period::day(20261111)), ImportConfig::default());
    let mut builder = TableBuilder::new();
    for row in reader {
        let row = map_record(&row?, source, period, &config)?;
        builder.insert(&row.keyword, &row.category, row.stats)?;
    }
    let table_path = dir.join("keywords.bkw");
    builder.write(&table_path)?;
    Ok(KeywordTable::open(&table_path)?)
}

/// The most valuable keywords of each category the shop sells in.
fn keyword_market(
    table: &KeywordTable,
    categories: &[&str],
    format: Format,
    heading: &dyn Fn(String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    heading(format!(
        "Keyword market: the {TOP_KEYWORDS} most valuable keywords per category \
         (expected buyers = demand x CTR x CVR; {} keywords imported)",
        table.len()
    ))?;
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
