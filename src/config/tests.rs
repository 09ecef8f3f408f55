//! Unit tests of the configuration: defaults, refusals naming the
//! variable, and the README's table kept equal to the declaration.

use super::*;
use std::collections::HashMap;

use clap::{Args, Command};

fn cfg(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_embedded_mode() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert!(c.database_url.is_none() && c.redis_url.is_none());
    assert_eq!(c.log_format, LogFormat::Human);
}

#[test]
fn bad_values_are_refused_with_the_variable_named() {
    let e = cfg(&[("CHATHUB_LISTEN", "nope")]).unwrap_err();
    assert!(e.to_string().contains("CHATHUB_LISTEN"));
    let e = cfg(&[("CHATHUB_FLOOD_PER_SEC", "0")]).unwrap_err();
    assert!(e.to_string().contains("CHATHUB_FLOOD_PER_SEC"));
}

#[test]
fn redis_prefix_defaults_and_is_checked() {
    assert_eq!(cfg(&[]).unwrap().redis_prefix, "chathub:");
    let c = cfg(&[("CHATHUB_REDIS_PREFIX", "staging:chathub:")]).unwrap();
    assert_eq!(c.redis_prefix, "staging:chathub:");
    // Blank means unset (Kubernetes secrets write `VAR: ""`).
    assert_eq!(
        cfg(&[("CHATHUB_REDIS_PREFIX", " ")]).unwrap().redis_prefix,
        "chathub:"
    );
    for bad in ["a b", "x\ty"] {
        let e = cfg(&[("CHATHUB_REDIS_PREFIX", bad)]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_REDIS_PREFIX"));
    }
}

#[test]
fn database_pool_and_retention_have_defaults_and_overrides() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.db_pool_size, 16);
    assert_eq!(c.retention, Duration::from_secs(30 * 24 * 3600));
    let c = cfg(&[
        ("CHATHUB_DB_POOL_SIZE", "4"),
        ("CHATHUB_RETENTION_DAYS", "7"),
    ])
    .unwrap();
    assert_eq!(c.db_pool_size, 4);
    assert_eq!(c.retention, Duration::from_secs(7 * 24 * 3600));
    let e = cfg(&[("CHATHUB_DB_POOL_SIZE", "0")]).unwrap_err();
    assert!(e.to_string().contains("CHATHUB_DB_POOL_SIZE"));
    let e = cfg(&[("CHATHUB_RETENTION_DAYS", "many")]).unwrap_err();
    assert!(e.to_string().contains("CHATHUB_RETENTION_DAYS"));
}

#[test]
fn thread_counts_follow_the_cpus_unless_set() {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let c = cfg(&[]).unwrap();
    assert_eq!((c.http_workers, c.runtime_threads), (cpus, cpus));
    let c = cfg(&[
        ("CHATHUB_HTTP_WORKERS", "1"),
        ("CHATHUB_RUNTIME_THREADS", "3"),
    ])
    .unwrap();
    assert_eq!((c.http_workers, c.runtime_threads), (1, 3));
    for var in ["CHATHUB_HTTP_WORKERS", "CHATHUB_RUNTIME_THREADS"] {
        let e = cfg(&[(var, "0")]).unwrap_err();
        assert!(e.to_string().contains(var));
    }
}

#[test]
fn admin_listener_and_startup_wait() {
    let c = cfg(&[]).unwrap();
    assert_eq!(c.admin_listen, None);
    assert_eq!(c.startup_wait, Duration::from_secs(60));
    let c = cfg(&[
        ("CHATHUB_ADMIN_LISTEN", "0.0.0.0:9090"),
        ("CHATHUB_STARTUP_WAIT_SECS", "5"),
    ])
    .unwrap();
    assert_eq!(c.admin_listen.unwrap().to_string(), "0.0.0.0:9090");
    assert_eq!(c.startup_wait, Duration::from_secs(5));
    let e = cfg(&[("CHATHUB_ADMIN_LISTEN", "nope")]).unwrap_err();
    assert!(e.to_string().contains("CHATHUB_ADMIN_LISTEN"));
    let e = cfg(&[
        ("CHATHUB_LISTEN", "0.0.0.0:8080"),
        ("CHATHUB_ADMIN_LISTEN", "0.0.0.0:8080"),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("CHATHUB_ADMIN_LISTEN"));
}

#[test]
fn secrets_do_not_print() {
    let c = cfg(&[("DATABASE_URL", "postgres://u:hunter2@db/x")]).unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn declared_defaults_are_the_domain_defaults() {
    assert_eq!(cfg(&[]).unwrap().autoban, AutobanPolicy::default());
    assert_eq!(cfg(&[]).unwrap().matching, MatchPolicy::default());
    let m = cfg(&[
        ("CHATHUB_REMATCH_COOLDOWN_SECS", "0"),
        ("CHATHUB_REPUTATION_FLOOR", "-10"),
    ])
    .unwrap()
    .matching;
    assert_eq!((m.cooldown, m.reputation_floor), (Duration::ZERO, -10));
    assert!(cfg(&[("CHATHUB_RELAX_SECS", "0")]).is_err());
    assert!(cfg(&[("CHATHUB_REMATCH_COOLDOWN_SECS", "-1")]).is_err());
    let c = cfg(&[("CHATHUB_AUTOBAN_STEPS", "60,permanent,60")]).unwrap_err();
    assert!(c.to_string().contains("CHATHUB_AUTOBAN_STEPS"));
}

/// The README's configuration table, as (variable, default cell) rows.
fn readme_table() -> Vec<(String, String)> {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a Configuration section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `VAR` | meaning | default |
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_owned(), cells.get(3)?.to_string()))
        })
        .collect()
}

#[test]
fn readme_table_and_declaration_are_equal() {
    let cmd = Settings::augment_args(Command::new("chathub"));
    let declared: Vec<(String, Option<String>)> = cmd
        .get_arguments()
        .filter_map(|a| {
            let name = a.get_env()?.to_str()?.to_owned();
            let default = a
                .get_default_values()
                .first()
                .map(|d| d.to_string_lossy().into_owned());
            Some((name, default))
        })
        .collect();
    let table = readme_table();
    for (name, default) in &declared {
        let row = table.iter().find(|(n, _)| n == name);
        let (_, cell) = row.unwrap_or_else(|| panic!("{name} is not in the README's table"));
        match default {
            Some(d) => assert_eq!(cell, &format!("`{d}`"), "default of {name}"),
            // No declared default: the README says in words what unset means.
            None => assert!(
                !cell.starts_with('`'),
                "{name} has no default, README says {cell}"
            ),
        }
    }
    for (name, _) in &table {
        assert!(
            declared.iter().any(|(n, _)| n == name),
            "{name} is in the README's table but not declared"
        );
    }
    assert!(declared.len() > 30, "every variable is declared");
}
