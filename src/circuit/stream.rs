//! Circuits as streams: gates planned window by window in bounded memory
//! (DESIGN.md "Circuits as streams").
//!
//! A gate stream is a sequence of gates in topological order over *names*:
//! compact wire identifiers that are recycled once a wire is dead, with a
//! mark on each gate saying which of its wires are read for the last time
//! there ([`FREE_A`], [`FREE_B`]) or never read at all ([`FREE_OUT`]). The
//! names `0..num_inputs` are the input wires, in order. Liveness therefore
//! comes from the source: [`Renamer`] derives names and marks from a file's
//! wire numbers and a look-ahead pass ([`last_uses`]); a generator can emit
//! them directly.
//!
//! [`Planner`] turns each window of at most [`WINDOW_GATES`] gates into a
//! [`Segment`]: the same level-sorted operations as [`super::Plan`] (free
//! gates of level 0, the independent AND gates of level 1, …) over label
//! slots that persist across windows, allocated by liveness in the new order.
//! Both parties plan the same stream the same way, so AND gate `i` of the
//! stream has the same tweak on both sides. Memory: the planner holds one
//! entry per live name and per slot, and O(window) scratch; nothing grows
//! with the number of gates.

use super::plan::{AndGate, Op, WINDOW_GATES};
use super::{Circuit, CircuitError, Gate, ShapeError, WireId};

/// Mark: the gate's first input is read for the last time here.
pub const FREE_A: u8 = 1;
/// Mark: the gate's second input is read for the last time here.
pub const FREE_B: u8 = 2;
/// Mark: the gate's output is never read (nor an output of the circuit).
pub const FREE_OUT: u8 = 4;

/// `last_uses` value of a wire that no gate reads.
pub const NEVER: u32 = u32::MAX;
/// `last_uses` value of an output wire: alive to the end.
pub const OUTPUT: u32 = u32::MAX - 1;

/// The index of the last gate that reads each wire ([`NEVER`] if none,
/// [`OUTPUT`] for output wires): the look-ahead pass over a file.
pub fn last_uses<'g>(
    num_wires: usize,
    first_output: usize,
    gates: impl IntoIterator<Item = &'g Gate>,
) -> Vec<u32> {
    let mut last = vec![NEVER; num_wires];
    for (index, gate) in gates.into_iter().enumerate() {
        for wire in gate.inputs() {
            last[wire as usize] = index as u32;
        }
    }
    last[first_output..].fill(OUTPUT);
    last
}

/// Renames a file's wires (numbered up to `num_wires`) to recycled names
/// with free marks, from the look-ahead pass. Holds one `u32` per wire of the
/// file (the last use until the wire is written, then its name).
#[derive(Debug)]
pub struct Renamer {
    /// Per wire: its last use until it is written, then its name.
    wires: Vec<u32>,
    /// Per name in use: the last use of the wire it holds.
    last_of_name: Vec<u32>,
    free_names: Vec<u32>,
    next_name: u32,
    first_output: usize,
    index: u32,
}

impl Renamer {
    /// A renamer for a file whose look-ahead pass gave `last_uses`, with
    /// `num_inputs` input wires (named `0..num_inputs`).
    pub fn new(last_uses: Vec<u32>, num_inputs: usize, first_output: usize) -> Renamer {
        let mut wires = last_uses;
        let mut last_of_name = Vec::with_capacity(num_inputs);
        for (w, entry) in wires.iter_mut().enumerate().take(num_inputs) {
            last_of_name.push(*entry);
            *entry = w as u32;
        }
        let mut renamer = Renamer {
            wires,
            last_of_name,
            free_names: Vec::new(),
            next_name: num_inputs as u32,
            first_output,
            index: 0,
        };
        // Inputs that nothing reads are free names from the start.
        for name in 0..num_inputs as u32 {
            if renamer.last_of_name[name as usize] == NEVER {
                renamer.free_names.push(name);
            }
        }
        renamer
    }

    /// The next gate of the file, renamed, and its marks.
    pub fn rename(&mut self, gate: Gate) -> (Gate, u8) {
        let index = self.index;
        self.index += 1;
        let mut marks = 0;
        let read = |wire: WireId, mark: u8, marks: &mut u8| -> WireId {
            let name = self.wires[wire as usize];
            if self.last_of_name[name as usize] == index {
                *marks |= mark;
            }
            name
        };
        let renamed_inputs = match gate {
            Gate::Xor { a, b, .. } | Gate::And { a, b, .. } => {
                let na = read(a, FREE_A, &mut marks);
                let nb = read(b, FREE_B, &mut marks);
                if na == nb {
                    marks &= !FREE_B; // one wire read twice: freed once
                }
                (Some(na), Some(nb))
            }
            Gate::Inv { a, .. } | Gate::EqW { a, .. } => (Some(read(a, FREE_A, &mut marks)), None),
            Gate::Eq { .. } => (None, None),
        };
        // Names freed here may be reused by this gate's output: the planner
        // resolves every input before it assigns the output.
        if marks & FREE_A != 0 {
            self.free_names
                .push(renamed_inputs.0.expect("marked input"));
        }
        if marks & FREE_B != 0 {
            self.free_names
                .push(renamed_inputs.1.expect("marked input"));
        }
        let out = gate.output() as usize;
        let last = self.wires[out];
        let name = self.free_names.pop().unwrap_or_else(|| {
            self.next_name += 1;
            self.next_name - 1
        });
        if name as usize == self.last_of_name.len() {
            self.last_of_name.push(last);
        } else {
            self.last_of_name[name as usize] = last;
        }
        self.wires[out] = name;
        if last == NEVER && out < self.first_output {
            marks |= FREE_OUT;
            self.free_names.push(name);
        }
        let (a, b) = renamed_inputs;
        let gate = match gate {
            Gate::Xor { .. } => Gate::Xor {
                a: a.expect("two inputs"),
                b: b.expect("two inputs"),
                out: name,
            },
            Gate::And { .. } => Gate::And {
                a: a.expect("two inputs"),
                b: b.expect("two inputs"),
                out: name,
            },
            Gate::Inv { .. } => Gate::Inv {
                a: a.expect("one input"),
                out: name,
            },
            Gate::EqW { .. } => Gate::EqW {
                a: a.expect("one input"),
                out: name,
            },
            Gate::Eq { value, .. } => Gate::Eq { value, out: name },
        };
        (gate, marks)
    }

    /// The names of the output wires, once every gate is renamed.
    pub fn output_names(&self) -> Vec<u32> {
        self.wires[self.first_output..].to_vec()
    }

    /// The most names in use at once so far.
    pub fn names(&self) -> usize {
        self.next_name as usize
    }
}

