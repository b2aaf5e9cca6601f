//! `report.html`: the run for an operator who does not read CSV. One self-contained file
//! (styles inline, charts as inline SVG, a few lines of script to sort tables, nothing fetched
//! from the network), so it opens from a mail attachment or a shared folder as well as from
//! the workspace.

use std::fmt::Write;

use super::history::{Opportunity, ScoreChange};
use super::{Proposal, ProposalStatus, RunManifest};
use crate::lang::Lang;

/// Scores in ten bins of ten points, for the distribution chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Items per bin: `[0,10)`, `[10,20)`, ..., `[90,100]`.
    pub bins: [u64; 10],
}

impl Histogram {
    /// Counts one score.
    pub fn add(&mut self, score: f64) {
        let bin = (score.clamp(0.0, 100.0) / 10.0).floor() as usize;
        self.bins[bin.min(9)] += 1;
    }

    /// Items counted.
    pub fn total(&self) -> u64 {
        self.bins.iter().sum()
    }
}

/// A rising word of the market, for the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct RisingWord {
    /// The keyword.
    pub keyword: String,
    /// Growth rate (0.5 = +50%).
    pub growth: f64,
    /// Demand (covered sales or restored searches).
    pub demand: f64,
}

/// Through-train spend by action, for the ads section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdsOverview {
    /// Spend over the reviewed days, ¥.
    pub spend: f64,
    /// GMV over the reviewed days, ¥.
    pub gmv: f64,
    /// Spend moved from losing keywords to winning ones, ¥ per day.
    pub moved: f64,
    /// Per action: name, keywords, their spend.
    pub actions: Vec<(String, u64, f64)>,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData<'a> {
    /// The run.
    pub manifest: &'a RunManifest,
    /// Score distribution now.
    pub scores: Histogram,
    /// Score distribution in the previous run, if there was one.
    pub previous_scores: Option<Histogram>,
    /// Biggest fallers.
    pub fallers: &'a [ScoreChange],
    /// Biggest risers.
    pub risers: &'a [ScoreChange],
    /// Keywords most missed.
    pub opportunities: &'a [Opportunity],
    /// Rising words of the market.
    pub rising: &'a [RisingWord],
    /// Proposals to show (the caller picks the top ones).
    pub proposals: &'a [Proposal],
    /// Through-train summary, when a report was reviewed.
    pub ads: Option<&'a AdsOverview>,
    /// The language the page is read in (the proposals' reasons come worded already).
    pub lang: Lang,
}

