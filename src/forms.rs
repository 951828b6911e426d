//! Forms: the kinds of document, their versioned JSON Schemas (compiled once into a
//! [`registry::SchemaRegistry`]), and validation whose every error names the field by JSON
//! pointer and says, in Japanese, what is wrong.

pub mod checks;
pub mod identity;
pub mod messages;
pub mod registry;
pub mod text;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of document that can be exchanged: one folder under `schemas/`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocumentKind {
    /// 入院連絡: hospital → care manager (or, without one, the 地域包括支援センター),
    /// on admission.
    AdmissionNotice,
    /// 入院時情報提供書: care manager → hospital, on admission.
    AdmissionInfo,
    /// 退院連絡: hospital → care manager, days before discharge.
    DischargeNotice,
    /// 退院前カンファレンス: hospital → care manager: proposed, its date fixed, and recorded once
    /// held, each stage a revision.
    DischargeConference,
    /// 退院前カンファレンスへの回答: care manager → hospital: 出席, 欠席 or 別日希望.
    ConferenceAnswer,
    /// 診療情報提供書(退院時): the hospital's doctor → care office, at discharge.
    DischargeReferral,
    /// 退院・退所情報記録書: the care manager's record of what the hospital told them, kept by the
    /// care office, shared with the hospital if the care manager chooses.
    DischargeRecord,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AdmissionInfo => "入院時情報提供書",
            Self::DischargeNotice => "退院連絡",
            Self::AdmissionNotice => "入院連絡",
            Self::DischargeConference => "退院前カンファレンス",
            Self::ConferenceAnswer => "退院前カンファレンスへの回答",
            Self::DischargeReferral => "診療情報提供書(退院時)",
            Self::DischargeRecord => "退院・退所情報記録書",
        }
    }
}
