//! The readings: where the reference pages allow more than one behaviour,
//! each is a named setting value, explained by one sentence and the
//! page's own words. The playground's selectors, the docs and the CLI all
//! read this table, so a reading is described once.

use crate::rules::RuleId;
use crate::scenario::{AbortReading, StoreLogoffTransportsTiming};
use serde::Serialize;

/// One value of one reading setting.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    /// The settings field (`abortReading`, `storeLogoffTransports`).
    pub setting: &'static str,
    /// Its value in a scenario.
    pub value: &'static str,
    /// A short label for selectors.
    pub label: &'static str,
    /// What the model does under it, in one sentence.
    pub sentence: &'static str,
    /// The page's words that support it, verbatim.
    pub quote: &'static str,
    /// The page quoted.
    pub page: &'static str,
    /// The rules whose behaviour it selects.
    pub rules: &'static [RuleId],
    /// Older names that still load.
    pub aliases: &'static [&'static str],
    pub is_default: bool,
}

const STL: &str = "imapisupport-storelogofftransports";

/// Every reading, grouped by setting, the default first in each group.
pub const READINGS: &[Reading] = &[
    Reading {
        setting: "abortReading",
        value: AbortReading::StopThenRelease.as_str(),
        label: "Stop, then release",
        sentence: "LOGOFF_ABORT cancels the store's transfers (nothing is lost), the spooler releases the store, and the call returns COMPLETE.",
        quote: "Any transport provider activity for this store should be stopped before logoff. Control is returned to the client after the activity is stopped and the MAPI spooler has logged off the store.",
        page: STL,
        rules: &[RuleId::S4],
        aliases: &["sampleStore"],
        is_default: true,
    },
    Reading {
        setting: "abortReading",
        value: AbortReading::VetoWhileBusy.as_str(),
        label: "Veto while busy",
        sentence: "LOGOFF_ABORT with activity vetoes like LOGOFF_QUIET and reports the activity; with none, the spooler releases the store.",
        quote: "If any transport activity is taking place, the logoff does not occur and no change in the MAPI spooler or transport provider behavior occurs. If there is currently no activity, the MAPI spooler releases the store.",
        page: STL,
        rules: &[RuleId::S4, RuleId::S3],
        aliases: &["literal"],
        is_default: false,
    },
    Reading {
        setting: "storeLogoffTransports",
        value: StoreLogoffTransportsTiming::Immediate.as_str(),
        label: "From StoreLogoff (immediate)",
        sentence: "StoreLogoff calls StoreLogoffTransports at once and returns its answer; a store whose call never returned COMPLETE calls it with LOGOFF_ABORT at its final Release.",
        quote: "StoreLogoffTransports is typically called from a store provider's IMsgStore::StoreLogoff method.",
        page: STL,
        rules: &[RuleId::S13, RuleId::S14, RuleId::S17],
        aliases: &[],
        is_default: true,
    },
    Reading {
        setting: "storeLogoffTransports",
        value: StoreLogoffTransportsTiming::AtFinalRelease.as_str(),
        label: "At the final Release (deferred)",
        sentence: "StoreLogoff saves the flag and returns S_OK with COMPLETE; StoreLogoffTransports runs with it when the last reference is released, as the SDK sample store does.",
        quote: "However, it can also be called from the IUnknown::Release method of the message store.",
        page: STL,
        rules: &[RuleId::S13, RuleId::S15, RuleId::S17],
        aliases: &[],
        is_default: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Settings;

    #[test]
    fn the_table_covers_every_setting_value_and_marks_the_defaults() {
        let values = |setting: &str| READINGS.iter().filter(|r| r.setting == setting).map(|r| r.value).collect::<Vec<_>>();
        assert_eq!(values("abortReading"), AbortReading::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        assert_eq!(values("storeLogoffTransports"), StoreLogoffTransportsTiming::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        let defaults = Settings::default();
        let default_of = |setting: &str| READINGS.iter().find(|r| r.setting == setting && r.is_default).map(|r| r.value);
        assert_eq!(default_of("abortReading"), Some(defaults.abort_reading.as_str()));
        assert_eq!(default_of("storeLogoffTransports"), Some(defaults.store_logoff_transports.as_str()));
        for (alias, value) in AbortReading::ALIASES {
            assert!(READINGS.iter().any(|r| r.value == value.as_str() && r.aliases.contains(alias)));
        }
    }
}
