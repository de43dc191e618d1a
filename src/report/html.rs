//! The report as one self-contained HTML page (pure code): inline CSS and SVG, no script, no
//! request to anywhere (its Content-Security-Policy forbids them), so it can be written into
//! a web server's folder by cron and read in any browser, with or without JavaScript.
//! Sections: the totals, a chart and table of views and visitors per period, then one
//! section per breakdown that has entries (pages today; referrers, campaigns and the like
//! join the list in `View::breakdowns`), and notes on days not counted yet.
//! The dashboard (`serve`) composes the same pieces (`summary`, `periods`, `entries`,
//! `notes`) into its own pages, with links from entries to what is behind them (`Links`).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::compare::change_text;
use super::engagement::{
    duration_text, page_cells, per_visit_text, percent_text, BOUNCE, ENGAGED, SCROLL,
};
use super::table::{capitalised, entry_visitors_header, range_text, visitors_header};
use super::view::{Breakdown, Entry, View, PAGES};
use super::{svg, Meta};
use crate::model::day::Day;
use crate::model::text::thousands;

/// The page's style sheet: inline here, served as a file of its own by the dashboard.
pub const STYLE: &str = include_str!("report.css");
/// Tables of up to this many periods are open; longer ones fold away under the chart.
const OPEN_PERIODS: usize = 7;
/// Nothing may load: no script, font, image or connection; only the inline style, and the
/// empty favicon that keeps browsers from asking the server for one.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The whole page.
pub fn render(view: &View, meta: &Meta) -> String {
    let period = range_text(view.totals.range);
    let main = html! {
        (summary(view))
        (periods(view))
        (breakdowns(view, meta, &NoLinks))
        (notes(view))
    };
    page(
        &format!("Page views of {}", meta.deployment),
        &period,
        main,
        meta,
        "Visitors are distinct per day; summed over several days they are visitor-days, not people.",
    )
}

/// A page of its own: the head (the policy that forbids every request, the inline style), a
/// header with `heading` and the period, `main`, and a footer that says what made it, then
/// `note`.
pub fn page(heading: &str, period: &str, main: Markup, meta: &Meta, note: &str) -> String {
    let head = html! {
        meta http-equiv="Content-Security-Policy" content=(POLICY);
        meta name="robots" content="noindex";
        meta name="generator" content=(format!("pageviews {}", meta.version));
        link rel="icon" href="data:,";
        title { (heading) ", " (period) }
        style { (PreEscaped(STYLE)) }
    };
    let body = html! {
        header {
            h1 { (heading) }
            p class="period" {
                (period) " · " (meta.zone) " · " (meta.backend) " backend"
            }
        }
        main { (main) }
        footer {
            p { "Made by pageviews " (meta.version) " at " (meta.generated) ". " (note) }
        }
    };
    document(head, body)
}

/// An HTML document in English, its head opening with the character set and the viewport
/// phones need, then `head`; its body `body`. Every page pageviews writes or serves.
pub fn document(head: Markup, body: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                (head)
            }
            body { (body) }
        }
    };
    page.into_string()
}

/// Where the entries of a breakdown lead, and where its full list is: the dashboard's links.
/// The static page has none.
pub trait Links {
    /// The page behind an entry (a page's own view), if any.
    fn entry(&self, _breakdown: &Breakdown, _entry: &Entry) -> Option<String> {
        None
    }

    /// The breakdown's full list, if the section shows only part of it.
    fn full_list(&self, _breakdown: &Breakdown) -> Option<String> {
        None
    }
}

/// No links: the self-contained page.
pub struct NoLinks;

impl Links for NoLinks {}

/// One section per breakdown that has entries, in the view's order.
pub fn breakdowns(view: &View, meta: &Meta, links: &dyn Links) -> Markup {
    html! {
        @for breakdown in view.breakdowns.iter().filter(|b| !b.entries.is_empty()) {
            (entries(view, breakdown, meta, links))
        }
    }
}

/// The range's totals (against the compared range's, when there is one).
pub fn summary(view: &View) -> Markup {
    let totals = &view.totals;
    let visitors = match totals.visitors_are_days() {
        true => "Visitor-days",
        false => "Visitors",
    };
    let previous = view.previous.as_ref();
    html! {
        section id="summary" {
            dl {
                (figure("views", "Views", totals.views, previous.map(|p| p.views)))
                (figure("visitors", visitors, totals.visitors, previous.map(|p| p.visitors)))
                (figure("pages", "Pages", totals.pages as u64, previous.map(|p| p.pages as u64)))
                @if totals.keyless_views > 0 {
                    (figure("keyless", "Views without a visitor key", totals.keyless_views, None))
                }
                @if let Some(site) = totals.engagement {
                    (figure("visits", "Visits", site.visits(), None))
                    (measure("bounce-rate", "Bounce rate", percent_text(site.bounce_rate())))
                    (measure("views-per-visit", "Views per visit", per_visit_text(site.views_per_visit())))
                    (measure("engaged", "Engaged time per view", duration_text(site.average_engaged_ms())))
                }
            }
            @if let Some(previous) = previous {
                p class="compared" { "Compared with " (range_text(previous.range)) "." }
            }
        }
    }
}

