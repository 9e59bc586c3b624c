//! Bindings of `barsmith_core::engines`: the engine states as Python classes, fed
//! bars the Python front has checked.

use barsmith_core::engines::{
    Binner, Change, Gap, HigherBar, HobState, SmcState, WyckoffParams, WyckoffState, HOB_COLUMNS,
    SMC_COLUMNS, WYCKOFF_COLUMNS,
};
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{guarded, refused};

type GapTuple = (i32, f64, f64, i64);
/// An extra of a bar: what it is (a filled gap, a mitigated or a removed block), its side,
/// top, bottom and bar.
type ChangeTuple = (i32, i32, f64, f64, i64);
/// Fields of an extra in `update_many`: the position of its bar in the call, then a
/// `ChangeTuple`'s.
const EXTRA_FIELDS: usize = 6;
/// A standing block: side, top, bottom, bar, swing bar, bar forming it, mitigated.
type BlockTuple = (i32, f64, f64, i64, i64, i64, bool);

fn tuples(gaps: Vec<Gap>) -> Vec<GapTuple> {
    gaps.into_iter()
        .map(|g| (g.side, g.top, g.bottom, g.index))
        .collect()
}

fn change_tuple((what, g): Change) -> ChangeTuple {
    (what, g.side, g.top, g.bottom, g.index)
}

/// `barsmith.engines.SmcState`'s Rust state.
#[pyclass(module = "barsmith._core.engines")]
struct SmcCore {
    inner: SmcState,
}

#[pymethods]
impl SmcCore {
    #[new]
    fn new(
        swing_length: usize,
        join_consecutive: bool,
        close_break: bool,
        close_mitigation: bool,
    ) -> Self {
        Self {
            inner: SmcState::new(
                swing_length,
                join_consecutive,
                close_break,
                close_mitigation,
            ),
        }
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    /// One bar (open, high, low, close, volume): its row and its extras (gaps filled,
    /// blocks mitigated and removed).
    fn update(&mut self, py: Python<'_>, bar: [f64; 5]) -> PyResult<(Vec<f64>, Vec<ChangeTuple>)> {
        let inner = &mut self.inner;
        let (row, changes) = one_bar(py, || inner.update(&bar))?;
        Ok((
            row.to_vec(),
            changes.into_iter().map(change_tuple).collect(),
        ))
    }

    /// Bars as a C-contiguous (rows, 5) array: a (rows, columns) array of rows, and the
    /// extras as a (k, 6) array, each led by the position of its bar in this call.
    fn update_many<'py>(
        &mut self,
        py: Python<'py>,
        bars: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>)> {
        let inner = &mut self.inner;
        let mut extras: Vec<f64> = Vec::new();
        let mut bar_in_call = 0.0;
        let out = rows::<SMC_COLUMNS>(py, bars, |bar| {
            let (row, changes) = inner.update(bar);
            for (what, g) in changes {
                extras.extend_from_slice(&[
                    bar_in_call,
                    what as f64,
                    g.side as f64,
                    g.top,
                    g.bottom,
                    g.index as f64,
                ]);
            }
            bar_in_call += 1.0;
            row
        })?;
        Ok((out, extra_rows(py, extras)?))
    }

    /// The open gaps (side, top, bottom, middle bar), by middle bar.
    fn open_gaps(&self) -> Vec<GapTuple> {
        tuples(self.inner.open_gaps())
    }

    /// The order blocks standing, by the bar forming them.
    fn standing_blocks(&self) -> Vec<BlockTuple> {
        self.inner
            .standing_blocks()
            .into_iter()
            .map(|b| {
                let (s, t, bo, i) = (b.side, b.top, b.bottom, b.index);
                (s, t, bo, i, b.swing_index, b.formed, b.mitigated)
            })
            .collect()
    }

    #[getter]
    fn trend(&self) -> i32 {
        self.inner.trend()
    }
}

/// A Python class over an engine state whose rows have no extras: `reset`, `update` and
/// `update_many` as every engine's, then the class's own methods (`#[new]` among them).
macro_rules! row_core {
    ($(#[$doc:meta])* $core:ident($state:ty, $columns:expr) { $($own:tt)* }) => {
        $(#[$doc])*
        #[pyclass(module = "barsmith._core.engines")]
        struct $core {
            inner: $state,
        }

        #[pymethods]
        impl $core {
            fn reset(&mut self) {
                self.inner.reset();
            }

            /// One bar (open, high, low, close, volume): its row, and no extras.
            fn update(&mut self, py: Python<'_>, bar: [f64; 5]) -> PyResult<(Vec<f64>, Vec<ChangeTuple>)> {
                let inner = &mut self.inner;
                let row = one_bar(py, || inner.update(&bar))?;
                Ok((row.to_vec(), Vec::new()))
            }

            /// Bars as a C-contiguous (rows, 5) array: a (rows, columns) array of rows.
            fn update_many<'py>(
                &mut self,
                py: Python<'py>,
                bars: PyReadonlyArray2<'py, f64>,
            ) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>)> {
                let inner = &mut self.inner;
                Ok((rows::<{ $columns }>(py, bars, |bar| inner.update(bar))?, extra_rows(py, Vec::new())?))
            }

            $($own)*
        }
    };
}

