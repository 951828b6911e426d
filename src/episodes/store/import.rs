//! Stays imported from a file (by episode_ref): inserted in bulk, or updated when the file says
//! something new (e.g. a discharge), with the survey's daily counts kept exact.

use foldhash::{HashMap, HashMapExt};

use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar::{self, day_number};
use crate::db::bulk::{self, Day, Id, Ids, SetAside, Stamp, Verdict, Written, references_checked_here};
use crate::db::schema::episodes;
use crate::db::{DbConnection, to_uuid};
use crate::directory::FacilityKind;
use crate::episodes::{Destination, ImportedStayRow};
use crate::survey::store::Stay;
use crate::survey::store::daily::{self, Stays};

/// The key by which imported stays are looked up (episode_ref).
const STAYS_BY_REFERENCE: &str = "episodes_external_ref_key";

/// Every imported stay by its episode_ref. Read row by row into a map sized for them (at a
/// million stays, collecting the rows first and then the map took twice as long).
pub fn imported_episode_ids(conn: &mut DbConnection) -> QueryResult<HashMap<String, Uuid>> {
    let query = episodes::table
        .filter(episodes::external_ref.is_not_null())
        .select((episodes::external_ref.assume_not_null(), episodes::id));
    let mut ids = HashMap::with_capacity(usize::try_from(bulk::stored_rows(conn, "episodes")?).unwrap_or(0));
    let mut take = |row: QueryResult<(String, String)>| -> QueryResult<()> {
        let (reference, id) = row?;
        ids.insert(reference, to_uuid(&id)?);
        Ok(())
    };
    match conn {
        DbConnection::Postgres(pg) => query.load_iter::<_, DefaultLoadingMode>(pg)?.try_for_each(&mut take)?,
        DbConnection::Sqlite(sqlite) => query.load_iter::<_, DefaultLoadingMode>(sqlite)?.try_for_each(&mut take)?,
    }
    Ok(ids)
}

/// A stay as written: besides the two references of the file, nothing of its own on the heap
/// (see `bulk::Inline`).
#[derive(Insertable)]
#[diesel(table_name = episodes, treat_none_as_default_value = false)]
struct NewEpisode {
    id: Id,
    client_ref: Option<String>,
    hospital_id: Id,
    care_office_id: Option<Id>,
    care_level: Option<&'static str>,
    admitted_on: Day,
    admitted_day: i32,
    admitted_at: Option<Stamp>,
    discharged_on: Option<Day>,
    discharged_day: Option<i32>,
    destination: Option<&'static str>,
    excluded: bool,
    planned_respite: bool,
    undated_admission_info: bool,
    undated_discharge_contact: bool,
    external_ref: Option<String>,
    created_at: Stamp,
    updated_at: Stamp,
    municipality_code: Option<String>,
}

type Stored = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    chrono::NaiveDate,
    Option<chrono::NaiveDate>,
    Option<String>,
    bool,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// A stay of the file, ready to be written: made on the checking thread (`StaysRead::take`),
/// so that the writing thread only compares and writes.
pub struct ImportedStay {
    new: NewEpisode,
    /// How the survey counts it when it is new: for a stay with a care office.
    counted: Option<Stay>,
}

impl ImportedStay {
    fn episode_ref(&self) -> &str {
        self.new.external_ref.as_deref().unwrap_or_default()
    }

    /// Whether the stored stay says the same as the file.
    fn same_as(&self, stored: &Stored) -> bool {
        let new = &self.new;
        let (
            _,
            hospital,
            office,
            client,
            level,
            admitted,
            discharged,
            destination,
            excluded,
            admitted_at,
            municipality,
        ) = stored;
        (hospital.as_str(), office.as_deref(), client, level.as_deref())
            == (new.hospital_id.as_str(), new.care_office_id.as_ref().map(Id::as_str), &new.client_ref, new.care_level)
            && (admitted, discharged, destination.as_deref(), excluded)
                == (
                    &new.admitted_on.value,
                    &new.discharged_on.as_ref().map(|d| d.value),
                    new.destination,
                    &new.excluded,
                )
            && admitted_at.as_ref() == new.admitted_at.as_ref().map(|a| &a.value)
            // A file that names no municipality leaves the stay's as it is.
            && (new.municipality_code.is_none() || municipality == &new.municipality_code)
    }
}

