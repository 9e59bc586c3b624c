//! `_core.indicators`: technical indicators over (series x points) arrays, and their streams
//! (`barsmith_core::indicators`).

use barsmith_core::indicators;
use numpy::{PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{guarded, refused, slice};

/// Indicator wrappers: 2-D (series x points) inputs of one shape. C-contiguous:
/// each series runs its batch kernel (series in parallel). F-contiguous (the
/// transpose of a row-major (points x series) panel, as a DataFrame or a
/// (bars x symbols) array arrives): tiles of a few series are copied out, run
/// through the batch kernel and copied back (`per_series_tiles`), or for very
/// long series one state per series walks the rows (`per_series_rows`); the
/// panel itself is never transposed. The result is
/// (series, k, points): C-contiguous, or for F input a view of a row-major
/// (k, points, series) buffer.
fn series_kernel_k<'py, S: indicators::Stream>(
    py: Python<'py>,
    inputs: &[&PyReadonlyArray2<'py, f64>],
    k: usize,
    kernel: impl Fn(&[&[f64]], &mut [f64]) + Send + Sync,
    make: impl Fn() -> S + Send + Sync,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = inputs[0].shape().to_vec();
    let (n_series, n_points) = (shape[0], shape[1]);
    if inputs.iter().any(|x| x.shape() != shape.as_slice()) {
        return Err(PyValueError::new_err(
            "indicator inputs must have one shape",
        ));
    }
    let slices = inputs
        .iter()
        .map(|x| slice2("input", x))
        .collect::<PyResult<Vec<_>>>()?;
    if inputs.iter().all(|x| x.is_c_contiguous()) {
        // SAFETY: `per_series` writes every value before Python can see the array
        let array = unsafe { numpy::PyArray1::<f64>::new(py, [n_series * k * n_points], false) };
        let out =
            unsafe { array.as_slice_mut() }.map_err(|e| PyValueError::new_err(e.to_string()))?;
        guarded(py, || {
            indicators::per_series(&slices, n_points, k, out, kernel)
        })?;
        return Ok(array.reshape([n_series, k, n_points])?.into_any());
    }
    if !inputs.iter().all(|x| x.is_fortran_contiguous()) {
        return Err(PyValueError::new_err(
            "indicator inputs must all be C- or all F-contiguous",
        ));
    }
    let out = guarded(py, || {
        indicators::per_series_tiles(&slices, n_points, n_series, k, kernel)
            .unwrap_or_else(|| indicators::per_series_rows(&slices, n_points, n_series, k, make))
    })?;
    numpy::PyArray1::from_vec(py, out)
        .reshape([k, n_points, n_series])?
        .call_method1("transpose", ((2, 0, 1),))
}

/// `series_kernel_k` for one output: a (series, points) array.
fn series_kernel<'py, S: indicators::Stream>(
    py: Python<'py>,
    inputs: &[&PyReadonlyArray2<'py, f64>],
    kernel: impl Fn(&[&[f64]], &mut [f64]) + Send + Sync,
    make: impl Fn() -> S + Send + Sync,
) -> PyResult<Bound<'py, PyAny>> {
    let all = pyo3::types::PySlice::full(py);
    series_kernel_k(py, inputs, 1, kernel, make)?.get_item((&all, 0usize, &all))
}

/// A wrapper for a one-series indicator `indicators::$name(x, $params.., out)` and its state `$state::new($params..)`.
macro_rules! one_series_indicator {
    ($name:ident => $state:ident($($param:ident: $ty:ty),*)) => {
        #[pyfunction]
        fn $name<'py>(py: Python<'py>, x: PyReadonlyArray2<'py, f64>, $($param: $ty),*) -> PyResult<Bound<'py, PyAny>> {
            series_kernel(py, &[&x], |s, o| indicators::$name(s[0], $($param),*, o), || indicators::$state::new($($param),*))
        }
    };
}

one_series_indicator!(sma => Sma(n: usize, convention: i64));
one_series_indicator!(wma => Wma(n: usize, convention: i64));
one_series_indicator!(ema => Ema(n: usize, convention: i64));
one_series_indicator!(rsi => Rsi(n: usize, convention: i64));
one_series_indicator!(roc => Roc(n: usize, convention: i64));
one_series_indicator!(rolling_zscore => RollingZscore(n: usize, ddof: usize));

