//! How the fake answers a request: the failure rules first, then an
//! answer shaped as the Bot API shapes it (`wire.rs`), every call recorded
//! and shown to the observer; `getUpdates` long-polls the queued updates.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::wire::{answer, as_i64, failure_response, parse_params};
use super::{Call, Failure, MAX_POLL_WAIT, Shared, State};

pub(super) async fn handle(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let (token, method) = path.into_inner();
    if !token.starts_with("bot") {
        return HttpResponse::NotFound().finish();
    }
    let method = method.to_ascii_lowercase();
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let params = parse_params(&content_type, &body);
    let chat_id = params.get("chat_id").and_then(as_i64);
    if method == "getupdates" {
        return get_updates(&shared, &params).await;
    }
    let mut s = shared.state.lock().unwrap();
    let failure = take_failure(&mut s, chat_id);
    let (status, body) = match failure {
        Some(f) => failure_response(&f),
        None => (
            200,
            json!({"ok": true, "result": answer(&mut s, &method, chat_id, &params)}),
        ),
    };
    let status = if body["result"].is_null() && status == 200 {
        404
    } else {
        status
    };
    let body = if status == 404 {
        json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})
    } else {
        body
    };
    let call = Call {
        method,
        chat_id,
        params,
        at: Instant::now(),
        status,
        result: body["result"].clone(),
    };
    record(&shared, &mut s, call);
    drop(s);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
}

/// Hands `call` to the observer, then keeps it if the fake records.
fn record(shared: &Shared, s: &mut State, call: Call) {
    if let Some(observe) = &shared.observer {
        observe(&call);
    }
    if shared.record {
        s.calls.push(call);
    }
}

fn take_failure(s: &mut State, chat: Option<i64>) -> Option<Failure> {
    if s.rules.is_empty() {
        return None;
    }
    let i = s
        .rules
        .iter()
        .position(|r| r.chat.is_none() || r.chat == chat)?;
    let rule = &mut s.rules[i];
    let failure = rule.failure.clone();
    if let Some(n) = &mut rule.remaining {
        *n -= 1;
        if *n == 0 {
            s.rules.remove(i);
        }
    }
    Some(failure)
}

async fn get_updates(shared: &Shared, params: &Value) -> HttpResponse {
    let offset = params.get("offset").and_then(as_i64).unwrap_or(0);
    let deadline = Instant::now() + MAX_POLL_WAIT;
    loop {
        let found: Vec<Value> = {
            let mut s = shared.state.lock().unwrap();
            // An offset confirms every update before it, as Telegram does.
            s.updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            s.updates.iter().cloned().collect()
        };
        if !found.is_empty() || Instant::now() >= deadline {
            record(
                shared,
                &mut shared.state.lock().unwrap(),
                Call {
                    method: "getupdates".into(),
                    chat_id: None,
                    params: params.clone(),
                    at: Instant::now(),
                    status: 200,
                    result: Value::Array(found.clone()),
                },
            );
            return HttpResponse::Ok().json(json!({"ok": true, "result": found}));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
