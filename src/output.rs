//! Output for people and programs: data on stdout or into a file, lines on stderr, numbers
//! in words, the dead-letter table. Reports render in `crate::report`.

use anyhow::Context as _;
use comfy_table::{presets, Cell, CellAlignment, Table};
use std::io::Write as _;

use crate::backend::DeadLetter;

/// How a command prints its summary (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// Human-readable summary on stderr.
    Text,
    /// JSON summary on stdout.
    Json,
}

/// Writes data to stdout, ending it with a newline. A reader that stops early (`| head`) is
/// not an error: the rest is simply not wanted.
pub fn print_data(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| match text.ends_with('\n') {
            true => Ok(()),
            false => stdout.write_all(b"\n"),
        })
        .and_then(|()| stdout.flush());
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// Writes data into the file at `path`, replacing it at once: the data goes into a new file
/// beside it, which is then renamed over it, so a reader (a web server serving the file while
/// cron rewrites it) sees the old file or the new one, never a part. The new file is readable
/// by everyone, as a file for a web server must be.
pub fn write_file(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let context = || format!("cannot write {}", path.display());
    let mut file = tempfile::Builder::new()
        .prefix(".pageviews-")
        .tempfile_in(dir)
        .with_context(context)?;
    file.write_all(text.as_bytes()).with_context(context)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let readable = std::fs::Permissions::from_mode(0o644);
        file.as_file()
            .set_permissions(readable)
            .with_context(context)?;
    }
    file.as_file().sync_all().with_context(context)?;
    file.persist(path)
        .map_err(|err| err.error)
        .with_context(context)?;
    Ok(())
}

/// Writes a line for people to stderr. A closed stderr (`2>&1 | head -1`, a logger that went
/// away) must never stop the work or panic, as `eprintln!` would: the line is dropped.
pub fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// 1234567 -> "1,234,567": summaries are read by people.
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 message", "2,000 messages": a count with its noun, plural when it is not one.
pub fn counted(count: u64, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{} {noun}s", thousands(count)),
    }
}

/// How fast work went, as people read it: "0.42 s" for quick work (a rate of a few events
/// over a moment says nothing), "123,456/s over 8.1 s" otherwise.
pub fn pace(count: u64, seconds: f64) -> String {
    if seconds < 1.0 || count == 0 {
        return format!("{seconds:.2} s");
    }
    format!(
        "{}/s over {seconds:.1} s",
        thousands((count as f64 / seconds) as u64)
    )
}

/// Characters of a reason and of a body preview in the dead-letter table.
const REASON_CHARS: usize = 60;
const PREVIEW_CHARS: usize = 50;

/// Dead letters as a table: when, receives, reason and the start of the body, one line each.
pub fn dead_letter_table(letters: &[DeadLetter]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec!["Dead-lettered (UTC)", "Receives", "Reason", "Body"]);
    for letter in letters {
        let when = letter.dead_lettered_at.map_or("-".into(), |time| {
            time.format("%Y-%m-%d %H:%M:%S").to_string()
        });
        table.add_row(vec![
            Cell::new(when),
            Cell::new(letter.receive_count).set_alignment(CellAlignment::Right),
            Cell::new(one_line(&letter.reason, REASON_CHARS)),
            Cell::new(one_line(
                &String::from_utf8_lossy(&letter.body),
                PREVIEW_CHARS,
            )),
        ]);
    }
    table.to_string()
}

/// The start of `text` on one line: control characters escaped (a body may hold line breaks
/// or worse), cut after `max_chars`.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect();
    crate::event::shorten(&escaped, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_previews_stay_on_one_line() {
        assert_eq!(one_line("a\nb\u{7}", 10), "a\\nb\\u{7}");
        assert_eq!(one_line("abcdef", 3), "abc...");
        let letter = DeadLetter {
            message_id: "m".into(),
            reason: "not-json: expected value".into(),
            receive_count: 1,
            body: b"this is\nnot json".to_vec(),
            dead_lettered_at: chrono::DateTime::from_timestamp(1_615_638_896, 0),
        };
        let table = dead_letter_table(&[letter]);
        assert!(table.contains("2021-03-13 12:34:56"), "{table}");
        assert!(table.contains("this is\\nnot json"), "{table}");
        assert_eq!(table.lines().count(), 5, "{table}");
    }

    #[test]
    fn counts_and_paces_read_right() {
        assert_eq!(counted(1, "message"), "1 message");
        assert_eq!(counted(0, "row"), "0 rows");
        assert_eq!(counted(2_500, "event"), "2,500 events");
        assert_eq!(pace(1, 0.004), "0.00 s");
        assert_eq!(pace(5_000, 0.5), "0.50 s");
        assert_eq!(pace(240_000, 2.0), "120,000/s over 2.0 s");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
