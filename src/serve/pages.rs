//! The dashboard's pages (pure code): the overview, a page's own view and a breakdown's full
//! list, each composed of the HTML report's pieces (`report::html`) inside one frame: the site
//! switcher, the range presets and a custom range form, the chart's periods. Links and forms
//! drive everything; no script.

use maud::{html, Markup};
use url::form_urlencoded::Serializer;

use super::query::{Params, PRESETS};
use crate::model::day::DayRange;
use crate::pipeline::experiment::Experiment;
use crate::report::experiment as report_experiment;
use crate::report::html::{self, Links};
use crate::report::period::{Grain, Unit};
use crate::report::table::range_text;
use crate::report::view::{Breakdown, Entry, View};
use crate::report::Meta;

/// Extra rules for the dashboard's frame, served after the report's style sheet.
pub const FRAME_STYLE: &str = "
nav { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; margin: 1rem 0 0; }
nav a { padding: 0.15rem 0.45rem; border-radius: 0.3rem; color: var(--ink); }
nav a[aria-current] { background: var(--band); font-weight: 600; outline: 1px solid var(--line); }
nav form { display: flex; gap: 0.4rem; align-items: center; flex-wrap: wrap; }
nav input, nav button { font: inherit; padding: 0.1rem 0.3rem; }
.more, .live { margin: 0.4rem 0 0; }
a:focus-visible { outline: 2px solid var(--visitors); }
";

/// Where a dashboard page is, and what it needs to link onwards.
pub struct Frame<'a> {
    pub meta: &'a Meta,
    /// Every site served, for the switcher.
    pub sites: &'a [String],
    pub params: &'a Params,
    /// A note under the heading: where today's numbers came from.
    pub live: Option<String>,
}

impl Frame<'_> {
    /// The site, range, period and share link of this request, which links keep.
    fn kept(&self) -> impl Iterator<Item = (&str, &str)> {
        let params = self.params;
        let kept = [
            ("site", Some(self.meta.deployment.as_str())),
            ("range", params.range.as_deref()),
            ("day", params.day.as_deref()),
            ("from", params.from.as_deref()),
            ("to", params.to.as_deref()),
            ("period", params.period.as_deref()),
            ("share", params.share.as_deref()),
        ];
        kept.into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
    }

    /// `path` with the site, range and period of this request, and `extra`.
    fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        // What `extra` names replaces the request's own; empty values are left out.
        let kept = self
            .kept()
            .filter(|(name, _)| !extra.iter().any(|(other, _)| other == name))
            .map(|(name, value)| (name, Some(value)));
        let extra = extra
            .iter()
            .map(|(name, value)| (*name, Some(*value).filter(|value| !value.is_empty())));
        query_link(path, kept.chain(extra))
    }
}

/// `path?name=value&…` of the pairs that have a value, each encoded.
fn query_link<'a>(path: &str, pairs: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> String {
    let mut query = Serializer::new(String::new());
    for (name, value) in pairs {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    format!("{path}?{}", query.finish())
}

/// The dashboard's links from a breakdown: pages to their own view, every breakdown shown in
/// part to its full list.
struct DashboardLinks<'a>(&'a Frame<'a>);

impl Links for DashboardLinks<'_> {
    fn entry(&self, breakdown: &Breakdown, entry: &Entry) -> Option<String> {
        (breakdown.dimension.id == "pages").then(|| self.0.link("/page", &[("page", &entry.key)]))
    }

    fn full_list(&self, breakdown: &Breakdown) -> Option<String> {
        let shown = breakdown.entries.len();
        (shown < breakdown.all_entries)
            .then(|| self.0.link("/list", &[("by", breakdown.dimension.id)]))
    }
}

/// The overview: totals against the period before, the chart, top pages and every breakdown.
pub fn overview(frame: &Frame, view: &View) -> String {
    let title = format!("Page views of {}", frame.meta.deployment);
    let body = html! {
        (html::summary(view))
        (html::periods(view))
        (html::breakdowns(view, frame.meta, &DashboardLinks(frame)))
        p class="more" { a href=(frame.link("/experiment", &[])) { "A/B experiments →" } }
        (html::range_notes(view))
    };
    document(frame, Shown::of(view), &title, "/", body)
}

