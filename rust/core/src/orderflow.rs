//! Order flow: trade classification, cumulative volume delta, decayed trade pressure.
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

/// Buy and sell pressure decayed exponentially in event time: `(buy, sell, ratio, imbalance)`,
/// each `len` values, into `out`.
///
/// `buy[i] = buy[i-1] * 2^(-(ts[i] - ts[i-1]) / half_life_ns) + size[i]` for a buy (sign
/// +1), likewise `sell` for a sell (-1); unknown signs (0) only decay both. `ratio = buy /
/// sell` (inf with no sell pressure, NaN with neither); `imbalance = (buy - sell) / (buy + sell)`.
pub fn trade_flow(ts: &[i64], size: &[f64], sign: &[i8], half_life_ns: f64, out: &mut [f64]) {
    let len = ts.len();
    let (o_buy, rest) = out.split_at_mut(len);
    let (o_sell, rest) = rest.split_at_mut(len);
    let (o_ratio, o_imbalance) = rest.split_at_mut(len);
    let (mut buy, mut sell) = (0.0f64, 0.0f64);
    for i in 0..len {
        if i > 0 {
            let decay = (-((ts[i] - ts[i - 1]) as f64) / half_life_ns).exp2();
            (buy, sell) = (buy * decay, sell * decay);
        }
        match sign[i] {
            1 => buy += size[i],
            -1 => sell += size[i],
            _ => {}
        }
        (o_buy[i], o_sell[i]) = (buy, sell);
        (o_ratio[i], o_imbalance[i]) = (buy / sell, (buy - sell) / (buy + sell));
    }
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
    fn pressure_halves_every_half_life() {
        let mut out = vec![0.0; 12];
        trade_flow(&[0, 10, 30], &[4.0, 2.0, 1.0], &[1, -1, 0], 10.0, &mut out);
        assert_eq!(&out[..3], &[4.0, 2.0, 0.5]); // buy
        assert_eq!(&out[3..6], &[0.0, 2.0, 0.5]); // sell
        assert_eq!(out[6], f64::INFINITY);
        assert_eq!(out[9..], [1.0, 0.0, 0.0]);
    }

    #[test]
    fn cvd_restarts_each_period() {
        let size = [1.0, 2.0, 3.0, 4.0];
        let sign = [1, -1, 1, 1];
        assert_eq!(cvd(&size, &sign, &[]), vec![1.0, -1.0, 2.0, 6.0]);
        assert_eq!(cvd(&size, &sign, &[0, 0, 1, 1]), vec![1.0, -1.0, 3.0, 7.0]);
    }
}
