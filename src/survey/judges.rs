//! Which rules judge which stays. A stay is judged by the handbook rules of its client's
//! municipality in force on its admission date; a stay of no municipality, or of one with no
//! rules of its own on that date, by the deployment's (HANDBOOK_RULES). The survey counts each
//! rule set's stays in a pass of their own (`Pass`: the rules and the SQL that picks their
//! stays) and adds the counts up: every figure is a count, so the whole is the sum of its parts.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::RulesInForce;
use super::rules::{self, RuleSet};
use crate::calendar::day_number;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::municipalities::{self, FROM_THE_START};

/// The rules of each stay: every municipality's rule history beside the deployment's rules. The
/// stay's page, the stays list and the reminders judge each stay by `for_stay`.
pub struct RuleBook {
    deployment: RuleSet,
    /// Per municipality, its entries oldest first: in force from the day, the rule set.
    histories: BTreeMap<String, Vec<(NaiveDate, RuleSet)>>,
}

impl RuleBook {
    pub fn load(conn: &mut DbConnection, deployment: &RuleSet) -> Result<Self, AppError> {
        let mut histories = BTreeMap::new();
        for (code, history) in municipalities::store::rule_histories(conn)? {
            let entries = history
                .into_iter()
                .map(|entry| Ok((entry.effective_from, rules::select(&entry.rules).map_err(AppError::Unexpected)?)))
                .collect::<Result<Vec<_>, AppError>>()?;
            histories.insert(code, entries);
        }
        Ok(Self { deployment: deployment.clone(), histories })
    }

    /// The deployment's rules (HANDBOOK_RULES), which judge the stays no history covers.
    pub fn deployment(&self) -> &RuleSet {
        &self.deployment
    }

    /// The rules a stay of `municipality` admitted on `admitted_on` is judged by: its
    /// municipality's in force that day, else the deployment's.
    pub fn for_stay(&self, municipality: Option<&str>, admitted_on: NaiveDate) -> &RuleSet {
        municipality
            .and_then(|code| self.histories.get(code))
            .and_then(|history| history.iter().rev().find(|(from, _)| *from <= admitted_on))
            .map_or(&self.deployment, |(_, rules)| rules)
    }

    /// The most days ahead any rule set in the book wants the discharge contact.
    pub fn longest_notice(&self) -> i64 {
        self.histories
            .values()
            .flatten()
            .map(|(_, rules)| rules.discharge_notice_min_days)
            .chain([self.deployment.discharge_notice_min_days])
            .max()
            .unwrap_or_default()
    }

    /// The spans of the histories: each entry from its day until the next's.
    fn spans(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        for (code, history) in &self.histories {
            for (i, (from, rules)) in history.iter().enumerate() {
                let until = history.get(i + 1).map(|(next, _)| *next);
                spans.push(Span { code: code.clone(), rules: rules.clone(), from: *from, until });
            }
        }
        spans
    }
}

/// One rule set and the stays it judges (`None`: every stay).
pub struct Pass {
    pub rules: RuleSet,
    pub filter: Option<String>,
}

/// A rule set that judged the stays of a municipality admitted in a span of days (both ends
/// included; none: open): how a survey says what it was computed under.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JudgedUnder {
    /// The municipality's code; none for the stays judged by the deployment's rules (those of no
    /// municipality, or of one with no rules of its own then).
    pub municipality: Option<String>,
    /// The municipality's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality_name: Option<String>,
    pub rules: RulesInForce,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admitted_from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admitted_to: Option<NaiveDate>,
}

/// The passes of a survey, what each municipality's stays were judged under, and the rules the
/// survey names as its own (the municipality's in force at the period's end when one is asked
/// for, else the deployment's).
pub struct Judges {
    /// The name of the municipality asked for.
    pub municipality_name: Option<String>,
    pub passes: Vec<Pass>,
    pub under: Vec<JudgedUnder>,
    pub headline: RuleSet,
}

/// A span of a municipality's rule history.
struct Span {
    code: String,
    rules: RuleSet,
    from: NaiveDate,
    until: Option<NaiveDate>,
}

