//! Coded events as rows of the store's schema: dataset `coded`, Goldstein and QuadClass from the CAMEO tables,
//! provenance columns, and the de-duplication key (document, source, target, code, day).

use fulcrum_model::arrow_array::RecordBatch;
use fulcrum_model::{Dataset, EventBatchBuilder, EventRow, cameo, event_key};

use crate::CodedEvent;

/// The events (each with its day) as one batch of the store's schema, and each row's de-duplication key.
pub fn coded_batch(events: &[(CodedEvent, i32)]) -> (RecordBatch, Vec<u64>) {
    let mut builder = EventBatchBuilder::with_capacity(events.len());
    let mut keys = Vec::with_capacity(events.len());
    for (i, (e, day)) in events.iter().enumerate() {
        let parts: [&[u8]; 5] = [
            e.doc_id.as_bytes(),
            e.source.as_bytes(),
            e.target.as_bytes(),
            e.code.as_bytes(),
            &day.to_le_bytes(),
        ];
        let key = event_key(Dataset::Coded, &parts);
        let (goldstein, quad) =
            cameo::derived_scores(&e.code).map_or((None, None), |(g, q)| (Some(g), Some(q as i8)));
        let country = |code: &str| {
            (code.len() >= 3 && cameo::country_label(&code[..3]).is_some())
                .then(|| code[..3].to_string())
        };
        let (c1, c2) = (country(&e.source), country(&e.target));
        let row = EventRow {
            event_id: Some((key >> 1) as i64),
            event_date: Some(*day),
            dataset: Some(Dataset::Coded.as_str()),
            actor1_code: Some(&e.source),
            actor1_country_code: c1.as_deref(),
            actor2_code: Some(&e.target),
            actor2_country_code: c2.as_deref(),
            is_root_event: Some(e.sentence_number == 1),
            event_code: Some(&e.code),
            event_base_code: Some(cameo::base_of(&e.code)),
            event_root_code: cameo::root_of(&e.code),
            quad_class: quad,
            goldstein,
            story_id: Some(&e.doc_id),
            sentence_number: Some(e.sentence_number as i32),
            sentence_text: Some(&e.sentence),
            source_phrase: Some(&e.source_phrase),
            target_phrase: Some(&e.target_phrase),
            verb_phrase: Some(&e.verb_phrase),
            input_file: Some(&e.doc_id),
            line_number: Some(i as i64 + 1),
            ..Default::default()
        };
        builder.append(&row);
        keys.push(key);
    }
    (builder.finish(), keys)
}

/// One key for a whole set of coded events, standing in for a file's content hash in the store's manifest.
pub fn digest(keys: &[u64]) -> String {
    format!(
        "{:016x}",
        keys.iter().fold(0u64, |a, k| a.rotate_left(7) ^ k)
    )
}
