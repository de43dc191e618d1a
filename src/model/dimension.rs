//! The breakdowns a day is counted by besides its pages: where visitors came from (referrer,
//! source, campaign), what they downloaded, the custom events they triggered, the A/B variants
//! they saw, who they are as a crowd (screen, country, region, device, browser, OS), the bots
//! that came (by category and by name), and the goals reached under each variant. `DIMENSIONS` describes each once: its
//! name, what an event gives it, how reports head and split it; counting, both stores,
//! `report --by`, the chart and the HTML page read the table (pure code).

use serde::{Deserialize, Serialize};

use crate::model::event::{Event, Field, Fields, Kind, FIELD_COUNT};

/// Separates the parts of a key made of several (a campaign's source, medium and name; a
/// goal's variant and goal). Control characters are refused in every part, so it cannot occur.
pub const PART_SEPARATOR: char = '\u{1f}';

/// A breakdown of a day's numbers; its rows never mix with page rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Referrer,
    Source,
    Campaign,
    Download,
    Event,
    Variant,
    Screen,
    Country,
    Region,
    Device,
    Browser,
    BrowserVersion,
    Os,
    OsVersion,
    BotCategory,
    Bot,
    Goal,
}

/// What of an event a dimension counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counts {
    /// A page view's value of one field.
    ViewField(Field),
    /// Every page view by its value of one field, a view without one under the empty key,
    /// which reports show as `UNKNOWN`: so the rows add up to all views.
    EveryView(Field),
    /// A page view's values of several fields as one key (parts in order, an absent one
    /// empty), when any of them has a value.
    ViewFields(&'static [Field]),
    /// The page of events of one kind (a download's file).
    PageOf(Kind),
    /// A field of events of one kind (a custom event's name).
    FieldOf(Kind, Field),
    /// Fields of events of one kind as one key (a bot's category and name).
    FieldsOf(Kind, &'static [Field]),
    /// Per variant, the goals reached under it: pages viewed and custom events, as
    /// `variant, page:/path` or `variant, event:NAME` (read by `report experiment`).
    Goals,
}

/// How the code knows a dimension.
#[derive(Debug)]
pub struct DimensionSpec {
    pub dimension: Dimension,
    /// The name stored with its rows, and `report --by NAME`.
    pub name: &'static str,
    /// `report --by`'s help for it (one line, no final stop).
    pub about: &'static str,
    pub counts: Counts,
    /// The columns of its key in CSV and JSON, one per part.
    pub columns: &'static [&'static str],
    /// The heading of its section (chart, HTML page) and the section's id there; `None`: not
    /// a section nor a `report --by` value (goals, which experiments read).
    pub section: Option<(&'static str, &'static str)>,
    /// The header of its key column in tables and sections.
    pub column: &'static str,
    /// What its rows count, as tables head the number: views, or (bots) hits.
    pub measure: &'static str,
}

