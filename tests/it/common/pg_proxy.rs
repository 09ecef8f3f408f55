//! A TCP proxy in front of the test Postgres that a test can stall or cut,
//! to see the hub through a database outage.

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Link {
    Up,
    /// Connections are dropped and new ones refused (Postgres down).
    Down,
    /// Bytes stop flowing (Postgres hung, or the network black-holed).
    Stalled,
}

pub struct PgProxy {
    pub port: u16,
    link: watch::Sender<Link>,
    accept: Option<JoinHandle<()>>,
}

impl PgProxy {
    pub async fn start() -> PgProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (link, _) = watch::channel(Link::Up);
        let accept = Some(tokio::spawn(accept(listener, link.subscribe())));
        PgProxy { port, link, accept }
    }

    /// `url` (a test database URL) rewritten to go through this proxy.
    pub fn url(&self, url: &str) -> String {
        let routed = url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", self.port));
        assert_ne!(routed, url, "the test database must be at 127.0.0.1:5432");
        routed
    }

    pub fn stall(&self) {
        self.link.send_replace(Link::Stalled);
    }

    /// Drops every connection and stops listening.
    pub async fn down(&mut self) {
        self.link.send_replace(Link::Down);
        if let Some(task) = self.accept.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.link.send_replace(Link::Up);
        self.accept = Some(tokio::spawn(accept(listener, self.link.subscribe())));
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.link.send_replace(Link::Down);
        if let Some(task) = self.accept.take() {
            task.abort();
        }
    }
}

async fn accept(listener: TcpListener, link: watch::Receiver<Link>) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(forward(client, link.clone()));
    }
}

async fn forward(client: TcpStream, mut link: watch::Receiver<Link>) {
    if *link.borrow() != Link::Up {
        return;
    }
    let Ok(server) = TcpStream::connect("127.0.0.1:5432").await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let pump = async {
        tokio::select! {
            _ = tokio::io::copy(&mut cr, &mut sw) => {}
            _ = tokio::io::copy(&mut sr, &mut cw) => {}
        }
    };
    // Map the borrowed value out inside the future: a held `Ref` is not Send.
    let cut = async { link.wait_for(|l| *l != Link::Up).await.map(|l| *l).ok() };
    let mode = tokio::select! {
        () = pump => return,
        mode = cut => mode,
    };
    if mode == Some(Link::Stalled) {
        // Hold the sockets open without forwarding a byte.
        let _ = async { link.wait_for(|l| *l == Link::Down).await.map(|_| ()) }.await;
    }
}
