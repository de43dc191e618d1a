//! Writes the files generated from the clap definitions: the shell completions in completions/
//! and the man page docs/pageviews.1. `tests/cli/generated.rs` compares them with what clap
//! generates and fails, naming this step, while they are stale; it never writes them itself.
//!
//!     cargo run --example regenerate      # or scripts/regenerate.sh

use anyhow::Context as _;
use pageviews::cmd::completions::{file_name, man_page, script, SHELLS};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for shell in SHELLS {
        files.push((
            root.join("completions").join(file_name(shell)),
            script(shell),
        ));
    }
    files.push((root.join("docs/pageviews.1"), man_page()?));
    for (path, content) in files {
        let unchanged = std::fs::read(&path).is_ok_and(|old| old == content);
        if !unchanged {
            std::fs::write(&path, &content)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
