//! clap types: the first stage of argument handling. Nothing outside `cli` sees them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// baobei: keyword and title optimisation for Taobao and Tmall listings.
#[derive(Debug, Parser)]
#[command(name = "baobei", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Output format: a table for people, CSV (Chinese headers), JSON Lines, or an Excel
    /// workbook (xlsx, to an --output file). Default: xlsx for an `.xlsx` output file, table on
    /// a terminal, CSV when piped or for any other file.
    #[arg(long, global = true, value_enum)]
    pub format: Option<FormatArg>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// An extra dictionary file (lexicon, brands, prohibited or stop words, told apart by the
    /// header line). Repeatable; later files override earlier ones.
    #[arg(long = "dict", global = true, value_name = "FILE")]
    pub dicts: Vec<PathBuf>,
    /// Title budget in GBK bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::text::chars::DEFAULT_BUDGET)]
    pub budget: usize,
    /// The workspace directory (index, keyword table, manifest); created on first write.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "BAOBEI_WORKSPACE",
        default_value = crate::market::workspace::DEFAULT_DIR
    )]
    pub workspace: PathBuf,
    /// No progress bar and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Segment titles into typed tokens (brand, product, attribute, spec, ...).
    Segment(TitleArgs),
    /// Check titles: budget, prohibited words, repeated words, wasted spaces, characters.
    Lint(TitleArgs),
    /// Which real search queries each title is found for: the score is the share of the
    /// query value the item could be found for; the queries found and missed, by name, and
    /// the hard constraints the title fails.
    Score(TitleArgs),
    /// Edit titles to be found for more real queries: the fewest changes that gain the most,
    /// each explained with the queries it gains or loses; never an untrue, prohibited or
    /// repeated word, never over the budget; brand, product and must-keep words kept.
    Rewrite(RewriteArgs),
    /// Ranked keywords for items: value and its parts, why each is relevant, whether the title
    /// covers it, the competitor gap; for ads the reference CPC and expected ROI. Long-tail
    /// keywords (3+ words) in their own group.
    Suggest(SuggestArgs),
    /// Run baobei on its built-in sample market, no files needed.
    Demo,
    /// The keyword market table: import exports, look words up, rank them.
    #[command(subcommand)]
    Keywords(KeywordsCommand),
    /// The workspace's listing index: own, competitor and industry listings with snapshots.
    #[command(subcommand)]
    Index(IndexCommand),
    /// The nightly job: import the night's files, re-score every own item against the fresh
    /// market, propose rewrites, review the through-train report; one run under `runs/`.
    Rescore(RescoreArgs),
    /// Completed nightly rescore runs: list them, show one, compare two.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Through-train (直通车) ads: review keyword reports into bid decisions.
    #[command(subcommand)]
    Ads(AdsCommand),
}

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// Own listings (宝贝ID, 标题, and any of 品牌, 核心词, 类目, 属性, 价格, 销量, 必留词, 禁用词).
    /// Without them, the own listings already in the index are re-scored.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub listings: Vec<PathBuf>,
    /// Competitor listings (the market): indexed, then keyword statistics are re-derived.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub competitors: Vec<PathBuf>,
    /// Keyword exports (生意参谋 / 直通车) to merge into the keyword table.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub keywords: Vec<PathBuf>,
    /// Through-train keyword reports to review.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub ads: Vec<PathBuf>,
    /// Real search queries: the keywords derived from the market (kept in the workspace).
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// The day the run is for (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Score points a new title must gain to be proposed.
    #[arg(long, value_name = "POINTS", default_value_t = 5.0)]
    pub min_gain: f64,
    /// Days after a retitle or a different proposal before an item is proposed a new title.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub hold_days: i64,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// One record per completed run, oldest first.
    List(RunsListArgs),
    /// A run's manifest: inputs with checksums, settings, counts, timings.
    Show(RunsShowArgs),
    /// Items whose score moved from run A to run B, biggest fall first, with reasons.
    Diff(RunsDiffArgs),
}

