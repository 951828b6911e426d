//! The survey's period and breakdown as a page's form gives them (every field text, so that a
//! blank or mistyped value is answered next to its field rather than with a bare 400), read
//! into a `SurveyQuery`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{GroupBy, SurveyQuery, periods};
use crate::error::{AppError, FieldError};

/// What the visitor chose: a fiscal year, or dates; a grouping. Every field is text, so that a
/// blank or mistyped value is answered next to its field rather than with a bare 400.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Choice {
    pub fiscal_year: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<String>,
    /// For the CSV: `utf-8` (default) or `shift_jis`.
    pub encoding: Option<String>,
}

/// The breakdowns a form offers, in its order.
pub const GROUPINGS: [GroupBy; 6] = [
    GroupBy::Hospital,
    GroupBy::CareOffice,
    GroupBy::Month,
    GroupBy::Area,
    GroupBy::CareLevel,
    GroupBy::HospitalInCity,
];

pub fn blank(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl Choice {
    /// Whether dates were chosen (rather than a fiscal year).
    pub fn dates_chosen(&self) -> bool {
        blank(self.from.as_ref()).is_some() || blank(self.to.as_ref()).is_some()
    }

    /// The survey query the choice means; the current fiscal year when nothing is chosen.
    pub fn read(&self) -> Result<SurveyQuery, Vec<FieldError>> {
        query_of(self)
    }
}

fn query_of(choice: &Choice) -> Result<SurveyQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let group_by = match blank(choice.group_by.as_ref()) {
        None => None,
        Some(text) => text.parse::<GroupBy>().map(Some).unwrap_or_else(|_| {
            errors.push(FieldError::new("/group_by", "enum", "集計の区分を一覧から選んでください"));
            None
        }),
    };
    let date = |name: &str, value: Option<&String>, errors: &mut Vec<FieldError>| match blank(value) {
        None => {
            errors.push(FieldError::new(format!("/{name}"), "required", "日付を入力してください"));
            None
        }
        Some(text) => text
            .parse::<NaiveDate>()
            .map_err(|_| {
                errors.push(FieldError::new(format!("/{name}"), "format", "日付は 2025-04-01 の形で入力してください"));
            })
            .ok(),
    };
    let (from, to, fiscal_year) = if blank(choice.from.as_ref()).is_some() || blank(choice.to.as_ref()).is_some() {
        (date("from", choice.from.as_ref(), &mut errors), date("to", choice.to.as_ref(), &mut errors), None)
    } else {
        let year = match blank(choice.fiscal_year.as_ref()) {
            None => Some(periods::fiscal_year_of(crate::calendar::today())),
            Some(text) => text.parse::<i32>().ok().filter(|y| super::YEARS.contains(y)).or_else(|| {
                errors.push(FieldError::new("/fiscal_year", "enum", "年度を一覧から選んでください"));
                None
            }),
        };
        (None, None, year)
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    SurveyQuery::new(from, to, fiscal_year, group_by).map_err(|error| match error {
        AppError::Invalid(errors) => errors,
        other => vec![FieldError::new("/from", "period", other.to_string())],
    })
}
