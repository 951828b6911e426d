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
    Err(crate::error::AppError::invalid(pointer, "exists", format!("市町村コード {code} は登録されていません")))
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