/// One planned window: operations over label slots that persist across
/// windows (see [`super::plan`] for the operations and the slot rules), held
/// the way the gate loops run them: every free gate an XOR of two slots
/// (`INV a` is `a ⊕ [`SLOT_ONE`]`, a copy `a ⊕ [`SLOT_ZERO`]`, a constant
/// `[`SLOT_CONST`] + v ⊕ [`SLOT_ZERO`]`, naming read-only places at the top of
/// the slot range), and the AND runs between them. A party's label array is
/// a power of two long with its four read-only places last, so a symbolic
/// slot masked by the array's length is that place, and a window runs
/// without being rebuilt.
#[derive(Clone, Debug, Default)]
pub struct Segment {
    /// `[a, b, out]` per free gate, in execution order.
    xors: Vec<[u32; 3]>,
    /// Per AND run: the free gates before it end at `.0`, its gates are
    /// `ands[.1 .. .2]`.
    runs: Vec<(u32, u32, u32)>,
    ands: Vec<AndGate>,
    num_slots: u32,
}

/// The symbolic slot of the constant 0 (the garbler's label array holds 0
/// there, so `a ⊕ [SLOT_ZERO]` copies `a`).
pub const SLOT_ZERO: u32 = u32::MAX - 3;
/// The symbolic slot of the constant 1 (Δ in the garbler's array: `a ⊕
/// [SLOT_ONE]` is `¬a`).
pub const SLOT_ONE: u32 = u32::MAX - 2;
/// The symbolic slot of the public constant wire of value 0; `SLOT_CONST +
/// 1` is the one of value 1.
pub const SLOT_CONST: u32 = u32::MAX - 1;

/// The operations of a [`Segment`] in execution order.
#[derive(Clone, Debug)]
pub struct SegmentOps<'s> {
    segment: &'s Segment,
    xor: usize,
    run: usize,
}

impl Iterator for SegmentOps<'_> {
    type Item = Op;

    fn next(&mut self) -> Option<Op> {
        let s = self.segment;
        let xor_end = s.runs.get(self.run).map_or(s.xors.len(), |r| r.0 as usize);
        if self.xor < xor_end {
            let [a, b, out] = s.xors[self.xor];
            self.xor += 1;
            return Some(match (a, b) {
                (_, SLOT_ONE) => Op::Inv { a, out },
                (SLOT_CONST, SLOT_ZERO) => Op::Const { value: false, out },
                (v, SLOT_ZERO) if v == SLOT_CONST + 1 => Op::Const { value: true, out },
                (_, SLOT_ZERO) => Op::Copy { a, out },
                _ => Op::Xor { a, b, out },
            });
        }
        let &(_, start, end) = s.runs.get(self.run)?;
        self.run += 1;
        Some(Op::Ands { start, end })
    }
}

impl Segment {
    /// The operations in execution order.
    pub fn ops(&self) -> SegmentOps<'_> {
        SegmentOps {
            segment: self,
            xor: 0,
            run: 0,
        }
    }

    /// The free gates as the gate loops run them (see [`Segment`]).
    pub fn xors(&self) -> &[[u32; 3]] {
        &self.xors
    }

    /// The AND runs: `(xor_end, start, end)`, the free gates before the run
    /// ending at `xor_end`, the run being `ands()[start..end]`.
    pub fn runs(&self) -> &[(u32, u32, u32)] {
        &self.runs
    }

    /// The AND gates of this window, in tweak order.
    pub fn ands(&self) -> &[AndGate] {
        &self.ands
    }

    /// The slots in use so far (every slot number is below it).
    pub fn num_slots(&self) -> usize {
        self.num_slots as usize
    }

    /// AND runs in this window.
    pub fn and_runs(&self) -> u32 {
        self.runs.len() as u32
    }

    /// Swaps the free gates and the runs with `xors` and `runs` (a party's
    /// program takes a window without copying it). The segment's own lists
    /// hold whatever was passed in until it is filled again.
    pub fn lend_program(&mut self, xors: &mut Vec<[u32; 3]>, runs: &mut Vec<(u32, u32, u32)>) {
        std::mem::swap(&mut self.xors, xors);
        std::mem::swap(&mut self.runs, runs);
    }

    /// Empties the segment.
    pub(crate) fn clear(&mut self) {
        self.xors.clear();
        self.runs.clear();
        self.ands.clear();
    }

    /// Appends a free gate (`op` is not `Ands`).
    #[inline(always)]
    pub(crate) fn push_free(&mut self, op: Op) {
        self.xors.push(match op {
            Op::Xor { a, b, out } => [a, b, out],
            Op::Inv { a, out } => [a, SLOT_ONE, out],
            Op::Copy { a, out } => [a, SLOT_ZERO, out],
            Op::Const { value, out } => [SLOT_CONST + u32::from(value), SLOT_ZERO, out],
            Op::Ands { .. } => unreachable!("AND runs are pushed with push_and"),
        });
    }

    /// Appends a free gate in the loops' form (see [`Segment`]).
    #[inline(always)]
    pub(crate) fn push_xor(&mut self, xor: [u32; 3]) {
        self.xors.push(xor);
    }

    /// Appends an AND gate, starting a new run when `new_run`.
    #[inline(always)]
    pub(crate) fn push_and(&mut self, gate: AndGate, new_run: bool) {
        let at = self.ands.len() as u32;
        if new_run || self.runs.is_empty() {
            self.runs.push((self.xors.len() as u32, at, at + 1));
        } else if let Some(run) = self.runs.last_mut() {
            run.2 = at + 1;
        }
        self.ands.push(gate);
    }

    /// Room for `n` more gates of each kind.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.xors.reserve(n);
        self.ands.reserve(n);
    }

    /// Sets the slot count after a window is filled.
    pub(crate) fn set_num_slots(&mut self, num_slots: u32) {
        self.num_slots = num_slots;
    }

    /// Runs the segment on plaintext bits in `values` (indexed by slot,
    /// grown as needed): the reference the tests check the stream against.
    pub fn eval_bits(&self, values: &mut Vec<bool>) {
        if values.len() < self.num_slots() {
            values.resize(self.num_slots(), false);
        }
        let get = |values: &[bool], s: u32| -> bool {
            match s {
                SLOT_ZERO => false,
                SLOT_ONE => true,
                SLOT_CONST => false,
                s if s == SLOT_CONST + 1 => true,
                s => values[s as usize],
            }
        };
        let mut from = 0;
        for &(xor_end, start, end) in self.runs.iter().chain([&(self.xors.len() as u32, 0, 0)]) {
            for &[a, b, out] in &self.xors[from..xor_end as usize] {
                values[out as usize] = get(values, a) ^ get(values, b);
            }
            from = xor_end as usize;
            super::plan::and_run_bits(&self.ands[start as usize..end as usize], values);
        }
    }
}

