//! Bulk writes of imported rows: facilities by code, stays by episode_ref (inserted, or updated
//! when the file says something new, e.g. a discharge), contacts by a key made of their content
//! (so a second import of the same rows inserts nothing). Each import is one transaction.

use foldhash::{HashMap, HashMapExt, HashSet};

use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use uuid::Uuid;

use super::bulk::{self, Day, Id, Ids, SetAside, Stamp};
use super::rows::{ContactRow, EpisodeRow, FacilityRow};
use super::{ImportError, Outcome, Rejected};
use crate::calendar::{self, day_number};
use crate::contacts::{ContactKind, Direction, Method};
use crate::db::schema::{contacts, episodes, facilities};
use crate::db::{DbConnection, to_enum, to_uuid};
use crate::directory::{FacilityKind, NewFacility};
use crate::episodes::Destination;
use crate::episodes::store::{ContactFirsts, Stays, merge_contact_firsts};
use crate::survey::store::{Stay, daily};

/// Rows per batch: the checked rows come in batches of this size, and each is looked up and
/// written at once (on PostgreSQL, one COPY). Larger batches cost fewer round trips and
/// statements; beyond about 5,000 rows the gain stops (docs/performance.md). A batch's lookups
/// bind at most this many values, well under SQLite's limit of 32,766.
pub const BATCH: usize = 10_000;

/// The key by which imported stays are looked up (episode_ref).
const STAYS_BY_REFERENCE: &str = "episodes_external_ref_key";

/// The index by which imported contacts are looked up.
const CONTACTS_BY_CONTENT: &str = "contacts_episode_content";

/// PostgreSQL's indexes of the contacts that name a document or a recorder: never set aside (an
/// imported contact names neither, so they cost the import nothing), so that the foreign keys
/// added again at the end of a large import are checked by reading them, not every contact.
const CONTACTS_BY_DOCUMENT: &str = "contacts_document";
const CONTACTS_BY_RECORDER: &str = "contacts_recorded_by";

/// Stays whose daily counts are taken off and put back per statement, when imported contacts are
/// merged into a few stays' summaries (their ids are listed in the statement).
const ADJUSTED_PER_STATEMENT: usize = 500;

/// Gives the result of the check once every batch is taken: the rejected rows (and what else
/// the check gathered), or the refusal of the file.
pub type Verdict<'a, V> = Box<dyn FnOnce() -> Result<V, ImportError> + 'a>;

/// On SQLite, a page cache for this connection large enough to hold most of what a million-row
/// import changes (256 MiB instead of 2 MiB), so that fewer pages are spilled to the log and
/// written again before the commit, and statement journals in memory, not in temporary files.
pub fn prepare_for_bulk(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY"),
        DbConnection::Postgres(_) => Ok(()),
    }
}