/// Renders the report.
pub fn render(data: &ReportData<'_>) -> String {
    let m = data.manifest;
    let lang = data.lang;
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let title = t("baobei 夜间评分", "baobei nightly scores");
    let mut html = String::with_capacity(64 * 1024);
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} {id}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{title} <span class=\"run\">{id}</span></h1>\
         <p class=\"meta\">{started} → {finished} · baobei {version}{previous}</p></header>",
        html_lang = t("zh-CN", "en"),
        id = esc(&m.id),
        started = esc(&m.started),
        finished = esc(&m.finished),
        version = esc(&m.version),
        previous = m
            .previous
            .as_ref()
            .map(|p| format!(" · {} {}", t("对比上次", "compared with"), esc(p)))
            .unwrap_or_default(),
    );

    // Summary cards.
    let c = &m.counts;
    html.push_str("<section class=\"cards\">\n");
    for (label, value) in [
        (t("宝贝", "items"), c.items.to_string()),
        (t("平均分", "mean score"), format!("{:.1}", c.mean_score)),
        (t("新标题建议", "new proposals"), c.proposals.to_string()),
        (
            t("沿用的建议", "standing proposals"),
            c.repeated.to_string(),
        ),
        (t("暂缓", "held back"), c.held_back.to_string()),
        (t("分数下降", "fell"), c.fell.to_string()),
        (
            t("新增/变更宝贝", "listings new or changed"),
            c.listings_indexed.to_string(),
        ),
        (t("拒收行", "rows rejected"), c.rejects.to_string()),
    ] {
        let _ = writeln!(
            html,
            "<div class=\"card\"><div class=\"value\">{}</div><div class=\"label\">{}</div></div>",
            esc(&value),
            esc(label)
        );
    }
    html.push_str("</section>\n");

    let _ = writeln!(
        html,
        "<section><h2>{}</h2>",
        t("分数分布", "Score distribution")
    );
    html.push_str(&histogram_svg(
        &data.scores,
        data.previous_scores.as_ref(),
        lang,
    ));
    html.push_str("</section>\n");

    let _ = writeln!(html, "<section><h2>{}</h2>", t("飙升词", "Rising words"));
    if data.rising.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"empty\">{}</p>",
            t(
                "本次没有飙升词（需要至少两个日期的数据）。",
                "No rising words this time (they need data from at least two dates)."
            )
        );
    } else {
        let bars: Vec<(String, f64, String)> = data
            .rising
            .iter()
            .map(|w| {
                (
                    w.keyword.clone(),
                    w.growth,
                    format!(
                        "+{:.0}% · {} {:.0}",
                        w.growth * 100.0,
                        t("需求", "demand"),
                        w.demand
                    ),
                )
            })
            .collect();
        html.push_str(&bars_svg(&bars, "rising"));
    }
    html.push_str("</section>\n");

    let _ = writeln!(
        html,
        "<section><h2>{}</h2>",
        t("分数变化最大的宝贝", "Items whose score moved most")
    );
    if data.fallers.is_empty() && data.risers.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"empty\">{}</p>",
            t(
                "没有上一次运行可比，或没有明显变化。",
                "No previous run to compare with, or no marked change."
            )
        );
    } else {
        movers_table(&mut html, t("下降", "Fell"), data.fallers, lang);
        movers_table(&mut html, t("上升", "Rose"), data.risers, lang);
    }
    html.push_str("</section>\n");

    let _ = writeln!(
        html,
        "<section><h2>{}</h2>",
        t("标题建议", "Title proposals")
    );
    if data.proposals.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"empty\">{}</p>",
            t(
                "没有达到门槛的新标题。",
                "No new title clears the threshold."
            )
        );
    } else {
        let _ = writeln!(
            html,
            "<table class=\"sortable\"><thead><tr><th>{}</th><th>{}</th>\
             <th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th>\
             <th>{}</th><th>{}</th></tr></thead><tbody>",
            t("宝贝ID", "item"),
            t("原标题 → 新标题", "title → new title"),
            t("原分", "score"),
            t("新分", "new score"),
            t("提升", "gain"),
            t("状态", "status"),
            t("原因", "reason"),
        );
        for p in data.proposals {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td><div class=\"old\">{}</div><div class=\"new\">{}</div></td>\
                 <td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td>\
                 <td class=\"num gain\">+{:.1}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.id),
                marked(&p.title, &p.removed, "del"),
                marked(&p.new_title, &p.added, "ins"),
                p.score,
                p.new_score,
                p.gain(),
                match p.status {
                    ProposalStatus::New => t("新", "new").to_owned(),
                    ProposalStatus::Repeated =>
                        format!("{} {}", t("沿用", "standing since"), esc(&p.first_proposed)),
                },
                esc(&p.reason)
            );
        }
        html.push_str("</tbody></table>\n");
    }
    html.push_str("</section>\n");

    let _ = writeln!(
        html,
        "<section><h2>{}</h2>",
        t(
            "机会词（最多宝贝缺少的词）",
            "Opportunities (the keywords most items miss)"
        )
    );
    if data.opportunities.is_empty() {
        let _ = writeln!(html, "<p class=\"empty\">{}</p>", t("没有。", "None."));
    } else {
        let _ = writeln!(
            html,
            "<table class=\"sortable\"><thead><tr><th>{}</th><th class=\"num\">{}</th>\
             <th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
            t("关键词", "keyword"),
            t("价值", "value"),
            t("缺少的宝贝", "items missing it"),
            t("标记", "flags"),
        );
        for o in data.opportunities {
            let mut flags = Vec::new();
            if o.rising {
                flags.push(t("飙升", "rising"));
            }
            if o.new {
                flags.push(t("新出现", "new"));
            }
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&o.keyword),
                o.value,
                o.items,
                flags.join(" ")
            );
        }
        html.push_str("</tbody></table>\n");
    }
    html.push_str("</section>\n");

    if let Some(ads) = data.ads {
        let _ = write!(
            html,
            "<section><h2>{}</h2>\n<div class=\"cards\">",
            t("直通车", "Through-train ads")
        );
        let roi = if ads.spend > 0.0 {
            ads.gmv / ads.spend
        } else {
            0.0
        };
        for (label, value) in [
            (t("花费 ¥", "spend ¥"), format!("{:.2}", ads.spend)),
            (t("成交金额 ¥", "GMV ¥"), format!("{:.2}", ads.gmv)),
            (t("投入产出比", "ROI"), format!("{roi:.2}")),
            (
                t("转移花费 ¥/天", "spend moved ¥/day"),
                format!("{:.2}", ads.moved),
            ),
        ] {
            let _ = write!(
                html,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"label\">{}</div></div>",
                esc(&value),
                esc(label)
            );
        }
        html.push_str("</div>\n");
        let bars: Vec<(String, f64, String)> = ads
            .actions
            .iter()
            .map(|(action, n, spend)| {
                let words = match lang {
                    Lang::Zh => format!("{n} 个词"),
                    Lang::En => format!("{n} keywords"),
                };
                (action.clone(), *spend, format!("{words} · ¥{spend:.2}"))
            })
            .collect();
        html.push_str(&bars_svg(&bars, "ads"));
        html.push_str("</section>\n");
    }

    let _ = writeln!(
        html,
        "<section><h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th>\
         <th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
        t("输入", "Inputs"),
        t("用途", "role"),
        t("文件", "file"),
        t("行", "rows"),
        t("拒收", "rejected"),
        t("校验和", "checksum"),
    );
    for input in &m.inputs {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            esc(role_name(&input.role, lang)),
            esc(&input.path),
            input.rows,
            input.rejects,
            esc(&input.checksum)
        );
    }
    html.push_str("</tbody></table>\n<p class=\"meta\">");
    let timings: Vec<String> = m
        .timings
        .iter()
        .map(|(phase, secs)| format!("{} {:.2}s", esc(stage_name(phase, lang)), secs))
        .collect();
    html.push_str(&timings.join(" · "));
    html.push_str("</p></section>\n");
    let _ = writeln!(html, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    html
}

