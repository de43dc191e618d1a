//! Which kind of event an invocation carries, from the shape of its JSON alone (pure code).

use serde_json::Value;

use super::parts::PART_INPUT_KIND;
use super::SCHEDULE_INPUT;

/// The kinds of event the function serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A batch from an SQS event source mapping.
    Sqs,
    /// A batch from a Kinesis event source mapping.
    Kinesis,
    /// The daily schedule: EventBridge Scheduler's input, or an EventBridge rule's envelope.
    Schedule,
    /// One part of a day, invoked by the schedule (`parts.rs`).
    Part,
    /// An HTTP request through a function URL (payload format 2.0).
    FunctionUrl,
    Unknown,
}

/// Tells the kinds apart: SQS and Kinesis records name their source, a function URL request has an HTTP
/// request context, the schedule is the input `deploy` gives it or a `Scheduled Event`.
pub fn shape_of(event: &Value) -> Shape {
    let records = event.get("Records").and_then(Value::as_array);
    if let Some(records) = records {
        let all_from = |source: &str| {
            records
                .iter()
                .all(|record| record.get("eventSource") == Some(&Value::from(source)))
        };
        return match (all_from("aws:sqs"), all_from("aws:kinesis")) {
            (true, _) if !records.is_empty() => Shape::Sqs,
            (_, true) if !records.is_empty() => Shape::Kinesis,
            // An empty batch (never sent by Lambda) stores nothing either way.
            _ if records.is_empty() => Shape::Sqs,
            _ => Shape::Unknown,
        };
    }
    if event.pointer("/requestContext/http").is_some() {
        return Shape::FunctionUrl;
    }
    let input: Value = serde_json::from_str(SCHEDULE_INPUT).expect("the schedule's input is JSON");
    if *event == input || event.get("detail-type") == Some(&Value::from("Scheduled Event")) {
        return Shape::Schedule;
    }
    if event.get("pageviews") == Some(&Value::from(PART_INPUT_KIND)) {
        return Shape::Part;
    }
    Shape::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_is_told_apart_by_its_shape() {
        let sqs = json!({"Records": [{"messageId": "m", "eventSource": "aws:sqs", "body": "{}"}]});
        assert_eq!(shape_of(&sqs), Shape::Sqs);
        let kinesis = json!({"Records": [{"eventID": "shardId-000000000000:4959",
            "eventSource": "aws:kinesis", "kinesis": {"data": "e30="}}]});
        assert_eq!(shape_of(&kinesis), Shape::Kinesis);
        let mixed =
            json!({"Records": [{"eventSource": "aws:sqs"}, {"eventSource": "aws:kinesis"}]});
        assert_eq!(shape_of(&mixed), Shape::Unknown);
        let sns = json!({"Records": [{"EventSource": "aws:sns"}]});
        assert_eq!(shape_of(&sns), Shape::Unknown);
        let url = json!({"version": "2.0", "rawPath": "/v1/view",
            "requestContext": {"http": {"method": "POST", "sourceIp": "192.0.2.1"}}});
        assert_eq!(shape_of(&url), Shape::FunctionUrl);
        assert_eq!(
            shape_of(&json!({"pageviews": "aggregate"})),
            Shape::Schedule
        );
        let rule = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(shape_of(&rule), Shape::Schedule);
        assert_eq!(shape_of(&json!({"pageviews": "drain"})), Shape::Unknown);
        let part =
            json!({"pageviews": "aggregate-part", "day": "2021-03-10", "parts": 8, "part": 3});
        assert_eq!(shape_of(&part), Shape::Part);
        assert_eq!(shape_of(&json!([])), Shape::Unknown);
    }
}
