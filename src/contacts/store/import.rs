//! Contacts imported from a file: each stay's contacts by a key made of their content and
//! occurrence (so a second import of the same rows inserts nothing), then merged into their
//! stays' summaries, with the survey's daily counts kept exact.

use foldhash::{HashMap, HashMapExt, HashSet};

use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar::{self, day_number};
use crate::contacts::{ContactKind, Direction, ImportedContactRow, Method};
use crate::db::DbConnection;
use crate::db::bulk::{self, Day, Id, Ids, SetAside, Stamp, Verdict, Written, references_checked_here};
use crate::db::schema::contacts;
use crate::episodes::store::{ContactFirsts, merge_contact_firsts};
use crate::survey::store::daily::{self, Stays};

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
    pub fn take(&mut self, stay: Uuid, row: ImportedContactRow) -> ImportedContact {
        let day = row.contacted_on.map(day_number);
        let contacts = self.stays.entry(stay).or_default();
        crate::contacts::add_to(&mut contacts.firsts, row.direction, row.kind, day, row.method);
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
            id: self.ids.next_id(),
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
pub fn import<R, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    batches: impl IntoIterator<Item = Vec<ImportedContact>>,
    lines: usize,
    verdict: Verdict<'_, (R, ContactsRead), E>,
) -> Result<(Written, R), E> {
    let large = SetAside::worth_it(lines, bulk::stored_rows(conn, "contacts")?);
    references_checked_here(conn, large, |conn| {
        crate::db::write(conn, |conn| {
            let mut outcome = Written::default();
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
                        daily::adjust(conn, -1, Stays::Listed(&ids))?;
                        merge_contact_firsts(conn, chunk)?;
                        daily::adjust(conn, 1, Stays::Listed(&ids))?;
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
            Ok((outcome, rejected))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: u32) -> ImportedContactRow {
        ImportedContactRow {
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