impl Span {
    /// The SQL that picks this span's stays (`e`). The code was checked when it was stored
    /// (`municipalities::code_problem`: letters, digits, `-` and `_`); its quotes would be
    /// doubled here besides.
    fn condition(&self) -> String {
        let code = self.code.replace('\'', "''");
        let mut condition = format!("COALESCE(e.municipality_code, '') = '{code}'");
        if self.from > FROM_THE_START {
            condition += &format!(" AND e.admitted_day >= {}", day_number(self.from));
        }
        if let Some(until) = self.until {
            condition += &format!(" AND e.admitted_day < {}", day_number(until));
        }
        condition
    }
}

/// The judges of a survey over the municipality asked for (every stay when none is).
pub fn of(
    conn: &mut DbConnection,
    deployment: &RuleSet,
    municipality: Option<&str>,
    period_end: NaiveDate,
) -> Result<Judges, AppError> {
    let names: BTreeMap<String, String> =
        municipalities::store::all(conn)?.into_iter().map(|m| (m.code, m.name)).collect();
    if let Some(code) = municipality
        && !names.contains_key(code)
    {
        return Err(municipalities::unknown(code, "/municipality"));
    }
    let spans: Vec<Span> = RuleBook::load(conn, deployment)?
        .spans()
        .into_iter()
        .filter(|span| municipality.is_none_or(|asked| asked == span.code))
        .collect();
    let headline = match municipality {
        Some(code) => spans
            .iter()
            .filter(|s| s.code == code && s.from <= period_end && s.until.is_none_or(|until| period_end < until))
            .map(|s| s.rules.clone())
            .next()
            .unwrap_or_else(|| deployment.clone()),
        None => deployment.clone(),
    };
    let mut under = judged_under(&spans, deployment, municipality);
    for entry in &mut under {
        entry.municipality_name = entry.municipality.as_ref().and_then(|code| names.get(code).cloned());
    }
    let municipality_name = municipality.and_then(|code| names.get(code).cloned());
    Ok(Judges { municipality_name, passes: passes(&spans, deployment, municipality), under, headline })
}

/// One pass per rule set: the spans of each other rule set than the deployment's, and the
/// deployment's over every stay no other span takes (within the municipality asked for).
fn passes(spans: &[Span], deployment: &RuleSet, municipality: Option<&str>) -> Vec<Pass> {
    let within = |condition: String| match municipality {
        None => condition,
        Some(code) => format!("COALESCE(e.municipality_code, '') = '{}' AND ({condition})", code.replace('\'', "''")),
    };
    let others: Vec<&Span> = spans.iter().filter(|s| s.rules.name() != deployment.name()).collect();
    let mut passes = Vec::new();
    let mut names: Vec<String> = others.iter().map(|s| s.rules.name()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let mine: Vec<String> =
            others.iter().filter(|s| s.rules.name() == name).map(|s| format!("({})", s.condition())).collect();
        let rules = others.iter().find(|s| s.rules.name() == name).map(|s| s.rules.clone());
        if let Some(rules) = rules {
            passes.push(Pass { rules, filter: Some(within(mine.join(" OR "))) });
        }
    }
    let rest = match (others.is_empty(), municipality) {
        (true, None) => None,
        (true, Some(_)) => Some(within("1 = 1".into())),
        (false, _) => Some(within(format!(
            "NOT ({})",
            others.iter().map(|s| format!("({})", s.condition())).collect::<Vec<_>>().join(" OR ")
        ))),
    };
    passes.insert(0, Pass { rules: deployment.clone(), filter: rest });
    passes
}

