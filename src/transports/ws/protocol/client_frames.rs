//! Frames from the browser: parsing and validating one text frame into a
//! command, or a refusal naming the error and the message id it was about.

use serde::Deserialize;

use crate::actors::client::ClientCommand;
use crate::domain::{ClientMsgId, MessageBody, Origin, ReportReason, Score};
use crate::error::ChatError;
use crate::transports::ws::matching_frames::{RawPrefs, RawProfile};

/// A frame from the browser, before validation.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Search {
        #[serde(default)]
        prefs: Option<RawPrefs>,
    },
    Message {
        text: String,
        id: String,
    },
    Next,
    Stop,
    Report {
        #[serde(default)]
        reason: Option<String>,
    },
    Typing,
    Profile(RawProfile),
    Block,
    Rate {
        score: String,
    },
}

/// A refused frame: the error, and the message id it was about (if known).
#[derive(Debug)]
pub struct Refused {
    pub error: ChatError,
    pub id: Option<String>,
}

/// Parses and validates one text frame.
pub fn parse(text: &str) -> Result<ClientCommand, Refused> {
    let frame: ClientFrame = serde_json::from_str(text).map_err(|e| Refused {
        error: ChatError::BadFrame(e.to_string()),
        id: None,
    })?;
    let refuse = |error, id: Option<&str>| Refused {
        error,
        id: id.map(str::to_owned),
    };
    Ok(match frame {
        ClientFrame::Search { prefs } => ClientCommand::Search {
            prefs: prefs
                .map(RawPrefs::parse)
                .transpose()
                .map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Message { text, id } => {
            let id = ClientMsgId::parse(id).map_err(|e| refuse(e.into(), None))?;
            let body = MessageBody::text(text).map_err(|e| refuse(e.into(), Some(id.as_str())))?;
            ClientCommand::Send {
                body,
                origin: Origin::Web,
                reply_to: None,
                id,
            }
        }
        ClientFrame::Next => ClientCommand::Next,
        ClientFrame::Stop => ClientCommand::Stop,
        ClientFrame::Report { reason } => ClientCommand::Report {
            reason: ReportReason::parse(reason).map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Typing => ClientCommand::Typing,
        ClientFrame::Profile(raw) => ClientCommand::Profile {
            update: raw.parse().map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Block => ClientCommand::Block,
        ClientFrame::Rate { score } => ClientCommand::Rate {
            score: Score::parse(&score).map_err(|e| refuse(e.into(), None))?,
        },
    })
}