/// What a file says about stays, gathered as its rows are checked: the survey's daily counts of
/// its stays, as if every one were new (the writer takes back those that were stored already).
pub struct StaysRead<'f> {
    facilities: &'f HashMap<String, (Id, FacilityKind)>,
    ids: Ids,
    now: Stamp,
    tally: daily::Tally,
}

impl<'f> StaysRead<'f> {
    pub fn new(facilities: &'f HashMap<String, (Id, FacilityKind)>) -> Self {
        Self { facilities, ids: Ids::new(), now: calendar::now().into(), tally: daily::Tally::default() }
    }

    /// Takes in a good row (its facilities known to be registered).
    pub fn take(&mut self, row: ImportedStayRow) -> ImportedStay {
        let id_of = |code: &str| self.facilities.get(code).map(|(id, _)| *id).unwrap_or_default();
        let care_office_id = row.care_office.as_deref().map(id_of);
        let counted = care_office_id.is_some().then(|| without_contacts(&row));
        if let Some(stay) = &counted {
            self.tally.add(1, stay);
        }
        let new = NewEpisode {
            id: self.ids.next_id(),
            client_ref: Some(row.client_ref),
            hospital_id: id_of(&row.hospital),
            care_office_id,
            care_level: row.care_level,
            admitted_on: row.admitted_on.into(),
            admitted_day: day_number(row.admitted_on),
            admitted_at: row.admitted_at.map(Stamp::from),
            discharged_on: row.discharged_on.map(Day::from),
            discharged_day: row.discharged_on.map(day_number),
            destination: row.destination.map(<&str>::from),
            excluded: row.excluded,
            planned_respite: false,
            undated_admission_info: false,
            undated_discharge_contact: false,
            external_ref: Some(row.episode_ref),
            created_at: self.now.clone(),
            updated_at: self.now.clone(),
            municipality_code: row.municipality,
        };
        ImportedStay { new, counted }
    }
}

