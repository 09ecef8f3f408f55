//! Reading the declared variables: from a lookup (tests pass a map) or from
//! the process environment, a blank value counting as unset either way.

use std::ffi::OsString;

use clap::{Args, Command, FromArgMatches};

use super::{Config, Settings};

impl Config {
    /// Reads configuration through `get` (tests pass a map), with the
    /// declaration's defaults and checks; the process environment is not read.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut argv = vec![OsString::from("chathub")];
        // Each variable becomes its long flag; clap's own env reading is
        // switched off so the map is the only source.
        let cmd = Settings::augment_args(Command::new("chathub")).mut_args(|arg| {
            if let (Some(name), Some(long)) = (arg.get_env(), arg.get_long())
                && let Some(value) = name
                    .to_str()
                    .and_then(&get)
                    .filter(|v| !v.trim().is_empty())
            {
                argv.push(format!("--{long}={value}").into());
            }
            arg.env(None)
        });
        let matches = cmd.try_get_matches_from(argv)?;
        Self::from_settings(Settings::from_arg_matches(&matches)?)
    }
}

/// The command line of `chathub` with `cmd`'s arguments reading the process
/// environment, except variables set to blank: deployments (Kubernetes
/// secrets, compose files) write `VAR=""` to mean unset, while clap would
/// take the empty text as the value.
pub fn blank_env_is_unset(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        let blank = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_string_lossy().trim().is_empty());
        if blank { arg.env(None) } else { arg }
    })
}
