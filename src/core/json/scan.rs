//! The byte scans of the JSON parser: where a string's run of plain characters ends, and passing
//! over strings and text known to be valid, eight bytes a step (sixteen natively with SSE2).

use super::{Error, Parser};

impl Parser<'_> {
    /// Passes over the array or object at `pos` (inside `outer` containers) of text known to be
    /// valid JSON, looking only at quotes, backslashes and brackets (outside strings: brackets
    /// count the depth, checked at each opening one as `array` and `object` check it; inside:
    /// an escape's character is passed over and the closing quote ends the string).
    pub(super) fn skip_valid(&mut self, outer: usize) -> Result<(), Error> {
        let mut depth = outer;
        let mut in_string = false;
        // Natively: sixteen bytes at a time. A block with quotes only (no bracket, no backslash,
        // nothing taken already: most blocks of an object of short strings) only flips
        // `in_string` once per quote; any other block is taken byte of interest by byte of
        // interest from its mask.
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            let b = self.s.as_bytes();
            let mut next = self.pos; // the first byte not yet taken
            let mut block = self.pos;
            while let Some(bytes) = b.get(block..block + 16) {
                let [quote, other] = block_masks(bytes);
                if other == 0 && next <= block {
                    in_string ^= quote.count_ones() % 2 == 1;
                    block += 16;
                    continue;
                }
                let mut mask = quote | other;
                while mask != 0 {
                    let at = block + mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    if at < next {
                        continue; // an escaped character
                    }
                    next = at + 1;
                    match (in_string, b[at]) {
                        (true, b'\\') => next = at + 2,
                        (_, b'"') => in_string = !in_string,
                        (false, b'[' | b'{') => {
                            depth += 1;
                            self.pos = at;
                            self.enter(depth)?;
                        }
                        (false, b']' | b'}') => {
                            depth -= 1;
                            if depth == outer {
                                self.pos = at + 1;
                                return Ok(());
                            }
                        }
                        _ => {}
                    }
                }
                block += 16;
            }
            self.pos = next.max(block);
        }
        // The rest (everywhere else: all of it), byte by byte.
        while let Some(c) = self.peek() {
            match (in_string, c) {
                (true, b'\\') => self.pos += 1,
                (_, b'"') => in_string = !in_string,
                (false, b'[' | b'{') => {
                    depth += 1;
                    self.enter(depth)?;
                }
                (false, b']' | b'}') => {
                    depth -= 1;
                    if depth == outer {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        self.pos = self.s.len();
        Err(self.error(""))
    }

    /// Checks a string starting at its opening quote without keeping it: the same errors as
    /// [`Parser::string`].
    pub(super) fn skip_string(&mut self) -> Result<(), Error> {
        self.pos += 1; // '"'
        loop {
            match self.next_special()? {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.escape()?;
                }
                _ => return Err(self.error("control character in string")),
            }
        }
    }

    /// Moves to the next byte of a string that needs attention (`"`, `\\` or a control
    /// character) and returns it; at the end of the input, the error of a string never closed.
    pub(super) fn next_special(&mut self) -> Result<u8, Error> {
        let rest = self.s.as_bytes().get(self.pos..).unwrap_or(&[]);
        match special(rest).and_then(|n| Some((n, *rest.get(n)?))) {
            Some((n, c)) => {
                self.pos += n;
                Ok(c)
            }
            None => {
                self.pos = self.s.len();
                Err(self.error(""))
            }
        }
    }
}

/// The index of the first byte of `b` that ends a run of plain string characters: `"`, `\\` or a
/// control character (< 0x20). Eight bytes per step (the "has zero byte" bit trick on a u64: in
/// each test the lowest flagged byte is always a true match, since a false flag can only come from
/// a borrow out of a true match below it), then byte by byte for the last few; natively on x86-64,
/// sixteen bytes per step with SSE2 first. Strings are most of the bytes of an input; the word
/// steps take about seven times fewer instructions than a byte loop, SSE2 about three times fewer
/// again. The wasm build takes the word steps too (its bytes are read one by one into the word:
/// `copy_from_slice` there is a call to memcpy per word).
fn special(b: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    let (b, at) = {
        // Natively (x86-64 always has SSE2): sixteen bytes per step, the same three tests.
        use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
        let mut blocks = b.chunks_exact(16);
        let mut at = 0;
        for block in blocks.by_ref() {
            // SAFETY: `block` is 16 readable bytes and the load has no alignment requirement; SSE2
            // is present on every x86-64 (this code is compiled only where it is enabled).
            let mask = unsafe {
                let x = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
                let control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
                let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
            };
            if mask != 0 {
                return Some(at + mask.trailing_zeros() as usize);
            }
            at += 16;
        }
        (blocks.remainder(), at)
    };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    let at = 0;
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut words = b.chunks_exact(8);
    let mut at = at;
    for w in words.by_ref() {
        let &[b0, b1, b2, b3, b4, b5, b6, b7] = w else { break };
        let x = u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]);
        let (quote, backslash) = (x ^ (ONES * u64::from(b'"')), x ^ (ONES * u64::from(b'\\')));
        let hits = (quote.wrapping_sub(ONES) & !quote | backslash.wrapping_sub(ONES) & !backslash | x.wrapping_sub(ONES * 0x20) & !x) & HIGH;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|n| at + n)
}

/// Two bits per byte of a 16-byte block (`skip_valid`): its quotes, and its backslashes and
/// brackets (`[` `\\` `]` and `{` `|` `}` differ only in bit 0x20; `|` is not taken).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn block_masks(block: &[u8]) -> [u32; 2] {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    if block.len() < 16 {
        return [0; 2];
    }
    // SAFETY: `block` has 16 readable bytes; the load has no alignment requirement; SSE2 is
    // present on every x86-64 (this is compiled only where it is enabled).
    unsafe {
        let x = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
        let open = _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'{' as i8));
        let close = _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'}' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        [_mm_movemask_epi8(quote) as u32, _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(open, close), backslash)) as u32]
    }
}

#[cfg(test)]
mod tests {
    use super::special as string_stop;

    fn naive(b: &[u8]) -> Option<usize> {
        b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)
    }

    #[test]
    fn agrees_with_a_byte_by_byte_scan() {
        // Every byte value at every offset of a 19-byte run of plain bytes (so both the 8-byte
        // steps and the tail are covered), and pairs of stops (a borrow from the first must not
        // move the answer), over a background of ordinary and high bytes.
        for background in [b'a', 0x7f, 0x80, 0xff, 0x21, 0x5d, 0x23] {
            for len in 0..20 {
                for at in 0..len {
                    for v in 0..=255u8 {
                        let mut b = vec![background; len];
                        b[at] = v;
                        assert_eq!(string_stop(&b), naive(&b), "{background:#x} len {len} at {at} value {v:#x}");
                        if at + 1 < len {
                            b[at + 1] = b'"';
                            assert_eq!(string_stop(&b), naive(&b));
                        }
                    }
                }
            }
        }
    }
}
