//! The demo region that `renkei serve --demo` loads into an empty database: a city (連携市) with
//! the two hospitals and two towns without any, one of them (みどり町) on the 7-day rule, so that
//! a nurse of the city's hospital sees stays judged by two handbooks; three care-side offices,
//! the region's liaison centre, a user of each role, clients, stays, documents and a phone
//! contact. Everything goes through the same use cases as the API, so the demo
//! data is valid by construction. Dates are relative to today, so the demo always looks current.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::auth::{self, Principal};
use crate::calendar;
use crate::clients::{self, NewClient, Sex};
use crate::contacts::{self, ContactKind, Direction, Method, NewContact};
use crate::db::DbConnection;
use crate::directory::{self, ContactWindow, FacilityKind, NewFacility, NewUser, Role};
use crate::documents::{self, SendDocument};
use crate::episodes::{self, Destination, Discharge, NewAdmission};
use crate::error::AppError;
use crate::forms::DocumentKind;

mod forms;
use forms::{
    admission_notice, admission_sheet, discharge_conference, discharge_notice, discharge_record, discharge_referral,
};

/// The password of every demo user (a demonstration on a laptop, never real data: `--demo`
/// only loads into an empty database).
pub const DEMO_PASSWORD: &str = "renkei-demo-2026";

/// The code of the city's facility: its presence marks a database holding the demo.
const DEMO_MARKER: &str = "DEMO-CITY";

const FACILITIES: [(&str, &str, FacilityKind, &str, bool, &str, &str); 6] = [
    (
        "DEMO-H1",
        "連携市民病院",
        FacilityKind::Hospital,
        "中央圏域",
        true,
        "地域医療連携室",
        "renkeishitsu@hospital1.example",
    ),
    (
        "DEMO-H2",
        "みなみ総合病院",
        FacilityKind::Hospital,
        "南部圏域",
        false,
        "患者支援センター",
        "shien@hospital2.example",
    ),
    (
        "DEMO-C1",
        "居宅介護支援事業所さくら",
        FacilityKind::CareOffice,
        "中央圏域",
        true,
        "事務所",
        "sakura@care1.example",
    ),
    ("DEMO-C2", "ケアプランセンターあおば", FacilityKind::CareOffice, "南部圏域", true, "事務所", "aoba@care2.example"),
    (
        "DEMO-S1",
        "連携市中央地域包括支援センター",
        FacilityKind::SupportCenter,
        "中央圏域",
        true,
        "相談窓口",
        "houkatsu@city.example",
    ),
    (
        DEMO_MARKER,
        "連携市 長寿介護課・在宅医療介護連携支援センター",
        FacilityKind::City,
        "中央圏域",
        true,
        "連携支援センター",
        "renkei-center@city.example",
    ),
];

/// The municipalities of the demo region: code, name, their own rule set (none: the
/// deployment's).
const MUNICIPALITIES: [(&str, &str, Option<&str>); 3] =
    [("DEMO-01", "連携市", None), ("DEMO-02", "みどり町", Some("seven-days")), ("DEMO-03", "あさひ村", None)];

/// Where each facility is; the region's liaison centre (the coordinator's) is placed in none, so
/// that its coordinator sees the whole region.
const PLACES: [(&str, &str); 4] =
    [("DEMO-H1", "DEMO-01"), ("DEMO-H2", "DEMO-01"), ("DEMO-C1", "DEMO-01"), ("DEMO-C2", "DEMO-02")];

const USERS: [(&str, &str, &str, Role); 7] = [
    ("DEMO-H1", "看護 ゆかり", "nurse@hospital1.example", Role::DischargeNurse),
    ("DEMO-H2", "相談 まこと", "msw@hospital2.example", Role::DischargeNurse),
    ("DEMO-C1", "支援 健一", "cm@care1.example", Role::CareManager),
    ("DEMO-C2", "居宅 美和", "cm@care2.example", Role::CareManager),
    ("DEMO-S1", "包括 翔太", "cm@houkatsu.example", Role::CareManager),
    (DEMO_MARKER, "調整 恵", "coordinator@city.example", Role::Coordinator),
    (DEMO_MARKER, "管理 大輔", "admin@city.example", Role::Admin),
];

