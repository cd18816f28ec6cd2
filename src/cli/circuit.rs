//! `gc2pc circuit …`: info, eval (plaintext), convert and gen.
//!
//! `info` prints what a Bristol file contains (text or `--json`), `eval` runs
//! it in plaintext on values given on the command line, `convert` rewrites it
//! in either dialect, and `gen` (src/cli/generate.rs) generates circuits.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use gc2pc::circuit::stream::{FileCircuit, FileGates, Segment, Shape, Summary};
use gc2pc::circuit::value::{BitOrder, ValueFormat, format_value, parse_value};
use gc2pc::circuit::{CircuitError, Format, Gate, binary, bristol};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const BIT_ORDER_HELP: &str = "\
Inputs and outputs are MSB-first hex byte strings (old AES/SHA-256 files).

Bit order: by default a value is an integer and wire j of its group is bit j of
that integer (LSB-first). That is the convention of every Bristol Fashion file
and of the old integer circuits (adder_32bit, comparators, mult_32x32), so the
hex you type is the natural value: an AES key `0x000102…0f` as written in
FIPS-197, or `5` for the integer five.

The old crypto files (AES-non-expanded.txt, sha-256.txt) read byte strings
MSB-first instead (wire 0 = most significant bit of byte 0). Pass --msb-bytes
for them: inputs are then hex byte strings of exactly the group's width, and
outputs are printed the same way. Nothing is ever guessed from the file.";

/// `gc2pc circuit` subcommands.
#[derive(Subcommand, Debug)]
pub enum CircuitCommand {
    /// Show a circuit's format, gate counts, AND depth and input/output groups.
    #[command(after_long_help = INFO_HELP)]
    Info(InfoArgs),
    /// Evaluate a circuit in plaintext on values given on the command line.
    #[command(after_long_help = EVAL_HELP)]
    Eval(EvalArgs),
    /// Rewrite a circuit in Bristol Fashion or the old Bristol Format.
    #[command(after_long_help = CONVERT_HELP)]
    Convert(ConvertArgs),
    /// Compile a circuit into gc2pc's compact binary form (read several times
    /// faster than text; every command that takes a circuit file takes it).
    #[command(after_long_help = COMPILE_HELP)]
    Compile(CompileArgs),
    /// Generate a circuit (comparison, equality, adder, PSI) in Bristol Fashion.
    Gen(super::generate::GenArgs),
}

const INFO_HELP: &str = "\
Reads either Bristol dialect (old Bristol Format or Bristol Fashion, with or
without MAND) and prints: the format, the gates by kind (MAND lines are counted
as their individual AND gates), the number of AND gates (the only ones that cost
anything to garble), the AND depth (longest chain of ANDs to any wire), the wire
count, and every input and output group with its width and wires. By default
group 0 belongs to the garbler and every other group to the evaluator;
`--garbler-groups` on `gc2pc garble`/`evaluate` changes that.

Examples:
  gc2pc circuit info aes_128.txt
  gc2pc circuit info --json sha256.txt";

const EVAL_HELP: &str = "\
Give one --input per input group, in the order of the file's header. Groups of
width 0 (the second input of the old sha-256.txt) take no --input. Values are
decimal, 0x hex or 0b binary integers of any size (underscores allowed); a
leading - means two's complement in the group's width (signed circuits); a
comma-separated list v1,v2,…,vk fills k equal-width elements of the group,
element i on wires i·w/k … (i+1)·w/k−1. Each output group is printed on its own
line, by default as 0x hex with one digit per 4 wires of the group.

Examples:
  # FIPS-197 C.1 on the Bristol Fashion AES-128 (key first, then plaintext):
  gc2pc circuit eval aes_128.txt \\
      --input 0x000102030405060708090a0b0c0d0e0f \\
      --input 0x00112233445566778899aabbccddeeff
  # prints 0x69c4e0d86a7b0430d8cdb78070b4c55a

  # The same on the old AES-non-expanded.txt (plaintext first, MSB-first bytes):
  gc2pc circuit eval AES-non-expanded.txt --msb-bytes \\
      --input 00112233445566778899aabbccddeeff \\
      --input 000102030405060708090a0b0c0d0e0f

  # 64-bit adder, decimal output:
  gc2pc circuit eval adder64.txt --input 5 --input 7 --format dec   # prints 12
