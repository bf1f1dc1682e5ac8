//! The real tools are the judge: claude 2.1.330, codex 0.169.0, gemini-cli 0.61.0 and copilot
//! 1.0.102, installed from npm and run offline against a mock model API on 127.0.0.1.
//!
//! Run with `scripts/real-tools.sh` (or `cargo test --test real_tools -- --ignored`). Each check
//! is one test; the TUIs run in tmux. Only an unreachable npm registry skips, loudly.

// tmux and the tools' npm shims: Unix only.
#![cfg(unix)]

mod real_support;

use std::path::PathBuf;
use std::time::Duration;

use real_support::mock::{Request, Speaker, reply_to};
use real_support::tui::Tui;
use real_support::world::{World, text, world, write};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(90);

/// One visible message: who said it and its text.
type Message = (Speaker, String);

fn user(text: &str) -> Message {
    (Speaker::User, text.to_owned())
}

fn assistant(text: &str) -> Message {
    (Speaker::Assistant, text.to_owned())
}

/// A prompt and the mock's reply to it.
fn exchange(prompt: &str) -> [Message; 2] {
    [user(prompt), assistant(&reply_to(prompt))]
}

/// Of the requests that answer `prompt`, the one carrying the most conversation: tools also
/// send helper requests (titles, routing) that repeat the prompt alone.
fn request_for(world: &World, prompt: &str) -> Result<Request, String> {
    world
        .mock
        .wait_for_prompt(prompt, WAIT)
        .ok_or_else(|| format!("no request answered {prompt:?}"))?;
    let best = world
        .mock
        .requests()
        .into_iter()
        .filter(|request| request.prompt().contains(prompt))
        .max_by_key(|request| request.conversation().len());
    best.ok_or_else(|| format!("no request answered {prompt:?}"))
}

/// The request holds `expected` in order, with the right speakers, and no turn of it is empty.
fn carries(request: &Request, expected: &[Message]) -> Result<(), String> {
    let turns = request.conversation();
    let shown = || {
        turns
            .iter()
            .map(|turn| {
                let text: String = turn.text().chars().take(60).collect();
                format!(
                    "  {:?}{} {text:?}",
                    turn.speaker,
                    if turn.empty { " EMPTY" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(empty) = turns.iter().position(|turn| turn.empty) {
        return Err(format!(
            "turn {empty} of {} is empty:\n{}",
            request.path,
            shown()
        ));
    }
    let mut rest = turns.iter();
    for (speaker, text) in expected {
        let found = rest
            .by_ref()
            .any(|turn| turn.speaker == *speaker && turn.texts.iter().any(|t| t.contains(text)));
        if !found {
            return Err(format!(
                "{speaker:?} {text:?} is missing or out of order in {}:\n{}",
                request.path,
                shown()
            ));
        }
    }
    Ok(())
}

/// Sends `prompt` in a running TUI and waits for the mock's reply on its screen; returns the
/// request that answered it.
fn say(world: &World, tui: &Tui, prompt: &str) -> Result<Request, String> {
    tui.type_line(prompt)?;
    tui.wait_for(&reply_to(prompt), WAIT)?;
    request_for(world, prompt)
}

/// The texts of `messages`, as the screen must show them.
fn texts(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|(_, text)| text.as_str()).collect()
}

/// Launches `tool` through its wrapper, checks the screen shows `earlier`, carries on with
/// `prompt`, and checks the model got `earlier` then `prompt`. Returns the whole conversation.
fn resume_and_continue(
    world: &World,
    tool: &str,
    earlier: &[Message],
    prompt: &str,
) -> Result<Vec<Message>, String> {
    resume_and_continue_in(world, &world.project, tool, earlier, prompt)
}

/// [`resume_and_continue`] in the project at `dir`.
fn resume_and_continue_in(
    world: &World,
    dir: &std::path::Path,
    tool: &str,
    earlier: &[Message],
    prompt: &str,
) -> Result<Vec<Message>, String> {
    let mut tui = world.launch_in(dir, tool, &[]);
    tui.wait_for_all(&texts(earlier), WAIT)
        .map_err(|screen| format!("{tool} did not show the earlier turns: {screen}"))?;
    let request = say(world, &tui, prompt)?;
    let mut all = earlier.to_vec();
    all.push(user(prompt));
    carries(&request, &all)?;
    tui.quit()?;
    all.push(assistant(&reply_to(prompt)));
    Ok(all)
}

/// A first launch through the wrapper: one exchange in a new session.
fn first_session(world: &World, tool: &str, prompt: &str) -> Result<Vec<Message>, String> {
    let mut tui = world.launch(tool, &[]);
    let request = say(world, &tui, prompt)?;
    carries(&request, &[user(prompt)])?;
    tui.quit()?;
    Ok(exchange(prompt).to_vec())
}

macro_rules! real_world {
    () => {
        match world() {
            Some(world) => world,
            None => return,
        }
    };
}

fn check(result: Result<(), String>) {
    if let Err(why) = result {
        panic!("{why}");
    }
}

// ---------------------------------------------------------------- launch rules

fn claude_dir(world: &World) -> PathBuf {
    let name: String = world
        .project
        .to_str()
        .unwrap()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    world.home.join(".claude/projects").join(name)
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn claude_starts_a_session_then_resumes_it() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "claude", "claude launch alpha")?;
        let id = world.target("claude").ok_or("no session stored")?;
        let transcript = claude_dir(&world).join(format!("{id}.jsonl"));
        if !transcript.is_file() {
            return Err(format!("claude did not take --session-id {id}"));
        }
        resume_and_continue(&world, "claude", &first, "claude launch beta")?;
        let transcripts = world.files_under(&claude_dir(&world));
        let sessions: Vec<_> = transcripts
            .iter()
            .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
            .collect();
        if sessions != [&transcript] {
            return Err(format!("the resume wrote elsewhere: {sessions:?}"));
        }
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn codex_starts_as_typed_then_resumes_the_session_it_discovers() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "codex", "codex launch alpha")?;
        resume_and_continue(&world, "codex", &first, "codex launch beta")?;
        let id = world.target("codex").ok_or("no session stored")?;
        let rollouts = world.files_under(&world.home.join(".codex/sessions"));
        if rollouts.len() != 1 || !rollouts[0].to_string_lossy().contains(&id) {
            return Err(format!("expected one rollout for {id}: {rollouts:?}"));
        }
        Ok(())
    })());
}