/// Every dimension, in the order of `Dimension`: the order reports show them in.
pub const DIMENSIONS: [DimensionSpec; 17] = [
    DimensionSpec {
        dimension: Dimension::Referrer,
        name: "referrer",
        about: "Views by the host visitors came from",
        counts: Counts::ViewField(Field::Referrer),
        columns: &["referrer"],
        section: Some(("Referrers", "referrers")),
        column: "Referrer",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Source,
        name: "source",
        about: "Views by campaign source (utm_source, ref, source)",
        counts: Counts::ViewField(Field::Source),
        columns: &["source"],
        section: Some(("Sources", "sources")),
        column: "Source",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Campaign,
        name: "campaign",
        about: "Views by campaign: source, medium and name",
        counts: Counts::ViewFields(&[Field::Source, Field::Medium, Field::Campaign]),
        columns: &["source", "medium", "campaign"],
        section: Some(("Campaigns", "campaigns")),
        column: "Source / medium / campaign",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Download,
        name: "download",
        about: "Downloads by file",
        counts: Counts::PageOf(Kind::Download),
        columns: &["file"],
        section: Some(("Downloads", "downloads")),
        column: "File",
        measure: "Downloads",
    },
    DimensionSpec {
        dimension: Dimension::Event,
        name: "event",
        about: "Custom events by name",
        counts: Counts::FieldOf(Kind::Event, Field::Name),
        columns: &["event"],
        section: Some(("Events", "events")),
        column: "Event",
        measure: "Events",
    },
    DimensionSpec {
        dimension: Dimension::Variant,
        name: "variant",
        about: "Views by A/B variant",
        counts: Counts::ViewField(Field::Variant),
        columns: &["variant"],
        section: Some(("A/B variants", "variants")),
        column: "Variant",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Screen,
        name: "screen",
        about: "Views by screen class (phone, tablet, laptop, desktop), as the script sends it",
        counts: Counts::EveryView(Field::Screen),
        columns: &["screen"],
        section: Some(("Screens", "screens")),
        column: "Screen",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Country,
        name: "country",
        about: "Views by country (ISO code), from --geoip or --country-header",
        counts: Counts::EveryView(Field::Country),
        columns: &["country"],
        section: Some(("Countries", "countries")),
        column: "Country",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Region,
        name: "region",
        about:
            "Views by region (ISO 3166-2 code, e.g. DE-BY), from a City database or --region-header",
        counts: Counts::EveryView(Field::Region),
        columns: &["region"],
        section: Some(("Regions", "regions")),
        column: "Region",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Device,
        name: "device",
        about: "Views by device class (desktop, mobile, tablet, other), from the user agent",
        counts: Counts::EveryView(Field::Device),
        columns: &["device"],
        section: Some(("Devices", "devices")),
        column: "Device",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Browser,
        name: "browser",
        about: "Views by browser family, from the user agent",
        counts: Counts::EveryView(Field::Browser),
        columns: &["browser"],
        section: Some(("Browsers", "browsers")),
        column: "Browser",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::BrowserVersion,
        name: "browser-version",
        about: "Views by browser family and major version",
        counts: Counts::ViewFields(&[Field::Browser, Field::BrowserVersion]),
        columns: &["browser", "version"],
        section: Some(("Browser versions", "browser-versions")),
        column: "Browser / version",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::Os,
        name: "os",
        about: "Views by operating system family, from the user agent",
        counts: Counts::EveryView(Field::Os),
        columns: &["os"],
        section: Some(("Operating systems", "systems")),
        column: "OS",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::OsVersion,
        name: "os-version",
        about: "Views by operating system and major version (where the user agent states it)",
        counts: Counts::ViewFields(&[Field::Os, Field::OsVersion]),
        columns: &["os", "version"],
        section: Some(("OS versions", "os-versions")),
        column: "OS / version",
        measure: "Views",
    },
    DimensionSpec {
        dimension: Dimension::BotCategory,
        name: "bot-category",
        about: "Bot hits by category (search-engine, ai-crawler, seo, ...), never counted as views",
        counts: Counts::FieldOf(Kind::Bot, Field::BotCategory),
        columns: &["category"],
        section: Some(("Bots by category", "bot-categories")),
        column: "Category",
        measure: "Hits",
    },
    DimensionSpec {
        dimension: Dimension::Bot,
        name: "bot",
        about: "Bot hits by category and bot name, never counted as views",
        counts: Counts::FieldsOf(Kind::Bot, &[Field::BotCategory, Field::Bot]),
        columns: &["category", "bot"],
        section: Some(("Bots", "bots")),
        column: "Category / bot",
        measure: "Hits",
    },
    DimensionSpec {
        dimension: Dimension::Goal,
        name: "goal",
        about: "Per A/B variant, the goals reached under it",
        counts: Counts::Goals,
        columns: &["variant", "goal"],
        section: None,
        column: "Variant / goal",
        measure: "Views",
    },
];

/// How many dimensions there are.
pub const DIMENSION_COUNT: usize = DIMENSIONS.len();

/// How reports show the key of views that had no value for a dimension counting every view.
pub const UNKNOWN: &str = "unknown";

