//! A day's events split by visitor key (pure code): into `SHARDS` shards, ranges of the key
//! space that every event of one visitor falls in together (events without a key in the
//! first), and parts made of whole shards. So every number of a part (views, each page's and
//! the site's visitors, visits, every breakdown) is exact on its own and the day's number is
//! the sum over its parts; a part can be counted on a thread, in a process or on a machine of
//! its own. Which parts still reflect the stored events is `part_is_current`'s to say.

use std::sync::LazyLock;

/// Shards of a day: ranges of visitor keys, of equal width over the keys' 16 hex digits (a
/// keyed hash, so spread evenly). A day can be counted in at most this many parts.
pub const SHARDS: u32 = 64;

/// Bits of a 64-bit key value below a shard's bound.
const SHARD_SHIFT: u32 = 64 - SHARDS.trailing_zeros();

/// The visitor keys of one range of shards: those from `from` (inclusive) up to `until`
/// (exclusive), in the byte order of their text (SQLite's and `str`'s); `None` is open on that
/// side. The first range also holds events without a visitor key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRange {
    pub from: Option<String>,
    pub until: Option<String>,
}

impl VisitorRange {
    /// The whole day in one part.
    #[cfg(test)]
    pub fn all() -> Self {
        Part::WHOLE.range()
    }

    /// `parts` ranges (1 to `SHARDS`) that cover every key once: the ranges of `Part`s.
    #[cfg(test)]
    pub fn split(parts: u32) -> Vec<VisitorRange> {
        let parts = parts.clamp(1, SHARDS);
        (0..parts)
            .map(|part| Part { parts, part }.range())
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

/// The lowest key of shard `shard` (`None` for the first, which begins below every key, and
/// for one past the last).
fn shard_bound(shard: u32) -> Option<String> {
    (shard > 0 && shard < SHARDS).then(|| format!("{:016x}", u64::from(shard) << SHARD_SHIFT))
}

/// The lowest keys of every shard but the first, in order.
static SHARD_BOUNDS: LazyLock<Vec<String>> =
    LazyLock::new(|| (1..SHARDS).filter_map(shard_bound).collect());

/// The shard an event of visitor key `key` falls in (`None`: without one, the first).
pub fn shard_of(key: Option<&str>) -> u32 {
    let Some(key) = key else {
        return 0;
    };
    // A collected or imported key, 16 lowercase hex digits (as every bound), is in the shard
    // its leading digits name: a drain marks the shard of every event it stores.
    if key.len() == 16 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        let lead = u64::from_str_radix(&key[..2], 16).expect("hex digits");
        return (lead << 56 >> SHARD_SHIFT) as u32;
    }
    // Any other key by byte order, as the ranges' SQL compares it.
    SHARD_BOUNDS.partition_point(|bound| bound.as_str() <= key) as u32
}

/// Part `part` (from 0) of a day counted in `parts` (1 to `SHARDS`): shards
/// `part * SHARDS / parts` up to the next part's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Part {
    pub parts: u32,
    pub part: u32,
}

impl Part {
    /// The day counted in one part.
    pub const WHOLE: Part = Part { parts: 1, part: 0 };

    /// Part `part` of `parts`, or why there is no such part (for a flag's error).
    pub fn new(parts: u32, part: u32) -> Result<Part, String> {
        if parts == 0 || parts > SHARDS {
            return Err(format!(
                "a day is counted in 1 to {SHARDS} parts, not {parts}"
            ));
        }
        if part >= parts {
            return Err(format!(
                "part {part} of {parts} does not exist: parts are numbered from 0 to {}",
                parts - 1
            ));
        }
        Ok(Part { parts, part })
    }

    /// Every part of a day counted in `parts`.
    pub fn all(parts: u32) -> impl Iterator<Item = Part> {
        (0..parts).map(move |part| Part { parts, part })
    }

    /// Its shards: from the first up to (not including) the last.
    pub fn shards(self) -> std::ops::Range<u32> {
        self.shards_among(SHARDS)
    }

    /// Its shards where a day has `shards` of them (at least `parts`), numbered from 0: a
    /// store whose shards are not this module's (DynamoDB's partitions of a day).
    pub fn shards_among(self, shards: u32) -> std::ops::Range<u32> {
        let first =
            |part: u32| (u64::from(part) * u64::from(shards) / u64::from(self.parts)) as u32;
        first(self.part)..first(self.part + 1)
    }

    /// The visitor keys of its shards.
    pub fn range(self) -> VisitorRange {
        let shards = self.shards();
        VisitorRange {
            from: shard_bound(shards.start),
            until: shard_bound(shards.end),
        }
    }

    /// Whether it holds the first shard: events without a visitor key, and the day's record.
    pub fn is_first(self) -> bool {
        self.part == 0
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "part {} of {}", self.part, self.parts)
    }
}

/// What a store knows of a day's changes, to tell whether a part counted earlier still holds:
/// the day's change version now; from which version on each change also marked the shards it
/// touched (`None`: none was marked since the store began marking shards); and per shard, the
/// day's version when it last changed (0: not since marking began).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayChanges {
    pub version: u64,
    pub shards_marked_from: Option<u64>,
    pub shard_changed: Vec<u64>,
}

