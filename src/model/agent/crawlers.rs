//! Bots by name and category, from the crawler-user-agents project's list (MIT; embedded as
//! `data/agents/crawlers.json` by scripts/agent-data.py): each pattern, its tags, and a name.
//! The tags become one of the categories reports show (pure code).

use serde::Deserialize;

use super::Bot;
use crate::model::event::fields::{FieldValue, BOT_CATEGORIES};

/// What kind of bot: the categories reports count bots by, in the order of `BOT_CATEGORIES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BotCategory {
    SearchEngine,
    AiCrawler,
    Seo,
    Monitoring,
    SocialPreview,
    FeedReader,
    /// Headless browsers, automation frameworks and HTTP libraries.
    Automation,
    /// Scanners, archivers, advertising and research crawlers, and bots no list names.
    Other,
}

impl BotCategory {
    pub fn as_str(self) -> &'static str {
        BOT_CATEGORIES[self as usize]
    }

    /// The category of a list entry's tags. An entry may carry several (PerplexityBot is both
    /// an AI crawler and a search engine): the first in this order wins, so that what site
    /// owners ask about first, AI crawlers, is never hidden under another category.
    pub fn of_tags(tags: &[String]) -> BotCategory {
        const BY_PRIORITY: [(&str, BotCategory); 8] = [
            ("ai-crawler", BotCategory::AiCrawler),
            ("search-engine", BotCategory::SearchEngine),
            ("social-preview", BotCategory::SocialPreview),
            ("feed-reader", BotCategory::FeedReader),
            ("monitoring", BotCategory::Monitoring),
            ("seo", BotCategory::Seo),
            ("browser-automation", BotCategory::Automation),
            ("http-library", BotCategory::Automation),
        ];
        BY_PRIORITY
            .iter()
            .find(|(tag, _)| tags.iter().any(|given| given == tag))
            .map_or(BotCategory::Other, |(_, category)| *category)
    }
}

#[derive(Deserialize)]
struct Entry {
    pattern: String,
    tags: Vec<String>,
    name: String,
}

const CRAWLERS: &str = include_str!("../../../data/agents/crawlers.json");

/// The list's patterns, matched together (prefiltered by their literal parts), and what each
/// names.
pub(super) struct Crawlers {
    patterns: regex_filtered::Regexes,
    bots: Vec<(BotCategory, FieldValue)>,
}

impl Crawlers {
    pub(super) fn new() -> Self {
        let entries: Vec<Entry> =
            serde_json::from_str(CRAWLERS).expect("the embedded crawler list is JSON");
        let patterns = entries
            .iter()
            .try_fold(regex_filtered::Builder::new(), |builder, entry| {
                builder.push(&entry.pattern)
            })
            .expect("the crawler list's patterns compile")
            .build()
            .expect("the crawler list's patterns build");
        let bots = entries
            .into_iter()
            .map(|entry| (BotCategory::of_tags(&entry.tags), entry.name.into()))
            .collect();
        Crawlers { patterns, bots }
    }

    /// The bot a user agent names: the list's first entry whose pattern matches.
    pub(super) fn find(&self, agent: &str) -> Option<Bot> {
        let first = self.patterns.matching(agent).map(|(at, _)| at).min()?;
        let (category, name) = &self.bots[first];
        Some(Bot {
            category: *category,
            name: name.clone(),
        })
    }

    /// How many patterns the list has.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.bots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_one_category_each() {
        let tags = |list: &[&str]| list.iter().map(|tag| tag.to_string()).collect::<Vec<_>>();
        assert_eq!(
            BotCategory::of_tags(&tags(&["search-engine", "ai-crawler"])),
            BotCategory::AiCrawler
        );
        assert_eq!(
            BotCategory::of_tags(&tags(&["http-library"])),
            BotCategory::Automation
        );
        assert_eq!(
            BotCategory::of_tags(&tags(&["archiver"])),
            BotCategory::Other
        );
        assert_eq!(BotCategory::of_tags(&[]), BotCategory::Other);
        assert_eq!(BotCategory::SocialPreview.as_str(), "social-preview");
    }

    #[test]
    fn the_whole_list_compiles() {
        let crawlers = Crawlers::new();
        assert_eq!(crawlers.len(), 1498);
        let bing = crawlers
            .find("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
            .unwrap();
        assert_eq!(
            (bing.category, bing.name.as_str()),
            (BotCategory::SearchEngine, "bingbot")
        );
        assert_eq!(
            crawlers.find("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"),
            None
        );
    }
}
