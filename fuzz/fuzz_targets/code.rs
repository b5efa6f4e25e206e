//! The whole `fulcrum code` path on arbitrary bytes: document decoding (plain text and JSON Lines), a verb
//! dictionary that is partly fuzzed (codes inside and outside the CAMEO table, or with no CAMEO root), the coder,
//! the coded rows and every output writer. Errors are fine; panics are not.
#![no_main]

use std::path::Path;

use fulcrum_coder::dict::{actors::ActorDict, verbs::VerbDict};
use fulcrum_query::{OutputFormat, write_batches};
use libfuzzer_sys::fuzz_target;

const ACTORS: &str = "RUSSIA_ [RUS]\nINDIA_ [IND]\nPAKISTAN_ [PAK]\nNORTH_KOREA_ [PRK]\nUNITED_NATIONS_ [IGOUNO]\n";

fuzz_target!(|data: &[u8]| {
    // The first byte splits the input into a verb section and a document.
    let Some((&split, rest)) = data.split_first() else { return };
    let at = (split as usize * rest.len()) / 256;
    let (verbs_part, doc_part) = rest.split_at(at);
    let verbs_text = String::from_utf8_lossy(verbs_part);
    let path = Path::new("fuzz.txt");
    let verbs = VerbDict::parse(
        path,
        &format!(
            "####### VERB PATTERNS #######\n---  HACK  [176]  ---\nHACK {{HACKED}}\n---  ODD  [215]  ---\nODD {{ODDED}}\n{verbs_text}"
        ),
    );
    let Ok(verbs) = verbs else { return };
    let mut actors = ActorDict::default();
    if actors.add_text(Path::new("actors.txt"), ACTORS).is_err() {
        return;
    }
    let dict = fulcrum_coder::Dictionaries { verbs, actors, ..Default::default() };
    let coder = fulcrum_coder::Coder::new(&dict);
    let (text, _) = fulcrum_coder::documents::decode(doc_part.to_vec());
    let mut docs = vec![("plain".to_string(), 17_897, text.clone())];
    if let Ok(records) = fulcrum_coder::documents::from_jsonl("fuzz.jsonl", &text, Some(17_897)) {
        docs.extend(records.into_iter().map(|d| (d.id, d.day, d.text)));
    }
    let mut events = Vec::new();
    for (id, day, text) in docs {
        for e in coder.code_document(&id, 20190101, &text, None) {
            events.push((e, day));
        }
    }
    let rows = fulcrum_coder::rows::coded_batch(&events);
    let schema = fulcrum_model::event_schema();
    for format in [OutputFormat::Csv, OutputFormat::Json, OutputFormat::Jsonl, OutputFormat::Parquet, OutputFormat::Table] {
        let mut out: Vec<u8> = Vec::new();
        let _ = write_batches(format, &schema, std::slice::from_ref(&rows.batch), &mut out);
    }
});