impl Segment {
    /// A window whose wire names are its slots (a program's context
    /// guarantees that each name is written at most once per window and not
    /// reused before the window is done), in stage order: `stages[j]` is
    /// gate j's stage, `2L − 1` for an AND gate of AND-depth L in the window
    /// and `2L` for a free gate after L levels of ANDs. A stable counting
    /// sort by stage keeps program order (which is topological) within a
    /// stage, and the AND gates of one stage are independent: one run each.
    /// `order` is scratch.
    pub fn from_stages(
        &mut self,
        gates: &[Gate],
        stages: &[u32],
        num_slots: usize,
        order: &mut Vec<u32>,
    ) {
        debug_assert_eq!(gates.len(), stages.len());
        let top = stages.iter().copied().max().unwrap_or(0) as usize;
        let mut start = vec![0u32; top + 2];
        for &s in stages {
            start[s as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        order.clear();
        order.resize(gates.len(), 0);
        let mut fill = start.clone();
        for (j, &s) in stages.iter().enumerate() {
            order[fill[s as usize] as usize] = j as u32;
            fill[s as usize] += 1;
        }
        self.clear();
        for stage in 0..=top {
            let range = start[stage] as usize..start[stage + 1] as usize;
            if range.is_empty() {
                continue;
            }
            if stage % 2 == 1 {
                for (i, &j) in order[range].iter().enumerate() {
                    if let Gate::And { a, b, out } = gates[j as usize] {
                        self.push_and(AndGate { a, b, out }, i == 0);
                    }
                }
            } else {
                for &j in &order[range] {
                    self.push_free(match gates[j as usize] {
                        Gate::Xor { a, b, out } => Op::Xor { a, b, out },
                        Gate::Inv { a, out } => Op::Inv { a, out },
                        Gate::Eq { value, out } => Op::Const { value, out },
                        Gate::EqW { a, out } => Op::Copy { a, out },
                        Gate::And { .. } => unreachable!("AND gates have odd stages"),
                    });
                }
            }
        }
        self.num_slots = num_slots as u32;
    }
}

/// A key in the planner's name map: a slot (a wire from an earlier window)
/// or, with this bit, the index of the gate of the current window that
/// writes it.
const LOCAL: u32 = 1 << 31;
const NONE: u32 = u32::MAX;

/// Plans a gate stream window by window (see the module documentation).
#[derive(Debug)]
pub struct Planner {
    /// Per name: its key.
    map: Vec<u32>,
    free_slots: Vec<u32>,
    num_slots: u32,
    // Per-window scratch, reused.
    a: Vec<u32>,
    b: Vec<u32>,
    dies: Vec<bool>,
    level: Vec<u32>,
    depth: Vec<u32>,
    bucket: Vec<u32>,
    order: Vec<u32>,
    last_pos: Vec<u32>,
    slot_of: Vec<u32>,
    name_of: Vec<u32>,
    /// Per slot: the position of its last read in this window, if it dies
    /// in this window (else NONE); `touched` lists the slots set.
    slot_last: Vec<u32>,
    slot_dies: Vec<bool>,
    touched: Vec<u32>,
}

impl Planner {
    /// A planner whose first `num_inputs` names are the inputs, in slots
    /// `0..num_inputs`.
    pub fn new(num_inputs: usize) -> Planner {
        Planner {
            map: (0..num_inputs as u32).collect(),
            free_slots: Vec::new(),
            num_slots: num_inputs as u32,
            a: Vec::new(),
            b: Vec::new(),
            dies: Vec::new(),
            level: Vec::new(),
            depth: Vec::new(),
            bucket: Vec::new(),
            order: Vec::new(),
            last_pos: Vec::new(),
            slot_of: Vec::new(),
            name_of: Vec::new(),
            slot_last: vec![NONE; num_inputs],
            slot_dies: vec![false; num_inputs],
            touched: Vec::new(),
        }
    }

    /// The slot holding `name` between windows.
    pub fn slot_of_name(&self, name: u32) -> u32 {
        self.map[name as usize]
    }

    /// The slots holding `names` between windows.
    pub fn slots_of(&self, names: &[u32]) -> Vec<u32> {
        names.iter().map(|&name| self.slot_of_name(name)).collect()
    }

    /// The slots in use so far (every slot number is below it).
    pub fn num_slots(&self) -> usize {
        self.num_slots as usize
    }

    /// Plans one window (`gates.len() ≤ WINDOW_GATES`, `marks` one per gate)
    /// into `segment`.
    pub fn plan_window(&mut self, gates: &[Gate], marks: &[u8], segment: &mut Segment) {
        assert!(gates.len() <= WINDOW_GATES && gates.len() == marks.len());
        let n = gates.len();
        for v in [
            &mut self.a,
            &mut self.b,
            &mut self.level,
            &mut self.depth,
            &mut self.bucket,
        ] {
            v.clear();
            v.resize(n, NONE);
        }
        self.dies.clear();
        self.dies.resize(n, false);
        self.name_of.clear();
        self.name_of.resize(n, 0);

        // A: resolve every input to its key in stream order; note deaths.
        for (j, (gate, &mark)) in gates.iter().zip(marks).enumerate() {
            let mut inputs = gate.inputs();
            for (slot, bit) in [(&mut self.a[j], FREE_A), (&mut self.b[j], FREE_B)] {
                if let Some(name) = inputs.next() {
                    let key = self.map[name as usize];
                    *slot = key;
                    if mark & bit != 0 {
                        if key & LOCAL != 0 {
                            self.dies[(key & !LOCAL) as usize] = true;
                        } else {
                            let s = key as usize;
                            if self.slot_dies.len() <= s {
                                self.slot_dies.resize(s + 1, false);
                                self.slot_last.resize(s + 1, NONE);
                            }
                            self.slot_dies[s] = true;
                            self.touched.push(key);
                        }
                    }
                }
            }
            let out = gate.output() as usize;
            if self.map.len() <= out {
                self.map.resize(out + 1, NONE);
            }
            self.map[out] = LOCAL | j as u32;
            self.name_of[j] = out as u32;
            if mark & FREE_OUT != 0 {
                self.dies[j] = true;
            }
        }

        // B: level-sort the window (free(0), AND(1), free(1), …; within a
        // level, free gates by free depth), as `Plan` does.
        let local_level = |key: u32, level: &[u32]| -> u32 {
            if key != NONE && key & LOCAL != 0 {
                level[(key & !LOCAL) as usize]
            } else {
                0
            }
        };
        let mut deepest_free: Vec<u32> = vec![0];
        for (j, gate) in gates.iter().enumerate() {
            let (ka, kb) = (self.a[j], self.b[j]);
            let l = local_level(ka, &self.level).max(local_level(kb, &self.level));
            let (l, f) = if matches!(gate, Gate::And { .. }) {
                (l + 1, 0)
            } else {
                let depth_of = |k: u32| -> u32 {
                    if k != NONE && k & LOCAL != 0 && self.level[(k & !LOCAL) as usize] == l {
                        self.depth[(k & !LOCAL) as usize]
                    } else {
                        0
                    }
                };
                (l, depth_of(ka).max(depth_of(kb)) + 1)
            };
            self.level[j] = l;
            self.depth[j] = f;
            if deepest_free.len() <= l as usize {
                deepest_free.resize(l as usize + 1, 0);
            }
            deepest_free[l as usize] = deepest_free[l as usize].max(f);
        }
        let mut offset = Vec::with_capacity(deepest_free.len());
        let mut total = 0u32;
        for &f in &deepest_free {
            offset.push(total);
            total += f + 1;
        }
        for j in 0..n {
            self.bucket[j] = offset[self.level[j] as usize] + self.depth[j];
        }
        let mut start = vec![0u32; total as usize + 1];
        for &b in &self.bucket {
            start[b as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        self.order.clear();
        self.order.resize(n, 0);
        for j in 0..n {
            let b = self.bucket[j] as usize;
            self.order[start[b] as usize] = j as u32;
            start[b] += 1;
        }

        // C: the last read, in the new order, of every key that dies here.
        self.last_pos.clear();
        self.last_pos.resize(n, NONE);
        for (pos, &j) in self.order.iter().enumerate() {
            for key in [self.a[j as usize], self.b[j as usize]] {
                if key == NONE {
                    continue;
                }
                if key & LOCAL != 0 {
                    let k = (key & !LOCAL) as usize;
                    if self.dies[k] {
                        self.last_pos[k] = pos as u32;
                    }
                } else if self.slot_dies.get(key as usize) == Some(&true) {
                    self.slot_last[key as usize] = pos as u32;
                }
            }
        }
        // D: slots in the new order, and the operations.
        segment.clear();
        // Slots that die here without a read here are free at once.
        for &s in &self.touched {
            if self.slot_dies[s as usize] && self.slot_last[s as usize] == NONE {
                self.slot_dies[s as usize] = false;
                self.free_slots.push(s);
            }
        }

        self.slot_of.clear();
        self.slot_of.resize(n, NONE);
        let mut run_bucket = NONE;
        for (pos, &j) in self.order.iter().enumerate() {
            let j = j as usize;
            let pos = pos as u32;
            let resolve = |key: u32, slot_of: &[u32]| -> u32 {
                if key == NONE {
                    0
                } else if key & LOCAL != 0 {
                    slot_of[(key & !LOCAL) as usize]
                } else {
                    key
                }
            };
            let (ka, kb) = (self.a[j], self.b[j]);
            let (sa, sb) = (resolve(ka, &self.slot_of), resolve(kb, &self.slot_of));
            for (key, s) in [(ka, sa), (kb, sb)] {
                if key == NONE {
                    continue;
                }
                let last = if key & LOCAL != 0 {
                    self.last_pos[(key & !LOCAL) as usize]
                } else if self.slot_dies.get(key as usize) == Some(&true) {
                    self.slot_last[key as usize]
                } else {
                    NONE
                };
                if last == pos {
                    // Freed once even when both inputs are the same wire.
                    if key & LOCAL != 0 {
                        self.last_pos[(key & !LOCAL) as usize] = NONE;
                    } else {
                        self.slot_last[key as usize] = NONE;
                        self.slot_dies[key as usize] = false;
                    }
                    self.free_slots.push(s);
                }
            }
            let out = self.free_slots.pop().unwrap_or_else(|| {
                self.num_slots += 1;
                self.num_slots - 1
            });
            self.slot_of[j] = out;
            if self.dies[j] && self.last_pos[j] == NONE {
                // Never read: its slot is free again right away.
                self.free_slots.push(out);
            }
            match gates[j] {
                Gate::And { .. } => {
                    let new_run = run_bucket != self.bucket[j];
                    run_bucket = self.bucket[j];
                    segment.push_and(AndGate { a: sa, b: sb, out }, new_run);
                }
                Gate::Xor { .. } => segment.push_free(Op::Xor { a: sa, b: sb, out }),
                Gate::Inv { .. } => segment.push_free(Op::Inv { a: sa, out }),
                Gate::Eq { value, .. } => segment.push_free(Op::Const { value, out }),
                Gate::EqW { .. } => segment.push_free(Op::Copy { a: sa, out }),
            }
        }
        // Names written here now live in their slots (unless the name was
        // written again later in the window, or the wire died here).
        for j in 0..n {
            let name = self.name_of[j] as usize;
            if self.map[name] == LOCAL | j as u32 {
                self.map[name] = self.slot_of[j];
            }
        }
        for &s in &self.touched {
            self.slot_dies[s as usize] = false;
            self.slot_last[s as usize] = NONE;
        }
        self.touched.clear();
        if self.slot_dies.len() < self.num_slots as usize {
            self.slot_dies.resize(self.num_slots as usize, false);
            self.slot_last.resize(self.num_slots as usize, NONE);
        }
        segment.num_slots = self.num_slots;
    }
}

/// An in-memory circuit as a stream of planned windows: the look-ahead pass
/// over its gates, then [`Renamer`] and [`Planner`] window by window. Used
/// where a whole circuit is at hand (tests, generated circuits in memory).
#[derive(Debug)]
pub struct CircuitStream<'c> {
    circuit: &'c Circuit,
    renamer: Renamer,
    planner: Planner,
    next: usize,
    gates: Vec<Gate>,
    marks: Vec<u8>,
}

impl<'c> CircuitStream<'c> {
    /// Starts streaming `circuit`.
    pub fn new(circuit: &'c Circuit) -> CircuitStream<'c> {
        let last = last_uses(
            circuit.num_wires(),
            circuit.first_output_wire(),
            circuit.gates(),
        );
        CircuitStream {
            circuit,
            renamer: Renamer::new(last, circuit.total_inputs(), circuit.first_output_wire()),
            planner: Planner::new(circuit.total_inputs()),
            next: 0,
            gates: Vec::with_capacity(WINDOW_GATES),
            marks: Vec::with_capacity(WINDOW_GATES),
        }
    }

    /// Plans the next window into `segment`; false when the circuit is done.
    pub fn next_segment(&mut self, segment: &mut Segment) -> bool {
        let all = self.circuit.gates();
        if self.next >= all.len() {
            return false;
        }
        let end = (self.next + WINDOW_GATES).min(all.len());
        self.gates.clear();
        self.marks.clear();
        for &gate in &all[self.next..end] {
            let (g, m) = self.renamer.rename(gate);
            self.gates.push(g);
            self.marks.push(m);
        }
        self.next = end;
        self.planner.plan_window(&self.gates, &self.marks, segment);
        true
    }

    /// The slot of every output wire, once the stream is done.
    pub fn output_slots(&self) -> Vec<u32> {
        self.planner.slots_of(&self.renamer.output_names())
    }
}

/// What the two parties must agree on about a circuit, without its gates:
/// the wires, the groups, the number of AND gates and the digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Number of wires.
    pub num_wires: usize,
    /// Bits per input group.
    pub input_sizes: Vec<u32>,
    /// Bits per output group.
    pub output_sizes: Vec<u32>,
    /// Number of AND gates.
    pub and_gates: usize,
    /// [`Circuit::digest`].
    pub digest: [u8; 32],
}

impl Shape {
    /// The shape of an in-memory circuit.
    pub fn of(circuit: &Circuit) -> Shape {
        Shape {
            num_wires: circuit.num_wires(),
            input_sizes: circuit.input_sizes().to_vec(),
            output_sizes: circuit.output_sizes().to_vec(),
            and_gates: circuit.and_count(),
            digest: circuit.digest(),
        }
    }

    /// Total input bits.
    pub fn total_inputs(&self) -> usize {
        self.input_sizes.iter().map(|&n| n as usize).sum()
    }

    /// Total output bits.
    pub fn total_outputs(&self) -> usize {
        self.output_sizes.iter().map(|&n| n as usize).sum()
    }

    /// The first output wire (the outputs are the last wires).
    pub fn first_output_wire(&self) -> usize {
        self.num_wires - self.total_outputs()
    }
}

/// A circuit file scanned once (the look-ahead pass: every check of the
/// reader, the digest, the AND count and each wire's last use) and streamed
/// as often as needed, each stream reading the file again on a parser thread.
/// Memory: one `u32` per wire of the file, nothing per gate (a stream takes
/// the scan's table when it is the last one, [`FileCircuit::into_stream`],
/// and copies it otherwise). A binary file with a stored plan
/// ([`super::planfile`]) needs no scan and no table: its streams read the
/// plan.
#[derive(Debug)]
pub struct FileCircuit {
    path: std::path::PathBuf,
    shape: Shape,
    source: Source,
}

#[derive(Debug)]
enum Source {
    /// Gates to rename and plan, with the scan's last uses (empty once a
    /// stream took them).
    Gates { last_uses: Vec<u32> },
    /// A stored plan.
    Planned {
        plan: super::planfile::PlanInfo,
        counts: [u64; 2],
    },
}

impl FileCircuit {
    /// The look-ahead pass over a circuit file: Bristol (either dialect) or
    /// gc2pc binary, told apart by the first bytes.
    pub fn scan(path: &std::path::Path) -> Result<FileCircuit, CircuitError> {
        if is_binary_file(path)? {
            return FileCircuit::scan_binary(path);
        }
        use super::Digester;
        let mut reader = reader(path)?;
        let header = reader.header().clone();
        let mut digest = Digester::new(
            header.num_wires as usize,
            &header.input_sizes,
            &header.output_sizes,
        );
        // Grown as wires are read (the reader bounds the wires a file may
        // declare only once it has read it whole).
        let mut last = Vec::new();
        let (mut index, mut and_gates) = (0u32, 0usize);
        let mut chunk = Vec::new();
        while reader.next_chunk(&mut chunk)? > 0 {
            digest.gates(&chunk);
            for gate in &chunk {
                for wire in gate.inputs() {
                    let w = wire as usize;
                    if last.len() <= w {
                        last.resize(w + 1, NEVER);
                    }
                    last[w] = index;
                }
                and_gates += matches!(gate, Gate::And { .. }) as usize;
                index += 1;
            }
        }
        let num_wires = header.num_wires as usize;
        let total_out: usize = header.output_sizes.iter().map(|&n| n as usize).sum();
        last.resize(num_wires, NEVER);
        last[num_wires - total_out..].fill(OUTPUT);
        Ok(FileCircuit {
            path: path.to_path_buf(),
            shape: Shape {
                num_wires,
                input_sizes: header.input_sizes,
                output_sizes: header.output_sizes,
                and_gates,
                digest: digest.finish(),
            },
            source: Source::Gates { last_uses: last },
        })
    }

    fn scan_binary(path: &std::path::Path) -> Result<FileCircuit, CircuitError> {
        let mut reader = binary_reader(path)?;
        let header = reader.header().clone();
        let shape = Shape {
            num_wires: header.num_wires as usize,
            input_sizes: header.input_sizes.clone(),
            output_sizes: header.output_sizes.clone(),
            and_gates: header.and_gates as usize,
            digest: header.digest,
        };
        if let Some(plan) = header.plan {
            // The stream checks the plan (counts, slots, checksum) as it
            // reads it; nothing to look ahead for.
            return Ok(FileCircuit {
                path: path.to_path_buf(),
                shape,
                source: Source::Planned {
                    plan,
                    counts: [header.num_gates, header.and_gates],
                },
            });
        }
        // Every stream of the file checks the stored digest against the
        // gates before any output is decoded; the scan need not.
        reader.skip_digest_check();
        let mut last = vec![NEVER; header.num_wires as usize];
        let mut index = 0u32;
        let mut chunk = Vec::new();
        while reader.next_chunk(&mut chunk)? > 0 {
            for gate in &chunk {
                for wire in gate.inputs() {
                    last[wire as usize] = index;
                }
                index += 1;
            }
        }
        let first_output = shape.first_output_wire();
        last[first_output..].fill(OUTPUT);
        Ok(FileCircuit {
            path: path.to_path_buf(),
            shape,
            source: Source::Gates { last_uses: last },
        })
    }

    /// What the parties agree on.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Whether streams of this file read a stored plan (a binary file
    /// compiled with one) rather than planning the gates.
    pub fn is_planned(&self) -> bool {
        matches!(self.source, Source::Planned { .. })
    }

    /// The length in bytes of the stored plan, if the file has one.
    pub fn plan_bytes(&self) -> Option<u64> {
        match &self.source {
            Source::Planned { plan, .. } => Some(plan.len),
            Source::Gates { .. } => None,
        }
    }

    /// A new stream of the circuit's windows (the file read again; the
    /// digest checked again as it goes, so a file changed since the scan
    /// fails the stream before any output is decoded).
    pub fn stream(&self) -> Result<FileStream, CircuitError> {
        match &self.source {
            Source::Gates { last_uses } => {
                if last_uses.len() != self.shape.num_wires {
                    return Err(ShapeError::AlreadyStreamed.into());
                }
                FileCircuit::stream_gates(&self.path, &self.shape, last_uses.clone())
            }
            Source::Planned { plan, counts } => {
                FileCircuit::stream_plan(&self.path, &self.shape, *plan, *counts)
            }
        }
    }

    /// The last stream of this circuit: as [`FileCircuit::stream`], without
    /// copying the scan's table.
    pub fn into_stream(mut self) -> Result<FileStream, CircuitError> {
        self.take_stream()
    }

    /// As [`FileCircuit::into_stream`] through a reference: the scan's table
    /// moves into the stream, and any later [`FileCircuit::stream`] fails
    /// (a planned file streams again).
    pub fn take_stream(&mut self) -> Result<FileStream, CircuitError> {
        match &mut self.source {
            Source::Gates { last_uses } => {
                if last_uses.len() != self.shape.num_wires {
                    return Err(ShapeError::AlreadyStreamed.into());
                }
                let last_uses = std::mem::take(last_uses);
                FileCircuit::stream_gates(&self.path, &self.shape, last_uses)
            }
            Source::Planned { .. } => self.stream(),
        }
    }

    fn stream_plan(
        path: &std::path::Path,
        shape: &Shape,
        plan: super::planfile::PlanInfo,
        counts: [u64; 2],
    ) -> Result<FileStream, CircuitError> {
        use std::io::{Seek, SeekFrom};
        let header = binary_reader(path)?.header().clone();
        if header.digest != shape.digest || header.plan != Some(plan) {
            return Err(ShapeError::FileChanged.into());
        }
        let io = |e: std::io::Error| CircuitError::io(Some(path), e);
        let mut file = std::fs::File::open(path).map_err(io)?;
        file.seek(SeekFrom::Start(plan.offset)).map_err(io)?;
        let reader = super::planfile::PlanReader::new(
            file,
            plan,
            shape.total_inputs() as u64,
            counts,
            shape.total_outputs() as u64,
        )?;
        Ok(FileStream {
            inner: StreamInner::Planned(Box::new(reader)),
        })
    }

    fn stream_gates(
        path: &std::path::Path,
        shape: &Shape,
        last_uses: Vec<u32>,
    ) -> Result<FileStream, CircuitError> {
        let file = FileGates::open(path)?;
        let digest = match &file.reader {
            // The reader checks the gates against the stored digest; that it
            // is still the scanned one is checked here.
            GateReader::Binary(reader) => {
                if reader.header().digest != shape.digest {
                    return Err(ShapeError::FileChanged.into());
                }
                None
            }
            GateReader::Text(_) => Some(super::Digester::new(
                shape.num_wires,
                &shape.input_sizes,
                &shape.output_sizes,
            )),
        };
        let reader = file.reader;
        Ok(FileStream {
            inner: StreamInner::Gates(Box::new(GateStream {
                reader,
                renamer: Renamer::new(last_uses, shape.total_inputs(), shape.first_output_wire()),
                planner: Planner::new(shape.total_inputs()),
                digest,
                expected: shape.digest,
                chunk: Vec::new(),
                at: 0,
                gates: Vec::with_capacity(WINDOW_GATES),
                marks: Vec::with_capacity(WINDOW_GATES),
            })),
        })
    }
}

/// Whether `path` starts with the binary format's magic number.
fn is_binary_file(path: &std::path::Path) -> Result<bool, CircuitError> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path).map_err(|e| CircuitError::io(Some(path), e))?;
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CircuitError::io(Some(path), e)),
        }
    }
    Ok(super::binary::is_binary(&head[..n]))
}

