//! Clients (利用者): the people a care office looks after. A facility sees a client when it is
//! the client's care office or takes part in one of the client's hospital stays.

pub mod care_levels;
pub mod correction;
pub mod store;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role, UserRef};
use crate::error::{AppError, FieldError};

/// 要介護度 as recorded: the form's own words.
pub const CARE_LEVELS: [&str; 10] =
    ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中", "区分変更", "未申請"];

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// As the forms write it: 男, 女.
    pub fn label(self) -> &'static str {
        match self {
            Self::Male => "男",
            Self::Female => "女",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// 介護保険被保険者番号 (10 digits).
    pub insurance_number: Option<String>,
    /// 要介護度, e.g. 要介護2.
    pub care_level: Option<String>,
    pub care_office: Option<FacilityRef>,
    pub care_manager: Option<UserRef>,
    /// The municipality the client is insured by (its code), whose handbook judges their stays.
    pub municipality: Option<String>,
}

impl Client {
    /// Who the client is, as the forms' checks read it.
    pub fn recorded(&self) -> crate::forms::identity::Recorded<'_> {
        crate::forms::identity::Recorded {
            name: &self.name,
            name_kana: &self.name_kana,
            birth_date: self.birth_date,
            sex: self.sex.label(),
        }
    }
}

/// Who a client is, as the record has it: what every sheet about them must agree with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

impl Identity {
    /// As the forms' checks read it.
    pub fn recorded(&self) -> crate::forms::identity::Recorded<'_> {
        crate::forms::identity::Recorded {
            name: &self.name,
            name_kana: &self.name_kana,
            birth_date: self.birth_date,
            sex: self.sex.label(),
        }
    }
}

/// The person as a form or a registration describes them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// 氏名
    pub name: String,
    /// フリガナ (katakana)
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// 介護保険被保険者番号: 10 digits.
    #[serde(default)]
    pub insurance_number: Option<String>,
    /// One of 要支援1–2, 要介護1–5, 申請中, 区分変更, 未申請.
    #[serde(default)]
    pub care_level: Option<String>,
    /// The care manager in charge (a user of the care office); default: the user registering.
    #[serde(default)]
    pub care_manager_id: Option<Uuid>,
    /// The municipality the client is insured by (its code, `renkei import municipalities`), whose
    /// handbook judges their stays; default: where the care office is.
    #[serde(default)]
    pub municipality: Option<String>,
}

impl NewClient {
    /// Every problem with the person's details, pointers under `base`.
    pub fn problems(&self, base: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push = |field: &str, keyword: &str, message: String| {
            errors.push(FieldError::new(format!("{base}/{field}"), keyword, message))
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            push("name", "required", "「氏名」を100文字以内で入力してください".into());
        } else if crate::forms::text::has_control(&self.name) {
            push("name", "no_control", "「氏名」に改行やタブなどの制御文字は使えません".into());
        }
        let kana_ok = !self.name_kana.trim().is_empty()
            && self.name_kana.chars().all(|c| matches!(c, 'ァ'..='ヶ' | 'ー' | '・' | ' ' | '　'));
        if !kana_ok {
            push("name_kana", "pattern", "「フリガナ」はカタカナで入力してください".into());
        }
        let today = calendar::today();
        if self.birth_date > today {
            push("birth_date", "not_in_future", format!("「生年月日」{} は未来の日付です", self.birth_date));
        }
        if let Some(number) = &self.insurance_number
            && (number.len() != 10 || !number.chars().all(|c| c.is_ascii_digit()))
        {
            push("insurance_number", "pattern", "「被保険者番号」は10桁の数字で入力してください".into());
        }
        if let Some(level) = &self.care_level
            && !CARE_LEVELS.contains(&level.as_str())
        {
            push(
                "care_level",
                "enum",
                format!("「要介護度」は次のいずれかを選んでください: {}", CARE_LEVELS.join("、")),
            );
        }
        errors
    }
}

