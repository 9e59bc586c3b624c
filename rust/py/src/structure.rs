//! `_core.structure`: price structure (`barsmith_core::structure`).

use barsmith_core::structure;
use numpy::{PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::{rows, slice};

/// `(high_low, level)`: a (2, len) array.
#[pyfunction]
fn swing_highs_lows<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_length: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (high, low) = (slice("high", &high)?, slice("low", &low)?);
    rows(py, 2, high.len(), |out| {
        structure::swing_highs_lows(high, low, swing_length, out)
    })
}

/// `(high_low, level, swing_index)` without lookahead: a (3, len) array.
#[pyfunction]
fn swing_highs_lows_causal<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_length: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (high, low) = (slice("high", &high)?, slice("low", &low)?);
    rows(py, 3, high.len(), |out| {
        structure::swing_highs_lows_causal(high, low, swing_length, out)
    })
}

/// `(label, trend)`: a (2, len) array.
#[pyfunction]
fn market_structure<'py>(
    py: Python<'py>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (k, v) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
    );
    rows(py, 2, k.len(), |out| structure::market_structure(k, v, out))
}

/// `(ratio, in_range, top, bottom, bars, strength)`: a (6, len) array.
#[pyfunction]
fn ranges<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    atr: PyReadonlyArray1<'py, f64>,
    length: usize,
    threshold: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l, a) = (
        slice("high", &high)?,
        slice("low", &low)?,
        slice("atr", &atr)?,
    );
    rows(py, 6, h.len(), |out| {
        structure::ranges(h, l, a, length, threshold, out)
    })
}

/// `(fvg, top, bottom, mitigated_index)`: a (4, len) array.
#[pyfunction]
fn fvg<'py>(
    py: Python<'py>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    join_consecutive: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    rows(py, 4, h.len(), |out| {
        structure::fvg(o, h, l, c, join_consecutive, out)
    })
}

/// `(fvg, top, bottom, gap_index, mitigated_count)` without lookahead: a (5, len) array.
#[pyfunction]
fn fvg_causal<'py>(
    py: Python<'py>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    join_consecutive: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    rows(py, 5, h.len(), |out| {
        structure::fvg_causal(o, h, l, c, join_consecutive, out)
    })
}

/// `(bos, choch, level, broken_index)`: a (4, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn bos_choch<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
    close_break: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l, c) = (
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    let (k, v) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
    );
    rows(py, 4, h.len(), |out| {
        structure::bos_choch(h, l, c, k, v, close_break, out)
    })
}

/// `(bos, choch, level, swing_index)` on the breaking bar, without lookahead: a (4, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn bos_choch_causal<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
    swing_index: PyReadonlyArray1<'py, f64>,
    close_break: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l, c) = (
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    let (k, v, b) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
        slice("SwingIndex", &swing_index)?,
    );
    rows(py, 4, h.len(), |out| {
        structure::bos_choch_causal(h, l, c, k, v, b, close_break, out)
    })
}

/// `(direction, current, deepest)`: a (3, len) array.
#[pyfunction]
fn retracements<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l) = (slice("high", &high)?, slice("low", &low)?);
    let (k, v) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
    );
    rows(py, 3, h.len(), |out| {
        structure::retracements(h, l, k, v, out)
    })
}

/// `(direction, current, deepest)` without lookahead: a (3, len) array.
#[pyfunction]
fn retracements_causal<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l) = (slice("high", &high)?, slice("low", &low)?);
    let (k, v) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
    );
    rows(py, 3, h.len(), |out| {
        structure::retracements_causal(h, l, k, v, out)
    })
}

/// `(active, high, low)`: a (3, len) array.
#[pyfunction]
fn sessions<'py>(
    py: Python<'py>,
    minute: PyReadonlyArray1<'py, i64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    start: i64,
    end: i64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (m, h, l) = (
        slice("minute", &minute)?,
        slice("high", &high)?,
        slice("low", &low)?,
    );
    rows(py, 3, h.len(), |out| {
        structure::sessions(m, h, l, start, end, out)
    })
}

/// `(ob, top, bottom, ob_volume, mitigated_index, percentage)`: a (6, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn order_blocks<'py>(
    py: Python<'py>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    volume: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    close_mitigation: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    let (v, k) = (slice("volume", &volume)?, slice("HighLow", &swing_kind)?);
    rows(py, 6, h.len(), |out| {
        structure::order_blocks(o, h, l, c, v, k, close_mitigation, out)
    })
}

/// `(ob, top, bottom, ob_index, swing_index, ob_volume, percentage, bullish_mitigated,
/// bearish_mitigated, bullish_removed, bearish_removed)`: an (11, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn order_blocks_causal<'py>(
    py: Python<'py>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    volume: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
    swing_index: PyReadonlyArray1<'py, f64>,
    close_mitigation: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    let (v, k) = (slice("volume", &volume)?, slice("HighLow", &swing_kind)?);
    let (level, index) = (
        slice("Level", &swing_level)?,
        slice("SwingIndex", &swing_index)?,
    );
    rows(py, 11, h.len(), |out| {
        structure::order_blocks_causal(o, h, l, c, v, k, level, index, close_mitigation, out)
    })
}