/// A figure that is a rate or a mean, as text.
fn measure(id: &str, name: &str, text: String) -> Markup {
    html! { div id=(id) { dt { (name) } dd { (text) } } }
}

fn figure(id: &str, name: &str, value: u64, before: Option<u64>) -> Markup {
    html! {
        div id=(id) {
            dt { (name) }
            dd data-value=(value) {
                (thousands(value))
                @if let Some(before) = before {
                    " " span class="change" title=(format!("previously {}", thousands(before))) {
                        (change_text(value, before))
                    }
                }
            }
        }
    }
}

/// The chart, then the same numbers as a table (readable without the chart, and by screen
/// readers).
pub fn periods(view: &View) -> Markup {
    let unit = view.unit.noun();
    let with_visitors = view.periods.iter().any(|total| total.visitors.is_some());
    let visitors = visitors_header(view);
    let heading = match with_visitors {
        true => format!("Views and {} per {unit}", visitors.to_lowercase()),
        false => format!("Views per {unit}"),
    };
    html! {
        section id="periods" {
            h2 { (heading) }
            figure {
                (svg::bars(&view.periods, "chart-caption", svg::WIDE))
                (svg::bars(&view.periods, "chart-caption", svg::NARROW))
                figcaption id="chart-caption" {
                    span class="key views" {} " Views"
                    @if with_visitors { " " span class="key visitors" {} " " (visitors) }
                }
            }
            details open[view.periods.len() <= OPEN_PERIODS] {
                summary { "The numbers per " (unit) }
                div class="scroll" { (period_table(view, with_visitors)) }
            }
        }
    }
}

fn period_table(view: &View, with_visitors: bool) -> Markup {
    let visitors = visitors_header(view);
    html! {
            table id="period-table" {
                thead { tr { th { (capitalised(view.unit.noun())) } th { "Views" } @if with_visitors { th { (visitors) } } } }
                tbody {
                    @for total in &view.periods {
                        tr {
                            th scope="row" { (total.period.full_label()) }
                            td { (thousands(total.views)) }
                            @if with_visitors { td { (total.visitors.map_or("-".into(), thousands)) } }
                        }
                    }
                }
            }
    }
}

/// One breakdown: each entry's views, visitors, share of all views, trend and, with
/// `--compare`, the previous numbers; entries and the full list linked where `links` says.
pub fn entries(view: &View, breakdown: &Breakdown, meta: &Meta, links: &dyn Links) -> Markup {
    let dimension = breakdown.dimension;
    let compared = view.previous.is_some();
    let heading = breakdown.heading(view.top_only);
    let engaged = dimension == PAGES
        && breakdown
            .entries
            .iter()
            .any(|entry| entry.engagement.is_some());
    let full_list = links.full_list(breakdown);
    html! {
        section id=(dimension.id) class="breakdown" {
            h2 { (heading) }
            // A table wider than a phone's screen scrolls in its own box, the page stays put.
            div class="scroll" { table {
                thead {
                    tr {
                        th { (dimension.column) } th { (dimension.measure) } th { (entry_visitors_header(view)) }
                        th { "Share" }
                        @if compared { th { "Previous" } th { "Change" } }
                        @if engaged { th { (BOUNCE) } th { (ENGAGED) } th { (SCROLL) } }
                        th class="trend" { "Per " (view.unit.noun()) }
                    }
                }
                tbody {
                    @for entry in &breakdown.entries {
                        (entry_row(entry, breakdown.share_of, compared, engaged, links.entry(breakdown, entry)))
                    }
                }
            } }
            @if let Some(href) = full_list {
                p class="more" { a href=(href) { "All " (breakdown.dimension.title.to_lowercase()) } }
            }
            @if let (Some(credit), "countries" | "regions") = (meta.geo_credit, dimension.id) {
                p class="credit" { (credit) }
            }
            @if breakdown.vanished_unlisted > 0 {
                p { (thousands(breakdown.vanished_unlisted as u64)) " more vanished (viewed before, not now)." }
            }
        }
    }
}

