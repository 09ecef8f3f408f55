//! `chathub-load pairing`: pairings per second through the shared queue on
//! Redis, with preferences on, as the Matcher drives it: `--replicas`
//! connections (each a replica's queue, with its own owner token) and
//! `--concurrency` searches in flight, every search one atomic `join`.
//! People come with a profile (gender, age, two interests) and mixed
//! preferences: half want one gender, a third an age range of ±10 years, a
//! fifth a shared interest, a tenth a language; some avoid a recent partner.
//! Whoever is still waiting at the end is counted, and the run's keys are
//! removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use chathub::bus::redis::{RedisBus, RedisSettings};
use chathub::bus::{QueueEntry, SearchQueue};
use chathub::domain::{Age, Gender, Interest, Lang, Profile, SearchPrefs, UserId};
use clap::Args;
use rand::Rng;
use strum::VariantArray;

use crate::stats::report;

#[derive(Args)]
pub struct PairingArgs {
    /// Redis to run against (keys under a prefix of the run's own, removed
    /// afterwards).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    redis_url: String,
    /// People searching, in all.
    #[arg(long, default_value_t = 20_000)]
    people: usize,
    /// Queue connections, standing for replicas.
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Searches in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Searchers without any preference (0 = the mix above for everyone,
    /// 1 = nobody has preferences: the old behaviour, for comparison).
    #[arg(long, default_value_t = 0.0)]
    no_prefs: f64,
}

fn person(rng: &mut impl Rng, recent: Option<UserId>, no_prefs: f64) -> QueueEntry {
    let gender = Gender::VARIANTS[rng.random_range(0..Gender::VARIANTS.len())];
    let age: i64 = rng.random_range(18..=60);
    let interests: Vec<&str> = (0..2)
        .map(|_| Interest::VARIANTS[rng.random_range(0..Interest::VARIANTS.len())].as_str())
        .collect();
    let mut prefs = SearchPrefs::default();
    let picky = !rng.random_bool(no_prefs.clamp(0.0, 1.0));
    if picky && rng.random_bool(0.5) {
        prefs.gender = vec![Gender::VARIANTS[rng.random_range(0..2)]];
    }
    if picky && rng.random_bool(0.33) {
        prefs.age_min = Age::parse((age - 10).max(16)).ok();
        prefs.age_max = Age::parse((age + 10).min(99)).ok();
    }
    prefs.shared_interest = picky && rng.random_bool(0.2);
    if picky && rng.random_bool(0.1) {
        prefs.lang = Lang::parse("en").ok();
    }
    QueueEntry {
        user: UserId::new(),
        prefs,
        profile: Profile {
            gender: Some(gender),
            age: Age::parse(age).ok(),
            interests: Interest::parse_list(&interests).unwrap_or_default(),
            langs: vec![],
        },
        avoid: recent.into_iter().collect(),
        low_rep: rng.random_bool(0.05),
    }
}

pub async fn pairing_load(args: PairingArgs) -> anyhow::Result<()> {
    if args.people == 0 || args.replicas == 0 || args.concurrency == 0 {
        bail!("need people, replicas and concurrency above 0");
    }
    let prefix = format!("chathub-bench-{}:", uuid::Uuid::new_v4().simple());
    let mut queues: Vec<Arc<dyn SearchQueue>> = Vec::new();
    let mut buses = Vec::new();
    for i in 0..args.replicas {
        let adapters = RedisBus::connect(RedisSettings::new(
            &args.redis_url,
            &prefix,
            format!("bench-{i}"),
        ))
        .await?;
        queues.push(Arc::new(adapters.queue));
        buses.push(adapters.bus);
    }
    // Set-up, not measured.
    let mut rng = rand::rng();
    let mut people = Vec::with_capacity(args.people);
    let mut last = None;
    for _ in 0..args.people {
        let recent = if rng.random_bool(0.1) { last } else { None };
        let p = person(&mut rng, recent, args.no_prefs);
        last = Some(p.user);
        people.push(p);
    }
    let people = Arc::new(people);
    let next = Arc::new(AtomicUsize::new(0));
    let pairs = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|w| {
            let (queue, people, next, pairs) = (
                queues[w % queues.len()].clone(),
                people.clone(),
                next.clone(),
                pairs.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = people.get(i) else { break };
                    let t = Instant::now();
                    if queue.join(p.clone()).await?.is_some() {
                        pairs.fetch_add(1, Ordering::Relaxed);
                    }
                    latencies.push(t.elapsed());
                }
                Ok::<_, anyhow::Error>(latencies)
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::with_capacity(args.people);
    for w in workers {
        latencies.extend(w.await??);
    }
    let elapsed = started.elapsed();
    let waiting = queues[0].waiting().await?;
    let pairs = pairs.load(Ordering::Relaxed);
    report("searches", "searches", "join", &mut latencies, elapsed);
    println!(
        "pairings: {pairs} in {:.2} s = {:.0} pairings/s ({} people, {waiting} left waiting, {} replicas, {} in flight)",
        elapsed.as_secs_f64(),
        pairs as f64 / elapsed.as_secs_f64(),
        args.people,
        args.replicas,
        args.concurrency
    );
    for p in people.iter() {
        for q in &queues {
            q.leave(p.user).await?;
        }
    }
    drop(buses);
    Ok(())
}