/// A care manager registers a client of their own care office.
pub fn register(conn: &mut DbConnection, principal: &Principal, new: NewClient) -> Result<Client, AppError> {
    principal.require(&[Role::CareManager], "利用者の登録")?;
    let errors = new.problems("");
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    crate::db::write(conn, |conn| {
        let manager = new.care_manager_id.unwrap_or(principal.user_id);
        let manager_user = crate::directory::store::find_user(conn, manager)?;
        if manager_user.is_none_or(|u| u.facility_id != principal.facility_id || u.role != Role::CareManager) {
            return Err(AppError::invalid(
                "/care_manager_id",
                "exists",
                "担当ケアマネジャーはこの事業所のケアマネジャーから選んでください",
            ));
        }
        if let Some(number) = &new.insurance_number
            && store::find_by_insurance_number(conn, number, Some(principal.facility_id))?.is_some()
        {
            return Err(AppError::Conflict(format!(
                "被保険者番号 {number} の利用者はこの事業所にすでに登録されています"
            )));
        }
        crate::municipalities::require_known(conn, new.municipality.as_deref(), "/municipality")?;
        let id = store::insert(conn, &new, Some(principal.facility_id), Some(manager))?;
        if let Some(level) = &new.care_level {
            store::care_levels::record(conn, id, level, calendar::today(), Some(principal.user_id))?;
        }
        Ok(store::get(conn, id)?)
    })
}

/// How a hospital looks for a patient it admits: the birth date (on the 介護保険証 and the
/// patient's card) and either the care-insurance number or the name (漢字 or フリガナ).
#[derive(Debug, Clone, Default)]
pub struct PatientSearch {
    pub birth_date: Option<NaiveDate>,
    pub insurance_number: Option<String>,
    pub name: Option<String>,
}

