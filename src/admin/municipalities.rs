//! The municipalities of a region as administrators keep them: each with its name and the
//! handbook rules it has had in force (a new entry from a day; the import does the same from a
//! file), and where each facility is.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::require_admin;
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::municipalities::{self, FROM_THE_START, MunicipalityInput};
use crate::survey::rules;

/// A municipality with its rule history, as the API and the page show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MunicipalityView {
    pub code: String,
    pub name: String,
    /// Its rule sets, oldest first: each in force from its day (none: from the start) until the
    /// next's. Empty: the deployment's rules judge its stays.
    pub rules: Vec<RulesEntry>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RulesEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// The rule set's name (`seven-days.v1`) and title.
    pub rules: String,
    pub title: String,
    pub discharge_notice_min_days: i64,
}

/// Every municipality with its history; anyone signed in may read them (the codes the survey,
/// the client records and the files name).
pub fn list(conn: &mut DbConnection) -> Result<Vec<MunicipalityView>, AppError> {
    let mut histories = municipalities::store::rule_histories(conn)?;
    municipalities::store::all(conn)?
        .into_iter()
        .map(|m| {
            let history = histories.remove(&m.code).unwrap_or_default();
            let rules = history
                .into_iter()
                .map(|entry| {
                    let set = rules::select(&entry.rules).map_err(AppError::Unexpected)?;
                    Ok(RulesEntry {
                        from: (entry.effective_from > FROM_THE_START).then_some(entry.effective_from),
                        rules: set.name(),
                        title: set.title,
                        discharge_notice_min_days: set.discharge_notice_min_days,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            Ok(MunicipalityView { code: m.code, name: m.name, rules })
        })
        .collect()
}

/// Registers a municipality or renames it, and enters the rules it names from their day (an
/// administrator only); every problem by field.
pub fn save(
    conn: &mut DbConnection,
    principal: &Principal,
    code: &str,
    input: &MunicipalityInput,
) -> Result<MunicipalityView, AppError> {
    require_admin(principal, "市町村の登録")?;
    let read = input.read(code, rules::is_known, &rules::names()).map_err(AppError::Invalid)?;
    crate::db::write(conn, |conn| {
        municipalities::store::import(conn, std::slice::from_ref(&read))?;
        list(conn)?
            .into_iter()
            .find(|m| m.code == code)
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("municipality {code} not stored")))
    })
}

/// Places a facility in a municipality, or in none (an administrator only). A city facility's
/// coordinators then see that municipality's survey; a care office's new clients are insured
/// there unless registered otherwise.
pub fn place_facility(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    code: Option<&str>,
) -> Result<(), AppError> {
    require_admin(principal, "事業所の所在市町村の設定")?;
    municipalities::require_known(conn, code, "/municipality")?;
    crate::directory::get(conn, facility)?;
    Ok(crate::directory::store::set_municipality(conn, facility, code)?)
}
