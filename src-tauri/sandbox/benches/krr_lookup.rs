//! Bulk KRR lookup against the sandbox: `cargo bench -p kommunepost-sandbox --bench krr_lookup`.
//!
//! Looks up 10 000 synthetic persons and prints the HTTP requests made (must be 10: chunks of
//! 1000), the wall time, and the same work done one identifier per request, as a ratio.
//! Exits non-zero if the request count is wrong.

use std::sync::Arc;
use std::time::Instant;

use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::config::Timeouts;
use kommunepost_core::ident::Fnr;
use kommunepost_core::krr::{Cancel, KrrAccess, KrrVersion, connect};
use kommunepost_core::maskinporten::ClientCredential;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

const PERSONS: usize = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let population = Arc::new(Population::generate(&PopulationConfig {
        seed: 10_000,
        persons: PERSONS,
        as_of: clock.now(),
    }));
    let server = SandboxServer::start(population.clone(), clock.clone(), 0)
        .await
        .expect("sandbox");
    let credentials = server.credentials();
    let access = || KrrAccess {
        client_id: credentials.client_id.clone(),
        credential: ClientCredential::from_pkcs12(&credentials.pkcs12, &credentials.password)
            .expect("certificate"),
        token_url: None,
        version: KrrVersion::V2,
    };
    let ids: Vec<Fnr> = population.persons.iter().map(|p| p.fnr.clone()).collect();

    let (_tokens, krr) = connect(
        &server.endpoints(),
        access(),
        &Timeouts::default(),
        clock.clone(),
    )
    .expect("clients");
    let start = Instant::now();
    let report = krr.lookup(&ids, &Cancel::default(), &|_, _| {}).await;
    let bulk = start.elapsed();
    assert!(
        report.failed.is_empty(),
        "bulk lookup failed: {:?}",
        report.failed.first().map(|f| f.error.to_string())
    );
    let bulk_requests = krr.requests_made();

    let (_tokens, single) =
        connect(&server.endpoints(), access(), &Timeouts::default(), clock).expect("clients");
    let start = Instant::now();
    for fnr in &ids {
        single
            .lookup_chunk(std::slice::from_ref(fnr))
            .await
            .expect("single lookup");
    }
    let one_by_one = start.elapsed();

    println!("persons looked up:              {PERSONS}");
    println!(
        "HTTP requests (bulk):           {bulk_requests} (expected {})",
        PERSONS.div_ceil(1000)
    );
    println!(
        "wall time (bulk):               {:.0} ms",
        bulk.as_secs_f64() * 1000.0
    );
    println!("HTTP requests (one per person): {}", single.requests_made());
    println!(
        "wall time (one per person):     {:.0} ms",
        one_by_one.as_secs_f64() * 1000.0
    );
    println!(
        "one-per-person / bulk:          {:.1}x",
        one_by_one.as_secs_f64() / bulk.as_secs_f64()
    );
    server.stop().await;
    if bulk_requests != PERSONS.div_ceil(1000) {
        eprintln!("wrong number of requests");
        std::process::exit(1);
    }
}
