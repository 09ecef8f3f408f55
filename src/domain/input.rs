//! Validated user input. Each type can only be built through its parser, so
//! code that holds one never checks again.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::profile::{MAX_AGE, MAX_INTERESTS, MAX_LANG_LEN, MAX_LANGS, MIN_AGE};

/// Longest message text accepted, in characters (Telegram's own limit).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest client-chosen message id, in bytes.
pub const MAX_CLIENT_MSG_ID_LEN: usize = 64;
/// Longest report reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// Length of a session token in bytes of its text form.
pub const SESSION_TOKEN_LEN: usize = 32;

/// Why input was refused at the edge. Every message is built from the
/// limit it names; transports turn it into their own reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("message text is empty")]
    EmptyMessage,
    #[error("message is too long: {chars} characters, at most {MAX_TEXT_CHARS} allowed")]
    MessageTooLong { chars: usize },
    /// Text holding a character the service cannot store (U+0000).
    #[error("text contains a character that cannot be sent (U+0000)")]
    InvalidText,
    #[error("message id must be 1-{MAX_CLIENT_MSG_ID_LEN} characters of A-Z a-z 0-9 - _ :")]
    BadMessageId,
    #[error("report reason is too long: at most {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    /// Any bad value in `search.prefs`, named in the message (one code for
    /// them all, as the protocol always had).
    #[error("search preferences are invalid: {0}")]
    BadPrefs(String),
    #[error("gender must be male, female or other")]
    BadGender,
    #[error("age must be a whole number from {MIN_AGE} to {MAX_AGE}")]
    BadAge,
    #[error("age_min must not be above age_max")]
    BadAgeRange,
    #[error("unknown interest tag")]
    BadInterest,
    #[error("too many interests: {count}, at most {MAX_INTERESTS} allowed")]
    TooManyInterests { count: usize },
    #[error("language must be a code of 2-{MAX_LANG_LEN} letters (at most {MAX_LANGS})")]
    BadLang,
    #[error("score must be up or down")]
    BadScore,
    #[error("session token is invalid")]
    BadSession,
}

impl InputError {
    /// Stable machine-readable code for the `error` frame.
    pub fn code(&self) -> &'static str {
        match self {
            InputError::EmptyMessage => "empty_message",
            InputError::MessageTooLong { .. } => "too_long",
            InputError::InvalidText => "invalid_text",
            InputError::BadMessageId => "bad_message_id",
            InputError::ReasonTooLong => "bad_reason",
            InputError::BadPrefs(_) => "bad_prefs",
            InputError::BadGender => "bad_gender",
            InputError::BadAge => "bad_age",
            InputError::BadAgeRange => "bad_age_range",
            InputError::BadInterest => "bad_interest",
            InputError::TooManyInterests { .. } => "too_many_interests",
            InputError::BadLang => "bad_lang",
            InputError::BadScore => "bad_score",
            InputError::BadSession => "bad_session",
        }
    }
}

/// Message text: non-empty after trimming, at most [`MAX_TEXT_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageText(String);

/// Refuses text the store cannot hold. PostgreSQL `text` cannot contain
/// U+0000; letting it through would fail the statement (and, batched, every
/// other message in it) and the sender would be told to retry forever.
/// Unpaired surrogates cannot occur in a Rust `String`: the JSON parser
/// already refuses `\ud800` escapes as a bad frame.
pub fn storable(text: &str) -> Result<(), InputError> {
    if text.contains('\0') {
        Err(InputError::InvalidText)
    } else {
        Ok(())
    }
}

impl MessageText {
    pub fn parse(raw: String) -> Result<Self, InputError> {
        storable(&raw)?;
        if raw.trim().is_empty() {
            return Err(InputError::EmptyMessage);
        }
        let chars = raw.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(InputError::MessageTooLong { chars });
        }
        Ok(Self(raw))
    }

    /// For text that already passed `parse` once (read back from the store).
    pub fn trusted(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The idempotency key of a message: the client's own id for it (web), or the
/// Telegram `update_id` rendered as text. Unique per sender.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: String) -> Result<Self, InputError> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_CLIENT_MSG_ID_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':');
        if ok {
            Ok(Self(raw))
        } else {
            Err(InputError::BadMessageId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The resume token handed out in `hello`: 32 characters of `[A-Za-z0-9]`.
/// It is a bearer secret, so `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        use rand::{Rng, distr::Alphanumeric};
        let token: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(SESSION_TOKEN_LEN)
            .map(char::from)
            .collect();
        Self(token)
    }

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        if raw.len() == SESSION_TOKEN_LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InputError::BadSession)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps instead of the token: its SHA-256, hex. A leaked
    /// database then holds no usable resume tokens.
    pub fn storage_key(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// Why someone reported their partner; free text, bounded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportReason(String);

impl ReportReason {
    pub fn parse(raw: Option<String>) -> Result<Self, InputError> {
        let raw = raw.unwrap_or_default();
        storable(&raw)?;
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_REASON_CHARS {
            return Err(InputError::ReasonTooLong);
        }
        Ok(Self(if trimmed.is_empty() {
            "unspecified".to_owned()
        } else {
            trimmed.to_owned()
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits() {
        assert!(MessageText::parse("hi".into()).is_ok());
        assert!(matches!(
            MessageText::parse("  ".into()),
            Err(InputError::EmptyMessage)
        ));
        assert!(MessageText::parse("é".repeat(MAX_TEXT_CHARS)).is_ok());
        assert!(matches!(
            MessageText::parse("a".repeat(MAX_TEXT_CHARS + 1)),
            Err(InputError::MessageTooLong { chars }) if chars == MAX_TEXT_CHARS + 1
        ));
    }

    #[test]
    fn text_a_store_cannot_hold_is_refused_and_not_retryable() {
        for raw in ["a\0b", "\0"] {
            let err = MessageText::parse(raw.into()).unwrap_err();
            assert_eq!(err.code(), "invalid_text");
            assert!(!crate::error::ChatError::from(err).retryable());
            let err = ReportReason::parse(Some(raw.into())).unwrap_err();
            assert_eq!(err.code(), "invalid_text");
        }
        assert!(MessageText::parse("a\u{1}b".into()).is_ok());
    }

    #[test]
    fn client_msg_id_charset() {
        assert!(ClientMsgId::parse("m-1_a:2".into()).is_ok());
        assert!(ClientMsgId::parse(String::new()).is_err());
        assert!(ClientMsgId::parse("a b".into()).is_err());
        assert!(ClientMsgId::parse("x".repeat(65)).is_err());
    }

    #[test]
    fn session_token_roundtrip_and_debug_hides_it() {
        let t = SessionToken::generate();
        assert_eq!(SessionToken::parse(t.as_str()).unwrap(), t);
        assert!(!format!("{t:?}").contains(t.as_str()));
        assert!(SessionToken::parse("short").is_err());
        let key = t.storage_key();
        assert_eq!(key.len(), 64);
        assert!(!key.contains(t.as_str()));
        assert_eq!(key, SessionToken::parse(t.as_str()).unwrap().storage_key());
    }
}
