//! `pageviews import`: web server access logs (nginx, Apache, Caddy, CloudFront, load
//! balancers, S3 websites, IIS, JSON lines) or exported events, as views on the queue, with a
//! summary by reason of what was skipped.

use anyhow::Context as _;
use clap::{Args, ValueEnum as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod lines;

use crate::backend::Backend;
use crate::cmd::context::Context;
use crate::collect::geoip::GeoFile;
use crate::import::filter::Rules;
use crate::import::format::Parser;
use crate::import::glob::Glob;
use crate::import::input::{Files, FollowedFile, Source};
use crate::import::json_log::{JsonField, JsonFields};
use crate::import::key::{load_or_create, ImportKey, KeyFile};
use crate::import::s3_input::{s3_location, S3Prefix};
use crate::import::summary::{Summary, NO_ENGAGEMENT};
use crate::import::worker::LineWorker;
use crate::import::{LineReader, LogFormat};
use crate::model::bad_input::BadInput;
use crate::model::event::MAX_EVENTS_PER_MESSAGE;
use crate::model::values::whole;
use crate::output::{counted, pace, print_data, SummaryFormat};
use crate::pipeline::send::Sender;
use lines::Run;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A log line is a view when it is a GET answered 2xx or 304, of a page (not a stylesheet, \
script, image, font, feed or download: by extension, which --include and --exclude change), \
by a browser. A bot's request of a page (or one without a user agent) is counted apart, as a \
hit of its category and name (report --by bot), never as a view. \
The page is the path: the query string is dropped but for campaign parameters (utm_source, \
utm_medium, utm_campaign, ref) and the variant, kept as fields; the referrer is reduced to its \
host, and dropped when it is the site itself (--site, or the host the log records). The time is \
the log's, with its own offset.

Formats: combined and common (nginx, Apache), their -vhost variants (the virtual host first), \
caddy (JSON, any Caddy 2), cloudfront (standard logs: the tab-separated legacy files with their \
#Fields line, or v2's JSON), alb (Application and Classic Load Balancers), s3 (S3 server access \
logs of a website: WEBSITE.* requests; REST calls are skipped), w3c (W3C extended as IIS \
writes it, read by its #Fields line), nginx-json (JSON lines with nginx's variable names, or \
those --json-field names), ndjson (exported events). Percent-encoded fields (CloudFront's, the \
user agent twice) are decoded.

Who the visitors are: the device class, browser and OS families with their major versions, \
from the user agent, as the collector derives them; with --geoip, the country and region from \
the address. Only these are stored, never the address or the user agent.

Visitors: the address and user agent of each line are hashed with a salt of the line's day \
derived from the import key, a secret kept outside the deployment (--key-file; the first \
import makes one): nothing that identifies a person is stored, and nothing stored lets anyone \
without the key test a guess of an address. Ids are the line's keyed hash: importing a log \
again, or after more was appended to it, counts each line once; a day's lines split over \
several files, runs or restarts count each visitor once. Keep the key as you keep the logs, \
and use the same one for every import into the deployment.

A line that cannot be read is listed (its file and number) and skipped; --strict stops at it \
instead (what was read before it is queued: importing again after fixing it counts each line \
once). Files ending in .gz, or starting as gzip does, are read directly. Lines are parsed \
on one thread per core this process may use (at most four), and queued in their order: run it \
under `taskset` or a CPU quota to leave cores to other work.

From S3: s3://BUCKET/PREFIX reads the objects under the prefix (CloudFront, load balancers and \
S3 deliver their logs there), gzipped or not, in key order. The deployment remembers each \
object read whole (its key and ETag), once its views are queued: the next run reads only \
objects that are new or were replaced, so it fits cron; --follow lists the prefix again every \
--poll-seconds. Logs that arrive late (CloudFront's up to a day) add to their days, which \
`aggregate` counts again as it does any day that got late events. AWS settings come from the \
global flags and the standard AWS configuration, on either backend.

Examples:
  pageviews import --format combined --site example.com /var/log/nginx/access.log*
  zcat old/*.gz | pageviews import --format combined -
  pageviews import --format caddy --exclude '/admin/**' access.json
  pageviews import --format cloudfront logs/E2ABCDEF123456.2021-03-13-*.gz
  pageviews import --format alb --site www.example.com alb-logs/*.log.gz
  pageviews import --format cloudfront s3://my-logs/cloudfront/E2ABCDEF123456.
  pageviews import --format alb --follow s3://my-logs/AWSLogs/123456789012/elasticloadbalancing/
  pageviews import --format nginx-json --json-field time=ts --json-field uri=path access.json
  pageviews import --format ndjson export/day=*/events.ndjson.gz
  pageviews import --format combined --follow /var/log/nginx/access.log")]
pub struct ImportArgs {
    /// The files' format.
    #[arg(long, value_enum)]
    pub format: LogFormat,

    /// Files to read ('-' for stdin), or one s3://BUCKET/PREFIX: the objects under the prefix
    /// that this deployment has not read yet.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The site's host: referrers from it are moves within the site, not referrers
    /// [default: the host each line records (Caddy's host, the virtual host, CloudFront's
    /// x-host-header, the load balancer's URL, S3's host header); none for combined and common].
    #[arg(long, value_name = "HOST")]
    pub site: Option<String>,

    /// nginx-json: the JSON key of one of a view's fields, as ROLE=KEY (roles: time, address,
    /// method, uri, request, status, referrer, user-agent, host; a dotted KEY reaches into
    /// nested objects); may be given several times [default: nginx's names, such as
    /// time_iso8601, remote_addr, request, status, http_referer, http_user_agent, host].
    #[arg(
        long = "json-field",
        value_name = "ROLE=KEY",
        env = "PAGEVIEWS_JSON_FIELDS",
        value_delimiter = ','
    )]
    pub json_fields: Vec<JsonField>,

    /// Also count paths matching GLOB as pages, whatever their extension (`*` within a
    /// segment, `**` as a whole segment for any number of them); may be given several times.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<Glob>,

    /// Never count paths matching GLOB; may be given several times.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<Glob>,

    /// A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each
    /// view's country and region by the logged address, as `collect --geoip` does.
    #[arg(long, env = "PAGEVIEWS_GEOIP", value_name = "FILE")]
    pub geoip: Option<PathBuf>,

    /// Stop at the first line that cannot be read.
    #[arg(long)]
    pub strict: bool,

    /// Keep reading the file as it grows, as `tail -f` (one plain file), or the S3 prefix as
    /// objects arrive, until SIGINT or SIGTERM.
    #[arg(long)]
    pub follow: bool,

    /// With --follow of an S3 prefix: seconds between two listings of it. Each listing costs a
    /// LIST request per 1,000 objects under the prefix [default: 60].
    #[arg(long, env = "PAGEVIEWS_IMPORT_POLL_SECONDS", value_name = "SECONDS",
          value_parser = whole::<u64>(1, 86_400))]
    pub poll_seconds: Option<u64>,

    /// The import key: the secret that visitor salts and line ids are derived from. The same
    /// file must be used for every import into the deployment, on every machine [default:
    /// <config dir>/pageviews/import-keys/<backend>-<name>.key, made by the first import].
    #[arg(long, env = "PAGEVIEWS_IMPORT_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long = "summary", value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
}

