//! `_core.episodes`: level episodes and their features (`barsmith_core::episodes`).

use barsmith_core::episodes;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::{guarded, slice};

/// A (rows, n) C-contiguous array as one slice and its row length.
fn matrix<'a>(name: &str, a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<(&'a [f64], usize, usize)> {
    let (rows, n) = (a.shape()[0], a.shape()[1]);
    let values = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a C-contiguous 2-D array")))?;
    Ok((values, rows, n))
}

type EpisodeArrays<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i8>>,
);

/// `(level, start, end, leave, side)` per episode.
#[pyfunction]
fn level_episodes<'py>(
    py: Python<'py>,
    price: PyReadonlyArray1<'py, f64>,
    levels: PyReadonlyArray2<'py, f64>,
    trigger: f64,
    exit: f64,
    max_bars: i64,
) -> PyResult<EpisodeArrays<'py>> {
    let price = slice("price", &price)?;
    let (levels, _, n) = matrix("levels", &levels)?;
    if n != price.len() {
        return Err(PyValueError::new_err(
            "levels: one row of len(price) values per level",
        ));
    }
    let e = guarded(py, || {
        episodes::level_episodes(price, levels, trigger, exit, max_bars)
    })?;
    Ok((
        e.level.into_pyarray(py),
        e.start.into_pyarray(py),
        e.end.into_pyarray(py),
        e.leave.into_pyarray(py),
        e.side.into_pyarray(py),
    ))
}

/// Output blocks of (features, long rows) with the GIL released.
fn long_blocks<'py, const B: usize>(
    py: Python<'py>,
    values: &PyReadonlyArray2<'py, f64>,
    starts: &PyReadonlyArray1<'py, i64>,
    ends: &PyReadonlyArray1<'py, i64>,
    per_episode: bool,
    kernel: impl FnOnce(&[f64], usize, &[i64], &[i64], &mut [&mut [f64]; B]) + Send,
) -> PyResult<[Bound<'py, PyArray2<f64>>; B]> {
    let (values, rows, n) = matrix("values", values)?;
    let (starts, ends) = (slice("starts", starts)?, slice("ends", ends)?);
    if starts.len() != ends.len() {
        return Err(PyValueError::new_err(
            "starts and ends: one of each per episode",
        ));
    }
    let cols = if per_episode {
        starts.len()
    } else {
        episodes::long_rows(starts, ends)
    };
    let mut blocks: [Vec<f64>; B] = std::array::from_fn(|_| vec![0.0; rows * cols]);
    guarded(py, || {
        let mut views = blocks.each_mut().map(|b| b.as_mut_slice());
        kernel(values, n, starts, ends, &mut views)
    })?;
    let mut out = Vec::with_capacity(B);
    for block in blocks {
        out.push(PyArray1::from_vec(py, block).reshape([rows, cols])?);
    }
    out.try_into()
        .map_err(|_| PyValueError::new_err("output blocks"))
}

/// `(d1, d2)`, each (features, long rows).
#[pyfunction]
fn episode_diffs<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
    starts: PyReadonlyArray1<'py, i64>,
    ends: PyReadonlyArray1<'py, i64>,
    window: usize,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>)> {
    let [d1, d2] = long_blocks(
        py,
        &values,
        &starts,
        &ends,
        false,
        |x, n, s, e, [d1, d2]: &mut [&mut [f64]; 2]| {
            episodes::episode_diffs(x, n, s, e, window, d1, d2)
        },
    )?;
    Ok((d1, d2))
}

/// (features, long rows): the running sums within each episode.
#[pyfunction]
fn episode_cumsum<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
    starts: PyReadonlyArray1<'py, i64>,
    ends: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let [out] = long_blocks(
        py,
        &values,
        &starts,
        &ends,
        false,
        |x, n, s, e, [out]: &mut [&mut [f64]; 1]| episodes::episode_cumsum(x, n, s, e, out),
    )?;
    Ok(out)
}

/// `(first, sum, min, max)`, each (features, episodes).
#[pyfunction]
fn episode_stats<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f64>,
    starts: PyReadonlyArray1<'py, i64>,
    ends: PyReadonlyArray1<'py, i64>,
) -> PyResult<Stats<'py>> {
    let [first, sum, min, max] =
        long_blocks(py, &values, &starts, &ends, true, |x, n, s, e, blocks| {
            episodes::episode_stats(x, n, s, e, blocks)
        })?;
    Ok((first, sum, min, max))
}

type Stats<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(level_episodes, m)?)?;
    m.add_function(wrap_pyfunction!(episode_diffs, m)?)?;
    m.add_function(wrap_pyfunction!(episode_cumsum, m)?)?;
    m.add_function(wrap_pyfunction!(episode_stats, m)?)?;
    Ok(())
}
