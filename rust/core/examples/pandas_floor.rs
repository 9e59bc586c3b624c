//! The floor of a kernel that keeps pandas' bits: pandas' own dependency chains
//! (`pandas/_libs/window/aggregations.pyx`: `add_mean`/`remove_mean`, the steady `ewm`
//! step, `add_var`/`remove_var`) run bare, with no NaN handling or other checks, on 1M
//! values. A `convention="pandas"` kernel must repeat these chains to equal pandas within
//! 1e-12 on every input, so it cannot run faster than this; compare with TA-Lib's time
//! for the same indicator (`barsmith bench --indicators 1e6`).
//! (cargo run --release --example pandas_floor)
use std::hint::black_box;
use std::time::Instant;

fn roll_mean_kahan(x: &[f64], n: usize, out: &mut [f64]) {
    // add_mean / remove_mean: Kahan sums with separate compensations, the leaving value first
    let (mut sum, mut c_add, mut c_rem) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..x.len() {
        if i >= n {
            let y = -x[i - n] - c_rem;
            let t = sum + y;
            c_rem = t - sum - y;
            sum = t;
        }
        let y = x[i] - c_add;
        let t = sum + y;
        c_add = t - sum - y;
        sum = t;
        out[i] = sum / n as f64;
    }
}

fn ewm_unfused(x: &[f64], alpha: f64, out: &mut [f64]) {
    // ewm(adjust=False) steady step: (old_wt * w + new_wt * cur) / 1.0, the division skipped
    let (keep, take) = (1.0 - alpha, alpha);
    let mut w = x[0];
    for i in 0..x.len() {
        w = keep * w + take * x[i];
        out[i] = w;
    }
}

fn roll_var_welford(x: &[f64], n: usize, out: &mut [f64]) {
    // add_var / remove_var: Welford with Kahan on the mean, a division by nobs on the chain
    let (mut nobs, mut mean, mut ssqdm, mut c_add, mut c_rem) =
        (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in 0..x.len() {
        if i >= n {
            let val = x[i - n];
            nobs -= 1.0;
            let prev_mean = mean - c_rem;
            let y = val - c_rem;
            let t = y - mean;
            c_rem = t + mean - y;
            let delta = t;
            mean -= delta / nobs;
            ssqdm -= (val - prev_mean) * (val - mean);
        }
        let val = x[i];
        nobs += 1.0;
        let prev_mean = mean - c_add;
        let y = val - c_add;
        let t = y - mean;
        c_add = t + mean - y;
        let delta = t;
        mean += delta / nobs;
        ssqdm += (val - prev_mean) * (val - mean);
        out[i] = (ssqdm / nobs).sqrt();
    }
}

fn main() {
    let n = 1_000_000;
    let mut s = 1u64;
    let x: Vec<f64> = (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            100.0 + (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let mut out = vec![0.0; n];
    for (name, f) in [
        (
            "pandas roll_mean (sma 30), Kahan add+remove",
            Box::new(|x: &[f64], o: &mut [f64]| roll_mean_kahan(x, 30, o))
                as Box<dyn Fn(&[f64], &mut [f64])>,
        ),
        (
            "pandas ewm step (ema 30 / atr 14), mul+add",
            Box::new(|x: &[f64], o: &mut [f64]| ewm_unfused(x, 2.0 / 31.0, o)),
        ),
        (
            "pandas roll_var (bbands 20), Welford add+remove",
            Box::new(|x: &[f64], o: &mut [f64]| roll_var_welford(x, 20, o)),
        ),
    ] {
        let mut best = f64::MAX;
        for _ in 0..40 {
            let t = Instant::now();
            f(black_box(&x), &mut out);
            black_box(&out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name}: {:.2} ms per 1M", best * 1e3);
    }
}
