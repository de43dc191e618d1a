//! Access logs as JSON lines (`nginx-json`; pure code): one object per line, with nginx's
//! variable names as a JSON `log_format` usually spells them, or the names the user gives
//! (`--json-field ROLE=KEY`; a dotted KEY reaches into nested objects):
//!
//! ```text
//! {"time_iso8601":"2021-03-13T10:00:00+00:00","remote_addr":"203.0.113.9","request":"GET /a?utm_source=x HTTP/2.0","status":200,"http_referer":"https://www.google.com/","http_user_agent":"Mozilla/5.0 ...","host":"example.com"}
//! ```
//!
//! A time is RFC 3339 (`$time_iso8601`), `[10/Oct/2000:13:55:36 -0700]`'s inside
//! (`$time_local`), or seconds since the epoch (`$msec`, a number or a string).

use serde_json::Value;
use std::borrow::Cow;

use super::request::{parse_clf_time, Request, Unparsable};
use super::tokens::split_request;

/// What a field of a JSON access log is for a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonRole {
    Time,
    Address,
    Method,
    Uri,
    Request,
    Status,
    Referrer,
    Agent,
    Host,
}

const ROLES: [(JsonRole, &str, &[&str]); 9] = [
    (
        JsonRole::Time,
        "time",
        &[
            "time_iso8601",
            "time_local",
            "@timestamp",
            "timestamp",
            "time",
            "msec",
            "ts",
        ],
    ),
    (
        JsonRole::Address,
        "address",
        &["remote_addr", "client_ip", "remote_ip", "ip"],
    ),
    (JsonRole::Method, "method", &["request_method", "method"]),
    (JsonRole::Uri, "uri", &["request_uri", "uri", "path"]),
    (JsonRole::Request, "request", &["request"]),
    (JsonRole::Status, "status", &["status", "status_code"]),
    (
        JsonRole::Referrer,
        "referrer",
        &["http_referer", "http_referrer", "referer", "referrer"],
    ),
    (
        JsonRole::Agent,
        "user-agent",
        &["http_user_agent", "user_agent", "agent"],
    ),
    (
        JsonRole::Host,
        "host",
        &["host", "http_host", "server_name"],
    ),
];

/// `--json-field ROLE=KEY`: where one role's value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonField {
    pub role: JsonRole,
    pub key: String,
}

impl std::str::FromStr for JsonField {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let roles: Vec<&str> = ROLES.iter().map(|(_, name, _)| *name).collect();
        let (role, key) = text
            .split_once('=')
            .filter(|(_, key)| !key.trim().is_empty())
            .ok_or_else(|| format!("{text:?} is not ROLE=KEY (roles: {})", roles.join(", ")))?;
        let role = ROLES
            .iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(role.trim()))
            .map(|(role, _, _)| *role)
            .ok_or_else(|| format!("no role {role:?}: roles are {}", roles.join(", ")))?;
        Ok(JsonField {
            role,
            key: key.trim().to_owned(),
        })
    }
}

/// The keys looked for, per role: the usual names, or the one given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFields {
    keys: Vec<(JsonRole, Vec<String>)>,
}

impl JsonFields {
    pub fn new(given: &[JsonField]) -> JsonFields {
        let keys = ROLES
            .iter()
            .map(|(role, _, usual)| {
                let keys: Vec<String> = match given.iter().rev().find(|field| field.role == *role) {
                    Some(field) => vec![field.key.clone()],
                    None => usual.iter().map(|key| (*key).to_owned()).collect(),
                };
                (*role, keys)
            })
            .collect();
        JsonFields { keys }
    }

    fn find<'v>(&self, object: &'v Value, role: JsonRole) -> Option<&'v Value> {
        let (_, keys) = self.keys.iter().find(|(each, _)| *each == role)?;
        keys.iter()
            .find_map(|key| lookup(object, key))
            .filter(|value| !matches!(value, Value::Null) && value.as_str() != Some("-"))
            .filter(|value| value.as_str() != Some(""))
    }
}

impl Default for JsonFields {
    fn default() -> Self {
        JsonFields::new(&[])
    }
}

/// `key` in `object`, or, when it has dots and no such key, the nested value it names.
fn lookup<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
    if let Some(value) = object.get(key) {
        return Some(value);
    }
    key.contains('.')
        .then(|| {
            key.split('.')
                .try_fold(object, |inner, part| inner.get(part))
        })
        .flatten()
}

