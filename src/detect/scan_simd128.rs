//! The scanner's string searches in wasm, 16 bytes at a time with `simd128`.
//!
//! A file of its own because only a wasm32 build compiles it: the native mutation run
//! (`.cargo/mutants.toml`) leaves it out, and `npm run mutants -- --wasm` runs its mutants
//! with the wasm tests (`tests/wasm.rs`), where every change to it must show.

use core::arch::wasm32::*;

/// The index of the first `"`, `\` or control byte at or after `i` (or `b.len()`), and
/// whether it is the `"`: told by the compare that found it, since reading the byte back
/// would wait on a load. 16 bytes per step while 16 remain, then byte by byte.
#[inline(always)]
pub fn find(b: &[u8], mut i: usize) -> (usize, bool) {
    let (quote, backslash, low) = (u8x16_splat(b'"'), u8x16_splat(b'\\'), u8x16_splat(0x1f));
    while i + 16 <= b.len() {
        // SAFETY: `i + 16 <= b.len()`, and v128_load accepts unaligned addresses.
        let v = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
        let q = u8x16_eq(v, quote);
        // `v < 0x20` as `min(v, 0x1f) == v`: two instructions where engines lower an
        // unsigned less-than to four.
        let hit = v128_or(v128_or(q, u8x16_eq(v, backslash)), u8x16_eq(u8x16_min(v, low), v));
        let mask = u8x16_bitmask(hit);
        if mask != 0 {
            return (i + mask.trailing_zeros() as usize, mask & mask.wrapping_neg() & u8x16_bitmask(q) != 0);
        }
        i += 16;
    }
    super::tail(b, i, super::is_special)
}

/// Like `find`, also stopping at non-ASCII bytes.
#[inline(always)]
pub fn find_read(b: &[u8], mut i: usize) -> (usize, bool) {
    let (quote, backslash, space) = (u8x16_splat(b'"'), u8x16_splat(b'\\'), i8x16_splat(0x20));
    while i + 16 <= b.len() {
        // SAFETY: `i + 16 <= b.len()`, and v128_load accepts unaligned addresses.
        let v = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
        let q = u8x16_eq(v, quote);
        // Signed, bytes from 0x80 are negative: one compare finds control and non-ASCII.
        let hit = v128_or(v128_or(q, u8x16_eq(v, backslash)), i8x16_lt(v, space));
        let mask = u8x16_bitmask(hit);
        if mask != 0 {
            return (i + mask.trailing_zeros() as usize, mask & mask.wrapping_neg() & u8x16_bitmask(q) != 0);
        }
        i += 16;
    }
    super::tail(b, i, super::stops_read)
}
