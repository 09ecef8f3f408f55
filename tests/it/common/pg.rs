//! A fresh Postgres database per test: created from the `postgres`
//! maintenance database, dropped when the handle goes out of scope (also
//! when the test panicked). Postgres is found at `CHATHUB_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432`, trust auth).

use std::sync::Arc;

use chathub::store::{PgConfig, PgStore};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

pub fn server_url() -> String {
    std::env::var("CHATHUB_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

async fn admin(server: &str, sql: String) {
    let mut conn = AsyncPgConnection::establish(&format!("{server}/postgres"))
        .await
        .expect("Postgres is reachable for tests");
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

pub struct TestDb {
    name: String,
    /// The server it lives on (without a database name).
    server: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        Self::create_on(&server_url()).await
    }

    /// A fresh database on the server at `server` (a test's own, say).
    pub async fn create_on(server: &str) -> TestDb {
        let name = format!("chathub_test_{}", uuid::Uuid::new_v4().simple());
        admin(server, format!("CREATE DATABASE {name}")).await;
        let url = format!("{server}/{name}");
        TestDb {
            name,
            server: server.to_owned(),
            url,
        }
    }

    pub fn config(&self) -> PgConfig {
        PgConfig {
            url: self.url.clone(),
            pool_size: 8,
            writers: 1,
            // The idle limit of the conformance cases (`conformance::limits`).
            room_idle: std::time::Duration::from_secs(2),
        }
    }

    /// `SELECT count(*) FROM <table>` on this database.
    pub async fn count(&self, table: &str) -> i64 {
        use diesel::sql_types::BigInt;
        let mut conn = AsyncPgConnection::establish(&self.url).await.unwrap();
        let query = format!("(SELECT count(*) FROM {table})");
        diesel::select(diesel::dsl::sql::<BigInt>(&query))
            .get_result(&mut conn)
            .await
            .unwrap()
    }

    /// Runs one statement on this database (a test arranging what no
    /// endpoint can, such as a complaint filed long ago).
    pub async fn execute(&self, sql: &str) {
        let mut conn = AsyncPgConnection::establish(&self.url).await.unwrap();
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> Arc<PgStore> {
        Arc::new(
            PgStore::connect(&self.config())
                .await
                .expect("store connects"),
        )
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside async context: use a private runtime on a plain
        // thread. FORCE ends the connections the pool may still hold.
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let server = self.server.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(admin(&server, sql));
            }
        })
        .join();
    }
}
