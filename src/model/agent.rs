//! Who is behind a user agent, as far as counting cares: a visitor's browser (device class,
//! browser and OS families with their major versions), or a bot (its category and name), or a
//! script that sent none. Pure code over embedded data (`data/agents`); the collector and log
//! import both ask here, through a bounded cache, since parsing a user agent costs many times a
//! view's other work and traffic repeats the same few agents.

mod browsers;
mod crawlers;

use quick_cache::sync::Cache;
use std::sync::{Arc, OnceLock};

use crate::model::event::{Field, FieldValue, Fields};
pub use browsers::Device;
pub use crawlers::BotCategory;

/// Why a request is not counted as a visitor's view, judged by its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAVisitor {
    /// A crawler, monitor, headless browser or HTTP library known to a bot list.
    Bot,
    /// Every browser sends a user agent; a request without one is a script.
    NoUserAgent,
}

/// What a user agent is: a visitor's browser, or a bot. Only these families and names are
/// ever stored, never the user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    Browser(Browser),
    Bot(Bot),
}

/// A visitor's browser: its device class, its family and major version, its operating
/// system's family and (where it says something) major version, as uap-core names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    pub device: Device,
    pub family: FieldValue,
    pub version: Option<FieldValue>,
    pub os: FieldValue,
    pub os_version: Option<FieldValue>,
}

/// A bot: its category and its name (crawler-user-agents' or, for a user agent only the
/// generic rule finds, `UNNAMED_BOT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bot {
    pub category: BotCategory,
    pub name: FieldValue,
}

/// The name of a bot that no list names.
pub const UNNAMED_BOT: &str = "unnamed";
/// The name under which requests without a user agent count.
pub const NO_USER_AGENT: &str = "no user agent";

impl Agent {
    /// Why this agent's requests are not views, if they are not.
    pub fn not_a_visitor(&self) -> Option<NotAVisitor> {
        match self {
            Agent::Browser(_) => None,
            Agent::Bot(bot) if bot.name == NO_USER_AGENT => Some(NotAVisitor::NoUserAgent),
            Agent::Bot(_) => Some(NotAVisitor::Bot),
        }
    }

    /// Sets the fields of an event this agent made: a browser's families on a view, a bot's
    /// category and name on a bot hit.
    pub fn set_fields(&self, fields: &mut Fields) {
        match self {
            Agent::Browser(browser) => {
                fields.set(
                    Field::Device,
                    Some(FieldValue::const_new(browser.device.as_str())),
                );
                fields.set(Field::Browser, Some(browser.family.clone()));
                fields.set(Field::BrowserVersion, browser.version.clone());
                fields.set(Field::Os, Some(browser.os.clone()));
                fields.set(Field::OsVersion, browser.os_version.clone());
            }
            Agent::Bot(bot) => {
                fields.set(
                    Field::BotCategory,
                    Some(FieldValue::const_new(bot.category.as_str())),
                );
                fields.set(Field::Bot, Some(bot.name.clone()));
            }
        }
    }
}

/// User agents remembered: a site's traffic comes from a few thousand at most in a day; an
/// entry takes about 400 bytes, so the cache stays under 4 MiB however many arrive.
pub const AGENTS_REMEMBERED: usize = 10_000;

/// Tells agents apart, remembering the last answers (`AGENTS_REMEMBERED`); shared by every
/// request of a collector or line of an import.
pub struct Agents {
    cache: Cache<String, Arc<Agent>>,
    no_agent: Arc<Agent>,
}

impl Agents {
    /// Also builds the parsers the first time in the process (about 0.1 s), so a collector
    /// pays that before it listens rather than on its first request.
    pub fn new() -> Self {
        parsers();
        Agents {
            cache: Cache::new(AGENTS_REMEMBERED),
            no_agent: Arc::new(Agent::Bot(Bot {
                category: BotCategory::Other,
                name: FieldValue::const_new(NO_USER_AGENT),
            })),
        }
    }

    /// What `agent` (a request header, an access log field) is; none, or only spaces, is a
    /// script's.
    pub fn classify(&self, agent: Option<&str>) -> Arc<Agent> {
        let Some(agent) = agent.map(str::trim).filter(|agent| !agent.is_empty()) else {
            return self.no_agent.clone();
        };
        if let Some(known) = self.cache.get(agent) {
            return known;
        }
        let classified = Arc::new(parsers().classify(agent));
        self.cache.insert(agent.to_owned(), classified.clone());
        classified
    }

    /// Whether a user agent is a visitor's browser: not when there is none, nor when it is a
    /// bot's.
    #[cfg(test)]
    pub fn check_agent(&self, agent: Option<&str>) -> Result<(), NotAVisitor> {
        match self.classify(agent).not_a_visitor() {
            Some(not) => Err(not),
            None => Ok(()),
        }
    }
}

impl Default for Agents {
    fn default() -> Self {
        Agents::new()
    }
}