/// Whether a part counted at day version `counted` still counts what is stored: the day has not
/// changed since, or every change since was marked by shard and none touched the part's.
pub fn part_is_current(part: Part, counted: u64, day: &DayChanges) -> bool {
    if counted == day.version {
        return true;
    }
    let marked = day
        .shards_marked_from
        .is_some_and(|from| counted >= from && counted < day.version);
    marked
        && part.shards().all(|shard| {
            day.shard_changed
                .get(shard as usize)
                .is_none_or(|&changed| changed <= counted)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_part_is_everything() {
        assert_eq!(VisitorRange::split(1), vec![VisitorRange::all()]);
        assert_eq!(VisitorRange::split(0), vec![VisitorRange::all()]);
        assert_eq!(
            VisitorRange::all(),
            VisitorRange {
                from: None,
                until: None
            }
        );
    }

    #[test]
    fn parts_are_whole_shards_cutting_the_hex_range() {
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
        assert_eq!(Part::new(3, 0).unwrap().shards(), 0..21);
        assert_eq!(Part::new(3, 1).unwrap().shards(), 21..42);
        assert_eq!(Part::new(3, 2).unwrap().shards(), 42..64);
        assert_eq!(Part::new(64, 63).unwrap().shards(), 63..64);
        assert_eq!(Part::WHOLE.shards(), 0..64);
    }

    #[test]
    fn parts_and_numbers_out_of_range_are_refused_with_the_range() {
        assert_eq!(
            Part::new(0, 0).unwrap_err(),
            "a day is counted in 1 to 64 parts, not 0"
        );
        assert!(Part::new(65, 0).is_err());
        assert_eq!(
            Part::new(8, 8).unwrap_err(),
            "part 8 of 8 does not exist: parts are numbered from 0 to 7"
        );
        assert_eq!(Part::all(3).count(), 3);
    }

    const KEYS: [Option<&str>; 13] = [
        None,
        Some(""),
        Some("0000000000000000"),
        Some("03ffffffffffffff"),
        Some("0400000000000000"),
        Some("2492492492492492"),
        Some("7fffffffffffffff"),
        Some("8000000000000000"),
        Some("ffffffffffffffff"),
        Some("FFFFFFFFFFFFFFFF"),
        Some("visitor-1"),
        Some("~"),
        Some("é"),
    ];

    #[test]
    fn every_key_falls_in_exactly_one_part_the_one_of_its_shard() {
        for parts in 1..=SHARDS {
            let ranges = VisitorRange::split(parts);
            for key in KEYS {
                let holding: Vec<u32> = (0..parts)
                    .filter(|&part| ranges[part as usize].holds(key))
                    .collect();
                assert_eq!(holding.len(), 1, "{key:?} in {parts} parts");
                let part = Part::new(parts, holding[0]).unwrap();
                assert!(part.shards().contains(&shard_of(key)), "{key:?} in {part}");
            }
            assert!(ranges[0].holds(None));
        }
    }

    #[test]
    fn shards_follow_the_keys_leading_hex_digits() {
        assert_eq!(shard_of(None), 0);
        assert_eq!(shard_of(Some("03ffffffffffffff")), 0);
        assert_eq!(shard_of(Some("0400000000000000")), 1);
        assert_eq!(shard_of(Some("8000000000000000")), 32);
        assert_eq!(shard_of(Some("ffffffffffffffff")), 63);
        // Not hex: still a shard, by byte order.
        assert_eq!(shard_of(Some("~")), 63);
        assert_eq!(shard_of(Some("")), 0);
    }

    #[test]
    fn hex_keys_find_their_shard_as_byte_order_does() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..10_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let key = format!("{state:016x}");
            let by_order = SHARD_BOUNDS.partition_point(|bound| bound.as_str() <= key.as_str());
            assert_eq!(shard_of(Some(&key)) as usize, by_order, "{key}");
        }
        for shard in 1..SHARDS {
            let bound = shard_bound(shard).unwrap();
            assert_eq!(shard_of(Some(&bound)), shard);
            let below = format!("{:016x}", (u64::from(shard) << SHARD_SHIFT) - 1);
            assert_eq!(shard_of(Some(&below)), shard - 1);
        }
    }

    fn changes(version: u64, from: Option<u64>, changed: &[(u32, u64)]) -> DayChanges {
        let mut shard_changed = vec![0; SHARDS as usize];
        for &(shard, at) in changed {
            shard_changed[shard as usize] = at;
        }
        DayChanges {
            version,
            shards_marked_from: from,
            shard_changed,
        }
    }

    #[test]
    fn a_part_stays_current_until_one_of_its_shards_changes() {
        let (first, last) = (Part::new(8, 0).unwrap(), Part::new(8, 7).unwrap());
        // Shard 60 (the last part's) changed at version 5; the parts were counted at 4.
        let day = changes(5, Some(0), &[(3, 2), (60, 5)]);
        assert!(part_is_current(first, 4, &day));
        assert!(!part_is_current(last, 4, &day));
        assert!(part_is_current(last, 5, &day));
        // Counted before shard 3's change at 2: stale.
        assert!(!part_is_current(first, 1, &day));
    }

    #[test]
    fn changes_not_marked_by_shard_make_every_part_stale() {
        let part = Part::new(8, 3).unwrap();
        // Marking began at version 7 (a database made before shards were marked).
        let day = changes(9, Some(7), &[]);
        assert!(part_is_current(part, 7, &day));
        assert!(!part_is_current(part, 6, &day));
        let unmarked = changes(9, None, &[]);
        assert!(!part_is_current(part, 8, &unmarked));
        assert!(part_is_current(part, 9, &unmarked));
        // A count of a version the day never had (a copy restored from before) is not trusted.
        assert!(!part_is_current(part, 10, &day));
    }
}
