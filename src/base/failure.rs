//! Errors the user can act on, and the one place that prints them.

use crate::base::visible::errln;

/// Prints `error: …` and, where the error carries a next step, `help: …`.
pub fn report(error: &anyhow::Error) {
    errln!("error: {error:#}");
    let help = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<Failure>()?.help.as_deref());
    if let Some(help) = help {
        errln!("help: {help}");
    }
}

/// A failure the user can act on: the message, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub message: String,
    pub help: Option<String>,
}

pub fn failure(message: impl Into<String>, help: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        help: Some(help.into()),
    }
    .into()
}