/// One page's own view: its totals and its series.
pub fn page(frame: &Frame, view: &View, page: &str) -> String {
    let title = format!("{page} on {}", frame.meta.deployment);
    let body = html! {
        p class="more" { a href=(frame.link("/", &[])) { "← All pages" } }
        (html::summary(view))
        (html::periods(view))
        (html::range_notes(view))
    };
    document(frame, Shown::of(view), &title, "/page", body)
}

/// One breakdown's full list.
pub fn list(frame: &Frame, view: &View, breakdown: &Breakdown) -> String {
    let title = format!("{} of {}", breakdown.dimension.title, frame.meta.deployment);
    let body = html! {
        p class="more" { a href=(frame.link("/", &[])) { "← Overview" } }
        (html::entries(view, breakdown, frame.meta, &DashboardLinks(frame)))
        (html::range_notes(view))
    };
    document(frame, Shown::of(view), &title, "/list", body)
}

/// The experiment's page: a form for its goal and control (the range is the frame's), and
/// its result with the verdict, or why there is none.
pub fn experiment(
    frame: &Frame,
    range: DayRange,
    result: Option<Result<&Experiment, &str>>,
) -> String {
    let params = frame.params;
    let title = format!("Experiment on {}", frame.meta.deployment);
    let value = |field: &Option<String>| field.clone().unwrap_or_default();
    let body = html! {
        p class="more" { a href=(frame.link("/", &[])) { "← Overview" } }
        form class="experiment" method="get" action="/experiment" {
            @for (name, value) in frame.kept() { input type="hidden" name=(name) value=(value); }
            label { "Goal event " input type="text" name="goal" value=(value(&params.goal)) placeholder="signup or engaged:30s"; }
            label { " or page " input type="text" name="goal_page" value=(value(&params.goal_page)) placeholder="/thanks"; }
            label { " control " input type="text" name="control" value=(value(&params.control)) placeholder="first by name"; }
            " "
            button type="submit" { "Show" }
        }
        @match result {
            None => p class="more" { "Give a goal: a custom event's name, engaged:30s, or a page." },
            Some(Ok(experiment)) => (report_experiment::html(experiment)),
            Some(Err(why)) => p class="problem" { (why) },
        }
    };
    let shown = Shown { range, unit: None };
    document(frame, shown, &title, "/experiment", body)
}

/// What a page shows of time: its range, and the chart's period when it has a chart.
#[derive(Debug, Clone, Copy)]
struct Shown {
    range: DayRange,
    unit: Option<Unit>,
}

impl Shown {
    fn of(view: &View) -> Shown {
        Shown {
            range: view.totals.range,
            unit: Some(view.unit),
        }
    }
}

/// The frame around a page's `body`: head (the style sheet from this server only), heading,
/// the switchers, and the footer.
fn document(frame: &Frame, shown: Shown, title: &str, here: &str, body: Markup) -> String {
    let period = range_text(shown.range);
    let body = html! {
        header {
            h1 { (title) }
            p class="period" {
                (period) " · " (frame.meta.zone) " · " (frame.meta.backend) " backend"
            }
            @if let Some(live) = &frame.live { p class="live" { (live) } }
            (switchers(frame, shown, here))
        }
        main { (body) }
        footer {
            p {
                "pageviews " (frame.meta.version) ", " (frame.meta.generated) ". "
                "Visitors are distinct per day; summed over several days they are "
                "visitor-days, not people."
            }
        }
    };
    served(true, html! { (title) ", " (period) }, body)
}

/// A page of this server: the style sheet from this server only, no icon to fetch, `title`
/// and `body`. `noindex` asks search engines to leave it out: the pages with the numbers.
fn served(noindex: bool, title: Markup, body: Markup) -> String {
    let head = html! {
        @if noindex { meta name="robots" content="noindex"; }
        link rel="icon" href="data:,";
        link rel="stylesheet" href="/style.css";
        title { (title) }
    };
    html::document(head, body)
}