";

const CONVERT_HELP: &str = "\
Reads either dialect and writes the chosen one in canonical form (single spaces,
one gate per line, \\n line ends). MAND lines become individual AND gates. The old
Bristol Format holds at most two input groups and exactly one output group.
OUT may be - for standard output.

Examples:
  gc2pc circuit convert AES-non-expanded.txt aes_old_as_fashion.txt --to fashion
  gc2pc circuit convert adder64.txt adder64_old.txt --to bristol";

/// Arguments of `gc2pc circuit info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The circuit file (either Bristol dialect, or gc2pc binary).
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Output format of `gc2pc circuit eval`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum OutputFormat {
    /// 0x and one hex digit per 4 wires of the group.
    #[default]
    Hex,
    /// Decimal (unsigned).
    Dec,
    /// 0b and one digit per wire, most significant first.
    Bin,
}

impl From<OutputFormat> for ValueFormat {
    fn from(format: OutputFormat) -> ValueFormat {
        match format {
            OutputFormat::Hex => ValueFormat::Hex,
            OutputFormat::Dec => ValueFormat::Dec,
            OutputFormat::Bin => ValueFormat::Bin,
        }
    }
}

/// Arguments of `gc2pc circuit eval`.
#[derive(Args, Debug)]
#[command(long_about = None)]
pub struct EvalArgs {
    /// The circuit file (either Bristol dialect, or gc2pc binary).
    pub file: PathBuf,
    /// A value for the next input group (one per group of non-zero width, in
    /// header order).
    #[arg(
        short,
        long = "input",
        value_name = "VALUE",
        allow_hyphen_values = true
    )]
    pub inputs: Vec<String>,
    /// Read the values from FILE instead, one per line (`-`: standard input),
    /// so they do not show in `ps`; blank lines and `#` comments are skipped.
    #[arg(long, value_name = "FILE", conflicts_with = "inputs")]
    pub input_file: Option<PathBuf>,
    /// Inputs and outputs are MSB-first hex byte strings (old AES/SHA-256 files).
    #[arg(long, long_help = BIT_ORDER_HELP)]
    pub msb_bytes: bool,
    /// How to print the outputs.
    #[arg(long, value_enum, default_value_t = OutputFormat::Hex)]
    pub format: OutputFormat,
}

/// Target dialect of `gc2pc circuit convert`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Dialect {
    /// Bristol Fashion (basic gates; MAND is expanded).
    Fashion,
    /// The old Bristol Format (`n1 n2 n3` header).
    Bristol,
}

/// The two paths of a file conversion.
struct ConvertPaths {
    input: PathBuf,
    output: PathBuf,
    to: Dialect,
}

/// `circuit convert --program`: a Garble program's circuit as Bristol
/// Fashion (streamed by the secure context's writer).
fn convert_program(
    program: &std::path::Path,
    output: &std::path::Path,
    to: Dialect,
) -> anyhow::Result<()> {
    use gc2pc::secure::{self, Party, RevealTo, garble::GarbleProgram};
    if matches!(to, Dialect::Bristol) {
        anyhow::bail!("a program's circuit is written in Bristol Fashion (--to fashion)");
    }
    let raw = super::inputs::read_secret(program)?;
    let source = std::str::from_utf8(&raw)
        .map_err(|_| anyhow::anyhow!("{}: not text", program.display()))?;
    let compiled =
        GarbleProgram::compile(source).with_context(|| format!("program {}", program.display()))?;
    let run = |ctx: &secure::Ctx| compiled.run(ctx, None, Party::Garbler, RevealTo::Evaluator);
    let counts = if output.as_os_str() == "-" {
        secure::write_bristol(std::io::stdout(), run)?
    } else {
        let file = std::fs::File::create(output)
            .with_context(|| format!("cannot create {}", output.display()))?;
        secure::write_bristol(file, run)?
    };
    eprintln!(
        "{}: {} AND, {} XOR, {} NOT gates",
        program.display(),
        counts.and_gates,
        counts.xor_gates,
        counts.inv_gates
    );
    Ok(())
}

