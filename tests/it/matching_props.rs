//! Property test of rooms and matching against a reference model: random
//! sequences of search / next / stop / disconnect / resume by four people
//! over two replicas (in one process, sharing store, queue and bus, as the
//! other two-replica tests run). After every step each person's frames are
//! what the model predicts (the oldest searcher is matched first; a leaver's
//! partner is told), and the invariants hold: nobody in two rooms, both
//! members of a room agree on it, who stopped is in no room, and matches
//! only happen between searchers. At the end everyone reconnects and the
//! server's own view (`hello.room`) is compared with the model.
//!
//! Disconnecting while searching cancels the search asynchronously (the
//! dropped connection's actor leaves the queue after it stops), which no
//! client can wait for; the model therefore stops a searcher before
//! dropping their connection.

use crate::common;

use std::collections::BTreeMap;

use common::inproc::spawn_replicas;
use common::ws::WsClient;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::json;

const PEOPLE: usize = 4;
/// Random sequences per run, and steps in each.
const SEQUENCES: usize = 5;
const STEPS: std::ops::Range<usize> = 8..16;

#[derive(Clone, Copy, Debug)]
enum Op {
    Search(usize),
    Next(usize),
    Stop(usize),
    Disconnect(usize),
    Resume(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PEOPLE;
    prop_oneof![
        3 => p.clone().prop_map(Op::Search),
        2 => p.clone().prop_map(Op::Next),
        2 => p.clone().prop_map(Op::Stop),
        1 => p.clone().prop_map(Op::Disconnect),
        2 => (p, 0..2usize).prop_map(|(p, r)| Op::Resume(p, r)),
    ]
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    /// Waiting, with the order they joined the queue in.
    Searching(u64),
    InRoom {
        room: String,
        partner: usize,
    },
}

struct Person {
    client: Option<WsClient>,
    session: String,
    state: State,
}

struct World {
    urls: [String; 2],
    people: Vec<Person>,
    tickets: u64,
}

impl World {
    fn client(&mut self, p: usize) -> &mut WsClient {
        self.people[p].client.as_mut().expect("connected")
    }

    /// The oldest searcher other than `p`, as the queue would pick.
    fn oldest_searcher(&self, p: usize) -> Option<usize> {
        (0..PEOPLE)
            .filter(|&q| q != p)
            .filter_map(|q| match self.people[q].state {
                State::Searching(t) => Some((t, q)),
                _ => None,
            })
            .min()
            .map(|(_, q)| q)
    }

    /// `p` (idle) searches: matched with the oldest searcher, or queued.
    async fn search(&mut self, p: usize) {
        match self.oldest_searcher(p) {
            Some(q) => {
                assert!(self.people[q].client.is_some(), "searchers are connected");
                let room = matched(self.client(p)).await;
                let theirs = matched(self.client(q)).await;
                assert_eq!(room, theirs, "both members agree on the room");
                self.people[p].state = State::InRoom {
                    room: room.clone(),
                    partner: q,
                };
                self.people[q].state = State::InRoom { room, partner: p };
            }
            None => {
                assert_eq!(self.client(p).next_event().await["type"], "searching");
                self.tickets += 1;
                self.people[p].state = State::Searching(self.tickets);
            }
        }
    }

    /// `p` leaves their room (if any): the partner, if connected, is told
    /// why; a disconnected partner finds no room when they come back.
    async fn leave(&mut self, p: usize, reason: &str) {
        if let State::InRoom { room, partner } = self.people[p].state.clone() {
            self.people[partner].state = State::Idle;
            self.people[p].state = State::Idle;
            if let Some(c) = self.people[partner].client.as_mut() {
                let left = c.next_event().await;
                assert_eq!(
                    (
                        left["type"].as_str(),
                        left["room"].as_str(),
                        left["reason"].as_str()
                    ),
                    (Some("partner_left"), Some(room.as_str()), Some(reason)),
                    "{left}"
                );
            }
        }
    }

