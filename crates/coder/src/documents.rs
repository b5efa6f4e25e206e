//! Documents to code: plain text (one document, dated by the caller) or JSON Lines records with `id`, `date`
//! (YYYY-MM-DD) and `text`. Pure: the caller reads the bytes.

use fulcrum_model::parse_iso_date;

/// One document: its id (file name or record id), its day (days since 1970-01-01) and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub day: i32,
    pub text: String,
}

/// A record that cannot be coded, named by input and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{input}:{line}: {reason}")]
pub struct DocumentError {
    pub input: String,
    pub line: usize,
    pub reason: String,
}

/// Text from bytes; invalid UTF-8 is replaced with U+FFFD and the byte offset of the first fault returned.
pub fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    }
}

/// The records of a JSON Lines input; `date` dates records that carry none.
pub fn from_jsonl(
    input: &str,
    text: &str,
    date: Option<i32>,
) -> Result<Vec<Document>, DocumentError> {
    let mut docs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |reason: String| DocumentError {
            input: input.to_string(),
            line: i + 1,
            reason,
        };
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| fail(format!("not JSON: {e}")))?;
        let text = v["text"]
            .as_str()
            .ok_or_else(|| fail("no \"text\"".into()))?
            .to_string();
        let id = match &v["id"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => format!("{input}:{}", i + 1),
            other => other.to_string(),
        };
        let day = match v["date"].as_str() {
            Some(d) => parse_iso_date(d).map_err(|e| fail(format!("bad \"date\": {e}")))?,
            None => date.ok_or_else(|| fail("no \"date\"; give a default date (--date)".into()))?,
        };
        docs.push(Document { id, day, text });
    }
    Ok(docs)
}

/// Documents coded: every event with its document's day, how many sentences were read, and how long it took.
#[derive(Debug, Clone)]
pub struct CodedDocuments {
    pub events: Vec<(crate::CodedEvent, i32)>,
    pub documents: usize,
    pub sentences: usize,
    pub seconds: f64,
}

impl CodedDocuments {
    /// "coded N document(s), S sentence(s) → E event(s) in T s (R sentences/s)".
    pub fn summary(&self) -> String {
        format!(
            "coded {} document(s), {} sentence(s) → {} event(s) in {:.3} s ({:.0} sentences/s)",
            self.documents,
            self.sentences,
            self.events.len(),
            self.seconds,
            self.sentences as f64 / self.seconds.max(1e-9)
        )
    }
}

/// Codes every document, dated by its own day; `each` sees every document's sentence reports (for `--explain`).
pub fn code_all(
    coder: &crate::Coder,
    docs: &[Document],
    mut each: impl FnMut(&Document, &[crate::SentenceReport]),
) -> CodedDocuments {
    let started = std::time::Instant::now();
    let mut events = Vec::new();
    let mut sentences = 0;
    for doc in docs {
        let mut reports = Vec::new();
        let coded =
            coder.code_document(&doc.id, date_number(doc.day), &doc.text, Some(&mut reports));
        sentences += reports.iter().filter(|r| r.sentence_number > 0).count();
        each(doc, &reports);
        events.extend(coded.into_iter().map(|e| (e, doc.day)));
    }
    CodedDocuments {
        events,
        documents: docs.len(),
        sentences,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// A day (days since 1970-01-01) as the coder's YYYYMMDD date number, which dated actor roles are read with.
pub fn date_number(day: i32) -> u32 {
    let (y, m, d) = fulcrum_model::civil_from_days(day);
    (y as u32) * 10_000 + m * 100 + d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_their_own_date_or_take_the_default() {
        let text = "{\"id\": 7, \"date\": \"2019-02-14\", \"text\": \"a\"}\n\n{\"text\": \"b\"}\n";
        let docs = from_jsonl("in.jsonl", text, Some(0)).unwrap();
        assert_eq!(
            docs[0],
            Document {
                id: "7".into(),
                day: 17_941,
                text: "a".into()
            }
        );
        assert_eq!((docs[1].id.as_str(), docs[1].day), ("in.jsonl:3", 0));
        let e = from_jsonl("in.jsonl", "{\"text\": \"b\"}", None).unwrap_err();
        assert_eq!((e.line, e.reason.contains("no \"date\"")), (1, true));
        assert_eq!(decode(vec![b'a', 0xff]).1, Some(1));
    }
}
