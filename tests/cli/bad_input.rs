//! Bad command-line input: exit code 2 and one line that names the offending flag or value.
//! One test per refusal, so one that regresses does not hide the others.

use crate::harness::Env;

/// Runs `args` on a fresh local deployment and checks the refusal.
fn assert_refused(args: &[&str], needle: &str) {
    let env = Env::new();
    let (code, stdout, stderr) = env.run(args);
    assert_eq!(code, 2, "pageviews {args:?}: {stderr}");
    assert!(
        stdout.is_empty(),
        "pageviews {args:?} printed data: {stdout}"
    );
    assert!(
        stderr.starts_with("error: ") && stderr.contains(needle),
        "pageviews {args:?}: the error should name {needle:?}: {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "pageviews {args:?}: one line: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `name: [args] => what the error must name;` becomes a test.
macro_rules! refusals {
    ($($name:ident: [$($arg:expr),* $(,)?] => $needle:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_refused(&[$($arg),*], $needle);
            }
        )*
    };
}

refusals! {
    send_seed_negative: ["send", "--seed", "-1"] => "--seed";
    drain_idle_polls_negative: ["drain", "--idle-polls", "-2"] => "--idle-polls";
    dlq_list_limit_negative: ["dlq", "list", "--limit", "-1"] => "--limit";
    report_day_in_the_future: ["report", "--day", "2099-01-01"] => "2099-01-01 is in the future";
    collect_wildcard_of_a_top_level_domain: ["collect", "--allow-origin", "https://*.com"] => "--allow-origin";
    collect_download_host_as_a_url: ["collect", "--allow-any-origin", "--download-host", "https://files.example.com"] => "--download-host \"https://files.example.com\" is not a host";
    collect_download_host_wildcard: ["collect", "--allow-any-origin", "--download-host", "*.example.com"] => "--download-host";
    snippet_variant_cookie_with_a_space: ["snippet", "--endpoint", "https://stats.example.com", "--variant-cookie", "ab test"] => "--variant-cookie \"ab test\" is not a cookie name";
    send_rejects_without_input: ["send", "--rejects", "bad.ndjson"] => "--input";
    send_day_2021_02_30: ["send", "--day", "2021-02-30"] => "--day";
    send_day_13_03_2021: ["send", "--day", "13/03/2021"] => "YYYY-MM-DD";
    send_count_5: ["send", "--count", "-5"] => "--count";
    send_count_0: ["send", "--count", "0"] => "--count";
    send_count_lots: ["send", "--count", "lots"] => "--count";
    send_pages_0: ["send", "--pages", "0"] => "--pages";
    send_from_2021_03_14_to_2021_03_13: ["send", "--from", "2021-03-14", "--to", "2021-03-13"] => "--from 2021-03-14 is after --to";
    send_from_2021_03_14: ["send", "--from", "2021-03-14"] => "--to";
    send_events_per_message_0: ["send", "--events-per-message", "0"] => "--events-per-message";
    send_input_no_such_file_ndjson: ["send", "--input", "/no/such/file.ndjson"] => "--input /no/such/file.ndjson";
    send_skip_invalid: ["send", "--skip-invalid"] => "--input";
    drain_visibility_timeout_0: ["drain", "--visibility-timeout", "0"] => "--visibility-timeout";
    drain_wait_seconds_60: ["drain", "--wait-seconds", "60"] => "--wait-seconds";
    drain_workers_0: ["drain", "--workers", "0"] => "--workers";
    drain_format_yaml: ["drain", "--format", "yaml"] => "--format";
    aggregate_day_2021_13_01: ["aggregate", "--day", "2021-13-01"] => "--day";
    aggregate_from_2021_03_14_to_2021_03_01: ["aggregate", "--from", "2021-03-14", "--to", "2021-03-01"] => "--from 2021-03-14 is after --to";
    aggregate_day_2021_03_01_from_2021_03_01: ["aggregate", "--day", "2021-03-01", "--from", "2021-03-01"] => "--day";
    report_format_xml: ["report", "--format", "xml"] => "--format";
    report_top_1: ["report", "--top", "-1"] => "--top";
    report_page_pricing: ["report", "--page", "pricing"] => "--page";
    report_hourly_over_two_days: ["report", "--from", "2021-03-01", "--to", "2021-03-02", "--hourly"] => "--hourly shows the hours of one day";
    report_ascii_without_a_chart: ["report", "--ascii"] => "--ascii";
    report_hourly_by_week: ["report", "--hourly", "--by-period", "week"] => "--hourly";
    report_by_period_year: ["report", "--by-period", "year"] => "--by-period";
    report_compare_last_week: ["report", "--compare", "last-week"] => "--compare";
    report_compare_backwards: ["report", "--compare", "2021-03-02..2021-03-01"] => "ends before it starts";
    report_compare_future: ["report", "--day", "2021-03-13", "--compare", "2099-01-01..2099-01-02"] => "2099-01-02 is in the future";
    report_from_2021_03_02_to_2021_03_01: ["report", "--from", "2021-03-02", "--to", "2021-03-01"] => "--from 2021-03-02 is after --to";
    init_max_receives_0: ["init", "--max-receives", "0"] => "--max-receives";
    name_bad_name_status: ["--name", "bad name", "status"] => "--name";
    backend_s3_status: ["--backend", "s3", "status"] => "--backend";
    status_format_csv: ["status", "--format", "csv"] => "--format";
    send_day_2099_01_01: ["send", "--day", "2099-01-01"] => "2099-01-01 is after today";
    send_input: ["send", "--input", "/"] => "it is a directory";
    collect: ["collect"] => "--allow-origin";
    collect_allow_origin_example_com: ["collect", "--allow-origin", "example.com"] => "--allow-origin \"example.com\"";
    collect_allow_origin_https_example_com_blog: ["collect", "--allow-origin", "https://example.com/blog"] => "--allow-origin";
    collect_allow_any_origin_rate_limit_0_s: ["collect", "--allow-any-origin", "--rate-limit", "0/s"] => "--rate-limit";
    collect_allow_any_origin_rate_limit_10: ["collect", "--allow-any-origin", "--rate-limit", "10"] => "--rate-limit";
    collect_allow_any_origin_listen_localhost: ["collect", "--allow-any-origin", "--listen", "localhost"] => "--listen";
    collect_allow_any_origin_flush_interval_0: ["collect", "--allow-any-origin", "--flush-interval", "0"] => "--flush-interval";
    collect_allow_any_origin_buffer_1: ["collect", "--allow-any-origin", "--buffer", "-1"] => "--buffer";
    collect_allow_any_origin_keep_query: ["collect", "--allow-any-origin", "--keep-query", ""] => "--keep-query";
    snippet_endpoint_stats_example_com: ["snippet", "--endpoint", "stats.example.com"] => "--endpoint";
    snippet_endpoint_https_x_test_a_1: ["snippet", "--endpoint", "https://x.test/?a=1"] => "--endpoint";
    snippet: ["snippet"] => "--endpoint";
    aggregate_day_2099_01_01: ["aggregate", "--day", "2099-01-01"] => "2099-01-01 is in the future";
    aggregate_from_2000_01_01_to_2020_01_01: ["aggregate", "--from", "2000-01-01", "--to", "2020-01-01"] => "at most 3660";
    report_from_0001_01_01_to_2020_01_01: ["report", "--from", "0001-01-01", "--to", "2020-01-01"] => "at most 3660";
    init_shards_0: ["init", "--shards", "0"] => "--shards";
    init_retention_days_3: ["init", "--retention-days", "-3"] => "--retention-days";
    teardown: ["teardown"] => "--yes";
    iam_policy: ["iam-policy"] => "--role";
    iam_policy_role_god: ["iam-policy", "--role", "god"] => "--role";
    iam_policy_role_reader_account_id_abc: ["iam-policy", "--role", "reader", "--account-id", "abc"] => "--account-id";
    cost_region_mars_1: ["cost", "--region", "mars-1"] => "mars-1";
    cost_views_per_day_1: ["cost", "--views-per-day", "-1"] => "--views-per-day";
    cost_prices_no_such_prices_json: ["cost", "--prices", "/no/such/prices.json"] => "--prices";
    aws_timeout_0_status: ["--aws-timeout", "0", "status"] => "--aws-timeout";
    dlq: ["dlq"] => "subcommand";
    dlq_list_format_xml: ["dlq", "list", "--format", "xml"] => "--format";
    dlq_purge: ["dlq", "purge"] => "--yes";
    completions_tcsh: ["completions", "tcsh"] => "tcsh";
    frobnicate: ["frobnicate"] => "frobnicate";
}
