//! Branch passwords at rest: sealed (ChaCha20-Poly1305) with the store's
//! key before they go into a `stagdb:password` property, so `zfs get`
//! (open to every local user on OpenZFS, through /dev/zfs) shows only
//! ciphertext. The key is 32 random bytes in a root-only file inside the
//! store's 0700 mountpoint: it travels with the store (a `zfs send` of the
//! root carries it) and no one who cannot enter that directory reads it.

use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

/// The key file, in the store root dataset's mountpoint.
pub(crate) const KEY_FILE: &str = ".stagdb-key";
/// Prefix of a sealed value; a bare 32-character value is a store's from
/// before sealing (read as it is, and sealed on the store's next use).
const SEALED_PREFIX: &str = "enc1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Binds a sealed value to its use: the same key never opens it as
/// anything else.
const AAD: &[u8] = b"stagdb:password v1";

/// A store's key.
pub(crate) struct Key {
    cipher: ChaCha20Poly1305,
}

/// Whether a property value is a sealed password (the shape only).
pub(crate) fn is_sealed(v: &str) -> bool {
    v.strip_prefix(SEALED_PREFIX).is_some_and(|h| {
        h.len() == 2 * (NONCE_LEN + crate::secret::PASSWORD_LEN + TAG_LEN)
            && h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

pub(crate) fn key_path(store_mountpoint: &Path) -> PathBuf {
    store_mountpoint.join(KEY_FILE)
}

impl Key {
    /// The store's key, made now if it has none. Two commands making it at
    /// once both end up with the one that was linked first.
    pub(crate) fn load_or_create(store_mountpoint: &Path) -> Result<Key> {
        let path = key_path(store_mountpoint);
        match Key::load(&path) {
            Ok(k) => return Ok(k),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random bytes for a key: {e}"))?;
        let tmp = store_mountpoint.join(format!(
            "{KEY_FILE}.tmp-{}-{}",
            std::process::id(),
            crate::ui::now()
        ));
        let written = (|| -> Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            Ok(())
        })();
        let linked = written.and_then(|()| {
            // link(2) never replaces: a key made meanwhile by another
            // command wins, and this one reads it.
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => {
                    Err(anyhow::Error::new(e).context(format!("creating {}", path.display())))
                }
            }
        });
        let _ = std::fs::remove_file(&tmp);
        linked?;
        Key::load(&path)
    }

    /// The key in `path`, refused unless it is a regular file of 32 bytes
    /// that only its owner can read.
    pub(crate) fn load(path: &Path) -> Result<Key> {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .with_context(|| format!("reading the store's key {}", path.display()))?;
        let meta = f.metadata()?;
        if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
            bail!(
                "the store's key {} is not a private file (mode {:o}); refusing to use it",
                path.display(),
                meta.permissions().mode() & 0o7777
            );
        }
        let mut bytes = Vec::with_capacity(33);
        Read::by_ref(&mut f).take(33).read_to_end(&mut bytes)?;
        if bytes.len() != 32 {
            bail!(
                "the store's key {} is damaged (not 32 bytes)",
                path.display()
            );
        }
        let cipher = ChaCha20Poly1305::new_from_slice(&bytes)
            .map_err(|_| anyhow!("the store's key {} is damaged", path.display()))?;
        Ok(Key { cipher })
    }

    /// `enc1:` + hex(nonce, ciphertext and tag).
    pub(crate) fn seal(&self, password: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| anyhow!("no random bytes for a nonce: {e}"))?;
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: password.as_bytes(),
                    aad: AAD,
                },
            )
            .map_err(|_| anyhow!("sealing a password failed"))?;
        let mut out = String::with_capacity(SEALED_PREFIX.len() + 2 * (NONCE_LEN + ct.len()));
        out.push_str(SEALED_PREFIX);
        for b in nonce.iter().chain(ct.iter()) {
            out.push_str(&format!("{b:02x}"));
        }
        Ok(out)
    }

    /// The password in a sealed value; an error if it was sealed with
    /// another key or changed since.
    pub(crate) fn open(&self, sealed: &str) -> Result<String> {
        let hex = sealed
            .strip_prefix(SEALED_PREFIX)
            .filter(|_| is_sealed(sealed))
            .ok_or_else(|| anyhow!("not a sealed password"))?;
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<Result<_, _>>()
            .map_err(|_| anyhow!("not a sealed password"))?;
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let pt = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: AAD })
            .map_err(|_| {
                anyhow!("it was sealed with another key than the store's, or changed since")
            })?;
        String::from_utf8(pt)
            .ok()
            .filter(|p| crate::store::valid_password(p))
            .ok_or_else(|| anyhow!("it holds no valid password"))
    }
}

fn is_not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("stagdb-vault-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn seals_and_opens_and_refuses_tampering() {
        let d = tmpdir("roundtrip");
        let k = Key::load_or_create(&d).unwrap();
        let pw = crate::secret::generate_password().unwrap();
        let s = k.seal(&pw).unwrap();
        assert!(is_sealed(&s), "{s}");
        assert!(!s.contains(&pw));
        assert_eq!(k.open(&s).unwrap(), pw);
        // A fresh nonce each time.
        assert_ne!(k.seal(&pw).unwrap(), s);
        // One flipped hex digit anywhere: refused.
        for i in [SEALED_PREFIX.len(), s.len() / 2, s.len() - 1] {
            let mut t = s.clone().into_bytes();
            t[i] = if t[i] == b'0' { b'1' } else { b'0' };
            assert!(k.open(&String::from_utf8(t).unwrap()).is_err());
        }
        // The same key file is read back; another store's key opens nothing.
        let again = Key::load_or_create(&d).unwrap();
        assert_eq!(again.open(&s).unwrap(), pw);
        let other = Key::load_or_create(&tmpdir("other")).unwrap();
        assert!(other.open(&s).is_err());
        let mode = std::fs::metadata(key_path(&d))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Nothing but the key is left in the directory.
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(KEY_FILE)]);
    }

    #[test]
    fn refuses_a_readable_or_damaged_key() {
        let d = tmpdir("bad");
        Key::load_or_create(&d).unwrap();
        let p = key_path(&d);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Key::load(&p).is_err());
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&p, b"short").unwrap();
        assert!(Key::load(&p).is_err());
        assert!(!is_sealed("enc1:zz"));
        assert!(!is_sealed(&"a".repeat(32)));
    }
}
