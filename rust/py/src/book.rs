//! `_core.book`: MBP-10 bars, and reading and writing DBN files (`barsmith_core::book`, `dbn_io`).

use barsmith_core::book;
use barsmith_core::dbn_io::{self, Mbp10Columns, LEVELS};
use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::{guarded, slice};

/// Ten borrowed level columns (a sequence of ten 1-D arrays).
fn levels<'a, T: numpy::Element>(
    name: &str,
    cols: &'a [PyReadonlyArray1<'_, T>],
) -> PyResult<[&'a [T]; LEVELS]> {
    if cols.len() != LEVELS {
        return Err(PyValueError::new_err(format!(
            "{name}: expected {LEVELS} level columns, got {}",
            cols.len()
        )));
    }
    let mut out: [&[T]; LEVELS] = [&[]; LEVELS];
    for (k, c) in cols.iter().enumerate() {
        out[k] = slice(name, c)?;
    }
    Ok(out)
}

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn mbp10_bars<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    action: PyReadonlyArray1<'py, u8>,
    side: PyReadonlyArray1<'py, u8>,
    price: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, u32>,
    flags: PyReadonlyArray1<'py, u8>,
    sequence: PyReadonlyArray1<'py, u32>,
    bid_px: Vec<PyReadonlyArray1<'py, f64>>,
    ask_px: Vec<PyReadonlyArray1<'py, f64>>,
    bid_sz: Vec<PyReadonlyArray1<'py, u32>>,
    ask_sz: Vec<PyReadonlyArray1<'py, u32>>,
    band_edges: PyReadonlyArray1<'py, f64>,
    interval_ns: i64,
    origin_ns: i64,
    warmup: usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let events = book::Events {
        ts: slice("ts_event", &ts)?,
        action: slice("action", &action)?,
        side: slice("side", &side)?,
        price: slice("price", &price)?,
        size: slice("size", &size)?,
        flags: slice("flags", &flags)?,
        sequence: slice("sequence", &sequence)?,
        bid_px: levels("bid_px", &bid_px)?,
        ask_px: levels("ask_px", &ask_px)?,
        bid_sz: levels("bid_sz", &bid_sz)?,
        ask_sz: levels("ask_sz", &ask_sz)?,
    };
    let edges = slice("band_edges", &band_edges)?;
    let out = guarded(py, || {
        book::mbp10_bars(&events, edges, interval_ns, origin_ns, warmup)
    })?;
    let width = book::n_features(edges.len() - 1);
    let rows = out.start.len();
    let features = numpy::PyArray1::from_vec(py, out.features).reshape([rows, width])?;
    PyTuple::new(
        py,
        [
            out.bad_rows.to_vec().into_pyarray(py).into_any(),
            out.start.into_pyarray(py).into_any(),
            features.into_any(),
        ],
    )
}

/// Columns as a dict of NumPy arrays, named as Databento names them.
pub(crate) fn columns_to_py<'py>(py: Python<'py>, c: Mbp10Columns) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ts_recv", c.ts_recv.into_pyarray(py))?;
    d.set_item("ts_event", c.ts_event.into_pyarray(py))?;
    d.set_item("rtype", c.rtype.into_pyarray(py))?;
    d.set_item("publisher_id", c.publisher_id.into_pyarray(py))?;
    d.set_item("instrument_id", c.instrument_id.into_pyarray(py))?;
    d.set_item("action", c.action.into_pyarray(py))?;
    d.set_item("side", c.side.into_pyarray(py))?;
    d.set_item("depth", c.depth.into_pyarray(py))?;
    d.set_item("price", c.price.into_pyarray(py))?;
    d.set_item("size", c.size.into_pyarray(py))?;
    d.set_item("flags", c.flags.into_pyarray(py))?;
    d.set_item("ts_in_delta", c.ts_in_delta.into_pyarray(py))?;
    d.set_item("sequence", c.sequence.into_pyarray(py))?;
    for (name, cols) in [("bid_px", c.bid_px), ("ask_px", c.ask_px)] {
        for (k, col) in cols.into_iter().enumerate() {
            d.set_item(format!("{name}_{k:02}"), col.into_pyarray(py))?;
        }
    }
    for (name, cols) in [
        ("bid_sz", c.bid_sz),
        ("ask_sz", c.ask_sz),
        ("bid_ct", c.bid_ct),
        ("ask_ct", c.ask_ct),
    ] {
        for (k, col) in cols.into_iter().enumerate() {
            d.set_item(format!("{name}_{k:02}"), col.into_pyarray(py))?;
        }
    }
    Ok(d)
}

