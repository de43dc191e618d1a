//! The rules of the audience's fields (pure code): the screen class the script sends, the
//! country and region codes, the device class, browser, OS and bot names and their major
//! versions, the bot categories. `fields::FIELDS` names each rule.

use super::fields::{short_text, FieldValue, Refused};

/// Longest browser, OS or bot name, in characters.
pub(crate) const MAX_FAMILY_CHARS: usize = 50;
/// Longest major version, in bytes.
const MAX_VERSION_BYTES: usize = 12;

/// The device classes, as stored.
pub const DEVICE_CLASSES: [&str; 4] = ["desktop", "mobile", "tablet", "other"];

/// The categories bots are counted by, as stored.
pub const BOT_CATEGORIES: [&str; 8] = [
    "search-engine",
    "ai-crawler",
    "seo",
    "monitoring",
    "social-preview",
    "feed-reader",
    "automation",
    "other",
];

/// An ISO 3166-1 alpha-2 country code, stored in upper case; `XX` (unknown, as CDNs say) is
/// none.
pub fn country(text: &str) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("xx") {
        return Ok(None);
    }
    if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Refused);
    }
    let mut stored = FieldValue::from(text);
    stored.make_ascii_uppercase();
    Ok(Some(stored))
}

/// An ISO 3166-2 region code, stored in upper case: a country code, a hyphen and one to three
/// letters or digits (`DE-BY`, `US-CA`, `FR-75C`).
pub fn region(text: &str) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (country_part, part) = text.split_once('-').ok_or(Refused)?;
    let country_part = country(country_part)?.ok_or(Refused)?;
    if !(1..=3).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Refused);
    }
    let mut stored = country_part;
    stored.push('-');
    stored.push_str(part);
    stored.make_ascii_uppercase();
    Ok(Some(stored))
}

/// A device class (`DEVICE_CLASSES`).
pub fn device_class(text: &str) -> Result<Option<FieldValue>, Refused> {
    one_of(text, &DEVICE_CLASSES)
}

/// A bot category (`BOT_CATEGORIES`).
pub fn bot_category(text: &str) -> Result<Option<FieldValue>, Refused> {
    one_of(text, &BOT_CATEGORIES)
}

/// A browser's, an OS's or a bot's name: at most 50 characters.
pub fn family(text: &str) -> Result<Option<FieldValue>, Refused> {
    short_text(text, MAX_FAMILY_CHARS, text.chars().count())
}

/// A major version: letters and digits only (Windows says "XP", most say "133").
pub fn major_version(text: &str) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_VERSION_BYTES || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Refused);
    }
    Ok(Some(FieldValue::from(text)))
}

/// The screen classes the script sends, by the screen's CSS width: under 576 px, under 992,
/// under 1440, and wider (the breakpoints Plausible uses, so numbers compare).
pub(crate) const SCREEN_CLASSES: [&str; 4] = ["phone", "tablet", "laptop", "desktop"];

/// A screen class (`SCREEN_CLASSES`), in any case.
pub fn screen_class(text: &str) -> Result<Option<FieldValue>, Refused> {
    one_of(text, &SCREEN_CLASSES)
}

/// A value from a fixed list, stored as the list spells it; empty is none.
fn one_of(text: &str, allowed: &[&'static str]) -> Result<Option<FieldValue>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    allowed
        .iter()
        .find(|value| value.eq_ignore_ascii_case(text))
        .map(|value| Some(FieldValue::const_new(value)))
        .ok_or(Refused)
}
