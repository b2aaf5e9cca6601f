//! `--help` in the operator's language: Chinese by default, English with `--lang en` or a
//! `LANG` (or `LC_ALL`, `LC_MESSAGES`) starting with `en`. Every help text of every command
//! and option lives in [`TEXTS`], both languages side by side, and is set on the clap command
//! at run time; a test checks that each command and option has both and that no entry is
//! stale.

use clap::{Arg, ArgAction, Command};

use crate::lang::Lang;

/// Every help text: `(key, 中文, English)`. A key is a command path (`""` for baobei itself,
/// `"keywords top"`) or `path:id` for an argument (`"keywords top:by"`); `*:id` is the text of
/// an argument in every command that has no entry of its own.
pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "",
        "baobei（宝贝）：淘宝/天猫标题与关键词优化引擎",
        "baobei: keyword and title optimisation for Taobao and Tmall listings",
    ),
    (
        ":format",
        "输出格式：table（表格）、csv（中文表头）、json（JSON Lines）或 xlsx（Excel 工作簿，需 --output）。\
         默认：输出文件为 .xlsx 时为 xlsx，终端上为表格，管道或其他文件为 CSV",
        "Output format: a table for people, CSV (Chinese headers), JSON Lines, or an Excel \
         workbook (xlsx, to an --output file). Default: xlsx for an `.xlsx` output file, table on \
         a terminal, CSV when piped or for any other file",
    ),
    (
        ":threads",
        "工作线程数（默认：全部核心）",
        "Worker threads (default: all cores)",
    ),
    (
        ":dicts",
        "额外的词典文件（词库、品牌、违禁词或停用词，按首行区分）。可重复；后面的覆盖前面的",
        "An extra dictionary file (lexicon, brands, prohibited or stop words, told apart by the \
         header line). Repeatable; later files override earlier ones",
    ),
    (
        ":budget",
        "标题预算，按 GBK 字节计",
        "Title budget in GBK bytes",
    ),
    (
        ":workspace",
        "工作区目录（索引、关键词表、清单）；首次写入时创建",
        "The workspace directory (index, keyword table, manifest); created on first write",
    ),
    (
        ":quiet",
        "不显示进度条，不在 stderr 输出汇总",
        "No progress bar and no summary on stderr",
    ),
    (
        ":lang",
        "界面语言：zh（中文，默认）或 en（英文）；也可由 LANG 决定",
        "Language of help and messages: zh (Chinese, the default) or en; LANG also decides",
    ),
    ("*:help", "显示帮助", "Print help"),
    (":version", "显示版本", "Print version"),
    (
        "*:titles",
        "要处理的标题（每个一条记录，按顺序）",
        "Titles to process (each one record, in order)",
    ),
    (
        "*:input",
        "标题文件：CSV、TSV、XLSX、JSON Lines（含标题列）或文本（每行一个）",
        "A file of titles: CSV, TSV, XLSX, JSON Lines (with a title column) or text (one per line)",
    ),
    (
        "*:output",
        "将结果写入 FILE（原子写入），而不是标准输出；.xlsx 文件写成 Excel 工作簿",
        "Write results to FILE (atomically) instead of standard output; a .xlsx file is an Excel \
         workbook",
    ),
    (
        "*:rejects",
        "被拒行的写入位置（默认：输出文件旁，或 `<输入>.rejects.csv`）",
        "Where to write rejected rows (default: beside the output, or `<input>.rejects.csv`)",
    ),
    (
        "segment",
        "把标题切分成带类型的词（品牌、核心词、属性、规格……）",
        "Segment titles into typed tokens (brand, product, attribute, spec, ...)",
    ),
    (
        "lint",
        "检查标题：预算、违禁词、重复词、多余空格、字符",
        "Check titles: budget, prohibited words, repeated words, wasted spaces, characters",
    ),
    (
        "score",
        "每个标题能被哪些真实搜索词搜到：得分是宝贝可达搜索词价值中标题命中的比例；按名称列出命中和错过的搜索词，以及标题未满足的硬性约束",
        "Which real search queries each title is found for: the score is the share of the query \
         value the item could be found for; the queries found and missed, by name, and the hard \
         constraints the title fails",
    ),
    (
        "rewrite",
        "编辑标题，让它被更多真实搜索词搜到：改动最少、收益最大，每处改动都说明得失的搜索词；绝不加入不真实、违禁或重复的词，绝不超出预算；保留品牌、核心词和必留词",
        "Edit titles to be found for more real queries: the fewest changes that gain the most, \
         each explained with the queries it gains or loses; never an untrue, prohibited or \
         repeated word, never over the budget; brand, product and must-keep words kept",
    ),
    (
        "rewrite:input",
        "宝贝文件：CSV、TSV、XLSX 或 JSON Lines，含标题列，可选 宝贝ID、品牌、核心词、类目、属性\
         （`材质:雪纺;风格:碎花`，或每个属性一列）、必留词、禁用词",
        "Items: CSV, TSV, XLSX or JSON Lines with a title column and any of 宝贝ID, 品牌, 核心词, \
         类目, 属性 (`材质:雪纺;风格:碎花`) or one column per attribute, 必留词, 禁用词",
    ),
    (
        "rewrite:dry_run",
        "只打印汇总，不写任何文件",
        "Print the summary only; write nothing",
    ),
    (
        "suggest",
        "为宝贝推荐关键词并排序：价值及其构成、相关的理由、标题是否已覆盖、与竞品的差距；\
         直通车用途另给参考价和预计投入产出比。长尾词（3 个词以上）单独分组",
        "Ranked keywords for items: value and its parts, why each is relevant, whether the title \
         covers it, the competitor gap; for ads the reference CPC and expected ROI. Long-tail \
         keywords (3+ words) in their own group",
    ),
    (
        "suggest:title",
        "要推荐关键词的一个标题",
        "One title to suggest keywords for",
    ),
    (
        "suggest:item",
        "工作区宝贝索引中的一个本店宝贝，按宝贝ID",
        "An own item of the workspace's listing index, by 宝贝ID",
    ),
    (
        "suggest:input",
        "宝贝文件：CSV、TSV、XLSX 或 JSON Lines，含标题列，可选 宝贝ID、品牌、核心词、类目、价格",
        "Items: CSV, TSV, XLSX or JSON Lines with a title column and any of 宝贝ID, 品牌, 核心词, \
         类目, 价格",
    ),
    (
        "suggest:purpose",
        "关键词的用途：标题（自然搜索）或直通车（加上参考价和预计投入产出比，并按其排序）",
        "What the keywords are for: the title (free search) or through-train ads (adds the \
         reference CPC and the expected ROI, and ranks by it)",
    ),
    (
        "suggest:limit",
        "每个宝贝每组的关键词数（核心词、长尾词）",
        "Keywords per item and group (head words, long tail)",
    ),
    (
        "suggest:price",
        "`--title` 宝贝的价格（元）；索引或文件中的宝贝自带价格",
        "Price of the `--title` item in 元 (items from the index or a file carry their own)",
    ),
    (
        "suggest:category",
        "`--title` 宝贝的类目，与关键词导出中的写法一致（如 `女装/连衣裙`）",
        "Category of the `--title` item, as the keyword export names it (e.g. `女装/连衣裙`)",
    ),
    (
        "demo",
        "在内置的示例市场上运行 baobei，无需任何文件",
        "Run baobei on its built-in sample market, no files needed",
    ),
    (
        "keywords",
        "关键词市场表：导入导出数据、查词、排行",
        "The keyword market table: import exports, look words up, rank them",
    ),
    (
        "keywords import",
        "把关键词导出（生意参谋搜索分析、直通车关键词分析；xlsx 或 csv，GBK 或 UTF-8）编入工作区的关键词表，与已有数据合并",
        "Compile keyword exports (生意参谋 search analysis, 直通车 keyword analysis; xlsx or csv, \
         GBK or UTF-8) into the workspace's keyword table, merging with what is there",
    ),
    (
        "keywords import:files",
        "要导入的导出文件",
        "Export files to import",
    ),
    (
        "keywords import:date",
        "导出覆盖的统计周期，`日期` 或 `开始~结束`，用于没有日期列的文件（优先于日期列）",
        "The period the exports cover, `DATE` or `START~END`, for files without a date column \
         (overrides the column)",
    ),
    (
        "keywords import:rejects",
        "被拒行的写入位置（默认：`<第一个文件>.rejects.csv`）",
        "Where to write rejected rows (default: `<first file>.rejects.csv`)",
    ),
    (
        "keywords show",
        "显示关键词的统计数据（每个词一条记录，按顺序）",
        "Show the statistics of keywords (one record per word, in order)",
    ),
    (
        "keywords show:words",
        "要查询的关键词",
        "Keywords to look up",
    ),
    (
        "keywords top",
        "按预期买家、增长或需求排出最好的关键词",
        "The best keywords by expected buyers, growth or demand",
    ),
    (
        "keywords top:category",
        "只看该类目的关键词，与导出中的写法一致（如 `女装/连衣裙`）",
        "Only keywords of this category, as the export names it (e.g. `女装/连衣裙`)",
    ),
    (
        "keywords top:by",
        "排序依据：预期买家（需求 × 点击率 × 转化率）、增长或还原后的需求。默认：预期买家；\
         关键词没有点击率和转化率时（推算的关键词）按需求",
        "Ranking: expected buyers (demand × CTR × CVR), growth, or restored demand. Default: \
         expected buyers, or demand when no keyword has CTR and CVR (derived keywords)",
    ),
    ("keywords top:limit", "关键词个数", "How many keywords"),
    (
        "keywords top:min_items",
        "只看在线商品数至少为 N 的关键词（推算的关键词为覆盖它的宝贝数）：两个宝贝上测得的增长是噪声，不是飙升词。默认：--by growth 时为 5，否则为 0",
        "Only keywords with at least N online items (在线商品数; for derived rows the covering \
         listings): a growth rate measured on two listings is noise, not a rising word. Default: \
         5 with `--by growth`, else 0",
    ),
    (
        "keywords derive",
        "没有导出数据时，从宝贝索引推算真实搜索词的统计：搜到的宝贝的销量（需求；宝贝无销量时用搜索次数）、数量和销量增长；词相同而顺序不同的搜索词算一个",
        "Derive statistics of real search queries from the listing index when no export exists: \
         the sales of the listings found for each (demand; its searches where listings have no \
         sales), their count and sales growth; queries with the same words are one",
    ),
    (
        "keywords derive:queries",
        "真实搜索词，即要推算的关键词：无表头的 TSV `qid<TAB>query`、每行一个搜索词的文本，或含 关键词/query 列的 CSV/XLSX；保存在工作区，之后的推算（和夜间任务）无需再给",
        "Real buyer queries, the keywords to derive: TSV `qid<TAB>query` without header, one \
         query per line, or a CSV/XLSX with a 关键词/query column. Kept in the workspace, so \
         later derives (and the nightly job) use them without this option",
    ),
    (
        "keywords derive:category",
        "只用恰好属于该类目的宝贝",
        "Only listings of exactly this category",
    ),
    (
        "keywords derive:rejects",
        "被拒搜索词行的写入位置（默认：`<搜索词文件>.rejects.csv`）",
        "Where to write rejected query rows (default: `<queries file>.rejects.csv`)",
    ),
    (
        "index",
        "工作区的宝贝索引：本店、竞品和行业宝贝，带快照",
        "The workspace's listing index: own, competitor and industry listings with snapshots",
    ),
    (
        "index add",
        "从 CSV、XLSX 或 JSON Lines 导出中写入宝贝（按宝贝ID和快照日更新）；没有日期列的文件记为今天的快照",
        "Upsert listings (by item id and snapshot day) from CSV, XLSX or JSON Lines exports; a \
         file without a date column is today's snapshot",
    ),
    (
        "index add:files",
        "宝贝文件（宝贝ID、标题，可选 类目、品牌、店名、价格、销量、日期、角色）",
        "Listing files (宝贝ID, 标题, and any of 类目, 品牌, 店名, 价格, 销量, 日期, 角色)",
    ),
    (
        "index add:role",
        "谁的宝贝：own（本店）、competitor（竞品）或 industry（行业）；角色/role 列优先",
        "Whose listings: own, competitor or industry (a 角色/role column wins)",
    ),
    (
        "index add:snapshot",
        "快照日期，用于没有日期列的文件（默认今天；日期列优先）",
        "The snapshot day, for files without a date column (default: today; a 日期 column wins)",
    ),
    (
        "index add:rejects",
        "被拒行的写入位置（默认：`<第一个文件>.rejects.csv`）",
        "Where to write rejected rows (default: `<first file>.rejects.csv`)",
    ),
    (
        "index stats",
        "按角色、类目和快照统计的宝贝数；段数、大小、最近一次导入",
        "Listings per role, category and snapshot; segments, size, last import",
    ),
    (
        "index rebuild",
        "用当前词典重新切分全部已存宝贝，建成新索引并替换（词典变更后使用；中途被杀则保留旧索引）",
        "Re-tokenise every stored listing with the current dictionaries into a fresh index and \
         swap it in (after a dictionary change; a kill mid-way leaves the old index)",
    ),
    (
        "rescore",
        "夜间任务：导入当晚的文件，按最新市场给每个本店宝贝重新打分，提出改写建议，复查直通车报表；在 `runs/` 下生成一次运行",
        "The nightly job: import the night's files, re-score every own item against the fresh \
         market, propose rewrites, review the through-train report; one run under `runs/`",
    ),
    (
        "rescore:listings",
        "本店宝贝（宝贝ID、标题，可选 品牌、核心词、类目、属性、价格、销量、必留词、禁用词）。不给时，重新打分索引中已有的本店宝贝",
        "Own listings (宝贝ID, 标题, and any of 品牌, 核心词, 类目, 属性, 价格, 销量, 必留词, 禁用词). \
         Without them, the own listings already in the index are re-scored",
    ),
    (
        "rescore:competitors",
        "竞品宝贝（市场）：写入索引，然后重新推算关键词统计",
        "Competitor listings (the market): indexed, then keyword statistics are re-derived",
    ),
    (
        "rescore:keywords",
        "合并进关键词表的关键词导出（生意参谋 / 直通车）",
        "Keyword exports (生意参谋 / 直通车) to merge into the keyword table",
    ),
    (
        "rescore:ads",
        "要复查的直通车关键词报表",
        "Through-train keyword reports to review",
    ),
    (
        "rescore:queries",
        "真实搜索词：从市场推算的关键词（保存在工作区）",
        "Real search queries: the keywords derived from the market (kept in the workspace)",
    ),
    (
        "rescore:date",
        "本次运行对应的日期（默认：今天，UTC）",
        "The day the run is for (default: today, UTC)",
    ),
    (
        "rescore:min_gain",
        "新标题至少提升多少分才提出建议",
        "Score points a new title must gain to be proposed",
    ),
    (
        "rescore:hold_days",
        "改过标题或提出不同建议后，多少天内不再为该宝贝提出新标题",
        "Days after a retitle or a different proposal before an item is proposed a new title",
    ),
    (
        "runs",
        "已完成的夜间运行：列出、查看、比较",
        "Completed nightly rescore runs: list them, show one, compare two",
    ),
    (
        "runs list",
        "每次已完成的运行一条记录，从旧到新",
        "One record per completed run, oldest first",
    ),
    (
        "runs show",
        "一次运行的清单：输入及校验和、设置、计数、耗时",
        "A run's manifest: inputs with checksums, settings, counts, timings",
    ),
    (
        "runs show:run",
        "运行：名称（`2026-11-23-1`）、`latest`（最新）或 `previous`（上一次）",
        "The run: its name (`2026-11-23-1`), `latest` or `previous`",
    ),
    (
        "runs diff",
        "从运行 A 到运行 B 分数变化的宝贝，跌得最多的在前，附原因",
        "Items whose score moved from run A to run B, biggest fall first, with reasons",
    ),
    (
        "runs diff:a",
        "较早的运行（名称、`latest` 或 `previous`）",
        "The earlier run (name, `latest` or `previous`)",
    ),
    ("runs diff:b", "较晚的运行", "The later run"),
    (
        "runs diff:min_change",
        "只列分数变化至少这么多分的宝贝",
        "Only items whose score moved at least this many points",
    ),
    (
        "ads",
        "直通车：把关键词报表复查成出价决策",
        "Through-train (直通车) ads: review keyword reports into bid decisions",
    ),
    (
        "ads review",
        "逐个关键词决定：加价、降价、保持、暂停或删除，附原因和置信度；否定词；stderr 输出汇总",
        "Decide per keyword: raise or lower the bid, keep, pause or delete, with a reason and a \
         confidence; negative words; a summary on stderr",
    ),
    (
        "ads review:reports",
        "直通车关键词报表（按天的行；CSV、XLSX 或 JSON Lines；GBK 或 UTF-8）",
        "Through-train keyword reports (daily rows; CSV, XLSX or JSON Lines; GBK or UTF-8)",
    ),
    (
        "ads review:days",
        "复查的天数，从报表的最新日期往回数",
        "Days to review, counted back from the report's latest date",
    ),
    (
        "ads review:target_roi",
        "出价追求的投入产出比（成交金额 / 花费）",
        "Return on ad spend (GMV / cost) the bids aim at",
    ),
    (
        "ads review:break_even_roi",
        "低于该投入产出比的关键词亏钱（1 / 毛利率）",
        "ROI under which a keyword loses money (1 / gross margin)",
    ),
    (
        "ads review:lag_days",
        "最近几天的成交仍在归因中",
        "The newest days whose orders are still being attributed",
    ),
    (
        "ads review:rules",
        "合并的贝叶斯估计（bayes），或运营的经典经验规则（classic）",
        "Pooled Bayesian estimates, or the operators' classic rules of thumb",
    ),
    (
        "ads review:cost_unit",
        "花费和平均点击花费的单位（默认：看表头，否则按点击花费与出价之比判断）",
        "The unit of 花费 and 平均点击花费 (default: from the header, else from cost per click \
         against the bid)",
    ),
    (
        "ads review:output",
        "将决策写入 FILE（原子写入），而不是标准输出；.xlsx 文件写成 Excel 工作簿",
        "Write decisions to FILE (atomically) instead of standard output; a .xlsx file is an \
         Excel workbook",
    ),
    (
        "ads review:rejects",
        "被拒行的写入位置（默认：`<第一个报表>.rejects.csv`）",
        "Where to write rejected rows (default: `<first report>.rejects.csv`)",
    ),
];

