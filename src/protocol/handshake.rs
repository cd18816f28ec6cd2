//! The first message each party sends: what it is about to run. Both parties
//! send theirs, then read the peer's, and abort with a message naming every
//! difference (circuit digest, input and output widths, who owns which input
//! group, who learns the output, hash construction, protocol version, roles).
//!
//! Encoding (little-endian): magic `gc2pc\0hs` (8 bytes), version u16, role u8,
//! circuit digest \[32\], hash kind u8, reveal u8, the transcript shape
//! ([`TranscriptShape`]: window gates, table-chunk gates, KOS extra rows, u32
//! each), input-group count u16, then per group width u32 and owner u8,
//! output-group count u16, then widths u32. At most [`MAX_GROUPS`] groups each
//! way, so a hello is at most ~40 KiB.

use crate::circuit::Circuit;
use crate::garble::{Scheme, TABLE_CHUNK_GATES};
use crate::hash::HashKind;
use crate::ot::kos::EXTRA_ROWS;

/// Bytes that open every gc2pc session.
pub const MAGIC: [u8; 8] = *b"gc2pc\0hs";
/// The wire-protocol version; peers must match exactly. 2: table chunks of
/// 1024 AND gates (1: 2048). 3: scheduling windows of 2^15 gates (2: 2^16),
/// which reorders the AND gates and so their tweaks and tables. 4: with
/// reveal-both the evaluator also returns a hash of its output labels. 5: the
/// hello carries the [`TranscriptShape`] and IKNP runs the KOS check.
pub const VERSION: u16 = 6;
/// Bytes that open a refusal instead of a hello: a garbler that will not run
/// a session with this peer (a quota, a server shutting down) says why, in at
/// most [`MAX_REFUSAL_BYTES`] of UTF-8, and closes the connection.
pub const REFUSAL_MAGIC: [u8; 8] = *b"gc2pc\0no";
/// Longest refusal reason.
pub const MAX_REFUSAL_BYTES: usize = 1024;
/// Most input or output groups a hello may list.
pub const MAX_GROUPS: usize = 4096;
/// Largest encoded hello.
pub const MAX_HELLO_BYTES: usize =
    8 + 2 + 1 + 32 + 1 + 1 + 1 + 12 + 2 + MAX_GROUPS * 5 + 2 + MAX_GROUPS * 4;

/// The constants that shape the transcript: the scheduling window (it orders
/// the AND gates, so their tweaks and tables), the table chunk (the frame
/// sizes the evaluator expects) and the OTs the KOS check adds. Both hellos
/// carry them and a difference is named, so changing one needs no hand-bumped
/// [`VERSION`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TranscriptShape {
    /// [`crate::circuit::plan::WINDOW_GATES`].
    pub window_gates: u32,
    /// [`crate::garble::TABLE_CHUNK_GATES`].
    pub table_chunk_gates: u32,
    /// [`crate::ot::kos::EXTRA_ROWS`].
    pub kos_extra_rows: u32,
}

impl TranscriptShape {
    /// This build's constants.
    pub const CURRENT: TranscriptShape = TranscriptShape {
        window_gates: crate::circuit::plan::WINDOW_GATES as u32,
        table_chunk_gates: TABLE_CHUNK_GATES as u32,
        kos_extra_rows: EXTRA_ROWS as u32,
    };
}

/// Which side of the protocol a party plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Garbles the circuit and sends tables (the OT sender).
    Garbler,
    /// Evaluates the garbled circuit (the OT receiver).
    Evaluator,
}

impl Role {
    /// Lowercase name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Role::Garbler => "garbler",
            Role::Evaluator => "evaluator",
        }
    }
}

/// Who learns the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reveal {
    /// Only the evaluator (the default).
    #[default]
    Evaluator,
    /// The evaluator, who then sends it to the garbler too.
    Both,
}