/// Arguments of `gc2pc circuit convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// INPUT OUTPUT: the circuit to read (either Bristol dialect, or gc2pc
    /// binary) and where to write (- for standard output); with --program,
    /// only OUTPUT.
    #[arg(value_name = "PATH", num_args = 1..=2, required = true)]
    pub paths: Vec<PathBuf>,
    /// Write this Garble program's circuit instead of converting a file:
    /// input group 0 is the garbler's parameter, group 1 the evaluator's, and
    /// the output group starts with Garble's panic bits.
    #[arg(long, value_name = "FILE")]
    pub program: Option<PathBuf>,
    /// The dialect to write.
    #[arg(long)]
    pub to: Dialect,
}

const COMPILE_HELP: &str = "\
The binary form holds the same circuit as the text: the wire count, the input
and output groups, the gates (4 to 7 bytes each instead of ~32 of text) and
the circuit's SHA-256 digest (the one the two parties compare), which is
checked against the gates whenever they are read. After the gates it stores
the circuit's plan (4 to 7 bytes a gate): the windows of level-sorted gates
over label slots that each party would otherwise compute from the gates, so a
party running the file only decodes and garbles (on a 4 M-AND circuit, a
two-party run takes about a seventh of the time it takes without the plan). The plan
is checked as it is read (every slot, the counts, a checksum); `circuit
info` reads it through. --no-plan leaves it out (a smaller file that every
party plans again).

Every command that takes a circuit file (garble, evaluate, demo, circuit
info/eval/convert) tells the forms apart by the first bytes, and the parties
may hold the circuit in different forms. `circuit convert` turns a binary file
back into either Bristol dialect, the same text `circuit convert` writes from
the original. The format is documented in the `gc2pc::circuit::binary` and
`gc2pc::circuit::planfile` modules.

Example:
  gc2pc circuit compile and_heavy.txt --out and_heavy.gcb
  gc2pc circuit convert and_heavy.gcb back.txt --to fashion";

/// Arguments of `gc2pc circuit compile`.
#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The circuit to compile (either Bristol dialect, or already binary).
    pub input: PathBuf,
    /// Where to write the binary circuit.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Store only the gates, not the plan (each party then plans them again).
    #[arg(long)]
    pub no_plan: bool,
}

fn compile(args: CompileArgs) -> anyhow::Result<()> {
    // Two streamed passes: the counts and the digest for the header, then
    // the gates; the circuit is never held.
    let summary = Summary::of_file(&args.input).map_err(|e| file_error(&args.input, e))?;
    let shape = &summary.shape;
    let header = binary::Header {
        format: summary.format,
        num_wires: shape.num_wires as u64,
        num_gates: summary.counts.total(),
        and_gates: summary.counts.and,
        input_sizes: shape.input_sizes.clone(),
        output_sizes: shape.output_sizes.clone(),
        digest: shape.digest,
        plan: None,
    };
    let write = || -> anyhow::Result<u64> {
        let file = std::fs::File::create(&args.out)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut writer = binary::BinaryWriter::new(&mut out, &header)?;
        copy_gates(&args.input, &summary, "compiled", |chunk| {
            writer.gates(chunk)
        })?;
        let offset = writer.finish()?;
        if args.no_plan {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            return Ok(file.metadata()?.len());
        }
        // Then the plan: the windows as a party would plan them, so that
        // a party running the file only decodes them.
        let file = FileCircuit::scan(&args.input).map_err(|e| file_error(&args.input, e))?;
        if file.shape().digest != shape.digest {
            bail!("{} changed while it was compiled", args.input.display());
        }
        let mut stream = file.into_stream().map_err(|e| file_error(&args.input, e))?;
        let (len, checksum) = binary::write_plan(&mut out, shape.total_inputs(), &mut stream)?;
        let plan = gc2pc::circuit::planfile::PlanInfo {
            offset,
            len,
            checksum,
        };
        binary::patch_plan(&mut out, &header, plan)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    };
    let bytes = match write() {
        Ok(bytes) => bytes,
        Err(e) => {
            // No half-written file is left behind.
            let _ = std::fs::remove_file(&args.out);
            return Err(e.context(format!("cannot write {}", args.out.display())));
        }
    };
    let gates = summary.counts.total();
    eprintln!(
        "wrote {}: {} gates in {} bytes ({:.1} bytes per gate)",
        args.out.display(),
        gates,
        bytes,
        bytes as f64 / gates.max(1) as f64
    );
    Ok(())
}

