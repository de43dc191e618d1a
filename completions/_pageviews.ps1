
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'pageviews' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'pageviews'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'pageviews' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Put page views on the queue: synthetic traffic, or real events from NDJSON')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue')
            [CompletionResult]::new('snippet', 'snippet', [CompletionResultType]::ParameterValue, 'Print the script tag a site adds to its pages to report views to `collect`')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Move the queue backlog into the raw-events table, in batches')
            [CompletionResult]::new('aggregate', 'aggregate', [CompletionResultType]::ParameterValue, 'Count views per page per day into the daily table (re-running overwrites)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A dashboard in the browser, and a JSON API, of one site or several (read-only)')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'Create, list or revoke read-only share links to one site''s dashboard')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'List, redrive or purge the dead-letter queue: messages a drain could not store')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Copy raw events or daily rows to day-partitioned files in a folder or on S3')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the raw events of counted days past the retention; daily rows stay')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted')
            [CompletionResult]::new('cost', 'cost', [CompletionResultType]::ParameterValue, 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Delete the queues and tables `init` created, with everything in them')
            [CompletionResult]::new('iam-policy', 'iam-policy', [CompletionResultType]::ParameterValue, 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;init' {
            [CompletionResult]::new('--visibility-timeout', '--visibility-timeout', [CompletionResultType]::ParameterName, 'Seconds a received message stays hidden from other drains before it is delivered again [default: 30 locally; 300 on AWS, where one batch can mean hundreds of table writes]')
            [CompletionResult]::new('--max-receives', '--max-receives', [CompletionResultType]::ParameterName, 'Deliveries of a message before it is moved to the dead-letter queue [default: 5]')
            [CompletionResult]::new('--retention-days', '--retention-days', [CompletionResultType]::ParameterName, 'Days raw events are kept: on DynamoDB by its TTL (free of charge) [default: 400]; locally `aggregate` and `prune` delete those of counted days older than this (daily rows stay) [default: kept for ever]')
            [CompletionResult]::new('--shards', '--shards', [CompletionResultType]::ParameterName, 'Partitions each day''s raw events are spread over on DynamoDB (about 1,000 writes/s each); fixed at the first init [default: 8]')
            [CompletionResult]::new('--time-zone', '--time-zone', [CompletionResultType]::ParameterName, 'The IANA time zone whose calendar days the deployment counts in (e.g. Europe/Berlin): the day a view belongs to, `aggregate --day`, report days, hourly breakdowns. It can change only while the deployment holds no events [default: UTC]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The queue events travel through on AWS: `sqs` (a message a batch, billed per request) or `kinesis` (a data stream with an SQS dead-letter queue beside it; drains share its shards by leases in the daily table). Fixed at the first init [default: sqs]')
            [CompletionResult]::new('--stream-shards', '--stream-shards', [CompletionResultType]::ParameterName, 'Provisioned shards of a new Kinesis stream (about 1,000 records or 1 MB/s each) [default: on-demand capacity, which needs no shard count]')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--change-queue', '--change-queue', [CompletionResultType]::ParameterName, 'Move an existing deployment to the queue kind given by --queue: the old queue is drained first and kept for late senders (without it, another kind is refused)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be created, and create nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;send' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of synthetic events to send')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Day of the synthetic events [default: yesterday, in the deployment''s time zone].')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of synthetic events spread over several days.')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of synthetic events spread over several days.')
            [CompletionResult]::new('--pages', '--pages', [CompletionResultType]::ParameterName, 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)')
            [CompletionResult]::new('--visitors', '--visitors', [CompletionResultType]::ParameterName, 'People behind the synthetic views: each makes visits of a few pages (some return later), and every view carries its visitor''s key; every person visits at least once when there are enough views [default: no visitor keys]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the synthetic generator: same seed, same events [default: random, printed]')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Send real events from an NDJSON file (''-'' for stdin): one object per line with `page`, `time` (RFC 3339), and optional `id` and `visitor` (an opaque visitor key). Invalid lines stop the whole send (nothing is sent) unless --skip-invalid')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Also write every invalid input line, as it was, to FILE (one per line; lines over 64 KiB are only listed), to fix and send again')
            [CompletionResult]::new('--events-per-message', '--events-per-message', [CompletionResultType]::ParameterName, 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--breakdowns', '--breakdowns', [CompletionResultType]::ParameterName, 'Give synthetic views referrers, campaigns and A/B variants, and make some of the events downloads and custom events: a realistic mix for trying the breakdowns')
            [CompletionResult]::new('--engagement', '--engagement', [CompletionResultType]::ParameterName, 'Follow each synthetic view with its engagement beacon, as the script sends when a page is left: engaged time (45 s on average) and scroll depth. Doubles the events sent')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Skip invalid input lines (each is listed on stderr) and send the rest')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;collect' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on (`:8080` means every interface)')
            [CompletionResult]::new('--allow-origin', '--allow-origin', [CompletionResultType]::ParameterName, 'A site allowed to send views, as scheme://host[:port] (repeatable, or comma-separated); scheme://*.host[:port] allows every subdomain of host. Checked against Origin (or, for the pixel, Referer); CORS answers name the request''s origin')
            [CompletionResult]::new('--download-host', '--download-host', [CompletionResultType]::ParameterName, 'A host that `GET /v1/download?url=URL` may redirect to, e.g. files.example.com or host:port (repeatable, or comma-separated). A URL on any other host is refused with 400, so the collector is never an open redirect [default: downloads refused]')
            [CompletionResult]::new('--keep-query', '--keep-query', [CompletionResultType]::ParameterName, 'A query parameter kept in the stored page, e.g. utm_source (repeatable, or comma-separated); every other parameter is dropped')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Views per client allowed, as N/s, N/min or N/h; over it the client gets 429. Clients are told apart by address, held in memory only [default: no limit]')
            [CompletionResult]::new('--geoip', '--geoip', [CompletionResultType]::ParameterName, 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view''s country (and, with a City database that has them, its ISO region code) by the client''s address, which is then dropped. Read into memory at start, and again whenever the file changes on disk (checked every 5 s), without a restart')
            [CompletionResult]::new('--country-header', '--country-header', [CompletionResultType]::ParameterName, 'Behind a CDN that says where the visitor is: the header naming the country as an ISO code, e.g. CloudFront-Viewer-Country or CF-IPCountry. Trusted only when given; a request without it falls back to --geoip')
            [CompletionResult]::new('--region-header', '--region-header', [CompletionResultType]::ParameterName, 'With --country-header: the header naming the region, as its ISO 3166-2 code with or without the country (CloudFront-Viewer-Country-Region says BY for DE-BY)')
            [CompletionResult]::new('--ignore-network', '--ignore-network', [CompletionResultType]::ParameterName, 'A network whose requests are answered as usual and counted nowhere, e.g. your office or home: CIDR notation or one address (repeatable, or comma-separated). /metrics counts them (reason ignored-network)')
            [CompletionResult]::new('--bot-limit', '--bot-limit', [CompletionResultType]::ParameterName, 'Bots'' hits kept per second, all clients together, as N/s, N/min or N/h: each is stored as a hit of its category and name, so a flood of bots cannot flood the tables. Hits over it are counted in /metrics only')
            [CompletionResult]::new('--flush-interval', '--flush-interval', [CompletionResultType]::ParameterName, 'Seconds between sends of a partly filled message; a full one (64 KiB) is sent at once')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'Views held in memory on their way to the queue; when it is full (queue down or slow) new views are answered 503 with Retry-After. At most about 800 bytes a view: 50,000 take at most 40 MiB')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'After SIGINT/SIGTERM: seconds to keep trying to put buffered views on the queue before giving up with exit 1 (and the number of views lost)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Seconds a request''s headers may take from its first byte; a client slower than that (partial headers, as a slowloris attack sends them) has its connection closed')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'Seconds a request''s body may take once its headers are in; a body that does not come in time is answered 408 and the connection closed')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Seconds a connection may stay open waiting for its next request (keep-alive), or for its first one')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections open at once. At the cap, a new connection closes the one that has waited longest without a request being handled, so /healthz and views still get in. Lowered, with a warning, to what the open-file limit (ulimit -n) leaves after 64 for the rest')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--init', '--init', [CompletionResultType]::ParameterName, 'Create the deployment first where it does not exist yet, as `pageviews init` does with its defaults (an existing one is left as it is), so that one command starts counting')
            [CompletionResult]::new('--allow-any-origin', '--allow-any-origin', [CompletionResultType]::ParameterName, 'Accept views from any site (answers CORS with *)')
            [CompletionResult]::new('--ignore-dnt', '--ignore-dnt', [CompletionResultType]::ParameterName, 'Count views whose request carries DNT: 1 or Sec-GPC: 1')
            [CompletionResult]::new('--trust-client-time', '--trust-client-time', [CompletionResultType]::ParameterName, 'Use the time (RFC 3339) and id a client sends instead of the arrival time and a fresh id: for replaying recorded views, which are then stored once however often replayed')
            [CompletionResult]::new('--trust-forwarded-for', '--trust-forwarded-for', [CompletionResultType]::ParameterName, 'Behind a reverse proxy or load balancer: the client''s address is the last X-Forwarded-For entry (the one the proxy added, with or without a port), not the connection''s. It tells clients apart for --rate-limit and goes into visitor keys; an entry that is no address gives a view without a visitor key (counted and logged)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;snippet' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Public URL where `pageviews collect` is reachable from visitors'' browsers')
            [CompletionResult]::new('--variant-cookie', '--variant-cookie', [CompletionResultType]::ParameterName, 'A cookie whose value is the A/B variant the visitor sees, as an edge function (e.g. a CloudFront function) sets it; the script reads it (it must not be HttpOnly) and sends it with each view and event. A page''s <meta name="pageviews:variant"> wins over it')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;drain' {
            [CompletionResult]::new('--visibility-timeout', '--visibility-timeout', [CompletionResultType]::ParameterName, 'Seconds a received message stays hidden from other drains [default: the queue''s, set at init]')
            [CompletionResult]::new('--wait-seconds', '--wait-seconds', [CompletionResultType]::ParameterName, 'Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS]')
            [CompletionResult]::new('--idle-polls', '--idle-polls', [CompletionResultType]::ParameterName, 'Empty receives in a row after which the queue counts as drained')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Concurrent receive loops (each already decodes one group of messages while the group before is written)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep polling until SIGINT or SIGTERM, then finish the messages in hand (the group being written and the one received after it) and exit 0')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;aggregate' {
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Aggregate this day [default: yesterday in the deployment''s time zone, and every pending day].')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of a range to aggregate.')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of a range to aggregate.')
            [CompletionResult]::new('--parts', '--parts', [CompletionResultType]::ParameterName, 'Count each day in this many parts (1 to 64), stored one by one and added up into the day''s rows once every part is counted')
            [CompletionResult]::new('--part', '--part', [CompletionResultType]::ParameterName, 'With --parts: count only this part of each day (0 to N-1), then write the day if every part is counted')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Count each day in this many parts at once (1 to 64) in this process, and add them up: more or fewer cores than the default (one part per core, at most four)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--pending', '--pending', [CompletionResultType]::ParameterName, 'Also (or, without a day flag, only) recompute days whose raw events changed since they were last aggregated')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;report' {
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'What the rows are: pages, or one of the breakdowns counted beside them (a table, CSV or JSON; the chart and the HTML page show every breakdown)')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Report this day [default: yesterday, in the deployment''s time zone].')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of the report.')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of the report.')
            [CompletionResult]::new('--page', '--page', [CompletionResultType]::ParameterName, 'Only this page (an exact path, e.g. /pricing)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Only the N pages with the most views over the whole range [default: all; the chart shows 10, the HTML page 20]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--by-period', '--by-period', [CompletionResultType]::ParameterName, 'Sum per day, per ISO week (Monday to Sunday) or per calendar month; visitors are summed per day (visitor-days)')
            [CompletionResult]::new('--compare', '--compare', [CompletionResultType]::ParameterName, 'Beside each page, its numbers in another range and the change in percent: `previous` (as many days, just before) or YYYY-MM-DD..YYYY-MM-DD. New and vanished pages are marked')
            [CompletionResult]::new('--versus', '--versus', [CompletionResultType]::ParameterName, 'Beside each page''s views per day, those of the deployment NAME (on the same backend and data directory) and the ratio of the two: run one deployment from the beacon and one from the server''s logs, and see what the beacon misses (ad blockers, scripts that did not run) and what it counts that the logs call bots. Pages one side lacks show 0 there. A table, CSV, JSON or the HTML page')
            [CompletionResult]::new('--geoip', '--geoip', [CompletionResultType]::ParameterName, 'The GeoIP database the collector reads (`collect --geoip`, the same PAGEVIEWS_GEOIP): when it is DB-IP''s, the HTML page credits it under countries and regions, as its licence (CC BY 4.0) asks. Read only for --format html')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report into FILE instead of stdout. The file is replaced at once, never seen half-written, and readable by everyone: fit for a web server''s folder')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report into FILE instead of stdout. The file is replaced at once, never seen half-written, and readable by everyone: fit for a web server''s folder')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--chart', '--chart', [CompletionResultType]::ParameterName, 'Draw a chart for the terminal: the same as --format chart')
            [CompletionResult]::new('--ascii', '--ascii', [CompletionResultType]::ParameterName, 'Draw the chart with ASCII characters only (no Unicode blocks)')
            [CompletionResult]::new('--hourly', '--hourly', [CompletionResultType]::ParameterName, 'Per hour of the one day reported (23 or 25 hours on days clocks change); views only, as visitors are counted per day')
            [CompletionResult]::new('--totals', '--totals', [CompletionResultType]::ParameterName, 'CSV and JSON: after each day''s pages (or week''s, month''s, hour''s), a record of its totals with no page (empty in CSV, null in JSON): the views of every page and the site''s distinct visitors, which no sum over pages gives')
            [CompletionResult]::new('--fresh', '--fresh', [CompletionResultType]::ParameterName, 'First drain the queue and count the range''s days that got views since their last count (what cron''s `drain` and `aggregate` do), so the report includes views of a minute ago; e.g. `--fresh --day today`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('experiment', 'experiment', [CompletionResultType]::ParameterValue, 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;report;experiment' {
            [CompletionResult]::new('--goal', '--goal', [CompletionResultType]::ParameterName, 'The goal: a custom event''s name (`pageviews(\"signup\")` in the page), or an engaged time: engaged:10s, engaged:30s, engaged:60s, engaged:120s or engaged:300s (a visitor''s day engaged at least that long in all, from the script''s engagement beacons)')
            [CompletionResult]::new('--goal-page', '--goal-page', [CompletionResultType]::ParameterName, 'The goal: a page whose view counts as success, e.g. /thanks')
            [CompletionResult]::new('--control', '--control', [CompletionResultType]::ParameterName, 'The variant the others are compared with [default: the first by name]')
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Read this day [default: yesterday, in the deployment''s time zone].')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of the experiment.')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of the experiment.')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: table (with the verdict), csv, json, or html (a page of its own in the HTML report''s look: redirect it to a file)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;report;help' {
            [CompletionResult]::new('experiment', 'experiment', [CompletionResultType]::ParameterValue, 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;report;help;experiment' {
            break
        }
        'pageviews;report;help;help' {
            break
        }
        'pageviews;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on (`:8090` means every interface: needs --token-file or --public)')
            [CompletionResult]::new('--site', '--site', [CompletionResultType]::ParameterName, 'A deployment to show; repeat for several, with a switcher between them [default: the deployment --name names]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the token every request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`)')
            [CompletionResult]::new('--allow-origin', '--allow-origin', [CompletionResultType]::ParameterName, 'An origin whose pages'' scripts may read /api/v1/count (CORS), e.g. https://example.com; repeat or separate with commas')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Anyone who can reach the address may read the numbers: no token')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;share' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a link to the dashboard of the deployment --name names; prints its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the links (never their tokens): id, site, created, expires, whether it still works')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a link by its id; a running `serve` refuses it at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;share;create' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'How long the link works: 90s, 15m, 12h, 30d (at most 3650d), or never')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;share;list' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every site''s links [default: those of the deployment --name names]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;share;revoke' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;share;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a link to the dashboard of the deployment --name names; prints its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the links (never their tokens): id, site, created, expires, whether it still works')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a link by its id; a running `serve` refuses it at once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;share;help;create' {
            break
        }
        'pageviews;share;help;list' {
            break
        }
        'pageviews;share;help;revoke' {
            break
        }
        'pageviews;share;help;help' {
            break
        }
        'pageviews;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format; either way the status is data, written to stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;dlq' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show dead letters: reason, receive count, when, and the start of the body')
            [CompletionResult]::new('redrive', 'redrive', [CompletionResultType]::ParameterValue, 'Move every dead letter back to the main queue (after a fix), with a fresh receive count')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete every dead letter for good, after confirmation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;dlq;list' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most N dead letters (the oldest first, locally; in SQS''s order on AWS)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;dlq;redrive' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;dlq;purge' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;dlq;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show dead letters: reason, receive count, when, and the start of the body')
            [CompletionResult]::new('redrive', 'redrive', [CompletionResultType]::ParameterValue, 'Move every dead letter back to the main queue (after a fix), with a fresh receive count')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete every dead letter for good, after confirmation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;dlq;help;list' {
            break
        }
        'pageviews;dlq;help;redrive' {
            break
        }
        'pageviews;dlq;help;purge' {
            break
        }
        'pageviews;dlq;help;help' {
            break
        }
        'pageviews;export' {
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Export this day (or give --from and --to).')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of the range to export.')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of the range to export.')
            [CompletionResult]::new('--what', '--what', [CompletionResultType]::ParameterName, 'What to export: raw events (every field of every event), or the daily rows (views, visitors and views per hour of each page)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Row format of the files')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'A folder, or s3://BUCKET/PREFIX')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;import' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The files'' format')
            [CompletionResult]::new('--site', '--site', [CompletionResultType]::ParameterName, 'The site''s host: referrers from it are moves within the site, not referrers [default: the host each line records (Caddy''s host, the virtual host, CloudFront''s x-host-header, the load balancer''s URL, S3''s host header); none for combined and common]')
            [CompletionResult]::new('--json-field', '--json-field', [CompletionResultType]::ParameterName, 'nginx-json: the JSON key of one of a view''s fields, as ROLE=KEY (roles: time, address, method, uri, request, status, referrer, user-agent, host; a dotted KEY reaches into nested objects); may be given several times [default: nginx''s names, such as time_iso8601, remote_addr, request, status, http_referer, http_user_agent, host]')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Also count paths matching GLOB as pages, whatever their extension (`*` within a segment, `**` as a whole segment for any number of them); may be given several times')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Never count paths matching GLOB; may be given several times')
            [CompletionResult]::new('--geoip', '--geoip', [CompletionResultType]::ParameterName, 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view''s country and region by the logged address, as `collect --geoip` does')
            [CompletionResult]::new('--poll-seconds', '--poll-seconds', [CompletionResultType]::ParameterName, 'With --follow of an S3 prefix: seconds between two listings of it. Each listing costs a LIST request per 1,000 objects under the prefix [default: 60]')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'The import key: the secret that visitor salts and line ids are derived from. The same file must be used for every import into the deployment, on every machine [default: <config dir>/pageviews/import-keys/<backend>-<name>.key, made by the first import]')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop at the first line that cannot be read')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading the file as it grows, as `tail -f` (one plain file), or the S3 prefix as objects arrive, until SIGINT or SIGTERM')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;prune' {
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Delete raw events of counted days before this day [default: the days older than the deployment''s retention]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would be deleted, and delete nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;archive' {
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Archive the counted days before this day')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where: s3://BUCKET/PREFIX, or a folder')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Row format of the archived files')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;cost' {
            [CompletionResult]::new('--views-per-day', '--views-per-day', [CompletionResultType]::ParameterName, 'Page views a day')
            [CompletionResult]::new('--pages', '--pages', [CompletionResultType]::ParameterName, 'Distinct pages viewed a day (one daily row each)')
            [CompletionResult]::new('--retention-days', '--retention-days', [CompletionResultType]::ParameterName, 'Days raw events are kept (DynamoDB TTL, or Timestream retention)')
            [CompletionResult]::new('--report-queries-per-day', '--report-queries-per-day', [CompletionResultType]::ParameterName, 'Reports run a day (each reads the daily table)')
            [CompletionResult]::new('--report-days', '--report-days', [CompletionResultType]::ParameterName, 'Days each report covers')
            [CompletionResult]::new('--event-bytes', '--event-bytes', [CompletionResultType]::ParameterName, 'Bytes an event takes inside a packed raw item in DynamoDB [default: computed from the encoding with --page-bytes, --id-bytes and --visitor-bytes]')
            [CompletionResult]::new('--page-bytes', '--page-bytes', [CompletionResultType]::ParameterName, 'Typical page path length in bytes')
            [CompletionResult]::new('--id-bytes', '--id-bytes', [CompletionResultType]::ParameterName, 'Event id length in bytes (send''s ids: 16 hex digits, ''-'', the index)')
            [CompletionResult]::new('--visitor-bytes', '--visitor-bytes', [CompletionResultType]::ParameterName, 'Visitor key length in bytes (the collector''s: 16 hex digits); 0 for views without one')
            [CompletionResult]::new('--events-per-message', '--events-per-message', [CompletionResultType]::ParameterName, 'Events per queue message [default: what send packs into 64 KiB]')
            [CompletionResult]::new('--shards', '--shards', [CompletionResultType]::ParameterName, 'Shards a day''s raw events are spread over (one aggregation query each)')
            [CompletionResult]::new('--drain-workers', '--drain-workers', [CompletionResultType]::ParameterName, '`drain --follow` workers long-polling the queue all day')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'Where the drain and the daily aggregation run: on a machine of yours (not priced), or as Lambda functions (`deploy`), priced per request and GB-second')
            [CompletionResult]::new('--lambda-memory', '--lambda-memory', [CompletionResultType]::ParameterName, 'Memory of the Lambda functions in MB (`deploy --memory`), with --drain lambda')
            [CompletionResult]::new('--aggregate-memory', '--aggregate-memory', [CompletionResultType]::ParameterName, 'Memory of the aggregation function in MB (`deploy --aggregate-memory`), with --drain lambda [default: --lambda-memory]')
            [CompletionResult]::new('--aggregate-parts', '--aggregate-parts', [CompletionResultType]::ParameterName, 'Parts the aggregation function counts each day in (`deploy --aggregate-parts`), one invocation each, with --drain lambda')
            [CompletionResult]::new('--lambda-batch-ms', '--lambda-batch-ms', [CompletionResultType]::ParameterName, 'Milliseconds the drain function takes per batch of 10 messages, with --drain lambda (docs/performance.md, "Lambda handler": 32-66 ms for 10 full messages against an emulator on loopback; in AWS add each call''s latency)')
            [CompletionResult]::new('--memory-store-hours', '--memory-store-hours', [CompletionResultType]::ParameterName, 'Hours Timestream keeps events in its memory store before the magnetic store')
            [CompletionResult]::new('--timestream-batch', '--timestream-batch', [CompletionResultType]::ParameterName, 'Records per Timestream WriteRecords request (at most 100)')
            [CompletionResult]::new('--timestream-query-seconds', '--timestream-query-seconds', [CompletionResultType]::ParameterName, 'Seconds the daily aggregation query runs (billed with a 30 s minimum)')
            [CompletionResult]::new('--timestream-tcu-hour-usd', '--timestream-tcu-hour-usd', [CompletionResultType]::ParameterName, 'Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table')
            [CompletionResult]::new('--influxdb-instances', '--influxdb-instances', [CompletionResultType]::ParameterName, 'Timestream for InfluxDB instances running all month')
            [CompletionResult]::new('--influxdb-instance-hour-usd', '--influxdb-instance-hour-usd', [CompletionResultType]::ParameterName, 'Price of a Timestream for InfluxDB instance-hour in USD: not in the price table')
            [CompletionResult]::new('--influxdb-storage-gb-month-usd', '--influxdb-storage-gb-month-usd', [CompletionResultType]::ParameterName, 'Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table')
            [CompletionResult]::new('--influxdb-storage-gb', '--influxdb-storage-gb', [CompletionResultType]::ParameterName, 'Storage allocated to InfluxDB in GB [default: the data volume]')
            [CompletionResult]::new('--raw-retention-days', '--raw-retention-days', [CompletionResultType]::ParameterName, 'Days raw events stay in DynamoDB, fewer than --retention-days: older ones are deleted (TTL), or archived with --archive [default: --retention-days]')
            [CompletionResult]::new('--archive', '--archive', [CompletionResultType]::ParameterName, 'Archive raw events older than --raw-retention-days (`pageviews archive`) and keep them there until --retention-days')
            [CompletionResult]::new('--archive-event-bytes', '--archive-event-bytes', [CompletionResultType]::ParameterName, 'Bytes an archived event takes (gzipped NDJSON)')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The queue to price: sqs, or kinesis to add a Kinesis data stream, provisioned and on-demand, beside the SQS options')
            [CompletionResult]::new('--stream-shards', '--stream-shards', [CompletionResultType]::ParameterName, 'Shards of the provisioned stream (`init --stream-shards`), with --queue kinesis [default: what the day''s mean rate needs, at least 1]')
            [CompletionResult]::new('--records-per-checkpoint', '--records-per-checkpoint', [CompletionResultType]::ParameterName, 'Records a drain stores between two checkpoints of a shard, with --queue kinesis: 1 when it keeps up with the traffic, up to 250 when it reads a backlog [default: 1]')
            [CompletionResult]::new('--prices', '--prices', [CompletionResultType]::ParameterName, 'Price table to use instead of the built-in one (JSON; format in docs/cost.md)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--eventually-consistent', '--eventually-consistent', [CompletionResultType]::ParameterName, 'Price aggregation and report reads as eventually consistent (half the read units)')
            [CompletionResult]::new('--from-usage', '--from-usage', [CompletionResultType]::ParameterName, 'Read volumes (views a day, pages) from the deployment: the mean of its last 30 aggregated days')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;teardown' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;iam-policy' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'The role to write the policy for')
            [CompletionResult]::new('--account-id', '--account-id', [CompletionResultType]::ParameterName, 'AWS account id the resources live in [default: any]')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The deployment''s queue, as `init --queue` made it: a Kinesis stream adds its own statements (and the drain''s leases in the daily table)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;deploy' {
            [CompletionResult]::new('--package', '--package', [CompletionResultType]::ParameterName, 'The function package: a zip holding `bootstrap` (scripts/package-lambda.sh builds it)')
            [CompletionResult]::new('--architecture', '--architecture', [CompletionResultType]::ParameterName, 'The processor the functions run on; the package must be built for it')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory of each function, in MB (CPU grows with it)')
            [CompletionResult]::new('--aggregate-memory', '--aggregate-memory', [CompletionResultType]::ParameterName, 'Memory of the aggregation function (or of each of its parts), in MB [default: --memory]: a count holds the day''s visitors, about 86 bytes an event of a part of one shard (`pageviews cost --drain lambda` says what a day needs)')
            [CompletionResult]::new('--aggregate-timeout', '--aggregate-timeout', [CompletionResultType]::ParameterName, 'Longest run of the aggregation function (or of each of its parts), in seconds, up to Lambda''s 900 [default: --timeout]; unlike the drain''s, it does not bind the queue''s visibility timeout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest run of one invocation, in seconds; the queue''s visibility timeout must be at least six times this (init''s 300 s allow 50 s)')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Most messages the drain function gets at once')
            [CompletionResult]::new('--batching-window', '--batching-window', [CompletionResultType]::ParameterName, 'Seconds Lambda may gather messages before it invokes the drain (at least 1 when --batch-size is over 10)')
            [CompletionResult]::new('--max-concurrency', '--max-concurrency', [CompletionResultType]::ParameterName, 'Most drain functions running at once: bounds the write rate on the events table')
            [CompletionResult]::new('--aggregate-parts', '--aggregate-parts', [CompletionResultType]::ParameterName, 'Count each day in this many parts, one invocation of the aggregation function per part, at once (1 to the deployment''s shards): for days too large for one function''s memory or 15 minutes. The schedule invokes the parts; the last one stored writes the day (docs/scaling.md sizes it)')
            [CompletionResult]::new('--aggregate-at', '--aggregate-at', [CompletionResultType]::ParameterName, 'When the daily aggregation runs, HH:MM in the deployment''s time zone')
            [CompletionResult]::new('--allow-origin', '--allow-origin', [CompletionResultType]::ParameterName, 'A site allowed to send views to the function URL, as scheme://host[:port] (repeatable, or comma-separated); the URL''s CORS answers only these')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'With --dashboard: a file holding the token every dashboard request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`); only its SHA-256 leaves this machine')
            [CompletionResult]::new('--parallelization-factor', '--parallelization-factor', [CompletionResultType]::ParameterName, 'With a Kinesis stream: batches of one shard the drain processes at once')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'With a Kinesis stream: retries of a batch whose function fails before the mapping gives it up (describing it on the dead-letter queue; its records are then skipped); -1 retries as long as the stream keeps the records [default: -1]')
            [CompletionResult]::new('--max-record-age', '--max-record-age', [CompletionResultType]::ParameterName, 'With a Kinesis stream: the oldest record, in seconds, the mapping still hands over (60 to 604,800); -1 as long as the stream keeps it [default: -1]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--collector', '--collector', [CompletionResultType]::ParameterName, 'Also deploy the beacon endpoint (`collect`) behind a public function URL')
            [CompletionResult]::new('--dashboard', '--dashboard', [CompletionResultType]::ParameterName, 'Also deploy the dashboard and its API (`serve`) behind a public function URL; needs --token-file')
            [CompletionResult]::new('--raise-visibility-timeout', '--raise-visibility-timeout', [CompletionResultType]::ParameterName, 'Raise the queue''s visibility timeout to six times --timeout when it is lower')
            [CompletionResult]::new('--paused', '--paused', [CompletionResultType]::ParameterName, 'Create the queue''s event source mapping disabled: nothing is drained until it is enabled (e.g. `aws lambda update-event-source-mapping --enabled`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be created or changed, and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;undeploy' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when stdin is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;completions' {
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the deployment [default: AWS_REGION, or the profile''s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS''s own]')
            [CompletionResult]::new('--aws-timeout', '--aws-timeout', [CompletionResultType]::ParameterName, 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Put page views on the queue: synthetic traffic, or real events from NDJSON')
            [CompletionResult]::new('collect', 'collect', [CompletionResultType]::ParameterValue, 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue')
            [CompletionResult]::new('snippet', 'snippet', [CompletionResultType]::ParameterValue, 'Print the script tag a site adds to its pages to report views to `collect`')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Move the queue backlog into the raw-events table, in batches')
            [CompletionResult]::new('aggregate', 'aggregate', [CompletionResultType]::ParameterValue, 'Count views per page per day into the daily table (re-running overwrites)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'A dashboard in the browser, and a JSON API, of one site or several (read-only)')
            [CompletionResult]::new('share', 'share', [CompletionResultType]::ParameterValue, 'Create, list or revoke read-only share links to one site''s dashboard')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'List, redrive or purge the dead-letter queue: messages a drain could not store')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Copy raw events or daily rows to day-partitioned files in a folder or on S3')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the raw events of counted days past the retention; daily rows stay')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted')
            [CompletionResult]::new('cost', 'cost', [CompletionResultType]::ParameterValue, 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Delete the queues and tables `init` created, with everything in them')
            [CompletionResult]::new('iam-policy', 'iam-policy', [CompletionResultType]::ParameterValue, 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;help;init' {
            break
        }
        'pageviews;help;send' {
            break
        }
        'pageviews;help;collect' {
            break
        }
        'pageviews;help;snippet' {
            break
        }
        'pageviews;help;drain' {
            break
        }
        'pageviews;help;aggregate' {
            break
        }
        'pageviews;help;report' {
            [CompletionResult]::new('experiment', 'experiment', [CompletionResultType]::ParameterValue, 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control')
            break
        }
        'pageviews;help;report;experiment' {
            break
        }
        'pageviews;help;serve' {
            break
        }
        'pageviews;help;share' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a link to the dashboard of the deployment --name names; prints its token once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the links (never their tokens): id, site, created, expires, whether it still works')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a link by its id; a running `serve` refuses it at once')
            break
        }
        'pageviews;help;share;create' {
            break
        }
        'pageviews;help;share;list' {
            break
        }
        'pageviews;help;share;revoke' {
            break
        }
        'pageviews;help;status' {
            break
        }
        'pageviews;help;dlq' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show dead letters: reason, receive count, when, and the start of the body')
            [CompletionResult]::new('redrive', 'redrive', [CompletionResultType]::ParameterValue, 'Move every dead letter back to the main queue (after a fix), with a fresh receive count')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete every dead letter for good, after confirmation')
            break
        }
        'pageviews;help;dlq;list' {
            break
        }
        'pageviews;help;dlq;redrive' {
            break
        }
        'pageviews;help;dlq;purge' {
            break
        }
        'pageviews;help;export' {
            break
        }
        'pageviews;help;import' {
            break
        }
        'pageviews;help;prune' {
            break
        }
        'pageviews;help;archive' {
            break
        }
        'pageviews;help;cost' {
            break
        }
        'pageviews;help;teardown' {
            break
        }
        'pageviews;help;iam-policy' {
            break
        }
        'pageviews;help;deploy' {
            break
        }
        'pageviews;help;undeploy' {
            break
        }
        'pageviews;help;completions' {
            break
        }
        'pageviews;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