fn binary_reader(
    path: &std::path::Path,
) -> Result<super::binary::BinaryReader<std::fs::File>, CircuitError> {
    let file = std::fs::File::open(path).map_err(|e| CircuitError::io(Some(path), e))?;
    let len = file.metadata().ok().map(|m| m.len());
    super::binary::BinaryReader::new(file, len)
}

/// Where a stream's gates come from.
enum GateReader {
    /// Bristol text, parsed on its own thread.
    Text(super::bristol::ThreadedReader),
    /// The binary format, decoded in line (it is cheap).
    Binary(Box<super::binary::BinaryReader<std::fs::File>>),
}

impl GateReader {
    fn next_chunk(&mut self, out: &mut Vec<Gate>) -> Result<usize, CircuitError> {
        match self {
            GateReader::Text(reader) => reader.next_chunk(out),
            GateReader::Binary(reader) => reader.next_chunk(out),
        }
    }
}

/// A Bristol reader for `path` with buffers and chunks sized to the file
/// (see [`super::bristol::buffer_for`]).
fn reader(path: &std::path::Path) -> Result<super::bristol::Reader<std::fs::File>, CircuitError> {
    use super::bristol::{DEFAULT_CHUNK_GATES, Reader, buffer_for};
    let file = std::fs::File::open(path).map_err(|e| CircuitError::io(Some(path), e))?;
    let len = file.metadata().ok().map(|m| m.len());
    let mut reader = Reader::with_buffer_size(file, buffer_for(len))?;
    let gates = usize::try_from(reader.header().num_gates).unwrap_or(usize::MAX);
    reader.set_chunk_gates(gates.clamp(1, DEFAULT_CHUNK_GATES));
    Ok(reader)
}

