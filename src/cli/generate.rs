//! `gc2pc circuit gen KIND …`: writes a generated circuit in Bristol Fashion
//! (the programs of [`gc2pc::secure::circuits`], streamed).
//!
//! Every kind takes the garbler's value as input group 0 and the evaluator's
//! as group 1; values map onto wires LSB first (wire j = bit j).

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use gc2pc::secure::circuits::{Comparison, Generator, PsiVariant};
use std::path::PathBuf;

/// Arguments of `gc2pc circuit gen`.
#[derive(Args, Debug)]
#[command(after_long_help = "\
Group 0 is the garbler's input, group 1 the evaluator's; integers map onto a
group's wires least significant bit first. Examples:
  gc2pc circuit gen lt --width 32 --out circuits/cmp32.txt      (millionaires)
  gc2pc circuit gen lt --width 32 --signed                      (to stdout)
  gc2pc circuit gen psi --n 64 --width 32 --variant sort
Run `gc2pc circuit gen KIND --help` for each kind's inputs and outputs.")]
pub struct GenArgs {
    /// Which circuit to generate.
    #[command(subcommand)]
    kind: Kind,
    /// Write the circuit to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE", global = true)]
    out: Option<PathBuf>,
}

/// Width of the operands in bits.
#[derive(Args, Debug, Clone, Copy)]
struct Width {
    /// Bits per operand (per set element for psi).
    #[arg(long, short, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=65536))]
    width: u32,
}

/// A comparison's width and signedness.
#[derive(Args, Debug, Clone, Copy)]
struct CompareArgs {
    #[command(flatten)]
    width: Width,
    /// Compare as two's-complement signed integers (default: unsigned).
    #[arg(long)]
    signed: bool,
}

#[derive(Subcommand, Debug)]
enum Kind {
    /// a < b: garbler's a (group 0) and evaluator's b (group 1), W bits each;
    /// output 1 bit. W ANDs.
    #[command(
        long_about = "a < b. Inputs: group 0 = the garbler's a, group 1 = the evaluator's b, W bits \
each (two's complement with --signed). Output: one bit, 1 iff a < b. Cost: W AND gates.",
        after_help = "Example: gc2pc circuit gen lt --width 32 --out cmp32.txt   (a=5, b=7 -> 1)"
    )]
    Lt(CompareArgs),
    /// a > b: garbler's a (group 0) and evaluator's b (group 1), W bits each;
    /// output 1 bit. W ANDs.
    #[command(
        long_about = "a > b. Inputs: group 0 = the garbler's a, group 1 = the evaluator's b, W bits \
each (two's complement with --signed). Output: one bit, 1 iff a > b. Cost: W AND gates.",
        after_help = "Example: gc2pc circuit gen gt --width 16 --signed   (a=-1, b=-2 -> 1)"
    )]
    Gt(CompareArgs),
    /// a ≤ b: garbler's a (group 0) and evaluator's b (group 1), W bits each;
    /// output 1 bit. W ANDs.
    #[command(
        long_about = "a <= b. Inputs: group 0 = the garbler's a, group 1 = the evaluator's b, W \
bits each (two's complement with --signed). Output: one bit, 1 iff a <= b. Cost: W AND gates.",
        after_help = "Example: gc2pc circuit gen le --width 8   (a=7, b=7 -> 1)"
    )]
    Le(CompareArgs),
    /// a == b: garbler's a (group 0) and evaluator's b (group 1), W bits each;
    /// output 1 bit. W−1 ANDs.
    #[command(
        long_about = "a == b. Inputs: group 0 = the garbler's a, group 1 = the evaluator's b, W \
bits each. Output: one bit, 1 iff a = b. Cost: W-1 AND gates, depth ceil(log2 W).",
        after_help = "Example: gc2pc circuit gen eq --width 32 --out eq32.txt"
    )]
    Eq(Width),
    /// a + b mod 2^W: garbler's a (group 0), evaluator's b (group 1); output W
    /// bits. W−1 ANDs.
    #[command(
        long_about = "a + b mod 2^W. Inputs: group 0 = the garbler's a, group 1 = the evaluator's \
b, W bits each. Output: one group of W bits, the sum (wrapping; also the two's-complement sum). \
Cost: W-1 AND gates.",
        after_help = "Example: gc2pc circuit gen add --width 64 --out add64.txt   (5 + 7 -> 12)"
    )]
    Add(Width),
    /// Private set intersection of two sets of N elements of W bits.
    #[command(
        long_about = "Private set intersection. Inputs: group 0 = the garbler's N elements, group 1 \
= the evaluator's N elements, W bits each; element i occupies wires i*W .. (i+1)*W-1 of its group \
(so the group's value is sum_i x_i * 2^(i*W)).

