//! Writes the seed corpus of the `dbn_reader` target into the folder given:
//! `cargo run -p barsmith-fuzz --example seeds -- DIR` (`rust/fuzz/run` does it).
fn main() {
    let dir = std::env::args().nth(1).expect("usage: seeds DIR");
    std::fs::create_dir_all(&dir).expect("the corpus folder");
    for (name, bytes) in barsmith_fuzz::dbn_seeds() {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).expect("a seed file");
    }
}
