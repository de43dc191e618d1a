//! An estimate for people (one table per option, working and assumptions under it) and for
//! programs (JSON).

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::estimate::Estimate;
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
    out.push_str(&bullets(&estimate.assumptions));
    let unverified = unverified_prices(estimate);
    if !unverified.is_empty() {
        out.push_str("\nUnverified prices (*):\n");
        out.push_str(&bullets(&unverified));
    }
    out
}

/// The lists under the tables: a line each, marked "  - ".
fn bullets(lines: &[String]) -> String {
    lines.iter().map(|line| format!("  - {line}\n")).collect()
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
        // "You pay ... for" keeps the verb off the component names, which may be singular
        // ("InfluxDB storage") or plural ("Timestream queries").
        let (best, items) = (&best.name, and_list(&missing));
        let verdict = match missing.len() {
            _ if margin <= 0.0 => format!("costs more than {best} whatever you pay for {items}"),
            1 => format!(
                "is cheaper than {best} only if you pay less than ${} a month for {items}",
                usd(margin)
            ),
            _ => format!(
                "is cheaper than {best} only if you pay less than ${} a month for {items} \
                 together",
                usd(margin)
            ),
        };
        out.push_str(&format!("  {} {verdict}.\n", option.name));
    }
    out
}

/// "a", "a and b", "a, b and c".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
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
            right(quantity_text(item)),
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
    out + &bullets(&option.notes)
}

fn right(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

/// The billable quantity; where a free allowance leaves nothing billable, what was used too.
fn quantity_text(item: &LineItem) -> String {
    if item.quantity == 0.0 && item.used > 0.0 {
        format!("0 billable of {}", quantity(item.used))
    } else {
        quantity(item.quantity)
    }
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

/// Amounts to a millionth: a millionth of a dollar is below anything a bill shows.
fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

pub fn json(estimate: &Estimate) -> String {
    serde_json::to_string_pretty(estimate).expect("an estimate serialises")
}

/// An option with its total and whether every item has a price.
impl Serialize for PipelineOption {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("PipelineOption", 5)?;
        out.serialize_field("name", &self.name)?;
        out.serialize_field("monthly_usd", &round6(self.monthly_usd()))?;
        out.serialize_field("complete", &self.missing().is_empty())?;
        out.serialize_field("items", &self.items)?;
        out.serialize_field("notes", &self.notes)?;
        out.end()
    }
}

/// An item with its unit price spelled out (null where there is none).
impl Serialize for LineItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let price = self.price.as_ref();
        let mut out = serializer.serialize_struct("LineItem", 10)?;
        out.serialize_field("component", &self.component)?;
        out.serialize_field("quantity", &round6(self.quantity))?;
        out.serialize_field("unit", self.unit)?;
        out.serialize_field("unit_price_usd", &price.map(|unit| unit.usd))?;
        out.serialize_field("monthly_usd", &self.monthly_usd.map(round6))?;
        out.serialize_field("price_verified", &price.map(|unit| unit.verified))?;
        out.serialize_field("price_source", &price.map(|unit| &unit.source))?;
        out.serialize_field("price_as_of", &price.map(|unit| &unit.as_of))?;
        out.serialize_field("working", &self.working)?;
        out.serialize_field("note", &self.note)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::prices::PriceTable;
    use crate::cost::workload::Workload;

    fn estimate(region: &str) -> Estimate {
        estimate_of(&Workload::default(), region)
    }

    fn estimate_of(workload: &Workload, region: &str) -> Estimate {
        let table = PriceTable::built_in().unwrap();
        let region = table.region(region).unwrap();
        Estimate::new(workload, &table, region, None)
    }

    #[test]
    fn break_even_is_a_sentence() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        // Without its rates, InfluxDB costs the shared $0.0023 against DynamoDB's $0.0174;
        // Timestream for LiveAnalytics, at $0.0550 before queries, costs more already.
        let out = text(&estimate_of(&Workload::default(), "us-west-2"));
        for sentence in [
            "  Timestream for LiveAnalytics costs more than DynamoDB whatever you pay for \
             Timestream queries.\n",
            "  Timestream for InfluxDB is cheaper than DynamoDB only if you pay less than \
             $0.0151 a month for InfluxDB instance and InfluxDB storage together.\n",
        ] {
            assert!(out.contains(sentence), "{sentence:?} not in:\n{out}");
        }
        // An instance at $1 an hour alone (730 h) costs more than DynamoDB's $0.0174.
        let workload = Workload {
            influxdb_instance_hour_usd: Some(1.0),
            ..Workload::default()
        };
        let out = text(&estimate_of(&workload, "us-west-2"));
        let sentence = "  Timestream for InfluxDB costs more than DynamoDB whatever you pay for \
                        InfluxDB storage.\n";
        assert!(out.contains(sentence), "{sentence:?} not in:\n{out}");
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
        assert!(out.contains("0.0174"), "{out}");
        assert!(out.contains("0.0550 + 1 item not included"), "{out}");
        // Free allowances leave nothing billable; the rows say how much was used.
        assert!(
            out.contains("| 0 billable of 0.132769 | million requests |"),
            "{out}"
        );
        assert!(
            out.contains("| 0 billable of 0.293024 | GB-month "),
            "{out}"
        );
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
        assert_eq!(value["inputs"]["event_bytes"], 68);
        assert_eq!(value["inputs"]["visitor_bytes"], 16);
        let options = value["options"].as_array().unwrap();
        assert_eq!(options.len(), 3);
        assert_eq!(options[0]["name"], "DynamoDB");
        assert_eq!(options[0]["monthly_usd"], 0.017376);
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
