//! SQLite's group commit: concurrent writes share commits, and each keeps its own outcome.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use pcref_store::{DatabaseUrl, Db, DbSettings, StoreError};

diesel::table! {
    t (n) {
        n -> BigInt,
    }
}

fn stored(conn: &mut pcref_store::DbConnection) -> Vec<i64> {
    t::table
        .select(t::n)
        .order(t::n.asc())
        .load(conn)
        .expect("load")
}

fn open(name: &str) -> (Db, std::path::PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("pcref-group-commit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("hub.db");
    let db = Db::open(&DbSettings {
        url: DatabaseUrl::Sqlite { path: path.clone() },
        max_connections: 4,
        connect_timeout: Duration::from_secs(5),
    })
    .expect("open");
    (db, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_keep_their_own_outcome() {
    let (db, dir) = open("outcomes");
    db.write(|conn| {
        conn.batch_execute(
            "CREATE TABLE t (n INTEGER PRIMARY KEY NOT NULL); INSERT INTO t (n) VALUES (-1);",
        )
        .map_err(StoreError::from)
    })
    .await
    .expect("create");

    // 200 writes at once: the even ones insert and succeed; the odd ones insert, then fail,
    // and must leave nothing behind; every tenth also inserts a duplicate and fails on it.
    let mut handles = Vec::new();
    for n in 0..200i64 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            db.write(move |conn| {
                conn.batch_execute(&format!("INSERT INTO t (n) VALUES ({n})"))
                    .map_err(StoreError::from)?;
                if n % 10 == 0 {
                    conn.batch_execute("INSERT INTO t (n) VALUES (-1)")
                        .map_err(StoreError::from)?;
                }
                if n % 2 == 1 {
                    return Err(StoreError::Internal(format!("refused {n}")));
                }
                Ok(n)
            })
            .await
        }));
    }
    let mut ok = 0;
    for (n, handle) in handles.into_iter().enumerate() {
        let n = n as i64;
        match handle.await.expect("task") {
            Ok(got) => {
                assert_eq!(got, n);
                assert!(n % 2 == 0 && n % 10 != 0, "{n} should have failed");
                ok += 1;
            }
            Err(StoreError::Internal(message)) => {
                assert_eq!(message, format!("refused {n}"));
                assert_eq!(n % 2, 1);
            }
            Err(StoreError::Duplicate { .. }) => {
                assert_eq!(n % 10, 0, "{n} should not have hit a duplicate");
            }
            Err(other) => panic!("write {n} failed unexpectedly: {other}"),
        }
    }
    assert_eq!(ok, 100 - 20);

    let rows = db
        .read(|conn| Ok::<_, StoreError>(stored(conn)))
        .await
        .expect("read");
    let expected: Vec<i64> = std::iter::once(-1)
        .chain((0..200).filter(|n| n % 2 == 0 && n % 10 != 0))
        .collect();
    assert_eq!(rows, expected, "exactly the acknowledged writes are stored");
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_write_is_an_error_and_the_writer_goes_on() {
    let (db, dir) = open("panic");
    db.write(|conn| {
        conn.batch_execute("CREATE TABLE t (n INTEGER PRIMARY KEY NOT NULL)")
            .map_err(StoreError::from)
    })
    .await
    .expect("create");
    let panicked = db
        .write(|conn| -> Result<(), StoreError> {
            conn.batch_execute("INSERT INTO t (n) VALUES (1)")
                .map_err(StoreError::from)?;
            panic!("boom")
        })
        .await;
    assert!(panicked.is_err());
    db.write(|conn| {
        conn.batch_execute("INSERT INTO t (n) VALUES (2)")
            .map_err(StoreError::from)
    })
    .await
    .expect("the writer still works");
    let rows = db
        .read(|conn| Ok::<_, StoreError>(stored(conn)))
        .await
        .expect("read");
    assert_eq!(rows, vec![2], "the panicked write left nothing");
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}