/// Imports of contacts wait for one another: each compares the file with the contacts stored,
/// so two at once could both take a row for new (the unique index would then refuse the second).
/// SQLite has one writer at a time anyway; PostgreSQL takes a lock held until the commit.
fn one_import_at_a_time(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(_) => {
            // Any fixed number would do; no other lock of ours uses this one.
            diesel::sql_query("SELECT pg_advisory_xact_lock(4242001)").execute(conn).map(|_| ())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Every facility by code: its id and kind.
pub fn facility_kinds(conn: &mut DbConnection) -> QueryResult<HashMap<String, (Id, FacilityKind)>> {
    facilities::table
        .select((facilities::code, facilities::id, facilities::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(code, id, kind)| Ok((code, (to_uuid(&id)?.into(), to_enum(&kind)?))))
        .collect()
}

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

pub fn facilities(
    conn: &mut DbConnection,
    rows: &[FacilityRow],
    rejected: Vec<Rejected>,
) -> Result<Outcome, ImportError> {
    crate::db::write(conn, |conn| {
        let mut outcome = Outcome { rejected, ..Outcome::default() };
        for row in rows {
            let existing: Option<(String, String, String, Option<String>, bool)> = facilities::table
                .filter(facilities::code.eq(&row.code))
                .select((facilities::id, facilities::name, facilities::kind, facilities::area, facilities::in_city))
                .first(conn)
                .optional()?;
            match existing {
                None => {
                    let new = NewFacility {
                        code: row.code.clone(),
                        name: row.name.clone(),
                        kind: row.kind,
                        area: row.area.clone(),
                        in_city: row.in_city,
                        contact_windows: vec![],
                    };
                    crate::directory::store::insert_facility(conn, &new)?;
                    outcome.inserted += 1;
                }
                Some((_, name, kind, area, in_city))
                    if name == row.name && kind == row.kind.as_str() && area == row.area && in_city == row.in_city =>
                {
                    outcome.unchanged += 1;
                }
                Some((id, ..)) => {
                    diesel::update(facilities::table.find(id))
                        .set((
                            facilities::name.eq(&row.name),
                            facilities::kind.eq(row.kind.as_str()),
                            facilities::area.eq(&row.area),
                            facilities::in_city.eq(row.in_city),
                        ))
                        .execute(conn)?;
                    outcome.updated += 1;
                }
            }
        }
        if outcome.inserted + outcome.updated > 0 {
            bulk::analyze(conn, "facilities")?;
        }
        Ok(outcome)
    })
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
        let (_, hospital, office, client, level, admitted, discharged, destination, excluded) = stored;
        (hospital.as_str(), office.as_deref(), client, level.as_deref())
            == (new.hospital_id.as_str(), new.care_office_id.as_ref().map(Id::as_str), &new.client_ref, new.care_level)
            && (admitted, discharged, destination.as_deref(), excluded)
                == (
                    &new.admitted_on.value,
                    &new.discharged_on.as_ref().map(|d| d.value),
                    new.destination,
                    &new.excluded,
                )
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
    pub fn take(&mut self, row: EpisodeRow) -> ImportedStay {
        let id_of = |code: &str| self.facilities.get(code).map(|(id, _)| *id).unwrap_or_default();
        let care_office_id = row.care_office.as_deref().map(id_of);
        let counted = care_office_id.is_some().then(|| without_contacts(&row));
        if let Some(stay) = &counted {
            self.tally.add(1, stay);
        }
        let new = NewEpisode {
            id: self.ids.next(),
            client_ref: Some(row.client_ref),
            hospital_id: id_of(&row.hospital),
            care_office_id,
            care_level: row.care_level,
            admitted_on: row.admitted_on.into(),
            admitted_day: day_number(row.admitted_on),
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
        };
        ImportedStay { new, counted }
    }
}

/// Writes the stays of a file (`lines` long), as they come in batches from the check.
pub fn episodes<'f>(
    conn: &mut DbConnection,
    batches: impl IntoIterator<Item = Vec<ImportedStay>>,
    lines: usize,
    verdict: Verdict<'_, (Vec<Rejected>, StaysRead<'f>)>,
) -> Result<Outcome, ImportError> {
    let large = SetAside::worth_it(lines, bulk::stored_rows(conn, "episodes")?);
    references_checked_here(conn, large, |conn| {
        crate::db::write(conn, |conn| {
            let mut outcome = Outcome::default();
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
                        Some((id, ..)) => changed.push((id.clone(), stay.new)),
                    }
                    stored_before.extend(stay.counted);
                }
                let ids = changed.iter().map(|(id, _)| to_uuid(id)).collect::<QueryResult<Vec<_>>>()?;
                recount |= large && !ids.is_empty();
                if !ids.is_empty() && !large {
                    daily::adjust(conn, -1, &Stays::Listed(&ids).condition("e.id"))?;
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
                            episodes::discharged_on.eq(wanted.discharged_on.map(|d| d.value)),
                            episodes::discharged_day.eq(wanted.discharged_day),
                            episodes::destination.eq(wanted.destination),
                            episodes::excluded.eq(wanted.excluded),
                            episodes::updated_at.eq(wanted.updated_at.value),
                        ))
                        .execute(conn)?;
                    outcome.updated += 1;
                }
                if !ids.is_empty() && !large {
                    daily::adjust(conn, 1, &Stays::Listed(&ids).condition("e.id"))?;
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
            outcome.rejected = rejected;
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
            Ok(outcome)
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
            ),
        ))
        .load::<(Option<String>, Stored)>(conn)?
        .into_iter()
        .filter_map(|(reference, stored)| reference.map(|r| (r, stored)))
        .collect())
}

