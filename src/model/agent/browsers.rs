//! Browsers and operating systems by uap-core's parsers (the ua-parser project's
//! `regexes.yaml`, embedded as JSON: `data/agents/uap-regexes.json`), and the device class by
//! the tokens browsers use to say what they run on (pure code).

use ua_parser::{os, user_agent, Regexes};

use crate::model::event::fields::{FieldValue, DEVICE_CLASSES};

/// The class of device a browser runs on, in the order of `DEVICE_CLASSES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    Desktop,
    Mobile,
    Tablet,
    /// Televisions, consoles, watches and what cannot be told.
    Other,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        DEVICE_CLASSES[self as usize]
    }
}

/// Operating systems whose major version a user agent states truly: macOS has said 10.15
/// since 2020 whatever it is, and desktop Linux or Chrome OS state none worth counting.
const OS_WITH_VERSIONS: [&str; 7] = [
    "Android",
    "iOS",
    "Windows",
    "Windows Phone",
    "HarmonyOS",
    "KaiOS",
    "Tizen",
];

/// Operating systems of desktop and laptop computers.
const DESKTOP_OS: [&str; 13] = [
    "Windows",
    "Mac OS X",
    "Linux",
    "Ubuntu",
    "Debian",
    "Fedora",
    "Chrome OS",
    "FreeBSD",
    "OpenBSD",
    "NetBSD",
    "Solaris",
    "Red Hat",
    "SUSE",
];

/// Tokens of televisions, consoles and other screens that are neither phones, tablets nor
/// computers; they come first, as some of them also say Android or Mobile.
const OTHER_DEVICE_TOKENS: [&str; 11] = [
    "SMART-TV",
    "SmartTV",
    "Smart TV",
    "GoogleTV",
    "Android TV",
    "AppleTV",
    "CrKey",
    "PlayStation",
    "Xbox",
    "Nintendo",
    "Roku",
];

/// uap-core's browser and OS parsers, compiled.
pub(super) struct Parsers {
    browsers: user_agent::Extractor<'static>,
    systems: os::Extractor<'static>,
}

const REGEXES: &str = include_str!("../../../data/agents/uap-regexes.json");

impl Parsers {
    pub(super) fn new() -> Self {
        let regexes: Regexes<'static> =
            serde_json::from_str(REGEXES).expect("the embedded uap-core regexes are JSON");
        let browsers = regexes
            .user_agent_parsers
            .into_iter()
            .try_fold(user_agent::Builder::new(), |builder, parser| {
                builder.push(parser)
            })
            .expect("uap-core's browser regexes compile")
            .build()
            .expect("uap-core's browser regexes build");
        let systems = regexes
            .os_parsers
            .into_iter()
            .try_fold(os::Builder::new(), |builder, parser| builder.push(parser))
            .expect("uap-core's OS regexes compile")
            .build()
            .expect("uap-core's OS regexes build");
        Parsers { browsers, systems }
    }

    /// The browser's family as uap-core names it ("Other" when it knows none).
    #[cfg(any(test, feature = "test-support"))]
    pub(super) fn family(&self, agent: &str) -> String {
        self.browsers
            .extract(agent)
            .map_or_else(|| "Other".to_owned(), |found| found.family.into_owned())
    }

    /// The OS's family ("Other" when unknown) and its major version.
    pub(super) fn os(&self, agent: &str) -> (FieldValue, Option<FieldValue>) {
        match self.systems.extract(agent) {
            Some(found) => (
                FieldValue::from(found.os),
                found.major.map(FieldValue::from),
            ),
            None => (FieldValue::const_new("Other"), None),
        }
    }

    /// Everything counted of a browser's user agent.
    pub(super) fn browser(&self, agent: &str) -> super::Browser {
        let (family, version) = match self.browsers.extract(agent) {
            Some(found) => (
                FieldValue::from(found.family),
                found.major.map(FieldValue::from),
            ),
            None => (FieldValue::const_new("Other"), None),
        };
        let (os, os_version) = self.os(agent);
        let os_version = os_version.filter(|_| OS_WITH_VERSIONS.contains(&os.as_str()));
        super::Browser {
            device: device_of(agent, &os),
            family,
            version: version.filter(|major| is_version(major)),
            os,
            os_version: os_version.filter(|major| is_version(major)),
        }
    }
}

/// A major version worth storing: short, letters and digits (Windows says "XP" or "10").
fn is_version(text: &str) -> bool {
    !text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The device class, by the conventions browsers follow: "Mobi" on phones (as MDN advises to
/// test), tablets naming themselves (iPad, Tablet, Kindle) or running Android without
/// "Mobile" (Google's rule for tablet browsers); computers by their OS. An iPad asking for
/// desktop sites (the default since iPadOS 13) says it is a Mac and counts as a desktop: the
/// screen class the script sends tells those apart.
pub(super) fn device_of(agent: &str, os: &str) -> Device {
    if OTHER_DEVICE_TOKENS
        .iter()
        .any(|token| agent.contains(token))
    {
        return Device::Other;
    }
    let tablet = ["iPad", "Tablet", "tablet", "Kindle", "Silk/", "PlayBook"]
        .iter()
        .any(|token| agent.contains(token))
        || (agent.contains("Android") && !agent.contains("Mobi"));
    if tablet {
        return Device::Tablet;
    }
    if [
        "Mobi",
        "iPhone",
        "iPod",
        "Windows Phone",
        "Opera Mini",
        "BlackBerry",
    ]
    .iter()
    .any(|token| agent.contains(token))
    {
        return Device::Mobile;
    }
    match DESKTOP_OS.contains(&os) {
        true => Device::Desktop,
        false => Device::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_told_by_their_tokens() {
        for (agent, os, device) in [
            (
                "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Mobile/15E148",
                "iOS",
                Device::Tablet,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-X710) Safari/537.36",
                "Android",
                Device::Tablet,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36",
                "Android",
                Device::Mobile,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)",
                "iOS",
                Device::Mobile,
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
                "Windows",
                Device::Desktop,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605",
                "Mac OS X",
                Device::Desktop,
            ),
            (
                "Mozilla/5.0 (Linux; Android 12; SMART-TV) Safari/537.36",
                "Android",
                Device::Other,
            ),
            (
                "Mozilla/5.0 (PlayStation 5 3.11) AppleWebKit/605.1.15",
                "Other",
                Device::Other,
            ),
            ("SomethingElse/1.0", "Other", Device::Other),
        ] {
            assert_eq!(device_of(agent, os), device, "{agent}");
        }
    }

    #[test]
    fn os_versions_are_kept_where_they_mean_something() {
        let parsers = Parsers::new();
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
                   (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        let browser = parsers.browser(mac);
        assert_eq!(
            (browser.os.as_str(), browser.os_version),
            ("Mac OS X", None)
        );
        assert_eq!(
            (browser.family.as_str(), browser.version.as_deref()),
            ("Safari", Some("17"))
        );
        let windows = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                       Gecko) Chrome/109.0.0.0 Safari/537.36";
        let browser = parsers.browser(windows);
        assert_eq!(
            (browser.os.as_str(), browser.os_version.as_deref()),
            ("Windows", Some("7"))
        );
        assert_eq!(parsers.family("no such browser"), "Other");
        assert!(!is_version("") && !is_version("1.2") && is_version("XP"));
    }
}
