//! What operators read must match what the commands do: help texts, the chart's width, empty
//! AWS variables, an experiment's goal, counts in words, the file an error names.

use unicode_width::UnicodeWidthStr;

use crate::harness::{aws_env, Env, Kind};

#[test]
fn help_says_which_days_aggregate_takes_and_where_status_writes() {
    let env = Env::new();
    let aggregate = env.ok(&["aggregate", "--help"]);
    assert!(!aggregate.contains("yesterday (UTC)"), "{aggregate}");
    assert!(
        aggregate.contains("Days, yesterday included, are days of the deployment's time zone"),
        "{aggregate}"
    );
    let status = env.ok(&["status", "--help"]);
    assert!(!status.contains("summary on stderr"), "{status}");
    assert!(status.contains("Lines for people, on stdout"), "{status}");
    let (code, stdout, stderr) = env.run(&["status"]);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    assert!(stdout.starts_with("deployment "), "{stdout}");
}

/// A month of synthetic views in Europe/Berlin, counted.
fn counted_month() -> Env {
    let env = Env::on(Kind::Local, &["--time-zone", "Europe/Berlin"]);
    let send = [
        "send",
        "--count",
        "3000",
        "--visitors",
        "300",
        "--from",
        "2021-03-01",
        "--to",
        "2021-03-31",
        "--seed",
        "7",
    ];
    env.ok(&send);
    env.drain(&[]);
    env.ok(&["aggregate", "--from", "2021-03-01", "--to", "2021-03-31"]);
    env
}

#[test]
fn the_chart_keeps_every_line_within_columns() {
    let env = counted_month();
    let reports: [&[&str]; 4] = [
        &["--from", "2021-03-01", "--to", "2021-03-31"],
        &[
            "--from",
            "2021-03-03",
            "--to",
            "2021-03-31",
            "--by-period",
            "week",
        ],
        &["--day", "2021-03-28", "--hourly"],
        &[
            "--from",
            "2021-03-15",
            "--to",
            "2021-03-21",
            "--compare",
            "previous",
        ],
    ];
    for columns in [40, 80] {
        for report in reports {
            let chart = env
                .cmd()
                .env("COLUMNS", columns.to_string())
                .args([&["report", "--chart"][..], report].concat())
                .output()
                .unwrap();
            assert!(chart.status.success());
            let chart = String::from_utf8(chart.stdout).unwrap();
            let widest = chart.lines().map(|line| line.width()).max().unwrap();
            assert!(
                widest <= columns,
                "COLUMNS={columns} {report:?}: a line of {widest}:\n{chart}"
            );
            assert!(chart.lines().count() > 10, "{chart}");
        }
    }
}

