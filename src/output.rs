//! Rendering for people and programs: report table, CSV and JSON, and number formatting.

use anyhow::Context as _;
use comfy_table::{presets, Cell, CellAlignment, Table};
use std::io::Write as _;

use crate::backend::{DailyRow, DeadLetter};
use crate::pipeline::report::Report;

/// How a command prints its summary (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// Human-readable summary on stderr.
    Text,
    /// JSON summary on stdout.
    Json,
}

/// Writes data to stdout, ending it with a newline. A reader that stops early (`| head`) is
/// not an error: the rest is simply not wanted.
pub fn print_data(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| match text.ends_with('\n') {
            true => Ok(()),
            false => stdout.write_all(b"\n"),
        })
        .and_then(|()| stdout.flush());
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// Writes a line for people to stderr. A closed stderr (`2>&1 | head -1`, a logger that went
/// away) must never stop the work or panic, as `eprintln!` would: the line is dropped.
pub fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// 1234567 -> "1,234,567": summaries are read by people.
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 message", "2,000 messages": a count with its noun, plural when it is not one.
pub fn counted(count: u64, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{} {noun}s", thousands(count)),
    }
}

/// How fast work went, as people read it: "0.42 s" for quick work (a rate of a few events
/// over a moment says nothing), "123,456/s over 8.1 s" otherwise.
pub fn pace(count: u64, seconds: f64) -> String {
    if seconds < 1.0 || count == 0 {
        return format!("{seconds:.2} s");
    }
    format!(
        "{}/s over {seconds:.1} s",
        thousands((count as f64 / seconds) as u64)
    )
}

/// The report as an aligned table: one row per day and page, a subtotal per day when the
/// report spans several days, and a grand total. Visitors of a day are distinct people that
/// day (site-wide in totals, not a sum over pages); over several days their sum is
/// visitor-days, and labelled so.
pub fn report_table(report: &Report) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec!["Day", "Page", "Views", "Visitors"]);
    let several_days = report.range.len() > 1;
    let mut rows = report.rows.iter().peekable();
    while let Some(row) = rows.next() {
        table.add_row(numbers_row(
            row.day,
            &row.page,
            row.views,
            Some(row.visitors),
        ));
        let day_ends = rows.peek().is_none_or(|next| next.day != row.day);
        if several_days && day_ends {
            let day_total: u64 = report
                .rows
                .iter()
                .filter(|other| other.day == row.day)
                .map(|other| other.views)
                .sum();
            let visitors = report
                .all_pages_views
                .is_none()
                .then(|| report.visitors_on(row.day));
            table.add_row(numbers_row(row.day, "(day total)", day_total, visitors));
        }
    }
    let (label, visitors_label) = match (report.all_pages_views, several_days) {
        (Some(_), _) => ("Total shown", String::new()),
        (None, true) => ("Total", ", visitors summed per day".to_owned()),
        (None, false) => ("Total", String::new()),
    };
    let rows_label = format!(
        "{}{visitors_label}",
        counted(report.rows.len() as u64, "row")
    );
    let visitors = report
        .all_pages_views
        .is_none()
        .then(|| report.visitor_days());
    table.add_row(numbers_row(label, &rows_label, report.total(), visitors));
    if let Some(all) = report.all_pages_views {
        let visitors = Some(report.visitor_days());
        table.add_row(numbers_row(
            "All pages",
            "(not only the top ones)",
            all,
            visitors,
        ));
    }
    if report.keyless_views > 0 {
        table.add_row(numbers_row(
            "",
            "(views without a visitor key: counted as views only)",
            report.keyless_views,
            None,
        ));
    }
    table.to_string()
}

/// A table row: a label, a page (or what the row sums), views and, where they add up,
/// visitors.
fn numbers_row(first: impl ToString, page: &str, views: u64, visitors: Option<u64>) -> Vec<Cell> {
    let visitors = visitors.map_or("-".to_owned(), thousands);
    vec![
        Cell::new(first.to_string()),
        Cell::new(page),
        Cell::new(thousands(views)).set_alignment(CellAlignment::Right),
        Cell::new(visitors).set_alignment(CellAlignment::Right),
    ]
}

/// CSV with the header `day,page,views,visitors`.
pub fn report_csv(rows: &[DailyRow]) -> String {
    let mut out = String::from("day,page,views,visitors\n");
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            row.day,
            csv_field(&row.page),
            row.views,
            row.visitors
        ));
    }
    out
}