/// What a circuit file declares before its gates.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileHeader {
    /// The dialect (a text file's is final only once its gates are read:
    /// see [`FileGates::format`]).
    pub format: super::Format,
    /// Wires.
    pub num_wires: u64,
    /// Gates (lines of a text file; a MAND line counts once).
    pub num_gates: u64,
    /// Bits per input group.
    pub input_sizes: Vec<u32>,
    /// Bits per output group.
    pub output_sizes: Vec<u32>,
}

impl FileHeader {
    fn new(format: super::Format, counts: [u64; 2], groups: [&[u32]; 2]) -> Self {
        FileHeader {
            format,
            num_wires: counts[0],
            num_gates: counts[1],
            input_sizes: groups[0].to_vec(),
            output_sizes: groups[1].to_vec(),
        }
    }
}

/// The gates of a circuit file chunk by chunk, whatever its form: Bristol
/// text of either dialect (parsed on its own thread, every check of the
/// reader kept) or the binary form (its stored digest checked at the end).
/// Memory: one chunk and the reader's per-wire bits, never the circuit.
pub struct FileGates {
    reader: GateReader,
    header: FileHeader,
}

impl core::fmt::Debug for FileGates {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileGates")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl FileGates {
    /// Opens `path`, told apart by its first bytes, and reads its header.
    pub fn open(path: &std::path::Path) -> Result<FileGates, CircuitError> {
        if is_binary_file(path)? {
            let reader = binary_reader(path)?;
            let h = reader.header();
            let header = FileHeader::new(
                h.format,
                [h.num_wires, h.num_gates],
                [&h.input_sizes, &h.output_sizes],
            );
            return Ok(FileGates {
                reader: GateReader::Binary(Box::new(reader)),
                header,
            });
        }
        let reader = super::bristol::ThreadedReader::spawn(self::reader(path)?, 4)?;
        let h = reader.header();
        let header = FileHeader::new(
            h.format,
            [h.num_wires, h.num_gates],
            [&h.input_sizes, &h.output_sizes],
        );
        Ok(FileGates {
            reader: GateReader::Text(reader),
            header,
        })
    }