/// Reads one line of a JSON access log.
pub fn parse_json_log<'a>(line: &'a str, fields: &JsonFields) -> Result<Request<'a>, Unparsable> {
    let object: Value = serde_json::from_str(line).map_err(|_| "not a JSON object")?;
    if !object.is_object() {
        return Err("not a JSON object");
    }
    let text = |role: JsonRole| -> Option<Cow<'a, str>> {
        match fields.find(&object, role)? {
            Value::String(text) => Some(Cow::Owned(text.clone())),
            Value::Number(number) => Some(Cow::Owned(number.to_string())),
            _ => None,
        }
    };
    let time_ms = match fields.find(&object, JsonRole::Time) {
        Some(Value::Number(seconds)) => seconds.as_f64().and_then(seconds_ms),
        Some(Value::String(time)) => time_ms(time),
        _ => return Err("no time (time_iso8601, time_local, msec... or --json-field time=KEY)"),
    }
    .ok_or("time is neither RFC 3339, [10/Oct/2000:13:55:36 -0700] nor seconds")?;
    let (method, target) = match (text(JsonRole::Uri), text(JsonRole::Request)) {
        (Some(uri), _) => (text(JsonRole::Method).unwrap_or_default(), uri),
        (None, Some(request)) => split_request(request),
        (None, None) => {
            return Err("no request or request_uri (or --json-field uri=KEY)");
        }
    };
    let status = text(JsonRole::Status)
        .and_then(|status| status.parse::<u16>().ok())
        .ok_or("no status (or --json-field status=KEY)")?;
    Ok(Request {
        address: text(JsonRole::Address).unwrap_or_default(),
        time_ms,
        method,
        target,
        status,
        referrer: text(JsonRole::Referrer),
        user_agent: text(JsonRole::Agent),
        host: text(JsonRole::Host),
    })
}

fn time_ms(text: &str) -> Option<i64> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_millis());
    }
    let inner = text.trim_start_matches('[').trim_end_matches(']');
    parse_clf_time(inner).or_else(|| text.parse::<f64>().ok().and_then(seconds_ms))
}

/// Seconds since the epoch (`$msec`: `1615629600.123`) as milliseconds.
fn seconds_ms(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_nginx_names() {
        let line = r#"{"time_local":"13/Mar/2021:11:00:00 +0100","remote_addr":"2001:db8::3","remote_user":"-","request":"GET /a?utm_source=x HTTP/2.0","status":"200","body_bytes_sent":"512","http_referrer":"https://www.google.com/","http_user_agent":"Mozilla/5.0 (X11)","host":"example.com"}"#;
        let request = parse_json_log(line, &JsonFields::default()).unwrap();
        assert_eq!(request.time_ms, 1_615_629_600_000);
        assert_eq!(request.address, "2001:db8::3");
        assert_eq!(
            (request.method.as_ref(), request.target.as_ref()),
            ("GET", "/a?utm_source=x")
        );
        assert_eq!(request.status, 200);
        assert_eq!(request.referrer.as_deref(), Some("https://www.google.com/"));
        assert_eq!(request.user_agent.as_deref(), Some("Mozilla/5.0 (X11)"));
        assert_eq!(request.host.as_deref(), Some("example.com"));
        let msec = r#"{"msec":1615629600.25,"remote_addr":"192.0.2.1","request_method":"GET","request_uri":"/","status":304,"http_referer":"-"}"#;
        let request = parse_json_log(msec, &JsonFields::default()).unwrap();
        assert_eq!(request.time_ms, 1_615_629_600_250);
        assert_eq!((request.status, request.referrer), (304, None));
    }

    #[test]
    fn names_given_and_nested() {
        let fields = JsonFields::new(&[
            "time=when".parse().unwrap(),
            "uri=http.request.path".parse().unwrap(),
            "method=http.request.method".parse().unwrap(),
            "status=http.response.status_code".parse().unwrap(),
        ]);
        let line = r#"{"when":"2021-03-13T10:00:00Z","client_ip":"192.0.2.1","http":{"request":{"method":"GET","path":"/b"},"response":{"status_code":200}}}"#;
        let request = parse_json_log(line, &fields).unwrap();
        assert_eq!((request.target.as_ref(), request.status), ("/b", 200));
        assert_eq!(request.address, "192.0.2.1");
        assert_eq!(
            "size=x".parse::<JsonField>().unwrap_err(),
            "no role \"size\": roles are time, address, method, uri, request, status, referrer, user-agent, host"
        );
        assert!("time".parse::<JsonField>().is_err());
        assert_eq!(
            parse_json_log(r#"{"remote_addr":"x"}"#, &JsonFields::default()).unwrap_err(),
            "no time (time_iso8601, time_local, msec... or --json-field time=KEY)"
        );
        assert_eq!(
            parse_json_log("[1]", &JsonFields::default()).unwrap_err(),
            "not a JSON object"
        );
    }
}