/// Loads the demo into an empty database, or finds it already loaded; either way issues fresh
/// tokens for the demo users and returns what to print.
pub fn prepare(conn: &mut DbConnection, public_url: &str) -> anyhow::Result<String> {
    let present = directory::by_code(conn, DEMO_MARKER).map_err(|e| anyhow::anyhow!("{e}"))?.is_some();
    let loaded_now = if present {
        false
    } else if directory::is_empty(conn).map_err(|e| anyhow::anyhow!("{e}"))? {
        load(conn, &crate::notify::Notifier::new(public_url))
            .map_err(|e| anyhow::anyhow!("デモデータを読み込めません: {e:?}"))?;
        true
    } else {
        anyhow::bail!(
            "--demo は空のデータベースにだけデモデータを読み込みます。このデータベースにはすでにデータがあります。DATABASE_URL で別のファイルを指定してください"
        );
    };
    let mut lines = vec![
        if loaded_now {
            "デモ: 連携市と周辺の町村（みどり町・あさひ村）のデモデータを読み込みました。"
        } else {
            "デモ: 連携市と周辺の町村のデモデータはすでに読み込まれています。"
        }
        .to_owned(),
    ];
    for (_, _, email, _) in USERS {
        if auth::session::lacks_password(conn, email).map_err(|e| anyhow::anyhow!("{e}"))? {
            auth::session::set_password(conn, email, DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    lines.push(format!(
        "画面: {public_url}/ を開き、下のメールアドレスとパスワード {DEMO_PASSWORD} でサインインしてください。"
    ));
    lines.push("デモ用 API トークン（今回の起動で新しく発行。以前のものも有効です）:".into());
    let mut first_token = None;
    for (_, name, email, role) in USERS {
        let token = auth::issue_token(conn, email, "demo").map_err(|e| anyhow::anyhow!("{e:?}"))?;
        lines.push(format!("  {:<22} {name:<8} {email:<28} {}", role.label(), token.secret));
        if role == Role::DischargeNurse && first_token.is_none() {
            first_token = Some(token.secret);
        }
    }
    let token = first_token.unwrap_or_default();
    lines.push("試してみる（連携市民病院の受信箱）:".into());
    lines.push(format!("  curl -s {public_url}/api/v1/documents/inbox -H 'Authorization: Bearer {token}'"));
    lines.push(format!("API の説明: {public_url}/api/openapi.json  (docs/api.md)"));
    Ok(lines.join("\n"))
}

fn load(conn: &mut DbConnection, notifier: &crate::notify::Notifier) -> Result<(), AppError> {
    for (code, name, kind, area, in_city, window, email) in FACILITIES {
        directory::create_facility(
            conn,
            NewFacility {
                code: code.into(),
                name: name.into(),
                kind,
                area: Some(area.into()),
                in_city,
                contact_windows: vec![ContactWindow {
                    label: window.into(),
                    email: Some(email.into()),
                    phone: Some("0157-00-0000".into()),
                    fax: Some("0157-00-0001".into()),
                    hours_note: (kind == FacilityKind::Hospital).then(|| "12時〜13時は避けてください".into()),
                }],
            },
        )?;
    }
    let mut principals = Vec::new();
    for (facility_code, name, email, role) in USERS {
        let user = directory::create_user(
            conn,
            NewUser { facility_code: facility_code.into(), name: name.into(), email: email.into(), role },
        )?;
        principals.push(Principal::of_user(conn, user.id)?);
    }
    let [nurse1, nurse2, cm1, cm2, .., admin] = principals.as_slice() else {
        return Err(AppError::Unexpected(anyhow::anyhow!("demo users missing")));
    };
    region(conn, admin)?;
    let schemas = crate::documents::exchange::schema_registry()?;
    let today = calendar::today();
    let day = |offset: i64| today + Duration::days(offset);
    let hospital1 = facility_id(conn, "DEMO-H1")?;
    let hospital2 = facility_id(conn, "DEMO-H2")?;
    let office1 = facility_id(conn, "DEMO-C1")?;

    let hanako = clients::register(
        conn,
        cm1,
        person("連携 花子", "レンケイ ハナコ", "1940-02-11", Sex::Female, "0100000001", "要介護2"),
    )?;
    let ichiro = clients::register(
        conn,
        cm1,
        person("北村 一郎", "キタムラ イチロウ", "1936-07-03", Sex::Male, "0100000002", "要介護3"),
    )?;
    let fumi = clients::register(
        conn,
        cm2,
        person("南 ふみ", "ミナミ フミ", "1944-12-24", Sex::Female, "0100000003", "要支援2"),
    )?;
    // 茂 lives in あさひ村, whose own rules are none: the deployment's judge his stays.
    let shigeru = NewClient {
        municipality: Some("DEMO-03".into()),
        ..person("青葉 茂", "アオバ シゲル", "1939-05-05", Sex::Male, "0100000004", "要介護1")
    };
    clients::register(conn, cm2, shigeru)?;

    // 1. The hospital registers 花子's admission today; her care manager sends the admission
    //    sheet the same day (入院時情報連携加算（Ⅰ）), and the hospital acknowledges it.
    //    The hospital's 入院連絡 reached her care office first.
    let stay = episodes::register_admission(conn, nurse1, admission(&hanako, day(0)))?;
    let notice = admission_notice(&hanako, day(0), true);
    documents::send(
        conn,
        &schemas,
        notifier,
        nurse1,
        about_stay(DocumentKind::AdmissionNotice, office1, stay, notice),
    )?;
    let sheet = admission_sheet(&hanako, day(0), "連携市民病院", "居宅介護支援事業所さくら", "支援 健一");
    let sent = documents::send(
        conn,
        &schemas,
        notifier,
        cm1,
        SendDocument {
            kind: DocumentKind::AdmissionInfo,
            schema_version: Some(1),
            recipient_facility_id: hospital1,
            episode_id: Some(stay),
            client_id: None,
            payload: sheet,
        },
    )?;
    documents::acknowledge(conn, nurse1, sent.id)?;

    // 2. 一郎 was admitted ten days ago to みなみ総合病院, not yet registered there: his care
    //    manager's sheet creates the stay. The hospital then announces discharge in six days.
    let sheet = admission_sheet(&ichiro, day(-10), "みなみ総合病院", "居宅介護支援事業所さくら", "支援 健一");
    let sent = documents::send(
        conn,
        &schemas,
        notifier,
        cm1,
        SendDocument {
            kind: DocumentKind::AdmissionInfo,
            schema_version: Some(1),
            recipient_facility_id: hospital2,
            episode_id: None,
            client_id: Some(ichiro.id),
            payload: sheet,
        },
    )?;
    let notice = discharge_notice(day(6), day(3));
    documents::send(
        conn,
        &schemas,
        notifier,
        nurse2,
        SendDocument {
            kind: DocumentKind::DischargeNotice,
            schema_version: Some(1),
            recipient_facility_id: office1,
            episode_id: Some(sent.episode_id),
            client_id: None,
            payload: notice,
        },
    )?;

    let referral = discharge_referral(&ichiro, day(-10), day(6), "みなみ総合病院", "居宅介護支援事業所さくら");
    documents::send(
        conn,
        &schemas,
        notifier,
        nurse2,
        about_stay(DocumentKind::DischargeReferral, office1, sent.episode_id, referral),
    )?;

    //    The hospital proposed a 退院前カンファレンス for yesterday, his care manager answered
    //    that he would attend, and the hospital recorded it once held.
    let proposal = discharge_conference(day(6), day(-1), None);
    let conference = documents::send(
        conn,
        &schemas,
        notifier,
        nurse2,
        about_stay(DocumentKind::DischargeConference, office1, sent.episode_id, proposal),
    )?;
    let answer = json!({
        "answer": "出席",
        "attendance": [{"affiliation": "居宅介護支援事業所さくら", "profession": "介護支援専門員", "name": "支援 健一", "mode": "来院"}],
        "respondent": {"office_name": "居宅介護支援事業所さくら", "name": "支援 健一", "phone": "0157-00-0000"},
    });
    documents::send(
        conn,
        &schemas,
        notifier,
        cm1,
        about_stay(DocumentKind::ConferenceAnswer, hospital2, sent.episode_id, answer),
    )?;
    let held = discharge_conference(day(6), day(-1), Some(&ichiro));
    documents::amend(
        conn,
        &schemas,
        notifier,
        nurse2,
        conference.id,
        documents::Amendment { schema_version: None, payload: held },
    )?;

    //    His care manager heard from the hospital twice and keeps the 退院・退所情報記録書.
    let record = discharge_record(
        &ichiro,
        day(-10),
        day(6),
        "みなみ総合病院",
        &[(day(-2), "電話"), (day(-1), "カンファレンス")],
    );
    documents::send(
        conn,
        &schemas,
        notifier,
        cm1,
        about_stay(DocumentKind::DischargeRecord, office1, sent.episode_id, record),
    )?;

    // 3. ふみ (of みどり町, on the 7-day rule) stayed 20 days at 連携市民病院; the hospital phoned
    //    her care manager three days before her discharge two days ago: late under her town's
    //    rule, as the hospital's list of stays shows beside 花子's 5-day rule.
    let stay = episodes::register_admission(conn, nurse1, admission(&fumi, day(-20)))?;
    contacts::record(
        conn,
        cm2,
        stay,
        NewContact {
            direction: Direction::HospitalToCm,
            kind: ContactKind::DischargeNotice,
            method: Method::Phone,
            contacted_on: day(-5),
            contacted_at: None,
            note: Some("退院後は週2回の訪問介護を再開。福祉用具（手すり）の追加を退院前に調整する".into()),
        },
    )?;
    episodes::record_discharge(
        conn,
        nurse1,
        stay,
        Discharge { discharged_on: day(-2), destination: Destination::Home, correction_reason: None },
    )?;

    // 4. 正男, who has no care manager, was admitted yesterday: the hospital's 入院連絡 goes to
    //    the 地域包括支援センター (pathway B).
    let masao = NewClient {
        name: "入江 正男".into(),
        name_kana: "イリエ マサオ".into(),
        birth_date: NaiveDate::from_ymd_opt(1958, 3, 15).unwrap_or_default(),
        sex: Sex::Male,
        insurance_number: Some("0100000005".into()),
        care_level: None,
        care_manager_id: None,
        municipality: None,
    };
    let stay = episodes::register_admission(
        conn,
        nurse1,
        NewAdmission {
            client: masao,
            care_office_id: None,
            admitted_on: day(-1),
            admitted_at: None,
            planned_discharge_on: None,
            planned_respite: false,
        },
    )?;
    let registered = episodes::store::client_of(conn, stay)?
        .map(|id| clients::store::get(conn, id))
        .transpose()?
        .ok_or(AppError::NotFound("client"))?;
    let notice = admission_notice(&registered, day(-1), false);
    let centre = facility_id(conn, "DEMO-S1")?;
    documents::send(conn, &schemas, notifier, nurse1, about_stay(DocumentKind::AdmissionNotice, centre, stay, notice))?;
    Ok(())
}

/// The region: its municipalities with their rules, and where each facility is.
fn region(conn: &mut DbConnection, admin: &Principal) -> Result<(), AppError> {
    for (code, name, rules) in MUNICIPALITIES {
        let input = crate::municipalities::MunicipalityInput {
            name: name.into(),
            rules: rules.map(str::to_owned),
            rules_from: None,
        };
        crate::admin::municipalities::save(conn, admin, code, &input)?;
    }
    for (facility, municipality) in PLACES {
        let id = facility_id(conn, facility)?;
        crate::admin::municipalities::place_facility(conn, admin, id, Some(municipality))?;
    }
    Ok(())
}

/// A document about a stay, under the first version of its schema.
fn about_stay(kind: DocumentKind, recipient: uuid::Uuid, episode: uuid::Uuid, payload: Value) -> SendDocument {
    SendDocument {
        kind,
        schema_version: Some(1),
        recipient_facility_id: recipient,
        episode_id: Some(episode),
        client_id: None,
        payload,
    }
}

fn facility_id(conn: &mut DbConnection, code: &str) -> Result<uuid::Uuid, AppError> {
    Ok(directory::by_code(conn, code)?.ok_or(AppError::NotFound("facility"))?.id)
}

fn person(name: &str, kana: &str, birth: &str, sex: Sex, number: &str, level: &str) -> NewClient {
    NewClient {
        name: name.into(),
        name_kana: kana.into(),
        birth_date: birth.parse().unwrap_or_default(),
        sex,
        insurance_number: Some(number.into()),
        care_level: Some(level.into()),
        care_manager_id: None,
        municipality: None,
    }
}

fn admission(client: &clients::Client, on: NaiveDate) -> NewAdmission {
    NewAdmission {
        client: NewClient {
            name: client.name.clone(),
            name_kana: client.name_kana.clone(),
            birth_date: client.birth_date,
            sex: client.sex,
            insurance_number: client.insurance_number.clone(),
            care_level: None,
            care_manager_id: None,
            municipality: None,
        },
        care_office_id: None,
        admitted_on: on,
        admitted_at: None,
        planned_discharge_on: None,
        planned_respite: false,
    }
}