/// The embedded data compiled once per process.
struct Parsers {
    browsers: browsers::Parsers,
    crawlers: crawlers::Crawlers,
    /// The `isbot` crate's generic rule (several hundred patterns tested against real browsers),
    /// for bots the crawler list does not name.
    generic: isbot::Bots,
}

fn parsers() -> &'static Parsers {
    static PARSERS: OnceLock<Parsers> = OnceLock::new();
    PARSERS.get_or_init(|| Parsers {
        browsers: browsers::Parsers::new(),
        crawlers: crawlers::Crawlers::new(),
        generic: isbot::Bots::default(),
    })
}

impl Parsers {
    fn classify(&self, agent: &str) -> Agent {
        if let Some(bot) = self.crawlers.find(agent) {
            return Agent::Bot(bot);
        }
        if self.generic.is_bot(agent) {
            return Agent::Bot(Bot {
                category: BotCategory::Other,
                name: FieldValue::const_new(UNNAMED_BOT),
            });
        }
        Agent::Browser(self.browsers.browser(agent))
    }
}

/// What uap-core's parsers say of a user agent: the browser's family, the OS's family (for the
/// accuracy measure against uap-core's own test cases).
#[cfg(any(test, feature = "test-support"))]
pub fn families(agent: &str) -> (String, String) {
    let browsers = &parsers().browsers;
    (browsers.family(agent), browsers.os(agent).0.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                          Chrome/131.0.0.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
                          AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 \
                          Safari/604.1";

    fn browser(agent: &str) -> Browser {
        match &*Agents::new().classify(Some(agent)) {
            Agent::Browser(browser) => browser.clone(),
            bot => panic!("{agent}: {bot:?}"),
        }
    }

    fn bot(agent: &str) -> (BotCategory, String) {
        match &*Agents::new().classify(Some(agent)) {
            Agent::Bot(bot) => (bot.category, bot.name.to_string()),
            browser => panic!("{agent}: {browser:?}"),
        }
    }

    #[test]
    fn browsers_give_their_families_and_major_versions() {
        let chrome = browser(CHROME);
        assert_eq!(
            chrome,
            Browser {
                device: Device::Desktop,
                family: "Chrome".into(),
                version: Some("131".into()),
                os: "Linux".into(),
                os_version: None,
            }
        );
        let iphone = browser(IPHONE);
        assert_eq!(
            (
                iphone.device,
                iphone.family.as_str(),
                iphone.version.as_deref()
            ),
            (Device::Mobile, "Mobile Safari", Some("17"))
        );
        assert_eq!(
            (iphone.os.as_str(), iphone.os_version.as_deref()),
            ("iOS", Some("17"))
        );
    }

    #[test]
    fn bots_get_a_category_and_a_name() {
        for (agent, category, name) in [
            (
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; \
                 +https://openai.com/gptbot)",
                BotCategory::AiCrawler,
                "GPTBot",
            ),
            (
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; \
                 +claudebot@anthropic.com)",
                BotCategory::AiCrawler,
                "ClaudeBot",
            ),
            (
                "CCBot/2.0 (https://commoncrawl.org/faq/)",
                BotCategory::AiCrawler,
                "CCBot",
            ),
            (
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                BotCategory::SearchEngine,
                "Googlebot",
            ),
            ("curl/8.5.0", BotCategory::Automation, "curl"),
            (
                "python-requests/2.31.0",
                BotCategory::Automation,
                "python-requests",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 HeadlessChrome/131.0.0.0 Safari/537.36",
                BotCategory::Automation,
                "HeadlessChrome",
            ),
        ] {
            assert_eq!(bot(agent), (category, name.to_owned()), "{agent}");
        }
        let agents = Agents::new();
        assert_eq!(agents.check_agent(Some(CHROME)), Ok(()));
        assert_eq!(
            agents.check_agent(Some("curl/8.5.0")),
            Err(NotAVisitor::Bot)
        );
        assert_eq!(
            agents.check_agent(Some("  ")),
            Err(NotAVisitor::NoUserAgent)
        );
        assert_eq!(agents.check_agent(None), Err(NotAVisitor::NoUserAgent));
    }

    #[test]
    fn answers_are_remembered_within_bounds() {
        let agents = Agents::new();
        let first = agents.classify(Some(CHROME));
        assert!(Arc::ptr_eq(&first, &agents.classify(Some(CHROME))));
        for n in 0..AGENTS_REMEMBERED * 2 {
            agents.classify(Some(&format!("{CHROME} build/{n}")));
        }
        assert!(
            agents.cache.len() <= AGENTS_REMEMBERED,
            "{}",
            agents.cache.len()
        );
    }

    #[test]
    fn fields_hold_families_only() {
        let mut fields = Fields::default();
        Agents::new().classify(Some(IPHONE)).set_fields(&mut fields);
        let present: Vec<(Field, &str)> = fields.present().collect();
        assert_eq!(
            present,
            [
                (Field::Device, "mobile"),
                (Field::Browser, "Mobile Safari"),
                (Field::BrowserVersion, "17"),
                (Field::Os, "iOS"),
                (Field::OsVersion, "17"),
            ]
        );
    }
}
