//! The Bot API methods the hub calls through `api::TgApi`. The list is the
//! bound of `TgApi::call`: calling a method missing here does not compile,
//! so the call-latency series registered at start-up for each listed method
//! (`telemetry::metric`) cannot fall behind the real calls.

use teloxide::requests::Payload;

macro_rules! called_methods {
    ($($payload:ident),* $(,)?) => {
        /// A Bot API payload the hub sends through `TgApi::call`.
        pub trait Called: Payload {}
        $(impl Called for teloxide::payloads::$payload {})*
        /// Their payload names, in teloxide's spelling (`SendMessage`).
        const PAYLOAD_NAMES: &[&str] = &[$(<teloxide::payloads::$payload as Payload>::NAME),*];
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

/// The Bot API method of a payload type (`sendMessage`, `copyMessage`, ...):
/// teloxide names payloads after the method with a capital first letter.
pub fn method_name<P: Payload>() -> String {
    api_name(P::NAME)
}

fn api_name(payload: &str) -> String {
    let mut chars = payload.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// Every method the hub calls, by its Bot API name (the `method` label).
pub fn called_methods() -> impl Iterator<Item = String> {
    PAYLOAD_NAMES.iter().map(|name| api_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_named_as_the_bot_api_names_them() {
        assert_eq!(
            method_name::<teloxide::payloads::SendMessage>(),
            "sendMessage"
        );
        let all: Vec<String> = called_methods().collect();
        assert!(all.contains(&"copyMessage".to_owned()));
        assert!(all.contains(&"answerCallbackQuery".to_owned()));
        assert_eq!(all.len(), PAYLOAD_NAMES.len());
    }
}
