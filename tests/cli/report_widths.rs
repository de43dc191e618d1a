//! The HTML report at a phone's width (390 CSS pixels) and a desktop's (1280), in the light
//! and the dark colour scheme, with and without `--compare`: nothing wider than the screen
//! (a table too wide scrolls in its own box), page names a readable width, the chart's text a
//! readable size, no console error and no request besides the page.
//! PAGEVIEWS_SCREENSHOTS=DIR keeps the screenshots, to look at.

use serde_json::{json, Value};

use crate::browser::{browser_binaries, Browser};
use crate::report_page::{example_blog, publish, Folder};

/// A phone's screen (an iPhone 12 to 15) and a desktop's, in CSS pixels.
const SCREENS: [(u32, u32); 2] = [(390, 844), (1280, 900)];

/// What the page looks like as laid out, measured in the browser.
const LAYOUT: &str = r#"
const screen = document.documentElement.clientWidth;
const visible = (element) => {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0;
};
const scrolls = (element) => ['auto', 'scroll'].includes(getComputedStyle(element).overflowX);
const tables = [...document.querySelectorAll('table')].filter(visible).map((table) => {
  let box = table.parentElement;
  while (box !== document.body && !scrolls(box)) box = box.parentElement;
  const edge = (box === document.body ? table : box).getBoundingClientRect();
  return {
    id: table.closest('section').id,
    within: edge.left >= 0 && edge.right <= screen + 0.5,
    fits: table.getBoundingClientRect().right <= screen + 0.5,
    scrolls: box !== document.body,
  };
});
const keys = [...document.querySelectorAll('section.breakdown tbody th')].map((cell) =>
  cell.getBoundingClientRect().width / parseFloat(getComputedStyle(cell).fontSize));
const charts = [...document.querySelectorAll('svg[id^=chart]')].filter(visible);
const texts = charts.flatMap((chart) => [...chart.querySelectorAll('text')].filter(visible));
return {
  scroll_width: document.documentElement.scrollWidth,
  width: screen,
  background: getComputedStyle(document.body).backgroundColor,
  tables,
  narrowest_key_em: Math.min(...keys),
  charts: charts.map((chart) => Math.round(chart.getBoundingClientRect().height)),
  smallest_chart_text_px: Math.min(...texts.map((text) => text.getBoundingClientRect().height)),
  chart_labels: texts.filter((text) => text.classList.contains('label')).length,
};
"#;

#[test]
fn the_html_report_reads_at_a_phones_width_and_a_desktops_in_both_schemes() {
    browser_binaries();
    let (env, _) = example_blog();
    let site = publish(
        &env,
        &["--from", "2021-03-15", "--to", "2021-03-28"],
        "index.html",
    );
    let compared = [
        "--from",
        "2021-03-22",
        "--to",
        "2021-03-28",
        "--compare",
        "previous",
    ];
    let compared_file = site.path().join("compare.html");
    env.ok(&[
        &["report", "--format", "html", "--output"][..],
        &[compared_file.to_str().unwrap()],
        &compared,
    ]
    .concat());
    let folder = Folder::serve(site.path());
    let browser = Browser::start(json!({}));
    let mut loads = Vec::new();
    for page in ["index.html", "compare.html"] {
        for (width, height) in SCREENS {
            for scheme in ["light", "dark"] {
                browser.emulate(width, height, scheme);
                browser.open(&format!("{}/{page}", folder.origin));
                loads.push(format!("/{page}"));
                let what = format!("{page} at {width} px, {scheme}");
                let layout = browser.run(LAYOUT);
                keep_screenshot(
                    &browser,
                    (width, scheme),
                    &format!("{page}-{width}-{scheme}"),
                );
                check_layout(&layout, width, scheme, &what);
                assert_eq!(browser.console(), Vec::<Value>::new(), "{what}");
            }
        }
    }
    assert_eq!(folder.asked(), loads, "nothing but the pages themselves");
}

fn check_layout(layout: &Value, width: u32, scheme: &str, what: &str) {
    let number = |key: &str| {
        layout[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {layout}"))
    };
    // A desktop's vertical scroll bar takes its width from the page's.
    let shown = number("width");
    assert!(
        shown <= width as f64 && shown >= width as f64 - 20.0,
        "{what}: {layout}"
    );
    assert!(
        number("scroll_width") <= shown,
        "{what}: the page is wider than the screen: {layout}"
    );
    for table in layout["tables"].as_array().unwrap() {
        assert_eq!(table["within"], json!(true), "{what}: {table}");
        assert!(
            table["fits"] == json!(true) || table["scrolls"] == json!(true),
            "{what}: a table is cut off: {table}"
        );
    }
    let tables = layout["tables"].as_array().unwrap().len();
    assert!(tables >= 2, "{what}: {layout}");
    // Eight em hold a dozen or more characters of a page's path (one letter a line before).
    assert!(
        number("narrowest_key_em") >= 8.0,
        "{what}: the page column is squeezed: {layout}"
    );
    let charts = layout["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 1, "{what}: one chart shows: {layout}");
    assert!(charts[0].as_f64().unwrap() >= 180.0, "{what}: {layout}");
    assert!(
        number("smallest_chart_text_px") >= 11.0,
        "{what}: the chart's text is too small to read: {layout}"
    );
    let labels = number("chart_labels");
    assert!((3.0..=14.0).contains(&labels), "{what}: {layout}");
    let dark = layout["background"] == json!("rgb(13, 17, 23)");
    let light = layout["background"] == json!("rgb(255, 255, 255)");
    assert!(
        (scheme == "dark" && dark) || (scheme == "light" && light),
        "{what}: {layout}"
    );
}

/// A screenshot of the whole page, kept in PAGEVIEWS_SCREENSHOTS when it names a folder.
fn keep_screenshot(browser: &Browser, (width, scheme): (u32, &str), name: &str) {
    let height = browser.run("return document.documentElement.scrollHeight;");
    browser.emulate(width, height.as_u64().unwrap() as u32, scheme);
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
    if let Some(dir) = std::env::var_os("PAGEVIEWS_SCREENSHOTS") {
        let path = std::path::Path::new(&dir).join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("writes the screenshot");
    }
}
