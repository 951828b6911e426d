//! Passwords of people who sign in to the pages: Argon2id hashes in PHC form (salt and
//! parameters inside the string), never the password itself.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{AppError, FieldError};

/// The shortest password accepted (NIST SP 800-63B asks at least 8; a medical record asks more).
pub const MIN_LENGTH: usize = 10;

/// What is wrong with a new password, as field errors at `pointer`; empty when it is acceptable.
pub fn problems(password: &str, email: &str, pointer: &str) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if password.chars().count() < MIN_LENGTH {
        problems.push(FieldError::new(pointer, "minLength", format!("パスワードは{MIN_LENGTH}文字以上にしてください")));
    }
    if password.chars().count() > 200 {
        problems.push(FieldError::new(pointer, "maxLength", "パスワードは200文字以内にしてください"));
    }
    let local = email.split('@').next().unwrap_or_default();
    if !local.is_empty() && password.to_lowercase().contains(&local.to_lowercase()) {
        problems.push(FieldError::new(pointer, "not_email", "パスワードにメールアドレスを含めないでください"));
    }
    problems
}

/// The PHC string of a new password (Argon2id, a fresh random salt).
pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Whether `password` is the one `stored` was made from. With no stored hash (an unknown
/// address, or a user without a password) a dummy hash is checked all the same, so that the
/// answer takes as long and tells nothing about which addresses exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let checked = match stored {
        Some(stored) => stored,
        None => DUMMY.get_or_init(|| hash("renkei-dummy-password").unwrap_or_default()),
    };
    let Ok(parsed) = PasswordHash::new(checked) else { return false };
    let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("とても長い合言葉です-2026").unwrap_or_else(|e| panic!("{e}"));
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("合言葉"));
        assert!(verify("とても長い合言葉です-2026", Some(&stored)));
        assert!(!verify("とても長い合言葉です-2027", Some(&stored)));
        assert!(!verify("anything", None));
    }

    #[test]
    fn short_passwords_and_the_address_itself_are_refused_in_japanese() {
        let short = problems("abc", "kango@example.jp", "/password");
        assert_eq!(short[0].message, "パスワードは10文字以上にしてください");
        let mine = problems("Kango-2026-long", "kango@example.jp", "/password");
        assert_eq!(mine[0].keyword, "not_email");
        assert!(problems("correct horse battery", "kango@example.jp", "/password").is_empty());
    }
}
