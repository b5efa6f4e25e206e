//! The column builders behind [`EventBatchBuilder`](crate::EventBatchBuilder): lean, inlined appends for the
//! 87 columns an event row fills.
//!
//! Why not Arrow's builders: a parser appends to every column of every row, and most columns of a source are
//! always null (GDELT never fills ICEWS's sectors, ICEWS never fills GDELT's geography codes). Arrow's builders
//! pay an offset and a validity bit for each of those nulls in a call the compiler does not inline; these
//! builders only count nulls until a column's first value arrives, so a column a source never fills costs one
//! increment per row, and finish as slices of one shared all-null array per type ([`shared_nulls`]).

use std::cell::RefCell;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{Array, ArrayRef, BooleanArray, PrimitiveArray, StringArray, new_null_array};
use arrow_buffer::{BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::DataType;

/// Validity bits, allocated at a column's first null after a value (or first value after nulls).
#[derive(Debug, Default)]
struct Validity {
    bits: Option<BooleanBufferBuilder>,
}

impl Validity {
    /// `len` rows so far, all of them `valid_so_far`; called once, when values start or nulls follow values.
    fn start(&mut self, len: usize, valid_so_far: bool, capacity: usize) {
        let mut bits = BooleanBufferBuilder::new(capacity.max(len + 1));
        bits.append_n(len, valid_so_far);
        self.bits = Some(bits);
    }

    /// Appends a null after `len` rows that were all valid or already tracked.
    #[inline(always)]
    fn push_null(&mut self, len: usize, capacity: usize) {
        match &mut self.bits {
            Some(bits) => bits.append(false),
            None => {
                self.start(len, true, capacity);
                if let Some(bits) = &mut self.bits {
                    bits.append(false);
                }
            }
        }
    }

    #[inline]
    fn push_valid(&mut self) {
        if let Some(bits) = &mut self.bits {
            bits.append(true);
        }
    }

    fn finish(&mut self) -> Option<NullBuffer> {
        self.bits
            .take()
            .map(|mut bits| NullBuffer::new(bits.finish()))
    }
}

/// A `Utf8` column.
#[derive(Debug)]
pub struct TextColumn {
    len: usize,
    /// Empty while every row so far is null.
    offsets: Vec<i32>,
    data: Vec<u8>,
    validity: Validity,
    capacity: usize,
}

impl TextColumn {
    pub fn with_capacity(rows: usize) -> Self {
        TextColumn {
            len: 0,
            offsets: Vec::new(),
            data: Vec::new(),
            validity: Validity::default(),
            capacity: rows,
        }
    }

    // Always inlined: `EventBatchBuilder::append` calls 87 of these per row, and a call each cost more than
    // the append itself (measured: 0.5 s of 4 s parsing 2 M GDELT rows).
    #[inline(always)]
    pub fn append_option(&mut self, value: Option<&str>) {
        match value {
            Some(text) => {
                if self.offsets.is_empty() {
                    self.start_values();
                } else {
                    self.validity.push_valid();
                }
                self.data.extend_from_slice(text.as_bytes());
                self.offsets.push(offset(self.data.len()));
            }
            None if self.offsets.is_empty() => {}
            None => self.push_null(),
        }
        self.len += 1;
    }

    #[cold]
    fn start_values(&mut self) {
        self.offsets.reserve(self.capacity.max(self.len) + 1);
        self.offsets.resize(self.len + 1, 0);
        self.data.reserve(self.capacity * 16);
        if self.len > 0 {
            self.validity.start(self.len, false, self.capacity);
            self.validity.push_valid();
        }
    }

    #[inline(always)]
    fn push_null(&mut self) {
        self.offsets.push(offset(self.data.len()));
        self.validity.push_null(self.len, self.capacity);
    }

    /// The column so far; the builder starts again empty.
    pub fn finish(&mut self) -> ArrayRef {
        let len = std::mem::take(&mut self.len);
        if self.offsets.is_empty() {
            return shared_nulls(&DataType::Utf8, len);
        }
        if len < self.capacity / 2 {
            // A batch far smaller than reserved (a chunk's few rows of an older month) would keep the whole
            // reservation alive while it waits for its row group.
            self.offsets.shrink_to_fit();
            self.data.shrink_to_fit();
        }
        // SAFETY: the offsets start at 0 and each is the data's length after a value, so they never decrease;
        // `OffsetBuffer::new` would check that with a pass over every row (1.6 % of ingest's CPU time).
        let offsets = unsafe {
            OffsetBuffer::new_unchecked(ScalarBuffer::from(std::mem::take(&mut self.offsets)))
        };
        let data = Buffer::from_vec(std::mem::take(&mut self.data));
        let nulls = self.validity.finish();
        // SAFETY: `data` is the concatenation of the `&str`s appended, and `offsets` (non-decreasing, from 0 to
        // `data.len()`, one more than the rows) ends each of them, so every value is valid UTF-8 on character
        // boundaries; `nulls`, when present, has one bit per row. `try_new` would check all this again, a
        // pass over every byte (1.4 % of ingest's CPU time).
        debug_assert!(StringArray::try_new(offsets.clone(), data.clone(), nulls.clone()).is_ok());
        Arc::new(unsafe { StringArray::new_unchecked(offsets, data, nulls) })
    }
}

/// Offsets are `i32` in a `Utf8` array: a batch holds at most 2 GiB of one column's text, which the ingest's
/// chunks (a few MiB) never approach.
#[inline]
fn offset(len: usize) -> i32 {
    i32::try_from(len).expect("a batch holds under 2 GiB of text per column")
}

/// A column of fixed-width values (integers, floats, dates, time stamps).
#[derive(Debug)]
pub struct ValueColumn<T: ArrowPrimitiveType> {
    len: usize,
    /// Empty while every row so far is null.
    values: Vec<T::Native>,
    validity: Validity,
    capacity: usize,
}

impl<T: ArrowPrimitiveType> ValueColumn<T> {
    pub fn with_capacity(rows: usize) -> Self {
        ValueColumn {
            len: 0,
            values: Vec::new(),
            validity: Validity::default(),
            capacity: rows,
        }
    }

    #[inline(always)]
    pub fn append_option(&mut self, value: Option<T::Native>) {
        match value {
            Some(v) => {
                if self.values.is_empty() && self.len > 0 {
                    self.start_values();
                } else if self.values.is_empty() {
                    self.values.reserve(self.capacity);
                } else {
                    self.validity.push_valid();
                }
                self.values.push(v);
            }
            None if self.values.is_empty() => {}
            None => {
                self.values.push(T::Native::default());
                self.validity.push_null(self.len, self.capacity);
            }
        }
        self.len += 1;
    }

    #[cold]
    fn start_values(&mut self) {
        self.values.reserve(self.capacity.max(self.len + 1));
        self.values.resize(self.len, T::Native::default());
        self.validity.start(self.len, false, self.capacity);
        self.validity.push_valid();
    }

    /// The column so far; the builder starts again empty.
    pub fn finish(&mut self) -> PrimitiveArray<T> {
        let len = std::mem::take(&mut self.len);
        if self.values.is_empty() {
            return shared_nulls(&T::DATA_TYPE, len).as_primitive::<T>().clone();
        }
        if len < self.capacity / 2 {
            self.values.shrink_to_fit(); // as for text: no idle reservation in a small batch
        }
        let values = ScalarBuffer::from(std::mem::take(&mut self.values));
        PrimitiveArray::new(values, self.validity.finish())
    }
}

/// An all-null array of `len` rows: a slice of one array per type kept by this thread, so the columns a
/// source never fills (18 text and 5 number columns of every GDELT chunk) cost no zeroed offsets or values —
/// those were 100 bytes of fresh memory a row, about 2 % of an ingest's time in page faults and `memset`.
pub(crate) fn shared_nulls(data_type: &DataType, len: usize) -> ArrayRef {
    // Parse chunks hold ~10 k rows; a far bigger batch (a test's, the coder's) gets its own array rather than
    // leaving a large one cached for the life of its thread.
    const MOST_ROWS_SHARED: usize = 1 << 20;
    if len > MOST_ROWS_SHARED {
        return new_null_array(data_type, len);
    }
    thread_local! {
        static NULLS: RefCell<Vec<ArrayRef>> = const { RefCell::new(Vec::new()) };
    }
    NULLS.with(|nulls| {
        let mut nulls = nulls.borrow_mut();
        let cached = nulls
            .iter()
            .position(|array| array.data_type() == data_type);
        if let Some(at) = cached {
            if nulls[at].len() >= len {
                return nulls[at].slice(0, len);
            }
            nulls.swap_remove(at);
        }
        // Grown in powers of two: a thread's chunks are of similar sizes, so this settles after a few chunks.
        let shared = new_null_array(data_type, len.next_power_of_two().max(1024));
        let slice = shared.slice(0, len);
        nulls.push(shared);
        slice
    })
}

/// A `Boolean` column.
#[derive(Debug)]
pub struct FlagColumn {
    values: BooleanBufferBuilder,
    validity: Vec<bool>,
    nulls: usize,
}

impl FlagColumn {
    pub fn with_capacity(rows: usize) -> Self {
        FlagColumn {
            values: BooleanBufferBuilder::new(rows),
            validity: Vec::with_capacity(rows),
            nulls: 0,
        }
    }

    #[inline]
    pub fn append_option(&mut self, value: Option<bool>) {
        self.values.append(value.unwrap_or(false));
        self.validity.push(value.is_some());
        self.nulls += usize::from(value.is_none());
    }

    /// The column so far; the builder starts again empty.
    pub fn finish(&mut self) -> ArrayRef {
        let values = self.values.finish();
        let validity = std::mem::take(&mut self.validity);
        let nulls = std::mem::take(&mut self.nulls);
        let nulls = (nulls > 0).then(|| NullBuffer::from(validity));
        Arc::new(BooleanArray::new(values, nulls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::{Int32Type, TimestampMicrosecondType};
    use arrow_array::{Array, Int32Array};

    #[test]
    fn text_columns_match_arrows_builder_in_every_order_of_nulls_and_values() {
        let cases: Vec<Vec<Option<&str>>> = vec![
            vec![],
            vec![None, None, None],
            vec![Some("a"), Some(""), Some("ccc")],
            vec![None, None, Some("x"), None, Some("yz")],
            vec![Some("x"), None, None, Some("ü")],
        ];
        for case in cases {
            let mut lean = TextColumn::with_capacity(2);
            for v in &case {
                lean.append_option(*v);
            }
            let expected = StringArray::from(case.clone());
            let got = lean.finish();
            let got = got.as_any().downcast_ref::<StringArray>().unwrap();
            assert_eq!(got, &expected, "{case:?}");
            assert_eq!(got.null_count(), expected.null_count(), "{case:?}");
            // The builder is empty again and reusable.
            lean.append_option(Some("again"));
            assert_eq!(lean.finish().len(), 1);
        }
    }

    #[test]
    fn columns_never_filled_are_all_null_at_every_length_and_type() {
        // Lengths that shrink and grow past the shared array, so slices and a regrown array are both seen.
        for len in [3, 1, 5000, 2, 70_000, 0, (1 << 20) + 1] {
            let mut text = TextColumn::with_capacity(4);
            let mut number = ValueColumn::<Int32Type>::with_capacity(4);
            let mut stamp = ValueColumn::<TimestampMicrosecondType>::with_capacity(4);
            for _ in 0..len {
                text.append_option(None);
                number.append_option(None);
                stamp.append_option(None);
            }
            let text = text.finish();
            assert_eq!(text.data_type(), &DataType::Utf8);
            assert_eq!((text.len(), text.null_count()), (len, len));
            assert_eq!(
                text.as_any().downcast_ref::<StringArray>().unwrap(),
                &StringArray::new_null(len)
            );
            let number = number.finish();
            assert_eq!((number.len(), number.null_count()), (len, len));
            assert_eq!(number, Int32Array::new_null(len));
            let stamp = stamp.finish();
            assert_eq!((stamp.len(), stamp.null_count()), (len, len));
        }
    }

    #[test]
    fn value_and_flag_columns_match_arrows_arrays() {
        let cases: Vec<Vec<Option<i32>>> = vec![
            vec![],
            vec![None, None],
            vec![Some(1), Some(2)],
            vec![None, Some(3), None, Some(4)],
            vec![Some(5), None, None],
        ];
        for case in cases {
            let mut lean = ValueColumn::<Int32Type>::with_capacity(1);
            for v in &case {
                lean.append_option(*v);
            }
            let got = lean.finish();
            assert_eq!(got, Int32Array::from(case.clone()), "{case:?}");
            assert_eq!(
                got.null_count(),
                case.iter().filter(|v| v.is_none()).count()
            );
        }
        let mut stamps = ValueColumn::<TimestampMicrosecondType>::with_capacity(1);
        stamps.append_option(None);
        stamps.append_option(Some(7));
        assert_eq!(stamps.finish().values().to_vec(), vec![0, 7]);

        let flags = [Some(true), None, Some(false)];
        let mut lean = FlagColumn::with_capacity(1);
        for f in flags {
            lean.append_option(f);
        }
        let got = lean.finish();
        assert_eq!(
            got.as_any().downcast_ref::<BooleanArray>().unwrap(),
            &BooleanArray::from(flags.to_vec())
        );
    }
}