fn gemini_files(world: &World) -> Vec<PathBuf> {
    world
        .files_under(&world.home.join(".gemini/tmp"))
        .into_iter()
        .filter(|path| path.to_string_lossy().contains("/chats/session-"))
        .collect()
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn gemini_starts_a_session_then_resumes_it() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "gemini", "gemini launch alpha")?;
        let id = world.target("gemini").ok_or("no session stored")?;
        let holds_id =
            |path: &PathBuf| std::fs::read_to_string(path).is_ok_and(|body| body.contains(&id));
        if !gemini_files(&world).iter().any(holds_id) {
            return Err(format!("gemini did not take --session-id {id}"));
        }
        resume_and_continue(&world, "gemini", &first, "gemini launch beta")?;
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn copilot_passes_the_same_session_id_and_resumes_it() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "copilot", "copilot launch alpha")?;
        let id = world.target("copilot").ok_or("no session stored")?;
        let events = world
            .home
            .join(".copilot/session-state")
            .join(&id)
            .join("events.jsonl");
        if !events.is_file() {
            return Err(format!("copilot did not take --session-id {id}"));
        }
        resume_and_continue(&world, "copilot", &first, "copilot launch beta")?;
        Ok(())
    })());
}

// ---------------------------------------------------------------- moved and copied projects

/// The world's project moved to a new name, trusted there as the user would trust it.
fn move_project(world: &World) -> PathBuf {
    let to = world.root.join("work").join("moved-shop");
    std::fs::rename(&world.project, &to).unwrap();
    world.trust(&to);
    to
}