/// An entry's row; its share is of `share_of` (`Breakdown::share_of`); its key links to `link`.
fn entry_row(
    entry: &Entry,
    share_of: u64,
    compared: bool,
    engaged: bool,
    link: Option<String>,
) -> Markup {
    let share = match share_of {
        0 => 0.0,
        all => entry.views as f64 * 100.0 / all as f64,
    };
    let before = entry.previous.unwrap_or_default();
    html! {
        tr {
            th scope="row" {
                @match link {
                    Some(href) => a href=(href) { (entry.key) },
                    None => (entry.key),
                }
            }
            td { (thousands(entry.views)) }
            td { (thousands(entry.visitors)) }
            td { (format!("{share:.1}%")) }
            @if compared {
                td { (thousands(before.views)) }
                td class=[entry.mark().map(|mark| mark.word())] { (change_text(entry.views, before.views)) }
            }
            @if engaged {
                @for cell in page_cells(entry.engagement.as_ref()) { td class="engagement" { (cell) } }
            }
            td class="trend" { (svg::sparkline(&entry.trend)) }
        }
    }
}

/// The days not counted yet, if any: the range's, then those of the compared range (which
/// only the comparison's numbers depend on), each list saying which it is.
pub fn notes(view: &View) -> Markup {
    let compared = [
        (
            "Compared range, not aggregated yet",
            &view.compared_unaggregated_days,
        ),
        (
            "Compared range, late events arrived after aggregation",
            &view.compared_stale_days,
        ),
    ];
    notes_of(view, &compared)
}

/// The days of the range not counted yet, if any; none of another range (the dashboard's
/// note, whose comparison is a hint beside the numbers it shows).
pub fn range_notes(view: &View) -> Markup {
    notes_of(view, &[])
}

