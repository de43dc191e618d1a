//! The JSON API: `/api/v1/report`, byte for byte what `report --format json` prints for the
//! same range, `by`, `top`, `page` and `period`; and `/api/v1/count`, one page's views and
//! visitor-days of every counted day, cached for a minute, for "N views" counters on a site's
//! own pages (readable by scripts of the allowed origins only).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::query::Params;
use super::routes::Problem;
use super::{Dashboard, Site, LIVE_FOR};
use crate::model::day::{DayRange, MAX_RANGE_DAYS};
use crate::model::dimension::Dimension;
use crate::pipeline::reading::{read_page, read_report, Reading};
use crate::report::period::{Grain, Unit};
use crate::report::{by, json, view, Format};

/// Answers kept by `/api/v1/count`, at most; past that the cache starts again.
const MAX_CACHED_COUNTS: usize = 10_000;

/// `/api/v1/count`'s answers per site and page, and when each was read.
#[derive(Debug, Default)]
pub struct CountCache(Mutex<HashMap<(String, String), (Instant, String)>>);

pub(super) fn bad(message: String) -> Problem {
    Problem::json(StatusCode::BAD_REQUEST, message)
}

/// What an API request asks for: its parameters, its site and its range (yesterday when none,
/// as the commands whose JSON the API answers).
pub(super) fn read_query<'a>(
    dashboard: &'a Dashboard,
    query: Option<&str>,
) -> Result<(Params, &'a Site, DayRange), Problem> {
    let params = Params::parse(query.unwrap_or_default()).map_err(bad)?;
    let site = dashboard
        .site(params.site.as_deref())
        .map_err(|message| Problem::json(StatusCode::NOT_FOUND, message))?;
    let range = params
        .range(site.backend.zone.today(), "yesterday")
        .map_err(bad)?;
    Ok((params, site, range))
}

fn failed(err: anyhow::Error) -> Problem {
    Problem::failed(err, true)
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `/api/v1/report`: the range (default yesterday, as `report`), pages or `by` a breakdown.
pub async fn report(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let (params, site, range) = read_query(&dashboard, query.as_deref())?;
    let top = params.top().map_err(bad)?;
    let body = match params.by.as_deref() {
        None | Some("page") => pages_json(site, &params, range, top).await?,
        Some(name) => {
            let dimension = Dimension::reported()
                .find(|dimension| dimension.name() == name)
                .ok_or_else(|| {
                    bad(format!(
                        "by={name:?} is not a breakdown: e.g. page, referrer, source, country"
                    ))
                })?;
            if params.page.is_some() || params.period.is_some() {
                return Err(bad(format!(
                    "by={name} shows rows per day: page and period go with pages only"
                )));
            }
            let rows = site
                .backend
                .daily
                .read_breakdown(range, Some(dimension))
                .await
                .map_err(|err| {
                    failed(anyhow::Error::new(err).context("cannot read the daily table"))
                })?;
            by::render(dimension, &by::keep_top(rows, top), Format::Json)
        }
    };
    Ok(json_response(format!("{body}\n")))
}

/// Pages per period, as `report --format json [--page P] [--top N] [--by-period|--hourly]`.
async fn pages_json(
    site: &Site,
    params: &Params,
    range: DayRange,
    top: Option<usize>,
) -> Result<String, Problem> {
    let unit = match params.period {
        None => Unit::Days(Grain::Day),
        Some(_) => params.unit(range).map_err(bad)?,
    };
    let page = params.page().map_err(bad)?;
    let reading = Reading {
        page: page.as_deref(),
        breakdowns: false,
    };
    let report = read_report(&*site.backend.daily, range, reading, top)
        .await
        .map_err(failed)?;
    let view = view::build(&report, None, unit, site.backend.zone);
    Ok(json::render(&view))
}

/// `/api/v1/count?page=/path`: the page's views and visitor-days over every counted day.
pub async fn count(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let params = Params::parse(query.as_deref().unwrap_or_default()).map_err(bad)?;
    let site = dashboard
        .site(params.site.as_deref())
        .map_err(|message| Problem::json(StatusCode::NOT_FOUND, message))?;
    let Some(page) = params.page().map_err(bad)? else {
        return Err(bad("give page=/path: the page to count".into()));
    };
    let key = (site.name().to_owned(), page.clone());
    let cached = dashboard.counts.get(&key);
    let body = match cached {
        Some(body) => body,
        None => {
            let body = count_page(site, &page).await?;
            dashboard.counts.put(key, body.clone());
            body
        }
    };
    let mut response = json_response(body);
    allow_origin(&dashboard, &headers, response.headers_mut());
    Ok(response)
}

impl CountCache {
    fn get(&self, key: &(String, String)) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (at, body) = cache.get(key)?;
        (at.elapsed() < LIVE_FOR).then(|| body.clone())
    }

    fn put(&self, key: (String, String), body: String) {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED_COUNTS {
            cache.clear();
        }
        cache.insert(key, (Instant::now(), body));
    }
}

/// The page's numbers over every day from the first counted one to today.
async fn count_page(site: &Site, page: &str) -> Result<String, Problem> {
    let daily = &*site.backend.daily;
    let statuses = daily.day_statuses(None).await.map_err(|err| {
        failed(anyhow::Error::new(err).context("cannot read which days are aggregated"))
    })?;
    let today = site.backend.zone.today();
    let first = statuses
        .iter()
        .map(|status| status.day)
        .min()
        .unwrap_or(today);
    let earliest = crate::model::day::Day::from_number(today.number() + 1 - MAX_RANGE_DAYS as i64);
    let from = earliest.map_or(first, |earliest| first.max(earliest));
    let range =
        DayRange::new(from.min(today), today).map_err(|err| failed(anyhow::anyhow!(err)))?;
    let report = read_page(daily, range, page, None).await.map_err(failed)?;
    let answer = serde_json::json!({
        "page": page,
        "views": report.all_views(),
        "visitor_days": report.visitor_days(),
        "from": range.from,
        "to": range.to,
    });
    Ok(answer.to_string())
}

/// CORS: scripts of the allowed origins may read the count; no others.
fn allow_origin(dashboard: &Dashboard, request: &HeaderMap, response: &mut HeaderMap) {
    response.insert(header::VARY, HeaderValue::from_static("Origin"));
    let origin = request
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    let Some(origin) = origin.filter(|origin| {
        dashboard
            .allowed_origins
            .iter()
            .any(|allowed| allowed == origin)
    }) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(origin) {
        response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
}

/// A browser's preflight of `/api/v1/count`.
pub async fn preflight(State(dashboard): State<Arc<Dashboard>>, headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    allow_origin(&dashboard, &headers, response.headers_mut());
    let methods = HeaderValue::from_static("GET");
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    response
}
