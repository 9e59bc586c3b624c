//! Directional movement: +DI, -DI, ADX (Wilder).

use super::*;

/// Directional movement: `(adx, plus_di, minus_di, dx)` one after the other in `out`.
/// `+DM = up` where `up > down` and `up > 0`, else 0, with `up = h - h_prev`,
/// `down = l_prev - l`; `-DM` likewise with the roles swapped.
/// `PANDAS` (Wilder averages `ewm(alpha=1/n, adjust=False, min_periods=n)` of
/// `+DM`, `-DM` and the true range; the first row's `+DM`/`-DM` are 0, as `where`
/// makes them): `plus_di = 100 * ewm(+DM) / atr`, `minus_di` likewise,
/// `dx = 100 * |plus_di - minus_di| / (plus_di + minus_di)`, `adx = ewm(dx)`.
/// `TALIB` (`ADX`, `PLUS_DI`, `MINUS_DI`, `DX` of TA-Lib 0.8): Wilder *sums* seeded
/// with the plain sum of the first `n - 1` values, `s = s - s / n + v`; the DIs and
/// DX from row `n`, 0 where TA-Lib's zero tests say so (DX then repeats its
/// previous value); ADX from row `2n - 1`: the mean of the first `n` DX, then
/// `(adx * (n - 1) + dx) / n`, unchanged where DX is undefined. A NaN restarts.
pub fn dmi(high: &[f64], low: &[f64], close: &[f64], n: usize, convention: i64, out: &mut [f64]) {
    let [adx, pdi, mdi, dx] = split_outputs::<4>(out);
    let mut s = Dmi::new(n, convention);
    if convention != PANDAS {
        for i in 0..high.len() {
            [adx[i], pdi[i], mdi[i], dx[i]] = s.talib_row(high[i], low[i], close[i]);
        }
        return;
    }
    // pandas: the three averages are recursions, the indices' three divisions are not, and
    // the ADX recursion reads DX: per block, the averages (parked in the outputs), then the
    // divisions in a loop the compiler vectorises, then the ADX
    const BLOCK: usize = 512;
    // (warm blocks run the recursions with their states in locals)
    for start in (0..high.len()).step_by(BLOCK) {
        let block = start..(start + BLOCK).min(high.len());
        let (high, low, close) = (
            &high[block.clone()],
            &low[block.clone()],
            &close[block.clone()],
        );
        in_warm_blocks(
            &mut s,
            &mut [
                &mut adx[block.clone()],
                &mut pdi[block.clone()],
                &mut mdi[block.clone()],
            ],
            block.len(),
            #[inline(always)]
            |s: &Dmi| {
                s.prev.is_some_and(|(_, _, c)| !c.is_nan()) && s.ewm[..3].iter().all(Ewm::is_steady)
            },
            #[inline(always)]
            |s: &mut Dmi, [tr_avg, p_avg, m_avg]: &mut [&mut [f64]; 3], lo: usize, hi: usize| {
                let steps = [s.ewm[0].steady(), s.ewm[1].steady(), s.ewm[2].steady()];
                let [mut tr_w, mut p_w, mut m_w] =
                    [s.ewm[0].weighted, s.ewm[1].weighted, s.ewm[2].weighted];
                let Some((mut ph, mut pl, mut pc)) = s.prev else {
                    return false;
                };
                let mut nan = false;
                for i in lo..hi {
                    let (h, l) = (high[i], low[i]);
                    let (tr, clean) = plain_true_range(h, l, pc);
                    nan |= !clean;
                    let (plus_dm, minus_dm) = directional_movement(h - ph, pl - l);
                    tr_w = steps[0].step(tr_w, tr);
                    p_w = steps[1].step(p_w, plus_dm);
                    m_w = steps[2].step(m_w, minus_dm);
                    [tr_avg[i], p_avg[i], m_avg[i]] = [tr_w, p_w, m_w];
                    (ph, pl, pc) = (h, l, close[i]);
                }
                for (e, w) in s.ewm.iter_mut().zip([tr_w, p_w, m_w]) {
                    e.advance(w, hi - lo);
                }
                s.prev = Some((ph, pl, pc));
                !nan && tr_w.is_finite() && p_w.is_finite() && m_w.is_finite()
            },
            #[inline(always)]
            |s, [tr_avg, p_avg, m_avg], i| {
                [tr_avg[i], p_avg[i], m_avg[i]] = s.pandas_averages(high[i], low[i], close[i]);
            },
        );
        for i in block.clone() {
            [pdi[i], mdi[i], dx[i]] = Dmi::pandas_indices(adx[i], pdi[i], mdi[i]);
        }
        s.ewm[3].update_many(&dx[block.clone()], &mut adx[block]);
    }
}

