//! The report as records for programs, one per period and page (or, with `--compare`, per
//! page): the fields CSV and JSON both write, so the two always agree (pure code).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::compare::change_percent;
use super::engagement;
use super::period::{Grain, Unit};
use super::view::View;

/// One field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Count(u64),
    /// A change in percent; none from nothing.
    Percent(Option<f64>),
    /// Text that may be missing (`null` in JSON, empty in CSV).
    Maybe(Option<&'static str>),
    /// Views per hourly slot: JSON only, CSV has no place for a list.
    Hours(Vec<u64>),
    /// A count that may not be known (`null`, empty).
    MaybeCount(Option<u64>),
    /// A rate or a mean that may not be known (`null`, empty).
    Number(Option<f64>),
}

/// Field names, and the records' values in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    pub fields: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

/// The records of `view`. Day rows keep their long-standing shape
/// (`day,page,views,visitors`, and `hours` in JSON), then the page's engagement
/// (`engagement::FIELDS`, when any row has it known); weeks and months say which days they cover and sum visitors as
/// visitor-days; hours are slots' starts on the zone's clock (RFC 3339 with the offset), with
/// views only. With `view.total_rows`, each period's pages are followed by its totals, with no
/// page (`null` in JSON, empty in CSV): all pages' views, the site's distinct visitors (not a
/// sum over pages) and the site's engagement.
pub fn records(view: &View) -> Records {
    if view.previous.is_some() {
        return compared(view);
    }
    let mut fields = match view.unit {
        Unit::Days(Grain::Day) => vec!["day", "page", "views", "visitors", "hours"],
        Unit::Days(_) => vec!["period", "from", "to", "page", "views", "visitor_days"],
        Unit::Hours => vec!["hour", "page", "views"],
    };
    // Rows counted before pages kept engagement keep their long-standing shape.
    let engaged = view.unit != Unit::Hours && view.lines.iter().any(|l| l.engagement.is_some());
    if engaged {
        fields.extend(engagement::FIELDS);
    }
    let mut rows = Vec::with_capacity(view.lines.len() + view.periods.len());
    let mut lines = view.lines.iter().peekable();
    for (index, total) in view.periods.iter().enumerate() {
        while let Some(line) = lines.next_if(|line| line.period == index) {
            let page = Value::Text(line.page.clone());
            let mut values = record(view, index, page, line.views, line.visitors, &line.hours);
            if engaged {
                values.extend(engagement::record_values(line.engagement.as_ref()));
            }
            rows.push(values);
        }
        if view.total_rows {
            let site = Value::Maybe(None);
            let mut values = record(view, index, site, total.views, total.visitors, &total.hours);
            if engaged {
                let pages = total.engagement.map(|site| site.pages);
                values.extend(engagement::record_values(pages.as_ref()));
            }
            rows.push(values);
        }
    }
    Records { fields, rows }
}

/// One period's record: its key (and days), a page or none, views, and what else it has.
fn record(
    view: &View,
    period: usize,
    page: Value,
    views: u64,
    visitors: Option<u64>,
    hours: &Option<Vec<u64>>,
) -> Vec<Value> {
    let period = &view.periods[period].period;
    let mut values = vec![Value::Text(period.key.clone())];
    if matches!(view.unit, Unit::Days(Grain::Week | Grain::Month)) {
        values.push(Value::Text(period.from.to_string()));
        values.push(Value::Text(period.to.to_string()));
    }
    values.push(page);
    values.push(Value::Count(views));
    values.extend(visitors.map(Value::Count));
    values.extend(hours.clone().map(Value::Hours));
    values
}

fn compared(view: &View) -> Records {
    let (visitors, previous_visitors) = match view.totals.visitors_are_days() {
        true => ("visitor_days", "previous_visitor_days"),
        false => ("visitors", "previous_visitors"),
    };
    let fields = vec![
        "page",
        "views",
        "previous_views",
        "change_percent",
        visitors,
        previous_visitors,
        "mark",
    ];
    let mut rows: Vec<Vec<Value>> = view.breakdowns[0]
        .entries
        .iter()
        .map(|entry| {
            let before = entry.previous.unwrap_or_default();
            vec![
                Value::Text(entry.key.clone()),
                Value::Count(entry.views),
                Value::Count(before.views),
                Value::Percent(change_percent(entry.views, before.views)),
                Value::Count(entry.visitors),
                Value::Count(before.visitors),
                Value::Maybe(entry.mark().map(|mark| mark.word())),
            ]
        })
        .collect();
    if let (true, Some(before)) = (view.total_rows, &view.previous) {
        let now = &view.totals;
        rows.push(vec![
            Value::Maybe(None),
            Value::Count(now.views),
            Value::Count(before.views),
            Value::Percent(change_percent(now.views, before.views)),
            Value::Count(now.visitors),
            Value::Count(before.visitors),
            Value::Maybe(None),
        ]);
    }
    Records { fields, rows }
}

