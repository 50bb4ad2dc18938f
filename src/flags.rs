//! The flag sets of the logoff protocol, with their exact header values.
//!
//! The same number means different things in different sets (0x1 is
//! `LOGOFF_NO_WAIT`, `LOGOFF_NORMAL`, `DEINIT_NORMAL`, `NOTIFY_NEWMAIL` and
//! `NOTIFY_BEGIN_INBOUND`), so each set is its own type. Formatting never
//! drops bits: undefined bits are printed in hex after the names, so a
//! reader sees exactly what was passed.

use serde::{Serialize, Serializer};
use std::fmt;

/// A flag value or HRESULT as the core reports it: the number and how it
/// reads (`{ value, text }`, how every flag value and HRESULT appears in JSON).
#[derive(Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(ts_rs::TS))]
pub(crate) struct ValueText<'a> {
    pub value: u32,
    /// Names joined with " | ", undefined bits in hex, "0" for none.
    pub text: &'a str,
}

/// Parses `0x1F`, `0X1f` or `31`. Never panics: overflow is `None`.
pub fn parse_number(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(hex.replace('_', "").as_str(), 16).ok()
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

/// Formats `bits` as `NAME | NAME | 0x00000100` against a table of names.
pub fn format_bits(bits: u32, table: &[(&str, u32)]) -> String {
    let mut text = String::new();
    let _ = write_bits(&mut text, bits, table);
    text
}

/// [`format_bits`] into any writer: the trace writes flag arguments
/// straight into its JSON or text this way.
pub fn write_bits(out: &mut impl fmt::Write, bits: u32, table: &[(&str, u32)]) -> fmt::Result {
    if bits == 0 {
        return out.write_str("0");
    }
    let mut rest = bits;
    let mut sep = "";
    for (name, value) in table {
        if *value != 0 && bits & value == *value && rest & value != 0 {
            out.write_str(sep)?;
            out.write_str(name)?;
            sep = " | ";
            rest &= !value;
        }
    }
    if rest != 0 {
        write!(out, "{sep}0x{rest:08X}")?;
    }
    Ok(())
}

/// Why a flag text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{token}` is not a {set} flag name or a number")]
pub struct FlagParseError {
    pub set: &'static str,
    pub token: String,
}

/// Parses `NAME | NAME | 0x100` (also `,` or `+` between parts, or one
/// number). Undefined bits are accepted when given as numbers so that bad
/// flags stay representable; unknown names are an error.
pub fn parse_bits(text: &str, set: FlagSet) -> Result<u32, FlagParseError> {
    let table = set.table();
    let mut bits = 0u32;
    let tokens: Vec<&str> = text.split(['|', ',', '+']).map(str::trim).collect();
    if tokens.iter().all(|t| t.is_empty()) {
        return Err(FlagParseError { set: set.name(), token: text.to_string() });
    }
    for token in tokens {
        if let Some(value) = parse_number(token) {
            bits |= value;
        } else if let Some((_, value)) = table.iter().find(|(n, _)| n.eq_ignore_ascii_case(token)) {
            bits |= value;
        } else {
            return Err(FlagParseError { set: set.name(), token: token.to_string() });
        }
    }
    Ok(bits)
}

macro_rules! flag_set {
    ($(#[$meta:meta])* $ty:ident, $label:literal, { $($name:ident = $value:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
        pub struct $ty(pub u32);

        impl $ty {
            $(pub const $name: $ty = $ty($value);)*
            /// The defined names and values, in header order.
            pub const TABLE: &'static [(&'static str, u32)] = &[$((stringify!($name), $value)),*];
            /// Every defined bit.
            pub const DEFINED: u32 = 0 $(| $value)*;

            pub const fn bits(self) -> u32 { self.0 }
            pub const fn empty() -> Self { Self(0) }
            pub const fn is_empty(self) -> bool { self.0 == 0 }
            pub const fn contains(self, other: Self) -> bool { self.0 & other.0 == other.0 }
            pub const fn intersects(self, other: Self) -> bool { self.0 & other.0 != 0 }
            pub const fn union(self, other: Self) -> Self { Self(self.0 | other.0) }
            pub const fn difference(self, other: Self) -> Self { Self(self.0 & !other.0) }
            /// Bits that no name of this set defines.
            pub const fn undefined_bits(self) -> u32 { self.0 & !Self::DEFINED }
            pub fn text(self) -> String { format_bits(self.0, Self::TABLE) }
        }

        impl std::ops::BitOr for $ty {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self { self.union(rhs) }
        }
        impl std::ops::BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: Self) { self.0 |= rhs.0 }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.text()) }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", $label, self.text())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                ValueText { value: self.0, text: &self.text() }.serialize(s)
            }
        }
        crate::json::ts_as!($ty => ValueText<'static>);
    };
}

