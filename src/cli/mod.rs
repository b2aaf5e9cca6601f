//! Command-line edge: parses arguments into settings, runs a command, prints errors and maps
//! the outcome to an exit code. The only place in baobei that prints.
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

mod ads;
mod args;
mod batch;
mod demo;
mod engine;
mod help;
mod index;
mod keywords;
mod output;
mod rescore;
mod runs;
mod suggest;
mod titles;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};

use crate::batch::Reject;
use crate::dictionary::Dictionaries;
use crate::input::{self, Field};
use crate::lang::Lang;
use crate::text::Segmenter;
use args::{
    AdsCommand, Cli, Command, FormatArg, IndexCommand, KeywordsCommand, RunsCommand, TitleArgs,
};
use batch::Summary;
use output::{Format, Sink};
use titles::TitleItem;

/// Exit codes, for scripts and cron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Exit {
    /// Everything done.
    Ok = 0,
    /// Finished, but some input rows were rejected.
    Rejected = 1,
    /// Failed; nothing was written.
    Error = 2,
}

/// Settings the engine needs, turned from arguments (the second stage of argument handling).
#[derive(Debug)]
struct Settings {
    format: Option<Format>,
    budget: usize,
    quiet: bool,
    dicts: Vec<PathBuf>,
    workspace: PathBuf,
    /// The language of what people read: reasons, problems, summaries (Chinese by default).
    lang: Lang,
}

impl Settings {
    /// What the engine takes of these settings, with the segmenter of the dictionaries.
    fn engine(&self, segmenter: Arc<Segmenter>) -> crate::engine::Settings {
        crate::engine::Settings {
            segmenter,
            budget: self.budget,
            lang: self.lang,
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    run_from(std::env::args_os())
}

/// Runs the command line given as `args` (the first is the program name): what `run` does
/// with the process's arguments, for benches and embedders.
pub fn run_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // Help in the operator's language: Chinese unless `--lang en` or an English locale.
    let lang = Lang::from_args(&args);
    let command = help::localize(Cli::command(), lang);
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Error as i32
            } else {
                Exit::Ok as i32
            };
        }
    };
    match execute(cli, lang) {
        Ok(exit) => exit as i32,
        Err(e) if is_broken_pipe(&e) => Exit::Ok as i32,
        Err(e) => {
            eprintln!("{}", say_error(&e, lang));
            Exit::Error as i32
        }
    }
}

/// The error chain in `lang`, joined as anyhow's `{:#}` joins it (`: `, `：` in Chinese):
/// each typed error of the library said in `lang`, the rest (said at the edge in `lang`) as
/// they are.
fn say_error(e: &anyhow::Error, lang: Lang) -> String {
    let causes: Vec<String> = e.chain().map(|c| describe_cause(c, lang)).collect();
    let prefix = lang.pick("baobei: 错误：", "baobei: error: ");
    format!("{prefix}{}", causes.join(lang.pick("：", ": ")))
}

