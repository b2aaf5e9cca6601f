//! The evaluation of issue 5: does the Bayesian review earn more than the operators' rules?
//!
//! A seeded simulator of through-train ad groups whose keywords have a known true CTR and CVR
//! (Beta-distributed around their group's, 15% of them never buying), where the bid moves
//! impressions (a position curve, impressions ∝ bid^1.2) and the cost per click (75% of the
//! bid). Week 1 is simulated day by day into a CSV report (the last two days' orders only
//! partly attributed, as in real reports), reviewed through the library with `bayes` and with
//! `classic`, the decisions applied, and week 2's expected profit (GMV × margin − cost)
//! computed from the true rates. Everything here is synthetic.

use std::fmt::Write as _;
use std::path::Path;

use baobei::ads::{self, Action, ReviewConfig, Rules, Window};
use baobei::text::Segmenter;

/// SplitMix64: small, seeded, good enough for a simulation.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// Marsaglia-Tsang.
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
    fn beta(&mut self, mean: f64, strength: f64) -> f64 {
        let a = self.gamma(mean * strength);
        let b = self.gamma((1.0 - mean) * strength);
        a / (a + b)
    }
    fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda > 50.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let (limit, mut p, mut k) = ((-lambda).exp(), 1.0, 0u64);
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        (0..n).filter(|_| self.uniform() < p).count() as u64
    }
}

/// Gross margin: profit = GMV × MARGIN − cost, so the break-even ROI is 1 / MARGIN.
const MARGIN: f64 = 0.5;
/// Impressions grow as (bid / market)^ELASTICITY.
const ELASTICITY: f64 = 1.2;
/// Cost per click as a share of the bid.
const CPC_SHARE: f64 = 0.75;
const DAYS: u32 = 7;
const LAG: u32 = 2;

struct Keyword {
    group: usize,
    text: String,
    ctr: f64,
    cvr: f64,
    volume: f64,
    market: f64,
    bid: f64,
}

struct Group {
    item: String,
    order_value: f64,
}

const ROOTS: &[&str] = &["连衣裙", "面霜", "蓝牙耳机", "裙子", "耳机"];
const MODIFIERS: &[&str] = &[
    "法式",
    "碎花",
    "雪纺",
    "显瘦",
    "收腰",
    "秋季",
    "学生",
    "平价",
    "补水",
    "降噪",
    "新款",
    "小个子",
    "大码",
    "长袖",
    "高腰",
    "女",
    "防水",
    "保湿",
];

fn market(rng: &mut Rng) -> (Vec<Group>, Vec<Keyword>) {
    let mut groups = Vec::new();
    let mut keywords = Vec::new();
    for g in 0..3 {
        let order_value = rng.range(60.0, 300.0);
        let cvr_mean = rng.range(0.015, 0.05);
        let ctr_mean = rng.range(0.015, 0.045);
        let root = ROOTS[g % ROOTS.len()];
        // Market CPC in line with the group's value: most keywords near break-even or better.
        let value = cvr_mean * order_value;
        groups.push(Group {
            item: format!("6600000000{g:02}"),
            order_value,
        });
        let mut seen = std::collections::BTreeSet::new();
        while seen.len() < 15 {
            let m1 = MODIFIERS[(rng.next_u64() % MODIFIERS.len() as u64) as usize];
            let text = if seen.is_empty() {
                root.to_owned()
            } else if rng.uniform() < 0.5 {
                format!("{m1}{root}")
            } else {
                let m2 = MODIFIERS[(rng.next_u64() % MODIFIERS.len() as u64) as usize];
                format!("{m1}{root} {m2}")
            };
            if !seen.insert(text.clone()) {
                continue;
            }
            let never_buys = rng.uniform() < 0.15;
            let market = value * rng.range(0.12, 0.45) / CPC_SHARE;
            keywords.push(Keyword {
                group: g,
                text,
                ctr: rng.beta(ctr_mean, 60.0),
                cvr: if never_buys {
                    0.0
                } else {
                    rng.beta(cvr_mean, 40.0)
                },
                volume: (rng.range(50f64.ln(), 3000f64.ln())).exp(),
                market: market.max(0.1),
                bid: 0.0,
            });
        }
    }
    for k in &mut keywords {
        k.bid = (k.market * rng.range(0.7, 1.4) * 100.0).round() / 100.0;
    }
    (groups, keywords)
}