/// `(liquidity, level, end, swept)`: a (4, len) array.
#[pyfunction]
fn liquidity<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
    range_percent: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l) = (slice("high", &high)?, slice("low", &low)?);
    let (k, v) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
    );
    rows(py, 4, h.len(), |out| {
        structure::liquidity(h, l, k, v, range_percent, out)
    })
}

/// `(liquidity, level, count, pool_index, swept_highs, swept_lows)` without lookahead: a (6, len) array.
#[pyfunction]
fn liquidity_causal<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    swing_kind: PyReadonlyArray1<'py, f64>,
    swing_level: PyReadonlyArray1<'py, f64>,
    swing_index: PyReadonlyArray1<'py, f64>,
    range_percent: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l) = (slice("high", &high)?, slice("low", &low)?);
    let (k, v, b) = (
        slice("HighLow", &swing_kind)?,
        slice("Level", &swing_level)?,
        slice("SwingIndex", &swing_index)?,
    );
    rows(py, 6, h.len(), |out| {
        structure::liquidity_causal(h, l, k, v, b, range_percent, out)
    })
}

/// Per lookback `(support, support_strength, resistance, resistance_strength)`: a (4 * lookbacks, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn support_resistance<'py>(
    py: Python<'py>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    volume: PyReadonlyArray1<'py, f64>,
    pivot_length: usize,
    lookbacks: PyReadonlyArray1<'py, i64>,
    tolerance: f64,
    min_touches: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (h, l, c, v) = (
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
        slice("volume", &volume)?,
    );
    let lookbacks: Vec<usize> = lookbacks
        .as_array()
        .iter()
        .map(|&w| w.max(0) as usize)
        .collect();
    rows(py, 4 * lookbacks.len(), c.len(), |out| {
        structure::support_resistance(
            h,
            l,
            c,
            v,
            pivot_length,
            &lookbacks,
            tolerance,
            min_touches,
            out,
        )
    })
}

/// `(previous_high, previous_low, broken_high, broken_low)`: a (4, len) array.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn previous_high_low<'py>(
    py: Python<'py>,
    times: PyReadonlyArray1<'py, i64>,
    bin: PyReadonlyArray1<'py, i64>,
    labels: PyReadonlyArray1<'py, i64>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (t, b, lab) = (
        slice("times", &times)?,
        slice("bin", &bin)?,
        slice("labels", &labels)?,
    );
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    rows(py, 4, h.len(), |out| {
        structure::previous_high_low(t, b, lab, o, h, l, c, out)
    })
}

/// `(previous_high, previous_low, broken_high, broken_low)` without lookahead: a (4, len) array.
#[pyfunction]
fn previous_high_low_causal<'py>(
    py: Python<'py>,
    bin: PyReadonlyArray1<'py, i64>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (o, h, l, c) = (
        slice("open", &open)?,
        slice("high", &high)?,
        slice("low", &low)?,
        slice("close", &close)?,
    );
    let bin = slice("bin", &bin)?;
    rows(py, 4, h.len(), |out| {
        structure::previous_high_low_causal(bin, o, h, l, c, out)
    })
}

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(swing_highs_lows, m)?)?;
    m.add_function(wrap_pyfunction!(swing_highs_lows_causal, m)?)?;
    m.add_function(wrap_pyfunction!(market_structure, m)?)?;
    m.add_function(wrap_pyfunction!(ranges, m)?)?;
    m.add_function(wrap_pyfunction!(fvg, m)?)?;
    m.add_function(wrap_pyfunction!(fvg_causal, m)?)?;
    m.add_function(wrap_pyfunction!(bos_choch, m)?)?;
    m.add_function(wrap_pyfunction!(bos_choch_causal, m)?)?;
    m.add_function(wrap_pyfunction!(retracements, m)?)?;
    m.add_function(wrap_pyfunction!(retracements_causal, m)?)?;
    m.add_function(wrap_pyfunction!(sessions, m)?)?;
    m.add_function(wrap_pyfunction!(order_blocks, m)?)?;
    m.add_function(wrap_pyfunction!(order_blocks_causal, m)?)?;
    m.add_function(wrap_pyfunction!(liquidity, m)?)?;
    m.add_function(wrap_pyfunction!(liquidity_causal, m)?)?;
    m.add_function(wrap_pyfunction!(support_resistance, m)?)?;
    m.add_function(wrap_pyfunction!(previous_high_low, m)?)?;
    m.add_function(wrap_pyfunction!(previous_high_low_causal, m)?)?;
    Ok(())
}
