//! Which logged requests are page views, and the event each becomes (pure code): successful
//! GETs (2xx, 304) of pages, not of assets (by extension, `--include`/`--exclude` to change
//! that); the page reduced to its path the way the collector reduces a location (campaign
//! parameters and the variant kept as fields, the rest of the query dropped), the referrer
//! reduced to its host, and nothing of the site itself counted as a referrer; the browser's
//! families from the user agent and, with a GeoIP database, the country from the address, as
//! the collector derives them. A bot's request (by its user agent) becomes a bot's hit, of its
//! category and name, never a view.

use std::borrow::Cow;
use std::sync::Arc;

use super::glob::Glob;
use super::request::Request;
use crate::model::agent::{Agent, Agents};
use crate::model::event::fields::referrer_host;
use crate::model::event::location::read_location;
use crate::model::event::{Event, EventError, Field, FieldValue, Fields, Kind, MAX_FUTURE};
use crate::model::geo::GeoDatabase;

/// Why a logged request is not a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skip {
    /// Not a GET (HEAD, POST, a request line that is not HTTP).
    Method,
    /// Not successful: neither 2xx nor 304.
    Status,
    /// A file the page loads (a stylesheet, a script, an image, a font...), not a page.
    Asset,
    /// A path `--exclude` names.
    Excluded,
    /// A page or time an event cannot hold (a page over 700 bytes, a time in the future).
    Invalid,
    /// A request to an API, not a visit to the site (an S3 REST call beside a website's).
    Api,
}

impl Skip {
    pub fn describe(self) -> &'static str {
        match self {
            Skip::Method => "not a GET",
            Skip::Status => "not 2xx or 304",
            Skip::Asset => "not a page (asset)",
            Skip::Excluded => "excluded (--exclude)",
            Skip::Invalid => "not a valid view",
            Skip::Api => "not a website request (S3 API)",
        }
    }
}

/// Extensions of the files a page loads, never counted as pages unless `--include` says so.
pub const ASSET_EXTENSIONS: &[&str] = &[
    "css",
    "js",
    "mjs",
    "map",
    "json",
    "xml",
    "txt",
    "webmanifest",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "avif",
    "svg",
    "ico",
    "bmp",
    "tif",
    "tiff",
    "woff",
    "woff2",
    "ttf",
    "otf",
    "eot",
    "mp4",
    "webm",
    "ogg",
    "mp3",
    "wav",
    "m4a",
    "flac",
    "pdf",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "7z",
    "rar",
    "tar",
    "dmg",
    "exe",
    "msi",
    "deb",
    "rpm",
    "apk",
    "wasm",
    "csv",
];

/// How requests become views; set once from the command line. Its copies share what they
/// remember of user agents.
#[derive(Clone)]
pub struct Rules {
    pub include: Vec<Glob>,
    pub exclude: Vec<Glob>,
    /// The site's own host (`--site`): referrers from it are moves within the site.
    pub site: Option<String>,
    /// What each user agent is, remembered: a log repeats the same few millions of times.
    agents: Arc<Agents>,
    /// The log records user agents: a line without one is a script's.
    agents_logged: bool,
    /// Where addresses are (`import --geoip`).
    geoip: Option<Arc<GeoDatabase>>,
}

/// A request that is a view, or a bot's hit: the event, without the id and visitor key the
/// import gives it.
pub struct View {
    pub event: Event,
}

impl Rules {
    pub fn new(include: Vec<Glob>, exclude: Vec<Glob>, site: Option<String>) -> Self {
        Rules {
            include,
            exclude,
            site: site.map(|site| site.to_ascii_lowercase()),
            agents: Arc::new(Agents::new()),
            agents_logged: true,
            geoip: None,
        }
    }

    /// Countries and regions of views by their address, from `database`.
    pub fn with_geoip(mut self, database: Arc<GeoDatabase>) -> Self {
        self.geoip = Some(database);
        self
    }

    /// For a format that records no user agents (common): bots cannot be told apart.
    pub fn without_agents(mut self) -> Self {
        self.agents_logged = false;
        self
    }

