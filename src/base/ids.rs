//! Session ids as the tools take them, validated before they reach a command line.

/// A new managed session id.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// A managed id: a hyphenated 8-4-4-4-12 hex UUID, as every tool's `--session-id` wants it.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// A native id (codex, agy): `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` without `..`, so it can never
/// read as a flag or a path.
pub fn is_native_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
        && !text.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_read_as_flags_or_paths_are_refused() {
        assert!(is_uuid("44444444-2222-4333-8444-555555555555"));
        assert!(!is_uuid("--44444-2222-4333-8444-555555555555"));
        assert!(!is_uuid("4444444422224333844455555555555500000"));
        assert!(is_native_id("01a1fdd5-3174-7111-9ffd-8a808cf1cb1d"));
        assert!(!is_native_id("-c"));
        assert!(!is_native_id("../../etc"));
        assert!(!is_native_id("0.."));
        assert!(!is_native_id("a..b"));
        assert!(is_native_id("v1.2"));
        assert!(!is_native_id(""));
        assert!(!is_native_id(&"a".repeat(129)));
        assert!(is_uuid(&new_uuid()));
    }
}
