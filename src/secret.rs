//! Generation of database passwords.

use anyhow::{Result, anyhow};

/// Length of generated passwords: 32 characters of 62 symbols is about 190
/// bits of entropy.
pub const PASSWORD_LEN: usize = 32;

/// Alphanumeric only, so the password is safe in URLs, shells and env files
/// without quoting.
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Bytes at or above this are discarded: 248 = 4 * 62 is the largest multiple
/// of 62 that fits in a byte, so `byte % 62` is uniform below it.
const REJECT_AT: u8 = 248;

/// A new random password of [`PASSWORD_LEN`] characters from `[A-Za-z0-9]`,
/// drawn without bias from the operating system's secure random generator.
pub fn generate_password() -> Result<String> {
    password_from(|buf| {
        getrandom::fill(buf).map_err(|e| anyhow!("cannot read the OS random number generator: {e}"))
    })
}

/// The sampling logic, separated from the randomness source so it can be
/// tested with fixed bytes.
fn password_from(mut fill: impl FnMut(&mut [u8]) -> Result<()>) -> Result<String> {
    let mut out = String::with_capacity(PASSWORD_LEN);
    // Over-draw so one fill is almost always enough (about 3% of bytes are rejected).
    let mut buf = [0u8; 2 * PASSWORD_LEN];
    while out.len() < PASSWORD_LEN {
        fill(&mut buf)?;
        for &b in &buf {
            if out.len() == PASSWORD_LEN {
                break;
            }
            if b < REJECT_AT {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn length_and_charset() {
        for _ in 0..100 {
            let p = generate_password().unwrap();
            assert_eq!(p.len(), PASSWORD_LEN);
            assert!(p.bytes().all(|b| b.is_ascii_alphanumeric()), "{p}");
        }
    }

    #[test]
    fn passwords_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
        let many: HashSet<String> = (0..1000).map(|_| generate_password().unwrap()).collect();
        assert_eq!(many.len(), 1000);
    }

    #[test]
    fn alphabet_is_the_62_alphanumerics() {
        let set: HashSet<u8> = ALPHABET.iter().copied().collect();
        assert_eq!(set.len(), 62);
        assert!(ALPHABET.iter().all(u8::is_ascii_alphanumeric));
        assert_eq!(usize::from(REJECT_AT), ALPHABET.len() * 4);
    }

    #[test]
    fn distribution_is_roughly_uniform() {
        // 10,000 passwords = 320,000 characters, about 5161 per symbol (standard
        // deviation ~71). A fair generator stays inside ±10% (~7 deviations);
        // plain `byte % 62` would give 'A'..='H' about 21% too many.
        let mut counts: HashMap<char, usize> = HashMap::new();
        for _ in 0..10_000 {
            for c in generate_password().unwrap().chars() {
                *counts.entry(c).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), 62, "every symbol should appear");
        let expected = 10_000.0 * PASSWORD_LEN as f64 / 62.0;
        for (c, n) in counts {
            let n = n as f64;
            assert!(
                (n - expected).abs() < expected * 0.10,
                "{c} appeared {n} times, expected about {expected}"
            );
        }
    }

    #[test]
    fn rejects_high_bytes() {
        // First fill is all rejectable; the second supplies the characters.
        let mut calls = 0;
        let p = password_from(|buf| {
            calls += 1;
            let byte = if calls == 1 { 255 } else { 0 };
            buf.fill(byte);
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert_eq!(p, "A".repeat(PASSWORD_LEN));
    }

    #[test]
    fn maps_bytes_modulo_62() {
        let p = password_from(|buf| {
            for (i, b) in buf.iter_mut().enumerate() {
                // 247 is the last accepted byte; 248 must be skipped.
                *b = [61, 62, 247, 248][i % 4];
            }
            Ok(())
        })
        .unwrap();
        // 61 -> '9', 62 -> 'A', 247 = 3*62 + 61 -> '9'.
        assert_eq!(&p[..6], "9A99A9");
        assert_eq!(p.len(), PASSWORD_LEN);
    }

    #[test]
    fn propagates_rng_errors() {
        let err = password_from(|_| Err(anyhow!("no entropy"))).unwrap_err();
        assert_eq!(err.to_string(), "no entropy");
    }
}
