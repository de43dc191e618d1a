//! The report as a chart for the terminal (pure code): views and visitors per period as
//! horizontal bars of Unicode block characters (or ASCII) over a labelled axis, sized to a
//! width, then the top pages with a sparkline each. Colours only when asked for.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::compare::change_text;
use super::engagement::{page_cells, BOUNCE, ENGAGED, SCROLL};
use super::scale::Scale;
use super::table::{range_text, shows_engagement, site_line};
use super::view::{Breakdown, PeriodTotal, Totals, View};
use super::Meta;
use crate::model::text::{counted, thousands};

/// How to draw: the width in columns, ASCII only, and ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub width: usize,
    pub ascii: bool,
    pub color: bool,
}

/// The narrowest chart drawn; narrower terminals get this width and wrap.
pub const MIN_WIDTH: usize = 40;
/// The widest page column, in columns.
const PAGE_COLUMNS: usize = 40;
/// The narrowest a page column gets before entries are stacked (the key on a line of its
/// own, its numbers under it).
const MIN_KEY_COLUMNS: usize = 12;
/// The least room for bars before a period's label moves above them.
const MIN_ROOM: usize = 10;
/// How far bars and numbers under a label or key of their own are indented.
const STACKED_INDENT: usize = 2;

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII_SPARKS: [char; 8] = ['.', ':', '-', '=', '+', '*', '#', '@'];

/// ANSI colours of the two series, and bold and dim text.
#[derive(Debug, Clone, Copy)]
enum Ink {
    Views,
    Visitors,
    Bold,
    Dim,
}

