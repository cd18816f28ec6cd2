//! Every available AES backend against FIPS-197 and against each other:
//! fixed-key batches of every length 0..=70 (all tail paths), multi-key
//! batches, and backend selection by name.

use gc2pc::Block;
use gc2pc::aes::{Aes128, Backend, Engine, MultiKeyAes};
use gc2pc::cpu::CpuError;

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
    let all = Engine::all();
    assert_eq!(all[0].get(), Backend::Portable);
    assert_eq!(Engine::baseline().get(), Backend::Portable);
    assert!(all.contains(&Engine::best()));
    eprintln!(
        "available AES backends: {:?}; best: {}",
        all.iter().map(|b| b.name()).collect::<Vec<_>>(),
        Engine::best()
    );
    #[cfg(target_arch = "aarch64")]
    if std::env::var_os("GC2PC_EXPECT_ARMV8").is_some() {
        assert_eq!(
            Engine::best().get(),
            Backend::Armv8,
            "ARMv8 AES expected here"
        );
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
    for backend in Engine::all() {
        for (key, pt, ct) in vectors {
            let (key, pt, ct) = (hex(key), hex(pt), hex(ct));
            let aes = Aes128::with_engine(key, backend);
            assert_eq!(aes.engine(), backend);
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
            let mk = MultiKeyAes::new(backend);
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
        let reference = Aes128::with_engine(key, Engine::baseline());
        let expected: Vec<Block> = input.iter().map(|&b| reference.encrypt_block(b)).collect();
        if len > 0 {
            assert_ne!(expected, input);
        }
        for backend in Engine::all() {
            let aes = Aes128::with_engine(key, backend);
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
                    Aes128::with_engine(keys[i / per_key], Engine::baseline()).encrypt_block(b)
                })
                .collect();
            for backend in Engine::all() {
                let mut got = input.clone();
                MultiKeyAes::new(backend).encrypt(&keys, &mut got);
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
    let mk = MultiKeyAes::new(Engine::baseline());
    mk.encrypt(&[Block::ZERO, Block::ONES], &mut [Block::ZERO; 3]);
}

#[test]
fn backend_names_and_errors() {
    assert_eq!(
        Engine::from_name("portable").map(Engine::get),
        Ok(Backend::Portable)
    );
    let unknown = |name: &str| CpuError::Unknown {
        family: "AES",
        name: name.to_string(),
        known: "portable, aesni, vaes, vaes512, armv8".to_string(),
    };
    assert_eq!(Engine::from_name("foo"), Err(unknown("foo")));
    assert_eq!(Engine::from_name("AESNI"), Err(unknown("AESNI")));
    let unavailable = |name: &'static str| CpuError::Unavailable {
        family: "AES",
        name,
    };
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(Engine::from_name("armv8"), Err(unavailable("armv8")));
        assert_eq!(Engine::new(Backend::Armv8), Err(unavailable("armv8")));
        assert_eq!(
            unavailable("armv8").to_string(),
            "the AES backend armv8 is not available on this CPU"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        assert_eq!(Engine::from_name("aesni"), Err(unavailable("aesni")));
        assert_eq!(Engine::from_name("vaes"), Err(unavailable("vaes")));
        assert_eq!(Engine::from_name("vaes512"), Err(unavailable("vaes512")));
    }
    // VAES on 512 bits needs VAES on 256 and AVX-512F.
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        Backend::Vaes512.is_available(),
        Backend::Vaes.is_available() && std::arch::is_x86_feature_detected!("avx512f")
    );
    for &backend in &[
        Backend::Portable,
        Backend::AesNi,
        Backend::Vaes,
        Backend::Vaes512,
        Backend::Armv8,
    ] {
        assert_eq!(
            Engine::from_name(backend.name()).is_ok(),
            backend.is_available()
        );
        assert_eq!(
            Engine::all().iter().any(|e| e.get() == backend),
            backend.is_available()
        );
    }
}
