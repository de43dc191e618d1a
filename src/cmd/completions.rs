//! `pageviews completions`: shell completion scripts, and the man page, from the clap definitions.

use clap::Args;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::output::print_data;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  pageviews completions bash > ~/.local/share/bash-completion/completions/pageviews
  pageviews completions zsh > ~/.zfunc/_pageviews
  pageviews completions fish > ~/.config/fish/completions/pageviews.fish")]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    print_data(&String::from_utf8_lossy(&script(args.shell)))
}

/// The shells whose scripts are committed in completions/.
#[cfg(any(test, feature = "test-support"))]
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pageviews", &mut out);
    out
}

/// The file name each shell expects the script under, as committed in completions/.
#[cfg(any(test, feature = "test-support"))]
pub fn file_name(shell: Shell) -> String {
    match shell {
        Shell::Bash => "pageviews.bash".into(),
        Shell::Zsh => "_pageviews".into(),
        Shell::Fish => "pageviews.fish".into(),
        Shell::PowerShell => "_pageviews.ps1".into(),
        Shell::Elvish => "pageviews.elv".into(),
        other => format!("pageviews.{other}"),
    }
}

/// The man page (roff), as committed in docs/pageviews.1.
#[cfg(any(test, feature = "test-support"))]
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(out)
}