/// The second pass of a two-pass writer (`compile`, `convert`): every gate
/// of `path` to `sink`, chunk by chunk, with the digest checked against the
/// first pass's `summary`, so a file changed in between is an error.
fn copy_gates(
    path: &Path,
    summary: &Summary,
    doing: &str,
    mut sink: impl FnMut(&[Gate]) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let shape = &summary.shape;
    let mut input = FileGates::open(path).map_err(|e| file_error(path, e))?;
    let mut digest =
        gc2pc::circuit::Digester::new(shape.num_wires, &shape.input_sizes, &shape.output_sizes);
    let mut chunk = Vec::new();
    while input
        .next_chunk(&mut chunk)
        .map_err(|e| file_error(path, e))?
        > 0
    {
        digest.gates(&chunk);
        sink(&chunk)?;
    }
    if digest.finish() != shape.digest {
        bail!("{} changed while it was {doing}", path.display());
    }
    Ok(())
}

/// Runs one `gc2pc circuit` subcommand.
pub fn run(command: CircuitCommand) -> anyhow::Result<()> {
    match command {
        CircuitCommand::Info(args) => info(args),
        CircuitCommand::Eval(args) => eval(args),
        CircuitCommand::Convert(args) => convert(args),
        CircuitCommand::Compile(args) => compile(args),
        CircuitCommand::Gen(args) => super::generate::run(args),
    }
}

