//! What an import did, by reason (pure code): lines read, views and bots' hits queued, lines
//! skipped by why, and the unparsable lines with where they are.

use std::collections::BTreeMap;

use super::filter::Skip;
use crate::model::text::counted;

/// Unparsable lines listed one by one; past this many, only counted.
pub const LISTED: usize = 20;

/// What an import cannot give the reports: a log has no engagement beacons.
pub const NO_ENGAGEMENT: &str = "a log holds no engaged time or scroll depth: reports leave them \
    empty (-) for imported views; entries, exits and bounces (visits of one view) are counted";

/// An unparsable line: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unparsable {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub files: u64,
    pub lines: u64,
    pub views: u64,
    /// Bots' requests of pages, counted apart as hits of their category and name.
    pub bot_hits: u64,
    pub skipped: BTreeMap<Skip, u64>,
    pub unparsable: u64,
    /// The first [`LISTED`] unparsable lines.
    pub unparsable_lines: Vec<Unparsable>,
    pub seconds: f64,
    /// What the views imported lack (`NO_ENGAGEMENT`).
    pub engagement: &'static str,
}

impl Summary {
    pub fn skip(&mut self, skip: Skip) {
        *self.skipped.entry(skip).or_default() += 1;
    }

    /// Counts an unparsable line; true while it is among those listed.
    pub fn unparsable(&mut self, file: &str, line: u64, reason: String) -> bool {
        self.unparsable += 1;
        if self.unparsable_lines.len() >= LISTED {
            return false;
        }
        self.unparsable_lines.push(Unparsable {
            file: file.to_owned(),
            line,
            reason,
        });
        true
    }

    /// `skipped 7 lines: 3 not a page (asset), 2 bot or no user agent, 2 unparsable`, or
    /// nothing when no line was skipped.
    pub fn skipped_text(&self) -> Option<String> {
        let skipped: u64 = self.skipped.values().sum::<u64>() + self.unparsable;
        if skipped == 0 {
            return None;
        }
        let mut reasons: Vec<(u64, &str)> = self
            .skipped
            .iter()
            .map(|(skip, count)| (*count, skip.describe()))
            .collect();
        if self.unparsable > 0 {
            reasons.push((self.unparsable, "unparsable"));
        }
        // The most frequent first; ties in a fixed order.
        reasons.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let parts: Vec<String> = reasons
            .iter()
            .map(|(count, why)| format!("{} {why}", crate::model::text::thousands(*count)))
            .collect();
        Some(format!(
            "skipped {}: {}",
            counted(skipped, "line"),
            parts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_counted_and_said_most_frequent_first() {
        let mut summary = Summary::default();
        assert_eq!(summary.skipped_text(), None);
        summary.skip(Skip::Excluded);
        summary.skip(Skip::Asset);
        summary.skip(Skip::Asset);
        for line in 1..=LISTED as u64 + 2 {
            let listed = summary.unparsable("a.log", line, "no [time]".into());
            assert_eq!(listed, line <= LISTED as u64);
        }
        assert_eq!(summary.unparsable, 22);
        assert_eq!(summary.unparsable_lines.len(), LISTED);
        assert_eq!(
            summary.skipped_text().unwrap(),
            "skipped 25 lines: 22 unparsable, 2 not a page (asset), 1 excluded (--exclude)"
        );
    }
}
