//! How a contact was made (電話, FAX, 訪問, … or through Renkei), with the Japanese names the
//! pages, the exports and the survey use, and the order that decides which of several first
//! contacts of one day counts for the survey's channels. Contacts, documents and the survey
//! all speak of methods; this module depends on none of them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Method {
    /// Through a document in Renkei (set by Renkei itself, never recorded by hand).
    System,
    Fax,
    Phone,
    Visit,
    Mail,
    Video,
    Conference,
}

impl Method {
    /// The methods of a contact made outside Renkei, in the order a form offers them.
    pub const RECORDABLE: [Self; 6] = [Self::Phone, Self::Fax, Self::Visit, Self::Video, Self::Conference, Self::Mail];

    /// When several first contacts of a stay fall on one day, the method that counts for the
    /// survey's channels is the first of these: through Renkei, then the ways that meet the
    /// person, then the rest (DOMAIN.md, "Survey figures beyond rates").
    pub const FIRST_CONTACT_ORDER: [Self; 7] =
        [Self::System, Self::Visit, Self::Conference, Self::Video, Self::Phone, Self::Fax, Self::Mail];

    /// The method's place in `FIRST_CONTACT_ORDER`, as a stay's contact summary keeps it.
    pub fn rank(self) -> i32 {
        Self::FIRST_CONTACT_ORDER
            .iter()
            .position(|m| *m == self)
            .and_then(|p| i32::try_from(p).ok())
            .unwrap_or(i32::MAX)
    }

    /// The method at a place in `FIRST_CONTACT_ORDER`.
    pub fn of_rank(rank: i32) -> Option<Self> {
        usize::try_from(rank).ok().and_then(|r| Self::FIRST_CONTACT_ORDER.get(r)).copied()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "システム",
            Self::Fax => "FAX",
            Self::Phone => "電話",
            Self::Visit => "訪問",
            Self::Mail => "郵送・メール",
            Self::Video => "ビデオ通話",
            Self::Conference => "会議",
        }
    }
}
