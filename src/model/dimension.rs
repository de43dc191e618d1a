//! The breakdowns a day is counted by besides its pages: where visitors came from (referrer,
//! source, campaign), what they downloaded, the custom events they triggered, the A/B variants
//! they saw, and the goals they reached under each variant (pure code).

use serde::Serialize;

use crate::model::event::{Event, Kind};

/// Separates the parts of a key made of several (a campaign's source, medium and name; a
/// goal's variant and goal). Control characters are refused in every part, so it cannot occur.
pub const PART_SEPARATOR: char = '\u{1f}';

/// A breakdown of a day's numbers; its rows never mix with page rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Views by the host the visitor came from.
    Referrer,
    /// Views by campaign source (`utm_source`, `ref`, `source`).
    Source,
    /// Views by campaign: source, medium and name together.
    Campaign,
    /// Downloads by the file's path.
    Download,
    /// Custom events by name.
    Event,
    /// Views by the A/B variant the visitor saw.
    Variant,
    /// Per variant, the goals reached under it: an event's name or a page viewed.
    Goal,
}

impl Dimension {
    /// Its place in `ALL`, for tables indexed by dimension.
    pub fn index(self) -> usize {
        self as usize
    }

    pub const ALL: [Dimension; 7] = [
        Dimension::Referrer,
        Dimension::Source,
        Dimension::Campaign,
        Dimension::Download,
        Dimension::Event,
        Dimension::Variant,
        Dimension::Goal,
    ];

    /// The name stored with a row (and shown in reports).
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Referrer => "referrer",
            Dimension::Source => "source",
            Dimension::Campaign => "campaign",
            Dimension::Download => "download",
            Dimension::Event => "event",
            Dimension::Variant => "variant",
            Dimension::Goal => "goal",
        }
    }

    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::ALL
            .into_iter()
            .find(|dimension| dimension.name() == name)
    }
}

/// What counting needs of one raw event, borrowed from wherever the store read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed<'a> {
    pub page: &'a str,
    pub time_ms: i64,
    pub visitor: Option<&'a str>,
    pub kind: Kind,
    pub name: Option<&'a str>,
    pub referrer: Option<&'a str>,
    pub source: Option<&'a str>,
    pub medium: Option<&'a str>,
    pub campaign: Option<&'a str>,
    pub variant: Option<&'a str>,
}

impl<'a> Observed<'a> {
    pub fn of(event: &'a Event) -> Self {
        Observed {
            page: &event.page,
            time_ms: event.time_ms(),
            visitor: event.visitor.as_deref(),
            kind: event.kind,
            name: event.name.as_deref(),
            referrer: event.referrer.as_deref(),
            source: event.source.as_deref(),
            medium: event.medium.as_deref(),
            campaign: event.campaign.as_deref(),
            variant: event.variant.as_deref(),
        }
    }

    /// Whether the event carries anything a breakdown counts: most views carry nothing, and
    /// counting skips them here at once.
    pub fn has_breakdowns(&self) -> bool {
        !self.kind.is_view()
            || self.referrer.is_some()
            || self.source.is_some()
            || self.medium.is_some()
            || self.campaign.is_some()
            || self.variant.is_some()
    }

    /// Calls `count` with each breakdown row this event counts in. Keys made of several parts
    /// are built in `scratch`, so counting allocates only for a key not seen before.
    pub fn each_breakdown(&self, scratch: &mut String, mut count: impl FnMut(Dimension, &str)) {
        match self.kind {
            Kind::View => {
                if let Some(referrer) = self.referrer {
                    count(Dimension::Referrer, referrer);
                }
                if let Some(source) = self.source {
                    count(Dimension::Source, source);
                }
                if self.source.is_some() || self.medium.is_some() || self.campaign.is_some() {
                    let parts =
                        [self.source, self.medium, self.campaign].map(Option::unwrap_or_default);
                    join_into(scratch, &parts);
                    count(Dimension::Campaign, scratch);
                }
                if let Some(variant) = self.variant {
                    count(Dimension::Variant, variant);
                    goal_key_into(scratch, variant, &Goal::Page(self.page));
                    count(Dimension::Goal, scratch);
                }
            }
            Kind::Download => count(Dimension::Download, self.page),
            Kind::Event => {
                let name = self.name.unwrap_or_default();
                count(Dimension::Event, name);
                if let Some(variant) = self.variant {
                    goal_key_into(scratch, variant, &Goal::Event(name));
                    count(Dimension::Goal, scratch);
                }
            }
        }
    }