/// A session, then the project moved: the first launch at the new place resumes it with every
/// earlier turn, and so does the next.
fn moved_project_resumes(tool: &str) {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, tool, &format!("{tool} before the move"))?;
        let moved = move_project(&world);
        let all = resume_and_continue_in(&world, &moved, tool, &first, &format!("{tool} moved"))?;
        resume_and_continue_in(&world, &moved, tool, &all, &format!("{tool} moved, again"))?;
        let state = world.state_in(&moved, tool);
        if state["origin"]["how"] != "moved" || state["root"] != moved.to_str().unwrap() {
            return Err(format!("the state does not record the move: {state}"));
        }
        Ok(())
    })());
}

/// A session, then `cp -a` of the project: the copy's first launch forks (its model gets the
/// earlier turns), and the original's next launch does not see the copy's turn.
fn copied_project_forks(tool: &str) {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, tool, &format!("{tool} in the original"))?;
        let copy = world.root.join("work").join("shop-copy");
        let copied = std::process::Command::new("cp")
            .arg("-a")
            .arg(&world.project)
            .arg(&copy)
            .status()
            .unwrap();
        assert!(copied.success());
        world.trust(&copy);
        let in_copy = format!("{tool} in the copy");
        resume_and_continue_in(&world, &copy, tool, &first, &in_copy)?;
        let back = format!("{tool} back in the original");
        resume_and_continue_in(&world, &world.project, tool, &first, &back)?;
        let request = request_for(&world, &back)?;
        if request.body.to_string().contains(&in_copy) {
            return Err(format!(
                "the original's session holds the copy's turn: {}",
                request.path
            ));
        }
        let state = world.state_in(&copy, tool);
        if state["origin"]["how"] != "copied" {
            return Err(format!(
                "the copy's state does not record the fork: {state}"
            ));
        }
        Ok(())
    })());
}

/// Runs git in the world's project, as its user.
fn git(world: &World, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
        .args(args)
        .current_dir(&world.project)
        .env("HOME", &world.home)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// With `scope = branch`: a session on the first branch; a new branch forks it (its model gets
/// the earlier turns); back on the first branch, its own session goes on without the other's.
fn new_branch_forks(tool: &str) {
    let world = real_world!();
    check((|| {
        let out = world.asm(["config", "set", "scope", "branch"]);
        if !out.status.success() {
            return Err(text(&out.stderr));
        }
        git(&world, &["commit", "-q", "--allow-empty", "-m", "start"]);
        let first = first_session(&world, tool, &format!("{tool} on the first branch"))?;
        git(&world, &["checkout", "-q", "-b", "feature/x"]);
        let on_feature = format!("{tool} on the feature branch");
        resume_and_continue(&world, tool, &first, &on_feature)?;
        git(&world, &["checkout", "-q", "-"]);
        let back = format!("{tool} back on the first branch");
        resume_and_continue(&world, tool, &first, &back)?;
        let request = request_for(&world, &back)?;
        if request.body.to_string().contains(&on_feature) {
            return Err(format!(
                "the first branch's session holds the other's turn: {}",
                request.path
            ));
        }
        Ok(())
    })());
}

macro_rules! relocations {
    ($($name:ident: $check:ident($tool:literal),)*) => {$(
        #[test]
        #[ignore = "real tools: scripts/real-tools.sh"]
        fn $name() {
            $check($tool);
        }
    )*};
}

relocations! {
    moved_claude_project_resumes: moved_project_resumes("claude"),
    moved_codex_project_resumes: moved_project_resumes("codex"),
    moved_gemini_project_resumes: moved_project_resumes("gemini"),
    moved_copilot_project_resumes: moved_project_resumes("copilot"),
    copied_claude_project_forks: copied_project_forks("claude"),
    copied_codex_project_forks: copied_project_forks("codex"),
    copied_gemini_project_forks: copied_project_forks("gemini"),
    new_claude_branch_forks: new_branch_forks("claude"),
    new_codex_branch_forks: new_branch_forks("codex"),
    new_gemini_branch_forks: new_branch_forks("gemini"),
}

// ---------------------------------------------------------------- the archive and sync

/// `git` in `dir`, as the world's user.
fn git_in(world: &World, dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", &world.home)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn asm_ok(world: &World, args: &[&str]) -> String {
    let out = world.asm(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A session made by the real tool on machine A, pushed to a bare remote, pulled on machine B
/// (another HOME, another path): B's plain launch resumes it, and B's model gets A's turns.
fn synced_session_resumes_on_another_machine(tool: &str) {
    let a = real_world!();
    let b = real_world!();
    check((|| {
        let remote_dir = tempfile::tempdir().unwrap();
        let remote = remote_dir.path().join("remote.git");
        git_in(
            &a,
            remote_dir.path(),
            &["init", "-q", "--bare", remote.to_str().unwrap()],
        );
        for world in [&a, &b] {
            git_in(
                world,
                &world.project,
                &["remote", "add", "origin", remote.to_str().unwrap()],
            );
            git_in(
                world,
                &world.project,
                &["config", "user.email", "dev@example.com"],
            );
        }
        let first = first_session(&a, tool, &format!("{tool} on machine A"))?;
        let pushed = asm_ok(&a, &["sync", "push", tool]);
        if !pushed.contains(&format!("sent {tool}/")) {
            return Err(format!("nothing sent: {pushed}"));
        }
        let pulled = asm_ok(&b, &["sync", "pull", tool]);
        if !pulled.contains(&format!("{tool} now resumes")) {
            return Err(format!("B does not resume it: {pulled}"));
        }
        resume_and_continue(&b, tool, &first, &format!("{tool} on machine B"))?;
        Ok(())
    })());
}

/// Claude's own sweep (here: the transcript deleted as the sweep deletes it) took the session
/// the project resumes: the launch restores it from the archive and claude resumes it whole.
#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn a_claude_session_its_sweep_deleted_is_restored_and_resumed() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "claude", "claude before the sweep")?;
        asm_ok(&world, &["archive", "claude"]);
        let id = world.target("claude").ok_or("no session stored")?;
        let transcript = claude_dir(&world).join(format!("{id}.jsonl"));
        std::fs::remove_file(&transcript).map_err(|e| format!("{e}"))?;
        resume_and_continue(&world, "claude", &first, "claude after the sweep")?;
        Ok(())
    })());
}

