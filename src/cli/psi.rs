//! `gc2pc psi`: private set intersection of two identifier files, for data
//! owners who never see a circuit. The program is [`gc2pc::secure::psi`].

use super::link::Peer;
use super::party::{DEFAULT_ADDR, SchemeArg, TlsArgs, print_stats, stats_of};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use gc2pc::protocol::Stats;
use gc2pc::secure::psi::{self, MAX_ID_BYTES, PsiOutput};
use gc2pc::secure::{Party, Session};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zeroize::{Zeroize, Zeroizing};

/// The largest set accepted from a file or announced by a peer (2^22
/// identifiers: about 30 GiB of labels and wires per party at that size;
/// 2^20 per side takes 7 GiB).
pub const MAX_SET: usize = 1 << 22;

/// Which party this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Listens; learns nothing.
    Garbler,
    /// Connects; learns the intersection (or its size).
    Evaluator,
}

/// `gc2pc psi`.
#[derive(Args, Debug)]
pub struct PsiArgs {
    /// This party's role: the garbler listens and learns nothing, the
    /// evaluator connects and learns the intersection.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// This party's identifiers: one per line (blank lines skipped, spaces
    /// around an identifier trimmed, duplicates counted once), or a CSV file
    /// with --column; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    set: PathBuf,
    /// Read the identifiers from this column of a CSV file (its first line
    /// names the columns; RFC 4180 quoting).
    #[arg(long, value_name = "NAME")]
    column: Option<String>,
    /// The garbler's address to listen on (default 127.0.0.1:7766; use
    /// 0.0.0.0:PORT to accept a peer on another machine).
    #[arg(long, value_name = "ADDR", conflicts_with = "connect")]
    listen: Option<String>,
    /// The garbler's address to connect to (the evaluator; default
    /// 127.0.0.1:7766).
    #[arg(long, value_name = "ADDR")]
    connect: Option<String>,
    /// Where the evaluator writes the intersection, one original identifier
    /// per line in the order of its file (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Reveal only the size of the intersection (both parties must ask).
    #[arg(long)]
    cardinality: bool,
    /// Announce N as this party's set size instead of the real one (which
    /// must be at most N), padding with identifiers that match nothing: the
    /// peer learns only that the set has at most N identifiers.
    #[arg(long, value_name = "N")]
    pad_to: Option<usize>,
    #[command(flatten)]
    tls: TlsArgs,
    /// The name the garbler's certificate must hold (default: the host of
    /// --connect).
    #[arg(long, value_name = "NAME", requires = "tls_cert")]
    tls_name: Option<String>,
    /// Seconds to wait for the peer at any step (and for the TLS handshake).
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=7 * 24 * 3600))]
    timeout: u64,
    /// Print the sizes, time, bytes and peak memory to stderr.
    #[arg(long)]
    stats: bool,
    /// The garbling scheme; both parties must pass the same (see
    /// `gc2pc garble --help`).
    #[arg(long, value_enum, default_value_t)]
    scheme: SchemeArg,
}

/// Splits one CSV line into fields (RFC 4180 quoting within the line); the
/// fields are zeroized when dropped (each has room for the whole line, so it
/// never reallocates and leaves no copy behind).
fn csv_fields(line: &str) -> Result<Zeroizing<Vec<String>>, String> {
    let mut fields = Zeroizing::new(Vec::new());
    let mut field = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            (false, ',') => {
                fields.push(std::mem::replace(
                    &mut field,
                    String::with_capacity(line.len()),
                ));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                if !c.is_whitespace() {
                    at_start = false;
                }
            }
        }
    }
    if quoted {
        field.zeroize();
        return Err("a quoted field is not closed on its line".into());
    }
    fields.push(field);
    Ok(fields)
}