    /// The header.
    pub fn header(&self) -> &FileHeader {
        &self.header
    }

    /// The circuit's dialect; for text, final once every gate is read (a
    /// MAND line makes it [`super::Format::BristolFashionMand`]).
    pub fn format(&self) -> super::Format {
        match &self.reader {
            GateReader::Text(reader) => reader.format(),
            GateReader::Binary(_) => self.header.format,
        }
    }

    /// Replaces `out` with the next chunk of gates; 0 once the file has
    /// ended and passed every end-of-file check.
    pub fn next_chunk(&mut self, out: &mut Vec<Gate>) -> Result<usize, CircuitError> {
        self.reader.next_chunk(out)
    }
}

/// Gates of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GateCounts {
    /// XOR gates.
    pub xor: u64,
    /// AND gates.
    pub and: u64,
    /// INV gates.
    pub inv: u64,
    /// EQ gates (constants).
    pub eq: u64,
    /// EQW gates (copies).
    pub eqw: u64,
}

impl GateCounts {
    /// Counts `gates`.
    pub fn add(&mut self, gates: &[Gate]) {
        for gate in gates {
            match gate {
                Gate::Xor { .. } => self.xor += 1,
                Gate::And { .. } => self.and += 1,
                Gate::Inv { .. } => self.inv += 1,
                Gate::Eq { .. } => self.eq += 1,
                Gate::EqW { .. } => self.eqw += 1,
            }
        }
    }

    /// All gates.
    pub fn total(&self) -> u64 {
        self.xor + self.and + self.inv + self.eq + self.eqw
    }
}

/// What `gc2pc circuit info` reports of a circuit file, from one pass over
/// its gates in O(wires) memory (one AND-depth per wire), never holding the
/// circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Wires, groups, AND gates and the digest ([`Circuit::digest`]).
    pub shape: Shape,
    /// The dialect.
    pub format: super::Format,
    /// Gates of each kind.
    pub counts: GateCounts,
    /// The longest chain of AND gates from an input to an output wire.
    pub and_depth: u32,
}

