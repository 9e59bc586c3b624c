//! `_core.orderflow`: trade signs, CVD, flow, volume profile and events (`barsmith_core::orderflow`).

use barsmith_core::orderflow;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::{guarded, rows, slice};

#[pyfunction]
fn trade_signs<'py>(
    py: Python<'py>,
    price: PyReadonlyArray1<'py, f64>,
    mid: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<i8>>> {
    let (price, mid) = (slice("price", &price)?, slice("mid", &mid)?);
    let out = guarded(py, || orderflow::trade_signs(price, mid))?;
    Ok(out.into_pyarray(py))
}

#[pyfunction]
fn cvd<'py>(
    py: Python<'py>,
    size: PyReadonlyArray1<'py, f64>,
    sign: PyReadonlyArray1<'py, i8>,
    period: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (size, sign, period) = (
        slice("size", &size)?,
        slice("sign", &sign)?,
        slice("period", &period)?,
    );
    let out = guarded(py, || orderflow::cvd(size, sign, period))?;
    Ok(out.into_pyarray(py))
}

/// `(buy, sell, ratio, imbalance)`: a (4, len) array.
#[pyfunction]
fn trade_flow<'py>(
    py: Python<'py>,
    decay: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    sign: PyReadonlyArray1<'py, i8>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (decay, size, sign) = (
        slice("decay", &decay)?,
        slice("size", &size)?,
        slice("sign", &sign)?,
    );
    rows(py, 4, decay.len(), |out| {
        orderflow::trade_flow(decay, size, sign, out)
    })
}

/// `(period, level, volume, flags)`: one row per price level traded in each period.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn volume_profile<'py>(
    py: Python<'py>,
    period: PyReadonlyArray1<'py, i64>,
    level: PyReadonlyArray1<'py, i64>,
    volume: PyReadonlyArray1<'py, f64>,
    value_area: f64,
    node_window: usize,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<i8>>,
)> {
    let (period, level, volume) = (
        slice("period", &period)?,
        slice("level", &level)?,
        slice("volume", &volume)?,
    );
    let p = guarded(py, || {
        orderflow::volume_profile(period, level, volume, value_area, node_window)
    })?;
    Ok((
        p.period.into_pyarray(py),
        p.level.into_pyarray(py),
        p.volume.into_pyarray(py),
        p.flags.into_pyarray(py),
    ))
}

/// The quantile of each row's window `[start, end)`, NaN below `min_periods` values.
#[pyfunction]
fn rolling_quantile<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    start: PyReadonlyArray1<'py, i64>,
    end: PyReadonlyArray1<'py, i64>,
    quantile: f64,
    min_periods: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (x, start, end) = (
        slice("x", &x)?,
        slice("start", &start)?,
        slice("end", &end)?,
    );
    let mut out = vec![0.0; x.len()];
    guarded(py, || {
        orderflow::rolling_quantile(x, start, end, quantile, min_periods, &mut out)
    })?;
    Ok(out.into_pyarray(py))
}

/// `trade_events`' two arrays.
type LevelsAndSizes<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// `(levels, event_size)` per trade: its event's distinct prices and total size.
#[pyfunction]
fn trade_events<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    price: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    sign: PyReadonlyArray1<'py, i8>,
) -> PyResult<LevelsAndSizes<'py>> {
    let (ts, price, size, sign) = trade_slices!(ts, price, size, sign);
    let (mut levels, mut event_size) = (vec![0i64; ts.len()], vec![0.0; ts.len()]);
    guarded(py, || {
        orderflow::trade_events(ts, price, size, sign, &mut levels, &mut event_size)
    })?;
    Ok((levels.into_pyarray(py), event_size.into_pyarray(py)))
}

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(trade_signs, m)?)?;
    m.add_function(wrap_pyfunction!(cvd, m)?)?;
    m.add_function(wrap_pyfunction!(trade_flow, m)?)?;
    m.add_function(wrap_pyfunction!(volume_profile, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_quantile, m)?)?;
    m.add_function(wrap_pyfunction!(trade_events, m)?)?;
    Ok(())
}
