//! Whether a Telegram person's actor may be let go: not while they search
//! or chat (their partner's messages and their match must reach them), and
//! not soon after their last update. Also the language the person is
//! spoken to in, which their updates and their sender task both read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use crate::i18n::UiLang;

pub struct Activity {
    /// Searching or in a room. Written by the person's actor (through its
    /// outbox) whenever that changes.
    busy: AtomicBool,
    /// Last update from the person or event for them.
    last: Mutex<Instant>,
    /// Index into `UiLang::ALL` of the language the person is spoken to in.
    lang: AtomicU8,
    /// Set once the person picked a language with /language: their
    /// Telegram app's language no longer decides.
    chosen: AtomicBool,
}

impl Activity {
    pub fn new() -> Self {
        Self {
            busy: AtomicBool::new(false),
            last: Mutex::new(Instant::now()),
            lang: AtomicU8::new(0),
            chosen: AtomicBool::new(false),
        }
    }

    /// The language to speak to the person in now.
    pub fn lang(&self) -> UiLang {
        let i = usize::from(self.lang.load(Ordering::Relaxed));
        UiLang::ALL.get(i).copied().unwrap_or_default()
    }

    fn store_lang(&self, lang: UiLang) {
        let i = UiLang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        self.lang
            .store(u8::try_from(i).unwrap_or(0), Ordering::Relaxed);
    }

    /// An update's `language_code`: decides unless the person chose. An
    /// update without one (no sender) changes nothing.
    pub fn client_lang(&self, tag: Option<&str>) {
        if tag.is_some() && !self.chosen.load(Ordering::Relaxed) {
            self.store_lang(UiLang::from_tag(tag));
        }
    }

    /// The person's own choice (/language, or stored from an earlier one).
    pub fn choose(&self, lang: UiLang) {
        self.chosen.store(true, Ordering::Relaxed);
        self.store_lang(lang);
    }

    pub fn touch(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = Instant::now();
        }
    }

    /// The person's actor says whether they search or chat.
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::SeqCst);
        self.touch();
    }

    /// How long the person has been idle; `None` while busy.
    pub fn idle_for(&self, now: Instant) -> Option<Duration> {
        if self.busy.load(Ordering::SeqCst) {
            return None;
        }
        let last = *self.last.lock().ok()?;
        Some(now.saturating_duration_since(last))
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}
