//! Running a launch, and comparing two sides of it: medians, percentiles and peak RSS.

use super::*;

/// A command line to time, with the environment it runs in.
#[derive(Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub arg0: String,
    pub args: Vec<OsString>,
    pub env: Vec<(String, OsString)>,
    pub cwd: PathBuf,
}

impl Launch {
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .arg0(&self.arg0)
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Wall time and peak RSS (KB) of one launch.
    pub fn run(&self) -> (Duration, f64) {
        let started = Instant::now();
        let (status, rss_kb) = run_with_rusage(&mut self.command(), |_| {});
        let elapsed = started.elapsed();
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{} failed: status {status}",
            self.program.display()
        );
        (elapsed, rss_kb)
    }
}

/// Spawns `command`, lets `during` use the child, then reaps it with `wait4`, which also reports
/// its peak RSS (std's `wait` does not).
#[allow(clippy::zombie_processes)]
pub fn run_with_rusage(
    command: &mut Command,
    during: impl FnOnce(&mut std::process::Child),
) -> (i32, f64) {
    let mut child = command.spawn().expect("spawn");
    during(&mut child);
    wait_with_rusage(child.id() as libc::pid_t)
}

pub fn wait_with_rusage(pid: libc::pid_t) -> (i32, f64) {
    let mut status = 0;
    // SAFETY: plain wait4 on our own child with valid out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    (status, usage.ru_maxrss as f64)
}

#[derive(Default)]
pub struct Comparison {
    pub direct_ms: Vec<f64>,
    pub wrapped_ms: Vec<f64>,
    pub added_ms: Vec<f64>,
    pub wrapped_rss_kb: Vec<f64>,
}

/// Alternates A and B `runs` times; `reset` runs untimed before each B launch.
pub fn compare(
    runs: usize,
    direct: &Launch,
    wrapped: &Launch,
    reset: Option<&dyn Fn()>,
) -> Comparison {
    let mut result = Comparison::default();
    // Warm the page cache and the loader for both sides.
    for _ in 0..5 {
        if let Some(reset) = reset {
            reset();
        }
        direct.run();
        wrapped.run();
    }
    for _ in 0..runs {
        let (a, _) = direct.run();
        if let Some(reset) = reset {
            reset();
        }
        let (b, rss) = wrapped.run();
        let (a, b) = (a.as_secs_f64() * 1e3, b.as_secs_f64() * 1e3);
        result.direct_ms.push(a);
        result.wrapped_ms.push(b);
        result.added_ms.push(b - a);
        result.wrapped_rss_kb.push(rss);
    }
    result
}

/// The median time each build adds to `direct`, measured in one run: every round runs the direct
/// launch and both builds, in an order that turns each round so that none is always first.
pub fn compare_builds(runs: usize, direct: &Launch, this: &Launch, other: &Launch) -> (f64, f64) {
    let launches = [direct, this, other];
    for launch in launches {
        for _ in 0..5 {
            launch.run();
        }
    }
    let (mut added_this, mut added_other) = (Vec::new(), Vec::new());
    for round in 0..runs {
        let mut ms = [0.0; 3];
        for step in 0..3 {
            let which = (round + step) % 3;
            ms[which] = launches[which].run().0.as_secs_f64() * 1e3;
        }
        added_this.push(ms[1] - ms[0]);
        added_other.push(ms[2] - ms[0]);
    }
    (median(&added_this), median(&added_other))
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank]
}

pub fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}