/// The site switcher, the range presets, a custom range, and the chart's periods.
fn switchers(frame: &Frame, shown: Shown, here: &str) -> Markup {
    let params = frame.params;
    let custom = params.range.is_none() && (params.from.is_some() || params.day.is_some());
    let current = |name: &str| match (params.range.as_deref(), custom) {
        (Some(range), _) => range == name,
        (None, true) => name == "custom",
        (None, false) => name == super::query::DEFAULT_PRESET,
    };
    let page = params.page.as_deref();
    let by = params.by.as_deref();
    let share = params.share.as_deref();
    let range = shown.range;
    let goal = [
        ("goal", params.goal.as_deref()),
        ("goal_page", params.goal_page.as_deref()),
        ("control", params.control.as_deref()),
    ];
    html! {
        @if frame.sites.len() > 1 {
            nav aria-label="Sites" {
                @for site in frame.sites {
                    @let href = query_link("/", [("site", Some(site.as_str()))].into_iter());
                    @if *site == frame.meta.deployment { a href=(href) aria-current="page" { (site) } }
                    @else { a href=(href) { (site) } }
                }
            }
        }
        nav aria-label="Range" {
            @for (name, label) in PRESETS.iter().filter(|(name, _)| *name != "custom") {
                @let href = query_link(here, [("site", Some(frame.meta.deployment.as_str())), ("range", Some(*name)), ("page", page), ("by", by), ("share", share)].into_iter().chain(goal));
                @if current(name) { a href=(href) aria-current="true" { (label) } }
                @else { a href=(href) { (label) } }
            }
            form method="get" action=(here) {
                input type="hidden" name="site" value=(frame.meta.deployment);
                @if let Some(page) = page { input type="hidden" name="page" value=(page); }
                @if let Some(by) = by { input type="hidden" name="by" value=(by); }
                @if let Some(share) = share { input type="hidden" name="share" value=(share); }
                @for (name, value) in goal { @if let Some(value) = value { input type="hidden" name=(name) value=(value); } }
                label { "From " input type="date" name="from" value=(range.from.to_string()); }
                label { "to " input type="date" name="to" value=(range.to.to_string()); }
                button type="submit" { "Show" }
            }
        }
        @if let Some(shown_unit) = shown.unit { nav aria-label="Periods" {
            @for unit in units(range.len()) {
                @let href = frame.link(here, &[("period", unit.noun()), ("page", page.unwrap_or_default()), ("by", by.unwrap_or_default())]);
                @if shown_unit == unit { a href=(href) aria-current="true" { "By " (unit.noun()) } }
                @else { a href=(href) { "By " (unit.noun()) } }
            }
        } }
    }
}

/// The chart's periods a range of `days` can be shown by.
fn units(days: usize) -> Vec<Unit> {
    let mut units = Vec::new();
    if days == 1 {
        units.push(Unit::Hours);
    }
    units.push(Unit::Days(Grain::Day));
    if days > 7 {
        units.push(Unit::Days(Grain::Week));
    }
    if days > 31 {
        units.push(Unit::Days(Grain::Month));
    }
    units
}

/// A page of its own for a refusal, so that a person who followed a bad link reads why.
pub fn problem(status: u16, message: &str) -> String {
    let body = html! {
        h1 { (status) }
        p { (message) }
        p { a href="/" { "Back to the overview" } }
    };
    served(false, html! { (status) }, body)
}

/// The login form: the token, posted back here, becomes an HttpOnly cookie.
pub fn login() -> String {
    let body = html! {
        h1 { "Sign in" }
        form method="post" action="/login" {
            label { "Token " input type="password" name="token" autocomplete="current-password" required; }
            " "
            button type="submit" { "Sign in" }
        }
    };
    served(false, html! { "Sign in" }, body)
}