/// A wrapper for a high/low/close indicator `indicators::$name(h, l, c, $params.., out)`.
macro_rules! hlc_indicator {
    ($name:ident => $state:ident($($param:ident: $ty:ty),*)) => {
        #[pyfunction]
        fn $name<'py>(
            py: Python<'py>,
            high: PyReadonlyArray2<'py, f64>,
            low: PyReadonlyArray2<'py, f64>,
            close: PyReadonlyArray2<'py, f64>,
            $($param: $ty),*
        ) -> PyResult<Bound<'py, PyAny>> {
            series_kernel(
                py,
                &[&high, &low, &close],
                |s, o| indicators::$name(s[0], s[1], s[2], $($param),*, o),
                || indicators::$state::new($($param),*),
            )
        }
    };
}

hlc_indicator!(true_range => TrueRange(convention: i64));
hlc_indicator!(atr => Atr(n: usize, convention: i64));
hlc_indicator!(natr => Natr(n: usize, convention: i64));
hlc_indicator!(willr => Willr(n: usize, convention: i64));
hlc_indicator!(cci => Cci(n: usize, convention: i64));

/// Slow %K and slow %D of each series: (series, 2, points).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn stoch<'py>(
    py: Python<'py>,
    high: PyReadonlyArray2<'py, f64>,
    low: PyReadonlyArray2<'py, f64>,
    close: PyReadonlyArray2<'py, f64>,
    fastk_n: usize,
    slowk_n: usize,
    slowd_n: usize,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel_k(
        py,
        &[&high, &low, &close],
        2,
        |s, o| indicators::stoch(s[0], s[1], s[2], fastk_n, slowk_n, slowd_n, convention, o),
        || indicators::Stoch::new(fastk_n, slowk_n, slowd_n, convention),
    )
}

/// MACD, signal and histogram of each series: (series, 3, points).
#[pyfunction]
fn macd<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    fast: usize,
    slow: usize,
    signal: usize,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel_k(
        py,
        &[&x],
        3,
        |s, o| indicators::macd(s[0], fast, slow, signal, convention, o),
        || indicators::Macd::new(fast, slow, signal, convention),
    )
}

/// ADX, +DI, -DI and DX of each series: (series, 4, points).
#[pyfunction]
fn dmi<'py>(
    py: Python<'py>,
    high: PyReadonlyArray2<'py, f64>,
    low: PyReadonlyArray2<'py, f64>,
    close: PyReadonlyArray2<'py, f64>,
    n: usize,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel_k(
        py,
        &[&high, &low, &close],
        4,
        |s, o| indicators::dmi(s[0], s[1], s[2], n, convention, o),
        || indicators::Dmi::new(n, convention),
    )
}

/// Upper, middle and lower Bollinger band of each series: (series, 3, points).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn bbands<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    n: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    ddof: usize,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel_k(
        py,
        &[&x],
        3,
        |s, o| indicators::bbands(s[0], n, nbdev_up, nbdev_dn, ddof, convention, o),
        || indicators::Bbands::new(n, nbdev_up, nbdev_dn, ddof, convention),
    )
}

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn mfi<'py>(
    py: Python<'py>,
    high: PyReadonlyArray2<'py, f64>,
    low: PyReadonlyArray2<'py, f64>,
    close: PyReadonlyArray2<'py, f64>,
    volume: PyReadonlyArray2<'py, f64>,
    n: usize,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel(
        py,
        &[&high, &low, &close, &volume],
        |s, o| indicators::mfi(s[0], s[1], s[2], s[3], n, convention, o),
        || indicators::Mfi::new(n, convention),
    )
}

/// `period` holds one label per point (shared by every series), or nothing. C-contiguous
/// inputs only (the fronts pass them so): the row walk has no per-point labels.
#[pyfunction]
fn vwap<'py>(
    py: Python<'py>,
    price: PyReadonlyArray2<'py, f64>,
    volume: PyReadonlyArray2<'py, f64>,
    period: PyReadonlyArray1<'py, i64>,
    window: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let period = period
        .as_slice()
        .map_err(|_| PyValueError::new_err("period: expected a contiguous array"))?;
    if !period.is_empty() && period.len() != price.shape()[1] {
        return Err(PyValueError::new_err(
            "period: one label per point, or none",
        ));
    }
    if !(price.is_c_contiguous() && volume.is_c_contiguous()) {
        return Err(PyValueError::new_err(
            "vwap: expected C-contiguous (series, points) inputs",
        ));
    }
    series_kernel(
        py,
        &[&price, &volume],
        |s, o| indicators::vwap(s[0], s[1], period, window, o),
        || indicators::Vwap::new(window),
    )
}

fn slice2<'a>(name: &str, a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<&'a [f64]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a contiguous 2-D array")))
}