/// Everything both parties must agree on before anything secret moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// Protocol version of the sender.
    pub version: u16,
    /// The sender's role.
    pub role: Role,
    /// [`circuit_digest`] of the sender's circuit.
    pub circuit_digest: [u8; 32],
    /// Hash construction used for garbling.
    pub hash_kind: HashKind,
    /// Garbling scheme.
    pub scheme: Scheme,
    /// Who learns the output.
    pub reveal: Reveal,
    /// The sender's transcript-shaping constants.
    pub shape: TranscriptShape,
    /// Width of each input group.
    pub input_widths: Vec<u32>,
    /// Owner of each input group.
    pub input_owners: Vec<Role>,
    /// Width of each output group.
    pub output_widths: Vec<u32>,
}

/// A hello that could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HelloError {
    /// The peer is not speaking gc2pc.
    #[error("the peer did not open with the gc2pc handshake (is it a gc2pc peer?)")]
    BadMagic,
    /// The peer refused to run a session with us, for the reason given.
    #[error("the peer refused the session: {0}")]
    Refused(String),
    /// The message ended early or carried trailing bytes or bad values.
    #[error("malformed handshake from the peer: {0}")]
    Malformed(&'static str),
}

/// The digest both parties compare: [`Circuit::digest`].
pub fn circuit_digest(circuit: &Circuit) -> [u8; 32] {
    circuit.digest()
}

/// The frame payload that refuses a session (see [`REFUSAL_MAGIC`]).
pub fn encode_refusal(reason: &str) -> Vec<u8> {
    let mut cut = reason.len().min(MAX_REFUSAL_BYTES);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    [&REFUSAL_MAGIC[..], &reason.as_bytes()[..cut]].concat()
}

