//! Configuration from environment variables, each documented in docs/configuration.md. A bad
//! value stops start-up with a message that names the variable.

use std::net::SocketAddr;

use lettre::message::Mailbox;

use crate::db::DatabaseUrl;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://renkei.db";
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_MAIL_FROM: &str = "Renkei <renkei@localhost>";
pub const DEFAULT_MAIL_DIR: &str = "renkei-mail";

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind_addr: SocketAddr,
    /// The address users reach Renkei at, used in links in mails (no trailing slash).
    pub public_url: String,
    /// The SMTP server for notification mail: smtp:// (plain), smtp://…?tls=required (STARTTLS)
    /// or smtps:// (TLS). Unset: mail is written to `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_from: Mailbox,
    /// Where mail is written as `.eml` files when no SMTP server is configured.
    pub mail_dir: std::path::PathBuf,
    /// Attempts before a mail is given up as failed.
    pub mail_max_attempts: i32,
    /// The wait after a first failed attempt; it doubles with each further failure (at most 1 h).
    pub mail_retry_wait: std::time::Duration,
    /// Hours after which the recipient of an unacknowledged document is reminded.
    pub ack_reminder_hours: u32,
    /// Hours after which its sender is told it is still unacknowledged.
    pub ack_escalation_hours: u32,
    /// Requests a minute per API token (per address without one); a tenth may come at once.
    pub rate_limit_per_minute: u32,
    /// Failed sign-ins from one address within 15 minutes before it is locked out.
    pub lockout_after_failed_sign_ins: u32,
    /// The handbook rule set in force (`schemas/handbook/rules/`), e.g. `default` or `paper-survey.v1`.
    pub handbook_rules: String,
    /// How long a sign-in to the pages lasts, in hours.
    pub session_hours: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("設定エラー: 環境変数 {variable} の値が正しくありません: {reason}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub reason: String,
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// Reads each variable through `lookup`; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Result<String, std::env::VarError>) -> Result<Self, SettingsError> {
        let get = |variable: &'static str| -> Result<Option<String>, SettingsError> {
            match lookup(variable) {
                Ok(value) if value.trim().is_empty() => Ok(None),
                Ok(value) => Ok(Some(value.trim().to_owned())),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(SettingsError { variable, reason: "UTF-8 の文字列ではありません".into() })
                }
            }
        };
        let fail = |variable: &'static str, reason: String| SettingsError { variable, reason };

        let database_url = get("DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let database_url = DatabaseUrl::parse(&database_url).map_err(|r| fail("DATABASE_URL", r))?;

        let bind_raw = get("BIND_ADDR")?.unwrap_or_else(|| DEFAULT_BIND_ADDR.into());
        let bind_addr: SocketAddr = bind_raw.parse().map_err(|_| {
            fail("BIND_ADDR", format!("\"{bind_raw}\" は「IPアドレス:ポート」の形ではありません (例: 127.0.0.1:8080)"))
        })?;

        let public_url = match get("PUBLIC_URL")? {
            Some(raw) => parse_public_url(&raw).map_err(|r| fail("PUBLIC_URL", r))?,
            None => format!("http://{bind_addr}"),
        };

        let smtp_url = get("SMTP_URL")?;
        if let Some(raw) = &smtp_url {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(raw).map_err(|e| {
                fail(
                    "SMTP_URL",
                    format!("smtp://、smtp://…?tls=required (STARTTLS) または smtps:// の URL ではありません ({e})"),
                )
            })?;
        }

        let mail_from_raw = get("MAIL_FROM")?.unwrap_or_else(|| DEFAULT_MAIL_FROM.into());
        let mail_from: Mailbox = mail_from_raw.parse().map_err(|_| {
            fail(
                "MAIL_FROM",
                format!("\"{mail_from_raw}\" はメールアドレスではありません (例: Renkei <renkei@example.jp>)"),
            )
        })?;

        let handbook_rules = get("HANDBOOK_RULES")?.unwrap_or_else(|| crate::survey::rules::DEFAULT.into());
        if !crate::survey::rules::is_known(&handbook_rules) {
            let known = crate::survey::rules::names();
            return Err(fail(
                "HANDBOOK_RULES",
                format!("\"{handbook_rules}\" というルールはありません（{}）", known.join(", ")),
            ));
        }

        let mail_dir = get("MAIL_DIR")?.unwrap_or_else(|| DEFAULT_MAIL_DIR.into()).into();
        let number =
            |variable: &'static str, default: u32, min: u32, max: u32| -> Result<u32, SettingsError> {
                match get(variable)? {
                    None => Ok(default),
                    Some(raw) => raw.parse::<u32>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
                        fail(variable, format!("\"{raw}\" は {min} から {max} までの整数ではありません"))
                    }),
                }
            };
        let mail_max_attempts = i32::try_from(number("MAIL_MAX_ATTEMPTS", 12, 1, 100)?).unwrap_or(12);
        let mail_retry_wait = std::time::Duration::from_secs(u64::from(number("MAIL_RETRY_SECONDS", 30, 1, 3600)?));
        let ack_reminder_hours = number("ACK_REMINDER_HOURS", 24, 1, 24 * 30)?;
        let ack_escalation_hours = number("ACK_ESCALATION_HOURS", 72, 1, 24 * 60)?;
        let rate_limit_per_minute = number("RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000)?;
        let lockout_after_failed_sign_ins = number("LOCKOUT_AFTER_FAILED_SIGN_INS", 10, 1, 1_000_000)?;
        let session_hours = number("SESSION_HOURS", 12, 1, 24 * 30)?;
        if ack_escalation_hours < ack_reminder_hours {
            return Err(fail(
                "ACK_ESCALATION_HOURS",
                format!(
                    "送付元への報告 ({ack_escalation_hours} 時間) は受け手への督促 (ACK_REMINDER_HOURS={ack_reminder_hours}) より後にしてください"
                ),
            ));
        }

        Ok(Self {
            database_url,
            bind_addr,
            public_url,
            smtp_url,
            mail_from,
            mail_dir,
            mail_max_attempts,
            mail_retry_wait,
            ack_reminder_hours,
            ack_escalation_hours,
            rate_limit_per_minute,
            lockout_after_failed_sign_ins,
            handbook_rules,
            session_hours,
        })
    }
}