/// The identifiers of a set file (one per line, or a CSV column), without
/// blanks and duplicates, in file order; zeroized when dropped (as is every
/// copy made on the way).
pub fn read_ids(raw: &[u8], column: Option<&str>, name: &str) -> Result<Zeroizing<Vec<String>>> {
    let text = std::str::from_utf8(raw).map_err(|e| {
        anyhow::anyhow!(
            "{name}: not a text file (byte {} is not UTF-8)",
            e.valid_up_to()
        )
    })?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let column_index = match column {
        None => None,
        Some(wanted) => {
            let (_, header) = lines
                .by_ref()
                .find(|(_, l)| !l.trim().is_empty())
                .with_context(|| format!("{name}: empty, so it has no column {wanted:?}"))?;
            let names = csv_fields(header).map_err(|e| anyhow::anyhow!("{name}: line 1: {e}"))?;
            let at = names
                .iter()
                .position(|n| n.trim() == wanted)
                .with_context(|| {
                    format!(
                        "{name} has no column {wanted:?}; its columns are: {}",
                        names
                            .iter()
                            .map(|n| format!("{:?}", n.trim()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            Some(at)
        }
    };
    let mut ids: Zeroizing<Vec<String>> = Zeroizing::new(Vec::new());
    for (number, line) in lines {
        let value = Zeroizing::new(match column_index {
            None => line.to_string(),
            Some(at) => {
                if line.trim().is_empty() {
                    continue;
                }
                let fields =
                    csv_fields(line).map_err(|e| anyhow::anyhow!("{name}: line {number}: {e}"))?;
                match fields.get(at) {
                    Some(v) => v.clone(),
                    None => bail!(
                        "{name}: line {number} has no field {} (column {:?})",
                        at + 1,
                        column.unwrap_or_default()
                    ),
                }
            }
        });
        let id = value.trim();
        if id.is_empty() {
            continue;
        }
        if id.len() > MAX_ID_BYTES {
            bail!(
                "{name}: line {number}: an identifier of {} bytes (at most {MAX_ID_BYTES})",
                id.len()
            );
        }
        if id.chars().any(|c| c.is_control()) {
            bail!(
                "{name}: line {number}: a control character in an identifier (is this a text file?)"
            );
        }
        ids.push(id.to_string());
        if ids.len() > MAX_SET * 4 {
            bail!("{name}: more than {MAX_SET} identifiers");
        }
    }
    // Duplicates: the first of each stays (sorted indices, no copies); the
    // others are zeroized and removed.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_unstable_by(|&a, &b| ids[a].cmp(&ids[b]).then(a.cmp(&b)));
    let mut keep = vec![true; ids.len()];
    for pair in order.windows(2) {
        if ids[pair[0]] == ids[pair[1]] {
            keep[pair[1]] = false;
        }
    }
    for (id, &k) in ids.iter_mut().zip(&keep) {
        if !k {
            id.zeroize();
        }
    }
    let mut k = keep.iter();
    ids.retain(|_| *k.next().unwrap_or(&true));
    if ids.len() > MAX_SET {
        bail!("{name}: more than {MAX_SET} identifiers");
    }
    Ok(ids)
}

/// What a party announces: its (padded) set size and whether it asks for
/// the cardinality only.
fn announcement(size: usize, cardinality: bool) -> Vec<u8> {
    let mut bytes = (size as u64).to_le_bytes().to_vec();
    bytes.push(cardinality as u8);
    bytes
}

/// Runs `gc2pc psi`.
pub fn run(args: PsiArgs) -> Result<()> {
    let role = match args.role {
        RoleArg::Garbler => Party::Garbler,
        RoleArg::Evaluator => Party::Evaluator,
    };
    let name = args.set.display().to_string();
    let raw = super::inputs::read_secret(&args.set)?;
    let ids = read_ids(&raw, args.column.as_deref(), &name)?;
    drop(raw);
    let size = match args.pad_to {
        Some(n) if n < ids.len() => bail!(
            "{name} has {} identifiers, more than --pad-to {n}",
            ids.len()
        ),
        Some(n) if n > MAX_SET => bail!("--pad-to {n} is more than {MAX_SET}"),
        Some(n) => n,
        None => ids.len(),
    };
    let timeout = Duration::from_secs(args.timeout);
    let session = Session::builder(role)
        .program("gc2pc psi v1")
        .timeout(timeout)
        .scheme(args.scheme.into())
        .aes(super::aes_engine()?)
        .build();
    let start = Instant::now();
    let addr = match (role, &args.listen, &args.connect) {
        (Party::Garbler, _, Some(_)) => {
            bail!("the garbler listens (--listen), it does not --connect")
        }
        (Party::Evaluator, Some(_), _) => {
            bail!("the evaluator connects (--connect), it does not --listen")
        }
        (Party::Garbler, listen, _) => listen.as_deref().unwrap_or(DEFAULT_ADDR),
        (Party::Evaluator, _, connect) => connect.as_deref().unwrap_or(DEFAULT_ADDR),
    };
    let link = Peer {
        role,
        addr,
        tls: &args.tls,
        tls_name: args.tls_name.as_deref(),
        timeout,
        // A generous bound on the whole session: a minute plus 2 s per
        // 1 000 identifiers the largest set could have.
        limit: Duration::from_secs(60 + 2 * MAX_SET as u64 / 1000),
        waiting: format!("{} identifiers; waiting for the evaluator", ids.len()),
    };
    let peer = link.name();
    let ours = announcement(size, args.cardinality);
    let mut traffic = Stats::default();
    let mut index = Vec::new();
    let mut sizes = (0, 0);
    let output = link.run(|channel| {
        Ok(session.run_announced(channel, &ours, |ctx, theirs| {
            let (their_size, their_mode) = match theirs {
                [s @ .., mode] if s.len() == 8 && *mode <= 1 => (
                    u64::from_le_bytes(s.try_into().expect("8 bytes")),
                    *mode == 1,
                ),
                _ => {
                    return Err(gc2pc::secure::Error::Shape(format!(
                        "{peer} announced something that is not a set size"
                    )));
                }
            };
            if their_mode != args.cardinality {
                return Err(gc2pc::secure::Error::Shape(format!(
                    "{peer} asks for {} but this party for {} (give --cardinality on both sides or neither)",
                    if their_mode { "the cardinality" } else { "the intersection" },
                    if args.cardinality { "the cardinality" } else { "the intersection" },
                )));
            }
            if their_size > MAX_SET as u64 {
                return Err(gc2pc::secure::Error::Shape(format!(
                    "{peer} announced a set of {their_size} identifiers (at most {MAX_SET})"
                )));
            }
            let (n, m) = match role {
                Party::Garbler => (size, their_size as usize),
                Party::Evaluator => (their_size as usize, size),
            };
            sizes = (n, m);
            let width = psi::key_width(n, m);
            let (keys, order) = psi::sorted_keys(&ids, width, size, role)?;
            index = order;
            let out = psi::intersect(ctx, role, &keys, n, m, width + 1, args.cardinality);
            traffic = stats_of(ctx);
            out
        })?)
    })?;
    match output {
        PsiOutput::Members(members) => {
            // The real keys come first in key order; `index` maps them to the
            // file's identifiers.
            let mut found: Vec<usize> = members
                .iter()
                .zip(&index)
                .filter(|(m, _)| **m)
                .map(|(_, &i)| i)
                .collect();
            found.sort_unstable();
            write_ids(&args.out, found.iter().map(|&i| ids[i].as_str()))?;
            eprintln!(
                "evaluator: {} of {} identifiers are in both sets",
                found.len(),
                ids.len()
            );
        }
        PsiOutput::Cardinality(count) => {
            write_ids(&args.out, std::iter::once(count.to_string().as_str()))?;
        }
        _ => eprintln!(
            "garbler: done; the evaluator learned the {} ({} identifiers here)",
            if args.cardinality {
                "size of the intersection"
            } else {
                "intersection"
            },
            ids.len()
        ),
    }
    if args.stats {
        print_stats(role, &traffic, start.elapsed());
        eprintln!(
            "  set sizes        {} (garbler), {} (evaluator), padded",
            sizes.0, sizes.1
        );
    }
    Ok(())
}

/// Writes `lines` to `out` (standard output by default).
fn write_ids<'a>(out: &Option<PathBuf>, lines: impl Iterator<Item = &'a str>) -> Result<()> {
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            for line in lines {
                writeln!(w, "{line}")?;
            }
            w.flush()?;
        }
        None => {
            for line in lines {
                outln!("{line}");
            }
        }
    }
    Ok(())
}
