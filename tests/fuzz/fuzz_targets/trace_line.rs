//! Trace text as the checker reads it (JSON Lines, lines spanning chunks):
//! fed whole, then split at an arbitrary byte, the reports must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_logoff::check::Checker;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut whole = Checker::new();
    whole.feed(text);
    let whole = whole.finish();
    let cut = (0..=text.len().min(usize::from(data.first().copied().unwrap_or(0)))).rev().find(|&i| text.is_char_boundary(i));
    let cut = cut.unwrap_or(0);
    let mut split = Checker::new();
    split.feed(&text[..cut]);
    split.feed(&text[cut..]);
    let split = split.finish();
    assert_eq!(whole.lines, split.lines, "lines counted differently when the text is split at {cut}");
    assert_eq!(whole.calls, split.calls, "calls counted differently when the text is split at {cut}");
});
