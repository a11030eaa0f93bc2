//! Any pattern: compiling, linting and formatting must not panic, and what a pattern formats
//! it must parse back without panicking.
#![no_main]

use elements_poller::datefmt::{self, DateFormat};
use elements_poller::zone::Zone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let ms = i64::from_le_bytes(data[..8].try_into().unwrap());
    let Ok(pattern) = std::str::from_utf8(&data[8..]) else { return };
    let _ = datefmt::lint(pattern, Some("America/New_York"));
    if let Ok(f) = DateFormat::compile(pattern) {
        for zone in [Zone::UTC, Zone::parse("Australia/Lord_Howe").unwrap(), Zone::Fixed(-13 * 3600)] {
            let text = f.format(ms, &zone);
            let _ = f.parse(&text, &zone);
        }
    }
});
