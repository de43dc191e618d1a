//! Number formatting for the working lines and tables: people read these.

use crate::model::text::thousands;

/// A count: whole numbers get separators, small fractions keep four decimals.
pub fn count(value: f64) -> String {
    if value >= 100.0 || value.fract() == 0.0 {
        thousands(value.round() as u64)
    } else {
        trim(format!("{value:.4}"))
    }
}

/// A size in GB with enough decimals to be non-zero for small sites.
pub fn gb(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.1}")
    } else {
        trim(format!("{value:.6}"))
    }
}

/// Dollars: cents when it is a dollar or more, else four decimals so cents of cents show.
pub fn usd(value: f64) -> String {
    if value >= 1.0 || value == 0.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

/// A quantity in the priced unit (millions of requests, GB-months): six decimals at most.
pub fn quantity(value: f64) -> String {
    if value >= 1_000.0 {
        thousands(value.round() as u64)
    } else {
        trim(format!("{value:.6}"))
    }
}

/// A unit price as given in the table, without trailing zeros.
pub fn price(value: f64) -> String {
    trim(format!("{value:.10}"))
}

fn trim(text: String) -> String {
    if !text.contains('.') {
        return text;
    }
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(304_166.666), "304,167");
        assert_eq!(count(0.0333), "0.0333");
        assert_eq!(count(7.0), "7");
        assert_eq!(gb(0.82528), "0.82528");
        assert_eq!(gb(81.61028), "81.61028");
        assert_eq!(usd(0.190104), "0.1901");
        assert_eq!(usd(33.2612), "33.26");
        assert_eq!(usd(0.0), "0.00");
        assert_eq!(quantity(0.304166666), "0.304167");
        assert_eq!(quantity(0.0), "0");
        assert_eq!(price(0.625), "0.625");
        assert_eq!(price(0.4), "0.4");
    }
}
