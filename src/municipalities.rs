//! The municipalities (市町村) of a region served by one deployment: a directory entry each (a
//! code and a name), and the handbook rule set each has had in force over time. A stay is judged
//! by the rules of its client's municipality in force on its admission date
//! (`survey::judges`); a stay of no municipality, or of one with no rules of its own then, by
//! the deployment's (`HANDBOOK_RULES`). A deployment without municipalities behaves as one city.

pub mod store;

use chrono::NaiveDate;

/// The day an entry of a rule history that has no date of its own stands for: from the start.
pub const FROM_THE_START: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: String,
    pub name: String,
}

/// One entry of a municipality's rule history: the rule set (`seven-days`, `default.v1`) in
/// force from `effective_from` until the next entry's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesFrom {
    pub code: String,
    pub effective_from: NaiveDate,
    pub rules: String,
}

/// A municipality as an import file gives it: its code, name, and (when the rule set is named)
/// the rules in force from a day, or from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMunicipality {
    pub municipality: Municipality,
    pub rules: Option<RulesFrom>,
}

/// A municipality as typed (a file's row, the administrators' form, the API), every field text.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInput {
    /// Its name (八戸市).
    pub name: String,
    /// The handbook rule set in force (`default`, `seven-days`, `id.vN`); none: the deployment's.
    #[serde(default)]
    pub rules: Option<String>,
    /// The day the rules took effect (YYYY-MM-DD); none: from the start.
    #[serde(default)]
    pub rules_from: Option<String>,
}

impl MunicipalityInput {
    /// The municipality `code` this input means, or every problem by pointer (`/code`, `/name`,
    /// `/rules`, `/rules_from`). `known` tells a published rule set's name (`survey::rules`,
    /// which stands above this module) and `published` lists them for the message.
    pub fn read(
        &self,
        code: &str,
        known: impl Fn(&str) -> bool,
        published: &[&str],
    ) -> Result<ImportedMunicipality, Vec<crate::error::FieldError>> {
        use crate::error::FieldError;
        let mut errors = Vec::new();
        if let Some(problem) = code_problem(code) {
            errors.push(FieldError::new("/code", "pattern", problem));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || crate::forms::text::has_control(name) {
            errors.push(FieldError::new("/name", "required", "名称を100文字以内（改行なし）で入力してください"));
        }
        let rules = self.rules.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if let Some(rules) = rules
            && !known(rules)
        {
            let message = format!("ルール \"{rules}\" はありません（使えるもの: {}、空欄）", published.join(", "));
            errors.push(FieldError::new("/rules", "enum", message));
        }
        let from = match self.rules_from.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => {
                let day = text.parse::<NaiveDate>().ok().filter(|_| text.len() == 10);
                if day.is_none() {
                    let message = format!("\"{text}\" は実在する YYYY-MM-DD の日付ではありません");
                    errors.push(FieldError::new("/rules_from", "format", message));
                }
                day
            }
        };
        if rules.is_none() && from.is_some() {
            errors.push(FieldError::new("/rules_from", "required", "ルールが空欄なのに適用開始日があります"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let rules = rules.map(|rules| RulesFrom {
            code: code.to_owned(),
            effective_from: from.unwrap_or(FROM_THE_START),
            rules: rules.to_owned(),
        });
        Ok(ImportedMunicipality { municipality: Municipality { code: code.to_owned(), name: name.to_owned() }, rules })
    }
}

/// Why a code cannot name a municipality, in Japanese; a code is what the other files and the
/// survey's filter name it by: letters, digits, `-` and `_`, at most 20 (the 全国地方公共団体コード
/// is 6 digits).
pub fn code_problem(code: &str) -> Option<String> {
    if code.is_empty() {
        Some("空欄です".into())
    } else if code.len() > 20 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Some(format!("\"{code}\" は市町村コードとして使えません（半角英数字・-・_ の20文字まで。例: 022039）"))
    } else {
        None
    }
}

/// Refuses a municipality that is not registered (422 at `pointer`, in Japanese).
pub fn require_known(
    conn: &mut crate::db::DbConnection,
    code: Option<&str>,
    pointer: &str,
) -> Result<(), crate::error::AppError> {
    let Some(code) = code else { return Ok(()) };
    if store::exists(conn, code)? {
        return Ok(());
    }
    Err(unknown(code, pointer))
}

/// The refusal of a municipality that is not registered (422 at `pointer`, in Japanese).
pub fn unknown(code: &str, pointer: &str) -> crate::error::AppError {
    crate::error::AppError::invalid(pointer, "exists", format!("市町村コード {code} は登録されていません"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_letters_digits_dashes_and_underscores() {
        assert_eq!(code_problem("022039"), None);
        assert_eq!(code_problem("hachinohe-1"), None);
        assert!(code_problem("").is_some());
        assert!(code_problem("02 2039").is_some());
        assert!(code_problem("八戸市").is_some());
        assert!(code_problem("x'; DROP TABLE episodes; --").is_some());
        assert!(code_problem(&"1".repeat(21)).is_some());
    }
}
