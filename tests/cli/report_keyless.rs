//! Views without a visitor key in a report of one page: the page's own, in every format that
//! shows them (table, chart, comparison, HTML), never the whole site's.

use scraper::{Html, Selector};

use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(a_pages_report_shows_its_own_views_without_a_visitor_key);

/// `count` views of `page` on `day`, the first `keyed` of them with a visitor key.
fn views(day: &str, page: &str, count: u32, keyed: u32) -> Vec<String> {
    (0..count)
        .map(|i| {
            let visitor = match i < keyed {
                true => format!(r#","visitor":"v{i}""#),
                false => String::new(),
            };
            format!(
                r#"{{"page":"{page}","time":"{day}T{:02}:{:02}:00Z","id":"{day}{page}{i}"{visitor}}}"#,
                i / 60,
                i % 60
            )
        })
        .collect()
}

/// The line of a table or chart that tells the views without a visitor key.
fn keyless_line(text: &str) -> &str {
    text.lines()
        .find(|line| line.contains("without a visitor key"))
        .unwrap_or_else(|| panic!("no line of views without a visitor key in:\n{text}"))
}

fn a_pages_report_shows_its_own_views_without_a_visitor_key(kind: Kind) {
    let env = Env::on(kind, &[]);
    let mut lines = views("2021-03-13", "/p", 20, 4);
    lines.extend(views("2021-03-13", "/other", 84, 0));
    lines.extend(views("2021-03-12", "/p", 5, 2));
    lines.extend(views("2021-03-12", "/other", 10, 0));
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--from", "2021-03-12", "--to", "2021-03-13"]);
    let day = ["report", "--day", "2021-03-13"];

    // The site: 100 views without a key.
    let site = env.ok(&day);
    assert!(keyless_line(&site).contains(" 100 "), "{site}");

    // The page: its 16, in every format.
    let page = [&day[..], &["--page", "/p"]].concat();
    let table = env.ok(&page);
    let line = keyless_line(&table);
    assert!(line.contains(" 16 ") && !line.contains("100"), "{table}");
    let chart = env.ok(&[&page[..], &["--chart", "--ascii"]].concat());
    assert_eq!(
        keyless_line(&chart).trim(),
        "16 views without a visitor key (counted as views only)",
        "{chart}"
    );
    let compared = env.ok(&[&page[..], &["--compare", "previous"]].concat());
    let line = keyless_line(&compared);
    assert!(line.contains(" 16 ") && !line.contains("100"), "{compared}");
    let html = env.ok(&[&page[..], &["--format", "html"]].concat());
    let html = Html::parse_document(&html);
    let value: Vec<&str> = html
        .select(&Selector::parse("#keyless dd").unwrap())
        .filter_map(|dd| dd.value().attr("data-value"))
        .collect();
    assert_eq!(value, ["16"]);

    // The day before: the page's 3 of the site's 13; a page without views shows none.
    let before = env.ok(&["report", "--day", "2021-03-12", "--page", "/p", "--chart"]);
    assert_eq!(
        keyless_line(&before).trim(),
        "3 views without a visitor key (counted as views only)",
        "{before}"
    );
    let none = env.ok(&[&day[..], &["--page", "/nowhere"]].concat());
    assert!(!none.contains("without a visitor key"), "{none}");
}
