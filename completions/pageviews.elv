
use builtin;
use str;

set edit:completion:arg-completer[pageviews] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'pageviews'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'pageviews'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
            cand send 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
            cand collect 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue'
            cand snippet 'Print the script tag a site adds to its pages to report views to `collect`'
            cand drain 'Move the queue backlog into the raw-events table, in batches'
            cand aggregate 'Count views per page per day into the daily table (re-running overwrites)'
            cand report 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page'
            cand serve 'A dashboard in the browser, and a JSON API, of one site or several (read-only)'
            cand share 'Create, list or revoke read-only share links to one site''s dashboard'
            cand status 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
            cand dlq 'List, redrive or purge the dead-letter queue: messages a drain could not store'
            cand export 'Copy raw events or daily rows to day-partitioned files in a folder or on S3'
            cand import 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views'
            cand prune 'Delete the raw events of counted days past the retention; daily rows stay'
            cand archive 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted'
            cand cost 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted'
            cand teardown 'Delete the queues and tables `init` created, with everything in them'
            cand iam-policy 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment'
            cand deploy 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions'
            cand undeploy 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;init'= {
            cand --visibility-timeout 'Seconds a received message stays hidden from other drains before it is delivered again [default: 30 locally; 300 on AWS, where one batch can mean hundreds of table writes]'
            cand --max-receives 'Deliveries of a message before it is moved to the dead-letter queue [default: 5]'
            cand --retention-days 'Days raw events are kept: on DynamoDB by its TTL (free of charge) [default: 400]; locally `aggregate` and `prune` delete those of counted days older than this (daily rows stay) [default: kept for ever]'
            cand --shards 'Partitions each day''s raw events are spread over on DynamoDB (about 1,000 writes/s each); fixed at the first init [default: 8]'
            cand --time-zone 'The IANA time zone whose calendar days the deployment counts in (e.g. Europe/Berlin): the day a view belongs to, `aggregate --day`, report days, hourly breakdowns. It can change only while the deployment holds no events [default: UTC]'
            cand --queue 'The queue events travel through on AWS: `sqs` (a message a batch, billed per request) or `kinesis` (a data stream with an SQS dead-letter queue beside it; drains share its shards by leases in the daily table). Fixed at the first init [default: sqs]'
            cand --stream-shards 'Provisioned shards of a new Kinesis stream (about 1,000 records or 1 MB/s each) [default: on-demand capacity, which needs no shard count]'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --change-queue 'Move an existing deployment to the queue kind given by --queue: the old queue is drained first and kept for late senders (without it, another kind is refused)'
            cand --dry-run 'Print what would be created, and create nothing'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;send'= {
            cand --count 'Number of synthetic events to send'
            cand --day 'Day of the synthetic events [default: yesterday, in the deployment''s time zone].'
            cand --from 'First day of synthetic events spread over several days.'
            cand --to 'Last day of synthetic events spread over several days.'
            cand --pages 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)'
            cand --visitors 'People behind the synthetic views: each makes visits of a few pages (some return later), and every view carries its visitor''s key; every person visits at least once when there are enough views [default: no visitor keys]'
            cand --seed 'Seed of the synthetic generator: same seed, same events [default: random, printed]'
            cand --input 'Send real events from an NDJSON file (''-'' for stdin): one object per line with `page`, `time` (RFC 3339), and optional `id` and `visitor` (an opaque visitor key). Invalid lines stop the whole send (nothing is sent) unless --skip-invalid'
            cand --rejects 'Also write every invalid input line, as it was, to FILE (one per line; lines over 64 KiB are only listed), to fix and send again'
            cand --events-per-message 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --breakdowns 'Give synthetic views referrers, campaigns and A/B variants, and make some of the events downloads and custom events: a realistic mix for trying the breakdowns'
            cand --engagement 'Follow each synthetic view with its engagement beacon, as the script sends when a page is left: engaged time (45 s on average) and scroll depth. Doubles the events sent'
            cand --skip-invalid 'Skip invalid input lines (each is listed on stderr) and send the rest'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;collect'= {
            cand --listen 'Address and port to listen on (`:8080` means every interface)'
            cand --allow-origin 'A site allowed to send views, as scheme://host[:port] (repeatable, or comma-separated); scheme://*.host[:port] allows every subdomain of host. Checked against Origin (or, for the pixel, Referer); CORS answers name the request''s origin'
            cand --download-host 'A host that `GET /v1/download?url=URL` may redirect to, e.g. files.example.com or host:port (repeatable, or comma-separated). A URL on any other host is refused with 400, so the collector is never an open redirect [default: downloads refused]'
            cand --keep-query 'A query parameter kept in the stored page, e.g. utm_source (repeatable, or comma-separated); every other parameter is dropped'
            cand --rate-limit 'Views per client allowed, as N/s, N/min or N/h; over it the client gets 429. Clients are told apart by address, held in memory only [default: no limit]'
            cand --geoip 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view''s country (and, with a City database that has them, its ISO region code) by the client''s address, which is then dropped. Read into memory at start, and again whenever the file changes on disk (checked every 5 s), without a restart'
            cand --country-header 'Behind a CDN that says where the visitor is: the header naming the country as an ISO code, e.g. CloudFront-Viewer-Country or CF-IPCountry. Trusted only when given; a request without it falls back to --geoip'
            cand --region-header 'With --country-header: the header naming the region, as its ISO 3166-2 code with or without the country (CloudFront-Viewer-Country-Region says BY for DE-BY)'
            cand --ignore-network 'A network whose requests are answered as usual and counted nowhere, e.g. your office or home: CIDR notation or one address (repeatable, or comma-separated). /metrics counts them (reason ignored-network)'
            cand --bot-limit 'Bots'' hits kept per second, all clients together, as N/s, N/min or N/h: each is stored as a hit of its category and name, so a flood of bots cannot flood the tables. Hits over it are counted in /metrics only'
            cand --flush-interval 'Seconds between sends of a partly filled message; a full one (64 KiB) is sent at once'
            cand --buffer 'Views held in memory on their way to the queue; when it is full (queue down or slow) new views are answered 503 with Retry-After. At most about 800 bytes a view: 50,000 take at most 40 MiB'
            cand --shutdown-timeout 'After SIGINT/SIGTERM: seconds to keep trying to put buffered views on the queue before giving up with exit 1 (and the number of views lost)'
            cand --header-timeout 'Seconds a request''s headers may take from its first byte; a client slower than that (partial headers, as a slowloris attack sends them) has its connection closed'
            cand --body-timeout 'Seconds a request''s body may take once its headers are in; a body that does not come in time is answered 408 and the connection closed'
            cand --idle-timeout 'Seconds a connection may stay open waiting for its next request (keep-alive), or for its first one'
            cand --max-connections 'Connections open at once. At the cap, a new connection closes the one that has waited longest without a request being handled, so /healthz and views still get in. Lowered, with a warning, to what the open-file limit (ulimit -n) leaves after 64 for the rest'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --init 'Create the deployment first where it does not exist yet, as `pageviews init` does with its defaults (an existing one is left as it is), so that one command starts counting'
            cand --allow-any-origin 'Accept views from any site (answers CORS with *)'
            cand --ignore-dnt 'Count views whose request carries DNT: 1 or Sec-GPC: 1'
            cand --trust-client-time 'Use the time (RFC 3339) and id a client sends instead of the arrival time and a fresh id: for replaying recorded views, which are then stored once however often replayed'
            cand --trust-forwarded-for 'Behind a reverse proxy or load balancer: the client''s address is the last X-Forwarded-For entry (the one the proxy added, with or without a port), not the connection''s. It tells clients apart for --rate-limit and goes into visitor keys; an entry that is no address gives a view without a visitor key (counted and logged)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;snippet'= {
            cand --endpoint 'Public URL where `pageviews collect` is reachable from visitors'' browsers'
            cand --variant-cookie 'A cookie whose value is the A/B variant the visitor sees, as an edge function (e.g. a CloudFront function) sets it; the script reads it (it must not be HttpOnly) and sends it with each view and event. A page''s <meta name="pageviews:variant"> wins over it'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;drain'= {
            cand --visibility-timeout 'Seconds a received message stays hidden from other drains [default: the queue''s, set at init]'
            cand --wait-seconds 'Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS]'
            cand --idle-polls 'Empty receives in a row after which the queue counts as drained'
            cand --workers 'Concurrent receive loops (each already decodes one group of messages while the group before is written)'
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --follow 'Keep polling until SIGINT or SIGTERM, then finish the messages in hand (the group being written and the one received after it) and exit 0'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;aggregate'= {
            cand --day 'Aggregate this day [default: yesterday in the deployment''s time zone, and every pending day].'
            cand --from 'First day of a range to aggregate.'
            cand --to 'Last day of a range to aggregate.'
            cand --parts 'Count each day in this many parts (1 to 64), stored one by one and added up into the day''s rows once every part is counted'
            cand --part 'With --parts: count only this part of each day (0 to N-1), then write the day if every part is counted'
            cand --workers 'Count each day in this many parts at once (1 to 64) in this process, and add them up: more or fewer cores than the default (one part per core, at most four)'
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --pending 'Also (or, without a day flag, only) recompute days whose raw events changed since they were last aggregated'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;report'= {
            cand --by 'What the rows are: pages, or one of the breakdowns counted beside them (a table, CSV or JSON; the chart and the HTML page show every breakdown)'
            cand --day 'Report this day [default: yesterday, in the deployment''s time zone].'
            cand --from 'First day of the report.'
            cand --to 'Last day of the report.'
            cand --page 'Only this page (an exact path, e.g. /pricing)'
            cand --top 'Only the N pages with the most views over the whole range [default: all; the chart shows 10, the HTML page 20]'
            cand --format 'Output format'
            cand --by-period 'Sum per day, per ISO week (Monday to Sunday) or per calendar month; visitors are summed per day (visitor-days)'
            cand --compare 'Beside each page, its numbers in another range and the change in percent: `previous` (as many days, just before) or YYYY-MM-DD..YYYY-MM-DD. New and vanished pages are marked'
            cand --versus 'Beside each page''s views per day, those of the deployment NAME (on the same backend and data directory) and the ratio of the two: run one deployment from the beacon and one from the server''s logs, and see what the beacon misses (ad blockers, scripts that did not run) and what it counts that the logs call bots. Pages one side lacks show 0 there. A table, CSV, JSON or the HTML page'
            cand --geoip 'The GeoIP database the collector reads (`collect --geoip`, the same PAGEVIEWS_GEOIP): when it is DB-IP''s, the HTML page credits it under countries and regions, as its licence (CC BY 4.0) asks. Read only for --format html'
            cand -o 'Write the report into FILE instead of stdout. The file is replaced at once, never seen half-written, and readable by everyone: fit for a web server''s folder'
            cand --output 'Write the report into FILE instead of stdout. The file is replaced at once, never seen half-written, and readable by everyone: fit for a web server''s folder'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --chart 'Draw a chart for the terminal: the same as --format chart'
            cand --ascii 'Draw the chart with ASCII characters only (no Unicode blocks)'
            cand --hourly 'Per hour of the one day reported (23 or 25 hours on days clocks change); views only, as visitors are counted per day'
            cand --totals 'CSV and JSON: after each day''s pages (or week''s, month''s, hour''s), a record of its totals with no page (empty in CSV, null in JSON): the views of every page and the site''s distinct visitors, which no sum over pages gives'
            cand --fresh 'First drain the queue and count the range''s days that got views since their last count (what cron''s `drain` and `aggregate` do), so the report includes views of a minute ago; e.g. `--fresh --day today`'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand experiment 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;report;experiment'= {
            cand --goal 'The goal: a custom event''s name (`pageviews(\"signup\")` in the page), or an engaged time: engaged:10s, engaged:30s, engaged:60s, engaged:120s or engaged:300s (a visitor''s day engaged at least that long in all, from the script''s engagement beacons)'
            cand --goal-page 'The goal: a page whose view counts as success, e.g. /thanks'
            cand --control 'The variant the others are compared with [default: the first by name]'
            cand --day 'Read this day [default: yesterday, in the deployment''s time zone].'
            cand --from 'First day of the experiment.'
            cand --to 'Last day of the experiment.'
            cand --format 'Output format: table (with the verdict), csv, json, or html (a page of its own in the HTML report''s look: redirect it to a file)'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;report;help'= {
            cand experiment 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;report;help;experiment'= {
        }
        &'pageviews;report;help;help'= {
        }
        &'pageviews;serve'= {
            cand --listen 'Address and port to listen on (`:8090` means every interface: needs --token-file or --public)'
            cand --site 'A deployment to show; repeat for several, with a switcher between them [default: the deployment --name names]'
            cand --token-file 'A file holding the token every request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`)'
            cand --allow-origin 'An origin whose pages'' scripts may read /api/v1/count (CORS), e.g. https://example.com; repeat or separate with commas'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --public 'Anyone who can reach the address may read the numbers: no token'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;share'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Create a link to the dashboard of the deployment --name names; prints its token once'
            cand list 'List the links (never their tokens): id, site, created, expires, whether it still works'
            cand revoke 'Revoke a link by its id; a running `serve` refuses it at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;share;create'= {
            cand --expires 'How long the link works: 90s, 15m, 12h, 30d (at most 3650d), or never'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;share;list'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --all 'Every site''s links [default: those of the deployment --name names]'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;share;revoke'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;share;help'= {
            cand create 'Create a link to the dashboard of the deployment --name names; prints its token once'
            cand list 'List the links (never their tokens): id, site, created, expires, whether it still works'
            cand revoke 'Revoke a link by its id; a running `serve` refuses it at once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;share;help;create'= {
        }
        &'pageviews;share;help;list'= {
        }
        &'pageviews;share;help;revoke'= {
        }
        &'pageviews;share;help;help'= {
        }
        &'pageviews;status'= {
            cand --format 'Output format; either way the status is data, written to stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;dlq'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'Show dead letters: reason, receive count, when, and the start of the body'
            cand redrive 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
            cand purge 'Delete every dead letter for good, after confirmation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;dlq;list'= {
            cand --limit 'Show at most N dead letters (the oldest first, locally; in SQS''s order on AWS)'
            cand --format 'Output format'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;dlq;redrive'= {
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;dlq;purge'= {
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --yes 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;dlq;help'= {
            cand list 'Show dead letters: reason, receive count, when, and the start of the body'
            cand redrive 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
            cand purge 'Delete every dead letter for good, after confirmation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;dlq;help;list'= {
        }
        &'pageviews;dlq;help;redrive'= {
        }
        &'pageviews;dlq;help;purge'= {
        }
        &'pageviews;dlq;help;help'= {
        }
        &'pageviews;export'= {
            cand --day 'Export this day (or give --from and --to).'
            cand --from 'First day of the range to export.'
            cand --to 'Last day of the range to export.'
            cand --what 'What to export: raw events (every field of every event), or the daily rows (views, visitors and views per hour of each page)'
            cand --format 'Row format of the files'
            cand --output 'A folder, or s3://BUCKET/PREFIX'
            cand --summary 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;import'= {
            cand --format 'The files'' format'
            cand --site 'The site''s host: referrers from it are moves within the site, not referrers [default: the host each line records (Caddy''s host, the virtual host, CloudFront''s x-host-header, the load balancer''s URL, S3''s host header); none for combined and common]'
            cand --json-field 'nginx-json: the JSON key of one of a view''s fields, as ROLE=KEY (roles: time, address, method, uri, request, status, referrer, user-agent, host; a dotted KEY reaches into nested objects); may be given several times [default: nginx''s names, such as time_iso8601, remote_addr, request, status, http_referer, http_user_agent, host]'
            cand --include 'Also count paths matching GLOB as pages, whatever their extension (`*` within a segment, `**` as a whole segment for any number of them); may be given several times'
            cand --exclude 'Never count paths matching GLOB; may be given several times'
            cand --geoip 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view''s country and region by the logged address, as `collect --geoip` does'
            cand --poll-seconds 'With --follow of an S3 prefix: seconds between two listings of it. Each listing costs a LIST request per 1,000 objects under the prefix [default: 60]'
            cand --key-file 'The import key: the secret that visitor salts and line ids are derived from. The same file must be used for every import into the deployment, on every machine [default: <config dir>/pageviews/import-keys/<backend>-<name>.key, made by the first import]'
            cand --summary 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --strict 'Stop at the first line that cannot be read'
            cand --follow 'Keep reading the file as it grows, as `tail -f` (one plain file), or the S3 prefix as objects arrive, until SIGINT or SIGTERM'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;prune'= {
            cand --before 'Delete raw events of counted days before this day [default: the days older than the deployment''s retention]'
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --dry-run 'Say what would be deleted, and delete nothing'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;archive'= {
            cand --before 'Archive the counted days before this day'
            cand --output 'Where: s3://BUCKET/PREFIX, or a folder'
            cand --format 'Row format of the archived files'
            cand --summary 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;cost'= {
            cand --views-per-day 'Page views a day'
            cand --pages 'Distinct pages viewed a day (one daily row each)'
            cand --retention-days 'Days raw events are kept (DynamoDB TTL, or Timestream retention)'
            cand --report-queries-per-day 'Reports run a day (each reads the daily table)'
            cand --report-days 'Days each report covers'
            cand --event-bytes 'Bytes an event takes inside a packed raw item in DynamoDB [default: computed from the encoding with --page-bytes, --id-bytes and --visitor-bytes]'
            cand --page-bytes 'Typical page path length in bytes'
            cand --id-bytes 'Event id length in bytes (send''s ids: 16 hex digits, ''-'', the index)'
            cand --visitor-bytes 'Visitor key length in bytes (the collector''s: 16 hex digits); 0 for views without one'
            cand --events-per-message 'Events per queue message [default: what send packs into 64 KiB]'
            cand --shards 'Shards a day''s raw events are spread over (one aggregation query each)'
            cand --drain-workers '`drain --follow` workers long-polling the queue all day'
            cand --drain 'Where the drain and the daily aggregation run: on a machine of yours (not priced), or as Lambda functions (`deploy`), priced per request and GB-second'
            cand --lambda-memory 'Memory of the Lambda functions in MB (`deploy --memory`), with --drain lambda'
            cand --aggregate-memory 'Memory of the aggregation function in MB (`deploy --aggregate-memory`), with --drain lambda [default: --lambda-memory]'
            cand --aggregate-parts 'Parts the aggregation function counts each day in (`deploy --aggregate-parts`), one invocation each, with --drain lambda'
            cand --lambda-batch-ms 'Milliseconds the drain function takes per batch of 10 messages, with --drain lambda (docs/performance.md, "Lambda handler": 32-66 ms for 10 full messages against an emulator on loopback; in AWS add each call''s latency)'
            cand --memory-store-hours 'Hours Timestream keeps events in its memory store before the magnetic store'
            cand --timestream-batch 'Records per Timestream WriteRecords request (at most 100)'
            cand --timestream-query-seconds 'Seconds the daily aggregation query runs (billed with a 30 s minimum)'
            cand --timestream-tcu-hour-usd 'Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table'
            cand --influxdb-instances 'Timestream for InfluxDB instances running all month'
            cand --influxdb-instance-hour-usd 'Price of a Timestream for InfluxDB instance-hour in USD: not in the price table'
            cand --influxdb-storage-gb-month-usd 'Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table'
            cand --influxdb-storage-gb 'Storage allocated to InfluxDB in GB [default: the data volume]'
            cand --raw-retention-days 'Days raw events stay in DynamoDB, fewer than --retention-days: older ones are deleted (TTL), or archived with --archive [default: --retention-days]'
            cand --archive 'Archive raw events older than --raw-retention-days (`pageviews archive`) and keep them there until --retention-days'
            cand --archive-event-bytes 'Bytes an archived event takes (gzipped NDJSON)'
            cand --queue 'The queue to price: sqs, or kinesis to add a Kinesis data stream, provisioned and on-demand, beside the SQS options'
            cand --stream-shards 'Shards of the provisioned stream (`init --stream-shards`), with --queue kinesis [default: what the day''s mean rate needs, at least 1]'
            cand --records-per-checkpoint 'Records a drain stores between two checkpoints of a shard, with --queue kinesis: 1 when it keeps up with the traffic, up to 250 when it reads a backlog [default: 1]'
            cand --prices 'Price table to use instead of the built-in one (JSON; format in docs/cost.md)'
            cand --format 'Output format'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --eventually-consistent 'Price aggregation and report reads as eventually consistent (half the read units)'
            cand --from-usage 'Read volumes (views a day, pages) from the deployment: the mean of its last 30 aggregated days'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;teardown'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --yes 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;iam-policy'= {
            cand --role 'The role to write the policy for'
            cand --account-id 'AWS account id the resources live in [default: any]'
            cand --queue 'The deployment''s queue, as `init --queue` made it: a Kinesis stream adds its own statements (and the drain''s leases in the daily table)'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;deploy'= {
            cand --package 'The function package: a zip holding `bootstrap` (scripts/package-lambda.sh builds it)'
            cand --architecture 'The processor the functions run on; the package must be built for it'
            cand --memory 'Memory of each function, in MB (CPU grows with it)'
            cand --aggregate-memory 'Memory of the aggregation function (or of each of its parts), in MB [default: --memory]: a count holds the day''s visitors, about 86 bytes an event of a part of one shard (`pageviews cost --drain lambda` says what a day needs)'
            cand --aggregate-timeout 'Longest run of the aggregation function (or of each of its parts), in seconds, up to Lambda''s 900 [default: --timeout]; unlike the drain''s, it does not bind the queue''s visibility timeout'
            cand --timeout 'Longest run of one invocation, in seconds; the queue''s visibility timeout must be at least six times this (init''s 300 s allow 50 s)'
            cand --batch-size 'Most messages the drain function gets at once'
            cand --batching-window 'Seconds Lambda may gather messages before it invokes the drain (at least 1 when --batch-size is over 10)'
            cand --max-concurrency 'Most drain functions running at once: bounds the write rate on the events table'
            cand --aggregate-parts 'Count each day in this many parts, one invocation of the aggregation function per part, at once (1 to the deployment''s shards): for days too large for one function''s memory or 15 minutes. The schedule invokes the parts; the last one stored writes the day (docs/scaling.md sizes it)'
            cand --aggregate-at 'When the daily aggregation runs, HH:MM in the deployment''s time zone'
            cand --allow-origin 'A site allowed to send views to the function URL, as scheme://host[:port] (repeatable, or comma-separated); the URL''s CORS answers only these'
            cand --token-file 'With --dashboard: a file holding the token every dashboard request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`); only its SHA-256 leaves this machine'
            cand --parallelization-factor 'With a Kinesis stream: batches of one shard the drain processes at once'
            cand --max-retries 'With a Kinesis stream: retries of a batch whose function fails before the mapping gives it up (describing it on the dead-letter queue; its records are then skipped); -1 retries as long as the stream keeps the records [default: -1]'
            cand --max-record-age 'With a Kinesis stream: the oldest record, in seconds, the mapping still hands over (60 to 604,800); -1 as long as the stream keeps it [default: -1]'
            cand --format 'Output format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --collector 'Also deploy the beacon endpoint (`collect`) behind a public function URL'
            cand --dashboard 'Also deploy the dashboard and its API (`serve`) behind a public function URL; needs --token-file'
            cand --raise-visibility-timeout 'Raise the queue''s visibility timeout to six times --timeout when it is lower'
            cand --paused 'Create the queue''s event source mapping disabled: nothing is drained until it is enabled (e.g. `aws lambda update-event-source-mapping --enabled`)'
            cand --dry-run 'Print what would be created or changed, and change nothing'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;undeploy'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand --yes 'Do not ask for confirmation (needed when stdin is not a terminal)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;completions'= {
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --profile 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]'
            cand --region 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]'
            cand --endpoint-url 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]'
            cand --aws-timeout 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;help'= {
            cand init 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
            cand send 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
            cand collect 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue'
            cand snippet 'Print the script tag a site adds to its pages to report views to `collect`'
            cand drain 'Move the queue backlog into the raw-events table, in batches'
            cand aggregate 'Count views per page per day into the daily table (re-running overwrites)'
            cand report 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page'
            cand serve 'A dashboard in the browser, and a JSON API, of one site or several (read-only)'
            cand share 'Create, list or revoke read-only share links to one site''s dashboard'
            cand status 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
            cand dlq 'List, redrive or purge the dead-letter queue: messages a drain could not store'
            cand export 'Copy raw events or daily rows to day-partitioned files in a folder or on S3'
            cand import 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views'
            cand prune 'Delete the raw events of counted days past the retention; daily rows stay'
            cand archive 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted'
            cand cost 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted'
            cand teardown 'Delete the queues and tables `init` created, with everything in them'
            cand iam-policy 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment'
            cand deploy 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions'
            cand undeploy 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;help;init'= {
        }
        &'pageviews;help;send'= {
        }
        &'pageviews;help;collect'= {
        }
        &'pageviews;help;snippet'= {
        }
        &'pageviews;help;drain'= {
        }
        &'pageviews;help;aggregate'= {
        }
        &'pageviews;help;report'= {
            cand experiment 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
        }
        &'pageviews;help;report;experiment'= {
        }
        &'pageviews;help;serve'= {
        }
        &'pageviews;help;share'= {
            cand create 'Create a link to the dashboard of the deployment --name names; prints its token once'
            cand list 'List the links (never their tokens): id, site, created, expires, whether it still works'
            cand revoke 'Revoke a link by its id; a running `serve` refuses it at once'
        }
        &'pageviews;help;share;create'= {
        }
        &'pageviews;help;share;list'= {
        }
        &'pageviews;help;share;revoke'= {
        }
        &'pageviews;help;status'= {
        }
        &'pageviews;help;dlq'= {
            cand list 'Show dead letters: reason, receive count, when, and the start of the body'
            cand redrive 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
            cand purge 'Delete every dead letter for good, after confirmation'
        }
        &'pageviews;help;dlq;list'= {
        }
        &'pageviews;help;dlq;redrive'= {
        }
        &'pageviews;help;dlq;purge'= {
        }
        &'pageviews;help;export'= {
        }
        &'pageviews;help;import'= {
        }
        &'pageviews;help;prune'= {
        }
        &'pageviews;help;archive'= {
        }
        &'pageviews;help;cost'= {
        }
        &'pageviews;help;teardown'= {
        }
        &'pageviews;help;iam-policy'= {
        }
        &'pageviews;help;deploy'= {
        }
        &'pageviews;help;undeploy'= {
        }
        &'pageviews;help;completions'= {
        }
        &'pageviews;help;help'= {
        }
    ]
    $completions[$command]
}