flag_set!(
    /// What StoreLogoff and StoreLogoffTransports report on output (S2).
    StoreLogoffOutFlags, "StoreLogoffOut", {
    LOGOFF_COMPLETE = 0x0001_0000,
    LOGOFF_INBOUND = 0x0002_0000,
    LOGOFF_OUTBOUND = 0x0004_0000,
    LOGOFF_OUTBOUND_QUEUE = 0x0008_0000,
});

flag_set!(
    /// `ulFlags` of IXPLogon::TransportLogoff: documented as reserved, yet
    /// defined in MAPISPI.h (T1).
    TransportLogoffFlags, "TransportLogoff", {
    LOGOFF_NORMAL = 0x0000_0001,
    LOGOFF_HURRY = 0x8000_0000,
});

flag_set!(
    /// `ulFlags` of IXPProvider::Shutdown and IMSProvider::Shutdown.
    DeinitFlags, "Deinit", {
    DEINIT_NORMAL = 0x0000_0001,
    DEINIT_HURRY = 0x8000_0000,
});

flag_set!(
    /// `ulFlags` of IXPLogon::FlushQueues.
    FlushFlags, "FlushQueues", {
    FLUSH_UPLOAD = 0x02,
    FLUSH_DOWNLOAD = 0x04,
    FLUSH_FORCE = 0x08,
    FLUSH_NO_UI = 0x10,
    FLUSH_ASYNC_OK = 0x20,
});

flag_set!(
    /// `ulFlags` of IXPLogon::TransportNotify.
    TransportNotifyFlags, "TransportNotify", {
    NOTIFY_BEGIN_INBOUND = 0x1,
    NOTIFY_BEGIN_OUTBOUND = 0x2,
    NOTIFY_BEGIN_INBOUND_FLUSH = 0x4,
    NOTIFY_BEGIN_OUTBOUND_FLUSH = 0x8,
    NOTIFY_END_INBOUND = 0x1_0000,
    NOTIFY_END_OUTBOUND = 0x2_0000,
    NOTIFY_END_INBOUND_FLUSH = 0x4_0000,
    NOTIFY_END_OUTBOUND_FLUSH = 0x8_0000,
    NOTIFY_ABORT_DEFERRED = 0x4000_0000,
    NOTIFY_CANCEL_MESSAGE = 0x8000_0000,
});

flag_set!(
    /// `ulFlags` of IMAPISupport::SpoolerNotify.
    SpoolerNotifyFlags, "SpoolerNotify", {
    NOTIFY_NEWMAIL = 0x1,
    NOTIFY_READYTOSEND = 0x2,
    NOTIFY_SENTDEFERRED = 0x4,
    NOTIFY_CRITSEC = 0x1000,
    NOTIFY_NONCRIT = 0x2000,
    NOTIFY_CONFIG_CHANGE = 0x4000,
    NOTIFY_CRITICAL_ERROR = 0x1000_0000,
    NOTIFY_NEWMAIL_RECEIVED = 0x2000_0000,
});

flag_set!(
    /// PR_STATUS_CODE of a transport session's status row.
    StatusFlags, "Status", {
    STATUS_AVAILABLE = 0x1,
    STATUS_OFFLINE = 0x2,
    STATUS_FAILURE = 0x4,
    STATUS_INBOUND_ENABLED = 0x1_0000,
    STATUS_INBOUND_ACTIVE = 0x2_0000,
    STATUS_INBOUND_FLUSH = 0x4_0000,
    STATUS_OUTBOUND_ENABLED = 0x10_0000,
    STATUS_OUTBOUND_ACTIVE = 0x20_0000,
    STATUS_OUTBOUND_FLUSH = 0x40_0000,
});

/// The input flag of StoreLogoff / StoreLogoffTransports: exactly one of
/// five (S1). Raw `u32` values become this type only through
/// [`StoreLogoffFlag::from_raw`], which applies S1.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum StoreLogoffFlag {
    NoWait,
    Orderly,
    Purge,
    Abort,
    Quiet,
}

