//! The rules of the engagement beacon's fields (pure code): the engaged time a beacon adds, in
//! milliseconds, and the deepest scroll reached, in percent, now and at the view's previous
//! beacon. `fields::FIELDS` names each rule; `model::engagement` counts them.

use super::fields::{FieldValue, Fields, Kind, Refused};
use super::{EventError, Field};
use compact_str::ToCompactString;

/// The most engaged time one beacon may add: four hours. A page in the foreground longer than
/// that is left open, not read; a larger value is refused as a bad beacon, not cut.
pub const MAX_ENGAGED_MS: u64 = 4 * 3_600_000;

/// Milliseconds of engaged time, a whole number from 0 to `MAX_ENGAGED_MS`.
pub fn engaged_ms(text: &str) -> Result<Option<FieldValue>, Refused> {
    whole_number(text, MAX_ENGAGED_MS)
}

/// A scroll depth in percent, a whole number from 0 to 100.
pub fn scroll_percent(text: &str) -> Result<Option<FieldValue>, Refused> {
    whole_number(text, 100)
}

/// A whole number up to `max`, stored without sign or leading zeros; empty is none. JSON
/// numbers arrive as their text (`decode`), so `12.0` is refused like any fraction.
fn whole_number(text: &str, max: u64) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refused);
    }
    let value: u64 = text.parse().map_err(|_| Refused)?;
    if value > max {
        return Err(Refused);
    }
    Ok(Some(value.to_compact_string()))
}

/// The fields of an engagement beacon.
pub const ENGAGEMENT_FIELDS: [Field; 3] = [Field::EngagedMs, Field::Scroll, Field::ScrollBefore];

/// The engagement fields go with engagement beacons only, and a beacon says how long it was
/// engaged.
pub fn check_kind_and_engagement(kind: Kind, fields: &Fields) -> Result<(), EventError> {
    let engaged = fields.get(Field::EngagedMs).is_some();
    let any = ENGAGEMENT_FIELDS
        .iter()
        .any(|field| fields.get(*field).is_some());
    match kind {
        Kind::Engagement if !engaged => Err(EventError::BadField(Field::EngagedMs)),
        Kind::View | Kind::Download | Kind::Event | Kind::Bot if any => {
            Err(EventError::EngagementWithoutBeacon)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engaged_time_and_scroll_are_bounded_whole_numbers() {
        assert_eq!(engaged_ms(" 0012500 "), Ok(Some("12500".into())));
        assert_eq!(engaged_ms(""), Ok(None));
        assert_eq!(engaged_ms("14400000"), Ok(Some("14400000".into())));
        for bad in [
            "14400001",
            "-1",
            "1.5",
            "12.0",
            "1e3",
            "ten",
            "99999999999999999999999",
        ] {
            assert_eq!(engaged_ms(bad), Err(Refused), "{bad}");
        }
        assert_eq!(scroll_percent("100"), Ok(Some("100".into())));
        assert_eq!(scroll_percent("0"), Ok(Some("0".into())));
        assert_eq!(scroll_percent("101"), Err(Refused));
    }

    #[test]
    fn a_beacon_needs_its_engaged_time() {
        let none = Fields::default();
        let engaged = Fields::default().with(Field::EngagedMs, "0");
        let scrolled = Fields::default().with(Field::Scroll, "50");
        assert_eq!(
            check_kind_and_engagement(Kind::Engagement, &scrolled),
            Err(EventError::BadField(Field::EngagedMs))
        );
        assert!(check_kind_and_engagement(Kind::Engagement, &engaged).is_ok());
        assert!(check_kind_and_engagement(Kind::View, &none).is_ok());
        for kind in [Kind::View, Kind::Download, Kind::Event, Kind::Bot] {
            assert_eq!(
                check_kind_and_engagement(kind, &scrolled),
                Err(EventError::EngagementWithoutBeacon),
                "{kind:?}"
            );
        }
    }
}
