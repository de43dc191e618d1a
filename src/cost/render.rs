//! An estimate for people (one table per option, working and assumptions under it) and for
//! programs (JSON).

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde::Serialize;

use super::estimate::{Estimate, Inputs};
use super::fmt::{price, quantity, usd};
use super::items::{LineItem, PipelineOption};

/// Tables, one per option, then the comparison, the shared assumptions and price notes.
pub fn text(estimate: &Estimate) -> String {
    let mut out = format!(
        "Monthly estimate for {} ({}), prices as of {}. * marks a price nobody verified for \
         this region.\n",
        estimate.region, estimate.region_name, estimate.prices_as_of
    );
    for option in &estimate.options {
        out.push('\n');
        out.push_str(&option_text(option));
    }
    out.push_str(&comparison(&estimate.options));
    out.push_str("\nAssumptions (all options):\n");
    for line in &estimate.assumptions {
        out.push_str(&format!("  - {line}\n"));
    }
    let unverified = unverified_prices(estimate);
    if !unverified.is_empty() {
        out.push_str("\nUnverified prices (*):\n");
        for line in unverified {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    out
}

/// Totals side by side; where an option misses prices, how much they may cost before it loses
/// to the cheapest complete option (a fact we can state without the missing prices).
fn comparison(options: &[PipelineOption]) -> String {
    let mut out = String::from("\nComparison (items with a price):\n");
    for option in options {
        out.push_str(&format!("  {:<30} {}\n", option.name, total_text(option)));
    }
    let cheapest_complete = options
        .iter()
        .filter(|option| option.missing().is_empty())
        .min_by(|a, b| a.monthly_usd().total_cmp(&b.monthly_usd()));
    let Some(best) = cheapest_complete else {
        return out;
    };
    for option in options.iter().filter(|option| !option.missing().is_empty()) {
        let margin = best.monthly_usd() - option.monthly_usd();
        let missing: Vec<&str> = option
            .missing()
            .iter()
            .map(|item| item.component.as_str())
            .collect();
        let verdict = if margin > 0.0 {
            format!(
                "is cheaper than {} only if {} cost less than ${} a month",
                best.name,
                missing.join(" and "),
                usd(margin)
            )
        } else {
            format!(
                "costs more than {} whatever {} cost",
                best.name,
                missing.join(" and ")
            )
        };
        out.push_str(&format!("  {} {verdict}.\n", option.name));
    }
    out
}

fn option_text(option: &PipelineOption) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec![
        "Component",
        "Quantity",
        "Unit",
        "Unit price (USD)",
        "Monthly (USD)",
    ]);
    for item in &option.items {
        table.add_row(vec![
            Cell::new(&item.component),
            right(quantity(item.quantity)),
            Cell::new(item.unit),
            right(unit_price_text(item)),
            right(monthly_text(item)),
        ]);
    }
    table.add_row(vec![
        Cell::new("Total"),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        right(total_text(option)),
    ]);
    let mut out = format!("{}\n{table}\n", option.name);
    for item in &option.items {
        out.push_str(&format!("  - {}: {}", item.component, item.working));
        if let Some(note) = &item.note {
            out.push_str(&format!(" [{note}]"));
        }
        out.push('\n');
    }
    for note in &option.notes {
        out.push_str(&format!("  - {note}\n"));
    }
    out
}

