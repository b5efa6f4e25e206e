//! The text pipeline on arbitrary bytes: HTML stripping, sentence splitting, tokenisation. Must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = fulcrum_coder::text::strip_html(&text);
    for s in fulcrum_coder::text::sentences(&clean) {
        let _ = fulcrum_coder::text::tokens(&s);
    }
});
