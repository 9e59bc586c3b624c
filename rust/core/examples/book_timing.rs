//! Timing of mbp10_bars on a generated 1.9M-event day, without Python
//! (cargo run --release --example book_timing [n_events]).
use barsmith_core::book::{mbp10_bars, Events};
use barsmith_core::synth::{mbp10, Mbp10Spec};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_900_000);
    let c = mbp10(&Mbp10Spec {
        n_events: n,
        seed: 1,
        ..Default::default()
    });
    let e = Events::of_columns(&c);
    let edges = [0.0, 1.0, 2.0, 3.0, 5.0, 10.0];
    let origin = c.ts_event[0] - c.ts_event[0].rem_euclid(86_400_000_000_000);
    for _ in 0..3 {
        let t = Instant::now();
        let mut acc = 0u64;
        for k in 0..10 {
            acc ^= e.bid_px[k].iter().fold(0u64, |a, x| a ^ x.to_bits())
                ^ e.ask_px[k].iter().fold(0u64, |a, x| a ^ x.to_bits());
            acc ^= e.bid_sz[k].iter().fold(0u32, |a, &x| a ^ x) as u64
                ^ e.ask_sz[k].iter().fold(0u32, |a, &x| a ^ x) as u64;
        }
        // the memory floor: every level column read once, vectorised
        println!(
            "read every level column once: {:.1} ms ({acc})",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    for _ in 0..5 {
        let t = Instant::now();
        let out = mbp10_bars(&e, &edges, 5_000_000_000, origin, 0);
        let dt = t.elapsed().as_secs_f64();
        println!(
            "{} events -> {} bars: {:.1} ms, {:.1} M events/s",
            c.len(),
            out.start.len(),
            dt * 1e3,
            c.len() as f64 / dt / 1e6
        );
    }
}