/// `(+DM, -DM)` of a row's `up = h - h_prev` and `down = l_prev - l` (see [`Dmi`]).
#[inline(always)]
fn directional_movement(up: f64, down: f64) -> (f64, f64) {
    (
        if up > down && up > 0.0 { up } else { 0.0 },
        if down > up && down > 0.0 { down } else { 0.0 },
    )
}

#[derive(Clone)]
pub struct Dmi {
    n: usize,
    convention: i64,
    prev: Option<(f64, f64, f64)>, // high, low, close of the previous row
    // pandas: Wilder averages of the true range, +DM, -DM and DX
    ewm: [Ewm; 4],
    // TA-Lib: rows seen in this run, the Wilder sums, the DX sum and the last ADX and DX
    row: usize,
    sums: [f64; 3],
    dx_sum: f64,
    adx_prev: f64,
    dx_prev: f64,
}

impl Dmi {
    pub fn new(n: usize, convention: i64) -> Self {
        let e = Ewm::new(com_of_alpha(1.0 / n as f64), n);
        Dmi {
            n,
            convention,
            prev: None,
            ewm: [e; 4],
            row: 0,
            sums: [0.0; 3],
            dx_sum: 0.0,
            adx_prev: f64::NAN,
            dx_prev: 0.0,
        }
    }

    /// `(+DM, -DM)`: `up = h - h_prev`, `down = l_prev - l`; `+DM = up` if `up > down`
    /// and `up > 0`, `-DM = down` if `down > up` and `down > 0`, else 0 (a NaN compares
    /// false, so it gives 0, as pandas' `where`); 0 on the first row.
    #[inline]
    fn directional_movement(&self, h: f64, l: f64) -> (f64, f64) {
        let Some((ph, pl, _)) = self.prev else {
            return (0.0, 0.0);
        };
        directional_movement(h - ph, pl - l)
    }

    #[inline]
    pub fn update(&mut self, h: f64, l: f64, c: f64) -> [f64; 4] {
        if self.convention == PANDAS {
            let [atr, plus, minus] = self.pandas_averages(h, l, c);
            let [pdi, mdi, dx] = Dmi::pandas_indices(atr, plus, minus);
            return [self.ewm[3].update(dx), pdi, mdi, dx];
        }
        self.talib_row(h, l, c)
    }

    /// TA-Lib: this row's `[adx, +DI, -DI, DX]`.
    #[inline(always)]
    fn talib_row(&mut self, h: f64, l: f64, c: f64) -> [f64; 4] {
        let (plus_dm, minus_dm) = self.directional_movement(h, l);
        let prev_close = self.prev.map(|p| p.2);
        self.prev = Some((h, l, c));
        self.talib_update(h, l, prev_close, plus_dm, minus_dm, c)
    }

    /// pandas: the Wilder averages of the true range, +DM and -DM after this row.
    #[inline]
    fn pandas_averages(&mut self, h: f64, l: f64, c: f64) -> [f64; 3] {
        let (plus_dm, minus_dm) = self.directional_movement(h, l);
        let tr = match self.prev {
            None => h - l,
            Some((_, _, pc)) => nan_max3(h - l, (h - pc).abs(), (l - pc).abs()),
        };
        self.prev = Some((h, l, c));
        let [tr_avg, p, m, _] = &mut self.ewm;
        [tr_avg.update(tr), p.update(plus_dm), m.update(minus_dm)]
    }

