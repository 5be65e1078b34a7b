//! The crash loop: letters queued in one store, `kommunepost outbox run` killed with SIGKILL at
//! random moments and started again, until every letter is sent. Counted at the SvarUt
//! stand-in: no letter lost, none sent twice.
//!
//! CI runs a short loop (40 letters, 5 kills). The documented long run:
//! `KOMMUNEPOST_CRASH_LETTERS=2000 KOMMUNEPOST_CRASH_KILLS=25 cargo test -p kommunepost-cli
//! --release --test crash_loop -- --nocapture`.

mod support;

use std::time::{Duration, Instant};

use kommunepost_core::store::OutboxState;
use support::{Shared, letter};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small, seedable xorshift for the kill moments (the seed is printed; set it with
/// KOMMUNEPOST_CRASH_SEED to repeat a run).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        from + self.0 % (to - from)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_run_killed_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let letters = setting("KOMMUNEPOST_CRASH_LETTERS", 40);
    let kills = setting("KOMMUNEPOST_CRASH_KILLS", 5);
    // KOMMUNEPOST_CRASH_SEED repeats a run's kill moments.
    let seed = std::env::var("KOMMUNEPOST_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
        | 1;
    let mut moments = Moments(seed);

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Short timeouts, so a letter whose send was cut off is looked up again within seconds.
    std::fs::create_dir_all(data.join("config")).unwrap();
    std::fs::write(
        data.join("config/settings.toml"),
        "[timeouts]\nconnect_secs = 2\nrequest_secs = 3\nsend_secs = 4\n",
    )
    .unwrap();
    let store = support::store(&data);
    // Sends take a while, so kills land mid-request too.
    let shared = Shared::start(dir.path(), Duration::from_millis(60)).await;
    let (_, ids) = store
        .enqueue_letters(None, (0..letters).map(letter).collect())
        .unwrap();
    let outbox_run = || shared.outbox_run(&data, false);

    let started = Instant::now();
    for _ in 0..kills {
        let mut child = outbox_run();
        let wait = Duration::from_millis(moments.next_ms(150, 1500));
        tokio::time::sleep(wait).await;
        // SIGKILL: no chance to finish a transaction or say goodbye.
        let _ = child.kill();
        let _ = child.wait();
    }
    // Then a run that is left to finish: letters cut off mid-send wait out their lease and
    // are looked up by their reference before anything is sent again.
    let mut last = outbox_run();
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the last run did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the last run failed: {status:?}");

    let per_reference = shared.received();
    let lost = ids
        .iter()
        .filter(|id| !per_reference.contains_key(*id))
        .count();
    let twice: usize = per_reference.values().map(|n| n - 1).sum();
    println!(
        "crash loop (seed {seed}): {letters} letters, {kills} kills, {:.1} s: lost {lost}, sent twice {twice}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0, "letters lost");
    assert_eq!(twice, 0, "letters sent twice");
    for id in &ids {
        assert_eq!(store.get_letter(id).unwrap().state, OutboxState::Sent);
    }
    shared.sandbox.stop().await;
}
