//! How people reach the hub. Each transport turns its wire format into
//! `ClientCommand`s for a ClientActor and renders `Outgoing` events back.

pub mod telegram;
pub mod ws;
