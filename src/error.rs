//! Input errors: malformed scenarios and actions. Protocol refusals are not
//! errors; they are outcomes with an HRESULT.

use serde::Serialize;

/// A stable, machine-readable error code (also the `code` of the JS error).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// Not JSON, or JSON of the wrong shape.
    InvalidJson,
    /// Well-formed, but the scenario breaks a constraint (names, limits).
    InvalidScenario,
    UnsupportedVersion,
    /// An action names a part that does not exist or a value out of range.
    InvalidAction,
    /// An explicit spooler or transport step that cannot happen now.
    NotEnabled,
    /// A flag text that names no flag of its set.
    InvalidFlags,
    /// Input over the documented size limits.
    TooLarge,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalidJson",
            Self::InvalidScenario => "invalidScenario",
            Self::UnsupportedVersion => "unsupportedVersion",
            Self::InvalidAction => "invalidAction",
            Self::NotEnabled => "notEnabled",
            Self::InvalidFlags => "invalidFlags",
            Self::TooLarge => "tooLarge",
        }
    }
}

/// Bad input, with the path of the offending field (`stores[2].name`,
/// `actions[4].flags`) and a message that names the rule when one applies.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "camelCase")]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct InputError {
    pub code: ErrorCode,
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { code, path: path.into(), message: message.into() }
    }

    /// Puts `prefix` in front of the path (`store` becomes `actions[3].store`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = match (prefix.is_empty(), self.path.is_empty()) {
            (true, _) => self.path,
            (false, true) => prefix.to_string(),
            (false, false) if self.path.starts_with('[') => format!("{prefix}{}", self.path),
            (false, false) => format!("{prefix}.{}", self.path),
        };
        self
    }
}