impl Style {
    fn paint(&self, ink: Ink, text: &str) -> String {
        if !self.color || text.is_empty() {
            return text.to_owned();
        }
        let code = match ink {
            Ink::Views => "36",
            Ink::Visitors => "35",
            Ink::Bold => "1",
            Ink::Dim => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// The chart of `view`: a title, the bars per period with their axis, the totals, then each
/// breakdown that has entries (the top pages) with a trend per entry.
pub fn render(view: &View, meta: &Meta, style: Style) -> String {
    let style = Style {
        width: style.width.max(MIN_WIDTH),
        ..style
    };
    let mut out = style.paint(Ink::Bold, &wrapped(&title(view, meta), style.width));
    out.push('\n');
    out.push_str(&bars(view, style));
    out.push_str(&wrapped(&totals(view), style.width));
    for breakdown in view.breakdowns.iter().filter(|b| !b.entries.is_empty()) {
        out.push('\n');
        out.push_str(&entries(view, breakdown, style));
    }
    out
}

/// `text`'s lines wrapped at spaces to `width` columns (a word longer than that is split), the
/// final line break kept: no line of the chart is wider than the terminal.
fn wrapped(text: &str, width: usize) -> String {
    // Dates and page paths hold hyphens: lines break at spaces only.
    let options =
        textwrap::Options::new(width).word_splitter(textwrap::WordSplitter::NoHyphenation);
    let lines: Vec<String> = text
        .lines()
        .flat_map(|line| textwrap::wrap(line, &options))
        .map(|line| line.into_owned())
        .collect();
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn title(view: &View, meta: &Meta) -> String {
    let what = match view.periods.first().and_then(|total| total.visitors) {
        Some(_) if super::table::visitors_header(view) == "Visitor-days" => {
            "views and visitor-days"
        }
        Some(_) => "views and visitors",
        None => "views",
    };
    format!(
        "{}: {what} per {}, {} ({})",
        meta.deployment,
        view.unit,
        range_text(view.totals.range),
        meta.zone
    )
}

/// One bar per series and period, the number after it, and the axis below. A period's label
/// goes before its bars, or, when it would leave the bars too little room (a cut week's
/// `2021-W09 (5 of 7 days)` on a narrow terminal), on a line of its own above them.
fn bars(view: &View, style: Style) -> String {
    let with_visitors = view.periods.iter().any(|total| total.visitors.is_some());
    let visitors = match super::table::visitors_header(view) {
        "Visitor-days" => "visitor-days",
        _ => "visitors",
    };
    let names: &[&str] = match with_visitors {
        true => &["views", visitors],
        false => &["views"],
    };
    let label_width = column_width(view.periods.iter().map(|t| t.period.full_label()));
    let name_width = column_width(names.iter().map(|name| name.to_string()));
    let values = |total: &PeriodTotal| [Some(total.views), total.visitors];
    let max = view.periods.iter().flat_map(values).flatten().max();
    let value_width = column_width(
        view.periods
            .iter()
            .flat_map(values)
            .flatten()
            .map(thousands),
    );
    let beside = label_width + name_width + value_width + 3;
    let above = style.width < beside + MIN_ROOM;
    let label_column = if above {
        STACKED_INDENT
    } else {
        label_width + 1
    };
    let fixed = label_column + name_width + value_width + 2;
    let room = style.width.saturating_sub(fixed).max(MIN_ROOM);
    let scale = Scale::new(max.unwrap_or(0), (room / 8).clamp(1, 10) as u64);
    let mut out = String::new();
    for total in &view.periods {
        let label = total.period.full_label();
        if above {
            out.push_str(&format!("{label}\n"));
        }
        for (index, value) in values(total).into_iter().take(names.len()).enumerate() {
            let shown_label = if index == 0 && !above {
                label.as_str()
            } else {
                ""
            };
            let value = value.unwrap_or(0);
            let ink = [Ink::Views, Ink::Visitors][index];
            let bar = bar(scale.fraction(value), room, index, style.ascii);
            let number = thousands(value);
            out.push_str(&format!(
                "{}{} {}{} {}\n",
                padded(shown_label, label_column),
                padded(names[index], name_width),
                style.paint(ink, &bar),
                " ".repeat(room - bar.chars().count()),
                right(&number, value_width),
            ));
        }
    }
    let indent = label_column + name_width + 1;
    let (line, labels) = axis(scale, room, style.ascii);
    let labels: String = labels
        .chars()
        .take(style.width.saturating_sub(indent))
        .collect();
    let indent = " ".repeat(indent);
    out.push_str(&format!("{indent}{}\n", style.paint(Ink::Dim, &line)));
    out.push_str(&format!("{indent}{}\n", labels.trim_end()));
    out
}

/// A bar for `fraction` of `room` columns: whole blocks and an eighth, or ASCII characters
/// (`#` for views, `=` for visitors). A value above zero always shows.
fn bar(fraction: f64, room: usize, series: usize, ascii: bool) -> String {
    if ascii {
        let cells = (fraction * room as f64).round() as usize;
        let cells = if fraction > 0.0 { cells.max(1) } else { 0 };
        let glyph = ['#', '='][series];
        return glyph.to_string().repeat(cells.min(room));
    }
    let eighths = (fraction * room as f64 * 8.0).round() as usize;
    let eighths = if fraction > 0.0 { eighths.max(1) } else { 0 };
    let eighths = eighths.min(room * 8);
    let mut bar = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        bar.push(EIGHTHS[eighths % 8]);
    }
    bar
}

/// The axis under the bars (`└──┴──┴`) and its tick values, placed under their ticks.
fn axis(scale: Scale, room: usize, ascii: bool) -> (String, String) {
    let (corner, tick, rule) = if ascii {
        ('+', '+', '-')
    } else {
        ('└', '┴', '─')
    };
    let mut line: Vec<char> = vec![rule; room + 1];
    let mut labels: Vec<char> = vec![' '; room + 16];
    let mut free_from = 0;
    for value in scale.ticks() {
        let at = (scale.fraction(value) * room as f64).round() as usize;
        line[at] = if value == 0 { corner } else { tick };
        let text = thousands(value);
        let start = at.saturating_sub(text.len() / 2).max(free_from);
        if start + text.len() <= labels.len() && (start <= at || value == 0) {
            labels.splice(start..start + text.len(), text.chars());
            free_from = start + text.len() + 1;
        }
    }
    (line.into_iter().collect(), labels.into_iter().collect())
}

fn totals(view: &View) -> String {
    let totals = &view.totals;
    let visitors = |totals: &Totals| match totals.visitors_are_days() {
        true => counted(totals.visitors, "visitor-day"),
        false => counted(totals.visitors, "visitor"),
    };
    let mut text = format!(
        "Total: {}, {}",
        counted(totals.views, "view"),
        visitors(totals)
    );
    if totals.visitors_are_days() {
        text.push_str(" (visitors summed per day)");
    }
    text.push_str(&format!(", {}\n", counted(totals.pages as u64, "page")));
    if let Some(previous) = &view.previous {
        text.push_str(&format!(
            "Compared with {}: {} ({}), {} ({})\n",
            range_text(previous.range),
            counted(previous.views, "view"),
            change_text(totals.views, previous.views),
            visitors(previous),
            change_text(totals.visitors, previous.visitors),
        ));
    }
    if totals.keyless_views > 0 {
        text.push_str(&format!(
            "{} without a visitor key (counted as views only)\n",
            counted(totals.keyless_views, "view")
        ));
    }
    if let Some(site) = totals.engagement.filter(|_| shows_engagement(view)) {
        text.push_str(&site_line(&site));
        text.push('\n');
    }
    text
}

/// A breakdown's entries: key, views, visitors, with `--compare` the previous views and the
/// change, and a sparkline of views per period in what width is left. Where the numbers leave
/// the key column too narrow to read, each key goes on a line of its own, its numbers under it.
fn entries(view: &View, breakdown: &Breakdown, style: Style) -> String {
    let (header, cells) = entry_cells(view, breakdown, style.width);
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            column_width(
                cells
                    .iter()
                    .map(|row| row[column].clone())
                    .chain([header[column].to_owned()]),
            )
        })
        .collect();
    let numbers = |cells: &[String]| -> String {
        let mut line = String::new();
        for (cell, width) in cells.iter().zip(&widths) {
            line.push_str(&format!("  {}", right(cell, *width)));
        }
        line
    };
    let column = breakdown.dimension.column;
    let numbers_width: usize = widths.iter().map(|width| width + 2).sum();
    let natural = column_width(breakdown.entries.iter().map(|e| e.key.clone()))
        .max(column.width())
        .min(PAGE_COLUMNS);
    let key_width = natural.min(style.width.saturating_sub(numbers_width));
    let stacked = key_width < natural.min(MIN_KEY_COLUMNS);
    // Stacked, the numbers start the line: their first two spaces go.
    let (key_width, used) = match stacked {
        true => (style.width, numbers_width - 2),
        false => (key_width, key_width + numbers_width),
    };
    let trend_heading = format!("per {}", view.unit);
    let room = style.width.saturating_sub(used + 2);
    let trend_width = match room >= trend_heading.width() {
        true => room.min(view.periods.len()),
        false => 0,
    };
    let row = |key: &str, cells: String, trend: Option<String>| -> String {
        let key = shortened(key, key_width, style.ascii);
        let line = match stacked {
            true => format!("{key}\n{}", &cells[2..]),
            false => format!("{}{cells}", padded(&key, key_width)),
        };
        let trend = trend.map_or(String::new(), |trend| format!("  {trend}"));
        format!("{}\n", format!("{line}{trend}").trim_end())
    };
    let mut out = style.paint(
        Ink::Bold,
        &wrapped(&breakdown.heading(view.top_only), style.width),
    );
    out.push('\n');
    let header: Vec<String> = header.iter().map(|name| name.to_string()).collect();
    out.push_str(&row(
        column,
        numbers(&header),
        (trend_width > 0).then_some(trend_heading),
    ));
    for (entry, cells) in breakdown.entries.iter().zip(&cells) {
        let spark = (trend_width > 0).then(|| {
            let spark = sparkline(&entry.trend, trend_width, style.ascii);
            style.paint(Ink::Views, &spark)
        });
        out.push_str(&row(&entry.key, numbers(cells), spark));
    }
    if breakdown.vanished_unlisted > 0 {
        let line = format!(
            "{} more vanished (viewed before, not now): not listed with --top\n",
            thousands(breakdown.vanished_unlisted as u64)
        );
        out.push_str(&wrapped(&line, style.width));
    }
    out
}

/// Columns the engagement cells take at most (`Bounce`, `Engaged`, `Scroll 25/50/75/100`,
/// each with its two spaces), and what a count's column takes at most in a narrow terminal.
const ENGAGEMENT_WIDTH: usize = 8 + 9 + 21;
const NUMBER_WIDTH: usize = 10;

/// The headers of an entry's numbers, and each entry's numbers: views, visitors, with
/// `--compare` the previous views and the change, and where pages' engagement is known their
/// bounce rate, mean engaged time and scroll shares as the table shows them (per day, week or
/// month, and when they fit in `width` columns beside the counts: a narrow terminal keeps the
/// counts, and `report` without `--chart` gives the rest).
fn entry_cells(
    view: &View,
    breakdown: &Breakdown,
    width: usize,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let visitors = super::table::entry_visitors_header(view);
    let mut header = vec![breakdown.dimension.measure, visitors];
    if view.previous.is_some() {
        header.extend(["Previous", "Change"]);
    }
    let engaged = shows_engagement(view)
        && breakdown.entries.iter().any(|e| e.engagement.is_some())
        && ENGAGEMENT_WIDTH + header.len() * NUMBER_WIDTH <= width;
    if engaged {
        header.extend([BOUNCE, ENGAGED, SCROLL]);
    }
    let cells = breakdown
        .entries
        .iter()
        .map(|entry| {
            let mut cells = vec![thousands(entry.views), thousands(entry.visitors)];
            if let Some(before) = entry.previous {
                cells.push(thousands(before.views));
                cells.push(change_text(entry.views, before.views));
            }
            if engaged {
                cells.extend(page_cells(entry.engagement.as_ref()));
            }
            cells
        })
        .collect();
    (header, cells)
}

/// One character per value (values summed in groups when there are more than `width`),
/// scaled to the largest: blank for none, then eight levels.
pub fn sparkline(values: &[u64], width: usize, ascii: bool) -> String {
    let group = values.len().div_ceil(width.max(1)).max(1);
    let sums: Vec<u64> = values
        .chunks(group)
        .map(|chunk| chunk.iter().sum())
        .collect();
    let max = sums.iter().copied().max().unwrap_or(0).max(1);
    let levels = if ascii { &ASCII_SPARKS } else { &SPARKS };
    sums.iter()
        .map(|&sum| match sum {
            0 => ' ',
            _ => levels[((sum * 8).div_ceil(max) as usize).clamp(1, 8) - 1],
        })
        .collect()
}

fn column_width(texts: impl Iterator<Item = String>) -> usize {
    texts.map(|text| text.width()).max().unwrap_or(0)
}

/// `text` cut to `width` columns, ending in an ellipsis when cut.
fn shortened(text: &str, width: usize, ascii: bool) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let ellipsis = if ascii { "..." } else { "…" };
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.width().unwrap_or(0) + ellipsis.width() > width {
            break;
        }
        out.push(c);
    }
    out + ellipsis
}

