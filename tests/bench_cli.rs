//! `gc2pc bench`: a real `--quick --json` run has every documented field with
//! sane values, and `gc2pc bench report` joins two sample files into the
//! expected table and an SVG chart.

use gc2pc::aes::Engine;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gc2pc");

const COMMON: [&str; 9] = [
    "cpu",
    "arch",
    "cores",
    "features",
    "backend",
    "gc2pc_version",
    "kind",
    "emulated",
    "reps",
];

/// Figures per kind, with the range a sane value lies in.
const FIGURES: [(&str, &str, f64, f64); 14] = [
    ("aes", "aes_ns_per_block", 0.01, 1e4),
    ("garble", "garble_ns_per_and", 0.1, 1e6),
    ("garble", "garble_aes_ratio", 1.0, 1e4),
    ("garble", "garble_lone_and_ns", 1.0, 1e7),
    ("eval", "eval_ns_per_and", 0.1, 1e6),
    ("eval", "eval_aes_ratio", 0.5, 1e4),
    ("eval", "eval_lone_and_ns", 1.0, 1e7),
    ("ot", "base_ot_ms", 0.01, 1e5),
    ("ot", "cot_per_s", 1e3, 1e10),
    ("ot", "cot_unchecked_per_s", 1e3, 1e10),
    ("e2e", "aes128_ms_amortised", 0.001, 1e5),
    ("e2e", "aes128_ms_cold", 0.01, 1e6),
    ("e2e", "e2e_and_per_s", 1e3, 1e10),
    ("e2e", "bytes_per_and", 32.0, 33.0),
];

#[test]
fn quick_json_run_has_every_documented_field_with_sane_values() {
    let backend = Engine::best().name();
    let out = Command::new(BIN)
        .args(["bench", "--quick", "--json", "--backend", backend])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["aes", "garble", "eval", "ot", "e2e"]);
    for record in &records {
        for field in COMMON {
            assert!(record.get(field).is_some(), "{field} missing in {record}");
        }
        assert_eq!(record["backend"], backend);
        assert_eq!(record["arch"], std::env::consts::ARCH);
        assert!(record["cores"].as_u64().unwrap() >= 1);
        assert_eq!(record["gc2pc_version"], env!("CARGO_PKG_VERSION"));
        assert!(record["features"].is_array());
    }
    for (kind, field, low, high) in FIGURES {
        let record = records.iter().find(|r| r["kind"] == kind).unwrap();
        let median = record[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field} missing"));
        let (min, max) = (
            record[format!("{field}_min")].as_f64().unwrap(),
            record[format!("{field}_max")].as_f64().unwrap(),
        );
        assert!(
            (low..=high).contains(&median),
            "{field} = {median} outside {low}..{high}"
        );
        assert!(
            min <= median && median <= max,
            "{field}: {min} ≤ {median} ≤ {max}"
        );
    }
    // The ratios are the quotients of the same run's figures.
    let get = |kind: &str, field: &str| {
        records.iter().find(|r| r["kind"] == kind).unwrap()[field]
            .as_f64()
            .unwrap()
    };
    let ratio = get("garble", "garble_ns_per_and") / get("aes", "aes_ns_per_block");
    assert!((ratio / get("garble", "garble_aes_ratio") - 1.0).abs() < 1e-9);
}

#[test]
fn report_joins_two_files_into_the_expected_table_and_a_chart() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench");
    let svg = std::env::temp_dir().join(format!("gc2pc-report-{}.svg", std::process::id()));
    let out = Command::new(BIN)
        .args(["bench", "report"])
        .arg(dir.join("cpu_a.json"))
        .arg(dir.join("cpu_b.json"))
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let expected = "\
| CPU | arch | backend | AES ns/block | garble ns/AND | eval ns/AND | garble ÷ AES | eval ÷ AES | lone AND garble ns | lone AND eval ns | 128 base OT ms | COT M/s | AES-128 ms (amortised) | AES-128 ms (cold) | e2e M AND/s | bytes/AND |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| Example CPU A | x86_64 | aesni | 1.00 | – | – | – | – | – | – | – | – | – | – | – | – |
| Example CPU A | x86_64 | vaes | 0.50 | 3.50 | 2.25 | 7.00 | 4.50 | 40.0 | 30.0 | – | – | – | – | – | – |
| Example CPU B (emulated: times not real) | aarch64 | armv8 | – | – | – | – | – | – | – | 12.50 | 45.0 | 0.250 | 8.00 | 30.0 | 32.01 |
";
    assert_eq!(table, expected);
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(
        chart.starts_with("<svg")
            && chart.contains("Example CPU A / vaes")
            && chart.contains("evaluate")
    );
    let _ = std::fs::remove_file(&svg);

    let bad = Command::new(BIN)
        .args(["bench", "report"])
        .arg(dir.join("missing.json"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: cannot read"));
}

/// `--link`: the wan record's figures obey the emulated link's physics (a
/// session cannot beat its round trips or the rate) and the bytes are the
/// protocol's 32 per AND gate; a bad link spec is refused with a message.
#[test]
fn a_run_through_an_emulated_link_obeys_its_rate_and_delay() {
    let out = Command::new(BIN)
        .args(["bench", "--quick", "--json", "--link", "10,2000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let record: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(record["kind"], "wan");
    let get = |f: &str| {
        record[f]
            .as_f64()
            .unwrap_or_else(|| panic!("{f} missing in {record}"))
    };
    assert_eq!(get("link_rtt_ms"), 10.0);
    assert_eq!(get("link_mbit"), 2000.0);
    // Connect (1 RTT), hellos and base OT (1), OT extension and tables (1).
    assert!(get("wan_aes128_rtts") >= 3.0, "{record}");
    assert!(get("wan_aes128_ms") >= 30.0, "{record}");
    // The garbler's bytes cannot go faster than the link.
    assert!(get("wan_heavy_link_use") <= 1.0, "{record}");
    assert!(get("wan_aes128_link_use") <= 1.0, "{record}");
    let per_and = get("wan_heavy_bytes") / get("wan_heavy_ands");
    assert!((32.0..33.0).contains(&per_and), "{per_and}");
    for bad in ["20", "0,0", "x,100"] {
        let out = Command::new(BIN)
            .args(["bench", "--link", bad])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("RTT"),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