/// An input's role (`listings`, `competitors`, ...) for a person, in `lang`.
fn role_name(role: &str, lang: Lang) -> &str {
    match role {
        "listings" => lang.pick("本店宝贝", "listings"),
        "competitors" => lang.pick("竞品", "competitors"),
        "keywords" => lang.pick("关键词", "keywords"),
        "ads" => lang.pick("直通车报表", "ads"),
        "queries" => lang.pick("搜索词", "queries"),
        other => other,
    }
}

/// A timed stage of the run (`import`, `derive`, ...) for a person, in `lang`.
pub fn stage_name(phase: &str, lang: Lang) -> &str {
    match phase {
        "import" => lang.pick("导入", "import"),
        "derive" => lang.pick("推导关键词", "derive"),
        "score" => lang.pick("评分", "score"),
        "ads" => lang.pick("直通车", "ads"),
        "report" => lang.pick("报告", "report"),
        "total" => lang.pick("合计", "total"),
        other => other,
    }
}

fn movers_table(html: &mut String, caption: &str, list: &[ScoreChange], lang: Lang) {
    if list.is_empty() {
        return;
    }
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let _ = write!(
        html,
        "<table class=\"sortable\"><caption>{}</caption><thead><tr><th>{}</th><th>{}</th>\
         <th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th>\
         <th>{}</th></tr></thead><tbody>",
        esc(caption),
        t("宝贝ID", "item"),
        t("标题", "title"),
        t("上次", "before"),
        t("本次", "now"),
        t("变化", "change"),
        t("原因", "reason"),
    );
    for c in list {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td>\
             <td class=\"num {}\">{:+.1}</td><td>{}</td></tr>",
            esc(&c.id),
            esc(&c.title),
            c.old_score,
            c.new_score,
            if c.delta < 0.0 { "loss" } else { "gain" },
            c.delta,
            esc(&c.reason(lang))
        );
    }
    html.push_str("</tbody></table>\n");
}

/// The title with each of `words` wrapped in `<tag>`, first occurrence only.
fn marked(title: &str, words: &[String], tag: &str) -> String {
    let mut spans: Vec<(usize, usize)> = words
        .iter()
        .filter(|w| !w.is_empty())
        .filter_map(|w| title.find(w.as_str()).map(|s| (s, s + w.len())))
        .collect();
    spans.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        out.push_str(&esc(&title[at..start]));
        let _ = write!(out, "<{tag}>{}</{tag}>", esc(&title[start..end]));
        at = end;
    }
    out.push_str(&esc(&title[at..]));
    out
}