--variant pairwise: compares every pair (N^2*W - N AND gates); any order, repeats allowed. \
Output: one group of N bits; bit j = 1 iff the evaluator's element j is in the garbler's set.

--variant sort: sort-compare-compact after Huang, Evans and Katz (NDSS 2012): each party sorts \
its own set strictly ascending (as unsigned integers) before running; the circuit merges the \
lists (Batcher's bitonic merger), marks neighbours that are equal and moves them to the front. \
O(N log N * W) AND gates. Output: N groups of W+1 bits; slot i is 2^W + x for the i-th smallest \
element x of the intersection, and 0 after the last one. It reveals the sorted intersection and \
nothing else. If either list is not strictly ascending, every slot is 0.

The default variant is pairwise for N <= 24, sort above.",
        after_help = "Examples:\n  gc2pc circuit gen psi --n 8 --width 32 --variant pairwise\n  \
gc2pc circuit gen psi --n 64 --width 32 --variant sort --out psi_sort_64x32.txt"
    )]
    Psi {
        #[command(flatten)]
        width: Width,
        /// Elements per set.
        #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        n: u32,
        /// Circuit design (default: pairwise for N ≤ 24, else sort).
        #[arg(long, value_enum)]
        variant: Option<Variant>,
    },
    /// An AND-heavy benchmark circuit: independent W-bit multiplier lanes.
    #[command(
        long_about = "An AND-heavy benchmark circuit with at least --ands AND gates: \
ceil(ANDS / (W^2 - W + 1)) independent lanes, each a W-bit multiplication mod 2^W, XOR-ed into \
one output. Inputs: group 0 = the garbler's a, group 1 = the evaluator's b, W bits each (W <= 64). \
Output: W bits, XOR over lanes k of (a ^ rotl(b, k mod W) ^ k) * b mod 2^W.",
        after_help = "Example: gc2pc circuit gen and-heavy --ands 1000000 --out /tmp/heavy.txt"
    )]
    AndHeavy {
        /// Bits per lane (at most 64).
        #[arg(long, short, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=64))]
        width: u32,
        /// At least this many AND gates.
        #[arg(long, default_value_t = 1_000_000)]
        ands: usize,
    },
}

/// The PSI circuit design.
#[derive(ValueEnum, Debug, Clone, Copy)]
enum Variant {
    /// All pairs compared: O(N²·W) ANDs.
    Pairwise,
    /// Sort–compare–compact: O(N log N · W) ANDs.
    Sort,
}

fn generator(kind: &Kind) -> Generator {
    let cmp = |cmp, args: &CompareArgs| Generator::Compare {
        cmp,
        width: args.width.width as usize,
        signed: args.signed,
    };
    match kind {
        Kind::Lt(args) => cmp(Comparison::Lt, args),
        Kind::Gt(args) => cmp(Comparison::Gt, args),
        Kind::Le(args) => cmp(Comparison::Le, args),
        Kind::Eq(w) => Generator::Eq {
            width: w.width as usize,
        },
        Kind::Add(w) => Generator::Add {
            width: w.width as usize,
        },
        Kind::Psi { width, n, variant } => {
            let n = *n as usize;
            let variant = match variant {
                Some(Variant::Pairwise) => PsiVariant::Pairwise,
                Some(Variant::Sort) => PsiVariant::Sort,
                None => PsiVariant::default_for(n),
            };
            Generator::Psi {
                n,
                width: width.width as usize,
                variant,
            }
        }
        Kind::AndHeavy { width, ands } => Generator::AndHeavy {
            ands: *ands,
            width: *width as usize,
        },
    }
}

/// Runs `gc2pc circuit gen`: the generator runs twice (counting, then
/// writing) and streams the gates to the output, so any size fits in memory.
pub fn run(args: GenArgs) -> anyhow::Result<()> {
    let generator = generator(&args.kind);
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("writing {}", path.display()))?;
            let counts = match generator.write_bristol(file) {
                Ok(counts) => counts,
                Err(e) => {
                    // No partial circuit is left behind.
                    if path.is_file() {
                        let _ = std::fs::remove_file(path);
                    }
                    return Err(anyhow::Error::new(e)
                        .context(format!("cannot generate {}", path.display())));
                }
            };
            eprintln!(
                "wrote {}: {} AND gates, {} free gates (`gc2pc circuit info` gives the depth)",
                path.display(),
                counts.and_gates,
                counts.xor_gates + counts.inv_gates
            );
        }
        None => {
            generator
                .write_bristol(std::io::stdout())
                .context("writing to standard output")?;
        }
    }
    Ok(())
}
