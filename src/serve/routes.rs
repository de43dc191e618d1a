//! The dashboard's routes: the pages, the style sheet, the login form, the API's
//! endpoints, and around them the guard every request passes (its query's length, its
//! token or share link, the security headers of every answer).

use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

use super::access::{self, Access};
use super::pages::{self, Frame};
use super::query::{Params, DEFAULT_PRESET, MAX_QUERY_BYTES};
use super::{api, experiment, Dashboard, Site};
use crate::model::day::DayRange;
use crate::model::dimension::Dimension;
use crate::report::period::Unit;
use crate::report::view::{self, View};
use crate::report::Meta;

/// Nothing may come from another origin; the style sheet from this one; no script at all;
/// forms only back here; no framing.
pub const POLICY: &str = "default-src 'none'; style-src 'self'; img-src data:; \
                          form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Pages listed whole on the full list of pages.
const FULL_LIST: usize = 100_000;

pub fn router(dashboard: Arc<Dashboard>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/page", get(page))
        .route("/list", get(list))
        .route("/experiment", get(experiment::page))
        .route("/style.css", get(style))
        .route("/login", get(login_form).post(login))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/api/v1/report", get(api::report))
        .route("/api/v1/experiment", get(experiment::api))
        .route("/api/v1/count", get(api::count).options(api::preflight))
        .fallback(|| async { Problem::html(StatusCode::NOT_FOUND, "there is no such page here") })
        .layer(middleware::from_fn_with_state(dashboard.clone(), guard))
        .with_state(dashboard)
}

/// Why a request got no numbers: a status and one sentence, as a page or as JSON.
pub struct Problem {
    status: StatusCode,
    message: String,
    json: bool,
}

impl Problem {
    pub fn html(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            message: message.into(),
            json: false,
        }
    }

    pub fn json(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            json: true,
            ..Problem::html(status, message)
        }
    }

    /// A failure to read: logged whole, answered without its details.
    pub fn failed(err: anyhow::Error, json: bool) -> Problem {
        tracing::error!(error = format!("{err:#}"), "a dashboard request failed");
        let message = "the numbers could not be read; the server's log says why";
        Problem {
            json,
            ..Problem::html(StatusCode::INTERNAL_SERVER_ERROR, message)
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        match self.json {
            true => {
                let body = serde_json::json!({ "error": self.message }).to_string();
                let json = [(header::CONTENT_TYPE, "application/json")];
                (self.status, json, body).into_response()
            }
            false => {
                let page = pages::problem(self.status.as_u16(), &self.message);
                (self.status, Html(page)).into_response()
            }
        }
    }
}

/// Paths anyone may ask for: what the login form needs, and the health check.
fn is_open_path(path: &str) -> bool {
    matches!(path, "/login" | "/style.css" | "/healthz")
}

/// Every request: a query too long to read is refused, a missing or wrong token (or a share
/// link that is not its site's, expired or revoked) gets a bare 401 (later and later in a
/// burst), every answer carries the security headers.
async fn guard(State(dashboard): State<Arc<Dashboard>>, request: Request, next: Next) -> Response {
    let query_bytes = request.uri().query().map_or(0, str::len);
    if query_bytes > MAX_QUERY_BYTES {
        let message =
            format!("the query string has {query_bytes} bytes; at most {MAX_QUERY_BYTES} are read");
        return secured(Problem::html(StatusCode::URI_TOO_LONG, message).into_response());
    }
    if let Access::Token(check) = &dashboard.access {
        let headers = request.headers();
        let text = |name| {
            headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let presented = access::presented(text(header::AUTHORIZATION), text(header::COOKIE));
        let allowed = presented.is_some_and(|token| check.accepts(token))
            || is_open_path(request.uri().path())
            || dashboard.shared(request.uri().query());
        if !allowed {
            tokio::time::sleep(check.failed()).await;
            return secured(StatusCode::UNAUTHORIZED.into_response());
        }
    }
    secured(next.run(request).await)
}

/// The headers every answer carries.
fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The request's parameters and site, and the page's frame pieces.
pub(super) fn read_params<'a>(
    dashboard: &'a Dashboard,
    query: Option<&str>,
) -> Result<(Params, &'a Site), Problem> {
    let bad = |message: String| Problem::html(StatusCode::BAD_REQUEST, message);
    let params = Params::parse(query.unwrap_or_default()).map_err(bad)?;
    let site = dashboard
        .site(params.site.as_deref())
        .map_err(|message| Problem::html(StatusCode::NOT_FOUND, message))?;
    Ok((params, site))
}

/// What a page request asks for: its parameters, its site, its range (the default preset when
/// none) and its chart's unit.
fn read_asked<'a>(
    dashboard: &'a Dashboard,
    query: Option<&str>,
) -> Result<(Params, &'a Site, DayRange, Unit), Problem> {
    let (params, site) = read_params(dashboard, query)?;
    let bad = |message: String| Problem::html(StatusCode::BAD_REQUEST, message);
    let range = params
        .range(site.backend.zone.today(), DEFAULT_PRESET)
        .map_err(bad)?;
    let unit = params.unit(range).map_err(bad)?;
    Ok((params, site, range, unit))
}