/// A circuit error about `path`, naming it (an I/O error already does).
fn file_error(path: &Path, e: CircuitError) -> anyhow::Error {
    match e {
        e @ CircuitError::Io { .. } => e.into(),
        e => anyhow::Error::new(e).context(path.display().to_string()),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Gate counts by kind: XOR, AND, INV, EQ, EQW.
fn gate_counts(summary: &Summary) -> [(&'static str, u64); 5] {
    let c = summary.counts;
    [
        ("XOR", c.xor),
        ("AND", c.and),
        ("INV", c.inv),
        ("EQ", c.eq),
        ("EQW", c.eqw),
    ]
}

fn format_id(format: Format) -> &'static str {
    match format {
        Format::Bristol => "bristol_format",
        Format::BristolFashion => "bristol_fashion",
        Format::BristolFashionMand => "bristol_fashion_extended_mand",
    }
}

/// Who provides input group `group` by default: the protocol's rule
/// (`Agreement::default_for`), group 0 the garbler, every other group the
/// evaluator; `--garbler-groups` on garble/evaluate changes it.
fn owner(groups: usize, group: usize) -> Option<&'static str> {
    match (groups, group) {
        (_, 0) => Some("garbler"),
        _ => Some("evaluator"),
    }
}

/// `(width, first wire)` of each group.
type Groups = Vec<(u32, usize)>;

/// The input and the output groups.
fn groups(shape: &Shape) -> (Groups, Groups) {
    let place = |sizes: &[u32], mut next: usize| -> Groups {
        sizes
            .iter()
            .map(|&w| {
                let first = next;
                next += w as usize;
                (w, first)
            })
            .collect()
    };
    (
        place(&shape.input_sizes, 0),
        place(&shape.output_sizes, shape.first_output_wire()),
    )
}

fn wire_range(width: u32, first: usize) -> String {
    match width {
        0 => "no wires".to_string(),
        1 => format!("wire {first}"),
        _ => format!("wires {first}..{}", first + width as usize - 1),
    }
}

fn info(args: InfoArgs) -> anyhow::Result<()> {
    // One streamed pass: the counts, the digest and the depth, not the
    // circuit, are held.
    let summary = Summary::of_file(&args.file).map_err(|e| file_error(&args.file, e))?;
    // A stored plan is read through too (its slots, counts and checksum),
    // so a damaged one is found here rather than in a session.
    let plan = stored_plan(&args.file).map_err(|e| file_error(&args.file, e))?;
    let text = if args.json {
        info_json(&args.file, &summary, plan)
    } else {
        let mut text = info_text(&args.file, &summary);
        if let Some(bytes) = plan {
            let _ = writeln!(
                text,
                "plan:       stored, {bytes} bytes ({:.1} per gate), checked",
                bytes as f64 / summary.counts.total().max(1) as f64
            );
        }
        text
    };
    out!("{text}");
    Ok(())
}

/// The length of a binary file's stored plan, after reading it through;
/// `None` for a file without one.
fn stored_plan(path: &Path) -> Result<Option<u64>, CircuitError> {
    let mut head = Vec::with_capacity(8);
    if let Ok(file) = std::fs::File::open(path) {
        use std::io::Read;
        let _ = file.take(8).read_to_end(&mut head);
    }
    if !gc2pc::circuit::binary::is_binary(&head) {
        return Ok(None);
    }
    let file = FileCircuit::scan(path)?;
    let Some(bytes) = file.plan_bytes() else {
        return Ok(None);
    };
    let mut stream = file.into_stream()?;
    let mut segment = Segment::default();
    while stream.next_segment(&mut segment)? {}
    Ok(Some(bytes))
}

fn info_text(path: &Path, summary: &Summary) -> String {
    let counts = gate_counts(summary);
    let shape = &summary.shape;
    let kinds: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let (inputs, outputs) = groups(shape);
    let mut s = String::new();
    let _ = writeln!(s, "file:       {}", path.display());
    let _ = writeln!(s, "format:     {}", summary.format.name());
    let digest: String = shape.digest.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(s, "digest:     {digest}");
    let _ = writeln!(
        s,
        "gates:      {} ({})",
        summary.counts.total(),
        kinds.join(", ")
    );
    let _ = writeln!(s, "AND gates:  {}", summary.counts.and);
    let _ = writeln!(s, "AND depth:  {}", summary.and_depth);
    let _ = writeln!(s, "wires:      {}", shape.num_wires);
    let _ = writeln!(
        s,
        "inputs:     {}, {}",
        plural(inputs.len(), "group"),
        plural(shape.total_inputs(), "bit")
    );
    for (g, &(width, first)) in inputs.iter().enumerate() {
        let who = owner(inputs.len(), g).map_or(String::new(), |o| format!(", {o}"));
        let _ = writeln!(
            s,
            "  input {g}:  {} ({}{who})",
            plural(width as usize, "bit"),
            wire_range(width, first)
        );
    }
    let _ = writeln!(
        s,
        "outputs:    {}, {}",
        plural(outputs.len(), "group"),
        plural(shape.total_outputs(), "bit")
    );
    for (h, &(width, first)) in outputs.iter().enumerate() {
        let _ = writeln!(
            s,
            "  output {h}: {} ({})",
            plural(width as usize, "bit"),
            wire_range(width, first)
        );
    }
    s
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn info_json(path: &Path, summary: &Summary, plan: Option<u64>) -> String {
    let by_kind = gate_counts(summary);
    let shape = &summary.shape;
    let counts: Vec<String> = by_kind
        .iter()
        .map(|(k, n)| format!("\"{k}\":{n}"))
        .collect();
    let (inputs, outputs) = groups(shape);
    let group_json = |list: &[(u32, usize)], with_owner: bool| -> String {
        let items: Vec<String> = list
            .iter()
            .enumerate()
            .map(|(g, &(width, first))| {
                let who = match owner(list.len(), g) {
                    Some(o) if with_owner => format!(",\"owner\":\"{o}\""),
                    _ => String::new(),
                };
                format!("{{\"width\":{width},\"first_wire\":{first}{who}}}")
            })
            .collect();
        format!("[{}]", items.join(","))
    };
    format!(
        "{{\"file\":{},\"format\":\"{}\",\"format_name\":{},\"gates\":{},\"gate_counts\":{{{}}},\
         \"and_gates\":{},\"and_depth\":{},\"wires\":{},\"input_sizes\":[{}],\"output_sizes\":[{}],\
         \"inputs\":{},\"outputs\":{},\"plan_bytes\":{}}}\n",
        json_string(&path.display().to_string()),
        format_id(summary.format),
        json_string(summary.format.name()),
        summary.counts.total(),
        counts.join(","),
        by_kind[1].1,
        summary.and_depth,
        shape.num_wires,
        join(&shape.input_sizes),
        join(&shape.output_sizes),
        group_json(&inputs, true),
        group_json(&outputs, false),
        plan.map_or("null".to_string(), |b| b.to_string()),
    )
}

fn join(sizes: &[u32]) -> String {
    sizes
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn eval(args: EvalArgs) -> anyhow::Result<()> {
    // Streamed: the file is scanned, then read again window by window, so
    // its size is bounded by the disk, not by memory.
    let file = match FileCircuit::scan(&args.file) {
        Ok(file) => file,
        Err(e @ CircuitError::Io { .. }) => return Err(e.into()),
        Err(e) => return Err(anyhow::Error::new(e).context(args.file.display().to_string())),
    };
    let shape = file.shape().clone();
    let order = if args.msb_bytes {
        BitOrder::MsbBytes
    } else {
        BitOrder::LsbInteger
    };
    let texts = super::inputs::values(&args.inputs, args.input_file.as_deref())?;
    let sizes = &shape.input_sizes;
    let needed: Vec<usize> = (0..sizes.len()).filter(|&g| sizes[g] > 0).collect();
    if texts.len() != needed.len() {
        let widths: Vec<String> = needed.iter().map(|&g| sizes[g].to_string()).collect();
        bail!(
            "{} takes {} --input value(s) (input groups of {} bits, in header order), but {} were given",
            args.file.display(),
            needed.len(),
            if widths.is_empty() {
                "no".to_string()
            } else {
                widths.join(", ")
            },
            texts.len()
        );
    }
    let mut inputs: Vec<Vec<bool>> = sizes.iter().map(|_| Vec::new()).collect();
    for (&g, text) in needed.iter().zip(texts.iter()) {
        inputs[g] = parse_value(text, sizes[g] as usize, order)
            .with_context(|| format!("input group {g} ({} bits)", sizes[g]))?;
    }
    let flat = file.into_stream()?.eval(&inputs.concat())?;
    let outputs = gc2pc::protocol::split_outputs(&shape, &flat);
    let format = ValueFormat::from(args.format);
    let mut out = String::new();
    for bits in &outputs {
        out.push_str(&format_value(bits, format, order));
        out.push('\n');
    }
    out!("{out}");
    Ok(())
}

fn convert(args: ConvertArgs) -> anyhow::Result<()> {
    let (input, output) = match (&args.program, &args.paths[..]) {
        (Some(program), [output]) => return convert_program(program, output, args.to),
        (Some(_), _) => anyhow::bail!("with --program, give only the OUTPUT path"),
        (None, [input, output]) => (input.clone(), output.clone()),
        (None, _) => anyhow::bail!("give INPUT and OUTPUT paths (or --program FILE and OUTPUT)"),
    };
    let args = ConvertPaths {
        input,
        output,
        to: args.to,
    };
    let format = match args.to {
        Dialect::Fashion => Format::BristolFashion,
        Dialect::Bristol => Format::Bristol,
    };
    // Two streamed passes: the gate count for the header (a MAND line is
    // several gates), then the gates.
    let summary = Summary::of_file(&args.input).map_err(|e| file_error(&args.input, e))?;
    let shape = &summary.shape;
    if format == Format::Bristol && (shape.input_sizes.len() > 2 || shape.output_sizes.len() != 1) {
        bail!(
            "cannot write {} in that dialect: the old Bristol format holds at most 2 input \
             groups and exactly 1 output group",
            args.input.display()
        );
    }
    let write = |out: &mut dyn std::io::Write| -> anyhow::Result<()> {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
        bristol::write_header(
            &mut out,
            format,
            summary.counts.total(),
            shape.num_wires as u64,
            &shape.input_sizes,
            &shape.output_sizes,
        )?;
        copy_gates(&args.input, &summary, "converted", |chunk| {
            bristol::write_gates(&mut out, chunk)
        })?;
        out.flush()?;
        Ok(())
    };
    if args.output.as_os_str() == "-" {
        write(&mut std::io::stdout().lock()).context("cannot write to standard output")?;
    } else {
        let result = std::fs::File::create(&args.output)
            .map_err(anyhow::Error::from)
            .and_then(|mut file| {
                write(&mut file)?;
                file.sync_all()?;
                Ok(())
            });
        if let Err(e) = result {
            let _ = std::fs::remove_file(&args.output);
            return Err(e.context(format!("cannot write {}", args.output.display())));
        }
    }
    Ok(())
}
