DROP TABLE idempotency_keys;
DROP TABLE client_tokens;
DROP TABLE api_clients;