impl Summary {
    /// Reads `path` (text or binary) once.
    pub fn of_file(path: &std::path::Path) -> Result<Summary, CircuitError> {
        let mut file = FileGates::open(path)?;
        let header = file.header().clone();
        let num_wires = header.num_wires as usize;
        let mut digest = super::Digester::new(num_wires, &header.input_sizes, &header.output_sizes);
        let mut depth: Vec<u32> = Vec::new();
        let mut counts = GateCounts::default();
        let mut chunk = Vec::new();
        while file.next_chunk(&mut chunk)? > 0 {
            digest.gates(&chunk);
            counts.add(&chunk);
            for gate in &chunk {
                // Grown as wires are written (a text file's wire count is
                // checked against its gates only at the end).
                let out = gate.output() as usize;
                if depth.len() <= out {
                    depth.resize(out + 1, 0);
                }
                let d = gate.inputs().map(|w| depth[w as usize]).max().unwrap_or(0)
                    + matches!(gate, Gate::And { .. }) as u32;
                depth[out] = d;
            }
        }
        depth.resize(num_wires, 0);
        let shape = Shape {
            num_wires,
            input_sizes: header.input_sizes,
            output_sizes: header.output_sizes,
            and_gates: counts.and as usize,
            digest: digest.finish(),
        };
        let and_depth = depth[shape.first_output_wire()..]
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
        Ok(Summary {
            shape,
            format: file.format(),
            counts,
            and_depth,
        })
    }
}

/// One pass over a [`FileCircuit`]'s file, window by window: its gates
/// renamed and planned, or its stored plan decoded.
pub struct FileStream {
    inner: StreamInner,
}

enum StreamInner {
    Gates(Box<GateStream>),
    Planned(Box<super::planfile::PlanReader<std::fs::File>>),
}

struct GateStream {
    reader: GateReader,
    renamer: Renamer,
    planner: Planner,
    digest: Option<super::Digester>,
    expected: [u8; 32],
    chunk: Vec<Gate>,
    at: usize,
    gates: Vec<Gate>,
    marks: Vec<u8>,
}

impl core::fmt::Debug for FileStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileStream").finish_non_exhaustive()
    }
}

impl GateStream {
    fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError> {
        self.gates.clear();
        self.marks.clear();
        while self.gates.len() < WINDOW_GATES {
            if self.at == self.chunk.len() {
                self.at = 0;
                if self.reader.next_chunk(&mut self.chunk)? == 0 {
                    break;
                }
                if let Some(d) = self.digest.as_mut() {
                    d.gates(&self.chunk);
                }
            }
            let take = (WINDOW_GATES - self.gates.len()).min(self.chunk.len() - self.at);
            for &gate in &self.chunk[self.at..self.at + take] {
                let (g, m) = self.renamer.rename(gate);
                self.gates.push(g);
                self.marks.push(m);
            }
            self.at += take;
        }
        if self.gates.is_empty() {
            if let Some(d) = self.digest.take()
                && d.finish() != self.expected
            {
                return Err(ShapeError::FileChanged.into());
            }
            return Ok(false);
        }
        self.planner.plan_window(&self.gates, &self.marks, segment);
        Ok(true)
    }
}

impl FileStream {
    /// Plans (or reads) the next window into `segment`; false at the end
    /// (after the digest of what was read matched the scan's, or the stored
    /// plan's checksum matched).
    pub fn next_segment(&mut self, segment: &mut Segment) -> Result<bool, CircuitError> {
        match &mut self.inner {
            StreamInner::Gates(stream) => stream.next_segment(segment),
            StreamInner::Planned(reader) => reader.next_segment(segment),
        }
    }

    /// The slot of every output wire, once the stream is done.
    pub fn output_slots(&self) -> Vec<u32> {
        match &self.inner {
            StreamInner::Gates(stream) => stream.planner.slots_of(&stream.renamer.output_names()),
            StreamInner::Planned(reader) => reader.output_slots(),
        }
    }

