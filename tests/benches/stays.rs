//! Clients registered by a care manager and admitted by a nurse: the stays the benchmarks send
//! documents about.

use renkei::auth::Principal;
use renkei::db::DbConnection;
use uuid::Uuid;

/// Registers `n` clients (insurance numbers 0000000001…) and admits each on `admitted_on`.
pub fn admitted(
    conn: &mut DbConnection,
    care_manager: &Principal,
    nurse: &Principal,
    n: usize,
    admitted_on: chrono::NaiveDate,
) -> Vec<Uuid> {
    (0..n)
        .map(|i| {
            let client = renkei::clients::NewClient {
                name: "連携 花子".into(),
                name_kana: "レンケイ ハナコ".into(),
                birth_date: "1940-02-11".parse().unwrap(),
                sex: renkei::clients::Sex::Female,
                insurance_number: Some(format!("{:010}", i + 1)),
                care_level: Some("要介護2".into()),
                care_manager_id: None,
                municipality: None,
            };
            renkei::clients::register(conn, care_manager, client.clone()).unwrap();
            let admission = renkei::episodes::NewAdmission {
                client,
                care_office_id: None,
                admitted_on,
                admitted_at: None,
                planned_discharge_on: None,
                planned_respite: false,
            };
            renkei::episodes::register_admission(conn, nurse, admission).unwrap()
        })
        .collect()
}