fn padded(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

fn right(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(text.width())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{compared_view, meta, site_view};
    use crate::report::period::{Grain, Unit};

    fn chart(unit: Unit, width: usize, ascii: bool, color: bool) -> String {
        let view = site_view(unit, None);
        render(
            &view,
            &meta(),
            Style {
                width,
                ascii,
                color,
            },
        )
    }

    #[test]
    fn bars_carry_each_periods_numbers_within_the_width() {
        for width in [40, 72, 120] {
            let chart = chart(Unit::Days(Grain::Day), width, false, false);
            // Sentences wrap as the terminal wraps them; what is drawn fits.
            for line in chart.lines().skip(1).filter(|l| !l.starts_with("Total")) {
                assert!(line.width() <= width, "{width}: {line:?}\n{chart}");
            }
            let day = chart
                .lines()
                .find(|l| l.starts_with("2021-03-27 views"))
                .unwrap();
            assert!(day.ends_with(" 15"), "{chart}");
            assert!(day.contains('█'), "{chart}");
        }
        let chart = chart(Unit::Days(Grain::Day), 80, false, false);
        assert!(chart.starts_with(
            "site: views and visitors per day, 2021-03-27 to 2021-03-29 (Europe/Berlin)\n"
        ));
        let visitors: Vec<&str> = chart
            .lines()
            .filter(|l| l.starts_with("   ") && l.contains(" visitors "))
            .collect();
        assert!(
            visitors[0].ends_with(" 6") && visitors[2].ends_with(" 1"),
            "{chart}"
        );
        assert!(chart.contains("└"), "{chart}");
        assert!(
            chart.contains("Total: 27 views, 13 visitor-days (visitors summed per day), 3 pages")
        );
        let home = chart.lines().find(|l| l.starts_with("/  ")).unwrap();
        assert!(home.contains("  17  ") && home.contains("  9  "), "{chart}");
        assert!(home.ends_with("  █▆"), "a trend of 10, 7, 0: {chart}");
    }

    #[test]
    fn every_line_fits_40_and_80_columns_labels_and_keys_moving_above_when_needed() {
        let views = [
            site_view(Unit::Days(Grain::Day), None),
            site_view(Unit::Days(Grain::Week), None),
            site_view(Unit::Hours, None),
            compared_view(None),
        ];
        for view in &views {
            for (width, ascii) in [(40, false), (40, true), (80, false)] {
                let style = Style {
                    width,
                    ascii,
                    color: false,
                };
                let chart = render(view, &meta(), style);
                for line in chart.lines() {
                    assert!(line.width() <= width, "{width}: {line:?}\n{chart}");
                }
            }
        }
        let style = |width| Style {
            width,
            ascii: false,
            color: false,
        };
        let weeks = render(&views[1], &meta(), style(40));
        let lines: Vec<&str> = weeks.lines().collect();
        let at = lines.iter().position(|l| *l == "2021-W12 (2 of 7 days)");
        let at = at.unwrap_or_else(|| panic!("the label alone: {weeks}"));
        assert!(lines[at + 1].starts_with("  views        █"), "{weeks}");
        assert!(lines[at + 1].ends_with(" 24"), "{weeks}");
        assert!(lines[at + 2].ends_with(" 12"), "{weeks}");
        // At 80 columns the label stays before its bars.
        let wide = render(&views[1], &meta(), style(80));
        assert!(wide.contains("\n2021-W12 (2 of 7 days) views "), "{wide}");
        let compared = render(&views[3], &meta(), style(40));
        let lines: Vec<&str> = compared.lines().collect();
        let at = lines
            .iter()
            .position(|l| *l == "/old")
            .expect("the key alone");
        assert_eq!(lines[at + 1], "    0             0         4  vanished");
        assert!(
            compared.starts_with("site: views and visitors per day,\n"),
            "{compared}"
        );
    }

    #[test]
    fn downloads_are_headed_downloads() {
        use crate::model::daily::BreakdownRow;
        use crate::model::dimension::Dimension;
        let mut report = crate::report::fixtures::site_report(None);
        report.breakdowns = vec![BreakdownRow {
            day: crate::model::fixtures::day("2021-03-27"),
            dimension: Dimension::Download,
            key: "/files/a.pdf".into(),
            views: 3,
            visitors: 1,
        }];
        let berlin = crate::model::fixtures::berlin();
        let view = crate::report::view::build(&report, None, Unit::Days(Grain::Day), berlin);
        let style = Style {
            width: 80,
            ascii: false,
            color: false,
        };
        let chart = render(&view, &meta(), style);
        assert!(
            chart.contains("\nFile          Downloads  Visitor-days  per day\n"),
            "{chart}"
        );
    }

    #[test]
    fn ascii_and_colours_only_when_asked() {
        let plain = chart(Unit::Days(Grain::Week), 80, true, false);
        assert!(plain.is_ascii(), "{plain}");
        assert!(
            plain.contains("###") && plain.contains("=") && plain.contains("+---"),
            "{plain}"
        );
        assert!(plain.contains("visitor-days per week"), "{plain}");
        let colored = chart(Unit::Days(Grain::Day), 80, false, true);
        assert!(colored.contains("\x1b[36m█"), "{colored}");
        assert!(!chart(Unit::Days(Grain::Day), 80, false, false).contains('\x1b'));
    }

    #[test]
    fn a_comparison_adds_the_previous_views_and_the_change() {
        let view = compared_view(None);
        let chart = render(
            &view,
            &meta(),
            Style {
                width: 100,
                ascii: false,
                color: false,
            },
        );
        assert!(
            chart.contains(
                "Compared with 2021-03-24 to 2021-03-26: 12 views (+125%), 10 visitor-days (+30%)"
            ),
            "{chart}"
        );
        let old = chart.lines().find(|l| l.starts_with("/old ")).unwrap();
        assert!(old.contains("  4  vanished"), "{chart}");
    }

    #[test]
    fn sparklines_scale_to_the_largest_and_fold_long_series() {
        assert_eq!(sparkline(&[0, 1, 4, 8], 10, false), " ▁▄█");
        assert_eq!(sparkline(&[0, 1, 4, 8], 10, true), " .=@");
        assert_eq!(sparkline(&[1, 1, 2, 2, 4, 4], 3, false), "▂▄█");
        assert_eq!(sparkline(&[0, 0], 5, false), "  ");
    }

    #[test]
    fn long_keys_are_cut_with_an_ellipsis() {
        assert_eq!(shortened("/a/very/long/page", 8, false), "/a/very…");
        assert_eq!(shortened("/a/very/long/page", 8, true), "/a/ve...");
        assert_eq!(shortened("/日本語のページ", 7, false), "/日本…");
        assert_eq!(shortened("/short", 8, false), "/short");
    }
}
