//! The store key: 256 random bits, or Argon2id over a passphrase; and the recovery key, which
//! is the same 256 bits written for people to keep on paper.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Shortest passphrase accepted when a store is created.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// The 256-bit key SQLCipher encrypts the store with. Zeroed on drop; `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct StoreKey([u8; 32]);

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(***)")
    }
}

/// Argon2id parameters, kept beside the store so the same key can be derived again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always `argon2id`.
    pub algorithm: String,
    /// Salt, hex.
    pub salt: String,
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// A key could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The operating system's random source failed.
    #[error("the system's random number source failed: {0}")]
    Random(String),
    /// The passphrase is shorter than [`MIN_PASSPHRASE_CHARS`].
    #[error("the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters")]
    PassphraseTooShort,
    /// Argon2 rejected its parameters (a damaged metadata file).
    #[error("the key-derivation parameters are invalid: {0}")]
    Kdf(String),
    /// The text is not a recovery key.
    #[error("not a recovery key: {0}. A recovery key has 52 letters and digits, in groups of four")]
    BadRecoveryKey(String),
}

impl StoreKey {
    /// 256 fresh random bits from the operating system.
    pub fn random() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    /// New Argon2id parameters with a fresh salt and the production cost
    /// (64 MiB, 3 passes, 1 lane).
    pub fn new_kdf_params() -> Result<KdfParams, KeyError> {
        let salt = Self::random()?;
        Ok(KdfParams {
            algorithm: "argon2id".to_owned(),
            salt: hex(&salt.0[..16]),
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        })
    }

    /// Derives the key from a passphrase with Argon2id.
    pub fn from_passphrase(passphrase: &str, params: &KdfParams) -> Result<Self, KeyError> {
        if params.algorithm != "argon2id" {
            return Err(KeyError::Kdf(format!(
                "unknown algorithm {}",
                params.algorithm
            )));
        }
        let salt = unhex(&params.salt).ok_or_else(|| KeyError::Kdf("salt is not hex".into()))?;
        let argon = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(
                params.memory_kib,
                params.iterations,
                params.parallelism,
                Some(32),
            )
            .map_err(|e| KeyError::Kdf(e.to_string()))?,
        );
        let mut key = [0u8; 32];
        argon
            .hash_password_into(passphrase.as_bytes(), &salt, &mut key)
            .map_err(|e| KeyError::Kdf(e.to_string()))?;
        Ok(Self(key))
    }

    /// The key as SQLCipher's raw-key literal `x'…'` (no further key derivation inside).
    pub(crate) fn sqlcipher_literal(&self) -> String {
        format!("x'{}'", hex(&self.0))
    }

    /// Hex, for the credential store.
    pub(crate) fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Reads the hex form kept in the credential store.
    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        let bytes = unhex(text.trim())?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The recovery key: the same 256 bits in Crockford base32, in groups of four
    /// (`ABCD-EFGH-…`, 13 groups). Whoever holds it can open the store.
    pub fn recovery_key(&self) -> RecoveryKey {
        RecoveryKey(encode_recovery(&self.0))
    }

    /// Reads a recovery key as a person typed it: case, spaces and dashes do not matter, and
    /// the look-alikes I/L (→ 1) and O (→ 0) are accepted.
    pub fn from_recovery_key(text: &str) -> Result<Self, KeyError> {
        decode_recovery(text).map(Self)
    }
}

/// The recovery key as shown once when a store is created.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey(String);

impl RecoveryKey {
    /// The text to show the user.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(***)")
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn encode_recovery(bytes: &[u8; 32]) -> String {
    let mut chars = Vec::with_capacity(52);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            chars.push(CROCKFORD[((buffer >> bits) & 31) as usize]);
        }
    }
    if bits > 0 {
        chars.push(CROCKFORD[((buffer << (5 - bits)) & 31) as usize]);
    }
    chars
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

fn decode_recovery(text: &str) -> Result<[u8; 32], KeyError> {
    let mut values = Vec::with_capacity(52);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let upper = match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        };
        let value = CROCKFORD
            .iter()
            .position(|x| char::from(*x) == upper)
            .ok_or_else(|| {
                KeyError::BadRecoveryKey(format!(
                    "'{c}' is not a letter or digit of the key alphabet"
                ))
            })?;
        values.push(value as u32);
    }
    if values.len() != 52 {
        return Err(KeyError::BadRecoveryKey(format!(
            "{} characters instead of 52",
            values.len()
        )));
    }
    let mut out = Vec::with_capacity(33);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for value in values {
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    // 52 × 5 = 260 bits: the last 4 bits are padding and must be zero.
    if buffer & ((1 << bits) - 1) != 0 {
        return Err(KeyError::BadRecoveryKey(
            "the last character is not possible".into(),
        ));
    }
    out.try_into()
        .map_err(|_| KeyError::BadRecoveryKey("wrong length".into()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap_params() -> KdfParams {
        KdfParams {
            memory_kib: 1024,
            iterations: 1,
            ..StoreKey::new_kdf_params().unwrap()
        }
    }

    #[test]
    fn recovery_key_round_trips_and_has_thirteen_groups_of_four() {
        let key = StoreKey::random().unwrap();
        let recovery = key.recovery_key();
        assert_eq!(recovery.expose().split('-').count(), 13);
        assert!(recovery.expose().split('-').all(|g| g.len() == 4));
        assert_eq!(StoreKey::from_recovery_key(recovery.expose()).unwrap(), key);
    }

    #[test]
    fn recovery_key_forgives_case_spaces_and_look_alike_letters() {
        let key = StoreKey([0u8; 32]);
        let typed = key
            .recovery_key()
            .expose()
            .to_lowercase()
            .replace('0', "o")
            .replace('-', " ");
        assert_eq!(StoreKey::from_recovery_key(&typed).unwrap(), key);
    }

    #[test]
    fn a_truncated_or_misspelt_recovery_key_is_refused_with_the_reason() {
        let text = StoreKey::random()
            .unwrap()
            .recovery_key()
            .expose()
            .to_owned();
        let short = StoreKey::from_recovery_key(&text[..text.len() - 1]).unwrap_err();
        assert!(
            short.to_string().contains("51 characters instead of 52"),
            "{short}"
        );
        let bad = StoreKey::from_recovery_key(&text.replacen(
            |c: char| c.is_ascii_alphanumeric(),
            "U",
            1,
        ))
        .unwrap_err();
        assert!(bad.to_string().contains("'U'"), "{bad}");
    }

    #[test]
    fn the_same_passphrase_and_salt_give_the_same_key_and_another_salt_another() {
        let params = cheap_params();
        let a = StoreKey::from_passphrase("correct horse battery", &params).unwrap();
        let b = StoreKey::from_passphrase("correct horse battery", &params).unwrap();
        assert_eq!(a, b);
        let other = StoreKey::from_passphrase("correct horse battery", &cheap_params()).unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let key = StoreKey::random().unwrap();
        assert_eq!(format!("{key:?}"), "StoreKey(***)");
        assert_eq!(format!("{:?}", key.recovery_key()), "RecoveryKey(***)");
    }

    #[test]
    fn hex_form_round_trips() {
        let key = StoreKey::random().unwrap();
        assert_eq!(StoreKey::from_hex(&key.to_hex()), Some(key));
        assert_eq!(StoreKey::from_hex("abc"), None);
    }
}