    async fn step(&mut self, op: Op) {
        match op {
            Op::Search(p) if self.people[p].client.is_some() => {
                self.client(p).search().await;
                match self.people[p].state {
                    State::Idle => self.search(p).await,
                    State::Searching(_) => {
                        assert_eq!(self.client(p).next_event().await["type"], "searching")
                    }
                    State::InRoom { .. } => {
                        let err = self.client(p).expect("error").await;
                        assert_eq!(err["code"], "already_in_room", "{err}");
                    }
                }
            }
            Op::Next(p) if self.people[p].client.is_some() => {
                self.client(p).send(json!({"type": "next"})).await;
                match self.people[p].state {
                    State::Searching(_) => {} // already searching: nothing to say
                    _ => {
                        self.leave(p, "next").await;
                        self.search(p).await;
                    }
                }
            }
            Op::Stop(p) if self.people[p].client.is_some() => self.stop(p).await,
            Op::Disconnect(p) if self.people[p].client.is_some() => {
                if matches!(self.people[p].state, State::Searching(_)) {
                    self.stop(p).await;
                }
                self.people[p].client.take().unwrap().drop_connection();
            }
            Op::Resume(p, r) if self.people[p].client.is_none() => {
                let mut c = WsClient::resume(&self.urls[r], &self.people[p].session).await;
                let expected = match &self.people[p].state {
                    State::InRoom { room, .. } => Some(room.clone()),
                    _ => None,
                };
                assert_eq!(c.hello_room, expected, "the server's room is the model's");
                if let Some(room) = expected {
                    assert_eq!(c.expect("matched").await["room"], room.as_str());
                }
                self.people[p].client = Some(c);
            }
            _ => {} // not applicable to this person now
        }
    }

    async fn stop(&mut self, p: usize) {
        self.client(p).send(json!({"type": "stop"})).await;
        self.leave(p, "stop").await;
        assert_eq!(self.client(p).next_event().await["type"], "stopped");
        self.people[p].state = State::Idle;
    }

    /// Nobody got a frame the model did not predict, and the model itself
    /// keeps the invariants.
    async fn check(&mut self) {
        for (p, person) in self.people.iter_mut().enumerate() {
            if let Some(c) = person.client.as_mut() {
                while let Some(extra) = c.try_next_frame().await {
                    // Presence signals (a partner's dropped connection) are
                    // outside the model, which follows rooms and searches.
                    assert!(
                        common::ws::is_signal(&extra),
                        "person {p} got an unexpected {extra}"
                    );
                }
            }
        }
        let mut rooms: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (p, person) in self.people.iter().enumerate() {
            if let State::InRoom { room, partner } = &person.state {
                rooms.entry(room).or_default().push(p);
                match &self.people[*partner].state {
                    State::InRoom {
                        room: theirs,
                        partner: back,
                    } => {
                        assert_eq!((theirs, *back), (room, p), "both members agree");
                    }
                    other => panic!("{p}'s partner {partner} is {other:?}"),
                }
            }
        }
        for (room, members) in rooms {
            assert_eq!(members.len(), 2, "room {room} has two people");
        }
    }
}

async fn matched(c: &mut WsClient) -> String {
    // `searching` may come first when the match lands right after queueing.
    let frame = c.next_event().await;
    let frame = if frame["type"] == "searching" {
        c.next_event().await
    } else {
        frame
    };
    assert_eq!(frame["type"], "matched", "{frame}");
    frame["room"].as_str().unwrap().to_owned()
}

async fn run(urls: [String; 2], ops: &[Op]) {
    let mut people = Vec::new();
    for p in 0..PEOPLE {
        let client = WsClient::connect(&urls[p % 2]).await;
        people.push(Person {
            session: client.session.clone(),
            client: Some(client),
            state: State::Idle,
        });
    }
    let mut world = World {
        urls,
        people,
        tickets: 0,
    };
    for &op in ops {
        world.step(op).await;
        world.check().await;
    }
    // The server's view: everyone reconnects (taking over any open
    // connection) on the other replica and is told the model's room.
    for p in 0..PEOPLE {
        if let Some(c) = world.people[p].client.take() {
            c.drop_connection();
        }
        world.step(Op::Resume(p, (p + 1) % 2)).await;
    }
    world.check().await;
    // Leave nobody queued or in a room for the next sequence.
    for p in 0..PEOPLE {
        world.stop(p).await;
    }
}

#[actix_web::test]
async fn random_search_next_stop_disconnect_resume_keep_rooms_consistent() {
    // A long grace: a disconnected person keeps their room until they
    // return, so the model needs no clock.
    let apps = spawn_replicas(2, &[("CHATHUB_RESUME_GRACE_SECS", "600")]).await;
    let urls = [apps[0].ws_url(""), apps[1].ws_url("")];
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(op(), STEPS);
    let mut steps = 0;
    for _ in 0..SEQUENCES {
        let ops = strategy.new_tree(&mut runner).unwrap().current();
        steps += ops.len();
        eprintln!("sequence: {ops:?}");
        run(urls.clone(), &ops).await;
    }
    eprintln!("{SEQUENCES} random sequences, {steps} steps, model and server agreed");
    for app in apps {
        app.shutdown().await;
    }
}