/// Writes the stays of a file (`lines` long), as they come in batches from the check.
pub fn import<'f, R, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    batches: impl IntoIterator<Item = Vec<ImportedStay>>,
    lines: usize,
    verdict: Verdict<'_, (R, StaysRead<'f>), E>,
) -> Result<(Written, R), E> {
    let large = SetAside::worth_it(lines, bulk::stored_rows(conn, "episodes")?);
    references_checked_here(conn, large, |conn| {
        crate::db::write(conn, |conn| {
            let mut outcome = Written::default();
            // Only when some imported stays are stored at all are the file's looked up (by
            // episode_ref, a unique key, which then stays while they are).
            let any_imported =
                diesel::select(diesel::dsl::exists(episodes::table.filter(episodes::external_ref.is_not_null())))
                    .get_result::<bool>(conn)?;
            let keep: &[&str] = if any_imported { &[STAYS_BY_REFERENCE] } else { &[] };
            let set_aside = if large { Some(SetAside::take(conn, "episodes", keep)?) } else { None };
            // The survey's daily counts: the check counted every stay as new; those already stored
            // are taken back. A changed stay's counts are taken off before and put back after (or,
            // in a large import, every stay is counted again at the end).
            let mut stored_before = Vec::new();
            let mut recount = false;
            for chunk in batches {
                let stored = if any_imported { stored_stays(conn, &chunk)? } else { HashMap::new() };
                let mut new = Vec::with_capacity(chunk.len());
                let mut changed = Vec::new();
                for stay in chunk {
                    match stored.get(stay.episode_ref()) {
                        None => {
                            new.push(stay.new);
                            continue;
                        }
                        Some(stored) if stay.same_as(stored) => outcome.unchanged += 1,
                        Some(stored) => {
                            // A file that names no municipality leaves the stay's as it is.
                            let mut wanted = stay.new;
                            wanted.municipality_code = wanted.municipality_code.or_else(|| stored.10.clone());
                            changed.push((stored.0.clone(), wanted));
                        }
                    }
                    stored_before.extend(stay.counted);
                }
                let ids = changed.iter().map(|(id, _)| to_uuid(id)).collect::<QueryResult<Vec<_>>>()?;
                recount |= large && !ids.is_empty();
                if !ids.is_empty() && !large {
                    daily::adjust(conn, -1, Stays::Listed(&ids))?;
                }
                for (id, wanted) in changed {
                    diesel::update(episodes::table.find(id))
                        .set((
                            episodes::hospital_id.eq(wanted.hospital_id.as_str()),
                            episodes::care_office_id.eq(wanted.care_office_id.as_ref().map(Id::as_str)),
                            episodes::client_ref.eq(wanted.client_ref),
                            episodes::care_level.eq(wanted.care_level),
                            episodes::admitted_on.eq(wanted.admitted_on.value),
                            episodes::admitted_day.eq(wanted.admitted_day),
                            episodes::admitted_at.eq(wanted.admitted_at.map(|a| a.value)),
                            episodes::discharged_on.eq(wanted.discharged_on.map(|d| d.value)),
                            episodes::discharged_day.eq(wanted.discharged_day),
                            episodes::destination.eq(wanted.destination),
                            episodes::excluded.eq(wanted.excluded),
                            episodes::updated_at.eq(wanted.updated_at.value),
                            episodes::municipality_code.eq(wanted.municipality_code),
                        ))
                        .execute(conn)?;
                    outcome.updated += 1;
                }
                if !ids.is_empty() && !large {
                    daily::adjust(conn, 1, Stays::Listed(&ids))?;
                }
                // diesel's MultiConnection cannot batch, each engine's own can: a multi-row INSERT
                // on SQLite, COPY (binary) on PostgreSQL.
                outcome.inserted += match conn {
                    _ if new.is_empty() => 0,
                    DbConnection::Sqlite(c) => bulk::insert_in_runs!(c, episodes::table, new.as_slice()),
                    DbConnection::Postgres(c) => diesel::copy_from(episodes::table).from_insertable(&new).execute(c)?,
                };
            }
            let (rejected, read) = verdict()?;
            tracing::debug!(inserted = outcome.inserted, "import: stays written");
            bulk::after_writing(conn, "episodes", set_aside, outcome.inserted + outcome.updated > 0)?;
            if recount {
                daily::recount(conn)?
            } else {
                let mut tally = read.tally;
                for stay in &stored_before {
                    tally.add(-1, stay);
                }
                tally.write(conn)?
            }
            tracing::debug!("import: daily counts updated");
            Ok((outcome, rejected))
        })
    })
}

/// The file's stays already stored, by episode_ref.
fn stored_stays(conn: &mut DbConnection, chunk: &[ImportedStay]) -> QueryResult<HashMap<String, Stored>> {
    let refs: Vec<&str> = chunk.iter().map(ImportedStay::episode_ref).collect();
    Ok(episodes::table
        .filter(episodes::external_ref.eq_any(&refs))
        .select((
            episodes::external_ref,
            (
                episodes::id,
                episodes::hospital_id,
                episodes::care_office_id,
                episodes::client_ref,
                episodes::care_level,
                episodes::admitted_on,
                episodes::discharged_on,
                episodes::destination,
                episodes::excluded,
                episodes::admitted_at,
                episodes::municipality_code,
            ),
        ))
        .load::<(Option<String>, Stored)>(conn)?
        .into_iter()
        .filter_map(|(reference, stored)| reference.map(|r| (r, stored)))
        .collect())
}

/// A new stay as the survey counts it: no contacts yet.
fn without_contacts(row: &ImportedStayRow) -> Stay {
    Stay {
        admitted: day_number(row.admitted_on),
        discharged: row.discharged_on.map(day_number),
        died: row.destination == Some(Destination::Death),
        excluded: row.excluded,
        ..Stay::default()
    }
}
