//! HRESULTs that the logoff protocol can return, with their header names.

use serde::{Serialize, Serializer};
use std::fmt;

/// A COM/MAPI status code. Success codes have the top bit clear.
///
/// Serialised as `{ "value": 2147942487, "text": "MAPI_E_INVALID_PARAMETER" }`
/// so that JSON readers get both the number and the name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HResult(pub u32);

macro_rules! hresults {
    ($($name:ident = $value:expr),* $(,)?) => {
        impl HResult {
            $(pub const $name: HResult = HResult($value);)*
            /// Every code this crate knows, in header order.
            pub const KNOWN: &'static [(&'static str, u32)] = &[$((stringify!($name), $value)),*];
        }
    };
}

hresults! {
    S_OK = 0x0000_0000,
    MAPI_W_CANCEL_MESSAGE = 0x0004_0580,
    MAPI_E_CALL_FAILED = 0x8000_4005,
    MAPI_E_INTERFACE_NOT_SUPPORTED = 0x8000_4002,
    MAPI_E_NOT_ENOUGH_MEMORY = 0x8007_000E,
    MAPI_E_INVALID_PARAMETER = 0x8007_0057,
    MAPI_E_NO_ACCESS = 0x8007_0005,
    MAPI_E_NO_SUPPORT = 0x8004_0102,
    MAPI_E_BAD_CHARWIDTH = 0x8004_0103,
    MAPI_E_UNKNOWN_FLAGS = 0x8004_0106,
    MAPI_E_INVALID_OBJECT = 0x8004_0108,
    MAPI_E_BUSY = 0x8004_010B,
    MAPI_E_NOT_FOUND = 0x8004_010F,
    MAPI_E_USER_CANCEL = 0x8004_0113,
    MAPI_E_UNABLE_TO_ABORT = 0x8004_0114,
    MAPI_E_END_OF_SESSION = 0x8004_0200,
    MAPI_E_NOT_IN_QUEUE = 0x8004_0601,
    MAPI_E_NOT_INITIALIZED = 0x8004_0605,
}

impl HResult {
    /// The header name, or `None` for a code this crate does not know.
    pub fn name(self) -> Option<&'static str> {
        Self::KNOWN.iter().find(|(_, v)| *v == self.0).map(|(n, _)| *n)
    }

    /// Name if known, otherwise the hex value.
    pub fn text(self) -> String {
        match self.name() {
            Some(name) => name.to_string(),
            None => format!("0x{:08X}", self.0),
        }
    }

    pub const fn is_success(self) -> bool {
        self.0 & 0x8000_0000 == 0
    }

    /// Parses a name (`MAPI_E_NO_SUPPORT`, also `E_INVALIDARG`), hex or decimal.
    pub fn parse(text: &str) -> Option<HResult> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("E_INVALIDARG") {
            return Some(Self::MAPI_E_INVALID_PARAMETER);
        }
        if let Some((_, v)) = Self::KNOWN.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
            return Some(HResult(*v));
        }
        crate::flags::parse_number(t).map(HResult)
    }
}

impl fmt::Display for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl fmt::Debug for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for HResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::flags::ValueText { value: self.0, text: &self.text() }.serialize(s)
    }
}

crate::json::ts_as!(HResult => crate::flags::ValueText<'static>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_follow_facility_itf() {
        // MAPI_E_x is 0x80040000 | x.
        assert_eq!(HResult::MAPI_E_NO_SUPPORT.0, 0x8004_0000 | 0x102);
        assert_eq!(HResult::MAPI_E_INVALID_OBJECT.0, 0x8004_0000 | 0x108);
        assert!(HResult::MAPI_W_CANCEL_MESSAGE.is_success());
        assert!(!HResult::MAPI_E_CALL_FAILED.is_success());
    }

    #[test]
    fn names_round_trip() {
        for (name, value) in HResult::KNOWN {
            assert_eq!(HResult(*value).name(), Some(*name));
            assert_eq!(HResult::parse(name), Some(HResult(*value)));
        }
        assert_eq!(HResult::parse("E_INVALIDARG"), Some(HResult::MAPI_E_INVALID_PARAMETER));
        assert_eq!(HResult(0x1234).text(), "0x00001234");
    }
}
