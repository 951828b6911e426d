//! A realistic synthetic data set, written as the three CSV files that `renkei import` reads:
//! facilities of a prefecture, stays over ten fiscal years with repeat admissions, and their
//! contacts, with the shares seen in published surveys (about 80 % of admissions and discharges
//! notified, a few deaths, paper records without a date). Deterministic for a given seed.
//! For benchmarks and demonstrations; it invents no names, only codes.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};

const AREAS: [&str; 5] = ["中央", "北部", "南部", "東部", "西部"];
const LEVELS: [(&str, u32); 9] = [
    ("要支援1", 8),
    ("要支援2", 10),
    ("要介護1", 22),
    ("要介護2", 20),
    ("要介護3", 14),
    ("要介護4", 12),
    ("要介護5", 8),
    ("申請中", 4),
    ("", 2),
];

pub struct Generated {
    pub facilities: PathBuf,
    pub episodes: PathBuf,
    pub contacts: PathBuf,
    pub episode_count: usize,
    pub contact_count: usize,
}

fn pick<'a>(rng: &mut fastrand::Rng, weighted: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut n = rng.u32(0..total);
    for (value, weight) in weighted {
        if n < *weight {
            return value;
        }
        n -= weight;
    }
    weighted[0].0
}

/// Writes `episodes` stays (and their facilities and contacts) into `dir`; the last fiscal year
/// ends on `until`.
pub fn generate(dir: &Path, episodes: usize, seed: u64, until: NaiveDate) -> std::io::Result<Generated> {
    std::fs::create_dir_all(dir)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let hospitals = (episodes / 25_000).clamp(4, 60);
    let offices = (episodes / 6_000).clamp(6, 250);
    let paths = Generated {
        facilities: dir.join("facilities.csv"),
        episodes: dir.join("episodes.csv"),
        contacts: dir.join("contacts.csv"),
        episode_count: episodes,
        contact_count: 0,
    };
    let mut facilities = std::io::BufWriter::new(std::fs::File::create(&paths.facilities)?);
    writeln!(facilities, "code,name,kind,area,in_city")?;
    for h in 1..=hospitals {
        let in_city = h % 10 != 0;
        writeln!(facilities, "H{h:03},病院{h:03},hospital,{},{in_city}", AREAS[h % AREAS.len()])?;
    }
    for k in 1..=offices {
        let kind = if k % 12 == 0 {
            "support_center"
        } else if k % 17 == 0 {
            "small_multi"
        } else {
            "care_office"
        };
        writeln!(facilities, "K{k:03},事業所{k:03},{kind},{},true", AREAS[k % AREAS.len()])?;
    }
    facilities.flush()?;

    let mut stays = std::io::BufWriter::new(std::fs::File::create(&paths.episodes)?);
    let mut contacts = std::io::BufWriter::new(std::fs::File::create(&paths.contacts)?);
    writeln!(
        stays,
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded"
    )?;
    writeln!(contacts, "episode_ref,direction,kind,contacted_on,method")?;
    let first = until - Duration::days(3652);
    let span = (until - first).num_days();
    let clients = (episodes / 3).max(1);
    let methods = ["fax", "phone", "system", "visit", "mail"];
    let mut contact_count = 0;
    let day = |date: NaiveDate| date.to_string();
    for e in 1..=episodes {
        let admitted = first + Duration::days(rng.i64(0..=span));
        let stay_days = (1.0 - rng.f64()).ln().abs().mul_add(18.0, 1.0).min(180.0) as i64;
        let discharged = Some(admitted + Duration::days(stay_days - 1)).filter(|d| *d <= until);
        let destination = match (discharged, rng.u32(0..100)) {
            (None, _) => "",
            (Some(_), 0..=5) => "death",
            (Some(_), 6..=10) => "transfer",
            (Some(_), 11..=22) => "facility",
            _ => "home",
        };
        let office = if rng.u32(0..100) < 5 { String::new() } else { format!("K{:03}", rng.usize(1..=offices)) };
        writeln!(
            stays,
            "E{e:07},C{:07},{},{office},H{:03},{},{},{destination},{}",
            rng.usize(1..=clients),
            pick(&mut rng, &LEVELS),
            rng.usize(1..=hospitals),
            day(admitted),
            discharged.map(day).unwrap_or_default(),
            rng.u32(0..100) == 0
        )?;
        let mut contact =
            |direction: &str, kind: &str, on: Option<NaiveDate>, rng: &mut fastrand::Rng| -> std::io::Result<()> {
                let on = on.filter(|d| *d <= until && rng.u32(0..100) >= 2).map(day).unwrap_or_default();
                contact_count += 1;
                writeln!(contacts, "E{e:07},{direction},{kind},{on},{}", methods[rng.usize(0..methods.len())])
            };
        if rng.u32(0..100) < 82 {
            let offset = match rng.u32(0..100) {
                0..=54 => rng.i64(-2..=0),
                55..=79 => rng.i64(1..=2),
                _ => rng.i64(3..=12),
            };
            contact("cm_to_hospital", "admission_info", Some(admitted + Duration::days(offset)), &mut rng)?;
        }
        if rng.u32(0..100) < 55 {
            contact("hospital_to_cm", "admission_notice", Some(admitted + Duration::days(rng.i64(0..=3))), &mut rng)?;
        }
        if let Some(discharged) = discharged.filter(|_| rng.u32(0..100) < 80) {
            let lead = match rng.u32(0..100) {
                0..=14 => rng.i64(8..=20),
                15..=44 => rng.i64(5..=7),
                45..=74 => rng.i64(2..=4),
                75..=84 => 1,
                85..=92 => 0,
                _ => -rng.i64(1..=5),
            };
            contact("hospital_to_cm", "discharge_notice", Some(discharged - Duration::days(lead)), &mut rng)?;
            if rng.u32(0..100) < 25 {
                contact(
                    "hospital_to_cm",
                    "discharge_conference",
                    Some(discharged - Duration::days(rng.i64(1..=6))),
                    &mut rng,
                )?;
            }
        }
        if rng.u32(0..100) < 60 {
            contact("cm_to_hospital", "other", Some(admitted + Duration::days(rng.i64(0..=stay_days))), &mut rng)?;
        }
    }
    stays.flush()?;
    contacts.flush()?;
    Ok(Generated { contact_count, ..paths })
}
