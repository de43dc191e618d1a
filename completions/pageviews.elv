
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
            cand drain 'Move the queue backlog into the raw-events table, in batches'
            cand aggregate 'Count views per page per day into the daily table (re-running overwrites)'
            cand report 'Print per-page daily views as a table, CSV or JSON'
            cand status 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;init'= {
            cand --visibility-timeout 'How long a received message stays hidden from other drains before it is delivered again'
            cand --max-receives 'Deliveries of a message before it is moved to the dead-letter queue'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;send'= {
            cand --count 'Number of synthetic events to send'
            cand --day 'Day of the synthetic events [default: yesterday, UTC]'
            cand --from 'First day of synthetic events spread over several days'
            cand --to 'Last day of synthetic events spread over several days'
            cand --pages 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)'
            cand --seed 'Seed of the synthetic generator: same seed, same events [default: random, printed]'
            cand --input 'Send real events from an NDJSON file (''-'' for stdin): one object per line with `page`, `time` (RFC 3339) and optional `id`. Invalid lines stop the whole send (nothing is sent) unless --skip-invalid'
            cand --events-per-message 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --skip-invalid 'Skip invalid input lines (each is reported) and send the rest'
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
            cand --workers 'Concurrent receive loops'
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --follow 'Keep polling until SIGINT or SIGTERM, then finish the batch in flight and exit 0'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;aggregate'= {
            cand --day 'Aggregate this day'
            cand --from 'First day of a range to aggregate'
            cand --to 'Last day of a range to aggregate'
            cand --format 'Summary format: text on stderr, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand --pending 'Also (or, without a day flag, only) recompute days whose raw events changed since they were last aggregated'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;report'= {
            cand --day 'Report this day [default: yesterday, UTC]'
            cand --from 'First day of the report'
            cand --to 'Last day of the report'
            cand --page 'Only this page (an exact path, e.g. /pricing)'
            cand --top 'Only the N pages with the most views over the whole range'
            cand --format 'Output format'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
            cand -q 'Print errors only: no progress, no summaries'
            cand --quiet 'Print errors only: no progress, no summaries'
            cand -v 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'pageviews;status'= {
            cand --format 'Output format: text, or JSON on stdout'
            cand --backend 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB'
            cand --name 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily'
            cand --data-dir 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]'
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
            cand drain 'Move the queue backlog into the raw-events table, in batches'
            cand aggregate 'Count views per page per day into the daily table (re-running overwrites)'
            cand report 'Print per-page daily views as a table, CSV or JSON'
            cand status 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'pageviews;help;init'= {
        }
        &'pageviews;help;send'= {
        }
        &'pageviews;help;drain'= {
        }
        &'pageviews;help;aggregate'= {
        }
        &'pageviews;help;report'= {
        }
        &'pageviews;help;status'= {
        }
        &'pageviews;help;completions'= {
        }
        &'pageviews;help;help'= {
        }
    ]
    $completions[$command]
}