/// A discharge nurse identifies an admitted patient among the clients of every care office, to
/// learn whom to contact (care office and care manager). The birth date and the name (漢字 or
/// フリガナ, as the patient or their card gives it) are always required, so that two numbers a
/// hospital may hold (the insurance number and the birth date) never show a person; a
/// 被保険者番号, when typed, must match too. At most a few people share a name and a birth date.
/// Pointers name the search fields.
pub fn identify_patient(
    conn: &mut DbConnection,
    principal: &Principal,
    search: &PatientSearch,
) -> Result<Vec<Client>, AppError> {
    principal.require(&[Role::DischargeNurse], "利用者の検索")?;
    let mut errors = Vec::new();
    let number = search.insurance_number.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let name = search.name.as_deref().map(compact).filter(|n| !n.is_empty());
    if number.is_some_and(|n| n.len() != 10 || !n.chars().all(|c| c.is_ascii_digit())) {
        errors.push(FieldError::new("/insurance_number", "pattern", "「被保険者番号」は10桁の数字で入力してください"));
    }
    if name.is_none() {
        errors.push(FieldError::new("/name", "required", "「氏名」（漢字かフリガナ）を入力してください"));
    }
    let Some(birth_date) = search.birth_date else {
        errors.push(FieldError::new("/birth_date", "required", "「生年月日」を入力してください"));
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let born = store::born_on(conn, birth_date)?;
    Ok(born
        .into_iter()
        .filter(|c| {
            let named = name.as_ref().is_some_and(|name| compact(&c.name) == *name || compact(&c.name_kana) == *name);
            named && number.is_none_or(|number| c.insurance_number.as_deref() == Some(number))
        })
        .collect())
}

/// A patient found by a hospital, with whom to contact: the client's care office (with its
/// contact windows).
#[derive(Debug, Clone, Serialize)]
pub struct FoundPatient {
    pub client: Client,
    pub care_office: Option<crate::directory::Facility>,
}

/// The registration page of an admission: whether the visitor registers admissions (discharge
/// nurses do; a care manager's admission sheet creates the stay), the patients found by
/// `search` (or why the search cannot run, by field), and the care offices to choose from.
#[derive(Debug, Clone, Default)]
pub struct AdmissionSearch {
    pub registers: bool,
    pub found: Option<Result<Vec<FoundPatient>, Vec<FieldError>>>,
    pub care_offices: Vec<crate::directory::FacilityRef>,
}

/// What a hospital's registration page shows for `search` (none: the empty page).
pub fn admission_search(
    conn: &mut DbConnection,
    principal: &Principal,
    search: Option<&PatientSearch>,
) -> Result<AdmissionSearch, AppError> {
    principal.require_liaison()?;
    if principal.role != Role::DischargeNurse {
        return Ok(AdmissionSearch::default());
    }
    let found = match search.map(|search| identify_patient(conn, principal, search)) {
        None => None,
        Some(Ok(clients)) => Some(Ok(clients
            .into_iter()
            .map(|mut client| {
                // The 被保険者番号 is shown only to the hospital that typed it.
                if search.and_then(|s| s.insurance_number.as_deref()).is_none_or(|n| n.trim().is_empty()) {
                    client.insurance_number = None;
                }
                let care_office = client.care_office.as_ref().map(|f| crate::directory::get(conn, f.id)).transpose()?;
                Ok(FoundPatient { client, care_office })
            })
            .collect::<Result<Vec<_>, AppError>>()?)),
        Some(Err(AppError::Invalid(errors))) => Some(Err(errors)),
        Some(Err(other)) => return Err(other),
    };
    let care_offices = crate::directory::care_offices(conn)?;
    Ok(AdmissionSearch { registers: true, found, care_offices })
}

/// The known client a hospital's registration of an admission is about: the one whose
/// 被保険者番号, birth date and name (漢字 or フリガナ) are all those the hospital typed. Two
/// numbers a hospital may hold (the insurance number and the birth date) are not enough: a
/// client with those but another name is not linked, and the hospital is told to check the
/// card, without being told the registered name (409). No number typed: nobody is linked.
pub fn known_patient(conn: &mut DbConnection, new: &NewClient) -> Result<Option<Uuid>, AppError> {
    let Some(number) = new.insurance_number.as_deref() else { return Ok(None) };
    let candidates = store::with_number(conn, number, new.birth_date)?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let (name, kana) = (compact(&new.name), compact(&new.name_kana));
    let same = candidates.into_iter().find(|(_, n, k)| compact(n) == name || (!kana.is_empty() && compact(k) == kana));
    match same {
        Some((id, _, _)) => Ok(Some(id)),
        None => Err(AppError::Conflict(
            "この被保険者番号と生年月日の利用者が登録されていますが、氏名が一致しません。\
             介護保険証の氏名・フリガナを確かめてください（被保険者番号が確かめられないときは、空欄で登録できます）"
                .into(),
        )),
    }
}

/// A name as compared in a search or a link: in Unicode's compatibility form (NFKC: half-width
/// カナ as full-width, full-width letters and spaces as plain ones), without spaces, hiragana as
/// katakana. 「れんけい　はなこ」, 「ﾚﾝｹｲ ﾊﾅｺ」 and 「レンケイハナコ」 compare equal.
pub fn compact(name: &str) -> String {
    let normalized = icu_normalizer::ComposingNormalizerBorrowed::new_nfkc().normalize(name);
    let compacted: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    crate::forms::text::katakana(&compacted)
}

/// The clients this facility may see.
pub fn list(conn: &mut DbConnection, principal: &Principal) -> Result<Vec<Client>, AppError> {
    principal.require_liaison()?;
    Ok(store::list_visible(conn, principal.facility_id)?)
}

/// One client, if this facility may see them.
pub fn get(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Client, AppError> {
    principal.require_liaison()?;
    if !store::is_visible(conn, id, principal.facility_id)? {
        return Err(AppError::NotFound("client"));
    }
    Ok(store::get(conn, id)?)
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn a_name_compares_the_same_however_its_kana_and_spaces_are_typed() {
        let stored = compact("レンケイ ハナコ");
        for typed in ["れんけい　はなこ", "ﾚﾝｹｲ ﾊﾅｺ", "レンケイハナコ", "ﾚﾝｹｲ\u{3000}ﾊﾅｺ"]
        {
            assert_eq!(compact(typed), stored, "{typed}");
        }
        assert_eq!(compact("ｶﾞｸ"), compact("がく"), "voiced marks combine");
        assert_eq!(compact("連携　花子"), compact("連携花子"));
        assert_ne!(compact("連携 花子"), compact("連携 華子"));
    }
}
