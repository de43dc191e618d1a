//! A/B experiments, read from the daily breakdowns: per variant, the visitors who saw it, those
//! who reached the goal under it, the conversion rate with its 95% Wilson interval, the lift
//! against the control, and the p-value of a two-proportion z-test (pure code).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::backend::BreakdownRow;
use crate::model::dimension::{goal_key, parts, Goal};
use crate::model::text::counted;

/// z of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;
/// Below this many visitors a variant's rate is too uncertain to act on: the report warns.
pub const FEW_VISITORS: u64 = 100;
/// The significance level the verdict is given at.
pub const ALPHA: f64 = 0.05;

/// One variant's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantResult {
    pub variant: String,
    /// Visitors who saw the variant (per day, summed over the days: visitor-days).
    pub visitors: u64,
    /// Visitors who reached the goal under the variant, the same day.
    pub converted: u64,
    pub rate: f64,
    /// The 95% Wilson score interval of the rate.
    pub rate_low: f64,
    pub rate_high: f64,
    /// Relative change of the rate against the control's; `None` for the control.
    pub lift: Option<f64>,
    /// Two-sided p-value of the difference from the control; `None` for the control.
    pub p_value: Option<f64>,
}

/// An experiment's result, ready to print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    pub goal: String,
    pub control: String,
    pub variants: Vec<VariantResult>,
    /// One sentence per variant against the control, in plain words.
    pub verdicts: Vec<String>,
    pub warnings: Vec<String>,
}

impl Experiment {
    /// Whether `result` is the control's, which the other variants are judged against.
    pub fn is_control(&self, result: &VariantResult) -> bool {
        result.variant == self.control
    }
}

/// The 95% Wilson score interval of `successes` out of `trials` (both 0 when there are none).
pub fn wilson(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 0.0);
    }
    let (n, p) = (trials as f64, successes as f64 / trials as f64);
    let z2 = Z_95 * Z_95;
    let centre = p + z2 / (2.0 * n);
    let spread = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    (
        ((centre - spread) / denominator).max(0.0),
        ((centre + spread) / denominator).min(1.0),
    )
}

/// The pooled two-proportion z-test of `x1`/`n1` against `x2`/`n2`: (z, two-sided p-value).
/// With no variation at all (every visitor converted, or none) there is nothing to test: z 0,
/// p 1.
pub fn two_proportion_test(x1: u64, n1: u64, x2: u64, n2: u64) -> (f64, f64) {
    if n1 == 0 || n2 == 0 {
        return (0.0, 1.0);
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let error = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if error == 0.0 {
        return (0.0, 1.0);
    }
    let z = (p1 - p2) / error;
    (z, libm::erfc(z.abs() / std::f64::consts::SQRT_2))
}

/// How a request spells the goal's two forms (`--goal`, `--goal-page` on the command line;
/// `goal=`, `goal_page=` in a dashboard's query), for the refusals.
#[derive(Debug, Clone, Copy)]
pub struct GoalSpelling {
    pub event: &'static str,
    pub page: &'static str,
}

/// The goal asked for: `event` (a custom event's name, or an engaged time `engaged:30s`), or
/// `page` (a path, spelt as pages are stored already).
pub fn goal_of<'a>(
    event: Option<&'a str>,
    page: Option<&'a str>,
    spelling: GoalSpelling,
) -> Result<Goal<'a>, String> {
    match (event, page) {
        (Some(name), _) => match crate::model::engagement::engaged_goal(name) {
            Some(Ok(seconds)) => Ok(Goal::Engaged(seconds)),
            Some(Err(why)) => Err(format!("{} {why}", spelling.event)),
            None => Ok(Goal::Event(name)),
        },
        (None, Some(page)) => Ok(Goal::Page(page)),
        (None, None) => Err(format!(
            "say what counts as success: {} NAME or {} PATH",
            spelling.event, spelling.page
        )),
    }
}

/// Reads an experiment from the variant rows (visitors who saw each) and the goal rows of a
/// range of days. `control` defaults to the first variant by name.
pub fn evaluate(
    seen: &[BreakdownRow],
    goals: &[BreakdownRow],
    goal: &Goal,
    control: Option<&str>,
) -> Result<Experiment, String> {
    let mut visitors: BTreeMap<&str, u64> = BTreeMap::new();
    for row in seen {
        *visitors.entry(row.key.as_str()).or_default() += row.visitors;
    }
    let control = match control {
        Some(control) if visitors.contains_key(control) => control.to_owned(),
        Some(control) => {
            return Err(format!(
                "no views of variant {control:?} in these days; the variants seen are: {}",
                list(visitors.keys())
            ))
        }
        None => match visitors.keys().next() {
            Some(first) => (*first).to_owned(),
            None => return Err("no views carry an A/B variant in these days".into()),
        },
    };
    check_goal_reached(goals, goal)?;
    let converted_of = |variant: &str| -> u64 {
        let key = goal_key(variant, goal);
        goals
            .iter()
            .filter(|row| row.key == key)
            .map(|row| row.visitors)
            .sum()
    };
    let base = (converted_of(&control), visitors[control.as_str()]);
    let mut result = Experiment {
        goal: goal_name(goal),
        control: control.clone(),
        variants: Vec::new(),
        verdicts: Vec::new(),
        warnings: Vec::new(),
    };
    for (variant, seen) in &visitors {
        let converted = converted_of(variant);
        result
            .variants
            .push(variant_result(variant, *seen, converted, &control, base));
        warn(&mut result.warnings, variant, *seen, converted);
    }
    result.verdicts = verdicts(&result);
    Ok(result)
}

