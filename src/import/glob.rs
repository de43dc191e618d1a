//! Path patterns of `--include` and `--exclude`: `*` matches within one path segment, `**` as
//! a whole segment matches any number of them, `?` one character, `[a-z]` a class; everything
//! else matches itself. Matching is globset's (compiled to a regular expression: linear in the
//! path, whatever the pattern).

use globset::{GlobBuilder, GlobMatcher};

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    matcher: GlobMatcher,
}

impl Glob {
    /// A pattern of a path: it must start with `/` or `**` (`*.pdf` would never match one,
    /// since `*` stays within a segment).
    pub fn new(pattern: &str) -> Result<Glob, String> {
        if !pattern.starts_with('/') && !pattern.starts_with("**") {
            return Err(format!(
                "{pattern:?} is not a path pattern: start it with / (as /docs/*.pdf) or ** (as **/*.pdf)"
            ));
        }
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|err| format!("{pattern:?} is not a valid pattern: {}", err.kind()))?;
        Ok(Glob {
            matcher: glob.compile_matcher(),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Glob) -> bool {
        self.matcher.glob() == other.matcher.glob()
    }
}

impl Eq for Glob {}

impl std::str::FromStr for Glob {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Glob::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> Glob {
        Glob::new(pattern).unwrap()
    }

    #[test]
    fn stars_stay_in_their_segment_and_double_stars_do_not() {
        assert!(glob("/papers/*.pdf").matches("/papers/a.pdf"));
        assert!(!glob("/papers/*.pdf").matches("/papers/2021/a.pdf"));
        assert!(glob("/papers/**/*.pdf").matches("/papers/2021/a.pdf"));
        assert!(glob("/papers/**/*.pdf").matches("/papers/a.pdf"));
        assert!(glob("/admin/**").matches("/admin/users/1"));
        assert!(!glob("/admin/**").matches("/administrator"));
        assert!(glob("/**/feed").matches("/feed"));
        assert!(glob("/**/feed").matches("/blog/2021/feed"));
        assert!(glob("/a?c").matches("/abc"));
        assert!(!glob("/a?c").matches("/a/c"));
        assert!(glob("**/*.pdf").matches("/x/y.pdf"));
        assert!(glob("/[a-c]*").matches("/blog"));
        assert!(Glob::new("*.pdf").is_err());
        assert!(Glob::new("docs/a").is_err());
        assert!(Glob::new("/docs/[a")
            .unwrap_err()
            .contains("not a valid pattern"));
    }

    #[test]
    fn a_pattern_that_would_backtrack_is_still_fast() {
        let path = format!("/{}", "a/".repeat(300));
        let start = std::time::Instant::now();
        assert!(!glob("/**/a*a*a*a*a*a*a*b").matches(&path));
        // A backtracking matcher takes minutes here; a compiled one microseconds.
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