fn notes_of(view: &View, compared: &[(&str, &Vec<Day>)]) -> Markup {
    let own = [
        ("Not aggregated yet", &view.unaggregated_days),
        ("Late events arrived after aggregation", &view.stale_days),
    ];
    let lists: Vec<&(&str, &Vec<Day>)> = own
        .iter()
        .chain(compared)
        .filter(|(_, days)| !days.is_empty())
        .collect();
    html! {
        @if !lists.is_empty() {
            section id="notes" {
                h2 { "Not counted yet" }
                ul {
                    @for (what, days) in lists {
                        li { (what) ": " (days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::day::DayRange;
    use crate::model::fixtures::{day, row};
    use crate::model::zone::Zone;
    use crate::report::fixtures::{compared_view, meta, site_view};
    use crate::report::period::{Grain, Unit};
    use crate::report::view::build;
    use scraper::{Html, Selector};

    /// The page parsed by an HTML5 parser, which must have found no error in it.
    fn parsed(view: &View) -> Html {
        let page = render(view, &meta());
        let document = Html::parse_document(&page);
        assert!(document.errors.is_empty(), "{:?}\n{page}", document.errors);
        document
    }

    fn texts(document: &Html, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).unwrap();
        let found = document.select(&selector);
        found
            .map(|element| element.text().collect::<String>().trim().to_owned())
            .collect()
    }

    fn attributes(document: &Html, selector: &str, name: &str) -> Vec<String> {
        let selector = Selector::parse(selector).unwrap();
        let found = document.select(&selector);
        found
            .filter_map(|element| element.attr(name).map(str::to_owned))
            .collect()
    }

    #[test]
    fn the_page_is_valid_html_with_the_numbers_in_chart_and_tables() {
        let view = site_view(Unit::Days(Grain::Day), None);
        let page = parsed(&view);
        assert_eq!(
            texts(&page, "head > title"),
            ["Page views of site, 2021-03-27 to 2021-03-29"]
        );
        assert_eq!(texts(&page, "h1"), ["Page views of site"]);
        assert_eq!(texts(&page, "#summary dd"), ["27", "13", "3"]);
        assert_eq!(texts(&page, "#summary dt")[1], "Visitor-days");
        assert_eq!(
            attributes(&page, "svg#chart g.period", "data-views"),
            ["15", "9", "3"]
        );
        assert_eq!(
            attributes(&page, "svg#chart g.period", "data-visitors"),
            ["6", "6", "1"]
        );
        assert_eq!(
            texts(&page, "svg#chart g.period title")[0],
            "2021-03-27: 15 views, 6 visitors"
        );
        assert_eq!(
            texts(&page, "svg#chart g.period title")[2],
            "2021-03-29: 3 views, 1 visitor"
        );
        assert_eq!(
            texts(&page, "#period-table tbody td"),
            ["15", "6", "9", "6", "3", "1"]
        );
        assert_eq!(texts(&page, "#pages tbody th"), ["/", "/a", "/b"]);
        assert_eq!(
            texts(&page, "#pages tbody tr:first-child td")[..3],
            ["17", "9", "63.0%"]
        );
        assert_eq!(texts(&page, "section h2")[1], "Pages");
        assert!(texts(&page, "#notes").is_empty());
    }

    #[test]
    fn nothing_is_loaded_from_anywhere_and_nothing_runs() {
        let view = site_view(Unit::Days(Grain::Week), None);
        let page = parsed(&view);
        assert!(texts(&page, "script").is_empty());
        for name in ["src", "href", "action", "srcset"] {
            let selector = format!("[{name}]");
            for value in attributes(&page, &selector, name) {
                assert!(value.starts_with("data:"), "{name}={value}");
            }
        }
        let html = render(&view, &meta());
        let namespace = "http://www.w3.org/2000/svg";
        let addresses = html.matches("http://").count() + html.matches("https://").count();
        assert_eq!(addresses, html.matches(namespace).count());
        assert!(html.contains("default-src 'none'"));
        assert_eq!(
            texts(&page, "#period-table thead th"),
            ["Week", "Views", "Visitor-days"]
        );
    }

    #[test]
    fn pages_are_text_whatever_they_hold() {
        let range = DayRange::single(day("2021-03-13"));
        let rows = vec![row("2021-03-13", "/<b>bold</b>&amp;", 2)];
        let report = crate::pipeline::report::build(range, rows, &[], None, false);
        let view = build(&report, None, Unit::Days(Grain::Day), Zone::UTC);
        let page = parsed(&view);
        assert_eq!(texts(&page, "#pages tbody th"), ["/<b>bold</b>&amp;"]);
        assert!(texts(&page, "b").is_empty());
        // A day never aggregated is named.
        assert_eq!(
            texts(&page, "#notes li"),
            ["Not aggregated yet: 2021-03-13"]
        );
    }

    #[test]
    fn breakdowns_without_entries_are_left_out() {
        let range = DayRange::single(day("2021-03-13"));
        let report = crate::pipeline::report::build(range, vec![], &[], None, false);
        let view = build(&report, None, Unit::Hours, Zone::UTC);
        let page = parsed(&view);
        assert!(texts(&page, "section.breakdown").is_empty());
        assert_eq!(
            attributes(&page, "svg#chart g.period", "data-views").len(),
            24
        );
        assert!(attributes(&page, "svg#chart g.period", "data-visitors").is_empty());
        assert_eq!(texts(&page, "#periods h2"), ["Views per hour"]);
    }

    #[test]
    fn downloads_and_events_count_themselves_and_share_their_own_total() {
        use crate::model::daily::BreakdownRow;
        use crate::model::dimension::Dimension;
        use crate::report::fixtures::site_report;
        let mut report = site_report(None);
        let row = |dimension, key: &str, views| BreakdownRow {
            day: day("2021-03-27"),
            dimension,
            key: key.into(),
            views,
            visitors: 1,
        };
        report.breakdowns = vec![
            row(Dimension::Download, "/files/a.pdf", 3),
            row(Dimension::Download, "/files/b.zip", 1),
            row(Dimension::Event, "signup", 2),
            row(Dimension::Event, "purchase", 2),
            row(Dimension::Referrer, "example.com", 9),
        ];
        let berlin = crate::model::fixtures::berlin();
        let view = build(&report, None, Unit::Days(Grain::Day), berlin);
        let page = parsed(&view);
        assert_eq!(
            texts(&page, "#downloads thead th")[..4],
            ["File", "Downloads", "Visitor-days", "Share"]
        );
        // 3 of the 4 downloads, not 3 of the site's 27 views.
        assert_eq!(
            texts(&page, "#downloads tbody tr:first-child td")[..3],
            ["3", "1", "75.0%"]
        );
        assert_eq!(texts(&page, "#events thead th")[1], "Events");
        assert_eq!(
            texts(&page, "#events tbody tr:first-child td")[..3],
            ["2", "1", "50.0%"]
        );
        // Referrers count views: their share is of all views.
        assert_eq!(texts(&page, "#referrers thead th")[1], "Views");
        assert_eq!(
            texts(&page, "#referrers tbody tr:first-child td")[..3],
            ["9", "1", "33.3%"]
        );
    }

    #[test]
    fn a_comparison_shows_previous_numbers_and_marks() {
        let view = compared_view(None);
        let page = parsed(&view);
        assert_eq!(texts(&page, "#summary .change"), ["+125%", "+30%", "+50%"]);
        assert_eq!(texts(&page, "#pages td.new").len(), 2);
        assert_eq!(texts(&page, "#pages td.vanished"), ["vanished"]);
        assert_eq!(
            texts(&page, ".compared"),
            ["Compared with 2021-03-24 to 2021-03-26."]
        );
        // The compared range's day never aggregated is named as the compared range's.
        assert_eq!(
            texts(&page, "#notes li"),
            ["Compared range, not aggregated yet: 2021-03-26"]
        );
        assert!(range_notes(&view).into_string().is_empty());
    }
}
