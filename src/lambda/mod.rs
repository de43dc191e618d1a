//! The binary as an AWS Lambda function: when `AWS_LAMBDA_RUNTIME_API` is set, one runtime
//! serves SQS and Kinesis batches (the drain), the daily schedule (the aggregation) and function URL
//! requests, told apart by the shape of each event. A function URL request is a beacon (the
//! collector), unless `PAGEVIEWS_FUNCTION_ROLE=dashboard` (set by `deploy --dashboard`) makes
//! the function the dashboard's, which serves nothing else. Configuration comes from the same
//! `PAGEVIEWS_*` variables the commands read.

mod dashboard;
mod http;
mod kinesis;
mod parts;
mod schedule;
mod shape;
mod sqs;

use anyhow::{anyhow, Context as _};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::OnceCell;

use crate::backend::Backend;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::cmd::context::Context;
use crate::collect::routes::Collector;
use crate::collect::Settings;
use crate::deploy::{FUNCTION_ROLE_VARIABLE, TOKEN_HASH_VARIABLE};
use crate::report::Meta;
use http::App;
use parts::FanOut;

use crate::deploy::PARTS_VARIABLE;

pub use http::collector_for;
pub use kinesis::store_stream_batch;
pub use parts::PartInput;
pub use schedule::{aggregate_until, SCHEDULE_INPUT};
pub use shape::{shape_of, Shape};
pub use sqs::store_batch;

/// Set by Lambda for a custom runtime: the host and port of the Runtime API.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// What `lambda_runtime` reads besides the Runtime API; it cannot start without them.
const FUNCTION_VARIABLES: [&str; 3] = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Whether this process was started by Lambda (or a test standing in for it).
pub fn requested() -> bool {
    std::env::var_os(RUNTIME_API).is_some_and(|value| !value.is_empty())
}

/// Serves invocations until the Runtime API goes away; returns the exit code.
pub fn main() -> std::process::ExitCode {
    // Info by default: each invocation's summary line is what CloudWatch keeps of it.
    crate::logging::init(1);
    crate::exit::report_and_exit_code(run(), true)
}

fn run() -> anyhow::Result<()> {
    if let Some(missing) = FUNCTION_VARIABLES
        .iter()
        .find(|name| std::env::var_os(name).is_none())
    {
        return Err(crate::model::bad_input::BadInput(format!(
            "{missing} is not set: Lambda sets it; to run pageviews as a command, unset \
             {RUNTIME_API}"
        ))
        .into());
    }
    let (global, collect) = configuration()?;
    let parts = parts_to_invoke()?;
    let role = std::env::var(FUNCTION_ROLE_VARIABLE).unwrap_or_default();
    let dashboard = match role.as_str() {
        "" | "drain" | "aggregate" | "collect" => false,
        "dashboard" => true,
        other => {
            return Err(crate::model::bad_input::BadInput(format!(
                "{FUNCTION_ROLE_VARIABLE}={other:?} is not a job of pageviews' functions: \
                 leave it unset, or give `dashboard`"
            ))
            .into())
        }
    };
    // One invocation at a time: a current-thread runtime starts faster and needs less memory.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let ctx = Context::new(global);
        let backend = ctx.open().await?;
        let serves = match dashboard {
            false => Serves::Beacons(Box::new(collect)),
            true => Serves::Dashboard {
                meta: crate::cmd::serve::meta(&ctx, &ctx.global.name, &backend),
                token_hash: std::env::var(TOKEN_HASH_VARIABLE).ok(),
            },
        };
        let fan_out = match (parts, ctx.deployment.functions()) {
            (Some(parts), Some(functions)) => Some(FanOutSettings { parts, functions }),
            _ => None,
        };
        let function = Arc::new(Function {
            backend,
            serves,
            app: OnceCell::new(),
            fan_out,
            fan_out_clients: OnceCell::new(),
        });
        tracing::info!("pageviews function ready");
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
            let function = function.clone();
            async move { function.handle(event).await }
        }))
        .await
        .map_err(|err| anyhow!("the Lambda Runtime API failed: {err}"))
    })
}

/// The deployment's flags and the collector's settings, read from the environment as the
/// commands read them. The AWS backend is the default here: a function has no local disk to
/// keep a deployment on. A function that serves no beacons needs no collector settings, so
/// their absence is an error only when a request comes.
fn configuration() -> anyhow::Result<(GlobalArgs, Result<Settings, String>)> {
    let mut argv: Vec<OsString> = vec!["pageviews".into()];
    if std::env::var_os("PAGEVIEWS_BACKEND").is_none_or(|value| value.is_empty()) {
        argv.extend(["--backend".into(), "aws".into()]);
    }
    let parse = |command: &str| {
        let mut argv = argv.clone();
        argv.push(command.into());
        Cli::parse_from_env(argv)
    };
    let status = parse("status").map_err(|err| {
        anyhow!(
            "bad PAGEVIEWS_* configuration of the function: {}",
            crate::exit::one_line_usage_error(&err.to_string())
        )
    })?;
    let collect = match parse("collect") {
        Ok(Cli {
            command: Command::Collect(args),
            ..
        }) => crate::cmd::collect::settings(&args).map_err(|err| format!("{err:#}")),
        Ok(_) => unreachable!("parsed the collect command"),
        Err(err) => Err(crate::exit::one_line_usage_error(&err.to_string())),
    };
    Ok((status.global, collect))
}