/// What the stays were judged under: each span, and the deployment's rules for the rest.
fn judged_under(spans: &[Span], deployment: &RuleSet, municipality: Option<&str>) -> Vec<JudgedUnder> {
    let mut under: Vec<JudgedUnder> = spans
        .iter()
        .map(|span| JudgedUnder {
            municipality: Some(span.code.clone()),
            municipality_name: None,
            rules: span.rules.in_force(),
            admitted_from: (span.from > FROM_THE_START).then_some(span.from),
            admitted_to: span.until.map(|until| until - Duration::days(1)),
        })
        .collect();
    // The deployment's rules judge the stays of no municipality (when none is asked for), and
    // those of a municipality before its first entry or without one.
    let asked_has_history = municipality.is_some_and(|code| spans.iter().any(|s| s.code == code));
    let first_of_asked = spans.iter().find(|s| Some(s.code.as_str()) == municipality).map(|s| s.from);
    if municipality.is_none() || !asked_has_history || first_of_asked.is_some_and(|from| from > FROM_THE_START) {
        under.insert(
            0,
            JudgedUnder {
                municipality: municipality.map(str::to_owned),
                municipality_name: None,
                rules: deployment.in_force(),
                admitted_from: None,
                admitted_to: first_of_asked.filter(|from| *from > FROM_THE_START).map(|from| from - Duration::days(1)),
            },
        );
    }
    under
}

impl Judges {
    /// The rules a municipality's stays were judged under (by its code; '' for the stays of
    /// none): its own spans, and the deployment's for the days none covers.
    pub fn of_municipality(&self, code: &str) -> Vec<RulesInForce> {
        let own: Vec<&JudgedUnder> =
            self.under.iter().filter(|u| u.municipality.as_deref() == Some(code).filter(|c| !c.is_empty())).collect();
        let deployment = self.under.iter().find(|u| u.municipality.is_none()).map(|u| u.rules.clone());
        let mut rules: Vec<RulesInForce> = Vec::new();
        let uncovered = own.first().is_none_or(|first| first.admitted_from.is_some());
        if uncovered && let Some(deployment) = deployment {
            rules.push(deployment);
        }
        for entry in own {
            if !rules.iter().any(|r| r.id == entry.rules.id && r.version == entry.rules.version) {
                rules.push(entry.rules.clone());
            }
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(code: &str, rules: &str, from: Option<&str>, until: Option<&str>) -> Span {
        let day = |d: &str| d.parse::<NaiveDate>().unwrap_or_default();
        Span {
            code: code.into(),
            rules: rules::select(rules).unwrap_or_else(|e| panic!("{e}")),
            from: from.map_or(FROM_THE_START, day),
            until: until.map(day),
        }
    }

    #[test]
    fn a_city_without_municipalities_is_counted_in_one_pass_over_every_stay() {
        let deployment = rules::select(rules::DEFAULT).unwrap_or_else(|e| panic!("{e}"));
        let passes = passes(&[], &deployment, None);
        assert_eq!(passes.len(), 1);
        assert!(passes[0].filter.is_none(), "no filter: the daily counts can answer, as before");
        // A municipality on the deployment's rules changes nothing either.
        assert!(passes_filter(&[span("1", "default", None, None)], &deployment).is_none());
    }

    fn passes_filter(spans: &[Span], deployment: &RuleSet) -> Option<String> {
        let passes = passes(spans, deployment, None);
        assert_eq!(passes.len(), 1);
        passes.into_iter().next().and_then(|p| p.filter)
    }

    #[test]
    fn each_other_rule_set_takes_its_spans_and_the_deployment_s_the_rest() {
        let deployment = rules::select(rules::DEFAULT).unwrap_or_else(|e| panic!("{e}"));
        let spans = [
            span("B", "seven-days", None, Some("2025-07-01")),
            span("B", "paper-survey", Some("2025-07-01"), None),
            span("D", "seven-days", Some("2025-03-01"), None),
        ];
        let passes = passes(&spans, &deployment, None);
        let names: Vec<String> = passes.iter().map(|p| p.rules.name()).collect();
        assert_eq!(names, ["default.v1", "paper-survey.v1", "seven-days.v1"]);
        let (july, march) = (
            day_number("2025-07-01".parse().unwrap_or_default()),
            day_number("2025-03-01".parse().unwrap_or_default()),
        );
        assert_eq!(
            passes[2].filter.as_deref(),
            Some(format!(
                "(COALESCE(e.municipality_code, '') = 'B' AND e.admitted_day < {july}) OR \
                 (COALESCE(e.municipality_code, '') = 'D' AND e.admitted_day >= {march})"
            ))
            .as_deref()
        );
        assert!(passes[0].filter.as_deref().is_some_and(|f| f.starts_with("NOT (")));
    }
}