    /// The view (or bot's hit) `request` is, or why it is none; `now` bounds its time as
    /// every way in does.
    pub fn view(&mut self, request: &Request<'_>, now_ms: i64) -> Result<View, Skip> {
        if request.method != "GET" {
            return Err(Skip::Method);
        }
        if !(200..300).contains(&request.status) && request.status != 304 {
            return Err(Skip::Status);
        }
        let path = path_of(&request.target);
        self.check_path(path)?;
        if request.time_ms < 0 || request.time_ms > now_ms + MAX_FUTURE.num_milliseconds() {
            return Err(Skip::Invalid);
        }
        let location = read_location(&request.target, &[]).map_err(|_| Skip::Invalid)?;
        // Borrowed when --site names it: no copy per line.
        let site: Cow<'_, str> = match (&self.site, request.host.as_deref()) {
            (Some(site), _) => Cow::Borrowed(site),
            (None, Some(host)) => Cow::Owned(host_only(host)),
            (None, None) => Cow::Borrowed(""),
        };
        let time = chrono::DateTime::from_timestamp_millis(request.time_ms).ok_or(Skip::Invalid)?;
        let agent = self.agent(request.user_agent.as_deref());
        if let Some(agent) = agent
            .as_deref()
            .filter(|agent| agent.not_a_visitor().is_some())
        {
            let mut fields = Fields::default();
            agent.set_fields(&mut fields);
            let event = Event {
                page: location.page,
                time,
                kind: Kind::Bot,
                fields,
                ..Event::default()
            };
            return Ok(View { event });
        }
        let mut fields = location.tags.fields;
        fields.set(
            Field::Referrer,
            self.referrer(request.referrer.as_deref(), &site),
        );
        if let Some(agent) = agent {
            agent.set_fields(&mut fields);
        }
        if let Some(place) = self.place(&request.address) {
            fields.set(Field::Country, place.country);
            fields.set(Field::Region, place.region);
        }
        let event = Event {
            page: location.page,
            time,
            kind: Kind::View,
            fields,
            ..Event::default()
        };
        Ok(View { event })
    }

    /// What the request's user agent is; nothing when the format logs none (a visitor then,
    /// as bots cannot be told apart), a script's when the format logs them and it has none.
    fn agent(&self, agent: Option<&str>) -> Option<Arc<Agent>> {
        match (agent, self.agents_logged) {
            (None, false) => None,
            _ => Some(self.agents.classify(agent)),
        }
    }

    /// Where the logged address is, with `--geoip`; a host name (a server that looked names
    /// up) is nowhere.
    fn place(&self, address: &str) -> Option<crate::model::geo::Place> {
        let address = address.parse().ok()?;
        Some(self.geoip.as_ref()?.locate(address))
    }

    fn check_path(&self, path: &str) -> Result<(), Skip> {
        if self.exclude.iter().any(|glob| glob.matches(path)) {
            return Err(Skip::Excluded);
        }
        if self.include.iter().any(|glob| glob.matches(path)) {
            return Ok(());
        }
        let last = path.rsplit('/').next().unwrap_or("");
        let asset = last.rsplit_once('.').is_some_and(|(_, extension)| {
            ASSET_EXTENSIONS
                .iter()
                .any(|asset| asset.eq_ignore_ascii_case(extension))
        });
        if asset || path.starts_with("/.well-known/") {
            return Err(Skip::Asset);
        }
        Ok(())
    }

    /// The referrer's host, unless it is the site itself or not a host at all (a log keeps
    /// whatever a client sent; a bad referrer is dropped, not the view). A Referer header is
    /// an absolute URL: anything without a scheme (a date, a bare word, which the URL parser
    /// would read as a host such as `0.0.0.1`) is none.
    fn referrer(&self, referrer: Option<&str>, site: &str) -> Option<FieldValue> {
        let referrer = referrer?;
        if !has_scheme(referrer) {
            return None;
        }
        let host = referrer_host(referrer).ok()??;
        let own = site.strip_prefix("www.").unwrap_or(site);
        (host != own).then_some(host)
    }
}

