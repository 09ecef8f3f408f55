//! `POST /telegram/webhook`: secret checked in constant time before a byte
//! of the body is read, body bounded in size and in time, update parsed
//! from the raw bytes, and 2xx only once it is handled and
//! recorded (503 with `Retry-After` otherwise, so Telegram sends it again).

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::StatusCode, web};
use subtle::ConstantTimeEq;
use teloxide::types::Update;

use super::TelegramTransport;
use super::update::HandleError;

pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";
/// Largest update accepted. Updates carry file ids, not files; the biggest
/// (a 4096-character message with entities and a reply) is far below this.
pub const MAX_UPDATE_BYTES: usize = 256 * 1024;
/// Longest wait for the whole body once the secret matched. Telegram sends
/// an update in one go; a trickling body is somebody holding memory.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// What `Retry-After` asks of Telegram when an update could not be recorded.
const RETRY_AFTER_SECS: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("wrong or missing secret token")]
    Unauthorized,
    #[error("malformed update")]
    BadUpdate,
    #[error("the update is larger than 256 KiB")]
    TooLarge,
    #[error("the update was not sent in time")]
    SlowBody,
    #[error("the update could not be recorded; retry shortly")]
    Unavailable,
}

impl ResponseError for WebhookError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebhookError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebhookError::BadUpdate => StatusCode::BAD_REQUEST,
            WebhookError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            WebhookError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, WebhookError::Unavailable) {
            res.insert_header(("Retry-After", RETRY_AFTER_SECS));
        }
        res.json(serde_json::json!({ "error": self.to_string() }))
    }
}

pub async fn webhook(
    req: HttpRequest,
    body: web::Payload,
    tg: web::Data<TelegramTransport>,
) -> Result<HttpResponse, WebhookError> {
    let given = req
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let expected = tg.secret.as_ref().map(|s| s.expose().as_bytes());
    let result = if !expected.is_some_and(|e| secret_matches(given, e)) {
        Err(WebhookError::Unauthorized)
    } else {
        match read_body(body).await {
            Ok(body) => handle(&body, &tg).await,
            Err(e) => Err(e),
        }
    };
    let outcome = match &result {
        Ok(_) => "ok",
        Err(WebhookError::Unauthorized) => "unauthorized",
        Err(WebhookError::BadUpdate | WebhookError::TooLarge | WebhookError::SlowBody) => {
            "bad_update"
        }
        Err(WebhookError::Unavailable) => "unavailable",
    };
    metrics::counter!(crate::telemetry::metric::TG_WEBHOOK_UPDATES, "outcome" => outcome)
        .increment(1);
    result
}

/// The body, read only now that the sender proved it is Telegram.
async fn read_body(body: web::Payload) -> Result<web::Bytes, WebhookError> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, body.to_bytes_limited(MAX_UPDATE_BYTES)).await {
        Ok(Ok(Ok(bytes))) => Ok(bytes),
        Ok(Ok(Err(_))) => Err(WebhookError::BadUpdate),
        Ok(Err(_)) => Err(WebhookError::TooLarge),
        Err(_) => Err(WebhookError::SlowBody),
    }
}

async fn handle(body: &[u8], tg: &TelegramTransport) -> Result<HttpResponse, WebhookError> {
    // From the bytes: through `serde_json::Value` teloxide turns every update
    // into `UpdateKind::Error` silently.
    let update: Update = serde_json::from_slice(body).map_err(|_| WebhookError::BadUpdate)?;
    match tg.handle_update(update).await {
        Ok(()) => Ok(HttpResponse::Ok().json(serde_json::json!({}))),
        Err(HandleError::Unavailable) => Err(WebhookError::Unavailable),
    }
}

/// Compares in constant time (`subtle`, as the admin token), so the time
/// taken says nothing about how much of the secret a guess got right. (Its
/// length is no secret: Telegram documents the allowed range.)
fn secret_matches(given: &[u8], expected: &[u8]) -> bool {
    bool::from(given.ct_eq(expected))
}

#[cfg(test)]
mod tests {
    use super::secret_matches;

    #[test]
    fn compares_whole_secrets() {
        assert!(secret_matches(b"abc-_1", b"abc-_1"));
        assert!(!secret_matches(b"abc-_2", b"abc-_1"));
        assert!(!secret_matches(b"abc", b"abc-_1"));
        assert!(!secret_matches(b"", b"x"));
    }
}
