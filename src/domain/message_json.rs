//! A [`StoredMessage`] on the wire: bus events and complaint evidence carry
//! it in the flat form of [`Columns`], the shape they always had.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ClientMsgId, Columns, CorruptMessage, Extra, MessageKind, RoomId, Seq, StoredMessage, UserId,
};

/// A [`StoredMessage`] as JSON: the flat form, so bus events and the
/// evidence stored with complaints keep the shape they always had.
#[derive(Serialize, Deserialize)]
pub(super) struct MessageJson {
    room: RoomId,
    seq: Seq,
    sender: UserId,
    kind: MessageKind,
    text: String,
    client_msg_id: ClientMsgId,
    created_at: DateTime<Utc>,
    #[serde(default)]
    extra: Extra,
}

impl From<StoredMessage> for MessageJson {
    fn from(m: StoredMessage) -> Self {
        let Columns { kind, text, extra } = Columns::of(&m);
        MessageJson {
            room: m.room,
            seq: m.seq,
            sender: m.sender,
            kind,
            text,
            client_msg_id: m.client_msg_id,
            created_at: m.created_at,
            extra,
        }
    }
}

impl TryFrom<MessageJson> for StoredMessage {
    type Error = CorruptMessage;

    fn try_from(m: MessageJson) -> Result<Self, CorruptMessage> {
        let (body, origin, reply_to) = Columns {
            kind: m.kind,
            text: m.text,
            extra: m.extra,
        }
        .read()?;
        Ok(StoredMessage {
            room: m.room,
            seq: m.seq,
            sender: m.sender,
            body,
            origin,
            reply_to,
            client_msg_id: m.client_msg_id,
            created_at: m.created_at,
        })
    }
}
