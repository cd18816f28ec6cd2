//! `gc2pc bench` (measure this machine) and `gc2pc bench report` (join JSON
//! results from several machines into a Markdown table and an SVG chart).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use gc2pc::aes::Engine;
use gc2pc::bench::{self, Kind, Options, System, report};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `gc2pc bench`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "JSON fields (one object per line with --json): cpu, arch, cores, features, backend, \
gc2pc_version, kind (aes|garble|eval|ot|e2e|wan), emulated, reps, and the figures aes_ns_per_block, \
garble_ns_per_and, eval_ns_per_and, garble_lone_and_ns, eval_lone_and_ns, garble_aes_ratio, \
eval_aes_ratio, base_ot_ms, cot_per_s, aes128_ms_amortised, aes128_ms_cold, e2e_and_per_s, \
bytes_per_and, and the same for three-halves garbling: garble_three_halves_ns_per_and, \
eval_three_halves_ns_per_and, e2e_three_halves_and_per_s, three_halves_bytes_per_and; \
with --link (kind wan, and a scheme field): link_rtt_ms, link_mbit, wan_aes128_ms, wan_aes128_rtts, \
wan_aes128_bytes, wan_aes128_link_use, wan_heavy_ms, wan_heavy_rtts, wan_heavy_bytes, \
wan_heavy_link_use, wan_heavy_ands. Each figure is a median, with FIGURE_min and FIGURE_max beside it.\n\n\
Examples:\n  gc2pc bench --quick\n  gc2pc bench --json >> results.json\n  gc2pc bench --link 60,100 --quick\n  gc2pc bench --link 60,100 --scheme three-halves\n  gc2pc bench report a.json b.json --svg chart.svg"
)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Measure only this AES backend (default: every backend this CPU has).
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Measure only these kinds (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    kind: Vec<KindArg>,
    /// Smaller sizes and fewer repetitions: under 30 s on a 2-core machine.
    #[arg(long)]
    quick: bool,
    /// One JSON object per line on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Run the protocol through an emulated link of this round-trip time
    /// (ms) and rate (Mbit/s each way), e.g. `20,1000` (kind `wan`: AES-128
    /// from connect and the AND-heavy circuit; wall time, time ÷ RTT, bytes,
    /// the fraction of the link's rate used). The emulator is in process: a
    /// rate-limited queue and a fixed delay each way between two loopback
    /// sockets, the connection costing one RTT; no loss, and loopback's TCP
    /// window.
    #[arg(long, value_name = "RTT_MS,MBIT", value_parser = parse_link)]
    link: Option<gc2pc::net::link::LinkSpec>,
    /// The garbling scheme of the --link run (kinds garble, eval and e2e
    /// measure both schemes side by side).
    #[arg(long, value_enum, default_value_t)]
    scheme: super::party::SchemeArg,
}

fn parse_link(text: &str) -> std::result::Result<gc2pc::net::link::LinkSpec, String> {
    gc2pc::net::link::LinkSpec::parse(text)
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Join `gc2pc bench --json` files from several machines into one Markdown
    /// table (one row per CPU and backend) and an SVG chart of ns per AND gate.
    Report(ReportArgs),
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// JSON-lines files written by `gc2pc bench --json`.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write the SVG bar chart here.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    Portable,
    Aesni,
    Vaes,
    Vaes512,
    Armv8,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KindArg {
    Aes,
    Garble,
    Eval,
    Ot,
    E2e,
    Wan,
}

/// Runs `gc2pc bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    if let Some(BenchCommand::Report(report_args)) = args.command {
        return run_report(report_args);
    }
    let backends = match args.backend {
        // Through a link, the link sets the pace: the best backend only.
        None if args.link.is_some() => vec![super::aes_engine()?],
        None => Engine::all(),
        Some(b) => {
            let name = format!("{b:?}").to_lowercase();
            vec![Engine::from_name(&name)?]
        }
    };
    let kinds = if args.kind.is_empty() {
        if args.link.is_some() {
            vec![Kind::Wan]
        } else {
            Kind::ALL.to_vec()
        }
    } else {
        args.kind
            .iter()
            .map(|k| match k {
                KindArg::Aes => Kind::Aes,
                KindArg::Garble => Kind::Garble,
                KindArg::Eval => Kind::Eval,
                KindArg::Ot => Kind::Ot,
                KindArg::E2e => Kind::E2e,
                KindArg::Wan => Kind::Wan,
            })
            .collect()
    };
    if kinds.contains(&Kind::Wan) && args.link.is_none() {
        bail!("--kind wan needs --link RTT_MS,MBIT (e.g. --link 20,1000)");
    }
    let options = Options {
        quick: args.quick,
        backends,
        kinds,
        link: args.link,
        scheme: args.scheme.into(),
    };
    let system = System::detect();
    let start = std::time::Instant::now();
    let records = bench::run(&options, &mut |line| {
        eprintln!("[{:6.1} s] {line}", start.elapsed().as_secs_f64());
    })?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        for record in &records {
            writeln!(stdout, "{}", bench::to_json(&system, record))?;
        }
    } else {
        write!(stdout, "{}", bench::table(&system, &records))?;
    }
    Ok(())
}

fn run_report(args: ReportArgs) -> Result<()> {
    let mut rows = report::Rows::new();
    for file in &args.files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        report::add_records(&mut rows, &file.display().to_string(), &text)?;
    }
    if rows.is_empty() {
        bail!("no benchmark records in {} file(s)", args.files.len());
    }
    out!("{}", report::markdown(&rows)?);
    if let Some(svg) = &args.svg {
        std::fs::write(svg, report::svg_chart(&rows)?)
            .with_context(|| format!("cannot write {}", svg.display()))?;
        eprintln!("wrote {}", svg.display());
    }
    Ok(())
}
