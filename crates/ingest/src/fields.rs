//! Field-level parsing shared by the readers. Every error is a sentence naming the column and the value,
//! because it ends up as the `reason` of a quarantined row.

use fulcrum_model::{RejectKind, days_from_civil};

pub(crate) type FieldResult<T> = Result<T, LineError>;

/// Why a line cannot be stored: the typed kind, the column at fault and the message for the quarantine table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineError {
    pub kind: RejectKind,
    pub column: Option<String>,
    pub message: String,
}

impl LineError {
    pub(crate) fn new(kind: RejectKind, message: impl Into<String>) -> Self {
        LineError {
            kind,
            column: None,
            message: message.into(),
        }
    }

    pub(crate) fn in_column(kind: RejectKind, column: &str, message: impl Into<String>) -> Self {
        LineError {
            kind,
            column: Some(column.to_string()),
            message: message.into(),
        }
    }
}

/// Splits a tab-separated line into its first `N` fields (the slots past the last field are empty) and how
/// many fields there were in total (which may exceed `N`, so callers can reject wrong column counts).
///
/// Fields are short (GDELT's average under seven bytes), so instead of a search call per field the line is read
/// sixteen bytes at a time (SSE2, part of every x86-64) or eight (elsewhere) and every tab of a block is found
/// from one bit mask. The slots are written once each, not cleared first: clearing 61 slots per line was 7 %
/// of GDELT parsing.
#[inline]
pub(crate) fn split_tabs<'a, const N: usize>(line: &'a str) -> ([&'a str; N], usize) {
    let mut out = [std::mem::MaybeUninit::<&'a str>::uninit(); N];
    let bytes = line.as_bytes();
    let mut count = 0;
    let mut start = 0;
    let mut cut = |end: usize| {
        if count < N {
            // SAFETY: `start <= end <= line.len()`, and each is 0, the line's length or next to a tab, which
            // is ASCII: both are char boundaries.
            out[count].write(unsafe { line.get_unchecked(start..end) });
        }
        count += 1;
        start = end + 1;
    };
    let mut base = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        while base + 16 <= bytes.len() {
            // SAFETY: SSE2 is in the x86-64 baseline; the unaligned 16-byte load lies within `bytes`.
            let mut tabs = unsafe {
                let block = _mm_loadu_si128(bytes.as_ptr().add(base) as *const __m128i);
                _mm_movemask_epi8(_mm_cmpeq_epi8(block, _mm_set1_epi8(b'\t' as i8))) as u32
            };
            while tabs != 0 {
                cut(base + tabs.trailing_zeros() as usize);
                tabs &= tabs - 1;
            }
            base += 16;
        }
    }
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TABS: u64 = 0x0909_0909_0909_0909;
    while base + 8 <= bytes.len() {
        let word: [u8; 8] = bytes[base..base + 8].try_into().expect("eight bytes");
        let x = u64::from_le_bytes(word) ^ TABS;
        // The high bit of each byte that was a tab (is now zero), with no false positives: adding 0x7f to the
        // low seven bits cannot carry into the next byte.
        let mut tabs = !(((x & LOW7) + LOW7) | x | LOW7);
        while tabs != 0 {
            cut(base + (tabs.trailing_zeros() / 8) as usize);
            tabs &= tabs - 1;
        }
        base += 8;
    }
    for (i, &b) in bytes[base..].iter().enumerate() {
        if b == b'\t' {
            cut(base + i);
        }
    }
    cut(bytes.len());
    for slot in out.iter_mut().skip(count) {
        slot.write("");
    }
    // SAFETY: the first `min(count, N)` slots were written by `cut`, the rest just above.
    let fields = unsafe { std::ptr::read(out.as_ptr() as *const [&'a str; N]) };
    (fields, count)
}

/// An empty field is a null.
#[inline]
pub(crate) fn opt_str(field: &str) -> Option<&str> {
    if field.is_empty() { None } else { Some(field) }
}

/// ICEWS (written by R's readr) marks nulls as `NA`.
#[inline]
pub(crate) fn opt_str_na(field: &str) -> Option<&str> {
    if field.is_empty() || field == "NA" {
        None
    } else {
        Some(field)
    }
}

/// An empty required column ("missing QuadClass").
pub(crate) fn missing(column: &str) -> LineError {
    LineError::in_column(
        RejectKind::MissingValue,
        column,
        format!("missing {column}"),
    )
}

fn bad(column: &str, value: &str, what: &str) -> LineError {
    let shown: String = value.chars().take(40).collect();
    LineError::in_column(
        RejectKind::BadValue,
        column,
        format!("bad {what} in column {column}: '{shown}'"),
    )
}

pub(crate) fn opt_i64(field: &str, column: &str) -> FieldResult<Option<i64>> {
    if field.is_empty() {
        return Ok(None);
    }
    field
        .parse()
        .map(Some)
        .map_err(|_| bad(column, field, "integer"))
}

pub(crate) fn req_i64(field: &str, column: &str) -> FieldResult<i64> {
    opt_i64(field, column)?.ok_or_else(|| {
        LineError::in_column(
            RejectKind::MissingValue,
            column,
            format!("missing value in column {column}"),
        )
    })
}

pub(crate) fn opt_i32(field: &str, column: &str) -> FieldResult<Option<i32>> {
    if field.is_empty() {
        return Ok(None);
    }
    field
        .parse()
        .map(Some)
        .map_err(|_| bad(column, field, "integer"))
}

pub(crate) fn opt_i8(field: &str, column: &str) -> FieldResult<Option<i8>> {
    if field.is_empty() {
        return Ok(None);
    }
    field
        .parse()
        .map(Some)
        .map_err(|_| bad(column, field, "integer"))
}

pub(crate) fn opt_f64(field: &str, column: &str) -> FieldResult<Option<f64>> {
    if field.is_empty() {
        return Ok(None);
    }
    if let Some(v) = plain_decimal(field.as_bytes()) {
        return Ok(Some(v));
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(bad(column, field, "number")),
    }
}

/// Exact powers of ten: every one up to 10^22 is a double without rounding.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number written as `[-]digits[.digits]` whose digits, read as one integer, stay below 2^53 (GDELT's
/// scores, tones and coordinates: `-4.91803278688525`, `35.6895`), or `None` for anything else.
///
/// Both the integer and the power of ten are then exact doubles, so one IEEE division rounds the quotient
/// correctly: the same double `str::parse` returns (Clinger's fast path), without its general machinery
/// (8 numbers a GDELT row; they were 4.6 % of ingest's CPU time).
#[inline]
fn plain_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut mantissa: u64 = 0;
    let mut fraction_digits = None;
    let mut count = 0;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                // Below 10^15 for the first 15 digits; checked from then on, so it never overflows.
                if count > 15 && mantissa >= 1 << 53 {
                    return None;
                }
            }
            b'.' if fraction_digits.is_none() && i > 0 => {
                fraction_digits = Some(digits.len() - i - 1)
            }
            _ => return None,
        }
    }
    let scale = fraction_digits.unwrap_or(0);
    if count == 0 || fraction_digits == Some(0) || scale >= POWERS_OF_TEN.len() {
        return None;
    }
    let value = mantissa as f64 / POWERS_OF_TEN[scale];
    Some(if negative { -value } else { value })
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days since 1970-01-01 of the year, month and day digit runs, if they form a real date.
fn civil(y: &str, m: &str, d: &str) -> Option<i32> {
    days_from_civil(digits(y)? as i32, digits(m)?, digits(d)?)
}

/// `YYYYMMDD` → days since 1970-01-01.
pub(crate) fn yyyymmdd(field: &str, column: &str) -> FieldResult<i32> {
    let date = if field.len() == 8 && field.is_ascii() {
        civil(&field[..4], &field[4..6], &field[6..8])
    } else {
        None
    };
    date.ok_or_else(|| bad(column, field, "date (want YYYYMMDD)"))
}

/// `YYYY-MM-DD` → days since 1970-01-01.
pub(crate) fn iso_date(field: &str, column: &str) -> FieldResult<i32> {
    let b = field.as_bytes();
    let shaped = b.len() == 10 && field.is_ascii() && b[4] == b'-' && b[7] == b'-';
    let date = if shaped {
        civil(&field[..4], &field[5..7], &field[8..10])
    } else {
        None
    };
    date.ok_or_else(|| bad(column, field, "date (want YYYY-MM-DD)"))
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// GDELT's DATEADDED: `YYYYMMDD` (1.0) or `YYYYMMDDHHMMSS` (2.0) → microseconds since the epoch, UTC.
pub(crate) fn date_added(field: &str, column: &str) -> FieldResult<Option<i64>> {
    if !field.is_ascii() {
        return Err(bad(
            column,
            field,
            "timestamp (want YYYYMMDD or YYYYMMDDHHMMSS)",
        ));
    }
    match field.len() {
        0 => Ok(None),
        8 => Ok(Some(yyyymmdd(field, column)? as i64 * MICROS_PER_DAY)),
        14 => {
            let days = yyyymmdd(&field[..8], column)? as i64;
            let (h, m, s) = (
                digits(&field[8..10]),
                digits(&field[10..12]),
                digits(&field[12..14]),
            );
            match (h, m, s) {
                (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 61 => Ok(Some(
                    days * MICROS_PER_DAY
                        + (h as i64 * 3600 + m as i64 * 60 + s as i64) * 1_000_000,
                )),
                _ => Err(bad(column, field, "timestamp (want YYYYMMDDHHMMSS)")),
            }
        }
        _ => Err(bad(
            column,
            field,
            "timestamp (want YYYYMMDD or YYYYMMDDHHMMSS)",
        )),
    }
}

/// GDELT's IsRootEvent: `0` or `1`.
pub(crate) fn opt_bool01(field: &str, column: &str) -> FieldResult<Option<bool>> {
    match field {
        "" => Ok(None),
        "0" => Ok(Some(false)),
        "1" => Ok(Some(true)),
        other => Err(bad(column, other, "flag (want 0 or 1)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(yyyymmdd("19700102", "d"), Ok(1));
        assert!(yyyymmdd("20190230", "d").is_err());
        assert!(yyyymmdd("2019023", "d").is_err());
        assert_eq!(iso_date("1970-01-02", "d"), Ok(1));
        assert!(iso_date("1970-13-02", "d").is_err());
        assert_eq!(date_added("19700101000001", "a"), Ok(Some(1_000_000)));
        assert_eq!(date_added("19700102", "a"), Ok(Some(MICROS_PER_DAY)));
        assert!(date_added("1970010200", "a").is_err());
        // Multi-byte characters where digits belong are rejected, never sliced through.
        assert!(yyyymmdd("2019é123", "d").is_err());
        assert!(iso_date("2019-é-123", "d").is_err());
        assert!(date_added("2019102414300é", "a").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(opt_f64("-2.5", "x"), Ok(Some(-2.5)));
        assert_eq!(opt_f64("", "x"), Ok(None));
        assert!(opt_f64("NaN", "x").is_err());
        let e = opt_i64("12a", "x").unwrap_err();
        assert!(e.message.contains("column x"), "{e:?}");
        assert_eq!(
            (e.kind, e.column.as_deref()),
            (RejectKind::BadValue, Some("x"))
        );
    }

    /// The fast path gives exactly the double `str::parse` gives, and leaves every other form to it.
    #[test]
    fn plain_decimals_parse_to_the_same_double_as_the_standard_library() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "1",
            "-1",
            "3.4",
            "-4.91803278688525",
            "35.6895",
            "-122.419",
            "10",
            "0.1",
            "0.3",
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "123456789012345678",
            "1.7976931348623157",
            "0.0000000000000000000001",
            "00012.5000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Pseudo-random decimals of every length and scale.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 18 + 1) as usize;
            let text = format!("{:018}", x % 1_000_000_000_000_000_000);
            let text = &text[18 - digits..];
            let point = (x >> 40) as usize % (digits + 1);
            let sign = if x & 1 == 0 { "" } else { "-" };
            cases.push(if point == 0 || point == digits {
                format!("{sign}{text}")
            } else {
                format!("{sign}{}.{}", &text[..point], &text[point..])
            });
        }
        for case in &cases {
            let expected: f64 = case.parse().unwrap();
            if let Some(v) = plain_decimal(case.as_bytes()) {
                assert_eq!(v.to_bits(), expected.to_bits(), "{case}");
            }
            assert_eq!(
                opt_f64(case, "x").unwrap().map(f64::to_bits),
                Some(expected.to_bits()),
                "{case}"
            );
        }
        for other in [
            "1e5", ".5", "5.", "-", "+1", "1.2.3", "nan", "inf", " 1", "1,5",
        ] {
            assert_eq!(plain_decimal(other.as_bytes()), None, "{other}");
        }
        // The fast path takes GDELT's usual forms.
        for usual in ["-4.91803278688525", "35.6895", "-10", "2.8"] {
            assert!(plain_decimal(usual.as_bytes()).is_some(), "{usual}");
        }
    }

    #[test]
    fn splitting_counts_all_fields() {
        let (f, n) = split_tabs::<3>("a\tb\tc\td");
        assert_eq!(n, 4);
        assert_eq!(f, ["a", "b", "c"]);
        let (f, n) = split_tabs::<3>("a");
        assert_eq!((f, n), (["a", "", ""], 1));
    }

    #[test]
    fn splitting_finds_every_tab_wherever_it_falls_in_a_word() {
        // Lines of every length around the 8- and 16-byte blocks, with tabs at every position, multi-byte text and
        // bytes whose low seven bits equal a tab's (0x89 is in "ĉ").
        let pieces = [
            "",
            "a",
            "\t",
            "ü",
            "ĉ",
            "\t\t",
            "abcdefg",
            "\u{2009}",
            "x\ty",
            "0123456789abcde",
        ];
        let mut lines = vec![String::new()];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    lines.push(format!("{a}{b}{c}"));
                    lines.push(format!("{a}1234567{b}{c}\t{a}"));
                }
            }
        }
        for line in &lines {
            let expected: Vec<&str> = line.split('\t').collect();
            let (f, n) = split_tabs::<32>(line);
            assert_eq!(n, expected.len(), "{line:?}");
            assert_eq!(&f[..n], &expected[..], "{line:?}");
        }
    }
}
