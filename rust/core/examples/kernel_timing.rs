//! Quick timing of scan_trades and time_bars on 10M synthetic trades (cargo run --release --example kernel_timing).
use std::time::Instant;
fn main() {
    let n = 10_000_000usize;
    let ts: Vec<i64> = (0..n as i64).map(|i| i * 2_000_000).collect();
    let price: Vec<f64> = (0..n)
        .map(|i| 5000.0 + ((i * 7919) % 13) as f64 * 0.25)
        .collect();
    let size: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64).collect();
    let side: Vec<i8> = (0..n).map(|i| ((i % 3) as i8) - 1).collect();
    for _ in 0..3 {
        let t = Instant::now();
        let r = barsmith_core::bars::scan_trades(&ts, &price, &size, &side);
        println!("scan {:?} {:?}", t.elapsed(), r);
        let t = Instant::now();
        let b = barsmith_core::bars::time_bars(&ts, &price, &size, &side, 5_000_000_000, 0);
        println!("time_bars {:?} {}", t.elapsed(), b.len());
    }
}