fn right(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

fn unit_price_text(item: &LineItem) -> String {
    match &item.price {
        Some(unit) if unit.verified => price(unit.usd),
        Some(unit) => format!("{}*", price(unit.usd)),
        None if item.included() => "-".into(),
        None => "unknown".into(),
    }
}

fn monthly_text(item: &LineItem) -> String {
    match item.monthly_usd {
        Some(usd_value) => usd(usd_value),
        None => "not included".into(),
    }
}

fn total_text(option: &PipelineOption) -> String {
    let missing = option.missing().len();
    let total = usd(option.monthly_usd());
    match missing {
        0 => total,
        1 => format!("{total} + 1 item not included"),
        n => format!("{total} + {n} items not included"),
    }
}

/// Each unverified price once, with where it came from.
fn unverified_prices(estimate: &Estimate) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in estimate.options.iter().flat_map(|option| &option.items) {
        let Some(unit) = item.price.as_ref().filter(|unit| !unit.verified) else {
            continue;
        };
        let line = format!(
            "{}: {} per {}: {} ({})",
            item.component,
            price(unit.usd),
            item.unit,
            unit.source,
            unit.as_of
        );
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

#[derive(Serialize)]
struct JsonEstimate<'a> {
    region: &'a str,
    region_name: &'a str,
    prices_as_of: &'a str,
    inputs: &'a Inputs,
    options: Vec<JsonOption<'a>>,
    assumptions: &'a [String],
}

#[derive(Serialize)]
struct JsonOption<'a> {
    name: &'a str,
    monthly_usd: f64,
    complete: bool,
    items: Vec<JsonItem<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonItem<'a> {
    component: &'a str,
    quantity: f64,
    unit: &'a str,
    unit_price_usd: Option<f64>,
    monthly_usd: Option<f64>,
    price_verified: Option<bool>,
    price_source: Option<&'a str>,
    price_as_of: Option<&'a str>,
    working: &'a str,
    note: Option<&'a str>,
}

/// Amounts to a millionth: a millionth of a dollar is below anything a bill shows.
fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

pub fn json(estimate: &Estimate) -> String {
    let options = estimate
        .options
        .iter()
        .map(|option| JsonOption {
            name: &option.name,
            monthly_usd: round6(option.monthly_usd()),
            complete: option.missing().is_empty(),
            items: option.items.iter().map(json_item).collect(),
            notes: &option.notes,
        })
        .collect();
    let document = JsonEstimate {
        region: &estimate.region,
        region_name: &estimate.region_name,
        prices_as_of: &estimate.prices_as_of,
        inputs: &estimate.inputs,
        options,
        assumptions: &estimate.assumptions,
    };
    serde_json::to_string_pretty(&document).expect("an estimate serialises")
}

fn json_item(item: &LineItem) -> JsonItem<'_> {
    JsonItem {
        component: &item.component,
        quantity: round6(item.quantity),
        unit: item.unit,
        unit_price_usd: item.price.as_ref().map(|unit| unit.usd),
        monthly_usd: item.monthly_usd.map(round6),
        price_verified: item.price.as_ref().map(|unit| unit.verified),
        price_source: item.price.as_ref().map(|unit| unit.source.as_str()),
        price_as_of: item.price.as_ref().map(|unit| unit.as_of.as_str()),
        working: &item.working,
        note: item.note.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::prices::PriceTable;
    use crate::cost::workload::Workload;

    fn estimate(region: &str) -> Estimate {
        let table = PriceTable::built_in().unwrap();
        let region = table.region(region).unwrap();
        Estimate::new(&Workload::default(), &table, region, None)
    }

    #[test]
    fn text_has_a_table_per_option_totals_and_marks() {
        let out = text(&estimate("us-west-2"));
        for name in [
            "DynamoDB",
            "Timestream for LiveAnalytics",
            "Timestream for InfluxDB",
        ] {
            assert!(out.contains(&format!("\n{name}\n")), "{out}");
        }
        assert!(out.contains("0.1934"), "{out}");
        assert!(out.contains("0.0431 + 1 item not included"), "{out}");
        // us-west-2's SQS price is carried over from us-east-1: marked and explained.
        assert!(out.contains("0.4*"), "{out}");
        assert!(out.contains("Unverified prices (*)"), "{out}");
        assert!(
            out.contains("closed to new customers since 2025-06-20"),
            "{out}"
        );
    }

    #[test]
    fn json_has_the_promised_shape() {
        let value: serde_json::Value = serde_json::from_str(&json(&estimate("us-west-2"))).unwrap();
        assert_eq!(value["region"], "us-west-2");
        assert_eq!(value["prices_as_of"], "2026-11-26");
        assert_eq!(value["inputs"]["event_bytes"], 104);
        let options = value["options"].as_array().unwrap();
        assert_eq!(options.len(), 3);
        assert_eq!(options[0]["name"], "DynamoDB");
        assert_eq!(options[0]["monthly_usd"], 0.193363);
        let item = &options[0]["items"][1];
        for key in [
            "component",
            "quantity",
            "unit",
            "unit_price_usd",
            "monthly_usd",
        ] {
            assert!(item.get(key).is_some(), "{key} missing");
        }
        assert_eq!(options[1]["complete"], false);
    }
}
