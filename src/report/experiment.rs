//! `report experiment`: an A/B experiment's result as a table with its verdict, CSV or JSON,
//! and as an HTML section in the HTML report's look, which the dashboard shows and
//! `--format html` prints as a page of its own (pure code).

use comfy_table::{presets, Cell, CellAlignment, Table};
use maud::{html, Markup};

use super::table::range_text;
use super::{html as report_html, Format, Meta};
use crate::model::csv::{header, into_text, Record};
use crate::model::day::DayRange;
use crate::model::text::thousands;
use crate::pipeline::experiment::Experiment;

/// The experiment in `format` (table, CSV or JSON).
pub fn render(experiment: &Experiment, format: Format) -> String {
    match format {
        Format::Csv => csv(experiment),
        Format::Json => serde_json::to_string_pretty(experiment).expect("results serialise"),
        _ => table(experiment),
    }
}

/// The experiment of `range` as a page of its own, in the HTML report's look: the section the
/// dashboard shows, under a heading that names the deployment and the range.
pub fn page(experiment: &Experiment, range: DayRange, meta: &Meta) -> String {
    report_html::page(
        &format!("Experiment on {}", meta.deployment),
        &range_text(range),
        html(experiment),
        meta,
        "Visitors are distinct per day; over several days they are visitor-days, not people.",
    )
}

fn percent(value: f64) -> String {
    format!("{:.2}%", value * 100.0)
}

fn lift_text(lift: Option<f64>) -> String {
    lift.map_or("-".into(), |lift| format!("{:+.1}%", lift * 100.0))
}

fn p_text(p_value: Option<f64>) -> String {
    p_value.map_or("-".into(), |p| format!("{p:.4}"))
}

/// The experiment as a section of an HTML page: the goal, a row per variant (the control
/// marked), the verdicts and the warnings, with the table's numbers as the table format's.
pub fn html(experiment: &Experiment) -> Markup {
    html! {
        section id="experiment" class="breakdown" {
            h2 { "Goal: " (experiment.goal) }
            div class="scroll" { table {
                thead {
                    tr {
                        th { "Variant" } th { "Visitors" } th { "Reached the goal" } th { "Rate" }
                        th { "95% interval" } th { "Lift" } th { "p-value" }
                    }
                }
                tbody {
                    @for variant in &experiment.variants {
                        tr {
                            th scope="row" {
                                (variant.variant)
                                @if variant.variant == experiment.control { " (control)" }
                            }
                            td { (thousands(variant.visitors)) }
                            td { (thousands(variant.converted)) }
                            td { (percent(variant.rate)) }
                            td { (percent(variant.rate_low)) " to " (percent(variant.rate_high)) }
                            td { (lift_text(variant.lift)) }
                            td { (p_text(variant.p_value)) }
                        }
                    }
                }
            } }
            @for verdict in &experiment.verdicts { p class="verdict" { (verdict) } }
            @for warning in &experiment.warnings { p class="warning" { "Warning: " (warning) } }
        }
    }
}

fn table(experiment: &Experiment) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec![
        "Variant",
        "Visitors",
        "Reached the goal",
        "Rate",
        "95% interval",
        "Lift",
        "p-value",
    ]);
    for variant in &experiment.variants {
        let control = experiment.is_control(variant);
        let name = match control {
            true => format!("{} (control)", variant.variant),
            false => variant.variant.clone(),
        };
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(name),
            right(thousands(variant.visitors)),
            right(thousands(variant.converted)),
            right(percent(variant.rate)),
            right(format!(
                "{} to {}",
                percent(variant.rate_low),
                percent(variant.rate_high)
            )),
            right(lift_text(variant.lift)),
            right(p_text(variant.p_value)),
        ]);
    }
    let mut lines = vec![format!("Goal: {}", experiment.goal), table.to_string()];
    lines.extend(experiment.verdicts.iter().cloned());
    lines.extend(
        experiment
            .warnings
            .iter()
            .map(|warning| format!("warning: {warning}")),
    );
    lines.join("\n")
}

fn csv(experiment: &Experiment) -> String {
    let mut out = Vec::new();
    header(
        &mut out,
        &[
            "variant",
            "control",
            "visitors",
            "converted",
            "rate",
            "rate_low",
            "rate_high",
            "lift",
            "p_value",
        ],
    );
    let fixed = |value: f64| format!("{value:.6}");
    for result in &experiment.variants {
        let mut record = Record::new(&mut out);
        record
            .text(&result.variant)
            .text(if experiment.is_control(result) {
                "true"
            } else {
                "false"
            })
            .number(result.visitors)
            .number(result.converted)
            .number(fixed(result.rate))
            .number(fixed(result.rate_low))
            .number(fixed(result.rate_high));
        for optional in [result.lift, result.p_value] {
            match optional {
                Some(value) => record.number(fixed(value)),
                None => record.empty(),
            };
        }
        record.end();
    }
    into_text(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::experiment::VariantResult;

    #[test]
    fn the_html_section_shows_each_variant_and_the_verdict() {
        let variant = |name: &str, visitors, converted, lift, p_value| VariantResult {
            variant: name.into(),
            visitors,
            converted,
            rate: converted as f64 / visitors as f64,
            rate_low: 0.1,
            rate_high: 0.3,
            lift,
            p_value,
        };
        let experiment = Experiment {
            goal: "event \"signup\"".into(),
            control: "A".into(),
            variants: vec![
                variant("A", 1_000, 200, None, None),
                variant("B", 1_000, 300, Some(0.5), Some(0.00001)),
            ],
            verdicts: vec!["B converts better than A: +50.0%, significant at 5%.".into()],
            warnings: vec![],
        };
        let page = scraper::Html::parse_fragment(&html(&experiment).into_string());
        let texts = |selector: &str| -> Vec<String> {
            let selector = scraper::Selector::parse(selector).unwrap();
            page.select(&selector)
                .map(|element| element.text().collect::<String>())
                .collect()
        };
        assert_eq!(texts("h2"), ["Goal: event \"signup\""]);
        assert_eq!(
            texts("tbody tr:nth-child(2) td"),
            [
                "1,000",
                "300",
                "30.00%",
                "10.00% to 30.00%",
                "+50.0%",
                "0.0000"
            ]
        );
        assert_eq!(texts("tbody th"), ["A (control)", "B"]);
        assert_eq!(texts(".verdict"), experiment.verdicts);
    }
}