/// A new stay as the survey counts it: no contacts yet.
fn without_contacts(row: &EpisodeRow) -> Stay {
    Stay {
        admitted: day_number(row.admitted_on),
        discharged: row.discharged_on.map(day_number),
        died: row.destination == Some(Destination::Death),
        excluded: row.excluded,
        ..Stay::default()
    }
}

/// Runs a large import with SQLite's foreign-key checks off (PostgreSQL's are set aside with the
/// indexes, `SetAside`): every reference an import writes, it has just looked up itself (the
/// facilities by code, the stays by episode_ref), and Renkei never deletes facilities, stays or
/// contacts, so the checks could not fail. At a million rows they cost more than the inserts
/// (a lookup of the referenced key per row and reference). SQLite takes this setting only
/// outside a transaction; it is on again afterwards, however the import ended.
fn references_checked_here<T>(
    conn: &mut DbConnection,
    large: bool,
    import: impl FnOnce(&mut DbConnection) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    use diesel::connection::SimpleConnection;
    let DbConnection::Sqlite(sqlite) = conn else { return import(conn) };
    if !large {
        return import(conn);
    }
    sqlite.batch_execute("PRAGMA foreign_keys = OFF")?;
    let outcome = import(conn);
    if let DbConnection::Sqlite(sqlite) = conn {
        sqlite.batch_execute("PRAGMA foreign_keys = ON")?;
    }
    outcome
}

/// A contact as written: nothing of its own on the heap (see `bulk::Inline`).
#[derive(Insertable)]
#[diesel(table_name = contacts, treat_none_as_default_value = false)]
struct NewContact {
    id: Id,
    episode_id: Id,
    direction: &'static str,
    kind: &'static str,
    method: &'static str,
    contacted_on: Option<Day>,
    contacted_day: Option<i32>,
    import_seq: Option<i32>,
    created_at: Stamp,
}

/// What makes two contacts of a stay the same: direction, kind, day, method; and which of the
/// file's identical rows it is (1, 2, …), so that a contact written twice is kept twice.
type Content<'a> = (&'a str, &'a str, &'a str, Option<i32>, &'a str, i32);

/// A contact of the file, ready to be written: made on the checking thread
/// (`ContactsRead::take`), numbered among the file's identical rows.
pub struct ImportedContact(NewContact);

impl ImportedContact {
    fn content(&self) -> Content<'_> {
        let new = &self.0;
        (
            new.episode_id.as_str(),
            new.direction,
            new.kind,
            new.contacted_day,
            new.method,
            new.import_seq.unwrap_or_default(),
        )
    }
}

/// What a file says about contacts, gathered as its rows are checked: per stay, its contact
/// summary and how many times each content came so far. Stays are keyed by their 16-byte ids,
/// cheaper to hash millions of times than their text; a file lists a stay's contacts together,
/// as a rule, so its entry is at hand for the next row (one map of 3 million contents, looked up
/// at random, was a third of the checking thread's time).
pub struct ContactsRead {
    ids: Ids,
    now: Stamp,
    stays: HashMap<Uuid, StayContacts>,
    /// The contents of stays with more than `LISTED_PER_STAY` different ones, beyond those.
    more: HashMap<(Uuid, ContactContent), i32>,
}

/// A contact's content but for its stay: direction, kind, day number, method.
type ContactContent = (Direction, ContactKind, Option<i32>, Method);

/// Different contents listed per stay (beyond them, `ContactsRead::more`): a stay has a few
/// contacts, and a short list is searched faster than a map is looked up.
const LISTED_PER_STAY: usize = 16;

/// One stay's contacts in the file so far: its summary, and its contents with how many times
/// each came.
#[derive(Default)]
struct StayContacts {
    firsts: ContactFirsts,
    seen: Vec<(ContactContent, i32)>,
}