/// Refuses a goal no goal row has (a name mistyped, a page never viewed under a variant): its
/// table would show 0% everywhere as if the variants had failed. Names the goals that were
/// reached, so the right one can be picked.
fn check_goal_reached(goals: &[BreakdownRow], goal: &Goal) -> Result<(), String> {
    let reached: Vec<&str> = goals
        .iter()
        .filter_map(|row| parts(&row.key).get(1).copied())
        .collect();
    let wanted = goal_key("", goal);
    let wanted = parts(&wanted)[1];
    if reached.contains(&wanted) {
        return Ok(());
    }
    let mut events = BTreeSet::new();
    let mut pages = BTreeSet::new();
    let mut engaged = BTreeSet::new();
    for part in reached {
        if let Some(name) = part.strip_prefix("event:") {
            events.insert(name);
        } else if let Some(page) = part.strip_prefix("page:") {
            pages.insert(page);
        } else if part.starts_with("engaged:") {
            engaged.insert(part);
        }
    }
    let mut known = Vec::new();
    for (noun, names) in [
        ("events", &events),
        ("pages", &pages),
        ("engaged times", &engaged),
    ] {
        if !names.is_empty() {
            known.push(format!("{noun} {}", few(names)));
        }
    }
    let known = match known.is_empty() {
        true => "no goal was reached under one".to_owned(),
        false => format!("the goals reached were: {}", known.join("; ")),
    };
    let asked = match goal {
        Goal::Event(name) => format!("event {name:?}"),
        Goal::Page(page) => format!("page {page:?}"),
        Goal::Engaged(seconds) => format!("engaged for {seconds} s"),
    };
    Err(format!(
        "no visitor reached the goal {asked} under an A/B variant in these days; {known}"
    ))
}

