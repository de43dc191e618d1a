//! The aggregation's EventBridge Scheduler schedule: every day at the chosen time in the
//! deployment's time zone, invoking the aggregation function with the input it knows.

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use chrono::{DateTime, TimeDelta, Utc};

use super::roles::{failed, RoleArn};
use super::{change_state, schedule_name, DeployClients, DeployOptions, Job, Outcome, StepState};
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
    clients: &DeployClients,
    deployment: &str,
    role: &RoleArn,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = schedule_name(deployment);
    let wanted = expression(options.aggregate_at);
    let function_arn = format!(
        "arn:aws:lambda:{}:{}:function:{}",
        clients.region,
        super::account_of(&role.0).unwrap_or("<account>"),
        Job::Aggregate.function_name(deployment)
    );
    let plan = vec![format!("{wanted} in {}", options.zone)];
    let found = clients.scheduler.get_schedule().name(&name).send().await;
    let current = match found {
        Ok(current) => Some(current),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            None
        }
        Err(err) => return Err(failed(&format!("GetSchedule {name}"), err)),
    };
    let state = match &current {
        None if options.dry_run => StepState::WouldCreate,
        None => StepState::Created,
        Some(current) => {
            let differences = differences(current, &wanted, &function_arn, role, options);
            let state = change_state(&differences, options.dry_run);
            outcome.push("schedule", &name, state, differences);
            if state != StepState::Updated {
                return Ok(());
            }
            state
        }
    };
    if state == StepState::WouldCreate {
        outcome.push("schedule", &name, state, plan);
        return Ok(());
    }
    write(clients, &name, &wanted, &function_arn, role, options, state).await?;
    if state == StepState::Created {
        outcome.push("schedule", &name, state, plan);
    }
    Ok(())
}

/// What differs between the schedule found and the one asked for.
fn differences(
    current: &GetScheduleOutput,
    wanted: &str,
    function_arn: &str,
    role: &RoleArn,
    options: &DeployOptions,
) -> Vec<String> {
    let mut differences = Vec::new();
    if current.schedule_expression() != Some(wanted) {
        differences.push(format!("time -> {wanted}"));
    }
    if current.schedule_expression_timezone() != Some(options.zone.as_str()) {
        differences.push(format!("time zone -> {}", options.zone));
    }
    let same_target = current.target().is_some_and(|t| {
        t.arn() == function_arn && t.role_arn() == role.0 && t.input() == Some(SCHEDULE_INPUT)
    });
    if !same_target && !options.dry_run {
        differences.push("target".to_owned());
    }
    differences
}

/// Creates the schedule (`state` Created) or updates it (Updated).
async fn write(
    clients: &DeployClients,
    name: &str,
    wanted: &str,
    function_arn: &str,
    role: &RoleArn,
    options: &DeployOptions,
    state: StepState,
) -> anyhow::Result<()> {
    let target = Target::builder()
        .arn(function_arn)
        .role_arn(&role.0)
        .input(SCHEDULE_INPUT)
        .build()
        .map_err(|err| failed("the schedule's target", err))?;
    let window = FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(|err| failed("the schedule's window", err))?;
    if state == StepState::Created {
        // The scheduler checks that it may assume the new role.
        super::while_roles_settle(
            || {
                clients
                    .scheduler
                    .create_schedule()
                    .name(name)
                    .schedule_expression(wanted)
                    .schedule_expression_timezone(&options.zone)
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .description("pageviews: the daily aggregation")
                    .send()
            },
            |err| {
                err.as_service_error()
                    .is_some_and(|e| e.is_validation_exception())
            },
        )
        .await
        .map_err(|err| failed(&format!("CreateSchedule {name}"), err))?;
    } else {
        clients
            .scheduler
            .update_schedule()
            .name(name)
            .schedule_expression(wanted)
            .schedule_expression_timezone(&options.zone)
            .flexible_time_window(window)
            .target(target)
            .description("pageviews: the daily aggregation")
            .send()
            .await
            .map_err(|err| failed(&format!("UpdateSchedule {name}"), err))?;
    }
    Ok(())
}

pub(super) async fn remove(
    clients: &DeployClients,
    deployment: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = schedule_name(deployment);
    let state = match clients.scheduler.delete_schedule().name(&name).send().await {
        Ok(_) => StepState::Deleted,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            StepState::Absent
        }
        Err(err) => return Err(failed(&format!("DeleteSchedule {name}"), err)),
    };
    outcome.push("schedule", &name, state, vec![]);
    Ok(())
}

/// The schedule, for `status`.
pub(super) async fn describe(
    clients: &DeployClients,
    deployment: &str,
) -> anyhow::Result<Vec<String>> {
    let name = schedule_name(deployment);
    match clients.scheduler.get_schedule().name(&name).send().await {
        Ok(schedule) => {
            let cron = schedule.schedule_expression().unwrap_or("?");
            let zone = schedule.schedule_expression_timezone().unwrap_or("UTC");
            let next = next_run(cron, zone, Utc::now()).map_or(String::new(), |run| {
                format!(", next run {}", run.format("%Y-%m-%dT%H:%M:%SZ"))
            });
            let state = schedule.state().map_or("?", |state| state.as_str());
            Ok(vec![format!(
                "schedule {name}: {cron} in {zone} ({state}{next})"
            )])
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(vec![])
        }
        Err(err) => Err(failed(&format!("GetSchedule {name}"), err)),
    }
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
