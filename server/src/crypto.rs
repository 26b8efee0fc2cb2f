//! Tokens, identifiers and password hashing.
//!
//! Tokens are 32 bytes from a CSPRNG (rand's thread generator, seeded by the OS), base64url without padding (43 characters);
//! only their SHA-256 is stored. Passwords are hashed with argon2id at OWASP's minimum
//! (m = 19456 KiB, t = 2, p = 1).

use crate::error::ServerError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Length of a token in characters: 32 bytes in unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// A fresh random token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// True when `token` has the exact shape of one of ours; anything else is never looked up.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Fewest distinct characters an admin token may have: a random one of 43 has about 30;
/// a long run of one character, or a short word repeated, has a handful.
const ADMIN_TOKEN_MIN_DISTINCT: usize = 16;

/// Checks that `token` is strong enough to guard the admin API: at least 43 base64url
/// characters (32 random bytes, as [`new_token`] makes), not a repeated pattern. The
/// server (at start) and the admin command line (before sending) accept the same ones.
pub fn check_admin_token(token: &str) -> Result<(), String> {
    const HOW: &str = "generate one with `portal-server new-admin-token`";
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "the admin token may hold only letters, digits, '-' and '_' (base64url), with no \
             spaces; {HOW}"
        ));
    }
    if token.len() < TOKEN_LEN {
        return Err(format!(
            "the admin token is {} characters; it needs at least {TOKEN_LEN} (32 random \
             bytes): {HOW}",
            token.len()
        ));
    }
    let distinct: std::collections::BTreeSet<u8> = token.bytes().collect();
    if distinct.len() < ADMIN_TOKEN_MIN_DISTINCT {
        return Err(format!(
            "the admin token repeats a few characters and is easy to guess; {HOW}"
        ));
    }
    Ok(())
}

/// Hex SHA-256 of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A new opaque identifier such as `pat_5f1c...`.
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let mut out = String::with_capacity(prefix.len() + 25);
    out.push_str(prefix);
    out.push('_');
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn argon2() -> Result<Argon2<'static>, ServerError> {
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| ServerError::internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string. CPU-heavy: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, ServerError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| ServerError::internal(format!("argon2 salt: {e}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServerError::internal(format!("argon2 hashing: {e}")))
}

/// Checks a password against a stored PHC string. CPU-heavy: call from a blocking thread.
pub fn verify_password(password: &str, phc: &str) -> Result<bool, ServerError> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| ServerError::internal(format!("stored hash: {e}")))?;
    Ok(argon2()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_tokens_must_be_long_random_base64url() {
        assert_eq!(check_admin_token(&new_token()), Ok(()));
        for weak in [
            "admin",
            "a long random secret",
            "test-admin-token",
            &"ab".repeat(30),
            &format!("{}!", new_token()),
        ] {
            assert!(check_admin_token(weak).is_err(), "{weak} was accepted");
        }
        assert!(
            check_admin_token("a long random secret")
                .unwrap_err()
                .contains("spaces")
        );
        assert!(
            check_admin_token("admin")
                .unwrap_err()
                .contains("new-admin-token")
        );
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_unique() {
        let a = new_token();
        let b = new_token();
        assert!(is_token_shaped(&a));
        assert_ne!(a, b);
        assert!(!is_token_shaped(&a[1..]));
        assert!(!is_token_shaped(&format!("{}=", &a[1..])));
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn password_hashes_are_argon2id_with_owasp_parameters() {
        let phc = hash_password("river otter paints blue").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("river otter paints blue", &phc).unwrap());
        assert!(!verify_password("river otter paints red", &phc).unwrap());
    }
}
