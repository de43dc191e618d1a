# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pageviews_global_optspecs
    string join \n backend= name= data-dir= q/quiet v/verbose h/help V/version
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
complete -c pageviews -n "__fish_pageviews_needs_command" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_needs_command" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_needs_command" -s V -l version -d 'Print version'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "init" -d 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "send" -d 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "drain" -d 'Move the queue backlog into the raw-events table, in batches'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "aggregate" -d 'Count views per page per day into the daily table (re-running overwrites)'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "report" -d 'Print per-page daily views as a table, CSV or JSON'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "status" -d 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c pageviews -n "__fish_pageviews_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l visibility-timeout -d 'How long a received message stays hidden from other drains before it is delivered again' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l max-receives -d 'Deliveries of a message before it is moved to the dead-letter queue' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l count -d 'Number of synthetic events to send' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l day -d 'Day of the synthetic events [default: yesterday, UTC]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l from -d 'First day of synthetic events spread over several days' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l to -d 'Last day of synthetic events spread over several days' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l pages -d 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l seed -d 'Seed of the synthetic generator: same seed, same events [default: random, printed]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l input -d 'Send real events from an NDJSON file (\'-\' for stdin): one object per line with `page`, `time` (RFC 3339) and optional `id`. Invalid lines stop the whole send (nothing is sent) unless --skip-invalid' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l events-per-message -d 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -l skip-invalid -d 'Skip invalid input lines (each is reported) and send the rest'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l visibility-timeout -d 'Seconds a received message stays hidden from other drains [default: the queue\'s, set at init]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l wait-seconds -d 'Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l idle-polls -d 'Empty receives in a row after which the queue counts as drained' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l workers -d 'Concurrent receive loops' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -l follow -d 'Keep polling until SIGINT or SIGTERM, then finish the batch in flight and exit 0'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand drain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l day -d 'Aggregate this day' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l from -d 'First day of a range to aggregate' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l to -d 'Last day of a range to aggregate' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l format -d 'Summary format: text on stderr, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -l pending -d 'Also (or, without a day flag, only) recompute days whose raw events changed since they were last aggregated'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand aggregate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l day -d 'Report this day [default: yesterday, UTC]' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l from -d 'First day of the report' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l to -d 'Last day of the report' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l page -d 'Only this page (an exact path, e.g. /pricing)' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l top -d 'Only the N pages with the most views over the whole range' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l format -d 'Output format' -r -f -a "table\t'Aligned table with totals'
csv\t'CSV with the header day,page,views'
json\t'JSON array of {day, page, views, hours}'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l format -d 'Output format: text, or JSON on stdout' -r -f -a "text\t'Human-readable summary on stderr'
json\t'JSON summary on stdout'"
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l backend -d 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB' -r -f -a "local\t'Embedded SQLite database in --data-dir; nothing to set up'
aws\t'Amazon SQS and DynamoDB through the standard AWS configuration'"
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l name -d 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily' -r
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -l data-dir -d 'Directory of the local backend\'s databases [default: the user\'s data directory, e.g. ~/.local/share/pageviews]' -r -F
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s q -l quiet -d 'Print errors only: no progress, no summaries'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c pageviews -n "__fish_pageviews_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "init" -d 'Create the queue, dead-letter queue, events table and daily table (safe to re-run)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "send" -d 'Put page views on the queue: synthetic traffic, or real events from NDJSON'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "drain" -d 'Move the queue backlog into the raw-events table, in batches'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "aggregate" -d 'Count views per page per day into the daily table (re-running overwrites)'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "report" -d 'Print per-page daily views as a table, CSV or JSON'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "status" -d 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c pageviews -n "__fish_pageviews_using_subcommand help; and not __fish_seen_subcommand_from init send drain aggregate report status completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
