//! A model API on 127.0.0.1 that speaks just enough of Anthropic Messages, OpenAI Responses and
//! the Gemini API for the real CLIs to hold a conversation. Every reply is fixed text naming the
//! prompt it answers; every request body is kept, so a check can read what reached the model.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One request as the mock received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub body: Value,
}

/// Who said a turn of a request's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
    /// System, developer and other context turns.
    Context,
}

/// One turn of the conversation a request sends: its speaker and its text blocks.
#[derive(Debug, Clone)]
pub struct Turn {
    pub speaker: Speaker,
    pub texts: Vec<String>,
    /// The turn's content held nothing at all (`[]`, `""`).
    pub empty: bool,
}

impl Turn {
    pub fn text(&self) -> String {
        self.texts.join("\n")
    }
}

impl Request {
    /// The turns of the conversation, whichever API the request speaks.
    pub fn conversation(&self) -> Vec<Turn> {
        let body = &self.body;
        if let Some(messages) = body["messages"].as_array() {
            return messages.iter().map(anthropic_turn).collect();
        }
        if let Some(input) = body["input"].as_array() {
            return input.iter().filter_map(responses_turn).collect();
        }
        if let Some(contents) = body["contents"].as_array() {
            return contents.iter().map(gemini_turn).collect();
        }
        Vec::new()
    }

    /// The last paragraph of the last user turn: the prompt being answered, without the
    /// context some tools put before it in the same block.
    pub fn prompt(&self) -> String {
        let last = self
            .conversation()
            .iter()
            .rev()
            .find(|turn| turn.speaker == Speaker::User)
            .and_then(|turn| turn.texts.last().cloned())
            .unwrap_or_default();
        match last.trim_end().rsplit_once("\n\n") {
            Some((_, paragraph)) => paragraph.to_owned(),
            None => last,
        }
    }

    /// A helper request of the tool's own (a title, a routing decision), not the conversation.
    fn wants_json(&self) -> bool {
        let config = &self.body["generationConfig"];
        config["responseMimeType"] == "application/json" || !config["responseJsonSchema"].is_null()
    }
}

fn speaker(role: &str) -> Speaker {
    match role {
        "user" => Speaker::User,
        "assistant" | "model" => Speaker::Assistant,
        _ => Speaker::Context,
    }
}

fn texts_of(content: &Value) -> (Vec<String>, bool) {
    match content {
        Value::String(text) => (vec![text.clone()], text.is_empty()),
        Value::Array(blocks) => {
            let texts = blocks
                .iter()
                .filter_map(|block| block["text"].as_str().map(str::to_owned))
                .collect();
            (texts, blocks.is_empty())
        }
        _ => (Vec::new(), true),
    }
}

fn anthropic_turn(message: &Value) -> Turn {
    let (texts, empty) = texts_of(&message["content"]);
    Turn {
        speaker: speaker(message["role"].as_str().unwrap_or("")),
        texts,
        empty,
    }
}

fn responses_turn(item: &Value) -> Option<Turn> {
    let role = item["role"].as_str()?;
    let (texts, empty) = texts_of(&item["content"]);
    Some(Turn {
        speaker: speaker(role),
        texts,
        empty,
    })
}

fn gemini_turn(content: &Value) -> Turn {
    let (texts, empty) = texts_of(&content["parts"]);
    Turn {
        speaker: speaker(content["role"].as_str().unwrap_or("")),
        texts,
        empty,
    }
}

/// The fixed reply to a prompt: recognisable on screen and in the next request.
pub fn reply_to(prompt: &str) -> String {
    let short: String = prompt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(40)
        .collect();
    format!("MOCK_REPLY to {short}")
}

pub struct MockApi {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl MockApi {
    pub fn start() -> MockApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the mock API");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &log);
                });
            }
        });
        MockApi {
            port,
            requests,
            stop,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The first request that answers `prompt`, waiting for it up to `limit`.
    pub fn wait_for_prompt(&self, prompt: &str, limit: Duration) -> Option<Request> {
        let deadline = Instant::now() + limit;
        loop {
            let found = self
                .requests()
                .into_iter()
                .find(|request| !request.wants_json() && request.prompt().contains(prompt));
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Request>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        read_chunked(&mut reader)?
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let request = Request { path, body };
    let (status, content_type, payload) = match method.as_str() {
        "POST" => respond(&request),
        _ => (404, "application/json", b"{}".to_vec()),
    };
    if method == "POST" {
        log.lock().unwrap().push(request);
    }
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        payload.len()
    )?;
    stream.write_all(&payload)?;
    stream.flush()
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if size == 0 {
            let mut end = String::new();
            reader.read_line(&mut end)?;
            return Ok(body);
        }
        let mut chunk = vec![0; size];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk);
        let mut end = String::new();
        reader.read_line(&mut end)?;
    }
}

