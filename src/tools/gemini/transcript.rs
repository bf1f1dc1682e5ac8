//! Gemini's chats as conversations: the reader of both formats, as gemini itself rebuilds them,
//! and what a chat's first lines say for a listing.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::base::files;
use crate::base::json_prefix;
use crate::base::lines::{LineReader, ReadOptions};
use crate::base::time::parse_time;
use crate::transcript::listing::{HEAD_BYTES, SessionHead, SessionInfo, until};
use crate::transcript::read::{Loose, opens_with_any, parse_line};
use crate::transcript::{Dropped, Message, Role, Sink, Tally, join_texts};

/// Gemini starts a new file for a session it resumes in a later minute (0.61 also writes one at
/// an import), so one id can have several files; gemini reads them as one session, the newest
/// file that holds a conversation. This keeps that file of each id.
pub fn one_per_session(chats: impl IntoIterator<Item = Chat>) -> Vec<Chat> {
    let rank = |chat: &Chat| (chat.info.title.prompt().is_some(), chat.info.updated_at);
    let mut chosen: HashMap<String, Chat> = HashMap::new();
    for chat in chats {
        match chosen.get(&chat.info.id) {
            Some(kept) if rank(kept) >= rank(&chat) => {}
            _ => {
                chosen.insert(chat.info.id.clone(), chat);
            }
        }
    }
    chosen.into_values().collect()
}

/// A session file as `sessions` sees it.
pub struct Chat {
    pub info: SessionInfo,
    /// A sub-agent's session, which is not the user's conversation.
    pub subagent: bool,
}

/// A chat's id, start and first prompt from its head; `None` for a file whose id cannot be told
/// even from its name.
pub fn describe_chat(path: PathBuf, cwd: Option<PathBuf>) -> Option<Chat> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        session_id: Option<Loose<String>>,
        start_time: Option<Loose<String>>,
        kind: Option<Loose<String>>,
    }
    let mut id = None;
    let mut subagent = false;
    let head = if path.extension().is_some_and(|ext| ext == "json") {
        legacy_head(&path, &mut id)
    } else {
        SessionHead::read(&path, |head, line| {
            if !head.recognised {
                // The first line is the session's metadata.
                let Ok(meta) = serde_json::from_slice::<Meta>(line) else {
                    return ControlFlow::Break(());
                };
                head.recognised = true;
                id = meta.session_id.and_then(Loose::valid);
                head.started_at = parse_time(meta.start_time.and_then(Loose::valid).as_deref());
                subagent = meta.kind.and_then(Loose::valid).as_deref() == Some("subagent");
                return ControlFlow::Continue(());
            }
            let mut tally = Tally::default();
            let message = parse_line::<StoredMessage>(line, &mut tally);
            head.offer(message.and_then(|message| message.visible(&mut tally)));
            until(head.prompt.is_some())
        })
    };
    // A file whose id cannot be read is still listed, by the part of the id in its name.
    let id = id.or_else(|| {
        let stem = path.file_stem()?.to_str()?;
        Some(stem.get(stem.len().saturating_sub(8)..)?.to_owned())
    })?;
    let mut info = SessionInfo::new(id, path, head);
    info.cwd = cwd;
    Some(Chat { info, subagent })
}

