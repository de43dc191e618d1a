//! The experiment's page and its API: `/experiment` shows what `report experiment` gives for
//! a goal over the range, with its verdict (a form asks for the goal: no script needed);
//! `/api/v1/experiment` answers byte for byte what `report experiment --format json` prints.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use super::api::{bad, read_query};
use super::pages;
use super::query::{Params, DEFAULT_PRESET};
use super::routes::{framed, read_params, Problem};
use super::{Dashboard, Site};
use crate::model::day::DayRange;
use crate::model::event::normalise;
use crate::pipeline::experiment::{goal_of, Experiment, GoalSpelling};
use crate::pipeline::reading::read_experiment;
use crate::report::{experiment, Format};

/// How the query spells the goal, for its refusals.
const SPELLING: GoalSpelling = GoalSpelling {
    event: "goal",
    page: "goal_page",
};

/// Why there is no result: the request's to fix (400), or nothing to show for it (404).
enum Refusal {
    Bad(String),
    Nothing(String),
}

/// The experiment the request asks for over `range`: its goal read from the query, its rows
/// from the daily table.
async fn evaluate(
    site: &Site,
    params: &Params,
    range: DayRange,
) -> Result<Result<Experiment, Refusal>, anyhow::Error> {
    let page = match params.goal_page.as_deref() {
        Some(page) => match normalise(page) {
            Ok(page) => Some(page),
            Err(err) => return Ok(Err(Refusal::Bad(format!("goal_page={page:?}: {err}")))),
        },
        None => None,
    };
    let goal = match goal_of(params.goal.as_deref(), page.as_deref(), SPELLING) {
        Ok(goal) => goal,
        Err(why) => return Ok(Err(Refusal::Bad(why))),
    };
    let control = params.control.as_deref();
    let read = read_experiment(&*site.backend.daily, range, &goal, control).await?;
    Ok(read.map_err(Refusal::Nothing))
}

/// `/experiment`: the form, and the result of the goal it asks for over the range (the
/// default preset when none).
pub async fn page(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let (params, site) = read_params(&dashboard, query.as_deref())?;
    let bad = |message: String| Problem::html(StatusCode::BAD_REQUEST, message);
    let range = params
        .range(site.backend.zone.today(), DEFAULT_PRESET)
        .map_err(bad)?;
    let asked = params.goal.is_some() || params.goal_page.is_some();
    let result = match asked {
        true => Some(
            evaluate(site, &params, range)
                .await
                .map_err(|err| Problem::failed(err, false))?,
        ),
        false => None,
    };
    let (status, shown) = match &result {
        None => (StatusCode::OK, None),
        Some(Ok(experiment)) => (StatusCode::OK, Some(Ok(experiment))),
        Some(Err(Refusal::Bad(why))) => (StatusCode::BAD_REQUEST, Some(Err(why.as_str()))),
        Some(Err(Refusal::Nothing(why))) => (StatusCode::NOT_FOUND, Some(Err(why.as_str()))),
    };
    let page = framed(&dashboard, site, &params, false, |frame| {
        pages::experiment(frame, range, shown)
    });
    Ok((status, page).into_response())
}

/// `/api/v1/experiment`: `report experiment --format json` for the same goal, control and
/// range (default yesterday, as the command).
pub async fn api(
    State(dashboard): State<Arc<Dashboard>>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let (params, site, range) = read_query(&dashboard, query.as_deref())?;
    let result = evaluate(site, &params, range)
        .await
        .map_err(|err| Problem::failed(err, true))?;
    let experiment = result.map_err(|refusal| match refusal {
        Refusal::Bad(why) => bad(why),
        Refusal::Nothing(why) => Problem::json(StatusCode::NOT_FOUND, why),
    })?;
    let body = format!("{}\n", experiment::render(&experiment, Format::Json));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
