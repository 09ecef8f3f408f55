//! The Bot API methods the hub calls through `api::TgApi`. The list is the
//! bound of `TgApi::call`: calling a method missing here does not compile,
//! so the call-latency series registered at start-up for each listed method
//! (`telemetry::metric`) cannot fall behind the real calls.

use teloxide::requests::Payload;

/// A payload's name (`SendMessage`) with its first letter in lower case:
/// its Bot API method (`sendMessage`), as teloxide names payloads after
/// the method with a capital first letter. `N` is the name's length.
const fn method_bytes<const N: usize>(payload: &str) -> [u8; N] {
    let name = payload.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = name[i];
        i += 1;
    }
    if N > 0 {
        out[0] = out[0].to_ascii_lowercase();
    }
    out
}

macro_rules! called_methods {
    ($($payload:ident),* $(,)?) => {
        /// A Bot API payload the hub sends through `TgApi::call`.
        pub trait Called: Payload {
            /// Its Bot API method (`sendMessage`): the `method` label of
            /// every call's latency, worked out when the hub is compiled
            /// rather than per call.
            const METHOD: &'static str;
        }
        $(impl Called for teloxide::payloads::$payload {
            const METHOD: &'static str = {
                const NAME: &str = <teloxide::payloads::$payload as Payload>::NAME;
                const BYTES: [u8; NAME.len()] = method_bytes(NAME);
                // Evaluated at compile time: a name that were not UTF-8
                // after lowering one ASCII letter fails the build.
                match std::str::from_utf8(&BYTES) {
                    Ok(method) => method,
                    Err(_) => panic!("a payload name is not UTF-8"),
                }
            };
        })*
        /// Their methods, by their Bot API names.
        const METHODS: &[&str] = &[$(<teloxide::payloads::$payload as Called>::METHOD),*];
    };
}

called_methods!(
    AnswerCallbackQuery,
    CopyMessage,
    CopyMessages,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageText,
    GetChatMember,
    SendAnimation,
    SendChatAction,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendVideo,
    SetMessageReaction,
    SetMyCommands,
);

/// Every method the hub calls, by its Bot API name (the `method` label).
pub fn called_methods() -> impl Iterator<Item = &'static str> {
    METHODS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_named_as_the_bot_api_names_them() {
        assert_eq!(
            <teloxide::payloads::SendMessage as Called>::METHOD,
            "sendMessage"
        );
        let all: Vec<&str> = called_methods().collect();
        assert!(all.contains(&"copyMessage"));
        assert!(all.contains(&"answerCallbackQuery"));
        assert!(
            all.iter()
                .all(|m| m.starts_with(|c: char| c.is_ascii_lowercase()))
        );
    }
}
