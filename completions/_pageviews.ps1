
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
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Move the queue backlog into the raw-events table, in batches')
            [CompletionResult]::new('aggregate', 'aggregate', [CompletionResultType]::ParameterValue, 'Count views per page per day into the daily table (re-running overwrites)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Print per-page daily views as a table, CSV or JSON')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pageviews;init' {
            [CompletionResult]::new('--visibility-timeout', '--visibility-timeout', [CompletionResultType]::ParameterName, 'How long a received message stays hidden from other drains before it is delivered again')
            [CompletionResult]::new('--max-receives', '--max-receives', [CompletionResultType]::ParameterName, 'Deliveries of a message before it is moved to the dead-letter queue')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
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
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Day of the synthetic events [default: yesterday, UTC]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of synthetic events spread over several days')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of synthetic events spread over several days')
            [CompletionResult]::new('--pages', '--pages', [CompletionResultType]::ParameterName, 'Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the synthetic generator: same seed, same events [default: random, printed]')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Send real events from an NDJSON file (''-'' for stdin): one object per line with `page`, `time` (RFC 3339) and optional `id`. Invalid lines stop the whole send (nothing is sent) unless --skip-invalid')
            [CompletionResult]::new('--events-per-message', '--events-per-message', [CompletionResultType]::ParameterName, 'Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Skip invalid input lines (each is reported) and send the rest')
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
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Concurrent receive loops')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep polling until SIGINT or SIGTERM, then finish the batch in flight and exit 0')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;aggregate' {
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Aggregate this day')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of a range to aggregate')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of a range to aggregate')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Summary format: text on stderr, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
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
            [CompletionResult]::new('--day', '--day', [CompletionResultType]::ParameterName, 'Report this day [default: yesterday, UTC]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'First day of the report')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Last day of the report')
            [CompletionResult]::new('--page', '--page', [CompletionResultType]::ParameterName, 'Only this page (an exact path, e.g. /pricing)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Only the N pages with the most views over the whole range')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no progress, no summaries')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log detail on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'pageviews;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text, or JSON on stdout')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and <NAME>-daily')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Directory of the local backend''s databases [default: the user''s data directory, e.g. ~/.local/share/pageviews]')
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
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Move the queue backlog into the raw-events table, in batches')
            [CompletionResult]::new('aggregate', 'aggregate', [CompletionResultType]::ParameterValue, 'Count views per page per day into the daily table (re-running overwrites)')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Print per-page daily views as a table, CSV or JSON')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show queue depth, in-flight and dead-lettered messages, stored events, pending days')
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
        'pageviews;help;drain' {
            break
        }
        'pageviews;help;aggregate' {
            break
        }
        'pageviews;help;report' {
            break
        }
        'pageviews;help;status' {
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