/// Whether some dimension counts every view, so that no view can skip counting.
const SOME_DIMENSION_COUNTS_EVERY_VIEW: bool = {
    let mut at = 0;
    let mut found = false;
    while at < DIMENSIONS.len() {
        found |= matches!(DIMENSIONS[at].counts, Counts::EveryView(_));
        at += 1;
    }
    found
};

impl Dimension {
    /// Its place in `DIMENSIONS`, for tables indexed by dimension.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> &'static DimensionSpec {
        &DIMENSIONS[self.index()]
    }

    /// Every dimension, in table order.
    pub fn all() -> impl Iterator<Item = Dimension> {
        DIMENSIONS.iter().map(|spec| spec.dimension)
    }

    /// The dimensions reports show as sections and `report --by` takes.
    pub fn reported() -> impl Iterator<Item = Dimension> {
        Dimension::all().filter(|dimension| dimension.spec().section.is_some())
    }

    /// The name stored with a row (and shown in reports).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Dimension> {
        Dimension::all().find(|dimension| dimension.name() == name)
    }

    /// A row's key as people read it: the parts of a key made of several joined by " / ",
    /// an absent part shown as "-".
    pub fn display_key(self, key: &str) -> String {
        match self.spec().columns.len() {
            1 => self.single_key(key).to_owned(),
            _ => parts(key)
                .iter()
                .map(|part| if part.is_empty() { "-" } else { part })
                .collect::<Vec<_>>()
                .join(" / "),
        }
    }

    /// The values of a key's columns (`DimensionSpec::columns`).
    pub fn key_values(self, key: &str) -> Vec<&str> {
        match self.spec().columns.len() {
            1 => vec![self.single_key(key)],
            _ => parts(key),
        }
    }

    /// A key of one part as reports show it: the views without a value are `UNKNOWN`.
    fn single_key(self, key: &str) -> &str {
        match (self.spec().counts, key) {
            (Counts::EveryView(_), "") => UNKNOWN,
            _ => key,
        }
    }
}

/// What counting needs of one raw event, borrowed from wherever the store read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed<'a> {
    pub page: &'a str,
    pub time_ms: i64,
    pub visitor: Option<&'a str>,
    pub kind: Kind,
    /// The optional fields, indexed by `Field::index`.
    pub fields: [Option<&'a str>; FIELD_COUNT],
}

impl<'a> Observed<'a> {
    pub fn field(&self, field: Field) -> Option<&'a str> {
        self.fields[field.index()]
    }

    /// The event whole, owning its text, with id `id`; `None` when its time is out of range.
    pub fn to_event(&self, id: &str) -> Option<Event> {
        Some(Event {
            id: id.to_owned(),
            page: self.page.to_owned(),
            time: chrono::DateTime::from_timestamp_millis(self.time_ms)?,
            visitor: self.visitor.map(str::to_owned),
            kind: self.kind,
            fields: Fields::from_borrowed(&self.fields),
        })
    }

    /// Whether the event counts in any breakdown: unless a dimension counts every view, most
    /// views carry nothing, and counting skips them here at once.
    pub fn has_breakdowns(&self) -> bool {
        SOME_DIMENSION_COUNTS_EVERY_VIEW
            || !self.kind.is_view()
            || self.fields.iter().any(Option::is_some)
    }

    /// Calls `count` with each breakdown row this event counts in. Keys made of several parts
    /// are built in `scratch`, so counting allocates only for a key not seen before.
    pub fn each_breakdown(&self, scratch: &mut String, mut count: impl FnMut(Dimension, &str)) {
        let view = self.kind.is_view();
        for spec in &DIMENSIONS {
            let dimension = spec.dimension;
            match spec.counts {
                Counts::ViewField(field) if view => {
                    if let Some(value) = self.field(field) {
                        count(dimension, value);
                    }
                }
                Counts::EveryView(field) if view => {
                    count(dimension, self.field(field).unwrap_or_default())
                }
                Counts::ViewFields(fields)
                    if view && fields.iter().any(|field| self.field(*field).is_some()) =>
                {
                    join_into(scratch, fields.iter().map(|field| self.field(*field)));
                    count(dimension, scratch);
                }
                Counts::PageOf(kind) if self.kind == kind => count(dimension, self.page),
                Counts::FieldOf(kind, field) if self.kind == kind => {
                    count(dimension, self.field(field).unwrap_or_default())
                }
                Counts::FieldsOf(kind, fields) if self.kind == kind => {
                    join_into(scratch, fields.iter().map(|field| self.field(*field)));
                    count(dimension, scratch);
                }
                Counts::Goals => {
                    if let Some(goal) = self.goal() {
                        let variant = self.field(Field::Variant).unwrap_or_default();
                        goal_key_into(scratch, variant, &goal);
                        count(dimension, scratch);
                    }
                }
                _ => {}
            }
        }
    }

    /// The goal this event reaches under its variant, if it was shown one: a page viewed or a
    /// custom event.
    fn goal(&self) -> Option<Goal<'a>> {
        self.field(Field::Variant)?;
        match self.kind {
            Kind::View => Some(Goal::Page(self.page)),
            Kind::Event => Some(Goal::Event(self.field(Field::Name).unwrap_or_default())),
            Kind::Download | Kind::Bot | Kind::Engagement => None,
        }
    }

    /// The breakdown rows this event counts in, as owned keys.
    #[cfg(test)]
    pub fn breakdown_keys(&self) -> Vec<(Dimension, String)> {
        let mut keys = Vec::new();
        self.each_breakdown(&mut String::new(), |dimension, key| {
            keys.push((dimension, key.to_owned()))
        });
        keys
    }
}