/// A vertical bar chart of the score distribution, with the previous run beside it.
fn histogram_svg(now: &Histogram, previous: Option<&Histogram>, lang: Lang) -> String {
    let (width, height, pad) = (640.0, 240.0, 32.0);
    let share = |h: &Histogram, i: usize| {
        let total = h.total().max(1) as f64;
        h.bins[i] as f64 / total
    };
    let top = (0..10)
        .flat_map(|i| [Some(share(now, i)), previous.map(|p| share(p, i))])
        .flatten()
        .fold(0.0f64, f64::max)
        .max(0.01);
    let slot = (width - 2.0 * pad) / 10.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        lang.pick("分数分布", "Score distribution")
    );
    let base = height - pad;
    for i in 0..10 {
        let x = pad + slot * i as f64;
        let mut bar = |value: f64, offset: f64, class: &str, count: u64| {
            let h = value / top * (height - 2.0 * pad);
            let _ = writeln!(
                svg,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
                 <title>{}-{}: {count}</title></rect>",
                x + offset,
                base - h,
                slot * 0.4,
                h,
                i * 10,
                i * 10 + 10
            );
        };
        if let Some(p) = previous {
            bar(share(p, i), slot * 0.08, "prev", p.bins[i]);
        }
        bar(share(now, i), slot * 0.5, "now", now.bins[i]);
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{}</text>",
            x + slot / 2.0,
            base + 16.0,
            i * 10
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{pad}\" y1=\"{base}\" x2=\"{:.1}\" y2=\"{base}\" class=\"axisline\"/>",
        width - pad
    );
    let _ = write!(
        svg,
        "</svg>\n<p class=\"legend\"><span class=\"swatch now\"></span>{}",
        lang.pick("本次", "this run")
    );
    if previous.is_some() {
        let _ = write!(
            svg,
            " <span class=\"swatch prev\"></span>{}",
            lang.pick("上次", "previous run")
        );
    }
    svg.push_str("</p>\n");
    svg
}