/// Week 1, day by day, as a report CSV (the lagged days lose part of their orders).
fn week_one(rng: &mut Rng, groups: &[Group], keywords: &[Keyword]) -> String {
    let mut csv = String::from(
        "日期,推广计划,推广单元,宝贝ID,关键词,出价,展现量,点击量,花费,总成交笔数,总成交金额\n",
    );
    for day in 0..DAYS {
        let age = DAYS - 1 - day;
        let arrived = if age < LAG {
            (age + 1) as f64 / (LAG + 1) as f64
        } else {
            1.0
        };
        for k in keywords {
            let g = &groups[k.group];
            let impressions = rng.poisson(k.volume * (k.bid / k.market).powf(ELASTICITY));
            if impressions == 0 {
                continue;
            }
            let clicks = rng.poisson(impressions as f64 * k.ctr).min(impressions);
            let orders = rng.binomial(clicks, k.cvr);
            let recorded = rng.binomial(orders, arrived);
            let cost = clicks as f64 * k.bid * CPC_SHARE * rng.range(0.9, 1.05);
            writeln!(
                csv,
                "2026-11-{:02},plan,unit{},{},{},{:.2},{},{},{:.2},{},{:.2}",
                day + 1,
                k.group,
                g.item,
                k.text,
                k.bid,
                impressions,
                clicks,
                cost,
                recorded,
                recorded as f64 * g.order_value
            )
            .unwrap();
        }
    }
    csv
}

/// Expected profit of a keyword over a week at `bid` (0: paused), from the true rates.
fn weekly_profit(k: &Keyword, g: &Group, bid: f64) -> f64 {
    if bid <= 0.0 {
        return 0.0;
    }
    let clicks = DAYS as f64 * k.volume * (bid / k.market).powf(ELASTICITY) * k.ctr;
    clicks * (k.cvr * g.order_value * MARGIN - bid * CPC_SHARE * 0.975)
}

#[derive(Default, Debug)]
struct Tally {
    profit: f64,
    /// Week-2 profit per seed, to count the seeds each rule set wins.
    per_seed: Vec<f64>,
    /// Keywords profitable at their week-1 bid that were paused or deleted.
    profitable_stopped: usize,
    profitable: usize,
    never_buying_stopped: usize,
    never_buying: usize,
}

/// Simulates `seeds` markets; each week-1 report is read once and reviewed under every rule
/// set, so the rules are compared on exactly the same data. Returns one tally per rule set
/// and the week-2 profit of leaving every bid unchanged.
fn run(seeds: u64, dir: &Path, segmenter: &Segmenter, rules: &[Rules]) -> (Vec<Tally>, f64) {
    let mut tallies: Vec<Tally> = rules.iter().map(|_| Tally::default()).collect();
    let mut unchanged = 0.0;
    for seed in 0..seeds {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) + 1);
        let (groups, keywords) = market(&mut rng);
        let path = dir.join(format!("week1-{seed}.csv"));
        std::fs::write(&path, week_one(&mut rng, &groups, &keywords)).unwrap();
        let file = ads::read_report(&path, None).unwrap();
        assert!(file.rejected.is_empty(), "{:?}", file.rejected.first());
        std::fs::remove_file(&path).unwrap();
        let window = Window {
            days: DAYS,
            lag_days: LAG,
        };
        let totals = ads::aggregate(&file.rows, window);
        for k in &keywords {
            unchanged += weekly_profit(k, &groups[k.group], k.bid);
        }
        for (tally, &rules) in tallies.iter_mut().zip(rules) {
            let config = ReviewConfig {
                window,
                // The profit-maximising ROI under this position curve: (1 + e) / (e · margin).
                target_roi: (1.0 + ELASTICITY) / (ELASTICITY * MARGIN),
                break_even_roi: 1.0 / MARGIN,
                rules,
                ..ReviewConfig::default()
            };
            let review = ads::review(&totals, &config, segmenter, &[]);
            let before_seed = tally.profit;
            for k in &keywords {
                let g = &groups[k.group];
                let decision = review
                    .decisions
                    .iter()
                    .find(|d| d.totals.keyword == k.text && d.totals.item == g.item);
                let (stopped, bid) = match decision {
                    None => (false, k.bid), // no impressions in week 1: nothing decided
                    Some(d) => match d.action {
                        Action::Pause | Action::Delete => (true, 0.0),
                        _ => (false, d.new_bid.unwrap_or(k.bid)),
                    },
                };
                let before = weekly_profit(k, g, k.bid);
                tally.profit += weekly_profit(k, g, bid);
                if before > 0.0 {
                    tally.profitable += 1;
                    tally.profitable_stopped += usize::from(stopped);
                }
                if k.cvr == 0.0 {
                    tally.never_buying += 1;
                    tally.never_buying_stopped += usize::from(stopped);
                }
            }
            let seed_profit = tally.profit - before_seed;
            tally.per_seed.push(seed_profit);
        }
    }
    (tallies, unchanged)
}

