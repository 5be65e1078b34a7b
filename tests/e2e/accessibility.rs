//! Accessibility checked by a tool (#17): axe-core (npm `axe-core`, the UI's dev dependency)
//! runs in the real window on every screen and state the walk-through visits, with the WCAG
//! 2.0/2.1 A and AA rules. A serious or critical violation fails the test; every screen's
//! counts by impact are printed (and added up at the end of the run).

use std::path::Path;
use std::sync::Mutex;

use fantoccini::Client;

/// The rules checked: WCAG 2.0 and 2.1, levels A and AA.
const TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']";

/// Counts by impact over the whole run: (screens, critical, serious, moderate, minor).
static TOTALS: Mutex<(u32, u32, u32, u32, u32)> = Mutex::new((0, 0, 0, 0, 0));

fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is not installed at {}: {e}", path.display()))
}

/// Runs axe on the current screen: prints the violations by impact, and fails on a serious or
/// critical one, naming the rule and the elements.
pub async fn assert_no_serious_violations(client: &Client, screen: &str) {
    let loaded = client
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != serde_json::json!(true) {
        client
            .execute(
                &format!(
                    "{}\n;window.axe = window.axe || axe; return true;",
                    axe_source()
                ),
                vec![],
            )
            .await
            .expect("axe-core loads in the window");
    }
    let result = client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];\
                 window.axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})\
                   .then(r => done(r.violations.map(v => ({{ id: v.id, impact: v.impact, help: v.help,\
                      nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }}))))\
                   .catch(e => done({{ error: String(e) }}));"
            ),
            vec![],
        )
        .await
        .expect("axe runs");
    if let Some(error) = result.get("error") {
        panic!("{screen}: axe failed: {error}");
    }
    let violations = result.as_array().cloned().unwrap_or_default();
    let count = |impact: &str| violations.iter().filter(|v| v["impact"] == impact).count() as u32;
    let (critical, serious, moderate, minor) = (
        count("critical"),
        count("serious"),
        count("moderate"),
        count("minor"),
    );
    say(&format!(
        "axe {screen}: {critical} critical, {serious} serious, {moderate} moderate, {minor} minor"
    ));
    {
        let mut totals = TOTALS.lock().unwrap_or_else(|p| p.into_inner());
        totals.0 += 1;
        totals.1 += critical;
        totals.2 += serious;
        totals.3 += moderate;
        totals.4 += minor;
    }
    let blocking: Vec<String> = violations
        .iter()
        .filter(|v| v["impact"] == "critical" || v["impact"] == "serious")
        .map(|v| {
            format!(
                "{} ({}, {} elements): {} — {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                v["nodes"],
                v["help"].as_str().unwrap_or(""),
                v["targets"]
            )
        })
        .collect();
    assert!(
        blocking.is_empty(),
        "{screen}: serious or critical accessibility violations (WCAG 2.1 A/AA):\n{}",
        blocking.join("\n")
    );
}

/// The run's totals, printed at the end of the walk-through.
pub fn print_totals() {
    let (screens, critical, serious, moderate, minor) =
        *TOTALS.lock().unwrap_or_else(|p| p.into_inner());
    say(&format!(
        "axe over {screens} screens: {critical} critical, {serious} serious, {moderate} moderate, {minor} minor"
    ));
}

/// A line on the test's stderr that the test harness does not capture, so CI's log shows the
/// counts of a passing run too.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