/// A horizontal bar chart: label, value (bar length), text at the bar's end.
fn bars_svg(bars: &[(String, f64, String)], class: &str) -> String {
    let row = 24.0;
    let (width, label_w) = (640.0, 140.0);
    let height = row * bars.len() as f64 + 8.0;
    let top = bars.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1e-9);
    let mut svg = format!(
        "<svg class=\"chart {class}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    for (i, (label, value, note)) in bars.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = (value.max(0.0) / top) * (width - label_w - 180.0);
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\">{}</text>\
             <rect class=\"bar\" x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"note\">{}</text>",
            label_w - 8.0,
            y + row * 0.65,
            esc(label),
            y + 3.0,
            w,
            row - 6.0,
            label_w + w + 6.0,
            y + row * 0.65,
            esc(note)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;
margin:0 auto;max-width:1100px;padding:16px 24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:8px 0}h1 .run{color:#888;font-weight:normal}
h2{font-size:17px;border-bottom:2px solid #ff5000;padding-bottom:4px;margin-top:28px}
.meta{color:#888;font-size:12px}.empty{color:#888}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #eee;border-radius:6px;padding:10px 16px;min-width:110px}
.card .value{font-size:22px;font-weight:600}.card .label{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:8px 0}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #eee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none}
.num{text-align:right;font-variant-numeric:tabular-nums}
.gain{color:#138a36}.loss{color:#c0392b}
.old{color:#777}.new{font-weight:500}
del{background:#fde2e2;text-decoration:line-through}ins{background:#d9f5dd;text-decoration:none}
.chart{width:100%;max-width:760px;background:#fff;border:1px solid #eee;border-radius:6px}
.chart .now{fill:#ff5000}.chart .prev{fill:#c9c9c9}.chart .bar{fill:#ff8a3d}
.chart.ads .bar{fill:#3d7eff}
.chart text{font-size:11px;fill:#444}.chart .axis{text-anchor:middle}
.chart .label{text-anchor:end}.axisline{stroke:#999}
.legend{font-size:12px;color:#666}.swatch{display:inline-block;width:10px;height:10px;margin:0 4px}
.swatch.now{background:#ff5000}.swatch.prev{background:#c9c9c9}
";

/// Click a header to sort its table (numbers as numbers); marks the page ready for tests.
const SCRIPT: &str = "
document.querySelectorAll('table.sortable th').forEach(function(th){
  th.addEventListener('click',function(){
    var table=th.closest('table'),body=table.tBodies[0],i=th.cellIndex;
    var asc=th.dataset.order!=='asc';th.dataset.order=asc?'asc':'desc';
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=a.cells[i].textContent,y=b.cells[i].textContent;
      var nx=parseFloat(x),ny=parseFloat(y);
      var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');
      return asc?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
  });
});
document.body.dataset.ready='1';
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::tests::manifest;

    #[test]
    fn text_is_escaped_and_changes_are_marked() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            marked("碎花<连衣裙>女", &["连衣裙".into(), "女".into()], "ins"),
            "碎花&lt;<ins>连衣裙</ins>&gt;<ins>女</ins>"
        );
    }

    #[test]
    fn the_report_is_self_contained_and_shows_every_section() {
        let m = manifest();
        let mut h = Histogram::default();
        for s in [5.0, 55.0, 57.0, 100.0] {
            h.add(s);
        }
        assert_eq!(h.bins[5], 2);
        assert_eq!(h.bins[9], 1, "100 falls in the last bin");
        let rising = [RisingWord {
            keyword: "新中式".into(),
            growth: 1.5,
            demand: 300.0,
        }];
        let ads = AdsOverview {
            spend: 100.0,
            gmv: 250.0,
            moved: 12.0,
            actions: vec![("pause".into(), 3, 40.0)],
        };
        let render_in = |lang| {
            render(&ReportData {
                manifest: &m,
                scores: h,
                previous_scores: None,
                fallers: &[],
                risers: &[],
                opportunities: &[],
                rising: &rising,
                proposals: &[],
                ads: Some(&ads),
                lang,
            })
        };
        let html = render_in(Lang::Zh);
        for needle in [
            "分数分布",
            "新中式",
            "+150%",
            "直通车",
            "2.50",
            "<svg",
            "</html>",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        for external in ["http://", "https://", "src=", "@import", "url("] {
            let hits: Vec<_> = html
                .match_indices(external)
                .filter(|(i, _)| !html[..*i].ends_with("xmlns=\""))
                .collect();
            assert!(
                hits.is_empty(),
                "the report must not fetch anything: {external}"
            );
        }
    }

    /// Issue 13: the page reads in Chinese by default and in English with `--lang en`, and
    /// neither language leaks into the other's headings.
    #[test]
    fn the_report_renders_in_chinese_and_in_english() {
        let mut m = manifest();
        m.previous = Some("2026-11-22-1".into());
        m.timings = vec![("score".into(), 1.0)];
        let change = ScoreChange {
            id: "1".into(),
            title: "silk dress".into(),
            old_score: 60.0,
            new_score: 40.0,
            delta: -20.0,
            reasons: vec![crate::runs::history::FallReason::MissesRising {
                keyword: "linen".into(),
            }],
        };
        let opportunity = Opportunity {
            keyword: "linen".into(),
            value: 3.0,
            rising: true,
            items: 2,
            new: true,
        };
        let ads = AdsOverview {
            spend: 10.0,
            gmv: 20.0,
            moved: 1.0,
            actions: vec![("pause".into(), 1, 10.0)],
        };
        let render_in = |lang| {
            render(&ReportData {
                manifest: &m,
                scores: Histogram::default(),
                previous_scores: Some(Histogram::default()),
                fallers: std::slice::from_ref(&change),
                risers: &[],
                opportunities: std::slice::from_ref(&opportunity),
                rising: &[],
                proposals: &[],
                ads: Some(&ads),
                lang,
            })
        };
        let (zh, en) = (render_in(Lang::Zh), render_in(Lang::En));
        let headings = |html: &str| -> Vec<String> {
            html.match_indices("<h2>")
                .map(|(i, _)| {
                    let rest = &html[i + 4..];
                    rest[..rest.find("</h2>").unwrap()].to_owned()
                })
                .collect()
        };
        assert!(zh.contains("<html lang=\"zh-CN\">"));
        assert!(en.contains("<html lang=\"en\">"));
        for needle in ["分数分布", "标题建议", "缺少飙升词「linen」", "评分 1.00s"]
        {
            assert!(zh.contains(needle), "zh: missing {needle}");
        }
        for needle in [
            "Score distribution",
            "Title proposals",
            "misses the rising word \"linen\"",
            "score 1.00s",
        ] {
            assert!(en.contains(&esc(needle)), "en: missing {needle}");
        }
        let (zh_h, en_h) = (headings(&zh), headings(&en));
        assert_eq!(zh_h.len(), en_h.len());
        assert!(zh_h.len() >= 7, "{zh_h:?}");
        assert!(zh_h.iter().all(|h| crate::lang::has_cjk(h)), "{zh_h:?}");
        assert!(!en_h.iter().any(|h| crate::lang::has_cjk(h)), "{en_h:?}");
        // Outside the data (titles, keywords), the English page has no Chinese at all.
        let body = &en[en.find("<body>").unwrap()..];
        assert!(!crate::lang::has_cjk(body), "{body}");
    }
}