fn sse(events: &[(Option<&str>, Value)]) -> Vec<u8> {
    let mut out = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            out += &format!("event: {name}\n");
        }
        out += &format!("data: {data}\n\n");
    }
    out.into_bytes()
}

fn respond(request: &Request) -> (u16, &'static str, Vec<u8>) {
    let path = request.path.as_str();
    let body = &request.body;
    let reply = reply_to(&request.prompt());
    if path.starts_with("/v1/messages/count_tokens") {
        return (200, "application/json", br#"{"input_tokens":10}"#.to_vec());
    }
    if path.starts_with("/v1/messages") {
        let message = json!({"id": "msg_mock", "type": "message", "role": "assistant",
            "model": body["model"], "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 0}});
        if body["stream"] != true {
            let mut whole = message;
            whole["content"] = json!([{"type": "text", "text": reply}]);
            whole["stop_reason"] = json!("end_turn");
            return (200, "application/json", whole.to_string().into_bytes());
        }
        let events = [
            (
                Some("message_start"),
                json!({"type": "message_start", "message": message}),
            ),
            (
                Some("content_block_start"),
                json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
            ),
            (
                Some("content_block_delta"),
                json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": reply}}),
            ),
            (
                Some("content_block_stop"),
                json!({"type": "content_block_stop", "index": 0}),
            ),
            (
                Some("message_delta"),
                json!({"type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                    "usage": {"output_tokens": 5}}),
            ),
            (Some("message_stop"), json!({"type": "message_stop"})),
        ];
        return (200, "text/event-stream", sse(&events));
    }
    if path.contains("/responses") {
        return (200, "text/event-stream", responses_stream(&reply));
    }
    if path.contains(":countTokens") {
        return (200, "application/json", br#"{"totalTokens":10}"#.to_vec());
    }
    if path.contains(":streamGenerateContent") || path.contains(":generateContent") {
        // Gemini routes each prompt with a JSON-only call before answering it.
        let text = if request.wants_json() {
            json!({"reasoning": "mock", "model_choice": "flash",
                "complexity_reasoning": "mock", "complexity_score": 1})
            .to_string()
        } else {
            reply
        };
        let candidate = json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                "totalTokenCount": 15},
            "modelVersion": "mock"});
        if path.contains(":streamGenerateContent") {
            return (200, "text/event-stream", sse(&[(None, candidate)]));
        }
        return (200, "application/json", candidate.to_string().into_bytes());
    }
    (404, "application/json", b"{}".to_vec())
}

/// The OpenAI Responses stream: codex builds the reply from the finished item, copilot from the
/// text deltas, so both are sent.
fn responses_stream(reply: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let item = json!({"type": "message", "id": "msg_mock", "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": reply, "annotations": []}]});
    let usage = json!({"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15});
    let response = |status: &str, output: Value| {
        json!({"id": "resp_mock", "object": "response", "created_at": now, "status": status,
            "model": "mock", "output": output, "usage": usage})
    };
    let part = json!({"type": "output_text", "text": reply, "annotations": []});
    let at = json!({"item_id": "msg_mock", "output_index": 0, "content_index": 0});
    let with = |mut value: Value, extra: &Value| {
        for (key, field) in extra.as_object().unwrap() {
            value[key] = field.clone();
        }
        value
    };
    let events = [
        (
            Some("response.created"),
            json!({"type": "response.created", "response": response("in_progress", json!([]))}),
        ),
        (
            Some("response.output_item.added"),
            json!({"type": "response.output_item.added", "output_index": 0,
                "item": {"type": "message", "id": "msg_mock", "role": "assistant",
                    "status": "in_progress", "content": []}}),
        ),
        (
            Some("response.content_part.added"),
            with(
                json!({"type": "response.content_part.added",
                    "part": {"type": "output_text", "text": "", "annotations": []}}),
                &at,
            ),
        ),
        (
            Some("response.output_text.delta"),
            with(
                json!({"type": "response.output_text.delta", "delta": reply}),
                &at,
            ),
        ),
        (
            Some("response.output_text.done"),
            with(
                json!({"type": "response.output_text.done", "text": reply}),
                &at,
            ),
        ),
        (
            Some("response.content_part.done"),
            with(
                json!({"type": "response.content_part.done", "part": part}),
                &at,
            ),
        ),
        (
            Some("response.output_item.done"),
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ),
        (
            Some("response.completed"),
            json!({"type": "response.completed", "response": response("completed", json!([item]))}),
        ),
    ];
    sse(&events)
}