impl Default for ContactsRead {
    fn default() -> Self {
        Self { ids: Ids::new(), now: calendar::now().into(), stays: HashMap::new(), more: HashMap::new() }
    }
}

impl ContactsRead {
    /// Takes in a good row of the stay `stay` (its id).
    pub fn take(&mut self, stay: Uuid, row: ContactRow) -> ImportedContact {
        let day = row.contacted_on.map(day_number);
        let contacts = self.stays.entry(stay).or_default();
        contacts.firsts.add(row.direction, row.kind, day);
        let content = (row.direction, row.kind, day, row.method);
        let listed = contacts.seen.len();
        let n = match contacts.seen.iter_mut().find(|(seen, _)| *seen == content) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None if listed < LISTED_PER_STAY => {
                contacts.seen.push((content, 1));
                1
            }
            None => {
                let n = self.more.entry((stay, content)).or_insert(0);
                *n += 1;
                *n
            }
        };
        ImportedContact(NewContact {
            id: self.ids.next(),
            episode_id: stay.into(),
            direction: row.direction.into(),
            kind: row.kind.into(),
            method: row.method.into(),
            contacted_on: row.contacted_on.map(Day::from),
            contacted_day: day,
            import_seq: Some(n),
            created_at: self.now.clone(),
        })
    }

    /// Each stay's summary from the file's contacts, in id order (the order of the stays' rows).
    fn firsts(self) -> Vec<(Uuid, ContactFirsts)> {
        let mut firsts: Vec<_> = self.stays.into_iter().map(|(id, contacts)| (id, contacts.firsts)).collect();
        firsts.sort_unstable_by_key(|(id, _)| *id);
        firsts
    }
}

/// The contents of the imported contacts already stored for these stays.
fn stored_contents(conn: &mut DbConnection, stays: &[&str]) -> QueryResult<Vec<StoredContent>> {
    contacts::table
        .filter(contacts::episode_id.eq_any(stays))
        .filter(contacts::import_seq.is_not_null())
        .select((
            contacts::episode_id,
            contacts::direction,
            contacts::kind,
            contacts::contacted_day,
            contacts::method,
            contacts::import_seq,
        ))
        .load(conn)
}

type StoredContent = (String, String, String, Option<i32>, String, Option<i32>);

/// A stored contact's content, borrowed (so compared with the file's rows without copying);
/// None for a contact recorded live, which has no occurrence.
fn borrowed(stored: &StoredContent) -> Option<Content<'_>> {
    let (stay, direction, kind, day, method, seq) = stored;
    Some((stay, direction, kind, *day, method, (*seq)?))
}