relocations! {
    synced_claude_session_resumes_on_another_machine:
        synced_session_resumes_on_another_machine("claude"),
    synced_codex_session_resumes_on_another_machine:
        synced_session_resumes_on_another_machine("codex"),
}

// ---------------------------------------------------------------- conversions

/// A session to convert: how to name it, and its visible messages.
struct Source {
    reference: String,
    messages: Vec<Message>,
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A two-exchange session made by the real tool (agy: a transcript in its documented shape).
fn make_source(world: &World, tool: &str) -> Source {
    let first = format!("first question from {tool}");
    let second = format!("second question from {tool}");
    let mut messages: Vec<Message> = exchange(&first).to_vec();
    messages.extend(exchange(&second));
    let reference = match tool {
        "claude" => {
            let id = uuid();
            world.real("claude", &["-p", &first, "--session-id", &id]);
            world.real("claude", &["-p", &second, "--resume", &id]);
            id
        }
        "codex" => {
            world.real("codex", &["exec", &first]);
            let rollouts = world.files_under(&world.home.join(".codex/sessions"));
            let name = rollouts[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let id = name[name.len() - 42..name.len() - 6].to_owned();
            world.real("codex", &["exec", "resume", &id, &second]);
            id
        }
        "gemini" => {
            let id = uuid();
            world.real("gemini", &["-p", &first, "--session-id", &id]);
            world.real("gemini", &["--resume", &id, "-p", &second]);
            id
        }
        "copilot" => {
            let id = uuid();
            for prompt in [&first, &second] {
                world.real(
                    "copilot",
                    &["-p", prompt, "--session-id", &id, "--allow-all-tools"],
                );
            }
            id
        }
        "agy" => {
            let id = uuid();
            let step = |kind: &str, content: String| {
                json!({"type": kind, "source": "MODEL", "created_at": "2026-11-21T13:00:01Z",
                    "content": content, "tool_calls": []})
                .to_string()
            };
            let lines = [
                step(
                    "USER_INPUT",
                    format!("<USER_REQUEST>{first}</USER_REQUEST>"),
                ),
                step("PLANNER_RESPONSE", reply_to(&first)),
                step(
                    "USER_INPUT",
                    format!("<USER_REQUEST>{second}</USER_REQUEST>"),
                ),
                step("PLANNER_RESPONSE", reply_to(&second)),
            ];
            write(
                &world
                    .home
                    .join(".gemini/antigravity-cli/brain")
                    .join(&id)
                    .join(".system_generated/logs/transcript.jsonl"),
                lines.join("\n") + "\n",
            );
            id
        }
        other => panic!("no source for {other}"),
    };
    Source {
        reference,
        messages,
    }
}

/// Converts a real `from` session to `to`, then resumes it through the wrapper: the screen shows
/// the earlier turns and the model gets them, in order, with no empty message.
/// `session convert --from FROM --to TO --source-session REFERENCE [EXTRA...]`; its stdout.
fn convert(
    world: &World,
    from: &str,
    to: &str,
    reference: &str,
    extra: &[&str],
) -> Result<String, String> {
    let mut args = vec!["session", "convert", "--from", from, "--to", to];
    args.extend(["--source-session", reference]);
    args.extend(extra);
    let out = world.asm(args);
    if !out.status.success() {
        return Err(format!(
            "convert: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    Ok(text(&out.stdout))
}

fn convert_and_resume(from: &str, to: &str) {
    let world = real_world!();
    check((|| {
        let source = make_source(&world, from);
        convert(&world, from, to, &source.reference, &[])?;
        let prompt = format!("next question in {to} after {from}");
        let all = resume_and_continue(&world, to, &source.messages, &prompt)?;
        if to == "gemini" {
            // The import is done; the next launch resumes the imported session.
            let again = format!("another question in {to} after {from}");
            resume_and_continue(&world, to, &all, &again)?;
            let id = world.target("gemini").ok_or("no session stored")?;
            if world.state("gemini").get("import").is_some() || !is_uuid(&id) {
                return Err(format!("gemini still imports: {}", world.state("gemini")));
            }
        }
        Ok(())
    })());
}

fn is_uuid(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok() && text.len() == 36
}

macro_rules! pairs {
    ($($name:ident: $from:literal -> $to:literal,)*) => {$(
        #[test]
        #[ignore = "real tools: scripts/real-tools.sh"]
        fn $name() {
            convert_and_resume($from, $to);
        }
    )*};
}

pairs! {
    convert_claude_to_claude: "claude" -> "claude",
    convert_claude_to_codex: "claude" -> "codex",
    convert_claude_to_gemini: "claude" -> "gemini",
    convert_codex_to_claude: "codex" -> "claude",
    convert_codex_to_codex: "codex" -> "codex",
    convert_codex_to_gemini: "codex" -> "gemini",
    convert_gemini_to_claude: "gemini" -> "claude",
    convert_gemini_to_codex: "gemini" -> "codex",
    convert_gemini_to_gemini: "gemini" -> "gemini",
    convert_copilot_to_claude: "copilot" -> "claude",
    convert_copilot_to_codex: "copilot" -> "codex",
    convert_copilot_to_gemini: "copilot" -> "gemini",
    convert_agy_to_claude: "agy" -> "claude",
    convert_agy_to_codex: "agy" -> "codex",
    convert_agy_to_gemini: "agy" -> "gemini",
}

// ---------------------------------------------------------------- how a conversion replays

/// The shape of a request: its top-level keys, and each turn's speaker.
fn shape(request: &Request) -> (Vec<String>, Vec<Speaker>) {
    let mut keys: Vec<String> = request
        .body
        .as_object()
        .map(|body| body.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    let speakers = request
        .conversation()
        .iter()
        .map(|turn| turn.speaker)
        .collect();
    (keys, speakers)
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn a_converted_claude_transcript_replays_like_a_native_one() {
    let world = real_world!();
    check((|| {
        let native = make_source(&world, "claude");
        let converted = convert(
            &world,
            "claude",
            "claude",
            &native.reference,
            &["--no-apply"],
        )?
        .split_whitespace()
        .find(|word| is_uuid(word))
        .ok_or("no converted id")?
        .to_owned();
        world.real(
            "claude",
            &["-p", "native replay", "--resume", &native.reference],
        );
        world.real(
            "claude",
            &["-p", "converted replay", "--resume", &converted],
        );
        let native_request = request_for(&world, "native replay")?;
        let converted_request = request_for(&world, "converted replay")?;
        let mut expected = native.messages.clone();
        expected.push(user("converted replay"));
        carries(&converted_request, &expected)?;
        let (native_keys, native_turns) = shape(&native_request);
        let (converted_keys, converted_turns) = shape(&converted_request);
        if native_keys != converted_keys {
            return Err(format!(
                "fields differ: {native_keys:?} vs {converted_keys:?}"
            ));
        }
        // Claude puts its environment in a context turn right after the first prompt.
        let second_turn = |request: &Request| {
            request
                .conversation()
                .get(1)
                .map(|turn| (turn.speaker, turn.text().contains("Environment")))
        };
        if second_turn(&converted_request) != second_turn(&native_request) {
            return Err(format!(
                "the turn after the first prompt differs: {:?} vs {:?}",
                second_turn(&native_request),
                second_turn(&converted_request)
            ));
        }
        // The converted turns line up with the native ones.
        let conversation = |turns: &[Speaker]| -> Vec<Speaker> {
            turns
                .iter()
                .copied()
                .filter(|speaker| *speaker != Speaker::Context)
                .collect()
        };
        if conversation(&native_turns) != conversation(&converted_turns) {
            return Err(format!(
                "turns differ: {native_turns:?} vs {converted_turns:?}"
            ));
        }
        Ok(())
    })());
}

// ---------------------------------------------------------------- sessions, show, use

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn sessions_show_and_use_read_the_stores_the_real_tools_wrote() {
    let world = real_world!();
    check((|| {
        let mut firsts = Vec::new();
        for tool in ["claude", "codex", "gemini", "copilot"] {
            let prompt = format!("listing question for {tool}");
            first_session(&world, tool, &prompt)?;
            firsts.push((tool, prompt));
        }
        let out = world.asm(["sessions", "--json"]);
        if !out.status.success() {
            return Err(text(&out.stderr));
        }
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        for (tool, prompt) in &firsts {
            let mine: Vec<_> = rows.iter().filter(|row| row["tool"] == *tool).collect();
            if mine.len() != 1 || mine[0]["title"] != *prompt || mine[0]["current"] != true {
                return Err(format!("{tool}: {mine:?}"));
            }
            let shown = world.asm(["show", tool]);
            let shown = text(&shown.stdout);
            if !shown.contains(prompt) || !shown.contains(&reply_to(prompt)) {
                return Err(format!("show {tool}:\n{shown}"));
            }
        }
        // A second claude session, then `use` of the first: the next launch resumes the first.
        let first_id = world.target("claude").unwrap();
        let out = world.asm(["reset", "claude"]);
        assert!(out.status.success());
        first_session(&world, "claude", "a newer claude session")?;
        let out = world.asm(["use", "claude", &first_id[..8]]);
        if !out.status.success() {
            return Err(text(&out.stderr));
        }
        let earlier = exchange("listing question for claude");
        resume_and_continue(&world, "claude", &earlier, "back to the first session")?;
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn an_imported_gemini_session_reads_as_one_session() {
    let world = real_world!();
    check((|| {
        let source = make_source(&world, "claude");
        convert(&world, "claude", "gemini", &source.reference, &[])?;
        let all = resume_and_continue(&world, "gemini", &source.messages, "after the import")?;
        // Between the import and the next launch, status already finds the imported copy.
        let status = text(&world.asm(["status", "gemini"]).stdout);
        if !status.contains("exists in Gemini CLI's store") {
            return Err(format!("status after the import:\n{status}"));
        }
        resume_and_continue(&world, "gemini", &all, "after the resume")?;
        let id = world.target("gemini").unwrap();
        let files: Vec<_> = gemini_files(&world)
            .into_iter()
            .filter(|path| std::fs::read_to_string(path).is_ok_and(|body| body.contains(&id)))
            .collect();
        if files.len() < 2 {
            return Err(format!("expected gemini to keep several files: {files:?}"));
        }
        let out = world.asm(["sessions", "gemini", "--json"]);
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Vec<_> = rows.iter().filter(|row| row["id"] == id.as_str()).collect();
        if ours.len() != 1 || ours[0]["current"] != true {
            return Err(format!("{} files read as {ours:?}", files.len()));
        }
        for reference in [id.as_str(), &id[..8]] {
            let shown = world.asm(["show", "gemini", reference]);
            let shown_text = text(&shown.stdout);
            if !shown.status.success() || !shown_text.contains("after the resume") {
                return Err(format!("show gemini {reference}: {}", text(&shown.stderr)));
            }
        }
        let out = world.asm(["use", "gemini", &id]);
        if !out.status.success() {
            return Err(format!("use gemini {id}: {}", text(&out.stderr)));
        }
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn a_fresh_copilot_session_lists_as_having_no_prompt_yet() {
    let world = real_world!();
    check((|| {
        let mut tui = world.launch("copilot", &[]);
        tui.wait_for("Interactive", WAIT)?;
        tui.quit()?;
        let id = world.target("copilot").unwrap();
        let out = world.asm(["sessions", "copilot"]);
        let listing = text(&out.stdout);
        let row = listing
            .lines()
            .find(|line| line.contains(&id[..8]))
            .ok_or_else(|| format!("no row for {id}:\n{listing}"))?;
        if !row.contains("(no prompt yet)") {
            return Err(format!("row: {row}"));
        }
        Ok(())
    })());
}

// ---------------------------------------------------------------- codex specifics

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn codex_lists_a_converted_session_in_its_picker_once_resumed() {
    let world = real_world!();
    check((|| {
        let source = make_source(&world, "claude");
        convert(&world, "claude", "codex", &source.reference, &[])?;
        resume_and_continue(&world, "codex", &source.messages, "resumed once")?;
        let mut picker = world.launch("codex", &["resume"]);
        picker
            .wait_for("first question from claude", WAIT)
            .map_err(|screen| format!("codex resume picker: {screen}"))?;
        picker.stop();
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn codex_daemon_keeps_the_wrapper_variables_and_later_launches_still_resume() {
    let world = real_world!();
    check((|| {
        let first = first_session(&world, "codex", "daemon alpha")?;
        let root = world.root.to_string_lossy().into_owned();
        let daemon = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .find_map(|process| {
                let cmdline = std::fs::read(process.path().join("cmdline")).ok()?;
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                (cmdline.contains(&root) && cmdline.contains("app-server"))
                    .then(|| std::fs::read(process.path().join("environ")).unwrap_or_default())
            })
            .ok_or("no codex daemon found")?;
        let environ = String::from_utf8_lossy(&daemon).into_owned();
        if !environ.contains("AI_SESSION_MANAGER_ACTIVE=codex") {
            return Err("the daemon does not carry AI_SESSION_MANAGER_ACTIVE".into());
        }
        // The daemon outlives the launch; the next launch from a shell is still wrapped.
        resume_and_continue(&world, "codex", &first, "daemon beta")?;
        Ok(())
    })());
}

#[test]
#[ignore = "real tools: scripts/real-tools.sh"]
fn setup_refuses_a_path_folder_inside_the_codex_package() {
    let world = real_world!();
    check((|| {
        let package_bin = world
            .bin
            .join("codex-real")
            .canonicalize()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        // A copy of the package, so the cache stays untouched.
        let copy = world.root.join("codex-package");
        let status = std::process::Command::new("cp")
            .arg("-a")
            .arg(package_bin.parent().unwrap())
            .arg(&copy)
            .status()
            .unwrap();
        assert!(status.success());
        let bin = copy.join("bin");
        let before = std::fs::read_dir(&bin).unwrap().count();
        let out = std::process::Command::new(real_support::world::BIN)
            .args(["setup", "codex"])
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", &world.home)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        if out.status.success() || !stderr.contains("inside") {
            return Err(format!(
                "setup in the package: {stderr}{}",
                text(&out.stdout)
            ));
        }
        if std::fs::read_dir(&bin).unwrap().count() != before {
            return Err("setup changed the package".into());
        }
        Ok(())
    })());
}