/// What an experiment counts as success: a custom event's name, a page viewed, or a visitor's
/// day engaged for at least so many seconds (one of `engagement::ENGAGED_GOAL_SECONDS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal<'a> {
    Event(&'a str),
    Page(&'a str),
    Engaged(u64),
}

/// The key of a goal row: the variant, then `event:NAME`, `page:/path` or `engaged:30s`.
pub fn goal_key(variant: &str, goal: &Goal) -> String {
    let mut key = String::new();
    goal_key_into(&mut key, variant, goal);
    key
}

fn goal_key_into(key: &mut String, variant: &str, goal: &Goal) {
    key.clear();
    key.push_str(variant);
    key.push(PART_SEPARATOR);
    match goal {
        Goal::Event(name) => {
            key.push_str("event:");
            key.push_str(name);
        }
        Goal::Page(page) => {
            key.push_str("page:");
            key.push_str(page);
        }
        Goal::Engaged(seconds) => {
            use std::fmt::Write as _;
            let _ = write!(key, "engaged:{seconds}s");
        }
    }
}

/// The parts of a key made of several, in order.
pub fn parts(key: &str) -> Vec<&str> {
    key.split(PART_SEPARATOR).collect()
}

fn join_into<'p>(key: &mut String, parts: impl Iterator<Item = Option<&'p str>>) {
    key.clear();
    for (index, part) in parts.enumerate() {
        if index > 0 {
            key.push(PART_SEPARATOR);
        }
        key.push_str(part.unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_view_counts_only_where_every_view_counts() {
        let view = Observed {
            page: "/a",
            ..Observed::default()
        };
        assert!(view.has_breakdowns());
        let unknown: Vec<(Dimension, String)> = [
            Dimension::Screen,
            Dimension::Country,
            Dimension::Region,
            Dimension::Device,
            Dimension::Browser,
            Dimension::Os,
        ]
        .into_iter()
        .map(|dimension| (dimension, String::new()))
        .collect();
        assert_eq!(view.breakdown_keys(), unknown);
        assert_eq!(Dimension::Screen.display_key(""), "unknown");
        assert_eq!(Dimension::Screen.key_values(""), ["unknown"]);
        assert_eq!(Dimension::Referrer.display_key(""), "");
    }

    #[test]
    fn each_kind_counts_where_it_belongs() {
        let fields = Fields::default()
            .with(Field::Referrer, "news.example")
            .with(Field::Source, "mail")
            .with(Field::Campaign, "spring")
            .with(Field::Variant, "B")
            .with(Field::Screen, "laptop")
            .with(Field::Country, "DE")
            .with(Field::Device, "mobile")
            .with(Field::Browser, "Firefox")
            .with(Field::BrowserVersion, "133");
        let view = Observed {
            page: "/pricing",
            fields: fields.borrowed(),
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
                (Dimension::Screen, "laptop".to_owned()),
                (Dimension::Country, "DE".to_owned()),
                (Dimension::Region, String::new()),
                (Dimension::Device, "mobile".to_owned()),
                (Dimension::Browser, "Firefox".to_owned()),
                (Dimension::BrowserVersion, "Firefox\u{1f}133".to_owned()),
                (Dimension::Os, String::new()),
                (Dimension::Goal, "B\u{1f}page:/pricing".to_owned()),
            ]
        );
        assert_eq!(parts(&keys[2].1), ["mail", "", "spring"]);
        let referred = Fields::default().with(Field::Referrer, "news.example");
        let download = Observed {
            page: "/files/a.pdf",
            kind: Kind::Download,
            fields: referred.borrowed(),
            ..Observed::default()
        };
        // A download is not a view: it counts as a download only.
        assert_eq!(
            download.breakdown_keys(),
            [(Dimension::Download, "/files/a.pdf".to_owned())]
        );
        let named = Fields::default()
            .with(Field::Name, "signup")
            .with(Field::Variant, "B");
        let signup = Observed {
            page: "/pricing",
            kind: Kind::Event,
            fields: named.borrowed(),
            ..Observed::default()
        };
        assert_eq!(
            signup.breakdown_keys(),
            [
                (Dimension::Event, "signup".to_owned()),
                (Dimension::Goal, "B\u{1f}event:signup".to_owned()),
            ]
        );
        // A bot's hit counts under its category and its name, and nowhere else.
        let bot = Fields::default()
            .with(Field::BotCategory, "ai-crawler")
            .with(Field::Bot, "GPTBot");
        let hit = Observed {
            page: "/posts/a",
            kind: Kind::Bot,
            fields: bot.borrowed(),
            ..Observed::default()
        };
        assert_eq!(
            hit.breakdown_keys(),
            [
                (Dimension::BotCategory, "ai-crawler".to_owned()),
                (Dimension::Bot, "ai-crawler\u{1f}GPTBot".to_owned()),
            ]
        );
        assert_eq!(
            Dimension::Bot.display_key("ai-crawler\u{1f}GPTBot"),
            "ai-crawler / GPTBot"
        );
    }

    #[test]
    fn dimensions_have_stable_names_in_table_order() {
        for (at, spec) in DIMENSIONS.iter().enumerate() {
            assert_eq!(spec.dimension.index(), at, "{}", spec.name);
            assert_eq!(Dimension::from_name(spec.name), Some(spec.dimension));
            let parts = match spec.counts {
                Counts::ViewFields(fields) | Counts::FieldsOf(_, fields) => fields.len(),
                Counts::Goals => 2,
                _ => 1,
            };
            assert_eq!(spec.columns.len(), parts, "{}", spec.name);
        }
        assert_eq!(Dimension::from_name("page"), None);
        assert_eq!(
            Dimension::reported()
                .map(Dimension::name)
                .collect::<Vec<_>>(),
            [
                "referrer",
                "source",
                "campaign",
                "download",
                "event",
                "variant",
                "screen",
                "country",
                "region",
                "device",
                "browser",
                "browser-version",
                "os",
                "os-version",
                "bot-category",
                "bot"
            ]
        );
    }

    #[test]
    fn keys_of_several_parts_read_as_people_read_them() {
        let key = "mail\u{1f}\u{1f}spring";
        assert_eq!(Dimension::Campaign.display_key(key), "mail / - / spring");
        assert_eq!(Dimension::Campaign.key_values(key), ["mail", "", "spring"]);
        assert_eq!(Dimension::Referrer.display_key("a/b"), "a/b");
    }
}