/// Quotes a CSV field when it holds a comma or a quote (pages cannot hold line breaks).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A JSON array of `{day, page, views, visitors, hours}`.
pub fn report_json(rows: &[DailyRow]) -> String {
    serde_json::to_string_pretty(rows).expect("rows serialise")
}

/// Characters of a reason and of a body preview in the dead-letter table.
const REASON_CHARS: usize = 60;
const PREVIEW_CHARS: usize = 50;

/// Dead letters as a table: when, receives, reason and the start of the body, one line each.
pub fn dead_letter_table(letters: &[DeadLetter]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec!["Dead-lettered (UTC)", "Receives", "Reason", "Body"]);
    for letter in letters {
        let when = letter.dead_lettered_at.map_or("-".into(), |time| {
            time.format("%Y-%m-%d %H:%M:%S").to_string()
        });
        table.add_row(vec![
            Cell::new(when),
            Cell::new(letter.receive_count).set_alignment(CellAlignment::Right),
            Cell::new(one_line(&letter.reason, REASON_CHARS)),
            Cell::new(one_line(
                &String::from_utf8_lossy(&letter.body),
                PREVIEW_CHARS,
            )),
        ]);
    }
    table.to_string()
}

/// The start of `text` on one line: control characters escaped (a body may hold line breaks
/// or worse), cut after `max_chars`.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect();
    crate::event::shorten(&escaped, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::{Day, DayRange};
    use crate::fixtures::row;

    #[test]
    fn dead_letter_previews_stay_on_one_line() {
        assert_eq!(one_line("a\nb\u{7}", 10), "a\\nb\\u{7}");
        assert_eq!(one_line("abcdef", 3), "abc...");
        let letter = DeadLetter {
            message_id: "m".into(),
            reason: "not-json: expected value".into(),
            receive_count: 1,
            body: b"this is\nnot json".to_vec(),
            dead_lettered_at: chrono::DateTime::from_timestamp(1_615_638_896, 0),
        };
        let table = dead_letter_table(&[letter]);
        assert!(table.contains("2021-03-13 12:34:56"), "{table}");
        assert!(table.contains("this is\\nnot json"), "{table}");
        assert_eq!(table.lines().count(), 5, "{table}");
    }

    #[test]
    fn counts_and_paces_read_right() {
        assert_eq!(counted(1, "message"), "1 message");
        assert_eq!(counted(0, "row"), "0 rows");
        assert_eq!(counted(2_500, "event"), "2,500 events");
        assert_eq!(pace(1, 0.004), "0.00 s");
        assert_eq!(pace(5_000, 0.5), "0.50 s");
        assert_eq!(pace(240_000, 2.0), "120,000/s over 2.0 s");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        let rows = [row("2021-03-13", "/a,b", 2), row("2021-03-13", "/q\"x", 1)];
        assert_eq!(
            report_csv(&rows),
            "day,page,views,visitors\n2021-03-13,\"/a,b\",2,0\n2021-03-13,\"/q\"\"x\",1,0\n"
        );
    }

    #[test]
    fn json_has_day_page_views_and_visitors() {
        let json: serde_json::Value =
            serde_json::from_str(&report_json(&[row("2021-03-13", "/", 7)])).unwrap();
        assert_eq!(json[0]["day"], "2021-03-13");
        assert_eq!(json[0]["page"], "/");
        assert_eq!(json[0]["views"], 7);
        assert_eq!(json[0]["visitors"], 0);
        assert_eq!(json[0]["hours"].as_array().unwrap().len(), 24);
    }

    #[test]
    fn table_has_day_totals_and_grand_total() {
        let day = |d| Day::parse(d).unwrap();
        let report = Report {
            range: DayRange::new(day("2021-03-13"), day("2021-03-14")).unwrap(),
            rows: vec![
                row("2021-03-13", "/a", 1_500),
                row("2021-03-13", "/b", 2),
                row("2021-03-14", "/a", 3),
            ],
            unaggregated_days: vec![],
            stale_days: vec![],
            all_pages_views: None,
            visitors_by_day: vec![(day("2021-03-13"), 40), (day("2021-03-14"), 2)],
            keyless_views: 0,
        };
        let table = report_table(&report);
        assert!(table.contains("1,502"), "{table}");
        assert!(table.contains("1,505"), "{table}");
        assert_eq!(table.matches("(day total)").count(), 2);
        assert!(table.contains("visitors summed per day"), "{table}");
        assert!(table.contains(" 42 |"), "{table}");
    }
}
