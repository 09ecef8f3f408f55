//! Embedded migrations, applied under a Postgres advisory lock so that
//! replicas starting together take turns: the first applies them, the others
//! wait for it and then find nothing left to do.

use anyhow::Context;
use diesel::RunQueryDsl;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory lock key for migrations: any constant shared by all replicas
/// ("chathub" in ASCII).
const MIGRATION_LOCK: i64 = 0x63_68_61_74_68_75_62;

/// Applies all pending migrations; returns how many were applied.
pub async fn run_migrations(url: &str) -> anyhow::Result<usize> {
    reachable(url).await?;
    let url = url.to_owned();
    // The migration harness is synchronous: run it on a blocking thread
    // through diesel-async's sync wrapper (no libpq needed).
    tokio::task::spawn_blocking(move || migrate_blocking(&url))
        .await
        .context("migration task panicked")?
}

/// Connects once with the driver itself, whose error keeps its cause (the
/// migration harness's connection reports only "error connecting to
/// server"). The URL is never part of the message.
async fn reachable(url: &str) -> anyhow::Result<()> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .context("cannot connect to PostgreSQL")?;
    // Connected and authenticated: that was the question.
    drop(client);
    drop(connection);
    Ok(())
}

fn migrate_blocking(url: &str) -> anyhow::Result<usize> {
    let mut conn =
        <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(url)
            .context("cannot connect to Postgres to run migrations")?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut conn)
        .context("cannot take the migration lock")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
    // Released on disconnect anyway; unlocking lets the next replica go now.
    let unlocked = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .execute(&mut conn);
    let applied = applied?;
    unlocked.context("cannot release the migration lock")?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(applied)
}
