//! Inline SVG for the HTML report (pure code): a bar chart of views and visitors per period
//! over a labelled axis, and a sparkline per breakdown entry. Every bar carries its numbers
//! (a `<title>` that browsers show on hover, and `data-` attributes), so the chart reads
//! without JavaScript and tests can check it.

use maud::{html, Markup};

use super::scale::Scale;
use super::view::PeriodTotal;
use crate::model::text::{counted, thousands};

/// The chart's size and how many period labels fit under it. The page holds the chart twice,
/// drawn for a wide screen and for a phone's, and its CSS shows the one that fits: an SVG
/// scales as a whole, so one drawn 960 units wide would shrink its text to 5 px on a phone.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    /// The element's id; the wide chart is `chart`.
    pub id: &'static str,
    pub width: f64,
    /// The least room left of the plot for the value axis's labels.
    pub left: f64,
    pub right: f64,
    /// At most this many period labels under the bars; the others are in the table.
    pub labels: usize,
}

/// For a screen wide enough to show 960 units at about their size.
pub(super) const WIDE: Frame = Frame {
    id: "chart",
    width: 960.0,
    left: 64.0,
    right: 40.0,
    labels: 12,
};

/// For a phone: about as wide as its screen, so text keeps its size.
pub(super) const NARROW: Frame = Frame {
    id: "chart-narrow",
    width: 360.0,
    left: 36.0,
    right: 16.0,
    labels: 4,
};

const HEIGHT: f64 = 300.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;
/// About the width of a digit of the axis's 12-unit text, for the room its labels need.
const DIGIT: f64 = 7.5;

/// The bar chart: per period a wide bar of views and, where known, a narrower one of
/// visitors inside it (visitors never exceed views).
pub(super) fn bars(periods: &[PeriodTotal], caption_id: &str, frame: Frame) -> Markup {
    let max = periods
        .iter()
        .map(|total| total.views.max(total.visitors.unwrap_or(0)))
        .max();
    let scale = Scale::new(max.unwrap_or(0), 5);
    let left = frame
        .left
        .max(thousands(scale.top).len() as f64 * DIGIT + 12.0);
    let plot_width = frame.width - left - frame.right;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / periods.len().max(1) as f64;
    let every = periods.len().div_ceil(frame.labels).max(1);
    let y = |value: u64| TOP + plot_height * (1.0 - scale.fraction(value));
    html! {
        svg id=(frame.id) class="chart" xmlns="http://www.w3.org/2000/svg" role="img"
            aria-labelledby=(caption_id) viewBox=(format!("0 0 {} {HEIGHT}", frame.width)) {
            g class="axis" {
                @for tick in scale.ticks() {
                    line x1=(px(left)) x2=(px(frame.width - frame.right)) y1=(px(y(tick))) y2=(px(y(tick))) {}
                    text x=(px(left - 6.0)) y=(px(y(tick) + 4.0)) text-anchor="end" { (thousands(tick)) }
                }
            }
            @for (index, total) in periods.iter().enumerate() {
                @let x = left + slot * index as f64;
                g class="period" data-period=(total.period.key) data-views=(total.views)
                    data-visitors=[total.visitors] {
                    title { (hover_text(total)) }
                    rect class="views" x=(px(x + slot * 0.1)) width=(px(slot * 0.8))
                        y=(px(y(total.views))) height=(px(TOP + plot_height - y(total.views))) {}
                    @if let Some(visitors) = total.visitors {
                        rect class="visitors" x=(px(x + slot * 0.3)) width=(px(slot * 0.4))
                            y=(px(y(visitors))) height=(px(TOP + plot_height - y(visitors))) {}
                    }
                    @if index % every == 0 {
                        text class="label" x=(px(x + slot / 2.0)) y=(px(HEIGHT - BOTTOM + 18.0))
                            text-anchor="middle" { (total.period.label) }
                    }
                }
            }
        }
    }
}

fn hover_text(total: &PeriodTotal) -> String {
    let label = total.period.full_label();
    let views = counted(total.views, "view");
    match total.visitors {
        Some(visitors) => format!("{label}: {views}, {}", counted(visitors, "visitor")),
        None => format!("{label}: {views}"),
    }
}

/// A small line of `values`, scaled to the largest.
pub(super) fn sparkline(values: &[u64]) -> Markup {
    const W: f64 = 120.0;
    const H: f64 = 24.0;
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = W / values.len().saturating_sub(1).max(1) as f64;
    let mut points = String::with_capacity(values.len() * 10);
    let y = |value: u64| H - 2.0 - (H - 4.0) * value as f64 / max;
    match values {
        [only] => {
            let level = px(y(*only));
            points.push_str(&format!("0,{level} {W},{level}"));
        }
        _ => {
            for (i, &value) in values.iter().enumerate() {
                if i > 0 {
                    points.push(' ');
                }
                push_px(&mut points, step * i as f64);
                points.push(',');
                push_px(&mut points, y(value));
            }
        }
    }
    html! {
        svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {W} {H}"))
            width=(W) height=(H) aria-hidden="true" {
            polyline points=(points) {}
        }
    }
}

/// A coordinate to one decimal: the file stays small.
fn px(value: f64) -> String {
    let mut text = String::new();
    push_px(&mut text, value);
    text
}

/// Writes a coordinate to one decimal, without a trailing `.0`: in whole tenths, because
/// formatting a float at its shortest was a fifth of a dashboard page's time.
fn push_px(text: &mut String, value: f64) {
    use std::fmt::Write as _;
    let tenths = (value * 10.0).round() as i64;
    if tenths < 0 {
        text.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = match tenths % 10 {
        0 => write!(text, "{}", tenths / 10),
        fraction => write!(text, "{}.{fraction}", tenths / 10),
    };
}

#[cfg(test)]
mod tests {
    use super::px;

    #[test]
    fn coordinates_are_written_to_one_decimal_as_floats_printed_them() {
        for value in [
            0.0, 0.04, 0.05, 2.0, 12.34, 12.35, 99.96, 119.99, 1280.0, -6.25, -0.5,
        ] {
            let rounded = (value * 10.0_f64).round() / 10.0;
            assert_eq!(px(value), format!("{rounded}"), "{value}");
        }
    }
}