impl Hello {
    /// Encodes the hello (at most [`MAX_HELLO_BYTES`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 5 * self.input_widths.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.push(self.role as u8);
        out.extend_from_slice(&self.circuit_digest);
        out.push(match self.hash_kind {
            HashKind::Mitccrh => 0,
            HashKind::Tccr => 1,
        });
        out.push(match self.scheme {
            Scheme::HalfGates => 0,
            Scheme::ThreeHalves => 1,
        });
        out.push(self.reveal as u8);
        for value in [
            self.shape.window_gates,
            self.shape.table_chunk_gates,
            self.shape.kos_extra_rows,
        ] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&(self.input_widths.len() as u16).to_le_bytes());
        for (width, owner) in self.input_widths.iter().zip(&self.input_owners) {
            out.extend_from_slice(&width.to_le_bytes());
            out.push(*owner as u8);
        }
        out.extend_from_slice(&(self.output_widths.len() as u16).to_le_bytes());
        for width in &self.output_widths {
            out.extend_from_slice(&width.to_le_bytes());
        }
        out
    }

    /// Decodes a peer's hello; never panics, whatever the bytes.
    pub fn decode(bytes: &[u8]) -> Result<Hello, HelloError> {
        let mut r = Reader(bytes);
        if let Some(reason) = bytes.strip_prefix(&REFUSAL_MAGIC[..]) {
            let reason = &reason[..reason.len().min(MAX_REFUSAL_BYTES)];
            let reason: String = String::from_utf8_lossy(reason)
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            return Err(HelloError::Refused(reason));
        }
        if r.take(8).ok() != Some(&MAGIC[..]) {
            return Err(HelloError::BadMagic);
        }
        let version = r.u16()?;
        let role = match r.u8()? {
            0 => Role::Garbler,
            1 => Role::Evaluator,
            _ => return Err(HelloError::Malformed("unknown role")),
        };
        let circuit_digest: [u8; 32] = r.take(32)?.try_into().expect("32 bytes");
        let hash_kind = match r.u8()? {
            0 => HashKind::Mitccrh,
            1 => HashKind::Tccr,
            _ => return Err(HelloError::Malformed("unknown hash kind")),
        };
        let scheme = match r.u8()? {
            0 => Scheme::HalfGates,
            1 => Scheme::ThreeHalves,
            _ => return Err(HelloError::Malformed("unknown garbling scheme")),
        };
        let reveal = match r.u8()? {
            0 => Reveal::Evaluator,
            1 => Reveal::Both,
            _ => return Err(HelloError::Malformed("unknown output mode")),
        };
        let shape = TranscriptShape {
            window_gates: r.u32()?,
            table_chunk_gates: r.u32()?,
            kos_extra_rows: r.u32()?,
        };
        let inputs = r.u16()? as usize;
        if inputs > MAX_GROUPS {
            return Err(HelloError::Malformed("too many input groups"));
        }
        let mut input_widths = Vec::with_capacity(inputs);
        let mut input_owners = Vec::with_capacity(inputs);
        for _ in 0..inputs {
            input_widths.push(r.u32()?);
            input_owners.push(match r.u8()? {
                0 => Role::Garbler,
                1 => Role::Evaluator,
                _ => return Err(HelloError::Malformed("unknown input owner")),
            });
        }
        let outputs = r.u16()? as usize;
        if outputs > MAX_GROUPS {
            return Err(HelloError::Malformed("too many output groups"));
        }
        let mut output_widths = Vec::with_capacity(outputs);
        for _ in 0..outputs {
            output_widths.push(r.u32()?);
        }
        if !r.0.is_empty() {
            return Err(HelloError::Malformed("trailing bytes"));
        }
        Ok(Hello {
            version,
            role,
            circuit_digest,
            hash_kind,
            scheme,
            reveal,
            shape,
            input_widths,
            input_owners,
            output_widths,
        })
    }

    /// Every way in which `peer`'s hello disagrees with ours (`self`), as
    /// sentences for the user; empty when the session may go ahead.
    pub fn differences(&self, peer: &Hello) -> Vec<String> {
        let (me, them) = (self.role.name(), peer.role.name());
        let mut out = Vec::new();
        if peer.version != self.version {
            out.push(format!(
                "protocol version: ours is {}, the peer's is {} (run the same gc2pc version on both sides)",
                self.version, peer.version
            ));
        }
        if peer.role == self.role {
            out.push(format!("roles: both parties are the {me}"));
        }
        if peer.shape != self.shape {
            out.push(format!(
                "transcript constants (scheduling window, table chunk, KOS rows): ours are {:?}, the peer's are {:?} (run the same gc2pc version on both sides)",
                self.shape, peer.shape
            ));
        }
        if peer.circuit_digest != self.circuit_digest {
            out.push(format!(
                "circuit: the {me}'s circuit has SHA-256 {}…, the {them}'s has {}… (the parties loaded different circuits)",
                hex(&self.circuit_digest[..8]),
                hex(&peer.circuit_digest[..8])
            ));
        }
        if peer.input_widths != self.input_widths {
            out.push(format!(
                "input widths: the {me} has {:?}, the {them} has {:?}",
                self.input_widths, peer.input_widths
            ));
        }
        if peer.output_widths != self.output_widths {
            out.push(format!(
                "output widths: the {me} has {:?}, the {them} has {:?}",
                self.output_widths, peer.output_widths
            ));
        }
        if peer.input_owners != self.input_owners {
            out.push(format!(
                "input owners: the {me} expects {}, the {them} expects {} (both must give the garbler the same groups)",
                owners(&self.input_owners),
                owners(&peer.input_owners)
            ));
        }
        if peer.reveal != self.reveal {
            out.push(format!(
                "output mode: the {me} reveals the output to {}, the {them} to {}",
                reveal_name(self.reveal),
                reveal_name(peer.reveal)
            ));
        }
        if peer.hash_kind != self.hash_kind {
            out.push(format!(
                "hash: the {me} uses {:?}, the {them} uses {:?}",
                self.hash_kind, peer.hash_kind
            ));
        }
        if peer.scheme != self.scheme {
            out.push(format!(
                "garbling scheme: the {me} uses {}, the {them} uses {} (both parties must use the same garbling scheme)",
                self.scheme, peer.scheme
            ));
        }
        out
    }
}