/// The page `render` makes inside the dashboard's frame, made now; `live` when the range's
/// numbers hold today's so far.
pub(super) fn framed(
    dashboard: &Dashboard,
    site: &Site,
    params: &Params,
    live: bool,
    render: impl FnOnce(&Frame) -> String,
) -> Html<String> {
    let (meta, sites) = (meta_now(site), site_names(dashboard, params, site));
    let frame = Frame {
        meta: &meta,
        sites: &sites,
        params,
        live: live_note(site, live),
    };
    Html(render(&frame))
}

/// The site's meta, made now.
fn meta_now(site: &Site) -> Meta {
    let generated = site.backend.zone.clock(chrono::Utc::now());
    Meta {
        generated: generated.format("%Y-%m-%d %H:%M %:z").to_string(),
        ..site.meta.clone()
    }
}

/// The sites the switcher offers: every one, or through a share link only its own.
fn site_names(dashboard: &Dashboard, params: &Params, site: &Site) -> Vec<String> {
    match params.share {
        Some(_) => vec![site.name().to_owned()],
        None => dashboard.site_names(),
    }
}

/// What a page's heading says of today's numbers, when the range holds today.
fn live_note(site: &Site, live: bool) -> Option<String> {
    live.then(|| {
        format!(
            "Today so far ({}), counted from the raw events at most once a minute.",
            site.backend.zone.today()
        )
    })
}

async fn overview(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, Problem> {
    let (params, site, range, unit) = read_asked(&dashboard, query.as_deref())?;
    let failed = |err| Problem::failed(err, false);
    let live = site.live(range).await.map_err(failed)?;
    let view = site
        .overview(range, unit, live.as_ref())
        .await
        .map_err(failed)?;
    Ok(framed(&dashboard, site, &params, live.is_some(), |frame| {
        pages::overview(frame, &view)
    }))
}

async fn page(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, Problem> {
    let (params, site, range, unit) = read_asked(&dashboard, query.as_deref())?;
    let bad = |message: String| Problem::html(StatusCode::BAD_REQUEST, message);
    let Some(path) = params.page().map_err(bad)? else {
        return Err(bad("give page=/path: the page to show".into()));
    };
    let failed = |err| Problem::failed(err, false);
    let live = site.live(range).await.map_err(failed)?;
    let report = site
        .page_report(range, &path, live.as_deref())
        .await
        .map_err(failed)?;
    if report.rows.is_empty() {
        let message = format!("{path} has no views from {} to {}", range.from, range.to);
        return Err(Problem::html(StatusCode::NOT_FOUND, message));
    }
    let view = view::build(&report, None, unit, site.backend.zone);
    Ok(framed(&dashboard, site, &params, live.is_some(), |frame| {
        pages::page(frame, &view, &path)
    }))
}

/// The dimension a breakdown's id names (`referrers`), as the view names its sections.
fn dimension_of_section(id: &str) -> Option<Dimension> {
    Dimension::reported().find(|dimension| {
        dimension
            .spec()
            .section
            .is_some_and(|(_, section)| section == id)
    })
}

async fn list(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, Problem> {
    let (params, site, range, unit) = read_asked(&dashboard, query.as_deref())?;
    let bad = |message: String| Problem::html(StatusCode::BAD_REQUEST, message);
    let id = params.by.clone().unwrap_or_else(|| "pages".to_owned());
    let dimension = match id.as_str() {
        "pages" => None,
        other => Some(dimension_of_section(other).ok_or_else(|| {
            bad(format!(
                "by={other:?} is not a breakdown: e.g. pages, referrers, sources, countries"
            ))
        })?),
    };
    let failed = |err| Problem::failed(err, false);
    let live = site.live(range).await.map_err(failed)?;
    let top = if dimension.is_some() { 1 } else { FULL_LIST };
    let mut report = site
        .report(range, top, live.as_ref())
        .await
        .map_err(failed)
        .map(Arc::unwrap_or_clone)?;
    if let Some(dimension) = dimension {
        report.breakdowns.retain(|row| row.dimension == dimension);
        report.top = None;
    }
    let view: View = view::build(&report, None, unit, site.backend.zone);
    let Some(breakdown) = view.breakdowns.iter().find(|b| b.dimension.id == id) else {
        let message = format!(
            "nothing counted under {id} from {} to {}",
            range.from, range.to
        );
        return Err(Problem::html(StatusCode::NOT_FOUND, message));
    };
    Ok(framed(&dashboard, site, &params, live.is_some(), |frame| {
        pages::list(frame, &view, breakdown)
    }))
}

async fn style() -> Response {
    let css = format!("{}{}", crate::report::html::STYLE, pages::FRAME_STYLE);
    let headers = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
        (header::CACHE_CONTROL, "max-age=3600"),
    ];
    (headers, css).into_response()
}

async fn login_form() -> Html<String> {
    Html(pages::login())
}

/// The login form's post: the token right sets the cookie and goes to the overview; wrong
/// gets a bare 401.
async fn login(State(dashboard): State<Arc<Dashboard>>, body: Bytes) -> Response {
    let Access::Token(check) = &dashboard.access else {
        return Redirect::to("/").into_response();
    };
    let token = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if !check.accepts(&token) {
        tokio::time::sleep(check.failed()).await;
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut headers = HeaderMap::new();
    if let Ok(cookie) = HeaderValue::from_str(&access::cookie(&token)) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    (StatusCode::SEE_OTHER, headers, [(header::LOCATION, "/")]).into_response()
}