/// Up to ten names, and how many more there are.
fn few(names: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<&str> = names.iter().take(SHOWN).copied().collect();
    match names.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn variant_result(
    variant: &str,
    seen: u64,
    converted: u64,
    control: &str,
    (base_converted, base_seen): (u64, u64),
) -> VariantResult {
    let rate = match seen {
        0 => 0.0,
        _ => converted as f64 / seen as f64,
    };
    let (rate_low, rate_high) = wilson(converted.min(seen), seen);
    let is_control = variant == control;
    let base_rate = base_converted as f64 / base_seen.max(1) as f64;
    let lift = (!is_control && base_rate > 0.0).then(|| rate / base_rate - 1.0);
    let p_value =
        (!is_control).then(|| two_proportion_test(converted, seen, base_converted, base_seen).1);
    VariantResult {
        variant: variant.to_owned(),
        visitors: seen,
        converted,
        rate,
        rate_low,
        rate_high,
        lift,
        p_value,
    }
}

fn warn(warnings: &mut Vec<String>, variant: &str, seen: u64, converted: u64) {
    if seen < FEW_VISITORS {
        warnings.push(format!(
            "variant {variant} has {}, fewer than {FEW_VISITORS}: its rate can still move a lot",
            counted(seen, "visitor")
        ));
    }
    if converted > seen {
        warnings.push(format!(
            "more visitors reached the goal under {variant} ({converted}) than saw it ({seen}): \
             the page that reaches the goal should report the variant too"
        ));
    }
}

fn verdicts(result: &Experiment) -> Vec<String> {
    let control = result
        .variants
        .iter()
        .find(|v| result.is_control(v))
        .expect("the control is a variant");
    result
        .variants
        .iter()
        .filter(|v| !result.is_control(v))
        .map(|v| {
            let p = v.p_value.unwrap_or(1.0);
            let judged = match p < ALPHA {
                true => "the difference is significant at 5%",
                false => "the difference is not significant at 5%: it may be chance",
            };
            format!(
                "{} converts {:.2}% against {}'s {:.2}% ({}); {judged} (p = {p:.4}).",
                v.variant,
                v.rate * 100.0,
                control.variant,
                control.rate * 100.0,
                v.lift
                    .map_or("no lift: the control never converted".to_owned(), |lift| {
                        format!("lift {:+.1}%", lift * 100.0)
                    }),
            )
        })
        .collect()
}

fn goal_name(goal: &Goal) -> String {
    match goal {
        Goal::Event(name) => format!("event {name}"),
        Goal::Page(page) => format!("page {page}"),
        Goal::Engaged(seconds) => format!("engaged for {seconds} s"),
    }
}

fn list<'a>(names: impl Iterator<Item = &'a &'a str>) -> String {
    names
        .map(|name| name.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dimension::Dimension;
    use crate::model::fixtures::day;

    fn close(actual: f64, expected: f64, digits: i32) -> bool {
        (actual - expected).abs() < 0.5 * 10f64.powi(-digits)
    }

    /// Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison
    /// of seven methods", Statistics in Medicine 17: the score (Wilson) intervals of its
    /// worked examples.
    #[test]
    fn wilson_intervals_match_newcombes_worked_examples() {
        for (successes, trials, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson(successes, trials);
            assert!(
                close(l, low, 4) && close(h, high, 4),
                "{successes}/{trials}: {l} {h}"
            );
        }
    }

    /// Two textbook exercises of the pooled two-proportion z-test: x1 = 28 of 254 against
    /// x2 = 36 of 301 gives z = -0.344 and a two-tailed p of 0.7307; 140 of 200 against 255 of
    /// 340 gives z = -1.266.
    #[test]
    fn z_tests_match_worked_examples() {
        let (z, p) = two_proportion_test(28, 254, 36, 301);
        assert!(close(z, -0.344, 3) && close(p, 0.7307, 4), "{z} {p}");
        let (z, _) = two_proportion_test(140, 200, 255, 340);
        assert!(close(z, -1.266015, 6), "{z}");
        assert_eq!(two_proportion_test(0, 10, 0, 10), (0.0, 1.0));
    }

    fn row(dimension: Dimension, key: &str, visitors: u64) -> BreakdownRow {
        BreakdownRow {
            day: day("2021-03-13"),
            dimension,
            key: key.into(),
            views: visitors,
            visitors,
        }
    }

    #[test]
    fn an_experiment_is_read_per_variant_against_the_control() {
        let seen = [
            row(Dimension::Variant, "A", 1_000),
            row(Dimension::Variant, "B", 1_000),
            row(Dimension::Variant, "C", 40),
        ];
        let goals = [
            row(Dimension::Goal, &goal_key("A", &Goal::Event("signup")), 200),
            row(Dimension::Goal, &goal_key("B", &Goal::Event("signup")), 250),
            row(Dimension::Goal, &goal_key("B", &Goal::Event("other")), 999),
            row(Dimension::Goal, &goal_key("C", &Goal::Event("signup")), 9),
        ];
        let result = evaluate(&seen, &goals, &Goal::Event("signup"), None).unwrap();
        assert_eq!(result.control, "A");
        let b = &result.variants[1];
        assert_eq!((b.visitors, b.converted), (1_000, 250));
        assert!(close(b.rate, 0.25, 6));
        assert!(close(b.lift.unwrap(), 0.25, 6));
        // 200/1000 against 250/1000: pooled 0.225, z = 2.6774, p = 0.0074.
        assert!(close(b.p_value.unwrap(), 0.0074, 4), "{:?}", b.p_value);
        assert!(
            result.verdicts[0].contains("significant at 5%"),
            "{:?}",
            result.verdicts
        );
        assert!(
            result.verdicts[1].contains("not significant"),
            "{:?}",
            result.verdicts
        );
        assert_eq!(result.warnings.len(), 1, "{:?}", result.warnings);
        assert!(result.warnings[0].starts_with("variant C has 40 visitors"));
        let err = evaluate(&seen, &goals, &Goal::Event("signup"), Some("Z")).unwrap_err();
        assert!(err.contains("A, B, C"), "{err}");
    }

    #[test]
    fn a_goal_never_reached_is_refused_naming_those_that_were() {
        let seen = [row(Dimension::Variant, "A", 10)];
        let goals = [
            row(Dimension::Goal, &goal_key("A", &Goal::Event("signup")), 2),
            row(Dimension::Goal, &goal_key("B", &Goal::Event("purchase")), 1),
            row(Dimension::Goal, &goal_key("A", &Goal::Page("/thanks")), 3),
            row(Dimension::Goal, &goal_key("A", &Goal::Page("/")), 9),
        ];
        let err = evaluate(&seen, &goals, &Goal::Event("sign-up"), None).unwrap_err();
        assert_eq!(
            err,
            "no visitor reached the goal event \"sign-up\" under an A/B variant in these days; \
             the goals reached were: events purchase, signup; pages /, /thanks"
        );
        let err = evaluate(&seen, &goals, &Goal::Page("/thank-you"), None).unwrap_err();
        assert!(
            err.starts_with("no visitor reached the goal page \"/thank-you\""),
            "{err}"
        );
        let err = evaluate(&seen, &[], &Goal::Event("signup"), None).unwrap_err();
        assert_eq!(
            err,
            "no visitor reached the goal event \"signup\" under an A/B variant in these days; \
             no goal was reached under one"
        );
        // A goal reached under some variant is read, 0% for the others.
        let result = evaluate(&seen, &goals, &Goal::Event("purchase"), None).unwrap();
        assert_eq!(result.variants[0].converted, 0);
    }
}