#[test]
fn bayes_earns_more_than_the_classic_rules_and_stops_fewer_profitable_keywords() {
    let seeds = 200;
    let dir = tempfile::tempdir().unwrap();
    let segmenter = Segmenter::builtin();
    let (tallies, unchanged) = run(
        seeds,
        dir.path(),
        &segmenter,
        &[Rules::Bayes, Rules::Classic],
    );
    let (bayes, classic) = (&tallies[0], &tallies[1]);
    let rate = |n: usize, d: usize| n as f64 / d.max(1) as f64;
    println!(
        "ads simulation, {seeds} seeds: week-2 profit bayes ¥{:.0}, classic ¥{:.0}, unchanged bids ¥{:.0}; \
         bayes/classic = {:.3}, bayes/unchanged = {:.3}, classic/unchanged = {:.3}",
        bayes.profit,
        classic.profit,
        unchanged,
        bayes.profit / classic.profit,
        bayes.profit / unchanged,
        classic.profit / unchanged
    );
    println!(
        "profitable keywords paused or deleted: bayes {}/{} ({:.1}%), classic {}/{} ({:.1}%); \
         never-buying keywords stopped: bayes {}/{} ({:.1}%), classic {}/{} ({:.1}%)",
        bayes.profitable_stopped,
        bayes.profitable,
        100.0 * rate(bayes.profitable_stopped, bayes.profitable),
        classic.profitable_stopped,
        classic.profitable,
        100.0 * rate(classic.profitable_stopped, classic.profitable),
        bayes.never_buying_stopped,
        bayes.never_buying,
        100.0 * rate(bayes.never_buying_stopped, bayes.never_buying),
        classic.never_buying_stopped,
        classic.never_buying,
        100.0 * rate(classic.never_buying_stopped, classic.never_buying),
    );
    let wins = bayes
        .per_seed
        .iter()
        .zip(&classic.per_seed)
        .filter(|(b, c)| b > c)
        .count();
    println!("bayes earns more than classic on {wins} of {seeds} seeds");
    assert!(
        wins as u64 > seeds / 2,
        "bayes wins only {wins} of {seeds} seeds"
    );
    assert!(
        bayes.profit > classic.profit,
        "bayes ¥{:.0} <= classic ¥{:.0}",
        bayes.profit,
        classic.profit
    );
    assert!(
        bayes.profit > unchanged,
        "bayes ¥{:.0} <= unchanged ¥{unchanged:.0}",
        bayes.profit
    );
    assert!(
        rate(bayes.profitable_stopped, bayes.profitable)
            < rate(classic.profitable_stopped, classic.profitable),
        "{bayes:?} vs {classic:?}"
    );
}