    /// Evaluates the whole stream in plaintext on `inputs` (one bit per
    /// input wire, groups in order): the output bits, in order. Memory: one
    /// bit per label slot, never the circuit.
    pub fn eval(mut self, inputs: &[bool]) -> Result<Vec<bool>, CircuitError> {
        let mut values = inputs.to_vec();
        let mut segment = Segment::default();
        while self.next_segment(&mut segment)? {
            segment.eval_bits(&mut values);
        }
        Ok(self
            .output_slots()
            .iter()
            .map(|&s| values[s as usize])
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::{Format, bristol};

    /// Streams `circuit` and evaluates it on `inputs` (one bit per input
    /// wire) through the segments; also returns the most slots used.
    fn stream_eval(circuit: &Circuit, inputs: &[bool]) -> (Vec<bool>, usize) {
        let mut stream = CircuitStream::new(circuit);
        let mut values = inputs.to_vec();
        let mut segment = Segment::default();
        let mut slots = inputs.len();
        while stream.next_segment(&mut segment) {
            segment.eval_bits(&mut values);
            slots = slots.max(segment.num_slots());
        }
        let out = stream
            .output_slots()
            .iter()
            .map(|&s| values[s as usize])
            .collect();
        (out, slots)
    }

    fn split(circuit: &Circuit, bits: &[bool]) -> Vec<Vec<bool>> {
        let mut rest = bits;
        circuit
            .input_sizes()
            .iter()
            .map(|&n| {
                let (head, tail) = rest.split_at(n as usize);
                rest = tail;
                head.to_vec()
            })
            .collect()
    }

    #[test]
    fn streamed_reference_circuits_match_plaintext() {
        let mut prg = crate::prg::Prg::new(crate::block::Block(5));
        for path in [
            "circuits/cmp32.txt",
            "circuits/add64.txt",
            "circuits/psi_sort_64x32.txt",
            "circuits/reference/bristol_fashion/aes_128.txt",
            "circuits/reference/bristol_format/sha-256.txt",
        ] {
            let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
            let circuit = bristol::read_file(&full).unwrap();
            for _ in 0..3 {
                let bits: Vec<bool> = (0..circuit.total_inputs())
                    .map(|_| prg.random_block().lsb())
                    .collect();
                let want: Vec<bool> = circuit.eval(&split(&circuit, &bits)).unwrap().concat();
                let (got, _) = stream_eval(&circuit, &bits);
                assert_eq!(got, want, "{path}");
            }
        }
    }

    #[test]
    fn slots_stay_bounded_by_live_wires_not_gates() {
        // 40 windows of AND-heavy work: the slots stay far below the gates.
        let circuit = crate::secure::circuits::and_heavy(300_000);
        let bits: Vec<bool> = (0..circuit.total_inputs()).map(|i| i % 3 == 0).collect();
        let want: Vec<bool> = circuit.eval(&split(&circuit, &bits)).unwrap().concat();
        let (got, slots) = stream_eval(&circuit, &bits);
        assert_eq!(got, want);
        assert!(
            slots < circuit.gates().len() / 20,
            "{slots} slots for {} gates",
            circuit.gates().len()
        );
    }

    /// A random circuit over `gates` gates: each reads random earlier wires
    /// (often recent ones, sometimes far back across windows), with every
    /// kind of gate and repeated inputs; the last 64 wires are the output.
    fn random_circuit(seed: u128, inputs: u32, gates: u32) -> Circuit {
        let mut prg = crate::prg::Prg::new(crate::block::Block(seed));
        let mut list = Vec::new();
        for out in inputs..inputs + gates {
            let r = prg.random_block().0;
            let pick = |shift: u32| -> u32 {
                let x = (r >> shift) as u32;
                if x.is_multiple_of(4) {
                    x / 4 % out // anywhere before
                } else {
                    out - 1 - (x / 4 % out.min(50)) // recent
                }
            };
            let (a, b) = (
                pick(8),
                if r.is_multiple_of(13) {
                    pick(8)
                } else {
                    pick(40)
                },
            );
            list.push(match r % 10 {
                0..=3 => Gate::And { a, b, out },
                4..=7 => Gate::Xor { a, b, out },
                8 => Gate::Inv { a, out },
                _ => match (r >> 70) % 2 {
                    0 => Gate::EqW { a, out },
                    _ => Gate::Eq {
                        value: (r >> 71) & 1 == 1,
                        out,
                    },
                },
            });
        }
        let total = inputs + gates;
        Circuit::new(
            total as u64,
            vec![inputs / 2, inputs - inputs / 2],
            vec![64],
            list,
            Format::BristolFashion,
        )
        .unwrap()
    }

    #[test]
    fn a_file_summary_matches_the_whole_circuit_in_text_and_binary() {
        let dir = std::env::temp_dir().join(format!("gc2pc-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for seed in 0..3 {
            let circuit = random_circuit(seed, 40, 5000 + 977 * seed as u32);
            let text = dir.join(format!("{seed}.txt"));
            let bin = dir.join(format!("{seed}.bin"));
            std::fs::write(&text, bristol::to_string(&circuit)).unwrap();
            std::fs::write(&bin, crate::circuit::binary::to_bytes(&circuit)).unwrap();
            for path in [&text, &bin] {
                let summary = Summary::of_file(path).unwrap();
                assert_eq!(summary.shape, Shape::of(&circuit), "seed {seed}");
                assert_eq!(summary.and_depth, circuit.and_depth());
                assert_eq!(summary.format, circuit.format());
                let mut counts = GateCounts::default();
                counts.add(circuit.gates());
                assert_eq!(summary.counts, counts);
                assert_eq!(counts.total(), circuit.gates().len() as u64);
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The windows of a stream, flattened for comparison.
    fn windows(mut next: impl FnMut(&mut Segment) -> bool) -> Vec<(Vec<Op>, Vec<AndGate>, usize)> {
        let mut out = Vec::new();
        let mut segment = Segment::default();
        while next(&mut segment) {
            out.push((
                segment.ops().collect::<Vec<_>>(),
                segment.ands().to_vec(),
                segment.num_slots(),
            ));
        }
        out
    }

    /// A version-1 file (no plan) of the same circuit as a version-2 one.
    fn without_plan(bytes: &[u8]) -> Vec<u8> {
        let header = crate::circuit::binary::BinaryReader::new(bytes, None)
            .unwrap()
            .header()
            .clone();
        let plan = header.plan.unwrap();
        let groups = header.input_sizes.len() + header.output_sizes.len();
        let head = 8 + 2 + 2 + 24 + 8 + 4 * groups + 32;
        let mut v1 = bytes[..head].to_vec();
        v1[8..10].copy_from_slice(&1u16.to_le_bytes());
        v1.extend_from_slice(&bytes[head + 24..plan.offset as usize]);
        v1
    }

    #[test]
    fn a_stored_plan_replays_the_planner_exactly_and_old_files_still_plan() {
        let dir = std::env::temp_dir().join(format!("gc2pc-planned-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut circuits: Vec<Circuit> = (0..3)
            .map(|seed| random_circuit(seed, 100, 2 * WINDOW_GATES as u32 + 777 * seed as u32))
            .collect();
        for path in ["circuits/psi_sort_64x32.txt", "circuits/cmp32.txt"] {
            let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
            circuits.push(bristol::read_file(&full).unwrap());
        }
        for (i, circuit) in circuits.iter().enumerate() {
            let mut stream = CircuitStream::new(circuit);
            let want = windows(|s| stream.next_segment(s));
            let want_outputs = stream.output_slots();
            let bytes = crate::circuit::binary::to_bytes(circuit);
            let planned = dir.join(format!("{i}.v2"));
            let old = dir.join(format!("{i}.v1"));
            std::fs::write(&planned, &bytes).unwrap();
            std::fs::write(&old, without_plan(&bytes)).unwrap();
            for (path, is_planned) in [(&planned, true), (&old, false)] {
                let file = FileCircuit::scan(path).unwrap();
                assert_eq!(file.is_planned(), is_planned);
                assert_eq!(file.shape(), &Shape::of(circuit));
                let mut s = file.stream().unwrap();
                let got = windows(|seg| s.next_segment(seg).unwrap());
                assert_eq!(got, want, "circuit {i} planned {is_planned}");
                assert_eq!(s.output_slots(), want_outputs);
                // And the plaintext result through the file.
                let bits: Vec<bool> = (0..circuit.total_inputs()).map(|k| k % 3 == 1).collect();
                let expect: Vec<bool> = circuit.eval(&split(circuit, &bits)).unwrap().concat();
                assert_eq!(file.stream().unwrap().eval(&bits).unwrap(), expect);
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn random_circuits_across_many_windows_match_plaintext() {
        for seed in 0..4 {
            let circuit = random_circuit(seed, 100, 3 * WINDOW_GATES as u32 + 123);
            let mut prg = crate::prg::Prg::new(crate::block::Block(seed + 99));
            let bits: Vec<bool> = (0..100).map(|_| prg.random_block().lsb()).collect();
            let want: Vec<bool> = circuit.eval(&split(&circuit, &bits)).unwrap().concat();
            assert_eq!(stream_eval(&circuit, &bits).0, want, "seed {seed}");
        }
    }

    #[test]
    fn dead_wires_repeated_inputs_constants_and_copies() {
        // 2 dead; 3 = 0 ∧ 0 (one wire twice); 4 = const 1; 5 = copy of 1;
        // outputs 6 = 3 ⊕ 4, 7 = ¬5, 8 = 5 ∧ 3.
        let gates = vec![
            Gate::And { a: 0, b: 1, out: 2 },
            Gate::And { a: 0, b: 0, out: 3 },
            Gate::Eq {
                value: true,
                out: 4,
            },
            Gate::EqW { a: 1, out: 5 },
            Gate::Xor { a: 3, b: 4, out: 6 },
            Gate::Inv { a: 5, out: 7 },
            Gate::And { a: 5, b: 3, out: 8 },
        ];
        let c = Circuit::new(9, vec![1, 1], vec![3], gates, Format::BristolFashion).unwrap();
        for x in 0..4u32 {
            let bits = vec![x & 1 == 1, x & 2 == 2];
            let want: Vec<bool> = c.eval(&split(&c, &bits)).unwrap().concat();
            assert_eq!(stream_eval(&c, &bits).0, want, "x = {x}");
        }
    }
}