/// Reading errors as (message, record or None), which the front turns into `InputError`.
fn read_error(e: dbn_io::ReadError) -> PyErr {
    PyValueError::new_err((e.message, e.record))
}

/// A streaming reader over one DBN MBP-10 file.
#[pyclass(unsendable)]
struct Mbp10Reader {
    inner: dbn_io::Mbp10Reader,
}

#[pymethods]
impl Mbp10Reader {
    #[new]
    fn new(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(Self {
            inner: dbn_io::Mbp10Reader::open(path).map_err(read_error)?,
        })
    }

    /// Up to `max_records` records as a dict of arrays (empty at the end).
    fn next_chunk<'py>(
        &mut self,
        py: Python<'py>,
        max_records: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let inner = &mut self.inner;
        let cols = guarded(py, || inner.next_chunk(max_records))?.map_err(read_error)?;
        columns_to_py(py, cols)
    }

    #[getter]
    fn dataset(&self) -> String {
        self.inner.metadata().dataset.clone()
    }

    #[getter]
    fn version(&self) -> u8 {
        self.inner.metadata().version
    }
}

#[pyfunction]
#[pyo3(signature = (columns, path, dataset, zstd))]
fn write_mbp10(
    py: Python<'_>,
    columns: &Bound<'_, PyDict>,
    path: std::path::PathBuf,
    dataset: &str,
    zstd: bool,
) -> PyResult<()> {
    fn col<T: numpy::Element + Copy>(d: &Bound<'_, PyDict>, name: &str) -> PyResult<Vec<T>> {
        let item = d.get_item(name)?.ok_or_else(|| {
            PyValueError::new_err((format!("missing column {name}"), None::<u64>))
        })?;
        let arr: PyReadonlyArray1<T> = item.extract().map_err(|_| {
            PyValueError::new_err((
                format!("column {name}: expected a 1-D array of the DBN dtype"),
                None::<u64>,
            ))
        })?;
        Ok(arr.as_array().to_vec())
    }
    let lv = |name: &str| -> PyResult<[Vec<u32>; LEVELS]> {
        let v: Vec<Vec<u32>> = (0..LEVELS)
            .map(|k| col(columns, &format!("{name}_{k:02}")))
            .collect::<PyResult<_>>()?;
        Ok(v.try_into().unwrap())
    };
    let lp = |name: &str| -> PyResult<[Vec<f64>; LEVELS]> {
        let v: Vec<Vec<f64>> = (0..LEVELS)
            .map(|k| col(columns, &format!("{name}_{k:02}")))
            .collect::<PyResult<_>>()?;
        Ok(v.try_into().unwrap())
    };
    let cols = Mbp10Columns {
        ts_recv: col(columns, "ts_recv")?,
        ts_event: col(columns, "ts_event")?,
        rtype: col(columns, "rtype")?,
        publisher_id: col(columns, "publisher_id")?,
        instrument_id: col(columns, "instrument_id")?,
        action: col(columns, "action")?,
        side: col(columns, "side")?,
        depth: col(columns, "depth")?,
        price: col(columns, "price")?,
        size: col(columns, "size")?,
        flags: col(columns, "flags")?,
        ts_in_delta: col(columns, "ts_in_delta")?,
        sequence: col(columns, "sequence")?,
        bid_px: lp("bid_px")?,
        ask_px: lp("ask_px")?,
        bid_sz: lv("bid_sz")?,
        ask_sz: lv("ask_sz")?,
        bid_ct: lv("bid_ct")?,
        ask_ct: lv("ask_ct")?,
    };
    guarded(py, || dbn_io::write_mbp10(&cols, path, dataset, zstd))?.map_err(read_error)
}

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mbp10_bars, m)?)?;
    m.add_function(wrap_pyfunction!(write_mbp10, m)?)?;
    m.add_class::<Mbp10Reader>()?;
    Ok(())
}