    /// pandas: `+DI = 100 * avg(+DM) / ATR`, `-DI` likewise, `DX = 100 * |+DI - -DI| / (+DI + -DI)`.
    #[inline]
    fn pandas_indices(atr: f64, plus: f64, minus: f64) -> [f64; 3] {
        let (pdi, mdi) = (100.0 * plus / atr, 100.0 * minus / atr);
        [pdi, mdi, 100.0 * (pdi - mdi).abs() / (pdi + mdi)]
    }

    /// TA-Lib 0.8's Wilder sums `s = s - s / n + v`, seeded with the sum of the first n - 1 values.
    #[inline(always)]
    fn talib_update(
        &mut self,
        h: f64,
        l: f64,
        prev_close: Option<f64>,
        plus_dm: f64,
        minus_dm: f64,
        c: f64,
    ) -> [f64; 4] {
        const NONE: [f64; 4] = [f64::NAN; 4];
        if h.is_nan()
            || l.is_nan()
            || c.is_nan()
            || prev_close.is_some_and(f64::is_nan)
            || self.row == 0
        {
            // a NaN restarts; a valid row starts a run
            let valid = !(h.is_nan() || l.is_nan() || c.is_nan());
            (
                self.row,
                self.sums,
                self.dx_sum,
                self.adx_prev,
                self.dx_prev,
            ) = (valid as usize, [0.0; 3], 0.0, f64::NAN, 0.0);
            if !valid {
                self.prev = None;
            }
            return NONE;
        }
        let (n, nf, i) = (self.n, self.n as f64, self.row);
        self.row += 1;
        let pc = prev_close.unwrap_or(f64::NAN);
        let tr = max3(h - l, (h - pc).abs(), (l - pc).abs());
        let [pdm_s, mdm_s, tr_s] = &mut self.sums;
        if i < n {
            (*pdm_s, *mdm_s, *tr_s) = (*pdm_s + plus_dm, *mdm_s + minus_dm, *tr_s + tr);
            return NONE;
        }
        *pdm_s = *pdm_s - *pdm_s / nf + plus_dm;
        *mdm_s = *mdm_s - *mdm_s / nf + minus_dm;
        *tr_s = *tr_s - *tr_s / nf + tr;
        // DX is defined when both the true range and the DI sum are non-zero; the true
        // range's sum is in the quote's unit, so TA-Lib 0.8.1 tests it against 0, not a band
        let (mut pdi, mut mdi, mut dx_now) = (0.0, 0.0, None);
        if *tr_s > 0.0 {
            (pdi, mdi) = (100.0 * (*pdm_s / *tr_s), 100.0 * (*mdm_s / *tr_s));
            let total = mdi + pdi;
            if !talib_is_zero(total) {
                dx_now = Some(100.0 * ((mdi - pdi).abs() / total));
            }
        }
        let dx = dx_now.unwrap_or(if i == n { 0.0 } else { self.dx_prev });
        self.dx_prev = dx;
        if i < 2 * n - 1 {
            self.dx_sum += dx_now.unwrap_or(0.0);
            return [f64::NAN, pdi, mdi, dx];
        }
        self.adx_prev = if i == 2 * n - 1 {
            (self.dx_sum + dx_now.unwrap_or(0.0)) / nf
        } else if let Some(d) = dx_now {
            (self.adx_prev * (nf - 1.0) + d) / nf
        } else {
            self.adx_prev
        };
        [self.adx_prev, pdi, mdi, dx]
    }
}
stream!(Dmi, |s, r, o| o
    .copy_from_slice(&s.update(r[0], r[1], r[2])));