/// One record as a JSON object with its fields in order.
pub struct Object<'a> {
    pub fields: &'a [&'static str],
    pub values: &'a [Value],
}

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (field, value) in self.fields.iter().zip(self.values) {
            match value {
                Value::Text(text) => map.serialize_entry(field, text)?,
                Value::Count(count) => map.serialize_entry(field, count)?,
                Value::Percent(percent) => map.serialize_entry(field, percent)?,
                Value::Maybe(text) => map.serialize_entry(field, text)?,
                Value::Hours(hours) => map.serialize_entry(field, hours)?,
                Value::MaybeCount(count) => map.serialize_entry(field, count)?,
                Value::Number(number) => map.serialize_entry(field, number)?,
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use crate::model::fixtures::{berlin, row};
    use crate::model::zone::Zone;
    use crate::report::fixtures::{compared_view, site_report, site_view};
    use crate::report::period::{Grain, Unit};
    use crate::report::view::build;
    use crate::report::{csv, json};

    fn view(unit: Unit) -> crate::report::View {
        site_view(unit, None)
    }

    #[test]
    fn days_keep_their_csv_header_and_json_fields() {
        let view = view(Unit::Days(Grain::Day));
        let csv = csv::render(&view);
        assert!(
            csv.starts_with("day,page,views,visitors\n2021-03-27,/,10,4\n"),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&json::render(&view)).unwrap();
        let first = json[0].as_object().unwrap();
        let fields: Vec<&str> = first.keys().map(String::as_str).collect();
        assert_eq!(fields, ["day", "page", "views", "visitors", "hours"]);
        assert_eq!(json[0]["hours"][9], 6);
        assert_eq!(json[3]["hours"].as_array().unwrap().len(), 23);
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let rows = vec![row("2021-03-13", "/a,b", 2), row("2021-03-13", "/q\"x", 1)];
        let range = crate::model::day::DayRange::single(crate::model::fixtures::day("2021-03-13"));
        let report = crate::pipeline::report::build(range, rows, &[], None, false);
        let view = build(&report, None, Unit::Days(Grain::Day), Zone::UTC);
        assert_eq!(
            csv::render(&view),
            "day,page,views,visitors\n2021-03-13,\"/a,b\",2,0\n2021-03-13,\"/q\"\"x\",1,0\n"
        );
    }

    #[test]
    fn months_and_hours_say_what_they_cover() {
        let csv = csv::render(&view(Unit::Days(Grain::Month)));
        assert_eq!(
            csv,
            "period,from,to,page,views,visitor_days\n\
             2021-03,2021-03-27,2021-03-29,/,17,9\n\
             2021-03,2021-03-27,2021-03-29,/a,8,4\n\
             2021-03,2021-03-27,2021-03-29,/b,2,2\n"
        );
        let range = crate::model::day::DayRange::single(crate::model::fixtures::day("2021-03-27"));
        let mut report = site_report(None);
        report.rows.retain(|row| range.contains(row.day));
        report.range = range;
        let json = json::render(&build(&report, None, Unit::Hours, berlin()));
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            json[0],
            serde_json::json!({"hour": "2021-03-27T09:00:00+01:00", "page": "/", "views": 6})
        );
    }

    #[test]
    fn comparisons_give_numbers_a_change_and_a_mark() {
        let view = compared_view(None);
        let csv = csv::render(&view);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines,
            [
                "page,views,previous_views,change_percent,visitor_days,previous_visitor_days,mark",
                "/,17,8,112.5,9,3,",
                "/a,8,0,,4,0,new",
                "/b,2,0,,2,0,new",
                "/old,0,4,-100,0,2,vanished",
            ]
        );
        let json: serde_json::Value = serde_json::from_str(&json::render(&view)).unwrap();
        assert_eq!(json[0]["change_percent"], 112.5);
        assert_eq!(json[1]["change_percent"], serde_json::Value::Null);
        assert_eq!(json[3]["mark"], "vanished");
    }
}