    /// The breakdown rows this event counts in, as owned keys.
    pub fn breakdown_keys(&self) -> Vec<(Dimension, String)> {
        let mut keys = Vec::new();
        self.each_breakdown(&mut String::new(), |dimension, key| {
            keys.push((dimension, key.to_owned()))
        });
        keys
    }
}

/// What an experiment counts as success: a custom event's name, or a page viewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal<'a> {
    Event(&'a str),
    Page(&'a str),
}

/// The key of a goal row: the variant, then `event:NAME` or `page:/path`.
pub fn goal_key(variant: &str, goal: &Goal) -> String {
    let mut key = String::new();
    goal_key_into(&mut key, variant, goal);
    key
}

fn goal_key_into(key: &mut String, variant: &str, goal: &Goal) {
    let (kind, what) = match goal {
        Goal::Event(name) => ("event:", *name),
        Goal::Page(page) => ("page:", *page),
    };
    key.clear();
    key.push_str(variant);
    key.push(PART_SEPARATOR);
    key.push_str(kind);
    key.push_str(what);
}

/// The parts of a key made of several, in order.
pub fn parts(key: &str) -> Vec<&str> {
    key.split(PART_SEPARATOR).collect()
}

fn join_into(key: &mut String, parts: &[&str]) {
    key.clear();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            key.push(PART_SEPARATOR);
        }
        key.push_str(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_view_counts_in_no_breakdown() {
        let view = Observed {
            page: "/a",
            ..Observed::default()
        };
        assert!(!view.has_breakdowns());
        assert!(view.breakdown_keys().is_empty());
    }

    #[test]
    fn each_kind_counts_where_it_belongs() {
        let view = Observed {
            page: "/pricing",
            referrer: Some("news.example"),
            source: Some("mail"),
            campaign: Some("spring"),
            variant: Some("B"),
            ..Observed::default()
        };
        let keys = view.breakdown_keys();
        assert_eq!(
            keys,
            [
                (Dimension::Referrer, "news.example".to_owned()),
                (Dimension::Source, "mail".to_owned()),
                (Dimension::Campaign, "mail\u{1f}\u{1f}spring".to_owned()),
                (Dimension::Variant, "B".to_owned()),
                (Dimension::Goal, "B\u{1f}page:/pricing".to_owned()),
            ]
        );
        assert_eq!(parts(&keys[2].1), ["mail", "", "spring"]);
        let download = Observed {
            page: "/files/a.pdf",
            kind: Kind::Download,
            referrer: Some("news.example"),
            ..Observed::default()
        };
        // A download is not a view: it counts as a download only.
        assert_eq!(
            download.breakdown_keys(),
            [(Dimension::Download, "/files/a.pdf".to_owned())]
        );
        let signup = Observed {
            page: "/pricing",
            kind: Kind::Event,
            name: Some("signup"),
            variant: Some("B"),
            ..Observed::default()
        };
        assert_eq!(
            signup.breakdown_keys(),
            [
                (Dimension::Event, "signup".to_owned()),
                (Dimension::Goal, "B\u{1f}event:signup".to_owned()),
            ]
        );
    }

    #[test]
    fn dimensions_have_stable_names() {
        for dimension in Dimension::ALL {
            assert_eq!(Dimension::from_name(dimension.name()), Some(dimension));
        }
        assert_eq!(Dimension::from_name("page"), None);
    }
}
