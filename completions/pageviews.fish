# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pageviews_global_optspecs
    string join \n backend= name= data-dir= q/quiet v/verbose profile= region= endpoint-url= aws-timeout= h/help V/version
end

function __fish_pageviews_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pageviews_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pageviews_using_subcommand
    set -l cmd (__fish_pageviews_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pageviews -n "__fish_pageviews_needs_command" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_needs_command" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_needs_command" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_needs_command" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_needs_command" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_needs_command" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_needs_command" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_needs_command" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_needs_command" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_needs_command" -s V -l version -d 'Print version'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "init" -d 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "send" -d 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "collect" -d 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "snippet" -d 'Print the script tag a site adds to its pages to report views to `collect`'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "drain" -d 'Move the queue backlog into the raw-events table, in batches'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "aggregate" -d 'Count views per page per day into the daily table (re-running overwrites)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "report" -d 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "serve" -d 'A dashboard in the browser, and a JSON API, of one site or several (read-only)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "share" -d 'Create, list or revoke read-only share links to one site\'s dashboard'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "status" -d 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "dlq" -d 'List, redrive or purge the dead-letter queue: messages a drain could not store'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "export" -d 'Copy raw events or daily rows to day-partitioned files in a folder or on S3'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "import" -d 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "prune" -d 'Delete the raw events of counted days past the retention; daily rows stay'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "archive" -d 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "cost" -d 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "teardown" -d 'Delete the queues and tables `init` created, with everything in them'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "iam-policy" -d 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "deploy" -d 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "undeploy" -d 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l visibility-timeout -d 'Seconds a received message stays hidden from other drains before it is delivered again [default: 30 locally; 300 on AWS, where one batch can mean hundreds of table writes]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l max-receives -d 'Deliveries of a message before it is moved to the dead-letter queue [default: 5]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l retention-days -d 'Days raw events are kept: on DynamoDB by its TTL (free of charge) [default: 400]; locally `aggregate` and `prune` delete those of counted days older than this (daily rows stay) [default: kept for ever]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l shards -d 'Partitions each day\'s raw events are spread over on DynamoDB (about 1,000 writes/s each); fixed at the first init [default: 8]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l time-zone -d 'The IANA time zone whose calendar days the deployment counts in (e.g. Europe/Berlin): the day a view belongs to, `aggregate --day`, report days, hourly breakdowns. It can change only while the deployment holds no events [default: UTC]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l queue -d 'The queue events travel through on AWS: `sqs` (a message a batch, billed per request) or `kinesis` (a data stream with an SQS dead-letter queue beside it; drains share its shards by leases in the daily table). Fixed at the first init [default: sqs]' -r -f -a "sqs\t'Amazon SQS: a message a batch of events, billed per request; the simplest to run'
kinesis\t'A Kinesis data stream: billed per shard-hour (or on demand), cheaper at a steady high rate; drains share its shards by leases'"
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l stream-shards -d 'Provisioned shards of a new Kinesis stream (about 1,000 records or 1 MB/s each) [default: on-demand capacity, which needs no shard count]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l change-queue -d 'Move an existing deployment to the queue kind given by --queue: the old queue is drained first and kept for late senders (without it, another kind is refused)'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l dry-run -d 'Print what would be created, and create nothing'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l count -d 'Number of synthetic events to send' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l day -d 'Day of the synthetic events [default: yesterday, in the deployment\'s time zone].' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l from -d 'First day of synthetic events spread over several days.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l to -d 'Last day of synthetic events spread over several days.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l pages -d 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l visitors -d 'People behind the synthetic views: each makes visits of a few pages (some return later), and every view carries its visitor\'s key; every person visits at least once when there are enough views [default: no visitor keys]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l seed -d 'Seed of the synthetic generator: same seed, same events [default: random, printed]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l input -d 'Send real events from an NDJSON file (\'-\' for stdin): one object per line with `page`, `time` (RFC 3339), and optional `id` and `visitor` (an opaque visitor key). Invalid lines stop the whole send (nothing is sent) unless --skip-invalid' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l rejects -d 'Also write every invalid input line, as it was, to FILE (one per line; lines over 64 KiB are only listed), to fix and send again' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l events-per-message -d 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l breakdowns -d 'Give synthetic views referrers, campaigns and A/B variants, and make some of the events downloads and custom events: a realistic mix for trying the breakdowns'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l engagement -d 'Follow each synthetic view with its engagement beacon, as the script sends when a page is left: engaged time (45 s on average) and scroll depth. Doubles the events sent'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l skip-invalid -d 'Skip invalid input lines (each is listed on stderr) and send the rest'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l listen -d 'Address and port to listen on (`:8080` means every interface)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l allow-origin -d 'A site allowed to send views, as scheme://host[:port] (repeatable, or comma-separated); scheme://*.host[:port] allows every subdomain of host. Checked against Origin (or, for the pixel, Referer); CORS answers name the request\'s origin' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l download-host -d 'A host that `GET /v1/download?url=URL` may redirect to, e.g. files.example.com or host:port (repeatable, or comma-separated). A URL on any other host is refused with 400, so the collector is never an open redirect [default: downloads refused]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l keep-query -d 'A query parameter kept in the stored page, e.g. utm_source (repeatable, or comma-separated); every other parameter is dropped' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l rate-limit -d 'Views per client allowed, as N/s, N/min or N/h; over it the client gets 429. Clients are told apart by address, held in memory only [default: no limit]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l geoip -d 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view\'s country (and, with a City database that has them, its ISO region code) by the client\'s address, which is then dropped. Read into memory at start, and again whenever the file changes on disk (checked every 5 s), without a restart' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l country-header -d 'Behind a CDN that says where the visitor is: the header naming the country as an ISO code, e.g. CloudFront-Viewer-Country or CF-IPCountry. Trusted only when given; a request without it falls back to --geoip' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l region-header -d 'With --country-header: the header naming the region, as its ISO 3166-2 code with or without the country (CloudFront-Viewer-Country-Region says BY for DE-BY)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l ignore-network -d 'A network whose requests are answered as usual and counted nowhere, e.g. your office or home: CIDR notation or one address (repeatable, or comma-separated). /metrics counts them (reason ignored-network)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l bot-limit -d 'Bots\' hits kept per second, all clients together, as N/s, N/min or N/h: each is stored as a hit of its category and name, so a flood of bots cannot flood the tables. Hits over it are counted in /metrics only' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l flush-interval -d 'Seconds between sends of a partly filled message; a full one (64 KiB) is sent at once' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l buffer -d 'Views held in memory on their way to the queue; when it is full (queue down or slow) new views are answered 503 with Retry-After. At most about 800 bytes a view: 50,000 take at most 40 MiB' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l shutdown-timeout -d 'After SIGINT/SIGTERM: seconds to keep trying to put buffered views on the queue before giving up with exit 1 (and the number of views lost)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l header-timeout -d 'Seconds a request\'s headers may take from its first byte; a client slower than that (partial headers, as a slowloris attack sends them) has its connection closed' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l body-timeout -d 'Seconds a request\'s body may take once its headers are in; a body that does not come in time is answered 408 and the connection closed' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l idle-timeout -d 'Seconds a connection may stay open waiting for its next request (keep-alive), or for its first one' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l max-connections -d 'Connections open at once. At the cap, a new connection closes the one that has waited longest without a request being handled, so /healthz and views still get in. Lowered, with a warning, to what the open-file limit (ulimit -n) leaves after 64 for the rest' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l init -d 'Create the deployment first where it does not exist yet, as `pageviews init` does with its defaults (an existing one is left as it is), so that one command starts counting'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l allow-any-origin -d 'Accept views from any site (answers CORS with *)'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l ignore-dnt -d 'Count views whose request carries DNT: 1 or Sec-GPC: 1'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l trust-client-time -d 'Use the time (RFC 3339) and id a client sends instead of the arrival time and a fresh id: for replaying recorded views, which are then stored once however often replayed'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -l trust-forwarded-for -d 'Behind a reverse proxy or load balancer: the client\'s address is the last X-Forwarded-For entry (the one the proxy added, with or without a port), not the connection\'s. It tells clients apart for --rate-limit and goes into visitor keys; an entry that is no address gives a view without a visitor key (counted and logged)'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand collect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l endpoint -d 'Public URL where `pageviews collect` is reachable from visitors\' browsers' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l variant-cookie -d 'A cookie whose value is the A/B variant the visitor sees, as an edge function (e.g. a CloudFront function) sets it; the script reads it (it must not be HttpOnly) and sends it with each view and event. A page\'s <meta name="pageviews:variant"> wins over it' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand snippet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l visibility-timeout -d 'Seconds a received message stays hidden from other drains [default: the queue\'s, set at init]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l wait-seconds -d 'Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l idle-polls -d 'Empty receives in a row after which the queue counts as drained' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l workers -d 'Concurrent receive loops (each already decodes one group of messages while the group before is written)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l follow -d 'Keep polling until SIGINT or SIGTERM, then finish the messages in hand (the group being written and the one received after it) and exit 0'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l day -d 'Aggregate this day [default: yesterday in the deployment\'s time zone, and every pending day].' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l from -d 'First day of a range to aggregate.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l to -d 'Last day of a range to aggregate.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l parts -d 'Count each day in this many parts (1 to 64), stored one by one and added up into the day\'s rows once every part is counted' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l part -d 'With --parts: count only this part of each day (0 to N-1), then write the day if every part is counted' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l workers -d 'Count each day in this many parts at once (1 to 64) in this process, and add them up: more or fewer cores than the default (one part per core, at most four)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l pending -d 'Also (or, without a day flag, only) recompute days whose raw events changed since they were last aggregated'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l by -d 'What the rows are: pages, or one of the breakdowns counted beside them (a table, CSV or JSON; the chart and the HTML page show every breakdown)' -r -f -a "page\t'Views and visitors per page'
entry\t'Pages where visits began (a visit is a visitor\'s day), with their bounces'
exit\t'Pages where visits ended, with the share of their views that ended one'
referrer\t'Views by the host visitors came from'
source\t'Views by campaign source (utm_source, ref, source)'
campaign\t'Views by campaign: source, medium and name'
download\t'Downloads by file'
event\t'Custom events by name'
variant\t'Views by A/B variant'
screen\t'Views by screen class (phone, tablet, laptop, desktop), as the script sends it'
country\t'Views by country (ISO code), from --geoip or --country-header'
region\t'Views by region (ISO 3166-2 code, e.g. DE-BY), from a City database or --region-header'
device\t'Views by device class (desktop, mobile, tablet, other), from the user agent'
browser\t'Views by browser family, from the user agent'
browser-version\t'Views by browser family and major version'
os\t'Views by operating system family, from the user agent'
os-version\t'Views by operating system and major version (where the user agent states it)'
bot-category\t'Bot hits by category (search-engine, ai-crawler, seo, ...), never counted as views'
bot\t'Bot hits by category and bot name, never counted as views'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l day -d 'Report this day [default: yesterday, in the deployment\'s time zone].' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l from -d 'First day of the report.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l to -d 'Last day of the report.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l page -d 'Only this page (an exact path, e.g. /pricing)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l top -d 'Only the N pages with the most views over the whole range [default: all; the chart shows 10, the HTML page 20]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l format -d 'Output format' -r -f -a "table\t'Aligned table with totals'
csv\t'CSV with the header day,page,views,visitors'
json\t'JSON array of {day, page, views, visitors, hours}'
chart\t'Bar chart for the terminal, with the top pages and a sparkline each'
html\t'One self-contained HTML page: chart, tables, no script, no requests'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l by-period -d 'Sum per day, per ISO week (Monday to Sunday) or per calendar month; visitors are summed per day (visitor-days)' -r -f -a "day\t'One row per day'
week\t'ISO weeks, Monday to Sunday'
month\t'Calendar months'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l compare -d 'Beside each page, its numbers in another range and the change in percent: `previous` (as many days, just before) or YYYY-MM-DD..YYYY-MM-DD. New and vanished pages are marked' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l versus -d 'Beside each page\'s views per day, those of the deployment NAME (on the same backend and data directory) and the ratio of the two: run one deployment from the beacon and one from the server\'s logs, and see what the beacon misses (ad blockers, scripts that did not run) and what it counts that the logs call bots. Pages one side lacks show 0 there. A table, CSV, JSON or the HTML page' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l geoip -d 'The GeoIP database the collector reads (`collect --geoip`, the same PAGEVIEWS_GEOIP): when it is DB-IP\'s, the HTML page credits it under countries and regions, as its licence (CC BY 4.0) asks. Read only for --format html' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -s o -l output -d 'Write the report into FILE instead of stdout. The file is replaced at once, never seen half-written, and readable by everyone: fit for a web server\'s folder' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l chart -d 'Draw a chart for the terminal: the same as --format chart'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l ascii -d 'Draw the chart with ASCII characters only (no Unicode blocks)'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l hourly -d 'Per hour of the one day reported (23 or 25 hours on days clocks change); views only, as visitors are counted per day'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l totals -d 'CSV and JSON: after each day\'s pages (or week\'s, month\'s, hour\'s), a record of its totals with no page (empty in CSV, null in JSON): the views of every page and the site\'s distinct visitors, which no sum over pages gives'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -l fresh -d 'First drain the queue and count the range\'s days that got views since their last count (what cron\'s `drain` and `aggregate` do), so the report includes views of a minute ago; e.g. `--fresh --day today`'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -f -a "experiment" -d 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and not __fish_seen_subcommand_from experiment help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l goal -d 'The goal: a custom event\'s name (`pageviews(\\"signup\\")` in the page), or an engaged time: engaged:10s, engaged:30s, engaged:60s, engaged:120s or engaged:300s (a visitor\'s day engaged at least that long in all, from the script\'s engagement beacons)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l goal-page -d 'The goal: a page whose view counts as success, e.g. /thanks' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l control -d 'The variant the others are compared with [default: the first by name]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l day -d 'Read this day [default: yesterday, in the deployment\'s time zone].' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l from -d 'First day of the experiment.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l to -d 'Last day of the experiment.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l format -d 'Output format: table (with the verdict), csv, json, or html (a page of its own in the HTML report\'s look: redirect it to a file)' -r -f -a "table\t'Aligned table with totals'
csv\t'CSV with the header day,page,views,visitors'
json\t'JSON array of {day, page, views, visitors, hours}'
chart\t'Bar chart for the terminal, with the top pages and a sparkline each'
html\t'One self-contained HTML page: chart, tables, no script, no requests'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from experiment" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "experiment" -d 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
complete -c pageviews -n "__fish_pageviews_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l listen -d 'Address and port to listen on (`:8090` means every interface: needs --token-file or --public)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l site -d 'A deployment to show; repeat for several, with a switcher between them [default: the deployment --name names]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l token-file -d 'A file holding the token every request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`)' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l allow-origin -d 'An origin whose pages\' scripts may read /api/v1/count (CORS), e.g. https://example.com; repeat or separate with commas' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -l public -d 'Anyone who can reach the address may read the numbers: no token'
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Create a link to the dashboard of the deployment --name names; prints its token once'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List the links (never their tokens): id, site, created, expires, whether it still works'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke a link by its id; a running `serve` refuses it at once'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l expires -d 'How long the link works: 90s, 15m, 12h, 30d (at most 3650d), or never' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -l all -d 'Every site\'s links [default: those of the deployment --name names]'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a link to the dashboard of the deployment --name names; prints its token once'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the links (never their tokens): id, site, created, expires, whether it still works'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a link by its id; a running `serve` refuses it at once'
complete -c pageviews -n "__fish_pageviews_using_subcommand share; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l format -d 'Output format; either way the status is data, written to stdout' -r -f -a "text\t'Lines for people, on stdout'
json\t'A JSON object, on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -f -a "list" -d 'Show dead letters: reason, receive count, when, and the start of the body'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -f -a "redrive" -d 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -f -a "purge" -d 'Delete every dead letter for good, after confirmation'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and not __fish_seen_subcommand_from list redrive purge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l limit -d 'Show at most N dead letters (the oldest first, locally; in SQS\'s order on AWS)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t'Aligned table; bodies cut to a preview'
json\t'JSON array of {message_id, reason, receive_count, dead_lettered_at, body}, whole bodies'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from redrive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from purge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "list" -d 'Show dead letters: reason, receive count, when, and the start of the body'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "redrive" -d 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "purge" -d 'Delete every dead letter for good, after confirmation'
complete -c pageviews -n "__fish_pageviews_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l day -d 'Export this day (or give --from and --to).' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l from -d 'First day of the range to export.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l to -d 'Last day of the range to export.' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l what -d 'What to export: raw events (every field of every event), or the daily rows (views, visitors and views per hour of each page)' -r -f -a "events\t'Raw events, one row per event with every field it has'
daily\t'The daily table: views, visitors and views per hour of each page'"
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l format -d 'Row format of the files' -r -f -a "ndjson\t'One JSON object per line (events as `send --input` and `import --format ndjson` read)'
csv\t'Comma-separated values with a header row (RFC 4180 quoting)'"
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l output -d 'A folder, or s3://BUCKET/PREFIX' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l summary -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l format -d 'The files\' format' -r -f -a "combined\t'nginx\'s default and Apache\'s `combined`: common, then "referrer" "user agent"'
combined-vhost\t'`combined` with the virtual host first (Apache\'s `vhost_combined`, `%v:%p`; nginx\'s `$host` in front)'
common\t'The NCSA common log format: no referrer, no user agent (so bots cannot be told apart, and a visitor is an address)'
common-vhost\t'`common` with the virtual host first (Apache\'s `vhost_common`)'
caddy\t'Caddy\'s JSON access log (any Caddy 2)'
cloudfront\t'CloudFront\'s standard logs: the tab-separated legacy format, or v2\'s JSON output'
alb\t'Application (and Classic) Load Balancer access logs'
s3\t'S3 server access logs of a static website (WEBSITE.* requests)'
w3c\t'W3C extended (IIS), fields as its #Fields line names them'
nginx-json\t'JSON lines with nginx\'s variable names (remote_addr, request, status...), or those --json-field gives'
ndjson\t'Events, one JSON object per line, as `export --what events` writes them'"
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l site -d 'The site\'s host: referrers from it are moves within the site, not referrers [default: the host each line records (Caddy\'s host, the virtual host, CloudFront\'s x-host-header, the load balancer\'s URL, S3\'s host header); none for combined and common]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l json-field -d 'nginx-json: the JSON key of one of a view\'s fields, as ROLE=KEY (roles: time, address, method, uri, request, status, referrer, user-agent, host; a dotted KEY reaches into nested objects); may be given several times [default: nginx\'s names, such as time_iso8601, remote_addr, request, status, http_referer, http_user_agent, host]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l include -d 'Also count paths matching GLOB as pages, whatever their extension (`*` within a segment, `**` as a whole segment for any number of them); may be given several times' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l exclude -d 'Never count paths matching GLOB; may be given several times' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l geoip -d 'A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each view\'s country and region by the logged address, as `collect --geoip` does' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l poll-seconds -d 'With --follow of an S3 prefix: seconds between two listings of it. Each listing costs a LIST request per 1,000 objects under the prefix [default: 60]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l key-file -d 'The import key: the secret that visitor salts and line ids are derived from. The same file must be used for every import into the deployment, on every machine [default: <config dir>/pageviews/import-keys/<backend>-<name>.key, made by the first import]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l summary -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l strict -d 'Stop at the first line that cannot be read'
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -l follow -d 'Keep reading the file as it grows, as `tail -f` (one plain file), or the S3 prefix as objects arrive, until SIGINT or SIGTERM'
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l before -d 'Delete raw events of counted days before this day [default: the days older than the deployment\'s retention]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -l dry-run -d 'Say what would be deleted, and delete nothing'
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l before -d 'Archive the counted days before this day' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l output -d 'Where: s3://BUCKET/PREFIX, or a folder' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l format -d 'Row format of the archived files' -r -f -a "ndjson\t'One JSON object per line (events as `send --input` and `import --format ndjson` read)'
csv\t'Comma-separated values with a header row (RFC 4180 quoting)'"
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l summary -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l views-per-day -d 'Page views a day' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l pages -d 'Distinct pages viewed a day (one daily row each)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l retention-days -d 'Days raw events are kept (DynamoDB TTL, or Timestream retention)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l report-queries-per-day -d 'Reports run a day (each reads the daily table)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l report-days -d 'Days each report covers' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l event-bytes -d 'Bytes an event takes inside a packed raw item in DynamoDB [default: computed from the encoding with --page-bytes, --id-bytes and --visitor-bytes]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l page-bytes -d 'Typical page path length in bytes' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l id-bytes -d 'Event id length in bytes (send\'s ids: 16 hex digits, \'-\', the index)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l visitor-bytes -d 'Visitor key length in bytes (the collector\'s: 16 hex digits); 0 for views without one' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l events-per-message -d 'Events per queue message [default: what send packs into 64 KiB]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l shards -d 'Shards a day\'s raw events are spread over (one aggregation query each)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l drain-workers -d '`drain --follow` workers long-polling the queue all day' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l drain -d 'Where the drain and the daily aggregation run: on a machine of yours (not priced), or as Lambda functions (`deploy`), priced per request and GB-second' -r -f -a "machine\t''
lambda\t''"
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l lambda-memory -d 'Memory of the Lambda functions in MB (`deploy --memory`), with --drain lambda' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l aggregate-memory -d 'Memory of the aggregation function in MB (`deploy --aggregate-memory`), with --drain lambda [default: --lambda-memory]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l aggregate-parts -d 'Parts the aggregation function counts each day in (`deploy --aggregate-parts`), one invocation each, with --drain lambda' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l lambda-batch-ms -d 'Milliseconds the drain function takes per batch of 10 messages, with --drain lambda (docs/performance.md, "Lambda handler": 32-66 ms for 10 full messages against an emulator on loopback; in AWS add each call\'s latency)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l memory-store-hours -d 'Hours Timestream keeps events in its memory store before the magnetic store' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l timestream-batch -d 'Records per Timestream WriteRecords request (at most 100)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l timestream-query-seconds -d 'Seconds the daily aggregation query runs (billed with a 30 s minimum)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l timestream-tcu-hour-usd -d 'Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l influxdb-instances -d 'Timestream for InfluxDB instances running all month' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l influxdb-instance-hour-usd -d 'Price of a Timestream for InfluxDB instance-hour in USD: not in the price table' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l influxdb-storage-gb-month-usd -d 'Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l influxdb-storage-gb -d 'Storage allocated to InfluxDB in GB [default: the data volume]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l raw-retention-days -d 'Days raw events stay in DynamoDB, fewer than --retention-days: older ones are deleted (TTL), or archived with --archive [default: --retention-days]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l archive -d 'Archive raw events older than --raw-retention-days (`pageviews archive`) and keep them there until --retention-days' -r -f -a "s3\t'Amazon S3 Standard: `pageviews archive --output s3://...`'"
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l archive-event-bytes -d 'Bytes an archived event takes (gzipped NDJSON)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l queue -d 'The queue to price: sqs, or kinesis to add a Kinesis data stream, provisioned and on-demand, beside the SQS options' -r -f -a "sqs\t'Amazon SQS, `init`\'s default: the options as they always were'
kinesis\t'A Kinesis data stream too (`init --queue kinesis`): raw events in DynamoDB behind a provisioned stream and behind an on-demand one, beside the SQS options'"
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l stream-shards -d 'Shards of the provisioned stream (`init --stream-shards`), with --queue kinesis [default: what the day\'s mean rate needs, at least 1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l records-per-checkpoint -d 'Records a drain stores between two checkpoints of a shard, with --queue kinesis: 1 when it keeps up with the traffic, up to 250 when it reads a backlog [default: 1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l prices -d 'Price table to use instead of the built-in one (JSON; format in docs/cost.md)' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l format -d 'Output format' -r -f -a "table\t'One table per option, with the working and the assumptions under it'
json\t'JSON on stdout: region, prices_as_of, inputs, options with their items'"
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l eventually-consistent -d 'Price aggregation and report reads as eventually consistent (half the read units)'
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -l from-usage -d 'Read volumes (views a day, pages) from the deployment: the mean of its last 30 aggregated days'
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand cost" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand teardown" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l role -d 'The role to write the policy for' -r -f -a "sender\t'`send` and the collector: put messages on the queue'
drainer\t'`drain`: receive and delete messages, write raw events, dead-letter poison'
aggregator\t'`aggregate`: read a day\'s raw events, write daily rows'
reader\t'`report` and `status`: read daily rows and queue depth'
admin\t'`init` and `teardown`: create and delete the queues and tables'
dashboard\t'The dashboard (`serve`, and the function of `deploy --dashboard`): read daily rows and settings, and today\'s raw events for "today so far". Nothing else'"
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l account-id -d 'AWS account id the resources live in [default: any]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l queue -d 'The deployment\'s queue, as `init --queue` made it: a Kinesis stream adds its own statements (and the drain\'s leases in the daily table)' -r -f -a "sqs\t'Amazon SQS: a message a batch of events, billed per request; the simplest to run'
kinesis\t'A Kinesis data stream: billed per shard-hour (or on demand), cheaper at a steady high rate; drains share its shards by leases'"
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand iam-policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l package -d 'The function package: a zip holding `bootstrap` (scripts/package-lambda.sh builds it)' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l architecture -d 'The processor the functions run on; the package must be built for it' -r -f -a "arm64\t'Graviton: about 20% cheaper per GB-second than x86_64'
x86_64\t''"
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l memory -d 'Memory of each function, in MB (CPU grows with it)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l aggregate-memory -d 'Memory of the aggregation function (or of each of its parts), in MB [default: --memory]: a count holds the day\'s visitors, about 86 bytes an event of a part of one shard (`pageviews cost --drain lambda` says what a day needs)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l aggregate-timeout -d 'Longest run of the aggregation function (or of each of its parts), in seconds, up to Lambda\'s 900 [default: --timeout]; unlike the drain\'s, it does not bind the queue\'s visibility timeout' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l timeout -d 'Longest run of one invocation, in seconds; the queue\'s visibility timeout must be at least six times this (init\'s 300 s allow 50 s)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l batch-size -d 'Most messages the drain function gets at once' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l batching-window -d 'Seconds Lambda may gather messages before it invokes the drain (at least 1 when --batch-size is over 10)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l max-concurrency -d 'Most drain functions running at once: bounds the write rate on the events table' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l aggregate-parts -d 'Count each day in this many parts, one invocation of the aggregation function per part, at once (1 to the deployment\'s shards): for days too large for one function\'s memory or 15 minutes. The schedule invokes the parts; the last one stored writes the day (docs/scaling.md sizes it)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l aggregate-at -d 'When the daily aggregation runs, HH:MM in the deployment\'s time zone' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l allow-origin -d 'A site allowed to send views to the function URL, as scheme://host[:port] (repeatable, or comma-separated); the URL\'s CORS answers only these' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l token-file -d 'With --dashboard: a file holding the token every dashboard request must carry (one line of at least 32 characters, e.g. from `openssl rand -hex 32`); only its SHA-256 leaves this machine' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l parallelization-factor -d 'With a Kinesis stream: batches of one shard the drain processes at once' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l max-retries -d 'With a Kinesis stream: retries of a batch whose function fails before the mapping gives it up (describing it on the dead-letter queue; its records are then skipped); -1 retries as long as the stream keeps the records [default: -1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l max-record-age -d 'With a Kinesis stream: the oldest record, in seconds, the mapping still hands over (60 to 604,800); -1 as long as the stream keeps it [default: -1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l format -d 'Output format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l collector -d 'Also deploy the beacon endpoint (`collect`) behind a public function URL'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l dashboard -d 'Also deploy the dashboard and its API (`serve`) behind a public function URL; needs --token-file'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l raise-visibility-timeout -d 'Raise the queue\'s visibility timeout to six times --timeout when it is lower'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l paused -d 'Create the queue\'s event source mapping disabled: nothing is drained until it is enabled (e.g. `aws lambda update-event-source-mapping --enabled`)'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -l dry-run -d 'Print what would be created or changed, and change nothing'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand undeploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l profile -d 'AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the default profile]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l region -d 'AWS region of the deployment [default: AWS_REGION, or the profile\'s region], and the region `cost` prices [default: AWS_REGION, or us-east-1]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l endpoint-url -d 'Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default: AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS\'s own]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l aws-timeout -d 'Seconds one attempt of an AWS call may take before it is abandoned and retried (a long poll gets its wait on top)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "init" -d 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "send" -d 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "collect" -d 'Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "snippet" -d 'Print the script tag a site adds to its pages to report views to `collect`'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "drain" -d 'Move the queue backlog into the raw-events table, in batches'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "aggregate" -d 'Count views per page per day into the daily table (re-running overwrites)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "report" -d 'Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart for the terminal or a self-contained HTML page'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "serve" -d 'A dashboard in the browser, and a JSON API, of one site or several (read-only)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "share" -d 'Create, list or revoke read-only share links to one site\'s dashboard'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "status" -d 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "dlq" -d 'List, redrive or purge the dead-letter queue: messages a drain could not store'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "export" -d 'Copy raw events or daily rows to day-partitioned files in a folder or on S3'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "import" -d 'Turn web server access logs (nginx, Apache, Caddy) or exported events into views'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "prune" -d 'Delete the raw events of counted days past the retention; daily rows stay'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "archive" -d 'Move the raw events of old days to S3 or a folder: exported, verified, then deleted'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "cost" -d 'Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "teardown" -d 'Delete the queues and tables `init` created, with everything in them'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "iam-policy" -d 'Print a least-privilege IAM policy (JSON) for one role of the AWS deployment'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "deploy" -d 'Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "undeploy" -d 'Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send collect snippet drain aggregate report serve share status dlq export import prune archive cost teardown iam-policy deploy undeploy completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "experiment" -d 'An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals, lift and p-value against the control'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "create" -d 'Create a link to the dashboard of the deployment --name names; prints its token once'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "list" -d 'List the links (never their tokens): id, site, created, expires, whether it still works'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from share" -f -a "revoke" -d 'Revoke a link by its id; a running `serve` refuses it at once'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "list" -d 'Show dead letters: reason, receive count, when, and the start of the body'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "redrive" -d 'Move every dead letter back to the main queue (after a fix), with a fresh receive count'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "purge" -d 'Delete every dead letter for good, after confirmation'
