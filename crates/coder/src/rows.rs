//! Coded events as rows of the store's schema: dataset `coded`, Goldstein and QuadClass from the CAMEO tables,
//! provenance columns, and the de-duplication key (document, source, target, code, day).

use fulcrum_model::arrow_array::RecordBatch;
use fulcrum_model::{Dataset, EventBatchBuilder, EventRow, cameo, event_key};

use crate::CodedEvent;

/// Coded events as rows of the store's schema.
#[derive(Debug)]
pub struct CodedRows {
    pub batch: RecordBatch,
    /// Each row's de-duplication key.
    pub keys: Vec<u64>,
    /// Events left out, each with why: a code without a CAMEO root (01–20) has no QuadClass or Goldstein weight.
    pub dropped: Vec<String>,
}

/// The events (each with its day) as one batch of the store's schema. A code outside GDELT's CAMEO table takes its
/// nearest listed ancestor's Goldstein weight and its root's QuadClass, named in `scores_from_code`
/// ([`cameo::scores_of`]); a code with no CAMEO root is left out and said in `dropped`. Never panics.
pub fn coded_batch(events: &[(CodedEvent, i32)]) -> CodedRows {
    let mut builder = EventBatchBuilder::with_capacity(events.len());
    let mut keys = Vec::with_capacity(events.len());
    let mut dropped = Vec::new();
    for (i, (e, day)) in events.iter().enumerate() {
        let Some(scores) = cameo::scores_of(&e.code) else {
            dropped.push(format!(
                "{} sentence {}: code {:?} has no CAMEO root (01–20), so no QuadClass or Goldstein weight",
                e.doc_id, e.sentence_number, e.code
            ));
            continue;
        };
        let parts: [&[u8]; 5] = [
            e.doc_id.as_bytes(),
            e.source.as_bytes(),
            e.target.as_bytes(),
            e.code.as_bytes(),
            &day.to_le_bytes(),
        ];
        let key = event_key(Dataset::Coded, &parts);
        let country = |code: &str| {
            (code.len() >= 3 && cameo::country_label(&code[..3]).is_some())
                .then(|| code[..3].to_string())
        };
        let (c1, c2) = (country(&e.source), country(&e.target));
        let issues = (!e.issues.is_empty()).then(|| e.issues.join(","));
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
            quad_class: Some(scores.quad_class as i8),
            goldstein: Some(scores.goldstein),
            scores_from_code: scores.from,
            story_id: Some(&e.doc_id),
            sentence_number: Some(e.sentence_number as i32),
            sentence_text: Some(&e.sentence),
            source_phrase: Some(&e.source_phrase),
            target_phrase: Some(&e.target_phrase),
            verb_phrase: Some(&e.verb_phrase),
            issue_codes: issues.as_deref(),
            input_file: Some(&e.doc_id),
            line_number: Some(i as i64 + 1),
            ..Default::default()
        };
        match builder.append(&row) {
            Ok(()) => keys.push(key),
            Err(missing) => dropped.push(format!(
                "{} sentence {}: {missing}",
                e.doc_id, e.sentence_number
            )),
        }
    }
    CodedRows {
        batch: builder.finish(),
        keys,
        dropped,
    }
}

/// One key for a whole set of coded events, standing in for a file's content hash in the store's manifest.
pub fn digest(keys: &[u64]) -> String {
    format!(
        "{:016x}",
        keys.iter().fold(0u64, |a, k| a.rotate_left(7) ^ k)
    )
}