/// `status` on moto with `variable` removed (`None`) or empty (`Some("")`), the region given
/// by a config file and the endpoint by `endpoints`: its exit code and stderr.
fn status_with(
    env: &Env,
    variable: &str,
    value: Option<&str>,
    endpoints: &[&str],
) -> (i32, String) {
    let mut cmd = env.std_cmd();
    let config = env.write("aws-config", "[default]\nregion = us-east-1\n");
    cmd.env("AWS_CONFIG_FILE", config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            env.write("aws-credentials", ""),
        )
        .env_remove("AWS_REGION")
        .env_remove("AWS_ENDPOINT_URL");
    for endpoint in endpoints {
        cmd.env(endpoint, &aws_env()[0].1);
    }
    match value {
        Some(value) => cmd.env(variable, value),
        None => cmd.env_remove(variable),
    };
    let output = cmd.arg("status").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

#[test]
fn an_empty_aws_variable_counts_as_unset() {
    let env = Env::on(Kind::Aws, &[]);
    let global: &[&str] = &["AWS_ENDPOINT_URL"];
    // Every service `status` asks (a missing one would be asked at AWS itself).
    let by_service: &[&str] = &[
        "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_ENDPOINT_URL_SCHEDULER",
        "AWS_ENDPOINT_URL_IAM",
    ];
    let cases = [
        ("AWS_REGION", global),
        ("AWS_DEFAULT_REGION", global),
        ("AWS_PROFILE", global),
        ("AWS_ENDPOINT_URL", by_service),
    ];
    for (variable, endpoints) in cases {
        let unset = status_with(&env, variable, None, endpoints);
        assert_eq!(unset, (0, String::new()), "without {variable}");
        let empty = status_with(&env, variable, Some(""), endpoints);
        assert_eq!(empty, unset, "{variable}= must count as unset");
    }
}

#[test]
fn an_experiment_goal_never_reached_is_refused_naming_the_goals_that_were() {
    let env = Env::new();
    let time = "2021-03-13T10:00:00Z";
    let lines = [
        format!(r#"{{"page":"/","time":"{time}","visitor":"a","variant":"A"}}"#),
        format!(r#"{{"page":"/","time":"{time}","visitor":"b","variant":"B"}}"#),
        format!(
            r#"{{"page":"/","time":"{time}","visitor":"a","variant":"A","kind":"event","name":"signup"}}"#
        ),
    ];
    let input = env.write("ab.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let experiment = ["report", "experiment", "--day", "2021-03-13", "--goal"];
    let (code, stdout, stderr) = env.run(&[&experiment[..], &["sign-up"]].concat());
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(
        stderr,
        "error: no visitor reached the goal event \"sign-up\" under an A/B variant in these days; \
         the goals reached were: events signup; pages / (2021-03-13); run `pageviews aggregate` \
         for its days first if they are not counted yet\n"
    );
    let table = env.ok(&[&experiment[..], &["signup"]].concat());
    assert!(
        table.contains("| A (control) |        1 |                1 | 100.00% |"),
        "{table}"
    );
}

#[test]
fn a_file_that_cannot_be_written_is_named_as_given_never_its_temporary_file() {
    let env = Env::new();
    let missing = env.data_dir().join("no-such-folder/report.html");
    let report = ["report", "--day", "2021-03-13", "--output"];
    let (code, _, stderr) = env.run(&[&report[..], &[missing.to_str().unwrap()]].concat());
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: cannot write {}: its folder {} does not exist; create it, or give \
                 --output a path in a folder that exists\n",
                missing.display(),
                missing.parent().unwrap().display()
            )
        )
    );
    let file = env.write("a-file", "");
    let under_a_file = file.join("report.html");
    let (code, _, stderr) = env.run(&[&report[..], &[under_a_file.to_str().unwrap()]].concat());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            ": {} is a file, not a folder; give --output",
            file.display()
        )),
        "{stderr}"
    );
    // A folder that refuses new files (sysfs, even to root): the file asked for is named.
    let (code, _, stderr) = env.run(&[&report[..], &["/sys/report.html"]].concat());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write /sys/report.html: "),
        "{stderr}"
    );
    assert!(!stderr.contains(".pageviews-"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn counts_of_one_read_in_the_singular() {
    let env = Env::new();
    let input = env.write(
        "one.ndjson",
        "{\"page\":\"/\",\"time\":\"2021-03-13T10:00:00Z\",\"visitor\":\"a\"}\n",
    );
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let chart = env.ok(&["report", "--day", "2021-03-13", "--chart"]);
    assert!(
        chart.contains("\nTotal: 1 view, 1 visitor, 1 page\n"),
        "{chart}"
    );
    let (code, _, said) = env.run(&["cost", "--from-usage"]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains(
            "using the mean of 1 aggregated day, 2021-03-13..2021-03-13: 1 view a day, 1 page"
        ),
        "{said}"
    );
    let bad = env.write("bad.ndjson", "{\"page\":\"x\"}\n");
    let (code, _, refused) = env.run(&["send", "--input", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{refused}");
    assert!(refused.contains(" 1 of 1 line of "), "{refused}");
    assert!(refused.contains(" is invalid (listed above)"), "{refused}");
}