#[pyfunction]
fn obv<'py>(
    py: Python<'py>,
    close: PyReadonlyArray2<'py, f64>,
    volume: PyReadonlyArray2<'py, f64>,
    convention: i64,
) -> PyResult<Bound<'py, PyAny>> {
    series_kernel(
        py,
        &[&close, &volume],
        |s, o| indicators::obv(s[0], s[1], convention, o),
        || indicators::Obv::new(convention),
    )
}

/// One indicator fed row by row (`barsmith.indicators.stream`): the same state
/// the batch kernel loops over, so a stream equals the batch value for value.
#[pyclass(module = "barsmith._core.indicators")]
struct IndicatorStream {
    inner: Box<dyn indicators::Stream>,
    #[pyo3(get)]
    n_inputs: usize,
    #[pyo3(get)]
    n_outputs: usize,
}

#[pymethods]
impl IndicatorStream {
    #[new]
    fn new(name: &str, periods: Vec<usize>, params: Vec<f64>, convention: i64) -> PyResult<Self> {
        let (inner, n_inputs, n_outputs) =
            indicators::new_stream(name, &periods, &params, convention).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "no indicator stream {name:?} with {} periods and {} parameters",
                    periods.len(),
                    params.len()
                ))
            })?;
        Ok(Self {
            inner,
            n_inputs,
            n_outputs,
        })
    }

    /// One row's inputs in, its outputs out.
    fn update(&mut self, py: Python<'_>, row: Vec<f64>) -> PyResult<Vec<f64>> {
        if row.len() != self.n_inputs {
            return Err(PyValueError::new_err(format!(
                "expected {} inputs, got {}",
                self.n_inputs,
                row.len()
            )));
        }
        let mut out = vec![0.0; self.n_outputs];
        // one row is too little work to release the GIL for; a panic is refused all the same
        barsmith_core::quietly(|| self.inner.update(&row, &mut out)).map_err(|p| refused(py, p))?;
        Ok(out)
    }

    /// Rows from one contiguous 1-D array per input (one length): an (outputs, rows) array.
    fn update_many<'py>(
        &mut self,
        py: Python<'py>,
        inputs: Vec<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        if inputs.len() != self.n_inputs {
            return Err(PyValueError::new_err(format!(
                "expected {} inputs, got {}",
                self.n_inputs,
                inputs.len()
            )));
        }
        let columns = inputs
            .iter()
            .map(|a| slice("input", a))
            .collect::<PyResult<Vec<_>>>()?;
        let len = columns.first().map_or(0, |c| c.len());
        if columns.iter().any(|c| c.len() != len) {
            return Err(PyValueError::new_err("inputs must have one length"));
        }
        let (inner, n_in, n_out) = (&mut self.inner, self.n_inputs, self.n_outputs);
        let out = guarded(py, || {
            let (mut row, mut outs) = (vec![0.0; n_in], vec![0.0; n_out]);
            let mut out = vec![0.0; n_out * len];
            for i in 0..len {
                for (r, c) in row.iter_mut().zip(&columns) {
                    *r = c[i];
                }
                inner.update(&row, &mut outs);
                for (k, &o) in outs.iter().enumerate() {
                    out[k * len + i] = o;
                }
            }
            out
        })?;
        numpy::PyArray1::from_vec(py, out).reshape([n_out, len])
    }
}

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sma, m)?)?;
    m.add_function(wrap_pyfunction!(wma, m)?)?;
    m.add_function(wrap_pyfunction!(ema, m)?)?;
    m.add_function(wrap_pyfunction!(macd, m)?)?;
    m.add_function(wrap_pyfunction!(rsi, m)?)?;
    m.add_function(wrap_pyfunction!(roc, m)?)?;
    m.add_function(wrap_pyfunction!(obv, m)?)?;
    m.add_function(wrap_pyfunction!(true_range, m)?)?;
    m.add_function(wrap_pyfunction!(atr, m)?)?;
    m.add_function(wrap_pyfunction!(natr, m)?)?;
    m.add_function(wrap_pyfunction!(willr, m)?)?;
    m.add_function(wrap_pyfunction!(stoch, m)?)?;
    m.add_function(wrap_pyfunction!(dmi, m)?)?;
    m.add_function(wrap_pyfunction!(bbands, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_zscore, m)?)?;
    m.add_function(wrap_pyfunction!(cci, m)?)?;
    m.add_function(wrap_pyfunction!(mfi, m)?)?;
    m.add_function(wrap_pyfunction!(vwap, m)?)?;
    m.add_class::<IndicatorStream>()?;
    Ok(())
}