/// The head of an older single-object session: its id and start, and the first prompt that the
/// streaming reader finds within the first [`HEAD_BYTES`].
fn legacy_head(path: &Path, id: &mut Option<String>) -> Option<SessionHead> {
    let bytes = files::read_head(path, HEAD_BYTES)?;
    let mut head = SessionHead::default();
    let [session_id, start] = json_prefix::strings(&bytes, &[&["sessionId"], &["startTime"]]);
    head.recognised = session_id.is_some();
    head.started_at = parse_time(start.as_deref());
    *id = session_id;
    // Stopped at the first prompt, or by the end of the head: either way it has read enough.
    let _ = read_legacy_from(&bytes[..], &mut |message| {
        let user = message.role == Role::User;
        head.offer(Some(message));
        Ok(match user {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        })
    });
    Some(head)
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Place {
    offset: u64,
    index: Option<usize>,
}

/// The messages of a session in order, as gemini rebuilds them: a message appended again with
/// the same id replaces the earlier one in its place, `$rewindTo` drops a message and all after
/// it, and a `$set` of `messages` starts over. Only ids (hashed) and places are held, never text.
#[derive(Default)]
struct Order {
    places: Vec<(u64, Place)>,
    positions: HashMap<u64, usize>,
}

impl Order {
    fn key(id: &str) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut hasher);
        hasher.finish()
    }

    fn set(&mut self, id: &str, place: Place) {
        let key = Order::key(id);
        match self.positions.get(&key) {
            Some(&position) => self.places[position].1 = place,
            None => {
                self.positions.insert(key, self.places.len());
                self.places.push((key, place));
            }
        }
    }

    fn rewind(&mut self, id: &str) {
        match self.positions.get(&Order::key(id)) {
            Some(&position) => {
                for (key, _) in self.places.drain(position..) {
                    self.positions.remove(&key);
                }
            }
            // Gemini rewinds to the start when it does not know the id.
            None => self.clear(),
        }
    }

    fn clear(&mut self) {
        self.places.clear();
        self.positions.clear();
    }
}

/// What the first pass needs from a line.
#[derive(Deserialize)]
struct LineHead {
    id: Option<Loose<String>>,
    #[serde(rename = "$rewindTo")]
    rewind_to: Option<Loose<String>>,
    #[serde(rename = "$set")]
    set: Option<Loose<SetHead>>,
    /// A whole older-format session written on one line.
    messages: Option<Loose<Vec<Loose<IdOnly>>>>,
}

#[derive(Deserialize)]
struct SetHead {
    messages: Option<Loose<Vec<Loose<IdOnly>>>>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<Loose<String>>,
}

fn ids(messages: Option<Loose<Vec<Loose<IdOnly>>>>) -> Option<Vec<Option<String>>> {
    let messages = messages?.valid()?;
    Some(
        messages
            .into_iter()
            .map(|message| message.valid()?.id?.valid())
            .collect(),
    )
}

/// Reads a `.jsonl` session in two passes: the first finds which version of which message
/// survives, holding only their places; the second reads just those, in order.
/// The order pass sees every line, since a rewind or a replacement may be in any; `options`
/// gates only the lines read for their messages.
pub fn read_jsonl(path: &Path, options: &ReadOptions, sink: Sink) -> Result<Tally> {
    let mut tally = Tally::default();
    let mut order = Order::default();
    let mut lines = LineReader::open(path)?;
    while let Some((offset, line)) = lines.next_line()? {
        let Some(head) = parse_line::<LineHead>(line, &mut tally) else {
            continue;
        };
        let whole = Place {
            offset,
            index: None,
        };
        // The same precedence as gemini's own loader.
        if let Some(target) = head.rewind_to.and_then(Loose::valid) {
            order.rewind(&target);
        } else if let Some(id) = head.id.and_then(Loose::valid) {
            order.set(&id, whole);
        } else if let Some(set) = head.set.and_then(Loose::valid) {
            if let Some(ids) = ids(set.messages) {
                order.clear();
                add_array(&mut order, offset, ids);
            }
        } else if let Some(ids) = ids(head.messages) {
            add_array(&mut order, offset, ids);
        }
    }

    tally.malformed += lines.oversized();

    // The line last parsed for an array of messages, which usually holds several of them.
    let mut array: Option<(u64, Vec<Option<StoredMessage>>)> = None;
    for (_, place) in std::mem::take(&mut order.places) {
        let message = match place.index {
            None => {
                lines.seek(place.offset)?;
                let Some((_, line)) = lines.next_line()? else {
                    continue;
                };
                if !options.admits(line) {
                    continue;
                }
                serde_json::from_slice::<StoredMessage>(line).ok()
            }
            Some(index) => {
                if array.as_ref().is_none_or(|(at, _)| *at != place.offset) {
                    lines.seek(place.offset)?;
                    let Some((_, line)) = lines.next_line()? else {
                        continue;
                    };
                    if !options.admits(line) {
                        array = Some((place.offset, Vec::new()));
                        continue;
                    }
                    array = Some((place.offset, message_array(line)));
                }
                array
                    .as_mut()
                    .and_then(|(_, messages)| messages.get_mut(index)?.take())
            }
        };
        if let Some(message) = message.and_then(|message| message.visible(&mut tally))
            && sink(message)?.is_break()
        {
            break;
        }
    }
    Ok(tally)
}