/// How often a followed S3 prefix is listed again unless --poll-seconds says otherwise.
const S3_POLL: Duration = Duration::from_secs(60);

fn check(args: &ImportArgs) -> Result<(), BadInput> {
    if !args.json_fields.is_empty() && args.format != LogFormat::NginxJson {
        return Err(BadInput(format!(
            "--json-field names the keys of --format nginx-json; the format is {}: drop --json-field",
            args.format.name()
        )));
    }
    let from_s3 = args.files.iter().any(|file| is_s3(file));
    if from_s3 && args.files.len() > 1 {
        return Err(BadInput(
            "an s3://BUCKET/PREFIX is read alone: give it without other files (one prefix can \
             take them all)"
                .into(),
        ));
    }
    if args.follow {
        match args.files.as_slice() {
            [one] if one.as_os_str() != "-" => {}
            _ => {
                return Err(BadInput(
                    "--follow reads one file as it grows, or one S3 prefix as objects arrive: \
                     give exactly one (not -)"
                        .into(),
                ))
            }
        }
    }
    if args.poll_seconds.is_some() && !(args.follow && from_s3) {
        return Err(BadInput(
            "--poll-seconds sets how often --follow lists an S3 prefix again: add --follow and \
             an s3://BUCKET/PREFIX, or drop it (a file is read as it grows)"
                .into(),
        ));
    }
    let stdin = args.files.iter().filter(|f| f.as_os_str() == "-").count();
    if stdin > 1 {
        return Err(BadInput("- (stdin) can be read only once".into()));
    }
    Ok(())
}

