//! Output for people and programs: data on stdout or into a file (replaced whole), lines on
//! stderr. Numbers in words come from `model::text`; reports render in `crate::report`.

use anyhow::Context as _;

use crate::backend::local::replace_file;
use crate::model::bad_input::BadInput;
use std::io::Write as _;

pub use crate::model::text::{counted, one_line, pace, thousands};

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
    check_folder(path, dir)?;
    let context = || format!("cannot write {}", path.display());
    replace_file(path, dir, text.as_bytes(), true).with_context(context)
}

/// The folder `--output` names must exist: a mistyped path is the user's to fix (exit 2).
fn check_folder(path: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let folder = dir.display();
    let problem = match std::fs::metadata(dir) {
        Ok(found) if found.is_dir() => return Ok(()),
        Ok(_) => format!("{folder} is a file, not a folder; give --output"),
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => {
            format!("{folder} is not a folder; give --output")
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            format!("its folder {folder} does not exist; create it, or give --output")
        }
        // Anything else (a folder that may not be read) shows when the file is made.
        Err(_) => return Ok(()),
    };
    Err(BadInput(format!(
        "cannot write {}: {problem} a path in a folder that exists",
        path.display()
    ))
    .into())
}

/// Writes a line for people to stderr. A closed stderr (`2>&1 | head -1`, a logger that went
/// away) must never stop the work or panic, as `eprintln!` would: the line is dropped.
pub fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}