impl Serialize for StoreLogoffFlag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

crate::json::ts_string_union!(
    StoreLogoffFlag,
    "StoreLogoffFlagName",
    "The input flag of StoreLogoff and StoreLogoffTransports, by name: exactly one of five (S1).",
    StoreLogoffFlag::ALL.iter().map(|f| f.name())
);

impl StoreLogoffFlag {
    pub const ALL: [StoreLogoffFlag; 5] = [Self::NoWait, Self::Orderly, Self::Purge, Self::Abort, Self::Quiet];
    /// Every input bit.
    pub const INPUT_MASK: u32 = 0x1F;
    /// Input and output LOGOFF_ bits together: anything outside is unknown.
    pub const KNOWN_MASK: u32 = Self::INPUT_MASK | StoreLogoffOutFlags::DEFINED;
    /// Input and output names, for formatting raw values a caller passed.
    pub const TABLE: &'static [(&'static str, u32)] = &[
        ("LOGOFF_NO_WAIT", 0x01),
        ("LOGOFF_ORDERLY", 0x02),
        ("LOGOFF_PURGE", 0x04),
        ("LOGOFF_ABORT", 0x08),
        ("LOGOFF_QUIET", 0x10),
        ("LOGOFF_COMPLETE", 0x0001_0000),
        ("LOGOFF_INBOUND", 0x0002_0000),
        ("LOGOFF_OUTBOUND", 0x0004_0000),
        ("LOGOFF_OUTBOUND_QUEUE", 0x0008_0000),
    ];

    pub const fn bits(self) -> u32 {
        match self {
            Self::NoWait => 0x01,
            Self::Orderly => 0x02,
            Self::Purge => 0x04,
            Self::Abort => 0x08,
            Self::Quiet => 0x10,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::NoWait => "LOGOFF_NO_WAIT",
            Self::Orderly => "LOGOFF_ORDERLY",
            Self::Purge => "LOGOFF_PURGE",
            Self::Abort => "LOGOFF_ABORT",
            Self::Quiet => "LOGOFF_QUIET",
        }
    }

    /// S1: exactly one input flag. A bit outside every LOGOFF_ flag gives
    /// MAPI_E_UNKNOWN_FLAGS; zero or several input flags, or an output flag
    /// passed as input (a reused in/out variable), give
    /// MAPI_E_INVALID_PARAMETER.
    pub fn from_raw(raw: u32) -> Result<Self, crate::HResult> {
        if raw & !Self::KNOWN_MASK != 0 {
            return Err(crate::HResult::MAPI_E_UNKNOWN_FLAGS);
        }
        Self::ALL.into_iter().find(|f| f.bits() == raw).ok_or(crate::HResult::MAPI_E_INVALID_PARAMETER)
    }
}

impl fmt::Display for StoreLogoffFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::json::string_enum! {
    /// Names the flag sets, for generic parsing and formatting (the bindings
    /// and the CLI expose one parse and one format function per set).
    pub enum FlagSet {
        /// StoreLogoff / StoreLogoffTransports, input and output names together.
        StoreLogoff = "storeLogoff",
        TransportLogoff = "transportLogoff",
        Deinit = "deinit",
        FlushQueues = "flushQueues",
        TransportNotify = "transportNotify",
        SpoolerNotify = "spoolerNotify",
        Status = "status",
    }
}

impl FlagSet {
    pub const ALL: [FlagSet; 7] = [
        Self::StoreLogoff,
        Self::TransportLogoff,
        Self::Deinit,
        Self::FlushQueues,
        Self::TransportNotify,
        Self::SpoolerNotify,
        Self::Status,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::StoreLogoff => "StoreLogoff",
            Self::TransportLogoff => "TransportLogoff",
            Self::Deinit => "Deinit",
            Self::FlushQueues => "FlushQueues",
            Self::TransportNotify => "TransportNotify",
            Self::SpoolerNotify => "SpoolerNotify",
            Self::Status => "Status",
        }
    }

    pub const fn table(self) -> &'static [(&'static str, u32)] {
        match self {
            Self::StoreLogoff => StoreLogoffFlag::TABLE,
            Self::TransportLogoff => TransportLogoffFlags::TABLE,
            Self::Deinit => DeinitFlags::TABLE,
            Self::FlushQueues => FlushFlags::TABLE,
            Self::TransportNotify => TransportNotifyFlags::TABLE,
            Self::SpoolerNotify => SpoolerNotifyFlags::TABLE,
            Self::Status => StatusFlags::TABLE,
        }
    }

    pub fn format(self, bits: u32) -> String {
        format_bits(bits, self.table())
    }

    pub fn parse(self, text: &str) -> Result<u32, FlagParseError> {
        parse_bits(text, self)
    }
}

