//! The Bot API methods the hub calls through `api::TgApi`. The list is the
//! bound of `TgApi::call`: calling a method missing here does not compile,
//! so the call-latency series registered at start-up for each listed method
//! (`telemetry::metric`) cannot fall behind the real calls.

use teloxide::requests::Payload;

macro_rules! called_methods {
    ($($payload:ident => $method:literal),* $(,)?) => {
        /// A Bot API payload the hub sends through `TgApi::call`.
        pub trait Called: Payload {
            /// Its Bot API method (`sendMessage`): the `method` label of
            /// every call's latency, named once rather than per call.
            const METHOD: &'static str;
        }
        $(impl Called for teloxide::payloads::$payload {
            const METHOD: &'static str = $method;
        })*
        /// Their payload names, in teloxide's spelling (`SendMessage`), and
        /// their methods.
        const PAYLOADS: &[(&str, &str)] = &[$((<teloxide::payloads::$payload as Payload>::NAME, $method)),*];
    };
}

called_methods!(
    AnswerCallbackQuery => "answerCallbackQuery",
    CopyMessage => "copyMessage",
    CopyMessages => "copyMessages",
    EditMessageCaption => "editMessageCaption",
    EditMessageMedia => "editMessageMedia",
    EditMessageText => "editMessageText",
    GetChatMember => "getChatMember",
    SendAnimation => "sendAnimation",
    SendChatAction => "sendChatAction",
    SendMediaGroup => "sendMediaGroup",
    SendMessage => "sendMessage",
    SendPhoto => "sendPhoto",
    SendVideo => "sendVideo",
    SetMessageReaction => "setMessageReaction",
    SetMyCommands => "setMyCommands",
);

/// Every method the hub calls, by its Bot API name (the `method` label).
pub fn called_methods() -> impl Iterator<Item = &'static str> {
    PAYLOADS.iter().map(|(_, method)| *method)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// teloxide names payloads after the method with a capital first
    /// letter: each method written above must be that name.
    #[test]
    fn methods_are_named_as_the_bot_api_names_them() {
        for (payload, method) in PAYLOADS {
            let mut chars = payload.chars();
            let first = chars.next().unwrap().to_ascii_lowercase();
            assert_eq!(format!("{first}{}", chars.as_str()), *method);
        }
        assert_eq!(
            <teloxide::payloads::SendMessage as Called>::METHOD,
            "sendMessage"
        );
        let all: Vec<&str> = called_methods().collect();
        assert!(all.contains(&"copyMessage"));
        assert_eq!(all.len(), PAYLOADS.len());
    }
}
