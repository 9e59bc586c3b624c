//! Order flow: trade classification and cumulative volume delta.
//!
//! Read beside `python/barsmith/_pandas/orderflow.py` (the oracle) and
//! `python/barsmith/_numba/orderflow.py`.

/// Aggressor sign per trade: +1 buy, -1 sell, 0 unknown.
///
/// With an empty `mid`, the tick rule: +1 on an uptick, -1 on a downtick, the
/// previous sign on an unchanged price, 0 until the first price change.
/// With `mid` (the prevailing quote midpoint per trade; NaN where no quote is
/// known yet), Lee-Ready: +1 above the mid, -1 below, the tick rule at the mid
/// or where the mid is NaN.
pub fn trade_signs(price: &[f64], mid: &[f64]) -> Vec<i8> {
    let mut out = Vec::with_capacity(price.len());
    let mut tick: i8 = 0;
    for i in 0..price.len() {
        let p = price[i];
        if i > 0 {
            let prev = price[i - 1];
            if p > prev {
                tick = 1;
            } else if p < prev {
                tick = -1;
            }
        }
        let sign = if mid.is_empty() {
            tick
        } else if p > mid[i] {
            1
        } else if p < mid[i] {
            -1
        } else {
            tick
        };
        out.push(sign);
    }
    out
}

/// Cumulative volume delta: the running sum of `size * sign`, restarting at
/// every change of `period` (empty `period`: never restarts).
pub fn cvd(size: &[f64], sign: &[i8], period: &[i64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(size.len());
    let mut running = 0.0;
    for i in 0..size.len() {
        if !period.is_empty() && i > 0 && period[i] != period[i - 1] {
            running = 0.0;
        }
        running += size[i] * sign[i] as f64;
        out.push(running);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_rule_carries_the_last_sign_on_unchanged_prices() {
        let price = [10.0, 10.0, 10.5, 10.5, 10.25, 10.25];
        assert_eq!(trade_signs(&price, &[]), vec![0, 0, 1, 1, -1, -1]);
    }

    #[test]
    fn lee_ready_uses_the_mid_and_falls_back_to_the_tick_rule() {
        let price = [10.0, 10.5, 10.5, 10.25];
        let mid = [f64::NAN, 10.25, 10.5, 10.5];
        assert_eq!(trade_signs(&price, &mid), vec![0, 1, 1, -1]);
    }

    #[test]
    fn cvd_restarts_each_period() {
        let size = [1.0, 2.0, 3.0, 4.0];
        let sign = [1, -1, 1, 1];
        assert_eq!(cvd(&size, &sign, &[]), vec![1.0, -1.0, 2.0, 6.0]);
        assert_eq!(cvd(&size, &sign, &[0, 0, 1, 1]), vec![1.0, -1.0, 3.0, 7.0]);
    }
}
