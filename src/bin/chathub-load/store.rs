//! `chathub-load store`: creates N rooms on the database at DATABASE_URL
//! (migrating it first) and has both people of every room send messages at
//! once, each person waiting for the previous acknowledgement like a real
//! client, through the same `PgStore` the hub uses. Durability is whatever
//! the server is configured for; the tool prints it and never relaxes it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chathub::domain::{ClientMsgId, MessageBody, Platform, RoomId, Seq, UserId};
use chathub::store::{NewMessage, PgConfig, PgStore, RoomLog};
use clap::Args;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use crate::measure::{MeasureArgs, Meter};
use crate::stats::report;

#[derive(Args)]
pub struct StoreArgs {
    /// Postgres to load (it is migrated first).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Rooms, each with two people sending at the same time.
    #[arg(long, default_value_t = 500)]
    rooms: usize,
    /// Messages per room (half from each person).
    #[arg(long, default_value_t = 40)]
    messages: usize,
    /// Connections in the store's pool.
    #[arg(long, env = "CHATHUB_DB_POOL_SIZE", default_value_t = 16)]
    pool_size: usize,
    /// Message writers (each with its own connection).
    #[arg(long, env = "CHATHUB_DB_WRITERS", default_value_t = 1)]
    writers: usize,
    #[command(flatten)]
    measure: MeasureArgs,
}

pub async fn store_load(args: StoreArgs) -> anyhow::Result<()> {
    if args.rooms == 0 || args.messages < 2 {
        bail!("need at least one room and two messages per room");
    }
    print_durability(&args.database_url).await?;
    let store = Arc::new(
        PgStore::connect(&PgConfig {
            url: args.database_url.clone(),
            pool_size: args.pool_size,
            writers: args.writers,
            room_idle: std::time::Duration::from_secs(900),
        })
        .await?,
    );

    // Set-up, not measured: 2N people in N rooms.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut rooms = Vec::with_capacity(args.rooms);
    for i in 0..args.rooms {
        let a = store
            .upsert_user(Platform::Web, &format!("load-{run}-{i}-a"))
            .await?;
        let b = store
            .upsert_user(Platform::Web, &format!("load-{run}-{i}-b"))
            .await?;
        rooms.push((store.create_room(a, b).await?.id, a, b));
    }
    let per_person = args.messages / 2;
    println!(
        "store: {} rooms x {} messages = {} appends, pool {}, writers {}",
        args.rooms,
        per_person * 2,
        args.rooms * per_person * 2,
        args.pool_size,
        args.writers
    );

    let meter = Meter::start(&args.measure);
    let started = Instant::now();
    let mut people = Vec::with_capacity(args.rooms * 2);
    for &(room, a, b) in &rooms {
        for who in [a, b] {
            people.push(tokio::spawn(person(store.clone(), room, who, per_person)));
        }
    }
    let mut latencies = Vec::with_capacity(args.rooms * per_person * 2);
    for p in people {
        latencies.extend(p.await.context("sender task failed")??);
    }
    let elapsed = started.elapsed();

    // Everything acknowledged must be there, once, without gaps.
    for &(room, _, _) in &rooms {
        let stored = store
            .messages_after(room, Seq::ZERO, per_person * 2 + 1)
            .await?;
        let gapless = stored.iter().zip(1..).all(|(m, n)| m.seq == Seq(n));
        if stored.len() != per_person * 2 || !gapless {
            bail!(
                "room {room} does not hold its {} messages in seq order",
                per_person * 2
            );
        }
    }
    let summary = report("stored", "message", "append", &mut latencies, elapsed);
    let extra = json!({"rooms": args.rooms, "messages": per_person * 2, "pool": args.pool_size, "writers": args.writers});
    meter.finish("store", summary, extra)?;
    Ok(())
}

/// One person sending `count` messages, each after the previous ack.
async fn person(
    store: Arc<PgStore>,
    room: RoomId,
    who: UserId,
    count: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(count);
    for i in 0..count {
        let msg = NewMessage {
            room,
            sender: who,
            body: MessageBody::text(format!(
                "load message {i} with some ordinary chat-sized text"
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?,
            origin: Default::default(),
            reply_to: None,
            client_msg_id: ClientMsgId::parse(format!("load-{i}"))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let sent = Instant::now();
        store.append_message(msg).await?;
        latencies.push(sent.elapsed());
    }
    Ok(latencies)
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    setting: String,
}

/// Prints the server's durability settings, so a figure is never quoted
/// without them.
async fn print_durability(url: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .context("cannot connect to DATABASE_URL")?;
    let mut shown = Vec::new();
    for name in ["fsync", "synchronous_commit", "wal_sync_method"] {
        let s: Setting = diesel::sql_query(format!("SELECT current_setting('{name}') AS setting"))
            .get_result(&mut conn)
            .await?;
        shown.push(format!("{name}={}", s.setting));
    }
    println!("durability: {}", shown.join(" "));
    Ok(())
}
