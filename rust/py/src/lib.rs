//! `barsmith._core`: thin PyO3 wrappers over `barsmith-core`.
//!
//! Each wrapper borrows its NumPy inputs without copying (the Python fronts
//! pass C-contiguous arrays of the kernel dtypes), releases the GIL while the
//! kernel runs and hands the output vectors to NumPy without copying.
//! Submodules mirror the Python domains: `_core.bars.time_bars` is
//! `_numba/bars.py::time_bars` is `_pandas/bars.py::time_bars`.

use barsmith_core::dbn_io::{self, Mbp10Columns, LEVELS};
use barsmith_core::{bars, book, indicators, orderflow, structure, synth};

mod inputs;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Runs `f` with the GIL released. A panic (a kernel's assumption broken by input the
/// fronts did not check, such as columns of different lengths passed to `_core`
/// directly) becomes `barsmith.InputError`, not pyo3's `PanicException`, which derives
/// from `BaseException` and so escapes a user's `except Exception`; nothing is printed.
pub(crate) fn guarded<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| barsmith_core::quietly(f))
        .map_err(|panic| refused(py, panic))
}

/// `barsmith.InputError` for a kernel's panic (see [`guarded`]).
pub(crate) fn refused(py: Python<'_>, panic: String) -> PyErr {
    let message = format!("the kernel refused its input ({panic}); check that the columns have one length and the kernel's dtypes");
    match py
        .import("barsmith._errors")
        .and_then(|m| m.getattr("InputError"))
    {
        Ok(input_error) => match input_error.call1((message.clone(),)) {
            Ok(err) => PyErr::from_value(err),
            Err(e) => e,
        },
        Err(_) => PyValueError::new_err(message),
    }
}

pub(crate) fn slice<'a, T: numpy::Element>(
    name: &str,
    a: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a C-contiguous 1-D array")))
}

fn bars_to_py<'py>(py: Python<'py>, b: bars::Bars) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            b.bad_rows.to_vec().into_pyarray(py).into_any(),
            b.start.into_pyarray(py).into_any(),
            b.open.into_pyarray(py).into_any(),
            b.high.into_pyarray(py).into_any(),
            b.low.into_pyarray(py).into_any(),
            b.close.into_pyarray(py).into_any(),
            b.volume.into_pyarray(py).into_any(),
            b.vwap.into_pyarray(py).into_any(),
            b.n_trades.into_pyarray(py).into_any(),
            b.buy_volume.into_pyarray(py).into_any(),
            b.sell_volume.into_pyarray(py).into_any(),
            b.ts_first.into_pyarray(py).into_any(),
            b.ts_last.into_pyarray(py).into_any(),
        ],
    )
}

/// Borrows the four trade columns as slices, named for error messages.
macro_rules! trade_slices {
    ($ts:ident, $price:ident, $size:ident, $side:ident) => {
        (
            slice("ts", &$ts)?,
            slice("price", &$price)?,
            slice("size", &$size)?,
            slice("side", &$side)?,
        )
    };
}

#[pyfunction]
fn scan_trades<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    price: PyReadonlyArray1<'py, f64>,
    size: PyReadonlyArray1<'py, f64>,
    side: PyReadonlyArray1<'py, i8>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (ts, price, size, side) = trade_slices!(ts, price, size, side);
    let rows = guarded(py, || bars::scan_trades(ts, price, size, side))?;
    Ok(rows.to_vec().into_pyarray(py))
}

/// A wrapper for a bar kernel: the four trade columns plus the kernel's own
/// parameters, returning the scan result and the bar columns.
macro_rules! bar_kernel {
    ($name:ident($($param:ident: $ty:ty),*)) => {
        #[pyfunction]
        fn $name<'py>(
            py: Python<'py>,
            ts: PyReadonlyArray1<'py, i64>,
            price: PyReadonlyArray1<'py, f64>,
            size: PyReadonlyArray1<'py, f64>,
            side: PyReadonlyArray1<'py, i8>,
            $($param: $ty),*
        ) -> PyResult<Bound<'py, PyTuple>> {
            let (ts, price, size, side) = trade_slices!(ts, price, size, side);
            let out = guarded(py, || bars::$name(ts, price, size, side, $($param),*))?;
            bars_to_py(py, out)
        }
    };
}

bar_kernel!(time_bars(interval_ns: i64, origin_ns: i64));
bar_kernel!(tick_bars(n_per_bar: i64));
bar_kernel!(volume_bars(threshold: f64));
bar_kernel!(dollar_bars(threshold: f64));

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
fn columns_to_py<'py>(py: Python<'py>, c: Mbp10Columns) -> PyResult<Bound<'py, PyDict>> {
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

