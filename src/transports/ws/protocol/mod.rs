//! The WebSocket protocol (the README's): JSON text frames tagged by `type`.
//! Parsing and rendering live here and nowhere else.//! Frames from the browser are in `client_frames.rs`, frames to it in
//! `server_frames.rs`.

mod client_frames;
mod server_frames;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use client_frames::{Refused, parse};
pub use server_frames::render;
