//! TLS to PostgreSQL in libpq's `sslmode` terms, against the test cluster that
//! `scripts/postgres.sh` sets up: its certificate is signed by a test authority
//! (`PORTAL_TEST_POSTGRES_CA`) for the name `localhost` only.
//!
//! These run on PostgreSQL only (`PORTAL_TEST_POSTGRES`); there, the authority's file
//! must be named too, so that CI cannot skip them by accident.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use portal_server::db::Db;
use portal_server::error::ServerError;

/// The test schema's URL with its `sslmode` and host replaced, or `None` off PostgreSQL.
struct Cluster {
    schema: common::postgres::Schema,
    ca: String,
}

impl Cluster {
    async fn start() -> Option<Self> {
        let schema = common::postgres::Schema::create().await?;
        let ca = std::env::var("PORTAL_TEST_POSTGRES_CA").unwrap_or_else(|_| {
            panic!(
                "{} is set, so PORTAL_TEST_POSTGRES_CA must name the test cluster's \
                 certificate authority (scripts/postgres.sh --ca)",
                common::postgres::ENV
            )
        });
        Some(Self { schema, ca })
    }

    /// The schema's URL on `host`, with `tls` (`sslmode=…&…`) instead of its own.
    fn url(&self, host: &str, tls: &str) -> String {
        let (base, query) = self.schema.url.split_once('?').unwrap();
        let base = base.replace("@127.0.0.1:", &format!("@{host}:"));
        let mut pairs: Vec<&str> = query
            .split('&')
            .filter(|p| !p.starts_with("sslmode=") && !p.starts_with("sslrootcert="))
            .collect();
        pairs.push(tls);
        format!("{base}?{}", pairs.join("&"))
    }

    fn verify(&self, mode: &str) -> String {
        format!("sslmode={mode}&sslrootcert={}", self.ca)
    }
}

/// Whether both kinds of connection (the pool's, which ran the migrations, and the
/// shared readers') are encrypted, with the TLS version.
async fn encryption(db: &Db) -> (bool, String) {
    const QUERY: &str = "SELECT ssl, coalesce(version, '') FROM pg_stat_ssl
                         WHERE pid = pg_backend_pid()";
    let rows = db.query_postgres(QUERY, &[]).await.unwrap();
    let reader: (bool, String) = (rows[0].get(0), rows[0].get(1));
    let pooled = db
        .call(|conn| {
            conn.query_one(
                "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl
                 WHERE pid = pg_backend_pid()",
                &[],
                |row| row.get::<i64>(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(pooled == 1, reader.0, "the pool and the readers disagree");
    reader
}

fn startup_error(result: Result<Db, ServerError>) -> String {
    match result {
        Ok(_) => panic!("the connection should have been refused"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn verify_full_checks_the_authority_and_the_host_name() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    let db = Db::connect_postgres(&cluster.url("localhost", &cluster.verify("verify-full")))
        .await
        .unwrap();
    let (encrypted, version) = encryption(&db).await;
    assert!(encrypted);
    assert!(version.starts_with("TLSv1."), "{version}");

    // The certificate is for localhost, not for the address.
    let wrong_name = cluster.url("127.0.0.1", &cluster.verify("verify-full"));
    let err = startup_error(Db::connect_postgres(&wrong_name).await);
    assert!(err.contains("not valid for name"), "{err}");

    // Without the test authority, the system's authorities do not know the certificate.
    let unknown = cluster.url("localhost", "sslmode=verify-full");
    let err = startup_error(Db::connect_postgres(&unknown).await);
    assert!(err.contains("UnknownIssuer"), "{err}");
}

#[tokio::test]
async fn verify_ca_checks_the_authority_but_not_the_name() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    let by_address = cluster.url("127.0.0.1", &cluster.verify("verify-ca"));
    let db = Db::connect_postgres(&by_address).await.unwrap();
    assert!(encryption(&db).await.0);

    let unknown = cluster.url("127.0.0.1", "sslmode=verify-ca");
    let err = startup_error(Db::connect_postgres(&unknown).await);
    assert!(err.contains("UnknownIssuer"), "{err}");
}

#[tokio::test]
async fn require_and_prefer_encrypt_and_disable_does_not() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    for mode in ["sslmode=require", "sslmode=prefer"] {
        let db = Db::connect_postgres(&cluster.url("127.0.0.1", mode))
            .await
            .unwrap();
        assert!(encryption(&db).await.0, "{mode}");
    }
    // Without sslmode, as libpq: prefer.
    let (base, query) = cluster.schema.url.split_once('?').unwrap();
    let options: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("sslmode="))
        .collect();
    let db = Db::connect_postgres(&format!("{base}?{}", options.join("&")))
        .await
        .unwrap();
    assert!(encryption(&db).await.0, "no sslmode");

    let db = Db::connect_postgres(&cluster.url("127.0.0.1", "sslmode=disable"))
        .await
        .unwrap();
    assert!(!encryption(&db).await.0);
}