/// Clap's own words, per language: headings, the usage line, the help subcommand.
struct Words {
    usage: &'static str,
    commands: &'static str,
    options: &'static str,
    arguments: &'static str,
    help_command: &'static str,
}

const ZH: Words = Words {
    usage: "用法",
    commands: "命令",
    options: "选项",
    arguments: "参数",
    help_command: "显示本帮助或某个命令的帮助",
};

const EN: Words = Words {
    usage: "Usage",
    commands: "Commands",
    options: "Options",
    arguments: "Arguments",
    help_command: "Print this message or the help of the given subcommand(s)",
};

/// The text of `key` in `lang`, or of `*:id` for an argument key `path:id`.
fn text(lang: Lang, key: &str) -> Option<&'static str> {
    let find = |k: &str| TEXTS.iter().find(|t| t.0 == k).map(|t| lang.pick(t.1, t.2));
    find(key).or_else(|| {
        let (_, id) = key.split_once(':')?;
        find(&format!("*:{id}"))
    })
}

/// `cmd` (baobei's command, not yet built) with every help text in `lang`, the `--lang`
/// option, and clap's headings in the same language.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    let cmd = cmd
        .arg(
            Arg::new("lang")
                .long("lang")
                .global(true)
                .value_name("LANG")
                .value_parser(["zh", "en"]),
        )
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version),
        );
    let words = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let mut cmd = localize_command(cmd, "", lang, words);
    cmd.build();
    cmd.mut_subcommand("help", |help| help.about(words.help_command))
}

