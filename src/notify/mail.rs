//! The words of each mail: `src/notify/templates/<topic>/{subject.txt, body.txt, body.html}`,
//! compiled into the binary and rendered with minijinja (HTML escaped, text not). The facts a
//! template may use are those of [`MailFacts`], which by construction hold no patient data.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use super::Topic;

/// Everything a mail may say. Nothing here identifies a client: no name, birth date, insurance
/// number or address; only facilities, the kind of document, dates of deadlines, and a link.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailFacts {
    /// The facility the mail goes to.
    pub recipient_facility: String,
    pub sender_facility: Option<String>,
    /// e.g. 退院連絡
    pub document_kind: Option<String>,
    pub revision: Option<i32>,
    /// The hospital of the stay, for reminders.
    pub hospital: Option<String>,
    /// e.g. 2026年11月25日（水）
    pub deadline: Option<String>,
    pub deadline_passed: bool,
    /// The handbook rule the deadline comes from, e.g. 退院5日前ルール
    pub rule: Option<String>,
    /// The facility a document went to, when the mail goes to its sender.
    pub counterpart: Option<String>,
    /// When the document was sent, e.g. 2026年11月20日（金）
    pub sent_on: Option<String>,
    pub link: String,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.txt",
    "layout.html",
    "document_sent/subject.txt",
    "document_sent/body.txt",
    "document_sent/body.html",
    "document_amended/subject.txt",
    "document_amended/body.txt",
    "document_amended/body.html",
    "admission_info_due/subject.txt",
    "admission_info_due/body.txt",
    "admission_info_due/body.html",
    "discharge_notice_due/subject.txt",
    "discharge_notice_due/body.txt",
    "discharge_notice_due/body.html",
    "acknowledgement_due/subject.txt",
    "acknowledgement_due/body.txt",
    "acknowledgement_due/body.html",
    "acknowledgement_overdue/subject.txt",
    "acknowledgement_overdue/body.txt",
    "acknowledgement_overdue/body.html",
];

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            // A template that does not parse fails the `every_topic_renders` test.
            if let Err(error) = env.add_template(name, source) {
                tracing::error!(template = name, %error, "mail template does not parse");
            }
        }
        env
    })
}

/// Renders the three parts of a topic's mail.
pub fn render(topic: Topic, facts: &MailFacts) -> Result<Rendered, minijinja::Error> {
    let env = environment();
    let part = |name: &str| env.get_template(&format!("{}/{name}", topic.as_str()))?.render(facts);
    let subject = part("subject.txt")?.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Rendered { subject, text: part("body.txt")?, html: part("body.html")? })
}

pub use crate::calendar::japanese_date;

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    fn facts() -> MailFacts {
        MailFacts {
            recipient_facility: "さくら居宅介護支援事業所 <本店>".into(),
            sender_facility: Some("連携病院".into()),
            document_kind: Some("退院連絡".into()),
            revision: Some(2),
            hospital: Some("連携病院".into()),
            deadline: Some(japanese_date(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default())),
            deadline_passed: false,
            rule: Some("退院5日前ルール".into()),
            counterpart: Some("さくら居宅".into()),
            sent_on: Some("2026年11月20日（金）".into()),
            link: "https://renkei.example.jp/documents/0193".into(),
        }
    }

    #[test]
    fn every_topic_renders_a_subject_text_and_html() {
        for topic in Topic::iter() {
            let mail = render(topic, &facts()).unwrap_or_else(|e| panic!("{topic:?}: {e:#}"));
            assert!(mail.subject.starts_with("【Renkei】"), "{topic:?}: {}", mail.subject);
            assert!(!mail.subject.contains('\n'));
            assert!(mail.text.contains("https://renkei.example.jp/documents/0193"), "{topic:?}");
            assert!(mail.html.contains("href=\"https://renkei.example.jp/documents/0193\""), "{topic:?}");
            // HTML is escaped, text is not.
            assert!(mail.html.contains("&lt;本店&gt;"), "{topic:?}: {}", mail.html);
            assert!(!mail.html.contains("<本店>"), "{topic:?}");
            assert!(mail.text.contains("<本店>"), "{topic:?}");
            // One word per thing: the pages say サインイン.
            assert!(mail.text.contains("サインイン") && !mail.text.contains("ログイン"), "{topic:?}");
            assert!(mail.html.contains("サインイン") && !mail.html.contains("ログイン"), "{topic:?}");
        }
    }

    #[test]
    fn dates_are_written_the_japanese_way() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        assert_eq!(japanese_date(day), "2026年11月25日（水）");
    }
}
