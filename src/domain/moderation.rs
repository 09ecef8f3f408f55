//! The automatic ban rule: how many distinct reporters, within which window,
//! and how long each successive automatic ban lasts. Parsed once from the
//! environment; the store applies it atomically when a complaint is filed.

use std::time::Duration;

use anyhow::{Context, bail};

/// Default `CHATHUB_AUTOBAN_REPORTS`.
const DEFAULT_REPORTS: u32 = 3;
/// Default `CHATHUB_AUTOBAN_WINDOW_SECS`: one day.
const DEFAULT_WINDOW_SECS: u64 = 86_400;
/// Default `CHATHUB_AUTOBAN_STEPS`: 1 h, 24 h, 7 days, then permanent.
const DEFAULT_STEPS: &str = "3600,86400,604800,permanent";

/// One step of the escalation ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BanLength {
    For(Duration),
    Permanent,
}

/// `CHATHUB_AUTOBAN_*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutobanPolicy {
    /// Weighted distinct reporters that trigger a ban (a reporter whose
    /// earlier reports were dismissed counts for less than one).
    pub reports: u32,
    /// Only reports this recent count.
    pub window: Duration,
    /// Length of the 1st, 2nd, ... automatic ban; the last step repeats.
    pub steps: Vec<BanLength>,
}

impl Default for AutobanPolicy {
    fn default() -> Self {
        Self {
            reports: DEFAULT_REPORTS,
            window: Duration::from_secs(DEFAULT_WINDOW_SECS),
            // The default ladder is a constant that parses; see the unit test.
            steps: parse_steps(DEFAULT_STEPS).unwrap_or_else(|_| vec![BanLength::Permanent]),
        }
    }
}

impl AutobanPolicy {
    /// The length of the automatic ban that follows `earlier` automatic bans.
    pub fn step(&self, earlier: usize) -> BanLength {
        self.steps
            .get(earlier)
            .or(self.steps.last())
            .copied()
            .unwrap_or(BanLength::Permanent)
    }
}

/// `CHATHUB_AUTOBAN_STEPS`, e.g. `3600,86400,permanent`: seconds per step,
/// `permanent` last if at all.
pub fn parse_steps(raw: &str) -> anyhow::Result<Vec<BanLength>> {
    let mut steps = Vec::new();
    for part in raw.split(',').map(str::trim) {
        if steps.last() == Some(&BanLength::Permanent) {
            bail!("CHATHUB_AUTOBAN_STEPS: nothing may follow 'permanent'");
        }
        if part == "permanent" {
            steps.push(BanLength::Permanent);
            continue;
        }
        let secs = part
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| {
                format!("CHATHUB_AUTOBAN_STEPS: {part:?} is neither seconds nor 'permanent'")
            })?;
        steps.push(BanLength::For(Duration::from_secs(secs)));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn default_ladder_escalates_to_permanent() {
        let p = AutobanPolicy::default();
        assert_eq!(p.step(0), BanLength::For(Duration::from_secs(3600)));
        assert_eq!(p.step(2), BanLength::For(Duration::from_secs(604_800)));
        assert_eq!(p.step(3), BanLength::Permanent);
        assert_eq!(p.step(9), BanLength::Permanent);
    }

    #[test]
    fn steps_are_validated() {
        assert!(parse_steps("60,permanent,60").is_err());
        assert!(parse_steps("0").is_err());
        let p = AutobanPolicy {
            steps: parse_steps("60, 120").unwrap(),
            ..AutobanPolicy::default()
        };
        assert_eq!(p.step(5), BanLength::For(Duration::from_secs(120)));
    }
}