/// Writes raw flag fields of actions as text (`"LOGOFF_ORDERLY"`), so that
/// scenarios stay readable and read back exactly (the reader accepts text
/// and numbers).
pub(crate) mod raw {
    use super::*;

    fn ser<S: Serializer>(bits: u32, set: FlagSet, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&set.format(bits))
    }
    pub fn store_logoff<S: Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
        ser(*bits, FlagSet::StoreLogoff, s)
    }
    pub fn transport_logoff<S: Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
        ser(*bits, FlagSet::TransportLogoff, s)
    }
    pub fn deinit<S: Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
        ser(*bits, FlagSet::Deinit, s)
    }
    pub fn flush<S: Serializer>(bits: &u32, s: S) -> Result<S::Ok, S::Error> {
        ser(*bits, FlagSet::FlushQueues, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HResult;

    #[test]
    fn formats_names_and_reports_undefined_bits() {
        assert_eq!(FlagSet::StoreLogoff.format(0x0003_0000), "LOGOFF_COMPLETE | LOGOFF_INBOUND");
        assert_eq!(FlagSet::StoreLogoff.format(0x2), "LOGOFF_ORDERLY");
        assert_eq!(FlagSet::StoreLogoff.format(0x102), "LOGOFF_ORDERLY | 0x00000100");
        assert_eq!(FlagSet::StoreLogoff.format(0), "0");
        assert_eq!(TransportLogoffFlags(0x8000_0001).text(), "LOGOFF_NORMAL | LOGOFF_HURRY");
    }

    #[test]
    fn parses_names_hex_and_decimal() {
        assert_eq!(FlagSet::StoreLogoff.parse("LOGOFF_ORDERLY"), Ok(0x2));
        assert_eq!(FlagSet::StoreLogoff.parse("logoff_orderly | 0x100"), Ok(0x102));
        assert_eq!(FlagSet::StoreLogoff.parse("16"), Ok(0x10));
        assert_eq!(FlagSet::FlushQueues.parse("FLUSH_UPLOAD|FLUSH_DOWNLOAD"), Ok(0x6));
        assert!(FlagSet::StoreLogoff.parse("LOGOFF_SOON").is_err());
        assert!(FlagSet::StoreLogoff.parse("").is_err());
        assert!(FlagSet::StoreLogoff.parse("0x1_0000_0000").is_err());
    }

    #[test]
    fn same_number_means_different_things_per_set() {
        let names: Vec<String> = FlagSet::ALL.iter().map(|s| s.format(1)).collect();
        assert_eq!(
            names,
            [
                "LOGOFF_NO_WAIT",
                "LOGOFF_NORMAL",
                "DEINIT_NORMAL",
                "0x00000001",
                "NOTIFY_BEGIN_INBOUND",
                "NOTIFY_NEWMAIL",
                "STATUS_AVAILABLE"
            ]
        );
    }

    #[test]
    fn every_name_round_trips_in_every_set() {
        for set in FlagSet::ALL {
            for (name, value) in set.table() {
                assert_eq!(set.parse(name), Ok(*value), "{name}");
                assert_eq!(set.format(*value), *name);
            }
        }
    }

    #[test]
    fn s1_exactly_one_input_flag() {
        for flag in StoreLogoffFlag::ALL {
            assert_eq!(StoreLogoffFlag::from_raw(flag.bits()), Ok(flag));
        }
        assert_eq!(StoreLogoffFlag::from_raw(0), Err(HResult::MAPI_E_INVALID_PARAMETER));
        assert_eq!(StoreLogoffFlag::from_raw(0x6), Err(HResult::MAPI_E_INVALID_PARAMETER));
        assert_eq!(StoreLogoffFlag::from_raw(0x1_0002), Err(HResult::MAPI_E_INVALID_PARAMETER));
        assert_eq!(StoreLogoffFlag::from_raw(0x100), Err(HResult::MAPI_E_UNKNOWN_FLAGS));
        assert_eq!(StoreLogoffFlag::from_raw(0x102), Err(HResult::MAPI_E_UNKNOWN_FLAGS));
    }
}
