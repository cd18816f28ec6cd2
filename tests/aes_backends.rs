//! Every available AES backend against FIPS-197 and against each other:
//! fixed-key batches of every length 0..=70 (all tail paths), multi-key
//! batches, and backend selection by name.

use gc2pc::Block;
use gc2pc::aes::{Aes128, AesError, Backend, MultiKeyAes};

mod common;

use common::Rng;

fn hex(s: &str) -> Block {
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    Block::from_bytes(bytes)
}

#[test]
fn portable_is_always_available_and_best_is_available() {
    let all = Backend::all_available();
    assert_eq!(all[0], Backend::Portable);
    assert!(all.contains(&Backend::best()));
    eprintln!(
        "available AES backends: {:?}; best: {}",
        all.iter().map(|b| b.name()).collect::<Vec<_>>(),
        Backend::best().name()
    );
    #[cfg(target_arch = "aarch64")]
    if std::env::var_os("GC2PC_EXPECT_ARMV8").is_some() {
        assert!(all.contains(&Backend::Armv8), "ARMv8 AES expected here");
    }
}

#[test]
fn fips197_vectors_on_every_backend() {
    let vectors = [
        // FIPS-197 Appendix C.1 (AES-128).
        (
            "000102030405060708090a0b0c0d0e0f",
            "00112233445566778899aabbccddeeff",
            "69c4e0d86a7b0430d8cdb78070b4c55a",
        ),
        // FIPS-197 Appendix B (cipher example).
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "3243f6a8885a308d313198a2e0370734",
            "3925841d02dc09fbdc118597196a0b32",
        ),
    ];
    for backend in Backend::all_available() {
        for (key, pt, ct) in vectors {
            let (key, pt, ct) = (hex(key), hex(pt), hex(ct));
            let aes = Aes128::with_backend(key, backend).unwrap();
            assert_eq!(aes.backend(), backend);
            assert_eq!(aes.encrypt_block(pt), ct, "{} single", backend.name());
            // The same vector in every position of a batch (every tail path).
            for len in [1, 2, 3, 7, 8, 9, 16, 17, 31] {
                let mut batch = vec![pt; len];
                aes.encrypt_blocks(&mut batch);
                assert!(
                    batch.iter().all(|&b| b == ct),
                    "{} batch {len}",
                    backend.name()
                );
            }
            // Multi-key with one key and one or two blocks.
            let mk = MultiKeyAes::new(backend).unwrap();
            let mut one = [pt];
            mk.encrypt(&[key], &mut one);
            assert_eq!(one[0], ct, "{} multi-key", backend.name());
            let mut two = [pt, pt];
            mk.encrypt(&[key], &mut two);
            assert_eq!(two, [ct, ct], "{} multi-key pair", backend.name());
        }
    }
}

#[test]
fn encrypt_blocks_agrees_across_backends_for_every_length() {
    let mut rng = Rng(1);
    for len in 0..=70 {
        let key = rng.block();
        let input = rng.blocks(len);
        let reference = Aes128::with_backend(key, Backend::Portable).unwrap();
        let expected: Vec<Block> = input.iter().map(|&b| reference.encrypt_block(b)).collect();
        if len > 0 {
            assert_ne!(expected, input);
        }
        for backend in Backend::all_available() {
            let aes = Aes128::with_backend(key, backend).unwrap();
            let mut got = input.clone();
            aes.encrypt_blocks(&mut got);
            assert_eq!(got, expected, "{} len {len}", backend.name());
        }
    }
}

#[test]
fn multi_key_agrees_with_single_key_on_every_backend() {
    let mut rng = Rng(2);
    for per_key in [1usize, 2, 3] {
        for keys_len in 0..=37 {
            let keys = rng.blocks(keys_len);
            let input = rng.blocks(keys_len * per_key);
            let expected: Vec<Block> = input
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    Aes128::with_backend(keys[i / per_key], Backend::Portable)
                        .unwrap()
                        .encrypt_block(b)
                })
                .collect();
            for backend in Backend::all_available() {
                let mut got = input.clone();
                MultiKeyAes::new(backend).unwrap().encrypt(&keys, &mut got);
                assert_eq!(
                    got,
                    expected,
                    "{} keys {keys_len} per key {per_key}",
                    backend.name()
                );
            }
        }
    }
}

#[test]
#[should_panic(expected = "multiple")]
fn multi_key_rejects_ragged_batches() {
    let mk = MultiKeyAes::new(Backend::Portable).unwrap();
    mk.encrypt(&[Block::ZERO, Block::ONES], &mut [Block::ZERO; 3]);
}

#[test]
fn backend_names_and_errors() {
    assert_eq!(Backend::from_name("portable"), Ok(Backend::Portable));
    assert_eq!(
        Backend::from_name("foo"),
        Err(AesError::UnknownBackend("foo".to_string()))
    );
    assert_eq!(
        Backend::from_name("AESNI"),
        Err(AesError::UnknownBackend("AESNI".to_string()))
    );
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(
            Backend::from_name("armv8"),
            Err(AesError::Unavailable("armv8"))
        );
        assert!(Aes128::with_backend(Block::ZERO, Backend::Armv8).is_err());
        assert!(MultiKeyAes::new(Backend::Armv8).is_err());
    }
    #[cfg(target_arch = "aarch64")]
    {
        assert_eq!(
            Backend::from_name("aesni"),
            Err(AesError::Unavailable("aesni"))
        );
        assert_eq!(
            Backend::from_name("vaes"),
            Err(AesError::Unavailable("vaes"))
        );
    }
    for backend in Backend::ALL {
        assert_eq!(
            Backend::from_name(backend.name()).is_ok(),
            backend.is_available()
        );
        assert_eq!(
            Backend::all_available().contains(&backend),
            backend.is_available()
        );
    }
}

/// Prints `Backend::detect()` for [`detect_reads_gc2pc_aes`], which runs it in a
/// child process with `GC2PC_AES` set (no `set_var` in this process).
#[test]
fn detect_child() {
    println!("DETECT={:?}", Backend::detect());
}

#[test]
fn detect_reads_gc2pc_aes() {
    // Under an emulator (scripts/test-aarch64.sh), GC2PC_TEST_RUNNER is the
    // command that runs this binary, e.g. "qemu-aarch64 -cpu max -L …".
    let runner = std::env::var("GC2PC_TEST_RUNNER").unwrap_or_default();
    let exe = std::env::current_exe().unwrap();
    let run = |value: &str| {
        let mut words = runner.split_whitespace();
        let mut cmd = match words.next() {
            Some(program) => {
                let mut cmd = std::process::Command::new(program);
                cmd.args(words).arg(&exe);
                cmd
            }
            None => std::process::Command::new(&exe),
        };
        let out = cmd
            .args(["--exact", "detect_child", "--nocapture", "--test-threads=1"])
            .env("GC2PC_AES", value)
            .output()
            .unwrap();
        assert!(out.status.success(), "child failed: {out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout
            .lines()
            .find_map(|l| l.split_once("DETECT=").map(|(_, v)| v.trim().to_string()))
            .expect("child printed DETECT=")
    };
    assert_eq!(
        run("portable"),
        format!("{:?}", Ok::<_, AesError>(Backend::Portable))
    );
    assert_eq!(
        run("bogus"),
        format!(
            "{:?}",
            Err::<Backend, _>(AesError::UnknownBackend("bogus".into()))
        )
    );
    assert_eq!(run(""), format!("{:?}", Ok::<_, AesError>(Backend::best())));
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        run("armv8"),
        format!("{:?}", Err::<Backend, _>(AesError::Unavailable("armv8")))
    );
}