pub async fn run(ctx: &Context, args: ImportArgs) -> anyhow::Result<()> {
    check(&args)?;
    let mut rules = Rules::new(
        args.include.clone(),
        args.exclude.clone(),
        args.site.clone(),
    );
    if let Some(path) = &args.geoip {
        let file = GeoFile::open(path).map_err(BadInput)?;
        rules = rules.with_geoip(file.database());
    }
    let backend = ctx
        .open()
        .await
        .context("nothing was imported: cannot open the deployment")?;
    backend.queue.check_can_send().await.with_context(|| {
        format!(
            "nothing was imported: cannot reach the queue of {}",
            backend.location
        )
    })?;
    let key = import_key(ctx, &args)?;
    let started = Instant::now();
    let mut run = Run {
        ctx,
        worker: LineWorker::start(
            LineReader::new(
                Parser::new(args.format, JsonFields::new(&args.json_fields)),
                rules,
                backend.zone,
                key,
            ),
            reader_threads(),
        )
        .context("nothing was imported: cannot start the threads that read lines")?,
        sender: Sender::new(
            backend.queue.as_ref(),
            MAX_EVENTS_PER_MESSAGE,
            ctx.progress(None, "importing"),
        ),
        summary: Summary {
            engagement: NO_ENGAGEMENT,
            ..Summary::default()
        },
        strict: args.strict,
    };
    let mut source = match source(ctx, &args, &backend).await {
        Ok(source) => source,
        Err(err) => return Err(err.context("nothing was imported")),
    };
    if args.follow && !reads_s3(&args) {
        run.summary.files += 1;
    }
    let read = run.read(source.as_mut()).await;
    let Run {
        sender,
        mut summary,
        ..
    } = run;
    // What was read is sent even when a line stopped the import.
    let finished = sender.finish().await;
    read?;
    let stats = finished.context(
        "importing the same files again is safe: every line keeps its id, and is counted once",
    )?;
    summary.seconds = started.elapsed().as_secs_f64();
    report(ctx, &args, &summary, stats.messages)
}

/// Threads that read lines (the one that queues views also runs): one per core, at most four
/// (past that, queueing is what the import waits for).
fn reader_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().min(4))
}

fn is_s3(file: &std::path::Path) -> bool {
    file.to_str().is_some_and(|text| text.starts_with("s3://"))
}

fn reads_s3(args: &ImportArgs) -> bool {
    args.files.first().is_some_and(|file| is_s3(file))
}

/// Where the lines come from: an S3 prefix, one followed file, or the files in order.
async fn source(
    ctx: &Context,
    args: &ImportArgs,
    backend: &Backend,
) -> anyhow::Result<Box<dyn Source>> {
    let first = &args.files[0];
    if let Some(location) = first.to_str().and_then(s3_location) {
        let (bucket, prefix) = location?;
        let poll = args.poll_seconds.map_or(S3_POLL, Duration::from_secs);
        let bucket = ctx.aws.s3(&bucket).await?;
        let follow = args.follow.then_some(poll);
        let prefix = S3Prefix::open(bucket, &prefix, backend.imported.clone(), follow).await?;
        return Ok(Box::new(prefix));
    }
    Ok(match args.follow {
        true => Box::new(FollowedFile::open(first)?),
        false => Box::new(Files::new(&args.files)),
    })
}

/// The import key of `--key-file` or the deployment's default file (made there when missing).
fn import_key(ctx: &Context, args: &ImportArgs) -> anyhow::Result<ImportKey> {
    let file = match &args.key_file {
        Some(path) => KeyFile {
            path: path.clone(),
            named: true,
        },
        None => {
            let backend = ctx.global.backend.to_possible_value();
            let backend = backend.as_ref().map_or("local", |value| value.get_name());
            KeyFile::default_for(backend, &ctx.global.name)?
        }
    };
    let (key, made) = load_or_create(&file)?;
    if made {
        ctx.say(format!(
            "made a new import key in {}: keep it as you keep the logs, and give it (--key-file) \
             to every import into this deployment; another key would count a log again",
            file.path.display()
        ));
    }
    Ok(key)
}

fn report(
    ctx: &Context,
    args: &ImportArgs,
    summary: &Summary,
    messages: u64,
) -> anyhow::Result<()> {
    match args.summary {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(summary)?)?,
        SummaryFormat::Text => {
            ctx.say(format!(
                "imported {} from {} ({}) in {} ({})",
                counted(summary.views, "view"),
                counted(summary.files, "file"),
                counted(summary.lines, "line"),
                counted(messages, "message"),
                pace(summary.lines, summary.seconds),
            ));
            if summary.bot_hits > 0 {
                ctx.say(format!(
                    "counted {} of bots apart (report --by bot)",
                    counted(summary.bot_hits, "hit")
                ));
            }
            if summary.views > 0 {
                ctx.say(format!("note: {}", summary.engagement));
            }
            if let Some(skipped) = summary.skipped_text() {
                ctx.say(skipped);
            }
            let unlisted = summary.unparsable - summary.unparsable_lines.len() as u64;
            if unlisted > 0 {
                ctx.say(format!(
                    "({} more unparsable lines not listed)",
                    crate::model::text::thousands(unlisted)
                ));
            }
        }
    }
    if summary.views == 0 && summary.unparsable > 0 && summary.unparsable == summary.lines {
        return Err(BadInput(format!(
            "no line could be read as {}: is --format right?",
            args.format.name()
        ))
        .into());
    }
    Ok(())
}
