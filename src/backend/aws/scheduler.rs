//! EventBridge Scheduler, for the schedule `deploy` makes: a recurring schedule (a cron
//! expression in a time zone, no flexible window) that invokes one target with a fixed input.
//! Every call runs under the one retry policy (throttling, 5xx, a role made a moment ago that
//! the scheduler cannot assume yet).

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};

use super::errors::{is_already_there, is_missing};
use super::request::{call, call_unless};
use crate::backend::{BackendError, BackendResult};
use crate::model::retry::RetryPolicy;

/// A schedule as the scheduler describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub expression: Option<String>,
    pub zone: Option<String>,
    pub target_arn: Option<String>,
    pub role_arn: Option<String>,
    pub input: Option<String>,
    /// "ENABLED" or "DISABLED".
    pub state: Option<String>,
}

impl Schedule {
    fn from_sdk(output: &GetScheduleOutput) -> Schedule {
        let target = output.target();
        Schedule {
            expression: output.schedule_expression().map(str::to_owned),
            zone: output.schedule_expression_timezone().map(str::to_owned),
            target_arn: target.map(|t| t.arn().to_owned()),
            role_arn: target.map(|t| t.role_arn().to_owned()),
            input: target.and_then(|t| t.input()).map(str::to_owned),
            state: output.state().map(|state| state.as_str().to_owned()),
        }
    }
}

/// What a schedule is to be.
#[derive(Debug, Clone)]
pub struct ScheduleSpec<'a> {
    pub name: &'a str,
    pub expression: &'a str,
    pub zone: &'a str,
    pub target_arn: &'a str,
    /// The role the scheduler assumes to invoke the target.
    pub role_arn: &'a str,
    pub input: &'a str,
    pub description: &'a str,
}

impl ScheduleSpec<'_> {
    fn parts(&self) -> BackendResult<(Target, FlexibleTimeWindow)> {
        let what = format!("the schedule {}", self.name);
        let target = Target::builder()
            .arn(self.target_arn)
            .role_arn(self.role_arn)
            .input(self.input)
            .build()
            .map_err(|err| BackendError::permanent(format!("{what}: {err}")).caused_by(err))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|err| BackendError::permanent(format!("{what}: {err}")).caused_by(err))?;
        Ok((target, window))
    }
}

/// A CreateSchedule or UpdateSchedule request with the settings of `spec`: the two requests
/// take the same settings, but their builders share no type.
macro_rules! with_spec {
    ($request:expr, $spec:expr, $target:expr, $window:expr) => {
        $request
            .name($spec.name)
            .schedule_expression($spec.expression)
            .schedule_expression_timezone($spec.zone)
            .flexible_time_window($window.clone())
            .target($target.clone())
            .description($spec.description)
    };
}

/// EventBridge Scheduler through the command's connection.
pub struct Scheduler {
    client: aws_sdk_scheduler::Client,
    retry: RetryPolicy,
}

impl Scheduler {
    pub(super) fn new(client: aws_sdk_scheduler::Client, retry: RetryPolicy) -> Self {
        Scheduler { client, retry }
    }

    /// The schedule, or `None` when there is no such schedule.
    pub async fn schedule(&self, name: &str) -> BackendResult<Option<Schedule>> {
        let found = call_unless(
            &self.retry,
            &format!("GetSchedule {name}"),
            is_missing,
            || self.client.get_schedule().name(name).send(),
        )
        .await?;
        Ok(found.as_ref().map(Schedule::from_sdk))
    }

    /// Makes the schedule; one already there (this call's earlier attempt, whose answer was
    /// lost) is left as it is.
    pub async fn create(&self, spec: &ScheduleSpec<'_>) -> BackendResult<()> {
        let (target, window) = spec.parts()?;
        let what = format!("CreateSchedule {}", spec.name);
        call_unless(&self.retry, &what, is_already_there, || {
            with_spec!(self.client.create_schedule(), spec, target, window).send()
        })
        .await?;
        Ok(())
    }

    /// Brings the schedule in line with `spec`.
    pub async fn update(&self, spec: &ScheduleSpec<'_>) -> BackendResult<()> {
        let (target, window) = spec.parts()?;
        call(
            &self.retry,
            &format!("UpdateSchedule {}", spec.name),
            || with_spec!(self.client.update_schedule(), spec, target, window).send(),
        )
        .await?;
        Ok(())
    }

    /// Deletes the schedule; false when there was none.
    pub async fn delete(&self, name: &str) -> BackendResult<bool> {
        let deleted = call_unless(
            &self.retry,
            &format!("DeleteSchedule {name}"),
            is_missing,
            || self.client.delete_schedule().name(name).send(),
        )
        .await?;
        Ok(deleted.is_some())
    }
}