fn add_array(order: &mut Order, offset: u64, ids: Vec<Option<String>>) {
    for (index, id) in ids.into_iter().enumerate() {
        if let Some(id) = id {
            let index = Some(index);
            order.set(&id, Place { offset, index });
        }
    }
}

/// The messages of a `$set` line or a one-line older session.
fn message_array(line: &[u8]) -> Vec<Option<StoredMessage>> {
    #[derive(Deserialize)]
    struct Holder {
        #[serde(rename = "$set")]
        set: Option<Loose<ArrayHolder>>,
        messages: Option<Loose<Vec<Loose<StoredMessage>>>>,
    }
    #[derive(Deserialize)]
    struct ArrayHolder {
        messages: Option<Loose<Vec<Loose<StoredMessage>>>>,
    }
    let Ok(holder) = serde_json::from_slice::<Holder>(line) else {
        return Vec::new();
    };
    let messages = match holder.set.and_then(Loose::valid) {
        Some(set) => set.messages,
        None => holder.messages,
    };
    messages
        .and_then(Loose::valid)
        .unwrap_or_default()
        .into_iter()
        .map(Loose::valid)
        .collect()
}

/// Reads an older single-object `.json` session, streaming its `messages` array one element at
/// a time.
pub fn read_legacy(path: &Path, sink: Sink) -> Result<Tally> {
    let (file, _) = files::open_regular(path, true)
        .map_err(|why| anyhow!("cannot open {}: {why}", path.display()))?;
    read_legacy_from(BufReader::new(file), sink)
        .map_err(|error| anyhow!("{} is not a gemini session: {error:#}", path.display()))
}

/// Streams an older single-object session from `input`; a sink's error or `Break` stops it.
pub fn read_legacy_from(input: impl Read, sink: Sink) -> Result<Tally> {
    let mut reading = Legacy {
        sink,
        tally: Tally::default(),
        failed: None,
        stopped: false,
    };
    let mut input = serde_json::Deserializer::from_reader(input);
    let parsed = LegacyRoot(&mut reading).deserialize(&mut input);
    if let Some(error) = reading.failed {
        return Err(error);
    }
    if reading.stopped {
        return Ok(reading.tally);
    }
    parsed?;
    Ok(reading.tally)
}

struct Legacy<'a> {
    sink: Sink<'a>,
    tally: Tally,
    /// An error of the sink, which serde cannot carry.
    failed: Option<anyhow::Error>,
    /// The sink said `Break`.
    stopped: bool,
}

struct LegacyRoot<'r, 'a>(&'r mut Legacy<'a>);
struct LegacyMessages<'r, 'a>(&'r mut Legacy<'a>);

