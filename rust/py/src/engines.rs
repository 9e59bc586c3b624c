//! Bindings of `barsmith_core::engines`: the engine states as Python classes, fed
//! bars the Python front has checked.

use barsmith_core::engines::{Gap, SmcState, SMC_COLUMNS};
use numpy::{PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{guarded, refused};

type GapTuple = (i32, f64, f64, i64);

fn tuples(gaps: Vec<Gap>) -> Vec<GapTuple> {
    gaps.into_iter()
        .map(|g| (g.side, g.top, g.bottom, g.index))
        .collect()
}

/// `barsmith.engines.SmcState`'s Rust state.
#[pyclass(module = "barsmith._core.engines")]
struct SmcCore {
    inner: SmcState,
}

#[pymethods]
impl SmcCore {
    #[new]
    fn new(swing_length: usize, join_consecutive: bool, close_break: bool) -> Self {
        Self {
            inner: SmcState::new(swing_length, join_consecutive, close_break),
        }
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    /// One bar (open, high, low, close, volume): its row and the gaps it fills.
    fn update(
        &mut self,
        py: Python<'_>,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> PyResult<(Vec<f64>, Vec<GapTuple>)> {
        let inner = &mut self.inner;
        let (row, filled) =
            barsmith_core::quietly(|| inner.update(&[open, high, low, close, volume]))
                .map_err(|p| refused(py, p))?;
        Ok((row.to_vec(), tuples(filled)))
    }

    /// Bars as a C-contiguous (rows, 5) array: a (rows, columns) array of rows.
    fn update_many<'py>(
        &mut self,
        py: Python<'py>,
        bars: PyReadonlyArray2<'py, f64>,
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
        let inner = &mut self.inner;
        let out = guarded(py, || {
            let mut out = Vec::with_capacity(shape[0] * SMC_COLUMNS);
            for bar in values.chunks_exact(5) {
                out.extend_from_slice(&inner.update(&[bar[0], bar[1], bar[2], bar[3], bar[4]]).0);
            }
            out
        })?;
        numpy::PyArray1::from_vec(py, out).reshape([shape[0], SMC_COLUMNS])
    }

    /// The open gaps (side, top, bottom, middle bar), by middle bar.
    fn open_gaps(&self) -> Vec<GapTuple> {
        tuples(self.inner.open_gaps())
    }

    #[getter]
    fn trend(&self) -> i32 {
        self.inner.trend()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SmcCore>()?;
    Ok(())
}
