//! Failures at a backend boundary: what went wrong in the user's terms, whether a retry may
//! help, and the underlying error (SDK, SQLite) kept as the source for `-v` and for tests.

use thiserror::Error;

/// The error a backend call failed with underneath: an SDK error, an SQLite error, ...
pub(crate) type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of failure it is, for callers (and tests) that decide by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `init` has not created the deployment.
    NotProvisioned,
    /// Busy, throttled, timed out or unreachable: a later attempt may succeed.
    Transient,
    /// What was asked for is not there (a role, a function, an object).
    NotFound,
    /// Will fail again the same way until something is fixed.
    Permanent,
    /// The store refuses the data it was given, for good (DynamoDB's ValidationException): the
    /// data is at fault, not the deployment, and other data still goes in.
    Invalid,
    /// The deployment refuses what was asked (a user's mistake, exit code 2).
    Refused,
}

/// A failure at a backend boundary. The message says what failed and what to do; the cause,
/// when there is one, is the error underneath it.
#[derive(Debug, Error)]
pub enum BackendError {
    #[error("deployment {name:?} not found ({location}): run `pageviews init` first")]
    NotProvisioned { name: String, location: String },
    #[error("{message}")]
    Transient {
        message: String,
        #[source]
        cause: Option<Cause>,
        /// Retried already, as often as the retry policy allows: no caller retries it again.
        retried: bool,
        /// A refusal that passes once a change spreads through AWS (a role made a moment ago
        /// that Lambda cannot assume yet): the retry policy gives it longer.
        settling: bool,
    },
    #[error("{message}")]
    NotFound {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
    #[error("{message}")]
    Permanent {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
    #[error("{message}")]
    Invalid {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
    #[error("{message}")]
    Refused {
        message: String,
        #[source]
        cause: Option<Cause>,
    },
}

impl BackendError {
    /// A failure a retry may get past.
    pub fn transient(message: impl Into<String>) -> Self {
        BackendError::Transient {
            message: message.into(),
            cause: None,
            retried: false,
            settling: false,
        }
    }

    /// A refusal that passes once a change has spread through AWS (IAM's propagation).
    pub fn settling(message: impl Into<String>) -> Self {
        BackendError::Transient {
            message: message.into(),
            cause: None,
            retried: false,
            settling: true,
        }
    }

    /// What was asked for is not there.
    pub fn not_found(message: impl Into<String>) -> Self {
        BackendError::NotFound {
            message: message.into(),
            cause: None,
        }
    }

    /// A failure that will repeat until something is fixed.
    pub fn permanent(message: impl Into<String>) -> Self {
        BackendError::Permanent {
            message: message.into(),
            cause: None,
        }
    }

    /// The store will never take this data as it is.
    pub fn invalid(message: impl Into<String>) -> Self {
        BackendError::Invalid {
            message: message.into(),
            cause: None,
        }
    }

    /// What was asked cannot be done to this deployment, as asked.
    pub fn refused(message: impl Into<String>) -> Self {
        BackendError::Refused {
            message: message.into(),
            cause: None,
        }
    }

    /// The same failure, with the error underneath it as its source.
    pub fn caused_by(mut self, source: impl Into<Cause>) -> Self {
        if let BackendError::Transient { cause, .. }
        | BackendError::NotFound { cause, .. }
        | BackendError::Permanent { cause, .. }
        | BackendError::Invalid { cause, .. }
        | BackendError::Refused { cause, .. } = &mut self
        {
            *cause = Some(source.into());
        }
        self
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            BackendError::NotProvisioned { .. } => ErrorKind::NotProvisioned,
            BackendError::Transient { .. } => ErrorKind::Transient,
            BackendError::NotFound { .. } => ErrorKind::NotFound,
            BackendError::Permanent { .. } => ErrorKind::Permanent,
            BackendError::Invalid { .. } => ErrorKind::Invalid,
            BackendError::Refused { .. } => ErrorKind::Refused,
        }
    }

    pub fn is_transient(&self) -> bool {
        self.kind() == ErrorKind::Transient
    }

    /// The same failure, marked as retried as often as the policy allows, so that a caller
    /// with its own retries does not multiply them.
    pub fn retried(mut self) -> Self {
        if let BackendError::Transient { retried, .. } = &mut self {
            *retried = true;
        }
        self
    }

    /// The same failure, as the deployment's rather than the data's: a refusal of a request
    /// whose data is ours (a bookkeeping update) says nothing about the data being written.
    pub fn not_the_data(self) -> Self {
        match self {
            BackendError::Invalid { message, cause } => BackendError::Permanent { message, cause },
            other => other,
        }
    }

    /// A refusal that passes once a change has spread through AWS.
    pub fn is_settling(&self) -> bool {
        matches!(self, BackendError::Transient { settling: true, .. })
    }

    /// The same failure with another message (the cause and kind kept): for a client that
    /// knows better what an answer means to the user.
    pub fn reworded(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            BackendError::NotProvisioned { .. } => {}
            BackendError::Transient { message, .. }
            | BackendError::NotFound { message, .. }
            | BackendError::Permanent { message, .. }
            | BackendError::Invalid { message, .. }
            | BackendError::Refused { message, .. } => *message = text.into(),
        }
        self
    }

    /// The same failure as a refusal: what the user named is wrong (exit code 2).
    pub fn into_refusal(self) -> Self {
        match self {
            BackendError::NotFound { message, cause }
            | BackendError::Permanent { message, cause }
            | BackendError::Invalid { message, cause } => BackendError::Refused { message, cause },
            other => other,
        }
    }

    /// A transient failure that has been retried already.
    pub fn was_retried(&self) -> bool {
        matches!(self, BackendError::Transient { retried: true, .. })
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_cause_is_the_source_and_the_kind_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = BackendError::permanent("cannot open /data/x.sqlite3").caused_by(io);
        assert_eq!(err.kind(), ErrorKind::Permanent);
        assert_eq!(err.to_string(), "cannot open /data/x.sqlite3");
        assert_eq!(err.source().unwrap().to_string(), "denied");
        let busy = BackendError::transient("database busy");
        assert!(busy.is_transient());
        assert!(busy.source().is_none());
    }
}
