//! `_core.synth`: seeded synthetic MBP-10 days (`barsmith_core::synth`).

use barsmith_core::synth;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::book::columns_to_py;
use crate::guarded;

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

/// Adds this domain's functions to its `_core` submodule.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mbp10, m)?)?;
    Ok(())
}
