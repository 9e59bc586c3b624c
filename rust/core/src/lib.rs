//! barsmith kernels over plain slices.
//!
//! No Python types here: `cargo test -p barsmith-core` runs without Python,
//! and a Rust user can call the kernels directly. Inputs are assumed valid
//! (the Python fronts validate them, see `bars::scan_trades`).

// (the macros come before the modules: they use them)

/// `#[target_feature]` of the x86-64-v3 build, written once (see [`cpu_has_v3`]).
macro_rules! v3_build {
    ($item:item) => {
        #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
        $item
    };
}

/// Calls `$f($args)` compiled for x86-64-v3's integer and vector extensions
/// (AVX2, BMI1/2, LZCNT, POPCNT) when the running CPU has them, else the
/// portable build. Wheels target baseline x86-64 (SSE2), where the trade
/// checks' block reductions run about 2x slower and bit scans take a branch.
/// FMA stays off: the compiler never fuses a multiply-add on its own here, so
/// no result depends on which build ran, and no code needs these to be correct.
macro_rules! multiversion {
    // a call: `multiversion!(f(args))`, `f` inlined into both builds
    ($f:ident($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            v3_build! {
                unsafe fn v3<R>(run: impl FnOnce() -> R) -> R {
                    run()
                }
            }
            if $crate::cpu_has_v3() {
                // SAFETY: the CPU has every feature enabled (cpu_has_v3)
                unsafe { v3(#[inline(always)] move || $f($($arg),*)) }
            } else {
                $f($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $f($($arg),*)
        }
    }};
    // a function body: `multiversion!(f(name: Type, ...) -> R)`, for a long loop
    // whose arguments must stay registers (through a closure they are loads from
    // its captures, 3% slower in the book kernel)
    ($f:ident($($arg:ident: $t:ty),*) -> $r:ty) => {{
        #[cfg(target_arch = "x86_64")]
        {
            v3_build! {
                unsafe fn v3($($arg: $t),*) -> $r {
                    $f($($arg),*)
                }
            }
            if $crate::cpu_has_v3() {
                // SAFETY: the CPU has every feature enabled (cpu_has_v3)
                return unsafe { v3($($arg),*) };
            }
        }
        $f($($arg),*)
    }};
}

static PORTABLE_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes [`multiversion!`] (and the other run-time CPU choices) take the portable
/// build while `on`: the tests compare the two builds' results, which must be equal.
#[doc(hidden)]
pub fn force_portable(on: bool) {
    PORTABLE_ONLY.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The CPU has the features of `v3_build!` (cached by std after the first call),
/// and [`force_portable`] is off.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn cpu_has_v3() -> bool {
    !PORTABLE_ONLY.load(std::sync::atomic::Ordering::Relaxed)
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// A count as f64, through i64: one `cvtsi2sd`, where x86-64 before AVX-512 needs a
/// five-instruction sequence for a usize (it made a rolling mean 1.5x slower). Counts
/// stay far below 2^63, so the value is the same.
#[inline(always)]
pub(crate) fn count_f64(n: usize) -> f64 {
    n as i64 as f64
}

/// Asks for the cache line at `at` into L2 (a hint: never faults).
#[inline(always)]
pub(crate) fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(at as *const i8);
    }
}

static CAUGHT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Panics [`quietly`] has turned into errors in this process: the fuzz targets find the
/// `dbn` decoder's own panics through it.
#[doc(hidden)]
pub fn caught_panics() -> u64 {
    CAUGHT.load(std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err(message)` without printing it: for code we
/// do not control (the `dbn` decoder) fed with damaged input, where a panic is a
/// refusal to report, not a bug to show. Other threads' panics print as usual.
pub fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info)
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    out.map_err(|payload| {
        CAUGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into())
    })
}

pub mod bars;
pub mod book;
pub mod codes;
pub mod dbn_io;
pub mod engines;
pub mod episodes;
pub mod indicators;
pub mod orderflow;
pub mod structure;
pub mod synth;
