//! A day's events split into parts by ranges of visitor keys, so that each part can be counted
//! on its own thread from the same snapshot and the counts merged (pure code): every event of
//! one visitor falls in one part, and events without a key in the first.

/// The visitor keys of one part: those from `from` (inclusive) up to `until` (exclusive), in
/// the byte order of their text (SQLite's and `str`'s); `None` is open on that side. The first
/// part also holds events without a visitor key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRange {
    pub from: Option<String>,
    pub until: Option<String>,
}

impl VisitorRange {
    /// The whole day in one part.
    pub fn all() -> Self {
        VisitorRange {
            from: None,
            until: None,
        }
    }

    /// `parts` ranges (at least one) that cover every key once. Bounds are 16 hex digits
    /// cutting the range of collected keys (16 hex digits of a keyed hash, so spread evenly)
    /// into equal parts; keys of any other form still fall in exactly one part.
    pub fn split(parts: usize) -> Vec<VisitorRange> {
        let parts = parts.max(1) as u128;
        let bound = |part: u128| {
            (part > 0 && part < parts).then(|| format!("{:016x}", (part << 64) / parts))
        };
        (0..parts)
            .map(|part| VisitorRange {
                from: bound(part),
                until: bound(part + 1),
            })
            .collect()
    }

    /// Whether an event of visitor key `key` (`None`: without one) belongs here, as the SQL of
    /// a store's read says it (the tests' statement of the rule).
    #[cfg(test)]
    pub fn holds(&self, key: Option<&str>) -> bool {
        let Some(key) = key else {
            return self.from.is_none();
        };
        self.from.as_deref().is_none_or(|from| key >= from)
            && self.until.as_deref().is_none_or(|until| key < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_part_is_everything() {
        assert_eq!(VisitorRange::split(1), vec![VisitorRange::all()]);
        assert_eq!(VisitorRange::split(0), vec![VisitorRange::all()]);
    }

    #[test]
    fn parts_cut_the_hex_range_evenly() {
        let bounds: Vec<_> = VisitorRange::split(4)
            .into_iter()
            .map(|range| (range.from, range.until))
            .collect();
        let hex = |text: &str| Some(text.to_owned());
        assert_eq!(
            bounds,
            [
                (None, hex("4000000000000000")),
                (hex("4000000000000000"), hex("8000000000000000")),
                (hex("8000000000000000"), hex("c000000000000000")),
                (hex("c000000000000000"), None),
            ]
        );
    }

    #[test]
    fn every_key_falls_in_exactly_one_part() {
        for parts in 1..=7 {
            let ranges = VisitorRange::split(parts);
            let keys = [
                None,
                Some(""),
                Some("0000000000000000"),
                Some("2492492492492492"),
                Some("2492492492492491"),
                Some("7fffffffffffffff"),
                Some("8000000000000000"),
                Some("ffffffffffffffff"),
                Some("FFFFFFFFFFFFFFFF"),
                Some("visitor-1"),
                Some("~"),
                Some("é"),
            ];
            for key in keys {
                let holding = ranges.iter().filter(|range| range.holds(key)).count();
                assert_eq!(holding, 1, "{key:?} in {parts} parts");
            }
            assert!(ranges[0].holds(None));
        }
    }
}
