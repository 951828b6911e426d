//! The handbook rules in force (`state.rules`), as a readable Japanese summary.

use actix_web::{HttpResponse, get, web};
use minijinja::{Value, context};
use serde::Serialize;

use crate::admin::require_admin;
use crate::shell::AppState;
use crate::survey::periods::wareki;
use crate::survey::rules::{Deadline, RuleSet, WindowMode};
use crate::web::pages::{PageError, render};
use crate::web::visitor::SignedIn;

/// One line of the summary: a term and what it says (one or more sentences or list items).
#[derive(Debug, Serialize)]
pub struct Item {
    pub term: &'static str,
    pub lines: Vec<String>,
}

fn item(term: &'static str, lines: Vec<String>) -> Item {
    Item { term, lines }
}

/// The admission-sheet deadline in words.
pub fn deadline(deadline: &Deadline) -> Vec<String> {
    match deadline {
        Deadline::Kasan2024 { .. } => {
            let calendar = crate::business_calendar::default_of(deadline);
            vec![
                "入院時情報連携加算（Ⅰ）（令和6年度改定）の基準：入院日のうちに提供。営業時間外（営業終了時刻以降）や営業日でない日の入院は、翌日まで".to_owned(),
                "営業日と営業終了時刻は居宅介護支援事業所ごとの設定によります（国民の祝日・振替休日・国民の休日は内閣府の「国民の祝日」による）".to_owned(),
                format!("設定のない事業所の既定：{}", calendar.describe()),
            ]
        }
        Deadline::WithinDays { days } => vec![format!("入院日を1日目として{days}日目までに提供")],
    }
}

/// The whole rule set in words, in the order a coordinator reads the handbook.
pub fn summary(rules: &RuleSet) -> Vec<Item> {
    let mut items = vec![item("ルール", vec![format!("{}（{} 第{}版）", rules.title, rules.id, rules.version)])];
    if let Some(region) = &rules.region {
        items.push(item("地域・運用", vec![region.clone()]));
    }
    if let Some(from) = rules.effective_from {
        items.push(item("適用開始日", vec![wareki(from)]));
    }
    if let Some(source) = &rules.source {
        items.push(item("出典", vec![source.clone()]));
    }
    let n = rules.discharge_notice_min_days;
    items.push(item(
        "退院連絡の期限",
        vec![format!("退院日の{n}日前までに連絡したものを「期限内」（退院{n}日前ルール）として数えます")],
    ));
    items.push(item("入院時情報提供の期限", deadline(&rules.admission_info_deadline)));
    let mut excluded = vec!["「対象外」と記録された入院".to_owned()];
    if let Some(days) = rules.exclusions.short_stay_max_days {
        excluded.push(format!("入院期間が{days}日以内の短期入院"));
    }
    if rules.exclusions.planned_respite {
        excluded.push("計画的なレスパイト入院".to_owned());
    }
    excluded.push("死亡退院は退院の対象件数に含めず、別に数えます".to_owned());
    items.push(item("集計の対象外", excluded));
    let window = match rules.survey_window.mode {
        WindowMode::Period => "期間中の入院（入院日）と、期間中の退院（退院日）をそれぞれ数えます".to_owned(),
        WindowMode::AdmissionWindow => format!(
            "期間中に入院した人を、期間の終わりから{}日後の締切日まで追跡します。締切日に入院中の人は「入院中」として別に数えます",
            rules.survey_window.follow_up_days.unwrap_or(0)
        ),
    };
    items.push(item("集計期間の数え方", vec![window]));
    if !rules.discharge_contact_criteria.is_empty() {
        items.push(item("退院連絡が必要な目安", rules.discharge_contact_criteria.clone()));
    }
    if !rules.caution_items.is_empty() {
        items.push(item("注意が必要な方", rules.caution_items.clone()));
    }
    items
}

/// The handbook rules in force.
#[get("/admin/rules")]
pub async fn show(state: web::Data<AppState>, visitor: SignedIn) -> Result<HttpResponse, PageError> {
    require_admin(visitor.principal(), "ルールの表示")?;
    render(
        "admin/rules.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! { items => summary(&state.rules) }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_rules_and_their_deadlines_in_japanese() {
        let rules = crate::survey::rules::select("paper-survey").unwrap_or_else(|e| panic!("{e}"));
        let items = summary(&rules);
        let text: Vec<String> = items.iter().flat_map(|i| i.lines.clone()).collect();
        assert!(text.contains(&"入院日を1日目として3日目までに提供".to_owned()));
        assert!(text.iter().any(|l| l.contains("退院日の5日前まで")));
        assert!(text.iter().any(|l| l.contains("3日以内の短期入院")));
        assert!(text.iter().any(|l| l.contains("31日後の締切日")));
        let default = crate::survey::rules::select("default").unwrap_or_else(|e| panic!("{e}"));
        let lines = deadline(&default.admission_info_deadline);
        assert!(lines[0].contains("翌日まで"), "{lines:?}");
        assert!(
            lines[2].contains("月・火・水・木・金（17:30まで）、祝日は休み、休業日：毎年12月29日〜1月3日"),
            "{lines:?}"
        );
    }
}
