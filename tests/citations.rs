//! Every rule cites its source honestly (docs/protocol.md, section 9): the
//! words a rule or a reading quotes from a reference page are, verbatim,
//! the words the project's own reference prints, so neither can drift.

use mapi_logoff::RuleId;
use mapi_logoff::readings::READINGS;
use mapi_logoff::rules::SourceKind;

const PROTOCOL: &str = include_str!("../docs/protocol.md");

#[test]
fn every_quote_of_a_rule_is_printed_verbatim_in_the_reference() {
    for r in RuleId::ALL {
        let source = r.source();
        if let Some(quote) = source.quote {
            assert!(PROTOCOL.contains(&format!("\"{quote}\"")), "{r}: docs/protocol.md does not quote {quote:?}");
        }
        let line = PROTOCOL.lines().find(|l| l.starts_with(&format!("- **{r}** ("))).unwrap_or_else(|| panic!("{r} is not in section 9"));
        let kind = match source.kind {
            SourceKind::ReferencePage => "reference page",
            SourceKind::OtherPage => "other MAPI page",
            SourceKind::Header => "header",
            SourceKind::SdkSample => "SDK sample",
            SourceKind::ModelChoice => "model choice",
        };
        assert!(line.contains(kind), "{r}: section 9 gives another kind of source than the code ({kind})");
    }
}

#[test]
fn every_reading_is_explained_with_its_quote_and_old_names() {
    for reading in READINGS {
        assert!(PROTOCOL.contains(&format!("`{}`", reading.value)), "{} is not named in section 7", reading.value);
        let quote_words: String = reading.quote.split_whitespace().collect::<Vec<_>>().join(" ");
        let doc_words: String = PROTOCOL.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(doc_words.contains(&quote_words), "{}: section 7 does not quote {:?}", reading.value, reading.quote);
        for alias in reading.aliases {
            assert!(PROTOCOL.contains(&format!("`{alias}`")), "the old name {alias} is not documented");
        }
    }
}

/// The quotes of the two reference pages, in the English the seeds carry.
/// A quote that is not one of the page's sentences (or a run of them)
/// would be a rule crediting a page with words it does not contain.
#[test]
fn reference_page_quotes_are_sentences_of_the_pages() {
    const STORE_LOGOFF_TRANSPORTS: &[&str] = &[
        "On input, all flags for this parameter are mutually exclusive; only one of the following flags can be set per call:",
        "On output, MAPI spooler can return one or more of the following flags:",
        "Any transport provider activity for this store should be stopped before logoff.",
        "Control is returned to the client after the activity is stopped and the MAPI spooler has logged off the store.",
        "If any transport activity is taking place, the logoff does not occur and no change in the MAPI spooler or transport provider behavior occurs.",
        "If there is currently no activity, the MAPI spooler releases the store.",
        "The MAPI spooler should release the store and return control to the client immediately after all outbound mail that is ready to be sent is sent.",
        "If the message store has the default Inbox, any in-process message is received, and then further reception is disabled.",
        "The MAPI spooler should release the store and return control to the client immediately after any pending messages are finished processing.",
        "No new messages should be processed.",
        "Works the same as the LOGOFF_NO_WAIT flag.",
        "The LOGOFF_PURGE flag returns control to the caller after completion.",
        "The logoff should not occur if any transport provider activity is taking place.",
        "The type of activity taking place is returned as a flag on output.",
        "All resources associated with the store have been released, and the object has been invalidated.",
        "Only the message store's IUnknown::Release method should be called at this point.",
        "The IMAPISupport::StoreLogoffTransports method is implemented for message store provider support objects.",
        "If another process has the store to be logged off open for the same profile, MAPI ignores a call to StoreLogoffTransports and returns the flag LOGOFF_COMPLETE in the lpulFlags parameter.",
        "StoreLogoffTransports is typically called from a store provider's IMsgStore::StoreLogoff method.",
        "However, it can also be called from the IUnknown::Release method of the message store.",
        "Implement the Release method of your message store so you can check whether or not a call to StoreLogoffTransports has occurred.",
        "If a call has not occurred, call StoreLogoffTransports with the LOGOFF_ABORT flag set.",
        "That is, if a client called your StoreLogoff method with ulFlags set to LOGOFF_ORDERLY, you should call StoreLogoffTransports with ulFlags set to LOGOFF_ORDERLY.",
    ];
    const TRANSPORT_LOGOFF: &[&str] = &[
        "Reserved; must be zero.",
        "If anything other than S_OK is returned, the provider is logged off.",
        "Before calling TransportLogoff, the MAPI spooler discards the data about the supported address types for this session passed in IXPLogon::AddressTypes.",
        "The transport provider must be ready to accept a call to TransportLogoff at any time.",
        "If a message is in process, the provider should stop the sending process.",
        "The transport provider must release all resources allocated for its current session.",
        "If it allocated memory for this session with MAPIAllocateBuffer, it must free it with MAPIFreeBuffer.",
        "Any memory allocated to satisfy calls to IXPLogon::AddressTypes can safely be freed.",
        "Typically, when carrying out a TransportLogoff call, a provider should first invalidate its logon object by calling IMAPISupport::MakeInvalid, then release its support object.",
        "The provider's TransportLogoff implementation must release the support object last, because when the support object is released the MAPI spooler may also release the provider object itself.",
    ];
    let is_run_of_sentences = |quote: &str, page: &[&str]| {
        let mut rest = quote;
        while !rest.is_empty() {
            let Some(s) = page.iter().find(|s| rest.starts_with(**s)) else { return false };
            rest = rest[s.len()..].trim_start();
        }
        true
    };
    let pages = |page: &str| match page {
        "imapisupport-storelogofftransports" => STORE_LOGOFF_TRANSPORTS,
        "ixplogon-transportlogoff" => TRANSPORT_LOGOFF,
        other => panic!("{other} is not one of the two reference pages"),
    };
    for r in RuleId::ALL {
        let source = r.source();
        if source.kind == SourceKind::ReferencePage {
            let (page, quote) = (source.page.unwrap(), source.quote.unwrap());
            assert!(is_run_of_sentences(quote, pages(page)), "{r}: {quote:?} is not on {page}");
        }
    }
    for reading in READINGS {
        assert!(is_run_of_sentences(reading.quote, pages(reading.page)), "{}: {:?}", reading.value, reading.quote);
    }
}

/// docs/rules.json is the catalogue the playground, the docs site and the
/// package read: every rule with its title, page and source (quote and
/// note, which the wasm modules leave out for their size), and every
/// reading. It must be exactly what the code says.
#[test]
fn the_catalogue_json_is_the_code() {
    use mapi_logoff::rules::RuleInfo;
    #[derive(serde::Serialize)]
    struct Catalogue {
        rules: Vec<RuleInfo>,
        readings: &'static [mapi_logoff::readings::Reading],
    }
    let rules = RuleId::ALL.iter().map(|&r| RuleInfo { id: r, title: r.title(), doc_url: r.doc_url(), source: r.source() }).collect();
    let text = serde_json::to_string_pretty(&Catalogue { rules, readings: READINGS }).unwrap() + "\n";
    let written = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("rules.json");
    std::fs::write(&written, &text).unwrap();
    let shipped = std::fs::read_to_string("docs/rules.json").unwrap_or_default();
    assert!(shipped == text, "docs/rules.json is out of date: copy {} over it", written.display());
}