fn parse_public_url(raw: &str) -> Result<String, String> {
    let parsed =
        url::Url::parse(raw).map_err(|_| format!("\"{raw}\" は URL ではありません (例: https://renkei.example.jp)"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!("\"{raw}\" は http:// または https:// で始まる URL ではありません"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::env::VarError;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| {
            pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned()).ok_or(VarError::NotPresent)
        })
    }

    #[test]
    fn defaults_run_on_a_laptop() {
        let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.database_url, DatabaseUrl::Sqlite { path: "renkei.db".into() });
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.smtp_url, None);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (variable, value) in [
            ("DATABASE_URL", "mysql://localhost/renkei"),
            ("BIND_ADDR", "localhost"),
            ("PUBLIC_URL", "renkei.example.jp"),
            ("SMTP_URL", "http://mail.example.jp"),
            ("MAIL_FROM", "not an address"),
            ("HANDBOOK_RULES", "atlantis"),
            ("MAIL_MAX_ATTEMPTS", "0"),
            ("MAIL_RETRY_SECONDS", "soon"),
            ("ACK_REMINDER_HOURS", "-1"),
            ("RATE_LIMIT_PER_MINUTE", "0"),
            ("SESSION_HOURS", "0"),
        ] {
            let error = settings(&[(variable, value)]).err().unwrap_or_else(|| panic!("{variable}={value} accepted"));
            assert_eq!(error.variable, variable);
            assert!(error.to_string().contains(variable));
        }
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let s = settings(&[("PUBLIC_URL", "https://renkei.example.jp/")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.public_url, "https://renkei.example.jp");
    }
}