impl<'de> DeserializeSeed<'de> for LegacyRoot<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, input: D) -> Result<(), D::Error> {
        input.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LegacyRoot<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a gemini session object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                map.next_value_seed(LegacyMessages(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for LegacyMessages<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, input: D) -> Result<(), D::Error> {
        input.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LegacyMessages<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let reading = self.0;
        while let Some(message) = seq.next_element::<Loose<StoredMessage>>()? {
            let Some(message) = message.valid() else {
                reading.tally.malformed += 1;
                continue;
            };
            let Some(message) = message.visible(&mut reading.tally) else {
                continue;
            };
            match (reading.sink)(message) {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(())) => reading.stopped = true,
                Err(error) => reading.failed = Some(error),
            }
            if reading.stopped || reading.failed.is_some() {
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// A message record, either format.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredMessage {
    #[serde(rename = "type")]
    kind: Option<Loose<String>>,
    timestamp: Option<Loose<String>>,
    content: Option<Loose<PartList>>,
    tool_calls: Option<Loose<Vec<IgnoredAny>>>,
    thoughts: Option<Loose<Vec<IgnoredAny>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PartList {
    Text(String),
    Parts(Vec<Loose<Part>>),
    One(Part),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    text: Option<Loose<String>>,
    thought: Option<Loose<bool>>,
    inline_data: Option<Loose<InlineData>>,
    file_data: Option<IgnoredAny>,
    function_call: Option<IgnoredAny>,
    function_response: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineData {
    mime_type: Option<Loose<String>>,
}

/// User texts gemini itself leaves out when it resumes: slash commands and `?` help, and context
/// blocks it injected.
fn is_command(text: &str) -> bool {
    opens_with_any(text, &["/", "?"])
}

fn is_injected(text: &str) -> bool {
    opens_with_any(text, &["<session_context>", "<hook_context>"])
}

impl StoredMessage {
    fn visible(self, tally: &mut Tally) -> Option<Message> {
        let role = match self.kind.and_then(Loose::valid).as_deref() {
            Some("user") => Role::User,
            Some("gemini") => Role::Assistant,
            Some("info" | "error" | "warning") => {
                tally.add(Dropped::Notices, 1);
                return None;
            }
            _ => return None,
        };
        let count = |list: Option<Loose<Vec<IgnoredAny>>>| {
            list.and_then(Loose::valid)
                .map_or(0, |list| list.len() as u64)
        };
        tally.add(Dropped::ToolCalls, count(self.tool_calls));
        tally.add(Dropped::Thinking, count(self.thoughts));
        let mut texts = Vec::new();
        match self.content.and_then(Loose::valid) {
            Some(PartList::Text(text)) => texts.push(text),
            Some(PartList::Parts(parts)) => {
                for part in parts.into_iter().filter_map(Loose::valid) {
                    texts.extend(part.text_counting(tally));
                }
            }
            Some(PartList::One(part)) => texts.extend(part.text_counting(tally)),
            None => {}
        }
        let text = join_texts(texts.iter().map(String::as_str));
        if role == Role::User && is_injected(&text) {
            return None;
        }
        if role == Role::User && is_command(&text) {
            tally.add(Dropped::Commands, 1);
            return None;
        }
        let time = parse_time(self.timestamp.and_then(Loose::valid).as_deref());
        Message::new(role, text, time)
    }
}

impl Part {
    /// The part's visible text; anything else it holds is counted.
    fn text_counting(self, tally: &mut Tally) -> Option<String> {
        if let Some(data) = self.inline_data.and_then(Loose::valid) {
            let mime = data.mime_type.and_then(Loose::valid).unwrap_or_default();
            let kind = match mime.starts_with("image/") {
                true => Dropped::Images,
                false => Dropped::Attachments,
            };
            tally.add(kind, 1);
        }
        if self.file_data.is_some() {
            tally.add(Dropped::Attachments, 1);
        }
        if self.function_call.is_some() {
            tally.add(Dropped::ToolCalls, 1);
        }
        if self.function_response.is_some() {
            tally.add(Dropped::ToolResults, 1);
        }
        let text = self.text.and_then(Loose::valid)?;
        if self.thought.and_then(Loose::valid) == Some(true) {
            tally.add(Dropped::Thinking, 1);
            return None;
        }
        Some(text)
    }
}
