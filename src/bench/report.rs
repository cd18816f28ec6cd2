//! `gc2pc bench report`: joins `gc2pc bench --json` output from several
//! machines into one Markdown table (a row per CPU and backend) and an SVG bar
//! chart of ns per AND gate (garble and evaluate).

use plotters::prelude::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The row key: which machine and backend a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    /// CPU model.
    pub cpu: String,
    /// Architecture.
    pub arch: String,
    /// AES backend.
    pub backend: String,
    /// Whether the times came from an emulator.
    pub emulated: bool,
}

/// Why the input could not be joined.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A line is not a JSON object with the common fields.
    #[error("{source_name} line {line}: {message}")]
    Record {
        /// The file (or input) the line came from.
        source_name: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// No records at all.
    #[error("no benchmark records in the input")]
    Empty,
}

/// Figures of one row, merged from all its records (later records win).
pub type Rows = BTreeMap<RowKey, Map<String, Value>>;

/// Parses JSON lines (one object per line; blank lines ignored) from `text`
/// and merges them into `rows`.
pub fn add_records(rows: &mut Rows, source_name: &str, text: &str) -> Result<(), ReportError> {
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: String| ReportError::Record {
            source_name: source_name.to_string(),
            line: index + 1,
            message,
        };
        let value: Value = serde_json::from_str(line).map_err(|e| error(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(error("not a JSON object".into()));
        };
        let text_field = |name: &str| {
            object
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| error(format!("missing string field {name:?}")))
        };
        // The machine table is about CPUs; a link's figures (`--link`) are
        // about the link and have their own section in the README.
        if object.get("kind").and_then(Value::as_str) == Some("wan") {
            continue;
        }
        let key = RowKey {
            cpu: text_field("cpu")?,
            arch: text_field("arch")?,
            backend: text_field("backend")?,
            emulated: object
                .get("emulated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        rows.entry(key).or_default().extend(object);
    }
    Ok(())
}

/// The columns of the table: JSON field, heading, decimals.
const COLUMNS: [(&str, &str, usize); 13] = [
    ("aes_ns_per_block", "AES ns/block", 2),
    ("garble_ns_per_and", "garble ns/AND", 2),
    ("eval_ns_per_and", "eval ns/AND", 2),
    ("garble_aes_ratio", "garble ÷ AES", 2),
    ("eval_aes_ratio", "eval ÷ AES", 2),
    ("garble_lone_and_ns", "lone AND garble ns", 1),
    ("eval_lone_and_ns", "lone AND eval ns", 1),
    ("base_ot_ms", "128 base OT ms", 2),
    ("cot_per_s", "COT M/s", 1),
    ("aes128_ms_amortised", "AES-128 ms (amortised)", 3),
    ("aes128_ms_cold", "AES-128 ms (cold)", 2),
    ("e2e_and_per_s", "e2e M AND/s", 1),
    ("bytes_per_and", "bytes/AND", 2),
];

/// The Markdown table, one row per CPU and backend.
pub fn markdown(rows: &Rows) -> Result<String, ReportError> {
    if rows.is_empty() {
        return Err(ReportError::Empty);
    }
    let mut out = String::from("| CPU | arch | backend |");
    for (_, heading, _) in COLUMNS {
        write!(out, " {heading} |").expect("write to String");
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---:|".repeat(COLUMNS.len()));
    out.push('\n');
    for (key, figures) in rows {
        let emulated = if key.emulated {
            " (emulated: times not real)"
        } else {
            ""
        };
        write!(
            out,
            "| {}{emulated} | {} | {} |",
            key.cpu, key.arch, key.backend
        )
        .expect("write");
        for (field, _, decimals) in COLUMNS {
            let cell = match figures.get(field).and_then(Value::as_f64) {
                Some(v) if field.ends_with("per_s") => format!("{:.*}", decimals, v / 1e6),
                Some(v) => format!("{v:.decimals$}"),
                None => "–".to_string(),
            };
            write!(out, " {cell} |").expect("write");
        }
        out.push('\n');
    }
    Ok(out)
}

/// An SVG bar chart of ns per AND gate, garbling and evaluating, for every row.
pub fn svg_chart(rows: &Rows) -> Result<String, ReportError> {
    if rows.is_empty() {
        return Err(ReportError::Empty);
    }
    let bars: Vec<(String, f64, f64)> = rows
        .iter()
        .map(|(key, figures)| {
            let get = |f: &str| figures.get(f).and_then(Value::as_f64).unwrap_or(0.0);
            let short_cpu: String = key.cpu.chars().take(28).collect();
            let emulated = if key.emulated { " (emulated)" } else { "" };
            (
                format!("{short_cpu} / {}{emulated}", key.backend),
                get("garble_ns_per_and"),
                get("eval_ns_per_and"),
            )
        })
        .collect();
    let top = bars.iter().map(|b| b.1.max(b.2)).fold(1.0, f64::max) * 1.15;
    let width = 220 + 160 * bars.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 480)).into_drawing_area();
        let draw = |e: &dyn std::fmt::Display| ReportError::Record {
            source_name: "chart".into(),
            line: 0,
            message: e.to_string(),
        };
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "gc2pc: ns per AND gate (lower is better)",
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(60)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..bars.len() as f64, 0f64..top)
            .map_err(|e| draw(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.01 && i < bars.len() {
                    bars[i].0.clone()
                } else {
                    String::new()
                }
            })
            .y_desc("ns per AND gate")
            .draw()
            .map_err(|e| draw(&e))?;
        let series = [
            ("garble", 0.1, BLUE.mix(0.8)),
            ("evaluate", 0.5, RED.mix(0.8)),
        ];
        for (name, offset, color) in series {
            let rects = bars.iter().enumerate().map(|(i, b)| {
                let value = if name == "garble" { b.1 } else { b.2 };
                let x = i as f64 + offset;
                Rectangle::new([(x, 0.0), (x + 0.4, value)], color.filled())
            });
            chart
                .draw_series(rects)
                .map_err(|e| draw(&e))?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"cpu":"CPU A","arch":"x86_64","backend":"vaes","kind":"aes","aes_ns_per_block":1.5}
{"cpu":"CPU A","arch":"x86_64","backend":"vaes","kind":"garble","garble_ns_per_and":9.0,"garble_aes_ratio":6.0}
"#;
    const B: &str = r#"{"cpu":"CPU B","arch":"aarch64","backend":"armv8","kind":"eval","eval_ns_per_and":20.0,"emulated":true}"#;

    #[test]
    fn joins_records_into_rows_per_cpu_and_backend() {
        let mut rows = Rows::new();
        add_records(&mut rows, "a.json", A).unwrap();
        add_records(&mut rows, "b.json", B).unwrap();
        assert_eq!(rows.len(), 2);
        let table = markdown(&rows).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines[2].starts_with("| CPU A | x86_64 | vaes | 1.50 | 9.00 | – | 6.00 |"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3]
                .contains("CPU B (emulated: times not real) | aarch64 | armv8 | – | – | 20.00 |"),
            "{}",
            lines[3]
        );
        let svg = svg_chart(&rows).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("CPU A / vaes"));
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers() {
        let mut rows = Rows::new();
        let err = add_records(&mut rows, "x.json", "\n{\"cpu\":1}").unwrap_err();
        assert!(err.to_string().starts_with("x.json line 2:"), "{err}");
        assert!(add_records(&mut rows, "y.json", "not json").is_err());
        assert!(matches!(markdown(&Rows::new()), Err(ReportError::Empty)));
    }
}
