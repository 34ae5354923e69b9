//! Idempotency keys: the use cases behind the HTTP middleware that replays the first answer to
//! a create retried with the same `Idempotency-Key`.
//!
//! No authorization here on purpose: the key is scoped to a hash of the credentials sent, and
//! the request itself still goes through its own use case (and its checks) the first time.
//! A replay only ever returns to the same credentials what they were answered before.

use sha2::{Digest, Sha256};

use pcref_store::idempotency::{self as store, Claim, NewClaim, StoredAnswer};

use crate::{now, App, AppError};

/// A request that carries an `Idempotency-Key`, as the key's row identifies it.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    caller_hash: String,
    key: String,
    method: String,
    path: String,
    request_hash: String,
}

impl IdempotentRequest {
    /// `credentials` is the `Authorization` header as sent: its hash scopes the key, so keys of
    /// different callers never collide and the secret itself is never stored. The request hash
    /// covers the method, the path with its query and the body bytes.
    pub fn new(credentials: &[u8], key: &str, method: &str, path: &str, body: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        // Lengths first, so that no two different (method, path, body) run together the same.
        for part in [method.as_bytes(), path.as_bytes(), body] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        IdempotentRequest {
            caller_hash: hex(&Sha256::digest(credentials)),
            key: key.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            request_hash: hex(&hasher.finalize()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl App {
    /// Claims the key for this request, or says what an earlier request with it left.
    pub async fn claim_idempotency_key(
        &self,
        request: &IdempotentRequest,
    ) -> Result<Claim, AppError> {
        let claim = NewClaim {
            caller_hash: request.caller_hash.clone(),
            idem_key: request.key.clone(),
            method: request.method.clone(),
            path: request.path.clone(),
            request_hash: request.request_hash.clone(),
        };
        let at = now();
        self.db()
            .read(move |conn| store::claim(conn, &claim, at).map_err(AppError::from))
            .await
    }

    /// Remembers the answer to a claimed key, to replay for 24 hours.
    pub async fn complete_idempotency_key(
        &self,
        request: &IdempotentRequest,
        answer: StoredAnswer,
    ) -> Result<(), AppError> {
        let (caller, key) = (request.caller_hash.clone(), request.key.clone());
        self.db()
            .read(move |conn| store::complete(conn, &caller, &key, &answer).map_err(AppError::from))
            .await
    }

    /// Forgets a claimed key whose request failed in a way worth retrying.
    pub async fn release_idempotency_key(
        &self,
        request: &IdempotentRequest,
    ) -> Result<(), AppError> {
        let (caller, key) = (request.caller_hash.clone(), request.key.clone());
        self.db()
            .read(move |conn| store::release(conn, &caller, &key).map_err(AppError::from))
            .await
    }
}