/// One cause of an error chain in `lang`.
fn describe_cause(cause: &(dyn std::error::Error + 'static), lang: Lang) -> String {
    use crate::lang::Describe;
    macro_rules! described {
        ($($t:ty),*) => {$(
            if let Some(e) = cause.downcast_ref::<$t>() {
                return e.describe(lang);
            }
        )*};
    }
    described!(
        crate::batch::JobError,
        crate::input::InputError,
        crate::input::ValueError,
        crate::item::ItemError,
        crate::market::index::ListingError,
        crate::market::import::ImportError,
        crate::ads::AdsError,
        crate::market::table::TableError,
        crate::market::workspace::WorkspaceError,
        crate::io_error::IoError,
        crate::market::index::IndexError,
        crate::settings::SettingsError,
        crate::runs::RunError,
        crate::dictionary::DictionaryError,
        output::OutputError,
        crate::sample::SampleError
    );
    match cause.downcast_ref::<io::Error>() {
        Some(e) => crate::batch::describe_io(e, lang),
        None => cause.to_string(),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn execute(cli: Cli, lang: Lang) -> anyhow::Result<Exit> {
    let g = cli.global;
    if let Some(n) = g.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context(lang.pick("无法启动工作线程", "cannot start worker threads"))?;
    }
    let settings = Settings {
        format: g.format.map(|f| match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Xlsx => Format::Xlsx,
        }),
        budget: g.budget,
        quiet: g.quiet,
        dicts: g.dicts,
        workspace: g.workspace,
        lang,
    };
    match cli.command {
        Command::Segment(args) => {
            check_inputs(lang, &args.input)?;
            let segmenter = segmenter(&settings)?;
            titles_command(&settings, &args, "segmented", |item| {
                titles::segment(&segmenter, item)
            })
        }
        Command::Lint(args) => {
            check_inputs(lang, &args.input)?;
            let segmenter = segmenter(&settings)?;
            titles_command(&settings, &args, "linted", |item| {
                titles::lint_title(&segmenter, settings.budget, settings.lang, item)
            })
        }
        Command::Score(args) => {
            // Before the market: a missing file is named, not the keyword table.
            check_inputs(lang, &args.input)?;
            let segmenter = Arc::new(segmenter(&settings)?);
            engine::score(&settings, &args, segmenter)
        }
        Command::Rewrite(args) => {
            check_inputs(lang, [&args.input])?;
            let segmenter = Arc::new(segmenter(&settings)?);
            engine::rewrite(&settings, &args, segmenter)
        }
        Command::Suggest(args) => {
            check_inputs(lang, &args.input)?;
            let segmenter = Arc::new(segmenter(&settings)?);
            suggest::run(&settings, &args, segmenter)
        }
        Command::Demo => {
            let mut dicts = dictionaries(&settings)?;
            dicts.brands.extend(demo::sample_brands()?);
            let segmenter = Arc::new(Segmenter::new(Arc::new(dicts.clone())));
            let format = settings.format.unwrap_or(Format::Table);
            demo::run(&settings.engine(segmenter), format)?;
            demo::nightly(&settings, dicts, format)?;
            Ok(Exit::Ok)
        }
        Command::Index(command) => {
            let dicts = dictionaries(&settings)?;
            // A rebuild is the cure for stale dictionaries: no warning about them.
            if !matches!(command, IndexCommand::Rebuild) {
                keywords::warn_if_stale(&settings, &dicts)?;
            }
            match command {
                IndexCommand::Add(args) => {
                    check_inputs(lang, &args.files)?;
                    index::add(&settings, &args, dicts)
                }
                IndexCommand::Stats(args) => index::stats(&settings, &args, dicts),
                IndexCommand::Rebuild => index::rebuild(&settings, dicts),
            }
        }
        Command::Ads(AdsCommand::Review(args)) => {
            check_inputs(lang, &args.reports)?;
            ads::review(&settings, &args)
        }
        Command::Keywords(command) => {
            let dicts = dictionaries(&settings)?;
            keywords::warn_if_stale(&settings, &dicts)?;
            match command {
                KeywordsCommand::Import(args) => {
                    check_inputs(lang, &args.files)?;
                    keywords::import(&settings, &args, &dicts)
                }
                KeywordsCommand::Show(args) => keywords::show(&settings, &args),
                KeywordsCommand::Top(args) => keywords::top(&settings, &args),
                KeywordsCommand::Derive(args) => {
                    check_inputs(lang, &args.queries)?;
                    keywords::derive(&settings, &args, dicts)
                }
            }
        }
        Command::Rescore(args) => {
            check_inputs(
                lang,
                [&args.listings, &args.competitors, &args.keywords, &args.ads]
                    .into_iter()
                    .flatten()
                    .chain(&args.queries),
            )?;
            let dicts = dictionaries(&settings)?;
            keywords::warn_if_stale(&settings, &dicts)?;
            rescore::rescore(&settings, &args, dicts)
        }
        Command::Runs(command) => match command {
            RunsCommand::List(args) => runs::list(&settings, &args),
            RunsCommand::Show(args) => runs::show(&settings, &args),
            RunsCommand::Diff(args) => runs::diff(&settings, &args),
        },
    }
}

/// Fails, naming the file, when an input file is missing or a directory: checked before the
/// workspace is opened or locked, so that the answer is about the file the user gave, not
/// about the keyword table or the index.
fn check_inputs<'a>(
    lang: Lang,
    paths: impl IntoIterator<Item = &'a PathBuf>,
) -> anyhow::Result<()> {
    for path in paths {
        if path.as_os_str() == "-" {
            continue;
        }
        let shown = path.display();
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => match lang {
                Lang::Zh => anyhow::bail!("{shown}: 这是目录，不是输入文件"),
                Lang::En => anyhow::bail!("{shown}: a directory, not an input file"),
            },
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let dir = std::env::current_dir().ok().filter(|_| path.is_relative());
                match (lang, dir) {
                    (Lang::Zh, Some(dir)) => {
                        anyhow::bail!("{shown}: 没有这个输入文件（在 {} 中）", dir.display())
                    }
                    (Lang::Zh, None) => anyhow::bail!("{shown}: 没有这个输入文件"),
                    (Lang::En, Some(dir)) => {
                        anyhow::bail!("{shown}: no such input file (in {})", dir.display())
                    }
                    (Lang::En, None) => anyhow::bail!("{shown}: no such input file"),
                }
            }
            Err(e) => match lang {
                Lang::Zh => anyhow::bail!("{shown}: 无法读取输入文件：{e}"),
                Lang::En => anyhow::bail!("{shown}: cannot read the input file: {e}"),
            },
        }
    }
    Ok(())
}