/// The parts the schedule counts each day in, from `PAGEVIEWS_PARTS` (`deploy
/// --aggregate-parts`): `None` when unset or 1 (the schedule counts each day itself).
fn parts_to_invoke() -> anyhow::Result<Option<u32>> {
    let Some(value) = std::env::var(PARTS_VARIABLE)
        .ok()
        .filter(|value| !value.is_empty())
    else {
        return Ok(None);
    };
    let parts = value
        .parse::<u32>()
        .map_err(|err| err.to_string())
        .and_then(|parts| crate::model::parts::Part::new(parts, 0).map(|_| parts))
        .map_err(|err| {
            crate::model::bad_input::BadInput(format!(
                "{PARTS_VARIABLE}={value:?}: {err}; `pageviews deploy --aggregate-parts N` sets it"
            ))
        })?;
    Ok((parts > 1).then_some(parts))
}

/// What the schedule needs to invoke a day's parts: how many, and the deployment's functions
/// (their Lambda client is made at the first schedule).
struct FanOutSettings {
    parts: u32,
    functions: crate::backend::aws::Functions,
}

/// What every invocation shares: the deployment, what its function URL requests are for, and
/// their routes, made at the first request; and where a day is counted in parts, how to
/// invoke them.
struct Function {
    backend: Backend,
    serves: Serves,
    app: OnceCell<App>,
    fan_out: Option<FanOutSettings>,
    fan_out_clients: OnceCell<FanOut>,
}

/// What a function URL request reaches.
enum Serves {
    /// The beacon endpoint, with the collector's settings (or why there are none).
    Beacons(Box<Result<Settings, String>>),
    /// The dashboard: the site's meta, and the token's hash as the function was given it.
    Dashboard {
        meta: Meta,
        token_hash: Option<String>,
    },
}

impl Function {
    async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
        let time_left = time_left(event.context.deadline());
        let payload = event.payload;
        let shape = shape_of(&payload);
        if matches!(self.serves, Serves::Dashboard { .. }) && shape != Shape::FunctionUrl {
            // Its role may only read: a batch or the schedule sent here is a mistake to say.
            return Err(anyhow!(
                "this is the dashboard's function ({FUNCTION_ROLE_VARIABLE}=dashboard): it \
                 serves function URL requests only"
            )
            .into());
        }
        match shape {
            Shape::Sqs => {
                let batch = serde_json::from_value(payload)?;
                let outcome = store_batch(&self.backend, batch, time_left).await;
                Ok(serde_json::to_value(outcome.response)?)
            }
            Shape::Kinesis => {
                let batch = serde_json::from_value(payload)?;
                let outcome = store_stream_batch(&self.backend, batch, time_left).await;
                Ok(serde_json::to_value(outcome.response)?)
            }
            Shape::Schedule => {
                let fan_out = self.fan_out().await?;
                let summary = aggregate_until(&self.backend, time_left, fan_out).await?;
                Ok(serde_json::to_value(summary)?)
            }
            Shape::Part => {
                let input: PartInput = serde_json::from_value(payload)?;
                let run = parts::count_invoked_part(&self.backend, &input, time_left).await?;
                Ok(serde_json::to_value(run)?)
            }
            Shape::FunctionUrl => {
                let request = serde_json::from_value(payload)?;
                let response = match self.app().await {
                    Ok(app) => http::serve(&app, request).await,
                    Err(why) => http::unavailable(self.serves.what(), &why),
                };
                Ok(serde_json::to_value(response)?)
            }
            Shape::Unknown => Err(anyhow!(
                "an event pageviews does not serve: it takes SQS and Kinesis batches, the schedule's \
                 {SCHEDULE_INPUT} (or a Scheduled Event), the parts it invokes and function URL \
                 requests"
            )
            .into()),
        }
    }

    /// How the schedule invokes a day's parts, where it counts days in parts; the Lambda
    /// client is made once per instance.
    async fn fan_out(&self) -> anyhow::Result<Option<&FanOut>> {
        let Some(settings) = &self.fan_out else {
            return Ok(None);
        };
        let fan_out = self
            .fan_out_clients
            .get_or_try_init(|| async {
                let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
                    .context("AWS_LAMBDA_FUNCTION_NAME is not set")?;
                anyhow::Ok(FanOut {
                    lambda: settings.functions.lambda().await?,
                    function,
                    parts: settings.parts,
                })
            })
            .await?;
        Ok(Some(fan_out))
    }

    /// The routes of this function's URL, made once per instance.
    async fn app(&self) -> Result<App, String> {
        let make = || async {
            match &self.serves {
                Serves::Beacons(settings) => {
                    let settings = (**settings).as_ref().map_err(Clone::clone)?;
                    let collector: Arc<Collector> = collector_for(&self.backend, settings)
                        .await
                        .map_err(|err| format!("{err:#}"))?;
                    Ok(http::collector_app(collector))
                }
                Serves::Dashboard { meta, token_hash } => {
                    let token = dashboard::token_check(token_hash.as_deref())?;
                    Ok(dashboard::dashboard_app(&self.backend, meta.clone(), token))
                }
            }
        };
        self.app.get_or_try_init(make).await.cloned()
    }
}

impl Serves {
    /// What the function's URL is for, as the answer says when it cannot be.
    fn what(&self) -> &'static str {
        match self {
            Serves::Beacons(_) => "collect views",
            Serves::Dashboard { .. } => "serve the dashboard",
        }
    }
}

/// The time from now until the invocation's deadline.
pub fn time_left(deadline: SystemTime) -> Duration {
    deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}
