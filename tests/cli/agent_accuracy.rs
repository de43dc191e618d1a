//! How often the families stored are the right ones: every test case the ua-parser project
//! publishes for browsers (`test_ua.yaml`) and operating systems (`test_os.yaml`), of the same
//! uap-core revision as the embedded regexes (tests/cli/fixtures/uap-core, Apache-2.0), run
//! through the model's parsers. The shares are recorded in docs/performance.md; a change of the
//! data or of the parsing crate that moves them fails here until the docs are updated.

use serde::Deserialize;

use pageviews::model::agent::{families, Agent, Agents};

#[derive(Deserialize)]
struct Case {
    user_agent_string: String,
    family: String,
}

fn cases(file: &str) -> Vec<Case> {
    let path = format!(
        "{}/tests/cli/fixtures/uap-core/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// (cases, right) of one file, by `family_of`; prints the first few wrong ones.
fn score(file: &str, family_of: impl Fn(&str) -> String) -> (usize, usize) {
    let cases = cases(file);
    let mut wrong = Vec::new();
    for case in &cases {
        let found = family_of(&case.user_agent_string);
        if found != case.family {
            wrong.push(format!(
                "{:?}: {found} for {}",
                case.user_agent_string, case.family
            ));
        }
    }
    let right = cases.len() - wrong.len();
    println!(
        "{file}: {right} of {} right ({:.2}%); first wrong: {:#?}",
        cases.len(),
        right as f64 * 100.0 / cases.len() as f64,
        &wrong[..wrong.len().min(5)]
    );
    (cases.len(), right)
}

#[test]
fn browser_and_os_families_match_uap_cores_own_test_cases() {
    let browsers = score("test_ua.json", |agent| families(agent).0);
    let systems = score("test_os.json", |agent| families(agent).1);
    assert_eq!(browsers, (BROWSER_CASES, BROWSERS_RIGHT));
    assert_eq!(systems, (OS_CASES, OS_RIGHT));
}

/// Families of browsers people read pages with (uap-core's spelling), for the bot rule's false
/// positives.
const PEOPLES_BROWSERS: [&str; 40] = [
    "Chrome",
    "Chrome Mobile",
    "Chrome Mobile iOS",
    "Chrome Mobile WebView",
    "Firefox",
    "Firefox Mobile",
    "Firefox iOS",
    "Safari",
    "Mobile Safari",
    "Mobile Safari UI/WKWebView",
    "Edge",
    "Edge Mobile",
    "Opera",
    "Opera Mini",
    "Opera Mobile",
    "Samsung Internet",
    "UC Browser",
    "Yandex Browser",
    "Brave",
    "Vivaldi",
    "IE",
    "IE Mobile",
    "Android",
    "Amazon Silk",
    "QQ Browser",
    "QQ Browser Mobile",
    "Whale",
    "Puffin",
    "Dolphin",
    "Pale Moon",
    "Seznam prohlížeč",
    "Avast Secure Browser",
    "Aloha Browser",
    "Honor Browser",
    "HeyTap Browser",
    "Huawei Browser",
    "MiuiBrowser",
    "Facebook",
    "Instagram",
    "WeChat Browser",
];

#[test]
fn the_bot_rule_takes_few_of_uap_cores_browsers_for_bots() {
    let agents = Agents::new();
    let cases = cases("test_ua.json");
    let browsers: Vec<&Case> = cases
        .iter()
        .filter(|case| PEOPLES_BROWSERS.contains(&case.family.as_str()))
        .collect();
    let taken: Vec<&str> = browsers
        .iter()
        .filter(|case| {
            matches!(
                &*agents.classify(Some(&case.user_agent_string)),
                Agent::Bot(_)
            )
        })
        .map(|case| case.user_agent_string.as_str())
        .collect();
    println!(
        "{} of {} cases of people's browsers taken for bots: {taken:#?}",
        taken.len(),
        browsers.len()
    );
    assert_eq!(
        (browsers.len(), taken.len()),
        (PEOPLES_BROWSER_CASES, TAKEN_FOR_BOTS)
    );
}

/// The measured figures (docs/performance.md, "How right the families are").
const BROWSER_CASES: usize = 1601;
const BROWSERS_RIGHT: usize = 1601;
const OS_CASES: usize = 483;
const OS_RIGHT: usize = 483;
const PEOPLES_BROWSER_CASES: usize = 237;
const TAKEN_FOR_BOTS: usize = 3;
