//! `cargo bench --bench launch [-- --compare-python] [-- --baseline OTHER-BUILD] [-- --only launch|search|many]`
//!
//! What the wrapper costs a launch. Every case runs the real binary directly (A) and through the
//! wrapper (B), alternating A and B in one run, and reports medians, p95 and the time added per
//! launch (the median of the paired differences). Everything runs in throwaway sandboxes: a temp
//! HOME, a copy of `true` as the "real" tool, synthetic session stores. No network, no AI tools.

#[cfg(unix)]
#[path = "launch/unix.rs"]
mod unix;

fn main() {
    #[cfg(unix)]
    unix::main();
    #[cfg(not(unix))]
    eprintln!("the launch bench measures Unix processes; nothing to run here");
}
