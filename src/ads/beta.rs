//! The Beta distribution as the review needs it: the CDF (regularized incomplete beta), its
//! inverse for credible intervals, and a Beta prior fitted to many binomial counts.
//!
//! Written here instead of pulling `statrs` (which brings `nalgebra` and friends into a build
//! shared by two cores): about a hundred lines, checked against closed forms in the tests.

/// A Beta(α, β) distribution over a rate in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beta {
    /// Prior successes plus one's worth of shape: α > 0.
    pub alpha: f64,
    /// Prior failures: β > 0.
    pub beta: f64,
}

impl Beta {
    /// A Beta with mean `mean` and strength `alpha + beta = strength` (both clamped positive),
    /// the parametrisation shrinkage reasons in: "worth `strength` trials at rate `mean`".
    pub fn from_mean(mean: f64, strength: f64) -> Beta {
        let mean = mean.clamp(1e-6, 1.0 - 1e-6);
        let strength = strength.max(1e-3);
        Beta {
            alpha: mean * strength,
            beta: (1.0 - mean) * strength,
        }
    }

    /// The posterior after `successes` out of `trials` (fractional trials allowed, for lagged
    /// days counted by their completeness; failures never go below zero).
    pub fn update(self, successes: f64, trials: f64) -> Beta {
        Beta {
            alpha: self.alpha + successes,
            beta: self.beta + (trials - successes).max(0.0),
        }
    }

    /// The mean α / (α + β).
    pub fn mean(self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// P(X ≤ x).
    pub fn cdf(self, x: f64) -> f64 {
        regularized_incomplete_beta(self.alpha, self.beta, x)
    }

    /// The `p` quantile: Newton's method on the CDF, kept inside a shrinking bracket (a step
    /// that leaves it bisects instead), so it always converges and usually in a handful of
    /// steps. The bracket starts at [0, mean + k·sd] with k from Cantelli's inequality, which
    /// is sure to hold the quantile.
    pub fn quantile(self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        if p <= 0.0 {
            return 0.0;
        }
        let (a, b) = (self.alpha, self.beta);
        let mean = self.mean();
        let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
        let k = if p < 1.0 {
            (p / (1.0 - p)).sqrt()
        } else {
            f64::INFINITY
        };
        let (mut lo, mut hi) = (0.0f64, (mean + (k + 0.01) * sd).min(1.0));
        let ln_norm = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b);
        let mut x = mean.clamp(lo, hi);
        for _ in 0..400 {
            let f = self.cdf(x) - p;
            if f.abs() < 1e-12 {
                return x;
            }
            if f < 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
            let density = (ln_norm + (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln()).exp();
            let next = x - f / density;
            x = if density.is_finite() && density > 0.0 && next > lo && next < hi {
                next
            } else if lo == 0.0 && hi < 1e-3 {
                // Tiny quantiles of a shape under 1: close in by orders of magnitude.
                hi * 1e-3
            } else if lo > 0.0 && hi > 4.0 * lo {
                (lo * hi).sqrt()
            } else {
                0.5 * (lo + hi)
            };
        }
        x
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// I_x(a, b), the regularized incomplete beta function: the CDF of Beta(a, b) at x.
///
/// Continued fraction (modified Lentz), on the side of the symmetry
/// I_x(a, b) = 1 − I_{1−x}(b, a) where it converges fast.
pub fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(a, b, x) / a
    } else {
        1.0 - front * continued_fraction(b, a, 1.0 - x) / b
    }
}

fn continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Bounds on a fitted prior's strength (α + β, in pseudo-trials): at least `min` so one lucky
/// order cannot make a keyword a star, at most `max` so a keyword's own data still moves it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrengthBounds {
    /// Smallest allowed strength.
    pub min: f64,
    /// Largest allowed strength.
    pub max: f64,
}