/// Writes the contacts of a file (`lines` long), as they come in batches from the check.
pub fn contacts(
    conn: &mut DbConnection,
    batches: impl IntoIterator<Item = Vec<ImportedContact>>,
    lines: usize,
    verdict: Verdict<'_, (Vec<Rejected>, ContactsRead)>,
) -> Result<Outcome, ImportError> {
    let large = SetAside::worth_it(lines, bulk::stored_rows(conn, "contacts")?);
    references_checked_here(conn, large, |conn| {
        crate::db::write(conn, |conn| {
            let mut outcome = Outcome::default();
            one_import_at_a_time(conn)?;
            let stays = usize::try_from(bulk::stored_rows(conn, "episodes")?).unwrap_or(usize::MAX);
            // A contact already imported (the same content, the same occurrence) is left as it is.
            // Only when some imported contacts are stored at all are the file's stays looked up
            // (by their contents: that index stays while they are).
            let any_imported =
                diesel::select(diesel::dsl::exists(contacts::table.filter(contacts::import_seq.is_not_null())))
                    .get_result::<bool>(conn)?;
            let keep: &[&str] = if any_imported {
                &[CONTACTS_BY_CONTENT, CONTACTS_BY_DOCUMENT, CONTACTS_BY_RECORDER]
            } else {
                &[CONTACTS_BY_DOCUMENT, CONTACTS_BY_RECORDER]
            };
            let set_aside = if large { Some(SetAside::take(conn, "contacts", keep)?) } else { None };
            for chunk in batches {
                let read = chunk.len();
                let new: Vec<NewContact> = if any_imported {
                    let mut stays: Vec<&str> = chunk.iter().map(|c| c.0.episode_id.as_str()).collect();
                    stays.sort_unstable();
                    stays.dedup();
                    let stored_rows = stored_contents(conn, &stays)?;
                    let stored: HashSet<Content<'_>> = stored_rows.iter().filter_map(borrowed).collect();
                    chunk.into_iter().filter(|c| !stored.contains(&c.content())).map(|c| c.0).collect()
                } else {
                    chunk.into_iter().map(|c| c.0).collect()
                };
                // Both engines' own bulk paths; the unique index (now, or when it is built again)
                // refuses a contact stored twice.
                let inserted = match conn {
                    _ if new.is_empty() => 0,
                    DbConnection::Sqlite(c) => bulk::insert_in_runs!(c, contacts::table, new.as_slice()),
                    DbConnection::Postgres(c) => diesel::copy_from(contacts::table).from_insertable(&new).execute(c)?,
                };
                outcome.inserted += inserted;
                outcome.unchanged += read - inserted;
            }
            let (rejected, read) = verdict()?;
            outcome.rejected = rejected;
            tracing::debug!(inserted = outcome.inserted, "import: contacts inserted");
            // While the database rebuilds what was set aside, this thread only waits: a second one
            // sums up each stay's contacts meanwhile, and lets go of what the check gathered (a
            // few tenths of a second at a million stays).
            let (rebuilt, firsts) = std::thread::scope(|scope| {
                let summing = scope.spawn(move || read.firsts());
                let rebuilt = bulk::after_writing(conn, "contacts", set_aside, outcome.inserted + outcome.updated > 0);
                (rebuilt, summing.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            });
            rebuilt?;
            // Contacts already stored (the same key, so the same content) are in their stays'
            // summaries already; when nothing was new, nothing changes.
            if outcome.inserted > 0 {
                // Touching a quarter of the stays or more, recounting the survey's daily counts in
                // one pass costs less than taking off and putting back each stay's.
                let recount = outcome.inserted >= stays / 4;
                if recount {
                    merge_contact_firsts(conn, &firsts)?;
                } else {
                    for chunk in firsts.chunks(ADJUSTED_PER_STATEMENT) {
                        let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
                        let which = Stays::Listed(&ids).condition("e.id");
                        daily::adjust(conn, -1, &which)?;
                        merge_contact_firsts(conn, chunk)?;
                        daily::adjust(conn, 1, &which)?;
                    }
                }
                tracing::debug!("import: contact summaries updated");
                if recount {
                    daily::recount(conn)?;
                } else {
                    daily::compact(conn)?;
                }
                tracing::debug!("import: daily counts updated");
            }
            Ok(outcome)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u32) -> ContactRow {
        ContactRow {
            episode_ref: "E1".into(),
            direction: Direction::HospitalToCm,
            kind: ContactKind::DischargeNotice,
            contacted_on: chrono::NaiveDate::from_ymd_opt(2025, 4, day),
            method: Method::Fax,
        }
    }

    #[test]
    fn identical_rows_of_a_stay_are_numbered_in_file_order_however_many_contents_it_has() {
        let mut read = ContactsRead::default();
        let (stay, other) = (Uuid::now_v7(), Uuid::now_v7());
        let contents = u32::try_from(LISTED_PER_STAY).unwrap_or_else(|e| panic!("{e}")) + 4;
        let mut numbers = Vec::new();
        // Every content twice, the second round after all the firsts, and another stay's rows
        // with the same contents between them.
        for round in 0..2 {
            for day in 1..=contents {
                numbers.push((round, read.take(stay, row(day)).content().5));
                assert_eq!(read.take(other, row(day)).content().5, round + 1);
            }
        }
        assert!(numbers.iter().all(|&(round, n)| n == round + 1), "{numbers:?}");
        let firsts = read.firsts();
        assert_eq!(firsts.len(), 2);
        assert!(
            firsts.iter().all(|(_, f)| f.discharge
                == Some(day_number(chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap_or_default())))
        );
    }
}