/// The built-in dictionaries plus the user's `--dict` files.
fn dictionaries(settings: &Settings) -> anyhow::Result<Dictionaries> {
    let mut dicts = Dictionaries::builtin();
    for path in &settings.dicts {
        dicts.load_file(path)?;
    }
    Ok(dicts)
}

fn segmenter(settings: &Settings) -> anyhow::Result<Segmenter> {
    Ok(Segmenter::new(Arc::new(dictionaries(settings)?)))
}

/// Runs a per-title command over the command-line titles, `--input`, or standard input.
fn titles_command<R: output::Record + Send>(
    settings: &Settings,
    args: &TitleArgs,
    verb: &str,
    f: impl Fn(&TitleItem) -> R + Sync,
) -> anyhow::Result<Exit> {
    let format = settings
        .format
        .unwrap_or_else(|| Sink::default_format(args.output.as_deref()));
    let mut items: Box<dyn Iterator<Item = Result<TitleItem, Reject>>> =
        Box::new(titles::from_args(&args.titles));
    if let Some(path) = title_file(args, settings.lang)? {
        let options = input::Options {
            required: vec![Field::Title],
            ..Default::default()
        };
        items = Box::new(items.chain(titles::from_reader(input::open(path, &options)?)));
    }
    let mut sink = Sink::open(args.output.as_deref(), format)?.with_headers::<R>();
    let summary = batch::run(items, &mut sink, settings.quiet, settings.lang, f)?;
    sink.finish()?;
    finish(settings, args, verb, &summary)
}

/// The file titles are read from besides the arguments: `--input`, or standard input when
/// no title is given and it is not a terminal.
fn title_file(args: &TitleArgs, lang: Lang) -> anyhow::Result<Option<&Path>> {
    Ok(match (&args.input, args.titles.is_empty()) {
        (Some(path), _) => Some(path.as_path()),
        (None, true) if io::stdin().is_terminal() => {
            anyhow::bail!(lang.pick(
                "没有标题：请用参数、--input FILE 或标准输入给出标题",
                "no titles: give them as arguments, with --input FILE, or on standard input"
            ))
        }
        (None, true) => Some(Path::new("-")),
        (None, false) => None,
    })
}

/// A batch's verb (`linted`, `scored`, ...) in Chinese; unknown ones as they are.
fn verb_name(verb: &str) -> &str {
    match verb {
        "linted" => "检查了",
        "segmented" => "分词了",
        other => other,
    }
}

/// Writes the rejects, prints the summary, and picks the exit code.
fn finish(
    settings: &Settings,
    args: &TitleArgs,
    verb: &str,
    summary: &Summary,
) -> anyhow::Result<Exit> {
    let rejected = summary.rejects.len();
    batch::finish_rejects(
        &summary.rejects,
        settings.lang,
        args.rejects.as_deref(),
        args.output.as_deref(),
        args.input.as_deref(),
    )?;
    if !settings.quiet && summary.done >= 1000 {
        let secs = summary.elapsed.as_secs_f64();
        let (done, rate) = (summary.done, summary.done as f64 / secs.max(1e-9));
        match settings.lang {
            Lang::Zh => eprintln!(
                "baobei: {} {done} 个标题，用时 {secs:.2} 秒（{rate:.0} 个/秒）",
                verb_name(verb)
            ),
            Lang::En => eprintln!("baobei: {verb} {done} titles in {secs:.2} s ({rate:.0}/s)"),
        }
    }
    Ok(if rejected > 0 {
        Exit::Rejected
    } else {
        Exit::Ok
    })
}
