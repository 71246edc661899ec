//! Integration tests: each test starts the real server on 127.0.0.1:0 with
//! its own database and talks HTTP to it, once on SQLite and once on
//! PostgreSQL (see `harness`).

#[macro_use]
mod harness;

mod auth;
mod challenges;
mod changes;
mod cli;
mod concurrency;
mod contract;
mod cross_cutting;
mod fair_share;
mod http_conventions;
mod idempotency;
mod input_screening;
mod keys;
mod metrics;
mod negotiation;
mod organizations;
mod related_users;
mod relationship_users;
mod relationships;
mod setup;
mod spec;
mod storage;
mod timeouts;
mod vendor_clients;
mod vendor_words;
mod webhooks;
mod wire_words;
mod xml_bodies;
mod xml_schemas;