row_core! {
    /// `barsmith.engines.HobState`'s Rust state.
    HobCore(HobState, HOB_COLUMNS) {
        #[new]
        fn new(swing_length: usize, volume_window: usize, spike_z: f64, levels: usize) -> Self {
            Self { inner: HobState::new(swing_length, volume_window, spike_z, levels) }
        }

        /// The live swing levels (side, level, bar), highs then lows, oldest first.
        fn live_levels(&self) -> Vec<(i32, f64, i64)> {
            self.inner.live_levels()
        }
    }
}

row_core! {
    /// `barsmith.engines.WyckoffState`'s Rust state.
    WyckoffCore(WyckoffState, WYCKOFF_COLUMNS) {
        #[new]
        fn new(pivot_length: usize, pivots: usize, window: usize, wide: f64, narrow: f64, high_volume: f64) -> Self {
            let p = WyckoffParams { pivot_length, pivots, window, wide, narrow, high_volume };
            Self { inner: WyckoffState::new(p) }
        }

        /// The pivots kept (side, level, bar), oldest first.
        fn pivots(&self) -> Vec<(i32, f64, i64)> {
            self.inner.pivots()
        }
    }
}

/// `barsmith.engines.MultiTimeframe`'s binning of one higher timeframe.
#[pyclass(module = "barsmith._core.engines")]
struct BinnerCore {
    inner: Binner,
}

type HigherRows<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
);

#[pymethods]
impl BinnerCore {
    #[new]
    fn new(interval: i64, base: i64) -> Self {
        Self {
            inner: Binner::new(interval, base),
        }
    }

    /// One base bar (open, high, low, close, volume) at `ts` (ns): the higher bars it
    /// completes, oldest first, each (open, high, low, close, volume, bin start).
    fn update(&mut self, bar: [f64; 5], ts: i64) -> Vec<(f64, f64, f64, f64, f64, i64)> {
        let mut done = Vec::new();
        self.inner.add(&bar, ts, &mut done);
        done.into_iter()
            .map(|(v, s)| (v[0], v[1], v[2], v[3], v[4], s))
            .collect()
    }

    /// Base bars as a C-contiguous (rows, 5) array and their times: the higher bars they
    /// complete as (k, 5) values, bin starts and the time of the base bar completing each.
    fn update_many<'py>(
        &mut self,
        py: Python<'py>,
        bars: PyReadonlyArray2<'py, f64>,
        ts: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<HigherRows<'py>> {
        let values = bars
            .as_slice()
            .map_err(|_| PyValueError::new_err("bars must be C-contiguous"))?;
        let times = ts
            .as_slice()
            .map_err(|_| PyValueError::new_err("ts must be contiguous"))?;
        if bars.shape()[1] != 5 || times.len() != bars.shape()[0] {
            return Err(PyValueError::new_err(
                "expected (rows, 5) bars and one time per row",
            ));
        }
        let inner = &mut self.inner;
        let (flat, starts, visible) = guarded(py, || {
            let (mut flat, mut starts, mut visible) = (Vec::new(), Vec::new(), Vec::new());
            let mut done: Vec<HigherBar> = Vec::new();
            for (bar, &t) in values.chunks_exact(5).zip(times) {
                inner.add(&[bar[0], bar[1], bar[2], bar[3], bar[4]], t, &mut done);
                for (v, s) in done.drain(..) {
                    flat.extend_from_slice(&v);
                    starts.push(s);
                    visible.push(t);
                }
            }
            (flat, starts, visible)
        })?;
        let k = starts.len();
        Ok((
            PyArray1::from_vec(py, flat).reshape([k, 5])?,
            PyArray1::from_vec(py, starts),
            PyArray1::from_vec(py, visible),
        ))
    }

    /// The higher bar still forming, (open, high, low, close, volume, bin start), or None.
    fn forming(&self) -> Option<(f64, f64, f64, f64, f64, i64)> {
        self.inner
            .forming()
            .map(|(v, s)| (v[0], v[1], v[2], v[3], v[4], s))
    }
}

/// One bar through an engine, a panic turned into an error (the GIL held: a bar is too
/// short to release it).
fn one_bar<T>(py: Python<'_>, step: impl FnOnce() -> T) -> PyResult<T> {
    barsmith_core::quietly(step).map_err(|p| refused(py, p))
}

/// Extras, `EXTRA_FIELDS` per extra, as a (k, 6) array.
fn extra_rows(py: Python<'_>, flat: Vec<f64>) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let k = flat.len() / EXTRA_FIELDS;
    PyArray1::from_vec(py, flat).reshape([k, EXTRA_FIELDS])
}

/// An engine's rows over (rows, 5) bars, the GIL released while it runs.
fn rows<'py, const C: usize>(
    py: Python<'py>,
    bars: PyReadonlyArray2<'py, f64>,
    mut step: impl FnMut(&[f64; 5]) -> [f64; C] + Send,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let shape = bars.shape().to_vec();
    if shape[1] != 5 {
        return Err(PyValueError::new_err(
            "expected (rows, 5) bars: open, high, low, close, volume",
        ));
    }
    let values = bars
        .as_slice()
        .map_err(|_| PyValueError::new_err("bars must be C-contiguous"))?;
    let out = guarded(py, || {
        let mut out = Vec::with_capacity(shape[0] * C);
        for bar in values.chunks_exact(5) {
            out.extend_from_slice(&step(&[bar[0], bar[1], bar[2], bar[3], bar[4]]));
        }
        out
    })?;
    numpy::PyArray1::from_vec(py, out).reshape([shape[0], C])
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SmcCore>()?;
    m.add_class::<HobCore>()?;
    m.add_class::<WyckoffCore>()?;
    m.add_class::<BinnerCore>()?;
    Ok(())
}
