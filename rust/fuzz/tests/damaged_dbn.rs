//! Damaged and hostile DBN files are refused with a read error, never a panic: the real
//! sample files truncated at every offset of their first bytes, with bits flipped, and
//! with their length and version fields set to extremes, uncompressed and zstd.

use std::path::PathBuf;

use barsmith_core::dbn_io::read_mbp10;

fn samples() -> Vec<Vec<u8>> {
    barsmith_fuzz::mbp10_samples()
        .into_iter()
        .map(|(_, raw)| raw)
        .collect()
}

/// A file name of this test thread's own (the tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    std::env::temp_dir().join(format!(
        "barsmith-damaged-{}-{thread}-{name}",
        std::process::id()
    ))
}

/// Reads `bytes` as a file, uncompressed and (if `zstd`) compressed: Ok or Err, never a panic.
fn read(bytes: &[u8], zstd: bool) -> Vec<Result<usize, String>> {
    let mut results = Vec::new();
    let path = scratch("case.dbn");
    std::fs::write(&path, bytes).unwrap();
    results.push(read_mbp10(&path).map(|c| c.len()).map_err(|e| e.message));
    if zstd {
        let path = scratch("case.dbn.zst");
        std::fs::write(&path, zstd::encode_all(bytes, 1).unwrap()).unwrap();
        results.push(read_mbp10(&path).map(|c| c.len()).map_err(|e| e.message));
    }
    results
}

#[test]
fn the_magic_then_junk_is_refused_for_its_metadata_length() {
    let mut bytes = b"DBN\x03".to_vec();
    bytes.extend((0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let err = read(&bytes, false).remove(0).unwrap_err();
    assert!(
        err.contains("metadata length") && err.contains("exceeds the file size"),
        "{err}"
    );
}

#[test]
fn truncated_at_every_offset_of_the_first_bytes() {
    for raw in samples() {
        let first_record = 8 + u32::from_le_bytes(raw[4..8].try_into().unwrap()) as usize;
        for end in 0..raw.len().min(1_500) {
            // a cut between records leaves a shorter valid file; any other is an error
            let whole = (end >= first_record && (end - first_record).is_multiple_of(RECORD))
                .then(|| (end - first_record) / RECORD);
            for r in read(&raw[..end], end % 97 == 0) {
                match (whole, r) {
                    (Some(n), Ok(got)) => assert_eq!(got, n, "cut at {end}"),
                    (None, Err(_)) => {}
                    (w, r) => panic!("cut at {end}: expected {w:?} records, got {r:?}"),
                }
            }
        }
    }
}

/// Bytes of one MBP-10 record.
const RECORD: usize = 368;

#[test]
fn single_bits_flipped_anywhere_in_the_first_bytes() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for raw in samples() {
        for case in 0..1_500 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = raw.clone();
            let at = (state as usize) % bytes.len().min(2_048);
            bytes[at] ^= 1 << ((state >> 32) % 8);
            let _ = read(&bytes, case % 50 == 0); // any outcome but a panic
        }
    }
}

#[test]
fn length_and_version_fields_at_their_extremes() {
    for raw in samples() {
        let meta_len = u32::from_le_bytes(raw[4..8].try_into().unwrap()) as usize;
        let first_record = 8 + meta_len;
        for version in [0u8, 1, 2, 3, 4, 255] {
            let mut bytes = raw.clone();
            bytes[3] = version;
            let _ = read(&bytes, true);
        }
        let size = raw.len() as u32;
        for length in [
            0u32,
            1,
            7,
            8,
            99,
            size - 9,
            size - 8,
            size - 7,
            size,
            u32::MAX / 2,
            u32::MAX,
        ] {
            let mut bytes = raw.clone();
            bytes[4..8].copy_from_slice(&length.to_le_bytes());
            let _ = read(&bytes, true);
        }
        if first_record < raw.len() {
            for record_length in [0u8, 1, 2, 16, 91, 255] {
                let mut bytes = raw.clone();
                bytes[first_record] = record_length; // a record's length, in 4-byte words
                let _ = read(&bytes, true);
            }
        }
    }
}

/// A file of another schema (trades, MBO, OHLCV) is refused naming the schema it holds.
#[test]
fn a_file_of_another_schema_names_the_schema_it_holds() {
    for (schema, bytes) in barsmith_fuzz::other_schema_files() {
        for r in read(&bytes, true) {
            let err = r.unwrap_err();
            assert!(err.contains(schema) && err.contains("not MBP-10"), "{err}");
        }
    }
}

/// The `dbn` crate's own panic, found by the fuzzer (`BARSMITH_FUZZ_DECODER_PANICS=fail`;
/// 451 bytes after `cargo fuzz tmin`): a DBN v2 record that says it is an instrument
/// definition (rtype 0x13) but is 96 bytes long panics in the crate's v2-to-v3 upgrade
/// ("Malformed `InstrumentDefMsgV2` record"). The reader refuses the file instead.
#[test]
fn a_v2_record_posing_as_an_instrument_definition_is_refused() {
    let Some((_, mut bytes)) = barsmith_fuzz::mbp10_samples()
        .into_iter()
        .find(|(_, raw)| raw[3] == 2)
    else {
        return; // the DBN v2 sample is not on this machine
    };
    let first_record = 8 + u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    bytes[first_record] = 96 / 4; // the record's length, in 4-byte words
    bytes[first_record + 1] = 0x13; // rtype: instrument definition
    bytes.truncate(first_record + 96);
    for r in read(&bytes, true) {
        let err = r.unwrap_err();
        assert!(
            err.contains("damaged record") && err.contains("InstrumentDef"),
            "{err}"
        );
    }
}
