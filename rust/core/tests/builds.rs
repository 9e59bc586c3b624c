//! The AVX2 builds picked at run time (`multiversion!`, `translate`) give the
//! portable build's results bit for bit: wheels target baseline x86-64, so on
//! most machines users run the other build from the one CI's CPU picks.
use barsmith_core::book::{mbp10_bars, Events};
use barsmith_core::synth::{mbp10, Mbp10Spec};
use barsmith_core::{bars, codes, force_portable};

fn both_builds<R>(f: impl Fn() -> R) -> (R, R) {
    force_portable(false);
    let fast = f();
    force_portable(true);
    let portable = f();
    force_portable(false);
    (fast, portable)
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter()
        .map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() })
        .collect()
}

// One test: the switch is process-wide, and tests run side by side.
#[test]
fn every_run_time_build_equals_the_portable_one() {
    let c = mbp10(&Mbp10Spec {
        n_events: 300_000,
        seed: 5,
        p_crossed: 0.01,
        p_seq_gap: 0.01,
        p_bad_book: 0.01,
        ..Default::default()
    });
    let e = Events::of_columns(&c);
    let edges = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0];
    let origin = c.ts_event[0] - c.ts_event[0].rem_euclid(86_400_000_000_000);
    for (interval, warmup) in [(5_000_000_000, 0), (1_000_000, 7)] {
        let (fast, portable) = both_builds(|| mbp10_bars(&e, &edges, interval, origin, warmup));
        assert!(!fast.start.is_empty());
        assert_eq!(fast.start, portable.start);
        assert_eq!(fast.bad_rows, portable.bad_rows);
        assert_eq!(
            bits(&fast.features),
            bits(&portable.features),
            "interval {interval}"
        );
    }

    let table: [u8; 256] = std::array::from_fn(|b| (b as u8).wrapping_mul(31) ^ 0x5A);
    let codes_in: Vec<u8> = (0..100_003u32)
        .map(|i| if i % 997 == 0 { 250 } else { (i % 13) as u8 })
        .collect();
    let (fast, portable) = both_builds(|| codes::translate(&codes_in, &table));
    assert_eq!(fast, portable);

    let n = c.ts_event.len();
    let mut price = c.price.clone();
    price[n / 2] = f64::NAN;
    let size: Vec<f64> = c.size.iter().map(|&s| s as f64).collect();
    let side = vec![1i8; n];
    let (fast, portable) = both_builds(|| bars::scan_trades(&c.ts_event, &price, &size, &side));
    assert_eq!(fast, portable);
    assert!(fast[1] >= 0, "the NaN price is found");
}
