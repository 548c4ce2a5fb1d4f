//! How a command fails, and the exit status each kind of failure gives.

use crate::args::UsageError;
use std::fmt;

/// A command that did not succeed.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The command line was wrong: exit status 2.
    Usage(UsageError),
    /// The operation was tried and failed: exit status 1.
    Failed(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Failed(_) => 1,
        }
    }
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Self {
        Failure::Usage(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(e) => e.fmt(f),
            Failure::Failed(message) => f.write_str(message),
        }
    }
}

/// Builds a [`Failure::Failed`] from format arguments.
macro_rules! failed {
    ($($arg:tt)*) => { $crate::failure::Failure::Failed(format!($($arg)*)) };
}
pub(crate) use failed;