/// Whether `url` starts with a scheme and `://` (`https://`, `android-app://`).
fn has_scheme(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The path of a request target: a full URL's path, without the query or fragment.
fn path_of(target: &str) -> &str {
    let path = match target.find("://") {
        Some(scheme_end) => {
            let after = &target[scheme_end + 3..];
            after.find('/').map_or("/", |at| &after[at..])
        }
        None => target,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

/// A host without a port: `example.com:8443` is `example.com`.
fn host_only(host: &str) -> String {
    let host = match host.rsplit_once(':') {
        Some((name, port))
            if port.bytes().all(|b| b.is_ascii_digit())
                && (!name.contains(':') || name.ends_with(']')) =>
        {
            name
        }
        _ => host,
    };
    host.to_ascii_lowercase()
}

impl From<EventError> for Skip {
    fn from(_: EventError) -> Self {
        Skip::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const NOW: i64 = 1_615_680_000_000;

    fn request<'a>(target: &'a str, status: u16, agent: Option<&'a str>) -> Request<'a> {
        Request {
            address: Cow::Borrowed("203.0.113.9"),
            time_ms: 1_615_636_800_000,
            method: Cow::Borrowed("GET"),
            target: Cow::Borrowed(target),
            status,
            referrer: None,
            user_agent: agent.map(Cow::Borrowed),
            host: None,
        }
    }

    fn rules(include: &[&str], exclude: &[&str]) -> Rules {
        let globs = |list: &[&str]| list.iter().map(|g| Glob::new(g).unwrap()).collect();
        Rules::new(
            globs(include),
            globs(exclude),
            Some("www.Example.com".into()),
        )
    }

    #[test]
    fn pages_become_views_with_their_campaign() {
        let mut rules = rules(&[], &[]);
        let mut logged = request(
            "/posts/a%20b?utm_source=news&utm_medium=email&q=secret&variant=B",
            200,
            Some(FIREFOX),
        );
        logged.referrer = Some(Cow::Borrowed("https://News.Example.net/item?id=9"));
        let view = rules.view(&logged, NOW).unwrap();
        assert_eq!(view.event.page, "/posts/a b");
        assert_eq!(view.event.field(Field::Source), Some("news"));
        assert_eq!(view.event.field(Field::Medium), Some("email"));
        assert_eq!(view.event.field(Field::Variant), Some("B"));
        assert_eq!(view.event.field(Field::Referrer), Some("news.example.net"));
        // A move within the site is no referrer.
        logged.referrer = Some(Cow::Borrowed("https://example.com/"));
        assert_eq!(
            rules
                .view(&logged, NOW)
                .unwrap()
                .event
                .field(Field::Referrer),
            None
        );
        // Nor is a referrer that is no host, or no URL at all (a date, a word, which a URL
        // parser would read as hosts like 0.0.0.1); the view stays.
        for odd in [
            "mailto:x@y",
            "1",
            "13/Mar/2021:10:00:00 +0000",
            "2021-03-13",
            "news",
        ] {
            logged.referrer = Some(Cow::Borrowed(odd));
            let view = rules.view(&logged, NOW).unwrap();
            assert_eq!(view.event.field(Field::Referrer), None, "{odd}");
        }
        logged.referrer = Some(Cow::Borrowed("android-app://com.slack/"));
        let view = rules.view(&logged, NOW).unwrap();
        assert_eq!(view.event.field(Field::Referrer), Some("com.slack"));
    }

    #[test]
    fn what_is_not_a_view() {
        let mut rules = rules(&[], &[]);
        let long = "/x".repeat(400);
        let cases = [
            (request("/style.css", 200, Some(FIREFOX)), Skip::Asset),
            (
                request("/img/Logo.PNG?v=2", 200, Some(FIREFOX)),
                Skip::Asset,
            ),
            (
                request("/.well-known/security.txt", 200, Some(FIREFOX)),
                Skip::Asset,
            ),
            (request("/missing", 404, Some(FIREFOX)), Skip::Status),
            (request("/moved", 301, Some(FIREFOX)), Skip::Status),
            (request(&long, 200, Some(FIREFOX)), Skip::Invalid),
        ];
        for (logged, skip) in cases {
            assert_eq!(
                rules.view(&logged, NOW).err(),
                Some(skip),
                "{}",
                logged.target
            );
        }
        let mut head = request("/", 200, Some(FIREFOX));
        head.method = Cow::Borrowed("HEAD");
        assert_eq!(rules.view(&head, NOW).err(), Some(Skip::Method));
        let mut future = request("/", 200, Some(FIREFOX));
        future.time_ms = NOW + 25 * 3_600_000;
        assert_eq!(rules.view(&future, NOW).err(), Some(Skip::Invalid));
        // 304 (the browser had it cached) is still a view; so is a page whose name has a dot.
        assert!(rules.view(&request("/", 304, Some(FIREFOX)), NOW).is_ok());
        assert!(rules
            .view(&request("/v1.2/notes", 200, Some(FIREFOX)), NOW)
            .is_ok());
        assert!(rules
            .view(&request("/about.html", 200, Some(FIREFOX)), NOW)
            .is_ok());
    }

    #[test]
    fn views_carry_families_and_bots_become_hits() {
        let mut rules = rules(&[], &[]);
        let view = rules.view(&request("/a", 200, Some(FIREFOX)), NOW).unwrap();
        let audience: Vec<(Field, &str)> = view.event.fields.present().collect();
        assert_eq!(
            audience,
            [
                (Field::Device, "desktop"),
                (Field::Browser, "Firefox"),
                (Field::BrowserVersion, "133"),
                (Field::Os, "Linux"),
            ]
        );
        let googlebot = Some("Googlebot/2.1 (+http://www.google.com/bot.html)");
        let hit = rules.view(&request("/a?q=1", 200, googlebot), NOW).unwrap();
        assert_eq!((hit.event.kind, hit.event.page.as_str()), (Kind::Bot, "/a"));
        let bot: Vec<(Field, &str)> = hit.event.fields.present().collect();
        assert_eq!(
            bot,
            [
                (Field::Bot, "Googlebot"),
                (Field::BotCategory, "search-engine")
            ]
        );
        let scripted = rules.view(&request("/", 200, None), NOW).unwrap();
        assert_eq!(scripted.event.field(Field::Bot), Some("no user agent"));
        // A bot's asset or a missing page is no hit, as it would be no view.
        assert_eq!(
            rules.view(&request("/a.css", 200, googlebot), NOW).err(),
            Some(Skip::Asset)
        );
        assert_eq!(
            rules.view(&request("/x", 404, googlebot), NOW).err(),
            Some(Skip::Status)
        );
        // A format without user agents: every page request is a view, without families.
        let mut common = super::Rules::new(Vec::new(), Vec::new(), None).without_agents();
        let view = common.view(&request("/", 200, None), NOW).unwrap();
        assert_eq!(
            (view.event.kind, view.event.fields.present().count()),
            (Kind::View, 0)
        );
    }

    #[test]
    fn countries_come_from_the_address_with_a_database() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/cli/fixtures/geoip/city.mmdb"
        );
        let database = GeoDatabase::from_bytes(std::fs::read(path).unwrap()).unwrap();
        let mut rules = rules(&[], &[]).with_geoip(Arc::new(database));
        let mut logged = request("/a", 200, Some(FIREFOX));
        logged.address = Cow::Borrowed("81.2.69.142");
        let view = rules.view(&logged, NOW).unwrap();
        assert_eq!(view.event.field(Field::Country), Some("GB"));
        assert_eq!(view.event.field(Field::Region), Some("GB-ENG"));
        logged.address = Cow::Borrowed("gateway.example.net");
        assert_eq!(
            rules
                .view(&logged, NOW)
                .unwrap()
                .event
                .field(Field::Country),
            None
        );
    }

    #[test]
    fn include_and_exclude_change_what_is_a_page() {
        let mut rules = rules(&["/papers/*.pdf"], &["/admin/**"]);
        let pdf = request("/papers/a.pdf", 200, Some(FIREFOX));
        assert_eq!(rules.view(&pdf, NOW).unwrap().event.page, "/papers/a.pdf");
        let other = request("/files/a.pdf", 200, Some(FIREFOX));
        assert_eq!(rules.view(&other, NOW).err(), Some(Skip::Asset));
        let admin = request("/admin/users/1", 200, Some(FIREFOX));
        assert_eq!(rules.view(&admin, NOW).err(), Some(Skip::Excluded));
    }

    #[test]
    fn paths_and_hosts() {
        assert_eq!(path_of("/a/b?c#d"), "/a/b");
        assert_eq!(path_of("http://example.com/a?b"), "/a");
        assert_eq!(path_of("http://example.com"), "/");
        assert_eq!(host_only("Example.com:8443"), "example.com");
        assert_eq!(host_only("[2001:db8::1]:443"), "[2001:db8::1]");
    }
}
