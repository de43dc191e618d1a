//! Reports for people and programs (pure code). `view` turns a built report
//! (`pipeline::report`) into what every format shows: totals per period (`period`: days,
//! ISO weeks, months, or the hours of one day), rows per period and page, and breakdowns
//! with a trend per entry, beside a compared range's numbers. Each format renders that one
//! view: `table`, `csv` and `json` (through `records`), `chart` for the terminal, and `html`
//! (with `svg`), so the same numbers show everywhere. `versus` sets two deployments' views
//! side by side.

pub mod by;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod engagement;
pub mod experiment;
#[cfg(test)]
pub mod fixtures;
pub mod html;
pub mod json;
pub mod period;
pub mod records;
mod scale;
mod svg;
pub mod table;
pub mod versus;
pub mod view;
pub mod visits;

use crate::model::zone::Zone;

pub use period::Grain;
pub use view::View;

/// How `report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned table with totals.
    Table,
    /// CSV with the header day,page,views,visitors.
    Csv,
    /// JSON array of {day, page, views, visitors, hours}.
    Json,
    /// Bar chart for the terminal, with the top pages and a sparkline each.
    Chart,
    /// One self-contained HTML page: chart, tables, no script, no requests.
    Html,
}

/// What the chart and the page say about where the numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The deployment's name.
    pub deployment: String,
    /// `local` or `aws`.
    pub backend: String,
    pub zone: Zone,
    /// When the report was made, on the zone's clock.
    pub generated: String,
    pub version: &'static str,
    /// Whose data the countries and regions are, when its licence asks to say so (DB-IP's).
    pub geo_credit: Option<&'static str>,
}

/// `view` in `format`; `chart` says how to draw a chart.
pub fn render(view: &View, meta: &Meta, format: Format, chart: chart::Style) -> String {
    match format {
        Format::Table => table::render(view),
        Format::Csv => csv::render(view),
        Format::Json => json::render(view),
        Format::Chart => chart::render(view, meta, chart),
        Format::Html => html::render(view, meta),
    }
}
