//! `report experiment`: an A/B experiment's result as a table with its verdict, CSV or JSON
//! (pure code).

use comfy_table::{presets, Cell, CellAlignment, Table};

use super::Format;
use crate::model::csv::{header, into_text, Record};
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

fn percent(value: f64) -> String {
    format!("{:.2}%", value * 100.0)
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
            right(
                variant
                    .lift
                    .map_or("-".into(), |lift| format!("{:+.1}%", lift * 100.0)),
            ),
            right(variant.p_value.map_or("-".into(), |p| format!("{p:.4}"))),
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