/// Fits a Beta prior to binomial counts `(successes, trials)` by the method of moments, each
/// unit's rate measured against `center(i)` (its own group's rate), so that the spread fitted
/// is the spread *within* groups that shrinkage toward the group has to undo.
///
/// The observed variance of rates mixes the true spread with binomial noise; the noise part,
/// E[μ(1−μ)/n], is subtracted (weights n, as in Kleinman's estimator). When what is left
/// is not positive (all spread is noise) the prior is as strong as allowed. Units with no
/// trials carry no information and are skipped; `None` when fewer than two units remain.
pub fn fit_strength(
    counts: &[(f64, f64)],
    center: impl Fn(usize) -> f64,
    bounds: StrengthBounds,
) -> Option<f64> {
    let used: Vec<(usize, f64, f64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n > 0.0)
        .map(|(i, &(k, n))| (i, k, n))
        .collect();
    if used.len() < 2 {
        return None;
    }
    let total: f64 = used.iter().map(|u| u.2).sum();
    let mut spread = 0.0; // Σ n (p - c)²
    let mut noise = 0.0; // Σ c (1 - c)
    let mut mean = 0.0; // weighted mean of c (1 - c), for the variance to strength step
    for &(i, k, n) in &used {
        let c = center(i).clamp(1e-6, 1.0 - 1e-6);
        let p = k / n;
        spread += n * (p - c) * (p - c);
        noise += c * (1.0 - c);
        mean += n * c * (1.0 - c);
    }
    let units = used.len() as f64;
    let mean = mean / total;
    // E[n (p-c)²] = n V + E[θ(1-θ)] = n V + c(1-c) - V, so summed over units:
    // V = (Σ n (p-c)² - Σ c(1-c)) / (Σ n - units).
    let var_true = (spread - noise) / (total - units).max(1e-9);
    let strength = if var_true <= 0.0 {
        bounds.max
    } else {
        // Var = μ(1−μ) / (κ + 1).
        mean / var_true - 1.0
    };
    Some(strength.clamp(bounds.min, bounds.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        for (n, fact) in [(1.0, 1.0), (2.0, 1.0), (5.0, 24.0), (11.0, 3_628_800.0)] {
            assert!(close(ln_gamma(n), f64::ln(fact), 1e-12), "{n}");
        }
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    #[test]
    fn cdf_matches_closed_forms() {
        // Beta(1, b): 1 - (1-x)^b; Beta(a, 1): x^a; Beta(2, 3): 6x²/2 - 8x³/3·... via poly.
        for &x in &[0.01, 0.2, 0.5, 0.77, 0.99] {
            let b1 = Beta {
                alpha: 1.0,
                beta: 7.0,
            };
            assert!(close(b1.cdf(x), 1.0 - (1.0 - x).powi(7), 1e-12), "{x}");
            let a1 = Beta {
                alpha: 3.5,
                beta: 1.0,
            };
            assert!(close(a1.cdf(x), x.powf(3.5), 1e-12), "{x}");
            // Beta(2, 3) CDF = 6x² − 8x³ + 3x⁴.
            let b23 = Beta {
                alpha: 2.0,
                beta: 3.0,
            };
            let exact = 6.0 * x * x - 8.0 * x.powi(3) + 3.0 * x.powi(4);
            assert!(close(b23.cdf(x), exact, 1e-12), "{x}");
        }
        let sym = Beta {
            alpha: 40.0,
            beta: 40.0,
        };
        assert!(close(sym.cdf(0.5), 0.5, 1e-12));
        assert_eq!(sym.cdf(0.0), 0.0);
        assert_eq!(sym.cdf(1.0), 1.0);
    }

    #[test]
    fn quantile_inverts_cdf_for_skewed_small_rates() {
        // The shapes the review sees: a 2% CVR with a few orders.
        for b in [
            Beta::from_mean(0.02, 150.0).update(3.0, 120.0),
            Beta::from_mean(0.001, 50.0),
            Beta {
                alpha: 0.3,
                beta: 900.0,
            },
        ] {
            for p in [0.05, 0.5, 0.95] {
                let q = b.quantile(p);
                assert!(close(b.cdf(q), p, 1e-9), "{b:?} {p} -> {q}");
                assert!((0.0..=1.0).contains(&q));
            }
            assert!(b.quantile(0.05) < b.mean() && b.mean() < b.quantile(0.95));
        }
    }

    /// A tiny deterministic generator so the fit can be checked on simulated data.
    struct SplitMix(u64);
    impl SplitMix {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Beta(a, b) by inversion (slow but exact enough for a test).
        fn beta(&mut self, d: Beta) -> f64 {
            d.quantile(self.next())
        }
        fn binomial(&mut self, n: u64, p: f64) -> f64 {
            (0..n).filter(|_| self.next() < p).count() as f64
        }
    }

    #[test]
    fn fit_recovers_a_known_prior_strength() {
        let bounds = StrengthBounds { min: 1.0, max: 1e6 };
        for (mean, strength) in [(0.03, 60.0), (0.05, 300.0)] {
            let truth = Beta::from_mean(mean, strength);
            let mut rng = SplitMix(7);
            let counts: Vec<(f64, f64)> = (0..400)
                .map(|i| {
                    let n = 100 + (i % 7) * 150;
                    let p = rng.beta(truth);
                    (rng.binomial(n, p), n as f64)
                })
                .collect();
            let fitted = fit_strength(&counts, |_| mean, bounds).unwrap();
            assert!(
                fitted > strength * 0.6 && fitted < strength * 1.6,
                "true {strength}, fitted {fitted}"
            );
        }
    }

    #[test]
    fn pure_noise_gives_the_strongest_prior_and_too_little_data_none() {
        let bounds = StrengthBounds {
            min: 10.0,
            max: 5_000.0,
        };
        let mut rng = SplitMix(3);
        let counts: Vec<(f64, f64)> = (0..300).map(|_| (rng.binomial(200, 0.04), 200.0)).collect();
        let fitted = fit_strength(&counts, |_| 0.04, bounds).unwrap();
        assert!(fitted > 1_000.0, "{fitted}");
        assert_eq!(
            fit_strength(&[(1.0, 10.0), (0.0, 0.0)], |_| 0.1, bounds),
            None
        );
    }
}
