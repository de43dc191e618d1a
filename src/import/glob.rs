//! Path patterns of `--include` and `--exclude` (pure code): `*` matches within one path
//! segment, `**` across segments, `?` one character; everything else matches itself.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
}

impl Glob {
    /// A pattern of a path: it must start with `/` (`*.pdf` would never match one).
    pub fn new(pattern: &str) -> Result<Glob, String> {
        if !pattern.starts_with('/') && !pattern.starts_with('*') {
            return Err(format!(
                "{pattern:?} is not a path pattern: start it with / (as /docs/*.pdf) or **"
            ));
        }
        Ok(Glob {
            pattern: pattern.chars().collect(),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        let path: Vec<char> = path.chars().collect();
        matches(&self.pattern, &path)
    }
}

impl std::str::FromStr for Glob {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Glob::new(text)
    }
}

fn matches(pattern: &[char], path: &[char]) -> bool {
    match pattern {
        [] => path.is_empty(),
        // `/**/` also matches a single `/`.
        ['*', '*', rest @ ..] => {
            (0..=path.len()).any(|at| matches(rest, &path[at..]))
                || (rest.first() == Some(&'/') && matches(&rest[1..], path))
        }
        ['*', rest @ ..] => (0..=path.len())
            .take_while(|&at| at == 0 || path[at - 1] != '/')
            .any(|at| matches(rest, &path[at..])),
        ['?', rest @ ..] => path.first().is_some_and(|c| *c != '/') && matches(rest, &path[1..]),
        [c, rest @ ..] => path.first() == Some(c) && matches(rest, &path[1..]),
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
        assert!(glob("/papers/**.pdf").matches("/papers/2021/a.pdf"));
        assert!(glob("/admin/**").matches("/admin/users/1"));
        assert!(glob("/admin/**").matches("/admin/"));
        assert!(!glob("/admin/**").matches("/administrator"));
        assert!(glob("/**/feed").matches("/feed"));
        assert!(glob("/**/feed").matches("/blog/2021/feed"));
        assert!(glob("/a?c").matches("/abc"));
        assert!(!glob("/a?c").matches("/a/c"));
        assert!(glob("**.pdf").matches("/x/y.pdf"));
        assert!(Glob::new("*.pdf").is_ok());
        assert!(Glob::new("docs/a").is_err());
    }
}