fn reveal_name(reveal: Reveal) -> &'static str {
    match reveal {
        Reveal::Evaluator => "the evaluator",
        Reveal::Both => "both parties",
    }
}

fn owners(owners: &[Role]) -> String {
    let list: Vec<String> = owners
        .iter()
        .enumerate()
        .map(|(g, r)| format!("group {g}: {}", r.name()))
        .collect();
    format!("[{}]", list.join(", "))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], HelloError> {
        if self.0.len() < n {
            return Err(HelloError::Malformed("message ends early"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, HelloError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, HelloError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> Result<u32, HelloError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::Gate;

    fn hello(role: Role) -> Hello {
        Hello {
            version: VERSION,
            role,
            circuit_digest: [7; 32],
            hash_kind: HashKind::default(),
            scheme: Scheme::default(),
            reveal: Reveal::Evaluator,
            shape: TranscriptShape::CURRENT,
            input_widths: vec![32, 32],
            input_owners: vec![Role::Garbler, Role::Evaluator],
            output_widths: vec![1],
        }
    }

    #[test]
    fn round_trip_and_agreement() {
        let g = hello(Role::Garbler);
        let bytes = g.encode();
        assert!(bytes.len() <= MAX_HELLO_BYTES);
        assert_eq!(Hello::decode(&bytes).unwrap(), g);
        assert!(g.differences(&hello(Role::Evaluator)).is_empty());
    }

    #[test]
    fn every_difference_is_named() {
        let g = hello(Role::Garbler);
        let mut e = hello(Role::Garbler);
        e.version = 9;
        e.circuit_digest = [8; 32];
        e.input_widths = vec![32, 33];
        e.output_widths = vec![2];
        e.input_owners = vec![Role::Evaluator, Role::Evaluator];
        e.reveal = Reveal::Both;
        e.hash_kind = match g.hash_kind {
            HashKind::Mitccrh => HashKind::Tccr,
            HashKind::Tccr => HashKind::Mitccrh,
        };
        e.scheme = Scheme::ThreeHalves;
        let diffs = g.differences(&e).join("\n");
        for word in [
            "version",
            "roles",
            "circuit",
            "input widths",
            "output widths",
            "owners",
            "output mode",
            "hash",
            "garbling scheme",
        ] {
            assert!(diffs.contains(word), "{word} missing from {diffs}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(Hello::decode(b""), Err(HelloError::BadMagic));
        assert_eq!(
            Hello::decode(b"HTTP/1.1 200 OK\r\n"),
            Err(HelloError::BadMagic)
        );
        let bytes = hello(Role::Garbler).encode();
        for cut in 0..bytes.len() {
            assert!(Hello::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Hello::decode(&long).is_err());
        let mut bad_role = bytes;
        bad_role[10] = 9;
        assert!(Hello::decode(&bad_role).is_err());
    }

    #[test]
    fn digest_depends_on_every_gate_field() {
        use crate::circuit::Format;
        let make =
            |gates| Circuit::new(3, vec![1, 1], vec![1], gates, Format::BristolFashion).unwrap();
        let and = make(vec![Gate::And { a: 0, b: 1, out: 2 }]);
        let xor = make(vec![Gate::Xor { a: 0, b: 1, out: 2 }]);
        let swapped = make(vec![Gate::And { a: 1, b: 0, out: 2 }]);
        let d = circuit_digest(&and);
        assert_eq!(
            d,
            circuit_digest(&and.clone().with_format(Format::Bristol).unwrap())
        );
        assert_ne!(d, circuit_digest(&xor));
        assert_ne!(d, circuit_digest(&swapped));
    }
}
