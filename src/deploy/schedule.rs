//! The aggregation's EventBridge Scheduler schedule: every day at the chosen time in the
//! deployment's time zone, invoking the aggregation function with the input it knows.

use chrono::{DateTime, TimeDelta, Utc};

use super::roles::RoleArn;
use super::{change_state, schedule_name, DeployOptions, Job, Outcome, StepState};
use crate::backend::aws::scheduler::{Schedule, ScheduleSpec};
use crate::backend::aws::FunctionClients;
use crate::model::zone::Zone;

/// The input `deploy` gives the schedule, and what the function knows it by.
pub const SCHEDULE_INPUT: &str = r#"{"pageviews":"aggregate"}"#;

/// The cron expression of a daily run at `hour:minute`.
pub fn expression((hour, minute): (u32, u32)) -> String {
    format!("cron({minute} {hour} * * ? *)")
}

/// When a daily schedule made by [`expression`] next runs after `now`, in `zone` (a day's
/// start plus the time: exact unless the clocks change between midnight and then).
pub fn next_run(expression: &str, zone: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let fields = expression
        .strip_prefix("cron(")?
        .strip_suffix(" * * ? *)")?;
    let (minute, hour) = fields.split_once(' ')?;
    let offset = TimeDelta::hours(hour.parse().ok()?) + TimeDelta::minutes(minute.parse().ok()?);
    let zone = Zone::parse(zone).ok()?;
    let today = zone.day_of(now);
    [today, today.next()]
        .into_iter()
        .map(|day| zone.start_of(day) + offset)
        .find(|run| *run > now)
}

pub(super) async fn ensure(
    clients: &FunctionClients,
    deployment: &str,
    role: &RoleArn,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = schedule_name(deployment);
    let expression = expression(options.aggregate_at);
    let function_arn = format!(
        "arn:aws:lambda:{}:{}:function:{}",
        clients.region,
        super::account_of(&role.0).unwrap_or("<account>"),
        Job::Aggregate.function_name(deployment)
    );
    let wanted = ScheduleSpec {
        name: &name,
        expression: &expression,
        zone: &options.zone,
        target_arn: &function_arn,
        role_arn: &role.0,
        input: SCHEDULE_INPUT,
        description: "pageviews: the daily aggregation",
    };
    let plan = vec![format!("{expression} in {}", options.zone)];
    let Some(current) = clients.scheduler.schedule(&name).await? else {
        if options.dry_run {
            outcome.push("schedule", &name, StepState::WouldCreate, plan);
            return Ok(());
        }
        // The scheduler checks that it may assume the new role: a refusal while IAM
        // propagates is retried by the one retry policy.
        clients.scheduler.create(&wanted).await?;
        outcome.push("schedule", &name, StepState::Created, plan);
        return Ok(());
    };
    let differences = differences(&current, &wanted, options);
    let state = change_state(&differences, options.dry_run);
    if state == StepState::Updated {
        clients.scheduler.update(&wanted).await?;
    }
    outcome.push("schedule", &name, state, differences);
    Ok(())
}

/// What differs between the schedule found and the one asked for.
fn differences(current: &Schedule, wanted: &ScheduleSpec, options: &DeployOptions) -> Vec<String> {
    let mut differences = Vec::new();
    if current.expression.as_deref() != Some(wanted.expression) {
        differences.push(format!("time -> {}", wanted.expression));
    }
    if current.zone.as_deref() != Some(wanted.zone) {
        differences.push(format!("time zone -> {}", wanted.zone));
    }
    let same_target = current.target_arn.as_deref() == Some(wanted.target_arn)
        && current.role_arn.as_deref() == Some(wanted.role_arn)
        && current.input.as_deref() == Some(wanted.input);
    if !same_target && !options.dry_run {
        differences.push("target".to_owned());
    }
    differences
}

pub(super) async fn remove(
    clients: &FunctionClients,
    deployment: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = schedule_name(deployment);
    let state = match clients.scheduler.delete(&name).await? {
        true => StepState::Deleted,
        false => StepState::Absent,
    };
    outcome.push("schedule", &name, state, vec![]);
    Ok(())
}

/// The schedule, for `status`.
pub(super) async fn describe(
    clients: &FunctionClients,
    deployment: &str,
) -> anyhow::Result<Vec<String>> {
    let name = schedule_name(deployment);
    let Some(schedule) = clients.scheduler.schedule(&name).await? else {
        return Ok(vec![]);
    };
    let cron = schedule.expression.as_deref().unwrap_or("?");
    let zone = schedule.zone.as_deref().unwrap_or("UTC");
    let next = next_run(cron, zone, Utc::now()).map_or(String::new(), |run| {
        format!(", next run {}", run.format("%Y-%m-%dT%H:%M:%SZ"))
    });
    let state = schedule.state.as_deref().unwrap_or("?");
    Ok(vec![format!(
        "schedule {name}: {cron} in {zone} ({state}{next})"
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_next_run_is_the_time_in_the_deployments_zone() {
        let cron = expression((0, 15));
        assert_eq!(cron, "cron(15 0 * * ? *)");
        let next = |zone, now| next_run(&cron, zone, at(now));
        assert_eq!(
            next("UTC", "2021-03-13T00:10:00Z"),
            Some(at("2021-03-13T00:15:00Z"))
        );
        assert_eq!(
            next("UTC", "2021-03-13T00:15:00Z"),
            Some(at("2021-03-14T00:15:00Z"))
        );
        // Berlin is UTC+1 in March: its 00:15 is 23:15 UTC the day before.
        let berlin = next("Europe/Berlin", "2021-03-13T12:00:00Z");
        assert_eq!(berlin, Some(at("2021-03-13T23:15:00Z")));
        assert_eq!(
            next_run("rate(1 day)", "UTC", at("2021-03-13T00:00:00Z")),
            None
        );
    }
}
