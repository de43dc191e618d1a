//! The report as a chart for the terminal (pure code): views and visitors per period as
//! horizontal bars of Unicode block characters (or ASCII) over a labelled axis, sized to a
//! width, then the top pages with a sparkline each. Colours only when asked for.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::compare::change_text;
use super::scale::Scale;
use super::table::range_text;
use super::view::{Breakdown, PeriodTotal, View};
use super::Meta;
use crate::model::text::thousands;

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
    let mut out = style.paint(Ink::Bold, &title(view, meta));
    out.push('\n');
    out.push_str(&bars(view, style));
    out.push_str(&totals(view));
    for breakdown in view.breakdowns.iter().filter(|b| !b.entries.is_empty()) {
        out.push('\n');
        out.push_str(&entries(view, breakdown, style));
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
        range_text(&view.totals),
        meta.zone
    )
}

/// One bar per series and period, the number after it, and the axis below.
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
    let fixed = label_width + name_width + value_width + 3;
    let room = style.width.saturating_sub(fixed).max(10);
    let scale = Scale::new(max.unwrap_or(0), (room / 8).clamp(1, 10) as u64);
    let mut out = String::new();
    for total in &view.periods {
        let label = total.period.full_label();
        for (index, value) in values(total).into_iter().take(names.len()).enumerate() {
            let shown_label = if index == 0 { label.as_str() } else { "" };
            let value = value.unwrap_or(0);
            let ink = [Ink::Views, Ink::Visitors][index];
            let bar = bar(scale.fraction(value), room, index, style.ascii);
            let number = thousands(value);
            out.push_str(&format!(
                "{} {} {}{} {}\n",
                padded(shown_label, label_width),
                padded(names[index], name_width),
                style.paint(ink, &bar),
                " ".repeat(room - bar.chars().count()),
                right(&number, value_width),
            ));
        }
    }
    let indent = " ".repeat(label_width + name_width + 2);
    let (line, labels) = axis(scale, room, style.ascii);
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
    let mut text = format!("Total: {} views", thousands(totals.views));
    let visitors = thousands(totals.visitors);
    match totals.visitors_are_days() {
        true => text.push_str(&format!(
            ", {visitors} visitor-days (visitors summed per day)"
        )),
        false => text.push_str(&format!(", {visitors} visitors")),
    }
    text.push_str(&format!(", {} pages\n", thousands(totals.pages as u64)));
    if let Some(previous) = &view.previous {
        text.push_str(&format!(
            "Compared with {}: {} views ({}), {} {} ({})\n",
            range_text(previous),
            thousands(previous.views),
            change_text(totals.views, previous.views),
            thousands(previous.visitors),
            if previous.visitors_are_days() {
                "visitor-days"
            } else {
                "visitors"
            },
            change_text(totals.visitors, previous.visitors),
        ));
    }
    if totals.keyless_views > 0 {
        text.push_str(&format!(
            "{} views came without a visitor key (counted as views only)\n",
            thousands(totals.keyless_views)
        ));
    }
    text
}

/// A breakdown's entries: key, views, visitors, with `--compare` the previous views and the
/// change, and a sparkline of views per period in what width is left.
fn entries(view: &View, breakdown: &Breakdown, style: Style) -> String {
    let compared = view.previous.is_some();
    let visitors = super::table::entry_visitors_header(view);
    let mut header = vec![breakdown.dimension.measure, visitors];
    if compared {
        header.extend(["Previous", "Change"]);
    }
    let cells: Vec<Vec<String>> = breakdown
        .entries
        .iter()
        .map(|entry| {
            let mut cells = vec![thousands(entry.views), thousands(entry.visitors)];
            if let Some(before) = entry.previous {
                cells.push(thousands(before.views));
                cells.push(change_text(entry.views, before.views));
            }
            cells
        })
        .collect();
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
    let key_width = column_width(breakdown.entries.iter().map(|e| e.key.clone()))
        .clamp(breakdown.dimension.column.len(), PAGE_COLUMNS);
    let used = key_width + widths.iter().map(|w| w + 2).sum::<usize>() + 2;
    let trend_width = style.width.saturating_sub(used).min(view.periods.len());
    let mut out = style.paint(Ink::Bold, &breakdown.heading(view.top_only));
    out.push('\n');
    let mut line = padded(breakdown.dimension.column, key_width);
    for (name, width) in header.iter().zip(&widths) {
        line.push_str(&format!("  {}", right(name, *width)));
    }
    if trend_width > 0 {
        line.push_str(&format!("  per {}", view.unit));
    }
    out.push_str(&format!("{}\n", line.trim_end()));
    for (entry, cells) in breakdown.entries.iter().zip(&cells) {
        let mut line = padded(&shortened(&entry.key, key_width, style.ascii), key_width);
        for (cell, width) in cells.iter().zip(&widths) {
            line.push_str(&format!("  {}", right(cell, *width)));
        }
        if trend_width > 0 {
            let spark = sparkline(&entry.trend, trend_width, style.ascii);
            line.push_str(&format!("  {}", style.paint(Ink::Views, &spark)));
        }
        out.push_str(&format!("{}\n", line.trim_end()));
    }
    if breakdown.vanished_unlisted > 0 {
        out.push_str(&format!(
            "{} more vanished (viewed before, not now): not listed with --top\n",
            thousands(breakdown.vanished_unlisted as u64)
        ));
    }
    out
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
