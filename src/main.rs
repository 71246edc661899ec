//! The `liaison` binary: parse the command line and run it. Everything
//! else lives in the library ([`liaison::app`]).

use std::process::ExitCode;

use clap::Parser;
use liaison::config::Cli;

/// mimalloc: measured faster than glibc's allocator under load (README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    match liaison::app::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        // The error and its causes on one line; never a backtrace, whatever
        // RUST_BACKTRACE says: these are the operator's errors, not bugs.
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
