//! How a mail leaves: through lettre to `SMTP_URL`, or, with no SMTP server configured, as an
//! `.eml` file in `MAIL_DIR` (development).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::notify::store::ClaimedMail;
use crate::settings::Settings;

/// How long one SMTP conversation may take (well inside the lease).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        shown: String,
    },
    /// Development default: each mail becomes `<outbox id>.eml` in this folder.
    Folder(PathBuf),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(SMTP_TIMEOUT)).build();
                Ok(Self::Smtp { transport, shown: hide_password(url) })
            }
            None => {
                std::fs::create_dir_all(&settings.mail_dir).map_err(|e| {
                    anyhow::anyhow!("メールの保存先 {} を作れません (MAIL_DIR): {e}", settings.mail_dir.display())
                })?;
                Ok(Self::Folder(settings.mail_dir.clone()))
            }
        }
    }

    /// A line for the start-up message.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { shown, .. } => format!("メールは SMTP サーバー {shown} から送信します"),
            Self::Folder(dir) => format!(
                "SMTP_URL が未設定のため、メールは送信せず {} に .eml ファイルとして保存します（開発用）",
                dir.display()
            ),
        }
    }

    pub async fn send(&self, mail: &ClaimedMail, from: &Mailbox) -> Result<(), Refusal> {
        let message =
            build_message(mail, from).map_err(|e| Refusal::Permanent(format!("メールを組み立てられません: {e}")))?;
        match self {
            Self::Smtp { transport, .. } => transport.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    Refusal::Permanent(format!("SMTP サーバーが拒否しました: {e}"))
                } else {
                    Refusal::Transient(format!("SMTP サーバーに送れませんでした: {e}"))
                }
            }),
            Self::Folder(dir) => {
                let (dir, id, bytes) = (dir.clone(), mail.id.clone(), message.formatted());
                tokio::task::spawn_blocking(move || write_eml(&dir, &id, &bytes))
                    .await
                    .map_err(|e| Refusal::Transient(e.to_string()))?
                    .map_err(|e| Refusal::Transient(format!("ファイルに書けません: {e}")))
            }
        }
    }
}

pub enum Refusal {
    Permanent(String),
    Transient(String),
}

/// Writes the file under a temporary name first, so that a reader never sees half a mail.
fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{id}.eml.tmp"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(format!("{id}.eml")))
}

fn hide_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn build_message(mail: &ClaimedMail, from: &Mailbox) -> anyhow::Result<Message> {
    let created: std::time::SystemTime = mail.created_at.and_utc().into();
    let mut message = Message::builder()
        .from(from.clone())
        .to(mail.address.parse()?)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date(created)
        .multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone()))?;
    // RFC 3834: an automatic message, to which auto-responders should not answer.
    message
        .headers_mut()
        .insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_password_is_never_shown() {
        let shown = hide_password("smtps://renkei:s3cret@mail.example.jp:465");
        assert!(!shown.contains("s3cret") && shown.contains("mail.example.jp"), "{shown}");
    }
}
