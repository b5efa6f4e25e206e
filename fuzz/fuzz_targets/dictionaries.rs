//! Every dictionary parser on arbitrary text, then the coder with whatever was parsed. Errors are fine;
//! panics are not.
#![no_main]

use std::path::Path;

use fulcrum_coder::dict::{actors::ActorDict, agents::AgentDict, discards::DiscardDict, issues::IssueDict, verbs::VerbDict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz.txt");
    let mut actors = ActorDict::default();
    let _ = actors.add_text(path, &text);
    let mut agents = AgentDict::default();
    let _ = agents.add_text(path, &text);
    let mut discards = DiscardDict::default();
    let _ = discards.add_text(path, &text);
    let mut issues = IssueDict::default();
    let _ = issues.add_text(path, &text);
    // The verb parser needs its section marker to get going.
    let verbs = VerbDict::parse(path, &format!("####### VERB PATTERNS #######\n{text}"));
    if let Ok(verbs) = verbs {
        let dict = fulcrum_coder::Dictionaries { verbs, actors, agents, discards, issues, files: Vec::new() };
        let coder = fulcrum_coder::Coder::new(&dict);
        let _ = coder.code_document("fuzz", 20190101, &text, None);
    }
});
