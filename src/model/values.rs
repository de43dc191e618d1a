//! The one way flags check their values: whole numbers and seconds within a range, and the
//! few formats of their own (names, account ids, prices), each refused with the range it needs.

use crate::model::text::thousands;

/// A parser of whole numbers from `min` to `max` for a clap `value_parser`. Negative numbers
/// reach it too (with `allow_negative_numbers`), so `-1` gets the range message, not
/// "unexpected argument".
pub fn whole<T>(min: u64, max: u64) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: TryFrom<u64>,
{
    move |text: &str| {
        let refuse = || {
            format!(
                "expected a whole number from {} to {}",
                thousands(min),
                thousands(max)
            )
        };
        let number: u64 = text.trim().parse().map_err(|_| refuse())?;
        if !(min..=max).contains(&number) {
            return Err(refuse());
        }
        T::try_from(number).map_err(|_| refuse())
    }
}

/// A parser of seconds (fractions allowed) from `min` to `max`, with `hint` after the range,
/// e.g. "(SQS's long-poll limit)".
pub fn seconds(
    min: f64,
    max: f64,
    hint: &'static str,
) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |text: &str| match text.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && (min..=max).contains(&seconds) => Ok(seconds),
        _ => Err(format!("expected seconds from {min} to {max}{hint}")),
    }
}

/// A price in USD of at least 0.
pub fn usd(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(usd) if usd.is_finite() && usd >= 0.0 => Ok(usd),
        _ => Err("expected a price in USD of at least 0, e.g. 0.25".into()),
    }
}

/// A size in GB above 0.
pub fn gigabytes(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(gb) if gb.is_finite() && gb > 0.0 => Ok(gb),
        _ => Err("expected a size in GB above 0, e.g. 20".into()),
    }
}

/// Deployment names become queue and table names: SQS allows 80 characters of [A-Za-z0-9_-]
/// and the longest suffix is "-events-dlq".
pub fn deployment_name(text: &str) -> Result<String, String> {
    let valid_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if text.is_empty() || text.len() > 69 || !valid_chars {
        return Err(
            "use 1 to 69 letters, digits, '-' or '_' (it prefixes queue and table names)".into(),
        );
    }
    Ok(text.to_owned())
}

/// A 12-digit AWS account id.
pub fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("expected a 12-digit AWS account id".into())
    }
}

/// `HOST:PORT`, or `:PORT` for every interface.
pub fn listen_address(text: &str) -> Result<std::net::SocketAddr, String> {
    let text = text.trim();
    let full = match text.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => text.to_owned(),
    };
    full.parse().map_err(|_| {
        "expected an IP address and port, e.g. 127.0.0.1:8080, [::1]:8080 or :8080".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_range_checked() {
        let count = whole::<u64>(1, 1_000_000);
        assert_eq!(count("10"), Ok(10));
        assert_eq!(count(" 7 "), Ok(7));
        for bad in ["0", "-5", "ten", "1000001", ""] {
            assert_eq!(
                count(bad),
                Err("expected a whole number from 1 to 1,000,000".into()),
                "{bad}"
            );
        }
        assert_eq!(whole::<u16>(1, 64)("64"), Ok(64u16));
        assert_eq!(whole::<usize>(1, 5)("3"), Ok(3usize));
    }

    #[test]
    fn seconds_are_range_checked() {
        let wait = seconds(0.0, 20.0, " (SQS's long-poll limit)");
        assert_eq!(wait("0.5"), Ok(0.5));
        for bad in ["21", "-1", "NaN", "inf", "x"] {
            assert_eq!(
                wait(bad),
                Err("expected seconds from 0 to 20 (SQS's long-poll limit)".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_follow_queue_name_rules() {
        assert!(deployment_name("pageviews").is_ok());
        assert!(deployment_name("site_2-prod").is_ok());
        for bad in ["", "a b", &"x".repeat(70)] {
            assert!(deployment_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_address(":8080").unwrap().port(), 8080);
        assert!(listen_address("[::1]:80").is_ok());
        assert!(listen_address("localhost").is_err());
    }
}
