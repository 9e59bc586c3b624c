#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| barsmith_fuzz::kernels(data));