#[derive(Debug, Args)]
pub struct RunsListArgs {
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunsShowArgs {
    /// The run: its name (`2026-11-23-1`), `latest` or `previous`.
    #[arg(value_name = "RUN")]
    pub run: String,
}

#[derive(Debug, Args)]
pub struct RunsDiffArgs {
    /// The earlier run (name, `latest` or `previous`).
    #[arg(value_name = "A")]
    pub a: String,
    /// The later run.
    #[arg(value_name = "B")]
    pub b: String,
    /// Only items whose score moved at least this many points.
    #[arg(long, value_name = "POINTS", default_value_t = 0.1)]
    pub min_change: f64,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AdsCommand {
    /// Decide per keyword: raise or lower the bid, keep, pause or delete, with a reason and a
    /// confidence; negative words; a summary on stderr.
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Through-train keyword reports (daily rows; CSV, XLSX or JSON Lines; GBK or UTF-8).
    #[arg(long = "report", value_name = "FILE", required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Days to review, counted back from the report's latest date.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: u32,
    /// Return on ad spend (GMV / cost) the bids aim at.
    #[arg(long, value_name = "R", default_value_t = 3.0)]
    pub target_roi: f64,
    /// ROI under which a keyword loses money (1 / gross margin).
    #[arg(long, value_name = "R", default_value_t = 2.0)]
    pub break_even_roi: f64,
    /// The newest days whose orders are still being attributed.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub lag_days: u32,
    /// Pooled Bayesian estimates, or the operators' classic rules of thumb.
    #[arg(long, value_enum, default_value_t = RulesArg::Bayes)]
    pub rules: RulesArg,
    /// The unit of 花费 and 平均点击花费 (default: from the header, else from cost per click
    /// against the bid).
    #[arg(long, value_enum)]
    pub cost_unit: Option<CostUnitArg>,
    /// Write decisions to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where to write rejected rows (default: `<first report>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesArg {
    Bayes,
    Classic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostUnitArg {
    Yuan,
    Fen,
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Upsert listings (by item id and snapshot day) from CSV, XLSX or JSON Lines exports.
    Add(IndexAddArgs),
    /// Listings per role, category and snapshot; segments, size, last import.
    Stats(IndexStatsArgs),
    /// Re-tokenise every stored listing with the current dictionaries into a fresh index and
    /// swap it in (after a dictionary change; a kill mid-way leaves the old index).
    Rebuild,
}

#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// Listing files (宝贝ID, 标题, and any of 类目, 品牌, 店名, 价格, 销量, 日期, 角色).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Whose listings: own, competitor or industry (a 角色/role column wins).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The snapshot day, for files without a date column (a 日期 column wins).
    #[arg(long, value_name = "DATE")]
    pub snapshot: Option<String>,
    /// Where to write rejected rows (default: `<first file>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeywordsCommand {
    /// Compile keyword exports (生意参谋 search analysis, 直通车 keyword analysis; xlsx or csv,
    /// GBK or UTF-8) into the workspace's keyword table, merging with what is there.
    Import(ImportArgs),
    /// Show the statistics of keywords (one record per word, in order).
    Show(ShowArgs),
    /// The best keywords by expected buyers, growth or demand.
    Top(TopArgs),
    /// Derive statistics of real search queries from the listing index when no export exists:
    /// the sales of the listings found for each (demand; its searches where listings have no
    /// sales), their count and sales growth; queries with the same words are one.
    Derive(DeriveArgs),
}

#[derive(Debug, Args)]
pub struct DeriveArgs {
    /// Real buyer queries, the keywords to derive: TSV `qid<TAB>query` without header, one
    /// query per line, or a CSV/XLSX with a 关键词/query column. Kept in the workspace, so
    /// later derives (and the nightly job) use them without this option.
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Only listings of exactly this category.
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Where to write rejected query rows (default: `<queries file>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files to import.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The period the exports cover, `DATE` or `START~END`, for files without a date column
    /// (overrides the column).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Where to write rejected rows (default: `<first file>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Keywords to look up.
    #[arg(value_name = "WORD", required = true)]
    pub words: Vec<String>,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Only keywords of this category, as the export names it (e.g. `女装/连衣裙`).
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Ranking: expected buyers (demand × CTR × CVR), growth, or restored demand. Default:
    /// expected buyers, or demand when no keyword has CTR and CVR (derived keywords).
    #[arg(long, value_enum)]
    pub by: Option<RankArg>,
    /// How many keywords.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Only keywords with at least N online items (在线商品数; for derived rows the covering
    /// listings): a growth rate measured on two listings is noise, not a rising word. Default:
    /// 5 with `--by growth`, else 0.
    #[arg(long, value_name = "N")]
    pub min_items: Option<u64>,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RankArg {
    Value,
    Growth,
    Demand,
}

/// Where titles come from and where results go.
#[derive(Debug, Args)]
pub struct TitleArgs {
    /// Titles to process (each one record, in order).
    #[arg(value_name = "TITLE")]
    pub titles: Vec<String>,
    /// A file of titles: CSV, TSV, XLSX, JSON Lines (with a title column) or text (one per line).
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where to write rejected rows (default: beside the output, or `<input>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("items").required(true).args(["title", "item", "input"])))]
pub struct SuggestArgs {
    /// One title to suggest keywords for.
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// An own item of the workspace's listing index, by 宝贝ID.
    #[arg(long, value_name = "ID")]
    pub item: Option<String>,
    /// Items: CSV, TSV, XLSX or JSON Lines with a title column and any of 宝贝ID, 品牌, 核心词,
    /// 类目, 价格.
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// What the keywords are for: the title (free search) or through-train ads (adds the
    /// reference CPC and the expected ROI, and ranks by it).
    #[arg(long = "for", value_enum, default_value_t = PurposeArg::Title)]
    pub purpose: PurposeArg,
    /// Keywords per item and group (head words, long tail).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Price of the `--title` item in 元 (items from the index or a file carry their own).
    #[arg(long, value_name = "YUAN")]
    pub price: Option<f64>,
    /// Category of the `--title` item, as the keyword export names it (e.g. `女装/连衣裙`).
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where to write rejected rows (default: beside the output, or `<input>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PurposeArg {
    Title,
    Ads,
}

#[derive(Debug, Args)]
pub struct RewriteArgs {
    /// Items: CSV, TSV, XLSX or JSON Lines with a title column and any of 宝贝ID, 品牌, 核心词,
    /// 类目, 属性 (`材质:雪纺;风格:碎花`) or one column per attribute, 必留词, 禁用词.
    #[arg(long, short, value_name = "FILE")]
    pub input: PathBuf,
    /// Write results to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where to write rejected rows (default: beside the output, or `<input>.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Print the summary only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}