#[pyfunction]
#[pyo3(signature = (n_events, seed, day_ns, tick, start_price))]
fn mbp10<'py>(
    py: Python<'py>,
    n_events: usize,
    seed: u64,
    day_ns: i64,
    tick: f64,
    start_price: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = synth::Mbp10Spec {
        n_events,
        seed,
        day_ns,
        tick,
        start_price,
        ..Default::default()
    };
    let cols = guarded(py, || synth::mbp10(&spec))?;
    columns_to_py(py, cols)
}

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

/// Runs `kernel(out)` with the GIL released on `k` outputs of `len` values each: a (k, len) array.
fn rows<'py>(
    py: Python<'py>,
    k: usize,
    len: usize,
    kernel: impl FnOnce(&mut [f64]) + Send,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let mut out = vec![0.0; k * len];
    guarded(py, || kernel(&mut out))?;
    numpy::PyArray1::from_vec(py, out).reshape([k, len])
}

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

fn submodule<'py>(parent: &Bound<'py, PyModule>, name: &str) -> PyResult<Bound<'py, PyModule>> {
    let m = PyModule::new(parent.py(), name)?;
    parent.add_submodule(&m)?;
    Ok(m)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    inputs::register(&submodule(m, "inputs")?)?;

    let bars_mod = submodule(m, "bars")?;
    bars_mod.add_function(wrap_pyfunction!(scan_trades, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(time_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(tick_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(volume_bars, &bars_mod)?)?;
    bars_mod.add_function(wrap_pyfunction!(dollar_bars, &bars_mod)?)?;

    let flow_mod = submodule(m, "orderflow")?;
    flow_mod.add_function(wrap_pyfunction!(trade_signs, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(cvd, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(trade_flow, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(volume_profile, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(rolling_quantile, &flow_mod)?)?;
    flow_mod.add_function(wrap_pyfunction!(trade_events, &flow_mod)?)?;

    let book_mod = submodule(m, "book")?;
    book_mod.add_function(wrap_pyfunction!(mbp10_bars, &book_mod)?)?;
    book_mod.add_function(wrap_pyfunction!(write_mbp10, &book_mod)?)?;
    book_mod.add_class::<Mbp10Reader>()?;

    let ind_mod = submodule(m, "indicators")?;
    for f in [
        wrap_pyfunction!(sma, &ind_mod)?,
        wrap_pyfunction!(wma, &ind_mod)?,
        wrap_pyfunction!(ema, &ind_mod)?,
        wrap_pyfunction!(rsi, &ind_mod)?,
        wrap_pyfunction!(true_range, &ind_mod)?,
        wrap_pyfunction!(atr, &ind_mod)?,
        wrap_pyfunction!(roc, &ind_mod)?,
        wrap_pyfunction!(natr, &ind_mod)?,
        wrap_pyfunction!(willr, &ind_mod)?,
        wrap_pyfunction!(obv, &ind_mod)?,
        wrap_pyfunction!(stoch, &ind_mod)?,
        wrap_pyfunction!(macd, &ind_mod)?,
        wrap_pyfunction!(dmi, &ind_mod)?,
        wrap_pyfunction!(bbands, &ind_mod)?,
        wrap_pyfunction!(rolling_zscore, &ind_mod)?,
        wrap_pyfunction!(cci, &ind_mod)?,
        wrap_pyfunction!(mfi, &ind_mod)?,
        wrap_pyfunction!(vwap, &ind_mod)?,
    ] {
        ind_mod.add_function(f)?;
    }
    ind_mod.add_class::<IndicatorStream>()?;

    let structure_mod = submodule(m, "structure")?;
    structure_mod.add_function(wrap_pyfunction!(swing_highs_lows, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(swing_highs_lows_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(fvg, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(fvg_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(bos_choch, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(bos_choch_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(retracements, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(retracements_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(sessions, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(order_blocks, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(order_blocks_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(liquidity, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(liquidity_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(support_resistance, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(previous_high_low, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(previous_high_low_causal, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(market_structure, &structure_mod)?)?;
    structure_mod.add_function(wrap_pyfunction!(ranges, &structure_mod)?)?;

    let synth_mod = submodule(m, "synth")?;
    synth_mod.add_function(wrap_pyfunction!(mbp10, &synth_mod)?)?;

    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
