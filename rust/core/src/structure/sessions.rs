//! Session highs and lows.

/// Trading sessions, as smartmoneyconcepts' `sessions(ohlc, session)`: `(active, high, low)`.
/// A bar is active when its minute of the day lies in `[start, end]` (or, when
/// `start >= end`, at or after `start` or at or before `end`); an active bar carries the
/// session's running high and low since the last inactive bar, stored as float32 as
/// smartmoneyconcepts stores them (Python's `max`/`min` against the stored previous value;
/// an inactive bar leaves 0, which starts the next session afresh).
pub fn sessions(minute: &[i64], high: &[f64], low: &[f64], start: i64, end: i64, out: &mut [f64]) {
    let len = high.len();
    let (o_active, rest) = out.split_at_mut(len);
    let (o_high, o_low) = rest.split_at_mut(len);
    let (mut prev_high, mut prev_low) = (0f32, 0f32);
    for i in 0..len {
        let t = minute[i];
        let active = if start < end {
            start <= t && t <= end
        } else {
            start <= t || t <= end
        };
        let (mut h, mut l) = (0f32, 0f32);
        if active {
            // Python's max(a, b) is b only when b > a; min(a, b) b only when b < a
            let base_high = if i > 0 { prev_high as f64 } else { 0.0 };
            h = (if base_high > high[i] {
                base_high
            } else {
                high[i]
            }) as f32;
            let base_low = if i > 0 && prev_low != 0.0 {
                prev_low as f64
            } else {
                f64::INFINITY
            };
            l = (if base_low < low[i] { base_low } else { low[i] }) as f32;
        }
        (o_active[i], o_high[i], o_low[i]) = (active as i32 as f64, h as f64, l as f64);
        (prev_high, prev_low) = (h, l);
    }
}
