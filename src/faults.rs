//! Provider faults: the mistakes of real providers (M1-M11), each of which a
//! scenario can switch on for one store or one transport provider so that
//! its effect shows in the trace, the invariants and the trace checker.
//! Simulated providers are well behaved unless a fault is switched on.

use crate::rules::RuleId;
use serde::Serialize;

macro_rules! fault_set {
    ($(#[$meta:meta])* $fault:ident, $set:ident, { $($(#[$vmeta:meta])* $variant:ident = $bit:expr, $json:literal, $mistake:ident, $rule:ident, $text:literal;)* }) => {
        crate::json::string_enum! {
            $(#[$meta])*
            pub enum $fault { $($(#[$vmeta])* $variant = $json),* }
        }

        impl $fault {
            pub const ALL: &'static [$fault] = &[$($fault::$variant),*];
            const fn bit(self) -> u16 { match self { $($fault::$variant => $bit),* } }
            /// The mistake of the reference's list this fault reproduces.
            pub const fn mistake(self) -> RuleId { match self { $($fault::$variant => RuleId::$mistake),* } }
            /// The rule the mistake breaks.
            pub const fn rule(self) -> RuleId { match self { $($fault::$variant => RuleId::$rule),* } }
            /// What the faulty provider does.
            pub const fn describe(self) -> &'static str { match self { $($fault::$variant => $text),* } }
        }

        /// A set of faults, one bit each: compact enough for hashed state.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct $set(u16);

        impl $set {
            pub fn has(self, f: $fault) -> bool { self.0 & f.bit() != 0 }
            pub fn with(self, f: $fault) -> Self { Self(self.0 | f.bit()) }
            pub fn is_empty(self) -> bool { self.0 == 0 }
            pub fn iter(self) -> impl Iterator<Item = $fault> { $fault::ALL.iter().copied().filter(move |f| self.has(*f)) }
        }

        impl FromIterator<$fault> for $set {
            fn from_iter<I: IntoIterator<Item = $fault>>(iter: I) -> Self {
                iter.into_iter().fold(Self::default(), Self::with)
            }
        }

        impl Serialize for $set {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }
        crate::json::ts_as!($set => Vec<$fault>);

    };
}

fault_set!(
    /// Mistakes of message store providers.
    StoreFault, StoreFaults, {
    /// The store reaches zero references and never calls StoreLogoffTransports.
    SkipStoreLogoffTransports = 1 << 0, "skipStoreLogoffTransports", M1, S14, "releases to zero without calling StoreLogoffTransports";
    /// The store calls StoreLogoffTransports again at its final release.
    StoreLogoffTransportsTwice = 1 << 1, "storeLogoffTransportsTwice", M2, S10, "calls StoreLogoffTransports a second time at its final release";
    /// The store keeps the caller's in/out variable and passes it back with
    /// LOGOFF_COMPLETE still set.
    ReuseFlagsVariable = 1 << 2, "reuseFlagsVariable", M3, S1, "reuses the in/out flags variable, so LOGOFF_COMPLETE comes back as input";
    /// MAPI_E_NO_SUPPORT from StoreLogoffTransports aborts the store's teardown.
    TreatNoSupportAsFatal = 1 << 3, "treatNoSupportAsFatal", M4, S11, "treats MAPI_E_NO_SUPPORT from StoreLogoffTransports as fatal and keeps its support object";
    /// The store does not invalidate itself after COMPLETE.
    AcceptCallsAfterComplete = 1 << 4, "acceptCallsAfterComplete", M5, S9, "keeps accepting calls after returning LOGOFF_COMPLETE";
});

fault_set!(
    /// Mistakes of transport providers.
    TransportFault, TransportFaults, {
    /// TransportLogoff releases the support object first, then cleans up.
    ReleaseSupportFirst = 1 << 0, "releaseSupportFirst", M6, T6, "releases its support object first, then calls MakeInvalid on it";
    /// TransportLogoff forgets to free the session's newest root block.
    LeakMemory = 1 << 1, "leakMemory", M7, T5, "forgets to free its newest MAPIAllocateBuffer block at TransportLogoff";
    /// TransportLogoff frees child blocks one by one before their roots.
    FreeChildBlock = 1 << 2, "freeChildBlock", M7, T9, "frees MAPIAllocateMore child blocks with MAPIFreeBuffer";
    /// The AddressTypes array is freed in TransportNotify, before TransportLogoff.
    FreeAddressTypesEarly = 1 << 3, "freeAddressTypesEarly", M8, T5, "frees its AddressTypes array in TransportNotify, before TransportLogoff";
    /// TransportLogoff fails, and the provider then believes it is still logged on.
    FailTransportLogoff = 1 << 4, "failTransportLogoff", M9, T7, "fails TransportLogoff and then acts as if the session were still logged on";
    /// Release or Shutdown without TransportLogoff skips the logoff work.
    LogoffNotIdempotent = 1 << 5, "logoffNotIdempotent", M10, T8, "does no logoff work when Release or Shutdown arrives without TransportLogoff";
    /// TransportLogoff refuses non-zero ulFlags and, taking its own refusal
    /// for a veto, skips the cleanup. Refusing is allowed (T1); skipping the
    /// cleanup is not: "if anything other than S_OK is returned, the
    /// provider is logged off" (T7).
    RejectReservedLogoffFlags = 1 << 6, "rejectReservedLogoffFlags", M9, T7, "refuses non-zero ulFlags with MAPI_E_UNKNOWN_FLAGS and then skips its cleanup, as if the refusal kept the session";
    /// The provider calls its own TransportLogoff with LOGOFF_HURRY from
    /// Release and Shutdown, as the SDK sample transport does, where the
    /// reserved ulFlags must be zero (T1).
    PassReservedLogoffFlags = 1 << 7, "passReservedLogoffFlags", M11, T1, "calls its own TransportLogoff with LOGOFF_HURRY from Release and Shutdown, where ulFlags is reserved and must be zero";
});