fn localize_command(mut cmd: Command, path: &str, lang: Lang, words: &Words) -> Command {
    if let Some(about) = text(lang, path) {
        cmd = cmd.about(about).long_about(None);
    }
    cmd = cmd
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{}: {{usage}}\n\n{{all-args}}{{after-help}}",
            words.usage
        ))
        .subcommand_help_heading(words.commands)
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(text(lang, "*:help")),
        );
    let ids: Vec<(String, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (id, positional) in ids {
        let heading = if positional {
            words.arguments
        } else {
            words.options
        };
        let help = text(lang, &format!("{path}:{id}"));
        cmd = cmd.mut_arg(id.as_str(), |a| {
            let a = a.help_heading(heading);
            match help {
                Some(help) => a.help(help).long_help(None),
                None => a,
            }
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub = match path {
            "" => name.clone(),
            _ => format!("{path} {name}"),
        };
        cmd = cmd.mut_subcommand(name.as_str(), |s| localize_command(s, &sub, lang, words));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every key a command and its arguments look up, from the command tree itself.
    fn keys(cmd: &Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_owned());
        for a in cmd.get_arguments() {
            out.push(format!("{path}:{}", a.get_id()));
        }
        for s in cmd.get_subcommands() {
            let sub = match path {
                "" => s.get_name().to_owned(),
                _ => format!("{path} {}", s.get_name()),
            };
            keys(s, &sub, out);
        }
    }

    #[test]
    fn every_command_and_option_has_both_languages_and_no_entry_is_stale() {
        let mut wanted = Vec::new();
        keys(&super::super::args::Cli::command(), "", &mut wanted);
        for key in &wanted {
            for lang in [Lang::Zh, Lang::En] {
                let t = text(lang, key);
                assert!(
                    t.is_some_and(|t| !t.is_empty()),
                    "no {lang:?} text for {key:?}"
                );
            }
            let zh = text(Lang::Zh, key).unwrap();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{key:?}: the Chinese text is not Chinese: {zh}"
            );
        }
        let extra = [":lang", "*:help", ":version"];
        for (key, _, _) in TEXTS {
            let used = wanted.iter().any(|w| w == key)
                || extra.contains(key)
                || key
                    .strip_prefix("*:")
                    .is_some_and(|id| wanted.iter().any(|w| w.ends_with(&format!(":{id}"))));
            assert!(used, "stale help text {key:?}");
        }
        let mut seen = std::collections::HashSet::new();
        for (key, _, _) in TEXTS {
            assert!(seen.insert(key), "{key:?} twice");
        }
    }

    #[test]
    fn help_renders_in_chinese_and_in_english() {
        let render = |lang| {
            let mut cmd = localize(super::super::args::Cli::command(), lang);
            let sub = cmd.find_subcommand_mut("rewrite").unwrap();
            sub.render_help().to_string()
        };
        let zh = render(Lang::Zh);
        assert!(zh.contains("用法: "), "{zh}");
        assert!(zh.contains("选项:"), "{zh}");
        assert!(zh.contains("编辑标题，让它被更多真实搜索词搜到"), "{zh}");
        assert!(zh.contains("显示帮助"), "{zh}");
        assert!(!zh.contains("Print help"), "{zh}");
        let en = render(Lang::En);
        assert!(en.contains("Usage: "), "{en}");
        assert!(
            en.contains("Edit titles to be found for more real queries"),
            "{en}"
        );
        assert!(!en.contains("真实搜索词"), "{en}");
    }
}
