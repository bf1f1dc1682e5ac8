//! ai-session-manager: the binary. All of it is the library; see `lib.rs`.

fn main() -> std::process::ExitCode {
    ai_session_manager::run()
}
